"""A self-contained HTML report of a ``compare`` or ``sweep`` output folder (``coalitionsim report DIR``).

The report is one HTML file a policy maker can mail or archive: figures are embedded as base64 PNG
(``data:`` URIs), styles are inline, there are no scripts, fonts or network references. It holds

- the tables: for a compare the median and 90% interval per governance form of the key metrics; for a
  sweep the by-form table, the per-factor tables, a per-design-point table (small designs) and the
  sensitivity indices of ``coalitionsim analyze`` (run first when ``DIR/analysis/`` is missing);
- every figure of ``DIR/figures/`` and ``DIR/analysis/`` (plus, for sweeps with time series, the
  median series per design point);
- the parameters that differ from the reference defaults, the full scenario (collapsible), seeds,
  package versions and the command that produced the folder;
- a short "how to read this / what the model cannot tell" section.

``export`` additionally writes every figure as PNG and SVG and every table as CSV into a folder.
Figures are redrawn as true vector SVG where the drawing function is known (compare figures, analyze
figures, the report's own); any other PNG is wrapped in an SVG container (stated in the file's title).
"""

from __future__ import annotations

import base64
import html
import io
import json
import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd

from ..runner.stats import KEY_METRICS, interval_table
from ..runner.store import OutputError, check_out, check_out_file, output_folder, provenance
from .tables import _fmt


MAX_POINT_TABLE = 256  # design points up to which the report lists every cell


class ReportError(ValueError):
    """DIR is not a compare or sweep output folder: one line for the user."""


# --------------------------------------------------------------------------- vocabulary

#: metric -> (Dutch term, English gloss)
VOCABULARY: dict[str, tuple[str, str]] = {
    "realisation_share": ("realisatiegraad", "share of the planned homes completed within the horizon"),
    "homes_completed": ("woningen gereed", "homes completed"),
    "years_to_agreement": ("jaren tot overeenkomst", "years until the first agreement"),
    "years_to_first_home": ("jaren tot eerste woning", "years until the first home is completed"),
    "t50_years": ("t50: helft gereed", "years until half of the planned homes are completed"),
    "t90_years": ("t90: 90% gereed", "years until 90% of the planned homes are completed"),
    "homes_per_year": ("woningen per jaar", "homes completed per year"),
    "free_riding_index": ("meeliftindex (free riding)", "shortfall below the fair share of area-task costs, 0–1"),
    "free_rider_share": ("aandeel meelifters", "share of beneficiaries paying under half their fair share"),
    "funding_gap_share": ("financieringstekort gebiedsopgaven", "share of area-task cost not paid privately"),
    "public_deficit": ("publiek tekort (M€)", "public deficit, million euro"),
    "rijk_subsidy": ("Rijksbijdrage (M€)", "what the Rijk's gebiedsbudget paid, million euro"),
    "social_share_realised": ("aandeel sociale huur", "social-rent share of the homes realised"),
    "willing_unable_share": ("willen maar niet kunnen", "share of actors with draagvlak but no draagkracht"),
    "dropouts": ("uitvallers", "residents' groups that dropped out after failed asks"),
    "trust_mean": ("vertrouwen", "mean trust, 0–1"),
    "objections": ("bezwaren", "objections (zienswijzen/bezwaar) lodged"),
    "delay_quarters_objections": ("vertraging door bezwaren", "quarters of delay caused by objections"),
    "gap_residents": ("kloof draagvlak–draagkracht bewoners", "residents' mean draagvlak minus draagkracht"),
    "negotiation_rounds": ("onderhandelingsrondes", "negotiation rounds"),
    "escalations": ("escalaties naar de stuurgroep", "escalations to the steering group"),
}

FORM_NAMES: dict[str, str] = {
    "tender": "publieke tender (municipal land issued by public tender)",
    "sok": "SOK – samenwerkingsovereenkomst (co-operation agreement)",
    "gem": "GEM – grondexploitatiemaatschappij (joint land company)",
    "framework_subareas": "publiek kader, deelgebieden (public framework, development per sub-area)",
    "framework_organic": "publiek kader, organisch (public framework, organic plot-by-plot development)",
}

FACTOR_NAMES: dict[str, str] = {
    "ownership.municipal_land_share": "gemeentelijk grondbezit (municipal share of the land)",
    "instruments.kostenverhaal": "kostenverhaal (public cost recovery from developers)",
    "instruments.kettingbeding": "kettingbeding / erfpacht (contributions follow the property)",
    "instruments.biz": "BIZ (business improvement zone levy, non-residential owners)",
    "instruments.giz": "GIZ (hypothetical area improvement zone, all functions)",
    "instruments.dubbel_toetsen": "dubbel toetsen (test willing and able)",
    "instruments.compensation_budget": "gerichte compensatie (targeted compensation budget, M€)",
    "instruments.phasing_quarters": "fasering (residents' asks spread over quarters)",
    "instruments.renegotiation_floor": "heronderhandelingsvloer (a new council cannot reopen agreements)",
    "instruments.process_director": "procesregisseur (independent process director)",
    "residents.vulnerable_share": "aandeel kwetsbare huishoudens (share of vulnerable groups)",
    "residents.capacity_mean": "draagkracht huishouden (mean household capacity, M€)",
    "rijk.gebiedsbudget": "gebiedsbudget Rijk (M€)",
    "rijk.tranches": "tranches van het gebiedsbudget (number)",
    "rijk.tranche_interval_quarters": "kwartalen tussen tranches (quarters between tranches)",
    "rijk.expert_capacity": "expertcapaciteit Rijk (extra work units per quarter)",
    "market.shocks.0.quarter": "vergunningstop: startkwartaal (permit freeze start; beyond horizon = none)",
    "behaviour.ambition_change_probability": "kans op koerswijziging na verkiezingen (new council changes ambitions)",
}


def metric_label(metric: str) -> str:
    dutch, gloss = VOCABULARY.get(metric, (metric, ""))
    return f"{dutch} ({gloss})" if gloss else dutch


def _metric_html(metric: str) -> str:
    dutch, gloss = VOCABULARY.get(metric, (metric, ""))
    return f"<b>{html.escape(dutch)}</b>" + (f"<br><small>{html.escape(gloss)}</small>" if gloss else "")


def _form_html(form: str) -> str:
    return html.escape(FORM_NAMES.get(form, form))


# --------------------------------------------------------------------------- report pieces


@dataclass
class Figure:
    name: str  # file stem used for export
    caption: str
    png: bytes
    source: str  # the input file it embeds ("" for figures the report draws)
    redraw: Callable[[Path], Any] | None = None  # draws the same figure at a path (.svg)


@dataclass
class Table:
    name: str
    caption: str
    frame: pd.DataFrame  # exported as CSV
    html: str
    source: str = ""


@dataclass
class Report:
    kind: str
    folder: Path
    title: str
    intro: list[str] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    parameters_html: str = ""
    provenance_html: str = ""


def _png_of(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    return buf.getvalue()


def _interval_cell(row: pd.Series, metric: str) -> str:
    h = row.get("horizon_years", math.inf)
    h = math.inf if h is None or (isinstance(h, float) and math.isnan(h)) else h
    med, lo, hi = (row.get(f"{metric}_{s}") for s in ("median", "p5", "p95"))
    med, lo, hi = (float(v) if v is not None else float("nan") for v in (med, lo, hi))
    return f"{_fmt(med, h)} <small>[{_fmt(lo, h)}–{_fmt(hi, h)}]</small>"


def interval_metrics(frame: pd.DataFrame) -> list[str]:
    return [c[: -len("_median")] for c in frame.columns if c.endswith("_median")]


def interval_html(frame: pd.DataFrame, groups: list[str], source: str = "", group_fmt=None) -> str:
    """A table of 'median [p5–p95]' cells, metrics as rows would be too long: groups are rows."""
    metrics = interval_metrics(frame)
    group_fmt = group_fmt or {}
    head = "".join(f"<th>{html.escape(g)}</th>" for g in groups) + "<th>runs</th>"
    head += "".join(f"<th>{_metric_html(m)}</th>" for m in metrics)
    body = []
    for _, row in frame.iterrows():
        cells = []
        for g in groups:
            fmt = group_fmt.get(g)
            cells.append(f"<td>{fmt(row[g]) if fmt else html.escape(_level_text(row[g]))}</td>")
        cells.append(f"<td>{int(row['runs']) if 'runs' in row and pd.notna(row['runs']) else ''}</td>")
        cells += [f"<td class=num>{_interval_cell(row, m)}</td>" for m in metrics]
        body.append("<tr>" + "".join(cells) + "</tr>")
    return (f'<div class=scroll><table data-table="{html.escape(source)}"><thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(body)}</tbody></table></div>")


def plain_html(frame: pd.DataFrame, source: str = "", digits: int = 3) -> str:
    def cell(v: Any) -> str:
        if isinstance(v, (float, np.floating)):
            return "–" if math.isnan(v) else f"{v:.{digits}g}"
        return html.escape(str(v))

    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    body = "".join("<tr>" + "".join(f"<td>{cell(v)}</td>" for v in row) + "</tr>"
                   for row in frame.itertuples(index=False))
    return (f'<div class=scroll><table data-table="{html.escape(source)}"><thead><tr>{head}</tr></thead>'
            f"<tbody>{body}</tbody></table></div>")


def _level_text(v: Any) -> str:
    if isinstance(v, (bool, np.bool_)):
        return "yes" if v else "no"
    if isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool):
        return f"{v:g}"
    return str(v)


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


def parameters_html(scenario: dict[str, Any], extra_rows: list[tuple[str, str, str]] | None = None) -> str:
    """Scenario values that differ from the reference defaults, plus the full scenario (collapsible)."""
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
    parts = ["<h3>Values that differ from the reference defaults</h3>"]
    if rows:
        parts.append("<table><thead><tr><th>parameter (dotted path)</th><th>this report</th><th>reference default</th>"
                     "</tr></thead><tbody>")
        parts += [f"<tr><td><code>{html.escape(k)}</code></td><td>{html.escape(v)}</td><td>{html.escape(r)}</td></tr>"
                  for k, v, r in rows]
        parts.append("</tbody></table>")
    else:
        parts.append("<p>None: this is the reference area with its default values.</p>")
    parts.append("<details><summary>The full scenario (every parameter; see docs/ODD.md for their meaning)</summary>"
                 f"<pre>{html.escape(json.dumps(scenario, indent=2, default=str))}</pre></details>")
    return "\n".join(parts)


def provenance_html(info: dict[str, Any], extra: list[tuple[str, str]] | None = None) -> str:
    commands = [info.get("command", "")]
    commands += [s.get("command", "") for s in info.get("sessions", []) if s.get("command") not in commands]
    rows = [("command", "<br>".join(f"<code>{html.escape(c)}</code>" for c in commands if c)),
            ("created", html.escape(str(info.get("created", "")))),
            ("root seed", html.escape(str(info.get("root_seed", "")))),
            ("replication seeds", html.escape(", ".join(str(s) for s in info.get("seeds", []))))]
    rows += extra or []
    versions = ", ".join(f"{k} {v}" for k, v in (info.get("versions") or {}).items())
    rows.append(("package versions", html.escape(versions)))
    return "<table><tbody>" + "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in rows) + "</tbody></table>"


# --------------------------------------------------------------------------- detection


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
        missing = [f for f in ("summary.parquet", "timeseries.parquet") if not (folder / f).is_file()]
        if missing:
            raise ReportError(f"{folder}: compare output without {', '.join(missing)}")
        return kind, info
    if kind == "sweep":
        if not list((folder / "runs").glob("part-*.parquet")):
            raise ReportError(f"{folder}: sweep folder without stored runs (runs/part-*.parquet)")
        return kind, info
    raise ReportError(f"{folder}: manifest kind {kind!r} is not 'compare' or 'sweep'")


# --------------------------------------------------------------------------- compare


def _compare_report(folder: Path, info: dict[str, Any]) -> Report:
    from . import figures as F

    summary = pd.read_parquet(folder / "summary.parquet")
    ts = pd.read_parquet(folder / "timeseries.parquet")
    scen = info.get("scenario") or {}
    meta = scen.get("meta", {})
    name = meta.get("name", str(summary["scenario"].iloc[0]) if "scenario" in summary else folder.name)
    rep = Report("compare", folder, f"coalitionsim: the five governance forms on '{name}'")
    reps = info.get("replications", summary.groupby("form").size().max())
    rep.intro.append(f"<p><b>{html.escape(name)}</b>: {html.escape(meta.get('description', ''))}</p>")
    rep.intro.append(f"<p>{reps} replications per governance form (same seeds for every form). Every cell is the "
                     "<b>median</b> over the replications with the <b>90% interval</b> (5th–95th percentile) in "
                     "brackets. '&gt;N' means: not reached within the N-year horizon in that share of runs.</p>")
    for form, reason in (info.get("not_applicable") or {}).items():
        rep.intro.append(f"<p><b>{_form_html(form)}</b>: not run — {html.escape(str(reason))}</p>")

    metrics = [(m, lab) for m, lab in KEY_METRICS if m in summary]
    for extra in ("t90_years", "homes_per_year", "social_share_realised", "dropouts", "objections", "rijk_subsidy"):
        if extra in summary and extra not in dict(metrics):
            metrics.append((extra, extra))
    table = interval_table(summary, metrics, by="form")
    rep.tables.append(Table("summary_by_form", "Key outcomes per governance form: median [90% interval]", table,
                            interval_html(table, ["form"], "summary.csv", {"form": _form_html}), "summary.csv"))

    homes_planned = int(summary["homes_planned"].iloc[0]) if "homes_planned" in summary else 1
    redraw = {
        "realisation": lambda p: F.realisation_curves(ts, homes_planned, p),
        "free_riding": lambda p: F.free_riding(summary, ts, p),
        "draagvlak_draagkracht": lambda p: F.draagvlak_draagkracht(ts, p),
    }
    captions = {
        "realisation": "Realisatie: share of planned homes completed over time per form (median line, 90% band).",
        "free_riding": "Meeliften (free riding): free-riding index per form and the voluntary contribution rate over time.",
        "draagvlak_draagkracht": "Draagvlak (support) and draagkracht (capacity) per group over time.",
    }
    for png in sorted((folder / "figures").glob("*.png")):
        rep.figures.append(Figure(png.stem, captions.get(png.stem, png.stem), png.read_bytes(),
                                  f"figures/{png.name}", redraw.get(png.stem)))
    rep.parameters_html = parameters_html(scen)
    rep.provenance_html = provenance_html(info, [("replications", str(reps))])
    return rep


# --------------------------------------------------------------------------- sweep


def _point_label(values: dict[str, Any]) -> str:
    return ", ".join(f"{k.split('.')[-1]}={_level_text(v)}" for k, v in values.items())


def _sweep_report(folder: Path, info: dict[str, Any], echo: Callable[[str], None]) -> Report:
    from . import analyze as A
    from ..batch.sweep import load_runs, load_timeseries

    if not (folder / "analysis").is_dir():
        echo(f"{folder}/analysis missing: running coalitionsim analyze first")
        A.analyze(folder, echo=lambda _msg: None)
    runs = load_runs(folder)
    ok = runs[runs["status"] == "ok"].reset_index(drop=True)
    design = info.get("design", {})
    factors = list(info.get("problem", {}).get("names") or [])
    kinds = list(info.get("problem", {}).get("kinds") or ["float"] * len(factors))
    name = info.get("experiment", folder.name)
    rep = Report("sweep", folder, f"coalitionsim: sweep '{name}'")
    resolved = info.get("experiment_resolved") or {}
    description = (resolved.get("experiment") or {}).get("description") or ""
    text = info.get("experiment_text") or ""
    m = re.search(r'^description\s*=\s*"(.*)"', text, re.M)
    description = description or (m.group(1) if m else "")
    rep.intro.append(f"<p><b>{html.escape(name)}</b>: {html.escape(description)}</p>")
    rep.intro.append(
        f"<p>{html.escape(str(design.get('kind')))} design: {design.get('points')} design points × "
        f"{len(design.get('forms', []))} forms × {design.get('replications')} replications = {design.get('runs')} "
        f"runs; stored {len(runs)} ({len(ok)} ok, {int((runs['status'] == 'failed').sum())} failed, "
        f"{int((runs['status'] == 'not_applicable').sum())} not applicable). Every cell is the <b>median</b> "
        "with the <b>90% interval</b> (5th–95th percentile over runs) in brackets; a factor's table pools the "
        "runs over all other factors' levels.</p>")
    if len(runs) < int(design.get("runs") or 0):
        rep.intro.append("<p class=warn>This sweep is INCOMPLETE: continue it with <code>coalitionsim sweep "
                         "EXPERIMENT --resume --out DIR</code> and make the report again.</p>")

    an = folder / "analysis"
    metrics = A._metrics(info, ok)
    labels = {m: metric_label(m) for m, _ in metrics}
    # by form
    if (an / "by_form.csv").is_file():
        t = pd.read_csv(an / "by_form.csv")
        rep.tables.append(Table("by_form", "All runs per governance form: median [90% interval]", t,
                                interval_html(t, ["form"], "analysis/by_form.csv", {"form": _form_html}),
                                "analysis/by_form.csv"))
    # per factor
    if (an / "factor_summary.csv").is_file():
        fs = pd.read_csv(an / "factor_summary.csv")
        for factor in dict.fromkeys(fs["factor"]):
            t = fs[fs["factor"] == factor].drop(columns=["factor", "binned"], errors="ignore")
            label = FACTOR_NAMES.get(factor, factor)
            rep.tables.append(Table(f"factor_{A._safe(factor)}", f"Per factor: {label} (<code>{factor}</code>)",
                                    t, interval_html(t, ["form", "level"], "analysis/factor_summary.csv",
                                                     {"form": _form_html}), "analysis/factor_summary.csv"))
    # per design point (small designs: the cells of a grid)
    n_points = int(design.get("points") or 0)
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
            order = {f: i for i, f in enumerate(design.get("forms") or [])}
            pt = pt.assign(_o=pt["form"].map(order)).sort_values(["_o", "point"], kind="stable").drop(columns="_o")
            pt = pt[["point", "form"] + factors + [c for c in pt.columns if c not in ["point", "form"] + factors]]
            short = {f: f.split(".")[-1] for f in factors}
            shown = pt.rename(columns=short)
            rep.tables.append(Table("design_points", "Every design point (cell of the design) per form: median "
                                    "[90% interval] over its replications", pt,
                                    interval_html(shown, ["form", "point"] + [short[f] for f in factors],
                                                  "design points", {"form": _form_html}), "design points"))
    # sensitivity indices
    for kind in ("morris", "sobol"):
        if (an / f"{kind}.csv").is_file():
            t = pd.read_csv(an / f"{kind}.csv")
            what = ("Morris screening: mu* (mean absolute elementary effect: how much the factor moves the output) "
                    "and sigma (interaction/non-linearity), with 95% confidence"
                    if kind == "morris" else "Sobol indices: S1 (first order) and ST (total), with 95% confidence")
            rep.tables.append(Table(kind, what, t, plain_html(t, f"analysis/{kind}.csv"), f"analysis/{kind}.csv"))

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
        captions[f"main_effects_{safe}"] = f"Main effects on {labels[metric]}: median and 90% band per factor level and form."
        for kind in ("morris", "sobol"):
            csv = an / f"{kind}.csv"
            if csv.is_file():
                redraw[f"{kind}_{safe}"] = (lambda p, m=metric, lab=label, k=kind, c=csv: A._sensitivity_figure(
                    pd.read_csv(c).query("output == @m"), k, m, lab, p))
                captions[f"{kind}_{safe}"] = f"{kind.title()} sensitivity indices for {labels[metric]}."
    for png in sorted((folder / "figures").glob("*.png")) + sorted(an.glob("*.png")):
        rel = png.relative_to(folder).as_posix()
        rep.figures.append(Figure(png.stem, captions.get(png.stem, png.stem), png.read_bytes(), rel,
                                  redraw.get(png.stem)))

    # time series (when the sweep kept them)
    if info.get("timeseries"):
        ts = load_timeseries(folder)
        if not ts.empty:
            rep.figures += _series_figures(ts, ok, factors, design.get("forms") or [], n_points)

    base = resolved.get("base_scenario") or {}
    extra = [(f"(factor) {f}", "varied: see the tables", json.dumps(_flatten(_defaults()).get(f), default=str))
             for f in factors]
    rep.parameters_html = parameters_html(base, extra)
    rep.parameters_html += ("<details><summary>The experiment file as written</summary>"
                            f"<pre>{html.escape(text)}</pre></details>")
    rep.provenance_html = provenance_html(info, [
        ("experiment file", html.escape(str(info.get("experiment_file", "")))),
        ("experiment hash", html.escape(str(info.get("experiment_hash", "")))),
        ("seeding", html.escape(str(info.get("seeding", "")))),
    ])
    return rep


SERIES = [("voluntary_contribution_rate", "vrijwillige bijdrage (voluntary payments ÷ voluntary fair share asked)"),
          ("free_riding_index", "meeliftindex (free-riding index)"),
          ("funding_gap", "financieringstekort (funding gap, M€)"),
          ("homes_completed", "woningen gereed (homes completed)"),
          ("willing_unable_share", "willen maar niet kunnen (willing-but-unable share)"),
          ("trust_mean", "vertrouwen (trust)")]


def _series_figures(ts: pd.DataFrame, ok: pd.DataFrame, factors: list[str], forms: list[str],
                    n_points: int) -> list[Figure]:
    """Median over replications of each kept series: one panel per form, one line per design point
    (at most 16; larger designs: one line per form)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels = {int(p): _point_label({f: g[f].iloc[0] for f in factors}) for p, g in ok.groupby("point")} \
        if factors else {}
    out = []
    for col, label in SERIES:
        if col not in ts:
            continue
        forms_here = [f for f in forms if f in set(ok["form"])] or list(dict.fromkeys(ok["form"]))
        data = ts.drop(columns=[c for c in ("form", "point") if c in ts]).merge(ok[["run", "form", "point"]], on="run", how="inner")

        def draw(path: Path | None, col=col, label=label, data=data, forms_here=forms_here):
            by_point = factors and n_points <= 16
            panels = forms_here if by_point else [None]
            fig, axes = plt.subplots(1, len(panels), figsize=(4.2 * len(panels), 3.6), squeeze=False, sharey=True)
            for ax, form in zip(axes.flat, panels):
                sub = data if form is None else data[data["form"] == form]
                keys = "point" if by_point else "form"
                for key, g in sub.groupby(keys, sort=True):
                    med = g.groupby("step")[col].median()
                    ax.plot(med.index / 4, med.to_numpy(), lw=1.2,
                            label=labels.get(int(key), str(key)) if by_point else str(key))
                ax.set_title(form or "all forms", fontsize=9)
                ax.set_xlabel("years", fontsize=8)
                ax.grid(alpha=0.3)
            axes.flat[0].set_ylabel(label, fontsize=8)
            handles, names = axes.flat[0].get_legend_handles_labels()
            fig.legend(handles, names, loc="lower center", ncol=min(4, len(names)), fontsize=6, frameon=False)
            fig.suptitle(f"{label}: median over replications", fontsize=10)
            fig.tight_layout(rect=(0, 0.04 + 0.035 * math.ceil(len(names) / 4), 1, 1))
            if path is None:
                png = _png_of(fig)
                plt.close(fig)
                return png
            fig.savefig(path)
            plt.close(fig)
            return path

        out.append(Figure(f"series_{col}", f"{label} over time (median over replications"
                          + (", one line per design point)." if factors and n_points <= 16 else ", per form)."),
                          draw(None), "", draw))
    return out


# --------------------------------------------------------------------------- HTML

CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif;max-width:1200px;margin:1.5em auto;
padding:0 1em;color:#222;line-height:1.45}
h1{font-size:1.5em;margin-bottom:.2em}h2{border-bottom:2px solid #2a6f97;padding-bottom:.2em;margin-top:2em}
table{border-collapse:collapse;font-size:.82em;margin:.6em 0}th,td{border:1px solid #ccd;padding:.25em .5em;
vertical-align:top;text-align:left}thead th{background:#eef3f7}td.num{white-space:nowrap}
small{color:#555}.scroll{overflow-x:auto}figure{margin:1em 0}figure img{max-width:100%;border:1px solid #dde}
figcaption{font-size:.85em;color:#444}pre{background:#f6f6f6;padding:.6em;overflow-x:auto;font-size:.78em}
details{margin:.6em 0}summary{cursor:pointer;font-weight:600}.warn{color:#a00;font-weight:600}
nav a{margin-right:1em}code{font-size:.9em}
"""

HOW_TO_READ = """
<h2 id="read">How to read this – and what the model cannot tell</h2>
<ul>
<li><b>Median [90% interval]</b>: half of the simulated runs lie below the median; 90% of runs lie in the
interval. The interval shows the spread that chance alone produces (market paths, who negotiates first,
election outcomes) with the same policy. Two forms whose intervals overlap widely are <i>not</i> clearly
different in this model.</li>
<li><b>Same seeds</b>: every form and every design point uses the same random seeds (common random numbers),
so differences between forms come from the form, not from luck of the draw.</li>
<li><b>Times</b> (t50, t90, years to agreement): '&gt;N' means the event did not happen within the N-year
horizon in at least that share of runs.</li>
<li><b>Money</b> is in millions of euro (M€), at the model's stylised prices; use differences between
options, not absolute levels.</li>
<li><b>What the model cannot tell</b>: it is a stylised agent-based model of one area type with assumed
behaviour (see docs/ODD.md: parameters marked <i>assumption</i>). It is not calibrated to a real project and
does not forecast one. It does not represent law in detail (a GIZ does not exist in Dutch law; it is a
hypothetical instrument here), politics beyond a four-year council cycle, the quality of the built result,
or the effect of people and personalities that make or break real negotiations. Results show <i>mechanisms
and directions</i> under stated assumptions; check a conclusion against practice and the sources before
acting on it.</li>
</ul>
"""


def _data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def render(rep: Report) -> str:
    e = html.escape
    parts = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
             f"<title>{e(rep.title)}</title>", f"<style>{CSS}</style></head><body>",
             f"<h1>{e(rep.title)}</h1>",
             '<nav><a href="#tables">Tables</a><a href="#figures">Figures</a><a href="#read">How to read this</a>'
             '<a href="#parameters">Parameters</a><a href="#provenance">Provenance</a></nav>']
    parts += rep.intro
    parts.append('<h2 id="tables">Tables</h2>')
    for t in rep.tables:
        parts.append(f"<h3>{t.caption}</h3>")
        parts.append(t.html)
    parts.append('<h2 id="figures">Figures</h2>')
    for f in rep.figures:
        parts.append(f'<figure><img src="{_data_uri(f.png)}" alt="{e(f.caption)}" data-figure="{e(f.source)}">'
                     f"<figcaption>{e(f.caption)}</figcaption></figure>")
    parts.append(HOW_TO_READ)
    parts.append('<h2 id="parameters">Parameters</h2>')
    parts.append(rep.parameters_html)
    parts.append('<h2 id="provenance">Provenance: seeds, versions, command</h2>')
    parts.append(rep.provenance_html)
    parts.append(f"<p><small>Folder: {e(str(rep.folder))}. Made by <code>coalitionsim report</code>; this file "
                 "is self-contained (no external files or network access).</small></p>")
    parts.append("</body></html>")
    return "\n".join(parts)


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
    for t in rep.tables:
        path = folder / f"{unique(t.name)}.csv"
        t.frame.to_csv(path, index=False)
        written.append(path)
    return written


# --------------------------------------------------------------------------- entry point


def build(folder: str | Path, echo: Callable[[str], None] = lambda _m: None) -> Report:
    folder = Path(folder)
    kind, info = detect(folder)
    return _compare_report(folder, info) if kind == "compare" else _sweep_report(folder, info, echo)


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
           echo: Callable[[str], None] = lambda _m: None, overwrite: bool = False) -> Path:
    """Write the HTML report of a compare or sweep folder (default ``DIR/report.html``); returns its path.

    The input folder and both outputs are checked before anything is written (not even the analysis a
    sweep report runs first); an existing report or export is replaced only with ``overwrite`` and only if
    coalitionsim wrote it. Both are written in full or not at all."""
    folder = Path(folder)
    detect(folder)
    out = Path(out) if out is not None else folder / "report.html"
    check_out_file(out, overwrite, "--out", ours=written_by_coalitionsim)
    if export_dir is not None:
        check_out(export_dir, overwrite, "--export", inputs=[folder])
    rep = build(folder, echo)
    text = render(rep)
    if GENERATOR not in text:
        text = text.replace("<head>", "<head>" + GENERATOR, 1)
    tmp = out.with_name(f".{out.name}.partial-{os.getpid()}")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(text, encoding="utf-8")
    except OSError as err:
        raise OutputError(f"--out {out}: cannot write ({err.strerror or err})") from None
    try:
        if export_dir is not None:
            with output_folder(export_dir, provenance("export", input=str(folder)), overwrite, "--export",
                               inputs=[folder]) as staging:
                export(rep, staging)
        tmp.replace(out)
    finally:
        tmp.unlink(missing_ok=True)
    return out


__all__ = ["ReportError", "build", "export", "render", "report", "VOCABULARY", "FORM_NAMES"]
