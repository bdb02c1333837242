"""Project developers (projectontwikkelaars): margin at acceptable risk."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .base import Owner

if TYPE_CHECKING:
    from ...scenario import DeveloperSpec
    from ..area import Plot
    from ..model import AreaDevelopmentModel


class Developer(Owner):
    """A developer with equity, a required margin, a strategy (co-operative or hold-out prone) and a timing
    type (pioneer, or waiter who goes when others go: "als jij gaat dan ga ik ook", NOVEX L1111–1112).
    Its equity is the opening balance of its account; everything it pays and earns runs through it."""

    group = "developers"
    reads_pipeline = True  # can_take_on: a plot on top of the plots it has not started

    def __init__(self, model: "AreaDevelopmentModel", spec: "DeveloperSpec"):
        willing = 0.8 if spec.strategy == "cooperative" else 0.4
        super().__init__(model, spec.name, draagvlak=willing, trust=0.5)
        self.strategy = spec.strategy
        self.timing = spec.timing
        self.required_margin = spec.required_margin
        self.weight = spec.weight
        self.open_account(f"developer {spec.name}", opening=spec.equity)

    def start_threshold(self, plot: "Plot") -> float:
        """The margin this developer requires to start ``plot``: its own, plus the pioneer premium while few
        have gone. The same inside a deal and outside it: a deal shares risk by the money it moves
        (verevening, the GEM's result, guarantees), not by a discount on the hurdle (issue 25)."""
        b = self.model.scenario.behaviour
        others_went = self.model.started_share() >= b.pioneer_follow_share
        premium = 0.0 if self.timing == "pioneer" or others_went else b.pioneer_risk_premium
        return self.required_margin + premium

    def can_take_on(self, plot: "Plot", outlay: float) -> bool:
        """Whether the developer can finance this plot (land and start) on top of the plots it has not
        started yet."""
        share = self.model.scenario.behaviour.equity_share
        return self.free_cash >= share * (self.pipeline + outlay) - 1e-9
