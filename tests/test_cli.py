"""The command line (design section 8): bad input exits 2 with one line on stderr and writes nothing;
``run`` is reproducible; ``compare --out`` writes the contract files; ``scenarios`` lists the bundled areas."""

from __future__ import annotations

import json

import click
import pandas as pd
import pytest

from coalitionsim import FORMS
from coalitionsim.cli import main
from coalitionsim.runner.stats import KEY_METRICS

SHORT = ["--set", "simulation.horizon_quarters=12"]


def run_cli(capsys, args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(code, out, err, *expected):
    assert code == 2, f"exit code {code}, stderr {err!r}"
    lines = err.strip("\n").splitlines()
    assert len(lines) == 1, f"expected exactly one line on stderr, got {err!r}"
    assert "Traceback" not in err and "Traceback" not in out
    for text in expected:
        assert text in lines[0], f"{text!r} not in {lines[0]!r}"


@pytest.fixture
def bad_toml(tmp_path):
    path = tmp_path / "broken.toml"
    path.write_text("[ownership\nmunicipal_land_share = 0.4\n")
    return path


@pytest.mark.parametrize("command", ["run", "compare"])
@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["does/not/exist.toml"], ["does/not/exist.toml"]),
        (["--set", "ownership.nosuch=1"], ["ownership.nosuch"]),
        (["--set", "nosuch=1"], ["nosuch"]),
        (["--set", "ownership.municipal_land_share=1.7"], ["ownership.municipal_land_share"]),
        (["--set", "behaviour.free_rider_share=-1"], ["behaviour.free_rider_share"]),
        (["--set", "tasks.42.cost=1"], ["tasks.42"]),
        (["--set", "simulation.horizon_quarters"], ["PATH=VALUE"]),
    ],
)
def test_invalid_input_exits_2_with_one_line_and_no_output(capsys, tmp_path, command, args, expected):
    out_dir = tmp_path / "x"
    code, out, err = run_cli(capsys, [command, *args, "--out", str(out_dir)])
    assert_one_line_error(code, out, err, *expected)
    assert not out_dir.exists()
    assert not list(tmp_path.glob(".x*")), "a partial output folder was left behind"


@pytest.mark.parametrize("command", ["run", "compare"])
def test_bad_toml_file(capsys, tmp_path, bad_toml, command):
    out_dir = tmp_path / "x"
    code, out, err = run_cli(capsys, [command, str(bad_toml), "--out", str(out_dir)])
    assert_one_line_error(code, out, err, str(bad_toml), "TOML")
    assert not out_dir.exists()


def test_unknown_form(capsys, tmp_path):
    out_dir = tmp_path / "x"
    code, out, err = run_cli(capsys, ["run", "--form", "pps", "--out", str(out_dir)])
    assert_one_line_error(code, out, err, "--form", "pps")
    assert not out_dir.exists()


def test_tender_without_municipal_land_is_not_applicable(capsys, tmp_path):
    out_dir = tmp_path / "x"
    code, out, err = run_cli(capsys, ["run", "--form", "tender", "--set", "ownership.municipal_land_share=0",
                                      "--seed", "1", "--out", str(out_dir)])
    assert_one_line_error(code, out, err, "tender", "municipal_land_share")
    assert not out_dir.exists()
    assert out == ""  # no run summary was printed: the run did not happen


def test_tender_with_municipal_land_runs(capsys, tmp_path):
    code, out, err = run_cli(capsys, ["run", "--form", "tender", "--seed", "1", *SHORT, "--out", str(tmp_path / "t")])
    assert code == 0, err
    assert out.startswith("reference under tender (seed 1)")
    # the tender's own procedure ran: the municipality prepares its first tender within the 12 quarters
    import pandas as pd

    events = pd.read_parquet(tmp_path / "t" / "events.parquet")
    assert events["text"].str.match(r"tender 1 in preparation: \d+ plots").any()


def test_run_with_the_same_seed_prints_identical_text(capsys):
    args = ["run", "--seed", "7", "--set", "simulation.horizon_quarters=40"]
    code1, out1, err1 = run_cli(capsys, args)
    code2, out2, err2 = run_cli(capsys, args)
    assert code1 == code2 == 0, err1 + err2
    assert out1 == out2
    assert "seed 7" in out1
    assert "homes completed" in out1


def test_run_with_another_seed_prints_other_text(capsys):
    base = ["run", "--set", "simulation.horizon_quarters=40", "--seed"]
    _, out7, _ = run_cli(capsys, [*base, "7"])
    _, out8, _ = run_cli(capsys, [*base, "8"])
    assert out7.replace("seed 7", "") != out8.replace("seed 8", "")


def test_run_out_writes_files(capsys, tmp_path):
    out_dir = tmp_path / "one"
    code, out, err = run_cli(capsys, ["run", "--seed", "3", *SHORT, "--out", str(out_dir)])
    assert code == 0, err
    for name in ("summary.csv", "summary.parquet", "timeseries.parquet", "projects.parquet", "manifest.json"):
        assert (out_dir / name).is_file(), name
    manifest = json.loads((out_dir / "manifest.json").read_text())
    assert manifest["seeds"] == [3]
    summary = pd.read_csv(out_dir / "summary.csv")
    assert len(summary) == 1 and int(summary.loc[0, "seed"]) == 3


def test_compare_writes_the_contract_files(capsys, tmp_path):
    out_dir = tmp_path / "cmp"
    code, out, err = run_cli(capsys, ["compare", "--replications", "2", "--workers", "1", "--seed", "11",
                                      *SHORT, "--out", str(out_dir)])
    assert code == 0, err
    for name in ("summary.csv", "summary.parquet", "timeseries.parquet", "projects.parquet", "manifest.json"):
        assert (out_dir / name).is_file(), name
    for fig in ("realisation.png", "free_riding.png", "draagvlak_draagkracht.png"):
        path = out_dir / "figures" / fig
        assert path.is_file(), fig
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", f"{fig} is not a PNG"
    manifest = json.loads((out_dir / "manifest.json").read_text())
    seeds = manifest["seeds"]
    assert len(seeds) == 2 and len(set(seeds)) == 2
    assert all(isinstance(s, int) for s in seeds)
    assert "scenario" in manifest and "versions" in manifest and "command" in manifest

    summary = pd.read_parquet(out_dir / "summary.parquet")
    assert sorted(summary["form"].unique()) == sorted(FORMS)
    assert len(summary) == 2 * len(FORMS)
    assert set(summary["seed"]) == set(seeds)  # the recorded seeds are the ones the runs used
    csv = pd.read_csv(out_dir / "summary.csv")
    assert len(csv) == len(summary)
    ts = pd.read_parquet(out_dir / "timeseries.parquet")
    assert len(ts) == 2 * len(FORMS) * (12 + 1)
    projects = pd.read_parquet(out_dir / "projects.parquet")
    assert len(projects) == 2 * len(FORMS) * 36  # 36 plots in the reference area
    for form in FORMS:
        assert form in out  # the table names every form


def test_compare_reports_a_form_that_is_not_applicable(capsys, tmp_path):
    out_dir = tmp_path / "cmp"
    code, out, err = run_cli(capsys, ["compare", "--replications", "1", "--workers", "1", *SHORT,
                                      "--set", "ownership.municipal_land_share=0", "--out", str(out_dir)])
    assert code == 0, err
    summary = pd.read_csv(out_dir / "summary.csv")
    assert "tender" not in set(summary["form"])
    assert "tender" in out and "not run" in out
    manifest = json.loads((out_dir / "manifest.json").read_text())
    assert "tender" in manifest["not_applicable"]


def test_scenarios_lists_reference(capsys):
    code, out, err = run_cli(capsys, ["scenarios"])
    assert code == 0, err
    names = [line.split()[0] for line in out.splitlines() if line.strip()]
    assert "reference" in names


def test_manifest_records_the_cli_call_not_the_test_runner(tmp_path):
    import json

    from coalitionsim.cli import main

    out = tmp_path / "r"
    assert main(["run", "--seed", "3", "--set", "simulation.horizon_quarters=8", "--out", str(out)]) == 0
    command = json.loads((out / "manifest.json").read_text())["command"]
    assert command == f"coalitionsim run --seed 3 --set simulation.horizon_quarters=8 --out {out}"


# --------------------------------------------------------------------------- the command line itself (issue 16)


def test_help_and_version_do_not_import_the_model():
    """``coalitionsim --help`` / ``--version`` start at once: no Mesa, scipy, pandas or matplotlib."""
    import subprocess
    import sys

    heavy = ("mesa", "scipy", "pandas", "matplotlib")
    for flag in ("--help", "--version"):
        code = ("import sys\nfrom coalitionsim.cli import main\n"
                f"rc = main([{flag!r}])\n"
                f"print('LOADED', [m for m in {heavy!r} if m in sys.modules], rc)")
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60).stdout
        assert out.splitlines()[-1] == "LOADED [] 0", out


def test_the_package_facade_imports_the_model_on_first_use():
    import subprocess
    import sys

    code = ("import sys\nimport coalitionsim\nfrom coalitionsim import load_scenario, FORMS, ScenarioError\n"
            "before = 'mesa' in sys.modules\n"
            "from coalitionsim import AreaDevelopmentModel, run, compare\n"
            "from coalitionsim.runner import run_model\n"
            "print(before, 'mesa' in sys.modules, AreaDevelopmentModel.__name__, run.__module__, compare.__module__)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.stdout.split() == ["False", "True", "AreaDevelopmentModel", "coalitionsim.runner.runs",
                                  "coalitionsim.runner.runs"], out.stderr


def test_bare_coalitionsim_prints_the_help_and_exits_0(capsys):
    code, out, err = run_cli(capsys, [])
    assert code == 0, err
    assert out.startswith("Usage: coalitionsim") and "compare" in out and "_COALITIONSIM_COMPLETE" in out
    assert err == ""


def test_shell_completion_script_and_scenario_names():
    import os
    import subprocess
    import sys
    from pathlib import Path

    exe = Path(sys.executable).with_name("coalitionsim")
    env = {**os.environ, "_COALITIONSIM_COMPLETE": "bash_source"}
    script = subprocess.run([str(exe)], env=env, capture_output=True, text=True, timeout=60).stdout
    assert "_coalitionsim_completion" in script and "complete " in script
    env.update(_COALITIONSIM_COMPLETE="bash_complete", COMP_WORDS="coalitionsim compare merw", COMP_CWORD="2")
    words = subprocess.run([str(exe)], env=env, capture_output=True, text=True, timeout=60).stdout
    assert "plain,merwedekanaalzone" in words.splitlines()


def test_run_shows_progress_over_quarters_only_on_a_terminal(capsys, monkeypatch):
    import sys

    from coalitionsim.runner import runs

    counted = []

    class Bar(runs.tqdm):
        def close(self):
            if not getattr(self, "counted", False):  # tqdm closes again when the bar is freed
                self.counted = True
                counted.append((self.n, self.total))
            super().close()

    monkeypatch.setattr(runs, "tqdm", Bar)
    args = ["run", "--seed", "1", "--set", "simulation.horizon_quarters=12"]
    code, out, err = run_cli(capsys, args)
    assert code == 0 and err == "" and counted == []  # not a terminal: no bar
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    code, out_tty, err = run_cli(capsys, args)
    assert code == 0 and "quarter/s" in err  # a bar on stderr ...
    assert counted == [(12, 12)]  # ... that counted every quarter
    assert out_tty == out  # the summary itself is the same


def test_compare_table_fits_100_columns_and_formats_for_scripts(capsys, tmp_path):
    import io

    base = ["compare", "--replications", "2", "--workers", "1", *SHORT]
    code, out, err = run_cli(capsys, [*base, "--out", str(tmp_path / "t")])
    assert code == 0, err
    # the table and its notes fit; the closing line quotes the user's --out path, which may be any length
    # (pytest-xdist's worker folders made it 103 characters)
    assert max(len(line) for line in out.splitlines() if str(tmp_path) not in line) <= 100
    for _metric, label in KEY_METRICS:
        assert label in out  # every metric is still there, folded into blocks
    table_part, answer = out.split("The answer as a trade-off")
    assert table_part.count("framework_subareas") == 3  # one line per form in each of the three blocks
    assert "Pareto set" in answer and "5th–95th percentile" in answer  # the closing answer (runner.tradeoff)

    code, out, err = run_cli(capsys, [*base, "--format", "csv", "--out", str(tmp_path / "c")])
    assert code == 0, err
    table = pd.read_csv(io.StringIO(out))  # stdout is only the CSV
    assert list(table["form"]) == list(FORMS) and (table["runs"] == 2).all()
    assert {"t50_years_median", "t50_years_p5", "t50_years_p95"} <= set(table.columns)
    assert "written to" in err

    code, out, err = run_cli(capsys, [*base, "--format", "json", "--out", str(tmp_path / "j")])
    assert code == 0, err
    data = json.loads(out)
    assert data["replications"] == 2 and [r["form"] for r in data["rows"]] == list(FORMS)
    assert set(data["rows"][0]["realisation_share"]) == {"median", "p5", "p95"}
    assert data["rows"][0]["t50_years"]["median"] is None  # not reached in 3 years: null, not a number
    summary = pd.read_csv(tmp_path / "j" / "summary.csv")
    shares = summary[summary["form"] == FORMS[1]]["realisation_share"]
    assert shares.min() <= data["rows"][1]["realisation_share"]["median"] <= shares.max()


def test_shared_options_have_one_name_meaning_and_default():
    """The same option is the same everywhere, but for the differences listed (and why)."""
    from coalitionsim.cli import cli

    intended = {
        ("--seed", "run"): "the seed of the one run (drawn when not given), not a root seed",
        ("--workers", "sweep"): "also sets the number of Dask workers with --scheduler local",
        ("--overwrite", "report"): "also covers --export",
        ("--seeds", "robust"): "the common seeds of every form in every world (default 4), not the screen's pairs",
        ("--forms", "robust"): "the forms of the study (default all five), not the two the screen runs under",
        ("--format", "robust"): "prints the answer across the worlds, not compare's interval table",
    }
    seen: dict[str, tuple] = {}
    for name, command in cli.commands.items():
        for param in command.params:
            if not isinstance(param, click.Option) or param.name == "help":
                continue
            for flag in param.opts:
                if (flag, name) in intended or flag == "--out":  # --out: each command's own default folder
                    continue
                key = (param.default, repr(param.type), param.help, param.multiple, param.is_flag)
                assert seen.setdefault(flag, key) == key, f"{name} {flag} differs from the other commands"
    assert cli.commands["compare"].params and {"--replications", "--workers", "--seed", "--set", "--overwrite",
                                               "--format"} <= {o for p in cli.commands["compare"].params
                                                               for o in p.opts}


@pytest.mark.parametrize("command", ["compare", "advise"])
def test_replications_default_to_20(command):
    import inspect

    from coalitionsim.advise import simulate_check
    from coalitionsim.cli import cli
    from coalitionsim.runner import compare

    (param,) = [p for p in cli.commands[command].params if p.name == "replications"]
    assert param.default == 20
    assert inspect.signature(compare).parameters["replications"].default == 20
    assert inspect.signature(simulate_check).parameters["replications"].default == 20


def test_every_writing_command_takes_overwrite():
    from coalitionsim.cli import cli

    for name in ("run", "compare", "sweep", "analyze", "report", "levers"):
        assert "--overwrite" in {o for p in cli.commands[name].params for o in p.opts}, name
    assert "--out" in {o for p in cli.commands["analyze"].params for o in p.opts}
