"""Publieke tender (public tender): the municipality issues its land by tender; awards bind programme,
payments and a bouwplicht; nobody can block after award (NOVEX L1590–1598)."""

from __future__ import annotations

from ..acquisition import buy_after
from ..assembly import AssemblyPool
from .base import GovernanceForm, register


@register
class PublicTender(GovernanceForm):
    name = "tender"
    title = "publieke tender (public tender)"

    @classmethod
    def not_applicable(cls, scenario):
        ins = scenario.instruments
        if scenario.ownership.municipal_land_share <= 0 and not ins.expropriation:
            return ("the municipality owns no land to tender and cannot expropriate "
                    "(ownership.municipal_land_share = 0, instruments.expropriation = false)")
        return None

    def setup(self) -> None:
        m = self.model
        # the municipality tries to buy the private land it needs, one purchase negotiation per owner, all
        # on its one budget of talks; corporations keep their land to build their social homes themselves.
        # What it acquires it plans and issues phase by phase (land assembly, ``assembly.py``)
        self.purchases = []
        self.pool = AssemblyPool(self)
        own = [p for p in self.scope if p.owner is m.municipality]
        for owner in self.scope_owners():
            if owner is m.municipality or owner.group == "corporations":
                continue
            plots = self.scope_plots_of(owner)
            neg = self.negotiate(f"aankoop (purchase) from {owner.name}", [m.municipality, owner],
                                 needs_capacity=False, purchase=True, leverage=self.pool.holds_up, for_sale=plots)
            self.purchases.append((neg, plots))
        # the plan covers the land it issues; an owner who keeps its land realises it itself (zelfrealisatie)
        # through its own procedure under that plan
        self.adopt_plan(self.named("bestemmingsplan (plan for the land it issues)"), own,
                        m.scenario.municipality.plan_workload,
                        then=lambda: self.pool.add([p for p in own if p.owner is m.municipality]))

    def step(self) -> None:
        for neg, plots in list(self.purchases):
            if neg.done:
                self.model.log("land", f"{neg.label}: closed after {neg.rounds} rounds", actor=plots[0].owner.account)
                self.purchases.remove((neg, plots))
                buy_after(self.model, neg, plots, self.pool)
        self.pool.step()
