"""Timing: exercise early in an acute back-pain episode versus once pain has become chronic.

Three strategies run for two years with rolling enrolment (everyone who becomes eligible is
offered): early (during an acute episode), late (once chronic), and both, against no programme.
Outcomes for the whole population: chronic pain and comorbid prevalence at weeks 26, 52 and 104,
people reached, sessions delivered and sessions per case of chronic pain averted. Writes
timing.csv and timing.png.
"""

from pathlib import Path

from matplotlib.figure import Figure

from sim.core.scenario import Scenario
from sim.running.plots import ARM_COLOURS
from sim.running.runner import run_experiment
from sim.running.scripts import check_writable, parse_args, write_table_and_figure
from sim.studies.analysis import summarise

WEEKS = (26, 52, 104)


def arms(base: Scenario) -> dict:
    """No programme, exercise early in an acute episode, exercise once chronic, and both, each
    with rolling enrolment, built on ``base``.
    """
    early = {"kind": "exercise", "eligibility": "acute_episode", "enrolment": "rolling"}
    late = {"kind": "exercise", "eligibility": "chronic_pain", "enrolment": "rolling"}
    return {"baseline": base,
            "early": base.replace(interventions=[{**early, "name": "early"}]),
            "late": base.replace(interventions=[{**late, "name": "late"}]),
            "early+late": base.replace(interventions=[{**early, "name": "early"}, {**late, "name": "late"}])}


def run(argv=None):
    """The command line of ``experiments/timing.py``: two years of each arm; writes the table
    and the figure.

    Args:
        argv: command-line arguments (default: the process's own).
    """
    args = parse_args("timing", __doc__.splitlines()[0], 4_000, 20_000, 3, 8, argv)
    out = check_writable(args.out)
    base = Scenario(n_agents=args.agents, days=728)
    result = run_experiment(arms(base), seeds=args.seeds, out=Path(out) / "runs", executor=args.executor,
                            cohort="all", progress=not args.quiet)
    s = summarise(result.table, weeks=WEEKS, n_agents=args.agents)
    s = s[s["outcome"].isin(["chronic_pain", "comorbid", "depression"])]
    table = s[["arm", "week", "outcome", "mean", "diff", "diff_lo", "diff_hi", "reached", "sessions",
               "sessions_per_case_averted"]]
    fig = Figure(figsize=(14, 4.6), layout="constrained")
    axes = fig.subplots(1, 3)
    names = [a for a in arms(base) if a != "baseline"]
    for ax, key, label in ((axes[0], "chronic_pain", "chronic pain"), (axes[1], "comorbid", "pain + depression")):
        for i, arm in enumerate(names):
            part = s[(s["arm"] == arm) & (s["outcome"] == key)]
            ax.errorbar(part["week"] + (i - 1) * 2, part["diff"] * 100,
                        yerr=[(part["diff"] - part["diff_lo"]) * 100, (part["diff_hi"] - part["diff"]) * 100],
                        fmt="o-", color=ARM_COLOURS[i + 1], capsize=3, label=arm)
        ax.axhline(0, color="black", lw=0.8)
        ax.set_xlabel("week")
        ax.set_title(f"{label}: difference to no programme (points)", fontsize=10)
        ax.legend(fontsize=8)
    last = s[(s["week"] == s["week"].max()) & (s["outcome"] == "chronic_pain") & (s["arm"] != "baseline")]
    axes[2].bar(last["arm"], last["sessions"] / 1000, color=[ARM_COLOURS[i + 1] for i in range(len(last))])
    for x, (sessions, per_case) in enumerate(zip(last["sessions"], last["sessions_per_case_averted"])):
        axes[2].annotate(f"{per_case:.0f} per case\naverted" if per_case == per_case else "no case averted",
                         (x, sessions / 1000), ha="center", va="bottom", fontsize=8)
    axes[2].margins(y=0.18)
    axes[2].set_title(f"sessions delivered by week {int(last['week'].max())} (thousands)", fontsize=10)
    fig.suptitle(f"Exercise early in an acute episode vs once chronic ({args.agents:,} people, "
                 f"{args.seeds} seeds, 95% intervals)")

    write_table_and_figure(out, "timing", table, fig)
    print(table.round(4).to_markdown(index=False))
    print(f"\nwrote {out}")
    return table

