"""The browser app: Mesa's SolaraViz around :class:`~coalitionsim.app.levers.AppModel`.

Start it with ``coalitionsim app`` (or ``solara run coalitionsim.app.app``). Every browser session gets its
own model and its own lever values (a Solara reactive variable is scoped to the session; no model instance
lives at module level). Changing a lever rebuilds the model at quarter 0 with the new value, so the run
shown always matches the levers; SolaraViz's Reset, Step and ▶ work as usual.

SolaraViz provides the app bar and Mesa's controls; its pages would be called "Page 0" and "Page 1" (Mesa
3.3.1 has no page names), so the main area is the app's own named tabs (:mod:`.components`). The page title
is the app's, and Solara's "This website runs on Solara" badge (which covered the event log) is switched
off with Solara's own theme setting.
"""

from __future__ import annotations

from typing import Any

import solara
from mesa.visualization import SolaraViz
from solara.server import settings as solara_settings

from ..scenario import FORMS, load_scenario
from .components import NamedPages
from .levers import DEFAULT_SEED, LEVER_GROUPS, LEVERS, NO_COMPARISON, AppModel, lever_values, scenario_names

TITLE = "coalitionsim — gebiedsontwikkeling explorer"

# the browser tab's title and no corner badge over the panels (Solara's theme settings, read per page load)
solara_settings.theme.title = TITLE
solara_settings.theme.show_banner = False

def default_compare_form(form: str) -> str:
    return "tender" if form != "tender" else "sok"


def scenario_kwargs(scenario_name: str, seed: int | str = DEFAULT_SEED) -> dict[str, Any]:
    """AppModel keyword arguments with every lever at ``scenario_name``'s own value."""
    scenario = load_scenario(scenario_name)
    form = scenario.simulation.form
    return {"scenario_name": scenario_name, "form": form, "compare_form": default_compare_form(form),
            "seed": str(seed), **lever_values(scenario)}


# this browser session's lever values (Solara scopes a module-level reactive variable to the session)
session_levers = solara.reactive(scenario_kwargs(scenario_names()[0]))


class SessionModel(AppModel):
    """AppModel whose defaults are this session's lever values, so SolaraViz's Reset keeps the levers."""

    def __init__(self, **kwargs: Any):
        super().__init__(**{**session_levers.value, **kwargs})


def _fmt(lv, value: Any) -> str:
    if lv.kind == "bool":
        return "on" if value else "off"
    if lv.kind == "int":
        return f"{int(value)}"
    if lv.name.endswith("share"):
        return f"{float(value):.0%}"
    return f"{float(value):g}"


@solara.component
def LeverPanel(model: solara.Reactive):
    """Scenario, forms, seed and levers; any change rebuilds the model at quarter 0."""
    levers = session_levers.value
    names = solara.use_memo(scenario_names, [])

    def rebuild(**changes: Any) -> None:
        if all(session_levers.value.get(k) == v for k, v in changes.items()):
            return  # e.g. a slider snapping to its step grid
        session_levers.value = {**session_levers.value, **changes}
        model.value = SessionModel()

    def set_scenario(name: str) -> None:
        session_levers.value = scenario_kwargs(name, session_levers.value.get("seed", DEFAULT_SEED))
        model.value = SessionModel()

    with solara.Sidebar(), solara.Card("Scenario and levers", classes=["cs-levers"]):
        solara.HTML(tag="div", unsafe_innerHTML="A change restarts at quarter 0; hover a label for its meaning.",
                    style="font-size: 12px; line-height: 1.3")
        with solara.Div(classes=["cs-pair"]):
            solara.Select("Scenario (bundled)", values=names, value=levers["scenario_name"], on_value=set_scenario)
            solara.InputText("Seed", value=str(levers["seed"]), on_value=lambda v: rebuild(seed=v))
        with solara.Div(classes=["cs-pair"]):
            solara.Select("Governance form (vorm)", values=list(FORMS), value=levers["form"],
                          on_value=lambda v: rebuild(form=v))
            solara.Select("Compare with (2nd tab)", values=[NO_COMPARISON, *FORMS], value=levers["compare_form"],
                          on_value=lambda v: rebuild(compare_form=v))
        for group in LEVER_GROUPS:
            with solara.Details(summary=group, expand=True):
                with solara.Div(classes=["cs-group"]):
                    for lv in (lv for lv in LEVERS if lv.group == group):
                        LeverControl(lv, levers[lv.name], rebuild)


@solara.component
def LeverControl(lv, value: Any, rebuild):
    """One lever: a checkbox, or a label with the current value over a slider."""
    with solara.Div(classes=[f"cs-lever-{lv.name}", "cs-lever", f"cs-{lv.kind}"]):
        if lv.kind == "bool":
            solara.Checkbox(label=lv.label, value=bool(value), on_value=lambda v: rebuild(**{lv.name: bool(v)}))
            return
        label = f'<span title="{lv.help or lv.label}">{lv.label}: <b>{_fmt(lv, value)}</b></span>'
        solara.HTML(tag="div", unsafe_innerHTML=label, classes=["cs-lever-label"])
        lo, hi = min(lv.lo, value), max(lv.hi, value)  # a scenario's own value is always reachable
        if lv.kind == "int":
            solara.SliderInt("", value=int(value), min=int(lo), max=int(hi), step=int(lv.step),
                             on_value=lambda v: rebuild(**{lv.name: int(v)}))
        else:
            solara.SliderFloat("", value=float(value), min=lo, max=hi, step=lv.step,
                               on_value=lambda v: rebuild(**{lv.name: float(v)}))


@solara.component
def _Deeper(model: solara.Reactive):
    # the sidebar orders its parts by nesting depth: one level deeper than SolaraViz puts the levers below
    # Mesa's controls (Reset, ▶, Step), which stay at the top
    LeverPanel(model)


# Compact sidebar: Mesa's empty "Model Parameters" card and its "Information" card (the Run panel shows the
# quarter) are hidden; the lever groups are tight, so every lever fits a 900-pixel-high window.
SIDEBAR_CSS = """
.v-card:has(> .v-card__text > .v-sheet:empty) { display: none; }
.v-navigation-drawer .v-card:has(> .v-card__text > span:only-child) { display: none; }
.v-navigation-drawer .v-card { margin: 6px 8px !important; }
.v-navigation-drawer .v-card__title { padding: 4px 12px; font-size: 15px; }
.v-navigation-drawer .v-card__text { padding: 0 12px 6px 12px; }
.v-navigation-drawer .v-card__text > .v-input { margin-top: 0 !important; }
.v-navigation-drawer .v-card__text > .v-input .v-input__slot { margin-bottom: 0 !important; min-height: 24px; }
.v-navigation-drawer .v-card__text > .v-input label { font-size: 14px; }
.v-navigation-drawer .v-card__text > .v-input--checkbox { padding-top: 0; }
.cs-levers .cs-pair { display: grid; grid-template-columns: 1fr 1fr; gap: 8px; margin-top: 10px; }
.cs-levers .v-input { margin-top: 0 !important; padding-top: 2px !important; font-size: 13px; }
.cs-levers .v-input .v-messages, .cs-levers .v-text-field__details { display: none; }
.cs-levers .v-input__slot { margin-bottom: 0 !important; }
.cs-levers .v-input--selection-controls { margin: 0 !important; padding: 0 !important; }
.cs-levers .v-input--checkbox label { font-size: 12.5px; line-height: 1.2; }
.cs-levers .v-input--checkbox .v-input--selection-controls__input { margin-right: 4px; }
.cs-levers .v-expansion-panels { margin-top: 3px; }
.cs-levers .cs-bool .v-input__slot { min-height: 22px; }
.cs-levers .v-expansion-panel-header { min-height: 26px !important; padding: 2px 8px; font-weight: 600;
                                       font-size: 13px; }
.cs-levers .v-expansion-panel-content__wrap { padding: 0 6px 2px 8px; }
.cs-levers .cs-lever.cs-float, .cs-levers .cs-lever.cs-int { display: grid; grid-template-columns: 58% 42%;
                                                             align-items: center; min-height: 26px; }
.cs-levers .cs-lever-label { font-size: 12px; line-height: 1.15; }
.cs-levers .v-slider { margin: 0 4px; min-height: 24px; }
"""


@solara.component
def Page():
    solara.Style(SIDEBAR_CSS)
    solara.Title(TITLE)
    initial = solara.use_memo(lambda: SessionModel(), [])
    model = solara.use_reactive(initial)
    SolaraViz(model, renderer=None, components=[], model_params={}, name=TITLE, play_interval=150)
    NamedPages(model)
    _Deeper(model)
