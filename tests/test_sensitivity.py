"""Global sensitivity analysis: ranges, SALib wrappers on functions with known answers, the model
function against the experiment runner, and the study's command line end to end on a tiny
configuration (in process, and once as the script in ``experiments/``)."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim import InputError, Scenario
from sim.studies.analysis import summarise
from sim.core.parameters import PARAMS
from sim.running.runner import run_experiment
from sim.running.scripts import main
from sim.studies.sensitivity import (GROUPS, OUTPUTS, Factor, ModelRunner, Setting, evaluate, factors, morris,
                                     rank_agreement, run, sobol, top_factors)

ROOT = Path(__file__).resolve().parent.parent
TINY = dict(n_agents=400, burn_in_days=200)


def unit_factors(k):
    """k factors on [0, 1] (built by hand: the synthetic models below need no parameter table)."""
    return [Factor(f"x{i}", "rules", 0.5, 0.0, 1.0, False) for i in range(k)]


# ---- ranges -----------------------------------------------------------------------------------------


def test_all_model_groups_and_ranges():
    fs = factors()
    assert {f.group for f in fs} == set(GROUPS)
    assert not any(PARAMS[f.name].group in ("run", "scales") for f in fs)
    assert [f.name for f in fs if f.group == "interventions"] == ["exercise_effect"]
    for f in fs:
        p = PARAMS[f.name]
        assert p.low <= f.low < f.default < f.high <= p.high, f.name
        if f.name.endswith("_bias"):
            assert f.high - f.default == pytest.approx(0.5) or f.high == p.high
        else:
            assert f.high - f.default == pytest.approx(0.25 * abs(f.default)) or f.high == p.high
    # the slow mood drift is off in the defaults, so it and its time are not varied (unless named
    # or switched on at the base)
    assert not {"mood_drift_sd", "mood_drift_tau_days"} & {f.name for f in fs}
    drift_on = {f.name: f for f in factors(base=Scenario(mood_drift_sd=0.4))}
    assert drift_on["mood_drift_sd"].low == pytest.approx(0.3) and "mood_drift_tau_days" in drift_on
    degree = next(f for f in fs if f.name == "network_mean_degree")
    assert degree.integer and isinstance(degree.value(8.3), int) and degree.value(100) == int(round(degree.high))


def test_ranges_centre_on_a_given_scenario_and_clip():
    fs = factors(["network_rewire_prob", "pain_bias"], fraction=1.0, bias_halfwidth=2.0,
                 base=Scenario(network_rewire_prob=0.8, pain_bias=-9.5))
    rewire, bias = fs
    assert (rewire.low, rewire.high) == (0.0, 1.0)  # 0.8 +- 0.8 clipped to [0, 1]
    assert (bias.low, bias.high) == (-10.0, -7.5)


@pytest.mark.parametrize("kwargs, words", [
    (dict(names=["pain_bais", "pain_bias"]), "pain_bais"),
    (dict(names=["n_agents", "pain_bias"]), "n_agents"),
    (dict(groups=["scales"]), "scales"),
    (dict(names=["pain_bias"]), "at least 2"),
    (dict(fraction=0.0), "fraction"),
    (dict(bias_halfwidth=-1), "bias_halfwidth"),
])
def test_bad_factor_input_names_key_and_value(kwargs, words):
    with pytest.raises(InputError, match=words):
        factors(**kwargs)


def test_bad_design_sizes():
    fs = unit_factors(2)
    with pytest.raises(InputError, match="power of two.*64"):
        sobol(lambda X, **_: np.zeros((len(X), 2)), fs, 48, seed=1)
    with pytest.raises(InputError, match="trajectories"):
        morris(lambda X, **_: np.zeros((len(X), 2)), fs, 1, seed=1)
    with pytest.raises(InputError, match="seeds"):
        Setting(seeds=())
    with pytest.raises(InputError, match="n_agents"):
        Setting(n_agents=0)


# ---- SALib wrappers on models with known answers ---------------------------------------------------------


def test_morris_ranks_a_known_function_and_drops_broken_trajectories():
    fs = unit_factors(4)

    def model(X, **_):
        y0 = 10 * X[:, 0] + X[:, 1]                   # x0 dominates, x2 and x3 do nothing
        y1 = X[:, 0] * X[:, 2] * 4                    # pure interaction: sigma > 0
        y1 = np.where(X[:, 3] > 0.9, np.nan, y1)      # "no cohort" in a corner of the space
        return np.column_stack([y0, y1])

    stage = morris(model, fs, trajectories=12, seed=3)
    t = stage.table.set_index(["output", "parameter"])
    a, b = OUTPUTS
    assert t.loc[(a, "x0"), "rank"] == 1 and t.loc[(a, "x1"), "rank"] == 2
    assert t.loc[(a, "x0"), "mu_star"] == pytest.approx(10) and t.loc[(a, "x1"), "mu_star"] == pytest.approx(1)
    assert t.loc[(a, "x2"), "mu_star"] == 0 and t.loc[(a, "x3"), "mu_star"] == 0
    assert t.loc[(b, "x0"), "sigma"] > 0 and t.loc[(b, "x1"), "mu_star"] == 0
    assert stage.dropped[a] == 0 and 0 < stage.dropped[b] < 12
    assert top_factors(stage.table, 2)[a] == ["x0", "x1"]


def test_sobol_indices_of_a_linear_function():
    fs = unit_factors(3)

    def model(X, **_):  # Var = 4/12 + 1/12: S1 = 0.8, 0.2, 0; no interactions, so ST = S1
        return np.column_stack([2 * X[:, 0] + X[:, 1], X[:, 2] - X[:, 0]])

    t = sobol(model, fs, 1024, seed=5).table.set_index(["output", "parameter"])
    a, b = OUTPUTS
    for name, expected in (("x0", 0.8), ("x1", 0.2), ("x2", 0.0)):
        assert t.loc[(a, name), "S1"] == pytest.approx(expected, abs=0.03)
        assert t.loc[(a, name), "ST"] == pytest.approx(expected, abs=0.03)
    assert t.loc[(b, "x0"), "S1"] == pytest.approx(0.5, abs=0.03)


def test_rank_agreement():
    base = pd.DataFrame({"output": "y", "parameter": list("abcd"), "mu_star": [4.0, 3, 2, 1]})
    same = rank_agreement(base, base.assign(mu_star=base["mu_star"] * 2), 2).iloc[0]
    assert same["spearman_mu_star"] == pytest.approx(1) and same["shared_top_k"] == 2 and same["top1_same"]
    flipped = rank_agreement(base, base.assign(mu_star=base["mu_star"][::-1].to_numpy()), 2).iloc[0]
    assert flipped["spearman_mu_star"] == pytest.approx(-1) and flipped["shared_top_k"] == 0
    assert flipped["reference_top_k_in_top_2k"] == 2 and not flipped["top1_same"]


# ---- the model function --------------------------------------------------------------------------------


def test_evaluate_equals_the_experiment_runner(tmp_path):
    """The shortcut (one burn-in, an exercise fork) gives what run_experiment + summarise give."""
    setting = Setting(seeds=(0, 1), weeks=4, **TINY)
    values = {"injury_rate_per_year": 0.4, "pain_to_mood_weight": 0.5}
    got = evaluate(values, setting)
    base = setting.scenario(values)
    arms = {"baseline": base, "exercise": base.replace(interventions=[{"kind": "exercise"}])}
    table = run_experiment(arms, seeds=[0, 1], out=tmp_path, progress=False).table
    effect = summarise(table, weeks=(4,)).set_index(["arm", "outcome"]).loc[("exercise", "cohort_pain_nrs_mean"), "diff"]
    comorbid = table[(table["arm"] == "baseline") & (table["metric"] == "comorbid")]
    assert got[1] == pytest.approx(effect, abs=1e-12) and got[1] < 0
    assert got[0] == pytest.approx(100 * comorbid.groupby("seed")["value"].mean().mean(), abs=1e-12)


def test_morris_on_the_model_gives_output_only_parameters_exactly_zero(tmp_path):
    """crp_* only convert inflammation to mg/L; with common random numbers their elementary
    effects are exactly zero, while the injury rate moves both outputs. Rerunning resumes from
    the cache without running the model again."""
    fs = factors(["injury_rate_per_year", "crp_median_mg_l", "crp_log_sd"], fraction=0.5)
    runner = ModelRunner(fs, Setting(**TINY), workers=1, progress=False)
    cache = tmp_path / "morris.npz"
    stage = morris(runner, fs, trajectories=3, seed=11, cache=cache)
    t = stage.table.set_index(["output", "parameter"])["mu_star"]
    for output in OUTPUTS:
        assert t[(output, "crp_median_mg_l")] == 0 and t[(output, "crp_log_sd")] == 0
        assert t[(output, "injury_rate_per_year")] > 0
    assert runner.evaluations == 12
    spent = runner.cpu_seconds
    resumed = ModelRunner(fs, Setting(**TINY), workers=1, progress=False)
    again = morris(resumed, fs, trajectories=3, seed=11, cache=cache)
    assert resumed.evaluations == 0 and np.array_equal(again.Y, stage.Y)
    # the cached rows keep what they cost when they were run, for the report's run times
    assert resumed.cpu_seconds == 0 and resumed.cached_cpu_seconds == pytest.approx(spent)
    assert resumed.cached_seconds > 0


# ---- the command line ----------------------------------------------------------------------------------


def test_command_writes_tables_figures_and_summary(tmp_path):
    out = tmp_path / "gsa"
    result = run(["--quick", "--params", "injury_rate_per_year,exercise_effect,crp_median_mg_l",
                         "--agents", "300", "--burn-in-days", "150", "--screen-burn-in-days", "100",
                         "--check-burn-in", "--trajectories", "2", "--top", "1", "--sobol-n", "4", "--serial",
                         "--quiet", "--out", str(out)])
    for name in ("factors.csv", "defaults.csv", "morris.csv", "sobol.csv", "burn_in_check.csv", "morris.png",
                 "sobol.png", "sensitivity.md", "runs/morris.npz", "runs/sobol.npz"):
        assert (out / name).exists(), name
    morris_table = pd.read_csv(out / "morris.csv")
    assert len(morris_table) == 3 * len(OUTPUTS)
    assert set(morris_table["group"]) == {"shocks", "interventions", "baseline"}
    sobol_table = pd.read_csv(out / "sobol.csv")
    chosen = set(sobol_table["parameter"])
    assert {p for top in result["top"].values() for p in top} <= chosen and len(chosen) == 2
    assert "crp_median_mg_l" not in chosen  # it has no effect, so it is never screened in
    text = (out / "sensitivity.md").read_text()
    assert "Morris screening" in text and "Sobol'" in text
    assert "`crp_median_mg_l` on comorbid_pct and exercise_effect_nrs" in text
    assert "`exercise_effect` on comorbid_pct;" in text or "`exercise_effect` on comorbid_pct." in text
    # the report's command line reproduces the numbers anywhere: it leaves out where the files went
    assert "--sobol-n 4 --serial --quiet`" in text and str(out) not in text
    assert not list(out.glob(".painloop-tmp-*"))


@pytest.mark.parametrize("args, words", [
    (["--params", "pain_bias,no_such_param"], "no_such_param"),
    (["--sobol-n", "48"], "48"),
    (["--groups", "run"], "'run'"),
    (["--agents", "-5"], "--agents = -5 is outside the allowed range [1, inf]"),  # names the option typed
])
def test_bad_input_exits_2_with_one_line_and_writes_nothing(tmp_path, monkeypatch, capsys, args, words):
    monkeypatch.chdir(tmp_path)
    assert main(run, [*args, "--quick", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert words in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "results").exists()


def test_command_line_exit_code(tmp_path):
    done = subprocess.run([sys.executable, str(ROOT / "experiments" / "sensitivity.py"), "--fraction", "2"],
                          capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert done.returncode == 2 and "fraction = 2.0" in done.stderr
