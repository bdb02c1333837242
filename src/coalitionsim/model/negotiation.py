"""Multi-party negotiation with concessions, hold-out, outside options and escalation.

Each party starts with a premium: how far above its pro-rata share (inbrengwaarde, plus its share of the
joint surplus) it asks. The premium decides *when* a party signs; the deal's prices follow fixed rules
(inbrengwaarde, residual land value), so the premium itself is never paid. Every round it concedes part of that premium, faster with more trust, and the
carrying cost of its land (a quarter's interest) eats into it. A party signs once its premium is within
the municipal negotiator's mandate *and* it can carry its part (``Owner.can_sign``); signatures are kept. A hold-out prone owner who sees it has become pivotal (most land
already signed) raises its premium instead, unless a stick is credible: expropriation, or public
kostenverhaal that will bind it as a non-signatory anyway (its nulscenario, NOVEX L1075, L1338–1342).
At a purchase table the seller's leverage is its plot's place in its block (``leverage``): it is pivotal
when its land is the last land its block still needs (land assembly, ``assembly.py``), not when the
municipality holds land elsewhere.
The talks come from the municipality's one budget per quarter, shared by everything it negotiates
(:meth:`GovernanceForm.talk`). After ``escalation_rounds`` rounds without agreement the steering group may cut the knot: the
signatories go on without the parties that have not signed, with a chance that grows with the share of land
signed (004:877–929; NOVEX L1084–1092). It never makes a party sign: only signatories are bound. Before the voorkeursrecht is
set, speculation raises every private premium a little each quarter (NOVEX L912).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:
    from .agents.base import Owner
    from .area import Plot
    from .model import AreaDevelopmentModel


@dataclass
class Party:
    owner: "Owner"
    land: float  # weight of its land in the deal (inbrengwaarde)
    premium: float
    signed: bool = False
    excluded: bool = False
    referred: int | None = None  # the quarter the negotiator took its demand back to the college


@dataclass
class Negotiation:
    """One negotiation among ``parties``; call :meth:`step` once per quarter until ``done``."""

    model: "AreaDevelopmentModel"
    label: str
    parties: list[Party]
    stick: bool  # expropriation or kostenverhaal makes hold-out pointless
    needs_capacity: bool = True  # signing requires draagkracht (SOK/GEM partners pay their share)
    purchase: bool = False  # the municipality buys the owner's land (the tender's bilateral purchase talks)
    # at a purchase table: whether the seller's land is the last its block still needs (the tender's
    # ``AssemblyPool.holds_up``); without it no seller is pivotal there
    leverage: "Callable[[Owner], bool] | None" = None
    for_sale: "list[Plot]" = field(default_factory=list)  # at a purchase table: the seller's land for sale
    keeps: "list[Plot]" = field(default_factory=list)  # of it, what the seller named at signing to realise itself
    rounds: int = 0
    escalations: int = 0
    rounds_since_escalation: int = 0
    talk_budget: float = 0.0  # talks available and not yet used for a full round
    start_step: int = 0
    number: int = 0  # the n-th negotiation of the run (keys the steering group's draws)
    end_step: int | None = None
    done: bool = False
    abandoned: bool = False  # the municipality ended the table without a deal (a review, ``abandon``)
    log: list[str] = field(default_factory=list)

    @classmethod
    def among(cls, model: "AreaDevelopmentModel", label: str, owners: list["Owner"], *,
              stick: bool, needs_capacity: bool = True, purchase: bool = False,
              leverage: "Callable[[Owner], bool] | None" = None,
              for_sale: "list[Plot] | None" = None) -> "Negotiation":
        """Open a negotiation among the owners of land in the deal (the municipality proposes)."""
        b = model.scenario.behaviour
        model.negotiations_opened += 1
        parties = []
        for owner in owners:
            land = sum(p.existing_use_value for p in model.area.plots_of(owner))
            if owner is model.municipality:
                parties.append(Party(owner, land, 0.0, signed=True))
                continue
            # keyed to the owner and its n-th negotiation: another negotiation never shifts this draw
            owner.negotiations += 1
            draw = model.streams.keyed("negotiation", "premium", owner.unique_id, owner.negotiations).random()
            base = b.initial_premium_holdout if owner.holdout else b.initial_premium_cooperative
            premium = base * (0.5 + draw) * (1 + model.speculation)
            parties.append(Party(owner, land, premium))
        neg = cls(model, label, parties, stick=stick, needs_capacity=needs_capacity, purchase=purchase,
                  leverage=leverage, for_sale=list(for_sale or []), start_step=model.steps,
                  number=model.negotiations_opened)
        neg._check_done()
        return neg

    # --------------------------------------------------------------- state
    def active(self) -> list[Party]:
        return [p for p in self.parties if not p.excluded]

    def signed_share(self) -> float:
        total = sum(p.land for p in self.active()) or 1.0
        return sum(p.land for p in self.active() if p.signed) / total

    @property
    def members(self) -> list["Owner"]:
        return [p.owner for p in self.active()]

    def pivotal(self, party: Party, most_signed: bool) -> bool:
        """Whether ``party`` holds the deal's key. At a purchase table: when its land is the last its block
        still needs (``leverage``); the municipality's land elsewhere, signed from the start, is no part of
        the seller's leverage. At other tables: when ``most_signed``, at least half the land in the deal
        has signed (taken at the start of the round)."""
        if self.purchase:
            return self.leverage is not None and self.leverage(party.owner)
        return most_signed

    # --------------------------------------------------------------- dynamics
    def round_cost(self) -> int:
        """Talks one round needs: one with every party that has not signed."""
        return sum(1 for p in self.active() if not p.signed)

    def take_talks(self, talks: float) -> float:
        """Use up to ``talks`` towards this negotiation's next round and hold it when they suffice; returns
        the talks used (what the round still needed, at most ``talks``)."""
        if self.done:
            return 0.0
        give = min(talks, max(0.0, self.round_cost() - self.talk_budget))
        self.talk_budget += give
        if self.talk_budget >= self.round_cost() - 1e-9:
            self.talk_budget = max(0.0, self.talk_budget - self.round_cost())
            self._round()
        return give

    def end_quarter(self) -> None:
        """What a quarter without agreement does: before the voorkeursrecht, speculation raises every open
        premium (NOVEX L912)."""
        if self.done or self.model.speculation_stopped():
            return
        for p in self.parties:
            if not p.signed:
                p.premium *= 1 + self.model.scenario.behaviour.speculation_rate

    def step(self) -> None:
        """One quarter of this negotiation on its own, with all the municipality's talks (a form's
        negotiations share them: :meth:`GovernanceForm.talk`)."""
        left = self.model.municipality.talks_capacity
        while not self.done and left > 1e-9:
            used = self.take_talks(left)
            left -= used
            if used <= 0:
                break
        self.end_quarter()

    def _round(self) -> None:
        b = self.model.scenario.behaviour
        mandate = self.model.scenario.municipality.mandate
        self.rounds += 1
        self.rounds_since_escalation += 1
        most_signed = self.signed_share() >= 0.5
        delay_cost = self.model.scenario.market.interest_rate / 4  # a quarter's carrying cost of the land
        for p in self.active():
            if p.signed:
                continue
            owner = p.owner
            if owner.holdout and not self.stick and self.pivotal(p, most_signed):
                p.premium *= 1 + b.holdout_markup  # the pivotal owner asks more
                self.model.log("holdout", f"{self.label}: {owner.name} holds out and asks {p.premium:.0%} above its share",
                               actor=owner.account)
            else:
                slow = 0.5 if owner.holdout else 1.0
                p.premium *= 1 - b.concession_rate * slow * (0.5 + owner.trust)
            p.premium = max(0.0, p.premium - delay_cost)
            least, keeps = self._sale_terms(owner) if self.purchase else (0.0, [])
            if least <= mandate:
                p.premium = max(p.premium, least)
            able = owner.can_sign() or not self.needs_capacity
            if self.purchase and self.model.acquisition.refuses(owner):
                # an owner who will not sell at any price does not sign a sale, whatever it is offered: the
                # talks run their course (escalation, break-off) before the municipality knows it is final
                p.referred = None
            elif least > mandate:
                p.referred = None  # it keeps all its land: nothing it would sell within the mandate
            elif p.premium <= mandate and able:
                self._sign(p, keeps)
            elif able and p.premium <= mandate + self.model.scenario.municipality.backloop_band:
                self._back_loop(p, keeps)
            else:
                p.referred = None
        self._check_done()
        if not self.done and self.rounds_since_escalation >= self.model.scenario.instruments.escalation_rounds:
            self._escalate()

    def _sale_terms(self, owner: "Owner") -> "tuple[float, list[Plot]]":
        """At a purchase table: the least premium the seller asks for what it would sell within the mandate,
        and the plots it keeps (a developer's plots whose least premium, what developing them earns it, lies
        beyond the mandate: :meth:`~.acquisition.Acquisition.least_premium`). The premium is infinite when
        it would sell nothing. A seller does not ask less than its land is worth to it, and the price stays
        within the mandate (also after the college's back-loop), so what it signs for covers that."""
        mandate = self.model.scenario.municipality.mandate
        least = {plot: self.model.acquisition.least_premium(owner, plot) for plot in self.for_sale}
        sells = [premium for premium in least.values() if premium <= mandate]
        if least and not sells:
            return math.inf, list(least)
        return max(sells, default=0.0), [plot for plot, premium in least.items() if premium > mandate]

    def _sign(self, p: Party, keeps: "list[Plot]") -> None:
        """``p`` signs; at a purchase table it names the plots of its land for sale it keeps (``keeps``)."""
        p.signed = True
        if self.purchase:
            self.keeps = list(keeps)

    def _back_loop(self, p: Party, keeps: "list[Plot]") -> None:
        """A demand beyond the negotiator's mandate but within reach goes back to the college (or council)
        for room to agree: it costs ``municipality.backloop_quarters`` (004:849-875; 001:2514-2518)."""
        m = self.model
        if p.referred is None:
            p.referred = m.steps
            m.backloops += 1
            m.log("backloop", f"{self.label}: {p.owner.name} asks {p.premium:.0%}, beyond the mandate: "
                  "back to the college", actor=p.owner.account)
        elif m.steps - p.referred >= m.scenario.municipality.backloop_quarters:
            self._sign(p, keeps)

    def _escalate(self) -> None:
        """After ``escalation_rounds`` rounds without agreement the talks go to the steering group, inward
        before outward (NOVEX L1084-1088). With the more land signed, the likelier it decides; what it can
        decide is that the signatories go on without the parties that have not signed (:meth:`go_on_without`):
        an SOK is a private-law contract, and a steering group settles disputes among its parties, it does
        not bind an owner who never signed (design principle 7). Each decision spends some of its
        credibility (001:2338-2344: escalation works because it is rare). A bilateral purchase is not a
        steering-group matter: the municipality breaks it off instead, with ``steering_group_cut_probability``
        (not weighted by the signed share, which is only the land the municipality holds elsewhere)."""
        m = self.model
        self.escalations += 1
        self.rounds_since_escalation = 0
        ins = m.scenario.instruments
        mun = m.municipality
        m.log("escalation", f"{self.label}: escalated to the steering group")
        share = self.signed_share()
        draw = m.streams.keyed("negotiation", "steering", self.number, self.escalations).random()
        bilateral = len(self.parties) <= 2
        odds = ins.steering_group_cut_probability if bilateral else mun.steering_credibility
        # a purchase is the municipality's own table: whether it breaks it off does not depend on the land
        # it holds elsewhere (its 'signed share' here), else a refuser with more land than it would talk forever
        weight = 1.0 if self.purchase else share
        if weight < 0.5 or draw >= odds * weight:
            return
        # a purchase is broken off by the municipality itself, not by a steering group (it has none)
        self.go_on_without("the municipality breaks off the purchase: " if self.purchase
                           else "the steering group decides: ")
        if not bilateral:
            mun.steering_credibility *= 1 - ins.escalation_wear

    def go_on_without(self, why: str = "") -> list["Owner"]:
        """The signatories go on without every party that has not signed: each becomes a non-signer of this
        deal (``non_signers``), bound by nothing in it; nobody is ever marked signed here. Returns the
        non-signers. Non-signers meet what the municipality has toward every owner outside a contract: its
        plan, kostenverhaal at permit, voorkeursrecht, expropriation where switched on."""
        m = self.model
        left = []
        for p in self.active():
            if p.signed:
                continue
            p.excluded = True
            p.owner.lose_trust()
            left.append(p.owner)
            m.log("escalation", f"{self.label}: {why}the talks go on without {p.owner.name}, who is not bound "
                  "(non-signer)", actor=p.owner.account)
        self._check_done()
        return left

    def abandon(self) -> None:
        """The municipality ends the table without a deal (no private party signed): nobody is bound, every
        party that had not signed is a non-signer, and no talks go to it any more."""
        for p in self.active():
            if not p.signed:
                p.excluded = True
        self.done = self.abandoned = True
        self.end_step = self.model.steps
        self.model.log("negotiation", f"{self.label}: the municipality ends the talks without a deal")

    @property
    def non_signers(self) -> list["Owner"]:
        """The parties at this table that the signatories went on without (never bound by its deal)."""
        return [p.owner for p in self.parties if p.excluded]

    def _check_done(self) -> None:
        if all(p.signed for p in self.active()):
            self.done = True
            self.end_step = self.model.steps
            for p in self.active():
                p.owner.gain_trust()
