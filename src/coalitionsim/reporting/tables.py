"""Summary tables: the median and 90% interval per form of the key metrics, in the users' vocabulary."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

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


def interval_table(summary: pd.DataFrame, metrics: list[tuple[str, str]] = KEY_METRICS,
                   by: str = "form") -> pd.DataFrame:
    """Median, 5th and 95th percentile per group; censored times count as 'not within the horizon'."""
    rows = []
    for key, frame in summary.groupby(by, sort=False):
        row = {by: key, "runs": len(frame)}
        horizon = frame["param.simulation.horizon_quarters"].iloc[0] / 4 if "param.simulation.horizon_quarters" in frame else math.inf
        for col, _label in metrics:
            values = frame[col].astype(float).to_numpy()
            if col in CENSORED:
                values = np.where(np.isnan(values), np.inf, values)
            values = values[~np.isnan(values)]
            if len(values) == 0:
                row[f"{col}_median"] = row[f"{col}_p5"] = row[f"{col}_p95"] = np.nan
                continue
            lo, med, hi = np.quantile(values, [0.05, 0.5, 0.95], method="inverted_cdf")
            row[f"{col}_median"], row[f"{col}_p5"], row[f"{col}_p95"] = med, lo, hi
        row["horizon_years"] = horizon
        rows.append(row)
    return pd.DataFrame(rows)


def _fmt(x: float, horizon: float) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    if math.isinf(x):
        return f">{horizon:g}"
    if abs(x) >= 100:
        return f"{x:.0f}"
    if abs(x) >= 10:
        return f"{x:.1f}"
    return f"{x:.2f}"


def format_table(table: pd.DataFrame, metrics: list[tuple[str, str]] = KEY_METRICS, by: str = "form") -> str:
    """A plain-text table: one row per form, 'median [p5–p95]' per metric."""
    header = [by, "runs"] + [label for _, label in metrics]
    lines = []
    for _, row in table.iterrows():
        h = row["horizon_years"]
        cells = [str(row[by]), str(row["runs"])]
        for col, _ in metrics:
            cells.append(f"{_fmt(row[f'{col}_median'], h)} [{_fmt(row[f'{col}_p5'], h)}–{_fmt(row[f'{col}_p95'], h)}]")
        lines.append(cells)
    widths = [max(len(r[i]) for r in [header] + lines) for i in range(len(header))]
    out = ["  ".join(c.ljust(w) for c, w in zip(header, widths))]
    out.append("  ".join("-" * w for w in widths))
    out += ["  ".join(c.ljust(w) for c, w in zip(r, widths)) for r in lines]
    return "\n".join(out)
