"""analyze's main-effect figures: censored times stay visible, yes/no factors are categories."""

from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from coalitionsim.reporting.analyze import factor_tables, main_effect_figure  # noqa: E402

HORIZON_Q = 40  # 10 years
FACTORS = ["instruments.kettingbeding", "behaviour.concession_rate"]


def _runs() -> pd.DataFrame:
    """Two forms; a yes/no factor and a numeric one. Form 'sok' reaches t50 only with the instrument on."""
    rows = []
    for form in ("sok", "framework_organic"):
        for on in (False, True):
            for rate in (0.1, 0.3):
                for rep in range(5):
                    reached = form == "framework_organic" or (on and rep < 4)
                    rows.append({"form": form, "instruments.kettingbeding": on, "behaviour.concession_rate": rate,
                                 "param.simulation.horizon_quarters": HORIZON_Q, "seed": rep,
                                 "t50_years": 6.0 + rep * 0.25 if reached else math.nan,
                                 "realisation_share": 0.5 + 0.1 * on})
    return pd.DataFrame(rows)


def _table() -> pd.DataFrame:
    return factor_tables(_runs(), FACTORS, ["bool", "float"],
                         [("t50_years", "t50"), ("realisation_share", "share")])


def test_yes_no_factor_levels_stay_booleans_and_are_drawn_as_two_categories():
    table = _table()
    levels = table.loc[table["factor"] == "instruments.kettingbeding", "level"]
    assert all(isinstance(v, (bool, np.bool_)) for v in levels)
    fig = main_effect_figure(table, "realisation_share", "share", FACTORS)
    try:
        yes_no, numeric = fig.axes[0], fig.axes[1]
        assert [t.get_text() for t in yes_no.get_xticklabels()] == ["no", "yes"]
        assert list(yes_no.get_xticks()) == [0, 1]
        xs = np.concatenate([line.get_xdata() for line in yes_no.lines])
        assert ((xs > -0.5) & (xs < 1.5)).all()  # dodged around the two categories, no 0–1 axis with 0.2 steps
        assert not any(t.get_text() in ("0.2", "0.4", "0.6", "0.8") for t in yes_no.get_xticklabels())
        assert {round(x, 6) for line in numeric.lines for x in line.get_xdata()} >= {0.1, 0.3}
    finally:
        plt.close(fig)


def test_a_time_not_reached_is_marked_at_the_horizon_with_its_share_instead_of_vanishing():
    table = _table()
    yes_no = table[(table["factor"] == "instruments.kettingbeding") & (table["form"] == "sok")]
    sok_off = yes_no[[v is False or v is np.False_ for v in yes_no["level"]]]
    assert math.isinf(sok_off["t50_years_median"].iloc[0]) and sok_off["t50_years_reached"].iloc[0] == 0.0
    fig = main_effect_figure(table, "t50_years", "t50", FACTORS)
    try:
        ax = fig.axes[0]
        triangles = [line for line in ax.lines if line.get_marker() == "^"]
        assert triangles, "no marker for the level where t50 was not reached"
        assert all(np.allclose(line.get_ydata(), 10.0) for line in triangles)  # on the horizon
        texts = [t.get_text() for t in ax.texts]
        assert "100% not reached" in texts  # sok without the instrument
        assert "20% not reached" in texts  # sok with it: 4 of 5 runs reached t50
        # every level of every form is drawn: 2 forms x 2 levels
        points = sum(len(line.get_xdata()) for line in ax.lines if line.get_marker() in ("o", "^"))
        assert points == 4
        assert any(h.get_label().startswith("not reached") for h in fig.legends[0].legend_handles)
    finally:
        plt.close(fig)
