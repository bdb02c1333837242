"""The browser app: the page around :class:`~coalitionsim.app.levers.AppModel`.

Start it with ``coalitionsim app`` (or ``solara run coalitionsim.app.app``). Every browser session gets its
own model and its own lever values (a Solara reactive variable is scoped to the session; no model instance
lives at module level). Changing a lever rebuilds the model at quarter 0 with the new value, so the run
shown always matches the levers; Mesa's Reset, ▶ and Step (its ``ModelController``) work as usual.

The page is laid out here rather than by Mesa's SolaraViz, so that it works on a phone and on a laptop:
a header with Reset / ▶ / Step, the play speed (explained, in quarters per second) and the quarter; the
levers in a column on the left of a wide screen, and on a narrow one (under 900 pixels) behind a
"Levers" button that opens and closes them over the charts, which come first. Mesa's Render Interval and
Use Threads settings are not shown: the app draws every quarter and runs in one thread, which is what a
student needs. The main area is the app's own named tabs (:mod:`.components`). Solara's "This website
runs on Solara" badge (which covered the event log) is switched off with Solara's own theme setting.
"""

from __future__ import annotations

from typing import Any

import solara
from mesa.visualization.solara_viz import ModelController
from mesa.visualization.utils import update_counter
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

    with solara.Card("Scenario and levers", classes=["cs-levers"]):
        solara.HTML(tag="div", unsafe_innerHTML="A change restarts at quarter 0; hover a label for its meaning.",
                    style="font-size: 12px; line-height: 1.3")
        with solara.Div(classes=["cs-pair"]):
            solara.Select("Scenario (bundled)", values=names, value=levers["scenario_name"], on_value=set_scenario)
            solara.InputText("Seed (same seed, same run)", value=str(levers["seed"]),
                             on_value=lambda v: rebuild(seed=v))
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


#: ▶'s pause between two quarters (Mesa's play interval, ms); computing and drawing a quarter adds ~0.1 s
PLAY_SPEEDS: dict[str, int] = {
    "slow · 1 s pause": 1000,
    "normal · ¼ s pause": 250,
    "fast · no pause": 1,
}
DEFAULT_SPEED = "normal · ¼ s pause"
NARROW = 900  # pixels: below this the levers open over the charts from the header's Levers button


@solara.component
def Header(model: solara.Reactive, levers_open: solara.Reactive):
    """Title, Reset / ▶ / Step (Mesa's controller, one quarter per step, drawn every quarter), the play speed,
    the quarter, and on a narrow screen the button that opens and closes the levers."""
    update_counter.get()  # the quarter shown follows every step
    speed = solara.use_reactive(DEFAULT_SPEED)
    interval = solara.use_reactive(PLAY_SPEEDS[DEFAULT_SPEED])
    every_quarter = solara.use_reactive(1)  # Mesa's render interval: draw every quarter
    one_thread = solara.use_reactive(False)  # Mesa's use_threads: off

    def set_speed(label: str) -> None:
        speed.value = label
        interval.value = PLAY_SPEEDS[label]

    m = model.value
    horizon = m.scenario.simulation.horizon_quarters
    with solara.Div(classes=["cs-header"]):
        solara.HTML(tag="div", classes=["cs-title"],
                    unsafe_innerHTML='<b>coalitionsim</b><span class="cs-wide-only"> — gebiedsontwikkeling '
                                     "explorer</span>")
        with solara.Div(classes=["cs-run-controls"]):
            ModelController(model, play_interval=interval, render_interval=every_quarter, use_threads=one_thread)
        with solara.Div(classes=["cs-speed"]):
            solara.Select("Play speed", values=list(PLAY_SPEEDS), value=speed.value,
                          on_value=set_speed)
        solara.HTML(tag="div", classes=["cs-quarter"],
                    unsafe_innerHTML=f'<span data-testid="quarter" data-step="{m.steps}" title="one step is one '
                                     f'quarter (kwartaal)">Q{m.steps} of {horizon}</span>')
        solara.Button("✕ Close levers" if levers_open.value else "☰ Levers", color="primary", outlined=True,
                      classes=["cs-lever-toggle"], on_click=lambda: levers_open.set(not levers_open.value))


# The layout: a header; below it the levers column and the tabs, each scrolling on its own. On a narrow
# screen the levers lie over the charts while open, and are gone when closed. Mesa's card style is kept.
LAYOUT_CSS = f"""
.cs-app {{ display: flex; flex-direction: column; height: 100vh; overflow: hidden; }}
.cs-header {{ flex: none; display: flex; flex-wrap: wrap; align-items: center; gap: 4px 18px; padding: 6px 12px;
              border-bottom: 1px solid #ccc; background: #f5f8fc; }}
.cs-title {{ font-size: 17px; color: #1565c0; }}
.cs-run-controls .row {{ margin: 0; gap: 8px; flex-wrap: nowrap; }}
.cs-run-controls .col, .cs-run-controls [class*=col-] {{ padding: 0; flex: none; }}
.cs-speed {{ width: 200px; }}
.cs-speed .v-input {{ margin-top: 0; padding-top: 10px; font-size: 13px; }}
.cs-speed .v-text-field__details {{ display: none; }}
.cs-quarter {{ font-size: 14px; font-weight: 600; }}
.cs-lever-toggle {{ display: none !important; }}
.cs-body {{ flex: 1; min-height: 0; display: grid; grid-template-columns: 360px minmax(0, 1fr); position: relative; }}
.cs-side {{ overflow-y: auto; background: #fafafa; border-right: 1px solid #ddd; }}
.cs-main {{ overflow-y: auto; padding: 0 8px; min-width: 0; }}
@media (max-width: {NARROW - 1}px) {{
  .cs-header {{ gap: 4px 10px; padding: 4px 8px; }}
  .cs-wide-only {{ display: none; }}
  .cs-title {{ order: 0; }} .cs-quarter {{ order: 1; }} .cs-run-controls {{ order: 3; }} .cs-speed {{ order: 4; }}
  .cs-lever-toggle {{ display: inline-flex !important; order: 2; margin-left: auto; }}
  .cs-run-controls .v-btn {{ min-width: 0 !important; padding: 0 10px !important; }}
  .cs-run-controls .row {{ gap: 6px; }}
  .cs-speed {{ width: 160px; }}
  .cs-body {{ grid-template-columns: minmax(0, 1fr); }}
  .cs-side {{ position: absolute; z-index: 5; top: 0; bottom: 0; left: 0; width: min(380px, 100%);
              box-shadow: 2px 0 12px rgba(0,0,0,.35); }}
  .cs-side.cs-closed {{ display: none; }}
  .cs-main {{ padding: 0 4px; }}
}}
"""

# Compact levers: the groups are tight, so every lever fits an 800-pixel-high window under the header.
LEVER_CSS = """
.cs-side .v-card { margin: 6px 8px !important; }
.cs-side .v-card__title { padding: 4px 12px; font-size: 15px; }
.cs-side .v-card__text { padding: 0 12px 6px 12px; }
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
    solara.Style(LAYOUT_CSS + LEVER_CSS)
    solara.Title(TITLE)
    initial = solara.use_memo(lambda: SessionModel(), [])
    model = solara.use_reactive(initial)
    levers_open = solara.use_reactive(False)  # only a narrow screen hides the levers (see LAYOUT_CSS)
    with solara.Div(classes=["cs-app"]):
        Header(model, levers_open)
        with solara.Div(classes=["cs-body"]):
            with solara.Div(classes=["cs-side"] + ([] if levers_open.value else ["cs-closed"])):
                LeverPanel(model)
            with solara.Div(classes=["cs-main"]):
                NamedPages(model)
