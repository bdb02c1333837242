"""The report's first screen on the reference area, in a real (headless) Chromium (issue 28).

A compare of the reference area (5 seeds per form) is turned into its report and opened at 1400 × 900 and
1024 × 768. The first screen (no scrolling) must hold the answer as a trade-off in plain words, the rule it
rests on (the 90% interval of the paired per-seed differences) and the start of the per-criterion list, and
never a "best form". The headline must be the one answer of :func:`coalitionsim.runner.tradeoff.tradeoff`
on the folder's summary. Screenshots are kept in test-artifacts/ (gitignored):
report-first-screen-<width>x<height>.png.

Like tests/test_app_e2e.py this drives Debian's /usr/bin/chromium with Playwright (never Playwright's own
browser download) and is skipped where that browser is missing.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from coalitionsim.cli import main

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"

# slow: a compare of 25 runs and a browser (the default run has it, the fast tier not)
pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                 reason=f"{CHROMIUM} missing: apt-get install chromium (.ci/run installs it)")]

BOXES_JS = """() => {
  const box = sel => { const e = document.querySelector(sel); if (!e) return null;
    const r = e.getBoundingClientRect(); return {top: r.top, bottom: r.bottom, left: r.left, right: r.right,
    text: e.innerText}; };
  return {h2: box('#answer h2'), headline: box('[data-answer=tradeoff]'), rule: box('[data-answer=rule]'),
          speed: box('[data-answer=criterion-t50_years]'), answer: box('#answer'),
          width: window.innerWidth, height: window.innerHeight};
}"""


@pytest.fixture(scope="module")
def reference_report(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("ref") / "compare"
    assert main(["compare", "reference", "--replications", "5", "--workers", "2", "--out", str(out)]) == 0
    assert main(["report", str(out)]) == 0
    return out


@pytest.mark.parametrize("size", [(1400, 900), (1024, 768)])
def test_first_screen_states_the_trade_off_in_plain_words(reference_report, size):
    from playwright.sync_api import sync_playwright

    from coalitionsim.reporting.report import _prose_name
    from coalitionsim.runner.tradeoff import tradeoff

    summary = pd.read_parquet(reference_report / "summary.parquet")
    expected = tradeoff(summary)
    width, height = size
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            page = browser.new_page(viewport={"width": width, "height": height})
            page.goto((reference_report / "report.html").as_uri())
            page.wait_for_selector("[data-answer=tradeoff]", state="visible")
            boxes = page.evaluate(BOXES_JS)
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / f"report-first-screen-{width}x{height}.png"))
            answer_text = page.inner_text("#answer")
        finally:
            browser.close()
    # on the first screen, without scrolling: the heading, the trade-off, its rule, the first criterion
    for key in ("h2", "headline", "rule", "speed"):
        assert boxes[key] is not None, key
        assert 0 <= boxes[key]["top"] and boxes[key]["bottom"] <= boxes["height"], (key, boxes[key], boxes["height"])
        assert boxes[key]["right"] <= boxes["width"] + 0.5, (key, boxes[key])
    headline = " ".join(boxes["headline"]["text"].split())
    names = {f: _prose_name(f) for f in expected.forms}
    assert headline == " ".join(expected.headline(names).split())  # the one answer, not a report's own
    # plain words for a policy maker: the trade-off or the lack of a difference, no "best form", no code names
    assert any(p in headline for p in ("trade-off between", "the only form that no other form beats",
                                       "No form is ahead of another", "cannot show a difference"))
    assert "framework_" not in headline and "best" not in headline.lower()
    assert "best form" not in answer_text.lower()
    rule = boxes["rule"]["text"]
    assert "90% interval (5th–95th percentile)" in rule and "paired per-seed differences" in rule
    assert boxes["speed"]["text"].startswith("Speed (t50)")
