"""Does the long-run state hold still? Prevalence by year for 20 years after the burn-in.

A thin command line over :mod:`sim.studies.drift` (the measurement, and what it writes, are
described there).

    python experiments/drift.py [--quick] [--out DIR] [--seeds N] [--agents N]
"""

from sim.running.scripts import main
from sim.studies.drift import run

if __name__ == "__main__":
    raise SystemExit(main(run))
