"""Set-up helpers shared by the rule and mechanism tests (not tests themselves)."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from coalitionsim.model.area import Status
from coalitionsim.model.ledger import OUTSIDE


def set_money(m, actor, amount: float) -> None:
    """Give ``actor`` exactly ``amount`` M€ on its ledger account (from or to the outside)."""
    diff = amount - actor.balance
    if diff > 0:
        m.ledger.transfer(OUTSIDE, actor.account, diff, "opening_balance")
    elif diff < 0:
        m.ledger.transfer(actor.account, OUTSIDE, -diff, "opening_balance", force=True)


def kill_after_first_shard(cmd: list[str], out: Path, env: dict[str, str] | None = None, wait: float = 60) -> None:
    """Start a batch command in its own session and SIGKILL it, workers and all, once it has stored a shard
    of runs in ``out`` (as an out-of-memory kill or a pulled plug would)."""
    from coalitionsim.batch.sweep import shards

    proc = subprocess.Popen(cmd, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    try:
        deadline = time.monotonic() + wait
        while not shards(out) and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.01)
        assert shards(out), "no shard was written"
        os.killpg(proc.pid, signal.SIGKILL)
    finally:
        proc.wait()


def building(m, owner, plot, remaining: int = 3):
    """Puts a plot other than ``plot`` under construction for ``owner``, completing in ``remaining`` quarters
    (a running project that frees financing room: model/exits.py ``rephased_due``)."""
    other = next(p for p in m.area.plots if p is not plot and p.status != Status.CONSTRUCTION)
    if other.owner is not owner:
        m.area.set_owner(other, owner)
    other.status, other.construction_remaining = Status.CONSTRUCTION, remaining
    return other


def bound_plot(m):
    """Step a tender run until a developer holds a permitted plot under a bouwplicht."""
    while m.steps < m.scenario.simulation.horizon_quarters:
        m.step()
        for p in m.area.plots:
            if p.build_obligation and p.status in (Status.PERMITTED, Status.STALLED) and p.step_permit is not None:
                return p
    pytest.fail("no tendered plot reached its permit under a bouwplicht")


def run_desk(m, until, quarters: int = 40) -> int | None:
    """Let the municipality work quarter by quarter (its queue only); the quarter at which ``until()`` first
    holds, or None."""
    for _ in range(quarters):
        m.steps += 1
        m.municipality.process_work()
        if until():
            return m.steps
    return None
