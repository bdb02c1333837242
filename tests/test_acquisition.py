"""Model v3 part 4, issue 26 part 2: acquisition with friction (``model/acquisition.py``).

Rule tests at values where each rule matters, and behavioural tests over seeded replications (common
random numbers) with bounds from the measured effect and its spread, stated at each test.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pytest

from coalitionsim import AreaDevelopmentModel, load_scenario
from coalitionsim.model.acquisition import (buy_after, court_price, expropriation_compensation, realises_plan,
                                           reservation, voluntary_price)
from coalitionsim.model.area import Status
from coalitionsim.model.development import land_bid
from coalitionsim.model.metrics import bought_land_share
from coalitionsim.model.negotiation import Negotiation, Party
from coalitionsim.runner import replication_seeds, run_model

from helpers import set_money

SEEDS = tuple(replication_seeds(20261123, 8))


def model(form: str = "tender", *sets: str, scenario: str | None = None) -> AreaDevelopmentModel:
    return AreaDevelopmentModel(load_scenario(scenario, list(sets)), form=form, seed=1)


def passive_plot(m):
    """A plot of an owner in existing use (the owners who may refuse to sell)."""
    return next(p for p in m.area.plots if p.owner is not m.municipality and not p.owner.developing
                and p.owner.group == "owners")


def signed_sale(m, plot):
    return Negotiation(m, "test", [Party(m.municipality, 10.0, 0.0, signed=True), Party(plot.owner, 1.0, 0.0, signed=True)],
                       stick=False)


def run_queue(m, until, quarters: int = 60) -> int | None:
    """Step the municipality's desk (and the acquisitions) quarter by quarter; the quarter ``until()`` holds."""
    for _ in range(quarters):
        m.steps += 1
        m.acquisition.step()
        m.municipality.process_work()
        if until():
            return m.steps
    return None


# =================================================================== refusal


def test_a_refusing_owner_never_signs_the_sale_and_keeps_its_plot_without_expropriation():
    """A signed sale binds (no escape after signing): the refusal shows at the table, where the refuser never
    signs; the municipality breaks the talks off and the owner keeps its plot."""
    m = model("tender", "behaviour.refusal_share=1.0", "instruments.escalation_rounds=1",
              "instruments.steering_group_cut_probability=1.0")
    plot = passive_plot(m)
    owner = plot.owner
    assert m.acquisition.refuses(owner)
    neg = Negotiation(m, "aankoop", [Party(m.municipality, 10.0, 0.0, signed=True), Party(owner, 1.0, 0.0)],
                      stick=False, needs_capacity=False, purchase=True, for_sale=[plot])
    neg._round()  # asking nothing it would sign at once; it refuses, and the talks are broken off
    assert neg.done and neg.non_signers == [owner]
    assert buy_after(m, neg, [plot], m.governance.pool) == [plot]
    assert plot.owner is owner and not m.acquisition.pending
    # at refusal_share 0 the same signed owner sells
    m0 = model("tender", "behaviour.refusal_share=0.0")
    p0 = passive_plot(m0)
    assert buy_after(m0, signed_sale(m0, p0), [p0], m0.governance.pool) == []
    assert p0.owner is m0.municipality and p0.plot_id in m0.governance.pool.book


def test_a_plot_the_municipality_buys_while_its_owners_own_procedure_runs_drops_that_procedure():
    """The seller's plan amendment (zelfrealisatie) lapses with the sale: the municipality plans and issues
    the land itself, and the decision the application waited for grants nothing."""
    m = model("tender", "residents.objection_propensity=0", "municipality.staff_capacity=50")
    m.frame_in_force = True
    plot = next(p for p in m.governance.scope if p.owner.group == "developers" and p.owner.developing)
    m.municipality.queue.clear()
    m.apply_for_initiative(plot)
    assert plot.status == Status.INITIATIVE
    assert buy_after(m, signed_sale(m, plot), [plot], m.governance.pool) == []
    assert plot.owner is m.municipality and plot.status == Status.HELD and plot.step_initiative is None
    for q in range(1, 8):
        m.steps = q
        m.municipality.process_work()
    assert plot.route != "plan" and not any("plan amendment granted" in e.text for e in m.events)


def test_only_owners_in_existing_use_refuse_and_the_draw_is_per_owner_from_its_own_stream():
    m = model("tender", "behaviour.refusal_share=1.0")
    refusing = [o for o in m.owners if m.acquisition.refuses(o)]
    assert refusing and all(not o.developing and o is not m.municipality for o in refusing)
    # the same seed gives the same refusals under another form (one world for every form)
    other = model("framework_organic", "behaviour.refusal_share=0.5")
    again = model("tender", "behaviour.refusal_share=0.5")
    assert [other.acquisition.refuses(o) for o in other.owners] == [again.acquisition.refuses(o) for o in again.owners]


def test_a_refusing_owner_offers_nothing_on_the_land_market():
    m = model("framework_organic", "behaviour.refusal_share=1.0")
    plot = passive_plot(m)
    assert m.land_market.ask(plot) is None
    m0 = model("framework_organic", "behaviour.refusal_share=0.0")
    assert m0.land_market.ask(passive_plot(m0)) is not None


# =================================================================== zelfrealisatie


def developer_plot(m, realises: bool):
    """A developer's plot whose owner can (or cannot) realise the plan's use itself at its margin."""
    return next(p for p in m.area.plots if p.owner is not m.municipality and p.owner.developing
                and p.owner.group == "developers" and realises_plan(m, p) is realises)


def unsigned_sale(m, plot):
    return Negotiation(m, "test", [Party(m.municipality, 10.0, 0.0, signed=True), Party(plot.owner, 1.0, 0.0)],
                       stick=True)


def test_an_owner_able_and_willing_to_realise_the_plan_keeps_its_land_and_is_never_expropriated():
    m = model("tender", "instruments.expropriation=true")
    plot = developer_plot(m, realises=True)
    owner = plot.owner
    assert buy_after(m, unsigned_sale(m, plot), [plot], m.governance.pool) == [plot]
    assert plot.plot_id not in m.acquisition.in_procedure and not m.acquisition.pending
    assert m.acquisition.expropriate(plot, m.governance.pool) is False  # every route to expropriation
    assert plot.plot_id not in m.acquisition.in_procedure and plot.owner is owner
    # a developer that cannot realise the plan's use at its margin does not co-operate: expropriated
    other = developer_plot(m, realises=False)
    assert buy_after(m, unsigned_sale(m, other), [other], m.governance.pool) == []
    assert other.plot_id in m.acquisition.in_procedure


def test_the_court_refuses_the_expropriation_of_an_owner_that_can_realise_the_plan_by_its_ruling():
    def started(realises_by_ruling: bool):
        m = model("tender", "instruments.expropriation=true", "instruments.expropriation_quarters=2")
        plot = developer_plot(m, realises=True)
        owner, value = plot.owner, plot.existing_use_value
        plot.existing_use_value = land_bid(m, plot, owner) + 1.0  # its existing use beats the plan: it cannot
        # realise it now
        assert m.acquisition.expropriate(plot, m.governance.pool)
        if realises_by_ruling:
            plot.existing_use_value = value
        run_queue(m, lambda: plot.plot_id not in m.acquisition.in_procedure)
        return plot.owner is owner, m.acquisition.expropriations

    assert started(realises_by_ruling=True) == (True, 0)
    assert started(realises_by_ruling=False) == (False, 1)


# =================================================================== price rules


def test_expropriation_pays_the_existing_use_value_without_the_plans_value_plus_the_incidental_damage():
    m = model("tender", "instruments.expropriation=true", "instruments.expropriation_incidental_damage=0.3")
    plot = passive_plot(m)
    m.speculation = 0.4  # the hope value the coming plan created: eliminated (eliminatieregel)
    assert expropriation_compensation(m, plot) == pytest.approx(plot.existing_use_value * 1.3)


def test_a_voluntary_sale_is_bargained_over_the_hope_value_and_never_below_the_owners_full_value():
    m = model("tender", "municipality.mandate=0.05", "instruments.expropriation_incidental_damage=0.15")
    plot = passive_plot(m)
    m.speculation = 0.2
    # the owner's reservation counts the speculation; the premium is capped at the mandate
    assert voluntary_price(m, plot, premium=0.5) == pytest.approx(plot.existing_use_value * 1.2 * 1.05)
    assert voluntary_price(m, plot, premium=0.02) == pytest.approx(plot.existing_use_value * 1.2 * 1.02)
    # no owner sells for less than its full value to it (existing use plus relocation and income loss), also
    # with expropriation switched off (was: only where expropriation was on; review 26/27 defect 5)
    assert not m.scenario.instruments.expropriation
    m.speculation = 0.0
    assert voluntary_price(m, plot, premium=0.0) == pytest.approx(plot.existing_use_value * 1.15)
    assert reservation(m, plot) == pytest.approx(expropriation_compensation(m, plot))
    e = model("tender", "instruments.expropriation=true", "instruments.expropriation_incidental_damage=0.5")
    e.speculation = 0.0
    pe = passive_plot(e)
    assert voluntary_price(e, pe, premium=0.0) == pytest.approx(pe.existing_use_value * 1.5)


def test_under_the_voorkeursrecht_an_owner_rejects_an_offer_below_its_ask_withdraws_and_keeps_its_plot():
    m = model("framework_organic", "instruments.voorkeursrecht_quarter=0", "behaviour.refusal_share=0.0",
              "municipality.mandate=0.05", "instruments.expropriation_incidental_damage=0.15")
    m.municipality.talks_left = 5
    m.speculation = 0.0  # the offer, 1.05 x the existing-use value, is below the owner's premium ask
    plot = passive_plot(m)
    owner = plot.owner
    assert court_price(plot) < m.land_market.ask(plot)  # the court's price would not help it either
    m.land_market._offer_to_municipality(plot)
    assert plot.owner is owner and plot.plot_id in m.land_market.withdrawn
    assert plot.plot_id not in m.governance.pool.book and m.land_market.municipal_purchases == 0
    # an owner who must sell (its money ran out: it asks what the plot cost it) takes the offer
    m2 = model("framework_organic", "instruments.voorkeursrecht_quarter=0", "behaviour.refusal_share=0.0",
               "municipality.mandate=0.05", "instruments.expropriation_incidental_damage=0.15")
    m2.municipality.talks_left = 5
    m2.speculation = 0.1
    p2 = passive_plot(m2)
    p2.for_sale = True
    m2.land_market._offer_to_municipality(p2)
    assert p2.owner is m2.municipality and p2.plot_id not in m2.land_market.withdrawn


def test_a_voorkeursrecht_purchase_is_booked_in_the_grondexploitatie_at_its_price():
    m = model("framework_organic", "instruments.voorkeursrecht_quarter=0", "behaviour.refusal_share=0.0")
    m.municipality.talks_left = 5
    m.speculation = 0.3
    plot = passive_plot(m)
    plot.for_sale = True  # an owner who must sell: it asks what the plot cost it
    m.land_market._offer_to_municipality(plot)
    assert plot.owner is m.municipality
    price = plot.existing_use_value * 1.3 * (1 + m.scenario.municipality.mandate)
    assert m.governance.pool.book[plot.plot_id] == pytest.approx(price)
    assert bought_land_share(m) == pytest.approx(plot.homes / m.area.homes_planned)


def test_an_owner_that_withdrew_under_the_voorkeursrecht_does_not_offer_its_plot_again_nor_sell_to_others():
    m = model("framework_organic", "instruments.voorkeursrecht_quarter=0", "behaviour.refusal_share=0.0",
              "behaviour.seller_premium=0.1", "municipality.mandate=0.0",
              "instruments.expropriation_incidental_damage=0.15")
    lm, mun = m.land_market, m.municipality
    owners = {p.plot_id: p.owner for p in m.area.plots}
    mun.talks_left = 50
    lm.step()  # bids beat the asks: the owners offer to the municipality, reject its price below their ask and withdraw
    assert lm.withdrawn and mun.talks_left == 50 - len(lm.withdrawn)
    lm.step()  # the same bids again: no new offer (no talk spent), and no sale to others
    assert mun.talks_left == 50 - len(lm.withdrawn)
    assert all(p.owner is owners[p.plot_id] for p in m.area.plots if p.plot_id in lm.withdrawn)


# =================================================================== credits within the one budget


def test_a_purchase_the_budget_cannot_carry_waits_for_its_credit_and_goes_ahead_when_the_budget_allows():
    m = model("tender", "behaviour.refusal_share=0.0", "rijk.gebiedsbudget=0")
    mun = m.municipality
    plot = passive_plot(m)
    set_money(m, mun, mun.floor() + 1.0)  # 1 M€ left of the area budget
    assert buy_after(m, signed_sale(m, plot), [plot], m.governance.pool) == []
    assert plot.owner is not mun and m.acquisition.pending  # agreed, waiting for its credit
    assert plot.in_agreement and m.land_market.ask(plot) is None  # bound to the conditional sale
    m.acquisition.step()
    assert plot.owner is not mun and len(m.acquisition.pending) == 1
    set_money(m, mun, mun.floor() + 100.0)  # land sales refilled the budget
    m.acquisition.step()
    assert plot.owner is mun and not m.acquisition.pending and not plot.in_agreement


def test_an_expropriation_reserves_its_credit_until_the_ruling():
    m = model("tender", "instruments.expropriation=true", "behaviour.refusal_share=1.0", "rijk.gebiedsbudget=0")
    mun = m.municipality
    plot = passive_plot(m)
    before = mun.budget_left
    assert m.acquisition.expropriate(plot, m.governance.pool)
    expected = expropriation_compensation(m, plot)
    assert mun.budget_left == pytest.approx(before - expected)  # reserved: other spending cannot take it
    ruled = run_queue(m, lambda: plot.owner is mun)
    assert ruled is not None and m.acquisition.committed == pytest.approx(0.0)


def test_an_expropriation_the_budget_cannot_carry_waits():
    m = model("tender", "instruments.expropriation=true", "behaviour.refusal_share=1.0", "rijk.gebiedsbudget=0")
    mun = m.municipality
    plot = passive_plot(m)
    set_money(m, mun, mun.floor() + 0.5)
    assert not m.acquisition.expropriate(plot, m.governance.pool)
    assert not any(i.kind == "acquisition" for i in mun.queue)


# =================================================================== expropriation under every form


@pytest.mark.parametrize("form", ["framework_organic", "framework_subareas"])
def test_a_framework_expropriates_a_refusing_owners_plot_after_the_procedure_and_issues_it(form):
    court = 5
    m = model(form, "instruments.expropriation=true", "behaviour.refusal_share=1.0",
              f"instruments.expropriation_quarters={court}")
    plot = passive_plot(m)
    owner = plot.owner
    m.frame_in_force = False
    m.acquisition.step()
    assert not any(i.kind == "acquisition" for i in m.municipality.queue)  # no frame, no expropriation
    m.frame_in_force = True
    start = m.steps
    m.acquisition.step()
    item = next(i for i in m.municipality.queue if i.kind == "acquisition" and i.plot == plot.plot_id)
    ruled = run_queue(m, lambda: plot.owner is m.municipality)
    assert ruled is not None and ruled >= item.decided + court and ruled > start + court
    assert m.ledger.totals[(m.municipality.account, owner.account, "expropriation")] == pytest.approx(
        expropriation_compensation(m, plot))
    assert plot.plot_id in m.governance.pool.book  # in the grondexploitatie, to be issued
    # without the instrument a refusing owner keeps its plot
    off = model(form, "behaviour.refusal_share=1.0")
    off.frame_in_force = True
    off.acquisition.step()
    assert not any(i.kind == "acquisition" for i in off.municipality.queue)


# =================================================================== behaviour over seeded replications


@lru_cache(maxsize=None)
def summaries(scenario: str, form: str, sets: tuple[str, ...]) -> list[dict]:
    sc = load_scenario(scenario, list(sets))
    return [run_model(sc, form, s).summary for s in SEEDS]


@pytest.mark.slow
def test_refusing_owners_cost_the_tender_and_the_frameworks_their_land_alike():
    """Measured on rijnhuizen (30% of the land with owners in use), 8 seeds, refusal_share 0 -> 0.25:
    realisation tender 1.000 -> 0.924 (sd 0.03), framework_organic 0.982 -> 0.911 (sd 0.03); t50 medians
    9.5 -> 9.5 and 10.0 -> 9.75 years (after the land assembly rule, test_assembly.py). Without
    expropriation a refusing owner keeps its land in use under every form (it sells to nobody; the tender
    plans around it), so both lose its homes. Bounds: a drop of at least 0.03 under each, and the two
    drops within 0.04 of each other (paired per seed, the same owners refuse)."""
    drops = {}
    for form in ("tender", "framework_organic"):
        low = np.array([r["realisation_share"] for r in summaries("rijnhuizen", form, ("behaviour.refusal_share=0",))])
        high = np.array([r["realisation_share"] for r in summaries("rijnhuizen", form, ("behaviour.refusal_share=0.25",))])
        drops[form] = (low - high).mean()
        assert drops[form] >= 0.03, (form, drops)
    assert abs(drops["tender"] - drops["framework_organic"]) <= 0.04, drops
    bought = [r["bought_land_share"] for r in summaries("rijnhuizen", "tender", ("behaviour.refusal_share=0",))]
    # measured 0.35 (0.21-0.54; 0.56 before the land assembly rule): the purchase talks the municipality
    # breaks off (whatever land it holds elsewhere) and the sales that lapse while its budget waits for its
    # phased land sales leave more land with its owners; still a third of the plan on bought land
    assert np.mean(bought) >= 0.25


@pytest.mark.slow
def test_a_smaller_municipal_budget_slows_acquisition():
    """Measured on rijnhuizen's tender, 8 seeds: the plots the municipality has acquired by quarter 20 fall
    from 8-22 (budget 90 M€) to 1-4 (budget 10 M€), fewer in every seed by 5-18 (signed purchases wait for
    their credit and lapse after credit_wait_quarters). Bound: fewer in every seed by at least 3, on
    average by at least 6."""
    def acquired_by_quarter_20(budget: float) -> np.ndarray:
        sc = load_scenario("rijnhuizen", [f"municipality.budget={budget}"])
        out = []
        for s in SEEDS:
            ev = AreaDevelopmentModel(sc, form="tender", seed=s).run().events_table()
            bought = ev[ev.kind.eq("land") & ev.text.str.contains("to Gemeente|expropriated")]
            out.append(int((bought.quarter <= 20).sum()))
        return np.array(out)

    fewer = acquired_by_quarter_20(90) - acquired_by_quarter_20(10)
    assert (fewer >= 3).all() and fewer.mean() >= 6, fewer


@pytest.mark.slow
def test_with_expropriation_every_form_acquires_the_refusing_owners_land():
    """rijnhuizen, every owner in use refusing, expropriation on (8 seeds): measured bought_land_share 0.29
    under the frameworks (their refusing owners' land, expropriated and tendered) and realisation 1.0; the
    same owners without expropriation leave realisation at 0.71. Bounds: bought share >= 0.2, realisation
    above the no-expropriation arm by at least 0.15 on average."""
    for form in ("framework_organic",):
        on = summaries("rijnhuizen", form, ("behaviour.refusal_share=1", "instruments.expropriation=true"))
        off = summaries("rijnhuizen", form, ("behaviour.refusal_share=1",))
        assert np.mean([r["bought_land_share"] for r in on]) >= 0.2
        gain = np.mean([r["realisation_share"] for r in on]) - np.mean([r["realisation_share"] for r in off])
        assert gain >= 0.15, gain


def test_compare_and_the_report_name_a_form_whose_plan_stands_mostly_on_bought_land():
    import pandas as pd

    from coalitionsim.runner.text import bought_land_notes

    summary = pd.DataFrame({"form": ["tender"] * 3 + ["sok"] * 3,
                            "bought_land_share": [0.7, 0.8, 0.4, 0.1, 0.0, 0.9]})
    notes = bought_land_notes(summary)
    assert len(notes) == 1 and notes[0].startswith("tender: a median 70%")
    assert bought_land_notes(summary.assign(bought_land_share=0.5)) == []  # half is not most


@pytest.mark.parametrize("share", [0.0, 1.0])
def test_an_owner_who_refuses_to_sell_does_not_hand_its_land_to_a_gem(share):
    m = model("gem", f"behaviour.refusal_share={share}", "ownership.passive_owner_willingness=0.9",
              scenario="rijnhuizen")  # (30% of its land with owners in use, who join at this willingness)
    passive = {p.plot_id: p.owner for p in m.area.plots if p.owner.group == "owners" and not p.owner.developing}
    for _ in range(60):
        m.step()
        if m.governance.company is not None:
            break
    company = m.governance.company
    assert company is not None
    handed = [pid for pid, owner in passive.items() if m.area.plots[pid].owner is company]
    if share == 0.0:
        assert handed  # (the owners in use do bring their land in when they do not refuse)
    else:
        assert not handed and all(not m.acquisition.refuses(p) or p not in company.partners for p in passive.values())


def test_a_conditional_purchase_lapses_when_no_credit_comes_within_its_term():
    m = model("tender", "behaviour.refusal_share=0.0", "rijk.gebiedsbudget=0", "municipality.credit_wait_quarters=3")
    mun = m.municipality
    plot = passive_plot(m)
    set_money(m, mun, mun.floor() + 1.0)
    buy_after(m, signed_sale(m, plot), [plot], m.governance.pool)
    for q in range(1, 3):
        m.steps = q
        m.acquisition.step()
        assert plot.in_agreement and m.acquisition.pending  # still bound within its term
    m.steps = 3
    m.acquisition.step()
    assert not plot.in_agreement and not m.acquisition.pending and plot.owner is not mun  # lapsed: free again
