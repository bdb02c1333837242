"""Solara components for Mesa's SolaraViz: each takes the (app) model and renders one panel.

They are plain functions, so SolaraViz wraps each in a component that re-renders after every step. Each
panel is one HTML element whose content is built by :mod:`.views` (HTML and inline SVG, milliseconds per
redraw). Page 0 shows one run; page 1 shows the run and its twin under a second form side by side.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import solara

from . import views

PANEL = "height: 100%; overflow: auto; padding: 6px 10px; background: white"


def panel(title: str, body: str, name: str) -> None:
    """One panel: a title and an HTML body (the element SolaraViz places in its grid)."""
    solara.HTML(tag="div", unsafe_innerHTML=f'<div style="font-weight: 600; margin-bottom: 4px">{title}</div>{body}',
                style=PANEL, classes=[f"cs-{name}"])


def _no_twin() -> str:
    return ("<i>No second form. Pick one under <b>Compare with</b> in the sidebar: the two forms then run in "
            "lockstep on the same scenario and seed.</i>")


# ------------------------------------------------------------------ page 0: one run
def Overview(model: Any) -> None:
    panel("Run", views.overview_html(model), "overview")


def Realisation(model: Any) -> None:
    panel("Realisatie (realisation) against the plan", views.realisation_chart([model]), "realisation")


def PlotMap(model: Any) -> None:
    panel(f"Kaart (map): {views.term('kavels', 'plots')} by status and land position", views.plot_map_html(model),
          "plot-map")


def EventLog(model: Any) -> None:
    panel("Gebeurtenissen (event log)", views.event_log_html(model), "event-log")


def FreeRiding(model: Any) -> None:
    panel("Wie betaalt? (who paid what against the fair share, per owner)", views.free_riding_chart(model),
          "free-riding")


def SupportCapacity(model: Any) -> None:
    panel("Draagvlak en draagkracht (willing and able) per actor group", views.support_capacity_chart(model),
          "support-capacity")


def Trust(model: Any) -> None:
    panel("Vertrouwen (trust) over time", views.trust_chart([model]), "trust")


def Glossary(model: Any) -> None:
    panel("Begrippen (glossary): Dutch terms in English", views.glossary_html(), "glossary")


# ------------------------------------------------------------------ page 1: two forms side by side
def CompareSummary(model: Any) -> None:
    twin = getattr(model, "twin", None)
    body = views.comparison_html(model, twin) if twin is not None else _no_twin()
    panel("Twee vormen naast elkaar (two governance forms side by side)", body, "comparison")


def CompareRealisation(model: Any) -> None:
    twin = getattr(model, "twin", None)
    body = _no_twin() if twin is None else views.realisation_chart(
        [model, twin], title=f"Homes: {model.form_name} vs {twin.form_name}", test_id="compare-realisation-chart")
    panel("Realisatie (realisation) of both forms", body, "compare-realisation")


def CompareMaps(model: Any) -> None:
    twin = getattr(model, "twin", None)
    body = _no_twin() if twin is None else (
        '<div style="display: flex; gap: 16px; flex-wrap: wrap">'
        f"<div><b>{views.esc(model.form_name)}</b>{views.plot_map_html(model, compact=True, legend=False)}</div>"
        f"<div><b>{views.esc(twin.form_name)}</b>{views.plot_map_html(twin, compact=True, legend=False)}</div></div>")
    panel("Kaart (map) of both forms: fill = status, letter = land position", body, "compare-maps")


def CompareTrust(model: Any) -> None:
    twin = getattr(model, "twin", None)
    body = _no_twin() if twin is None else views.trust_chart([model, twin], test_id="compare-trust-chart")
    panel("Vertrouwen en meeliften (trust and free riding) of both forms", body, "compare-trust")


RUN_PAGE = (Overview, Realisation, PlotMap, EventLog, FreeRiding, SupportCapacity, Trust, Glossary)
COMPARE_PAGE = (CompareSummary, CompareRealisation, CompareMaps, CompareTrust)
COMPONENTS: list[tuple[Callable[[Any], None], int]] = [(c, 0) for c in RUN_PAGE] + [(c, 1) for c in COMPARE_PAGE]
