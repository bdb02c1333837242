"""The municipality (gemeente): regie, land, plans and permits within staff capacity, and the public purse."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

from .base import Owner, clip01

if TYPE_CHECKING:
    from ..model import AreaDevelopmentModel


@dataclass
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

    def ready(self, step: int) -> bool:
        return self.done_work >= self.workload - 1e-9 and step - self.queued_step >= self.min_quarters + self.extra_delay


class Municipality(Owner):
    """Prepares plans, tenders and permits first-in-first-out within its staff capacity (plus Rijk expert
    capacity); pre-finances public works within its budget and books every euro in ``balance``."""

    group = "municipality"
    developing = False  # it issues its land; it does not build homes itself

    def __init__(self, model: "AreaDevelopmentModel"):
        super().__init__(model, "Gemeente", draagvlak=0.8, trust=0.7)
        self.free_rider = False  # it pays the share of its own land
        spec = model.scenario.municipality
        self.spec = spec
        self.queue: list[WorkItem] = []
        self.balance = 0.0  # M€; negative = net public spending (starts at minus the land's book value)
        self.book_value = 0.0
        self.social_share_target = model.scenario.programme.social_share_target
        self.spent = 0.0
        self.revenue = 0.0

    # ------------------------------------------------------------------ work
    def enqueue(self, label: str, kind: str, workload: float, min_quarters: int,
                on_done: Callable[[], None], extra_delay: int = 0) -> WorkItem:
        item = WorkItem(label, kind, workload, min_quarters, on_done, self.model.steps, extra_delay)
        self.queue.append(item)
        return item

    @property
    def capacity(self) -> float:
        return self.spec.staff_capacity + self.model.rijk.expert_capacity_now()

    def process_work(self) -> None:
        """Step 5: spend this quarter's capacity first-in-first-out; finish what is ready."""
        left = self.capacity
        for item in self.queue:
            if left <= 0:
                break
            use = min(left, item.workload - item.done_work)
            item.done_work += use
            left -= use
        step = self.model.steps
        finished = [
            i for i in self.queue
            if i.ready(step) and not (i.kind == "permit" and self.model.market.permit_freeze)
        ]
        for item in finished:
            self.queue.remove(item)
            item.on_done()

    def workload_waiting(self) -> float:
        return sum(i.workload - i.done_work for i in self.queue)

    # ------------------------------------------------------------------ money
    @property
    def budget_left(self) -> float:
        """What is left of the council's area budget: the budget plus net cash flows since the start (the
        land's book value was financed before and does not count against it)."""
        return self.spec.budget + self.balance + self.book_value

    def can_spend(self, amount: float) -> bool:
        return self.budget_left + self.model.rijk.cofunding_available(amount) >= amount - 1e-9

    def spend(self, amount: float, purpose: str) -> float:
        """Pay ``amount``; the Rijk co-funds its share of public spending while its budget lasts."""
        rijk_part = self.model.rijk.cofund(amount) if purpose in ("public_works", "acquisition", "collective") else 0.0
        own = amount - rijk_part
        self.balance -= own
        self.spent += own
        return own

    def receive(self, amount: float) -> None:
        self.balance += amount
        self.revenue += amount

    def update_capacity(self) -> None:
        staff = 1.0 if self.workload_waiting() <= self.capacity else self.capacity / self.workload_waiting()
        money = 1.0 if self.budget_left > 0 else 0.0
        self.draagkracht = clip01(min(staff, money))
