"""Study designs: each statistic on data where the answer is known, and on a real survey."""

import numpy as np
import pytest

from conftest import small
from sim.studies import epi
from sim.core.engine import Engine


class FakeSurvey:
    """Just the attributes the statistics read, filled by hand."""

    def __init__(self, waves, events=None, every=7, start_day=0, end_day=None, n=None):
        self.waves = {k: list(v) for k, v in waves.items()}
        self.events = events or {}
        self.every = every
        self.start_day = start_day
        self.n = n if n is not None else len(next(iter(waves.values()))[0])
        self.engine = type("E", (), {"day": end_day if end_day is not None else start_day + every * (len(next(iter(waves.values()))) - 1)})()

    wave = epi.Survey.wave
    first_day = epi.Survey.first_day
    days = property(lambda self: self.engine.day - self.start_day)


def test_odds_ratio_of_a_known_table():
    exposed = np.array([1] * 30 + [0] * 70, bool)
    outcome = np.array([1] * 10 + [0] * 20 + [1] * 7 + [0] * 63, bool)
    assert epi.odds_ratio(exposed, outcome) == pytest.approx((10 * 63) / (20 * 7))


def test_bimodality_separates_two_states_from_one():
    rng = np.random.default_rng(0)
    weeks, people = 105, 200
    two = np.where(rng.random((weeks, people)) < 0.5, rng.normal(4, 1, (weeks, people)), rng.normal(16, 1, (weeks, people)))
    one = rng.normal(10, 3, (weeks, people))
    onsets = {"depression_onset": [(1, np.arange(people))]}  # everyone's episode began on day 1
    for series, expected in ((two, 1.0), (one, 0.0)):
        s = FakeSurvey({"phq9": series}, onsets)
        assert epi.bimodality(s) == pytest.approx(expected, abs=0.05)


def test_annual_transitions_count_what_changed():
    n = 100
    cp0 = np.zeros(n, bool); cp0[:40] = True
    cp1 = cp0.copy(); cp1[:10] = False; cp1[40:46] = True   # 10 of 40 leave, 6 of 60 enter
    nrs1 = np.full(n, 3.0); nrs1[:4] = 0.5                    # 4 of the leavers are pain-free
    waves = {"chronic_pain": [cp0] * 52 + [cp1] * 52, "pain_nrs": [np.full(n, 3.0)] * 52 + [nrs1] * 52}
    t = epi.annual_transitions(FakeSurvey(waves))
    assert t["chronic_pain_exit"] == pytest.approx(10 / 40)
    assert t["chronic_pain_incidence"] == pytest.approx(6 / 60)
    assert t["chronic_pain_to_pain_free"] == pytest.approx(4 / 40)


def test_episode_durations_and_censoring():
    onsets = [(10, np.array([0, 1])), (20, np.array([2]))]
    remissions = [(10 + 100 + 56, np.array([0])), (20 + 50 + 56, np.array([2]))]   # 1 never remits
    s = FakeSurvey({"phq9": [np.zeros(3)] * 2}, {"depression_onset": onsets, "depression_remission": remissions},
                   end_day=1200, n=3)
    d = epi.episode_durations(s)
    assert d["episodes"] == 3 and d["median_days"] == 100
    assert d["share_over_2_years"] == pytest.approx(1 / 3)


def test_first_incidence_counts_person_time_until_onset():
    free = np.array([True, True, False, True])
    s = FakeSurvey({"x": [np.zeros(4)]}, {"depression_onset": [(365, np.array([0, 2]))]}, start_day=0,
                   end_day=730, n=4)
    # person 0: 1 year at risk, onset; persons 1 and 3: 2 years each, no onset; person 2 not free
    assert epi.first_incidence(s, free=free) == pytest.approx(100 * 1 / ((365 + 730 + 730) / 365.25))


def test_survey_on_a_run_is_consistent_with_the_engine():
    engine = Engine(small(n_agents=1500, burn_in_days=400), seed=3)
    s = epi.Survey(engine).run(126)  # a whole number of weeks: the last wave is today
    assert s.wave("chronic_pain").shape == (126 // 7 + 1, 1500)
    assert s.wave("chronic_pain")[-1].mean() == pytest.approx(engine.status.chronic_pain.mean())
    injured = sum(w.size for _, w in s.events["injury"])
    assert injured > 0
    for group in s.injuries.values():  # inception cohort: pain-free before, so never chronic at entry
        assert group.who.size > 0
    a = epi.acute_course(s) if any(len(g.nrs) == len(epi.ACUTE_OFFSETS) for g in s.injuries.values()) else {}
    assert a == {} or a["pain_100_onset"] >= 30


def test_acute_cohort_enrols_only_painfree_people_with_pain_at_presentation():
    engine = Engine(small(n_agents=3000, burn_in_days=300, injury_rate_per_year=2.0), seed=1)
    s = epi.Survey(engine).run(400)
    a = epi.acute_course(s)
    assert a["n"] > 50
    assert a["pain_100_onset"] >= 10 * epi.PRESENTATION_NRS
    assert a["pain_100_onset"] > a["pain_100_week_6"] > a["pain_100_week_52"] * 0.5


def test_no_life_events_means_no_event_months():
    engine = Engine(small(n_agents=500, burn_in_days=100, life_event_rate_per_year=0.0), seed=0)
    s = epi.Survey(engine).run(90)
    assert sum(w.size for _, w in s.events["life_event"]) == 0
    assert np.isnan(epi.life_event_onsets(s)["onset_with_event"])
