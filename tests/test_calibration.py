"""What the defaults must show (issue 3): prevalences in range, coupling, equilibrium from day 0."""

import numpy as np
import pytest

from sim import Scenario, simulate


@pytest.fixture(scope="module")
def default_run():
    return simulate(Scenario(n_agents=20_000, days=365), seed=1)


@pytest.mark.slow
def test_prevalences_with_defaults_at_20k(default_run):
    s = default_run.summary(last_days=366)
    assert 0.15 <= s["chronic_pain"] <= 0.25, s
    assert 0.04 <= s["depression"] <= 0.09, s
    assert s["depression_if_chronic_pain"] >= 2 * s["depression_if_no_chronic_pain"], s


@pytest.mark.slow
def test_day_zero_is_the_long_run_state(default_run):
    d = default_run.daily
    first, last = d[d["day"] < 90], d[d["day"] > 275]
    for key, tolerance in (("chronic_pain", 0.015), ("depression", 0.01), ("pain_nrs_mean", 0.1),
                           ("phq9_mean", 0.2)):
        assert abs(first[key].mean() - last[key].mean()) < tolerance, key


@pytest.mark.slow
def test_burn_in_reaches_equilibrium():
    """Prevalence after the default burn-in is within 0.5 points of ten years in."""
    base = Scenario(n_agents=10_000, days=1)
    at_default = simulate(base, seed=2).daily.iloc[0]
    ten_years = simulate(base.replace(burn_in_days=3650), seed=2).daily.iloc[0]
    for key in ("chronic_pain", "depression"):
        assert abs(at_default[key] - ten_years[key]) < 0.01, key
