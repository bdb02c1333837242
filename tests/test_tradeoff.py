"""runner/tradeoff (issue 28): per criterion the forms ahead beyond the run-to-run spread, and the Pareto set.

The tables here are constructed seed by seed, so every expected answer follows from the definition:
A is ahead of B when the 90% interval (5th–95th percentile, inverted CDF) of the paired differences A − B
lies wholly on A's side of zero.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from coalitionsim.runner.stats import quantiles
from coalitionsim.runner.tradeoff import AHEAD_RULE, CRITERIA, MIN_SEEDS, tradeoff

METRICS = [c.metric for c in CRITERIA]
BASE = {"t50_years": 10.0, "realisation_share": 0.8, "public_deficit": 50.0, "free_riding_index": 0.3,
        "willing_unable_share": 0.1}


def table(values: dict[str, dict[str, list[float]]], seeds: int = 20, horizon_quarters: int = 100) -> pd.DataFrame:
    """One row per (form, seed): every criterion at BASE unless ``values[form][metric]`` gives its per-seed list."""
    rows = []
    for form, given in values.items():
        for s in range(seeds):
            row = {"form": form, "seed": s, "param.simulation.horizon_quarters": horizon_quarters}
            for m in METRICS:
                row[m] = given[m][s] if m in given else BASE[m]
            rows.append(row)
    return pd.DataFrame(rows)


def shifted(metric: str, by: float, seeds: int = 20, noise: float = 0.0, seed: int = 0) -> list[float]:
    rng = np.random.default_rng(seed)
    return list(BASE[metric] + by + rng.uniform(-noise, noise, seeds))


def test_all_equal_forms_have_no_difference_and_all_are_in_the_pareto_set():
    t = tradeoff(table({"tender": {}, "sok": {}, "gem": {}}))
    assert all(not c.any_difference and c.leader is None for c in t.criteria)
    assert t.pareto == ["tender", "sok", "gem"] and not t.cycle
    assert all("No clear difference" in c.text() for c in t.criteria)
    assert "No form is ahead of another on any criterion" in t.headline()


def test_a_form_dominated_on_one_criterion_only_leaves_the_pareto_set():
    # gem is 2 years slower on every seed and equal on the rest: tender and sok (tied everywhere) dominate it
    t = tradeoff(table({"tender": {}, "sok": {}, "gem": {"t50_years": shifted("t50_years", 2.0, noise=0.5)}}))
    speed = t.by_metric("t50_years")
    assert sorted(speed.ahead["tender"]) == ["gem"] and sorted(speed.ahead["sok"]) == ["gem"]
    assert speed.leader is None  # tender and sok are level: no single form is named
    assert "No single form ahead of all others" in speed.text()
    assert t.pareto == ["tender", "sok"] and t.dominates["tender"] == ["gem"]
    assert all(not c.any_difference for c in t.criteria if c.metric != "t50_years")


def test_a_trade_off_keeps_both_forms_and_names_each_strength():
    # tender faster, sok cheaper for the public: neither dominates
    t = tradeoff(table({"tender": {"t50_years": shifted("t50_years", -1.0, noise=0.3)},
                        "sok": {"public_deficit": shifted("public_deficit", -20.0, noise=5.0, seed=1)}}))
    assert t.by_metric("t50_years").leader == "tender" and t.by_metric("public_deficit").leader == "sok"
    assert t.pareto == ["tender", "sok"] and not any(t.dominates.values())
    head = t.headline()
    assert "trade-off between tender and sok" in head
    assert "tender is faster than sok" in head and "sok costs the public less than tender" in head


def test_ties_on_a_criterion_name_no_one():
    # identical on every seed: the paired interval is [0, 0]; zero is not a side
    values = shifted("free_riding_index", 0.0, noise=0.1, seed=3)
    t = tradeoff(table({"tender": {"free_riding_index": values}, "sok": {"free_riding_index": values}}))
    c = t.by_metric("free_riding_index")
    assert c.pairs[("tender", "sok")].p5 == c.pairs[("tender", "sok")].p95 == 0.0
    assert not c.any_difference and t.pareto == ["tender", "sok"]


def test_better_on_most_seeds_but_an_interval_that_includes_zero_is_not_ahead():
    # tender faster by a year on 18 of 20 seeds, slower by a year on 2: the 95th percentile of the difference
    # (the 19th of 20 ordered values) is +1, so the interval includes zero; with one slower seed it does not
    for slower, expect in ((2, False), (1, True)):
        diff = [-1.0] * (20 - slower) + [1.0] * slower
        t = tradeoff(table({"tender": {"t50_years": [10.0 + d for d in diff]}, "sok": {}}))
        p = t.by_metric("t50_years").pairs[("tender", "sok")]
        assert p.median == -1.0  # the median says 'faster' either way
        assert t.is_ahead("tender", "sok", "t50_years") is expect, (slower, p)
        assert t.by_metric("t50_years").leader == ("tender" if expect else None)


def test_a_t50_not_reached_counts_as_the_horizon_and_is_marked():
    # gem never reaches half the homes in 25 years: as the horizon (25) it is 15 years behind 10
    t = tradeoff(table({"tender": {}, "gem": {"t50_years": [math.nan] * 20}}))
    speed = t.by_metric("t50_years")
    assert speed.pairs[("tender", "gem")].median == -15.0 and speed.leader == "tender"
    assert speed.not_reached == {"tender": 0, "gem": 20}
    assert any("not reached, counted as the horizon: gem 20 runs" in line for line in t.lines())
    assert t.pareto == ["tender"]
    assert "tender is the only form that no other form beats; it is faster than gem" in t.headline()


def test_one_seed_cannot_show_a_difference():
    t = tradeoff(table({"tender": {"t50_years": [5.0]}, "sok": {}}, seeds=1))
    assert t.seeds == 1 < MIN_SEEDS and not t.enough_seeds
    assert not any(c.any_difference for c in t.criteria) and t.pareto == ["tender", "sok"]
    assert t.headline().startswith("One seed cannot show a difference")


def test_two_forms_never_dominate_each_other_but_three_can_circle_and_the_set_keeps_the_circle():
    # build the circle directly on three criteria, every other comparison level
    a, b, c = "tender", "sok", "gem"
    n = 20
    t50 = {a: [9.0] * n, b: [10.0] * n, c: [9.0] * n}  # a, c ahead of b on speed
    deficit = {a: [50.0] * n, b: [40.0] * n, c: [50.0] * n}  # b ahead of a, c on money
    fri = {a: [0.3] * n, b: [0.3] * n, c: [0.2] * n}  # c ahead of a, b on free riding
    t = tradeoff(table({f: {"t50_years": t50[f], "public_deficit": deficit[f], "free_riding_index": fri[f]}
                        for f in (a, b, c)}))
    # a vs b: a faster, b cheaper -> trade-off; c vs a: c less free riding, equal otherwise -> c dominates a;
    # c vs b: c faster and less free riding, b cheaper -> trade-off. No circle: pareto b, c
    assert t.dominates == {a: [], b: [], c: [a]} and t.pareto == [b, c] and not t.cycle
    # now a true circle: a > b on speed, b > c on money, c > a on free riding, all else level
    t50 = {a: [9.0] * n, b: [10.0] * n, c: list(np.linspace(8.0, 11.0, n))}  # c level with both
    deficit = {a: list(np.linspace(25.0, 55.0, n)), b: [30.0] * n, c: [40.0] * n}
    fri = {a: [0.3] * n, b: list(np.linspace(0.1, 0.4, n)), c: [0.2] * n}
    t = tradeoff(table({f: {"t50_years": t50[f], "public_deficit": deficit[f], "free_riding_index": fri[f]}
                        for f in (a, b, c)}))
    assert t.dominates == {a: [b], b: [c], c: [a]}
    assert t.cycle == [a, b, c] and t.pareto == [a, b, c]
    assert "circle" in t.headline()


def _check(t, s: pd.DataFrame) -> None:
    """Every 'ahead' against the definition recomputed here, and its converse."""
    for c in t.criteria:
        for a in t.forms:
            for b in t.forms:
                if a == b:
                    continue
                va = s[s.form == a].set_index("seed")[c.metric]
                vb = s[s.form == b].set_index("seed")[c.metric]
                lo, _m, hi = quantiles((va - vb).to_numpy(float))
                side = bool(hi < 0 if c.criterion.lower_is_better else lo > 0)
                assert (b in c.ahead[a]) is side, (c.metric, a, b, lo, hi)
                if b in c.ahead[a]:
                    assert not (lo <= 0 <= hi)  # never ahead where the interval includes zero
        if c.leader is not None:
            assert set(c.ahead[c.leader]) == set(t.forms) - {c.leader}
    for a in t.forms:
        for b in t.dominates[a]:
            assert a not in t.dominates[b]  # two forms never dominate each other
    assert t.pareto  # never empty
    for f in t.pareto:
        assert t.cycle or not any(f in t.dominates[g] for g in t.forms)


@pytest.mark.parametrize("trial", range(12))
def test_random_tables_follow_the_definition(trial):
    rng = np.random.default_rng(trial)
    forms = ["tender", "sok", "gem", "framework_subareas", "framework_organic"][: int(rng.integers(2, 6))]
    seeds = int(rng.integers(2, 30))
    # common random numbers: one effect per seed shared by every form, a form's offset, and its own noise
    shared = {m: rng.normal(0, 1, seeds) for m in METRICS}
    values = {f: {m: list(BASE[m] + (BASE[m] / 5) * (rng.normal(0, 1) + shared[m] + rng.normal(0, 0.4, seeds)))
                  for m in METRICS} for f in forms}
    s = table(values, seeds=seeds)
    _check(tradeoff(s), s)


def test_the_rule_is_stated():
    t = tradeoff(table({"tender": {}, "sok": {}}))
    assert t.lines()[0].endswith(AHEAD_RULE) and "5th–95th percentile" in AHEAD_RULE
    assert t.to_dict()["definition"] == AHEAD_RULE and t.to_dict()["pareto_set"] == ["tender", "sok"]


# --------------------------------------------------------------------------- every surface uses the one function


def test_compare_prints_and_writes_the_one_answer(tmp_path, monkeypatch, capsys):
    import json

    import coalitionsim.runner.tradeoff as T
    from coalitionsim.cli import main

    answers = []
    real = T.tradeoff
    monkeypatch.setattr(T, "tradeoff", lambda s: answers.append(real(s)) or answers[-1])
    args = ["compare", "--replications", "2", "--workers", "1", "--set", "simulation.horizon_quarters=12"]
    assert main([*args, "--out", str(tmp_path / "a")]) == 0
    out = capsys.readouterr().out
    assert len(answers) == 1
    closing = out[out.index("The answer as a trade-off"):]
    assert " ".join(closing.split()).startswith(" ".join(" ".join(answers[0].lines()).split()))
    assert main([*args, "--out", str(tmp_path / "b"), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert len(answers) == 2 and data["tradeoff"] == answers[1].to_dict()
    assert data["tradeoff"]["definition"] == AHEAD_RULE
