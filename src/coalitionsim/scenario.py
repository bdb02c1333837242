"""Scenario files: TOML validated into typed objects.

A scenario describes one area (plots, owners, collective tasks, residents), its market, the instruments
the municipality has, and the behavioural parameters. Every field has a default, so a scenario file only
states what differs from the embedded reference area. Money is in millions of euros (M€), time in quarters.

Errors are raised as :class:`ScenarioError` with one line that names the field and what is allowed.
"""

from __future__ import annotations

import difflib
import math
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

# The governance forms a scenario may name, in the order they are reported. A form's rules live in its own
# module in ``model/governance/``; adding a form adds its name here (tests check both lists agree).
FORMS: tuple[str, ...] = ("tender", "sok", "gem", "framework_subareas", "framework_organic")
FormName = Literal[FORMS]  # type: ignore[valid-type]

Share = float  # documented 0..1 fields use Field(ge=0, le=1)


class ScenarioError(ValueError):
    """A scenario (or override) that cannot be used; the message is one line for the user."""


class _Section(BaseModel):
    # inf and nan mean nothing in a scenario (an infinite budget, a task that costs nan): refused.
    # strict: no silent conversions (plots = true is not 1 plot, plots = "12" is not 12, form = 1 is not a
    # name); a whole number is still a number where a float is asked
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False, strict=True)


# conditions (the lever screen's ``acts_when``, runner/levers.py) that several fields share
ONLY_UNDER_GEM = {"acts_when": {"forms": ["gem"], "why": "only under gem"}}
WITH_RIJK_BUDGET = {"acts_when": {"set": {"rijk.gebiedsbudget": 100.0}, "why": "acts only with rijk.gebiedsbudget > 0"}}


def check_name(v: str) -> str:
    """A name that becomes part of a folder name (``results/compare-<name>``): no path in it."""
    if "/" in v or "\\" in v or ".." in v or any(ord(c) < 32 for c in v):
        raise ValueError("must not contain '/', '\\', '..' or control characters (it names the results folder)")
    return v


# what the lever screen (runner/levers.py) reads from a field: "label" (stands for no behaviour, with why),
# "acts_when" (the condition it acts under: set, forms, horizon, why) and "screen_value" (where to move it)
LABEL = {"label": "names the scenario or one of its parts; no behaviour"}

# What kind of parameter a field is ("kind", read by runner/assumptions.py and ``coalitionsim robust``):
#   "lever"      a policy choice: the form, instruments, budgets, contract terms, Rijk money;
#   "area"       a fact of the area: plots, programme, ownership shares, the owners and their equity;
#   "assumption" behaviour, market, costs and durations that nobody can fix for the area: every assumption
#                carries its plausible "range" ({"min", "max", "source"} in the field's unit, or {"factor",
#                "source"}: a multiple of the scenario's own value) and ``robust`` samples it;
#   "setting"    what the user sets up and no model assumes: names, the horizon, scripted shocks' timing,
#                the electoral cycle in law.
# A range applies to the scenario's own value: when a scenario sets a value outside an absolute range, the
# range moves with it (the same multiples of the value as of the default); a factor range is a multiple
# of the value, so a zero stays zero. On a list item (developers, tasks) one sample moves every item to the
# same place in its own range (a common factor). Ranges are clipped to the field's bounds.
LEVER = {"kind": "lever"}
AREA = {"kind": "area"}
SETTING = {"kind": "setting"}
#: the documented default band of an assumption without a published range: x0.5 to x1.5 of its value
BAND = {"kind": "assumption", "range": {"factor": [0.5, 1.5], "source": "assumption band"}}


def assumed(low: float, high: float, source: str = "assumption") -> dict[str, Any]:
    """An assumption with its plausible range in the field's unit and where that range comes from."""
    return {"kind": "assumption", "range": {"min": low, "max": high, "source": source}}


def assumed_factor(low: float, high: float, source: str) -> dict[str, Any]:
    """An assumption whose plausible range is a multiple of the scenario's value (list items, sized values)."""
    return {"kind": "assumption", "range": {"factor": [low, high], "source": source}}



class Meta(_Section):
    name: str = Field("reference", json_schema_extra={**LABEL, **SETTING})
    description: str = Field(
        "Reference inner-city transformation: 4,500 homes, three sub-areas, municipality owns a third",
        json_schema_extra={"label": "describes the scenario; no behaviour", **SETTING})
    sources: list[str] = Field(default_factory=list, json_schema_extra=SETTING)

    @field_validator("name")
    @classmethod
    def _no_path(cls, v: str) -> str:
        return check_name(v)


class Simulation(_Section):
    horizon_quarters: int = Field(100, ge=4, le=400, json_schema_extra=SETTING)
    form: FormName = Field("sok", json_schema_extra={"label": "selects the form of a single run; compare, sweeps and the screen run the forms themselves", **LEVER})


class SubArea(_Section):
    name: str = Field(json_schema_extra={**LABEL, **SETTING})
    plots: int = Field(ge=1, le=500, json_schema_extra=AREA)
    homes_per_plot: int = Field(ge=1, le=5000, json_schema_extra=AREA)
    nonres_m2_per_plot: float = Field(0.0, ge=0, json_schema_extra=AREA)
    # the sub-area can be developed on its own (beslisboom: "logische opdeling")
    separable: bool = Field(True, json_schema_extra={"acts_when": {"forms": ["framework_subareas", "tender"], "set": {"subareas.1.separable": False, "subareas.2.separable": False}, "why": "under framework_subareas (and the advisor), where sub-areas that are not separable form one deelgebied (here 1 and 2), and under the tender, which assembles a sub-area that is not separable as one block (land assembly)"}, **AREA})
    # what the land is used for now: sets its existing-use value (inbrengwaarde, market.existing_use_values)
    existing_use: Literal["offices", "business", "housing", "other"] = Field("business", json_schema_extra=AREA)
    # what is built: sets each plot's construction time with its size (construction.<building_type>)
    building_type: Literal["groundbound", "apartments", "highrise"] = Field("apartments", json_schema_extra={"screen_value": "highrise", **AREA})


class Programme(_Section):
    social_share: float = Field(0.30, ge=0, le=1, json_schema_extra=AREA)
    mid_share: float = Field(0.20, ge=0, le=1, json_schema_extra=AREA)
    # the municipal ambition imposed on developer plots that enter an agreement, tender or plan
    social_share_target: float = Field(0.30, ge=0, le=1, json_schema_extra=LEVER)
    corporation_social_share: float = Field(0.80, ge=0, le=1, json_schema_extra=AREA)
    # prestatieafspraken: the social homes a year the corporations agree with the municipality to start in
    # the area (a cumulative programme: a year short may be caught up)
    social_homes_per_year: int = Field(200, ge=1, le=100000, json_schema_extra={"screen_value": 20, **assumed(50, 400, 'assumption (prestatieafspraken, 001 L1477-1484)')})

    @model_validator(mode="after")
    def _shares_fit(self) -> "Programme":
        if self.social_share + self.mid_share > 1:
            raise ValueError("social_share + mid_share must be at most 1")
        return self


class DeveloperSpec(_Section):
    name: str = Field(json_schema_extra={**LABEL, **SETTING})
    strategy: Literal["cooperative", "holdout"] = Field("cooperative", json_schema_extra=AREA)
    timing: Literal["pioneer", "waiter"] = Field("pioneer", json_schema_extra=AREA)
    equity: float = Field(40.0, ge=0, json_schema_extra=AREA)  # M€ available for equity
    required_margin: float = Field(0.08, ge=0, le=0.5,
                                   json_schema_extra=assumed_factor(0.625, 1.5, 'assumption, 0.05-0.12 around 0.08'))
    # relative share of the developer land
    weight: float = Field(1.0, gt=0, json_schema_extra={"screen_value": 0.1, **AREA})


class CorporationSpec(_Section):
    name: str = Field(json_schema_extra={**LABEL, **SETTING})
    # M€ borrowing/investment room; the screen moves it down, where it binds
    headroom: float = Field(60.0, ge=0, json_schema_extra={"screen_value": 0.0, "acts_when": {"set": {"@.headroom_growth": 0.0, "programme.corporation_social_share": 1.0, "market.value_social": 0.15}, "why": "acts when the rents do not refill it and its plots have an onrendabele top (here headroom_growth 0, all social, value_social 0.15)"}, **AREA})
    headroom_growth: float = Field(2.0, ge=0, json_schema_extra={"screen_value": 0.0, "acts_when": {  # M€ per quarter
        "set": {"@.headroom": 0.0, "programme.corporation_social_share": 1.0, "market.value_social": 0.15}, "why": "acts when the corporation's headroom binds (here: headroom 0, an onrendabele top: all social, value_social 0.15)"}, **assumed_factor(0.25, 2.5, 'assumption, 0.5-5 M€ a quarter around 2')})
    weight: float = Field(1.0, gt=0, json_schema_extra={"acts_when": {
        "set": {"@.headroom": 0.0, "@.headroom_growth": 0.0, "programme.corporation_social_share": 1.0, "market.value_social": 0.15}, "why": "acts when corporations differ in what they can carry (here: it has no room, and an onrendabele top)"}, **AREA})


class Ownership(_Section):
    municipal_land_share: float = Field(0.33, ge=0, le=1, json_schema_extra=AREA)
    corporation_land_share: float = Field(0.14, ge=0, le=1, json_schema_extra=AREA)
    passive_land_share: float = Field(0.11, ge=0, le=1, json_schema_extra=AREA)
    passive_owners: int = Field(4, ge=0, le=500, json_schema_extra=AREA)
    passive_owner_willingness: float = Field(0.5, ge=0, le=1, json_schema_extra=assumed(0.2, 0.8, 'assumption (gebrek aan welwillendheid, 003 L1616)'))
    developers: list[DeveloperSpec] = Field(
        default_factory=lambda: [
            DeveloperSpec(name="Stadmakers BV", strategy="cooperative", timing="pioneer", equity=45),
            DeveloperSpec(name="Kanaal Ontwikkeling", strategy="cooperative", timing="waiter", equity=35),
            DeveloperSpec(name="Merwede Vastgoed", strategy="cooperative", timing="pioneer", equity=30),
            DeveloperSpec(name="Grondpositie Holding", strategy="holdout", timing="waiter", equity=25),
            DeveloperSpec(name="Speculant CV", strategy="holdout", timing="waiter", equity=20),
        ]
    )
    corporations: list[CorporationSpec] = Field(
        default_factory=lambda: [
            CorporationSpec(name="Woonstichting Noord", headroom=70),
            CorporationSpec(name="Woongoed Zuid", headroom=50),
        ]
    )

    @model_validator(mode="after")
    def _land_adds_up(self) -> "Ownership":
        total = self.municipal_land_share + self.corporation_land_share + self.passive_land_share
        if total > 1 + 1e-9:
            raise ValueError(
                "municipal_land_share + corporation_land_share + passive_land_share must be at most 1 "
                f"(got {total:.2f})"
            )
        if total < 1 - 1e-9 and not self.developers:
            raise ValueError("developers is empty but land is left for developers; add developers or raise the other shares")
        if self.corporation_land_share > 0 and not self.corporations:
            raise ValueError("corporation_land_share > 0 needs at least one corporation")
        if self.passive_land_share > 0 and self.passive_owners == 0:
            raise ValueError("passive_land_share > 0 needs passive_owners >= 1")
        return self


class Shock(_Section):
    kind: Literal["downturn", "cost_spike", "permit_freeze"] = Field(json_schema_extra=SETTING)
    quarter: int = Field(ge=0, json_schema_extra=SETTING)
    magnitude: float = Field(0.15, ge=0, le=1,
                             json_schema_extra=assumed_factor(0.33, 2.0, 'assumption, 0.05-0.3 around 0.15'))
    duration: int = Field(4, ge=1, le=100,
                          json_schema_extra=assumed_factor(0.5, 3.0, 'assumption, 2-12 quarters around 4'))


class ExistingUseValues(_Section):
    """Existing-use value (inbrengwaarde) of a plot per home it can hold, M€, by its current use."""

    offices: float = Field(0.05, ge=0, json_schema_extra={"acts_when": {"set": {"subareas.0.existing_use": "offices"}, "why": "acts only on plots in offices use (here: subareas.0)"}, **assumed(0.03, 0.08, 'assumption (inbrengwaarde, 003 L1281)')})  # (partly vacant) offices; assumption (range 0.03-0.08)
    # business premises, workshops; assumption (range 0.025-0.06)
    business: float = Field(0.04, ge=0, json_schema_extra=assumed(0.025, 0.06, 'assumption'))
    housing: float = Field(0.09, ge=0, json_schema_extra={"acts_when": {"set": {"subareas.0.existing_use": "housing"}, "why": "acts only on plots in housing use (here: subareas.0)"}, **assumed(0.06, 0.15, 'assumption')})  # existing homes to be replaced; assumption (range 0.06-0.15)
    other: float = Field(0.015, ge=0, json_schema_extra={"acts_when": {"set": {"subareas.0.existing_use": "other"}, "why": "acts only on plots in other use (here: subareas.0)"}, **assumed(0.005, 0.03, 'assumption')})  # parking, vacant or temporary use; assumption (range 0.005-0.03)


class Market(_Section):
    value_social: float = Field(0.20, gt=0, json_schema_extra=assumed(0.15, 0.25, 'assumption'))  # M€ per home
    value_mid: float = Field(0.32, gt=0, json_schema_extra=assumed(0.25, 0.38, 'assumption'))
    value_market: float = Field(0.45, gt=0, json_schema_extra=assumed(0.35, 0.6, 'assumption'))
    # M€ per home, all-in excluding land (servicing the plot included)
    build_cost: float = Field(0.25, gt=0, json_schema_extra=assumed(0.2, 0.32, 'assumption'))
    # bouwrijp maken: servicing a plot, per home, the part of build_cost a land company (GEM) pays before it
    # issues the plot (elsewhere the builder services its own plot)
    servicing_cost: float = Field(0.02, ge=0, json_schema_extra={**ONLY_UNDER_GEM, **assumed(0.01, 0.04, 'assumption (design section 4)')})
    # per quarter, log
    price_drift: float = Field(0.009, ge=-0.1, le=0.1, json_schema_extra=assumed(-0.01, 0.015, 'assumption'))
    price_volatility: float = Field(0.02, ge=0, le=0.5, json_schema_extra=assumed(0.01, 0.04, 'assumption'))
    cost_drift: float = Field(0.0075, ge=-0.1, le=0.1, json_schema_extra=assumed(0.0, 0.015, 'assumption'))
    cost_volatility: float = Field(0.01, ge=0, le=0.5,
                                   json_schema_extra={"screen_value": 0.2, **assumed(0.005, 0.03, 'assumption')})
    interest_rate: float = Field(0.045, ge=0, le=0.3, json_schema_extra=assumed(0.02, 0.07, 'assumption'))  # per year
    # market homes the area's buyers take per quarter (voorverkoop, docs/ODD.md §4.1)
    absorption_per_quarter: int = Field(110, ge=1, json_schema_extra=assumed(60, 200, 'assumption'))
    existing_use_values: ExistingUseValues = ExistingUseValues()  # inbrengwaarde per home of capacity, by use
    # ± relative spread across plots
    existing_use_value_spread: float = Field(0.3, ge=0, le=1, json_schema_extra=assumed(0.0, 0.5, 'assumption'))
    # M€ per m2 (€2,500)
    nonres_value_per_m2: float = Field(0.0025, ge=0, json_schema_extra=assumed(0.0015, 0.004, 'assumption'))
    # M€ per m2 (€1,800)
    nonres_build_cost_per_m2: float = Field(0.0018, ge=0, json_schema_extra=assumed(0.0012, 0.0025, 'assumption'))
    shocks: list[Shock] = Field(default_factory=list)

    @model_validator(mode="after")
    def _servicing_in_build_cost(self) -> "Market":
        if self.servicing_cost >= self.build_cost:
            raise ValueError("servicing_cost is part of build_cost and must be smaller than it")
        return self


class CollectiveTask(_Section):
    name: str = Field(json_schema_extra={**LABEL, **SETTING})
    cost: float = Field(ge=0, json_schema_extra=assumed_factor(0.5, 1.5, 'assumption: plausible ±50% of the reference values'))  # M€ (per quarter when recurring)
    kind: Literal["public_works", "collective"] = Field("collective", json_schema_extra=AREA)
    beneficiaries: list[str] = Field(default_factory=lambda: ["all"], json_schema_extra=AREA)
    # value uplift for beneficiary plots once delivered
    uplift: float = Field(0.0, ge=0, le=0.5, json_schema_extra={"screen_value": 0.5, "acts_when": {"set": {"@.recurring": False}, "why": "a one-off task only (a recurring one is never delivered)"}, **assumed_factor(0.0, 2.0, 'assumption, 0-0.08 around 0.02-0.04 (003 L1294-1297)')})
    # no completion in beneficiary sub-areas before delivery
    gate: bool = Field(False, json_schema_extra={"acts_when": {"set": {"@.recurring": False, "@.delivery_quarters": 30}, "why": "a one-off task whose delivery takes longer than construction (here 30 quarters)"}, **AREA})
    # area organisation: a cost every quarter while the area develops
    recurring: bool = Field(False, json_schema_extra=AREA)
    # since issue 23 the absorption counts market homes only and seldom binds at the reference's 110 a quarter
    absorption_boost: float = Field(0.0, ge=0, le=1, json_schema_extra={"acts_when": {"set": {"market.absorption_per_quarter": 40}, "why": "acts when the area's buyers are the bottleneck (here 40 market homes a quarter)"}, **assumed_factor(0.0, 2.5, 'assumption, 0-0.5 around 0.2 (003 L401-408, L1494-1499)')})
    delivery_quarters: int = Field(4, ge=0, le=40, json_schema_extra={"acts_when": {"set": {"@.recurring": False}, "why": "a one-off task only (a recurring one is never delivered)"}, **assumed_factor(0.5, 1.5, 'assumption, 2-12 quarters around 4-8')})
    # M€ asked per household in beneficiary sub-areas
    resident_ask: float = Field(0.0, ge=0, json_schema_extra={"acts_when": {"set": {"@.recurring": False}, "why": "a one-off task only (residents are not asked for a recurring one)"}, **assumed_factor(0.0, 2.5, 'assumption, 0-0.01 around 0.004 (naar rato van kunnen, 003 L2487)')})


def _default_tasks() -> list[CollectiveTask]:
    return [
        CollectiveTask(name="ontsluiting (access road and bridge)", cost=60, kind="public_works",
                       beneficiaries=["Zuid"], uplift=0.03, gate=True, delivery_quarters=8),
        CollectiveTask(name="openbare ruimte en groen", cost=55, kind="public_works", uplift=0.04,
                       delivery_quarters=6),
        CollectiveTask(name="mobiliteitshub", cost=18, kind="collective", uplift=0.03, delivery_quarters=6),
        CollectiveTask(name="energiesysteem (heat network)", cost=24, kind="collective", uplift=0.02,
                       delivery_quarters=6, resident_ask=0.004),
        CollectiveTask(name="school en park", cost=20, kind="collective", uplift=0.03, delivery_quarters=8),
        CollectiveTask(name="gebiedsorganisatie en programmering", cost=0.3, kind="collective", recurring=True,
                       absorption_boost=0.2, delivery_quarters=0),
    ]


class BuildingType(_Section):
    """Construction time of one building type: ceil(base_quarters + homes / homes_per_quarter) quarters."""

    base_quarters: float = Field(ge=0, le=40, json_schema_extra=assumed_factor(0.6, 1.6, 'assumption, 1-3 / 2-5 / 4-8 quarters by type (CBS 2000)'))  # preparation, foundations and shell of the first homes
    homes_per_quarter: float = Field(gt=0, le=10000, json_schema_extra=assumed_factor(0.5, 1.6, 'assumption, 25-80 homes a quarter (CBS 2008)'))  # pace at which further homes add to the build time


def _only_on(kind: str) -> dict:
    """The lever screen's condition of a building type's fields (runner/levers.py): its plots exist."""
    return {"acts_when": {"set": {f"subareas.{i}.building_type": kind for i in range(3)},
                          "why": f"acts only on sub-areas of type {kind} (here all three)"}}


class Construction(_Section):
    """Construction time by building type and plot size (CBS: works take about a year for a typical
    project, and the larger the project, the longer the time from permit to completion; see docs/ODD.md)."""

    # assumptions (ranges in docs/ODD.md): 20 / 125 / 250 homes take 3 / 5 / 7, 4 / 6 / 8 and 6 / 8 / 10 quarters
    groundbound: BuildingType = Field(BuildingType(base_quarters=2, homes_per_quarter=50),
                                      json_schema_extra=_only_on("groundbound"))
    apartments: BuildingType = BuildingType(base_quarters=3, homes_per_quarter=50)
    highrise: BuildingType = Field(BuildingType(base_quarters=5, homes_per_quarter=50),
                                   json_schema_extra=_only_on("highrise"))


class Municipality(_Section):
    budget: float = Field(150.0, ge=0, json_schema_extra=LEVER)  # M€ the council has reserved for the area
    # per year on the grondexploitatie's debt (public lending)
    interest_rate: float = Field(0.03, ge=0, le=0.3, json_schema_extra=assumed(0.02, 0.04, 'assumption'))
    staff_capacity: float = Field(6.0, gt=0, le=200, json_schema_extra=assumed(3.0, 15.0, 'assumption (depleted municipal capacity, 003 L270-272, L947-948)'))  # work units per quarter
    # units for an area plan/framework
    plan_workload: float = Field(24.0, gt=0, json_schema_extra=assumed(12.0, 40.0, 'assumption'))
    subarea_plan_workload: float = Field(8.0, gt=0, json_schema_extra=assumed(4.0, 16.0, 'assumption'))
    tender_workload: float = Field(6.0, gt=0, json_schema_extra=assumed(3.0, 12.0, 'assumption'))
    permit_workload: float = Field(2.0, gt=0, json_schema_extra=assumed(1.0, 4.0, 'assumption'))
    # setting up a GEM
    company_workload: float = Field(12.0, gt=0,
                                    json_schema_extra={**ONLY_UNDER_GEM, **assumed(6.0, 24.0, 'assumption')})
    permit_min_quarters: int = Field(2, ge=1, le=20,
                                     json_schema_extra=assumed(1, 3, 'assumption (statutory decision periods)'))
    plan_min_quarters: int = Field(4, ge=1, le=40, json_schema_extra=assumed(3, 8, 'assumption (a 6-week comment period, 001:2279-2283)'))
    # bilateral talks the negotiators hold per quarter
    talks_per_quarter: float = Field(8.0, gt=0, le=1000, json_schema_extra=assumed(4.0, 20.0, 'assumption'))
    # premium a negotiator may concede without going back
    mandate: float = Field(0.05, ge=0, le=1, json_schema_extra=LEVER)
    # units to work out one initiative outside a contract
    initiative_workload: float = Field(4.0, gt=0, json_schema_extra=assumed(2.0, 8.0, 'assumption (003 L2037-2043)'))
    initiative_min_quarters: int = Field(2, ge=1, le=20, json_schema_extra={"acts_when": {"forms": ["framework_organic"], "why": "only under framework_organic"}, **assumed(2, 4, 'assumption (six-week zienswijze period, 001:2283)')})  # plan amendment with its zienswijze period
    frame_tolerance: float = Field(0.05, ge=0, le=1, json_schema_extra={"screen_value": 0.0, "acts_when": {"forms": ["framework_organic"], "set": {"programme.social_share_target": 0.33}, "why": "only under framework_organic, when initiatives fall short of the frame's target (here target 0.33, initiatives 0.30)"}, **LEVER})  # how far an initiative's social share may fall short
    # demands up to this beyond the mandate go back to the college
    backloop_band: float = Field(0.10, ge=0, le=2, json_schema_extra=LEVER)
    # what going back to the college (or council) costs
    backloop_quarters: int = Field(2, ge=1, le=20,
                                   json_schema_extra=assumed(1, 4, 'assumption (a college meeting cycle)'))
    tender_batch: int = Field(6, ge=1, le=500, json_schema_extra={"screen_value": 1, "acts_when": {"forms": ["tender"], "why": "only under tender (municipal land is tendered)"}, **LEVER})  # plots per tender
    # preparation plus the Didam publication period
    tender_min_quarters: int = Field(2, ge=1, le=20,
                                     json_schema_extra=assumed(1, 4, 'assumption (Didam: 003 L1205-1225)'))
    # grondexploitatie: the most quarters a municipal plot whose forecast price fell below its book value waits
    # for the market while waiting pays (and a plot without a bidder before its next round) before the
    # municipality writes it down (land.TenderPool.settle, tender and SOK alike)
    grex_wait_quarters: int = Field(8, ge=1, le=40, json_schema_extra={"acts_when": {"forms": ["tender", "sok"], "set": {
        "market.shocks": [{"kind": "downturn", "quarter": 12, "magnitude": 0.15, "duration": 24}]},
        "why": "only when a municipal plot's forecast price falls below its book value in a downturn expected to pass, and stays above nothing so that a written-down plot finds a buyer (here a downturn of 15% from quarter 12)"},
        **assumed(4, 16, 'assumption (a robust grondexploitatie does not drop plans in a downturn, 003 L1146-1149, L1300-1303)')})
    # quarters a purchase signed under the condition of the council's credit (opschortende voorwaarde) waits
    # for that credit before it lapses and the owner is free again (acquisition.py): one budget year
    credit_wait_quarters: int = Field(4, ge=1, le=40, json_schema_extra={"screen_value": 40, "acts_when": {"forms": ["tender"], "set": {"municipality.budget": 10.0}, "why": "only when a signed purchase waits for a council credit (here a budget of 10 M€)"}, **assumed(2, 8, 'assumption (the council votes credits with its annual budget and its spring review: Gemeentewet art. 189-191)')})
    # sociale grondprijs: M€ per home on a corporation's plot when it takes (back) its social land from a
    # land company or hands it back; marktconform for its use (003 L1209-1213), figure an assumption
    social_land_price: float = Field(0.025, ge=0, json_schema_extra={"acts_when": {"forms": ["gem"], "why": "under gem (the company issues social plots at it) and when a corporation hands a plot back"}, **assumed(0.015, 0.035, 'assumption (003 L1209-1213: marktconform for the use)')})


# the lever screen's condition of the bouwplicht fields (runner/levers.py): a developer would not start in time
_BOUWPLICHT = {"acts_when": {"forms": ["tender"], "horizon": 80, "set": {
    "market.shocks": [{"kind": "downturn", "quarter": 12, "magnitude": 0.35, "duration": 24}]},
    "why": "only under tender, when a developer would not start by the deadline (here a downturn of 35% from quarter 12)"}}


class Instruments(_Section):
    kostenverhaal: bool = Field(True, json_schema_extra=LEVER)
    kostenverhaal_per_home: float = Field(0.015, ge=0, json_schema_extra=LEVER)  # M€ per home at permit
    kostenverhaal_per_m2: float = Field(0.00015, ge=0, json_schema_extra=LEVER)  # M€ per m2 non-residential
    fonds_bovenwijks_per_home: float = Field(0.002, ge=0, json_schema_extra=LEVER)
    # also stands for erfpacht: contributions follow the property
    kettingbeding: bool = Field(False, json_schema_extra=LEVER)
    biz: bool = Field(False, json_schema_extra={"acts_when": {"set": {"ownership.passive_owner_willingness": 0.9}, "why": "acts when the owners can adopt it (here passive_owner_willingness 0.9)"}, **LEVER})
    giz: bool = Field(False, json_schema_extra=LEVER)
    # quarter the pre-emption right is set
    voorkeursrecht_quarter: int | None = Field(None, ge=0, json_schema_extra=LEVER)
    expropriation: bool = Field(False, json_schema_extra=LEVER)
    expropriation_quarters: int = Field(12, ge=1, le=80, json_schema_extra={"screen_value": 2, "acts_when": {"set": {"instruments.expropriation": True}, "horizon": 64, "why": "acts only with instruments.expropriation = true"}, **assumed(8, 20, 'assumption')})
    # expropriation's bijkomende schade (moving costs, a going concern's income loss, the owner's costs of legal
    # and expert help: Onteigeningswet art. 40 and 50, now Omgevingswet art. 15.19) as a share of the
    # werkelijke waarde (the existing-use value, the plan's value eliminated, art. 40e): acquisition.py
    expropriation_incidental_damage: float = Field(0.15, ge=0, le=2, json_schema_extra={"acts_when": {"forms": ["tender"], "set": {"instruments.expropriation": True}, "horizon": 100, "why": "sets the owners' reservation in every purchase and the compensation on expropriation (here with instruments.expropriation = true)"}, **assumed(0.05, 0.35, 'assumption (bijkomende schade in Dutch expropriation practice: a few per cent for a vacant plot, up to about a third for a going concern with income loss; Onteigeningswet art. 40, 50)')})
    biz_term_quarters: int = Field(20, ge=4, le=40, json_schema_extra={"screen_value": 4, "acts_when": {"set": {"instruments.biz": True, "ownership.passive_owner_willingness": 0.9}, "why": "acts only with instruments.biz = true, once the owners adopt it (here passive_owner_willingness 0.9)"}, **LEVER})  # a BIZ or GIZ runs at most five years
    # an unfunded one-off task is asked for in this many instalments
    instalment_quarters: int = Field(8, ge=1, le=40, json_schema_extra=LEVER)
    process_director: bool = Field(False, json_schema_extra=LEVER)
    process_director_quality: float = Field(1.0, ge=0, le=2, json_schema_extra={"acts_when": {"set": {"instruments.process_director": True}, "why": "acts only with instruments.process_director = true"}, **assumed(0.25, 1.5, 'assumption (001:1556-1566, 004:746-779)')})  # extra talks per talk of the negotiators
    process_director_quarters: int = Field(400, ge=0, le=400, json_schema_extra={"screen_value": 2, "acts_when": {"set": {"instruments.process_director": True}, "why": "acts only with instruments.process_director = true"}, **LEVER})  # how long the director stays (continuity)
    # one visible contact point (area administrator) for the residents
    gebiedsregisseur: bool = Field(False, json_schema_extra=LEVER)
    capacity_measurement_error: float = Field(0.3, ge=0, le=2, json_schema_extra={"acts_when": {"set": {"instruments.dubbel_toetsen": True}, "why": "acts only with instruments.dubbel_toetsen = true"}, **assumed(0.0, 0.5, 'assumption (harde data, 002:71)')})  # relative error of the municipality's view of capacity
    escalation_rounds: int = Field(6, ge=1, le=100, json_schema_extra=LEVER)
    # the steering group's initial credibility
    steering_group_cut_probability: float = Field(0.5, ge=0, le=1,
                                                  json_schema_extra=assumed(0.2, 0.9, 'assumption (004:895-929)'))
    escalation_wear: float = Field(0.2, ge=0, le=1, json_schema_extra={"acts_when": {"forms": ["sok"], "set": {"behaviour.ambition_change_probability": 1.0, "behaviour.election_interval_quarters": 8}, "why": "acts from the second decision of the steering group on (here: many renegotiations under sok)"}, **assumed(0.1, 0.4, 'assumption (001:2338-2344)')})  # share of its credibility each binding decision spends
    renegotiation_floor: bool = Field(False, json_schema_extra={"acts_when": {"forms": ["sok"], "set": {"behaviour.ambition_change_probability": 1.0}, "why": "only under an agreement form (sok, gem) when a new council changes its ambitions (here every election)"}, **LEVER})
    dubbel_toetsen: bool = Field(False, json_schema_extra=LEVER)
    compensation_budget: float = Field(0.0, ge=0, json_schema_extra=LEVER)  # M€ for targeted compensation of residents
    # spread asks of residents over this many quarters
    phasing_quarters: int = Field(1, ge=1, le=40, json_schema_extra=LEVER)
    # None: each plot's construction time follows its size and building type (``construction``); a number
    # gives every plot that many quarters (the rule before issue 13)
    construction_quarters: int | None = Field(None, ge=1, le=40, json_schema_extra=SETTING)
    build_obligation: bool = Field(True, json_schema_extra={**_BOUWPLICHT, **LEVER})  # tender awards carry a bouwplicht
    # a tendered plot must start within this after award
    build_obligation_quarters: int = Field(12, ge=1, le=80, json_schema_extra={"acts_when": {"forms": ["sok", "tender"], "why": "acts under sok, where it is also the phasing term of the take-up (a partner's k-th plot falls due k terms after the close); under tender only when a bound developer has used its deferrals (the screen's seeds: deferral at interest absorbs the deadline)"}, **LEVER})
    # the agreed break fee of every land contract (bouwplicht, SOK take-up), share of its agreed land price (paid
    # or contracted); on a break the municipality levies it or buys its land back at the price paid minus it
    build_obligation_penalty: float = Field(0.15, ge=0, le=2, json_schema_extra={"acts_when": {**_BOUWPLICHT["acts_when"], "forms": ["sok", "tender"], "why": "only when a land obligation falls due in a bad market: an SOK partner's take-up, a tendered plot's start (here a downturn of 35% from quarter 12)"}, **LEVER})
    # quarters a partner may defer a land obligation at interest (model/exits.py): a contract term
    max_deferral_quarters: int = Field(4, ge=0, le=20, json_schema_extra={"acts_when": {"forms": ["sok", "tender"], "horizon": 80, "set": {**_BOUWPLICHT["acts_when"]["set"], "instruments.build_obligation_penalty": 1.0}, "why": "only when a land obligation falls due in a bad market and the break fee costs more than deferring (here a downturn of 35% from quarter 12 and a break fee of the whole land price; the fee is a share of a price the municipality may have written down)"}, **LEVER})
    # times a partner may re-phase a land obligation whose business case clears but which it cannot finance now
    # (model/exits.py): a contract term; past it the SOK's claim is re-allotted or taken back (its longstop)
    max_rephasings: int = Field(1, ge=0, le=20, json_schema_extra={"acts_when": {"forms": ["sok"], "why": "only when an SOK partner whose case clears cannot finance a take-up at its due quarter (on the reference, default market, the partners re-phase and, past the limit, their claims are re-allotted)"}, **LEVER})
    # quarters without agreement after which the municipality reviews an arrangement (SOK, GEM) at the next council
    # cycle and lets its signatories go on without the others, who go under another form (governance/review.py)
    review_after_quarters: int = Field(16, ge=1, le=400, json_schema_extra={"screen_value": 400, "acts_when": {"forms": ["sok"], "set": {"instruments.escalation_rounds": 100}, "why": "under an agreement form whose table stalls (here no steering group: escalation_rounds 100)"}, **assumed(8, 24, 'assumption (003 L1619-1621: a new choice per sub-area as the field changes; the period is not given)')})


class Residents(_Section):
    groups: int = Field(40, ge=0, le=5000, json_schema_extra=AREA)
    households_per_group: int = Field(50, ge=1, json_schema_extra=AREA)
    support_mean: float = Field(0.6, ge=0, le=1, json_schema_extra=assumed(0.4, 0.8, 'assumption'))
    support_sd: float = Field(0.15, ge=0, le=1, json_schema_extra=assumed(0.05, 0.25, 'assumption'))
    # M€ a household can put in (savings and time, money-equivalent)
    capacity_mean: float = Field(0.005, ge=0, json_schema_extra=assumed(0.002, 0.01, 'assumption'))
    capacity_sd: float = Field(0.002, ge=0, json_schema_extra=assumed(0.001, 0.005, 'assumption'))
    # M€ per quarter a household sets aside once asked
    capacity_growth: float = Field(0.0002, ge=0, json_schema_extra=assumed(0.0, 0.001, 'assumption (002:72)'))
    # share of groups with little capacity
    vulnerable_share: float = Field(0.25, ge=0, le=1,
                                    json_schema_extra=assumed(0.1, 0.4, 'assumption (kwetsbaarheid erkennen, 002:70)'))
    vulnerable_capacity_factor: float = Field(0.3, ge=0, le=1, json_schema_extra=assumed(0.1, 0.6, 'assumption'))
    objection_propensity: float = Field(0.3, ge=0, le=1, json_schema_extra=assumed(0.1, 0.5, 'assumption'))
    participation_quality: float = Field(0.5, ge=0, le=1,
                                         json_schema_extra=assumed(0.2, 0.8, 'assumption (003 L447-453)'))
    # draagvlak a consultation with influence adds
    consultation_effect: float = Field(0.03, ge=0, le=0.5,
                                       json_schema_extra=assumed(0.01, 0.05, 'assumption (001:1799-1839)'))
    proximity_effect: float = Field(0.3, ge=0, le=1, json_schema_extra={"acts_when": {"set": {"instruments.gebiedsregisseur": True}, "why": "acts only with instruments.gebiedsregisseur = true"}, **assumed(0.1, 0.5, 'assumption (001:89-95)')})  # how much less a group objects with a gebiedsregisseur
    trust_mean: float = Field(0.5, ge=0, le=1, json_schema_extra=assumed(0.3, 0.7, 'assumption (001:2010-2014)'))


class Rijk(_Section):
    gebiedsbudget: float = Field(0.0, ge=0, json_schema_extra=LEVER)  # M€ for this area
    tranches: int = Field(4, ge=1, le=40, json_schema_extra={**WITH_RIJK_BUDGET, **LEVER})
    tranche_interval_quarters: int = Field(4, ge=1, le=40, json_schema_extra={**WITH_RIJK_BUDGET, **LEVER})
    # share of public deficit spending it co-funds
    cofunding_share: float = Field(0.5, ge=0, le=1, json_schema_extra={**WITH_RIJK_BUDGET, **LEVER})
    expert_capacity: float = Field(0.0, ge=0, json_schema_extra=LEVER)  # extra municipal work units per quarter
    expert_quarters: int = Field(16, ge=0, le=400, json_schema_extra={"acts_when": {"set": {"rijk.expert_capacity": 4.0}, "why": "acts only with rijk.expert_capacity > 0"}, **LEVER})


class Behaviour(_Section):
    concession_rate: float = Field(0.2, ge=0, le=1, json_schema_extra=assumed(0.05, 0.4, 'assumption'))
    holdout_markup: float = Field(0.15, ge=0, le=2, json_schema_extra=assumed(0.05, 0.5, 'assumption'))
    initial_premium_cooperative: float = Field(0.25, ge=0, le=5, json_schema_extra=assumed(0.1, 0.5, 'assumption'))
    initial_premium_holdout: float = Field(0.8, ge=0, le=5, json_schema_extra={"screen_value": 0.0, "acts_when": {"forms": ["sok"], "set": {"instruments.escalation_rounds": 100}, "why": "under an agreement form, when no steering group goes on without the hold-outs (here escalation_rounds 100)"}, **assumed(0.4, 1.5, 'assumption')})
    # premium growth per quarter before voorkeursrecht
    speculation_rate: float = Field(0.01, ge=0, le=0.2, json_schema_extra=assumed(0.0, 0.03, 'assumption (003 L912)'))
    conditional_slope: float = Field(1.0, ge=0, le=1.5, json_schema_extra=assumed(0.5, 1.0, 'Fischbacher & Gächter 2010; range assumption'))
    # contribution types (Fischbacher, Gaechter & Fehr 2001: 30% free riders, 50% conditional co-operators,
    # 14% hump-shaped, 6% other): free riders as a share of the private owners; the two other types as
    # shares of the owners that are not free riders (0.50/0.70, 0.14/0.70), the rest of them are "other"
    free_rider_share: float = Field(0.3, ge=0, le=1,
                                    json_schema_extra=assumed(0.2, 0.4, 'Fischbacher, Gächter & Fehr 2001'))
    conditional_cooperator_share: float = Field(0.71, ge=0, le=1,
                                                json_schema_extra=assumed(0.6, 0.8, 'Fischbacher, Gächter & Fehr 2001'))
    hump_shaped_share: float = Field(0.20, ge=0, le=1, json_schema_extra={"screen_value": 1.0, "acts_when": {"set": {"behaviour.free_rider_share": 0.0, "behaviour.conditional_cooperator_share": 0.0}, "why": "hump-shaped and conditional contributors differ only once the belief passes one half, and the shares cap it at 1 - conditional_cooperator_share (here no free riders or conditional co-operators: 0.2 -> 1 of the owners, against 'others' with their own rate)"}, **assumed(0.1, 0.2, 'Fischbacher, Gächter & Fehr 2001 (0.1-0.3, capped at 0.2 so that it and conditional_cooperator_share add to at most 1)')})
    # weight of what the others gave in the updated belief
    belief_weight: float = Field(0.4, ge=0, le=1,
                                 json_schema_extra=assumed(0.2, 0.6, 'Fischbacher & Gächter 2010; range assumption'))
    trust_gain: float = Field(0.02, ge=0, le=1, json_schema_extra=assumed(0.01, 0.05, 'assumption (001:1829-1839)'))
    trust_loss: float = Field(0.10, ge=0, le=1, json_schema_extra=assumed(0.05, 0.2, 'assumption (002:63)'))
    withdraw_margin: float = Field(-0.05, ge=-1, le=0.5, json_schema_extra={"screen_value": 0.2, "acts_when": {"forms": ["framework_organic", "sok"], "horizon": 64, "set": {"market.shocks": [{"kind": "downturn", "quarter": 16, "magnitude": 0.3, "duration": 24}], "instruments.build_obligation": False}, "why": "acts on permitted plots without bouwplicht whose margin falls and stays down (here a downturn of 30% from quarter 16, after the first permits, and no start obligation; since presales an owner asks for its permit only with its buyers in sight, so a plot stalls only when the market turns after its permit)"}, **assumed(-0.15, 0.0, 'assumption (003 L1146-1149)')})  # below this margin an owner withdraws
    pioneer_follow_share: float = Field(0.1, ge=0, le=1, json_schema_extra={"acts_when": {"set": {"behaviour.pioneer_risk_premium": 0.5}, "why": "acts when going first costs a waiter a premium that keeps it out (here pioneer_risk_premium 0.5)"}, **assumed(0.05, 0.3, 'assumption (003 L1111-1112)')})  # waiters go once this share of homes started
    # extra margin a waiter asks to go first
    pioneer_risk_premium: float = Field(0.05, ge=0, le=0.5,
                                        json_schema_extra=assumed(0.0, 0.1, 'assumption (003 L1166)'))
    # equity a start needs, as share of the investment
    equity_share: float = Field(0.25, ge=0, le=1, json_schema_extra=assumed(0.15, 0.35, 'assumption (003 L1309-1311)'))
    # voorverkoop: share of a plot's market homes sold before its start (the financier's condition)
    presale_share: float = Field(0.7, ge=0, le=1, json_schema_extra=assumed(0.5, 0.8, 'assumption (Dutch practice: banks ask about 70% sold before the start; docs/ODD.md §4.1)'))
    # long-stop date of the buyers' contracts: quarters after a plot's first sale (its permit procedure not
    # counted) by which its start must come, else the sales dissolve (the termijn of the opschortende voorwaarden)
    presale_longstop_quarters: int = Field(4, ge=1, le=40, json_schema_extra=assumed(2, 8, 'assumption (a koopaanneming sets about 6-12 months for its conditions)'))
    # the GEM partners' equity, as share of the company's own pre-investment (servicing and the public works
    # it carries), pro rata to the land each brings in; its lenders finance the rest
    gem_equity_share: float = Field(0.10, ge=0, le=1,
                                    json_schema_extra={**ONLY_UNDER_GEM, **assumed(0.05, 0.3, 'assumption (003 L1305-1311)')})
    willing_threshold: float = Field(0.5, ge=0, le=1, json_schema_extra=assumed(0.4, 0.6, 'assumption'))
    # what an owner in use asks above its existing-use value
    seller_premium: float = Field(0.2, ge=0, le=5, json_schema_extra=assumed(0.1, 0.4, 'assumption (003 L1281)'))
    # seller's share of the gains from a land trade
    seller_bargaining_power: float = Field(0.5, ge=0, le=1, json_schema_extra=BAND)
    # candidate buyers each plot on offer meets
    land_market_candidates: int = Field(3, ge=1, le=50,
                                        json_schema_extra={"screen_value": 1, **assumed(2, 5, 'assumption')})
    speculator_markup: float = Field(0.3, ge=0, le=5, json_schema_extra={"acts_when": {"forms": ["framework_organic"], "why": "only where plots stay outside agreements for long (framework_organic)"}, **assumed(0.2, 0.5, 'assumption (003 L912)')})  # what a speculator asks above what it paid
    # share of the owners in existing use who refuse to sell at any price (a going concern, 003 L1305-1307;
    # an owner-occupier; a long lease): drawn per owner (acquisition.py); past a refusal only expropriation
    # or waiting (003 L941-942)
    refusal_share: float = Field(0.1, ge=0, le=1, json_schema_extra={"screen_value": 1.0, "acts_when": {"forms": ["tender"], "why": "under tender, where the municipality buys the owners' land (here every owner in use refuses)"}, **assumed(0.0, 0.25, 'assumption (Dutch acquisition practice: most land is bought amicably, a minority of owners goes to expropriation; 003 L941-942)')})
    # share of a pooled plot's surplus paid into verevening
    verevening_share: float = Field(0.5, ge=0, le=1, json_schema_extra=assumed(0.3, 0.7, 'assumption (003 L1290-1291)'))
    dropout_quarters: int = Field(4, ge=1, le=40,
                                  json_schema_extra=assumed(2, 8, 'assumption (afhakers, 002:61, 002:78)'))
    # how long a corporation waits for investment room on a permitted plot before it hands the plot to
    # another corporation (or back to the municipality)
    corporation_handover_quarters: int = Field(16, ge=1, le=200, json_schema_extra={"acts_when": {"set": {"ownership.corporations.0.headroom": 5.0, "ownership.corporations.0.headroom_growth": 0.0, "programme.corporation_social_share": 1.0, "market.value_social": 0.15}, "why": "acts when a corporation lacks room for its plot (here corporation 0 with 5 M€ of room, no rents, and an onrendabele top)"}, **assumed(8, 24, 'assumption')})
    ambition_change_probability: float = Field(0.5, ge=0, le=1, json_schema_extra={"acts_when": {"forms": ["sok"], "set": {"behaviour.election_interval_quarters": 8}, "why": "what a new council reopens: only agreements (sok, gem), not tender awards (here an election every 8 quarters)"}, **assumed(0.2, 0.8, 'assumption')})
    election_interval_quarters: int = Field(16, ge=4, le=80, json_schema_extra={"screen_value": 4, "acts_when": {"forms": ["sok"], "set": {"behaviour.ambition_change_probability": 1.0}, "why": "under an agreement form (sok, gem) when new councils change ambitions (here every election)"}, **SETTING})

    @model_validator(mode="after")
    def _types_fit(self) -> "Behaviour":
        total = self.conditional_cooperator_share + self.hump_shaped_share
        if total > 1 + 1e-9:
            raise ValueError("conditional_cooperator_share + hump_shaped_share must be at most 1 (shares of the "
                             f"owners that are not free riders; got {total:.2f})")
        return self


# The use phase (beheer en exploitatie) of the completed area: what its shared services cost and earn, and what
# an unfunded service costs the area. The services are named in 003 L314-318, L617-620, L1176, L2298-2303; the
# amounts are assumptions (a net due of some EUR 25 a month per home: "een klein maandelijks bedrag", L2487).
USE_PHASE_SOURCE = "assumption (services: 003 L314-318, L617-620, L1176, L2298-2303; net due per home: L2487)"
# the service terms act once homes are complete and their dues are voluntary (no kettingbeding): a framework
USE_PHASE_ACTS = {"acts_when": {"forms": ["framework_organic"], "why": "once homes are complete and their use-phase dues are voluntary (a framework without kettingbeding)"}}


class UseService(_Section):
    """One shared service of the completed area (beheer of public space, a mobility hub, parking)."""

    name: str = Field(json_schema_extra={**LABEL, **SETTING})
    # EUR per completed home (or 100 m2 of other floor space) per year
    cost: float = Field(ge=0, json_schema_extra={**USE_PHASE_ACTS, **assumed_factor(0.5, 2.0, USE_PHASE_SOURCE)})
    # EUR per completed home per year the users pay in fees (parking, hub subscriptions)
    revenue: float = Field(0.0, ge=0, json_schema_extra={**USE_PHASE_ACTS, **assumed_factor(0.5, 1.5, USE_PHASE_SOURCE)})


def _default_services() -> list[UseService]:
    return [
        UseService(name="beheer openbare ruimte (plus level)", cost=150.0, revenue=0.0),
        UseService(name="mobiliteitshub", cost=250.0, revenue=150.0),
        UseService(name="parkeren op afstand", cost=350.0, revenue=300.0),
    ]


class UsePhase(_Section):
    """Beheer en exploitatie after completion (model/use_phase.py)."""

    services: list[UseService] = Field(default_factory=_default_services)
    # the share of value a sub-area's homes lose while its services go wholly unfunded (scaled by the share
    # unfunded): of the order of the uplift the delivered tasks gave (0.02-0.04 each, 003 L1294-1297)
    unfunded_value_loss: float = Field(0.03, ge=0, le=0.5, json_schema_extra={**USE_PHASE_ACTS, "screen_value": 0.3, **assumed(0.01, 0.06, 'assumption (uplift channel, 003 L1294-1297)')})
    # trust a resident group loses per quarter while its services go wholly unfunded, in units of behaviour.trust_loss
    unfunded_trust_loss: float = Field(0.2, ge=0, le=2, json_schema_extra={**USE_PHASE_ACTS, "screen_value": 2.0, **assumed(0.05, 0.5, 'assumption (trust channel, 002:63)')})
    # quarters a member of a voluntary scheme pays under half its dues before it stops paying for good
    lapse_quarters: int = Field(4, ge=1, le=40, json_schema_extra={**USE_PHASE_ACTS, "screen_value": 1, **assumed(2, 8, 'assumption (as behaviour.dropout_quarters, 002:61, 002:78)')})


# the thresholds and C5 act in the advisor and, in the model, in framework_subareas' choice per deelgebied
SUBAREA_CHOICE = {"acts_when": {"forms": ["framework_subareas"], "advisor": True,
                                "why": "in the advisor, and in the model only under framework_subareas (its form per deelgebied)"}}


class Beslisboom(_Section):
    """Answers to beslisboom (decision tree) questions that the rest of the scenario cannot give, and the
    thresholds the advisor (``coalitionsim advise``) uses; ``None`` means: derive it from the scenario.
    Question codes follow seed_novex.md section 4.2 (NOVEX practice guide L1700-1880)."""

    # A1 "Is hierbinnen een grote infrastructurele investering benodigd?" (L1741-1743); None: a gated public-works task
    infra_investment: bool | None = Field(None, json_schema_extra={"acts_when": {"advisor": True, "why": "only in the advisor (coalitionsim advise): question A1"}, "screen_value": False, **AREA})
    # A2 "fysiek verbonden met de gebiedsontwikkeling?" (L1745-1749); None: yes when a gate ties completion to it
    infra_physically_linked: bool | None = Field(None, json_schema_extra={"acts_when": {"advisor": True, "why": "only in the advisor (coalitionsim advise): question A2"}, "screen_value": False, **AREA})
    # A3 "Zijn de betrokken partijen bij beide opgaven hetzelfde?" (L1768-1771); no when e.g. ProRail/NS/RWS lead (L984-986)
    infra_same_parties: bool = Field(True, json_schema_extra={"acts_when": {"advisor": True, "why": "only in the advisor (coalitionsim advise): question A3"}, **AREA})
    # B1 "Vragen ambities of noodzaak een collectieve, (deel)gebiedsbrede aanpak?" (L1874); None: there are collective tasks
    collective_approach: bool | None = Field(None, json_schema_extra={"acts_when": {"advisor": True, "why": "only in the advisor (coalitionsim advise): question B1"}, "screen_value": False, **AREA})
    # B3 tasks better handled at city or regional level (L1855-1861, L421-427), by task name
    city_level_tasks: list[str] = Field(default_factory=list, json_schema_extra=AREA)
    # B4 "Wil iedereen afnemen/meedoen?" (L1831-1832); None: derived from free riders, hold-outs, passive owners
    everyone_participates: bool | None = Field(None, json_schema_extra={"acts_when": {"advisor": True, "why": "only in the advisor (coalitionsim advise): question B4"}, "screen_value": True, **AREA})
    # B5 "Zijn er free-riders?" (L1834); None: derived from behaviour.free_rider_share and passive owners
    free_riders: bool | None = Field(None, json_schema_extra={"acts_when": {"advisor": True, "why": "only in the advisor (coalitionsim advise): question B5"}, "screen_value": False, **AREA})
    # C1 "Zijn er zakelijk-financieel substantiele risico's en kansen?" (L1876)
    substantial_risk: bool = Field(True, json_schema_extra={"acts_when": {"advisor": True, "why": "only in the advisor (coalitionsim advise): question C1"}, **AREA})
    # C5 "behoefte aan een eigenstandige rechtspersoonlijkheid" (L1608-1613): GEM rather than SOK
    needs_legal_entity: bool = Field(False, json_schema_extra={**SUBAREA_CHOICE, **AREA})
    # C3 "Gemeente = eigenaar?" / "dominant publiek grondeigendom" (L1590-1591); assumption, range 0.5-0.7
    public_dominant_share: float = Field(0.5, ge=0, le=1, json_schema_extra={**SUBAREA_CHOICE, "screen_value": 0.125, **assumed(0.5, 0.7, 'assumption (003 L1590-1591)')})
    # C4 "Een overzichtelijk aantal eigenaren?" (L1809-1812); assumption, range 6-15 owners with land
    max_manageable_owners: int = Field(12, ge=1, le=1000, json_schema_extra={**SUBAREA_CHOICE, "screen_value": 3, **assumed(6, 15, 'assumption (003 L1809-1812)')})
    # C4 "redelijk coherent (lees: ontwikkelingsgericht)" (L1601-1602): development-oriented share of private land; assumption 0.6-0.9
    min_coherent_share: float = Field(0.75, ge=0, le=1, json_schema_extra={"acts_when": {**SUBAREA_CHOICE["acts_when"], "set": {"behaviour.seller_premium": 2.0}, "why": SUBAREA_CHOICE["acts_when"]["why"] + ", when owners in use still hold land at the choice (here seller_premium 2: they do not sell early)"}, "screen_value": 1.0, **assumed(0.6, 0.9, 'assumption (003 L1601-1602)')})
    # "gebrek aan welwillendheid van een selectere groep eigenaren" (L1616): unwilling share of private land; assumption 0.25-0.5
    max_unwilling_share: float = Field(0.4, ge=0, le=1, json_schema_extra={**SUBAREA_CHOICE, "screen_value": 0.1, **assumed(0.25, 0.5, 'assumption (003 L1616)')})


class Scenario(_Section):
    """A complete, validated scenario."""

    meta: Meta = Meta()
    simulation: Simulation = Simulation()
    subareas: list[SubArea] = Field(
        default_factory=lambda: [
            SubArea(name="Noord", plots=12, homes_per_plot=130, nonres_m2_per_plot=1500),
            SubArea(name="Midden", plots=12, homes_per_plot=125, nonres_m2_per_plot=2500),
            SubArea(name="Zuid", plots=12, homes_per_plot=120, nonres_m2_per_plot=1000),
        ],
        min_length=1,
    )
    programme: Programme = Programme()
    ownership: Ownership = Ownership()
    market: Market = Market()
    tasks: list[CollectiveTask] = Field(default_factory=_default_tasks)
    municipality: Municipality = Municipality()
    instruments: Instruments = Instruments()
    construction: Construction = Construction()
    residents: Residents = Residents()
    rijk: Rijk = Rijk()
    behaviour: Behaviour = Behaviour()
    beslisboom: Beslisboom = Beslisboom()
    use_phase: UsePhase = UsePhase()

    @model_validator(mode="after")
    def _names_resolve(self) -> "Scenario":
        names = {s.name for s in self.subareas}
        if len(names) != len(self.subareas):
            raise ValueError("subareas: names must be unique")
        for task in self.tasks:
            unknown = [b for b in task.beneficiaries if b != "all" and b not in names]
            if unknown:
                raise ValueError(
                    f"tasks '{task.name}': beneficiary {unknown[0]!r} is not a sub-area (allowed: all, {', '.join(sorted(names))})"
                )
        return self

    @property
    def homes_planned(self) -> int:
        return sum(s.plots * s.homes_per_plot for s in self.subareas)

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


# --------------------------------------------------------------------------- loading

BUNDLED = "coalitionsim.scenarios"


def bundled_scenarios() -> dict[str, Path]:
    """The scenario files that ship with the package, by name."""
    folder = resources.files(BUNDLED)
    return {Path(p.name).stem: Path(str(p)) for p in folder.iterdir() if p.name.endswith(".toml")}


def closest(word: str, options: Any) -> str | None:
    """The option closest to a mistyped ``word`` (difflib), or None when none is close."""
    close = difflib.get_close_matches(str(word), [str(o) for o in options], n=1, cutoff=0.6)
    return close[0] if close else None


def did_you_mean(word: str, options: Any) -> str:
    """' — did you mean X?' for the option closest to a mistyped ``word``, or ''."""
    match = closest(word, options)
    return f" — did you mean {match}?" if match else ""
# what a field of each type takes, for the one-line error (pydantic's error type -> words)
EXPECTED = {"int_type": "a whole number", "float_type": "a number", "bool_type": "true or false",
            "string_type": "text (in quotes)", "list_type": "a list [...]", "model_type": "a table",
            "dict_type": "a table", "model_attributes_type": "a table"}


# what a TOML value is, in the words of EXPECTED (bool before int: true is an int to Python)
KINDS = ((bool, "true/false"), (int, "a whole number"), (float, "a number"), (str, "text"), (list, "a list"),
         (dict, "a table"))


def _kind_of(value: Any) -> str:
    return next((name for kind, name in KINDS if isinstance(value, kind)), type(value).__name__)


def _value_text(value: Any, limit: int = 60) -> str:
    """A value as TOML writes it, shortened."""
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, str):
        text = '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    else:
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _format_error(err: ValidationError, source: str) -> str:
    """The first validation error as one line: where, what is allowed, and what was given. An unknown key
    is named without its value (a file read by mistake may hold a password)."""
    first = err.errors()[0]
    loc = ".".join(str(p) for p in first["loc"])
    msg = first["msg"]
    got = first.get("input")
    if first["type"] == "extra_forbidden":
        msg = "unknown key"
        got = None
    elif first["type"] == "int_type" and isinstance(got, float) and not math.isfinite(got):
        msg = "must be a finite whole number"
    elif first["type"] in EXPECTED:
        msg = f"must be {EXPECTED[first['type']]}, not {_kind_of(got)}"
    elif first["type"] == "finite_number":
        msg = "must be a finite number"
    elif first["type"] == "literal_error":
        msg = msg.replace("Input should be", "must be")
    elif msg.startswith("Value error, "):
        msg = msg[len("Value error, "):]
    silent = got is None or isinstance(got, (dict, list)) or first["type"] == "missing"
    got_text = "" if silent else f" (got {_value_text(got)})"
    where = f"{loc}: " if loc else ""
    return f"{source}: {where}{msg}{got_text}"


def scenario_from_dict(data: dict[str, Any], source: str = "scenario") -> Scenario:
    """Validate a plain dict (as read from TOML) into a Scenario."""
    try:
        return Scenario.model_validate(data)
    except ValidationError as err:
        raise ScenarioError(_format_error(err, source)) from None


def read_scenario_dict(path_or_name: str | Path | None = None) -> tuple[dict[str, Any], str]:
    """The raw dict of a scenario file (or bundled scenario name) and a label for messages."""
    if path_or_name is None:
        path_or_name = "reference"
    path = Path(path_or_name)
    if not path.exists():
        bundled = bundled_scenarios()
        if str(path_or_name) in bundled:
            path = bundled[str(path_or_name)]
        else:
            names = ", ".join(sorted(bundled))
            raise ScenarioError(f"{path_or_name}: no such file or bundled scenario (bundled: {names})"
                                + did_you_mean(Path(str(path_or_name)).stem, bundled))
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh), str(path_or_name)
    except tomllib.TOMLDecodeError as err:
        raise ScenarioError(f"{path_or_name}: not valid TOML: {err}") from None
    except UnicodeDecodeError as err:
        raise ScenarioError(f"{path_or_name}: not UTF-8 text (byte {err.start}); save the file as UTF-8") from None
    except OSError as err:
        raise ScenarioError(f"{path_or_name}: cannot read: {err.strerror}") from None


def parse_override(text: str) -> tuple[list[str], Any]:
    """Split ``PATH=VALUE``; the value is read as a TOML literal, else as a string."""
    if "=" not in text:
        raise ScenarioError(f"--set {text}: expected PATH=VALUE, e.g. ownership.municipal_land_share=0.5")
    path, raw = text.split("=", 1)
    path = path.strip()
    if not path:
        raise ScenarioError(f"--set {text}: PATH is empty")
    try:
        value = tomllib.loads(f"v = {raw.strip()}")["v"]
    except tomllib.TOMLDecodeError:
        value = raw.strip()
    return path.split("."), value


def apply_overrides(data: dict[str, Any], overrides: list[str], source: str = "scenario") -> dict[str, Any]:
    """Set dotted paths (``tasks.0.cost`` for list items) in a scenario dict; returns the full dict.

    The dict is completed with defaults first, so every path a scenario file could hold is settable and
    a misspelt one is reported with the keys allowed at that level.
    """
    full = scenario_from_dict(data, source).to_dict()
    for text in overrides:
        keys, value = parse_override(text)
        node: Any = full
        for i, key in enumerate(keys):
            here = ".".join(keys[: i + 1])
            if isinstance(node, list):
                if not node:
                    raise ScenarioError(f"--set {text}: {'.'.join(keys[:i])} is an empty list; add items in a scenario file")
                if not key.isdigit() or int(key) >= len(node):
                    raise ScenarioError(f"--set {text}: {here} is not a list index (0..{len(node) - 1})")
                key = int(key)
            elif not isinstance(node, dict) or key not in node:
                allowed = ", ".join(sorted(node)) if isinstance(node, dict) else "none (a value)"
                match = closest(key, node) if isinstance(node, dict) else None
                hint = f" — did you mean {'.'.join([*keys[:i], match, *keys[i + 1:]])}?" if match else ""
                raise ScenarioError(f"--set {text}: unknown key {here} (allowed here: {allowed}){hint}")
            if i == len(keys) - 1:
                node[key] = value
            else:
                node = node[key]
    return full


def load_scenario(path_or_name: str | Path | None = None, overrides: list[str] | None = None) -> Scenario:
    """Load and validate a scenario file, a bundled scenario name, or (None) the reference area.

    ``overrides`` are ``PATH=VALUE`` strings applied before validation, e.g.
    ``["ownership.municipal_land_share=0.5"]``.
    """
    data, label = read_scenario_dict(path_or_name)
    if overrides:
        data = apply_overrides(data, overrides, label)
    return scenario_from_dict(data, label)


def scale_area(scenario: Scenario, factor: int) -> Scenario:
    """The scenario's area ``factor`` times over, as its own mix: every sub-area's plots, the developers,
    corporations and passive owners (each actor repeated, numbered), the resident groups, the market's
    absorption, the municipality's staff, talks, tender batch and budget, the Rijk's budget and expert
    capacity, and the costs of the area tasks. Land shares, prices and behaviour stay as they are, so an
    area of city scale is the same world, bigger (``benchmarks/scaling.py`` times the forms on it). A
    product beyond a field's bound (e.g. more than 500 plots in a sub-area) is refused as any bad value."""
    if factor < 1:
        raise ScenarioError(f"scale factor: must be a whole number of at least 1 (got {factor})")
    if factor == 1:
        return scenario
    d = scenario.to_dict()
    own, mun, rijk = d["ownership"], d["municipality"], d["rijk"]
    d["meta"]["name"] = f"{d['meta']['name']} x{factor}"
    for sub in d["subareas"]:
        sub["plots"] *= factor
    own["passive_owners"] *= factor
    for kind in ("developers", "corporations"):
        own[kind] = [{**actor, "name": f"{actor['name']} {k + 1}"} for k in range(factor) for actor in own[kind]]
    d["market"]["absorption_per_quarter"] *= factor
    for key in ("budget", "staff_capacity", "talks_per_quarter", "tender_batch"):
        mun[key] *= factor
    rijk["gebiedsbudget"] *= factor
    rijk["expert_capacity"] *= factor
    for task in d["tasks"]:
        task["cost"] *= factor
    d["residents"]["groups"] *= factor
    return scenario_from_dict(d, f"{scenario.meta.name} x{factor}")
