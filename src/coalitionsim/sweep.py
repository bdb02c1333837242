"""The old import path of the sweep (``from coalitionsim.sweep import sweep``): the module now lives in
:mod:`coalitionsim.batch.sweep`; this name is that same module object, so everything (and monkeypatching)
keeps working."""

import importlib
import sys

sys.modules[__name__] = importlib.import_module("coalitionsim.batch.sweep")
