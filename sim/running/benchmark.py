"""What a run spends before day 0, with and without the equilibrium cache (issue 13: day 0 must
not cost more than the year it starts).

:func:`day0` times ``painloop run --agents N --precision P`` (one year by default) end to end, each
time in a fresh process, twice against one empty cache folder: the first run burns in and saves
its day 0 (``cold``), the second loads it (``warm``). Each run's seconds are split into

* ``before_day0_s``: building the engine -- population, network and burn-in, or loading the
  cache -- including writing the cache file (``cache_save_s`` of it; ``cache_load_s`` when warm);
* ``after_day0_s``: the reported days with their daily table;
* ``before_day0_cpu_s`` and ``after_day0_cpu_s``: the same two parts in CPU seconds of the run's
  process, which a loaded machine does not inflate as it does the wall seconds;
* ``outside_s``: the rest of the process (start-up and imports, checks, writing the results and
  the figure).

It is a measurement, not a test: the numbers depend on the machine and its load (the load average
is recorded). ``python experiments/benchmark_day0.py --agents 100000`` runs it; docs/performance.md
shows the numbers.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[2]


def run_once(n: int, precision: str, days: int, cache: Path, out: Path, seed: int = 0,
             burn_in_days: int | None = None) -> dict:
    """One ``painloop run`` in a fresh process with ``$PAINLOOP_CACHE=cache``; its seconds split.
    ``burn_in_days`` (None: the default) overrides the burn-in."""
    command = [sys.executable, "-m", "sim.cli", "run", "--agents", str(n), "--precision", precision,
               "--days", str(days), "--seed", str(seed), "--quiet", "--out", str(out)]
    if burn_in_days is not None:
        command += ["--burn-in", str(burn_in_days)]
    env = {**os.environ, "PAINLOOP_CACHE": str(cache),
           "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    load = os.getloadavg()[0]
    started = time.perf_counter()
    subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - started
    meta = json.loads((out / "meta.json").read_text(encoding="utf-8"))
    return {"agents": n, "precision": precision, "days": days, "burn_in_days": meta["burn_in_days"],
            "burn_in_source": meta["burn_in_source"], "wall_s": round(wall, 2),
            "before_day0_s": meta["seconds_burn_in"],
            "after_day0_s": round(meta["seconds_total"] - meta["seconds_burn_in"], 3),
            "before_day0_cpu_s": meta["cpu_seconds_burn_in"],
            "after_day0_cpu_s": round(meta["cpu_seconds_total"] - meta["cpu_seconds_burn_in"], 3),
            "outside_s": round(wall - meta["seconds_total"], 2),
            "cache_save_s": meta["seconds_cache_save"], "cache_load_s": meta["seconds_cache_load"],
            "cache_mb": round(sum(p.stat().st_size for p in cache.glob("*.pkl")) / 2**20, 1),
            "load_average_at_start": round(load, 1)}


def day0(n: int = 100_000, precision: str = "float32", days: int = 365, seed: int = 0,
         burn_in_days: int | None = None) -> pd.DataFrame:
    """The cold and the warm run of ``painloop run`` (see the module docstring), one row each;
    ``burn_in_days`` (None: the model's default, what the benchmark reports) overrides the burn-in."""
    with tempfile.TemporaryDirectory(prefix="painloop-day0-") as tmp:
        cache = Path(tmp) / "cache"
        rows = [{"run": run, **run_once(n, precision, days, cache, Path(tmp) / f"run_{k}", seed, burn_in_days)}
                for k, run in enumerate(("cold", "warm"))]
    return pd.DataFrame(rows)


def run(argv=None) -> pd.DataFrame:
    """The command line of ``experiments/benchmark_day0.py``: prints the table, writes
    ``benchmark_day0.csv`` into ``--out``."""
    from sim.running.files import write_into
    from sim.running.scripts import parse_args

    def options(parser) -> None:
        parser.add_argument("--precision", choices=("float32", "float64"), default="float32",
                            help="engine float type (default float32)")
        parser.add_argument("--days", type=int, default=365, help="reported days (default 365)")

    args = parse_args("benchmark_day0", __doc__.splitlines()[0], 10_000, 100_000, 1, 1, argv, extra=options)
    table = day0(args.agents, args.precision, args.days)
    print(table.to_markdown(index=False))
    write_into(args.out, lambda tmp: table.to_csv(tmp / "benchmark_day0.csv", index=False))
    return table


BATCH_PARAMETERS = ("stress_to_mood_weight", "sleep_to_sensitivity_weight", "sensitisation_to_pain_weight",
                    "tissue_healing_tau_days", "rumination_to_mood_weight", "recovery_to_mood_weight",
                    "pain_to_sleep_weight", "mood_recovery_tau_days")
"""Natural-history parameters the batch benchmark varies (each +-20% around its default)."""


def parameter_draws(draws: int, spread: float = 0.2, seed: int = 0) -> list[dict]:
    """``draws`` parameter sets: each of :data:`BATCH_PARAMETERS` uniform within +-``spread`` of its
    default (clipped to its range), from a generator of ``seed``."""
    from sim.core.parameters import PARAMS

    rng = np.random.default_rng(seed)
    out = []
    for _ in range(draws):
        values = {}
        for name in BATCH_PARAMETERS:
            param = PARAMS[name]
            values[name] = float(np.clip(param.default * rng.uniform(1 - spread, 1 + spread), param.low, param.high))
        out.append(values)
    return out


def batch_vs_solo(draws: int = 50, n: int = 2_000, days: int = 365, burn_in_days: int | None = None,
                  precision: str = "float64", seed: int = 0, solo_burn_in: bool = False) -> dict:
    """The same parameter draws run as one batch and one at a time, in this process, timed.

    In an empty, temporary equilibrium cache: the batch is built (all draws burn in together and
    each is saved), then runs ``days`` days with each set's daily table; then each draw runs
    alone through :func:`sim.simulate`, loading its day 0 from the cache the batch wrote, for the
    same days. So both ways time the reported year from the same day 0 (the solo runs' cache
    loads are included, and reported). ``solo_burn_in`` also times each draw's burn-in alone
    (uncached), to compare with the batch's. Every set's daily table is compared bit for bit.
    """
    from sim.core.batch import BatchEngine
    from sim.core.scenario import Scenario
    from sim.running.outputs import BatchDailyTable
    from sim.running.simulate import simulate

    scenario = Scenario(n_agents=n, days=days, **({} if burn_in_days is None else {"burn_in_days": burn_in_days}))
    sets = parameter_draws(draws, seed=seed)
    old = os.environ.get("PAINLOOP_CACHE")
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="painloop-batch-") as tmp:
        os.environ["PAINLOOP_CACHE"] = tmp
        try:
            clock = time.perf_counter()
            batch = BatchEngine(scenario, sets, seed, precision=precision)
            batch_burn_in = time.perf_counter() - clock
            clock = time.perf_counter()
            (table,) = batch.run(days, BatchDailyTable())
            batch_year = time.perf_counter() - clock
            clock = time.perf_counter()
            solos = [simulate(scenario.replace(**values), seed, precision=precision) for values in sets]
            solo_year = time.perf_counter() - clock
            solo_burn = None
            if solo_burn_in:
                from sim.core.engine import Engine

                clock = time.perf_counter()
                for values in sets:
                    Engine(scenario.replace(**values), seed, precision=precision, cache=False)
                solo_burn = time.perf_counter() - clock
        finally:
            if old is None:
                os.environ.pop("PAINLOOP_CACHE", None)
            else:
                os.environ["PAINLOOP_CACHE"] = old
    identical = all(a.equals(r.daily) for a, r in zip(table.frames(), solos))
    out = {"draws": draws, "agents_per_draw": n, "days": days, "burn_in_days": scenario.burn_in_days,
           "precision": precision, "parameters_varied": len(BATCH_PARAMETERS),
           "batch_year_s": round(batch_year, 2), "solo_year_s": round(solo_year, 2),
           "speedup_year": round(solo_year / batch_year, 2),
           "solo_cache_load_s": round(sum(r.meta["seconds_cache_load"] for r in solos), 2),
           "batch_burn_in_s": round(batch_burn_in, 2), "identical_daily_tables": identical,
           "load_average_at_start": round(load, 1), "load_average_at_end": round(os.getloadavg()[0], 1)}
    if solo_burn is not None:
        out.update(solo_burn_in_s=round(solo_burn, 2), speedup_burn_in=round(solo_burn / batch_burn_in, 2))
    return out


def run_batch(argv=None) -> pd.DataFrame:
    """The command line of ``experiments/benchmark_batch.py``: prints the table, writes
    ``benchmark_batch.csv`` into ``--out``."""
    from sim.running.files import write_into
    from sim.running.scripts import parse_args

    def options(parser) -> None:
        parser.add_argument("--draws", type=int, help="parameter draws (default 50; quick 10)")
        parser.add_argument("--precision", choices=("float32", "float64"), default="float64")
        parser.add_argument("--days", type=int, default=365, help="reported days (default 365)")
        parser.add_argument("--burn-in-days", type=int, help="burn-in days (default: the parameter's default)")
        parser.add_argument("--solo-burn-in", action="store_true", help="also time each draw's burn-in alone")

    args = parse_args("benchmark_batch", "Many parameter sets in one run against one at a time.", 1_000, 2_000,
                      1, 1, argv, extra=options)
    draws = args.draws or (10 if args.quick else 50)
    table = pd.DataFrame([batch_vs_solo(draws, args.agents, args.days, args.burn_in_days, args.precision,
                                        solo_burn_in=args.solo_burn_in)])
    print(table.T.to_string(header=False))
    write_into(args.out, lambda tmp: table.to_csv(tmp / "benchmark_batch.csv", index=False))
    return table


__all__ = ["BATCH_PARAMETERS", "batch_vs_solo", "day0", "parameter_draws", "run", "run_batch", "run_once"]
