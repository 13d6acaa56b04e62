"""Intervention kinds, each declared in one place, and the delivery fields every kind shares.

An :class:`InterventionKind` holds all a kind is: its :class:`Effect` (which rules it weakens and
which drives it pushes, at full effect, with sources), its default delivery (course length,
sessions, uptake, adherence, dropout, onset, fade, residual: the fields marked ``PER_KIND`` in
:data:`FIELDS`), the default, range and source of its effect-size parameter ``KIND_effect``, and
its :class:`UnitCost` in each currency (``cost_KIND_session_CUR``, ``cost_KIND_start_CUR``, read by
:mod:`sim.studies.economics`). :func:`add_kind` checks a kind whole -- every rule and state it
names exists, every per-kind delivery field has a default in its range, the effect size and the
unit costs lie in their ranges, the name is new -- and puts its parameters into the one parameter
table (:mod:`sim.core.parameters`), where ``painloop params``, TOML scenarios, the dashboard and
ODD see them like any other. The
built-in kinds below go through the same check when this module is imported, so a typo in one of
them stops the import with a message naming the kind and the part.

Adding a kind is one more entry in :data:`BUILT_IN` (or, from a script, one :func:`add_kind` call).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType

from sim.core import checks
from sim.core.eligibility import COHORTS
from sim.core.errors import InputError
from sim.core.parameters import CURRENCIES, MPFS2021, PSSRU08, Param, add_parameter, fitted, fitted_value, remove_parameter
from sim.core.rules import RULES_BY_NAME
from sim.core.state import STATE_NAMES

_KINDS: dict = {}
KINDS: MappingProxyType = MappingProxyType(_KINDS)
"""Every intervention kind by name (read-only; :func:`add_kind` and :func:`remove_kind` change it)."""

ELIGIBILITY = COHORTS
ENROLMENT = ("once", "rolling")
RESPONSE = ("pain", "mood", "either")


# --------------------------------------------------------------------------------------------
# Delivery fields, declared once: the Intervention record, its defaults, its validation, the TOML
# writer and the ODD table are all derived from this table.
# --------------------------------------------------------------------------------------------

PER_KIND = object()
"""Default of a delivery field that each kind sets (see :attr:`InterventionKind.delivery`)."""


@dataclass(frozen=True)
class Field:
    """One delivery field of an intervention as a scenario states it."""

    name: str
    kind: type | tuple | MappingProxyType
    """int, float, str, or the allowed strings (a tuple, or a live mapping such as :data:`KINDS`)."""
    low: float | None
    high: float | None
    unit: str
    meaning: str
    default: object = None
    """Value when a scenario leaves the field out; :data:`PER_KIND`: the kind's own default."""

    @property
    def choices(self) -> bool:
        """Whether the field takes one of a list of names (rather than a number or a text)."""
        return not isinstance(self.kind, type)

    def check(self, value, where: str = ""):
        """``value`` if it is allowed here (as the field's type), else one clear :class:`InputError`."""
        label = f"field '{self.name}'"
        if self.choices:
            return checks.choice(value, label, self.kind, where=where)
        if self.kind is str:
            return checks.text(value, label, where=where, allow_empty=False)
        return self.kind(checks.number(value, label, self.low, self.high, unit=self.unit, where=where,
                                       whole=self.kind is int))


FIELDS: dict[str, Field] = {f.name: f for f in (
    Field("kind", KINDS, None, None, "", "which intervention (its effect)"),
    Field("name", str, None, None, "", "label in outputs; unique in a scenario (default: kind)"),
    Field("start_day", int, 0, 36_500, "day", "first day the programme is offered", 0),
    Field("duration_days", int, 1, 3_650, "days", "length of one person's course", PER_KIND),
    Field("sessions_per_week", float, 0.0, 7.0, "sessions/week", "sessions offered per week (7 = daily dose)",
          PER_KIND),
    Field("eligibility", ELIGIBILITY, None, None, "", "who may be offered it", "chronic_pain"),
    Field("enrolment", ENROLMENT, None, None, "", "offer once on start_day, or rolling to the newly eligible",
          "once"),
    Field("end_day", int, 0, 36_500, "day", "rolling enrolment: last day of offers (default: end of run)"),
    Field("coverage", float, 0.0, 1.0, "share", "share of eligible people offered it", 1.0),
    Field("uptake", float, 0.0, 1.0, "share", "share of those offered who start (typical participant)", PER_KIND),
    Field("adherence", float, 0.0, 1.0, "share", "share of sessions attended (typical participant)", PER_KIND),
    Field("dropout", float, 0.0, 0.99, "share", "share who drop out during a course (typical participant)",
          PER_KIND),
    Field("barrier_pain", float, 0.0, 10.0, "logit/unit", "how much pain lowers uptake/adherence and raises dropout",
          1.0),
    Field("barrier_mood", float, 0.0, 10.0, "logit/unit",
          "how much low mood lowers uptake/adherence and raises dropout", 1.5),
    Field("onset_days", float, 1.0, 365.0, "days", "time constant of the effect building up", PER_KIND),
    Field("fade_days", float, 1.0, 3_650.0, "days", "time constant of the effect fading after the course", PER_KIND),
    Field("residual", float, 0.0, 1.0, "share", "share of the effect that lasts after the course", PER_KIND),
    Field("strength", float, 0.0, 5.0, "x", "multiplier of the effect sizes (1 = as in the trials)", 1.0),
    Field("step_up_from", str, None, None, "", "stepped care: offer to non-responders of this intervention"),
    Field("step_up_week", int, 1, 520, "week", "stepped care: week of the first course when response is judged", 6),
    Field("response", RESPONSE, None, None, "", "stepped care: what counts as response", "either"),
)}
PER_KIND_FIELDS: tuple[str, ...] = tuple(f.name for f in FIELDS.values() if f.default is PER_KIND)


# --------------------------------------------------------------------------------------------
# What a kind is
# --------------------------------------------------------------------------------------------

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
        """Whether the part of the effect named ``name`` (a rule gain or a drive offset) lasts
        after the course ends, at the kind's residual level.
        """
        return self.lasting is None or name in self.lasting

    def dose(self, attended_per_week):
        """Effect level for an attended dose, relative to the reference dose (Emax curve)."""
        emax = lambda x: x / (x + self.half_dose_sessions_per_week)  # noqa: E731
        return emax(attended_per_week) / emax(self.reference_sessions_per_week)


UNIT_COST_HIGH = 10_000.0
"""Upper end of the allowed range of a unit cost (per session or per course start, any currency)."""


@dataclass(frozen=True)
class UnitCost:
    """What one kind costs in one currency: per attended session (a drug: per day's dose) and per
    course started (assessment, prescribing), with where the numbers come from."""

    session: float
    start: float
    source: str


@dataclass(frozen=True)
class InterventionKind:
    """Everything one kind of intervention is: effect, default delivery, effect-size parameter,
    unit costs."""

    effect: Effect
    delivery: dict
    """Default of every per-kind delivery field (:data:`PER_KIND_FIELDS`), from the trials."""
    effect_size: float
    """Default of the parameter ``KIND_effect``, the calibrated scale of the effect."""
    effect_size_source: str
    effect_size_meaning: str
    effect_size_high: float = 10.0
    costs: dict = field(default_factory=dict)
    """currency (:data:`sim.core.parameters.CURRENCIES`) -> :class:`UnitCost`. A kind without
    costs in a currency runs, but the cost-effectiveness analysis in that currency refuses it."""

    @property
    def name(self) -> str:
        """The kind's name, as a scenario's ``kind`` names it."""
        return self.effect.kind

    @property
    def param(self) -> Param:
        """The effect-size parameter as the parameter table holds it."""
        return Param(f"{self.name}_effect", self.effect_size, "x", 0.0, self.effect_size_high,
                     self.effect_size_source, self.effect_size_meaning, "interventions")

    @property
    def cost_params(self) -> list[Param]:
        """The unit costs as the parameter table holds them (group ``costs``), per currency."""
        rows = []
        for cur, cost in self.costs.items():
            rows.append(Param(f"cost_{self.name}_session_{cur}", cost.session, f"{cur.upper()} per session", 0.0,
                              UNIT_COST_HIGH, cost.source,
                              f"cost of one attended {self.name} session (medication: one day's dose)", "costs"))
            rows.append(Param(f"cost_{self.name}_start_{cur}", cost.start, f"{cur.upper()} per course", 0.0,
                              UNIT_COST_HIGH, cost.source,
                              f"cost of starting one {self.name} course (assessment, prescribing)", "costs"))
        return rows

    @property
    def params(self) -> list[Param]:
        """Every parameter the kind adds to the table: its effect size, then its unit costs."""
        return [self.param, *self.cost_params]


def _problems(kind: InterventionKind) -> list[str]:
    effect = kind.effect
    out = [f"rule '{r}' does not exist" for r in effect.gains if r not in RULES_BY_NAME]
    out += [f"state '{s}' does not exist" for s in effect.offsets if s not in STATE_NAMES]
    out += [f"gain of '{r}' = {g!r} must be >= 0" for r, g in effect.gains.items() if g < 0]
    if not (effect.gains or effect.offsets):
        out.append("its effect has no gains and no offsets")
    out += [f"lasting part '{x}' is neither a gain nor an offset" for x in effect.lasting or ()
            if x not in effect.gains and x not in effect.offsets]
    if not (effect.reference_sessions_per_week > 0 and effect.half_dose_sessions_per_week > 0):
        out.append("reference and half-dose sessions per week must be > 0")
    missing = [f for f in PER_KIND_FIELDS if f not in kind.delivery]
    if missing:
        out.append(f"no default for delivery field(s) {', '.join(missing)}")
    out += [f"unit costs in currency '{c}', which is not one of {', '.join(CURRENCIES)}"
            for c in kind.costs if c not in CURRENCIES]
    out += [f"unit costs in '{c}' must be a UnitCost (session, start, source), not {type(u).__name__}"
            for c, u in kind.costs.items() if not isinstance(u, UnitCost)]
    extra = [f for f in kind.delivery if f not in PER_KIND_FIELDS]
    if extra:
        out.append(f"delivery default(s) {', '.join(extra)} are not per-kind fields "
                   f"({', '.join(PER_KIND_FIELDS)})")
    return out


def add_kind(kind: InterventionKind) -> InterventionKind:
    """Check a kind whole and make it available: scenarios may name it, and its effect-size and
    unit-cost parameters join the parameter table. Anything missing or inconsistent raises one
    :class:`InputError` naming the kind and every problem found, and leaves no trace."""
    name = kind.name
    where = f"intervention kind '{name}': "
    if not name.isidentifier():
        raise InputError(f"{where}the name must be a Python identifier (it names the parameter {name}_effect)")
    if name in _KINDS:
        raise InputError(f"{where}declared twice")
    problems = _problems(kind)
    if problems:
        raise InputError(where + "; ".join(problems))
    for field_name, value in kind.delivery.items():
        FIELDS[field_name].check(value, f"{where}default delivery ")
    added = []
    try:
        for param in kind.params:
            add_parameter(param)
            added.append(param.name)
    except ValueError as e:
        for param_name in added:
            remove_parameter(param_name)
        raise InputError(f"{where}{e}") from None
    _KINDS[name] = kind
    return kind


def remove_kind(name: str) -> None:
    """Take a kind out again (and its effect-size and unit-cost parameters)."""
    if name not in _KINDS:
        raise InputError(f"no intervention kind '{name}'; kinds are: {', '.join(_KINDS)}")
    for param in _KINDS.pop(name).params:
        remove_parameter(param.name)


def intervention_names() -> list[str]:
    """The intervention kinds, in declaration order.

    Returns:
        The kinds' names, as in :data:`KINDS`; each is the ``kind`` of an intervention
        specification.

    Examples:
        >>> "exercise" in sim.intervention_names()
        True
    """
    return list(_KINDS)


# --------------------------------------------------------------------------------------------
# The built-in kinds. Course lengths, sessions, adherence and dropout from evidence.md section 3d:
# exercise: 12 weeks, 2 sessions/week (Hayden 2021); adherence 61-71% (Medina-Mirapeix 2009);
# dropout 18% (Stubbs 2016). cbt / mindfulness: 8 weekly classes, 54% attend >= 6 (Cherkin 2016);
# dropout 17-26% (Cooper & Conklin 2015; Fernandez 2015). medication: 12-week trials; 15% stop for
# adverse events (Skljarevski 2010) plus other stops; relapse after stopping (Geddes 2003).
# Barriers (common defaults in FIELDS): dropout is highest in depression (Fernandez 2015).
# --------------------------------------------------------------------------------------------

CPT90834 = ("Medicare Physician Fee Schedule 2025, CPT 90834 (psychotherapy, 45 minutes) USD 104.16 national "
            "average non-facility payment (conversion factor USD 32.3465, CMS RVU file RVU25A), as tabulated by "
            "MedPayIQ (https://medpayiq.com/cpt/90834; checked there, not in the CMS look-up tool itself); "
            "consistent with a 2026 summary giving USD 113.90 as a 9.35% rise on the year before "
            "(113.90 / 1.0935 = 104.16). 2025 USD")
"""The US price of a therapist's 45 minutes, which every US talking-therapy cost below scales."""


BUILT_IN: tuple[InterventionKind, ...] = (
    InterventionKind(
        effect=Effect("exercise", "supervised exercise / physiotherapy: more activity, stronger back, "
                      "less avoidance, exercise-induced hypoalgesia",
                      gains={"pain_to_activity": 0.6},
                      offsets={"activity": 2.0, "deconditioning": -1.5, "sensitisation": -0.8, "pain": -0.4,
                               "inflammation": -3.0},
                      reference_sessions_per_week=2.0, half_dose_sessions_per_week=1.0,
                      source="Hayden 2021 (CLBP pain -15/100 at ~12 wk); Owen 2020; Noetel 2024 acts through "
                             "activity_to_inflammation_and_mood; Fedewa 2017 (CRP ES 0.26) also through training's "
                             "own anti-inflammatory effect (the inflammation offset)"),
        delivery=dict(duration_days=84, sessions_per_week=2.0, uptake=0.8, adherence=0.7, dropout=0.18,
                      onset_days=21.0, fade_days=120.0, residual=0.2),
        effect_size=fitted_value("stage2", "exercise_effect"),
        effect_size_source=fitted("stage2", "primary outcome: Hayden 2021, exercise vs usual care -15/100 pain "
                                  "at ~12 weeks"),
        effect_size_meaning="scale of exercise's effects (sim.interventions.KINDS) for a full course",
        costs={"gbp": UnitCost(42.0, 42.0, f"{PSSRU08}: physiotherapist GBP 42, 'average cost for a one to one "
                                           "contact' (verified); the start is one assessment contact"),
               "usd": UnitCost(91.08, 101.89, f"{MPFS2021}: CPT 97110 therapeutic exercise USD 30.36 per 15-minute "
                                              "unit x 3 units = USD 91.08 a session; the start is an evaluation, "
                                              "CPT 97161-97163, USD 101.89 (2021 USD, verified in that summary)")}),
    InterventionKind(
        effect=Effect("cbt", "cognitive behavioural therapy: less hopelessness from pain and less rumination, "
                      "less catastrophising (pain amplified less), behavioural activation, less fear-avoidance, "
                      "lower stress",
                      gains={"pain_to_mood": 0.5, "pain_to_activity": 0.8, "mood_to_rumination": 0.6},
                      offsets={"low_mood": -0.8, "stress": -0.5, "activity": 0.5, "pain": -0.35,
                               "sensitisation": -0.2},
                      reference_sessions_per_week=1.0, half_dose_sessions_per_week=0.5,
                      source="Williams 2012/2020 (pain SMD -0.21, mood -0.38 at end of treatment; at follow-up "
                             "only the mood effect remains, -0.26); Cuijpers 2014",
                      lasting=("pain_to_mood", "mood_to_rumination", "low_mood")),
        delivery=dict(duration_days=56, sessions_per_week=1.0, uptake=0.75, adherence=0.75, dropout=0.2,
                      onset_days=21.0, fade_days=180.0, residual=0.3),
        effect_size=fitted_value("stage2", "cbt_effect"),
        effect_size_source=fitted("stage2", "primary outcome: Williams 2012, CBT mood SMD -0.38 at end of "
                                  "treatment"),
        effect_size_meaning="scale of CBT's effects for a full course",
        costs={"gbp": UnitCost(66.0, 66.0, f"{PSSRU08}: 'CBT session' GBP 66 (verified); the start is one "
                                           "assessment session"),
               "usd": UnitCost(104.16, 104.16, f"{CPT90834}; the start is one assessment session")}),
    InterventionKind(
        effect=Effect("mindfulness", "mindfulness-based stress reduction: lower stress, relaxed muscles, "
                      "less rumination, pain perceived differently, better sleep",
                      gains={"pain_to_mood": 0.7, "mood_to_muscle_tension": 0.5, "mood_to_rumination": 0.7},
                      offsets={"stress": -0.9, "sensitisation": -0.4, "poor_sleep": -0.4, "low_mood": -0.4},
                      reference_sessions_per_week=1.0, half_dose_sessions_per_week=0.5,
                      source="Cherkin 2016 (8 weekly classes, similar to CBT); Khoo 2019",
                      lasting=("pain_to_mood", "mood_to_rumination", "low_mood", "stress")),
        delivery=dict(duration_days=56, sessions_per_week=1.0, uptake=0.75, adherence=0.7, dropout=0.2,
                      onset_days=21.0, fade_days=180.0, residual=0.3),
        effect_size=fitted_value("stage2", "cbt_effect", parameter="mindfulness_effect"),
        effect_size_source=("set by hand equal to cbt_effect (read from the record): MBSR and CBT had similar effects (Cherkin 2016; "
                            "Khoo 2019)"),
        effect_size_meaning="scale of mindfulness' effects for a full course",
        costs={"gbp": UnitCost(6.67, 0.0, f"{PSSRU08}: counsellor GBP 40 per hour of client contact (verified) x "
                                          "a 2-hour class / 12 participants (Cherkin 2016 classes; group size a "
                                          "stated choice)"),
               "usd": UnitCost(23.15, 0.0, f"{CPT90834}; USD 104.16 per 45 minutes x a 2-hour class / 12 "
                                           "participants (group size a stated choice)")}),
    InterventionKind(
        effect=Effect("medication", "SNRI (duloxetine 60 mg): antidepressant, dampens central pain "
                      "sensitivity; effect stops soon after the drug does",
                      gains={},
                      offsets={"low_mood": -0.25, "sensitisation": -0.6, "pain": -0.3},
                      reference_sessions_per_week=7.0, half_dose_sessions_per_week=3.0,
                      source="Ferreira 2021 (back pain -5/100); Cipriani 2018 (response OR 1.4-2.1; SMD 0.29, "
                             "Munkholm 2019: a small mood offset); Geddes 2003 (relapse after stopping)"),
        delivery=dict(duration_days=84, sessions_per_week=7.0, uptake=0.8, adherence=0.8, dropout=0.25,
                      onset_days=14.0, fade_days=21.0, residual=0.0),
        effect_size=fitted_value("stage2", "medication_effect"),
        effect_size_source=fitted("stage2", "primary outcome: Ferreira 2021, SNRI vs placebo -5.3/100 back pain "
                                  "at 3-13 weeks"),
        effect_size_meaning="scale of the SNRI's effects at the full dose",
        costs={"gbp": UnitCost(0.0854, 72.0, "generic duloxetine 60 mg gastro-resistant capsules GBP 2.39 per 28 = "
                                             "GBP 0.0854 a day: NHS Somerset Formulary, neuropathic pain section, "
                                             "'cost for 28' column (https://formulary.nhssomerset.nhs.uk/"
                                             "?page_id=744; read there; the page gives no price date but cites "
                                             "NICE's September 2020 sciatica update, so a 2020s price); the same "
                                             "level in WaveData, 'Duloxetine Caps 60mg 28 Price Trends' (23 Oct "
                                             "2020, https://www.wavedata.co.uk/duloxetine-caps-60mg-28/, BPPI "
                                             "market prices): generic 60 mg x 28 launched April 2015 when Cymbalta "
                                             "lost exclusivity and fell from GBP 24.90 to GBP 2.43 in just over a "
                                             "year, the Drug Tariff following. The brand-era price once used here "
                                             "(BNF 58, Sept 2009, Cymbalta 60 mg x 28 GBP 27.72 = GBP 0.99 a day) "
                                             "was not found in any readable source; GBP 24.90 / 28 = GBP 0.89 a "
                                             "day (2015) is the readable brand-era level, for a sensitivity "
                                             "analysis. Start = two GP consultations (prescribe, review) at GBP "
                                             f"36 each, {PSSRU08}: 'GP contact 36 per clinic consultation lasting "
                                             "11.7 minutes' (verified)"),
               "usd": UnitCost(0.6692, 177.9, "generic duloxetine USD 0.6692 a capsule (one 60 mg capsule a day), "
                                              "2022 USD: CMS Medicare Part D Spending by Drug, data year 2022 "
                                              "(release 2024, file DSD_PTD_RY24_P04_V10_DY22_BGM.csv), row "
                                              "Brnd_Name 'Duloxetine HCl', Mftr_Name 'Overall' (19 manufacturers), "
                                              "Avg_Spnd_Per_Dsg_Unt_Wghtd_2022 = 0.6691543477 (2018-2021: 0.8603, "
                                              "0.7164, 0.6038, 0.5863, for a sensitivity analysis); the row read in "
                                              "a copy of the CMS file committed to GitHub (AmshuBelbase/CodeFest, "
                                              "commit e515064, path DSD_PTD_RY24_P04_V10_DY22_BGM.csv), not on "
                                              "data.cms.gov itself. What it is: gross drug cost per dosage unit "
                                              "(total spending for the claim: Medicare, plan and beneficiary "
                                              "payments; no manufacturer rebates; CMS, 'Medicare Part D Drug "
                                              "Spending Dashboard & Data' page, read), a claim-weighted average over "
                                              "the 20, 30 and 60 mg capsules (CMS data dictionary's 'claim-weighted "
                                              "average unit cost', as copied in rflprr/drug-spending), so a payer's "
                                              "price, not the pharmacy acquisition cost (NADAC, not found in a "
                                              "readable source) nor a retail cash price; start = two "
                                              "CPT 99213 office visits (prescribe, review) at USD 88.95 each, Medicare "
                                              "Physician Fee Schedule 2025 national average non-facility payment "
                                              "(2.75 total RVUs x conversion factor USD 32.3465, CMS RVU25A), as "
                                              "tabulated by MedPayIQ (https://www.medpayiq.com/cpt/99213; checked "
                                              "there, 2025 USD)")}),
    InterventionKind(
        effect=Effect("sleep", "sleep and lifestyle programme (CBT-I elements, routine, movement)",
                      gains={"pain_to_sleep": 0.7},
                      offsets={"poor_sleep": -1.5, "activity": 0.3, "stress": -0.2},
                      reference_sessions_per_week=1.0, half_dose_sessions_per_week=0.5,
                      source="Finan 2013; Edwards 2008 (sleep -> next-day pain); Schrimpf 2015"),
        delivery=dict(duration_days=42, sessions_per_week=1.0, uptake=0.75, adherence=0.75, dropout=0.2,
                      onset_days=14.0, fade_days=120.0, residual=0.4),
        effect_size=1.0,
        effect_size_source=("no trial target in evidence.md: effects as sized in the kind's Effect "
                            "(CBT-I-like programme)"),
        effect_size_meaning="scale of the sleep programme's effects for a full course",
        costs={"gbp": UnitCost(40.0, 0.0, f"{PSSRU08}: counsellor GBP 40 per hour of client contact (verified), "
                                          "one hour a CBT-I style session"),
               "usd": UnitCost(104.16, 0.0, f"{CPT90834}; one 45-minute CBT-I style session")}),
    InterventionKind(
        effect=Effect("social_support", "peer support groups: new and strengthened ties, stress buffered",
                      gains={},
                      offsets={"social_support": 1.5, "stress": -0.3},
                      reference_sessions_per_week=1.0, half_dose_sessions_per_week=0.5,
                      source="Pfeiffer 2011 (peer support SMD -0.59 on depressive symptoms); Mann 2022"),
        delivery=dict(duration_days=84, sessions_per_week=1.0, uptake=0.6, adherence=0.7, dropout=0.2,
                      onset_days=28.0, fade_days=90.0, residual=0.3),
        effect_size=fitted_value("stage2", "social_support_effect"),
        effect_size_source=fitted("stage2", "primary outcome: Pfeiffer 2011, peer support PHQ-9 SMD -0.59 in "
                                  "depression"),
        effect_size_meaning="scale of peer support's effects for a full course",
        costs={"gbp": UnitCost(6.0, 0.0, f"{PSSRU08}: facilitator time at the counsellor rate GBP 40 per hour "
                                         "(verified) x 1.5 h / 10 members of a peer group (group size a stated "
                                         "choice)"),
               "usd": UnitCost(20.83, 0.0, f"{CPT90834}; facilitator time at USD 104.16 per 45 minutes x 1.5 h = "
                                          "USD 208.32 / 10 members of a peer group (group size a stated choice)")}),
)

for _kind in BUILT_IN:
    add_kind(_kind)
del _kind
