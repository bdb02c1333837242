"""A plot handed back under the bouwplicht loses its permit, so that its pipeline dates stay in order
when it is tendered again (found by tests/test_properties.py on the issue-13 branch)."""

from __future__ import annotations

from coalitionsim import AreaDevelopmentModel, load_scenario

# issue 23: with presales the bound developers now have the cash for the default penalty when their
# deadline comes (they wait for buyers, not with a permit): a penalty of half the land price, and 48 quarters
# for the plots handed back to be tendered and applied for again, keep the case (seed 0: plots 25 and 27)
SETS = ["simulation.horizon_quarters=48", "instruments.build_obligation_penalty=0.5", "programme.social_share=0.0", "programme.mid_share=0.0",
        "ownership.corporation_land_share=0.0", "ownership.passive_land_share=0.0", "ownership.passive_owners=1",
        "ownership.developers.0.equity=1.0", "market.absorption_per_quarter=20",
        "market.shocks=[{kind='downturn', quarter=4, magnitude=0.3, duration=8}]", "municipality.budget=0.0",
        "municipality.staff_capacity=20.0", "instruments.kostenverhaal=false", "instruments.construction_quarters=2",
        "residents.groups=0", "residents.objection_propensity=0.0", "rijk.cofunding_share=0.25",
        "behaviour.free_rider_share=0.0", "behaviour.equity_share=0.1", "behaviour.election_interval_quarters=4"]


def test_a_handed_back_plot_applies_for_a_new_permit():
    m = AreaDevelopmentModel(load_scenario(None, SETS), form="framework_subareas", seed=0).run()
    handed = {e.plot for e in m.events if e.kind == "bouwplicht" and "hands the land back" in e.text.split(":")[1][:25]}
    assert handed, "the case should contain a hand-back"
    for p in m.area.plots:
        chain = [p.step_permit_application, p.step_permit, p.step_construction_start, p.step_completion]
        present = [s for s in chain if s is not None]
        assert present == sorted(present), (p.plot_id, chain)
    # a plot handed back after its permit and tendered again is in a new permit procedure
    again = [m.area.plots[i] for i in handed if m.area.plots[i].step_permit_application is not None]
    assert again and all(p.step_permit is None or p.step_permit >= p.step_permit_application for p in again)
