"""Batch sweeps (issue 3): designs, executors, result store, resume after SIGKILL, failures, memory, errors."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from coalitionsim.cli import main
from coalitionsim.batch.experiment import ExperimentError, load_experiment
from coalitionsim.runner import replication_seeds
from coalitionsim.batch.sweep import SweepError, load_runs, load_timeseries, shards, sweep
from helpers import kill_after_first_shard

REPO = Path(__file__).resolve().parents[1]

GRID = """
[experiment]
name = "t"
forms = ["sok", "framework_organic"]
design = "grid"
replications = 2
seed = 7
outputs = ["realisation_share", "years_to_agreement", "free_riding_index", "public_deficit"]
timeseries = {timeseries}
set = ["simulation.horizon_quarters={horizon}"]

[[factors]]
path = "ownership.municipal_land_share"
levels = {levels}

[[factors]]
path = "behaviour.concession_rate"
levels = [0.1, 0.3]
"""


def write(tmp_path: Path, text: str, name: str = "exp.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def grid(tmp_path: Path, horizon: int = 8, levels: str = "[0.2, 0.5]", timeseries: bool = False,
         name: str = "exp.toml") -> Path:
    return write(tmp_path, GRID.format(horizon=horizon, levels=levels, timeseries=str(timeseries).lower()), name)


def comparable(df: pd.DataFrame) -> pd.DataFrame:
    """Run rows without the one column that legitimately differs between executions (wall time)."""
    return df.drop(columns=["duration_s"]).reset_index(drop=True)


# --------------------------------------------------------------------------- designs and seeds


def test_grid_design_seeds_and_run_ids(tmp_path):
    exp = load_experiment(grid(tmp_path, levels="[0.2, 0.33, 0.5]"))
    assert exp.n_points == 6 and exp.n_runs == 6 * 2 * 2
    assert exp.seeds == replication_seeds(7, 2)
    res = sweep(exp, workers=1, out=tmp_path / "out", progress=False)
    runs = load_runs(res.out)
    assert res.complete and len(runs) == exp.n_runs and runs["run_id"].is_unique
    assert list(runs["run"]) == list(range(exp.n_runs))
    # common random numbers: replication r has the same seed at every design point and form
    assert (runs.groupby("replication")["seed"].nunique() == 1).all()
    assert sorted(runs["seed"].unique()) == sorted(exp.seeds)
    # the factor values are the design's, and the model saw them
    assert set(runs["ownership.municipal_land_share"]) == {0.2, 0.33, 0.5}
    info = json.loads((res.out / "manifest.json").read_text())
    assert info["experiment_hash"] == exp.hash and info["seeds"] == exp.seeds
    assert info["design"]["runs"] == exp.n_runs and info["status"] == "complete"
    assert {"SALib", "dask", "mesa", "python"} <= set(info["versions"])
    assert info["problem"]["names"] == ["ownership.municipal_land_share", "behaviour.concession_rate"]


@pytest.mark.parametrize("design,samples,points", [("lhs", 5, 5), ("morris", 3, 3 * 4), ("sobol", 4, 4 * 5)])
def test_sampled_designs_sizes_kinds_and_reproducibility(tmp_path, design, samples, points):
    text = f"""
[experiment]
name = "s"
forms = ["sok"]
design = "{design}"
samples = {samples}
seed = 3
[[factors]]
path = "behaviour.concession_rate"
min = 0.05
max = 0.4
[[factors]]
path = "behaviour.dropout_quarters"
min = 2
max = 8
kind = "int"
[[factors]]
path = "instruments.process_director"
kind = "bool"
"""
    a = load_experiment(write(tmp_path, text))
    b = load_experiment(write(tmp_path, text, "again.toml"))
    assert a.n_points == points and a.n_runs == points
    pd.testing.assert_frame_equal(a.design, b.design)  # the sampler is seeded
    d = a.design
    assert d["behaviour.concession_rate"].between(0.05, 0.4).all()
    assert d["behaviour.dropout_quarters"].map(type).eq(int).all() and d["behaviour.dropout_quarters"].between(2, 8).all()
    assert d["instruments.process_director"].map(type).eq(bool).all()
    assert a.raw.shape == (points, 3)


def test_example_experiments_load_with_their_stated_size():
    quick = load_experiment(REPO / "experiments" / "quick.toml")
    assert quick.n_runs == 16
    morris = load_experiment(REPO / "experiments" / "morris_behaviour.toml")
    assert morris.spec.design == "morris" and len(morris.factors) == 21 and morris.n_runs == 2200
    assert "2,200 runs" in (REPO / "experiments" / "morris_behaviour.toml").read_text()
    assert sum(f.path.startswith("behaviour.") for f in morris.factors) == 17


# --------------------------------------------------------------------------- executors


@pytest.mark.slow
def test_serial_processes_and_dask_give_identical_results(tmp_path):
    exp = load_experiment(grid(tmp_path, horizon=12, timeseries=True))
    serial = sweep(exp, workers=1, out=tmp_path / "serial", progress=False, shard_size=3)
    procs = sweep(exp, workers=2, out=tmp_path / "procs", progress=False, shard_size=3)
    dask = sweep(exp, workers=2, scheduler="local", out=tmp_path / "dask", progress=False, shard_size=3)
    assert serial.executor == "serial" and "processes" in procs.executor and "Dask" in dask.executor
    ref = comparable(load_runs(serial.out))
    assert len(ref) == exp.n_runs and (ref["status"] == "ok").all()
    for other in (procs, dask):
        pd.testing.assert_frame_equal(ref, comparable(load_runs(other.out)))
        pd.testing.assert_frame_equal(load_timeseries(serial.out), load_timeseries(other.out))
    ts = load_timeseries(serial.out)
    assert len(ts) == exp.n_runs * 13 and set(ts["run_id"]) == set(ref["run_id"])
    # batched shards, not one file per run
    assert len(shards(serial.out)) == -(-exp.n_runs // 3)


# --------------------------------------------------------------------------- resume after SIGKILL


@pytest.mark.heavy  # minutes on two cores: run by .ci/run's second command (-m heavy)
def test_sigkilled_sweep_resumes_to_exactly_the_planned_runs(tmp_path):
    text = GRID.format(horizon=12, levels="[0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7]", timeseries="false")
    exp_path = write(tmp_path, text.replace("replications = 2", "replications = 4"))  # 112 runs
    exp = load_experiment(exp_path)
    out = tmp_path / "killed"
    cmd = [sys.executable, "-m", "coalitionsim", "sweep", str(exp_path), "--out", str(out), "--workers", "2",
           "--shard-size", "4"]
    kill_after_first_shard(cmd, out)
    done_before = len(load_runs(out))
    assert 0 < done_before < exp.n_runs, "the sweep should have been killed part-way"
    assert json.loads((out / "manifest.json").read_text())["status"] == "running"

    resumed = subprocess.run(cmd + ["--resume"], capture_output=True, text=True, timeout=120)
    assert resumed.returncode == 0, resumed.stderr
    runs = load_runs(out)
    assert len(runs) == exp.n_runs and runs["run_id"].is_unique
    assert not list(out.rglob("*.tmp"))
    info = json.loads((out / "manifest.json").read_text())
    assert info["status"] == "complete" and info["runs_done"] == exp.n_runs
    assert info["sessions"][-1]["resumed_with"] >= done_before

    reference = sweep(exp, workers=1, out=tmp_path / "reference", progress=False)
    pd.testing.assert_frame_equal(comparable(load_runs(reference.out)), comparable(runs))


def test_resume_of_a_complete_sweep_runs_nothing_and_warns_when_the_code_changed(tmp_path, monkeypatch):
    exp = load_experiment(grid(tmp_path))
    sweep(exp, workers=1, out=tmp_path / "o", progress=False, shard_size=5)
    before = sorted(p.name for p in shards(tmp_path / "o"))
    monkeypatch.setattr("coalitionsim.batch.sweep.code_hash", lambda: "0000000000000000")
    said = []
    again = sweep(exp, workers=1, out=tmp_path / "o", resume=True, progress=False, echo=said.append)
    assert again.ran_now == 0 and again.complete
    assert said[0].startswith("warning: the coalitionsim code changed")
    assert sorted(p.name for p in shards(tmp_path / "o")) == before


def test_resume_cleans_partial_files(tmp_path):
    exp = load_experiment(grid(tmp_path, timeseries=True))
    out = tmp_path / "o"
    sweep(exp, workers=1, out=out, progress=False, shard_size=5)
    # simulate a kill between the series shard and the runs shard, and a half-written tmp file
    last = shards(out)[-1]
    lost = len(pd.read_parquet(last))
    last.unlink()
    (out / "runs" / ".part-00009.parquet.tmp").write_bytes(b"half")
    res = sweep(exp, workers=1, out=out, resume=True, progress=False, shard_size=5)
    assert res.ran_now == lost and res.complete
    runs, ts = load_runs(out), load_timeseries(out)
    assert runs["run_id"].is_unique and len(runs) == exp.n_runs
    assert len(ts) == exp.n_runs * 9 and not ts.duplicated(["run", "step"]).any()
    assert not list(out.rglob("*.tmp"))


# --------------------------------------------------------------------------- failures


def test_a_run_that_raises_is_recorded_and_the_rest_completes(tmp_path):
    """A test-only governance form raises inside the model for one factor level."""
    from coalitionsim.model.governance.base import REGISTRY, register
    from coalitionsim.model.governance.sok import SOK

    @register
    class Exploding(SOK):
        name = "exploding_test"
        title = "test form that raises for high concession rates"

        def step(self) -> None:
            if self.model.scenario.behaviour.concession_rate > 0.2 and self.model.steps == 3:
                raise RuntimeError("boom at quarter 3")
            super().step()

    try:
        text = GRID.format(horizon=8, levels="[0.2, 0.5]", timeseries="true").replace(
            'forms = ["sok", "framework_organic"]', 'forms = ["sok", "exploding_test"]')
        exp = load_experiment(write(tmp_path, text))
        res = sweep(exp, workers=1, out=tmp_path / "o", progress=False)
    finally:
        REGISTRY.pop("exploding_test", None)
    runs = load_runs(res.out)
    failed = runs[runs["status"] == "failed"]
    assert res.complete and len(runs) == exp.n_runs
    assert res.failed == len(failed) == 4  # 2 land shares x 2 replications at concession_rate 0.3
    assert (failed["form"] == "exploding_test").all() and (failed["behaviour.concession_rate"] == 0.3).all()
    assert (failed["error"] == "RuntimeError: boom at quarter 3").all()
    assert failed["traceback"].str.contains("boom at quarter 3").all()
    assert failed["realisation_share"].isna().all()
    ok = runs[runs["status"] == "ok"]
    assert len(ok) == exp.n_runs - 4 and ok["realisation_share"].notna().all() and ok["error"].isna().all()
    assert set(load_timeseries(res.out)["run_id"]) == set(ok["run_id"])  # no series for failed runs
    assert json.loads((res.out / "manifest.json").read_text())["runs_failed"] == 4


def test_a_worker_process_that_dies_stops_the_sweep_with_one_line_and_keeps_stored_runs(tmp_path, capsys):
    """A run that kills its worker (as an out-of-memory kill would) breaks the process pool."""
    from coalitionsim.model.governance.base import REGISTRY, register
    from coalitionsim.model.governance.sok import SOK

    @register
    class Dying(SOK):
        name = "dying_test"
        title = "test form whose worker process dies"

        def step(self) -> None:
            if self.model.scenario.ownership.municipal_land_share > 0.4:
                os._exit(1)
            super().step()

    try:
        text = GRID.format(horizon=8, levels="[0.2, 0.5]", timeseries="false").replace(
            'forms = ["sok", "framework_organic"]', 'forms = ["dying_test"]')
        path = write(tmp_path, text)
        out = tmp_path / "o"
        assert main(["sweep", str(path), "--out", str(out), "--workers", "2", "--shard-size", "1"]) == 2
    finally:
        REGISTRY.pop("dying_test", None)
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert err.startswith("error: a worker process died") and "--resume" in err
    info = json.loads((out / "manifest.json").read_text())
    assert info["status"] == "interrupted" and info["runs_done"] == len(load_runs(out)) < 8


def test_a_batch_lost_by_the_executor_is_recorded_as_failed(tmp_path):
    import concurrent.futures as cf

    from coalitionsim.batch.sweep import Batch, _results, iter_jobs

    exp = load_experiment(grid(tmp_path))
    jobs = tuple(iter_jobs(exp))[:3]
    future = cf.Future()
    future.set_exception(RuntimeError("KilledWorker: attempted to run task 3 times"))
    rows = _results(future, Batch(exp.hash, exp.base, exp.scenario_label, None, False, jobs))
    assert [r["run"] for r, _ in rows] == [0, 1, 2]
    assert all(r["status"] == "failed" and r["error"].startswith("executor: RuntimeError") for r, _ in rows)


def test_a_form_not_applicable_at_a_design_point_is_recorded(tmp_path):
    text = GRID.format(horizon=8, levels="[0.0, 0.5]", timeseries="false").replace(
        'forms = ["sok", "framework_organic"]', 'forms = ["tender"]')
    res = sweep(load_experiment(write(tmp_path, text)), workers=1, out=tmp_path / "o", progress=False)
    runs = load_runs(res.out)
    na = runs[runs["status"] == "not_applicable"]
    assert len(na) == 4 and (na["ownership.municipal_land_share"] == 0.0).all()
    assert na["error"].str.contains("owns no land").all() and res.not_applicable == 4


# --------------------------------------------------------------------------- memory


def _peak_traced(tmp_path: Path, reps: int, name: str) -> int:
    text = f"""
[experiment]
name = "mem"
forms = ["sok", "framework_organic"]
replications = {reps}
timeseries = true
set = ["simulation.horizon_quarters=4"]
[[factors]]
path = "behaviour.concession_rate"
levels = [0.1, 0.3]
"""
    exp = load_experiment(write(tmp_path, text, f"{name}.toml"))
    tracemalloc.start()
    try:
        sweep(exp, workers=1, out=tmp_path / name, progress=False, shard_size=16)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.heavy  # minutes on two cores: run by .ci/run's second command (-m heavy)
def test_memory_stays_flat_as_runs_grow(tmp_path):
    _peak_traced(tmp_path, 2, "warm")  # imports and caches
    small = _peak_traced(tmp_path, 10, "small")  # 40 runs
    large = _peak_traced(tmp_path, 40, "large")  # 160 runs
    assert len(load_runs(tmp_path / "large")) == 160
    # results stream to shards: four times the runs must not mean four times the memory
    assert large - small < 0.25 * small + 2_000_000, (small, large)


# --------------------------------------------------------------------------- processes and ports (issue 15)


LONG_SWEEP = """
[experiment]
name = "long"
forms = ["sok"]
design = "grid"
replications = 200
seed = 1
[[factors]]
path = "ownership.municipal_land_share"
levels = [0.3]
"""


def _alive(procs) -> list:
    import psutil

    out = []
    for p in procs:
        try:
            if p.is_running() and p.status() != psutil.STATUS_ZOMBIE:
                out.append(p)
        except psutil.NoSuchProcess:
            pass
    return out


def test_sweep_workers_end_when_the_main_process_is_killed(tmp_path):
    psutil = pytest.importorskip("psutil")
    exp = tmp_path / "long.toml"
    exp.write_text(LONG_SWEEP)  # 200 runs of 25 years: far longer than the test
    cmd = [sys.executable, "-m", "coalitionsim", "sweep", str(exp), "--workers", "2", "--out", str(tmp_path / "o")]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    main_process = psutil.Process(proc.pid)
    children = []
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            children = main_process.children(recursive=True)
            if len(children) >= 2 and (tmp_path / "o" / "manifest.json").is_file():
                break  # the pool is up and working
            time.sleep(0.05)
        assert len(children) >= 2 and proc.poll() is None, "the sweep did not start its workers"
        proc.send_signal(signal.SIGKILL)  # the main process only, not its process group
        proc.wait(timeout=10)
        deadline = time.monotonic() + 60  # generous: a loaded machine; it takes well under a second
        while _alive(children) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _alive(children), f"workers still alive after their parent was killed: {_alive(children)}"
    finally:
        for p in _alive(children):
            p.kill()
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_local_dask_cluster_and_dashboard_listen_on_localhost_only():
    psutil = pytest.importorskip("psutil")
    pytest.importorskip("distributed")
    from coalitionsim.batch.sweep import make_executor

    said = []
    with make_executor(workers=1, scheduler="local", echo=said.append):
        me = psutil.Process()
        listening = [(p.pid, c.laddr) for p in [me, *me.children(recursive=True)]
                     for c in p.net_connections(kind="inet") if c.status == psutil.CONN_LISTEN]
    assert said and "127.0.0.1" in said[0]
    assert listening, "no listening socket found"
    assert all(addr.ip == "127.0.0.1" for _pid, addr in listening), listening


# --------------------------------------------------------------------------- bad input


BAD = {
    "unknown key": ("[experiment]\nname='x'\ncolour='red'\n", "experiment.colour: unknown key"),
    "bad design": ("[experiment]\nname='x'\ndesign='random'\n", "experiment.design"),
    "unknown form": ("[experiment]\nname='x'\nforms=['pps']\n", "unknown form 'pps'"),
    "not toml": ("[experiment\nname='x'\n", "not valid TOML"),
    "no name": ("[experiment]\nforms=['sok']\n", "experiment.name: Field required"),
    "grid without levels": ("[experiment]\nname='x'\n[[factors]]\npath='behaviour.concession_rate'\nmin=0\nmax=1\n",
                            "factors[0] (behaviour.concession_rate): a grid design needs levels"),
    "level out of range": ("[experiment]\nname='x'\n[[factors]]\npath='ownership.municipal_land_share'\n"
                           "levels=[0.2, 1.5]\n", "factors[0] (ownership.municipal_land_share = 1.5)"),
    "unknown path": ("[experiment]\nname='x'\n[[factors]]\npath='behaviour.patience'\nlevels=[1]\n",
                     "unknown key behaviour.patience"),
    "range out of bounds": ("[experiment]\nname='x'\ndesign='lhs'\nsamples=4\n[[factors]]\n"
                            "path='behaviour.concession_rate'\nmin=0.1\nmax=2\n", "factors[0] (behaviour.concession_rate = 2.0)"),
    "sobol not power of two": ("[experiment]\nname='x'\ndesign='sobol'\nsamples=100\n[[factors]]\n"
                               "path='behaviour.concession_rate'\nmin=0.1\nmax=0.2\n", "try 128"),
    "morris without samples": ("[experiment]\nname='x'\ndesign='morris'\n[[factors]]\n"
                               "path='behaviour.concession_rate'\nmin=0.1\nmax=0.2\n", "needs samples"),
    "min above max": ("[experiment]\nname='x'\ndesign='lhs'\nsamples=3\n[[factors]]\n"
                      "path='behaviour.concession_rate'\nmin=0.3\nmax=0.2\n", "min must be below max"),
    "bad set": ("[experiment]\nname='x'\nset=['simulation.horizon_quarters=1']\n", "experiment.set"),
    "unknown scenario": ("[experiment]\nname='x'\nscenario='atlantis'\n", "experiment.scenario"),
    "unknown output": ("[experiment]\nname='x'\noutputs=['happiness']\n", "unknown summary column 'happiness'"),
    "combination breaks a rule": ("[experiment]\nname='x'\n[[factors]]\npath='ownership.municipal_land_share'\n"
                                  "levels=[0.3, 0.7]\n[[factors]]\npath='ownership.corporation_land_share'\n"
                                  "levels=[0.14, 0.25]\n", "design point 3"),
    "range to inf": ("[experiment]\nname='x'\ndesign='lhs'\nsamples=3\n[[factors]]\n"
                     "path='municipality.budget'\nmin=1\nmax=inf\n", "factors.0.max: must be a finite number"),
    "nan level": ("[experiment]\nname='x'\n[[factors]]\npath='tasks.0.cost'\nlevels=[10, nan]\n",
                  "tasks.0.cost: must be a finite number"),
    # issue 30: no silent conversions
    "timeseries as text": ("[experiment]\nname='x'\ntimeseries='yes'\n",
                           'experiment.timeseries: must be true or false, not text (got "yes")'),
    "samples as text": ("[experiment]\nname='x'\ndesign='lhs'\nsamples='8'\n[[factors]]\n"
                        "path='behaviour.concession_rate'\nmin=0.1\nmax=0.2\n",
                        'experiment.samples: must be a whole number, not text (got "8")'),
    "replications as true": ("[experiment]\nname='x'\nreplications=true\n",
                             "experiment.replications: must be a whole number, not true/false (got true)"),
    "a true level of a whole-number field": ("[experiment]\nname='x'\n[[factors]]\npath='subareas.0.plots'\n"
                                             "levels=[12, true]\n", "subareas.0.plots = True"),
    "an unknown key in the base scenario": ("[experiment]\nname='x'\nscenario='secret.toml'\n",
                                            "api_token: unknown key"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_experiment_files_one_line_exit_2_nothing_written(tmp_path, capsys, case):
    text, expected = BAD[case]
    (tmp_path / "secret.toml").write_text('api_token = "s3cr3t-demo"\n')
    path = write(tmp_path, text)
    out = tmp_path / "results"
    assert main(["sweep", str(path), "--out", str(out), "--workers", "1"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: ") and "Traceback" not in err, err
    assert expected in err, err
    assert str(path) in err and "s3cr3t" not in err
    assert not out.exists()


def test_missing_experiment_file(tmp_path, capsys):
    assert main(["sweep", str(tmp_path / "nope.toml"), "--out", str(tmp_path / "r")]) == 2
    assert "no such experiment file" in capsys.readouterr().err and not (tmp_path / "r").exists()


def test_refuses_existing_folder_and_foreign_resume(tmp_path, capsys):
    path = grid(tmp_path)
    out = tmp_path / "o"
    assert main(["sweep", str(path), "--out", str(out), "--workers", "1"]) == 0
    capsys.readouterr()
    assert main(["sweep", str(path), "--out", str(out), "--workers", "1"]) == 2
    assert "pass --resume" in capsys.readouterr().err
    other = grid(tmp_path, levels="[0.2, 0.6]", name="other.toml")  # a different experiment
    assert main(["sweep", str(other), "--out", str(out), "--resume", "--workers", "1"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "different experiment" in err
    # comments and layout do not change the experiment's identity
    same = write(tmp_path, "# a comment\n" + path.read_text(), "same.toml")
    assert main(["sweep", str(same), "--out", str(out), "--resume", "--workers", "1"]) == 0


def test_unreachable_scheduler_is_one_line_and_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.setattr("coalitionsim.batch.sweep.DASK_CONNECT_TIMEOUT", "1s")
    out = tmp_path / "o"
    with pytest.raises(SweepError, match="cannot reach the Dask scheduler"):
        sweep(grid(tmp_path), scheduler="tcp://127.0.0.1:1", out=out, progress=False)
    assert not out.exists()


def test_python_api_accepts_a_path_and_rejects_bad_files(tmp_path):
    with pytest.raises(ExperimentError):
        sweep(write(tmp_path, "[experiment]\nname='x'\ndesign='nope'\n"), out=tmp_path / "o")
    res = sweep(grid(tmp_path), workers=1, out=tmp_path / "o", progress=False)
    assert res.complete and res.planned == 16


# --------------------------------------------------------------------------- analyze


def test_analyze_grid_tables_and_figures(tmp_path, capsys):
    res = sweep(load_experiment(grid(tmp_path, horizon=12)), workers=1, out=tmp_path / "o", progress=False)
    assert main(["analyze", str(res.out)]) == 0
    text = capsys.readouterr().out
    assert "ownership.municipal_land_share" in text and "median [90% interval]" in text
    a = res.out / "analysis"
    table = pd.read_csv(a / "factor_summary.csv")
    assert set(table["factor"]) == {"ownership.municipal_land_share", "behaviour.concession_rate"}
    assert {"realisation_share_median", "realisation_share_p5", "realisation_share_p95"} <= set(table.columns)
    assert (table["runs"] == 4).all()
    for metric in ("realisation_share", "free_riding_index"):
        assert (a / f"main_effects_{metric}.png").stat().st_size > 5000


@pytest.mark.slow
@pytest.mark.parametrize("design,samples", [("morris", 4), ("sobol", 8)])
def test_analyze_sensitivity_indices(tmp_path, capsys, design, samples):
    text = f"""
[experiment]
name = "sa"
forms = ["sok", "framework_organic"]
design = "{design}"
samples = {samples}
replications = 2
seed = 11
outputs = ["realisation_share", "free_riding_index"]
set = ["simulation.horizon_quarters=8"]
[[factors]]
path = "behaviour.free_rider_share"
min = 0.0
max = 0.8
[[factors]]
path = "behaviour.conditional_slope"
min = 0.3
max = 1.2
"""
    res = sweep(load_experiment(write(tmp_path, text)), workers=1, out=tmp_path / "o", progress=False)
    assert main(["analyze", str(res.out)]) == 0
    out = capsys.readouterr().out
    assert "mean over its 2 replications" in out
    table = pd.read_csv(res.out / "analysis" / f"{design}.csv")
    cols = ({"mu", "mu_star", "mu_star_conf", "sigma", "sigma_conf"} if design == "morris"
            else {"S1", "S1_conf", "ST", "ST_conf"})
    assert cols <= set(table.columns) and (table["replications_averaged"] == 2).all()
    fr = table[table["output"] == "free_riding_index"]
    assert set(fr["form"]) == {"sok", "framework_organic"} and len(fr) == 4
    key = "mu_star" if design == "morris" else "ST"
    assert np.isfinite(fr[key]).all() and (fr[f"{key}_conf"] >= 0).all()
    assert (res.out / "analysis" / f"{design}_free_riding_index.png").is_file()


def test_analyze_rejects_a_folder_that_is_not_a_sweep(tmp_path, capsys):
    assert main(["analyze", str(tmp_path)]) == 2
    assert "not a sweep folder" in capsys.readouterr().err


def test_analyze_labels_list_valued_levels():
    from coalitionsim.reporting.analyze import _levels

    values = pd.Series([np.array([{"name": "a", "strategy": "holdout"}], dtype=object),
                        np.array([{"name": "a", "strategy": "cooperative"}], dtype=object)] * 2)
    level, binned = _levels(values, None)
    assert not binned
    assert level.nunique() == 2  # hashable, one label per distinct list
    assert all(isinstance(x, str) and x.startswith("[1]") for x in level)


# --------------------------------------------------------------------------- issue 30: disks, shards, checkpoints, size


def full_disk_after(monkeypatch, writes: int):
    """``DataFrame.to_parquet`` works ``writes`` times, then writes half a file and fails as a full disk does."""
    import errno

    calls = []
    real = pd.DataFrame.to_parquet

    def to_parquet(self, path, *args, **kwargs):
        calls.append(path)
        if len(calls) > writes:
            Path(path).write_bytes(b"PAR1 half")
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(self, path, *args, **kwargs)

    monkeypatch.setattr(pd.DataFrame, "to_parquet", to_parquet)
    return calls


def leftovers(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*")
                  if p.name.endswith((".tmp", ".lock")) or ".partial" in p.name)


def test_a_full_disk_before_any_run_is_stored_is_one_line_and_leaves_nothing(tmp_path, capsys, monkeypatch):
    """Issue 30 item 3: no manifest.json, design.parquet or .tmp shard is left; exit 2, one line."""
    path = grid(tmp_path)
    full_disk_after(monkeypatch, 0)
    out = tmp_path / "o"
    assert main(["sweep", str(path), "--out", str(out), "--workers", "1"]) == 2
    err = capsys.readouterr().err
    assert err.count("error:") == 1 and "Traceback" not in err, err
    line = [x for x in err.splitlines() if x.startswith("error:")][0]
    assert "No space left on device" in line and "free some space" in line and "nothing was kept" in line
    assert not out.exists() and leftovers(tmp_path) == []


def test_a_full_disk_mid_sweep_keeps_the_stored_runs_and_resume_completes(tmp_path, capsys, monkeypatch):
    path = grid(tmp_path)
    out = tmp_path / "o"
    calls = full_disk_after(monkeypatch, 3)  # the design, then two shards of 5 runs (the manifest is JSON)
    assert main(["sweep", str(path), "--out", str(out), "--workers", "1", "--shard-size", "5"]) == 2
    err = capsys.readouterr().err
    assert "continue with --resume" in err and "Traceback" not in err, err
    assert len(calls) == 4 and leftovers(tmp_path) == []
    assert len(load_runs(out)) == 10 and json.loads((out / "manifest.json").read_text())["status"] == "interrupted"
    monkeypatch.undo()
    assert main(["sweep", str(path), "--out", str(out), "--workers", "1", "--resume"]) == 0
    runs = load_runs(out)
    assert sorted(runs["run"]) == list(range(16))


def test_resume_reruns_a_damaged_shard_and_names_it(tmp_path, capsys):
    path = grid(tmp_path, timeseries=True)
    reference = sweep(path, workers=1, out=tmp_path / "ref", progress=False, shard_size=5)
    out = tmp_path / "o"
    sweep(path, workers=1, out=out, progress=False, shard_size=5)
    damaged = shards(out)[1]
    damaged.write_bytes(damaged.read_bytes()[:50])  # truncated
    capsys.readouterr()
    assert main(["analyze", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and damaged.name in err and "--resume" in err and "Traceback" not in err
    assert main(["sweep", str(path), "--out", str(out), "--workers", "1", "--resume"]) == 0
    err = capsys.readouterr().err
    assert f"note: {damaged}: damaged" in err
    pd.testing.assert_frame_equal(comparable(load_runs(reference.out)), comparable(load_runs(out)))
    pd.testing.assert_frame_equal(load_timeseries(reference.out), load_timeseries(out))


def test_sweeps_checkpoint_within_the_flush_interval(tmp_path, monkeypatch):
    """Issue 30 item 9: a kill loses at most max(checkpoint, one run) of finished work. Runs of 0.05 s and a
    checkpoint of 0.25 s: whenever a run starts, every run that ended more than 0.25 s + one run earlier
    is in a shard on disk (the old sweep wrote its first shard after 128 runs or 60 s)."""
    from types import SimpleNamespace

    import coalitionsim.batch.sweep as sweep_module

    out = tmp_path / "o"
    ended: list[float] = []
    late: list[str] = []

    def slow_run(scenario, form, seed, **_kwargs):
        now = time.monotonic()
        stored = sum(len(pd.read_parquet(p, columns=["run"])) for p in shards(out)) if out.exists() else 0
        due = sum(1 for t in ended if t < now - 0.25 - 0.1)  # (the run that ends the wait, and some slack)
        if stored < due:
            late.append(f"{due} runs due, {stored} stored")
        time.sleep(0.05)
        if out.exists():  # (not the probe run timed for the estimate, before the folder is made)
            ended.append(time.monotonic())
        return SimpleNamespace(summary={"realisation_share": 0.5}, timeseries=None)

    monkeypatch.setattr(sweep_module, "run_model", slow_run)
    monkeypatch.setattr(sweep_module, "CHECKPOINT_SECONDS", 0.25, raising=False)
    text = GRID.format(horizon=8, levels="[0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5]", timeseries="false")
    res = sweep(write(tmp_path, text), workers=1, out=out, progress=False)  # 36 runs, about 2 s
    assert res.complete and len(ended) >= 36
    assert late == []
    assert len(shards(out)) >= 4


def test_batches_stay_within_the_checkpoint():
    from coalitionsim.batch.sweep import MAX_BATCH, batch_size

    assert batch_size(10_000, 1, 0.01, 5.0) == 1  # serial: one run at a time
    assert batch_size(10_000, 4, 0.01, 5.0) == MAX_BATCH  # fast runs: full batches
    assert batch_size(10_000, 4, 2.0, 5.0) == 2  # 2 s runs: 2 per batch, about 5 s of work a worker may lose
    assert batch_size(10_000, 4, 30.0, 5.0) == 1
    assert batch_size(40, 4, 0.01, 5.0) == 1  # few runs: every worker gets several batches


def test_batches_shrink_towards_the_end_of_a_sweep():
    """Guided scheduling: full batches while many runs are left, then smaller ones, so that at the end no worker
    still runs a full batch while the other waits; every job is sent once, in order."""
    from coalitionsim.batch.sweep import MAX_BATCH, job_batches

    batches = list(job_batches(iter(range(1_000)), 1_000, 2, 0.01, 5.0))
    sizes = [len(b) for b in batches]
    assert [j for b in batches for j in b] == list(range(1_000))
    assert sizes[0] == MAX_BATCH and sizes[-1] == 1
    assert sizes == sorted(sizes, reverse=True)
    # with fixed batches the last two would both be full (1,000 = 62 x 16 + 8)
    assert sum(1 for s in sizes if s < MAX_BATCH) >= 5


def test_a_design_above_the_size_limit_asks_or_needs_yes(tmp_path, capsys, monkeypatch):
    """The limit is LARGE_DESIGN_RUNS (set to 10 here); the 16-run grid is above it."""
    import coalitionsim.runner.workload as workload
    from coalitionsim.runner.workload import DesignTooLarge, confirm_size

    monkeypatch.setattr(workload, "LARGE_DESIGN_RUNS", 10)
    path = grid(tmp_path)
    out = tmp_path / "o"
    assert main(["sweep", str(path), "--out", str(out), "--workers", "1"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "16 runs, more than 10" in err and "--yes" in err
    assert not out.exists()
    assert main(["sweep", str(path), "--out", str(out), "--workers", "1", "--yes"]) == 0
    err = capsys.readouterr().err
    assert "16 runs" in err and "16 to do" in err and "s per run" in err  # size and estimate before the runs
    asked = []
    confirm_size(16, "x", ask=lambda q: asked.append(q) or True)
    assert asked == ["x: 16 runs, more than 10. Run them?"]
    with pytest.raises(DesignTooLarge, match="not started"):
        confirm_size(16, "x", ask=lambda q: False)
    confirm_size(10, "x")  # at the limit: no question


def test_temporary_shard_names_differ_between_processes_and_calls(tmp_path):
    """Issue 30 item 4: two sweeps on one folder picked the same '.part-N.parquet.tmp' and one crashed."""
    from coalitionsim.batch.sweep import _tmp_name

    target = tmp_path / "runs" / "part-00003.parquet"
    names = {_tmp_name(target) for _ in range(50)}
    assert len(names) == 50 and all(str(os.getpid()) in n.name and n.name.endswith(".tmp") for n in names)
