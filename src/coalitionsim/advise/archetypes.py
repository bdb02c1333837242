"""Area archetypes: which governance form realises fastest (and which leaves least free riding) per
archetype, side by side with the beslisboom's choice for the same archetype.

Input is a grid sweep (``coalitionsim sweep``, e.g. ``experiments/archetypes.toml``) over public land share ×
number of owners × owner willingness × sub-area separability. For every design point the scenario is rebuilt
from the experiment (base scenario + the point's overrides), described by what the beslisboom looks at
(municipal share, private owners with land, unwilling share, separability) and advised with
:func:`coalitionsim.advise.advise`; the runs of that point give the simulated fastest form, best form and
least-free-riding form with the same rule as ``coalitionsim advise --simulate``
(:func:`coalitionsim.runner.stats.best_forms`).

One command runs the sweep when its results are missing and writes the table and the map::

    python -m coalitionsim.advise.archetypes experiments/archetypes.toml --out results/archetypes

Outputs in ``--out``: ``archetypes.csv`` (one row per archetype) and ``figures/archetypes_map.png``.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path
from typing import Any, Iterable

import numpy as np
import pandas as pd

from ..scenario import FORMS

SHORT = {"tender": "T", "sok": "SOK", "gem": "GEM", "framework_subareas": "FS", "framework_organic": "FO"}
COLOURS = {"tender": "#4c72b0", "sok": "#55a868", "gem": "#8172b2", "framework_subareas": "#dd8452",
           "framework_organic": "#c44e52"}
METRICS = ("t50_years", "realisation_share", "free_riding_index")
EXTRA = ("public_deficit", "years_to_agreement")  # reported when the sweep kept them


# ============================================================================ describing a design point


def describe_scenario(sc) -> dict[str, Any]:
    """The archetype coordinates of a scenario, in the beslisboom's terms."""
    from .beslisboom import advise, owner_facts

    facts = owner_facts(sc)
    advice = advise(sc)
    sep = [s.separable for s in sc.subareas]
    holdouts = sum(d.strategy == "holdout" for d in sc.ownership.developers)
    return {
        "municipal_share": round(sc.ownership.municipal_land_share, 3),
        "private_owners": facts.n_owners,
        "willingness": "unwilling" if holdouts > len(sc.ownership.developers) / 2 else "willing",
        "separability": "separable" if all(sep) and len(sep) > 1 else ("not separable" if not any(sep) or len(sep) == 1
                                                                       else "partly separable"),
        "unwilling_share": round(advice.facts["unwilling_share"], 3),
        "development_oriented_share": round(advice.facts["development_oriented_share"], 3),
        "tree": advice.form,
        "tree_subareas": ",".join(f"{k}:{SHORT[v]}" for k, v in advice.subarea_forms.items()),
    }


def describe_points(experiment) -> pd.DataFrame:
    """One row per design point of a loaded :class:`coalitionsim.experiment.Experiment`."""
    from ..scenario import apply_overrides, scenario_from_dict

    rows = []
    for p in range(experiment.n_points):
        sc = scenario_from_dict(apply_overrides(experiment.base, experiment.overrides(p), experiment.scenario_label))
        scalars = {k: v for k, v in experiment.point_values(p).items() if not isinstance(v, (list, dict, np.ndarray))}
        rows.append({"point": p, **describe_scenario(sc), **scalars})
    return pd.DataFrame(rows)


# ============================================================================ the simulated choice per point


def _median(values: Iterable[float], censored: bool) -> float:
    v = np.asarray(list(values), dtype=float)
    if censored:
        v = np.where(np.isnan(v), np.inf, v)
    v = v[~np.isnan(v)]
    return float(np.quantile(v, 0.5, method="inverted_cdf")) if len(v) else float("nan")


def point_choices(runs: pd.DataFrame, tie_years: float = 1.0) -> pd.DataFrame:
    """Per design point: medians per form and the simulated fastest, best and least-free-riding forms.

    ``runs`` needs columns point, form, t50_years, realisation_share, free_riding_index (one row per run;
    a missing t50 means not reached within the horizon). Fastest/best follow
    :func:`coalitionsim.runner.stats.best_forms`; least free riding is the lowest median free-riding index (ties
    within 0.01 go to the faster form).
    """
    from ..runner.stats import best_forms, lead_form

    out = []
    for point, frame in runs.groupby("point", sort=True):
        rows = []
        for form, f in frame.groupby("form", sort=False):
            rows.append({"form": form,
                         "t50_years_median": _median(f["t50_years"], True),
                         "realisation_share_median": _median(f["realisation_share"], False),
                         "free_riding_index_median": _median(f["free_riding_index"], False),
                         **{f"{m}_median": _median(f[m], m == "years_to_agreement") for m in EXTRA if m in f}})
        table = pd.DataFrame(rows)
        table["form"] = pd.Categorical(table["form"], categories=list(FORMS), ordered=True)
        table = table.sort_values("form").reset_index(drop=True)
        table["form"] = table["form"].astype(str)
        fastest, best = best_forms(table, tie_years)
        t = table.set_index("form")
        lead = lead_form(table, fastest)
        fri = t["free_riding_index_median"].round(2)
        least = min(t.index, key=lambda x: (fri[x], t.loc[x, "t50_years_median"], FORMS.index(x)))
        row: dict[str, Any] = {"point": point, "fastest": lead, "fastest_tied": ",".join(fastest), "best": best,
                               "least_free_riding": least, "runs": len(frame)}
        for form in t.index:
            for m in METRICS + EXTRA:
                if f"{m}_median" in t:
                    row[f"{m}.{form}"] = t.loc[form, f"{m}_median"]
        out.append(row)
    return pd.DataFrame(out)


def compare_with_tree(choices: pd.DataFrame, described: pd.DataFrame) -> pd.DataFrame:
    """Join the simulated choices with the archetype description and the tree's form; add agreement flags."""
    df = described.merge(choices, on="point", how="inner")
    df["tree_among_fastest"] = [tree in tied.split(",") for tree, tied in zip(df["tree"], df["fastest_tied"])]
    df["tree_is_best"] = df["tree"] == df["best"]
    df["tree_is_least_free_riding"] = df["tree"] == df["least_free_riding"]
    df["tree_t50_minus_fastest"] = [
        (r[f"t50_years.{r['tree']}"] - r[f"t50_years.{r['fastest']}"]) if f"t50_years.{r['tree']}" in r else np.nan
        for _, r in df.iterrows()
    ]
    return df


# ============================================================================ the map


def plot_map(table: pd.DataFrame, path: str | Path, title: str = "", y: str | None = None,
             y_label: str | None = None, dpi: int = 130) -> Path:
    """Small multiples: rows = willingness × separability, columns = simulation fastest / least free
    riding / beslisboom; in each panel municipal land share (x) × number of owners (y), coloured by form.

    ``y`` is the column for the owners axis: by default the ``ownership.passive_owners`` factor when the
    table has it (the private owner count itself shifts with the public land share), else ``private_owners``.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if y is None:
        y = "ownership.passive_owners" if "ownership.passive_owners" in table else "private_owners"
    if y_label is None:
        y_label = "passive owners" if y == "ownership.passive_owners" else "private owners"
    xs = sorted(table["municipal_share"].unique())
    ys = sorted(table[y].unique())
    groups = sorted({(w, s) for w, s in zip(table["willingness"], table["separability"])},
                    key=lambda g: (g[0] != "willing", g[1] != "separable"))
    columns = [("fastest", "simulation: fastest (median t50)"),
               ("least_free_riding", "simulation: least free riding"),
               ("tree", "beslisboom (decision tree)")]
    fig, axes = plt.subplots(len(groups), 3, figsize=(11, 2.6 * len(groups) + 1.2), squeeze=False)
    for i, (will, sep) in enumerate(groups):
        sub = table[(table["willingness"] == will) & (table["separability"] == sep)]
        for j, (col, label) in enumerate(columns):
            ax = axes[i][j]
            for _, r in sub.iterrows():
                x, yy = xs.index(r["municipal_share"]), ys.index(r[y])
                form = r[col]
                ax.add_patch(plt.Rectangle((x - 0.5, yy - 0.5), 1, 1, color=COLOURS.get(form, "#999999"), alpha=0.85))
                text = SHORT.get(form, form)
                if col == "fastest":
                    t50 = r.get(f"t50_years.{form}", np.nan)
                    text += f"\n{t50:.1f} y" if math.isfinite(t50) else "\n>horizon"
                    tied = [SHORT.get(f, f) for f in str(r.get("fastest_tied", "")).split(",") if f and f != form]
                    if tied:
                        text += f"\n(= {'/'.join(tied)})"
                elif col == "least_free_riding":
                    text += f"\n{r.get(f'free_riding_index.{form}', np.nan):.2f}"
                elif col == "tree":
                    agree = "✓" if r["tree_among_fastest"] else "✗"
                    text += f"\n{agree} speed"
                ax.text(x, yy, text, ha="center", va="center", fontsize=8, color="white", fontweight="bold")
            ax.set_xlim(-0.5, len(xs) - 0.5)
            ax.set_ylim(-0.5, len(ys) - 0.5)
            ax.set_xticks(range(len(xs)), [f"{x:.0%}" for x in xs])
            ax.set_yticks(range(len(ys)), [str(y) for y in ys])
            if i == 0:
                ax.set_title(label, fontsize=10)
            if i == len(groups) - 1:
                ax.set_xlabel("municipal land share")
            if j == 0:
                ax.set_ylabel(f"{will}, {sep}\n{y_label}")
    handles = [Patch(color=COLOURS[f], label=f"{SHORT[f]} = {f}") for f in FORMS]
    fig.legend(handles=handles, loc="lower center", ncol=5, fontsize=8, frameon=False)
    fig.suptitle(title or "Area archetypes: simulated fastest and least-free-riding form vs the beslisboom", fontsize=11)
    fig.tight_layout(rect=(0, 0.04, 1, 0.97))
    fig.savefig(path, dpi=dpi)
    plt.close(fig)
    return path


# ============================================================================ a written summary


def agreement_summary(table: pd.DataFrame) -> str:
    """Counts of agreement, overall and by archetype dimension, as plain text."""
    n = len(table)
    lines = [
        f"{n} archetypes; the tree's form is among the fastest in {int(table['tree_among_fastest'].sum())}, "
        f"the simulation's best (speed, then free riding) in {int(table['tree_is_best'].sum())}, "
        f"the least-free-riding form in {int(table['tree_is_least_free_riding'].sum())}.",
        "tree's form → simulated fastest form (count):",
    ]
    pairs = table.groupby(["tree", "fastest"]).size().sort_values(ascending=False)
    lines += [f"  {t:<19} → {f:<19} {c}" for (t, f), c in pairs.items()]
    for dim in ("municipal_share", "private_owners", "willingness", "separability"):
        g = table.groupby(dim)["tree_among_fastest"].agg(["sum", "count"])
        lines.append(f"tree among the fastest by {dim}: "
                     + ", ".join(f"{k}: {int(r['sum'])}/{int(r['count'])}" for k, r in g.iterrows()))
    fastest_counts = table["fastest"].value_counts()
    lines.append("simulated fastest form overall: " + ", ".join(f"{k} {v}" for k, v in fastest_counts.items()))
    lines.append("least free riding overall: " + ", ".join(
        f"{k} {v}" for k, v in table["least_free_riding"].value_counts().items()))
    return "\n".join(lines)


# ============================================================================ command line


def analyse(experiment_path: str | Path, out: str | Path, tie_years: float = 1.0) -> pd.DataFrame:
    """Read a finished sweep in ``out`` and write ``archetypes.csv`` and ``figures/archetypes_map.png``."""
    from ..batch.experiment import load_experiment
    from ..batch.sweep import load_runs

    exp = load_experiment(experiment_path)
    runs = load_runs(out, status="ok")
    if runs.empty:
        raise SystemExit(f"{out}: no finished runs; run the sweep first")
    table = compare_with_tree(point_choices(runs, tie_years), describe_points(exp))
    out = Path(out)
    table.to_csv(out / "archetypes.csv", index=False)
    plot_map(table, out / "figures" / "archetypes_map.png",
             f"{exp.name}: {exp.spec.replications} replications per form and archetype, seed {exp.spec.seed}")
    return table


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m coalitionsim.advise.archetypes", description=__doc__.split("\n\n")[0])
    parser.add_argument("experiment", nargs="?", default="experiments/archetypes.toml")
    parser.add_argument("--out", default=None, help="sweep folder (default results/<experiment name>)")
    parser.add_argument("--workers", type=int, default=None, help="processes for the sweep (default: all cores)")
    parser.add_argument("--tie-years", type=float, default=1.0,
                        help="forms within this many years of the fastest median t50 count as equally fast")
    args = parser.parse_args(argv)
    from ..batch.experiment import ExperimentError, load_experiment
    from ..batch.sweep import sweep

    try:
        exp = load_experiment(args.experiment)
    except ExperimentError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    out = Path(args.out or Path("results") / exp.name)
    result = sweep(exp, workers=args.workers, out=out, resume=(out / "manifest.json").exists(),
                   command=" ".join(["python -m coalitionsim.advise.archetypes", *(argv if argv is not None else sys.argv[1:])]))
    if not result.complete:
        print(f"error: the sweep in {out} is incomplete ({result.done} of {result.planned} runs)", file=sys.stderr)
        return 1
    table = analyse(args.experiment, out, args.tie_years)
    print(agreement_summary(table))
    print(f"\ntable: {out / 'archetypes.csv'}\nmap:   {out / 'figures' / 'archetypes_map.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
