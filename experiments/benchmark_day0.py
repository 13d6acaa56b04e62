"""What `painloop run` spends before day 0, burning in and loading the equilibrium cache.

A thin command line over :mod:`sim.running.benchmark` (what it measures is described there).

    python experiments/benchmark_day0.py [--agents N] [--precision float32] [--days 365] [--out DIR]
"""

from sim.running.benchmark import run
from sim.running.scripts import main

if __name__ == "__main__":
    raise SystemExit(main(run))
