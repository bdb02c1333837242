"""Properties that hold for every valid scenario: capacity bounds, shares in 0..1, money accounted for.

Hypothesis draws a handful of parameters (shares, counts, instruments, horizon 8–40 quarters, form, seed);
each example is one full run that is checked against identities that follow from the bookkeeping in
``contributions.py``, ``agents/municipality.py`` and ``agents/rijk.py``.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coalitionsim import FORMS, AreaDevelopmentModel, load_scenario
from coalitionsim.model.area import Status
from coalitionsim.model.governance import load_all
from coalitionsim.model.metrics import GROUPS, summary, timeseries

TOL = 1e-6


def flag(b: bool) -> str:
    return "true" if b else "false"


@st.composite
def scenarios(draw):
    form = draw(st.sampled_from(FORMS))
    municipal = draw(st.sampled_from([0.0, 0.1, 0.33, 0.5, 0.7]))
    corporation = draw(st.sampled_from([0.0, 0.1, 0.14]))
    passive = draw(st.sampled_from([0.0, 0.11, 0.2]))
    if municipal + corporation + passive > 1:
        passive = 0.0
    expropriation = draw(st.booleans())
    if form == "tender" and municipal == 0 and not expropriation:
        municipal = 0.1  # otherwise the form is not applicable (tested elsewhere)
    social = draw(st.sampled_from([0.0, 0.2, 0.3, 0.6]))
    mid = draw(st.sampled_from([0.0, 0.2, 0.4]))
    sets = [
        f"simulation.horizon_quarters={draw(st.integers(8, 40))}",
        f"ownership.municipal_land_share={municipal}",
        f"ownership.corporation_land_share={corporation}",
        f"ownership.passive_land_share={passive}",
        f"ownership.passive_owners={draw(st.integers(1, 6))}",
        f"programme.social_share={social}",
        f"programme.mid_share={mid}",
        f"behaviour.free_rider_share={draw(st.sampled_from([0.0, 0.3, 0.7, 1.0]))}",
        f"residents.objection_propensity={draw(st.sampled_from([0.0, 0.3, 1.0]))}",
        f"residents.groups={draw(st.integers(0, 30))}",
        f"municipality.staff_capacity={draw(st.sampled_from([1.0, 3.0, 6.0, 20.0]))}",
        f"municipality.budget={draw(st.sampled_from([0.0, 50.0, 150.0, 1000.0]))}",
        f"market.absorption_per_quarter={draw(st.sampled_from([20, 110, 1000]))}",
        f"instruments.kostenverhaal={flag(draw(st.booleans()))}",
        f"instruments.kettingbeding={flag(draw(st.booleans()))}",
        f"instruments.biz={flag(draw(st.booleans()))}",
        f"instruments.giz={flag(draw(st.booleans()))}",
        f"instruments.expropriation={flag(expropriation)}",
        f"instruments.dubbel_toetsen={flag(draw(st.booleans()))}",
        f"instruments.process_director={flag(draw(st.booleans()))}",
        f"instruments.compensation_budget={draw(st.sampled_from([0.0, 1.0, 5.0]))}",
        f"instruments.phasing_quarters={draw(st.integers(1, 8))}",
        f"rijk.gebiedsbudget={draw(st.sampled_from([0.0, 30.0, 200.0]))}",
        f"rijk.cofunding_share={draw(st.sampled_from([0.25, 0.5, 1.0]))}",
        f"behaviour.election_interval_quarters={draw(st.sampled_from([4, 16]))}",
    ]
    if draw(st.booleans()):
        sets.append("market.shocks=[{kind='downturn', quarter=4, magnitude=0.3, duration=8}]")
    if draw(st.booleans()):
        sets.append("market.shocks=[{kind='permit_freeze', quarter=2, duration=6}]")
    seed = draw(st.integers(0, 2**31 - 1))
    return load_scenario(None, sets), form, seed


def run(scenario, form, seed):
    assert load_all()[form].not_applicable(scenario) is None
    model = AreaDevelopmentModel(scenario, form=form, seed=seed).run()
    return model, summary(model), timeseries(model)


SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(scenarios())
def test_homes_never_exceed_capacity(case):
    scenario, form, seed = case
    model, row, ts = run(scenario, form, seed)
    plots = model.area.plots
    planned = scenario.homes_planned
    assert row["homes_planned"] == planned == sum(p.homes for p in plots)
    for p in plots:
        assert sum(p.segment_homes.values()) == p.homes
        assert min(p.segment_homes.values()) >= 0
    # per sub-area: never more completed than its plots hold
    for sub in scenario.subareas:
        done = sum(p.homes for p in plots if p.subarea == sub.name and p.status == Status.COMPLETED)
        assert done <= sub.plots * sub.homes_per_plot
    completed = ts["homes_completed"].to_numpy()
    assert (completed[1:] >= completed[:-1]).all(), "cumulative completions went down"
    assert completed[0] == 0 and completed[-1] == row["homes_completed"] <= planned
    assert row["homes_completed"] == sum(p.homes for p in plots if p.status == Status.COMPLETED)
    # every home started is started once: the per-step starts add up to the plots that started
    started = sum(p.homes for p in plots if p.step_construction_start is not None)
    assert ts["homes_started"].sum() == started <= planned
    assert (ts["homes_started"] >= 0).all()
    # the pipeline runs forward: application <= permit <= start <= completion
    for p in plots:
        chain = [p.step_permit_application, p.step_permit, p.step_construction_start, p.step_completion]
        present = [s for s in chain if s is not None]
        assert present == sorted(present), (p.plot_id, chain)
        if p.step_completion is not None:
            assert p.step_completion - p.step_construction_start >= scenario.instruments.construction_quarters


def in_unit(x) -> bool:
    return -TOL <= x <= 1 + TOL


@SETTINGS
@given(scenarios())
def test_shares_stay_between_0_and_1(case):
    scenario, form, seed = case
    _, row, ts = run(scenario, form, seed)
    for key in ("realisation_share", "free_riding_index", "free_rider_share", "funding_gap_share",
                "willing_unable_share", "social_share_realised", "voluntary_contribution_rate", "trust_mean"):
        value = row[key]
        if key in ("social_share_realised", "voluntary_contribution_rate", "trust_mean") and math.isnan(value):
            continue
        assert in_unit(value), (key, value)
    columns = ["free_riding_index", "willing_unable_share", "trust_mean", "voluntary_contribution_rate"]
    columns += [f"{k}_{g}" for k in ("draagvlak", "draagkracht") for g in GROUPS]
    for col in columns:
        values = ts[col].dropna()
        if col != "voluntary_contribution_rate":
            # only the voluntary rate (nothing asked) and empty groups may be missing
            assert ts[col].notna().all() or col.endswith(("_corporations", "_residents", "_developers")), col
        assert values.between(-TOL, 1 + TOL).all(), (col, values.min(), values.max())
    for g in GROUPS:
        gap = row[f"gap_{g}"]
        assert math.isnan(gap) or -1 - TOL <= gap <= 1 + TOL


@SETTINGS
@given(scenarios())
def test_money_is_accounted_for(case):
    scenario, form, seed = case
    model, row, ts = run(scenario, form, seed)
    mun, rijk, c = model.municipality, model.rijk, model.contributions
    tasks = model.area.tasks

    # the municipality: every euro in and out is booked; its land enters at book value (inbrengwaarde)
    book_value = sum(p.existing_use_value for p in model.area.plots if p.original_owner_type == "municipality")
    assert mun.balance == pytest.approx(mun.revenue - mun.spent - book_value, abs=1e-6)
    assert mun.spent >= -TOL and mun.revenue >= -TOL
    assert row["public_deficit"] == pytest.approx(max(0.0, -mun.balance))
    assert ts["public_balance"].iloc[-1] == pytest.approx(mun.balance)
    assert ts["public_balance"].iloc[0] == pytest.approx(-book_value)

    # contributions: every payment is booked once per plot, and once per task by payer
    paid_plots = sum(c.paid_by_plot.values())
    assert paid_plots == pytest.approx(c.private_paid + c.public_paid, abs=1e-6)
    by_payer_private = sum(v for t in tasks for uid, v in t.paid_by.items() if uid != mun.unique_id)
    by_payer_public = sum(v for t in tasks for uid, v in t.paid_by.items() if uid == mun.unique_id)
    assert by_payer_private == pytest.approx(c.private_paid, abs=1e-6)
    assert by_payer_public == pytest.approx(c.public_paid, abs=1e-6)
    assert min(c.paid_by_plot.values()) >= -TOL
    # one-off collective tasks hold exactly what was paid towards them
    for t in tasks:
        if not t.spec.recurring and t.spec.kind == "collective":
            assert t.funds == pytest.approx(sum(t.paid_by.values()), abs=1e-6), t.name
    # private payments towards public works refund the municipality that pre-finances them
    refunds = sum(v for t in tasks if t.spec.kind == "public_works" and not t.spec.recurring
                  for uid, v in t.paid_by.items() if uid != mun.unique_id)
    assert mun.revenue >= refunds - 1e-6
    # what the municipality and Rijk spent covers at least the public works started, the municipality's
    # own contributions and the compensation paid
    started_works = sum(t.spec.cost for t in tasks if t.spec.kind == "public_works" and t.delivery_started is not None)
    assert mun.spent + rijk.paid >= started_works + c.public_paid + model.compensation_paid - 1e-6
    assert model.compensation_paid <= scenario.instruments.compensation_budget + 1e-6
    assert c.funding_gap() == pytest.approx(max(0.0, c.total_cost() - c.private_paid))

    # the Rijk: released tranches are either in the pot or paid out, never more than the gebiedsbudget
    assert rijk.released == pytest.approx(rijk.pot + rijk.paid, abs=1e-6)
    assert rijk.released <= scenario.rijk.gebiedsbudget + 1e-6
    assert rijk.pot >= -TOL and row["rijk_subsidy"] == pytest.approx(rijk.paid)

    # the free-riding index is what its definition says, from the per-plot ledger
    private = [p for p in model.area.plots if p.owner is not mun]
    fair = sum(c.fair_share_incurred(p) for p in private)
    shortfall = sum(max(0.0, c.fair_share_incurred(p) - c.paid_by_plot[p.plot_id]) for p in private)
    assert row["free_riding_index"] == pytest.approx(shortfall / fair if fair > 0 else 0.0)


@pytest.mark.parametrize("form", FORMS)
def test_homes_started_series_matches_the_projects(form):
    model = AreaDevelopmentModel(load_scenario(None, ["simulation.horizon_quarters=60"]), form=form, seed=8).run()
    ts = model.datacollector.get_model_vars_dataframe()
    for step in range(1, len(ts)):
        expected = sum(p.homes for p in model.area.plots if p.step_construction_start == step)
        assert ts["homes_started"].iloc[step] == expected, step


@pytest.mark.parametrize("form", ["sok", "framework_organic"])
def test_homes_permitted_series_matches_the_projects(form):
    model = AreaDevelopmentModel(load_scenario(None, ["simulation.horizon_quarters=60"]), form=form, seed=8).run()
    ts = model.datacollector.get_model_vars_dataframe()
    for step in range(1, len(ts)):
        expected = sum(p.homes for p in model.area.plots if p.step_permit == step)
        assert ts["homes_permitted"].iloc[step] == expected, step
