"""Voorverkoop (issue 23): market homes are sold in advance through the area's absorption, a start needs
``behaviour.presale_share`` of them sold, and an owner asks for its permit when it expects its presales in
by the time the permit comes. Rule tests (each fails when its rule is removed) and behavioural tests over
seeded replications (bounds from the measured effect and spread, stated with each test)."""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
import pandas as pd
import pytest

from coalitionsim import AreaDevelopmentModel, load_scenario
from coalitionsim.model.agents.developer import Developer
from coalitionsim.model.area import Status
from coalitionsim.model.development import investment, margin, revenue, sale_price
from coalitionsim.model.metrics import STEP_REPORTERS, permit_to_start_months, projects, summary

from helpers import set_money


def make(*sets: str, form: str = "framework_organic", seed: int = 1) -> AreaDevelopmentModel:
    return AreaDevelopmentModel(load_scenario(None, ["residents.objection_propensity=0", *sets]), form=form, seed=seed)


def ready_plot(m: AreaDevelopmentModel, status: Status = Status.PERMITTED):
    """A developer plot outside the gated sub-area whose business case clears its owner's threshold, with
    its owner rich enough to finance the start; in ``status``."""
    for p in m.area.plots:
        owner = p.owner
        if (isinstance(owner, Developer) and m.area.gate_secured(p.subarea) and p.segment_homes["market"] > 10
                and owner.decision_margin(p) >= owner.start_threshold(p)):
            set_money(m, owner, 1000.0)
            p.status = status
            p.in_plan = True
            if status in (Status.PERMITTED, Status.STALLED):
                p.step_permit_application, p.step_permit = m.steps, m.steps
            return p
    raise AssertionError("no developer plot whose case works")


def presell(m: AreaDevelopmentModel, plot, n: int) -> None:
    """``n`` of the plot's market homes sold in advance at this quarter's price."""
    plot.presold = plot.sold = n
    plot.sold_value = n * sale_price(m, plot)


# =================================================================== rules


def test_a_start_waits_for_its_presales():
    m = make()
    plot = ready_plot(m)
    target = m.presale_target(plot)
    assert target == math.ceil(0.7 * plot.segment_homes["market"])  # the default share, rounded up
    presell(m, plot, target - 1)
    plot.owner.decide(plot)
    assert plot.status != Status.CONSTRUCTION  # one buyer short: the financier does not go
    presell(m, plot, target)
    plot.owner.decide(plot)
    assert plot.status == Status.CONSTRUCTION and plot.step_construction_start == m.steps


def test_market_homes_sell_through_the_absorption_in_the_order_they_went_on_sale():
    m = make("market.absorption_per_quarter=100")
    a, b = [p for p in m.area.plots if p.segment_homes["market"] > 30][:2]
    for p, first in ((a, 3), (b, 1)):
        p.status, p.marketing, p.step_sales_start = Status.AGREED, True, first
    m.sell_homes()
    # b went on sale first and takes all its market homes; a the rest of the quarter's buyers
    assert b.sold == b.presold == b.segment_homes["market"]
    assert 0 < a.sold == a.presold == 100 - b.sold and m.absorbed_step == 100
    assert a.sales_last == a.sold
    # a plot its owner does not market (its case is not near) sells nothing
    c = next(p for p in m.area.plots if p.segment_homes["market"] > 0 and p not in (a, b))
    c.status, c.marketing = Status.AGREED, False
    presell(m, a, 0)
    m.sell_homes()
    assert c.sold == 0


def test_a_start_takes_nothing_from_the_absorption():
    # its market homes were sold in advance (counted once, at the sale); its mid-rent block goes to an
    # investor at the start and its social homes to the corporation
    m = make()
    plot = ready_plot(m)
    assert plot.segment_homes["mid"] > 0 and plot.segment_homes["social"] > 0
    presell(m, plot, m.presale_target(plot))
    m.absorbed_step = 0
    plot.owner.decide(plot)
    assert plot.status == Status.CONSTRUCTION and m.absorbed_step == 0
    # its unsold homes stay on sale while it builds, after the plots that went on sale before it
    plot.step_sales_start = 0
    m.sell_homes()
    assert plot.sold == plot.segment_homes["market"] and plot.presold == m.presale_target(plot)


def test_permit_is_asked_when_the_presales_will_be_in_by_the_time_it_comes():
    m = make("municipality.permit_min_quarters=2")
    plot = ready_plot(m, Status.AGREED)
    target = m.presale_target(plot)
    plot.owner.decide(plot)
    assert plot.marketing and plot.status == Status.AGREED  # on sale, but no buyers yet: no permit
    plot.presold, plot.sales_last = 0, math.ceil(target / 2) - 1  # two quarters at this pace fall short
    plot.owner.decide(plot)
    assert plot.status == Status.AGREED
    plot.sales_last = math.ceil(target / 2)  # two quarters at this pace are enough
    plot.owner.decide(plot)
    assert plot.status == Status.PERMIT_PROCEDURE and plot.step_permit_application == m.steps


def test_a_downturn_takes_the_plot_off_the_market_and_its_permit_waits():
    m = make()
    plot = ready_plot(m, Status.AGREED)
    plot.sales_last = plot.segment_homes["market"]
    m.market.price_index = 0.7  # a downturn of 30%: the case is no longer near the threshold
    assert plot.owner.decision_margin(plot) < plot.owner.start_threshold(plot) - 0.03
    plot.owner.decide(plot)
    assert not plot.marketing and plot.status == Status.AGREED
    m.sell_homes()
    assert plot.sold == 0


def test_a_bound_plot_asks_its_permit_at_once_and_meets_the_bouwplicht_at_its_deadline():
    m = make()
    plot = ready_plot(m, Status.AGREED)
    plot.build_obligation, plot.obligation_deadline = True, m.steps + 12  # from the award, as before
    plot.owner.decide(plot)
    assert plot.status == Status.PERMIT_PROCEDURE  # its deadline runs: no waiting for buyers
    plot.status, plot.step_permit = Status.PERMITTED, m.steps
    plot.owner.decide(plot)
    assert plot.status != Status.CONSTRUCTION and plot.presold == 0  # before the deadline: it waits for buyers
    m.steps = plot.obligation_deadline
    plot.owner.decide(plot)
    # at the deadline, without its presales, the bouwplicht's choice: its case works and it can finance,
    # so it builds anyway (at its own sales risk)
    choice = [e for e in m.events if e.kind == "bouwplicht" and e.plot == plot.plot_id]
    assert choice and "builds anyway" in choice[-1].text.split(":")[1][:16]
    assert plot.status == Status.CONSTRUCTION


def test_kostenverhaal_stays_due_at_the_permit_not_at_the_presale():
    m = make("municipality.staff_capacity=50")
    plot = ready_plot(m, Status.AGREED)
    due = m.contributions.due_at_permit(plot, plot.owner)
    assert due > 0 and plot.presold == 0
    m.municipality.queue.clear()
    m.apply_for_permit(plot)
    for q in range(1, 10):
        m.steps = q
        m.municipality.process_work()
        if plot.step_permit is not None:
            break
    assert plot.step_permit is not None and plot.presold == 0
    assert m.contributions.paid_by_plot[plot.plot_id] == pytest.approx(due)


def test_a_withdrawal_dissolves_the_presales():
    m = make()
    plot = ready_plot(m)
    presell(m, plot, 10)
    plot.step_presale_reached = 0
    m.withdraw(plot, "test")
    assert plot.sold == plot.presold == 0 and plot.step_presale_reached is None and not plot.marketing


def test_a_sale_fixes_its_price_and_the_buyer_carries_the_fall_in_value():
    # koopaanneming / VON: the buyers sign at this quarter's price; a later fall in value is theirs, the
    # homes still unsold bring the price of the day, and the completion pays what was signed
    m = make("market.absorption_per_quarter=30")
    plot = ready_plot(m, Status.AGREED)
    market = plot.segment_homes["market"]
    assert market > 30
    plot.marketing = True
    before = revenue(m, plot)
    m.sell_homes()
    assert plot.sold == 30 and plot.sold_value == pytest.approx(30 * sale_price(m, plot))
    assert revenue(m, plot) == pytest.approx(before)  # a sale at today's price changes nothing today
    m.market.price_index *= 0.8  # a fall in value of 20%
    unsold_value = (market - 30) * sale_price(m, plot)
    rest = revenue(m, plot) - plot.sold_value - unsold_value
    assert rest > 0  # the mid-rent and social homes at today's values
    fallen = AreaDevelopmentModel(m.scenario, "framework_organic", 1)  # the same plot unsold, after the fall
    twin = next(p for p in fallen.area.plots if p.plot_id == plot.plot_id)
    fallen.market.price_index = m.market.price_index
    assert revenue(m, plot) - revenue(fallen, twin) == pytest.approx(30 * (1 / 0.8 - 1) * sale_price(m, plot))
    # the margin the developer decides on carries the locked price of its sold homes
    assert margin(m, plot, plot.owner) > margin(fallen, twin, twin.owner)
    # the completion pays the signed price for the sold homes (money from the buyers, none created)
    plot.status, plot.presold = Status.PERMITTED, m.presale_target(plot)
    plot.sold = plot.presold
    plot.sold_value = plot.sold * sale_price(m, plot) / 0.8
    expected = revenue(m, plot)
    m.start_construction(plot, investment(m, plot))
    plot.construction_remaining = 0
    m.progress_construction()
    assert plot.status == Status.COMPLETED
    paid = [e for e in m.events if e.kind == "completion" and e.plot == plot.plot_id]
    assert paid[-1].amount == pytest.approx(expected)
    # dissolved sales take their price with them
    m.annul_sales(plot, "test")
    assert plot.sold_value == 0.0


def test_the_buyers_contracts_dissolve_at_the_long_stop_date_and_the_plot_re_markets():
    # the developer's conditions (permit, presales, financing) carry a termijn: a plot not started
    # behaviour.presale_longstop_quarters after its first sale loses its buyers, and sells anew from zero
    m = make("market.absorption_per_quarter=10", "behaviour.presale_longstop_quarters=3")
    plot = ready_plot(m, Status.STALLED)  # permitted, its start held up (the owner's own conditions)
    plot.marketing = True
    m.steps = 5
    m.sell_homes()
    assert plot.sold == 10 and plot.step_first_sale == 5
    for q in (6, 7):
        m.steps = q
        m.sell_homes()
    assert plot.sold == 30 and plot.sold_value > 0  # within the long-stop date the sales stand
    m.steps = 8
    m.sell_homes()
    dissolved = [e for e in m.events if e.kind == "presale" and "long-stop" in e.text]
    assert dissolved and dissolved[-1].plot == plot.plot_id
    assert plot.sold == plot.presold == 0 and plot.sold_value == 0 and plot.step_first_sale is None
    assert not plot.marketing  # off the market this quarter; its owner's next decision re-markets it
    plot.status = Status.PERMITTED
    plot.owner.decide(plot)
    assert plot.marketing
    m.steps = 9
    m.sell_homes()
    assert plot.sold == 10 and plot.step_first_sale == 9 and plot.step_sales_start == 5  # its place kept
    # a started plot keeps its buyers, however long ago they signed
    plot.status = Status.CONSTRUCTION
    m.steps = 20
    m.sell_homes()
    assert plot.sold == 20


def test_the_permit_is_asked_in_time_for_the_long_stop_date():
    # slow sales would not justify the permit yet, but its buyers' long-stop date would pass before it comes
    m = make("municipality.permit_min_quarters=2", "behaviour.presale_longstop_quarters=4")
    plot = ready_plot(m, Status.AGREED)
    plot.step_first_sale, plot.sales_last = 0, 1
    presell(m, plot, 1)
    m.steps, plot.longstop_clock = 1, 1
    plot.owner.decide(plot)
    assert plot.marketing and plot.status == Status.AGREED  # 1 + 2 quarters: within the long-stop date
    m.steps, plot.longstop_clock = 2, 2
    plot.owner.decide(plot)
    assert plot.status == Status.PERMIT_PROCEDURE  # 2 + 2 quarters: it asks now


def test_an_owner_that_gives_up_dissolves_its_sales():
    # the buyers do not pass with the land without their consent
    m = make()
    plot = ready_plot(m)
    presell(m, plot, 10)
    m.put_up_for_sale(plot, "test")
    assert plot.for_sale and plot.sold == plot.presold == 0 and plot.sold_value == 0 and not plot.marketing


def test_only_an_owner_with_the_right_and_the_money_for_its_start_markets():
    m = make()
    plot = ready_plot(m, Status.AGREED)
    owner = plot.owner
    plot.owner.decide(plot)
    assert plot.marketing
    # without the money for the contributions due at permit and the equity of its start, it does not sell
    due = m.contributions.due_at_permit(plot, owner)
    need = due + owner.equity_needed(plot, investment(m, plot))
    set_money(m, owner, owner.balance - owner.free_cash + need - 0.5)
    plot.owner.decide(plot)
    assert not plot.marketing and plot.status == Status.AGREED
    if due > 0:  # the contributions count: the equity alone would have been enough
        assert owner.free_cash >= owner.equity_needed(plot, investment(m, plot))
    set_money(m, owner, owner.balance + 1.0)
    plot.owner.decide(plot)
    assert plot.marketing
    # and a plot without a development right (held, or its initiative pending) sells nothing
    for status in (Status.HELD, Status.INITIATIVE):
        plot.status, plot.marketing = status, True
        m.sell_homes()
        assert plot.sold == 0


def test_outputs_homes_presold_step_presale_reached_and_permit_to_start_months():
    m = make("simulation.horizon_quarters=40").run()
    ts = m.datacollector.get_model_vars_dataframe()
    assert "homes_presold" in STEP_REPORTERS
    assert ts["homes_presold"].iloc[-1] == sum(p.presold for p in m.area.plots) > 0
    rows = pd.DataFrame(projects(m))
    reached = rows.dropna(subset=["step_presale_reached"])
    assert len(reached) > 0
    # every plot that started on its presales reached them first (a bound plot may start without them)
    started = rows.dropna(subset=["step_construction_start", "step_presale_reached"])
    assert (started["step_presale_reached"] < started["step_construction_start"]).all()
    waits = 3 * (rows["step_construction_start"] - rows["step_permit"]).dropna()
    assert summary(m)["permit_to_start_months"] == permit_to_start_months(m) == waits.median()


# =================================================================== behaviour over seeded replications

SEEDS = range(1, 7)
HORIZON = 64


@lru_cache(maxsize=None)
def arm(form: str, sets: tuple[str, ...]) -> pd.DataFrame:
    """The projects of the seeds, with each run's permit_to_start_months."""
    frames = []
    for seed in SEEDS:
        m = AreaDevelopmentModel(load_scenario(None, [f"simulation.horizon_quarters={HORIZON}", *sets]), form, seed).run()
        rows = pd.DataFrame(projects(m))
        rows["permit_to_start_months"] = permit_to_start_months(m)
        frames.append(rows)
    return pd.concat(frames, ignore_index=True)


@pytest.mark.slow
@pytest.mark.parametrize("form", ["framework_organic", "sok"])
def test_months_from_permit_to_start_stay_short_when_presales_run(form):
    runs = arm(form, ())
    # measured (seeds 1-6, reference area): the median is 3 months (one quarter) in all 12 runs, with the
    # buyers' long-stop date paused while the permit is decided. While it ran on in the permit queue it
    # was 6 (sales dissolved in the queue and sold again after the permit); before issue 23 it was 3-7.5
    # under sok and up to 15 under gem on seed 1. Bound: halfway to the next quarter, in every run but one.
    # Re-measured with the municipal grondexploitatie (issue 25): 3 in 11 runs, 7.5 under framework_organic
    # on seed 6, where fewer municipal plots (each started a quarter after its permit) reach their permit by
    # the horizon (9 of 12, against 12 when the tender halved its reserve); no plot waits longer than it did
    # Since the use phase (issue 27): 13.5 under framework_organic on seed 6. The unfunded services of the
    # sub-areas in use lower their values (use_phase.unfunded_value_loss), and plots permitted there wait
    # for their margin: 15 plots start 3 months after their permit, 15 after 18 or more, and the median of
    # that split moves. With the value channel off it is 7.5 as before: a run beyond 7.5 must be that wait.
    per_run = runs.groupby("seed")["permit_to_start_months"].first()
    assert (per_run <= 4.5).sum() >= len(per_run) - 1, per_run.tolist()
    for seed in per_run[per_run > 7.5].index:
        sc = load_scenario(None, [f"simulation.horizon_quarters={HORIZON}", "use_phase.unfunded_value_loss=0"])
        assert permit_to_start_months(AreaDevelopmentModel(sc, form, int(seed)).run()) <= 7.5, (seed, per_run.tolist())
    # without the long-stop date the buyers are there before the permit for nearly every plot (measured:
    # all of them); with it 28% (organic) and 23% (sok) of the plots sell their presale share again after
    # it, when a start held up after the permit outlasted the termijn. Since issue 25 the land an SOK
    # partner takes up carries the start obligation, and a bound plot applies for its permit at once:
    # re-measured, 14.5% of the SOK's plots have their buyers after the permit (organic unchanged)
    lasting = arm(form, ("behaviour.presale_longstop_quarters=40",))
    market = lasting[(lasting["homes_market"] > 0) & lasting["step_construction_start"].notna()]
    late = (market["step_presale_reached"] > market["step_permit"]).mean()
    assert late <= 0.2, late


@pytest.mark.slow
def test_a_slower_market_moves_the_wait_before_the_permit():
    def waits(absorption: int) -> pd.DataFrame:
        rows = arm("framework_organic", (f"market.absorption_per_quarter={absorption}",))
        rows = rows[(rows["homes_market"] > 0) & rows["step_construction_start"].notna()]
        return pd.DataFrame({
            "before": (rows["step_permit_application"] - rows["step_agreement"]).groupby(rows["seed"]).mean(),
            "after": (rows["step_construction_start"] - rows["step_permit"]).groupby(rows["seed"]).mean()})

    ample, slow = waits(110), waits(40)
    grew = slow - ample
    # measured (6 seeds, issue 23b): the wait before the permit grows by 5.4 quarters on average (per seed
    # 0-10.6; seed 1 starts only 6 plots and moves neither), the wait after it by 1.6 (-0.5-3.9: some
    # permits still come before their buyers, and a slower market delays starts for other reasons too).
    # Most of it comes before the permit in 5 of 6 seeds and on average (ratio 3.4; 2.25 before the price
    # lock and long-stop date); with the permit asked regardless of buyers it would all come after.
    # Since issue 25 (bound developers may defer at interest; the municipal grondexploitatie waits
    # instead of halving its reserve) the bound is 4 of 6 seeds and the mean ratio; re-measured below
    assert (grew["before"] > grew["after"]).sum() >= 4, grew
    assert grew["before"].mean() > 1.5 * grew["after"].mean(), grew.mean()


@pytest.mark.slow
def test_a_higher_presale_share_delays_the_starts():
    def start_quarters(share: float) -> pd.Series:
        rows = arm("framework_organic", ("market.absorption_per_quarter=40", f"behaviour.presale_share={share}"))
        return rows["step_construction_start"].fillna(HORIZON).groupby(rows["seed"]).mean()

    low, high = start_quarters(0.3), start_quarters(1.0)
    diff = high - low
    # measured (6 seeds, a market of 40 homes a quarter, issue 23b): starts come later in every seed but
    # seed 1 (equal), by 1.5 quarters on average (per seed 0-3.4; 0.56 before the long-stop date, which
    # dissolves more sales when more must be in); with the share's rule gone the two would be equal
    assert (diff >= 0).all() and diff.mean() > 0.2, diff.tolist()


def test_the_long_stop_date_waits_while_the_municipality_decides_on_the_permit():
    # the permit is one of the buyers' conditions, and its procedure is neither party's to speed up: the
    # buyers' termijn stands still while the application is in, so a queue at the municipality does not
    # dissolve sales (knocking the pause out dissolves them here in quarter 8)
    m = make("market.absorption_per_quarter=10", "behaviour.presale_longstop_quarters=3")
    plot = ready_plot(m, Status.PERMIT_PROCEDURE)  # its permit is slow to come
    plot.marketing = True
    for q in range(5, 12):
        m.steps = q
        m.sell_homes()
    assert plot.longstop_clock == 0 and plot.step_first_sale == 5
    assert plot.sold == min(70, plot.segment_homes["market"]) and plot.sold_value > 0
    assert not [e for e in m.events if e.kind == "presale" and "long-stop" in e.text]
    plot.status = Status.PERMITTED  # the permit comes; the termijn runs on from here
    for q in range(12, 15):
        m.steps = q
        m.sell_homes()
    assert [e for e in m.events if e.kind == "presale" and "long-stop" in e.text]
