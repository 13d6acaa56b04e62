"""Sweeps on Dask distributed: same table as serial, resumable, failures retried or reported."""

import os
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

from conftest import small
from sim import InputError
from sim.running.cluster import address, run_on_dask
from sim.running.runner import run_experiment

pytest.importorskip("distributed")

KEY = ["arm", "seed", "day", "metric"]


def arms(n=300, days=20):
    base = small(n_agents=n, days=days)
    return {"baseline": base,
            "exercise": base.replace(interventions=[{"kind": "exercise"}]),
            "no_pain_to_mood": base.replace(disabled_rules=["pain_to_mood"])}


def _sorted(table: pd.DataFrame) -> pd.DataFrame:
    return table.sort_values(KEY).reset_index(drop=True)


def test_two_worker_local_cluster_gives_the_serial_table_bit_for_bit(tmp_path):
    serial = run_experiment(arms(), seeds=3, out=tmp_path / "serial", progress=False)
    dask = run_experiment(arms(), seeds=3, out=tmp_path / "dask", executor="dask", max_workers=2,
                          progress=False)
    assert not dask.failed
    pd.testing.assert_frame_equal(_sorted(serial.table), _sorted(dask.table), check_exact=True)
    assert sorted(p.name for p in (tmp_path / "dask" / "jobs").iterdir()) == sorted(
        p.name for p in (tmp_path / "serial" / "jobs").iterdir())


def test_an_existing_scheduler_by_address_gives_the_serial_table(tmp_path):
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                      host="127.0.0.1", scheduler_port=0) as cluster:
        port = cluster.scheduler_address.rsplit(":", 1)[1]
        remote = run_experiment(arms(), seeds=2, out=tmp_path / "remote",
                                executor=f"dask://127.0.0.1:{port}", progress=False)
        assert len(cluster.workers) == 2  # the sweep used the cluster and left it running
    serial = run_experiment(arms(), seeds=2, out=tmp_path / "serial", progress=False)
    assert not remote.failed
    pd.testing.assert_frame_equal(_sorted(serial.table), _sorted(remote.table), check_exact=True)


def test_dask_resumes_a_serial_store(tmp_path):
    folder = tmp_path / "store"
    run_experiment(arms(), seeds=[0], out=folder, progress=False)
    stamp = (folder / "jobs" / "baseline__s0.parquet").stat().st_mtime_ns
    resumed = run_experiment(arms(), seeds=[0, 1], out=folder, executor="dask", max_workers=2,
                             progress=False)
    assert (folder / "jobs" / "baseline__s0.parquet").stat().st_mtime_ns == stamp  # not rerun
    whole = run_experiment(arms(), seeds=[0, 1], out=tmp_path / "whole", progress=False)
    pd.testing.assert_frame_equal(_sorted(resumed.table), _sorted(whole.table), check_exact=True)


def _jobs(seeds, marker_dir):
    return [SimpleNamespace(seed=s, arms=(("a", None),), marker=str(marker_dir)) for s in seeds]


def test_a_task_that_raises_is_retried_then_reported_and_the_rest_finish(tmp_path):
    def run(job):  # defined here so that it travels to the workers by value
        attempts = Path(job.marker) / f"attempt-{job.seed}-{os.getpid()}-{os.urandom(4).hex()}"
        attempts.touch()
        if job.seed == 2:
            raise ValueError(f"seed {job.seed} always fails")
        return job.seed * 10

    done = {}
    run_on_dask(_jobs(range(4), tmp_path), run, lambda job, out: done.__setitem__(job.seed, out),
                max_workers=2, retries=1)
    assert {s: done[s] for s in (0, 1, 3)} == {0: 0, 1: 10, 3: 30}
    assert isinstance(done[2], ValueError) and "always fails" in str(done[2])
    assert len(list(tmp_path.glob("attempt-2-*"))) == 2  # one try and one retry


@pytest.mark.slow
def test_a_task_whose_worker_dies_is_rerun_elsewhere(tmp_path):
    def run(job):
        flag = Path(job.marker) / f"died-{job.seed}"
        if job.seed == 1 and not flag.exists():
            flag.touch()
            os._exit(1)  # the worker process is lost mid-task
        return job.seed

    done = {}
    run_on_dask(_jobs(range(3), tmp_path), run, lambda job, out: done.__setitem__(job.seed, out),
                max_workers=2, retries=0)
    assert done == {0: 0, 1: 1, 2: 2}
    assert (tmp_path / "died-1").exists()


@pytest.mark.parametrize("executor, message", [
    ("dask://", "must be 'dask'"),
    ("dask://host", "must be 'dask'"),
    ("dask://host:99999", "must be 'dask'"),
    ("dusk", "executor = 'dusk'"),
])
def test_bad_dask_executor_is_an_input_error(tmp_path, executor, message):
    with pytest.raises(InputError, match=message):
        run_experiment(arms(), seeds=1, out=tmp_path, executor=executor, progress=False)


def test_address_parsing():
    assert address("dask") is None
    assert address("dask://10.0.0.5:8786") == "tcp://10.0.0.5:8786"
    assert address("dask://scheduler.example.org:8786") == "tcp://scheduler.example.org:8786"


def test_no_scheduler_at_the_address_is_an_input_error(tmp_path, monkeypatch):
    import socket

    import sim.running.cluster

    monkeypatch.setattr(sim.running.cluster, "CONNECT_TIMEOUT", "2s")
    with socket.socket() as s:  # a port on this machine that nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(InputError, match="no Dask scheduler answered"):
        run_on_dask(_jobs([0], tmp_path), lambda job: 0, lambda job, out: None,
                    executor=f"dask://127.0.0.1:{port}")


def _toy_ensemble(path):
    """A toy ensemble (not a posterior): three weighted sets near the defaults, one effect size."""
    pd.DataFrame({"low_mood_bias": [-2.6, -2.3, -2.9], "pain_bias": [-4.6, -4.2, -5.0],
                  "exercise_effect": [0.9, 1.2, 0.7], "weight": [0.5, 0.3, 0.2]}).to_csv(path, index=False)
    return path


def test_an_ensemble_sweep_on_dask_is_the_serial_sweep_and_resumes_like_one(tmp_path):
    ensemble = _toy_ensemble(tmp_path / "ensemble.csv")
    two = {name: s for name, s in arms().items() if name != "no_pain_to_mood"}
    serial = run_experiment(two, seeds=2, out=tmp_path / "serial", ensemble=3, ensemble_file=ensemble,
                            progress=False)
    dask = run_experiment(two, seeds=2, out=tmp_path / "dask", executor="dask", max_workers=2, ensemble=3,
                          ensemble_file=ensemble, progress=False)
    assert not dask.failed and serial.table["draw"].nunique() == 3
    keyed = [*KEY, "draw"]
    pd.testing.assert_frame_equal(serial.table.sort_values(keyed).reset_index(drop=True),
                                  dask.table.sort_values(keyed).reset_index(drop=True), check_exact=True)
    # checkpoints: a store holding seed 0 (written serially) is resumed on Dask without rerunning it
    folder = tmp_path / "store"
    run_experiment(two, seeds=[0], out=folder, ensemble=3, ensemble_file=ensemble, progress=False)
    done = {p.name: p.stat().st_mtime_ns for p in (folder / "jobs").iterdir()}
    resumed = run_experiment(two, seeds=[0, 1], out=folder, executor="dask", max_workers=2, ensemble=3,
                             ensemble_file=ensemble, progress=False)
    assert all((folder / "jobs" / name).stat().st_mtime_ns == stamp for name, stamp in done.items())
    assert len(list((folder / "jobs").iterdir())) > len(done)
    pd.testing.assert_frame_equal(resumed.table.sort_values(keyed).reset_index(drop=True),
                                  serial.table.sort_values(keyed).reset_index(drop=True), check_exact=True)
