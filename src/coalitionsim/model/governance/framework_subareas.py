"""Publiek kader met deelgebieden (public framework with sub-areas): the municipality sets the framework
(plan, kostenverhaal per m2 by function, fonds bovenwijks), and then each deelgebied gets a form of its own,
chosen by the beslisboom on that sub-area's own facts: "met per deelgebied opnieuw keuze" (NOVEX L1619–1621,
L1823–1824). A sub-area with a manageable, coherent, willing set of owners gets an SOK (its deal binds
contributions and verevening) or a GEM of its own; one dominated by public land a tender; a fragmented one
the organic framework, where each initiative is worked out on its own. Sub-areas that cannot be split off
choose together (NOVEX L1374–1385, L1619–1625). A sub-area never gets a framework with sub-areas again."""

from __future__ import annotations

from ..beslisboom import development_form, field_in_model
from ..land import TenderPool
from .base import REGISTRY, GovernanceForm, register


@register
class FrameworkSubareas(GovernanceForm):
    name = "framework_subareas"
    title = "publiek kader met deelgebieden (public framework, sub-areas)"

    def setup(self) -> None:
        self.pool = TenderPool(self)
        self.subforms: dict[str, GovernanceForm] = {}
        self.subarea_forms: dict[str, str] = {}
        self.adopt_frame("ontwikkelkader (framework)", then=self._choose_per_subarea)

    def clusters(self) -> list[list[str]]:
        """Separable sub-areas stand alone; the others form one cluster (one level of choice)."""
        area = self.model.area
        alone = [[s] for s in area.subareas if area.separable[s]]
        joint = [s for s in area.subareas if not area.separable[s]]
        return alone + ([joint] if joint else [])

    def _choose_per_subarea(self) -> None:
        m = self.model
        for cluster in self.clusters():
            label = "+".join(cluster)
            plots = [p for p in m.area.plots if p.subarea in cluster]
            field = field_in_model(m, plots)
            choice = development_form(field, m.scenario.beslisboom, splittable=False)
            self.subarea_forms[label] = choice.form
            m.log("beslisboom", f"deelgebied {label}: {choice.form} (municipality {field.municipal_share:.0%} of the "
                  f"plots, {field.n_owners:.0f} private owners, development-oriented {field.developing_share:.0%}, "
                  f"unwilling {field.unwilling_share:.0%})")
            if choice.form == "framework_organic":
                for plot in plots:
                    plot.governing_form = choice.form
                self.pool.add([p for p in plots if p.owner is m.municipality])
                continue
            sub = REGISTRY[choice.form](m, scope=plots, parent=self, label=f"deelgebied {label}")
            self.subforms[label] = sub
            sub.setup()

    def parts(self) -> list[GovernanceForm]:
        return [self, *self.subforms.values()]

    def wants_land(self, plot) -> bool:
        for sub in self.subforms.values():
            if plot in sub.scope:
                return sub.wants_land(plot)
        return True

    def step(self) -> None:
        self.pool.step()
        for sub in self.subforms.values():
            sub.step()
