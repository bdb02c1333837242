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
A plot whose forecast no longer covers its book value is not tendered (the municipality phases: it issues
the plots that cover theirs) and waits for the market; after ``municipality.grex_wait_quarters`` of waiting
(at once for a plot whose forecast is short when it is first looked at: a loss known from the start)
the municipality writes the plot's book value down to the forecast (event ``writedown``, a book entry, no
money moves) and tenders it at that reserve. A plot that found no bidder waits the same quarters, or until
its forecast has risen or a developer could now buy it at its reserve (the municipality sounds out the
market), before its next round: no reserve is ever cut by a fixed fraction.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .area import Plot, Status
from .asks import CANNOT_FINANCE
from .development import investment, land_bids, residual_value

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
    plot.deferrals = 0  # a new owner's obligations start afresh
    plot.seller = seller.account  # who sold it: only the municipality holds a buy-back (terugkooprecht)
    model.log("land", f"plot {plot.plot_id} sold by {seller.name} to {buyer.name} for €{price:.1f} m",
              actor=buyer.account, plot=plot.plot_id, amount=price)
    return True


def land_buyers(model: "AreaDevelopmentModel", owners: list["Owner"]) -> list["Owner"]:
    """Who can buy building land: developers (corporations take their social homes on their own land
    or turnkey from developers; a joint company already holds its land)."""
    return [o for o in owners if o.group == "developers" and o.developing and not o.dropped_out
            and not getattr(o, "pooled", False)]


class TenderPool:
    """The municipal plots still to be issued, tendered in batches of ``municipality.tender_batch``, and the
    municipality's grondexploitatie of them: their book values, the forecast of their issue prices, the
    plots held back and what was written down."""

    def __init__(self, form: "GovernanceForm"):
        self.form = form
        self.model = form.model
        self.pool: list[Plot] = []
        self.book: dict[int, float] = {}  # plot_id -> book value (M€): what the land cost, carried at interest
        self.short_since: dict[int, int] = {}  # plot_id -> quarter its forecast fell below its book value
        self.seen: set[int] = set()  # plots whose forecast it has looked at (issued or held)
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
        for p in plots:
            if book is None:
                self.book.setdefault(p.plot_id, p.existing_use_value)
            else:  # land it bought (or bought back) is booked at what it paid, whatever it was booked at before
                self.book[p.plot_id] = book
        uncovered = [p for p in plots if not p.in_plan and p not in self.pool]
        for p in plots:
            if p.in_plan and p not in self.pool:
                self.pool.append(p)
        if uncovered:
            self._plan_for(uncovered)

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

    def forecast(self, plot: Plot) -> float:
        """The price the municipality expects for a plot at issue (M€): its residual land value at this
        quarter's prices to a builder asking the market's margin, who owes the contributions a developer
        owes (the reserve price of its tender)."""
        m = self.model
        builder = next(iter(land_buyers(m, m.owners)), m.municipality)
        return residual_value(m, plot, builder)

    def _carry(self) -> None:
        """A quarter's interest on the book value of the land it holds (its grondexploitatie's rente; the
        ledger charges the same rate on the municipality's debt)."""
        rate = self.model.scenario.municipality.interest_rate / 4
        for p in self.pool:
            self.book[p.plot_id] *= 1 + rate

    def _write_down(self, plot: Plot, value: float) -> None:
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

    def issuable(self) -> list[Plot]:
        """The plots the grondexploitatie issues now, in pool order: those whose forecast covers their book
        value (phasing: the rest are held back and wait for the market), unless a failed round told it to
        wait. A plot that has waited ``municipality.grex_wait_quarters`` is written down to its forecast, and
        so, at once, is a plot whose forecast is short at its first look (a loss known when it is booked)."""
        m = self.model
        wait = m.scenario.municipality.grex_wait_quarters
        ready, held = [], []
        for p in self.pool:
            value = self.forecast(p)
            if value < self.book[p.plot_id] - 1e-9:
                # a plot short at its first look opens the grondexploitatie with a loss known from the start:
                # written down at once; one whose forecast turns short later waits for the market first
                since = self.short_since.setdefault(p.plot_id, m.steps if p.plot_id in self.seen else m.steps - wait)
                self.seen.add(p.plot_id)
                if m.steps - since < wait:
                    held.append(p)
                    continue
                self._write_down(p, value)
                if value <= 0:  # nobody would pay anything for it: it keeps waiting for the market
                    held.append(p)
                    continue
            self.short_since.pop(p.plot_id, None)
            self.seen.add(p.plot_id)
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
                      f"value, or no bidder since the last round), {len(ready)} issued")
        return ready

    def step(self) -> None:
        self._carry()
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
