"""What every actor has: draagvlak (willing), draagkracht (able), trust and a ledger account; what every
owner has on top."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import mesa

from ..area import Status, Task
# (at the top, not inside the methods that use them: an import statement costs ~1 µs, and an owner decides
# on each of its plots every quarter; development imports no agent)
from ..development import decide_plot, investment, margin, revenue
from ..ledger import OUTSIDE

if TYPE_CHECKING:
    from ..area import Plot
    from ..model import AreaDevelopmentModel


def clip01(x: float) -> float:
    return 0.0 if x < 0 else 1.0 if x > 1 else x


class Actor(mesa.Agent):
    """An agent with support (draagvlak, 0..1), capacity (draagkracht, 0..1; 1 = can carry its part), trust
    and an account in the model's ledger: the money it decides with is that account's balance."""

    group: str = "actor"  # metric group: municipality, developers, corporations, residents, rijk

    model: "AreaDevelopmentModel"

    def __init__(self, model: "AreaDevelopmentModel", name: str, draagvlak: float, trust: float):
        super().__init__(model)
        self.name = name
        self.draagvlak = clip01(draagvlak)
        self.draagkracht = 1.0
        self.trust = clip01(trust)
        self.unable_quarters = 0  # consecutive quarters willing but unable
        self.dropped_out = False
        self.account = ""
        # what fell due on it this quarter (recorded by :class:`coalitionsim.model.asks.Asks`)
        self.ask_step = -1  # the quarter of the asks below
        self.due_now = 0.0  # M€ asked (voluntary asks: as far as it means to pay them)
        self.unpaid_now = 0.0  # M€ of that it could not pay
        self.ask_failed = False  # part of it unpaid, not postponed (dubbel toetsen postpones an owner's)
        self.ask_reason: str | None = None  # why not: cannot pay, cannot finance
        self.left_because: str | None = None  # the reason it dropped out (once per actor)

    def open_account(self, label: str, opening: float = 0.0, may_borrow: bool = False) -> None:
        ledger = self.model.ledger
        self.account = ledger.open(ledger.unique_name(label), self, self.floor, may_borrow=may_borrow,
                                   opening=opening)

    # ------------------------------------------------------------------ money (read from the ledger)
    @property
    def balance(self) -> float:
        """M€ on the actor's account (negative = debt)."""
        return self.model.ledger.balance[self.account]

    def floor(self) -> float:
        """How far the balance may fall: minus the financing room (0: it cannot borrow)."""
        return 0.0

    @property
    def available(self) -> float:
        """What the actor can still pay: its balance above its floor."""
        return self.model.ledger.balance[self.account] - self.floor()  # (balance read directly: ~5,000 a run)

    @property
    def willing(self) -> bool:
        return self.draagvlak >= self.model.scenario.behaviour.willing_threshold

    @property
    def willing_unable(self) -> bool:
        # (willing read directly: every actor, twice a quarter, for the asks and the step series)
        return (not self.dropped_out and self.draagvlak >= self.model.scenario.behaviour.willing_threshold
                and self.draagkracht < 1.0)

    @property
    def failing(self) -> bool:
        """Willing, but failing what is asked of it this quarter (what drives drop-out)."""
        return self.willing_unable

    @property
    def has_ask_due(self) -> bool:
        """Whether something fell due on it this quarter: only such an actor counts in the willing-but-unable
        shares by group (one with nothing due is not asked, not able)."""
        return self.ask_step == self.model.steps and self.due_now > 1e-12

    @property
    def failed_ask_now(self) -> bool:
        """Whether it could not pay part of what fell due on it this quarter."""
        return self.ask_step == self.model.steps and self.ask_failed

    def carried_share(self) -> float:
        """The share of this quarter's asks it carried (1 when nothing fell due)."""
        if self.ask_step != self.model.steps or self.due_now <= 1e-12:
            return 1.0
        return clip01(1.0 - self.unpaid_now / self.due_now)

    def gain_trust(self, times: float = 1.0) -> None:
        self.trust = clip01(self.trust + self.model.scenario.behaviour.trust_gain * times)

    def lose_trust(self, times: float = 1.0) -> None:
        self.trust = clip01(self.trust - self.model.scenario.behaviour.trust_loss * times)

    def update_capacity(self) -> None:
        """Recompute draagkracht from the actor's account; subclasses define it."""


_ABSENT = object()  # a plot not (or no longer) in PlotSums' terms


class PlotSums:
    """Sums over an owner's plots of per-plot terms (a tuple of floats per plot), kept up to date by working
    out anew only the terms of the plots that changed since the last read; all of them once a quarter
    (prices and costs move), after the owner acquired a plot, and when the area's value moves within the
    quarter (a task delivered, the use phase's unfunded services). An owner that holds most plots (a joint
    company) reads these sums at every decision: recomputing them all each time made a run quadratic in
    the plots. The terms are summed in the owner's plot order, so the sums equal summing afresh.

    ``priced=False``: the terms read only the plot fields that note a change with the owner (``area._TRACKED``)
    and the scenario, not the prices or the area's values, so the changes alone keep them up to date and the
    quarterly recount is skipped (it would give the same terms, in the same order)."""

    def __init__(self, owner: "Owner", terms: Callable[["Plot"], tuple[float, ...]], width: int,
                 priced: bool = True):
        self.owner = owner
        self.terms = terms
        self.priced = priced
        self._key: tuple[int, int, int, int] | None = None
        self._seen = 0  # how many of the owner's plot changes are in the terms
        self._columns: list[dict[int, float]] = [{} for _ in range(width)]  # term -> plot_id -> value
        self._sums: tuple[float, ...] | None = None

    def _set(self, plot: "Plot") -> bool:
        """Work out the plot's terms anew; returns whether one of them moved (or the plot is new)."""
        moved = False
        plot_id = plot.plot_id
        for column, value in zip(self._columns, self.terms(plot)):
            # equal numbers of one type add alike (a sum that starts at 0 is never -0.0, so the sign of a zero
            # term does not matter either)
            old = column.get(plot_id, _ABSENT)
            if old != value or type(old) is not type(value):
                column[plot_id] = value
                moved = True
        return moved

    def sums(self) -> tuple[float, ...]:
        owner = self.owner
        changes = owner.plot_changes
        key = self._key
        # the common case first (read many times a quarter, nothing changed): no tuple built, no call
        if (self._sums is not None and self._seen == len(changes) and key is not None
                and key[1] == owner.plots_acquired
                and (not self.priced or (key[0] == owner.model.steps and key[2] == Task.deliveries
                                         and key[3] == owner.model.area.service_changes))):
            return self._sums
        if self.priced:
            key = (owner.model.steps, owner.plots_acquired, Task.deliveries, owner.model.area.service_changes)
        else:  # recounted only when it acquires a plot
            key = (-1, owner.plots_acquired, -1, -1)
        if key != self._key:
            columns, terms = self._columns, self.terms
            for column in columns:
                column.clear()
            for p in owner.plots():  # _set inlined: every owner's plots, every quarter
                plot_id = p.plot_id
                for column, value in zip(columns, terms(p)):
                    column[plot_id] = value
            self._key, self._seen, self._sums = key, len(changes), None
        elif self._seen < len(changes):
            # most changes leave these terms as they were (~9 in 10 a run: a change another PlotSums of the
            # owner reads, such as a one-off payment in a joint company's forecast): the sums are then kept
            moved = False
            for p in changes[self._seen:]:
                if p.owner is owner:
                    moved = self._set(p) or moved
                else:
                    for column in self._columns:
                        moved = column.pop(p.plot_id, _ABSENT) is not _ABSENT or moved
            self._seen = len(changes)
            if moved:
                self._sums = None
        if self._sums is None:
            self._sums = tuple([sum(column.values()) for column in self._columns])
        return self._sums


class Owner(Actor):
    """A land owner: holds plots, decides on them, and contributes to area tasks.

    Voluntary contributions follow the mixture of types measured in public-goods experiments
    (Fischbacher, Gächter & Fehr 2001): a conditional co-operator gives in proportion to what it believes
    the others give, a free rider gives nothing, a hump-shaped (triangle) contributor gives more as the
    others give more up to half and less beyond, and the rest ("other") give a fixed rate of their own.
    Beliefs move towards what the others gave (Fischbacher & Gächter 2010). The model draws each private
    owner's type once (``behaviour.free_rider_share``, ``conditional_cooperator_share``,
    ``hump_shaped_share``; ``AreaDevelopmentModel._assign_contribution_types``).

    Financing: lenders finance ``1 - behaviour.equity_share`` of the capital an owner has employed in the
    area (the price of land it bought and holds, the investment of plots it is building), so its floor is
    minus that loan; a start or a purchase therefore needs the equity share from the owner's own money.
    """

    developing = True  # non-developing owners (passive) never build themselves
    plots_acquired = 0  # plots it came to own (counted by Plot)
    # M€ of area-task contributions asked of it this quarter, for an owner that keeps it (a Landowner sets
    # it to a number; None: not kept, and not tested with hasattr, which raises inside for every other owner)
    asked: float | None = None
    pooled = False  # a joint company (GEM) pools its partners' plots: their asks bind it by contract
    strategy = "cooperative"

    def __init__(self, model: "AreaDevelopmentModel", name: str, draagvlak: float, trust: float):
        super().__init__(model, name, draagvlak, trust)
        # conditional | free_rider | hump_shaped | other; the model assigns the types of private owners
        self.contribution_type = "conditional"
        self.own_rate = 0.5  # an "other" type's fixed voluntary rate (drawn with its type)
        self.belief = draagvlak  # expected contribution rate of the others
        self.weight = 1.0  # relative share of its kind's land when plots are allotted
        self.negotiations = 0  # negotiations it has been a party to (keys its premium draws)
        self.plot_changes: list["Plot"] = []  # its plots, each time one changed (appended by Plot)
        # priced only when it reads its pipeline (the investments move with the prices; loans and instalments
        # are tracked fields)
        self._money = PlotSums(self, self._money_terms, 3, priced=self.reads_pipeline)

    @property
    def free_rider(self) -> bool:
        """Whether the owner is of the free-rider type (setting it makes it one, or a conditional
        co-operator)."""
        return self.contribution_type == "free_rider"

    @free_rider.setter
    def free_rider(self, value: bool) -> None:
        self.contribution_type = "free_rider" if value else "conditional"

    @property
    def holdout(self) -> bool:
        return self.strategy == "holdout"

    # ------------------------------------------------------------------ money
    def floor(self) -> float:
        """Minus the loans on the land it bought and the plots it is building."""
        return -self._money.sums()[0]  # not through _plot_money: one call less on the busiest read

    @property
    def committed(self) -> float:
        """Construction instalments still to pay on the plots it is building (contracted)."""
        return self._money.sums()[1]

    def _plot_money(self) -> tuple[float, ...]:
        """(loans, committed instalments, investment in the plots not started) over its plots (the last 0 for
        an owner that does not read its :attr:`pipeline`)."""
        return self._money.sums()

    # whether it reads its pipeline (a developer, taking on a plot): the investment of each of its open plots is
    # then worked out at every recount of its money sums, which an owner that never reads it is spared (the
    # other two sums do not depend on it, so they come out the same either way)
    reads_pipeline = False

    def _money_terms(self, p: "Plot") -> tuple[float, float, float]:
        loan_share = 1.0 - self.model.scenario.behaviour.equity_share
        is_open = p.is_open
        return (p.loan + loan_share * p.land_price if is_open or p.loan > 0 else 0.0, p.cost_to_pay,
                investment(self.model, p) if is_open and self.reads_pipeline else 0.0)

    @property
    def pipeline(self) -> float:
        """What starting all its plots not yet under construction would cost at this quarter's prices."""
        if not self.reads_pipeline:
            raise AttributeError(f"{type(self).__name__} does not keep its pipeline (reads_pipeline)")
        return self._plot_money()[2]

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        # whether its floor is Owner.floor (minus its loans): free_cash then reads it from the sums it reads
        cls._floor_is_loans = cls.floor is Owner.floor

    _floor_is_loans = True

    @property
    def free_cash(self) -> float:
        """What the owner can still put into something new: available money minus what is committed."""
        # available - committed, read directly and from one read of the sums (floor() reads them too, unless a
        # subclass has a floor of its own): the owners' busiest read (~4,000 a run)
        loans, committed, _ = self._money.sums()
        floor = -loans if self._floor_is_loans else self.floor()
        return self.model.ledger.balance[self.account] - floor - committed

    def project_loan(self, plot: "Plot", investment: float) -> float:
        """What lenders finance of a start (default: the loan share of the investment)."""
        return (1.0 - self.model.scenario.behaviour.equity_share) * investment

    def equity_needed(self, plot: "Plot", investment: float) -> float:
        return investment - self.project_loan(plot, investment)

    def can_finance(self, plot: "Plot", investment: float) -> bool:
        """Whether the owner can put up the part of a start that lenders do not finance."""
        return self.free_cash >= self.equity_needed(plot, investment) - 1e-9

    def ensure_cash(self, amount: float) -> bool:
        """Whether it can pay ``amount`` now (a land company first calls its partners for a shortfall)."""
        return self.available >= amount - 1e-9

    def can_buy(self, price: float) -> bool:
        return self.free_cash >= self.model.scenario.behaviour.equity_share * price - 1e-9

    def voluntary_rate(self) -> float:
        """Share of the voluntary fair share asked that this owner is willing to pay now."""
        kind = self.contribution_type
        if kind == "free_rider" or self.dropped_out:
            return 0.0
        if kind == "other":
            return self.own_rate
        b = self.model.scenario.behaviour
        # a hump-shaped contributor follows the others up to half, then gives less (FGF 2001, Fig. 1)
        belief = self.belief if kind == "conditional" else min(self.belief, 1.0 - self.belief)
        return clip01(b.conditional_slope * belief + 0.2 * (self.trust - 0.5))

    def observe_contributions(self, others_rate: float) -> None:
        """The belief moves towards what the others gave (Fischbacher & Gächter 2010)."""
        w = self.model.scenario.behaviour.belief_weight
        self.belief = (1.0 - w) * self.belief + w * others_rate

    def plots(self) -> list["Plot"]:
        return self.model.area.plots_of(self)

    def can_sign(self) -> bool:
        """Whether the owner can carry what an agreement asks of it: the fair share of the area tasks on
        its plots (dubbel toetsen's question "kan het?" next to "wil het?")."""
        return self.free_cash >= self.agreement_burden() - 1e-9

    def agreement_burden(self) -> float:
        """The guarantee an agreement asks: the equity share of the fair share of the one-off area tasks
        on the owner's open plots (paid later, at permit, but guaranteed at signing)."""
        c = self.model.contributions
        share = self.model.scenario.behaviour.equity_share
        return share * sum(c.one_off_fair_share(p) for p in self.plots() if p.is_open)

    def commit(self, plot: "Plot", investment: float) -> None:
        """A start: the investment is contracted with builders and paid in instalments; lenders finance
        their part."""
        plot.loan = self.project_loan(plot, investment)
        plot.cost_to_pay = investment

    def release(self, plot: "Plot", revenue: float) -> None:
        """A completion: the homes are sold (or let) and the project loan is repaid."""
        self.model.ledger.transfer(OUTSIDE, self.account, revenue, "sales_revenue")
        plot.loan = 0.0

    def decision_margin(self, plot: "Plot") -> float:
        """The margin the owner decides on: its own plot's, plus what its deal's verevening can give it (a
        joint company pools its plots)."""
        rev = revenue(self.model, plot)
        m = margin(self.model, plot, self, rev)
        if plot.pool is not None:
            if rev > 0:
                m += plot.pool.support(plot, m, self.start_threshold(plot), rev) / rev
        return m

    def start_threshold(self, plot: "Plot") -> float:
        """Minimum margin (profit / revenue) at which the owner starts building."""
        return 0.0

    def decide(self, plot: "Plot") -> None:
        """Step 4 of the process: start, continue, pause or withdraw; see :mod:`coalitionsim.model.development`."""
        decide_plot(self.model, self, plot)

    def ready_needs(self) -> float:
        """What the plan asks of the owner now: the equity to start the plots it could start and the
        contributions due on the permits it has applied for, or that wait before their sales for both."""
        m = self.model
        needed = 0.0
        # read once, not per plot: an Enum member read costs ~0.2 µs on Python 3.11
        can_start, permit_procedure, agreed = (Status.PERMITTED, Status.STALLED), Status.PERMIT_PROCEDURE, Status.AGREED
        for p in self.plots():
            if p.status in can_start:
                needed += self.equity_needed(p, investment(m, p))
            elif p.status == permit_procedure:
                needed += m.contributions.due_at_permit(p, self)
            elif p.status == agreed and p.waiting_since is not None:
                # a plot whose sales wait for the money of its permit and its start
                needed += m.contributions.due_at_permit(p, self) + self.equity_needed(p, investment(m, p))
        return needed

    def update_capacity(self) -> None:
        """draagkracht: free cash against what the plan asks now."""
        needed = self.ready_needs()
        self.draagkracht = 1.0 if needed <= 0 else clip01(self.free_cash / needed)
