"""Per-person costs and QALYs of each arm and seed, from what a run records each day.

A run's daily table (:func:`sim.run_experiment`) already holds what economics needs:

* quality of life: ``cohort_utility_mean`` (followed cohort) or ``utility_mean`` (everyone),
  the mean EQ-5D utility of that day (:mod:`sim.core.utility`);
* background health-care costs and lost work: the shares in each state that day
  (``cohort_chronic_pain``, ``cohort_depression``, ``cohort_comorbid``, or the population's);
* intervention costs: the cumulative ``NAME_sessions`` (attended sessions; a drug's daily
  doses) and ``NAME_started`` (courses started) of each intervention.

Costs and QALYs are *per person* of the followed cohort (``per="cohort"``: the people with
chronic pain on day 0, to whom the standard arms offer their interventions; what a trial
reports) or of the whole town (``per="population"``: any scenario, spill-overs through the
network included). Day ``d`` (1..365 x years) counts 1/365 of a year; day 0's deliveries are
costed on day 0. Everything is discounted continuously, ``(1 + r) ** -t`` at the middle of the
day (``t`` in years), with separate rates for costs and effects.

Unit costs are parameters (``costs`` group of :mod:`sim.core.parameters`, one set per
currency), read from the scenario so that a TOML file or ``Scenario(...)`` can change them. Each
intervention kind declares its own session and start costs beside its effect
(:mod:`sim.interventions.kinds`); the background costs by state are in :mod:`sim.core.parameters`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.core.errors import InputError
from sim.core.parameters import CURRENCIES, PARAMETERS

PERSPECTIVES = ("health_care", "societal")
BASES = ("cohort", "population")
DAYS_PER_YEAR = 365
DEFAULT_DISCOUNT = {"gbp": 0.035, "usd": 0.03}
"""NICE 2022 methods manual: 3.5% for costs and effects; US Second Panel (Sanders 2016): 3%."""
STATES = ("chronic_pain", "depression", "comorbid")


@dataclass(frozen=True)
class UnitCosts:
    """The unit costs of one currency, read from a scenario's parameter values."""

    currency: str
    session: dict
    """intervention kind -> cost of one attended session (or one day's dose)."""
    start: dict
    """intervention kind -> cost of starting a course."""
    year: dict
    """state (chronic_pain, depression, comorbid: exclusive) -> excess cost per person-year."""
    lost_work_share: dict
    """same states -> share of days lost from work."""
    work_day: float

    @classmethod
    def from_values(cls, values: dict, currency: str) -> UnitCosts:
        """The unit costs in ``currency`` read from parameter values (``cost_*_session_*``,
        ``cost_*_start_*``, ``cost_*_year_*``).

        Raises:
            InputError: an unknown currency.
        """
        if currency not in CURRENCIES:
            raise InputError(f"currency = {currency!r} must be one of {', '.join(CURRENCIES)}")
        kinds = sorted({k[len("cost_"):-len("_session_") - len(currency)]
                        for k in values if k.startswith("cost_") and k.endswith(f"_session_{currency}")})
        return cls(currency,
                   {k: values[f"cost_{k}_session_{currency}"] for k in kinds},
                   {k: values[f"cost_{k}_start_{currency}"] for k in kinds},
                   {s: values[f"cost_{s}_year_{currency}"] for s in STATES},
                   {s: values[f"lost_work_share_{s}"] for s in STATES},
                   values[f"cost_work_day_{currency}"])

    def scaled(self, factor: float) -> UnitCosts:
        """Every unit cost times ``factor`` (shares of days lost are not costs and stay)."""
        times = lambda d: {k: v * factor for k, v in d.items()}  # noqa: E731
        return UnitCosts(self.currency, times(self.session), times(self.start), times(self.year),
                         dict(self.lost_work_share), self.work_day * factor)


def discount_factors(days: np.ndarray, rate: float) -> np.ndarray:
    """``(1 + rate) ** -t`` at the middle of each day ``t = (day - 0.5) / 365`` (day 0 at t=0)."""
    t = np.maximum(np.asarray(days, dtype=float) - 0.5, 0.0) / DAYS_PER_YEAR
    return (1.0 + rate) ** -t


def _check(perspective: str, per: str, horizon_days: int, last_day: int) -> None:
    if perspective not in PERSPECTIVES:
        raise InputError(f"perspective = {perspective!r} must be one of {', '.join(PERSPECTIVES)}")
    if per not in BASES:
        raise InputError(f"per = {per!r} must be one of {', '.join(BASES)}")
    if not 1 <= horizon_days <= last_day:
        raise InputError(f"horizon of {horizon_days} days is longer than the run ({last_day} days)")


def _state_shares(frame: pd.DataFrame, prefix: str) -> dict[str, np.ndarray]:
    """Exclusive shares: chronic pain only, depression only, both."""
    both = frame[f"{prefix}comorbid"].to_numpy(float)
    return {"chronic_pain": frame[f"{prefix}chronic_pain"].to_numpy(float) - both,
            "depression": frame[f"{prefix}depression"].to_numpy(float) - both,
            "comorbid": both}


def arm_totals(wide: pd.DataFrame, arms: dict, costs: UnitCosts,
               horizon_days: int, perspective: str = "health_care", per: str = "cohort",
               discount_costs: float = 0.0, discount_effects: float = 0.0) -> pd.DataFrame:
    """Per-person discounted costs (by component) and QALYs of every arm and seed.

    Args:
        wide: one row per (arm, seed, day) with the run's metrics as columns
            (:meth:`ExperimentResult.wide`).
        arms: arm -> Scenario (its interventions price the ``NAME_sessions`` columns; its
            ``n_agents`` is the base of ``per="population"``).
        horizon_days: days 1..horizon_days count (day 0's deliveries too).

    Returns one row per (arm, seed): ``qalys``, ``cost`` (the perspective's total),
    ``cost_interventions``, ``cost_background``, ``cost_productivity`` (0 unless societal),
    ``life_years`` (undiscounted, for when deaths exist) and ``people`` (the per-person base).
    """
    last_day = int(wide["day"].max())
    _check(perspective, per, horizon_days, last_day)
    prefix = "cohort_" if per == "cohort" else ""
    utility_key = f"{prefix}utility_mean"
    if utility_key not in wide:
        raise InputError(f"the run has no '{utility_key}' column: rerun it with this version")
    rows = []
    for (arm, seed), frame in wide[wide["day"] <= horizon_days].groupby(["arm", "seed"], observed=True, sort=False):
        frame = frame.sort_values("day")
        day = frame["day"].to_numpy()
        scenario = arms[arm]
        people = float(frame["cohort_size"].iloc[-1]) if per == "cohort" else float(scenario.n_agents)
        # Deaths (natural-history issue) will add the alive share; until then everyone lives.
        alive = frame[f"{prefix}alive"].to_numpy(float) if f"{prefix}alive" in frame else np.ones(len(frame))
        lived = (day >= 1) * alive / DAYS_PER_YEAR
        d_costs, d_effects = discount_factors(day, discount_costs), discount_factors(day, discount_effects)
        qalys = float(np.sum(frame[utility_key].to_numpy(float) * lived * d_effects))
        shares = _state_shares(frame, prefix)
        background = sum(shares[s] * costs.year[s] for s in STATES) * lived
        lost = sum(shares[s] * costs.lost_work_share[s] for s in STATES) * costs.work_day * (day >= 1) * alive
        delivered = np.zeros(len(frame))
        for item in scenario.interventions:
            name, kind = item.name, item.kind
            if kind not in costs.session:
                raise InputError(f"intervention kind '{kind}' has no unit costs in {costs.currency.upper()}: give "
                                 f"its kind entry costs={{'{costs.currency}': UnitCost(session, start, source)}} "
                                 f"(sim.interventions.kinds), which adds cost_{kind}_session_{costs.currency} and "
                                 f"cost_{kind}_start_{costs.currency} to the parameter table")
            for column, price in ((f"{name}_sessions", costs.session[kind]), (f"{name}_started", costs.start[kind])):
                cumulative = frame[column].fillna(0.0).to_numpy(float)
                delivered += np.diff(cumulative, prepend=0.0) * price
        delivered /= people
        row = {"arm": arm, "seed": int(seed), "qalys": qalys,
               "cost_interventions": float(np.sum(delivered * d_costs)),
               "cost_background": float(np.sum(background * d_costs)),
               "cost_productivity": float(np.sum(lost * d_costs)) if perspective == "societal" else 0.0,
               "life_years": float(np.sum(lived)), "people": people}
        row["cost"] = row["cost_interventions"] + row["cost_background"] + row["cost_productivity"]
        rows.append(row)
    return pd.DataFrame(rows)


UNVERIFIED = "as recalled"
"""The phrase a cost's source carries while a figure in it has not been found in a readable source."""


def sources_table() -> str:
    """Every cost parameter with its default, unit and source, as a Markdown table (the report's
    and the validation page's 'Unit costs and their sources'); a source that still holds a figure
    not found in any readable source says so, and the status column flags it."""
    lines = ["| parameter | default | unit | status | source |", "|---|---:|---|---|---|"]
    for p in PARAMETERS:
        if p.group != "costs":
            continue
        status = "holds an unverified figure" if UNVERIFIED in p.source else "checked against the source"
        source = p.source.replace("|", "/")
        lines.append(f"| `{p.name}` | {p.default:g} | {p.unit} | {status} | {source} |")
    return "\n".join(lines)
