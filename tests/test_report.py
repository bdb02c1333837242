"""coalitionsim report (issue 6): a self-contained HTML report of a compare and of a sweep folder."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from coalitionsim.cli import main

SHORT = "simulation.horizon_quarters=12"


class _Collect(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, {k: (v or "") for k, v in attrs}))


def parse(path: Path) -> list[tuple[str, dict[str, str]]]:
    p = _Collect()
    p.feed(path.read_text(encoding="utf-8"))
    return p.tags


def assert_self_contained(html_path: Path) -> list[dict[str, str]]:
    text = html_path.read_text(encoding="utf-8")
    tags = parse(html_path)
    names = {t for t, _ in tags}
    assert "script" not in names and "link" not in names and "iframe" not in names
    for tag, attrs in tags:
        for key in ("src", "href", "srcset", "data", "poster"):
            v = attrs.get(key)
            if v is None:
                continue
            assert not re.match(r"\s*(https?:)?//", v), f"external {key} in <{tag}>: {v[:60]}"
            if key == "href":
                assert v.startswith("#"), f"<{tag} href={v[:60]}> is not an in-page anchor"
    imgs = [a for t, a in tags if t == "img"]
    assert imgs and all(a["src"].startswith("data:image/png;base64,") for a in imgs)
    # no resource references to the network anywhere (styles included)
    assert not re.search(r"url\(\s*['\"]?(https?:)?//", text)
    assert "@import" not in text
    return imgs


def embedded_sources(imgs: list[dict[str, str]]) -> list[str]:
    return sorted(a["data-figure"] for a in imgs if a.get("data-figure"))


def table_sources(path: Path) -> set[str]:
    return {a["data-table"] for t, a in parse(path) if t == "table" and a.get("data-table")}


@pytest.fixture(scope="module")
def compare_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("cmp") / "compare"
    assert main(["compare", "--replications", "2", "--workers", "1", "--set", SHORT, "--out", str(out)]) == 0
    return out


@pytest.fixture(scope="module")
def sweep_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("sw")
    exp = folder / "tiny_morris.toml"
    exp.write_text(
        '[experiment]\nname = "tiny_morris"\nscenario = "reference"\nforms = ["sok"]\ndesign = "morris"\n'
        'samples = 2\nreplications = 1\nseed = 3\ntimeseries = true\n'
        f'set = ["{SHORT}"]\noutputs = ["realisation_share", "free_riding_index", "public_deficit"]\n'
        '[[factors]]\npath = "behaviour.concession_rate"\nmin = 0.05\nmax = 0.4\n'
        '[[factors]]\npath = "instruments.kettingbeding"\nkind = "bool"\n')
    out = folder / "out"
    assert main(["sweep", str(exp), "--workers", "1", "--out", str(out)]) == 0
    return out


def test_compare_report_is_self_contained_and_complete(compare_dir, tmp_path, capsys):
    export = tmp_path / "export"
    assert main(["report", str(compare_dir), "--export", str(export)]) == 0
    html_path = compare_dir / "report.html"
    imgs = assert_self_contained(html_path)
    pngs = sorted(f"figures/{p.name}" for p in (compare_dir / "figures").glob("*.png"))
    assert pngs and embedded_sources(imgs) == pngs
    assert "summary.csv" in table_sources(html_path)
    text = html_path.read_text(encoding="utf-8")
    for needle in ("samenwerkingsovereenkomst", "90% interval", "what the model cannot tell", "mesa",
                   "<th>command</th>", "replication seeds", "reference default"):
        assert needle.lower() in text.lower(), needle
    # export: every figure as PNG and SVG, every table as CSV
    for p in pngs:
        stem = Path(p).stem
        assert (export / f"{stem}.png").is_file() and (export / f"{stem}.svg").is_file()
        assert "<svg" in (export / f"{stem}.svg").read_text(encoding="utf-8")[:2000]
    n_tables = len([t for t, a in parse(html_path) if t == "table" and a.get("data-table")])
    assert len(list(export.glob("*.csv"))) == n_tables


def test_sweep_report_has_every_figure_and_table(sweep_dir, tmp_path):
    export = tmp_path / "export"
    out = tmp_path / "r.html"
    assert not (sweep_dir / "analysis").exists()
    assert main(["report", str(sweep_dir), "--out", str(out), "--export", str(export)]) == 0
    assert (sweep_dir / "analysis").is_dir()  # the analysis ran first
    imgs = assert_self_contained(out)
    pngs = sorted(p.relative_to(sweep_dir).as_posix()
                  for d in ("figures", "analysis") for p in (sweep_dir / d).glob("*.png"))
    assert any(p.startswith("analysis/morris_") for p in pngs)
    assert embedded_sources(imgs) == pngs
    # the time series the sweep kept are drawn too
    assert len(imgs) > len(pngs)
    csvs = {f"analysis/{p.name}" for p in (sweep_dir / "analysis").glob("*.csv")}
    assert "analysis/morris.csv" in csvs
    assert csvs <= table_sources(out)
    text = out.read_text(encoding="utf-8")
    assert "tiny_morris" in text and "mu*" in text and "concession_rate" in text
    svgs, figs = list(export.glob("*.svg")), list(export.glob("*.png"))
    assert len(svgs) == len(figs) == len(imgs)
    assert len(list(export.glob("*.csv"))) == len([t for t, a in parse(out) if t == "table" and a.get("data-table")])


@pytest.mark.parametrize("make", ["missing", "empty", "not_output", "bad_kind"])
def test_bad_dir_exits_2_with_one_line_and_writes_nothing(tmp_path, capsys, make):
    target = tmp_path / "d"
    if make != "missing":
        target.mkdir()
    if make == "not_output":
        (target / "notes.txt").write_text("hello")
    if make == "bad_kind":
        (target / "manifest.json").write_text('{"kind": "run"}')
    before = sorted(p.name for p in tmp_path.rglob("*"))
    code = main(["report", str(target), "--export", str(tmp_path / "x")])
    err = capsys.readouterr().err
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert sorted(p.name for p in tmp_path.rglob("*")) == before
