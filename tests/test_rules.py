"""Unit tests of the rules of the game (design sections 4–6) on small hand-built situations.

Each test builds a model, pokes its state into a known situation and checks what one rule does with it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from coalitionsim import AreaDevelopmentModel, load_scenario
from coalitionsim.model.agents.corporation import Corporation
from coalitionsim.model.agents.developer import Developer
from coalitionsim.model.agents.landowner import Landowner
from coalitionsim.model.area import Status
from coalitionsim.model.development import margin, revenue
from coalitionsim.model.negotiation import Negotiation, Party

from helpers import set_money


def make(form: str = "framework_organic", *sets: str, seed: int = 1) -> AreaDevelopmentModel:
    return AreaDevelopmentModel(load_scenario(None, list(sets)), form=form, seed=seed)


class FixedRandom:
    """Stand-in for a random stream so that a chance rule takes a known branch."""

    def __init__(self, value: float):
        self.value = value

    def random(self, size=None):
        return self.value if size is None else np.full(size, self.value)


class FixedStreams:
    """Stand-in for ``model.streams``: every process and every keyed stream draws ``value``."""

    def __init__(self, value: float):
        self.value = value

    def __getitem__(self, process):
        return FixedRandom(self.value)

    def keyed(self, process, *key):
        return FixedRandom(self.value)


def set_resources(m, group, per_household: float) -> None:
    set_money(m, group, per_household * group.households)


ENERGY = 3  # the index of the reference area's energy system, the task residents are asked to pay for


def developers(m) -> list[Developer]:
    return [o for o in m.owners if isinstance(o, Developer)]


def landowners(m) -> list[Landowner]:
    return [o for o in m.owners if isinstance(o, Landowner)]


def developer_plot(m, subarea: str | None = None):
    for p in m.area.plots:
        if isinstance(p.owner, Developer) and (subarea is None or p.subarea == subarea):
            return p
    raise AssertionError("no developer plot in this model")


def coop_developer(m) -> Developer:
    return next(d for d in developers(m) if not d.holdout)


def holdout_developer(m) -> Developer:
    return next(d for d in developers(m) if d.holdout)


def two_party(m, owner, premium: float, *, stick: bool, needs_capacity: bool = True,
              municipal_land: float = 10.0, owner_land: float = 1.0) -> Negotiation:
    """A negotiation between the (signed) municipality and one owner; land weights set the pivot."""
    parties = [Party(m.municipality, municipal_land, 0.0, signed=True), Party(owner, owner_land, premium)]
    return Negotiation(m, "test", parties, stick=stick, needs_capacity=needs_capacity)


# one round per quarter when a single party is open: the unit tests count rounds
ONE_TALK = "municipality.talks_per_quarter=1"


# =================================================================== negotiation


def test_party_signs_only_within_mandate():
    m = make("framework_organic", ONE_TALK)
    dev = coop_developer(m)
    set_money(m, dev, 1e6)
    dev.trust = 0.5
    mandate = m.scenario.municipality.mandate
    results = []
    for premium in (0.0, 0.03, 0.06, 0.1, 0.3, 1.0, 3.0):
        neg = two_party(m, dev, premium, stick=True)
        neg.step()
        party = neg.parties[1]
        assert party.premium < premium or premium == 0  # a co-operative party concedes
        assert party.signed == (party.premium <= mandate + 1e-12), (premium, party.premium)
        results.append(party.signed)
    assert any(results) and not all(results)  # both branches were exercised


def test_wider_mandate_signs_sooner():
    def rounds_to_sign(mandate):
        m = make("framework_organic", ONE_TALK, f"municipality.mandate={mandate}")
        dev = coop_developer(m)
        set_money(m, dev, 1e6)
        dev.trust = 0.5
        neg = two_party(m, dev, 1.0, stick=True)
        for _ in range(200):
            neg.step()
            if neg.done:
                return neg.rounds
        return 999

    assert rounds_to_sign(0.2) < rounds_to_sign(0.02)


def test_party_that_cannot_carry_its_part_does_not_sign():
    m = make("framework_organic", ONE_TALK)
    dev = coop_developer(m)
    set_money(m, dev, 0.0)
    assert not dev.can_sign()
    neg = two_party(m, dev, 0.0, stick=True)
    for _ in range(3):
        neg.step()
    assert not neg.parties[1].signed and not neg.done
    # the same party with the means signs at once
    set_money(m, dev, 1e6)
    assert dev.can_sign()
    neg.step()
    assert neg.parties[1].signed and neg.done


def test_capacity_is_not_required_when_the_deal_asks_none():
    m = make("framework_organic", ONE_TALK)
    dev = coop_developer(m)
    set_money(m, dev, 0.0)
    neg = two_party(m, dev, 0.0, stick=True, needs_capacity=False)
    neg.step()
    assert neg.done


def test_pivotal_holdout_raises_its_premium_without_a_stick():
    m = make("framework_organic", ONE_TALK)
    dev = holdout_developer(m)
    neg = two_party(m, dev, 0.5, stick=False)  # 10 of 11 land units signed: pivotal
    assert neg.signed_share() >= 0.5
    premiums = [0.5]
    for _ in range(4):
        neg.step()
        premiums.append(neg.parties[1].premium)
    assert all(b > a for a, b in zip(premiums, premiums[1:])), premiums
    assert not neg.parties[1].signed


def test_pivotal_holdout_concedes_with_a_stick():
    m = make("framework_organic", ONE_TALK)
    dev = holdout_developer(m)
    neg = two_party(m, dev, 0.5, stick=True)
    premiums = [0.5]
    for _ in range(4):
        neg.step()
        premiums.append(neg.parties[1].premium)
    assert all(b < a for a, b in zip(premiums, premiums[1:])), premiums


def test_holdout_that_is_not_pivotal_concedes():
    m = make("framework_organic", ONE_TALK)
    dev = holdout_developer(m)
    neg = two_party(m, dev, 0.5, stick=False, municipal_land=1.0, owner_land=10.0)
    assert neg.signed_share() < 0.5
    neg.step()
    assert neg.parties[1].premium < 0.5


def test_holdout_concedes_slower_than_a_cooperative_owner():
    m = make("framework_organic", ONE_TALK)
    coop, hold = coop_developer(m), holdout_developer(m)
    coop.trust = hold.trust = 0.5
    a = two_party(m, coop, 0.5, stick=True)
    b = two_party(m, hold, 0.5, stick=True)
    a.step()
    b.step()
    assert a.parties[1].premium < b.parties[1].premium < 0.5


def test_more_trust_concedes_faster():
    m = make("framework_organic", ONE_TALK)
    dev = coop_developer(m)
    dev.trust = 0.9
    trusting = two_party(m, dev, 0.5, stick=True)
    trusting.step()
    dev.trust = 0.1
    wary = two_party(m, dev, 0.5, stick=True)
    wary.step()
    assert trusting.parties[1].premium < wary.parties[1].premium


def test_stick_follows_the_instruments():
    # kostenverhaal binds whoever gets a permit; it forces no one into an agreement (NOVEX L1338-1342)
    assert not make("sok").stick_against_holdout()
    assert make("sok").scenario.instruments.kostenverhaal
    assert make("sok", "instruments.expropriation=true").stick_against_holdout()
    assert make("sok").governance.deal.stick is False
    assert make("sok", "instruments.expropriation=true").governance.deal.stick is True


def test_escalation_cuts_the_knot_and_excludes_non_signers():
    m = make("framework_organic", ONE_TALK, "instruments.escalation_rounds=2",
             "instruments.steering_group_cut_probability=1")
    m.streams = FixedStreams(0.0)
    dev = holdout_developer(m)
    trust_before = dev.trust
    neg = two_party(m, dev, 0.5, stick=False)  # the hold-out never signs by itself
    neg.step()
    assert not neg.done and neg.escalations == 0
    neg.step()  # second round: escalation, the steering group goes on without it
    assert neg.escalations == 1
    assert neg.done
    assert neg.parties[1].excluded and not neg.parties[1].signed
    assert dev not in neg.members and m.municipality in neg.members
    assert dev.trust < trust_before


def test_escalation_without_a_cut_keeps_everyone_at_the_table():
    m = make("framework_organic", ONE_TALK, "instruments.escalation_rounds=2",
             "instruments.steering_group_cut_probability=0")
    m.streams = FixedStreams(0.0)
    neg = two_party(m, holdout_developer(m), 0.5, stick=False)
    for _ in range(6):
        neg.step()
    assert neg.escalations == 3
    assert not neg.done and not neg.parties[1].excluded


def test_steering_group_does_not_cut_when_most_land_has_not_signed():
    m = make("framework_organic", ONE_TALK, "instruments.escalation_rounds=1",
             "instruments.steering_group_cut_probability=1")
    m.streams = FixedStreams(0.0)
    neg = two_party(m, holdout_developer(m), 5.0, stick=False, municipal_land=1.0, owner_land=10.0)
    for _ in range(3):
        neg.step()
    assert neg.escalations == 3
    assert not neg.done and not neg.parties[1].excluded


def test_the_steering_group_never_binds_an_owner_who_did_not_sign():
    # an SOK is a private-law contract: the steering group lets the signatories go on without the hold-outs,
    # who become non-signers; it never marks a party signed (design principle 7; NOVEX L1084-1088)
    m = make("sok", "instruments.escalation_rounds=15", "instruments.steering_group_cut_probability=1",
             "instruments.kostenverhaal=false", "ownership.passive_land_share=0", "ownership.corporation_land_share=0",
             "ownership.developers.0.equity=1000", "ownership.developers.1.equity=1000",
             "ownership.developers.2.equity=1000", "ownership.developers.3.equity=1000",
             "ownership.developers.4.equity=1000", "residents.objection_propensity=0",
             "instruments.review_after_quarters=400")
    credibility = m.municipality.steering_credibility
    signed_by_talks = {}
    for _ in range(60):
        before = {id(p): p.signed for p in m.governance.deal.parties}
        m.step()
        for p in m.governance.deal.parties:
            if p.signed and not before[id(p)]:
                signed_by_talks[id(p)] = True
        if m.governance.closed:
            break
    assert m.governance.closed, "the steering group never decided"
    deal = m.governance.deal
    outside = [p for p in deal.parties if p.excluded]
    assert outside and all(not p.signed for p in outside)  # let go, never marked signed
    assert set(deal.non_signers) == {p.owner for p in outside}
    assert any(e.kind == "escalation" and "the steering group decides" in e.text for e in m.events)
    assert not any("binds" in e.text for e in m.events if e.kind == "escalation")
    assert m.municipality.steering_credibility < credibility  # a decision spends credibility
    for plot in m.area.plots:
        if plot.owner in deal.non_signers:
            assert not plot.in_agreement and not plot.contract_contributions and plot.pool is None
        elif isinstance(plot.owner, Developer):
            assert plot.in_agreement and plot.contract_contributions


def test_the_steering_group_lets_go_of_every_party_that_has_not_signed():
    m = make("framework_organic", "municipality.talks_per_quarter=2", "instruments.escalation_rounds=1",
             "instruments.steering_group_cut_probability=1")
    m.streams = FixedStreams(0.0)
    rich, poor = [d for d in developers(m) if d.holdout][:2]
    set_money(m, rich, 1e6)
    set_money(m, poor, 0.0)
    parties = [Party(m.municipality, 10.0, 0.0, signed=True), Party(rich, 1.0, 5.0), Party(poor, 1.0, 5.0)]
    neg = Negotiation(m, "test", parties, stick=False)
    neg.step()
    # whether or not it could carry its part, a party that did not sign is not bound
    assert neg.done and neg.parties[1].excluded and neg.parties[2].excluded
    assert not neg.parties[1].signed and not neg.parties[2].signed
    assert neg.non_signers == [rich, poor]


@pytest.mark.parametrize("director", [False, True])
def test_process_director_doubles_rounds_per_quarter(director):
    m = make("framework_organic", "municipality.talks_per_quarter=3",
             f"instruments.process_director={'true' if director else 'false'}", "instruments.escalation_rounds=100")
    devs = developers(m)[:3]
    for d in devs:
        set_money(m, d, 1e6)
    parties = [Party(m.municipality, 1.0, 0.0, signed=True)] + [Party(d, 1.0, 50.0) for d in devs]
    neg = Negotiation(m, "test", parties, stick=True)
    for _ in range(4):
        neg.step()
    assert not neg.done
    assert neg.rounds == (8 if director else 4)


def test_more_open_parties_mean_slower_rounds():
    m = make("framework_organic", "municipality.talks_per_quarter=4", "instruments.escalation_rounds=100")
    devs = developers(m)[:4]
    few = Negotiation(m, "few", [Party(m.municipality, 1.0, 0.0, signed=True), Party(devs[0], 1.0, 50.0)], stick=True)
    many = Negotiation(m, "many", [Party(m.municipality, 1.0, 0.0, signed=True)] + [Party(d, 1.0, 50.0) for d in devs],
                       stick=True)
    for _ in range(4):
        few.step()
        many.step()
    assert few.rounds > many.rounds


# =================================================================== business case


def test_social_share_lowers_revenue_and_margin():
    m = make()
    plot = developer_plot(m)
    owner = plot.owner
    plot.social_share, plot.mid_share = 0.0, 0.2
    rev0, margin0 = revenue(m, plot), margin(m, plot, owner)
    plot.social_share = 0.5
    rev1, margin1 = revenue(m, plot), margin(m, plot, owner)
    assert rev1 < rev0
    assert margin1 < margin0 - 0.05  # 50% social rent costs far more than a few points of margin


def test_value_uplift_raises_revenue_by_its_factor():
    m = make()
    plot = developer_plot(m, "Zuid")
    owner = plot.owner
    rev0, margin0 = revenue(m, plot), margin(m, plot, owner)
    tasks = [t for t in m.area.tasks if t.benefits(plot) and t.spec.uplift > 0]
    assert tasks
    for t in tasks:
        t.delivered_step = 0
    uplift = sum(t.spec.uplift for t in tasks)
    assert revenue(m, plot) == pytest.approx(rev0 * (1 + uplift))
    assert margin(m, plot, owner) > margin0
    other = next(p for p in m.area.plots if p.subarea == "Noord")
    gate_task = next(t for t in m.area.tasks if t.spec.gate)
    assert not gate_task.benefits(other)  # the Zuid access road does not lift Noord


def test_contract_contributions_due_at_permit_are_the_fair_share():
    m = make()
    c = m.contributions
    plot = developer_plot(m)
    plot.contract_contributions = True
    fair = c.one_off_fair_share(plot)
    assert fair > 0
    assert c.due_at_permit(plot, plot.owner) == pytest.approx(fair)
    c.one_off_paid[plot.plot_id] = 0.25 * fair  # instalments already paid count
    assert c.due_at_permit(plot, plot.owner) == pytest.approx(0.75 * fair)
    plot.step_permit = 3
    assert c.due_at_permit(plot, plot.owner) == 0.0


def test_fair_shares_split_each_task_over_its_beneficiaries():
    m = make()
    c = m.contributions
    for t in m.area.tasks:
        shares = [c.share(p, t) for p in m.area.plots]
        assert sum(shares) == pytest.approx(1.0)
        assert all(s == 0 for p, s in zip(m.area.plots, shares) if not t.benefits(p))


def test_kostenverhaal_is_levied_only_on_developing_owners():
    m = make()
    c = m.contributions
    ins = m.scenario.instruments
    plot = developer_plot(m)
    assert not plot.contract_contributions
    expected = plot.homes * (ins.kostenverhaal_per_home + ins.fonds_bovenwijks_per_home) + plot.nonres_m2 * ins.kostenverhaal_per_m2
    assert expected > 0
    assert c.due_at_permit(plot, plot.owner) == pytest.approx(expected)
    passive = next(p for p in m.area.plots if isinstance(p.owner, Landowner))
    assert c.due_at_permit(passive, passive.owner) == 0.0
    mun = next(p for p in m.area.plots if p.owner is m.municipality)
    assert c.due_at_permit(mun, m.municipality) == 0.0


def test_no_kostenverhaal_when_disabled():
    m = make("framework_organic", "instruments.kostenverhaal=false")
    plot = developer_plot(m)
    assert m.contributions.due_at_permit(plot, plot.owner) == 0.0
    plot.contract_contributions = True  # a contract still binds
    assert m.contributions.due_at_permit(plot, plot.owner) > 0


def test_contributions_due_lower_the_margin():
    m = make("framework_organic", "instruments.kostenverhaal=false")
    plot = developer_plot(m)
    free = margin(m, plot, plot.owner)
    plot.contract_contributions = True
    assert margin(m, plot, plot.owner) < free


def test_paying_at_permit_books_the_levy():
    m = make()
    c = m.contributions
    plot = developer_plot(m)
    due = c.due_at_permit(plot, plot.owner)
    municipality_before, owner_before = m.municipality.balance, plot.owner.balance
    assert c.pay_at_permit(plot)
    assert c.paid_by_plot[plot.plot_id] == pytest.approx(due)
    assert c.private_paid == pytest.approx(due)
    assert c.public_paid == 0.0
    # kostenverhaal recovers public works: the money leaves the owner's account and goes back to the
    # municipality that pre-finances them
    assert m.municipality.balance - municipality_before == pytest.approx(due)
    assert owner_before - plot.owner.balance == pytest.approx(due)
    assert m.ledger.received(m.municipality.account, ("kostenverhaal",)) == pytest.approx(due)


def test_an_owner_that_cannot_pay_at_permit_waits():
    m = make()
    c = m.contributions
    plot = developer_plot(m)
    set_money(m, plot.owner, 0.0)
    assert c.due_at_permit(plot, plot.owner) > 0
    assert not c.pay_at_permit(plot)  # refused: its account would go below its floor
    assert c.paid_by_plot[plot.plot_id] == 0.0 and plot.owner.balance == 0.0


# =================================================================== permits


def permit_quarter(m, plot, *, freeze_until: int = 0, max_quarters: int = 40) -> int | None:
    """Apply for a permit at quarter 0 on an empty desk; the quarter it is granted."""
    m.municipality.queue.clear()
    plot.status = Status.AGREED
    m.apply_for_permit(plot)
    for q in range(1, max_quarters + 1):
        m.steps = q
        m.market.permit_freeze = q < freeze_until
        m.municipality.process_work()
        if plot.step_permit is not None:
            return plot.step_permit
    return None


def test_permit_waits_for_permit_min_quarters():
    m = make("framework_organic", "residents.objection_propensity=0", "municipality.staff_capacity=50",
             "municipality.permit_min_quarters=5")
    plot = developer_plot(m)
    assert permit_quarter(m, plot) == 5
    assert plot.status == Status.PERMITTED and plot.step_permit_application == 0


def test_permit_waits_for_staff_capacity():
    fast = make("framework_organic", "residents.objection_propensity=0", "municipality.staff_capacity=50",
                "municipality.permit_workload=4", "municipality.permit_min_quarters=1")
    slow = make("framework_organic", "residents.objection_propensity=0", "municipality.staff_capacity=0.5",
                "municipality.permit_workload=4", "municipality.permit_min_quarters=1")
    assert permit_quarter(fast, developer_plot(fast)) == 1
    assert permit_quarter(slow, developer_plot(slow)) == 8  # 4 units of work at 0.5 per quarter


def test_staff_work_first_in_first_out():
    m = make("framework_organic", "residents.objection_propensity=0", "municipality.staff_capacity=2",
             "municipality.permit_workload=2", "municipality.permit_min_quarters=1")
    m.municipality.queue.clear()
    plots = [p for p in m.area.plots if isinstance(p.owner, Developer)][:3]
    for p in plots:
        p.status = Status.AGREED
        m.apply_for_permit(p)
    for q in range(1, 6):
        m.steps = q
        m.municipality.process_work()
    assert [p.step_permit for p in plots] == [1, 2, 3]


def test_rijk_expert_capacity_raises_throughput():
    m = make("framework_organic", "municipality.staff_capacity=2", "rijk.expert_capacity=3", "rijk.expert_quarters=4")
    m.steps = 1
    assert m.municipality.capacity == pytest.approx(5)
    m.steps = 4
    assert m.municipality.capacity == pytest.approx(2)


def test_permit_freeze_blocks_permits():
    m = make("framework_organic", "residents.objection_propensity=0", "municipality.staff_capacity=50")
    plot = developer_plot(m)
    granted = permit_quarter(m, plot, freeze_until=10)
    assert granted == 10  # ready after 2 quarters, held until the freeze ends
    assert plot.step_permit == 10


def test_permit_freeze_shock_in_a_run():
    sc = load_scenario(None, ["simulation.horizon_quarters=40", "market.shocks=[{kind='permit_freeze', quarter=0, duration=30}]"])
    m = AreaDevelopmentModel(sc, "framework_organic", seed=2).run()
    permits = [p.step_permit for p in m.area.plots if p.step_permit is not None]
    assert all(s >= 30 for s in permits), sorted(permits)
    assert permits, "permits should follow once the freeze ends"
    assert all(p.step_completion >= 30 + m.construction_quarters(p) for p in m.area.plots if p.step_completion is not None)


def test_objections_delay_a_permit():
    def granted(objecting: bool):
        m = make("framework_organic", "residents.objection_propensity=1", "municipality.staff_capacity=50")
        plot = developer_plot(m)
        for r in m.residents:
            r.draagvlak, r.trust = (0.0, 0.0) if objecting else (1.0, 1.0)
        before = m.objections
        q = permit_quarter(m, plot)
        return q, plot.permit_delay, m.objections - before

    q_calm, delay_calm, n_calm = granted(False)
    q_angry, delay_angry, n_angry = granted(True)
    assert n_calm == 0 and delay_calm == 0
    assert n_angry > 0 and delay_angry >= 1
    assert q_angry == q_calm + delay_angry


# =================================================================== construction: gates and absorption


def test_gate_blocks_completion_until_the_gating_task_is_delivered():
    m = make()
    gate = next(t for t in m.area.tasks if t.spec.gate)
    gated = developer_plot(m, next(iter(gate.beneficiary_subareas)))
    free = next(p for p in m.area.plots if isinstance(p.owner, Developer) and not gate.benefits(p))
    for p in (gated, free):
        p.status = Status.CONSTRUCTION
        p.construction_remaining = 1
    m.steps = 5
    m.progress_construction()
    assert free.status == Status.COMPLETED and free.step_completion == 5
    assert gated.status == Status.CONSTRUCTION and gated.step_completion is None
    m.steps = 6
    m.progress_construction()
    assert gated.status == Status.CONSTRUCTION
    gate.delivered_step = 6
    m.steps = 7
    m.progress_construction()
    assert gated.status == Status.COMPLETED and gated.step_completion == 7


@pytest.mark.parametrize("form", ["sok", "framework_organic", "tender"])
def test_no_completion_before_the_gate_in_a_run(form):
    # the gate binds only when a plot could finish before its access is delivered: a 2-quarter build
    # against a 32-quarter delivery of the gating task (task 0 of the reference area; at the defaults both
    # take 8 quarters and a plot never starts before the gate is funded, so the gate could never bind)
    sets = ["simulation.horizon_quarters=72", "instruments.construction_quarters=2", "tasks.0.delivery_quarters=32"]
    m = AreaDevelopmentModel(load_scenario(None, sets), form, seed=1).run()
    gate = next(t for t in m.area.tasks if t.spec.gate)
    assert gate is m.area.tasks[0] and gate.delivered_step is not None
    gated = [p for p in m.area.plots if gate.benefits(p) and p.step_completion is not None]
    assert gated, "no home completed in the gated sub-area: the test shows nothing"
    assert all(p.step_completion >= gate.delivered_step for p in gated)
    # and it did bind: some plot had finished building and waited for the gate
    waited = [p for p in gated if p.step_construction_start + 2 < gate.delivered_step]
    assert waited, [(p.step_construction_start, p.step_completion, gate.delivered_step) for p in gated]


def test_absorption_limits_sales_per_quarter_in_a_run():
    m = AreaDevelopmentModel(load_scenario(None, ["simulation.horizon_quarters=60", "market.absorption_per_quarter=30"]),
                             "framework_organic", seed=3)
    caps, sell = [], m.sell_homes

    def spy() -> None:  # the capacity when the buyers come (programming funds change it later in the quarter)
        caps.append(m.absorption_capacity())
        sell()

    m.sell_homes = spy
    for _ in range(60):
        m.step()
        sold = sum(p.sales_last for p in m.area.plots)
        assert sold == m.absorbed_step <= caps[-1] + 1e-9
    assert m.area.plots and sum(p.sold for p in m.area.plots) > 0
    starts = [p for p in m.area.plots if p.step_construction_start is not None]
    assert len(starts) >= 3


# =================================================================== BIZ / GIZ votes


def biz_model(*sets):
    m = make("framework_organic", "instruments.biz=true", *sets)
    voters = landowners(m)
    assert len(voters) == 4 and all(len(m.area.plots_of(o)) >= 1 for o in voters)
    for o in voters:
        for p in m.area.plots_of(o):
            p.existing_use_value = 1.0 / len(m.area.plots_of(o))  # equal property value
    return m, voters


def favour(o):
    o.draagvlak, o.belief = 1.0, 1.0


def vote(m, voters, label: str = "BIZ") -> bool:
    """The BIZ (or GIZ) vote among these owners, each weighted by the inbrengwaarde of its plots."""
    return m.contributions._vote({o: sum(p.existing_use_value for p in m.area.plots_of(o)) for o in voters}, label)


def against(o):
    o.draagvlak, o.belief = 0.0, 0.0


def test_biz_passes_with_turnout_two_thirds_and_value():
    m, voters = biz_model()
    m.streams = FixedStreams(0.0)  # everybody casts a vote
    for o in voters[:3]:
        favour(o)
    against(voters[3])
    assert vote(m, voters)


def test_biz_fails_without_two_thirds_in_favour():
    m, voters = biz_model()
    m.streams = FixedStreams(0.0)
    for o in voters[:2]:
        favour(o)
    for o in voters[2:]:
        against(o)
    assert not vote(m, voters)


def test_biz_fails_when_opponents_hold_more_property_value():
    m, voters = biz_model()
    m.streams = FixedStreams(0.0)
    for o in voters[:3]:
        favour(o)
    against(voters[3])
    for p in m.area.plots_of(voters[3]):
        p.existing_use_value = 10.0
    assert not vote(m, voters)


def test_biz_needs_half_of_the_voters_to_turn_out():
    m, voters = biz_model()
    m.streams = FixedStreams(0.95)  # only owners with full support (0.4 + 0.6 x 1.0 > 0.95) cast a vote
    for o in voters:
        o.draagvlak, o.belief = 0.5, 0.5  # would vote in favour, but stay home
    favour(voters[0])
    assert not vote(m, voters)  # 1 of 4 turn out: no quorum
    favour(voters[1])
    assert vote(m, voters)  # 2 of 4: quorum, unanimous


def test_owners_who_sold_their_land_have_no_vote():
    # an owner without land in the zone is no longer a BIZ voter: it neither counts in the turnout nor in
    # the two thirds in favour (before, two former owners against blocked the two owners left)
    m, voters = biz_model()
    m.streams = FixedStreams(0.0)
    for o in voters[2:]:
        favour(o)
    for o in voters[:2]:
        against(o)
        for p in m.area.plots_of(o):
            m.area.set_owner(p, m.municipality)
    assert vote(m, voters)  # the two owners left vote unanimously
    for o in voters[2:]:
        for p in m.area.plots_of(o):
            m.area.set_owner(p, m.municipality)
    assert not vote(m, voters)  # nobody left to vote


def test_biz_voters_are_the_owners_of_non_residential_property():
    # a BIZ is for non-residential property (003 L2453–2454, L1581): whoever holds a plot whose premises
    # are still in use votes, weighted by what it holds there, a developer that bought one included; a plot
    # in housing use, or one whose construction started, gives no vote (before: passive owners only)
    m, landowners_ = biz_model("subareas.0.existing_use=housing")
    c = m.contributions
    housing = m.scenario.subareas[0].name
    value = c._property_value(c.in_biz_zone)
    bought = next(p for o in landowners_ for p in m.area.plots_of(o) if p.subarea != housing)
    dev = developers(m)[0]
    m.area.set_owner(bought, dev)
    after = c._property_value(c.in_biz_zone)
    assert dev in after and after[dev] >= bought.existing_use_value
    assert m.municipality not in value
    expected = {o: sum(p.existing_use_value for p in m.area.plots_of(o) if p.subarea != housing)
                for o in m.owners if o is not m.municipality}
    assert after == {o: v for o, v in expected.items() if any(p.subarea != housing for p in m.area.plots_of(o))}
    bought.status = Status.CONSTRUCTION  # the premises make way for the homes
    assert c._property_value(c.in_biz_zone).get(dev, 0.0) == pytest.approx(after[dev] - bought.existing_use_value)


def test_adopted_biz_binds_non_residential_property_for_its_term():
    m, _ = biz_model("subareas.0.existing_use=housing")
    c = m.contributions
    m.streams = FixedStreams(0.0)
    for o in c._property_value(c.in_biz_zone):
        favour(o)
    m.steps = 3
    c._votes()
    term = m.scenario.instruments.biz_term_quarters
    assert c.biz_until == 3 + term
    housing = m.scenario.subareas[0].name
    lo_plot = next(p for o in landowners(m) for p in m.area.plots_of(o) if p.subarea != housing)
    dev_plot = next(p for p in m.area.plots if isinstance(p.owner, Developer) and p.subarea != housing)
    home_plot = next(p for p in m.area.plots if isinstance(p.owner, Developer) and p.subarea == housing)
    assert c.enforced(lo_plot) and c.enforced(dev_plot)  # a developer's plot in business use pays too
    assert not c.enforced(home_plot)  # housing is outside a BIZ
    dev_plot.status = Status.CONSTRUCTION
    assert not c.enforced(dev_plot)  # once its premises make way for homes
    m.steps = 3 + term
    assert not c.enforced(lo_plot)


def test_rejected_biz_is_tried_again_later():
    m, voters = biz_model()
    m.streams = FixedStreams(0.0)
    for o in voters:
        against(o)
    term = m.scenario.instruments.biz_term_quarters
    vote_quarters = []
    for q in range(2, 2 + term + 1):
        m.steps = q
        before = len([e for e in m.events if e[1] == "vote"])
        m.contributions._votes()
        if len([e for e in m.events if e[1] == "vote"]) > before:
            vote_quarters.append(q)
    # rejected at quarter 2; the proposal comes back after half a term, not every quarter
    assert vote_quarters[:2] == [2, 2 + term // 2]
    assert all(b - a == term // 2 for a, b in zip(vote_quarters, vote_quarters[1:]))


@pytest.mark.parametrize("instrument", ["biz", "giz"])
def test_rejected_vote_binds_nobody(instrument):
    m = make("framework_organic", f"instruments.{instrument}=true")
    voters = [o for o in m.owners if o is not m.municipality]
    m.streams = FixedStreams(0.0)
    for o in voters:
        against(o)
    m.steps = 2
    m.contributions._votes()
    assert not vote(m, voters, instrument.upper())  # the vote is indeed rejected
    lo_plot = next(p for p in m.area.plots if isinstance(p.owner, Landowner))
    dev_plot = developer_plot(m)
    assert not m.contributions.enforced(lo_plot)
    assert not m.contributions.enforced(dev_plot)


# =================================================================== enforced or voluntary


def test_enforced_or_voluntary_classification():
    m = make("framework_organic", "instruments.kettingbeding=false")
    c = m.contributions
    dev_plot = developer_plot(m)
    lo_plot = next(p for p in m.area.plots if isinstance(p.owner, Landowner))
    corp_plot = next(p for p in m.area.plots if isinstance(p.owner, Corporation))
    mun_plot = next(p for p in m.area.plots if p.owner is m.municipality)
    m.steps = 1
    assert c.enforced(mun_plot)  # the municipality pays the share of its own land
    assert not c.enforced(dev_plot) and not c.enforced(lo_plot) and not c.enforced(corp_plot)

    dev_plot.contract_contributions = True
    dev_plot.status = Status.PERMITTED
    assert c.enforced(dev_plot)  # contract binds while the plot develops
    dev_plot.status = Status.COMPLETED
    assert not c.enforced(dev_plot)  # ... and not after completion without kettingbeding

    c.giz_until = 5  # a GIZ binds everyone
    assert c.enforced(dev_plot) and c.enforced(lo_plot) and c.enforced(corp_plot)
    c.giz_until = -1
    c.biz_until = 5  # a BIZ binds the non-residential property whose premises are in use, whoever owns it
    corp_plot.status = Status.PERMITTED
    assert c.enforced(lo_plot) and c.enforced(corp_plot)
    assert not c.enforced(dev_plot)  # completed: homes replaced the premises


def test_kettingbeding_binds_after_completion():
    m = make("framework_organic", "instruments.kettingbeding=true")
    plot = developer_plot(m)
    plot.contract_contributions = True
    plot.status = Status.COMPLETED
    assert m.contributions.enforced(plot)
    plot.contract_contributions = False  # kettingbeding follows a contract; without one nothing binds
    assert not m.contributions.enforced(plot)


# =================================================================== conditional co-operation


def test_free_riders_pay_nothing_voluntarily():
    m = make()
    dev = coop_developer(m)
    dev.free_rider = True
    for belief in (0.0, 0.5, 1.0):
        dev.belief = belief
        assert dev.voluntary_rate() == 0.0


def test_cooperators_follow_their_belief():
    m = make()
    dev = coop_developer(m)
    dev.free_rider, dev.trust = False, 0.5
    slope = m.scenario.behaviour.conditional_slope
    rates = []
    for belief in (0.0, 0.25, 0.5, 0.75):
        dev.belief = belief
        rates.append(dev.voluntary_rate())
        assert dev.voluntary_rate() == pytest.approx(min(1.0, slope * belief))
    assert rates == sorted(rates) and rates[0] < rates[-1]
    dev.observe_contributions(0.0)  # seeing nobody pay lowers the belief
    assert dev.belief < 0.75
    low = dev.belief
    dev.observe_contributions(1.0)
    assert dev.belief > low


def test_exact_free_rider_share_is_assigned():
    for share in (0.0, 0.3, 1.0):
        m = make("framework_organic", f"behaviour.free_rider_share={share}")
        private = [o for o in m.owners if o is not m.municipality]
        assert sum(o.free_rider for o in private) == round(share * len(private))
        assert not m.municipality.free_rider


def test_quarterly_round_free_rider_plots_pay_nothing():
    m = make("framework_organic", "instruments.kostenverhaal=false", "behaviour.free_rider_share=0")
    c = m.contributions
    rider, cooperator = developers(m)[:2]
    rider.free_rider = True
    cooperator.free_rider, cooperator.belief, cooperator.trust = False, 1.0, 0.5
    m.steps = 1
    c.quarterly_round()
    assert c.voluntary_asked > 0
    for p in m.area.plots_of(rider):
        assert c.paid_by_plot[p.plot_id] == 0.0
    for p in m.area.plots_of(cooperator):
        assert c.paid_by_plot[p.plot_id] > 0.0
    for p in m.area.plots:
        if p.owner is m.municipality:
            assert c.paid_by_plot[p.plot_id] > 0.0  # enforced: the municipality pays its share
    assert 0 < c.voluntary_contribution_rate < 1


# =================================================================== Rijk


def test_rijk_releases_tranches_on_schedule():
    m = make("framework_organic", "rijk.gebiedsbudget=100", "rijk.tranches=4", "rijk.tranche_interval_quarters=4")
    released = {}
    for q in range(1, 25):
        m.steps = q
        m.rijk.budget_round()
        released[q] = m.rijk.released
    assert released[3] == 0
    assert released[4] == pytest.approx(25)
    assert released[7] == pytest.approx(25)
    assert released[8] == pytest.approx(50)
    assert released[16] == pytest.approx(100)
    assert released[24] == pytest.approx(100)  # never more than the gebiedsbudget
    assert m.rijk.pot == pytest.approx(100)


def test_rijk_cofunds_public_spending_only():
    m = make("framework_organic", "rijk.gebiedsbudget=20", "rijk.tranches=1", "rijk.cofunding_share=0.5")
    m.steps = 4
    m.rijk.budget_round()
    mun = m.municipality
    balance = mun.balance
    assert mun.spend(10, "public_works")
    # the Rijk pays its half into the municipality's account, which pays the builders in full
    assert mun.balance == pytest.approx(balance - 5)
    assert m.rijk.paid == pytest.approx(5) and m.rijk.pot == pytest.approx(15)
    group = m.residents[0]
    assert mun.spend(10, "compensation", payee=group.account, cofunded=False)  # not co-funded
    assert mun.balance == pytest.approx(balance - 15) and m.rijk.paid == pytest.approx(5)
    assert mun.spend(40, "land_sale")
    assert mun.balance == pytest.approx(balance - 15 - 25)  # the pot (15) runs out before half of 40
    assert m.rijk.pot == pytest.approx(0) and m.rijk.paid == pytest.approx(20)
    assert mun.spend(10, "public_works") and mun.balance == pytest.approx(balance - 50)


def test_no_rijk_money_without_a_gebiedsbudget():
    m = make("framework_organic", "rijk.gebiedsbudget=0")
    for q in range(1, 10):
        m.steps = q
        m.rijk.budget_round()
    balance = m.municipality.balance
    assert m.rijk.released == 0 and m.municipality.spend(10, "public_works")
    assert m.municipality.balance == pytest.approx(balance - 10) and m.rijk.paid == 0


def test_the_municipality_cannot_spend_beyond_its_area_budget():
    m = make("framework_organic", "municipality.budget=20", "rijk.gebiedsbudget=0")
    left = m.municipality.budget_left
    assert left == pytest.approx(20)  # the land's book value was financed before and does not count
    assert not m.municipality.spend(25, "public_works")  # refused: the action waits
    assert m.municipality.budget_left == pytest.approx(20)
    assert m.municipality.spend(20, "public_works") and m.municipality.budget_left == pytest.approx(0)


# =================================================================== the council cycle


def agreed_plots(m, n=4, route="agreement"):
    plots = [p for p in m.area.plots if isinstance(p.owner, Developer)][:n]
    for p in plots:
        p.in_agreement, p.in_plan, p.status, p.route = True, True, Status.AGREED, route
    return plots


def test_new_council_does_not_reopen_tender_awards():
    m = make("tender", "instruments.renegotiation_floor=false")
    plots = agreed_plots(m, route="tender")
    m.governance.council_change()
    # after award nobody can block, a new council included (design section 4)
    assert all(p.status == Status.AGREED for p in plots)
    assert not m.governance.reopened


def test_renegotiated_plots_carry_the_new_programme():
    m = make("sok", "instruments.renegotiation_floor=false")
    plots = agreed_plots(m)
    m.municipality.social_share_target = 0.45
    m.governance.council_change()
    neg, _ = m.governance.reopened[0]
    for party in neg.parties:
        party.signed = True
    neg._check_done()
    m.governance.step_reopened()
    assert all(p.social_share == pytest.approx(0.45) for p in plots)
    assert all(p.status == Status.AGREED for p in plots)


def test_new_council_reopens_agreements_without_a_floor():
    m = make("sok", "instruments.renegotiation_floor=false")
    plots = agreed_plots(m)
    permitted = [p for p in m.area.plots if isinstance(p.owner, Developer)][4]
    permitted.in_agreement, permitted.status = True, Status.PERMITTED
    trust = {p.owner: p.owner.trust for p in plots}
    m.governance.council_change()
    assert all(p.status == Status.HELD for p in plots)
    assert permitted.status == Status.PERMITTED  # a granted permit is not reopened
    assert len(m.governance.reopened) == 1
    assert all(o.trust < t for o, t in trust.items())


def test_renegotiation_floor_keeps_agreements():
    m = make("sok", "instruments.renegotiation_floor=true")
    plots = agreed_plots(m)
    m.governance.council_change()
    assert all(p.status == Status.AGREED for p in plots)
    assert not m.governance.reopened


@pytest.mark.parametrize(("probability", "reopens"), [(1.0, True), (0.0, False)])
def test_election_changes_ambitions_and_reopens(probability, reopens):
    m = make("sok", f"behaviour.ambition_change_probability={probability}", "instruments.renegotiation_floor=false")
    agreed_plots(m)
    m.election()
    assert bool(m.governance.reopened) == reopens


def test_reopened_plots_go_on_after_renegotiation():
    m = make("sok", "instruments.renegotiation_floor=false", ONE_TALK)
    plots = agreed_plots(m)
    for p in plots:
        set_money(m, p.owner, 1e6)
        p.owner.strategy = "cooperative"
    m.governance.deal.done = m.governance.closed = True  # the SOK was signed before the election
    m.governance.council_change()
    for q in range(1, 80):
        m.steps = q
        m.governance.talk()  # the renegotiation's rounds use the municipality's talks, as every negotiation
        m.governance.step_reopened()
        if not m.governance.reopened:
            break
    assert not m.governance.reopened, "the renegotiation never closed"
    assert all(p.status == Status.AGREED for p in plots)


def test_council_cycle_in_a_run():
    def council_reopens(floor):
        sc = load_scenario(None, ["simulation.horizon_quarters=48", "behaviour.ambition_change_probability=1",
                                  f"instruments.renegotiation_floor={'true' if floor else 'false'}"])
        m = AreaDevelopmentModel(sc, "sok", seed=5).run()
        return [e for e in m.events if e[1] == "council" and "reopens" in e[2]]

    assert council_reopens(False)
    assert not council_reopens(True)


# =================================================================== residents


def residents_pair(m):
    a, b = m.residents[0], m.residents[1]
    for r in m.residents:
        r.asks, r.ask_quarters_left, r.charging = {}, 0, set()
    return a, b


def ask_due(r, per_household: float) -> None:
    """Ask a group for the energy system as if that task were contracted, so that the ask falls due now."""
    r.model.area.tasks[ENERGY].delivery_started = 0
    r.receive_ask(ENERGY, per_household)
    r.charge_contracted()


def test_a_resident_ask_falls_due_only_when_its_task_is_contracted():
    m = make("framework_organic", "instruments.phasing_quarters=1", "residents.capacity_growth=0")
    r, _ = residents_pair(m)
    set_resources(m, r, 1.0)
    task = m.area.tasks[ENERGY]
    task.funds, task.resident_pending, task.delivery_started = 0.0, 0.0, None
    r.receive_ask(ENERGY, 0.01)
    task.resident_pending = 0.01 * r.households
    for q in range(1, 4):  # the task is far from funded: the group knows its ask but is not charged
        m.steps = q
        r.step()
        assert r.asked_now == 0.0 and r.paid == 0.0 and r.draagkracht == 1.0
    # the owners' part is in: the task is contracted and waits for the residents, whose ask now falls due
    task.funds = task.spec.cost - task.resident_pending
    m.steps = 4
    r.step()
    assert r.asked_now == pytest.approx(0.01)
    assert r.paid == pytest.approx(0.01 * r.households) and task.funds == pytest.approx(task.spec.cost)


def test_dubbel_toetsen_postpones_an_ask_a_group_cannot_carry():
    m = make("framework_organic", "instruments.dubbel_toetsen=true", "instruments.phasing_quarters=1",
             "residents.capacity_growth=0")
    poor, rich = residents_pair(m)
    set_resources(m, poor, 0.001)
    set_resources(m, rich, 1.0)
    for r in (poor, rich):
        ask_due(r, 0.01)
    poor.step()
    rich.step()
    assert poor.asked_now == 0.0 and poor.paid == 0.0
    assert poor.ask_remaining == pytest.approx(0.01) and poor.resources == pytest.approx(0.001)
    assert rich.paid == pytest.approx(0.01 * rich.households) and rich.ask_remaining == pytest.approx(0.0)
    # once it can carry the ask, it pays
    set_resources(m, poor, 0.02)
    poor.step()
    assert poor.ask_remaining == pytest.approx(0.0) and poor.paid > 0


def test_without_dubbel_toetsen_the_ask_stands():
    m = make("framework_organic", "instruments.dubbel_toetsen=false", "instruments.phasing_quarters=1",
             "residents.capacity_growth=0")
    poor, _ = residents_pair(m)
    set_resources(m, poor, 0.001)
    ask_due(poor, 0.01)
    poor.step()
    assert poor.asked_now == pytest.approx(0.01)
    assert poor.draagkracht < 1.0


def test_phasing_spreads_the_ask():
    m = make("framework_organic", "instruments.phasing_quarters=4", "residents.capacity_growth=0")
    r, _ = residents_pair(m)
    set_resources(m, r, 1.0)
    ask_due(r, 0.008)
    r.step()
    assert r.asked_now == pytest.approx(0.002)
    assert r.ask_remaining == pytest.approx(0.006)


def test_postponed_ask_does_not_push_a_group_out():
    m = make("framework_organic", "instruments.dubbel_toetsen=true", "instruments.phasing_quarters=1",
             "residents.capacity_growth=0")
    poor, _ = residents_pair(m)
    poor.draagvlak = 0.9
    set_resources(m, poor, 0.001)
    ask_due(poor, 0.01)
    for q in range(1, m.scenario.behaviour.dropout_quarters + 3):
        m.steps = q
        poor.step()
        m.trust_and_dropouts()
    assert not poor.dropped_out


def test_compensation_is_targeted_with_dubbel_toetsen():
    m = make("framework_organic", "instruments.dubbel_toetsen=true", "instruments.compensation_budget=10",
             "instruments.phasing_quarters=1")
    poor, rich = residents_pair(m)
    set_resources(m, poor, 0.002)
    set_resources(m, rich, 1.0)
    for r in (poor, rich):
        ask_due(r, 0.01)
    balance = m.municipality.balance
    m.compensate()
    assert poor.resources == pytest.approx(0.01)  # exactly its gap is filled
    assert rich.resources == pytest.approx(1.0)  # a group that can carry the ask gets nothing
    assert m.compensation_paid == pytest.approx(0.008 * poor.households)
    assert m.municipality.balance == pytest.approx(balance - m.compensation_paid)


def test_compensation_without_dubbel_toetsen_is_spread():
    m = make("framework_organic", "instruments.dubbel_toetsen=false", "instruments.compensation_budget=10",
             "instruments.phasing_quarters=1")
    poor, rich = residents_pair(m)
    set_resources(m, poor, 0.002)
    set_resources(m, rich, 1.0)
    for r in (poor, rich):
        ask_due(r, 0.01)
    m.compensate()
    assert rich.resources > 1.0  # money also goes to a group that did not need it
    assert poor.resources < 0.01  # ... and the group that did is not made whole


def test_compensation_never_exceeds_its_budget():
    m = make("framework_organic", "instruments.dubbel_toetsen=true", "instruments.compensation_budget=0.1")
    for r in m.residents:
        set_resources(m, r, 0.0)
        ask_due(r, 0.01)
    for q in range(1, 4):
        m.steps = q
        m.compensate()
    assert m.compensation_paid == pytest.approx(0.1)


def test_willing_unable_groups_drop_out_after_dropout_quarters():
    m = make("framework_organic", "instruments.phasing_quarters=1", "residents.capacity_growth=0",
             "behaviour.dropout_quarters=3")
    poor, _ = residents_pair(m)
    poor.draagvlak = 0.9
    set_resources(m, poor, 0.001)
    ask_due(poor, 0.01)
    for q in range(1, 3):
        m.steps = q
        poor.step()
        m.trust_and_dropouts()
        assert not poor.dropped_out
    neighbours = [r for r in m.residents if r.subarea == poor.subarea and r is not poor]
    trust = [r.trust for r in neighbours]
    m.steps = 3
    poor.step()
    m.trust_and_dropouts()
    assert poor.dropped_out and m.dropouts == 1 and m.households_dropped == poor.households
    assert all(r.trust < t for r, t in zip(neighbours, trust) if t > 0)
