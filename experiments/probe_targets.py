"""What would this parameter change do to the targets? Survey targets at the defaults and with the
changes, the same seeds for both.

A thin command line over :mod:`sim.studies.probe` (what it measures and writes is described there).

    python experiments/probe_targets.py --set NAME=VALUE [--set ...] [--quick] [--out DIR] [--seeds N] [--agents N]
"""

from sim.running.scripts import main
from sim.studies.probe import run

if __name__ == "__main__":
    raise SystemExit(main(run))
