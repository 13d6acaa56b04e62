"""Outputs: daily aggregates in clinical units, sampled per-person panels, and the Result.

Daily table (one row per day, ``day`` 0..days):

* for each core output ``X`` in ``pain_nrs``, ``phq9``, ``activity_min_week``, ``sleep_psqi``,
  ``crp_mg_l``: ``X_mean``, ``X_p10``, ``X_p50``, ``X_p90``. Quantiles are read off a
  2,000-bin histogram of the state (log-spaced for CRP), so they cost O(people) and are exact to
  1/2,000 of the scale (0.005 NRS, 0.014 PHQ-9 points);
* prevalences (shares of all people): ``chronic_pain``, ``high_impact_pain``, ``depression``,
  ``comorbid`` (both), ``poor_sleep`` (PSQI > 5), ``high_crp`` (> 3 mg/L),
  ``active_150`` (>= 150 min/week);
* ``depression_if_chronic_pain`` and ``depression_if_no_chronic_pain`` (prevalence of depression
  among people with / without chronic pain) and their ratio ``depression_ratio``;
* by sex and age band (:data:`AGE_BANDS`; ``sim.core.demography``): ``chronic_pain_female``,
  ``chronic_pain_male``, ``depression_female``, ``depression_male``, ``chronic_pain_age_18_34``,
  ``..._35_49``, ``..._50_64``, ``..._65_plus`` and the same for ``depression_age_...`` (shares of
  the people of that sex or band), ``age_mean`` (years) and ``female_share``;
  ``deaths`` and ``exits`` (people who died, and who reached the exit age, that day);
* ``utility_mean``: mean EQ-5D-3L utility (:mod:`sim.core.utility`), what QALYs accumulate;
* episode counts that day: ``chronic_pain_onsets``, ``chronic_pain_remissions``,
  ``depression_onsets``, ``depression_remissions`` (see :mod:`sim.core.scales`);
* means of the latent states: ``stress_mean``, ``sensitisation_mean``, ``deconditioning_mean``,
  ``social_support_mean``, ``tissue_mean``, ``rumination_mean``, ``mood_recovery_mean`` (internal 0-1 scale);
* per intervention ``NAME`` (cumulative counts of people or sessions): ``NAME_offered``,
  ``NAME_started``, ``NAME_in_treatment`` (that day), ``NAME_dropped_out``, ``NAME_sessions``;
  over all interventions ``people_reached`` (started any) and ``sessions_delivered``.

Panel (opt-in, ``panel_every=k``): one row per (day, agent) every k days with ``day``, ``agent``
(the row), ``person_id`` (who holds the row: a row changes hands when someone dies or ages out,
so follow people by ``person_id``), ``age`` (years), ``sex`` ("female"/"male"), ``pain_nrs``,
``phq9``, ``activity_min_week``, ``sleep_psqi``, ``crp_mg_l``, ``chronic_pain``, ``depressed``.

Both are made by observers of the engine's day loop (:class:`sim.core.engine.Observer`):
:class:`DailyTable` and :class:`PanelWaves`.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from sim.core import scales
from sim.core.utility import eq5d
from sim.core.engine import Observer
from sim.core.state import LATENT
from sim.running.files import check_writable, make_folder, write_into

CORE_OUTPUTS = scales.CLINICAL_KEYS
QUANTILES = (0.1, 0.5, 0.9)
_BINS = 2000
LATENT_MEANS = LATENT
PANEL_COLUMNS = ("day", "agent", "person_id", "age", "sex", *CORE_OUTPUTS, "chronic_pain", "depressed")
AGE_BANDS = ((18, 35, "18_34"), (35, 50, "35_49"), (50, 65, "50_64"), (65, 200, "65_plus"))
"""Age bands of the daily table (lower age, upper age excluded, column suffix): close to the bands
of NHIS (18-44, 45-64, 65+) and of Brody 2018 (20-39, 40-59, 60+) while splitting working age;
people younger than 18 (an entry age below 18) count in the first band."""
_BAND_EDGES = np.array([band[1] for band in AGE_BANDS[:-1]], dtype=np.float64)


_BLOCK = 1 << 16
"""People per block when summarising a day: a block's temporaries stay in cache (at 10^6
people the unblocked summary cost 40% as much as the day's update itself)."""
_CRP_LOG_RANGE = (float(np.log(0.01)), float(np.log(1000.0)))


def _bins(x: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """Histogram bin (0.._BINS-1) of each value of ``x`` on [lo, hi]."""
    idx = ((x - lo) / ((hi - lo) / _BINS)).astype(np.intp)
    return np.clip(idx, 0, _BINS - 1, out=idx)


def _hist_quantiles(counts: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """QUANTILES of values with histogram ``counts`` on [lo, hi], linear within a bin."""
    width = (hi - lo) / _BINS
    cum = np.cumsum(counts)
    out = np.empty(len(QUANTILES))
    for k, q in enumerate(QUANTILES):
        rank = q * cum[-1]
        b = int(np.searchsorted(cum, rank, side="left"))
        before = cum[b - 1] if b > 0 else 0
        inside = cum[b] - before
        out[k] = lo + width * (b + ((rank - before) / inside if inside else 0.5))
    return out


def _summaries(pop, p) -> dict[str, float]:
    """Means, histogram quantiles and threshold shares of the states, one block at a time."""
    # the linear scales, each the clinical value of an internal 1.0 (sim.core.scales is the one place)
    internal = {"pain_nrs": ("pain", scales.pain_nrs(1.0)), "phq9": ("low_mood", scales.phq9(1.0)),
                "activity_min_week": ("activity", scales.activity_min_week(1.0, p)),
                "sleep_psqi": ("poor_sleep", scales.sleep_psqi(1.0))}
    names = (*internal, "crp_mg_l")
    hist = np.zeros((len(names), _BINS), dtype=np.int64)
    total = dict.fromkeys((*names, *LATENT_MEANS), 0.0)
    shares = dict.fromkeys(("poor_sleep", "high_crp", "active_150"), 0)
    for start in range(0, pop.n, _BLOCK):
        rows = slice(start, start + _BLOCK)
        for k, (name, (state, _)) in enumerate(internal.items()):
            x = getattr(pop, state)[rows]
            total[name] += float(x.sum())
            hist[k] += np.bincount(_bins(x, 0.0, 1.0), minlength=_BINS)
        crp = scales.crp_mg_l(pop.inflammation[rows], pop.crp_baseline[rows], p)
        total["crp_mg_l"] += float(crp.sum(dtype=np.float64))
        hist[-1] += np.bincount(_bins(np.log(crp), *_CRP_LOG_RANGE), minlength=_BINS)
        shares["poor_sleep"] += int(np.count_nonzero(scales.sleep_psqi(pop.poor_sleep[rows]) > scales.POOR_SLEEP_PSQI))
        shares["high_crp"] += int(np.count_nonzero(crp > scales.HIGH_CRP_MG_L))
        shares["active_150"] += int(np.count_nonzero(scales.activity_min_week(pop.activity[rows], p)
                                                     >= scales.ACTIVE_MIN_WEEK))
        for name in LATENT_MEANS:
            total[name] += float(getattr(pop, name)[rows].sum())
    row = {}
    for k, (name, (_, scale)) in enumerate(internal.items()):
        row[f"{name}_mean"] = total[name] / pop.n * scale
        for q, v in zip(QUANTILES, _hist_quantiles(hist[k], 0.0, 1.0) * scale):
            row[f"{name}_p{round(q * 100)}"] = float(v)
    row["crp_mg_l_mean"] = total["crp_mg_l"] / pop.n
    for q, v in zip(QUANTILES, np.exp(_hist_quantiles(hist[-1], *_CRP_LOG_RANGE))):
        row[f"crp_mg_l_p{round(q * 100)}"] = float(v)
    row.update({k: v / pop.n for k, v in shares.items()})
    latent = {f"{name}_mean": total[name] / pop.n for name in LATENT_MEANS}
    return row, latent


def _utility_total(pop, status, p) -> float:
    """Sum of everyone's EQ-5D utility, a block at a time (temporaries stay in cache)."""
    total = 0.0
    for start in range(0, pop.n, _BLOCK):
        rows = slice(start, start + _BLOCK)
        total += float(eq5d(scales.pain_nrs(pop.pain[rows]), scales.phq9(pop.low_mood[rows]),
                            status.high_impact_pain[rows], p).sum())
    return total


def demographic_rows(pop, status) -> dict[str, float]:
    """Prevalence of chronic pain and of depression by sex and by age band, mean age, share female."""
    row = {}
    female = pop.female > 0.5
    groups = 2 * len(AGE_BANDS)
    code = np.searchsorted(_BAND_EDGES, pop.age_years, side="right") * 2 + female  # band * 2 + sex
    size = np.bincount(code, minlength=groups).reshape(len(AGE_BANDS), 2)
    for name, flags in (("chronic_pain", status.chronic_pain), ("depression", status.depressed)):
        hits = np.bincount(code[flags], minlength=groups).reshape(len(AGE_BANDS), 2)
        with np.errstate(invalid="ignore", divide="ignore"):
            by_sex = hits.sum(0) / size.sum(0)
            by_band = hits.sum(1) / size.sum(1)
        row[f"{name}_male"], row[f"{name}_female"] = float(by_sex[0]), float(by_sex[1])
        for (_, _, label), share in zip(AGE_BANDS, by_band):
            row[f"{name}_age_{label}"] = float(share)
    row["age_mean"] = float(pop.age_years.mean())
    row["female_share"] = float(size[:, 1].sum() / pop.n)
    return row


def daily_row(day: int, pop, status, p, deliveries=(), demography=None) -> dict[str, float]:
    """One day's aggregate row for the whole population (and each intervention's counts);
    ``demography`` (the engine's :class:`sim.core.demography.Demography`) adds the day's deaths
    and exits and keeps ``people_reached`` cumulative over people who have left."""
    row = {"day": day}
    states, latent = _summaries(pop, p)
    row.update(states)
    cp, dep = status.chronic_pain, status.depressed
    n_cp = int(cp.sum())
    row["chronic_pain"] = n_cp / pop.n
    row["high_impact_pain"] = float(status.high_impact_pain.mean())
    row["depression"] = float(dep.mean())
    row["comorbid"] = float(np.mean(cp & dep))
    row["depression_if_chronic_pain"] = float(dep[cp].mean()) if n_cp else np.nan
    row["depression_if_no_chronic_pain"] = float(dep[~cp].mean()) if n_cp < pop.n else np.nan
    denominator = row["depression_if_no_chronic_pain"]
    row["depression_ratio"] = row["depression_if_chronic_pain"] / denominator if denominator else np.nan
    row.update(demographic_rows(pop, status))
    if demography is not None:
        row["deaths"], row["exits"] = demography.day_deaths, demography.day_exits
    row["utility_mean"] = _utility_total(pop, status, p) / pop.n
    for name, flags in status.events.items():
        row[name] = int(flags.sum())
    row.update(latent)
    deliveries = list(deliveries)
    if deliveries:
        reached = np.zeros(pop.n, dtype=bool)
        for delivery in deliveries:
            row.update(delivery.counts())
            reached |= delivery.start >= 0
        row["people_reached"] = int(reached.sum()) + (demography.reached_departed if demography is not None else 0)
        row["sessions_delivered"] = int(sum(int(d.sessions.sum()) for d in deliveries))
    return row


def panel_rows(day: int, pop, status, p, who: np.ndarray | None = None) -> pd.DataFrame:
    """Clinical outputs of everyone (or of the rows ``who``) on one day: one panel wave."""
    rows = slice(None) if who is None else who
    agent = np.arange(pop.n, dtype=np.int32) if who is None else who.astype(np.int32)
    data = {"day": np.full(agent.size, day, dtype=np.int32), "agent": agent,
            "person_id": pop.person_id[rows].copy(),
            "age": np.asarray(pop.age_years[rows], dtype=np.float32),
            "sex": pd.Categorical(np.where(pop.female[rows] > 0.5, "female", "male"),
                                  categories=("female", "male"))}
    data.update({k: np.asarray(v[rows], dtype=np.float32) for k, v in scales.clinical(pop, p).items()})
    data["chronic_pain"] = status.chronic_pain[rows].copy()
    data["depressed"] = status.depressed[rows].copy()
    return pd.DataFrame(data)


class DailyTable(Observer):
    """Observer: one aggregate row (:func:`daily_row`) for the day it starts on and every day after."""

    def __init__(self):
        self.rows: list[dict] = []

    def start(self, engine) -> None:
        self.after_day(engine)

    def after_day(self, engine) -> None:
        self.rows.append(daily_row(engine.day, engine.pop, engine.status, engine.p, engine.deliveries.values(),
                                   engine.demography))

    def frame(self) -> pd.DataFrame:
        """The rows so far as a DataFrame, one row per day."""
        return pd.DataFrame(self.rows)


class PanelWaves(Observer):
    """Observer: a panel wave (:func:`panel_rows`) on the day it starts on and every ``every``
    days after, of everyone or of the rows ``who``; streamed to ``writer`` (a
    :class:`PanelWriter`) if given, else kept in :attr:`waves`."""

    def __init__(self, every: int, who: np.ndarray | None = None, writer=None):
        self.every, self.who, self.writer = every, who, writer
        self.waves: list[pd.DataFrame] = []
        self._first = None

    def start(self, engine) -> None:
        self._first = engine.day
        self._record(engine)

    def after_day(self, engine) -> None:
        if (engine.day - self._first) % self.every == 0:
            self._record(engine)

    def _record(self, engine) -> None:
        wave = panel_rows(engine.day, engine.pop, engine.status, engine.p, self.who)
        if self.writer is not None:
            self.writer.write(wave)
        else:
            self.waves.append(wave)

    def frame(self) -> pd.DataFrame | None:
        """The waves kept in memory as one DataFrame (None when streamed to a writer or empty)."""
        return pd.concat(self.waves, ignore_index=True) if self.waves else None


class PanelWriter:
    """Streams panel waves into one Parquet file, one row group per wave.

    The file is written under a hidden temporary name beside ``path`` and renamed when
    :meth:`close` succeeds, so a crash leaves no half-written panel; :meth:`abort` removes the
    temporary file (and does nothing after a successful close).
    """

    def __init__(self, path):
        self.path = Path(path)
        make_folder(check_writable(self.path.parent))
        self._tmp = self.path.with_name(f".{self.path.name}.partial")
        self._writer = None

    def write(self, wave: pd.DataFrame) -> None:
        """Append one wave to the file as a row group."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.Table.from_pandas(wave, preserve_index=False)
        if self._writer is None:
            self._writer = pq.ParquetWriter(self._tmp, table.schema)
        self._writer.write_table(table)

    def close(self) -> None:
        """Finish the file and move it to ``path`` (at least one wave must have been written)."""
        self._writer.close()
        self._writer = None
        os.replace(self._tmp, self.path)

    def abort(self) -> None:
        """Give up: close and remove the temporary file, leaving nothing behind."""
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        self._tmp.unlink(missing_ok=True)


@dataclass
class Result:
    """What :func:`sim.simulate` returns: the daily table, an optional panel and the run's facts.

    Args:
        daily: one row per day 0..days; the columns are listed in the README ("Output columns").
        scenario: the scenario that ran.
        seed: its seed.
        engine: ``"vector"`` or ``"agents"``.
        panel: people's clinical states every ``panel_every`` days, if asked for.
        meta: timings, versions and sizes of the run.

    Examples:
        >>> result = sim.simulate(sim.Scenario(n_agents=300, days=30, burn_in_days=90), seed=1)
        >>> sorted(result.summary())[:3]
        ['chronic_pain', 'comorbid', 'depression']
    """

    daily: pd.DataFrame
    scenario: object
    seed: int
    engine: str
    panel: pd.DataFrame | None = None
    meta: dict = field(default_factory=dict)

    def summary(self, last_days: int = 90) -> dict[str, float]:
        """Mean of the headline prevalences over the last ``last_days`` days."""
        tail = self.daily.tail(min(last_days, len(self.daily)))
        keys = ("chronic_pain", "high_impact_pain", "depression", "comorbid",
                "depression_if_chronic_pain", "depression_if_no_chronic_pain", "depression_ratio",
                "pain_nrs_mean", "phq9_mean")
        return {k: float(tail[k].mean()) for k in keys}

    def to_parquet(self, folder) -> Path:
        """Write ``daily.parquet``, ``panel.parquet`` (if any), ``scenario.toml`` and ``meta.json``.

        Files appear all at once: they are written to a temporary folder beside ``folder`` and
        moved in only when complete, so a failed write leaves nothing half-written.
        """
        folder = Path(folder)
        return write_into(folder, lambda tmp: self._write(tmp))

    def _write(self, tmp: Path) -> None:
        self.daily.to_parquet(tmp / "daily.parquet", index=False)
        if self.panel is not None:
            self.panel.to_parquet(tmp / "panel.parquet", index=False)
        (tmp / "scenario.toml").write_text(self.scenario.to_toml(), encoding="utf-8")
        (tmp / "meta.json").write_text(json.dumps(self.meta, indent=2, default=str), encoding="utf-8")
