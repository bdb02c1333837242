"""The five NOVEX governance forms, each a rule set behind :class:`GovernanceForm`.

Adding a form is one new module in this folder whose class subclasses :class:`GovernanceForm` and is
decorated with :func:`register`, plus its name in :data:`coalitionsim.scenario.FORMS` (the input
contract that ``--form`` and ``simulation.form`` are validated against). :func:`load_all` imports every
module here, so nothing else needs to know the new file.
"""

import importlib
import pkgutil

from .base import REGISTRY, GovernanceForm, make_form, register


_imported = False  # the form modules are imported once per process: listing the folder costs ~0.4 ms a run


def load_all() -> dict[str, type[GovernanceForm]]:
    """Import every form module in this package (each registers itself) and return the registry."""
    global _imported
    if not _imported:
        for info in pkgutil.iter_modules(__path__):
            if info.name != "base":
                importlib.import_module(f"{__name__}.{info.name}")
        _imported = True
    return REGISTRY


__all__ = ["REGISTRY", "GovernanceForm", "load_all", "make_form", "register"]
