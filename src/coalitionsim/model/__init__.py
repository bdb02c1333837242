"""The model layer: the Mesa model of one area and everything it steps.

Nothing here imports from outside this package except :mod:`coalitionsim.scenario` (the input contract),
so the model can be built, stepped and tested on its own (``tests/test_layers.py`` checks it).
"""

from .model import AreaDevelopmentModel, new_seed

__all__ = ["AreaDevelopmentModel", "new_seed"]
