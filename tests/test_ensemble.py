"""Comparisons over a parameter ensemble (sim.running.ensemble, run_experiment(ensemble=N), compare --ensemble)."""

import numpy as np
import pandas as pd
import pytest

from sim.core.errors import InputError
from sim.running import ensemble
from sim.running.runner import run_experiment
from tests.conftest import small

WORLD = small(n_agents=300, burn_in_days=60, days=21)
ARMS = {"baseline": WORLD, "exercise": WORLD.replace(interventions=[{"kind": "exercise"}])}


def toy_file(path, weights=(0.5, 0.3, 0.2)):
    """A toy ensemble (not a posterior): three sets of two parameters and an effect size."""
    table = pd.DataFrame({"set": range(3), "low_mood_bias": [-2.6, -2.3, -2.9], "pain_bias": [-4.6, -4.2, -5.0],
                          "exercise_effect": [0.9, 1.2, 0.7], "weight": weights, "loss": [3.0, 5.0, 8.0]})
    table.to_csv(path, index=False)
    return path


def test_draws_resample_the_sets_by_weight_reproducibly(tmp_path):
    path = toy_file(tmp_path / "e.csv", weights=(0.7, 0.3, 0.0))
    drawn = ensemble.draws(10, path, seed=3)
    assert drawn == ensemble.draws(10, path, seed=3)
    biases = [d["low_mood_bias"] for d in drawn]
    assert biases.count(-2.6) == 7 and biases.count(-2.3) == 3  # systematic: the weights exactly at n=10
    assert set(drawn[0]) == {"low_mood_bias", "pain_bias", "exercise_effect"}


def test_bad_ensembles_are_refused_with_what_to_do(tmp_path, monkeypatch):
    monkeypatch.setattr(ensemble, "ENSEMBLE_PATH", tmp_path / "absent.csv")
    with pytest.raises(InputError, match="no parameter ensemble is shipped yet .*experiments/posterior.py --write"):
        ensemble.draws(5)
    with pytest.raises(InputError, match="ensemble file .*nowhere.csv' does not exist"):
        ensemble.draws(5, tmp_path / "nowhere.csv")
    bad = toy_file(tmp_path / "bad.csv")
    pd.read_csv(bad).assign(pain_biass=1.0).to_csv(bad, index=False)
    with pytest.raises(InputError, match="'pain_biass' is not a parameter"):
        ensemble.draws(5, bad)
    pd.read_csv(toy_file(bad)).assign(pain_bias=[-4.0, 99.0, -4.0]).to_csv(bad, index=False)
    with pytest.raises(InputError, match="row 1: pain_bias = 99.0 is outside"):
        ensemble.draws(5, bad)
    with pytest.raises(InputError, match="ensemble \\(draws\\) = 0"):
        ensemble.draws(0, toy_file(tmp_path / "ok.csv"))
    with pytest.raises(InputError, match="ensemble_file .* needs ensemble=N"):
        run_experiment(ARMS, seeds=1, out=tmp_path / "x", ensemble_file=bad, progress=False)


def test_each_draw_of_an_ensemble_run_is_its_own_run_exactly(tmp_path):
    path = toy_file(tmp_path / "e.csv")
    result = run_experiment(ARMS, seeds=2, out=tmp_path / "run", ensemble=4, ensemble_file=path, progress=False)
    drawn = ensemble.draws(4, path)
    assert sorted(result.table["draw"].unique()) == [0, 1, 2, 3]
    wide = result.wide()
    for draw in (0, 3):
        alone = {name: s.replace(**drawn[draw]) for name, s in ARMS.items()}
        solo = run_experiment(alone, seeds=2, out=tmp_path / f"solo{draw}", progress=False).wide()
        mine = wide[wide["draw"] == draw].drop(columns="draw").reset_index(drop=True)
        pd.testing.assert_frame_equal(mine[solo.columns], solo, check_exact=True, check_categorical=False)
    # the draws differ, and the arms ran the same draws (common random numbers: baselines equal per draw)
    phq = wide[wide["arm"] == "baseline"].groupby("draw")["phq9_mean"].mean()
    assert phq.nunique() > 1
    # a second call with the same settings resumes from the store
    again = run_experiment(ARMS, seeds=2, out=tmp_path / "run", ensemble=4, ensemble_file=path, progress=False)
    assert not again.failed and len(again.table) == len(result.table)
    with pytest.raises(InputError, match="ensemble draws 4 there, 3 here"):
        run_experiment(ARMS, seeds=2, out=tmp_path / "run", ensemble=3, ensemble_file=path, progress=False)


def test_compare_ensemble_reports_both_intervals_and_the_chance_each_arm_is_best(tmp_path, capsys):
    from sim.cli import main

    path = toy_file(tmp_path / "e.csv")
    out = tmp_path / "cmp"
    # A 200-day burn-in (as the killed-and-resumed compare of tests/test_store.py): every draw and
    # seed burns in its own town, and the default 12 years, six times, was most of this test; the
    # reporting over draws and seeds it checks needs only a cohort with chronic pain on day 0.
    town = tmp_path / "town.toml"
    town.write_text("n_agents = 300\nburn_in_days = 200\n")
    code = main(["compare", str(town), "--days", "84", "--seeds", "2", "--serial", "--quiet",
                 "--ensemble", "3", "--ensemble-file", str(path), "--out", str(out)])
    assert code == 0
    printed = capsys.readouterr().out
    assert "3 parameter draws" in printed and "95% interval over parameters" in printed
    summary = pd.read_csv(out / "ensemble_summary.csv")
    assert {"param_lo", "param_hi", "noise_lo", "noise_hi", "p_best"} <= set(summary)
    assert (out / "ensemble_effects.png").stat().st_size > 0 and (out / "ensemble.md").exists()
    # which parameters move the effects: a row per (arm, outcome, varied parameter) and the seed noise
    which = pd.read_csv(out / "ensemble_uncertainty.csv")
    assert {"low_mood_bias", "pain_bias", "exercise_effect", "(seed noise)"} <= set(which["parameter"])
    assert "baseline" not in set(which["arm"]) and "Which parameters move" in (out / "ensemble.md").read_text()
    week12 = summary[summary["week"] == 12]
    # per outcome, the chances of being best add up to 1 over the arms
    assert np.allclose(week12.groupby("outcome")["p_best"].sum(), 1.0)
    # the baseline's own difference is 0 with no spread; the intervals hold their means
    base = week12[week12["arm"] == "baseline"]
    assert (base[["diff", "param_lo", "param_hi"]] == 0).all().all()
    arms = week12[week12["arm"] != "baseline"].dropna(subset=["noise_lo"])
    assert ((arms["noise_lo"] <= arms["diff"]) & (arms["diff"] <= arms["noise_hi"])).all()
    assert (arms["param_lo"] <= arms["param_hi"]).all() and (arms["param_hi"] > arms["param_lo"]).any()


def test_compare_ensemble_without_a_shipped_file_says_how_to_make_one(tmp_path, monkeypatch, capsys):
    from sim.cli import main

    monkeypatch.setattr(ensemble, "ENSEMBLE_PATH", tmp_path / "absent.csv")
    code = main(["compare", "--agents", "300", "--quick", "--ensemble", "5", "--out", str(tmp_path / "c")])
    assert code == 2
    err = capsys.readouterr().err
    assert "no parameter ensemble is shipped yet" in err and "experiments/posterior.py --write" in err
    assert not (tmp_path / "c").exists()  # refused before anything was written
