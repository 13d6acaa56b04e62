"""Published cost-effectiveness results (BeST, Herman 2017) reproduced as virtual trials.

Writes the model beside the publications into --out (``published.csv``) and the section
"Cost-effectiveness: published results reproduced as virtual trials" of docs/validation.md
(between its markers; also kept in docs/validation_cea.md).

    python experiments/cea_published.py [--quick] [--seeds N] [--agents N]
"""

import sys
from pathlib import Path

from sim.running.outputs import check_writable
from sim.running.scripts import main, parse_args
from sim.studies.economics.published import reproduce, section, write_section

DOCS = Path(__file__).resolve().parent.parent / "docs" / "validation.md"


def run(argv=None):
    args = parse_args("cea_published", __doc__.splitlines()[0], quick_agents=4_000, full_agents=20_000,
                      quick_seeds=3, full_seeds=10, argv=argv)
    out = check_writable(args.out)
    results = reproduce(args.agents, args.seeds, out, args.executor, progress=not args.quiet)
    results.to_csv(out / "published.csv", index=False)
    command = "python experiments/cea_published.py" + (" --quick" if args.quick else "")
    text = section(results, args.agents, args.seeds, command)
    write_section(text, DOCS)
    print(text)


if __name__ == "__main__":
    sys.exit(main(run))
