"""Project developers (projectontwikkelaars): margin at acceptable risk."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..area import Status
from .base import Owner, clip01

READY = (Status.PERMITTED, Status.STALLED)

if TYPE_CHECKING:
    from ..area import Plot
    from ..model import AreaDevelopmentModel
    from ...scenario import DeveloperSpec


class EquityOwner(Owner):
    """An owner that finances starts from equity: a developer, or a joint company (GEM)."""

    equity: float
    committed: float = 0.0  # equity tied up in plots under construction

    @property
    def free_equity(self) -> float:
        return self.equity - self.committed

    def can_finance(self, plot: "Plot", investment: float) -> bool:
        return self.free_equity >= self.model.scenario.behaviour.equity_share * investment

    def commit(self, plot: "Plot", investment: float) -> None:
        self.committed += self.model.scenario.behaviour.equity_share * investment

    def release(self, plot: "Plot", revenue: float, investment: float) -> None:
        self.committed -= self.model.scenario.behaviour.equity_share * investment
        self.equity += self.keep_gain(revenue - investment)

    def keep_gain(self, gain: float) -> float:
        """The part of a completed plot's gain that returns to this owner's equity."""
        return max(-self.equity, gain)

    def update_capacity(self) -> None:
        """draagkracht: free equity against what the plan asks now — the equity for the plots it could
        start and the contributions due on the permits it has applied for."""
        m = self.model
        share = m.scenario.behaviour.equity_share
        needed = sum(share * m.investment(p) for p in self.plots() if p.status in READY) + sum(
            m.contributions.due_at_permit(p, self) for p in self.plots() if p.status == Status.PERMIT_PROCEDURE)
        self.draagkracht = 1.0 if needed <= 0 else clip01(self.free_equity / needed)


class Developer(EquityOwner):
    """A developer with equity, a required margin, a strategy (co-operative or hold-out prone) and a timing
    type (pioneer, or waiter who goes when others go: "als jij gaat dan ga ik ook", NOVEX L1111–1112)."""

    group = "developers"

    def __init__(self, model: "AreaDevelopmentModel", spec: "DeveloperSpec"):
        willing = 0.8 if spec.strategy == "cooperative" else 0.4
        super().__init__(model, spec.name, draagvlak=willing, trust=0.5)
        self.strategy = spec.strategy
        self.timing = spec.timing
        self.equity = spec.equity
        self.required_margin = spec.required_margin
        self.committed = 0.0

    def start_threshold(self, plot: "Plot") -> float:
        b = self.model.scenario.behaviour
        others_went = self.model.started_share() >= b.pioneer_follow_share
        premium = 0.0 if self.timing == "pioneer" or others_went else b.pioneer_risk_premium
        return self.required_margin + premium

    def can_take_on(self, plot: "Plot", outlay: float) -> bool:
        """Whether the developer can finance this plot on top of the plots it has not started yet."""
        share = self.model.scenario.behaviour.equity_share
        pipeline = sum(self.model.investment(p) for p in self.plots() if p.is_open)
        return self.free_equity >= share * (pipeline + outlay)

    def can_sign(self) -> bool:
        return self.free_equity >= self.agreement_burden()
