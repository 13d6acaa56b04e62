"""The ``painloop`` command.

A user error (bad scenario file, out-of-range value, unwritable folder, a full disk, a
population too large for memory) prints one line starting ``painloop: error:`` and exits with
code 2, without a traceback; every input is checked before any work or any file is written.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from pathlib import Path

from sim.core.errors import InputError

USER_ERROR = 2


def _scenario(args):
    from sim.core.scenario import Scenario

    scenario = Scenario.from_toml(args.scenario) if args.scenario else Scenario()
    changes = {}
    if getattr(args, "agents", None) is not None:
        changes["n_agents"] = args.agents
    if getattr(args, "days", None) is not None:
        changes["days"] = args.days
    if getattr(args, "burn_in", None) is not None:
        changes["burn_in_days"] = args.burn_in
    return scenario.replace(**changes) if changes else scenario


def _summary_lines(result) -> list[str]:
    s = result.summary(last_days=len(result.daily))
    pct = lambda x: f"{100 * x:5.1f}%"  # noqa: E731
    return [
        f"  mean over days 0-{result.daily['day'].iloc[-1]} "
        f"({result.scenario.n_agents:,} people, seed {result.seed}):",
        f"  chronic pain (NRS>=4 most of 90 days) {pct(s['chronic_pain'])}   "
        f"high-impact (activity limited) {pct(s['high_impact_pain'])}",
        f"  depression (14-day PHQ-9>=10)        {pct(s['depression'])}   "
        f"both {pct(s['comorbid'])}",
        f"  depression with chronic pain {pct(s['depression_if_chronic_pain'])} vs without "
        f"{pct(s['depression_if_no_chronic_pain'])}: ratio {s['depression_ratio']:.1f}",
        f"  mean pain NRS {s['pain_nrs_mean']:.2f}   mean PHQ-9 {s['phq9_mean']:.2f}",
    ]


RUN_FILES = frozenset({"daily.parquet", "daily.csv", "core_states.png", "scenario.toml", "meta.json",
                       "panel.parquet"})
"""What ``painloop run`` writes: a folder holding only these is an earlier run, replaced whole."""


def _horizon(text: str):
    """A ``--horizon-years`` value: a whole number of years or ``lifetime``."""
    if text.strip().lower() == "lifetime":
        return "lifetime"
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is neither a whole number of years nor 'lifetime'") from None


def _earlier_run(folder: Path) -> bool:
    return {p.name for p in folder.iterdir()} <= RUN_FILES


def cmd_run(args) -> int:
    """`painloop run`: one run; writes the daily table, a figure and the scenario, prints a summary.

    Returns:
        The exit code (0).
    """
    from sim.core import checks
    from sim.running.files import staged_folder
    from sim.running.memory import check_memory
    from sim.running.plots import core_states_figure, save
    from sim.running.simulate import simulate

    scenario = _scenario(args)
    checks.whole(args.seed, "--seed", 0)
    if args.panel_every is not None:
        checks.whole(args.panel_every, "--panel-every", 1, scenario.days)
    if args.panel_agents is not None:
        checks.whole(args.panel_agents, "--panel-agents", 1, scenario.n_agents)
    check_memory(scenario.n_agents, 1, args.precision, hint="use fewer --agents, or --precision float32")
    title = (f"painloop: {scenario.name or 'default scenario'} - {scenario.n_agents:,} people, "
             f"seed {args.seed}")
    out = Path(args.out)
    # The run is written into a folder beside --out and swapped in whole, so --out never mixes
    # this run's files with an earlier run's (a panel.parquet left from before).
    with staged_folder(out, _earlier_run) as tmp:
        panel = tmp / "panel.parquet" if args.panel_every else None
        result = simulate(scenario, seed=args.seed, progress=not args.quiet, precision=args.precision,
                          panel_every=args.panel_every, panel_agents=args.panel_agents, panel_path=panel)
        result._write(tmp)
        result.daily.to_csv(tmp / "daily.csv", index=False)
        save(core_states_figure(result.daily, title), tmp / "core_states.png")
    wrote = "daily.parquet, daily.csv, core_states.png, scenario.toml, meta.json"
    if panel is not None:
        wrote = "panel.parquet, " + wrote
    cached = result.meta["burn_in_source"] == "cache"
    simulated = scenario.days + (0 if cached else scenario.burn_in_days)
    print("\n".join(["painloop run:", *_summary_lines(result),
                     f"  {scenario.n_agents * simulated / 1e6:,.1f} M agent-days in "
                     f"{result.meta['seconds_total']:.1f} s ({result.meta['seconds_burn_in']:.1f} s "
                     f"before day 0{', loaded from the equilibrium cache' if cached else ''})",
                     f"  wrote {wrote} to {out}"]))
    return 0


def cmd_compare(args) -> int:
    """`painloop compare`: the standard comparison of interventions; prints the headline table.

    Returns:
        The exit code: 0, or 1 when a job failed (the others are kept).
    """
    from sim.studies.compare import compare

    scenario = _scenario(args)
    out = Path(args.out)
    result = compare(scenario, out=out, quick=args.quick, seeds=args.seeds,
                     executor=args.executor or ("serial" if args.serial else "processes"),
                     progress=not args.quiet, overwrite=args.overwrite, ensemble=args.ensemble,
                     ensemble_file=args.ensemble_file)
    for item in result.set_aside:
        print(f"painloop: set aside {item['file']} ({item['reason']}) as {item['moved_to']}; "
              f"its job was run again", file=sys.stderr)
    week = min(result.headlines)
    if args.ensemble is not None:
        print(f"painloop compare: week {week}, people with chronic pain on day 0, {args.ensemble} parameter draws "
              f"(paired difference to baseline [95% interval over parameters] (95% interval over seeds) "
              f"share of draws where the arm is best)")
        print(result.headlines[week].to_markdown())
        print(f"wrote ensemble_summary.csv, ensemble.md, ensemble_effects.png, results.parquet to {out}")
    else:
        print(f"painloop compare: week {week}, people with chronic pain on day 0 "
              f"(mean; paired difference to baseline [95% interval over seeds])")
        print(result.headlines[week].to_markdown())
        print(f"wrote summary.csv, headline.md, arms_over_time.png, forest.png, results.parquet to {out}")
    if result.failed:
        for f in result.failed:
            print(f"painloop: job failed: arm '{f['arm']}' seed {f['seed']}: {f['error']}", file=sys.stderr)
        return 1
    return 0


def cmd_cea(args) -> int:
    """`painloop cea`: cost-effectiveness of the standard arms for people with chronic pain;
    prints each horizon's table.

    Returns:
        The exit code: 0, or 1 when a job failed (the others are kept).
    """
    from sim.studies.economics.study import cost_effectiveness, horizon_label, markdown_table

    out = Path(args.out)  # created by the runner once the settings are known to be valid
    cea = cost_effectiveness(_scenario(args), out=out, quick=args.quick, seeds=args.seeds,
                             executor=args.executor or ("serial" if args.serial else "processes"),
                             progress=not args.quiet, currency=args.currency, perspective=args.perspective,
                             horizons=tuple(args.horizon_years), wtp=tuple(args.wtp or ()),
                             discount_costs=args.discount_costs, discount_effects=args.discount_effects,
                             population=args.population, overwrite=args.overwrite, ensemble=args.ensemble,
                             ensemble_file=args.ensemble_file)
    s = cea.settings
    over = (f"; {len(cea.draws)} parameter draws: [95% over parameters] (95% over seeds)" if cea.draws
            else "")
    for h in s.horizons:
        print(f"painloop cea: {horizon_label(h)} horizon, per person with chronic pain on day 0 "
              f"({s.currency.upper()}, {s.perspective.replace('_', '-')} perspective{over})")
        print(markdown_table(cea.table[cea.table["horizon_years"] == h], s.currency))
        for _, v in cea.verdicts[cea.verdicts["horizon_years"] == h].iterrows():
            print(f"  at {v['wtp']:,.0f} per QALY: {v['best']} (best in {100 * v['p_best']:.0f}% of {cea.samples})")
    print(f"wrote cea.md, cea.csv, ce_plane.png, ceac.png, frontier.png, results.parquet to {out}")
    for f in cea.failed:
        print(f"painloop: job failed: arm '{f['arm']}' seed {f['seed']}: {f['error']}", file=sys.stderr)
    return 1 if cea.failed else 0


def cmd_validate(args) -> int:
    """`painloop validate`: every published target against the model; prints those outside.

    Returns:
        The exit code (0).
    """
    from sim.running.files import check_writable
    from sim.studies.validation import validate

    if args.ensemble_file is not None and args.ensemble is None:
        raise InputError("--ensemble-file needs --ensemble N, the number of draws")
    out = check_writable(args.out)
    if args.ensemble is not None:
        return _validate_ensemble(args, out)
    ev = validate(_scenario(args) if args.scenario else None, out=out, quick=args.quick)
    print(f"painloop validate: {int(ev['within'].sum())} of {len(ev)} targets within their bands "
          f"({100 * ev['within'].mean():.0f}%)")
    for _, r in ev[~ev["within"]].iterrows():
        print(f"  outside: {r['target']}: model {r['model']:.3g}, band [{r['band_low']:.3g}, {r['band_high']:.3g}]")
    print(f"wrote {out}/validation.md and figures")
    return 0


def _validate_ensemble(args, out) -> int:
    """`painloop validate --ensemble N`: each target's predictive interval over the ensemble."""
    from sim.studies.ensemble_validation import validate_ensemble

    table = validate_ensemble(args.ensemble, args.ensemble_file, out=out, quick=args.quick,
                              scenario=_scenario(args) if args.scenario else None)
    print(f"painloop validate: {args.ensemble} parameter draws; {int(table['overlaps'].sum())} of {len(table)} "
          f"targets' 95% predictive intervals overlap their bands")
    for _, r in table.iterrows():
        print(f"  {r['id']}: [{r['lo']:.3g}, {r['hi']:.3g}] against band [{r['band_low']:.3g}, {r['band_high']:.3g}]; "
              f"{100 * r['share_within']:.0f}% of draws within")
    print(f"wrote {out}/validation_ensemble.md, validation_ensemble.csv, validation_ensemble_measured.csv")
    return 0


def cmd_params(args) -> int:
    """`painloop params`: print the parameter table (optionally one group).

    Returns:
        The exit code (0).
    """
    from sim.core import checks
    from sim.core.parameters import PARAMETERS

    if args.group is not None:
        checks.choice(args.group, "--group", dict.fromkeys(p.group for p in PARAMETERS))
    for p in PARAMETERS:
        if args.group and p.group != args.group:
            continue
        print(f"{p.name:40s} {p.default!s:>9} {p.unit:22s} {p.range_text():18s} {p.meaning}")
    return 0


def cmd_rules(args) -> int:
    """`painloop rules`: print the feedback rules in schedule order with their links.

    Returns:
        The exit code (0).
    """
    from sim.core.rules import RULES

    for r in RULES:
        links = ", ".join(f"{c} -({'+' if s > 0 else '-'})-> {e}" for c, e, s in r.edges)
        print(f"{r.name:36s} {links}")
    return 0


def cmd_diagram(args) -> int:
    """`painloop diagram`: draw the causal-loop diagram (PNG and SVG) and count its loops.

    Returns:
        The exit code (0).
    """
    from sim.teaching.loop_diagram import causal_graph, check_stem, find_loops, write_loop_diagram

    check_stem(args.name)
    paths = write_loop_diagram(args.out, args.off, stem=args.name)
    loops = find_loops(causal_graph(args.off))
    n_r = sum(lp.sign > 0 for lp in loops)
    broken = sum(not lp.active for lp in loops)
    print(f"painloop diagram: {len(loops)} feedback loops ({n_r} reinforcing, {len(loops) - n_r} "
          f"balancing){f', {broken} broken by switched-off rules' if args.off else ''}")
    print("  wrote " + ", ".join(str(p) for p in paths))
    return 0


def cmd_story(args) -> int:
    """`painloop story`: one person from a back injury, week by week, in words and a figure.

    Returns:
        The exit code (0).
    """
    from sim.running.files import write_into
    from sim.running.plots import save
    from sim.teaching.story import DEFAULT_AGENTS, compare, comparison_lines, follow, story_figure, story_lines

    scenario = _scenario(args)
    if args.agents is None and "n_agents" not in scenario.overrides:
        scenario = scenario.replace(n_agents=DEFAULT_AGENTS)
    options = dict(person=args.person, who=args.who, severity=args.severity, weeks=args.weeks)
    if args.with_intervention:
        records = compare(scenario, args.seed, args.with_intervention, **options)
        lines = comparison_lines(records)
    else:
        records = [follow(scenario, args.seed, label="as it happened", **options)]
        lines = story_lines(records[0])
    person = records[0].person
    title = (f"One person's story: person {person} of {scenario.n_agents:,}, seed {args.seed}"
             f"{f' ({scenario.name})' if scenario.name else ''}")

    def write(tmp: Path) -> None:
        (tmp / "story.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
        pd.concat([r.daily.assign(arm=r.label) for r in records]).to_csv(tmp / "story.csv", index=False)
        save(story_figure(records, title), tmp / "story.png")

    import pandas as pd

    out = write_into(Path(args.out), write)
    print("\n".join(lines))
    print(f"  wrote story.txt, story.csv, story.png to {out}")
    return 0


def cmd_odd(args) -> int:
    """`painloop odd`: regenerate the generated tables of the ODD document, or check them.

    Returns:
        The exit code: 0, or 1 with ``--check`` when a table is out of date.
    """
    from sim.teaching import odd

    text = odd.read(args.path)
    if args.check:
        stale = odd.stale_blocks(text)
        if stale:
            print(f"painloop odd: {args.path} is out of date in: {', '.join(stale)} "
                  f"(run `painloop odd` to regenerate)", file=sys.stderr)
            return 1
        print(f"painloop odd: {args.path} matches the code")
        return 0
    new = odd.render(text)
    if new != text:
        odd.write(args.path, new)
    print(f"painloop odd: {'regenerated' if new != text else 'already current:'} {args.path}")
    return 0


def cmd_lesson(args) -> int:
    """`painloop lesson`: regenerate the people, commands, quoted stories and town numbers of the
    lesson plan from the model (several minutes), or check them.

    Returns:
        The exit code: 0, or 1 when ``--check`` finds a block out of date.
    """
    from sim.teaching import lesson

    text = lesson.read(args.path)
    made = lesson.blocks()
    if args.check:
        stale = lesson.stale_blocks(text, made)
        if stale:
            print(f"painloop lesson: {args.path} is out of date in: {', '.join(stale)} "
                  f"(run `painloop lesson` to regenerate)", file=sys.stderr)
            return 1
        print(f"painloop lesson: {args.path} matches the model")
        return 0
    new = lesson.render(text, made)
    if new != text:
        lesson.write(args.path, new)
    lesson.save_figure(made["figure"], made["seed"], Path(args.path).parent / "figures" / lesson.FIGURE.name)
    print(f"painloop lesson: {'regenerated' if new != text else 'already current:'} {args.path} and "
          f"figures/{lesson.FIGURE.name}")
    return 0


def cmd_cache(args) -> int:
    """`painloop cache`: where the equilibrium cache is and how big; ``--clear`` empties it.

    Returns:
        The exit code (0).
    """
    from sim.core import equilibrium

    where = equilibrium.folder()
    if where is None:
        print(f"painloop cache: off (${equilibrium.ENV}=off)")
        return 0
    if args.clear:
        count, total = equilibrium.clear(where)
        print(f"painloop cache: removed {count} saved burn-ins ({total / 2**20:,.1f} MB) from {where}")
        return 0
    count, total = equilibrium.size(where)
    print(f"painloop cache: {count} saved burn-ins, {total / 2**20:,.1f} MB in {where}")
    return 0


def cmd_dashboard(args) -> int:
    """`painloop dashboard`: serve the teaching dashboard until interrupted.

    Returns:
        The exit code (0).
    """
    from sim.teaching.dashboard_server import serve

    return serve(args.host, args.port)


def build_parser() -> argparse.ArgumentParser:
    """The `painloop` argument parser, one subcommand per command (the site's command pages print
    its help).

    Returns:
        The parser; each subcommand sets ``func`` to the function that runs it.
    """
    from sim.core.parameters import PARAMETERS
    from sim.interventions import intervention_names

    parser = argparse.ArgumentParser(prog="painloop", description=(
        "Agent-based simulation of the vicious cycle between chronic back pain and depression."))
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser("run", help="run one scenario; write the daily table and a figure")
    run.add_argument("scenario", nargs="?", help="scenario TOML file (default: all defaults)")
    run.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    run.add_argument("--agents", type=int, help="number of people (overrides the scenario)")
    run.add_argument("--days", type=int, help="days reported after the burn-in (overrides)")
    run.add_argument("--burn-in", type=int, help="burn-in days before day 0 (overrides)")
    run.add_argument("--out", default="results/run", help="output folder (default results/run)")
    run.add_argument("--precision", choices=("float64", "float32"), default="float64",
                     help="engine float type: float32 is about twice as fast at 10^6 people and "
                          "changes results within Monte Carlo noise (docs/performance.md)")
    run.add_argument("--panel-every", type=int, metavar="K",
                     help="also write panel.parquet: people's clinical states every K days")
    run.add_argument("--panel-agents", type=int, metavar="N",
                     help="follow a random sample of N people in the panel instead of everyone")
    run.add_argument("--quiet", action="store_true", help="no progress bar")
    run.set_defaults(func=cmd_run)

    comp = sub.add_parser("compare", help="compare interventions and strategies for people with "
                                          "chronic pain; write a table and figures")
    comp.add_argument("scenario", nargs="?", help="scenario TOML file (its interventions form one more arm)")
    comp.add_argument("--quick", action="store_true", help="4,000 people, 3 seeds (about a minute)")
    comp.add_argument("--seeds", type=int, help="number of seeds (default 10; --quick 3)")
    comp.add_argument("--agents", type=int, help="number of people (overrides the scenario)")
    comp.add_argument("--days", type=int, help="days after day 0 (default 365)")
    comp.add_argument("--out", default="results/compare", help="output folder (default results/compare)")
    comp.add_argument("--serial", action="store_true", help="run in this process (no worker processes)")
    comp.add_argument("--executor", metavar="EXECUTOR",
                      help="serial, processes (default), dask (a local Dask cluster) or "
                           "dask://HOST:PORT (a running Dask scheduler; docs/cluster.md)")
    comp.add_argument("--overwrite", action="store_true",
                      help="replace results in --out that were made with other settings "
                           "(without it they are kept and the run is refused)")
    comp.add_argument("--ensemble", type=int, metavar="N",
                      help="run every arm over N parameter draws of the parameter ensemble (docs/uncertainty.md): "
                           "intervals over parameters and over seeds, and the chance each arm is best")
    comp.add_argument("--ensemble-file", metavar="PATH",
                      help="with --ensemble: the ensemble CSV to draw from (default: the shipped one)")
    comp.add_argument("--quiet", action="store_true", help="no progress bar")
    comp.set_defaults(func=cmd_compare)

    cea = sub.add_parser("cea", help="cost-effectiveness of the standard strategies: costs, QALYs, "
                                     "ICERs, frontier, acceptability, budget impact")
    cea.add_argument("scenario", nargs="?", help="scenario TOML file (its unit costs and interventions are used)")
    cea.add_argument("--quick", action="store_true", help="4,000 people, 3 seeds")
    cea.add_argument("--seeds", type=int, help="number of seeds (default 10; --quick 3)")
    cea.add_argument("--agents", type=int, help="number of people (overrides the scenario)")
    cea.add_argument("--horizon-years", type=_horizon, nargs="+", default=[1, 5], metavar="N",
                     help="horizons in years, or 'lifetime' (follow everyone until death or the exit age, "
                          "then the life table; a run of exit - entry age years) (default 1 5; the run "
                          "lasts the longest)")
    cea.add_argument("--wtp", type=float, nargs="+", metavar="AMOUNT",
                     help="willingness to pay per QALY (default GBP 20000 30000; USD 50000 100000 150000)")
    cea.add_argument("--perspective", choices=("health_care", "societal"), default="health_care",
                     help="health_care (default) or societal (adds lost work)")
    cea.add_argument("--currency", choices=("gbp", "usd"), default="gbp",
                     help="unit-cost set: gbp (UK, default) or usd (US)")
    cea.add_argument("--discount-costs", type=float, metavar="RATE",
                     help="yearly discount rate of costs (default 0.035 gbp, 0.03 usd)")
    cea.add_argument("--discount-effects", type=float, metavar="RATE",
                     help="yearly discount rate of QALYs (default 0.035 gbp, 0.03 usd)")
    cea.add_argument("--population", type=int, default=100_000,
                     help="adults in the population of the budget impact and EVPI (default 100000)")
    cea.add_argument("--ensemble", type=int, metavar="N",
                     help="run every arm over N parameter draws of the parameter ensemble (docs/uncertainty.md): "
                          "each draw, averaged over the seeds, is one sample of the CE plane, acceptability "
                          "curves and EVPI; intervals over parameters and over seeds")
    cea.add_argument("--ensemble-file", metavar="PATH",
                     help="with --ensemble: the ensemble CSV to draw from (default: the shipped one)")
    cea.add_argument("--out", default="results/cea", help="output folder (default results/cea)")
    cea.add_argument("--overwrite", action="store_true",
                     help="replace a result store in --out made with other settings (else refused)")
    cea.add_argument("--serial", action="store_true", help="run in this process (no worker processes)")
    cea.add_argument("--executor", metavar="EXECUTOR", help="serial, processes (default), dask or dask://HOST:PORT")
    cea.add_argument("--quiet", action="store_true", help="no progress bar")
    cea.set_defaults(func=cmd_cea)

    val = sub.add_parser("validate", help="compare the model with every published target; write "
                                          "validation.md and figures")
    val.add_argument("scenario", nargs="?", help="scenario TOML file (default: the defaults)")
    val.add_argument("--quick", action="store_true", help="2 seeds, 4,000 people (about a minute)")
    val.add_argument("--out", default="docs", help="output folder (default docs)")
    val.add_argument("--ensemble", type=int, metavar="N",
                     help="each survey target's 95%% predictive interval over N draws of the parameter ensemble "
                          "and the share of draws within its band (docs/uncertainty.md); writes validation_ensemble.md")
    val.add_argument("--ensemble-file", metavar="PATH",
                     help="with --ensemble: the ensemble CSV to draw from (default: the shipped one)")
    val.set_defaults(func=cmd_validate)

    params = sub.add_parser("params", help="list every parameter with unit, range and meaning")
    params.add_argument("--group", help="only this group (" + ", ".join(
        dict.fromkeys(p.group for p in PARAMETERS)) + ")")
    params.set_defaults(func=cmd_params)

    rules = sub.add_parser("rules", help="list the feedback rules in schedule order")
    rules.set_defaults(func=cmd_rules)

    diagram = sub.add_parser("diagram", help="draw the causal-loop diagram from the rules (PNG and SVG)")
    diagram.add_argument("--out", default="docs", help="output folder (default docs)")
    diagram.add_argument("--off", action="append", default=[], metavar="RULE",
                         help="draw this rule as switched off (repeatable)")
    diagram.add_argument("--name", default="causal_loops",
                         help="file name without extension (default causal_loops)")
    diagram.set_defaults(func=cmd_diagram)

    odd = sub.add_parser("odd", help="regenerate the tables of docs/ODD.md from the code")
    odd.add_argument("--path", default="docs/ODD.md", help="the ODD document (default docs/ODD.md)")
    odd.add_argument("--check", action="store_true",
                     help="change nothing; exit 1 if a generated table is out of date")
    odd.set_defaults(func=cmd_odd)

    lesson = sub.add_parser("lesson", help="regenerate the people, stories and numbers of the lesson "
                                           "plan (docs/teaching.md) from the model")
    lesson.add_argument("--path", default="docs/teaching.md", help="the lesson plan (default docs/teaching.md)")
    lesson.add_argument("--check", action="store_true",
                        help="change nothing; exit 1 if a generated block is out of date")
    lesson.set_defaults(func=cmd_lesson)

    dashboard = sub.add_parser("dashboard", help="serve the teaching dashboard in the browser")
    dashboard.add_argument("--port", type=int, default=8765,
                           help="port to listen on (default 8765; 0 picks a free one)")
    dashboard.add_argument("--host", default="127.0.0.1",
                           help="address to listen on (default 127.0.0.1: this computer only)")
    dashboard.set_defaults(func=cmd_dashboard)

    story = sub.add_parser("story", help="follow one person from a back injury, week by week")
    story.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    story.add_argument("--scenario", help="scenario TOML file (default: all defaults)")
    story.add_argument("--agents", type=int, help="people in the town (default 1,000, as in the dashboard)")
    story.add_argument("--burn-in", type=int, help="burn-in days before the injury (overrides)")
    story.add_argument("--person", type=int, help="follow this row (default: a well person "
                                                  "drawn from the seed)")
    story.add_argument("--who", default="anyone", help="anyone (default) or vulnerable: a well "
                       "person among the tenth with the most sensitive back and mood")
    story.add_argument("--severity", type=float, help="injury size, 0-1 tissue units (default: the "
                       "injury that lifts this person's pain to NRS 5.2 in its first week, as in people "
                       "coming to care with acute back pain, Costa 2012)")
    story.add_argument("--weeks", type=int, default=26, help="weeks to follow (default 26)")
    story.add_argument("--with", dest="with_intervention", metavar="INTERVENTION",
                       help="also tell it with this intervention offered from the injury on ("
                            + ", ".join(intervention_names()) + "): same person and randomness, "
                            "side by side")
    story.add_argument("--out", default="results/story", help="output folder (default results/story)")
    story.set_defaults(func=cmd_story)

    for command in (run, comp, cea, val, story):
        command.add_argument("--no-cache", action="store_true",
                             help="burn in instead of loading the day-0 state from the equilibrium "
                                  "cache, and save none (`painloop cache`)")
    cache = sub.add_parser("cache", help="show the equilibrium cache (saved burn-ins): where and how big")
    cache.add_argument("--clear", action="store_true", help="remove every saved burn-in")
    cache.set_defaults(func=cmd_cache)
    return parser


@contextlib.contextmanager
def _cache_option(args):
    """``--no-cache``: the cache is off for this command, in this process and the workers it starts."""
    from sim.core.equilibrium import ENV

    if not getattr(args, "no_cache", False):
        yield
        return
    before = os.environ.get(ENV)
    os.environ[ENV] = "off"
    try:
        yield
    finally:
        if before is None:
            del os.environ[ENV]
        else:
            os.environ[ENV] = before


def main(argv=None) -> int:
    """Run the `painloop` command.

    Args:
        argv: the arguments (default: the process's own).

    Returns:
        The exit code: 0 on success, 2 on a user error or when memory runs out (one line on
        stderr), 130 when interrupted (finished files are kept, nothing half-written is left).

    Examples:
        >>> from sim.cli import main
        >>> main(["rules"])  # doctest: +ELLIPSIS
        injury_to_pain ...
        0
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        with _cache_option(args):
            return args.func(args)
    except InputError as err:
        print(f"painloop: error: {err}", file=sys.stderr)
        return USER_ERROR
    except MemoryError:
        print("painloop: error: out of memory; use fewer --agents (or --precision float32 for "
              "`run`); files already finished are kept", file=sys.stderr)
        return USER_ERROR
    except KeyboardInterrupt:
        print("painloop: interrupted; files already finished are kept and nothing half-written "
              "is left (`compare` into the same --out resumes)", file=sys.stderr)
        return 130
    except BrokenPipeError:  # output piped into `head` and the like
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())
