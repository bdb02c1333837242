"""Solara components of the app: the named pages and their panels.

Mesa 3.3.1's SolaraViz names its pages "Page 0", "Page 1", … and has no API for a page name, so the app
passes SolaraViz no components (it keeps Mesa's app bar and Reset / ▶ / Step controls) and shows its own
named tabs (:func:`NamedPages`) in the main area. Each panel is one HTML element whose content is built by
:mod:`.views` (HTML and inline SVG, milliseconds per redraw); it reads Mesa's ``update_counter`` so it
redraws after every step, like the components SolaraViz wraps. The panels sit in a CSS grid whose columns
never get narrower than a chart can be read at (one column on a 1024-pixel screen).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import solara
from mesa.visualization.utils import update_counter

from . import views


@dataclass(frozen=True)
class Panel:
    name: str  # CSS class cs-<name>
    title: str
    body: Callable[[Any], str]
    scroll: bool = False  # long content (event log, glossary): a capped height that scrolls


def _twin_or_hint(build: Callable[[Any, Any], str]) -> Callable[[Any], str]:
    def body(model: Any) -> str:
        twin = getattr(model, "twin", None)
        if twin is None:
            return ("<i>No second form. Pick one under <b>Compare with</b> among the levers: the two forms then run in "
                    "lockstep on the same scenario and seed.</i>")
        return build(model, twin)

    return body


def _maps(model: Any, twin: Any) -> str:
    return ('<div style="display: flex; gap: 16px; flex-wrap: wrap">'
            f"<div><b>{views.esc(model.form_name)}</b>{views.plot_map_html(model, compact=True, legend=False)}</div>"
            f"<div><b>{views.esc(twin.form_name)}</b>{views.plot_map_html(twin, compact=True, legend=False)}</div>"
            "</div>")


RUN_PAGE: tuple[Panel, ...] = (
    # the chart first: on a phone it is what the screen opens on
    Panel("realisation", "Realisatie (realisation) against the plan", lambda m: views.realisation_chart([m])),
    Panel("overview", "Run", views.overview_html),
    Panel("plot-map", f"Kaart (map): {views.term('kavels', 'plots')} by status and land position", views.plot_map_html),
    Panel("event-log", "Gebeurtenissen (event log)", views.event_log_html, scroll=True),
    Panel("free-riding", "Wie betaalt? (who paid what against the fair share, per owner)", views.free_riding_chart),
    Panel("support-capacity", "Draagvlak en draagkracht (willing and able) per actor group",
          views.support_capacity_chart),
    Panel("trust", "Vertrouwen (trust) over time", lambda m: views.trust_chart([m])),
    Panel("glossary", "Begrippen (glossary): Dutch terms in English", lambda m: views.glossary_html(), scroll=True),
)

COMPARE_PAGE: tuple[Panel, ...] = (
    Panel("comparison", "Twee vormen naast elkaar (two governance forms side by side)",
          _twin_or_hint(views.comparison_html)),
    Panel("compare-realisation", "Realisatie (realisation) of both forms", _twin_or_hint(
        lambda m, t: views.realisation_chart([m, t], title=f"Homes: {m.form_name} vs {t.form_name}",
                                             test_id="compare-realisation-chart"))),
    Panel("compare-maps", "Kaart (map) of both forms: fill = status, letter = land position", _twin_or_hint(_maps)),
    Panel("compare-trust", "Vertrouwen en meeliften (trust and free riding) of both forms",
          _twin_or_hint(lambda m, t: views.trust_chart([m, t], test_id="compare-trust-chart"))),
)

INFO_PAGE: tuple[Panel, ...] = (Panel("info", "Info: what this is, how to start, things to try",
                                      lambda m: views.info_html()),)

#: the tabs of the main area: (label, panels)
PAGES: tuple[tuple[str, tuple[Panel, ...]], ...] = (
    ("One form", RUN_PAGE),
    ("Two forms side by side", COMPARE_PAGE),
    ("Info: how to start", INFO_PAGE),
)

PANEL = "height: 100%; box-sizing: border-box; padding: 6px 10px; background: white; border-radius: 4px; " \
        "box-shadow: 0 1px 3px rgba(0,0,0,.2)"
SCROLL = "max-height: 460px; overflow: auto"

GRID_CSS = """
.cs-grid { display: grid; gap: 12px; align-items: start; padding: 4px 2px 24px 2px;
           grid-template-columns: repeat(auto-fill, minmax(min(100%, 420px), 1fr)); }
.cs-grid .cs-wide { grid-column: 1 / -1; }
/* a chart's text is set for its 480-unit view box: a narrow panel shrinks it, so it grows back to >= 9 px */
.cs-panel { container-type: inline-size; }
@container (max-width: 560px) {
  svg text[font-size="10"] { font-size: 11.5px; } svg text[font-size="11"] { font-size: 12px; }
}
@container (max-width: 430px) {
  svg text[font-size="10"] { font-size: 13px; } svg text[font-size="11"] { font-size: 13.5px; }
  svg text[font-size="12"] { font-size: 14px; }
}
"""


def panel_html(panel: Panel, model: Any) -> str:
    return (f'<div style="font-weight: 600; margin-bottom: 4px">{panel.title}</div>'
            f'<div style="{SCROLL if panel.scroll else ""}">{panel.body(model)}</div>')


@solara.component
def PanelView(model: Any, panel: Panel):
    """One panel; redrawn after every step (Mesa's update counter) and when the model is rebuilt."""
    update_counter.get()
    solara.HTML(tag="div", unsafe_innerHTML=panel_html(panel, model), style=PANEL,
                classes=[f"cs-{panel.name}", "cs-panel"] + (["cs-wide"] if panel.name == "info" else []))


@solara.component
def PageGrid(model: Any, panels: tuple[Panel, ...]):
    with solara.Div(classes=["cs-grid"]):
        for p in panels:
            PanelView(model, p)


@solara.component
def NamedPages(model: solara.Reactive):
    """The main area: named tabs; only the open tab is rendered (and redrawn after a step)."""
    solara.Style(GRID_CSS)
    tab = solara.use_reactive(0)
    with solara.lab.Tabs(value=tab, lazy=True):
        for label, panels in PAGES:
            with solara.lab.Tab(label, classes=[f"cs-tab-{label.split(':')[0].split()[0].lower()}"]):
                PageGrid(model.value, panels)
