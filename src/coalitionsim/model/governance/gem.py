"""GEM / PPS (grondexploitatiemaatschappij): negotiation on inbrengwaarde, then a joint land company that owns
the pooled land and carries the land risk pro rata (the "financial bathtub", NOVEX L970, L1305–1307). It
does not build: it services its land, pays the public works and issues serviced plots (design section 4).

Money: the partners pay capital into the company's account (the municipality within its budget); land is
brought in at inbrengwaarde. A partner's share is its cash plus the land value it brought in. The company
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
"""

from __future__ import annotations

from ..agents.base import Owner, PlotSums
from ..area import Plot, Status
from ..development import investment, land_bids, profit, revenue, servicing
from ..land import land_buyers, transfer
from ..ledger import OUTSIDE
from .base import GovernanceForm, register

#: what a land company earns or pays that is not its result: what its partners put in and take out
CAPITAL_KINDS = ("gem_capital", "gem_settlement", "opening_balance")


def mean_required_margin(model) -> float:
    """The margin the market's builders ask, on average (the scenario's developers)."""
    specs = model.scenario.ownership.developers
    return sum(d.required_margin for d in specs) / len(specs) if specs else 0.08


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
        self.settled = False
        self._forecast = PlotSums(self, self._forecast_terms, 2)
        self.open_account("GEM")

    # ------------------------------------------------------------ money
    def floor(self) -> float:
        """Lenders finance the loan share of its land's forecast value net of servicing (the grondexploitatie's
        book value): its capital covers the rest."""
        return -(1.0 - self.model.scenario.behaviour.equity_share) * self._forecast.sums()[0]

    def _forecast_terms(self, plot: Plot) -> tuple[float, float]:
        if not plot.is_open:
            return 0.0, 0.0
        cost = servicing(self.model, plot)
        price = self.issue_price(plot)
        return max(0.0, price - cost), max(0.0, price) - cost

    def issue_price(self, plot: Plot) -> float:
        """The price it forecasts for a plot now: the social land price for a corporation's plot; otherwise
        the residual land value of the serviced plot at its claimant's own required margin, or at the
        market's (the scenario developers' mean) for a plot it tenders."""
        m = self.model
        if plot.original_owner_type == "corporation":
            return m.scenario.municipality.social_land_price * plot.homes
        holder = self.claims.get(plot.plot_id)
        required = getattr(holder, "required_margin", None)
        if required is None:
            required = mean_required_margin(m)
        return profit(m, plot, self, land_cost=0.0) - required * revenue(m, plot)

    def land_result(self) -> float:
        """Its realised land result: everything it received and paid except its partners' capital and
        settlement, less the book value of the land it issued (the land it still holds is at book value)."""
        ledger = self.model.ledger
        inflow = sum(v for (a, b, k), v in ledger.totals.items() if b == self.account and k not in CAPITAL_KINDS)
        outflow = sum(v for (a, b, k), v in ledger.totals.items() if a == self.account and k not in CAPITAL_KINDS)
        return inflow - outflow - self.issued_land

    def forecast_result(self) -> float:
        """Its whole grondexploitatie: the realised result plus, for the land it holds, the forecast prices
        less servicing and book value, less the public works still to pay."""
        m = self.model
        open_land = sum(self.book.get(p.plot_id, 0.0) for p in self.plots())
        works = 0.0
        if self.carries_works:
            held = self.plots()
            works = sum(t.spec.cost for t in m.area.tasks if t.spec.kind == "public_works" and not t.spec.recurring
                        and t.delivery_started is None and any(t.benefits(p) for p in held))
        return self.land_result() + self._forecast.sums()[1] - open_land - works

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
        result = self.forecast_result()
        phasing = result < 0
        if phasing != self.phasing:
            self.phasing = phasing
            text = ("GEM phases: its grondexploitatie does not close; it issues only plots that cover their land "
                    "and servicing" if phasing else "GEM issues again: its grondexploitatie closes")
            m.log("phasing", f"{text} (forecast result €{result:.1f} m)", actor=self.account, amount=result)
        for plot in ready:
            price = self.issue_price(plot)
            social = plot.original_owner_type == "corporation"
            if not social and (price <= 0 or (phasing and price < self.book[plot.plot_id] + servicing(m, plot))):
                continue  # no builder pays for it now, or it would deepen a loss: it waits
            holder = self.claims.get(plot.plot_id)
            if holder is not None and holder.dropped_out:
                holder = None
            if social:
                if holder is not None and holder.can_buy(price):
                    self._issue(plot, holder, price, "to its corporation at the social land price")
            elif holder is not None:
                if holder.can_take_on(plot, investment(m, plot) + price):
                    self._issue(plot, holder, price, "under its bouwclaim at its own margin's residual value")
                else:
                    self._claim_waits(plot, holder)
            else:
                self._tender(plot, price)

    def _claim_waits(self, plot: Plot, holder: Owner) -> None:
        """A claimant that cannot finance its plot keeps its claim as long as a developer keeps a plot it
        cannot finance the start of (4 × ``behaviour.dropout_quarters``); then the claim lapses and the
        company tenders the plot."""
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
        if self.available < cost - 1e-9:
            return False  # its lenders will not finance the servicing now: the plot waits
        if not transfer(m, plot, taker, price, kind="plot_issue"):
            return False
        m.ledger.transfer(self.account, OUTSIDE, cost, "servicing_cost", force=True)
        self.issued_land += self.book.get(plot.plot_id, 0.0)
        m.log("plot_issue", f"GEM issues serviced plot {plot.plot_id} to {taker.name} {how} for €{price:.1f} m",
              actor=taker.account, plot=plot.plot_id, amount=price)
        return True

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
                ledger.transfer(partner.account, self.account, -part, "gem_settlement",
                                force=partner is m.municipality)
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
        self.company: JointCompany | None = None

    def works_payer(self) -> Owner:
        company = self.company
        if company is not None and company.carries_works and not company.settled:
            return company
        return self.model.municipality

    def step(self) -> None:
        if self.stage == "negotiating":
            if self.deal.done:
                self._capital_call()
        elif self.stage == "running" and self.company is not None and not self.company.settled:
            self.company.issue_round()
            if self.company.finished():
                self.company.settle()

    def _capital_call(self) -> None:
        """Each partner pays in capital pro rata to the investment on its land; who cannot, cannot join. The
        municipality brings its land in (NOVEX L1611) and pays in cash what its budget allows."""
        m = self.model
        b = m.scenario.behaviour
        calls = {o.unique_id: b.gem_equity_share * sum(investment(m, p) for p in self.scope_plots_of(o))
                 for o in self.deal.members}
        partners = []
        for owner in self.deal.members:
            call = calls[owner.unique_id]
            if owner is m.municipality or not owner.developing or owner.free_cash >= call - 1e-9:
                partners.append(owner)
            else:
                owner.unable_quarters += 1
                m.log("agreement", f"{owner.name} is willing but cannot pay in its GEM capital; it stays out",
                      actor=owner.account, amount=call)
        self.stage = "founding"
        if not partners:
            self.stage = "failed"
            m.frame_in_force = False
            m.log("agreement", "the GEM fails: no owner can pay in its capital", amount=sum(calls.values()))
            return
        company = JointCompany(m, partners)
        m.add_owner(company)
        cash: dict[int, float] = {}
        for owner in partners:
            call = calls[owner.unique_id]
            if owner is m.municipality:
                paid = min(call, max(0.0, m.municipality.budget_left))
                if not m.municipality.spend(paid, "gem_capital", payee=company.account, cofunded=False):
                    paid = 0.0
            elif owner.developing:
                paid = call if m.ledger.transfer(owner.account, company.account, call, "gem_capital") else 0.0
            else:
                paid = 0.0  # a non-developing owner brings its land only
            cash[owner.unique_id] = paid
        land = {o.unique_id: sum(p.existing_use_value for p in self.scope_plots_of(o)) for o in partners}
        total = sum(cash.values()) + sum(land.values())
        company.shares = {k: (cash[k] + land[k]) / total for k in cash} if total > 0 else \
            {o.unique_id: 1 / len(partners) for o in partners}
        company.cash_in, company.land_in = cash, land
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
        plots = [p for p in self.scope if p.owner in company.partners]
        # the company pays the public works when it is the area's form (a deelgebied's GEM leaves them public)
        company.carries_works = m.governance is self
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
        self.company = company
        self.stage = "running"
        m.log("agreement", f"GEM founded with {len(plots)} plots ({len(company.claims)} under building claims)",
              actor=company.account)
        self.sign(plots, contract=True)
        # the area plan works out the company's plots; an owner outside it needs its own procedure
        self.adopt_plan(self.named("bestemmingsplan (area plan)"), plots, m.scenario.municipality.plan_workload)
