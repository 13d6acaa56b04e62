"""Compare interventions and strategies for people with chronic pain (the main job).

Arms: baseline (usual care), every intervention alone, four combinations and stepped care
(exercise, then CBT for non-responders at week 6), all offered on day 0 to people with chronic
pain. Writes summary.csv, headline.md, arms_over_time.png, forest.png and the raw results.
Same as ``painloop compare``.
"""

from sim.running.scripts import check_writable, main, parse_args

from sim import Scenario
from sim.studies.compare import compare


def run(argv=None):
    args = parse_args("compare_interventions", __doc__.splitlines()[0], 4_000, 20_000, 3, 10, argv)
    out = check_writable(args.out)
    result = compare(Scenario(n_agents=args.agents), out=out, seeds=args.seeds,
                     executor=args.executor, progress=not args.quiet)
    for week, table in result.headlines.items():
        print(f"\nweek {week}\n{table.to_markdown()}")
    print(f"\nwrote {out}")
    return result


if __name__ == "__main__":
    raise SystemExit(main(run))
