"""Acquisition with friction: how the municipality gets land it did not own, and what it pays.

Wherever the model buys land for the municipality (the tender's purchase talks, its first right under the
voorkeursrecht, expropriation under every form where ``instruments.expropriation`` is on), the purchase
goes through this module:

- **A council credit within the one budget.** Each purchase needs a credit (krediet) the council reserves
  on its area budget before the municipality commits (NOVEX 003 L910-915: the municipality carries the
  risk of what it buys, so the purchase needs "eenduidige en professionele sturing en risicobeheersing").
  A credit reserves its amount (:attr:`Acquisition.committed`, subtracted from
  ``Municipality.budget_left``) until the price is paid, so a procedure that runs for years cannot be
  overtaken by other spending. A purchase the budget cannot carry waits until land sales refill the
  budget: a seller that signed is bound under the condition of the credit (opschortende voorwaarde) for
  at most ``municipality.credit_wait_quarters``, then the sale lapses; an expropriation is started later.
  A smaller budget slows acquisition, it does not make land appear. What it bought enters the grondexploitatie
  (:class:`~.land.TenderPool`) at the price paid, carried at interest and written down there.
- **Three price rules.**
  1. *Voluntary purchase* (minnelijke aankoop): bargained at the purchase table (``negotiation.py``:
     concessions within the negotiator's mandate) over the owner's reservation, its inbrengwaarde raised
     by the speculation in the area, the value it expects from the coming plan (003 L912). No owner sells
     for less than its full value to it (:func:`reservation`): the existing-use value plus its relocation
     and income loss, the same quantity as the expropriation compensation, whether or not expropriation
     is switched on (a going concern does not move for less than what moving costs it; the amicable
     purchase is priced in the shadow of the expropriation law, Onteigeningswet art. 17, now Omgevingswet
     art. 11.9 (minnelijk overleg)). The switch only decides whether the municipality can force a sale.
     A developer does not sign a plot's sale below what developing the plot would earn it
     (:meth:`Acquisition.least_premium`): at signing it names the plots it keeps to realise itself, so the
     municipality learns it at the table; a seller that signed sells the rest.
  2. *Voorkeursrecht*: the municipality offers the inbrengwaarde with the speculation stopped where it
     stood and the mandate: the value its own plan creates is not the owner's to sell (003 L941-944,
     Wvg). The owner who offered its plot is not bound to that price (Wvg art. 17 lid 2, now Omgevingswet
     art. 9.16-9.17): it accepts an offer at or above its :func:`reservation`; otherwise it may ask the
     court for the price, which is the expropriation law's werkelijke waarde with the plan's value
     eliminated (:func:`court_price`, Onteigeningswet art. 40b-40e), or withdraw and keep its plot. Since
     the court's price lies below the owner's reservation (it leaves out the relocation and income loss),
     an owner whose offer is refused withdraws; see :meth:`~.landmarket.LandMarket._offer_to_municipality`.
  3. *Expropriation* (onteigening): full compensation (volledige schadeloosstelling, Onteigeningswet
     art. 40, now Omgevingswet art. 15.19): the werkelijke waarde, the price in a hypothetical free sale
     between reasonable parties (art. 40b-40c) with the value the plan for which it is expropriated
     creates eliminated (eliminatieregel, art. 40e), which is the plot's existing-use value, plus the
     bijkomende schade (moving costs, a going concern's income loss, the owner's costs of legal and expert
     help, art. 40 and 50): ``instruments.expropriation_incidental_damage`` times the werkelijke waarde
     (an assumption with its range). The guide names expropriation the last resort when an owner will not
     co-operate (003 L941-942); its procedure is the council's decision (staff work) and then
     ``instruments.expropriation_quarters`` of court.
- **Owners who refuse to sell at any price.** A share ``behaviour.refusal_share`` of the owners in
  existing use (a going concern with its cash flow from current use, 003 L1305-1307; an owner-occupier; a
  long lease) does not sell: not to the municipality, not on the land market, not under the voorkeursrecht
  (which only obliges an owner who sells to offer the land to the municipality first). Each owner's
  refusal is drawn once from the ``acquisition`` stream keyed by the owner. At the purchase table it never
  signs (``negotiation.py``): the talks run their course before the municipality knows the refusal is
  final. Past a refusal the municipality has two exits: expropriation (its procedure and compensation) or
  waiting. Under the tender a refuser holds up the phase it lies in when that sub-area is one block (land
  assembly, ``assembly.py``).
- **Zelfrealisatie.** An owner able and willing to realise the plan's use itself (a developer or
  corporation for which developing the plot beats its existing use, :func:`realises_plan`) keeps its land:
  it is never expropriated (Onteigeningswet art. 77 lid 1 sub 6, now Omgevingswet art. 11.6 lid 2: the
  zelfrealisatie defence; the municipality concludes a realisation agreement with it instead).
  Expropriation is for an owner who "werkt niet mee" (003 L941-942): one who refuses, or cannot realise the
  plan's use. The court tests it again at its ruling: an owner that has become able to realise keeps its
  plot and the procedure ends.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .area import Plot, Status
from .development import land_bid
from .land import TenderPool, transfer

if TYPE_CHECKING:
    from .agents.base import Owner
    from .model import AreaDevelopmentModel
    from .negotiation import Negotiation

#: staff work units for the council's expropriation decision (onteigeningsbesluit): an assumption at the
#: size of one permit's work, as the model has used since expropriation was added (issue 13)
DECISION_WORK = 2.0


def expropriation_compensation(model: "AreaDevelopmentModel", plot: Plot) -> float:
    """The full compensation a court awards for the plot (M€): its werkelijke waarde, the existing-use value
    with the plan's value eliminated, plus the bijkomende schade (module docstring, rule 3)."""
    return plot.existing_use_value * (1 + model.scenario.instruments.expropriation_incidental_damage)


def reservation(model: "AreaDevelopmentModel", plot: Plot) -> float:
    """The least the plot's owner sells it for to the municipality (M€): its full value to it, the
    existing-use value plus its relocation and income loss, which is the expropriation compensation
    whether or not expropriation is switched on (module docstring, rules 1 and 2)."""
    return expropriation_compensation(model, plot)


def court_price(plot: Plot) -> float:
    """The price the court sets under the voorkeursrecht (M€): the expropriation law's werkelijke waarde,
    the existing-use value with the plan's value eliminated, without the bijkomende schade of a forced
    sale (module docstring, rule 2)."""
    return plot.existing_use_value


def hope_value(model: "AreaDevelopmentModel", plot: Plot) -> float:
    """The owner's hope of the plan (M€): its inbrengwaarde raised by the speculation in the area so far
    (003 L912), the base every purchase price of the municipality is bargained from (rules 1 and 2)."""
    return plot.existing_use_value * (1 + model.speculation)


def voluntary_price(model: "AreaDevelopmentModel", plot: Plot, premium: float) -> float:
    """The price of a voluntary purchase closed at the purchase table with ``premium`` conceded (rule 1):
    the owner's hope of the plan (inbrengwaarde with the speculation) plus the premium, within the
    negotiator's mandate; never below the owner's :func:`reservation`."""
    m = model
    price = hope_value(m, plot) * (1 + min(premium, m.scenario.municipality.mandate))
    return max(price, reservation(m, plot))


def realises_plan(model: "AreaDevelopmentModel", plot: Plot) -> bool:
    """Whether the plot's owner is able and willing to realise the plan's use itself (zelfrealisatie): an
    owner that builds (a developer or corporation) for which developing the plot, at its own required
    margin, is worth more than the plot's existing use. Such an owner is never expropriated."""
    owner = plot.owner
    return owner.developing and land_bid(model, plot, owner) > plot.existing_use_value


def municipal_pool(model: "AreaDevelopmentModel", plot: Plot) -> TenderPool:
    """The grondexploitatie that issues the land the municipality acquires: that of the form governing the
    plot (after a review it may differ from the run's form), opened on first use under a form that holds
    none yet (a GEM, whose company holds the partners' land)."""
    gov = model.form_for(plot)
    if getattr(gov, "pool", None) is None:
        gov.pool = TenderPool(gov)
    return gov.pool


@dataclass(eq=False)
class Pending:
    """A purchase waiting for its council credit: a signed voluntary sale, or an expropriation to start."""

    plot: Plot
    kind: str  # "purchase" | "expropriation"
    price: float  # the agreed price (purchase) or the compensation expected when it was decided
    pool: TenderPool
    since: int  # the quarter it was agreed or decided


class Acquisition:
    """The municipality's acquisitions of one run: refusals, credits, waiting purchases and expropriations."""

    def __init__(self, model: "AreaDevelopmentModel"):
        self.model = model
        self.committed = 0.0  # M€ of council credits reserved and not yet paid
        self.pending: list[Pending] = []
        self.in_procedure: dict[int, float] = {}  # plot_id -> the credit reserved for its expropriation
        self.bought: set[int] = set()  # plots the municipality acquired that it did not own at the start
        self.expropriations = 0
        self._refuses: dict[int, bool] = {}

    # ------------------------------------------------------------------ owners
    def refuses(self, owner: "Owner") -> bool:
        """Whether this owner refuses to sell at any price: only owners in existing use (not the
        municipality, not a developer or corporation, who build); drawn once per owner."""
        m = self.model
        if owner is m.municipality or owner.developing or owner.group != "owners":
            return False
        key = owner.unique_id
        if key not in self._refuses:
            draw = m.streams.keyed("acquisition", "refusal", key).random()
            self._refuses[key] = bool(draw < m.scenario.behaviour.refusal_share)
            if self._refuses[key]:
                m.log("land", f"{owner.name} refuses to sell its land at any price (its current use goes on)",
                      actor=owner.account)
        return self._refuses[key]

    def least_premium(self, owner: "Owner", plot: Plot) -> float:
        """The least premium ``owner`` asks at the purchase table for ``plot``: for an owner that builds (a
        developer), the premium at which the plot's voluntary price reaches its ``land_bid``, what developing
        the plot itself would earn it (zelfrealisatie); it does not sign a sale of the plot below that, so
        the municipality learns at the table which plots it keeps, and once signed it sells the rest. For
        the others 0: the price never falls below their :func:`reservation` anyway (rule 1)."""
        m = self.model
        if not owner.developing:
            return 0.0
        bid = land_bid(m, plot, owner)
        if reservation(m, plot) >= bid:
            return 0.0
        hope = hope_value(m, plot)
        return bid / hope - 1 if hope > 0 else math.inf

    # ------------------------------------------------------------------ credits
    def credit(self, amount: float, label: str) -> bool:
        """Reserve a council credit of ``amount`` on the one area budget; False when the budget cannot
        carry it now."""
        m = self.model
        if not m.municipality.can_spend(amount):
            return False
        self.committed += amount
        m.log("credit", f"council credit of €{amount:.1f} m for {label}", actor=m.municipality.account, amount=amount)
        return True

    def release(self, amount: float) -> None:
        self.committed = max(0.0, self.committed - amount)

    def record(self, plot: Plot) -> None:
        """The municipality has acquired ``plot`` (any route); counted in ``bought_land_share`` when it did not
        own the plot at the start."""
        if plot.original_owner_type != "municipality":
            self.bought.add(plot.plot_id)

    # ------------------------------------------------------------------ purchases
    def buy(self, plot: Plot, price: float, pool: TenderPool, since: int | None = None) -> bool:
        """A voluntary purchase the seller signed: paid under a council credit and booked in the
        grondexploitatie at its price. When the budget cannot carry it now, the sale is signed under the
        condition of the council's credit (opschortende voorwaarde): the plot is bound to it (in agreement:
        its owner neither offers it nor develops it) until the credit comes, at most
        ``municipality.credit_wait_quarters`` after it was signed (``since``, for a retry); then it lapses
        and the owner is free again (it may realise the plot itself)."""
        m = self.model
        waited = since is not None
        if not self.credit(price, f"the purchase of plot {plot.plot_id}"):
            if not waited:
                plot.in_agreement = True
                m.log("land", f"plot {plot.plot_id}: purchase agreed, waits for a council credit of €{price:.1f} m",
                      plot=plot.plot_id, amount=price)
                since = m.steps
            if m.steps - since >= m.scenario.municipality.credit_wait_quarters:
                plot.in_agreement = False
                m.log("land", f"plot {plot.plot_id}: no council credit within its term; the conditional purchase "
                      "lapses and the owner keeps its land", plot=plot.plot_id, amount=price)
            else:
                self.pending.append(Pending(plot, "purchase", price, pool, since))
            return False
        self.release(price)
        if not transfer(m, plot, m.municipality, price):
            return False
        if plot.status == Status.INITIATIVE:
            # the seller's own procedure for the plot (zelfrealisatie) lapses with the sale: the municipality
            # plans and issues the land itself (its plan for the land it issues, in the grondexploitatie)
            plot.status, plot.step_initiative = Status.HELD, None
            m.log("initiative", f"plot {plot.plot_id}: its plan amendment lapses, the municipality bought it",
                  plot=plot.plot_id)
        if waited:
            plot.in_agreement = False  # the conditional sale is done: the plot is the municipality's to issue
        pool.add([plot], book=price)
        return True

    def expropriate(self, plot: Plot, pool: TenderPool) -> bool:
        """Start the expropriation of ``plot``: the council reserves the expected compensation, takes its
        decision (staff work), then the court's procedure runs; False (it waits) when the budget cannot
        carry the credit now."""
        m = self.model
        if plot.plot_id in self.in_procedure:
            return True
        if realises_plan(m, plot):
            m.log("land", f"plot {plot.plot_id}: {plot.owner.name} realises the plan itself (zelfrealisatie); "
                  "no expropriation", plot=plot.plot_id)
            return False
        expected = expropriation_compensation(m, plot)
        if not self.credit(expected, f"the expropriation of plot {plot.plot_id}"):
            self.pending.append(Pending(plot, "expropriation", expected, pool, m.steps))
            return False
        self.in_procedure[plot.plot_id] = expected
        m.log("land", f"plot {plot.plot_id}: expropriation (onteigening) procedure starts", plot=plot.plot_id)
        # the council's decision needs staff work; the court's procedure (bekrachtiging, compensation)
        # follows the decision, it does not run while the decision waits in the queue
        m.municipality.enqueue(f"onteigening plot {plot.plot_id}", "acquisition", DECISION_WORK, 1,
                               lambda: self._ruled(plot, pool),
                               extra_delay=m.scenario.instruments.expropriation_quarters, plot=plot.plot_id)
        return True

    def _ruled(self, plot: Plot, pool: TenderPool) -> bool:
        """The court's ruling: the owner receives the full compensation at the day of the ruling and the
        plot passes to the municipality. The compensation is ordered, so the municipality pays it even
        beyond its area budget (it borrows); its credit was reserved when the procedure started."""
        m = self.model
        self.release(self.in_procedure.pop(plot.plot_id, 0.0))
        owner = plot.owner
        if owner is m.municipality:
            return True
        if realises_plan(m, plot):  # the court tests the zelfrealisatie defence at its ruling
            m.log("land", f"plot {plot.plot_id}: the court refuses the expropriation, {owner.name} realises "
                  "the plan itself (zelfrealisatie)", plot=plot.plot_id)
            return True
        price = expropriation_compensation(m, plot)
        transfer(m, plot, m.municipality, price, kind="expropriation", force=True)
        owner.lose_trust()
        self.expropriations += 1
        pool.add([plot], book=price)
        m.log("land", f"plot {plot.plot_id} expropriated", plot=plot.plot_id, amount=price)
        return True

    # ------------------------------------------------------------------ each quarter
    def step(self) -> None:
        """Process step 2c: purchases that waited for a credit go ahead when the budget allows, in the
        order they were agreed; where expropriation is on, the municipality starts it against owners who
        refuse to sell land its plan or frame covers."""
        m = self.model
        waiting, self.pending = self.pending, []
        for w in waiting:
            if w.plot.owner is m.municipality:
                continue
            if w.kind == "purchase":
                self.buy(w.plot, w.price, w.pool, since=w.since)
            else:
                self.expropriate(w.plot, w.pool)
        if not m.scenario.instruments.expropriation or not m.frame_in_force:
            return
        table = m.land_market.at_table()
        for plot in m.area.plots:
            owner = plot.owner
            if (plot.status != Status.HELD or plot.in_agreement or id(owner) in table
                    or plot.plot_id in self.in_procedure or any(w.plot is plot for w in self.pending)
                    or not self.refuses(owner)):
                continue
            self.expropriate(plot, municipal_pool(m, plot))


def buy_after(model: "AreaDevelopmentModel", neg: "Negotiation", plots: list[Plot], pool: TenderPool) -> list[Plot]:
    """Close a purchase negotiation (the price rules and the credit are in ``acquisition.py``): a seller that
    signed sells at the bargained price what it signed for (a signed sale binds; a developer keeps only the
    plots it named at signing, ``Negotiation.keeps``, those developing earns it more than the mandate pays:
    :meth:`Acquisition.least_premium`); the rest keep their land and may realise it themselves, or face
    expropriation when the scenario allows it and the owner cannot or will not realise the plan itself
    (:func:`realises_plan`)."""
    m = model
    acq = m.acquisition
    kept = []
    for plot in plots:
        if plot.owner is m.municipality:  # acquired meanwhile (expropriated while the talks ran)
            continue
        party = next(p for p in neg.parties if p.owner is plot.owner)
        if party.signed and plot not in neg.keeps:  # (a refuser never signs a sale)
            # waits for its council credit when the budget cannot carry it now
            acq.buy(plot, voluntary_price(m, plot, party.premium), pool)
        elif m.scenario.instruments.expropriation and not realises_plan(m, plot):
            acq.expropriate(plot, pool)  # waits for its credit likewise
        else:
            kept.append(plot)  # it keeps its land and may realise it itself (zelfrealisatie)
    return kept
