"""Tipping points: ramp a driver up and back down, and watch the share caught in the cycle.

A thin command line over :mod:`sim.studies.hysteresis` (the design, and what it writes, are
described there).

    python experiments/hysteresis.py [--quick] [--out DIR] [--driver NAME --low X --high Y]
"""

from sim.running.scripts import main
from sim.studies.hysteresis import run

if __name__ == "__main__":
    raise SystemExit(main(run))
