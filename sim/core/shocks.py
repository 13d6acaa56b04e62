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
from functools import cached_property

import numpy as np


@dataclass
class DayShocks:
    """One day's shocks, held sparsely: who was hit and how hard (everyone else: nothing)."""

    n: int
    injured: np.ndarray
    """Indices of people injured today (each at most once)."""
    injury_size: np.ndarray
    """Nociceptive input added to their ``tissue`` (capped at 1); ``remodelling_share`` of it goes to
    their ``remodelling`` as well (:func:`apply_shocks`)."""
    stressed: np.ndarray
    """Indices of people with a life event today (each at most once)."""
    life_event_size: np.ndarray
    """Rise in their ``stress`` (capped at 1)."""

    @cached_property
    def injury(self) -> np.ndarray:
        """Dense per-person injury input (0 where nothing happened), for the per-agent path."""
        return _dense(self.n, self.injured, self.injury_size)

    @cached_property
    def life_event(self) -> np.ndarray:
        """Dense per-person rise in stress (0 where nothing happened), for the per-agent path."""
        return _dense(self.n, self.stressed, self.life_event_size)

    def apply_to(self, pop, remodelling_share: float) -> None:
        """:func:`apply_shocks` for a whole population, touching only the people hit today.

        Gives the same numbers as the dense form (``min(x + 0, 1) == x`` for everyone else) at
        O(events) instead of two passes over every state array.
        """
        pop.tissue[self.injured] = np.minimum(pop.tissue[self.injured] + self.injury_size, 1.0)
        pop.remodelling[self.injured] = np.minimum(pop.remodelling[self.injured]
                                                   + remodelling_share * self.injury_size, 1.0)
        pop.stress[self.stressed] = np.minimum(pop.stress[self.stressed] + self.life_event_size, 1.0)


def _dense(n: int, who: np.ndarray, size: np.ndarray) -> np.ndarray:
    out = np.zeros(n)
    out[who] = size
    return out


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
    injured, injury_size = who[accept], severity[accept]
    stressed, _, life_event_size = _candidates(life_rng, n, _daily_probability(p.life_event_rate_per_year),
                                               p.life_event_severity_mean)
    return DayShocks(n, injured, injury_size, stressed, life_event_size)


def apply_shocks(s, injury, life_event, remodelling_share: float) -> None:
    """Add one day's shocks to one person (scalars) or a population (dense arrays), in place.

    The engine applies a day to the whole population with :meth:`DayShocks.apply_to`, which
    is this same sum on the people hit only.
    """
    s.tissue = np.minimum(s.tissue + injury, 1.0)
    s.remodelling = np.minimum(s.remodelling + remodelling_share * injury, 1.0)
    s.stress = np.minimum(s.stress + life_event, 1.0)
