"""The shipped parameter ensemble on docs/uncertainty.md (issue 14): the generated block
``posterior`` (its run, its coverage of the calibration targets, what it learned about each
coordinate; :func:`sim.studies.posterior.report`) and the pairs plot of the coordinates the
targets narrowed most. Run by ``python experiments/posterior_report.py`` after
``experiments/posterior.py --write``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import pandas as pd

from sim.core.errors import InputError
from sim.running.ensemble import ENSEMBLE_PATH, load
from sim.running.files import write_text
from sim.running.plots import save
from sim.studies import posterior
from sim.teaching.blocks import fill

PAGE = "uncertainty.md"
FIGURE = Path("figures") / "posterior_pairs.png"


def run(argv=None) -> str:
    """Write ``OUT/figures/posterior_pairs.png`` and the ``posterior`` block of ``OUT/uncertainty.md``
    (``--out``, default docs) from the shipped ensemble, its statistics and its record; return the block."""
    parser = argparse.ArgumentParser(prog="posterior_report", description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="docs", help="the documentation folder holding uncertainty.md (default docs)")
    args = parser.parse_args(argv)
    out = Path(args.out)
    page = out / PAGE
    if not page.is_file():
        raise InputError(f"--out {out}: no {PAGE} there to write the posterior block into")
    frame = load()
    statistics = pd.read_csv(ENSEMBLE_PATH.with_name("ensemble_statistics.csv"))
    record = json.loads(ENSEMBLE_PATH.with_name("ensemble_record.json").read_text())
    text, _, contraction = posterior.report(frame, statistics, record)
    shown = contraction["coordinate"].head(posterior.PAIRS_SHOWN).tolist()
    fig = posterior.pairs_figure(frame, shown, title=f"Parameter ensemble ({len(frame)} sets, ESS {record['ess']:.0f}): "
                                 f"the {len(shown)} coordinates the targets narrowed most; x = shipped defaults, "
                                 f"dot area = weight (small dots: rejected final runs)")
    (out / FIGURE).parent.mkdir(exist_ok=True)
    save(fig, out / FIGURE)
    text += f"\n![pairs plot]({FIGURE.as_posix()})\n"
    write_text(page, fill(page.read_text(encoding="utf-8"), {"posterior": text}))
    sys.stdout.write(text)
    return text
