"""Asks by form against draagkracht: what each governance form asks of each actor, and when, and whether the
actor could carry it ("niet omdat mensen niet willen, maar omdat ze niet kúnnen", 002 L59-63).

Every ask passes through :meth:`Asks.record` in the quarter it falls due, where the form charges it:

======================  =====================================================  ==========================
ask (``kind``)          which form asks it, and when                           charged in
======================  =====================================================  ==========================
``land_price``          tender: the bid price at the award; GEM: the plot      ``land.transfer``
                        price at issue; SOK: the grondprijs at take-up
``contract_contribution``  SOK, GEM, tender award: the fair share of the       ``contributions``
                        one-off tasks at permit, the area tasks each quarter
``kostenverhaal``       frameworks (outside a contract): at permit             ``contributions``
``biz_charge``          a BIZ or GIZ in force, each quarter                    ``contributions``
``voluntary``           what an owner means to give of its voluntary fair      ``contributions``
                        share each quarter (its conditional co-operation)
``gem_capital``         GEM: the capital call at founding, and every further   ``governance.gem``
                        call when the company runs short
``gem_loss``            GEM: its partners' share of a loss at settlement       ``governance.gem``
``bouwplicht``          tender, SOK: the deferral interest or break fee of a   ``exits``
                        land obligation
``resident_ask``        residents: their instalment of a task's resident ask,  ``agents.resident``
                        once the task is contracted
======================  =====================================================  ==========================

Each actor's draagkracht in a quarter in which something fell due is at most the share of it that it
carried (``Owner.draagkracht`` is read against its cash and financing room as before); an ask not carried is
a reason: *cannot pay* (its own money and financing room fall short of a payment due now) or *cannot
finance* (it lacks the equity lenders require for a purchase or a start). A voluntary ask counts as far as
the owner means to pay it: what it would give but cannot is exactly willing but unable.

A drop-out (:meth:`Asks.drop_out`) is an actor that leaves because it could not carry what was asked: a
resident group or an owner of an existing business after ``behaviour.dropout_quarters`` quarters of failed
asks (``AreaDevelopmentModel.trust_and_dropouts``; an owner sells its plots), a GEM partner that cannot pay in
its capital (it stays out of the company), a developer or corporation that sells a plot because it cannot
pay its permit's contributions or finance its start, a corporation that hands its social plot over for want
of investment room. Each actor counts once, in ``dropouts_<group>``; the
event log (kind ``dropout``) has every one with its reason. The summary's ``dropouts`` keeps its definition:
the resident groups and owners of existing businesses that dropped out (``dropouts_residents`` +
``dropouts_owners``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from .agents.base import Actor
    from .area import Plot, Task
    from .model import AreaDevelopmentModel

CANNOT_PAY = "cannot pay"
CANNOT_FINANCE = "cannot finance"

#: the groups whose drop-outs and willing-but-unable shares are reported (design section 7)
DROPOUT_GROUPS = ("developers", "corporations", "owners", "residents")
#: the groups whose drop-outs leave the plan altogether, counted in the summary's ``dropouts`` (a developer
#: or corporation leaves a deal or a plot, and is counted in its own group only)
LEAVE_THE_AREA = ("owners", "residents")


class Ask(NamedTuple):
    """One ask that fell due: what was asked of whom, when, and what it paid (M€)."""

    quarter: int
    actor: str  # ledger account
    group: str
    kind: str
    amount: float
    paid: float
    enforced: bool
    plot: int | None


class Asks:
    """The asks of a run, and the drop-outs they caused."""

    def __init__(self, model: "AreaDevelopmentModel"):
        self.model = model
        # one row per ask in the order of Ask's fields (a plain tuple: ~3,300 a run, and building a named
        # tuple costs several times as much; ``table`` names the columns)
        self.records: list[tuple] = []
        self.dropouts: dict[str, int] = {}  # group -> actors that dropped out
        # the actors (ledger accounts) with an ask due in some quarter, and those of them willing but unable
        # in a quarter they were asked (``note_quarter``): the summary's willing_unable_share_<group>
        self.asked: dict[str, set[str]] = {}
        self.unable: dict[str, set[str]] = {}
        # enforced one-off asks a plot's owner could not pay: still owed (a BIZ charge or a contract
        # contribution is a claim, not a request), plot_id -> task index -> M€
        self.owed: dict[int, dict[int, float]] = {}

    def record(self, actor: "Actor", kind: str, amount: float, paid: float, enforced: bool = True,
               plot: int | None = None, reason: str = CANNOT_PAY) -> bool:
        """An ask of ``amount`` fell due on ``actor`` and it paid ``paid``; returns whether it carried it.
        With dubbel toetsen an owner of an existing business is asked no more than it can carry now: the
        part it cannot pay waits (phased, as a resident group's instalment waits), it is not failed. An
        enforced ask not carried is failed (``Actor.failed_ask_now``), which drives drop-out."""
        if amount <= 1e-12:
            return True
        m = self.model
        step = m.steps  # (read once: every plot's ask, every quarter)
        self.records.append((step, actor.account, actor.group, kind, amount, paid, enforced, plot))
        if actor.ask_step != step:
            actor.ask_step, actor.due_now, actor.unpaid_now = step, 0.0, 0.0
            actor.ask_failed, actor.ask_reason = False, None
        short = max(0.0, amount - paid)
        actor.due_now += amount
        actor.unpaid_now += short
        if short <= 1e-9:
            return True
        # a voluntary gift it cannot make lowers its draagkracht but breaks no claim; with dubbel toetsen an
        # owner's enforced rest is asked when it can carry it (it stays owed, it is not failed)
        if enforced and not (actor.group == "owners" and m.scenario.instruments.dubbel_toetsen):
            actor.ask_failed = True
            actor.ask_reason = actor.ask_reason or reason
        return False

    # ------------------------------------------------------------------ arrears of enforced asks
    def owed_on(self, task: "Task") -> float:
        """M€ owed for ``task`` by owners that could not pay their enforced ask: not asked of the others."""
        return sum(per_task.get(task.index, 0.0) for per_task in self.owed.values())

    def owed_by(self, plot: "Plot") -> dict[int, float]:
        return self.owed.get(plot.plot_id, {})

    def carry_over(self, plot: "Plot", asked: dict[int, float], paid_share: float) -> None:
        """What the plot's owner did not pay of its enforced one-off asks (task index -> M€ asked, arrears
        included) stays owed; the rest is settled."""
        left = {i: a * (1.0 - paid_share) for i, a in asked.items() if a * (1.0 - paid_share) > 1e-12}
        if left:
            self.owed[plot.plot_id] = left
        else:
            self.owed.pop(plot.plot_id, None)

    def release(self, plots: list["Plot"]) -> None:
        """The claims on these plots lapse (their owner dropped out, or the enforcement ended): the tasks ask
        the others for them again."""
        for plot in plots:
            self.owed.pop(plot.plot_id, None)

    def drop_out(self, actor: "Actor", reason: str, what: str) -> bool:
        """``actor`` leaves (a deal, its plot, or the area) because it could not carry what was asked; counted
        and logged once per actor (a later sale of another plot is in the log as a sale). Returns whether this
        was its first drop-out."""
        m = self.model
        if actor.left_because is not None:
            return False
        m.log("dropout", f"{actor.name} drops out ({reason}): {what}", actor=actor.account)
        actor.left_because = reason
        self.dropouts[actor.group] = self.dropouts.get(actor.group, 0) + 1
        if actor.group in LEAVE_THE_AREA:
            m.dropouts += 1  # summary ``dropouts``: as defined before the groups (residents and passive owners)
        return True

    def note_quarter(self) -> None:
        """At the end of a quarter: who had an ask due, and who of them was willing but unable."""
        for actor in self.model.actors():
            if actor.has_ask_due:
                self.asked.setdefault(actor.group, set()).add(actor.account)
                if actor.willing_unable:
                    self.unable.setdefault(actor.group, set()).add(actor.account)

    def willing_unable_share(self, group: str) -> float:
        """Of the group's actors asked in the run, the share willing but unable in a quarter they were asked;
        NaN when none was asked (an actor never asked is not counted as able)."""
        asked = self.asked.get(group, set())
        return len(self.unable.get(group, set())) / len(asked) if asked else float("nan")

    def table(self):
        """The asks as a table (one row per ask)."""
        import pandas as pd

        return pd.DataFrame(self.records, columns=list(Ask._fields))


def reason_of(text: str) -> str:
    """The reason of a sale for want of money, from its logged text ("cannot finance the start ...")."""
    return CANNOT_FINANCE if text.startswith(CANNOT_FINANCE) else CANNOT_PAY
