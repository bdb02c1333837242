"""Benchmarks for the core model: one reference run and the default compare, in wall-clock seconds.

Run: ``python benchmarks/bench_model.py [--repeat 5] [--skip-compare]``. Prints medians (these machines are
noisy; compare medians and ratios, not single timings). Targets on a 2-core machine: one reference run
under 1 s; the default compare (5 forms x 20 replications) under 60 s. How the cost grows with the size of
the area is ``benchmarks/scaling.py``.
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--skip-compare", action="store_true")
    args = parser.parse_args()

    reference = load_scenario()
    t = timed(lambda: AreaDevelopmentModel(reference, form="sok", seed=1).run(), args.repeat)
    print(f"one reference run (sok, 100 quarters): median {statistics.median(t):.3f} s over {args.repeat}")

    if not args.skip_compare:
        t = timed(lambda: compare(reference, replications=20, workers=2), 3)
        print(f"default compare (5 forms x 20 replications, 2 workers): median {statistics.median(t):.1f} s over 3")


if __name__ == "__main__":
    main()
