"""Two stable states: bistable people exist, and an injury's size decides where they end."""

import numpy as np

from sim import Scenario
from sim.studies.stability import bistable_shares, injury_course


def test_a_share_of_people_has_two_stable_states_in_pain():
    shares = bistable_shares(Scenario(), n=600, seed=0)
    assert 0.05 <= shares["pain"] <= 0.6
    assert shares["stuck_pain_nrs_median"] >= 4 > shares["well_pain_nrs_median"]


def test_same_person_small_injury_heals_large_injury_tips():
    scenario = Scenario()
    shares = bistable_shares(scenario, n=400, seed=0)
    traits = shares["traits"]
    for i in np.flatnonzero(shares["bistable_in_pain"]):
        one = {k: float(v[i]) for k, v in traits.items()}
        course = injury_course(scenario, one, [0.3, 1.0], days=730)
        end = course["pain_nrs"][-1]
        if end[0] < 4 <= end[1]:
            assert course["sensitisation"][-1, 1] > 0.8 > course["sensitisation"][-1, 0]
            return
    raise AssertionError("no bistable person is tipped by a large injury but not a small one")


def test_without_sensitisation_nobody_is_bistable_in_pain():
    shares = bistable_shares(Scenario(disabled_rules=["persistent_pain_to_sensitisation"]), n=400, seed=0)
    assert shares["pain"] < 0.01
