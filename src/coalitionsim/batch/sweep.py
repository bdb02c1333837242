"""Batch sweeps: an experiment's design × forms × replications, run on one executor abstraction.

The same job function (:func:`run_batch`) runs serially (``workers=1``), in local processes (default: all
cores) or on a Dask cluster (``scheduler="local"`` starts a ``LocalCluster``; an address attaches to a
running scheduler, e.g. one started with ``dask scheduler`` or by dask-jobqueue's ``SLURMCluster``).
Every run depends only on its scenario, its form and its seed, so results are identical on every executor.

Seeds: one per replication, spawned from the experiment's root seed with ``SeedSequence.spawn``; the same
replication seeds serve every design point and form (common random numbers).

Results stream to disk under ``out``::

    manifest.json               experiment, its content hash, seeds, versions, command, design, factor problem
    design.parquet              one row per design point (factor values; SALib sample in x.<path> columns)
    runs/part-00000.parquet     per-run rows (identity, factor values, status, error, summary outputs),
                                ``shard_size`` runs per shard, written atomically (tmp file + rename);
                                a shard is written at the latest ``flush_seconds`` (5 s) after its first
                                run ended, so a killed sweep loses at most max(5 s, one batch of runs)
                                per worker (a batch is sized to take about that long)
    timeseries/part-00000.parquet   per-step series of the same runs (only when timeseries = true)

A run that raises is recorded with ``status = "failed"`` and its ``error``; a form that cannot work on a
design point's area is recorded as ``status = "not_applicable"``; the sweep goes on. ``resume=True``
continues an interrupted sweep: the completed runs are read back from the shards, and only the others run;
a damaged shard (truncated, overwritten, not a coalitionsim shard) is removed, named in a note, and its runs
are run again. One sweep at a time per folder (:func:`coalitionsim.runner.store.claim`). A full disk or
another error of the file system stops the sweep with one line; the runs stored so far stay (continue with
``--resume``), and a new folder in which no run was stored yet is removed again.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import itertools
import json
import os
import secrets
import shutil
import sys
import time
import traceback
from collections import OrderedDict
from collections.abc import Callable, Iterator
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .experiment import Experiment, ExperimentError, experiment_from_dict, load_experiment
from ..runner import process_pool, run_model
from ..runner.progress import progress_bar
from ..runner.store import (WRITTEN_BY, OutputError, check_out, check_writable, claim, os_reason, results_folder,
                            versions)
from ..runner.workload import estimate_text
from ..scenario import Scenario, apply_overrides, scenario_from_dict

DEFAULT_SHARD_SIZE = 128
CHECKPOINT_SECONDS = 5.0  # finished runs reach a shard within this; a batch of runs takes about as long
MAX_BATCH = 16  # runs sent to a worker at once (fewer when runs are slow: see CHECKPOINT_SECONDS)
MANIFEST = "manifest.json"
EXTRA_PACKAGES = ("SALib", "dask", "distributed", "tqdm")
DASK_CONNECT_TIMEOUT = "10s"
LOCALHOST = "127.0.0.1"  # where --scheduler local listens (scheduler, workers, dashboard)
DASHBOARD_PORT = 8787  # Dask's default; taken: Dask picks a free one
BROKEN_POOL = "a worker process died (out of memory?); the finished runs are stored, continue with --resume"


class SweepError(ValueError):
    """A sweep that cannot start (bad output folder, resume mismatch, unreachable scheduler): one line."""


class StoreError(SweepError):
    """The sweep folder could not be written (a full disk, a name too long): one line."""


class DamagedShard(SweepError):
    """A result shard that cannot be read as one (truncated, overwritten, another program's file)."""

    def __init__(self, path: Path, reason: str):
        self.path, self.reason = path, reason
        folder = path.parent.parent
        super().__init__(f"{path}: damaged or not a coalitionsim result shard ({reason}); "
                         f"coalitionsim sweep EXPERIMENT --out {folder} --resume runs its runs again and "
                         f"rewrites it, or remove the file")


@contextlib.contextmanager
def _writing(out: Path) -> Iterator[None]:
    """An operating-system error while the sweep folder is written becomes :class:`StoreError`."""
    try:
        yield
    except OSError as err:
        raise StoreError(f"--out {out}: cannot write ({os_reason(err)})") from None


# ============================================================================ the job function


@dataclass(frozen=True)
class Job:
    run: int  # index in the planned order (point-major, then form, then replication)
    point: int
    form: str
    replication: int
    seed: int
    values: tuple[tuple[str, Any], ...]  # factor path -> value
    overrides: tuple[str, ...]  # the same as PATH=VALUE overrides

    @property
    def run_id(self) -> str:
        return run_id(self.point, self.form, self.replication)


def run_id(point: int, form: str, replication: int) -> str:
    return f"p{point:06d}-{form}-r{replication:04d}"


@dataclass(frozen=True)
class Batch:
    """Runs sent to one worker in one task, with what they share."""

    key: str  # experiment hash: names the base scenario in the worker's cache
    base: dict[str, Any]
    label: str
    outputs: tuple[str, ...] | None
    timeseries: bool
    jobs: tuple[Job, ...]


_SCENARIOS: OrderedDict[tuple[str, tuple[str, ...]], Scenario] = OrderedDict()


def _scenario(batch: Batch, overrides: tuple[str, ...]) -> Scenario:
    """The validated scenario of a design point (a small per-process cache: batches run point by point)."""
    key = (batch.key, overrides)
    sc = _SCENARIOS.get(key)
    if sc is None:
        sc = scenario_from_dict(apply_overrides(batch.base, list(overrides), batch.label), batch.label)
        _SCENARIOS[key] = sc
        if len(_SCENARIOS) > 64:
            _SCENARIOS.popitem(last=False)
    return sc


def run_one(batch: Batch, job: Job) -> tuple[dict[str, Any], pd.DataFrame | None]:
    """One run as a summary row (and its series); an exception is caught and recorded in the row.
    (The model releases itself from Mesa's agent-id registry when its run ends, so workers stay flat.)"""
    from ..model.governance import load_all

    row: dict[str, Any] = {
        "run": job.run, "run_id": job.run_id, "point": job.point, "form": job.form,
        "replication": job.replication, "seed": job.seed, **dict(job.values),
        "status": "ok", "error": None, "traceback": None,
    }
    series = None
    try:
        sc = _scenario(batch, job.overrides)
        row["scenario"] = sc.meta.name
        row["param.simulation.horizon_quarters"] = sc.simulation.horizon_quarters
        reason = load_all()[job.form].not_applicable(sc)
        if reason:
            row["status"], row["error"] = "not_applicable", reason
            return row, None
        t0 = time.perf_counter()
        result = run_model(sc, job.form, job.seed, tables=("summary", "timeseries") if batch.timeseries else ("summary",))
        row["duration_s"] = time.perf_counter() - t0
        keys = batch.outputs if batch.outputs is not None else list(result.summary)
        for k in keys:
            if k not in row:
                row[k] = result.summary.get(k)
        if batch.timeseries:
            series = result.timeseries
            series.insert(0, "replication", job.replication)
            series.insert(0, "point", job.point)
            series.insert(0, "run_id", job.run_id)
            series.insert(0, "run", job.run)
    except Exception as exc:  # noqa: BLE001 - a failed run is data, the sweep goes on
        row["status"] = "failed"
        row["error"] = f"{type(exc).__name__}: {exc}".splitlines()[0][:500]
        row["traceback"] = traceback.format_exc(limit=-8)
        series = None
    return row, series


def run_batch(batch: Batch) -> list[tuple[dict[str, Any], pd.DataFrame | None]]:
    """The job function every executor runs: a few runs, each caught on its own."""
    return [run_one(batch, job) for job in batch.jobs]


# ============================================================================ executors


class SerialExecutor(cf.Executor):
    """A ``concurrent.futures`` executor that runs each call at once in this process."""

    def submit(self, fn, /, *args, **kwargs):  # type: ignore[override]
        future: cf.Future = cf.Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except Exception as exc:  # noqa: BLE001
            future.set_exception(exc)
        return future


@dataclass
class ExecutorInfo:
    executor: cf.Executor
    slots: int  # parallel runs it can do (for the in-flight window and batch size)
    description: str
    client: Any = None  # dask client, if any


def _dask_slots(client) -> int:
    try:
        return max(1, sum(client.nthreads().values()))
    except Exception:  # noqa: BLE001
        return 1


@contextlib.contextmanager
def make_executor(workers: int | None = None, scheduler: str | None = None,
                  echo=lambda msg: print(msg, file=sys.stderr)) -> Iterator[ExecutorInfo]:
    """Serial (workers=1), local processes (default), or Dask (scheduler='local' or an address)."""
    if scheduler is None:
        n = workers or os.cpu_count() or 1
        if n <= 1:
            yield ExecutorInfo(SerialExecutor(), 1, "serial")
            return
        pool = process_pool(n)  # its workers end when this process dies
        pool.submit(int).result()  # start the workers now, before any thread (progress bar) exists
        try:
            yield ExecutorInfo(pool, n, f"{n} local processes")
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
        return

    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        raise SweepError('--scheduler needs Dask: pip install "coalitionsim[sweep]"') from None
    cluster = None
    if scheduler == "local":
        n = workers or os.cpu_count() or 1
        # on this machine only, like everything else (the dashboard's default is every interface)
        cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True, host=LOCALHOST,
                               dashboard_address=f"{LOCALHOST}:{DASHBOARD_PORT}")
        client = Client(cluster)
        description = f"Dask LocalCluster, {n} workers"
    else:
        try:
            client = Client(scheduler, timeout=DASK_CONNECT_TIMEOUT)
        except (OSError, TimeoutError, ValueError) as err:
            raise SweepError(f"--scheduler {scheduler}: cannot reach the Dask scheduler ({err})") from None
        description = f"Dask scheduler {scheduler}"
    try:
        echo(f"Dask dashboard: {client.dashboard_link}")
        yield ExecutorInfo(client.get_executor(pure=False), _dask_slots(client), description, client)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


# ============================================================================ the result store


def _atomic_parquet(df: pd.DataFrame, path: Path) -> None:
    """Write a Parquet file so that it either exists complete or not at all."""
    import pyarrow as pa

    tmp = _tmp_name(path)
    try:
        try:
            df.to_parquet(tmp, index=False)
        except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
            df = df.copy()
            for col in df.columns[df.dtypes == object]:
                df[col] = df[col].map(lambda v: v if v is None else str(v))
            df.to_parquet(tmp, index=False)
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)


def _tmp_name(path: Path) -> Path:
    """A temporary name next to ``path`` that no other process picks (``.<name>.<pid>-<random>.tmp``)."""
    return path.with_name(f".{path.name}.{os.getpid()}-{secrets.token_hex(3)}.tmp")


def _atomic_json(data: dict[str, Any], path: Path) -> None:
    tmp = _tmp_name(path)
    try:
        tmp.write_text(json.dumps(data, indent=2, default=str))
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)


def _part_number(path: Path) -> int:
    return int(path.stem.split("-")[1])


def shards(out: Path, kind: str = "runs") -> list[Path]:
    return sorted((Path(out) / kind).glob("part-*.parquet"))


class ShardWriter:
    """Buffers finished runs and writes them as numbered Parquet shards (series first, runs last).

    The runs shard is the commit record: a run counts as done once its row is in a runs shard.
    """

    def __init__(self, out: Path, shard_size: int, flush_seconds: float, next_part: int):
        self.out = Path(out)
        self.shard_size = shard_size
        self.flush_seconds = flush_seconds
        self.part = next_part
        self.rows: list[dict[str, Any]] = []
        self.series: list[pd.DataFrame] = []
        self.first_waiting: float | None = None  # when the oldest unwritten run arrived
        with _writing(self.out):
            (self.out / "runs").mkdir(parents=True, exist_ok=True)

    def add(self, row: dict[str, Any], series: pd.DataFrame | None) -> None:
        if not self.rows:
            self.first_waiting = time.monotonic()
        self.rows.append(row)
        if series is not None:
            self.series.append(series)
        if len(self.rows) >= self.shard_size or self.due_in() == 0:
            self.flush()

    def due_in(self) -> float | None:
        """Seconds until the waiting runs must be written (0: now); None when none wait."""
        if self.first_waiting is None:
            return None
        return max(0.0, self.flush_seconds - (time.monotonic() - self.first_waiting))

    def flush(self) -> None:
        if not self.rows:
            return
        with _writing(self.out):
            self._write()
        self.first_waiting = None

    def _write(self) -> None:
        name = f"part-{self.part:05d}.parquet"
        if self.series:
            (self.out / "timeseries").mkdir(exist_ok=True)
            _atomic_parquet(pd.concat(self.series, ignore_index=True), self.out / "timeseries" / name)
        df = pd.DataFrame(self.rows)
        for col in ("error", "traceback"):
            df[col] = df[col].astype("string")
        _atomic_parquet(df, self.out / "runs" / name)
        self.part += 1
        self.rows, self.series = [], []


RUN_KEYS = ("run", "status")  # the columns every runs shard has
SERIES_KEYS = ("run", "step")  # the columns every time-series shard has


def read_shard(path: Path, columns: list[str] | None = None, keys: tuple[str, ...] = RUN_KEYS) -> pd.DataFrame:
    """One shard (``columns`` only, where it has them, with its ``keys``); :class:`DamagedShard` (one line)
    when it cannot be read or lacks its key columns."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        have = pq.read_schema(path).names
        missing = [c for c in keys if c not in have]
        if missing:
            raise DamagedShard(path, f"it has no {missing[0]!r} column")
        wanted = None if columns is None else [c for c in dict.fromkeys([*keys, *columns]) if c in have]
        return pd.read_parquet(path, columns=wanted)
    except DamagedShard:
        raise
    except (OSError, ValueError, pa.ArrowException) as err:
        reason = (str(err).splitlines() or [type(err).__name__])[0][:120]
        raise DamagedShard(path, reason) from None


def check_shards(out: str | Path) -> None:
    """Every shard of a sweep folder has a readable footer and its key columns (a cheap look before the
    work: :class:`DamagedShard` names the first that has not)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    for kind, keys in (("runs", RUN_KEYS), ("timeseries", SERIES_KEYS)):
        for path in shards(Path(out), kind):
            try:
                have = pq.read_schema(path).names
            except (OSError, ValueError, pa.ArrowException) as err:
                raise DamagedShard(path, (str(err).splitlines() or [type(err).__name__])[0][:120]) from None
            missing = [c for c in keys if c not in have]
            if missing:
                raise DamagedShard(path, f"it has no {missing[0]!r} column")


def _run_numbers(path: Path, table: pd.DataFrame, n_runs: int) -> np.ndarray:
    runs = table["run"].to_numpy()
    if not np.issubdtype(runs.dtype, np.integer) or (len(runs) and (runs.min() < 0 or runs.max() >= n_runs)):
        raise DamagedShard(path, f"its run numbers are not runs 0..{n_runs - 1} of this sweep")
    return runs


def completed_runs(out: Path, n_runs: int) -> tuple[np.ndarray, dict[str, int]]:
    """Which planned runs are in the runs shards (a boolean mask) and how many failed / were skipped."""
    done = np.zeros(n_runs, dtype=bool)
    counts = {"failed": 0, "not_applicable": 0, "duplicates": 0}
    for path in shards(out):
        table = read_shard(path, [])
        runs = _run_numbers(path, table, n_runs)
        status = table["status"].tolist()
        counts["duplicates"] += int(done[runs].sum())
        done[runs] = True
        counts["failed"] += status.count("failed")
        counts["not_applicable"] += status.count("not_applicable")
    return done, counts


def _clean_partial(out: Path, n_runs: int, echo=lambda _m: None) -> None:
    """Remove what an interrupted sweep can leave: tmp files, series shards whose runs shard is missing,
    and damaged shards (named in a note; their runs run again)."""
    for tmp in Path(out).rglob(".*.tmp"):
        tmp.unlink()
    for path in shards(out):
        series = Path(out) / "timeseries" / path.name
        try:
            _run_numbers(path, read_shard(path, []), n_runs)
            if series.exists():
                read_shard(series, [], SERIES_KEYS)
        except DamagedShard as err:
            echo(f"note: {err.path}: damaged ({err.reason}); removed, its runs run again")
            path.unlink()
            series.unlink(missing_ok=True)
    have = {p.name for p in shards(out)}
    for p in shards(out, "timeseries"):
        if p.name not in have:
            p.unlink()


def load_runs(out: str | Path, status: str | None = None, columns: list[str] | None = None) -> pd.DataFrame:
    """All run rows of a sweep folder, in planned order (``status='ok'`` keeps the successful runs;
    ``columns`` reads only those, where a shard has them). A damaged shard: :class:`DamagedShard`."""
    parts = [read_shard(p, columns) for p in shards(Path(out))]
    if not parts:
        return pd.DataFrame()
    df = pd.concat(parts, ignore_index=True).sort_values("run", kind="stable").reset_index(drop=True)
    if status is not None:
        df = df[df["status"] == status].reset_index(drop=True)
    return df


def load_timeseries(out: str | Path) -> pd.DataFrame:
    parts = [read_shard(p, None, SERIES_KEYS) for p in shards(Path(out), "timeseries")]
    if not parts:
        return pd.DataFrame()
    return pd.concat(parts, ignore_index=True).sort_values(["run", "step"], kind="stable").reset_index(drop=True)


def load_manifest(out: str | Path) -> dict[str, Any]:
    """The manifest of a sweep folder; SweepError (one line) when it is missing, unreadable or another kind."""
    out = Path(out)
    if not (out / MANIFEST).is_file():
        raise SweepError(f"{out}: no {MANIFEST}; not a sweep folder")
    info = _read_manifest(out)
    if info.get("kind") != "sweep":
        raise SweepError(f"{out}: a {info.get('kind')!r} folder, not a sweep folder (analyze reads the folder of "
                         "coalitionsim sweep; coalitionsim report makes a report of a compare folder)")
    for key in ("experiment", "design", "problem", "root_seed"):
        if key not in info:
            raise SweepError(f"{out}/{MANIFEST}: not a complete sweep manifest ({key!r} is missing)")
    return info


def _versions() -> dict[str, str]:
    return versions(EXTRA_PACKAGES)


def code_hash() -> str:
    """Fingerprint of the installed coalitionsim model code (its .py and bundled scenario files)."""
    import hashlib

    root = Path(__file__).resolve().parents[1]  # the coalitionsim package
    h = hashlib.sha256()
    for path in sorted(list(root.rglob("*.py")) + list(root.rglob("scenarios/*.toml"))):
        if "app" in path.relative_to(root).parts[:1]:
            continue
        h.update(str(path.relative_to(root)).encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


def _manifest(exp: Experiment, command: str) -> dict[str, Any]:
    spec = exp.spec
    return {
        "kind": "sweep",
        "written_by": WRITTEN_BY,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": command,
        "versions": _versions(),
        "experiment": exp.name,
        "experiment_file": exp.source,
        "experiment_hash": exp.hash,
        "code_hash": code_hash(),
        "experiment_text": exp.text,
        "experiment_resolved": exp.canonical(),
        "root_seed": spec.seed,
        "seeds": exp.seeds,
        "seeding": "SeedSequence(root_seed).spawn(replications); replication i uses seeds[i] for every design "
                   "point and form (common random numbers)",
        "design": {
            "kind": spec.design,
            "samples": spec.samples,
            "points": exp.n_points,
            "forms": exp.forms,
            "replications": spec.replications,
            "runs": exp.n_runs,
            "order": "run = (point * len(forms) + form index) * replications + replication",
            **({"morris_levels": 4} if spec.design == "morris" else {}),
            **({"calc_second_order": False} if spec.design == "sobol" else {}),
        },
        "problem": exp.problem(),
        "outputs": spec.outputs,
        "timeseries": spec.timeseries,
        "status": "running",
        "sessions": [],
    }


def _design_frame(exp: Experiment) -> pd.DataFrame:
    df = exp.design.copy()
    df.insert(0, "point", np.arange(len(df)))
    if exp.raw is not None:  # the unit-cube coordinates, joined at once (a column at a time fragments the frame)
        raw = pd.DataFrame({f"x.{f.path}": exp.raw[:, j] for j, f in enumerate(exp.factors)}, index=df.index)
        df = pd.concat([df, raw], axis=1)
    return df


# ============================================================================ the sweep


@dataclass
class SweepResult:
    out: Path
    planned: int
    done: int
    failed: int
    not_applicable: int
    ran_now: int
    seconds: float
    executor: str

    @property
    def complete(self) -> bool:
        return self.done == self.planned


def iter_jobs(exp: Experiment, skip: np.ndarray | None = None) -> Iterator[Job]:
    """The planned runs in order, lazily (point-major, then form, then replication)."""
    seeds, forms, reps = exp.seeds, exp.forms, exp.spec.replications
    run = 0
    for point in range(exp.n_points):
        values = tuple(exp.point_values(point).items())
        overrides = tuple(exp.overrides(point))
        for form in forms:
            for rep in range(reps):
                if skip is None or not skip[run]:
                    yield Job(run, point, form, rep, seeds[rep], values, overrides)
                run += 1


def _prepare_out(exp: Experiment, out: Path, resume: bool, overwrite: bool = False
                 ) -> tuple[dict[str, Any] | None, bool]:
    """Check the output folder before anything runs; returns (existing manifest or None, whether this is a
    resume). A new or replaced folder follows :func:`coalitionsim.runner.store.check_out`."""
    try:
        if (out / MANIFEST).is_file() and not overwrite:
            info = _read_manifest(out)
            if info.get("kind") == "sweep":
                if not resume:
                    raise SweepError(f"{out} already holds a sweep ({info.get('experiment')}, {info.get('status')}); "
                                     "pass --resume to continue it, --overwrite to replace it, or choose another --out")
                if info.get("experiment_hash") != exp.hash:
                    raise SweepError(f"{out} holds a sweep of a different experiment (hash "
                                     f"{info.get('experiment_hash')}, this one {exp.hash}); choose another --out")
                check_writable(out / "runs", f"--out {out}")
                return info, True
            if resume:
                raise SweepError(f"--resume: {out} holds a {info.get('kind')!r} folder, not a sweep; "
                                 "choose another --out")
        check_out(out, overwrite=overwrite)  # (--resume of a folder that does not exist yet: a new sweep)
    except OutputError as err:
        raise SweepError(str(err)) from None
    return None, False


def _read_manifest(out: Path) -> dict[str, Any]:
    try:
        info = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise SweepError(f"{out}/{MANIFEST}: cannot read: {err}") from None
    if not isinstance(info, dict):
        raise SweepError(f"{out}/{MANIFEST}: not a coalitionsim manifest (a JSON object)")
    return info


def _new_folder(out: Path) -> None:
    """Create the sweep folder, replacing a checked old one (moved aside first, removed once the new exists)."""
    from ..runner.store import hidden_name

    try:
        if out.exists() and any(out.iterdir()):
            check_out(out, overwrite=True)  # again, right before it goes
            aside = out.with_name(hidden_name(out.name, f"old-{os.getpid()}"))
            os.rename(out, aside)
            out.mkdir()
            shutil.rmtree(aside, ignore_errors=True)
        out.mkdir(parents=True, exist_ok=True)
    except OutputError as err:
        raise SweepError(str(err)) from None
    except OSError as err:
        raise StoreError(f"--out {out}: cannot write ({os_reason(err)})") from None


def _seconds_per_run(exp: Experiment) -> float:
    """One run of the base scenario under the first form that applies, timed: the basis of the estimate
    printed before a sweep starts (design points may take longer or shorter)."""
    from ..model.governance import load_all

    sc = scenario_from_dict(exp.base, exp.scenario_label)
    forms = [f for f in exp.forms if not load_all()[f].not_applicable(sc)]
    if not forms:
        return 0.0
    t0 = time.perf_counter()
    run_model(sc, forms[0], exp.seeds[0], tables=("summary",))  # what a sweep's run builds
    return time.perf_counter() - t0


def batch_size(pending: int, slots: int, seconds_per_run: float, checkpoint: float) -> int:
    """Runs per task: one when serial; else up to :data:`MAX_BATCH`, few enough that a batch takes about
    ``checkpoint`` seconds (what a killed worker may lose) and every worker gets several batches."""
    if slots <= 1:
        return 1
    by_time = int(checkpoint / seconds_per_run) if seconds_per_run > 0 else MAX_BATCH
    return max(1, min(MAX_BATCH, pending // (slots * 8), by_time))


def job_batches(jobs: Iterator[Job], pending: int, slots: int, seconds_per_run: float,
                checkpoint: float) -> Iterator[list[Job]]:
    """The jobs in batches of :func:`batch_size` of the runs not yet sent: they shrink towards the end (guided
    scheduling), so that no worker still runs a full batch while the others have nothing left to do."""
    left = pending
    while True:
        batch = list(itertools.islice(jobs, batch_size(left, slots, seconds_per_run, checkpoint)))
        if not batch:
            return
        left -= len(batch)
        yield batch


def sweep(experiment: str | Path | Experiment, workers: int | None = None, scheduler: str | None = None,
          out: str | Path | None = None, resume: bool = False, progress: bool | None = None,
          shard_size: int = DEFAULT_SHARD_SIZE, flush_seconds: float | None = None, command: str | None = None,
          echo=lambda msg: print(msg, file=sys.stderr), overwrite: bool = False,
          size_check: Callable[[int], None] | None = None) -> SweepResult:
    """Run an experiment (file path or loaded :class:`Experiment`) and store its runs under ``out``.

    Args:
        workers: processes (default: all cores; 1 = serial in this process); with ``scheduler='local'``
            the number of Dask workers.
        scheduler: None (local processes), ``"local"`` (a Dask ``LocalCluster``) or a Dask scheduler
            address such as ``tcp://10.0.0.5:8786``.
        out: output folder (default ``results/<experiment name>``).
        resume: continue an interrupted sweep in ``out`` (same experiment only).
        overwrite: replace the sweep (or other coalitionsim results) in ``out``; never a folder coalitionsim
            did not write.
        progress: a bar on a terminal, an occasional plain line in a redirected log (default: on).
        shard_size: runs per Parquet shard.
        flush_seconds: finished runs are written at the latest this long after the first of them ended
            (default :data:`CHECKPOINT_SECONDS`).
        size_check: called with the planned number of runs before the design is built (the command line
            asks or refuses there, :func:`coalitionsim.runner.workload.confirm_size`).
    """
    if isinstance(experiment, Experiment):
        exp = experiment
        if size_check is not None:
            size_check(exp.n_runs)
    else:
        exp = load_experiment(experiment, size_check=size_check)
    out = Path(out) if out is not None else results_folder(exp.name)
    if shard_size < 1:
        raise SweepError("shard size must be at least 1")
    if resume and overwrite:
        raise SweepError("--resume and --overwrite exclude each other: continue the sweep, or replace it")
    if command is None:
        from ..runner import store

        command = store.command_line() if store.INVOKED_WITH is not None else f"python API: sweep({str(experiment)!r})"
    try:
        with claim(out, note=echo):
            return _sweep(exp, out, workers, scheduler, resume, overwrite, progress, shard_size,
                          CHECKPOINT_SECONDS if flush_seconds is None else flush_seconds, command, echo)
    except OutputError as err:
        raise SweepError(str(err)) from None


def _sweep(exp: Experiment, out: Path, workers: int | None, scheduler: str | None, resume: bool, overwrite: bool,
           progress: bool | None, shard_size: int, flush_seconds: float, command: str, echo) -> SweepResult:
    """The sweep itself, with the folder's lock held."""
    info, resuming = _prepare_out(exp, out, resume, overwrite)
    if resuming:
        if info.get("code_hash") not in (None, code_hash()):
            echo(f"warning: the coalitionsim code changed since this sweep started (code hash "
                 f"{info.get('code_hash')}, now {code_hash()}); the runs done now use the new code")
        with _writing(out):
            _clean_partial(out, exp.n_runs, echo)
        done, counts = completed_runs(out, exp.n_runs)
        if counts["duplicates"]:
            echo(f"warning: {counts['duplicates']} runs appear twice in {out}/runs")
        existing = [_part_number(p) for p in shards(out) + shards(out, "timeseries")]
        next_part = max(existing) + 1 if existing else 0
    else:
        done, counts = np.zeros(exp.n_runs, dtype=bool), {"failed": 0, "not_applicable": 0}
        next_part = 0

    n_done_before = int(done.sum())
    failed, not_applicable = counts["failed"], counts["not_applicable"]
    pending = exp.n_runs - n_done_before
    per_run = _seconds_per_run(exp) if pending else 0.0
    batch_common = dict(key=exp.hash, base=exp.base, label=exp.scenario_label,
                        outputs=tuple(exp.spec.outputs) if exp.spec.outputs is not None else None,
                        timeseries=exp.spec.timeseries)
    writer = None
    session = {"started": datetime.now(UTC).isoformat(timespec="seconds"), "command": command,
               "resumed_with": n_done_before, "code_hash": code_hash()}
    t0 = time.perf_counter()
    ran = 0
    executor_desc = ""
    status = "interrupted"
    if progress is None:
        progress = True
    bar = None
    existed = out.exists()
    failure: StoreError | None = None
    try:
        with make_executor(workers if pending else 1, scheduler if pending else None, echo=echo) as ex:
            if not resuming:  # only now: a bad folder or scheduler leaves nothing behind
                _new_folder(out)
                with _writing(out):
                    _atomic_parquet(_design_frame(exp), out / "design.parquet")
                    _atomic_json(_manifest(exp, command), out / MANIFEST)
            writer = ShardWriter(out, shard_size, flush_seconds, next_part)
            executor_desc = ex.description
            session["executor"] = executor_desc
            echo(f"{exp.name}: {exp.n_runs} runs ({exp.n_points} design points x {len(exp.forms)} forms x "
                 f"{exp.spec.replications} replications), {pending} to do, on {executor_desc}"
                 + (f", {estimate_text(pending, per_run, ex.slots)}" if pending else "") + f"; results in {out}")
            # a bar on a terminal; in a redirected log an occasional plain line, no bar fragments
            bar = progress_bar(exp.n_runs, exp.name, initial=n_done_before, enabled=progress)
            window = max(2 * ex.slots, 4) if ex.client is None else max(4 * ex.slots, 64)
            if isinstance(ex.executor, SerialExecutor):
                window = 1  # it runs a batch as it is sent: results are stored before the next run starts
            jobs = job_batches(iter_jobs(exp, skip=done), pending, ex.slots, per_run, flush_seconds)
            in_flight: set[cf.Future] = set()
            batches: dict[cf.Future, Batch] = {}
            exhausted = False
            while True:
                while not exhausted and len(in_flight) < window:
                    chunk = next(jobs, None)
                    if chunk is None:
                        exhausted = True
                        break
                    batch = Batch(jobs=tuple(chunk), **batch_common)
                    try:
                        future = ex.executor.submit(run_batch, batch)
                    except BrokenProcessPool:
                        raise SweepError(BROKEN_POOL) from None
                    batches[future] = batch
                    in_flight.add(future)
                if not in_flight:
                    break
                # wake up when the waiting runs are due to be written, even if no batch ends by then
                finished, in_flight = cf.wait(in_flight, timeout=writer.due_in(), return_when=cf.FIRST_COMPLETED)
                for future in finished:
                    for row, series in _results(future, batches.pop(future)):
                        writer.add(row, series)
                        ran += 1
                        failed += row["status"] == "failed"
                        not_applicable += row["status"] == "not_applicable"
                        bar.update()
                    bar.set_postfix_str(f"failed {failed}", refresh=False)
                if writer.due_in() == 0:
                    writer.flush()
            writer.flush()
            status = "complete"
    except StoreError as err:
        failure = err
    finally:
        if bar is not None:
            bar.close()
        if writer is not None and failure is None:  # (None: the executor could not start, nothing was written)
            writer.flush()
            with _writing(out):
                _close_manifest(out, session, status, n_done_before + ran, exp.n_runs, failed, not_applicable, t0,
                                ran)
    if failure is not None:
        _after_store_failure(out, failure, resuming, existed, session, t0)
    seconds = time.perf_counter() - t0
    return SweepResult(out=out, planned=exp.n_runs, done=n_done_before + ran, failed=failed,
                       not_applicable=not_applicable, ran_now=ran, seconds=seconds, executor=executor_desc)


def _after_store_failure(out: Path, failure: StoreError, resuming: bool, existed: bool, session: dict[str, Any],
                         t0: float) -> None:
    """After the disk refused a write: leave nothing half-written, and say in one line what is kept.

    Temporary files go. A new sweep folder without a stored run goes as a whole (an empty folder that
    was there before stays, empty); a folder with stored runs keeps them, and its manifest records the
    session when the disk still allows it, so ``--resume`` continues."""
    with contextlib.suppress(OSError):
        for tmp in out.rglob(".*.tmp"):
            tmp.unlink(missing_ok=True)
    stored = shards(out) if out.is_dir() else []
    if not resuming and not stored:
        if existed:
            for child in list(out.iterdir()) if out.is_dir() else []:
                shutil.rmtree(child, ignore_errors=True) if child.is_dir() else child.unlink(missing_ok=True)
        else:
            shutil.rmtree(out, ignore_errors=True)
        raise StoreError(f"{failure}; nothing was kept") from None
    with contextlib.suppress(OSError, SweepError):
        done, counts = completed_runs(out, int(_read_manifest(out)["design"]["runs"]))
        session.update(ended=datetime.now(UTC).isoformat(timespec="seconds"), status="failed: disk",
                       seconds=round(time.perf_counter() - t0, 3))
        info = _read_manifest(out)
        info["sessions"] = info.get("sessions", []) + [session]
        info.update(status="interrupted", runs_done=int(done.sum()))
        _atomic_json(info, out / MANIFEST)
    raise StoreError(f"{failure}; the runs stored so far are kept in {out}, continue with --resume") from None


def _results(future: cf.Future, batch: Batch) -> list[tuple[dict[str, Any], pd.DataFrame | None]]:
    """A batch's rows; if the executor lost the batch (a Dask worker died on it, a task could not be
    sent), its runs are recorded as failed so that the sweep goes on. A broken local process pool stops
    the sweep (the stored runs stay; --resume continues)."""
    try:
        return future.result()
    except BrokenProcessPool:
        raise SweepError(BROKEN_POOL) from None
    except Exception as exc:  # noqa: BLE001
        error = f"executor: {type(exc).__name__}: {exc}".splitlines()[0][:500]
        rows = []
        for job in batch.jobs:
            row = {"run": job.run, "run_id": job.run_id, "point": job.point, "form": job.form,
                   "replication": job.replication, "seed": job.seed, **dict(job.values),
                   "status": "failed", "error": error, "traceback": None}
            rows.append((row, None))
        return rows


def _close_manifest(out: Path, session: dict[str, Any], status: str, total_done: int, n_runs: int, failed: int,
                    not_applicable: int, t0: float, ran: int) -> None:
    """Record this session (what ran, how long, how it ended) and the totals in the manifest."""
    session.update(ended=datetime.now(UTC).isoformat(timespec="seconds"), ran=ran,
                   seconds=round(time.perf_counter() - t0, 3), status=status)
    info = _read_manifest(out)
    info["sessions"] = info.get("sessions", []) + [session]
    info["status"] = "complete" if total_done == n_runs else status
    info.update(runs_done=total_done, runs_failed=failed, runs_not_applicable=not_applicable)
    _atomic_json(info, out / MANIFEST)


# ============================================================================ --quick


QUICK_HORIZON_QUARTERS = 20
QUICK_MAX_FORMS = 2
QUICK_MAX_SAMPLES = 4
QUICK_MAX_GRID_FACTORS = 4  # a grid varies at most this many factors (16 points); the rest keep their first level


def quick_experiment(experiment: str | Path | Experiment) -> Experiment:
    """The ``--quick`` variant of an experiment, for tests and smoke checks: 1 replication, the first and
    last level of the first four grid factors (the others fixed at their first level), at most 4 samples,
    the first two forms, a horizon of at most 20 quarters; named ``<name>-quick`` (so its default folder is
    results/<name>-quick). The bundled experiments' variants take 1-11 s on two busy cores."""
    # the full design is not built: only its file is read (a large design's quick variant starts at once)
    exp = experiment if isinstance(experiment, Experiment) else load_experiment(experiment, expand=False)
    spec = exp.spec.model_dump(mode="json", by_alias=True, exclude_none=True)
    spec.update(name=f"{exp.name}-quick", replications=1, forms=exp.forms[:QUICK_MAX_FORMS])
    if exp.spec.samples is not None:
        spec["samples"] = min(exp.spec.samples, QUICK_MAX_SAMPLES)
    horizon = int(exp.base.get("simulation", {}).get("horizon_quarters", QUICK_HORIZON_QUARTERS))
    spec["set"] = list(spec.get("set", [])) + [f"simulation.horizon_quarters={min(horizon, QUICK_HORIZON_QUARTERS)}"]
    factors = []
    for f in exp.factors:
        d = f.model_dump(mode="json", by_alias=True, exclude_none=True)
        if f.levels is not None and exp.spec.design == "grid" and len(factors) >= QUICK_MAX_GRID_FACTORS:
            spec["set"].append(f"{f.path}={json.dumps(f.levels[0])}")  # a JSON number, bool or string is TOML too
            continue
        if f.levels is not None and len(f.levels) > 2:
            d["levels"] = [f.levels[0], f.levels[-1]]
        factors.append(d)
    folder = Path(exp.source).parent if Path(exp.source).is_file() else None
    return experiment_from_dict({"experiment": spec, "factors": factors}, f"{exp.source} (--quick)", folder=folder,
                                text="# --quick variant of this experiment (see sweep.quick_experiment)\n" + exp.text)


__all__ = ["DamagedShard", "ExperimentError", "SweepError", "check_shards", "SweepResult", "load_runs", "load_timeseries", "run_batch", "sweep"]
