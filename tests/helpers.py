"""Set-up helpers shared by the rule and mechanism tests (not tests themselves)."""

from __future__ import annotations

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


def bound_plot(m):
    """Step a tender run until a developer holds a permitted plot under a bouwplicht."""
    while m.steps < m.scenario.simulation.horizon_quarters:
        m.step()
        for p in m.area.plots:
            if p.build_obligation and p.status in (Status.PERMITTED, Status.STALLED) and p.step_permit is not None:
                return p
    pytest.fail("no tendered plot reached its permit under a bouwplicht")
