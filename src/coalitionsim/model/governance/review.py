"""Governance that can change: the municipality reviews a stalled arrangement (herziening).

At a council cycle (every ``behaviour.election_interval_quarters``) the municipality looks at each
agreement form it runs (an SOK or GEM, also a deelgebied's own): one whose table has not agreed for
``instruments.review_after_quarters``, or whose partners used up their deferrals
(``instruments.max_deferral_quarters``, ``exits.py``), is reviewed once (:meth:`GovernanceForm.review_due`).

- The signatories keep their deal: an open table goes on without the owners who have not signed, who become
  non-signers (bound by nothing in it); when no private party has signed, the arrangement ends
  (:meth:`GovernanceForm.release`).
- Where no voorkeursrecht is in force, the college vests one at the review (NOVEX 003 L912, L941–944): the
  owners it releases must offer their land to the municipality first, not to speculators.
- The municipality runs the beslisboom again on the whole (sub-)area the arrangement covered, its own land
  and the land its signatories bound counting as land it steers (NOVEX 003 L1619–1621, L1823–1824: a new
  choice per deelgebied as the field changes). Where it now dominates the land, it buys the plots no deal
  binds and no plan covers and issues them by tender (a ``tender`` form over those plots: purchase negotiations,
  expropriation where switched on, ``land.buy_after``); otherwise those owners go under a framework (plan
  plus kostenverhaal at permit, ``framework_organic`` over those plots): the table that just stalled is not
  opened again.

The form that takes the plots over is a form like any other, with a scope (``Plot.governing_form`` says
which form governs each plot); it shares the municipality's one budget of talks and staff. The step series
``form_in_force`` and the summary ``form_switches`` report what happened; ``form`` stays the form chosen at
the start.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..beslisboom import development_form, field_in_model
from .base import REGISTRY, GovernanceForm

if TYPE_CHECKING:
    from ..area import Plot
    from ..model import AreaDevelopmentModel

#: what the beslisboom's answer means for owners who would not sign: acquisition (and tender) or a framework
AFTER_REVIEW = {"tender": "tender"}
FRAMEWORK = "framework_organic"


class Review:
    """The municipality's reviews in one run, and the forms that took plots over after them."""

    def __init__(self, model: "AreaDevelopmentModel"):
        self.model = model
        self.successors: list[GovernanceForm] = []
        self.switches: list[tuple[int, str, str, int]] = []  # (quarter, from form, to form, plots)
        self._form_of: dict[int, GovernanceForm] = {}  # plot_id -> the successor form that governs it

    def council_cycle(self) -> bool:
        m = self.model
        return m.steps % m.scenario.behaviour.election_interval_quarters == 0

    def step(self) -> None:
        """Process step 2, after the forms' own procedures: at a council cycle, review what is due; then
        advance the forms that took plots over."""
        if self.council_cycle():
            for form in [f for root in [self.model.governance, *self.successors] for f in root.parts()]:
                why = form.review_due()
                if why is not None:
                    self.review(form, why)
        for form in list(self.successors):
            form.step()

    def review(self, form: GovernanceForm, why: str) -> GovernanceForm | None:
        """Review one arrangement: its signatories keep their deal; the plots it releases get the form the
        beslisboom now gives the whole (sub-)area it covered (returned; None when it released none)."""
        m = self.model
        plots = form.release()
        m.log("review", f"{form.named(form.name)} reviewed at the council cycle ({why}): "
              f"{len(plots)} plots no deal binds")
        if not plots:
            return None
        self.vest_voorkeursrecht(plots)
        # the field is the (sub-)area the arrangement covered: the municipality's land and the land its
        # signatories bound count as land it steers; the owners who stayed out are the rest of the field
        field = field_in_model(m, form.scope, form.bound_owners())
        choice = development_form(field, m.scenario.beslisboom, splittable=False)
        name = AFTER_REVIEW.get(choice.form, FRAMEWORK)
        successor = REGISTRY[name](m, scope=plots, parent=m.governance, label=f"na herziening {form.label}".strip())
        for plot in plots:
            self._form_of[plot.plot_id] = successor
        self.successors.append(successor)
        self.switches.append((m.steps, form.name, name, len(plots)))
        m.log("review", f"beslisboom on the {len(form.scope)} plots it covered: {choice.form} (municipality and "
              f"signatories {field.municipal_share:.0%} of them, {field.n_owners:.0f} other private owners, "
              f"unwilling {field.unwilling_share:.0%} of theirs); the {len(plots)} free plots go under {name}")
        successor.setup()
        return successor

    def vest_voorkeursrecht(self, plots: list["Plot"]) -> None:
        """Where no voorkeursrecht is in force yet, the college vests one at the review (it takes effect at
        once): released owners must offer their land to the municipality first, which stops the speculation
        the release would invite (NOVEX 003 L912: vest it in time, before speculation spreads; L941–944)."""
        m = self.model
        if m.speculation_stopped():
            return
        m.voorkeursrecht_step = m.steps
        m.log("review", f"voorkeursrecht vested at the review: the {len(plots)} released plots are offered to "
              "the municipality first")

    def taken_over(self, plot: "Plot") -> bool:
        """Whether a review released the plot to a form that took it over (its first form no longer governs it)."""
        return plot.plot_id in self._form_of

    def form_for(self, plot: "Plot") -> GovernanceForm:
        """The form whose land policy applies to a plot: the one that took it over after a review, else the
        form of the run."""
        return self._form_of.get(plot.plot_id, self.model.governance)
