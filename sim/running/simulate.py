"""``simulate``: one run of one scenario with one seed, returning a :class:`sim.running.outputs.Result`."""

from __future__ import annotations

import platform
import time

import numpy as np

from sim.core import checks
from sim.core.engine import PRECISIONS, Engine
from sim.core.errors import InputError
from sim.running.outputs import BatchDailyTable, DailyTable, PanelWaves, PanelWriter, Result
from sim.core.scenario import Scenario
from sim.core.streams import stream

ENGINES = ("vector", "agents")


def _version() -> str:
    from sim import __version__

    return __version__


def panel_sample(n: int, k: int | None, seed: int) -> np.ndarray | None:
    """The ``k`` people (sorted row numbers) a sampled panel follows, from the ``panel`` stream.

    Its own stream, so sampling the panel changes no draw of the model.
    """
    if k is None or k >= n:
        return None
    return np.sort(stream(seed, "panel").choice(n, size=k, replace=False))


def simulate(scenario: Scenario | None = None, seed: int = 0, engine: str = "vector",
             panel_every: int | None = None, progress: bool = False, *,
             precision: str = "float64", panel_agents: int | None = None,
             panel_path=None) -> Result:
    """Run ``scenario`` (default: all defaults) with ``seed`` and return its :class:`Result`.

    Args:
        scenario: what to run (default: every parameter at its default, no interventions).
        seed: the run's seed; every stochastic process draws from its own stream of it, so two
            scenarios run with one seed meet the same injuries and life events.
        engine: ``"vector"`` updates the whole arrays each day; ``"agents"`` builds a
            :class:`sim.PainLoopModel` whose Persons each apply the rules to their own scalars.
            The burn-in always runs on the arrays (both paths agree; the per-agent path is
            for teaching and checking, not speed).
        panel_every: also record a panel wave every ``panel_every`` days (and on day 0).
        progress: show a progress bar over burn-in and reported days.
        precision: ``"float64"`` (default) or ``"float32"``: the engine's float type
            (docs/performance.md gives its speed and what it changes).
        panel_agents: follow only this many people in the panel (a sample drawn from the
            ``panel`` stream) instead of everyone.
        panel_path: stream the panel to this Parquet file, one row group per wave, instead of
            holding it in memory as ``result.panel`` (which is then None); memory stays
            O(people) however many waves are recorded.

    Returns:
        The :class:`Result`: ``daily`` (one row per day 0..days, clinical units), ``panel`` if
        asked for, the scenario, the seed and ``meta`` (timings, versions).

    Raises:
        InputError: a bad engine, precision or panel option, before anything runs.

    Examples:
        >>> result = sim.simulate(sim.Scenario(n_agents=300, days=30, burn_in_days=90), seed=1)
        >>> len(result.daily), int(result.daily["day"].max())
        (31, 30)
        >>> 0 <= result.summary()["chronic_pain"] <= 1
        True
    """
    scenario = Scenario() if scenario is None else scenario
    checks.choice(engine, "engine", ENGINES)
    checks.choice(precision, "precision", PRECISIONS)
    if panel_every is not None:
        checks.whole(panel_every, "panel_every", 1, unit="days")
    if panel_agents is not None:
        checks.whole(panel_agents, "panel_agents", 1, unit="people")
    if (panel_agents is not None or panel_path is not None) and panel_every is None:
        raise InputError("panel_agents and panel_path need panel_every (days between panel waves)")
    who = panel_sample(scenario.n_agents, panel_agents, seed)
    writer = PanelWriter(panel_path) if panel_every and panel_path is not None else None
    watchers = [DailyTable()]
    if panel_every:
        watchers.append(PanelWaves(panel_every, who, writer))
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=scenario.burn_in_days + scenario.days, unit="day",
                   desc=f"{scenario.n_agents:,} people", mininterval=0.5)
    started, cpu_started = time.perf_counter(), time.process_time()
    try:
        if engine == "vector":
            run = Engine(scenario, seed, progress=bar, precision=precision)
        else:
            from sim.running.model import PainLoopModel

            run = PainLoopModel(scenario, seed, path="agents", progress=bar, precision=precision,
                                collect=False).engine  # the DailyTable below reports each day once
        burn_in_seconds, burn_in_cpu = time.perf_counter() - started, time.process_time() - cpu_started
        run.run(scenario.days, *watchers)
        if writer is not None:
            writer.close()
    finally:
        if writer is not None:
            writer.abort()
        if bar is not None:
            bar.close()
    meta = {"seed": seed, "engine": engine, "precision": precision, "n_agents": scenario.n_agents,
            "days": scenario.days, "burn_in_days": scenario.burn_in_days, "version": _version(),
            "python": platform.python_version(),
            "seconds_total": round(time.perf_counter() - started, 3),
            "seconds_burn_in": round(burn_in_seconds, 3),
            "cpu_seconds_total": round(time.process_time() - cpu_started, 3),
            "cpu_seconds_burn_in": round(burn_in_cpu, 3),
            "burn_in_source": run.timings["burn_in_source"],
            "seconds_cache_load": round(run.timings["cache_load_s"], 3),
            "seconds_cache_save": round(run.timings["cache_save_s"], 3)}
    if writer is not None:
        meta["panel_path"] = str(writer.path)
    panel = watchers[1].frame() if panel_every else None
    return Result(watchers[0].frame(), scenario, seed, engine, panel, meta)


def simulate_batch(scenario: Scenario | None = None, parameter_sets=({},), seed: int = 0, *,
                   precision: str = "float64", cache: bool = True) -> list[Result]:
    """Run ``scenario`` under each of ``parameter_sets`` as one batch (:class:`sim.BatchEngine`);
    returns one :class:`Result` per set, whose daily table is the one
    ``simulate(scenario.replace(**parameter_sets[k]), seed)`` gives, bit for bit.

    Args:
        scenario: what every set runs (default: all defaults).
        parameter_sets: one dict of parameter values per set; the run's shape (``n_agents``,
            ``days``, ``burn_in_days``) cannot vary between sets.
        seed: the seed of every set (common random numbers).
        precision: ``"float64"`` (default) or ``"float32"``.
        cache: use the equilibrium cache for each set's burn-in.

    Returns:
        One :class:`Result` per set, in the order of ``parameter_sets`` (``daily`` and the set's
        scenario; ``meta`` gives the batch's timings and how many sets were burnt in or loaded).

    Raises:
        InputError: a bad precision or parameter set (named with its index), before anything runs.

    Examples:
        >>> results = sim.simulate_batch(sim.Scenario(n_agents=300, days=30, burn_in_days=90),
        ...                              [{}, {"pain_bias": -2.5}], seed=1)
        >>> len(results), len(results[1].daily)
        (2, 31)
    """
    from sim.core.batch import BatchEngine

    scenario = Scenario() if scenario is None else scenario
    checks.choice(precision, "precision", PRECISIONS)
    started = time.perf_counter()
    batch = BatchEngine(scenario, parameter_sets, seed, precision=precision, cache=cache)
    burn_in_seconds = time.perf_counter() - started
    (table,) = batch.run(scenario.days, BatchDailyTable())
    seconds = round(time.perf_counter() - started, 3)
    results = []
    for k, (member, daily) in enumerate(zip(batch.members, table.frames())):
        meta = {"seed": seed, "engine": "batch", "precision": precision, "n_agents": scenario.n_agents,
                "days": scenario.days, "burn_in_days": scenario.burn_in_days, "version": _version(),
                "python": platform.python_version(), "batch_sets": batch.k, "batch_index": k,
                "seconds_total_batch": seconds, "seconds_burn_in_batch": round(burn_in_seconds, 3),
                "burn_in_sets": batch.timings["burn_in_sets"], "cache_sets": batch.timings["cache_sets"]}
        results.append(Result(daily, member.scenario, seed, "vector", None, meta))
    return results
