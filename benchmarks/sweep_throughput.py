"""Sweep throughput: ``coalitionsim.batch.sweep`` against Mesa's own ``mesa.batch_run`` on the same jobs.

Run: ``python benchmarks/sweep_throughput.py [--repeat 3] [--replications 16] [--horizon 40]``.

Both drive the same jobs: the five governance forms x ``--replications`` seeds (spawned from one root seed)
on the reference area with a shortened horizon. ``batch_run`` has no seed control in Mesa 3.3, so the
seed is passed as a model parameter (a list, which it crosses with the forms); it forces the 'spawn'
start method, so its worker pool re-imports the model. The sweep writes Parquet shards and a manifest;
``batch_run`` keeps its rows in memory. Printed: runs per second (median over ``--repeat`` repetitions)
serially and with 2 workers, the parallel efficiency (rate with 2 / (2 x serial rate)), runs per
CPU-second (the CPU of this process and of its finished worker processes) and the share of that CPU spent
outside the model runs (process start, imports, pickling, summaries, Parquet, the manifest): one minus
the CPU the same models take when built and run back to back in this process. With ``--memory`` it also
prints the peak RSS of a fresh process doing N and 4N runs with each tool.

The machines this project runs on are shared and noisy: compare medians and ratios, not single timings.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from coalitionsim.model import AreaDevelopmentModel
from coalitionsim.runner import replication_seeds
from coalitionsim.scenario import FORMS, load_scenario

ROOT_SEED = 20261123


class BatchRunModel(AreaDevelopmentModel):
    """AreaDevelopmentModel with the keyword interface ``mesa.batch_run`` needs (form, seed, horizon)."""

    def __init__(self, form: str = "sok", seed: int = 0, horizon: int = 40):
        scenario = load_scenario(None, [f"simulation.horizon_quarters={horizon}"])
        super().__init__(scenario, form=form, seed=seed)
        self.horizon = horizon
        self.running = True

    def step(self) -> None:
        super().step()
        if self.steps >= self.horizon:
            self.running = False
            # batch_run reports the collected row at index ``steps - 1``; this model also collects at
            # set-up (row 0), so without this its rows would be one quarter before the end of the run
            for values in self.datacollector.model_vars.values():
                del values[0]


def experiment_text(replications: int, horizon: int) -> str:
    return f"""
[experiment]
name = "throughput"
forms = {json.dumps(list(FORMS))}
replications = {replications}
seed = {ROOT_SEED}
outputs = ["homes_completed", "realisation_share", "free_riding_index"]
set = ["simulation.horizon_quarters={horizon}"]
"""


def cpu_now() -> float:
    """CPU seconds of this process and of the child processes that have finished."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def model_cpu(replications: int, horizon: int) -> float:
    """CPU seconds of the runs alone: the same models built and run back to back in this process (what
    both tools must do; summaries, tables and files are work outside the runs)."""
    scenario = load_scenario(None, [f"simulation.horizon_quarters={horizon}"])
    t0 = time.process_time()
    for form in FORMS:
        for seed in replication_seeds(ROOT_SEED, replications):
            AreaDevelopmentModel(scenario, form=form, seed=seed).run()
    return time.process_time() - t0


def run_sweep(exp_path: Path, workers: int) -> tuple[float, dict]:
    from coalitionsim.batch.sweep import load_runs, sweep

    out = Path(tempfile.mkdtemp(prefix="bench-sweep-")) / "out"
    try:
        t0 = time.perf_counter()
        res = sweep(exp_path, workers=workers, out=out, progress=False, echo=lambda _m: None)
        seconds = time.perf_counter() - t0
        runs = load_runs(out)
        assert res.complete and (runs["status"] == "ok").all()
        return seconds, {(r.form, int(r.seed)): int(r.homes_completed) for r in runs.itertuples()}
    finally:
        shutil.rmtree(out.parent, ignore_errors=True)


def run_batch(replications: int, horizon: int, workers: int) -> tuple[float, dict]:
    from mesa import batch_run

    params = {"form": list(FORMS), "seed": replication_seeds(ROOT_SEED, replications), "horizon": horizon}
    t0 = time.perf_counter()
    rows = batch_run(BatchRunModel, params, number_processes=workers, iterations=1, max_steps=horizon + 1,
                     display_progress=False)
    seconds = time.perf_counter() - t0
    return seconds, {(r["form"], int(r["seed"])): int(r["homes_completed"]) for r in rows}


MEMORY_CHILD = """
import resource, sys, tempfile
from pathlib import Path
tool, n, horizon = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
sys.path.insert(0, {here!r})
import sweep_throughput as b
if tool == "sweep":
    from coalitionsim.batch.sweep import sweep
    d = Path(tempfile.mkdtemp())
    p = d / "exp.toml"
    p.write_text(b.experiment_text(n // 5, horizon).replace('outputs = ["homes_completed", "realisation_share", "free_riding_index"]', ''))
    sweep(p, workers=1, out=d / "out", progress=False, echo=lambda m: None)
else:
    from mesa import batch_run
    from coalitionsim.runner import replication_seeds
    batch_run(b.BatchRunModel, {{"form": list(b.FORMS), "seed": replication_seeds(1, n // 5), "horizon": horizon}},
              number_processes=1, max_steps=horizon + 1, display_progress=False)
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""


def peak_rss_mb(tool: str, n: int, horizon: int) -> float:
    code = MEMORY_CHILD.format(here=str(Path(__file__).resolve().parent))
    out = subprocess.run([sys.executable, "-c", code, tool, str(n), str(horizon)], capture_output=True, text=True,
                         check=True)
    return float(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--replications", type=int, default=16, help="seeds per form (runs = 5 x this)")
    parser.add_argument("--horizon", type=int, default=40, help="quarters per run")
    parser.add_argument("--memory", action="store_true", help="also measure peak RSS for N and 4N runs")
    args = parser.parse_args()

    n_runs = len(FORMS) * args.replications
    tmp = Path(tempfile.mkdtemp(prefix="bench-exp-"))
    exp_path = tmp / "throughput.toml"
    exp_path.write_text(experiment_text(args.replications, args.horizon))
    print(f"{n_runs} runs (5 forms x {args.replications} seeds, {args.horizon} quarters), "
          f"{args.repeat} repetitions, medians")

    cases = [("coalitionsim sweep", 1), ("coalitionsim sweep", 2), ("mesa.batch_run", 1), ("mesa.batch_run", 2)]
    times: dict[tuple[str, int], list[float]] = {c: [] for c in cases}
    cpu: dict[tuple[str, int], list[float]] = {c: [] for c in cases}
    runs_cpu: list[float] = []
    reference = None
    for rep in range(args.repeat):
        for tool, workers in (cases if rep % 2 == 0 else cases[::-1]):  # alternate the order against drift
            c0 = cpu_now()
            if tool.startswith("coalitionsim"):
                seconds, results = run_sweep(exp_path, workers)
            else:
                seconds, results = run_batch(args.replications, args.horizon, workers)
            cpu[(tool, workers)].append(cpu_now() - c0)
            times[(tool, workers)].append(seconds)
            reference = reference or results
            assert results == reference, f"{tool} x{workers} gave different results"
        runs_cpu.append(model_cpu(args.replications, args.horizon))
    print("all tools and worker counts gave identical results (homes completed per form and seed)")
    inside = statistics.median(runs_cpu)
    print(f"the runs alone (the models built and run back to back in one process): {inside:.2f} CPU s, "
          f"{n_runs / inside:.1f} runs per CPU-second\n")

    print(f"{'tool':20s} {'workers':>7s} {'median s':>9s} {'runs/s':>8s} {'efficiency':>10s} {'runs/CPU-s':>10s} "
          f"{'outside runs':>12s}   (all timings s)")
    for tool in ("coalitionsim sweep", "mesa.batch_run"):
        serial_rate = n_runs / statistics.median(times[(tool, 1)])
        for workers in (1, 2):
            med = statistics.median(times[(tool, workers)])
            cpu_med = statistics.median(cpu[(tool, workers)])
            rate = n_runs / med
            eff = "" if workers == 1 else f"{rate / (workers * serial_rate):.0%}"
            all_t = ", ".join(f"{t:.2f}" for t in times[(tool, workers)])
            print(f"{tool:20s} {workers:7d} {med:9.2f} {rate:8.1f} {eff:>10s} {n_runs / cpu_med:10.1f} "
                  f"{max(0.0, 1 - inside / cpu_med):12.0%}   ({all_t})")
    shutil.rmtree(tmp, ignore_errors=True)

    if args.memory:
        n = 200
        print(f"\npeak RSS of a fresh serial process, {n} and {4 * n} runs of 4 quarters:")
        for tool in ("sweep", "batch_run"):
            small, large = peak_rss_mb(tool, n, 4), peak_rss_mb(tool, 4 * n, 4)
            print(f"  {tool:10s} {small:7.1f} MB -> {large:7.1f} MB  (growth {large - small:+.1f} MB)")


if __name__ == "__main__":
    main()
