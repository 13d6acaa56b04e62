"""Report the shipped parameter ensemble (issue 14) on docs/uncertainty.md: its coverage of the
calibration targets, what it learned about each coordinate, and a pairs plot of the coordinates
it narrowed most (docs/figures/posterior_pairs.png). Run after ``experiments/posterior.py --write``:

    python experiments/posterior_report.py [--out docs]
"""

from sim.running.scripts import main
from sim.teaching.posterior_page import run

if __name__ == "__main__":
    raise SystemExit(main(run))
