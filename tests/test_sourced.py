"""Sourced behaviour instead of constants (issue 13, item 3): construction time by plot size and building
type, and contribution types from the experimental public-goods literature. Unit tests of each rule and
behavioural tests over paired seeds; docs/ODD.md gives the sources."""

from __future__ import annotations

import types
from collections import Counter

import numpy as np
import pytest

from coalitionsim import AreaDevelopmentModel, load_scenario
from coalitionsim.model.agents.developer import Developer
from coalitionsim.model.area import Status
from coalitionsim.model.development import construction_quarters, margin
from coalitionsim.scenario import ScenarioError


def make(form: str = "framework_organic", *sets: str, seed: int = 1) -> AreaDevelopmentModel:
    return AreaDevelopmentModel(load_scenario(None, list(sets)), form=form, seed=seed)


def plot_of(homes: int, subarea: str = "Noord"):
    return types.SimpleNamespace(subarea=subarea, homes=homes)


# =================================================================== construction time


@pytest.mark.parametrize("kind", ["groundbound", "apartments", "highrise"])
def test_build_time_grows_with_the_plot(kind):
    sc = load_scenario(None, [f'subareas.0.building_type="{kind}"'])
    times = [construction_quarters(sc, plot_of(h)) for h in (1, 20, 125, 250, 1000)]
    assert times == sorted(times) and times[0] < times[-1], times
    spec = getattr(sc.construction, kind)
    assert times[2] == int(np.ceil(spec.base_quarters + 125 / spec.homes_per_quarter))


def test_build_time_by_building_type():
    """At one size, stacked homes take longer than ground-bound ones, high-rise longest."""
    def at(kind, homes):
        return construction_quarters(load_scenario(None, [f'subareas.0.building_type="{kind}"']), plot_of(homes))

    for homes in (20, 125, 250):
        assert at("groundbound", homes) <= at("apartments", homes) < at("highrise", homes)
    assert at("groundbound", 20) < at("apartments", 20)


def test_fixed_construction_quarters_overrides_the_rule():
    sc = load_scenario(None, ["instruments.construction_quarters=5"])
    assert {construction_quarters(sc, plot_of(h)) for h in (1, 125, 1000)} == {5}


def test_build_time_parameters_are_validated():
    with pytest.raises(ScenarioError, match="construction.apartments.homes_per_quarter"):
        load_scenario(None, ["construction.apartments.homes_per_quarter=0"])
    with pytest.raises(ScenarioError, match="subareas.0.building_type"):
        load_scenario(None, ['subareas.0.building_type="villa"'])


def test_a_longer_build_costs_more_financing():
    """The business case pays interest over the plot's own build time: the same plot as high-rise has a
    lower margin than as apartments."""
    m = {k: make("framework_organic", f'subareas.0.building_type="{k}"') for k in ("apartments", "highrise")}
    plots = {k: next(p for p in mm.area.plots if p.subarea == "Noord" and isinstance(p.owner, Developer))
             for k, mm in m.items()}
    assert m["highrise"].construction_quarters(plots["highrise"]) > m["apartments"].construction_quarters(plots["apartments"])
    assert margin(m["highrise"], plots["highrise"], plots["highrise"].owner) < \
        margin(m["apartments"], plots["apartments"], plots["apartments"].owner)


SIZES = ('subareas=[{name="Noord", plots=8, homes_per_plot=30}, {name="Zuid", plots=8, homes_per_plot=240}]',
         "tasks.0.gate=false", "simulation.horizon_quarters=64")


def test_in_a_run_large_plots_take_longer_to_build():
    """Over seeds: each completed plot took exactly its construction time from start to completion (no
    gate), and 240-home plots took longer than 30-home plots; with a fixed time they take the same."""
    for seed in (1, 2, 3):
        m = make("framework_organic", *SIZES, seed=seed).run()
        built = {"Noord": set(), "Zuid": set()}
        for p in m.area.plots:
            if p.status == Status.COMPLETED:
                assert p.step_completion - p.step_construction_start == m.construction_quarters(p)
                built[p.subarea].add(p.step_completion - p.step_construction_start)
        assert built["Noord"] and built["Zuid"], built
        assert min(built["Zuid"]) > max(built["Noord"]), built
    fixed = make("framework_organic", *SIZES, "instruments.construction_quarters=6", seed=1).run()
    assert {p.step_completion - p.step_construction_start for p in fixed.area.plots if p.status == Status.COMPLETED} == {6}


# =================================================================== contribution types


def private_owners(m):
    return [o for o in m.owners if o is not m.municipality]


def test_types_are_assigned_in_their_shares():
    """96 private owners: exactly round(0.3 × 96) free riders, the rest split 0.71 / 0.20 / 0.09 by largest
    remainder; the same seed gives the same owners their types, another seed other owners."""
    m = make("framework_organic", "ownership.passive_owners=89")
    owners = private_owners(m)
    assert len(owners) == 96
    counts = Counter(o.contribution_type for o in owners)
    assert counts == {"free_rider": 29, "conditional": 48, "hump_shaped": 13, "other": 6}
    assert m.municipality.contribution_type == "conditional" and not m.municipality.free_rider
    again = make("framework_organic", "ownership.passive_owners=89")
    assert [o.contribution_type for o in owners] == [o.contribution_type for o in private_owners(again)]
    other = make("framework_organic", "ownership.passive_owners=89", seed=2)
    assert [o.contribution_type for o in owners] != [o.contribution_type for o in private_owners(other)]
    rates = [o.own_rate for o in owners if o.contribution_type == "other"]
    assert all(0 <= r <= 1 for r in rates) and len(set(rates)) == len(rates)


def test_type_shares_are_scenario_parameters():
    m = make("framework_organic", "ownership.passive_owners=89", "behaviour.conditional_cooperator_share=0",
             "behaviour.hump_shaped_share=1")
    assert Counter(o.contribution_type for o in private_owners(m)) == {"free_rider": 29, "hump_shaped": 67}
    with pytest.raises(ScenarioError, match="conditional_cooperator_share \\+ hump_shaped_share"):
        load_scenario(None, ["behaviour.conditional_cooperator_share=0.9", "behaviour.hump_shaped_share=0.2"])


def test_rules_per_type():
    m = make()
    dev = next(o for o in private_owners(m) if isinstance(o, Developer))
    dev.trust = 0.5
    slope = m.scenario.behaviour.conditional_slope
    beliefs = (0.0, 0.25, 0.5, 0.75, 1.0)

    def rates(kind):
        dev.contribution_type = kind
        out = []
        for b in beliefs:
            dev.belief = b
            out.append(dev.voluntary_rate())
        return out

    assert rates("conditional") == pytest.approx([min(1.0, slope * b) for b in beliefs])
    hump = rates("hump_shaped")  # rises to half, then falls (FGF 2001)
    assert hump == pytest.approx([slope * min(b, 1 - b) for b in beliefs])
    assert hump[0] < hump[2] and hump[4] < hump[2]
    assert rates("free_rider") == [0.0] * len(beliefs)
    dev.own_rate = 0.37
    assert rates("other") == [0.37] * len(beliefs)  # its own rate, whatever the others do
    dev.contribution_type = "conditional"
    dev.dropped_out = True
    assert dev.voluntary_rate() == 0.0


def test_belief_moves_by_belief_weight():
    for w in (0.0, 0.4, 1.0):
        m = make("framework_organic", f"behaviour.belief_weight={w}")
        dev = next(o for o in private_owners(m) if isinstance(o, Developer))
        dev.belief = 0.8
        dev.observe_contributions(0.2)
        assert dev.belief == pytest.approx(0.8 - w * 0.6)


VOLUNTARY = ("simulation.horizon_quarters=16", "instruments.kostenverhaal=false")


def early_rate(*sets: str, seed: int) -> float:
    return float(np.mean(make("framework_organic", *VOLUNTARY, *sets, seed=seed).run().contributions.voluntary_rates[:4]))


def test_hump_shaped_contributors_give_less_than_conditional_cooperators():
    """Over paired seeds: when every owner that is not a free rider is hump-shaped, voluntary giving in the
    first year is lower than when all are conditional co-operators (beliefs start around half and above)."""
    diffs = [early_rate("behaviour.conditional_cooperator_share=0", "behaviour.hump_shaped_share=1", seed=s)
             - early_rate("behaviour.conditional_cooperator_share=1", "behaviour.hump_shaped_share=0", seed=s)
             for s in (1, 2, 3, 4)]
    assert max(diffs) < 0, diffs


def test_without_belief_updating_giving_does_not_decay():
    """The decline of voluntary giving comes from beliefs moving towards what the others gave: with
    belief_weight 0 the late rate is no lower than the early one; with the default it falls."""
    for seed in (1, 2, 3):
        flat = make("framework_organic", *VOLUNTARY, "behaviour.belief_weight=0", seed=seed).run().contributions.voluntary_rates
        moving = make("framework_organic", *VOLUNTARY, seed=seed).run().contributions.voluntary_rates
        assert np.mean(flat[12:16]) > np.mean(moving[12:16])
        assert np.mean(moving[12:16]) < 0.8 * np.mean(moving[:4])
