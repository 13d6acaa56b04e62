"""Running experiment jobs on Dask distributed: a local cluster, or any cluster by address.

``run_experiment(..., executor="dask")`` starts a :class:`distributed.LocalCluster` of worker
processes on this machine (one single-threaded worker per core, or ``max_workers``);
``executor="dask://HOST:PORT"`` connects to a running scheduler (``dask scheduler`` and
``dask worker HOST:PORT`` on the machines, or any Dask deployment; docs/cluster.md). Each job
(one seed's arms that share a burn-in) is one task running :func:`sim.running.runner.run_job`, exactly
the function the serial executor calls, so the tables are the same bit for bit given the same
package versions.

Failures: a worker that dies or is lost takes its task back to the scheduler, which runs it on
another worker (Dask gives up after ``distributed.scheduler.allowed-failures`` losses, default 3,
and the job is reported as failed with ``KilledWorker``); an exception raised by a task is retried
``retries`` times, then reported. Results are handed to the runner as each task finishes, and the
runner writes each job's file at once, so finished work survives a crash of the client, the
scheduler or the cluster; rerunning the same call resumes.

Burn-ins: a worker loads a seed's day 0 from the equilibrium cache (:mod:`sim.core.equilibrium`)
when one is saved in its cache folder. Workers of a local cluster inherit ``$PAINLOOP_CACHE``
from this process and share the folder; workers on other machines use their own
(``$PAINLOOP_CACHE`` in their environment, or their user cache folder), so each machine burns a
key in once.

Dask is optional: ``pip install "painloop[dask]"``.
"""

from __future__ import annotations

import logging
import os
import re
import uuid
from collections.abc import Callable, Iterable

from sim.core.errors import InputError

CONNECT_TIMEOUT = "30s"
"""How long to wait for a scheduler to answer before reporting that none did."""
_ADDRESS = re.compile(r"^dask://(?P<host>[A-Za-z0-9.\-\[\]:]+):(?P<port>\d{1,5})$")


def is_dask(executor) -> bool:
    """True for ``"dask"`` and ``"dask://HOST:PORT"`` (the latter is checked by :func:`address`)."""
    return isinstance(executor, str) and (executor == "dask" or executor.startswith("dask://"))


def address(executor: str) -> str | None:
    """The scheduler's ``tcp://HOST:PORT`` for ``"dask://HOST:PORT"``; None for ``"dask"``."""
    if executor == "dask":
        return None
    match = _ADDRESS.match(executor)
    if not match or not 0 < int(match["port"]) < 65536:
        raise InputError(f"executor = {executor!r} must be 'dask' (a local cluster) or "
                         f"'dask://HOST:PORT' (a running Dask scheduler, e.g. dask://10.0.0.5:8786)")
    return f"tcp://{match['host']}:{match['port']}"


def _client(executor: str, max_workers: int | None):
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise InputError(f"executor = {executor!r} needs Dask distributed: "
                         f"pip install \"painloop[dask]\"") from None
    where = address(executor)
    if where is not None:
        try:
            return Client(where, timeout=CONNECT_TIMEOUT), None
        except OSError as err:
            raise InputError(f"executor = {executor!r}: no Dask scheduler answered at {where} "
                             f"({err})") from None
    # Single-threaded worker processes: the engine is single-threaded NumPy, and processes keep
    # one job's memory from another's. No dashboard: it needs bokeh and a free port.
    cluster = LocalCluster(n_workers=max_workers or os.cpu_count() or 1, threads_per_worker=1,
                           processes=True, dashboard_address=None, silence_logs=logging.ERROR)
    return Client(cluster), cluster


def run_on_dask(jobs: Iterable, run: Callable, finished: Callable, executor: str = "dask",
                max_workers: int | None = None, retries: int = 1) -> None:
    """Run ``run(job)`` for every job on Dask; call ``finished(job, result or exception)`` in
    this process as each one completes (in completion order)."""
    from distributed import as_completed

    jobs = list(jobs)
    client, cluster = _client(executor, max_workers)
    try:
        run_id = uuid.uuid4().hex[:8]
        futures = {}
        for job in jobs:
            arms = "+".join(name for name, _ in job.arms)
            key = f"painloop-{run_id}-s{job.seed}-{arms}"
            futures[client.submit(run, job, key=key, pure=False, retries=retries)] = job
        for future in as_completed(futures):
            job = futures.pop(future)
            try:
                outcome = future.result()
            except Exception as err:  # the task's own error, KilledWorker, or a lost connection
                outcome = err
            finished(job, outcome)
            future.release()
    finally:
        for future in futures:  # interrupted: stop what has not finished
            future.cancel()
        client.close()
        if cluster is not None:
            cluster.close()
