"""The calibration targets against the parameter ensemble: each target's predictive interval
(issue 14; ``painloop validate --ensemble N``).

``painloop validate`` measures every target at the default parameter set, with an interval over
seeds. With ``--ensemble N`` each of ``N`` draws from the parameter ensemble
(:func:`sim.running.ensemble.draws`, weighted resampling) runs the same epidemiological survey
(:func:`sim.studies.targets.survey_measures`; many draws per engine run, :class:`BatchSurvey`), and
each target gets its **predictive interval over the ensemble** -- the 2.5th to 97.5th percentile
of the draws' values (each draw's value the mean over the seeds) -- set against its published
band, with the **share of draws within the band**. Virtual-trial targets are not measured here
(a trial per draw would cost far more than the survey); they are listed as not measured.

Examples:
    >>> table = predictive(pd.DataFrame({"draw": [0, 1, 2, 3], "seed": 0,
    ...                                  "cp_prevalence": [0.05, 0.10, 0.12, 0.30]}),
    ...                    [TARGETS_BY_ID["cbp_prevalence"]])
    >>> float(table.loc[0, "share_within"]), int(table.loc[0, "draws"])
    (0.5, 4)
"""

from __future__ import annotations

import json
import time

import numpy as np
import pandas as pd

from sim.core.batch import BatchEngine
from sim.core.scenario import Scenario
from sim.running.ensemble import draws as ensemble_draws
from sim.studies.batch_survey import BatchSurvey
from sim.studies.targets import TARGETS, TARGETS_BY_ID, survey_measures  # noqa: F401 (TARGETS_BY_ID: the example)

QUICK = {"seeds": (0,), "n_agents": 2_000, "survey_years": 2}
FULL = {"seeds": (0, 1), "n_agents": 4_000, "survey_years": 4}
"""People, seeds and surveyed years per draw (the full setting is the calibration's scale of
stage 1 at 4,000 people; the survey statistics need a few years of waves)."""
SETS_PER_BATCH = 20
"""Draws run together in one :class:`sim.core.batch.BatchEngine` (memory: people x draws rows)."""


def _batch_job(job) -> list[dict]:
    sets, seed, world, years = job
    # no equilibrium cache: most draws are new parameter sets, each burn-in used once
    surveys = BatchSurvey(BatchEngine(world, sets, seed, cache=False)).run(years * 365).surveys
    return [survey_measures(s) for s in surveys]


def measure(draws: list[dict], seeds=(0,), n_agents: int = 4_000, survey_years: int = 4,
            scenario: Scenario | None = None, mapper=map, sets_per_batch: int = SETS_PER_BATCH) -> pd.DataFrame:
    """Every survey statistic of each draw, per seed: one row per (draw, seed).

    The draws run ``sets_per_batch`` at a time in one batch per seed (each draw's numbers are its
    solo run's exactly, :mod:`sim.core.batch`); ``mapper`` may run the batches in parallel and
    must return results in submission order."""
    world = (Scenario() if scenario is None else scenario).replace(n_agents=n_agents)
    # a set drawn more than once (weighted resampling) runs once: the same set and seed give the same run
    keys = [json.dumps(d, sort_keys=True) for d in draws]
    unique = list(dict.fromkeys(keys))
    sets = [json.loads(k) for k in unique]
    chunks = [sets[start:start + sets_per_batch] for start in range(0, len(sets), sets_per_batch)]
    jobs = [(chunk, seed, world, survey_years) for chunk in chunks for seed in seeds]
    results = iter(mapper(_batch_job, jobs))
    found = {}
    for c, chunk in enumerate(chunks):
        for seed in seeds:
            for i, measured in enumerate(next(results)):
                found[unique[c * sets_per_batch + i], seed] = measured
    rows = [{"draw": d, "seed": seed, **found[key, seed]} for d, key in enumerate(keys) for seed in seeds]
    return pd.DataFrame(rows)


def predictive(measured: pd.DataFrame, targets=TARGETS, level: float = 0.95) -> pd.DataFrame:
    """Each target the survey measures: its predictive interval over the draws against its band.

    Columns: ``id``, ``target``, ``band_low``, ``band_high``, ``draws`` (draws that measured it),
    ``median``, ``lo``, ``hi`` (the central ``level`` interval over draws of each draw's seed
    mean), ``share_within`` (share of the draws whose value lies in the band), ``overlaps`` (the
    interval and the band overlap), ``fit`` (stage-1 or hand-fitted target). A target no draw
    could measure has ``draws`` 0 and NaN values."""
    per_draw = measured.groupby("draw").mean(numeric_only=True)
    tail = (1.0 - level) / 2.0
    rows = []
    for t in targets:
        if t.key not in per_draw:
            continue
        x = per_draw[t.key].to_numpy(float)
        x = x[np.isfinite(x)]
        if x.size:
            lo, median, hi = np.quantile(x, [tail, 0.5, 1.0 - tail])
            within = float(np.mean([t.within(v) for v in x]))
        else:
            lo = median = hi = within = np.nan
        rows.append({"id": t.id, "target": t.name, "band_low": t.low, "band_high": t.high, "draws": int(x.size),
                     "median": median, "lo": lo, "hi": hi, "share_within": within,
                     "overlaps": bool(x.size and lo <= t.high and hi >= t.low), "fit": t.fit, "scale": t.scale})
    return pd.DataFrame(rows)


def not_measured(measured: pd.DataFrame, targets=TARGETS) -> list[str]:
    """Ids of the targets the ensemble survey does not measure (the virtual trials')."""
    return [t.id for t in targets if t.key not in measured]


def markdown(table: pd.DataFrame, n: int, settings: dict, minutes: float, missing: list[str]) -> str:
    """The report: the settings, the headline shares and one row per target."""
    def fmt(x, scale):
        return "" if not np.isfinite(x) else f"{x * scale:.3g}"

    def share(x):
        return "" if not np.isfinite(x) else f"{100 * x:.0f}%"

    lines = [f"# Calibration targets over the parameter ensemble ({n} draws)", "",
             f"Generated by `painloop validate --ensemble {n}` in {minutes:.1f} minutes: each draw "
             f"{settings['n_agents']:,} people, seeds {list(settings['seeds'])}, {settings['survey_years']} "
             f"surveyed years. Predictive interval: 2.5th-97.5th percentile over the draws of each draw's "
             f"mean over seeds. Share within: the share of draws whose value lies in the band.", "",
             f"**{int(table['overlaps'].sum())} of {len(table)} targets' predictive intervals overlap their "
             f"bands; on average {100 * np.nanmean(table['share_within']):.0f}% of the draws lie within a "
             f"target's band.**", "",
             "| target | band | median | 95% predictive interval | share of draws within |",
             "|---|---|---|---|---|"]
    for _, r in table.iterrows():
        s = r["scale"]
        lines.append(f"| {r['target']}{' (fitted)' if r['fit'] else ''} | {fmt(r['band_low'], s)}-"
                     f"{fmt(r['band_high'], s)} | {fmt(r['median'], s)} | [{fmt(r['lo'], s)}, {fmt(r['hi'], s)}] | "
                     f"{share(r['share_within'])} |")
    if missing:
        lines += ["", f"Not measured over the ensemble (virtual trials): {', '.join(missing)}."]
    return "\n".join(lines) + "\n"


def validate_ensemble(n: int, ensemble_file=None, out="docs", quick: bool = False, scenario: Scenario | None = None,
                      mapper=map) -> pd.DataFrame:
    """``painloop validate --ensemble N``: draw ``n`` sets (refused, saying how to make the
    ensemble, when none is shipped and no file is given), measure them, and write
    ``validation_ensemble.md`` and ``validation_ensemble.csv`` (the table) and
    ``validation_ensemble_measured.csv`` (per draw and seed) into ``out``. Returns the table."""
    from sim.running.files import write_into

    sets = ensemble_draws(n, ensemble_file)  # refuses before anything runs or is written
    settings = QUICK if quick else FULL
    started = time.time()
    measured = measure(sets, scenario=scenario, mapper=mapper, **settings)
    table = predictive(measured)
    text = markdown(table, n, settings, (time.time() - started) / 60, not_measured(measured))

    def write(tmp) -> None:
        (tmp / "validation_ensemble.md").write_text(text, encoding="utf-8")
        table.to_csv(tmp / "validation_ensemble.csv", index=False)
        measured.to_csv(tmp / "validation_ensemble_measured.csv", index=False)

    write_into(out, write)
    return table


__all__ = ["FULL", "QUICK", "markdown", "measure", "not_measured", "predictive", "validate_ensemble"]
