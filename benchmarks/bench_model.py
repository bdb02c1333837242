"""Benchmarks for the core model: one reference run, the default compare, and scaling with area size.

Run: ``python benchmarks/bench_model.py [--repeat 5] [--skip-compare]``. Prints medians (these machines are
noisy; compare medians and ratios, not single timings). Targets on a 2-core machine: one reference run
under 1 s; the default compare (5 forms x 20 replications) under 60 s; run time growing no faster than
linearly with the number of plots and households.
"""

from __future__ import annotations

import argparse
import statistics
import time

from coalitionsim import AreaDevelopmentModel, load_scenario
from coalitionsim.runner import compare


def timed(fn, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def scaled(factor: int):
    """The reference area with ``factor`` times the plots per sub-area and the resident groups."""
    return load_scenario(None, [
        f"subareas.0.plots={12 * factor}", f"subareas.1.plots={12 * factor}", f"subareas.2.plots={12 * factor}",
        f"residents.groups={40 * factor}",
    ])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--skip-compare", action="store_true")
    args = parser.parse_args()

    reference = load_scenario()
    t = timed(lambda: AreaDevelopmentModel(reference, form="sok", seed=1).run(), args.repeat)
    print(f"one reference run (sok, 100 quarters): median {statistics.median(t):.3f} s over {args.repeat}")

    base = None
    print("scaling (plots and household groups x factor), framework_subareas:")
    for factor in (1, 2, 4, 8):
        sc = scaled(factor)
        med = statistics.median(timed(lambda: AreaDevelopmentModel(sc, form="framework_subareas", seed=1).run(),
                                      max(2, args.repeat // 2)))
        base = base or med
        print(f"  x{factor}: {sum(s.plots for s in sc.subareas)} plots, {sc.residents.groups} groups: "
              f"median {med:.3f} s, ratio to x1 {med / base:.2f} (linear would be {factor})")

    if not args.skip_compare:
        t = timed(lambda: compare(reference, replications=20, workers=2), 3)
        print(f"default compare (5 forms x 20 replications, 2 workers): median {statistics.median(t):.1f} s over 3")


if __name__ == "__main__":
    main()
