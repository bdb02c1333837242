"""EMA Workbench connector (optional extra: ``pip install -e ".[ema]"``, ema_workbench 2.5.x).

:func:`ema_model` wraps coalitionsim as an EMA ``ReplicatorModel``: uncertainties (behaviour, market),
levers (the governance form and instruments) and outcomes (summary metrics averaged over seeded
replications). Use it for EMA's samplers, evaluators and scenario discovery (PRIM, CART)::

    from coalitionsim.batch.ema import ema_model, perform_experiments
    model = ema_model(replications=4, overrides=["simulation.horizon_quarters=60"])
    experiments, outcomes = perform_experiments(model, scenarios=50, policies=5, seed=1)

Or build the uncertainties from an experiment file: ``ema_model("experiments/quick.toml")``.

**Times that are not reached.** ``t50_years``, ``t90_years``, ``years_to_agreement`` and
``years_to_first_home`` are missing in a run whose event did not happen within the horizon (censored). The
connector never drops such a replication (averaging only the replications that got there would make a
form that rarely gets there look fast). For every censored time among the outcomes it returns two outcomes:

- the time itself, where a replication that did not reach it counts as the horizon (so the mean over
  replications is a lower bound whenever the next outcome is below 1), the same convention as the
  sensitivity indices of ``coalitionsim analyze``;
- ``<name>_reached_share`` (``t50_reached_share``, ``t90_reached_share``, ``years_to_agreement_reached_share``,
  ...): the share of the replications that reached it within the horizon, 0..1.

Gotchas of EMA 2.5 handled here (see the project's tooling notes): model names must be alphanumeric;
its LHS sampler draws from the *global* ``np.random``, so :func:`perform_experiments` seeds it (and
restores it afterwards). Replication seeds come from ``SeedSequence(seed).spawn(replications)``, the
same for every EMA scenario and policy (common random numbers). Parameter names are the scenario paths
with ``.`` written as ``__`` (``behaviour__concession_rate``), as EMA passes them as keyword arguments.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from .experiment import Experiment, load_experiment
from ..runner.stats import CENSORED, reached_name
from ..scenario import FORMS, apply_overrides, read_scenario_dict, scenario_from_dict

try:  # ema_workbench warns on import when optional parallel back-ends are missing
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import ema_workbench as _ew
except ImportError:  # pragma: no cover - exercised when the extra is not installed
    _ew = None

# plausible ranges from docs/ODD.md (assumption rows) and the market section
DEFAULT_UNCERTAINTIES: dict[str, tuple[float, float]] = {
    "behaviour.concession_rate": (0.05, 0.4),
    "behaviour.initial_premium_holdout": (0.4, 1.5),
    "behaviour.conditional_slope": (0.5, 1.0),
    "behaviour.free_rider_share": (0.2, 0.4),
    "behaviour.equity_share": (0.15, 0.35),
    "market.price_drift": (0.0, 0.015),
    "market.cost_drift": (0.0, 0.012),
    "residents.objection_propensity": (0.1, 0.5),
}
DEFAULT_LEVERS: list[str] = [
    "instruments.process_director",
    "instruments.kettingbeding",
    "instruments.dubbel_toetsen",
]
DEFAULT_OUTCOMES: list[str] = [
    "realisation_share", "t50_years", "years_to_agreement", "free_riding_index", "public_deficit",
    "willing_unable_share",
]


def _need_ema():
    if _ew is None:
        raise ImportError('coalitionsim.batch.ema needs EMA Workbench 2.5: pip install "coalitionsim[ema]"')
    return _ew


def ema_name(path: str) -> str:
    """A scenario path as an EMA parameter name (a Python identifier)."""
    return path.replace(".", "__")


def _path(name: str) -> str:
    return name.replace("__", ".")


def _literal(value: Any) -> str:
    from .experiment import _toml_literal

    if isinstance(value, np.generic):
        value = value.item()
    return _toml_literal(value)


class CoalitionsimFunction:
    """The function EMA calls: scenario values and a seed in, outcomes out (picklable for EMA's evaluators)."""

    def __init__(self, base: dict[str, Any], label: str, outcomes: list[str], default_form: str = "sok"):
        self.base = base
        self.label = label
        self.outcomes = list(outcomes)
        self.default_form = default_form

    def __call__(self, seed: int, form: str | None = None, **params: Any) -> dict[str, float]:
        from ..runner import run_model

        overrides = [f"{_path(k)}={_literal(v)}" for k, v in params.items()]
        scenario = scenario_from_dict(apply_overrides(self.base, overrides, self.label), self.label)
        summary = run_model(scenario, form or self.default_form, int(seed), tables=("summary",)).summary
        return censored_outcomes(summary, self.outcomes, scenario.simulation.horizon_quarters / 4)


def _float(v: Any) -> float:
    try:
        return float(v)
    except (TypeError, ValueError):
        return math.nan


def outcome_names(outcomes: Iterable[str]) -> list[str]:
    """The outcomes EMA sees: each requested one, and after every censored time its ``_reached_share``."""
    out = []
    for o in outcomes:
        out.append(o)
        if o in CENSORED:
            out.append(reached_name(o))
    return out


def censored_outcomes(summary: dict[str, Any], outcomes: Iterable[str], horizon_years: float) -> dict[str, float]:
    """One replication's outcomes: a censored time not reached counts as the horizon, and its
    ``_reached_share`` is 1.0 (reached) or 0.0 (not reached) for this replication."""
    out: dict[str, float] = {}
    for o in outcomes:
        value = _float(summary.get(o))
        if o in CENSORED:
            reached = math.isfinite(value)
            out[o] = value if reached else float(horizon_years)
            out[reached_name(o)] = 1.0 if reached else 0.0
        else:
            out[o] = value
    return out


def _mean(values: Iterable[float]) -> float:
    """Mean over replications, NaN (not a warning) when no replication has a value."""
    arr = np.asarray(list(values), dtype=float)
    return float(arr[np.isfinite(arr)].mean()) if np.isfinite(arr).any() else math.nan


def _parameters_from_experiment(exp: Experiment) -> list:
    ew = _need_ema()
    params = []
    for f in exp.factors:
        name = ema_name(f.path)
        if f.levels is not None:
            params.append(ew.CategoricalParameter(name, list(f.levels)))
        elif f.kind == "bool":
            params.append(ew.BooleanParameter(name))
        elif f.kind == "int":
            params.append(ew.IntegerParameter(name, int(f.low), int(f.high)))
        else:
            params.append(ew.RealParameter(name, float(f.low), float(f.high)))
    return params


def ema_model(experiment: str | Path | Experiment | None = None, *, scenario: str | Path | None = "reference",
              overrides: Iterable[str] = (), uncertainties: dict[str, tuple[float, float]] | None = None,
              levers: Iterable[str] | None = None, forms: Iterable[str] | None = None,
              outcomes: Iterable[str] | None = None, replications: int | None = None, seed: int | None = None,
              name: str = "coalitionsim"):
    """An EMA ``ReplicatorModel`` of coalitionsim.

    Args:
        experiment: an experiment file (or loaded :class:`Experiment`); its factors become the
            uncertainties, its forms the ``form`` lever, its outputs the outcomes, and its base scenario,
            replications and seed are used. Without it, the defaults below apply to ``scenario``.
        scenario, overrides: base scenario (bundled name or file) and ``PATH=VALUE`` overrides.
        uncertainties: scenario path -> (low, high) ranges (default: :data:`DEFAULT_UNCERTAINTIES`).
        levers: boolean instrument paths (default: :data:`DEFAULT_LEVERS`); the governance form is
            always a categorical lever named ``form``.
        forms: the forms the ``form`` lever takes (default: all five).
        outcomes: summary metrics, each averaged over the replications (default: :data:`DEFAULT_OUTCOMES`);
            a censored time (t50_years, ...) counts a replication that did not reach it as the horizon and
            comes with ``<name>_reached_share`` (see the module docstring).
        replications: seeded runs per EMA experiment (default 4, or the experiment's).
        seed: root seed of the replication seeds.
        name: model name; EMA 2.5 accepts letters and digits only.
    """
    ew = _need_ema()
    from ..runner import replication_seeds

    if not name.isalnum():
        raise ValueError(f"EMA model name {name!r}: letters and digits only (EMA Workbench 2.5)")
    if experiment is not None:
        exp = experiment if isinstance(experiment, Experiment) else load_experiment(experiment)
        base, label = exp.base, exp.scenario_label
        if overrides:
            base = apply_overrides(base, list(overrides), label)
        unc = _parameters_from_experiment(exp)
        lever_params = [ew.CategoricalParameter("form", list(forms or exp.forms))]
        wanted = list(outcomes or exp.spec.outputs or DEFAULT_OUTCOMES)
        replications = replications or exp.spec.replications
        seed = exp.spec.seed if seed is None else seed
    else:
        data, label = read_scenario_dict(scenario)
        base = apply_overrides(data, list(overrides), label)
        ranges = DEFAULT_UNCERTAINTIES if uncertainties is None else uncertainties
        for path, (lo, hi) in ranges.items():  # validate both ends like a --set
            for v in (lo, hi):
                scenario_from_dict(apply_overrides(base, [f"{path}={_literal(v)}"], label), label)
        unc = [ew.RealParameter(ema_name(p), float(lo), float(hi)) for p, (lo, hi) in ranges.items()]
        lever_paths = list(DEFAULT_LEVERS if levers is None else levers)
        for path in lever_paths:
            apply_overrides(base, [f"{path}=true"], label)
        lever_params = [ew.CategoricalParameter("form", list(forms or FORMS))]
        lever_params += [ew.BooleanParameter(ema_name(p)) for p in lever_paths]
        wanted = list(outcomes or DEFAULT_OUTCOMES)
        replications = replications or 4
        seed = 20261123 if seed is None else seed

    model = ew.ReplicatorModel(name, function=CoalitionsimFunction(base, label, wanted))
    model.uncertainties = unc
    model.levers = lever_params
    model.outcomes = [ew.ScalarOutcome(o, function=_mean) for o in outcome_names(wanted)]
    model.replications = [{"seed": s} for s in replication_seeds(seed, replications)]
    return model


def perform_experiments(model, scenarios: int | list = 8, policies: int | list | None = None, seed: int = 0,
                        evaluator=None, **kwargs):
    """EMA's ``perform_experiments`` with the global ``np.random`` seeded for its samplers (and restored).

    ``evaluator`` defaults to a ``SequentialEvaluator``; pass e.g.
    ``ema_workbench.MultiprocessingEvaluator(model, n_processes=4)`` for local processes.
    """
    ew = _need_ema()
    state = np.random.get_state()
    np.random.seed(seed)
    try:
        if evaluator is None:
            return ew.perform_experiments(model, scenarios=scenarios, policies=policies, **kwargs)
        with evaluator:
            return evaluator.perform_experiments(scenarios=scenarios, policies=policies, **kwargs)
    finally:
        np.random.set_state(state)


__all__ = ["DEFAULT_LEVERS", "DEFAULT_OUTCOMES", "DEFAULT_UNCERTAINTIES", "censored_outcomes", "ema_model",
           "outcome_names", "perform_experiments"]
