"""The drift study: prevalence by year, overall and by coping fifth, and the drift criterion."""

import pandas as pd
import pytest

from conftest import small
import numpy as np

from sim.studies.drift import FIFTHS, convergence, drift, largest_drift, needed_burn_in, settling


def test_drift_table_has_every_full_year_group_and_outcome():
    table = drift(small(n_agents=500, burn_in_days=100), seed=1, years=2)
    assert sorted(table["year"].unique()) == [1, 2]
    assert table["group"].nunique() == 1 + FIFTHS + 2  # all, coping fifths, male and female
    assert len(table) == 2 * (1 + FIFTHS + 2) * 2
    assert table["prevalence"].between(0, 1).all()


def test_largest_drift_is_the_biggest_change_along_a_straight_line():
    rows = [(1, "all", "depressed", 0.050), (3, "all", "depressed", 0.052),
            (1, "coping fifth 1", "depressed", 0.120), (3, "coping fifth 1", "depressed", 0.150),
            (1, "all", "chronic_pain", 0.200), (3, "all", "chronic_pain", 0.190)]
    table = pd.DataFrame(rows, columns=["year", "group", "outcome", "prevalence"])
    d = largest_drift(table)  # two years: the line is the single-year difference
    assert d["points"] == pytest.approx(3.0) and d["group"] == "coping fifth 1" and d["years"] == 2
    assert d["single_year_points"] == pytest.approx(3.0)


def test_trend_drift_reads_through_year_to_year_noise():
    """A flat series with one noisy last year: the line moves a little, the single-year
    difference a lot; a steady rise of 0.1 point a year is 2 points over 20 years either way."""
    flat = [10.0] * 20 + [11.0]
    rising = [5.0 + 0.1 * k for k in range(21)]
    table = pd.concat([_series({"flat": flat}), _series({"rising": rising}, outcome="chronic_pain")])
    d = largest_drift(table)
    assert d["group"] == "rising" and d["points"] == pytest.approx(2.0) and d["se_points"] == pytest.approx(0.0, abs=1e-9)
    assert d["single_year_points"] == pytest.approx(2.0)  # flat's 1.0 < rising's 2.0
    assert d["years"] == 20
    from sim.studies.drift import trend_drift
    flat_row = trend_drift(table).loc[("flat", "depressed")]
    assert flat_row["single_year_points"] == pytest.approx(1.0)
    assert abs(flat_row["points"]) < 0.5 and flat_row["se_points"] > 0


def _series(values_by_group, outcome="depressed"):
    return pd.DataFrame([{"year": y, "group": g, "outcome": outcome, "prevalence": v / 100, "seed": 0}
                         for g, values in values_by_group.items() for y, v in enumerate(values, start=1)])


def test_settling_finds_the_last_year_a_moving_mean_left_the_band():
    flat = [5.0] * 30
    rising = [3.0 + 0.2 * y for y in range(10)] + [5.0] * 20  # reaches 5 in year 11
    table = _series({"all": flat, "coping fifth 1": rising})
    settled = settling(table, tolerance=0.15, window=5).set_index("group")
    assert settled.loc["all", "settled_after_years"] == 0
    assert settled.loc["all", "window_noise_points"] == pytest.approx(0.0)
    # the window of years 8-12 averages 4.76 (outside 5 +- 0.15), that of years 9-13 4.88 (inside)
    assert settled.loc["coping fifth 1", "settled_after_years"] == 8
    assert settled.loc["coping fifth 1", "long_run_percent"] == pytest.approx(5.0)
    need = needed_burn_in(settled.reset_index())
    assert need["years"] == 8 and need["group"] == "coping fifth 1"


def test_a_series_still_moving_at_the_end_has_not_settled():
    table = _series({"all": [5.0 + 0.1 * y for y in range(30)]})
    assert np.isnan(settling(table, tolerance=0.15, window=5)["settled_after_years"].iloc[0])
    with pytest.raises(ValueError, match="too few"):
        settling(table[table["year"] <= 12], window=5)


def test_convergence_runs_from_the_initial_state_and_splits_by_sex():
    table = convergence(small(n_agents=400, burn_in_days=500), seeds=[0, 1], years=2, progress=False)
    assert sorted(table["seed"].unique()) == [0, 1] and table["group"].nunique() == 1 + FIFTHS + 2
    assert {"female", "male"} <= set(table["group"])
    # the sexes' prevalences bracket the overall one
    one = table[(table["seed"] == 0) & (table["year"] == 1)].pivot(index="outcome", columns="group", values="prevalence")
    low, high = one[["female", "male"]].min(axis=1), one[["female", "male"]].max(axis=1)
    assert ((low <= one["all"] + 1e-12) & (one["all"] <= high + 1e-12)).all()


def test_between_seed_error_comes_from_the_seeds_own_lines():
    """Three seeds whose lines rise 1, 2 and 3 points over 20 years: the drift is their mean (2) and
    its between-seed standard error sd/sqrt(3) = 1/sqrt(3); with fewer than 3 seeds it is NaN."""
    from sim.studies.drift import trend_drift
    seeds = [_series({"g": [5.0 + k * total / 20 for k in range(21)]}).assign(seed=s)
             for s, total in enumerate((1.0, 2.0, 3.0))]
    row = trend_drift(pd.concat(seeds)).loc[("g", "depressed")]
    assert row["points"] == pytest.approx(2.0)
    assert row["se_seeds_points"] == pytest.approx(1 / np.sqrt(3))
    assert np.isnan(trend_drift(pd.concat(seeds[:2])).loc[("g", "depressed"), "se_seeds_points"])
