"""Rule tests of the SOK's verevening (model/verevening.py): the levy at completion counts the land at the
price its developer paid (not as free), and the pool's balance is paid back at the close-out to those who
paid in, pro rata."""

from __future__ import annotations

import pytest

from coalitionsim import AreaDevelopmentModel, load_scenario
from coalitionsim.model.area import Status
from coalitionsim.model.development import margin, margin_at_cost, revenue

from helpers import set_money


def _sok_with_pool():
    m = AreaDevelopmentModel(load_scenario(None, ["residents.objection_propensity=0.0"]), form="sok", seed=2)
    g = m.governance
    while m.steps < 60 and not (g.closed and g.verevening is not None):
        m.step()
    assert g.verevening is not None, "the SOK closed without a verevening"
    return m, g, g.verevening


def _flows(m, kind, payer=None, payee=None):
    return sum(v for (_, a, b, k), v in m.ledger.flows.items()
               if k == kind and payer in (None, a) and payee in (None, b))


def test_the_levy_counts_the_land_at_the_price_paid():
    m, g, pool = _sok_with_pool()
    plot = pool.plots[0]
    owner = plot.owner
    set_money(m, owner, owner.balance + 500.0)
    # a plot its developer bought for 5 M€, completing this quarter with a margin well above its hurdle
    plot.land_paid, plot.land_price = True, 5.0
    m.market.price_index *= 1.5
    plot.status, plot.construction_remaining, plot.cost_to_pay = Status.CONSTRUCTION, 0, 0.0
    g.claims.clear()  # nothing else is to join, but other pooled plots are not yet started: no close-out
    rev = revenue(m, plot)
    at_cost, sunk = margin_at_cost(m, plot, owner), margin(m, plot, owner)
    assert sunk - at_cost == pytest.approx(5.0 / rev)
    threshold = owner.start_threshold(plot)
    assert at_cost > threshold
    m.progress_construction()
    assert plot.status == Status.COMPLETED
    levy = m.scenario.behaviour.verevening_share * (at_cost - threshold) * rev
    assert _flows(m, "verevening", owner.account, pool.account) == pytest.approx(levy, rel=1e-6)


def test_the_balance_is_paid_back_at_the_close_out_pro_rata_to_what_each_paid_in():
    m, g, pool = _sok_with_pool()
    a, b = sorted({p.owner for p in pool.plots} | {c.partner for c in g.claims.values()},
                  key=lambda o: o.unique_id)[:2]
    for payer, amount in ((a, 3.0), (b, 1.0)):
        set_money(m, payer, payer.balance + 10.0)
        m.ledger.transfer(payer.account, pool.account, amount, "verevening")
    pool.plots[0].status = Status.AGREED
    g.claims.clear()
    pool.close_out()
    assert pool.balance == pytest.approx(4.0)  # a pooled plot can still draw on it: no close-out yet
    for p in pool.plots:
        p.status = Status.COMPLETED
    before = {o: o.balance for o in (a, b)}
    pool.close_out()
    assert pool.balance == pytest.approx(0.0) and pool.distributed == pytest.approx(4.0)
    assert a.balance - before[a] == pytest.approx(3.0) and b.balance - before[b] == pytest.approx(1.0)
    assert _flows(m, "verevening_distribution", pool.account) == pytest.approx(4.0)


def test_a_small_balance_is_paid_back_too_and_only_what_the_partners_paid_in_as_verevening_is_theirs():
    """The close-out pays back any balance above the ledger's tolerance (here 0.4 M€, well under 1 M€),
    pro rata; money that reached the pool otherwise than as a partner's levy is nobody's to claim back:
    with no levy paid in, nothing is distributed and the balance stays."""
    m, g, pool = _sok_with_pool()
    a, b = sorted({p.owner for p in pool.plots} | {c.partner for c in g.claims.values()},
                  key=lambda o: o.unique_id)[:2]
    for p in pool.plots:
        p.status = Status.COMPLETED
    g.claims.clear()
    set_money(m, a, a.balance + 10.0)
    m.ledger.transfer(a.account, pool.account, 0.2, "land_sale")  # not a levy
    pool.close_out()
    assert pool.distributed == 0.0 and pool.balance == pytest.approx(0.2)
    for payer, amount in ((a, 0.3), (b, 0.1)):
        set_money(m, payer, payer.balance + 10.0)
        m.ledger.transfer(payer.account, pool.account, amount, "verevening")
    before = {o: o.balance for o in (a, b)}
    pool.close_out()
    assert pool.distributed == pytest.approx(0.6) and pool.balance == pytest.approx(0.0)
    assert a.balance - before[a] == pytest.approx(0.6 * 3 / 4) and b.balance - before[b] == pytest.approx(0.6 / 4)
