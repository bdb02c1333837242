"""coalitionsim: agent-based simulation of Dutch area-development collaboration (Mesa 3).

Python API (mirrors the command line): :func:`load_scenario`, :class:`AreaDevelopmentModel`,
:func:`run`, :func:`compare`.
"""

from .model import AreaDevelopmentModel
from .scenario import FORMS, Scenario, ScenarioError, load_scenario

__version__ = "0.1.0"

__all__ = ["FORMS", "AreaDevelopmentModel", "Scenario", "ScenarioError", "__version__", "load_scenario"]
