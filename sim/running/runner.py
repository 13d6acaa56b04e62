"""The experiment runner: (arm x seed) jobs, common random numbers, a resumable result store.

``run_experiment(arms, seeds, out=folder)`` runs every arm with every seed. Arms share the seeds
and every process draws from its own named stream, so two arms differ only by what the arm
changes; arms that differ only in interventions and run length also share the burn-in (one
engine per seed burns in, each arm forks it), which is both faster and exactly the same.

The result folder::

    folder/
      manifest.json        arms (scenario TOML), seeds, cohort, version, git commit, job times
      arms/NAME.toml       each arm's scenario
      jobs/ARM__sSEED.parquet   one finished job (written whole, then renamed into place)
      results.parquet      every finished job in one long table: arm, seed, day, metric, value

Running the same call again after a crash or Ctrl-C skips the jobs whose files exist and runs
the rest; nothing half-written is ever visible. A job that fails is reported with its arm and
seed (and traceback) in the manifest and in :attr:`ExperimentResult.failed`; the others are kept.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import platform
import re
import subprocess
import tempfile
import time
import traceback
from collections.abc import Iterable, Mapping
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from sim.running.cluster import address as dask_address
from sim.running.cluster import is_dask, run_on_dask
from sim.running.cohort import COHORTS, CohortOutcomes
from sim.core.engine import Engine, burn_in_key
from sim.core.errors import InputError
from sim.running.outputs import DailyTable, check_writable
from sim.core.scenario import Scenario

EXECUTORS = ("serial", "processes", "dask")
"""Plus ``"dask://HOST:PORT"`` for a running Dask scheduler (:mod:`sim.running.cluster`)."""
_ARM_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.+-]*$")


@dataclass(frozen=True)
class Job:
    """Arms that share a burn-in, run with one seed."""

    seed: int
    arms: tuple[tuple[str, Scenario], ...]
    cohort: str
    cohort_day: int


def run_arm(engine: Engine, arm: str, seed: int, cohort: str, cohort_day: int) -> pd.DataFrame:
    """Run one forked or fresh engine from day 0 to the end; return its long table (the daily
    rows, with the cohort's outcomes from ``cohort_day`` on)."""
    table, followed = engine.run(engine.p.days, DailyTable(), CohortOutcomes(cohort, cohort_day))
    rows = [{**row, **followed.rows.get(row["day"], {})} for row in table.rows]
    wide = pd.DataFrame(rows)
    long = wide.melt(id_vars="day", var_name="metric", value_name="value")
    long.insert(0, "seed", np.int32(seed))
    long.insert(0, "arm", arm)
    long["day"] = long["day"].astype(np.int32)
    long["value"] = long["value"].astype(np.float64)
    return long


def run_job(job: Job) -> list[tuple[str, pd.DataFrame | BaseException, float]]:
    """Burn in once for the job's seed, then run each arm from a fork.

    Returns ``[(arm, table or the exception that arm raised, seconds)]``: one failing arm does
    not lose the others of its job.
    """
    started = time.perf_counter()
    base = Engine(job.arms[0][1].replace(interventions=()), job.seed)
    burn_in = time.perf_counter() - started
    out = []
    for arm, scenario in job.arms:
        t0 = time.perf_counter()
        try:
            table = run_arm(base.fork(scenario), arm, job.seed, job.cohort, job.cohort_day)
        except Exception as err:  # reported with its arm and seed by the caller
            table = err
        out.append((arm, table, round(time.perf_counter() - t0 + burn_in / len(job.arms), 3)))
    return out


@dataclass
class ExperimentResult:
    """What :func:`run_experiment` returns."""

    folder: Path
    table: pd.DataFrame
    manifest: dict
    failed: list = field(default_factory=list)

    def wide(self) -> pd.DataFrame:
        """One row per (arm, seed, day), one column per metric."""
        return self.table.pivot_table(index=["arm", "seed", "day"], columns="metric", values="value",
                                      observed=True).reset_index()


def _job_file(folder: Path, arm: str, seed: int) -> Path:
    return folder / "jobs" / f"{arm}__s{seed}.parquet"


def _write_atomic(path: Path, write) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def git_commit() -> str | None:
    """The checkout's HEAD commit, or None outside a git checkout."""
    here = Path(__file__).resolve().parent
    try:
        done = subprocess.run(["git", "rev-parse", "HEAD"], cwd=here, capture_output=True, text=True,
                              timeout=5, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() or None


def _check_arms(arms: Mapping[str, Scenario], seeds) -> tuple[dict, list[int]]:
    if not isinstance(arms, Mapping) or not arms:
        raise InputError("arms must be a non-empty mapping of arm name -> Scenario")
    for name, scenario in arms.items():
        if not isinstance(name, str) or not _ARM_NAME.match(name):
            raise InputError(f"arm name {name!r} must start with a letter or digit and use only "
                             f"letters, digits and _ . + -")
        if not isinstance(scenario, Scenario):
            raise InputError(f"arm '{name}' must be a Scenario, not {type(scenario).__name__}")
    if isinstance(seeds, (int, np.integer)) and not isinstance(seeds, bool):
        seeds = list(range(int(seeds)))
    seeds = list(seeds)
    if not seeds or any(isinstance(s, bool) or not isinstance(s, (int, np.integer)) or s < 0 for s in seeds):
        raise InputError(f"seeds = {seeds!r} must be a positive count or a list of non-negative integers")
    if len(set(seeds)) != len(seeds):
        raise InputError(f"seeds = {seeds!r} repeats a seed")
    return dict(arms), [int(s) for s in seeds]


def plan_jobs(arms: dict, seeds: list[int], cohort: str, cohort_day: int) -> list[Job]:
    """Group arms that share a burn-in into one job per seed."""
    groups: dict[str, list] = {}
    for name, scenario in arms.items():
        groups.setdefault(burn_in_key(scenario), []).append((name, scenario))
    return [Job(seed, tuple(group), cohort, cohort_day) for seed in seeds for group in groups.values()]


def run_experiment(arms: Mapping[str, Scenario], seeds: Iterable[int] | int = 5, out=None,
                   executor: str = "serial", cohort: str = "chronic_pain", cohort_day: int = 0,
                   max_workers: int | None = None, progress: bool = True) -> ExperimentResult:
    """Run every arm with every seed and return the combined long table.

    Args:
        arms: arm name -> Scenario. Name one ``baseline`` for paired differences later.
        seeds: a count (seeds 0..n-1) or a list of seeds; every arm runs with all of them.
        out: result folder (created); rerunning with the same folder resumes.
        executor: ``"serial"`` (in this process), ``"processes"`` (local worker processes),
            ``"dask"`` (a Dask LocalCluster) or ``"dask://HOST:PORT"`` (a running Dask
            scheduler; docs/cluster.md). Every executor gives the same table, bit for bit.
        cohort: whom the ``cohort_*`` metrics follow (people eligible on ``cohort_day``).
        max_workers: worker processes for ``"processes"`` and ``"dask"`` (default: CPU count).
    """
    arms, seeds = _check_arms(arms, seeds)
    if is_dask(executor):
        dask_address(executor)  # a malformed address fails here, before any work
    elif executor not in EXECUTORS:
        raise InputError(f"executor = {executor!r} must be one of {', '.join(EXECUTORS)} "
                         f"or dask://HOST:PORT")
    if cohort not in COHORTS:
        raise InputError(f"cohort = {cohort!r} must be one of {', '.join(COHORTS)}")
    days = min(s.days for s in arms.values())
    if isinstance(cohort_day, bool) or not isinstance(cohort_day, int) or not 0 <= cohort_day <= days:
        raise InputError(f"cohort_day = {cohort_day!r} must be a day in [0, {days}]")
    if out is None:
        raise InputError("out: a result folder is needed (results are written as they finish)")
    folder = check_writable(out)
    manifest = _open_manifest(folder, arms, seeds, cohort, cohort_day, executor)
    for stale in (folder / "jobs").glob(".*.tmp"):  # left by a run killed mid-write
        stale.unlink()

    jobs = plan_jobs(arms, seeds, cohort, cohort_day)
    todo = []
    for job in jobs:
        missing = tuple((a, s) for a, s in job.arms if not _job_file(folder, a, job.seed).exists())
        if missing:
            todo.append(Job(job.seed, missing, cohort, cohort_day))
    total = len(arms) * len(seeds)
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=total, initial=total - sum(len(j.arms) for j in todo), unit="job",
                   desc="arms x seeds", mininterval=0.5)
    failed = []

    def fail(arm: str, seed: int, err: BaseException) -> None:
        failed.append({"arm": arm, "seed": seed, "error": repr(err),
                       "traceback": "".join(traceback.format_exception(err))})

    def finished(job: Job, outcome) -> None:
        if isinstance(outcome, BaseException):  # the burn-in itself failed
            for arm, _ in job.arms:
                fail(arm, job.seed, outcome)
        else:
            for arm, table, seconds in outcome:
                if isinstance(table, BaseException):
                    fail(arm, job.seed, table)
                    continue
                _write_atomic(_job_file(folder, arm, job.seed), lambda tmp: table.to_parquet(tmp, index=False))
                manifest["job_seconds"][f"{arm}__s{job.seed}"] = seconds
        if bar is not None:
            bar.update(len(job.arms))

    try:
        if is_dask(executor) and todo:
            run_on_dask(todo, run_job, finished, executor, max_workers)
        elif executor == "serial" or len(todo) <= 1:
            for job in todo:
                try:
                    outcome = run_job(job)
                except Exception as err:  # reported with arm and seed; the other jobs go on
                    outcome = err
                finished(job, outcome)
        else:
            context = multiprocessing.get_context("spawn")
            with ProcessPoolExecutor(max_workers=max_workers, mp_context=context) as pool:
                futures = {pool.submit(run_job, job): job for job in todo}
                for future in as_completed(futures):
                    err = future.exception()
                    finished(futures[future], err if err is not None else future.result())
    finally:
        if bar is not None:
            bar.close()
        manifest["failed"] = [{k: f[k] for k in ("arm", "seed", "error")} for f in failed]
        manifest["updated"] = time.strftime("%Y-%m-%dT%H:%M:%S")
        _write_atomic(folder / "manifest.json",
                      lambda tmp: Path(tmp).write_text(json.dumps(manifest, indent=2), encoding="utf-8"))
    table = combine(folder, arms, seeds)
    return ExperimentResult(folder, table, manifest, failed)


def combine(folder: Path, arms, seeds) -> pd.DataFrame:
    """Read every finished job file and write ``results.parquet`` (atomically)."""
    parts = [pd.read_parquet(_job_file(folder, a, s)) for a in arms for s in seeds
             if _job_file(folder, a, s).exists()]
    if not parts:
        return pd.DataFrame(columns=["arm", "seed", "day", "metric", "value"])
    table = pd.concat(parts, ignore_index=True)
    table["arm"] = pd.Categorical(table["arm"], categories=list(arms))
    table["metric"] = table["metric"].astype("category")
    _write_atomic(folder / "results.parquet", lambda tmp: table.to_parquet(tmp, index=False))
    return table


def _open_manifest(folder: Path, arms: dict, seeds: list[int], cohort: str, cohort_day: int,
                   executor: str) -> dict:
    from sim import __version__

    path = folder / "manifest.json"
    spec = {name: s.to_toml() for name, s in arms.items()}
    if path.exists():
        old = json.loads(path.read_text(encoding="utf-8"))
        for name, toml in spec.items():
            if name in old.get("arms", {}) and old["arms"][name] != toml:
                raise InputError(f"output folder '{folder}' holds results of a different arm '{name}'; "
                                 f"use another folder or delete it")
        if (old.get("cohort"), old.get("cohort_day")) != (cohort, cohort_day):
            raise InputError(f"output folder '{folder}' holds results for cohort "
                             f"{old.get('cohort')!r} on day {old.get('cohort_day')}; use another folder")
        manifest = old
        manifest["arms"].update(spec)
        manifest["seeds"] = sorted(set(manifest["seeds"]) | set(seeds))
    else:
        manifest = {"arms": spec, "seeds": seeds, "cohort": cohort, "cohort_day": cohort_day,
                    "created": time.strftime("%Y-%m-%dT%H:%M:%S"), "job_seconds": {}}
    manifest.update({"version": __version__, "git_commit": git_commit(), "executor": executor,
                     "python": platform.python_version(), "numpy": np.__version__})
    arms_dir = folder / "arms"
    arms_dir.mkdir(exist_ok=True)
    for name, toml in spec.items():
        _write_atomic(arms_dir / f"{name}.toml", lambda tmp, t=toml: Path(tmp).write_text(t, encoding="utf-8"))
    return manifest
