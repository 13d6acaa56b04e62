"""The drift study: prevalence by year, overall and by coping fifth, and the drift criterion."""

import pandas as pd
import pytest

from conftest import small
from sim.studies.drift import FIFTHS, drift, largest_drift


def test_drift_table_has_every_full_year_group_and_outcome():
    table = drift(small(n_agents=500, burn_in_days=100), seed=1, years=2)
    assert sorted(table["year"].unique()) == [1, 2]
    assert table["group"].nunique() == 1 + FIFTHS
    assert len(table) == 2 * (1 + FIFTHS) * 2
    assert table["prevalence"].between(0, 1).all()


def test_largest_drift_is_the_biggest_first_to_last_year_change():
    rows = [(1, "all", "depressed", 0.050), (3, "all", "depressed", 0.052),
            (1, "coping fifth 1", "depressed", 0.120), (3, "coping fifth 1", "depressed", 0.150),
            (1, "all", "chronic_pain", 0.200), (3, "all", "chronic_pain", 0.190)]
    table = pd.DataFrame(rows, columns=["year", "group", "outcome", "prevalence"])
    d = largest_drift(table)
    assert d["points"] == pytest.approx(3.0) and d["group"] == "coping fifth 1" and d["years"] == 2
