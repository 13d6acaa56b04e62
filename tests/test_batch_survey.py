"""Surveys over a batch (sim.studies.batch_survey): each set's survey measures are its solo survey's, exactly."""

import numpy as np
import pytest

import sim
from sim.core.batch import BatchEngine
from sim.studies.batch_survey import BatchSurvey
from sim.studies.epi import Survey
from sim.studies.targets import survey_measures
from tests.conftest import small

# Sets that move prevalence, the course of episodes and the acute cohort; people leave at 30 so
# the survey's censoring (replaced rows) is exercised within the survey.
SETS = [{}, {"low_mood_bias": -2.3, "pain_tau_days": 3.0},
        {"tissue_healing_tau_days": 35.0, "coping_sd": 1.8, "pain_bias": -4.2}]
WORLD = small(n_agents=400, burn_in_days=200, exit_age_years=30)
SURVEY_DAYS = 400  # past a year: the annual transitions and 12-month windows are measured


def same(a: float, b: float) -> bool:
    return (np.isnan(a) and np.isnan(b)) or a == b


@pytest.fixture(scope="module")
def batched():
    batch = BatchEngine(WORLD, SETS, seed=4, cache=False)
    return BatchSurvey(batch).run(SURVEY_DAYS)


def test_each_sets_survey_measures_are_its_solo_surveys_exactly(batched):
    for k, values in enumerate(SETS):
        solo = Survey(sim.Engine(WORLD.replace(**values), seed=4, cache=False)).run(SURVEY_DAYS)
        mine, theirs = survey_measures(batched.surveys[k]), survey_measures(solo)
        assert mine.keys() == theirs.keys()
        differ = {key: (mine[key], theirs[key]) for key in mine if not same(mine[key], theirs[key])}
        assert not differ, f"set {k}: {differ}"
        # the comparison covered censoring and events, and the waves themselves agree
        assert np.isfinite(batched.surveys[k].left_day).any()
        np.testing.assert_array_equal(batched.surveys[k].wave("phq9"), solo.wave("phq9"))
        assert len(batched.surveys[k].injuries) == len(solo.injuries) > 0
    # the sets are measured apart: their statistics differ
    first, second = (survey_measures(s) for s in batched.surveys[:2])
    assert first["dep_prevalence"] != second["dep_prevalence"]


def test_a_sets_survey_cannot_advance_the_batch_alone(batched):
    with pytest.raises(RuntimeError, match="advances with the whole batch"):
        batched.surveys[0].run(7)
