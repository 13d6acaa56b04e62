"""Shocks that arrive at random: acute back injuries and stressful life events.

Both are drawn *sparsely* and independently of the state: each day a binomial number of
candidate people is chosen from the process's own stream, with a severity each. Injuries are
then thinned by a state-dependent acceptance (deconditioned backs are injured more often), using
a uniform drawn with the candidate. The number of draws therefore never depends on the state, so
an intervention that changes someone's back does not reshuffle anyone else's shocks (common
random numbers), and a day costs O(expected events), not O(people).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class DayShocks:
    """Dense per-person shocks of one day: 0 where nothing happened."""

    injury: np.ndarray
    """Nociceptive input added to ``tissue`` (capped at 1)."""
    life_event: np.ndarray
    """Rise in ``stress`` (capped at 1)."""


def _daily_probability(rate_per_year: float) -> float:
    return -np.expm1(-rate_per_year / 365.25)


def _candidates(rng: np.random.Generator, n: int, prob: float, severity_mean: float):
    k = rng.binomial(n, prob)
    who = rng.choice(n, size=k, replace=False, shuffle=False)
    u = rng.random(k)
    severity = np.minimum(rng.exponential(severity_mean, size=k), 1.0)
    return who, u, severity


def draw_shocks(pop, p, injuries_rng: np.random.Generator, life_rng: np.random.Generator) -> DayShocks:
    """The day's shocks for a population, from the ``injuries`` and ``life_events`` streams."""
    n = pop.n
    hr = p.injury_hazard_ratio_deconditioned
    who, u, severity = _candidates(injuries_rng, n, _daily_probability(p.injury_rate_per_year * hr),
                                   p.injury_severity_mean)
    # Thinning: hazard_i / hazard_max = hr**(deconditioning_i - 1).
    accept = u < hr ** (pop.deconditioning[who] - 1.0)
    injury = np.zeros(n)
    injury[who[accept]] = severity[accept]
    who, _, severity = _candidates(life_rng, n, _daily_probability(p.life_event_rate_per_year),
                                   p.life_event_severity_mean)
    life_event = np.zeros(n)
    life_event[who] = severity
    return DayShocks(injury, life_event)


def apply_shocks(s, injury, life_event) -> None:
    """Add one day's shocks to a population (arrays) or one person (scalars), in place."""
    s.tissue = np.minimum(s.tissue + injury, 1.0)
    s.stress = np.minimum(s.stress + life_event, 1.0)
