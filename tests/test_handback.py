"""A plot handed back under the bouwplicht loses its permit, so that its pipeline dates stay in order
when it is tendered again (found by tests/test_properties.py on the issue-13 branch).

The hand-back is made certain rather than found in a lucky seed: a tendered plot's bouwplicht falls due
while its developer can neither finance the start nor pay the penalty from its cash, and the municipality
has already made its one concession on that plot. Of the bouwplicht's choices only handing the land back
is then open (``development.honour_obligation``)."""

from __future__ import annotations

import pytest

from coalitionsim import AreaDevelopmentModel, load_scenario
from coalitionsim.model.area import Status
from coalitionsim.model.development import honour_obligation, investment, margin

from helpers import bound_plot, set_money

SETS = ["simulation.horizon_quarters=48", "instruments.build_obligation_penalty=1.0",
        "instruments.construction_quarters=2", "residents.objection_propensity=0.0"]


def test_a_handed_back_plot_applies_for_a_new_permit(monkeypatch):
    m = AreaDevelopmentModel(load_scenario(None, SETS), form="tender", seed=0)
    plot = bound_plot(m)
    owner, price = plot.owner, plot.land_price
    penalty = m.scenario.instruments.build_obligation_penalty * price
    # the developer cannot finance the start, nor pay the penalty from its cash: the municipality buys the
    # land back (terugkooprecht) with the penalty netted from the price paid
    monkeypatch.setattr(owner, "can_finance", lambda plot, inv: False)
    set_money(m, owner, owner.balance + penalty / 2 - owner.free_cash)
    assert owner.free_cash < penalty
    set_money(m, m.municipality, max(m.municipality.balance, 10 * price))
    plot.renegotiated = True  # the one concession per plot is spent
    plot.deferrals = m.scenario.instruments.max_deferral_quarters  # and its deferrals
    assert honour_obligation(m, owner, plot, margin(m, plot, owner), investment(m, plot), case_works=False)
    assert plot.owner is m.municipality and plot.status == Status.HELD
    assert plot.step_permit is None and plot.step_permit_application is None and not plot.build_obligation
    monkeypatch.undo()
    m.run()
    # its next owner applies anew: the pipeline dates of every plot stay in order
    for p in m.area.plots:
        chain = [p.step_permit_application, p.step_permit, p.step_construction_start, p.step_completion]
        present = [s for s in chain if s is not None]
        assert present == sorted(present), (p.plot_id, chain)
    assert plot.step_permit_application is not None, "the handed-back plot was not tendered and applied for again"


def _fee_due(monkeypatch):
    """A tendered plot whose bouwplicht falls due on a developer that cannot finance the start and whose
    only exit left is the break fee (no concession, no deferral, no hand-back: the municipality cannot
    pay the hand-back price now); returns the model, the plot, its developer and its price."""
    m = AreaDevelopmentModel(load_scenario(None, SETS), form="tender", seed=0)
    plot = bound_plot(m)
    owner, price = plot.owner, plot.land_price
    monkeypatch.setattr(owner, "can_finance", lambda plot, inv: False)
    set_money(m, owner, owner.balance + 10 * price)
    plot.renegotiated = True
    plot.deferrals = m.scenario.instruments.max_deferral_quarters
    return m, plot, owner, price


def test_on_a_break_the_municipality_buys_its_land_back_at_the_price_paid_minus_the_fee(monkeypatch):
    m, plot, owner, price = _fee_due(monkeypatch)
    fee = m.scenario.instruments.build_obligation_penalty * price
    set_money(m, m.municipality, max(m.municipality.balance, 10 * price))
    pool = m.governance.pool
    # its forecast at the prices it expects covers the price paid: it uses its terugkooprecht
    monkeypatch.setattr(pool, "forecast", lambda p: price + 1.0)
    monkeypatch.setattr(m.municipality, "can_spend", lambda amount: amount <= price)  # not the hand-back
    cash = owner.balance
    honour_obligation(m, owner, plot, margin(m, plot, owner), investment(m, plot), case_works=False)
    kinds = [e.kind for e in m.events if e.plot == plot.plot_id and e.kind not in ("presale", "land")]  # (sales annulled, sold)
    assert kinds[-1] == "handback" and "break_fee" not in kinds
    # back in its grondexploitatie, booked at what it paid for it: the price paid less the fee
    assert plot.owner is m.municipality and plot in pool.pool and pool.book[plot.plot_id] == pytest.approx(price - fee)
    assert not plot.build_obligation and plot.step_permit is None
    # the developer is left with the price paid less the fee (netted, not paid twice)
    assert owner.balance - cash == pytest.approx(price - fee)


def test_no_buy_back_when_the_forecast_does_not_cover_the_price_paid(monkeypatch):
    m, plot, owner, price = _fee_due(monkeypatch)
    set_money(m, m.municipality, max(m.municipality.balance, 10 * price))
    monkeypatch.setattr(m.governance.pool, "forecast", lambda p: price - 1.0)
    monkeypatch.setattr(m.municipality, "can_spend", lambda amount: amount <= price)
    honour_obligation(m, owner, plot, margin(m, plot, owner), investment(m, plot), case_works=False)
    assert [e.kind for e in m.events if e.plot == plot.plot_id][-1] == "break_fee"
    assert plot.owner is owner and not plot.build_obligation
