"""What every actor has: draagvlak (willing), draagkracht (able) and trust; what every owner has on top."""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa

if TYPE_CHECKING:
    from ..area import Plot
    from ..model import AreaDevelopmentModel


def clip01(x: float) -> float:
    return 0.0 if x < 0 else 1.0 if x > 1 else x


class Actor(mesa.Agent):
    """An agent with support (draagvlak, 0..1), capacity (draagkracht, 0..1; 1 = can carry its part) and trust."""

    group: str = "actor"  # metric group: municipality, developers, corporations, residents, rijk

    model: "AreaDevelopmentModel"

    def __init__(self, model: "AreaDevelopmentModel", name: str, draagvlak: float, trust: float):
        super().__init__(model)
        self.name = name
        self.draagvlak = clip01(draagvlak)
        self.draagkracht = 1.0
        self.trust = clip01(trust)
        self.unable_quarters = 0  # consecutive quarters willing but unable
        self.dropped_out = False

    @property
    def willing(self) -> bool:
        return self.draagvlak >= self.model.scenario.behaviour.willing_threshold

    @property
    def willing_unable(self) -> bool:
        return not self.dropped_out and self.willing and self.draagkracht < 1.0

    @property
    def failing(self) -> bool:
        """Willing, but failing what is asked of it this quarter (what drives drop-out)."""
        return self.willing_unable

    def gain_trust(self, times: float = 1.0) -> None:
        self.trust = clip01(self.trust + self.model.scenario.behaviour.trust_gain * times)

    def lose_trust(self, times: float = 1.0) -> None:
        self.trust = clip01(self.trust - self.model.scenario.behaviour.trust_loss * times)

    def update_capacity(self) -> None:
        """Recompute draagkracht from the actor's resources; subclasses define it."""


class Owner(Actor):
    """A land owner: holds plots, decides on them, and contributes to area tasks.

    Voluntary contributions follow conditional co-operation (Fischbacher, Gächter & Fehr 2001): a
    conditional co-operator gives in proportion to what it believes the others give; a free rider gives
    nothing. Which type an owner is, is drawn once from ``behaviour.free_rider_share``.
    """

    developing = True  # non-developing owners (passive) never build themselves
    strategy = "cooperative"

    def __init__(self, model: "AreaDevelopmentModel", name: str, draagvlak: float, trust: float):
        super().__init__(model, name, draagvlak, trust)
        self.free_rider = False  # the model assigns exactly round(free_rider_share x owners) free riders
        self.belief = draagvlak  # expected contribution rate of the others
        self.cash = 0.0  # M€ available for contributions and equity

    @property
    def holdout(self) -> bool:
        return self.strategy == "holdout"

    def voluntary_rate(self) -> float:
        """Share of the voluntary fair share asked that this owner is willing to pay now."""
        if self.free_rider or self.dropped_out:
            return 0.0
        b = self.model.scenario.behaviour
        return clip01(b.conditional_slope * self.belief + 0.2 * (self.trust - 0.5))

    def observe_contributions(self, others_rate: float) -> None:
        self.belief = 0.6 * self.belief + 0.4 * others_rate

    def plots(self) -> list["Plot"]:
        return self.model.area.plots_of(self)

    def can_finance(self, plot: "Plot", investment: float) -> bool:
        """Whether the owner can put up the equity a start needs."""
        return True

    def can_sign(self) -> bool:
        """Whether the owner can carry what an agreement asks of it: the fair share of the area tasks on
        its plots (dubbel toetsen's question "kan het?" next to "wil het?")."""
        return True

    def agreement_burden(self) -> float:
        """The guarantee an agreement asks: the equity share of the fair share of the one-off area tasks
        on the owner's open plots (paid later, at permit, but guaranteed at signing)."""
        c = self.model.contributions
        share = self.model.scenario.behaviour.equity_share
        return share * sum(c.one_off_fair_share(p) for p in self.plots() if p.is_open)

    def commit(self, plot: "Plot", investment: float) -> None:
        """Book the resources a start uses."""

    def release(self, plot: "Plot", revenue: float, investment: float) -> None:
        """Book the proceeds when a plot completes."""

    def decision_margin(self, plot: "Plot") -> float:
        """The margin the owner decides on: its own plot's (a joint company pools its plots)."""
        from ..development import margin

        return margin(self.model, plot, self)

    def start_threshold(self, plot: "Plot") -> float:
        """Minimum margin (profit / revenue) at which the owner starts building."""
        return 0.0

    def decide(self, plot: "Plot") -> None:
        """Step 4 of the process: start, continue, pause or withdraw; see :mod:`coalitionsim.development`."""
        from ..development import decide_plot

        decide_plot(self.model, self, plot)
