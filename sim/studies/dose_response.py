"""Dose-response: how exercise's effect grows with coverage and with sessions per week.

Two sweeps for people with chronic pain on day 0: coverage 0-100% at the default 2 sessions a
week, and 0.5-5 sessions a week at full coverage. Outcomes at week 12 (paired differences to the
zero-coverage arm, which is the baseline exactly). Writes dose_response.csv and dose_response.png.
"""

from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from sim.core.scenario import Scenario
from sim.running.runner import run_experiment
from sim.running.scripts import check_writable, parse_args, write_table_and_figure
from sim.studies.analysis import summarise

COVERAGES = (0.0, 0.1, 0.2, 0.4, 0.6, 0.8, 1.0)
SESSIONS = (0.5, 1.0, 2.0, 3.0, 5.0)
OUTCOMES = {"cohort_pain_nrs_mean": "pain, NRS (cohort mean)", "cohort_phq9_mean": "PHQ-9 (cohort mean)",
            "cohort_pain_responder": "pain responders (points)"}


def arms(base: Scenario) -> dict:
    """The zero-coverage baseline, exercise at each coverage, and exercise at each number of
    sessions a week, built on ``base``.
    """
    out = {"baseline": base}
    for c in COVERAGES[1:]:
        out[f"coverage_{c:.2f}"] = base.replace(interventions=[{"kind": "exercise", "coverage": c}])
    for s in SESSIONS:
        out[f"sessions_{s:.1f}"] = base.replace(interventions=[{"kind": "exercise", "sessions_per_week": s}])
    return out


def run(argv=None):
    """The command line of ``experiments/dose_response.py``: both sweeps, their table and figure.

    Args:
        argv: command-line arguments (default: the process's own).
    """
    args = parse_args("dose_response", __doc__.splitlines()[0], 4_000, 20_000, 3, 8, argv)
    out = check_writable(args.out)
    base = Scenario(n_agents=args.agents, days=182)
    result = run_experiment(arms(base), seeds=args.seeds, out=Path(out) / "runs", executor=args.executor,
                            progress=not args.quiet)
    s = summarise(result.table, weeks=(12,))
    s = s[s["outcome"].isin(OUTCOMES)].copy()
    s["sweep"] = np.where(s["arm"].str.startswith("sessions"), "sessions", "coverage")
    s["dose"] = [0.0 if a == "baseline" else float(a.split("_")[1]) for a in s["arm"]]
    table = s[["sweep", "dose", "arm", "outcome", "mean", "diff", "diff_lo", "diff_hi", "sessions"]]
    table = table.sort_values(["sweep", "outcome", "dose"])
    fig = Figure(figsize=(13, 7), layout="constrained")
    axes = fig.subplots(2, len(OUTCOMES))
    for row, (sweep, xlabel) in enumerate((("coverage", "share of people with chronic pain offered exercise"),
                                           ("sessions", "sessions offered per week (full coverage)"))):
        for ax, (key, label) in zip(axes[row], OUTCOMES.items()):
            part = s[(s["outcome"] == key) & ((s["sweep"] == sweep) | (s["arm"] == "baseline"))]
            part = part.sort_values("dose")
            scale = 100.0 if key == "cohort_pain_responder" else 1.0
            ax.fill_between(part["dose"], part["diff_lo"] * scale, part["diff_hi"] * scale, alpha=0.25,
                            color="#1b9e77", lw=0, label="95% interval over seeds")
            ax.plot(part["dose"], part["diff"] * scale, "o-", color="#1b9e77", label="mean difference")
            ax.axhline(0, color="black", lw=0.8)
            ax.set_xlabel(xlabel)
            ax.set_title(f"{label}: difference to no exercise", fontsize=10)
            ax.legend(fontsize=8)
    fig.suptitle(f"Exercise dose-response at week 12 ({args.agents:,} people, {args.seeds} seeds)")

    write_table_and_figure(out, "dose_response", table, fig)
    print(table[table["outcome"] == "cohort_pain_nrs_mean"].to_markdown(index=False))
    print(f"\nwrote {out}")
    return table

