"""The lifetime horizon on a real (small, short-lived) town: the cohort's alive shares, costs and
QALYs that stop at death, and the life-table closure past the exit age.

The town lives between ages 60 and 66 so that following every member until death or the exit
age takes six years instead of sixty-seven."""

import numpy as np
import pytest

from sim import Scenario
from sim.running.runner import run_experiment
from sim.studies.economics.study import Settings, _wide, analyse, run_days

SHORT_LIVES = Scenario(n_agents=300, burn_in_days=100, entry_age_years=60, exit_age_years=66)
SETTINGS = Settings(horizons=(1, 5, "lifetime"))


@pytest.fixture(scope="module")
def lifetime_run(tmp_path_factory):
    base = SHORT_LIVES.replace(days=run_days(SETTINGS, SHORT_LIVES))
    arms = {"baseline": base, "cbt": base.replace(interventions=[{"kind": "cbt"}])}
    result = run_experiment(arms, seeds=1, out=tmp_path_factory.mktemp("lifetime"), executor="serial",
                            cohort="all", progress=False)  # everyone: enough deaths in six years
    return arms, result.table


def test_alive_shares_are_the_same_in_every_arm_under_common_random_numbers(lifetime_run):
    """Deaths draw only from the demography stream and depend on age and sex alone, so an
    intervention, which changes no one's mortality in this model, leaves the cohort's survival as it is."""
    _, long = lifetime_run
    wide = _wide(long).set_index(["arm", "seed", "day"]).sort_index()
    for column in ("cohort_alive", "cohort_died", "cohort_aged_out_female", "cohort_aged_out_male", "cohort_size"):
        assert np.array_equal(wide.loc["baseline", column].to_numpy(), wide.loc["cbt", column].to_numpy()), column
    parts = wide[["cohort_alive", "cohort_died", "cohort_aged_out_female", "cohort_aged_out_male"]].sum(axis=1)
    assert np.allclose(parts, 1.0)
    last = wide.xs(wide.index.get_level_values("day").max(), level="day")
    assert (last["cohort_alive"] == 0).all() and (last["cohort_died"] > 0).all()
    assert (last["cohort_aged_out_female"] + last["cohort_aged_out_male"] > 0.5).all()
    # the members followed each day are the cohort-day members still alive: never more
    size0 = wide.xs(0, level="day")["cohort_size"]
    ratio = wide["cohort_size"] / size0.reindex(wide.index.droplevel("day")).to_numpy()
    assert np.allclose(ratio, wide["cohort_alive"])


def test_lifetime_qalys_and_life_years_exceed_five_years_and_the_increment_is_quality_only(lifetime_run):
    arms, long = lifetime_run
    cea = analyse(long, arms, SETTINGS)
    tot = cea.totals.set_index(["horizon_years", "arm", "seed"]).sort_index()
    five, life = tot.loc[5], tot.loc["lifetime"]
    assert (life["qalys"] >= five["qalys"]).all() and (life["life_years"] > five["life_years"]).all()
    assert (life["life_years_after_exit"] > 0).all()
    # survival is shared, so life-years and the closure are the same in both arms
    for column in ("life_years", "life_years_after_exit", "qalys_after_exit"):
        assert np.allclose(life.loc["baseline", column], life.loc["cbt", column], rtol=1e-12), column
    assert set(cea.table["horizon_years"]) == {1, 5, "lifetime"}
