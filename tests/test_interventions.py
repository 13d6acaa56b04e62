"""Interventions: effect apart from delivery, who is treated, and bad input."""

import numpy as np
import pandas as pd
import pytest

from conftest import small
from sim import InputError, Scenario, intervention_names, simulate
from sim.core.engine import Engine
from sim.interventions import FIELDS, IN_TREATMENT, KINDS as KIND_TABLE

KINDS = intervention_names()


def test_all_six_kinds_exist_with_sources():
    assert set(KINDS) == {"exercise", "cbt", "mindfulness", "medication", "sleep", "social_support"}
    for kind in KIND_TABLE.values():
        effect = kind.effect
        assert effect.source and (effect.gains or effect.offsets)


@pytest.mark.parametrize("kind", KINDS)
def test_zero_coverage_reproduces_baseline_exactly(kind):
    scenario = small(days=40)
    base = simulate(scenario, seed=11).daily
    zero = simulate(scenario.replace(interventions=[{"kind": kind, "coverage": 0.0, "eligibility": "all"}]),
                    seed=11).daily
    pd.testing.assert_frame_equal(base, zero[base.columns], check_exact=True)


def test_arms_identical_before_start_day_and_differ_after():
    scenario = small(n_agents=800, days=60)
    base = simulate(scenario, seed=2).daily
    arm = simulate(scenario.replace(interventions=[{"kind": "exercise", "start_day": 20, "eligibility": "all"}]),
                   seed=2).daily
    cols = list(base.columns)
    pd.testing.assert_frame_equal(base.loc[:20, cols], arm.loc[:20, cols], check_exact=True)
    assert not np.allclose(base["activity_min_week_mean"].iloc[30:], arm["activity_min_week_mean"].iloc[30:])


@pytest.mark.parametrize("eligibility", ["chronic_pain", "depressed", "comorbid", "acute_episode"])
def test_no_ineligible_person_is_ever_treated(eligibility):
    scenario = small(n_agents=1500, days=60).replace(
        interventions=[{"kind": "cbt", "eligibility": eligibility, "enrolment": "rolling"}])
    engine = Engine(scenario, seed=4)
    delivery = engine.deliveries["cbt"]
    from sim.core.eligibility import eligible

    for _ in range(60):
        before = delivery.start.copy()
        ok = eligible(eligibility, engine.pop, engine.status)
        engine.step()
        new = (before < 0) & (delivery.start >= 0)
        assert not (new & ~ok).any(), "someone started who was not eligible that day"
    assert (delivery.start >= 0).sum() > 0


def test_adherence_and_uptake_fall_with_pain_and_low_mood():
    engine = Engine(small(n_agents=50).replace(interventions=[{"kind": "exercise"}]), seed=0)
    d = engine.deliveries["exercise"]
    pop = engine.pop
    who = np.arange(3)
    pop.pain[who] = [0.1, 0.5, 0.9]
    pop.low_mood[who] = 0.2
    a = d.adherence_probability(pop, who)
    u = d.uptake_probability(pop, who)
    h = d.dropout_hazard(pop, who)
    assert a[0] > a[1] > a[2] and u[0] > u[1] > u[2] and h[0] < h[1] < h[2]
    pop.pain[who] = 0.5
    pop.low_mood[who] = [0.1, 0.4, 0.8]
    a2 = d.adherence_probability(pop, who)
    assert a2[0] > a2[1] > a2[2]
    pop.pain[who] = 0.5
    pop.low_mood[who] = 8 / 27
    assert d.adherence_probability(pop, who)[0] == pytest.approx(0.7)  # the stated value at reference


def test_more_coverage_offers_a_superset():
    base = small(n_agents=1000, days=5)
    started = []
    for c in (0.2, 0.5, 0.9):
        e = Engine(base.replace(interventions=[{"kind": "exercise", "coverage": c, "eligibility": "all"}]), seed=1)
        e.step()
        started.append(e.deliveries["exercise"].offered.copy())
    assert (started[0] <= started[1]).all() and (started[1] <= started[2]).all()
    assert started[0].sum() < started[1].sum() < started[2].sum()


def test_stepped_care_only_reaches_non_responders_of_the_first_step():
    scenario = small(n_agents=2000, days=70).replace(interventions=[
        {"kind": "exercise", "eligibility": "chronic_pain"},
        {"kind": "cbt", "step_up_from": "exercise", "step_up_week": 4, "response": "pain"}])
    engine = Engine(scenario, seed=3)
    for _ in range(70):
        engine.step()
    first, second = engine.deliveries["exercise"], engine.deliveries["cbt"]
    stepped = second.start >= 0
    assert stepped.sum() > 0
    assert (first.start[stepped] >= 0).all()
    assert (second.start[stepped] - first.start[stepped] == 28).all()


def test_medication_effect_fades_after_the_course():
    scenario = small(n_agents=1500, days=200).replace(
        interventions=[{"kind": "medication", "duration_days": 60, "eligibility": "all"}])
    engine = Engine(scenario, seed=5)
    d = engine.deliveries["medication"]
    levels = []
    for day in range(1, 201):
        engine.step()
        levels.append(d.level.max())
    assert levels[59] > 0.5
    assert levels[-1] < 0.01 * levels[59]


def test_only_the_lasting_part_of_cbt_stays_after_the_course():
    scenario = small(n_agents=800, days=400).replace(
        interventions=[{"kind": "cbt", "eligibility": "all", "residual": 0.5, "fade_days": 30}])
    engine = Engine(scenario, seed=6)
    d = engine.deliveries["cbt"]
    for _ in range(400):
        engine.step()
    from sim.interventions import combine

    done = d.status != 0
    assert (d.level[done] < 1e-3).all() and (d.floor[done] > 0).mean() > 0.5
    gains, offsets = combine([d], engine.n)
    cbt = KIND_TABLE["cbt"].effect
    np.testing.assert_allclose(offsets["low_mood"][done], d.floor[done] * cbt.offsets["low_mood"], atol=1e-3)
    assert np.abs(offsets["pain"][done]).max() < 1e-3  # the effect on pain appraisal fades


def test_counts_in_the_daily_table():
    r = simulate(small(n_agents=1000, days=30).replace(interventions=[{"kind": "sleep", "eligibility": "all"}]),
                 seed=0)
    d = r.daily
    assert d["sleep_started"].iloc[-1] > 0
    assert (d["sleep_sessions"].diff().dropna() >= 0).all()
    assert d["people_reached"].iloc[-1] == d["sleep_started"].iloc[-1]


@pytest.mark.parametrize("spec, message", [
    ({"kind": "yoga"}, r"field 'kind' = 'yoga' must be one of exercise, cbt"),
    ({"kind": "exercise", "coverage": 1.5}, r"interventions\[0\] \('exercise'\): field 'coverage' = 1.5 is outside the allowed range \[0, 1\]"),
    ({"kind": "exercise", "start_day": 500}, r"field 'start_day' = 500 is after the end of the run \(days = 365\)"),
    ({"kind": "exercise", "covrage": 0.5}, r"unknown field 'covrage' \(did you mean 'coverage'\?\)"),
    ({"kind": "exercise", "eligibility": "everyone"}, r"field 'eligibility' = 'everyone' must be one of all"),
    ({"kind": "exercise", "duration_days": 2.5}, r"field 'duration_days' = 2.5 must be a whole number"),
    ({"kind": "cbt", "step_up_from": "physio"}, r"field 'step_up_from' = 'physio' names no other intervention"),
    ({"coverage": 0.5}, r"needs a 'kind'"),
])
def test_bad_intervention_input_is_named(spec, message):
    with pytest.raises(InputError, match=message):
        Scenario(interventions=[spec])


def test_duplicate_names_are_rejected():
    with pytest.raises(InputError, match="name 'cbt' is used by more than one"):
        Scenario(interventions=[{"kind": "cbt"}, {"kind": "cbt"}])
    Scenario(interventions=[{"kind": "cbt"}, {"kind": "cbt", "name": "cbt_booster", "start_day": 100}])


def test_toml_interventions_round_trip_and_errors_name_the_file(tmp_path):
    s = Scenario(n_agents=500, interventions=[{"kind": "exercise", "coverage": 0.4},
                                               {"kind": "cbt", "step_up_from": "exercise"}])
    path = tmp_path / "s.toml"
    path.write_text(s.to_toml())
    assert "[[interventions]]" in path.read_text()
    assert Scenario.from_toml(path) == s
    path.write_text('[[interventions]]\nkind = "exercise"\ncoverage = 2\n')
    with pytest.raises(InputError, match=r"s.toml': interventions\[0\] \('exercise'\): field 'coverage' = 2"):
        Scenario.from_toml(path)


def test_every_field_is_documented():
    for f in FIELDS.values():
        assert f.meaning
    assert IN_TREATMENT == 1
