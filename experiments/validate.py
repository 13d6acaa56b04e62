"""Validate the model against every published target and write the report (docs/validation.md).

Same as ``painloop validate`` (:mod:`sim.studies.validation`): surveys and virtual trials over
several seeds; writes validation.md, validation_measured.csv and figures into --out (default docs).

    python experiments/validate.py [SCENARIO.toml] [--quick] [--out DIR]
"""

import sys

from sim.cli import main

if __name__ == "__main__":
    raise SystemExit(main(["validate", *sys.argv[1:]]))
