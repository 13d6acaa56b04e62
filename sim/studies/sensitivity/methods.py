"""Global sensitivity analysis: which parameters move comorbidity and the exercise effect.

Two outputs are analysed (:data:`OUTPUTS`), both from one evaluation of a parameter set:

* ``comorbid_pct``: prevalence of chronic pain and depression together, percent of the
  population, averaged over the 12 weeks after the burn-in (the ``comorbid`` column of
  :mod:`sim.running.outputs`, averaged to damp day-to-day flicker);
* ``exercise_effect_nrs``: the exercise effect at 12 weeks -- cohort mean pain (NRS) with a
  default exercise programme minus without, for the people with chronic pain on day 0
  (intention to treat). It is the same number as ``sim.studies.analysis.summarise`` reports for
  ``cohort_pain_nrs_mean`` of an exercise arm; here the exercise arm forks the control run's
  engine on day 0, so one burn-in serves both arms. Negative = exercise lowers pain.

**Factors.** Every parameter of the groups in :data:`GROUPS`, including the calibrated size of
exercise's effect (``exercise_effect``) but not those of interventions that neither output runs.
Run size (``run``) is not a model property, and the scale ceilings (``scales``) only define how
internal states map to NRS, PHQ-9 and minutes, so both are held at their values. Each factor varies uniformly over its
default +- ``fraction`` x |default| (relative: the parameters are rates, weights, SDs and time
constants, whose uncertainty is proportional), except the ``*_bias`` log-odds, whose zero is an
arbitrary reference point and so get default +- ``bias_halfwidth`` logits. Ranges are clipped
to the table's [low, high]. Whole-number parameters are rounded. A structure switched off at
the base (:data:`DORMANT`: its size is 0) is left out with the parameters that act only through
it, unless named: varying it would explore another model, not this one's uncertainty.

**Random numbers.** Every parameter set is run with the same seeds (common random numbers), so
two sets differ only by their parameters: parameters that only map states to clinical units
(e.g. ``crp_median_mg_l``) get elementary effects of exactly zero, not noise.

**Methods** (SALib). Morris elementary effects screen all factors (``mu_star``: mean absolute
change of the output when a factor moves across its whole range, in the output's unit;
``sigma``: spread of those changes -- interactions or non-linearity). Sobol' indices (Saltelli
sampling, first order ``S1`` and total ``ST``) then apportion the variance of each output among
the most influential factors, with the others at their defaults.

A parameter set for which an output cannot be computed (nobody has chronic pain on day 0, so
there is no cohort to treat) gives NaN; the analysis drops every Morris trajectory or Sobol'
block that contains one and reports how many it dropped.
"""

from __future__ import annotations

import json
import multiprocessing
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from SALib.analyze import morris as morris_analyze
from SALib.analyze import sobol as sobol_analyze
from SALib.sample import morris as morris_sample
from SALib.sample import sobol as sobol_sample

from sim.running.cohort import Cohort
from sim.core import checks
from sim.core.engine import Engine, Observer
from sim.core.errors import InputError
from sim.core.parameters import PARAMETERS, PARAMS
from sim.running.files import write_file
from sim.core.scenario import Scenario

GROUPS = ("network", "time", "baseline", "noise", "shocks", "rules", "interventions")
"""Parameter groups analysed; ``run`` (size of the run) and ``scales`` (unit ceilings) are not.
Of ``interventions`` only the effect sizes of interventions that the outputs run are taken
(:func:`factors`)."""
DORMANT = {"mood_drift_sd": ("mood_drift_sd", "mood_drift_tau_days"),
           "mood_switch_follows_resting": ("mood_switch_follows_resting",)}
"""A switch parameter -> the parameters left out of the default factors while it is 0 at the base
(structures under study, off in the shipped defaults: the slow mood drift and the switches that
follow resting mood, :mod:`sim.core.parameters`)."""
OUTPUTS = {
    "comorbid_pct": "chronic pain + depression, % of people (12-week mean)",
    "exercise_effect_nrs": "exercise effect on cohort pain at week 12, NRS (exercise - control)",
}
WEEKS = 12
EXERCISE = ({"kind": "exercise"},)
MORRIS_LEVELS = 4
"""Grid levels of the Morris design: 4 is the usual choice (steps of 2/3 of the range)."""


@dataclass(frozen=True)
class Factor:
    """One parameter under analysis and the range it varies over."""

    name: str
    group: str
    default: float
    low: float
    high: float
    integer: bool

    def value(self, x: float):
        """A design value as the parameter takes it (whole numbers rounded, kept in range)."""
        x = min(max(float(x), self.low), self.high)
        return int(round(x)) if self.integer else x


def factors(names: Sequence[str] | None = None, groups: Sequence[str] = GROUPS, fraction: float = 0.25,
            bias_halfwidth: float = 0.5, base: Scenario | None = None) -> list[Factor]:
    """The factors of an analysis: named parameters, or every parameter of ``groups``.

    Ranges centre on ``base``'s values (default: the package defaults); see the module docstring.
    """
    checks.number(fraction, "fraction", 0, 1, low_open=True)
    checks.number(bias_halfwidth, "bias_halfwidth", 0, 5, low_open=True, unit="logits")
    for g in groups:
        if g not in GROUPS:
            raise InputError(f"group '{g}' cannot be analysed; groups are: {', '.join(GROUPS)} "
                             f"('run' and 'scales' are held fixed)")
    values = (base or Scenario()).values
    if names is None:
        # the other interventions' effect sizes cannot act: none of them runs in either output
        used = {f"{spec['kind']}_effect" for spec in EXERCISE}
        dormant = {member for switch, members in DORMANT.items() if values[switch] == 0 for member in members}
        chosen = [p for p in PARAMETERS if p.group in groups and (p.group != "interventions" or p.name in used)
                  and p.name not in dormant]
    else:
        chosen = []
        for name in names:
            if name not in PARAMS:
                raise InputError(f"unknown parameter '{name}'; see `painloop params`")
            if PARAMS[name].group not in GROUPS:
                raise InputError(f"parameter '{name}' (group '{PARAMS[name].group}') cannot be analysed; "
                                 f"groups are: {', '.join(GROUPS)}")
            chosen.append(PARAMS[name])
    if len({p.name for p in chosen}) != len(chosen):
        raise InputError(f"parameters {list(names)!r} repeat a name")
    if len(chosen) < 2:
        raise InputError(f"a sensitivity analysis needs at least 2 parameters, got {[p.name for p in chosen]}")
    out = []
    for p in chosen:
        centre = float(values[p.name])
        if p.name.endswith("_bias"):
            half = bias_halfwidth
        elif centre != 0:
            half = fraction * abs(centre)
        else:  # no relative scale: take the same fraction of the allowed range
            half = fraction * (p.high - p.low)
        low, high = max(p.low, centre - half), min(p.high, centre + half)
        out.append(Factor(p.name, p.group, centre, low, high, p.kind is int))
    return out


def problem(fs: Sequence[Factor]) -> dict:
    """The SALib problem for these factors."""
    return {"num_vars": len(fs), "names": [f.name for f in fs], "bounds": [[f.low, f.high] for f in fs]}


def factor_table(fs: Sequence[Factor]) -> pd.DataFrame:
    """The factors as a table, one row each: name, group, default, low, high, integer."""
    return pd.DataFrame([asdict(f) for f in fs])


# ---- the model as a function of a parameter set ----------------------------------------------------


@dataclass(frozen=True)
class Setting:
    """How one parameter set is evaluated: population, burn-in, seeds (shared by every set)."""

    n_agents: int = 2_000
    burn_in_days: int = 1_095
    seeds: tuple[int, ...] = (0,)
    weeks: int = WEEKS
    fixed: dict = field(default_factory=dict)
    """Parameters set for every evaluation (e.g. a calibrated scenario's overrides)."""

    def __post_init__(self):
        if not self.seeds:
            raise InputError(f"seeds = {self.seeds!r} must be one or more non-negative integers")
        for s in self.seeds:
            checks.whole(s, "seed", 0)
        checks.whole(self.weeks, "weeks", 1)
        self.scenario({})  # validates n_agents, burn_in_days and fixed values now, not in a worker

    def scenario(self, values: dict) -> Scenario:
        """The scenario that evaluates the parameter values ``values`` in this setting."""
        return Scenario(n_agents=self.n_agents, burn_in_days=self.burn_in_days, days=7 * self.weeks,
                        **{**self.fixed, **values})


class _Comorbid(Observer):
    """The share of people with both chronic pain and depression, each day from the first."""

    def __init__(self):
        self.shares: list[float] = []

    def start(self, engine: Engine) -> None:
        self.after_day(engine)

    def after_day(self, engine: Engine) -> None:
        self.shares.append(np.mean(engine.status.chronic_pain & engine.status.depressed))


def evaluate(values: dict, setting: Setting) -> np.ndarray:
    """Both outputs (:data:`OUTPUTS`, in that order) for one parameter set, mean over seeds."""
    control_scenario = setting.scenario(values)
    treated_scenario = control_scenario.replace(interventions=list(EXERCISE))
    days = control_scenario.days
    out = np.empty((len(setting.seeds), len(OUTPUTS)))
    for k, seed in enumerate(setting.seeds):
        control = Engine(control_scenario, seed, cache=False)  # one parameter set each: never reused
        treated = control.fork(treated_scenario)
        cohorts = [Cohort("chronic_pain", e.pop, e.status, e.p) for e in (control, treated)]
        (both,) = control.run(days, _Comorbid())
        treated.run(days)
        pain = [c.metrics(e.pop, e.status, e.p).get("cohort_pain_nrs_mean", np.nan)
                for c, e in zip(cohorts, (control, treated))]
        out[k] = (100.0 * np.mean(both.shares), pain[1] - pain[0])
    return out.mean(axis=0)


def _evaluate_rows(rows: np.ndarray, fs: Sequence[Factor], setting: Setting) -> tuple[np.ndarray, float]:
    """Outputs of some design rows, and the CPU seconds they took (what the run costs on a free machine)."""
    started = time.process_time()
    out = np.array([evaluate({f.name: f.value(x) for f, x in zip(fs, row)}, setting) for row in rows])
    return out, time.process_time() - started


class ModelRunner:
    """Evaluates a design matrix (one row per parameter set) on worker processes, resumably.

    With ``cache`` (an ``.npz`` path) finished rows are saved as they come in; a rerun with the
    same design, factors and setting evaluates only the missing rows.
    """

    def __init__(self, fs: Sequence[Factor], setting: Setting, workers: int = 2, chunk: int = 4,
                 progress: bool = True):
        checks.whole(workers, "workers", 1)
        self.fs, self.setting, self.workers, self.chunk, self.progress = list(fs), setting, workers, chunk, progress
        self.seconds = 0.0
        """Wall-clock seconds spent evaluating."""
        self.cpu_seconds = 0.0
        """CPU seconds of the evaluations, summed over workers."""
        self.evaluations = 0
        self.cached_seconds = 0.0
        """Wall-clock seconds an earlier, interrupted or finished run spent on the rows read from the cache."""
        self.cached_cpu_seconds = 0.0
        """CPU seconds of those cached rows."""

    def _key(self, X: np.ndarray) -> str:
        return json.dumps({"factors": [asdict(f) for f in self.fs], "setting": asdict(self.setting),
                           "shape": list(X.shape)}, sort_keys=True, default=str)

    def __call__(self, X: np.ndarray, cache: Path | None = None, label: str = "runs") -> np.ndarray:
        X = np.asarray(X, dtype=float)
        Y = np.full((len(X), len(OUTPUTS)), np.nan)
        done = np.zeros(len(X), dtype=bool)
        key = self._key(X)
        earlier = np.zeros(2)  # wall and CPU seconds that produced the cached rows
        if cache is not None and Path(cache).exists():
            saved = np.load(cache, allow_pickle=False)
            if str(saved["key"]) == key and np.array_equal(saved["X"], X):
                Y, done = saved["Y"].copy(), saved["done"].copy()
                if "cost" in saved.files:
                    earlier = saved["cost"].astype(float)
        self.cached_seconds += earlier[0]
        self.cached_cpu_seconds += earlier[1]
        spent_cpu = 0.0
        todo = np.flatnonzero(~done)
        chunks = [todo[i:i + self.chunk] for i in range(0, len(todo), self.chunk)]
        bar = None
        if self.progress:
            from tqdm.auto import tqdm

            bar = tqdm(total=len(X), initial=int(done.sum()), unit="run", desc=label, mininterval=1.0)
        started = last_save = time.perf_counter()

        def cost():
            return earlier + [time.perf_counter() - started, spent_cpu]

        def finished(idx, outcome):
            nonlocal last_save, spent_cpu
            values, cpu = outcome
            self.cpu_seconds += cpu
            spent_cpu += cpu
            Y[idx], done[idx] = values, True
            if bar is not None:
                bar.update(len(idx))
            if cache is not None and (time.perf_counter() - last_save > 30 or done.all()):
                _save_cache(Path(cache), key, X, Y, done, cost())
                last_save = time.perf_counter()

        try:
            if self.workers == 1 or len(chunks) <= 1:
                for idx in chunks:
                    finished(idx, _evaluate_rows(X[idx], self.fs, self.setting))
            else:
                context = multiprocessing.get_context("spawn")
                with ProcessPoolExecutor(max_workers=self.workers, mp_context=context) as pool:
                    futures = {pool.submit(_evaluate_rows, X[idx], self.fs, self.setting): idx for idx in chunks}
                    for future in as_completed(futures):
                        finished(futures[future], future.result())
        finally:
            if bar is not None:
                bar.close()
            if cache is not None and done.any():
                _save_cache(Path(cache), key, X, Y, done, cost())
        self.seconds += time.perf_counter() - started
        self.evaluations += len(todo)
        return Y


def _save_cache(path: Path, key: str, X, Y, done, cost) -> None:
    """Save finished rows, with ``cost`` = (wall, CPU) seconds spent on them over all runs."""
    def save(tmp: str) -> None:
        with open(tmp, "wb") as f:  # a file object: np.savez would add ".npz" to a bare name
            np.savez(f, key=np.array(key), X=X, Y=Y, done=done, cost=np.asarray(cost, dtype=float))

    write_file(path, save)


# ---- Morris screening and Sobol' indices ----------------------------------------------------------

Model = Callable[..., np.ndarray]
"""``model(X, cache=None, label="")`` -> Y: one row of outputs per row of the design ``X``."""


@dataclass
class Stage:
    """One design, its outputs and its indices (a long table: one row per output and factor)."""

    method: str
    X: np.ndarray
    Y: np.ndarray
    table: pd.DataFrame
    dropped: dict
    """output -> number of trajectories (Morris) or blocks (Sobol') dropped for a NaN."""


def check_sizes(trajectories=None, sobol_n=None, top=None) -> None:
    """Raise InputError for a design size that SALib would reject or that makes no analysis."""
    for name, value, minimum in (("trajectories", trajectories, 2), ("sobol_n", sobol_n, 2), ("top", top, 1)):
        if value is not None:
            checks.whole(value, name, minimum)
    if sobol_n is not None and sobol_n & (sobol_n - 1):
        raise InputError(f"sobol_n = {sobol_n!r} must be a power of two (the Sobol' sequence is balanced "
                         f"only then), e.g. {1 << int(sobol_n).bit_length()}")


def _complete_blocks(y: np.ndarray, size: int) -> np.ndarray:
    """Mask of the rows in blocks of ``size`` rows whose outputs are all finite."""
    ok = np.isfinite(y).reshape(-1, size).all(axis=1)
    return np.repeat(ok, size)


def morris(model: Model, fs: Sequence[Factor], trajectories: int, seed: int, cache: Path | None = None,
           names: Sequence[str] = tuple(OUTPUTS), resamples: int = 1000) -> Stage:
    """Morris screening of all factors: ``trajectories`` x (k + 1) model runs."""
    check_sizes(trajectories=trajectories)
    prob = problem(fs)
    X = morris_sample.sample(prob, trajectories, num_levels=MORRIS_LEVELS, seed=seed)
    Y = np.asarray(model(X, cache=cache, label="Morris"), dtype=float).reshape(len(X), len(names))
    rows, dropped = [], {}
    by_name = {f.name: f for f in fs}
    for j, output in enumerate(names):
        keep = _complete_blocks(Y[:, j], len(fs) + 1)
        dropped[output] = int((~keep).sum() // (len(fs) + 1))
        if keep.sum() < 2 * (len(fs) + 1):
            raise RuntimeError(f"Morris: fewer than 2 complete trajectories for {output} "
                               f"({dropped[output]} of {trajectories} had no value)")
        si = morris_analyze.analyze(prob, X[keep], Y[keep, j], num_resamples=resamples, conf_level=0.95,
                                    num_levels=MORRIS_LEVELS, seed=seed)
        for i, name in enumerate(prob["names"]):
            f = by_name[name]
            rows.append({"output": output, "parameter": name, "group": f.group, "default": f.default,
                         "low": f.low, "high": f.high, "mu": float(si["mu"][i]),
                         "mu_star": float(si["mu_star"][i]), "mu_star_conf": float(si["mu_star_conf"][i]),
                         "sigma": float(si["sigma"][i])})
    table = pd.DataFrame(rows)
    table["rank"] = table.groupby("output")["mu_star"].rank(ascending=False, method="min").astype(int)
    table = table.sort_values(["output", "rank", "parameter"], ignore_index=True)
    return Stage("morris", X, Y, table, dropped)


def top_factors(morris_table: pd.DataFrame, k: int) -> dict[str, list[str]]:
    """The ``k`` factors with the largest mu* for each output (ties broken by name); a factor
    with no effect at all (mu* = 0) is never chosen, whatever k is."""
    check_sizes(top=k)
    out = {}
    for output, part in morris_table.groupby("output", sort=False):
        part = part[part["mu_star"] > 0]
        out[output] = part.sort_values(["mu_star", "parameter"], ascending=[False, True])["parameter"].head(k).tolist()
    return out


def sobol(model: Model, fs: Sequence[Factor], n: int, seed: int, cache: Path | None = None,
          names: Sequence[str] = tuple(OUTPUTS), resamples: int = 1000) -> Stage:
    """Sobol' first-order and total indices: ``n`` x (k + 2) model runs (Saltelli design)."""
    check_sizes(sobol_n=n)
    prob = problem(fs)
    X = sobol_sample.sample(prob, n, calc_second_order=False, seed=seed)
    Y = np.asarray(model(X, cache=cache, label="Sobol"), dtype=float).reshape(len(X), len(names))
    rows, dropped = [], {}
    block = len(fs) + 2
    for j, output in enumerate(names):
        keep = _complete_blocks(Y[:, j], block)
        dropped[output] = int((~keep).sum() // block)
        if keep.sum() < 2 * block:
            raise RuntimeError(f"Sobol': fewer than 2 complete blocks for {output}")
        y = Y[keep, j]
        if np.ptp(y) == 0:  # a constant output has no variance to apportion
            si = {key: np.zeros(len(fs)) for key in ("S1", "S1_conf", "ST", "ST_conf")}
        else:
            si = sobol_analyze.analyze(prob, y, calc_second_order=False, num_resamples=resamples,
                                       conf_level=0.95, seed=seed)
        for i, name in enumerate(prob["names"]):
            rows.append({"output": output, "parameter": name, "S1": float(si["S1"][i]),
                         "S1_conf": float(si["S1_conf"][i]), "ST": float(si["ST"][i]),
                         "ST_conf": float(si["ST_conf"][i])})
    table = pd.DataFrame(rows)
    return Stage("sobol", X, Y, table, dropped)


def rank_agreement(a: pd.DataFrame, b: pd.DataFrame, k: int) -> pd.DataFrame:
    """How far Morris table ``a`` (e.g. a short burn-in) agrees with ``b`` (the reference), per
    output: Spearman rho of mu*, how many top-k factors they share, and how many of ``b``'s
    top k are within ``a``'s top 2k -- whether screening with ``a`` and a wider cut keeps them."""
    from scipy.stats import spearmanr

    rows = []
    for output in a["output"].unique():
        x = a[a["output"] == output].set_index("parameter")["mu_star"]
        y = b[b["output"] == output].set_index("parameter")["mu_star"].reindex(x.index)
        order_a = list(x.sort_values(ascending=False, kind="stable").index)
        top_b = set(y.sort_values(ascending=False, kind="stable").head(k).index)
        rows.append({"output": output, "spearman_mu_star": float(spearmanr(x, y).statistic),
                     "top_k": k, "shared_top_k": len(set(order_a[:k]) & top_b),
                     "reference_top_k_in_top_2k": len(set(order_a[:2 * k]) & top_b),
                     "top1_same": bool(order_a[0] == y.idxmax())})
    return pd.DataFrame(rows)
