"""Published cost-effectiveness results (BeST, Herman 2017) reproduced as virtual trials.

A thin command line over :mod:`sim.studies.economics.published` (the studies, the band and what
it writes are described there): ``published.csv`` in --out and the section "Cost-effectiveness:
published results reproduced as virtual trials" of docs/validation.md.

    python experiments/cea_published.py [--quick] [--out DIR] [--seeds N] [--agents N]
    python experiments/cea_published.py --unit-costs-only   # only the unit-cost table, no runs
"""

from sim.running.scripts import main
from sim.studies.economics.published import run

if __name__ == "__main__":
    raise SystemExit(main(run))
