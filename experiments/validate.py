"""Validate the model against every published target and write the report (docs/validation.md).

Same as ``painloop validate``: surveys and virtual trials over several seeds; writes
validation.md, validation_measured.csv and figures into --out (default docs).
"""

import sys

from sim.running.scripts import main

from sim.cli import main as cli_main


def run(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    code = cli_main(["validate", *argv])
    if code:
        raise SystemExit(code)


if __name__ == "__main__":
    raise SystemExit(main(run))
