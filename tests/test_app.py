"""The browser app without a browser: levers become validated overrides, panels render, components build."""

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
    from coalitionsim.app.components import COMPONENTS

    m = AppModel()
    m.step()
    for component, _page in COMPONENTS:
        @solara.component
        def One(component=component):
            component(m)

        _box, rc = solara.render(One(), handle_error=False)
        html = rc.find(solara.widgets.HTML).widget.unsafe_innerHTML
        assert html.startswith("<div") and len(html) > 100, component.__name__
        rc.close()
    _box, rc = solara.render(app_module.Page(), handle_error=False)  # SolaraViz with our panel and levers
    grid = rc.find(solara.widgets.GridLayout).widget  # Mesa's page 0 with our panels
    panels = " ".join(w.unsafe_innerHTML for w in grid.items)
    for test_id in ("overview", "realisation-chart", "plot-map", "event-log", "free-riding-chart",
                    "support-capacity-chart", "trust-chart", "glossary"):
        assert f'data-testid="{test_id}"' in panels
    rc.close()
