"""sim.studies.hysteresis (experiments/hysteresis.py): the ramp changes the driver the way a scenario would, the legs and
gaps are computed as stated, the verdict follows its rule, and the script runs end to end."""

import numpy as np
import pandas as pd
import pytest

from sim import InputError, Scenario
from sim.core.engine import Engine
from sim.studies import hysteresis


def test_set_driver_rebuilds_params_and_validates():
    engine = Engine(Scenario(n_agents=50, burn_in_days=5), seed=0)
    hysteresis.set_driver(engine, "tissue_healing_tau_days", 40.0)
    assert engine.p.tissue_healing_tau_days == 40.0
    assert engine.p.tissue_decay == pytest.approx(np.exp(-1 / 40.0))  # derived, not stale
    with pytest.raises(InputError, match="'injury_rate_per_year' = 9.0 is outside"):
        hysteresis.set_driver(engine, "injury_rate_per_year", 9.0)


def test_ramp_goes_up_then_down_the_same_levels():
    levels = np.array([0.0, 0.5, 1.0])
    hold = hysteresis.MEASURE_DAYS
    table, tail = hysteresis.ramp(Scenario(n_agents=120, burn_in_days=30), 0, "injury_rate_per_year",
                                  levels, hold_days=hold, tail_days=2 * hold)
    assert list(table["leg"]) == ["up", "up", "up", "down", "down"]
    assert list(table["level"]) == [0.0, 0.5, 1.0, 0.5, 0.0]
    assert table[["chronic_pain", "depression", "comorbid"]].stack().between(0, 1).all()
    assert (table["comorbid"] <= table[["chronic_pain", "depression"]].min(axis=1) + 1e-12).all()
    assert list(tail["days_after_ramp"]) == [90, 180]
    # the control town shares the seed and the lowest level: identical to the ramp's town until
    # the driver first changes, then on its own
    keys = ["chronic_pain", "depression", "comorbid"]
    first = table.iloc[0]
    assert [first[k] for k in keys] == [first[f"control_{k}"] for k in keys]
    assert not np.allclose(table[keys].to_numpy()[1:3], table[[f"control_{k}" for k in keys]].to_numpy()[1:3])


def test_stay_brings_two_towns_to_one_level_on_the_same_day():
    levels = np.array([0.0, 0.75, 1.5])
    small = Scenario(n_agents=150, burn_in_days=30)
    hold = hysteresis.MEASURE_DAYS
    top = hysteresis.stay(small, 0, "injury_rate_per_year", levels, at=2, hold_days=20, stay_days=2 * hold)
    # at the top both towns took the same path: the same seed gives the same town, exactly
    keys = ["chronic_pain", "depression", "comorbid"]
    assert np.array_equal(top[[f"{k}_from_above" for k in keys]].to_numpy(),
                          top[[f"{k}_from_below" for k in keys]].to_numpy())
    assert list(top["days_at_level"]) == [hold, 2 * hold] and (top["level"] == 1.5).all()
    middle = hysteresis.stay(small, 0, "injury_rate_per_year", levels, at=1, hold_days=20, stay_days=hold)
    assert not np.array_equal(middle[[f"{k}_from_above" for k in keys]].to_numpy(),
                              middle[[f"{k}_from_below" for k in keys]].to_numpy())
    gap = hysteresis.stay_gaps(middle)
    assert gap["level"].tolist() == [0.75]


def test_gaps_against_the_control_remove_a_shared_drift():
    rows = []
    for leg, level, drift in (("up", 0.0, 0.0), ("up", 1.0, 0.01), ("down", 0.0, 0.02)):
        rows.append(dict(seed=0, hold_days=100, leg=leg, level=level, chronic_pain=0.1 + 0.05 * level,
                         depression=0.05 + drift, comorbid=0.02, control_chronic_pain=0.1,
                         control_depression=0.05 + drift, control_comorbid=0.02))
    table = pd.DataFrame(rows)
    assert hysteresis.gaps(table, against_control=False)["depression"].tolist() == pytest.approx([2.0])
    assert hysteresis.gaps(table)["depression"].tolist() == pytest.approx([0.0])


def test_gaps_and_verdict_follow_their_rules():
    def table(down_extra_short, down_extra_long):
        rows = []
        for hold, extra in ((100, down_extra_short), (300, down_extra_long)):
            for level in (0.0, 1.0, 2.0):
                rows.append(dict(seed=0, hold_days=hold, leg="up", level=level,
                                 chronic_pain=0.1 + 0.05 * level, depression=0.05, comorbid=0.02))
                if level < 2.0:
                    rows.append(dict(seed=0, hold_days=hold, leg="down", level=level,
                                     chronic_pain=0.1 + 0.05 * level + extra, depression=0.05, comorbid=0.02))
        return pd.DataFrame(rows)

    gap = hysteresis.gaps(table(0.04, 0.03))
    assert gap.loc[gap["hold_days"] == 100, "chronic_pain"].tolist() == pytest.approx([4.0, 4.0])
    text, numbers = hysteresis.verdict(gap, tail_gap_pp=3.0, noise_pp=0.1, short=100, long=300)
    assert text.startswith("two branches") and numbers["threshold_pp"] == 1.0
    text, _ = hysteresis.verdict(gap, tail_gap_pp=0.2, noise_pp=0.1, short=100, long=300)
    assert text.startswith("no lasting second branch")
    text, _ = hysteresis.verdict(hysteresis.gaps(table(0.004, 0.0)), 0.0, 0.1, 100, 300)
    assert text.startswith("no hysteresis")
    # a noisy tail raises the bar
    _, numbers = hysteresis.verdict(gap, tail_gap_pp=3.0, noise_pp=2.0, short=100, long=300)
    assert numbers["threshold_pp"] == 6.0


def test_script_runs_and_writes(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(hysteresis, "MEASURE_DAYS", 10)
    monkeypatch.setattr(hysteresis, "HOLD_DAYS", {"quick": 20, "full": 20})
    real = hysteresis.Scenario
    monkeypatch.setattr(hysteresis, "Scenario", lambda **kw: real(**kw, burn_in_days=30))
    hysteresis.run(["--quick", "--agents", "100", "--levels", "3", "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert "**Verdict, chronic pain:**" in out and "**Verdict, depression:**" in out
    for name in ("hysteresis.csv", "hysteresis_tail.csv", "hysteresis_stay.csv", "hysteresis.png", "summary.md"):
        assert (tmp_path / name).stat().st_size > 0, name
    table = pd.read_csv(tmp_path / "hysteresis.csv")
    assert sorted(table["hold_days"].unique()) == [20, 60]
    tail = pd.read_csv(tmp_path / "hysteresis_tail.csv")
    assert tail["days_after_ramp"].max() == 180 and "control_depression" in tail


def test_bad_driver_and_ramp_are_named(tmp_path):
    with pytest.raises(InputError, match="--driver 'pain' is not a parameter"):
        hysteresis.run(["--driver", "pain", "--out", str(tmp_path)])
    with pytest.raises(InputError, match="low < high"):
        hysteresis.run(["--driver", "pain_bias", "--out", str(tmp_path)])
    with pytest.raises(InputError, match=r"'injury_rate_per_year' = 9.0 is outside"):
        hysteresis.run(["--high", "9", "--out", str(tmp_path)])
