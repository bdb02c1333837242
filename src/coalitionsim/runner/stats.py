"""Statistics of replicated runs: the median and 90% interval per form of the key metrics, and the verdict
rule that names the fastest and the best form. The advisor and the report both read them from here."""

from __future__ import annotations

import math

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


def best_forms(table: "pd.DataFrame", tie_years: float = 1.0) -> tuple[list[str], str]:
    """The verdict rule: (forms tied for fastest, best form) from an interval table.

    Fastest: the lowest median t50 (a run that never gets there counts as beyond the horizon); forms within
    ``tie_years`` of it count as equally fast, unless their median realisation share is more than 0.05
    below the best of them. When no form reaches t50 in most runs, the median realisation share takes the
    place of t50 (tie within 0.05). Best: among the equally fast forms the lowest median free-riding index
    (to two decimals), then the highest median realisation share.
    """
    t = table.set_index("form")
    t50 = t["t50_years_median"].astype(float)
    rs = t["realisation_share_median"].astype(float)
    if math.isfinite(t50.min()):
        fastest = [f for f in t.index if t50[f] <= t50.min() + tie_years + 1e-9]
        top = max(rs[f] for f in fastest)
        fastest = [f for f in fastest if rs[f] >= top - 0.05 - 1e-9]
    else:
        fastest = [f for f in t.index if rs[f] >= rs.max() - 0.05 - 1e-9]
    best = min(fastest, key=lambda f: (round(float(t.loc[f, "free_riding_index_median"]), 2),
                                       -float(rs[f]), FORMS.index(f)))
    return fastest, best
