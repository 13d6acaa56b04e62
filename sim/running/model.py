"""The Mesa model: :class:`PainLoopModel` wraps the array engine for Mesa users and the dashboard.

``PainLoopModel()`` builds a default population (after its burn-in); every keyword that names a
parameter overrides it, so ``type(model)(**params)`` -- Mesa's reset -- works. ``model.agents``
holds one :class:`sim.running.agents.Person` per person for interactive sizes (up to
:data:`MAX_AUTO_AGENTS` people, or always with ``path="agents"``); larger models run on the
arrays alone, because one Python object per person costs memory and Mesa 3.3 never frees a
model that has agents.

``path="vector"`` advances a day on the whole arrays; ``path="agents"`` has every Person apply the
rules to its own scalars. Both draw the day's randomness once and give the same trajectories.
"""

from __future__ import annotations

import numpy as np
from mesa import DataCollector, Model

from sim.core.engine import Engine, Observer
from sim.core.errors import InputError
from sim.core.scenario import Scenario
from sim.core.state import STATE_NAMES
from sim.core.streams import stream
from sim.running.agents import Person
from sim.running.outputs import daily_row

MAX_AUTO_AGENTS = 50_000
PATHS = ("vector", "agents")


class PainLoopModel(Model):
    """The pain-depression loop as a ``mesa.Model``; one ``step()`` is one day.

    Args:
        scenario: a :class:`sim.Scenario` (default: all defaults).
        seed: the run's seed; every stochastic process has its own stream from it.
        path: ``"vector"`` (whole arrays) or ``"agents"`` (each Person updates itself).
        create_agents: make a Person per person (default: when ``n_agents`` <= 50,000 or
            ``path="agents"``).
        progress: optional object with ``update(n)`` (e.g. tqdm) advanced once per burn-in day.
        precision: the engine's float type, ``"float64"`` or ``"float32"`` (see :mod:`sim.core.engine`).
        collect: keep ``model.latest`` (today's aggregate row) and a DataCollector of it, day by
            day (an observer of the engine); off for benchmarks that time the update alone.
        **kwargs: parameter values that replace the scenario's (named ``kwargs`` because Mesa
            3.3's SolaraViz passes extra slider values only to a catch-all of that name).

    The run's scenario is ``model.engine.scenario``: Mesa 3.4+ keeps a scenario of its own in
    ``model.scenario``.

    Raises:
        InputError: an unknown path or parameter, or a value outside its range.

    Examples:
        >>> model = sim.PainLoopModel(sim.Scenario(n_agents=300, burn_in_days=60), seed=1)
        >>> model.step()
        >>> len(model.agents), model.engine.day
        (300, 1)
        >>> depressed = model.agents.select(lambda person: person.depressed)
        >>> len(depressed) == int(model.engine.status.depressed.sum())
        True
    """

    def __init__(self, scenario: Scenario | None = None, seed: int = 0, *, path: str = "vector",
                 create_agents: bool | None = None, progress=None, precision: str = "float64",
                 collect: bool = True, **kwargs):
        if path not in PATHS:
            raise InputError(f"path = {path!r} must be one of {PATHS}")
        scenario = Scenario() if scenario is None else scenario
        if kwargs:
            scenario = scenario.replace(**kwargs)
        self.engine = Engine(scenario, seed, progress, precision)
        super().__init__(rng=stream(seed, "mesa"))
        self.seed = seed
        self.path = path
        self.running = True
        if create_agents is None:
            create_agents = path == "agents" or scenario.n_agents <= MAX_AUTO_AGENTS
        if path == "agents" and not create_agents:
            raise InputError("path='agents' needs create_agents=True")
        if create_agents:
            for i in range(self.engine.n):
                Person(self, i)
        if path == "agents":
            self.engine.per_person = self._update_people
        self.latest: dict = {}
        self.datacollector = None
        if collect:
            self.engine.attach(_Collect(self))

    @property
    def day(self) -> int:
        """The engine's day (0 after the burn-in); Mesa's own step counter is ``model.steps``."""
        return self.engine.day

    def step(self) -> None:
        """One day: the engine's step; the DataCollector observes it (Mesa 3.3's ``Model.step``
        wrapper also advances ``model.steps``)."""
        self.engine.step()

    def _update_people(self, shocks, noise) -> dict:
        """The per-agent path of one day: every Person computes its next states from the start-of-day
        states (its own and its ties'); the engine swaps them in once all have."""
        engine = self.engine
        nxt = {name: np.empty(engine.n, dtype=engine.pop.dtype) for name in STATE_NAMES}
        self.agents.do("update", shocks, noise, nxt)
        return nxt

    def person(self, index: int) -> Person:
        """The Person at row ``index`` (agents are created in row order)."""
        agent = self.agents[index]
        if agent.index != index:
            raise LookupError(f"no Person for row {index}")
        return agent


class _Collect(Observer):
    """The Mesa model's reporting as an observer: the day's aggregate row, then its DataCollector
    (made on the first day, with one model reporter per column of the row)."""

    def __init__(self, model: PainLoopModel):
        self.model = model

    def start(self, engine) -> None:
        self.after_day(engine)

    def after_day(self, engine) -> None:
        model = self.model
        model.latest = daily_row(engine.day, engine.pop, engine.status, engine.p, engine.deliveries.values(),
                                 engine.demography)
        if model.datacollector is None:
            model.datacollector = DataCollector(model_reporters={
                k: (lambda m, k=k: m.latest[k]) for k in model.latest if k != "day"})
        model.datacollector.collect(model)
