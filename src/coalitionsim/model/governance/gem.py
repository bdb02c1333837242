"""GEM / PPS (grondexploitatiemaatschappij): negotiation on inbrengwaarde, then a joint company that owns
the pooled land, carries the risk pro rata (the "financial bathtub", NOVEX L970, L1305–1307) and decides
as one board: it develops a plot when its pooled portfolio clears the margin, so plots cross-subsidise.

Money: the partners pay capital into the company's account (the municipality within its budget); land is
brought in at inbrengwaarde. A partner's share is its cash plus the land value it brought in. The company
pays the construction, the contributions and the interest on its loans, and receives the sales; when its
portfolio is done it settles its result with the partners by their shares, profit or loss.
"""

from __future__ import annotations

from ..agents.base import Owner, PlotSums
from ..development import investment, margin, profit, revenue
from ..verevening import diversification
from .base import GovernanceForm, register


class JointCompany(Owner):
    """The GEM: pooled land, pooled money, one decision rule over the whole portfolio."""

    group = "developers"
    pooled = True

    def __init__(self, model, partners: list[Owner]):
        super().__init__(model, "GEM", draagvlak=0.8, trust=sum(p.trust for p in partners) / len(partners))
        self.free_rider = False
        self.partners = partners
        self.shares: dict[int, float] = {}  # partner unique_id -> share of what was brought in (cash and land)
        self.cash_in: dict[int, float] = {}  # partner unique_id -> M€ of capital paid in
        self.land_in: dict[int, float] = {}  # partner unique_id -> M€ of land brought in (inbrengwaarde)
        margins = [p.required_margin for p in partners if hasattr(p, "required_margin")]
        self.required_margin = sum(margins) / len(margins) if margins else 0.06
        self.settled = False
        self._pooled = PlotSums(self, self._pooled_terms, 2)
        self.open_account("GEM")

    def decision_margin(self, plot) -> float:
        """A plot goes ahead on its own margin or, if that falls short, on the pooled margin of all plots
        still to develop: the pool lets weak plots ride on strong ones (verevening inside the company)."""
        return max(self.pooled_margin(), margin(self.model, plot, self))

    def pooled_margin(self) -> float:
        """Profit over revenue of all its open plots (kept per plot: a start changes one plot's terms)."""
        profit_sum, revenue_sum = self._pooled.sums()
        return profit_sum / revenue_sum if revenue_sum > 0 else -1.0

    def _pooled_terms(self, plot) -> tuple[float, float]:
        if not plot.is_open:
            return 0.0, 0.0
        return profit(self.model, plot, self), revenue(self.model, plot)

    def start_threshold(self, plot) -> float:
        """Its partners' required margin, less what sharing the risk of all its plots takes off."""
        return self.required_margin - diversification(self.model, len(self.plots()))

    def finished(self) -> bool:
        return not any(p.is_open or p.loan > 0 for p in self.plots())

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
        m.log("agreement", f"GEM settles its result of €{result:.1f} m with its partners by their shares",
              actor=self.account, amount=result)


@register
class GEM(GovernanceForm):
    name = "gem"
    title = "GEM / PPS (joint development company)"

    def setup(self) -> None:
        self.deal = self.negotiate(self.named("GEM inbreng"), self.scope_owners())
        self.stage = "negotiating"
        self.company: JointCompany | None = None

    def step(self) -> None:
        if self.stage == "negotiating":
            if self.deal.done:
                self._capital_call()
        elif self.stage == "running" and self.company is not None and not self.company.settled \
                and self.company.finished():
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
        for plot in plots:
            # brought in at inbrengwaarde (in kind: it counts in the partner's share, not as a payment)
            m.area.set_owner(plot, company)
            plot.land_paid = False
            plot.land_price = plot.existing_use_value  # what lenders finance against
        self.company = company
        self.stage = "running"
        m.log("agreement", f"GEM founded with {len(plots)} plots", actor=company.account)
        self.sign(plots, contract=True)
        # the area plan works out the company's plots; an owner outside it needs its own procedure
        self.adopt_plan(self.named("bestemmingsplan (area plan)"), plots, m.scenario.municipality.plan_workload)
