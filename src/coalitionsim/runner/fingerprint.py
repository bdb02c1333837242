"""The model fingerprint: a short digest of what the model *does*, so evidence made with it can be dated.

    coalitionsim fingerprint            # prints e.g. 3f9c0a1b2d4e5f60

The digest is the sha256 (first 16 hex digits) of the per-run summaries of a fixed, small set of seeded
runs: every governance form on the reference area, on one bundled case (:data:`CASES`) and on the
reference area with the instruments and events that are off by default switched on (:data:`SWITCHES`), on
:data:`SEEDS` replication seeds spawned from the fixed root seed :data:`ROOT`, each at the scenario's
default horizon. A pure refactor, a docs change or a change of file contents that does not change what the
runs compute keeps the digest; any change of behaviour (a rule, a default, a new or removed output) breaks
it. The findings pages (``docs/studies/*.md``, ``docs/archetypes.md``, ``docs/cases.md``) and the README
excerpt record the digest they were produced with, and ``tests/test_fingerprint.py`` fails when one differs
from today's model (re-run ``docs/studies/regenerate.py``).

What goes into the digest, per run (the rule):

- every summary output (``model.metrics.summary``) except the scenario's display name (``scenario``);
- every ``param.*`` input **except** ``param.meta.*`` (the scenario's name, description and source
  citations): a changed default is a behaviour change and changes the digest, a reworded citation is not;
- the form and the seed (the keys of the run);
- floats rounded to :data:`DIGITS` significant digits (``%.9g``), so platform noise at 1e-15 does not
  break it; NaN and infinities written as ``nan``/``inf``; keys sorted.

Not in it: version strings, durations, paths, file contents, the time series and event log (the summary
outputs are computed from them, so a behavioural change shows in the summary in practice). Runs whose form
is not applicable to an area are recorded as ``not applicable`` with their reason.
"""

from __future__ import annotations

import hashlib
import json
import math
from typing import Any, Iterable

import numpy as np

ROOT = 20261123  # fixed root seed of the fingerprint runs (not the compare default, which may change)
SEEDS = 2  # replication seeds per form and area
#: the instruments and events that are off at the defaults, on together in one more set of runs on the
#: reference area (``reference+switches``), so that a change in a rule behind one of them changes the digest
#: too (the GIZ is left off: it would bind everyone and hide the BIZ)
SWITCHES = ("instruments.biz=true", "instruments.expropriation=true", "instruments.voorkeursrecht_quarter=8",
            "instruments.kettingbeding=true", "instruments.process_director=true", "rijk.gebiedsbudget=50",
            "rijk.expert_capacity=2", "market.shocks=[{kind='downturn', quarter=12, magnitude=0.2, duration=8}]")
#: the reference area, one case (fragmented ownership, kostenverhaal) and the reference with the switches on
AREAS = ("reference", "knoopxl", "reference+switches")
CASES = ("knoopxl",)
DIGITS = 9  # significant digits of floats
LENGTH = 16  # hex digits shown
EXCLUDED_KEYS = ("scenario",)
EXCLUDED_PREFIXES = ("param.meta.",)


def canonical(value: Any) -> Any:
    """A JSON-able, platform-stable form of one summary value."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        x = float(value)
        if math.isnan(x):
            return "nan"
        if math.isinf(x):
            return "inf" if x > 0 else "-inf"
        return f"{x:.{DIGITS}g}"
    if value is None:
        return None
    return str(value)


def canonical_summary(row: dict[str, Any]) -> dict[str, Any]:
    """One run's summary as it enters the digest (see the module docstring for the rule)."""
    return {k: canonical(v) for k, v in sorted(row.items())
            if k not in EXCLUDED_KEYS and not k.startswith(EXCLUDED_PREFIXES)}


def fingerprint_runs(areas: Iterable[str] = AREAS, seeds: int = SEEDS, root: int = ROOT,
                     progress: bool = False) -> list[dict[str, Any]]:
    """The canonical summaries of the fingerprint runs, in a fixed order (area, form, seed); ``progress``: a
    bar on a terminal, occasional lines in a log."""
    from ..model.governance import load_all
    from ..scenario import FORMS, load_scenario
    from .progress import progress_bar
    from .runs import replication_seeds, run_model

    registry = load_all()
    rows = []
    areas = list(areas)
    bar = progress_bar(len(areas) * len(FORMS) * seeds, "fingerprint", enabled=progress)
    for area in areas:
        name, _, switches = area.partition("+")
        scenario = load_scenario(name, list(SWITCHES)) if switches else load_scenario(name)
        for form in FORMS:
            reason = registry[form].not_applicable(scenario)
            for seed in replication_seeds(root, seeds):
                if reason:
                    rows.append({"area": area, "form": form, "seed": seed, "not applicable": str(reason)})
                    continue
                rows.append({"area": area, **canonical_summary(run_model(scenario, form, seed).summary)})
                bar.update()
    bar.close()
    return rows


def digest(rows: list[dict[str, Any]], length: int = LENGTH) -> str:
    """The first ``length`` hex digits of the sha256 of ``rows`` as sorted-key JSON."""
    text = json.dumps(rows, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(text.encode("ascii")).hexdigest()[:length]


def model_fingerprint(progress: bool = False) -> str:
    """The model fingerprint of the code as it is now (45 runs: 15-25 s on a loaded 2-core machine)."""
    return digest(fingerprint_runs(progress=progress))
