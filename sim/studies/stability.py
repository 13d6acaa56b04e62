"""Stable states of single people: the model without noise or shocks, run to its long-run state.

The noise-free, shock-free model is a deterministic dynamical system for each person (their ties'
support held at their own level). A person is **bistable** when starting them well and starting
them stuck in the cycle (sensitised, in pain, low, deconditioned) lead to different long-run
states: the vicious cycle is then a second stable state, not just a slow recovery. These
functions find such people and show how an injury tips them.
"""

from __future__ import annotations

import numpy as np

from sim.core import scales
from sim.core.engine import NOISE_ROWS, advance, base_drives, sigmoid
from sim.core.scenario import Scenario
from sim.core.state import RELAXING, TRAIT_NAMES, Population, draw_traits
from sim.core.streams import stream

STUCK_START = {"sensitisation": 1.0, "pain": 0.7, "low_mood": 0.6, "deconditioning": 0.6, "poor_sleep": 0.6}
"""Where a 'stuck' start puts people: the corner of state space the cycle drives toward."""


def _population(p, traits: dict, start: str) -> Population:
    n = len(next(iter(traits.values())))
    pop = Population(n, traits)
    drive = base_drives(pop, p)
    for st in RELAXING:
        getattr(pop, st.name)[...] = p.ceiling.get(st.name, 1.0) * sigmoid(drive[st.name])
    pop.sensitisation[...] = sigmoid(drive["sensitisation"])
    if start == "stuck":
        for name, value in STUCK_START.items():
            getattr(pop, name)[...] = value
    return pop


def run_quiet(pop: Population, p, rules, days: int, record=None) -> list:
    """Advance ``pop`` ``days`` days with no noise and no shocks; optionally record states."""
    noise = np.zeros((NOISE_ROWS, pop.n))
    out = []
    for _ in range(days):
        pop.tie_support = pop.social_support.copy()
        pop.set_states(advance(pop, noise, p, rules))
        if record:
            out.append({k: getattr(pop, k).copy() for k in record})
    return out


def long_run_states(scenario: Scenario, traits: dict, days: int = 1095) -> dict[str, dict]:
    """Long-run NRS, PHQ-9 and sensitisation from a well and from a stuck start, per person."""
    from sim.core.rules import RULES

    p = scenario.params()
    rules = tuple(r for r in RULES if r.name not in set(scenario.disabled_rules))
    result = {}
    for start in ("well", "stuck"):
        pop = _population(p, traits, start)
        run_quiet(pop, p, rules, days)
        result[start] = {"pain_nrs": scales.pain_nrs(pop.pain), "phq9": scales.phq9(pop.low_mood),
                         "sensitisation": pop.sensitisation.copy()}
    return result


def bistable_shares(scenario: Scenario | None = None, n: int = 3000, seed: int = 0, days: int = 1095) -> dict:
    """Share of people (traits drawn as in a run) with two stable states, in pain and in mood."""
    scenario = Scenario() if scenario is None else scenario
    traits = draw_traits(n, stream(seed, "traits"))
    states = long_run_states(scenario, traits, days)
    well, stuck = states["well"], states["stuck"]
    pain = (well["pain_nrs"] < scales.CHRONIC_PAIN_NRS) & (stuck["pain_nrs"] >= scales.CHRONIC_PAIN_NRS)
    mood = (well["phq9"] < scales.DEPRESSION_PHQ9) & (stuck["phq9"] >= scales.DEPRESSION_PHQ9)
    return {"pain": float(pain.mean()), "mood": float(mood.mean()),
            "stuck_pain_nrs_median": float(np.median(stuck["pain_nrs"][pain])) if pain.any() else np.nan,
            "well_pain_nrs_median": float(np.median(well["pain_nrs"])),
            "bistable_in_pain": pain, "traits": traits}


def injury_course(scenario: Scenario, traits_of_one: dict, severities, days: int = 730,
                  injury_days: int = 1) -> dict[str, np.ndarray]:
    """One person (one trait vector), once per injury severity, from their well state.

    The injury sets ``tissue`` to the severity on each of the first ``injury_days`` days (a
    lasting strain when > 1). Returns daily NRS, PHQ-9 and sensitisation, shape (days, severities).
    """
    from sim.core.rules import RULES

    p = scenario.params()
    rules = tuple(r for r in RULES if r.name not in set(scenario.disabled_rules))
    severities = np.asarray(severities, dtype=float)
    traits = {k: np.full(severities.size, float(traits_of_one[k])) for k in TRAIT_NAMES}
    pop = _population(p, traits, "well")
    run_quiet(pop, p, rules, 720)  # settle into the well state
    keys = ("pain", "low_mood", "sensitisation")
    course = []
    for day in range(days):
        if day < injury_days:
            pop.tissue[...] = np.maximum(pop.tissue, severities)
        course += run_quiet(pop, p, rules, 1, record=keys)
    return {"pain_nrs": scales.pain_nrs(np.array([c["pain"] for c in course])),
            "phq9": scales.phq9(np.array([c["low_mood"] for c in course])),
            "sensitisation": np.array([c["sensitisation"] for c in course])}
