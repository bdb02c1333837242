"""The browser app end to end, in a real (headless) Chromium: Debian's /usr/bin/chromium driven by Playwright.

`coalitionsim app` is started on a free localhost port; the test moves a lever (public land share) with the
keyboard, checks the model was rebuilt with it, presses Step, and checks that the realisation chart, the
plot map and the event log follow. It measures the step latency in the browser (click to every panel
showing the new quarter), writes it to test-artifacts/app-step-latency.json, and saves screenshots to
test-artifacts/app.png and test-artifacts/app-compare.png.

Playwright's own browser download is never used (no `playwright install`): `.ci/run` installs Debian's
chromium package, and this test is skipped only where /usr/bin/chromium is missing.
"""

from __future__ import annotations

import json
import re
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from coalitionsim.app import free_port

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
PANELS = ("overview", "realisation-chart", "plot-map", "event-log", "free-riding-chart", "support-capacity-chart",
          "trust-chart")

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                reason=f"{CHROMIUM} missing: apt-get install chromium (.ci/run installs it)")

# click Step in the page and resolve, with the milliseconds taken, once every panel shows quarter `target`
STEP_JS = """async ([target, panels]) => {
  const button = [...document.querySelectorAll('button')].find(b => b.innerText.trim().toUpperCase() === 'STEP');
  const done = () => panels.every(p => document.querySelector(`[data-testid=${p}]`)?.dataset.step === String(target));
  const t0 = performance.now();
  button.click();
  return await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`quarter ${target} not shown within 10 s`)), 10000);
    const observer = new MutationObserver(() => {
      if (done()) { observer.disconnect(); clearTimeout(timer); resolve(performance.now() - t0); }
    });
    observer.observe(document.body, {subtree: true, childList: true, attributes: true, characterData: true});
  });
}"""


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    port = free_port()
    log = tmp_path_factory.mktemp("app") / "server.log"
    with log.open("w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "coalitionsim", "app", "--host", "127.0.0.1", "--port",
                                 str(port), "--no-browser"], stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 90
        while True:
            if proc.poll() is not None:
                pytest.fail(f"coalitionsim app exited with {proc.returncode}:\n{log.read_text()}")
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"coalitionsim app did not answer on {url} within 90 s:\n{log.read_text()}")
            time.sleep(0.3)
        yield url
    finally:
        proc.terminate()  # the CLI stops its solara server on SIGTERM
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="module")
def page(app_url):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        # Playwright gives the browser a fresh temporary profile (user-data-dir) of its own
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1500})
        page.set_default_timeout(30000)
        page.goto(app_url)
        page.wait_for_selector("[data-testid=realisation-chart]", state="visible", timeout=60000)
        yield page
        browser.close()


def _html(page, test_id: str) -> str:
    return page.eval_on_selector(f"[data-testid={test_id}]", "e => e.outerHTML")


def _attr(page, test_id: str, name: str) -> str:
    return page.eval_on_selector(f"[data-testid={test_id}]", f"e => e.dataset.{name}")


def test_lever_then_step_updates_charts_map_and_event_log(page):
    ARTIFACTS.mkdir(exist_ok=True)
    assert _attr(page, "realisation-chart", "step") == "0"
    assert page.locator("[data-testid=plot-map] [data-owner=municipality]").count() == 12  # a third of 36 plots

    # lever: public land share 33% -> 50% with the keyboard on the slider; the model is rebuilt at quarter 0
    slider = page.locator(".cs-lever-municipal_land_share [role=slider]")
    slider.focus()
    for _ in range(17):
        page.keyboard.press("ArrowRight")
    page.wait_for_function("() => document.querySelector('.cs-lever-municipal_land_share')?.innerText.includes('50%')")
    page.wait_for_function("() => document.querySelector('[data-testid=overview]')?.innerText"
                           ".includes('ownership.municipal_land_share=0.5')")
    assert page.locator("[data-testid=plot-map] [data-owner=municipality]").count() == 18
    chart_before, map_before = _html(page, "realisation-chart"), _html(page, "plot-map")
    events_before = int(_attr(page, "event-log", "count"))

    # press Step (a real mouse click), then keep stepping and time each quarter in the browser
    page.get_by_role("button", name="Step").click()
    page.wait_for_function("() => document.querySelector('[data-testid=realisation-chart]')?.dataset.step === '1'")
    latencies = [page.evaluate(STEP_JS, [q, list(PANELS)]) for q in range(2, 25)]

    assert _attr(page, "realisation-chart", "step") == "24"
    assert _html(page, "realisation-chart") != chart_before
    assert "by Q24" in page.text_content("[data-testid=realisation-chart]")
    assert _html(page, "plot-map") != map_before  # plots moved along the pipeline
    events_after = int(_attr(page, "event-log", "count"))
    assert events_after > events_before
    log_rows = page.locator("[data-testid=event-log] tr[data-kind]")
    quarters = [int(re.match(r"Q(\d+)", t).group(1)) for t in log_rows.all_inner_texts()]
    assert quarters and quarters[0] == max(quarters) > 0  # newest first
    assert page.locator("[data-testid=event-log] [title]").count() > 0  # Dutch labels carry English tooltips

    median = statistics.median(latencies)
    (ARTIFACTS / "app-step-latency.json").write_text(json.dumps(
        {"scenario": "reference", "steps": len(latencies), "median_ms": round(median, 1),
         "max_ms": round(max(latencies), 1), "all_ms": [round(x, 1) for x in latencies]}, indent=1))
    print(f"step latency in the browser: median {median:.0f} ms, max {max(latencies):.0f} ms")
    assert median < 500, f"stepping is slow: median {median:.0f} ms per quarter"
    page.screenshot(path=str(ARTIFACTS / "app.png"))


def test_second_page_shows_two_forms_side_by_side(page):
    page.get_by_role("tab", name="Page 1").click()
    page.wait_for_selector("[data-testid=compare-realisation-chart]", state="visible")
    page.wait_for_timeout(500)  # let the tab's slide transition finish before the screenshot
    table = page.inner_text("[data-testid=comparison]")
    assert "sok" in table and "tender" in table
    assert _attr(page, "compare-realisation-chart", "step") == _attr(page, "comparison", "step") == "24"
    page.screenshot(path=str(ARTIFACTS / "app-compare.png"))
    page.get_by_role("tab", name="Page 0").click()


def test_play_pause_and_reset(page):
    page.get_by_role("button", name="Reset").click()
    page.wait_for_function("() => document.querySelector('[data-testid=realisation-chart]')?.dataset.step === '0'")
    page.get_by_role("button", name="▶").click()
    page.wait_for_function(
        "() => Number(document.querySelector('[data-testid=realisation-chart]')?.dataset.step ?? 0) >= 3")
    page.get_by_role("button", name="❚❚").click()
    page.wait_for_timeout(400)
    paused_at = _attr(page, "realisation-chart", "step")
    page.wait_for_timeout(600)
    assert _attr(page, "realisation-chart", "step") == paused_at and int(paused_at) >= 3
    assert _attr(page, "event-log", "step") == paused_at
    public_plots = page.locator("[data-testid=plot-map] [data-owner=municipality]").count()
    command = page.inner_text("[data-testid=overview]").split("command line:")[-1]
    page.get_by_role("button", name="Reset").click()  # Reset keeps the levers
    page.wait_for_function("() => document.querySelector('[data-testid=realisation-chart]')?.dataset.step === '0'")
    assert page.locator("[data-testid=plot-map] [data-owner=municipality]").count() == public_plots
    assert page.inner_text("[data-testid=overview]").split("command line:")[-1] == command
