"""The mechanisms of issue 13 (items 3-5): high-impact pain by activity limitation, pain with a
true zero, and depressive episodes that always end (coping sets the speed of recovery)."""

import numpy as np

from sim import Scenario
from sim.core import scales
from sim.core.engine import felt_pain, recovery_rate
from sim.core.state import TRAIT_NAMES, Population
from sim.studies.stability import run_quiet


def _params(**changes):
    return Scenario(**changes).params()


# -- pain's true zero ------------------------------------------------------------------------------

def test_no_pain_is_felt_below_the_perception_threshold():
    p = _params(pain_threshold_nrs=1.0)
    t = p.pain_threshold
    signal = np.array([0.0, 0.5 * t, t, t + 0.1, 1.0])
    felt = felt_pain(signal, p)
    assert felt[0] == felt[1] == felt[2] == 0.0
    assert 0.0 < felt[3] < signal[3]
    assert felt[4] == 1.0  # the top of the scale is still reachable


def test_a_threshold_of_zero_leaves_pain_as_it_was():
    p = _params(pain_threshold_nrs=0.0)
    signal = np.linspace(0, 1, 11)
    assert np.allclose(felt_pain(signal, p), signal)


def test_reported_pain_is_an_nrs_that_rounds_to_one_or_more():
    assert not scales.reports_pain(0.49)
    assert scales.reports_pain(0.5)


# -- depression's course ---------------------------------------------------------------------------

def _people(n, coping, **states):
    traits = {name: np.zeros(n) for name in TRAIT_NAMES}
    traits["coping"] = np.asarray(coping, dtype=float)
    pop = Population(n, traits)
    for name, value in states.items():
        getattr(pop, name)[...] = value
    return pop


def test_recovery_builds_slower_in_people_who_cope_less_but_never_slower_than_the_cap():
    p = _params()
    pop = _people(3, [3.0, 0.0, -10.0], mood_recovery=0.0)
    rate = recovery_rate(pop, p, np.ones(3))
    assert rate[0] > rate[1] > rate[2] > 0
    slowest = -np.expm1(-1.0 / (p.mood_recovery_tau_days * p.mood_recovery_slowness_max))
    assert np.isclose(rate[2], slowest)
    # once the episode is over, recovery fades at the same rate for everyone
    fading = recovery_rate(pop, p, np.zeros(3))
    assert np.allclose(fading, p.rate["mood_recovery"])


def test_even_the_people_who_cope_least_leave_a_deep_episode_within_years():
    """Before issue 13 coping scaled the *strength* of recovery: someone far below the mean could
    never pull out of an episode held by rumination, and such people accumulated over decades.
    Now every episode ends at a rate: this noise-free run starts people deep in an episode, and
    even those whose recovery builds at the capped slowest speed leave within 4 years (at the
    defaults, about 2.7; with a cap of 100 instead of 30 it would take about 8)."""
    from sim.core.rules import RULES

    p = _params()
    start = {"low_mood": 20 / 27, "rumination": 1.0, "mood_recovery": 0.0, "poor_sleep": 0.5, "stress": 0.3}
    pop = _people(3, [0.0, -2.0, -3.0], **start)
    days = 4 * 365
    phq = np.array([r["low_mood"] for r in run_quiet(pop, p, RULES, days, record=["low_mood"])]) * 27
    left = (phq < scales.DEPRESSION_PHQ9).any(axis=0)
    assert left.all(), f"still depressed after {days} days: PHQ-9 {phq[-1]}"
    first = np.argmax(phq < scales.DEPRESSION_PHQ9, axis=0)
    assert first[0] < first[1], "the median coper should leave before a slow one"


# -- high-impact pain --------------------------------------------------------------------------

def test_high_impact_pain_is_chronic_pain_with_activity_limited_on_most_days():
    p = _params()
    n = 4
    pop = _people(n, np.zeros(n))
    habitual = scales.habitual_activity(pop, p)
    # 0: chronic pain, limited; 1: chronic pain, active; 2: limited, no pain; 3: neither
    pop.pain[...] = [0.6, 0.6, 0.0, 0.0]
    pop.activity[...] = habitual * np.array([0.3, 0.9, 0.3, 0.9])
    status = scales.ClinicalStatus(n)
    for _ in range(scales.PAIN_WINDOW_DAYS):
        status.update(pop, p)
    assert status.chronic_pain.tolist() == [True, True, False, False]
    assert status.high_impact_pain.tolist() == [True, False, False, False]
