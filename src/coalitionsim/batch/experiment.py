"""Experiment files: a batch sweep described in TOML, validated into typed objects.

An experiment names a base scenario, the governance forms, a design over factors (scenario paths, the
same dotted paths ``--set`` takes), the number of seeded replications and the outputs to keep::

    [experiment]
    name = "quick"
    scenario = "reference"       # bundled scenario name, or a path relative to the experiment file
    forms = ["sok", "framework_organic"]
    design = "grid"              # grid | lhs | morris | sobol
    samples = 8                  # lhs: points; morris: trajectories (N); sobol: base sample N
    replications = 2
    seed = 42
    set = ["simulation.horizon_quarters=60"]

    [[factors]]
    path = "ownership.municipal_land_share"
    levels = [0.1, 0.33, 0.6]    # grid designs

    [[factors]]
    path = "behaviour.concession_rate"
    min = 0.05                   # lhs, morris, sobol
    max = 0.4
    kind = "float"               # float | int | bool

Every factor value (each grid level, each range end, and every design point) is validated by applying
it as an override to the base scenario, so a bad value fails before anything runs. Errors are raised as
:class:`ExperimentError` with one line that names the file and the field.

Design sizes: grid = product of the level counts; lhs = ``samples``; morris = ``samples`` × (D + 1);
sobol = ``samples`` × (D + 2) (first-order and total indices, no second order). Every design point is
run for every form and every replication.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ..scenario import (
    FORMS,
    ScenarioError,
    _format_error,
    apply_overrides,
    bundled_scenarios,
    closest,
    read_scenario_dict,
    scenario_from_dict,
)

DESIGNS = ("grid", "lhs", "morris", "sobol")
MORRIS_LEVELS = 4


class ExperimentError(ValueError):
    """An experiment file that cannot be used; the message is one line for the user."""


class _Strict(BaseModel):
    # inf and nan are refused (a factor range to infinity means nothing)
    # strict: no silent conversions (timeseries = "yes" is not true, samples = "8" is not 8); a whole
    # number is still a number where a float is asked
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, allow_inf_nan=False,
                              strict=True)


class Factor(_Strict):
    """One varied scenario value: levels for grid designs, a range for sampled designs."""

    path: str = Field(min_length=1)
    levels: list[Any] | None = Field(None, min_length=1)
    low: float | None = Field(None, alias="min")
    high: float | None = Field(None, alias="max")
    kind: Literal["float", "int", "bool"] = "float"

    @field_validator("path")
    @classmethod
    def _dotted(cls, v: str) -> str:
        if any(not part for part in v.split(".")) or "=" in v or " " in v:
            raise ValueError("must be a dotted scenario path such as behaviour.concession_rate")
        return v

    @model_validator(mode="after")
    def _range(self) -> Factor:
        if self.low is not None and self.high is not None:
            if self.low >= self.high:
                raise ValueError(f"min must be below max (got min={self.low:g}, max={self.high:g})")
            if self.kind == "int" and (self.low != int(self.low) or self.high != int(self.high)):
                raise ValueError("an int factor needs whole-number min and max")
        return self

    @property
    def bounds(self) -> tuple[float, float]:
        """The range handed to SALib: ints span [min, max + 1) and are floored; bools span [0, 1]."""
        if self.kind == "bool":
            return 0.0, 1.0
        if self.kind == "int":
            return float(self.low), float(self.high) + 1.0
        return float(self.low), float(self.high)

    def value(self, x: float) -> Any:
        """The scenario value for a sampled number ``x`` within :attr:`bounds`."""
        if self.kind == "bool":
            return bool(x >= 0.5)
        if self.kind == "int":
            return int(min(math.floor(x), self.high))
        return float(x)


class ExperimentSpec(_Strict):
    name: str = Field(min_length=1, max_length=80)
    description: str = ""
    scenario: str = "reference"
    forms: list[str] = Field(default_factory=lambda: list(FORMS), min_length=1)
    design: Literal["grid", "lhs", "morris", "sobol"] = "grid"
    samples: int | None = Field(None, ge=1, le=1_000_000)
    replications: int = Field(1, ge=1, le=10_000)
    seed: int = Field(20261123, ge=0)
    outputs: list[str] | None = Field(None, min_length=1)
    timeseries: bool = False
    set_: list[str] = Field(default_factory=list, alias="set")

    @field_validator("name")
    @classmethod
    def _safe_name(cls, v: str) -> str:
        if not all(c.isalnum() or c in "-_." for c in v) or v.startswith("."):
            raise ValueError("use letters, digits, '-', '_' and '.' only (it names the results folder)")
        return v

    @field_validator("forms")
    @classmethod
    def _known_forms(cls, v: list[str]) -> list[str]:
        from ..model.governance import load_all

        known = load_all()
        for f in v:
            if f not in known:
                raise ValueError(f"unknown form {f!r} (allowed: {', '.join(known)})")
        if len(set(v)) != len(v):
            raise ValueError("forms are listed twice")
        return v


class ExperimentFile(_Strict):
    experiment: ExperimentSpec
    factors: list[Factor] = Field(default_factory=list)

    @model_validator(mode="after")
    def _factors_fit_design(self) -> ExperimentFile:
        spec = self.experiment
        paths = [f.path for f in self.factors]
        for i, f in enumerate(self.factors):
            if f.path in paths[:i]:
                raise ValueError(f"factors[{i}]: path {f.path} is listed twice")
            if spec.design == "grid":
                if f.levels is None:
                    raise ValueError(f"factors[{i}] ({f.path}): a grid design needs levels = [...]")
                if f.low is not None or f.high is not None:
                    raise ValueError(f"factors[{i}] ({f.path}): a grid design takes levels, not min/max")
            else:
                if f.levels is not None:
                    raise ValueError(f"factors[{i}] ({f.path}): a {spec.design} design takes min/max, not levels")
                if f.kind != "bool" and (f.low is None or f.high is None):
                    raise ValueError(f"factors[{i}] ({f.path}): a {spec.design} design needs min and max")
        if spec.design != "grid":
            if not self.factors:
                raise ValueError(f"a {spec.design} design needs at least one [[factors]]")
            if spec.samples is None:
                raise ValueError(f"experiment.samples: a {spec.design} design needs samples")
            if spec.design == "sobol" and spec.samples & (spec.samples - 1):
                nxt = 1 << spec.samples.bit_length()
                raise ValueError(f"experiment.samples: sobol needs a power of two (got {spec.samples}; try {nxt})")
        return self


# --------------------------------------------------------------------------- the loaded experiment


def _toml_literal(value: Any) -> str:
    """A value as the TOML literal that ``--set`` parses back to the same value."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        v = float(value)
        return "nan" if math.isnan(v) else ("inf" if v == math.inf else ("-inf" if v == -math.inf else repr(v)))
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_literal(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k)} = {_toml_literal(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"cannot write {value!r} as a scenario value")


def _strip_set(msg: str) -> str:
    """Drop the ``--set PATH=VALUE:`` prefix of an override error; the caller names the factor."""
    if msg.startswith("--set ") and ": " in msg:
        return msg.split(": ", 1)[1]
    return msg


@dataclass
class Experiment:
    """A validated experiment with its base scenario and expanded design."""

    spec: ExperimentSpec
    factors: list[Factor]
    source: str  # label for messages (the file name)
    base: dict[str, Any]  # the full base scenario dict, ``set`` overrides applied
    scenario_label: str
    text: str = ""  # the experiment file as written
    design: pd.DataFrame = field(default_factory=pd.DataFrame)  # one row per design point: factor values
    raw: np.ndarray | None = None  # SALib sample matrix (morris/sobol analysis needs it)

    # ------------------------------------------------------------------ sizes and identities
    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def forms(self) -> list[str]:
        return list(self.spec.forms)

    @property
    def n_points(self) -> int:
        return len(self.design)

    @property
    def n_runs(self) -> int:
        return self.n_points * len(self.spec.forms) * self.spec.replications

    @cached_property
    def seeds(self) -> list[int]:
        """One seed per replication, the same for every design point and form (common random numbers)."""
        from ..runner import replication_seeds

        return replication_seeds(self.spec.seed, self.spec.replications)

    def problem(self) -> dict[str, Any]:
        """The SALib problem (names, bounds) of the factors."""
        return {
            "num_vars": len(self.factors),
            "names": [f.path for f in self.factors],
            "bounds": [list(f.bounds) if self.spec.design != "grid" else [None, None] for f in self.factors],
            "kinds": [f.kind for f in self.factors],
        }

    def canonical(self) -> dict[str, Any]:
        """What determines the results: the validated experiment (without its description) and the
        resolved base scenario."""
        return {
            "experiment": self.spec.model_dump(mode="json", by_alias=True, exclude={"description"}),
            "factors": [f.model_dump(mode="json", by_alias=True, exclude_none=True) for f in self.factors],
            "base_scenario": self.base,
        }

    @cached_property
    def hash(self) -> str:
        """Content hash of :meth:`canonical` (comments and layout of the file do not count)."""
        blob = json.dumps(self.canonical(), sort_keys=True, default=str).encode()
        return hashlib.sha256(blob).hexdigest()[:16]

    def overrides(self, point: int) -> list[str]:
        """``PATH=VALUE`` overrides of one design point."""
        return [f"{path}={_toml_literal(v)}" for path, v in self.point_values(point).items()]

    def point_values(self, point: int) -> dict[str, Any]:
        # read per column: a row of only numbers (``iloc[point]``) would turn an int level into a float
        return {f.path: _py(self.design[f.path].iat[point]) for f in self.factors}


def _py(v: Any) -> Any:
    """numpy scalars to Python scalars."""
    return v.item() if isinstance(v, np.generic) else v


# --------------------------------------------------------------------------- design expansion


def _expand(spec: ExperimentSpec, factors: list[Factor]) -> tuple[pd.DataFrame, np.ndarray | None]:
    names = [f.path for f in factors]
    if spec.design == "grid":
        rows = list(itertools.product(*[f.levels for f in factors])) if factors else [()]
        design = pd.DataFrame(rows, columns=names) if factors else pd.DataFrame(index=range(1))
        return design, None
    problem = {"num_vars": len(factors), "names": names, "bounds": [list(f.bounds) for f in factors]}
    n = spec.samples
    if spec.design == "lhs":
        from SALib.sample import latin

        raw = latin.sample(problem, n, seed=spec.seed)
    elif spec.design == "morris":
        from SALib.sample import morris

        raw = morris.sample(problem, n, num_levels=MORRIS_LEVELS, seed=spec.seed)
    else:
        from SALib.sample import sobol

        raw = sobol.sample(problem, n, calc_second_order=False, seed=spec.seed)
    design = pd.DataFrame({f.path: [f.value(x) for x in raw[:, j]] for j, f in enumerate(factors)})
    return design, np.asarray(raw, dtype=float)


def run_count(spec: ExperimentSpec, factors: list[Factor]) -> int:
    """Planned runs without expanding the design."""
    d = len(factors)
    points = {
        "grid": math.prod(len(f.levels or []) for f in factors) if factors else 1,
        "lhs": spec.samples or 0,
        "morris": (spec.samples or 0) * (d + 1),
        "sobol": (spec.samples or 0) * (d + 2),
    }[spec.design]
    return points * len(spec.forms) * spec.replications


# --------------------------------------------------------------------------- loading


def _resolve_scenario(name: str, folder: Path | None, source: str) -> str | Path:
    if folder is not None and (folder / name).is_file():
        return folder / name
    if Path(name).is_file():
        return Path(name)
    if name in bundled_scenarios():
        return name
    bundled = ", ".join(sorted(bundled_scenarios()))
    raise ExperimentError(
        f"{source}: experiment.scenario: {name!r} is neither a bundled scenario ({bundled}) "
        "nor a file next to the experiment"
    )


def experiment_from_dict(data: dict[str, Any], source: str = "experiment", folder: Path | None = None,
                         text: str = "", size_check: Callable[[int], None] | None = None,
                         expand: bool = True) -> Experiment:
    """Validate a plain dict (as read from TOML) into an :class:`Experiment` with its expanded design.

    ``size_check(runs)`` is called with the planned number of runs before the design is built (it may
    raise to stop a design too large to build, see :mod:`coalitionsim.runner.workload`); ``expand=False``
    validates the file but leaves the design empty (for a variant that is built from it)."""
    try:
        parsed = ExperimentFile.model_validate(data)
    except ValidationError as err:
        raise ExperimentError(_format_error(err, source)) from None
    spec, factors = parsed.experiment, parsed.factors

    scen = _resolve_scenario(spec.scenario, folder, source)
    try:
        raw_dict, label = read_scenario_dict(scen)
    except ScenarioError as err:
        raise ExperimentError(f"{source}: experiment.scenario: {err}") from None
    try:
        base = apply_overrides(raw_dict, spec.set_, label)
        base_scenario = scenario_from_dict(base, label)
    except ScenarioError as err:
        raise ExperimentError(f"{source}: experiment.set: {_strip_set(str(err))}") from None

    # every level and range end, one factor at a time: the error names the factor
    for i, f in enumerate(factors):
        if f.levels is not None:
            values = f.levels
        elif f.kind == "bool":
            values = [False, True]
        else:
            values = [f.value(f.bounds[0]), f.value(f.bounds[1] - (1 if f.kind == "int" else 0))]
        for v in values:
            try:
                text_ = f"{f.path}={_toml_literal(v)}"
            except TypeError as err:
                raise ExperimentError(f"{source}: factors[{i}] ({f.path}): {err}") from None
            try:
                scenario_from_dict(apply_overrides(base, [text_], label), label)
            except ScenarioError as err:
                raise ExperimentError(f"{source}: factors[{i}] ({f.path} = {v!r}): {_strip_set(str(err))}") from None

    n = run_count(spec, factors)
    if n > 50_000_000:
        raise ExperimentError(f"{source}: the design asks for {n:,} runs; reduce levels, samples or replications")
    if not expand:
        return Experiment(spec=spec, factors=factors, source=source, base=base, scenario_label=label, text=text)
    if size_check is not None:
        size_check(n)
    design, raw = _expand(spec, factors)
    exp = Experiment(spec=spec, factors=factors, source=source, base=base, scenario_label=label, text=text,
                     design=design, raw=raw)

    # every design point (combinations can break cross-field rules such as land shares adding up)
    for p in range(exp.n_points):
        try:
            scenario_from_dict(apply_overrides(base, exp.overrides(p), label), label)
        except ScenarioError as err:
            values = ", ".join(f"{k}={v!r}" for k, v in exp.point_values(p).items())
            raise ExperimentError(f"{source}: design point {p} ({values}): {_strip_set(str(err))}") from None

    if spec.outputs is not None:
        known = output_columns(base_scenario)
        for o in spec.outputs:
            if o not in known:
                examples = ", ".join(c for c in known if not c.startswith("param."))
                raise ExperimentError(f"{source}: experiment.outputs: unknown summary column {o!r} (allowed: {examples}, param.*)")
    return exp


def output_columns(scenario) -> list[str]:
    """The summary columns a run produces (from a 4-quarter probe run under SOK)."""
    from ..runner import run_model

    probe = scenario.model_copy(update={"simulation": scenario.simulation.model_copy(update={"horizon_quarters": 4})})
    return list(run_model(probe, "sok", 0, tables=("summary",)).summary)


EXPERIMENTS = Path("experiments")  # the repository's experiment files, found from the working directory


def bundled_experiments() -> dict[str, Path]:
    """The experiment files in ``experiments/`` of the working directory, by name (file stem)."""
    if not EXPERIMENTS.is_dir():
        return {}
    return {p.stem: p for p in sorted(EXPERIMENTS.glob("*.toml"))}


def load_experiment(path: str | Path, size_check: Callable[[int], None] | None = None,
                    expand: bool = True) -> Experiment:
    """Read, validate and expand an experiment file (``ExperimentError`` with one line if it is bad);
    ``size_check`` and ``expand`` as in :func:`experiment_from_dict`."""
    path = Path(path)
    source = str(path)
    if not path.is_file():
        if not path.suffix and (EXPERIMENTS / f"{path}.toml").is_file():
            path = EXPERIMENTS / f"{path}.toml"
        else:
            match = closest(path.stem, bundled_experiments())
            hint = f" — did you mean {path.with_name(match + path.suffix) if path.suffix else match}?" if match else ""
            raise ExperimentError(f"{source}: no such experiment file{hint}")
    try:
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ExperimentError(f"{source}: not valid TOML: {err}") from None
    except (OSError, UnicodeDecodeError) as err:
        raise ExperimentError(f"{source}: cannot read: {err}") from None
    return experiment_from_dict(data, source, folder=path.parent, text=text, size_check=size_check, expand=expand)
