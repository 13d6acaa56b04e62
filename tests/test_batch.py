"""Many parameter sets in one run (sim.core.batch): each set's numbers are its solo run's, bit for bit."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sim
from sim.core.batch import STRUCTURAL, BatchEngine, PerRow
from sim.core.errors import InputError
from sim.running.simulate import simulate, simulate_batch
from tests.conftest import small

# Sets that move the natural history, a derived rate (pain_tau_days -> rate[pain]), the healing
# decay, both drifts (two sets with the mood drift on share its stream's draw, one without it does
# not), the noise, a rule weight that enters as ``p.x * 10.0 * s.pain`` (scalar
# arithmetic first), both sensitisation rates (np.where of two parameters) and an effect size.
SETS = [
    {},
    {"stress_to_mood_weight": 2.1, "pain_tau_days": 3.0, "pain_drift_sd": 0.5, "mood_drift_sd": 0.5},
    {"tissue_healing_tau_days": 40.0, "pain_to_sensitisation_per_nrs": 0.9, "low_mood_noise_sd": 0.5,
     "sensitisation_up_tau_days": 60.0, "exercise_effect": 0.8},
    {"pain_threshold_nrs": 0.8, "sensitisation_down_tau_days": 200.0, "mood_recovery_tau_days": 40.0,
     "mood_drift_sd": 0.9, "mood_drift_tau_days": 60.0},
]
# People leave at 30 (a short adult life), so deaths/exits and entrants happen within days.
WITH_EVERYTHING = small(n_agents=400, burn_in_days=90, days=45, exit_age_years=30,
                        interventions=[{"kind": "exercise", "start_day": 2, "coverage": 0.6},
                                       {"kind": "cbt", "enrolment": "rolling", "eligibility": "depressed"}])


def assert_same(batched, solo):
    pd.testing.assert_frame_equal(batched.daily, solo.daily, check_exact=True)


@pytest.mark.parametrize("precision", ["float64", "float32"])
def test_each_set_of_a_batch_is_its_solo_run_bit_for_bit(precision):
    results = simulate_batch(WITH_EVERYTHING, SETS, seed=5, precision=precision, cache=False)
    for values, batched in zip(SETS, results):
        solo = simulate(WITH_EVERYTHING.replace(**values), seed=5, precision=precision)
        assert_same(batched, solo)
        assert batched.daily["pain_nrs_mean"].dtype == solo.daily["pain_nrs_mean"].dtype
    daily = results[2].daily
    # the comparison covered what it claims to: leavers replaced, interventions delivered
    assert (daily["deaths"] + daily["exits"]).sum() > 0
    assert daily["exercise_started"].iloc[-1] > 0 and daily["cbt_started"].iloc[-1] > 0
    # and the sets differ (the per-row parameters reached the arithmetic)
    assert not results[0].daily["phq9_mean"].equals(results[1].daily["phq9_mean"])


def test_a_batch_loads_and_saves_each_sets_burn_in_in_the_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("PAINLOOP_CACHE", str(tmp_path))
    scenario = small(n_agents=200, burn_in_days=60, days=10)
    solo = simulate(scenario.replace(**SETS[1]), seed=2)  # burns in set 1 and saves it
    batch = BatchEngine(scenario, SETS[:3], seed=2)
    assert batch.timings["cache_sets"] == 1 and batch.timings["burn_in_sets"] == 2
    again = simulate_batch(scenario, SETS[:3], seed=2)
    assert again[0].meta["cache_sets"] == 3
    assert_same(again[1], solo)
    # a set burnt in by the batch is what a solo run loads, and the solo run agrees
    assert_same(again[2], simulate(scenario.replace(**SETS[2]), seed=2))
    assert simulate(scenario.replace(**SETS[2]), seed=2).meta["burn_in_source"] == "cache"


def test_solo_detaches_a_set_that_runs_on_as_its_own_engine():
    scenario = small(n_agents=200, burn_in_days=40, days=10)
    batch = BatchEngine(scenario, SETS[:2], seed=3, cache=False)
    batch.run(3)
    alone = batch.solo(1)
    own = sim.Engine(scenario.replace(**SETS[1]), seed=3, cache=False)
    own.run(3)
    for name in ("pain", "low_mood", "sensitisation", "age_years"):
        np.testing.assert_array_equal(getattr(alone.pop, name), getattr(own.pop, name))
    alone.run(5)
    own.run(5)
    np.testing.assert_array_equal(alone.pop.low_mood, own.pop.low_mood)
    np.testing.assert_array_equal(alone.status.depressed, own.status.depressed)


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.integers(0, 2), min_size=len(SETS), max_size=len(SETS)))
def test_any_split_of_the_sets_gives_the_same_results(groups):
    scenario = small(n_agents=150, burn_in_days=30, days=12,
                     interventions=[{"kind": "exercise", "start_day": 1, "coverage": 0.5}])
    whole = {k: r.daily for k, r in enumerate(simulate_batch(scenario, SETS, seed=7, cache=False))}
    for g in set(groups):
        members = [k for k, group in enumerate(groups) if group == g]
        parts = simulate_batch(scenario, [SETS[k] for k in members], seed=7, cache=False)
        for k, part in zip(members, parts):
            pd.testing.assert_frame_equal(part.daily, whole[k], check_exact=True)


@pytest.mark.parametrize("name", STRUCTURAL)
def test_a_set_may_not_change_the_shape_of_the_run(name):
    scenario = small()
    with pytest.raises(InputError, match=f"parameter_sets\\[1\\]: {name} cannot vary within a batch"):
        BatchEngine(scenario, [{}, {name: getattr(scenario, name) + 1}], cache=False)


def test_bad_parameter_sets_are_named():
    with pytest.raises(InputError, match=r"parameter_sets\[1\]: .*unknown parameter 'pain_biass'"):
        BatchEngine(small(), [{}, {"pain_biass": 1.0}], cache=False)
    with pytest.raises(InputError, match=r"parameter_sets\[0\]: .*'pain_tau_days' = 0 is outside"):
        BatchEngine(small(), [{"pain_tau_days": 0}], cache=False)
    with pytest.raises(InputError, match=r"parameter_sets\[1\]: disabled_rules is not a parameter"):
        BatchEngine(small(), [{}, {"disabled_rules": ["pain_to_sleep"]}], cache=False)
    with pytest.raises(InputError, match="parameter_sets is empty"):
        BatchEngine(small(), [], cache=False)
    with pytest.raises(InputError, match=r"parameter_sets\[0\] = 3 must be a dict"):
        BatchEngine(small(), [3], cache=False)


def test_per_row_parameters_compute_as_the_python_floats_they_replace():
    rng = np.random.default_rng(0)
    for dtype in (np.float64, np.float32):
        x = rng.random(6).astype(dtype)
        a, b = 0.3, 1.7
        pa, pb = PerRow(np.full(6, a)), PerRow(np.full(6, b))
        cases = [(a * 10.0 * x, pa * 10.0 * x), (x * (1.0 / (1.0 - a)), x * (1.0 / (1.0 - pa))),
                 (np.where(x > 0.5, a, b), np.where(x > 0.5, pa, pb)),
                 (np.where(x > 0.5, x, a), np.where(x > 0.5, x, pa)),
                 (np.minimum(np.exp(-a * x), b), np.minimum(np.exp(-pa * x), pb)),
                 (-np.expm1(-1.0 / (b * x)), -np.expm1(-1.0 / (pb * x))),
                 (np.exp(a) * x, np.exp(pa) * x)]
        for solo, batched in cases:
            assert batched.dtype == np.asarray(solo).dtype
            np.testing.assert_array_equal(batched, np.broadcast_to(solo, batched.shape))
    with pytest.raises(TypeError, match="one value per row"):
        float(pa)
    with pytest.raises(TypeError, match="one value per row"):
        bool(pa)
    with pytest.raises(TypeError):
        pa > 0.1  # no Python-level decision on a per-row value
