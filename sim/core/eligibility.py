"""Who is eligible: the groups a cohort follows and an intervention is offered to.

One definition serves both, so "people with chronic pain" means the same in a followed cohort
(:mod:`sim.running.cohort`) and in an intervention's eligibility (:mod:`sim.interventions`).
"""

from __future__ import annotations

import numpy as np

from sim.core import scales
from sim.core.errors import InputError

COHORTS = ("all", "chronic_pain", "depressed", "comorbid", "acute_episode")


def eligible(kind: str, pop, status) -> np.ndarray:
    """Who meets a cohort (or intervention) eligibility today."""
    if kind == "all":
        return np.ones(pop.n, dtype=bool)
    if kind == "chronic_pain":
        return status.chronic_pain.copy()
    if kind == "depressed":
        return status.depressed.copy()
    if kind == "comorbid":
        return status.chronic_pain & status.depressed
    if kind == "acute_episode":
        # a recent injury that still hurts and has not (yet) become chronic
        return ((pop.tissue >= scales.ACUTE_TISSUE) & (scales.pain_nrs(pop.pain) >= scales.ACUTE_NRS)
                & ~status.chronic_pain)
    raise InputError(f"cohort = {kind!r} must be one of {', '.join(COHORTS)}")
