"""Business case and development decisions (process steps 4 and 5).

The business case is a residual one: revenue from the programme (social rent lowers it) and value uplift
from delivered area tasks, minus construction cost, the contributions due at permit, financing and the
land's opportunity cost (inbrengwaarde). An owner applies for a permit when the margin clears its
threshold and it expects enough of its market homes sold in advance by the time the permit comes
(voorverkoop), starts when it also has them sold and can finance the start, pauses when the margin falls,
and withdraws when it falls far (NOVEX L1140–1150) or when it stays unable to finance.
"""

from __future__ import annotations

import math
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


def construction_quarters(scenario, plot: Plot) -> int:
    """Quarters from the start of construction to completion: ``instruments.construction_quarters`` when
    set, otherwise ceil(base + homes / pace) of the plot's building type (``construction.<type>``, set per
    sub-area): a larger plot takes longer, stacked and high-rise homes longer than ground-bound ones."""
    fixed = scenario.instruments.construction_quarters
    if fixed is not None:
        return fixed
    kind = next(s.building_type for s in scenario.subareas if s.name == plot.subarea)
    spec = getattr(scenario.construction, kind)
    return max(1, math.ceil(spec.base_quarters + plot.homes / spec.homes_per_quarter - 1e-9))


def investment(model: "AreaDevelopmentModel", plot: Plot) -> float:
    return plot.homes * model.market.build_cost + plot.nonres_m2 * model.market.spec.nonres_build_cost_per_m2 * model.market.cost_index


def profit(model: "AreaDevelopmentModel", plot: Plot, owner: "Owner", land_cost: float | None = None) -> float:
    """Revenue minus cost, contributions still due, financing and the land's opportunity cost."""
    inv = investment(model, plot)
    cost = inv + model.contributions.due_at_permit(plot, owner) + model.market.financing_cost(
        inv, model.construction_quarters(plot))
    land = plot.existing_use_value if land_cost is None else land_cost
    return revenue(model, plot) - cost - land


def margin(model: "AreaDevelopmentModel", plot: Plot, owner: "Owner") -> float:
    rev = revenue(model, plot)
    land_cost = 0.0 if plot.land_paid else None  # a bought plot's price is sunk
    return profit(model, plot, owner, land_cost) / rev if rev > 0 else -1.0


def land_bid(model: "AreaDevelopmentModel", plot: Plot, bidder: "Owner") -> float:
    """The most a developer can pay for a plot and still make its required margin (residual land value)."""
    return land_bids(model, plot, [bidder])[0]


def land_bids(model: "AreaDevelopmentModel", plot: Plot, bidders: list["Owner"]) -> list[float]:
    """``land_bid`` of one plot for each bidder, with the plot's revenue and profit worked out once: a
    tender's award weighs every bidder, and the business case differs between bidders only in their
    required margin (and, through the contributions due at permit, in whether they develop)."""
    rev = revenue(model, plot)
    profits: dict[bool, float] = {}
    bids = []
    for bidder in bidders:
        if bidder.developing not in profits:
            profits[bidder.developing] = profit(model, plot, bidder, land_cost=0.0)
        bids.append(profits[bidder.developing] - bidder.start_threshold(plot) * rev)
    return bids


def market_value(model: "AreaDevelopmentModel", plot: Plot) -> float:
    """What an undeveloped plot is worth now: its residual land value to a developer asking the
    scenario developers' mean required margin, and never less than its existing-use value."""
    specs = model.scenario.ownership.developers
    required = sum(d.required_margin for d in specs) / len(specs) if specs else 0.08
    rev = revenue(model, plot)
    inv = investment(model, plot)
    cost = inv + model.market.financing_cost(inv, model.construction_quarters(plot))
    return max(plot.existing_use_value, rev - cost - required * rev)


def decide_plot(model: "AreaDevelopmentModel", owner: "Owner", plot: Plot) -> None:
    """Step 4 for one plot: ask for its own procedure, apply for a permit, start, pause, sell or withdraw."""
    if not owner.developing or owner.dropped_out or plot.for_sale:
        return
    b = model.scenario.behaviour
    m = owner.decision_margin(plot)
    threshold = owner.start_threshold(plot)
    if plot.status == Status.HELD:
        # outside a contract a plot has no right to build: under the frame its owner asks for one
        if model.frame_in_force and not plot.in_plan and not plot.in_agreement and m >= threshold - 0.03:
            model.apply_for_initiative(plot)
    elif plot.status == Status.AGREED:
        # an owner markets its homes when its case is near, and a bound plot must go anyway
        plot.marketing = m >= threshold - 0.03 or plot.build_obligation
        # it asks for its permit when it expects its presales to be in by the time the permit is (a plot
        # without buyers waits before its permit, not after it); a bound plot's deadline runs from its award
        if plot.build_obligation or (plot.marketing and presales_expected(model, plot)):
            model.apply_for_permit(plot)
    elif plot.status in (Status.PERMITTED, Status.STALLED):
        plot.marketing = m >= threshold - 0.03 or plot.build_obligation
        inv = investment(model, plot)
        # nobody starts in a sub-area whose access (gate) is not yet funded: the homes could not be delivered
        go = m >= threshold and model.area.gate_secured(plot.subarea)
        # the financier's condition: enough of the market homes sold in advance (voorverkoop)
        presold = model.presale_reached(plot)
        if go and presold and owner.can_finance(plot, inv):
            model.start_construction(plot, inv)
            return
        due = plot.obligation_deadline
        overdue = plot.build_obligation and due is not None and model.steps >= due
        # past its deadline a bound plot must go, unless the business case, the money or the buyers say
        # otherwise: then its developer chooses
        if overdue and model.area.gate_secured(plot.subarea) and (
                not go or not presold or not owner.can_finance(plot, inv)):
            if honour_obligation(model, owner, plot, m, inv, m >= threshold):
                return
        if plot.status == Status.PERMITTED and not go:
            plot.status = Status.STALLED
        plot.stalled_quarters += 1
        if m < b.withdraw_margin and plot.stalled_quarters >= 8 and not plot.build_obligation:
            model.withdraw(plot, "headwind: margin below the withdrawal line")
        elif go and not owner.can_finance(plot, inv) and plot.stalled_quarters >= 4 * b.dropout_quarters:
            model.put_up_for_sale(plot, "cannot finance the start (draagkracht)")


def presales_expected(model: "AreaDevelopmentModel", plot: Plot) -> bool:
    """Whether the owner expects the plot's presales to reach ``behaviour.presale_share`` within the
    permit's procedure time (``municipality.permit_min_quarters``) at last quarter's pace of its sales."""
    expected = plot.presold + plot.sales_last * model.scenario.municipality.permit_min_quarters
    return expected >= model.presale_target(plot)


def honour_obligation(model: "AreaDevelopmentModel", owner: "Owner", plot: Plot, m: float, inv: float,
                      case_works: bool) -> bool:
    """Bouwplicht with a price: past its deadline a developer that would not start chooses by its business
    case among building anyway, renegotiating the programme and price with the municipality, paying the
    agreed penalty, or handing the land back. Returns whether the plot left the developer's decision this
    quarter (started, or handed back)."""
    ins = model.scenario.instruments
    mun = model.municipality
    rev = revenue(model, plot)
    options: dict[str, float] = {}
    if owner.can_finance(plot, inv):
        # without its presales it builds at its own sales risk: the rest of its homes sell while it builds
        options["builds anyway"] = m * rev
    penalty = ins.build_obligation_penalty * plot.land_price
    if owner.free_cash >= penalty:
        options["pays the penalty"] = -penalty
    back = (1 - ins.handback_discount) * plot.land_price
    if mun.can_spend(back) and owner.free_cash + back >= penalty:
        # the municipality's terugkooprecht: it takes the land back below the price paid, and the penalty is due
        options["hands the land back"] = back - plot.land_price - penalty
    concession = None if case_works else renegotiation(model, owner, plot, rev)
    if concession is not None:
        options["renegotiates"] = concession[2]
    if not options:
        return False
    choice = max(options, key=lambda k: (options[k], k == "builds anyway"))
    values = ", ".join(f"{k} {v:+.1f}" for k, v in options.items())
    model.log("bouwplicht", f"{owner.name}, plot {plot.plot_id} (margin {m:.1%}): {choice} ({values}; M€)",
              actor=owner.account, plot=plot.plot_id, amount=options[choice])
    if choice == "builds anyway":
        model.start_construction(plot, inv)
        return True
    if choice == "pays the penalty":
        model.ledger.transfer(owner.account, mun.account, penalty, "penalty")
        plot.build_obligation = False
        plot.obligation_deadline = None
        return False
    if choice == "hands the land back":
        from .land import transfer

        if transfer(model, plot, mun, back):
            model.ledger.transfer(owner.account, mun.account, penalty, "penalty")
            model.annul_sales(plot, "land handed back")
            plot.status = Status.HELD
            # the permit lapses with the land handed back: its next owner applies anew (the pipeline dates
            # stay in order)
            plot.step_permit = plot.step_permit_application = None
            plot.build_obligation = False
            plot.obligation_deadline = None
            pool = getattr(model.governance, "pool", None)
            if pool is not None:
                pool.add([plot])
            return True
        return False
    social, refund, _ = concession
    plot.social_share = social
    if refund > 0 and mun.spend(refund, "price_adjustment", payee=owner.account, cofunded=False):
        plot.land_price -= refund
    plot.renegotiated = True
    plot.obligation_deadline = model.steps + max(1, ins.build_obligation_quarters // 2)
    mun.talks_left -= 1
    return False


def renegotiation(model: "AreaDevelopmentModel", owner: "Owner", plot: Plot,
                  rev: float) -> tuple[float, float, float] | None:
    """What the municipality concedes once per plot when a bound developer asks: the programme back to the
    scenario's market mix and up to its negotiator's mandate of the land price back, if that lets the
    developer build without a loss (and a talk is left this quarter). (social share, refund, profit after)."""
    mun = model.municipality
    if plot.renegotiated or mun.talks_left < 1:
        return None
    base = model.scenario.programme.social_share
    social = min(plot.social_share, base)
    before = plot.social_share
    plot.social_share = social
    gain = profit(model, plot, owner, 0.0)
    plot.social_share = before
    refund = min(max(0.0, -gain), model.scenario.municipality.mandate * plot.land_price)
    after = gain + refund
    if after < 0 or not mun.can_spend(refund):
        return None
    return social, refund, after
