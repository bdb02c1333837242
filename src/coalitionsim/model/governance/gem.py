"""GEM / PPS (grondexploitatiemaatschappij): negotiation on inbrengwaarde, then a joint land company that owns
the pooled land and carries the land risk pro rata (the "financial bathtub", NOVEX L970, L1305–1307). It
does not build: it services its land, pays the public works and issues serviced plots (design section 4).

Money: land is brought in at inbrengwaarde; the partners that can pay cash (the municipality within its
budget, developers and corporations) pay in the equity share (``behaviour.gem_equity_share``) of the
company's own pre-investment, the bathtub it must fill before plot revenue comes in (servicing its land and
the public works it carries; it buys no land), pro rata to the land they bring in; lenders finance the
rest of that pre-investment, at the market's interest, a cost in its land result. It never asks for the
builders' construction investment: a builder finances its homes itself when it takes its plot. When an
outlay finds the company short, it calls the shortfall from its paying partners by their shares (a further
capital call); a partner that cannot pay its part is diluted. A partner's share is its cash plus the land
value it brought in. The company
pays servicing (bouwrijp maken), the public works, its contributions to the area's collective tasks and the
interest on its loans, and receives the prices of the plots it issues: to a partner developer under its
building claim (bouwclaim) at the residual land value in the quarter of issue at that developer's own
required margin, to a corporation at the social land price, the rest by tender with the company's forecast
as reserve. Builders build and sell, and carry that risk. When all its land is issued the company settles
its land result with the partners by their shares, profit or loss.

Its go/no-go for issuing is its whole grondexploitatie, realised plus forecast (NOVEX 003 L1226–1314: one
purse, a robust rather than a merely closing land budget, the bathtub): while the whole closes it issues
every plot a builder will pay for, the weak plots riding on the strong ones; while it does not, it phases:
it issues only the plots whose price covers their land and servicing (each lowers the loss) and holds the
rest for a better market. Corporations take their social plots whatever the forecast.

Exit: a company that has issued nothing for 4 × ``behaviour.dropout_quarters`` quarters while plots were ready
(its review) and whose remaining land cannot close at the prices it expects over its issue horizon (the
market without the scripted shocks now running: it holds its land through a downturn) winds up: the
municipality takes that land over at the company's forecast value of it (unserviced, net of the servicing
still to do), a buy-out of the private partners' stake as Dutch municipalities did with stalled GEMs; land
taken over below its book value is written down and the partners bear that loss by their shares when the
company settles; the municipality issues the land by its own tender (as under the tender form).
"""

from __future__ import annotations

from ..agents.base import Owner, PlotSums
from ..area import Plot, Status
from ..development import expected_prices, investment, land_bids, residual_value, servicing
from ..land import TenderPool, land_buyers, transfer
from ..ledger import OUTSIDE
from .base import GovernanceForm, register

#: a claimant with a plot in one of these states is building: its other claims wait their turn
BUILDING = (Status.AGREED, Status.PERMIT_PROCEDURE, Status.PERMITTED, Status.CONSTRUCTION)

#: what a land company earns or pays that is not its result: what its partners put in and take out
CAPITAL_KINDS = ("gem_capital", "gem_settlement", "opening_balance")


def plot_price(model, plot: Plot, holder: Owner | None, owner: Owner) -> float:
    """The price a land company forecasts for a plot, serviced: the social land price for a corporation's
    plot; otherwise the residual land value of the serviced plot at its claimant's own required margin, or
    at the market's (the scenario developers' mean) for a plot it tenders. ``owner`` is who pays the
    contributions still due at permit."""
    if plot.original_owner_type == "corporation":
        return social_land_price(model) * plot.homes
    serviced, plot.serviced = plot.serviced, True
    try:
        return residual_value(model, plot, owner, getattr(holder, "required_margin", None))
    finally:
        plot.serviced = serviced


def net_value(model, plot: Plot, holder: Owner | None, owner: Owner) -> float:
    """What a plot brings a land company: its price (nobody pays less than nothing) less its servicing."""
    return max(0.0, plot_price(model, plot, holder, owner)) - servicing(model, plot)


def social_land_price(model) -> float:
    """M€ per home a corporation pays for a serviced social plot (``municipality.social_land_price``)."""
    return model.scenario.municipality.social_land_price


def works_to_pay(model, plots: list[Plot]) -> float:
    """The public works not yet started that serve any of these plots (what a land company that carries the
    works still has to pay for them)."""
    return sum(t.spec.cost for t in model.area.tasks if t.spec.kind == "public_works" and not t.spec.recurring
               and t.delivery_started is None and any(t.benefits(p) for p in plots))


def pre_investment(model, plots: list[Plot], carries_works: bool) -> float:
    """What a land company must still spend on these plots before it issues them, at this quarter's costs
    (its "bathtub", NOVEX 003 L1305–1307): servicing them (bouwrijp maken) and, when it carries them, the
    public works that serve them. It buys no land: its partners bring theirs in."""
    cost = sum(servicing(model, p) for p in plots if p.is_open)
    return cost + (works_to_pay(model, plots) if carries_works else 0.0)


class JointCompany(Owner):
    """The GEM: pooled land, pooled money; it services and issues plots, it does not build."""

    group = "developers"
    pooled = True

    def __init__(self, model, partners: list[Owner]):
        super().__init__(model, "GEM", draagvlak=0.8, trust=sum(p.trust for p in partners) / len(partners))
        self.free_rider = False
        self.partners = partners
        self.shares: dict[int, float] = {}  # partner unique_id -> share of what was brought in (cash and land)
        self.cash_in: dict[int, float] = {}  # partner unique_id -> M€ of capital paid in
        self.land_in: dict[int, float] = {}  # partner unique_id -> M€ of land brought in (inbrengwaarde)
        self.book: dict[int, float] = {}  # plot_id -> the land value it was brought in at
        self.claims: dict[int, Owner] = {}  # plot_id -> the partner that builds it (bouwclaim, or its corporation)
        self.claim_waits: dict[int, int] = {}  # plot_id -> quarters its claimant could not finance it
        self.issued_land = 0.0  # book value of the land issued so far
        self.carries_works = False  # it pays the area's public works (when it is the area's form)
        self.phasing = False
        self.idle_quarters = 0  # consecutive quarters with plots ready and none issued
        self.handed_over: list[Plot] = []  # the plots the municipality took over when it wound up
        self.take_over_prices: dict[int, float] = {}  # plot_id -> what the municipality paid for it
        self.settled = False
        self._forecast = PlotSums(self, self._forecast_terms, 1)
        self._servicing = PlotSums(self, lambda p: (servicing(self.model, p) if p.is_open else 0.0,), 1)
        self._works_key: tuple | None = None
        self._works = 0.0
        self.open_account("GEM")

    # ------------------------------------------------------------ money
    def floor(self) -> float:
        """Lenders finance all but the equity share (``behaviour.gem_equity_share``) of its pre-investment, the
        part it made and the part still to make: its partners' capital carries the rest."""
        m = self.model
        paid = m.ledger.paid_of_kind
        made = paid[(self.account, "servicing_cost")] + paid[(self.account, "public_works")]
        return -(1.0 - m.scenario.behaviour.gem_equity_share) * (made + self._pre_investment())

    def _pre_investment(self) -> float:
        """:func:`pre_investment` of its plots, kept up to date rather than summed afresh: the floor is read at
        every payment, and summing over every plot (and every public work) each time made a run quadratic in
        the plots. The servicing is summed per plot as its plots change; the works it still has to pay change
        only when its plots or the works started change."""
        m = self.model
        if not self.carries_works:
            works = 0.0
        else:
            key = (m.steps, self.plots_acquired, len(self.plot_changes),
                   sum(t.delivery_started is not None for t in m.area.tasks))
            if key != self._works_key:
                self._works_key, self._works = key, works_to_pay(m, self.plots())
            works = self._works
        return self._servicing.sums()[0] + works

    @property
    def payers(self) -> list[Owner]:
        """The partners that pay in cash (a passive owner brings its land only)."""
        return [p for p in self.partners if p is self.model.municipality or p.developing]

    def pay_in(self, amounts: dict[int, float]) -> None:
        """The partners pay capital in (each what it can of its amount: the municipality within its budget,
        without Rijk co-funding); the shares follow what each has brought in, land and cash."""
        m = self.model
        for owner in self.payers:
            call = amounts.get(owner.unique_id, 0.0)
            if owner is m.municipality:
                paid = min(call, max(0.0, owner.budget_left))
                paid = paid if owner.spend(paid, "gem_capital", payee=self.account, cofunded=False) else 0.0
            else:
                paid = m.ledger.pay_up_to(owner.account, self.account, call, "gem_capital")
                m.asks.record(owner, "gem_capital", call, paid)  # who cannot pay all is diluted
            self.cash_in[owner.unique_id] = self.cash_in.get(owner.unique_id, 0.0) + paid
        self.reshare()

    def reshare(self) -> None:
        """Each partner's share: the cash it paid in plus the land value it brought in, over the total."""
        for owner in self.partners:
            self.land_in.setdefault(owner.unique_id, 0.0)
            self.cash_in.setdefault(owner.unique_id, 0.0)
        total = sum(self.cash_in.values()) + sum(self.land_in.values())
        self.shares = {k: (self.cash_in[k] + self.land_in[k]) / total for k in self.cash_in} if total > 0 else \
            {o.unique_id: 1 / len(self.partners) for o in self.partners}

    def ensure_cash(self, amount: float) -> bool:
        """Before an outlay: when its capital and loans fall short, it calls the shortfall from its paying
        partners by their shares (each what it can; who cannot is diluted)."""
        short = amount - self.available
        if short <= 1e-9:
            return True
        payers = self.payers
        weight = sum(self.shares.get(p.unique_id, 0.0) for p in payers)
        if weight <= 0:
            return False
        before = sum(self.cash_in.values())
        self.pay_in({p.unique_id: short * self.shares.get(p.unique_id, 0.0) / weight for p in payers})
        raised = sum(self.cash_in.values()) - before
        self.model.log("agreement", f"GEM calls €{short:.1f} m more capital from its partners by their shares "
                       f"(€{raised:.1f} m paid in)", actor=self.account, amount=raised)
        return self.available >= amount - 1e-9

    def _forecast_terms(self, plot: Plot) -> tuple[float]:
        """A plot's forecast: its price (nobody pays less than nothing) less its servicing."""
        if not plot.is_open:
            return (0.0,)
        return (net_value(self.model, plot, self.claims.get(plot.plot_id), self),)

    def issue_price(self, plot: Plot) -> float:
        """The price it forecasts for a plot now (:func:`plot_price`)."""
        return plot_price(self.model, plot, self.claims.get(plot.plot_id), self)

    def take_over_value(self, plot: Plot) -> float:
        """What one of its plots is worth, unserviced, at the prices it expects over its issue horizon: its
        forecast price less the servicing still to do, never below nothing."""
        with expected_prices(self.model):
            return max(0.0, net_value(self.model, plot, self.claims.get(plot.plot_id), self))

    def expected_remaining(self) -> float:
        """The forecast of the land it holds at the prices it expects over its issue horizon
        (:func:`expected_prices`): net values less book value, less the public works still to pay."""
        m = self.model
        held = [p for p in self.plots() if p.is_open]
        with expected_prices(m):
            value = sum(net_value(m, p, self.claims.get(p.plot_id), self) for p in held)
            works = works_to_pay(m, held) if self.carries_works else 0.0
        return value - sum(self.book.get(p.plot_id, 0.0) for p in held) - works

    def land_result(self) -> float:
        """Its realised land result: everything it received and paid except its partners' capital and
        settlement, less the book value of the land it issued (the land it still holds is at book value)."""
        ledger = self.model.ledger
        inflow = sum(v for (a, b, k), v in ledger.totals.items() if b == self.account and k not in CAPITAL_KINDS)
        outflow = sum(v for (a, b, k), v in ledger.totals.items() if a == self.account and k not in CAPITAL_KINDS)
        return inflow - outflow - self.issued_land

    def forecast_result(self) -> float:
        """Its whole grondexploitatie: the realised result plus the forecast of the land it holds."""
        return self.land_result() + self.forecast_remaining()

    def forecast_remaining(self) -> float:
        """The forecast of the land it holds: forecast prices less servicing and book value, less the public
        works still to pay."""
        held = self.plots()
        open_land = sum(self.book.get(p.plot_id, 0.0) for p in held)
        works = works_to_pay(self.model, held) if self.carries_works else 0.0
        return self._forecast.sums()[0] - open_land - works

    # ------------------------------------------------------------ decisions
    def decide(self, plot: Plot) -> None:
        """A land company does not build: its plots leave it by issue (:meth:`issue_round`)."""

    def finished(self) -> bool:
        return not self.plots()

    def issue_round(self) -> None:
        """Issue the serviced plots whose plan is in force: claims and social plots to their builders, the
        rest by tender, as the whole grondexploitatie allows (see the module's docstring)."""
        m = self.model
        ready = [p for p in self.plots() if p.in_plan and p.status == Status.AGREED]
        if not ready:
            return
        issued = len(ready)
        self._issue_ready(ready)
        issued -= sum(1 for p in ready if p.owner is self)
        self.idle_quarters = 0 if issued else self.idle_quarters + 1
        # reviewed after a stall as long as a developer's (4 × dropout_quarters): it winds up only when its remaining
        # land cannot close at the prices it expects, not because this quarter's market is down
        if self.idle_quarters >= 4 * m.scenario.behaviour.dropout_quarters and self.expected_remaining() < 0:
            self.wind_up()

    def _issue_ready(self, ready: list[Plot]) -> None:
        m = self.model
        result = self.forecast_result()
        phasing = result < 0
        if phasing != self.phasing:
            self.phasing = phasing
            text = ("GEM phases: its grondexploitatie does not close; it issues only plots that cover their land "
                    "and servicing" if phasing else "GEM issues again: its grondexploitatie closes")
            m.log("phasing", f"{text} (forecast result €{result:.1f} m)", actor=self.account, amount=result)
        # its bouwclaims and social plots first: land it tenders must not take a claimant's money before its claim
        for plot in sorted(ready, key=lambda p: p.plot_id not in self.claims):
            price = self.issue_price(plot)
            social = plot.original_owner_type == "corporation"
            if not social and (price <= 0 or (phasing and price < self.book[plot.plot_id] + servicing(m, plot))):
                continue  # no builder pays for it now, or it would deepen a loss: it waits
            holder = self.claims.get(plot.plot_id)
            if holder is not None and holder.dropped_out:
                holder = None
            if social:
                if holder is None:
                    holder = self._other_corporation(plot, price)
                if holder is not None and holder.can_buy(price):
                    self._issue(plot, holder, price, "to its corporation at the social land price")
            elif holder is not None:
                if holder.can_take_on(plot, investment(m, plot) + price):
                    self._issue(plot, holder, price, "under its bouwclaim at its own margin's residual value")
                else:
                    self._claim_waits(plot, holder)
            else:
                self._tender(plot, price)

    def _other_corporation(self, plot: Plot, price: float) -> Owner | None:
        """A social plot whose corporation dropped out goes, at the social land price, to the corporation
        with the most free cash among those that can pay for it (as a corporation short of room hands its
        plot over, ``social.hand_over``); it becomes that corporation's plot."""
        others = [c for c in self.model.owners if c.group == "corporations" and c.developing
                  and not c.dropped_out and c.can_buy(price)]
        if not others:
            return None
        taker = max(others, key=lambda c: (c.free_cash, -c.unique_id))
        self.claims[plot.plot_id] = taker
        return taker

    def _claim_waits(self, plot: Plot, holder: Owner) -> None:
        """A claimant that cannot finance its plot keeps its claim as long as a developer keeps a plot it
        cannot finance the start of (4 × ``behaviour.dropout_quarters``); then the claim lapses and the
        company tenders the plot. The clock runs only while the claimant builds nothing: one that is building
        an earlier plot takes its claims in turn, as its sales free its money (the take-up schedule of a
        bouwclaim agreement)."""
        if any(p.status in BUILDING for p in holder.plots()):
            return
        waited = self.claim_waits[plot.plot_id] = self.claim_waits.get(plot.plot_id, 0) + 1
        if waited >= 4 * self.model.scenario.behaviour.dropout_quarters:
            del self.claims[plot.plot_id]
            self.model.log("plot_issue", f"{holder.name}'s bouwclaim on plot {plot.plot_id} lapses: it could not "
                           f"finance the plot for {waited} quarters; the GEM will tender it", actor=holder.account,
                           plot=plot.plot_id)

    def _tender(self, plot: Plot, reserve: float) -> None:
        """Tender a plot: the highest residual-land-value bid at or above the company's forecast wins."""
        m = self.model
        bidders = land_buyers(m, m.owners)
        outlay = investment(m, plot)
        bids = [(bid, b.unique_id, b) for b, bid in zip(bidders, land_bids(m, plot, bidders))
                if bid >= reserve - 1e-9 and b.can_take_on(plot, outlay + bid)]
        if bids:
            bid, _, winner = max(bids, key=lambda x: (x[0], -x[1]))
            self._issue(plot, winner, bid, f"by tender ({len(bids)} bids, reserve €{reserve:.1f} m)")

    def _issue(self, plot: Plot, taker: Owner, price: float, how: str) -> bool:
        """Service the plot and sell it to its builder; the builder carries the building and sales risk."""
        m = self.model
        cost = servicing(m, plot)
        if not self.ensure_cash(cost):
            return False  # neither its lenders nor its partners finance the servicing now: the plot waits
        if not transfer(m, plot, taker, price, kind="plot_issue", ask=True):
            return False
        m.ledger.transfer(self.account, OUTSIDE, cost, "servicing_cost", force=True)
        self.issued_land += self.book.get(plot.plot_id, 0.0)
        m.log("plot_issue", f"GEM issues serviced plot {plot.plot_id} to {taker.name} {how} for €{price:.1f} m",
              actor=taker.account, plot=plot.plot_id, amount=price)
        return True

    def wind_up(self) -> None:
        """The exit of a stalled company whose remaining land cannot close at the prices it expects: the
        municipality takes that land over at the company's forecast value of it (:meth:`take_over_value`:
        unserviced, net of the servicing still to do), a buy-out of the private partners' stake in it as
        Dutch municipalities did with stalled GEMs; land taken over below its book value is written down,
        and the company settles by its shares, so the partners bear that loss by their shares."""
        m = self.model
        held = self.plots()
        book = sum(self.book.get(p.plot_id, 0.0) for p in held)
        forecast = self.expected_remaining()
        value = 0.0
        for plot in held:
            price = self.take_over_value(plot)
            # the municipality is bound by the wind-up it agreed to: it pays, borrowing beyond its budget if it must
            transfer(m, plot, m.municipality, price, kind="land_sale", force=True)
            self.take_over_prices[plot.plot_id] = price  # the municipality's book value of it
            self.issued_land += self.book.get(plot.plot_id, 0.0)
            plot.serviced = False  # the company services a plot only when it issues it
            value += price
        self.handed_over = held
        writedown = max(0.0, book - value)
        m.log("writedown", f"GEM winds up: nothing issued for {self.idle_quarters} quarters and its remaining "
              f"land forecasts €{forecast:.1f} m at the prices it expects; the municipality takes its {len(held)} "
              f"plots over at their forecast value €{value:.1f} m (brought in at €{book:.1f} m: a write-down of "
              f"€{writedown:.1f} m, borne by the partners by their shares)", actor=self.account, amount=writedown)
        self.settle()

    def settle(self) -> None:
        """Share out the company's result by the partners' shares: its balance if positive; a loss is
        called from the partners as far as they can pay (the municipality from its budget)."""
        m = self.model
        ledger = m.ledger
        result = self.balance
        for partner in self.partners:
            part = self.shares.get(partner.unique_id, 0.0) * result
            if part > 0:
                ledger.transfer(self.account, partner.account, part, "gem_settlement")
            elif part < 0:
                paid = ledger.transfer(partner.account, self.account, -part, "gem_settlement",
                                       force=partner is m.municipality)
                if partner is not m.municipality:
                    m.asks.record(partner, "gem_loss", -part, -part if paid else 0.0)
        self.settled = True
        m.log("agreement", f"GEM settles: €{result:.1f} m to share with its partners (land result "
              f"€{self.land_result():.1f} m)", actor=self.account, amount=result)


@register
class GEM(GovernanceForm):
    name = "gem"
    title = "GEM / PPS (joint land company)"

    def setup(self) -> None:
        self.deal = self.negotiate(self.named("GEM inbreng"), self.scope_owners())
        self.stage = "negotiating"
        self.bound_at_deal: list[Plot] = []  # the partners' plots, bound from the deal until the founding
        self.company: JointCompany | None = None
        self.pool: TenderPool | None = None  # the land a wound-up company handed to the municipality

    def bound_owners(self) -> list[Owner]:
        """A signatory that could not pay in its capital stayed out: once the company is founded, only its
        partners are bound."""
        return self.company.partners if self.company is not None else self.deal.members

    def works_payer(self) -> Owner:
        company = self.company
        if company is not None and company.carries_works and not company.settled:
            return company
        return self.model.municipality

    def step(self) -> None:
        if self.stage == "negotiating":
            if self.deal.done and not self.deal.abandoned:  # a table the review ended founds nothing
                self._capital_call()
        elif self.stage == "running" and self.company is not None and not self.company.settled:
            self.company.issue_round()
            if self.company.handed_over:
                # wound up: the municipality issues the land it took over by its own tender (Didam)
                if self.pool is None:  # (it may hold expropriated land already: acquisition.py)
                    self.pool = TenderPool(self)
                for plot in self.company.handed_over:  # booked in its grondexploitatie at what it paid
                    self.pool.add([plot], book=self.company.take_over_prices[plot.plot_id])
            elif self.company.finished():
                self.company.settle()
        if self.pool is not None:
            self.pool.step()

    def _capital_call(self) -> None:
        """Each partner that pays cash pays in its part of the company's equity: ``behaviour.gem_equity_share`` ×
        the company's pre-investment (servicing its land and the public works it will carry), pro rata to the
        land it brings in; who cannot, cannot join. The municipality brings its land in (NOVEX L1611) and pays
        in cash what its budget allows; a passive owner brings its land only. The builders' construction
        investment is not the company's: they finance it when they take their plots."""
        m = self.model
        members = self.deal.members
        land = {o.unique_id: sum(p.existing_use_value for p in self.scope_plots_of(o)) for o in members}
        payers = [o for o in members if o is m.municipality or o.developing]
        need = pre_investment(m, [p for o in members for p in self.scope_plots_of(o)], m.governance is self)
        equity = m.scenario.behaviour.gem_equity_share * need
        payer_land = sum(land[o.unique_id] for o in payers)
        calls = {o.unique_id: equity * land[o.unique_id] / payer_land if o in payers and payer_land > 0 else 0.0
                 for o in members}
        partners = []
        for owner in members:
            call = calls[owner.unique_id]
            if m.acquisition.refuses(owner):
                # bringing land in is handing it over (for a share): an owner who refuses to sell at any price
                # keeps its land and its current use (model/acquisition.py)
                m.log("agreement", f"{owner.name} refuses to hand its land over; it stays out of the GEM",
                      actor=owner.account)
            elif owner is m.municipality or not owner.developing or owner.free_cash >= call - 1e-9:
                partners.append(owner)
            else:
                owner.unable_quarters += 1
                m.log("agreement", f"{owner.name} is willing but cannot pay in its GEM capital; it stays out",
                      actor=owner.account, amount=call)
                m.asks.record(owner, "gem_capital", call, 0.0)
                m.asks.drop_out(owner, "cannot pay", f"cannot pay in its GEM capital of €{call:.1f} m, it stays "
                                "out of the company")
        self.stage = "founding"
        if not partners:
            self.stage = "failed"
            m.frame_in_force = False
            m.log("agreement", "the GEM fails: no owner can pay in its capital", amount=sum(calls.values()))
            return
        # the partners' land is bound by the deal from now on: it waits for the company and its area plan, not for
        # a procedure of its own (a frame another form set meanwhile, e.g. after a review, is not its owners' route)
        self.bound_at_deal = [p for p in self.scope if p.owner in partners and not p.in_agreement
                              and not m.review.taken_over(p)]
        for plot in self.bound_at_deal:
            plot.in_agreement = True
        company = JointCompany(m, partners)
        m.add_owner(company)
        # it pays the public works when it is the area's form (a deelgebied's GEM leaves them public)
        company.carries_works = m.governance is self
        company.land_in = {o.unique_id: land[o.unique_id] for o in partners}
        company.pay_in(calls)
        cash = company.cash_in
        for owner in partners:
            m.log("agreement", f"{owner.name} brings €{land[owner.unique_id]:.1f} m of land and €{cash[owner.unique_id]:.1f} m "
                  f"of cash into the GEM: a share of {company.shares[owner.unique_id]:.1%}", actor=owner.account,
                  amount=company.shares[owner.unique_id])
        m.log("agreement", f"GEM agreed by {len(partners)} partners after {self.deal.rounds} rounds; company being set up",
              actor=company.account, amount=sum(cash.values()))
        m.municipality.enqueue(self.named("GEM oprichting (company set-up)"), "company", m.scenario.municipality.company_workload,
                               2, lambda: self._found(company))

    def _found(self, company: JointCompany) -> None:
        m = self.model
        # a plot a review released to another form stays that form's, also when the municipality bought it there
        plots = [p for p in self.scope if p.owner in company.partners and not m.review.taken_over(p)]
        # the land each partner actually brings in at founding counts in its share, not the land it held at
        # the deal: a plot sold in between enters with its buyer's share (if a partner) or stays out
        company.land_in = {o.unique_id: 0.0 for o in company.partners}
        for plot in plots:
            company.land_in[plot.owner.unique_id] += plot.existing_use_value
        company.reshare()
        for plot in plots:
            owner = plot.owner
            if owner.developing and owner.group in ("developers", "corporations"):
                # a developer's land comes back to it as a building claim; a corporation's as its social plot
                company.claims[plot.plot_id] = owner
            # brought in at inbrengwaarde (in kind: it counts in the partner's share, not as a payment)
            m.area.set_owner(plot, company)
            company.book[plot.plot_id] = plot.existing_use_value
            plot.land_paid = False
            plot.land_price = plot.existing_use_value
            plot.serviced = True  # the company services it before it issues it
            plot.works_in_price = company.carries_works
        for plot in self.bound_at_deal:
            if plot not in plots:
                plot.in_agreement = False  # bound at the deal, but no longer a partner's: it stays out
        self.company = company
        self.stage = "running"
        m.log("agreement", f"GEM founded with {len(plots)} plots ({len(company.claims)} under building claims)",
              actor=company.account)
        self.sign(plots, contract=True)
        # the area plan works out the company's plots; an owner outside it needs its own procedure
        self.adopt_plan(self.named("bestemmingsplan (area plan)"), plots, m.scenario.municipality.plan_workload)
