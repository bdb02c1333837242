"""Robust across what the model assumes: every form in worlds sampled from the assumptions' ranges.

``coalitionsim robust [SCENARIO] --worlds N`` (and :func:`robust`) draws N worlds by Latin hypercube from the
plausible ranges of the scenario's assumptions (``runner/assumptions.py``; levers, area facts and settings
stay as the scenario sets them), runs every form in every world on the same seeds, and says per criterion
of the answer (``runner/tradeoff.py``):

- in what share of the worlds each form is ahead of every other form beyond the run-to-run spread, ahead of
  at least one, and not behind any; and in what share it is in the Pareto set;
- each form's **regret**: how far its median is behind the best form's median in that world (median and
  90th percentile over the worlds, in the criterion's unit);
- **which assumptions decide the ranking**: for every pair of forms, the rank correlation over the worlds
  between each assumption's value and the pair's paired median difference (Spearman; with more than
  :data:`SRRC_MARGIN` worlds beyond the number of assumptions, the standardised rank regression
  coefficient); an assumption's strength on a criterion is its largest absolute coefficient over the pairs;
  :data:`NOISE` / sqrt(worlds) is the level that independent noise reaches in 1 of 20 cases;
- with the EMA extra (``ema_workbench``), PRIM boxes: the region of the assumptions in which the form most
  often not behind on a criterion falls behind (scenario discovery).

The runs are a sweep (``batch/sweep.py``): one design point per world, resumable, on processes or Dask,
bit-identical across executors. The folder holds the sweep's files plus ``robust.json`` (the answer),
``robust_forms.csv`` (shares and regret per criterion and form) and ``robust_assumptions.csv``.
"""

from __future__ import annotations

import json
import math
import os
import re
import sys
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import rankdata

from ..runner import run_model
from ..runner.assumptions import Dimension, dimensions, world_values
from ..runner.defaults import ROOT_SEED
from ..runner.stats import CENSORED
from ..runner.store import results_folder
from ..runner.tradeoff import CRITERIA, Criterion, tradeoff
from ..scenario import FORMS, ScenarioError, apply_overrides, read_scenario_dict, scenario_from_dict
from .experiment import Experiment, ExperimentSpec, Factor, _expand, _toml_literal
from .sweep import DEFAULT_SHARD_SIZE, SweepError, load_runs, sweep

WORLDS = 100
SEEDS = 4
#: standardised rank regression needs this many more worlds than assumptions, else Spearman's rank correlation
SRRC_MARGIN = 10
#: |rank correlation| that independent noise exceeds in about 1 in 20 cases is about this over sqrt(worlds)
NOISE = 1.96
ANSWER = "robust.json"
#: a PRIM box's restriction of an assumption is reported when it cuts away at least this share of its range
PRIM_MIN_CUT = 0.1


class RobustError(ValueError):
    """A robust study that cannot start (bad scenario, forms or sizes): one line for the user."""


@dataclass
class RobustExperiment(Experiment):
    """A sweep whose design points are worlds: a quantile per assumption (``raw``) mapped to its values."""

    dims: list[Dimension] = field(default_factory=list)

    def overrides(self, point: int) -> list[str]:
        return [f"{p}={_toml_literal(v)}" for p, v in world_values(self.dims, self.raw[point]).items()]

    def point_values(self, point: int) -> dict[str, Any]:
        return {d.name: d.value(u) for d, u in zip(self.dims, self.raw[point])}

    def canonical(self) -> dict[str, Any]:
        return {**super().canonical(),
                "worlds": [[d.name, [[t.path, t.low, t.high, t.integer] for t in d.targets]] for d in self.dims]}


def robust_experiment(scenario: str | Path | None = None, worlds: int = WORLDS, seeds: int = SEEDS,
                      forms: list[str] | None = None, root_seed: int = ROOT_SEED,
                      overrides: list[str] | None = None) -> RobustExperiment:
    """The worlds of a robust study as a sweep experiment (every world validated before anything runs)."""
    if worlds < 2:
        raise RobustError(f"--worlds: at least 2 worlds (got {worlds})")
    if seeds < 1:
        raise RobustError(f"--seeds: at least 1 seed (got {seeds})")
    forms = list(forms or FORMS)
    unknown = [f for f in forms if f not in FORMS]
    if unknown or len(set(forms)) != len(forms) or len(forms) < 2:
        raise RobustError(f"--forms: two or more different forms of {', '.join(FORMS)} (got {', '.join(forms)})")
    raw_dict, label = read_scenario_dict(scenario)
    base = apply_overrides(raw_dict, list(overrides or []), label)
    sc = scenario_from_dict(base, label)
    dims = dimensions(sc)
    name = "robust-" + re.sub(r"[^\w.-]+", "_", sc.meta.name)
    spec = ExperimentSpec(name=name[:80], scenario=str(label), forms=forms, design="lhs", samples=worlds,
                          replications=seeds, seed=root_seed, set=list(overrides or []))
    factors = [Factor(path=d.name, min=0.0, max=1.0) for d in dims]
    _, raw = _expand(spec, factors)  # SALib's Latin hypercube from the root seed, one column per assumption
    design = pd.DataFrame([{d.name: d.value(u) for d, u in zip(dims, row)} for row in raw])
    exp = RobustExperiment(spec=spec, factors=factors, source=f"robust {label}", base=base, scenario_label=label,
                           text=f"# coalitionsim robust {label} --worlds {worlds} --seeds {seeds}\n",
                           design=design, raw=raw, dims=dims)
    for p in range(exp.n_points):
        try:
            scenario_from_dict(apply_overrides(base, exp.overrides(p), label), label)
        except ScenarioError as err:
            raise RobustError(f"world {p}: the sampled assumptions do not validate: {err}") from None
    return exp


def design_size_line(runs: int, seconds_per_run: float, workers: int) -> str:
    """The design's size and time estimate, printed before the first run (one small function, so a shared
    design-size guard can take its place)."""
    minutes = runs * seconds_per_run / max(workers, 1) / 60
    return (f"design: {runs:,} runs; about {minutes:.1f} min on {workers} worker{'s' if workers != 1 else ''} "
            f"({seconds_per_run:.2f} CPU-s per run, measured on one probe run)")


def _probe_seconds(exp: RobustExperiment) -> float:
    """CPU seconds of one run of the first world under the first form (for the time estimate)."""
    sc = scenario_from_dict(apply_overrides(exp.base, exp.overrides(0), exp.scenario_label), exp.scenario_label)
    t0 = time.process_time()
    run_model(sc, exp.forms[0], exp.seeds[0], tables=("summary",))  # what a sweep's run builds
    return time.process_time() - t0


# ============================================================================ the answer


@dataclass
class RobustAnswer:
    """What holds across the worlds (all tables long-form, one row per criterion and form or assumption)."""

    worlds: int
    forms: list[str]
    seeds: int
    assumptions: list[str]
    forms_table: pd.DataFrame  # criterion, form, ahead_of_all, ahead_of_some, not_behind, regret_median, regret_p90
    pareto: dict[str, float]  # form -> share of worlds in the Pareto set
    drivers: pd.DataFrame  # criterion, assumption, strength, coefficient, pair, rank
    flips: pd.DataFrame  # criterion, a, b, a_ahead, b_ahead (shares of worlds)
    method: str
    noise: float
    boxes: list[dict[str, Any]] = field(default_factory=list)  # PRIM boxes (EMA extra)
    failed: int = 0

    def top(self, metric: str, n: int = 3) -> pd.DataFrame:
        d = self.drivers[self.drivers["criterion"] == metric]
        return d.nsmallest(n, "rank")

    def lines(self) -> list[str]:
        """The answer as plain-text lines for the terminal."""
        out = [f"Robust across the assumptions: {self.worlds} worlds (Latin hypercube over "
               f"{len(self.assumptions)} assumptions' ranges), {len(self.forms)} forms, {self.seeds} common seeds "
               "per world; levers and area facts as the scenario sets them."]
        if self.failed:
            out.append(f"  {self.failed} runs failed and are left out.")
        w = max((len(f) for f in self.forms), default=1)
        out.append("  Share of worlds in the Pareto set: " + ", ".join(
            f"{f} {self.pareto.get(f, 0):.0%}" for f in self.forms))
        for c in CRITERIA:
            t = self.forms_table[self.forms_table["criterion"] == c.metric]
            if t.empty:
                continue
            out.append(f"  {c.short}: share of worlds ahead of all / ahead of some / behind none; regret "
                       f"median, p90 ({c.unit.strip() or 'units'} behind the best form of the world)")
            for _, r in t.iterrows():
                out.append(f"    {r['form']:<{w}}  {r['ahead_of_all']:>4.0%} / {r['ahead_of_some']:>4.0%} / "
                           f"{r['not_behind']:>4.0%}   regret {_num(r['regret_median'])}, {_num(r['regret_p90'])}")
            top = self.top(c.metric)
            if len(top):
                out.append("    decided most by: " + "; ".join(
                    f"{r['assumption']} ({self.method} {r['coefficient']:+.2f} on {r['pair']}"
                    f"{'' if abs(r['coefficient']) > self.noise else ', within noise'})" for _, r in top.iterrows()))
        for b in self.boxes:
            lims = "; ".join(f"{k} {v[0]:.3g}–{v[1]:.3g}" for k, v in b["limits"].items())
            out.append(f"  PRIM ({b['criterion']}): {b['form']} falls behind mostly where {lims} "
                       f"(coverage {b['coverage']:.0%}, density {b['density']:.0%})")
        out.append(f"  ({self.method}: rank coefficient over the worlds of an assumption with a pair's paired median "
                   f"difference; |coefficient| below {self.noise:.2f} is within what noise gives.)")
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "worlds": self.worlds, "forms": self.forms, "seeds_per_world": self.seeds, "assumptions": self.assumptions,
            "failed_runs": self.failed, "method": self.method, "noise_level": self.noise,
            "pareto_share": self.pareto,
            "forms_table": _records(self.forms_table), "drivers": _records(self.drivers),
            "flips": _records(self.flips), "prim_boxes": self.boxes,
        }


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    return json.loads(df.to_json(orient="records"))


def _num(x: float) -> str:
    return "–" if not math.isfinite(x) else f"{x:.3g}"


def world_medians(runs: pd.DataFrame, metric: str) -> pd.DataFrame:
    """Median per (world, form) of a criterion; a censored time not reached counts as the horizon."""
    v = runs[metric].astype(float)
    if metric in CENSORED and "param.simulation.horizon_quarters" in runs:
        v = v.where(v.notna(), runs["param.simulation.horizon_quarters"].astype(float) / 4)
    return v.groupby([runs["point"], runs["form"]]).median().unstack("form")


def rank_coefficients(u: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, str]:
    """Rank coefficient of each column of ``u`` (worlds × assumptions) with ``y`` (one per world): the
    standardised rank regression coefficient with enough worlds, else Spearman's rank correlation."""
    n, k = u.shape
    ru = rankdata(u, axis=0)
    ry = rankdata(y)
    ru = (ru - ru.mean(0)) / np.where(ru.std(0) > 0, ru.std(0), 1)
    ry = (ry - ry.mean()) / (ry.std() or 1)
    if n > k + SRRC_MARGIN:
        coef, *_ = np.linalg.lstsq(np.column_stack([np.ones(n), ru]), ry, rcond=None)
        return coef[1:], "SRRC"
    return ru.T @ ry / n, "Spearman"


def analyse(runs: pd.DataFrame, u: np.ndarray, assumptions: list[str], forms: list[str],
            criteria: tuple[Criterion, ...] = CRITERIA, prim: bool = True) -> RobustAnswer:
    """The answer across worlds from the runs (``point`` = world, ``form``, ``seed``, criteria columns) and
    the worlds' quantiles ``u`` (one row per world, one column per assumption)."""
    worlds = sorted(runs["point"].unique())
    n = len(worlds)
    # the answer of each world from the columns it reads (a run row has a hundred more)
    cols = [c for c in ["point", "form", "seed", "param.simulation.horizon_quarters", *(c.metric for c in criteria)]
            if c in runs]
    narrow = runs[cols]
    per_world = {p: tradeoff(frame, criteria) for p, frame in narrow.groupby("point", sort=True)}
    forms = [f for f in forms if f in set(runs["form"])]
    uw = u[worlds] if len(u) else np.zeros((n, 0))
    rows, drivers, flips = [], [], []
    method = "Spearman"
    for c in criteria:
        if c.metric not in runs:
            continue
        med = world_medians(runs, c.metric).reindex(index=worlds, columns=forms)
        best = med.min(axis=1) if c.lower_is_better else med.max(axis=1)
        regret = (med.sub(best, axis=0)).abs()
        res = {p: per_world[p].by_metric(c.metric) for p in worlds}
        for f in forms:
            r = regret[f].dropna().to_numpy()
            rows.append({
                "criterion": c.metric, "form": f,
                "ahead_of_all": float(np.mean([res[p] is not None and res[p].leader == f for p in worlds])),
                "ahead_of_some": float(np.mean([res[p] is not None and bool(res[p].ahead.get(f)) for p in worlds])),
                "not_behind": float(np.mean([not per_world[p].behind(f, c.metric) for p in worlds])),
                "regret_median": float(np.median(r)) if len(r) else math.nan,
                "regret_p90": float(np.quantile(r, 0.9, method="inverted_cdf")) if len(r) else math.nan,
            })
        best_per_assumption: dict[str, tuple[float, str]] = {}
        for i, a in enumerate(forms):
            for b in forms[i + 1:]:
                y = np.array([res[p].pairs[(a, b)].median if res[p] is not None and (a, b) in res[p].pairs
                              else math.nan for p in worlds], dtype=float)
                flips.append({"criterion": c.metric, "a": a, "b": b,
                              "a_ahead": float(np.mean([per_world[p].is_ahead(a, b, c.metric) for p in worlds])),
                              "b_ahead": float(np.mean([per_world[p].is_ahead(b, a, c.metric) for p in worlds]))})
                ok = np.isfinite(y)
                if ok.sum() < 3 or np.ptp(y[ok]) == 0 or uw.shape[1] == 0:
                    continue
                coef, method = rank_coefficients(uw[ok], y[ok])
                for j, name in enumerate(assumptions):
                    if abs(coef[j]) > abs(best_per_assumption.get(name, (0.0, ""))[0]):
                        best_per_assumption[name] = (float(coef[j]), f"{a} − {b}")
        ranked = sorted(best_per_assumption.items(), key=lambda kv: -abs(kv[1][0]))
        for rank, (name, (coef, pair)) in enumerate(ranked, 1):
            drivers.append({"criterion": c.metric, "assumption": name, "strength": abs(coef), "coefficient": coef,
                            "pair": pair, "rank": rank})
    forms_table = pd.DataFrame(rows)
    pareto = {f: float(np.mean([f in per_world[p].pareto for p in worlds])) for f in forms}
    drivers_df = pd.DataFrame(drivers, columns=["criterion", "assumption", "strength", "coefficient", "pair", "rank"])
    answer = RobustAnswer(n, forms, int(runs.groupby(["point", "form"])["seed"].nunique().min()), list(assumptions),
                          forms_table, pareto, drivers_df, pd.DataFrame(flips), method, NOISE / math.sqrt(max(n, 1)))
    if prim:
        answer.boxes = prim_boxes(answer, per_world, uw, assumptions, worlds)
    return answer


def prim_boxes(answer: RobustAnswer, per_world: dict, u: np.ndarray, assumptions: list[str],
               worlds: list[int]) -> list[dict[str, Any]]:
    """PRIM (EMA Workbench, optional): per criterion, where the form most often not behind falls behind.
    Limits are quantiles (0..1) of the assumptions' ranges. Empty without the extra or without a case."""
    try:  # the optional EMA extra, imported only here: it is slow to import and warns about its own extras
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from ema_workbench.analysis import prim
    except ImportError:
        return []
    boxes = []
    x = pd.DataFrame(u, columns=assumptions)
    for metric in answer.forms_table["criterion"].unique():
        t = answer.forms_table[answer.forms_table["criterion"] == metric]
        form = t.sort_values("not_behind", ascending=False, kind="stable")["form"].iloc[0]
        y = np.array([bool(per_world[p].behind(form, metric)) for p in worlds])
        if not 2 <= y.sum() <= len(y) - 2:
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            box = prim.Prim(x, y, threshold=0.5).find_box()
        lim = box.box_lim[box._cur_box] if isinstance(box.box_lim, list) else box.box_lim
        span = x.max() - x.min()
        limits = {name: (float(lim[name].iloc[0]), float(lim[name].iloc[1])) for name in assumptions
                  if (lim[name].iloc[0] - x[name].min()) + (x[name].max() - lim[name].iloc[1])
                  >= PRIM_MIN_CUT * span[name]}
        if limits:
            boxes.append({"criterion": metric, "form": form, "limits": limits, "coverage": float(box.coverage),
                          "density": float(box.density), "worlds_behind": int(y.sum())})
    return boxes


# ============================================================================ the study


@dataclass
class RobustResult:
    out: Path
    answer: RobustAnswer
    experiment: RobustExperiment
    seconds: float
    executor: str


def load_answer(out: str | Path) -> dict[str, Any] | None:
    """The stored answer of a robust folder (``robust.json``), or None."""
    path = Path(out) / ANSWER
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def write_answer(out: Path, answer: RobustAnswer, exp: RobustExperiment) -> None:
    ranges = [{"assumption": d.name, "source": d.source, "targets": [[t.path, t.low, t.high] for t in d.targets]}
              for d in exp.dims]
    data = {"kind": "robust", "scenario": exp.scenario_label, "root_seed": exp.spec.seed, "seeds": exp.seeds,
            "ranges": ranges, **answer.to_dict()}
    (out / ANSWER).write_text(json.dumps(data, indent=2, default=float), encoding="utf-8")
    answer.forms_table.to_csv(out / "robust_forms.csv", index=False)
    answer.drivers.to_csv(out / "robust_assumptions.csv", index=False)


def robust(scenario: str | Path | None = None, worlds: int = WORLDS, seeds: int = SEEDS,
           forms: list[str] | None = None, root_seed: int = ROOT_SEED, overrides: list[str] | None = None,
           workers: int | None = None, scheduler: str | None = None, out: str | Path | None = None,
           resume: bool = False, overwrite: bool = False, progress: bool | None = None,
           command: str | None = None, echo=lambda msg: print(msg, file=sys.stderr),
           shard_size: int = DEFAULT_SHARD_SIZE) -> RobustResult:
    """Every form in ``worlds`` worlds sampled from the assumptions' ranges, on ``seeds`` common seeds.

    Args are those of :func:`coalitionsim.batch.sweep.sweep` plus the study's: ``scenario`` (file, bundled
    name or None for the reference), ``forms`` (default all five), ``root_seed`` (the worlds and the seeds
    come from it), ``overrides`` (``PATH=VALUE``, applied before the ranges are read). Writes the sweep's
    files and the answer (``robust.json``, ``robust_forms.csv``, ``robust_assumptions.csv``) in ``out``
    (default ``results/robust-<scenario>``)."""
    exp = robust_experiment(scenario, worlds, seeds, forms, root_seed, overrides)
    out = Path(out) if out is not None else results_folder(exp.name)
    n_workers = 1 if workers == 1 else (workers or os.cpu_count() or 1)
    echo(f"robust {exp.scenario_label}: {worlds} worlds x {len(exp.forms)} forms x {seeds} seeds, "
         f"{len(exp.dims)} assumptions sampled")
    echo(design_size_line(exp.n_runs, _probe_seconds(exp), n_workers))
    try:
        res = sweep(exp, workers=workers, scheduler=scheduler, out=out, resume=resume, progress=progress,
                    command=command or f"python API: robust({str(scenario)!r}, worlds={worlds})", echo=echo,
                    overwrite=overwrite, shard_size=shard_size)
    except SweepError as err:
        raise RobustError(str(err)) from None
    runs = load_runs(out)
    ok = runs[runs["status"] == "ok"]
    answer = analyse(ok, exp.raw, [d.name for d in exp.dims], exp.forms)
    answer.failed = int((runs["status"] == "failed").sum())
    write_answer(out, answer, exp)
    return RobustResult(out, answer, exp, res.seconds, res.executor)


__all__ = ["RobustAnswer", "RobustError", "RobustResult", "analyse", "load_answer", "robust", "robust_experiment"]
