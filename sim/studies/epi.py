"""Epidemiology on a simulated population, computed the way the studies computed it.

:class:`Survey` follows every person of a run (after its burn-in) and keeps what studies
measure: weekly waves of each person's clinical values and case status, the days of injuries,
life events and episode onsets and remissions, and an inception cohort of acute back-pain
episodes. The functions below compute the statistics of ``../shared/evidence.md`` from it:

=============================  ===================================================================
function                       study design
=============================  ===================================================================
:func:`prevalence`             cross-sectional: share of people with a status, averaged over waves
:func:`period_prevalence`      share with the status at any wave in a window (12-month prevalence)
:func:`odds_ratio`             cross-sectional 2x2 table pooled over waves (e.g. MDD by CP)
:func:`first_incidence`        cohort free of the condition since the start of the burn-in
                               ("lifetime" stand-in), first onsets per 100 person-years (NEMESIS-2)
:func:`cohort_risk`            cohort free of the outcome at baseline, exposure measured at
                               baseline, cumulative incidence over the follow-up, RR and OR,
                               optionally Mantel-Haenszel adjusted for baseline PHQ-9 and chronic
                               pain (HUNT, NESDA, Mann 2022, Pearce 2022)
:func:`annual_transitions`     status at a wave and 52 weeks later: incidence, exit, pain-free
:func:`acute_course`           inception cohort: pain-free before, NRS >= 3 at presentation
                               (day 3 after onset), NRS at 6, 26 and 52 weeks (Costa 2012)
:func:`life_event_onsets`      person-months: depression onset in a month with vs without a life
                               event, among people not depressed at its start (Kendler 1999)
:func:`episode_durations`      depression episodes (onset to last depressed day) starting in the
                               first year, followed to the end of the survey
:func:`bimodality`             weekly PHQ-9 series over two years of people whose episode began
                               in the first half-year, bimodality coefficient > 0.555
                               (Hosenfeld 2015)
=============================  ===================================================================
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats as sstats

from sim.core import scales
from sim.core.engine import Engine, Observer

WAVE_KEYS = ("pain_nrs", "phq9", "sleep_psqi", "crp_mg_l", "activity_min_week", "social_support",
             "chronic_pain", "high_impact_pain", "depressed")
ACUTE_OFFSETS = (3, 42, 84, 182, 364)
"""Days after an injury at which the acute cohort's pain is read (presentation, 6, 12, 26, 52 wk)."""
PAIN_FREE_BEFORE_NRS = 2.0
PRESENTATION_NRS = 3.0
RECOVERED_NRS = 1.0
"""Pain below this counts as recovered / pain-free (an NRS that rounds to 0)."""
BIMODAL_COEFFICIENT = 5.0 / 9.0
"""Bimodality coefficient of a uniform distribution; above it a series is called bimodal."""


@dataclass
class _Injuries:
    day: int
    who: np.ndarray
    nrs: dict


class Survey(Observer):
    """Observer that records what studies measure, from the day it is attached.

    ``Survey(engine)`` attaches itself to an engine (already burned in); :meth:`run` advances the
    engine ``days`` days with the survey watching.
    """

    def __init__(self, engine: Engine, every_days: int = 7):
        self.engine = engine
        self.every = every_days
        self.n = engine.n
        self.waves: dict[str, list] = {k: [] for k in WAVE_KEYS}
        self.wave_days: list[int] = []
        self.events: dict[str, list] = {k: [] for k in ("injury", "life_event", "depression_onset",
                                                        "depression_remission", "chronic_pain_onset")}
        self.injuries: dict[int, _Injuries] = {}
        engine.attach(self)

    @property
    def days(self) -> int:
        return self.engine.day - self.start_day

    def run(self, days: int) -> Survey:
        self.engine.run(days)
        return self

    def start(self, engine: Engine) -> None:
        self.start_day = engine.day
        self.never_depressed = ~engine.status.ever_depressed.copy()
        self.never_chronic_pain = ~engine.status.ever_chronic_pain.copy()
        self._wave()

    def _wave(self) -> None:
        e = self.engine
        values = scales.clinical(e.pop, e.p)
        for k in WAVE_KEYS[:5]:
            self.waves[k].append(values[k].astype(np.float32))
        self.waves["social_support"].append(e.pop.social_support.astype(np.float32))
        self.waves["chronic_pain"].append(e.status.chronic_pain.copy())
        self.waves["high_impact_pain"].append(e.status.high_impact_pain.copy())
        self.waves["depressed"].append(e.status.depressed.copy())
        self.wave_days.append(e.day)

    def before_day(self, engine: Engine) -> None:
        self._pre_nrs = scales.pain_nrs(engine.pop.pain)
        self._pre_cp = engine.status.chronic_pain.copy()

    def shocks(self, engine: Engine, shocks) -> None:
        self._injured = np.flatnonzero(shocks.injury > 0)
        self._life_events = np.flatnonzero(shocks.life_event > 0)

    def after_day(self, engine: Engine) -> None:
        day = engine.day
        injured = self._injured
        self.events["injury"].append((day, injured))
        self.events["life_event"].append((day, self._life_events))
        ev = engine.status.events
        self.events["depression_onset"].append((day, np.flatnonzero(ev["depression_onsets"])))
        self.events["depression_remission"].append((day, np.flatnonzero(ev["depression_remissions"])))
        self.events["chronic_pain_onset"].append((day, np.flatnonzero(ev["chronic_pain_onsets"])))
        # acute cohort: pain-free and not chronic the day before the injury
        fresh = injured[(self._pre_nrs[injured] < PAIN_FREE_BEFORE_NRS) & ~self._pre_cp[injured]]
        if fresh.size:
            self.injuries[day] = _Injuries(day, fresh, {})
        nrs = None
        for k in ACUTE_OFFSETS:
            group = self.injuries.get(day - k)
            if group is not None:
                nrs = scales.pain_nrs(engine.pop.pain) if nrs is None else nrs
                group.nrs[k] = nrs[group.who]
        if (day - self.start_day) % self.every == 0:
            self._wave()

    # helpers ----------------------------------------------------------------------------------
    def wave(self, key: str) -> np.ndarray:
        """Array (waves, people) of one recorded quantity."""
        return np.asarray(self.waves[key])

    def onset_days(self, kind: str) -> list[tuple[int, np.ndarray]]:
        return self.events[kind]

    def first_day(self, kind: str, after: int | None = None) -> np.ndarray:
        """Per person, the first day of an event (``np.inf`` if none) after ``after``."""
        first = np.full(self.n, np.inf)
        for day, who in self.events[kind]:
            if after is not None and day <= after:
                continue
            first[who] = np.minimum(first[who], day)
        return first


# ---------------------------------------------------------------------------------------------
# Statistics
# ---------------------------------------------------------------------------------------------

def prevalence(s: Survey, key: str) -> float:
    return float(s.wave(key).mean())


def period_prevalence(s: Survey, key: str = "depressed", weeks: int = 52) -> float:
    w = s.wave(key)[: weeks * 7 // s.every + 1]
    return float(w.any(axis=0).mean())


def conditional_prevalence(s: Survey, key: str, given: str, value: bool = True) -> float:
    x, g = s.wave(key), s.wave(given)
    g = g if value else ~g
    return float(x[g].mean()) if g.any() else np.nan


def odds_ratio(exposed: np.ndarray, outcome: np.ndarray) -> float:
    """Odds ratio of a 2x2 table of two boolean arrays (0.5 added to every cell when one is 0)."""
    a = np.sum(exposed & outcome)
    b = np.sum(exposed & ~outcome)
    c = np.sum(~exposed & outcome)
    d = np.sum(~exposed & ~outcome)
    if min(a, b, c, d) == 0:
        a, b, c, d = a + 0.5, b + 0.5, c + 0.5, d + 0.5
    return float(a * d / (b * c))


def pooled_odds_ratio(s: Survey, exposure: str, outcome: str) -> float:
    return odds_ratio(s.wave(exposure).ravel(), s.wave(outcome).ravel())


def first_incidence(s: Survey, kind: str = "depression_onset", free: np.ndarray | None = None) -> float:
    """First onsets per 100 person-years among people free of the condition since the burn-in began."""
    free = s.never_depressed if free is None else free
    first = s.first_day(kind)[free]
    end = s.engine.day
    at_risk_days = np.minimum(first, end) - s.start_day
    events = np.isfinite(first).sum()
    return float(100.0 * events / (at_risk_days.sum() / 365.25))


@dataclass
class Risk:
    exposed: float
    unexposed: float
    rr: float
    odds_ratio: float
    n_exposed: int
    n_unexposed: int


def cohort_risk(s: Survey, exposure: np.ndarray, onset: str, free: np.ndarray, follow_up_days: int,
                strata: np.ndarray | None = None) -> Risk:
    """Cumulative incidence of ``onset`` within ``follow_up_days`` among people ``free`` at
    baseline, by a baseline ``exposure``.

    With ``strata`` (an integer label per person) the relative risk and odds ratio are
    Mantel-Haenszel estimates across strata -- adjusted for what the strata hold, as the cohort
    studies adjusted for baseline symptoms -- and the two risks are the crude ones.
    """
    first = s.first_day(onset)
    event = first <= s.start_day + follow_up_days
    ex, un = exposure & free, ~exposure & free
    r1 = float(event[ex].mean()) if ex.any() else np.nan
    r0 = float(event[un].mean()) if un.any() else np.nan
    if strata is None:
        rr, odds = (r1 / r0 if r0 else np.nan), odds_ratio(exposure[free], event[free])
    else:
        rr, odds = mantel_haenszel(exposure[free], event[free], strata[free])
    return Risk(r1, r0, rr, odds, int(ex.sum()), int(un.sum()))


def mantel_haenszel(exposed: np.ndarray, outcome: np.ndarray, strata: np.ndarray) -> tuple[float, float]:
    """Mantel-Haenszel relative risk and odds ratio over strata (strata without both groups drop out)."""
    rr_num = rr_den = or_num = or_den = 0.0
    for k in np.unique(strata):
        m = strata == k
        e, o = exposed[m], outcome[m]
        n1, n0 = e.sum(), (~e).sum()
        if n1 == 0 or n0 == 0:
            continue
        t = n1 + n0
        a, b = np.sum(e & o), np.sum(e & ~o)
        c, d = np.sum(~e & o), np.sum(~e & ~o)
        rr_num += a * n0 / t
        rr_den += c * n1 / t
        or_num += a * d / t
        or_den += b * c / t
    return (rr_num / rr_den if rr_den else np.nan), (or_num / or_den if or_den else np.nan)


def baseline_strata(s: Survey, phq9_bands: int = 5) -> np.ndarray:
    """Strata for adjustment: baseline PHQ-9 quantile band x baseline chronic-pain status."""
    phq = s.wave("phq9")[0]
    edges = np.quantile(phq, np.linspace(0, 1, phq9_bands + 1)[1:-1])
    return np.digitize(phq, edges) * 2 + s.wave("chronic_pain")[0].astype(int)


def annual_transitions(s: Survey) -> dict[str, float]:
    """From each wave of the first year to the wave 52 weeks later (pooled)."""
    cp, nrs = s.wave("chronic_pain"), s.wave("pain_nrs")
    lag = 364 // s.every
    if cp.shape[0] <= lag:
        raise ValueError("the survey is shorter than a year")
    a, b = cp[:-lag], cp[lag:]
    free_later = (nrs[lag:] < RECOVERED_NRS) & ~b
    return {"chronic_pain_incidence": float(b[~a].mean()),
            "chronic_pain_exit": float((~b[a]).mean()),
            "chronic_pain_to_pain_free": float(free_later[a].mean())}


def acute_course(s: Survey) -> dict[str, float]:
    """Inception cohort of acute episodes: mean pain (0-100) at presentation and follow-up."""
    groups = [g for g in s.injuries.values() if all(k in g.nrs for k in ACUTE_OFFSETS)]
    if not groups:
        return {}
    nrs = {k: np.concatenate([g.nrs[k] for g in groups]) for k in ACUTE_OFFSETS}
    enrolled = nrs[3] >= PRESENTATION_NRS
    out = {"n": int(enrolled.sum())}
    for k, label in zip(ACUTE_OFFSETS, ("onset", "week_6", "week_12", "week_26", "week_52")):
        out[f"pain_100_{label}"] = float(10.0 * nrs[k][enrolled].mean())
    out["not_recovered_week_52"] = float((nrs[364][enrolled] >= RECOVERED_NRS).mean())
    persistent = enrolled & (nrs[84] >= PRESENTATION_NRS)
    out["persistent_pain_100_week_52"] = float(10.0 * nrs[364][persistent].mean()) if persistent.any() else np.nan
    out["persistent_share"] = float(persistent.sum() / max(enrolled.sum(), 1))
    return out


def life_event_onsets(s: Survey, month_days: int = 30) -> dict[str, float]:
    """Depression onset in a month with / without a life event that month (person-months)."""
    months = s.days // month_days
    event = np.zeros((months, s.n), dtype=bool)
    onset = np.zeros((months, s.n), dtype=bool)
    for key, target in (("life_event", event), ("depression_onset", onset)):
        for day, who in s.events[key]:
            m = (day - s.start_day - 1) // month_days
            if 0 <= m < months:
                target[m, who] = True
    dep = s.wave("depressed")
    per_month = month_days // s.every
    at_risk = ~dep[: months * per_month: per_month][:months]
    e, o = event[at_risk], onset[at_risk]
    return {"onset_with_event": float(o[e].mean()) if e.any() else np.nan,
            "onset_without_event": float(o[~e].mean()), "odds_ratio": odds_ratio(e, o)}


def episode_durations(s: Survey, remission_days: int = scales.DEPRESSION_REMISSION_DAYS) -> dict[str, float]:
    """Depression episodes starting in the survey's first year, followed to its end."""
    onsets = {}
    for day, who in s.events["depression_onset"]:
        if day - s.start_day <= 365:
            for i in who:
                onsets.setdefault(int(i), day)
    ends = {}
    for day, who in s.events["depression_remission"]:
        for i in who:
            i = int(i)
            if i in onsets and day > onsets[i] and i not in ends:
                ends[i] = day - remission_days
    if not onsets:
        return {}
    end = s.engine.day
    durations = np.array([ends.get(i, np.inf) - d for i, d in onsets.items()])
    observed = np.array([end - d for d in onsets.values()])
    return {"episodes": len(durations),
            "median_days": float(np.median(durations)),
            "share_over_2_years": float(np.mean(durations > 730)) if observed.min() >= 730 else np.nan,
            "share_within_6_months": float(np.mean(durations <= 182))}


def bimodality(s: Survey, weeks: int = 104, onset_within_days: int = 182) -> float:
    """Share of patients whose weekly PHQ-9 series over ``weeks`` is bimodal.

    Patients are people whose depressive episode began in the survey's first half-year, as
    primary-care patients present early in an episode; people depressed for years before the
    survey would stand for the prevalent pool, which long episodes dominate.
    """
    phq = s.wave("phq9")[: weeks * 7 // s.every + 1]
    first = s.first_day("depression_onset")
    patients = first <= s.start_day + onset_within_days
    if not patients.any() or phq.shape[0] < 20:
        return np.nan
    x = phq[:, patients].astype(np.float64)
    n = x.shape[0]
    g = sstats.skew(x, axis=0, bias=False)
    k = sstats.kurtosis(x, axis=0, bias=False)
    bc = (g ** 2 + 1) / (k + 3 * (n - 1) ** 2 / ((n - 2) * (n - 3)))
    return float(np.mean(bc > BIMODAL_COEFFICIENT))
