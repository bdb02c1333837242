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


# --------------------------------------------------------------------------- the first screen (issue 16)

import json  # noqa: E402
import shutil  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from coalitionsim.reporting.report import build, render  # noqa: E402
from coalitionsim.reporting.vocabulary import form_label  # noqa: E402
from coalitionsim.runner.stats import INTERVAL_LABEL, quantiles  # noqa: E402
from coalitionsim.scenario import FORMS  # noqa: E402


class _Text(HTMLParser):
    """Text per element of interest: <li data-answer=...>, <caption>, <figcaption>, and the section order."""

    def __init__(self):
        super().__init__()
        self.stack: list[tuple[str, str]] = []
        self.items: dict[str, str] = {}
        self.captions: list[str] = []
        self.order: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        key = a.get("data-answer") or (tag if tag in ("caption", "figcaption") else None)
        self.stack.append((tag, key))
        if tag in ("section", "h2") and a.get("id"):
            self.order.append(a["id"])
        if key in ("caption", "figcaption"):
            self.captions.append("")
        elif key:
            self.items[key] = ""

    def handle_endtag(self, tag):
        while self.stack:
            t, _ = self.stack.pop()
            if t == tag:
                break

    def handle_data(self, data):
        for _t, key in self.stack:
            if key in ("caption", "figcaption"):
                self.captions[-1] += data
            elif key:
                self.items[key] += data


def read(text: str) -> _Text:
    p = _Text()
    p.feed(text)
    for k, v in p.items.items():
        p.items[k] = " ".join(v.split())
    p.captions = [" ".join(c.split()) for c in p.captions]
    return p


def fmt(x: float) -> str:
    return f"{x:.2f}" if abs(x) < 10 else f"{x:.1f}"


T50 = {"tender": 9.0, "sok": 10.0, "gem": 11.0, "framework_subareas": 10.5, "framework_organic": 9.5}
FRI = {"tender": 0.30, "sok": 0.20, "gem": 0.10, "framework_subareas": 0.35, "framework_organic": 0.40}


def synthetic(folder: Path, t50: dict[str, float], fri: dict[str, float], runs: int = 24,
              drop: tuple[str, ...] = (), manifest: dict | None = None) -> tuple[Path, pd.DataFrame]:
    """A compare folder with a synthetic summary (no time series): t50 and free riding per form plus noise."""
    rng = np.random.default_rng(7)
    rows = []
    for form in FORMS:
        for seed in range(runs):
            rows.append({"scenario": "synthetic", "form": form, "seed": 1000 + seed, "homes_planned": 1000,
                         "realisation_share": 0.9, "t50_years": t50[form] + rng.uniform(-0.3, 0.3),
                         "free_riding_index": fri[form] + rng.uniform(-0.02, 0.02),
                         "public_deficit": 20 + 10 * FORMS.index(form) + rng.uniform(0, 5),
                         "rijk_subsidy": 5.0, "willing_unable_share": 0.1, "gap_residents": 0.2 + rng.uniform(0, 0.1),
                         "gap_developers": -0.3, "param.simulation.horizon_quarters": 100})
    summary = pd.DataFrame(rows).drop(columns=list(drop))
    folder.mkdir(parents=True)
    summary.to_parquet(folder / "summary.parquet")
    info = {"kind": "compare", "replications": runs, "seeds": list(range(1000, 1000 + runs)),
            "scenario": {"meta": {"name": "synthetic", "description": "a made-up area"}}, **(manifest or {})}
    (folder / "manifest.json").write_text(json.dumps(info))
    return folder, summary


def expected_interval(summary: pd.DataFrame, form: str, metric: str) -> str:
    lo, med, hi = quantiles(summary.loc[summary["form"] == form, metric].to_numpy(float))
    return f"{fmt(med)} [{fmt(lo)}–{fmt(hi)}]"


def test_first_section_states_the_trade_off_with_no_best_form(tmp_path):
    # T50: tender fastest on every seed (0.5 year ahead of organic: the noise is ±0.3, so the paired interval
    # excludes zero); FRI: gem least free riding; public deficit rises with the form's index (tender cheapest)
    folder, summary = synthetic(tmp_path / "a", T50, FRI)
    page = read(render(build(folder)))
    assert page.order.index("answer") < page.order.index("tables"), "the answer comes first"
    assert "best" not in " ".join(page.items.values()).replace('single "best"', "")
    assert "5th–95th percentile" in page.items["rule"]
    assert page.items["criterion-t50_years"].startswith("Speed (t50)")
    assert "Publieke tender is faster than every other form" in page.items["criterion-t50_years"]
    assert "GEM leaves less free riding than every other form" in page.items["criterion-free_riding_index"]
    assert "No clear difference" in page.items["criterion-realisation_share"]  # 0.9 everywhere
    # tender (fast, cheap), sok (less free riding than tender), gem (least free riding) form the Pareto set
    head = page.items["tradeoff"]
    assert "trade-off between publieke tender, SOK and GEM" in head
    assert "Kader – deelgebieden and kader – organisch are each beaten" in head
    for form in ("tender", "sok", "gem", "framework_subareas", "framework_organic"):
        assert expected_interval(summary, form, "public_deficit") in page.items["public"], form
    assert "beyond the run-to-run spread" in page.items["public"]
    assert expected_interval(summary, "gem", "gap_residents") in page.items["draagvlak"]
    assert "24 per form" in page.items["runs"] and "same seeds" in page.items["runs"]
    assert "few-runs" not in page.items  # 24 runs: a real 90% interval


def test_the_report_states_the_one_answer(tmp_path, monkeypatch):
    import coalitionsim.reporting.report as R

    folder, summary = synthetic(tmp_path / "a", T50, FRI)
    real = R.tradeoff
    seen = []
    monkeypatch.setattr(R, "tradeoff", lambda s: seen.append(real(s)) or seen[-1])
    page = read(render(build(folder)))
    assert len(seen) == 1 and page.items["tradeoff"] == " ".join(seen[0].headline(
        {f: R._prose_name(f) for f in FORMS}).split())


def test_few_runs_are_said_plainly_and_missing_outputs_do_not_break_the_report(tmp_path):
    folder, _ = synthetic(tmp_path / "few", T50, FRI, runs=5, drop=("public_deficit", "rijk_subsidy", "gap_residents",
                                                                       "gap_developers"))
    page = read(render(build(folder)))
    assert "range" in page.items["few-runs"] and "5 runs" in page.items["few-runs"]
    assert "not in this output" in page.items["public"] and "not in this output" in page.items["draagvlak"]
    assert all("range of the runs" in c for c in page.captions)
    folder, _ = synthetic(tmp_path / "no_t50", T50, FRI, drop=("t50_years",))
    page = read(render(build(folder)))
    assert "not in this output" in page.items["criteria"] and "t50" in page.items["criteria"]


def _captions_use_one_statistic(captions: list[str]) -> None:
    assert captions
    for c in captions:
        if "sensitivity indices" in c:  # SALib's confidence of an index, not a spread over runs
            assert "95% confidence" in c
            continue
        assert INTERVAL_LABEL in c, c
        for other in ("IQR", "quartile", "standard deviation", "±", "box plot with", "whisker"):
            assert other not in c, (other, c)


def test_every_table_and_figure_caption_states_the_same_interval(compare_dir, sweep_dir, tmp_path, monkeypatch):
    import matplotlib.axes

    def no_boxplot(*_a, **_k):
        raise AssertionError("a box plot draws matplotlib's 1.5 x IQR whiskers, not the 90% interval")

    monkeypatch.setattr(matplotlib.axes.Axes, "boxplot", no_boxplot)
    page = read(render(build(compare_dir)))
    _captions_use_one_statistic(page.captions)
    assert sum(1 for c in page.captions if "Meeliften" in c or "Draagvlak (willing)" in c) >= 2
    assert "range" in page.items["few-runs"]  # the fixture has 2 runs per form
    copy = tmp_path / "sweep"
    shutil.copytree(sweep_dir, copy)
    shutil.rmtree(copy / "analysis", ignore_errors=True)
    _captions_use_one_statistic(read(render(build(copy))).captions)


@pytest.mark.parametrize("kind", ["compare", "sweep"])
def test_values_from_a_tampered_manifest_reach_the_html_escaped(compare_dir, sweep_dir, tmp_path, kind):
    copy = tmp_path / kind
    shutil.copytree(compare_dir if kind == "compare" else sweep_dir, copy)
    if kind == "sweep" and not (copy / "analysis").is_dir():
        # the report shows an analysis made before the tampering (whichever test ran first in this worker);
        # one made from a tampered design is refused in one line (the test below)
        assert main(["analyze", str(copy)]) == 0
    info = json.loads((copy / "manifest.json").read_text())
    bad = "<script>alert(1)</script>"
    for key in ("replications", "command", "created", "root_seed", "experiment", "experiment_text",
                "experiment_file", "experiment_hash", "seeding"):
        if key in info or kind == "compare":
            info[key] = bad
    info["seeds"] = [bad, '<img src=x onerror="alert(2)">']
    info["versions"] = {bad: bad}
    if kind == "compare":
        info["scenario"]["meta"] = {"name": bad, "description": bad}
        info["not_applicable"] = {"gem": bad}
    else:
        info["design"]["kind"] = bad
        info["design"]["replications"] = bad
    (copy / "manifest.json").write_text(json.dumps(info))
    out = tmp_path / "r.html"
    assert main(["report", str(copy), "--out", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert "<script" not in text.lower() and "<img src=x" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert_self_contained(out)


def test_an_analysis_of_a_tampered_design_is_one_line(sweep_dir, tmp_path, capsys):
    copy = tmp_path / "sweep"
    shutil.copytree(sweep_dir, copy)
    shutil.rmtree(copy / "analysis", ignore_errors=True)
    info = json.loads((copy / "manifest.json").read_text())
    info["design"]["replications"] = "<script>alert(1)</script>"
    (copy / "manifest.json").write_text(json.dumps(info))
    assert main(["analyze", str(copy)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "design.replications must be a whole number" in err, err
    assert not (copy / "analysis").exists()
