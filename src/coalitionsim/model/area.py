"""The area: plots (kavels) in sub-areas (deelgebieden) and the area-wide collective tasks."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    from .agents.base import Owner
    from ..scenario import CollectiveTask as TaskSpec


class Status(str, Enum):
    """Where a plot stands in the development pipeline."""

    HELD = "held"
    INITIATIVE = "initiative"  # its own procedure under the frame is under way (uitwerking, plan amendment)
    AGREED = "agreed"  # in an agreement, award or adopted plan: may apply for a permit
    PERMIT_PROCEDURE = "permit_procedure"
    PERMITTED = "permitted"
    CONSTRUCTION = "construction"
    COMPLETED = "completed"
    STALLED = "stalled"  # permitted but paused (business case or financing)
    WITHDRAWN = "withdrawn"


SEGMENTS = ("social", "mid", "market")

# not yet under construction, completed or withdrawn (Plot.is_open). A constant: reading an Enum member
# (``Status.HELD``) costs ~0.2 µs on Python 3.11, and is_open is read ~8,000 times a run
_OPEN_STATUSES = (Status.HELD, Status.INITIATIVE, Status.AGREED, Status.PERMIT_PROCEDURE, Status.PERMITTED,
                  Status.STALLED)

# the fields an owner's money, pipeline and pooled margin are read from: a change is noted with the owner
# (``Owner.plot_changes``), so what is summed over its plots is worked out anew for that plot only (see
# ``agents.base.PlotSums``; linear, not quadratic, in the plots)
_TRACKED = frozenset({"status", "owner", "loan", "land_price", "cost_to_pay"})
# the fields a plot's homes by segment are worked out from: ``Plot.segment_homes`` keeps its counts until one
# of them is set (read ~8,000 times a run, by every business case)
_PROGRAMME = frozenset({"homes", "social_share", "mid_share"})


@dataclass(eq=False)  # a plot is a piece of land, not a value: compared (and hashed) by identity
class Plot:
    """One kavel with its owner, programme and pipeline dates (quarters; None = not reached)."""

    def __setattr__(self, name: str, value: object) -> None:
        if name in _TRACKED:
            held_by = self.__dict__.get("owner")
            if held_by is not None:
                held_by.plot_changes.append(self)
            if name == "owner" and value is not None:
                value.plot_changes.append(self)
                value.plots_acquired += 1
        elif name in _PROGRAMME:
            self.__dict__.pop("_segments", None)
        object.__setattr__(self, name, value)

    plot_id: int
    subarea: str
    homes: int
    nonres_m2: float
    existing_use_value: float  # inbrengwaarde, M€
    owner: "Owner"
    social_share: float
    mid_share: float
    status: Status = Status.HELD
    in_plan: bool = False  # an adopted plan gives the development right
    in_agreement: bool = False  # covered by a private-law agreement (SOK, GEM, tender award)
    contract_contributions: bool = False  # its area-task contributions are fixed by contract
    step_agreement: int | None = None
    step_initiative: int | None = None  # its owner applied for its own procedure under the frame
    step_permit_application: int | None = None
    step_permit: int | None = None
    step_construction_start: int | None = None
    step_completion: int | None = None
    step_withdrawal: int | None = None
    construction_remaining: int = 0
    permit_delay: int = 0  # quarters added by objections
    objections: int = 0
    original_owner_type: str = ""
    route: str = "none"  # how it got its development right: tender | agreement | plan | none
    land_paid: bool = False  # bought in a tender or allotment: the price is sunk
    land_price: float = 0.0  # M€ the current owner paid for it, or its inbrengwaarde when brought into a GEM
    loan: float = 0.0  # M€ lenders finance of its construction (repaid at completion)
    cost_to_pay: float = 0.0  # M€ of contracted construction instalments still to pay
    procedures: int = 0  # plans and permits run on this plot so far (keys its objection draws)
    waiting_since: int | None = None  # quarter since which its permit waits for the contributions due
    refusals: int = 0  # initiatives refused because they did not fit the frame
    obligation_deadline: int | None = None  # bouwplicht: the quarter by which it must have started
    renegotiated: bool = False  # its bouwplicht was renegotiated once
    seller: str | None = None  # the ledger account of the plot's last seller (None: never sold)
    deferrals: int = 0  # quarters its current land obligation (take-up or start) was deferred (exits.py)
    rephasings: int = 0  # times its current land obligation was re-phased (exits.py, instruments.max_rephasings)
    for_sale: bool = False  # its owner could not carry it and offers it on the land market
    margin_at_start: float | None = None  # the margin its owner decided on when construction started
    pool: object = None  # the verevening pool of its deal, if any (model/verevening.py)
    governing_form: str = ""  # the form that governs it (under framework_subareas: its deelgebied's own)
    build_obligation: bool = False  # bouwplicht from a tender award
    serviced: bool = False  # a land company (GEM) services it (bouwrijp maken): not in its builder's cost
    works_in_price: bool = False  # a land company paid the public works: its plot price carries them
    stalled_quarters: int = 0
    # voorverkoop (presales) of its market homes through the area's absorption (model.sell_homes)
    marketing: bool = False  # its owner offers its market homes for sale now
    step_sales_start: int | None = None  # first quarter on sale (its place in the buyers' queue)
    step_first_sale: int | None = None  # quarter of its first sale: the buyers' long-stop date runs from it
    # quarters since its first sale, its permit procedure not counted: the buyers' long-stop date runs on it
    longstop_clock: int = 0
    sold: int = 0  # market homes sold so far (before and after the start)
    presold: int = 0  # of which sold before the construction start
    sold_value: float = 0.0  # M€ its buyers signed for, at the price of the quarter of each sale (fixed)
    sales_last: int = 0  # market homes sold in the last quarter of sales
    step_presale_reached: int | None = None  # quarter its presales reached behaviour.presale_share

    def sold_on(self, kettingbeding: bool) -> None:
        """A private sale on the land market: a deal's obligations on the plot (its contract contributions
        and its verevening) are its seller's, and pass to the buyer only by a kettingbeding (or erfpacht),
        which makes them follow the property (NOVEX 003 L2298-2302; seed_novex.md item 7). Only those who
        signed are bound: without one the buyer holds the plot outside the deal."""
        if kettingbeding:
            return
        self.in_agreement = self.contract_contributions = False
        if self.pool is not None:
            if self in self.pool.plots:
                self.pool.plots.remove(self)
            self.pool = None

    @property
    def segment_counts(self) -> tuple[int, int, int]:
        """The plot's (social, mid, market) homes, kept until its homes or shares are set."""
        counts = self.__dict__.get("_segments")
        if counts is None:
            social = round(self.homes * self.social_share)
            mid = min(self.homes - social, round(self.homes * self.mid_share))
            counts = self.__dict__["_segments"] = (social, mid, self.homes - social - mid)
        return counts

    @property
    def market_homes(self) -> int:
        """The plot's market homes (of :attr:`segment_counts`, without a dict: read per plot each quarter)."""
        return (self.__dict__.get("_segments") or self.segment_counts)[2]  # (kept: no call)

    @property
    def segment_homes(self) -> dict[str, int]:
        """The plot's homes by segment (a fresh dict of :attr:`segment_counts`)."""
        social, mid, market = self.__dict__.get("_segments") or self.segment_counts  # (kept: no call)
        return {"social": social, "mid": mid, "market": market}

    @property
    def is_open(self) -> bool:
        """Not yet under construction, completed or withdrawn."""
        return self.status in _OPEN_STATUSES


@dataclass(eq=False)
class Task:
    """A gebiedsbrede opgave with its funding state."""

    deliveries: ClassVar[int] = 0  # counts every change of a delivery date: the uplift is cached until then

    spec: "TaskSpec"
    beneficiary_subareas: frozenset[str]
    index: int = 0  # position in the scenario's task list
    funds: float = 0.0  # M€ collected towards delivery (one-off); paid this quarter (recurring)
    # the quarter it was delivered (``delivered_step``; a property, so that setting it is counted in
    # ``deliveries`` without a __setattr__ on every other field: funds change at every payment)
    _delivered_step: int | None = field(default=None, repr=False)
    delivery_started: int | None = None
    paid_by: dict[int, float] = field(default_factory=dict)  # owner unique_id -> M€ paid
    resident_paid: float = 0.0  # M€ resident groups paid towards it
    resident_pending: float = 0.0  # M€ still asked of resident groups that have not dropped out
    resident_asked: float = 0.0  # M€ resident groups were asked for it in all

    @property
    def delivered_step(self) -> int | None:
        return self._delivered_step

    @delivered_step.setter
    def delivered_step(self, value: int | None) -> None:
        Task.deliveries += 1
        self._delivered_step = value

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def delivered(self) -> bool:
        return self._delivered_step is not None

    @property
    def contracted(self) -> bool:
        """The service is contracted: its delivery started, or everything but the residents' part of its
        cost is in (the residents' payments are then all it waits for). A resident ask falls due from here,
        not before (the aansluitbijdrage is charged for a connection that will be made)."""
        return self.delivery_started is not None or self.funds + self.resident_pending >= self.spec.cost - 1e-9

    def benefits(self, plot: Plot) -> bool:
        return plot.subarea in self.beneficiary_subareas


class Area:
    """Plots, sub-areas and tasks, with the look-ups the submodels need."""

    def __init__(self, plots: list[Plot], tasks: list[Task], subareas: list[str], separable: dict[str, bool]):
        self.plots = plots
        self.tasks = tasks
        self.subareas = subareas
        self.separable = separable
        self._by_owner: dict[int, list[Plot]] = {}
        for plot in plots:
            self._by_owner.setdefault(id(plot.owner), []).append(plot)
        self.homes_planned = sum(p.homes for p in plots)  # fixed: plots keep their capacity
        self._uplift: dict[str, float] = {}  # sub-area -> uplift of its delivered tasks
        self._uplift_deliveries = Task.deliveries
        self.service_loss: dict[str, float] = {}  # sub-area -> value lost to unfunded services (use_phase.py)
        self.service_changes = 0  # counts every change of service_loss: the owners' cached sums follow it

    def set_owner(self, plot: Plot, owner: "Owner") -> None:
        """Change a plot's owner; keeps the owner index right (use this, not ``plot.owner = ...``)."""
        self._by_owner[id(plot.owner)].remove(plot)
        plot.owner = owner
        self._by_owner.setdefault(id(owner), []).append(plot)

    def plots_in(self, subarea: str) -> list[Plot]:
        return [p for p in self.plots if p.subarea == subarea]

    def plots_of(self, owner: "Owner") -> list[Plot]:
        return list(self._by_owner.get(id(owner), ()))

    def homes_with(self, *statuses: Status) -> int:
        return sum(p.homes for p in self.plots if p.status in statuses)

    def gates(self, subarea: str) -> list[Task]:
        """The one-off tasks that gate completion in this sub-area (a recurring task is never a gate)."""
        return [t for t in self.tasks if t.spec.gate and not t.spec.recurring and subarea in t.beneficiary_subareas]

    def gate_open(self, subarea: str) -> bool:
        """No completion before the gating tasks that serve this sub-area are delivered."""
        return all(t.delivered for t in self.gates(subarea))

    def gate_secured(self, subarea: str) -> bool:
        """The gating tasks for this sub-area are at least funded and under way: safe to start building."""
        return all(t.delivery_started is not None for t in self.gates(subarea))

    def set_service_loss(self, loss: dict[str, float]) -> None:
        """The value each sub-area loses to its unfunded use-phase services (``use_phase.py``)."""
        if loss != self.service_loss:
            self.service_loss = loss
            self.service_changes += 1

    def uplift(self, plot: Plot) -> float:
        """The value uplift of the delivered tasks that serve the plot's sub-area (cached per sub-area until
        a task is delivered), less what its unfunded use-phase services cost it (``service_loss``)."""
        if self._uplift_deliveries != Task.deliveries:
            self._uplift.clear()
            self._uplift_deliveries = Task.deliveries
        up = self._uplift.get(plot.subarea)
        if up is None:
            up = self._uplift[plot.subarea] = sum(t.spec.uplift for t in self.tasks if t.delivered and t.benefits(plot))
        return up - self.service_loss.get(plot.subarea, 0.0)

    def benefit_weight(self, plot: Plot) -> float:
        """Weight of a plot in the benefit of area tasks: homes plus non-residential floor space."""
        return plot.homes + plot.nonres_m2 / 100.0
