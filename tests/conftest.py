"""Test-session hooks for the mutation run only (benchmarks/README.md, "Mutation run"); a plain pytest run,
where mutmut is not loaded, is not touched by anything here.

Under mutmut 3.8 each mutant's tests run in a fresh fork with ``-x``: the first failing test ends the run.
1. Its covering tests are handed over in no particular order, so a mutant that the fastest unit test kills
   often waits for whole-model runs first. Here they run fastest first, by the durations mutmut measured in
   its stats run (``mutmut-stats.json``): a killed mutant costs its quickest failing test.
2. With ``max_stack_depth`` (only tests that reach a function within a few frames of model code count as
   covering it), mutmut 3.8 resolves the file of every frame on the stack on every call of a mutated function
   in the stats run (``Path.resolve(strict=True)``: system calls per frame, a whole-model test then takes
   minutes), and stops at the first frame without a file (a dataclass's generated ``__init__``, the import
   machinery). Here the same walk is made with each file's verdict kept, and a frame without a file is not
   model code (it is passed over, as mutmut passes over library frames).
"""

from __future__ import annotations

import functools
import json
import sys
from pathlib import Path


def _under_mutmut() -> bool:
    return "mutmut" in sys.modules


def _near_test_trampoline_hits() -> None:
    """mutmut's ``record_trampoline_hit`` with the same rule (count the frames of mutated source between the
    test and the call; record the hit only within ``max_stack_depth`` of them), each file judged once."""
    from mutmut.configuration import config
    from mutmut.mutation import trampoline
    from mutmut.state import state

    if getattr(trampoline.record_trampoline_hit, "near_tests", False) or config().max_stack_depth == -1:
        return
    sources = config().resolved_mutated_source_paths

    @functools.lru_cache(maxsize=None)
    def is_source(filename: str) -> bool:
        if filename.startswith("<"):  # generated code or the import machinery: no file
            return False
        path = Path(filename).resolve()
        return any(root in path.parents for root in sources)

    def record(name: str, caller: str | None = None) -> None:
        frame, left = sys._getframe(1), config().max_stack_depth
        while left and frame:
            filename = frame.f_code.co_filename
            frame = frame.f_back
            if "pytest" in filename or "hammett" in filename or "unittest" in filename:
                break
            if is_source(filename):
                left -= 1
        if not left:
            return
        state()._stats.add(name)
        if caller is not None and config().track_dependencies:
            state().function_dependencies[name].add(caller)

    record.near_tests = True  # type: ignore[attr-defined]
    trampoline.record_trampoline_hit = record


if _under_mutmut():
    _near_test_trampoline_hits()


def pytest_collection_modifyitems(config, items) -> None:  # noqa: ANN001 - pytest's hook signature
    """Under mutmut, a mutant's covering tests run fastest first (see the module's docstring)."""
    if not _under_mutmut():
        return
    stats = Path("mutmut-stats.json")  # mutmut runs the tests inside mutants/, where it keeps its stats
    if not stats.exists():
        return
    duration = json.loads(stats.read_text()).get("duration_by_test", {})
    items.sort(key=lambda item: duration.get(item.nodeid, 0.0))
