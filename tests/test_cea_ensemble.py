"""Cost-effectiveness over the parameter ensemble (issue 15 item 4: `painloop cea --ensemble N`):
each parameter draw, averaged over the seeds, is one sample of the CE plane, the CEAC and EVPI.

Most tests use made-up daily tables (as tests/test_economics.py) whose draws differ in a known
way; one runs the model to check that each draw's costs and QALYs are those of its solo run, and
one runs `painloop cea --ensemble` end to end on a small town."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim import Scenario
from sim.core.errors import InputError
from sim.running import ensemble
from sim.studies.economics.cea import acceptability, draw_means, evpi, incremental_table_ensemble
from sim.studies.economics.costs import UnitCosts
from sim.studies.economics.study import Settings, analyse
from tests.conftest import assert_same_table
from tests.test_economics import ARMS, DAYS, made_up_metrics, made_up_run
from tests.test_ensemble import toy_file

SEEDS = 3
GAINS = {"baseline": (0.0, 0.0, 0.0), "exercise": (0.004, 0.010, 0.016), "both": (0.006, 0.012, 0.011)}
"""Utility gain of each arm in each of three made-up parameter draws: the arms' order moves with the draw."""
DRAWS = ({"cost_exercise_session_gbp": 42.0}, {"cost_exercise_session_gbp": 42.0},
         {"cost_exercise_session_gbp": 84.0})
"""The made-up draws' parameter sets: the third prices exercise sessions at twice the default."""


def made_up_ensemble(gains=GAINS, seeds=SEEDS) -> pd.DataFrame:
    """A long table like an ensemble run's (a ``draw`` column): per draw, arm and seed a utility
    that rises by the draw's gain, state shares that fall with it, and sessions that accumulate."""
    rng = np.random.default_rng(5)
    day = np.arange(DAYS + 1)
    rows = []
    for draw in range(len(next(iter(gains.values())))):
        for arm, by_draw in gains.items():
            gain = by_draw[draw]
            for s in range(seeds):
                metrics = made_up_metrics(arm, gain, day, rng)
                for name, values in metrics.items():
                    rows.append(pd.DataFrame({"draw": draw, "arm": arm, "seed": s, "day": day, "metric": name,
                                              "value": values}))
    long = pd.concat(rows, ignore_index=True)
    long["metric"] = long["metric"].astype("category")
    return long


@pytest.fixture(scope="module")
def long():
    return made_up_ensemble()


@pytest.fixture(scope="module")
def cea(long):
    return analyse(long, ARMS, Settings(horizons=(1, 2)), draws=DRAWS)


def test_the_ceac_over_draws_sums_to_one_and_counts_draws_not_seeds(cea):
    curve = cea.ceac
    assert np.allclose(curve.groupby(["horizon_years", "wtp"])["p_best"].sum(), 1.0)
    # three draws: every share is a count of draws out of three, not of the nine (draw, seed) runs
    assert np.allclose(curve["p_best"] * 3, np.round(curve["p_best"] * 3))
    # the acceptability frontier is one arm per threshold: the arm of the largest mean NMB
    assert (curve.groupby(["horizon_years", "wtp"])["expected_best"].sum() == 1).all()
    verdict = cea.verdicts.iloc[0]
    front = curve[(curve["horizon_years"] == verdict["horizon_years"]) & (curve["wtp"] == verdict["wtp"])
                  & curve["expected_best"]]
    assert front["arm"].item() == verdict["best"]


def test_evpi_over_draws_is_the_mean_of_the_best_less_the_best_of_the_means(cea):
    assert (cea.evpi["evpi_per_person"] >= 0).all()
    means = draw_means(cea.totals[cea.totals["horizon_years"] == 1].drop(columns="horizon_years"))
    w = 30_000.0
    nmb = (w * means["qalys"] - means["cost"]).to_numpy().reshape(-1)
    frame = means.assign(nmb=nmb).pivot(index="draw", columns="arm", values="nmb")
    expected = frame.max(axis=1).mean() - frame.mean().max()
    got = cea.evpi[(cea.evpi["horizon_years"] == 1) & (cea.evpi["wtp"] == w)]["evpi_per_person"].item()
    assert got == pytest.approx(expected, rel=1e-12) and got > 0  # the arms' order moves with the draw
    assert cea.evpi["evpi_population"].iloc[0] == pytest.approx(
        cea.evpi["evpi_per_person"].iloc[0] * 100_000 * 200 / 1000)


def test_evppi_of_the_one_varied_parameter_is_at_most_the_evpi(cea):
    # the made-up draws vary one parameter (the exercise session price, 42, 42, 84): it tells draw 2
    # from draws 0 and 1 and no more, so it is worth at most what perfect information is worth
    assert set(cea.evppi["parameter"]) == {"cost_exercise_session_gbp"}
    assert len(cea.evppi) == 2 * 2  # two horizons x two thresholds
    assert ((cea.evppi["evppi_per_person"] >= 0)
            & (cea.evppi["evppi_per_person"] <= cea.evppi["evpi_per_person"] + 1e-9)).all()
    joined = cea.evppi.merge(cea.evpi, on=["horizon_years", "wtp"])
    assert np.allclose(joined["evpi_per_person_x"], joined["evpi_per_person_y"], rtol=1e-9)


def test_evpi_is_zero_when_one_arm_wins_in_every_draw():
    totals = pd.DataFrame({"arm": ["a", "b"] * 6, "draw": np.repeat([0, 1, 2], 4), "seed": [0, 0, 1, 1] * 3,
                           "qalys": [1.0, 2.0, 1.1, 2.5, 0.9, 1.5, 1.0, 1.8, 1.2, 3.0, 1.0, 2.0],
                           "cost": [0.0, 10.0] * 6})
    means = draw_means(totals)
    assert (evpi(means, [100.0], by="draw")["evpi_per_person"] == 0.0).all()
    assert acceptability(means, [100.0], by="draw").set_index("arm").loc["b", "p_best"] == 1.0
    # with perfect information the decision changes in some draw: then EVPI > 0
    swapped = totals.assign(qalys=np.where((totals["draw"] == 2) & (totals["arm"] == "b"), 0.5, totals["qalys"]))
    assert evpi(draw_means(swapped), [100.0], by="draw")["evpi_per_person"].item() > 0


def test_each_draw_is_priced_under_its_own_parameter_set(cea):
    one = cea.totals[(cea.totals["horizon_years"] == 1) & (cea.totals["arm"] == "exercise")]
    cost = one.groupby("draw")["cost_interventions"].mean()
    # draws 0 and 1 have the same prices and deliveries; draw 2 pays twice per session (starts unchanged)
    assert cost[0] == pytest.approx(cost[1], rel=1e-12)
    assert cost[0] < cost[2] < 2 * cost[0]


def test_the_table_keeps_parameter_and_seed_uncertainty_apart(cea):
    table = cea.table
    for key in ("d_cost", "d_qalys"):
        assert {f"{key}_param_lo", f"{key}_param_hi", f"{key}_noise_lo", f"{key}_noise_hi"} <= set(table)
        assert f"{key}_lo" not in table  # no interval that mixes the two
    assert (table["n_draws"] == 3).all() and (table["n_seeds"] == SEEDS).all()
    base = table[table["arm"] == "baseline"]
    assert np.allclose(base[["d_cost", "d_qalys", "d_qalys_param_lo", "d_qalys_param_hi"]], 0.0)
    arms = table[table["arm"] != "baseline"]
    assert ((arms["d_qalys_param_lo"] <= arms["d_qalys"]) & (arms["d_qalys"] <= arms["d_qalys_param_hi"])).all()
    assert ((arms["d_qalys_noise_lo"] <= arms["d_qalys"]) & (arms["d_qalys"] <= arms["d_qalys_noise_hi"])).all()
    # the draws' spread of the QALY gain (0.004-0.016 a year) is far wider than the seeds' noise
    one = arms[(arms["horizon_years"] == 1) & (arms["arm"] == "exercise")].iloc[0]
    assert one["d_qalys_param_hi"] - one["d_qalys_param_lo"] > 5 * (one["d_qalys_noise_hi"] - one["d_qalys_noise_lo"])
    # the means are over draws of the seed-means
    tot = cea.totals[(cea.totals["horizon_years"] == 1) & (cea.totals["arm"] == "exercise")]
    assert one["qalys"] == pytest.approx(tot.groupby("draw")["qalys"].mean().mean(), rel=1e-12)
    assert ((table["p_frontier"] >= 0) & (table["p_frontier"] <= 1)).all()


def test_a_dominated_arm_gets_no_icer_over_the_ensemble():
    # c costs more than b and gains less in every draw: dominated in each draw and in the means
    totals = pd.DataFrame({"arm": ["a", "b", "c"] * 4, "draw": np.repeat([0, 1], 6), "seed": [0, 0, 0, 1, 1, 1] * 2,
                           "qalys": [1.0, 1.3, 1.2, 1.0, 1.4, 1.1, 1.0, 1.5, 1.4, 1.0, 1.6, 1.3],
                           "cost": [0.0, 100.0, 150.0] * 4}).assign(
        cost_interventions=0.0, cost_background=0.0, cost_productivity=0.0)
    table = incremental_table_ensemble(totals, comparator="a").set_index("arm")
    assert table.loc["c", "status"] == "dominated" and np.isnan(table.loc["c", "icer"])
    assert table.loc["c", "p_frontier"] == 0.0 and table.loc["a", "p_frontier"] == 1.0
    assert table.loc["b", "icer"] == pytest.approx(100.0 / 0.45)  # b gains 1.45 - 1.0 on average


def test_an_ensemble_table_needs_its_draws_and_a_plain_one_none(long):
    with pytest.raises(ValueError, match="analysed with draws="):
        analyse(long, ARMS, Settings(horizons=(1,)))
    with pytest.raises(ValueError, match="only 2 parameter sets"):
        analyse(long, ARMS, Settings(horizons=(1,)), draws=DRAWS[:2])
    with pytest.raises(ValueError, match="not an ensemble run"):
        analyse(made_up_run(seeds=2), ARMS, Settings(horizons=(1,)), draws=DRAWS)


# ---- the seeds-only report has not moved ------------------------------------------------------

BEFORE = Path(__file__).parent / "data" / "cea_seeds_only_made_up.csv"
"""The table of `analyse` on tests/test_economics.py's made-up run (1 and 2 years, GBP, societal)
priced with :data:`FROZEN_COSTS`, as the code before `--ensemble` wrote it (commit bcc0c96): a
made-up input and fixed prices, so neither a change of the model nor of the cost table moves it,
only a change of the analysis (compared to the last bits a CPU may round differently)."""
FROZEN_COSTS = UnitCosts("gbp", {"exercise": 42.0, "medication": 0.9}, {"exercise": 40.0, "medication": 12.0},
                         {"chronic_pain": 1000.0, "depression": 2000.0, "comorbid": 3500.0},
                         {"chronic_pain": 0.05, "depression": 0.1, "comorbid": 0.2}, 100.0, 0.0)


def test_without_an_ensemble_the_table_is_the_one_before_it(tmp_path):
    table = analyse(made_up_run(), ARMS, Settings(horizons=(1, 2), perspective="societal"), FROZEN_COSTS).table
    table.to_csv(tmp_path / "cea.csv", index=False)
    assert_same_table(pd.read_csv(tmp_path / "cea.csv"), pd.read_csv(BEFORE), "cea table")


# ---- the model: each draw is its own run ------------------------------------------------------

def test_each_draws_costs_and_qalys_are_those_of_its_solo_run(tmp_path):
    """An ensemble run priced per draw equals, draw by draw, a plain run of that parameter set
    (Scenario overrides), bit for bit."""
    from sim.running.runner import ensemble_draws, run_experiment
    from sim.studies.economics.costs import METRICS

    path = toy_file(tmp_path / "e.csv")
    base = Scenario(n_agents=300, burn_in_days=60, days=365)
    arms = {"baseline": base, "exercise": base.replace(interventions=[{"kind": "exercise"}]),
            "cbt": base.replace(interventions=[{"kind": "cbt"}])}
    chosen = Settings(horizons=(1,))
    result = run_experiment(arms, seeds=2, out=tmp_path / "ens", ensemble=3, ensemble_file=path, progress=False,
                            metrics=METRICS)
    draws = ensemble_draws(3, path)
    cea = analyse(result.table, arms, chosen, draws=draws)
    assert len({tuple(sorted(d.items())) for d in draws}) == 3
    per_draw = cea.totals.groupby("draw")["qalys"].mean()
    assert per_draw.nunique() == 3  # the draws move the QALYs
    for d in (0, 2):
        alone = {name: s.replace(**draws[d]) for name, s in arms.items()}
        solo = run_experiment(alone, seeds=2, out=tmp_path / f"solo{d}", progress=False, metrics=METRICS)
        expected = analyse(solo.table, alone, chosen).totals
        mine = cea.totals[cea.totals["draw"] == d].drop(columns="draw").reset_index(drop=True)
        pd.testing.assert_frame_equal(mine, expected, check_exact=True)


# ---- the command -----------------------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.one_python  # the command's plumbing; its calls (analysis, figures, draws) run on each Python
# in the fast tests of this file
def test_cea_ensemble_writes_a_report_over_draws(tmp_path, capsys):
    from sim.cli import main

    path = toy_file(tmp_path / "e.csv")
    town = tmp_path / "town.toml"
    town.write_text("n_agents = 300\nburn_in_days = 60\n")
    out = tmp_path / "cea"
    code = main(["cea", str(town), "--seeds", "2", "--horizon-years", "1", "--serial", "--quiet",
                 "--ensemble", "3", "--ensemble-file", str(path), "--out", str(out)])
    assert code == 0
    printed = capsys.readouterr().out
    assert "3 parameter draws" in printed and "% of draws)" in printed
    table = pd.read_csv(out / "cea.csv")
    assert table["arm"].nunique() == 12 and (table["n_draws"] == 3).all()
    assert table.loc[table["status"] != "frontier", "icer"].isna().all()
    text = (out / "cea.md").read_text()
    for phrase in ("--ensemble 3", "over parameters and seeds", "3 draws (3 distinct parameter sets of 3 varied",
                   "EVPI over parameter draws", "of draws)", "on the frontier (share of draws)"):
        assert phrase in text, phrase
    assert "over seeds only" not in text
    assert all((out / f).stat().st_size > 10_000 for f in ("ce_plane.png", "ceac.png", "frontier.png"))


def test_cea_ensemble_is_refused_before_anything_runs(tmp_path, monkeypatch, capsys):
    from sim.cli import main

    monkeypatch.setattr(ensemble, "ENSEMBLE_PATH", tmp_path / "absent.csv")
    for args, message in ((["--ensemble", "5"], "no parameter ensemble is shipped yet"),
                          (["--ensemble", "0", "--ensemble-file", str(toy_file(tmp_path / "e.csv"))],
                           "ensemble (draws) = 0"),
                          (["--ensemble-file", str(tmp_path / "e.csv")], "needs ensemble=N")):
        out = tmp_path / "c"
        code = main(["cea", "--agents", "300", "--quick", "--quiet", "--out", str(out), *args])
        err = capsys.readouterr().err
        assert code == 2 and message in err and err.count("\n") == 1, (args, err)
        assert not out.exists()  # refused before anything was written
    from sim.studies.economics.study import cost_effectiveness

    with pytest.raises(InputError, match="experiments/posterior.py --write"):
        cost_effectiveness(Scenario(n_agents=300), out=tmp_path / "api", ensemble=5, progress=False)
    assert not (tmp_path / "api").exists()
