"""The NOVEX case scenarios (issue 4): listed, documented value by value, and runnable with run and compare."""

from __future__ import annotations

import re
import tomllib

import pytest

from coalitionsim.cli import main
from coalitionsim.scenario import bundled_scenarios, load_scenario

CASES = ["merwedekanaalzone", "stadshavens", "knoopxl", "rijnhuizen", "stationsgebied_utrecht", "kenniskwartier",
         "zeeburgereiland", "strijp_s"]

VALUE_LINE = re.compile(r"^\s*[A-Za-z_]+\s*=\s*(-?[0-9][0-9.]*|true|false)\s*(#.*)?$")


def run_cli(capsys, args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_scenarios_lists_every_case_with_a_one_line_description(capsys):
    code, out, err = run_cli(capsys, ["scenarios"])
    assert code == 0, err
    lines = {line.split()[0]: line for line in out.splitlines() if line.strip()}
    for case in CASES:
        assert case in lines
        description = lines[case][len(case):].strip()
        assert description == load_scenario(case).meta.description
        assert len(description) > 20


@pytest.mark.parametrize("case", CASES)
def test_case_metadata(case):
    sc = load_scenario(case)
    assert sc.meta.name == case
    assert "\n" not in sc.meta.description
    assert sc.meta.sources, "meta.sources lists the sources"
    assert any("NOVEX" in s for s in sc.meta.sources)


@pytest.mark.parametrize("case", CASES)
def test_every_number_is_cited_or_an_assumption(case):
    """Each numeric or boolean value carries a comment; the file cites NOVEX lines or marks assumptions."""
    text = bundled_scenarios()[case].read_text(encoding="utf-8")
    tomllib.loads(text)
    bare = [line for line in text.splitlines() if VALUE_LINE.match(line) and "#" not in line]
    assert not bare, f"values without a source or assumption comment: {bare}"
    assert re.search(r"NOVEX L\d+", text)
    assert "assumption (range" in text


@pytest.mark.parametrize("case", CASES)
def test_case_runs_with_run(capsys, tmp_path, case):
    code, out, err = run_cli(capsys, ["run", case, "--seed", "7", "--out", str(tmp_path / "run")])
    assert code == 0, err
    sc = load_scenario(case)
    assert f"{case} under {sc.simulation.form}" in out
    assert f"of {sc.homes_planned} planned" in out
    assert (tmp_path / "run" / "summary.csv").exists()


@pytest.mark.parametrize("case", CASES)
def test_case_runs_with_compare(capsys, tmp_path, case):
    code, out, err = run_cli(capsys, ["compare", case, "--replications", "2", "--workers", "1",
                                      "--out", str(tmp_path / "cmp")])
    assert code == 0, err
    for form in ("tender", "sok", "gem", "framework_subareas", "framework_organic"):
        assert form in out


def test_reference_is_not_a_case():
    """The embedded reference area stays as it was: the cases are separate files."""
    ref = load_scenario("reference")
    assert ref.meta.name == "reference"
    assert ref.homes_planned == 4500
