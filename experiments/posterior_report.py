"""Report the shipped parameter ensemble (issue 14): its coverage of the calibration targets,
what it learned about each coordinate, and a pairs plot of the coordinates it narrowed most.

Reads sim/core/ensemble.csv, ensemble_statistics.csv and ensemble_record.json (written by
``python experiments/posterior.py --write``); writes docs/figures/posterior_pairs.png and the
generated block ``posterior`` of docs/uncertainty.md, and prints the block:

    python experiments/posterior_report.py
"""

import json
import sys
from pathlib import Path

import pandas as pd

from sim.running.ensemble import ENSEMBLE_PATH, load
from sim.running.files import write_text
from sim.running.plots import save
from sim.studies import posterior
from sim.teaching import blocks

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "docs" / "uncertainty.md"
FIGURE = ROOT / "docs" / "figures" / "posterior_pairs.png"


def main() -> int:
    frame = load()
    statistics = pd.read_csv(ENSEMBLE_PATH.with_name("ensemble_statistics.csv"))
    record = json.loads(ENSEMBLE_PATH.with_name("ensemble_record.json").read_text())
    text, cov, con = posterior.report(frame, statistics, record)
    shown = con["coordinate"].head(posterior.PAIRS_SHOWN).tolist()
    fig = posterior.pairs_figure(frame, shown, title=f"Parameter ensemble ({len(frame)} sets, ESS "
                                 f"{record['ess']:.0f}): the {len(shown)} coordinates the targets narrowed most; "
                                 f"x = shipped defaults, dot area = weight (small dots: rejected final runs)")
    save(fig, FIGURE)
    text += f"\n![pairs plot]({FIGURE.relative_to(PAGE.parent).as_posix()})\n"
    write_text(PAGE, blocks.fill(PAGE.read_text(), {"posterior": text}))
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
