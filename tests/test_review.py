"""Only signatories are bound, and governance that can change (issue 26, parts 1 and 3).

Rule tests on small situations, and behavioural tests over seeded replications of the bundled scenarios.
"""

from __future__ import annotations

import numpy as np
import pytest

from coalitionsim import AreaDevelopmentModel, load_scenario
from coalitionsim.model.area import Status
from coalitionsim.model.metrics import form_in_force
from coalitionsim.model.verevening import VereveningPool
from coalitionsim.runner.runs import replication_seeds

SEEDS = replication_seeds(20261123, 10)


def make(form: str, *sets: str, scenario: str | None = None, seed: int = 1) -> AreaDevelopmentModel:
    return AreaDevelopmentModel(load_scenario(scenario, list(sets)), form=form, seed=seed)


def stall(m: AreaDevelopmentModel, signed: list) -> None:
    """Poke the deal: ``signed`` owners have signed, every other private party has not."""
    for p in m.governance.deal.parties:
        if p.owner is not m.municipality:
            p.signed = p.owner in signed


def private_parties(m):
    return [p for p in m.governance.deal.parties if p.owner is not m.municipality]


# =================================================================== a private sale and a deal's obligations


@pytest.mark.parametrize("kettingbeding", [False, True])
def test_a_deals_obligations_pass_to_a_buyer_only_by_kettingbeding(kettingbeding):
    m = make("sok")
    plot = m.area.plots[0]
    plot.in_agreement = plot.contract_contributions = True
    pool = VereveningPool(m, "test", [plot])
    plot.sold_on(kettingbeding)
    # NOVEX 003 L2298-2302: a kettingbeding makes the contribution follow the property; without it the
    # obligations stay with the seller who signed
    assert plot.contract_contributions is kettingbeding and plot.in_agreement is kettingbeding
    assert (plot.pool is pool) is kettingbeding and (plot in pool.plots) is kettingbeding


# =================================================================== the review


def test_a_review_is_due_after_the_period_without_agreement():
    m = make("sok", "instruments.review_after_quarters=8")
    deal = m.governance.deal
    deal.start_step = 0
    m.steps = 7
    assert m.governance.review_due() is None
    m.steps = 8
    assert "no agreement after 8 quarters" in m.governance.review_due()
    deal.done = True  # an agreed deal is not reviewed for want of agreement
    assert m.governance.review_due() is None


def test_a_review_is_due_when_partners_used_up_their_deferrals():
    m = make("sok", "instruments.max_deferral_quarters=3", "instruments.review_after_quarters=400")
    m.governance.deal.done = True
    plot = m.governance.scope[0]
    plot.deferrals = 2
    assert m.governance.review_due() is None
    plot.deferrals = 3
    assert "deferred" in m.governance.review_due()
    m.governance.reviewed = True  # one review per arrangement
    assert m.governance.review_due() is None


def test_the_review_lets_the_signatories_go_on_and_gives_the_others_another_form():
    m = make("sok", "instruments.review_after_quarters=1", "instruments.escalation_rounds=100")
    parties = private_parties(m)
    signed = [p.owner for p in parties if not p.owner.holdout][:2]
    stall(m, signed)
    unsigned = [p.owner for p in parties if p.owner not in signed]
    successor = m.review.review(m.governance, "test")
    deal = m.governance.deal
    assert deal.done and not deal.abandoned
    assert set(deal.non_signers) == set(unsigned)
    assert all(not p.signed for p in deal.parties if p.owner in unsigned)  # never marked signed
    assert successor is not None and m.review.switches and m.review.switches[0][1:3] == ("sok", successor.name)
    for plot in m.area.plots:
        if plot.owner in unsigned and plot.status == Status.HELD:
            assert plot.governing_form == successor.name and m.form_for(plot) is successor
        elif plot.owner in signed:
            assert plot.governing_form == "sok" and m.form_for(plot) is m.governance
    m.step()  # the SOK closes with its signatories: their deal is in force
    assert m.governance.closed
    for plot in m.area.plots:
        if plot.owner in signed:
            assert plot.in_agreement and plot.contract_contributions
        if plot.owner in unsigned:
            assert not plot.in_agreement and not plot.contract_contributions


def test_a_table_where_no_private_party_signed_ends_and_founds_nothing():
    m = make("gem", "instruments.review_after_quarters=1", "instruments.escalation_rounds=100")
    stall(m, [])
    successor = m.review.review(m.governance, "test")
    assert m.governance.deal.abandoned
    # all its free plots, the municipality's too, go to the form the beslisboom now gives them
    assert {p.plot_id for p in successor.scope} == {p.plot_id for p in m.area.plots if p.status == Status.HELD}
    for _ in range(4):
        m.step()
    assert m.governance.stage == "negotiating" and m.governance.company is None


def test_where_the_municipality_dominates_what_is_left_it_buys_and_tenders_it():
    # beslisboom on the released plots: municipal land dominant -> tender: purchase negotiations with each
    # private owner (land.buy_after: bought, or expropriated where switched on)
    m = make("sok", "ownership.municipal_land_share=0.6", "instruments.review_after_quarters=1",
             "instruments.escalation_rounds=100")
    stall(m, [])
    opened = len(m.governance.negotiations)
    successor = m.review.review(m.governance, "test")
    assert successor.name == "tender"
    purchases = m.governance.negotiations[opened:]
    assert purchases and all(n.label.startswith("aankoop") for n in purchases)
    assert successor.wants_land(successor.scope[0]) and not m.governance.wants_land(successor.scope[0])


def _review_with_signed(share: float, signed_names: set[str]):
    m = make("sok", f"ownership.municipal_land_share={share}", "instruments.review_after_quarters=1",
             "instruments.escalation_rounds=100")
    stall(m, [p.owner for p in private_parties(m) if p.owner.name in signed_names])
    return m, m.review.review(m.governance, "test")


def test_the_reviews_beslisboom_reads_the_whole_area_with_municipal_land():
    # NOVEX 003 L1619-1621: a new choice per (sub-)area as the field changes. The municipality holds 22 of
    # the 36 plots; two owners signed: on the non-signers' plots alone it would hold 0% and every owner there
    # would count as unwilling (framework); on the whole area it dominates, so it buys and tenders them
    m, successor = _review_with_signed(0.6, {"Stadmakers BV", "Kanaal Ontwikkeling"})
    assert successor.name == "tender"
    assert all(p.owner is not m.municipality and p.owner.name not in {"Stadmakers BV", "Kanaal Ontwikkeling"}
               for p in successor.scope)  # only the non-signers' plots are bought, the signatories keep theirs
    assert any(n.label.startswith("aankoop") for n in m.governance.negotiations)


def test_the_reviews_beslisboom_counts_the_land_the_signatories_bound():
    # 11 of 36 plots municipal (31%, below beslisboom.public_dominant_share 0.5): with three developers'
    # 10 signed plots the municipality steers 21 of 36 (58%) -> tender for the rest; with one owner's single
    # plot signed it steers 12 of 36 -> the others go under plan plus kostenverhaal
    _, steered = _review_with_signed(0.3, {"Stadmakers BV", "Merwede Vastgoed", "Kanaal Ontwikkeling"})
    assert steered.name == "tender"
    _, few = _review_with_signed(0.3, {"Eigenaar 1"})
    assert few.name == "framework_organic"


def _offered_released_plot(review: bool):
    """A released owner's plot offered on the land market (its owner's money ran out) after the review
    quarter; ``review``: whether the council's review ran."""
    m = make("sok", "instruments.review_after_quarters=1", "instruments.escalation_rounds=100",
             "ownership.municipal_land_share=0.3", "behaviour.land_market_candidates=20")  # every buyer bids
    assert m.scenario.instruments.voorkeursrecht_quarter is None  # none set by the scenario
    stall(m, [p.owner for p in private_parties(m) if p.owner.name in {"Stadmakers BV", "Merwede Vastgoed"}])
    if review:
        m.review.review(m.governance, "test")
    else:  # the same table going on without the unsigned, the council not reviewing
        m.governance.deal.go_on_without()
    plot = next(p for p in m.area.plots if p.owner.name == "Eigenaar 1")
    plot.for_sale = True
    m.municipality.talks_left = m.municipality.talks_capacity
    m.steps += 1
    m.land_market.step()
    return m, plot


def test_the_review_vests_a_voorkeursrecht_so_a_released_plot_goes_to_the_municipality():
    # NOVEX 003 L912: vest the voorkeursrecht in time, before speculation spreads; released owners otherwise
    # sold to speculators in the review quarter (practitioner's review, F4)
    m, plot = _offered_released_plot(review=True)
    assert m.speculation_stopped()
    assert plot.owner is m.municipality and m.land_market.municipal_purchases >= 1
    m, plot = _offered_released_plot(review=False)  # without the review no voorkeursrecht: a private buyer
    assert not m.speculation_stopped()
    assert plot.owner is not m.municipality and plot.owner.holdout  # a speculator bought it


def test_a_review_happens_only_at_a_council_cycle():
    m = make("sok", "instruments.review_after_quarters=1", "instruments.escalation_rounds=100",
             "behaviour.election_interval_quarters=8")
    stall(m, [p.owner for p in private_parties(m) if not p.owner.holdout][:2])
    for _ in range(7):
        m.step()
    assert not m.review.switches and not m.governance.reviewed
    m.step()  # quarter 8: the council cycle
    assert m.governance.reviewed


def test_form_in_force_is_the_form_governing_most_homes():
    m = make("sok")
    assert form_in_force(m) == "sok"
    for plot in m.area.plots[: len(m.area.plots) // 2 + 1]:
        plot.governing_form = "framework_organic"
    assert form_in_force(m) == "framework_organic"


# =================================================================== behaviour over seeded replications


def _non_signer_payments(m, kinds=("contract_contribution", "verevening"), but: frozenset = frozenset()) -> float:
    """What the deal's non-signers (``but`` those accounts) paid as contract contributions or verevening
    (ledger, M€)."""
    accounts = {o.account for o in m.governance.deal.non_signers} - but
    return sum(v for (payer, _, kind), v in m.ledger.totals.items() if payer in accounts and kind in kinds)


@pytest.mark.slow
def test_a_non_signer_never_pays_the_deals_contributions_nor_is_marked_signed():
    # reference SOK, 10 seeds (~3 s): measured, non-signers in all 10 runs (4-6 owners). Since the review buys
    # and tenders the non-signers' land where the municipality and the signatories dominate the area, a
    # non-signer may win a tender award (1 of 10 runs): a contract it signs itself, with its own
    # contributions. It never pays the refused deal's verevening, any other non-signer no contract
    # contribution, and no plot of a non-signer but one it won by tender carries the deal's contributions
    sc = load_scenario(None)
    outsiders = 0
    for seed in SEEDS:
        m = AreaDevelopmentModel(sc, "sok", seed).run()
        deal = m.governance.deal
        outsiders += len(deal.non_signers)
        assert all(not p.signed for p in deal.parties if p.excluded)
        won = frozenset(e.actor for e in m.events if e.kind == "tender")
        assert _non_signer_payments(m, ("verevening",)) == 0.0
        assert _non_signer_payments(m, but=won) == 0.0
        for owner in deal.non_signers:
            assert all(p.route == "tender" or not p.contract_contributions for p in m.area.plots_of(owner))
    assert outsiders >= 30  # measured 57 over the 10 runs


@pytest.mark.slow
def test_a_stalled_sok_switches_after_the_review_and_the_signatories_deal_stays_in_force():
    # knoopxl SOK, 10 seeds (~4 s): the review at a council quarter switches most runs (the others had agreed
    # by then) and lifts the realisation of the runs whose table stalled
    def runs(*sets):
        sc = load_scenario("knoopxl", list(sets))
        return [AreaDevelopmentModel(sc, "sok", seed).run() for seed in SEEDS]

    reviewed, kept = runs(), runs("instruments.review_after_quarters=400")
    switched = [m for m in reviewed if any(s[1] == "sok" for s in m.review.switches)]
    assert len(switched) >= 6
    for m in switched:
        quarter = m.review.switches[0][0]
        assert quarter % m.scenario.behaviour.election_interval_quarters == 0
        deal = m.governance.deal
        members = set(deal.members)
        # the signatories' deal stays in force: their plots in it, the non-signers' plots under the new form
        assert m.governance.closed
        assert any(p.in_agreement for p in m.area.plots if p.owner in members)
        assert _non_signer_payments(m) == 0.0 or any(
            e.kind == "tender" and e.actor in {o.account for o in deal.non_signers} for e in m.events)
    share = lambda ms: np.array([m.area.homes_with(Status.COMPLETED) / m.area.homes_planned for m in ms])  # noqa: E731
    # re-measured with the review's voorkeursrecht and whole-area beslisboom and the residents' contracted
    # asks (2026-12-05): realisation 0.775-0.975 (mean 0.84) with the review against 0.0-0.975 (mean 0.755)
    # without; the review lifts the lower tail most (10th percentile 0.80 against 0.54)
    r, k = share(reviewed), share(kept)
    assert r.mean() > k.mean() + 0.03, (r, k)
    assert np.percentile(r, 10) > np.percentile(k, 10) + 0.15, (r, k)


# =================================================================== outputs


def test_compare_gives_the_share_of_runs_that_switched():
    import pandas as pd

    from coalitionsim.reporting.tables import interval_json
    from coalitionsim.runner.stats import interval_table, switched_line

    summary = pd.DataFrame({"form": ["sok"] * 4 + ["tender"] * 2, "seed": [1, 2, 3, 4, 1, 2],
                            "realisation_share": [1.0] * 6, "form_switches": [0, 1, 2, 0, 0, 0]})
    table = interval_table(summary, [("realisation_share", "r")])
    assert list(table["switched_share"]) == [0.5, 0.0]
    line = switched_line(table)
    assert "sok 50%" in line and "tender" not in line
    assert '"switched_share": 0.5' in interval_json(table, [("realisation_share", "r")])
    assert switched_line(interval_table(summary.assign(form_switches=0), [])) is None
    assert switched_line(interval_table(summary.drop(columns="form_switches"), [])) is None


def test_a_run_reports_form_switches_and_form_in_force():
    from coalitionsim.runner.runs import run_model

    sc = load_scenario("knoopxl", ["simulation.horizon_quarters=24"])
    result = run_model(sc, "sok", SEEDS[0])
    assert result.summary["form"] == "sok"  # the form chosen at the start
    assert result.summary["form_switches"] == 1  # measured: the review at quarter 16 on this seed
    ts = result.timeseries
    assert ts["form_in_force"].iloc[0] == "sok"
    assert set(ts["form_in_force"]) <= {"sok", "framework_organic"}


def test_a_gem_signatory_that_stayed_out_is_faced_again_by_the_review():
    # a signatory that could not pay in its capital is not a partner: its plots are free for the review
    m = make("gem", "instruments.review_after_quarters=400")
    deal = m.governance.deal
    for p in deal.parties:
        p.signed = True
    deal.done = True
    out = next(p.owner for p in deal.parties if p.owner is not m.municipality and p.owner.developing)
    from coalitionsim.model.governance.gem import JointCompany

    company = JointCompany(m, [o for o in deal.members if o is not out])
    m.governance.company = company
    assert out not in m.governance.bound_owners()
    free = m.governance.release()
    assert free and {p.owner for p in free} == {out}
