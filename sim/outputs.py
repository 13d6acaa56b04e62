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
* episode counts that day: ``chronic_pain_onsets``, ``chronic_pain_remissions``,
  ``depression_onsets``, ``depression_remissions`` (see :mod:`sim.scales`);
* means of the latent states: ``stress_mean``, ``sensitisation_mean``, ``deconditioning_mean``,
  ``social_support_mean``, ``tissue_mean``, ``rumination_mean``, ``mood_recovery_mean`` (internal 0-1 scale);
* per intervention ``NAME`` (cumulative counts of people or sessions): ``NAME_offered``,
  ``NAME_started``, ``NAME_in_treatment`` (that day), ``NAME_dropped_out``, ``NAME_sessions``;
  over all interventions ``people_reached`` (started any) and ``sessions_delivered``.

Panel (opt-in, ``panel_every=k``): one row per (day, agent) every k days with ``day``, ``agent``,
``pain_nrs``, ``phq9``, ``activity_min_week``, ``sleep_psqi``, ``crp_mg_l``, ``chronic_pain``,
``depressed``.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from . import scales
from .errors import InputError

CORE_OUTPUTS = scales.CLINICAL_KEYS
QUANTILES = (0.1, 0.5, 0.9)
_BINS = 2000
LATENT_MEANS = ("stress", "sensitisation", "deconditioning", "social_support", "tissue", "rumination",
                "mood_recovery")
PANEL_COLUMNS = ("day", "agent", *CORE_OUTPUTS, "chronic_pain", "depressed")


def _hist_quantiles(x: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """QUANTILES of ``x`` (values in [lo, hi]) from a histogram, linear within a bin."""
    width = (hi - lo) / _BINS
    idx = np.clip(((x - lo) / width).astype(np.int64), 0, _BINS - 1)
    cum = np.cumsum(np.bincount(idx, minlength=_BINS))
    out = np.empty(len(QUANTILES))
    for k, q in enumerate(QUANTILES):
        rank = q * x.size
        b = int(np.searchsorted(cum, rank, side="left"))
        before = cum[b - 1] if b > 0 else 0
        inside = cum[b] - before
        out[k] = lo + width * (b + ((rank - before) / inside if inside else 0.5))
    return out


def _summaries(pop, p) -> dict[str, float]:
    row = {}
    internal = {"pain_nrs": (pop.pain, 10.0), "phq9": (pop.low_mood, 27.0),
                "activity_min_week": (pop.activity, p.activity_max_min_week),
                "sleep_psqi": (pop.poor_sleep, 21.0)}
    for name, (x, scale) in internal.items():
        row[f"{name}_mean"] = float(x.mean()) * scale
        for q, v in zip(QUANTILES, _hist_quantiles(x, 0.0, 1.0) * scale):
            row[f"{name}_p{round(q * 100)}"] = float(v)
    crp = scales.crp_mg_l(pop.inflammation, pop.crp_baseline, p)
    row["crp_mg_l_mean"] = float(crp.mean())
    log_q = _hist_quantiles(np.log(crp), np.log(0.01), np.log(1000.0))
    for q, v in zip(QUANTILES, np.exp(log_q)):
        row[f"crp_mg_l_p{round(q * 100)}"] = float(v)
    row["poor_sleep"] = float(np.mean(pop.poor_sleep * 21.0 > scales.POOR_SLEEP_PSQI))
    row["high_crp"] = float(np.mean(crp > scales.HIGH_CRP_MG_L))
    row["active_150"] = float(np.mean(pop.activity * p.activity_max_min_week >= 150.0))
    return row


def daily_row(day: int, pop, status, p, deliveries=()) -> dict[str, float]:
    """One day's aggregate row for the whole population (and each intervention's counts)."""
    row = {"day": day}
    row.update(_summaries(pop, p))
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
    for name, flags in status.events.items():
        row[name] = int(flags.sum())
    for name in LATENT_MEANS:
        row[f"{name}_mean"] = float(getattr(pop, name).mean())
    deliveries = list(deliveries)
    if deliveries:
        reached = np.zeros(pop.n, dtype=bool)
        for delivery in deliveries:
            row.update(delivery.counts())
            reached |= delivery.start >= 0
        row["people_reached"] = int(reached.sum())
        row["sessions_delivered"] = int(sum(int(d.sessions.sum()) for d in deliveries))
    return row


def panel_rows(day: int, pop, status, p) -> pd.DataFrame:
    """Every person's clinical outputs on one day (one panel wave)."""
    data = {"day": np.full(pop.n, day, dtype=np.int32), "agent": np.arange(pop.n, dtype=np.int32)}
    data.update({k: v.astype(np.float32) for k, v in scales.clinical(pop, p).items()})
    data["chronic_pain"] = status.chronic_pain.copy()
    data["depressed"] = status.depressed.copy()
    return pd.DataFrame(data)


@dataclass
class Result:
    """What :func:`sim.simulate` returns: the daily table, an optional panel and the run's facts."""

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
        return write_atomically(folder, lambda tmp: self._write(tmp))

    def _write(self, tmp: Path) -> None:
        self.daily.to_parquet(tmp / "daily.parquet", index=False)
        if self.panel is not None:
            self.panel.to_parquet(tmp / "panel.parquet", index=False)
        (tmp / "scenario.toml").write_text(self.scenario.to_toml(), encoding="utf-8")
        (tmp / "meta.json").write_text(json.dumps(self.meta, indent=2, default=str), encoding="utf-8")


def check_writable(folder) -> Path:
    """Create ``folder`` if needed and check files can be written there; ValueError if not."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".painloop-check-"):
            pass
    except OSError as err:
        raise InputError(f"output folder '{folder}' is not writable ({err.strerror or err})") from None
    return folder


def write_atomically(folder: Path, write) -> Path:
    """Call ``write(tmp)`` on a fresh temporary folder, then move its files into ``folder``."""
    folder = check_writable(folder)
    tmp = Path(tempfile.mkdtemp(dir=folder, prefix=".painloop-tmp-"))
    try:
        write(tmp)
        for item in sorted(tmp.iterdir()):
            os.replace(item, folder / item.name)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return folder
