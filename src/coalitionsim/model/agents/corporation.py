"""Housing corporations (woningcorporaties): affordable homes within their investment room, by their own
rules: the programme of their prestatieafspraken, never a developer's margin."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..ledger import OUTSIDE
from .base import Owner

if TYPE_CHECKING:
    from ...scenario import CorporationSpec
    from ..area import Plot
    from ..model import AreaDevelopmentModel


class Corporation(Owner):
    """A corporation builds when its investment room covers the unprofitable top (onrendabele top) of a plot.

    It asks no margin (social mandate, prestatieafspraken). Lenders (with the WSW guarantee) finance a start
    up to its value after the unprofitable top, so the top itself must come from the corporation's own
    room: its account opens with ``headroom`` and grows every quarter by ``headroom_growth`` from the rents
    of its existing portfolio. At completion it lets the social homes (their capitalised rental value,
    ``rent_revenue``) and sells the rest.
    """

    group = "corporations"

    def __init__(self, model: "AreaDevelopmentModel", spec: "CorporationSpec"):
        super().__init__(model, spec.name, draagvlak=0.8, trust=0.55)
        self.headroom_growth = spec.headroom_growth
        self.weight = spec.weight
        self.short_of_room: dict[int, int] = {}  # plot_id -> quarters it waited for investment room
        self.open_account(f"corporation {spec.name}", opening=spec.headroom)

    def unprofitable_top(self, plot: "Plot", sunk_land: bool | None = None) -> float:
        """What starting the plot takes from its own room (the loss over its life, land not yet paid
        included; ``sunk_land`` asks it as if its land were paid)."""
        from ..development import profit

        sunk = plot.land_paid if sunk_land is None else sunk_land
        return max(0.0, -profit(self.model, plot, self, 0.0 if sunk else None))

    def decide(self, plot: "Plot") -> None:
        """Step 4 by its own rules (:func:`coalitionsim.model.social.decide_social_plot`), not a developer's."""
        from ..social import decide_social_plot

        decide_social_plot(self.model, self, plot)

    def room_for(self, plot: "Plot", price: float) -> bool:
        """Whether it can take the plot at ``price`` and start it now from its room."""
        return not self.dropped_out and self.free_cash >= price + self.unprofitable_top(plot, sunk_land=True) - 1e-9

    def start_threshold(self, plot: "Plot") -> float:
        return -1.0  # a loss is acceptable as long as its room carries it (can_finance)

    def project_loan(self, plot: "Plot", investment: float) -> float:
        return max(0.0, investment - self.unprofitable_top(plot))

    def release(self, plot: "Plot", revenue: float) -> None:
        m = self.model
        homes = plot.segment_homes
        social = homes["social"] * m.market.home_value("social") * (1 + m.area.uplift(plot))
        rent = min(revenue, social)
        m.ledger.transfer(OUTSIDE, self.account, rent, "rent_revenue")
        m.ledger.transfer(OUTSIDE, self.account, revenue - rent, "sales_revenue")
        plot.loan = 0.0

    def update_capacity(self) -> None:
        """Rents come in; draagkracht: free room against the unprofitable top of the plots it could start."""
        self.model.ledger.transfer(OUTSIDE, self.account, self.headroom_growth, "rent")
        super().update_capacity()
