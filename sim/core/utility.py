"""Health-related quality of life: an EQ-5D-3L utility for every person and day.

The model's pain and low mood are mapped onto the EQ-5D-3L descriptive system and valued with
the UK time trade-off tariff (Dolan 1997), whose parameters are in the ``utility`` group of
:mod:`sim.core.parameters`:

* **pain/discomfort** from pain NRS: level 2 ("moderate") from NRS 4 and level 3 ("extreme")
  from NRS 8, where the public placed those words on the NRS (Dixon 2011);
* **anxiety/depression** from PHQ-9: level 2 from PHQ-9 10 (moderate depression) and level 3
  from PHQ-9 20 (severe; Kroenke 2001);
* **usual activities** level 2 for people with high-impact chronic pain, which by definition
  limits life or work activities on most days.

Each switch is a logistic curve (``eq5d_*_spread``) rather than a step, because people with the
same score answer a three-level item differently; the result is the *expected* utility of a
person with these scores.

**Why nothing is counted twice.** Single-condition mappings (PHQ-9 -> EQ-5D fitted in depressed
people, pain -> EQ-5D fitted in people in pain) each carry part of the other condition's loss,
because the two go together; adding or multiplying them counts the overlap twice. Here pain
moves only the pain dimension and PHQ-9 only the anxiety/depression dimension, and the tariff
gives each dimension its own decrement, with the constant (any problem) and the N3 term (any
extreme problem) taken once per person. The price is that losses in mobility and self-care,
which back pain also brings, are left out (the utility of people in pain is overstated, more
so for absolute QALYs than for differences between arms), and the EQ-5D's own floor (three
levels) caps how much a large change in score can move utility.

Utility 1 is full health on this scale: people without pain or low mood score 1 here, where
age-matched population norms are about 0.85 (other conditions the model does not have).
"""

from __future__ import annotations

import numpy as np

from sim.core import scales


def _switch(score, midpoint: float, spread: float):
    """Share of people at ``score`` answering at or above a level whose midpoint is given."""
    return 0.5 * (1.0 + np.tanh((np.asarray(score, dtype=float) - midpoint) / (2.0 * spread)))


def eq5d(pain_nrs, phq9, high_impact, p):
    """Expected EQ-5D-3L utility (UK tariff) for pain NRS 0-10, PHQ-9 0-27 and high-impact pain.

    Works on arrays (one value per person) and on scalars. ``p`` is a :class:`Params` (or
    anything with the ``eq5d_*`` attributes).
    """
    pain2 = _switch(pain_nrs, p.eq5d_pain_moderate_nrs, p.eq5d_nrs_spread)
    pain3 = np.minimum(_switch(pain_nrs, p.eq5d_pain_extreme_nrs, p.eq5d_nrs_spread), pain2)
    mood2 = _switch(phq9, p.eq5d_mood_moderate_phq9, p.eq5d_phq9_spread)
    mood3 = np.minimum(_switch(phq9, p.eq5d_mood_extreme_phq9, p.eq5d_phq9_spread), mood2)
    limited = np.asarray(high_impact, dtype=float)
    loss = (p.eq5d_pain_moderate_decrement * (pain2 - pain3) + p.eq5d_pain_extreme_decrement * pain3
            + p.eq5d_mood_moderate_decrement * (mood2 - mood3) + p.eq5d_mood_extreme_decrement * mood3
            + p.eq5d_usual_activities_decrement * limited)
    # The dimensions are answered independently given the scores, so "any problem" and "any
    # extreme problem" are one minus the chance of none.
    any_problem = 1.0 - (1.0 - pain2) * (1.0 - mood2) * (1.0 - limited)
    any_extreme = 1.0 - (1.0 - pain3) * (1.0 - mood3)
    return 1.0 - loss - p.eq5d_any_problem_decrement * any_problem - p.eq5d_n3_decrement * any_extreme


def population_utility(pop, status, p) -> np.ndarray:
    """Today's utility of every person (or of a population's rows) from states and status."""
    return eq5d(scales.pain_nrs(pop.pain), scales.phq9(pop.low_mood), status.high_impact_pain, p)

