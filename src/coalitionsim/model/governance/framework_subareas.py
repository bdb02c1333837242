"""Publiek kader met deelgebieden (public framework with sub-areas): the municipality sets the framework
(plan, kostenverhaal per m2 by function, fonds bovenwijks); per sub-area its owners make a mini-agreement
among themselves, so a hold-out blocks only its own sub-area; sub-areas that cannot be split off
negotiate together (NOVEX L1374–1385, L1619–1625). Municipal land is issued by tender."""

from __future__ import annotations

from ..land import TenderPool
from .base import GovernanceForm, register


@register
class FrameworkSubareas(GovernanceForm):
    name = "framework_subareas"
    title = "publiek kader met deelgebieden (public framework, sub-areas)"

    def setup(self) -> None:
        m = self.model
        self.pool = TenderPool(self)
        self.deals = []
        self.framework_done = False

        def adopted() -> None:
            self.framework_done = True
            self.pool.add([p for p in m.area.plots if p.owner is m.municipality])
            for cluster in self.clusters():
                plots = [p for p in m.area.plots if p.subarea in cluster]
                owners = sorted({p.owner for p in plots if p.owner is not m.municipality}, key=lambda o: o.unique_id)
                self.deals.append((self.negotiate(f"deelgebied {'+'.join(cluster)}", owners), plots))

        self.adopt_frame("ontwikkelkader (framework)", then=adopted)

    def clusters(self) -> list[list[str]]:
        """Separable sub-areas stand alone; the others form one cluster (recursive choice, one level)."""
        area = self.model.area
        alone = [[s] for s in area.subareas if area.separable[s]]
        joint = [s for s in area.subareas if not area.separable[s]]
        return alone + ([joint] if joint else [])

    def step(self) -> None:
        self.pool.step()
        m = self.model
        for neg, plots in list(self.deals):
            if neg.done:
                self.deals.remove((neg, plots))
                signed = [p for p in plots if p.owner in neg.members and p.owner is not m.municipality]
                self.sign(signed, contract=False)
                m.log("agreement", f"{neg.label}: sub-area agreement after {neg.rounds} rounds")
                # the sub-area plan works out the plots of those who signed; the others go their own way
                self.adopt_plan(f"plan {neg.label}", signed, m.scenario.municipality.subarea_plan_workload)
