"""Clinical scales and case definitions: the one place that maps model states to measurements.

Mappings (internal state on 0-1 -> clinical unit; ``evidence.md`` section 5):

===============  ==========================================  ===========================================
state            output                                       thresholds used
===============  ==========================================  ===========================================
pain             NRS 0-10 = 10 x pain                         chronic: NRS >= 4; reports pain: NRS >= 0.5
low_mood         PHQ-9 0-27 = 27 x low_mood                   depressed: 14-day mean PHQ-9 >= 10
activity         min/week = activity_max_min_week x activity  WHO: 150-300 min/week
poor_sleep       PSQI 0-21 = 21 x poor_sleep                  poor sleeper: PSQI > 5
inflammation     hs-CRP mg/L = baseline x fold^inflammation   high: CRP > 3 mg/L
===============  ==========================================  ===========================================

Case definitions (DESIGN feasibility notes; thresholds of 1-2 NRS flicker with daily noise):

* **chronic pain**: NRS >= 4 on more than half of the last 90 days;
* **high-impact chronic pain** (NHIS: chronic pain that limited life or work activities on most
  days or every day of the past 3 months; Dahlhamer 2018): chronic pain, and activity below
  :data:`LIMITED_SHARE` of the person's habitual level (what their traits give with no pain and
  no low mood) on more than half of the last 90 days. Status, daily table, survey and utility
  all read this one definition;
* **reports pain**: NRS >= 0.5, i.e. an NRS a respondent would round to 1 or more; "no pain"
  (NHIS "never" in the past 3 months; Henschke's "completely recovered") is below it;
* **depressed**: mean PHQ-9 over the last 14 days >= 10 (PHQ-9 asks about two weeks);
* an **episode** (of chronic pain or depression) starts when the status switches on and ends
  only after the status has been off for a sustained remission period (90 days for chronic
  pain, 56 days -- DSM-5's two months -- for depression). Onsets and remissions count episodes,
  so a status that flickers at its threshold does not count as many onsets.

Until a window is full (fewer than 90 or 14 days observed) the definitions use the days seen.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.core.logistic import sigmoid

NRS_MAX = 10.0
PHQ9_MAX = 27.0
PSQI_MAX = 21.0
"""Tops of the clinical scales: internal state 1 is NRS 10, PHQ-9 27, PSQI 21."""
CHRONIC_PAIN_NRS = 4.0
LIMITED_SHARE = 0.5
"""Activity below this share of a person's habitual level counts as limited. NHIS leaves
"limited" to the respondent; half is this model's reading of it, a choice, not a measured
threshold."""
PAIN_REPORTED_NRS = 0.5
"""Pain at or above this NRS is reported (it rounds to 1 or more on the 0-10 scale); below it a
person says they have no pain."""
PAIN_WINDOW_DAYS = 90
DEPRESSION_PHQ9 = 10.0
PHQ9_MILD = 5.0
PHQ9_SEVERE = 15.0
"""PHQ-9 severity bands (Kroenke 2001): 0-4 none or minimal, 5-9 mild, 10-14 moderate, 15 or more
moderately severe or severe (NCHS Data Brief 303 groups 15-27 as "severe")."""
DEPRESSION_WINDOW_DAYS = 14
PAIN_REMISSION_DAYS = 90
DEPRESSION_REMISSION_DAYS = 56
POOR_SLEEP_PSQI = 5.0
HIGH_CRP_MG_L = 3.0
ACTIVE_MIN_WEEK = 150.0
"""Minutes of moderate activity a week that count as active (WHO 2020 guideline: 150-300)."""
ACUTE_NRS = 3.0
ACUTE_TISSUE = 0.1
"""An acute episode: tissue input >= 0.1 (an injury in the last weeks), NRS >= 3, not chronic."""
PHQ9_REMISSION = 5.0
"""PHQ-9 below this is remission (Kroenke 2001)."""
PAIN_RESPONSE_SHARE = 0.30
"""A >= 30% fall in NRS is a pain responder (Farrar 2001; Ostelo 2008)."""
PHQ9_RESPONSE_SHARE = 0.50
"""A >= 50% fall in PHQ-9 is a depression responder (Löwe 2004)."""


def phq9_outcomes(phq9_now, phq9_baseline) -> tuple:
    """PHQ-9 response and remission as depression trials count them: only among people with PHQ-9
    >= 10 at baseline (a trial enrols on its baseline score; a fall from PHQ-9 4 to 2 is no
    response). Returns boolean arrays (responder, remitted) over those people."""
    enrolled = phq9_baseline >= DEPRESSION_PHQ9
    now = phq9_now[enrolled]
    return now <= (1 - PHQ9_RESPONSE_SHARE) * phq9_baseline[enrolled], now < PHQ9_REMISSION


def pain_nrs(pain):
    """Pain on the 0-10 numeric rating scale (NRS), from the internal 0-1 state."""
    return NRS_MAX * pain


def phq9(low_mood):
    """Depressive symptoms on the PHQ-9 (0-27), from the internal 0-1 low-mood state."""
    return PHQ9_MAX * low_mood


def activity_min_week(activity, p):
    """Moderate activity in minutes a week, from the internal 0-1 state (``p``: parameters,
    for ``activity_max_min_week``).
    """
    return p.activity_max_min_week * activity


def reports_pain(nrs):
    """Whether pain on the NRS would be reported as any pain (it rounds to 1 or more)."""
    return nrs >= PAIN_REPORTED_NRS


def habitual_activity(s, p):
    """Activity (internal 0-1 scale) that a person's traits give with no pain and no low mood:
    the level 'limited' is measured against."""
    return sigmoid(p.activity_bias + p.habitual_activity_sd * s.habitual_activity)


def activity_limited(s, p):
    """Today's activity below :data:`LIMITED_SHARE` of the person's habitual level."""
    return s.activity < LIMITED_SHARE * habitual_activity(s, p)


def sleep_psqi(poor_sleep):
    """Sleep problems on a PSQI-like 0-21 score, from the internal 0-1 poor-sleep state."""
    return PSQI_MAX * poor_sleep


def crp_mg_l(inflammation, crp_baseline, p):
    """hs-CRP: a per-person log-normal baseline raised by up to ``crp_inflammation_fold``."""
    return p.crp_median_mg_l * np.exp(p.crp_log_sd * crp_baseline + np.log(p.crp_inflammation_fold) * inflammation)


@dataclass(frozen=True)
class Panel:
    """How one core output is shown on a chart: its labels, its case threshold and its scale."""

    key: str
    """Output name (a key of :func:`clinical`)."""
    label: str
    """Axis label with the scale's range, for full-size figures."""
    short: str
    """Axis label for small panels."""
    threshold: float
    """The line that marks a case (chronic pain, depression, inactive, poor sleeper, high CRP)."""
    threshold_name: str
    """What the threshold line is called in a legend."""
    top: float | None
    """Top of a fixed scale; None where the scale has no top (the axis grows with the data)."""


PANELS: tuple[Panel, ...] = (
    Panel("pain_nrs", f"pain (NRS 0-{NRS_MAX:g})", "pain NRS", CHRONIC_PAIN_NRS,
          "chronic-pain threshold", NRS_MAX),
    Panel("phq9", f"low mood (PHQ-9 0-{PHQ9_MAX:g})", "PHQ-9", DEPRESSION_PHQ9,
          "depression threshold", PHQ9_MAX),
    Panel("activity_min_week", "activity (min/week)", "activity\nmin/week", ACTIVE_MIN_WEEK,
          "WHO minimum", None),
    Panel("sleep_psqi", f"sleep problems (PSQI 0-{PSQI_MAX:g})", "sleep\nPSQI", POOR_SLEEP_PSQI,
          "poor-sleeper cut-off", PSQI_MAX),
    Panel("crp_mg_l", "inflammation (hs-CRP mg/L)", "CRP mg/L", HIGH_CRP_MG_L, "high CRP", None),
)
"""The five core outputs as every figure charts them (a run's figure, the story, the dashboard)."""

CLINICAL_KEYS = tuple(panel.key for panel in PANELS)


def clinical(pop, p) -> dict[str, np.ndarray]:
    """The five core states of a population (or person) in clinical units, keyed by output name."""
    return {
        "pain_nrs": pain_nrs(pop.pain),
        "phq9": phq9(pop.low_mood),
        "activity_min_week": activity_min_week(pop.activity, p),
        "sleep_psqi": sleep_psqi(pop.poor_sleep),
        "crp_mg_l": crp_mg_l(pop.inflammation, pop.crp_baseline, p),
    }


def _same_day(cls, parts, fields):
    """A bare ``cls`` with ``fields`` copied from ``parts``, which must all agree on them (windows
    joined or split must have seen the same days)."""
    values = {name: getattr(parts[0], name) for name in fields}
    for part in parts[1:]:
        if any(getattr(part, name) != value for name, value in values.items()):
            raise ValueError(f"cannot join {cls.__name__} windows of different days or lengths")
    out = object.__new__(cls)
    vars(out).update(values)
    return out


class DayCount:
    """How many of the last ``window`` days a condition held, per person (bit-packed ring)."""

    def __init__(self, n: int, window: int):
        self.n, self.window = n, window
        self.bits = np.zeros((window, (n + 7) // 8), dtype=np.uint8)
        self.count = np.zeros(n, dtype=np.int16)
        self.pos = 0
        self.seen = 0

    def push(self, held: np.ndarray) -> None:
        """Add today's yes/no per person; the day that leaves the window stops counting."""
        held = held.astype(np.uint8)
        if self.seen >= self.window:
            self.count -= np.unpackbits(self.bits[self.pos], count=self.n)
        self.count += held
        self.bits[self.pos] = np.packbits(held)
        self.pos = (self.pos + 1) % self.window
        self.seen += 1

    def reset(self, who: np.ndarray) -> None:
        """Forget the days of the rows ``who`` (entrants): every day in their window counts as 'not
        held', so a new case needs the condition on more than half of the window, as for anyone."""
        if who.size == 0:
            return
        byte, bit = np.divmod(np.asarray(who, dtype=np.intp), 8)
        cols, where = np.unique(byte, return_inverse=True)
        keep = np.full(cols.size, 0xFF, dtype=np.uint8)
        np.bitwise_and.at(keep, where, ~(np.uint8(0x80) >> bit.astype(np.uint8)))
        self.bits[:, cols] &= keep
        self.count[who] = 0

    def on_most_days(self) -> np.ndarray:
        """True where the condition held on more than half of the days in the window."""
        return 2 * self.count > min(self.seen, self.window)

    def days(self) -> np.ndarray:
        """The window as a (window, n) array of 0/1, unpacked."""
        return np.unpackbits(self.bits, axis=1, count=self.n)

    @classmethod
    def concatenate(cls, parts) -> DayCount:
        """The people of ``parts`` (windows on the same day) one after the other."""
        whole = _same_day(cls, parts, ("window", "pos", "seen"))
        whole.n = sum(part.n for part in parts)
        whole.bits = np.packbits(np.concatenate([part.days() for part in parts], axis=1), axis=1)
        whole.count = np.concatenate([part.count for part in parts])
        return whole

    def take(self, rows: slice) -> DayCount:
        """The people ``rows`` alone (copies)."""
        part = _same_day(type(self), [self], ("window", "pos", "seen"))
        part.bits = np.packbits(self.days()[:, rows], axis=1)
        part.count = self.count[rows].copy()
        part.n = part.count.size
        return part


class RollingMean:
    """Mean of a value over the last ``window`` days, per person (float32 ring, running sum).

    The running sum is float64 and each value float32, so adding today's value and taking off
    the one that left the window is exact (no drift) for values above ~1e-6 of the largest;
    that makes it equal to summing the whole ring every day, at 1/``window`` of the reads.
    """

    def __init__(self, n: int, window: int):
        self.window = window
        self.ring = np.zeros((window, n), dtype=np.float32)
        self.total = np.zeros(n)
        self.pos = 0
        self.seen = 0

    def push(self, value: np.ndarray) -> None:
        """Add today's values per person; the day that leaves the window stops counting."""
        row = self.ring[self.pos]
        if self.seen >= self.window:
            self.total -= row
        row[...] = value
        self.total += row
        self.pos = (self.pos + 1) % self.window
        self.seen += 1

    def reset(self, who: np.ndarray, value: np.ndarray) -> None:
        """Fill the window of the rows ``who`` (entrants) with ``value``, their value on entry, as
        if they had held it over the whole window so far."""
        value = np.asarray(value, dtype=np.float32)
        self.ring[:, who] = value
        self.total[who] = value.astype(np.float64) * min(self.seen, self.window)

    def mean(self) -> np.ndarray:
        """Each person's mean over the days in the window so far."""
        return self.total / max(min(self.seen, self.window), 1)

    @classmethod
    def concatenate(cls, parts) -> RollingMean:
        """The people of ``parts`` (windows on the same day) one after the other."""
        whole = _same_day(cls, parts, ("window", "pos", "seen"))
        whole.ring = np.concatenate([part.ring for part in parts], axis=1)
        whole.total = np.concatenate([part.total for part in parts])
        return whole

    def take(self, rows: slice) -> RollingMean:
        """The people ``rows`` alone (copies)."""
        part = _same_day(type(self), [self], ("window", "pos", "seen"))
        part.ring = self.ring[:, rows].copy()
        part.total = self.total[rows].copy()
        return part


class Episodes:
    """Episodes of a status that end only after ``remission_days`` off in a row."""

    def __init__(self, n: int, remission_days: int):
        self.remission_days = remission_days
        self.active = np.zeros(n, dtype=bool)
        self.days_off = np.zeros(n, dtype=np.int32)

    def reset(self, who: np.ndarray) -> None:
        """The rows ``who`` (entrants) have no episode."""
        self.active[who] = False
        self.days_off[who] = 0

    @classmethod
    def concatenate(cls, parts) -> Episodes:
        """The people of ``parts`` one after the other."""
        whole = _same_day(cls, parts, ("remission_days",))
        whole.active = np.concatenate([part.active for part in parts])
        whole.days_off = np.concatenate([part.days_off for part in parts])
        return whole

    def take(self, rows: slice) -> Episodes:
        """The people ``rows`` alone (copies)."""
        part = _same_day(type(self), [self], ("remission_days",))
        part.active, part.days_off = self.active[rows].copy(), self.days_off[rows].copy()
        return part

    def update(self, status: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Advance one day; returns boolean arrays (onsets, remissions) of that day."""
        onsets = status & ~self.active
        self.days_off = np.where(status, 0, self.days_off + 1)
        remissions = self.active & (self.days_off >= self.remission_days)
        self.active = (self.active | status) & ~remissions
        return onsets, remissions


class ClinicalStatus:
    """Case status of every person, updated once a day from the states (both engine paths)."""

    def __init__(self, n: int):
        self.pain_days = DayCount(n, PAIN_WINDOW_DAYS)
        self.limited_days = DayCount(n, PAIN_WINDOW_DAYS)
        self.phq9_window = RollingMean(n, DEPRESSION_WINDOW_DAYS)
        self.pain_episodes = Episodes(n, PAIN_REMISSION_DAYS)
        self.depression_episodes = Episodes(n, DEPRESSION_REMISSION_DAYS)
        self.chronic_pain = np.zeros(n, dtype=bool)
        self.high_impact_pain = np.zeros(n, dtype=bool)
        self.phq9_14d = np.zeros(n)
        self.depressed = np.zeros(n, dtype=bool)
        self.ever_chronic_pain = np.zeros(n, dtype=bool)
        self.ever_depressed = np.zeros(n, dtype=bool)
        """Since the start of the burn-in: the model's stand-in for 'lifetime' history."""
        self.events = {}

    @classmethod
    def concatenate(cls, parts) -> ClinicalStatus:
        """The people of ``parts`` (statuses on the same day) one after the other: a batch of runs
        (:mod:`sim.core.batch`) updates its sets' statuses as one. Every definition is per person,
        so the joined status gives each person what their own would."""
        whole = object.__new__(cls)
        for name, value in vars(parts[0]).items():
            values = [vars(part)[name] for part in parts]
            if isinstance(value, dict):
                joined = {k: np.concatenate([v[k] for v in values]) for k in value}
            elif isinstance(value, np.ndarray):
                joined = np.concatenate(values)
            else:  # a window: DayCount, RollingMean, Episodes
                joined = type(value).concatenate(values)
            setattr(whole, name, joined)
        return whole

    def take(self, rows: slice) -> ClinicalStatus:
        """The people ``rows`` alone, as a status of their own (copies)."""
        part = object.__new__(type(self))
        for name, value in vars(self).items():
            if isinstance(value, dict):
                value = {k: v[rows].copy() for k, v in value.items()}
            elif isinstance(value, np.ndarray):
                value = value[rows].copy()
            else:
                value = value.take(rows)
            setattr(part, name, value)
        return part

    def update(self, pop, p) -> None:
        """Take in today's states (``pop``; ``p``: parameters, for habitual activity) and update
        every case definition and its events."""
        nrs = pain_nrs(pop.pain)
        self.pain_days.push(nrs >= CHRONIC_PAIN_NRS)
        self.limited_days.push(activity_limited(pop, p))
        self.phq9_window.push(phq9(pop.low_mood))
        self.chronic_pain = self.pain_days.on_most_days()
        self.high_impact_pain = self.chronic_pain & self.limited_days.on_most_days()
        self.phq9_14d = self.phq9_window.mean()
        self.depressed = self.phq9_14d >= DEPRESSION_PHQ9
        self.ever_chronic_pain |= self.chronic_pain
        self.ever_depressed |= self.depressed
        pain_on, pain_off = self.pain_episodes.update(self.chronic_pain)
        dep_on, dep_off = self.depression_episodes.update(self.depressed)
        self.events = {
            "chronic_pain_onsets": pain_on, "chronic_pain_remissions": pain_off,
            "depression_onsets": dep_on, "depression_remissions": dep_off,
        }

    def reset(self, who: np.ndarray, pop) -> None:
        """Start the rows ``who`` afresh (entrants replacing people who left, after today's
        :meth:`update`): empty pain windows, a PHQ-9 window filled with their PHQ-9 on entry, no
        episode, no history. Today's events stay as they were (they happened to the leavers)."""
        for window in (self.pain_days, self.limited_days):
            window.reset(who)
        phq = phq9(pop.low_mood[who])
        self.phq9_window.reset(who, phq)
        self.pain_episodes.reset(who)
        self.depression_episodes.reset(who)
        self.chronic_pain[who] = False
        self.high_impact_pain[who] = False
        self.phq9_14d[who] = self.phq9_window.mean()[who]
        self.depressed[who] = self.phq9_14d[who] >= DEPRESSION_PHQ9
        self.ever_chronic_pain[who] = False
        self.ever_depressed[who] = self.depressed[who]
