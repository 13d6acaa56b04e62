"""Demography: the life table as cited, a stationary age structure, deaths at the table's rate,
entrants with new ids and fresh status, ties passed on, censoring, determinism."""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from conftest import small
from sim import InputError
from sim.core import demography as dm
from sim.core.engine import Engine, Observer
from sim.core.state import Population, draw_traits
from sim.core.streams import stream
from sim.running.cohort import CohortOutcomes
from sim.running.outputs import AGE_BANDS, DailyTable


def test_life_table_values_as_cited():
    # US life tables 2011 (NVSR 64(11)), qx: women (Table 3) and men (Table 2)
    assert dm.qx(18, 1) == pytest.approx(0.000320)
    assert dm.qx(18, 0) == pytest.approx(0.000807)
    assert dm.qx(50, 1) == pytest.approx(0.003245)
    assert dm.qx(50, 0) == pytest.approx(0.005193)
    assert dm.qx(85, 1) == pytest.approx(0.075391)
    assert dm.qx(85, 0) == pytest.approx(0.099650)
    # lx of the table: women 99,246 at 15 and 99,172 at 18; men 99,077 and 98,912; 48,470 women at 85
    assert dm.survivorship(15, 19, 1)[3] == pytest.approx(99172 / 99246, abs=2e-5)
    assert dm.survivorship(15, 19, 0)[3] == pytest.approx(98912 / 99077, abs=2e-5)
    assert dm.survivorship(15, 85, 1)[-1] == pytest.approx(48470 / 99246, abs=2e-4)
    # women outlive men at every age
    ages = np.arange(dm.FIRST_AGE, dm.LAST_AGE + 1)
    assert (dm.qx(ages, 1) < dm.qx(ages, 0)).all()


def test_daily_probability_compounds_to_the_annual_one():
    p = dm.daily_death_probability(np.array([30.2, 80.7]), np.array([0, 1]))
    assert 1 - (1 - p) ** dm.DAYS_PER_YEAR == pytest.approx(dm.qx(np.array([30, 80]), np.array([0, 1])))


def test_stationary_population():
    table = dm.stationary(18, 85)
    assert table["weights"].sum() == pytest.approx(1.0)
    assert table["mean_age"] == pytest.approx(48.6, abs=0.05)
    assert dm.share_female_at_entry(18) == pytest.approx(0.4885, abs=1e-4)
    # women outlive men: the share female rises with age and overall exceeds the share at entry
    female_share = table["weights"][1] / table["weights"].sum(0)
    assert (np.diff(female_share) > 0).all() and table["share_female"] > dm.share_female_at_entry(18)
    assert table["deaths"] == pytest.approx(0.0099, abs=2e-4) and table["exits"] == pytest.approx(0.0071, abs=2e-4)


def _demography_only(n, entry, exit_age, seed):
    pop = Population(n, draw_traits(n, stream(seed, "traits")))
    demo = dm.Demography(entry, exit_age)
    demo.populate(pop, stream(seed, "demography"))
    return pop, demo, stream(seed, "entrants")


def _step(pop, demo, rng, entrants):
    who = demo.leavers(pop, rng)
    demo.enter(pop, who, entrants)
    return who


def test_age_structure_is_stationary_and_deaths_follow_the_table():
    """5,000 people, 20 years of demography alone: mean age within 1.2 years and share female within
    0.03 of the stationary values at every year's end (a single draw's standard errors: 0.27 years,
    0.007); the 20-year change of the mean age below 1.4 years and of the share female below 0.025
    (4 SDs of those changes measured over 12 other seeds: 0.34 years and 0.006, mean changes
    +0.01 years and -0.0007: no drift; a finite population's mean age wanders slowly because it
    forgets its start only over a lifetime); deaths and exits over the 20 years within 4 Poisson
    SDs of the table's rates."""
    n, years = 5000, 20
    pop, demo, entrants = _demography_only(n, 18, 85, seed=3)
    rng = stream(3, "demography")
    rng.random()  # a stream apart from the one that drew the start
    table = dm.stationary(18, 85)
    means, start_female = [pop.age_years.mean()], pop.female.mean()
    for _ in range(years):
        for _ in range(365):
            _step(pop, demo, rng, entrants)
        means.append(pop.age_years.mean())
        assert abs(pop.age_years.mean() - table["mean_age"]) < 1.2
        assert abs(pop.female.mean() - table["share_female"]) < 0.03
    assert abs(means[-1] - means[0]) < 1.4 and abs(pop.female.mean() - start_female) < 0.025
    expected_deaths = table["deaths"] * n * years * 365 / dm.DAYS_PER_YEAR
    expected_exits = table["exits"] * n * years * 365 / dm.DAYS_PER_YEAR
    assert abs(demo.deaths - expected_deaths) < 4 * np.sqrt(expected_deaths)
    assert abs(demo.exits - expected_exits) < 4 * np.sqrt(expected_exits)
    ids = pop.person_id
    assert np.unique(ids).size == n and ids.max() == demo.next_id - 1


@settings(max_examples=15, deadline=None)
@given(entry=st.integers(15, 40), span=st.integers(1, 60), seed=st.integers(0, 10_000))
def test_ages_stay_between_entry_and_exit(entry, span, seed):
    exit_age = min(entry + span, dm.LAST_AGE + 1)
    pop, demo, entrants = _demography_only(200, entry, exit_age, seed)
    rng = stream(seed, "demography")
    for _ in range(400):
        _step(pop, demo, rng, entrants)
        assert pop.age_years.min() >= entry and pop.age_years.max() < exit_age


def test_bad_ages_fail_with_the_keys_named():
    with pytest.raises(InputError, match="entry_age_years"):
        Engine(small(entry_age_years=50, exit_age_years=45), seed=0)


class _Replaced(Observer):
    def start(self, engine):
        self.rows, self.ids = [], []

    def replaced(self, engine, who):
        self.rows.append(who.copy())
        self.ids.append(engine.demography.left_ids.copy())
        status = engine.status
        self.entrants = {"age": engine.pop.age_years[who].copy(), "chronic": status.chronic_pain[who].copy(),
                         "ever": status.ever_chronic_pain[who].copy(), "count": status.pain_days.count[who].copy(),
                         "episode": status.pain_episodes.active[who].copy(), "phq9_14d": status.phq9_14d[who].copy(),
                         "phq9": 27 * engine.pop.low_mood[who]}


@pytest.fixture(scope="module")
def turnover():
    """A small run with fast turnover (everyone leaves at 20), its replacements logged."""
    engine = Engine(small(n_agents=400, burn_in_days=60, exit_age_years=20), seed=2)
    before = {"ids": engine.pop.person_id.copy(), "ties": (engine.network.indptr.copy(), engine.network.indices.copy())}
    (log,) = engine.run(200, _Replaced())
    return engine, before, log


def test_entrants_get_new_ids_and_start_afresh(turnover):
    engine, before, log = turnover
    rows = np.unique(np.concatenate(log.rows))
    assert rows.size > 50
    ids = engine.pop.person_id
    assert np.unique(ids).size == engine.n
    assert (ids[rows] >= before["ids"].max() + 1).all()
    # the ids that left are the ids the rows held: none of them is in the population any more
    assert not np.isin(np.concatenate(log.ids), ids).any()
    new = log.entrants  # the last entrants, on the day they entered
    assert (new["age"] == 18.0).all()
    assert not new["chronic"].any() and not new["ever"].any()
    assert (new["count"] == 0).all() and not new["episode"].any()
    assert np.allclose(new["phq9_14d"], new["phq9"], atol=1e-4)


def test_bit_reset_clears_only_the_rows_given():
    from sim.core.scales import DayCount

    days = DayCount(20, 5)
    for _ in range(7):
        days.push(np.ones(20, dtype=bool))
    days.reset(np.array([3, 4, 11]))
    days.push(np.ones(20, dtype=bool))
    expected = np.full(20, 5)
    expected[[3, 4, 11]] = 1
    assert (days.count == expected).all()


def test_the_entrant_takes_the_leavers_ties(turnover):
    engine, before, _ = turnover
    indptr, indices = before["ties"]
    assert (engine.network.indptr == indptr).all() and (engine.network.indices == indices).all()


def test_the_per_agent_path_sees_the_entrant():
    from sim.running.model import PainLoopModel

    model = PainLoopModel(small(n_agents=150, burn_in_days=30, exit_age_years=25), seed=1, path="agents")
    first = model.engine.pop.person_id.copy()
    for _ in range(60):
        model.step()
    pop = model.engine.pop
    changed = np.flatnonzero(pop.person_id != first)
    assert changed.size
    person = model.person(int(changed[0]))
    assert person.person_id == pop.person_id[changed[0]] and person.age_years == pop.age_years[changed[0]]
    assert person.pain == pop.pain[changed[0]] and person.female == pop.female[changed[0]]


def test_a_cohort_censors_people_at_death():
    engine = Engine(small(n_agents=400, burn_in_days=30, exit_age_years=20), seed=4)
    original = engine.pop.person_id.copy()  # the people present on the cohort's day
    (watch,) = engine.run(120, CohortOutcomes("all", day=engine.day))
    cohort = watch.cohort
    left = ~cohort.followed
    assert left.any()
    last = watch.rows[engine.day]
    assert last["cohort_size"] + last["cohort_censored"] == cohort.who.size
    # the followed members are exactly the original people still present
    assert (np.isin(engine.pop.person_id[cohort.who], original) == cohort.followed).all()
    sizes = [watch.rows[d]["cohort_size"] for d in sorted(watch.rows)]
    assert all(a >= b for a, b in zip(sizes, sizes[1:]))


def test_runs_are_deterministic_and_other_streams_draw_as_before():
    a = Engine(small(burn_in_days=200), seed=7)
    b = Engine(small(burn_in_days=200), seed=7)
    for name in ("age_years", "female", "person_id", "pain", "low_mood"):
        assert (getattr(a.pop, name) == getattr(b.pop, name)).all()
    # the traits stream is untouched by demography: the people present at the start have the traits
    # it drew for them
    traits = draw_traits(a.n, stream(7, "traits"))
    kept = a.pop.person_id < a.n
    assert (a.pop.coping[kept] == traits["coping"][a.pop.person_id[kept]]).all()


def test_daily_table_breaks_prevalence_down_by_sex_and_age():
    engine = Engine(small(n_agents=2000, burn_in_days=200), seed=1)
    (table,) = engine.run(3, DailyTable())
    row = table.frame().iloc[-1]
    for name in ("chronic_pain", "depression"):
        by_sex = row["female_share"] * row[f"{name}_female"] + (1 - row["female_share"]) * row[f"{name}_male"]
        assert by_sex == pytest.approx(row[name])
        for _, _, label in AGE_BANDS:
            assert 0 <= row[f"{name}_age_{label}"] <= 1
    assert 40 < row["age_mean"] < 57 and row["deaths"] >= 0 and row["exits"] >= 0


class _Treatment(Observer):
    def start(self, engine):
        self.seen = []

    def replaced(self, engine, who):
        d = engine.deliveries["exercise"]
        self.seen.append((d.start[who].max(), d.level[who].max(), d.offered[who].any()))

    def after_day(self, engine):
        counts = engine.deliveries["exercise"].counts()
        self.seen.append((counts["exercise_sessions"], counts["exercise_started"]))


def test_treatment_ends_with_the_leaver_and_counts_stay_cumulative():
    from sim.interventions import make_intervention

    spec = make_intervention({"kind": "exercise", "eligibility": "all", "coverage": 1.0, "enrolment": "once"})
    engine = Engine(small(n_agents=300, burn_in_days=30, exit_age_years=20, interventions=(spec,)), seed=5)
    (watch,) = engine.run(150, _Treatment())
    resets = [s for s in watch.seen if len(s) == 3]
    assert resets and all(start == -1 and level == 0 and not offered for start, level, offered in resets)
    totals = [s for s in watch.seen if len(s) == 2]
    assert all(a[0] <= b[0] and a[1] <= b[1] for a, b in zip(totals, totals[1:]))


def test_ages_cannot_change_during_a_run():
    engine = Engine(small(burn_in_days=5), seed=0)
    with pytest.raises(InputError, match="exit_age_years"):
        engine.set_parameters(exit_age_years=70)
    engine.set_parameters(low_mood_female_logit=0.5)  # the age and sex effects can
