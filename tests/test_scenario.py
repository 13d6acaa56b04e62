"""Parameters, scenarios and TOML: validation names the key, the value and the allowed range."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import parameter_values
from sim import PARAMETERS, InputError, Scenario, rule_names
from sim.core.parameters import PARAMS


def test_every_parameter_is_documented():
    for p in PARAMETERS:
        assert p.unit and p.source and p.meaning, p.name
        assert p.low <= p.default <= p.high, p.name
        assert isinstance(p.default, (int, float)) and not isinstance(p.default, bool)
    assert len(PARAMS) == len(PARAMETERS), "duplicate parameter names"


def test_time_constants_carry_their_unit_in_the_name():
    for p in PARAMETERS:
        if p.unit == "days":
            assert p.name == "days" or p.name.endswith("_days"), p.name
        if p.unit == "1/year":
            assert p.name.endswith("_per_year"), p.name


def test_defaults_and_overrides():
    s = Scenario(n_agents=123, pain_bias=-3.0)
    assert s.n_agents == 123 and s.pain_bias == -3.0
    assert s.days == PARAMS["days"].default
    assert s.overrides == {"n_agents": 123, "pain_bias": -3.0}
    assert s.replace(n_agents=5).n_agents == 5 and s.n_agents == 123


def test_unknown_key_names_it_and_suggests():
    with pytest.raises(InputError, match=r"unknown parameter 'pain_bais'.*did you mean 'pain_bias'"):
        Scenario(pain_bais=1.0)


def test_out_of_range_names_key_value_and_range():
    with pytest.raises(ValueError, match=r"'injury_rate_per_year' = 7.5 is outside the allowed range \[0, 5\]"):
        Scenario(injury_rate_per_year=7.5)


@pytest.mark.parametrize("value", ["many", True, None, [1]])
def test_wrong_type_is_named(value):
    with pytest.raises(InputError, match="parameter 'n_agents'"):
        Scenario(n_agents=value)


def test_fractional_integer_is_rejected():
    with pytest.raises(InputError, match=r"'n_agents' = 10.5 must be a whole number"):
        Scenario(n_agents=10.5)


def test_unknown_rule_is_named():
    with pytest.raises(InputError, match=r"unknown rule 'pain_to_slep'.*did you mean 'pain_to_sleep'"):
        Scenario(disabled_rules=["pain_to_slep"])


def test_disabled_rules_keep_schedule_order():
    s = Scenario(disabled_rules=["pain_to_mood", "injury_to_pain"])
    assert s.disabled_rules == ("injury_to_pain", "pain_to_mood")


def test_toml_round_trip(tmp_path):
    s = Scenario(name="x", description="y", n_agents=777, pain_to_mood_weight=0.25,
                 disabled_rules=["pain_to_sleep"])
    path = tmp_path / "s.toml"
    path.write_text(s.to_toml())
    assert Scenario.from_toml(path) == s


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_toml_round_trip_any_valid_values(data, tmp_path_factory):
    values = data.draw(parameter_values(PARAMETERS))
    s = Scenario(**values)
    path = tmp_path_factory.mktemp("toml") / "s.toml"
    path.write_text(s.to_toml())
    back = Scenario.from_toml(path)
    assert back == s
    for k, v in values.items():
        assert getattr(back, k) == v or math.isclose(getattr(back, k), v)


def test_toml_errors_name_the_file(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("pain_bias = 99\n")
    with pytest.raises(InputError, match=r"scenario file '.*bad.toml': parameter 'pain_bias' = 99"):
        Scenario.from_toml(bad)
    bad.write_text("this is = = not toml")
    with pytest.raises(InputError, match=r"bad.toml': is not valid TOML"):
        Scenario.from_toml(bad)
    bad.write_text("[parameters]\npain_bias = 1\n")
    with pytest.raises(InputError, match=r"unexpected table \[parameters\]"):
        Scenario.from_toml(bad)
    with pytest.raises(InputError, match=r"missing.toml': cannot be read"):
        Scenario.from_toml(tmp_path / "missing.toml")


def test_rule_names_are_unique_and_listed():
    names = rule_names()
    assert len(names) == len(set(names)) >= 13
