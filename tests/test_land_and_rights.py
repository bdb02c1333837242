"""Model v2, part 2: one municipality with one capacity, development rights per initiative, a private land
market, voorkeursrecht, bouwplicht with a price, and kostenverhaal that is no stick against hold-outs.

Behavioural tests over seeded replications (common random numbers), each with the margin's reason, and
unit tests of the rules they rest on.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pytest

from coalitionsim import FORMS, AreaDevelopmentModel, load_scenario
from coalitionsim.model.area import Status
from coalitionsim.model.exits import EXIT_EVENTS
from coalitionsim.model.land import TenderPool
from coalitionsim.model.negotiation import Negotiation, Party
from coalitionsim.runner import replication_seeds, run_model

from helpers import run_desk

N = 8
SEEDS = tuple(replication_seeds(20261123, N))


def developers(strategies: list[str], equity: float = 200.0) -> str:
    items = ", ".join(f"{{name='Ontwikkelaar {i}', strategy='{s}', equity={equity}}}" for i, s in enumerate(strategies))
    return f"ownership.developers=[{items}]"


@lru_cache(maxsize=None)
def arm(form: str, sets: tuple[str, ...] = (), horizon: int = 60):
    sc = load_scenario(None, [f"simulation.horizon_quarters={horizon}", *sets])
    return [run_model(sc, form, seed) for seed in SEEDS]


# =================================================================== one municipality, one capacity


@pytest.mark.parametrize("form", FORMS)
def test_talks_and_staff_never_exceed_the_one_capacity(form):
    sets = ("rijk.expert_capacity=2", "rijk.expert_quarters=12", "instruments.process_director=true")
    sc = load_scenario(None, ["simulation.horizon_quarters=40", *sets])
    for seed in SEEDS[:3]:
        m = AreaDevelopmentModel(sc, form=form, seed=seed).run()
        ev = m.events_table()
        talks = ev[ev.kind.eq("talks")].groupby("quarter").amount.sum()
        work = ev[ev.kind.eq("work")].groupby("quarter").amount.sum()
        for quarter, used in talks.items():
            expert = 2 if quarter < 12 else 0
            # counted from the event log, where the talks are spent, not from the counter that caps them
            assert used <= 2 * sc.municipality.talks_per_quarter + expert + 1e-9, (quarter, used)
        for quarter, used in work.items():
            expert = 2 if quarter < 12 else 0
            assert used <= sc.municipality.staff_capacity + expert + 1e-9, (quarter, used)
        # the desk is really used, up to its capacity in several quarters (where the cap is what decides);
        # with presales the permits come later in the horizon, so fewer quarters have work at all (8-10 of
        # 40 under sok and gem, was more than 10)
        full = [q for q, used in work.items() if used >= sc.municipality.staff_capacity - 1e-9]
        assert len(full) >= 3, work.to_dict()


def test_more_negotiations_at_once_get_less_done_in_each():
    def rounds_of_first(n_negotiations: int) -> int:
        m = AreaDevelopmentModel(load_scenario(None, ["municipality.talks_per_quarter=8"]), form="sok", seed=1)
        gov = m.governance
        gov.negotiations = []
        owners = [o for o in m.owners if o is not m.municipality][:3]
        for i in range(n_negotiations):
            parties = [Party(m.municipality, 1.0, 0.0, signed=True)] + [Party(o, 1.0, 5.0) for o in owners]
            gov.negotiations.append(Negotiation(m, f"test {i}", parties, stick=False))
        for _ in range(4):
            gov.talk()
        return gov.negotiations[0].rounds

    # three open parties need three talks a round; eight talks a quarter give one negotiation two rounds a
    # quarter, but four negotiations at once one round each at most
    assert rounds_of_first(1) == 10  # 32 talks in four quarters, three a round
    assert rounds_of_first(4) < rounds_of_first(1) / 1.5


@pytest.mark.slow
def test_more_private_owners_make_the_tenders_land_acquisition_take_longer():
    def mean_close(n: int) -> float:
        runs = arm("tender", (developers(["cooperative"] * n),))
        return float(np.mean([r.events[r.events.text.str.contains("aankoop.*closed")].quarter.mean() for r in runs]))

    # one purchase negotiation per owner, all on the same talks: with 12 developers (plus the passive owners)
    # the purchases close years later than with 2 (about 7.8 vs 4.5 quarters on average)
    few, many = mean_close(2), mean_close(12)
    assert many > few + 2.0, (few, many)


# =================================================================== development rights


def test_an_initiative_under_the_frame_waits_for_its_own_procedure():
    thin = arm("framework_organic", ("municipality.staff_capacity=3",))
    ample = arm("framework_organic", ("municipality.staff_capacity=12",))
    spec = load_scenario().municipality

    def waits(runs):
        out = []
        for r in runs:
            p = r.projects[r.projects.route.eq("plan")]
            assert p.step_initiative.notna().all()  # nobody got a right without its own procedure
            wait = p.step_agreement - p.step_initiative
            assert (wait >= spec.initiative_min_quarters).all()
            out.append(wait.mean())
        return np.array(out)

    # every initiative is municipal work in the one queue: a third of the staff makes each wait longer
    assert waits(thin).mean() > waits(ample).mean() + 2.0, (waits(thin), waits(ample))


def test_an_initiative_that_does_not_fit_the_frame_is_refused_and_tried_again():
    m = AreaDevelopmentModel(load_scenario(None, ["residents.objection_propensity=0",
                                                  "municipality.staff_capacity=50"]), form="framework_organic", seed=1)
    m.frame_in_force = True
    plot = next(p for p in m.area.plots if p.original_owner_type == "developer")
    m.municipality.social_share_target = 0.5  # a new council raised the ambition
    plot.social_share = 0.2
    m.municipality.queue.clear()
    m.apply_for_initiative(plot)
    assert plot.status == Status.INITIATIVE and plot.step_initiative == m.steps
    for q in range(1, 6):
        m.steps = q
        m.municipality.process_work()
    assert plot.status == Status.HELD and plot.refusals == 1 and not plot.in_plan
    assert plot.social_share == 0.5  # its next initiative carries the frame's programme
    m.apply_for_initiative(plot)
    for q in range(6, 12):
        m.steps = q
        m.municipality.process_work()
    assert plot.status == Status.AGREED and plot.in_plan and plot.route == "plan"


@pytest.mark.slow
def test_a_contract_or_tender_covers_its_plots_and_nobody_else():
    for form in ("sok", "tender", "gem"):
        for r in arm(form, (), 60):
            p = r.projects
            covered = p[p.route.isin(["agreement", "tender"])]
            assert covered.step_initiative.isna().all(), form  # the contract's plan works them out
            others = p[p.route.eq("plan")]
            assert others.step_initiative.notna().all(), form  # the rest went through their own procedure


# =================================================================== the land market


@pytest.mark.slow
def test_passive_owners_sell_when_a_bid_beats_their_reservation_price():
    def landowner_sales(*sets):
        runs = arm("framework_organic", sets)
        return np.array([r.events[r.events.kind.eq("land_market") & r.events.text.str.startswith("Eigenaar")].shape[0]
                         for r in runs])

    # the bid is what developing the plot is worth to a developer: with today's building costs it beats
    # what the passive owners ask, and they sell in every run; with building costs that leave less than
    # their existing use is worth, no bid reaches their ask and they keep their land
    assert (landowner_sales() > 0).all()
    assert (landowner_sales("market.build_cost=0.4") == 0).all()
    # and for the same bids, a higher reservation price means fewer sales
    assert landowner_sales("behaviour.seller_premium=2.0").sum() < landowner_sales("behaviour.seller_premium=0.0").sum()


@pytest.mark.slow
def test_the_frameworks_are_no_longer_capped_by_the_passive_land():
    passive = load_scenario().ownership.passive_land_share
    for form in ("framework_organic", "framework_subareas"):
        runs = arm(form, (), 100)
        done = [r.projects[r.projects.owner_type.eq("landowner") & r.projects.status.eq("completed")].shape[0]
                for r in runs]
        # homes get built on land that passive owners held, bought by developers on the market
        assert (np.array(done) > 0).mean() >= 0.75, done
        assert max(r.summary["realisation_share"] for r in runs) > 1 - passive + 0.02


def _municipal_price_ratio(run) -> float:
    """What the municipality paid for the land it bought, per euro of its inbrengwaarde."""
    ev = run.events
    buys = ev[ev.kind.isin(["land", "land_market"]) & ev.text.str.contains(" to Gemeente for|municipality buys")
              & ev["plot"].notna()]
    euv = run.projects.set_index("plot")["existing_use_value"]
    return buys.amount.sum() / euv.loc[buys["plot"].astype(int)].sum() if len(buys) else np.nan


@pytest.mark.slow
def test_early_voorkeursrecht_stops_speculation_and_lowers_the_land_cost():
    early = arm("framework_organic", ("instruments.voorkeursrecht_quarter=0",))
    late = arm("framework_organic", ("instruments.voorkeursrecht_quarter=20",))

    def speculative(runs):
        return np.array([r.events.text.str.contains("speculative purchase").sum() for r in runs])

    # set before speculation spreads (NOVEX L912): no speculator buys, where five years later they have
    assert (speculative(early) == 0).all()
    assert (speculative(late) > 0).mean() >= 0.75
    # and the municipality never pays a price the speculation of five years has raised: set early, it offers
    # its inbrengwaarde plus its mandate (at most 1.05) and the owners who wanted to sell on the market may
    # reject that and withdraw (Wvg art. 17 lid 2); set late, it buys the speculators' land at about 1.25.
    # Measured (these 8 seeds, 60 quarters): early, no municipal purchase in any seed and 3-4 owners
    # withdrawing in every seed; late, purchases at 1.249-1.250 in 4 of the 8 seeds
    ratio_early = np.array([_municipal_price_ratio(r) for r in early])
    ratio_late = np.array([_municipal_price_ratio(r) for r in late])
    bought_early = ratio_early[~np.isnan(ratio_early)]
    assert (bought_early <= 1.05 + 1e-9).all(), ratio_early
    assert (~np.isnan(ratio_late)).sum() >= 3 and np.nanmin(ratio_late) > 1.15, ratio_late
    withdrawn = np.array([r.events.text.str.contains("withdraws from the sale").sum() for r in early])
    assert (withdrawn > 0).all(), withdrawn


# =================================================================== bouwplicht with a price


BOUWPLICHT_EVENTS = ["bouwplicht", *EXIT_EVENTS.values()]


def _bouwplicht_choices(penalty: float):
    runs = arm("tender", ("market.shocks=[{kind='downturn', quarter=12, magnitude=0.35, duration=24}]",
                          f"instruments.build_obligation_penalty={penalty}"), 80)
    return runs


@pytest.mark.slow
def test_bouwplicht_in_a_downturn_is_a_choice_and_a_higher_penalty_makes_building_anyway_likelier():
    low, high = _bouwplicht_choices(0.0), _bouwplicht_choices(2.0)
    for r in low + high:
        p = r.projects
        loss = p[p.route.eq("tender") & p.margin_at_start.lt(0) & p.step_construction_start.notna()]
        choices = r.events[r.events.kind.isin(BOUWPLICHT_EVENTS)]
        for _, row in loss.iterrows():
            # no plot under bouwplicht is started at a loss without its developer having weighed building
            # against renegotiation, the penalty and handing back, in the event log
            before = choices[choices["plot"].eq(row["plot"]) & choices.quarter.le(row["step_construction_start"])]
            assert len(before) > 0, (row["plot"], row["step_construction_start"])

    def shares(runs):
        texts = [t for r in runs for t in r.events[r.events.kind.isin(BOUWPLICHT_EVENTS)].text]
        # the final choices: a deferral only postpones one (exits.py)
        # (a break is logged with the seller's choice after a comma: levy or buy back)
        kinds = [k for k in (t.split(": ")[1].split(" (")[0].split(",")[0] for t in texts) if k != "defers"]
        return {k: kinds.count(k) for k in set(kinds)}, len(kinds)

    low_kinds, low_n = shares(low)
    high_kinds, high_n = shares(high)
    assert low_n > 0 and high_n > 0
    # without a penalty the bound developers pay nothing to walk away; a penalty of twice the land price
    # makes building anyway the better of the bad options more often
    assert low_kinds.get("breaks the contract", 0) > 0
    assert high_kinds.get("builds anyway", 0) / high_n > low_kinds.get("builds anyway", 0) / low_n + 0.1


# =================================================================== kostenverhaal is no stick


@pytest.mark.slow
def test_the_holdout_markup_matters_with_kostenverhaal_on():
    def years(markup):
        # without the council's review (review_after_quarters 400), which would end the stalled table at 4 years
        runs = arm("sok", (f"behaviour.holdout_markup={markup}", "instruments.steering_group_cut_probability=0.1",
                           "ownership.passive_land_share=0", developers(["holdout"] * 3 + ["cooperative"] * 3),
                           "instruments.review_after_quarters=400"), 80)
        assert all(r.summary["param.instruments.kostenverhaal"] for r in runs)
        return np.array([r.summary["years_to_agreement"] for r in runs], dtype=float)

    # kostenverhaal binds whoever gets a permit and forces no one into an agreement: a pivotal hold-out
    # that raises its price keeps the SOK waiting (about 4.0 vs 6+ years; not reached counts as 20)
    calm, greedy = np.nan_to_num(years(0.0), nan=20.0), np.nan_to_num(years(0.5), nan=20.0)
    assert greedy.mean() > calm.mean() + 1.0, (calm, greedy)
    assert (greedy >= calm - 1e-9).all()


# =================================================================== issue 13: expropriation, the plan for bought land, speculators


def _tender_model(*sets: str) -> AreaDevelopmentModel:
    return AreaDevelopmentModel(load_scenario(None, list(sets)), form="tender", seed=1)


_run_queue = run_desk  # let the municipality work quarter by quarter (helpers.run_desk)


def test_the_courts_procedure_follows_the_councils_decision_and_its_compensation_is_paid_beyond_the_budget():
    from coalitionsim.model.acquisition import buy_after

    from helpers import set_money

    court = 6
    m = _tender_model("instruments.expropriation=true", f"instruments.expropriation_quarters={court}")
    mun = m.municipality
    plot = next(p for p in m.area.plots if p.owner is not mun and not p.owner.developing)
    owner = plot.owner
    # staff is busy for three quarters with earlier work: the council's decision waits for it
    mun.enqueue("earlier work", "plan", 3 * mun.capacity, 0, lambda: None)
    neg = Negotiation(m, "test", [Party(mun, 10.0, 0.0, signed=True), Party(owner, 1.0, 0.0)], stick=True)
    assert buy_after(m, neg, [plot], m.governance.pool) == []  # not kept: its expropriation starts
    decided = _run_queue(m, lambda: any(i.decided is not None for i in mun.queue if i.kind == "acquisition"))
    assert decided is not None and decided >= 4  # after the earlier work and its own
    # nothing left of the area budget, not even its reserved credit (forced payments such as interest took it)
    set_money(m, mun, mun.floor())
    ruled = _run_queue(m, lambda: plot.owner is mun)
    # the court's quarters count from the decision (before, they ran while the decision waited for staff,
    # and the ruling then waited for budget: the procedure's length changed nothing)
    assert ruled == decided + court
    assert mun.budget_left < 0  # the court-ordered compensation is paid: the municipality borrows
    assert m.ledger.totals[(mun.account, owner.account, "expropriation")] == pytest.approx(
        plot.existing_use_value * (1 + m.scenario.instruments.expropriation_incidental_damage))


def test_plots_bought_while_the_plan_for_bought_land_waits_join_that_plan():
    m = _tender_model()
    # the grondexploitatie of a form without land assembly (a framework's); the tender's plans its acquired
    # land per phase (test_assembly.py), and a plot it acquires after its phase's plan gets a plan this way
    mun, pool = m.municipality, TenderPool(m.governance)
    bought = [p for p in m.area.plots if p.owner is not mun][:3]
    for p in bought:
        m.area.set_owner(p, mun)
    plans = lambda: [i for i in mun.queue if i.label.startswith("uitwerking gemeentegrond")]  # noqa: E731
    mun.queue.clear()
    pool.add([bought[0]])
    pool.add([bought[1]])
    assert len(plans()) == 1  # one procedure for the land the municipality issues, not one per plot
    plans()[0].done_work = 0.5  # its work has started: a plot that comes now waits for a plan of its own
    pool.add([bought[2]])
    assert len(plans()) == 2
    _run_queue(m, lambda: not plans())
    assert all(p.in_plan and p in pool.pool for p in bought)


def test_a_speculator_offers_its_plot_until_it_applies_for_the_permit():
    m = AreaDevelopmentModel(load_scenario(None, ["behaviour.speculator_markup=0.3"]), form="framework_organic", seed=1)
    speculator = next(o for o in m.owners if o.developing and getattr(o, "holdout", False))
    plot = next(p for p in m.area.plots if p.owner is not speculator and p.owner is not m.municipality)
    m.area.set_owner(plot, speculator)
    plot.land_price = 5.0  # what it paid
    for status in (Status.HELD, Status.INITIATIVE, Status.AGREED):
        plot.status = status
        # it bought to sell at a profit (NOVEX L912): also while its own initiative runs (before, its plots
        # went straight into that initiative and were never on offer)
        assert m.land_market.ask(plot) == pytest.approx(5.0 * 1.3), status
    plot.status = Status.PERMIT_PROCEDURE
    assert m.land_market.ask(plot) is None


# =================================================================== issue 25: the municipal grondexploitatie

DEEP_DOWNTURN = "market.shocks=[{kind='downturn', quarter=12, magnitude=0.35, duration=24}]"


def _tender_with(plots: int = 2, sets: tuple[str, ...] = ()):
    """A tender model with ``plots`` municipal plots in its pool, planned and ready to issue."""
    m = AreaDevelopmentModel(load_scenario(None, list(sets)), form="tender", seed=1)
    pool = m.governance.pool
    chosen = [p for p in m.area.plots if p.owner is m.municipality][:plots]
    for p in chosen:
        p.in_plan = True
    pool.pool = list(chosen)
    pool.hold(chosen)
    for p in chosen:
        pool.book[p.plot_id] = 0.0
    return m, pool, chosen


def test_the_tender_reserve_is_the_forecast_price_never_below_the_book_value():
    from coalitionsim.model.development import land_bid

    # two builders: one asks 4%, the other 14% (the market's mean 9%); the one at 4% cannot finance anything
    sets = ("ownership.developers=[{name='Laag', required_margin=0.04, equity=0}, "
            "{name='Hoog', required_margin=0.14, equity=500}]",)
    m, pool, (plot, _) = _tender_with(2, sets)
    hoog = next(o for o in m.owners if o.name == "Hoog")
    forecast = pool.forecast(plot)
    assert 0 < land_bid(m, plot, hoog) < forecast  # the 14% builder bids below the forecast at 9%
    pool._award([plot])
    # its bid is above the book value (0) but below the forecast: the reserve is the forecast, no award
    assert plot.owner is m.municipality and plot in pool.pool
    assert pool.failed[plot.plot_id] == (m.steps, pytest.approx(forecast))
    # and never below the book: a book above every bid keeps the plot, whatever the forecast
    m2, pool2, (plot2, _) = _tender_with(2, ("ownership.developers=[{name='Laag', required_margin=0.04, equity=500}]",))
    pool2.book[plot2.plot_id] = land_bid(m2, plot2, next(o for o in m2.owners if o.name == "Laag")) + 1.0
    pool2._award([plot2])
    assert plot2.owner is m2.municipality


def _depressed(m, factor: float = 0.85) -> None:
    """A downturn running now: prices at ``factor`` of the level the market returns to when it passes."""
    m.market.price_index = factor * m.market.underlying()[0]


def test_the_grondexploitatie_phases_and_waits_while_waiting_pays_then_writes_down():
    from coalitionsim.model.development import expected_prices

    m, pool, (covered, short) = _tender_with(2)
    wait = m.scenario.municipality.grex_wait_quarters
    assert pool.issuable() == [covered, short]  # both cover their book value (0) at the first look
    with expected_prices(m):
        expected = pool.forecast(short)
    _depressed(m)  # a downturn: its forecast falls well below what the market is expected to return to
    value = pool.forecast(short)
    assert 0 < value < expected - 2.0
    pool.book[short.plot_id] = expected  # its book value: what it expects once the downturn passes
    # phasing: only the plot that covers its book value is issued; the other waits, with a phasing event
    assert pool.issuable() == [covered]
    assert any(e.kind == "phasing" for e in m.events)
    m.steps += wait - 1
    assert pool.issuable() == [covered]  # still waiting: no round, no cut in its reserve
    assert not any(e.kind == "writedown" for e in m.events)
    m.steps += 1
    # after waiting grex_wait_quarters the book value is written down to the forecast: a book entry only
    balance = m.municipality.balance
    assert pool.issuable() == [covered, short]
    assert pool.book[short.plot_id] == pytest.approx(value)
    down = [e for e in m.events if e.kind == "writedown"]
    assert len(down) == 1 and down[0].amount == pytest.approx(expected - value)
    assert pool.written_down == pytest.approx(expected - value)
    assert m.municipality.balance == balance


def test_without_a_running_shock_a_loss_is_written_down_at_once():
    # the forecast at the expected prices is the forecast now: waiting does not pay (a loss known when the
    # land is booked, or one the market's walk brings, is written down at once)
    m, pool, (covered, short) = _tender_with(2)
    value = pool.forecast(short)
    pool.book[short.plot_id] = value + 4.0
    assert not pool.waiting_pays(short, lambda: pool.forecast(short))
    assert pool.issuable() == [covered, short]
    assert pool.book[short.plot_id] == pytest.approx(value)
    assert [e.amount for e in m.events if e.kind == "writedown"] == [pytest.approx(4.0)]


def test_waiting_does_not_pay_when_the_interest_on_the_book_value_exceeds_the_expected_recovery():
    from coalitionsim.model.development import expected_prices

    m, pool, (covered, short) = _tender_with(2)
    spec = m.scenario.municipality
    _depressed(m, 0.97)  # a shallow dip: the recovery it expects is small
    value = pool.forecast(short)
    with expected_prices(m):
        gain = pool.forecast(short) - value
    # a book value whose interest over the wait is worth more than the recovery: it writes down at once
    book = 2 * gain / ((1 + spec.interest_rate / 4) ** spec.grex_wait_quarters - 1)
    assert book > value
    pool.book[short.plot_id] = book
    assert pool.issuable() == [covered, short]
    assert pool.book[short.plot_id] == pytest.approx(value)
    # the same dip with a book value whose interest is worth less than the recovery: it waits
    m2, pool2, (covered2, short2) = _tender_with(2)
    _depressed(m2, 0.97)
    pool2.book[short2.plot_id] = value + gain / 2
    assert pool2.issuable() == [covered2]


def test_a_plot_without_a_bidder_waits_for_the_market_before_its_next_round():
    from coalitionsim.model.agents.developer import Developer

    m, pool, (plot, other) = _tender_with(2)
    wait = m.scenario.municipality.grex_wait_quarters
    developers = [o for o in m.owners if isinstance(o, Developer)]
    cash = {d.unique_id: d.balance for d in developers}
    for d in developers:  # nobody can finance a plot now
        m.ledger.transfer(d.account, "outside", d.balance + 1000.0, "land_sale", force=True)
    assert not pool.has_buyer(plot, pool.forecast(plot))
    pool.failed[plot.plot_id] = (m.steps, pool.forecast(plot))  # its last round found no bidder
    assert pool.issuable() == [other]  # no new round: its price and its buyers are as they were
    pool.failed[plot.plot_id] = (m.steps, pool.forecast(plot) - 1.0)  # its forecast has risen since
    assert pool.issuable() == [plot, other]
    pool.failed[plot.plot_id] = (m.steps - wait, pool.forecast(plot))  # or it has waited long enough
    assert pool.issuable() == [plot, other]
    pool.failed[plot.plot_id] = (m.steps, pool.forecast(plot))
    for d in developers:  # or a developer could now buy it at its reserve (marktconsultatie)
        m.ledger.transfer("outside", d.account, cash[d.unique_id] + 1000.0, "land_sale", force=True)
    assert pool.has_buyer(plot, pool.forecast(plot))
    assert pool.issuable() == [plot, other]


def test_the_book_value_of_held_land_carries_the_municipal_interest():
    m, pool, (plot, _) = _tender_with(2)
    pool.book[plot.plot_id] = 10.0
    pool._carry()
    assert pool.book[plot.plot_id] == pytest.approx(10.0 * (1 + m.scenario.municipality.interest_rate / 4))


@pytest.mark.slow
def test_in_a_deep_downturn_the_municipality_phases_waits_or_writes_down_and_tenders_a_bounded_number_of_rounds():
    runs = arm("tender", (DEEP_DOWNTURN,), 80)
    rounds = []
    for r in runs:
        ev, row = r.events, r.summary
        # its forecast turns negative for some of its plots: it holds them back (phasing), or writes down
        assert ev.kind.isin(["phasing", "writedown"]).any()
        # the write-down is a book entry: reported on its own, never added to public_deficit
        assert row["writedown"] == pytest.approx(ev.amount[ev.kind == "writedown"].sum())
        rounds.append(int(ev.text.str.contains("in preparation").sum()))
    # measured (these 8 seeds, 80 quarters, since a downturn stops the price trend's drift): 2-16 rounds
    # (10, 2, 7, 9, 9, 2, 16, 9; 13 or more in one seed), write-downs of €75-135 m in all 8. (Before that
    # change, measured the same way: 7-11 rounds. Halving the reserve after every failed round, as before
    # issue 25, ran 11-21 rounds here, 13 or more in 6 of the 8.) A round needs a plot that covers its book
    # value, has waited grex_wait_quarters, or, after a round without a bidder, whose forecast rose or that
    # a developer could now buy at its reserve; the longest seed tenders every 3 quarters after the
    # downturn, as plots' forecasts creep up with the trend
    assert max(rounds) <= 18 and sum(n >= 13 for n in rounds) <= 2, rounds
    assert sum(r.summary["writedown"] > 0 for r in runs) >= 6
