"""Issue 26: the hold-out of land assembly under the tender (``model/assembly.py``, ``negotiation.py``).

Rule tests at values where each rule matters (each fails with its rule knocked out), and the behavioural
test the issue asks for over seeded replications, with its bounds from the measured effect and its spread.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pytest

from coalitionsim import AreaDevelopmentModel, load_scenario
from coalitionsim.model.acquisition import buy_after, voluntary_price
from coalitionsim.model.assembly import AssemblyPool
from coalitionsim.model.development import land_bid
from coalitionsim.model.land import TenderPool, transfer
from coalitionsim.model.negotiation import Negotiation, Party
from coalitionsim.runner import replication_seeds, run_model

from helpers import run_desk

SEEDS = tuple(replication_seeds(20261123, 8))


#: the reference's three sub-areas made one block each (not separable): there the assembly rules apply
ONE_BLOCK = tuple(f"subareas.{i}.separable=false" for i in range(3))


def model(form: str = "tender", *sets: str, scenario: str | None = None) -> AreaDevelopmentModel:
    return AreaDevelopmentModel(load_scenario(scenario, list(sets)), form=form, seed=1)


def owner_in_use(m):
    """An owner in existing use (those who may refuse to sell) and one of its plots."""
    plot = next(p for p in m.area.plots if p.owner is not m.municipality and not p.owner.developing
                and p.owner.group == "owners")
    return plot.owner, plot


def purchase_table(m, owner, municipal_land: float = 10.0) -> Negotiation:
    """A purchase talk in which the owner asks nothing above its share (it would sign at once)."""
    return Negotiation(m, "aankoop", [Party(m.municipality, municipal_land, 0.0, signed=True),
                                      Party(owner, 1.0, 0.0)], stick=False, needs_capacity=False, purchase=True)


# =================================================================== rule 1: a refuser does not sign a sale


@pytest.mark.parametrize("share", [0.0, 1.0])
def test_an_owner_who_refuses_to_sell_never_signs_at_the_purchase_table(share):
    m = model("tender", f"behaviour.refusal_share={share}", "instruments.escalation_rounds=100")
    owner, _ = owner_in_use(m)
    neg = purchase_table(m, owner)
    for _ in range(10):
        neg._round()
    assert neg.parties[1].signed is (share == 0.0)  # asking nothing, a seller signs in the first round
    assert neg.done is (share == 0.0)
    # at a table that is no purchase (an SOK) the same owner may sign: it sells nothing there
    sok = Negotiation(m, "SOK", [Party(m.municipality, 10.0, 0.0, signed=True), Party(owner, 1.0, 0.0)],
                      stick=False, needs_capacity=False)
    sok._round()
    assert sok.parties[1].signed


def test_the_municipality_breaks_off_a_purchase_whatever_land_it_holds_elsewhere():
    """A refuser with more land than the municipality holds (its 'signed share' < 0.5) is broken off at an
    escalation with the break-off chance, not talked to for ever."""
    m = model("tender", "behaviour.refusal_share=1.0", "instruments.escalation_rounds=1",
              "instruments.steering_group_cut_probability=1.0")
    owner, _ = owner_in_use(m)
    neg = purchase_table(m, owner, municipal_land=0.1)
    assert neg.signed_share() < 0.5
    neg._round()
    assert neg.done and neg.non_signers == [owner]
    # the municipality breaks it off itself: a purchase has no steering group
    said = [e.text for e in m.events if e.kind == "escalation" and "go on without" in e.text]
    assert said and all("the municipality breaks off the purchase" in t for t in said)
    # a table that is no purchase keeps the steering group's rule: below half the land signed it decides nothing
    sok = Negotiation(m, "SOK", [Party(m.municipality, 0.1, 0.0, signed=True), Party(owner, 1.0, 5.0)],
                      stick=False, needs_capacity=False)
    sok._round()
    assert not sok.done


# =================================================================== rule 1b: a seller's leverage is its place in its block


def test_at_a_purchase_table_a_holdout_is_pivotal_only_when_its_land_is_the_last_its_block_needs():
    """The municipality's land elsewhere (signed from the start) gives a seller no leverage: without a block
    to hold up a hold-out concedes; holding up its block it raises its ask by holdout_markup each round."""
    m = model("tender", "behaviour.refusal_share=0.0", "instruments.escalation_rounds=100",
              "municipality.mandate=0.0", "municipality.backloop_band=0.0")
    owner, _ = owner_in_use(m)
    owner.strategy = "holdout"
    for holds_up, rises in ((None, False), (lambda o: False, False), (lambda o: True, True)):
        neg = purchase_table(m, owner, municipal_land=10.0)
        neg.leverage = holds_up
        neg.parties[1].premium = 0.5
        assert neg.signed_share() > 0.5  # pivotal by the multi-party rule, which a purchase does not use
        neg._round()
        assert (neg.parties[1].premium > 0.5) is rises, (holds_up, neg.parties[1].premium)


def test_a_seller_holds_up_its_block_when_no_other_land_there_is_still_sought():
    m = model("tender", "behaviour.refusal_share=0.0", *ONE_BLOCK)
    gov = m.governance
    phase, tables = next((ph, ts) for ph in m.area.subareas
                         if len(ts := [(n, ps) for n, ps in gov.purchases if any(p.subarea == ph for p in ps)]) >= 3)
    (mine, _), (other, _), (third, _) = tables[:3]
    seller = mine.parties[1].owner
    assert not gov.pool.holds_up(seller)  # others in its block are still sought
    for neg, _ in tables[1:]:
        neg.done = True  # bought, or expropriation decided
    assert gov.pool.holds_up(seller)
    other.done = False
    assert not gov.pool.holds_up(seller)
    other.parties[1].excluded = True  # broken off: its land is no longer sought (planned around)
    assert gov.pool.holds_up(seller)
    other.parties[1].excluded, other.parties[1].signed = False, True  # signed
    assert gov.pool.holds_up(seller)
    # in a separable sub-area (the reference's default) no seller holds up a block
    s = model("tender", "behaviour.refusal_share=0.0")
    for neg, _ in s.governance.purchases[1:]:
        neg.done = True
    assert not s.governance.pool.holds_up(s.governance.purchases[0][0].parties[1].owner)


# =================================================================== rule 1c: signed is bound, also for a developer


def developer_for_sale(m):
    """A developer that owns a plot the tender wants to buy, and that plot."""
    plot = next(p for p in m.governance.scope if p.owner.group == "developers" and p.owner.developing)
    return plot.owner, plot


def developer_table(m, dev, plots) -> Negotiation:
    return Negotiation(m, "aankoop", [Party(m.municipality, 10.0, 0.0, signed=True), Party(dev, 1.0, 0.0)],
                       stick=False, needs_capacity=False, purchase=True, for_sale=list(plots))


def test_a_developer_does_not_sign_a_sale_below_what_developing_its_land_earns_it():
    m = model("tender", "municipality.mandate=0.0", "municipality.backloop_band=2.0",
              "instruments.escalation_rounds=100")
    dev, plot = developer_for_sale(m)
    least = m.acquisition.least_premium(dev, plot)
    assert 0 < least <= 2.0 and land_bid(m, plot, dev) > voluntary_price(m, plot, 0.0)  # developing beats selling
    neg = developer_table(m, dev, [plot])
    for _ in range(12):  # (nor through the college: the price stays within the mandate)
        m.steps += 1
        neg._round()
    assert not neg.parties[1].signed
    # within the mandate (1.0) it asks at least the premium that pays its land_bid (here 0.3), though it
    # would concede to nothing
    w = model("tender", "municipality.mandate=1.0")
    dev, plot = developer_for_sale(w)
    plot.existing_use_value = land_bid(w, plot, dev) / (1 + w.speculation) / 1.3
    neg = developer_table(w, dev, [plot])
    neg._round()
    assert neg.parties[1].signed and neg.parties[1].premium == pytest.approx(0.3) and neg.keeps == []
    assert voluntary_price(w, plot, neg.parties[1].premium) >= land_bid(w, plot, dev) - 1e-9


def test_a_developer_that_signed_sells_what_it_signed_for_and_keeps_what_it_named_at_the_table():
    """It names at signing the plot that developing earns it more than the mandate pays; the plot it signed
    for it sells, even when developing it earns it more by the time the sale closes."""
    m = model("tender", "municipality.mandate=0.5")
    dev, plot = developer_for_sale(m)
    other = next(p for p in m.area.plots if p is not plot and p.owner is not dev and p.owner is not m.municipality
                 and land_bid(m, p, dev) > 1.0)
    m.area.set_owner(other, dev)
    plot.existing_use_value = land_bid(m, plot, dev) / (1 + m.speculation)  # selling it pays within the mandate
    other.existing_use_value = land_bid(m, other, dev) / (1 + m.speculation) / 2  # this one it would rather develop
    neg = developer_table(m, dev, [plot, other])
    assert m.acquisition.least_premium(dev, other) > 0.5  # developing this one earns it more
    neg._round()
    assert neg.parties[1].signed and neg.keeps == [other]
    plot.existing_use_value /= 2  # the market moved after it signed: developing the plot now earns it more
    assert land_bid(m, plot, dev) > voluntary_price(m, plot, neg.parties[1].premium)
    assert buy_after(m, neg, [plot, other], m.governance.pool) == [other]
    assert plot.owner is m.municipality and other.owner is dev


# =================================================================== rule 2: the phase waits for its land


def open_phase(m):
    """A phase (sub-area) of the tender with an open purchase talk, and a private plot in it to acquire."""
    gov = m.governance
    assert isinstance(gov.pool, AssemblyPool)
    neg, plots = next((n, ps) for n, ps in gov.purchases if not n.done)
    phase = plots[0].subarea
    other = next(p for p in gov.scope if p.subarea == phase and p.owner is not m.municipality
                 and p not in plots and p.owner.group != "corporations")
    return gov, phase, other


def close_talks(gov, phase):
    for neg, plots in gov.purchases:
        if any(p.subarea == phase for p in plots):
            neg.done = True


def test_land_acquired_in_a_phase_waits_for_the_phases_purchase_talks_then_gets_one_plan():
    m = model("tender", "behaviour.refusal_share=0.0", *ONE_BLOCK)
    gov, phase, plot = open_phase(m)
    pool = gov.pool
    assert transfer(m, plot, m.municipality, 1.0)
    pool.add([plot], book=1.0)
    pool.step()
    assert plot in pool.waiting[phase] and phase not in pool.plans  # a talk in its phase is still open
    assert not any("uitwerking" in i.label for i in m.municipality.queue)
    close_talks(gov, phase)
    pool.step()
    assert phase in pool.plans and plot in pool.plans[phase][1] and phase not in pool.waiting
    assert run_desk(m, lambda: phase in pool.in_force, 80) is not None
    assert plot.in_plan and plot in pool.pool
    # under a framework (facilitative) the land it acquires is planned plot by plot, at once
    f = model("framework_organic", "behaviour.refusal_share=0.0")
    assert type(f.governance.pool) is TenderPool


def test_a_purchase_waiting_for_its_credit_holds_up_its_phase():
    m = model("tender", "behaviour.refusal_share=0.0", *ONE_BLOCK)
    gov, phase, plot = open_phase(m)
    close_talks(gov, phase)
    assert gov.pool.settled(phase)
    from coalitionsim.model.acquisition import Pending

    m.acquisition.pending.append(Pending(plot, "purchase", 1.0, gov.pool, m.steps))
    assert not gov.pool.settled(phase)


def test_the_phase_is_issued_only_after_the_ruling_and_the_expropriated_plot_joins_its_plan():
    m = model("tender", "behaviour.refusal_share=1.0", "instruments.expropriation=true",
              "instruments.expropriation_quarters=6", *ONE_BLOCK)
    gov, phase, plot = open_phase(m)
    pool = gov.pool
    refuser = next(p for p in gov.scope if p.subarea == phase and p is not plot and p.owner.group == "owners"
                   and not p.owner.developing and m.acquisition.refuses(p.owner))
    close_talks(gov, phase)
    assert transfer(m, plot, m.municipality, 0.0)
    assert m.acquisition.expropriate(refuser, pool)
    pool.add([plot], book=0.0)  # the phase settles: its plan is worked out with the refuser's plot in procedure
    assert pool.grondslag.get(refuser.plot_id) == phase
    assert run_desk(m, lambda: phase in pool.in_force, 80) is not None
    assert refuser.plot_id in m.acquisition.in_procedure  # the plan came first: it is the procedure's grondslag
    assert plot in pool.pool and plot not in pool.issuable()  # the phase is not issued while the procedure runs
    assert run_desk(m, lambda: refuser.owner is m.municipality, 80) is not None
    assert refuser.in_plan and refuser in pool.pool  # its phase's plan covers it: no plan of its own
    assert not any("uitwerking gemeentegrond" in i.label for i in m.municipality.queue)
    assert plot in pool.issuable()


def test_in_a_separable_sub_area_acquired_land_is_planned_as_it_comes_and_no_procedure_holds_it_up():
    """003 L1184-1186: a sub-area that can be split (``separable``, the reference's default) is developed in
    blocks: a plot bought while a purchase talk in its sub-area is still open gets its plan at once, and an
    expropriation running there does not hold up the issue of the land acquired next to it."""
    m = model("tender", "behaviour.refusal_share=1.0", "instruments.expropriation=true",
              "instruments.expropriation_quarters=6")
    gov, phase, plot = open_phase(m)
    pool = gov.pool
    assert m.area.separable[phase]
    refuser = next(p for p in gov.scope if p.subarea == phase and p is not plot and p.owner.group == "owners"
                   and not p.owner.developing and m.acquisition.refuses(p.owner))
    assert m.acquisition.expropriate(refuser, pool)
    assert transfer(m, plot, m.municipality, 0.0)
    pool.add([plot], book=0.0)
    pool.step()
    assert phase not in pool.waiting and phase not in pool.plans and not pool.grondslag
    assert any("uitwerking gemeentegrond" in i.label for i in m.municipality.queue)  # its own plan, now
    assert run_desk(m, lambda: plot.in_plan, 80) is not None
    assert refuser.plot_id in m.acquisition.in_procedure  # the procedure still runs next to it
    assert plot in pool.issuable()


# =================================================================== behaviour over seeded replications

MANY_SEEDS = tuple(replication_seeds(20261123, 16))


@lru_cache(maxsize=None)
def t50(form: str, share: float) -> np.ndarray:
    sc = load_scenario("rijnhuizen", [f"behaviour.refusal_share={share}", "instruments.expropriation=true"])
    return np.array([run_model(sc, form, s).summary["t50_years"] for s in MANY_SEEDS])


@pytest.mark.slow
def test_owners_who_refuse_to_sell_make_the_tender_slower_and_leave_the_frameworks_speed_unchanged():
    """Issue 26. rijnhuizen (30% of the land with 8 owners in use; one sub-area, not separable: one block),
    expropriation on (the route past a refusal), 16 seeds, refusal_share 0 -> 1 (every owner in use
    refuses), paired per seed. Measured (with the review's fixes: a seller pivotal only as the last land its
    block seeks, a developer bound by what it signs): the tender's t50 10.41 -> 12.12 years (mean change
    +1.72, sd 1.99, slower in 11 of 16 seeds; before those fixes +1.88, sd 2.29): each refuser's talk runs
    its course, its phase's plan waits for it, and the phase's land waits for the court's ruling (land
    assembly); framework_organic 10.58 -> 10.27 (mean -0.31, sd 1.28): a refuser is expropriated and its
    plot tendered on its own, the others go on plot by plot. The tender's change minus the framework's: mean
    +2.03. Bounds (the tender's about 1.9 standard errors inside its measured mean):
    the tender slower by at least 0.75 years on average and in at least 9 of 16 seeds; the framework not
    slower by more than 0.5 years on average (and not faster by more than 1.0); the tender's change at
    least 1.0 year above the framework's.
    Not shown, measured (16 seeds): at refusal_share 0.25 (the assumed range's top) the tender is not
    slower (mean +0.11, sd 1.28, with expropriation; -0.17 without), and without expropriation not at any share:
    a refuser is then planned around (inpassen) and costs the tender its plot as it costs the framework,
    and its phase waits only for its talk, which the hold-outs' talks take as long anyway."""
    tender = t50("tender", 1.0) - t50("tender", 0.0)
    framework = t50("framework_organic", 1.0) - t50("framework_organic", 0.0)
    assert tender.mean() >= 0.75 and (tender > 0).sum() >= 9, tender
    assert -1.0 <= framework.mean() <= 0.5, framework
    assert tender.mean() - framework.mean() >= 1.0, (tender.mean(), framework.mean())


def test_an_expropriation_waiting_for_its_credit_is_in_its_phases_plan():
    m = model("tender", "behaviour.refusal_share=1.0", "instruments.expropriation=true", *ONE_BLOCK)
    gov, phase, plot = open_phase(m)
    pool = gov.pool
    refuser = next(p for p in gov.scope if p.subarea == phase and p is not plot and p.owner.group == "owners"
                   and not p.owner.developing and m.acquisition.refuses(p.owner))
    close_talks(gov, phase)
    from coalitionsim.model.acquisition import Pending

    m.acquisition.pending.append(Pending(refuser, "expropriation", 1.0, pool, m.steps))  # decided, no credit yet
    assert transfer(m, plot, m.municipality, 0.0)
    pool.add([plot], book=0.0)
    assert pool.grondslag.get(refuser.plot_id) == phase
    assert plot in pool.plans[phase][1] and refuser not in pool.plans[phase][1]  # (it is not the municipality's)
