"""Robust across the assumptions (issue 29): kinds and ranges in the schema, the sampled worlds, the answer
across them, and `coalitionsim robust` (reproducible, resumable, identical on processes and Dask)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from coalitionsim.batch.robust import analyse, robust, robust_experiment
from coalitionsim.batch.sweep import load_runs, shards
from coalitionsim.cli import main
from coalitionsim.runner import assumptions as A
from coalitionsim.runner.levers import levers
from coalitionsim.scenario import Scenario, load_scenario, scenario_from_dict, apply_overrides
from helpers import kill_after_first_shard

REPO = Path(__file__).resolve().parents[1]
TINY = dict(worlds=3, seeds=2, forms=["tender", "sok"], overrides=["simulation.horizon_quarters=12"])


# --------------------------------------------------------------------------- kinds and ranges in the schema


def test_every_field_has_a_kind_and_every_assumption_a_range_with_its_source():
    fields = A.fields_by_kind()
    assert len(fields) > 150
    no_kind = [p for p, k, _ in fields if k not in A.KINDS]
    assert not no_kind, f"declare a kind (scenario.LEVER/AREA/SETTING or assumed(...)) for: {no_kind}"
    no_range = [p for p, k, e in fields if k == "assumption" and not (e.get("range") or {}).get("source")]
    assert not no_range, f"these assumptions have no plausible range with its source: {no_range}"
    for p, k, e in fields:
        r = e.get("range")
        if r is not None:
            assert k == "assumption", f"{p}: a range on a {k}"
            lo, hi = r["factor"] if "factor" in r else (r["min"], r["max"])
            assert lo < hi, p
    kinds = {p: k for p, k, _ in fields}
    # the examples of the issue, each in its kind
    assert kinds["market.interest_rate"] == kinds["municipality.staff_capacity"] == "assumption"
    assert kinds["ownership.developers.N.required_margin"] == "assumption"
    assert kinds["instruments.kettingbeding"] == kinds["rijk.gebiedsbudget"] == kinds["municipality.budget"] == "lever"
    assert kinds["ownership.municipal_land_share"] == kinds["subareas.N.plots"] == "area"
    assert kinds["ownership.developers.N.equity"] == kinds["programme.social_share"] == "area"


def test_an_assumption_without_a_range_fails_the_check(monkeypatch):
    from coalitionsim.scenario import Market

    info = Market.model_fields["interest_rate"]
    monkeypatch.setattr(info, "json_schema_extra", {"kind": "assumption"})
    assert "market.interest_rate" in [p for p, k, e in A.fields_by_kind() if k == "assumption" and not e.get("range")]


def test_the_odd_table_of_kinds_and_ranges_is_the_schema_s():
    odd = (REPO / "docs" / "ODD.md").read_text(encoding="utf-8")
    start = odd.index(A.ODD_TABLE_HEADER.splitlines()[0])
    end = odd.find("\n\n", start)
    assert odd[start:end if end >= 0 else None].strip() == A.kinds_table(), \
        "docs/ODD.md §6.6 differs from the schema: paste `python -m coalitionsim.runner.assumptions` there"


def test_ranges_follow_the_scenario_and_the_field_bounds():
    base = {p.path: p for p in A.parameters()}
    rng = A.target_range
    assert rng(base["market.interest_rate"]) == (0.02, 0.07)  # the documented range
    # a value outside the range takes the range along, the same multiples of its value
    big = {p.path: p for p in levers(load_scenario(None, ["municipality.staff_capacity=30"]))}
    lo, hi = rng(big["municipality.staff_capacity"])
    assert (lo, hi) == pytest.approx((15.0, 75.0))
    # a factor range is a multiple of each item's own value; clipped to the field's bounds
    assert rng(base["tasks.0.cost"]) == pytest.approx((30.0, 90.0))
    assert rng(base["ownership.developers.0.required_margin"]) == pytest.approx((0.05, 0.12))
    # an int field takes whole numbers; a zero under a factor range stays zero (held)
    assert rng(base["behaviour.dropout_quarters"]) == (2, 8)
    assert rng(base["tasks.5.uplift"]) is None
    dims = {d.name: d for d in A.dimensions(Scenario())}
    d = dims["tasks.N.cost"]
    assert len(d.targets) == 6  # one dimension, every item: a common factor
    values = [t.value(0.25) for t in d.targets]
    assert values == pytest.approx([t.low + 0.25 * (t.high - t.low) for t in d.targets])
    assert len({round(v / t.low, 9) for v, t in zip(values, d.targets)}) == 1


def test_levers_area_facts_and_settings_are_never_sampled():
    sc = load_scenario("strijp_s")
    exp = robust_experiment("strijp_s", worlds=5, seeds=1)
    kinds = {p.path: p.kind for p in levers(sc)}
    assert len(exp.dims) > 60
    held = {p.path: p.value for p in levers(sc) if p.kind != "assumption"}
    for w in range(exp.n_points):
        paths = [o.split("=", 1)[0] for o in exp.overrides(w)]
        assert paths and all(kinds[p] == "assumption" for p in paths)
        world = scenario_from_dict(apply_overrides(exp.base, exp.overrides(w), "x"))
        now = {p.path: p.value for p in levers(world) if p.kind != "assumption"}
        assert now == held
    # and the assumptions do move: every world differs from the scenario in most of them
    moved = [sum(o.split("=", 1)[1] != repr(None) for o in exp.overrides(w)) for w in range(exp.n_points)]
    assert min(moved) > 60


# --------------------------------------------------------------------------- the answer across the worlds


def _two_regime_runs(n_worlds: int = 24, k: int = 6, decisive: int = 2, seeds: int = 4):
    """Constructed worlds: form a's t50 is 10 years everywhere; form b's is 7 years where assumption
    ``decisive`` lies in the upper half of its range and 13 where in the lower, with a seed spread of 0.3
    (far less than the 3-year gap): who is faster flips with that one assumption and no other. b realises
    0.9 of the plan everywhere, a 0.8 (a higher-is-better criterion that no assumption moves)."""
    rng = np.random.default_rng(5)
    u = rng.random((n_worlds, k))
    u[:, decisive] = (np.arange(n_worlds) + 0.5) / n_worlds  # both regimes well filled
    rng.shuffle(u[:, decisive])
    rows = []
    for w in range(n_worlds):
        for s in range(seeds):
            noise = rng.normal(0, 0.3, 2)
            b = 7.0 if u[w, decisive] > 0.5 else 13.0
            rows += [{"point": w, "form": "a", "seed": s, "t50_years": 10 + noise[0], "realisation_share": 0.8},
                     {"point": w, "form": "b", "seed": s, "t50_years": b + noise[1], "realisation_share": 0.9}]
    df = pd.DataFrame(rows)
    df["param.simulation.horizon_quarters"] = 100
    return df, u


def test_the_ranking_of_assumptions_finds_the_one_that_decides():
    runs, u = _two_regime_runs()
    names = [f"x{j}" for j in range(u.shape[1])]
    ans = analyse(runs, u, names, ["a", "b"])
    top = ans.top("t50_years", 1).iloc[0]
    assert top["assumption"] == "x2" and top["pair"] == "a − b" and top["coefficient"] > 0.5
    rest = ans.drivers[(ans.drivers["criterion"] == "t50_years") & (ans.drivers["assumption"] != "x2")]
    assert rest["strength"].max() < top["strength"] - 0.3
    flips = ans.flips.iloc[0]
    assert flips["a_ahead"] == pytest.approx(0.5) and flips["b_ahead"] == pytest.approx(0.5)
    t = ans.forms_table[ans.forms_table["criterion"] == "t50_years"].set_index("form")
    assert t.loc["a", "not_behind"] == pytest.approx(0.5) and t.loc["b", "ahead_of_all"] == pytest.approx(0.5)
    # regret: 3 years behind in half the worlds
    assert t.loc["a", "regret_p90"] == pytest.approx(3, abs=0.5) and t.loc["b", "regret_p90"] == pytest.approx(3, abs=0.5)
    # a criterion where higher is better: a is 0.1 behind b in every world, b is never behind
    r = ans.forms_table[ans.forms_table["criterion"] == "realisation_share"].set_index("form")
    assert r.loc["a", "regret_median"] == pytest.approx(0.1) and r.loc["b", "regret_p90"] == 0
    assert r.loc["b", "ahead_of_all"] == 1 and r.loc["a", "not_behind"] == 0
    assert ans.top("realisation_share").empty  # nothing moves it, so no assumption decides it
    if ans.boxes:  # with the EMA extra: PRIM puts the box on x2 alone
        assert set(ans.boxes[0]["limits"]) == {"x2"}


# --------------------------------------------------------------------------- the study: reproducible, resumable


def test_tiny_robust_is_reproducible_and_resumes_after_a_loss(tmp_path):
    a = robust(None, **TINY, workers=1, out=tmp_path / "a", progress=False, echo=lambda m: None, shard_size=2)
    b = robust(None, **TINY, workers=1, out=tmp_path / "b", progress=False, echo=lambda m: None, shard_size=2)
    ra, rb = (load_runs(r.out).drop(columns="duration_s") for r in (a, b))
    assert len(ra) == 3 * 2 * 2 and (ra["status"] == "ok").all()
    pd.testing.assert_frame_equal(ra, rb)
    assert a.answer.to_dict() == b.answer.to_dict()
    # lose the last shards (as a kill between shards would) and resume: the same runs, the same answer
    for p in shards(a.out)[3:]:
        p.unlink()
    said = []
    c = robust(None, **TINY, workers=1, out=tmp_path / "a", resume=True, progress=False, echo=said.append)
    assert "design: 12 runs" in " ".join(said)
    pd.testing.assert_frame_equal(load_runs(c.out).drop(columns="duration_s"), ra)
    assert c.answer.to_dict() == a.answer.to_dict()
    stored = json.loads((c.out / "robust.json").read_text())
    assert stored["worlds"] == 3 and set(stored["pareto_share"]) == {"tender", "sok"}
    # a different root seed draws other worlds
    other = robust_experiment(None, worlds=3, seeds=2, root_seed=1)
    assert not np.allclose(other.raw, a.experiment.raw)


def test_robust_command_prints_the_answer_and_refuses_bad_input(tmp_path, capsys):
    args = ["robust", "--worlds", "2", "--seeds", "1", "--forms", "tender,sok", "--set",
            "simulation.horizon_quarters=8", "--workers", "1", "--out", str(tmp_path / "o")]
    assert main(args + ["--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["worlds"] == 2 and data["forms"] == ["tender", "sok"] and len(data["assumptions"]) > 60
    assert (tmp_path / "o" / "figures" / "robust.png").is_file()
    from coalitionsim.reporting.report import report

    html = report(tmp_path / "o").read_text(encoding="utf-8")
    assert "Robust across what the model assumes" in html and "robust_forms.csv" in html
    assert main(["robust", "--forms", "tender,nope", "--out", str(tmp_path / "x")]) == 2
    assert capsys.readouterr().err.strip().startswith("error: --forms")
    assert not (tmp_path / "x").exists()


@pytest.mark.slow
def test_robust_is_identical_on_processes_and_dask(tmp_path):
    quiet = dict(progress=False, echo=lambda m: None)
    p = robust(None, **TINY, workers=2, out=tmp_path / "p", **quiet)
    d = robust(None, **TINY, workers=2, scheduler="local", out=tmp_path / "d", **quiet)
    assert "processes" in p.executor and "Dask" in d.executor
    pd.testing.assert_frame_equal(load_runs(p.out).drop(columns="duration_s"),
                                  load_runs(d.out).drop(columns="duration_s"))
    assert p.answer.to_dict() == d.answer.to_dict()


@pytest.mark.heavy  # a killed process and its resume: tens of seconds on two busy cores
def test_sigkilled_robust_resumes_to_the_same_answer(tmp_path):
    out = tmp_path / "k"
    cmd = [sys.executable, "-m", "coalitionsim", "robust", "--worlds", "6", "--seeds", "2", "--forms", "tender,sok",
           "--set", "simulation.horizon_quarters=16", "--workers", "2", "--out", str(out), "--format", "json",
           "--shard-size", "2"]
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    kill_after_first_shard(cmd, out, env, wait=120)
    assert not (out / "robust.json").exists() and 0 < len(load_runs(out)) < 24
    done = subprocess.run(cmd + ["--resume"], capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 0, done.stderr
    fresh = robust(None, worlds=6, seeds=2, forms=["tender", "sok"], overrides=["simulation.horizon_quarters=16"],
                   workers=1, out=tmp_path / "f", progress=False, echo=lambda m: None)
    assert json.loads(done.stdout)["forms_table"] == fresh.answer.to_dict()["forms_table"]
    pd.testing.assert_frame_equal(load_runs(out).drop(columns="duration_s"),
                                  load_runs(fresh.out).drop(columns="duration_s"))
