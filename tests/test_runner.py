"""The experiment runner: common random numbers, resumable store, failures, executors."""

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from conftest import small
from sim import InputError, Scenario, simulate
from sim.studies.analysis import summarise
from sim.core.engine import Engine
from sim.running.outputs import DailyTable
from sim.running.runner import run_experiment

ROOT = Path(__file__).resolve().parent.parent


def arms(n=400, days=30):
    base = small(n_agents=n, days=days)
    return {"baseline": base,
            "exercise": base.replace(interventions=[{"kind": "exercise"}]),
            "no_pain_to_mood": base.replace(disabled_rules=["pain_to_mood"])}


def test_fork_equals_a_fresh_engine():
    base = small(n_agents=300, days=25)
    arm = base.replace(interventions=[{"kind": "medication", "eligibility": "all"}])
    a, b = Engine(arm, 9), Engine(base, 9).fork(arm)
    (ta,), (tb,) = a.run(25, DailyTable()), b.run(25, DailyTable())
    assert ta.rows == tb.rows


def test_arm_tables_equal_plain_simulate(tmp_path):
    result = run_experiment(arms(), seeds=[3], out=tmp_path, progress=False)
    wide = result.wide()
    for name, scenario in arms().items():
        daily = simulate(scenario, seed=3).daily
        mine = wide[wide["arm"] == name].set_index("day")
        for col in ("pain_nrs_mean", "phq9_mean", "chronic_pain", "depression"):
            np.testing.assert_array_equal(mine[col].to_numpy(), daily[col].to_numpy(), err_msg=f"{name} {col}")


def test_store_layout_and_manifest(tmp_path):
    result = run_experiment(arms(), seeds=2, out=tmp_path, progress=False)
    assert (tmp_path / "results.parquet").exists()
    assert sorted(p.name for p in (tmp_path / "jobs").iterdir()) == sorted(
        f"{a}__s{s}.parquet" for a in arms() for s in (0, 1))
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["seeds"] == [0, 1] and set(manifest["arms"]) == set(arms())
    assert Scenario.from_toml(tmp_path / "arms" / "exercise.toml") == arms()["exercise"]
    assert list(result.table.columns) == ["arm", "seed", "day", "metric", "value"]
    assert not result.failed


def test_rerun_resumes_and_duplicates_nothing(tmp_path):
    first = run_experiment(arms(), seeds=[0], out=tmp_path, progress=False)
    stamp = (tmp_path / "jobs" / "baseline__s0.parquet").stat().st_mtime_ns
    more = run_experiment(arms(), seeds=[0, 1], out=tmp_path, progress=False)
    assert (tmp_path / "jobs" / "baseline__s0.parquet").stat().st_mtime_ns == stamp
    assert len(more.table) == 2 * len(first.table)
    assert not more.table.duplicated(["arm", "seed", "day", "metric"]).any()


def test_processes_executor_equals_serial(tmp_path):
    a = run_experiment(arms(), seeds=2, out=tmp_path / "a", progress=False)
    b = run_experiment(arms(), seeds=2, out=tmp_path / "b", executor="processes", max_workers=2, progress=False)
    key = ["arm", "seed", "day", "metric"]
    pd.testing.assert_frame_equal(a.table.sort_values(key).reset_index(drop=True),
                                  b.table.sort_values(key).reset_index(drop=True))


def test_a_failing_job_is_reported_and_loses_nothing(tmp_path, monkeypatch):
    import sim.running.runner as runner

    real = runner.run_arm

    def flaky(engine, arm, seed, *rest, **options):
        if arm == "exercise" and seed == 1:
            raise RuntimeError("boom")
        return real(engine, arm, seed, *rest, **options)

    monkeypatch.setattr(runner, "run_arm", flaky)
    result = run_experiment(arms(), seeds=2, out=tmp_path, progress=False)
    assert [(f["arm"], f["seed"]) for f in result.failed] == [("exercise", 1)]
    assert "boom" in result.failed[0]["error"]
    assert len(list((tmp_path / "jobs").glob("*.parquet"))) == 5
    assert json.loads((tmp_path / "manifest.json").read_text())["failed"][0]["arm"] == "exercise"
    monkeypatch.setattr(runner, "run_arm", real)
    again = run_experiment(arms(), seeds=2, out=tmp_path, progress=False)
    assert not again.failed and len(list((tmp_path / "jobs").glob("*.parquet"))) == 6


@pytest.mark.slow
def test_a_killed_run_resumes_to_the_same_table(tmp_path):
    script = tmp_path / "run.py"
    script.write_text(textwrap.dedent("""
        import sys
        from test_runner import arms
        from sim.running.runner import run_experiment
        run_experiment(arms(n=1500, days=60), seeds=4, out=sys.argv[1], progress=False)
    """))
    killed = tmp_path / "killed"
    # the child finds this checkout's package and these tests the ordinary way, through PYTHONPATH
    path = os.pathsep.join([str(ROOT), str(ROOT / "tests"), os.environ.get("PYTHONPATH", "")])
    proc = subprocess.Popen([sys.executable, str(script), str(killed)], env={**os.environ, "PYTHONPATH": path})
    deadline = time.time() + 300
    while time.time() < deadline and len(list((killed / "jobs").glob("*.parquet"))) < 3:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    done = sorted(p.name for p in (killed / "jobs").glob("*.parquet"))
    assert 3 <= len(done) < 12, done
    for p in (killed / "jobs").glob("*.parquet"):
        pd.read_parquet(p)  # every visible job file is whole
    assert not (killed / "results.parquet").exists()
    resumed = run_experiment(arms(n=1500, days=60), seeds=4, out=killed, progress=False)
    whole = run_experiment(arms(n=1500, days=60), seeds=4, out=tmp_path / "whole", progress=False)
    key = ["arm", "seed", "day", "metric"]
    pd.testing.assert_frame_equal(resumed.table.sort_values(key).reset_index(drop=True),
                                  whole.table.sort_values(key).reset_index(drop=True))


def test_paired_differences_and_intervals(tmp_path):
    base = small(n_agents=1500, days=90)
    result = run_experiment({"baseline": base,
                             "same": base.replace(interventions=[{"kind": "cbt", "coverage": 0.0}]),
                             "exercise": base.replace(interventions=[{"kind": "exercise"}])},
                            seeds=3, out=tmp_path, progress=False)
    s = summarise(result.table, weeks=(12,), n_agents=1500)
    same = s[s["arm"] == "same"]
    assert (same["diff"] == 0).all() and (same["diff_lo"] == 0).all()
    pain = s[(s["arm"] == "exercise") & (s["outcome"] == "cohort_pain_nrs_mean")].iloc[0]
    assert pain["diff_hi"] < 0 and pain["diff_lo"] <= pain["diff"] <= pain["diff_hi"]
    assert pain["sessions"] > 0 and pain["reached"] > 0


@pytest.mark.parametrize("kwargs, message", [
    ({"arms": {}}, "non-empty mapping"),
    ({"arms": {"bad name": Scenario()}}, "arm name 'bad name'"),
    ({"arms": {"a": {"n_agents": 3}}}, "arm 'a' must be a Scenario"),
    ({"seeds": [1, 1]}, "repeats a seed"),
    ({"seeds": [-1]}, r"seed = -1 is outside the allowed range \[0, inf\]"),
    ({"executor": "gpu"}, "executor = 'gpu'"),
    ({"cohort": "sad"}, "cohort = 'sad'"),
    ({"metrics": "cohort_*"}, "metrics = 'cohort_\\*' must be a list"),
    ({"metrics": ["cohort_*", ""]}, "must be non-empty metric names"),
])
def test_bad_runner_input(tmp_path, kwargs, message):
    spec = {"arms": {"baseline": small()}, "seeds": 1, "out": tmp_path, "progress": False}
    spec.update(kwargs)
    with pytest.raises(InputError, match=message):
        run_experiment(**spec)
    assert not (tmp_path / "jobs").exists()


def test_folder_of_another_experiment_is_refused(tmp_path):
    run_experiment({"baseline": small()}, seeds=1, out=tmp_path, progress=False)
    with pytest.raises(InputError, match=r"other settings \(arm 'baseline': n_agents 300 there, 301 here\); use --overwrite"):
        run_experiment({"baseline": small(n_agents=301)}, seeds=1, out=tmp_path, progress=False)


def test_unwritable_folder_is_refused(tmp_path):
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder")  # even root cannot make a folder inside a file
    with pytest.raises(InputError, match="output folder '.*a_file/x' is not writable"):
        run_experiment({"baseline": small()}, seeds=1, out=blocker / "x", progress=False)


def test_keeping_some_metrics_keeps_exactly_those_values_and_the_store_says_so(tmp_path):
    """``metrics`` keeps the matching metrics with the values a full run records (bit for bit),
    skips the daily row's parts none of them needs, and binds the store: a folder made keeping
    everything is refused for a run keeping less, with what differs."""
    from sim.running.outputs import PARTS

    full = run_experiment(arms(), seeds=1, out=tmp_path / "full", progress=False).table
    kept = ("cohort_utility_mean", "chronic_pain", "*_sessions")
    lean = run_experiment(arms(), seeds=1, out=tmp_path / "lean", progress=False, metrics=kept).table
    names = set(lean["metric"].astype(str))
    assert names == {"cohort_utility_mean", "chronic_pain", "exercise_sessions"}
    index = ["arm", "seed", "day", "metric"]
    mine = lean.assign(metric=lean["metric"].astype(str), arm=lean["arm"].astype(str)).set_index(index)["value"]
    theirs = full.assign(metric=full["metric"].astype(str), arm=full["arm"].astype(str)).set_index(index)["value"]
    np.testing.assert_array_equal(mine.to_numpy(), theirs.loc[mine.index].to_numpy())
    assert json.loads((tmp_path / "lean" / "manifest.json").read_text())["metrics"] == list(kept)
    engine = Engine(small(n_agents=300, days=3), 1)
    (table,) = engine.run(3, DailyTable(("utility_mean", "*_p50")))
    assert table.parts == ("summaries",) and set(table.rows[-1]) == {"day", "utility_mean", "pain_nrs_p50",
                                                                     "phq9_p50", "activity_min_week_p50",
                                                                     "sleep_psqi_p50", "crp_mg_l_p50"}
    assert DailyTable().parts == PARTS
    with pytest.raises(InputError, match=r"metrics kept all there, \['chronic_pain'\] here"):
        run_experiment(arms(), seeds=1, out=tmp_path / "full", progress=False, metrics=["chronic_pain"])
