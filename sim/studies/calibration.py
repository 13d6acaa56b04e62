"""Calibrate the defaults: fit a documented subset of parameters to the fit targets.

Stage 1 (natural history) fits FIT_PARAMETERS -- and three group scales, each multiplying a
documented group of rule weights together (the mood loop, pain -> mood, mood -> pain) -- to the
survey targets marked ``fit`` in :mod:`sim.studies.targets` plus the two mood-dynamics targets, by CMA-ES
(the ``cma`` package; the search runs in steps of 15% of each default) on the loss
sum(weight * ((model - published) / half the band)^2). Every evaluation uses the same seeds
(common random numbers), so the loss is a deterministic function of the parameters.

Stage 2 (interventions) fits each intervention's effect scale to its primary trial outcome in a
virtual trial (PRIMARY: exercise, pain at 12 weeks; CBT, PHQ-9 SMD at 8 weeks; SNRI, pain at 12
weeks; peer support, PHQ-9 SMD at 12 weeks in depressed people) by bisection on a monotone
response; mindfulness takes CBT's scale (Cherkin 2016).

Run it as ``python experiments/calibrate.py [--quick] [--write]``. ``--write`` puts the result
into the declared defaults (``sim/core/parameters.py``; each kind's effect size in
``sim/interventions/kinds.py``) and writes the fit report
``docs/calibration.md``; ``--apply FITTED_JSON`` writes an earlier fit's defaults without fitting.
Without either the script only reports (``calibration.md`` and ``fitted.json`` in --out).
"""

from __future__ import annotations

import json
import re
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
from sim.studies.targets import TARGETS, survey_measures
from sim.studies.trials import virtual_trial

PARAMETERS_FILE = Path(parameters.__file__).resolve()
"""The module that holds the parameter table, whose defaults ``--write`` replaces."""
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
SURVEY_FIT = [t for t in TARGETS if t.fit and not t.key.endswith(("_md", "_g"))]
EXTRA_FIT = ("dep_episode_median", "dep_bimodal")
"""Mood-dynamics targets added to the fit: they fix the shape of episodes, not a level."""
WEIGHTS = {"cp_prevalence": 2.0, "dep_point": 2.0, "dep_or_cp": 2.0}


def expand(x: dict) -> dict:
    """Parameter values from a point of the search space (group scales applied to defaults)."""
    values = {k: v for k, v in x.items() if k not in GROUPS}
    for group, members in GROUPS.items():
        for name in members:
            values[name] = DEFAULTS[name] * x.get(group, 1.0)
    return {k: float(np.clip(v, PARAMS[k].low, PARAMS[k].high)) if k in PARAMS else v
            for k, v in values.items()}


def _survey(args) -> dict:
    values, seed, n, years = args
    s = Survey(Engine(Scenario(n_agents=n, **values), seed)).run(years * 365)
    return survey_measures(s)


def loss(measured: list[dict]) -> tuple[float, dict]:
    targets = SURVEY_FIT + [t for t in TARGETS if t.id in EXTRA_FIT]
    total, parts = 0.0, {}
    for t in targets:
        x = np.nanmean([m[t.key] for m in measured])
        half = (t.high - t.low) / 2
        z = (x - t.value) / half if np.isfinite(x) else 10.0
        parts[t.id] = (float(x), float(z))
        total += WEIGHTS.get(t.id, 1.0) * z ** 2
    return total, parts


def stage1(seeds, n, years, max_evals, pool, log, sigma=1.0):
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


def stage2(values: dict, seeds, n_agents, trial_n, log) -> dict:
    """Bisection of each effect scale so the virtual trial hits the published primary outcome."""
    out = {}
    for kind, (*_, goal, _source) in PRIMARY.items():
        lo, hi = 0.0, PARAMS[f"{kind}_effect"].high
        for _ in range(10):
            mid = (lo + hi) / 2
            effect = _trial_effect(values, kind, mid, seeds, n_agents, trial_n)
            log(f"  {kind}_effect {mid:.3f}: {effect:.3f} (goal {goal})")
            lo, hi = (mid, hi) if effect > goal else (lo, mid)  # effects are negative: more scale, lower
        out[f"{kind}_effect"] = round((lo + hi) / 2, 3)
    out["mindfulness_effect"] = out["cbt_effect"]
    return out


DEFAULT_PATTERNS = {
    # Model parameters are rows of the table in sim/core/parameters.py; an intervention's effect
    # size is declared with its kind in sim/interventions/kinds.py (the entry's effect_size).
    "sim/core/parameters.py": lambda name: r'(_p\("[a-z]+", "%s", )([-0-9._e]+)(,)' % re.escape(name),
    "sim/interventions/kinds.py": lambda name: (r'(Effect\("%s",.*?effect_size=)([-0-9._e]+)(,)'
                                                % re.escape(name.removesuffix("_effect"))),
}
ROOT = PARAMETERS_FILE.parent.parent.parent
"""The source tree whose declared defaults ``--write`` replaces."""


def write_defaults(values: dict, root: Path = ROOT) -> None:
    """Replace the declared defaults under ``root`` (the parameter table and the kinds' effect
    sizes) with the fitted ones; a file is written only if every one of its values is found."""
    for where, pattern_of in DEFAULT_PATTERNS.items():
        path = root / where
        text = path.read_text(encoding="utf-8")
        for name, value in values.items():
            if (PARAMS[name].group == "interventions") != where.endswith("kinds.py"):
                continue
            literal = str(int(round(value))) if PARAMS[name].kind is int else repr(round(float(value), 4))
            pattern = re.compile(pattern_of(name), re.S)
            text, count = pattern.subn(lambda m: m.group(1) + literal + m.group(3), text, count=1)
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
    parser.add_argument("--apply", metavar="FITTED_JSON",
                        help="write the defaults of an earlier fit (its fitted.json) without fitting")


def run(argv=None):
    args = parse_args("calibrate", __doc__.splitlines()[0], 2_000, 3_000, 2, 2, argv,
                      extra=_options)
    out = check_writable(args.out)
    if args.apply:
        fitted = json.loads(Path(args.apply).read_text(encoding="utf-8"))
        write_defaults(fitted)
        print(f"wrote {len(fitted)} defaults from {args.apply} to the parameter table and the kinds")
        return fitted
    lines = []

    def log(text):
        print(text, flush=True)
        lines.append(text)

    seeds = list(range(args.seeds))
    max_evals = 40 if args.quick else args.max_evals
    started = time.time()
    with ProcessPoolExecutor(max_workers=min(2, len(seeds))) as pool:
        log(f"stage 1: {len(FIT_PARAMETERS)} parameters + {len(GROUPS)} group scales, "
            f"{args.agents:,} people x {len(seeds)} seeds x 3 survey years, up to {max_evals} evaluations")
        if args.stage2_only:
            start, best = stage1(seeds, args.agents, 3, 0, pool, log, args.sigma)
        else:
            start, best = stage1(seeds, args.agents, 3, max_evals, pool, log, args.sigma)
    fitted = expand(best["point"])
    log(f"stage 1 {'skipped' if args.stage2_only else 'done'}: loss {start:.2f} -> {best['loss']:.2f}")
    log("stage 2: effect scales from virtual trials")
    effects = stage2(fitted, seeds, max(args.agents, 4_000), 600 if args.quick else 1200, log)
    fitted.update(effects)
    minutes = (time.time() - started) / 60
    changed = {k: v for k, v in fitted.items() if not np.isclose(v, DEFAULTS[k])}
    report = ["# Calibration report", "",
              f"Generated by `python experiments/calibrate.py{' --quick' if args.quick else ''}"
              f"{' --write' if args.write else ''}` in {minutes:.0f} minutes "
              f"({args.agents:,} people, seeds {seeds}, survey of 3 years after the 6-year burn-in).", "",
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
        write_defaults(changed)
        DOCS.mkdir(exist_ok=True)
        (DOCS / "calibration.md").write_text("\n".join(report), encoding="utf-8")
        log(f"wrote {len(changed)} new defaults to the parameter table, the kinds and {DOCS / 'calibration.md'}")
    return changed

