"""The SOK's grondprijs and phased take-up (governance/sok.py) and its exits (model/exits.py): rule tests
at values where each rule matters, and behavioural tests over seeded replications."""

from __future__ import annotations

from collections import Counter

import pytest

from coalitionsim import AreaDevelopmentModel, load_scenario
from coalitionsim.model.area import Status
from coalitionsim.model.development import expected_prices, land_bid, profit
from coalitionsim.model.exits import EXIT_EVENTS, rephased_due
from coalitionsim.model.governance.sok import grondprijs
from coalitionsim.model.land import land_buyers

from helpers import building, set_money

DOWNTURN = "market.shocks=[{kind='downturn', quarter=12, magnitude=0.35, duration=24}]"


def _closed(seed: int = 2, *sets):
    """An SOK run stepped until its deal has closed and its first claim's plan is in force."""
    m = AreaDevelopmentModel(load_scenario(None, list(sets)), form="sok", seed=seed)
    g = m.governance
    while m.steps < 60 and not (g.closed and any(c.plot.in_plan for c in g.claims.values())):
        m.step()
    assert g.claims, "the SOK allotted no land to take up"
    claim = next(c for c in g.claims.values() if c.plot.in_plan)
    set_money(m, claim.partner, claim.partner.balance + 100.0)
    return m, g, claim


def _flow(m, kind, payee=None):
    return sum(v for (_, _, to, k), v in m.ledger.flows.items() if k == kind and payee in (None, to))


def test_the_grondprijs_is_the_residual_value_with_the_book_value_as_floor():
    m, g, claim = _closed()
    residual = land_bid(m, claim.plot, claim.partner)
    claim.floor = residual - 1.0
    assert grondprijs(m, claim) == (residual, residual)
    claim.floor = residual + 1.0
    assert grondprijs(m, claim) == (residual + 1.0, residual)


def test_take_up_is_phased_one_plot_per_term_for_each_partner():
    m, g, claim = _closed()
    term = m.scenario.instruments.build_obligation_quarters
    by_partner: dict = {}
    for c in g.claims.values():
        by_partner.setdefault(c.partner, []).append(c.due)
    assert any(len(d) > 1 for d in by_partner.values())
    for dues in by_partner.values():
        dues.sort()
        assert all(b - a == term for a, b in zip(dues, dues[1:])), dues


def test_a_partner_takes_up_only_at_or_below_its_residual_value_before_the_due_quarter(monkeypatch):
    m, g, claim = _closed()
    plot, seller = claim.plot, claim.plot.owner
    monkeypatch.setattr(claim.partner, "can_take_on", lambda plot, outlay: True)
    # the municipality's forecast covers its book value: no write-down, the floor is the book value
    monkeypatch.setattr(g.pool, "forecast", lambda p: g.pool.book[p.plot_id])
    claim.due = m.steps + 10
    residual = land_bid(m, plot, claim.partner)
    g.pool.book[plot.plot_id] = residual + 1.0  # the seller's book value above what the plot is worth to the partner
    g._take_up()
    assert plot.owner is seller and plot.plot_id in g.claims and claim.floor == residual + 1.0
    g.pool.book[plot.plot_id] = residual - 1.0
    g._take_up()
    assert plot.owner is claim.partner and plot.land_price == pytest.approx(residual)
    assert g.takeups[-1][2] <= g.takeups[-1][3] + 1e-9 and plot.build_obligation


def test_a_take_up_due_in_a_bad_market_is_deferred_at_interest_to_the_seller(monkeypatch):
    m, g, claim = _closed()
    plot, seller = claim.plot, claim.plot.owner
    monkeypatch.setattr(g.pool, "forecast", lambda p: g.pool.book[p.plot_id])  # no write-down
    # a book value above the whole profit of the plot: going ahead would lose money
    g.pool.book[plot.plot_id] = profit(m, plot, claim.partner, land_cost=0.0) + 1.0
    plot.renegotiated = True  # no concession left: the partner defers before it pays the fee
    claim.due = m.steps
    g._take_up()
    assert plot.owner is seller and plot.deferrals == 1 and claim.due == m.steps + 1
    assert _flow(m, "deferred_land_payment", seller.account) == pytest.approx(
        claim.floor * m.market.interest_rate / 4)


def _bad_take_up(monkeypatch, can_take_on: bool):
    """A claim at its due quarter whose grondprijs is its floor, just above the residual value: going ahead
    earns the partner more than any exit, if it can finance the plot and its start on top of its pipeline."""
    m, g, claim = _closed()
    monkeypatch.setattr(claim.partner, "can_take_on", lambda plot, outlay: can_take_on)
    claim.floor = land_bid(m, claim.plot, claim.partner) + 0.5
    if claim.plot.plot_id in g.pool.book:  # municipal land: the floor is its book value in the grondexploitatie,
        g.pool.book[claim.plot.plot_id] = claim.floor  # which here its forecast covers (nothing to write down)
        monkeypatch.setattr(g.pool, "settle", lambda plot, value: True)
    claim.plot.renegotiated = True  # no concession left
    claim.due = m.steps
    return m, g, claim


def test_a_partner_takes_up_at_its_due_quarter_only_if_it_can_finance_the_plot_and_its_start(monkeypatch):
    for finance in (True, False):
        m, g, claim = _bad_take_up(monkeypatch, finance)
        claim.agreed = claim.floor
        assert claim.partner.can_buy(claim.floor) and profit(m, claim.plot, claim.partner, claim.floor) > 0
        g._take_up()
        if finance:
            assert claim.plot.owner is claim.partner
        else:  # it could pay the land but not go ahead with it: it defers, it does not take it up
            assert claim.plot.owner is not claim.partner and claim.plot.deferrals == 1


def test_take_up_and_start_are_one_obligation(monkeypatch):
    m, g, claim = _bad_take_up(monkeypatch, True)
    claim.plot.deferrals = 2  # deferrals spent on the take-up count against the start
    g._take_up()
    plot = claim.plot
    assert plot.owner is claim.partner and plot.build_obligation and plot.deferrals == 2
    # the start is due once its permit can be in, not a whole new bouwplicht term after the take-up
    assert plot.obligation_deadline == m.steps + m.scenario.municipality.permit_min_quarters
    assert plot.obligation_deadline < m.steps + m.scenario.instruments.build_obligation_quarters


def test_walking_away_from_a_take_up_costs_the_fee_on_the_agreed_price_not_on_todays(monkeypatch):
    m, g, claim = _closed()
    partner, plot = claim.partner, claim.plot
    monkeypatch.setattr(partner, "can_take_on", lambda plot, outlay: False)
    assert claim.agreed >= claim.floor > 0  # the SOK named a grondprijs at its close
    claim.agreed = 10.0  # say it named 10 M€
    m.market.price_index *= 0.5  # the market has halved since: today's grondprijs is not the agreed one
    assert grondprijs(m, claim)[0] != pytest.approx(10.0)
    plot.renegotiated = True
    plot.deferrals = m.scenario.instruments.max_deferral_quarters
    claim.due = m.steps
    g._take_up()
    fee = m.scenario.instruments.build_obligation_penalty * 10.0
    assert plot.plot_id not in g.claims and _flow(m, "break_fee", plot.owner.account) == pytest.approx(fee)


@pytest.mark.parametrize("clears", [True, False])
def test_a_partner_whose_case_clears_but_who_cannot_finance_its_take_up_re_phases_it(monkeypatch, clears):
    # its deferrals spent and no financing room for the plot and its start: with a grondprijs that leaves it
    # its hurdle the take-up is re-phased (no fee, no deferral, the claim kept, interest on the agreed price to
    # the seller from the due quarter); with a grondprijs above the whole profit of the plot (hardship) it
    # walks away for the fee
    m, g, claim = _closed()
    partner, plot, seller = claim.partner, claim.plot, claim.plot.owner
    monkeypatch.setattr(partner, "can_take_on", lambda plot, outlay: False)
    residual = land_bid(m, plot, partner)
    claim.floor = residual - 0.5 if clears else profit(m, plot, partner, land_cost=0.0) + 1.0
    if plot.plot_id in g.pool.book:  # municipal land: the floor is its book value in the grondexploitatie,
        g.pool.book[plot.plot_id] = claim.floor  # which here its forecast covers (nothing to write down)
        monkeypatch.setattr(g.pool, "settle", lambda plot, value: True)
    claim.agreed = max(claim.floor, 1.0)
    plot.renegotiated = True
    plot.deferrals = m.scenario.instruments.max_deferral_quarters
    claim.due = m.steps
    building(m, partner, plot)  # one of its own constructions completes in 3 quarters and frees room
    g._take_up()
    assert plot.owner is seller and m.deferrals == 0
    if clears:
        assert _flow(m, "deferred_land_payment", seller.account) == pytest.approx(
            3 * claim.agreed * m.market.interest_rate / 4) and plot.rephasings == 1
        assert plot.plot_id in g.claims and claim.due == rephased_due(m, partner) == m.steps + 3
        assert _flow(m, "break_fee") == 0 and plot.deferrals == m.scenario.instruments.max_deferral_quarters
        assert [e.kind for e in m.events if e.plot == plot.plot_id][-1] == "rephasing"
    else:
        assert plot.plot_id not in g.claims and _flow(m, "deferred_land_payment") == 0
        assert _flow(m, "break_fee", seller.account) == pytest.approx(
            m.scenario.instruments.build_obligation_penalty * claim.agreed)


def test_a_renegotiation_writes_the_municipal_floor_down_to_the_residual_and_closes_the_take_up():
    m, g, claim = _closed()
    plot = claim.plot
    assert plot.owner is m.municipality
    m.municipality.talks_left = 5
    residual = land_bid(m, plot, claim.partner)
    assert residual > 0
    claim.floor = g.pool.book[plot.plot_id] = residual + 1.0
    claim.due = m.steps
    g._exit(claim, grondprijs(m, claim)[0])
    assert plot.owner is claim.partner and plot.renegotiated
    # taken up at the residual value under the renegotiated programme, below the old book value
    assert plot.land_price == pytest.approx(g.takeups[-1][3]) and plot.land_price < residual + 1.0
    assert any(e.kind == "renegotiation" and e.plot == plot.plot_id for e in m.events)
    # the municipality chose to write down (no running shock: waiting does not pay): a writedown event
    down = [e for e in m.events if e.kind == "writedown" and e.plot == plot.plot_id]
    assert len(down) == 1 and down[0].amount == pytest.approx(residual + 1.0 - plot.land_price)


def _depressed(m, factor: float = 0.85) -> None:
    """A downturn running now: prices at ``factor`` of the level the market returns to when it passes."""
    m.market.price_index = factor * m.market.underlying()[0]


def test_the_sok_municipal_land_waits_while_waiting_pays_and_is_written_down_otherwise(monkeypatch):
    # one grondexploitatie rule (land.TenderPool.settle) for the land the municipality tenders and the land
    # an SOK partner takes up from it
    m, g, claim = _closed()
    plot = claim.plot
    assert plot.owner is m.municipality
    monkeypatch.setattr(claim.partner, "can_take_on", lambda plot, outlay: True)
    claim.due = m.steps + 10
    with expected_prices(m):
        expected = g.pool.forecast(plot)
    _depressed(m, 0.95)
    assert 0 < g.pool.forecast(plot) < expected - 2.0
    g.pool.book[plot.plot_id] = expected
    g._take_up()
    # a downturn expected to pass: it waits, the floor stays its book value, nothing is written down
    assert plot.owner is m.municipality and claim.floor == pytest.approx(expected)
    assert not any(e.kind == "writedown" and e.plot == plot.plot_id for e in m.events)
    # the market back at its level, the book value 2 M€ above the forecast: written down at once to the
    # forecast, the floor of the take-up
    m.market.price_index = m.market.underlying()[0]
    forecast = g.pool.forecast(plot)
    g.pool.book[plot.plot_id] = forecast + 2.0
    g._take_up()
    assert [e.amount for e in m.events if e.kind == "writedown" and e.plot == plot.plot_id] == [pytest.approx(2.0)]
    assert claim.floor == pytest.approx(forecast)
    # the partner takes the plot up once its residual value reaches that floor (at once when its margin is
    # the market's mean, as here; else with a floor below its residual value), at its residual value
    if plot.owner is m.municipality:
        g.pool.book[plot.plot_id] = land_bid(m, plot, claim.partner) - 1.0
        g._take_up()
    taken = next(t for t in reversed(g.takeups) if t[0] == plot.plot_id)
    assert plot.owner is claim.partner and plot.land_price == pytest.approx(taken[3])


def test_a_renegotiation_lowers_the_municipal_price_only_when_the_rule_writes_down():
    m, g, claim = _closed()
    plot = claim.plot
    m.municipality.talks_left = 5
    with expected_prices(m):
        expected = land_bid(m, plot, claim.partner)
    _depressed(m, 0.97)
    residual = land_bid(m, plot, claim.partner)
    assert 0 < residual < expected - 1.0
    claim.floor = g.pool.book[plot.plot_id] = expected  # waiting for the market to return pays
    kept = g._concession(claim)
    assert kept is None or kept[2] == expected  # the programme may change, the price does not
    m.market.price_index = m.market.underlying()[0] * 0.999  # a shallow dip: waiting does not pay
    lowered = g._concession(claim)
    assert lowered is not None and lowered[2] < expected


# ------------------------------------------------------------------------ behaviour over seeds


def _final_choices(m) -> Counter:
    """The take-up exits chosen (a deferral or a re-phasing only postpones one)."""
    out = Counter()
    for e in m.events:
        if (e.kind == "takeup" or e.kind in EXIT_EVENTS.values()) and " takeup (" in e.text:
            choice = e.text.split(": ")[1].split(" (")[0].split(",")[0]
            if choice not in ("defers", "re-phases"):
                out[choice] += 1
    return out


@pytest.mark.slow
@pytest.mark.parametrize("sets", [(), (DOWNTURN,)])
def test_no_partner_takes_up_above_its_residual_value_unless_it_chose_to(sets):
    for seed in (1, 2, 3):
        m = AreaDevelopmentModel(load_scenario(None, list(sets)), form="sok", seed=seed).run()
        takeups = m.governance.takeups
        above = [t for t in takeups if t[2] > t[3] + 1e-9]
        # every take-up above the residual value is one the partner chose at its due quarter, logged
        assert all(t[4] for t in above), above
        chosen = {e.plot for e in m.events if e.kind == "takeup" and ": builds anyway" in e.text}
        assert {t[0] for t in above} <= chosen


@pytest.mark.slow
def test_in_a_downturn_partners_take_exits_and_a_higher_break_fee_keeps_their_claims_alive():
    # measured (seeds 1-4, reference with a 35% downturn from quarter 12 for 24 quarters): no partner can
    # finance a plot and its start at its due quarter in the downturn, so going ahead is rarely open there
    # (3 "builds anyway" at no fee, seed 2; the fee cannot buy a start nobody can finance; a partner whose
    # case clears re-phases its take-up instead, exits.rephased_due). Since the downturn costs the growth of
    # its quarters (the trend does not drift while it runs) and the re-phasing limit: with no break fee
    # 52 deferrals (36, 0, 12, 4 per seed), 24 breaks, 20 re-phasings; with a fee of twice the agreed price
    # 100 deferrals (48, 12, 24, 16), 19 breaks, 24 re-phasings; no renegotiation at either fee (in the
    # downturn no partner can take a plot up even at its residual value, which the concession requires).
    # Before: 0 and 113 deferrals, 32 and 19 breaks, 2 and 8 renegotiations. Bounds: deferrals, breaks and
    # re-phasings all taken; with the higher fee at least 1.5 times the deferrals (measured 1.9; higher on
    # every seed) and fewer breaks
    choices, deferrals, exits_taken = {}, {}, Counter()
    for fee in (0.0, 2.0):
        total, deferred = Counter(), 0
        for seed in (1, 2, 3, 4):
            m = AreaDevelopmentModel(load_scenario(None, [DOWNTURN, f"instruments.build_obligation_penalty={fee}"]),
                                     form="sok", seed=seed).run()
            total += _final_choices(m)
            deferred += sum(1 for e in m.events if e.kind == "deferral" and " takeup (" in e.text)
            exits_taken += Counter(e.kind for e in m.events if e.kind in EXIT_EVENTS.values())
        choices[fee], deferrals[fee] = total, deferred
    assert exits_taken["deferral"] > 0 and exits_taken["break_fee"] > 0 and exits_taken["rephasing"] > 0
    assert deferrals[2.0] >= 1.5 * deferrals[0.0], deferrals
    assert choices[2.0]["breaks the contract"] < choices[0.0]["breaks the contract"], choices


@pytest.mark.slow
def test_partners_whose_case_clears_re_phase_their_take_up_and_do_not_walk_away():
    # measured (reference, default market, seeds 0, 2, 3): before the re-phasing the partners that could
    # not finance a take-up at its due quarter deferred and then broke 6, 9 and 6 take-ups, though their
    # business case cleared; with it 0, 0 and 0 breaks (7, 6 and 6 re-phasings since the re-phasing limit).
    # Realisation 1.0, 0.92 and 0.97 (was 1.0 on each): the homes left unbuilt are on plots their owners
    # hold to the horizon, not on a partner's broken claim (seed 2: two owners that withdrew at quarter 35
    # from a sale under the voorkeursrecht, and a non-signer that refuses to sell at any price, 375 homes;
    # seed 3: one such plot). Bounds: no break, some re-phasing, and realisation of at least 0.9 on each seed
    for seed in (0, 2, 3):
        m = AreaDevelopmentModel(load_scenario(None, []), form="sok", seed=seed).run()
        kinds = Counter(e.kind for e in m.events)
        assert kinds["break_fee"] == 0 and kinds["rephasing"] > 0, (seed, kinds)
        assert m.area.homes_with(Status.COMPLETED) >= 0.9 * sum(p.homes for p in m.area.plots), seed


@pytest.mark.parametrize("carried", [True, False])
def test_past_its_longstop_a_claim_is_re_allotted_to_a_partner_who_can_carry_it_or_falls_back(monkeypatch, carried):
    # its partner re-phased as often as the contract allows and still cannot finance a take-up whose case
    # clears: the plot goes to another partner of the deal that can take it up now (no fee), or, with none
    # able to, back to its seller (municipal land into its tender pool; a passive signatory keeps its land)
    m, g, claim = _closed()
    partner, plot, seller = claim.partner, claim.plot, claim.plot.owner
    others = [d for d in land_buyers(m, g.deal.members) if d is not partner and not d.dropped_out]
    assert others, "the deal has one developing partner only"
    monkeypatch.setattr(partner, "can_take_on", lambda plot, outlay: False)
    for other in others:
        set_money(m, other, other.balance + 100.0)
        if not carried:
            monkeypatch.setattr(other, "can_take_on", lambda plot, outlay: False)
    if plot.plot_id in g.pool.book:  # nothing to write down: its forecast covers the book value
        g.pool.book[plot.plot_id] = claim.floor = min(claim.floor, land_bid(m, plot, partner) - 0.5)
        monkeypatch.setattr(g.pool, "settle", lambda plot, value: True)
    claim.agreed = max(claim.floor, 1.0)
    plot.renegotiated = True
    plot.rephasings = m.scenario.instruments.max_rephasings
    claim.due = m.steps
    g._take_up()
    assert plot.plot_id not in g.claims and _flow(m, "break_fee") == 0
    assert [e.kind for e in m.events if e.plot == plot.plot_id].count("reallotment") == 1
    if carried:
        assert plot.owner in others and plot.rephasings == 0
    else:
        assert plot.owner is seller and (plot in g.pool.pool) == (seller is m.municipality)


@pytest.mark.slow
def test_no_claim_is_re_phased_past_its_limit_and_the_sellers_are_paid_for_carrying_the_land():
    # measured (reference, default market, seeds 0, 2, 3): before the interest and the longstop 11, 12 and 9
    # re-phasings, a plot re-phased up to 3, 4 and 3 times by the same partner, and no interest paid; with them
    # 7, 7 and 5 re-phasings, interest to the sellers of 9.1, 4.0 and 2.6 M€, and 3 claims per run past
    # their longstop (re-allotted or taken back). Bounds: no partner re-phases one plot more than
    # max_rephasings times, at least 1 M€ interest and at least one longstop per run
    limit = load_scenario(None, []).instruments.max_rephasings
    for seed in (0, 2, 3):
        m = AreaDevelopmentModel(load_scenario(None, []), form="sok", seed=seed).run()
        per_claim = Counter((e.plot, e.actor) for e in m.events if e.kind == "rephasing")
        assert max(per_claim.values()) <= limit, (seed, per_claim.most_common(3))
        assert _flow(m, "deferred_land_payment") >= 1.0, seed
        assert any(e.kind == "reallotment" for e in m.events), seed
