"""The cost of a run stays linear in the size of the area (issue 17).

Counted in work, not seconds, so the test does not depend on the machine: the Python function calls (and
generator resumptions) of one run, at 1x and 4x the reference area (``scale_area``), must not grow more
than 4 x 1.4 times. ``benchmarks/scaling.py`` measures the CPU time from 1x to 16x.
"""

from __future__ import annotations

import sys

import pytest

from coalitionsim import FORMS, AreaDevelopmentModel, ScenarioError, load_scenario
from coalitionsim.scenario import scale_area

HORIZON = 40


def python_calls(scenario, form: str, seed: int = 1) -> int:
    """Python calls made while the model runs: a count of its work that no noisy machine changes."""
    calls = 0

    def tally(frame, event, arg):
        nonlocal calls
        if event == "call":
            calls += 1

    model = AreaDevelopmentModel(scenario, form=form, seed=seed)
    sys.setprofile(tally)
    try:
        model.run()
    finally:
        sys.setprofile(None)
    return calls


def test_scale_area_multiplies_the_area_as_its_own_mix():
    base = load_scenario(None)
    big = scale_area(base, 3)
    assert [s.plots for s in big.subareas] == [3 * s.plots for s in base.subareas]
    assert len(big.ownership.developers) == 3 * len(base.ownership.developers)
    assert len({d.name for d in big.ownership.developers}) == len(big.ownership.developers)
    assert big.ownership.passive_owners == 3 * base.ownership.passive_owners
    assert big.residents.groups == 3 * base.residents.groups
    assert big.market.absorption_per_quarter == 3 * base.market.absorption_per_quarter
    assert big.municipality.staff_capacity == 3 * base.municipality.staff_capacity
    assert big.municipality.budget == 3 * base.municipality.budget
    assert [t.cost for t in big.tasks] == [3 * t.cost for t in base.tasks]
    # shares, prices and behaviour are the same world
    assert big.ownership.municipal_land_share == base.ownership.municipal_land_share
    assert big.behaviour == base.behaviour and big.market.value_market == base.market.value_market
    assert scale_area(base, 1) is base


def test_scale_area_refuses_what_the_schema_refuses():
    with pytest.raises(ScenarioError, match="scale factor"):
        scale_area(load_scenario(None), 0)
    with pytest.raises(ScenarioError, match="plots"):
        scale_area(load_scenario(None), 50)  # 600 plots in a sub-area: beyond the bound of 500


@pytest.mark.slow
@pytest.mark.parametrize("form", FORMS)
def test_work_per_run_grows_linearly_with_the_area(form):
    small = load_scenario(None, [f"simulation.horizon_quarters={HORIZON}"])
    ratio = python_calls(scale_area(small, 4), form) / python_calls(small, form)
    assert ratio <= 4 * 1.4, f"{form}: 4x the area costs {ratio:.1f}x the work of 1x"
