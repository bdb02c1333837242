"""Publiek kader, organische ontwikkeling (public framework, organic): the framework only; each owner
develops its own plot when its business case works; nobody can block and nobody has to act. Area tasks
beyond public works depend on voluntary contributions (NOVEX L2170–2174, L2452–2455)."""

from __future__ import annotations

from ..land import TenderPool
from .base import GovernanceForm, register


@register
class FrameworkOrganic(GovernanceForm):
    name = "framework_organic"
    title = "publiek kader, organisch (public framework, organic)"

    def setup(self) -> None:
        m = self.model
        self.pool = TenderPool(self)

        self.adopt_plan("ontwikkelkader (framework)", list(m.area.plots), m.scenario.municipality.plan_workload,
                        then=lambda: self.pool.add([p for p in m.area.plots if p.owner is m.municipality]))

    def step(self) -> None:
        self.pool.step()
