"""The experiment runner: (arm x seed) jobs, common random numbers, a resumable result store.

``run_experiment(arms, seeds, out=folder)`` runs every arm with every seed. Arms share the seeds
and every process draws from its own named stream, so two arms differ only by what the arm
changes; arms that differ only in interventions and run length also share the burn-in (one
engine per seed burns in, each arm forks it), which is both faster and exactly the same. Across
calls the burn-ins are shared through the equilibrium cache (:mod:`sim.core.equilibrium`): a
second experiment, a resumed one, or another sweep over interventions of the same world loads each
seed's day 0 instead of burning in again. Worker processes (``processes``, a local Dask cluster)
inherit ``$PAINLOOP_CACHE`` and so share one folder; within one call no two jobs have the same
burn-in and seed, and between concurrent calls the key's lock lets one process write it while the
other burns in without writing.

The result folder::

    folder/
      manifest.json        arms (scenario TOML), seeds, cohort, version; written before the
                           first job, rewritten (atomically) with job times and failures at the end
      arms/NAME.toml       each arm's scenario
      jobs/ARM__sSEED.parquet   one finished job (written whole, then renamed into place); its
                           Parquet metadata holds the hash of what made it (:func:`job_hash`)
      set_aside/           job files or a manifest that could not be read or whose hash did
                           not match, moved here (never deleted) and rerun
      results.parquet      every finished job in one long table: arm, seed, day, metric, value
      .lock                held by the run writing into the folder (one at a time)

The store is bound to its settings: a folder whose manifest names the same arm with another
scenario, another cohort or another painloop version is refused with one line saying what
differs (``overwrite=True`` clears the store first). Running the same call again after a crash
or Ctrl-C reuses the job files whose hash matches and runs the rest; nothing half-written is
ever visible. A job that fails is reported with its arm and seed (and traceback) in the
manifest and in :attr:`ExperimentResult.failed`; the others are kept. With the ``processes``
executor a worker that dies (killed, out of memory) costs only the jobs it broke, which are
run again (:data:`WORKER_ATTEMPTS` times at most), and workers end when the parent does.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import platform
import re
import subprocess
import threading
import time
import tomllib
import traceback
from collections.abc import Iterable, Mapping
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from sim.running.cluster import address as dask_address
from sim.running.cluster import is_dask, run_on_dask
from sim.running.cohort import COHORTS, CohortOutcomes
from sim.core.engine import Engine, burn_in_key
from sim.core import checks
from sim.core.errors import InputError
from sim.running.outputs import BatchDailyTable as DailyTableOfBatch
from sim.running.outputs import DailyTable, Keep
from sim.core.scenario import Scenario
from sim.running.files import check_writable, folder_lock, make_folder, write_file, write_text
from sim.running.memory import check_memory

EXECUTORS = ("serial", "processes", "dask")
"""Plus ``"dask://HOST:PORT"`` for a running Dask scheduler (:mod:`sim.running.cluster`)."""
_ARM_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.+-]*")
MAX_SEEDS = 10_000
"""Most seeds one call runs: 95% intervals over seeds are already as narrow as the model's own
Monte Carlo noise long before this (10 seeds is the default); beyond it a typo (``--seeds
1000000000``) would queue years of work."""
WORKER_ATTEMPTS = 3
"""How often a job is started again after the worker process running it died, before it is
reported as failed (a job that always kills its worker, e.g. out of memory, must not loop)."""
_JOB_KEY = b"painloop.job_hash"


@dataclass(frozen=True)
class Job:
    """Arms that share a burn-in, run with one seed."""

    seed: int
    arms: tuple[tuple[str, Scenario], ...]
    cohort: str
    cohort_day: int
    draws: tuple[dict, ...] = ()
    """Parameter sets of an ensemble run (:mod:`sim.running.ensemble`): each arm runs every one
    of them in one batch; empty for a run at the scenario's own parameters."""
    metrics: tuple[str, ...] = ()
    """Patterns of the metrics to keep (:class:`sim.running.outputs.Keep`); empty: all."""


def run_arm(engine: Engine, arm: str, seed: int, cohort: str, cohort_day: int, metrics=()) -> pd.DataFrame:
    """Run one forked or fresh engine from day 0 to the end; return its long table (the daily
    rows, with the cohort's outcomes from ``cohort_day`` on; only the ``metrics`` patterns if
    given, which are then all that is kept while the run goes)."""
    table, followed = engine.run(engine.p.days, DailyTable(metrics), CohortOutcomes(cohort, cohort_day, metrics))
    return _long(table.rows, followed.rows, arm, seed)


def _long(rows: list[dict], followed: dict, arm: str, seed: int, draw: int | None = None,
          metrics=()) -> pd.DataFrame:
    """A run's daily rows and its cohort's outcomes as the store's long table (only the
    ``metrics`` patterns, if given)."""
    keep = Keep(metrics)
    wide = pd.DataFrame([keep.row({**row, **followed.get(row["day"], {})}) for row in rows])
    long = wide.melt(id_vars="day", var_name="metric", value_name="value")
    if draw is not None:
        long.insert(0, "draw", np.int32(draw))
    long.insert(0, "seed", np.int32(seed))
    long.insert(0, "arm", arm)
    long["day"] = long["day"].astype(np.int32)
    long["value"] = long["value"].astype(np.float64)
    return long


def run_ensemble_arm(scenario: Scenario, arm: str, seed: int, draws: tuple[dict, ...], cohort: str,
                     cohort_day: int, metrics=()) -> pd.DataFrame:
    """One arm under every parameter set of ``draws`` as one batch (:class:`sim.core.batch.BatchEngine`,
    seed ``seed`` for all: common random numbers); each draw's rows are those of its solo run.
    A set drawn more than once runs once. The long table has a ``draw`` column (index into
    ``draws``)."""
    from sim.core.batch import BatchEngine, PerSet

    unique: dict[str, int] = {}
    index = [unique.setdefault(json.dumps(d, sort_keys=True), len(unique)) for d in draws]
    sets = [json.loads(key) for key in unique]
    batch = BatchEngine(scenario, sets, seed)
    views = PerSet(batch).views
    followed = [view.attach(CohortOutcomes(cohort, cohort_day)) for view in views]
    table = DailyTableOfBatch()
    batch.run(scenario.days, table)
    rows = table.rows
    return pd.concat([_long(rows[k], followed[k].rows, arm, seed, draw, metrics) for draw, k in enumerate(index)],
                     ignore_index=True)


def run_job(job: Job) -> list[tuple[str, pd.DataFrame | BaseException, float]]:
    """Burn in once for the job's seed, then run each arm from a fork (an ensemble job: each
    arm's batch of the draws; their burn-ins are shared through the equilibrium cache).

    Returns ``[(arm, table or the exception that arm raised, seconds)]``: one failing arm does
    not lose the others of its job.
    """
    if job.draws:
        out = []
        for arm, scenario in job.arms:
            t0 = time.perf_counter()
            try:
                table = run_ensemble_arm(scenario, arm, job.seed, job.draws, job.cohort, job.cohort_day,
                                         job.metrics)
            except Exception as err:  # reported with its arm and seed by the caller
                table = err
            out.append((arm, table, round(time.perf_counter() - t0, 3)))
        return out
    started = time.perf_counter()
    base = Engine(job.arms[0][1].replace(interventions=()), job.seed)
    burn_in = time.perf_counter() - started
    out = []
    for arm, scenario in job.arms:
        t0 = time.perf_counter()
        try:
            table = run_arm(base.fork(scenario), arm, job.seed, job.cohort, job.cohort_day, job.metrics)
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
    set_aside: list = field(default_factory=list)
    """Stored files that could not be used (``{"file", "moved_to", "reason"}``); their jobs were rerun."""

    def wide(self) -> pd.DataFrame:
        """One row per (arm, seed, day) -- per (arm, seed, draw, day) for an ensemble run -- one
        column per metric."""
        index = ["arm", "seed", "draw", "day"] if "draw" in self.table else ["arm", "seed", "day"]
        return self.table.pivot_table(index=index, columns="metric", values="value", observed=True).reset_index()


def _job_file(folder: Path, arm: str, seed: int) -> Path:
    return folder / "jobs" / f"{arm}__s{seed}.parquet"


def git_commit() -> str | None:
    """The checkout's HEAD commit, or None outside a git checkout."""
    here = Path(__file__).resolve().parent
    try:
        done = subprocess.run(["git", "rev-parse", "HEAD"], cwd=here, capture_output=True, text=True,
                              timeout=5, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() or None


def _version() -> str:
    from sim import __version__

    return __version__


def job_hash(arm: str, scenario: Scenario, seed: int, cohort: str, cohort_day: int, draws=(), metrics=()) -> str:
    """What made one job's table: its arm's scenario, seed, cohort, the painloop version and, for
    an ensemble run, the parameter sets drawn; for a run that keeps only some metrics, their
    patterns (a run keeping all has the hash it had before ``metrics`` existed)."""
    spec = {"arm": arm, "scenario": scenario.to_toml(), "seed": int(seed), "cohort": cohort,
            "cohort_day": int(cohort_day), "version": _version()}
    if draws:
        spec["draws"] = list(draws)
    if metrics:
        spec["metrics"] = list(metrics)
    spec = json.dumps(spec, sort_keys=True)
    return hashlib.sha256(spec.encode()).hexdigest()


def _check_seeds(seeds) -> list[int]:
    if checks.is_number(seeds):
        return list(range(checks.whole(seeds, "seeds (a count)", 1, MAX_SEEDS)))
    if isinstance(seeds, (str, bytes, Mapping)) or not isinstance(seeds, Iterable):
        raise InputError(f"seeds = {seeds!r} must be a count in [1, {MAX_SEEDS}] or a list of seeds")
    seeds = list(seeds)
    if not 1 <= len(seeds) <= MAX_SEEDS:
        raise InputError(f"seeds: {len(seeds)} given; a call runs 1 to {MAX_SEEDS} seeds")
    seeds = [checks.whole(s, "seed", 0) for s in seeds]
    if len(set(seeds)) != len(seeds):
        raise InputError(f"seeds = {seeds!r} repeats a seed")
    return seeds


def _check_arms(arms: Mapping[str, Scenario], seeds) -> tuple[dict, list[int]]:
    if not isinstance(arms, Mapping) or not arms:
        raise InputError("arms must be a non-empty mapping of arm name -> Scenario")
    for name, scenario in arms.items():
        if not isinstance(name, str) or not _ARM_NAME.fullmatch(name):
            raise InputError(f"arm name {name!r} must start with a letter or digit and use only "
                             f"letters, digits and _ . + -")
        if not isinstance(scenario, Scenario):
            raise InputError(f"arm '{name}' must be a Scenario, not {type(scenario).__name__}")
    return dict(arms), _check_seeds(seeds)


def plan_jobs(arms: dict, seeds: list[int], cohort: str, cohort_day: int, draws=(), metrics=()) -> list[Job]:
    """Group arms that share a burn-in into one job per seed."""
    groups: dict[str, list] = {}
    for name, scenario in arms.items():
        groups.setdefault(burn_in_key(scenario), []).append((name, scenario))
    return [Job(seed, tuple(group), cohort, cohort_day, tuple(draws), tuple(metrics))
            for seed in seeds for group in groups.values()]


def _check_metrics(metrics) -> tuple[str, ...]:
    """``None`` or a sequence of non-empty metric names or patterns, as a tuple (empty: all)."""
    if metrics is None:
        return ()
    if isinstance(metrics, (str, bytes)) or not isinstance(metrics, Iterable):
        raise InputError(f"metrics = {metrics!r} must be a list of metric names or patterns (e.g. 'cohort_*')")
    metrics = tuple(metrics)
    bad = [m for m in metrics if not isinstance(m, str) or not m.strip()]
    if bad or not metrics:
        raise InputError(f"metrics = {list(metrics)!r} must be non-empty metric names or patterns (e.g. 'cohort_*')")
    return metrics


def _workers(executor: str, max_workers: int | None) -> int:
    if executor == "serial":
        return 1
    return max_workers or os.cpu_count() or 1


def ensemble_draws(ensemble: int | None, ensemble_file=None) -> tuple[dict, ...]:
    """The parameter sets an ensemble run uses (:func:`sim.running.ensemble.draws`), or ``()``
    without ``ensemble``; InputError for a bad count or file, or a file without a count."""
    if ensemble is None:
        if ensemble_file is not None:
            raise InputError("ensemble_file (--ensemble-file) needs ensemble=N (--ensemble N), the number of draws")
        return ()
    from sim.running.ensemble import draws

    return tuple(draws(ensemble, ensemble_file))


def check_experiment(arms, seeds, out, executor: str = "serial", cohort: str = "chronic_pain",
                     cohort_day: int = 0, max_workers: int | None = None, ensemble: int | None = None,
                     ensemble_file=None, metrics=None) -> tuple[dict, list[int]]:
    """Every check :func:`run_experiment` makes before it touches the disk (InputError if one
    fails); returns the arms as a dict and the seeds as a list."""
    arms, seeds = _check_arms(arms, seeds)
    _check_metrics(metrics)
    sets = len({json.dumps(d, sort_keys=True) for d in ensemble_draws(ensemble, ensemble_file)}) or 1
    if is_dask(executor):
        dask_address(executor)  # a malformed address fails here, before any work
    elif executor not in EXECUTORS:
        raise InputError(f"executor = {executor!r} must be one of {', '.join(EXECUTORS)} "
                         f"or dask://HOST:PORT")
    if max_workers is not None:
        checks.whole(max_workers, "max_workers", 1, 4096)
    checks.choice(cohort, "cohort", COHORTS)
    days = min(s.days for s in arms.values())
    checks.whole(cohort_day, "cohort_day", 0, days)
    if out is None:
        raise InputError("out: a result folder is needed (results are written as they finish)")
    # A fork holds its burn-in engine and the arm's engine at once, in each worker.
    if not (is_dask(executor) and executor != "dask"):  # a remote cluster's memory is not ours
        busy = min(_workers(executor, max_workers), len(plan_jobs(arms, seeds, cohort, cohort_day)))
        check_memory(max(s.n_agents for s in arms.values()) * sets, 2 * busy,
                     hint="use fewer --agents" + ("" if executor == "serial" else " or fewer workers"))
    check_writable(out)
    return arms, seeds


def run_experiment(arms: Mapping[str, Scenario], seeds: Iterable[int] | int = 5, out=None,
                   executor: str = "serial", cohort: str = "chronic_pain", cohort_day: int = 0,
                   max_workers: int | None = None, progress: bool = True,
                   overwrite: bool = False, ensemble: int | None = None, ensemble_file=None,
                   metrics=None) -> ExperimentResult:
    """Run every arm with every seed and return the combined long table.

    Args:
        arms: arm name -> Scenario. Name one ``baseline`` for paired differences later.
        seeds: a count (seeds 0..n-1) or a list of seeds; every arm runs with all of them.
        out: result folder (created); rerunning with the same folder and settings resumes.
        executor: ``"serial"`` (in this process), ``"processes"`` (local worker processes),
            ``"dask"`` (a Dask LocalCluster) or ``"dask://HOST:PORT"`` (a running Dask
            scheduler; docs/cluster.md). Every executor gives the same table, bit for bit.
        cohort: whom the ``cohort_*`` metrics follow (people eligible on ``cohort_day``).
        cohort_day: the day the cohort is drawn (0: the first reported day).
        max_workers: worker processes for ``"processes"`` and ``"dask"`` (default: CPU count).
        progress: show a progress bar over jobs.
        overwrite: clear a store made with other settings instead of refusing it.
        ensemble: run every arm and seed under this many parameter sets drawn from the
            parameter ensemble (:mod:`sim.running.ensemble`; docs/uncertainty.md), each (arm,
            seed) as one batch: the long table gains a ``draw`` column. Every arm runs the same
            draws with the same seeds (common random numbers).
        ensemble_file: the ensemble CSV to draw from (default: the shipped one, refused with how
            to make it while it does not exist).
        metrics: keep only these metrics (names or ``fnmatch`` patterns such as ``"cohort_*"``;
            default: all). The others are not kept while the runs go (an ensemble run drops them
            when each arm's batch ends), and the parts of the daily row none of them needs are not
            computed (:class:`sim.running.outputs.DailyTable`), so long runs stay small; every kept
            value is the one a full run records, bit for bit. Part of each job's hash and of the
            manifest: a folder made keeping other metrics is refused (or cleared with ``overwrite``).

    Returns:
        The :class:`ExperimentResult`: the long table (``arm, seed, day, metric, value``), the
        folder, its manifest and any failed jobs (reported with their arm and seed; the others
        are kept).

    Raises:
        InputError: a bad arm, seed, executor, cohort, folder or ensemble, before any job runs.

    Examples:
        >>> import tempfile
        >>> small = sim.Scenario(n_agents=200, days=28, burn_in_days=60)
        >>> arms = {"baseline": small,
        ...         "exercise": small.replace(interventions=[{"kind": "exercise"}])}
        >>> result = sim.run_experiment(arms, seeds=2, out=tempfile.mkdtemp(), progress=False)
        >>> result.table.groupby("arm", observed=True)["seed"].nunique().to_dict()
        {'baseline': 2, 'exercise': 2}
    """
    arms, seeds = check_experiment(arms, seeds, out, executor, cohort, cohort_day, max_workers, ensemble,
                                   ensemble_file, metrics)
    draws = ensemble_draws(ensemble, ensemble_file)
    folder = check_writable(out)
    with folder_lock(folder):
        return _run_locked(folder, arms, seeds, executor, cohort, cohort_day, max_workers, progress,
                           overwrite, draws, _check_metrics(metrics))


def _run_locked(folder, arms, seeds, executor, cohort, cohort_day, max_workers, progress,
                overwrite, draws=(), metrics=()) -> ExperimentResult:
    set_aside: list[dict] = []
    manifest = _open_manifest(folder, arms, seeds, cohort, cohort_day, executor, overwrite, set_aside,
                              len(draws) or None, metrics)
    for stale in (folder / "jobs").glob(".*.tmp"):  # left by a run killed mid-write; the lock
        stale.unlink()                               # says no other run is writing them now

    hashes = {(a, s): job_hash(a, sc, s, cohort, cohort_day, draws, metrics) for a, sc in arms.items() for s in seeds}
    stored = {}
    for (arm, seed), key in hashes.items():
        table = _read_job(folder, arm, seed, key, set_aside)
        if table is not None:
            stored[(arm, seed)] = table
    todo = []
    for job in plan_jobs(arms, seeds, cohort, cohort_day, draws, metrics):
        missing = tuple((a, s) for a, s in job.arms if (a, job.seed) not in stored)
        if missing:
            todo.append(Job(job.seed, missing, cohort, cohort_day, tuple(draws), tuple(metrics)))
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
                _write_job(folder, arm, job.seed, table, hashes[(arm, job.seed)])
                stored[(arm, job.seed)] = table
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
            run_in_processes(todo, run_job, finished, max_workers)
    finally:
        if bar is not None:
            bar.close()
        manifest["failed"] = [{k: f[k] for k in ("arm", "seed", "error")} for f in failed]
        manifest["set_aside"] = manifest.get("set_aside", []) + set_aside
        manifest["updated"] = time.strftime("%Y-%m-%dT%H:%M:%S")
        _write_manifest(folder, manifest)
    table = combine(folder, arms, seeds, stored)
    return ExperimentResult(folder, table, manifest, failed, set_aside)


def _die_with_parent(parent: int) -> None:
    """Worker initializer: end this worker when the process that started it is gone, instead of
    waiting forever on a queue nobody will feed (a parent killed with SIGKILL runs no cleanup)."""
    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, daemon=True, name="painloop-parent-watch").start()


def run_in_processes(jobs: list, run, finished, max_workers: int | None = None,
                     attempts: int = WORKER_ATTEMPTS) -> None:
    """Run ``run(job)`` for every job in local worker processes; call ``finished(job, result or
    exception)`` here as each one ends.

    A worker that dies breaks the whole :class:`ProcessPoolExecutor` and fails every job not yet
    done with ``BrokenProcessPool``; those jobs (and only those) go to a fresh pool, up to
    ``attempts`` times each, so one lost worker does not fail the sweep.
    """
    context = multiprocessing.get_context("spawn")
    tries = [0] * len(jobs)
    pending = list(range(len(jobs)))
    while pending:
        broken = []
        with ProcessPoolExecutor(max_workers=max_workers, mp_context=context,
                                 initializer=_die_with_parent, initargs=(os.getpid(),)) as pool:
            futures = {pool.submit(run, jobs[i]): i for i in pending}
            for future in as_completed(futures):
                i = futures[future]
                err = future.exception()
                if isinstance(err, BrokenProcessPool):
                    broken.append(i)
                else:
                    finished(jobs[i], err if err is not None else future.result())
        pending = []
        for i in broken:
            tries[i] += 1
            if tries[i] < attempts:
                pending.append(i)
            else:
                finished(jobs[i], RuntimeError(f"the worker process running this job died {attempts} "
                                               f"times (killed, or out of memory)"))


def _write_job(folder: Path, arm: str, seed: int, table: pd.DataFrame, key: str) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    arrow = pa.Table.from_pandas(table, preserve_index=False)
    arrow = arrow.replace_schema_metadata({**(arrow.schema.metadata or {}), _JOB_KEY: key.encode()})
    write_file(_job_file(folder, arm, seed), lambda tmp: pq.write_table(arrow, tmp))


def _set_aside(folder: Path, path: Path, reason: str, set_aside: list) -> None:
    """Move an unusable stored file into ``set_aside/`` (kept for a look, never read again)."""
    target = make_folder(folder / "set_aside") / f"{path.stem}.{time.strftime('%Y%m%dT%H%M%S')}.{os.getpid()}{path.suffix}"
    os.replace(path, target)
    set_aside.append({"file": str(path.relative_to(folder)), "moved_to": str(target.relative_to(folder)),
                      "reason": reason})


def _read_job(folder: Path, arm: str, seed: int, key: str, set_aside: list) -> pd.DataFrame | None:
    """A stored job's table if it is whole and was made by these settings; else set it aside."""
    import pyarrow.parquet as pq

    path = _job_file(folder, arm, seed)
    if not path.exists():
        return None
    try:
        arrow = pq.read_table(path)
    except Exception as err:  # truncated, empty or not Parquet at all: pyarrow's errors vary
        _set_aside(folder, path, f"unreadable ({type(err).__name__}: {str(err)[:120]})", set_aside)
        return None
    found = (arrow.schema.metadata or {}).get(_JOB_KEY, b"").decode(errors="replace")
    if found != key:
        _set_aside(folder, path, "made with other settings (hash " + (found[:12] or "missing") + ")",
                   set_aside)
        return None
    table = arrow.to_pandas()
    if list(table.columns) not in (["arm", "seed", "day", "metric", "value"],
                                   ["arm", "seed", "draw", "day", "metric", "value"]) or not (
            (table["arm"] == arm).all() and (table["seed"] == seed).all()):
        _set_aside(folder, path, "holds another arm or seed than its name says", set_aside)
        return None
    return table


def combine(folder: Path, arms, seeds, stored: dict | None = None) -> pd.DataFrame:
    """Every finished job (read from ``stored`` or its file) in one table; writes ``results.parquet``."""
    stored = stored or {}
    parts = []
    for a in arms:
        for s in seeds:
            if (a, s) in stored:
                parts.append(stored[(a, s)])
            elif _job_file(folder, a, s).exists():
                parts.append(pd.read_parquet(_job_file(folder, a, s)))
    if not parts:
        return pd.DataFrame(columns=["arm", "seed", "day", "metric", "value"])
    table = pd.concat(parts, ignore_index=True)
    table["arm"] = pd.Categorical(table["arm"], categories=list(arms))
    table["metric"] = table["metric"].astype("category")
    write_file(folder / "results.parquet", lambda tmp: table.to_parquet(tmp, index=False))
    return table


def _write_manifest(folder: Path, manifest: dict) -> None:
    write_text(folder / "manifest.json", json.dumps(manifest, indent=2))


def _differences(old_toml: str, new_toml: str) -> str:
    """Which keys two scenarios' TOML texts set differently, in a few words."""
    try:
        old = tomllib.loads(old_toml)
    except tomllib.TOMLDecodeError:
        return "unreadable there"
    new = tomllib.loads(new_toml)
    keys = sorted(set(old) | set(new), key=lambda k: (k == "interventions", k))
    parts = [f"{k} {old.get(k, 'default')!r} there, {new.get(k, 'default')!r} here"
             for k in keys if old.get(k) != new.get(k)]
    return "; ".join(parts) if parts else "written differently"


def _conflicts(old: dict, arms: dict, spec: dict, cohort: str, cohort_day: int, ensemble=None,
               metrics=()) -> list[str]:
    out = []
    if tuple(old.get("metrics") or ()) != tuple(metrics):
        out.append(f"metrics kept {list(old.get('metrics') or ()) or 'all'} there, {list(metrics) or 'all'} here")
    if old.get("ensemble") != ensemble:
        out.append(f"ensemble draws {old.get('ensemble')!r} there, {ensemble!r} here")
    if old.get("version") != _version():
        out.append(f"painloop version {old.get('version')!r} there, {_version()!r} here")
    if (old.get("cohort"), old.get("cohort_day")) != (cohort, cohort_day):
        out.append(f"cohort {old.get('cohort')!r} on day {old.get('cohort_day')} there, "
                   f"{cohort!r} on day {cohort_day} here")
    old_arms = old.get("arms") if isinstance(old.get("arms"), dict) else {}
    for name, toml in spec.items():
        if name in old_arms and old_arms[name] != toml:
            out.append(f"arm '{name}': {_differences(str(old_arms[name]), toml)}")
    return out


_STORE = ("manifest.json", "arms", "jobs", "set_aside", "results.parquet")


def _clear_store(folder: Path) -> None:
    import shutil

    for name in _STORE:
        path = folder / name
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()


def _load_manifest(folder: Path, set_aside: list) -> dict | None:
    """The stored manifest, or None (none yet, or an unreadable one, which is set aside: every
    job file still carries its own hash, so nothing unverified is reused)."""
    path = folder / "manifest.json"
    if not path.exists():
        return None
    try:
        old = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(old, dict) or not isinstance(old.get("arms"), dict):
            raise ValueError("not a painloop manifest")
    except (ValueError, UnicodeDecodeError) as err:
        _set_aside(folder, path, f"unreadable ({type(err).__name__})", set_aside)
        return None
    return old


def _open_manifest(folder: Path, arms: dict, seeds: list[int], cohort: str, cohort_day: int,
                   executor: str, overwrite: bool, set_aside: list, ensemble: int | None = None,
                   metrics=()) -> dict:
    spec = {name: s.to_toml() for name, s in arms.items()}
    old = _load_manifest(folder, set_aside)
    if old is not None:
        conflicts = _conflicts(old, arms, spec, cohort, cohort_day, ensemble, metrics)
        if conflicts and not overwrite:
            raise InputError(f"output folder '{folder}' holds results made with other settings ("
                             + "; ".join(conflicts) + "); use --overwrite (overwrite=True) to "
                             "replace them, or another --out")
        if conflicts:
            _clear_store(folder)
            set_aside.clear()
            old = None
    if old is not None:
        manifest = old
        manifest["arms"].update(spec)
        manifest["seeds"] = sorted(set(manifest.get("seeds", [])) | set(seeds))
        manifest.setdefault("job_seconds", {})
    else:
        manifest = {"arms": spec, "seeds": seeds, "cohort": cohort, "cohort_day": cohort_day, "ensemble": ensemble,
                    "created": time.strftime("%Y-%m-%dT%H:%M:%S"), "job_seconds": {}}
        if metrics:
            manifest["metrics"] = list(metrics)
    manifest.update({"version": _version(), "git_commit": git_commit(), "executor": executor,
                     "python": platform.python_version(), "numpy": np.__version__})
    for name, toml in spec.items():
        write_text(folder / "arms" / f"{name}.toml", toml)
    _write_manifest(folder, manifest)  # before the first job: the folder says what it is for
    return manifest
