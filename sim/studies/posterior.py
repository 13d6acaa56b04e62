"""Parameter uncertainty: an ensemble of parameter sets weighted by how well they meet the targets.

The method (chosen in ``docs/uncertainty.md``) is **history matching with Gaussian-process
emulators, then importance weighting of simulator runs** (Vernon 2010; Andrianakis 2015):

1. **Prior.** Stage 1's coordinates (:data:`sim.studies.calibration.STAGE1`, 20: parameters and
   group scales), each uniform on its declared bounds -- the bounds are the calibration's
   statement of what is plausible, and no coordinate has a published distribution to prefer.
2. **Waves.** Each wave runs the simulator (stage 1's survey of :data:`STAGE1_TARGETS`, the same
   people, burn-in, survey years and seeds; many sets per engine run with
   :class:`sim.studies.batch_survey.BatchSurvey`) at ``runs_per_wave`` points, fits one Gaussian
   process per target (scikit-learn; ARD squared-exponential kernel plus white noise, which takes
   up the seed noise), and discards the candidates whose **implausibility** -- the largest over
   targets of ``|emulated - published| / sqrt(emulator var + observation var + discrepancy var)`` --
   (after ignoring the :attr:`Settings.ignore_worst` largest)
   exceeds :attr:`Settings.cutoff` (3: Pukelsheim's three-sigma rule, as history-matching studies
   use it). The next wave's points are drawn from what is left ("not ruled out yet").
3. **Posterior.** The simulator runs ``final_runs`` points of the last non-implausible space.
   By default (:attr:`Settings.weighting` ``"abc"``) a run is accepted, with weight 1 / accepted,
   when its simulated statistics are within the cut-off of the targets on all but its worst
   (ABC rejection with a uniform kernel on the implausibility: the bands, the discrepancy and the
   seed noise make the kernel's scale); with ``"gaussian"``, each
   gets the Gaussian log-likelihood of its (seed-mean) statistics against the targets -- the
   variance of each being the study's, the model discrepancy's and the simulator's own seed noise
   (the last wave's Gaussian-process nugget) -- and an importance weight proportional to it (the points are uniform on that space, the prior uniform,
   so prior / proposal is constant there; outside it the likelihood is taken as negligible, which
   is what the cut-off asserts).

**Noise model.** A target's band is a 95% interval, so its observation SD is half the band / 1.96.
The model-discrepancy SD (Kennedy & O'Hagan 2001) is :attr:`Settings.discrepancy` x that SD: a
judgement, stated, not a measured number (default 1: the model is allowed to miss a target by
as much again as the study's own uncertainty; with 0 a model that misses any band by a few SD
gets a handful of sets all the weight).

**Effect sizes.** The intervention effect scales keep their stage-2 fits as centres; each set
draws its own from the primary trial's published 95% interval (:func:`effect_draws`: the
effect scale times draw / published, a normal draw on the interval, which assumes the trial
effect is proportional to the scale near the fit). They do not move the natural history (nobody
is treated in the surveys), so they are drawn independently of the weights.

**Output.** One row per simulated set of the final wave: every table parameter stage 1 sets
(group members expanded), every effect scale, ``weight`` (sums to 1), ``log_likelihood``,
``loss`` (stage 1's loss, :func:`sim.studies.calibration.loss`), ``within`` (share of the
targets within their bands), ``ess`` (the ensemble's effective sample size, the same in every
row), and ``set``. ``experiments/posterior.py --write`` writes it to :data:`ENSEMBLE_RELATIVE`,
the file ``run_experiment(..., ensemble=N)`` reads.
"""

from __future__ import annotations

import json
import sys
import time
import warnings
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from sim.core.batch import BatchEngine
from sim.core.errors import InputError
from sim.core.parameters import PARAMS
from sim.core.scenario import Scenario
from sim.running.ensemble import ENSEMBLE_PATH, META_COLUMNS  # noqa: F401 (META_COLUMNS: the file's non-parameters)
from sim.running.files import write_file, write_text
from sim.running.pool import ordered_map
from sim.running.scripts import check_writable, parse_args
from sim.studies import calibration
from sim.studies.batch_survey import BatchSurvey
from sim.studies.targets import TARGETS_BY_ID, survey_measures

ENSEMBLE_RELATIVE = Path("sim/core/ensemble.csv")
"""Where the shipped ensemble sits in a checkout (:data:`sim.running.ensemble.ENSEMBLE_PATH`)."""
Z95 = 1.959963984540054
"""Half a 95% normal interval in SDs."""


@dataclass(frozen=True)
class Settings:
    """How the posterior runs.

    The simulator is stage 1's (people, seeds, burn-in, survey years: :data:`calibration.SETTINGS`),
    so the posterior scores sets exactly as the point fit did. Budget: ``waves x runs_per_wave +
    final_runs`` simulator calls (each over all seeds); the defaults give 3 x 200 + 400 = 1,000.
    200 per wave is about 10 per coordinate (20), the design size Loeppky 2009 recommends for a
    first Gaussian-process emulator (as recalled, check before citing).
    """

    people: int = calibration.SETTINGS.people
    seeds: tuple[int, ...] = calibration.SETTINGS.seeds
    burn_in_days: int = calibration.SETTINGS.burn_in_days
    survey_years: int = calibration.SETTINGS.survey_years
    waves: int = 3
    runs_per_wave: int = 200
    final_runs: int = 400
    cutoff: float = 3.0
    """Implausibility cut-off (Pukelsheim 1994's three-sigma rule for unimodal distributions)."""
    ignore_worst: int = 1
    """Targets whose implausibility is ignored per candidate, worst first: a point is ruled out by
    its second-largest implausibility with 1 (Vernon 2010 screens early waves by the second and
    third largest, so one poorly emulated target cannot rule out the whole space)."""
    candidates: int = 100_000
    """Candidate points screened by the emulators in each wave (a batch: see ``screen_batches``)."""
    screen_batches: int = 30
    """Batches of ``candidates`` a wave may screen to find as many distinct survivors as the next
    wave runs: a small non-implausible space (0.03% of the box after two waves in the first
    run) would otherwise fill the next wave with repeats of a few points."""
    discrepancy: float = 1.0
    """Model-discrepancy SD in units of each target's observation SD (a judgement; module docstring)."""
    weighting: str = "abc"
    """How the final runs are weighted: ``"abc"`` (accept a run whose simulated statistics are
    within ``cutoff`` SDs of the targets on all but its ``ignore_worst`` worst -- ABC rejection
    with a uniform kernel on the implausibility, every accepted run the same weight) or
    ``"gaussian"`` (importance weights from :func:`log_likelihood`). ABC is the default because
    the Gaussian weights of the first shipped run (2026-11-30) put almost all the weight on 2 of
    200 sets (effective sample size 2.1): with 20 targets, the misfits the model cannot remove and
    the seed noise decide them, not the parameters (docs/uncertainty.md). A choice made after that
    run, stated as such."""
    sets_per_batch: int = 20
    """Parameter sets run together in one :class:`sim.core.batch.BatchEngine` (memory: people x sets rows)."""
    design_seed: int = 0
    """Seed of the Latin hypercube, the candidate draws and the effect-size draws."""


SETTINGS = Settings()
QUICK = Settings(people=1_000, runs_per_wave=60, final_runs=200, waves=2, candidates=20_000)
"""``--quick``: a smaller run to try the pipeline (not for the shipped ensemble)."""


def calls(settings: Settings) -> int:
    """Simulator calls (each over all seeds) a run of ``settings`` makes."""
    return settings.waves * settings.runs_per_wave + settings.final_runs


# ------------------------------------------------------------------------------------------------
# Prior, simulator, likelihood
# ------------------------------------------------------------------------------------------------

def prior_box(fits=calibration.STAGE1) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Names, lower and upper bounds of the uniform prior (the declared stage-1 bounds)."""
    return ([f.name for f in fits], np.array([f.lower for f in fits], float),
            np.array([f.upper for f in fits], float))


def to_points(unit: np.ndarray, fits=calibration.STAGE1) -> list[dict]:
    """Points of the unit cube as coordinate dicts on the prior's bounds."""
    names, lo, hi = prior_box(fits)
    return [dict(zip(names, (lo + u * (hi - lo)).tolist())) for u in np.atleast_2d(unit)]


def parameter_sets(points: list[dict], fits=calibration.STAGE1) -> list[dict]:
    """Each point's table parameter values (group scales applied), with the untreated effect
    scales stage 1 runs with."""
    fixed = calibration.untreated_effects()
    return [{**fixed, **calibration.values_at(pt, fits)} for pt in points]


def _batch_job(job) -> list[dict]:
    sets, seed, people, burn_in_days, years, targets = job
    world = Scenario(n_agents=people, burn_in_days=burn_in_days)
    batch = BatchEngine(world, sets, seed, cache=False)  # every set is new: nothing to reuse
    surveys = BatchSurvey(batch).run(years * 365).surveys
    keys = [TARGETS_BY_ID[t].key for t in targets]
    out = []
    for s in surveys:
        measured = survey_measures(s)
        out.append({k: measured[k] for k in keys})
    return out


def simulate(points: list[dict], settings: Settings, mapper=map, targets=calibration.STAGE1_TARGETS,
             fits=calibration.STAGE1) -> list[list[dict]]:
    """Stage 1's survey statistics of each point, per seed: ``out[i][j]`` is point ``i``, seed
    ``j``. Points run ``sets_per_batch`` at a time in one batch per seed; ``mapper`` returns
    results in submission order (so they do not depend on which worker finishes first)."""
    sets = parameter_sets(points, fits)
    size = settings.sets_per_batch
    chunks = [sets[i:i + size] for i in range(0, len(sets), size)]
    jobs = [(chunk, seed, settings.people, settings.burn_in_days, settings.survey_years, tuple(targets))
            for chunk in chunks for seed in settings.seeds]
    results = list(mapper(_batch_job, jobs))
    k = len(settings.seeds)
    out = []
    for c, chunk in enumerate(chunks):
        per_seed = results[c * k:(c + 1) * k]
        out += [[per_seed[j][i] for j in range(k)] for i in range(len(chunk))]
    return out


def coordinate_keys(frame: pd.DataFrame, fits=calibration.STAGE1) -> list[tuple]:
    """Each row's stage-1 coordinates as a tuple: how a point is recognised in a waves file."""
    return list(frame[[f.name for f in fits]].itertuples(index=False, name=None))


def simulate_reusing(points: list[dict], settings: Settings, mapper, reuse: pd.DataFrame | None,
                     targets=calibration.STAGE1_TARGETS, fits=calibration.STAGE1) -> list[list[dict]]:
    """:func:`simulate`, but a point whose coordinates equal a row of ``reuse`` (an earlier run's
    ``ensemble_waves.csv`` at the same settings) takes that row's statistics instead of running
    again. Exact: a set's numbers do not depend on the batch it ran in (tests/test_batch_survey.py),
    and the design is seeded, so a rerun with more waves repeats the first waves' points. Only with
    one seed (the file keeps seed means)."""
    if reuse is None or not len(reuse):
        return simulate(points, settings, mapper, targets, fits)
    names = [f.name for f in fits]
    known = {row: i for i, row in enumerate(coordinate_keys(reuse, fits))}
    hits = [known.get(tuple(pt[n] for n in names)) for pt in points]
    fresh = simulate([pt for pt, h in zip(points, hits) if h is None], settings, mapper, targets, fits)
    keys = {t: TARGETS_BY_ID[t].key for t in targets}
    out, it = [], iter(fresh)
    for h in hits:
        out.append(next(it) if h is None else [{keys[t]: float(reuse[t].iloc[h]) for t in targets}])
    return out


def check_reuse(reuse: pd.DataFrame, settings: Settings, fits=calibration.STAGE1,
                targets=calibration.STAGE1_TARGETS) -> None:
    """Raise an InputError unless ``reuse`` is a waves file of a one-seed run at ``settings``."""
    if len(settings.seeds) != 1:
        raise InputError(f"--reuse needs a one-seed run (--seeds 1): the waves file keeps seed means, "
                         f"not each of {len(settings.seeds)} seeds")
    missing = [c for c in [*(f.name for f in fits), *targets, *RUN_COLUMNS] if c not in reuse]
    if missing:
        raise InputError(f"--reuse file lacks the columns {', '.join(missing)} (an ensemble_waves.csv of "
                         f"experiments/posterior.py is expected)")
    for column, value in zip(RUN_COLUMNS, run_settings(settings)):
        seen = sorted(set(reuse[column].tolist()))
        if seen != [value]:
            raise InputError(f"--reuse file was run with {column} = {seen}, this run with {value}: "
                             f"its statistics are not this run's")


RUN_COLUMNS = ("people", "seed", "burn_in_days", "survey_years")
"""Settings each row of the waves file records, so a reuse can be checked."""


def run_settings(settings: Settings) -> tuple:
    """The values of :data:`RUN_COLUMNS` for ``settings`` (the first seed)."""
    return (settings.people, settings.seeds[0], settings.burn_in_days, settings.survey_years)


def observation_sd(target_id: str) -> float:
    """A target's observation SD: half its 95% band over 1.96."""
    t = TARGETS_BY_ID[target_id]
    return (t.high - t.low) / 2 / Z95


def seed_mean(measured: list[dict], targets=calibration.STAGE1_TARGETS) -> np.ndarray:
    """(targets,) mean over seeds of each target's statistic (NaN where no seed measured it)."""
    keys = [TARGETS_BY_ID[t].key for t in targets]
    x = np.array([[m[k] for k in keys] for m in measured], float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a column no seed measured: NaN, as documented
        return np.nanmean(x, axis=0)


def target_variance(settings: Settings, targets=calibration.STAGE1_TARGETS, noise_var=None) -> np.ndarray:
    """(targets,) the variance a simulated statistic is compared with: each target's observation
    variance with the model discrepancy's added, and ``noise_var`` (the simulator's own, per
    target) if given."""
    var = np.array([observation_sd(t) for t in targets]) ** 2 * (1.0 + settings.discrepancy ** 2)
    if noise_var is not None:
        var = var + np.nan_to_num(np.asarray(noise_var, float))
    return var


def targets_ignored(ignore_worst: int, n_targets: int) -> int:
    """How many of a point's worst targets a screen ignores: ``ignore_worst``, but never all of
    them (at least one target always counts)."""
    return min(ignore_worst, n_targets - 1)


def ignoring_worst(implausibility: np.ndarray, ignore_worst: int) -> np.ndarray:
    """(rows,) each row's largest implausibility after ignoring its ``ignore_worst`` largest."""
    imp = np.sort(implausibility, axis=1)
    return imp[:, -1 - targets_ignored(ignore_worst, imp.shape[1])]


def log_likelihood(means: np.ndarray, settings: Settings, targets=calibration.STAGE1_TARGETS,
                   noise_var=None) -> np.ndarray:
    """Gaussian log-likelihood (up to a constant) of each row of ``means`` (sets x targets): each
    target's SD is its observation SD with the model discrepancy added in quadrature, and with
    ``noise_var`` (per target: the variance of a seed-mean statistic at one point, the simulator's
    own noise; :attr:`Emulators.noise_var`) added too -- a single noisy run differs from the
    target by its noise as well as by the discrepancy and the study's error, so without it the
    weights of a small-population run follow the seed noise. A target a set could not measure
    (NaN) counts as :data:`calibration.MISSING_Z` SDs off."""
    sd = np.sqrt(target_variance(settings, targets, noise_var))
    value = np.array([TARGETS_BY_ID[t].value for t in targets])
    z = (np.atleast_2d(means) - value) / sd
    z = np.where(np.isfinite(z), z, calibration.MISSING_Z)
    return -0.5 * np.sum(z ** 2, axis=1)


def implausibility_of_runs(means: np.ndarray, settings: Settings, targets=calibration.STAGE1_TARGETS,
                           noise_var=None) -> np.ndarray:
    """(sets,) each simulated set's implausibility: ``|simulated - published| / sqrt(observation var
    + discrepancy var + noise var)`` per target, the largest after ignoring the
    :attr:`Settings.ignore_worst` largest (a target a set could not measure counts as infinitely far)."""
    value = np.array([TARGETS_BY_ID[t].value for t in targets])
    imp = np.abs(np.atleast_2d(means) - value) / np.sqrt(target_variance(settings, targets, noise_var))
    return ignoring_worst(np.where(np.isfinite(imp), imp, np.inf), settings.ignore_worst)


def abc_weights(means: np.ndarray, settings: Settings, targets=calibration.STAGE1_TARGETS,
                noise_var=None) -> tuple[np.ndarray, float]:
    """ABC rejection weights (uniform kernel): 1 / accepted for each set whose
    :func:`implausibility_of_runs` is within :attr:`Settings.cutoff`, 0 for the others; and the
    effective sample size (the number accepted). The points are uniform on the not-ruled-out space
    and the prior uniform, so accepted points are draws from the ABC posterior restricted to it.

    Raises:
        RuntimeError: no set is accepted (the cut-off or the discrepancy is too strict for the model).
    """
    accept = implausibility_of_runs(means, settings, targets, noise_var) <= settings.cutoff
    if not accept.any():
        raise RuntimeError(f"no final run is within the cut-off {settings.cutoff} on all but its {settings.ignore_worst} "
                           f"worst targets: raise --discrepancy or --cutoff, or use --weighting gaussian")
    w = accept / accept.sum()
    return w, float(accept.sum())


def importance_weights(log_lik: np.ndarray) -> tuple[np.ndarray, float]:
    """Normalised weights from log-likelihoods, and their effective sample size (Kish)."""
    w = np.exp(log_lik - np.max(log_lik))
    w /= w.sum()
    return w, float(1.0 / np.sum(w ** 2))


# ------------------------------------------------------------------------------------------------
# Emulators and history matching
# ------------------------------------------------------------------------------------------------

class Emulators:
    """One Gaussian process per target (scikit-learn), trained on points of the unit cube and the
    seed-mean statistics there; :meth:`implausibility` scores candidate points."""

    def __init__(self, unit: np.ndarray, means: np.ndarray, settings: Settings, targets=calibration.STAGE1_TARGETS,
                 seed: int = 0):
        from sklearn.exceptions import ConvergenceWarning
        from sklearn.gaussian_process import GaussianProcessRegressor
        from sklearn.gaussian_process.kernels import RBF, ConstantKernel, WhiteKernel

        self.targets = list(targets)
        self.settings = settings
        self.models = []
        d = unit.shape[1]
        for j, _ in enumerate(self.targets):
            y = means[:, j]
            ok = np.isfinite(y)
            if ok.sum() < 3:
                self.models.append(None)  # not emulated: this target rules nothing out
                continue
            kernel = (ConstantKernel(1.0, (1e-3, 1e3)) * RBF(np.full(d, 0.5), (1e-2, 1e2))
                      + WhiteKernel(1e-2, (1e-6, 1.0)))
            gp = GaussianProcessRegressor(kernel, normalize_y=True, n_restarts_optimizer=1, random_state=seed)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)  # a length scale at its bound: the
                gp.fit(unit[ok], y[ok])                              # target ignores that coordinate
            self.models.append(gp)

    @property
    def noise_var(self) -> np.ndarray:
        """(targets,) the simulator's noise variance of each seed-mean statistic, as each GP's
        white-noise term estimated it (back on the statistic's own scale: ``normalize_y`` divides
        by the training SD); 0 for a target without an emulator."""
        out = np.zeros(len(self.targets))
        for j, gp in enumerate(self.models):
            if gp is not None:
                out[j] = gp.kernel_.k2.noise_level * float(np.ravel(gp._y_train_std)[0]) ** 2
        return out

    def _target_implausibility(self, j: int, unit: np.ndarray, compared: np.ndarray) -> np.ndarray:
        mean, sd = self.models[j].predict(unit, return_std=True)
        return np.abs(mean - TARGETS_BY_ID[self.targets[j]].value) / np.sqrt(sd ** 2 + compared[j])

    def implausibility(self, unit: np.ndarray) -> np.ndarray:
        """(candidates, targets): |emulated - published| / sqrt(emulator var + observation var +
        discrepancy var); 0 for a target without an emulator."""
        out = np.zeros((unit.shape[0], len(self.targets)))
        compared = target_variance(self.settings, self.targets)
        for j, gp in enumerate(self.models):
            if gp is not None:
                out[:, j] = self._target_implausibility(j, unit, compared)
        return out

    def score(self, unit: np.ndarray) -> np.ndarray:
        """Each candidate's implausibility: the largest over targets after ignoring the
        :attr:`Settings.ignore_worst` largest."""
        return ignoring_worst(self.implausibility(unit), self.settings.ignore_worst)

    def not_ruled_out(self, unit: np.ndarray, cutoff: float) -> np.ndarray:
        """(candidates,) whether each candidate's :meth:`score` is at most ``cutoff`` -- the same
        decision, made target by target: a candidate is ruled out once more than
        :attr:`Settings.ignore_worst` of its targets exceed the cut-off (or are NaN, which
        :func:`ignoring_worst` sorts as the largest), so each target is emulated only at the
        candidates still standing. The screen's cost then falls with the share ruled out instead of
        growing with the number of targets: 3.1-6.3 times faster per batch of 100,000 on the
        emulators of the shipped waves, keeping the same candidates (``python
        benchmarks/posterior_screen.py``, 2026-12-02)."""
        k = targets_ignored(self.settings.ignore_worst, len(self.targets))
        compared = target_variance(self.settings, self.targets)
        over = np.zeros(len(unit), dtype=np.int64)
        standing = np.arange(len(unit))
        for j, gp in enumerate(self.models):
            if gp is None or standing.size == 0:
                continue
            imp = self._target_implausibility(j, unit[standing], compared)
            over[standing] += ~(imp <= cutoff)
            standing = standing[over[standing] <= k]
        keep = np.zeros(len(unit), dtype=bool)
        keep[standing] = True
        return keep


def _latin_hypercube(n: int, d: int, rng: np.random.Generator) -> np.ndarray:
    from scipy.stats import qmc

    return qmc.LatinHypercube(d=d, seed=rng).random(n)


def _not_ruled_out(emulators: list[Emulators], n: int, d: int, cutoff: float, rng,
                   box: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """Candidates uniform in ``box`` (of the unit cube) that no wave's emulators rule out.

    The newest wave's emulators screen first: they were trained where the candidates are drawn
    (inside the last survivors' box) and rule out most of them, so the older waves' emulators see
    only the few left. A candidate must pass every wave either way, so the order does not change
    which are kept (``python benchmarks/posterior_screen.py`` times both orders)."""
    lo, hi = box
    cand = lo + rng.random((n, d)) * (hi - lo)
    keep = np.ones(n, dtype=bool)
    for em in reversed(emulators):
        keep[keep] = em.not_ruled_out(cand[keep], cutoff)
        if not keep.any():
            break
    return cand[keep]


def wave_frame(wave: int, unit: np.ndarray, means: np.ndarray, settings: Settings, fits=calibration.STAGE1,
               targets=calibration.STAGE1_TARGETS) -> pd.DataFrame:
    """One wave's simulator runs: the wave, the run's settings (:data:`RUN_COLUMNS`; ``seed`` is
    the first seed), each point's coordinates and its seed-mean statistics."""
    frame = pd.DataFrame(to_points(unit, fits))
    frame = pd.concat([frame, pd.DataFrame(np.atleast_2d(means), columns=list(targets))], axis=1)
    for column, value in reversed(list(zip(RUN_COLUMNS, run_settings(settings)))):
        frame.insert(0, column, value)
    frame.insert(0, "wave", wave)
    return frame


def history_match(settings: Settings, mapper=map, fits=calibration.STAGE1, targets=calibration.STAGE1_TARGETS,
                  progress=None, on_wave=None, reuse: pd.DataFrame | None = None) -> dict:
    """The waves, then the final runs, then the weights.

    Returns:
        ``unit`` and ``points`` of the final runs, their per-seed ``measured`` statistics,
        ``means``, ``log_likelihood``, ``weights``, ``ess``; ``waves`` (per wave: points run, share
        of candidates not ruled out, candidates screened, survivors, seconds); ``runs`` (every
        wave's points and statistics, :func:`wave_frame`); ``seconds`` and ``calls``.
        ``on_wave`` is called with the runs so far after each wave (so a long run can be looked at,
        and is not lost, before it ends). ``reuse``: an earlier run's waves at the same settings,
        whose points are not run again (:func:`simulate_reusing`); ``calls`` counts them too, as
        calls the ensemble took.
    """
    started = time.time()
    rng = np.random.default_rng(settings.design_seed)
    d = len(fits)
    emulators: list[Emulators] = []
    box = (np.zeros(d), np.ones(d))
    unit = _latin_hypercube(settings.runs_per_wave, d, rng)
    waves, runs, calls_made = [], [], 0
    for wave in range(settings.waves + 1):
        clock = time.time()
        final = wave == settings.waves
        measured = simulate_reusing(to_points(unit, fits), settings, mapper, reuse, targets, fits)
        calls_made += len(unit)
        means = np.array([seed_mean(m, targets) for m in measured])
        runs.append(wave_frame(wave, unit, means, settings, fits, targets))
        if on_wave is not None:
            on_wave(pd.concat(runs, ignore_index=True))
        if final:
            waves.append({"wave": wave, "runs": len(unit), "final": True, "seconds": round(time.time() - clock, 1)})
            break
        emulators.append(Emulators(unit, means, settings, targets, seed=settings.design_seed + wave))
        size = settings.final_runs if wave + 1 == settings.waves else settings.runs_per_wave
        found, screened = [], 0
        while screened < settings.screen_batches and sum(len(k) for k in found) < size:
            found.append(_not_ruled_out(emulators, settings.candidates, d, settings.cutoff, rng, box))
            screened += 1
        kept = np.concatenate(found)
        share = len(kept) / (screened * settings.candidates)
        waves.append({"wave": wave, "runs": len(unit), "final": False, "not_ruled_out": share,
                      "screened": screened * settings.candidates, "survivors": len(kept),
                      "seconds": round(time.time() - clock, 1)})
        if progress is not None:
            progress(waves[-1])
        if len(kept) == 0:
            raise RuntimeError(f"wave {wave}: every candidate is ruled out (cut-off {settings.cutoff}); the model "
                               f"cannot meet the targets within its discrepancy: raise --discrepancy or check "
                               f"the targets")
        if len(kept) >= 2:
            box = (kept.min(axis=0), kept.max(axis=0))  # the next wave screens inside this box
        unit = kept[rng.choice(len(kept), size=size, replace=len(kept) < size)]
    noise_var = emulators[-1].noise_var  # the last wave's estimate of the seed noise at each target
    ll = log_likelihood(means, settings, targets, noise_var)
    if settings.weighting == "abc":
        w, ess = abc_weights(means, settings, targets, noise_var)
    else:
        w, ess = importance_weights(ll)
    return {"unit": unit, "points": to_points(unit, fits), "measured": measured, "means": means,
            "runs": pd.concat(runs, ignore_index=True), "noise_var": noise_var, "log_likelihood": ll, "weights": w, "ess": ess, "waves": waves,
            "seconds": time.time() - started, "calls": calls_made}


# ------------------------------------------------------------------------------------------------
# Effect sizes and the ensemble file
# ------------------------------------------------------------------------------------------------

def effect_draws(n: int, rng: np.random.Generator) -> pd.DataFrame:
    """``n`` draws of every intervention's effect scale: the stage-2 fit times draw / published,
    the draw normal on the primary trial's published 95% interval; kinds that take another's
    scale (:data:`calibration.STAGE2_SAME_AS`) take its draw. Clipped to the parameter's range."""
    out = {}
    for kind, primary in calibration.STAGE2.items():
        t = TARGETS_BY_ID[primary.target]
        draw = rng.normal(t.value, (t.high - t.low) / 2 / Z95, n)
        p = PARAMS[f"{kind}_effect"]
        out[f"{kind}_effect"] = np.clip(p.default * draw / t.value, p.low, p.high)
    for kind, same in calibration.STAGE2_SAME_AS.items():
        out[f"{kind}_effect"] = out[f"{same}_effect"]
    return pd.DataFrame(out)


def ensemble_frame(result: dict, settings: Settings, fits=calibration.STAGE1,
                   targets=calibration.STAGE1_TARGETS) -> pd.DataFrame:
    """The ensemble table: one row per final run (module docstring)."""
    rows = []
    for i, (point, measured) in enumerate(zip(result["points"], result["measured"])):
        total, parts = calibration.loss(measured, targets)
        within = np.mean([TARGETS_BY_ID[t].within(parts[t][0]) for t in targets])
        rows.append({"set": i, "wave": len(result["waves"]) - 1, **calibration.values_at(point, fits),
                     "weight": result["weights"][i], "log_likelihood": result["log_likelihood"][i],
                     "loss": total, "within": float(within), "ess": result["ess"]})
    frame = pd.DataFrame(rows)
    effects = effect_draws(len(frame), np.random.default_rng(settings.design_seed + 1_000))
    return pd.concat([frame, effects], axis=1)


def effects_for(frame: pd.DataFrame, design_seed: int) -> pd.DataFrame:
    """``frame`` with its effect-scale columns drawn anew at the current stage-2 fit (the same
    seeded draws :func:`ensemble_frame` makes): what ``posterior.py --write`` would give now for
    the same final runs. The natural-history columns, weights and statistics stay as they are:
    effect sizes act only on treated people, so they do not touch the runs the weights come from."""
    effects = effect_draws(len(frame), np.random.default_rng(design_seed + 1_000))
    return frame.assign(**{c: effects[c].to_numpy() for c in effects})


def refresh_effects(path: Path = ENSEMBLE_PATH) -> tuple[pd.DataFrame, dict]:
    """Rewrite the ensemble's effect-scale columns at the current stage-2 fit after a stage-2 refit
    (``posterior.py --refresh-effects``), and note it in ``ensemble_record.json``. Returns the
    table as written and each effect column's mean before and after."""
    record_path = path.with_name("ensemble_record.json")
    record = json.loads(record_path.read_text(encoding="utf-8"))
    frame = pd.read_csv(path)
    fresh = effects_for(frame, record["settings"]["design_seed"])
    columns = [f"{kind}_effect" for kind in (*calibration.STAGE2, *calibration.STAGE2_SAME_AS)]
    change = {c: [float(frame[c].mean()), float(fresh[c].mean())] for c in columns}
    record["effects_refreshed"] = {
        "date": time.strftime("%Y-%m-%d", time.gmtime()), "commit": calibration._git("rev-parse", "--short=12", "HEAD"),
        "stage2": {f"{k}_effect": PARAMS[f"{k}_effect"].default for k in calibration.STAGE2},
        "means_before_after": change}
    write_file(path, lambda tmp: fresh.to_csv(tmp, index=False))
    write_text(record_path, json.dumps(record, indent=1) + "\n")
    return fresh, change


def statistics_frame(result: dict, targets=calibration.STAGE1_TARGETS) -> pd.DataFrame:
    """Each final run's seed-mean statistic of every target (one row per ``set``, as in the
    ensemble): what the coverage table and the predictive intervals are made of."""
    frame = pd.DataFrame(np.atleast_2d(result["means"]), columns=list(targets))
    frame.insert(0, "set", range(len(frame)))
    return frame


def _options(parser) -> None:
    parser.add_argument("--write", action="store_true",
                        help=f"write the ensemble into the checkout ({ENSEMBLE_RELATIVE}), the file compare --ensemble reads")
    parser.add_argument("--waves", type=int, help=f"history-matching waves (default {SETTINGS.waves})")
    parser.add_argument("--runs-per-wave", type=int, help=f"simulator calls per wave (default {SETTINGS.runs_per_wave})")
    parser.add_argument("--final-runs", type=int, help=f"simulator calls of the final wave, the ensemble's rows "
                                                       f"(default {SETTINGS.final_runs}; at least 200 for the shipped file)")
    parser.add_argument("--burn-in-days", type=int, help=f"burn-in (default {SETTINGS.burn_in_days})")
    parser.add_argument("--survey-years", type=int, help=f"survey years (default {SETTINGS.survey_years})")
    parser.add_argument("--discrepancy", type=float, help=f"model discrepancy in observation SDs (default {SETTINGS.discrepancy})")
    parser.add_argument("--cutoff", type=float, help=f"implausibility cut-off (default {SETTINGS.cutoff})")
    parser.add_argument("--weighting", choices=("abc", "gaussian"),
                        help=f"weights of the final runs: ABC acceptance or Gaussian likelihood (default {SETTINGS.weighting})")
    parser.add_argument("--candidates", type=int, help=f"candidates screened per wave (default {SETTINGS.candidates:,})")
    parser.add_argument("--screen-batches", type=int,
                        help=f"batches of --candidates a wave may screen to find its next points "
                             f"(default {SETTINGS.screen_batches})")
    parser.add_argument("--sets-per-batch", type=int, help=f"sets per batch (default {SETTINGS.sets_per_batch})")
    parser.add_argument("--workers", type=int, default=2, help="worker processes (results do not depend on it)")
    parser.add_argument("--refresh-effects", action="store_true",
                        help="after a stage-2 refit: redraw only the shipped ensemble's effect-scale columns at the "
                             "current fit (same seeded draws; no simulator call) and note it in its record")
    parser.add_argument("--reuse", metavar="WAVES_CSV",
                        help="an earlier one-seed run's ensemble_waves.csv at the same settings: its points are "
                             "not run again (a rerun with more waves repeats the first waves exactly)")


MIN_SHIPPED = 200
"""Rows the shipped ensemble must have at least (issue 14)."""


def settings_from(args) -> Settings:
    """The run's settings from the command line (``--quick``'s base, overrides)."""
    base = QUICK if args.quick else SETTINGS
    over = {"people": args.agents, "seeds": tuple(range(args.seeds)), "waves": args.waves,
            "runs_per_wave": args.runs_per_wave, "final_runs": args.final_runs, "burn_in_days": args.burn_in_days,
            "survey_years": args.survey_years, "discrepancy": args.discrepancy, "cutoff": args.cutoff, "candidates": args.candidates,
            "weighting": args.weighting, "screen_batches": args.screen_batches,
            "sets_per_batch": args.sets_per_batch}
    s = replace(base, **{k: v for k, v in over.items() if v is not None})
    for name, low in (("people", 1), ("waves", 1), ("runs_per_wave", 3), ("final_runs", 1), ("burn_in_days", 0),
                      ("survey_years", 2), ("candidates", 1), ("screen_batches", 1), ("sets_per_batch", 1)):
        if getattr(s, name) < low:
            raise InputError(f"--{name.replace('_', '-')} = {getattr(s, name)} must be >= {low}")
    if not s.cutoff > 0:
        raise InputError(f"--cutoff = {s.cutoff} must be > 0")
    if s.discrepancy < 0:
        raise InputError(f"--discrepancy = {s.discrepancy} must be >= 0")
    return s


def settings_from_argv(argv) -> Settings:
    """The settings a command line of ``experiments/posterior.py`` would run with."""
    return settings_from(_parse(argv))


def _parse(argv):
    return parse_args("posterior", __doc__.splitlines()[0], QUICK.people, SETTINGS.people, len(QUICK.seeds),
                      len(SETTINGS.seeds), argv, extra=_options)


def run(argv=None) -> pd.DataFrame:
    """The command line of ``experiments/posterior.py``: history matching, the final runs, the
    ensemble CSV and a JSON record of the run (into ``--out``, or with ``--write`` into the
    checkout: :data:`ENSEMBLE_RELATIVE` and ``ensemble_record.json`` beside it).

    Returns:
        The ensemble table.
    """
    args = _parse(argv)
    if args.refresh_effects:
        fresh, change = refresh_effects()
        if not args.quiet:
            print("effect scales redrawn at the current stage-2 fit (mean before -> after): " +
                  ", ".join(f"{k} {a:.4g} -> {b:.4g}" for k, (a, b) in change.items()), file=sys.stderr)
        return fresh
    settings = settings_from(args)
    calibration.check_declaration()
    if args.write:
        if args.quick or settings.final_runs < MIN_SHIPPED:
            raise InputError(f"--write ships the ensemble: it needs the full settings and at least {MIN_SHIPPED} "
                             f"final runs (--final-runs {settings.final_runs}{', --quick' if args.quick else ''}); "
                             f"write a trial run to --out instead")
        path = ENSEMBLE_PATH  # the file run_experiment(..., ensemble=N) reads
    else:
        path = Path(check_writable(args.out)) / "ensemble.csv"
    check_writable(path.parent)
    workers = 1 if args.serial else max(1, args.workers)
    report = None if args.quiet else (lambda w: print(f"wave {w['wave']}: {w['runs']} runs, "
                                                      f"{100 * w['not_ruled_out']:.2g}% of {w['screened']:,} candidates "
                                                      f"not ruled out ({w['survivors']:,}), {w['seconds']:.0f} s",
                                                      file=sys.stderr))
    reuse = None
    if args.reuse:
        try:
            reuse = pd.read_csv(args.reuse)
        except (OSError, ValueError) as err:
            raise InputError(f"--reuse {args.reuse}: cannot read it ({err})") from None
        check_reuse(reuse, settings)
    waves_path = path.with_name("ensemble_waves.csv")
    with ordered_map(workers) as mapper:
        result = history_match(settings, mapper, progress=report, reuse=reuse,
                               on_wave=lambda runs: write_file(waves_path, lambda tmp: runs.to_csv(tmp, index=False)))
    frame = ensemble_frame(result, settings)
    record = {"command": "python experiments/posterior.py " + " ".join(argv if argv is not None else sys.argv[1:]),
              "date": time.strftime("%Y-%m-%d", time.gmtime()), "commit": calibration._git("rev-parse", "--short=12", "HEAD"),
              "settings": {**asdict(settings), "seeds": list(settings.seeds)}, "calls": result["calls"],
              "seconds": round(result["seconds"]), "ess": result["ess"], "waves": result["waves"],
              "share_within_weighted": float(np.sum(frame["weight"] * frame["within"])),
              "ess_gaussian": importance_weights(result["log_likelihood"])[1]}
    if reuse is not None:
        earlier = set(coordinate_keys(reuse))
        record["reused_calls"] = sum(row in earlier for row in coordinate_keys(result["runs"]))
        record["reused_from"] = str(args.reuse)
    record["noise_sd"] = {t: float(np.sqrt(v)) for t, v in zip(calibration.STAGE1_TARGETS, result["noise_var"])}
    statistics = statistics_frame(result)
    write_file(path, lambda tmp: frame.to_csv(tmp, index=False))
    write_file(path.with_name("ensemble_statistics.csv"), lambda tmp: statistics.to_csv(tmp, index=False))
    write_text(path.with_name("ensemble_record.json"), json.dumps(record, indent=1) + "\n")
    if not args.quiet:
        print(f"{result['calls']} simulator calls in {result['seconds'] / 60:.1f} minutes; effective sample size "
              f"{result['ess']:.1f} of {len(frame)}; wrote {path}")
    return frame


# ------------------------------------------------------------------------------------------------
# What the ensemble shows: coverage of the targets and a pairs plot
# ------------------------------------------------------------------------------------------------

def weighted_quantiles(x: np.ndarray, w: np.ndarray, q) -> np.ndarray:
    """Quantiles ``q`` of ``x`` under weights ``w`` (the weighted empirical CDF, midpoint rule;
    NaNs dropped)."""
    x, w = np.asarray(x, float), np.asarray(w, float)
    ok = np.isfinite(x) & (w > 0)
    x, w = x[ok], w[ok]
    if not len(x):
        return np.full(len(np.atleast_1d(q)), np.nan)
    order = np.argsort(x)
    x, w = x[order], w[order]
    cdf = (np.cumsum(w) - 0.5 * w) / w.sum()
    return np.interp(q, cdf, x)


def coverage(frame: pd.DataFrame, statistics: pd.DataFrame, targets=calibration.STAGE1_TARGETS) -> pd.DataFrame:
    """Per target: its band, the ensemble's weighted 95% predictive interval and median of the
    final runs' statistics, the weighted share of sets within the band, and whether the interval
    reaches the band (overlaps it) and holds the published value.

    The statistics are each set's seed mean at the posterior's population (one run per set), so
    the interval holds the simulator's noise at that size as well as parameter uncertainty."""
    w = frame.set_index("set")["weight"].reindex(statistics["set"]).to_numpy(float)
    rows = []
    for t in targets:
        target = TARGETS_BY_ID[t]
        x = statistics[t].to_numpy(float)
        lo, mid, hi = weighted_quantiles(x, w, [0.025, 0.5, 0.975])
        inside = np.array([target.within(v) if np.isfinite(v) else False for v in x])
        rows.append({"target": t, "published": target.value, "low": target.low, "high": target.high,
                     "median": mid, "pi_low": lo, "pi_high": hi,
                     "share_within": float(np.sum(w * inside) / np.sum(w)),
                     "reaches_band": bool(hi >= target.low and lo <= target.high),
                     "holds_published": bool(lo <= target.value <= hi)})
    return pd.DataFrame(rows)


def coordinate_values(frame: pd.DataFrame, fit) -> np.ndarray:
    """A stage-1 coordinate's value in each row of an ensemble table: its own column, or, for a
    group scale, its first member's column over that member's base."""
    column, base = (fit.members[0][0], fit.members[0][1]) if fit.members else (fit.name, 1.0)
    return frame[column].to_numpy(float) / base


def contraction(frame: pd.DataFrame, fits=calibration.STAGE1) -> pd.DataFrame:
    """Per stage-1 coordinate: its prior bounds, the weighted posterior mean and SD, and the
    posterior SD over the prior's (a uniform's SD is width / sqrt 12): below 1, the targets
    taught the ensemble something about it. Group scales are read back from their first member."""
    w = frame["weight"].to_numpy(float)
    rows = []
    for f in fits:
        x = coordinate_values(frame, f)
        mean = float(np.sum(w * x))
        sd = float(np.sqrt(np.sum(w * (x - mean) ** 2)))
        prior_sd = (f.upper - f.lower) / np.sqrt(12.0)
        rows.append({"coordinate": f.name, "lower": f.lower, "upper": f.upper, "start": f.start,
                     "posterior_mean": mean, "posterior_sd": sd, "sd_over_prior": sd / prior_sd})
    return pd.DataFrame(rows).sort_values("sd_over_prior").reset_index(drop=True)


def pairs_figure(frame: pd.DataFrame, coordinates: list[str], fits=calibration.STAGE1, title: str = ""):
    """A pairs plot of ``coordinates`` over the ensemble: weighted histograms on the diagonal,
    every set as a dot below it (area by weight), the start point (the shipped defaults) as a
    cross, each axis on the coordinate's prior bounds."""
    from matplotlib.figure import Figure

    by_name = {f.name: f for f in fits}
    w = frame["weight"].to_numpy(float)
    cols = {name: coordinate_values(frame, by_name[name]) for name in coordinates}
    k = len(coordinates)
    fig = Figure(figsize=(2.3 * k, 2.3 * k), layout="constrained")
    axes = fig.subplots(k, k, squeeze=False)
    size = 4 + 120 * w / w.max()
    for i, yi in enumerate(coordinates):
        for j, xj in enumerate(coordinates):
            ax = axes[i, j]
            fx, fy = by_name[xj], by_name[yi]
            if j > i:
                ax.set_axis_off()
                continue
            if i == j:
                ax.hist(cols[xj], bins=15, range=(fx.lower, fx.upper), weights=w, color="#5d8aa8")
                ax.axvline(fx.start, color="#c0392b", lw=1.2)
                ax.set_yticks([])
            else:
                ax.scatter(cols[xj], cols[yi], s=size, color="#1f4e79", alpha=0.45, lw=0)
                ax.plot(fx.start, fy.start, marker="x", color="#c0392b", ms=8, mew=2)
                ax.set_ylim(fy.lower, fy.upper)
            ax.set_xlim(fx.lower, fx.upper)
            ax.tick_params(labelsize=7)
            if i == k - 1:
                ax.set_xlabel(xj, fontsize=8)
            if j == 0 and i > 0:
                ax.set_ylabel(yi, fontsize=8)
    if title:
        fig.suptitle(title, fontsize=11)
    return fig


PAIRS_SHOWN = 6
"""Coordinates in the pairs plot: the ones the targets narrowed most (:func:`contraction`)."""


def report(frame: pd.DataFrame, statistics: pd.DataFrame, record: dict) -> tuple[str, pd.DataFrame, pd.DataFrame]:
    """The posterior's summary as Markdown (its run, coverage of the targets, what it learned
    about each coordinate), with the coverage and contraction tables it is made of."""
    cov, con = coverage(frame, statistics), contraction(frame)
    s = record["settings"]
    waves = "; ".join(f"wave {w['wave']}: {w['runs']} runs"
                      + (f", {100 * w['not_ruled_out']:.2g}% of candidates not ruled out" if not w.get("final") else " (final)")
                      + f", {w['seconds'] / 60:.1f} min" for w in record["waves"])
    lines = [f"Made by `{record['command']}` on {record['date']} (commit {record['commit']}): "
             f"**{record['calls']} simulator calls**; this run took {record['seconds'] / 60:.0f} minutes on this 2-core machine"
             + (f", {record['reused_calls']} of the calls taken from an earlier run's waves (`{record['reused_from']}`), "
                f"whose simulator time is not in those minutes " if record.get("reused_calls") else " ") +
             f"({s['people']:,} people, seeds {s['seeds']}, {s['burn_in_days']:,}-day burn-in, "
             f"{s['survey_years']} surveyed years; discrepancy {s['discrepancy']}, cut-off {s['cutoff']}). {waves}.",
             "",
             f"Effective sample size (Kish) of the {len(frame)} weighted sets: **{record['ess']:.1f}**. "
             f"Weighted share of the {len(cov)} stage-1 targets within band per set: "
             f"{record['share_within_weighted']:.0%}; the targets whose 95% predictive interval reaches "
             f"their band: **{int(cov['reaches_band'].sum())} of {len(cov)}**; that holds the published value: "
             f"{int(cov['holds_published'].sum())} of {len(cov)}.",
             "",
             "| target | published | band | ensemble median | 95% predictive interval | weighted share of sets within band | interval reaches band |",
             "|---|---|---|---|---|---|---|"]
    for r in cov.itertuples():
        lines.append(f"| `{r.target}` | {r.published:.3g} | {r.low:.3g} to {r.high:.3g} | {r.median:.3g} | "
                     f"{r.pi_low:.3g} to {r.pi_high:.3g} | {r.share_within:.0%} | {'yes' if r.reaches_band else '**no**'} |")
    lines += ["", "What the targets taught the ensemble about each stage-1 coordinate (posterior SD over the "
              "uniform prior's: 1 = nothing learned):", "",
              "| coordinate | prior | start (shipped) | posterior mean | posterior SD | SD / prior SD |",
              "|---|---|---|---|---|---|"]
    for r in con.itertuples():
        lines.append(f"| `{r.coordinate}` | {r.lower:g} to {r.upper:g} | {r.start:g} | {r.posterior_mean:.3g} | "
                     f"{r.posterior_sd:.3g} | {r.sd_over_prior:.2f} |")
    return "\n".join(lines) + "\n", cov, con
