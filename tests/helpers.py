"""Set-up helpers shared by the rule and mechanism tests (not tests themselves)."""

from __future__ import annotations

from coalitionsim.model.ledger import OUTSIDE


def set_money(m, actor, amount: float) -> None:
    """Give ``actor`` exactly ``amount`` M€ on its ledger account (from or to the outside)."""
    diff = amount - actor.balance
    if diff > 0:
        m.ledger.transfer(OUTSIDE, actor.account, diff, "opening_balance")
    elif diff < 0:
        m.ledger.transfer(actor.account, OUTSIDE, -diff, "opening_balance", force=True)
