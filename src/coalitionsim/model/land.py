"""Municipal land policy: issuing land by tender (Didam), buying land, expropriation.

A tender is prepared within municipal staff capacity and published (Didam: always published, NOVEX
L1205–1225); developers that can finance the plot on top of their pipeline bid their residual land value
(corporations build their social homes on their own land); the
highest bid at or above the reserve price wins and is bound to the programme, the contributions and a
bouwplicht. Without a winner the plot goes back into the pool with a lower reserve price.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .area import Plot, Status
from .development import investment, land_bid, land_bids

if TYPE_CHECKING:
    from .agents.base import Owner
    from .agents.municipality import WorkItem
    from .governance.base import GovernanceForm
    from .model import AreaDevelopmentModel
    from .negotiation import Negotiation

def transfer(model: "AreaDevelopmentModel", plot: Plot, buyer: "Owner", price: float,
             kind: str = "land_sale", force: bool = False) -> bool:
    """Sell a plot: the price leaves the buyer's account and reaches the seller's, and becomes sunk for the
    buyer. False (nothing happens) when the buyer cannot pay it (a private buyer: its equity share of the
    price, its lenders financing the rest), unless ``force`` (the municipality pays what a court orders,
    borrowing if it must)."""
    seller = plot.owner
    m = model.municipality
    if buyer is m:
        paid = m.spend(price, kind, payee=seller.account, force=force)
    else:
        # lenders finance the loan share of the land it buys (its floor counts that loan once it holds the
        # plot): the purchase needs the equity share from its own money, not the whole price in cash
        paid = buyer.can_buy(price) and model.ledger.transfer(buyer.account, seller.account, price, kind, force=True)
    if not paid:
        model.log("land", f"{buyer.name} cannot pay €{price:.1f} m for plot {plot.plot_id}", actor=buyer.account,
                  plot=plot.plot_id, amount=price)
        return False
    model.area.set_owner(plot, buyer)
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
    """The municipal plots still to be issued, tendered in batches of ``municipality.tender_batch``."""

    def __init__(self, form: "GovernanceForm"):
        self.form = form
        self.model = form.model
        self.pool: list[Plot] = []
        self.reserve_factor: dict[int, float] = {}
        self.running = False
        self.tenders = 0
        self.awards = 0
        self._plan: "tuple[WorkItem, list[Plot]] | None" = None  # the plan for bought plots, and its plots

    def add(self, plots: list[Plot]) -> None:
        """Municipal plots to issue. A plot no plan covers yet (bought later, or under a frame that gives
        no rights) is first worked out in a plan for the land it issues, its own procedure; then it waits
        in the pool for a tender."""
        uncovered = [p for p in plots if not p.in_plan and p not in self.pool]
        for p in plots:
            if p.in_plan and p not in self.pool:
                self.pool.append(p)
                self.reserve_factor.setdefault(p.plot_id, 0.5)
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

    def step(self) -> None:
        if self.running or not self.pool:
            return
        batch = self.pool[: self.model.scenario.municipality.tender_batch]
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
            reserve = self.reserve_factor[plot.plot_id] * plot.existing_use_value
            outlay = investment(m, plot)
            bids = [(bid, b.unique_id, b) for b, bid in zip(bidders, land_bids(m, plot, bidders))
                    if bid >= reserve and b.can_take_on(plot, outlay + bid)]
            if not bids:
                self.reserve_factor[plot.plot_id] *= 0.5
                m.log("tender", f"plot {plot.plot_id}: no valid bid; back in the pool")
                continue
            bid, _, winner = max(bids, key=lambda x: (x[0], -x[1]))
            if not transfer(m, plot, winner, bid):
                continue
            self.pool.remove(plot)
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


def buy_after(model: "AreaDevelopmentModel", neg: "Negotiation", plots: list[Plot], pool: TenderPool) -> list[Plot]:
    """Close a purchase negotiation: a seller that signed sells at its inbrengwaarde (raised by the area's
    speculation) plus the premium it signed for (within the negotiator's mandate), unless, as a developer, it earns more by developing the
    plot itself; the rest keep their land and may realise it themselves (or face expropriation when the
    scenario allows it)."""
    m = model
    ins = m.scenario.instruments
    kept = []
    for plot in plots:
        party = next(p for p in neg.parties if p.owner is plot.owner)
        # the speculation in the area until the voorkeursrecht raises the value owners count from (NOVEX L912)
        price = plot.existing_use_value * (1 + m.speculation) * (1 + min(party.premium, m.scenario.municipality.mandate))
        # a developer values its land at what developing it would earn (zelfrealisatie), not at its
        # existing use; below that it keeps the plot unless it is expropriated
        keeps_for_itself = plot.owner.developing and land_bid(m, plot, plot.owner) > price
        if party.signed and not keeps_for_itself and m.municipality.can_spend(price):
            if transfer(m, plot, m.municipality, price):
                pool.add([plot])
        elif ins.expropriation and m.municipality.can_spend(price):
            m.log("land", f"plot {plot.plot_id}: expropriation (onteigening) procedure starts", plot=plot.plot_id)
            # the council's decision needs staff work; the court's procedure (bekrachtiging, compensation)
            # follows the decision, it does not run while the decision waits in the queue
            m.municipality.enqueue(f"onteigening plot {plot.plot_id}", "acquisition", 2.0, 1,
                                   lambda plot=plot: _expropriated(m, plot, pool),
                                   extra_delay=ins.expropriation_quarters, plot=plot.plot_id)
        else:
            kept.append(plot)
    return kept


def _expropriated(model: "AreaDevelopmentModel", plot: Plot, pool: TenderPool) -> None:
    """The court's ruling: the owner is compensated and the plot passes to the municipality. The
    compensation is ordered, so the municipality pays it even beyond its area budget (it borrows); it
    started the procedure only when its budget could carry the price."""
    owner = plot.owner
    price = plot.existing_use_value * model.scenario.instruments.expropriation_compensation
    transfer(model, plot, model.municipality, price, kind="expropriation", force=True)
    owner.lose_trust()
    pool.add([plot])
    model.log("land", f"plot {plot.plot_id} expropriated", plot=plot.plot_id, amount=price)
    return True
