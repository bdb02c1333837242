"""Benchmark of ``coalitionsim robust``: runs per CPU-second and parallel efficiency.

Run: ``python benchmarks/robust.py [--worlds 100] [--seeds 4] [--workers 2] [--serial-worlds 10]``.

The target of issue 29: 100 worlds × 5 forms × 4 seeds (2,000 runs) on the reference area in at most 3
minutes on two quiet cores. Printed: the wall time of the whole study with ``--workers`` processes (design,
runs, shards, the answer), runs per CPU-second (this process plus its finished workers), the same study's
first ``--serial-worlds`` worlds serially (runs per second), the parallel efficiency (rate with N workers /
(N × serial rate)), the mean CPU-s per run, and the load average before and after (the machines this project
runs on are shared: report the load with the numbers).
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from pathlib import Path

from coalitionsim.batch.robust import robust


def cpu() -> float:
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def timed(worlds: int, seeds: int, workers: int, out: Path) -> tuple[float, float, int]:
    c0, t0 = cpu(), time.perf_counter()
    res = robust(None, worlds=worlds, seeds=seeds, workers=workers, out=out, progress=False, echo=lambda m: None)
    return time.perf_counter() - t0, cpu() - c0, res.experiment.n_runs


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--worlds", type=int, default=100)
    ap.add_argument("--seeds", type=int, default=4)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--serial-worlds", type=int, default=10)
    a = ap.parse_args()
    load0 = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        wall, cpus, runs = timed(a.worlds, a.seeds, a.workers, Path(tmp) / "par")
        swall, scpu, sruns = timed(a.serial_worlds, a.seeds, 1, Path(tmp) / "ser")
    load1 = os.getloadavg()
    par_rate, ser_rate = runs / wall, sruns / swall
    print(f"robust reference: {a.worlds} worlds x 5 forms x {a.seeds} seeds = {runs} runs on {a.workers} workers: "
          f"{wall:.1f} s wall ({wall / 60:.2f} min), {cpus:.1f} CPU-s, {runs / cpus:.2f} runs per CPU-s, "
          f"{cpus / runs:.3f} CPU-s per run")
    print(f"serial: {sruns} runs in {swall:.1f} s ({ser_rate:.2f} runs/s, {sruns / scpu:.2f} runs per CPU-s)")
    print(f"parallel efficiency: {par_rate / (a.workers * ser_rate):.2f} "
          f"({par_rate:.2f} runs/s with {a.workers} workers vs {ser_rate:.2f} serial)")
    print(f"load average (1, 5, 15 min) before {load0[0]:.1f}, {load0[1]:.1f}, {load0[2]:.1f}; "
          f"after {load1[0]:.1f}, {load1[1]:.1f}, {load1[2]:.1f}; {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
