"""Rule tests of the one exit mechanism of every land contract (model/exits.py), on a tendered plot whose
bouwplicht falls due: deferring at interest, breaking the contract (the municipality levies the agreed fee
on the price paid, or buys the land back at the price paid minus the fee, by its own business case), and a
higher fee making building anyway the better exit, and re-phasing an obligation whose business case clears
but cannot be financed now; then each rule of the mechanism called directly, at the values where its terms
matter (the survivors of a mutation run of model/exits.py, issue 32)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from coalitionsim import AreaDevelopmentModel, load_scenario
from coalitionsim.model.area import Status
from coalitionsim.model.development import honour_obligation, investment, margin, revenue
from coalitionsim.model.exits import (
    BREAK_FEE, BUY_BACK, DEFER, GO, LEVY, LONGSTOP, REPHASE, BuyBack, Obligation, _pay_interest, break_fee,
    break_terms, case_without_finance, deferral_interest, options, past_longstop, rephased_due,
    rephasing_interest, rephasing_open, resolve)

from helpers import bound_plot, building, set_money

SETS = ["simulation.horizon_quarters=48", "instruments.construction_quarters=2",
        "residents.objection_propensity=0.0"]


def _due(monkeypatch, *sets, finance: bool = False):
    """A tendered plot at its deadline, its developer flush with cash, its one concession spent."""
    m = AreaDevelopmentModel(load_scenario(None, [*SETS, *sets]), form="tender", seed=0)
    plot = bound_plot(m)
    owner = plot.owner
    monkeypatch.setattr(owner, "can_finance", lambda plot, inv: finance)
    set_money(m, owner, owner.balance + 50.0)
    plot.renegotiated = True
    plot.obligation_deadline = m.steps
    return m, plot, owner


def _flow(m, kind, payee=None):
    return sum(v for (_, _, to, k), v in m.ledger.flows.items() if k == kind and payee in (None, to))


def test_a_partner_that_cannot_start_defers_at_interest_until_its_deferrals_run_out(monkeypatch):
    m, plot, owner = _due(monkeypatch)
    cap = m.scenario.instruments.max_deferral_quarters
    interest = deferral_interest(m, plot.land_price)
    assert interest > 0
    for n in range(1, cap + 1):
        assert not honour_obligation(m, owner, plot, margin(m, plot, owner), investment(m, plot), False)
        assert plot.deferrals == n and m.deferrals == n and plot.obligation_deadline == m.steps + 1
        assert abs(_flow(m, "deferred_land_payment") - n * interest) < 1e-9
    # its deferrals spent, it breaks the contract; the land is worth less to the municipality than the price
    # paid, so it levies the fee and the developer keeps its land
    monkeypatch.setattr(m.governance.pool, "forecast", lambda p: 0.5 * p.land_price)
    fee = m.scenario.instruments.build_obligation_penalty * plot.land_price
    before = m.municipality.balance
    honour_obligation(m, owner, plot, margin(m, plot, owner), investment(m, plot), False)
    assert plot.deferrals == cap and not plot.build_obligation and plot.obligation_deadline is None
    assert plot.owner is owner
    assert abs(_flow(m, "break_fee") - fee) < 1e-9 and m.municipality.balance >= before + fee - 1e-9
    assert [e.kind for e in m.events if e.plot == plot.plot_id][-cap - 1:] == ["deferral"] * cap + ["break_fee"]


def test_the_break_fee_is_a_share_of_the_price_paid_not_of_what_the_land_fetches_now(monkeypatch):
    m, plot, owner = _due(monkeypatch, "instruments.max_deferral_quarters=0")
    paid = plot.land_price
    assert paid > 0
    m.market.price_index *= 0.3  # the market collapses: the land fetches far less than was paid
    monkeypatch.setattr(m.governance.pool, "forecast", lambda p: 0.0)
    honour_obligation(m, owner, plot, margin(m, plot, owner), investment(m, plot), False)
    fee = m.scenario.instruments.build_obligation_penalty * paid
    assert fee == break_fee(m, paid) and abs(_flow(m, "break_fee") - fee) < 1e-9


def _break(monkeypatch, forecast_share: float):
    """A bound plot past its deadline and deferrals, whose developer breaks the contract; the municipality's
    forecast of the land is ``forecast_share`` × the price paid."""
    m, plot, owner = _due(monkeypatch, "instruments.max_deferral_quarters=0")
    set_money(m, m.municipality, max(m.municipality.balance, 10 * plot.land_price))
    monkeypatch.setattr(m.governance.pool, "forecast", lambda p: forecast_share * plot.land_price)
    paid = plot.land_price
    honour_obligation(m, owner, plot, margin(m, plot, owner), investment(m, plot), False)
    return m, plot, owner, paid


def test_on_a_break_the_municipality_buys_back_land_worth_more_than_the_price_paid(monkeypatch):
    m, plot, owner, paid = _break(monkeypatch, 1.2)
    fee = break_fee(m, paid)
    # terugkoop at the price paid minus the fee: the land returns to its grondexploitatie at that book value
    assert plot.owner is m.municipality and not plot.build_obligation
    assert plot in m.governance.pool.pool and abs(m.governance.pool.book[plot.plot_id] - (paid - fee)) < 1e-9
    bought_back = sum(v for (q, a, b, k), v in m.ledger.flows.items()
                      if k == "land_sale" and (a, b, q) == (m.municipality.account, owner.account, m.steps))
    assert abs(bought_back - (paid - fee)) < 1e-9
    assert _flow(m, "break_fee") == 0 and any(e.kind == "handback" and e.plot == plot.plot_id for e in m.events)


def test_on_a_break_the_municipality_levies_the_fee_on_land_worth_less_than_the_price_paid(monkeypatch):
    m, plot, owner, paid = _break(monkeypatch, 0.8)
    assert plot.owner is owner and not plot.build_obligation
    assert abs(_flow(m, "break_fee") - break_fee(m, paid)) < 1e-9


def test_a_higher_break_fee_makes_building_anyway_the_better_exit(monkeypatch):
    chosen = {}
    for fee in (0.0, 2.0):
        m, plot, owner = _due(monkeypatch, "instruments.max_deferral_quarters=0",
                              f"instruments.build_obligation_penalty={fee}", finance=True)
        # a small loss on building: below the fee of twice the land price, above a fee of nothing
        m_case = -0.5 * plot.land_price / revenue(m, plot)
        started = honour_obligation(m, owner, plot, m_case, investment(m, plot), False)
        chosen[fee] = (started, plot.status)
    assert chosen[0.0] == (False, chosen[0.0][1]) and chosen[0.0][1] != Status.CONSTRUCTION
    assert chosen[2.0][0] and chosen[2.0][1] == Status.CONSTRUCTION


def test_only_land_the_municipality_sold_can_be_bought_back_by_it(monkeypatch):
    handed = {}
    for seller in ("municipality", "passive signatory"):
        m, plot, owner = _due(monkeypatch, "instruments.max_deferral_quarters=0")
        assert plot.seller == m.municipality.account
        if seller != "municipality":
            plot.seller = "a passive owner"  # bought from a passive SOK signatory: no terugkooprecht
        set_money(m, m.municipality, max(m.municipality.balance, 10 * plot.land_price))
        # the developer cannot pay the fee in cash: the municipality nets it from the buy-back price
        fee = break_fee(m, plot.land_price)
        set_money(m, owner, owner.balance + fee / 2 - owner.free_cash)
        honour_obligation(m, owner, plot, margin(m, plot, owner), investment(m, plot), False)
        handed[seller] = plot.owner is m.municipality
    assert handed == {"municipality": True, "passive signatory": False}


@pytest.mark.parametrize("case_works", [True, False])
def test_a_developer_whose_case_clears_but_who_cannot_finance_its_start_re_phases_instead_of_breaking(
        monkeypatch, case_works):
    # its deferrals spent and no money for the start: with a clearing business case the start is re-phased
    # (no fee, no deferral, the obligation kept, interest on the price paid from the due date to the new one);
    # with a negative one (hardship) it breaks the contract
    m, plot, owner = _due(monkeypatch, "instruments.max_deferral_quarters=0")
    monkeypatch.setattr(m.governance.pool, "forecast", lambda p: 0.5 * p.land_price)  # the seller levies
    building(m, owner, plot)  # one of its own constructions completes in 3 quarters and frees room
    m_case = 0.2 if case_works else -0.5 * plot.land_price / revenue(m, plot)
    before = owner.balance
    started = honour_obligation(m, owner, plot, m_case, investment(m, plot), case_works)
    assert not started and plot.owner is owner and m.deferrals == 0
    if case_works:
        interest = 3 * deferral_interest(m, plot.land_price)
        assert interest > 0 and plot.rephasings == 1
        assert plot.build_obligation and plot.obligation_deadline == rephased_due(m, owner) == m.steps + 3
        assert _flow(m, "break_fee") == 0 and _flow(m, "deferred_land_payment") == pytest.approx(interest)
        assert owner.balance == pytest.approx(before - interest)
        assert [e.kind for e in m.events if e.plot == plot.plot_id][-1] == "rephasing"
    else:
        assert _flow(m, "deferred_land_payment") == 0 and plot.rephasings == 0
        assert not plot.build_obligation and _flow(m, "break_fee") == pytest.approx(break_fee(m, plot.land_price))


def test_the_interest_of_a_re_phasing_runs_from_the_original_due_date(monkeypatch):
    # the deadline passed two quarters ago (say, while its permit was under way): the seller has carried the
    # land since, so the re-phasing to 3 quarters from now costs five quarters' interest on the price paid
    m, plot, owner = _due(monkeypatch, "instruments.max_deferral_quarters=0")
    building(m, owner, plot)
    plot.obligation_deadline = m.steps - 2
    honour_obligation(m, owner, plot, 0.2, investment(m, plot), True)
    assert plot.obligation_deadline == m.steps + 3
    assert _flow(m, "deferred_land_payment", m.municipality.account) == pytest.approx(
        5 * deferral_interest(m, plot.land_price))


def test_an_obligation_is_re_phased_at_most_max_rephasings_times(monkeypatch):
    # the case clears but the start cannot be financed, quarter after quarter: it re-phases once (the contract's
    # default), then, its re-phasing spent, defers at interest like any partner that cannot start; with two
    # re-phasings allowed it re-phases twice
    for allowed in (1, 2):
        m, plot, owner = _due(monkeypatch, f"instruments.max_rephasings={allowed}")
        building(m, owner, plot)
        kinds = []
        for _ in range(allowed + 1):
            plot.obligation_deadline = m.steps
            honour_obligation(m, owner, plot, 0.2, investment(m, plot), True)
            kinds.append([e.kind for e in m.events if e.plot == plot.plot_id][-1])
        assert kinds == ["rephasing"] * allowed + ["deferral"] and plot.rephasings == allowed, (allowed, kinds)


def test_a_re_phased_obligation_falls_due_when_one_of_its_partners_constructions_completes(monkeypatch):
    m, plot, owner = _due(monkeypatch)
    term = m.scenario.instruments.build_obligation_quarters
    monkeypatch.setattr(m.area, "plots_of", lambda o: [])
    assert rephased_due(m, owner) == m.steps + term  # nothing under construction: the programme's next phase
    building = [SimpleNamespace(status=Status.CONSTRUCTION, construction_remaining=r) for r in (5, 3)]
    building.append(SimpleNamespace(status=Status.STALLED, construction_remaining=0))
    monkeypatch.setattr(m.area, "plots_of", lambda o: building)
    assert rephased_due(m, owner) == m.steps + 3  # the first of its constructions to complete
    building[:2] = [SimpleNamespace(status=Status.CONSTRUCTION, construction_remaining=term + 5)]
    assert rephased_due(m, owner) == m.steps + term  # never more than one term of the contract on


# ---------------------------------------------------------------------------------------------------------------
# The rules one by one, called directly on a fresh model (no quarter run) with a hand-made obligation: the agreed
# price is 4 M€ and the break fee a quarter of it (1 M€), so that the rules' thresholds fall on exact numbers.

def _contract(monkeypatch, *sets, running=()):
    """A fresh tender model, one of its developers (whose constructions complete in ``running`` quarters) and a
    plot; the municipality is the seller, with a break fee of a quarter of the agreed price."""
    m = AreaDevelopmentModel(load_scenario(None, ["instruments.build_obligation_penalty=0.25", *sets]),
                             form="tender", seed=0)
    owner = next(a for a in m.actors() if a.group == "developers")
    plot = m.area.plots[0]
    assert all(p.status != Status.CONSTRUCTION for p in m.area.plots_of(owner))
    for r in running:
        building(m, owner, plot, r)
    return m, owner, plot


def _cash(monkeypatch, owner, value: float) -> None:
    """The developer's free cash is exactly ``value`` M€ (the rules' thresholds are compared at equality)."""
    real = type(owner).free_cash
    monkeypatch.setattr(type(owner), "free_cash", property(lambda a: value if a is owner else real.fget(a)))


def _obligation(m, *, go=None, later=None, renegotiate=None, buy_back=None, agreed=4.0, due=None, longstop=False):
    """An obligation on the plot under the bouwplicht; ``done`` lists what its exits did."""
    done = []
    ob = Obligation("bouwplicht", agreed, agreed, m.municipality.account,
                    go=None if go is None else (go, lambda: done.append(GO) or True),
                    renegotiate=None if renegotiate is None else (renegotiate, lambda: done.append("renegotiated")),
                    buy_back=buy_back, postpone=lambda q: done.append(("postponed to", q)),
                    release=lambda: done.append("released"), later=later, due=due,
                    longstop=(lambda: done.append(LONGSTOP)) if longstop else None)
    return ob, done


def test_a_quarters_deferral_interest_is_a_quarter_of_the_yearly_rate_on_the_price(monkeypatch):
    m, _, _ = _contract(monkeypatch)
    rate = m.market.interest_rate
    assert rate > 0
    assert deferral_interest(m, 0.5) == pytest.approx(0.5 * rate / 4)  # a price below 1 M€ too
    assert deferral_interest(m, -2.0) == 0.0  # no interest on a negative price


def test_the_break_fee_is_the_penalty_share_of_the_agreed_price_however_small(monkeypatch):
    m, _, _ = _contract(monkeypatch)
    assert break_fee(m, 4.0) == 1.0 and break_fee(m, 0.5) == pytest.approx(0.125)
    assert break_fee(m, -1.0) == 0.0


def test_a_construction_completing_next_quarter_re_phases_the_obligation_to_next_quarter(monkeypatch):
    m, owner, _ = _contract(monkeypatch, running=(1, 5))
    assert rephased_due(m, owner) == m.steps + 1


def test_re_phasing_interest_runs_from_the_due_date_or_from_now_and_is_nothing_for_no_delay(monkeypatch):
    m, owner, _ = _contract(monkeypatch)
    m.steps = 5
    q = deferral_interest(m, 4.0)
    now, _ = _obligation(m, later=1.0)  # falls due now (no due date given)
    assert rephasing_interest(m, now, m.steps + 2) == pytest.approx(2 * q)
    assert rephasing_interest(m, now, m.steps) == 0.0
    overdue, _ = _obligation(m, later=1.0, due=3)  # fell due two quarters ago: the seller carried it since
    assert rephasing_interest(m, overdue, m.steps + 1) == pytest.approx(3 * q)
    early, _ = _obligation(m, later=1.0, due=m.steps + 3)  # a due date still ahead runs from now
    assert rephasing_interest(m, early, m.steps + 1) == pytest.approx(q)


def test_only_a_case_that_clears_but_cannot_be_financed_is_re_phased_until_its_re_phasings_are_spent(monkeypatch):
    m, _, plot = _contract(monkeypatch, "instruments.max_rephasings=2")
    clears, _ = _obligation(m, later=1.0)  # cannot go ahead now, but its case clears
    goes, _ = _obligation(m, go=1.0, later=1.0)  # can go ahead now
    hardship, _ = _obligation(m)  # its case does not clear
    assert case_without_finance(clears) and not case_without_finance(goes) and not case_without_finance(hardship)
    plot.rephasings = 1
    assert rephasing_open(m, plot, clears)
    assert not rephasing_open(m, plot, goes) and not rephasing_open(m, plot, hardship)
    plot.rephasings = 2
    assert not rephasing_open(m, plot, clears)


def test_the_longstop_ends_a_claim_only_once_its_re_phasings_are_spent(monkeypatch):
    m, owner, plot = _contract(monkeypatch)
    held, done = _obligation(m, later=1.0, longstop=True)
    assert not past_longstop(m, plot, held)  # a re-phasing is still open
    plot.rephasings = 1
    assert past_longstop(m, plot, held)
    assert resolve(m, owner, plot, held) == LONGSTOP and done == [LONGSTOP]
    without, _ = _obligation(m, later=1.0)  # the tender's bouwplicht has no longstop
    goes, _ = _obligation(m, go=1.0, later=1.0, longstop=True)
    assert not past_longstop(m, plot, without) and not past_longstop(m, plot, goes)


def test_re_phasing_is_worth_what_going_ahead_later_earns_less_the_interest_to_the_next_completion(monkeypatch):
    m, owner, plot = _contract(monkeypatch, running=(3,))
    assert m.scenario.instruments.build_obligation_quarters != 3
    ob, _ = _obligation(m, later=2.0)
    interest = 3 * deferral_interest(m, 4.0)
    assert options(m, owner, plot, ob)[REPHASE] == pytest.approx(2.0 - interest)
    # open to a partner that can pay that interest, to the last cent, and not to one that cannot
    _cash(monkeypatch, owner, rephasing_interest(m, ob, rephased_due(m, owner)))
    assert REPHASE in options(m, owner, plot, ob)
    _cash(monkeypatch, owner, 0.99 * interest)
    assert REPHASE not in options(m, owner, plot, ob)


def test_a_deferral_costs_its_interest_and_is_open_to_a_partner_that_can_pay_exactly_that(monkeypatch):
    m, owner, plot = _contract(monkeypatch)
    ob, _ = _obligation(m)
    interest = deferral_interest(m, 4.0)
    _cash(monkeypatch, owner, interest)
    assert options(m, owner, plot, ob)[DEFER] == -interest < 0
    _cash(monkeypatch, owner, 0.99 * interest)
    assert DEFER not in options(m, owner, plot, ob)


def test_the_seller_levies_the_fee_from_a_partner_that_can_pay_it_within_the_ledgers_tolerance(monkeypatch):
    m, owner, _ = _contract(monkeypatch)
    ob, _ = _obligation(m)  # land the seller cannot buy back
    _cash(monkeypatch, owner, break_fee(m, 4.0) - 1e-9)  # short by a rounding: the ledger takes the payment
    assert break_terms(m, owner, ob) == (LEVY, 1.0)
    _cash(monkeypatch, owner, 0.5)  # half the fee: no break is possible
    assert break_terms(m, owner, ob) is None


def test_the_seller_buys_back_only_land_worth_more_to_it_than_the_price_paid(monkeypatch):
    m, owner, _ = _contract(monkeypatch)
    _cash(monkeypatch, owner, 10.0)

    def terms(value):
        ob, _ = _obligation(m, buy_back=BuyBack(value, lambda price: True, lambda price: True))
        return break_terms(m, owner, ob)

    # the buy-back price is the agreed 4 M€ less the fee of 1 M€: land worth 4 M€ to it gains it as much as
    # the fee (a tie: it levies the fee), land worth more gains it more
    assert terms(4.0) == (LEVY, 1.0)
    assert terms(4.5) == (BUY_BACK, 3.0)
    _cash(monkeypatch, owner, 0.5)  # a partner that cannot pay the fee: it is netted from the price
    assert terms(3.5) == (BUY_BACK, 3.0)


def _last_ask(m):
    quarter, actor, _, kind, amount, paid, _, plot = m.asks.records[-1]
    return quarter, actor, kind, amount, paid, plot


def test_interest_paid_or_refused_is_recorded_as_a_bouwplicht_ask_on_the_plot(monkeypatch):
    m, owner, plot = _contract(monkeypatch)
    ob, _ = _obligation(m)
    set_money(m, owner, 10.0)
    _pay_interest(m, owner, plot, ob, 0.5)
    assert _last_ask(m) == (m.steps, owner.account, "bouwplicht", 0.5, 0.5, plot.plot_id)
    assert _flow(m, "deferred_land_payment", m.municipality.account) == 0.5
    # a partner with nothing available: the seller is not paid and the ask is not carried
    set_money(m, owner, owner.balance - m.ledger.available(owner.account))
    _pay_interest(m, owner, plot, ob, 0.5)
    assert _last_ask(m) == (m.steps, owner.account, "bouwplicht", 0.5, 0.0, plot.plot_id)
    assert _flow(m, "deferred_land_payment", m.municipality.account) == 0.5 and owner.ask_failed


def test_a_levied_break_fee_is_paid_recorded_as_an_ask_logged_and_releases_the_obligation(monkeypatch):
    m, owner, plot = _contract(monkeypatch, "instruments.max_deferral_quarters=0")
    set_money(m, owner, 10.0)
    ob, done = _obligation(m)  # hardship: its case does not clear, it cannot go ahead
    assert resolve(m, owner, plot, ob) == BREAK_FEE and done == ["released"]
    assert _flow(m, "break_fee", m.municipality.account) == 1.0
    assert _last_ask(m) == (m.steps, owner.account, "bouwplicht", 1.0, 1.0, plot.plot_id)
    e = m.events[-1]
    assert (e.kind, e.actor, e.plot, e.amount) == ("break_fee", owner.account, plot.plot_id, -1.0)
    assert e.text == (f"{owner.name}, plot {plot.plot_id} bouwplicht: breaks the contract, the seller levies the "
                      f"break fee (€1.0 m) (breaks the contract -1.0; M€)")


def test_going_ahead_wins_a_tie_and_is_logged_under_the_contracts_own_kind_with_every_exits_value(monkeypatch):
    m, owner, plot = _contract(monkeypatch, "instruments.max_deferral_quarters=0")
    set_money(m, owner, 10.0)
    ob, done = _obligation(m, go=0.0, renegotiate=0.0)
    assert resolve(m, owner, plot, ob, note=" (its start)") == GO and done == [GO]
    e = m.events[-1]
    assert (e.kind, e.actor, e.plot, e.amount) == ("bouwplicht", owner.account, plot.plot_id, 0.0)
    assert e.text == (f"{owner.name}, plot {plot.plot_id} bouwplicht (its start): builds anyway (builds anyway "
                      f"+0.0, breaks the contract -1.0, renegotiates +0.0; M€)")


def test_a_re_phasing_pays_its_interest_moves_the_due_date_and_says_when_and_what_it_costs(monkeypatch):
    m, owner, plot = _contract(monkeypatch, "instruments.max_deferral_quarters=0", running=(3,))
    set_money(m, owner, 10.0)
    ob, done = _obligation(m, later=2.0)
    interest = 3 * deferral_interest(m, 4.0)
    assert resolve(m, owner, plot, ob) == REPHASE and done == [("postponed to", m.steps + 3)]
    assert plot.rephasings == 1 and _flow(m, "deferred_land_payment") == pytest.approx(interest)
    e = m.events[-1]
    assert (e.kind, e.amount) == ("rephasing", pytest.approx(2.0 - interest))
    assert (f"re-phases, due at quarter {m.steps + 3}: its business case clears but it cannot finance it now; "
            f"interest €{interest:.2f} m on the agreed price") in e.text
