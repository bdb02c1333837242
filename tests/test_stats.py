"""runner/stats: the one interval statistic, censored times and paired differences over common seeds."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from coalitionsim.runner.stats import MIN_RUNS_FOR_INTERVAL, interval_table, paired, quantiles


def test_below_twenty_runs_the_90_interval_is_the_range():
    rng = np.random.default_rng(1)
    for n in range(2, MIN_RUNS_FOR_INTERVAL):
        x = rng.normal(size=n)
        lo, _med, hi = quantiles(x)
        assert (lo, hi) == (x.min(), x.max())
    x = np.arange(MIN_RUNS_FOR_INTERVAL + 20, dtype=float)
    lo, _med, hi = quantiles(x)
    assert x.min() < lo and hi < x.max()


def _summary(t50_a, t50_b, horizon_quarters=40):
    rows = [{"form": f, "seed": s, "t50_years": v, "param.simulation.horizon_quarters": horizon_quarters}
            for f, values in (("a", t50_a), ("b", t50_b)) for s, v in enumerate(values)]
    return pd.DataFrame(rows)


def test_interval_table_counts_runs_that_reached_a_time_and_tolerates_missing_columns():
    s = _summary([5, 6, math.nan, math.nan], [4, 4, 4, 4])
    t = interval_table(s, [("t50_years", ""), ("public_deficit", "")]).set_index("form")
    assert t.loc["a", "t50_years_reached"] == 0.5 and t.loc["b", "t50_years_reached"] == 1.0
    assert math.isinf(t.loc["a", "t50_years_p95"])
    assert math.isnan(t.loc["a", "public_deficit_median"])  # not in this summary: no value, no error


def test_paired_difference_over_common_seeds():
    # a is faster than b on seeds 0-2, not reached on seed 3 where b is; seed 4 only in a
    s = _summary([5, 6, 7, math.nan, 1], [6, 8, 9, 9])
    p = paired(s, "a", "b", "t50_years")
    assert (p.n, p.a_better, p.ties, p.b_better) == (4, 3, 0, 1)
    # the difference counts a time not reached as the horizon (10 years): -1, -2, -2, +1
    assert (p.p5, p.median, p.p95) == (-2.0, -2.0, 1.0)
    assert not p.clear  # the interval includes zero
    q = paired(s.assign(t50_years=s["t50_years"].fillna(3)), "a", "b", "t50_years")
    assert q.a_better == 4 and q.clear
    assert paired(s, "a", "b", "not_a_column") is None
    higher = paired(s, "a", "b", "t50_years", lower_is_better=False)
    assert higher.a_better == 1 and higher.b_better == 3
