"""The stylised facts of docs/validation.md: each fact's measure on paired seeds must show the fact.

The measures and their criteria live in ``docs/validation.py`` (which prints the full table on 20 seeds);
here each runs on the first few seeds, so a model that loses a fact fails its test. The cheap facts run in
the fast suite, the ones that need long or many runs are marked slow.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

_PATH = Path(__file__).resolve().parents[1] / "docs" / "validation.py"
_spec = importlib.util.spec_from_file_location("coalitionsim_validation", _PATH)
validation = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = validation  # dataclasses look their module up while the file runs
_spec.loader.exec_module(validation)

FACTS = {f.key: f for f in validation.FACTS}
SEEDS = {"types": 3, "decay": 6, "enforcement": 6, "size": 4, "doorlooptijd": 4, "owners": 8, "unwilling": 6,
         "tender": 6}
SLOW = {"enforcement", "doorlooptijd", "owners", "unwilling", "tender"}
# facts the current model no longer shows, each with what was measured; strict: the test fails as soon as
# the fact holds again, so that this list is kept true (docs/validation.md says the same)
LOST = {
    "tender": "model v3 part 3 with one grondexploitatie rule for tender and SOK (issue 25, 2026-12-05), measured "
              "after it: the tender's lead over the SOK still does not grow with public land (seeds 1-6: 0.0, 0.0, "
              "4.25, -0.5, -2.25, -0.25; 20 seeds: median -0.25 years [-6.50, 4.25], 40% positive). "
              "Both forms gain from public land, the SOK more: with 20% municipal land its unanimous agreement "
              "among the many private owners takes 4.25-5 years (seeds 5, 6; 2.75-3 with 70%), and with 70% the "
              "municipality's land, written down at once to its forecast where short (no shock running, so "
              "waiting does not pay), is taken up by the partners at residual value (seed 5: t50 15.25 -> 11.25); "
              "the tender gains 1-1.75 years (seed 5: 10.75 -> 9.0). The fact needs what the tender saves with "
              "dominant public land (no purchase, one party) to outweigh the SOK's shorter agreement",
}


def test_every_fact_has_a_test():
    assert set(FACTS) == set(SEEDS)
    assert len(FACTS) >= 6
    for f in FACTS.values():
        assert f.use in ("calibration", "validation") and f.source and f.reported


def _marks(key: str) -> list:
    marks = [pytest.mark.slow] if key in SLOW else []
    if key in LOST:
        marks.append(pytest.mark.xfail(strict=True, reason=LOST[key]))
    return marks


@pytest.mark.parametrize("key", [pytest.param(k, marks=_marks(k)) for k in SEEDS])
def test_fact_holds(key):
    fact = FACTS[key]
    values = [fact.measure(seed) for seed in range(1, SEEDS[key] + 1)]
    assert fact.holds(values), (key, values)


def test_criteria_can_fail():
    """The criteria reject a model without the pattern: no difference, no decay, a build time off range."""
    assert not validation._mostly_positive([0.0] * 8)
    assert not validation._mostly_positive([1.0, -1.0] * 4)
    assert not validation._decay_holds([(0.4, 0.4)] * 6)
    assert not validation._decay_holds([(0.9, 0.1)] * 6)  # starts far above the laboratory's 40-60%
    assert not FACTS["doorlooptijd"].holds([48.0] * 4)
    assert not FACTS["types"].holds([0.7] * 3)
    assert np.isnan(validation.positive_share([float("nan")]))
