"""Regenerate the golden baseline that ``tests/test_golden.py`` compares every run against.

    python tests/golden/regenerate.py

Run it only when a change of the model's numbers is intended, and say so in the commit: the
golden test exists to show that refactors change no number. The runs are small (400 people, a
200-day burn-in, 180 reported days), cover the per-agent Mesa path too, an intervention of every
kind with stepped care, and a sampled panel, so that they take a few seconds.
"""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent


def golden_scenario():
    from sim import Scenario

    return Scenario(
        n_agents=400, burn_in_days=200, days=180,
        interventions=[
            {"kind": "exercise", "name": "exercise", "eligibility": "chronic_pain", "coverage": 0.6},
            {"kind": "cbt", "name": "cbt", "step_up_from": "exercise", "step_up_week": 6},
            {"kind": "medication", "name": "medication", "eligibility": "chronic_pain",
             "enrolment": "rolling", "coverage": 0.3, "start_day": 30},
            {"kind": "mindfulness", "name": "mindfulness", "eligibility": "all", "coverage": 0.1},
            {"kind": "sleep", "name": "sleep", "eligibility": "all", "coverage": 0.05, "start_day": 10},
            {"kind": "social_support", "name": "social_support", "eligibility": "chronic_pain",
             "enrolment": "rolling", "coverage": 0.3, "start_day": 60},
        ])


def golden_runs(folder=None):
    """The golden tables, keyed by file stem: every path that runs days of the model, small.

    ``daily`` / ``panel``: one vectorised run; ``agents_daily``: the per-agent Mesa path;
    ``experiment``: the runner's long table (two arms, two seeds, a cohort; written under
    ``folder`` or a temporary folder); ``trial``: a virtual trial; ``survey``: every survey
    statistic of the targets; ``story``: one person's recorded days; ``sensitivity``: the two
    outputs of one parameter set.
    """
    import tempfile

    import numpy as np
    import pandas as pd

    import sim
    from sim.core.engine import Engine
    from sim.studies.epi import Survey
    from sim.studies.hysteresis import ramp
    from sim.studies.sensitivity import Setting, evaluate
    from sim.teaching.story import compare
    from sim.studies.targets import survey_measures
    from sim.studies.trials import virtual_trial

    scenario = golden_scenario()
    vector = sim.simulate(scenario, seed=7, panel_every=30, panel_agents=50)
    agents = sim.simulate(scenario.replace(n_agents=120, days=70), seed=3, engine="agents")
    small = sim.Scenario(n_agents=300, burn_in_days=150, days=120)
    arms = {"baseline": small,
            "exercise": small.replace(interventions=[{"kind": "exercise"}, {"kind": "cbt", "start_day": 20}])}
    with tempfile.TemporaryDirectory() as tmp:
        experiment = sim.run_experiment(arms, seeds=[0, 1], out=folder or tmp, progress=False).table
    trial = virtual_trial(small.replace(n_agents=600), n=80, follow_up_weeks=(4, 12), seed=[2])
    survey = Survey(Engine(small, 5)).run(600)  # 86 waves: Nahin's 68-week follow-up after a 13-week recall
    measures = pd.DataFrame([survey_measures(survey)])
    story = pd.concat([r.daily.assign(label=r.label) for r in compare(small, 4, "exercise", weeks=8)],
                      ignore_index=True)
    outputs = evaluate({"pain_to_sleep_weight": 0.5},
                       Setting(n_agents=300, burn_in_days=150, seeds=(0, 1), weeks=6))
    sensitivity = pd.DataFrame({"output": np.arange(len(outputs)), "value": outputs})
    legs, tail = ramp(small, 6, "stress_bias", [-4.0, -2.0], hold_days=100, tail_days=180)
    return {"daily": vector.daily, "panel": vector.panel, "agents_daily": agents.daily,
            "experiment": experiment, "trial": trial, "survey": measures, "story": story,
            "sensitivity": sensitivity, "hysteresis_legs": legs, "hysteresis_tail": tail}


def main() -> int:
    for stem, table in golden_runs().items():
        path = HERE / f"{stem}.parquet"
        table.to_parquet(path, index=False)
        print(f"wrote {path.relative_to(ROOT)} ({len(table)} rows, {table.shape[1]} columns)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
