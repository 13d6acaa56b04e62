"""Many parameter sets in one run (issue 14) against the same sets run one at a time.

A thin command line over :func:`sim.running.benchmark.batch_vs_solo` (what it measures is
described there): the same draws (+-20% on eight natural-history parameters, fixed seed) both
ways in one process, both wall times, the speed-up, and whether every daily table is identical.

    python experiments/benchmark_batch.py [--draws 50] [--agents 2000] [--days 365] [--precision float32]
                                          [--burn-in-days N] [--solo-burn-in] [--quick] [--out DIR]
"""

from sim.running.benchmark import run_batch
from sim.running.scripts import main

if __name__ == "__main__":
    raise SystemExit(main(run_batch))
