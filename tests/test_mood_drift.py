"""The slow mood drift (``mood_drift``): off by default and then invisible; when on, an
Ornstein-Uhlenbeck process of the stated SD and correlation time, drawn from its own stream."""

import numpy as np
import pytest

from sim import Scenario
from sim.core.engine import Engine
from sim.core.streams import state_key
from tests.conftest import assert_paths_agree, small

OTHER_STREAMS = ("noise", "injuries", "life_events", "demography", "entrants")


def run(days, **values):
    engine = Engine(small(n_agents=300, burn_in_days=60, **values), seed=4, cache=False)
    for _ in range(days):
        engine.step()
    return engine


def test_off_by_default_it_is_zero_and_draws_nothing():
    engine = run(20)
    assert engine.p.mood_drift_sd == 0.0
    assert not engine.pop.mood_drift.any()
    assert "mood_drift" not in engine.streams._streams


def test_switching_it_on_leaves_every_other_stream_where_it_was():
    off, on = run(30), run(30, mood_drift_sd=0.8)
    assert on.pop.mood_drift.std() > 0.3
    for name in OTHER_STREAMS:
        assert state_key(off.streams[name]) == state_key(on.streams[name]), name
    assert not np.array_equal(off.pop.low_mood, on.pop.low_mood)
    np.testing.assert_array_equal(off.pop.person_id, on.pop.person_id)  # the same deaths and entrants


def test_it_is_an_ornstein_uhlenbeck_process_of_the_stated_sd_and_time():
    sd, tau = 0.7, 30.0
    engine = Engine(Scenario(n_agents=20_000, burn_in_days=10, mood_drift_sd=sd, mood_drift_tau_days=tau),
                    seed=1, cache=False)
    start, ids = engine.pop.mood_drift.copy(), engine.pop.person_id.copy()
    for _ in range(int(tau)):
        engine.step()
    kept = engine.pop.person_id == ids  # people who died or aged out meanwhile are not followed
    end = engine.pop.mood_drift[kept]
    # started stationary (SD sd), it stays so; its autocorrelation after tau days is e^-1
    assert start.std() == pytest.approx(sd, rel=0.03)
    assert end.std() == pytest.approx(sd, rel=0.03)
    assert np.corrcoef(start[kept], end)[0, 1] == pytest.approx(np.exp(-1.0), abs=0.03)


def test_a_larger_drift_spreads_the_phq9_more():
    spread = [run(60, mood_drift_sd=sd, mood_drift_tau_days=365.0).pop.low_mood.std() for sd in (0.0, 0.6, 1.2)]
    assert spread[0] < spread[1] < spread[2]


def test_entrants_get_a_drift_of_their_own():
    engine = run(60, mood_drift_sd=0.8, exit_age_years=30)
    entrants = engine.pop.person_id >= engine.n  # ids beyond the first population's
    assert entrants.sum() > 10
    assert np.all(engine.pop.mood_drift[entrants] != 0.0)


def test_the_per_agent_path_runs_the_same_drift():
    a, _ = assert_paths_agree(small(n_agents=60, burn_in_days=40, mood_drift_sd=0.8, mood_drift_tau_days=90.0))
    assert np.abs(a.engine.pop.mood_drift).max() > 0.1


def test_an_out_of_range_drift_is_refused_naming_it():
    with pytest.raises(ValueError, match="mood_drift_sd"):
        Scenario(mood_drift_sd=-0.1)


def test_switched_off_midway_it_stops_drawing_and_decays_at_its_time():
    engine = run(10, mood_drift_sd=0.8, mood_drift_tau_days=20.0)
    engine.set_parameters(mood_drift_sd=0.0)
    before, key = engine.pop.mood_drift.copy(), state_key(engine.streams["mood_drift"])
    for _ in range(20):
        engine.step()
    assert state_key(engine.streams["mood_drift"]) == key
    kept = engine.pop.person_id < engine.n
    np.testing.assert_allclose(engine.pop.mood_drift[kept], before[kept] * np.exp(-1.0), rtol=1e-9)
