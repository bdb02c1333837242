"""The advisor: the NOVEX beslisboom (decision tree) with its reasons, the simulated check of its choice,
and the map of area archetypes (``python -m coalitionsim.advise.archetypes``)."""

from ..runner.tradeoff import tradeoff
from .beslisboom import Advice, OwnerFacts, SimulationCheck, Step, advise, check_summary, owner_facts, render_advice, \
    render_check, simulate_check

__all__ = ["Advice", "OwnerFacts", "SimulationCheck", "Step", "advise", "check_summary", "owner_facts",
           "render_advice", "render_check", "simulate_check", "tradeoff"]
