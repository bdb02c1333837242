"""The lever screen: does every scenario parameter change what the model says?

:func:`screen` walks the scenario schema (:class:`coalitionsim.scenario.Scenario`) for every scalar leaf,
including the items of the lists of the scenario screened (``subareas.N.*``, ``ownership.developers.N.*``,
``tasks.N.*``, ...), moves each one at a time to a far but valid value (:func:`far_values`), and runs the
base and the moved scenario on the **same seeds** under each form where the parameter applies. Runs with
the same seed face the same market and the same draws (common random numbers, ``model/streams.py``), so
the paired difference on a key output is the parameter's effect, not noise.

The rule (:func:`paired_interval`, :func:`has_effect`): a parameter has an effect when the 90% interval
(paired t over the seeds) of its difference on at least one key output (:data:`OUTPUTS`) excludes 0; a
difference that is the same on every seed (sd 0) and not 0 counts as an effect. A parameter without
effect on the seeds is run again on :data:`CONFIRM` times as many (the same first seeds and new ones)
before it is reported without effect: a lever that acts strongly in some seeds and not in others (a
knot cut, a bouwplicht that falls due) needs more pairs for its interval; a dead lever stays 0 on all.

What the schema says about a field (``Field(..., json_schema_extra={...})``), read by :func:`lever_info`:

``label``
    the field names or describes something and stands for no behaviour (``meta.*``, names); the value
    is the reason. It is listed as "label, not screened".
``acts_when``
    the field acts only under a condition, a small dict with any of
    ``set`` (dotted path -> value, applied to base and moved alike; a path starting with ``@.`` is
    relative to the list item the field belongs to, e.g. ``{"@.gate": true}`` for a task),
    ``forms`` (the forms it acts under), ``horizon`` (the horizon in quarters it needs at least) and
    ``why`` (one line for people: "acts only with instruments.biz = true"). The screen runs it under
    that condition, and the fast test fails when it has no effect there either. Declared on a field that
    holds a section (``construction.highrise``), it is the condition of every leaf in it that declares none.
    ``advisor: true`` says the field acts in the advisor (``coalitionsim advise``, a layer above this
    one); without ``forms`` it acts only there, and the screen lists it as "advisor" (not simulated; the
    test suite checks that moving it changes the advice).
``screen_value``
    the value the screen moves the field to, where the bounds give none that is far and sensible
    (an unbounded budget of 0, an optional quarter).
``screen_form``
    the form the fast screen tries first (it runs each parameter under one form: this one, else the
    first of its declared ``forms``, else the first of the default forms; only a parameter without
    effect there is run under its other forms). The full screen runs every form that applies.
"""

from __future__ import annotations

import math
import time
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Literal, get_args, get_origin

import numpy as np
import pandas as pd
from pydantic import BaseModel, ValidationError

from ..scenario import FORMS, Scenario, ScenarioError, apply_overrides, scenario_from_dict
from .defaults import ROOT_SEED
from .text import cut

#: the key outputs a parameter's effect is looked for on (summary names of ``model/metrics.py``)
OUTPUTS: tuple[str, ...] = (
    "homes_completed", "realisation_share", "years_to_agreement", "years_to_first_home", "t50_years",
    "t90_years", "free_riding_index", "free_rider_share", "funding_gap_share", "resident_funding_gap",
    "willing_unable_share", "dropouts", "households_dropped", "public_deficit", "public_assets", "rijk_subsidy",
    "social_share_realised", "negotiation_rounds", "escalations", "backloops", "objections",
    "delay_quarters_objections", "trust_mean", "homes_withdrawn", "voluntary_contribution_rate",
    "gap_municipality", "gap_developers", "gap_corporations", "gap_residents", "gap_rijk", "developer_result",
    "use_phase_funding_gap", "use_phase_dropouts",
)
#: outputs the screen reads from the ledger itself (not in ``metrics.summary``): ``developer_result`` is what
#: the developers hold at the end less what they started with (M€), so a lever that only moves money to or
#: from developers (an uplift on their sales, verevening between them) shows
LEDGER_OUTPUTS = ("developer_result",)
#: outputs that are "never within the horizon" (NaN) when the event did not happen: counted as the horizon
TIMES = ("years_to_agreement", "years_to_first_home", "t50_years", "t90_years")

DEFAULT_FORMS: tuple[str, ...] = ("tender", "sok")  # the forms a parameter without a condition is screened under
FULL = {"seeds": 5, "horizon": 64}
FAST = {"seeds": 4, "horizon": 64}  # and one form per parameter first (``screen_form``), see :func:`screen`
CONFIRM = 2  # a parameter without effect on the seeds is looked at again on this many times as many seeds
LEVEL = 0.90
MAX_FACTOR = 4.0  # a far value is at most this many times the current one (runs stay the size of the area)
TOL = 1e-9  # differences below this (relative to the output's size) are rounding, not an effect

# two-sided 90% critical values of Student's t by degrees of freedom (beyond 30: the normal's 1.645)
_T90 = {1: 6.314, 2: 2.920, 3: 2.353, 4: 2.132, 5: 2.015, 6: 1.943, 7: 1.895, 8: 1.860, 9: 1.833, 10: 1.812,
        11: 1.796, 12: 1.782, 13: 1.771, 14: 1.761, 15: 1.753, 16: 1.746, 17: 1.740, 18: 1.734, 19: 1.729,
        20: 1.725, 25: 1.708, 30: 1.697}


# --------------------------------------------------------------------------- the schema


@dataclass(frozen=True)
class Lever:
    """One scalar leaf of the scenario: its dotted path, current value, and what the schema says of it."""

    path: str
    value: Any
    annotation: Any
    bounds: dict[str, float]
    label: str | None = None  # why it is not screened (it stands for no behaviour)
    acts_when: dict[str, Any] | None = None
    screen_value: Any = None
    screen_form: str | None = None
    kind: str | None = None  # lever | area | assumption | setting (scenario.py; runner/assumptions.py)
    range: dict[str, Any] | None = None  # an assumption's plausible range (scenario.assumed)


def lever_info(field_info) -> dict[str, Any]:
    """The screen's entries (``label``, ``acts_when``, ``screen_value``) of a pydantic field."""
    extra = field_info.json_schema_extra
    return dict(extra) if isinstance(extra, dict) else {}


def _bounds(field_info) -> dict[str, float]:
    out: dict[str, float] = {}
    for m in field_info.metadata:
        for key in ("ge", "gt", "le", "lt"):
            v = getattr(m, key, None)
            if v is not None:
                out[key] = float(v)
    return out


def _is_model(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, BaseModel)


def levers(scenario: Scenario | None = None) -> list[Lever]:
    """Every scalar leaf of ``scenario`` (default: the reference area) in schema order; list items of the
    scenario's own lists are numbered (``tasks.0.cost``). Lists of plain values (names, sources) are no
    scalar and are left out."""
    scenario = scenario or Scenario()
    out: list[Lever] = []

    def walk(obj: BaseModel, prefix: str, inherited: dict[str, Any] | None) -> None:
        for name, info in type(obj).model_fields.items():
            value = getattr(obj, name)
            path = f"{prefix}{name}"
            own = lever_info(info).get("acts_when")
            if isinstance(value, BaseModel):
                walk(value, path + ".", own or inherited)
            elif isinstance(value, list):
                for i, item in enumerate(value):
                    if isinstance(item, BaseModel):
                        walk(item, f"{path}.{i}.", own or inherited)
            else:
                extra = lever_info(info)
                out.append(Lever(path, value, info.annotation, _bounds(info), extra.get("label"),
                                 own or inherited, extra.get("screen_value"), extra.get("screen_form"),
                                 extra.get("kind"), extra.get("range")))

    walk(scenario, "", None)
    return out


# --------------------------------------------------------------------------- the far value


def _allowed_literals(annotation: Any) -> list[Any]:
    if get_origin(annotation) is Literal:
        return list(get_args(annotation))
    return []


def _optional_inner(annotation: Any) -> Any:
    if get_origin(annotation) in (typing.Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    return None


def far_values(lever: Lever) -> list[Any]:
    """Candidate values for ``lever``, the farthest first; the screen takes the first that validates.

    bool: flipped. Literal: the other allowed values. Optional (None now): ``screen_value``, else the lower
    bound (or 0, or True). int/float: toward the bound farther from the current value, at most
    :data:`MAX_FACTOR` times (or a quarter of) the current value, then halfway and a tenth of the way there
    (a cross-field validator may refuse the far one). ``screen_value`` in the schema comes first."""
    cands: list[Any] = []
    if lever.screen_value is not None:
        cands.append(lever.screen_value)
    v, ann = lever.value, lever.annotation
    if isinstance(v, bool):
        cands.append(not v)
    elif (lits := _allowed_literals(ann)):
        cands += [x for x in lits if x != v]
    elif v is None:
        inner = _optional_inner(ann)
        if inner is bool:
            cands += [True, False]
        elif inner in (int, float):
            lo = lever.bounds.get("ge", lever.bounds.get("gt", 0.0))
            cands.append(inner(lo))
    elif isinstance(v, (int, float)):
        cands += _numeric_candidates(lever)
    out = []
    for c in cands:
        if c != v and c not in out:
            out.append(c)
    return out


def _numeric_candidates(lever: Lever) -> list[Any]:
    v, b = lever.value, lever.bounds
    is_int = isinstance(v, int)
    lo = b.get("ge", b.get("gt", -math.inf))
    hi = b.get("le", b.get("lt", math.inf))
    up = hi if math.isfinite(hi) else (v * MAX_FACTOR if v > 0 else (1.0 if v == 0 else 0.0))
    if v > 0:
        up = min(up, v * MAX_FACTOR)
    down = lo if math.isfinite(lo) else (v / MAX_FACTOR if v > 0 else v * MAX_FACTOR)
    if v > 0:
        down = max(down, v / MAX_FACTOR)
    if "gt" in b and down <= b["gt"]:
        down = b["gt"] + (v - b["gt"]) / MAX_FACTOR
    # the farther side, measured relative to the current value (a share 0.3 -> 1.0 before 0.3 -> 0)
    scale = abs(v) if v else 1.0
    sides = sorted([up, down], key=lambda x: -abs(x - v) / scale)
    cands: list[Any] = []
    for target in sides:
        for frac in (1.0, 0.5, 0.1):
            x = v + frac * (target - v)
            if is_int:
                x = int(round(x))
                if "gt" in b and x <= b["gt"]:
                    continue
            cands.append(x)
    return cands


def _format(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(v, float):
        return repr(round(v, 10))
    if isinstance(v, list):  # TOML arrays and inline tables (e.g. market.shocks in a condition)
        return "[" + ", ".join(_format(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k} = {_format(x)}" for k, x in v.items()) + "}"
    return str(v)


def moved_scenario(base: dict[str, Any], path: str, candidates: Iterable[Any]) -> tuple[Scenario, Any] | None:
    """The scenario ``base`` with ``path`` set to the first candidate that validates, and that value."""
    for c in candidates:
        try:
            data = apply_overrides(base, [f"{path}={_format(c)}"])
            return scenario_from_dict(data), c
        except (ScenarioError, ValidationError):
            continue
    return None


def _condition_overrides(lever: Lever, cond: dict[str, Any]) -> list[str]:
    item = lever.path.rsplit(".", 1)[0]
    out = []
    for key, value in (cond.get("set") or {}).items():
        key = item + key[1:] if key.startswith("@.") else key
        out.append(f"{key}={_format(value)}")
    return out


# --------------------------------------------------------------------------- the interval rule


def t_critical(df: int) -> float:
    """Two-sided 90% critical value of Student's t with ``df`` degrees of freedom."""
    if df < 1:
        return math.inf
    if df in _T90:
        return _T90[df]
    below = max(k for k in _T90 if k <= df)
    return _T90[below] if df <= 30 else 1.645


def paired_interval(diffs: Iterable[float]) -> tuple[float, float, float]:
    """(mean, low, high) of the paired differences: the mean with its 90% paired-t interval. Differences
    below :data:`TOL` are rounding and count as 0; with one pair the interval is (mean, mean) only when
    the difference is 0, else unbounded."""
    d = np.asarray([x for x in diffs if not math.isnan(x)], dtype=float)
    if len(d) == 0:
        return (0.0, 0.0, 0.0)
    d = np.where(np.abs(d) < TOL, 0.0, d)
    mean = float(d.mean())
    if len(d) == 1:
        return (mean, mean, mean) if mean == 0 else (mean, -math.inf, math.inf)
    sd = float(d.std(ddof=1))
    if sd < TOL * max(1.0, abs(mean)):
        return (mean, mean, mean)
    half = t_critical(len(d) - 1) * sd / math.sqrt(len(d))
    return (mean, mean - half, mean + half)


def has_effect(diffs: Iterable[float]) -> bool:
    """The rule: the 90% interval of the paired differences excludes 0 (a constant nonzero one does)."""
    mean, lo, hi = paired_interval(diffs)
    return mean != 0 and (lo > 0 or hi < 0)


# --------------------------------------------------------------------------- running


def _outputs(row: dict[str, Any], horizon_years: float) -> dict[str, float]:
    out = {}
    for name in OUTPUTS:
        x = row.get(name, math.nan)
        x = math.nan if x is None else float(x)
        if name in TIMES and math.isnan(x):
            x = horizon_years  # not within the horizon: counted as the horizon
        out[name] = x
    return out


def developer_result(model) -> float:
    """The developers' balances at the end less their opening balances (M€), from the ledger."""
    from ..model.agents.developer import Developer

    ledger = model.ledger
    return float(sum(ledger.balance[o.account] - ledger.received(o.account, ("opening_balance",))
                     for o in model.owners if isinstance(o, Developer)))


def _run_job(job: tuple[Scenario, str, int]) -> dict[str, float]:
    from ..model import AreaDevelopmentModel
    from ..model.metrics import summary

    scenario, form, seed = job
    model = AreaDevelopmentModel(scenario, form=form, seed=seed)
    model.run()
    row = _outputs({**summary(model), "developer_result": developer_result(model)},
                   scenario.simulation.horizon_quarters / 4)
    model.dispose()
    return row


@dataclass
class Screened:
    """One screened parameter: where it was moved, under what, and its effects."""

    path: str
    base: Any
    moved: Any = None
    status: str = "no effect"  # effect | no effect | label | advisor | not movable | skipped
    forms: tuple[str, ...] = ()
    condition: str = ""
    conditional: bool = False
    effects: list[dict[str, Any]] = field(default_factory=list)  # per form and output with an effect
    note: str = ""

    def strongest(self, k: int = 3) -> list[dict[str, Any]]:
        return sorted(self.effects, key=lambda e: -e["relative"])[:k]


def plan(scenario: Scenario | None = None, horizon: int = FULL["horizon"], forms: Iterable[str] = DEFAULT_FORMS,
         only: Iterable[str] | None = None) -> list[tuple[Screened, Scenario | None, Scenario | None]]:
    """What the screen runs: per lever its record (``forms``: those that apply, its ``screen_form``
    first), the base scenario (with the condition applied) and the moved one. Labels and levers that
    cannot be moved get no scenarios."""
    from ..model.governance import load_all

    scenario = scenario or Scenario()
    registry = load_all()
    only = tuple(only or ())
    default_forms = tuple(forms)
    out = []
    for lever in levers(scenario):
        if only and not any(lever.path == p or lever.path.startswith(p.rstrip(".") + ".") for p in only):
            continue
        rec = Screened(lever.path, lever.value)
        if lever.label:
            rec.status, rec.note = "label", lever.label
            out.append((rec, None, None))
            continue
        cond = lever.acts_when or {}
        rec.conditional = bool(cond)
        rec.condition = cond.get("why", "")
        if cond.get("advisor") and "forms" not in cond:
            # an answer only the advisor reads (layer above the runner): tests/test_levers.py checks it there
            rec.status, rec.note = "advisor", "acts only in the advisor; not simulated"
            out.append((rec, None, None))
            continue
        h = max(horizon, int(cond.get("horizon", 0)))
        base_data = apply_overrides(scenario.to_dict(), [f"simulation.horizon_quarters={h}",
                                                          *_condition_overrides(lever, cond)])
        base = scenario_from_dict(base_data)
        fs = tuple(cond.get("forms", default_forms))
        rec.forms = tuple(f for f in fs if not registry[f].not_applicable(base))
        if lever.screen_form in rec.forms:  # the form the fast screen tries first
            rec.forms = (lever.screen_form, *(f for f in rec.forms if f != lever.screen_form))
        moved = moved_scenario(base_data, lever.path, far_values(
            Lever(lever.path, _get(base_data, lever.path), lever.annotation, lever.bounds,
                  screen_value=lever.screen_value)))
        if moved is None:
            rec.status, rec.note = "not movable", "no other valid value"
            out.append((rec, None, None))
            continue
        rec.moved = moved[1]
        rec.base = _get(base_data, lever.path)  # its value under the condition (what it is moved from)
        if not rec.forms:
            rec.status, rec.note = "skipped", "no form applies"
            out.append((rec, None, None))
            continue
        out.append((rec, base, moved[0]))
    return out


def _get(data: dict[str, Any], path: str) -> Any:
    node: Any = data
    for key in path.split("."):
        node = node[int(key)] if isinstance(node, list) else node[key]
    return node


def screen(scenario: Scenario | None = None, seeds: int | None = None, horizon: int | None = None,
           forms: Iterable[str] = DEFAULT_FORMS, only: Iterable[str] | None = None, fast: bool = False,
           root_seed: int = ROOT_SEED, workers: int | None = None, progress: bool = False) -> pd.DataFrame:
    """Screen the levers of ``scenario`` (default: the reference area); one row per parameter.

    ``fast`` takes :data:`FAST` settings (4 seeds, 64 quarters) instead of :data:`FULL` (5 seeds, 64
    quarters) where ``seeds``/``horizon`` are not given, and runs each parameter under one form
    (``screen_form``, else the first of its forms; see :func:`plan`), and under its other forms only when
    it shows no effect there (column ``forms``: those run). Base runs are shared between parameters with
    the same condition, form and seed. Columns: path, base, moved, status, forms, condition, conditional,
    effects (the strongest three as text), n_effects, note."""
    from .runs import replication_seeds

    settings = FAST if fast else FULL
    seeds_n = seeds or settings["seeds"]
    horizon = horizon or settings["horizon"]
    seed_list = replication_seeds(root_seed, seeds_n)
    planned = plan(scenario, horizon, forms, only)
    todo = [(rec, base, moved, rec.forms[:1] if fast else rec.forms) for rec, base, moved in planned if base is not None]
    diffs: dict[tuple[str, str, str], list[float]] = {}  # (path, form, output) -> paired differences by seed
    done: dict[str, dict[str, float]] = {}  # the runs made so far, by job key: a later stage reuses them
    _evaluate(todo, seed_list, diffs, done, workers, progress)
    if fast:  # a parameter without effect under its first form is tried under the others
        todo = [(rec, base, moved, rec.forms[1:]) for rec, base, moved, _ in todo
                if not rec.effects and len(rec.forms) > 1]
        _evaluate(todo, seed_list, diffs, done, workers, progress)
    for rec, base, _moved in planned:
        if base is not None:  # the forms it ran under
            rec.forms = tuple(f for f in rec.forms if (rec.path, f, OUTPUTS[0]) in diffs)
    # a parameter still without effect gets a second look on more seeds (the first ones and as many new
    # ones), under the forms it ran: an effect that shows in some seeds only (a steering group that cuts
    # one knot) is not found by a paired interval on a handful of seeds; one that is not there stays 0
    todo = [(rec, base, moved, rec.forms) for rec, base, moved in planned if base is not None and not rec.effects]
    if todo:
        _evaluate(todo, replication_seeds(root_seed, CONFIRM * seeds_n), diffs, done, workers, progress)
        for rec, *_ in todo:
            rec.note = f"looked at again on {CONFIRM * seeds_n} seeds"
    rows = []
    for rec, base, _moved in planned:
        if base is not None:
            rec.status = "effect" if rec.effects else "no effect"
        rows.append(rec)
    table = _frame(rows, seeds_n, horizon)
    table.attrs["diffs"] = diffs
    return table


def _evaluate(todo: list[tuple[Screened, Scenario, Scenario, tuple[str, ...]]], seed_list: list[int],
              diffs: dict[tuple[str, str, str], list[float]], done: dict[str, dict[str, float]],
              workers: int | None, progress: bool) -> None:
    """Run base and moved of each (record, base, moved, forms) on the seeds and add the effects found to
    the record (and the paired differences to ``diffs``); runs already in ``done`` (same scenario, form
    and seed: the same numbers) are not made again, the new ones are added to it."""
    jobs: dict[str, tuple[Scenario, str, int]] = {}
    keys = []
    for rec, base, moved, forms in todo:
        bkey = base.model_dump_json()
        mkey = moved.model_dump_json()
        pairs = []
        for f in forms:
            for s in seed_list:
                jobs.setdefault(f"{f}|{s}|{bkey}", (base, f, s))
                jobs.setdefault(f"{f}|{s}|{mkey}", (moved, f, s))
                pairs.append((f, s, f"{f}|{s}|{bkey}", f"{f}|{s}|{mkey}"))
        keys.append(pairs)
    if not jobs:
        return
    names = [n for n in jobs if n not in done]
    if names:
        done.update(zip(names, _run_all([jobs[n] for n in names], workers, progress)))
    results = done
    for (rec, _base, _moved, forms), pairs in zip(todo, keys):
        for f in forms:
            for out_name in OUTPUTS:
                b = [results[bk][out_name] for (ff, _s, bk, _mk) in pairs if ff == f]
                m = [results[mk][out_name] for (ff, _s, _bk, mk) in pairs if ff == f]
                diffs[(rec.path, f, out_name)] = [y - x for x, y in zip(b, m)]
                d = [y - x for x, y in zip(b, m) if not (math.isnan(x) or math.isnan(y))]
                if has_effect(d):
                    mean, lo, hi = paired_interval(d)
                    base_mean = float(np.nanmean(b)) if not all(math.isnan(x) for x in b) else 0.0
                    rec.effects.append({"form": f, "output": out_name, "mean": mean, "low": lo, "high": hi,
                                        "base": base_mean, "relative": abs(mean) / max(abs(base_mean), 1e-6)})


def _run_all(jobs: list[tuple[Scenario, str, int]], workers: int | None, progress: bool) -> list[dict[str, float]]:
    from .runs import run_jobs

    return run_jobs(jobs, workers, progress, label="levers", job=_run_job, chunks_per_worker=16)


def _effect_text(e: dict[str, Any]) -> str:
    return f"{e['form']}:{e['output']} {e['mean']:+.3g} [{e['low']:+.3g}, {e['high']:+.3g}]"


SCREEN_COLUMNS = ("path", "base", "moved", "status", "forms", "condition", "conditional", "effects", "n_effects",
                  "note")


def written_by_screen(path: Path) -> bool:
    """Whether a file is a lever-screen table (its first line is the screen's header): the only kind of file
    ``levers --out ... --overwrite`` replaces."""
    try:
        with open(path, encoding="utf-8") as fh:
            first = fh.readline(4096).strip()
    except (OSError, UnicodeDecodeError):
        return False
    return first == ",".join(SCREEN_COLUMNS)


def _frame(rows: list[Screened], seeds: int, horizon: int) -> pd.DataFrame:
    df = pd.DataFrame(columns=list(SCREEN_COLUMNS), data=[{
        "path": r.path, "base": r.base, "moved": r.moved, "status": r.status, "forms": ",".join(r.forms),
        "condition": r.condition, "conditional": r.conditional,
        "effects": "; ".join(_effect_text(e) for e in r.strongest()), "n_effects": len(r.effects),
        "note": r.note,
    } for r in rows])
    df.attrs["seeds"], df.attrs["horizon"] = seeds, horizon
    return df


def failures(table: pd.DataFrame) -> pd.DataFrame:
    """The rows the fast test fails on: a screened parameter with no effect (declared conditional or not:
    a conditional one must act under its condition), or one that could not be moved or run."""
    return table[table["status"].isin(["no effect", "not movable", "skipped"])]


def format_screen(table: pd.DataFrame, width: int = 160) -> str:
    """The screen as text, one line per parameter; a line longer than ``width`` ends in '…'."""
    lines = [f"{'parameter':44s} {'base':>10s} -> {'moved':<10s} {'forms':18s} result"]
    for r in table.itertuples():
        if r.status == "label":
            lines.append(cut(f"{r.path:44s} label, not screened: {r.note}", width))
            continue
        if r.status == "advisor":
            lines.append(cut(f"{r.path:44s} advisor only, not simulated: {r.condition}", width))
            continue
        base, moved = _short(r.base), _short(r.moved)
        res = r.effects if r.status == "effect" else (r.status + (f" ({r.note})" if r.note else ""))
        cond = f"  [{r.condition}]" if r.condition else ""
        lines.append(cut(f"{r.path:44s} {base:>10s} -> {moved:<10s} {r.forms:18s} {res}{cond}", width))
    return "\n".join(lines)


def _short(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.4g}"
    return cut(str(v), 10)


# --------------------------------------------------------------------------- the ODD's table

ODD_TABLE_HEADER = ("| Parameter | Forms | Set for the screen | Horizon | Condition |\n"
                    "|---|---|---|---|---|")


def _generic(path: str) -> str:
    """``subareas.2.separable`` -> ``subareas.N.separable``: one row per field, whatever its list item."""
    return ".".join("N" if part.isdigit() else part for part in path.split("."))


def conditions_table(scenario: Scenario | None = None) -> str:
    """The declared conditions (``acts_when``) as the Markdown table of docs/ODD.md §6.5, one row per field
    in schema order (``N`` stands for any list item). tests/test_levers.py checks that the ODD shows this
    table; ``python benchmarks/levers.py --odd-table`` prints it."""
    rows, seen = [ODD_TABLE_HEADER], set()
    for lever in levers(scenario):
        cond = lever.acts_when
        generic = _generic(lever.path)
        if not cond or generic in seen:
            continue
        seen.add(generic)
        forms = ", ".join(cond["forms"]) if "forms" in cond else ""
        if cond.get("advisor"):
            forms = f"{forms} + advisor" if forms else "advisor only"
        elif not forms:
            forms = ", ".join(DEFAULT_FORMS) + " (screen default)"
        sets = ", ".join(f"`{'(same item).' + k[2:] if k.startswith('@.') else k}={v}`"
                         for k, v in (cond.get("set") or {}).items()) or "—"
        rows.append(f"| `{generic}` | {forms} | {sets} | {cond.get('horizon', '')} | {cond.get('why', '')} |")
    return "\n".join(rows)
