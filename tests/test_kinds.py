"""An intervention kind lives in one place: one entry adds it everywhere, and a broken entry fails
whole, at import, with a message naming the kind and the part."""

import dataclasses
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import small
from sim import InputError, Scenario, intervention_names, simulate
from sim.core.parameters import PARAMETERS, PARAMS
from sim.interventions import FIELDS, KINDS, Effect, InterventionKind, UnitCost, add_kind, make_intervention, remove_kind
from sim.interventions.kinds import PER_KIND_FIELDS

TOY = InterventionKind(
    Effect("toy_walks", "daily walks with a friend", gains={"pain_to_activity": 0.9}, offsets={"activity": 1.0},
           reference_sessions_per_week=3.0, half_dose_sessions_per_week=1.5, source="a test"),
    dict(duration_days=28, sessions_per_week=3.0, uptake=0.9, adherence=0.8, dropout=0.1,
         onset_days=7.0, fade_days=30.0, residual=0.1),
    1.0, "a test", "scale of the toy walks' effects")


@pytest.fixture
def toy():
    add_kind(TOY)
    yield TOY
    remove_kind(TOY.name)


def _tables():
    return list(KINDS), list(PARAMETERS), dict(PARAMS)


def test_a_toy_kind_added_in_one_entry_runs_in_a_simulation(toy):
    assert "toy_walks" in intervention_names()
    assert PARAMS["toy_walks_effect"].group == "interventions" and PARAMS["toy_walks_effect"] in PARAMETERS
    base = small(n_agents=600, days=60)
    arm = base.replace(interventions=[{"kind": "toy_walks", "eligibility": "all"}])
    walked, control = simulate(arm, seed=3).daily, simulate(base, seed=3).daily
    assert walked["toy_walks_started"].iloc[-1] > 0.8 * 600 * 0.9
    assert walked["activity_min_week_mean"].iloc[-1] > control["activity_min_week_mean"].iloc[-1] + 10
    # Its effect size is a parameter like any other: at 0 the walks change nothing at all.
    nothing = simulate(arm.replace(toy_walks_effect=0.0), seed=3).daily
    pd.testing.assert_frame_equal(control, nothing[control.columns], check_exact=True)


def test_the_toy_kind_round_trips_through_toml(toy, tmp_path):
    scenario = Scenario(n_agents=500, toy_walks_effect=2.0, interventions=[{"kind": "toy_walks", "uptake": 0.5}])
    path = tmp_path / "walks.toml"
    path.write_text(scenario.to_toml())
    assert Scenario.from_toml(path) == scenario


def test_removing_a_kind_leaves_nothing_behind():
    before = _tables()
    add_kind(TOY)
    remove_kind(TOY.name)
    assert _tables() == before
    with pytest.raises(InputError, match="field 'kind' = 'toy_walks' must be one of exercise, cbt"):
        make_intervention({"kind": "toy_walks"})
    with pytest.raises(InputError, match="unknown parameter 'toy_walks_effect'"):
        Scenario(toy_walks_effect=1.0)


def _broken(**changes):
    effect = dataclasses.replace(TOY.effect, **{k: v for k, v in changes.items() if k in ("gains", "offsets",
                                                                                          "lasting", "kind")})
    kind = dataclasses.replace(TOY, effect=effect, **{k: v for k, v in changes.items()
                                                       if k in ("delivery", "effect_size", "costs")})
    return kind


BROKEN = {
    "unknown rule": (dict(gains={"pain_to_joy": 0.5}), "rule 'pain_to_joy' does not exist"),
    "unknown state": (dict(offsets={"happiness": 1.0}), "state 'happiness' does not exist"),
    "lasting part that is not an effect": (dict(lasting=("stress",)), "lasting part 'stress' is neither"),
    "missing delivery default": (dict(delivery={k: v for k, v in TOY.delivery.items() if k != "residual"}),
                                 r"no default for delivery field\(s\) residual"),
    "delivery default out of range": (dict(delivery={**TOY.delivery, "uptake": 1.5}),
                                      "default delivery field 'uptake' = 1.5 is outside the allowed range"),
    "a field no kind sets": (dict(delivery={**TOY.delivery, "coverage": 0.5}),
                             r"delivery default\(s\) coverage are not per-kind fields"),
    "effect size out of range": (dict(effect_size=12.0),
                                 r"'toy_walks_effect': default 12.0 is outside its range \[0, 10\]"),
    "duplicate kind": (dict(kind="exercise"), "intervention kind 'exercise': declared twice"),
    "unit cost in an unknown currency": (dict(costs={"eur": UnitCost(1.0, 1.0, "a test")}),
                                         "unit costs in currency 'eur', which is not one of gbp, usd"),
    "unit cost that is not a UnitCost": (dict(costs={"gbp": (1.0, 1.0)}), "must be a UnitCost"),
    "negative unit cost": (dict(costs={"gbp": UnitCost(-1.0, 0.0, "a test")}),
                           r"'cost_toy_walks_session_gbp': default -1.0 is outside its range \[0, 10000\]"),
    "unit cost above the range": (
        dict(costs={"usd": UnitCost(5.0, 20_000.0, "a test")}),
        r"'cost_toy_walks_start_usd': default 20000.0 is outside its range"),
}


@pytest.mark.parametrize("case", BROKEN)
def test_a_broken_kind_fails_whole_with_a_clear_message(case):
    changes, message = BROKEN[case]
    before = _tables()
    with pytest.raises(InputError, match=message):
        add_kind(_broken(**changes))
    assert _tables() == before, "a rejected kind must leave no trace"


@settings(max_examples=40, deadline=None)
@given(st.data())
def test_any_delivery_in_range_is_accepted_and_any_outside_rejected(data):
    name = data.draw(st.sampled_from(PER_KIND_FIELDS))
    f = FIELDS[name]
    inside = data.draw(st.integers(int(f.low), int(f.high)) if f.kind is int
                       else st.floats(f.low, f.high, allow_nan=False))
    outside = data.draw(st.floats(f.high, f.high + 1e6, exclude_min=True) | st.floats(f.low - 1e6, f.low,
                                                                                       exclude_max=True))
    before = _tables()
    add_kind(_broken(delivery={**TOY.delivery, name: inside}))
    assert getattr(make_intervention({"kind": "toy_walks"}), name) == inside
    remove_kind("toy_walks")
    with pytest.raises(InputError, match=f"field '{name}'"):
        add_kind(_broken(delivery={**TOY.delivery, name: outside}))
    assert _tables() == before


def test_a_typo_in_a_built_in_kind_stops_the_import(tmp_path):
    package = Path(__file__).resolve().parent.parent / "sim"
    shutil.copytree(package, tmp_path / "sim", ignore=shutil.ignore_patterns("__pycache__"))
    kinds = tmp_path / "sim" / "interventions" / "kinds.py"
    text = kinds.read_text()
    assert text.count('gains={"pain_to_activity": 0.6}') == 1
    kinds.write_text(text.replace('gains={"pain_to_activity": 0.6}', 'gains={"pain_to_activty": 0.6}'))
    run = subprocess.run([sys.executable, "-c", "import sim"], cwd=tmp_path, capture_output=True, text=True,
                         env={"PYTHONPATH": str(tmp_path), "PATH": ""})
    assert run.returncode != 0
    assert "intervention kind 'exercise': rule 'pain_to_activty' does not exist" in run.stderr


def test_a_kind_s_unit_costs_join_the_table_and_leave_with_it():
    priced = dataclasses.replace(TOY, costs={"gbp": UnitCost(12.5, 30.0, "a test price"),
                                             "usd": UnitCost(20.0, 0.0, "a test price")})
    before = _tables()
    add_kind(priced)
    try:
        session, start = PARAMS["cost_toy_walks_session_gbp"], PARAMS["cost_toy_walks_start_gbp"]
        assert (session.default, start.default) == (12.5, 30.0)
        assert session.group == start.group == "costs" and session.unit == "GBP per session"
        assert session.source == "a test price" and session in PARAMETERS
        assert Scenario(cost_toy_walks_start_usd=7.0).values["cost_toy_walks_start_usd"] == 7.0
    finally:
        remove_kind("toy_walks")
    assert _tables() == before


def test_every_built_in_kind_prices_its_sessions_in_every_currency():
    """The unit costs live with the kind, and no other module declares them."""
    from sim.core.parameters import CURRENCIES

    for name, kind in KINDS.items():
        assert set(kind.costs) == set(CURRENCIES), name
        for cur, cost in kind.costs.items():
            assert PARAMS[f"cost_{name}_session_{cur}"].default == cost.session
            assert PARAMS[f"cost_{name}_start_{cur}"].default == cost.start
            assert PARAMS[f"cost_{name}_session_{cur}"].source == cost.source
    source = (Path(__file__).resolve().parent.parent / "sim" / "core" / "parameters.py").read_text()
    assert "cost_exercise" not in source and "_UNIT_COSTS" not in source
