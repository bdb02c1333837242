"""Scenario validation and ``--set`` overrides (issue 2): every problem is a ScenarioError with one line
that names the field; the bundled reference area equals the built-in defaults."""

from __future__ import annotations

import pytest

from coalitionsim import Scenario, ScenarioError, load_scenario
from coalitionsim.scenario import (
    FORMS,
    apply_overrides,
    bundled_scenarios,
    parse_override,
    read_scenario_dict,
    scenario_from_dict,
)


def error_of(*args, **kwargs) -> str:
    """The message of the ScenarioError that load_scenario raises (fails the test when none is raised)."""
    with pytest.raises(ScenarioError) as info:
        load_scenario(*args, **kwargs)
    msg = str(info.value)
    assert msg, "empty error message"
    assert "\n" not in msg and "\r" not in msg, f"message is not one line: {msg!r}"
    assert "Traceback" not in msg
    return msg


def write(tmp_path, text: str, name: str = "area.toml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# ------------------------------------------------------------------ --set overrides


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ("simulation.horizon_quarters=abc", "simulation.horizon_quarters"),  # wrong type: int
        ("instruments.kostenverhaal=maybe", "instruments.kostenverhaal"),  # wrong type: bool
        ("municipality.staff_capacity=[1, 2]", "municipality.staff_capacity"),  # wrong type: number
        ("ownership.municipal_land_share=1.5", "ownership.municipal_land_share"),  # share above 1
        ("programme.social_share=-0.1", "programme.social_share"),  # share below 0
        ("behaviour.free_rider_share=2", "behaviour.free_rider_share"),
        ("residents.objection_propensity=1.01", "residents.objection_propensity"),
        ("simulation.form=cooperative", "simulation.form"),  # unknown form
        ("simulation.horizon_quarters=0", "simulation.horizon_quarters"),  # below its minimum
        ("tasks.0.cost=-5", "tasks.0.cost"),  # a list item's field, validated like the file
        ("subareas.1.plots=0", "subareas.1.plots"),
        ("ownership.developers.0.strategy=lazy", "ownership.developers.0.strategy"),
    ],
)
def test_invalid_override_names_the_field(override, field):
    msg = error_of(None, [override])
    assert field in msg


def test_unknown_form_lists_the_allowed_forms():
    msg = error_of(None, ["simulation.form=cooperative"])
    assert "cooperative" in msg
    for form in FORMS:
        assert form in msg


@pytest.mark.parametrize(
    ("override", "named"),
    [
        ("nosuchsection=1", "nosuchsection"),  # top level
        ("ownership.nosuch=1", "ownership.nosuch"),  # nested
        ("instruments.kosten_verhaal=true", "instruments.kosten_verhaal"),  # a misspelling
        ("tasks.0.nosuch=1", "tasks.0.nosuch"),  # inside a list item
        ("simulation.form.x=1", "simulation.form.x"),  # below a value
    ],
)
def test_unknown_override_key_is_named(override, named):
    msg = error_of(None, [override])
    assert named in msg
    assert "unknown key" in msg


def test_unknown_key_lists_the_keys_allowed_there():
    msg = error_of(None, ["ownership.municipal_share=0.5"])
    assert "municipal_land_share" in msg  # the user can see what was meant


@pytest.mark.parametrize("override", ["tasks.99.cost=10", "tasks.x.cost=10", "tasks.-1.cost=10"])
def test_bad_list_index_is_named(override):
    msg = error_of(None, [override])
    assert override.split("=")[0].rsplit(".", 1)[0] in msg  # e.g. tasks.99


def test_override_without_equals_sign():
    msg = error_of(None, ["ownership.municipal_land_share"])
    assert "PATH=VALUE" in msg


def test_list_index_override_sets_that_item_only():
    default = Scenario()
    sc = load_scenario(None, ["tasks.0.cost=10", "subareas.2.homes_per_plot=77"])
    assert sc.tasks[0].cost == 10
    assert [t.cost for t in sc.tasks[1:]] == [t.cost for t in default.tasks[1:]]
    assert sc.subareas[2].homes_per_plot == 77
    assert sc.subareas[0] == default.subareas[0]
    assert sc.homes_planned == default.homes_planned - 12 * (120 - 77)


def test_override_values_are_typed_as_toml():
    sc = load_scenario(None, [
        "ownership.municipal_land_share=0.5",
        "instruments.kettingbeding=true",
        "simulation.form=\"gem\"",  # quoted TOML string
        "meta.name=unquoted text",  # not a TOML literal: read as a string
        "instruments.voorkeursrecht_quarter=4",
    ])
    assert sc.ownership.municipal_land_share == 0.5
    assert sc.instruments.kettingbeding is True
    assert sc.simulation.form == "gem"
    assert sc.meta.name == "unquoted text"
    assert sc.instruments.voorkeursrecht_quarter == 4


def test_parse_override_splits_path_and_value():
    assert parse_override("a.b.0.c=1.5") == (["a", "b", "0", "c"], 1.5)
    assert parse_override("x=y=z") == (["x"], "y=z")


def test_later_override_wins():
    sc = load_scenario(None, ["rijk.gebiedsbudget=10", "rijk.gebiedsbudget=20"])
    assert sc.rijk.gebiedsbudget == 20


def test_land_shares_adding_up_to_more_than_one():
    msg = error_of(None, ["ownership.municipal_land_share=0.6", "ownership.corporation_land_share=0.5"])
    assert "ownership" in msg
    assert "municipal_land_share" in msg and "corporation_land_share" in msg
    assert "1.21" in msg  # the sum the user asked for (0.6 + 0.5 + 0.11)


def test_land_shares_adding_up_to_exactly_one_is_fine():
    sc = load_scenario(None, ["ownership.municipal_land_share=0.75"])  # 0.75 + 0.14 + 0.11 = 1
    assert sc.ownership.municipal_land_share == 0.75


def test_programme_shares_over_one():
    msg = error_of(None, ["programme.social_share=0.7", "programme.mid_share=0.4"])
    assert "social_share" in msg and "mid_share" in msg


def test_task_beneficiary_must_be_a_subarea():
    msg = error_of(None, ["tasks.0.beneficiaries=[\"Oost\"]"])
    assert "Oost" in msg and "tasks" in msg


def test_overrides_do_not_change_the_input_dict():
    data, label = read_scenario_dict("reference")
    before = repr(data)
    full = apply_overrides(data, ["tasks.0.cost=1"], label)
    assert repr(data) == before
    assert full["tasks"][0]["cost"] == 1


# ------------------------------------------------------------------ scenario files


def test_missing_file():
    msg = error_of("no/such/area.toml")
    assert "no/such/area.toml" in msg


def test_invalid_toml(tmp_path):
    path = write(tmp_path, "[simulation\nform = 'sok'\n")
    msg = error_of(path)
    assert str(path) in msg
    assert "TOML" in msg


def test_wrong_type_in_file(tmp_path):
    path = write(tmp_path, "[simulation]\nhorizon_quarters = 'long'\n")
    msg = error_of(path)
    assert "simulation.horizon_quarters" in msg and str(path) in msg


def test_share_out_of_range_in_file(tmp_path):
    path = write(tmp_path, "[ownership]\nmunicipal_land_share = -0.2\n")
    assert "ownership.municipal_land_share" in error_of(path)


def test_unknown_form_in_file(tmp_path):
    path = write(tmp_path, "[simulation]\nform = 'pps'\n")
    assert "simulation.form" in error_of(path)


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("colour = 'red'\n", "colour"),
        ("[simulation]\nspeed = 2\n", "simulation.speed"),
        ("[[tasks]]\nname = 'park'\ncost = 5\nbudget = 1\n", "tasks.0.budget"),
    ],
)
def test_unknown_key_in_file(tmp_path, text, field):
    msg = error_of(write(tmp_path, text))
    assert field in msg
    assert "unknown key" in msg


def test_land_shares_over_one_in_file(tmp_path):
    path = write(tmp_path, "[ownership]\nmunicipal_land_share = 0.9\npassive_land_share = 0.2\n")
    msg = error_of(path)
    assert "ownership" in msg and "municipal_land_share" in msg


def test_override_applies_on_top_of_a_file(tmp_path):
    path = write(tmp_path, "[simulation]\nhorizon_quarters = 40\nform = 'gem'\n")
    sc = load_scenario(path, ["simulation.horizon_quarters=12"])
    assert sc.simulation.horizon_quarters == 12
    assert sc.simulation.form == "gem"
    # a file that is fine alone can be made invalid by an override, and that is reported too
    assert "simulation.form" in error_of(path, ["simulation.form=none"])


def test_file_states_only_what_differs(tmp_path):
    path = write(tmp_path, "[rijk]\ngebiedsbudget = 80.0\n")
    sc = load_scenario(path)
    assert sc.rijk.gebiedsbudget == 80.0
    assert sc.model_copy(update={"rijk": Scenario().rijk}) == Scenario()


def test_scenario_from_dict_raises_scenario_error():
    with pytest.raises(ScenarioError) as info:
        scenario_from_dict({"market": {"build_cost": 0}}, "mine")
    assert str(info.value).startswith("mine: market.build_cost")


# ------------------------------------------------------------------ the bundled reference area


def test_reference_is_bundled():
    assert "reference" in bundled_scenarios()


def test_bundled_reference_equals_the_defaults():
    ref = load_scenario("reference")
    default = Scenario()
    # meta.sources documents where the reference numbers come from; everything else must be identical
    assert ref.model_copy(update={"meta": default.meta}) == default
    assert ref.meta.name == default.meta.name == "reference"
    assert ref.meta.description == default.meta.description
    assert load_scenario(None) == ref


def test_every_bundled_scenario_validates():
    for name, path in bundled_scenarios().items():
        sc = load_scenario(path)
        assert isinstance(sc, Scenario) and sc.meta.name, name


# ------------------------------------------------------------------ non-finite numbers and file encodings


def _number_paths(data, prefix=""):
    """Every numeric value's dotted path in a full scenario dict (list items: the first one)."""
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _number_paths(value, f"{prefix}{key}.")
    elif isinstance(data, list):
        if data:
            yield from _number_paths(data[0], f"{prefix}0.")
    elif isinstance(data, (int, float)) and not isinstance(data, bool):
        yield prefix[:-1]


NUMBER_PATHS = sorted(_number_paths(Scenario().to_dict()))


@pytest.mark.parametrize("value", ["inf", "-inf", "nan"])
def test_every_number_refuses_inf_and_nan(value):
    assert len(NUMBER_PATHS) > 100
    for path in NUMBER_PATHS:
        msg = error_of(None, [f"{path}={value}"])
        assert path in msg and "finite" in msg, msg


def test_inf_in_a_file_is_named(tmp_path):
    msg = error_of(write(tmp_path, "[[tasks]]\nname = 'brug'\ncost = inf\n"))
    assert "tasks.0.cost: must be a finite number (got inf)" in msg


def test_a_file_that_is_not_utf8_is_one_line(tmp_path):
    path = tmp_path / "latin.toml"
    path.write_bytes("[meta]\ndescription = 'caf\u00e9'\n".encode("latin-1"))
    msg = error_of(path)
    assert str(path) in msg and "not UTF-8" in msg


# --------------------------------------------------------------------------- issue 30: strict types


@pytest.mark.parametrize(("text", "expected"), [
    ("[[subareas]]\nname = 'A'\nplots = true\nhomes_per_plot = 100\n",
     "subareas.0.plots: must be a whole number, not true/false (got true)"),
    ("[[subareas]]\nname = 'A'\nplots = \"12\"\nhomes_per_plot = 100\n",
     'subareas.0.plots: must be a whole number, not text (got "12")'),
    ("[[subareas]]\nname = 'A'\nplots = 12.0\nhomes_per_plot = 100\n",
     "subareas.0.plots: must be a whole number, not a number (got 12.0)"),
    ("[municipality]\nbudget = \"40\"\n", 'municipality.budget: must be a number, not text (got "40")'),
    ("[municipality]\nbudget = false\n", "municipality.budget: must be a number, not true/false (got false)"),
    ("[instruments]\nbiz = 1\n", "instruments.biz: must be true or false, not a whole number (got 1)"),
    ("[instruments]\nbiz = \"yes\"\n", 'instruments.biz: must be true or false, not text (got "yes")'),
    ("[meta]\nname = 12\n", "meta.name: must be text (in quotes), not a whole number (got 12)"),
])
def test_wrong_types_are_not_converted(tmp_path, text, expected):
    """Issue 30 item 6: plots = true ran as 1 plot, plots = "12" as 12; now one line names field, value and type."""
    assert expected in error_of(write(tmp_path, text))


@pytest.mark.parametrize(("override", "expected"), [
    ("subareas.0.plots=true", "subareas.0.plots: must be a whole number, not true/false (got true)"),
    ('subareas.0.plots="12"', 'subareas.0.plots: must be a whole number, not text (got "12")'),
    ("instruments.biz=yes", 'instruments.biz: must be true or false, not text (got "yes")'),
])
def test_set_values_are_toml_literals_validated_as_strictly(override, expected):
    assert expected in error_of(None, [override])


def test_a_whole_number_is_still_a_number_where_a_float_is_asked(tmp_path):
    sc = load_scenario(write(tmp_path, "[municipality]\nbudget = 40\n"), ["market.value_market=3"])
    assert sc.municipality.budget == 40.0 and isinstance(sc.municipality.budget, float)
    assert isinstance(sc.market.value_market, float)


def test_an_unknown_key_is_named_without_its_value(tmp_path):
    msg = error_of(write(tmp_path, 'api_token = "s3cr3t-demo"\n'))
    assert msg.endswith("api_token: unknown key") and "s3cr3t" not in msg
