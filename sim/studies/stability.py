"""Stable states of single people: the model without noise or shocks, run to its long-run state.

The noise-free, shock-free model is a deterministic dynamical system for each person (their ties'
support held at their own level). A person is **bistable** when starting them well and starting
them stuck in the cycle (sensitised, in pain, low, deconditioned) lead to different long-run
states: the vicious cycle is then a second stable state, not just a slow recovery. These
functions find such people and show how an injury tips them; :func:`two_states` is the command
line ``experiments/two_states.py``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.core import scales
from sim.core.engine import NOISE_ROWS, advance, base_drives, state_target
from sim.core.logistic import sigmoid
from sim.core.scenario import Scenario
from sim.core.state import RELAXING, TRAIT_NAMES, Population, draw_traits
from sim.core.streams import stream
from sim.running.scripts import check_writable, parse_args, write_table_and_figure

TWO_STATES = "Two stable states: the same person after a small and a large back injury."

STUCK_START = {"sensitisation": 1.0, "pain": 0.7, "low_mood": 0.6, "deconditioning": 0.6, "poor_sleep": 0.6}
"""Where a 'stuck' start puts people: the corner of state space the cycle drives toward."""


def _population(p, traits: dict, start: str) -> Population:
    n = len(next(iter(traits.values())))
    pop = Population(n, traits)
    drive = base_drives(pop, p)
    for st in RELAXING:
        getattr(pop, st.name)[...] = state_target(st.name, drive[st.name], p)
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

    The injury sets ``tissue`` to the severity (and ``remodelling`` to its ``remodelling_share``) on
    each of the first ``injury_days`` days (a lasting strain when > 1). Returns daily NRS, PHQ-9 and sensitisation, shape (days, severities).
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
            pop.remodelling[...] = np.maximum(pop.remodelling, p.remodelling_share * severities)
        course += run_quiet(pop, p, rules, 1, record=keys)
    return {"pain_nrs": scales.pain_nrs(np.array([c["pain"] for c in course])),
            "phq9": scales.phq9(np.array([c["low_mood"] for c in course])),
            "sensitisation": np.array([c["sensitisation"] for c in course])}


SEVERITIES = (0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)
COURSE_DAYS = 730
"""How long the injured person is followed (two years)."""


def tipped_person(scenario: Scenario, shares: dict) -> dict:
    """The first bistable person whom a 1.0 injury tips and a 0.3 injury does not."""
    traits = shares["traits"]
    for i in np.flatnonzero(shares["bistable_in_pain"]):
        one = {k: float(v[i]) for k, v in traits.items()}
        end = injury_course(scenario, one, [0.3, 1.0], days=COURSE_DAYS)["pain_nrs"][-1]
        if end[0] < 4 <= end[1]:
            return {"index": int(i), **one}
    raise RuntimeError("no bistable person is tipped by a single injury")


def two_states(argv=None):
    """The command line ``experiments/two_states.py``: the share of people with two stable states,
    one person whom a large injury tips and a small one does not, and that person's course for
    injuries of every size. Writes two_states.csv and two_states.png."""
    args = parse_args("two_states", TWO_STATES,  1_000, 5_000, 1, 1, argv)
    out = check_writable(args.out)
    scenario = Scenario()
    shares = bistable_shares(scenario, n=args.agents, seed=0)
    person = tipped_person(scenario, shares)
    traits = {k: v for k, v in person.items() if k != "index"}
    course = injury_course(scenario, traits, SEVERITIES, days=COURSE_DAYS)
    end = course["pain_nrs"][-1]
    table = pd.DataFrame({"injury_severity": SEVERITIES, "peak_nrs": course["pain_nrs"].max(axis=0),
                          "nrs_at_6_weeks": course["pain_nrs"][41], "nrs_after_2_years": end,
                          "phq9_after_2_years": course["phq9"][-1],
                          "sensitisation_after_2_years": course["sensitisation"][-1]})
    threshold = min((s for s, e in zip(SEVERITIES, end) if e >= 4), default=np.nan)

    fig = Figure(figsize=(13, 4.6), layout="constrained")
    ax1, ax2, ax3 = fig.subplots(1, 3)
    colours = [(0.15 + 0.8 * (s - 0.2) / 0.8, 0.3, 0.6 - 0.5 * (s - 0.2) / 0.8) for s in SEVERITIES]
    for k, s in enumerate(SEVERITIES):
        ax1.plot(course["pain_nrs"][:, k], color=colours[k], lw=1.5, label=f"injury {s:.1f}")
        ax2.plot(course["sensitisation"][:, k], color=colours[k], lw=1.5)
    ax1.axhline(4, color="grey", ls="--", lw=0.8)
    ax1.set(title="pain (NRS) after an injury at day 0", xlabel="day")
    ax1.legend(fontsize=7, ncol=2)
    ax2.set(title="central sensitisation (0-1)", xlabel="day")
    ax3.plot(SEVERITIES, end, "o-", color="#b2182b", label="after 2 years")
    ax3.plot(SEVERITIES, table["nrs_at_6_weeks"], "s--", color="#555555", label="at 6 weeks")
    ax3.axhline(4, color="grey", ls="--", lw=0.8)
    ax3.set(title="pain (NRS) by injury size", xlabel="injury severity (tissue input, 0-1)")
    ax3.legend(fontsize=8)
    fig.suptitle(f"One person, two stable states (no noise, no new shocks): injuries of {threshold:.1f} "
                 f"and more tip them into lasting pain.\n{100 * shares['pain']:.0f}% of people have two "
                 f"stable states in pain, {100 * shares['mood']:.1f}% in mood ({args.agents:,} drawn)",
                 fontsize=10)

    write_table_and_figure(out, "two_states", table, fig)
    print(f"bistable in pain: {100 * shares['pain']:.1f}%, in mood: {100 * shares['mood']:.1f}% "
          f"of {args.agents:,}; person {person['index']} traits "
          + ", ".join(f"{k} {v:+.2f}" for k, v in traits.items()))
    print(table.round(2).to_markdown(index=False))
    print(f"\nwrote {out}")
    return table, shares

