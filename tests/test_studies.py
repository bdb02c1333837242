"""The four policy studies (issue 6): each experiment file validates and runs in --quick mode."""

from __future__ import annotations

from pathlib import Path

import pytest

from coalitionsim.cli import main
from coalitionsim.batch.experiment import load_experiment
from coalitionsim.batch.sweep import load_manifest, load_runs, quick_experiment

ROOT = Path(__file__).resolve().parents[1]
STUDIES = ["study_forms", "study_free_riding", "study_draagkracht", "study_rijk"]
# default settings must finish in < 15 minutes on 2 cores (about 0.1-0.3 s per 25-year run)
MAX_DEFAULT_RUNS = 3000


@pytest.mark.parametrize("name", STUDIES)
def test_study_validates_and_has_findings_page(name):
    exp = load_experiment(ROOT / "experiments" / f"{name}.toml")
    assert exp.name == name
    assert 0 < exp.n_runs <= MAX_DEFAULT_RUNS
    page = ROOT / "docs" / "studies" / f"{name.removeprefix('study_')}.md"
    assert page.is_file()
    assert f"coalitionsim sweep experiments/{name}.toml" in page.read_text(encoding="utf-8")


def test_free_riding_study_keeps_time_series():
    assert load_experiment(ROOT / "experiments" / "study_free_riding.toml").spec.timeseries


def test_quick_variant_is_small():
    exp = quick_experiment(ROOT / "experiments" / "study_rijk.toml")
    assert exp.name == "study_rijk-quick" and exp.spec.replications == 1 and len(exp.forms) <= 2
    assert exp.base["simulation"]["horizon_quarters"] <= 20
    assert exp.base["market"]["shocks"][0]["kind"] == "permit_freeze"


@pytest.mark.slow
@pytest.mark.parametrize("name", STUDIES)
def test_study_runs_quick(name, tmp_path):
    out = tmp_path / name
    assert main(["sweep", str(ROOT / "experiments" / f"{name}.toml"), "--quick", "--workers", "2",
                 "--out", str(out)]) == 0
    info = load_manifest(out)
    runs = load_runs(out)
    assert info["status"] == "complete" and len(runs) == info["design"]["runs"]
    assert (runs["status"] == "ok").all(), runs.loc[runs["status"] != "ok", "error"].head(3).tolist()


# --------------------------------------------------------------------------- the evidence pages (issue 14)

DATA = ROOT / "docs" / "studies" / "data"
EVIDENCE_PAGES = [ROOT / "docs" / "studies" / f"{n}.md" for n in ("forms", "free_riding", "draagkracht", "rijk")] + \
    [ROOT / "docs" / "cases.md", ROOT / "docs" / "archetypes.md"]


def _regenerate():
    import importlib.util

    spec = importlib.util.spec_from_file_location("regenerate", ROOT / "docs" / "studies" / "regenerate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _csv(name):
    import pandas as pd

    return pd.read_csv(DATA / f"{name}.csv")


def test_aggregated_tables_have_their_rows_and_stay_small():
    from coalitionsim.scenario import FORMS, bundled_scenarios

    forms = _csv("forms_area")
    assert sorted(forms["municipal land"].unique()) == ["10%", "33%", "60%"]
    assert len(forms) == 15 and set(forms["form"]) == set(FORMS) and (forms["runs"] == 20).all()
    cases = _csv("cases_forms")
    assert set(cases["scenario"]) == set(bundled_scenarios()) and (cases["runs"] == 20).all()
    tree = _csv("cases_tree")
    assert len(tree) == len(bundled_scenarios()) and tree["case"].sum() == len(bundled_scenarios()) - 1
    assert len(_csv("free_riding_packages")) == 6 and len(_csv("draagkracht_levers")) == 8
    assert len(_csv("rijk_budget")) == 10 and len(_csv("rijk_freeze")) == 10
    arch = _csv("archetypes")
    # the two answers of issue 28 (tree_in_pareto); tables written before it was regenerated score speed only
    scored = "tree_in_pareto" if "tree_in_pareto" in arch else "tree_among_fastest"
    assert len(arch) == 36 and set(arch[scored]) <= {True, False}
    # the agreement is scored on the area's form: a per-sub-area answer is reported, never the scored form
    assert arch["tree"].isin(FORMS).all()
    assert (arch["tree_subareas"].isna() | (arch["tree"] == "framework_subareas")).all()
    assert sum(p.stat().st_size for p in DATA.iterdir()) < 1_000_000


def test_every_table_and_value_in_the_pages_is_written_by_the_script():
    import json
    import re

    manifest = json.loads((DATA / "manifest.json").read_text())
    for page in EVIDENCE_PAGES:
        text = page.read_text(encoding="utf-8")
        tables = re.findall(r"<!-- table: ([\w:|.-]+) -->", text)
        assert tables, f"{page.name} has no script-written table"
        for name in tables:
            assert name in manifest and manifest[name]["page"] == str(page.relative_to(ROOT)), (page.name, name)
        assert "<!-- stamp -->Model fingerprint: `" in text, page.name


def test_render_fills_markers_and_refuses_unknown_names(tmp_path):
    regen = _regenerate()
    ctx = regen.Context(tmp_path, 2, False, "0123456789abcdef")
    ctx.tables["t"] = "| a |\n|---|\n| 1 |"
    ctx.values["t:x:m"] = "7.5 [7.0–8.0]"
    page = ("<!-- stamp -->old<!-- /stamp -->\n<!-- table: t -->\nold\n<!-- /table -->\n"
            "t50 <!-- value: t:x:m -->9<!-- /value -->")
    out = regen.render(page, ctx, "forms", 61.0)
    assert "Model fingerprint: `0123456789abcdef`" in out and "1 min 01 s" in out
    assert "| 1 |" in out and "old" not in out and "7.5 [7.0–8.0]<!-- /value -->" in out
    with pytest.raises(SystemExit, match="not a value"):
        regen.render(page.replace("t:x:m", "t:x:other"), ctx, "forms", 1.0)
    with pytest.raises(SystemExit, match="not a table"):
        regen.render(page.replace("table: t ", "table: u "), ctx, "forms", 1.0)


def test_checks_report_a_direction_the_tables_no_longer_show(tmp_path):
    regen = _regenerate()
    ctx = regen.Context(tmp_path, 2, False, "0123456789abcdef")
    ctx.numbers.update({"t:a|x:t50_years": 10.0, "t:b|x:t50_years": 12.0})
    holds = "<!-- check: t:a|x:t50_years < t:b|x:t50_years - 1.0 -->"
    assert regen.check_claims(holds, ctx, "forms") == []
    flipped = regen.check_claims("<!-- check: t:b|x:t50_years < t:a|x:t50_years -->", ctx, "forms")
    assert len(flipped) == 1 and "no longer holds (12 vs 10)" in flipped[0]
    assert regen.check_claims("<!-- check: t:a|x:t50_years < t:b|x:t50_years - 3.0 -->", ctx, "forms")
    with pytest.raises(SystemExit, match="not a number"):
        regen.check_claims("<!-- check: t:c|x:t50_years < 3 -->", ctx, "forms")


def test_intervals_count_a_time_not_reached_as_beyond_the_horizon():
    import numpy as np
    import pandas as pd

    regen = _regenerate()
    frame = pd.DataFrame({"g": ["a"] * 4, "t50_years": [5.0, 6.0, np.nan, np.nan],
                          "param.simulation.horizon_quarters": [100] * 4})
    t = regen.intervals(frame, ["g"], [("t50_years", "t50")]).iloc[0]
    assert t["t50_years_reached"] == 0.5 and np.isinf(t["t50_years_p95"]) and t["t50_years_p5"] == 5.0
    assert regen.cell(t, "t50_years").endswith("–>25]")


def _median(values):
    import numpy as np

    v = np.asarray(values, dtype=float)
    return float(np.median(np.where(np.isnan(v), np.inf, v)))  # not reached: beyond the horizon


def test_forms_study_direction_tender_is_faster_on_more_municipal_land():
    """The forms study's clearest direction (docs/studies/forms.md, finding 1) on a few seeds: a tender
    issues municipal land at once but must buy private land first, so more municipal land means an earlier
    t50 under the tender."""
    from coalitionsim.runner import replication_seeds, run_model
    from coalitionsim.scenario import load_scenario

    seeds = replication_seeds(20261123, 3)
    t50 = {}
    for share in (0.1, 0.6):
        sc = load_scenario("reference", [f"ownership.municipal_land_share={share}"])
        t50[share] = _median([run_model(sc, "tender", s).summary["t50_years"] for s in seeds])
    # measured after model v3 part 4 (acquisition with a council credit, refusing owners; 5 seeds): t50 at 10%
    # municipal land 11.25, 10.0, 9.0, 10.5, 10.0 against 9.0, 10.25, 8.25, 8.0, 9.25 at 60% (the first
    # three seeds' medians 10.0 and 9.0); the tender buys a third to a half of its homes' land at 10%
    assert t50[0.6] < t50[0.1] - 0.5, t50


def test_free_riding_study_direction_kostenverhaal_cuts_free_riding_under_the_tender():
    """The free-riding study's direction (docs/studies/free_riding.md, findings 1-2) on a few seeds: under
    the tender the kept private plots pay only voluntarily unless kostenverhaal is collected at the permit."""
    from coalitionsim.runner import replication_seeds, run_model
    from coalitionsim.scenario import load_scenario

    seeds = replication_seeds(20261123, 3)
    index = {}
    for on in (False, True):
        sc = load_scenario("reference", [f"instruments.kostenverhaal={str(on).lower()}"])
        index[on] = _median([run_model(sc, "tender", s).summary["free_riding_index"] for s in seeds])
    assert index[True] < index[False] - 0.1, index
