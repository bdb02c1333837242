"""The central government (Rijk): gebiedsbudget in tranches, expert capacity, national rules."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..ledger import OUTSIDE
from .base import Actor, clip01

if TYPE_CHECKING:
    from ..model import AreaDevelopmentModel


class Rijk(Actor):
    """Releases the gebiedsbudget in tranches onto its area account, from which it co-funds a share of
    public spending (NOVEX L812–820: €475 m BZK gebiedsbudget for the public deficit), and lends expert
    capacity (operational arrangements, L855–856)."""

    group = "rijk"

    def __init__(self, model: "AreaDevelopmentModel"):
        super().__init__(model, "Rijk", draagvlak=0.9, trust=0.6)
        self.spec = model.scenario.rijk
        self.open_account("rijk")

    @property
    def released(self) -> float:
        """The gebiedsbudget released so far."""
        return self.model.ledger.received(self.account, ("rijk_budget",))

    @property
    def paid(self) -> float:
        """What the Rijk has paid into the area (its net outflow): the rijk_subsidy."""
        return self.model.ledger.paid(self.account, exclude_outside=True)

    @property
    def pot(self) -> float:
        """Released and not yet spent: the balance of its area account."""
        return self.balance

    def budget_round(self) -> None:
        """Step 1: release a tranche when one is due."""
        s = self.spec
        if s.gebiedsbudget <= 0:
            return
        step = self.model.steps
        released = self.released
        if step % s.tranche_interval_quarters == 0 and released < s.gebiedsbudget - 1e-9:
            tranche = min(s.gebiedsbudget / s.tranches, s.gebiedsbudget - released)
            self.model.ledger.transfer(OUTSIDE, self.account, tranche, "rijk_budget")
            self.model.log("rijk", f"Rijk releases a tranche of €{tranche:.1f} m of the gebiedsbudget",
                           actor=self.account, amount=tranche)

    def cofunding_available(self, amount: float) -> float:
        return min(max(0.0, self.available), self.spec.cofunding_share * amount)

    def cofund(self, part: float) -> float:
        """Pay the municipality ``part`` (M€) of its spending: what :meth:`cofunding_available` gave for it."""
        if part > 0:
            self.model.ledger.transfer(self.account, self.model.municipality.account, part, "subsidy")
        return part

    def expert_capacity_now(self) -> float:
        return self.spec.expert_capacity if self.model.steps < self.spec.expert_quarters else 0.0

    def update_capacity(self) -> None:
        budget = self.spec.gebiedsbudget
        self.draagkracht = 1.0 if budget <= 0 else clip01((budget - self.paid) / budget)
