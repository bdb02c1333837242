"""Regenerate the evidence: run the studies, the case compares and the archetype map, then write the tables,
figures and numbers of the findings pages from their results, and stamp every page with the model fingerprint.

    python docs/studies/regenerate.py                      # everything (the one command after a model change)
    python docs/studies/regenerate.py --reuse              # reuse results/ folders made by the same model
    python docs/studies/regenerate.py --only forms --only cases --workers 2

Pages (``--only`` takes these names): forms, free_riding, draagkracht, rijk (docs/studies/<name>.md),
cases (docs/cases.md), archetypes (docs/archetypes.md), readme (the compare excerpt in README.md), robust
(docs/robust.md: ``coalitionsim robust`` on every bundled scenario, ``--robust-worlds`` worlds each).

What it does, per page:

1. runs what the page is built from into ``--results`` (default ``results/``, not committed): the study sweep
   ``experiments/study_<name>.toml``, ``coalitionsim compare <scenario> --replications 20`` for every bundled
   scenario, the archetype sweep ``experiments/archetypes.toml``. ``results/regenerate/<folder>.json`` keeps
   the model fingerprint each folder was made with and its run time. With ``--reuse`` a folder is used again only when
   it is complete and its fingerprint is today's; otherwise it is run again (``--overwrite``).
2. writes the small aggregated tables to ``docs/studies/data/<table>.csv`` (committed) and a
   ``docs/studies/data/manifest.json`` naming each table's page, source folder and fingerprint;
3. renders them into the page between markers ``<!-- table: NAME -->`` … ``<!-- /table -->``; a number in
   the prose is ``<!-- value: NAME -->…<!-- /value -->``, where NAME is ``<table>:<row key>:<metric>`` (any
   cell of a table, 'median [5th–95th percentile]') or a named count the script computes (an unknown name
   is an error, so a page cannot cite a number the script does not write);
4. evaluates the page's ``<!-- check: A < B -->`` claims (the direction a finding's prose states, on the
   medians of today's tables) and lists the ones that no longer hold (``--strict``: exit code 1), so a
   regeneration after a model change says which sentences to rewrite;
5. writes the figures to ``docs/studies/figures/*.png`` and stamps the page between ``<!-- stamp -->`` and
   ``<!-- /stamp -->``: ``Model fingerprint: `<digest>``` and the run time of its runs on this machine.

``tests/test_fingerprint.py`` fails when a page's fingerprint is not the model's: re-run this script.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import shutil
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT / "src") not in sys.path:  # run from a checkout without installing
    sys.path.insert(0, str(ROOT / "src"))

import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from coalitionsim.reporting.tables import CENSORED, _fmt  # noqa: E402
from coalitionsim.runner import stats as run_stats  # noqa: E402

HERE = ROOT / "docs" / "studies"
DATA = HERE / "data"
FIG = HERE / "figures"
FORMS = ["tender", "sok", "gem", "framework_subareas", "framework_organic"]
CASE_REPLICATIONS = 20
I = "instruments."
PAGES = {
    "forms": HERE / "forms.md", "free_riding": HERE / "free_riding.md", "draagkracht": HERE / "draagkracht.md",
    "rijk": HERE / "rijk.md", "cases": ROOT / "docs" / "cases.md", "archetypes": ROOT / "docs" / "archetypes.md",
    "readme": ROOT / "README.md", "robust": ROOT / "docs" / "robust.md",
}
ROBUST_WORLDS = 50  # worlds per bundled scenario on docs/robust.md (× 5 forms × ROBUST_SEEDS seeds)
ROBUST_SEEDS = 4


# =========================================================================== running (step 1)


class Context:
    """The state of one regeneration: options, the fingerprint, the tables and values written so far."""

    def __init__(self, results: Path, workers: int, reuse: bool, fingerprint: str):
        self.results, self.workers, self.reuse, self.fingerprint = results, workers, reuse, fingerprint
        self.values: dict[str, str] = {}
        self.numbers: dict[str, float] = {}  # the medians (and counts) behind the values, for <!-- check: -->
        self.failed_checks: list[str] = []
        self.tables: dict[str, str] = {}  # name -> markdown
        self.manifest: dict[str, Any] = {}
        self.steps: dict[str, list[str]] = {}  # page -> result folders it used

    # ------------------------------------------------------------------ result folders

    def folder(self, page: str, name: str, run: Callable[[Path], None], complete: Callable[[Path], bool]) -> Path:
        """``results/<name>``: reused when complete and made by this model (with --reuse), else (re-)run."""
        out = self.results / name
        stamp = self.stamp(name)
        self.steps.setdefault(page, []).append(name)
        if self.reuse and stamp.is_file() and complete(out):
            info = json.loads(stamp.read_text())
            if info.get("fingerprint") == self.fingerprint:
                print(f"[reuse] {out} ({info['seconds']:.0f} s when it ran)", flush=True)
                return out
            print(f"[stale] {out}: made with model {info.get('fingerprint')}, re-running", flush=True)
        if out.exists() and (out / "manifest.json").is_file():
            shutil.rmtree(out)  # a coalitionsim result folder (it has a manifest): replaced
        print(f"[run] {out}", flush=True)
        start = time.perf_counter()
        run(out)
        seconds = time.perf_counter() - start
        stamp.parent.mkdir(parents=True, exist_ok=True)
        stamp.write_text(json.dumps({"fingerprint": self.fingerprint, "seconds": round(seconds, 1),
                                     "workers": self.workers, "cores": os.cpu_count(),
                                     "finished": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")},
                                    indent=1))
        return out

    def stamp(self, name: str) -> Path:
        """Where the fingerprint and run time of ``results/<name>`` are kept: beside the folder, not in it (a
        coalitionsim folder with other files in it is not replaced by ``--overwrite``)."""
        return self.results / "regenerate" / f"{name}.json"

    def sweep(self, page: str, experiment: str) -> Path:
        from coalitionsim.batch.sweep import load_manifest, sweep

        def run(out: Path) -> None:
            result = sweep(ROOT / "experiments" / f"{experiment}.toml", workers=self.workers, out=out,
                           progress=False, command=f"docs/studies/regenerate.py ({experiment})")
            if not result.complete:
                raise SystemExit(f"{out}: the sweep is incomplete ({result.done} of {result.planned} runs)")

        def complete(out: Path) -> bool:
            try:
                return load_manifest(out).get("status") == "complete"
            except Exception:  # noqa: BLE001  (no or broken manifest: run again)
                return False

        return self.folder(page, experiment, run, complete)

    def compare(self, page: str, scenario: str) -> Path:
        from coalitionsim.cli import main

        def run(out: Path) -> None:
            import contextlib
            import io

            printed = io.StringIO()  # the interval table as CSV: kept in the folder, not on the screen
            with contextlib.redirect_stdout(printed):
                code = main(["compare", scenario, "--replications", str(CASE_REPLICATIONS), "--workers",
                             str(self.workers), "--out", str(out), "--format", "csv"])
            table = self.results / "regenerate" / f"{out.name}-table.csv"
            table.parent.mkdir(parents=True, exist_ok=True)
            table.write_text(printed.getvalue())
            if code:
                raise SystemExit(f"coalitionsim compare {scenario} failed (exit code {code})")

        return self.folder(page, f"compare-{scenario}", run, lambda out: (out / "summary.parquet").is_file())

    def seconds(self, page: str) -> float:
        return sum(json.loads(self.stamp(n).read_text())["seconds"]
                   for n in self.steps.get(page, []))

    # ------------------------------------------------------------------ tables and values (steps 2 and 3)

    def table(self, page: str, name: str, frame: pd.DataFrame, markdown: str, source: str) -> None:
        DATA.mkdir(parents=True, exist_ok=True)
        frame.to_csv(DATA / f"{name}.csv", index=False, float_format="%.6g")
        self.tables[name] = markdown
        self.manifest[name] = {"page": str(PAGES[page].relative_to(ROOT)), "source": source,
                               "fingerprint": self.fingerprint, "rows": len(frame)}

    def value(self, name: str, text: Any) -> None:
        self.values[name] = str(text)
        if isinstance(text, (int, float, np.integer, np.floating)) and not isinstance(text, bool):
            self.numbers[name] = float(text)


# =========================================================================== interval tables


def quantiles(v: np.ndarray) -> tuple[float, float, float]:
    """(median, 5th, 95th percentile): the project's interval statistic in the order the figures use."""
    lo, med, hi = run_stats.quantiles(v)
    return float(med), float(lo), float(hi)


def intervals(frame: pd.DataFrame, by: list[str], metrics: list[tuple[str, str]]) -> pd.DataFrame:
    """Median, 5th and 95th percentile per group, a time not reached within the horizon counted as beyond it:
    the project's one interval table (``runner.stats.interval_table``)."""
    return run_stats.interval_table(frame, metrics, by=by)


def cell(row: pd.Series, col: str) -> str:
    h = row.get("horizon_years", math.inf)
    return f"{_fmt(row[f'{col}_median'], h)} [{_fmt(row[f'{col}_p5'], h)}–{_fmt(row[f'{col}_p95'], h)}]"


def markdown(table: pd.DataFrame, by: list[str], metrics: list[tuple[str, str]],
             labels: dict[str, str] | None = None) -> str:
    labels = labels or {}
    head = [labels.get(b, b) for b in by] + ["runs"] + [label for _, label in metrics]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for _, row in table.iterrows():
        cells = [str(row[b]) for b in by] + [str(int(row["runs"]))] + [cell(row, c) for c, _ in metrics]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def plain_markdown(frame: pd.DataFrame, columns: dict[str, str]) -> str:
    lines = ["| " + " | ".join(columns.values()) + " |", "|" + "---|" * len(columns)]
    for _, row in frame.iterrows():
        lines.append("| " + " | ".join(_plain(row[c]) for c in columns) + " |")
    return "\n".join(lines)


def _plain(x: Any) -> str:
    if isinstance(x, (bool, np.bool_)):
        return "yes" if x else "no"
    if isinstance(x, (float, np.floating)):
        return _fmt(float(x), math.inf)
    return str(x)


def interval_table(ctx: Context, page: str, name: str, frame: pd.DataFrame, by: list[str],
                   metrics: list[tuple[str, str]], source: str, labels: dict[str, str] | None = None) -> pd.DataFrame:
    """Aggregate, write ``data/<name>.csv``, keep its Markdown, and make every cell a citable value."""
    t = intervals(frame, by, metrics)
    ctx.table(page, name, t, markdown(t, by, metrics, labels), source)
    for _, row in t.iterrows():
        key = "|".join(str(row[b]) for b in by)
        ctx.value(f"{name}:{key}:runs", int(row["runs"]))
        for col, _ in metrics:
            ctx.numbers[f"{name}:{key}:{col}"] = float(row[f"{col}_median"])
            ctx.value(f"{name}:{key}:{col}", cell(row, col))
            ctx.value(f"{name}:{key}:{col}.median", _fmt(row[f"{col}_median"], row["horizon_years"]))
            if f"{col}_reached" in row:
                ctx.value(f"{name}:{key}:{col}.reached", f"{row[f'{col}_reached']:.0%}")
    return t


# =========================================================================== figures


def bars(ax, frame: pd.DataFrame, group: str, series: str, metric: str, order_g, order_s, horizon=25.0,
         label_s=None):
    width = 0.8 / len(order_s)
    for j, s in enumerate(order_s):
        stats = []
        for g in order_g:
            v = frame[(frame[group] == g) & (frame[series] == s)][metric].astype(float).to_numpy()
            if metric in CENSORED:
                v = np.where(np.isnan(v), horizon, v)
            v = v[~np.isnan(v)]
            stats.append(quantiles(v) if len(v) else (np.nan,) * 3)
        med = np.array([x[0] for x in stats])
        err = np.array([[x[0] - x[1] for x in stats], [x[2] - x[0] for x in stats]])
        ax.bar(np.arange(len(order_g)) + (j - (len(order_s) - 1) / 2) * width, med, width, yerr=err, capsize=2,
               label=(label_s or {}).get(s, str(s)))
    ax.set_xticks(range(len(order_g)), [str(g) for g in order_g], fontsize=7, rotation=15)
    ax.grid(axis="y", alpha=0.3)


def save(fig, name: str) -> None:
    FIG.mkdir(parents=True, exist_ok=True)
    path = FIG / f"{name}.png"
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)
    print(f"[figure] {path.relative_to(ROOT)} ({path.stat().st_size // 1024} KB)", flush=True)


# =========================================================================== the pages


def forms(ctx: Context) -> None:
    from coalitionsim.batch.sweep import load_runs

    folder = ctx.sweep("forms", "study_forms")
    r = load_runs(folder, "ok")
    share = "ownership.municipal_land_share"
    r["municipal land"] = r[share].map(lambda s: f"{s:.0%}")
    r["form"] = pd.Categorical(r["form"], FORMS, ordered=True)
    r = r.sort_values([share, "form"])
    r["form"] = r["form"].astype(str)
    m = [("t50_years", "t50 (years)"), ("t90_years", "t90 (years)"), ("homes_per_year", "homes/yr"),
         ("public_deficit", "deficit M€"), ("social_share_realised", "social share"),
         ("realisation_share", "realised"), ("free_riding_index", "free riding")]
    interval_table(ctx, "forms", "forms_area", r, ["municipal land", "form"], m, "results/study_forms")
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.8))
    order = list(dict.fromkeys(r["municipal land"]))
    for ax, (metric, label) in zip(axes, [("t50_years", "t50: years to half the homes"),
                                          ("homes_per_year", "homes per year"),
                                          ("public_deficit", "public deficit (M€)")]):
        bars(ax, r, "municipal land", "form", metric, order, FORMS)
        ax.set_title(label + " by municipal land share", fontsize=9)
    axes[0].legend(fontsize=7)
    fig.suptitle("Governance forms across land ownership (reference area): median, 90% interval", fontsize=10)
    save(fig, "forms_area_types")


def cases(ctx: Context) -> None:
    from coalitionsim.advise import advise
    from coalitionsim.advise.beslisboom import check_summary
    from coalitionsim.scenario import bundled_scenarios, load_scenario

    names = sorted(bundled_scenarios())
    frames, verdicts = [], []
    for name in names:
        s = pd.read_parquet(ctx.compare("cases", name) / "summary.parquet")
        s["scenario"] = name
        frames.append(s)
        advice = advise(load_scenario(name))
        check = check_summary(s, advice, CASE_REPLICATIONS)  # the one answer (runner.tradeoff), as advise --simulate
        speed = check.tradeoff.by_metric("t50_years")
        verdicts.append({"scenario": name, "case": name != "reference", "tree": advice.form,
                         "tree_subareas": ",".join(f"{k}:{v}" for k, v in advice.subarea_forms.items()),
                         "pareto": ",".join(check.tradeoff.pareto),
                         "speed_ahead": (speed.leader or "–") if speed else "–",
                         "tree_in_pareto": bool(check.tree_in_pareto), "tree_speed": check.tree_speed,
                         "faster_than_tree": ",".join(check.faster_than_tree) or "–"})
    c = pd.concat(frames, ignore_index=True)
    c["form"] = pd.Categorical(c["form"], FORMS, ordered=True)
    c = c.sort_values(["scenario", "form"])
    c["form"] = c["form"].astype(str)
    m = [("t50_years", "t50 (years)"), ("realisation_share", "realised"), ("homes_per_year", "homes/yr"),
         ("public_deficit", "deficit M€"), ("free_riding_index", "free riding")]
    interval_table(ctx, "cases", "cases_forms", c, ["scenario", "form"], m, "results/compare-<scenario>")
    v = pd.DataFrame(verdicts)
    ctx.table("cases", "cases_tree", v, plain_markdown(v, {
        "scenario": "scenario", "tree": "beslisboom (area form)", "tree_subareas": "tree per sub-area (not scored)",
        "pareto": "simulation: Pareto set", "speed_ahead": "simulation: ahead on speed",
        "tree_in_pareto": "tree in Pareto set", "tree_speed": "tree on speed",
        "faster_than_tree": "faster than the tree"}), "results/compare-<scenario> + coalitionsim.advise")
    eight = v[v["case"]]
    ctx.value("cases:n", len(eight))
    ctx.value("cases:tree_in_pareto", int(eight["tree_in_pareto"].sum()))
    for speed in ("ahead", "level", "behind"):
        ctx.value(f"cases:tree_speed:{speed}", int((eight["tree_speed"] == speed).sum()))
    for _, row in v.iterrows():
        ctx.value(f"cases_tree:{row['scenario']}:pareto", row["pareto"])
        ctx.value(f"cases_tree:{row['scenario']}:tree", row["tree"])
    fig, axes = plt.subplots(2, 1, figsize=(13, 7))
    for ax, (metric, label) in zip(axes, [("t50_years", "t50: years to half the homes (a bar at the horizon: "
                                                        "not reached)"), ("public_deficit", "public deficit (M€)")]):
        bars(ax, c, "scenario", "form", metric, names, FORMS,
             horizon=float(c["param.simulation.horizon_quarters"].max() / 4))
        ax.set_title(label, fontsize=9)
    axes[0].legend(fontsize=7, ncol=5)
    fig.suptitle(f"The five forms on the bundled scenarios: median, 90% interval over {CASE_REPLICATIONS} seeds",
                 fontsize=10)
    save(fig, "forms_cases")


PACKAGES = {
    (False, False, False, False): "1 voluntary fund only",
    (True, False, False, False): "2 kostenverhaal",
    (True, True, False, False): "3 + kettingbeding/erfpacht",
    (True, True, True, False): "4 + BIZ",
    (True, True, True, True): "5 + GIZ (hypothetical)",
    (False, False, False, True): "GIZ alone",
}


def free_riding(ctx: Context) -> None:
    from coalitionsim.batch.sweep import load_runs, load_timeseries

    folder = ctx.sweep("free_riding", "study_free_riding")
    r = load_runs(folder, "ok")
    keys = zip(r[I + "kostenverhaal"], r[I + "kettingbeding"], r[I + "biz"], r[I + "giz"])
    r["package"] = [PACKAGES.get(tuple(bool(x) for x in k)) for k in keys]
    r = r[r["package"].notna()].copy()
    order = [p for p in PACKAGES.values() if p in set(r["package"])]
    r["package"] = pd.Categorical(r["package"], order, ordered=True)
    r["form"] = pd.Categorical(r["form"], FORMS, ordered=True)
    m = [("free_riding_index", "free-riding index"), ("free_rider_share", "free riders"),
         ("funding_gap_share", "funding gap"), ("t50_years", "t50"), ("homes_per_year", "homes/yr"),
         ("public_deficit", "deficit M€")]
    src = "results/study_free_riding"
    interval_table(ctx, "free_riding", "free_riding_packages", r.sort_values("package"), ["package"], m, src)
    interval_table(ctx, "free_riding", "free_riding_form_package", r.sort_values(["form", "package"]),
                   ["form", "package"], m[:4], src)
    fig, axes = plt.subplots(1, 2, figsize=(13, 4))
    rr = r.assign(package=r["package"].astype(str), form=r["form"].astype(str))
    for ax, (metric, label) in zip(axes, [("free_riding_index", "free-riding index (0–1)"),
                                          ("funding_gap_share", "funding gap share of area-task cost")]):
        bars(ax, rr, "package", "form", metric, order, FORMS)
        ax.set_title(label, fontsize=9)
    axes[0].legend(fontsize=7)
    fig.suptitle("Instrument packages against free riding: median, 90% interval", fontsize=10)
    save(fig, "free_riding_packages")

    ts = load_timeseries(folder)
    if ts.empty:
        return
    d = ts.drop(columns=[c for c in ("form", "point") if c in ts]).merge(rr[["run", "package", "form"]], on="run")
    fig, axes = plt.subplots(1, 2, figsize=(13, 4))
    for ax, col, label in [(axes[0], "voluntary_contribution_rate", "voluntary payments ÷ voluntary fair share asked"),
                           (axes[1], "free_riding_index", "free-riding index (cumulative)")]:
        for pkg in order:
            g = d[d["package"] == pkg]
            if col == "voluntary_contribution_rate":
                g = g.assign(year=g["step"] // 4).groupby("year")[col]
            else:
                g = g.groupby("step")[col]
            med = g.median()
            x = med.index if col == "voluntary_contribution_rate" else med.index / 4
            line, = ax.plot(x, med.to_numpy(), label=pkg)
            ax.fill_between(x, g.quantile(0.25).to_numpy(), g.quantile(0.75).to_numpy(), color=line.get_color(),
                            alpha=0.12)
        ax.set_xlabel("years")
        ax.set_title(label + " (median, 50% band; all forms)", fontsize=9)
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=7)
    save(fig, "free_riding_dynamics")
    v = d[d["voluntary_contribution_rate"].notna()].assign(period=lambda x: pd.cut(
        x["step"] / 4, [0, 5, 10, 15, 25], right=False, labels=["years 0-5", "5-10", "10-15", "15-25"]))
    rows = []
    for (pkg, period), g in v.groupby(["package", "period"], observed=True, sort=False):
        med, lo, hi = quantiles(g["voluntary_contribution_rate"].to_numpy(dtype=float))
        rows.append({"package": pkg, "period": str(period), "quarters": len(g), "median": med, "p5": lo, "p95": hi})
    t = pd.DataFrame(rows).sort_values(["package", "period"], key=lambda s: s.map(
        {p: i for i, p in enumerate(order + ["years 0-5", "5-10", "10-15", "15-25"])}))
    for _, row in t.iterrows():
        ctx.value(f"free_riding_voluntary:{row['package']}|{row['period']}:rate",
                  f"{row['median']:.2f} [{row['p5']:.2f}–{row['p95']:.2f}]")
        ctx.numbers[f"free_riding_voluntary:{row['package']}|{row['period']}:rate"] = float(row["median"])
    ctx.table("free_riding", "free_riding_voluntary", t, plain_markdown(
        t.assign(rate=[f"{a:.2f} [{b:.2f}–{c:.2f}]" for a, b, c in zip(t["median"], t["p5"], t["p95"])]),
        {"package": "package", "period": "period", "quarters": "run-quarters",
         "rate": "voluntary payment rate, median [90% interval]"}), src + " (time series)")


LEVERS = ["support only", "dubbel toetsen", "compensation", "phasing", "dubbel + compensation", "dubbel + phasing",
          "compensation + phasing", "all three"]


def _lever(row) -> str:
    on = [n for n, b in (("dubbel", row[I + "dubbel_toetsen"]), ("compensation", row[I + "compensation_budget"] > 0),
                         ("phasing", row[I + "phasing_quarters"] > 1)) if b]
    if not on:
        return "support only"
    if len(on) == 3:
        return "all three"
    if len(on) == 1:
        return {"dubbel": "dubbel toetsen"}.get(on[0], on[0])
    return " + ".join(on)


def draagkracht(ctx: Context) -> None:
    from coalitionsim.batch.sweep import load_runs

    r = load_runs(ctx.sweep("draagkracht", "study_draagkracht"), "ok")
    r["lever"] = pd.Categorical(r.apply(_lever, axis=1), LEVERS, ordered=True)
    m = [("willing_unable_share", "willing-unable"), ("dropouts", "drop-outs"), ("trust_mean", "trust"),
         ("objections", "objections"), ("t50_years", "t50"), ("homes_per_year", "homes/yr"),
         ("public_deficit", "deficit M€")]
    src = "results/study_draagkracht"
    interval_table(ctx, "draagkracht", "draagkracht_levers", r.sort_values("lever"), ["lever"], m, src)
    r["residents"] = r["residents.vulnerable_share"].map(lambda s: f"vulnerable {s:.0%}") + \
        r["residents.capacity_mean"].map(lambda c: f", capacity €{c * 1e6:,.0f}")
    shown = ["support only", "dubbel toetsen", "phasing", "compensation", "all three"]
    sub = r[r["lever"].isin(shown)].copy()
    sub = sub.sort_values(["residents.capacity_mean", "residents.vulnerable_share", "lever"])
    interval_table(ctx, "draagkracht", "draagkracht_vulnerability", sub, ["residents", "lever"], m[:3], src)
    # by actor group and form (issue 27): what each form asks of whom, and when, against who can carry it; the
    # design's levers act on residents and owners alike, so the forms are compared over the whole design
    groups = ("developers", "corporations", "owners", "residents")
    by_group = [(f"willing_unable_share_{g}", f"w-u {g}") for g in groups] + \
        [(f"dropouts_{g}", f"drop-outs {g}") for g in groups]
    rf = r.assign(form=pd.Categorical(r["form"], FORMS, ordered=True)).sort_values("form")
    interval_table(ctx, "draagkracht", "draagkracht_groups", rf.assign(form=rf["form"].astype(str)), ["form"],
                   by_group, src)
    fig, axes = plt.subplots(1, 3, figsize=(14, 4))
    vorder = list(dict.fromkeys(sub["residents"]))
    sub = sub.assign(lever=sub["lever"].astype(str))
    for ax, (metric, label) in zip(axes, [("dropouts", "drop-outs (afhakers)"),
                                          ("willing_unable_share", "willing-but-unable share"),
                                          ("trust_mean", "trust (vertrouwen)")]):
        bars(ax, sub, "residents", "lever", metric, vorder, shown)
        ax.set_title(label, fontsize=9)
    axes[0].legend(fontsize=7)
    fig.suptitle("Draagvlak vs draagkracht: levers x residents' vulnerability (median, 90% interval; all forms)",
                 fontsize=10)
    save(fig, "draagkracht_levers")


def rijk(ctx: Context) -> None:
    from coalitionsim.batch.sweep import load_runs

    r = load_runs(ctx.sweep("rijk", "study_rijk"), "ok")
    m = [("public_deficit", "deficit M€"), ("rijk_subsidy", "Rijk M€"), ("t50_years", "t50"),
         ("homes_per_year", "homes/yr"), ("years_to_first_home", "first home"), ("negotiation_rounds", "rounds")]
    r["budget"] = r["rijk.gebiedsbudget"].map(lambda b: f"gebiedsbudget €{b:.0f}m")
    r["timing"] = r["rijk.tranches"].astype(str) + " tranche(s), every " + \
        r["rijk.tranche_interval_quarters"].astype(str) + " q"
    r["freeze"] = r["market.shocks.0.quarter"].map(lambda x: "no freeze" if x > 100 else f"permit freeze from q{x}")
    r["expert"] = r["rijk.expert_capacity"].map(lambda x: f"expert capacity {x:g}")
    r["council"] = np.where(r[I + "renegotiation_floor"], "floor", "no floor") + \
        r["behaviour.ambition_change_probability"].map(lambda p: f", p(change)={p:g}")
    r["form"] = pd.Categorical(r["form"], FORMS, ordered=True)
    for col in ("budget", "timing", "expert", "freeze", "council"):
        sub = r[r["rijk.gebiedsbudget"] > 0] if col == "timing" else r  # timing only matters with a budget
        sub = sub.sort_values(["form", col]).assign(form=lambda x: x["form"].astype(str))
        interval_table(ctx, "rijk", f"rijk_{col}", sub, ["form", col], m,
                       "results/study_rijk" + (" (gebiedsbudget > 0)" if col == "timing" else ""))
    rr = r.assign(form=r["form"].astype(str))
    fig, axes = plt.subplots(1, 3, figsize=(14, 4))
    bars(axes[0], rr, "form", "budget", "public_deficit", FORMS, sorted(rr["budget"].unique()))
    axes[0].set_title("public deficit (M€) by gebiedsbudget", fontsize=9)
    bars(axes[1], rr, "form", "freeze", "t50_years", FORMS, sorted(rr["freeze"].unique()))
    axes[1].set_title("t50 (years) with and without a 2-year permit freeze", fontsize=9)
    bars(axes[2], rr, "form", "council", "negotiation_rounds", FORMS, sorted(rr["council"].unique()))
    axes[2].set_title("negotiation rounds: renegotiation floor x p(new ambitions)", fontsize=9)
    for ax in axes:
        ax.legend(fontsize=6)
    fig.suptitle("The Rijk and the council cycle: median, 90% interval", fontsize=10)
    save(fig, "rijk_levers")


ARCH_GROUPS = ["willingness", "separability"]


def archetypes(ctx: Context) -> None:
    from coalitionsim.advise.archetypes import analyse, plot_map
    from coalitionsim.batch.sweep import load_manifest, sweep

    exp = ROOT / "experiments" / "archetypes.toml"

    def run(out: Path) -> None:
        result = sweep(exp, workers=ctx.workers, out=out, progress=False, command="docs/studies/regenerate.py")
        if not result.complete:
            raise SystemExit(f"{out}: the archetype sweep is incomplete")

    def complete(out: Path) -> bool:
        try:
            return load_manifest(out).get("status") == "complete"
        except Exception:  # noqa: BLE001
            return False

    out = ctx.folder("archetypes", "archetypes", run, complete)
    t = analyse(exp, out)  # the one answer per archetype (runner.tradeoff), as advise --simulate
    plot_map(t, FIG / "archetypes_map.png", "Archetypes: the simulation's trade-off (ahead beyond the run-to-run "
             "spread) vs the beslisboom (area-level form)", dpi=70)
    print(f"[figure] {(FIG / 'archetypes_map.png').relative_to(ROOT)}", flush=True)
    t = t.sort_values(["willingness", "separability", "municipal_share", "ownership.passive_owners"])
    t["t50_tree"] = [r.get(f"t50_years.{r['tree']}", np.nan) for _, r in t.iterrows()]
    t["speed_ahead"] = t["speed_ahead"].replace("", "–")
    keep = ["point", "municipal_share", "ownership.passive_owners", "private_owners", "willingness", "separability",
            "unwilling_share", "tree", "tree_subareas", "pareto", "speed_ahead", "speed_not_behind",
            "tree_in_pareto", "tree_speed", "t50_tree", "tree_t50_minus_fastest",
            *[f"t50_years.{f}" for f in FORMS], *[f"realisation_share.{f}" for f in FORMS],
            *[f"free_riding_index.{f}" for f in FORMS], *[f"public_deficit.{f}" for f in FORMS]]
    t = t[[k for k in keep if k in t]].copy()
    t["group"] = t["willingness"] + ", " + t["separability"]
    t["municipal land"] = t["municipal_share"].map(lambda s: f"{s:.0%}")
    ctx.table("archetypes", "archetypes", t, plain_markdown(t, {
        "group": "owners, sub-areas", "municipal land": "municipal land", "private_owners": "private owners",
        "tree": "beslisboom (area)", "tree_subareas": "tree per sub-area (not scored)",
        "pareto": "simulation: Pareto set", "speed_ahead": "simulation: ahead on speed",
        "tree_in_pareto": "tree in Pareto set", "tree_speed": "tree on speed", "t50_tree": "t50 tree's form"}),
        "results/archetypes")
    n = len(t)
    ctx.value("archetypes:n", n)
    ctx.value("archetypes:tree_in_pareto", int(t["tree_in_pareto"].sum()))
    for speed in ("ahead", "level", "behind"):
        ctx.value(f"archetypes:tree_speed:{speed}", int((t["tree_speed"] == speed).sum()))
    fs = t["tree"] == "framework_subareas"
    ctx.value("archetypes:tree_fs", int(fs.sum()))
    ctx.value("archetypes:tree_fs_in_pareto", int((fs & t["tree_in_pareto"]).sum()))
    # the two answers by dimension
    rows = []
    for dim, label in (("group", "owners, sub-areas"), ("municipal land", "municipal land"),
                       ("ownership.passive_owners", "passive owners"), ("tree", "beslisboom's form")):
        for level, g in t.groupby(dim, sort=False):
            rows.append({"dimension": label, "level": str(level), "archetypes": len(g),
                         "tree in Pareto set": int(g["tree_in_pareto"].sum()),
                         "tree ahead on speed": int((g["tree_speed"] == "ahead").sum()),
                         "tree behind on speed": int((g["tree_speed"] == "behind").sum())})
    a = pd.DataFrame(rows)
    ctx.table("archetypes", "archetypes_agreement", a, plain_markdown(a, {c: c for c in a.columns}),
              "results/archetypes")
    # where a form is faster than the tree's beyond the spread, by group
    d = t[t["tree_speed"] == "behind"]
    p = (d.groupby(["group", "tree", "pareto"]).agg(archetypes=("point", "size"),
                                                    years_slower=("tree_t50_minus_fastest", "median"))
         .reset_index().sort_values(["group", "archetypes"], ascending=[True, False]))
    ctx.table("archetypes", "archetypes_disagreements", p, plain_markdown(p, {
        "group": "owners, sub-areas", "tree": "beslisboom (area)", "pareto": "simulation: Pareto set",
        "archetypes": "archetypes", "years_slower": "tree's form slower than the fastest median by (years)"}),
        "results/archetypes")
    kind = d["tree"].map(lambda f: "framework" if f.startswith("framework") else f)
    for will in ("willing", "unwilling", "all"):
        sel = d if will == "all" else d[d["willingness"] == will]
        k = kind.loc[sel.index]
        for tree_kind in ("framework", "tender", "sok"):
            g = sel[k == tree_kind]
            ctx.value(f"archetypes:behind:{will}:{tree_kind}:n", len(g))
            ctx.value(f"archetypes:behind:{will}:{tree_kind}:years",
                      f"{g['tree_t50_minus_fastest'].median():.1f}" if len(g) else "–")
    for f in FORMS:  # median over the archetypes of a form's median t50, by willingness
        for will, g in t.groupby("willingness"):
            ctx.value(f"archetypes:t50:{f}:{will}", f"{g[f't50_years.{f}'].median():.1f}")
    for f in FORMS:
        ctx.value(f"archetypes:pareto:{f}", int(t["pareto"].str.split(",").map(lambda p: f in p).sum()))
        ctx.value(f"archetypes:speed_ahead:{f}", int((t["speed_ahead"] == f).sum()))
        ctx.value(f"archetypes:tree:{f}", int((t["tree"] == f).sum()))
    ctx.value("archetypes:speed_ahead:none", int((t["speed_ahead"] == "–").sum()))
    for g, sub in t.groupby("group"):
        ctx.value(f"archetypes:{g}:n", len(sub))
        ctx.value(f"archetypes:{g}:tree_in_pareto", int(sub["tree_in_pareto"].sum()))


def readme(ctx: Context) -> None:
    """The README's compare excerpt (docs/readme_excerpt.py): it carries numbers, so it is stamped too."""
    sys.path.insert(0, str(ROOT / "docs"))
    import readme_excerpt

    start = time.perf_counter()
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]))
    readme_excerpt.main(env=env)
    ctx.readme_seconds = time.perf_counter() - start


def robust(ctx: Context) -> None:
    """docs/robust.md: every bundled scenario across its assumptions' ranges (coalitionsim robust), with the
    beslisboom's form (advise) and how often it is in the Pareto set and behind no form on speed."""
    from coalitionsim.advise.beslisboom import advise
    from coalitionsim.batch.robust import load_answer, robust as run_robust
    from coalitionsim.scenario import bundled_scenarios

    worlds = getattr(ctx, "robust_worlds", ROBUST_WORLDS)
    rows = []
    for name in sorted(bundled_scenarios()):
        def run(out: Path, name=name) -> None:
            run_robust(name, worlds=worlds, seeds=ROBUST_SEEDS, workers=ctx.workers, out=out, progress=False,
                       command=f"docs/studies/regenerate.py (robust {name})")

        out = ctx.folder("robust", f"robust-{name}", run, lambda out: (out / "robust.json").is_file())
        a = load_answer(out)
        ft = pd.DataFrame(a["forms_table"])
        drivers = pd.DataFrame(a["drivers"])
        speed = ft[ft["criterion"] == "t50_years"].set_index("form")
        tree = advise(name).forms[0]
        best = speed["not_behind"].idxmax() if len(speed) else ""
        top = (drivers.sort_values("strength", ascending=False).drop_duplicates("assumption").head(3)
               if len(drivers) else drivers)
        rows.append({
            "scenario": name, "worlds": a["worlds"],
            "pareto": ", ".join(f"{f} {v:.0%}" for f, v in sorted(a["pareto_share"].items(), key=lambda kv: -kv[1])),
            "speed_not_behind": f"{best} {speed.loc[best, 'not_behind']:.0%}" if best else "",
            "speed_regret_p90": ", ".join(f"{f} {r:.1f}" for f, r in speed["regret_p90"].items()),
            "tree": tree, "tree_pareto": f"{a['pareto_share'].get(tree, float('nan')):.0%}",
            "tree_speed_not_behind": f"{speed['not_behind'].get(tree, float('nan')):.0%}",
            "deciding": "; ".join(f"{r.assumption} ({r.criterion}, {r.coefficient:+.2f})" for r in top.itertuples()),
        })
    frame = pd.DataFrame(rows)
    columns = {"scenario": "scenario", "worlds": "worlds", "pareto": "in the Pareto set (share of worlds)",
               "speed_not_behind": "most often behind no form on speed", "speed_regret_p90":
               "regret on t50, 90th percentile (years)", "tree": "beslisboom's form", "tree_pareto":
               "tree's form in the Pareto set", "tree_speed_not_behind": "tree's form behind no form on speed",
               "deciding": "the assumptions that decide most (criterion, rank coefficient)"}
    ctx.table("robust", "robust_answers", frame, plain_markdown(frame, columns), "results/robust-<scenario>")
    ctx.value("robust:worlds", worlds)
    ctx.value("robust:seeds", ROBUST_SEEDS)


STUDIES: dict[str, Callable[[Context], None]] = {
    "forms": forms, "free_riding": free_riding, "draagkracht": draagkracht, "rijk": rijk, "cases": cases,
    "archetypes": archetypes, "readme": readme, "robust": robust,
}


# =========================================================================== rendering (steps 3 and 4)

TABLE = re.compile(r"(<!-- table: ([\w:|.-]+) -->\n).*?(<!-- /table -->)", re.S)
VALUE = re.compile(r"(<!-- value: ([^>]+?) -->).*?(<!-- /value -->)", re.S)
STAMP = re.compile(r"(<!-- stamp -->).*?(<!-- /stamp -->)", re.S)
CHECK = re.compile(r"<!-- check: (.+?) (<=|>=|<|>|==) (.+?) -->")
OPS = {"<": lambda a, b: a < b, ">": lambda a, b: a > b, "<=": lambda a, b: a <= b, ">=": lambda a, b: a >= b,
       "==": lambda a, b: a == b}


def check_claims(text: str, ctx: Context, page: str) -> list[str]:
    """The page's ``<!-- check: A OP B -->`` claims (A, B: a value name, whose median is compared, or a
    number; ``A + 1.0``-style offsets are allowed), evaluated on today's tables. A claim that no longer
    holds means the prose next to it describes a direction the model no longer produces: it is reported,
    and with ``--strict`` the script fails."""
    failed = []

    def number(term: str) -> float:
        term = term.strip()
        m = re.fullmatch(r"(.+?)\s*([+-])\s*([0-9.]+)", term)
        if m and not re.fullmatch(r"-?[0-9.]+", term):
            base = number(m.group(1))
            return base + float(m.group(3)) if m.group(2) == "+" else base - float(m.group(3))
        if re.fullmatch(r"-?[0-9.]+", term):
            return float(term)
        if term not in ctx.numbers:
            raise SystemExit(f"{PAGES[page]}: <!-- check: --> names {term!r}, which is not a number this script writes")
        return ctx.numbers[term]

    for m in CHECK.finditer(text):
        left, op, right = m.group(1), m.group(2), m.group(3)
        a, b = number(left), number(right)
        if not OPS[op](a, b):
            failed.append(f"{PAGES[page].relative_to(ROOT)}: {left} {op} {right} no longer holds ({a:g} vs {b:g})")
    return failed


def duration(seconds: float) -> str:
    m, s = divmod(int(round(seconds)), 60)
    return f"{m} min {s:02d} s" if m else f"{s} s"


def render(text: str, ctx: Context, page: str, seconds: float) -> str:
    def table(m: re.Match) -> str:
        name = m.group(2)
        if name not in ctx.tables:
            raise SystemExit(f"{PAGES[page]}: <!-- table: {name} --> is not a table this script writes")
        return m.group(1) + ctx.tables[name] + "\n" + m.group(3)

    def value(m: re.Match) -> str:
        name = m.group(2).strip()
        if name not in ctx.values:
            raise SystemExit(f"{PAGES[page]}: <!-- value: {name} --> is not a value this script writes")
        return m.group(1) + ctx.values[name] + m.group(3)

    stamp = (f"Model fingerprint: `{ctx.fingerprint}` · written by `python docs/studies/regenerate.py` on "
             f"{datetime.now(timezone.utc):%Y-%m-%d}; its runs took {duration(seconds)} on this machine "
             f"({ctx.workers} workers, {os.cpu_count()} cores)")
    if not STAMP.search(text):
        raise SystemExit(f"{PAGES[page]}: no <!-- stamp --> … <!-- /stamp --> marker")
    ctx.failed_checks += check_claims(text, ctx, page)
    text = TABLE.sub(table, text)
    text = VALUE.sub(value, text)
    return STAMP.sub(lambda m: m.group(1) + stamp + m.group(2), text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", action="append", choices=list(STUDIES), help="only this page (repeatable)")
    parser.add_argument("--reuse", action="store_true",
                        help="reuse complete result folders made by the same model (same fingerprint)")
    parser.add_argument("--workers", type=int, default=2, help="processes for the runs (default 2)")
    parser.add_argument("--strict", action="store_true",
                        help="exit 1 when a page's <!-- check: --> claim no longer holds (its prose needs rewriting)")
    parser.add_argument("--robust-worlds", type=int, default=ROBUST_WORLDS,
                        help=f"worlds per scenario on docs/robust.md (default {ROBUST_WORLDS}; small for a check)")
    parser.add_argument("--results", type=Path, default=ROOT / "results", help="where the runs go (default results/)")
    args = parser.parse_args(argv)
    if args.workers < 1:
        print("error: --workers: must be 1 or more", file=sys.stderr)
        return 2
    from coalitionsim.runner.fingerprint import model_fingerprint

    start = time.perf_counter()
    fingerprint = model_fingerprint()
    print(f"model fingerprint {fingerprint}", flush=True)
    ctx = Context(args.results, args.workers, args.reuse, fingerprint)
    ctx.robust_worlds = args.robust_worlds
    pages = args.only or list(STUDIES)
    manifest_path = DATA / "manifest.json"
    old = json.loads(manifest_path.read_text()) if manifest_path.is_file() else {}
    for page in pages:
        print(f"==================== {page}", flush=True)
        STUDIES[page](ctx)
        seconds = getattr(ctx, "readme_seconds", 0.0) if page == "readme" else ctx.seconds(page)
        path = PAGES[page]
        path.write_text(render(path.read_text(encoding="utf-8"), ctx, page, seconds), encoding="utf-8")
        print(f"[page] {path.relative_to(ROOT)} (its runs: {duration(seconds)})", flush=True)
    DATA.mkdir(parents=True, exist_ok=True)
    manifest_path.write_text(json.dumps({**old, **ctx.manifest}, indent=1, sort_keys=True) + "\n")
    size = sum(p.stat().st_size for p in DATA.glob("*"))
    print(f"tables: {DATA.relative_to(ROOT)} ({size // 1024} KB); total {duration(time.perf_counter() - start)}")
    for line in ctx.failed_checks:
        print(f"[check failed] {line}: reread and rewrite that finding", flush=True)
    if not ctx.failed_checks:
        print("all <!-- check: --> claims in the pages hold")
    return 1 if ctx.failed_checks and args.strict else 0


if __name__ == "__main__":
    sys.exit(main())
