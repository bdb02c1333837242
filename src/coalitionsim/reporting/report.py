"""A self-contained HTML report of a ``compare`` or ``sweep`` output folder (``coalitionsim report DIR``).

The report is one HTML file a policy maker can mail or archive: figures are embedded as base64 PNG
(``data:`` URIs), styles are inline, there are no scripts, fonts or network references. For a compare it
opens with **the answer** as a trade-off (:func:`coalitionsim.runner.tradeoff.tradeoff`, the one answer of
every surface): per criterion the forms ahead beyond the run-to-run spread (the 90% interval of the paired
per-seed differences on one side of zero), the Pareto set, the price in public money of choosing each form,
where draagvlak outruns draagkracht, and how many runs it rests on; never a single "best" form. Then the detail:

- the tables: for a compare every metric per form; for a sweep the by-form table, the per-factor tables, a
  per-design-point table (small designs) and the sensitivity indices of ``coalitionsim analyze`` (run first
  when ``DIR/analysis/`` is missing);
- the figures: a compare's three figures drawn from its data, every other figure of ``DIR/figures/`` and
  ``DIR/analysis/`` (plus, for sweeps with time series, the median series per design point);
- how to read it, a glossary of the Dutch terms, the parameters that differ from the reference defaults,
  the full scenario (collapsible), seeds, package versions and the command that produced the folder.

One statistic everywhere: the median and 90% interval (5th–95th percentile over runs). The prose lives in
Jinja2 templates (``templates/``); the environment autoescapes, so every value read from a folder (the
manifest included) reaches the HTML escaped. The report reads the metrics it needs by name from the
summary (``summary.parquet``, else ``summary.csv``) and leaves out, with a sentence, what a folder lacks.

``export`` additionally writes every figure as PNG and SVG and every table as CSV into a folder.
Figures are redrawn as true vector SVG where the drawing function is known (compare figures, analyze
figures, the report's own); any other PNG is wrapped in an SVG container (stated in the file's title).
"""

from __future__ import annotations

import base64
import contextlib
import html
import io
import json
import math
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd
from jinja2 import Environment, PackageLoader, StrictUndefined

from ..runner.stats import INTERVAL_LABEL, KEY_METRICS, MIN_RUNS_FOR_INTERVAL, interval_table, switched_line
from ..runner.tradeoff import AHEAD_RULE, TradeOff, and_list, tradeoff
from ..runner import store
from ..runner.progress import progress_bar
from ..runner.text import bought_land_notes
from ..runner.store import check_out, check_out_file, claim, output_folder, write_file
from .tables import _fmt
from .vocabulary import (FACTOR_NAMES, FORM_NAMES, GLOSSARY, GROUP_NAMES, VOCABULARY, form_label, group_label,
                         metric_label, metric_short)

MAX_POINT_TABLE = 256  # design points up to which the report lists every cell

#: the metrics of a compare report, in the order of its tables (those a folder lacks are left out)
COMPARE_METRICS = [m for m, _ in KEY_METRICS] + [
    "t90_years", "homes_per_year", "free_rider_share", "rijk_subsidy", "social_share_realised", "dropouts",
    "objections", "negotiation_rounds", "escalations", "bought_land_share"] + [f"gap_{g}" for g in GROUP_NAMES]
#: the first screen's table
ANSWER_METRICS = ["t50_years", "realisation_share", "free_riding_index", "public_deficit", "rijk_subsidy",
                  "willing_unable_share"]
ENV = Environment(loader=PackageLoader("coalitionsim.reporting", "templates"), autoescape=True,
                  undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)


class ReportError(ValueError):
    """DIR is not a compare or sweep output folder: one line for the user."""


# --------------------------------------------------------------------------- report pieces


@dataclass(frozen=True)
class Interval:
    """A formatted 'median [p5–p95]' with an optional note (e.g. the share of runs that did not reach it)."""

    median: str
    lo: str
    hi: str
    note: str = ""

    @property
    def sep(self) -> str:
        """'–' between the bounds, ' to ' when a bound is negative (no '−0.10–−0.03')."""
        return " to " if "−" in self.lo + self.hi else "–"

    def __str__(self) -> str:
        return f"{self.median} [{self.lo}{self.sep}{self.hi}]" + (f" ({self.note})" if self.note else "")


def _num(x: float, horizon: float) -> str:
    """A number as the tables print it, with a true minus sign."""
    return _fmt(x, horizon).replace("-", "−")


@dataclass
class Column:
    """A header (or a row label): a term, its gloss and the code name of the column it shows."""

    label: str
    gloss: str = ""
    code: str = ""


ENV.tests["interval"] = lambda value: isinstance(value, Interval)
ENV.tests["column"] = lambda value: isinstance(value, Column)


@dataclass
class TableView:
    """What a table shows: header columns and rows of cells (text, :class:`Interval` or None)."""

    columns: list[Column]
    rows: list[list[Any]]
    source: str = ""
    marks: list[bool] = field(default_factory=list)  # rows to highlight


@dataclass
class Figure:
    name: str  # file stem used for export
    caption: str
    png: bytes
    source: str  # the folder's figure file it shows ("" for figures only the report draws)
    redraw: Callable[[Path], Any] | None = None  # draws the same figure at a path (.svg)

    @property
    def uri(self) -> str:
        return _data_uri(self.png)


@dataclass
class Table:
    name: str
    caption: str
    frame: pd.DataFrame  # exported as CSV
    view: TableView
    source: str = ""


@dataclass
class Parameters:
    rows: list[tuple[str, str, str]] = field(default_factory=list)  # path, this report, reference default
    full: str = ""
    details: list[tuple[str, str]] = field(default_factory=list)  # (summary, preformatted text)


@dataclass
class Report:
    kind: str
    folder: Path
    title: str
    area_name: str = ""
    area_description: str = ""
    answer: Any = None  # Answer (compare)
    facts: dict[str, Any] = field(default_factory=dict)  # the sweep's opening
    notes: list[str] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    parameters: Parameters = field(default_factory=Parameters)
    provenance: list[tuple[str, list[str], bool]] = field(default_factory=list)  # label, values, as code
    metrics: list[str] = field(default_factory=list)  # the metrics shown (for the glossary)


def _png_of(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    return buf.getvalue()


def _horizon(row: pd.Series) -> float:
    h = row.get("horizon_years", math.inf)
    return math.inf if h is None or (isinstance(h, float) and math.isnan(h)) else float(h)


def interval_of(row: pd.Series, metric: str) -> Interval | None:
    """The interval of ``metric`` in a row of :func:`interval_table`; None when the row has no value."""
    med = row.get(f"{metric}_median")
    if med is None or pd.isna(med):
        return None
    h = _horizon(row)
    lo, hi = (float(row.get(f"{metric}_{s}", math.nan)) for s in ("p5", "p95"))
    note = ""
    reached = row.get(f"{metric}_reached")
    if reached is not None and pd.notna(reached) and reached < 1:
        note = f"not reached in {1 - float(reached):.0%} of runs"
    return Interval(_num(float(med), h), _num(lo, h), _num(hi, h), note)


def interval_metrics(frame: pd.DataFrame) -> list[str]:
    return [c[: -len("_median")] for c in frame.columns if c.endswith("_median")]


def _metric_column(metric: str) -> Column:
    dutch, gloss = VOCABULARY.get(metric, (metric, ""))
    return Column(dutch, gloss, metric if gloss else "")


def interval_view(frame: pd.DataFrame, groups: list[str], source: str = "",
                  group_fmt: dict[str, Callable[[Any], str]] | None = None) -> TableView:
    """Groups as rows, one 'median [p5–p95]' column per metric (the sweep's tables)."""
    group_fmt = group_fmt or {}
    metrics = interval_metrics(frame)
    columns = [Column(g) for g in groups] + [Column("runs")] + [_metric_column(m) for m in metrics]
    rows = []
    for _, row in frame.iterrows():
        cells: list[Any] = [group_fmt[g](row[g]) if g in group_fmt else _level_text(row[g]) for g in groups]
        cells.append(str(int(row["runs"])) if "runs" in row and pd.notna(row["runs"]) else "")
        cells += [interval_of(row, m) for m in metrics]
        rows.append(cells)
    return TableView(columns, rows, source)


def metric_rows_view(frame: pd.DataFrame, metrics: list[str], by: str = "form", source: str = "",
                     labels: dict[str, Column] | None = None) -> TableView:
    """Metrics as rows and the groups (forms) as columns: a compare's 20 metrics fit without scrolling."""
    labels = labels or {}
    columns = [Column("measure")] + [Column(form_label(str(k), newline=False)) for k in frame[by]]
    runs: list[Any] = ["runs"] + [str(int(r)) for r in frame["runs"]]
    rows = [runs] + [[labels.get(m) or _metric_column(m)] + [interval_of(r, m) for _, r in frame.iterrows()]
                     for m in metrics]
    return TableView(columns, rows, source)


def plain_view(frame: pd.DataFrame, source: str = "", digits: int = 3) -> TableView:
    def cell(v: Any) -> str:
        if isinstance(v, (float, np.floating)):
            return "–" if math.isnan(v) else f"{v:.{digits}g}"
        return str(v)

    return TableView([Column(str(c)) for c in frame.columns],
                     [[cell(v) for v in row] for row in frame.itertuples(index=False)], source)


def _level_text(v: Any) -> str:
    if isinstance(v, (bool, np.bool_)):
        return "yes" if v else "no"
    if isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool):
        return f"{v:g}"
    return str(v)


def _form_name(form: Any) -> str:
    """A form's short Dutch name with its gloss (table cells)."""
    return form_label(str(form), newline=False)


def _prose_name(form: Any) -> str:
    """A form's short Dutch name for running text: 'publieke tender', 'SOK', 'kader – deelgebieden'."""
    return _form_name(form).split(" (")[0].replace(", ", " – ")


def _int(value: Any, default: int = 0) -> int:
    """A count from a manifest, which may be missing or tampered with."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _flatten(d: Any, prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    if isinstance(d, dict):
        for k, v in d.items():
            out.update(_flatten(v, f"{prefix}{k}."))
    elif isinstance(d, list) and d and all(isinstance(x, dict) for x in d):
        for i, v in enumerate(d):
            out.update(_flatten(v, f"{prefix}{i}."))
    else:
        out[prefix[:-1]] = d
    return out


def _defaults() -> dict[str, Any]:
    from ..scenario import Scenario

    return Scenario().to_dict()


def parameters(scenario: dict[str, Any], extra_rows: list[tuple[str, str, str]] | None = None) -> Parameters:
    """Scenario values that differ from the reference defaults, plus the full scenario."""
    scenario = scenario if isinstance(scenario, dict) else {}
    base, here = _flatten(_defaults()), _flatten(scenario)
    rows = []
    for key, value in here.items():
        if key.startswith("meta."):
            continue
        ref = base.get(key, "(not in the reference)")
        if value != ref:
            rows.append((key, json.dumps(value, default=str), json.dumps(ref, default=str)))
    for key in base:
        if key not in here and not key.startswith("meta."):
            rows.append((key, "(absent)", json.dumps(base[key], default=str)))
    rows += extra_rows or []
    return Parameters(rows, json.dumps(scenario, indent=2, default=str))


def provenance(info: dict[str, Any], extra: list[tuple[str, Any]] | None = None) -> list[tuple[str, list[str], bool]]:
    sessions = info.get("sessions") if isinstance(info.get("sessions"), list) else []
    commands = [str(info.get("command", ""))]
    commands += [str(s.get("command", "")) for s in sessions if isinstance(s, dict)
                 and str(s.get("command", "")) not in commands]
    seeds = info.get("seeds") if isinstance(info.get("seeds"), list) else [info.get("seeds", "")]
    versions = info.get("versions") if isinstance(info.get("versions"), dict) else {}
    rows = [("command", [c for c in commands if c], True),
            ("created", [str(info.get("created", ""))], False),
            ("root seed", [str(info.get("root_seed", ""))], False),
            ("replication seeds", [str(s) for s in seeds], False)]
    rows += [(label, [str(value)], False) for label, value in extra or []]
    rows.append(("package versions", [f"{k} {v}" for k, v in versions.items()], False))
    return rows


# --------------------------------------------------------------------------- detection


def _summary_file(folder: Path) -> Path | None:
    for name in ("summary.parquet", "summary.csv"):
        if (folder / name).is_file():
            return folder / name
    return None


def detect(folder: Path) -> tuple[str, dict[str, Any]]:
    """('compare' | 'sweep', manifest) or ReportError with one line."""
    if not folder.exists():
        raise ReportError(f"{folder}: no such folder")
    if not folder.is_dir():
        raise ReportError(f"{folder}: not a folder")
    path = folder / "manifest.json"
    if not path.is_file():
        raise ReportError(f"{folder}: no manifest.json; not a compare or sweep output folder")
    try:
        info = json.loads(path.read_text())
    except (OSError, ValueError) as err:
        raise ReportError(f"{folder}/manifest.json: cannot read: {err}") from None
    kind = info.get("kind") if isinstance(info, dict) else None
    if kind == "compare":
        if _summary_file(folder) is None:
            raise ReportError(f"{folder}: compare output without summary.parquet or summary.csv")
        return kind, info
    if kind == "sweep":
        if not list((folder / "runs").glob("part-*.parquet")):
            raise ReportError(f"{folder}: sweep folder without stored runs (runs/part-*.parquet)")
        from ..batch.sweep import check_shards

        check_shards(folder)  # a damaged shard is named before any analysis is said to run
        return kind, info
    raise ReportError(f"{folder}: manifest kind {kind!r} is not 'compare' or 'sweep'")


# --------------------------------------------------------------------------- the answer (compare)


@dataclass
class CriterionView:
    """One criterion of the answer: its words and who is ahead on it (the sentence of :mod:`..runner.tradeoff`)."""

    metric: str
    label: str  # the criterion in a few words
    gloss: str  # what it measures
    text: str  # who is ahead of whom, or 'no clear difference'
    leader: str | None
    not_reached: str  # '' or the runs counted as the horizon (t50 not reached)


@dataclass
class PriceView:
    """The price in public money of choosing one form."""

    form: str
    deficit: Interval | None
    rijk: Interval | None
    vs_cheapest: Interval | None  # the paired difference against the cheapest form (None for the cheapest)
    clear: bool  # that difference is beyond the run-to-run spread


@dataclass
class Answer:
    forms: list[str]
    names: dict[str, str]
    cell: dict[str, dict[str, Interval | None]]  # form -> metric -> interval
    has: set[str]  # the metrics the summary holds
    runs: dict[str, int]
    min_runs: int
    max_runs: int
    total_runs: int
    same_seeds: bool
    few_runs: bool
    min_runs_interval: int
    tradeoff: TradeOff  # the one answer (runner.tradeoff.tradeoff)
    rule: str  # its definition, stated with it
    headline: str  # the trade-off in plain words
    criteria: list[CriterionView]
    missing: list[str]  # criteria this folder lacks (their words)
    dominated: list[str]  # why each form outside the Pareto set is left out
    strengths: dict[str, list[str]]  # Pareto form -> what it is ahead on within the set ('is faster than ...')
    price: list[PriceView]
    cheapest: str | None
    has_gaps: bool
    gaps: list[tuple[str, list[tuple[str, Interval]]]]  # Pareto form -> groups more willing than able
    tables: list[Table]  # the answer per form; the draagvlak–draagkracht gap per group
    not_applicable: dict[str, str]


def answer(summary: pd.DataFrame, table: pd.DataFrame, not_applicable: dict[str, str] | None = None) -> Answer:
    """The first screen of a compare report from its summary (one row per run) and its interval table: the
    answer of :func:`coalitionsim.runner.tradeoff.tradeoff`, with the intervals behind it."""
    forms = list(table["form"])
    has = {m for m in COMPARE_METRICS + ANSWER_METRICS if m in summary}
    rows = {r["form"]: r for _, r in table.iterrows()}
    cell = {f: {m: (interval_of(rows[f], m) if m in has else None) for m in set(COMPARE_METRICS) | set(ANSWER_METRICS)}
            for f in forms}
    runs = {f: int(rows[f]["runs"]) for f in forms}
    seeds = [frozenset(summary.loc[summary["form"] == f, "seed"]) for f in forms] if "seed" in summary else []
    same_seeds = bool(seeds) and all(s == seeds[0] for s in seeds)
    names = {f: _prose_name(f) for f in forms + list(not_applicable or {})}
    t = tradeoff(summary)
    criteria = []
    for c in t.criteria:
        marks = [f"{names[f]} {n} of {runs[f]} runs" for f, n in c.not_reached.items() if n]
        criteria.append(CriterionView(
            c.metric, c.criterion.short[:1].upper() + c.criterion.short[1:], c.criterion.label,
            c.text(names) if t.enough_seeds else "no difference can be shown.", c.leader,
            ("not reached within the horizon, counted as the horizon: " + "; ".join(marks)) if marks else ""))
    dominated = []  # why each form outside the Pareto set is left out, one sentence each
    for f in forms:
        by = [names[g] for g in forms if f in t.dominates.get(g, [])]
        if f not in t.pareto and by:
            dominated.append(f"{names[f][:1].upper()}{names[f][1:]} is left out: {and_list(by)} "
                             f"{'is' if len(by) == 1 else 'are each'} ahead of it on at least one criterion and "
                             "behind it on none.")
    strengths = {f: t.strengths(f, t.pareto, names) for f in t.pareto}
    price = []
    for f in forms:
        p = t.price_vs_cheapest.get(f)
        h = _horizon(rows[f])
        price.append(PriceView(f, cell[f].get("public_deficit"), cell[f].get("rijk_subsidy"),
                               Interval(_num(p.median, h), _num(p.p5, h), _num(p.p95, h)) if p else None,
                               bool(p and t.enough_seeds and p.p5 > 0)))
    gap_metrics = [f"gap_{g}" for g in GROUP_NAMES if f"gap_{g}" in summary]
    gap_metrics += sorted(c for c in summary.columns if c.startswith("gap_") and c not in gap_metrics)
    gaps = []
    for f in t.pareto:
        row, found = rows[f], []
        for m in gap_metrics:
            if pd.notna(row.get(f"{m}_median")) and float(row[f"{m}_median"]) > 0:
                found.append((float(row[f"{m}_median"]), group_label(m[len("gap_"):]), interval_of(row, m)))
        gaps.append((f, [(label, c) for _, label, c in sorted(found, key=lambda x: -x[0])]))
    n_min, n_max = (min(runs.values()), max(runs.values())) if runs else (0, 0)
    few = n_min < MIN_RUNS_FOR_INTERVAL
    range_note = f" With {n_min} runs per form this interval is the range of the runs." if few else ""
    overview_metrics = [m for m in ANSWER_METRICS if m in has]
    overview_frame = table[["form", "runs", "horizon_years"] +
                           [c for m in overview_metrics for c in table.columns if c.startswith(f"{m}_")]]
    overview = interval_view(overview_frame, ["form"], "summary.csv", {"form": _form_name})
    overview.marks = [f in t.pareto and len(t.pareto) < len(forms) for f in forms]
    for f, r in zip(forms, overview.rows):
        if f in t.pareto and len(t.pareto) < len(forms):
            r[0] = f"{r[0]} ← in the Pareto set"
    tables = [Table("answer_by_form", f"The answer per governance form: {INTERVAL_LABEL}.{range_note} Marked: the "
                    "Pareto set (no other form is ahead of it on one criterion without being behind on another).",
                    overview_frame, overview, "summary.csv")]
    gap_rows = gap_metrics + (["willing_unable_share"] if "willing_unable_share" in has else [])
    if gap_rows:
        frame = table[["form", "runs", "horizon_years"] +
                      [c for m in gap_rows for c in table.columns if c.startswith(f"{m}_")]]
        tables.append(Table(
            "draagvlak_draagkracht_gap",
            "Draagvlak against draagkracht: the gap per actor group (mean draagvlak minus draagkracht over the run; "
            f"above 0 = more willing than able) and the share willing but unable, {INTERVAL_LABEL}.{range_note}",
            frame, metric_rows_view(frame, gap_rows, source="summary.csv",
                                    labels={m: Column(group_label(m[len("gap_"):]), "", m) for m in gap_metrics}),
            "summary.csv"))
    return Answer(
        forms=forms, names=names, cell=cell, has=has,
        runs=runs, min_runs=n_min, max_runs=n_max, total_runs=int(sum(runs.values())), same_seeds=same_seeds,
        few_runs=few, min_runs_interval=MIN_RUNS_FOR_INTERVAL, tradeoff=t, rule=AHEAD_RULE,
        headline=t.headline(names), criteria=criteria, missing=[metric_label(m) for m in t.missing],
        dominated=dominated, strengths=strengths, price=price, cheapest=t.cheapest,
        has_gaps=bool(gap_metrics), gaps=gaps, tables=tables,
        not_applicable={str(k): str(v) for k, v in (not_applicable or {}).items()})


# --------------------------------------------------------------------------- compare


FIGURE_CAPTIONS = {
    "realisation": ("Realisatie (realisation): the share of the planned homes completed over time per governance "
                    f"form; line and band: {INTERVAL_LABEL} in each quarter."),
    "free_riding": ("Meeliften (free riding). Left: the meeliftindex (free-riding index: shortfall below the fair "
                    "share of the area-task costs ÷ that fair share) per form at the end of the run; grey dots are "
                    f"single runs, the diamond and line the {INTERVAL_LABEL} (no box plot). Right: the voluntary "
                    "contribution rate per quarter (voluntary payments ÷ the voluntary fair share asked), line and "
                    f"band: {INTERVAL_LABEL}."),
    "draagvlak_draagkracht": ("Draagvlak (willing) and draagkracht (able) per actor group and form. Each run "
                              "contributes its mean over all quarters (this is not a time series); bar and line: "
                              f"{INTERVAL_LABEL}. Where the purple bar stands above the green one, the group is "
                              "more willing than able."),
}


def _draw(draw: Callable[[Path], Any]) -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "figure.png"
        draw(path)
        return path.read_bytes()


def _read_table(path: Path) -> pd.DataFrame:
    """A result table (Parquet or CSV); ReportError with one line when it is damaged or not a table."""
    from pyarrow import ArrowException

    try:
        return pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path)
    except (OSError, ValueError, ArrowException) as err:
        reason = (str(err).splitlines() or [type(err).__name__])[0][:120]
        raise ReportError(f"{path}: cannot read: damaged or not a coalitionsim table ({reason}); write the results "
                          "again (--overwrite) or remove the file") from None


def _read_summary(folder: Path) -> pd.DataFrame:
    return _read_table(_summary_file(folder))


def _nothing() -> None:
    pass


def _compare_report(folder: Path, info: dict[str, Any], tick: Callable[[], None] = _nothing) -> Report:
    from . import figures as F

    summary = _read_summary(folder)
    if "form" not in summary or summary.empty:
        raise ReportError(f"{folder}: the summary has no runs (no 'form' column or no rows)")
    ts_path = folder / "timeseries.parquet"
    ts = _read_table(ts_path) if ts_path.is_file() else None
    scen = info.get("scenario") if isinstance(info.get("scenario"), dict) else {}
    meta = scen.get("meta") if isinstance(scen.get("meta"), dict) else {}
    name = str(meta.get("name") or (summary["scenario"].iloc[0] if "scenario" in summary else folder.name))
    overrides = [str(o) for o in info["overrides"]] if isinstance(info.get("overrides"), list) else []
    changed = f" — changed with --set: {'; '.join(overrides)}" if overrides else ""
    rep = Report("compare", folder, f"coalitionsim: the five governance forms on '{name}'", name,
                 str(meta.get("description", "")) + changed)
    not_applicable = info.get("not_applicable") if isinstance(info.get("not_applicable"), dict) else {}

    metrics = [m for m in COMPARE_METRICS if m in summary]
    rep.metrics = metrics
    table = interval_table(summary, [(m, m) for m in metrics], by="form")
    rep.answer = answer(summary, table, not_applicable)
    rep.notes.extend(bought_land_notes(summary))  # a form whose plan stands mostly on bought land is named
    range_note = (f" With {rep.answer.min_runs} runs per form this interval is the range of the runs."
                  if rep.answer.few_runs else "")
    rep.tables.append(Table("summary_by_form", f"Every outcome per governance form: {INTERVAL_LABEL}.{range_note}",
                            table, metric_rows_view(table, metrics, source="summary.csv"), "summary.csv"))

    homes_planned = int(summary["homes_planned"].iloc[0]) if "homes_planned" in summary else 1
    drawers: dict[str, Callable[[Path], Any]] = {}
    if ts is not None and "homes_completed" in ts:
        drawers["realisation"] = lambda p: F.realisation_curves(ts, homes_planned, p)
    if "free_riding_index" in summary:
        drawers["free_riding"] = lambda p: F.free_riding(summary, ts, p)
    if ts is not None and any(c.startswith("draagvlak_") for c in ts.columns):
        drawers["draagvlak_draagkracht"] = lambda p: F.draagvlak_draagkracht(ts, p)
    files = {png.stem: png for png in sorted((folder / "figures").glob("*.png"))}
    for stem, draw in drawers.items():
        caption = FIGURE_CAPTIONS[stem]
        if stem == "free_riding" and ts is None:  # drawn without its right panel
            caption = caption.split(" Right:")[0]
        caption += range_note
        rep.figures.append(Figure(stem, caption, _draw(draw), f"figures/{stem}.png", draw))
        tick()
    for stem, png in files.items():
        if stem not in drawers:
            rep.figures.append(Figure(stem, f"{stem} (figure file of this folder, not drawn by the report)",
                                      png.read_bytes(), f"figures/{png.name}"))
    if ts is None:
        rep.notes.append("This folder has no timeseries.parquet: the figures over time are left out.")
    switched = switched_line(interval_table(summary, [], by="form"))
    if switched:
        rep.notes.append(switched)
    rep.parameters = parameters(scen)
    rep.provenance = provenance(info, [("replications (manifest)", info.get("replications", "")),
                                       ("overrides (--set)", "; ".join(overrides) or "none"),
                                       ("runs in the summary", len(summary))])
    return rep


# --------------------------------------------------------------------------- sweep


def _point_label(values: dict[str, Any]) -> str:
    return ", ".join(f"{k.split('.')[-1]}={_level_text(v)}" for k, v in values.items())


def _sweep_report(folder: Path, info: dict[str, Any], echo: Callable[[str], None],
                  tick: Callable[[], None] = _nothing) -> Report:
    from . import analyze as A
    from ..batch.sweep import load_runs, load_timeseries

    if not (folder / "analysis").is_dir():
        echo(f"{folder}/analysis missing: running coalitionsim analyze first")
        A.analyze(folder, echo=lambda _msg: None)
        tick()
    runs = load_runs(folder)
    ok = runs[runs["status"] == "ok"].reset_index(drop=True)
    design = info.get("design") if isinstance(info.get("design"), dict) else {}
    problem = info.get("problem") if isinstance(info.get("problem"), dict) else {}
    factors = [str(f) for f in (problem.get("names") or [])]
    kinds = list(problem.get("kinds") or ["float"] * len(factors))
    name = str(info.get("experiment", folder.name))
    resolved = info.get("experiment_resolved") if isinstance(info.get("experiment_resolved"), dict) else {}
    exp = resolved.get("experiment") if isinstance(resolved.get("experiment"), dict) else {}
    text = str(info.get("experiment_text") or "")
    m = re.search(r'^description\s*=\s*"(.*)"', text, re.M)
    description = str(exp.get("description") or (m.group(1) if m else ""))
    rep = Report("sweep", folder, f"coalitionsim: sweep '{name}'", name, description)
    forms = design.get("forms") if isinstance(design.get("forms"), list) else []
    planned = _int(design.get("runs"))
    rep.facts = {"kind": str(design.get("kind", "")), "points": str(design.get("points", "")),
                 "forms": len(forms), "replications": str(design.get("replications", "")), "planned": str(planned),
                 "stored": len(runs), "ok": len(ok), "failed": int((runs["status"] == "failed").sum()),
                 "not_applicable": int((runs["status"] == "not_applicable").sum()),
                 "incomplete": len(runs) < planned, "min_runs_interval": MIN_RUNS_FOR_INTERVAL}

    an = folder / "analysis"
    metrics = A._metrics(info, ok)
    rep.metrics = [m for m, _ in metrics]
    labels = {m: metric_label(m) for m, _ in metrics}
    cell_runs: list[int] = []
    # by form
    if (an / "by_form.csv").is_file():
        t = pd.read_csv(an / "by_form.csv")
        cell_runs += list(t["runs"])
        rep.tables.append(Table("by_form", f"All runs per governance form: {INTERVAL_LABEL}.", t,
                                interval_view(t, ["form"], "analysis/by_form.csv", {"form": _form_name}),
                                "analysis/by_form.csv"))
    # per factor
    if (an / "factor_summary.csv").is_file():
        fs = pd.read_csv(an / "factor_summary.csv")
        cell_runs += list(fs["runs"])
        for factor in dict.fromkeys(fs["factor"]):
            t = fs[fs["factor"] == factor].drop(columns=["factor", "binned"], errors="ignore")
            label = FACTOR_NAMES.get(factor, factor)
            rep.tables.append(Table(f"factor_{A._safe(factor)}",
                                    f"Per factor: {label}{'' if label == factor else f' ({factor})'}, "
                                    f"{INTERVAL_LABEL}, pooled over the other "
                                    "factors' levels.", t,
                                    interval_view(t, ["form", "level"], "analysis/factor_summary.csv",
                                                  {"form": _form_name}), "analysis/factor_summary.csv"))
    # per design point (small designs: the cells of a grid)
    n_points = _int(design.get("points"))
    if factors and 0 < n_points <= MAX_POINT_TABLE and metrics:
        frames = []
        for (point, _form), sub in ok.groupby(["point", "form"], sort=True):
            t = interval_table(sub, metrics, by="form")
            for f in factors:
                t[f] = [sub[f].iloc[0]]
            t.insert(0, "point", point)
            frames.append(t)
        if frames:
            pt = pd.concat(frames, ignore_index=True)
            cell_runs += list(pt["runs"])
            order = {f: i for i, f in enumerate(forms)}
            pt = pt.assign(_o=pt["form"].map(order)).sort_values(["_o", "point"], kind="stable").drop(columns="_o")
            pt = pt[["point", "form"] + factors + [c for c in pt.columns if c not in ["point", "form"] + factors]]
            short = {f: f.split(".")[-1] for f in factors}
            shown = pt.rename(columns=short)
            rep.tables.append(Table("design_points", "Every design point (cell of the design) per form: "
                                    f"{INTERVAL_LABEL} of its replications.", pt,
                                    interval_view(shown, ["form", "point"] + [short[f] for f in factors],
                                                  "design points", {"form": _form_name}), "design points"))
    if cell_runs and min(cell_runs) < MIN_RUNS_FOR_INTERVAL:
        rep.facts.update(few_runs=True, min_cell_runs=int(min(cell_runs)))
    else:
        rep.facts.update(few_runs=False, min_cell_runs=int(min(cell_runs)) if cell_runs else 0)
    # sensitivity indices
    for kind in ("morris", "sobol"):
        if (an / f"{kind}.csv").is_file():
            t = pd.read_csv(an / f"{kind}.csv")
            what = ("Morris screening (sensitivity indices): mu* (mean absolute elementary effect: how much the "
                    "factor moves the output) and sigma (interaction/non-linearity), with their 95% confidence "
                    "half-widths" if kind == "morris" else
                    "Sobol sensitivity indices: S1 (first order) and ST (total), with their 95% confidence "
                    "half-widths")
            rep.tables.append(Table(kind, what + "; replications averaged per design point.", t,
                                    plain_view(t, f"analysis/{kind}.csv"), f"analysis/{kind}.csv"))

    # figures of the analysis, with their redraw functions
    table_cache: dict[str, pd.DataFrame] = {}

    def factor_table() -> pd.DataFrame:
        if "t" not in table_cache:
            table_cache["t"] = A.factor_tables(ok, factors, kinds, metrics)
        return table_cache["t"]

    redraw: dict[str, Callable[[Path], Any]] = {}
    captions: dict[str, str] = {}
    for metric, label in metrics:
        safe = A._safe(metric)
        redraw[f"main_effects_{safe}"] = (lambda p, m=metric, lab=label: A._main_effect_figure(
            factor_table(), m, lab, factors, p))
        captions[f"main_effects_{safe}"] = (f"Main effects on {labels[metric]}: per factor level and form, "
                                            f"{INTERVAL_LABEL} (line and band); yes/no factors are drawn as two "
                                            "categories." + (A.NOT_REACHED_NOTE if metric in A.CENSORED else ""))
        for kind in ("morris", "sobol"):
            csv = an / f"{kind}.csv"
            if csv.is_file():
                redraw[f"{kind}_{safe}"] = (lambda p, m=metric, lab=label, k=kind, c=csv: A._sensitivity_figure(
                    pd.read_csv(c).query("output == @m"), k, m, lab, p))
                captions[f"{kind}_{safe}"] = (f"{kind.title()} sensitivity indices for {labels[metric]}, with "
                                              "their 95% confidence (replications averaged per design point).")
    for png in sorted((folder / "figures").glob("*.png")) + sorted(an.glob("*.png")):
        rel = png.relative_to(folder).as_posix()
        rep.figures.append(Figure(png.stem, captions.get(png.stem, f"{png.stem} (figure file of this folder)"),
                                  png.read_bytes(), rel, redraw.get(png.stem)))

    # time series (when the sweep kept them)
    if info.get("timeseries"):
        ts = load_timeseries(folder)
        if not ts.empty:
            rep.figures += _series_figures(ts, ok, factors, forms, n_points, tick)

    base = resolved.get("base_scenario") or {}
    extra = [(f"(factor) {f}", "varied: see the tables", json.dumps(_flatten(_defaults()).get(f), default=str))
             for f in factors]
    rep.parameters = parameters(base, extra)
    rep.parameters.details.append(("The experiment file as written", text))
    rep.provenance = provenance(info, [("experiment file", info.get("experiment_file", "")),
                                       ("experiment hash", info.get("experiment_hash", "")),
                                       ("seeding", info.get("seeding", ""))])
    return rep


SERIES = [("voluntary_contribution_rate", "vrijwillige bijdrage (voluntary payments ÷ voluntary fair share asked)"),
          ("free_riding_index", "meeliftindex (free-riding index)"),
          ("funding_gap", "financieringstekort (funding gap, M€)"),
          ("homes_completed", "woningen gereed (homes completed)"),
          ("willing_unable_share", "willen maar niet kunnen (willing-but-unable share)"),
          ("trust_mean", "vertrouwen (trust)")]


def _series_figures(ts: pd.DataFrame, ok: pd.DataFrame, factors: list[str], forms: list[str],
                    n_points: int, tick: Callable[[], None] = _nothing) -> list[Figure]:
    """Each kept series over time: one panel per form with one median line per design point (at most 16), or,
    for larger designs, one line and 90% band per form."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ..runner.stats import quantiles

    labels = {int(p): _point_label({f: g[f].iloc[0] for f in factors}) for p, g in ok.groupby("point")} \
        if factors else {}
    by_point = bool(factors) and n_points <= 16
    out = []
    for col, label in SERIES:
        if col not in ts:
            continue
        forms_here = [f for f in forms if f in set(ok["form"])] or list(dict.fromkeys(ok["form"]))
        data = ts.drop(columns=[c for c in ("form", "point") if c in ts]).merge(ok[["run", "form", "point"]], on="run", how="inner")

        def draw(path: Path | None, col=col, label=label, data=data, forms_here=forms_here):
            panels = forms_here if by_point else [None]
            fig, axes = plt.subplots(1, len(panels), figsize=(4.2 * len(panels), 3.9), squeeze=False, sharey=True,
                                     layout="constrained")
            for ax, form in zip(axes.flat, panels):
                sub = data if form is None else data[data["form"] == form]
                keys = "point" if by_point else "form"
                for key, g in sub.groupby(keys, sort=True):
                    wide = g.pivot_table(index="step", columns="run", values=col).dropna(how="all")
                    if wide.empty:
                        continue
                    lo, med, hi = quantiles(wide.to_numpy(float), axis=1, ignore_nan=True)
                    years = wide.index.to_numpy() / 4
                    line, = ax.plot(years, med, lw=1.2,
                                    label=labels.get(int(key), str(key)) if by_point else form_label(key, False))
                    if not by_point:
                        ax.fill_between(years, lo, hi, color=line.get_color(), alpha=0.15)
                ax.set_title(form_label(form) if form else "all forms", fontsize=8)
                ax.set_xlabel("jaren (years)", fontsize=8)
                ax.grid(alpha=0.3)
            axes.flat[0].set_ylabel(label, fontsize=8)
            handles, names = axes.flat[0].get_legend_handles_labels()
            fig.legend(handles, names, loc="outside lower center", ncol=min(4, len(names)), fontsize=6, frameon=False)
            fig.suptitle(f"{label}: median" + ("" if by_point else " and 90% interval") + " over runs", fontsize=10)
            if path is None:
                png = _png_of(fig)
                plt.close(fig)
                return png
            fig.savefig(path)
            plt.close(fig)
            return path

        caption = (f"{label} over time, one median line per design point ({INTERVAL_LABEL}: the bands are left out "
                   "here for legibility; the tables give them)." if by_point else
                   f"{label} over time per form: line and band, {INTERVAL_LABEL} in each quarter.")
        out.append(Figure(f"series_{col}", caption, draw(None), "", draw))
        tick()
    return out


# --------------------------------------------------------------------------- HTML


def _data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def glossary_terms() -> list[tuple[str, str]]:
    return sorted(GLOSSARY, key=lambda t: t[0].lower())


def render(rep: Report) -> str:
    """The report as one HTML page (templates/report.html.j2; every value escaped)."""
    measures = [(VOCABULARY[m][0], VOCABULARY[m][1], m) for m in rep.metrics if m in VOCABULARY]
    return ENV.get_template("report.html.j2").render(
        rep=rep, interval_label=INTERVAL_LABEL, glossary=glossary_terms(), measures=measures,
        forms=list(FORM_NAMES.items()))


# --------------------------------------------------------------------------- export


def _svg_wrapping(png: bytes, title: str) -> str:
    from PIL import Image

    w, h = Image.open(io.BytesIO(png)).size
    return (f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="{w}" '
            f'height="{h}" viewBox="0 0 {w} {h}"><title>{html.escape(title)} (raster image in SVG container)'
            f'</title><image width="{w}" height="{h}" href="{_data_uri(png)}"/></svg>')


def export(rep: Report, folder: Path) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    used: set[str] = set()

    def unique(stem: str) -> str:
        s, i = stem, 2
        while s in used:
            s, i = f"{stem}_{i}", i + 1
        used.add(s)
        return s

    for f in rep.figures:
        stem = unique(f.name)
        (folder / f"{stem}.png").write_bytes(f.png)
        svg = folder / f"{stem}.svg"
        done = False
        if f.redraw is not None:
            try:
                f.redraw(svg)
                done = svg.is_file()
            except Exception:  # noqa: BLE001 - fall back to the raster container
                done = False
        if not done:
            svg.write_text(_svg_wrapping(f.png, f.caption), encoding="utf-8")
        written += [folder / f"{stem}.png", svg]
    for t in (rep.answer.tables if rep.answer else []) + rep.tables:
        path = folder / f"{unique(t.name)}.csv"
        t.frame.to_csv(path, index=False)
        written.append(path)
    return written


# --------------------------------------------------------------------------- entry point


def build(folder: str | Path, echo: Callable[[str], None] = lambda _m: None,
          tick: Callable[[], None] = _nothing) -> Report:
    """The report of ``folder``; ``tick`` is called after each figure is drawn (the command's progress)."""
    folder = Path(folder)
    kind, info = detect(folder)
    if kind == "sweep" and (folder / ROBUST_ANSWER).is_file():
        return _robust_report(folder, info)
    return _compare_report(folder, info, tick) if kind == "compare" else _sweep_report(folder, info, echo, tick)


# --------------------------------------------------------------------------- robust


ROBUST_ANSWER = "robust.json"  # batch/robust.py's answer file


def _robust_report(folder: Path, info: dict[str, Any]) -> Report:
    """A robust study's report: the answer across the worlds, its tables and its figure (no per-factor
    analysis of the sweep: one table per sampled assumption would bury the answer)."""
    from . import robust as R

    try:
        data = json.loads((folder / ROBUST_ANSWER).read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise ReportError(f"{folder}/{ROBUST_ANSWER}: cannot read: {err}") from None
    name = str(data.get("scenario", folder.name))
    rep = Report("robust", folder, f"coalitionsim: robust '{name}'", name,
                 f"{data['worlds']} worlds sampled from the ranges of {len(data['assumptions'])} assumptions, "
                 f"{len(data['forms'])} forms, {data['seeds_per_world']} common seeds per world")
    rep.facts = {"worlds": data["worlds"], "assumptions": len(data["assumptions"]), "forms": len(data["forms"]),
                 "seeds": data["seeds_per_world"], "failed": data.get("failed_runs", 0), "method": data["method"],
                 "noise": f"{data['noise_level']:.2f}", "boxes": data.get("prim_boxes", [])}
    captions = {
        "robust_forms": "Per criterion and form: the share of worlds in which the form is ahead of every other "
                        "form, ahead of at least one, and behind none (each beyond the run-to-run spread), and its "
                        "regret: how far its median lies behind the best form's median in that world (median and "
                        "90th percentile over the worlds, in the criterion's unit).",
        "robust_pareto": "The share of worlds in which each form is in the Pareto set.",
        "robust_assumptions": f"The five assumptions per criterion that move the ranking most: the largest "
                              f"{data['method']} rank coefficient over the pairs of forms between the assumption "
                              f"and the pair's paired median difference (|coefficient| below "
                              f"{data['noise_level']:.2f} is within what noise gives).",
    }
    for key, frame in R.robust_tables(data).items():
        rep.tables.append(Table(key, captions[key], frame, plain_view(frame, f"{key}.csv"), f"{key}.csv"))
    draw = (lambda p, d=data: R.robust_figure(d, p))
    rep.figures.append(Figure(R.FIGURE, "Left: per criterion, the share of worlds in which each form is behind no "
                              "other form beyond the run-to-run spread. Right: the assumptions that decide the "
                              "ranking most, with the noise level.", _draw(draw), "", draw))
    resolved = info.get("experiment_resolved") if isinstance(info.get("experiment_resolved"), dict) else {}
    rep.parameters = parameters(resolved.get("base_scenario") or {})
    rep.parameters.details.append(("The sampled ranges (assumption: path, low, high per value it moves)",
                                   json.dumps(data.get("ranges", []), indent=1)))
    rep.provenance = provenance(info, [("root seed", data.get("root_seed", "")),
                                       ("experiment hash", info.get("experiment_hash", ""))])
    return rep


GENERATOR = '<meta name="generator" content="coalitionsim report">'  # marks a report --overwrite may replace


LEGACY_MARK = "Made by <code>coalitionsim report</code>"  # the footer of reports written before GENERATOR


def written_by_coalitionsim(path: Path) -> bool:
    """Whether the file at ``path`` is a report this command wrote (:data:`GENERATOR` in its head)."""
    try:
        text = Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    return GENERATOR in text[:4096] or (text.startswith("<!DOCTYPE html>") and LEGACY_MARK in text)


def report(folder: str | Path, out: str | Path | None = None, export_dir: str | Path | None = None,
           echo: Callable[[str], None] = lambda _m: None, overwrite: bool = False, progress: bool = False) -> Path:
    """Write the HTML report of a compare or sweep folder (default ``DIR/report.html``); returns its path.

    The input folder and both outputs are checked before anything is written (not even the analysis a
    sweep report runs first); an existing report or export is replaced only with ``overwrite`` and only if
    coalitionsim wrote it. Both are written in full or not at all."""
    folder = Path(folder)
    detect(folder)
    out = Path(out) if out is not None else folder / "report.html"
    with claim(out), (claim(export_dir, "--export") if export_dir is not None else contextlib.nullcontext()):
        check_out_file(out, overwrite, "--out", ours=written_by_coalitionsim)
        if export_dir is not None:
            check_out(export_dir, overwrite, "--export", inputs=[folder])
        bar = progress_bar(None, "report", unit="figure", enabled=progress)
        try:
            rep = build(folder, echo, bar.update)
        finally:
            bar.close()
        text = render(rep)
        if GENERATOR not in text:
            text = text.replace("<head>", "<head>" + GENERATOR, 1)

        def write(tmp: Path) -> None:  # the report, then the export; the report replaces out only if both worked
            tmp.write_text(text, encoding="utf-8")
            if export_dir is not None:
                with output_folder(export_dir, store.provenance("export", input=str(folder)), overwrite, "--export",
                                   inputs=[folder]) as staging:
                    export(rep, staging)

        write_file(out, write)
    return out


__all__ = ["ReportError", "answer", "build", "export", "render", "report", "VOCABULARY", "FORM_NAMES"]
