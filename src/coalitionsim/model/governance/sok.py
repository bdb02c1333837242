"""SOK / joint venture light (samenwerkingsovereenkomst): one agreement among the owners, unanimity of the
participants; each keeps its land and risk; municipal land is shared out pro rata (virtual land bank,
NOVEX L965–973); non-signatories are reached only through public kostenverhaal.

The land a developing partner takes up (the municipality's and the passive signatories') is allotted at
the close but taken up one plot at a time, when its partner is ready to develop it, at the SOK's grondprijs
(:func:`grondprijs`); a take-up that falls due in a bad market goes through the exits of every land
contract (``model/exits.py``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from .. import exits
from ..development import investment, land_bid, profit
from ..land import TenderPool, land_buyers, transfer
from ..verevening import VereveningPool
from .base import GovernanceForm, register

if TYPE_CHECKING:
    from ..agents.base import Owner
    from ..area import Plot
    from ..model import AreaDevelopmentModel


@dataclass
class Claim:
    """A partner's claim on a plot it is to take up (bouwclaim): its seller's floor price and due quarter."""

    plot: "Plot"
    partner: "Owner"
    floor: float  # the seller's book value (inbrengwaarde), lowered only by a renegotiation
    due: int  # the quarter by which the partner must take it up (or take an exit)


def grondprijs(model: "AreaDevelopmentModel", claim: Claim) -> tuple[float, float]:
    """(price, residual value) of a take-up now: the residual land value of the plot to its partner under
    the agreed programme (what it can pay and still make its required margin), never below the seller's
    book value, the floor (NOVEX 003 L1210–1213 marktconforme grondprijs; L1281 inbrengwaarden)."""
    residual = land_bid(model, claim.plot, claim.partner)
    return max(residual, claim.floor), residual


@register
class SOK(GovernanceForm):
    name = "sok"
    title = "SOK / joint venture light (samenwerkingsovereenkomst)"

    def setup(self) -> None:
        self.pool = TenderPool(self)
        self.deal = self.negotiate(self.named("SOK"), self.scope_owners())
        self.closed = False
        self.claims: dict[int, Claim] = {}
        self.takeups: list[tuple[int, int, float, float, bool]] = []  # (plot, quarter, price, residual, exit)
        self.verevening: VereveningPool | None = None

    def wants_land(self, plot) -> bool:
        return False  # each party keeps its land and its risk

    def step(self) -> None:
        self.pool.step()
        if self.closed:
            self._take_up()
            return
        if self.deal.done and not self.deal.abandoned:  # a table the review ended closes nothing
            self.closed = True
            self._close()

    def _close(self) -> None:
        m = self.model
        members = self.deal.members
        m.log("agreement", f"{self.deal.label} signed by {len(members)} parties after {self.deal.rounds} rounds")
        developers = land_buyers(m, members)
        signed_plots = [p for p in self.scope if p.owner in members]
        term = m.scenario.instruments.build_obligation_quarters
        homes = {d: sum(q.homes for q in m.area.plots_of(d)) for d in developers}
        allotted = {d: 0 for d in developers}
        for plot in signed_plots:
            if plot.owner is m.municipality or not plot.owner.developing:
                if not developers:
                    if plot.owner is m.municipality:
                        self.pool.add([plot])
                    continue
                # municipal and non-developing land is allotted to the developing partners pro rata (to
                # the one with the fewest homes so far), under the agreed programme, to take up later
                partner = min(developers, key=lambda d: (homes[d], d.unique_id))
                homes[partner] += plot.homes
                allotted[partner] += 1
                plot.social_share = max(plot.social_share, m.municipality.social_share_target)
                # the phasing schedule: a partner's k-th plot falls due k bouwplicht terms after the close
                # (one plot per term each, as it develops), not all at once (NOVEX 003 L1305-1307:
                # behapbare voorinvesteringen en verplichtingen instead of badkuipfinanciering)
                due = m.steps + allotted[partner] * term
                self.claims[plot.plot_id] = Claim(plot, partner, plot.existing_use_value, due)
        covered = [p for p in signed_plots if p not in self.pool.pool]
        self.sign(covered, contract=True)
        # the deal's verevening pools its developers' plots (NOVEX L1364-1365: onderlinge uitruil /
        # verevening); the land they take up joins it
        pooled = [p for p in covered if p.owner.group == "developers" and p.owner.developing]
        if len(pooled) + len(self.claims) > 1:
            self.verevening = VereveningPool(m, self.deal.label, pooled)
        # the area plan works out the SOK's plots; an owner outside it needs its own procedure
        self.adopt_plan(self.named("bestemmingsplan (area plan)"), covered, m.scenario.municipality.plan_workload)

    # ------------------------------------------------------------------ take-up, phased with the programme

    def _take_up(self) -> None:
        """Each quarter every open claim in force: its partner takes the plot up when it is ready to develop
        it (the grondprijs is its residual value, at or above the floor, and it can pay and carry the plot);
        past the due quarter a partner that is not ready takes an exit (``exits.resolve``)."""
        m = self.model
        for plot_id in sorted(self.claims):
            claim = self.claims[plot_id]
            if not claim.plot.in_plan:
                continue
            partner = claim.partner
            if partner.dropped_out:
                self._release(claim, "its partner dropped out")
                continue
            price, residual = grondprijs(m, claim)
            if residual >= claim.floor and self._can_take(claim, price):
                self._transfer(claim, price, residual, chosen=False)
            elif m.steps >= claim.due:
                self._exit(claim, price)

    def _can_take(self, claim: Claim, price: float) -> bool:
        p = claim.partner
        return p.can_buy(price) and p.can_take_on(claim.plot, investment(self.model, claim.plot) + price)

    def _transfer(self, claim: Claim, price: float, residual: float, chosen: bool) -> bool:
        m = self.model
        plot = claim.plot
        if not transfer(m, plot, claim.partner, price):
            return False
        del self.claims[plot.plot_id]
        self.takeups.append((plot.plot_id, m.steps, price, residual, chosen))
        if not chosen:
            m.log("takeup", f"{claim.partner.name} takes up plot {plot.plot_id} at the grondprijs €{price:.1f} m "
                  f"(residual value €{residual:.1f} m, floor €{claim.floor:.1f} m)", actor=claim.partner.account,
                  plot=plot.plot_id, amount=price)
        # the land taken up carries the agreed start obligation, with the same exits (model/exits.py)
        ins = m.scenario.instruments
        plot.build_obligation = ins.build_obligation
        plot.obligation_deadline = m.steps + ins.build_obligation_quarters if ins.build_obligation else None
        if self.verevening is not None:
            plot.pool = self.verevening
            self.verevening.plots.append(plot)
        return True

    def _release(self, claim: Claim, why: str) -> None:
        """The claim lapses: the seller keeps its land (the municipality issues its plot by tender)."""
        m = self.model
        del self.claims[claim.plot.plot_id]
        m.log("land", f"plot {claim.plot.plot_id}: {claim.partner.name}'s take-up lapses ({why})",
              plot=claim.plot.plot_id)
        if claim.plot.owner is m.municipality:
            self.pool.add([claim.plot])

    def _exit(self, claim: Claim, price: float) -> None:
        m = self.model
        plot, partner, mun = claim.plot, claim.partner, m.municipality

        def go() -> bool:
            price_now, residual = grondprijs(m, claim)
            return self._transfer(claim, price_now, residual, chosen=True)

        def postpone() -> None:
            claim.due = m.steps + 1

        concession = self._concession(claim)

        def renegotiate() -> bool:
            plot.social_share, claim.floor = concession[1], concession[2]
            plot.renegotiated = True
            mun.talks_left -= 1
            claim.due = m.steps + 1
            # the renegotiated take-up closes at once at the new grondprijs, if the partner can carry it now
            price_now, residual = grondprijs(m, claim)
            if claim.partner.can_buy(price_now):
                self._transfer(claim, price_now, residual, chosen=False)
            return True

        ob = exits.Obligation(
            "takeup", price, plot.owner.account,
            # at its due quarter the partner may take the plot up whenever it can pay, whatever its pipeline
            go=(profit(m, plot, partner, land_cost=price), go) if partner.can_buy(price) else None,
            renegotiate=(concession[0], renegotiate) if concession is not None else None,
            hand_back=None,  # nothing taken up yet: walking away is the break fee
            postpone=postpone, release=lambda: self._release(claim, "break fee paid"))
        note = f" (grondprijs €{price:.1f} m" + (f", floor to €{concession[2]:.1f} m" if concession else "") + ")"
        exits.resolve(m, partner, plot, ob, note=note)

    def _concession(self, claim: Claim) -> tuple[float, float, float] | None:
        """What renegotiating the take-up yields once per plot (a municipal talk left, and only when its
        residual value is below the floor): the programme
        back to the scenario's market mix and, for municipal land, its book value written down to the residual
        value (not below nothing): issuing the plot otherwise (by tender) would fetch at most a bidder's
        residual value too, so the write-down costs the municipality nothing a re-issue would not, and
        saves the tender's time (NOVEX 003 L1294: meebewegende afspraken over prijzen; L1210–1213: a
        marktconforme grondprijs is one buyers can pay). A passive signatory does not sell below its
        inbrengwaarde. Open only if the partner can then take it up at its residual value.
        (profit after, social share, floor)."""
        m = self.model
        plot = claim.plot
        if plot.renegotiated or m.municipality.talks_left < 1 or land_bid(m, plot, claim.partner) >= claim.floor:
            return None  # once per plot, a talk left, and only when the price is what stands in the way
        social = min(plot.social_share, m.scenario.programme.social_share)
        before = plot.social_share
        plot.social_share = social
        residual = land_bid(m, plot, claim.partner)
        plot.social_share = before
        floor = claim.floor
        if plot.owner is m.municipality:
            floor = min(claim.floor, max(residual, 0.0))
        if residual < floor:
            return None
        plot.social_share = social
        after = profit(m, plot, claim.partner, land_cost=max(residual, floor))
        plot.social_share = before
        return after, social, floor
