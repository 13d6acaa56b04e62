"""Dose-response: how exercise's effect grows with coverage and with sessions per week.

A thin command line over :mod:`sim.studies.dose_response` (the design, and what it writes, are
described there).

    python experiments/dose_response.py [--quick] [--out DIR] [--seeds N] [--agents N]
"""

from sim.running.scripts import main
from sim.studies.dose_response import run

if __name__ == "__main__":
    raise SystemExit(main(run))
