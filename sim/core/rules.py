"""The feedback rules: one named function per mechanism of the vicious cycle.

Each rule is a pure function ``rule(s, p) -> {effect_state: contribution}``. ``s`` is anything
with the states as attributes -- a :class:`sim.core.state.Population` of arrays or a single
:class:`sim.running.agents.Person` of scalars -- and ``p`` the parameters. A contribution is added to
the *drive* (log-odds) of the effect state's target; :func:`sim.core.engine.advance` turns drives
into targets and relaxes each state toward its target.

Causes that protect (activity, social support) enter relative to a reference level, so a rule
switched off holds its effect where a typical well adult would have it, instead of removing a
protective effect everyone relies on. Causes that harm (pain, low mood, poor sleep, stress,
inflammation, deconditioning) enter from zero.

:data:`RULES` is the rule list and its order, written once. All rules read the same start-of-day
states (synchronous update), so the order is the order of documentation, not of effect.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sim.core.demography import FEMALE_CENTRE
from sim.core.logistic import sigmoid

Edge = tuple[str, str, int]
"""(cause, effect, sign): sign +1 means more cause -> more effect."""


@dataclass(frozen=True)
class Rule:
    name: str
    fn: Callable
    edges: tuple[Edge, ...]
    params: tuple[str, ...]
    mechanism: str

    @property
    def causes(self) -> tuple[str, ...]:
        """The states this rule reads, each once, in link order."""
        return tuple(dict.fromkeys(c for c, _, _ in self.edges))

    @property
    def effects(self) -> tuple[str, ...]:
        """The states this rule drives, each once, in link order."""
        return tuple(dict.fromkeys(e for _, e, _ in self.edges))


def injury_to_pain(s, p):
    """A back injury starts an acute pain episode (nociceptive input). It heals in two phases, as
    acute low back pain improves: most of it within weeks (``tissue``), a part over months
    (``remodelling``; Costa 2012: mean pain 52/100 at onset, 23 at 6 weeks, 12 at 26, 6 at 52).
    """
    return {"pain": p.injury_to_pain_weight * (s.tissue + s.remodelling)}


def persistent_pain_to_sensitisation(s, p):
    """Pain that lasts sensitises; this is what makes chronic pain chronic.

    Sensitisation follows current pain through a steep switch (around NRS -bias/steepness) with
    a slow time constant (months), and feeds back on pain: the reinforcing loop of pain.
    """
    return {
        "sensitisation": p.pain_to_sensitisation_per_nrs * 10.0 * s.pain,
        "pain": p.sensitisation_to_pain_weight * s.sensitisation,
    }


def mood_to_sensitivity(s, p):
    """Depression changes the nervous system and hormones (serotonin, norepinephrine): pain is
    felt more. Low mood raises central sensitivity (Pinheiro 2016: depression predicts
    chronicity of low back pain)."""
    return {"sensitisation": p.mood_to_sensitivity_weight * s.low_mood}


def mood_to_muscle_tension(s, p):
    """Depression increases muscle tension, making the back stiff and achy (seed)."""
    return {"pain": p.mood_to_muscle_tension_weight * s.low_mood}


def mood_to_activity(s, p):
    """Depression saps the motivation to stay active (seed)."""
    return {"activity": -p.mood_to_activity_weight * s.low_mood}


def inactivity_to_deconditioning(s, p):
    """When someone stops moving, the muscles supporting the back weaken; the lack of support
    leads to poor posture and more pain (seed)."""
    return {
        "deconditioning": p.inactivity_to_deconditioning_weight * (p.activity_reference - s.activity),
        "pain": p.deconditioning_to_pain_weight * s.deconditioning,
    }


def pain_to_activity(s, p):
    """Pain limits activity, and fear of pain leads to avoidance (Vlaeyen 2016)."""
    return {"activity": -p.pain_to_activity_weight * s.pain}


def pain_to_sleep(s, p):
    """Chronic pain disrupts sleep (seed; Edwards 2008 pain -> sleep Z 3.1)."""
    return {"poor_sleep": p.pain_to_sleep_weight * s.pain}


def mood_to_sleep(s, p):
    """Insomnia is a symptom of depression (PHQ-9 item 3) and a bridge symptom to pain."""
    return {"poor_sleep": p.mood_to_sleep_weight * s.low_mood}


def sleep_to_sensitivity(s, p):
    """Poor sleep lowers pain thresholds the next day (Edwards 2008; Schrimpf 2015)."""
    return {"pain": p.sleep_to_sensitivity_weight * s.poor_sleep}


def sleep_to_mood(s, p):
    """Insomnia predicts depression (meta-analyses of cohorts, evidence 3c)."""
    return {"low_mood": p.sleep_to_mood_weight * s.poor_sleep}


def pain_to_social_support(s, p):
    """Pain strains relationships and makes people miss out on things they loved (seed)."""
    return {"social_support": -p.pain_to_social_support_weight * s.pain}


def mood_to_social_support(s, p):
    """Low mood withdraws a person from others (DESIGN: support shrinks as low mood withdraws)."""
    return {"social_support": -p.mood_to_social_support_weight * s.low_mood}


def ties_to_social_support(s, p):
    """Support comes from ties: the mean support of one's contacts, so a withdrawn friend gives
    less (``s.tie_support`` is computed from the network before the rules run)."""
    return {"social_support": p.ties_to_social_support_weight * (s.tie_support - p.support_reference)}


def support_to_mood(s, p):
    """Loneliness and isolation feed hopelessness; support buffers stress (seed; Mann 2022)."""
    gap = s.social_support - p.support_reference
    return {"low_mood": -p.support_to_mood_weight * gap, "stress": -p.support_to_stress_weight * gap}


def pain_to_mood(s, p):
    """Living with constant pain brings frustration and hopelessness (seed; Glette 2021)."""
    return {"low_mood": p.pain_to_mood_weight * s.pain}


def distress_to_stress(s, p):
    """Living with constant pain is draining, and chronic stress is common in depression (seed)."""
    return {"stress": p.pain_to_stress_weight * s.pain + p.mood_to_stress_weight * s.low_mood}


def stress_to_mood(s, p):
    """Stress (HPA activation) triggers depression (Kendler 1999: OR 5.6 in the month of an event)."""
    return {"low_mood": p.stress_to_mood_weight * s.stress}


def stress_to_inflammation(s, p):
    """Chronic stress raises inflammation, which feeds musculoskeletal pain and the sickness
    behaviour of depression (seed; Lim 2020; Haapakoski 2015)."""
    return {
        "inflammation": p.stress_to_inflammation_weight * s.stress,
        "pain": p.inflammation_to_pain_weight * s.inflammation,
        "low_mood": p.inflammation_to_mood_weight * s.inflammation,
    }


def activity_to_inflammation_and_mood(s, p):
    """Movement lowers inflammation and lifts mood (Fedewa 2017; Pearce 2022; Noetel 2024)."""
    gain = s.activity - p.activity_reference
    return {
        "inflammation": -p.activity_to_inflammation_weight * gain,
        "low_mood": -p.activity_to_mood_weight * gain,
    }


def resting_mood_offset(s, p):
    """How far the switches of :func:`mood_to_rumination` and :func:`mood_to_recovery` move for
    this person: ``mood_switch_follows_resting`` times the person's resting low mood (the target
    with trait vulnerability and sex, every other driver at its reference) minus the typical
    person's (vulnerability 0, sex centred), in low-mood units. 0 (the shipped default) gives one
    switch point in PHQ-9 for everyone; 1 puts each person's switch the same distance above their
    own resting mood, so a person who usually sits at PHQ-9 8 is not tipped into an episode by
    their usual level (a stable moderate course beside the episodes, issue 13)."""
    share = p.mood_switch_follows_resting
    if share == 0:
        return 0.0
    own = (p.low_mood_bias + p.mood_vulnerability_sd * s.mood_vulnerability
           + p.low_mood_female_logit * (s.female - FEMALE_CENTRE))
    ceiling = p.ceiling["low_mood"]
    return share * ceiling * (sigmoid(own) - sigmoid(p.low_mood_bias))


def mood_to_rumination(s, p):
    """Low mood breeds hopeless, ruminative thinking, which keeps mood low (the reinforcing loop
    of depression, as sensitisation is of pain): a switch that turns on after weeks of low mood.
    The switch point is in PHQ-9 points; ``mood_switch_follows_resting`` moves it with each
    person's resting mood (off in the shipped defaults)."""
    return {
        "rumination": p.mood_to_rumination_per_phq9 * 27.0 * (s.low_mood - resting_mood_offset(s, p)),
        "low_mood": p.rumination_to_mood_weight * s.rumination,
    }


def mood_to_recovery(s, p):
    """Untreated episodes often remit within months: coping and help-seeking build slowly while
    mood is low and pull it back up (the balancing loop that ends episodes). Recovery can grow
    to the same strength in everyone; how *fast* it builds differs between people (trait
    ``coping``, in the state's own update, :func:`sim.core.engine.recovery_rate`): those who cope
    least take longest, but their episodes still end (NEMESIS: 50% recovered within 3 months,
    nearly 20% still ill at 2 years, 12% at 3 years in NEMESIS-2). Its switch moves with
    each person's resting mood as rumination's does (``mood_switch_follows_resting``)."""
    return {
        "mood_recovery": p.mood_to_recovery_per_phq9 * 27.0 * (s.low_mood - resting_mood_offset(s, p)),
        "low_mood": -p.recovery_to_mood_weight * s.mood_recovery,
    }


def _rule(fn, edges, params):
    return Rule(fn.__name__, fn, tuple(edges), tuple(params), " ".join(fn.__doc__.split()))


RULES: tuple[Rule, ...] = (
    _rule(injury_to_pain, [("tissue", "pain", +1), ("remodelling", "pain", +1)], ["injury_to_pain_weight"]),
    _rule(persistent_pain_to_sensitisation,
          [("pain", "sensitisation", +1), ("sensitisation", "pain", +1)],
          ["pain_to_sensitisation_per_nrs", "sensitisation_to_pain_weight"]),
    _rule(mood_to_sensitivity, [("low_mood", "sensitisation", +1)], ["mood_to_sensitivity_weight"]),
    _rule(mood_to_muscle_tension, [("low_mood", "pain", +1)], ["mood_to_muscle_tension_weight"]),
    _rule(mood_to_activity, [("low_mood", "activity", -1)], ["mood_to_activity_weight"]),
    _rule(inactivity_to_deconditioning,
          [("activity", "deconditioning", -1), ("deconditioning", "pain", +1)],
          ["inactivity_to_deconditioning_weight", "deconditioning_to_pain_weight", "activity_reference"]),
    _rule(pain_to_activity, [("pain", "activity", -1)], ["pain_to_activity_weight"]),
    _rule(pain_to_sleep, [("pain", "poor_sleep", +1)], ["pain_to_sleep_weight"]),
    _rule(mood_to_sleep, [("low_mood", "poor_sleep", +1)], ["mood_to_sleep_weight"]),
    _rule(sleep_to_sensitivity, [("poor_sleep", "pain", +1)], ["sleep_to_sensitivity_weight"]),
    _rule(sleep_to_mood, [("poor_sleep", "low_mood", +1)], ["sleep_to_mood_weight"]),
    _rule(pain_to_social_support, [("pain", "social_support", -1)], ["pain_to_social_support_weight"]),
    _rule(mood_to_social_support, [("low_mood", "social_support", -1)], ["mood_to_social_support_weight"]),
    _rule(ties_to_social_support, [("social_support", "social_support", +1)],
          ["ties_to_social_support_weight", "support_reference"]),
    _rule(support_to_mood, [("social_support", "low_mood", -1), ("social_support", "stress", -1)],
          ["support_to_mood_weight", "support_to_stress_weight", "support_reference"]),
    _rule(pain_to_mood, [("pain", "low_mood", +1)], ["pain_to_mood_weight"]),
    _rule(distress_to_stress, [("pain", "stress", +1), ("low_mood", "stress", +1)],
          ["pain_to_stress_weight", "mood_to_stress_weight"]),
    _rule(stress_to_mood, [("stress", "low_mood", +1)], ["stress_to_mood_weight"]),
    _rule(stress_to_inflammation,
          [("stress", "inflammation", +1), ("inflammation", "pain", +1), ("inflammation", "low_mood", +1)],
          ["stress_to_inflammation_weight", "inflammation_to_pain_weight", "inflammation_to_mood_weight"]),
    _rule(activity_to_inflammation_and_mood,
          [("activity", "inflammation", -1), ("activity", "low_mood", -1)],
          ["activity_to_inflammation_weight", "activity_to_mood_weight", "activity_reference"]),
    _rule(mood_to_rumination, [("low_mood", "rumination", +1), ("rumination", "low_mood", +1)],
          ["mood_to_rumination_per_phq9", "rumination_to_mood_weight", "mood_switch_follows_resting"]),
    _rule(mood_to_recovery, [("low_mood", "mood_recovery", +1), ("mood_recovery", "low_mood", -1)],
          ["mood_to_recovery_per_phq9", "recovery_to_mood_weight", "mood_switch_follows_resting"]),
)

RULES_BY_NAME = {r.name: r for r in RULES}


def rule_names() -> list[str]:
    """Names of the feedback rules, in schedule order.

    Returns:
        The names, as in :data:`RULES`; any of them can be switched off by a scenario.

    Examples:
        >>> sim.rule_names()[:2]
        ['injury_to_pain', 'persistent_pain_to_sensitisation']
    """
    return [r.name for r in RULES]
