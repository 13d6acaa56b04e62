"""Switching a rule off moves outcomes the way its mechanism says.

Each case runs the same population (same seed) with and without one rule, from the start of the
burn-in, and compares an outcome in the group where the mechanism acts: e.g. without
``pain_to_sleep``, people in chronic pain sleep better.
"""

import numpy as np
import pytest

from sim import Scenario, rule_names
from sim.core.engine import Engine

N, BURN_IN = 3000, 900


def _engine(disabled=()):
    return Engine(Scenario(n_agents=N, burn_in_days=BURN_IN, days=1, disabled_rules=list(disabled)), seed=8)


@pytest.fixture(scope="module")
def full():
    return _engine()


def _mean(x, where):
    assert where.sum() >= 20, "too few people in the group to compare"
    return float(x[where].mean())


def _quartile(x, top):
    return x >= np.quantile(x, 0.75) if top else x <= np.quantile(x, 0.25)


# rule -> (outcome in the group where it acts, +1 if switching the rule off raises it, -1 if lowers)
CASES = {
    "injury_to_pain": (lambda e: _mean(e.pop.pain, e.pop.tissue > 0.1), -1),
    "persistent_pain_to_sensitisation": (lambda e: e.pop.sensitisation.mean(), -1),
    "mood_to_sensitivity": (lambda e: _mean(e.pop.sensitisation, e.status.depressed), -1),
    "mood_to_muscle_tension": (lambda e: _mean(e.pop.pain, e.status.depressed), -1),
    "mood_to_activity": (lambda e: _mean(e.pop.activity, e.status.depressed), +1),
    "inactivity_to_deconditioning": (lambda e: _mean(e.pop.pain, e.pop.activity < e.p.activity_reference), -1),
    "pain_to_activity": (lambda e: _mean(e.pop.activity, e.status.chronic_pain), +1),
    "pain_to_sleep": (lambda e: _mean(e.pop.poor_sleep, e.status.chronic_pain), -1),
    "mood_to_sleep": (lambda e: _mean(e.pop.poor_sleep, e.status.depressed), -1),
    "sleep_to_sensitivity": (lambda e: _mean(e.pop.pain, _quartile(e.pop.poor_sleep, top=True)), -1),
    "sleep_to_mood": (lambda e: _mean(e.pop.low_mood, _quartile(e.pop.poor_sleep, top=True)), -1),
    "pain_to_social_support": (lambda e: _mean(e.pop.social_support, e.status.chronic_pain), +1),
    "mood_to_social_support": (lambda e: _mean(e.pop.social_support, e.status.depressed), +1),
    "ties_to_social_support": (lambda e: np.corrcoef(e.pop.social_support, e.pop.tie_support)[0, 1], -1),
    "support_to_mood": (lambda e: _mean(e.pop.low_mood, _quartile(e.pop.social_support, top=False)), -1),
    "pain_to_mood": (lambda e: _mean(e.pop.low_mood, e.status.chronic_pain), -1),
    "distress_to_stress": (lambda e: _mean(e.pop.stress, e.status.chronic_pain | e.status.depressed), -1),
    "stress_to_mood": (lambda e: _mean(e.pop.low_mood, _quartile(e.pop.stress, top=True)), -1),
    "stress_to_inflammation": (lambda e: e.pop.inflammation.mean(), -1),
    "activity_to_inflammation_and_mood": (lambda e: _mean(e.pop.inflammation, e.pop.activity < e.p.activity_reference), -1),
    "mood_to_rumination": (lambda e: e.status.depressed.mean(), -1),
    "mood_to_recovery": (lambda e: e.status.depressed.mean(), +1),
}


def test_every_rule_has_a_mechanism_check():
    assert set(CASES) == set(rule_names())


@pytest.mark.parametrize("rule", rule_names())
def test_switching_a_rule_off_moves_its_outcome(full, rule):
    outcome, direction = CASES[rule]
    on, off = outcome(full), outcome(_engine([rule]))
    assert np.sign(off - on) == direction, f"{rule}: on {on:.4f}, off {off:.4f}"
