"""Summary tables: the median and 90% interval per form of the key metrics, in the users' vocabulary; as a
text table (folded to a width), CSV or JSON."""

from __future__ import annotations

import json
import math
from typing import Any

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


def _grid(rows: list[list[str]]) -> list[str]:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    out = ["  ".join(c.ljust(w) for c, w in zip(rows[0], widths)).rstrip()]
    out.append("  ".join("-" * w for w in widths))
    out += ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows[1:]]
    return out


def format_table(table: pd.DataFrame, metrics: list[tuple[str, str]] = KEY_METRICS, by: str = "form",
                 width: int | None = None) -> str:
    """A plain-text table: one row per form, 'median [p5–p95]' per metric. With ``width``, the metric columns
    are folded into blocks of at most ``width`` characters, each repeating the ``by`` column (the first also
    has the run count)."""
    keys = [str(row[by]) for _, row in table.iterrows()]
    runs = [str(row["runs"]) for _, row in table.iterrows()]
    columns = []  # (label, cells) per metric
    for col, label in metrics:
        cells = [f"{_fmt(row[f'{col}_median'], row['horizon_years'])} [{_fmt(row[f'{col}_p5'], row['horizon_years'])}"
                 f"–{_fmt(row[f'{col}_p95'], row['horizon_years'])}]" for _, row in table.iterrows()]
        columns.append((label, cells))

    def size(column: tuple[str, list[str]]) -> int:
        return max(len(column[0]), *(len(c) for c in column[1])) if column[1] else len(column[0])

    blocks: list[list[tuple[str, list[str]]]] = [[("runs", runs)]]
    for column in columns:
        block = blocks[-1]
        lead = [(by, keys), *block, column]
        if width is not None and len(block) > (1 if len(blocks) == 1 else 0) \
                and sum(size(c) for c in lead) + 2 * (len(lead) - 1) > width:
            blocks.append([column])
        else:
            block.append(column)
    parts = []
    for block in blocks:
        cols = [(by, keys), *block]
        rows = [[label for label, _ in cols]] + [[cells[i] for _, cells in cols] for i in range(len(keys))]
        parts.append("\n".join(_grid(rows)))
    return "\n\n".join(parts)


def interval_csv(table: pd.DataFrame) -> str:
    """The interval table as CSV (times not reached within the horizon are ``inf``)."""
    return table.to_csv(index=False)


def _number(x: Any) -> float | None:
    """A finite float, else None (JSON has no inf or nan)."""
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


def interval_json(table: pd.DataFrame, metrics: list[tuple[str, str]] = KEY_METRICS, by: str = "form",
                  **about: Any) -> str:
    """The interval table as JSON: ``about`` (scenario, seeds, …), then per group the runs and for every metric
    its median, p5 and p95; ``null`` is a time not reached within the horizon (or no value)."""
    rows = []
    for _, row in table.iterrows():
        entry: dict[str, Any] = {by: row[by], "runs": int(row["runs"]), "horizon_years": _number(row["horizon_years"])}
        for col, _label in metrics:
            entry[col] = {q: _number(row[f"{col}_{q}"]) for q in ("median", "p5", "p95")}
        if "switched_share" in row:  # share of runs in which the council's review switched the form
            entry["switched_share"] = _number(row["switched_share"])
        rows.append(entry)
    return json.dumps({**about, "interval": "median and 90% interval (5th and 95th percentile) over the replications",
                       "null": "a time not reached within the horizon, or no value",
                       "labels": dict(metrics), "rows": rows}, indent=2, ensure_ascii=False)
