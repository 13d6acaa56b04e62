"""Global sensitivity: which parameters drive comorbidity and the exercise effect (SALib).

A thin command line over :mod:`sim.studies.sensitivity` (the design, and what it writes, are
described there).

    python experiments/sensitivity.py [--quick] [--docs] [--params A,B,...] [--check-burn-in]
"""

from sim.running.scripts import main
from sim.studies.sensitivity import run

if __name__ == "__main__":
    raise SystemExit(main(run))
