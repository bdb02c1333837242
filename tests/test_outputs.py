"""Never lose a user's files, and no tracebacks (issue 15): every bad input is one line and exit code 2
before any run, and nothing outside the tool's own results changes; ``--overwrite`` replaces only what
coalitionsim wrote, in full or not at all; names from a scenario stay inside ``results/``; inf and nan are
refused. (Sweep workers that end with their parent, and the local Dask cluster on 127.0.0.1: test_sweep.py.)"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import socket
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coalitionsim.cli import main
from coalitionsim.runner import store

SHORT = ["--set", "simulation.horizon_quarters=4"]
COMPARE = ["compare", "--replications", "1", "--workers", "1", *SHORT]
COMPARE_DEFAULT = "compare-reference" + store.overrides_tag([SHORT[1]])  # with --set: its own default folder
RUN = ["run", "--seed", "1", *SHORT]
THESIS = b"PK\x03\x04 three years of work"

EXPERIMENT = """
[experiment]
name = "tiny"
forms = ["sok"]
design = "grid"
replications = 1
seed = 1
set = ["simulation.horizon_quarters=4"]
[[factors]]
path = "ownership.municipal_land_share"
levels = [0.3]
"""


# --------------------------------------------------------------------------- made once, copied per test


@pytest.fixture(scope="module")
def made(tmp_path_factory) -> dict[str, Path]:
    """A compare folder, a sweep folder (with an analysis and without) and its experiment file."""
    root = tmp_path_factory.mktemp("made")
    (root / "tiny.toml").write_text(EXPERIMENT)
    assert main([*COMPARE, "--out", str(root / "compare")]) == 0
    assert main(["sweep", str(root / "tiny.toml"), "--workers", "1", "--out", str(root / "sweep")]) == 0
    shutil.copytree(root / "sweep", root / "analysed")
    assert main(["analyze", str(root / "analysed")]) == 0
    return {"compare": root / "compare", "sweep": root / "sweep", "analysed": root / "analysed",
            "experiment": root / "tiny.toml"}


class Here:
    """Builds the situation of one case inside the test's folder (which is also the working folder)."""

    def __init__(self, root: Path, made: dict[str, Path]):
        self.root, self.made = root, made

    def thesis(self, name: str = "mydata") -> str:
        """A folder of the user's with a file in it."""
        folder = self.root / name
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "thesis.docx").write_bytes(THESIS)
        return str(folder)

    def copy(self, what: str, name: str | None = None) -> str:
        dest = self.root / (name or what)
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(self.made[what], dest)
        return str(dest)

    def experiment(self, text: str = EXPERIMENT) -> str:
        path = self.root / "exp.toml"
        path.write_text(text)
        return str(path)

    def file(self, name: str = "notes.txt") -> Path:
        path = self.root / name
        path.write_text("my notes")
        return path

    def unwritable(self) -> str:
        """A path in a folder nobody may create anything in."""
        if os.geteuid() == 0:  # root may write everywhere on disk; sysfs refuses even root
            if not Path("/sys").is_dir():
                pytest.skip("needs /sys (Linux) to make a place root cannot write")
            return "/sys/coalitionsim-test/out"
        locked = self.root / "locked"
        locked.mkdir(mode=0o500)
        return str(locked / "out")

    def scenario(self, text: str, name: str = "area.toml") -> str:
        path = self.root / name
        path.write_text(text, encoding="utf-8")
        return str(path)

    def csv(self, name: str = "mine.csv") -> str:
        """A CSV file of the user's."""
        path = self.root / name
        path.write_text("x\n")
        return str(path)

    def symlink(self, name: str = "link.csv") -> str:
        """A symbolic link to a file of the user's."""
        link = self.root / name
        link.symlink_to(self.csv("target.csv"))
        return str(link)

    def in_use(self, target: str) -> str:
        """``target`` with the lock of a command that still runs (this very test process, on this host)."""
        lock = store.lock_path(target)
        lock.parent.mkdir(parents=True, exist_ok=True)
        lock.write_text(json.dumps({"host": socket.gethostname(), "pid": os.getpid(), "token": "t",
                                    "since": "2026-01-01T00:00:00+00:00", "command": "coalitionsim sweep x"}))
        return target

    def long_name(self) -> str:
        """A name of 100 three-byte characters (300 bytes; file systems allow 255)."""
        return str(self.root / ("€" * 100))

    def damaged(self, what: str, shard: str = "runs/part-00000.parquet", content: bytes | None = None) -> str:
        """A copy of a result folder with one file truncated (or replaced by ``content``)."""
        folder = Path(self.copy(what))
        path = folder / shard
        path.write_bytes(path.read_bytes()[:100] if content is None else content)
        return str(folder)

    def foreign_shard(self) -> str:
        """A sweep folder whose first runs shard is another program's Parquet file."""
        import pandas as pd

        folder = Path(self.copy("sweep"))
        pd.DataFrame({"name": ["a"], "value": [1.0]}).to_parquet(folder / "runs" / "part-00000.parquet")
        return str(folder)

    def latin1_scenario(self) -> str:
        path = self.root / "area.toml"
        path.write_bytes('[meta]\nname = "Zuidas"\ndescription = "café, één"\n'.encode("latin-1"))
        return str(path)


def with_thesis(folder: str) -> str:
    (Path(folder) / "thesis.docx").write_bytes(THESIS)
    return folder


def in_working_folder(h: Here, args: list[str]) -> list[str]:
    h.thesis(".")
    return args


def corrupt(folder: str, content: bytes) -> str:
    Path(folder, "manifest.json").write_bytes(content)
    return folder


def into_and_of(folder: str, *args: str) -> list[str]:
    """``args`` with the same folder as input and output (``{}`` marks the places)."""
    return [folder if a == "{}" else a for a in args]


LEVERS = ["levers", "--only", "instruments.biz", "--seeds", "2", "--horizon", "4", "--forms", "sok"]
PLOTS = "[[subareas]]\nname = 'A'\nplots = {}\nhomes_per_plot = 100\n"
HUGE_MORRIS = EXPERIMENT.replace('design = "grid"', 'design = "morris"\nsamples = 1000000').replace(
    "levels = [0.3]", "min = 0.2\nmax = 0.4\n[[factors]]\npath = \"behaviour.concession_rate\"\nmin = 0.1\nmax = 0.3")
LHS_TO_INF = EXPERIMENT.replace('design = "grid"', 'design = "lhs"\nsamples = 2').replace("levels = [0.3]",
                                                                                          "min = 0.1\nmax = inf")
INF_LEVEL = EXPERIMENT.replace("ownership.municipal_land_share", "municipality.budget").replace("[0.3]", "[10, inf]")

CASES = {
    # --- outputs never destroy what the tool did not write, and never replace results silently
    "run --out a folder of the user's": lambda h: ([*RUN, "--out", h.thesis()], ["--out", "not empty"]),
    "compare --out a folder of the user's": lambda h: ([*COMPARE, "--out", h.thesis()], ["--out", "not empty"]),
    "run --out . (the working folder)": lambda h: (in_working_folder(h, [*RUN, "--out", "."]), ["current folder"]),
    "compare --out .": lambda h: (in_working_folder(h, [*COMPARE, "--out", "."]), ["current folder"]),
    "compare --out .. --overwrite": lambda h: ([*COMPARE, "--out", "..", "--overwrite"], ["current folder"]),
    "run --out a folder of the user's --overwrite": lambda h: ([*RUN, "--out", h.thesis(), "--overwrite"],
                                                               ["--overwrite replaces only"]),
    "compare --overwrite of results with a file of the user's in them": lambda h: (
        [*COMPARE, "--out", with_thesis(h.copy("compare")), "--overwrite"], ["thesis.docx", "did not write"]),
    "compare: a second compare into the default folder": lambda h: (
        [*COMPARE] if h.copy("compare", f"results/{COMPARE_DEFAULT}") else [],
        ["already holds coalitionsim results", "--overwrite"]),
    "compare: meta.name leads out of results/": lambda h: (
        ["compare", h.scenario('[meta]\nname = "x/../../../victim"\n'), "--replications", "1"]
        if h.thesis("../victim") else [], ["meta.name", "results folder"]),
    "sweep --out a folder of the user's": lambda h: (["sweep", h.experiment(), "--out", h.thesis()], ["not empty"]),
    "sweep --out a folder of the user's --overwrite": lambda h: (
        ["sweep", h.experiment(), "--out", h.thesis(), "--overwrite"], ["--overwrite replaces only"]),
    "sweep --resume --overwrite": lambda h: (
        ["sweep", h.experiment(), "--out", h.copy("sweep"), "--resume", "--overwrite"], ["exclude each other"]),
    "sweep --resume of a compare folder": lambda h: (
        ["sweep", h.experiment(), "--out", h.copy("compare"), "--resume"], ["not a sweep"]),
    "analyze --out a folder of the user's": lambda h: (["analyze", h.copy("sweep"), "--out", h.thesis()],
                                                       ["not empty"]),
    "analyze: a second analysis into the default folder": lambda h: (["analyze", h.copy("analysed")],
                                                                      ["already holds", "--overwrite"]),
    "analyze --out the sweep folder itself": lambda h: (
        into_and_of(h.copy("sweep"), "analyze", "{}", "--out", "{}", "--overwrite"), ["holds the input"]),
    "report --out a file of the user's": lambda h: (
        ["report", h.copy("compare"), "--out", str(Path(h.thesis()) / "thesis.docx")], ["exists", "--overwrite"]),
    "report --out a file of the user's --overwrite": lambda h: (
        ["report", h.copy("compare"), "--out", str(Path(h.thesis()) / "thesis.docx"), "--overwrite"],
        ["only a file coalitionsim wrote"]),
    "report --export a folder of the user's": lambda h: (["report", h.copy("compare"), "--export", h.thesis()],
                                                         ["--export", "not empty"]),
    "report --export the input folder --overwrite": lambda h: (
        into_and_of(h.copy("compare"), "report", "{}", "--export", "{}", "--overwrite"), ["holds the input"]),
    # --- input that used to give a traceback
    "run: a scenario file that is not UTF-8": lambda h: (["run", h.latin1_scenario()], ["area.toml", "UTF-8"]),
    "compare: a scenario file that is not UTF-8": lambda h: (["compare", h.latin1_scenario()], ["UTF-8"]),
    "advise: a scenario file that is not UTF-8": lambda h: (["advise", h.latin1_scenario()], ["UTF-8"]),
    "analyze: a corrupt manifest.json": lambda h: (["analyze", corrupt(h.copy("sweep"), b'{"kind": "sweep", ')],
                                                   ["manifest.json", "cannot read"]),
    "analyze: a compare folder": lambda h: (["analyze", h.copy("compare")], ["not a sweep folder"]),
    "report: a corrupt manifest.json": lambda h: (["report", corrupt(h.copy("compare"), b"[1, 2")],
                                                  ["manifest.json", "cannot read"]),
    "sweep --resume: a corrupt manifest.json": lambda h: (
        ["sweep", h.experiment(), "--out", corrupt(h.copy("sweep"), b"\xff\xfe"), "--resume"],
        ["manifest.json", "cannot read"]),
    # --- outputs that cannot be written: found before the runs
    "run --out unwritable": lambda h: ([*RUN, "--out", h.unwritable()], ["--out", "cannot write"]),
    "compare --out unwritable": lambda h: ([*COMPARE, "--out", h.unwritable()], ["--out", "cannot write"]),
    "sweep --out unwritable": lambda h: (["sweep", h.experiment(), "--out", h.unwritable()], ["cannot write"]),
    "analyze --out unwritable": lambda h: (["analyze", h.copy("sweep"), "--out", h.unwritable()], ["cannot write"]),
    "report --out unwritable (no analysis/ written first)": lambda h: (
        ["report", h.copy("sweep"), "--out", h.unwritable() + ".html"], ["--out", "cannot write"]),
    "report --export unwritable": lambda h: (["report", h.copy("compare"), "--export", h.unwritable()],
                                             ["--export", "cannot write"]),
    "run --out under a file": lambda h: ([*RUN, "--out", str(h.file() / "out")], ["notes.txt", "is a file"]),
    "compare --out under a file": lambda h: ([*COMPARE, "--out", str(h.file() / "a" / "b")], ["is a file"]),
    "sweep --out under a file": lambda h: (["sweep", h.experiment(), "--out", str(h.file() / "o")], ["is a file"]),
    "analyze --out under a file": lambda h: (["analyze", h.copy("sweep"), "--out", str(h.file() / "a")],
                                             ["is a file"]),
    "report --out under a file": lambda h: (["report", h.copy("sweep"), "--out", str(h.file() / "r.html")],
                                            ["is a file"]),
    "run --out is a file": lambda h: ([*RUN, "--out", str(h.file())], ["exists and is not a folder"]),
    "report --out is a folder": lambda h: (["report", h.copy("compare"), "--out", h.thesis()], ["is a folder"]),
    # --- values that mean nothing
    "run --set market.value_market=inf": lambda h: ([*RUN, "--set", "market.value_market=inf"],
                                                    ["market.value_market", "finite"]),
    "compare --set municipality.budget=inf": lambda h: ([*COMPARE, "--set", "municipality.budget=inf"],
                                                        ["municipality.budget", "finite"]),
    "run --set tasks.0.cost=nan": lambda h: ([*RUN, "--set", "tasks.0.cost=nan"], ["tasks.0.cost", "finite"]),
    "advise --set rijk.gebiedsbudget=-inf": lambda h: (["advise", "--set", "rijk.gebiedsbudget=-inf"],
                                                       ["rijk.gebiedsbudget", "finite"]),
    "run: inf in a scenario file": lambda h: (["run", h.scenario("[market]\nvalue_market = inf\n")],
                                              ["market.value_market", "finite"]),
    "sweep: a factor range up to inf": lambda h: (["sweep", h.experiment(LHS_TO_INF)], ["max", "finite"]),
    "sweep: an inf level": lambda h: (["sweep", h.experiment(INF_LEVEL)], ["municipality.budget", "finite"]),
    # --- issue 30: levers --out follows the output rule, checked before the screen runs
    "levers --out a file of the user's": lambda h: ([*LEVERS, "--out", h.csv()], ["mine.csv", "exists"]),
    "levers --out a file of the user's --overwrite": lambda h: (
        [*LEVERS, "--out", h.csv(), "--overwrite"], ["only a file coalitionsim wrote"]),
    "levers --out a symbolic link": lambda h: ([*LEVERS, "--out", h.symlink()], ["symbolic link"]),
    "levers --out a folder": lambda h: ([*LEVERS, "--out", h.thesis("tables.csv")], ["is a folder"]),
    "levers --out unwritable": lambda h: ([*LEVERS, "--out", h.unwritable() + ".csv"], ["--out", "cannot write"]),
    # --- damaged or foreign result files: one line naming the file and what to do
    "analyze: a truncated shard": lambda h: (["analyze", h.damaged("sweep")],
                                             ["runs/part-00000.parquet", "damaged", "--resume"]),
    "analyze: a shard overwritten with text": lambda h: (["analyze", h.damaged("sweep", content=b"my notes")],
                                                         ["part-00000.parquet", "--resume", "remove"]),
    "analyze: another program's Parquet file as a shard": lambda h: (["analyze", h.foreign_shard()],
                                                                     ["part-00000.parquet", "no 'run' column"]),
    "report: a truncated shard": lambda h: (["report", h.damaged("sweep")], ["part-00000.parquet", "--resume"]),
    "report: a truncated time series of a compare": lambda h: (
        ["report", h.damaged("compare", "timeseries.parquet")], ["timeseries.parquet", "damaged"]),
    # --- names longer than the file system allows
    "run --out a name too long": lambda h: ([*RUN, "--out", h.long_name()], ["--out", "File name too long"]),
    "compare --out a name too long": lambda h: ([*COMPARE, "--out", h.long_name()], ["File name too long"]),
    "sweep --out a name too long": lambda h: (["sweep", h.experiment(), "--out", h.long_name()],
                                              ["File name too long"]),
    "levers --out a name too long": lambda h: ([*LEVERS, "--out", h.long_name() + ".csv"], ["File name too long"]),
    "report --out a name too long": lambda h: (["report", h.copy("compare"), "--out", h.long_name() + ".html"],
                                               ["File name too long"]),
    # --- one command per output folder: a second one is refused, naming the holder
    "sweep --overwrite of a sweep in use": lambda h: (
        ["sweep", h.experiment(), "--out", h.in_use(h.copy("sweep")), "--overwrite"],
        ["in use", f"process {os.getpid()}", "coalitionsim sweep x"]),
    "sweep --resume of a sweep in use": lambda h: (
        ["sweep", h.experiment(), "--out", h.in_use(h.copy("sweep")), "--resume"], ["in use", "remove"]),
    "run --out a folder in use": lambda h: ([*RUN, "--out", h.in_use(str(h.root / "new"))], ["in use"]),
    "compare --out a folder in use": lambda h: ([*COMPARE, "--out", h.in_use(str(h.root / "new"))], ["in use"]),
    "analyze of a sweep whose analysis is in use": lambda h: (
        ["analyze", str(Path(h.in_use(str(Path(h.copy("sweep")) / "analysis"))).parent)], ["in use"]),
    "report --out a report in use": lambda h: (
        ["report", h.copy("compare"), "--out", h.in_use(str(h.root / "r.html"))], ["in use"]),
    "levers --out a file in use": lambda h: ([*LEVERS, "--out", h.in_use(str(h.root / "t.csv"))], ["in use"]),
    # --- wrong types are not converted
    "run: plots = true": lambda h: (["run", h.scenario(PLOTS.format("true"))],
                                    ["subareas.0.plots", "whole number", "true"]),
    "run: plots = \"12\"": lambda h: (["run", h.scenario(PLOTS.format('"12"'))],
                                      ["subareas.0.plots", "whole number", '"12"']),
    "run --set subareas.0.plots=true": lambda h: ([*RUN, "--set", "subareas.0.plots=true"],
                                                  ["subareas.0.plots", "whole number", "true"]),
    "compare --set a quoted number": lambda h: ([*COMPARE, "--set", 'municipality.budget="40"'],
                                                ["municipality.budget", "a number", '"40"']),
    "advise --set instruments.biz=1": lambda h: (["advise", "--set", "instruments.biz=1"],
                                                 ["instruments.biz", "true or false"]),
    "sweep: timeseries = \"yes\"": lambda h: (
        ["sweep", h.experiment(EXPERIMENT.replace("seed = 1", 'seed = 1\ntimeseries = "yes"'))],
        ["experiment.timeseries", "true or false", '"yes"']),
    "sweep: replications = true": lambda h: (
        ["sweep", h.experiment(EXPERIMENT.replace("replications = 1", "replications = true"))],
        ["experiment.replications", "whole number"]),
    # --- a design too large is not started without --yes (and not built first)
    "sweep: a Morris design of a million trajectories": lambda h: (
        ["sweep", h.experiment(HUGE_MORRIS)], ["3,000,000 runs", "--yes"]),
}


def snapshot(root: Path) -> dict[str, str]:
    """Every file and folder under ``root`` with a hash of its content."""
    out = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        out[rel] = "dir" if path.is_dir() else hashlib.sha256(path.read_bytes()).hexdigest()
    return out


@pytest.fixture
def no_runs(monkeypatch):
    """Any model run fails the test: the cases must be refused before any work."""
    def forbidden(*_args, **_kwargs):
        raise AssertionError("a model run started although the input was bad")

    monkeypatch.setattr("coalitionsim.runner.runs.run_model", forbidden)
    monkeypatch.setattr("coalitionsim.runner.runs.run_jobs", forbidden)
    monkeypatch.setattr("coalitionsim.batch.sweep.run_model", forbidden)

    from SALib.sample import morris

    def small_morris(problem, n, *args, **kwargs):
        assert n < 100_000, "a huge design was built before its size was checked"
        return real_morris(problem, n, *args, **kwargs)

    real_morris = morris.sample
    monkeypatch.setattr(morris, "sample", small_morris)


@pytest.mark.parametrize("case", list(CASES))
def test_bad_input_is_one_line_exit_2_and_touches_nothing(case, tmp_path, made, monkeypatch, capsys, no_runs):
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    args, expected = CASES[case](Here(work, made))
    before = snapshot(tmp_path)
    code = main(list(args))
    out, err = capsys.readouterr()
    assert code == 2, f"exit code {code}; stderr {err!r}"
    lines = err.strip("\n").splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert "Traceback" not in err + out
    for text in expected:
        assert text in lines[0], f"{text!r} not in {lines[0]!r}"
    assert snapshot(tmp_path) == before, "a file changed, appeared or disappeared"


# --------------------------------------------------------------------------- --overwrite, full or nothing


def test_a_second_compare_is_refused_and_overwrite_replaces_only_the_results(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    results = tmp_path / "results"
    results.mkdir()
    (results / "thesis.docx").write_bytes(THESIS)  # next to the default folder
    assert main([*COMPARE, "--seed", "1"]) == 0
    folder = results / COMPARE_DEFAULT
    first = json.loads((folder / "manifest.json").read_text())
    assert first["written_by"] == "coalitionsim" and first["root_seed"] == 1
    assert {"summary.csv", "summary.parquet", "timeseries.parquet", "projects.parquet", "manifest.json",
            "figures/realisation.png"} <= set(first["files"])
    capsys.readouterr()
    assert main([*COMPARE, "--seed", "2"]) == 2
    assert "--overwrite" in capsys.readouterr().err
    assert json.loads((folder / "manifest.json").read_text())["root_seed"] == 1  # untouched
    assert main(["report", str(folder)]) == 0  # a report in the folder is coalitionsim's too
    assert main([*COMPARE, "--seed", "2", "--overwrite"]) == 0
    assert json.loads((folder / "manifest.json").read_text())["root_seed"] == 2
    assert not (folder / "report.html").exists()  # the old results went as a whole
    assert (results / "thesis.docx").read_bytes() == THESIS
    assert sorted(p.name for p in results.iterdir()) == [COMPARE_DEFAULT, "thesis.docx"]  # no leftovers


def test_a_failed_overwrite_leaves_the_old_results_and_no_partial_folder(tmp_path):
    import pandas as pd

    out = tmp_path / "r"
    info = store.manifest("run", {}, [1])
    store.write_outputs(out, {"summary": pd.DataFrame({"a": [1]})}, info)
    before = snapshot(out)

    def broken_figures(folder):
        folder.mkdir()
        (folder / "half.png").write_bytes(b"\x89PNG")
        raise RuntimeError("the plot failed")

    with pytest.raises(RuntimeError):
        store.write_outputs(out, {"summary": pd.DataFrame({"a": [2]})}, info, figures=broken_figures, overwrite=True)
    assert snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r"]


def test_run_overwrite_and_a_new_nested_folder(tmp_path, capsys):
    out = tmp_path / "a" / "b" / "run"
    assert main([*RUN, "--out", str(out)]) == 0
    assert main([*RUN, "--out", str(out)]) == 2
    assert main([*RUN, "--out", str(out), "--overwrite", "--seed", "5"]) == 0
    assert json.loads((out / "manifest.json").read_text())["seeds"] == [5]


def test_analyze_out_and_overwrite(tmp_path, made, capsys):
    sweep_dir = tmp_path / "s"
    shutil.copytree(made["sweep"], sweep_dir)
    out = tmp_path / "elsewhere" / "analysis"
    assert main(["analyze", str(sweep_dir), "--out", str(out)]) == 0
    assert (out / "by_form.csv").is_file() and not (sweep_dir / "analysis").exists()
    assert json.loads((out / "manifest.json").read_text())["kind"] == "analysis"
    assert f"written to {out}" in capsys.readouterr().out
    assert main(["analyze", str(sweep_dir), "--out", str(out)]) == 2
    assert main(["analyze", str(sweep_dir), "--out", str(out), "--overwrite"]) == 0
    # a sweep folder holding its analysis can itself be overwritten by a new sweep
    assert main(["analyze", str(sweep_dir)]) == 0
    assert main(["sweep", str(made["experiment"]), "--workers", "1", "--out", str(sweep_dir), "--overwrite"]) == 0
    assert not (sweep_dir / "analysis").exists() and (sweep_dir / "design.parquet").is_file()


def test_report_refuses_to_replace_a_report_without_overwrite(tmp_path, made, capsys):
    folder = tmp_path / "c"
    shutil.copytree(made["compare"], folder)
    export = tmp_path / "export"
    assert main(["report", str(folder), "--export", str(export)]) == 0
    assert main(["report", str(folder)]) == 2
    assert "--overwrite" in capsys.readouterr().err
    assert main(["report", str(folder), "--export", str(export), "--overwrite"]) == 0
    assert json.loads((export / "manifest.json").read_text())["kind"] == "export"


# --------------------------------------------------------------------------- names from a scenario


@given(st.text(max_size=300))
def test_a_scenario_name_is_always_one_folder_inside_results(name):
    folder = store.results_folder(f"compare-{name}")
    assert folder.parent == store.RESULTS and len(folder.parts) == 2
    assert folder.name not in ("", ".", "..") and not folder.name.startswith(".")
    assert "/" not in folder.name and "\\" not in folder.name and "\x00" not in folder.name
    assert Path(os.path.abspath(folder)).parent == Path(os.path.abspath(store.RESULTS))


@pytest.mark.parametrize("name", ["x/../../../victim", "..", "a\\b", "tab\there", "/etc"])
def test_a_scenario_name_that_is_a_path_is_refused(name):
    from coalitionsim import ScenarioError, load_scenario

    with pytest.raises(ScenarioError, match="meta.name"):
        load_scenario(None, [f"meta.name={json.dumps(name)}"])


# --------------------------------------------------------------------------- issue 30: secrets, full disks, locks


SECRET = "s3cr3t-demo"


@pytest.mark.parametrize("command", ["run", "advise", "sweep"])
def test_an_unknown_key_is_named_without_its_value(tmp_path, capsys, command):
    """Issue 30 item 8: a TOML file read by mistake (a config with a token) must not have its values echoed."""
    secret = tmp_path / "secret.toml"
    secret.write_text(f'api_token = "{SECRET}"\n[database]\npassword = "{SECRET}"\n')
    if command == "sweep":
        args = ["sweep", str(Here(tmp_path, {}).experiment(EXPERIMENT.replace('forms = ["sok"]',
                                                                               f'forms = ["sok"]\nscenario = "{secret}"')))]
    else:
        args = [command, str(secret)]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "api_token: unknown key" in err and err.count("\n") == 1, err
    assert SECRET not in err and "s3cr3t" not in err


def full_disk(monkeypatch, when=lambda path: True):
    """Writes of Parquet files, CSV tables and text files (for which ``when(path)``) put a few bytes on
    disk and then fail as on a full disk."""
    import errno

    import pandas as pd

    def failing(real):
        def write(self, path, *args, **kwargs):
            if when(Path(path)):
                Path(path).write_bytes(b"half")
                raise OSError(errno.ENOSPC, "No space left on device")
            return real(self, path, *args, **kwargs)
        return write

    monkeypatch.setattr(pd.DataFrame, "to_parquet", failing(pd.DataFrame.to_parquet))
    monkeypatch.setattr(pd.DataFrame, "to_csv", failing(pd.DataFrame.to_csv))
    real_text = Path.write_text

    def write_text(self, data, *args, **kwargs):
        if when(self):
            real_text(self, data[:10], *args, **kwargs)
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_text(self, data, *args, **kwargs)

    monkeypatch.setattr(Path, "write_text", write_text)


@pytest.mark.parametrize("command", ["run", "compare", "levers", "report", "analyze"])
def test_a_full_disk_is_one_line_exit_2_and_leaves_nothing_half_written(command, tmp_path, made, monkeypatch,
                                                                        capsys):
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    h = Here(work, made)
    args = {"run": [*RUN, "--out", "out"], "compare": [*COMPARE, "--out", "out"],
            "levers": [*LEVERS, "--out", "out.csv"],
            "report": ["report", h.copy("compare"), "--out", "out.html"],
            "analyze": ["analyze", h.copy("sweep"), "--out", "out"]}[command]
    before = snapshot(tmp_path)
    full_disk(monkeypatch)
    code = main(args)
    out, err = capsys.readouterr()
    assert code == 2, err
    lines = err.strip("\n").splitlines()
    assert len(lines) == 1 and "No space left on device" in lines[0] and "free some space" in lines[0], err
    monkeypatch.undo()
    assert snapshot(tmp_path) == before, "a file was left behind or changed"


def test_a_stale_lock_is_taken_over_with_a_note(tmp_path, capsys):
    import subprocess
    import sys

    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    out = tmp_path / "r"
    lock = store.lock_path(out)
    lock.write_text(json.dumps({"host": socket.gethostname(), "pid": int(gone.stdout), "token": "old",
                                "since": "2026-01-01T00:00:00+00:00", "command": "coalitionsim run"}))
    assert main([*RUN, "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert f"note: took over {lock.name}" in err and f"process {int(gone.stdout)}" in err and "no longer runs" in err
    assert (out / "manifest.json").is_file() and not lock.exists()
    # a lock with no record, left by a start that crashed long ago, is taken over too
    lock.write_text("")
    os.utime(lock, (0, 0))
    assert main([*RUN, "--out", str(out), "--overwrite"]) == 0
    assert not lock.exists()


@pytest.mark.parametrize("command", [RUN, COMPARE])
def test_two_commands_into_one_new_folder_do_not_both_succeed(command, tmp_path, capsys):
    """Issue 30 item 4: the later one used to replace the earlier one silently, and both said so."""
    import threading

    out = tmp_path / "new"
    codes: list[int] = []
    start = threading.Barrier(2)

    def one() -> None:
        start.wait()
        codes.append(main([*command, "--out", str(out)]))

    threads = [threading.Thread(target=one) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    err = capsys.readouterr().err
    assert sorted(codes) == [0, 2], err
    assert "in use by another coalitionsim command" in err or "already holds coalitionsim results" in err
    assert not store.lock_path(out).exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["new"]


def test_the_land_company_outputs_are_declared():
    """Issue 24: ledger kinds ``servicing_cost`` and ``plot_issue``, per-run ``gem_land_result`` (M€, NaN
    outside the GEM), event kinds ``plot_issue``, ``phasing`` and ``handover`` (docs/ODD.md §2.10, §4.11)."""
    import math

    from coalitionsim import AreaDevelopmentModel, load_scenario
    from coalitionsim.model.ledger import KINDS
    from coalitionsim.model.metrics import summary

    assert {"servicing_cost", "plot_issue"} <= set(KINDS)
    sc = load_scenario(None, ["simulation.horizon_quarters=60"])
    gem = AreaDevelopmentModel(sc, "gem", 1).run()
    row = summary(gem)
    assert math.isfinite(row["gem_land_result"])
    assert {"plot_issue", "phasing"} <= {e.kind for e in gem.events}
    assert {"servicing_cost", "plot_issue"} <= set(gem.ledger.table()["kind"])
    assert math.isnan(summary(AreaDevelopmentModel(sc, "sok", 1).run())["gem_land_result"])


def test_the_municipal_write_down_is_declared():
    """Issue 25: per-run ``writedown`` (M€, summed ``writedown`` events; a book entry beside, never in,
    ``public_deficit``), with its reporting label (docs/ODD.md §2.10, §4.5)."""
    from coalitionsim import AreaDevelopmentModel, load_scenario
    from coalitionsim.model.metrics import summary
    from coalitionsim.reporting.vocabulary import VOCABULARY

    assert "writedown" in VOCABULARY
    m = AreaDevelopmentModel(load_scenario(None, ["simulation.horizon_quarters=8"]), "tender", 1)
    m.run()
    before = summary(m)["writedown"]  # its own (a loss known when the land was booked is written down at once)
    m.log("writedown", "a test write-down", amount=3.0)
    row = summary(m)
    assert row["writedown"] == pytest.approx(before + 3.0)
    assert row["public_deficit"] == pytest.approx(-m.public_balance - row["public_assets"])  # not in it
