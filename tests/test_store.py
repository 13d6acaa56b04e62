"""The result store is bound to what made it; damaged files are set aside and rerun; a lost
worker costs only its jobs; a killed and resumed comparison equals an uninterrupted one."""

import json
import multiprocessing
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pandas as pd
import psutil
import pytest

from conftest import small
from sim import InputError
from sim.running.runner import run_experiment

ROOT = Path(__file__).resolve().parent.parent
KEY = ["arm", "seed", "day", "metric"]


def arms(n=300, days=20):
    base = small(n_agents=n, days=days)
    return {"baseline": base, "exercise": base.replace(interventions=[{"kind": "exercise"}])}


def same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(a.sort_values(KEY).reset_index(drop=True),
                                  b.sort_values(KEY).reset_index(drop=True))


def test_jobs_made_with_other_settings_are_never_reused(tmp_path):
    # A run killed before its manifest was written left 300-person jobs; the rerun asks for 301.
    run_experiment(arms(n=300), seeds=2, out=tmp_path / "store", progress=False)
    (tmp_path / "store" / "manifest.json").unlink()
    rerun = run_experiment(arms(n=301), seeds=2, out=tmp_path / "store", progress=False)
    fresh = run_experiment(arms(n=301), seeds=2, out=tmp_path / "fresh", progress=False)
    same(rerun.table, fresh.table)
    assert len(rerun.set_aside) == 4
    assert all(item["reason"].startswith("made with other settings") for item in rerun.set_aside)
    assert len(list((tmp_path / "store" / "set_aside").iterdir())) == 4


def test_the_manifest_is_written_before_the_first_job(tmp_path, monkeypatch):
    import sim.running.runner as runner

    real, seen = runner.run_arm, []

    def watched(engine, arm, seed, *rest, **options):
        manifest = json.loads((tmp_path / "manifest.json").read_text())
        seen.append(sorted(manifest["arms"]))
        return real(engine, arm, seed, *rest, **options)

    monkeypatch.setattr(runner, "run_arm", watched)
    run_experiment(arms(), seeds=1, out=tmp_path, progress=False)
    assert seen and seen[0] == ["baseline", "exercise"]


def test_other_settings_are_refused_then_overwritten_on_request(tmp_path):
    run_experiment(arms(n=300), seeds=1, out=tmp_path, progress=False)
    with pytest.raises(InputError, match=r"arm 'exercise': n_agents 300 there, 301 here.*--overwrite"):
        run_experiment(arms(n=301), seeds=1, out=tmp_path, progress=False)
    again = run_experiment(arms(n=301), seeds=1, out=tmp_path, progress=False, overwrite=True)
    same(again.table, run_experiment(arms(n=301), seeds=1, out=tmp_path / "x", progress=False).table)


def test_a_second_run_into_a_busy_folder_is_refused(tmp_path):
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time\nfrom sim.running.files import folder_lock\n"
         "with folder_lock(sys.argv[1]):\n    print('held', flush=True)\n    time.sleep(60)\n",
         str(tmp_path)], stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(InputError, match=rf"is in use by another painloop run \(process {holder.pid}\)"):
            run_experiment(arms(), seeds=1, out=tmp_path, progress=False)
        assert not (tmp_path / "jobs").exists()
    finally:
        holder.kill()
        holder.wait()
    run_experiment(arms(), seeds=1, out=tmp_path, progress=False)  # a dead holder's lock is free


def test_damaged_job_files_and_manifest_are_set_aside_and_rerun(tmp_path):
    whole = run_experiment(arms(), seeds=2, out=tmp_path, progress=False)
    jobs = tmp_path / "jobs"
    data = (jobs / "baseline__s0.parquet").read_bytes()
    (jobs / "baseline__s0.parquet").write_bytes(data[: len(data) // 2])   # truncated
    (jobs / "exercise__s0.parquet").write_bytes(b"")                        # empty
    (jobs / "baseline__s1.parquet").write_bytes(b"PAR1 not really parquet")  # garbage
    text = (tmp_path / "manifest.json").read_text()
    (tmp_path / "manifest.json").write_text(text[: len(text) // 2])        # truncated
    again = run_experiment(arms(), seeds=2, out=tmp_path, progress=False)
    same(again.table, whole.table)
    moved = {item["file"]: item["reason"] for item in again.set_aside}
    assert set(moved) == {"manifest.json", "jobs/baseline__s0.parquet", "jobs/exercise__s0.parquet",
                          "jobs/baseline__s1.parquet"}
    assert all(reason.startswith("unreadable") for reason in moved.values())
    assert json.loads((tmp_path / "manifest.json").read_text())["set_aside"]
    assert len(list((tmp_path / "set_aside").iterdir())) == 4
    assert not again.failed and not run_experiment(arms(), seeds=2, out=tmp_path, progress=False).set_aside


def test_a_killed_worker_costs_only_its_jobs(tmp_path):
    killed = []

    def kill_one_worker():
        deadline = time.time() + 120
        while time.time() < deadline and not killed:
            workers = multiprocessing.active_children()
            if workers:
                time.sleep(0.2)  # let it start a job
                try:
                    os.kill(workers[0].pid, signal.SIGKILL)
                except ProcessLookupError:  # it ended meanwhile: try the next one seen
                    continue
                killed.append(workers[0].pid)
            time.sleep(0.05)

    killer = threading.Thread(target=kill_one_worker)
    killer.start()
    result = run_experiment(arms(n=1500, days=40), seeds=4, out=tmp_path / "a", executor="processes",
                            max_workers=2, progress=False)
    killer.join()
    assert killed, "no worker was seen"
    assert not result.failed, result.failed
    assert len(list((tmp_path / "a" / "jobs").glob("*.parquet"))) == 8
    same(result.table, run_experiment(arms(n=1500, days=40), seeds=4, out=tmp_path / "b",
                                      progress=False).table)


def test_the_summary_counts_the_seeds_it_holds(tmp_path, monkeypatch):
    import sim.running.runner as runner
    from sim.studies.compare import compare

    real = runner.run_arm

    def only_seed_0(engine, arm, seed, *rest, **options):
        if seed > 0:
            raise RuntimeError("lost")
        return real(engine, arm, seed, *rest, **options)

    monkeypatch.setattr(runner, "run_arm", only_seed_0)
    result = compare(small(n_agents=200, days=84), out=tmp_path, seeds=3, executor="serial", progress=False)
    assert len(result.failed) == 2 * len(result.summary["arm"].unique())
    title = (tmp_path / "headline.md").read_text().splitlines()[0]
    assert "200 people, 1 seed;" in title and "3 seeds" not in title


# ---- killed and resumed ---------------------------------------------------------------------

def _compare_command(out: Path, scenario: Path, executor: str) -> list[str]:
    return [sys.executable, "-m", "sim.cli", "compare", str(scenario), "--days", "84", "--seeds", "3",
            "--executor", executor, "--quiet", "--out", str(out)]


OUTPUTS = ("results.parquet", "summary.csv", "headline.md", "forest.png", "arms_over_time.png")


@pytest.mark.slow
# On a second Python (.ci/run) only the process pool: it makes every call the serial case makes on
# the interpreter (a SIGKILL mid-run, resuming from the job files, the same bytes out) and adds
# the worker processes; what the serial case adds is the store's own logic, the same on any Python.
@pytest.mark.parametrize("executor", [pytest.param("serial", marks=pytest.mark.one_python), "processes"])
def test_a_killed_and_resumed_compare_is_byte_identical(tmp_path, executor):
    scenario = tmp_path / "small.toml"
    scenario.write_text("n_agents = 300\nburn_in_days = 200\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    killed = tmp_path / "killed"
    proc = subprocess.Popen(_compare_command(killed, scenario, executor), env=env,
                            stdout=subprocess.DEVNULL)
    deadline = time.time() + 600
    while time.time() < deadline and len(list((killed / "jobs").glob("*.parquet"))) < 17:
        time.sleep(0.05)
    workers = psutil.Process(proc.pid).children(recursive=True)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    done = len(list((killed / "jobs").glob("*.parquet")))
    assert 17 <= done < 3 * 17, done
    # the workers end with their parent instead of waiting forever on a dead queue
    gone, alive = psutil.wait_procs(workers, timeout=15)
    assert not alive, alive
    subprocess.run(_compare_command(killed, scenario, executor), env=env, check=True, stdout=subprocess.DEVNULL)
    whole = tmp_path / "whole"
    subprocess.run(_compare_command(whole, scenario, executor), env=env, check=True, stdout=subprocess.DEVNULL)
    for name in OUTPUTS:
        assert (killed / name).read_bytes() == (whole / name).read_bytes(), name
    for job in sorted((whole / "jobs").glob("*.parquet")):
        assert (killed / "jobs" / job.name).read_bytes() == job.read_bytes(), job.name
