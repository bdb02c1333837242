"""coalitionsim: agent-based simulation of Dutch area-development collaboration (Mesa 3).

Python API (mirrors the command line): :func:`load_scenario`, :class:`AreaDevelopmentModel`,
:func:`run`, :func:`compare`, and ``from coalitionsim.sweep import sweep`` for batch experiments (the
function lives in its module of the same name, so it is not re-exported here).
"""

from .model import AreaDevelopmentModel
from .runner import compare, run
from .scenario import FORMS, Scenario, ScenarioError, load_scenario

__version__ = "0.1.0"

__all__ = ["FORMS", "AreaDevelopmentModel", "Scenario", "ScenarioError", "__version__", "compare", "load_scenario",
           "run"]
