"""The three figures of a comparison: realisation curves with bands, free riding, draagvlak vs draagkracht."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from ..model.metrics import GROUPS  # noqa: E402


def realisation_curves(timeseries: pd.DataFrame, homes_planned: int, path: Path) -> Path:
    """Share of planned homes completed over time per form: median line and 90% band."""
    fig, ax = plt.subplots(figsize=(8, 5))
    for form, frame in timeseries.groupby("form", sort=False):
        wide = frame.pivot_table(index="step", columns="seed", values="homes_completed") / homes_planned
        years = wide.index.to_numpy() / 4
        lo, med, hi = (wide.quantile(q, axis=1).to_numpy() for q in (0.05, 0.5, 0.95))
        line, = ax.plot(years, med, label=form)
        ax.fill_between(years, lo, hi, color=line.get_color(), alpha=0.2)
    ax.set_xlabel("years")
    ax.set_ylabel("share of planned homes completed")
    ax.set_title("Realisation per governance form (median, 90% band)")
    ax.set_ylim(0, 1.02)
    ax.legend(loc="upper left")
    ax.grid(alpha=0.3)
    return _save(fig, path)


def free_riding(summary: pd.DataFrame, timeseries: pd.DataFrame, path: Path) -> Path:
    """Free-riding index per form (box per form) and the voluntary contribution rate over time."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 5))
    forms = list(dict.fromkeys(summary["form"]))
    left.boxplot([summary.loc[summary.form == f, "free_riding_index"] for f in forms], tick_labels=forms)
    left.set_ylabel("free-riding index (shortfall ÷ fair share)")
    left.set_title("Free riding per form")
    left.tick_params(axis="x", rotation=20)
    for form, frame in timeseries.groupby("form", sort=False):
        rate = frame.groupby("step")["voluntary_contribution_rate"].median()
        right.plot(rate.index / 4, rate.values, label=form)
    right.set_xlabel("years")
    right.set_ylabel("voluntary contribution rate (median)")
    right.set_title("Voluntary contributions over time")
    right.set_ylim(0, 1.02)
    right.legend()
    for ax in (left, right):
        ax.grid(alpha=0.3)
    return _save(fig, path)


def draagvlak_draagkracht(timeseries: pd.DataFrame, path: Path) -> Path:
    """Mean draagvlak (willing) against mean draagkracht (able) per actor group, one panel per form."""
    forms = list(dict.fromkeys(timeseries["form"]))
    fig, axes = plt.subplots(1, len(forms), figsize=(3.2 * len(forms), 3.6), sharey=True, squeeze=False)
    x = np.arange(len(GROUPS))
    for ax, form in zip(axes[0], forms):
        frame = timeseries[timeseries.form == form]
        vlak = [frame[f"draagvlak_{g}"].mean() for g in GROUPS]
        kracht = [frame[f"draagkracht_{g}"].mean() for g in GROUPS]
        ax.bar(x - 0.2, vlak, 0.4, label="draagvlak (willing)")
        ax.bar(x + 0.2, kracht, 0.4, label="draagkracht (able)")
        ax.set_xticks(x, GROUPS, rotation=45, ha="right")
        ax.set_title(form, fontsize=10)
        ax.set_ylim(0, 1.05)
        ax.grid(alpha=0.3, axis="y")
    axes[0][0].set_ylabel("mean over run")
    axes[0][0].legend(fontsize=8, loc="lower left")
    fig.suptitle("Draagvlak versus draagkracht per actor group")
    return _save(fig, path)


def _save(fig, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def compare_figures(summary: pd.DataFrame, timeseries: pd.DataFrame, homes_planned: int, folder: Path) -> list[Path]:
    return [
        realisation_curves(timeseries, homes_planned, folder / "realisation.png"),
        free_riding(summary, timeseries, folder / "free_riding.png"),
        draagvlak_draagkracht(timeseries, folder / "draagvlak_draagkracht.png"),
    ]
