"""Figures and tables of the findings pages in docs/studies/, from the study output folders.

    python docs/studies/make_figures.py [forms|free_riding|draagkracht|rijk ...] [--results results]

Reads results/study_<name>/ (and, for forms, results/compare-<scenario>/ of the case scenarios), writes
docs/studies/figures/<name>_*.png and prints the tables quoted in the findings pages (median [90% interval]).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from coalitionsim.batch.sweep import load_runs, load_timeseries  # noqa: E402
from coalitionsim.reporting.tables import CENSORED, format_table, interval_table  # noqa: E402

HERE = Path(__file__).resolve().parent
FIG = HERE / "figures"
FORMS = ["tender", "sok", "gem", "framework_subareas", "framework_organic"]
I = "instruments."


def q(values: pd.Series, metric: str, horizon: float) -> tuple[float, float, float]:
    v = values.astype(float).to_numpy()
    if metric in CENSORED:
        v = np.where(np.isnan(v), horizon, v)
    v = v[~np.isnan(v)]
    if not len(v):
        return (np.nan,) * 3
    lo, med, hi = np.quantile(v, [0.05, 0.5, 0.95], method="inverted_cdf")
    return med, lo, hi


def bars(ax, frame: pd.DataFrame, group: str, series: str, metric: str, order_g, order_s, horizon=25.0,
         label_s=None):
    width = 0.8 / len(order_s)
    for j, s in enumerate(order_s):
        stats = [q(frame[(frame[group] == g) & (frame[series] == s)][metric], metric, horizon) for g in order_g]
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
    print(f"[figure] {path.relative_to(HERE.parents[1])} ({path.stat().st_size // 1024} KB)")


def table(frame: pd.DataFrame, by: str, metrics: list[tuple[str, str]]) -> None:
    print(format_table(interval_table(frame, metrics, by=by), metrics, by=by))
    print()


# --------------------------------------------------------------------------- studies


def forms(results: Path) -> None:
    r = load_runs(results / "study_forms", "ok")
    share = "ownership.municipal_land_share"
    r["area"] = r[share].map(lambda s: f"municipal land {s:.0%}")
    m = [("t50_years", "t50"), ("t90_years", "t90"), ("homes_per_year", "homes/yr"), ("public_deficit", "deficit M€"),
         ("social_share_realised", "social share"), ("realisation_share", "realised")]
    r["cell"] = r["form"] + " | " + r["area"]
    table(r.sort_values([share, "form"], key=lambda s: s.map(FORMS.index) if s.name == "form" else s), "cell", m)
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.8))
    order = sorted(r["area"].unique())
    for ax, (metric, label) in zip(axes, [("t50_years", "t50: years to half the homes"),
                                          ("homes_per_year", "homes per year"),
                                          ("public_deficit", "public deficit (M€)")]):
        bars(ax, r, "area", "form", metric, order, FORMS)
        ax.set_title(label, fontsize=9)
    axes[0].legend(fontsize=7)
    fig.suptitle("Governance forms across land ownership (reference area): median, 90% interval over 20 seeds", fontsize=10)
    save(fig, "forms_area_types")

    cases = []
    for d in sorted(results.glob("compare-*")):
        if (d / "summary.parquet").is_file():
            s = pd.read_parquet(d / "summary.parquet")
            cases.append(s)
    if cases:
        c = pd.concat(cases, ignore_index=True)
        c["cell"] = c["scenario"] + " | " + c["form"]
        table(c, "cell", m)
        names = sorted(c["scenario"].unique())
        fig, axes = plt.subplots(2, 1, figsize=(13, 7))
        for ax, (metric, label) in zip(axes, [("t50_years", "t50: years to half the homes (a bar at the horizon, 25 or 30 years: not reached)"),
                                              ("public_deficit", "public deficit (M€)")]):
            bars(ax, c, "scenario", "form", metric, names, FORMS,
                 horizon=float(c["param.simulation.horizon_quarters"].max() / 4))
            ax.set_title(label, fontsize=9)
        axes[0].legend(fontsize=7, ncol=5)
        fig.suptitle("The five forms on the bundled case scenarios: median, 90% interval over 20 seeds", fontsize=10)
        save(fig, "forms_cases")


PACKAGES = {
    (False, False, False, False): "1 voluntary fund only",
    (True, False, False, False): "2 kostenverhaal",
    (True, True, False, False): "3 + kettingbeding/erfpacht",
    (True, True, True, False): "4 + BIZ",
    (True, True, True, True): "5 + GIZ (hypothetical)",
    (False, False, False, True): "GIZ alone",
}


def free_riding(results: Path) -> None:
    folder = results / "study_free_riding"
    r = load_runs(folder, "ok")
    keys = zip(r[I + "kostenverhaal"], r[I + "kettingbeding"], r[I + "biz"], r[I + "giz"])
    r["package"] = [PACKAGES.get(tuple(bool(x) for x in k)) for k in keys]
    r = r[r["package"].notna()]
    m = [("free_riding_index", "free-riding index"), ("free_rider_share", "free riders"),
         ("funding_gap_share", "funding gap"), ("t50_years", "t50"), ("homes_per_year", "homes/yr"),
         ("public_deficit", "deficit M€")]
    table(r.sort_values("package"), "package", m)
    r["cell"] = r["form"] + " | " + r["package"]
    table(r.sort_values(["form", "package"]), "cell", m[:3] + m[3:4])
    order = [p for p in PACKAGES.values() if p in set(r["package"])]
    fig, axes = plt.subplots(1, 2, figsize=(13, 4))
    for ax, (metric, label) in zip(axes, [("free_riding_index", "free-riding index (0–1)"),
                                          ("funding_gap_share", "funding gap share of area-task cost")]):
        bars(ax, r, "package", "form", metric, order, FORMS)
        ax.set_title(label, fontsize=9)
    axes[0].legend(fontsize=7)
    fig.suptitle("Instrument packages against free riding: median, 90% interval over 12 seeds", fontsize=10)
    save(fig, "free_riding_packages")

    ts = load_timeseries(folder)
    if not ts.empty:
        d = ts.drop(columns=[c for c in ("form", "point") if c in ts]).merge(r[["run", "package", "form"]], on="run")
        fig, axes = plt.subplots(1, 2, figsize=(13, 4))
        for ax, col, label in [(axes[0], "voluntary_contribution_rate", "voluntary payments ÷ voluntary fair share asked"),
                               (axes[1], "free_riding_index", "free-riding index (cumulative)")]:
            for pkg in order:
                g = d[d["package"] == pkg]
                if col == "voluntary_contribution_rate":
                    g = g.assign(year=g["step"] // 4).groupby("year")[col]
                    x = None
                else:
                    g = g.groupby("step")[col]
                med = g.median()
                lo, hi = g.quantile(0.25), g.quantile(0.75)
                x = med.index if col == "voluntary_contribution_rate" else med.index / 4
                line, = ax.plot(x, med.to_numpy(), label=pkg)
                ax.fill_between(x, lo.to_numpy(), hi.to_numpy(), color=line.get_color(), alpha=0.12)
            ax.set_xlabel("years")
            ax.set_title(label + " (median, 50% band; all forms)", fontsize=9)
            ax.grid(alpha=0.3)
        axes[0].legend(fontsize=7)
        save(fig, "free_riding_dynamics")
        v = d[d["voluntary_contribution_rate"].notna()].assign(period=lambda x: pd.cut(
            x["step"] / 4, [0, 5, 10, 15, 25], right=False, labels=["years 0-5", "5-10", "10-15", "15-25"]))
        print(v.groupby(["package", "period"], observed=True)["voluntary_contribution_rate"]
              .agg(median="median", p5=lambda s: s.quantile(0.05), p95=lambda s: s.quantile(0.95), n="count")
              .round(2).to_string())
        print()


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


def draagkracht(results: Path) -> None:
    r = load_runs(results / "study_draagkracht", "ok")
    r["lever"] = pd.Categorical(r.apply(_lever, axis=1), LEVERS, ordered=True)
    m = [("willing_unable_share", "willing-unable"), ("dropouts", "drop-outs"), ("trust_mean", "trust"),
         ("objections", "objections"), ("t50_years", "t50"), ("homes_per_year", "homes/yr"),
         ("public_deficit", "deficit M€")]
    table(r.sort_values("lever"), "lever", m)
    r["vuln"] = r["residents.vulnerable_share"].map(lambda s: f"vulnerable {s:.0%}") + \
        r["residents.capacity_mean"].map(lambda c: f", capacity €{c * 1e6:,.0f}")
    sub = r[r["lever"].isin(["support only", "dubbel toetsen", "compensation", "phasing", "all three"])].copy()
    sub["cell"] = sub["vuln"] + " | " + sub["lever"].astype(str)
    table(sub.sort_values(["residents.capacity_mean", "residents.vulnerable_share", "lever"]), "cell", m[:3])
    fig, axes = plt.subplots(1, 3, figsize=(14, 4))
    vorder = sorted(r["vuln"].unique(), key=lambda s: (s.split(",")[1], s))
    shown = ["support only", "dubbel toetsen", "phasing", "compensation", "all three"]
    sub = r[r["lever"].isin(shown)].assign(lever=lambda x: x["lever"].astype(str))
    for ax, (metric, label) in zip(axes, [("dropouts", "drop-outs (afhakers)"),
                                          ("willing_unable_share", "willing-but-unable share"),
                                          ("trust_mean", "trust (vertrouwen)")]):
        bars(ax, sub, "vuln", "lever", metric, vorder, shown)
        ax.set_title(label, fontsize=9)
    axes[0].legend(fontsize=7)
    fig.suptitle("Draagvlak vs draagkracht: levers x residents' vulnerability (median, 90% interval; all forms)",
                 fontsize=10)
    save(fig, "draagkracht_levers")


def rijk(results: Path) -> None:
    r = load_runs(results / "study_rijk", "ok")
    m = [("public_deficit", "deficit M€"), ("rijk_subsidy", "Rijk M€"), ("t50_years", "t50"),
         ("homes_per_year", "homes/yr"), ("years_to_first_home", "first home"), ("negotiation_rounds", "rounds")]
    r["budget"] = r["rijk.gebiedsbudget"].map(lambda b: f"gebiedsbudget €{b:.0f}m")
    r["timing"] = r["rijk.tranches"].astype(str) + " tranche(s), every " + \
        r["rijk.tranche_interval_quarters"].astype(str) + " q"
    r["freeze"] = r["market.shocks.0.quarter"].map(lambda x: "no freeze" if x > 100 else f"permit freeze from q{x}")
    r["expert"] = r["rijk.expert_capacity"].map(lambda x: f"expert capacity {x:g}")
    r["council"] = np.where(r[I + "renegotiation_floor"], "floor", "no floor") + \
        r["behaviour.ambition_change_probability"].map(lambda p: f", p(change)={p:g}")
    for col in ("budget", "timing", "expert", "freeze", "council"):
        sub = r[r["rijk.gebiedsbudget"] > 0] if col == "timing" else r  # timing only matters with a budget
        sub = sub.assign(cell=sub["form"] + " | " + sub[col])
        if col == "timing":
            print("(gebiedsbudget > 0 only)")
        table(sub.sort_values(["form", col]), "cell", m)
    fig, axes = plt.subplots(1, 3, figsize=(14, 4))
    bars(axes[0], r, "form", "budget", "public_deficit", FORMS, sorted(r["budget"].unique()))
    axes[0].set_title("public deficit (M€) by gebiedsbudget", fontsize=9)
    bars(axes[1], r, "form", "freeze", "t50_years", FORMS, sorted(r["freeze"].unique()))
    axes[1].set_title("t50 (years) with and without a 2-year permit freeze", fontsize=9)
    bars(axes[2], r, "form", "council", "negotiation_rounds", FORMS, sorted(r["council"].unique()))
    axes[2].set_title("negotiation rounds: renegotiation floor x p(new ambitions)", fontsize=9)
    for ax in axes:
        ax.legend(fontsize=6)
    fig.suptitle("The Rijk and the council cycle: median, 90% interval", fontsize=10)
    save(fig, "rijk_levers")


STUDIES = {"forms": forms, "free_riding": free_riding, "draagkracht": draagkracht, "rijk": rijk}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("studies", nargs="*", choices=[*STUDIES, []][:-1] or None, default=list(STUDIES))
    p.add_argument("--results", type=Path, default=Path("results"))
    args = p.parse_args(argv)
    for name in args.studies or list(STUDIES):
        print(f"==================== {name}")
        STUDIES[name](args.results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
