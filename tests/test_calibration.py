"""What the defaults must show (issue 3): prevalences in range, coupling, equilibrium from day 0."""

import pytest

from sim import Scenario, simulate


@pytest.fixture(scope="module")
def default_run():
    return simulate(Scenario(n_agents=20_000, days=365), seed=1)


@pytest.mark.slow
@pytest.mark.one_python
def test_prevalences_with_defaults_at_20k(default_run):
    s = default_run.summary(last_days=366)
    # chronic *back* pain, the band of its target (Shmagel 2016 widened to Currie & Wang 2004; issue 13
    # moved the model's pain from any-site chronic pain, 15-25%, to back pain)
    assert 0.09 <= s["chronic_pain"] <= 0.147, s
    assert 0.04 <= s["depression"] <= 0.09, s
    assert s["depression_if_chronic_pain"] >= 2 * s["depression_if_no_chronic_pain"], s


@pytest.mark.slow
@pytest.mark.one_python
def test_day_zero_is_the_long_run_state(default_run):
    d = default_run.daily
    first, last = d[d["day"] < 90], d[d["day"] > 275]
    for key, tolerance in (("chronic_pain", 0.015), ("depression", 0.01), ("pain_nrs_mean", 0.1),
                           ("phq9_mean", 0.2)):
        assert abs(first[key].mean() - last[key].mean()) < tolerance, key


@pytest.mark.slow
@pytest.mark.one_python
def test_burn_in_settles_pain_and_bounds_the_depression_drift():
    """After the default burn-in (6 years) chronic pain has nearly settled (seeds 0-3: 0.1-0.8 points
    below a 30-year burn-in; seed 2: 0.06). Depression is not fully: the fifth of people who cope least keep accumulating in long
    episodes for decades (measured, 10,000 people, seeds 0-3: 4.9% after 6 years, 6.1% after 30;
    seed 2: 4.76% -> 5.83%). The calibration was fitted at the default burn-in, so what runs
    report is the calibrated state; this test pins the size of the residual drift (docs/ODD.md,
    Initialization) so that a change which makes it worse does not pass unnoticed. (Those numbers
    predate issue 13's recovery structure, under which the slowest copers still settle within a
    few years of the burn-in; the bounds still hold, and a refit should tighten them.)"""
    base = Scenario(n_agents=10_000, days=90)
    at_default = simulate(base, seed=2).daily.mean(numeric_only=True)
    thirty_years = simulate(base.replace(burn_in_days=10_950), seed=2).daily.mean(numeric_only=True)
    assert abs(at_default["chronic_pain"] - thirty_years["chronic_pain"]) < 0.005
    assert 0 < thirty_years["depression"] - at_default["depression"] < 0.015
