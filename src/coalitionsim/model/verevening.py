"""Verevening: the cross-subsidy of loss-making plots by profitable ones inside a deal (NOVEX L1290–1291,
L1364–1365, L1384–1385).

An SOK (also a deelgebied's own SOK) pools its developer partners' plots. When a pooled plot completes with
a margin above its developer's threshold it pays ``behaviour.verevening_share`` of that surplus into the
deal's verevening account; a pooled plot whose margin falls short may draw on the account for the
shortfall when it starts, so it starts once profitable plots have paid in. Every euro moves on the ledger.

Signing a deal does not lower a partner's hurdle: its start threshold is the same inside and outside the
pool. What a deal shares of the risk is the money it moves: the verevening here, the GEM's result and
settlement, guarantees.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .agents.base import Owner
    from .area import Plot
    from .model import AreaDevelopmentModel


class VereveningPool:
    """The verevening of one deal: its plots and an account on the ledger."""

    def __init__(self, model: "AreaDevelopmentModel", label: str, plots: list["Plot"]):
        self.model = model
        self.plots = plots
        ledger = model.ledger
        self.account = ledger.open(ledger.unique_name(f"verevening {label}"))
        for plot in plots:
            plot.pool = self

    @property
    def balance(self) -> float:
        return self.model.ledger.balance[self.account]

    def support(self, plot: "Plot", margin: float, threshold: float, revenue: float) -> float:
        """What the pool can give a plot whose margin falls short of its threshold (M€)."""
        return min(max(0.0, self.balance), max(0.0, (threshold - margin) * revenue))

    def settle_start(self, plot: "Plot", owner: "Owner", margin: float, threshold: float, revenue: float) -> None:
        """At a start: a plot whose margin falls short draws its shortfall, as far as the pool has it."""
        if margin >= threshold:
            return
        grant = self.support(plot, margin, threshold, revenue)
        if grant > 0:
            self.model.ledger.transfer(self.account, owner.account, grant, "verevening")
            self.model.log("verevening", f"plot {plot.plot_id} starts with €{grant:.1f} m of verevening",
                           actor=owner.account, plot=plot.plot_id, amount=grant)

    def settle_completion(self, plot: "Plot", owner: "Owner", margin: float, threshold: float, revenue: float) -> None:
        """At a completion: a plot that made more than its threshold pays its share of the surplus in."""
        levy = self.model.scenario.behaviour.verevening_share * max(0.0, margin - threshold) * revenue
        self.model.ledger.pay_up_to(owner.account, self.account, levy, "verevening")
