"""CPU seconds of one reference run per form (issue 29, item 4), and a profile of where they go.

    python benchmarks/run_cpu.py [--seeds 10] [--repeat 3]            # median CPU-s per form, and the mean
    python benchmarks/run_cpu.py --profile [--seeds 3] [--top 40]     # cProfile over all forms, by own time

Runs the reference area at its own horizon (100 quarters), building the model and running it (what a run of
``robust`` or ``sweep`` costs before its tables), timed in CPU seconds (``time.process_time``). Runs are
interleaved (repeat by repeat, seed by seed, form by form) so that a change in the machine's load touches
every form alike. Quote medians and ratios: the machine is shared.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics

from coalitionsim import FORMS, AreaDevelopmentModel, load_scenario
from coalitionsim.runner import replication_seeds

from scaling import cpu_seconds

TARGET = 0.09  # the mean over the forms, CPU-s per reference run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--top", type=int, default=40)
    args = parser.parse_args()
    reference = load_scenario(None)
    seeds = replication_seeds(20261205, args.seeds)
    if args.profile:
        profiler = cProfile.Profile()
        profiler.enable()
        for seed in seeds:
            for form in FORMS:
                AreaDevelopmentModel(reference, form=form, seed=seed).run()
        profiler.disable()
        pstats.Stats(profiler).sort_stats("tottime").print_stats(args.top)
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(args.top)
        return
    times: dict[str, list[float]] = {form: [] for form in FORMS}
    for _ in range(args.repeat):
        for seed in seeds:
            for form in FORMS:
                times[form].append(cpu_seconds(reference, form, seed))
    print(f"reference run, {reference.simulation.horizon_quarters} quarters, CPU-s, median of "
          f"{args.seeds} seeds x {args.repeat} repeats (load before: {os.getloadavg()[0]:.1f})")
    medians = {form: statistics.median(v) for form, v in times.items()}
    for form, m in medians.items():
        print(f"{form:<20}{m:>8.4f}")
    mean = statistics.fmean(medians.values())
    print(f"{'mean over forms':<20}{mean:>8.4f}   (target {TARGET} s: x{mean / TARGET:.2f}; "
          f"load after: {os.getloadavg()[0]:.1f})")


if __name__ == "__main__":
    main()
