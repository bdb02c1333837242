"""The command line says what it did and helps a user who mistypes (issue 31): the overrides a result was
made with (header, manifest, report, default folder), the advice first, progress, "did you mean", the busy
app port, bare sweep, cut cells with an ellipsis. Quick and safe under xdist (tmp_path everywhere)."""

from __future__ import annotations

import json

import pytest

from coalitionsim.cli import main
from coalitionsim.runner import store

SHORT = ["--set", "simulation.horizon_quarters=8"]


def run_cli(capsys, args):
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


# ------------------------------------------------------------------ overrides are said, recorded and hashed
def test_overrides_tag_is_empty_without_overrides_and_follows_what_they_set():
    assert store.overrides_tag([]) == ""
    a = store.overrides_tag(["simulation.horizon_quarters=8", "ownership.passive_owners=2"])
    assert len(a) == 7 and a.startswith("-")
    assert a == store.overrides_tag(["ownership.passive_owners = 2", "simulation.horizon_quarters=8"])  # order, spaces
    assert a != store.overrides_tag(["simulation.horizon_quarters=9", "ownership.passive_owners=2"])
    assert store.overrides_tag(["x=1", "x=2"]) == store.overrides_tag(["x=2"])  # the last setting of a path wins


def test_compare_with_overrides_says_so_and_gets_its_own_default_folder(capsys, tmp_path, monkeypatch):
    monkeypatch.setattr(store, "RESULTS", tmp_path / "results")
    args = ["compare", "--replications", "1", "--workers", "1"]
    code, plain, err = run_cli(capsys, [*args, *SHORT])
    assert code == 0, err
    code, changed, err = run_cli(capsys, [*args, *SHORT, "--set", "ownership.passive_owners=2"])
    assert code == 0, err
    folders = sorted(p.name for p in (tmp_path / "results").iterdir())
    tag = store.overrides_tag([SHORT[1], "ownership.passive_owners=2"])
    assert folders == sorted([f"compare-reference{store.overrides_tag([SHORT[1]])}", f"compare-reference{tag}"])
    assert "changed with --set: simulation.horizon_quarters=8; ownership.passive_owners=2" in changed
    assert "changed with --set: simulation.horizon_quarters=8\n" in plain
    manifest = json.loads((tmp_path / "results" / f"compare-reference{tag}" / "manifest.json").read_text())
    assert manifest["overrides"] == [SHORT[1], "ownership.passive_owners=2"]


def test_compare_without_overrides_keeps_its_folder_name(tmp_path, monkeypatch):
    monkeypatch.setattr(store, "RESULTS", tmp_path / "results")
    from coalitionsim import cli

    assert cli.overrides_line(()) == "" and store.overrides_tag(()) == ""
    assert store.results_folder("compare-reference" + store.overrides_tag(())) == tmp_path / "results" / \
        "compare-reference"


def test_run_prints_and_records_its_overrides(capsys, tmp_path):
    out_dir = tmp_path / "run"
    code, out, err = run_cli(capsys, ["run", "--seed", "3", *SHORT, "--out", str(out_dir)])
    assert code == 0, err
    assert out.splitlines()[1].strip() == "changed with --set: simulation.horizon_quarters=8"
    assert json.loads((out_dir / "manifest.json").read_text())["overrides"] == [SHORT[1]]
    code, out, err = run_cli(capsys, ["run", "--seed", "3", "--form", "sok"])
    assert code == 0 and "changed with --set" not in out


def test_the_report_names_the_overrides(capsys, tmp_path):
    out_dir = tmp_path / "cmp"
    code, _out, err = run_cli(capsys, ["compare", "--replications", "1", "--workers", "1", *SHORT,
                                       "--out", str(out_dir)])
    assert code == 0, err
    code, _out, err = run_cli(capsys, ["report", str(out_dir)])
    assert code == 0, err
    html = (out_dir / "report.html").read_text()
    assert "changed with --set: simulation.horizon_quarters=8" in html
    assert "overrides (--set)" in html


# ------------------------------------------------------------------ progress: a bar on a terminal, lines in a log
def test_progress_in_a_log_is_occasional_plain_lines_and_on_a_terminal_a_bar(monkeypatch):
    import io

    from coalitionsim.runner import progress

    log = io.StringIO()
    monkeypatch.setattr(progress, "LOG_SECONDS", 0.0)  # every update writes a line
    bar = progress.progress_bar(4, "compare", file=log)
    for _ in range(4):
        bar.update()
    bar.close()
    lines = log.getvalue().splitlines()
    assert lines[0].startswith("compare: 1 of 4 runs (25%), ") and lines[-1].startswith("compare: 4 of 4 runs (100%)")
    assert "\r" not in log.getvalue() and "\x1b" not in log.getvalue()  # no bar fragments
    quiet = io.StringIO()
    monkeypatch.setattr(progress, "LOG_SECONDS", 3600.0)
    bar = progress.progress_bar(4, "compare", file=quiet)
    bar.update(4)
    bar.close()
    assert quiet.getvalue() == ""  # finished within the interval: no progress lines at all

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    term = Terminal()
    bar = progress.progress_bar(4, "compare", file=term)
    assert isinstance(bar, progress.tqdm)
    bar.update(4)
    bar.close()
    assert "compare" in term.getvalue() and "\r" in term.getvalue()


@pytest.mark.parametrize("command", [["fingerprint"], ["report", "FOLDER"], ["levers", "--fast", "--only",
                                     "instruments.biz", "--seeds", "2", "--horizon", "8", "--workers", "1"],
                                     ["advise", "--simulate", "--replications", "1", "--workers", "1", *SHORT]])
def test_long_commands_report_progress_in_a_log(capsys, tmp_path, monkeypatch, command):
    from coalitionsim.runner import fingerprint, progress

    monkeypatch.setattr(progress, "LOG_SECONDS", 0.0)
    if command[0] == "fingerprint":  # the real digest takes 45 runs; its progress is the same with fewer
        real = fingerprint.fingerprint_runs
        monkeypatch.setattr(fingerprint, "fingerprint_runs",
                            lambda progress=False: real(("reference",), 1, progress=progress))
    if command[0] == "report":
        folder = tmp_path / "cmp"
        assert main(["compare", "--replications", "1", "--workers", "1", *SHORT, "--out", str(folder)]) == 0
        capsys.readouterr()
        command = ["report", str(folder)]
    code, out, err = run_cli(capsys, command)
    assert code == 0, err
    label = {"fingerprint": "fingerprint", "report": "report", "levers": "levers", "advise": "compare"}[command[0]]
    lines = [line for line in err.splitlines() if line.startswith(f"{label}: ")]
    assert lines and lines[-1].endswith(tuple("0123456789s")) and "\r" not in err, err


# ------------------------------------------------------------------ a mistyped name gets a suggestion
@pytest.mark.parametrize("args, hint", [
    (["run", "referense"], "did you mean reference?"),
    (["compare", "knoopx", "--replications", "1"], "did you mean knoopxl?"),
    (["run", "--form", "sokk"], "did you mean sok?"),
    (["levers", "--forms", "tendr"], "did you mean tender?"),
    (["run", "--set", "ownership.municipal_land_shar=0.5"], "did you mean ownership.municipal_land_share?"),
    (["run", "--set", "ownershp.municipal_land_share=0.5"], "did you mean ownership.municipal_land_share?"),
    (["sweep", "experiments/study_rijj.toml"], "did you mean experiments/study_rijk.toml?"),
    (["sweep", "study_rij"], "did you mean study_rijk?"),
])
def test_did_you_mean(capsys, monkeypatch, args, hint):
    from pathlib import Path

    from coalitionsim.batch import experiment

    monkeypatch.setattr(experiment, "EXPERIMENTS", Path(__file__).resolve().parents[1] / "experiments")
    code, out, err = run_cli(capsys, args)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and err.strip().endswith(hint), err


def test_no_suggestion_for_a_name_that_is_nothing_like(capsys):
    code, _out, err = run_cli(capsys, ["run", "zzzzqqq"])
    assert code == 2 and "did you mean" not in err


def test_bare_sweep_lists_the_experiment_files(capsys, monkeypatch):
    from pathlib import Path

    from coalitionsim.batch import experiment

    folder = Path(__file__).resolve().parents[1] / "experiments"
    monkeypatch.setattr(experiment, "EXPERIMENTS", folder)
    code, out, err = run_cli(capsys, ["sweep"])
    assert code == 0, err
    for path in folder.glob("*.toml"):
        assert f"  {path.stem} " in out
    assert max(len(line) for line in out.splitlines()) <= 100


def test_quick_variants_are_smoke_sized():
    """Measured on two cores with a load average of 3-6: study_rijk --quick (32 runs) 2 s, morris_behaviour
    --quick (176 runs of 20 quarters, the largest) 11 s. The bound keeps every variant well under a minute."""
    from pathlib import Path

    from coalitionsim.batch.sweep import QUICK_HORIZON_QUARTERS, quick_experiment

    for path in (Path(__file__).resolve().parents[1] / "experiments").glob("*.toml"):
        quick = quick_experiment(path)
        assert quick.n_runs <= 200, (path.name, quick.n_runs)
        assert quick.base["simulation"]["horizon_quarters"] <= QUICK_HORIZON_QUARTERS
        if quick.spec.design == "grid":
            assert quick.n_points <= 16, (path.name, quick.n_points)
    rijk = quick_experiment(Path(__file__).resolve().parents[1] / "experiments" / "study_rijk.toml")
    fixed = [s for s in rijk.spec.set_ if s.startswith(("instruments.", "municipality.", "rijk."))]
    assert rijk.n_runs == 32 and fixed  # the factors beyond the fourth keep their first level


# ------------------------------------------------------------------ the app's port, tables, the EMA docstring
def test_a_busy_app_port_is_one_line_with_a_port_hint_and_exit_2(capsys):
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        code, out, err = run_cli(capsys, ["app", "--host", "127.0.0.1", "--port", str(port), "--no-browser"])
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and f"--port {port}: already in use" in err and "--port 0" in err


def test_a_cut_table_cell_ends_in_an_ellipsis():
    import pandas as pd

    from coalitionsim.runner.levers import format_screen
    from coalitionsim.runner.text import cut

    assert cut("0.123456", 5) == "0.12…" and cut("short", 10) == "short"
    row = {"path": "instruments.biz", "status": "effect", "base": 0.1234567, "moved": "a long text value",
           "forms": "tender,sok", "condition": "", "note": "",
           "effects": "; ".join(f"t50_years {i}.123 [0.5, 1.25]" for i in range(12))}
    line = format_screen(pd.DataFrame([row]), width=120).splitlines()[1]
    assert len(line) == 120 and line.endswith("…")
    assert "a long te…" in line


def test_the_ema_docstring_imports_what_exists():
    import re

    pytest.importorskip("ema_workbench")
    from coalitionsim.batch import ema

    imports = re.findall(r"^\s*(from coalitionsim\S* import .+)$", ema.__doc__, re.M)
    assert imports
    for line in imports:
        exec(line, {})


def test_advise_with_its_simulated_check_fits_100_columns(capsys):
    code, out, err = run_cli(capsys, ["advise", "--simulate", "--replications", "2", "--workers", "1", *SHORT])
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].startswith("Recommended form for reference")  # the advice first, the simulation after it
    assert any(line.startswith("Simulated check") for line in lines)
    assert max(len(line) for line in lines) <= 100
