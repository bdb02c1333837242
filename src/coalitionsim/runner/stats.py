"""Statistics of replicated runs: the median and 90% interval per form of the key metrics and paired
differences over common seeds. The answer built on them (who is ahead beyond the spread, the Pareto set) is
:mod:`coalitionsim.runner.tradeoff`; the advisor and the report both read them from here.

One statistic everywhere: the median and the 5th and 95th percentile over runs (the "90% interval"), by the
inverted empirical distribution function (:func:`quantiles`). With fewer than :data:`MIN_RUNS_FOR_INTERVAL`
runs that interval is exactly the range (smallest to largest) of the runs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..scenario import FORMS

KEY_METRICS: list[tuple[str, str]] = [
    ("realisation_share", "realised share of plan"),
    ("years_to_agreement", "years to agreement"),
    ("years_to_first_home", "years to first home"),
    ("t50_years", "t50 (years)"),
    ("free_riding_index", "free-riding index"),
    ("funding_gap_share", "funding gap share"),
    ("public_deficit", "public deficit (M€)"),
    ("willing_unable_share", "willing-but-unable share"),
    ("trust_mean", "trust"),
]

# metrics that are missing when the event never happened within the horizon (censored)
CENSORED = {"years_to_agreement", "years_to_first_home", "t50_years", "t90_years"}

QUANTILES = (0.05, 0.5, 0.95)
#: the words every table and figure caption uses for the interval
INTERVAL_LABEL = "median and 90% interval (5th–95th percentile over runs)"
#: below this many runs the 5th and 95th percentile are the smallest and largest run
MIN_RUNS_FOR_INTERVAL = 20


def quantiles(values, axis=None, ignore_nan: bool = False) -> np.ndarray:
    """(5th percentile, median, 95th percentile) of ``values``: the one interval statistic of the project.
    ``ignore_nan``: over the values present (e.g. the runs that asked anything in a quarter)."""
    return (np.nanquantile if ignore_nan else np.quantile)(values, QUANTILES, method="inverted_cdf", axis=axis)


def reached_name(metric: str) -> str:
    """The name of the 'share of runs that reached it' companion of a censored time: t50_years -> t50_reached_share."""
    return (metric[: -len("_years")] if metric.endswith("_years") else metric) + "_reached_share"


def interval_table(summary: pd.DataFrame, metrics: list[tuple[str, str]] = KEY_METRICS,
                   by: str | list[str] = "form") -> pd.DataFrame:
    """Median, 5th and 95th percentile per group (``by``: one column or several, groups in order of first
    appearance); censored times count as 'not within the horizon' (inf), and for them ``<metric>_reached``
    is the share of runs that reached the event within the horizon. A metric that is not a column of
    ``summary`` gets no value (NaN), not an error."""
    keys = [by] if isinstance(by, str) else list(by)
    rows = []
    for key, frame in summary.groupby(by, sort=False, observed=True):
        row = {**dict(zip(keys, key if isinstance(key, tuple) else (key,))), "runs": len(frame)}
        horizon = frame["param.simulation.horizon_quarters"].iloc[0] / 4 if "param.simulation.horizon_quarters" in frame else math.inf
        for col, _label in metrics:
            if col not in frame:  # an output this folder does not have: no value, no error
                row[f"{col}_median"] = row[f"{col}_p5"] = row[f"{col}_p95"] = np.nan
                continue
            values = frame[col].astype(float).to_numpy()
            if col in CENSORED:
                row[f"{col}_reached"] = float(np.isfinite(values).mean()) if len(values) else np.nan
                values = np.where(np.isnan(values), np.inf, values)
            values = values[~np.isnan(values)]
            if len(values) == 0:
                row[f"{col}_median"] = row[f"{col}_p5"] = row[f"{col}_p95"] = np.nan
                continue
            lo, med, hi = quantiles(values)
            row[f"{col}_median"], row[f"{col}_p5"], row[f"{col}_p95"] = med, lo, hi
        row["horizon_years"] = horizon
        if "form_switches" in frame:  # the council's review gave plots to another form (model v3)
            row["switched_share"] = float((frame["form_switches"].fillna(0) > 0).mean())
        rows.append(row)
    return pd.DataFrame(rows)


def switched_line(table: pd.DataFrame, by: str = "form") -> str | None:
    """One sentence: the share of runs per group in which the municipality's review gave plots to another
    form (``switched_share`` of :func:`interval_table`); None when no run switched (or the folder predates
    the output)."""
    if "switched_share" not in table or not (table["switched_share"].fillna(0) > 0).any():
        return None
    parts = [f"{row[by]} {row['switched_share']:.0%}" for _, row in table.iterrows() if row["switched_share"] > 0]
    return ("Runs in which the council's review of a stalled arrangement gave plots to another form: "
            + ", ".join(parts) + " (the form column stays the form chosen at the start; per quarter see "
            "form_in_force).")


@dataclass(frozen=True)
class Paired:
    """Form ``a`` against form ``b`` on the seeds both ran (common random numbers).

    ``a_better`` / ``ties`` / ``b_better`` count seeds (a time not reached is beyond the horizon: later than
    any reached time, equal to another not-reached one). ``median``, ``p5``, ``p95``: the paired difference
    a − b per seed, where a time not reached counts as the horizon.
    """

    metric: str
    a: str
    b: str
    n: int
    a_better: int
    ties: int
    b_better: int
    median: float
    p5: float
    p95: float
    lower_is_better: bool = True

    @property
    def a_better_share(self) -> float:
        return self.a_better / self.n if self.n else math.nan

    @property
    def clear(self) -> bool:
        """True when the 90% interval of the paired difference excludes zero."""
        return self.n > 0 and (self.p5 > 0 or self.p95 < 0)


@dataclass(frozen=True)
class SeedValues:
    """One group's values of one metric by seed: as they are where a time not reached counts as beyond the
    horizon (``beyond``: inf), and where it counts as the horizon (``at_horizon``)."""

    seeds: np.ndarray
    beyond: np.ndarray
    at_horizon: np.ndarray


def seed_values(frame: pd.DataFrame, metric: str, on: str = "seed") -> SeedValues:
    """The values of ``metric`` in ``frame`` (one group's rows; the first row of a seed counts)."""
    if not frame[on].is_unique:  # (most groups have one row per seed: dropping nothing costs ~1 ms a call)
        frame = frame.drop_duplicates(on)
    v = frame[metric].to_numpy(float)
    beyond = at_horizon = v
    if metric in CENSORED:
        beyond = np.where(np.isnan(v), np.inf, v)
        h = frame.get("param.simulation.horizon_quarters")
        at_horizon = np.where(np.isnan(v), h.to_numpy(float) / 4 if h is not None else np.inf, v)
    return SeedValues(frame[on].to_numpy(), beyond, at_horizon)


def paired_values(metric: str, a: str, b: str, va: SeedValues, vb: SeedValues,
                  lower_is_better: bool = True) -> Paired | None:
    """:func:`paired` from the two groups' :class:`SeedValues` (the answer computes them once per form)."""
    _, ia, ib = np.intersect1d(va.seeds, vb.seeds, assume_unique=True, return_indices=True)
    x, y = va.beyond[ia], vb.beyond[ib]
    keep = ~np.isnan(x) & ~np.isnan(y)
    if not keep.any():
        return None
    x, y = x[keep], y[keep]
    better = int(((x < y) if lower_is_better else (x > y)).sum())
    worse = int(((x > y) if lower_is_better else (x < y)).sum())
    diff = va.at_horizon[ia][keep] - vb.at_horizon[ib][keep]
    diff = diff[np.isfinite(diff)]
    lo, med, hi = quantiles(diff) if len(diff) else (math.nan,) * 3
    return Paired(metric, a, b, int(len(x)), better, int(len(x) - better - worse), worse, float(med), float(lo),
                  float(hi), lower_is_better)


def paired(summary: pd.DataFrame, a: str, b: str, metric: str, lower_is_better: bool = True, by: str = "form",
           on: str = "seed") -> Paired | None:
    """Paired comparison of ``metric`` between groups ``a`` and ``b`` over their common ``on`` values; None when
    the metric is missing or there is no common seed."""
    if metric not in summary or on not in summary:
        return None
    return paired_values(metric, a, b, seed_values(summary[summary[by] == a], metric, on),
                         seed_values(summary[summary[by] == b], metric, on), lower_is_better)
