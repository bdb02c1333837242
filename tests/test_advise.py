"""The beslisboom advisor (issue 4): the guide's own form for each case, and every branch of the tree."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from coalitionsim.advise import Advice, advise, check_summary
from coalitionsim.advise.beslisboom import decisive_steps
from coalitionsim.cli import main
from coalitionsim.scenario import ScenarioError, load_scenario

# the form the guide assigns (NOVEX L2144-2174; Stadshavens L961-973). Stationsgebied Utrecht and Kenniskwartier
# get no form in the guide: their expected form is the one inferred in their scenario files from the guide's facts.
GUIDE = {
    "merwedekanaalzone": "sok",       # L2151-2152
    "stadshavens": "sok",             # L965-973 (SOK, "joint-venture light")
    "knoopxl": "framework_subareas",  # L2164-2167
    "rijnhuizen": "framework_organic",  # L2170-2172
    "zeeburgereiland": "tender",      # L2144-2149
    "strijp_s": "gem",                # L2156-2162
    "stationsgebied_utrecht": "sok",  # not assigned by the guide; inferred from L1155-1157 (contracts)
    "kenniskwartier": "framework_organic",  # not assigned; inferred from L481-482, L496-498, L1601-1602
}


def codes(a: Advice) -> dict[str, str]:
    return {s.code: s.answer for s in a.path}


def arch(*overrides: str) -> Advice:
    return advise(load_scenario(None, list(overrides)))


# ------------------------------------------------------------------ the cases
@pytest.mark.parametrize("case", sorted(GUIDE))
def test_case_gets_the_guides_form(case):
    a = advise(case)
    assert a.form == GUIDE[case]
    assert load_scenario(case).simulation.form == GUIDE[case]
    assert not any("differs from the tree" in w for w in a.warnings)


def test_knoopxl_infrastructure_is_side_by_side():
    a = advise("knoopxl")
    assert a.infrastructure == "side_by_side"  # physically linked, other parties (NOVEX L1003-1010)
    assert set(a.subarea_forms) == {"Cluster A", "Cluster B", "Cluster C", "Cluster D"}


def test_stadshavens_heat_network_is_left_to_the_city():
    a = advise("stadshavens")
    assert codes(a)["B3"] == "ja, deels"
    assert any("warmtenet" in c and "stads- of regioniveau" in c for c in a.collective)


# ------------------------------------------------------------------ A. infrastructure
def test_A1_no_large_infrastructure():
    a = arch("tasks.0.gate=false")
    assert codes(a)["A1"] == "nee" and "A2" not in codes(a)
    assert a.infrastructure == "none"


def test_A2_not_physically_linked_separately():
    a = arch("beslisboom.infra_physically_linked=false")
    assert codes(a)["A2"] == "nee" and "A3" not in codes(a)
    assert a.infrastructure == "separate"


def test_A3_same_parties_one_whole():
    a = arch()  # the reference: a gated access road, delivered by the municipality itself
    assert [codes(a)[k] for k in ("A1", "A2", "A3")] == ["ja", "ja", "ja"]
    assert a.infrastructure == "whole"


def test_A3_other_parties_side_by_side():
    a = arch("beslisboom.infra_same_parties=false")
    assert codes(a)["A3"] == "nee"
    assert a.infrastructure == "side_by_side"


def test_A1_explicit_answer_overrides_the_derivation():
    assert arch("beslisboom.infra_investment=false").infrastructure == "none"


# ------------------------------------------------------------------ B. collective tasks
def test_B1_no_collective_approach():
    a = arch("beslisboom.collective_approach=false")
    assert codes(a)["B1"] == "nee" and "B2" not in codes(a)
    assert a.collective == ["No collective, area-wide arrangements are needed (L1863-1868)."]


def test_B3_all_tasks_at_city_level():
    tasks = ["mobiliteitshub", "energiesysteem (heat network)", "school en park", "gebiedsorganisatie en programmering"]
    a = arch("beslisboom.city_level_tasks=" + str(tasks).replace("'", '"'))
    assert codes(a)["B3"] == "ja" and "B4" not in codes(a)
    assert all("stads- of regioniveau" in c for c in a.collective)


def test_B3_unknown_task_name_is_an_input_error():
    with pytest.raises(ScenarioError, match="city_level_tasks"):
        arch('beslisboom.city_level_tasks=["no such task"]')


def test_B4_everyone_takes_part():
    a = arch("behaviour.free_rider_share=0", 'ownership.developers.3.strategy="cooperative"',
             'ownership.developers.4.strategy="cooperative"', "ownership.passive_owner_willingness=0.8")
    assert codes(a)["B4"] == "ja" and "B5" not in codes(a)
    assert any("lidmaatschap" in c for c in a.collective)


def test_B5_no_free_riders_voluntary_suffices():
    a = arch("behaviour.free_rider_share=0", "ownership.passive_land_share=0", "ownership.passive_owners=0")
    assert codes(a)["B4"] == "nee" and codes(a)["B5"] == "nee"
    assert any("voluntary participation suffices" in c for c in a.collective)


def test_B5_free_riders_enforce_with_the_instruments_at_hand():
    a = arch("instruments.kettingbeding=true", "instruments.biz=true")
    assert codes(a)["B5"] == "ja"
    enforce = next(c for c in a.collective if c.startswith("Free riders expected"))
    assert "kostenverhaal" in enforce and "kettingbeding" in enforce and "BIZ" in enforce
    assert not any("stay voluntary" in w for w in a.warnings)


def test_B5_warns_when_passive_owners_cannot_be_reached():
    a = arch()
    assert any("stay voluntary" in w for w in a.warnings)


# ------------------------------------------------------------------ C. development organisation
def test_C1_no_substantial_risk():
    a = arch("beslisboom.substantial_risk=false")
    assert codes(a)["C1"] == "nee" and "C3" not in codes(a)
    assert a.forms == ["framework_organic"]


def test_C3_municipality_owns_tender():
    a = arch("ownership.municipal_land_share=0.7")
    assert codes(a)["C3"] == "ja"
    assert a.forms == ["tender"]


def test_C4_few_coherent_owners_C5_no_entity_sok():
    a = arch()
    assert [codes(a)[k] for k in ("C3", "C4", "C5")] == ["nee", "ja", "nee"]
    assert a.forms == ["sok"]


def test_C5_legal_entity_needed_gem():
    a = arch("beslisboom.needs_legal_entity=true")
    assert codes(a)["C5"] == "ja"
    assert a.forms == ["gem"]


def test_C4_many_owners_C6_separable_subareas_with_a_new_choice_per_subarea():
    a = arch("beslisboom.max_manageable_owners=8")  # 11 private owners in the reference area
    assert codes(a)["C4"] == "nee" and codes(a)["C6"] == "ja"
    assert a.forms == ["framework_subareas"]
    # each sub-area of 12 plots has about 7 owners: manageable again, so an SOK per sub-area (L1823-1824)
    assert a.subarea_forms == {"Noord": "sok", "Midden": "sok", "Zuid": "sok"}
    assert "C4[Noord]" in codes(a)


def test_C4_unwilling_select_group_public_framework():
    a = arch(*[f'ownership.developers.{i}.strategy="holdout"' for i in range(5)])
    step = next(s for s in a.path if s.code == "C4")
    assert step.answer == "nee" and "welwillendheid" in step.reason and "11 private owners" in step.reason
    assert a.form == "framework_subareas"


def test_C4_not_development_oriented_public_framework():
    a = arch("ownership.passive_land_share=0.4", "ownership.corporation_land_share=0.1", "ownership.passive_owners=3")
    step = next(s for s in a.path if s.code == "C4")
    assert step.answer == "nee" and "coherent from 75%: no" in step.reason


def test_C6_not_separable_organic():
    a = arch("beslisboom.max_manageable_owners=8", *[f"subareas.{i}.separable=false" for i in range(3)])
    assert codes(a)["C6"] == "nee"
    assert a.forms == ["framework_organic"]


def test_C6_one_separable_subarea_is_still_a_split():
    a = arch("beslisboom.max_manageable_owners=8", "subareas.1.separable=false", "subareas.2.separable=false")
    assert a.forms == ["framework_subareas"]
    assert set(a.subarea_forms) == {"Noord", "Midden+Zuid"}


# ------------------------------------------------------------------ the simulated check
def _summary(t50: dict[str, list[float]], fri: dict[str, float], rs: float = 0.9) -> pd.DataFrame:
    rows = []
    for form, values in t50.items():
        for seed, v in enumerate(values):
            rows.append({"form": form, "seed": seed, "t50_years": v, "realisation_share": rs, "free_riding_index": fri[form],
                         "years_to_agreement": 1.0, "years_to_first_home": 2.0, "funding_gap_share": 0.1,
                         "public_deficit": 1.0, "willing_unable_share": 0.0, "trust_mean": 0.5,
                         "param.simulation.horizon_quarters": 80})
    return pd.DataFrame(rows)


def test_tree_form_level_on_speed_and_in_the_pareto_set():
    # arch() answers sok. sok and tender are level on speed (tender is slower on one seed, faster on another);
    # sok leaves less free riding on every seed, tender costs the public less: a trade-off, both kept
    s = _summary({"tender": [8.5, 8.25, 9.25], "sok": [8, 8.5, 9], "framework_organic": [12, 12, 13]},
                 {"tender": 0.3, "sok": 0.1, "framework_organic": 0.4})
    s.loc[s["form"] == "sok", "public_deficit"] = 5.0
    check = check_summary(s, arch(), replications=3)
    assert check.tree == "sok" and check.tree_in_pareto and check.tree_speed == "level"
    assert check.tradeoff.pareto == ["tender", "sok"]
    text = check.render()
    assert "IN THE PARETO SET" in text and "LEVEL ON SPEED" in text and "5th–95th percentile" in text


def test_tree_form_behind_on_speed_and_out_of_the_pareto_set():
    s = _summary({"sok": [10, 10, 11], "tender": [6, float("nan"), 7]}, {"tender": 0.2, "sok": 0.2})
    check = check_summary(s, arch(), replications=3)
    # tender does not reach t50 on seed 1 (80 quarters: counted as 20 years), so it is not ahead on every seed
    assert check.tree_speed == "level" and check.tree_in_pareto
    s = _summary({"sok": [10, 10, 11], "tender": [6, 7, 7]}, {"tender": 0.2, "sok": 0.2})
    check = check_summary(s, arch(), replications=3)
    assert check.tree_speed == "behind" and check.faster_than_tree == ["tender"] and not check.tree_in_pareto
    text = check.render()
    assert "NOT IN THE PARETO SET: tender is ahead of sok" in text and "BEHIND ON SPEED: tender reaches" in text
    s = _summary({"sok": [6, 7, 7], "tender": [10, 10, 11]}, {"tender": 0.2, "sok": 0.2})
    assert check_summary(s, arch(), replications=3).tree_speed == "ahead"


def test_the_check_uses_the_one_answer(monkeypatch):
    import coalitionsim.advise.beslisboom as b

    calls = []
    real = b.tradeoff
    monkeypatch.setattr(b, "tradeoff", lambda summary: calls.append(1) or real(summary))
    check_summary(_summary({"tender": [8, 9], "sok": [9, 10]}, {"tender": 0.2, "sok": 0.2}), arch(), 2)
    assert calls == [1]


# ------------------------------------------------------------------ command line
def test_cli_advise_prints_path_and_form(capsys):
    code = main(["advise", "strijp_s", "--explain"])
    out, err = capsys.readouterr()
    assert code == 0, err
    for text in ("Gemeente = eigenaar?", "Wil iedereen afnemen/meedoen?", "Zijn er free-riders?",
                 "Recommended form", "gem = GEM / PPS"):
        assert text in out
    assert out.startswith("Recommended form for strijp_s")  # the answer first, the path after it
    assert max(len(line) for line in out.splitlines()) <= 100


@pytest.mark.parametrize("case, decided_by", [("reference", ["C4", "C5"]), ("knoopxl", ["C4", "C6"]),
                                              ("kenniskwartier", ["C4", "C6"])])
def test_cli_advise_leads_with_its_form_and_the_answers_that_decided_it(capsys, case, decided_by):
    code = main(["advise", case])
    out, err = capsys.readouterr()
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].startswith(f"Recommended form for {case}") and f"{advise(case).form} = " in lines[1]
    because = [line.split()[1] for line in lines[lines.index("because") + 1:] if line.startswith("  - ")]
    assert because == decided_by
    assert len(lines) <= 30 and max(len(line) for line in lines) <= 100
    assert "Gemeente = eigenaar?" not in out and "--explain" in lines[-1]  # the full path only on request


def test_a_municipal_area_is_decided_by_one_answer():
    a = arch("ownership.municipal_land_share=0.8", "ownership.corporation_land_share=0.1",
                "ownership.passive_land_share=0.0")
    assert a.form == "tender"
    assert [s.code for s in decisive_steps(a)] == ["C3"]


def test_cli_advise_bad_input_is_one_line_exit_2(capsys):
    code = main(["advise", "reference", "--set", 'beslisboom.city_level_tasks=["nope"]'])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and "city_level_tasks" in err


def test_cli_advise_simulate(capsys):
    code = main(["advise", "stadshavens", "--simulate", "--replications", "2", "--workers", "1"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "Simulated check" in out and "beslisboom: sok" in out
    lines = out.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("beslisboom: "))
    tree, pareto = (part.split(": ", 1)[1] for part in lines[at].split("; "))
    in_set, speed = lines[at + 1], lines[at + 2]
    assert in_set.startswith("IN THE PARETO SET" if tree in pareto.split(", ") else "NOT IN THE PARETO SET"), in_set
    assert speed.split(":")[0] in ("AHEAD ON SPEED", "LEVEL ON SPEED", "BEHIND ON SPEED"), speed
    assert "2 seeds" not in out or "range" in out


# ------------------------------------------------------------------ the archetype analysis (synthetic summary)
def test_archetype_choices_map_and_summary(tmp_path, monkeypatch):
    import coalitionsim.advise.archetypes as A

    rows = []
    # point 0: tender faster than both on every seed, sok least free riding: Pareto {tender, sok}
    # point 1: sok and organic level on speed (their paired interval spans zero), tender slower: Pareto {sok}
    spec = {0: {"tender": (6.0, 0.2, [0, 0, 0]), "sok": (9.0, 0.1, [0, 0, 0]),
                "framework_organic": (8.0, 0.4, [0, 0, 0])},
            1: {"tender": (10.0, 0.2, [0, 0, 0]), "sok": (7.0, 0.1, [0, 0.5, 0]),
                "framework_organic": (7.0, 0.4, [0.25, 0, 0.25])}}
    for point, forms in spec.items():
        for form, (t50, fri, noise) in forms.items():
            for seed in range(3):
                rows.append({"point": point, "form": form, "seed": seed, "t50_years": t50 + noise[seed],
                             "realisation_share": 0.9, "free_riding_index": fri, "public_deficit": 5.0})
    calls = []
    real = A.tradeoff
    monkeypatch.setattr(A, "tradeoff", lambda s: calls.append(1) or real(s))  # the one answer, per point
    choices = A.point_choices(pd.DataFrame(rows))
    assert calls == [1, 1]
    assert list(choices["speed_ahead"]) == ["tender", ""]
    assert list(choices["pareto"]) == ["tender,sok", "sok"]
    assert choices.loc[1, "speed_not_behind"] == "sok,framework_organic"
    described = pd.DataFrame({"point": [0, 1], "municipal_share": [0.6, 0.33], "private_owners": [8, 8],
                              "willingness": ["willing"] * 2, "separability": ["separable"] * 2,
                              "tree": ["tender", "framework_organic"], "tree_subareas": ["", ""]})
    table = A.compare_with_tree(choices, described)
    assert list(table["tree_in_pareto"]) == [True, False]
    assert list(table["tree_speed"]) == ["ahead", "level"]
    path = A.plot_map(table, tmp_path / "map.png")
    assert path.exists() and path.stat().st_size > 10_000
    text = A.agreement_summary(table)
    assert "2 archetypes" in text and "in the Pareto set in 1" in text and "ahead of every other form in 1" in text
    assert "5th–95th percentile" in text


def test_archetype_experiment_file_is_valid():
    from coalitionsim.advise.archetypes import describe_points
    from coalitionsim.batch.experiment import load_experiment

    exp = load_experiment(Path(__file__).resolve().parents[1] / "experiments" / "archetypes.toml")
    assert exp.n_points == 36 and exp.spec.replications == 4
    described = describe_points(exp)
    assert set(described["tree"]) == {"tender", "sok", "framework_subareas", "framework_organic"}
    assert set(described["willingness"]) == {"willing", "unwilling"}
    assert set(described["separability"]) == {"separable", "not separable"}
