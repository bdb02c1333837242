"""SOK / joint venture light (samenwerkingsovereenkomst): one agreement among the owners, unanimity of the
participants; each keeps its land and risk; municipal land is shared out pro rata (virtual land bank,
NOVEX L965–973); non-signatories are reached only through public kostenverhaal."""

from __future__ import annotations

from ..land import TenderPool, land_buyers, transfer
from ..development import land_bid
from ..verevening import VereveningPool
from .base import GovernanceForm, register


@register
class SOK(GovernanceForm):
    name = "sok"
    title = "SOK / joint venture light (samenwerkingsovereenkomst)"

    def setup(self) -> None:
        self.pool = TenderPool(self)
        self.deal = self.negotiate(self.named("SOK"), self.scope_owners())
        self.closed = False

    def wants_land(self, plot) -> bool:
        return False  # each party keeps its land and its risk

    def step(self) -> None:
        self.pool.step()
        if self.closed:
            return
        if self.deal.done:
            self.closed = True
            self._close()

    def _close(self) -> None:
        m = self.model
        members = self.deal.members
        m.log("agreement", f"{self.deal.label} signed by {len(members)} parties after {self.deal.rounds} rounds")
        developers = land_buyers(m, members)
        signed_plots = [p for p in self.scope if p.owner in members]
        for plot in signed_plots:
            if plot.owner is m.municipality or not plot.owner.developing:
                # municipal and non-developing land goes to the developing partners, pro rata, at the
                # residual land value (at least half its inbrengwaarde), to a partner that can pay for it
                sold = False
                for buyer in sorted(developers, key=lambda d: (sum(q.homes for q in m.area.plots_of(d)), d.unique_id)):
                    price = max(0.5 * plot.existing_use_value, land_bid(m, plot, buyer))
                    if buyer.can_buy(price) and transfer(m, plot, buyer, price):
                        sold = True
                        break
                if not sold and plot.owner is m.municipality:
                    self.pool.add([plot])
        covered = [p for p in signed_plots if p not in self.pool.pool]
        self.sign(covered, contract=True)
        # the deal's verevening pools its developers' plots (NOVEX L1364-1365: onderlinge uitruil / verevening)
        pooled = [p for p in covered if p.owner.group == "developers" and p.owner.developing]
        if len(pooled) > 1:
            self.verevening = VereveningPool(m, self.deal.label, pooled)
        # the area plan works out the SOK's plots; an owner outside it needs its own procedure
        self.adopt_plan(self.named("bestemmingsplan (area plan)"), covered, m.scenario.municipality.plan_workload)
