"""What the model assumes: the scenario's parameters by kind, the assumptions' plausible ranges, and the
worlds ``coalitionsim robust`` samples from them.

Every field of the scenario schema declares its kind in ``json_schema_extra`` (``scenario.py``): a policy
``lever``, an ``area`` fact, an ``assumption`` or a ``setting``. Every assumption carries its plausible range
(``scenario.assumed`` / ``scenario.assumed_factor``, or the declared default band ``scenario.BAND``). This
module turns those declarations into :class:`Dimension` s, one per assumption field (one per field of a list,
whatever the number of its items: a common factor), and maps a point of the unit cube to the overrides of
one world (:func:`world_overrides`). Levers, area facts and settings are never sampled.

The range a scenario gets (:func:`target_range`):

- ``{"min", "max"}``: that range, when the scenario's value lies in it; a value outside it (a scenario that
  sets its own staff or absorption) takes the range along: the same multiples of its value as the range is
  of the schema default (or the same distances, where the default or the value is not positive).
- ``{"factor": [lo, hi]}``: lo to hi times the scenario's value (a zero stays zero).
- Clipped to the field's bounds; an int field takes whole numbers within it. A range of one value is held.

A quantile ``u`` in [0, 1) puts every target of a dimension at the same place in its own range
(``low + u * (high - low)``; ints: ``floor(low + u * (high - low + 1))``), so the items of a list move together.
"""

from __future__ import annotations

import math
import typing
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from ..scenario import Scenario, Shock
from .levers import Lever, _generic, levers

KINDS = ("lever", "area", "assumption", "setting")
#: what the kinds mean, for tables and the docs
KIND_WORDS = {
    "lever": "policy lever (held as the scenario sets it)",
    "area": "area fact (held as the scenario sets it)",
    "assumption": "assumption (sampled within its range)",
    "setting": "setting (names, horizon, scripted shocks' timing; held)",
}
EPS = 1e-9  # a bound ``gt`` keeps a range this far inside


@dataclass(frozen=True)
class Target:
    """One scenario value a dimension moves: its path and its range for this scenario."""

    path: str
    low: float
    high: float
    integer: bool

    def value(self, u: float) -> float | int:
        if self.integer:
            return int(min(math.floor(self.low + u * (self.high - self.low + 1)), self.high))
        return float(self.low + u * (self.high - self.low))


@dataclass(frozen=True)
class Dimension:
    """One sampled assumption: a field (``N`` for any list item) and the values it moves in this scenario."""

    name: str  # generic path, e.g. ``ownership.developers.N.required_margin``
    targets: tuple[Target, ...]
    source: str

    def value(self, u: float) -> float | int:
        """The dimension's value at ``u`` as one number (of a list: its first item's)."""
        return self.targets[0].value(u)


def fields_by_kind(cls: type[BaseModel] = Scenario, prefix: str = "") -> list[tuple[str, str | None, dict]]:
    """Every leaf field of the schema (``N`` for list items), with its declared kind and its extra."""
    out: list[tuple[str, str | None, dict]] = []
    for name, info in cls.model_fields.items():
        ann, path = info.annotation, f"{prefix}{name}"
        args = typing.get_args(ann)
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            out += fields_by_kind(ann, path + ".")
        elif typing.get_origin(ann) is list and args and isinstance(args[0], type) and issubclass(args[0], BaseModel):
            out += fields_by_kind(args[0], path + ".N.")
        else:
            extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
            out.append((path, extra.get("kind"), extra))
    return out


def parameters(scenario: Scenario | None = None) -> list[Lever]:
    """The scalar parameters of ``scenario`` (default: the reference area with one scripted shock, so that
    every field of the schema is present), with their kind and range."""
    if scenario is None:
        ref = Scenario()
        scenario = ref.model_copy(update={"market": ref.market.model_copy(
            update={"shocks": [Shock(kind="downturn", quarter=12)]})})
    return levers(scenario)


_DEFAULTS: dict[str, Any] = {}


def _default(path: str) -> Any:
    """The schema default at ``path`` (the reference area's value)."""
    if not _DEFAULTS:
        _DEFAULTS.update({p.path: p.value for p in parameters()})
    return _DEFAULTS.get(path)


def target_range(p: Lever) -> tuple[float, float] | None:
    """The range of one assumption value in this scenario (module docstring), or None when it is held."""
    rng, v = p.range, p.value
    if rng is None or isinstance(v, bool) or not isinstance(v, (int, float)):
        return None
    if "factor" in rng:
        lo, hi = sorted((v * rng["factor"][0], v * rng["factor"][1]))
    else:
        lo, hi = float(rng["min"]), float(rng["max"])
        if not lo <= v <= hi:
            d = _default(p.path)
            if isinstance(d, (int, float)) and d > 0 and v > 0:
                lo, hi = v * lo / d, v * hi / d
            else:
                shift = v - (d if isinstance(d, (int, float)) else (lo + hi) / 2)
                lo, hi = lo + shift, hi + shift
    b = p.bounds
    lo = max(lo, b.get("ge", -math.inf), b.get("gt", -math.inf) + EPS)
    hi = min(hi, b.get("le", math.inf), b.get("lt", math.inf) - EPS)
    if isinstance(v, int):
        lo, hi = math.ceil(lo - EPS), math.floor(hi + EPS)
    return (lo, hi) if hi > lo else None


def dimensions(scenario: Scenario) -> list[Dimension]:
    """The assumptions ``robust`` samples in ``scenario``, in schema order (one per field; list items share)."""
    dims: dict[str, list[Target]] = {}
    sources: dict[str, str] = {}
    for p in levers(scenario):
        if p.kind != "assumption":
            continue
        r = target_range(p)
        if r is None:
            continue
        name = _generic(p.path)
        dims.setdefault(name, []).append(Target(p.path, r[0], r[1], isinstance(p.value, int)))
        sources[name] = p.range["source"]
    return [Dimension(n, tuple(t), sources[n]) for n, t in dims.items()]


def world_values(dims: list[Dimension], u: list[float]) -> dict[str, float | int]:
    """Every value a world sets (path -> value) for the quantiles ``u`` (one per dimension)."""
    return {t.path: t.value(float(x)) for d, x in zip(dims, u) for t in d.targets}


def range_text(rng: dict[str, Any] | None) -> str:
    if not rng:
        return ""
    if "factor" in rng:
        return f"×{rng['factor'][0]:g}–×{rng['factor'][1]:g} of the value"
    return f"{rng['min']:g} to {rng['max']:g}"


#: the header of the table of docs/ODD.md §6.6
ODD_TABLE_HEADER = ("| Path | Kind | Default | Plausible range (robust) | Source of the range |\n"
                    "|---|---|---|---|---|")


def kinds_table() -> str:
    """The scenario's parameters by kind with the assumptions' ranges, the Markdown table of docs/ODD.md §6.6
    (one row per field, ``N`` any list item; tests/test_assumptions.py checks the ODD shows it;
    ``python -m coalitionsim.runner.assumptions`` prints it)."""
    rows, seen = [ODD_TABLE_HEADER], set()
    values: dict[str, list[str]] = {}
    for p in parameters():
        values.setdefault(_generic(p.path), []).append("unset" if p.value is None else f"{p.value}")
    for p in parameters():
        g = _generic(p.path)
        if g in seen:
            continue
        seen.add(g)
        vals = list(dict.fromkeys(values[g]))
        shown = " / ".join(vals) if len(vals) <= 6 else f"{vals[0]} … ({len(vals)} values)"
        rng = p.range or {}
        rows.append(f"| `{g}` | {p.kind or '—'} | {shown} | {range_text(rng)} | {rng.get('source', '')} |")
    return "\n".join(rows)


if __name__ == "__main__":  # pragma: no cover - prints the ODD table
    print(kinds_table())
