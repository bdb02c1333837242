"""Housing corporations (woningcorporaties): affordable homes within their investment headroom."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..area import Status
from .base import Owner, clip01

if TYPE_CHECKING:
    from ..area import Plot
    from ..model import AreaDevelopmentModel
    from ...scenario import CorporationSpec


class Corporation(Owner):
    """A corporation builds when its headroom covers the unprofitable top (onrendabele top) of a plot.

    It asks no margin (social mandate, prestatieafspraken) but cannot invest beyond its borrowing room;
    the room grows every quarter from rents.
    """

    group = "corporations"

    def __init__(self, model: "AreaDevelopmentModel", spec: "CorporationSpec"):
        super().__init__(model, spec.name, draagvlak=0.8, trust=0.55)
        self.headroom = spec.headroom
        self.headroom_growth = spec.headroom_growth

    def unprofitable_top(self, plot: "Plot") -> float:
        from ..development import profit

        return max(0.0, -profit(self.model, plot, self, 0.0 if plot.land_paid else None))

    def start_threshold(self, plot: "Plot") -> float:
        return -1.0  # a loss is acceptable as long as the headroom carries it (can_finance)

    def can_finance(self, plot: "Plot", investment: float) -> bool:
        return self.headroom >= self.unprofitable_top(plot)

    def commit(self, plot: "Plot", investment: float) -> None:
        self.headroom -= self.unprofitable_top(plot)

    def can_sign(self) -> bool:
        return self.headroom >= self.agreement_burden()

    def update_capacity(self) -> None:
        """draagkracht: headroom against the unprofitable top of the plots it could start now."""
        self.headroom += self.headroom_growth
        needed = sum(self.unprofitable_top(p) for p in self.plots() if p.status in (Status.PERMITTED, Status.STALLED))
        self.draagkracht = 1.0 if needed <= 0 else clip01(self.headroom / needed)
