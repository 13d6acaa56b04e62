"""The EQ-5D mapping (sim.core.utility): bounded, monotone, each loss counted once."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sim import Scenario
from sim.core.utility import eq5d

P = Scenario().params()
NRS = st.floats(0.0, 10.0)
PHQ9 = st.floats(0.0, 27.0)


def _floor(p) -> float:
    """Every dimension of the mapping at its worst level: the tariff's lowest reachable value."""
    return 1.0 - (p.eq5d_any_problem_decrement + p.eq5d_pain_extreme_decrement + p.eq5d_mood_extreme_decrement
                  + p.eq5d_usual_activities_decrement + p.eq5d_n3_decrement)


@given(NRS, PHQ9, st.booleans())
def test_utility_stays_between_the_tariffs_floor_and_full_health(nrs, phq, limited):
    u = float(eq5d(nrs, phq, limited, P))
    assert _floor(P) - 1e-12 <= u <= 1.0


@given(NRS, NRS, PHQ9, st.booleans())
def test_more_pain_never_raises_utility(a, b, phq, limited):
    lo, hi = sorted((a, b))
    assert eq5d(hi, phq, limited, P) <= eq5d(lo, phq, limited, P) + 1e-12


@given(NRS, PHQ9, PHQ9, st.booleans())
def test_more_depressive_symptoms_never_raise_utility(nrs, a, b, limited):
    lo, hi = sorted((a, b))
    assert eq5d(nrs, hi, limited, P) <= eq5d(nrs, lo, limited, P) + 1e-12


@given(NRS, PHQ9)
def test_activity_limiting_pain_costs_utility(nrs, phq):
    assert eq5d(nrs, phq, True, P) < eq5d(nrs, phq, False, P)


@settings(max_examples=50)
@given(st.floats(3.0, 10.0), st.floats(8.0, 27.0))
def test_the_shared_constant_is_taken_once(nrs, phq):
    """With both pain and low mood the loss is less than the two single losses added (as two
    separate mappings would add them): the tariff's 'any problem' constant (and N3) belong to
    the person, not to each condition."""
    pain_only = 1.0 - eq5d(nrs, 0.0, False, P)
    mood_only = 1.0 - eq5d(0.0, phq, False, P)
    both = 1.0 - eq5d(nrs, phq, False, P)
    assert both < pain_only + mood_only - 0.005


def test_clinical_anchors():
    """Well people sit near full health; NRS 6 with PHQ-9 12 and activity limits near the EQ-5D of
    people with chronic pain (0.5-0.7 in population surveys, Torrance 2014)."""
    assert eq5d(0.5, 2.0, False, P) > 0.97
    assert 0.55 < eq5d(6.0, 12.0, True, P) < 0.75
    assert eq5d(9.0, 24.0, True, P) < 0.3


def test_arrays_and_scalars_agree():
    nrs, phq = np.array([0.0, 4.0, 8.0]), np.array([3.0, 10.0, 20.0])
    lim = np.array([False, False, True])
    assert np.allclose(eq5d(nrs, phq, lim, P), [eq5d(a, b, c, P) for a, b, c in zip(nrs, phq, lim)])
