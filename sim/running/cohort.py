"""A followed cohort: the people eligible on one day, and their outcomes the way trials report them.

Experiments compare arms on the *same* people: everyone who meets ``eligibility`` on
``cohort_day`` (arms share the population up to that day, so the cohort is identical in every
arm), whether or not they were offered or took up an intervention (intention to treat).

**Deaths (censoring).** A member who dies or reaches the exit age is censored on that day: their
outcomes count on every day before it and on no day from it on (the entrant at their row is no
member). Every share and mean below is over the members still followed that day, and
``cohort_censored`` counts those who have left so far -- trial reports' "lost to follow-up".
Arms share their deaths (the ``demography`` stream draws nothing from interventions), so the
members censored are the same people in every arm.

Daily cohort metrics (prefix ``cohort_``):

* ``cohort_size`` (members still followed), ``cohort_censored``; means ``cohort_pain_nrs_mean``, ``cohort_phq9_mean``,
  ``cohort_activity_min_week_mean``, ``cohort_sleep_psqi_mean``, ``cohort_crp_mg_l_mean``;
* ``cohort_pain_responder``: share with NRS at least 30% below their cohort-day NRS;
* ``cohort_phq9_responder``: among people with PHQ-9 >= 10 on the cohort day, the share whose
  PHQ-9 is at least 50% below it (trial convention, :func:`sim.core.scales.phq9_outcomes`);
* ``cohort_remission``: among the same people, the share whose PHQ-9 is now < 5;
* ``cohort_chronic_pain``, ``cohort_depression``, ``cohort_comorbid``: case status shares;
* ``cohort_utility_mean``: mean EQ-5D-3L utility (:mod:`sim.core.utility`), what QALYs accumulate;
* ``cohort_alive``: share of the cohort-day members still followed (alive and under the exit age),
  ``cohort_died``: share who have died, ``cohort_aged_out_female`` and ``cohort_aged_out_male``:
  shares who have reached the exit age alive, by sex (all shares of the members on the cohort day,
  so they add to 1). Economics multiplies the followed members' means by ``cohort_alive`` so that
  costs and QALYs stop at death, and continues the aged-out with the life table
  (:mod:`sim.studies.economics.costs`). These four are written every day, also once every member
  has left (the means above are then absent).
"""

from __future__ import annotations

import numpy as np

from sim.core import scales
from sim.core.engine import Observer
from sim.running.outputs import Keep
from sim.core.utility import eq5d
from sim.core.eligibility import COHORTS, eligible  # noqa: F401 (COHORTS: the cohorts one can follow)


class Cohort:
    """The people meeting ``kind`` on the day this is built, with their baseline values."""

    def __init__(self, kind: str, pop, status, p):
        self.kind = kind
        self.who = np.flatnonzero(eligible(kind, pop, status))
        values = scales.clinical(pop, p)
        self.baseline_nrs = values["pain_nrs"][self.who]
        self.baseline_phq9 = values["phq9"][self.who]
        self.followed = np.ones(self.who.size, dtype=bool)
        """Per member: still followed (False from the day they died or aged out)."""
        self.aged_out = np.zeros(self.who.size, dtype=bool)
        """Per member: left by reaching the exit age alive (not by death)."""
        self.female = pop.female[self.who] > 0.5
        """Per member: sex on the cohort day (the row's value changes when an entrant takes it)."""

    def censor(self, rows: np.ndarray, aged_out_rows: np.ndarray | None = None) -> None:
        """Members at the population rows ``rows`` left today: censor them; those also in
        ``aged_out_rows`` reached the exit age, the others died. Members already censored stay as
        they were (their row now holds an entrant, who is no member)."""
        leaving = self.followed & np.isin(self.who, rows)
        self.followed[leaving] = False
        if aged_out_rows is not None and aged_out_rows.size:
            self.aged_out[leaving & np.isin(self.who, aged_out_rows)] = True

    def survival(self) -> dict[str, float]:
        """Shares of the cohort-day members alive and followed, dead, and aged out by sex."""
        n = max(self.who.size, 1)
        left = ~self.followed
        return {"cohort_alive": float(self.followed.sum() / n),
                "cohort_died": float((left & ~self.aged_out).sum() / n),
                "cohort_aged_out_female": float((self.aged_out & self.female).sum() / n),
                "cohort_aged_out_male": float((self.aged_out & ~self.female).sum() / n)}

    def metrics(self, pop, status, p) -> dict[str, float]:
        """The cohort's outcomes today: mean clinical states, pain responders (>= 30% reduction),
        PHQ-9 responders (>= 50%), remission among those depressed at baseline (PHQ-9 < 5), and
        chronic pain, depression and both, each a share of the cohort.
        """
        keep = self.followed
        who = self.who[keep]
        row = {"cohort_size": float(who.size), "cohort_censored": float((~keep).sum()), **self.survival()}
        if who.size == 0:
            return row
        values = {k: v[who] for k, v in scales.clinical(pop, p).items()}
        for key in scales.CLINICAL_KEYS:
            row[f"cohort_{key}_mean"] = float(values[key].mean())
        nrs, phq = values["pain_nrs"], values["phq9"]
        row["cohort_pain_responder"] = float(np.mean(nrs <= (1 - scales.PAIN_RESPONSE_SHARE) * self.baseline_nrs[keep]))
        responder, remitted = scales.phq9_outcomes(phq, self.baseline_phq9[keep])
        row["cohort_phq9_responder"] = float(responder.mean()) if responder.size else np.nan
        row["cohort_remission"] = float(remitted.mean()) if remitted.size else np.nan
        cp, dep = status.chronic_pain[who], status.depressed[who]
        row["cohort_chronic_pain"] = float(cp.mean())
        row["cohort_depression"] = float(dep.mean())
        row["cohort_comorbid"] = float(np.mean(cp & dep))
        row["cohort_utility_mean"] = float(eq5d(nrs, phq, status.high_impact_pain[who], p).mean())
        return row


class CohortOutcomes(Observer):
    """Observer: the :class:`Cohort` of ``kind`` formed on ``day``, and its outcomes on that day and
    every day after, in :attr:`rows` (day -> metrics); with ``keep`` (patterns,
    :class:`sim.running.outputs.Keep`) only the matching metrics."""

    def __init__(self, kind: str, day: int = 0, keep=()):
        self.kind, self.day = kind, day
        self.cohort: Cohort | None = None
        self.rows: dict[int, dict[str, float]] = {}
        self.keep = Keep(keep)

    def start(self, engine) -> None:
        self.after_day(engine)

    def replaced(self, engine, who) -> None:
        if self.cohort is not None:
            self.cohort.censor(who, engine.demography.aged_out_rows)

    def after_day(self, engine) -> None:
        if engine.day == self.day:
            self.cohort = Cohort(self.kind, engine.pop, engine.status, engine.p)
        if self.cohort is not None:
            self.rows[engine.day] = self.keep.row(self.cohort.metrics(engine.pop, engine.status, engine.p))

