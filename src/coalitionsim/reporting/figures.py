"""The three figures of a comparison: realisation curves, free riding, draagvlak against draagkracht.

Every interval drawn is the project's one statistic, the median and 90% interval (5th–95th percentile over
runs, :func:`coalitionsim.runner.stats.quantiles`): no box plots, no default whiskers. Axes and legends use
the Dutch terms with English glosses (:mod:`.vocabulary`); legends sit outside the plotting area.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from ..runner.stats import quantiles  # noqa: E402
from .vocabulary import GROUP_NAMES, form_label, group_label  # noqa: E402


def _forms(frame: pd.DataFrame) -> list[str]:
    return list(dict.fromkeys(frame["form"]))


def _band_over_seeds(frame: pd.DataFrame, column: str, scale: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Per step (index) the (p5, median, p95) over the seeds that have a value of ``column`` (rows: steps with
    a value in some seed, columns: the three)."""
    wide = frame.pivot_table(index="step", columns="seed", values=column).dropna(how="all") / scale
    if wide.empty:
        return np.empty(0), np.empty((0, 3))
    return wide.index.to_numpy(), quantiles(wide.to_numpy(float), axis=1, ignore_nan=True).T


def _legend_below(fig, ax, ncol: int = 3) -> None:
    """The legend of ``ax`` below the figure's axes, never over the data (constrained layout makes room)."""
    handles, labels = ax.get_legend_handles_labels()
    if handles:
        fig.legend(handles, labels, loc="outside lower center", ncol=ncol, fontsize=8, frameon=False)


def realisation_curves(timeseries: pd.DataFrame, homes_planned: int, path: Path) -> Path:
    """Share of planned homes completed over time per form: median line and 90% band."""
    fig, ax = plt.subplots(figsize=(8, 5.4), layout="constrained")
    for form, frame in timeseries.groupby("form", sort=False):
        steps, q = _band_over_seeds(frame, "homes_completed", homes_planned)
        years = steps / 4
        line, = ax.plot(years, q[:, 1], label=form_label(form, newline=False))
        ax.fill_between(years, q[:, 0], q[:, 2], color=line.get_color(), alpha=0.2)
    ax.set_xlabel("jaren (years)")
    ax.set_ylabel("realisatiegraad (share of planned homes completed)")
    ax.set_title("Realisatie (realisation) per governance form:\nmedian and 90% interval over runs", fontsize=10)
    ax.set_ylim(0, 1.02)
    ax.grid(alpha=0.3)
    _legend_below(fig, ax, ncol=2)
    return _save(fig, path)


def free_riding(summary: pd.DataFrame, timeseries: pd.DataFrame | None, path: Path) -> Path:
    """Left: the free-riding index per form, every run a dot, median and 90% interval as marker and line.
    Right (with time series): the voluntary contribution rate per quarter, median and 90% band."""
    with_series = timeseries is not None and "voluntary_contribution_rate" in timeseries
    fig, axes = plt.subplots(1, 2 if with_series else 1, figsize=(12.5 if with_series else 6.5, 5.6), squeeze=False,
                             layout="constrained")
    left = axes[0][0]
    forms = _forms(summary)
    rng = np.random.default_rng(0)  # jitter of the dots only
    for i, form in enumerate(forms):
        values = summary.loc[summary["form"] == form, "free_riding_index"].astype(float).dropna().to_numpy()
        if not len(values):
            continue
        left.scatter(i + rng.uniform(-0.18, 0.18, len(values)), values, s=9, color="#999", alpha=0.6, zorder=2,
                     label="one run" if i == 0 else None)
        lo, med, hi = quantiles(values)
        left.vlines(i, lo, hi, color="#08519c", lw=2.5, zorder=3,
                    label="90% interval (5th–95th pct.)" if i == 0 else None)
        left.plot([i], [med], marker="D", color="#08519c", markersize=7, zorder=4, label="median" if i == 0 else None)
    left.set_xticks(range(len(forms)), [form_label(f) for f in forms], fontsize=7, rotation=30, ha="right")
    left.set_xlim(-0.6, len(forms) - 0.4)
    left.set_ylabel("meeliftindex (free-riding index)")
    left.set_title("Meeliften (free riding) per form at the end of the run", fontsize=10)
    left.grid(alpha=0.3, axis="y")
    if with_series:
        right = axes[0][1]
        for form, frame in timeseries.groupby("form", sort=False):
            steps, q = _band_over_seeds(frame, "voluntary_contribution_rate")
            line, = right.plot(steps / 4, q[:, 1], label=form_label(form, newline=False))
            right.fill_between(steps / 4, q[:, 0], q[:, 2], color=line.get_color(), alpha=0.15)
        right.set_xlabel("jaren (years)")
        right.set_ylabel("vrijwillige bijdrage (voluntary rate)")
        right.set_title("Vrijwillige bijdragen (voluntary contributions) per quarter", fontsize=10)
        right.set_ylim(0, 1.02)
        right.grid(alpha=0.3)
        handles, labels = left.get_legend_handles_labels()
        h2, l2 = right.get_legend_handles_labels()
        fig.legend(handles + h2, labels + l2, loc="outside lower center", ncol=4, fontsize=8, frameon=False)
    else:
        _legend_below(fig, left)
    return _save(fig, path)


def run_means(timeseries: pd.DataFrame) -> pd.DataFrame:
    """Per form and seed, the mean over the run's quarters of every draagvlak_/draagkracht_ column."""
    cols = [c for c in timeseries.columns if c.startswith(("draagvlak_", "draagkracht_"))]
    return timeseries.groupby(["form", "seed"], sort=False)[cols].mean().reset_index()


def draagvlak_draagkracht(timeseries: pd.DataFrame, path: Path) -> Path:
    """Per actor group and form, draagvlak (willing) and draagkracht (able): each run's mean over all quarters;
    bars at the median over runs, lines for the 90% interval. Not a time series."""
    means = run_means(timeseries)
    forms = _forms(means)
    present = ({c.split("_", 1)[1] for c in means.columns if c.startswith("draagvlak_")}
               & {c.split("_", 1)[1] for c in means.columns if c.startswith("draagkracht_")})
    groups = [g for g in GROUP_NAMES if g in present] + sorted(present - set(GROUP_NAMES))
    cols = min(3, len(forms))
    rows = -(-len(forms) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3.6 * cols, 3.9 * rows + 0.5), sharey=True, squeeze=False,
                             layout="constrained")
    x = np.arange(len(groups))
    for ax in list(axes.flat)[len(forms):]:
        ax.set_visible(False)
    for ax, form in zip(axes.flat, forms):
        frame = means[means["form"] == form]
        for offset, kind, colour, label in ((-0.2, "draagvlak", "#6a51a3", "draagvlak (willing)"),
                                            (0.2, "draagkracht", "#238b45", "draagkracht (able)")):
            q = np.array([quantiles(v) if len(v := frame[f"{kind}_{g}"].dropna().to_numpy(float)) else [np.nan] * 3
                          for g in groups]).reshape(len(groups), 3)
            ax.bar(x + offset, q[:, 1], 0.4, color=colour, alpha=0.8, label=f"{label}: median")
            ax.vlines(x + offset, q[:, 0], q[:, 2], color="black", lw=1.2,
                      label="90% interval (5th–95th pct.)" if kind == "draagkracht" else None)
        ax.set_xticks(x, [group_label(g, newline=True) for g in groups], rotation=45, ha="right", fontsize=7)
        ax.set_title(form_label(form), fontsize=9)
        ax.set_ylim(0, 1.1)
        ax.grid(alpha=0.3, axis="y")
    for row in axes:
        row[0].set_ylabel("mean over the run, 0–1")
    fig.suptitle("Draagvlak (willing) and draagkracht (able) per actor group: median and 90% interval over runs",
                 fontsize=10)
    _legend_below(fig, axes[0][0], ncol=3)
    return _save(fig, path)


def _save(fig, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def compare_figures(summary: pd.DataFrame, timeseries: pd.DataFrame, homes_planned: int, folder: Path) -> list[Path]:
    return [
        realisation_curves(timeseries, homes_planned, folder / "realisation.png"),
        free_riding(summary, timeseries, folder / "free_riding.png"),
        draagvlak_draagkracht(timeseries, folder / "draagvlak_draagkracht.png"),
    ]
