"""The paired what-if over the survey targets (sim/studies/probe.py, experiments/probe_targets.py)."""

import numpy as np
import pandas as pd
import pytest

from sim.core.errors import InputError
from sim.core.parameters import PARAMS
from sim.studies import calibration
from sim.studies.probe import parse_changes, parse_grid, probe, probe_many, run

SMALL = 400


def test_a_group_scale_sets_each_member_to_its_base_times_the_scale():
    group = next(f for f in calibration.STAGE1 if f.name == "mood_to_pain_scale")
    changes = parse_changes(["mood_to_pain_scale=2", "pain_bias=-4.8"])
    assert changes == {**{m: 2 * base for m, base in group.members}, "pain_bias": -4.8}


@pytest.mark.parametrize("items, says", [
    (["pain_bias"], "expected NAME=VALUE"),
    (["pain_bais=-4"], "unknown parameter 'pain_bais'"),
    (["pain_bias=low"], "is not a number"),
    (["pain_bias=-4", "pain_bias=-5"], "already set by --set pain_bias"),
    (["mood_to_pain_scale=2", "mood_to_sensitivity_weight=0.3"], "already set by --set mood_to_pain_scale"),
])
def test_a_bad_change_is_refused_with_what_is_wrong(items, says):
    with pytest.raises(InputError, match=says):
        parse_changes(items)


def test_no_change_gives_the_default_column_and_a_zero_difference():
    same = PARAMS["pain_bias"].default
    table = probe({"pain_bias": same}, seeds=(0,), n_agents=SMALL)
    assert len(table) >= 30  # every survey target, no trial
    both = table.dropna(subset=["default"])
    np.testing.assert_array_equal(both["default"], both["probe"])
    assert (both["difference"] == 0).all()


def test_more_pain_drive_raises_chronic_back_pain():
    table = probe({"pain_bias": PARAMS["pain_bias"].default + 1.0}, seeds=(0,), n_agents=SMALL).set_index("id")
    assert table.loc["cbp_prevalence", "probe"] > table.loc["cbp_prevalence", "default"]
    assert table.loc["cbp_prevalence", "difference"] > 0


def test_the_script_writes_its_table_and_figure(tmp_path, capsys):
    run(["--set", "sleep_to_sensitivity_weight=2.4", "--agents", str(SMALL), "--seeds", "1", "--serial",
         "--out", str(tmp_path / "p")])
    assert "survey targets in band" in capsys.readouterr().out
    table = pd.read_csv(tmp_path / "p" / "probe.csv")
    assert {"id", "band_low", "band_high", "default", "probe", "in_default", "in_probe", "difference"} <= set(table)
    assert (tmp_path / "p" / "probe.png").stat().st_size > 0
    assert (table["changes"] == "sleep_to_sensitivity_weight=2.4").all()
    # the summary gathers the probes kept in a folder's subfolders: one row per target and probe
    (tmp_path / "p2").mkdir()
    table.assign(changes="pain_bias=-4", probe=table["default"]).to_csv(tmp_path / "p2" / "probe.csv", index=False)
    summary = run(["--summarise", str(tmp_path), "--out", str(tmp_path / "s")])
    assert len(summary) == 2 * len(table) and set(summary["changes"]) == {"sleep_to_sensitivity_weight=2.4", "pain_bias=-4"}
    assert (summary[summary["changes"] == "pain_bias=-4"]["shift"].dropna() == 0).all()
    assert (tmp_path / "s" / "probe_summary.png").stat().st_size > 0
    with pytest.raises(InputError, match="no probe.csv"):
        run(["--summarise", str(tmp_path / "s"), "--out", str(tmp_path / "t")])


def test_an_out_of_range_value_is_refused_before_anything_runs_or_is_written(tmp_path):
    with pytest.raises(InputError, match="pain_threshold_nrs"):
        run(["--set", "pain_threshold_nrs=99", "--agents", str(SMALL), "--seeds", "1", "--serial",
             "--out", str(tmp_path / "p")])
    assert not (tmp_path / "p").exists()


def test_a_grid_is_every_combination_with_the_fixed_changes_added():
    sets = parse_grid(["pain_bias=-4.8,-4.6", "coping_sd=2.4,2.6,2.8"], {"low_mood_bias": -2.7})
    assert len(sets) == 6
    assert sets[0] == {"pain_bias": -4.8, "coping_sd": 2.4, "low_mood_bias": -2.7}
    assert sets[1] == {"pain_bias": -4.8, "coping_sd": 2.6, "low_mood_bias": -2.7}  # the last name varies fastest
    assert [s["pain_bias"] for s in sets] == [-4.8] * 3 + [-4.6] * 3


@pytest.mark.parametrize("items, fixed, says", [
    (["pain_bias=-4.8"], {}, "two or more values"),
    (["pain_bias"], {}, "two or more values"),
    (["pain_bias=-4.8,low"], {}, "is not a number"),
    (["pain_bias=-4.8,-4.6"], {"pain_bias": -4.7}, "already set by --set pain_bias"),
    ([f"pain_bias={','.join(str(-4 - k / 100) for k in range(9))}",
      f"coping_sd={','.join(str(2 + k / 10) for k in range(8))}"], {}, "72 combinations; at most 64"),
])
def test_a_bad_grid_is_refused_with_what_is_wrong(items, fixed, says):
    with pytest.raises(InputError, match=says):
        parse_grid(items, fixed)


def test_grid_points_share_one_run_of_the_defaults():
    same = PARAMS["pain_bias"].default
    a, b = probe_many([{"pain_bias": same}, {"pain_bias": same + 1.0}], seeds=(0,), n_agents=SMALL)
    pd.testing.assert_series_equal(a["default"], b["default"])
    assert (a.dropna(subset=["default"])["difference"] == 0).all()
    assert b.set_index("id").loc["cbp_prevalence", "difference"] > 0


def test_the_grid_writes_its_tables_and_figure_and_ranks_the_points(tmp_path, capsys):
    same = PARAMS["pain_bias"].default
    table = run(["--grid", f"pain_bias={same},{same + 1.0}", "--agents", str(SMALL), "--seeds", "1", "--serial",
                 "--out", str(tmp_path / "g")])
    assert "by grid point, best first" in capsys.readouterr().out
    ranking = pd.read_csv(tmp_path / "g" / "grid_ranking.csv")
    assert len(ranking) == 2 and (ranking["in_band"].diff().dropna() <= 0).all()
    at_default = ranking[ranking["changes"] == f"pain_bias={same:.4g}"].iloc[0]
    assert at_default["in_band"] == at_default["at_defaults"] and at_default["enter"] == at_default["leave"] == 0
    assert (table[table["changes"] == f"pain_bias={same:.4g}"]["shift"].dropna() == 0).all()
    assert len(pd.read_csv(tmp_path / "g" / "grid.csv")) == 2 * table["id"].nunique()
    assert (tmp_path / "g" / "grid.png").stat().st_size > 0


def test_an_out_of_range_grid_value_is_refused_before_anything_runs_or_is_written(tmp_path):
    with pytest.raises(InputError, match="pain_threshold_nrs"):
        run(["--grid", "pain_threshold_nrs=0.5,99", "--agents", str(SMALL), "--seeds", "1", "--serial",
             "--out", str(tmp_path / "g")])
    assert not (tmp_path / "g").exists()
