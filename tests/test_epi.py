"""Study designs: each statistic on data where the answer is known, and on a real survey."""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra.numpy import arrays

from conftest import small
from sim.studies import epi
from sim.core.engine import Engine
from sim.core.errors import InputError


class FakeSurvey:
    """Just the attributes the statistics read, filled by hand."""

    def __init__(self, waves, events=None, every=7, start_day=0, end_day=None, n=None):
        self.waves = {k: list(v) for k, v in waves.items()}
        self.events = events or {}
        self.every = every
        self.start_day = start_day
        self.n = n if n is not None else len(next(iter(waves.values()))[0])
        self.engine = type("E", (), {"day": end_day if end_day is not None else start_day + every * (len(next(iter(waves.values()))) - 1)})()

        self.left_day = np.full(self.n, np.inf)  # nobody dies in a fake survey
        first = next(iter(self.waves.values()))
        self.wave_days = [start_day + every * k for k in range(len(first))]

    wave = epi.Survey.wave
    first_day = epi.Survey.first_day
    followed = epi.Survey.followed
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


def test_follow_up_transitions_count_what_changed():
    n = 100
    cp0 = np.zeros(n, bool); cp0[:40] = True
    cp1 = cp0.copy(); cp1[:10] = False; cp1[40:46] = True   # 10 of 40 leave, 6 of 60 enter
    nrs1 = np.full(n, 3.0); nrs1[:4] = 0.3                    # 4 of the leavers report no pain (NRS rounds to 0) ...
    # ... from week 39 on, so a year after each first-year wave they report none for 3 months
    waves = {"chronic_pain": [cp0] * 52 + [cp1] * 52, "pain_nrs": [np.full(n, 3.0)] * 39 + [nrs1] * 65}
    t = epi.follow_up_transitions(FakeSurvey(waves), weeks=52)
    assert t["chronic_pain_exit"] == pytest.approx(10 / 40)
    assert t["non_chronic_to_chronic"] == pytest.approx(6 / 60)  # nobody is pain-free at baseline
    assert np.isnan(t["pain_free_to_chronic"])
    assert t["chronic_pain_to_pain_free"] == pytest.approx(4 / 40)
    too_short = epi.follow_up_transitions(FakeSurvey(waves), weeks=92)  # 104 waves < 92 + 13
    assert all(np.isnan(v) for v in too_short.values())


def test_episode_course_counts_new_episodes_as_nemesis_did():
    # person 0: 100 days; person 1 never remits; person 2: 250 days; person 3 depressed at the start
    onsets = [(10, np.array([0, 1, 3])), (20, np.array([2]))]
    remissions = [(10 + 100 + 56, np.array([0])), (20 + 250 + 56, np.array([2]))]
    depressed = [np.array([False, False, False, True])] * 2
    age = [np.array([30.0, 50.0, 70.0, 40.0])] * 2          # person 2 is older than NEMESIS sampled
    s = FakeSurvey({"depressed": depressed, "age_years": age},
                   {"depression_onset": onsets, "depression_remission": remissions}, end_day=10 + 800, n=4)
    c = epi.episode_course(s)
    assert c["episodes"] == 3                              # person 3's episode is not new
    assert c["recovered_within_6"] == pytest.approx(1 / 3)  # only person 0 within 182.6 days
    assert c["recovered_within_12"] == pytest.approx(2 / 3)
    assert c["recovered_within_24"] == pytest.approx(2 / 3)
    assert np.isnan(c["recovered_within_36"])                # nobody followed 3 years
    assert c["median_months"] == pytest.approx(250 / 30.44)
    nemesis = epi.episode_course(s, ages=epi.NEMESIS_AGES)  # 18-64 at baseline: person 2 is left out
    assert nemesis["episodes"] == 2
    assert nemesis["recovered_within_12"] == pytest.approx(1 / 2)


def test_pain_free_means_no_pain_in_the_recall_window():
    n, weeks = 3, 30
    nrs = np.zeros((weeks, n))
    nrs[5, 1] = 2.0                     # person 1 had pain once, in week 5
    nrs[25, 2] = 2.0                    # person 2 had pain in week 25
    free = epi.pain_free_3_months(FakeSurvey({"pain_nrs": nrs}))
    assert free[:, 0].all()
    assert not free[5:5 + epi.RECALL_WEEKS, 1].any() and free[5 + epi.RECALL_WEEKS:, 1].all()
    assert free[:25, 2].all() and not free[25:, 2].any()


def test_nhis_chronic_pain_counts_pain_at_most_waves_of_the_window_at_any_intensity():
    n, window = 4, epi.RECALL_WEEKS
    weeks = 2 * window
    nrs = np.zeros((weeks, n))
    nrs[:, 1] = 1.0                     # person 1: mild pain every week (NRS 1: chronic by NHIS, not by NRS >= 4)
    nrs[::3, 2] = 6.0                   # person 2: strong pain one week in three (some days, not most)
    nrs[window:, 3] = 2.0               # person 3: pain from week 13 on
    out = epi.nhis_chronic_pain(FakeSurvey({"pain_nrs": nrs}))
    # waves window .. 2*window-1 are read; person 3 has pain at k+1 of the window's waves at wave window+k,
    # which is most of them from k = window // 2 on
    most_3 = window - window // 2
    assert out["prevalence"] == pytest.approx((window + most_3) / (window * n))
    # people with any pain in the window: 1, 2 and 3 at every read wave
    assert out["share_of_any_pain"] == pytest.approx((window + most_3) / (3 * window))


def test_period_prevalence_ratio_of_known_windows():
    n = 10
    cp = np.zeros(n, bool); cp[:4] = True
    dep = np.zeros((53, n), bool)
    dep[30, :2] = True                  # 2 of 4 with pain depressed at some wave of the year
    dep[40, 4] = True                   # 1 of 6 without
    r = epi.period_prevalence_ratio(FakeSurvey({"depressed": dep, "chronic_pain": [cp] * 53}))
    assert r["if_exposed"] == pytest.approx(0.5) and r["if_unexposed"] == pytest.approx(1 / 6)
    assert r["ratio"] == pytest.approx(3.0)


def test_linked_diagnosis_counts_the_top_share_of_12_month_peaks_and_splits_them_by_exposure():
    n = 20
    cp = np.zeros(n, bool); cp[:5] = True
    phq = np.zeros((53, n))
    phq[10, :] = np.arange(n)            # each person's 12-month peak is their index (0..19)
    phq[20, 0] = 25.0                    # person 0 (with pain) peaks highest of all
    r = epi.linked_diagnosis_ratio(FakeSurvey({"phq9_14d": phq, "chronic_pain": [cp] * 53}), diagnosed=0.2)
    # the top fifth of peaks: persons 0 (25), 19, 18, 17 -> 1 of 5 with pain, 3 of 15 without
    assert r["phq9_level"] == pytest.approx(np.quantile(np.r_[25.0, np.arange(1, n)], 0.8))
    assert r["if_exposed"] == pytest.approx(1 / 5) and r["if_unexposed"] == pytest.approx(3 / 15)
    assert r["ratio"] == pytest.approx(1.0)
    # the level is the study's overall prevalence whatever the model's: a shifted PHQ-9 gives the same split
    shifted = epi.linked_diagnosis_ratio(FakeSurvey({"phq9_14d": phq + 7, "chronic_pain": [cp] * 53}), diagnosed=0.2)
    assert shifted["ratio"] == r["ratio"] and shifted["phq9_level"] == pytest.approx(r["phq9_level"] + 7)
    assert epi.CCHS_MDD_12M == pytest.approx(0.09 * 0.198 + 0.91 * 0.059)


@settings(max_examples=50, deadline=None)
@given(arrays(np.float64, (53, 12), elements=st.integers(0, 27 * 14).map(lambda k: k / 14)),
       arrays(np.bool_, 12), st.floats(0.05, 0.5))
def test_linked_diagnosis_reads_ranks_only(phq, cp, diagnosed):
    """Equipercentile linking is rank-based: a strictly increasing rescoring of the PHQ-9 gives
    the same diagnoses, so the split between exposed and unexposed does not change.

    The scores are drawn on a grid of 1/14 of a point, where 3x + 5 keeps every order: on arbitrary
    floats it does not (3 x 9e-137 + 5 == 5.0, the case hypothesis found in session 14), and the
    test would check rounding, not the linking."""
    def read(x):
        return epi.linked_diagnosis_ratio(FakeSurvey({"phq9_14d": x, "chronic_pain": [cp] * 53}),
                                          diagnosed=diagnosed)
    a, b = read(phq), read(3.0 * phq + 5.0)
    assert (a["if_exposed"], a["if_unexposed"]) == pytest.approx((b["if_exposed"], b["if_unexposed"]), nan_ok=True)


def test_onsets_after_injury_look_back_only():
    days = 400
    injury = [(d, np.array([], int)) for d in range(1, days + 1)]
    onset = [(d, np.array([], int)) for d in range(1, days + 1)]
    injury[199] = (200, np.array([0]))                   # person 0 injured on day 200
    onset[299] = (300, np.array([0, 1]))                 # persons 0 and 1 become chronic on day 300
    onset[99] = (100, np.array([2]))                     # inside the first window: not counted
    s = FakeSurvey({"x": [np.zeros(3)]}, {"injury": injury, "chronic_pain_onset": onset}, n=3, end_day=days)
    r = epi.onsets_after_injury(s, window_days=182)
    assert r["onsets"] == 2 and r["share_after_injury"] == pytest.approx(0.5)


def test_first_incidence_counts_person_time_until_onset():
    free = np.array([True, True, False, True])
    s = FakeSurvey({"x": [np.zeros(4)]}, {"depression_onset": [(365, np.array([0, 2]))]}, start_day=0,
                   end_day=730, n=4)
    # person 0: 1 year at risk, onset; persons 1 and 3: 2 years each, no onset; person 2 not free
    assert epi.first_incidence(s, free=free) == pytest.approx(100 * 1 / ((365 + 730 + 730) / 365.25))
    # in NEMESIS's age range (18-64 at the start) only: person 3, aged 70, leaves the cohort
    s.waves["age_years"] = [np.array([30.0, 40.0, 50.0, 70.0])]
    assert epi.first_incidence(s, free=free, ages=epi.NEMESIS_AGES) == pytest.approx(100 * 1 / ((365 + 730) / 365.25))


def _recall_survey():
    """Six people followed two years past a baseline one year in (day 365): 0 never depressed,
    1 never depressed with a first onset on day 730, 2 depressed in the year before the baseline,
    3 and 4 depressed only before the survey (3 has an onset on day 500), 5 never depressed but
    aged 70."""
    depressed = [np.zeros(6, bool) for _ in range(157)]
    depressed[10] = np.array([False, False, True, False, False, False])
    ages = [np.array([30.0, 40.0, 50.0, 35.0, 45.0, 70.0])] * 157
    onsets = {"depression_onset": [(500, np.array([3])), (730, np.array([1]))]}
    s = FakeSurvey({"depressed": depressed, "age_years": ages}, onsets, end_day=365 + 730, n=6)
    s.never_depressed = np.array([True, True, True, False, False, True])
    s.engine.seed = 4
    return s


def test_first_incidence_recalled_counts_forgotten_episodes_as_never():
    s = _recall_survey()
    complete = 100 * 1 / ((730 + 365) / 365.25)                      # persons 0 and 1 at risk
    forgotten = {"3": 100 * 2 / ((730 + 365 + 135) / 365.25),         # person 3 forgot, onset on day 500
                 "4": 100 * 1 / ((730 + 365 + 730) / 365.25),         # person 4 forgot, no onset
                 "34": 100 * 2 / ((730 + 365 + 135 + 730) / 365.25)}  # both forgot
    assert epi.first_incidence_recalled(s, 1.0) == pytest.approx(complete)
    assert epi.first_incidence_recalled(s, 0.0) == pytest.approx(forgotten["34"])
    half = epi.first_incidence_recalled(s, 0.5)
    assert half == epi.first_incidence_recalled(s, 0.5)              # the draw is the survey's own stream
    assert any(half == pytest.approx(v) for v in [complete, *forgotten.values()])


def test_first_incidence_recalled_refuses_a_recall_outside_0_1_and_a_survey_too_short():
    s = _recall_survey()
    with pytest.raises(InputError, match="recall = 1.5"):
        epi.first_incidence_recalled(s, 1.5)
    s.engine.day = 300  # the survey ends before the baseline
    assert np.isnan(epi.first_incidence_recalled(s, 0.5))


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


def test_nahin_transitions_between_no_pain_some_pain_and_chronic_pain():
    n, weeks = 6, 110
    cp = np.zeros((weeks, n), bool)
    nrs = np.full((weeks, n), 2.0)                        # everyone has some pain ...
    nrs[:, :2] = 0.0                                      # ... but persons 0 and 1 never do
    cp[90:, 0] = True                                     # person 0: pain-free, chronic from week 90
    cp[:, 4:] = True                                      # persons 4, 5: chronic throughout ...
    cp[90:, 5] = False                                    # ... person 5 recovers at week 90
    full = epi.RECALL_WEEKS
    for lag in (52, epi.NAHIN_FOLLOW_UP_WEEKS):  # a year, and Nahin's mean follow-up (1.3 years)
        t = epi.follow_up_transitions(FakeSurvey({"chronic_pain": cp, "pain_nrs": nrs}), weeks=lag)
        baseline_waves = np.arange(full, weeks - lag)
        later_chronic = baseline_waves + lag >= 90
        assert 0 < later_chronic.mean() < 1
        assert t["pain_free_to_chronic"] == pytest.approx(later_chronic.mean() / 2)
        assert t["non_chronic_to_chronic"] == pytest.approx(0.0)
        assert t["chronic_persists"] == pytest.approx((1 + (~later_chronic).mean()) / 2)
        # Nahin's rate: the same new cases per 1,000 person-years of follow-up
        assert t["incidence_per_1000_py"] == pytest.approx(1000 * t["pain_free_to_chronic"] / (lag * 7 / 365.25))
    assert epi.NAHIN_FOLLOW_UP_WEEKS * 7 / 365.25 == pytest.approx(1.3, abs=0.01)


def test_group_prevalence_and_odds_ratio_on_known_groups():
    # two waves, four people: ages 25, 45 (women), 30, 70 (men); depressed: the two women at wave 0
    age = np.array([[25.0, 45.0, 30.0, 70.0]] * 2)
    female = np.array([[True, True, False, False]] * 2)
    dep = np.array([[True, True, False, False], [True, False, False, True]])
    s = FakeSurvey({"depressed": dep, "age_years": age, "female": female})
    assert epi.group_prevalence(s, "depressed", female=True) == pytest.approx(3 / 4)
    assert epi.group_prevalence(s, "depressed", female=False) == pytest.approx(1 / 4)
    assert epi.group_prevalence(s, "depressed", ages=(20, 40)) == pytest.approx(2 / 4)
    assert epi.group_prevalence(s, "depressed", ages=(60, 80), from_wave=1) == 1.0
    assert np.isnan(epi.group_prevalence(s, "depressed", ages=(90, 99)))
    # 3 of 4 women-waves vs 1 of 4 men-waves: no empty cell, OR = (3 * 3) / (1 * 1)
    assert epi.group_odds_ratio(s, "depressed", {"female": True}, {"female": False}) == pytest.approx(9.0)


def test_score_distribution_rounds_to_whole_points_within_the_age_group():
    # two waves, three people aged 25, 45 and 15; scores rounded to whole points and capped at 27
    age = np.array([[25.0, 45.0, 15.0]] * 2)
    phq = np.array([[0.4, 9.6, 3.0], [10.49, 30.0, 3.0]])
    s = FakeSurvey({"phq9_14d": phq, "age_years": age, "female": np.zeros((2, 3), bool)})
    shares = epi.score_distribution(s, "phq9_14d", 27, ages=(20, np.inf))
    assert shares.shape == (28,) and shares.sum() == pytest.approx(1.0)
    expected = np.zeros(28)
    expected[[0, 10, 27]] = [0.25, 0.5, 0.25]  # 0.4 -> 0; 9.6 and 10.49 -> 10; 30 -> 27; age 15 left out
    np.testing.assert_allclose(shares, expected)
    assert np.isnan(epi.score_distribution(s, "phq9_14d", 27, ages=(90, 99))).all()


def test_age_and_sex_measures_on_a_tiny_survey():
    from sim.studies.targets import AGE_SEX_PUBLISHED, age_sex_measures
    engine = Engine(small(n_agents=800, burn_in_days=200), seed=2)
    s = epi.Survey(engine).run(7 * 20)
    assert s.wave("age_years").shape == s.wave("depressed").shape
    m = age_sex_measures(s)
    assert set(AGE_SEX_PUBLISHED) <= set(m)
    for key in AGE_SEX_PUBLISHED:
        assert np.isfinite(m[key]) and 0.0 <= m[key] <= 1.0, key
    # each overall prevalence (both sexes, the study's age range) lies between the two sexes'
    for stat, outcome, ages, first in (("dep", s.wave("depressed"), (20, np.inf), 0),
                                       ("cbp", s.wave("chronic_pain"), (20, 70), 0),
                                       ("back_pain_3m", epi.back_pain_3_months(s), (18, np.inf),
                                        epi.recall_wave(s))):
        overall = epi.group_prevalence(s, outcome, ages, from_wave=first)
        low, high = sorted((m[f"{stat}_female"], m[f"{stat}_male"]))
        assert low <= overall <= high, stat
    assert m["dep_sex_or"] > 0 and m["back_pain_3m_pr_65_vs_18_29"] > 0


def _acute_group(day, nrs_by_day, presentation=5.0):
    """One injury group followed by hand: ``nrs_by_day`` (days after the injury, people) is fed to
    the pain-free spell tracker day by day, as :class:`epi.Survey` does."""
    n = nrs_by_day.shape[1]
    group = epi._Injuries(day, np.arange(n), {k: np.full(n, presentation) for k in epi.ACUTE_OFFSETS})
    spells, here = epi._PainFreeSpells(), np.ones(n, bool)
    spells.add(day, group.who)
    for k in range(1, nrs_by_day.shape[0]):
        spells.advance(day + k, nrs_by_day[k], here, {day: group})
    return group


def test_acute_recovery_is_a_first_sustained_pain_free_spell_within_the_year():
    days = epi.RECOVERY_WITHIN_DAYS + epi.RECOVERY_SUSTAINED_DAYS + 5
    nrs = np.full((days, 5), 2.0)
    nrs[40:70, 0] = 0.0     # 0: pain-free days 40-69 (a month), pain again after: recovered on day 40
    nrs[40:69, 1] = 0.0     # 1: 29 pain-free days only, never more: not recovered
    nrs[100:, 2] = 0.4      # 2: NRS 0.4 rounds to 0 from day 100 on: recovered on day 100
    nrs[364:, 3] = 0.0      # 3: a spell beginning on day 364 still counts (it ends after the year)
    nrs[365:, 4] = 0.0      # 4: a spell beginning on day 365 is too late
    group = _acute_group(10, nrs)
    assert list(group.recovered[:4]) == [40, np.inf, 100, 364] and np.isinf(group.recovered[4])
    s = type("S", (), {"injuries": {10: group}, "engine": type("E", (), {"day": 10 + days - 1})()})()
    r = epi.acute_recovery(s)
    assert r["recovery_n"] == 5 and r["not_recovered_within_52"] == pytest.approx(2 / 5)


def test_acute_recovery_waits_for_the_spell_of_the_last_day():
    days = epi.RECOVERY_WITHIN_DAYS + epi.RECOVERY_SUSTAINED_DAYS - 1   # one day short of the horizon
    group = _acute_group(0, np.zeros((days, 3)))
    s = type("S", (), {"injuries": {0: group}, "engine": type("E", (), {"day": days - 1})()})()
    assert epi.acute_recovery(s) == {}


def test_acute_recovery_on_a_run_differs_from_the_point_reading():
    engine = Engine(small(n_agents=3000, burn_in_days=300, injury_rate_per_year=2.0), seed=1)
    s = epi.Survey(engine).run(epi.RECOVERY_WITHIN_DAYS + epi.RECOVERY_SUSTAINED_DAYS + 60)
    a = epi.acute_course(s)
    assert a["recovery_n"] > 50
    assert 0.0 <= a["not_recovered_within_52"] <= 1.0
    # a first recovery is not undone by pain at week 52: some who report pain then had recovered before
    assert a["not_recovered_within_52"] < a["pain_reported_week_52"] or a["pain_reported_week_52"] == 0
