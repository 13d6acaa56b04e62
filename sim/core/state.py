"""The population as arrays: one array per state and per trait, agents are indices.

Every state runs from 0 to 1 on an internal scale whose direction is in its name (``low_mood``
and ``poor_sleep`` rise as things get worse, ``social_support`` and ``activity`` rise as they
get better). :mod:`sim.core.scales` maps them to clinical units. Traits are fixed per person and
stored as standard-normal scores; the parameter table gives their spread.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.core.demography import FEMALE_CENTRE, REFERENCE_AGE_YEARS


@dataclass(frozen=True)
class StateVar:
    """One state variable of a person."""

    name: str
    meaning: str
    core: bool
    tau: str | None
    """Parameter holding the relaxation time constant (None: the state has its own update)."""
    noise: str | None = None
    """Parameter holding the SD of the daily random push on the target, if any."""
    bias: str | None = None
    """Parameter holding the log-odds of the target when every cause is at its reference."""
    trait: str | None = None
    """Trait whose (scaled) score adds to this state's drive."""
    unit_scale: bool = True
    """The state lives on the internal 0-1 scale (``pain_drift`` is in log-odds instead)."""


STATES: tuple[StateVar, ...] = (
    StateVar("pain", "back-pain intensity; output as NRS 0-10", True,
             "pain_tau_days", "pain_noise_sd", "pain_bias", "pain_sensitivity"),
    StateVar("low_mood", "depressive symptom load (higher is worse); output as PHQ-9 0-27", True,
             "low_mood_tau_days", "low_mood_noise_sd", "low_mood_bias", "mood_vulnerability"),
    StateVar("activity", "moderate physical activity; output as minutes per week", True,
             "activity_tau_days", "activity_noise_sd", "activity_bias", "habitual_activity"),
    StateVar("poor_sleep", "sleep problems (higher is worse); output as PSQI 0-21", True,
             "poor_sleep_tau_days", "poor_sleep_noise_sd", "poor_sleep_bias"),
    StateVar("inflammation", "systemic low-grade inflammation; output as hs-CRP mg/L", True,
             "inflammation_tau_days", bias="inflammation_bias"),
    StateVar("stress", "HPA-axis activation after life events and from distress", False,
             "stress_tau_days", bias="stress_bias"),
    StateVar("sensitisation", "central pain sensitivity: the slow memory that makes pain chronic",
             False, None, bias="sensitisation_bias"),
    StateVar("deconditioning", "weak back muscles and poor posture from inactivity", False,
             "deconditioning_tau_days", bias="deconditioning_bias"),
    StateVar("social_support", "perceived connectedness (higher is better)", False,
             "social_support_tau_days", bias="social_support_bias", trait="sociability"),
    StateVar("tissue", "nociceptive input of an acute back injury, the part that heals within weeks "
             "(inflammation and repair)", False, None),
    StateVar("remodelling", "the part of an injury's nociceptive input that heals over months (tissue "
             "remodelling): the slow second phase of acute back pain (Costa 2012)", False, None),
    StateVar("pain_drift", "slow ups and downs of pain not explained by the other states "
             "(workload, weather, care received): an Ornstein-Uhlenbeck process in log-odds", False,
             None, "pain_drift_sd", unit_scale=False),
    StateVar("mood_drift", "slow ups and downs of mood not explained by the other states: an "
             "Ornstein-Uhlenbeck process in log-odds, zero unless mood_drift_sd > 0", False,
             None, "mood_drift_sd", unit_scale=False),
    StateVar("rumination", "negative thinking and hopelessness: the slow memory that keeps low mood "
             "low", False, "rumination_tau_days", bias="rumination_bias"),
    StateVar("mood_recovery", "slow coping and help-seeking that builds during low mood and "
             "ends most episodes", False, "mood_recovery_tau_days", bias="mood_recovery_bias"),
)
STATE_NAMES: tuple[str, ...] = tuple(s.name for s in STATES)
CORE_STATES: tuple[str, ...] = tuple(s.name for s in STATES if s.core)
LATENT: tuple[str, ...] = tuple(s.name for s in STATES if not s.core and s.unit_scale)
"""The latent states on the internal 0-1 scale, whose daily means every run reports."""
RELAXING: tuple[StateVar, ...] = tuple(s for s in STATES if s.tau is not None)
"""States updated by the generic relax-to-target step (the others have their own update)."""


@dataclass(frozen=True)
class Trait:
    name: str
    meaning: str
    spread: str
    """Parameter scaling the standard-normal score into the drive it enters."""


TRAITS: tuple[Trait, ...] = (
    Trait("pain_sensitivity", "how readily this person feels pain", "pain_sensitivity_sd"),
    Trait("mood_vulnerability", "how readily this person's mood drops", "mood_vulnerability_sd"),
    Trait("habitual_activity", "how active this person is when well", "habitual_activity_sd"),
    Trait("sociability", "how connected this person feels when well", "sociability_sd"),
    Trait("crp_baseline", "personal baseline hs-CRP (log-normal score)", "crp_log_sd"),
    Trait("coping", "how fast this person's coping builds during low mood and ends an episode", "coping_sd"),
)
TRAIT_NAMES: tuple[str, ...] = tuple(t.name for t in TRAITS)
DEMOGRAPHY_NAMES: tuple[str, ...] = ("age_years", "female", "person_id")
"""Who a person is (:mod:`sim.core.demography`): age in years (float64: a float32 age of 80 moves
in steps of 8e-6 years, so adding 1/365.25 a day would round by 0.3% a day and drift by weeks over
decades), ``female`` 0/1 in the engine's float type (so the drives can multiply it), and
``person_id`` (int64, unique over a run: entrants get new ids)."""
_ROW_FIELDS = (*STATE_NAMES, *TRAIT_NAMES, "age_years", "female", "tie_support")
_ALL_FIELDS = (*_ROW_FIELDS, "person_id")


class Population:
    """Arrays of states and traits for ``n`` people (one entry per person, of ``dtype``).

    Attribute access (``pop.pain``) returns the array itself, so the feedback rules read a
    population exactly as they read one :class:`sim.running.agents.Person`. ``dtype`` is the engine's
    precision: float64 by default, float32 to halve memory and memory traffic at 10^6 people
    (docs/performance.md measures what it changes).
    """

    def __init__(self, n: int, traits: dict[str, np.ndarray], dtype=np.float64):
        self.n = int(n)
        self.dtype = np.dtype(dtype)
        for name in STATE_NAMES:
            setattr(self, name, np.zeros(self.n, dtype=self.dtype))
        for name in TRAIT_NAMES:
            setattr(self, name, np.asarray(traits[name], dtype=self.dtype))
        self.tie_support = np.zeros(self.n, dtype=self.dtype)
        # Without demography (a lone person in sim.studies.stability) everyone sits where the age
        # and sex effects are zero; the engine draws real ages and sexes (sim.core.demography).
        self.age_years = np.full(self.n, REFERENCE_AGE_YEARS)
        self.female = np.full(self.n, FEMALE_CENTRE, dtype=self.dtype)
        self.person_id = np.arange(self.n, dtype=np.int64)

    def set_states(self, values: dict[str, np.ndarray], rows: slice = slice(None)) -> None:
        """Write ``values`` (whole arrays, or the rows ``rows`` of each state) in place."""
        for name, value in values.items():
            getattr(self, name)[rows] = value

    def rows(self, rows: slice) -> Rows:
        """A view of a contiguous block of people that reads like a population (no copies)."""
        return Rows(self, rows)

    def block(self, rows: slice, copy: bool = False) -> Population:
        """The people ``rows`` as a population of their own: views into this one (writes go
        through; one set's people in a batch, :mod:`sim.core.batch`), or copies."""
        part = object.__new__(Population)
        part.dtype = self.dtype
        for name in _ALL_FIELDS:
            value = getattr(self, name)[rows]
            setattr(part, name, value.copy() if copy else value)
        part.n = len(part.pain)
        return part

    @classmethod
    def concatenate(cls, parts) -> Population:
        """One population holding the people of ``parts`` one after the other (copies)."""
        whole = object.__new__(cls)
        whole.dtype = parts[0].dtype
        for name in _ALL_FIELDS:
            setattr(whole, name, np.concatenate([getattr(part, name) for part in parts]))
        whole.n = sum(part.n for part in parts)
        return whole


class Rows:
    """States, traits, age, sex and ``tie_support`` of a block of people, as views into the
    population (or copies, for an index array of rows).

    The engine updates the population one block at a time so that the rules' temporaries fit in
    the CPU cache instead of streaming a dozen 8 MB arrays through memory per operation.
    """

    def __init__(self, pop: Population, rows: slice):
        for name in _ROW_FIELDS:
            setattr(self, name, getattr(pop, name)[rows])
        self.n = len(self.pain)


def draw_traits(n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Standard-normal trait scores, one row per trait, from the ``traits`` stream."""
    z = rng.standard_normal((len(TRAITS), n))
    return {t.name: z[i] for i, t in enumerate(TRAITS)}
