"""PHQ-9 response and remission as trials count them (issue 13, item 3)."""

import numpy as np
from hypothesis import given, strategies as st
from hypothesis.extra.numpy import arrays

from sim.core import scales

phq = arrays(np.float64, st.integers(1, 60), elements=st.floats(0, 27))


@given(phq, st.data())
def test_only_people_enrolled_at_phq9_10_count_and_remission_implies_response(baseline, data):
    now = data.draw(arrays(np.float64, baseline.shape, elements=st.floats(0, 27)))
    responder, remitted = scales.phq9_outcomes(now, baseline)
    assert responder.size == remitted.size == int(np.sum(baseline >= scales.DEPRESSION_PHQ9))
    assert not np.any(remitted & ~responder)  # below 5 from 10 or more is at least a halving


def test_a_fall_from_mild_symptoms_is_not_a_response():
    # 4 -> 2 halves a mild score but is not counted; 12 -> 5 responds without remitting; 10 -> 4 both
    responder, remitted = scales.phq9_outcomes(np.array([2.0, 5.0, 4.0]), np.array([4.0, 12.0, 10.0]))
    assert responder.tolist() == [True, True] and remitted.tolist() == [False, True]
