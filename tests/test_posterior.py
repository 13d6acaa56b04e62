"""The posterior machinery (sim.studies.posterior) end to end at toy size, into a temporary folder only."""

import json

import numpy as np
import pandas as pd
import pytest

from sim.core.errors import InputError
from sim.core.parameters import PARAMS
from sim.studies import calibration, posterior
from sim.studies.targets import TARGETS_BY_ID

pytest.importorskip("sklearn")

# Toy size: a run of the pipeline, not a posterior. The cut-off is huge because a 150-person,
# 30-day-burn-in world cannot meet the targets; the test checks the plumbing, not the fit.
TOY = ["--agents", "150", "--seeds", "1", "--burn-in-days", "30", "--survey-years", "2", "--waves", "1",
       "--runs-per-wave", "6", "--final-runs", "5", "--candidates", "500", "--sets-per-batch", "4",
       "--cutoff", "1e9", "--serial", "--quiet"]


def test_the_pipeline_writes_a_weighted_ensemble_of_every_varied_parameter(tmp_path):
    frame = posterior.run([*TOY, "--weighting", "gaussian", "--out", str(tmp_path)])
    stored = pd.read_csv(tmp_path / "ensemble.csv")
    assert len(stored) == 5
    parameters = [c for c in stored if c not in posterior.META_COLUMNS]
    assert set(calibration.fitted_parameters()) <= set(parameters)
    assert {f"{k}_effect" for k in (*calibration.STAGE2, *calibration.STAGE2_SAME_AS)} <= set(parameters)
    for name in parameters:  # every value is one the model accepts
        assert stored[name].between(PARAMS[name].low, PARAMS[name].high).all(), name
    assert stored["weight"].sum() == pytest.approx(1.0)
    assert np.isclose(stored["ess"], 1 / np.sum(stored["weight"] ** 2)).all()
    # the weight follows the likelihood, and the loss is stage 1's
    order = np.argsort(-stored["log_likelihood"].to_numpy())
    assert (np.diff(stored["weight"].to_numpy()[order]) <= 0).all()
    assert (stored["loss"] > 0).all() and stored["within"].between(0, 1).all()
    waves = pd.read_csv(tmp_path / "ensemble_waves.csv")  # every simulator call, wave by wave
    assert waves["wave"].value_counts().sort_index().tolist() == [6, 5]
    assert set(calibration.STAGE1_TARGETS) <= set(waves) and {f.name for f in calibration.STAGE1} <= set(waves)
    statistics = pd.read_csv(tmp_path / "ensemble_statistics.csv")  # each set's statistics, for coverage
    assert statistics["set"].tolist() == stored["set"].tolist()
    assert set(calibration.STAGE1_TARGETS) <= set(statistics)
    record = json.loads((tmp_path / "ensemble_record.json").read_text())
    assert set(record["noise_sd"]) == set(calibration.STAGE1_TARGETS)
    assert all(v >= 0 for v in record["noise_sd"].values())
    assert record["calls"] == 6 + 5 == posterior.calls(posterior.settings_from_argv(TOY))
    # the same command gives the same ensemble (seeded design, results in submission order)
    pd.testing.assert_frame_equal(posterior.run([*TOY, "--weighting", "gaussian", "--out", str(tmp_path / "again")]),
                                  frame)


def test_the_likelihood_uses_the_bands_as_noise():
    targets = {"dep_point": 1.0, "cbp_prevalence": 1.0}
    at_value = np.array([[TARGETS_BY_ID[t].value for t in targets]])
    assert posterior.log_likelihood(at_value, posterior.SETTINGS, targets)[0] == 0.0
    t = TARGETS_BY_ID["dep_point"]
    one_sd = at_value + [[(t.high - t.low) / 2 / posterior.Z95 * np.sqrt(2.0), 0.0]]  # discrepancy 1
    assert posterior.log_likelihood(one_sd, posterior.SETTINGS, targets)[0] == pytest.approx(-0.5)
    # the simulator's own noise adds to the variance: one SD of it alone is -0.5 too
    noise = (t.high - t.low) / 2 / posterior.Z95 * np.sqrt(2.0)
    louder = at_value + [[np.sqrt(2.0) * noise, 0.0]]
    assert posterior.log_likelihood(louder, posterior.SETTINGS, targets, [noise ** 2, 0.0])[0] == pytest.approx(-0.5)
    missing = np.array([[np.nan, TARGETS_BY_ID["cbp_prevalence"].value]])
    assert posterior.log_likelihood(missing, posterior.SETTINGS, targets)[0] == -0.5 * calibration.MISSING_Z ** 2
    w, ess = posterior.importance_weights(np.array([0.0, 0.0, -np.inf]))
    assert w.tolist() == [0.5, 0.5, 0.0] and ess == 2.0


def test_effect_draws_centre_on_the_stage2_fits_with_the_trials_spread():
    draws = posterior.effect_draws(20_000, np.random.default_rng(0))
    for kind, primary in calibration.STAGE2.items():
        t, fit = TARGETS_BY_ID[primary.target], PARAMS[f"{kind}_effect"].default
        x = draws[f"{kind}_effect"]
        assert x.mean() == pytest.approx(fit, rel=0.02)
        assert x.std() == pytest.approx(fit * (t.high - t.low) / 2 / posterior.Z95 / abs(t.value), rel=0.05)
    assert (draws["mindfulness_effect"] == draws["cbt_effect"]).all()


def test_bad_settings_and_a_toy_write_are_refused(tmp_path):
    with pytest.raises(InputError, match="--discrepancy = -1.0 must be >= 0"):
        posterior.run([*TOY, "--discrepancy", "-1", "--out", str(tmp_path)])
    with pytest.raises(InputError, match="--screen-batches = 0 must be >= 1"):
        posterior.run([*TOY, "--screen-batches", "0", "--out", str(tmp_path)])
    assert posterior.settings_from_argv([*TOY, "--screen-batches", "120"]).screen_batches == 120
    with pytest.raises(InputError, match="--write ships the ensemble: it needs .* at least 200 final runs"):
        posterior.run([*TOY, "--write"])


def test_weighted_quantiles_follow_the_weights():
    x = np.array([0.0, 1.0, 2.0, 3.0])
    assert posterior.weighted_quantiles(x, np.ones(4), [0.5])[0] == pytest.approx(1.5)
    # all the weight on one set: every quantile is that set's value
    assert posterior.weighted_quantiles(x, np.array([0, 0, 1.0, 0]), [0.025, 0.975]).tolist() == [2.0, 2.0]
    assert posterior.weighted_quantiles(np.array([np.nan, 5.0]), np.ones(2), [0.5])[0] == 5.0


def test_the_report_counts_coverage_and_contraction_from_the_sets(tmp_path):
    """Two targets, three sets: the table counts what the weights say, not the unweighted sets."""
    dep, cbp = TARGETS_BY_ID["dep_point"], TARGETS_BY_ID["cbp_prevalence"]
    statistics = pd.DataFrame({"set": [0, 1, 2], "dep_point": [dep.value, dep.high * 2, dep.high * 3],
                               "cbp_prevalence": [cbp.high * 2, cbp.high * 3, cbp.high * 4]})
    names = calibration.fitted_parameters()
    frame = pd.DataFrame({n: [PARAMS[n].default] * 3 for n in names})
    frame["set"], frame["weight"] = [0, 1, 2], [0.9, 0.05, 0.05]
    cov = posterior.coverage(frame, statistics, targets={"dep_point": 1.0, "cbp_prevalence": 1.0}).set_index("target")
    assert cov.loc["dep_point", "share_within"] == pytest.approx(0.9)
    assert cov.loc["cbp_prevalence", "share_within"] == 0.0 and not cov.loc["cbp_prevalence", "reaches_band"]
    assert cov.loc["dep_point", "reaches_band"]
    con = posterior.contraction(frame)  # every set at the defaults: nothing spread, SD 0
    assert (con["posterior_sd"] < 1e-9).all() and set(con["coordinate"]) == {f.name for f in calibration.STAGE1}
    fig = posterior.pairs_figure(frame.assign(weight=[0.5, 0.3, 0.2]), [f.name for f in calibration.STAGE1[:3]])
    assert len(fig.axes) == 9


def test_a_rerun_with_more_waves_reuses_the_first_runs_exactly(tmp_path):
    """--reuse: the seeded design repeats the first wave's points, which take the earlier run's
    statistics instead of running again; the ensemble is the one a fresh run makes."""
    posterior.run([*TOY, "--out", str(tmp_path / "one")])
    two = [*TOY[:TOY.index("--waves")], "--waves", "2", *TOY[TOY.index("--waves") + 2:]]
    fresh = posterior.run([*two, "--out", str(tmp_path / "fresh")])
    calls = []
    real = posterior.simulate
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(posterior, "simulate", lambda points, *a, **k: calls.append(len(points)) or real(points, *a, **k))
        reused = posterior.run([*two, "--reuse", str(tmp_path / "one" / "ensemble_waves.csv"),
                                "--out", str(tmp_path / "reused")])
    pd.testing.assert_frame_equal(reused, fresh)
    assert calls[0] == 0  # wave 0 came from the file
    assert json.loads((tmp_path / "reused" / "ensemble_record.json").read_text())["reused_calls"] >= 6  # wave 0, and any later point the earlier run also ran
    other = pd.read_csv(tmp_path / "one" / "ensemble_waves.csv").assign(people=999)
    other.to_csv(tmp_path / "other.csv", index=False)
    with pytest.raises(InputError, match="was run with people = \\[999\\], this run with 150"):
        posterior.run([*two, "--reuse", str(tmp_path / "other.csv"), "--out", str(tmp_path / "x")])


def test_abc_weights_accept_the_runs_within_the_cutoff_on_all_but_the_worst_target():
    targets = {"dep_point": 1.0, "cbp_prevalence": 1.0, "hicp_share": 1.0}
    sd = np.array([posterior.observation_sd(t) for t in targets]) * np.sqrt(2.0)  # discrepancy 1
    value = np.array([TARGETS_BY_ID[t].value for t in targets])
    means = np.array([value,                                   # on every target
                      value + sd * [10.0, 2.9, 0.0],           # one far target is ignored
                      value + sd * [10.0, 3.1, 0.0],           # two beyond the cut-off: rejected
                      value + sd * [np.nan, 0.0, 0.0]])        # one target not measured: ignored as the worst
    w, ess = posterior.abc_weights(means, posterior.SETTINGS, targets)
    assert w.tolist() == [1 / 3, 1 / 3, 0.0, 1 / 3] and ess == 3.0
    # the simulator's noise widens the kernel: the rejected run comes in when noise adds to the variance
    w, _ = posterior.abc_weights(means, posterior.SETTINGS, targets, noise_var=(sd * 0.5) ** 2)
    assert w[2] > 0
    with pytest.raises(RuntimeError, match="no final run is within the cut-off"):
        posterior.abc_weights(means[2:3], posterior.SETTINGS, targets)


@pytest.mark.parametrize("ignore_worst", [0, 1, 2])
def test_the_target_by_target_screen_makes_the_scores_decisions(ignore_worst):
    """Emulators.not_ruled_out (what the waves screen with) keeps exactly the candidates whose score
    (every target emulated at every candidate) is within the cut-off, for any number of ignored
    targets, while emulating later targets only where earlier ones left candidates standing."""
    rng = np.random.default_rng(4)
    targets = {"dep_point": 1.0, "cbp_prevalence": 1.0, "hicp_share": 1.0, "dep_bimodal": 1.0}
    unit = rng.random((40, 3))
    value = np.array([TARGETS_BY_ID[t].value for t in targets])
    sd = np.array([posterior.observation_sd(t) for t in targets])
    # smooth responses that cross each target's value inside the cube, so the cut-off splits it
    means = value + sd * np.column_stack([30 * (unit[:, 0] - 0.5), 30 * (unit[:, 1] - 0.4),
                                          20 * (unit[:, 0] + unit[:, 2] - 1), 20 * (unit[:, 2] - 0.6)])
    settings = posterior.Settings(ignore_worst=ignore_worst)
    em = posterior.Emulators(unit, means, settings, targets, seed=0)
    cand = rng.random((3_000, 3))
    expected = em.score(cand) <= 3.0
    assert 0.01 < expected.mean() < 0.95  # the cut-off splits the candidates: the test can fail
    np.testing.assert_array_equal(em.not_ruled_out(cand, 3.0), expected)
