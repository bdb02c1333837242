"""The municipality (gemeente): regie, land, plans and permits within staff capacity, and the public purse."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

from ..area import Status
from ..ledger import OUTSIDE
from .base import Owner, clip01

if TYPE_CHECKING:
    from ..model import AreaDevelopmentModel


@dataclass(eq=False)  # an item is one piece of work, not a value: two alike items are still two
class WorkItem:
    """A plan, tender, company set-up or permit in the municipal queue."""

    label: str
    kind: str  # plan | tender | company | permit | acquisition
    workload: float
    min_quarters: int
    on_done: Callable[[], None]
    queued_step: int
    extra_delay: int = 0  # quarters added by objections
    done_work: float = 0.0
    plot: int | None = None  # the plot it is about, if one
    decided: int | None = None  # the quarter its decision was taken (work done, minimum duration passed)

    def ready(self, step: int) -> bool:
        """Its work is done and its minimum duration has passed (the decision), and the objection
        procedures that follow the decision (bezwaar, beroep) have run their course since."""
        if self.decided is None:
            if self.done_work < self.workload - 1e-9 or step - self.queued_step < self.min_quarters:
                return False
            self.decided = step
        return step - self.decided >= self.extra_delay


class Municipality(Owner):
    """Prepares plans, tenders and permits first-in-first-out within its staff capacity (plus Rijk expert
    capacity); pre-finances public works within its budget. Its account is the area's grondexploitatie:
    it opens by paying the book value of the land it already owns, and may go below zero down to the
    council's reserved budget (and, for mandatory payments such as interest, beyond it: it can borrow)."""

    group = "municipality"
    developing = False  # it issues its land; it does not build homes itself

    def __init__(self, model: "AreaDevelopmentModel"):
        super().__init__(model, "Gemeente", draagvlak=0.8, trust=0.7)
        self.free_rider = False  # it pays the share of its own land
        spec = model.scenario.municipality
        self.spec = spec
        self.queue: list[WorkItem] = []
        self.talks_left = 0.0  # talks not used by this quarter's negotiations
        self.steering_credibility = model.scenario.instruments.steering_group_cut_probability
        self.book_value = 0.0  # the land's book value when the area starts (financed before the plan)
        self.social_share_target = model.scenario.programme.social_share_target
        self.open_account("gemeente", may_borrow=True)

    # ------------------------------------------------------------------ work
    def enqueue(self, label: str, kind: str, workload: float, min_quarters: int,
                on_done: Callable[[], None], extra_delay: int = 0, plot: int | None = None) -> WorkItem:
        item = WorkItem(label, kind, workload, min_quarters, on_done, self.model.steps, extra_delay, plot=plot)
        self.queue.append(item)
        return item

    @property
    def capacity(self) -> float:
        """Staff work units this quarter: its own plus the Rijk's experts while they are lent."""
        return self.spec.staff_capacity + self.model.rijk.expert_capacity_now()

    @property
    def talks_capacity(self) -> float:
        """Talks its negotiators can hold this quarter, for everything it negotiates at once; an
        independent process director adds ``process_director_quality`` talks per talk while it stays
        (sprints, decision moments: NOVEX L1188–1196; a person's quality and continuity matter, 001:1556-1566,
        004:689-691) and the
        Rijk's experts add theirs ("om partijen tot uitvoeringsafspraken te krijgen", L855–856)."""
        ins = self.model.scenario.instruments
        director = ins.process_director and self.model.steps < ins.process_director_quarters
        talks = self.spec.talks_per_quarter * (1 + (ins.process_director_quality if director else 0.0))
        return talks + self.model.rijk.expert_capacity_now()

    def process_work(self) -> None:
        """Step 5: spend this quarter's capacity first-in-first-out; finish what is ready."""
        left = self.capacity
        for item in self.queue:
            if left <= 0:
                break
            use = min(left, item.workload - item.done_work)
            if use <= 1e-12:
                continue
            item.done_work += use
            left -= use
            self.model.log("work", f"{item.label}: {use:.1f} units of staff work", plot=item.plot, amount=use)
        step = self.model.steps
        finished = [
            i for i in self.queue
            if i.ready(step) and not (i.kind == "permit" and self.model.market.permit_freeze)
        ]
        # a step that cannot be completed yet (no money) stays queued; what on_done queues stays too
        done = {id(item) for item in finished if item.on_done() is not False}
        if done:
            self.queue = [i for i in self.queue if id(i) not in done]

    def workload_waiting(self) -> float:
        return sum(i.workload - i.done_work for i in self.queue)

    # ------------------------------------------------------------------ money
    def floor(self) -> float:
        """The council's area budget, plus the land's book value that was financed before the plan."""
        return -(self.spec.budget + self.book_value)

    @property
    def budget_left(self) -> float:
        """What is left of the council's area budget (its account above its floor), less the council credits
        reserved for purchases not yet paid (``acquisition.py``)."""
        return self.available - self.model.acquisition.committed

    def can_spend(self, amount: float, cofunding: float | None = None) -> bool:
        """Whether its budget, with the Rijk's co-funding of the spending (``cofunding``: what
        :meth:`Rijk.cofunding_available` gives, when the caller has it), carries ``amount``."""
        if cofunding is None:
            cofunding = self.model.rijk.cofunding_available(amount)
        return self.budget_left + cofunding >= amount - 1e-9

    def spend(self, amount: float, kind: str, payee: str | None = None, cofunded: bool = True,
              force: bool = False) -> bool:
        """Pay ``amount`` to ``payee`` (default: the outside); the Rijk first co-funds its share of public
        spending while its budget lasts. Refused (False) when the budget cannot carry it, unless ``force``
        (a payment it is bound to, such as court-ordered compensation: it borrows beyond the budget)."""
        if amount <= 0:
            return True
        rijk = self.model.rijk
        # the Rijk's part worked out once: the budget check counts what it then pays (~1,300 spends a run)
        cofunding = rijk.cofunding_available(amount) if cofunded else 0.0
        if not force and not (self.can_spend(amount, cofunding) if cofunded else self.budget_left >= amount - 1e-9):
            return False
        if cofunded:
            rijk.cofund(cofunding)
        return self.model.ledger.transfer(self.account, payee or OUTSIDE, amount, kind, force=force)

    def public_works_needed(self) -> float:
        area = self.model.area
        return sum(t.spec.cost for t in area.tasks
                   if t.spec.kind == "public_works" and not t.spec.recurring and t.delivery_started is None
                   and any(p.status != Status.HELD for p in area.plots if t.benefits(p)))

    def update_capacity(self) -> None:
        """draagkracht: staff against the work waiting, and the budget left against the public works
        the plan needs now."""
        staff = 1.0 if self.workload_waiting() <= self.capacity else self.capacity / self.workload_waiting()
        needed = self.public_works_needed()
        if needed > 0:
            money = clip01(self.budget_left / needed)
        else:
            money = 1.0 if self.budget_left > 0 else 0.0
        self.draagkracht = clip01(min(staff, money))
