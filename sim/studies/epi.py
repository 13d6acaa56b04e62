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
:func:`score_distribution`     share at each whole score of a questionnaire (PHQ-9 0-27)
:func:`odds_ratio`             cross-sectional 2x2 table pooled over waves (e.g. MDD by CP)
:func:`first_incidence`        cohort free of the condition since the start of the burn-in
                               ("lifetime" stand-in), first onsets per 100 person-years (NEMESIS-2)
:func:`cohort_risk`            cohort free of the outcome at baseline, exposure measured at
                               baseline, cumulative incidence over the follow-up, RR and OR,
                               optionally Mantel-Haenszel adjusted for baseline PHQ-9 and chronic
                               pain (HUNT, NESDA, Mann 2022, Pearce 2022)
:func:`follow_up_transitions`  status at a wave and at the wave 1.3 years later (Nahin 2023's mean
                               follow-up): Nahin's three states (pain-free as NHIS asked it: no pain
                               in the last 3 months; non-chronic; chronic) and their transitions
:func:`high_impact_share`      chronic pain that limits activity on most days of the last 3 months
                               (NHIS: Dahlhamer 2018), among people with chronic pain
:func:`period_prevalence_ratio`  12-month PHQ-9 >= 10 (a screen) among people with vs without
                               chronic back pain at baseline
:func:`linked_diagnosis_ratio`  the same for a 12-month diagnosis read by equipercentile linking
                               of the 12-month peak PHQ-9 at the study's own prevalence (Currie &
                               Wang 2004)
:func:`onsets_after_injury`    share of new chronic back pain that followed an acute episode in the
                               months before its onset (the injury route)
:func:`acute_course`           inception cohort: pain-free before, NRS >= 3 at presentation
                               (day 3 after onset), NRS at 6, 26 and 52 weeks (Costa 2012)
:func:`acute_recovery`         the same cohort: no first recovery (30 pain-free days) begun within a
                               year of the injury (Henschke 2008)
:func:`life_event_onsets`      person-months: depression onset in a month with vs without a life
                               event, among people not depressed at its start (Kendler 1999)
:func:`episode_course`         new depressive episodes (onset in the survey's first year among people
                               not depressed at its start) followed as NEMESIS did (Spijker 2002;
                               ten Have 2018): share recovered within 3, 6, 12 months, not
                               recovered at 24 and 36 months, median duration
:func:`cross_lagged_z`        daily diary (:class:`Diary`: 971 people, 8 days, as Edwards 2008):
                               within-person cross-lagged regressions of next-day pain on last
                               night's sleep and of sleep on the previous day's pain, their Z
:func:`bimodality`             weekly PHQ-9 series over two years of people whose episode began
                               in the first half-year, bimodality coefficient > 0.555
                               (Hosenfeld 2015)
=============================  ===================================================================
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import stats as sstats

from sim.core import checks, scales, streams
from sim.core.engine import Engine, Observer

WAVE_KEYS = ("pain_nrs", "phq9", "sleep_psqi", "crp_mg_l", "activity_min_week", "social_support",
             "chronic_pain", "high_impact_pain", "depressed", "age_years", "female", "phq9_14d")
"""Recorded at every wave. ``phq9`` is the day's PHQ-9; ``phq9_14d`` the mean over the last 14 days,
which the PHQ-9 asks about (``depressed`` is ``phq9_14d >= 10``)."""
ACUTE_OFFSETS = (3, 42, 84, 182, 364)
"""Days after an injury at which the acute cohort's pain is read (presentation, 6, 12, 26, 52 wk)."""
PAIN_FREE_BEFORE_NRS = 2.0
PRESENTATION_NRS = 3.0
RECOVERED_NRS = scales.PAIN_REPORTED_NRS
"""Pain below this counts as recovered / pain-free: an NRS that rounds to 0
(:func:`sim.core.scales.reports_pain`)."""
RECOVERY_SUSTAINED_DAYS = 30
"""Henschke 2008 (BMJ 337:a171) timed recovery from the presenting episode and reported the share
recovered within 12 months ("Only 72% of participants had completely recovered 12 months after the
baseline consultation"; "time to recovery was modelled with Cox regression", abstract). Recovery
had to be sustained for a month: "the cumulative probability of being pain-free, maintained for
one month" in Costa 2009 (BMJ 339:b3829, the same Sydney cohort's chronic subcohort, by the same
group), as summarised in Costa 2012 (CMAJ 184:E613, Table 4). Henschke's own methods section was
not found in a readable copy: "a month" is read from Costa 2009 and taken as 30 days (as read
secondhand, check before citing)."""
RECOVERY_WITHIN_DAYS = 364
"""Recovery counts when its first pain-free day falls within a year (52 weeks) of the injury."""
RECALL_WEEKS = 13
NEMESIS_AGES = (18.0, 65.0)
"""NEMESIS-1 (Spijker 2002) and NEMESIS-2 (de Graaf 2013; ten Have 2017) sampled adults aged
18-64: their first onsets and the course of their new episodes are read in that age range at
baseline."""
NHANES_ADULTS = (20.0, np.inf)
"""NHANES's PHQ-9 estimates (Brody 2018) are for adults aged 20 or more."""
SHMAGEL_AGES = (20.0, 70.0)
"""NHANES 2009-10's back pain questions, and Shmagel 2016's chronic low back pain, cover ages
20-69."""
NAHIN_FOLLOW_UP_WEEKS = 68
"""Nahin 2023's follow-up: "1 year of follow-up (mean [SD], 1.3 [0.3] years)" (abstract). Its
"1-year" transitions are the shares changed at the second interview, on average 1.3 years (68
weeks) after the first, so the model reads them 68 weeks apart. At 52 weeks the model's chronic
cases pain-free at follow-up were 7.5% against 10.4% (session 12 measured 7.8 / 9.5 / 11.3% at
52 / 60 / 68 weeks, seed 0)."""
"""NHIS asks about the past 3 months ("how often did you have pain", "how often did pain limit
your life or work activities"); the survey reads its weekly waves over that window."""
DIARY_PEOPLE = 971
DIARY_DAYS = 8
"""Edwards 2008: 971 adults of a national sample, daily telephone interviews over 8 days."""
BIMODAL_COEFFICIENT = 5.0 / 9.0
"""Bimodality coefficient of a uniform distribution; above it a series is called bimodal."""


@dataclass
class _Injuries:
    day: int
    who: np.ndarray
    nrs: dict
    recovered: np.ndarray = field(init=False)
    """Per member, days from the injury to the first day of the first spell of
    :data:`RECOVERY_SUSTAINED_DAYS` pain-free days (``inf``: none begun within
    :data:`RECOVERY_WITHIN_DAYS`, or not yet seen); written by :class:`_PainFreeSpells`."""

    def __post_init__(self):
        self.recovered = np.full(self.who.size, np.inf)


class Diary(Observer):
    """Daily pain (NRS) and sleep (PSQI) of a fixed sample over the first days it watches.

    The sample is every (n / people)-th person: people are exchangeable by index (traits are
    drawn independently), so this is a random sample without a random stream of its own.
    """

    def __init__(self, n: int, people: int = DIARY_PEOPLE, days: int = DIARY_DAYS):
        self.who = np.unique(np.linspace(0, n - 1, min(people, n)).astype(int))
        self.days = days
        self.pain: list[np.ndarray] = []
        self.sleep: list[np.ndarray] = []

    def start(self, engine: Engine) -> None:
        self._record(engine)

    def after_day(self, engine: Engine) -> None:
        if len(self.pain) < self.days:
            self._record(engine)

    def _record(self, engine: Engine) -> None:
        self.pain.append(scales.pain_nrs(engine.pop.pain[self.who]).astype(np.float64))
        self.sleep.append(scales.sleep_psqi(engine.pop.poor_sleep[self.who]).astype(np.float64))


class Survey(Observer):
    """Observer that records what studies measure, from the day it is attached.

    **Deaths (censoring).** The survey follows the people present when it starts. A person who
    dies or reaches the exit age is censored on that day: events from that day on (theirs or the
    entrant's at their row) are not recorded, cohort statistics use their waves before it only
    (:meth:`followed`), and the acute cohort reads no pain after it. Cross-sectional statistics
    (:func:`prevalence`, odds ratios pooled over waves) describe whoever lives in the population
    at each wave, entrants included, as a repeated cross-sectional survey would.

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
        self._spells = _PainFreeSpells()
        self.left_day = np.full(engine.n, np.inf)
        """Per row, the day its first person left (died or aged out); inf while they are followed."""
        engine.attach(self)
        self.diary = engine.attach(Diary(engine.n))

    @property
    def days(self) -> int:
        """Days observed so far."""
        return self.engine.day - self.start_day

    def run(self, days: int) -> Survey:
        """Advance the engine ``days`` days with the survey watching.

        Returns:
            The survey itself, so that ``Survey(engine).run(365)`` reads as one step.
        """
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
        self.waves["phq9_14d"].append(np.asarray(e.status.phq9_14d, dtype=np.float32).copy())
        self.waves["age_years"].append(np.asarray(e.pop.age_years, dtype=np.float32).copy())
        self.waves["female"].append(np.asarray(e.pop.female) > 0.5)
        self.wave_days.append(e.day)

    def replaced(self, engine: Engine, who: np.ndarray) -> None:
        first = who[np.isinf(self.left_day[who])]
        self.left_day[first] = engine.day

    def followed(self) -> np.ndarray:
        """Boolean (waves, people): the row still holds the person followed since the start."""
        return np.asarray(self.wave_days)[:, None] < self.left_day[None, :]

    def before_day(self, engine: Engine) -> None:
        self._pre_nrs = scales.pain_nrs(engine.pop.pain)
        self._pre_cp = engine.status.chronic_pain.copy()

    def shocks(self, engine: Engine, shocks) -> None:
        self._injured = np.flatnonzero(shocks.injury > 0)
        self._life_events = np.flatnonzero(shocks.life_event > 0)

    def after_day(self, engine: Engine) -> None:
        day = engine.day
        here = np.isinf(self.left_day)
        injured = self._injured[here[self._injured]]
        self.events["injury"].append((day, injured))
        self.events["life_event"].append((day, self._life_events[here[self._life_events]]))
        ev = engine.status.events
        for key, flags in (("depression_onset", "depression_onsets"), ("depression_remission", "depression_remissions"),
                           ("chronic_pain_onset", "chronic_pain_onsets")):
            self.events[key].append((day, np.flatnonzero(ev[flags] & here)))
        # acute cohort: pain-free and not chronic the day before the injury
        fresh = injured[(self._pre_nrs[injured] < PAIN_FREE_BEFORE_NRS) & ~self._pre_cp[injured]]
        if fresh.size:
            self.injuries[day] = _Injuries(day, fresh, {})
        nrs = None
        if self._spells.size or fresh.size:
            nrs = scales.pain_nrs(engine.pop.pain)
            self._spells.advance(day, nrs, here, self.injuries)
            if fresh.size:
                self._spells.add(day, fresh)
        for k in ACUTE_OFFSETS:
            group = self.injuries.get(day - k)
            if group is not None:
                nrs = scales.pain_nrs(engine.pop.pain) if nrs is None else nrs
                group.nrs[k] = np.where(here[group.who], nrs[group.who], np.nan)
        if (day - self.start_day) % self.every == 0:
            self._wave()

    # helpers ----------------------------------------------------------------------------------
    def wave(self, key: str) -> np.ndarray:
        """Array (waves, people) of one recorded quantity."""
        return np.asarray(self.waves[key])

    def onset_days(self, kind: str) -> list[tuple[int, np.ndarray]]:
        """Each day with onsets of ``kind``, with the people it happened to: ``[(day, rows), ...]``."""
        return self.events[kind]

    def first_day(self, kind: str, after: int | None = None) -> np.ndarray:
        """Per person, the first day of an event (``np.inf`` if none) after ``after``."""
        first = np.full(self.n, np.inf)
        for day, who in self.events[kind]:
            if after is not None and day <= after:
                continue
            first[who] = np.minimum(first[who], day)
        return first


class _PainFreeSpells:
    """Runs of pain-free days (NRS rounding to 0) of the acute cohort's members, day by day, from
    the day after their injury; writes each member's first spell of :data:`RECOVERY_SUSTAINED_DAYS`
    days into their group's ``recovered`` (days from the injury to the spell's first day) and stops
    following them then, or once no spell can begin within :data:`RECOVERY_WITHIN_DAYS`. A member
    who has left (died or aged out) is never pain-free again."""

    def __init__(self):
        self.who = np.zeros(0, dtype=np.int64)
        self.start = np.zeros(0, dtype=np.int64)
        self.pos = np.zeros(0, dtype=np.int64)
        self.run = np.zeros(0, dtype=np.int64)

    @property
    def size(self) -> int:
        return int(self.who.size)

    def add(self, day: int, who: np.ndarray) -> None:
        self.who = np.concatenate([self.who, who.astype(np.int64)])
        self.start = np.concatenate([self.start, np.full(who.size, day, dtype=np.int64)])
        self.pos = np.concatenate([self.pos, np.arange(who.size, dtype=np.int64)])
        self.run = np.concatenate([self.run, np.zeros(who.size, dtype=np.int64)])

    def advance(self, day: int, nrs: np.ndarray, here: np.ndarray, injuries: dict) -> None:
        if not self.size:
            return
        free = (nrs[self.who] < RECOVERED_NRS) & here[self.who]
        self.run = np.where(free, self.run + 1, 0)
        done = self.run >= RECOVERY_SUSTAINED_DAYS
        for start in np.unique(self.start[done]):
            mine = done & (self.start == start)
            injuries[int(start)].recovered[self.pos[mine]] = day - RECOVERY_SUSTAINED_DAYS + 1 - start
        # the last day a spell can begin is RECOVERY_WITHIN_DAYS after the injury
        keep = ~done & (day - self.start - self.run < RECOVERY_WITHIN_DAYS)
        self.who, self.start, self.pos, self.run = self.who[keep], self.start[keep], self.pos[keep], self.run[keep]


# ---------------------------------------------------------------------------------------------
# Statistics
# ---------------------------------------------------------------------------------------------

def prevalence(s: Survey, key: str) -> float:
    """Share of people with ``key`` at every wave of survey ``s``, pooled over waves."""
    return float(s.wave(key).mean())


def period_prevalence(s: Survey, key: str = "depressed", weeks: int = 52) -> float:
    """Share of people with ``key`` at any wave within the first ``weeks`` weeks (default a
    year), as 12-month prevalence is asked.
    """
    w = s.wave(key)[: weeks * 7 // s.every + 1]
    return float(w.any(axis=0).mean())


def _share(hit: np.ndarray, among: np.ndarray) -> float:
    """Share of ``among`` with ``hit`` (NaN when ``among`` is nobody)."""
    return float(hit[among].mean()) if among.any() else np.nan


def conditional_prevalence(s: Survey, key: str, given: str, value: bool = True) -> float:
    """Share with ``key`` among people whose ``given`` is ``value``, pooled over waves (NaN if
    nobody is).
    """
    x, g = s.wave(key), s.wave(given)
    g = g if value else ~g
    return _share(x, g)


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
    """Odds ratio of ``outcome`` for ``exposure``, pooling every person at every wave."""
    return odds_ratio(s.wave(exposure).ravel(), s.wave(outcome).ravel())


def _aged(s: Survey, ages: tuple[float, float]) -> np.ndarray | bool:
    """Who was aged ``ages[0]`` to below ``ages[1]`` at the survey's first wave (True for all when
    the range is unbounded)."""
    if ages[0] <= 0 and ages[1] == np.inf:
        return True
    age0 = s.wave("age_years")[0]
    return (age0 >= ages[0]) & (age0 < ages[1])


def first_incidence(s: Survey, kind: str = "depression_onset", free: np.ndarray | None = None,
                    ages: tuple[float, float] = (0.0, np.inf), since: int | None = None) -> float:
    """First onsets per 100 person-years among people free of the condition since the burn-in began
    (or since they entered, for people who entered during it), aged ``ages`` at the survey's start
    (NEMESIS-2 sampled adults 18-64: :data:`NEMESIS_AGES`). Followed from day ``since`` (default:
    the survey's start) among those still followed then; NaN when nobody is at risk."""
    since = s.start_day if since is None else since
    free = s.never_depressed if free is None else free
    free = free & _aged(s, ages) & (s.left_day > since)
    first = s.first_day(kind, after=since)[free]
    end = np.minimum(s.engine.day, s.left_day[free])  # censored at death or exit
    years = (np.minimum(first, end) - since).sum() / 365.25
    return float(100.0 * np.isfinite(first).sum() / years) if years > 0 else np.nan


RECALL_RECENT_DAYS = 365
"""A retrospective survey's baseline sits this long into the model's survey: an episode within the
year before it is remembered whatever the recall (:func:`first_incidence_recalled`)."""


def first_incidence_recalled(s: Survey, recall: float, ages: tuple[float, float] = NEMESIS_AGES) -> float:
    """First onsets per 100 person-years as a survey that asks about lifetime depression
    *retrospectively* would count them (NEMESIS-2: CIDI 3.0 at baseline; de Graaf 2013).

    Retrospective surveys miss past episodes: lifetime prevalence "approximately doubled in
    prospective as compared to retrospective data" (Moffitt 2010, Psychol Med 40:899, abstract).
    Here the baseline is :data:`RECALL_RECENT_DAYS` into the survey; a person depressed in the year
    before it (at a wave, or with an onset) remembers it; a person whose depression lies only further
    back (since the burn-in began) remembers it with probability ``recall``, drawn per person from
    the survey's own stream (``survey_recall``; the model's other streams are untouched). People
    who remember none count as never depressed, and their first onsets after the baseline are
    counted over the rest of the survey, censored at death or exit, among those aged ``ages`` at the
    baseline. ``recall`` 1 is a complete record, as :func:`first_incidence` reads it (there from
    the survey's start, here from a baseline a year in). NaN for a survey too short to follow
    anyone past the baseline.
    """
    recall = checks.number(recall, "recall", 0.0, 1.0, unit="share of older episodes remembered")
    base = s.start_day + RECALL_RECENT_DAYS
    wave = RECALL_RECENT_DAYS // s.every
    if s.engine.day <= base or len(s.wave_days) <= wave:
        return np.nan
    onset = s.first_day("depression_onset")
    past_year = s.wave("depressed")[: wave + 1].any(axis=0) | (onset <= base)
    earlier = ~s.never_depressed & ~past_year
    remembered = past_year | (earlier & (streams.stream(s.engine.seed, "survey_recall").random(s.n) < recall))
    age = s.wave("age_years")[wave]
    return first_incidence(s, free=~remembered & (age >= ages[0]) & (age < ages[1]), since=base)


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
    # complete follow-up: people censored (died or aged out) before the end without an onset drop out
    free = free & (event | (s.left_day > s.start_day + follow_up_days))
    ex, un = exposure & free, ~exposure & free
    r1, r0 = _share(event, ex), _share(event, un)
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


def painful_waves_3_months(s: Survey) -> np.ndarray:
    """(waves, people): how many waves of the last :data:`RECALL_WEEKS` weeks had reported pain
    (NRS >= 1); waves before the window is full count the waves seen."""
    painful = scales.reports_pain(s.wave("pain_nrs"))
    seen = np.cumsum(painful, axis=0)
    window = RECALL_WEEKS * 7 // s.every
    lagged = np.vstack([np.zeros((window, painful.shape[1]), dtype=seen.dtype), seen[:-window]])
    return seen - lagged


def pain_free_3_months(s: Survey) -> np.ndarray:
    """(waves, people): no wave of the last :data:`RECALL_WEEKS` weeks with pain (NRS >= 1).

    NHIS asked "in the past 3 months, how often did you have pain?"; "never" is pain-free. Waves
    before the window is full read the waves seen.
    """
    return painful_waves_3_months(s) == 0


def nhis_chronic_pain(s: Survey) -> dict[str, float]:
    """Chronic pain as NHIS defines it -- pain "on most days or every day" in the past 3 months,
    with no intensity threshold (Dahlhamer 2018; Nahin 2023) -- read as reported pain (NRS >= 1)
    at more than half of the weekly waves of :data:`RECALL_WEEKS` weeks, pooled over the waves at
    which the window is full. The model's own chronic back pain also asks for NRS >= 4
    (:data:`sim.core.scales.CHRONIC_PAIN_NRS`).

    Returns ``prevalence`` and ``share_of_any_pain``: among people with any reported pain in the
    window, the share with it at most waves.
    """
    window = RECALL_WEEKS * 7 // s.every
    count = painful_waves_3_months(s)[window:]
    most = 2 * count > window
    return {"prevalence": float(most.mean()), "share_of_any_pain": float(most.sum() / max((count > 0).sum(), 1))}


def no_pain_share(s: Survey) -> float:
    """Share of people with no reported pain in the past 3 months (NHIS: Lucas 2021), pooled over
    the waves at which the 3-month window is full."""
    return float(pain_free_3_months(s)[RECALL_WEEKS * 7 // s.every:].mean())


def follow_up_transitions(s: Survey, weeks: int = NAHIN_FOLLOW_UP_WEEKS) -> dict[str, float]:
    """From each wave to the wave ``weeks`` later (pooled over the survey's waves), as Nahin 2023
    followed the NHIS cohort (on average 1.3 years between its two interviews:
    :data:`NAHIN_FOLLOW_UP_WEEKS`).

    Nahin's three states at the first wave -- pain-free (no reported pain in the past 3 months),
    non-chronic pain (some pain, not chronic) and chronic pain -- and chronic pain at the second:
    ``pain_free_to_chronic``, ``non_chronic_to_chronic`` and ``chronic_persists``;
    ``chronic_pain_to_pain_free``: people with chronic pain who at the second wave report no pain
    in its past 3 months; ``chronic_pain_exit``: people with chronic pain without it at the second.
    Baseline waves start once a 3-month recall window is full; both waves of a pair are of the same
    person (a person who died in between is censored). A survey too short for one pair of waves
    gives NaN for every statistic.

    ``incidence_per_1000_py``: Nahin's incidence *rate* -- new chronic pain among the people
    pain-free at baseline, per 1,000 person-years of follow-up. It is ``pain_free_to_chronic``
    over the follow-up in years: Nahin's rates are their cumulative shares over the mean follow-up
    (52.4 per 1,000 PY and 6.3%, 12.0 and 1.4% for high-impact pain, both about 1.2 years), so
    the rate and the 6.3% are one observation in two units, not two.
    """
    cp = s.wave("chronic_pain")
    lag = weeks * 7 // s.every
    full = RECALL_WEEKS * 7 // s.every
    if cp.shape[0] <= lag + full:  # too short to follow anyone: every statistic is missing
        return dict.fromkeys(("pain_free_to_chronic", "non_chronic_to_chronic", "chronic_persists",
                              "chronic_pain_exit", "chronic_pain_to_pain_free", "incidence_per_1000_py"), np.nan)
    kept = s.followed()[lag:][full:]
    free = pain_free_3_months(s)
    before, after = cp[full:-lag], cp[lag + full:]
    free_before = free[full:-lag] & ~before & kept
    free_after = free[lag + full:] & ~after
    chronic = before & kept
    non_chronic = ~free_before & ~before & kept
    p_free = _share(after, free_before)
    return {"pain_free_to_chronic": p_free,
            "non_chronic_to_chronic": _share(after, non_chronic),
            "chronic_persists": _share(after, chronic),
            "chronic_pain_exit": _share(~after, chronic),
            "chronic_pain_to_pain_free": _share(free_after, chronic),
            "incidence_per_1000_py": 1000.0 * p_free / (weeks * 7 / 365.25)}


def group_prevalence(s: Survey, what: str | np.ndarray, ages: tuple[float, float] = (0.0, np.inf),
                     female: bool | None = None, from_wave: int = 0) -> float:
    """Point prevalence of ``what`` (a recorded key, or a boolean (waves, people) array) among the
    people aged ``ages[0]`` to below ``ages[1]`` years, of one sex (``female`` True/False) or both,
    pooled over the waves from ``from_wave`` on (a repeated cross-sectional survey of that age
    range: each wave counts whoever is in the group at that wave). NaN if the group is empty.
    """
    x = s.wave(what) if isinstance(what, str) else what
    group = _group(s, ages, female)
    x, group = x[from_wave:], group[from_wave:]
    return _share(x, group)


def score_distribution(s: Survey, key: str, top: int, ages: tuple[float, float] = (0.0, np.inf)) -> np.ndarray:
    """Share of people at each whole score 0..``top`` of the recorded score ``key`` (rounded to the
    nearest whole point, as a questionnaire's total is whole), among the people aged ``ages[0]``
    to below ``ages[1]``, pooled over waves (a repeated cross-section, as
    :func:`group_prevalence`). The shares add up to 1 (all NaN if the group is empty)."""
    score = np.clip(np.rint(s.wave(key)), 0, top).astype(np.int64)
    group = _group(s, ages)
    if not group.any():
        return np.full(top + 1, np.nan)
    return np.bincount(score[group], minlength=top + 1) / group.sum()


def group_odds_ratio(s: Survey, what: str | np.ndarray, exposed: dict, unexposed: dict,
                     from_wave: int = 0) -> float:
    """Odds ratio of ``what`` (as in :func:`group_prevalence`) between two groups (each a dict of
    :func:`group_prevalence`'s ``ages`` and ``female``), pooled over waves from ``from_wave``."""
    x = (s.wave(what) if isinstance(what, str) else what)[from_wave:]
    a = _group(s, **exposed)[from_wave:]
    b = _group(s, **unexposed)[from_wave:]
    if not (a.any() and b.any()):
        return float("nan")
    members = a | b
    return odds_ratio(a[members], x[members])


def _group(s: Survey, ages: tuple[float, float] = (0.0, np.inf), female: bool | None = None) -> np.ndarray:
    """Boolean (waves, people): aged ``ages[0]`` to below ``ages[1]`` at the wave, of that sex."""
    age = s.wave("age_years")
    group = (age >= ages[0]) & (age < ages[1])
    if female is not None:
        group &= s.wave("female") == female
    return group


def back_pain_3_months(s: Survey) -> np.ndarray:
    """(waves, people): a reported back pain at some weekly wave of the last 3 months (NHIS: "in
    the past 3 months, how often did you have pain?" -- any answer but "never"; Lucas 2021), the
    complement of :func:`pain_free_3_months`. Read from the wave at which the window is full
    (:func:`recall_wave`)."""
    return ~pain_free_3_months(s)


def recall_wave(s: Survey) -> int:
    """First wave at which the 3-month recall window is full."""
    return RECALL_WEEKS * 7 // s.every


def high_impact_share(s: Survey) -> float:
    """Share of people with chronic pain whose pain is high-impact, pooled over waves.

    NHIS (Dahlhamer 2018): high-impact chronic pain is chronic pain that limited life or work
    activities on most days or every day of the past 3 months. The definition is the daily
    status of :mod:`sim.core.scales` (activity below :data:`sim.core.scales.LIMITED_SHARE` of the
    person's habitual level on most of the last 90 days), read at each wave.
    """
    cp = s.wave("chronic_pain")
    return _share(s.wave("high_impact_pain"), cp)


def _windows_by_exposure(s: Survey, key: str, given: str, weeks: int, read) -> tuple[np.ndarray, np.ndarray] | None:
    """Each person's ``read`` (``np.any``, ``np.max``) of ``key`` over each non-overlapping window
    of ``weeks`` weeks, and ``given`` at the window's first wave, pooled over the windows the
    survey holds (None when it holds none)."""
    x, g = s.wave(key), s.wave(given)
    step = weeks * 7 // s.every
    starts = range(0, x.shape[0] - step, step)
    if not starts:
        return None
    return (np.concatenate([read(x[start:start + step + 1], axis=0) for start in starts]),
            np.concatenate([g[start] for start in starts]))


def _prevalence_ratio(hit: np.ndarray, exposed: np.ndarray) -> dict[str, float]:
    """Share with ``hit`` among the exposed and the unexposed, and their ratio (NaN if either
    group is empty or the unexposed share is 0)."""
    p1, p0 = _share(hit, exposed), _share(hit, ~exposed)
    return {"if_exposed": p1, "if_unexposed": p0, "ratio": p1 / p0 if p0 else np.nan}


def period_prevalence_ratio(s: Survey, key: str = "depressed", given: str = "chronic_pain",
                            weeks: int = 52) -> dict[str, float]:
    """12-month prevalence of ``key`` (at any wave within ``weeks``) by ``given`` at the window's
    first wave, pooled over the non-overlapping windows the survey holds (Currie & Wang 2004
    compared 12-month major depression in people with and without chronic back pain)."""
    windows = _windows_by_exposure(s, key, given, weeks, np.any)
    if windows is None:
        return {"if_exposed": np.nan, "if_unexposed": np.nan, "ratio": np.nan}
    return _prevalence_ratio(*windows)


CCHS_BACK_PAIN_SHARE = 0.09
"""Share of CCHS 2000-01 respondents with chronic back pain (Currie & Wang 2004)."""
CCHS_MDD_12M = CCHS_BACK_PAIN_SHARE * 0.198 + (1 - CCHS_BACK_PAIN_SHARE) * 0.059
"""12-month major depression (CIDI-SF) among all CCHS 2000-01 respondents, derived from Currie &
Wang 2004's own figures: 9% with chronic back pain x 19.8% + 91% without x 5.9% = 7.15%."""


def linked_diagnosis_ratio(s: Survey, given: str = "chronic_pain", weeks: int = 52,
                           diagnosed: float = CCHS_MDD_12M) -> dict[str, float]:
    """12-month *diagnosed* depression by ``given`` at the window's start, read on the PHQ-9 by
    equipercentile linking (Currie & Wang 2004's outcome is a CIDI-SF diagnosis, not a screen).

    A diagnostic interview counts a 12-month episode when the symptoms of its worst two weeks meet
    the criteria; the model's nearest reading is each person's highest 14-day PHQ-9 mean at the
    weekly waves of a 12-month window. The diagnosis is that peak at or above the level that the
    share ``diagnosed`` of everybody reaches (the study's own 12-month prevalence,
    :data:`CCHS_MDD_12M`): the same linking that maps one scale onto another at equal percentiles.
    So the overall level is matched by construction, and what is measured is how the diagnoses
    fall between people with and without ``given``. Windows and pooling as
    :func:`period_prevalence_ratio`; the linked PHQ-9 level is returned as ``phq9_level``.
    """
    windows = _windows_by_exposure(s, "phq9_14d", given, weeks, np.max)
    if windows is None:
        return {"if_exposed": np.nan, "if_unexposed": np.nan, "ratio": np.nan, "phq9_level": np.nan}
    peak, exposed = windows
    level = float(np.quantile(peak, 1.0 - diagnosed))
    return {**_prevalence_ratio(peak >= level, exposed), "phq9_level": level}


def wave_onset_odds_ratio(s: Survey, exposure: np.ndarray, outcome: np.ndarray, free: np.ndarray,
                          weeks: int = 52) -> float:
    """Odds ratio of ``outcome`` (waves, people) at any wave within ``weeks`` after the first,
    among people ``free`` at baseline, by a baseline ``exposure``."""
    step = weeks * 7 // s.every
    event = outcome[1:step + 1].any(axis=0)
    return odds_ratio(exposure[free], event[free])


def onsets_after_injury(s: Survey, window_days: int = 182) -> dict[str, float]:
    """New chronic back pain and the injury route: of the chronic-pain onsets after the survey's
    first ``window_days`` (so the look-back lies inside it), the share with an acute episode
    (an injury) in the ``window_days`` before the onset. The onset is declared once pain has
    held on most of 90 days, so the look-back reaches to where that pain began."""
    last_injury = np.full(s.n, -np.inf)
    hits = []
    for (day, onset), (_, injured) in zip(s.events["chronic_pain_onset"], s.events["injury"]):
        if day - s.start_day > window_days and onset.size:
            hits.append(day - last_injury[onset] <= window_days)
        last_injury[injured] = day  # an injury on the onset day itself cannot have started it
    if not hits:
        return {"onsets": 0, "share_after_injury": np.nan}
    hit = np.concatenate(hits)
    return {"onsets": int(hit.size), "share_after_injury": float(hit.mean())}


def acute_course(s: Survey) -> dict[str, float]:
    """Inception cohort of acute episodes: mean pain (0-100) at presentation and follow-up."""
    groups = [g for g in s.injuries.values() if all(k in g.nrs for k in ACUTE_OFFSETS)]
    if not groups:
        return {}
    nrs = {k: np.concatenate([g.nrs[k] for g in groups]) for k in ACUTE_OFFSETS}
    # people censored (died or aged out) before week 52 leave the cohort, as lost to follow-up
    enrolled = (nrs[3] >= PRESENTATION_NRS) & np.isfinite(nrs[364])
    out = {"n": int(enrolled.sum())}
    for k, label in zip(ACUTE_OFFSETS, ("onset", "week_6", "week_12", "week_26", "week_52")):
        out[f"pain_100_{label}"] = float(10.0 * nrs[k][enrolled].mean())
    out["pain_reported_week_52"] = float(scales.reports_pain(nrs[364][enrolled]).mean())
    out.update(acute_recovery(s))
    persistent = enrolled & (nrs[84] >= PRESENTATION_NRS)
    out["persistent_pain_100_week_52"] = float(10.0 * nrs[364][persistent].mean()) if persistent.any() else np.nan
    out["persistent_share"] = float(persistent.sum() / max(enrolled.sum(), 1))
    return out


def acute_recovery(s: Survey) -> dict[str, float]:
    """Recovery from the presenting episode as Henschke 2008 counted it: the share of the acute
    cohort (enrolled as in :func:`acute_course`) with no spell of :data:`RECOVERY_SUSTAINED_DAYS`
    pain-free days (NRS rounding to 0) beginning within :data:`RECOVERY_WITHIN_DAYS` of the
    injury -- a first recovery, whatever came after it (a recurrence does not undo it), not the
    pain of one day at week 52. Only groups followed long enough for a spell begun on the last
    day to complete are read; people censored before week 52 leave the cohort, as in
    :func:`acute_course`."""
    horizon = RECOVERY_WITHIN_DAYS + RECOVERY_SUSTAINED_DAYS - 1
    groups = [g for g in s.injuries.values()
              if s.engine.day - g.day >= horizon and all(k in g.nrs for k in ACUTE_OFFSETS)]
    if not groups:
        return {}
    enrolled = np.concatenate([(g.nrs[3] >= PRESENTATION_NRS) & np.isfinite(g.nrs[364]) for g in groups])
    recovered = np.concatenate([g.recovered for g in groups])[enrolled]
    return {"recovery_n": int(enrolled.sum()),
            "not_recovered_within_52": float(np.mean(~(recovered <= RECOVERY_WITHIN_DAYS)))}


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
    return {"onset_with_event": _share(o, e),
            "onset_without_event": _share(o, ~e), "odds_ratio": odds_ratio(e, o)}


EPISODE_MONTHS = (3, 6, 12, 24, 36)
"""Months at which NEMESIS reported the share of new episodes recovered (Spijker 2002: 3, 6, 12,
24; ten Have 2018: 6 and 36)."""


def episode_course(s: Survey, remission_days: int = scales.DEPRESSION_REMISSION_DAYS,
                   ages: tuple[float, float] = (0.0, np.inf)) -> dict[str, float]:
    """Course of new depressive episodes, as NEMESIS measured it.

    Spijker 2002 followed "newly originated episodes": people without an episode at baseline
    whose episode began during follow-up, its length read from a life chart. Here: episodes
    starting in the survey's first year among people not depressed at its start; an episode ends
    on its last depressed day before a sustained remission (``remission_days`` off, DSM's two
    months). ``recovered_within_K`` is the share ended within K months (30.44 days each) among
    episodes followed at least K months; ``median_months`` their median length (episodes still
    running at the end count as longer than any observed one). ``ages``: the cohort's age range
    at the survey's start (NEMESIS sampled adults 18-64: :data:`NEMESIS_AGES`).
    """
    at_risk = ~s.wave("depressed")[0] & _aged(s, ages)
    onsets = {}
    for day, who in s.events["depression_onset"]:
        if day - s.start_day > 365:
            break
        for i in who:
            if at_risk[i]:
                onsets.setdefault(int(i), day)
    if not onsets:
        return {"episodes": 0}
    ends = {}
    for day, who in s.events["depression_remission"]:
        for i in who:
            i = int(i)
            if i in onsets and day > onsets[i] and i not in ends:
                ends[i] = day - remission_days
    start = np.array(list(onsets.values()), dtype=float)
    length = np.array([ends.get(i, np.inf) for i in onsets], dtype=float) - start
    followed = np.minimum(s.engine.day, s.left_day[list(onsets)]) - start  # censored at death or exit
    out = {"episodes": len(onsets), "median_months": float(np.median(length)) / 30.44}
    for months in EPISODE_MONTHS:
        days = months * 30.44
        seen = followed >= days
        out[f"recovered_within_{months}"] = _share(length <= days, seen)
    return out


def cross_lagged_z(diary: Diary) -> dict[str, float]:
    """Day-to-day sleep -> pain and pain -> sleep, estimated as Edwards 2008 did.

    Two within-person (person fixed effects) regressions on consecutive diary days: pain today on
    last night's sleep problems, and sleep problems tonight on today's pain, each controlling for
    its own previous value. Each coefficient's Z is its estimate over its standard error, so the
    two Z are comparable at the same sample, as the study compared them (sleep -> pain Z 7.9,
    pain -> sleep Z 3.1; its SEM had the same cross-lagged form).
    """
    pain, sleep = np.asarray(diary.pain), np.asarray(diary.sleep)  # (days, people)
    if pain.shape[0] < 3:
        return {"sleep_to_pain_z": np.nan, "pain_to_sleep_z": np.nan}
    return {"sleep_to_pain_z": _within_z(pain[1:], sleep[:-1], pain[:-1]),
            "pain_to_sleep_z": _within_z(sleep[1:], pain[:-1], sleep[:-1])}


def _within_z(y: np.ndarray, x: np.ndarray, lagged: np.ndarray) -> float:
    """Z of ``x`` in y ~ x + lagged + person effects (arrays: days x people)."""
    columns = [v - v.mean(axis=0) for v in (y, x, lagged)]
    yc, xc, lc = (c.ravel() for c in columns)
    design = np.column_stack([xc, lc])
    beta, *_ = np.linalg.lstsq(design, yc, rcond=None)
    resid = yc - design @ beta
    dof = yc.size - y.shape[1] - design.shape[1]
    if dof <= 0:
        return np.nan
    cov = (resid @ resid / dof) * np.linalg.inv(design.T @ design)
    return float(beta[0] / np.sqrt(cov[0, 0]))


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
