"""Does the long-run state hold still? Prevalence by year for 21 years after the burn-in.

    python experiments/drift.py [--quick] [--seeds N] [--agents N] [--out DIR]

Writes drift.csv (year, group, outcome, prevalence, seed), drift.png and prints the largest drift
(|last year - first year| over outcomes, overall and by coping fifth), the criterion of issue 13
(< 0.3 percentage points over 20 years: the first and the last of the 21 years are 20 apart).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from sim import Scenario
from sim.running.outputs import write_atomically
from sim.running.plots import save
from sim.running.scripts import main, parse_args
from sim.studies.drift import drift, drift_figure, largest_drift


def run(argv=None):
    args = parse_args("drift", __doc__.splitlines()[0], 2_000, 10_000, 1, 1, argv)
    years = 5 if args.quick else 21
    table = pd.concat([drift(Scenario(n_agents=args.agents), seed, years) for seed in range(args.seeds)],
                      ignore_index=True)
    d = largest_drift(table)
    print(f"largest drift over {d['years']} years: {d['points']:.2f} points ({d['outcome']}, {d['group']})")

    def write(tmp: Path) -> None:
        table.to_csv(tmp / "drift.csv", index=False)
        save(drift_figure(table), tmp / "drift.png")

    write_atomically(Path(args.out), write)
    return d


if __name__ == "__main__":
    raise SystemExit(main(run))
