"""The model the dashboard drives: a :class:`PainLoopModel` that also follows one person and knows
where to draw everyone.

Every dashboard control is a keyword of :class:`DashboardModel`, so Mesa's reset
(``type(model)(**params)``) rebuilds exactly what the controls say. Parameter sliders pass
parameter names straight through to :class:`PainLoopModel`, which validates them.

The followed person is chosen on day 0 from the ``story`` stream of the seed (see
:mod:`sim.teaching.story`): by default a well person who gets a back injury that morning -- the same
person and the same injury as ``painloop story`` with the same seed, town size and scenario.
"""

from __future__ import annotations

import inspect

import numpy as np

from sim.core import scales
from sim.teaching.categories import category_codes
from sim.core.errors import InputError
from sim.interventions import IN_TREATMENT
from sim.running.model import PainLoopModel
from sim.core.rules import rule_names
from sim.core.scenario import Scenario
from sim.core.engine import Observer
from sim.teaching.story import candidates, choose_person, onset_severity

NO_RULE_OFF = "none"
FOLLOW_CHOICES = {
    "a well person, injured on day 0": "anyone",
    "a vulnerable well person, injured on day 0": "vulnerable",
    "someone caught in the cycle": 3,
    "someone with chronic pain only": 1,
    "someone depressed only": 2,
    "a well person": 0,
}
"""What the 'follow' control offers: the label, and either the category code of the person
picked on day 0 or, for a story, whom :func:`sim.teaching.story.candidates` picks from (that person gets a
typical back injury that morning)."""
DEFAULT_FOLLOW = "a well person, injured on day 0"
NO_INTERVENTION = "none"
DEFAULT_START_DAY = 30
"""The intervention starts a month in, so the dashboard shows the loop before it too."""

_LAYOUTS: dict[tuple, np.ndarray] = {}
"""Network layouts by (people, seed, mean degree, rewiring): a reset with the same town reuses
its picture instead of spending a second on the layout again."""


class DashboardModel(PainLoopModel):
    """PainLoopModel plus what the dashboard shows: a followed person's days and a layout.

    Args:
        seed: the run's seed.
        n_agents: people in the town (500-2,000 keeps the network readable and stepping fast).
        follow: one of :data:`FOLLOW_CHOICES`.
        switched_off: a rule name to switch off, or ``"none"``.
        intervention: an intervention kind (``sim.intervention_names()``) or ``"none"``.
        coverage: share of eligible people offered the intervention (the rest of its
            delivery takes the defaults of :mod:`sim.interventions`).
        intervention_start_day: the day it is first offered.
        eligibility: who may be offered it (:data:`sim.interventions.ELIGIBILITY`).
        burn_in_days: days simulated before day 0 (None: the table's default; no control).
        injury_rate_per_year: slider parameter (None: the table's default, as for the rest).
        life_event_rate_per_year: slider parameter.
        pain_to_mood_weight: slider parameter.
        pain_to_sleep_weight: slider parameter.
        pain_to_activity_weight: slider parameter.
        sensitisation_to_pain_weight: slider parameter.
        stress_to_mood_weight: slider parameter.
        support_to_mood_weight: slider parameter.

    The slider parameters are spelled out, not taken as ``**kwargs``: SolaraViz checks slider
    names against this signature, and Mesa 3.4+ hands a model that takes ``**kwargs`` a Mesa
    scenario object on reset.
    """

    def __init__(self, seed: int = 1, n_agents: int = 1_000, follow: str = DEFAULT_FOLLOW,
                 switched_off: str = NO_RULE_OFF, intervention: str = NO_INTERVENTION,
                 coverage: float = 1.0, intervention_start_day: int = DEFAULT_START_DAY,
                 eligibility: str = "chronic_pain", burn_in_days: int | None = None, *,
                 injury_rate_per_year: float | None = None,
                 life_event_rate_per_year: float | None = None,
                 pain_to_mood_weight: float | None = None,
                 pain_to_sleep_weight: float | None = None,
                 pain_to_activity_weight: float | None = None,
                 sensitisation_to_pain_weight: float | None = None,
                 stress_to_mood_weight: float | None = None,
                 support_to_mood_weight: float | None = None):
        given = {name: value for name, value in locals().items() if name in SLIDER_PARAMETERS}
        overrides = {name: value for name, value in given.items() if value is not None}
        if follow not in FOLLOW_CHOICES:
            raise InputError(f"follow = {follow!r} must be one of {list(FOLLOW_CHOICES)}")
        if switched_off != NO_RULE_OFF and switched_off not in rule_names():
            raise InputError(f"switched_off = {switched_off!r} must be 'none' or a rule: "
                             + ", ".join(rule_names()))
        disabled = () if switched_off == NO_RULE_OFF else (switched_off,)
        offered = []
        if intervention != NO_INTERVENTION:
            offered = [{"kind": intervention, "coverage": coverage, "eligibility": eligibility,
                        "start_day": intervention_start_day}]
        scenario = Scenario(n_agents=int(n_agents), disabled_rules=disabled, interventions=offered)
        if burn_in_days is not None:
            scenario = scenario.replace(burn_in_days=burn_in_days)
        super().__init__(scenario, int(seed), **overrides)
        self.follow = follow
        self.switched_off = switched_off
        self.followed = self._choose_followed(FOLLOW_CHOICES[follow])
        self.followed_history: list[dict] = []
        self.states_history: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        """Everyone's pain NRS, PHQ-9 (float32) and high-impact pain, one entry a day from day 0:
        what the costs section recomputes utility from when a utility control moves
        (:mod:`sim.teaching.dashboard_costs`); about 9 kB a day for 1,000 people."""
        self.engine.attach(_FollowedPerson(self))
        self.layout = network_layout(self)

    def _choose_followed(self, choice: str | int) -> int:
        engine = self.engine
        story = isinstance(choice, str)
        if story:
            pool = candidates(engine, choice)
        else:
            codes = category_codes(engine.status.chronic_pain, engine.status.depressed)
            pool = np.flatnonzero(codes == choice)
        self.follow_note = ""
        if pool.size == 0:  # nobody of that kind today: follow anyone, and say so on the plot
            pool = np.arange(engine.n)
            self.follow_note = "nobody of that kind on day 0: following someone else"
        person = choose_person(engine, self.seed, pool)
        if story:
            engine.injure(person, onset_severity(engine, person))  # as `painloop story` tells it
        return person

    def _record_followed(self) -> None:
        engine, i = self.engine, self.followed
        pop = engine.pop
        self.followed_history.append({
            "day": engine.day,
            "pain_nrs": float(scales.pain_nrs(pop.pain[i])),
            "phq9": float(scales.phq9(pop.low_mood[i])),
            "phq9_14d": float(engine.status.phq9_14d[i]),
            "activity_min_week": float(scales.activity_min_week(pop.activity[i], engine.p)),
            "sleep_psqi": float(scales.sleep_psqi(pop.poor_sleep[i])),
            "crp_mg_l": float(scales.crp_mg_l(pop.inflammation[i], pop.crp_baseline[i], engine.p)),
            "category": int(category_codes(engine.status.chronic_pain[i], engine.status.depressed[i])),
            "treated": any(d.status[i] == IN_TREATMENT for d in engine.deliveries.values()),
        })

    def _record_states(self) -> None:
        engine = self.engine
        self.states_history.append((scales.pain_nrs(engine.pop.pain).astype(np.float32),
                                    scales.phq9(engine.pop.low_mood).astype(np.float32),
                                    engine.status.high_impact_pain.copy()))

    def category_codes(self) -> np.ndarray:
        """Everyone's category today (0 well, 1 pain only, 2 depressed only, 3 both)."""
        return category_codes(self.engine.status.chronic_pain, self.engine.status.depressed)


SLIDER_PARAMETERS = tuple(name for name, arg in inspect.signature(DashboardModel).parameters.items()
                          if arg.kind is inspect.Parameter.KEYWORD_ONLY)
"""The parameters the dashboard has a slider for: the keyword-only arguments above."""


def network_layout(model: PainLoopModel) -> np.ndarray:
    """(n, 2) positions of the people, from a seeded spring layout of the social network.

    Computed once per town (people, seed, network parameters) and reused across resets.
    """
    import networkx as nx

    p = model.engine.p
    key = (model.engine.n, model.seed, p.network_mean_degree, p.network_rewire_prob)
    if key not in _LAYOUTS:
        graph = nx.Graph()
        graph.add_nodes_from(range(model.engine.n))
        graph.add_edges_from(model.engine.network.edge_list().tolist())
        pos = nx.spring_layout(graph, seed=model.seed, iterations=60)
        _LAYOUTS.clear()  # one town at a time is all a dashboard needs
        _LAYOUTS[key] = np.array([pos[i] for i in range(model.engine.n)])
    return _LAYOUTS[key]


class _FollowedPerson(Observer):
    """Records the followed person's five states each day (the dashboard's person panel), and
    everyone's pain, PHQ-9 and high-impact pain (the costs section's utility)."""

    def __init__(self, model: DashboardModel):
        self.model = model

    def start(self, engine) -> None:
        self.after_day(engine)

    def after_day(self, engine) -> None:
        self.model._record_followed()
        self.model._record_states()

