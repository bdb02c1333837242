"""Non-developing owners (grondeigenaren, ondernemers): they hold property and benefit from the area,
but do not build themselves; they sell when the price clears their reservation value."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..ledger import OUTSIDE
from .base import Owner, clip01

if TYPE_CHECKING:
    from ..model import AreaDevelopmentModel


class Landowner(Owner):
    """A business or institution on a plot with existing use. Only a BIZ or GIZ makes it pay for area tasks;
    kostenverhaal reaches only owners who develop (NOVEX L2452–2453). Its income from current use arrives
    on its account every quarter; what it pays comes out of that account."""

    group = "developers"  # reported with the private owners
    developing = False

    def __init__(self, model: "AreaDevelopmentModel", name: str, willingness: float, holdout: bool):
        super().__init__(model, name, draagvlak=willingness, trust=0.45)
        self.strategy = "holdout" if holdout else "cooperative"
        self.income = 0.0  # M€ per quarter from current use, set when plots are assigned
        self.asked = 0.0  # M€ asked this quarter
        self.open_account(f"owner {name}")

    def update_capacity(self) -> None:
        """Income comes in; draagkracht: what is on the account against what was asked last quarter."""
        self.model.ledger.transfer(OUTSIDE, self.account, self.income, "existing_use_income")
        self.draagkracht = 1.0 if self.asked <= 0 else clip01((self.available + self.asked) / self.asked)
