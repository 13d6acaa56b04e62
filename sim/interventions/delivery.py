"""Interventions: what they do (:data:`EFFECTS`) kept apart from how they are delivered
(:class:`Intervention`, validated against :data:`FIELDS`).

**Effect.** At full effect (``level`` 1) an intervention multiplies the contributions of some
rules (``gains``, e.g. CBT weakens ``pain_to_mood``) and adds to the drives of some states
(``offsets``, e.g. exercise raises ``activity``). Each person's ``level`` rises toward the dose
they actually receive (sessions attended per week, saturating) with ``onset_days``, and after the
course ends or is abandoned fades with ``fade_days`` to a lasting ``residual`` share (skills that
stay; ``Effect.lasting`` names which parts last, e.g. CBT's mood skills but not its effect on
pain). Several interventions combine: gains multiply, offsets add.

**Delivery.** From ``start_day`` the programme is offered to eligible people (once on that day, or
rolling to the newly eligible until ``end_day``); ``coverage`` is the share offered, ``uptake``
the share of those who start, then each day in treatment a person attends a session with
probability ``sessions_per_week / 7 x adherence`` and may drop out. Uptake and adherence fall and
dropout rises with more pain and lower mood (``barrier_pain``, ``barrier_mood``): the cycle keeps
people from the help that would break it. ``uptake``, ``adherence`` and ``dropout`` are the values
for a typical trial participant (NRS 5, PHQ-9 8).

**Strategies.** A list of interventions runs together; a later ``start_day`` puts them in
sequence; ``step_up_from = NAME`` makes stepped care: people who started ``NAME`` and have no
response (``response``: >= 30% less pain, >= 50% lower PHQ-9, or either) by week
``step_up_week`` of it are offered this one.

Every person has a fixed offer and uptake draw from the intervention's own random stream, so a
larger coverage offers the same people plus more, and an intervention never touches the streams
of the core model: a zero-coverage arm reproduces the baseline exactly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from sim.core import checks, scales
from sim.core.eligibility import COHORTS, eligible
from sim.core.errors import InputError
from sim.core.rules import RULES_BY_NAME
from sim.core.state import STATE_NAMES

ELIGIBILITY = COHORTS
ENROLMENT = ("once", "rolling")
RESPONSE = ("pain", "mood", "either")
REFERENCE_PAIN = 0.5
"""Internal pain (NRS 5) at which uptake, adherence and dropout take their stated values."""
REFERENCE_LOW_MOOD = 8.0 / 27.0
"""Internal low mood (PHQ-9 8) at which uptake, adherence and dropout take their stated values."""


@dataclass(frozen=True)
class Effect:
    """What an intervention does at full effect, and the dose it was sized at."""

    kind: str
    summary: str
    gains: dict
    """rule name -> multiplier of that rule's contributions at full effect."""
    offsets: dict
    """state name -> log-odds added to that state's drive at full effect."""
    reference_sessions_per_week: float
    """Sessions attended per week at which the effect sizes apply (the trials' dose)."""
    half_dose_sessions_per_week: float
    """Attended sessions per week giving half the maximal effect (Emax dose-response)."""
    source: str
    lasting: tuple | None = None
    """Gains and offsets (by rule or state name) that keep the ``residual`` share after the
    course; None: all of them. The others fade to nothing."""

    def lasts(self, name: str) -> bool:
        return self.lasting is None or name in self.lasting

    def dose(self, attended_per_week):
        """Effect level for an attended dose, relative to the reference dose (Emax curve)."""
        emax = lambda x: x / (x + self.half_dose_sessions_per_week)  # noqa: E731
        return emax(attended_per_week) / emax(self.reference_sessions_per_week)


EFFECTS: dict[str, Effect] = {e.kind: e for e in (
    Effect("exercise", "supervised exercise / physiotherapy: more activity, stronger back, "
           "less avoidance, exercise-induced hypoalgesia",
           gains={"pain_to_activity": 0.6},
           offsets={"activity": 2.0, "deconditioning": -1.5, "sensitisation": -0.8, "pain": -0.4,
                    "inflammation": -3.0},
           reference_sessions_per_week=2.0, half_dose_sessions_per_week=1.0,
           source="Hayden 2021 (CLBP pain -15/100 at ~12 wk); Owen 2020; Noetel 2024 acts through "
                  "activity_to_inflammation_and_mood; Fedewa 2017 (CRP ES 0.26) also through training's "
                  "own anti-inflammatory effect (the inflammation offset)"),
    Effect("cbt", "cognitive behavioural therapy: less hopelessness from pain and less rumination, "
           "less catastrophising (pain amplified less), behavioural activation, less fear-avoidance, "
           "lower stress",
           gains={"pain_to_mood": 0.5, "pain_to_activity": 0.8, "mood_to_rumination": 0.6},
           offsets={"low_mood": -0.8, "stress": -0.5, "activity": 0.5, "pain": -0.35, "sensitisation": -0.2},
           reference_sessions_per_week=1.0, half_dose_sessions_per_week=0.5,
           source="Williams 2012/2020 (pain SMD -0.21, mood -0.38 at end of treatment; at follow-up "
                  "only the mood effect remains, -0.26); Cuijpers 2014",
           lasting=("pain_to_mood", "mood_to_rumination", "low_mood")),
    Effect("mindfulness", "mindfulness-based stress reduction: lower stress, relaxed muscles, "
           "less rumination, pain perceived differently, better sleep",
           gains={"pain_to_mood": 0.7, "mood_to_muscle_tension": 0.5, "mood_to_rumination": 0.7},
           offsets={"stress": -0.9, "sensitisation": -0.4, "poor_sleep": -0.4, "low_mood": -0.4},
           reference_sessions_per_week=1.0, half_dose_sessions_per_week=0.5,
           source="Cherkin 2016 (8 weekly classes, similar to CBT); Khoo 2019",
           lasting=("pain_to_mood", "mood_to_rumination", "low_mood", "stress")),
    Effect("medication", "SNRI (duloxetine 60 mg): antidepressant, dampens central pain "
           "sensitivity; effect stops soon after the drug does",
           gains={},
           offsets={"low_mood": -0.25, "sensitisation": -0.6, "pain": -0.3},
           reference_sessions_per_week=7.0, half_dose_sessions_per_week=3.0,
           source="Ferreira 2021 (back pain -5/100); Cipriani 2018 (response OR 1.4-2.1; SMD 0.29, "
                  "Munkholm 2019: a small mood offset); Geddes 2003 (relapse after stopping)"),
    Effect("sleep", "sleep and lifestyle programme (CBT-I elements, routine, movement)",
           gains={"pain_to_sleep": 0.7},
           offsets={"poor_sleep": -1.5, "activity": 0.3, "stress": -0.2},
           reference_sessions_per_week=1.0, half_dose_sessions_per_week=0.5,
           source="Finan 2013; Edwards 2008 (sleep -> next-day pain); Schrimpf 2015"),
    Effect("social_support", "peer support groups: new and strengthened ties, stress buffered",
           gains={},
           offsets={"social_support": 1.5, "stress": -0.3},
           reference_sessions_per_week=1.0, half_dose_sessions_per_week=0.5,
           source="Pfeiffer 2011 (peer support SMD -0.59 on depressive symptoms); Mann 2022"),
)}


def intervention_names() -> list[str]:
    """The built-in intervention kinds."""
    return list(EFFECTS)


@dataclass(frozen=True)
class Field:
    name: str
    kind: type | tuple
    """int, float, str, or a tuple of allowed strings."""
    low: float | None
    high: float | None
    unit: str
    meaning: str


FIELDS: dict[str, Field] = {f.name: f for f in (
    Field("kind", tuple(EFFECTS), None, None, "", "which intervention (its effect)"),
    Field("name", str, None, None, "", "label in outputs; unique in a scenario (default: kind)"),
    Field("start_day", int, 0, 36_500, "day", "first day the programme is offered"),
    Field("duration_days", int, 1, 3_650, "days", "length of one person's course"),
    Field("sessions_per_week", float, 0.0, 7.0, "sessions/week", "sessions offered per week (7 = daily dose)"),
    Field("eligibility", ELIGIBILITY, None, None, "", "who may be offered it"),
    Field("enrolment", ENROLMENT, None, None, "", "offer once on start_day, or rolling to the newly eligible"),
    Field("end_day", int, 0, 36_500, "day", "rolling enrolment: last day of offers (default: end of run)"),
    Field("coverage", float, 0.0, 1.0, "share", "share of eligible people offered it"),
    Field("uptake", float, 0.0, 1.0, "share", "share of those offered who start (typical participant)"),
    Field("adherence", float, 0.0, 1.0, "share", "share of sessions attended (typical participant)"),
    Field("dropout", float, 0.0, 0.99, "share", "share who drop out during a course (typical participant)"),
    Field("barrier_pain", float, 0.0, 10.0, "logit/unit", "how much pain lowers uptake/adherence and raises dropout"),
    Field("barrier_mood", float, 0.0, 10.0, "logit/unit", "how much low mood lowers uptake/adherence and raises dropout"),
    Field("onset_days", float, 1.0, 365.0, "days", "time constant of the effect building up"),
    Field("fade_days", float, 1.0, 3_650.0, "days", "time constant of the effect fading after the course"),
    Field("residual", float, 0.0, 1.0, "share", "share of the effect that lasts after the course"),
    Field("strength", float, 0.0, 5.0, "x", "multiplier of the effect sizes (1 = as in the trials)"),
    Field("step_up_from", str, None, None, "", "stepped care: offer to non-responders of this intervention"),
    Field("step_up_week", int, 1, 520, "week", "stepped care: week of the first course when response is judged"),
    Field("response", RESPONSE, None, None, "", "stepped care: what counts as response"),
)}

_COMMON = dict(start_day=0, eligibility="chronic_pain", enrolment="once", end_day=None, coverage=1.0,
               barrier_pain=1.0, barrier_mood=1.5, strength=1.0, step_up_from=None, step_up_week=6,
               response="either")
DELIVERY_DEFAULTS: dict[str, dict] = {
    # Course lengths, session counts, adherence and dropout from evidence.md section 3d.
    "exercise": dict(duration_days=84, sessions_per_week=2.0, uptake=0.8, adherence=0.7, dropout=0.18,
                     onset_days=21.0, fade_days=120.0, residual=0.2),
    "cbt": dict(duration_days=56, sessions_per_week=1.0, uptake=0.75, adherence=0.75, dropout=0.2,
                onset_days=21.0, fade_days=180.0, residual=0.3),
    "mindfulness": dict(duration_days=56, sessions_per_week=1.0, uptake=0.75, adherence=0.7, dropout=0.2,
                        onset_days=21.0, fade_days=180.0, residual=0.3),
    "medication": dict(duration_days=84, sessions_per_week=7.0, uptake=0.8, adherence=0.8, dropout=0.25,
                       onset_days=14.0, fade_days=21.0, residual=0.0),
    "sleep": dict(duration_days=42, sessions_per_week=1.0, uptake=0.75, adherence=0.75, dropout=0.2,
                  onset_days=14.0, fade_days=120.0, residual=0.4),
    "social_support": dict(duration_days=84, sessions_per_week=1.0, uptake=0.6, adherence=0.7, dropout=0.2,
                           onset_days=28.0, fade_days=90.0, residual=0.3),
}
DELIVERY_SOURCES = (
    "exercise: 12 weeks, 2 sessions/week (Hayden 2021); adherence 61-71% (Medina-Mirapeix 2009); "
    "dropout 18% (Stubbs 2016). cbt / mindfulness: 8 weekly classes, 54% attend >= 6 (Cherkin 2016); "
    "dropout 17-26% (Cooper & Conklin 2015; Fernandez 2015). medication: 12-week trials; 15% stop "
    "for adverse events (Skljarevski 2010) plus other stops; relapse after stopping (Geddes 2003). "
    "Barriers: dropout is highest in depression (Fernandez 2015)."
)


@dataclass(frozen=True)
class Intervention:
    """One intervention as a scenario states it: its kind (effect) and its delivery."""

    kind: str
    name: str
    start_day: int
    duration_days: int
    sessions_per_week: float
    eligibility: str
    enrolment: str
    end_day: int | None
    coverage: float
    uptake: float
    adherence: float
    dropout: float
    barrier_pain: float
    barrier_mood: float
    onset_days: float
    fade_days: float
    residual: float
    strength: float
    step_up_from: str | None
    step_up_week: int
    response: str
    given: tuple = field(default=(), compare=False, repr=False)
    """Fields the scenario set explicitly (the rest are defaults); to_dict writes only these."""

    @property
    def effect(self) -> Effect:
        return EFFECTS[self.kind]

    def to_dict(self) -> dict:
        return {k: getattr(self, k) for k in ("kind", *self.given) if getattr(self, k) is not None}


def _check_field(f: Field, value, where: str):
    label = f"field '{f.name}'"
    if isinstance(f.kind, tuple):
        return checks.choice(value, label, f.kind, where=where)
    if f.kind is str:
        return checks.text(value, label, where=where, allow_empty=False)
    return f.kind(checks.number(value, label, f.low, f.high, unit=f.unit, where=where,
                                whole=f.kind is int))


def make_intervention(spec, where: str = "") -> Intervention:
    """An :class:`Intervention` from a dict (a TOML table), validated field by field."""
    if isinstance(spec, Intervention):
        return spec
    if not isinstance(spec, dict):
        raise InputError(f"{where}must be a table of fields, not {spec!r}")
    if "kind" not in spec:
        raise InputError(f"{where}needs a 'kind', one of {', '.join(EFFECTS)}")
    kind = _check_field(FIELDS["kind"], spec["kind"], where)
    values = {"kind": kind, "name": kind, **_COMMON, **DELIVERY_DEFAULTS[kind]}
    for key, value in spec.items():
        if key not in FIELDS:
            import difflib

            close = difflib.get_close_matches(key, list(FIELDS), n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise InputError(f"{where}unknown field '{key}'{hint}; fields are: {', '.join(FIELDS)}")
        values[key] = _check_field(FIELDS[key], value, where)
    given = tuple(k for k in FIELDS if k in spec and k != "kind")
    return Intervention(**values, given=given)


def parse_interventions(specs, run_values: dict, where: str = "") -> tuple[Intervention, ...]:
    """Validate a scenario's interventions, including checks across fields and interventions."""
    if isinstance(specs, (dict, Intervention)):
        specs = [specs]
    if not isinstance(specs, (list, tuple)):
        raise InputError(f"{where}interventions = {specs!r} must be a list of [[interventions]] tables")
    out = []
    for i, spec in enumerate(specs):
        label = spec.get("name", spec.get("kind", "?")) if isinstance(spec, dict) else getattr(spec, "name", "?")
        at = f"{where}interventions[{i}] ('{label}'): "
        item = make_intervention(spec, at)
        days = run_values["days"]
        if item.start_day > days:
            raise InputError(f"{at}field 'start_day' = {item.start_day} is after the end of the run "
                             f"(days = {days}); allowed range [0, {days}]")
        if item.end_day is not None:
            if item.enrolment != "rolling":
                raise InputError(f"{at}field 'end_day' only applies with enrolment = 'rolling'")
            if not item.start_day <= item.end_day <= days:
                raise InputError(f"{at}field 'end_day' = {item.end_day} must be in "
                                 f"[start_day, days] = [{item.start_day}, {days}]")
        out.append((at, item))
    names = [item.name for _, item in out]
    for at, item in out:
        if names.count(item.name) > 1:
            raise InputError(f"{at}name '{item.name}' is used by more than one intervention; "
                             f"give each a unique 'name'")
        if item.step_up_from is not None:
            if item.step_up_from not in names or item.step_up_from == item.name:
                raise InputError(f"{at}field 'step_up_from' = '{item.step_up_from}' names no other "
                                 f"intervention of this scenario ({', '.join(names)})")
    return tuple(item for _, item in out)


def _check_effects() -> None:
    # The effect table is code, but a typo in it must fail at import, not act on nothing.
    for effect in EFFECTS.values():
        unknown = [r for r in effect.gains if r not in RULES_BY_NAME]
        unknown += [s for s in effect.offsets if s not in STATE_NAMES]
        if unknown:
            raise RuntimeError(f"EFFECTS['{effect.kind}'] names no rule or state: {unknown}")


_check_effects()


# --------------------------------------------------------------------------------------------
# Delivery during a run
# --------------------------------------------------------------------------------------------

NEVER, IN_TREATMENT, COMPLETED, DROPPED_OUT = 0, 1, 2, 3


def _logit(x: float) -> float:
    x = min(max(x, 1e-9), 1 - 1e-9)
    return math.log(x / (1 - x))


class Delivery:
    """One intervention being delivered in one run: who is offered, treated, and how much."""

    def __init__(self, spec: Intervention, n: int, rng: np.random.Generator, last_day: int,
                 restrict: np.ndarray | None = None, effect_scale: float = 1.0):
        self.spec = spec
        self.effect_scale = effect_scale
        """The calibrated size of this kind's effects (parameter ``KIND_effect``)."""
        self.restrict = restrict
        """Optional mask of who may ever be offered it (a virtual trial's arm)."""
        self.n = n
        self.rng = rng
        self.last_offer_day = spec.end_day if spec.end_day is not None else last_day
        self.offer_draw = rng.random(n)
        self.uptake_draw = rng.random(n)
        self.offered = np.zeros(n, dtype=bool)
        self.status = np.zeros(n, dtype=np.int8)
        self.start = np.full(n, -1, dtype=np.int32)
        self.level = np.zeros(n)
        self.floor = np.zeros(n)
        self.sessions = np.zeros(n, dtype=np.int32)
        self.baseline_nrs = np.full(n, np.nan)
        self.baseline_phq9 = np.full(n, np.nan)
        self.onset_rate = -math.expm1(-1.0 / spec.onset_days)
        self.fade_rate = -math.expm1(-1.0 / spec.fade_days)

    # who ------------------------------------------------------------------------------------
    def _eligible(self, pop, status, deliveries) -> np.ndarray:
        spec = self.spec
        if spec.step_up_from is not None:
            first = deliveries[spec.step_up_from]
            judged = first.start >= 0
            judged &= (self.day - first.start) == 7 * spec.step_up_week
            pain_ok = scales.pain_nrs(pop.pain) <= (1 - scales.PAIN_RESPONSE_SHARE) * first.baseline_nrs
            mood_ok = scales.phq9(pop.low_mood) <= (1 - scales.PHQ9_RESPONSE_SHARE) * first.baseline_phq9
            responded = {"pain": pain_ok, "mood": mood_ok, "either": pain_ok | mood_ok}[spec.response]
            return judged & ~responded
        return eligible(spec.eligibility, pop, status)

    def _barrier(self, pop, who) -> np.ndarray:
        """Log-odds by which pain and low mood, above a typical participant's, hold people back."""
        return (self.spec.barrier_pain * (pop.pain[who] - REFERENCE_PAIN)
                + self.spec.barrier_mood * (pop.low_mood[who] - REFERENCE_LOW_MOOD))

    def uptake_probability(self, pop, who) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-(_logit(self.spec.uptake) - self._barrier(pop, who))))

    def adherence_probability(self, pop, who) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-(_logit(self.spec.adherence) - self._barrier(pop, who))))

    def dropout_hazard(self, pop, who) -> np.ndarray:
        base = -math.log1p(-self.spec.dropout) / self.spec.duration_days
        return -np.expm1(-base * np.exp(self._barrier(pop, who)))

    # each day -------------------------------------------------------------------------------
    def deliver(self, day: int, pop, status, deliveries) -> None:
        """Offer, start, attend, drop out, finish, and move each person's effect level."""
        self.day = day
        spec = self.spec
        offering = (day == spec.start_day) if spec.enrolment == "once" else (
            spec.start_day <= day <= self.last_offer_day)
        if spec.step_up_from is not None:
            offering = day >= spec.start_day and day <= self.last_offer_day
        if offering:
            new = self._eligible(pop, status, deliveries) & ~self.offered
            if self.restrict is not None:
                new &= self.restrict
            new &= self.offer_draw < spec.coverage
            self.offered |= new
            who = np.flatnonzero(new)
            starts = who[self.uptake_draw[who] < self.uptake_probability(pop, who)]
            self.status[starts] = IN_TREATMENT
            self.start[starts] = day
            self.baseline_nrs[starts] = scales.pain_nrs(pop.pain[starts])
            self.baseline_phq9[starts] = scales.phq9(pop.low_mood[starts])

        treated = np.flatnonzero(self.status == IN_TREATMENT)
        if treated.size:
            finished = treated[day - self.start[treated] >= spec.duration_days]
            self.status[finished] = COMPLETED
            treated = treated[day - self.start[treated] < spec.duration_days]
        if treated.size:
            drop = self.rng.random(treated.size) < self.dropout_hazard(pop, treated)
            self.status[treated[drop]] = DROPPED_OUT
            treated = treated[~drop]
        ended = (self.status == COMPLETED) | (self.status == DROPPED_OUT)
        if treated.size:
            adherence = self.adherence_probability(pop, treated)
            attend = self.rng.random(treated.size) < spec.sessions_per_week / 7.0 * adherence
            self.sessions[treated[attend]] += 1
            target = self.effect_scale * spec.strength * spec.effect.dose(spec.sessions_per_week * adherence)
            level = self.level[treated]
            self.level[treated] = level + (target - level) * self.onset_rate
        # The lasting share is fixed at the end of the course from the level reached; the level
        # itself fades to nothing, and effects that last hold at least the lasting share.
        just_ended = ended & (self.floor == 0) & (self.level > 0)
        self.floor[just_ended] = spec.residual * self.level[just_ended]
        self.level[ended] -= self.level[ended] * self.fade_rate

    def active(self) -> bool:
        return bool(self.status.any())

    def counts(self) -> dict[str, int]:
        name = self.spec.name
        return {f"{name}_offered": int(self.offered.sum()),
                f"{name}_started": int((self.start >= 0).sum()),
                f"{name}_in_treatment": int((self.status == IN_TREATMENT).sum()),
                f"{name}_dropped_out": int((self.status == DROPPED_OUT).sum()),
                f"{name}_sessions": int(self.sessions.sum())}


def combine(deliveries, n: int) -> tuple[dict, dict]:
    """Per-person rule gains and drive offsets from every intervention's current levels."""
    gains: dict = {}
    offsets: dict = {}
    for d in deliveries:
        if not d.active():
            continue
        effect = d.spec.effect
        lasting = np.maximum(d.level, d.floor)
        for rule, g in effect.gains.items():
            level = lasting if effect.lasts(rule) else d.level
            gains[rule] = gains.get(rule, 1.0) * (1.0 - level * (1.0 - g))
        for state, o in effect.offsets.items():
            level = lasting if effect.lasts(state) else d.level
            offsets[state] = offsets.get(state, 0.0) + level * o
    return gains, offsets


def with_changes(item: Intervention, **changes) -> Intervention:
    """A copy of an intervention with some delivery fields changed (validated)."""
    spec = item.to_dict()
    spec.update(changes)
    return make_intervention(spec)


