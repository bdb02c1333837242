"""The model fingerprint (runner/fingerprint.py) and the staleness check of the evidence pages.

Every findings page, docs/archetypes.md, docs/cases.md and the README excerpt record the fingerprint of
the model they were produced with; when the model's behaviour changes, the fingerprint changes and the
test below names the pages to regenerate (``python docs/studies/regenerate.py``).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import coalitionsim.scenario as scenario_module
from coalitionsim.model.market import Market
from coalitionsim.runner import fingerprint as fp

ROOT = Path(__file__).resolve().parents[1]
PAGES = ["docs/studies/forms.md", "docs/studies/free_riding.md", "docs/studies/draagkracht.md",
         "docs/studies/rijk.md", "docs/cases.md", "docs/archetypes.md", "docs/robust.md", "README.md"]
STAMP = re.compile(r"Model fingerprint: `([0-9a-f]+)`")
SMALL = dict(areas=("reference",), seeds=1)  # 5 runs: enough to see a change, cheap to repeat


@pytest.fixture(scope="module")
def current() -> str:
    return fp.model_fingerprint()


@pytest.fixture(scope="module")
def small_base() -> str:
    return fp.digest(fp.fingerprint_runs(**SMALL))


@pytest.mark.slow
@pytest.mark.parametrize("page", PAGES)
def test_page_records_the_current_model_fingerprint(page, current):
    found = STAMP.findall((ROOT / page).read_text(encoding="utf-8"))
    assert found, f"{page} records no 'Model fingerprint: `…`' stamp; run python docs/studies/regenerate.py"
    stale = sorted(set(found) - {current})
    assert not stale, (f"{page} was produced with model {', '.join(stale)}, the model is now {current}: "
                       f"re-run python docs/studies/regenerate.py (see docs/studies/README.md)")


def test_committed_tables_record_the_current_model_fingerprint(current):
    manifest = json.loads((ROOT / "docs" / "studies" / "data" / "manifest.json").read_text())
    stale = sorted(name for name, info in manifest.items() if info["fingerprint"] != current)
    assert not stale, f"docs/studies/data: {', '.join(stale)} made with another model; re-run regenerate.py"
    for name in manifest:
        assert (ROOT / "docs" / "studies" / "data" / f"{name}.csv").is_file(), name


def test_fingerprint_is_short_hex_and_deterministic(current, small_base):
    assert re.fullmatch(r"[0-9a-f]{16}", current)
    assert fp.digest(fp.fingerprint_runs(**SMALL)) == small_base


def test_digest_ignores_noise_names_and_key_order_but_not_values():
    row = {"scenario": "a", "form": "sok", "seed": 1, "t50_years": 10.25, "realisation_share": 1 / 3,
           "param.meta.description": "x", "param.market.interest_rate": 0.04, "t50_censored": False}
    base = fp.digest([fp.canonical_summary(row)])
    noisy = {**row, "realisation_share": 1 / 3 + 1e-15}
    renamed = {**row, "scenario": "b", "param.meta.description": "reworded, with a new citation"}
    reordered = dict(reversed(list(row.items())))
    for same in (noisy, renamed, reordered):
        assert fp.digest([fp.canonical_summary(same)]) == base
    for changed in ({**row, "realisation_share": 1 / 3 + 1e-6}, {**row, "param.market.interest_rate": 0.05},
                    {**row, "t50_censored": True}, {k: v for k, v in row.items() if k != "t50_years"}):
        assert fp.digest([fp.canonical_summary(changed)]) != base
    assert fp.canonical(float("nan")) == "nan" and fp.canonical(float("inf")) == "inf"


def _patched_load(monkeypatch, overrides):
    load = scenario_module.load_scenario
    monkeypatch.setattr(scenario_module, "load_scenario", lambda name, extra=None: load(name, overrides))


def test_docs_only_change_of_a_scenario_keeps_the_fingerprint(monkeypatch, small_base):
    base = small_base
    _patched_load(monkeypatch, ["meta.description=a reworded description", "meta.name=renamed"])
    assert fp.digest(fp.fingerprint_runs(**SMALL)) == base


def test_a_changed_default_changes_the_fingerprint(monkeypatch, small_base):
    base = small_base
    rate = scenario_module.load_scenario("reference").market.interest_rate
    _patched_load(monkeypatch, [f"market.interest_rate={rate + 0.01}"])
    assert fp.digest(fp.fingerprint_runs(**SMALL)) != base


def test_a_changed_model_rule_changes_the_fingerprint(monkeypatch, small_base):
    base = small_base
    value = Market.home_value
    monkeypatch.setattr(Market, "home_value", lambda self, segment: value(self, segment) * 0.97)
    assert fp.digest(fp.fingerprint_runs(**SMALL)) != base


def test_a_changed_rule_behind_a_switch_changes_the_fingerprint(monkeypatch):
    # the BIZ, expropriation, shocks and the Rijk are off at the defaults: without the switched-on runs a
    # change in their rules left the digest (and the pages that use them) unchanged
    from coalitionsim.model.contributions import Contributions

    switched = dict(areas=("reference+switches",), seeds=1)
    base = fp.digest(fp.fingerprint_runs(**switched))
    monkeypatch.setattr(Contributions, "in_biz_zone", lambda self, plot: False)
    assert fp.digest(fp.fingerprint_runs(**switched)) != base
    monkeypatch.undo()
    assert fp.digest(fp.fingerprint_runs(**switched)) == base


def test_cli_prints_the_fingerprint(capsys, monkeypatch):
    from coalitionsim.cli import main

    monkeypatch.setattr(fp, "model_fingerprint", lambda progress=False: "0123456789abcdef")
    assert main(["fingerprint"]) == 0
    assert capsys.readouterr().out.strip() == "0123456789abcdef"
