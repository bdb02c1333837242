"""Non-developing owners (grondeigenaren, ondernemers): they hold property and benefit from the area,
but do not build themselves; they sell when the price clears their reservation value."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..ledger import OUTSIDE
from .base import Owner

if TYPE_CHECKING:
    from ..model import AreaDevelopmentModel


class Landowner(Owner):
    """A business or institution on a plot with existing use (an owner of an existing business, group
    ``owners``). Only a BIZ or GIZ makes it pay for area tasks; kostenverhaal reaches only owners who develop
    (NOVEX L2452–2453). Its income from current use arrives on its account every quarter; what it pays
    comes out of that account: it has no financing room for the area's asks (its property is financed for
    its current use), so it carries an ask from its cash and its cash flow. A lump sum larger than its cash
    fails in every quarter it is asked again, and ``behaviour.dropout_quarters`` such quarters make it drop
    out and sell; the same sum in instalments it can pay from its income keeps it in (002 L55–63)."""

    group = "owners"
    developing = False

    def __init__(self, model: "AreaDevelopmentModel", name: str, willingness: float, holdout: bool):
        super().__init__(model, name, draagvlak=willingness, trust=0.45)
        self.strategy = "holdout" if holdout else "cooperative"
        self.income = 0.0  # M€ per quarter from current use, set when plots are assigned
        self.asked = 0.0  # M€ asked this quarter
        self.open_account(f"owner {name}")

    def update_capacity(self) -> None:
        """Income comes in; its draagkracht is read at the end of the quarter against what fell due
        (:meth:`coalitionsim.model.asks.Asks.record`)."""
        self.model.ledger.transfer(OUTSIDE, self.account, self.income, "existing_use_income")
        self.draagkracht = 1.0

    @property
    def failing(self) -> bool:
        """Willing, and could not pay what fell due on it this quarter (a postponed ask is not failed)."""
        return not self.dropped_out and self.willing and self.failed_ask_now
