"""Municipal land policy: issuing land by tender (Didam); buying land and expropriation go through
``acquisition.py`` (credits, price rules, refusals).

A tender is prepared within municipal staff capacity and published (Didam: always published, NOVEX
L1205–1225); developers that can finance the plot on top of their pipeline bid their residual land value
(corporations build their social homes on their own land); the
highest bid at or above the reserve price wins and is bound to the programme, the contributions and a
bouwplicht.

The municipality's own land sits in its grondexploitatie (:class:`TenderPool`): per plot a book value (its
inbrengwaarde, or what it paid), carried at ``municipality.interest_rate`` while it holds the plot, and the
price it expects at issue, the plot's residual land value at this quarter's prices (the forecast the GEM
makes of its plots, :func:`~.development.residual_value`). The reserve price of a tender is that forecast.
One rule (:meth:`TenderPool.settle`) decides, for the land it tenders and for the land an SOK partner is to
take up alike, what happens to a plot whose forecast no longer covers its book value: the municipality
holds it back (phasing) and waits for the market while waiting pays, that is while the forecast at the
prices it expects once the running shocks pass (:func:`~.development.expected_prices`), less the interest its
book value costs over the rest of its wait, beats selling now, and for at most
``municipality.grex_wait_quarters``; otherwise it writes the plot's book value down to the forecast (event
``writedown``, a book entry, no money moves) and issues it at that price. In a market without a running
shock the expected and the present forecast agree, so a loss is written down at once. A plot that found
no bidder waits the same quarters, or until its forecast has risen or a developer could now buy it at its
reserve (the municipality sounds out the market), before its next round: no reserve is ever cut by a fixed
fraction.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from .area import Plot, Status
from .asks import CANNOT_FINANCE
from .development import expected_prices, investment, land_bid, land_bids, residual_value

if TYPE_CHECKING:
    from .agents.base import Owner
    from .agents.municipality import WorkItem
    from .governance.base import GovernanceForm
    from .model import AreaDevelopmentModel

def transfer(model: "AreaDevelopmentModel", plot: Plot, buyer: "Owner", price: float,
             kind: str = "land_sale", force: bool = False, ask: bool = False) -> bool:
    """Sell a plot: the price leaves the buyer's account and reaches the seller's, and becomes sunk for the
    buyer. False (nothing happens) when the buyer cannot pay it (a private buyer: its equity share of the
    price, its lenders financing the rest), unless ``force`` (the municipality pays what a court orders,
    borrowing if it must). ``ask``: a form asks the price (a tender award, an SOK take-up, a GEM plot issue),
    recorded against the buyer's draagkracht (:mod:`coalitionsim.model.asks`)."""
    seller = plot.owner
    m = model.municipality
    if buyer is m:
        paid = m.spend(price, kind, payee=seller.account, force=force)
    else:
        # lenders finance the loan share of the land it buys (its floor counts that loan once it holds the
        # plot): the purchase needs the equity share from its own money, not the whole price in cash
        paid = buyer.can_buy(price) and model.ledger.transfer(buyer.account, seller.account, price, kind, force=True)
        if ask:
            model.asks.record(buyer, "land_price", price, price if paid else 0.0, plot=plot.plot_id,
                              reason=CANNOT_FINANCE)
    if not paid:
        model.log("land", f"{buyer.name} cannot pay €{price:.1f} m for plot {plot.plot_id}", actor=buyer.account,
                  plot=plot.plot_id, amount=price)
        return False
    model.area.set_owner(plot, buyer)
    if buyer is m:
        model.acquisition.record(plot)  # (for bought_land_share)
    plot.land_paid = buyer is not m
    plot.land_price = price if buyer is not m else 0.0
    plot.deferrals = plot.rephasings = 0  # a new owner's obligations start afresh
    plot.seller = seller.account  # who sold it: only the municipality holds a buy-back (terugkooprecht)
    model.log("land", f"plot {plot.plot_id} sold by {seller.name} to {buyer.name} for €{price:.1f} m",
              actor=buyer.account, plot=plot.plot_id, amount=price)
    return True


def land_buyers(model: "AreaDevelopmentModel", owners: list["Owner"]) -> list["Owner"]:
    """Who can buy building land: developers (corporations take their social homes on their own land
    or turnkey from developers; a joint company already holds its land)."""
    return [o for o in owners if o.group == "developers" and o.developing and not o.dropped_out
            and not o.pooled]


class TenderPool:
    """The municipal plots still to be issued, tendered in batches of ``municipality.tender_batch``, and the
    municipality's grondexploitatie of them: their book values, the forecast of their issue prices, the
    plots held back and what was written down."""

    def __init__(self, form: "GovernanceForm"):
        self.form = form
        self.model = form.model
        self.pool: list[Plot] = []
        self.book: dict[int, float] = {}  # plot_id -> book value (M€): what the land cost, carried at interest
        self.held: dict[int, Plot] = {}  # plot_id -> the plots its grondexploitatie books (to tender or allotted)
        self.short_since: dict[int, int] = {}  # plot_id -> quarter its forecast fell below its book value
        self.failed: dict[int, tuple[int, float]] = {}  # plot_id -> (quarter, forecast) of its last failed round
        self.written_down = 0.0  # M€ of book value written down so far
        self.running = False
        self.tenders = 0
        self.awards = 0
        self._held: frozenset[int] = frozenset()  # the plots held back at the last look (phasing events)
        self._plan: "tuple[WorkItem, list[Plot]] | None" = None  # the plan for bought plots, and its plots

    def add(self, plots: list[Plot], book: float | None = None) -> None:
        """Municipal plots to issue, booked at ``book`` each (what the municipality paid, also for land it buys
        back), or at their inbrengwaarde (its own land). A plot no plan covers yet (bought later, or under a frame that gives
        no rights) is first worked out in a plan for the land it issues, its own procedure; then it waits
        in the pool for a tender."""
        self.hold(plots, book)
        uncovered = [p for p in plots if not p.in_plan and p not in self.pool]
        for p in plots:
            if p.in_plan and p not in self.pool:
                self.pool.append(p)
        if uncovered:
            self._plan_for(uncovered)

    def hold(self, plots: list[Plot], book: float | None = None) -> None:
        """Book municipal plots in the grondexploitatie (at ``book`` each, else their inbrengwaarde): the plots
        it tenders and those an SOK partner is to take up from it alike."""
        for p in plots:
            if book is None:
                self.book.setdefault(p.plot_id, p.existing_use_value)
            else:  # land it bought (or bought back) is booked at what it paid, whatever it was booked at before
                self.book[p.plot_id] = book
            self.held[p.plot_id] = p

    def _plan_for(self, plots: list[Plot]) -> None:
        """Work out the plan for municipal plots no plan covers. Plots that arrive (bought, expropriated)
        while the plan for earlier ones still waits for staff join it: one procedure for the land it
        issues, not one per plot, since the municipality's staff is shared by all it does at once."""
        waiting = self._plan
        if waiting is not None and waiting[0].done_work <= 0:  # a plan in force has had its work done
            waiting[1].extend(p for p in plots if p not in waiting[1])
            return
        covered = list(plots)
        item = self.form.adopt_plan("uitwerking gemeentegrond (plan for the municipal plots to issue)", covered,
                                    self.model.scenario.municipality.subarea_plan_workload,
                                    then=lambda: self.add(covered))
        self._plan = (item, covered)

    def forecast(self, plot: Plot, builder: "Owner | None" = None) -> float:
        """The price the municipality expects for a plot at issue (M€): its residual land value at this
        quarter's prices to a builder asking the market's margin, who owes the contributions a developer
        owes (the reserve price of its tender); ``builder``: :meth:`builder`, when the caller has it."""
        m = self.model
        return residual_value(m, plot, self.builder() if builder is None else builder)

    def builder(self) -> "Owner":
        """Whose contributions a forecast counts: the first land buyer, else the municipality."""
        m = self.model
        return next(iter(land_buyers(m, m.owners)), m.municipality)

    def _carry(self) -> None:
        """A quarter's interest on the book value of the land it holds (its grondexploitatie's rente; the
        ledger charges the same rate on the municipality's debt)."""
        m = self.model
        rate = m.scenario.municipality.interest_rate / 4
        for p in self.held.values():
            if p.owner is m.municipality:
                self.book[p.plot_id] *= 1 + rate

    def write_down(self, plot: Plot, value: float) -> None:
        """Write a plot's book value down to ``value`` (not below 0): a book entry, no money moves; the loss
        reaches ``public_deficit`` once, through the ledger when the plot sells for less than it cost, never
        through the write-down itself."""
        loss = self.book[plot.plot_id] - max(0.0, value)
        if loss <= 1e-9:
            return
        self.book[plot.plot_id] -= loss
        self.written_down += loss
        self.model.log("writedown", f"plot {plot.plot_id}: book value written down by €{loss:.1f} m to "
                       f"€{self.book[plot.plot_id]:.1f} m (its forecast issue price)", plot=plot.plot_id, amount=loss)

    def has_buyer(self, plot: Plot, reserve: float) -> bool:
        """Whether a developer could now bid at least ``reserve`` for the plot and finance it (what the
        municipality learns by sounding out the market, marktconsultatie, before it tenders a plot again)."""
        m = self.model
        bidders = land_buyers(m, m.owners)
        outlay = investment(m, plot)
        return any(bid >= reserve - 1e-9 and b.can_take_on(plot, outlay + bid)
                   for b, bid in zip(bidders, land_bids(m, plot, bidders)))

    def waiting_pays(self, plot: Plot, value: Callable[[], float], now: float | None = None) -> bool:
        """The grondexploitatie's rule for a plot whose forecast price ``value()`` (M€) is short of its book
        value: waiting pays when the forecast at the prices the municipality expects once the running shocks
        pass (:func:`~.development.expected_prices`), less the interest its book value costs over the quarters
        of ``municipality.grex_wait_quarters`` still left since the forecast fell short, is above the
        forecast now (what it would get by issuing the plot, written down, now; ``now`` when the caller has
        it already)."""
        m = self.model
        spec = m.scenario.municipality
        book = self.book[plot.plot_id]
        now = value() if now is None else now
        if now >= book - 1e-9:
            return False  # nothing to wait for: it covers its book value
        left = spec.grex_wait_quarters - (m.steps - self.short_since.get(plot.plot_id, m.steps))
        if left <= 0:
            return False
        with expected_prices(m):
            expected = value()
        interest = book * ((1 + spec.interest_rate / 4) ** left - 1)
        return expected - interest > now + 1e-9

    def settle(self, plot: Plot, value: Callable[[], float], now: float | None = None) -> bool:
        """The one rule for a municipal plot about to be issued (tendered, or taken up by an SOK partner):
        whether it goes now at ``value()``, its forecast price (M€). A plot whose forecast covers its book
        value goes; one short of it waits while :meth:`waiting_pays`, else its book value is written down to
        the forecast (:meth:`write_down`) and it goes, unless nobody would pay anything for it (``now``: the
        forecast now, when the caller has it already)."""
        m = self.model
        now = value() if now is None else now
        if now >= self.book[plot.plot_id] - 1e-9:
            self.short_since.pop(plot.plot_id, None)
            return True
        self.short_since.setdefault(plot.plot_id, m.steps)
        if self.waiting_pays(plot, value, now):
            return False
        # written down to its forecast: a later fall below the new book value is a new shortfall, with its
        # own wait (the loss known when the land was booked does not use up the wait of a later downturn)
        self.write_down(plot, now)
        self.short_since.pop(plot.plot_id, None)
        return now > 0

    def issuable(self) -> list[Plot]:
        """The plots the grondexploitatie tenders now, in pool order: those :meth:`settle` lets go at their
        forecast (the rest are held back and wait for the market: phasing), unless a failed round told it
        to wait."""
        m = self.model
        wait = m.scenario.municipality.grex_wait_quarters
        ready, held = [], []
        builder = self.builder()  # (the same for every plot: nothing here changes who buys land)
        for p in self.pool:
            if p.original_owner_type == "corporation":
                continue  # a social plot handed back is allotted to a corporation, not tendered (allot_social)
            # the forecast now, worked out once: settle reads it, and it is the price the plot is tendered at
            value = self.forecast(p, builder)
            if not self.settle(p, lambda p=p: self.forecast(p, builder), value):
                held.append(p)
                continue
            failed = self.failed.get(p.plot_id)
            if (failed is not None and m.steps - failed[0] < wait and value <= failed[1] + 1e-9
                    and not self.has_buyer(p, max(value, self.book[p.plot_id]))):
                held.append(p)  # no bidder last time, and neither its price nor its buyers have improved: wait
                continue
            ready.append(p)
        held_ids = frozenset(p.plot_id for p in held)
        if held_ids != self._held:
            self._held = held_ids
            if held_ids:
                m.log("phasing", f"grondexploitatie: {len(held)} municipal plots held back (forecast below book "
                      f"value and waiting pays, or no bidder since the last round), {len(ready)} issued")
        return ready

    def take_back(self, plot: Plot, price: float, why: str) -> bool:
        """The municipality takes a plot it sold back at ``price`` (M€): the price goes to its holder, the
        homes it had sold are annulled, the permit lapses with the land (its next owner applies anew) and the
        plot returns to the pool, booked at that price. False (nothing happens) when it cannot pay."""
        m = self.model
        if not transfer(m, plot, m.municipality, price):
            return False
        m.annul_sales(plot, why)
        plot.status = Status.HELD
        plot.step_permit = plot.step_permit_application = None
        plot.build_obligation = False
        plot.obligation_deadline = None
        self.add([plot], book=price)  # booked at that price, whatever it was booked at before (hold)
        return True

    def expected_forecast(self, plot: Plot) -> float:
        """The plot's forecast issue price (M€) at the prices the municipality expects once the running shocks
        pass (:func:`~.development.expected_prices`): what land it could take back is worth to it."""
        with expected_prices(self.model):
            return self.forecast(plot)

    def allot_social(self) -> None:
        """A social plot a corporation handed back for want of room (``social.hand_over``) is no developer's
        to bid for: the municipality allots it, at the social land price, to the corporation with the most free
        cash that can start it now (as a corporation hands a plot to another); its book value is written down to
        that price. Until one can, it waits in the pool."""
        m = self.model
        for plot in [p for p in self.pool if p.original_owner_type == "corporation"]:
            price = m.scenario.municipality.social_land_price * plot.homes
            takers = [c for c in m.owners if c.group == "corporations" and c.developing and c.room_for(plot, price)]
            if not takers:
                continue
            taker = max(takers, key=lambda c: (c.free_cash, -c.unique_id))
            self.write_down(plot, price)
            if transfer(m, plot, taker, price):
                self.pool.remove(plot)
                if plot.status == Status.HELD:
                    plot.status = Status.AGREED if plot.in_plan else Status.HELD
                m.log("handover", f"the municipality allots social plot {plot.plot_id} to {taker.name} at the "
                      "social land price", actor=taker.account, plot=plot.plot_id, amount=price)

    def step(self) -> None:
        self._carry()
        self.allot_social()
        if self.running or not self.pool:
            return
        batch = self.issuable()[: self.model.scenario.municipality.tender_batch]
        if not batch:
            return
        self.running = True
        self.tenders += 1
        spec = self.model.scenario.municipality
        self.model.log("tender", f"tender {self.tenders} in preparation: {len(batch)} plots")
        self.model.municipality.enqueue(f"tender {self.tenders}", "tender", spec.tender_workload,
                                        spec.tender_min_quarters, lambda: self._award(batch))

    def _award(self, batch: list[Plot]) -> None:
        m = self.model
        self.running = False
        bidders = land_buyers(m, m.owners)
        for plot in batch:
            # the reserve is the forecast, never below the book value the forecast allows (a plot whose
            # forecast fell below its book value while the tender ran is not sold under its book)
            forecast = self.forecast(plot)
            reserve = max(forecast, self.book[plot.plot_id])
            outlay = investment(m, plot)
            bids = [(bid, b.unique_id, b) for b, bid in zip(bidders, land_bids(m, plot, bidders))
                    if bid >= reserve - 1e-9 and b.can_take_on(plot, outlay + bid)]
            if not bids:
                self.failed[plot.plot_id] = (m.steps, forecast)
                m.log("tender", f"plot {plot.plot_id}: no valid bid at its reserve €{reserve:.1f} m; back in the pool",
                      plot=plot.plot_id, amount=reserve)
                continue
            bid, _, winner = max(bids, key=lambda x: (x[0], -x[1]))
            if not transfer(m, plot, winner, bid, ask=True):
                continue
            self.pool.remove(plot)
            self.failed.pop(plot.plot_id, None)
            ins = m.scenario.instruments
            plot.build_obligation = ins.build_obligation
            plot.obligation_deadline = m.steps + ins.build_obligation_quarters if ins.build_obligation else None
            plot.route = "tender"
            self.form.sign([plot], contract=True)
            # the tender carries the plan for the land it issues: the plot may apply for its permit
            plot.in_plan = True
            if plot.status == Status.HELD:
                plot.status = Status.AGREED
            self.awards += 1
            m.log("tender", f"plot {plot.plot_id} awarded to {winner.name} for €{bid:.1f} m ({len(bids)} bids)",
                  actor=winner.account, plot=plot.plot_id, amount=bid)
        # plots that found no bidder wait at the back of the pool
        in_batch, still_open = set(batch), set(self.pool)
        self.pool = [p for p in self.pool if p not in in_batch] + [p for p in batch if p in still_open]
