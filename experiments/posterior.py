"""Make the parameter ensemble: history matching with Gaussian-process emulators, then importance
weights of the final runs (issue 14; method and budget in docs/uncertainty.md).

A thin command line over :mod:`sim.studies.posterior` (needs the ``uncertainty`` extra). The
shipped ensemble is made with the full settings (about 1,000 simulator calls of stage 1's size:
hours on 2 cores) and ``--write``, which writes sim/core/ensemble.csv and its record:

    python experiments/posterior.py --write
    python experiments/posterior.py --quick --out results/posterior   # a trial run, not shipped
"""

from sim.running.scripts import main
from sim.studies.posterior import run

if __name__ == "__main__":
    raise SystemExit(main(run))
