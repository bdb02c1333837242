"""Rule tests of the one exit mechanism of every land contract (model/exits.py), on a tendered plot whose
bouwplicht falls due: deferring at interest, paying the agreed break fee, and a higher fee making building
anyway the better exit."""

from __future__ import annotations

from coalitionsim import AreaDevelopmentModel, load_scenario
from coalitionsim.model.area import Status
from coalitionsim.model.development import honour_obligation, investment, margin, revenue
from coalitionsim.model.exits import deferral_interest

from helpers import bound_plot, set_money

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


def _flow(m, kind):
    return sum(v for (_, _, _, k), v in m.ledger.flows.items() if k == kind)


def test_a_partner_that_cannot_start_defers_at_interest_until_its_deferrals_run_out(monkeypatch):
    m, plot, owner = _due(monkeypatch)
    cap = m.scenario.instruments.max_deferral_quarters
    interest = deferral_interest(m, plot.land_price)
    assert interest > 0
    for n in range(1, cap + 1):
        assert not honour_obligation(m, owner, plot, margin(m, plot, owner), investment(m, plot), False)
        assert plot.deferrals == n and m.deferrals == n and plot.obligation_deadline == m.steps + 1
        assert abs(_flow(m, "deferred_land_payment") - n * interest) < 1e-9
    # its deferrals spent, it pays the break fee (cheaper than handing back at a discount plus the fee)
    fee = m.scenario.instruments.build_obligation_penalty * plot.land_price
    before = m.municipality.balance
    honour_obligation(m, owner, plot, margin(m, plot, owner), investment(m, plot), False)
    assert plot.deferrals == cap and not plot.build_obligation and plot.obligation_deadline is None
    assert abs(_flow(m, "break_fee") - fee) < 1e-9 and m.municipality.balance >= before + fee - 1e-9
    assert [e.kind for e in m.events if e.plot == plot.plot_id][-cap - 1:] == ["deferral"] * cap + ["break_fee"]


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


def test_only_land_the_municipality_sold_can_be_handed_back_to_it(monkeypatch):
    handed = {}
    for seller in ("municipality", "passive signatory"):
        m, plot, owner = _due(monkeypatch, "instruments.max_deferral_quarters=0",
                              "instruments.build_obligation_penalty=2.0")
        assert plot.seller == m.municipality.account
        if seller != "municipality":
            plot.seller = "a passive owner"  # bought from a passive SOK signatory: no terugkooprecht
        set_money(m, m.municipality, max(m.municipality.balance, 10 * plot.land_price))
        # a fee of twice the price is more than the partner's cash, the buy-back makes it payable
        fee, back = 2.0 * plot.land_price, (1 - m.scenario.instruments.handback_discount) * plot.land_price
        set_money(m, owner, owner.balance + (fee - back / 2) - owner.free_cash)
        honour_obligation(m, owner, plot, margin(m, plot, owner), investment(m, plot), False)
        handed[seller] = plot.owner is m.municipality
    assert handed == {"municipality": True, "passive signatory": False}
