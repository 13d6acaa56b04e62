"""Calibrate the defaults: fit a documented subset of parameters to the fit targets.

Stage 1 (natural history) fits FIT_PARAMETERS -- and three group scales, each multiplying a
documented group of rule weights together (the mood loop, pain -> mood, mood -> pain) -- to the
natural-history targets STAGE1_TARGETS of :mod:`sim.studies.targets`, by CMA-ES
(the ``cma`` package; the search runs in steps of 15% of each default) on the loss
sum(weight * ((model - published) / half the band)^2). Every evaluation uses the same seeds
(common random numbers), so the loss is a deterministic function of the parameters.

Stage 2 (interventions) fits each intervention's effect scale to its primary trial outcome in a
virtual trial (PRIMARY: exercise, pain at 12 weeks; CBT, PHQ-9 SMD at 8 weeks; SNRI, pain at 12
weeks; peer support, PHQ-9 SMD at 12 weeks in depressed people) by bisection on a monotone
response; mindfulness takes CBT's scale (Cherkin 2016).

Run it as ``python experiments/calibrate.py [--quick] [--write] [--stage2-only]``. ``--write``
puts the result into the declared defaults (sim/core/parameters.py; each kind's
effect size in sim/interventions/kinds.py), writes the calibration record
sim/core/calibration_record.json (each run: id, method, command, people, seeds, loss, targets;
each fitted value -- the provenance the parameter table shows, and what tests/test_provenance.py
holds the defaults to) and the fit report docs/calibration.md. Without it the script only
reports. The search starts from the current defaults, so a rerun from a checkout whose defaults
are already fitted starts at its optimum: the record says which start a run had.
"""

from __future__ import annotations

import json
import re
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

from sim.core import parameters
from sim.core.engine import Engine
from sim.core.parameters import DEFAULTS, PARAMS
from sim.core.scenario import Scenario
from sim.running.scripts import DOCS, check_writable, parse_args
from sim.studies.epi import Survey
from sim.studies.targets import TARGETS, TARGETS_BY_ID, survey_measures
from sim.studies.trials import virtual_trial

PARAMETERS_FILE = Path(parameters.__file__).resolve()
"""The module that holds the parameter table, whose defaults ``--write`` replaces."""
ROOT = PARAMETERS_FILE.parent.parent.parent
"""The source tree whose declared defaults ``--write`` replaces."""
FIT_PARAMETERS = (
    "pain_bias", "sensitisation_bias", "sensitisation_to_pain_weight", "pain_sensitivity_sd",
    "injury_rate_per_year", "injury_severity_mean", "tissue_healing_tau_days", "pain_drift_sd",
    "pain_noise_sd",
    "low_mood_bias", "mood_vulnerability_sd", "stress_to_mood_weight", "life_event_severity_mean",
    "rumination_to_mood_weight", "rumination_bias", "recovery_to_mood_weight", "mood_recovery_tau_days",
    "coping_sd",
)
GROUPS = {
    "mood_loop_scale": ("mood_to_sleep_weight", "sleep_to_mood_weight", "mood_to_stress_weight",
                        "mood_to_social_support_weight", "support_to_mood_weight", "mood_to_activity_weight",
                        "activity_to_mood_weight"),
    "pain_to_mood_scale": ("pain_to_mood_weight", "pain_to_sleep_weight", "pain_to_social_support_weight",
                           "pain_to_stress_weight"),
    "mood_to_pain_scale": ("mood_to_muscle_tension_weight", "mood_to_sensitivity_weight",
                           "sleep_to_sensitivity_weight"),
}
STAGE1_TARGETS = ("cbp_prevalence", "hicp_share", "dep_point", "dep_pr_cbp", "dep_first_incidence",
                  "dep_recovered_6m", "dep_bimodal", "cp_incidence", "acute_week6", "acute_week26",
                  "acute_week52")
"""The natural-history targets stage 1 fits (ids of sim.studies.targets.TARGETS)."""
WEIGHTS = {"cbp_prevalence": 2.0, "dep_point": 2.0, "dep_pr_cbp": 2.0}
RECORD = parameters.RECORD_PATH


def expand(x: dict) -> dict:
    """Parameter values from a point of the search space (group scales applied to defaults)."""
    values = {k: v for k, v in x.items() if k not in GROUPS}
    for group, members in GROUPS.items():
        for name in members:
            values[name] = DEFAULTS[name] * x.get(group, 1.0)
    return {k: float(np.clip(v, PARAMS[k].low, PARAMS[k].high)) if k in PARAMS else v
            for k, v in values.items()}


SURVEY_YEARS = 4
"""Years surveyed after the burn-in: new episodes of the first year are followed 3 years."""


def _survey(args) -> dict:
    values, seed, n, years = args
    # Every candidate has its own parameters: its burn-in is never reused, so it is not cached.
    s = Survey(Engine(Scenario(n_agents=n, **values), seed, cache=False)).run(years * 365)
    return survey_measures(s)


def loss(measured: list[dict]) -> tuple[float, dict]:
    """The calibration loss of survey measurements over seeds: the weighted sum over fit targets
    of ((model - published) / half the band)^2.

    Args:
        measured: one dict of survey statistics per seed.

    Returns:
        The loss, and per target its model value and standardised error.
    """
    targets = [TARGETS_BY_ID[i] for i in STAGE1_TARGETS]
    total, parts = 0.0, {}
    for t in targets:
        x = np.nanmean([m[t.key] for m in measured])
        half = (t.high - t.low) / 2
        z = (x - t.value) / half if np.isfinite(x) else 10.0
        parts[t.id] = (float(x), float(z))
        total += WEIGHTS.get(t.id, 1.0) * z ** 2
    return total, parts


def stage1(seeds, n, years, max_evals, pool, log, sigma=1.0):
    """Stage 1: fit the natural-history parameters and group scales by CMA-ES, in steps of 15%
    of each default, every evaluation on the same seeds (common random numbers).

    Args:
        seeds: the seeds every evaluation runs with.
        n: people per run.
        years: years each survey follows.
        max_evals: evaluations allowed (0: only the loss at the defaults).
        pool: an executor whose ``map`` runs the surveys.
        log: a function that takes one line of progress.
        sigma: CMA-ES's initial step, in units of those steps.

    Returns:
        The loss at the defaults, and the best point found with its loss and per-target parts.
    """
    import cma

    names = list(FIT_PARAMETERS) + list(GROUPS)
    x0 = np.array([DEFAULTS[k] if k in DEFAULTS else 1.0 for k in names])
    steps = np.where(np.abs(x0) > 0, 0.15 * np.abs(x0), 0.2)
    best = {"loss": np.inf}

    def evaluate(us):
        points = [dict(zip(names, x0 + steps * np.asarray(u))) for u in us]
        jobs = [(expand(pt), s, n, years) for pt in points for s in seeds]
        measured = list(pool.map(_survey, jobs))
        losses = []
        for i, pt in enumerate(points):
            value, parts = loss(measured[i * len(seeds):(i + 1) * len(seeds)])
            losses.append(value)
            if value < best["loss"]:
                best.update(loss=value, point=pt, parts=parts)
                log(f"loss {value:8.3f}  " + "  ".join(f"{k} {v[0]:.3g}" for k, v in parts.items()))
        return losses

    start = evaluate([np.zeros(len(names))])[0]
    if max_evals <= 0:  # only report the loss at the defaults
        return start, best
    es = cma.CMAEvolutionStrategy(np.zeros(len(names)), sigma,
                                  {"seed": 1, "maxfevals": max_evals, "verbose": -9, "popsize": 10})
    while not es.stop():
        us = es.ask()
        es.tell(us, evaluate(us))
        log(f"  generation {es.countiter}: best {best['loss']:.3f}, median {np.median(es.fit.fit):.3f}")
    return start, best


PRIMARY = {  # kind -> (trial eligibility, week, outcome column, published value, source)
    "exercise": ("chronic_back_pain", 12, "pain_md", -15.0, "Hayden 2021"),
    "cbt": ("chronic_back_pain", 8, "phq9_g", -0.38, "Williams 2012"),
    "medication": ("chronic_back_pain", 12, "pain_md", -5.3, "Ferreira 2021"),
    "social_support": ("depressed", 12, "phq9_g", -0.59, "Pfeiffer 2011"),
}


def _trial_effect(values: dict, kind: str, scale: float, seeds, n_agents: int, trial_n: int) -> float:
    world = Scenario(n_agents=n_agents, days=364, **{**values, f"{kind}_effect": scale})
    eligibility, week, column = PRIMARY[kind][:3]
    t = virtual_trial(world, {"usual_care": [], kind: [{"kind": kind}]}, eligibility, n=trial_n,
                      follow_up_weeks=(week,), seed=list(seeds))
    return float(t[(t["arm"] == kind)][column].mean())


def stage2(values: dict, seeds, n_agents, trial_n, log) -> tuple[dict, dict]:
    """Bisection of each effect scale so the virtual trial hits the published primary outcome.

    Returns the scales and, per kind, the trial outcome at the last scale tried (the fit's error).
    """
    out, last = {}, {}
    for kind, (*_, goal, _source) in PRIMARY.items():
        lo, hi = 0.0, PARAMS[f"{kind}_effect"].high
        for _ in range(10):
            mid = (lo + hi) / 2
            effect = _trial_effect(values, kind, mid, seeds, n_agents, trial_n)
            log(f"  {kind}_effect {mid:.3f}: {effect:.3f} (goal {goal})")
            lo, hi = (mid, hi) if effect > goal else (lo, mid)  # effects are negative: more scale, lower
        out[f"{kind}_effect"] = round((lo + hi) / 2, 3)
        last[kind] = effect
    out["mindfulness_effect"] = out["cbt_effect"]
    return out, last


def stage2_loss(last: dict) -> float:
    """Sum over the primary outcomes of the squared relative error at the last bisection step."""
    return float(sum(((last[k] - PRIMARY[k][3]) / PRIMARY[k][3]) ** 2 for k in PRIMARY))


DEFAULT_PATTERNS = {
    # Model parameters are rows of the table in sim/core/parameters.py; an intervention's effect
    # size is declared with its kind in sim/interventions/kinds.py (the entry's effect_size).
    "sim/core/parameters.py": lambda name: r'(_p\("[a-z]+", "%s", )([-0-9._e]+)(,)' % re.escape(name),
    "sim/interventions/kinds.py": lambda name: (r'(Effect\("%s",.*?effect_size=)([-0-9._e]+)(,)'
                                                % re.escape(name.removesuffix("_effect"))),
}


def write_defaults(values: dict, root: Path = ROOT) -> None:
    """Replace the declared defaults (the parameter table and the kinds' effect sizes) with the fitted ones."""
    for where, pattern_of in DEFAULT_PATTERNS.items():
        path = root / where
        text = path.read_text(encoding="utf-8")
        for name, value in values.items():
            if (PARAMS[name].group == "interventions") != where.endswith("kinds.py"):
                continue
            written = repr(literal(name, value))
            pattern = re.compile(pattern_of(name), re.S)
            text, count = pattern.subn(lambda m: m.group(1) + written + m.group(3), text, count=1)
            if count != 1:
                raise RuntimeError(f"could not find the default of {name} in {path}")
        path.write_text(text, encoding="utf-8")


def _options(parser) -> None:
    parser.add_argument("--write", action="store_true", help="make the fit the new defaults")
    parser.add_argument("--max-evals", type=int, default=300, help="CMA-ES evaluations (default 300)")
    parser.add_argument("--sigma", type=float, default=1.0,
                        help="CMA-ES initial step, in units of 15%% of each default (default 1; "
                             "smaller to refine an earlier fit)")
    parser.add_argument("--stage2-only", action="store_true",
                        help="keep the natural-history defaults; refit only the effect scales")


def literal(name: str, value: float) -> float | int:
    """A fitted value as write_defaults writes it into the table (so the record matches it)."""
    return int(round(value)) if PARAMS[name].kind is int else round(float(value), 4)


def write_record(stage1_run: dict, stage2_run: dict, stage1_values: dict, stage2_values: dict) -> None:
    """The calibration record: the two runs and every value they fitted."""
    record = {"about": "Written by experiments/calibrate.py --write. Each fitted default of "
                       "sim/core/parameters.py is here with the run that produced it; "
                       "tests/test_provenance.py fails when they disagree.",
              "runs": {"stage1": stage1_run, "stage2": stage2_run},
              "parameters": {**{k: {"value": literal(k, v), "run": "stage1"} for k, v in sorted(stage1_values.items())},
                             **{k: {"value": literal(k, v), "run": "stage2"} for k, v in sorted(stage2_values.items())}}}
    RECORD.write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")


def run(argv=None):
    """The command line of ``experiments/calibrate.py``: stage 1 (natural history) and stage 2
    (each intervention's effect scale), then the calibration report; ``--write`` writes the
    fitted defaults.

    Args:
        argv: command-line arguments (default: the process's own).
    """
    args = parse_args("calibrate", __doc__.splitlines()[0], 2_000, 3_000, 2, 2, argv,
                      extra=_options)
    out = check_writable(args.out)
    lines = []

    def log(text):
        print(text, flush=True)
        lines.append(text)

    seeds = list(range(args.seeds))
    max_evals = 40 if args.quick else args.max_evals
    started = time.time()
    with ProcessPoolExecutor(max_workers=min(2, len(seeds))) as pool:
        log(f"stage 1: {len(FIT_PARAMETERS)} parameters + {len(GROUPS)} group scales, "
            f"{args.agents:,} people x {len(seeds)} seeds x {SURVEY_YEARS} survey years, up to {max_evals} "
            f"evaluations")
        evals = 0 if args.stage2_only else max_evals
        start, best = stage1(seeds, args.agents, SURVEY_YEARS, evals, pool, log, args.sigma)
    fitted = expand(best["point"])
    stage1_values = {k: v for k, v in fitted.items()}
    log(f"stage 1 {'skipped' if args.stage2_only else 'done'}: loss {start:.2f} -> {best['loss']:.2f}")
    log("stage 2: effect scales from virtual trials")
    trial_agents, trial_n = max(args.agents, 4_000), 600 if args.quick else 1200
    effects, effects_at = stage2(fitted, seeds, trial_agents, trial_n, log)
    fitted.update(effects)
    minutes = (time.time() - started) / 60
    changed = {k: v for k, v in fitted.items() if not np.isclose(v, DEFAULTS[k])}
    report = ["# Calibration report", "",
              f"Generated by `python experiments/calibrate.py{' --quick' if args.quick else ''}"
              f"{' --write' if args.write else ''}` in {minutes:.0f} minutes "
              f"({args.agents:,} people, seeds {seeds}, survey of {SURVEY_YEARS} years after the 6-year "
              f"burn-in).", "",
              "## Fitted parameters", "", "| parameter | before | after | unit |", "|---|---|---|---|"]
    report += [f"| `{k}` | {DEFAULTS[k]:.4g} | {v:.4g} | {PARAMS[k].unit} |" for k, v in sorted(changed.items())]
    report += ["", "## Fit targets at the optimum", "", "| target | model | published | z (band half-widths) |",
               "|---|---|---|---|"]
    names = {t.id: t for t in TARGETS}
    report += [f"| {names[k].name} | {v[0]:.4g} | {names[k].published} | {v[1]:+.2f} |"
               for k, v in best["parts"].items()]
    report += ["", f"Stage 1 loss: {start:.2f} at the old defaults -> {best['loss']:.2f}.", "",
               "## Log", "", "```", *lines[-60:], "```", ""]
    (Path(out) / "calibration.md").write_text("\n".join(report), encoding="utf-8")
    (Path(out) / "fitted.json").write_text(json.dumps(changed, indent=2), encoding="utf-8")
    if args.write:
        command = "python experiments/calibrate.py " + " ".join(argv if argv is not None else sys.argv[1:])
        common = {"command": command.strip(), "date": time.strftime("%Y-%m-%d"), "seeds": seeds,
                  "start": "the defaults of the checkout it ran from"}
        stage1_run = {**common, "id": f"stage1-{time.strftime('%Y-%m-%d')}",
                      "method": f"CMA-ES on {len(STAGE1_TARGETS)} natural-history targets",
                      "people": args.agents, "survey_years": SURVEY_YEARS, "loss": round(best["loss"], 4),
                      "loss_start": round(start, 4), "targets": list(STAGE1_TARGETS), "skipped": args.stage2_only}
        stage2_run = {**common, "id": f"stage2-{time.strftime('%Y-%m-%d')}",
                      "method": "bisection of each effect scale on its primary virtual-trial outcome",
                      "people": trial_agents, "trial_n": trial_n,
                      "loss": round(stage2_loss(effects_at), 6),
                      "targets": {k: PRIMARY[k][3] for k in PRIMARY},
                      "outcomes_at_last_step": {k: round(v, 4) for k, v in effects_at.items()}}
        if args.stage2_only:  # the natural history keeps the run that fitted it
            old = json.loads(RECORD.read_text(encoding="utf-8"))
            stage1_run = old["runs"]["stage1"]
            stage1_values = {k: e["value"] for k, e in old["parameters"].items() if e["run"] == "stage1"}
        write_defaults(fitted)
        write_record(stage1_run, stage2_run, stage1_values,
                     {k: v for k, v in effects.items() if k != "mindfulness_effect"})
        DOCS.mkdir(exist_ok=True)
        (DOCS / "calibration.md").write_text("\n".join(report), encoding="utf-8")
        log(f"wrote {len(fitted)} defaults to the parameter table and the kinds, the record "
            f"{RECORD.name} and docs/calibration.md")
    return changed
