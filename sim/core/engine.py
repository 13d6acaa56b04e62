"""The engine: the daily update of the whole population on arrays.

Schedule of one day (written once; docs/ODD.md shows it):

1. **Draw** the day's randomness from the named streams: shocks (injuries, thinned by
   deconditioning; life events) and one normal per noisy state and person.
2. **Deliver interventions**: each intervention decides who is treated today and sets rule gains
   and drive offsets for them (:mod:`sim.interventions`).
3. **Shocks**: an injury adds to ``tissue``, a life event to ``stress`` (capped at 1).
4. **Exposure**: each person's ``tie_support`` = mean social support of their ties.
5. **Rules**: every active rule in :data:`sim.core.rules.RULES` adds its contributions to the drives,
   all from the same start-of-day states (synchronous update), scaled by intervention gains.
6. **Relax**: each state moves toward ``ceiling * sigmoid(drive + offset + noise)`` by
   ``1 - exp(-1/tau)`` of the gap; sensitisation rises and falls with different time constants;
   tissue heals exponentially; the slow pain drift takes one Ornstein-Uhlenbeck step.
7. **Status**: clinical case windows (chronic pain, depression, episodes) take in the day
   (:mod:`sim.core.scales`).

Steps 3-6 are :func:`advance` plus :func:`sim.core.shocks.apply_shocks`, which work unchanged on one
person's scalars: :class:`sim.running.agents.Person` runs them per agent, and both paths agree.

Speed (docs/performance.md): the vectorised path runs :func:`advance` on blocks of
:data:`BLOCK` people (:class:`sim.core.state.Rows`), so its temporaries stay in the CPU cache; every
state is elementwise, so the block size changes no number. Shocks touch only the people hit.
``precision="float32"`` holds states, traits and noise in float32 and draws the noise by
:func:`sim.core.noise.standard_normal_f32`; float64 (the default) draws it with NumPy's ziggurat.
"""

from __future__ import annotations

import copy
import time

import numpy as np

from sim.interventions import Delivery, combine
from sim.core.network import small_world
from sim.running.outputs import daily_row, panel_rows
from sim.core.parameters import Params
from sim.core.rules import RULES
from sim.core.scales import ClinicalStatus
from sim.core.errors import InputError
from sim.core.noise import standard_normal_f32
from sim.core.shocks import DayShocks, draw_shocks
from sim.core.state import RELAXING, STATES, TRAITS, Population, draw_traits
from sim.core.streams import Streams

NOISY = tuple(s for s in STATES if s.noise and s.tau)
"""States that get a daily random push on their target, in the order of the noise rows; the
last noise row drives the slow ``pain_drift``."""
NOISE_ROWS = len(NOISY) + 1
_TRAIT_SPREAD = {t.name: t.spread for t in TRAITS}
_BIASED = tuple(s for s in STATES if s.bias)
BLOCK = 32_768
"""People per block of the vectorised update: a block's ~30 temporaries fit in the L2/L3 cache."""
PRECISIONS = {"float64": np.float64, "float32": np.float32}


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def base_drives(s, p) -> dict:
    """Each state's drive before any rule: its bias plus its trait's scaled score."""
    drive = {}
    for st in _BIASED:
        d = getattr(p, st.bias)
        if st.trait:
            d = d + getattr(p, _TRAIT_SPREAD[st.trait]) * getattr(s, st.trait)
        drive[st.name] = d
    return drive


def advance(s, noise, p: Params, rules, gains=None, offsets=None) -> dict:
    """Next-day values of every state of ``s`` (a population or one person); ``s`` is not changed.

    ``noise`` holds one standard normal per state in :data:`NOISY`; ``gains`` maps a rule name to
    a multiplier of its contributions and ``offsets`` a state to an addition to its drive (both
    from interventions; scalars, or arrays over people).
    """
    drive = base_drives(s, p)
    for rule in rules:
        gain = gains.get(rule.name) if gains else None
        for effect, c in rule.fn(s, p).items():
            drive[effect] = drive[effect] + (c if gain is None else gain * c)
    if offsets:
        for name, offset in offsets.items():
            drive[name] = drive[name] + offset
    for k, st in enumerate(NOISY):
        drive[st.name] = drive[st.name] + getattr(p, st.noise) * noise[k]
    drive["pain"] = drive["pain"] + s.pain_drift

    nxt = {}
    for st in RELAXING:
        x = getattr(s, st.name)
        target = sigmoid(drive[st.name])
        if st.name in p.ceiling:  # most states have none: skip a whole-array multiply by 1
            target = p.ceiling[st.name] * target
        nxt[st.name] = x + (target - x) * p.rate[st.name]
    z = s.sensitisation
    target = sigmoid(drive["sensitisation"])
    nxt["sensitisation"] = z + (target - z) * np.where(target > z, p.rate_sensitisation_up,
                                                       p.rate_sensitisation_down)
    nxt["tissue"] = s.tissue * p.tissue_decay
    nxt["pain_drift"] = s.pain_drift * p.drift_decay + p.drift_innovation_sd * noise[len(NOISY)]
    return nxt


def burn_in_key(scenario) -> str:
    """What determines a run up to day 0: everything but interventions, run length and labels."""
    return scenario.replace(interventions=(), days=1, name="", description="").to_toml()


class Engine:
    """One run of the model on arrays: population, network, streams, status and day counter.

    Construction draws traits and the network, starts everyone at the target their traits give
    with no causes active, and runs ``burn_in_days`` so that day 0 is the long-run state.
    ``timings`` holds the seconds each part of the set-up took (population, network, burn-in).
    """

    def __init__(self, scenario=None, seed: int = 0, progress=None, precision: str = "float64"):
        from sim.core.scenario import Scenario

        if precision not in PRECISIONS:
            raise InputError(f"precision = {precision!r} must be one of {tuple(PRECISIONS)}")
        self.scenario = Scenario() if scenario is None else scenario
        self.p = self.scenario.params()
        self.seed = seed
        self.precision = precision
        dtype = PRECISIONS[precision]
        self.streams = Streams(seed)
        off = set(self.scenario.disabled_rules)
        self.rules = tuple(r for r in RULES if r.name not in off)
        n = self.p.n_agents
        clock = time.perf_counter()
        self.pop = Population(n, draw_traits(n, self.streams["traits"]), dtype)
        self.status = ClinicalStatus(n)
        self.timings = {"population_s": time.perf_counter() - clock}
        clock = time.perf_counter()
        self.network = small_world(n, self.p.network_mean_degree, self.p.network_rewire_prob,
                                   self.streams["network"], dtype)
        self.timings["network_s"] = time.perf_counter() - clock
        self.gains: dict = {}
        self.offsets: dict = {}
        self._noise = np.empty((NOISE_ROWS, n), dtype=dtype)
        self.deliveries = self._make_deliveries()
        self.day = -self.p.burn_in_days
        self._start_well()
        self.status.update(self.pop)
        clock = time.perf_counter()
        self.burn_in(progress)
        self.timings["burn_in_s"] = time.perf_counter() - clock

    @property
    def n(self) -> int:
        return self.pop.n

    def fork(self, scenario) -> Engine:
        """A copy of this engine on day 0 that goes on as ``scenario``.

        Arms of an experiment that differ only in interventions and run length share the burn-in:
        one engine burns in, each arm forks it. The fork is identical to a fresh
        ``Engine(scenario, seed)``: interventions draw only from their own streams, and nothing of
        theirs happens before day 0.
        """
        if self.day != 0:
            raise RuntimeError(f"fork() needs an engine on day 0, not day {self.day}")
        if burn_in_key(scenario) != burn_in_key(self.scenario):
            raise ValueError("fork() needs a scenario with the same burn-in (only interventions and "
                             "days may differ)")
        network, self.network = self.network, None
        try:
            twin = copy.deepcopy(self)
        finally:
            self.network = network
        twin.network = network  # never changes during a run: share it
        twin.scenario = scenario
        twin.p = scenario.params()
        twin.gains, twin.offsets = {}, {}
        twin.deliveries = twin._make_deliveries()
        return twin

    def _make_deliveries(self) -> dict:
        return {spec.name: self.delivery(spec, f"intervention:{spec.name}")
                for spec in self.scenario.interventions}

    def delivery(self, spec, stream: str, restrict=None) -> Delivery:
        """A Delivery of ``spec`` in this run, drawing from the named stream."""
        return Delivery(spec, self.n, self.streams[stream], self.p.days, restrict=restrict,
                        effect_scale=spec.effect_scale(self.p))

    def _start_well(self) -> None:
        drive = base_drives(self.pop, self.p)
        for st in RELAXING:
            value = self.p.ceiling.get(st.name, 1.0) * sigmoid(drive[st.name])
            getattr(self.pop, st.name)[...] = value
        self.pop.sensitisation[...] = sigmoid(drive["sensitisation"])
        self.pop.pain_drift[...] = self.p.pain_drift_sd * self.streams["noise"].standard_normal(self.n)
        self.pop.tie_support = self.network.neighbour_mean(self.pop.social_support)

    def burn_in(self, progress=None) -> None:
        while self.day < 0:
            self.step()
            if progress is not None:
                progress.update(1)

    def draw_day(self) -> tuple[DayShocks, np.ndarray]:
        """The day's shocks and noise from their streams.

        The noise array is reused from day to day: it is valid until the next draw.
        """
        shocks = draw_shocks(self.pop, self.p, self.streams["injuries"], self.streams["life_events"])
        if self.precision == "float64":
            self.streams["noise"].standard_normal(out=self._noise)
        else:
            standard_normal_f32(self.streams["noise"], self._noise)
        self.last_shocks = shocks  # read by studies (sim.epi) that log who was injured when
        return shocks, self._noise

    def begin_day(self) -> tuple[DayShocks, np.ndarray]:
        """Steps 1-2 of the schedule: the day's randomness (drawn once, whichever path applies
        it), then intervention delivery, which sets today's rule gains and drive offsets."""
        drawn = self.draw_day()
        if self.deliveries and self.day >= 0:
            for delivery in self.deliveries.values():
                delivery.deliver(self.day, self.pop, self.status, self.deliveries)
            self.gains, self.offsets = combine(self.deliveries.values(), self.n)
        return drawn

    def step(self) -> None:
        """Advance one day on the whole arrays, one block of people at a time."""
        shocks, noise = self.begin_day()
        dtype = self.pop.dtype
        shocks.apply_to(self.pop)
        self.pop.tie_support = self.network.neighbour_mean(self.pop.social_support)
        for start in range(0, self.n, BLOCK):
            rows = slice(start, start + BLOCK)
            self.pop.set_states(advance(self.pop.rows(rows), noise[:, rows], self.p, self.rules,
                                        _block(self.gains, rows, dtype), _block(self.offsets, rows, dtype)), rows)
        self.end_day()

    def daily_row(self) -> dict:
        """Today's aggregate outputs (see :mod:`sim.running.outputs`)."""
        return daily_row(self.day, self.pop, self.status, self.p, self.deliveries.values())

    def panel_wave(self, who: np.ndarray | None = None):
        """Today's per-person outputs, one row per person (or per row in ``who``)."""
        return panel_rows(self.day, self.pop, self.status, self.p, who)

    def end_day(self) -> None:
        self.status.update(self.pop)
        self.day += 1


def _block(hooks: dict, rows: slice, dtype) -> dict:
    """Intervention gains or offsets for a block: per-person arrays sliced (in the engine's
    float type, so float32 runs stay float32), scalars as they are."""
    return {k: (v[rows].astype(dtype, copy=False) if isinstance(v, np.ndarray) and v.ndim else v)
            for k, v in hooks.items()}
