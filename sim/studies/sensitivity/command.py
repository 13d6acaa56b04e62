"""Global sensitivity: which parameters drive comorbidity and the exercise effect (SALib).

Morris screening of every model parameter (groups network, time, baseline, noise, shocks,
rules, and exercise's effect size; run size and scale ceilings are held fixed), each over its default +- a fraction
(``*_bias`` log-odds: +- a number of logits), clipped to its allowed range. Then Sobol' indices
(S1, ST) for the union of the top-k parameters by mu* of each output, the others at defaults.
Outputs: (a) prevalence of chronic pain and depression together (12-week mean, % of people),
(b) the exercise effect on cohort pain at week 12 (NRS, people with chronic pain on day 0,
intention to treat). Every parameter set runs with the same seeds (common random numbers).
See :mod:`sim.studies.sensitivity.methods` for the definitions and
:mod:`sim.studies.sensitivity.report` for what the report shows.

Writes factors.csv, defaults.csv, morris.csv, sobol.csv, morris.png, sobol.png and
sensitivity.md (plus burn_in_check.csv with --check-burn-in) to the output folder (with --docs
also docs/sensitivity.md and docs/figures/sensitivity_*.png), and keeps
every model run in runs/*.npz so that an interrupted analysis resumes where it stopped.

Cost (CPU time, measured): one parameter set is 0.45 s with 1,000 people and a 1,095-day burn-in,
2.3 s with 5,000 people and 2,190 days. --quick (1,000 people, 4 trajectories, Sobol' N = 32 on
the top 3 of each output) is ~330 s CPU: ~3 minutes on two free cores. The full analysis
(5,000 people, 20 trajectories, N = 128 on the top 5) is ~1,600 Morris and <= 1,536 Sobol' runs,
~2 hours CPU: about an hour on two free cores.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pandas as pd

from sim.core.errors import InputError
from sim.running.files import write_into
from sim.running.plots import save
from sim.running.scripts import check_writable, parse_args
from sim.studies.sensitivity.methods import (GROUPS, OUTPUTS, ModelRunner, Setting, check_sizes, evaluate,
                                             factor_table, factors, morris, rank_agreement, sobol, top_factors)
from sim.studies.sensitivity.report import DOCS, markdown, morris_figure, sobol_figure, write_docs

QUICK = dict(trajectories=4, top=3, sobol_n=32, burn_in_days=1_095, screen_burn_in_days=1_095, default_seeds=3)
# Full: Morris screens at the full burn-in too. Measured on the quick design (1,000-1,500 people, 4
# trajectories): Morris at 1,095 vs 2,190 days keeps the comorbid ranking (Spearman 0.98, same top 3)
# but not the exercise effect's beyond its first place (Spearman 0.81, 1 of the top 3 shared).
FULL = dict(trajectories=20, top=5, sobol_n=128, burn_in_days=2_190, screen_burn_in_days=2_190, default_seeds=5)


def options(parser):
    """Add the sensitivity script's own options (trajectories, top-k, samples, ...) to ``parser``."""
    parser.add_argument("--trajectories", type=int,
                        help=f"Morris trajectories (default {FULL['trajectories']}; quick {QUICK['trajectories']})")
    parser.add_argument("--top", type=int,
                        help=f"parameters per output taken to the Sobol' stage (default {FULL['top']}; "
                             f"quick {QUICK['top']})")
    parser.add_argument("--sobol-n", type=int,
                        help=f"Sobol' base sample, a power of two (default {FULL['sobol_n']}; quick {QUICK['sobol_n']})")
    parser.add_argument("--fraction", type=float, default=0.25,
                        help="half-width of each range as a share of the default (default 0.25)")
    parser.add_argument("--bias-halfwidth", type=float, default=0.5,
                        help="half-width of the range of *_bias parameters, logits (default 0.5)")
    parser.add_argument("--burn-in-days", type=int,
                        help=f"burn-in of the Sobol' stage and the default runs (default {FULL['burn_in_days']}; "
                             f"quick {QUICK['burn_in_days']})")
    parser.add_argument("--screen-burn-in-days", type=int,
                        help=f"burn-in of the Morris stage (default {FULL['screen_burn_in_days']}; "
                             f"quick {QUICK['screen_burn_in_days']})")
    parser.add_argument("--check-burn-in", action="store_true",
                        help="also rerun the Morris design with --burn-in-days and report whether the ranking changes")
    parser.add_argument("--screen-only", action="store_true", help="stop after the Morris stage (no Sobol')")
    parser.add_argument("--groups", default=",".join(GROUPS),
                        help=f"parameter groups to analyse (default {','.join(GROUPS)})")
    parser.add_argument("--params", help="analyse only these parameters (comma-separated; overrides --groups)")
    parser.add_argument("--workers", type=int, default=2, help="worker processes (default 2; --serial: 1)")
    parser.add_argument("--docs", action="store_true",
                        help="also write the report to docs/sensitivity.md and its figures to docs/figures/")
    parser.add_argument("--design-seed", type=int, default=20_240_601,
                        help="seed of the SALib samplers and bootstrap intervals")


def settings(args) -> dict:
    """The run's settings: the quick or full defaults, with any option given on the command
    line in their place.
    """
    chosen = QUICK if args.quick else FULL
    out = {}
    for key, default in chosen.items():
        value = getattr(args, key, None)
        out[key] = default if value is None else value
    for key in ("burn_in_days", "screen_burn_in_days"):
        if out[key] < 0:
            raise InputError(f"--{key.replace('_', '-')} = {out[key]} must be >= 0 days")
    check_sizes(trajectories=out["trajectories"], sobol_n=out["sobol_n"], top=out["top"])
    if args.seeds < 1:
        raise InputError(f"--seeds = {args.seeds} must be >= 1")
    return out


def without_out(argv) -> list[str]:
    """The command line as the report shows it: without ``--out`` (where the files go does not
    change a number, and a remake's folder is a path on one machine)."""
    shown, skip = [], False
    for arg in argv:
        if skip:
            skip = False
        elif arg == "--out":
            skip = True
        elif not arg.startswith("--out="):
            shown.append(arg)
    return shown


def run(argv=None):
    """The command line of ``experiments/sensitivity.py``: Morris screening, then Sobol' indices
    for the most influential parameters; writes the tables, figures and report.

    Args:
        argv: command-line arguments (default: the process's own).
    """
    args = parse_args("sensitivity", __doc__.splitlines()[0], 1_000, 5_000, 1, 1, argv, extra=options)
    conf = settings(args)
    args.command = " ".join(without_out(sys.argv[1:] if argv is None else argv))
    names = [n.strip() for n in args.params.split(",") if n.strip()] if args.params else None
    groups = [g.strip() for g in args.groups.split(",") if g.strip()]
    fs = factors(names, groups, fraction=args.fraction, bias_halfwidth=args.bias_halfwidth)
    workers = 1 if args.serial else args.workers
    if workers < 1:
        raise InputError(f"--workers = {workers} must be >= 1")
    seeds = tuple(range(args.seeds))
    screen = Setting(n_agents=args.agents, burn_in_days=conf["screen_burn_in_days"], seeds=seeds)
    final = Setting(n_agents=args.agents, burn_in_days=conf["burn_in_days"], seeds=seeds)
    out = check_writable(args.out)  # only once every input is known to be good
    runs = Path(out) / "runs"
    times = {}
    started = time.perf_counter()

    t0, c0 = time.perf_counter(), time.process_time()
    defaults = pd.DataFrame([{"seed": s, **dict(zip(OUTPUTS, evaluate({}, Setting(
        n_agents=args.agents, burn_in_days=conf["burn_in_days"], seeds=(s,)))))}
        for s in range(conf["default_seeds"])])
    times["defaults"] = (time.perf_counter() - t0, time.process_time() - c0, conf["default_seeds"])

    screen_model = ModelRunner(fs, screen, workers=workers, progress=not args.quiet)
    m = morris(screen_model, fs, conf["trajectories"], seed=args.design_seed, cache=runs / "morris.npz")
    times["Morris"] = _cost(screen_model, len(m.X))

    check = None
    if args.check_burn_in:
        if conf["screen_burn_in_days"] == conf["burn_in_days"]:
            raise InputError("--check-burn-in compares --screen-burn-in-days with --burn-in-days, "
                             f"but both are {conf['burn_in_days']}")
        long_model = ModelRunner(fs, final, workers=workers, progress=not args.quiet)
        m_long = morris(long_model, fs, conf["trajectories"], seed=args.design_seed,
                        cache=runs / "morris_long_burn_in.npz")
        times["Morris, check at the long burn-in"] = _cost(long_model, len(m_long.X))
        check = rank_agreement(m.table, m_long.table, conf["top"])
        check.insert(1, "screen_burn_in_days", conf["screen_burn_in_days"])
        check.insert(2, "burn_in_days", conf["burn_in_days"])

    top = top_factors(m.table, conf["top"])
    chosen = list(dict.fromkeys(name for output in OUTPUTS for name in top[output]))
    if len(chosen) < 2:  # Sobol' needs two factors: add the one with the largest mu* on any output
        strongest = m.table.groupby("parameter")["mu_star"].max().sort_values(ascending=False, kind="stable")
        chosen += [p for p in strongest.index if p not in chosen][: 2 - len(chosen)]
    by_name = {f.name: f for f in fs}
    s = None
    if not args.screen_only:
        sobol_fs = [by_name[name] for name in chosen]
        final_model = ModelRunner(sobol_fs, final, workers=workers, progress=not args.quiet)
        s = sobol(final_model, sobol_fs, conf["sobol_n"], seed=args.design_seed, cache=runs / "sobol.npz")
        times["Sobol'"] = _cost(final_model, len(s.X))
    runners = [screen_model] + ([long_model] if args.check_burn_in else []) + ([] if s is None else [final_model])
    total = time.perf_counter() - started + sum(model.cached_seconds for model in runners)

    morris_fig = morris_figure(m.table, top, conf, screen)
    sobol_fig = None if s is None else sobol_figure(s.table, top, conf, final)
    report = markdown(args, conf, fs, defaults, m, s, top, check, times, total)

    def write(tmp):
        factor_table(fs).to_csv(tmp / "factors.csv", index=False)
        defaults.to_csv(tmp / "defaults.csv", index=False)
        m.table.to_csv(tmp / "morris.csv", index=False)
        if s is not None:
            s.table.to_csv(tmp / "sobol.csv", index=False)
            save(sobol_fig, tmp / "sobol.png")
        if check is not None:
            check.to_csv(tmp / "burn_in_check.csv", index=False)
        save(morris_fig, tmp / "morris.png")
        (tmp / "sensitivity.md").write_text(report, encoding="utf-8")

    write_into(Path(out), write)
    for stale, written in (("sobol.csv", s), ("sobol.png", s), ("burn_in_check.csv", check)):
        if written is None:  # left by an earlier run with other options: it would not match
            (Path(out) / stale).unlink(missing_ok=True)
    if args.docs:
        write_docs(Path(out), report)
    print(report)
    print(f"wrote {out}" + (f" and {DOCS / 'sensitivity.md'}" if args.docs else ""))
    return {"morris": m, "sobol": s, "defaults": defaults, "check": check, "top": top}



def _cost(model: ModelRunner, runs: int) -> tuple[float, float, int]:
    """Wall and CPU seconds of a stage, counting what an earlier run spent on the cached rows."""
    return (model.seconds + model.cached_seconds, model.cpu_seconds + model.cached_cpu_seconds, runs)

