"""The private land market: owners sell when a bid beats what they ask, developers and speculators bid.

A bilateral market after Filatova, Parker & van der Veen (2009, JASSS 12(1) 3): every quarter each plot on
offer meets a bounded number of candidate buyers; a trade happens when the best bid is at least the
seller's ask, at a price that splits the gains from trade by the seller's bargaining power
(``behaviour.seller_bargaining_power``).

- **Offers.** An owner in existing use (a passive owner) offers its free plots at its existing-use value
  plus a premium that is higher the less willing it is, and higher still for a hold-out, all raised by the
  speculation that builds up in the area until the voorkeursrecht stops it (NOVEX L912). A speculator (a
  hold-out prone developer) offers the plots it bought at what it paid plus ``behaviour.speculator_markup``,
  until it applies for their permit (also while its own initiative for them runs).
  An owner whose money ran out (it could not finance a start or pay its permit's contributions) offers
  that plot at cost, with its development right. Plots in an
  agreement, of an owner at an open negotiating table, or already in a procedure are not on offer.
- **Bids.** Each plot on offer meets ``behaviour.land_market_candidates`` candidate buyers, drawn at random
  from the developers for that plot and quarter (a rule that keeps the market linear in the number of
  plots). A developer bids the plot's residual
  land value at its own required margin (what it can pay and still make its margin). Before the
  voorkeursrecht a speculator bids the plot's market value raised by the speculation in the area: it buys
  in the hope of a higher price (NOVEX L912). A buyer must be able to pay its equity share of the price.
- **Voorkeursrecht** (from ``instruments.voorkeursrecht_quarter``): an owner who would sell must offer the
  plot to the municipality first, which offers its inbrengwaarde (with the speculation so far) plus its
  negotiator's mandate when its form buys land and its budget and talks allow; sales to others are then
  stopped. The owner sells when that offer, or the court's price if higher, reaches what it asked on the
  market (it chose to sell: no relocation is forced on it); otherwise it withdraws and keeps its plot (Wvg
  art. 17 lid 2). A form
  whose land stays with the parties (SOK, GEM) waives its right.
- **Refusal.** An owner who refuses to sell at any price (``acquisition.py``) offers nothing.
- **Expropriation** is not a market trade: it is the slow, costly last resort (``acquisition.py``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .area import Plot, Status
from .development import land_bids, market_value
from .acquisition import court_price, hope_value, municipal_pool
from .land import land_buyers, transfer

if TYPE_CHECKING:
    from .agents.base import Owner
    from .model import AreaDevelopmentModel


#: where a speculator's plot stands while it is on offer: before its permit is applied for
SPECULATOR_OFFERS = (Status.HELD, Status.INITIATIVE, Status.AGREED)
# read per plot each quarter, so held as constants: an Enum member read costs ~0.2 µs on Python 3.11
_HELD = Status.HELD
_SELLABLE = (Status.HELD, Status.INITIATIVE, Status.AGREED, Status.STALLED)  # a sale still goes through


class LandMarket:
    """Matches the plots on offer with candidate buyers once per quarter (process step 2b)."""

    def __init__(self, model: "AreaDevelopmentModel"):
        self.model = model
        self.sales = 0
        self.speculative_purchases = 0
        self.municipal_purchases = 0
        self.withdrawn: set[int] = set()  # plots whose owner withdrew its offer under the voorkeursrecht

    # ------------------------------------------------------------------ offers
    def at_table(self) -> set[int]:
        """Owners who are parties to an open negotiation: they sell only through that deal."""
        gov = self.model.governance
        return {id(p.owner) for n in gov.negotiations if not n.done for p in n.active()}

    def ask(self, plot: Plot) -> float | None:
        """What the plot's owner asks for it now, or None when it is not on offer."""
        m = self.model
        owner = plot.owner
        if plot.for_sale and owner is not m.municipality:  # an owner whose money ran out sells at cost
            return max(plot.existing_use_value, plot.land_price)
        if owner is m.municipality or plot.in_agreement or owner.dropped_out or m.acquisition.refuses(owner):
            return None  # (an owner who refuses to sell at any price offers nothing: acquisition.py)
        b = m.scenario.behaviour
        if owner.holdout and owner.developing and plot.land_price > 0 and plot.status in SPECULATOR_OFFERS:
            # a speculator's plot: it bought to sell at a profit (NOVEX L912), so it sells whenever someone
            # pays its price, also while its own initiative runs, until it applies for a permit
            return plot.land_price * (1 + b.speculator_markup)
        if plot.status != _HELD or owner.developing:
            return None
        # an owner in existing use; speculation in the area raises what it expects
        premium = b.seller_premium * (1.5 - owner.draagvlak) + (b.holdout_markup if owner.holdout else 0.0)
        return plot.existing_use_value * (1 + premium) * (1 + m.speculation)

    # ------------------------------------------------------------------ bids
    def bids(self, plot: Plot, buyers: list["Owner"]) -> list[float]:
        """What each buyer bids for the plot: its residual land value (:func:`~.development.land_bids`, the
        plot's business case worked out once for all of them), a speculator at least the plot's market
        value raised by the speculation when it buys from an owner in existing use."""
        m = self.model
        values = land_bids(m, plot, buyers)
        if not plot.owner.developing and not m.speculation_stopped():
            speculative = None
            for i, buyer in enumerate(buyers):
                if buyer.holdout:
                    if speculative is None:
                        speculative = market_value(m, plot) * (1 + m.speculation)
                    values[i] = max(values[i], speculative)
        return values

    def step(self) -> None:
        m = self.model
        table = self.at_table()
        offers = [(p, a) for p in m.area.plots if id(p.owner) not in table and (a := self.ask(p)) is not None]
        if not offers:
            return
        order = m.streams.keyed("land_market", m.steps, "order").permutation(len(offers))
        buyers = land_buyers(m, m.owners)
        position = {id(b): i for i, b in enumerate(buyers)}
        pre_emption = m.speculation_stopped()
        for i in order:
            plot, ask = offers[int(i)]
            if plot.status not in _SELLABLE:
                continue
            seller = plot.owner
            # the candidates are drawn from the buyers other than the seller, without listing them anew
            skip = position.get(id(seller), len(buyers))
            eligible = len(buyers) - (skip < len(buyers))
            k = min(eligible, m.scenario.behaviour.land_market_candidates)
            if k == 0:
                continue
            # a bounded number of candidate buyers, drawn for this plot and quarter (a seller meets a few
            # interested parties, not the whole market)
            drawn = m.streams.keyed("land_market", m.steps, plot.plot_id).choice(eligible, k, replace=False)
            best = None
            candidates = [buyers[int(j) + (int(j) >= skip)] for j in drawn]
            for buyer, bid in zip(candidates, self.bids(plot, candidates)):
                if bid >= ask and (best is None or bid > best[0]):
                    best = (bid, buyer)
            if best is None:
                continue
            bid, buyer = best
            if pre_emption and m.form_for(plot).wants_land(plot):
                if plot.plot_id not in self.withdrawn:  # an owner who withdrew keeps its plot
                    self._offer_to_municipality(plot)
                continue  # sales to others are stopped
            price = ask + m.scenario.behaviour.seller_bargaining_power * (bid - ask)
            if not buyer.can_buy(price) or not transfer(m, plot, buyer, price):
                continue
            plot.for_sale = False
            plot.sold_on(m.scenario.instruments.kettingbeding)
            self.sales += 1
            speculative = buyer.holdout and not pre_emption
            self.speculative_purchases += speculative
            m.log("land_market", f"{seller.name} sells plot {plot.plot_id} to {buyer.name} for €{price:.1f} m "
                  f"(asked {ask:.1f}, bid {bid:.1f})" + (": a speculative purchase" if speculative else ""),
                  actor=buyer.account, plot=plot.plot_id, amount=price)

    def _offer_to_municipality(self, plot: Plot) -> None:
        """Voorkeursrecht: the owner who would sell must offer the plot to the municipality, which offers what
        it offers in its purchase negotiations, the inbrengwaarde with the speculation stopped at its level and
        its negotiator's mandate: the value its plan creates is not the owner's to sell (Wvg, NOVEX L941–944).
        The owner is not bound to that price (Wvg art. 17 lid 2, now Omgevingswet art. 9.16-9.17): it sells
        when the offer, or the court's price (``acquisition.court_price``) if higher, reaches what it asked on
        the market (:meth:`ask`: an owner who must sell asks what the plot cost it, one who sells because a
        bid came its way asks its premium); otherwise it withdraws from the sale and keeps its plot, and does
        not offer it again while the voorkeursrecht stands. The purchase needs a council credit and
        enters the grondexploitatie at its price (``acquisition.py``)."""
        m = self.model
        mun = m.municipality
        offer = hope_value(m, plot) * (1 + m.scenario.municipality.mandate)
        if mun.talks_left < 1 or not mun.can_spend(offer):
            return
        mun.talks_left -= 1
        m.log("talks", f"voorkeursrecht purchase of plot {plot.plot_id}: 1 talk", plot=plot.plot_id, amount=1.0)
        # the owner takes the offer or the court's price, whichever is more, if it reaches what it asked for
        # the plot when it put it on the market (an owner who must sell asks what the plot cost it; one who
        # sells because a bid came its way asks its premium): it chose to sell, so its reservation is not the
        # expropriation compensation of a forced sale (no relocation forced on it)
        wanted = self.ask(plot)
        wanted = court_price(plot) if wanted is None else wanted
        price = max(offer, court_price(plot))
        if price < wanted:
            self.withdrawn.add(plot.plot_id)
            m.log("land_market", f"voorkeursrecht: {plot.owner.name} rejects the municipality's €{offer:.1f} m for "
                  f"plot {plot.plot_id} (it asks €{wanted:.1f} m) and withdraws from the sale",
                  actor=plot.owner.account, plot=plot.plot_id, amount=offer)
            return
        if m.acquisition.buy(plot, price, municipal_pool(m, plot)):
            plot.for_sale = False
            self.municipal_purchases += 1
            m.log("land_market", f"voorkeursrecht: the municipality buys plot {plot.plot_id} for €{price:.1f} m",
                  actor=mun.account, plot=plot.plot_id, amount=price)
