"""What a run spends before day 0, with and without the equilibrium cache (issue 13: day 0 must
not cost more than the year it starts).

:func:`day0` times ``painloop run --agents N --precision P`` (one year by default) end to end, each
time in a fresh process, twice against one empty cache folder: the first run burns in and saves
its day 0 (``cold``), the second loads it (``warm``). Each run's seconds are split into

* ``before_day0_s``: building the engine -- population, network and burn-in, or loading the
  cache -- including writing the cache file (``cache_save_s`` of it; ``cache_load_s`` when warm);
* ``after_day0_s``: the reported days with their daily table;
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

import pandas as pd

ROOT = Path(__file__).resolve().parents[2]


def run_once(n: int, precision: str, days: int, cache: Path, out: Path, seed: int = 0) -> dict:
    """One ``painloop run`` in a fresh process with ``$PAINLOOP_CACHE=cache``; its seconds split."""
    command = [sys.executable, "-m", "sim.cli", "run", "--agents", str(n), "--precision", precision,
               "--days", str(days), "--seed", str(seed), "--quiet", "--out", str(out)]
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
            "outside_s": round(wall - meta["seconds_total"], 2),
            "cache_save_s": meta["seconds_cache_save"], "cache_load_s": meta["seconds_cache_load"],
            "cache_mb": round(sum(p.stat().st_size for p in cache.glob("*.pkl")) / 2**20, 1),
            "load_average_at_start": round(load, 1)}


def day0(n: int = 100_000, precision: str = "float32", days: int = 365, seed: int = 0) -> pd.DataFrame:
    """The cold and the warm run of ``painloop run`` (see the module docstring), one row each."""
    with tempfile.TemporaryDirectory(prefix="painloop-day0-") as tmp:
        cache = Path(tmp) / "cache"
        rows = [{"run": run, **run_once(n, precision, days, cache, Path(tmp) / f"run_{k}", seed)}
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


__all__ = ["day0", "run", "run_once"]
