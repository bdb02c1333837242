"""GEM / PPS (grondexploitatiemaatschappij): negotiation on inbrengwaarde, then a joint company that owns
the pooled land, carries the risk pro rata (the "financial bathtub", NOVEX L970, L1305–1307) and decides
as one board: it develops a plot when its pooled portfolio clears the margin, so plots cross-subsidise."""

from __future__ import annotations

from ..agents.base import Owner
from ..agents.developer import EquityOwner
from ..development import investment, margin, profit, revenue
from ..land import transfer
from .base import GovernanceForm, register


class JointCompany(EquityOwner):
    """The GEM: pooled land, pooled equity, one decision rule over the whole portfolio."""

    group = "developers"
    pooled = True

    def __init__(self, model, partners: list[Owner], equity: float, shares: dict[int, float] | None = None):
        super().__init__(model, "GEM", draagvlak=0.8, trust=sum(p.trust for p in partners) / len(partners))
        self.free_rider = False
        self.partners = partners
        self.shares = shares or {}  # partner unique_id -> share of the paid-in capital
        self.equity = equity
        self.committed = 0.0
        margins = [p.required_margin for p in partners if hasattr(p, "required_margin")]
        self.required_margin = sum(margins) / len(margins) if margins else 0.06

    def decision_margin(self, plot) -> float:
        """A plot goes ahead on its own margin or, if that falls short, on the pooled margin of all plots
        still to develop: the pool lets weak plots ride on strong ones (verevening inside the company)."""
        open_plots = [p for p in self.plots() if p.is_open]
        rev = sum(revenue(self.model, p) for p in open_plots)
        pooled = sum(profit(self.model, p, self) for p in open_plots) / rev if rev > 0 else -1.0
        return max(pooled, margin(self.model, plot, self))

    def start_threshold(self, plot) -> float:
        return self.required_margin

    def keep_gain(self, gain: float) -> float:
        """Proceeds flow back into the pool; the municipality's share of the profit goes to the public purse."""
        m = self.model.municipality
        public = self.shares.get(m.unique_id, 0.0) * max(0.0, gain)
        if public:
            m.receive(public)
        return gain - public


@register
class GEM(GovernanceForm):
    name = "gem"
    title = "GEM / PPS (joint development company)"

    def setup(self) -> None:
        m = self.model
        owners = [o for o in m.owners if m.area.plots_of(o)]
        self.deal = self.negotiate("GEM inbreng", owners)
        self.stage = "negotiating"
        self.company: JointCompany | None = None

    def step(self) -> None:
        if self.stage == "negotiating":
            self.deal.step()
            if self.deal.done:
                self._capital_call()

    def _capital_call(self) -> None:
        """Each partner pays in capital pro rata to the investment on its land; who cannot, cannot join."""
        m = self.model
        b = m.scenario.behaviour
        partners, capital, paid = [], 0.0, {}
        for owner in self.deal.members:
            call = b.gem_equity_share * sum(investment(m, p) for p in m.area.plots_of(owner))
            if owner is m.municipality:
                # the municipality brings its land in (NOVEX L1611) and pays in cash what its budget allows
                cash = min(call, max(0.0, m.municipality.budget_left))
                if cash > 0:
                    m.municipality.spend(cash, "capital")
                partners.append(owner)
                capital += cash
                paid[owner.unique_id] = cash
                continue
            free = getattr(owner, "equity", getattr(owner, "headroom", getattr(owner, "cash", 0.0)))
            if free >= call or not owner.developing:
                for attr in ("equity", "headroom", "cash"):
                    if hasattr(owner, attr) and owner.developing:
                        setattr(owner, attr, getattr(owner, attr) - call)
                        break
                partners.append(owner)
                capital += call if owner.developing else 0.0
                paid[owner.unique_id] = call if owner.developing else 0.0
            else:
                owner.unable_quarters += 1
                m.log("agreement", f"{owner.name} is willing but cannot pay in its GEM capital; it stays out")
        self.stage = "founding"
        m.log("agreement", f"GEM agreed by {len(partners)} partners after {self.deal.rounds} rounds; company being set up")
        m.municipality.enqueue("GEM oprichting (company set-up)", "company", m.scenario.municipality.company_workload,
                               2, lambda: self._found(partners, capital, paid))

    def _found(self, partners: list[Owner], capital: float, paid: dict[int, float]) -> None:
        m = self.model
        shares = {k: v / capital for k, v in paid.items()} if capital > 0 else {}
        company = JointCompany(m, partners, capital, shares)
        m.add_owner(company)
        plots = [p for p in m.area.plots if p.owner in partners]
        for plot in plots:
            transfer(m, plot, company, 0.0)  # brought in at inbrengwaarde, settled inside the company
            plot.land_paid = False
        self.company = company
        self.stage = "running"
        self.sign(plots, contract=True)
        self.adopt_plan("bestemmingsplan (area plan)", list(m.area.plots), m.scenario.municipality.plan_workload)
