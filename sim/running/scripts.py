"""What every experiment script shares: its command line and where it writes.

Each script in ``experiments/`` is a thin command line over a study of :mod:`sim.studies`; it
runs as ``python experiments/NAME.py [--quick] [--out DIR] [--seeds N] [--agents N]`` and writes
its tables and figures into DIR (default ``results/NAME``) all at once.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sim.core.checks import whole
from sim.core.errors import InputError
from sim.running.files import check_writable, write_into
from sim.running.plots import save

ROOT = Path(__file__).resolve().parents[2]
"""The source checkout the package runs from: ``--docs`` and ``--write`` options update its files."""
DOCS = ROOT / "docs"


def parse_args(name: str, description: str, quick_agents: int, full_agents: int, quick_seeds: int,
               full_seeds: int, argv=None, extra=None) -> argparse.Namespace:
    """The shared command line; ``extra(parser)`` may add a script's own options."""
    parser = argparse.ArgumentParser(prog=f"experiments/{name}.py", description=description)
    parser.add_argument("--quick", action="store_true",
                        help=f"small version: {quick_agents:,} people, {quick_seeds} seeds")
    parser.add_argument("--out", default=f"results/{name}", help=f"output folder (default results/{name})")
    parser.add_argument("--seeds", type=int, help=f"number of seeds (default {full_seeds}; quick {quick_seeds})")
    parser.add_argument("--agents", type=int, help=f"number of people (default {full_agents:,}; quick {quick_agents:,})")
    parser.add_argument("--serial", action="store_true", help="run in this process (no worker processes)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    if extra is not None:
        extra(parser)
    args = parser.parse_args(argv)
    # 0 is an error, not "the default": only an option left out takes the default
    for option in ("seeds", "agents"):
        if getattr(args, option) is not None:
            whole(getattr(args, option), f"--{option}", 1)
    args.seeds = args.seeds if args.seeds is not None else (quick_seeds if args.quick else full_seeds)
    args.agents = args.agents if args.agents is not None else (quick_agents if args.quick else full_agents)
    args.executor = "serial" if args.serial else "processes"
    return args


def main(run, argv=None) -> int:
    """Run an experiment's ``run()``; a user error prints one line and exits 2."""
    try:
        run(argv)
    except InputError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    return 0


def write_table_and_figure(out, name: str, table, fig) -> None:
    """Write ``NAME.csv`` and ``NAME.png`` into ``out`` together (atomically: both or neither)."""

    def write(tmp: Path) -> None:
        table.to_csv(tmp / f"{name}.csv", index=False)
        save(fig, tmp / f"{name}.png")

    write_into(Path(out), write)


__all__ = ["DOCS", "ROOT", "check_writable", "main", "parse_args", "write_table_and_figure"]
