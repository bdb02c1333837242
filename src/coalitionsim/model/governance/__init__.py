"""The five NOVEX governance forms, each a rule set behind :class:`GovernanceForm`.

Adding a form is one new module here that subclasses :class:`GovernanceForm`, is decorated with
:func:`register`, and is imported in :func:`load_all`.
"""

from .base import REGISTRY, GovernanceForm, make_form, register


def load_all() -> dict[str, type[GovernanceForm]]:
    from . import framework_organic, framework_subareas, gem, sok, tender  # noqa: F401

    return REGISTRY


__all__ = ["REGISTRY", "GovernanceForm", "load_all", "make_form", "register"]
