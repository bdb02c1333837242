"""The use phase (beheer en exploitatie, model/use_phase.py): who carries the completed area's services.

Rule tests set the plots' state by hand and run one quarter of the use phase; the behavioural test runs
seeded replications of the reference area.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from coalitionsim.model.area import Status
from coalitionsim.model.ledger import OUTSIDE
from coalitionsim.model.metrics import summary
from coalitionsim.model.model import AreaDevelopmentModel
from coalitionsim.model.use_phase import USE_OPERATOR
from coalitionsim.scenario import Scenario, apply_overrides, scenario_from_dict

from helpers import set_money


def scenario(*sets: str) -> Scenario:
    # no municipal land: every completed plot has a private owner whose dues follow the form's rules
    base = ["ownership.municipal_land_share=0.0", "residents.groups=6"]
    return scenario_from_dict(apply_overrides(Scenario().to_dict(), base + list(sets)))


def completed(form: str, *sets: str, contract: bool = True, rate: float | None = None) -> AreaDevelopmentModel:
    """A model whose plots are all complete, signed (``contract``) or not, each owner with ample cash and,
    when ``rate`` is given, a fixed voluntary rate (an "other" contributor)."""
    m = AreaDevelopmentModel(scenario(*sets), form=form, seed=3)
    for plot in m.area.plots:
        plot.status = Status.COMPLETED
        plot.contract_contributions = contract
    for owner in m.owners[1:]:
        set_money(m, owner, 1000.0)
        if rate is not None:
            owner.contribution_type, owner.own_rate = "other", rate
    return m


def net_share(m: AreaDevelopmentModel) -> float:
    """The share of the services' cost that the owners' dues must carry (the users' fees carry the rest)."""
    u = m.use_phase
    return (u.cost_rate - u.fee_rate) / u.cost_rate


# ------------------------------------------------------------------ who carries the cost
@pytest.mark.parametrize("form", ["sok", "gem"])
def test_a_kettingbeding_makes_the_owners_carry_the_services_even_free_riders(form):
    """Signed plots with a kettingbeding: the due binds every owner, so free riders pay it all; without the
    kettingbeding the same free riders pay nothing and the owners' part of the cost goes unfunded."""
    bound = completed(form, "instruments.kettingbeding=true", rate=0.0)
    bound.use_phase.step()
    assert bound.use_phase.gap_share == pytest.approx(0.0, abs=1e-9)
    assert bound.ledger.paid_of_kind[(bound.owners[1].account, "use_phase")] > 0
    free = completed(form, rate=0.0)
    free.use_phase.step()
    assert free.use_phase.gap_share == pytest.approx(net_share(free), rel=1e-9)
    assert all(free.ledger.paid_of_kind[(o.account, "use_phase")] == 0 for o in free.owners[1:])


def test_without_a_contract_the_kettingbeding_binds_nobody():
    """A kettingbeding passes on what a contract fixed: unsigned plots (a framework) stay voluntary."""
    m = completed("framework_organic", "instruments.kettingbeding=true", contract=False, rate=0.0)
    assert all(m.use_phase.bound_share(p) == 0.0 for p in m.area.plots)
    m.use_phase.step()
    assert m.use_phase.gap_share == pytest.approx(net_share(m), rel=1e-9)


def test_a_biz_binds_the_non_residential_part_only():
    m = completed("framework_organic", contract=False)
    m.contributions.biz_until = 10
    plot = m.area.plots[0]
    assert plot.nonres_m2 > 0
    share = (plot.nonres_m2 / 100) / m.area.benefit_weight(plot)
    assert m.use_phase.bound_share(plot) == pytest.approx(share)
    m.contributions.biz_until = -1
    assert m.use_phase.bound_share(plot) == 0.0


def test_voluntary_dues_follow_the_contribution_rate():
    """Under a framework the owners pay what their voluntary rate says: the gap is the unpaid part."""
    m = completed("framework_organic", contract=False, rate=0.6)
    m.use_phase.step()
    assert m.use_phase.gap_share == pytest.approx(0.4 * net_share(m), rel=1e-6)
    # what each owner was asked this quarter (its due, for the reading of its draagkracht against its asks)
    u = m.use_phase
    weight = sum(m.area.benefit_weight(p) for p in m.area.plots)
    assert sum(u.due_of.values()) == pytest.approx((u.cost_rate - u.fee_rate) * weight)


def test_a_bound_owner_without_cash_leaves_a_gap_and_is_logged():
    m = completed("sok", "instruments.kettingbeding=true")
    for owner in m.owners[1:]:
        set_money(m, owner, 0.0)
    m.use_phase.step()
    assert m.use_phase.gap_share == pytest.approx(net_share(m), rel=1e-6)
    assert any(e.kind == "use_phase" and "cannot pay" in e.text for e in m.events)


# ------------------------------------------------------------------ drop-outs
def test_a_member_that_pays_under_half_for_long_enough_stops_for_good():
    """A member paying under half its dues lapses after ``lapse_quarters``; it then pays nothing even when
    it would give all again."""
    m = completed("framework_organic", "use_phase.lapse_quarters=3", contract=False, rate=1.0)
    m.use_phase.step()  # everyone joins
    stays = m.owners[1]
    members = [o for o in m.owners[1:] if o is not stays and m.area.plots_of(o)]
    for o in members:
        o.own_rate = 0.3
    for _ in range(2):
        m.use_phase.step()
    assert m.use_phase.dropouts == 0  # not yet: two quarters under half
    m.use_phase.step()
    assert m.use_phase.dropouts == len(members)  # the owner that keeps paying in full stays
    for o in members:
        o.own_rate = 1.0
    before = {o.account: m.ledger.paid_of_kind[(o.account, "use_phase")] for o in members}
    m.use_phase.step()
    assert all(m.ledger.paid_of_kind[(o.account, "use_phase")] == before[o.account] for o in members)


def test_an_owner_that_never_paid_is_not_a_drop_out():
    m = completed("framework_organic", "use_phase.lapse_quarters=1", contract=False, rate=0.0)
    for _ in range(3):
        m.use_phase.step()
    assert m.use_phase.dropouts == 0


# ------------------------------------------------------------------ effects and money
def test_unfunded_services_lower_value_and_trust():
    """The value of the plots in use falls by unfunded_value_loss x the unfunded share, and the resident
    groups there lose trust; a funded use phase costs neither."""
    loss = 0.05
    gaps = {}
    for ketting in (True, False):
        sets = [f"use_phase.unfunded_value_loss={loss}", "use_phase.unfunded_trust_loss=0.5"]
        if ketting:
            sets.append("instruments.kettingbeding=true")
        m = completed("sok", *sets, rate=0.0)
        plot = m.area.plots[0]
        value, trust = m.area.uplift(plot), [r.trust for r in m.residents]
        m.use_phase.step()
        g = m.use_phase.gap_share
        gaps[ketting] = g
        assert m.area.uplift(plot) == pytest.approx(value - loss * g)
        drop = m.scenario.behaviour.trust_loss * 0.5 * g
        assert [r.trust for r in m.residents] == pytest.approx([max(0.0, t - drop) for t in trust])
    assert gaps[True] == pytest.approx(0.0, abs=1e-9) and gaps[False] > 0.2


def test_every_use_phase_euro_has_a_payer_and_a_payee():
    """Fees from the users and dues from the owners reach the management organisation, which pays the
    services; it never spends more than it holds."""
    m = completed("framework_organic", contract=False, rate=0.5)
    for _ in range(3):
        m.use_phase.step()
    t = m.ledger.totals
    fees = sum(v for (a, b, k), v in t.items() if k == "use_phase_fees" and a == OUTSIDE and b == USE_OPERATOR)
    dues = sum(v for (a, b, k), v in t.items() if k == "use_phase" and b == USE_OPERATOR)
    spent = sum(v for (a, b, k), v in t.items() if k == "use_phase_service" and a == USE_OPERATOR and b == OUTSIDE)
    assert fees > 0 and dues > 0
    assert m.ledger.balance[USE_OPERATOR] == pytest.approx(fees + dues - spent, abs=1e-9)
    assert m.ledger.balance[USE_OPERATOR] >= -1e-9
    assert m.use_phase.cost_total - m.use_phase.unfunded_total == pytest.approx(spent)


def test_the_summary_reports_the_use_phase_on_its_own():
    m = AreaDevelopmentModel(scenario("simulation.horizon_quarters=4"), form="sok", seed=1).run()
    s = summary(m)
    assert math.isnan(s["use_phase_funding_gap"])  # no home complete within a year: no use phase yet
    assert s["use_phase_dropouts"] == 0


# ------------------------------------------------------------------ over seeded replications
SEEDS = range(8)


@pytest.mark.slow
def test_a_kettingbeding_carries_the_use_phase_and_a_framework_without_one_does_not():
    """Reference area, seeds 0-7. Measured (issue 27, model v3): with a kettingbeding the use-phase gap is
    0.000-0.026 under the SOK (mean 0.007, sd 0.009) and 0.000-0.021 under the GEM (mean 0.005, sd 0.007);
    under framework_organic without one it is 0.304-0.399 (mean 0.360, sd 0.035) with 2-6 drop-outs in
    every run. Bounds: SOK and GEM below 0.1 in every seed (see below); the framework above
    0.25 in every seed (mean - 3.2 sd) and the paired difference positive in every seed; drop-outs in at
    least 6 of the 8 runs."""
    ref = Scenario()
    kb = scenario_from_dict(apply_overrides(ref.to_dict(), ["instruments.kettingbeding=true"]))
    framework = [summary(AreaDevelopmentModel(ref, form="framework_organic", seed=s).run()) for s in SEEDS]
    for form in ("sok", "gem"):
        carried = [summary(AreaDevelopmentModel(kb, form=form, seed=s).run()) for s in SEEDS]
        gaps = np.array([r["use_phase_funding_gap"] for r in carried])
        # re-measured after the review and only-signatories-bound (2026-12-05): the SOK 0.000-0.077 (mean
        # 0.046): the plots of non-signers and of owners the review released are not bound by the deal's
        # kettingbeding, so their dues stay voluntary
        assert (gaps < 0.1).all(), (form, gaps)
        diffs = np.array([f["use_phase_funding_gap"] for f in framework]) - gaps
        assert (diffs > 0).all(), (form, diffs)
    gaps = np.array([r["use_phase_funding_gap"] for r in framework])
    assert (gaps > 0.25).all(), gaps
    assert sum(r["use_phase_dropouts"] > 0 for r in framework) >= 6
