"""The robust study in the report: its figure and its section (``coalitionsim report`` of a robust folder).

A folder of ``coalitionsim robust`` is a sweep folder with the answer across the worlds in ``robust.json``
(``batch/robust.py``). Its report leaves out the sweep's per-factor analysis (one table per sampled assumption
would bury the answer) and shows: how often each form is ahead, not behind and in the Pareto set, its regret,
and the assumptions that decide the ranking, with one figure of both.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from ..runner.tradeoff import CRITERION  # noqa: E402
from .vocabulary import form_label  # noqa: E402

FIGURE = "robust"
TOP = 8  # assumptions shown in the figure


def robust_figure(answer: dict[str, Any], path: Path) -> Path:
    """Left: per criterion, the share of worlds in which each form is behind no other form beyond the spread.
    Right: the assumptions that move the ranking most (largest rank coefficient over criteria and pairs)."""
    forms_table = pd.DataFrame(answer["forms_table"])
    drivers = pd.DataFrame(answer["drivers"])
    forms = list(answer["forms"])
    criteria = list(dict.fromkeys(forms_table["criterion"])) if len(forms_table) else []
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4.8), gridspec_kw={"width_ratios": [1.3, 1]})
    width = 0.8 / max(len(forms), 1)
    x = np.arange(len(criteria))
    for i, f in enumerate(forms):
        t = forms_table[forms_table["form"] == f].set_index("criterion").reindex(criteria)
        ax1.bar(x + i * width - 0.4 + width / 2, t["not_behind"], width, label=form_label(f))
    ax1.set_xticks(x, [CRITERION[c].short if c in CRITERION else c for c in criteria], rotation=20, ha="right")
    ax1.set_ylim(0, 1.4)  # room for the legend above the bars
    ax1.set_yticks([0, 0.2, 0.4, 0.6, 0.8, 1.0])
    ax1.set_ylabel("share of worlds behind no other form")
    ax1.set_title(f"{answer['worlds']} worlds sampled from the assumptions' ranges", fontsize=10)
    ax1.legend(fontsize=7, loc="upper center", ncol=3)
    if len(drivers):
        top = (drivers.sort_values("strength", ascending=False).drop_duplicates("assumption").head(TOP)
               .iloc[::-1])
        ax2.barh(range(len(top)), top["strength"], color="#2a6f97")
        ax2.set_yticks(range(len(top)), [f"{a}\n({c}, {p})" for a, c, p in
                                         zip(top["assumption"], top["criterion"], top["pair"])], fontsize=7)
        if answer["noise_level"] < 1:
            ax2.axvline(answer["noise_level"], color="#a00", ls="--", lw=1, label="noise level")
            ax2.legend(fontsize=7, loc="lower right")
    ax2.set_xlim(0, 1)
    ax2.set_xlabel(f"|{answer['method']}| rank coefficient with a pair's difference")
    ax2.set_title("what decides the ranking" + ("" if answer["noise_level"] < 1 else
                                                " (too few worlds: all within noise)"), fontsize=10)
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def robust_tables(answer: dict[str, Any]) -> dict[str, pd.DataFrame]:
    """The report's tables: per criterion and form, and the leading assumptions per criterion."""
    forms_table = pd.DataFrame(answer["forms_table"])
    drivers = pd.DataFrame(answer["drivers"])
    top = drivers[drivers["rank"] <= 5] if len(drivers) else drivers
    pareto = pd.DataFrame({"form": list(answer["pareto_share"]),
                           "in the Pareto set (share of worlds)": list(answer["pareto_share"].values())})
    return {"robust_forms": forms_table, "robust_pareto": pareto, "robust_assumptions": top}
