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
from contextlib import contextmanager
from typing import TYPE_CHECKING

from . import exits
from .area import Plot, Status

if TYPE_CHECKING:
    from .agents.base import Owner
    from .model import AreaDevelopmentModel

def revenue(model: "AreaDevelopmentModel", plot: Plot) -> float:
    """What the plot's homes and floor space bring at completion. A market home sold (koopaanneming / VON)
    brings the price its buyer signed for (``Plot.sold_value``): the buyer carries a fall in value, the
    developer the cost risk; the homes not yet sold bring today's price."""
    market = model.market
    social, mid, market_homes = plot.segment_counts
    locked, unsold = plot.sold_value, max(0, market_homes - plot.sold)
    value_social, value_mid, value_market = market.home_values()
    homes = social * value_social + mid * value_mid + unsold * value_market
    nonres = plot.nonres_m2 * market.spec.nonres_value_per_m2 * market.price_index
    return (homes + nonres) * (1 + model.area.uplift(plot)) + locked


def sale_price(model: "AreaDevelopmentModel", plot: Plot) -> float:
    """The fixed price (M€) a buyer signs for one of the plot's market homes this quarter: today's value,
    with the uplift of the tasks delivered so far."""
    return model.market.home_value("market") * (1 + model.area.uplift(plot))


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
    """The builder's investment; a plot a land company services (bouwrijp maken) costs it that much less."""
    market = model.market
    own = plot.homes * market.build_cost - (servicing(model, plot) if plot.serviced else 0.0)
    return own + plot.nonres_m2 * market.spec.nonres_build_cost_per_m2 * market.cost_index


def servicing(model: "AreaDevelopmentModel", plot: Plot) -> float:
    """What servicing the plot (bouwrijp maken) costs at this quarter's prices: part of the build cost."""
    return plot.homes * model.market.spec.servicing_cost * model.market.cost_index


def profit(model: "AreaDevelopmentModel", plot: Plot, owner: "Owner", land_cost: float | None = None,
           rev: float | None = None) -> float:
    """Revenue minus cost, contributions still due, financing and the land's opportunity cost (``rev``: the
    plot's :func:`revenue` now, when the caller has worked it out already)."""
    inv = investment(model, plot)
    cost = inv + model.contributions.due_at_permit(plot, owner) + model.market.financing_cost(
        inv, model.construction_quarters(plot))
    land = plot.existing_use_value if land_cost is None else land_cost
    return (revenue(model, plot) if rev is None else rev) - cost - land


def margin(model: "AreaDevelopmentModel", plot: Plot, owner: "Owner", rev: float | None = None) -> float:
    """Profit over revenue (``rev``: the plot's :func:`revenue` now, when the caller has it already)."""
    rev = revenue(model, plot) if rev is None else rev
    land_cost = 0.0 if plot.land_paid else None  # a bought plot's price is sunk
    return profit(model, plot, owner, land_cost, rev) / rev if rev > 0 else -1.0


def margin_at_cost(model: "AreaDevelopmentModel", plot: Plot, owner: "Owner") -> float:
    """The plot's margin with its land at what it cost its owner: the price it paid for land it bought, the
    inbrengwaarde of its own land (what a verevening levies on: the land is a cost once, not free)."""
    rev = revenue(model, plot)
    land_cost = plot.land_price if plot.land_paid else None
    return profit(model, plot, owner, land_cost, rev) / rev if rev > 0 else -1.0


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
            profits[bidder.developing] = profit(model, plot, bidder, land_cost=0.0, rev=rev)
        bids.append(profits[bidder.developing] - bidder.start_threshold(plot) * rev)
    return bids


def mean_required_margin(model: "AreaDevelopmentModel") -> float:
    """The margin the market's builders ask, on average (the scenario's developers)."""
    specs = model.scenario.ownership.developers
    return sum(d.required_margin for d in specs) / len(specs) if specs else 0.08


def residual_value(model: "AreaDevelopmentModel", plot: Plot, owner: "Owner", required: float | None = None) -> float:
    """A land seller's forecast of a plot's price (M€) at this quarter's prices: its residual land value, as
    the plot stands, to a builder asking ``required`` (default: the market's mean required margin, kept by
    the model as ``market_margin``) who pays the contributions ``owner`` would owe at permit. The GEM's issue
    prices and the municipality's tender reserve are both this forecast; it can be negative (nobody would pay
    anything for the plot)."""
    if required is None:
        required = model.market_margin
    rev = revenue(model, plot)
    return profit(model, plot, owner, land_cost=0.0, rev=rev) - required * rev


@contextmanager
def expected_prices(model):
    """Within: the market at the prices and costs a land holder (a GEM company, the municipal
    grondexploitatie) expects over its issue horizon, the level without the scripted shocks now running (a
    downturn is expected to pass: a land holder may hold its land through it, "geld met geduld", NOVEX 003
    L1305–1314); the realised random walk is kept."""
    market = model.market
    now = market.price_index, market.cost_index
    market.price_index, market.cost_index = market.underlying()
    try:
        yield
    finally:
        market.price_index, market.cost_index = now


def market_value(model: "AreaDevelopmentModel", plot: Plot) -> float:
    """What an undeveloped plot is worth now: its residual land value to a developer asking the
    scenario developers' mean required margin, and never less than its existing-use value."""
    required = model.market_margin  # mean_required_margin, kept by the model
    rev = revenue(model, plot)
    inv = investment(model, plot)
    cost = inv + model.market.financing_cost(inv, model.construction_quarters(plot))
    return max(plot.existing_use_value, rev - cost - required * rev)


def decide_plot(model: "AreaDevelopmentModel", owner: "Owner", plot: Plot) -> None:
    """Step 4 for one plot: ask for its own procedure, apply for a permit, start, pause, sell or withdraw."""
    if not owner.developing or owner.dropped_out or plot.for_sale:
        return
    if plot.status == Status.HELD:
        # outside a contract a plot has no right to build: under the frame its owner asks for one (its
        # business case worked out only then: a held plot waits for its right most quarters)
        if (model.frame_in_force and not plot.in_plan and not plot.in_agreement
                and owner.decision_margin(plot) >= owner.start_threshold(plot) - 0.03):
            model.apply_for_initiative(plot)
        return
    b = model.scenario.behaviour
    m = owner.decision_margin(plot)
    threshold = owner.start_threshold(plot)
    if plot.status == Status.AGREED:
        plot.marketing = markets(model, owner, plot, m, threshold, investment(model, plot))
        if not plot.marketing and (m >= threshold - 0.03 or plot.build_obligation):
            # its case is there but not its money: it waits before its sales, and sells the plot with its
            # right when that lasts (draagkracht), as a permit that cannot be paid for does
            if plot.waiting_since is None:
                plot.waiting_since = model.steps
                model.log("presale", f"plot {plot.plot_id} waits before its sales: {owner.name} cannot pay the "
                          "contributions due at permit and the equity of the start", actor=owner.account,
                          plot=plot.plot_id)
            elif model.steps - plot.waiting_since >= 4 * b.dropout_quarters:
                model.put_up_for_sale(plot, "cannot pay for its permit and its start (draagkracht)")
                return
        elif plot.marketing:
            plot.waiting_since = None  # it has the money now (a dip in its case does not restart the clock)
        # it asks for its permit when it expects its presales to be in by the time the permit is (a plot
        # without buyers waits before its permit, not after it); a bound plot's deadline runs from its award
        # and no later than its buyers' long-stop date allows the permit to come in time
        if plot.build_obligation or (plot.marketing and (presales_expected(model, plot) or longstop_near(model, plot))):
            model.apply_for_permit(plot)
    elif plot.status in (Status.PERMITTED, Status.STALLED):
        inv = investment(model, plot)
        plot.marketing = markets(model, owner, plot, m, threshold, inv)
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


def markets(model: "AreaDevelopmentModel", owner: "Owner", plot: Plot, m: float, threshold: float,
            inv: float) -> bool:
    """Whether the owner offers the plot's market homes for sale (voorverkoop) this quarter. It holds the
    development right (the caller decides only agreed, permitted and stalled plots); its case is near its
    threshold, or a bouwplicht binds it; and it can pay what the plot still asks of it before the start
    (the contributions due at permit and the equity of the start): an owner does not sign buyers for
    homes it could not build."""
    near = m >= threshold - 0.03 or plot.build_obligation
    return near and can_carry_start(model, owner, plot, inv)


def can_carry_start(model: "AreaDevelopmentModel", owner: "Owner", plot: Plot, inv: float) -> bool:
    """Whether the owner's free cash covers the contributions still due at the plot's permit and the part
    of its start that lenders do not finance."""
    due = model.contributions.due_at_permit(plot, owner)
    return owner.free_cash >= due + owner.equity_needed(plot, inv) - 1e-9


def presales_expected(model: "AreaDevelopmentModel", plot: Plot) -> bool:
    """Whether the owner expects the plot's presales to reach ``behaviour.presale_share`` within the
    permit's procedure time (``municipality.permit_min_quarters``) at last quarter's pace of its sales."""
    expected = plot.presold + plot.sales_last * model.scenario.municipality.permit_min_quarters
    return expected >= model.presale_target(plot)


def longstop_near(model: "AreaDevelopmentModel", plot: Plot) -> bool:
    """Whether the permit, asked now, would come (in ``municipality.permit_min_quarters``) only just before
    the buyers' long-stop date (``behaviour.presale_longstop_quarters`` of ``Plot.longstop_clock``): the
    owner applies in time, and its buyers then wait out the procedure."""
    if plot.step_first_sale is None:
        return False
    waited = plot.longstop_clock + model.scenario.municipality.permit_min_quarters
    return waited >= model.scenario.behaviour.presale_longstop_quarters


def honour_obligation(model: "AreaDevelopmentModel", owner: "Owner", plot: Plot, m: float, inv: float,
                      case_works: bool) -> bool:
    """Bouwplicht with a price: past its deadline a developer that would not start takes one of the exits of
    its contract (``exits.resolve``): building anyway, deferring the deadline a quarter at interest,
    renegotiating the programme and price with the municipality, or breaking the contract; on a break the
    municipality levies the agreed break fee (the plot becomes an ordinary plot) or, on land it sold, buys it
    back under its terugkooprecht at the price paid minus the fee (``exits.break_terms``). Returns whether
    the plot left the developer's decision this quarter (started, or bought back)."""
    ins = model.scenario.instruments
    mun = model.municipality
    rev = revenue(model, plot)

    def build() -> bool:
        model.start_construction(plot, inv)
        return True

    def postpone(until: int) -> None:
        plot.obligation_deadline = until

    def release() -> None:
        plot.build_obligation = False
        plot.obligation_deadline = None

    pool = getattr(model.form_for(plot), "pool", None)

    def buy_back(price: float) -> bool:
        # the land returns to the municipality's grondexploitatie at what it paid for it, and its obligations
        # start afresh with its new owner (TenderPool.take_back, land.transfer)
        return pool.take_back(plot, price, "land bought back (terugkooprecht)")

    concession = None if case_works else renegotiation(model, owner, plot, rev)

    def renegotiate() -> bool:
        social, refund, _ = concession
        plot.social_share = social
        if refund > 0 and mun.spend(refund, "price_adjustment", payee=owner.account, cofunded=False):
            plot.land_price -= refund
        plot.renegotiated = True
        plot.obligation_deadline = model.steps + max(1, ins.build_obligation_quarters // 2)
        mun.talks_left -= 1
        return True

    # only land the municipality sold itself carries its terugkooprecht (a plot an SOK partner took up from a
    # passive signatory has none); its value to the municipality is its grondexploitatie's forecast at the
    # prices it expects (the one expectation of its land, TenderPool.expected_forecast)
    terugkoop = (exits.BuyBack(pool.expected_forecast(plot), mun.can_spend, buy_back)
                 if plot.seller == mun.account and pool is not None else None)
    ob = exits.Obligation(
        "bouwplicht", plot.land_price, plot.land_price, mun.account,
        # without its presales it builds at its own sales risk: the rest of its homes sell while it builds
        go=(m * rev, build) if owner.can_finance(plot, inv) else None,
        renegotiate=(concession[2], renegotiate) if concession is not None else None,
        buy_back=terugkoop, postpone=postpone, release=release,
        # a case that clears but cannot be financed now is re-phased, not broken (exits.rephased_due)
        later=m * rev if case_works else None, due=plot.obligation_deadline)
    choice = exits.resolve(model, owner, plot, ob, note=f" (margin {m:.1%})")
    return choice in (exits.GO, exits.BUY_BACK)


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
