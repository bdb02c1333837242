"""Land assembly under the tender: the municipality issues the land it acquires phase by phase.

Under the tender (active land policy, NOVEX 003 L905-919) the municipality does not issue plot by plot
what it happens to have bought: it works out the plan (uitwerking) for the land it acquires in a phase,
makes the phase bouwrijp (roads, sewers and soil run across its plots) and tenders it in "behapbare
brokken [...] qua fasering" (003 L1185-1186; "wie gaat wanneer", prioritering en fasering, 003
L1162-1163). A plot it cannot get holds up the phase it lies in: the hold-out problem of land assembly,
for which the guide names expropriation "als een eigenaar niet meewerkt" (003 L941-942, footnote 13).
Under a framework (facilitative land policy) each owner realises or sells plot by plot, so a refuser
costs only its own plot; this module is the tender's alone.

A phase is a sub-area (``Plot.subarea``: the area's own division, the deelgebied). Only a sub-area that is
one block is assembled: one that is not ``separable`` (``Area.separable``, the beslisboom's "logische
opdeling", 003 L1619-1626: the area cannot be split geographically, so its roads, sewer and soil run across
its plots). A separable sub-area is developed in blocks, "niet altijd en overal [...] alles aan elkaar te
knopen" (003 L1184-1186): the land acquired there is planned and issued as it comes, plot by plot, as any
uncovered municipal plot (:meth:`~.land.TenderPool._plan_for`), and no plot there holds up another. In a
sub-area that is one block the rule (:class:`AssemblyPool`) is:

- **The phase waits for its land.** The plan for the land the municipality acquires in a phase is worked
  out once the acquisition there is settled: every purchase talk with an owner of land in the phase has
  closed, and no purchase there still waits for its council credit. By then each plot is bought, kept by
  an owner who realises it itself (zelfrealisatie), planned around (inpassen) when its owner refused and
  expropriation is off, or in the expropriation procedure. One plan per phase (``subarea_plan_workload``,
  the work of one sub-area plan).
- **The plan is the expropriation's grondslag, and the issue waits for the ruling.** A plot of the phase
  whose expropriation is decided (its procedure runs, or waits for its credit) when the plan is worked out
  is in that plan (the onteigeningsbelang: the way the plan is to be realised must follow from the
  omgevingsplan itself, Omgevingswet art. 11.6; the court confirms the decision, art. 16.93; before 2024
  Onteigeningswet title IV); the phase's acquired land is not tendered while a procedure in the phase runs. When the court rules, the plot joins the phase's plan; when it
  refuses (the owner realises the plan itself), the plan goes on around the plot.
- The municipality's own land at the start is planned at setup and issued as before: it is not held up.
  Land acquired later in a phase whose plan is already worked out (under the voorkeursrecht, or an
  expropriation started afterwards) gets a plan of its own, as any uncovered municipal plot does
  (:meth:`~.land.TenderPool._plan_for`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .area import Plot
from .land import TenderPool

if TYPE_CHECKING:
    from .agents.base import Owner
    from .agents.municipality import WorkItem


class AssemblyPool(TenderPool):
    """The tender's grondexploitatie, which plans and issues the land the municipality acquires per phase
    (module docstring). The form must hold ``purchases``: its purchase talks, (negotiation, plots) pairs."""

    def __init__(self, form):
        super().__init__(form)
        self.waiting: dict[str, list[Plot]] = {}  # phase -> acquired plots waiting for its acquisition to settle
        self.plans: dict[str, "tuple[WorkItem, list[Plot]]"] = {}  # phase -> its plan and the plots it covers
        self.in_force: set[str] = set()  # phases whose plan is in force
        self.grondslag: dict[int, str] = {}  # plot_id -> phase whose plan it was in while being expropriated
        self.phased: dict[int, str] = {}  # plot_id -> phase, for acquired plots planned with their phase

    # ------------------------------------------------------------------ the phase
    def settled(self, phase: str) -> bool:
        """Whether the acquisition in ``phase`` is settled: no purchase talk with an owner of land there is
        open, and no signed purchase there waits for its council credit."""
        if any(not neg.done and any(p.subarea == phase for p in plots) for neg, plots in self.form.purchases):
            return False
        scope = {p.plot_id for p in self.form.scope}
        return not any(w.kind == "purchase" and w.plot.subarea == phase and w.plot.plot_id in scope
                       for w in self.model.acquisition.pending)

    def holds_up(self, owner: "Owner") -> bool:
        """Whether ``owner``, a seller at one of this form's purchase tables, holds up its block: its land for
        sale lies in a phase that is one block, and no other owner there still has land the municipality seeks
        (at an open purchase table, not yet signed). The rest of the phase is the municipality's, signed,
        in expropriation (which starts when a talk has closed), or not sought (a corporation's, a broken-off
        owner's). The seller's leverage at the purchase table (``Negotiation.leverage``); in a separable
        sub-area no seller holds up a block."""
        sought = [(party.owner, plots) for neg, plots in self.form.purchases if not neg.done
                  for party in neg.active() if not party.signed]
        phases = {p.subarea for seller, plots in sought if seller is owner for p in plots}
        return any(self.one_block(phase) and not any(seller is not owner and any(p.subarea == phase for p in plots)
                                                     for seller, plots in sought)
                   for phase in phases)

    def in_procedure(self, phase: str) -> list[Plot]:
        """The plots of ``phase`` (in this form's scope) whose expropriation procedure runs."""
        running = self.model.acquisition.in_procedure
        return [p for p in self.form.scope if p.subarea == phase and p.plot_id in running]

    def expropriating(self, phase: str) -> list[Plot]:
        """The plots of ``phase`` whose expropriation the municipality has decided on: running, or waiting for
        its council credit."""
        waiting = {w.plot.plot_id for w in self.model.acquisition.pending if w.kind == "expropriation"}
        return [p for p in self.form.scope if p.subarea == phase and p.plot_id in waiting] + self.in_procedure(phase)

    def one_block(self, phase: str) -> bool:
        """Whether ``phase`` (a sub-area) is assembled as one block: it is not separable (module docstring)."""
        return not self.model.area.separable[phase]

    def _plan_for(self, plots: list[Plot]) -> None:
        """Acquired plots no plan covers: a plot that was in its phase's plan while it was being expropriated
        joins that plan; the others wait for their phase's acquisition to settle (:meth:`assemble`), or, when
        the phase's plan is already worked out or the phase is developed in blocks (separable), get a plan of
        their own."""
        late = []
        for p in plots:
            phase = self.grondslag.pop(p.plot_id, None)
            if not self.one_block(p.subarea):
                late.append(p)
            elif phase is not None:
                self.phased[p.plot_id] = phase
                if phase in self.in_force:
                    p.in_plan = True  # the plan it was expropriated for covers it
                    self.pool.append(p)
                else:
                    self.plans[phase][1].append(p)  # in force together with the rest of its phase
            elif p.subarea in self.plans:
                late.append(p)
            elif p not in self.waiting.setdefault(p.subarea, []):
                self.waiting[p.subarea].append(p)
        if late:
            super()._plan_for(late)
        self.assemble()

    def assemble(self) -> None:
        """Work out the plan of every phase whose acquisition has settled (one plan per phase)."""
        for phase in [ph for ph in self.waiting if self.settled(ph)]:
            plots = self.waiting.pop(phase)
            expropriating = self.expropriating(phase)
            for p in expropriating:
                self.grondslag[p.plot_id] = phase
            for p in plots:
                self.phased[p.plot_id] = phase
            covered = list(plots)

            def in_force(phase: str = phase, covered: list[Plot] = covered) -> None:
                self.in_force.add(phase)
                self.add(covered)

            item = self.form.adopt_plan(self.form.named(f"uitwerking fase {phase} (plan for the land acquired there)"),
                                        covered, self.model.scenario.municipality.subarea_plan_workload, then=in_force)
            self.plans[phase] = (item, covered)
            self.model.log("phasing", f"fase {phase}: acquisition settled, the plan for its {len(covered)} acquired "
                           f"plots is worked out ({len(expropriating)} plots in expropriation in its grondslag)")

    # ------------------------------------------------------------------ the issue
    def issuable(self) -> list[Plot]:
        """As :meth:`TenderPool.issuable`, without the acquired plots of a phase where an expropriation
        procedure still runs (the phase is made bouwrijp and issued as a whole)."""
        blocked = {phase for phase in set(self.phased.values()) if self.in_procedure(phase)}
        ready = super().issuable()
        if not blocked:
            return ready
        return [p for p in ready if self.phased.get(p.plot_id) not in blocked]

    def step(self) -> None:
        self.assemble()
        super().step()
