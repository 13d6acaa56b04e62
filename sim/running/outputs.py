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
from fnmatch import fnmatchcase
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
PARTS = ("summaries", "demography")
"""Parts of the daily row that :func:`daily_rows` may leave out (the rest is always computed)."""
"""People per block when summarising a day: a block's temporaries stay in cache (at 10^6
people the unblocked summary cost 40% as much as the day's update itself)."""
_CRP_LOG_RANGE = (float(np.log(0.01)), float(np.log(1000.0)))


def _bins(x: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """Histogram bin (0.._BINS-1) of each value of ``x`` on [lo, hi]."""
    idx = ((x - lo) / ((hi - lo) / _BINS)).astype(np.intp)
    return np.clip(idx, 0, _BINS - 1, out=idx)


def _hist_quantiles(counts: np.ndarray, lo, hi) -> np.ndarray:
    """QUANTILES of the values of each histogram (row) of ``counts`` on its [lo, hi] (arrays over
    rows, or numbers), linear within a bin: one row of quantiles per histogram."""
    lo, hi = np.asarray(lo, dtype=np.float64)[..., None], np.asarray(hi, dtype=np.float64)[..., None]
    width = (hi - lo) / _BINS
    cum = np.cumsum(counts, axis=1)
    rank = np.asarray(QUANTILES) * cum[:, -1:]
    b = np.stack([np.searchsorted(row, r, side="left") for row, r in zip(cum, rank)])
    flat, start = cum.ravel(), (np.arange(len(cum)) * _BINS)[:, None]
    before = np.where(b > 0, flat[start + b - 1], 0)
    inside = flat[start + b] - before
    share = np.divide(rank - before, inside, out=np.full(rank.shape, 0.5), where=inside != 0)
    return lo + width * (b + share)


def _grouped_bincount(bins: np.ndarray) -> np.ndarray:
    """Histogram counts of each row of ``bins`` (sets x people): sets x _BINS."""
    sets = bins.shape[0]
    codes = bins + (np.arange(sets, dtype=np.intp) * _BINS)[:, None]
    return np.bincount(codes.ravel(), minlength=sets * _BINS).reshape(sets, _BINS)


def _summaries(pop, sets: int, p) -> tuple[dict, dict]:
    """Means, histogram quantiles and threshold shares of the states of each of ``sets`` equal
    groups of consecutive people, one block of people at a time; values are arrays over sets.

    ``p`` holds the parameters as scalars, or per set shaped (sets, 1) (a batch's
    :meth:`sim.core.batch.BatchParams.by_set`). Each set's numbers are those of the set alone: every
    sum runs over the same people in the same order (NumPy reduces each row of a (sets, people)
    view as it reduces that row alone)."""
    n = pop.n // sets

    def view(name, rows):
        return getattr(pop, name).reshape(sets, n)[:, rows]

    internal = {"pain_nrs": "pain", "phq9": "low_mood", "activity_min_week": "activity", "sleep_psqi": "poor_sleep"}
    names = (*internal, "crp_mg_l")
    hist = np.zeros((len(names), sets, _BINS), dtype=np.int64)
    total = {name: np.zeros(sets) for name in (*names, *LATENT_MEANS)}
    shares = {name: np.zeros(sets, dtype=np.int64) for name in ("poor_sleep", "high_crp", "active_150")}
    for start in range(0, n, _BLOCK):
        rows = slice(start, start + _BLOCK)
        for k, (name, state) in enumerate(internal.items()):
            x = view(state, rows)
            total[name] += x.sum(axis=1)
            hist[k] += _grouped_bincount(_bins(x, 0.0, 1.0))
        crp = scales.crp_mg_l(view("inflammation", rows), view("crp_baseline", rows), p)
        total["crp_mg_l"] += crp.sum(axis=1, dtype=np.float64)
        hist[-1] += _grouped_bincount(_bins(np.log(crp), *_CRP_LOG_RANGE))
        shares["poor_sleep"] += np.count_nonzero(scales.sleep_psqi(view("poor_sleep", rows)) > scales.POOR_SLEEP_PSQI,
                                                 axis=1)
        shares["high_crp"] += np.count_nonzero(crp > scales.HIGH_CRP_MG_L, axis=1)
        shares["active_150"] += np.count_nonzero(scales.activity_min_week(view("activity", rows), p)
                                                 >= scales.ACTIVE_MIN_WEEK, axis=1)
        for name in LATENT_MEANS:
            total[name] += view(name, rows).sum(axis=1)
    # every histogram's quantiles at once: the internal 0-1 scales, then log CRP
    lo = np.repeat([0.0] * len(internal) + [_CRP_LOG_RANGE[0]], sets)
    hi = np.repeat([1.0] * len(internal) + [_CRP_LOG_RANGE[1]], sets)
    found = _hist_quantiles(hist.reshape(-1, _BINS), lo, hi).reshape(len(names), sets, len(QUANTILES))
    quantiles = {name: found[k] for k, name in enumerate(internal)}
    quantiles["crp_mg_l"] = np.exp(found[-1])
    return total, quantiles, shares


def _summary_columns(n: int, params: list, total, quantiles, shares) -> tuple[dict, dict]:
    """Every set's state summaries as daily-table columns: name -> list over sets of Python floats
    (``params``: each set's own parameters). The arithmetic is the one-set arithmetic elementwise
    (IEEE double either way), so each set's values are its solo run's."""
    # the linear scales, each the clinical value of an internal 1.0 (sim.core.scales is the one place)
    scale = {"pain_nrs": scales.pain_nrs(1.0), "phq9": scales.phq9(1.0),
             "activity_min_week": np.array([scales.activity_min_week(1.0, p) for p in params], dtype=np.float64),
             "sleep_psqi": scales.sleep_psqi(1.0)}
    cols = {}
    for name, factor in scale.items():
        cols[f"{name}_mean"] = (total[name] / n * factor).tolist()
        scaled = quantiles[name] * (factor[:, None] if isinstance(factor, np.ndarray) else factor)
        for j, q in enumerate(QUANTILES):
            cols[f"{name}_p{round(q * 100)}"] = scaled[:, j].tolist()
    cols["crp_mg_l_mean"] = (total["crp_mg_l"] / n).tolist()
    for j, q in enumerate(QUANTILES):
        cols[f"crp_mg_l_p{round(q * 100)}"] = quantiles["crp_mg_l"][:, j].tolist()
    cols.update({name: (v / n).tolist() for name, v in shares.items()})
    latent = {f"{name}_mean": (total[name] / n).tolist() for name in LATENT_MEANS}
    return cols, latent


def _utility_totals(pop, status, sets: int, p) -> np.ndarray:
    """Sum of everyone's EQ-5D utility in each set, a block at a time (temporaries stay in cache)."""
    n = pop.n // sets
    total = np.zeros(sets)
    for start in range(0, n, _BLOCK):
        rows = slice(start, start + _BLOCK)
        total += eq5d(scales.pain_nrs(pop.pain.reshape(sets, n)[:, rows]),
                      scales.phq9(pop.low_mood.reshape(sets, n)[:, rows]),
                      status.high_impact_pain.reshape(sets, n)[:, rows], p).sum(axis=1)
    return total


def _demographic_counts(pop, status, sets: int) -> dict:
    """People, and people with chronic pain and with depression, by set, age band and sex."""
    groups = 2 * len(AGE_BANDS)
    n = pop.n // sets
    code = np.searchsorted(_BAND_EDGES, pop.age_years, side="right") * 2 + (pop.female > 0.5)  # band * 2 + sex
    if sets > 1:
        code += np.repeat(np.arange(sets, dtype=code.dtype) * groups, n)
    shape = (sets, len(AGE_BANDS), 2)
    counts = {"size": np.bincount(code, minlength=sets * groups).reshape(shape)}
    for name, flags in (("chronic_pain", status.chronic_pain), ("depression", status.depressed)):
        counts[name] = np.bincount(code[flags], minlength=sets * groups).reshape(shape)
    counts["age_mean"] = pop.age_years.reshape(sets, n).mean(axis=1)
    return counts


def _demographic_columns(n: int, counts: dict) -> dict[str, list]:
    """Every set's prevalence of chronic pain and of depression by sex and by age band, mean age,
    share female: name -> list over sets."""
    cols = {}
    size = counts["size"]  # sets x bands x sex
    for name in ("chronic_pain", "depression"):
        hits = counts[name]
        with np.errstate(invalid="ignore", divide="ignore"):
            by_sex = hits.sum(1) / size.sum(1)
            by_band = hits.sum(2) / size.sum(2)
        cols[f"{name}_male"], cols[f"{name}_female"] = by_sex[:, 0].tolist(), by_sex[:, 1].tolist()
        for b, (_, _, label) in enumerate(AGE_BANDS):
            cols[f"{name}_age_{label}"] = by_band[:, b].tolist()
    cols["age_mean"] = np.asarray(counts["age_mean"], dtype=np.float64).tolist()
    cols["female_share"] = (size[:, :, 1].sum(1) / n).tolist()
    return cols


def demographic_rows(pop, status) -> dict[str, float]:
    """Prevalence of chronic pain and of depression by sex and by age band, mean age, share female."""
    return {name: values[0] for name, values in _demographic_columns(pop.n, _demographic_counts(pop, status, 1)).items()}


def daily_rows(day: int, pop, status, params: list, deliveries: list, demographies: list,
               p=None, parts=PARTS) -> list[dict[str, float]]:
    """One day's aggregate row (:func:`daily_row`) of each of ``len(params)`` sets of people held
    one after the other in ``pop`` and ``status`` (a batch of runs, :mod:`sim.core.batch`): set
    ``k`` has parameters ``params[k]``, interventions ``deliveries[k]`` and demography
    ``demographies[k]``. Each row is the one the set's own run would give, bit for bit.

    ``p`` is what the per-person summaries read: ``params[0]`` for one set (the default), a batch's
    :meth:`sim.core.batch.BatchParams.by_set` for several. ``parts`` (a subset of :data:`PARTS`)
    leaves out the state summaries (means, quantiles, shares of the states and latent means) or the
    demographic columns when not named: the other columns are the same, bit for bit, and a run
    that keeps only a few metrics (:class:`DailyTable` ``keep``) skips computing the rest."""
    unknown = set(parts) - set(PARTS)
    if unknown:
        raise ValueError(f"parts {sorted(unknown)} are not among {PARTS}")
    sets = len(params)
    n = pop.n // sets
    p = params[0] if p is None else p
    summaries = _summaries(pop, sets, p) if "summaries" in parts else None
    utility = _utility_totals(pop, status, sets, p)
    demography = _demographic_counts(pop, status, sets) if "demography" in parts else None

    def per_set(flags):
        return np.count_nonzero(flags.reshape(sets, n), axis=1)

    cp, dep = status.chronic_pain, status.depressed
    counts = {"chronic_pain": per_set(cp), "high_impact_pain": per_set(status.high_impact_pain),
              "depression": per_set(dep), "comorbid": per_set(cp & dep),
              **{name: per_set(flags) for name, flags in status.events.items()}}
    states, latent = _summary_columns(n, params, *summaries) if summaries is not None else ({}, {})
    demographic = _demographic_columns(n, demography) if demography is not None else {}
    rows = []
    for k in range(sets):
        row = {"day": day}
        row.update({name: values[k] for name, values in states.items()})
        n_cp, n_dep, n_both = int(counts["chronic_pain"][k]), int(counts["depression"][k]), int(counts["comorbid"][k])
        row["chronic_pain"] = n_cp / n
        row["high_impact_pain"] = int(counts["high_impact_pain"][k]) / n
        row["depression"] = n_dep / n
        row["comorbid"] = n_both / n
        row["depression_if_chronic_pain"] = n_both / n_cp if n_cp else np.nan
        row["depression_if_no_chronic_pain"] = (n_dep - n_both) / (n - n_cp) if n_cp < n else np.nan
        denominator = row["depression_if_no_chronic_pain"]
        row["depression_ratio"] = row["depression_if_chronic_pain"] / denominator if denominator else np.nan
        row.update({name: values[k] for name, values in demographic.items()})
        if demographies[k] is not None:
            row["deaths"], row["exits"] = demographies[k].day_deaths, demographies[k].day_exits
        row["utility_mean"] = float(utility[k]) / n
        for name in status.events:
            row[name] = int(counts[name][k])
        row.update({name: values[k] for name, values in latent.items()})
        row.update(_delivery_columns(list(deliveries[k]), demographies[k]))
        rows.append(row)
    return rows


def _delivery_columns(deliveries: list, demography) -> dict:
    """Each intervention's counts, and over all of them people reached and sessions delivered."""
    if not deliveries:
        return {}
    row = {}
    reached = np.zeros(deliveries[0].n, dtype=bool)
    for delivery in deliveries:
        row.update(delivery.counts())
        reached |= delivery.start >= 0
    row["people_reached"] = int(reached.sum()) + (demography.reached_departed if demography is not None else 0)
    row["sessions_delivered"] = int(sum(int(d.sessions.sum()) for d in deliveries))
    return row


def daily_row(day: int, pop, status, p, deliveries=(), demography=None, parts=PARTS) -> dict[str, float]:
    """One day's aggregate row for the whole population (and each intervention's counts);
    ``demography`` (the engine's :class:`sim.core.demography.Demography`) adds the day's deaths
    and exits and keeps ``people_reached`` cumulative over people who have left. ``parts``: see
    :func:`daily_rows`."""
    return daily_rows(day, pop, status, [p], [deliveries], [demography], parts=parts)[0]


class Keep:
    """Which metrics a run keeps: the names matching any of ``patterns`` (``fnmatch`` style,
    case-sensitive: ``"cohort_*"``, ``"*_sessions"``, ``"utility_mean"``); ``day`` always. An
    empty tuple keeps everything. Each name's answer is remembered (a run's names repeat daily)."""

    def __init__(self, patterns=()):
        self.patterns = tuple(patterns)
        self._seen: dict[str, bool] = {}

    def __bool__(self) -> bool:
        return bool(self.patterns)

    def wants(self, name: str) -> bool:
        """Whether the metric ``name`` is kept."""
        hit = self._seen.get(name)
        if hit is None:
            hit = self._seen[name] = (name == "day" or not self.patterns
                                      or any(fnmatchcase(name, pat) for pat in self.patterns))
        return hit

    def row(self, row: dict) -> dict:
        """The kept entries of one day's row."""
        return row if not self.patterns else {k: v for k, v in row.items() if self.wants(k)}


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
    """Observer: one aggregate row (:func:`daily_row`) for the day it starts on and every day after.

    ``keep`` (patterns, :class:`Keep`) keeps only the matching metrics, and skips computing the
    parts of the row (:data:`PARTS`) none of them comes from -- decided on the first day by
    comparing the full row with the reduced one, so a kept value is always the full row's."""

    def __init__(self, keep=()):
        self.rows: list[dict] = []
        self.keep = Keep(keep)
        self.parts = PARTS

    def _row(self, engine, parts) -> dict:
        return daily_row(engine.day, engine.pop, engine.status, engine.p, engine.deliveries.values(),
                         engine.demography, parts=parts)

    def start(self, engine) -> None:
        if self.keep:
            full = self.keep.row(self._row(engine, PARTS))
            for part in PARTS:
                fewer = tuple(x for x in self.parts if x != part)
                if set(full) <= set(self._row(engine, fewer)):
                    self.parts = fewer
        self.after_day(engine)

    def after_day(self, engine) -> None:
        self.rows.append(self.keep.row(self._row(engine, self.parts)))

    def frame(self) -> pd.DataFrame:
        """The rows so far as a DataFrame, one row per day."""
        return pd.DataFrame(self.rows)


class BatchDailyTable(Observer):
    """Observer of a :class:`sim.core.batch.BatchEngine`: each set's daily table, the one its own
    run's :class:`DailyTable` would record (:func:`daily_rows`)."""

    def start(self, batch) -> None:
        self.rows: list[list[dict]] = [[] for _ in batch.members]
        self._p = batch.p.by_set()
        self.after_day(batch)

    def after_day(self, batch) -> None:
        members = batch.members
        day = daily_rows(batch.day, batch.pop, batch.status, [m.p for m in members],
                         [m.deliveries.values() for m in members], [m.demography for m in members], self._p)
        for rows, row in zip(self.rows, day):
            rows.append(row)

    def frames(self) -> list[pd.DataFrame]:
        """Each set's rows so far as a DataFrame, one row per day."""
        return [pd.DataFrame(rows) for rows in self.rows]


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
