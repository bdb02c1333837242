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


@pytest.mark.parametrize("name", STUDIES)
def test_study_runs_quick(name, tmp_path):
    out = tmp_path / name
    assert main(["sweep", str(ROOT / "experiments" / f"{name}.toml"), "--quick", "--workers", "2",
                 "--out", str(out)]) == 0
    info = load_manifest(out)
    runs = load_runs(out)
    assert info["status"] == "complete" and len(runs) == info["design"]["runs"]
    assert (runs["status"] == "ok").all(), runs.loc[runs["status"] != "ok", "error"].head(3).tolist()
