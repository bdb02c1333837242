"""The use phase (beheer en exploitatie): the completed area's shared services and who pays for them.

Once plots are complete their users need services the area shares: beheer of public space at the plus level,
a mobility hub, parking at a distance (003 L314-318: "ook in de gebruiks- en exploitatiefase steeds meer
kwesties collectief moeten regelen"; L617-620: a Mobiliteitsbedrijf that runs the hubs; L1176). Each quarter
every completed plot's services cost ``use_phase.services[].cost`` per home-equivalent (its benefit weight:
homes plus non-residential floor space per 100 m2); its users pay the fees (``revenue``) to the area's
management organisation (ledger account ``gebiedsbeheer``); the rest is due from the plot's owner.

Whether that due binds follows the rules that bind the plot's quarterly asks in ``Contributions.ask_kind``:
the municipality for its own plots, a GEM company for the plots it holds, a GIZ in force, and a contract
(SOK, GEM issue, tender award) only with a kettingbeding or erfpacht, which makes the duty pass to every next
owner (003 L2298-2303: "Borg een verplichte bijdrage van partijen met een kettingbeding"). A BIZ in force
binds the non-residential part of a completed plot (the statutory duty does not reach housing, L1581,
L2453-2454). A bound owner pays as far as its cash allows. Everything else is a voluntary due, paid as the
owner's contribution type pays any voluntary ask (``Owner.voluntary_rate``: conditional co-operators,
hump-shaped contributors, free riders, others). A member that pays under half its voluntary dues for
``lapse_quarters`` quarters running stops paying for good: a use-phase drop-out.

The organisation spends what it holds on this quarter's services, up to their cost; the rest goes
unfunded. While a share g of the services goes unfunded, the completed sub-areas' homes lose
``unfunded_value_loss`` x g of their value (through ``Area.uplift``, the channel the delivered tasks raise)
and their resident groups lose ``unfunded_trust_loss`` x g x ``behaviour.trust_loss`` trust a quarter.
The summary's ``use_phase_funding_gap`` is the share of the run's use-phase cost that went unfunded; the
free-riding index keeps to the area tasks.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .area import Plot, Status
from .ledger import OUTSIDE

if TYPE_CHECKING:
    from .agents.base import Owner
    from .model import AreaDevelopmentModel

#: the ledger account of the area's management organisation (beheerorganisatie) that runs the services
USE_OPERATOR = "gebiedsbeheer"
#: EUR per year to M€ per quarter
EUR_YEAR = 1e-6 / 4


class UsePhase:
    """Step 0 (first in the quarter): the services of the plots completed by now, their funding, and what a shortfall does."""

    def __init__(self, model: "AreaDevelopmentModel"):
        self.model = model
        spec = model.scenario.use_phase
        self.cost_rate = sum(s.cost for s in spec.services) * EUR_YEAR  # M€ per home-equivalent per quarter
        self.fee_rate = sum(s.revenue for s in spec.services) * EUR_YEAR
        model.ledger.open(USE_OPERATOR)
        self.cost_total = 0.0  # M€ of services the completed plots needed so far
        self.unfunded_total = 0.0  # M€ of those that went unfunded
        self.gap_share = 0.0  # this quarter's unfunded share
        self.voluntary_asked = 0.0  # over the run
        self.voluntary_paid = 0.0
        self.members: set[int] = set()  # owners that have paid voluntary dues
        self.under_half: dict[int, int] = {}  # owner -> quarters running it paid under half its voluntary dues
        self.lapsed: set[int] = set()  # owners that stopped paying for good
        self.dropouts = 0
        self.due_of: dict[int, float] = {}  # owner -> its use-phase due this quarter, bound and voluntary (M€)

    # ------------------------------------------------------------ the rules
    def bound_share(self, plot: Plot) -> float:
        """The share of the plot's use-phase due that binds its owner (the rest is voluntary)."""
        m = self.model
        if m.contributions.ask_kind(plot) is not None:  # municipality, GEM company, GIZ, kettingbeding
            return 1.0
        if m.steps < m.contributions.biz_until:  # a BIZ binds non-residential floor space only
            return (plot.nonres_m2 / 100.0) / max(1e-9, m.area.benefit_weight(plot))
        return 0.0

    # ------------------------------------------------------------ the quarter
    def step(self) -> None:
        m = self.model
        completed_status = Status.COMPLETED  # (read once: an Enum member read costs ~0.2 µs on Python 3.11)
        completed = [p for p in m.area.plots if p.status == completed_status]
        cost = fees = 0.0
        asked: dict[int, float] = {}  # owner -> voluntary dues asked this quarter
        paid: dict[int, float] = {}
        owners: dict[int, "Owner"] = {}
        due_of: dict[int, float] = {}
        self.due_of = due_of
        # read once a quarter, not per plot
        benefit_weight, transfer = m.area.benefit_weight, m.ledger.transfer
        cost_rate, fee_rate = self.cost_rate, self.fee_rate
        for plot in completed:
            weight = benefit_weight(plot)
            cost += cost_rate * weight
            fee = fee_rate * weight
            transfer(OUTSIDE, USE_OPERATOR, fee, "use_phase_fees")  # the users pay their fees
            fees += fee
            due = max(0.0, (cost_rate - fee_rate) * weight)
            if due <= 1e-12:
                continue
            owner = plot.owner
            due_of[owner.unique_id] = due_of.get(owner.unique_id, 0.0) + due
            bound = due * self.bound_share(plot)
            if bound > 1e-12:
                self._pay_bound(owner, plot, bound)
            voluntary = due - bound
            if voluntary > 1e-12:
                key = owner.unique_id
                owners[key] = owner
                asked[key] = asked.get(key, 0.0) + voluntary
                paid[key] = paid.get(key, 0.0) + self._pay_voluntary(owner, voluntary)
        self._lapses(owners, asked, paid)
        # the organisation runs the services with what it holds, up to this quarter's cost
        spent = min(cost, max(0.0, m.ledger.available(USE_OPERATOR)))
        m.ledger.transfer(USE_OPERATOR, OUTSIDE, spent, "use_phase_service")
        self.cost_total += cost
        self.unfunded_total += cost - spent
        self.gap_share = (cost - spent) / cost if cost > 0 else 0.0
        self._effects({p.subarea for p in completed})

    def _pay_bound(self, owner: "Owner", plot: Plot, amount: float) -> None:
        m = self.model
        if owner is m.municipality:
            done = amount if m.municipality.spend(amount, "use_phase", payee=USE_OPERATOR) else 0.0
        else:
            done = m.ledger.pay_up_to(owner.account, USE_OPERATOR, min(amount, max(0.0, owner.free_cash)), "use_phase")
        if done < amount - 1e-9:
            m.log("use_phase", f"{owner.name} cannot pay its use-phase charge for plot {plot.plot_id} in full "
                  f"(€{amount - done:.3f} m short)", actor=owner.account, plot=plot.plot_id, amount=amount - done)

    def _pay_voluntary(self, owner: "Owner", amount: float) -> float:
        self.voluntary_asked += amount
        if owner.unique_id in self.lapsed:
            return 0.0
        want = min(amount * owner.voluntary_rate(), max(0.0, owner.free_cash))
        done = self.model.ledger.pay_up_to(owner.account, USE_OPERATOR, want, "use_phase")
        self.voluntary_paid += done
        return done

    def _lapses(self, owners: dict[int, "Owner"], asked: dict[int, float], paid: dict[int, float]) -> None:
        """A member that pays under half its voluntary dues ``lapse_quarters`` quarters running stops paying
        (one that never paid is a free rider, not a drop-out)."""
        limit = self.model.scenario.use_phase.lapse_quarters
        for key, ask in asked.items():
            if key in self.lapsed:
                continue
            if paid[key] >= 0.5 * ask:
                self.members.add(key)
                self.under_half[key] = 0
                continue
            if paid[key] > 1e-12:
                self.members.add(key)
            self.under_half[key] = self.under_half.get(key, 0) + 1
            if key in self.members and self.under_half[key] >= limit:
                self.lapsed.add(key)
                self.dropouts += 1
                owner = owners[key]
                self.model.log("use_phase", f"{owner.name} stops paying its voluntary use-phase dues "
                               f"(under half for {self.under_half[key]} quarters)", actor=owner.account)

    def _effects(self, in_use: set[str]) -> None:
        """Unfunded services lower the value of the sub-areas in use and their residents' trust."""
        m = self.model
        spec = m.scenario.use_phase
        g = self.gap_share
        m.area.set_service_loss({s: spec.unfunded_value_loss * g for s in in_use})
        if g > 0 and spec.unfunded_trust_loss > 0:
            for r in m.residents:
                if r.subarea in in_use:
                    r.lose_trust(spec.unfunded_trust_loss * g)

    # ------------------------------------------------------------ outputs
    @property
    def funding_gap(self) -> float:
        """The share of the run's use-phase cost that went unfunded (NaN when no plot was complete)."""
        return self.unfunded_total / self.cost_total if self.cost_total > 0 else float("nan")
