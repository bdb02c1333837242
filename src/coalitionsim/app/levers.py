"""The app's model: the levers a student can set, turned into ``--set`` overrides of a scenario.

Nothing here imports solara, so the lever logic is tested (and usable in a notebook) without a browser.
The scenario is always built by :func:`coalitionsim.scenario.load_scenario` with ``PATH=VALUE`` overrides,
so the app validates exactly like ``coalitionsim run --set``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from ..model import AreaDevelopmentModel
from ..scenario import FORMS, Scenario, ScenarioError, bundled_scenarios, load_scenario

NO_COMPARISON = "none"
DEFAULT_SEED = 42


@dataclass(frozen=True)
class Lever:
    """One control among the levers: its keyword in :class:`AppModel`, the scenario path it sets, and its widget."""

    name: str
    path: str  # dotted scenario path (as for --set); "" for levers that need custom handling
    label: str
    kind: str  # "float", "int" or "bool"
    lo: float = 0.0
    hi: float = 1.0
    step: float = 1.0
    help: str = ""
    group: str = ""


LAND, INSTRUMENTS, MONEY = ("Land and owners (grond en eigenaren)", "Instruments (instrumenten)",
                            "Money and capacity (geld en capaciteit)")
#: the lever panel's collapsible groups, in order
LEVER_GROUPS = (LAND, INSTRUMENTS, MONEY)

LEVERS: tuple[Lever, ...] = (
    Lever("municipal_land_share", "ownership.municipal_land_share", "Public land share (gemeentelijk grondbezit)",
          "float", 0.0, 1.0, 0.01, "share of the plots the municipality owns", group=LAND),
    Lever("developers", "", "Number of developers (ontwikkelaars)", "int", 1, 12, 1,
          "how many project developers own the developer land", group=LAND),
    Lever("holdout_share", "", "Share of hold-out developers", "float", 0.0, 1.0, 0.05,
          "developers that ask more when they become pivotal (hold-out)", group=LAND),
    Lever("passive_owners", "ownership.passive_owners", "Passive owners (particuliere eigenaren)", "int", 0, 20, 1,
          "owners who do not develop themselves; 0 gives their land to the developers", group=LAND),
    Lever("kostenverhaal", "instruments.kostenverhaal", "Kostenverhaal (public cost recovery at permit)", "bool",
          group=INSTRUMENTS),
    Lever("kettingbeding", "instruments.kettingbeding", "Kettingbeding / erfpacht (duties follow the plot)",
          "bool", group=INSTRUMENTS),
    Lever("biz", "instruments.biz", "BIZ (business investment zone, after a vote)", "bool", group=INSTRUMENTS),
    Lever("giz", "instruments.giz", "GIZ (area investment zone for all, hypothetical)", "bool", group=INSTRUMENTS),
    Lever("dubbel_toetsen", "instruments.dubbel_toetsen", "Dubbel toetsen (check capacity before asking)", "bool",
          group=INSTRUMENTS),
    Lever("compensation_budget", "instruments.compensation_budget", "Compensation budget for residents (M€)",
          "float", 0.0, 20.0, 0.5, group=MONEY),
    Lever("phasing_quarters", "instruments.phasing_quarters", "Phasing of resident asks (quarters)", "int", 1, 20, 1,
          group=MONEY),
    Lever("gebiedsbudget", "rijk.gebiedsbudget", "Rijk gebiedsbudget (M€)", "float", 0.0, 200.0, 5.0, group=MONEY),
    Lever("staff_capacity", "municipality.staff_capacity", "Permit capacity (municipal staff, units/quarter)",
          "float", 1.0, 30.0, 0.5, group=MONEY),
)
LEVER_NAMES = tuple(lv.name for lv in LEVERS)


def scenario_names() -> list[str]:
    """Bundled scenario names, the reference area first."""
    names = sorted(bundled_scenarios())
    return sorted(names, key=lambda n: n != "reference")


def lever_values(scenario: Scenario) -> dict[str, Any]:
    """The value every lever has in ``scenario`` (the sliders' starting positions)."""
    own = scenario.ownership
    devs = own.developers
    values: dict[str, Any] = {}
    for lv in LEVERS:
        if lv.name == "developers":
            values[lv.name] = len(devs)
        elif lv.name == "holdout_share":
            values[lv.name] = round(sum(d.strategy == "holdout" for d in devs) / len(devs), 2) if devs else 0.0
        else:
            node: Any = scenario
            for key in lv.path.split("."):
                node = getattr(node, key)
            values[lv.name] = node
    return values


def _toml(value: Any) -> str:
    """A TOML literal for a plain value, list or dict (inline table)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {_toml(v)}" for k, v in value.items() if v is not None) + "}"
    raise TypeError(f"cannot write {value!r} as TOML")


def _developers(scenario: Scenario, count: int, holdouts: int) -> list[dict[str, Any]]:
    """``count`` developers based on the scenario's own (cycled, renamed when more are needed), of whom
    ``holdouts`` are hold-out prone: the scenario's own hold-outs first, then from the end of the list."""
    base = [d.model_dump() for d in scenario.ownership.developers] or [
        {"name": "Ontwikkelaar", "strategy": "cooperative", "timing": "pioneer", "equity": 40.0}]
    out = []
    for i in range(count):
        spec = dict(base[i % len(base)])
        if i >= len(base):
            spec["name"] = f"{spec['name']} {i // len(base) + 1}"
        out.append(spec)
    order = sorted(range(count), key=lambda i: (out[i]["strategy"] != "holdout", -i))
    chosen = set(order[:holdouts])
    for i, spec in enumerate(out):
        spec["strategy"] = "holdout" if i in chosen else "cooperative"
    return out


def lever_overrides(scenario: Scenario, levers: dict[str, Any]) -> tuple[list[str], list[str]]:
    """``PATH=VALUE`` overrides that set ``levers`` (None = keep the scenario's value) on ``scenario``.

    Returns the overrides and plain-language notes on values adjusted to keep the scenario valid.
    """
    current = lever_values(scenario)
    own = scenario.ownership
    overrides: dict[str, str] = {}  # path -> PATH=VALUE (the last setting of a path wins)
    notes: list[str] = []
    for lv in LEVERS:
        value = levers.get(lv.name)
        if value is None or not lv.path:
            continue
        if lv.kind == "int":
            value = round(float(value))
        elif lv.kind == "float":
            value = round(float(value), 4)
        else:
            value = bool(value)
        if value == current[lv.name]:
            continue
        overrides[lv.path] = f"{lv.path}={_toml(value)}"
    # land shares must add up to at most 1: a larger public share comes out of the other owners' land
    share = levers.get("municipal_land_share")
    corp, passive = own.corporation_land_share, own.passive_land_share
    if levers.get("passive_owners") is not None and round(float(levers["passive_owners"])) == 0 and passive > 0:
        overrides["ownership.passive_land_share"] = "ownership.passive_land_share=0.0"
        notes.append("no passive owners: their land goes to the developers")
        passive = 0.0
    if share is not None and float(share) + corp + passive > 1 + 1e-9:
        room = max(0.0, 1.0 - float(share))
        scale = room / (corp + passive)
        corp, passive = round(corp * scale, 4), round(passive * scale, 4)
        for path, value in (("ownership.corporation_land_share", corp), ("ownership.passive_land_share", passive)):
            overrides[path] = f"{path}={value!r}"
        notes.append(f"public land share {float(share):.0%}: corporation and passive land scaled down to "
                     f"{corp:.0%} and {passive:.0%}")
    count = levers.get("developers")
    hshare = levers.get("holdout_share")
    if count is not None or hshare is not None:
        count = int(count) if count is not None else current["developers"]
        hshare = float(hshare) if hshare is not None else current["holdout_share"]
        holdouts = min(count, round(hshare * count))
        now = (len(own.developers), sum(d.strategy == "holdout" for d in own.developers))
        if (count, holdouts) != now:
            overrides["ownership.developers"] = f"ownership.developers={_toml(_developers(scenario, count, holdouts))}"
    return list(overrides.values()), notes


def parse_seed(seed: Any) -> int:
    value = int(str(seed).strip())
    if value < 0:
        raise ValueError
    return value


class AppModel(AreaDevelopmentModel):
    """The model behind the browser app: keyword levers with defaults, and an optional twin under a
    second governance form that runs in lockstep on the same scenario and seed.

    Levers left at None keep the scenario's own value. Invalid lever combinations do not raise: the
    model falls back to the scenario as it is and keeps the message in ``errors`` for the page to show.
    """

    def __init__(self, scenario_name: str = "reference", form: str = "sok", compare_form: str = "tender",
                 seed: int | str = DEFAULT_SEED, municipal_land_share: float | None = None,
                 developers: int | None = None, holdout_share: float | None = None,
                 passive_owners: int | None = None, kostenverhaal: bool | None = None,
                 kettingbeding: bool | None = None, biz: bool | None = None, giz: bool | None = None,
                 dubbel_toetsen: bool | None = None, compensation_budget: float | None = None,
                 phasing_quarters: int | None = None, gebiedsbudget: float | None = None,
                 staff_capacity: float | None = None):
        levers = {"municipal_land_share": municipal_land_share, "developers": developers,
                  "holdout_share": holdout_share, "passive_owners": passive_owners, "kostenverhaal": kostenverhaal,
                  "kettingbeding": kettingbeding, "biz": biz, "giz": giz, "dubbel_toetsen": dubbel_toetsen,
                  "compensation_budget": compensation_budget, "phasing_quarters": phasing_quarters,
                  "gebiedsbudget": gebiedsbudget, "staff_capacity": staff_capacity}
        errors: list[str] = []
        notes: list[str] = []
        try:
            seed = parse_seed(seed)
        except (TypeError, ValueError):
            errors.append(f"seed {seed!r} is not a whole number ≥ 0; using {DEFAULT_SEED}")
            seed = DEFAULT_SEED
        base = load_scenario(scenario_name)
        overrides, notes = lever_overrides(base, levers)
        try:
            scenario = load_scenario(scenario_name, overrides)
        except ScenarioError as err:
            errors.append(f"{err} — running the scenario without the levers")
            scenario, overrides, notes = base, [], []
        from ..model.governance import load_all

        registry = load_all()
        if form not in FORMS:
            errors.append(f"unknown form {form!r}; using {scenario.simulation.form}")
            form = scenario.simulation.form
        reason = registry[form].not_applicable(scenario)
        if reason:
            errors.append(f"{form} is not applicable to this area: {reason}; using {scenario.simulation.form}")
            form = scenario.simulation.form
        super().__init__(scenario, form=form, seed=seed)
        self.scenario_name = scenario_name
        self.levers = levers
        self.overrides = overrides
        self.notes = notes
        self.errors = errors
        self.twin: AreaDevelopmentModel | None = None
        if compare_form and compare_form != NO_COMPARISON:
            reason = registry[compare_form].not_applicable(scenario) if compare_form in FORMS else "unknown form"
            if reason:
                errors.append(f"comparison form {compare_form} is not applicable: {reason}")
            else:
                self.twin = AreaDevelopmentModel(scenario, form=compare_form, seed=seed)
        self.running = self.steps < scenario.simulation.horizon_quarters

    def step(self) -> None:
        super().step()
        if self.twin is not None:
            self.twin.step()
        self.running = self.steps < self.scenario.simulation.horizon_quarters

    @property
    def command_args(self) -> list[tuple[str, str]]:
        """The equivalent command line as (flag, value) pairs; the first pair is the command itself."""
        args = [("coalitionsim run", self.scenario_name), ("--form", self.form_name), ("--seed", str(self.seed))]
        for o in self.overrides:
            args.append(("--set", f"'{o}'" if any(c in o for c in " \"{[,") else o))
        return args

    @property
    def command(self) -> str:
        """The equivalent command line."""
        return " ".join(f"{flag} {value}" for flag, value in self.command_args)
