"""Break the loop: switch each feedback rule off in turn and see which links hold the cycle.

A thin command line over :mod:`sim.studies.break_the_loop` (the design, and what it writes, are
described there).

    python experiments/break_the_loop.py [--quick] [--out DIR] [--seeds N] [--agents N]
"""

from sim.running.scripts import main
from sim.studies.break_the_loop import run

if __name__ == "__main__":
    raise SystemExit(main(run))
