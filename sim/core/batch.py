"""Many parameter sets in one run: a batch of K runs of one scenario, updated as one population.

A parameter ensemble (issue 14) runs the same scenario under K parameter sets. Run one at a
time, a set of 2,000 people spends a good part of each day in the overhead of NumPy calls on
small arrays, which batching removes (about half of the day: docs/performance.md measures 2x). A
:class:`BatchEngine` puts the K sets' people one after the other in one population of
``K x n_agents`` rows and does the day's arithmetic -- the rules and relaxation
(:func:`sim.core.engine.advance`) and the clinical status -- once on the whole arrays, with every
parameter that differs between sets held per row (:class:`PerRow`).

**Same numbers as K solo runs, bit for bit.** Everything random stays per set: each set is a
*member*, an :class:`sim.core.engine.Engine` of its own scenario and the batch's seed with its own
streams, traits, ages, network, demography, interventions and burn-in, whose population and
clinical status are views into the batch's rows. A member draws its shocks, noise, deaths and
entrants, and delivers its interventions, exactly as its solo run would (same stream, same state,
same order); only the elementwise arithmetic is shared, and a per-row parameter combines with the
arrays exactly as the solo run's Python float does (:class:`PerRow`). ``tests/test_batch.py``
compares daily tables of batched and solo runs bit for bit, float64 and float32, with
interventions, deaths and entrants.

**What may vary.** Any parameter but those that fix the shape of the run shared by all sets
(:data:`STRUCTURAL`: people per set, reported days, burn-in days); those are refused by name.
Interventions and switched-off rules are the scenario's, the same for every set.

**Burn-in.** Each set's day 0 is keyed in the equilibrium cache (:mod:`sim.core.equilibrium`) by
its own scenario, exactly as a solo run's: a set already burnt in (by a solo run or an earlier
batch) is loaded, the others burn in together as one smaller batch and are saved for next time.
"""

from __future__ import annotations

import copy
import time

import numpy as np

from sim.core import equilibrium
from sim.core.engine import BLOCK, NOISE_ROWS, PRECISIONS, DayLoop, Engine, Observer, _block, advance, burn_in_key
from sim.core.errors import InputError
from sim.core.network import Network
from sim.core.parameters import Params
from sim.core.scales import ClinicalStatus
from sim.core.state import Population
from sim.core.streams import state_key

STRUCTURAL = ("n_agents", "days", "burn_in_days")
"""Parameters every set of a batch shares: they fix the batch's shape (rows per set, the days
run). A parameter set that changes one is refused."""


# --------------------------------------------------------------------------------------------
# Per-row parameters
# --------------------------------------------------------------------------------------------

def _stand_in(x):
    return 0.0 if isinstance(x, PerRow) else x


def _apply(fn, args, weak: bool):
    """``fn(*args)`` with each :class:`PerRow` as the Python float it stands for (NEP 50).

    A Python float is a *weak* scalar: with an array it takes the array's float type (float32
    stays float32), with another Python number it is IEEE double arithmetic. So the per-row values
    are cast to the type the solo run's expression would compute in, and the result is again a
    weak :class:`PerRow` only where the solo result is a Python float (an operator between
    parameters); a NumPy function returns a NumPy value, which is strong."""
    stand_ins = [_stand_in(x) for x in args]
    dtype = np.result_type(*stand_ins)
    plain = [x.values.astype(dtype, copy=False) if isinstance(x, PerRow) else x for x in args]
    out = fn(*plain)
    strong = any(isinstance(x, (np.ndarray, np.generic)) for x in stand_ins)
    return PerRow(out) if weak and not strong else out


def _operators(ufunc):
    def forward(self, other):
        return _apply(ufunc, (self, other), weak=True)

    def reverse(self, other):
        return _apply(ufunc, (other, self), weak=True)

    return forward, reverse


class PerRow:
    """A parameter that differs between the sets of a batch: its value on each row (float64).

    It computes exactly as the Python float it replaces in a solo run (see :func:`_apply`):
    ``p.x * 10.0 * s.pain`` rounds ``p.x * 10.0`` in double, then casts it to the population's
    float type, as NumPy does a Python float; ``np.where(cond, p.a, p.b)`` is float64 as with two
    Python floats. Anything else a Python float could do (``float(p.x)``, ``if p.x > 0``, an
    unlisted NumPy function) raises, so a per-row parameter can never be read as one number by
    mistake.
    """

    __slots__ = ("values",)

    def __init__(self, values):
        self.values = np.asarray(values, dtype=np.float64)

    def __getitem__(self, rows) -> PerRow:
        return PerRow(self.values[rows])

    __add__, __radd__ = _operators(np.add)
    __sub__, __rsub__ = _operators(np.subtract)
    __mul__, __rmul__ = _operators(np.multiply)
    __truediv__, __rtruediv__ = _operators(np.true_divide)
    __pow__, __rpow__ = _operators(np.power)

    def __neg__(self) -> PerRow:
        return PerRow(-self.values)

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        if method != "__call__" or kwargs:
            raise TypeError(f"np.{ufunc.__name__}.{method} with {kwargs or 'these arguments'} is not "
                            f"supported on a parameter that varies between the sets of a batch")
        return _apply(ufunc, inputs, weak=False)

    def __array_function__(self, func, types, args, kwargs):
        if func is np.where and len(args) == 3 and not kwargs:
            cond, x, y = args
            dtype = np.result_type(_stand_in(x), _stand_in(y))
            cast = [v.values.astype(dtype, copy=False) if isinstance(v, PerRow) else v for v in (x, y)]
            return np.where(cond, *cast)
        raise TypeError(f"np.{func.__name__} is not supported on a parameter that varies between the "
                        f"sets of a batch (sim.core.batch.PerRow supports ufuncs and np.where)")

    def _refuse(self, *args, **kwargs):
        raise TypeError("a parameter that varies between the sets of a batch has one value per row, "
                        "not one number (sim.core.batch.PerRow)")

    __array__ = __float__ = __bool__ = __int__ = __index__ = _refuse

    def __repr__(self) -> str:
        return f"PerRow({self.values!r})"


def _merge(values: list, n: int):
    """One value for all sets if they agree (the solo runs' own Python number), else per row."""
    first = values[0]
    if all(type(v) is type(first) and v == first for v in values):
        return first
    return PerRow(np.repeat(np.asarray(values, dtype=np.float64), n))


class BatchParams:
    """The parameters of a batch's rows: what the sets share as plain numbers, what differs as
    :class:`PerRow` (derived kinetics included: each set's are computed by its own
    :class:`sim.core.parameters.Params`, so they are the solo run's numbers exactly).

    ``sets`` holds each set's own :class:`Params`.
    """

    def __init__(self, sets: list[Params], n: int):
        self.sets = list(sets)
        for name, value in vars(self.sets[0]).items():
            if isinstance(value, dict):
                merged = {key: _merge([vars(s)[name][key] for s in self.sets], n) for key in value}
            else:
                merged = _merge([vars(s)[name] for s in self.sets], n)
            setattr(self, name, merged)

    def varying(self) -> list[str]:
        """Names of the attributes (``rate[pain]`` for a derived rate) that differ between sets."""
        out = []
        for name, value in vars(self).items():
            if isinstance(value, PerRow):
                out.append(name)
            elif isinstance(value, dict):
                out += [f"{name}[{k}]" for k, v in value.items() if isinstance(v, PerRow)]
        return out

    def _map(self, fn) -> BatchParams:
        other = object.__new__(BatchParams)
        for name, value in vars(self).items():
            if isinstance(value, dict):
                value = {k: fn(v) if isinstance(v, PerRow) else v for k, v in value.items()}
            elif isinstance(value, PerRow):
                value = fn(value)
            setattr(other, name, value)
        return other

    def rows(self, rows: slice) -> BatchParams:
        """The parameters of the rows ``rows`` (a block of the population)."""
        return self._map(lambda v: v[rows])

    def by_set(self) -> BatchParams:
        """The parameters with one row per set, shaped (K, 1): they broadcast over a (K, people)
        view of the population (the daily table's summaries, :mod:`sim.running.outputs`)."""
        n = self.rows_per_set
        return self._map(lambda v: PerRow(v.values[::n, None]))

    @property
    def rows_per_set(self) -> int:
        """People per set (every set has the scenario's ``n_agents``)."""
        return int(self.sets[0].n_agents)


# --------------------------------------------------------------------------------------------
# One set's view of the batch
# --------------------------------------------------------------------------------------------

class _SetStatus:
    """One set's rows of the batch's clinical status, for the member engine: reads its arrays
    (today's, as the whole status rebinds them each day) and resets its rows."""

    def __init__(self, status: ClinicalStatus, rows: slice, pop: Population):
        self._status, self._rows, self._pop = status, rows, pop

    def __getattr__(self, name):
        value = getattr(self._status, name)
        if isinstance(value, np.ndarray):
            return value[self._rows]
        if isinstance(value, dict):
            return {k: v[self._rows] for k, v in value.items()}
        raise AttributeError(f"the clinical status's '{name}' is kept for the whole batch, not per set")

    def reset(self, who: np.ndarray, pop) -> None:
        """:meth:`ClinicalStatus.reset` of this set's rows ``who`` (entrants)."""
        self._status.reset(who + self._rows.start, self._pop)


def _merge_hooks(parts: list[dict], n: int, neutral: float) -> dict:
    """Per-row intervention gains or offsets of the batch from each member's: a set without one
    gets ``neutral`` (1 for a gain, 0 for an offset), which leaves its numbers as they are."""
    names = list(dict.fromkeys(name for part in parts for name in part))
    out = {}
    for name in names:
        merged = np.full(n * len(parts), neutral)
        for k, part in enumerate(parts):
            if name in part:
                merged[k * n:(k + 1) * n] = part[name]
        out[name] = merged
    return out


class BatchEngine(DayLoop):
    """K runs of one scenario under K parameter sets, as one vectorised population.

    Each set's numbers are those of ``Engine(scenario.replace(**parameter_sets[k]), seed)``
    (module docstring). Observers attached to a batch see the batch (``engine.pop`` is the whole
    population, ``engine.p`` the per-row :class:`BatchParams`, ``engine.members[k]`` set ``k``'s
    own engine); :class:`sim.running.outputs.BatchDailyTable` gives each set's daily table, and
    :func:`sim.running.simulate.simulate_batch` each set's :class:`sim.running.outputs.Result`.

    Args:
        scenario: the scenario every set runs (interventions, switched-off rules, size, days).
        parameter_sets: one dict of parameter values per set (``{}``: the scenario's own).
        seed: the seed of every set (the sets differ by their parameters only: common random
            numbers).
        precision: ``"float64"`` (default) or ``"float32"``.
        cache: load each set's day 0 from the equilibrium cache, and save the sets burnt in.

    Raises:
        InputError: no sets, a set that is not a dict, a parameter of :data:`STRUCTURAL`, or any
            parameter a scenario would refuse (unknown, out of range), named with its set.

    Examples:
        >>> batch = sim.BatchEngine(sim.Scenario(n_agents=300, burn_in_days=30),
        ...                         [{"pain_bias": -3.0}, {"pain_bias": -2.5}], seed=1)
        >>> batch.k, batch.n, batch.pop.n, batch.day
        (2, 300, 600, 0)
        >>> batch.step()
        >>> batch.members[1].day
        1
    """

    def __init__(self, scenario=None, parameter_sets=({},), seed: int = 0, precision: str = "float64",
                 cache: bool = True):
        from sim.core.scenario import _META_KEYS, Scenario

        if precision not in PRECISIONS:
            raise InputError(f"precision = {precision!r} must be one of {tuple(PRECISIONS)}")
        self.scenario = Scenario() if scenario is None else scenario
        sets = list(parameter_sets)
        if not sets:
            raise InputError("parameter_sets is empty: a batch needs at least one parameter set")
        self.scenarios = []
        for k, values in enumerate(sets):
            if not isinstance(values, dict):
                raise InputError(f"parameter_sets[{k}] = {values!r} must be a dict of parameter values")
            other = [key for key in values if key in _META_KEYS]
            if other:
                raise InputError(f"parameter_sets[{k}]: {', '.join(other)} is not a parameter; the sets of a "
                                 f"batch differ only in parameter values (rules, interventions and labels are "
                                 f"the scenario's)")
            fixed = [name for name in STRUCTURAL if name in values and values[name] != getattr(self.scenario, name)]
            if fixed:
                raise InputError(f"parameter_sets[{k}]: {', '.join(fixed)} cannot vary within a batch "
                                 f"(every set shares {', '.join(STRUCTURAL)}; set it in the scenario)")
            try:
                self.scenarios.append(self.scenario.replace(**values))
            except InputError as err:
                raise InputError(f"parameter_sets[{k}]: {err}") from None
        self.parameter_sets = [dict(values) for values in sets]
        self.seed, self.precision = seed, precision
        self.k, self.n = len(sets), self.scenario.n_agents
        self.observers: list[Observer] = []
        self.timings = {"burn_in_s": 0.0, "burn_in_sets": 0, "cache_sets": 0}
        states = self._day_zero(cache)
        self._assemble([self._member(k, state) for k, state in enumerate(states)])

    # -- set-up -----------------------------------------------------------------------------------
    def _member(self, k: int, state: dict | None) -> Engine:
        """Set ``k``'s engine: from a day-0 ``state`` (cache or batch burn-in), or fresh on the
        first burn-in day (``state`` None)."""
        member = object.__new__(Engine)
        member._setup(self.scenarios[k], self.seed, self.precision)
        if state is None:
            member._populate()
        else:
            vars(member).update(state)
            member.deliveries = member._make_deliveries()
        return member

    def _assemble(self, members: list[Engine]) -> None:
        """Join the members' people into the batch's rows; each member keeps views of its own."""
        self.members = members
        self.sets = [slice(k * self.n, (k + 1) * self.n) for k in range(len(members))]
        self.pop = Population.concatenate([m.pop for m in members])
        self.status = ClinicalStatus.concatenate([m.status for m in members])
        for member, rows in zip(members, self.sets):
            member.pop = self.pop.block(rows)
            member.status = _SetStatus(self.status, rows, self.pop)
        self.p = BatchParams([m.p for m in members], self.n)
        self._network = Network.disjoint([m.network for m in members])
        self.rules = members[0].rules
        self.day = members[0].day
        self._noise = np.zeros((NOISE_ROWS, self.pop.n), dtype=PRECISIONS[self.precision])
        self._blocks = [(rows, self.p.rows(rows)) for rows in
                        (slice(start, start + BLOCK) for start in range(0, self.pop.n, BLOCK))]

    def _day_zero(self, cache: bool) -> list[dict]:
        """Each set's engine state on day 0: loaded from the equilibrium cache, or burnt in -- all
        sets not in the cache together, as one smaller batch -- and saved there."""
        enabled = cache and self.scenario.burn_in_days > 0
        slots = [equilibrium.slot(burn_in_key(s), self.seed, self.precision, enabled=enabled)
                 for s in self.scenarios]
        try:
            states = [slot.load() for slot in slots]
            missing = [k for k, state in enumerate(states) if state is None]
            for k in missing:
                if slots[k].claim():
                    states[k] = slots[k].load()  # another process may have saved it meanwhile
            missing = [k for k, state in enumerate(states) if state is None]
            self.timings["cache_sets"] = self.k - len(missing)
            self.timings["burn_in_sets"] = len(missing)
            if missing:
                clock = time.perf_counter()
                burn = object.__new__(BatchEngine)
                vars(burn).update(vars(self))
                burn.scenarios = [self.scenarios[k] for k in missing]
                burn._assemble([burn._member(i, None) for i in range(len(missing))])
                burn.run_until(0)
                self.timings["burn_in_s"] = time.perf_counter() - clock
                for i, k in enumerate(missing):
                    solo = burn.solo(i)
                    slots[k].save(solo)
                    states[k] = equilibrium.snapshot(solo)
        finally:
            for slot in slots:
                slot.release()
        return states

    def solo(self, k: int) -> Engine:
        """Set ``k`` as an engine of its own (a copy, detached from the batch): what
        ``Engine(scenario.replace(**parameter_sets[k]), seed)`` would be today."""
        member = self.members[k]
        shared = member.pop, member.status, member.observers
        member.observers = []
        try:
            alone = copy.copy(member)
        finally:
            member.observers = shared[2]
        alone.pop = self.pop.block(self.sets[k], copy=True)
        alone.status = self.status.take(self.sets[k])
        # one deepcopy, so each delivery keeps drawing from the copied engine's own stream object
        alone.streams, alone.demography, alone.deliveries, alone._noise = copy.deepcopy(
            (member.streams, member.demography, member.deliveries, member._noise))
        return alone

    # -- the day loop: DayLoop.step's schedule (and attach, detach, run, run_until) with a batch's
    # parts, here and draw_day below. Draws, deliveries and demography are per set (each from the
    # set's own streams); the update and the clinical status run once on the whole batch. Observers'
    # ``shocks`` get the list of the sets' shocks and ``replaced`` the list of each set's replaced rows.

    def deliver(self) -> None:
        """Step 2 for every set: each member's interventions decide who is treated today; their
        gains and offsets are merged into the batch's rows."""
        for member in self.members:
            member.deliver()
        if any(m.gains or m.offsets for m in self.members):
            self._gains = _merge_hooks([m.gains for m in self.members], self.n, 1.0)
            self._offsets = _merge_hooks([m.offsets for m in self.members], self.n, 0.0)
        else:
            self._gains, self._offsets = {}, {}

    def _update(self, day_shocks: list, noise: np.ndarray) -> None:
        dtype = self.pop.dtype
        for member, shocks in zip(self.members, day_shocks):
            shocks.apply_to(member.pop, member.p.remodelling_share)
        self.pop.tie_support[...] = self._network.neighbour_mean(self.pop.social_support)
        for rows, p in self._blocks:
            self.pop.set_states(advance(self.pop.rows(rows), noise[:, rows], p, self.rules,
                                        _block(self._gains, rows, dtype), _block(self._offsets, rows, dtype)), rows)

    def _leave(self) -> tuple[list, bool]:
        left = [member.demography.step(member) for member in self.members]
        return left, any(who.size for who in left)

    def _next_day(self) -> None:
        self.day += 1
        for member in self.members:
            member.day += 1

    def draw_day(self) -> tuple[list, np.ndarray]:
        """Every set's shocks, and the batch's noise: as :meth:`Engine.draw_day` draws them from the
        set's own streams, into the batch's noise rows (valid until the next draw). The noise
        depends on nothing but the states of the set's noise streams (:meth:`Engine.noise_parts`)
        and the batch's size and precision, so sets whose noise streams are in the same state --
        under the batch's one seed, nearly always all of them -- share one draw: the first draws,
        the others take a copy and their streams move to the state the draw left (as their own
        draw would have)."""
        noise_from = {}
        day_shocks = []
        for member, rows in zip(self.members, self.sets):
            day_shocks.append(member.draw_shocks())
            rngs = [rng for rng, _ in member.noise_parts()]
            key = tuple(state_key(rng) for rng in rngs)
            if key in noise_from:
                first, states = noise_from[key]
                self._noise[:, rows] = self._noise[:, first]
                for rng, state in zip(rngs, states):
                    rng.bit_generator.state = state
            else:
                self._noise[:, rows] = member.draw_noise()
                noise_from[key] = (rows, [rng.bit_generator.state for rng in rngs])
        return day_shocks, self._noise


# --------------------------------------------------------------------------------------------
# Observers per set
# --------------------------------------------------------------------------------------------

class SetView(DayLoop):
    """Set ``k`` of a batch as the engine an observer expects: ``n``, ``day``, ``pop``, ``p``,
    ``status``, ``scenario``, ``seed`` and ``attach``/``detach`` (:class:`sim.core.engine.DayLoop`'s).
    Observers attached here are called by the :class:`PerSet` that made the view, with the set's
    own hook arguments; the view itself never advances."""

    def __init__(self, batch, k: int):
        self.batch, self.k = batch, k
        self.member = batch.members[k]
        self.observers: list[Observer] = []

    @property
    def n(self) -> int:
        """People per set."""
        return self.batch.n

    @property
    def day(self) -> int:
        """The batch's day (every set's)."""
        return self.batch.day

    @property
    def pop(self):
        """The set's people: views into the batch's rows."""
        return self.member.pop

    @property
    def p(self):
        """The set's own parameters (:class:`sim.core.parameters.Params`)."""
        return self.member.p

    @property
    def status(self):
        """The set's rows of the batch's clinical status."""
        return self.member.status

    @property
    def deliveries(self) -> dict:
        """The set's intervention deliveries (its member engine's)."""
        return self.member.deliveries

    @property
    def demography(self):
        """The set's demography (its member engine's)."""
        return self.member.demography

    @property
    def scenario(self):
        """The set's scenario (the batch's, with the set's parameter values)."""
        return self.member.scenario

    @property
    def seed(self) -> int:
        """The set's seed (the batch's: a set's streams are its solo run's)."""
        return self.member.seed

    def run(self, days: int, *observers: Observer) -> None:
        """Refused (and so is ``run_until``): a set cannot advance alone; advance the batch."""
        raise RuntimeError("a set of a batch advances with the whole batch: call the batch's run(days)"
                           " (BatchSurvey.run(days) for a survey), not the set's survey's run")



class PerSet(Observer):
    """Watches a batch and hands each set's :class:`SetView` observers the set's own share of
    every hook (the set's shocks, its replaced rows in its own row numbers), in the order a solo
    engine calls them; so an observer written for an :class:`Engine` (a survey, a cohort) sees
    set ``k`` as it would see ``Engine(scenario.replace(**parameter_sets[k]), seed)``.
    Attaches itself to ``batch``; attach observers to ``views[k]``.

    Examples:
        >>> batch = BatchEngine(sim.Scenario(n_agents=200, burn_in_days=20), [{}, {"pain_bias": -4.0}],
        ...                     seed=1, cache=False)
        >>> class Days(Observer):
        ...     def start(self, engine):
        ...         self.seen = [engine.day]
        ...     def after_day(self, engine):
        ...         self.seen.append(engine.day)
        >>> days = PerSet(batch).views[1].attach(Days())
        >>> batch.run(3)
        ()
        >>> days.seen
        [0, 1, 2, 3]
    """

    def __init__(self, batch: BatchEngine):
        self.batch = batch
        self.views = [SetView(batch, k) for k in range(batch.k)]
        self._left = None
        batch.attach(self)

    def before_day(self, batch) -> None:
        for view in self.views:
            for observer in view.observers:
                observer.before_day(view)

    def shocks(self, batch, shocks: list) -> None:
        for view, own in zip(self.views, shocks):
            for observer in view.observers:
                observer.shocks(view, own)

    def replaced(self, batch, who: list) -> None:
        self._left = who  # handed on in after_day, per observer, in the solo engine's order

    def after_day(self, batch) -> None:
        left, self._left = self._left, None
        for k, view in enumerate(self.views):
            own = None if left is None else left[k]
            for observer in view.observers:
                if own is not None and own.size:
                    observer.replaced(view, own)
                observer.after_day(view)
