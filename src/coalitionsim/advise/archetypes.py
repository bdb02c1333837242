"""Area archetypes: per archetype the simulation's answer as a trade-off (the Pareto set, and which form is
ahead on speed beyond the run-to-run spread), side by side with the beslisboom's choice for the same archetype.

Input is a grid sweep (``coalitionsim sweep``, e.g. ``experiments/archetypes.toml``) over public land share ×
number of owners × owner willingness × sub-area separability. For every design point the scenario is rebuilt
from the experiment (base scenario + the point's overrides), described by what the beslisboom looks at
(municipal share, private owners with land, unwilling share, separability) and advised with
:func:`coalitionsim.advise.advise`; the runs of that point give the one answer of every surface
(:func:`coalitionsim.runner.tradeoff.tradeoff`, as ``coalitionsim advise --simulate``), and the same two
questions: is the tree's form in the Pareto set, and is it ahead on speed (t50)?

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

from ..runner.tradeoff import AHEAD_RULE, tradeoff
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


def point_choices(runs: pd.DataFrame) -> pd.DataFrame:
    """Per design point: medians per form and the answer of :func:`coalitionsim.runner.tradeoff.tradeoff`.

    ``runs`` needs columns point, form, seed, t50_years, realisation_share, free_riding_index (one row per run;
    a missing t50 means not reached within the horizon, counted as the horizon in the paired differences).
    Columns: ``pareto`` (the Pareto set, comma-separated), ``speed_ahead`` (the form ahead of every other on
    t50 beyond the spread, else empty), ``speed_not_behind`` (the forms no form is faster than beyond the
    spread), ``dominates`` ('a>b' pairs) and the medians per form (``<metric>.<form>``).
    """
    out = []
    for point, frame in runs.groupby("point", sort=True):
        order = [f for f in FORMS if f in set(frame["form"])]
        frame = frame.assign(form=pd.Categorical(frame["form"], categories=order, ordered=True)).sort_values("form")
        frame["form"] = frame["form"].astype(str)
        answer = tradeoff(frame)
        speed = answer.by_metric("t50_years")
        row: dict[str, Any] = {
            "point": point, "pareto": ",".join(answer.pareto),
            "speed_ahead": (speed.leader or "") if speed else "",
            "speed_not_behind": ",".join(f for f in answer.forms if not answer.behind(f, "t50_years")),
            "dominates": ",".join(f"{a}>{b}" for a, bs in answer.dominates.items() for b in bs),
            "common_seeds": answer.seeds, "runs": len(frame)}
        for form, f in frame.groupby("form", sort=False):
            for m in METRICS + EXTRA:
                if m in f:
                    row[f"{m}.{form}"] = _median(f[m], m in ("t50_years", "years_to_agreement"))
        out.append(row)
    return pd.DataFrame(out)


def compare_with_tree(choices: pd.DataFrame, described: pd.DataFrame) -> pd.DataFrame:
    """Join the simulated answer with the archetype description and the tree's form; add the two answers:
    ``tree_in_pareto`` and ``tree_speed`` ('ahead', 'level': no form faster beyond the spread, 'behind')."""
    df = described.merge(choices, on="point", how="inner")
    df["tree_in_pareto"] = [tree in p.split(",") for tree, p in zip(df["tree"], df["pareto"])]
    df["tree_speed"] = ["ahead" if tree == lead else "level" if tree in nb.split(",") else "behind"
                        for tree, lead, nb in zip(df["tree"], df["speed_ahead"], df["speed_not_behind"])]
    # descriptive, not a verdict: how far the tree's median t50 lies behind the lowest median t50
    df["tree_t50_minus_fastest"] = [
        r.get(f"t50_years.{r['tree']}", np.nan)
        - np.nanmin([r[f"t50_years.{f}"] for f in FORMS if f"t50_years.{f}" in r])
        for _, r in df.iterrows()]
    return df


# ============================================================================ the map


def plot_map(table: pd.DataFrame, path: str | Path, title: str = "", y: str | None = None,
             y_label: str | None = None, dpi: int = 130) -> Path:
    """Small multiples: rows = willingness × separability, columns = the form ahead on speed beyond the
    spread / the Pareto set / the beslisboom (with its two answers); in each panel municipal land share (x) ×
    number of owners (y), coloured by form (grey: several forms, or none).

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
    columns = [("speed_ahead", "simulation: ahead on speed (t50)"),
               ("pareto", "simulation: Pareto set"),
               ("tree", "beslisboom (decision tree)")]
    fig, axes = plt.subplots(len(groups), 3, figsize=(11, 2.6 * len(groups) + 1.2), squeeze=False)
    for i, (will, sep) in enumerate(groups):
        sub = table[(table["willingness"] == will) & (table["separability"] == sep)]
        for j, (col, label) in enumerate(columns):
            ax = axes[i][j]
            for _, r in sub.iterrows():
                x, yy = xs.index(r["municipal_share"]), ys.index(r[y])
                forms = [f for f in str(r[col]).split(",") if f and f != "nan"]
                colour = COLOURS.get(forms[0], "#999999") if len(forms) == 1 else "#999999"
                ax.add_patch(plt.Rectangle((x - 0.5, yy - 0.5), 1, 1, color=colour, alpha=0.85))
                text = "/".join(SHORT.get(f, f) for f in forms) or "no single\nform"
                if col == "speed_ahead" and forms:
                    t50 = r.get(f"t50_years.{forms[0]}", np.nan)
                    text += f"\n{t50:.1f} y" if math.isfinite(t50) else "\n>horizon"
                elif col == "tree":
                    text += f"\n{'✓' if r['tree_in_pareto'] else '✗'} Pareto\n{r['tree_speed']} on speed"
                ax.text(x, yy, text, ha="center", va="center", fontsize=7, color="white", fontweight="bold")
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
    fig.suptitle(title or "Area archetypes: the simulation's trade-off (ahead beyond the run-to-run spread) vs the "
                 "beslisboom", fontsize=11)
    fig.tight_layout(rect=(0, 0.04, 1, 0.97))
    fig.savefig(path, dpi=dpi)
    plt.close(fig)
    return path


# ============================================================================ a written summary


def agreement_summary(table: pd.DataFrame) -> str:
    """Counts of the two answers, overall and by archetype dimension, as plain text."""
    n = len(table)
    speed = table["tree_speed"].value_counts()
    lines = [
        f"{n} archetypes; {AHEAD_RULE}",
        f"the tree's form is in the Pareto set in {int(table['tree_in_pareto'].sum())}; on speed (t50) it is ahead "
        f"of every other form in {int(speed.get('ahead', 0))}, level (no form faster) in {int(speed.get('level', 0))}, "
        f"behind in {int(speed.get('behind', 0))}.",
    ]
    for dim in ("municipal_share", "private_owners", "willingness", "separability"):
        g = table.groupby(dim)["tree_in_pareto"].agg(["sum", "count"])
        lines.append(f"tree in the Pareto set by {dim}: "
                     + ", ".join(f"{k}: {int(r['sum'])}/{int(r['count'])}" for k, r in g.iterrows()))
    counts = pd.Series([f for p in table["pareto"] for f in p.split(",") if f]).value_counts()
    lines.append("forms in the Pareto set (archetypes): " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    lead = table.loc[table["speed_ahead"] != "", "speed_ahead"].value_counts()
    lines.append("ahead of every other form on speed: " + (", ".join(f"{k} {v}" for k, v in lead.items()) or "none")
                 + f"; no single form ahead on speed in {int((table['speed_ahead'] == '').sum())}")
    return "\n".join(lines)


# ============================================================================ command line


def analyse(experiment_path: str | Path, out: str | Path) -> pd.DataFrame:
    """Read a finished sweep in ``out`` and write ``archetypes.csv`` and ``figures/archetypes_map.png``."""
    from ..batch.experiment import load_experiment
    from ..batch.sweep import load_runs

    exp = load_experiment(experiment_path)
    runs = load_runs(out, status="ok")
    if runs.empty:
        raise SystemExit(f"{out}: no finished runs; run the sweep first")
    table = compare_with_tree(point_choices(runs), describe_points(exp))
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
    table = analyse(args.experiment, out)
    print(agreement_summary(table))
    print(f"\ntable: {out / 'archetypes.csv'}\nmap:   {out / 'figures' / 'archetypes_map.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
