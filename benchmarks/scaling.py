"""Scaling benchmark: CPU time per run from 1x to 16x the reference area, per governance form.

    python benchmarks/scaling.py [--factors 1 2 4 8 16] [--seeds 3] [--horizon 60]

The reference area is multiplied as its own mix (``coalitionsim.scenario.scale_area``): every sub-area's
plots, the developers, corporations and passive owners, the resident groups, the absorption, the municipal
staff, talks, tender batch and budget, the Rijk's budget and the tasks' costs all scale with the factor.
Runs are interleaved (seed by seed, factor by factor, form by form) and timed in CPU seconds
(``time.process_time``), so a noisy machine moves the figures less. It prints the median per form and
factor, the exponent b of time ~ factor^b fitted by least squares on the logarithms (1.0 = linear), and
the reference run at its own horizon next to the figures measured before the work of issue 17.
"""

from __future__ import annotations

import argparse
import math
import statistics
import time

from coalitionsim import FORMS, AreaDevelopmentModel, load_scenario
from coalitionsim.runner import replication_seeds
from coalitionsim.scenario import scale_area


def scaled(factor: int, horizon: int):
    """The reference area ``factor`` times over, in proportion, at the given horizon."""
    return scale_area(load_scenario(None, [f"simulation.horizon_quarters={horizon}"]), factor)


def exponent(factors: list[int], seconds: list[float]) -> float:
    xs = [math.log(f) for f in factors]
    ys = [math.log(s) for s in seconds]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)


def cpu_seconds(scenario, form: str, seed: int) -> float:
    t0 = time.process_time()
    AreaDevelopmentModel(scenario, form=form, seed=seed).run()
    return time.process_time() - t0


def measure(factors: list[int], seeds: int, horizon: int, forms=FORMS) -> dict[str, dict[int, float]]:
    scenarios = {f: scaled(f, horizon) for f in factors}
    seed_list = replication_seeds(20261201, seeds)
    times: dict[str, dict[int, list[float]]] = {form: {f: [] for f in factors} for form in forms}
    for seed in seed_list:  # interleaved: every seed visits every factor and form
        for f in factors:
            for form in forms:
                times[form][f].append(cpu_seconds(scenarios[f], form, seed))
    return {form: {f: statistics.median(v) for f, v in by.items()} for form, by in times.items()}


# CPU seconds of one reference run (100 quarters) measured before issue 17 (model v1, 2 cores)
BEFORE = {"tender": 0.09, "sok": 0.09, "gem": 0.21, "framework_subareas": 0.09, "framework_organic": 0.09}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--factors", type=int, nargs="+", default=[1, 2, 4, 8, 16])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--horizon", type=int, default=60)
    args = parser.parse_args()
    medians = measure(args.factors, args.seeds, args.horizon)
    head = "form                " + "".join(f"{f:>9}x" for f in args.factors) + "   exponent"
    print(f"CPU seconds per run, median of {args.seeds} seeds, horizon {args.horizon} quarters")
    print(head)
    print("-" * len(head))
    for form, by in medians.items():
        cells = "".join(f"{by[f]:>10.3f}" for f in args.factors)
        print(f"{form:<20}{cells}   {exponent(args.factors, [by[f] for f in args.factors]):.2f}")
    reference = measure([1], args.seeds, load_scenario(None).simulation.horizon_quarters)
    print(f"\nreference run at its horizon ({load_scenario(None).simulation.horizon_quarters} quarters), "
          f"CPU median of {args.seeds} seeds, against the figures before issue 17:")
    for form, by in reference.items():
        print(f"{form:<20}{by[1]:>10.3f} s   x{by[1] / BEFORE[form]:.2f} of {BEFORE[form]:.2f} s")


if __name__ == "__main__":
    main()
