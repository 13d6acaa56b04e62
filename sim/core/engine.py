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
   ``1 - exp(-1/tau)`` of the gap (pain toward only what passes its perception threshold,
   :func:`sim.core.engine.felt_pain`; recovery builds at a per-person rate set by coping,
   :func:`sim.core.engine.recovery_rate`); sensitisation rises and falls with different time constants;
   tissue heals exponentially in two phases (``tissue`` in weeks, ``remodelling`` in months); the slow pain drift takes one Ornstein-Uhlenbeck step.
7. **Status**: clinical case windows (chronic pain, depression, episodes) take in the day
   (:mod:`sim.core.scales`).
8. **Demography** (:mod:`sim.core.demography`): everyone ages a day; people die with the life
   table's daily probability for their age and sex, and people reaching the exit age leave. Each
   leaver's row is taken by an entrant at the entry age with fresh traits, started well, with
   empty clinical windows and no treatment; observers hear of it (``replaced``) before they see
   the completed day.

Steps 3-6 are :func:`advance` plus :func:`sim.core.shocks.apply_shocks`, which work unchanged on one
person's scalars: :class:`sim.running.agents.Person` runs them per agent, and both paths agree.

**One day loop.** :meth:`DayLoop.step` is the only place a day happens (for an :class:`Engine`
and for a :class:`sim.core.batch.BatchEngine` alike), and :meth:`DayLoop.run` the only loop over
days (the burn-in is ``run_until(0)``). Everything that watches a run -- daily tables,
panels, cohorts, epidemiological surveys, virtual trials, stories, the Mesa model's DataCollector --
is an :class:`Observer` attached to the engine, as Starsim's analyzers and Mesa's DataCollector are.
Observers read the engine; they change it only through its public methods
(:meth:`Engine.add_delivery`, :meth:`Engine.set_parameters`, :meth:`Engine.injure`).

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
from sim.core import equilibrium
from sim.core.demography import FEMALE_CENTRE, REFERENCE_AGE_YEARS, Demography
from sim.core.network import small_world
from sim.core.parameters import PARAMS, Params
from sim.core.rules import RULES
from sim.core.scales import ClinicalStatus
from sim.core.errors import InputError
from sim.core.logistic import sigmoid
from sim.core.noise import standard_normal_f32
from sim.core.shocks import DayShocks, draw_shocks
from sim.core.state import RELAXING, STATES, TRAITS, Population, draw_traits
from sim.core.streams import Streams

NOISY = tuple(s for s in STATES if s.noise and s.tau)
"""States that get a daily random push on their target, in the order of the noise rows; the
next row drives the slow ``pain_drift`` and the last the slow ``mood_drift``."""
PAIN_DRIFT_ROW = len(NOISY)
MOOD_DRIFT_ROW = len(NOISY) + 1
"""The ``mood_drift`` row is drawn from its own stream (``mood_drift``), and only while
``mood_drift_sd > 0``, so the other rows draw as they did before it existed. While the SD is 0
the row is not drawn (it keeps its last values, zeros from the start, and is multiplied by an
innovation SD of 0): a drift that was never on stays at zero; one switched off midway decays
away at its correlation time."""
NOISE_ROWS = len(NOISY) + 2
_TRAIT_SPREAD = {t.name: t.spread for t in TRAITS}
_BIASED = tuple(s for s in STATES if s.bias)
BLOCK = 32_768
"""People per block of the vectorised update: a block's ~30 temporaries fit in the L2/L3 cache."""
PRECISIONS = {"float64": np.float64, "float32": np.float32}


def felt_pain(signal, p):
    """Pain felt from a nociceptive signal on 0-1 (``sigmoid`` of the pain drive): nothing below the
    perception threshold ``p.pain_threshold`` (``pain_threshold_nrs`` on the signal's scale), the
    rest stretched back over the scale. This is what gives pain a true zero: a person whose
    drive sits below the threshold feels no pain at all, instead of the sigmoid's small positive
    floor (before issue 13 the median adult without chronic pain sat at NRS 0.5)."""
    return np.maximum(signal - p.pain_threshold, 0.0) * (1.0 / (1.0 - p.pain_threshold))


def state_target(name: str, drive, p):
    """Target of a relaxing state from its drive: ``ceiling * sigmoid(drive)``, and for pain
    only what passes the perception threshold (:func:`felt_pain`)."""
    target = sigmoid(drive)
    if name == "pain":
        target = felt_pain(target, p)
    if name in p.ceiling:  # most states have none: skip a whole-array multiply by 1
        target = p.ceiling[name] * target
    return target


def recovery_rate(s, p, target):
    """Per-person daily rate at which ``mood_recovery`` moves toward its target.

    Coping (trait ``coping``) sets how *fast* recovery builds during low mood, not how strong it
    can get: the build-up time constant is ``mood_recovery_tau_days * slowness``, with
    ``slowness = exp(-coping_sd * coping)`` capped at ``mood_recovery_slowness_max``. Everyone's
    recovery can grow to the same strength, so every episode ends; people who cope least take
    longest (the long tail of episode durations: NEMESIS, nearly 20% still ill at 2 years), but
    the cap keeps a floor under their rate of recovery, so there is no near-absorbing state in
    which the lowest-coping people accumulate over decades. Recovery fades after an episode at
    the base rate for everyone.
    """
    slowness = np.minimum(np.exp(-p.coping_sd * s.coping), p.mood_recovery_slowness_max)
    building = -np.expm1(-1.0 / (p.mood_recovery_tau_days * slowness))
    return np.where(target > s.mood_recovery, building, p.rate["mood_recovery"])


def base_drives(s, p) -> dict:
    """Each state's drive before any rule: its bias plus its trait's scaled score, plus where the
    evidence says age and sex act (the one place they do): pain's drive rises by
    ``pain_age_logit_per_decade`` per decade of age above :data:`REFERENCE_AGE_YEARS`, and
    low mood's by ``low_mood_female_logit`` for women against men (centred on
    :data:`FEMALE_CENTRE`, so a population's overall level stays near where it was fitted)."""
    drive = {}
    for st in _BIASED:
        d = getattr(p, st.bias)
        if st.trait:
            d = d + getattr(p, _TRAIT_SPREAD[st.trait]) * getattr(s, st.trait)
        drive[st.name] = d
    age = (s.age_years - REFERENCE_AGE_YEARS) * 0.1
    drive["pain"] = drive["pain"] + p.pain_age_logit_per_decade * (
        age.astype(s.pain.dtype) if isinstance(age, np.ndarray) else age)
    drive["low_mood"] = drive["low_mood"] + p.low_mood_female_logit * (s.female - FEMALE_CENTRE)
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
    drive["low_mood"] = drive["low_mood"] + s.mood_drift

    nxt = {}
    for st in RELAXING:
        x = getattr(s, st.name)
        target = state_target(st.name, drive[st.name], p)
        rate = recovery_rate(s, p, target) if st.name == "mood_recovery" else p.rate[st.name]
        nxt[st.name] = x + (target - x) * rate
    z = s.sensitisation
    target = sigmoid(drive["sensitisation"])
    nxt["sensitisation"] = z + (target - z) * np.where(target > z, p.rate_sensitisation_up,
                                                       p.rate_sensitisation_down)
    nxt["tissue"] = s.tissue * p.tissue_decay
    nxt["remodelling"] = s.remodelling * p.remodelling_decay
    nxt["pain_drift"] = s.pain_drift * p.drift_decay + p.drift_innovation_sd * noise[PAIN_DRIFT_ROW]
    nxt["mood_drift"] = s.mood_drift * p.mood_drift_decay + p.mood_drift_innovation_sd * noise[MOOD_DRIFT_ROW]
    return nxt


class Observer:
    """Something that watches a run. Subclass it and override any of the five hooks; each does
    nothing by default. The engine calls them, for every attached observer in attach order:

    * ``start(engine)`` once, when the observer is attached; ``engine.day`` is the last complete
      day (day 0 after the burn-in; ``-burn_in_days`` for observers given to the constructor,
      which then also see the burn-in);
    * ``before_day(engine)`` at the start of each day, while the states are still yesterday's;
    * ``shocks(engine, shocks)`` once the day's shocks are drawn (a
      :class:`sim.core.shocks.DayShocks`: who is injured, who has a life event), before they act;
    * ``replaced(engine, who)`` on a day when people died or reached the exit age, just before
      ``after_day``: ``who`` are their rows, now held by entrants;
    * ``after_day(engine)`` when the day is complete: states, clinical status and ``engine.day``
      are the new day's.

    Observers read the engine (``engine.pop``, ``engine.status``, ``engine.deliveries``, ...) and
    change it only through its public methods.

    Examples:
        Count the injuries of a month:

        >>> class Injuries(sim.Observer):
        ...     def start(self, engine):
        ...         self.count = 0
        ...     def shocks(self, engine, shocks):
        ...         self.count += int((shocks.injury > 0).sum())
        >>> engine = sim.Engine(sim.Scenario(n_agents=500, burn_in_days=30), seed=1)
        >>> (watch,) = engine.run(30, Injuries())
        >>> watch.count >= 0, engine.day
        (True, 30)
    """

    def start(self, engine: Engine) -> None:
        """Called once, when attached; ``engine.day`` is the last complete day."""
        pass

    def before_day(self, engine: Engine) -> None:
        """Called at the start of each day, while the states are still yesterday's."""
        pass

    def shocks(self, engine: Engine, shocks: DayShocks) -> None:
        """Called once the day's shocks are drawn (who is injured, who has a life event), before
        they act.
        """
        pass

    def after_day(self, engine: Engine) -> None:
        """Called when the day is complete: states, clinical status and ``engine.day`` are the new
        day's.
        """
        pass

    def replaced(self, engine: Engine, who: np.ndarray) -> None:
        """Called on a day when people left (died or reached the exit age), just before
        ``after_day``: ``who`` are the rows they held, which entrants now hold (their
        ``person_id`` is new; the leavers' are in ``engine.demography.left_ids``). Observers that
        follow people censor them here.
        """
        pass


class _Progress(Observer):
    """Advances a progress bar (anything with ``update(n)``, e.g. tqdm) once a day."""

    def __init__(self, bar):
        self.bar = bar

    def after_day(self, engine: Engine) -> None:
        self.bar.update(1)


AFTER_DAY0_GROUPS = ("interventions", "costs")
"""Parameter groups that nothing before day 0 reads: interventions' effect sizes act only through
their deliveries, made after day 0 from their own streams, and unit costs only on what a run
reports. The burn-in key leaves them out, so runs that differ only in them share a burn-in (and
its cached equilibrium): stage 2 of the calibration bisects an effect size on one town per seed."""


def burn_in_key(scenario) -> str:
    """What determines a run up to day 0: everything but interventions, their effect sizes and
    unit costs (:data:`AFTER_DAY0_GROUPS`), run length and labels."""
    spec = {k: v for k, v in scenario.to_dict().items() if k not in ("interventions", "name", "description")
            and not (k in PARAMS and PARAMS[k].group in AFTER_DAY0_GROUPS)}
    return type(scenario)(**{**spec, "days": 1}).to_toml()


class DayLoop:
    """The one day loop, shared by :class:`Engine` and :class:`sim.core.batch.BatchEngine`: the
    day's schedule (:meth:`step`, the module docstring's steps 1-8, written once), attaching and
    detaching observers, and advancing whole days. A subclass holds ``observers`` (a list),
    ``day``, ``pop``, ``p`` and ``status``, and supplies the schedule's parts: ``draw_day``,
    ``deliver``, ``_update``, ``_leave`` and ``_next_day``."""

    def step(self) -> None:
        """One day: draw, deliver, update everyone, take in the clinical status, demography. Observers
        hear ``before_day``, ``shocks`` (once drawn), ``replaced`` (if anyone left) and ``after_day``,
        in attach order."""
        for observer in self.observers:
            observer.before_day(self)
        shocks, noise = self.draw_day()
        for observer in self.observers:
            observer.shocks(self, shocks)
        self.deliver()
        self._update(shocks, noise)
        self.status.update(self.pop, self.p)
        left, anyone = self._leave()
        self._next_day()
        for observer in self.observers:
            if anyone:
                observer.replaced(self, left)
            observer.after_day(self)

    def attach(self, observer: Observer) -> Observer:
        """Let ``observer`` watch every following day; calls its ``start`` now."""
        self.observers.append(observer)
        observer.start(self)
        return observer

    def detach(self, observer: Observer) -> None:
        """Stop ``observer`` watching (it keeps what it recorded)."""
        self.observers.remove(observer)

    def run(self, days: int, *observers: Observer) -> tuple[Observer, ...]:
        """Advance ``days`` days with ``observers`` attached for them (then detached); returns them."""
        for observer in observers:
            self.attach(observer)
        try:
            for _ in range(days):
                self.step()
        finally:
            for observer in observers:
                self.detach(observer)
        return observers

    def run_until(self, day: int, *observers: Observer) -> tuple[Observer, ...]:
        """Advance until ``engine.day == day`` (nothing if it is already there or later)."""
        return self.run(max(day - self.day, 0), *observers)



class Engine(DayLoop):
    """One run of the model on arrays: population, network, streams, status and day counter.

    Construction draws traits and the network, starts everyone at the target their traits give
    with no causes active, and runs ``burn_in_days`` so that day 0 is the long-run state -- or
    loads that day-0 state from the equilibrium cache (:mod:`sim.core.equilibrium`), which gives
    the same run bit for bit. ``timings`` holds the seconds each part of the set-up took
    (``population_s``, ``network_s``, ``burn_in_s``; ``cache_load_s`` and ``cache_save_s``) and
    ``burn_in_source``: ``"run"`` or ``"cache"``.

    Args:
        scenario: the :class:`sim.Scenario` to run (default: all defaults).
        seed: the run's seed; every stochastic process draws from its own stream of it.
        progress: optional progress bar (anything with ``update(n)``), advanced once per day of
            the burn-in and of every later day.
        precision: ``"float64"`` (default) or ``"float32"``.
        observers: :class:`Observer` objects attached before the burn-in (they see its days too,
            so the run burns in instead of loading the cache).
        cache: load the day-0 state from the equilibrium cache, or save it there after burning
            in (default True; ``$PAINLOOP_CACHE=off`` disables it everywhere). A loaded run
            advances ``progress`` by the burn-in's days at once.

    Raises:
        InputError: an unknown precision.

    Examples:
        >>> engine = sim.Engine(sim.Scenario(n_agents=500, burn_in_days=60), seed=1)
        >>> engine.day, engine.n
        (0, 500)
        >>> engine.step()
        >>> engine.day
        1
    """

    def __init__(self, scenario=None, seed: int = 0, progress=None, precision: str = "float64",
                 observers=(), cache: bool = True):
        self._setup(scenario, seed, precision)
        # Observers given here must see the burn-in's days, so they bypass the cache.
        slot = equilibrium.slot(burn_in_key(self.scenario), seed, precision,
                                enabled=cache and not observers and self.p.burn_in_days > 0)
        clock = time.perf_counter()
        state = slot.load()
        self.timings["cache_load_s"] = time.perf_counter() - clock
        try:
            if state is None and slot.claim():
                state = slot.load()  # another process may have saved it while we looked
            if state is not None:
                vars(self).update(state)
                self.timings["burn_in_source"] = "cache"
                self.deliveries = self._make_deliveries()
                if progress is not None:
                    progress.update(self.p.burn_in_days)
                    self.attach(_Progress(progress))
            else:
                self._burn_in(progress, observers)
                clock = time.perf_counter()
                slot.save(self)
                self.timings["cache_save_s"] = time.perf_counter() - clock
        finally:
            slot.release()

    def _setup(self, scenario, seed: int, precision: str) -> None:
        """The run's own parts, before any person exists: scenario, parameters, streams, rules."""
        from sim.core.scenario import Scenario

        if precision not in PRECISIONS:
            raise InputError(f"precision = {precision!r} must be one of {tuple(PRECISIONS)}")
        self.scenario = Scenario() if scenario is None else scenario
        self.p = self.scenario.params()
        self.seed = seed
        self.precision = precision
        self.streams = Streams(seed)
        off = set(self.scenario.disabled_rules)
        self.rules = tuple(r for r in RULES if r.name not in off)
        self.gains: dict = {}
        self.offsets: dict = {}
        self.per_person = None
        """When set (by the Mesa model's per-agent path), a function ``(shocks, noise) -> next
        states`` that computes the day person by person instead of on the whole arrays."""
        self.observers: list[Observer] = []
        self.timings = {"population_s": 0.0, "network_s": 0.0, "burn_in_s": 0.0, "burn_in_source": "run",
                        "cache_load_s": 0.0, "cache_save_s": 0.0}

    def _burn_in(self, progress, observers) -> None:
        """Draw traits and the network, start everyone well, and run the burn-in to day 0."""
        self._populate()
        if progress is not None:
            self.attach(_Progress(progress))
        for observer in observers:
            self.attach(observer)
        clock = time.perf_counter()
        self.run_until(0)
        self.timings["burn_in_s"] = time.perf_counter() - clock

    def _populate(self) -> None:
        """Draw traits, ages and the network and start everyone well on the first burn-in day
        (a batch of runs, :mod:`sim.core.batch`, does this for each of its sets)."""
        dtype = PRECISIONS[self.precision]
        n = self.p.n_agents
        clock = time.perf_counter()
        self.pop = Population(n, draw_traits(n, self.streams["traits"]), dtype)
        self.demography = Demography.from_params(self.p)
        self.demography.populate(self.pop, self.streams["demography"])
        self.status = ClinicalStatus(n)
        self.timings["population_s"] = time.perf_counter() - clock
        clock = time.perf_counter()
        self.network = small_world(n, self.p.network_mean_degree, self.p.network_rewire_prob,
                                   self.streams["network"], dtype)
        self.timings["network_s"] = time.perf_counter() - clock
        self._noise = np.zeros((NOISE_ROWS, n), dtype=dtype)
        self.deliveries = self._make_deliveries()
        self.day = -self.p.burn_in_days
        self._start_well()
        self.status.update(self.pop, self.p)

    @property
    def n(self) -> int:
        """Number of people."""
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
        # The network never changes during a run: share it. Observers and a per-person update
        # belong to this run, not to its forks.
        shared = self.network, self.observers, self.per_person
        self.network, self.observers, self.per_person = None, [], None
        try:
            twin = copy.deepcopy(self)
        finally:
            self.network, self.observers, self.per_person = shared
        twin.network = self.network
        twin.scenario = scenario
        twin.p = scenario.params()
        twin.gains, twin.offsets = {}, {}
        twin.deliveries = twin._make_deliveries()
        return twin

    def _make_deliveries(self) -> dict:
        return {spec.name: self.delivery(spec, stream)
                for spec, stream in zip(self.scenario.interventions, self.delivery_streams())}

    def delivery_streams(self) -> list[str]:
        """Names of the streams the scenario's interventions draw from (one each)."""
        return [f"intervention:{spec.name}" for spec in self.scenario.interventions]

    def delivery(self, spec, stream: str, restrict=None) -> Delivery:
        """A Delivery of ``spec`` in this run, drawing from the named stream."""
        return Delivery(spec, self.n, self.streams[stream], self.p.days, restrict=restrict,
                        effect_scale=spec.effect_scale(self.p))

    def add_delivery(self, spec, stream: str, restrict=None, key: str | None = None) -> Delivery:
        """Deliver one more intervention from today on (e.g. a virtual trial's arm), drawing from
        its own named ``stream``; ``restrict`` masks who may ever be offered it. Returns it."""
        key = spec.name if key is None else key
        if key in self.deliveries:
            raise InputError(f"an intervention named '{key}' is already delivered in this run")
        self.deliveries[key] = delivery = self.delivery(spec, stream, restrict)
        return delivery

    def set_parameters(self, **changes) -> None:
        """Change parameters of the running model from tomorrow on (e.g. a hysteresis ramp), validated
        by the scenario; derived rates are rebuilt. Interventions already delivered keep theirs.
        The entry and exit ages cannot change during a run (the age structure is drawn for them)."""
        fixed = sorted({"entry_age_years", "exit_age_years"} & set(changes))
        if fixed:
            raise InputError(f"{', '.join(fixed)} cannot change during a run (set it in the scenario)")
        self.scenario = self.scenario.replace(**changes)
        self.p = self.scenario.params()

    def injure(self, who, severity: float) -> None:
        """Give the people ``who`` a back injury of ``severity`` (tissue units, capped at 1), as a
        random injury would (a story or a lesson chooses whom)."""
        self.pop.tissue[who] = np.minimum(self.pop.tissue[who] + severity, 1.0)
        self.pop.remodelling[who] = np.minimum(self.pop.remodelling[who] + self.p.remodelling_share * severity, 1.0)

    def _start_well(self, who: np.ndarray | None = None, rng: np.random.Generator | None = None) -> None:
        """Start everyone (or the rows ``who``, entrants) at the target their traits, age and sex
        give with no causes active; the slow pain drift is drawn from ``rng`` (default: the
        ``noise`` stream, as at the start of a run), the slow mood drift from its own stream."""
        rows = slice(None) if who is None else who
        s = self.pop if who is None else self.pop.rows(who)
        drive = base_drives(s, self.p)
        for st in RELAXING:
            getattr(self.pop, st.name)[rows] = state_target(st.name, drive[st.name], self.p)
        self.pop.sensitisation[rows] = sigmoid(drive["sensitisation"])
        rng = self.streams["noise"] if rng is None else rng
        self.pop.pain_drift[rows] = self.p.pain_drift_sd * rng.standard_normal(s.n)
        self.pop.mood_drift[rows] = (self.p.mood_drift_sd * self.streams["mood_drift"].standard_normal(s.n)
                                     if self.p.mood_drift_sd > 0 else 0.0)
        if who is None:
            self.pop.tie_support = self.network.neighbour_mean(self.pop.social_support)

    def draw_day(self) -> tuple[DayShocks, np.ndarray]:
        """The day's shocks and noise from their streams.

        The noise array is reused from day to day: it is valid until the next draw.
        """
        return self.draw_shocks(), self.draw_noise()

    def draw_shocks(self) -> DayShocks:
        """The day's shocks (injuries, life events) from their own streams."""
        return draw_shocks(self.pop, self.p, self.streams["injuries"], self.streams["life_events"])

    def noise_parts(self) -> list[tuple[np.random.Generator, np.ndarray]]:
        """The streams the day's noise is drawn from, each with the rows of the noise array it
        fills: ``noise`` every row but the mood drift's, and ``mood_drift`` that row only while
        ``mood_drift_sd`` > 0 (otherwise the row is left as it is, drawing nothing: it is then
        multiplied by 0)."""
        parts = [(self.streams["noise"], self._noise[:MOOD_DRIFT_ROW])]
        if self.p.mood_drift_sd > 0:
            parts.append((self.streams["mood_drift"], self._noise[MOOD_DRIFT_ROW:]))
        return parts

    def draw_noise(self) -> np.ndarray:
        """The day's noise (one standard normal per noisy state and person) into the reused array,
        from the streams of :meth:`noise_parts`; it depends only on those streams' states, the size
        and the precision."""
        for rng, rows in self.noise_parts():
            if self.precision == "float64":
                rng.standard_normal(out=rows)
            else:
                standard_normal_f32(rng, rows)
        return self._noise

    def deliver(self) -> None:
        """Step 2: every intervention decides who is treated today; sets today's gains and offsets."""
        if self.deliveries and self.day >= 0:
            for delivery in self.deliveries.values():
                delivery.deliver(self.day, self.pop, self.status, self.deliveries)
            self.gains, self.offsets = combine(self.deliveries.values(), self.n)

    # ---- the rest of DayLoop.step's schedule (draw_day and deliver are above) ----

    def _update(self, shocks: DayShocks, noise: np.ndarray) -> None:
        """Steps 3-6 for everyone: on the whole arrays one block of people at a time, or person by
        person when :attr:`per_person` is set; the day's randomness was drawn once either way."""
        if self.per_person is not None:
            self.pop.set_states(self.per_person(shocks, noise))
            return
        dtype = self.pop.dtype
        shocks.apply_to(self.pop, self.p.remodelling_share)
        self.pop.tie_support = self.network.neighbour_mean(self.pop.social_support)
        for start in range(0, self.n, BLOCK):
            rows = slice(start, start + BLOCK)
            self.pop.set_states(advance(self.pop.rows(rows), noise[:, rows], self.p, self.rules,
                                        _block(self.gains, rows, dtype), _block(self.offsets, rows, dtype)),
                                rows)

    def _leave(self) -> tuple[np.ndarray, bool]:
        left = self.demography.step(self)
        return left, bool(left.size)

    def _next_day(self) -> None:
        self.day += 1


def _block(hooks: dict, rows: slice, dtype) -> dict:
    """Intervention gains or offsets for a block: per-person arrays sliced (in the engine's
    float type, so float32 runs stay float32), scalars as they are."""
    return {k: (v[rows].astype(dtype, copy=False) if isinstance(v, np.ndarray) and v.ndim else v)
            for k, v in hooks.items()}
