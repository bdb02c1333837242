"""coalitionsim: agent-based simulation of Dutch area-development collaboration (Mesa 3).

Python API (mirrors the command line): :func:`load_scenario`, :class:`AreaDevelopmentModel`,
:func:`run`, :func:`compare`, :func:`robust` (every form across the assumptions' ranges), and ``from coalitionsim.sweep import sweep`` for batch experiments (the
function lives in its module of the same name, so it is not re-exported here).

The model (Mesa, scipy) is imported only when one of its names is first used, so that ``import
coalitionsim`` and the command line's ``--help`` and ``--version`` start at once.
"""

from typing import TYPE_CHECKING, Any

from .scenario import FORMS, Scenario, ScenarioError, load_scenario

if TYPE_CHECKING:  # for type checkers and editors; at run time these come from __getattr__
    from .model import AreaDevelopmentModel
    from .batch.robust import robust
    from .runner import compare, run

__version__ = "0.1.0"

__all__ = ["FORMS", "AreaDevelopmentModel", "Scenario", "ScenarioError", "__version__", "compare", "load_scenario",
           "robust", "run"]

# name -> the module that defines it (imported on first use)
_LAZY = {"AreaDevelopmentModel": "coalitionsim.model", "run": "coalitionsim.runner", "compare": "coalitionsim.runner",
         "robust": "coalitionsim.batch.robust"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value  # later look-ups skip this function
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
