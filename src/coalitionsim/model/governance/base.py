"""The shared interface of a governance form, and the procedures forms are built from.

A form is a rule set: it decides how plots get into an agreement or plan, who negotiates with whom,
whose contributions are fixed by contract, and what happens when a new council reopens agreements. It
never sets a speed, cost or free-riding figure; those come out of the shared mechanisms.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, Callable, ClassVar

from ..area import Plot, Status
from ..negotiation import Negotiation

if TYPE_CHECKING:
    from ..agents.municipality import WorkItem
    from ..agents.base import Owner
    from ..model import AreaDevelopmentModel
    from ...scenario import Scenario

REGISTRY: dict[str, type["GovernanceForm"]] = {}


# (left out of the mutation run: it runs once, while mutmut's fork server imports the forms' modules, before a
# mutant is switched on, so its mutants could never act and would count as survivors)
def register(cls: type["GovernanceForm"]) -> type["GovernanceForm"]:  # pragma: no mutate block
    REGISTRY[cls.name] = cls
    return cls


class GovernanceForm(ABC):
    """One of the NOVEX collaboration forms for the physical development organisation."""

    name: ClassVar[str]
    title: ClassVar[str]  # Dutch name with English gloss
    #: the table of an agreement form (SOK, GEM), set in its ``setup``: what a review looks at
    deal: Negotiation | None = None
    #: set once the municipality has reviewed this arrangement (``review.py``): one review per arrangement
    reviewed: bool = False

    def __init__(self, model: "AreaDevelopmentModel", scope: list[Plot] | None = None,
                 parent: "GovernanceForm | None" = None, label: str = ""):
        """A form governs ``scope`` (default: the whole area). Under ``framework_subareas`` each deelgebied
        gets a form of its own (a *sub-form*) that shares its parent's negotiating table: the municipality
        has one budget of talks for all of them."""
        self.model = model
        self.scope: list[Plot] = list(model.area.plots) if scope is None else list(scope)
        self.parent = parent
        self.label = label
        self.negotiations: list[Negotiation] = parent.negotiations if parent else []
        self.reopened: list[tuple[Negotiation, list[Plot]]] = parent.reopened if parent else []
        for plot in self.scope:
            plot.governing_form = self.name

    def scope_owners(self) -> list["Owner"]:
        """The owners with land in this form's scope, in the model's order."""
        ids = {id(p.owner) for p in self.scope}
        return [o for o in self.model.owners if id(o) in ids]

    def scope_plots_of(self, owner: "Owner") -> list[Plot]:
        return [p for p in self.scope if p.owner is owner]

    def named(self, text: str) -> str:
        """A label for a procedure of this form, with its deelgebied when it is a sub-form."""
        return f"{text} {self.label}".strip()

    @classmethod
    def not_applicable(cls, scenario: "Scenario") -> str | None:
        """Why this form cannot work on the scenario's area (None when it can)."""
        return None

    def setup(self) -> None:  # noqa: B027  (optional hook)
        """Called once the area and agents exist."""

    @abstractmethod
    def step(self) -> None:
        """Process step 2: advance the form's own procedure by one quarter."""

    def wants_land(self, plot: Plot) -> bool:
        """Whether the municipality buys this plot when it is offered (its first right under the
        voorkeursrecht): by default, under forms that issue municipal land by tender (active land policy,
        NOVEX L905–919); a form whose land stays with the parties says no."""
        return hasattr(self, "pool")

    def works_payer(self) -> "Owner":
        """Who pays (pre-finances) the public works, and so receives what recovers them: the municipality
        (a GEM's land company while it runs)."""
        return self.model.municipality

    def talk(self) -> None:
        """Process step 2a: the municipality's talks of this quarter, one budget for everything it
        negotiates at once. Open negotiations take turns, oldest first, one round each per turn, until the
        talks run out; what is left goes towards the next round of the first that could not complete one.
        So a form that runs more negotiations at once gets less done in each."""
        m = self.model
        left = m.municipality.talks_capacity
        open_ = [n for n in self.negotiations if not n.done]
        used = {id(n): 0.0 for n in open_}
        progress = True
        while left > 1e-9 and progress:
            progress = False
            for neg in open_:
                if neg.done or left <= 1e-9:
                    continue
                rounds = neg.rounds
                given = neg.take_talks(left)
                left -= given
                used[id(neg)] += given
                progress = progress or neg.rounds > rounds
        for neg in open_:
            if used[id(neg)] > 0:
                m.log("talks", f"{neg.label}: {used[id(neg)]:g} talks", amount=used[id(neg)])
            neg.end_quarter()
        m.municipality.talks_left = left  # for the land market's pre-emption purchases

    # ------------------------------------------------------------ shared procedures
    def negotiate(self, label: str, owners: list["Owner"], *, stick: bool | None = None,
                  needs_capacity: bool = True, purchase: bool = False,
                  leverage: Callable[["Owner"], bool] | None = None,
                  for_sale: list[Plot] | None = None) -> Negotiation:
        """Open a negotiation (its rounds use the municipality's shared talks, :meth:`talk`); ``stick``
        defaults to expropriation being available (kostenverhaal binds whoever gets a permit, it forces no
        one into an agreement: NOVEX L1338–1342). ``purchase``: the municipality buys ``for_sale``, the
        owner's land; ``leverage``: there, whether a seller's land is the last its block still needs."""
        stick = self.model.stick_against_holdout() if stick is None else stick
        neg = Negotiation.among(self.model, label, owners, stick=stick, needs_capacity=needs_capacity,
                                purchase=purchase, leverage=leverage, for_sale=for_sale)
        self.negotiations.append(neg)
        self.model.log("negotiation", f"{label}: negotiation opens among {len(owners)} parties")
        return neg

    def sign(self, plots: list[Plot], contract: bool) -> None:
        """Plots enter a private-law agreement (contract=True) or a public plan's development right."""
        step = self.model.steps
        for plot in plots:
            if plot.step_agreement is None:
                plot.step_agreement = step
            if plot.route in ("none", "plan") and contract:
                plot.route = "agreement"
            elif plot.route == "none":
                plot.route = "plan"
            plot.in_agreement = plot.in_agreement or contract
            plot.contract_contributions = plot.contract_contributions or contract
            if plot.owner.developing and plot.original_owner_type != "corporation":
                # the municipal programme binds developer plots in an agreement or plan
                plot.social_share = max(plot.social_share, self.model.municipality.social_share_target)

    def adopt_plan(self, label: str, plots: list[Plot], workload: float,
                   then: "Callable[[], None] | None" = None) -> "WorkItem":
        """The municipality prepares and adopts the (omgevings)plan worked out for these plots (those of a
        contract, or the land it issues); residents may file zienswijzen, which delay adoption. These plots
        may apply for permits once it is in force; the plan is also the frame other initiatives are
        judged against (each of those needs its own procedure, ``model.apply_for_initiative``). Returns
        the plan's item in the municipal queue; plots added to ``plots`` before it is in force are in it."""
        m = self.model
        extra = m.objections_against(plots, "plan") if plots else 0

        def in_force() -> None:
            for plot in plots:
                plot.in_plan = True
                if plot.status == Status.HELD:
                    plot.status = Status.AGREED
            self.sign([p for p in plots if p.owner is not m.municipality], contract=False)
            m.frame_in_force = True
            m.log("plan", f"{label}: plan adopted for {sum(p.homes for p in plots)} homes")
            if then is not None:
                then()

        return m.municipality.enqueue(label, "plan", workload, m.scenario.municipality.plan_min_quarters, in_force, extra)

    def adopt_frame(self, label: str, then: "Callable[[], None] | None" = None) -> None:
        """The municipality sets the public frame (ontwikkelkader: main structure, programme, kostenverhaal
        rules). It gives no plot a development right: every initiative under it "vraagt om een uitwerking"
        (NOVEX L2037–2043), its own procedure."""
        m = self.model

        def in_force() -> None:
            m.frame_in_force = True
            m.log("plan", f"{label} adopted: initiatives can now be worked out one by one")
            if then is not None:
                then()

        m.municipality.enqueue(label, "plan", m.scenario.municipality.plan_workload,
                               m.scenario.municipality.plan_min_quarters, in_force,
                               m.objections_against(m.area.plots, "plan"))

    def reopen(self, plots: list[Plot]) -> None:
        """A new council reopens agreements that have no permit yet; the parties' trust suffers. Tender
        awards are not reopened: after award nobody can block (design section 4)."""
        reopened = [p for p in plots if p.route == "agreement" and p.status in (Status.HELD, Status.AGREED)]
        if not reopened:
            return
        owners = {p.owner for p in reopened if p.owner is not self.model.municipality}
        for owner in owners:
            owner.lose_trust()
        for p in reopened:
            p.status = Status.HELD
        label = "heronderhandeling (renegotiation)"
        self.model.log("council", f"new council reopens agreements on {len(reopened)} plots")
        neg = self.negotiate(label, sorted(owners, key=lambda o: o.unique_id))
        self.reopened.append((neg, reopened))

    def step_reopened(self) -> None:
        """Advance renegotiations; a plot goes on once its owner has signed again (or was cut loose)."""
        for neg, plots in list(self.reopened):
            if neg.done:
                self.reopened.remove((neg, plots))
                target = self.model.municipality.social_share_target
                outside = {id(o) for o in neg.non_signers}  # who did not sign again keeps its old deal
                for p in plots:
                    if p.owner.developing and p.original_owner_type != "corporation" and id(p.owner) not in outside:
                        p.social_share = target  # the renegotiated deal carries the new council's programme
                    if p.status == Status.HELD:
                        p.status = Status.AGREED if p.in_plan else Status.HELD
                self.model.log("council", f"renegotiation closed after {neg.rounds} rounds")

    def council_change(self) -> None:
        """Hook for the council cycle: by default, agreements are reopened unless a renegotiation floor
        holds (NOVEX L1152–1161)."""
        if self.model.scenario.instruments.renegotiation_floor:
            return
        self.reopen([p for p in self.model.area.plots if p.in_agreement])

    # ------------------------------------------------------------ review (governance that can change)
    def parts(self) -> list["GovernanceForm"]:
        """This form and the forms it runs inside it (framework_subareas: one per deelgebied)."""
        return [self]

    def review_due(self) -> str | None:
        """Why the municipality reviews this arrangement at this council cycle, or None: its table has not
        agreed for ``instruments.review_after_quarters``, or its partners used up their deferrals
        (``instruments.max_deferral_quarters``) on one of its plots. Only agreement forms have a table."""
        deal, m = self.deal, self.model
        if deal is None or self.reviewed or deal.abandoned:
            return None
        ins = m.scenario.instruments
        waited = m.steps - deal.start_step
        if not deal.done and waited >= ins.review_after_quarters:
            return f"no agreement after {waited} quarters"
        if ins.max_deferral_quarters > 0 and any(p.deferrals >= ins.max_deferral_quarters for p in self.scope):
            return f"its partners deferred a land obligation {ins.max_deferral_quarters} times"
        return None

    def release(self) -> list[Plot]:
        """The review: the signatories keep their deal (an open table goes on without the unsigned, who become
        non-signers); when no private party signed, the arrangement ends. Returns the plots no deal binds and
        no plan covers yet, for another form: the non-signers' plots, or, when it ended, all of its free plots
        (the municipality's too)."""
        deal, m = self.deal, self.model
        self.reviewed = True
        private_signed = [p for p in deal.active() if p.signed and p.owner is not m.municipality]
        if not deal.done and not private_signed:
            deal.abandon()
            free = self.scope
        else:
            if not deal.done:
                deal.go_on_without("the council's review: ")
            bound = {id(o) for o in self.bound_owners()}
            free = [p for p in self.scope if id(p.owner) not in bound]
        return [p for p in free if p.status == Status.HELD and not p.in_agreement and not p.in_plan]

    def bound_owners(self) -> list["Owner"]:
        """The owners its deal binds: the signatories (a GEM: the partners of its company once founded)."""
        return self.deal.members if self.deal is not None else []

    # ------------------------------------------------------------ metrics
    @property
    def rounds(self) -> int:
        return sum(n.rounds for n in self.negotiations)

    @property
    def escalations(self) -> int:
        return sum(n.escalations for n in self.negotiations)


def make_form(name: str, model: "AreaDevelopmentModel") -> GovernanceForm:
    from . import load_all

    load_all()
    if name not in REGISTRY:
        raise ValueError(f"unknown form {name!r} (allowed: {', '.join(REGISTRY)})")
    return REGISTRY[name](model)
