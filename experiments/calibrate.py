"""Calibrate the defaults: fit a documented subset of parameters to the fit targets.

A thin command line over :mod:`sim.studies.calibration` (the fit, and what it writes, are
described there; needs the ``calibrate`` extra).

    python experiments/calibrate.py [--quick] [--write [--write-root DIR]] [--max-evals N] ...
"""

from sim.running.scripts import main
from sim.studies.calibration import run

if __name__ == "__main__":
    raise SystemExit(main(run))
