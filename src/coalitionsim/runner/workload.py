"""How much work a design asks for, said before it starts (``sweep``, and ``robust`` alike).

A design of more than :data:`LARGE_DESIGN_RUNS` runs is only started when the user agrees: on a terminal
the command asks, elsewhere it is refused with one line and a ``--yes`` hint (:func:`confirm_size`). The
size is known without building the design (a Morris design of a million trajectories is refused at once,
not after minutes of sampling). Every design states its size and an estimate of its time before the first
run (:func:`estimate_text`).
"""

from __future__ import annotations

from collections.abc import Callable

LARGE_DESIGN_RUNS = 10_000  # more runs than this are confirmed first (about 15 min at 0.1 s per run on 1 core)


class DesignTooLarge(ValueError):
    """A design larger than :data:`LARGE_DESIGN_RUNS` that was not confirmed: one line for the user."""


def confirm_size(runs: int, what: str, yes: bool = False, ask: Callable[[str], bool] | None = None) -> None:
    """Let a design of ``runs`` runs go ahead, or raise :class:`DesignTooLarge`.

    Up to :data:`LARGE_DESIGN_RUNS` runs, or with ``yes``, it goes ahead. Above, ``ask(question)`` decides
    (the command line passes a prompt only when it runs on a terminal); without ``ask`` it is refused with
    the hint to pass ``--yes``.
    """
    if runs <= LARGE_DESIGN_RUNS or yes:
        return
    size = f"{what}: {runs:,} runs, more than {LARGE_DESIGN_RUNS:,}"
    if ask is None:
        raise DesignTooLarge(f"{size}; pass --yes to run them, or reduce samples, levels, forms or replications")
    if not ask(f"{size}. Run them?"):
        raise DesignTooLarge(f"{size}; not started")


def duration_text(seconds: float) -> str:
    """A duration as people say it: 40 s, 12 min, 3.5 h, 2.1 days."""
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} min"
    if seconds < 48 * 3600:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} days"


def estimate_text(runs: int, seconds_per_run: float, slots: int) -> str:
    """The time ``runs`` runs take at ``seconds_per_run`` each on ``slots`` parallel workers, as a phrase."""
    seconds = runs * seconds_per_run / max(1, slots)
    return f"about {duration_text(seconds)} ({seconds_per_run:.2g} s per run, {max(1, slots)} at a time)"
