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
    floor: float  # the seller's book value: a passive owner's inbrengwaarde; the municipality's grondexploitatie
    due: int  # the quarter by which the partner must take it up (or take an exit)
    agreed: float = 0.0  # the grondprijs the SOK named at its close: the break fee's base


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
                claim = self.claims[plot.plot_id] = Claim(plot, partner, plot.existing_use_value, due)
                if plot.owner is m.municipality:  # its book value in the grondexploitatie, carried at interest
                    self.pool.hold([plot])
                # the contract names a price at signing (the grondprijs of the agreed programme then); the
                # break fee is a share of it, whatever the plot fetches when the take-up falls due
                claim.agreed = grondprijs(m, claim)[0]
        covered = [p for p in signed_plots if p not in self.pool.pool]
        self.sign(covered, contract=True)
        # the deal's verevening pools its developers' plots (NOVEX L1364-1365: onderlinge uitruil /
        # verevening); the land they take up joins it
        pooled = [p for p in covered if p.owner.group == "developers" and p.owner.developing]
        if len(pooled) + len(self.claims) > 1:
            self.verevening = VereveningPool(m, self.deal.label, pooled)
            self.verevening.still_to_join = lambda: len(self.claims)
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
            if claim.plot.owner is m.municipality:
                # the municipality's land follows its grondexploitatie's one rule (land.TenderPool.settle), as
                # the land it tenders does: a forecast short of the book value waits while waiting pays, else
                # the book value is written down to the forecast; the floor is that book value
                self.pool.settle(claim.plot, lambda plot=claim.plot: self.pool.forecast(plot))
                claim.floor = self.pool.book[plot_id]
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
        # the deferrals and re-phasings of the take-up count against the start: one obligation
        deferred, rephased = plot.deferrals, plot.rephasings
        if not transfer(m, plot, claim.partner, price, ask=True):
            return False
        plot.deferrals, plot.rephasings = deferred, rephased
        del self.claims[plot.plot_id]
        self.takeups.append((plot.plot_id, m.steps, price, residual, chosen))
        if not chosen:
            m.log("takeup", f"{claim.partner.name} takes up plot {plot.plot_id} at the grondprijs €{price:.1f} m "
                  f"(residual value €{residual:.1f} m, floor €{claim.floor:.1f} m)", actor=claim.partner.account,
                  plot=plot.plot_id, amount=price)
        # take-up and start are one obligation (afname bij de start): the partner takes the plot up when it
        # can go ahead with it, and must start by the claim's due quarter, or, taken up at or after it, once
        # its permit can be in (``municipality.permit_min_quarters``); not a second bouwplicht term. Its
        # exits are the same (model/exits.py)
        ins = m.scenario.instruments
        plot.build_obligation = ins.build_obligation
        start_by = max(claim.due, m.steps + m.scenario.municipality.permit_min_quarters)
        plot.obligation_deadline = start_by if ins.build_obligation else None
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

        def postpone(until: int) -> None:
            claim.due = until

        concession = self._concession(claim)

        def renegotiate() -> bool:
            plot.social_share = concession[1]
            if plot.owner is mun and concession[2] < claim.floor:
                self.pool.write_down(plot, concession[2])  # the municipality chose to write down (settle's rule)
            claim.floor = concession[2]
            plot.renegotiated = True
            mun.talks_left -= 1
            claim.due = m.steps + 1
            # the renegotiated take-up closes at once at the new grondprijs, if the partner can carry it now
            # (if not, the break fee stays a share of the price agreed at the close: a concession on the
            # price does not also cheapen walking away)
            price_now, residual = grondprijs(m, claim)
            if self._can_take(claim, price_now):
                self._transfer(claim, price_now, residual, chosen=False)
            return True

        ob = exits.Obligation(
            "takeup", price, claim.agreed, plot.owner.account,
            # at its due quarter the partner takes the plot up only if it can go ahead with it: pay the land
            # and finance its start on top of its pipeline (the take-up is the start's obligation too)
            go=(profit(m, plot, partner, land_cost=price), go) if self._can_take(claim, price) else None,
            renegotiate=(concession[0], renegotiate) if concession is not None else None,
            buy_back=None,  # nothing taken up yet: walking away costs the break fee on the agreed price
            postpone=postpone, release=lambda: self._release(claim, "break fee paid"),
            # its business case clears (the grondprijs leaves it its hurdle): only the financing is missing,
            # and the take-up is re-phased to when its running projects free room (exits.rephased_due)
            later=profit(m, plot, partner, land_cost=price) if grondprijs(m, claim)[1] >= claim.floor else None,
            due=claim.due, longstop=lambda: self._reallot(claim))
        note = f" (grondprijs €{price:.1f} m" + (f", floor to €{concession[2]:.1f} m" if concession else "") + ")"
        exits.resolve(m, partner, plot, ob, note=note)

    def _reallot(self, claim: Claim) -> None:
        """The claim's longstop (``exits.past_longstop``): its partner re-phased as often as the contract allows
        and still cannot carry the plot, so the plot goes to another developing partner of the deal that can
        take it up now at its grondprijs (the one with the fewest homes so far, as at the allotment), or,
        failing one, the claim lapses and the seller takes its land back (the municipality issues its plot by
        tender through its grondexploitatie; a passive signatory keeps its land). No break fee: the partner
        did not walk away, the contract's phasing ran out (it paid interest for the time it held the claim)."""
        m = self.model
        plot, before = claim.plot, claim.partner
        others = [d for d in land_buyers(m, self.deal.members) if d is not before and not d.dropped_out]
        for other in sorted(others, key=lambda d: (sum(q.homes for q in m.area.plots_of(d)), d.unique_id)):
            trial = Claim(plot, other, claim.floor, claim.due, claim.agreed)
            price, residual = grondprijs(m, trial)
            if residual >= claim.floor and self._can_take(trial, price):
                plot.deferrals = plot.rephasings = 0  # a new partner's obligation starts afresh
                claim.partner = other
                m.log("reallotment", f"plot {plot.plot_id}: {before.name}'s claim passed its longstop; re-allotted "
                      f"to {other.name}", actor=other.account, plot=plot.plot_id, amount=price)
                self._transfer(claim, price, residual, chosen=False)
                return
        m.log("reallotment", f"plot {plot.plot_id}: {before.name}'s claim passed its longstop and no partner can "
              "carry it: it falls back to its seller", actor=before.account, plot=plot.plot_id)
        self._release(claim, "longstop: no partner of the deal can carry it")

    def _concession(self, claim: Claim) -> tuple[float, float, float] | None:
        """What renegotiating the take-up yields once per plot (a municipal talk left, and only when its
        residual value is below the floor): the programme back to the scenario's market mix and, for
        municipal land, its book value written down toward the partner's residual value under that programme
        (not below nothing) when the grondexploitatie's rule says waiting does not pay
        (:meth:`~..land.TenderPool.waiting_pays`, the rule that decides every write-down of its land; NOVEX
        003 L1294: meebewegende afspraken over prijzen; L1210–1213: a marktconforme grondprijs is one buyers
        can pay). A passive signatory does not sell below its inbrengwaarde. Open only if the partner can
        then take it up at its residual value. (profit after, social share, floor)."""
        m = self.model
        plot = claim.plot
        if plot.renegotiated or m.municipality.talks_left < 1 or land_bid(m, plot, claim.partner) >= claim.floor:
            return None  # once per plot, a talk left, and only when the price is what stands in the way
        social = min(plot.social_share, m.scenario.programme.social_share)
        before = plot.social_share
        plot.social_share = social
        residual = land_bid(m, plot, claim.partner)
        floor = claim.floor
        if plot.owner is m.municipality and not self.pool.waiting_pays(plot, lambda: land_bid(m, plot, claim.partner)):
            floor = min(claim.floor, max(residual, 0.0))
        after = profit(m, plot, claim.partner, land_cost=max(residual, floor))
        plot.social_share = before
        if residual < floor:
            return None
        return after, social, floor
