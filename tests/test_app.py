"""The browser app without a browser: levers become validated overrides, panels render, components build."""

import re
import subprocess
import sys

import pytest

from coalitionsim import load_scenario
from coalitionsim.app import views
from coalitionsim.app.levers import LEVERS, AppModel, lever_overrides, lever_values


def test_importing_coalitionsim_does_not_import_solara():
    code = "import sys, coalitionsim, coalitionsim.app, coalitionsim.app.levers, coalitionsim.app.views; " \
           "bad = [m for m in ('solara', 'mesa.visualization', 'ipywidgets') if m in sys.modules]; print(bad)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_levers_at_the_scenario_values_change_nothing():
    sc = load_scenario("reference")
    overrides, notes = lever_overrides(sc, lever_values(sc))
    assert overrides == [] and notes == []
    assert set(lever_values(sc)) == {lv.name for lv in LEVERS}


def test_lever_overrides_are_set_paths_validated_like_the_cli():
    sc = load_scenario("reference")
    levers = {"municipal_land_share": 0.9, "developers": 7, "holdout_share": 0.5, "biz": True,
              "compensation_budget": 5.0, "phasing_quarters": 8, "gebiedsbudget": 40.0, "staff_capacity": 12.0}
    overrides, notes = lever_overrides(sc, levers)
    built = load_scenario("reference", overrides)  # the CLI's --set path
    own = built.ownership
    assert own.municipal_land_share == 0.9
    assert own.municipal_land_share + own.corporation_land_share + own.passive_land_share <= 1 + 1e-9
    assert notes and "scaled down" in notes[0]
    assert len(own.developers) == 7 and sum(d.strategy == "holdout" for d in own.developers) == 4
    assert built.instruments.biz and built.instruments.compensation_budget == 5.0
    assert built.instruments.phasing_quarters == 8 and built.rijk.gebiedsbudget == 40.0
    assert built.municipality.staff_capacity == 12.0


def test_app_model_runs_a_twin_in_lockstep_and_reports_bad_input():
    m = AppModel(seed="7", compare_form="framework_organic", municipal_land_share=0.5)
    assert m.seed == 7 and m.twin is not None and m.twin.form_name == "framework_organic"
    assert "ownership.municipal_land_share=0.5" in m.command
    for _ in range(3):
        m.step()
    assert m.steps == m.twin.steps == 3
    bad = AppModel(seed="x", form="tender", municipal_land_share=0.0, compare_form="none")
    assert bad.seed == 42 and bad.form_name == bad.scenario.simulation.form and bad.twin is None
    assert any("seed" in e for e in bad.errors) and any("tender" in e for e in bad.errors)


def test_panels_show_the_run():
    m = AppModel()
    for _ in range(12):
        m.step()
    html = views.plot_map_html(m)
    assert html.count("data-status=") == len(m.area.plots)
    assert html.count('data-owner="municipality"') == sum(p.original_owner_type == "municipality" for p in m.area.plots)
    log = views.event_log_html(m)
    assert f'data-count="{len(m.events)}"' in log and "title=" in log
    for svg in (views.realisation_chart([m]), views.free_riding_chart(m), views.support_capacity_chart(m),
                views.trust_chart([m, m.twin]), views.realisation_chart([m, m.twin], title="x")):
        assert svg.startswith("<svg") and 'data-step="12"' in svg
    assert "sok" in views.comparison_html(m, m.twin) and m.twin.form_name in views.comparison_html(m, m.twin)
    assert views.cumulative(m, "step_completion")[-1] == sum(p.homes for p in m.area.plots
                                                            if p.step_completion is not None)


@pytest.mark.filterwarnings("ignore:.*use_state. found despite early return")  # inside Mesa's SolaraViz
def test_components_and_page_build_without_a_browser():
    pytest.importorskip("solara")
    import solara
    import solara.widgets

    from coalitionsim.app import app as app_module
    from coalitionsim.app.components import PAGES, PanelView

    m = AppModel()
    m.step()
    for _label, panels in PAGES:
        for p in panels:
            _box, rc = solara.render(PanelView(m, p), handle_error=False)
            html = rc.find(solara.widgets.HTML).widget.unsafe_innerHTML
            assert html.startswith("<div") and len(html) > 100, p.name
            rc.close()
    _box, rc = solara.render(app_module.Page(), handle_error=False)  # SolaraViz with our pages and levers
    panels = " ".join(w.unsafe_innerHTML for w in rc.find(solara.widgets.HTML).widgets)
    for test_id in ("overview", "realisation-chart", "plot-map", "event-log", "free-riding-chart",
                    "support-capacity-chart", "trust-chart", "glossary"):
        assert f'data-testid="{test_id}"' in panels  # the first tab is rendered, the others only when opened
    assert 'data-testid="comparison"' not in panels
    rc.close()


def test_pages_are_named_not_numbered():
    from coalitionsim.app.components import PAGES

    assert [label for label, _ in PAGES] == ["One form", "Two forms side by side", "Info: how to start"]


def test_quarter_zero_shows_no_free_riding_before_anyone_was_asked_to_pay():
    m = AppModel(compare_form="tender")
    assert m.contributions.free_riding_index() == 1.0  # the index itself: nothing paid of the costs incurred
    assert views.free_riding_text(m) == "– (nothing asked yet)"
    assert dict(views.indicators(m))["free-riding index (meeliften)"] == "– (nothing asked yet)"
    assert "index – (nothing asked yet)" in views.free_riding_chart(m)
    for _ in range(3):
        m.step()
    assert views.asked_steps(m)[0] is False and views.asked_steps(m)[-1] is True
    assert views.free_riding_text(m) == f"{m.contributions.free_riding_index():.2f}"
    svg = views.trust_chart([m, m.twin])  # the free-riding lines start where asks start, not at 1.0 in quarter 0
    first_points = re.findall(r'stroke-dasharray="5 3"[^>]*>.*?</polyline>', svg)
    assert first_points
    x0 = views.Chart((0, 25), (0, 1)).x(0)
    for line in re.findall(r'<polyline points="([^"]+)"[^>]*stroke-dasharray="5 3"', svg):
        assert float(line.split()[0].split(",")[0]) > x0 + 1e-6


def test_chart_legends_sit_below_the_plotting_area():
    m = AppModel()
    for _ in range(6):
        m.step()
    for svg in (views.realisation_chart([m]), views.free_riding_chart(m), views.support_capacity_chart(m),
                views.trust_chart([m, m.twin])):
        area = re.search(r'data-role="plot-area" x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)"', svg)
        bottom = float(area.group(2)) + float(area.group(4))
        legend = re.search(r'<g data-role="legend">(.*?)</g>', svg).group(1)
        ys = [float(y) for y in re.findall(r' (?:y|y1|cy)="([\d.]+)"', legend)]
        assert ys and min(ys) > bottom, "a legend item inside the plotting area"


def test_command_wraps_between_arguments_only():
    m = AppModel(developers=7)
    html = views.command_html(m.command_args)
    flags = re.findall(r'<span data-role="flag" style="white-space: nowrap">([^<]*)</span>', html)
    assert flags[:3] == ["coalitionsim run", "--form", "--seed"] and "--set" in flags
    text = re.sub(r"<[^>]+>", "", html).replace("&#x27;", "'").replace("&quot;", '"')
    assert " ".join(text.split()) == " ".join(m.command.split())


@pytest.mark.reads_source
def test_every_event_kind_the_model_logs_has_a_dutch_term_and_an_english_meaning():
    from pathlib import Path

    import coalitionsim.model as model_package

    root = Path(model_package.__file__).parent
    kinds = {k for f in root.rglob("*.py") for k in re.findall(r'\.log\(\s*"([^"]+)"', f.read_text())}
    assert {"land_market", "backloop", "negotiation"} <= kinds  # the scan finds the calls
    assert not kinds - set(views.EVENT_STYLE), f"event kinds without a Dutch term: {sorted(kinds - set(views.EVENT_STYLE))}"
    m = AppModel()
    for _ in range(16):
        m.step()
    log = views.event_log_html(m)
    for kind in {e.kind for e in m.events}:
        _colour, dutch, english = views.EVENT_STYLE[kind]
        assert f">{views.esc(dutch)}</span>" in log and views.esc(english) in log  # shown, not only as a tooltip
    assert ">land_market<" not in log and ">backloop<" not in log


def test_support_and_capacity_panel_draws_each_group_apart_with_a_legend():
    from coalitionsim.model.metrics import GROUPS

    m = AppModel()
    for _ in range(8):
        m.step()
    svg = views.support_capacity_chart(m)
    cells = re.findall(r'<g transform="translate\(([\d.]+),([\d.]+)\)">', svg)
    assert len(cells) == len(GROUPS) and len(set(cells)) == len(GROUPS)  # one small chart per group, none stacked
    for g in GROUPS:
        assert views.GROUP_STYLE[g][1] in svg
    legend = re.search(r'<g data-role="legend">(.*?)</g>', svg).group(1)
    assert "draagkracht" in legend and "draagvlak" in legend and "willing but unable" in legend


def test_the_comparison_tab_states_the_one_answer_and_that_one_seed_shows_no_difference(monkeypatch):
    import coalitionsim.app.views as v

    m = AppModel()
    for _ in range(8):
        m.step()
    calls = []
    real = v.tradeoff
    monkeypatch.setattr(v, "tradeoff", lambda s: calls.append(sorted(s["form"])) or real(s))
    html = v.comparison_html(m, m.twin)
    assert calls == [sorted([m.form_name, m.twin.form_name])]
    assert 'data-testid="tradeoff"' in html and "One seed cannot show a difference" in html
    assert "5th–95th percentile" in html
