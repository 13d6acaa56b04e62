"""The mood switches that follow each person's resting mood (``mood_switch_follows_resting``): off by
default and then invisible; when on, each person's rumination and recovery switches sit the same
distance above their own resting mood, so a high resting mood no longer tips a person into an
episode by itself."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim import Scenario
from sim.core.engine import Engine
from sim.core.parameters import Params
from sim.core.rules import RULES_BY_NAME, resting_mood_offset
from tests.conftest import assert_paths_agree, small


def params(**values) -> Params:
    return Scenario(**values).params()


class Someone:
    """A person's states and traits as scalars, for the rules."""

    def __init__(self, low_mood=0.3, vulnerability=0.0, female=0.5):
        self.low_mood, self.mood_vulnerability, self.female = low_mood, vulnerability, female
        self.rumination = self.mood_recovery = 0.0


def test_off_by_default_nothing_moves():
    p = params()
    assert p.mood_switch_follows_resting == 0.0
    assert resting_mood_offset(Someone(vulnerability=2.5), p) == 0.0


def test_off_the_switch_drives_are_the_fixed_switch_formula_bit_for_bit():
    """Off, both switches read PHQ-9 as they did before the share existed, exactly, in a whole
    population with every vulnerability and both sexes (the golden baseline holds the runs)."""
    engine = Engine(small(n_agents=300, burn_in_days=60, mood_vulnerability_sd=1.5), seed=3, cache=False)
    s, p = engine.pop, engine.p
    rumination = RULES_BY_NAME["mood_to_rumination"].fn(s, p)["rumination"]
    recovery = RULES_BY_NAME["mood_to_recovery"].fn(s, p)["mood_recovery"]
    np.testing.assert_array_equal(rumination, p.mood_to_rumination_per_phq9 * 27.0 * s.low_mood)
    np.testing.assert_array_equal(recovery, p.mood_to_recovery_per_phq9 * 27.0 * s.low_mood)


def test_on_the_typical_person_keeps_the_shipped_switch():
    p = params(mood_switch_follows_resting=1.0)
    typical = Someone(vulnerability=0.0, female=0.5)
    assert resting_mood_offset(typical, p) == pytest.approx(0.0, abs=1e-12)
    on = RULES_BY_NAME["mood_to_rumination"].fn(typical, p)["rumination"]
    off = RULES_BY_NAME["mood_to_rumination"].fn(typical, params())["rumination"]
    assert on == pytest.approx(off)


@settings(max_examples=60, deadline=None)
@given(vulnerability=st.floats(-3, 3), share=st.floats(0, 1), mood=st.floats(0, 1))
def test_the_switch_moves_by_the_share_of_the_resting_offset(vulnerability, share, mood):
    """The rumination drive at mood x for a person with resting offset d equals the typical
    person's drive at x - share * d; the offset is bounded by the ceiling and has the sign of the
    vulnerability."""
    p = params(mood_switch_follows_resting=share)
    person = Someone(low_mood=mood, vulnerability=vulnerability)
    d = resting_mood_offset(person, p)
    assert abs(d) <= share * p.ceiling["low_mood"] + 1e-12
    assert d * vulnerability >= 0
    drive = RULES_BY_NAME["mood_to_rumination"].fn(person, p)["rumination"]
    typical = RULES_BY_NAME["mood_to_rumination"].fn(Someone(low_mood=mood - d), p)["rumination"]
    assert drive == pytest.approx(typical, abs=1e-9)


def test_on_a_vulnerable_person_sits_higher_without_ruminating():
    """The structure's point: people with a high resting mood hold it without the episode switch
    (rumination stays low among those at PHQ-9 8-14 who are not in an episode)."""
    def run(share):
        engine = Engine(small(n_agents=4_000, burn_in_days=720, mood_vulnerability_sd=1.2,
                              mood_switch_follows_resting=share), seed=5, cache=False)
        phq9 = 27 * engine.pop.low_mood
        moderate = (phq9 >= 8) & (phq9 < 14)
        return moderate.mean(), engine.pop.rumination[moderate].mean()
    (share_off, rum_off), (share_on, rum_on) = run(0.0), run(1.0)
    assert share_on > share_off
    assert rum_on < rum_off


def test_the_per_agent_path_runs_the_same_switch():
    assert_paths_agree(small(n_agents=60, burn_in_days=40, mood_switch_follows_resting=1.0, mood_vulnerability_sd=1.2))


def test_an_out_of_range_share_is_refused_naming_it():
    with pytest.raises(ValueError, match="mood_switch_follows_resting"):
        Scenario(mood_switch_follows_resting=1.5)
