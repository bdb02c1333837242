"""Same seed, same result, on any executor (design principle 3); seeds are recorded; seeds matter."""

from __future__ import annotations

import pandas as pd
import pytest

from coalitionsim import AreaDevelopmentModel, load_scenario
from coalitionsim.model.metrics import summary, timeseries
from coalitionsim import runner

SCENARIO = load_scenario(None, ["simulation.horizon_quarters=40"])


def one_run(form: str, seed: int):
    model = AreaDevelopmentModel(SCENARIO, form=form, seed=seed).run()
    return model, summary(model), timeseries(model)


def assert_summary_equal(a: dict, b: dict):
    assert a.keys() == b.keys()
    pd.testing.assert_frame_equal(pd.DataFrame([a]), pd.DataFrame([b]))


@pytest.mark.parametrize("form", ["tender", "sok", "gem", "framework_subareas", "framework_organic"])
def test_same_seed_same_result(form):
    m1, s1, ts1 = one_run(form, 42)
    m2, s2, ts2 = one_run(form, 42)
    assert_summary_equal(s1, s2)
    pd.testing.assert_frame_equal(ts1, ts2)
    assert m1.events == m2.events
    assert s1["seed"] == 42


def test_runner_run_is_reproducible():
    r1 = runner.run(SCENARIO, "sok", seed=5)
    r2 = runner.run(SCENARIO, "sok", seed=5)
    assert_summary_equal(r1.summary, r2.summary)
    pd.testing.assert_frame_equal(r1.timeseries, r2.timeseries)
    pd.testing.assert_frame_equal(r1.projects, r2.projects)


def test_unseeded_run_records_its_seed_and_can_be_repeated():
    first = runner.run(SCENARIO, "framework_organic")
    seed = first.summary["seed"]
    assert isinstance(seed, int)
    again = runner.run(SCENARIO, "framework_organic", seed=seed)
    assert_summary_equal(first.summary, again.summary)
    pd.testing.assert_frame_equal(first.timeseries, again.timeseries)


def test_different_seeds_differ():
    _, s1, ts1 = one_run("sok", 1)
    _, s2, ts2 = one_run("sok", 2)
    assert not ts1.drop(columns="seed").equals(ts2.drop(columns="seed"))
    # the stochastic parts differ, not only the seed column
    keys = ["homes_completed", "objections", "free_riding_index", "public_deficit", "willing_unable_share"]
    assert any(s1[k] != s2[k] for k in keys)


def test_replication_seeds_are_distinct_and_reproducible():
    a = runner.replication_seeds(123, 6)
    assert a == runner.replication_seeds(123, 6)
    assert len(set(a)) == 6
    assert runner.replication_seeds(124, 6) != a
    assert runner.replication_seeds(123, 3) == a[:3]  # adding replications keeps the first ones


@pytest.fixture(scope="module")
def compared_serial():
    return runner.compare(SCENARIO, replications=2, workers=1, seed=99)


def test_compare_workers_do_not_change_results(compared_serial):
    parallel = runner.compare(SCENARIO, replications=2, workers=2, seed=99)
    assert compared_serial.seeds == parallel.seeds
    pd.testing.assert_frame_equal(compared_serial.summary, parallel.summary)
    pd.testing.assert_frame_equal(compared_serial.timeseries, parallel.timeseries)
    pd.testing.assert_frame_equal(compared_serial.projects, parallel.projects)


def test_compare_records_seeds_and_uses_common_random_numbers(compared_serial):
    res = compared_serial
    assert res.seeds == runner.replication_seeds(99, 2)
    forms = res.summary["form"].unique()
    assert len(forms) == 5
    for form in forms:
        assert sorted(res.summary.loc[res.summary.form == form, "seed"]) == sorted(res.seeds)
    assert set(res.timeseries["seed"]) == set(res.seeds)


def test_compare_run_equals_a_single_run_with_its_seed(compared_serial):
    res = compared_serial
    seed = res.seeds[1]
    single = runner.run(SCENARIO, "gem", seed=seed)
    row = res.summary[(res.summary.form == "gem") & (res.summary.seed == seed)].reset_index(drop=True)
    pd.testing.assert_frame_equal(row, pd.DataFrame([single.summary]), check_dtype=False)


def test_compare_root_seed_matters():
    a = runner.compare(SCENARIO, replications=2, workers=1, seed=1, forms=["sok"])
    b = runner.compare(SCENARIO, replications=2, workers=1, seed=2, forms=["sok"])
    assert a.seeds != b.seeds
    assert not a.timeseries.drop(columns="seed").equals(b.timeseries.drop(columns="seed"))


def test_run_and_compare_give_projects_as_the_same_kind_of_table():
    one = runner.run(SCENARIO, "sok", seed=5)
    assert isinstance(one.projects, pd.DataFrame) and len(one.projects) == 36  # one row per plot
    both = runner.result_tables([one, runner.run(SCENARIO, "gem", seed=5)])
    assert list(both) == list(runner.runs.TABLES)
    assert list(both["projects"].columns) == list(one.projects.columns) and len(both["projects"]) == 72
