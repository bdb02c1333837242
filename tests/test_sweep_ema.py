"""EMA Workbench connector (optional extra): skipped cleanly when ema_workbench is not installed."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

ema_workbench = pytest.importorskip("ema_workbench", reason="EMA Workbench not installed (extra: coalitionsim[ema])")

from coalitionsim.batch.ema import ema_model, ema_name, perform_experiments
from coalitionsim.runner import replication_seeds

REPO = Path(__file__).resolve().parents[1]
SHORT = ["simulation.horizon_quarters=8"]


def test_ema_model_has_uncertainties_levers_outcomes_and_seeded_replications():
    model = ema_model(replications=3, seed=5, overrides=SHORT)
    assert isinstance(model, ema_workbench.ReplicatorModel) and model.name.isalnum()
    names = [u.name for u in model.uncertainties]
    assert ema_name("behaviour.concession_rate") in names and all("." not in n for n in names)
    assert [lv.name for lv in model.levers][0] == "form"
    assert "realisation_share" in [o.name for o in model.outcomes]
    assert [r["seed"] for r in model.replications] == replication_seeds(5, 3)


def test_small_perform_experiments_is_reproducible():
    model = ema_model(replications=2, overrides=SHORT, forms=["sok", "framework_organic"],
                      outcomes=["realisation_share", "free_riding_index", "public_deficit"])
    exp1, out1 = perform_experiments(model, scenarios=3, policies=2, seed=1)
    state = np.random.get_state()[1].copy()
    exp2, out2 = perform_experiments(model, scenarios=3, policies=2, seed=1)
    assert np.array_equal(state, np.random.get_state()[1])  # global np.random restored
    assert len(exp1) == 6 and set(out1) == {"realisation_share", "free_riding_index", "public_deficit"}
    params = [u.name for u in model.uncertainties] + [lv.name for lv in model.levers]
    assert exp1[params].equals(exp2[params])
    for key in out1:
        assert out1[key].shape == (6,)
        assert np.array_equal(out1[key], out2[key], equal_nan=True)
    assert np.isfinite(out1["free_riding_index"]).all()


def test_ema_model_from_an_experiment_file():
    model = ema_model(REPO / "experiments" / "quick.toml", overrides=SHORT, replications=1)
    assert [u.name for u in model.uncertainties] == ["ownership__municipal_land_share", "instruments__process_director"]
    assert [c.value for c in model.levers["form"].categories] == ["sok", "framework_organic"]
    _, out = perform_experiments(model, scenarios=2, policies=1, seed=2)
    assert out["realisation_share"].shape == (2,)


def test_bad_model_name_is_refused():
    with pytest.raises(ValueError, match="letters and digits"):
        ema_model(name="coalition_sim")


def test_censored_times_are_returned_explicitly_not_averaged_away(monkeypatch):
    """Two of four replications reach t50 (at 5 years), two do not within the 10-year horizon: t50 counts those
    as the horizon (mean 7.5, not the 5.0 of the reached ones only) and t50_reached_share is 0.5."""
    import types

    import coalitionsim.runner

    seeds = replication_seeds(11, 4)
    reached = set(seeds[:2])

    def fake_run_model(scenario, form, seed, **_):
        t50 = 5.0 if seed in reached else float("nan")
        return types.SimpleNamespace(summary={"t50_years": t50, "realisation_share": 0.5 if seed in reached else 0.3})

    monkeypatch.setattr(coalitionsim.runner, "run_model", fake_run_model)
    model = ema_model(replications=4, seed=11, overrides=["simulation.horizon_quarters=40"], forms=["sok", "gem"],
                      outcomes=["t50_years", "realisation_share"])
    assert [o.name for o in model.outcomes] == ["t50_years", "t50_reached_share", "realisation_share"]
    _, out = perform_experiments(model, scenarios=2, policies=1, seed=1)
    assert np.allclose(out["t50_years"], 7.5) and np.allclose(out["t50_reached_share"], 0.5)
    assert np.allclose(out["realisation_share"], 0.4)


def test_never_reached_within_a_short_horizon_is_the_horizon_with_share_zero():
    model = ema_model(replications=2, overrides=SHORT, forms=["sok", "gem"], outcomes=["t50_years"])
    _, out = perform_experiments(model, scenarios=1, policies=1, seed=3)
    assert np.allclose(out["t50_years"], 2.0)  # 8 quarters: nobody is half done
    assert np.allclose(out["t50_reached_share"], 0.0)
