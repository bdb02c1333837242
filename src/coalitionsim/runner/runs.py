"""Running the model: one run, or all forms replicated in parallel, with seeds that are recorded.

Seeds come from ``numpy.random.SeedSequence(root).spawn(n)``; replication *i* uses the same seed for every
form (common random numbers), so forms are compared on the same draws. Results are identical whatever the
number of workers, because every run depends on its own seed only. Worker processes end when the process
that started them dies (:func:`process_pool`), also when it is killed.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

import numpy as np
import pandas as pd
from tqdm import tqdm

from ..model import AreaDevelopmentModel, new_seed
from ..model.governance import load_all
from ..model.metrics import projects, run_table, summary, timeseries
from ..scenario import FORMS, Scenario, load_scenario
from .defaults import REPLICATIONS, ROOT_SEED
from .progress import progress_bar

TABLES = ("summary", "timeseries", "projects", "ledger", "events")  # the result tables of runs, by name


@dataclass
class RunResult:
    """Everything one run produces."""

    summary: dict[str, Any]
    timeseries: pd.DataFrame
    projects: pd.DataFrame  # one row per plot, as in CompareResult.projects
    events: pd.DataFrame = field(default_factory=pd.DataFrame)  # the event log (events.parquet)
    ledger: pd.DataFrame = field(default_factory=pd.DataFrame)  # money flows per quarter, payer, payee, kind

    def tables(self) -> dict[str, pd.DataFrame]:
        """The result tables by name (what ``write_outputs`` writes)."""
        return result_tables([self])


@dataclass
class CompareResult:
    """All runs of a comparison, as tables, plus the seeds and the forms that could not be run."""

    scenario: Scenario
    seeds: list[int]
    summary: pd.DataFrame
    timeseries: pd.DataFrame
    projects: pd.DataFrame
    not_applicable: dict[str, str]
    events: pd.DataFrame = field(default_factory=pd.DataFrame)
    ledger: pd.DataFrame = field(default_factory=pd.DataFrame)

    def tables(self) -> dict[str, pd.DataFrame]:
        """The result tables by name (what ``write_outputs`` writes)."""
        return {name: getattr(self, name) for name in TABLES}


def replication_seeds(root_seed: int, n: int) -> list[int]:
    """``n`` independent seeds spawned from one root seed."""
    return [int(s.generate_state(1)[0]) for s in np.random.SeedSequence(root_seed).spawn(n)]


def run_model(scenario: Scenario, form: str, seed: int, progress: bool = False,
              tables: Iterable[str] = TABLES) -> RunResult:
    """One run; ``progress`` shows a bar over the quarters on stderr. ``tables``: the result tables to build
    (default all of :data:`TABLES`); the others are left empty. A sweep keeps the summary (and the series when
    asked): building the projects, ledger and event tables it would throw away cost ~5 ms a run."""
    model = AreaDevelopmentModel(scenario, form=form, seed=seed)
    if progress:
        bar = tqdm(total=scenario.simulation.horizon_quarters, desc=form, unit="quarter", leave=False,
                   file=sys.stderr)
        step = model.step

        def step_and_count(*args: Any, **kwargs: Any) -> None:
            step(*args, **kwargs)
            bar.update()

        model.step = step_and_count  # the model's own run() still decides how many quarters it steps
        try:
            model.run()
        finally:
            bar.close()
    else:
        model.run()
    wanted = set(tables)
    result = RunResult(summary(model),
                       timeseries(model) if "timeseries" in wanted else pd.DataFrame(),
                       pd.DataFrame(projects(model)) if "projects" in wanted else pd.DataFrame(),
                       run_table(model, model.events_table()) if "events" in wanted else pd.DataFrame(),
                       run_table(model, model.ledger.table()) if "ledger" in wanted else pd.DataFrame())
    model.dispose()  # its tables are taken: free its memory now (a sweep does thousands of runs)
    return result


def run(scenario: Scenario | str | None = None, form: str | None = None, seed: int | None = None,
        progress: bool = False) -> RunResult:
    """One run of ``scenario`` (object, file, bundled name, or None for the reference area)."""
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    return run_model(scenario, form or scenario.simulation.form, new_seed() if seed is None else seed, progress)


def result_tables(results: list[RunResult]) -> dict[str, pd.DataFrame]:
    """The result tables (:data:`TABLES`) of some runs, stacked: what ``write_outputs`` writes, by name."""
    return {
        "summary": pd.DataFrame([r.summary for r in results]),
        "timeseries": pd.concat([r.timeseries for r in results], ignore_index=True) if results else pd.DataFrame(),
        # built from the rows, so a column's type does not depend on which runs happened to leave it empty
        "projects": pd.DataFrame([row for r in results for row in r.projects.to_dict("records")]),
        "ledger": _stack([r.ledger for r in results]),
        "events": _stack([r.events for r in results]),
    }


def _stack(frames: list[pd.DataFrame]) -> pd.DataFrame:
    frames = [f for f in frames if len(f)]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def process_context():
    """Fork where it is safe and cheap (Linux): ``import mesa`` sets the global start method to 'spawn',
    which makes every worker re-import the model (seconds). Elsewhere the platform default."""
    import multiprocessing as mp

    if sys.platform.startswith("linux") and "fork" in mp.get_all_start_methods():
        return mp.get_context("fork")
    return mp.get_context()


PR_SET_PDEATHSIG = 1  # linux/prctl.h
WATCHDOG_SECONDS = 0.5


def end_with_parent(parent: int) -> None:
    """Worker initializer: end this process when its parent (pid ``parent``) dies, even by SIGKILL.

    On Linux the kernel sends SIGTERM (``prctl(PR_SET_PDEATHSIG)``); elsewhere a daemon thread polls
    ``os.getppid()``. The pools are started from the thread that uses them, which outlives its workers.
    """
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            armed = libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0) == 0
        except (OSError, AttributeError):
            armed = False
        if armed:
            if os.getppid() != parent:  # it died before the signal was armed
                os._exit(1)
            return

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(WATCHDOG_SECONDS)
        os._exit(1)

    threading.Thread(target=watch, name="end-with-parent", daemon=True).start()


def process_pool(workers: int) -> ProcessPoolExecutor:
    """Local worker processes (:func:`process_context`) that end when this process dies."""
    return ProcessPoolExecutor(max_workers=workers, mp_context=process_context(), initializer=end_with_parent,
                               initargs=(os.getpid(),))


def _job(args: tuple[Scenario, str, int]) -> RunResult:
    scenario, form, seed = args
    return run_model(scenario, form, seed)


def run_jobs(jobs: list[tuple[Scenario, str, int]], workers: int | None = None,
             progress: bool = False, label: str = "runs", job: Callable[[tuple[Scenario, str, int]], Any] = _job,
             chunks_per_worker: int = 8) -> list[Any]:
    """Run jobs serially (workers=1) or in local processes; results come back in job order. ``job`` (a
    module-level function, so it can be sent to a process) turns one (scenario, form, seed) into a result;
    by default the run's RunResult. ``progress``: a bar on a terminal, occasional lines in a log
    (:mod:`.progress`)."""
    workers = workers or os.cpu_count() or 1
    bar = progress_bar(len(jobs), label, enabled=progress)
    try:
        if workers <= 1 or len(jobs) <= 1:
            out = []
            for args in jobs:
                out.append(job(args))
                bar.update()
            return out
        with process_pool(workers) as pool:
            out = []
            for result in pool.map(job, jobs, chunksize=max(1, len(jobs) // (workers * chunks_per_worker))):
                out.append(result)
                bar.update()
            return out
    finally:
        bar.close()


def compare(scenario: Scenario | str | None = None, replications: int = REPLICATIONS, workers: int | None = None,
            seed: int = ROOT_SEED, forms: Iterable[str] = FORMS, progress: bool = False) -> CompareResult:
    """All governance forms on one scenario, ``replications`` seeded runs each."""
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    registry = load_all()
    seeds = replication_seeds(seed, replications)
    skipped = {f: reason for f in forms if (reason := registry[f].not_applicable(scenario))}
    jobs = [(scenario, f, s) for f in forms if f not in skipped for s in seeds]
    tables = result_tables(run_jobs(jobs, workers, progress, label="compare"))
    return CompareResult(scenario=scenario, seeds=seeds, not_applicable=skipped, **tables)
