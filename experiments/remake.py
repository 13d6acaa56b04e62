"""Remake everything downstream of the defaults (sim/running/remake.py):

    python experiments/remake.py [--quick] [--list] [--only A,B] [--from STEP] [--restart]
"""

from sim.running.remake import run
from sim.running.scripts import main

if __name__ == "__main__":
    raise SystemExit(main(run))
