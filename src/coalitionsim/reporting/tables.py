"""Summary tables: the median and 90% interval per form of the key metrics, in the users' vocabulary."""

from __future__ import annotations

import math

import pandas as pd

from ..runner.stats import CENSORED, KEY_METRICS, interval_table  # noqa: F401  (re-exported for the tables' users)


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
