"""Analysis of a sweep folder: per-factor interval tables, main-effect figures, sensitivity indices.

Writes into ``DIR/analysis/`` (or ``--out``), with a ``manifest.json`` of its own:

- ``by_form.csv``: median and 90% interval per form over all runs;
- ``factor_summary.csv``: per factor, form and level (continuous factors: quintile bins) the median and
  90% interval of every output (:func:`coalitionsim.tables.interval_table`);
- ``main_effects_<output>.png``: one panel per factor, one line per form (median, 90% band);
- for ``morris`` designs ``morris.csv`` (mu, mu*, mu* confidence, sigma, sigma confidence) and
  ``morris_<output>.png``; for ``sobol`` designs ``sobol.csv`` (S1, ST with confidence intervals) and
  ``sobol_<output>.png``.

Sensitivity indices need one value per design point: the outcome is averaged over the replications of a
design point first (the common-random-number seeds are the same for every point). Times that were not
reached within the horizon (``t50_years`` etc.) count as the horizon there. A form with failed or
missing runs at some design point gets no indices (SALib needs the complete design).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..batch.sweep import SweepError, check_shards, load_manifest, load_runs
from ..runner.stats import CENSORED, KEY_METRICS, interval_table
from ..runner.store import claim, output_folder, provenance
from .tables import format_table

LABELS = dict(KEY_METRICS)
MAX_BINS = 5
CONF_LEVEL = 0.95
NUM_RESAMPLES = 1000
SIGMA_BOOTSTRAP = 1000


@dataclass
class Analysis:
    folder: Path
    files: list[Path] = field(default_factory=list)
    text: list[str] = field(default_factory=list)
    morris: pd.DataFrame | None = None
    sobol: pd.DataFrame | None = None
    factor_summary: pd.DataFrame | None = None


def _metrics(info: dict[str, Any], runs: pd.DataFrame) -> list[tuple[str, str]]:
    """The numeric outputs to analyse: the experiment's outputs, else the key metrics."""
    wanted = info.get("outputs") or [m for m, _ in KEY_METRICS]
    out = []
    for m in wanted:
        if m in runs and pd.api.types.is_numeric_dtype(runs[m]) and not pd.api.types.is_bool_dtype(runs[m]):
            out.append((m, LABELS.get(m, m)))
    return out


def _list_label(v: Any) -> Any:
    """A list-valued level (e.g. a list of developers, stored as an array) as short, hashable text."""
    if isinstance(v, (list, tuple, np.ndarray, dict)):
        items = list(v.values()) if isinstance(v, dict) else list(v)
        text = "; ".join(str(_list_label(x)) if not isinstance(x, dict) else
                         ",".join(f"{k}={x[k]}" for k in sorted(x) if k != "name") for x in items)
        return f"[{len(items)}] {text}"[:60]
    return v


def _levels(values: pd.Series, kind: str | None) -> tuple[pd.Series, bool]:
    """Group values into levels: the values themselves when few, else quantile bins (bin medians)."""
    if values.map(lambda v: isinstance(v, (list, tuple, np.ndarray, dict))).any():
        return values.map(_list_label), False
    uniq = values.dropna().unique()
    if len(uniq) <= 8 or kind == "bool" or not pd.api.types.is_numeric_dtype(values):
        return values, False
    bins = pd.qcut(values.astype(float), q=MAX_BINS, duplicates="drop")
    medians = values.astype(float).groupby(bins, observed=True).transform("median")
    return medians.round(6), True


def _as_number(v: Any) -> float | None:
    if isinstance(v, (bool, np.bool_)):
        return float(v)
    if isinstance(v, (int, float, np.integer, np.floating)):
        return float(v)
    return None


def factor_tables(ok: pd.DataFrame, factors: list[str], kinds: list[str], metrics) -> pd.DataFrame:
    frames = []
    for path, kind in zip(factors, kinds):
        level, binned = _levels(ok[path], kind)
        data = ok.assign(level=level)
        for form, sub in data.groupby("form", sort=False):
            t = interval_table(sub, metrics, by="level")
            t["level"] = t["level"].astype(object)  # a yes/no factor keeps True/False next to numeric factors
            t.insert(0, "form", form)
            t.insert(0, "binned", binned)
            t.insert(0, "factor", path)
            frames.append(t)
    if not frames:
        return pd.DataFrame()
    out = pd.concat(frames, ignore_index=True)
    order = {f: i for i, f in enumerate(dict.fromkeys(ok["form"]))}
    keyed = out.assign(_f=out["factor"].map(factors.index), _o=out["form"].map(order),
                       _l=out["level"].map(_sort_key))
    try:
        keyed = keyed.sort_values(["_f", "_o", "_l"], kind="stable")
    except TypeError:  # levels of mixed types: keep the design order
        keyed = keyed.sort_values(["_f", "_o"], kind="stable")
    return keyed.drop(columns=["_f", "_o", "_l"]).reset_index(drop=True)


def _level_text(v: Any) -> str:
    if isinstance(v, (bool, np.bool_)):
        return str(bool(v)).lower()
    return f"{v:g}" if _as_number(v) is not None else str(v)


def _sort_key(v: Any) -> Any:
    n = _as_number(v)
    return n if n is not None else str(v)


NOT_REACHED_NOTE = (" A time not reached within the horizon does not vanish: ▲ on the dashed horizon line marks a "
                    "level where most runs did not reach it, and a percentage next to a point gives the share of "
                    "runs that did not reach it (when above 0).")


def _is_yes_no(levels: list[Any]) -> bool:
    return bool(levels) and all(isinstance(v, (bool, np.bool_)) for v in levels)


def main_effect_figure(table: pd.DataFrame, metric: str, label: str, factors: list[str]):
    """The main-effect figure (a matplotlib Figure): one panel per factor, one line per form, median and 90%
    band per level. Yes/no factors are two categories; for a censored time (t50 …) a level whose median is
    not reached is a ▲ on the horizon line and the share of runs not reached is written next to the point."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from .vocabulary import FACTOR_NAMES, form_label

    n = len(factors)
    cols = min(3, n)
    rows = math.ceil(n / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4.4 * cols, 3.4 * rows + 0.6), squeeze=False, layout="constrained")
    censored = metric in CENSORED
    reached_col = f"{metric}_reached"
    for ax, factor in zip(axes.flat, factors):
        sub = table[table["factor"] == factor]
        levels = list(dict.fromkeys(sub["level"]))
        yes_no = _is_yes_no(levels)
        if yes_no:
            levels = [False, True]
        numeric = not yes_no and all(_as_number(v) is not None for v in levels)
        horizon = float(sub["horizon_years"].iloc[0]) if censored and "horizon_years" in sub and len(sub) else math.inf
        groups = list(sub.groupby("form", sort=False))
        for k, (form, g) in enumerate(groups):
            colour = f"C{k}"
            if numeric:
                x = np.asarray([_as_number(v) for v in g["level"]], float)
            else:  # categories (yes/no, text): side by side per form, no line between categories
                dodge = (k - (len(groups) - 1) / 2) * 0.12
                x = np.asarray([levels.index(bool(v) if yes_no else v) + dodge for v in g["level"]], float)
            raw = g[f"{metric}_median"].to_numpy(float)
            med = raw.copy()
            lo, hi = g[f"{metric}_p5"].to_numpy(float), g[f"{metric}_p95"].to_numpy(float)
            if censored and math.isfinite(horizon):  # not reached: drawn at the horizon and marked, not dropped
                med, lo, hi = (np.where(np.isinf(v), horizon, v) for v in (med, lo, hi))
            beyond = np.isinf(raw)
            shown = np.isfinite(med)
            name = form_label(form, False)
            if numeric:
                ax.plot(x[shown & ~beyond], med[shown & ~beyond], marker="o", color=colour, label=name)
                if (shown & beyond).any():
                    ax.plot(x[shown], med[shown], color=colour, lw=0.8, ls=":")
                band = shown & np.isfinite(lo) & np.isfinite(hi)
                ax.fill_between(x[band], lo[band], hi[band], alpha=0.15, color=colour)
            else:
                ax.vlines(x[shown], lo[shown], hi[shown], color=colour, lw=2, alpha=0.6)
                ax.plot(x[shown & ~beyond], med[shown & ~beyond], marker="o", ls="none", color=colour, label=name)
            if (shown & beyond).any():
                ax.plot(x[shown & beyond], med[shown & beyond], marker="^", ls="none", markersize=9,
                        markerfacecolor="white", color=colour, label="not reached (median beyond the horizon)")
            if censored and reached_col in g:
                for xi, yi, r in zip(x, med, g[reached_col].to_numpy(float)):
                    if np.isfinite(yi) and np.isfinite(r) and r < 1:
                        ax.annotate(f"{1 - r:.0%} not reached", (xi, yi), textcoords="offset points",
                                    xytext=(4, -10), fontsize=6, color=colour)
        if censored and math.isfinite(horizon):
            ax.axhline(horizon, color="#777", lw=0.8, ls="--")
            ax.annotate("horizon", (0.99, horizon), xycoords=("axes fraction", "data"), textcoords="offset points",
                        xytext=(0, 3), fontsize=6, color="#555", ha="right")
            bottom, top = ax.get_ylim()
            ax.set_ylim(bottom, max(top, horizon + 0.06 * (horizon - bottom)))
        if yes_no:
            ax.set_xticks([0, 1], ["no", "yes"])
            ax.set_xlim(-0.5, 1.5)
        elif not numeric:
            ax.set_xticks(range(len(levels)), [str(v) for v in levels], rotation=20)
        ax.set_xlabel(FACTOR_NAMES.get(factor, factor), fontsize=8)
        ax.set_ylabel(label, fontsize=8)
        ax.grid(alpha=0.3)
    for ax in list(axes.flat)[n:]:
        ax.set_visible(False)
    unique: dict[str, Any] = {}
    for ax in axes.flat:
        for handle, name in zip(*ax.get_legend_handles_labels()):
            unique.setdefault(name, handle)
    fig.legend(unique.values(), unique.keys(), loc="outside lower center", ncol=min(4, len(unique)), fontsize=7,
               frameon=False)
    fig.suptitle(f"Main effects on {label}: median and 90% interval over runs", fontsize=10)
    return fig


def _main_effect_figure(table: pd.DataFrame, metric: str, label: str, factors: list[str], path: Path) -> None:
    import matplotlib.pyplot as plt

    fig = main_effect_figure(table, metric, label, factors)
    fig.savefig(path, dpi=110)
    plt.close(fig)


# --------------------------------------------------------------------------- sensitivity indices


def point_means(ok: pd.DataFrame, form: str, metric: str, n_points: int) -> tuple[np.ndarray | None, str]:
    """The outcome per design point, averaged over replications; (None, reason) when incomplete."""
    sub = ok[ok["form"] == form]
    values = sub[metric].astype(float)
    if metric in CENSORED:
        horizon = sub["param.simulation.horizon_quarters"].astype(float) / 4
        values = values.where(values.notna(), horizon)
    means = values.groupby(sub["point"]).mean()
    if len(means) < n_points:
        return None, f"{n_points - len(means)} of {n_points} design points have no successful run"
    y = means.reindex(range(n_points)).to_numpy(float)
    if not np.isfinite(y).all():
        return None, f"{int((~np.isfinite(y)).sum())} design points have no value"
    return y, ""


def _salib_problem(info: dict[str, Any]) -> dict[str, Any]:
    p = info["problem"]
    return {"num_vars": p["num_vars"], "names": p["names"], "bounds": p["bounds"]}


def elementary_effects(problem: dict[str, Any], x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Morris elementary effects, one row per trajectory and one column per factor, in the unit
    hypercube (as SALib's unscaled analysis): (y after - y before) / (step of the factor)."""
    d = problem["num_vars"]
    bounds = np.asarray(problem["bounds"], float)
    unit = (x - bounds[:, 0]) / (bounds[:, 1] - bounds[:, 0])
    n_traj = len(y) // (d + 1)
    ee = np.full((n_traj, d), np.nan)
    for t in range(n_traj):
        rows = slice(t * (d + 1), (t + 1) * (d + 1))
        dx, dy = np.diff(unit[rows], axis=0), np.diff(y[rows])
        for k in range(d):
            j = int(np.argmax(np.abs(dx[k])))
            ee[t, j] = dy[k] / dx[k, j]
    return ee


def morris_indices(problem: dict[str, Any], x: np.ndarray, y: np.ndarray, seed: int) -> pd.DataFrame:
    """SALib Morris mu, mu*, sigma with mu* confidence; sigma confidence by bootstrap over trajectories."""
    from SALib.analyze import morris

    res = morris.analyze(problem, x, y, num_resamples=NUM_RESAMPLES, conf_level=CONF_LEVEL, num_levels=4, seed=seed)
    ee = elementary_effects(problem, x, y)
    n_traj = len(ee)
    if n_traj > 1:
        rng = np.random.default_rng(seed)
        picks = rng.integers(0, n_traj, (SIGMA_BOOTSTRAP, n_traj))
        sigmas = np.nanstd(ee[picks], axis=1, ddof=1)  # (resamples, factors)
        lo, hi = np.nanquantile(sigmas, [(1 - CONF_LEVEL) / 2, (1 + CONF_LEVEL) / 2], axis=0)
        sigma_conf = (hi - lo) / 2
    else:
        sigma_conf = np.full(problem["num_vars"], np.nan)
    return pd.DataFrame({
        "factor": problem["names"], "mu": res["mu"], "mu_star": res["mu_star"],
        "mu_star_conf": res["mu_star_conf"], "sigma": res["sigma"], "sigma_conf": sigma_conf,
    })


def sobol_indices(problem: dict[str, Any], y: np.ndarray, seed: int) -> pd.DataFrame:
    """SALib Sobol first-order and total indices with confidence intervals (no second order)."""
    from SALib.analyze import sobol

    res = sobol.analyze(problem, y, calc_second_order=False, num_resamples=NUM_RESAMPLES, conf_level=CONF_LEVEL,
                        seed=seed)
    return pd.DataFrame({"factor": problem["names"], "S1": res["S1"], "S1_conf": res["S1_conf"],
                         "ST": res["ST"], "ST_conf": res["ST_conf"]})


def _sensitivity_figure(table: pd.DataFrame, kind: str, metric: str, label: str, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from .vocabulary import FACTOR_NAMES, form_label

    forms = list(dict.fromkeys(table["form"]))
    d = table["factor"].nunique()
    fig, axes = plt.subplots(1, len(forms), figsize=(4.5 * len(forms), 0.45 * d + 1.6), squeeze=False, sharey=True)
    for ax, form in zip(axes.flat, forms):
        t = table[table["form"] == form]
        ypos = np.arange(len(t))
        if kind == "morris":
            ax.barh(ypos - 0.2, t["mu_star"], 0.4, xerr=t["mu_star_conf"], label="mu*", capsize=2)
            ax.barh(ypos + 0.2, t["sigma"], 0.4, xerr=t["sigma_conf"], label="sigma", capsize=2, alpha=0.7)
        else:
            ax.barh(ypos - 0.2, t["S1"], 0.4, xerr=t["S1_conf"], label="S1", capsize=2)
            ax.barh(ypos + 0.2, t["ST"], 0.4, xerr=t["ST_conf"], label="ST", capsize=2, alpha=0.7)
        ax.set_yticks(ypos, [FACTOR_NAMES.get(f, f) for f in t["factor"]], fontsize=7)
        ax.set_title(form_label(form), fontsize=9)
        ax.grid(axis="x", alpha=0.3)
    axes.flat[0].invert_yaxis()
    axes.flat[0].legend(fontsize=7)
    what = "Morris mu* and sigma" if kind == "morris" else "Sobol S1 and ST"
    fig.suptitle(f"{what} for {label} ({int(CONF_LEVEL * 100)}% confidence; replications averaged)", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in name)


# --------------------------------------------------------------------------- entry point


def analyze(folder: str | Path, echo: Callable[[str], None] = print, out: str | Path | None = None,
            overwrite: bool = False) -> Analysis:
    """Tables, main-effect figures and (morris/sobol) sensitivity indices of a sweep folder, written into
    ``out`` (default ``FOLDER/analysis``) in full or not at all; an existing ``out`` is replaced only with
    ``overwrite`` and only if coalitionsim wrote it (:func:`coalitionsim.runner.store.check_out`)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise SweepError(f"{folder}: no such folder")
    load_manifest(folder)  # not a sweep folder: fails before anything is written
    check_shards(folder)  # nor does a damaged shard
    target = Path(out) if out is not None else folder / "analysis"
    with claim(target), output_folder(target, provenance("analysis", input=str(folder)), overwrite,
                                      inputs=[folder]) as staging:
        result = _analyze(folder, staging, target, echo)
    result.files = [target / path.relative_to(staging) for path in result.files]
    return result


def _whole(section: dict, key: str, name: str) -> int:
    """A whole number the analysis computes with, read from the manifest: one line when it was edited."""
    try:
        return int(section[key])
    except (KeyError, TypeError, ValueError):
        raise SweepError(f"manifest.json: {name} must be a whole number (got {str(section.get(key))[:40]!r}); "
                         "the sweep's manifest was edited or damaged: run the sweep again") from None


def _analyze(folder: Path, out: Path, shown_as: Path, echo: Callable[[str], None]) -> Analysis:
    """The analysis, written into ``out`` (a staging folder that becomes ``shown_as``)."""
    info = load_manifest(folder)
    wanted = info.get("outputs") or [m for m, _ in KEY_METRICS]
    runs = load_runs(folder, columns=["run_id", "point", "form", "replication", "seed", "error",
                                      "param.simulation.horizon_quarters", *info["problem"]["names"], *wanted])
    if runs.empty:
        raise SweepError(f"{folder}: no runs stored yet")
    design_kind = info["design"]["kind"]
    n_points = _whole(info["design"], "points", "design.points")
    planned = _whole(info["design"], "runs", "design.runs")
    factors = list(info["problem"]["names"])
    kinds = list(info["problem"].get("kinds") or ["float"] * len(factors))
    reps = _whole(info["design"], "replications", "design.replications")
    seed = _whole(info, "root_seed", "root_seed")
    result = Analysis(folder=shown_as)

    def say(line: str = "") -> None:
        result.text.append(line)
        echo(line)

    ok = runs[runs["status"] == "ok"].reset_index(drop=True)
    n_failed = int((runs["status"] == "failed").sum())
    n_na = int((runs["status"] == "not_applicable").sum())
    say(f"{info['experiment']}: {design_kind} design, {n_points} design points x {len(info['design']['forms'])} "
        f"forms x {reps} replications = {planned} runs")
    say(f"stored {len(runs)} runs: {len(ok)} ok, {n_failed} failed, {n_na} not applicable"
        + ("" if len(runs) == planned else f"; INCOMPLETE, {planned - len(runs)} runs missing (sweep --resume)"))
    if n_failed:
        first = runs.loc[runs["status"] == "failed", "error"].value_counts().head(3)
        for err, count in first.items():
            say(f"  failed x{count}: {err}")
    metrics = _metrics(info, ok)
    if ok.empty or not metrics:
        say("nothing to analyse (no successful runs or no numeric outputs)")
        return result

    by_form = interval_table(ok, metrics, by="form")
    by_form.to_csv(out / "by_form.csv", index=False)
    result.files.append(out / "by_form.csv")
    say("\nall runs, median [90% interval]:")
    say(format_table(by_form, metrics, by="form"))

    if factors:
        table = factor_tables(ok, factors, kinds, metrics)
        result.factor_summary = table
        table.to_csv(out / "factor_summary.csv", index=False)
        result.files.append(out / "factor_summary.csv")
        shown = metrics[:4]
        for factor in factors:
            t = table[table["factor"] == factor].copy()
            binned = bool(t["binned"].iloc[0]) if len(t) else False
            width = int(t["form"].str.len().max())
            t["group"] = t["form"].str.ljust(width) + "  " + t["level"].map(_level_text)
            say(f"\n{factor}{' (quintile bins, bin median)' if binned else ''}: median [90% interval]")
            say(format_table(t, shown, by="group"))
        for metric, label in metrics:
            path = out / f"main_effects_{_safe(metric)}.png"
            _main_effect_figure(table, metric, label, factors, path)
            result.files.append(path)

    if design_kind in ("morris", "sobol"):
        design = pd.read_parquet(folder / "design.parquet")
        problem = _salib_problem(info)
        x = design[[f"x.{n}" for n in factors]].to_numpy(float)
        say(f"\n{design_kind} sensitivity indices (SALib): each design point's outcome is the mean over its "
            f"{reps} replications; censored times count as the horizon; {int(CONF_LEVEL * 100)}% confidence.")
        frames = []
        for form in info["design"]["forms"]:
            for metric, _label in metrics:
                y, reason = point_means(ok, form, metric, n_points)
                if y is None:
                    say(f"  {form} / {metric}: skipped ({reason})")
                    continue
                if np.ptp(y) == 0:
                    say(f"  {form} / {metric}: skipped (the outcome does not vary)")
                    continue
                t = morris_indices(problem, x, y, seed) if design_kind == "morris" else sobol_indices(problem, y, seed)
                t.insert(0, "output", metric)
                t.insert(0, "form", form)
                t["replications_averaged"] = reps
                frames.append(t)
        if frames:
            table = pd.concat(frames, ignore_index=True)
            setattr(result, design_kind, table)
            table.to_csv(out / f"{design_kind}.csv", index=False)
            result.files.append(out / f"{design_kind}.csv")
            key = "mu_star" if design_kind == "morris" else "ST"
            for metric, label in metrics:
                t = table[table["output"] == metric]
                if t.empty:
                    continue
                path = out / f"{design_kind}_{_safe(metric)}.png"
                _sensitivity_figure(t, design_kind, metric, label, path)
                result.files.append(path)
                say(f"\n{label}: most influential by {key} (per form)")
                for form, g in t.groupby("form", sort=False):
                    top = g.sort_values(key, ascending=False).head(3)
                    conf = f"{key}_conf"
                    parts = [f"{r.factor} {getattr(r, key):.3g}±{getattr(r, conf):.2g}" for r in top.itertuples()]
                    say(f"  {form:20s} " + "; ".join(parts))
    say(f"\ntables and figures written to {shown_as}")
    return result
