"""Residents (bewoners) as household groups: support, capacity, objections and drop-out."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..ledger import OUTSIDE
from .base import Actor, clip01

if TYPE_CHECKING:
    from ..area import Task
    from ..model import AreaDevelopmentModel


class Resident(Actor):
    """A group of households in one sub-area.

    draagvlak follows participation quality, delivered benefits, construction nuisance and trust;
    draagkracht is what the group can put in (money, time, knowledge as a money equivalent) against what
    the plan asks of it (a task's ``resident_ask``, e.g. the energy-system connection, spread over
    ``phasing_quarters``; NOVEX L2487 "naar rato van kunnen"; 002:59–72 on draagvlak vs draagkracht).
    An ask is known from the area's first quarter but falls due only once its task is contracted
    (``Task.contracted``): the households pay for a service that will be delivered, so when a form funds
    the task decides when the residents are charged.
    What the group has is the balance of its account; what it pays goes to the task it was asked for.
    """

    group = "residents"

    def __init__(self, model: "AreaDevelopmentModel", subarea: str, households: int,
                 support: float, capacity: float, trust: float, vulnerable: bool = False, number: int = 0):
        super().__init__(model, f"Bewoners {subarea}", draagvlak=support, trust=trust)
        self.subarea = subarea
        self.vulnerable = vulnerable
        self.households = households
        self._due: float | None = None  # due_remaining, kept until the asks or the tasks charging change
        self.asks = {}  # task index -> M€ per household still asked
        self.charging = set()  # the tasks whose ask has fallen due (their task is contracted)
        self.ask_quarters_left = 0
        self.asked_now = 0.0
        self.failed_ask = False  # asked this quarter and could not pay
        self.open_account(f"residents {subarea} {number + 1}", opening=max(0.0, capacity) * households)

    @property
    def resources(self) -> float:
        """M€ per household available (the group's balance shared over its households)."""
        return self.balance / self.households

    @property
    def ask_remaining(self) -> float:
        """M€ per household still asked, over all tasks."""
        return sum(self.asks.values())

    # the asks and the tasks charging: replacing either (as a test does) drops the kept due_remaining; every
    # change in place is made below, and drops it too
    @property
    def asks(self) -> dict[int, float]:
        return self._asks

    @asks.setter
    def asks(self, value: dict[int, float]) -> None:
        self._asks, self._due = value, None

    @property
    def charging(self) -> set[int]:
        return self._charging

    @charging.setter
    def charging(self, value: set[int]) -> None:
        self._charging, self._due = value, None

    @property
    def due_remaining(self) -> float:
        """M€ per household still asked for the tasks whose ask has fallen due (worked out once until the asks
        or the tasks charging change: it is read ~140 times a quarter, by the group itself and the metrics)."""
        due = self._due
        if due is None:
            due = self._due = sum(left for index, left in self._asks.items() if index in self._charging)
        return due

    @property
    def paid(self) -> float:
        """M€ the group paid towards area tasks so far."""
        return self.model.ledger.paid(self.account, ("resident_contribution",))

    @property
    def has_ask_due(self) -> bool:
        """An instalment was asked this quarter, or an ask that has fallen due is still open (postponed by dubbel
        toetsen); a drop-out is asked no more."""
        return not self.dropped_out and (self.asked_now > 1e-12 or self.due_remaining > 1e-12)

    @property
    def instalment(self) -> float:
        """What the plan asks of each household this quarter: the rest of the ask due over the quarters left."""
        return self.due_remaining / max(1, self.ask_quarters_left)

    def receive_ask(self, task_index: int, per_household: float) -> None:
        """The plan sets the group's part of a task's cost; it falls due when the task is contracted."""
        self.asks[task_index] = self.asks.get(task_index, 0.0) + per_household
        self._due = None

    def charge_contracted(self) -> None:
        """An ask falls due once its task is contracted; its instalments run over ``phasing_quarters``
        from then."""
        if self._asks.keys() <= self._charging:
            return  # every ask has fallen due already (or none is open): most groups, most quarters
        tasks = self.model.area.tasks
        for index in self.asks:
            if index not in self.charging and tasks[index].contracted:
                self.charging.add(index)
                self._due = None
                self.ask_quarters_left = max(self.ask_quarters_left, self.model.scenario.instruments.phasing_quarters)

    def drop_asks(self) -> None:
        """A group that drops out pays no more: its open asks leave a gap in the tasks' funding."""
        for index in list(self.asks):
            self.model.area.tasks[index].resident_pending -= self.asks.pop(index) * self.households
        self._due = None

    def step(self) -> None:
        """Step 3: update support and capacity, pay what is asked when able."""
        model = self.model
        scenario = model.scenario
        spec = scenario.residents
        delivered_here = model.just_delivered.get(self.subarea, 0)
        nuisance = self.subarea in model.building_in
        self.draagvlak = clip01(
            self.draagvlak
            + 0.02 * (spec.participation_quality - 0.5)
            + 0.05 * delivered_here
            - 0.005 * nuisance
            + 0.01 * (self.trust - 0.5)
        )
        if scenario.instruments.gebiedsregisseur:
            self.trust = clip01(self.trust + 0.005)  # a visible administrator nearby (001:1950-1974)
        self.charge_contracted()
        due = self.due_remaining  # read once: saving (below) does not change the asks
        if due > 1e-12:
            # households save towards an ask that has fallen due
            model.ledger.transfer(OUTSIDE, self.account, spec.capacity_growth * self.households,
                                  "household_savings")
        self.asked_now = 0.0
        self.failed_ask = False
        if due > 1e-12 and not self.dropped_out:
            self.asked_now = self.instalment
            if scenario.instruments.dubbel_toetsen and self.resources < self.asked_now:
                # dubbel toetsen: the ask waits until the group can carry it, instead of failing midway
                self.asked_now = 0.0
            elif self.resources >= self.asked_now - 1e-12:
                self._pay(self.asked_now)
                self.ask_quarters_left = max(0, self.ask_quarters_left - 1)
            else:
                self.failed_ask = True
            paid = 0.0 if self.failed_ask else self.asked_now
            self.model.asks.record(self, "resident_ask", self.asked_now * self.households, paid * self.households)
            self.ask_quarters_left = max(1, self.ask_quarters_left)
        self.update_capacity()

    def _pay(self, per_household: float) -> None:
        """Pay one instalment, split over the tasks due in proportion to what is still asked for each."""
        total = self.due_remaining
        tasks = self.model.area.tasks
        for index, left in list(self.asks.items()):
            if index not in self.charging:
                continue
            part = min(left, per_household * left / total)
            self.model.contributions.resident_pays(self, tasks[index], part * self.households)
            self.asks[index] = left - part
            self._due = None
            if self.asks[index] <= 1e-12:
                del self.asks[index]

    @property
    def failing(self) -> bool:
        """Willing but unable to pay what is asked now; a postponed ask (dubbel toetsen) is not failed."""
        return not self.dropped_out and self.willing and self.failed_ask

    def update_capacity(self) -> None:
        """draagkracht: what the group has plus what it can set aside over the remaining instalments,
        against what has fallen due on it (1 when nothing is due)."""
        remaining = self.due_remaining
        if remaining <= 1e-12:
            self.draagkracht = 1.0
            return
        growth = self.model.scenario.residents.capacity_growth
        can = self.resources + growth * max(0, self.ask_quarters_left - 1)
        self.draagkracht = clip01(can / remaining)

    def objection_probability(self) -> float:
        """Chance that this group objects to a plan or permit in its sub-area (zienswijze/bezwaar/beroep):
        higher with less support and less trust."""
        if self.dropped_out:
            return 0.0
        spec = self.model.scenario.residents
        # one visible contact point: problems are heard before they become objections (001:1666, 1950-1974)
        near = 1 - spec.proximity_effect if self.model.scenario.instruments.gebiedsregisseur else 1.0
        return spec.objection_propensity * (1 - self.draagvlak) * (1.5 - self.trust) * near

    def consult(self, influence: bool) -> None:
        """A procedure in its sub-area consults the group. With room to influence the plan its support
        grows (co-creation, NOVEX L447-456); where the programme is already fixed by contract, a
        consultation without influence costs trust instead (001:1799-1839, 3117-3151)."""
        spec = self.model.scenario.residents
        if influence:
            self.draagvlak = clip01(self.draagvlak + spec.consultation_effect * spec.participation_quality)
        else:
            self.trust = clip01(self.trust - spec.consultation_effect * (1 - spec.participation_quality) / 2)
