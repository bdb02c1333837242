"""Business case and development decisions (process steps 4 and 5).

The business case is a residual one: revenue from the programme (social rent lowers it) and value uplift
from delivered area tasks, minus construction cost, the contributions due at permit, financing and the
land's opportunity cost (inbrengwaarde). An owner applies for a permit when the margin clears its
threshold, starts when it also can finance the start and the market can absorb the homes, pauses when the
margin falls, and withdraws when it falls far (NOVEX L1140–1150) or when it stays unable to finance.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .area import Plot, Status

if TYPE_CHECKING:
    from .agents.base import Owner
    from .model import AreaDevelopmentModel

def revenue(model: "AreaDevelopmentModel", plot: Plot) -> float:
    market = model.market
    homes = sum(n * market.home_value(seg) for seg, n in plot.segment_homes.items())
    nonres = plot.nonres_m2 * market.spec.nonres_value_per_m2 * market.price_index
    return (homes + nonres) * (1 + model.area.uplift(plot))


def investment(model: "AreaDevelopmentModel", plot: Plot) -> float:
    return plot.homes * model.market.build_cost + plot.nonres_m2 * model.market.spec.nonres_build_cost_per_m2 * model.market.cost_index


def profit(model: "AreaDevelopmentModel", plot: Plot, owner: "Owner", land_cost: float | None = None) -> float:
    """Revenue minus cost, contributions still due, financing and the land's opportunity cost."""
    inv = investment(model, plot)
    cost = inv + model.contributions.due_at_permit(plot, owner) + model.market.financing_cost(
        inv, model.scenario.instruments.construction_quarters)
    land = plot.existing_use_value if land_cost is None else land_cost
    return revenue(model, plot) - cost - land


def margin(model: "AreaDevelopmentModel", plot: Plot, owner: "Owner") -> float:
    rev = revenue(model, plot)
    land_cost = 0.0 if plot.land_paid else None  # a bought plot's price is sunk
    return profit(model, plot, owner, land_cost) / rev if rev > 0 else -1.0


def land_bid(model: "AreaDevelopmentModel", plot: Plot, bidder: "Owner") -> float:
    """The most a developer can pay for a plot and still make its required margin (residual land value)."""
    rev = revenue(model, plot)
    return profit(model, plot, bidder, land_cost=0.0) - bidder.start_threshold(plot) * rev


def market_value(model: "AreaDevelopmentModel", plot: Plot) -> float:
    """What an undeveloped plot is worth now: its residual land value to a developer asking the
    scenario developers' mean required margin, and never less than its existing-use value."""
    specs = model.scenario.ownership.developers
    required = sum(d.required_margin for d in specs) / len(specs) if specs else 0.08
    rev = revenue(model, plot)
    inv = investment(model, plot)
    cost = inv + model.market.financing_cost(inv, model.scenario.instruments.construction_quarters)
    return max(plot.existing_use_value, rev - cost - required * rev)


def decide_plot(model: "AreaDevelopmentModel", owner: "Owner", plot: Plot) -> None:
    """Step 4 for one plot: apply for a permit, start, pause or withdraw."""
    if not owner.developing or owner.dropped_out:
        return
    b = model.scenario.behaviour
    m = owner.decision_margin(plot)
    threshold = owner.start_threshold(plot)
    if plot.status == Status.AGREED:
        bound = plot.build_obligation
        if m >= threshold - 0.03 or bound:
            model.apply_for_permit(plot)
    elif plot.status in (Status.PERMITTED, Status.STALLED):
        inv = investment(model, plot)
        # nobody starts in a sub-area whose access (gate) is not yet funded: the homes could not be delivered
        go = (m >= threshold or (plot.build_obligation and m >= 0)) and model.area.gate_secured(plot.subarea)
        if go and owner.can_finance(plot, inv) and model.absorb(plot):
            model.start_construction(plot, inv)
            return
        if plot.status == Status.PERMITTED and not go:
            plot.status = Status.STALLED
        plot.stalled_quarters += 1
        if m < b.withdraw_margin and plot.stalled_quarters >= 8 and not plot.build_obligation:
            model.withdraw(plot, "headwind: margin below the withdrawal line")
        elif go and not owner.can_finance(plot, inv) and plot.stalled_quarters >= 4 * b.dropout_quarters:
            model.withdraw(plot, "cannot finance the start (draagkracht)")
