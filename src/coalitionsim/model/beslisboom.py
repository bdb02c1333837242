"""The beslisboom's choice of the physical development organisation (NOVEX L1584–1626, L1790–1824), as one
rule that the advisor renders and the simulation applies per deelgebied.

The rule reads the field of owners (step C of the tree): is the municipality the dominant owner (tender)?
is the set of private owners manageable, coherent (development-oriented) and willing (SOK, or GEM when a
legal entity / pooled risk is needed)? otherwise a public framework: with sub-areas when the area splits,
organic when it does not. The thresholds are ``scenario.beslisboom`` assumptions (the guide gives no
numbers). ``coalitionsim.advise`` asks the questions with these answers; ``framework_subareas`` applies the
rule to each sub-area's own facts in the running model (a new choice per deelgebied, L1619–1621,
L1823–1824), never choosing a framework with sub-areas again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable

    from ..scenario import Beslisboom
    from .agents.base import Owner
    from .area import Plot
    from .model import AreaDevelopmentModel


@dataclass(frozen=True)
class Field:
    """What step C of the tree looks at: the municipality's share of the plots, the number of private
    owners, and which share of the private land is development-oriented and which unwilling."""

    municipal_share: float
    n_owners: float
    developing_share: float
    unwilling_share: float


@dataclass(frozen=True)
class Choice:
    """The rule's answers and the form they lead to."""

    form: str
    public_dominant: bool
    few: bool
    coherent: bool
    willing: bool
    legal_entity: bool

    @property
    def manageable(self) -> bool:
        return self.few and self.coherent and self.willing


def development_form(field: Field, bb: "Beslisboom", splittable: bool) -> Choice:
    """The form the tree gives this field of owners; ``splittable``: the area can be split into parts that
    develop on their own (never for a sub-area, which gets no second split)."""
    dominant = field.municipal_share > bb.public_dominant_share
    few = field.n_owners <= bb.max_manageable_owners
    coherent = field.developing_share >= bb.min_coherent_share
    willing = field.unwilling_share <= bb.max_unwilling_share
    if dominant:
        form = "tender"
    elif few and coherent and willing:
        form = "gem" if bb.needs_legal_entity else "sok"
    else:
        form = "framework_subareas" if splittable else "framework_organic"
    return Choice(form, dominant, few, coherent, willing, bb.needs_legal_entity)


def field_in_model(model: "AreaDevelopmentModel", plots: list["Plot"], bound: "Iterable[Owner]" = ()) -> Field:
    """The field of owners of these plots as it stands in the model: who holds them now, and whether each
    private owner develops and is willing (its draagvlak against ``behaviour.willing_threshold``; a hold-out
    prone owner counts as unwilling). ``bound``: owners a deal already binds (a review's signatories): the
    land they signed for counts with the municipality's as land the municipality steers, the field the
    review reads being the whole (sub-)area, not only the owners who stayed out (NOVEX 003 L1619–1621)."""
    mun = model.municipality
    steered = {id(mun)} | {id(o) for o in bound}
    private = [p for p in plots if id(p.owner) not in steered]
    owners = {id(p.owner): p.owner for p in private}
    n = len(private) or 1
    developing = sum(1 for p in private if p.owner.developing) / n
    unwilling = sum(1 for p in private if p.owner.holdout or not p.owner.willing) / n
    return Field(municipal_share=(len(plots) - len(private)) / len(plots) if plots else 0.0,
                 n_owners=float(len(owners)), developing_share=developing if private else 1.0,
                 unwilling_share=unwilling if private else 0.0)
