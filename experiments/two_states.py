"""Two stable states: the same person after a small and a large back injury.

A thin command line over :func:`sim.studies.stability.two_states` (the design, and what it
writes, are described there).

    python experiments/two_states.py [--quick] [--out DIR] [--agents N]
"""

from sim.running.scripts import main
from sim.studies.stability import two_states

if __name__ == "__main__":
    raise SystemExit(main(two_states))
