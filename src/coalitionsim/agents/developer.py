"""Project developers (projectontwikkelaars): margin at acceptable risk."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .base import Owner, clip01

if TYPE_CHECKING:
    from ..area import Plot
    from ..model import AreaDevelopmentModel
    from ..scenario import DeveloperSpec


class Developer(Owner):
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
        self.committed = 0.0  # equity tied up in plots under construction

    def start_threshold(self, plot: "Plot") -> float:
        b = self.model.scenario.behaviour
        others_went = self.model.started_share() >= b.pioneer_follow_share
        premium = 0.0 if self.timing == "pioneer" or others_went else b.pioneer_risk_premium
        return self.required_margin + premium

    def can_finance(self, plot: "Plot", investment: float) -> bool:
        return self.equity - self.committed >= self.model.scenario.behaviour.equity_share * investment

    def can_take_on(self, plot: "Plot", outlay: float) -> bool:
        """Whether the developer can finance this plot on top of the plots it has not started yet."""
        share = self.model.scenario.behaviour.equity_share
        pipeline = sum(self.model.investment(p) for p in self.plots() if p.is_open)
        return self.equity - self.committed >= share * (pipeline + outlay)

    def commit(self, plot: "Plot", investment: float) -> None:
        self.committed += self.model.scenario.behaviour.equity_share * investment

    def release(self, plot: "Plot", revenue: float, investment: float) -> None:
        self.committed -= self.model.scenario.behaviour.equity_share * investment
        self.equity += max(-self.equity, revenue - investment)

    def update_capacity(self) -> None:
        needed = sum(
            self.model.scenario.behaviour.equity_share * self.model.investment(p)
            for p in self.plots() if p.is_open
        )
        free = self.equity - self.committed
        self.draagkracht = 1.0 if needed <= 0 else clip01(free / needed)
