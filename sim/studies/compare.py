"""The intervention comparison: the main job (``painloop compare``).

Arms (all offered on day 0 to people with chronic pain, coverage 1, each with its default
delivery from :mod:`sim.interventions`): ``baseline`` (usual care, nothing added); every
intervention alone; the combinations in :data:`COMBINATIONS`; and stepped care (exercise first,
CBT added at week 6 for those without a pain or mood response). A scenario file's own
interventions, if any, form one more arm named after the scenario.

Outputs in the result folder (besides the runner's store): ``summary.csv`` (every arm, week and
outcome with paired differences and 95% intervals), ``headline.md`` (arms x outcomes at weeks 12,
26 and 52), ``arms_over_time.png`` and ``forest.png``.

With ``ensemble=N`` (``painloop compare --ensemble N``) every arm runs over N parameter sets drawn
from the parameter ensemble (docs/uncertainty.md), with common random numbers, and the outputs
are ``ensemble_summary.csv`` (per arm, week and outcome: mean, paired difference, 95% interval
over parameter draws, 95% interval over seeds, probability of being best), ``ensemble.md`` and
``ensemble_effects.png`` (each arm's effect over the draws), and ``ensemble_uncertainty.csv``:
which parameters move each arm's effect (first-order indices, :mod:`sim.studies.uncertainty`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from sim.core.scenario import Scenario
from sim.interventions import intervention_names
from sim.core.errors import InputError
from sim.running.files import folder_lock, write_into
from sim.running.plots import arms_over_time_figure, ensemble_effects_figure, forest_figure, save
from sim.running.runner import check_experiment, ensemble_draws, run_experiment
from sim.running.scripts import check_writable, parse_args
from sim.studies.analysis import (DEFAULT_WEEKS, OUTCOMES, SHARES, draw_effects, ensemble_headline, headline,
                                  summarise, summarise_ensemble)
from sim.studies.uncertainty import decompose_effects
from sim.studies.uncertainty import markdown as uncertainty_markdown

COMBINATIONS = {
    "exercise+cbt": ("exercise", "cbt"),
    "exercise+medication": ("exercise", "medication"),
    "mindfulness+sleep": ("mindfulness", "sleep"),
    "exercise+cbt+social_support": ("exercise", "cbt", "social_support"),
}
STEPPED_CARE = [{"kind": "exercise"},
                {"kind": "cbt", "step_up_from": "exercise", "step_up_week": 6, "response": "either"}]
QUICK = {"n_agents": 4_000, "seeds": 3}
FULL = {"n_agents": 20_000, "seeds": 10}
FIGURE_OUTCOMES = {"cohort_pain_nrs_mean": "pain, NRS (cohort mean)",
                   "cohort_phq9_mean": "PHQ-9 (cohort mean)",
                   "cohort_pain_responder": "pain responders",
                   "cohort_depression": "depression in cohort",
                   "chronic_pain": "chronic pain (population)",
                   "comorbid": "pain + depression (population)"}
FOREST_OUTCOMES = {"cohort_pain_nrs_mean": "pain, NRS", "cohort_phq9_mean": "PHQ-9",
                   "cohort_pain_responder": "pain responders", "comorbid": "pain + depression"}


def standard_arms(base: Scenario, eligibility: str = "chronic_pain") -> dict[str, Scenario]:
    """baseline, each intervention alone, the combinations and stepped care, built on ``base``."""
    plain = base.replace(interventions=())
    arms = {"baseline": plain}
    offer = {"eligibility": eligibility, "start_day": 0}
    for kind in intervention_names():
        arms[kind] = plain.replace(interventions=[{"kind": kind, **offer}])
    for name, kinds in COMBINATIONS.items():
        arms[name] = plain.replace(interventions=[{"kind": k, **offer} for k in kinds])
    arms["stepped_care"] = plain.replace(interventions=[{**s, **offer} for s in STEPPED_CARE])
    if base.interventions:
        name = base.name.replace(" ", "_") or "scenario"
        if name in arms:
            raise InputError(f"scenario name {base.name!r} gives the arm name '{name}', which is already "
                             f"the standard arm '{name}' ({_describe(arms[name])}); arm names must be "
                             f"unique: rename the scenario")
        arms[name] = base
    return arms


def _describe(arm: Scenario) -> str:
    kinds = [i.name for i in arm.interventions]
    return "usual care, nothing added" if not kinds else " + ".join(kinds)


def check_days(days: int, weeks=DEFAULT_WEEKS) -> None:
    """The comparison reports weeks ``weeks`` after day 0: the run must reach the first of them."""
    first = min(weeks)
    if days < 7 * first:
        raise InputError(f"days = {days} is too short for the comparison, which reports weeks "
                         f"{', '.join(map(str, weeks))}: days must be at least {7 * first} (week {first})")


def _seeds_text(summary: pd.DataFrame) -> str:
    """How many seeds the summary's arms hold (a partial store holds fewer than were asked for)."""
    held = summary.groupby("arm", observed=True)["n_seeds"].max()
    low, high = int(held.min()), int(held.max())
    if low == high:
        return f"{low} seed" + ("s" if low != 1 else "")
    return f"{low}-{high} seeds (some jobs failed)"


@dataclass
class Comparison:
    folder: Path
    summary: pd.DataFrame
    headlines: dict[int, pd.DataFrame]
    failed: list
    set_aside: list


def compare(base: Scenario | None = None, out="results/compare", quick: bool = False,
            seeds: int | None = None, executor: str = "processes", progress: bool = True,
            overwrite: bool = False, ensemble: int | None = None, ensemble_file=None) -> Comparison:
    """Run the standard comparison and write its tables and figures into ``out``.

    ``overwrite``: replace a result store in ``out`` made with other settings (else refused).
    ``ensemble``: run every arm over this many parameter draws (module docstring), from
    ``ensemble_file`` or the shipped ensemble (refused, with how to make it, while there is none).
    """
    base = Scenario() if base is None else base
    if quick:
        base = base.replace(n_agents=min(base.n_agents, QUICK["n_agents"]))
    check_days(base.days)
    n_seeds = seeds if seeds is not None else (QUICK if quick else FULL)["seeds"]
    arms = standard_arms(base)
    check_experiment(arms, n_seeds, out, executor, cohort="chronic_pain", ensemble=ensemble,
                     ensemble_file=ensemble_file)
    with folder_lock(out):  # the store and the tables made from it come from one run
        if ensemble is not None:
            return _compare_ensemble(base, arms, out, n_seeds, executor, progress, overwrite, ensemble, ensemble_file)
        return _compare(base, arms, out, n_seeds, executor, progress, overwrite)


def _compare_ensemble(base, arms, out, n_seeds, executor, progress, overwrite, ensemble, ensemble_file) -> Comparison:
    # only the outcomes are kept (10 of the ~80 daily metrics): 50 draws x 3 seeds of every metric
    # took 11 GB in the parent; the summary, the effects and the decomposition read nothing else
    result = run_experiment(arms, seeds=n_seeds, out=out, executor=executor, cohort="chronic_pain",
                            progress=progress, overwrite=overwrite, ensemble=ensemble, ensemble_file=ensemble_file,
                            metrics=tuple(OUTCOMES))
    summary = summarise_ensemble(result.table, baseline="baseline", weeks=DEFAULT_WEEKS)
    weeks = sorted(summary["week"].unique())
    headlines = {int(w): ensemble_headline(summary, week=int(w)) for w in weeks}
    effects = draw_effects(result.table, baseline="baseline", weeks=DEFAULT_WEEKS)
    # which parameters move each arm's effect (docs/uncertainty.md, "Which uncertainty matters")
    which = decompose_effects(effects, list(ensemble_draws(ensemble, ensemble_file)), week=weeks[0])
    source = "the shipped ensemble" if ensemble_file is None else f"ensemble file {Path(ensemble_file).name}"
    title = (f"painloop compare --ensemble {ensemble}: {base.n_agents:,} people, {n_seeds} seeds x {ensemble} "
             f"parameter draws ({source}); offered on day 0 to people with chronic pain")

    def write(tmp: Path) -> None:
        summary.to_csv(tmp / "ensemble_summary.csv", index=False)
        lines = [f"# {title}", "",
                 "Each cell: paired difference to baseline (mean over draws and seeds) [95% interval over "
                 "parameter draws] (95% interval over seeds) and the share of draws in which the arm is best "
                 "on that outcome. Shares in percent points; pain on NRS 0-10; PHQ-9 0-27.", ""]
        for week, table in headlines.items():
            lines += [f"## Week {week}", "", table.to_markdown(), ""]
        lines += [f"## Which parameters move the effects (week {weeks[0]})", "",
                  "First-order index: the share of an arm's effect's variance over the draws that one parameter "
                  "explains alone (a spline regression over the draws; docs/uncertainty.md). Seed noise: the share "
                  "the seeds leave in it. With few distinct draws the indices cannot be estimated (blank).", "",
                  uncertainty_markdown(which[which["outcome"].isin(list(FOREST_OUTCOMES))]), ""]
        (tmp / "ensemble.md").write_text("\n".join(lines), encoding="utf-8")
        which.to_csv(tmp / "ensemble_uncertainty.csv", index=False)
        save(ensemble_effects_figure(effects, week=weeks[0], outcomes=FOREST_OUTCOMES, title=title,
                                     percent=SHARES), tmp / "ensemble_effects.png")

    write_into(Path(out), write)
    return Comparison(Path(out), summary, headlines, result.failed, result.set_aside)


def _compare(base, arms, out, n_seeds, executor, progress, overwrite) -> Comparison:
    result = run_experiment(arms, seeds=n_seeds, out=out, executor=executor, cohort="chronic_pain",
                            progress=progress, overwrite=overwrite)
    summary = summarise(result.table, baseline="baseline", weeks=DEFAULT_WEEKS, n_agents=base.n_agents)
    weeks = sorted(summary["week"].unique())
    headlines = {int(w): headline(summary, week=int(w)) for w in weeks}
    wide = result.wide()
    windows = sorted({(i.start_day, i.start_day + i.duration_days)
                      for s in arms.values() for i in s.interventions if i.step_up_from is None})
    title = (f"painloop compare: {base.n_agents:,} people, {_seeds_text(summary)}; offered on day 0 to "
             f"people with chronic pain")

    def write(tmp: Path) -> None:
        summary.to_csv(tmp / "summary.csv", index=False)
        lines = [f"# {title}", "",
                 "Each cell: arm mean (paired difference to baseline [95% interval over seeds]). "
                 "Shares in percent; pain on NRS 0-10; PHQ-9 0-27.", ""]
        for week, table in headlines.items():
            lines += [f"## Week {week}", "", table.to_markdown(), ""]
        (tmp / "headline.md").write_text("\n".join(lines), encoding="utf-8")
        save(arms_over_time_figure(wide, FIGURE_OUTCOMES, windows=windows, title=title,
                                   percent=SHARES), tmp / "arms_over_time.png")
        save(forest_figure(summary, week=weeks[0], outcomes=FOREST_OUTCOMES, title=title,
                           percent=SHARES), tmp / "forest.png")

    write_into(Path(out), write)
    return Comparison(Path(out), summary, headlines, result.failed, result.set_aside)


def run(argv=None) -> Comparison:
    """The command line ``experiments/compare_interventions.py`` (``painloop compare`` with the
    script's shared options): the standard comparison on a population of the default scenario."""
    args = parse_args("compare_interventions", "Compare interventions and strategies for people with chronic "
                      "pain (the main job).", QUICK["n_agents"], FULL["n_agents"], QUICK["seeds"],
                      FULL["seeds"], argv)
    out = check_writable(args.out)
    result = compare(Scenario(n_agents=args.agents), out=out, seeds=args.seeds,
                     executor=args.executor, progress=not args.quiet)
    for week, table in result.headlines.items():
        print(f"\nweek {week}\n{table.to_markdown()}")
    print(f"\nwrote {out}")
    return result


__all__ = ["COMBINATIONS", "OUTCOMES", "compare", "run", "standard_arms"]
