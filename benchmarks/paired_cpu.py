"""CPU of two versions of the code, paired run by run (issue 29, item 4): robust to a shared machine's load.

    python benchmarks/paired_cpu.py --base /tmp/base/src --new src [--runs worlds|reference] [--rounds 3]

Starts one worker process per version (``PYTHONPATH`` = its ``src``); both build the same list of runs (the
first 4 worlds of a robust study of the reference area x seeds 1-2 x the five forms, or the reference x 8
replication seeds x the five forms) and run them one by one in turn, which one goes first alternating from run
to run, each timed in CPU seconds (``time.process_time``). A change in the machine's load then touches both
sides of a pair alike: quote the ratio of the means and the median of the paired ratios (new / base).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time


def jobs(kind: str) -> list:
    # (coalitionsim is imported in the workers only: each imports its own version, the controller none)
    from coalitionsim import FORMS, load_scenario

    if kind == "worlds":
        from coalitionsim.batch.robust import robust_experiment
        from coalitionsim.scenario import apply_overrides, scenario_from_dict

        exp = robust_experiment(None, worlds=4, seeds=2)
        worlds = [scenario_from_dict(apply_overrides(exp.base, exp.overrides(i), exp.scenario_label),
                                     exp.scenario_label) for i in range(4)]
        return [(sc, form, seed) for sc in worlds for seed in (1, 2) for form in FORMS]
    from coalitionsim.runner import replication_seeds

    reference = load_scenario(None)
    return [(reference, form, seed) for seed in replication_seeds(20261205, 8) for form in FORMS]


def worker(kind: str) -> None:
    """Read run numbers from stdin, answer each with its CPU seconds."""
    from coalitionsim import AreaDevelopmentModel

    todo = jobs(kind)
    print(len(todo), flush=True)
    for line in sys.stdin:
        scenario, form, seed = todo[int(line)]
        t0 = time.process_time()
        AreaDevelopmentModel(scenario, form=form, seed=seed).run()
        print(time.process_time() - t0, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", required=True, help="the src folder of the base version")
    parser.add_argument("--new", required=True, help="the src folder of the new version")
    parser.add_argument("--runs", choices=["worlds", "reference"], default="worlds")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.runs)
        return

    def start(src: str) -> tuple[subprocess.Popen, int]:
        env = {**os.environ, "PYTHONPATH": os.path.abspath(src)}
        proc = subprocess.Popen([sys.executable, __file__, "--base", args.base, "--new", args.new, "--runs",
                                 args.runs, "--worker"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                env=env)
        return proc, int(proc.stdout.readline())

    def run(proc: subprocess.Popen, i: int) -> float:
        proc.stdin.write(f"{i}\n")
        proc.stdin.flush()
        return float(proc.stdout.readline())

    (base, n), (new, _) = start(args.base), start(args.new)
    load = os.getloadavg()[0]
    a, b = [], []
    for r in range(args.rounds):
        for i in range(n):
            if (i + r) % 2:
                a.append(run(base, i))
                b.append(run(new, i))
            else:
                b.append(run(new, i))
                a.append(run(base, i))
    for proc in (base, new):
        proc.stdin.close()
        proc.wait()
    ratios = [y / x for x, y in zip(a, b)]
    print(f"{args.runs}: {len(a)} paired runs; CPU-s mean base {statistics.fmean(a):.4f}, new {statistics.fmean(b):.4f}; "
          f"new / base: ratio of the means {statistics.fmean(b) / statistics.fmean(a):.3f}, median of the paired "
          f"ratios {statistics.median(ratios):.3f} (load {load:.1f} -> {os.getloadavg()[0]:.1f})")


if __name__ == "__main__":
    main()
