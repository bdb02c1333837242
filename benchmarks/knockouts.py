"""Knock-outs: break one mechanism at a time in a copy of the code and check that the tests catch it.

Each knock-out is a small patch (a file, an exact anchor text and its replacement) applied to a temporary
copy of the repository (``src/``, ``tests/``, ``pyproject.toml``), with the test node ids that should fail
once the mechanism is gone. The script runs those tests in the copy (``PYTHONPATH=copy/src``) and prints a
table: knock-out, the tests that caught it, survived or not. A patch whose anchor is not found (the code
moved) stops the script with a message naming the knock-out and the file: fix the anchor, never drop the
knock-out.

    python benchmarks/knockouts.py                   # every knock-out, its listed tests (~3 min on 2 cores)
    python benchmarks/knockouts.py gem_no_phasing tender_lowest_bid   # only these
    python benchmarks/knockouts.py --list            # names and what each breaks
    python benchmarks/knockouts.py --all-tests       # the whole fast suite per knock-out (~3 min each)
    python benchmarks/knockouts.py --no-baseline     # skip the check that the listed tests pass intact

Exit code 0 when every knock-out is caught, 1 when one survives, 2 on a bad name or a moved anchor.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MODEL = "src/coalitionsim/model/"
MECH = "tests/test_mechanisms.py::"
LAND = "tests/test_land_and_rights.py::"
PRE = "tests/test_presales.py::"
COMPANY = "tests/test_land_company.py::"
SOK = "tests/test_sok_land.py::"
EXITS = "tests/test_exits.py::"
REVIEW = "tests/test_review.py::"
ASSEMBLY = "tests/test_assembly.py::"
USE = "tests/test_use_phase.py::"


@dataclass(frozen=True)
class Knockout:
    name: str
    breaks: str  # the mechanism that is knocked out, in a few words
    file: str  # path inside the repository
    anchor: str  # exact text that must occur once in the file
    replacement: str
    tests: tuple[str, ...] = field(default_factory=tuple)  # node ids that should fail


KNOCKOUTS: list[Knockout] = [
    # ------------------------------------------------------------- issue 26: land assembly under the tender
    Knockout("refuser_signs", "an owner who refuses to sell at any price signs at the purchase table",
             MODEL + "negotiation.py", "if self.purchase and self.model.acquisition.refuses(owner):", "if False:",
             (ASSEMBLY + "test_an_owner_who_refuses_to_sell_never_signs_at_the_purchase_table",)),
    Knockout("separable_is_one_block", "a separable sub-area is assembled as one block",
             MODEL + "assembly.py", "return not self.model.area.separable[phase]", "return True",
             (ASSEMBLY + "test_in_a_separable_sub_area_acquired_land_is_planned_as_it_comes_and_no_procedure_holds_it_up",)),
    Knockout("phase_does_not_wait", "a phase's acquired land is planned before its purchase talks have closed",
             MODEL + "assembly.py",
             "        if any(not neg.done and any(p.subarea == phase for p in plots) for neg, plots in self.form.purchases):\n"
             "            return False",
             "        if False:\n            return False",
             (ASSEMBLY + "test_land_acquired_in_a_phase_waits_for_the_phases_purchase_talks_then_gets_one_plan",)),
    Knockout("issue_ignores_ruling", "a phase's acquired land is tendered while an expropriation there runs",
             MODEL + "assembly.py",
             "blocked = {phase for phase in set(self.phased.values()) if self.in_procedure(phase)}", "blocked = set()",
             (ASSEMBLY + "test_the_phase_is_issued_only_after_the_ruling_and_the_expropriated_plot_joins_its_plan",)),
    Knockout("holdout_pivotal_anywhere", "a seller at a purchase table is pivotal whatever is left of its block",
             MODEL + "assembly.py", "return any(self.one_block(phase) and not any(",
             "return True or any(self.one_block(phase) and not any(",
             (ASSEMBLY + "test_a_seller_holds_up_its_block_when_no_other_land_there_is_still_sought",)),
    # ------------------------------------------------------------- issue 26: who is bound, a table that stalls
    Knockout("steering_group_binds", "the steering group marks the unsigned parties signed",
             MODEL + "negotiation.py",
             "            p.excluded = True\n            p.owner.lose_trust()\n            left.append",
             "            p.signed = True\n            p.owner.lose_trust()\n            left.append",
             ("tests/test_rules.py::test_the_steering_group_never_binds_an_owner_who_did_not_sign",
              REVIEW + "test_the_review_lets_the_signatories_go_on_and_gives_the_others_another_form")),
    Knockout("obligations_follow_a_sale", "a deal's obligations pass to a buyer without a kettingbeding",
             MODEL + "area.py", "        if kettingbeding:\n            return\n", "        return\n",
             (REVIEW + "test_a_deals_obligations_pass_to_a_buyer_only_by_kettingbeding",)),
    Knockout("no_review", "the council never reviews a stalled arrangement",
             MODEL + "governance/review.py", "        if self.council_cycle():", "        if False:",
             (REVIEW + "test_a_review_happens_only_at_a_council_cycle",
              REVIEW + "test_a_stalled_sok_switches_after_the_review_and_the_signatories_deal_stays_in_force")),
    Knockout("review_without_period", "a table is reviewed before the documented period without agreement",
             MODEL + "governance/base.py", "if not deal.done and waited >= ins.review_after_quarters:",
             "if not deal.done:", (REVIEW + "test_a_review_is_due_after_the_period_without_agreement",)),
    Knockout("review_never_buys", "the review never acquires where the municipality dominates the land left",
             MODEL + "governance/review.py", 'AFTER_REVIEW = {"tender": "tender"}', "AFTER_REVIEW = {}",
             (REVIEW + "test_where_the_municipality_dominates_what_is_left_it_buys_and_tenders_it",)),
    # ------------------------------------------------------------- issue 25: land prices with exits
    Knockout("signing_discount", "a developer's hurdle is lowered inside a verevening pool",
             MODEL + "agents/developer.py",
             "return self.required_margin + premium",
             "return self.required_margin + premium - (0.02 if plot.pool is not None else 0.0)",
             ("tests/test_collaboration.py::test_a_developers_hurdle_is_the_same_inside_and_outside_a_deal",)),
    Knockout("grex_no_phasing", "the municipality tenders plots whose forecast is below their book value",
             MODEL + "land.py", "        if self.waiting_pays(plot, value, now):\n            return False\n", "",
             (LAND + "test_the_grondexploitatie_phases_and_waits_while_waiting_pays_then_writes_down",)),
    Knockout("grex_no_writedown", "the municipality never writes its land down: held-back plots wait for ever",
             MODEL + "land.py", "        self.write_down(plot, now)\n        self.short_since.pop(plot.plot_id, None)\n        return now > 0",
             "        return False",
             (LAND + "test_the_grondexploitatie_phases_and_waits_while_waiting_pays_then_writes_down",)),
    Knockout("tender_reserve_is_the_book", "the tender's reserve is the book value, not the forecast price",
             MODEL + "land.py", "reserve = max(forecast, self.book[plot.plot_id])",
             "reserve = self.book[plot.plot_id]",
             (LAND + "test_the_tender_reserve_is_the_forecast_price_never_below_the_book_value",)),
    Knockout("tender_no_wait_after_a_failed_round", "a plot without a bidder is tendered again at once",
             MODEL + "land.py", "if (failed is not None and m.steps - failed[0] < wait and value <= failed[1] + 1e-9",
             "if (False",
             (LAND + "test_a_plot_without_a_bidder_waits_for_the_market_before_its_next_round",
              LAND + "test_in_a_deep_downturn_the_municipality_phases_waits_or_writes_down_and_tenders_a_bounded_number_of_rounds")),
    Knockout("grex_waits_whatever_the_interest", "the municipality waits however much the interest on its book "
             "value exceeds the recovery it expects", MODEL + "land.py",
             "return expected - interest > now + 1e-9", "return expected > now + 1e-9",
             (LAND + "test_waiting_does_not_pay_when_the_interest_on_the_book_value_exceeds_the_expected_recovery",)),
    Knockout("tender_no_market_sounding", "a plot without a bidder waits even when a developer could now buy it",
             MODEL + "land.py", "and not self.has_buyer(p, max(value, self.book[p.plot_id])))", ")",
             (LAND + "test_a_plot_without_a_bidder_waits_for_the_market_before_its_next_round",)),
    Knockout("grex_handover_booked_at_inbreng", "land taken over from a wound-up GEM is booked at its inbrengwaarde",
             MODEL + "governance/gem.py", "self.pool.add([plot], book=self.company.take_over_prices[plot.plot_id])",
             "self.pool.add([plot])",
             (COMPANY + "test_a_stalled_company_whose_land_cannot_close_winds_up_and_its_partners_bear_the_write_down",)),
    Knockout("grex_no_interest", "the book value of held municipal land carries no interest",
             MODEL + "land.py", "self.book[p.plot_id] *= 1 + rate", "pass",
             (LAND + "test_the_book_value_of_held_land_carries_the_municipal_interest",)),
    # ------------------------------------------------------------- the list (issue 13, item 5)
    Knockout("gem_capital_not_paid", "the GEM partners' capital never reaches the company",
             MODEL + "governance/gem.py",
             'paid = m.ledger.pay_up_to(owner.account, self.account, call, "gem_capital")',
             "paid = call",
             (MECH + "test_gem_partners_capital_reaches_the_company",)),
    Knockout("draagkracht_fixed", "developer draagkracht fixed at 1", MODEL + "agents/base.py",
             "self.draagkracht = 1.0 if needed <= 0 else clip01(self.free_cash / needed)",
             "self.draagkracht = 1.0",
             (MECH + "test_developer_draagkracht_is_its_free_cash_against_what_the_plan_asks_of_it_now",)),
    Knockout("downturn_void", "the downturn shock does nothing", MODEL + "market.py",
             "price_shock *= 1 - shock.magnitude", "price_shock *= 1",
             (MECH + "test_shock_moves_its_index_by_its_magnitude_for_its_duration[downturn-price_index]",
              MECH + "test_shock_holds_back_starts_in_a_run[downturn]")),
    Knockout("cost_spike_void", "the cost-spike shock does nothing", MODEL + "market.py",
             "cost_shock *= 1 + shock.magnitude", "cost_shock *= 1",
             (MECH + "test_shock_moves_its_index_by_its_magnitude_for_its_duration[cost_spike-cost_index]",
              MECH + "test_shock_holds_back_starts_in_a_run[cost_spike]")),
    Knockout("no_speculation", "speculation never builds up", MODEL + "model.py",
             "self.speculation += self.scenario.behaviour.speculation_rate", "self.speculation += 0.0",
             (MECH + "test_speculation_builds_up_until_the_voorkeursrecht",
              MECH + "test_speculation_raises_what_an_owner_in_existing_use_asks")),
    Knockout("programming_no_absorption", "area programming never raises absorption", MODEL + "model.py",
             "return self.scenario.market.absorption_per_quarter * (1 + boost)",
             "return self.scenario.market.absorption_per_quarter",
             (MECH + "test_area_programming_raises_what_the_market_absorbs",)),
    Knockout("tender_lowest_bid", "the tender is awarded to the lowest bid", MODEL + "land.py",
             "bid, _, winner = max(bids, key=lambda x: (x[0], -x[1]))",
             "bid, _, winner = min(bids, key=lambda x: (x[0], -x[1]))",
             (MECH + "test_tender_awards_to_the_highest_bid",)),
    Knockout("no_headwind_withdrawal", "owners never withdraw in a headwind", MODEL + "development.py",
             "if m < b.withdraw_margin and plot.stalled_quarters >= 8 and not plot.build_obligation:",
             "if False and m < b.withdraw_margin:",
             (MECH + "test_owners_withdraw_in_a_headwind",)),
    Knockout("gem_share_not_public", "the municipality's GEM profit share never reaches the public purse",
             MODEL + "governance/gem.py",
             "            if part > 0:\n",
             "            if part > 0 and partner is not m.municipality:\n",
             (MECH + "test_gem_result_reaches_the_partners_and_the_public_purse_by_their_shares",)),
    Knockout("tender_never_expropriates", "the tender never expropriates", MODEL + "acquisition.py",
             "elif m.scenario.instruments.expropriation and not realises_plan(m, plot):",
             "elif False:",
             (MECH + "test_tender_expropriates_the_land_it_cannot_buy",)),
    # ------------------------------------------------------------- model v2 mechanisms
    Knockout("talks_not_shared", "each negotiation gets the municipality's talks for itself (no shared capacity)",
             MODEL + "governance/base.py",
             "                given = neg.take_talks(left)\n                left -= given\n",
             "                given = neg.take_talks(m.municipality.talks_capacity - used[id(neg)])\n",
             (MECH + "test_parallel_negotiations_share_the_municipalitys_talks",)),
    Knockout("land_market_closed", "the private land market never trades", MODEL + "landmarket.py",
             "        m = self.model\n        table = self.at_table()\n",
             "        return\n        m = self.model\n        table = self.at_table()\n",
             (MECH + "test_private_land_market_trades",)),
    Knockout("no_bouwplicht_penalty", "the agreed break fee is never charged", MODEL + "exits.py",
             'paid = model.ledger.transfer(owner.account, ob.seller, terms[1], "break_fee")',
             'paid = True',
             (MECH + "test_bouwplicht_penalty_is_paid_to_the_municipality",)),
    Knockout("no_deferral", "a bound partner never defers its obligation", MODEL + "exits.py",
             "    if plot.deferrals < ins.max_deferral_quarters and owner.free_cash >= interest:\n",
             "    if False:\n",
             ("tests/test_exits.py::test_a_partner_that_cannot_start_defers_at_interest_until_its_deferrals_run_out",)),
    Knockout("break_fee_no_deterrent", "the break fee is worth nothing to the partner that pays it",
             MODEL + "exits.py", "        out[BREAK_FEE] = -break_fee(model, ob.agreed)\n", "        out[BREAK_FEE] = 0.0\n",
             ("tests/test_exits.py::test_a_higher_break_fee_makes_building_anyway_the_better_exit",)),
    Knockout("sok_takeup_above_residual", "an SOK partner takes land up at its book value above its residual value",
             MODEL + "governance/sok.py", "            if residual >= claim.floor and self._can_take(claim, price):\n",
             "            if self._can_take(claim, price):\n",
             (SOK + "test_a_partner_takes_up_only_at_or_below_its_residual_value_before_the_due_quarter",)),
    Knockout("sok_takeup_all_at_once", "every SOK take-up falls due one term after the close",
             MODEL + "governance/sok.py", "                due = m.steps + allotted[partner] * term\n",
             "                due = m.steps + term\n", (SOK + "test_take_up_is_phased_one_plot_per_term_for_each_partner",)),
    Knockout("sok_no_writedown", "the municipality never writes its book value down in a renegotiation",
             MODEL + "governance/sok.py", "            floor = min(claim.floor, max(residual, 0.0))\n",
             "            floor = claim.floor\n",
             (SOK + "test_a_renegotiation_writes_the_municipal_floor_down_to_the_residual_and_closes_the_take_up",)),
    Knockout("handback_of_land_it_never_sold", "the municipality buys back land it never sold",
             MODEL + "development.py",
             "                 if plot.seller == mun.account and pool is not None else None)\n",
             "                 if pool is not None else None)\n",
             ("tests/test_exits.py::test_only_land_the_municipality_sold_can_be_bought_back_by_it",)),
    # ------------------------------------------------------------- issue 25 review: gronduitgifte exits
    Knockout("break_fee_on_todays_grondprijs", "an SOK take-up's break fee is a share of today's grondprijs",
             MODEL + "governance/sok.py", '"takeup", price, claim.agreed,', '"takeup", price, price,',
             (SOK + "test_walking_away_from_a_take_up_costs_the_fee_on_the_agreed_price_not_on_todays",)),
    Knockout("never_buys_back", "the municipality never buys back land worth more than the price paid",
             MODEL + "exits.py", "if back and (not levy or ob.buy_back.value - back_price > fee):",
             "if back and not levy:",
             (EXITS + "test_on_a_break_the_municipality_buys_back_land_worth_more_than_the_price_paid",)),
    Knockout("buys_back_at_a_loss", "the municipality buys back land worth less than the price paid",
             MODEL + "exits.py", "if back and (not levy or ob.buy_back.value - back_price > fee):",
             "if back and (not levy or ob.buy_back.value - back_price < fee):",
             (EXITS + "test_on_a_break_the_municipality_levies_the_fee_on_land_worth_less_than_the_price_paid",)),
    Knockout("buy_back_without_the_fee", "the buy-back pays the whole price paid (the fee not netted)",
             MODEL + "exits.py", "back_price = max(0.0, ob.agreed - fee)", "back_price = max(0.0, ob.agreed)",
             (EXITS + "test_on_a_break_the_municipality_buys_back_land_worth_more_than_the_price_paid",)),
    Knockout("buy_back_at_old_book", "land bought back keeps its old book value in the grondexploitatie",
             MODEL + "land.py", "                self.book[p.plot_id] = book\n",
             "                self.book.setdefault(p.plot_id, book)\n",
             (EXITS + "test_on_a_break_the_municipality_buys_back_land_worth_more_than_the_price_paid",)),
    Knockout("sok_go_without_financing", "an SOK partner takes land up at its due quarter without financing the start",
             MODEL + "governance/sok.py",
             "go=(profit(m, plot, partner, land_cost=price), go) if self._can_take(claim, price) else None",
             "go=(profit(m, plot, partner, land_cost=price), go) if partner.can_buy(price) else None",
             (SOK + "test_a_partner_takes_up_at_its_due_quarter_only_if_it_can_finance_the_plot_and_its_start",)),
    Knockout("sok_second_bouwplicht", "a take-up starts a new bouwplicht term",
             MODEL + "governance/sok.py", "plot.obligation_deadline = start_by if",
             "plot.obligation_deadline = m.steps + ins.build_obligation_quarters if",
             (SOK + "test_take_up_and_start_are_one_obligation",)),
    Knockout("sok_fresh_deferrals", "the start gets its own deferrals after a take-up",
             MODEL + "governance/sok.py", "        plot.deferrals, plot.rephasings = deferred, rephased\n", "",
             (SOK + "test_take_up_and_start_are_one_obligation",)),
    Knockout("no_rephasing", "a partner whose case clears but cannot finance it now is never re-phased",
             MODEL + "exits.py", "    return ob.go is None and ob.later is not None\n", "    return False\n",
             (EXITS + "test_a_developer_whose_case_clears_but_who_cannot_finance_its_start_re_phases_instead_of_"
              "breaking[True]",
              SOK + "test_a_partner_whose_case_clears_but_who_cannot_finance_its_take_up_re_phases_it[True]")),
    Knockout("rephasing_ignores_completions", "a re-phased obligation always moves a whole term",
             MODEL + "exits.py", "    return model.steps + max(1, min([term, *running]))\n",
             "    return model.steps + term\n",
             (EXITS + "test_a_re_phased_obligation_falls_due_when_one_of_its_partners_constructions_completes",)),
    Knockout("verevening_land_free", "the verevening levy counts bought land as free", MODEL + "development.py",
             "    land_cost = plot.land_price if plot.land_paid else None\n",
             "    land_cost = 0.0 if plot.land_paid else None\n",
             ("tests/test_verevening.py::test_the_levy_counts_the_land_at_the_price_paid",)),
    Knockout("verevening_never_pays_out", "the verevening keeps its balance at the close-out", MODEL + "verevening.py",
             "        if balance <= 1e-9 or not self.closed_out():\n            return\n", "        return\n",
             ("tests/test_verevening.py::test_the_balance_is_paid_back_at_the_close_out_pro_rata_to_what_each_paid_in",)),
    Knockout("verevening_pays_out_early", "the verevening pays out while pooled plots can still draw on it",
             MODEL + "verevening.py", "return self.still_to_join() == 0 and all(", "return True or all(",
             ("tests/test_verevening.py::test_the_balance_is_paid_back_at_the_close_out_pro_rata_to_what_each_paid_in",)),
    Knockout("no_verevening_levy", "profitable plots never pay into the verevening", MODEL + "verevening.py",
             "levy = self.model.scenario.behaviour.verevening_share * max(0.0, margin - threshold) * revenue",
             "levy = 0.0",
             (MECH + "test_verevening_collects_from_profitable_plots_and_pays_weak_ones",)),
    # ------------------------------------------------------------- gaps the mutation run showed
    Knockout("gem_loss_not_called", "a GEM loss is never called from its partners", MODEL + "governance/gem.py",
             "            elif part < 0:\n", "            elif False:\n",
             (MECH + "test_gem_loss_is_called_from_the_partners_by_their_shares",)),
    Knockout("renegotiation_free_refund", "a bound developer's renegotiation refunds the price beyond the mandate",
             MODEL + "development.py",
             "refund = min(max(0.0, -gain), model.scenario.municipality.mandate * plot.land_price)",
             "refund = max(0.0, -gain)",
             (MECH + "test_bouwplicht_renegotiation_concedes_programme_and_price_within_the_mandate",)),
    Knockout("no_pre_emption", "the voorkeursrecht gives the municipality no first right to buy", MODEL + "landmarket.py",
             "            if pre_emption and m.form_for(plot).wants_land(plot):\n",
             "            if False:\n",
             (MECH + "test_voorkeursrecht_gives_the_municipality_the_first_right_to_buy",)),
    Knockout("gem_takes_outsiders", "the GEM takes in the plots of the owners outside it", MODEL + "governance/gem.py",
             "plots = [p for p in self.scope if p.owner in company.partners and not m.review.taken_over(p)]",
             "plots = [p for p in self.scope if p.owner not in company.partners and not m.review.taken_over(p)]",
             (MECH + "test_gem_takes_in_the_land_of_its_partners_only_at_inbrengwaarde_under_contract",)),
    Knockout("capacity_seen_without_growth", "dubbel toetsen ignores what a group can save over the phasing",
             MODEL + "model.py",
             "true = group.resources + spec.residents.capacity_growth * max(0, spec.instruments.phasing_quarters - 1)",
             "true = group.resources",
             (MECH + "test_dubbel_toetsen_observes_capacity_with_its_measurement_error",)),
    Knockout("gate_never_binds", "a gated sub-area completes before its access is delivered", MODEL + "model.py",
             "if plot.construction_remaining == 0 and self.area.gate_open(plot.subarea):",
             "if plot.construction_remaining == 0:",
             ("tests/test_rules.py::test_gate_blocks_completion_until_the_gating_task_is_delivered",
              "tests/test_rules.py::test_no_completion_before_the_gate_in_a_run")),
    Knockout("no_verevening_grant", "weak plots never draw on the verevening", MODEL + "verevening.py",
             "        if grant > 0:\n", "        if False:\n",
             (MECH + "test_verevening_collects_from_profitable_plots_and_pays_weak_ones",)),
    # ------------------------------------------------------------- the rules behind the last dead levers (issue 13)
    Knockout("court_runs_while_decision_waits", "the court's expropriation time runs while the council's decision "
             "waits for staff", MODEL + "acquisition.py",
             "DECISION_WORK, 1,\n                               lambda: self._ruled(plot, pool),\n"
             "                               extra_delay=m.scenario.instruments.expropriation_quarters,",
             "DECISION_WORK, m.scenario.instruments.expropriation_quarters,\n"
             "                               lambda: self._ruled(plot, pool),\n                               ",
             (LAND + "test_the_courts_procedure_follows_the_councils_decision_and_its_compensation_is_paid_beyond_the_budget",)),
    Knockout("biz_for_passive_owners_only", "a BIZ binds only the passive owners, not the non-residential property",
             MODEL + "contributions.py",
             "return plot.subarea in self._nonresidential and plot.status in IN_EXISTING_USE",
             "return not plot.owner.developing and plot.owner is not self.model.municipality",
             ("tests/test_rules.py::test_biz_voters_are_the_owners_of_non_residential_property",
              "tests/test_rules.py::test_adopted_biz_binds_non_residential_property_for_its_term")),
    Knockout("speculator_never_offers", "a speculator's plot is off the market once its initiative runs",
             MODEL + "landmarket.py", "SPECULATOR_OFFERS = (Status.HELD, Status.INITIATIVE, Status.AGREED)",
             "SPECULATOR_OFFERS = (Status.HELD,)",
             (LAND + "test_a_speculator_offers_its_plot_until_it_applies_for_the_permit",)),
    Knockout("one_plan_per_bought_plot", "every bought plot gets a plan of its own", MODEL + "land.py",
             "        if waiting is not None and waiting[0].done_work <= 0", "        if False",
             (LAND + "test_plots_bought_while_the_plan_for_bought_land_waits_join_that_plan",)),
    # ------------------------------------------------------------- voorverkoop and permit timing (issue 23)
    Knockout("start_without_presales", "a start does not wait for its presales", MODEL + "development.py",
             "if go and presold and owner.can_finance(plot, inv):", "if go and owner.can_finance(plot, inv):",
             (PRE + "test_a_start_waits_for_its_presales",)),
    Knockout("permit_regardless_of_buyers", "the permit is asked before the buyers are in sight",
             MODEL + "development.py",
             "if plot.build_obligation or (plot.marketing and (presales_expected(model, plot) or longstop_near(model, plot))):",
             "if plot.build_obligation or plot.marketing:",
             (PRE + "test_permit_is_asked_when_the_presales_will_be_in_by_the_time_it_comes",
              PRE + "test_a_slower_market_moves_the_wait_before_the_permit")),
    Knockout("sales_unlimited", "presales are not limited by the area's absorption", MODEL + "model.py",
             "room = int(self.absorption_capacity() + 1e-9)", "room = 10**9",
             (PRE + "test_market_homes_sell_through_the_absorption_in_the_order_they_went_on_sale",
              "tests/test_rules.py::test_absorption_limits_sales_per_quarter_in_a_run")),
    Knockout("bouwplicht_ignores_presales", "a bound plot without presales waits past its deadline",
             MODEL + "development.py", "not go or not presold or not owner.can_finance(plot, inv)):",
             "not go or not owner.can_finance(plot, inv)):",
             (PRE + "test_a_bound_plot_asks_its_permit_at_once_and_meets_the_bouwplicht_at_its_deadline",)),
    Knockout("marketing_in_a_downturn", "an owner keeps selling when its case is under water",
             MODEL + "development.py",
             "near = m >= threshold - 0.03 or plot.build_obligation", "near = True",
             (PRE + "test_a_downturn_takes_the_plot_off_the_market_and_its_permit_waits",)),
    Knockout("withdrawal_keeps_sales", "a withdrawn plot keeps its buyers", MODEL + "model.py",
             '        self.annul_sales(plot, "withdrawn")\n', "",
             (PRE + "test_a_withdrawal_dissolves_the_presales",)),
    # ------------------------------------------------------------- issue 23b: the practitioner's review of the presales
    Knockout("sale_price_floats", "a sold home brings the price of the completion's day, not the price signed for",
             MODEL + "development.py", "locked, unsold = plot.sold_value, max(0, market_homes - plot.sold)",
             "locked, unsold = 0.0, market_homes",
             (PRE + "test_a_sale_fixes_its_price_and_the_buyer_carries_the_fall_in_value",)),
    Knockout("no_longstop", "presales stand forever without a start", MODEL + "model.py",
             "if not started and plot.step_first_sale is not None and plot.longstop_clock >= longstop:",
             "if False:",
             (PRE + "test_the_buyers_contracts_dissolve_at_the_long_stop_date_and_the_plot_re_markets",)),
    Knockout("longstop_in_the_permit_queue", "the buyers' long-stop date runs on while the permit is decided",
             MODEL + "model.py", "                    and plot.status != permit_procedure:",
             "                    and True:",
             (PRE + "test_the_long_stop_date_waits_while_the_municipality_decides_on_the_permit",)),
    Knockout("permit_ignores_longstop", "the permit is asked regardless of the buyers' long-stop date",
             MODEL + "development.py", "(presales_expected(model, plot) or longstop_near(model, plot))",
             "presales_expected(model, plot)",
             (PRE + "test_the_permit_is_asked_in_time_for_the_long_stop_date",)),
    Knockout("sale_keeps_buyers", "a plot put up for sale keeps its buyers", MODEL + "model.py",
             '        self.annul_sales(plot, "put up for sale")\n', "        plot.marketing = False\n",
             (PRE + "test_an_owner_that_gives_up_dissolves_its_sales",)),
    Knockout("marketing_without_money", "an owner sells homes it cannot pay to start", MODEL + "development.py",
             "return near and can_carry_start(model, owner, plot, inv)", "return near",
             (PRE + "test_only_an_owner_with_the_right_and_the_money_for_its_start_markets",)),
    Knockout("marketing_without_right", "an owner without a development right sells in advance", MODEL + "model.py",
             "if (started or (plot.marketing and right)) and plot.sold < plot.market_homes:",
             "if (started or (plot.marketing and plot.is_open)) and plot.sold < plot.market_homes:",
             (PRE + "test_only_an_owner_with_the_right_and_the_money_for_its_start_markets",)),
    # ------------------------------------------------------------- issue 24: the GEM as a land company, corporations' rules
    Knockout("gem_claim_at_market_margin", "a bouwclaim is priced at the market's margin, not its builder's own",
             MODEL + "governance/gem.py", 'residual_value(model, plot, owner, getattr(holder, "required_margin", None))',
             "residual_value(model, plot, owner, None)",
             (COMPANY + "test_gem_prices_a_building_claim_at_its_builders_own_margin_and_a_social_plot_at_the_social_price",)),
    Knockout("gem_no_phasing", "the GEM issues a plot that deepens a loss while its grondexploitatie does not close",
             MODEL + "governance/gem.py",
             "if not social and (price <= 0 or (phasing and price < self.book[plot.plot_id] + servicing(m, plot))):",
             "if not social and price <= 0:",
             (COMPANY + "test_gem_decides_on_its_whole_grondexploitatie_and_phases_when_it_does_not_close",)),
    Knockout("gem_plot_by_plot", "the GEM decides on each plot's own result, not its whole grondexploitatie",
             MODEL + "governance/gem.py", "phasing = result < 0", "phasing = True",
             (COMPANY + "test_gem_decides_on_its_whole_grondexploitatie_and_phases_when_it_does_not_close",)),
    Knockout("gem_capital_on_construction", "the GEM calls capital on its builders' construction investment, not its own pre-investment",
             MODEL + "governance/gem.py",
             "need = pre_investment(m, [p for o in members for p in self.scope_plots_of(o)], m.governance is self)",
             "need = sum(investment(m, p) for o in members for p in self.scope_plots_of(o))",
             (COMPANY + "test_gem_capital_call_is_the_equity_share_of_the_companys_own_pre_investment_not_the_builders",)),
    Knockout("gem_no_further_call", "a GEM short of cash never calls its partners", MODEL + "governance/gem.py",
             "        short = amount - self.available", "        short = 0.0",
             (COMPANY + "test_gem_calls_a_shortfall_from_its_partners_by_their_shares",)),
    Knockout("gem_never_winds_up", "a stalled GEM whose land forecasts a loss never winds up", MODEL + "governance/gem.py",
             "            self.wind_up()", "            pass",
             (COMPANY + "test_a_stalled_company_whose_land_cannot_close_winds_up_and_its_partners_bear_the_write_down",)),
    Knockout("gem_takeover_at_market_floor", "a wound-up GEM's land is taken over at this quarter's price floored at its book value",
             MODEL + "governance/gem.py", "            price = self.take_over_value(plot)",
             "            price = max(self.book.get(plot.plot_id, 0.0), self.issue_price(plot))",
             (COMPANY + "test_a_stalled_company_whose_land_cannot_close_winds_up_and_its_partners_bear_the_write_down",)),
    Knockout("gem_winds_up_on_this_quarter", "a stalled GEM winds up on this quarter's prices, not those it expects",
             MODEL + "governance/gem.py", "and self.expected_remaining() < 0:", "and self.forecast_remaining() < 0:",
             (COMPANY + "test_a_stalled_company_holds_its_land_through_a_downturn_it_expects_to_pass",)),
    Knockout("gem_shares_at_the_deal", "GEM land shares come from the land held at the deal, not the plots pooled at founding",
             MODEL + "governance/gem.py",
             "        company.land_in = {o.unique_id: 0.0 for o in company.partners}\n        for plot in plots:\n"
             "            company.land_in[plot.owner.unique_id] += plot.existing_use_value\n        company.reshare()\n", "",
             (COMPANY + "test_gem_shares_come_from_the_plots_actually_pooled_at_founding",)),
    Knockout("gem_social_plot_stranded", "a social plot whose corporation dropped out is never issued", MODEL + "governance/gem.py",
             "                    holder = self._other_corporation(plot, price)\n", "                    pass\n",
             (COMPANY + "test_a_social_plot_whose_corporation_dropped_out_goes_to_another_corporation_at_the_social_price",)),
    Knockout("claim_clock_while_building", "a bouwclaim lapses while its claimant builds an earlier plot",
             MODEL + "governance/gem.py", "        if any(p.status in BUILDING for p in holder.plots()):\n            return\n", "",
             (COMPANY + "test_a_claim_waits_its_turn_while_its_claimant_builds",)),
    Knockout("land_price_all_cash", "a buyer pays a plot's whole price in cash (its lenders finance nothing)", MODEL + "land.py",
             "paid = buyer.can_buy(price) and model.ledger.transfer(buyer.account, seller.account, price, kind, force=True)",
             "paid = model.ledger.transfer(buyer.account, seller.account, price, kind)",
             (COMPANY + "test_a_builder_pays_a_plot_with_its_equity_share_its_lenders_finance_the_rest",)),
    Knockout("gem_servicing_twice", "the builder pays the servicing the GEM already did", MODEL + "development.py",
             "own = plot.homes * market.build_cost - (servicing(model, plot) if plot.serviced else 0.0)",
             "own = plot.homes * market.build_cost",
             (COMPANY + "test_gem_issues_serviced_plots_and_its_builders_do_not_pay_the_servicing_or_the_works_again",)),
    Knockout("gem_works_public", "the municipality, not the GEM, pays the public works", MODEL + "governance/gem.py",
             "if company is not None and company.carries_works and not company.settled:",
             "if False:",
             (COMPANY + "test_under_the_gem_no_home_sale_reaches_the_company_and_its_result_is_its_land_result",)),
    Knockout("corporation_developer_rules", "corporations decide by a developer's rules (withdraw on margin)",
             MODEL + "agents/corporation.py", "decide_social_plot(self.model, self, plot)",
             "from ..development import decide_plot\n        decide_plot(self.model, self, plot)",
             (COMPANY + "test_a_corporation_never_withdraws_a_social_plot_on_its_margin",
              COMPANY + "test_a_corporation_with_less_room_builds_its_social_homes_later_not_fewer")),
    Knockout("corporation_no_handover", "a corporation short of room never hands its plot over", MODEL + "social.py",
             "            hand_over(m, corp, plot)\n", "            pass\n",
             (COMPANY + "test_a_corporation_short_of_room_hands_its_plot_to_one_with_room_after_its_wait",)),
    Knockout("corporation_no_programme", "the prestatieafspraken do not pace the corporations' starts", MODEL + "social.py",
             'return this_year == 0 or started + plot.segment_homes["social"] <= target * (year + 1)', "return True",
             (COMPANY + "test_prestatieafspraken_pace_the_corporations_social_starts",)),
    # ------------------------------------------------------------- issue 27 part 3: the use phase
    Knockout("use_phase_no_binding", "a kettingbeding (or GEM, GIZ, municipality) does not bind the use-phase due",
             MODEL + "use_phase.py", "if m.contributions.ask_kind(plot) is not None:", "if False:",
             (USE + "test_a_kettingbeding_makes_the_owners_carry_the_services_even_free_riders",)),
    Knockout("use_phase_no_biz", "a BIZ does not bind the non-residential part of the use-phase due",
             MODEL + "use_phase.py", "return (plot.nonres_m2 / 100.0)", "return 0.0 * (plot.nonres_m2 / 100.0)",
             (USE + "test_a_biz_binds_the_non_residential_part_only",)),
    Knockout("use_phase_no_lapse", "members who pay under half never stop paying",
             MODEL + "use_phase.py", "if key in self.members and self.under_half[key] >= limit:", "if False:",
             (USE + "test_a_member_that_pays_under_half_for_long_enough_stops_for_good",)),
    Knockout("use_phase_no_value_loss", "unfunded services do not lower the area's value",
             MODEL + "use_phase.py", "m.area.set_service_loss({s: spec.unfunded_value_loss * g for s in in_use})", "pass",
             (USE + "test_unfunded_services_lower_value_and_trust",)),
    Knockout("use_phase_no_trust_loss", "unfunded services do not cost the residents trust",
             MODEL + "use_phase.py", "r.lose_trust(spec.unfunded_trust_loss * g)", "pass",
             (USE + "test_unfunded_services_lower_value_and_trust",)),
]


class AnchorError(Exception):
    pass


def copy_repo(dest: Path) -> Path:
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache", "*.egg-info")
    for part in ("src", "tests"):
        shutil.copytree(ROOT / part, dest / part, ignore=ignore)
    shutil.copy2(ROOT / "pyproject.toml", dest / "pyproject.toml")
    return dest


def apply(ko: Knockout, copy: Path) -> None:
    path = copy / ko.file
    if not path.exists():
        raise AnchorError(f"knock-out {ko.name}: file {ko.file} not found (the code moved: update the knock-out)")
    text = path.read_text()
    count = text.count(ko.anchor)
    if count != 1:
        what = "anchor not found" if count == 0 else f"anchor found {count} times"
        raise AnchorError(f"knock-out {ko.name}: {what} in {ko.file} (the code moved: update the knock-out): "
                          f"{ko.anchor.strip()!r}")
    path.write_text(text.replace(ko.anchor, ko.replacement))


def run_tests(copy: Path, tests: list[str], all_tests: bool) -> tuple[int, list[str], str]:
    """Run pytest in the copy; returns its exit code, the failed node ids and the tail of its output."""
    args = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rf", "--no-header"]
    args += ["-m", "not slow and not heavy", "tests"] if all_tests else tests
    env = {**os.environ, "PYTHONPATH": str(copy / "src"), "MPLBACKEND": "Agg"}
    proc = subprocess.run(args, cwd=copy, env=env, capture_output=True, text=True)
    out = proc.stdout + proc.stderr
    failed = re.findall(r"^(?:FAILED|ERROR) (\S+)", out, flags=re.M)
    return proc.returncode, failed, "\n".join(out.strip().splitlines()[-15:])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="knock-outs to run (default: all)")
    parser.add_argument("--list", action="store_true", help="list the knock-outs and exit")
    parser.add_argument("--all-tests", action="store_true", help="run the whole fast suite per knock-out")
    parser.add_argument("--no-baseline", action="store_true", help="skip the run of the listed tests on the intact copy")
    args = parser.parse_args(argv)
    known = {k.name: k for k in KNOCKOUTS}
    if args.list:
        for k in KNOCKOUTS:
            print(f"{k.name:28} {k.breaks}  [{k.file}]")
        return 0
    bad = [n for n in args.names if n not in known]
    if bad:
        print(f"knock-out names: unknown {', '.join(bad)}; allowed: {', '.join(known)}", file=sys.stderr)
        return 2
    chosen = [known[n] for n in args.names] if args.names else KNOCKOUTS
    start = time.time()
    with tempfile.TemporaryDirectory(prefix="knockouts-") as tmp:
        tmp = Path(tmp)
        # every anchor first: a moved anchor stops the script before any test runs
        try:
            for ko in chosen:
                apply(ko, copy_repo(tmp / ko.name))
        except AnchorError as exc:
            print(exc, file=sys.stderr)
            return 2
        if not args.no_baseline:
            intact = copy_repo(tmp / "_intact")
            tests = sorted({t for ko in chosen for t in ko.tests})
            code, failed, tail = run_tests(intact, tests, args.all_tests)
            if code != 0:
                print(f"baseline: the tests fail on the intact code, so a knock-out cannot be judged:\n{tail}",
                      file=sys.stderr)
                return 2
            print(f"baseline: {len(tests) if not args.all_tests else 'all fast'} tests pass on the intact code")
        rows = []
        for ko in chosen:
            t0 = time.time()
            code, failed, tail = run_tests(tmp / ko.name, list(ko.tests), args.all_tests)
            caught = code != 0
            rows.append((ko, caught, failed, time.time() - t0))
            if caught and not failed:
                failed = [f"(pytest exit code {code})"]
                rows[-1] = (ko, caught, failed, rows[-1][3])
                print(tail, file=sys.stderr)
            print(f"{ko.name}: {'caught' if caught else 'SURVIVED'} ({time.time() - t0:.0f} s)", flush=True)
    print()
    print("| knock-out | breaks | caught by | result |")
    print("|---|---|---|---|")
    for ko, caught, failed, _ in rows:
        by = ", ".join(f.replace("tests/", "") for f in failed) if caught else "-"
        print(f"| {ko.name} | {ko.breaks} | {by} | {'caught' if caught else '**survived**'} |")
    survived = [ko.name for ko, caught, _, _ in rows if not caught]
    print(f"\n{len(rows) - len(survived)} of {len(rows)} knock-outs caught in {time.time() - start:.0f} s"
          + (f"; survived: {', '.join(survived)}" if survived else ""))
    return 1 if survived else 0


if __name__ == "__main__":
    sys.exit(main())
