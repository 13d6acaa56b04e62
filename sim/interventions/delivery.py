"""Interventions as a scenario states them and as a run delivers them: what each kind does is in
:mod:`sim.interventions.kinds`; here is how it reaches people (:class:`Intervention`, whose fields
and defaults come from :data:`sim.interventions.kinds.FIELDS`, and :class:`Delivery`).

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

import dataclasses
import difflib
import math

import numpy as np

from sim.core import scales
from sim.core.eligibility import eligible
from sim.core.errors import InputError
from sim.core.logistic import sigmoid
from sim.interventions.kinds import FIELDS, KINDS, PER_KIND

REFERENCE_PAIN = 0.5
"""Internal pain (NRS 5) at which uptake, adherence and dropout take their stated values."""
REFERENCE_LOW_MOOD = 8.0 / 27.0
"""Internal low mood (PHQ-9 8) at which uptake, adherence and dropout take their stated values."""


def _effect(self):
    """What this intervention's kind does (its :class:`sim.interventions.kinds.Effect`)."""
    return KINDS[self.kind].effect


def _effect_scale(self, p) -> float:
    """The calibrated size of this kind's effects in a run with parameters ``p``."""
    return getattr(p, KINDS[self.kind].param.name)


def _to_dict(self) -> dict:
    """The fields the scenario set (and the kind): what a TOML scenario writes back."""
    return {k: getattr(self, k) for k in ("kind", *self.given) if getattr(self, k) is not None}


Intervention = dataclasses.make_dataclass(
    "Intervention",
    [(f.name, f.kind if isinstance(f.kind, type) else str) for f in FIELDS.values()]
    + [("given", tuple, dataclasses.field(default=(), compare=False, repr=False))],
    frozen=True,
    namespace={"effect": property(_effect), "effect_scale": _effect_scale, "to_dict": _to_dict,
               "__module__": __name__,
               "__doc__": "One intervention as a scenario states it: its kind (effect) and its delivery.\n\n"
                          "One attribute per delivery field of :data:`sim.interventions.kinds.FIELDS`, plus "
                          "``given``: the fields the scenario set explicitly (the rest are defaults)."},
)


def make_intervention(spec, where: str = "") -> Intervention:
    """An :class:`Intervention` from a dict (a TOML table), validated field by field."""
    if isinstance(spec, Intervention):
        return spec
    if not isinstance(spec, dict):
        raise InputError(f"{where}must be a table of fields, not {spec!r}")
    if "kind" not in spec:
        raise InputError(f"{where}needs a 'kind', one of {', '.join(KINDS)}")
    kind = FIELDS["kind"].check(spec["kind"], where)
    values = {f.name: f.default for f in FIELDS.values() if f.default is not PER_KIND}
    values.update(kind=kind, name=kind, **KINDS[kind].delivery)
    for key, value in spec.items():
        if key not in FIELDS:
            close = difflib.get_close_matches(key, list(FIELDS), n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise InputError(f"{where}unknown field '{key}'{hint}; fields are: {', '.join(FIELDS)}")
        values[key] = FIELDS[key].check(value, where)
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
        """The calibrated size of this kind's effects (its parameter ``KIND_effect``)."""
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
        self.departed = dict.fromkeys(("offered", "started", "dropped_out", "sessions"), 0)
        """What people who have since left the population were offered, started, dropped out of
        and attended (:meth:`replace`), so that the counts stay cumulative."""
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
        """Chance that each of ``who`` takes up the offer: ``uptake``, lowered by their pain and
        low mood (``barrier_pain``, ``barrier_mood``).
        """
        return sigmoid(_logit(self.spec.uptake) - self._barrier(pop, who))

    def adherence_probability(self, pop, who) -> np.ndarray:
        """Chance that each of ``who`` attends a given session: ``adherence``, lowered by their pain
        and low mood.
        """
        return sigmoid(_logit(self.spec.adherence) - self._barrier(pop, who))

    def dropout_hazard(self, pop, who) -> np.ndarray:
        """Daily chance that each of ``who`` drops out: sized so that ``dropout`` of a typical course
        ends early, raised by their pain and low mood.
        """
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

    def replace(self, who: np.ndarray) -> None:
        """The rows ``who`` are held by entrants from today (their people died or aged out): the
        leavers' treatment ends with them, and the entrants have never been offered it. Counts
        stay cumulative: what the leavers were offered, started and attended moves to
        :attr:`departed`. A virtual trial's arm (``restrict``) does not pass to entrants. Each
        entrant keeps the row's offer and uptake draws (uniform numbers independent of who holds
        the row), so the intervention's stream draws nothing more."""
        self.departed["offered"] += int(self.offered[who].sum())
        self.departed["started"] += int((self.start[who] >= 0).sum())
        self.departed["dropped_out"] += int((self.status[who] == DROPPED_OUT).sum())
        self.departed["sessions"] += int(self.sessions[who].sum())
        self.offered[who] = False
        self.status[who] = NEVER
        self.start[who] = -1
        self.level[who] = 0.0
        self.floor[who] = 0.0
        self.sessions[who] = 0
        self.baseline_nrs[who] = np.nan
        self.baseline_phq9[who] = np.nan
        if self.restrict is not None:
            self.restrict = self.restrict.copy()
            self.restrict[who] = False

    def active(self) -> bool:
        """Whether the course has reached anyone yet (in treatment, completed or dropped out)."""
        return bool(self.status.any())

    def counts(self) -> dict[str, int]:
        """People offered, started, in treatment and dropped out, and sessions attended, as daily
        table columns prefixed with the intervention's name.
        """
        name = self.spec.name
        gone = self.departed
        return {f"{name}_offered": int(self.offered.sum()) + gone["offered"],
                f"{name}_started": int((self.start >= 0).sum()) + gone["started"],
                f"{name}_in_treatment": int((self.status == IN_TREATMENT).sum()),
                f"{name}_dropped_out": int((self.status == DROPPED_OUT).sum()) + gone["dropped_out"],
                f"{name}_sessions": int(self.sessions.sum()) + gone["sessions"]}


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
