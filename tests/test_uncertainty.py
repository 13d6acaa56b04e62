"""Which parameter uncertainty matters (sim.studies.uncertainty): first-order indices and EVPPI
on synthetic ensembles whose answers are known."""

import numpy as np
import pandas as pd
import pytest

from sim.studies.uncertainty import (
    decompose_effects,
    evppi,
    first_order,
    markdown,
    smooth,
)

N = 2_000


def uniform_params(n=N, names=("a", "b", "c"), seed=0):
    rng = np.random.default_rng(seed)
    return pd.DataFrame({name: rng.random(n) for name in names}), rng


def test_one_parameter_that_drives_the_outcome_gets_all_of_its_variance():
    x, rng = uniform_params()
    # y = a^2 + noise: Var(a^2) = 1/5 - 1/9 = 4/45 for a ~ U(0, 1); noise variance 0.05^2
    y = pd.DataFrame({"y": x["a"] ** 2 + 0.05 * rng.standard_normal(N)})
    table = first_order(y, x).set_index("parameter")
    assert table.loc["a", "index"] == pytest.approx((4 / 45) / (4 / 45 + 0.0025), abs=0.01)
    assert table.loc["a", "rank"] == 1
    assert table.loc["b", "index"] < 0.01 and table.loc["c", "index"] < 0.01


def test_an_additive_outcome_splits_its_variance_by_the_known_shares():
    x, _ = uniform_params()
    y = pd.DataFrame({"y": 2 * x["a"] + x["b"]})  # variances 4/12 and 1/12: shares 0.8 and 0.2
    table = first_order(y, x).set_index("parameter")
    assert table.loc["a", "index"] == pytest.approx(0.8, abs=0.03)
    assert table.loc["b", "index"] == pytest.approx(0.2, abs=0.03)
    assert table.loc["c", "index"] < 0.01


def test_weights_count_as_draws_and_few_distinct_values_get_their_means():
    # a parameter with three values: the smoother is the mean at each value, exactly
    x = pd.DataFrame({"a": np.repeat([1.0, 2.0, 3.0], 4)})
    y = np.repeat([10.0, 20.0, 60.0], 4) + np.tile([-1.0, 1.0, -1.0, 1.0], 3)
    fitted, df = smooth(y, x["a"].to_numpy())
    np.testing.assert_allclose(fitted, np.repeat([10.0, 20.0, 60.0], 4))
    assert df == 3
    # weight 0 on a draw is the same as leaving it out
    x2, rng = uniform_params(400)
    y2 = pd.DataFrame({"y": x2["a"] + 0.1 * rng.standard_normal(400)})
    w = np.r_[np.ones(300), np.zeros(100)]
    with_weights = first_order(y2, x2, weights=w).set_index("parameter")["index"]
    dropped = first_order(y2.iloc[:300], x2.iloc[:300]).set_index("parameter")["index"]
    pd.testing.assert_series_equal(with_weights, dropped, rtol=1e-9)


def test_evppi_is_the_whole_evpi_for_the_parameter_that_decides_and_zero_for_the_others():
    x, _ = uniform_params()
    # arm B beats A exactly when a > 0.5: EVPI = E[max(0, a - 0.5)] = 1/8
    values = pd.DataFrame({"A": np.zeros(N), "B": x["a"] - 0.5 + 0.0 * x["b"]})
    table = evppi(values, x).set_index("parameter")
    assert table.loc["a", "evpi"] == pytest.approx(0.125, abs=0.01)
    assert table.loc["a", "evppi"] == pytest.approx(table.loc["a", "evpi"], abs=0.005)
    assert table.loc["b", "evppi"] < 0.01 and table.loc["c", "evppi"] < 0.01
    # lower is better flips the choice, not the value of knowing a
    low = evppi(-values, x, higher_is_better=False).set_index("parameter")
    assert low.loc["a", "evppi"] == pytest.approx(table.loc["a", "evppi"])
    with pytest.raises(ValueError, match="at least two arms"):
        evppi(values[["A"]], x)


def test_decompose_effects_names_the_driver_of_an_arms_effect_and_the_seed_noise():
    draws, rng = uniform_params(300, names=("exercise_effect", "pain_bias"))
    rows = []
    for d, set_ in draws.iterrows():
        for seed in range(3):
            # exercise's effect on pain follows its effect size; seeds add noise of SD 0.05
            diff = -2.0 * set_["exercise_effect"] + 0.05 * rng.standard_normal()
            rows.append({"arm": "exercise", "week": 12, "outcome": "cohort_pain_nrs_mean", "draw": d,
                         "seed": seed, "value": 5 + diff, "diff": diff})
            rows.append({"arm": "baseline", "week": 12, "outcome": "cohort_pain_nrs_mean", "draw": d,
                         "seed": seed, "value": 5.0, "diff": 0.0})
    table = decompose_effects(pd.DataFrame(rows), draws.to_dict("records"))
    assert set(table["arm"]) == {"exercise"}
    own = table.set_index("parameter")
    assert own.loc["exercise_effect", "rank"] == 1 and own.loc["exercise_effect", "index"] > 0.95
    assert own.loc["pain_bias", "index"] < 0.03
    # seed noise: 0.05^2 / 3 over Var(-2 U) = 4/12
    assert own.loc["(seed noise)", "index"] == pytest.approx(0.0025 / 3 / (4 / 12), rel=0.3)
    text = markdown(table)
    assert "| exercise | cohort_pain_nrs_mean | exercise_effect 1.00, pain_bias 0.0" in text
    with pytest.raises(ValueError, match="no effects at week 52"):
        decompose_effects(pd.DataFrame(rows), draws.to_dict("records"), week=52)
