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
METRICS = ("cohort_size", "cohort_alive", "cohort_died", "cohort_aged_out_female", "cohort_aged_out_male",
           "cohort_utility_mean", *(f"cohort_{s}" for s in STATES), "utility_mean", *STATES,
           "*_sessions", "*_started")
"""The metrics economics reads from a run (patterns, :func:`sim.run_experiment` ``metrics``): the
cohort's size, survival, utility and state shares, the population's utility and state shares
(``per="population"``), and every intervention's cumulative sessions and starts. A run that keeps
only these (``painloop cea`` does) gives the same costs and QALYs, bit for bit, as one that keeps
everything, in about a sixth of the memory (tests/test_cea.py)."""


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
    after_exit_year: float = 0.0
    """Health-care cost per person-year of a cohort member after the exit age (life-table closure)."""

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
                   values[f"cost_work_day_{currency}"], values[f"cost_after_exit_year_{currency}"])

    def scaled(self, factor: float) -> UnitCosts:
        """Every unit cost times ``factor`` (shares of days lost are not costs and stay)."""
        times = lambda d: {k: v * factor for k, v in d.items()}  # noqa: E731
        return UnitCosts(self.currency, times(self.session), times(self.start), times(self.year),
                         dict(self.lost_work_share), self.work_day * factor, self.after_exit_year * factor)


def discount_factors(days: np.ndarray, rate: float) -> np.ndarray:
    """``(1 + rate) ** -t`` at the middle of each day ``t = (day - 0.5) / 365`` (day 0 at t=0)."""
    t = np.maximum(np.asarray(days, dtype=float) - 0.5, 0.0) / DAYS_PER_YEAR
    return (1.0 + rate) ** -t


AFTER_EXIT_YEARS = 50
"""How far past the exit age the life-table closure runs (survival from 85 to 135 is below 1e-6)."""
ARA_BRAZIER = (0.9508566, 0.0212126, -0.0002587, -0.0000332)
"""General-population EQ-5D-3L (UK tariff) by age and sex: intercept, male, age, age squared --
Ara & Brazier 2010 (Value Health 13:509-518; Health Survey for England 2003 and 2006), the model
``0.9508566 + 0.0212126 male - 0.0002587 age - 0.0000332 age^2`` as quoted in the ISPOR abstract
PNS17 'Adjusting general population utility: preliminary results from an update of the published
UK regression model' (checked there, not in the paper itself). The utility of the people who
reach the exit age alive, from then on (85 years: 0.710 men, 0.689 women)."""


def general_population_utility(age, male) -> np.ndarray:
    """:data:`ARA_BRAZIER` at each (age in years, male 0/1)."""
    a, m, b_age, b_age2 = ARA_BRAZIER
    age = np.asarray(age, dtype=float)
    return a + m * np.asarray(male, dtype=float) + b_age * age + b_age2 * age ** 2


def after_exit_curves(exit_age: float, female: int, rate: float) -> dict[str, np.ndarray]:
    """What one person who reaches ``exit_age`` alive on some day ``tau`` lives from then on, per
    day ``k = 0, 1, ...`` after ``tau`` (day ``tau`` itself is ``k = 0``: the model stopped counting
    them on it), as cumulative sums to read at any horizon:

    * ``years``: undiscounted life-years, survival ``S(k)`` by the life table's daily death
      probabilities (:func:`sim.core.demography.daily_death_probability`; beyond the table's last age,
      99, its last ``qx`` holds) / 365;
    * ``utility``: ``S(k) u(age) (1 + rate) ** -((k - 0.5) / 365) / 365`` with ``u`` the
      general-population utility (:func:`general_population_utility`);
    * ``alive``: ``S(k) (1 + rate) ** -((k - 0.5) / 365) / 365`` (times a yearly cost, the
      discounted cost).

    The discount of the days before ``tau`` is ``(1 + rate) ** -(tau / 365)``, applied by the caller.
    """
    from sim.core.demography import DAYS_PER_YEAR as TABLE_DAYS
    from sim.core.demography import daily_death_probability

    k = np.arange(AFTER_EXIT_YEARS * DAYS_PER_YEAR)
    age = exit_age + k / TABLE_DAYS
    p = daily_death_probability(age, np.full(k.size, female))
    survival = np.concatenate(([1.0], np.cumprod(1.0 - p[1:])))
    weight = survival * (1.0 + rate) ** -((k - 0.5) / DAYS_PER_YEAR) / DAYS_PER_YEAR
    return {"years": np.cumsum(survival) / DAYS_PER_YEAR,
            "utility": np.cumsum(weight * general_population_utility(age, 1 - female)),
            "alive": np.cumsum(weight)}


def _after_exit(frame: pd.DataFrame, day: np.ndarray, horizon_days: int | None, exit_age: float,
                rates: tuple[float, float], cost_year: float) -> dict[str, float]:
    """Life-years, QALYs and cost per cohort-day member after the exit age, up to the horizon day
    (``None``: lifetime), of the members who reached the exit age alive: the share aged out on day
    ``tau`` (``cohort_aged_out_*`` increments) times :func:`after_exit_curves` read at
    ``horizon - tau`` and discounted to ``tau``."""
    out = {"life_years": 0.0, "qalys": 0.0, "cost": 0.0}
    r_costs, r_effects = rates
    for female, column in ((1, "cohort_aged_out_female"), (0, "cohort_aged_out_male")):
        share = np.diff(frame[column].fillna(0.0).to_numpy(float), prepend=0.0)
        on = np.flatnonzero(share > 0)
        if on.size == 0:
            continue
        tau = day[on].astype(float)
        effects = after_exit_curves(exit_age, female, r_effects)
        costs = effects if r_costs == r_effects else after_exit_curves(exit_age, female, r_costs)
        last = len(effects["years"]) - 1
        at = np.full(on.size, last) if horizon_days is None else np.minimum(horizon_days - tau, last).astype(int)
        w = share[on]
        out["life_years"] += float(np.sum(w * effects["years"][at]))
        out["qalys"] += float(np.sum(w * (1.0 + r_effects) ** -(tau / DAYS_PER_YEAR) * effects["utility"][at]))
        out["cost"] += float(np.sum(w * (1.0 + r_costs) ** -(tau / DAYS_PER_YEAR) * costs["alive"][at])) * cost_year
    return out


def _check(perspective: str, per: str, horizon_days: int | None, last_day: int) -> None:
    if perspective not in PERSPECTIVES:
        raise InputError(f"perspective = {perspective!r} must be one of {', '.join(PERSPECTIVES)}")
    if per not in BASES:
        raise InputError(f"per = {per!r} must be one of {', '.join(BASES)}")
    if horizon_days is not None and not 1 <= horizon_days <= last_day:
        raise InputError(f"horizon of {horizon_days} days is longer than the run ({last_day} days)")
    if horizon_days is None and per != "cohort":
        raise InputError("a lifetime horizon follows a cohort until it has died: use per='cohort'")


def arm_totals(wide: pd.DataFrame, arms: dict, costs: UnitCosts,
               horizon_days: int | None, perspective: str = "health_care", per: str = "cohort",
               discount_costs: float = 0.0, discount_effects: float = 0.0) -> pd.DataFrame:
    """Per-person discounted costs (by component) and QALYs of every arm and seed.

    Per cohort (``per="cohort"``) everything is per member on the cohort day: the followed
    members' daily means are weighted by ``cohort_alive``, the share of them still alive and under
    the exit age, so costs and QALYs stop at death (an entrant who takes a dead member's row is
    no member); members who reach the exit age alive continue with the life table at the
    general-population utility and ``costs.after_exit_year`` (:func:`_after_exit`), to the horizon.
    Per population, the town is an open population of fixed size (entrants replace leavers), so
    no one leaves the base.

    Args:
        wide: one row per (arm, seed, day) with the run's metrics as columns
            (:meth:`ExperimentResult.wide`).
        arms: arm -> Scenario (its interventions price the ``NAME_sessions`` columns; its
            ``n_agents`` is the base of ``per="population"``; its ``exit_age_years`` starts the
            life-table closure).
        horizon_days: days 1..horizon_days count (day 0's deliveries too); ``None``: lifetime --
            the run must have followed the cohort until every member died or reached the exit age,
            and the aged-out are followed by the life table to the end of life.

    Returns one row per (arm, seed): ``qalys``, ``cost`` (the perspective's total),
    ``cost_interventions``, ``cost_background``, ``cost_after_exit``, ``cost_productivity`` (0
    unless societal), ``life_years`` (undiscounted, after the exit age included), ``qalys_after_exit``,
    ``life_years_after_exit`` and ``people`` (the per-person base).
    """
    last_day = int(wide["day"].max())
    _check(perspective, per, horizon_days, last_day)
    prefix = "cohort_" if per == "cohort" else ""
    utility_key = f"{prefix}utility_mean"
    needed = [utility_key] + (["cohort_alive", "cohort_aged_out_female", "cohort_aged_out_male"]
                              if per == "cohort" else [])
    missing = [k for k in needed if k not in wide]
    if missing:
        raise InputError(f"the run has no {', '.join(repr(k) for k in missing)} column: rerun it with this version")
    end = last_day if horizon_days is None else horizon_days
    rows = []
    for (arm, seed), frame in wide[wide["day"] <= end].groupby(["arm", "seed"], observed=True, sort=False):
        frame = frame.sort_values("day")
        day = frame["day"].to_numpy()
        scenario = arms[arm]
        if per == "cohort":
            people = float(frame["cohort_size"].iloc[0])  # the members on the cohort day
            alive = frame["cohort_alive"].to_numpy(float)
            if horizon_days is None and alive[-1] > 0:
                raise InputError(f"lifetime horizon: {100 * alive[-1]:.2f}% of the cohort of arm '{arm}', seed "
                                 f"{seed} are still alive and under the exit age on the run's last day "
                                 f"({last_day}); run until everyone has died or reached the exit age")
        else:
            people, alive = float(scenario.n_agents), np.ones(len(frame))
        # Means of the followed members are absent once none is left: they then weigh nothing.
        held = lambda column: np.where(alive > 0, np.nan_to_num(frame[column].to_numpy(float)), 0.0)  # noqa: E731
        lived = (day >= 1) * alive / DAYS_PER_YEAR
        d_costs, d_effects = discount_factors(day, discount_costs), discount_factors(day, discount_effects)
        qalys = float(np.sum(held(utility_key) * lived * d_effects))
        both = held(f"{prefix}comorbid")
        shares = {"chronic_pain": held(f"{prefix}chronic_pain") - both,
                  "depression": held(f"{prefix}depression") - both, "comorbid": both}
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
        after = (_after_exit(frame, day, horizon_days, float(scenario.values["exit_age_years"]),
                             (discount_costs, discount_effects), costs.after_exit_year)
                 if per == "cohort" else {"life_years": 0.0, "qalys": 0.0, "cost": 0.0})
        row = {"arm": arm, "seed": int(seed), "qalys": qalys + after["qalys"],
               "cost_interventions": float(np.sum(delivered * d_costs)),
               "cost_background": float(np.sum(background * d_costs)),
               "cost_after_exit": after["cost"],
               "cost_productivity": float(np.sum(lost * d_costs)) if perspective == "societal" else 0.0,
               "life_years": float(np.sum(lived)) + after["life_years"],
               "qalys_after_exit": after["qalys"], "life_years_after_exit": after["life_years"],
               "people": people}
        row["cost"] = (row["cost_interventions"] + row["cost_background"] + row["cost_after_exit"]
                       + row["cost_productivity"])
        rows.append(row)
    return pd.DataFrame(rows)


UNVERIFIED = "as recalled"
"""The phrase a cost's source carries while a figure in it has not been found in a readable source."""
STATED = "stated choice"
"""How a cost's source starts when it is a modelling choice with its reason, not a measurement."""


def sources_table() -> str:
    """Every cost parameter with its default, unit and source, as a Markdown table (the report's
    and the validation page's 'Unit costs and their sources'); a source that still holds a figure
    not found in any readable source says so, and the status column flags it."""
    lines = ["| parameter | default | unit | status | source |", "|---|---:|---|---|---|"]
    for p in PARAMETERS:
        if p.group != "costs":
            continue
        status = ("holds an unverified figure" if UNVERIFIED in p.source
                  else "a stated choice" if p.source.startswith(STATED) else "checked against the source")
        source = p.source.replace("|", "/")
        lines.append(f"| `{p.name}` | {p.default:g} | {p.unit} | {status} | {source} |")
    return "\n".join(lines)
