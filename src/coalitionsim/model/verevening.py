"""Verevening: the cross-subsidy of loss-making plots by profitable ones inside a deal (NOVEX L1290–1291,
L1364–1365, L1384–1385).

An SOK (also a deelgebied's own SOK) pools its developer partners' plots. When a pooled plot completes with
a margin above its developer's threshold it pays ``behaviour.verevening_share`` of that surplus into the
deal's verevening account; the margin counts the land at what it cost its developer (the price it paid, or
the inbrengwaarde of its own land), so land taken up at its residual value is not levied a second time. A
pooled plot whose margin falls short may draw on the account for the shortfall when it starts, so it
starts once profitable plots have paid in. At the close-out, when no pooled plot can still draw (every one
has started or left the pipeline) and no land is still to join the pool, the balance is paid out to those
who paid in, pro rata to what each paid (ledger kind ``verevening_distribution``; NOVEX 003 L1364–1365: the
partners settle among themselves by the agreed key). Every euro moves on the ledger.

Signing a deal does not lower a partner's hurdle: its start threshold is the same inside and outside the
pool. What a deal shares of the risk is the money it moves: the verevening here, the GEM's result and
settlement, guarantees.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from .area import Status

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
        # how many plots are still to join the pool (the deal's land not yet taken up); set by the deal
        self.still_to_join: Callable[[], int] = lambda: 0
        self.distributed = 0.0  # M€ paid out at the close-out

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
        """At a completion: a plot that made more than its threshold (``margin`` with its land at what it
        cost, see :func:`~.development.margin_at_cost`) pays its share of the surplus in; then the pool
        closes out if nothing can draw on it any more."""
        levy = self.model.scenario.behaviour.verevening_share * max(0.0, margin - threshold) * revenue
        self.model.ledger.pay_up_to(owner.account, self.account, levy, "verevening")
        self.close_out()

    def closed_out(self) -> bool:
        """Whether no pooled plot can still draw on the pool: none is still to join it, and every one has
        started, completed or been withdrawn."""
        done = (Status.CONSTRUCTION, Status.COMPLETED, Status.WITHDRAWN)
        return self.still_to_join() == 0 and all(p.status in done for p in self.plots)

    def close_out(self) -> None:
        """At the close-out the balance goes back to those who paid in, pro rata to what each paid in (a
        levy paid after the close-out is paid out again at once, to the same key)."""
        balance = self.balance
        if balance <= 1e-9 or not self.closed_out():
            return
        ledger = self.model.ledger
        paid = {payer: v for (payer, payee, kind), v in ledger.totals.items()
                if payee == self.account and kind == "verevening" and v > 0}
        total = sum(paid.values())
        if total <= 0:
            return
        for payer in sorted(paid):
            ledger.transfer(self.account, payer, balance * paid[payer] / total, "verevening_distribution")
        self.distributed += balance
        self.model.log("verevening", f"{self.account} closes out: €{balance:.1f} m paid back to the "
                       f"{len(paid)} parties that paid in, pro rata", amount=balance)
