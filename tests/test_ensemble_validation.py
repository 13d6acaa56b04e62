"""`painloop validate --ensemble N`: each target's predictive interval over the parameter ensemble
against its band (sim.studies.ensemble_validation)."""

import numpy as np
import pandas as pd
import pytest

import sim
from sim.running import ensemble
from sim.studies import ensemble_validation as ev
from sim.studies.epi import Survey
from sim.studies.targets import TARGETS_BY_ID, survey_measures
from tests.conftest import small

TINY = {"seeds": (0,), "n_agents": 400, "survey_years": 1}
WORLD = small(burn_in_days=90)


def toy_file(path):
    """A toy ensemble (not a posterior): three weighted sets near the defaults that move mood."""
    pd.DataFrame({"low_mood_bias": [-2.6, -2.2, -3.0], "pain_bias": [-4.6, -4.3, -4.9],
                  "weight": [0.5, 0.3, 0.2]}).to_csv(path, index=False)
    return path


def test_the_predictive_interval_and_share_within_count_draws_not_seeds():
    band = TARGETS_BY_ID["cbp_prevalence"]  # 9.0-14.7%
    measured = pd.DataFrame({"draw": [0, 0, 1, 1, 2, 2, 3, 3], "seed": [0, 1] * 4,
                             # draw means 0.10, 0.12, 0.20, NaN (a draw that could not measure it)
                             "cp_prevalence": [0.09, 0.11, 0.12, 0.12, 0.19, 0.21, np.nan, np.nan]})
    row = ev.predictive(measured, [band]).iloc[0]
    assert row["draws"] == 3
    assert row["share_within"] == pytest.approx(2 / 3)
    assert row["median"] == pytest.approx(0.12)
    assert row["lo"] == pytest.approx(np.quantile([0.10, 0.12, 0.20], 0.025))
    assert row["hi"] == pytest.approx(np.quantile([0.10, 0.12, 0.20], 0.975)) and row["overlaps"]
    far = ev.predictive(measured.assign(cp_prevalence=0.5), [band]).iloc[0]
    assert far["share_within"] == 0 and not far["overlaps"]


def test_validate_ensemble_measures_each_draw_as_its_own_run_and_writes_the_table(tmp_path, monkeypatch, capsys):
    from sim.cli import main

    monkeypatch.setattr(ev, "QUICK", TINY)
    path = toy_file(tmp_path / "e.csv")
    (tmp_path / "world.toml").write_text(WORLD.to_toml(), encoding="utf-8")
    out = tmp_path / "v"
    code = main(["validate", str(tmp_path / "world.toml"), "--quick", "--ensemble", "5", "--ensemble-file", str(path),
                 "--out", str(out)])
    assert code == 0
    assert "5 parameter draws" in capsys.readouterr().out
    table = pd.read_csv(out / "validation_ensemble.csv").set_index("id")
    measured = pd.read_csv(out / "validation_ensemble_measured.csv")
    assert sorted(measured["draw"]) == [0, 1, 2, 3, 4] and "Share within" in (out / "validation_ensemble.md").read_text()
    # every survey target is there, the trial targets are named as not measured
    assert {"cbp_prevalence", "dep_point"} <= set(table.index)
    assert "not measured" in (out / "validation_ensemble.md").read_text().lower()
    dep = table.loc["dep_point"]
    assert dep["draws"] == 5 and dep["lo"] < dep["hi"]  # the draws move mood: a real interval
    assert 0.0 <= dep["share_within"] <= 1.0 and dep["lo"] <= dep["median"] <= dep["hi"]
    # draw k's numbers are its own solo run's, exactly (the de-duplicated batch maps back right)
    drawn = ensemble.draws(5, path)
    for k in (0, 4):
        world = WORLD.replace(n_agents=TINY["n_agents"], **drawn[k])
        alone = survey_measures(Survey(sim.Engine(world, 0)).run(365))
        row = measured[measured["draw"] == k].iloc[0]
        for key in ("cp_prevalence", "dep_prevalence", "hicp_share"):
            assert row[key] == alone[key]


def test_validate_ensemble_without_a_shipped_file_says_how_to_make_one(tmp_path, monkeypatch, capsys):
    from sim.cli import main

    monkeypatch.setattr(ensemble, "ENSEMBLE_PATH", tmp_path / "absent.csv")
    code = main(["validate", "--quick", "--ensemble", "5", "--out", str(tmp_path / "v")])
    assert code == 2
    err = capsys.readouterr().err
    assert "no parameter ensemble is shipped yet" in err and "experiments/posterior.py --write" in err
    assert not (tmp_path / "v").exists()  # refused before anything ran or was written
    assert main(["validate", "--ensemble-file", str(tmp_path / "x.csv"), "--out", str(tmp_path / "v")]) == 2
    assert "needs --ensemble N" in capsys.readouterr().err
