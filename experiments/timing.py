"""Timing: exercise early in an acute back-pain episode versus once pain has become chronic.

A thin command line over :mod:`sim.studies.timing` (the design, and what it writes, are
described there).

    python experiments/timing.py [--quick] [--out DIR] [--seeds N] [--agents N]
"""

from sim.running.scripts import main
from sim.studies.timing import run

if __name__ == "__main__":
    raise SystemExit(main(run))
