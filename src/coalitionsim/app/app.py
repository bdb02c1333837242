"""The browser app: Mesa's SolaraViz around :class:`~coalitionsim.app.levers.AppModel`.

Start it with ``coalitionsim app`` (or ``solara run coalitionsim.app.app``). Every browser session gets its
own model and its own lever values (a Solara reactive variable is scoped to the session; no model instance
lives at module level). Changing a lever rebuilds the model at quarter 0 with the new value, so the run
shown always matches the levers; SolaraViz's Reset, Step and ▶ work as usual.
"""

from __future__ import annotations

from typing import Any

import solara
from mesa.visualization import SolaraViz

from ..scenario import FORMS, load_scenario
from .components import COMPONENTS
from .levers import DEFAULT_SEED, LEVERS, NO_COMPARISON, AppModel, lever_values, scenario_names

TITLE = "coalitionsim — gebiedsontwikkeling explorer"

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
        solara.HTML(tag="div", unsafe_innerHTML="Changing anything here restarts the run at quarter 0 with the "
                    "new values. Hover a label for its meaning.", style="font-size: 12px; margin-bottom: 6px")
        solara.Select("Scenario (bundled)", values=names, value=levers["scenario_name"], on_value=set_scenario)
        solara.Select("Governance form (vorm)", values=list(FORMS), value=levers["form"],
                      on_value=lambda v: rebuild(form=v))
        solara.Select("Compare with (page 1)", values=[NO_COMPARISON, *FORMS], value=levers["compare_form"],
                      on_value=lambda v: rebuild(compare_form=v))
        solara.InputText("Seed", value=str(levers["seed"]), on_value=lambda v: rebuild(seed=v))
        for lv in LEVERS:
            value = levers[lv.name]
            with solara.Column(gap="0px", classes=[f"cs-lever-{lv.name}"]):
                if lv.kind == "bool":
                    solara.Checkbox(label=lv.label, value=bool(value),
                                    on_value=lambda v, n=lv.name: rebuild(**{n: bool(v)}))
                    continue
                label = f'<span title="{lv.help or lv.label}">{lv.label}: <b>{_fmt(lv, value)}</b></span>'
                solara.HTML(tag="div", unsafe_innerHTML=label, style="font-size: 13px; margin-top: 6px")
                lo, hi = min(lv.lo, value), max(lv.hi, value)  # a scenario's own value is always reachable
                if lv.kind == "int":
                    solara.SliderInt("", value=int(value), min=int(lo), max=int(hi), step=int(lv.step),
                                     on_value=lambda v, n=lv.name: rebuild(**{n: int(v)}))
                else:
                    solara.SliderFloat("", value=float(value), min=lo, max=hi, step=lv.step,
                                       on_value=lambda v, n=lv.name: rebuild(**{n: float(v)}))


@solara.component
def _Deeper(model: solara.Reactive):
    # the sidebar orders its parts by nesting depth: one level deeper than SolaraViz puts the levers below
    # Mesa's controls (Reset, ▶, Step), which stay at the top
    LeverPanel(model)


# Mesa's "Model Parameters" card stays empty (the levers live in our own card): hide it
HIDE_EMPTY_CARDS = ".v-card:has(> .v-card__text > .v-sheet:empty) { display: none; }"


@solara.component
def Page():
    solara.Style(HIDE_EMPTY_CARDS)
    initial = solara.use_memo(lambda: SessionModel(), [])
    model = solara.use_reactive(initial)
    SolaraViz(model, renderer=None, components=COMPONENTS, model_params={}, name=TITLE, play_interval=150)
    _Deeper(model)
