"""Costs and quality of life in the dashboard: which controls the 'Costs and quality of life'
section offers, and the running readout it shows.

The controls are read from the parameter table by group -- every ``costs`` parameter of the
chosen currency (each intervention kind's session and start costs, the background costs by
state, a day of lost work), the currency-free shares of work lost, and every ``utility``
parameter -- plus the willingness to pay per QALY of the cost-effectiveness analysis
(:data:`sim.studies.economics.study.DEFAULT_WTP`). None of them changes the simulated town: costs
and utilities are read off what the town did, so moving one redraws the readout and never resets
the model.

The readout prices the dashboard town's days 1..today with the same function as ``painloop cea``
(:func:`sim.studies.economics.costs.arm_totals`), per person of the town, undiscounted (the
dashboard shows months, not the years a discount rate is for): health-care cost (interventions
and background), lost work under the societal perspective, QALYs, and the net monetary benefit
at the threshold. QALYs at the model's own utility parameters are its ``utility_mean``; with any
utility control moved they are recomputed from everyone's recorded pain, PHQ-9 and high-impact
pain (:attr:`sim.teaching.dashboard_model.DashboardModel.states_history`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from types import SimpleNamespace

import numpy as np
import pandas as pd

from sim.core.errors import InputError
from sim.core.parameters import CURRENCIES, PARAMETERS, PARAMS
from sim.core.utility import eq5d
from sim.studies.economics.costs import PERSPECTIVES, STATES, UnitCosts, arm_totals
from sim.studies.economics.study import DEFAULT_WTP

COST_SLIDER_SPAN = 5.0
"""A cost slider runs from 0 to about five times its default (the table allows up to 10,000 per
session and 1,000,000 a year, which no slider could show): every published price in the sources
lies within a factor of five of the default."""
ZERO_COST_TOP = 100.0
"""Top of the slider of a cost whose default is 0 (a course start that costs nothing)."""
WTP_SPAN = 3.0
"""The willingness-to-pay slider runs to three times the highest default threshold."""
WTP_STEP = 1_000.0


@dataclass(frozen=True)
class Control:
    """One slider of the section: parameter (or ``wtp``), label, start value, range."""

    name: str
    label: str
    value: float
    low: float
    high: float


def _nice_top(value: float) -> float:
    """``value`` rounded up to one significant figure (210 -> 300, 4.95 -> 5)."""
    magnitude = 10.0 ** math.floor(math.log10(value))
    return math.ceil(value / magnitude - 1e-9) * magnitude


def _priced_in(name: str, currency: str) -> bool:
    suffixes = tuple(f"_{c}" for c in CURRENCIES)
    return name.endswith(f"_{currency}") or not name.endswith(suffixes)


def cost_names(currency: str) -> list[str]:
    """The ``costs`` parameters the section shows for ``currency``, in table order."""
    if currency not in CURRENCIES:
        raise InputError(f"currency = {currency!r} must be one of {', '.join(CURRENCIES)}")
    return [p.name for p in PARAMETERS if p.group == "costs" and _priced_in(p.name, currency)]


def utility_names() -> list[str]:
    """The ``utility`` parameters (EQ-5D tariff and the NRS / PHQ-9 switches), in table order."""
    return [p.name for p in PARAMETERS if p.group == "utility"]


def control(name: str) -> Control:
    """The slider of one parameter: its default, and its table range (a money amount's range cut
    to :data:`COST_SLIDER_SPAN` times the default)."""
    p = PARAMS[name]
    high = p.high
    if p.group == "costs" and p.high > 1.0:  # money, not a share
        high = min(p.high, _nice_top(COST_SLIDER_SPAN * p.default) if p.default > 0 else ZERO_COST_TOP)
    return Control(name, f"{name} ({p.unit})", float(p.default), float(p.low), float(high))


def wtp_control(currency: str) -> Control:
    """The willingness-to-pay slider, starting at the currency's first default threshold."""
    thresholds = DEFAULT_WTP[currency]
    return Control("wtp", f"willingness to pay ({currency.upper()} per QALY)", float(thresholds[0]), 0.0,
                   WTP_SPAN * max(thresholds))


def controls(currency: str) -> list[Control]:
    """Every slider of the section for ``currency``: threshold, costs, utilities."""
    return [wtp_control(currency), *(control(n) for n in cost_names(currency)), *(control(n) for n in utility_names())]


def _utility_means(model, values: dict) -> np.ndarray:
    """Mean utility of each day so far: the model's own when the utility values are its own,
    else recomputed from the recorded states with the values given."""
    own = model.engine.p
    names = utility_names()
    if all(values[n] == getattr(own, n) for n in names):
        return np.asarray(model.datacollector.model_vars["utility_mean"], dtype=float)
    tariff = SimpleNamespace(**{n: values[n] for n in names})
    return np.array([float(np.mean(eq5d(pain, phq9, high_impact, tariff)))
                     for pain, phq9, high_impact in model.states_history])


def running_totals(model, overrides: dict | None = None, currency: str = "gbp",
                   perspective: str = "health_care", wtp: float | None = None) -> dict:
    """What the dashboard town has cost and gained so far, per person, undiscounted.

    Args:
        model: a :class:`~sim.teaching.dashboard_model.DashboardModel`.
        overrides: parameter name -> value for any ``costs`` or ``utility`` parameter (the rest
            keep the model's values).
        wtp: willingness to pay per QALY (default: the currency's first threshold).

    Returns:
        ``days`` (1..today), ``interventions``, ``background``, ``productivity``, ``cost`` (the
        perspective's total), ``qalys``, ``nmb`` (wtp x QALYs - cost) and ``wtp``.

    Raises:
        InputError: an unknown currency, perspective or parameter, or a value outside its range.
    """
    if perspective not in PERSPECTIVES:
        raise InputError(f"perspective = {perspective!r} must be one of {', '.join(PERSPECTIVES)}")
    values = model.engine.p.values()
    for name, value in (overrides or {}).items():
        p = PARAMS.get(name)
        if p is None or p.group not in ("costs", "utility"):
            raise InputError(f"'{name}' is not a cost or utility parameter")
        if not p.low <= value <= p.high:
            raise InputError(f"'{name}' = {value!r} is outside the allowed range {p.range_text()} {p.unit}")
        values[name] = float(value)
    costs = UnitCosts.from_values(values, currency)
    wtp = float(DEFAULT_WTP[currency][0] if wtp is None else wtp)
    today = model.day
    out = {"days": today, "wtp": wtp, "interventions": 0.0, "background": 0.0, "productivity": 0.0,
           "cost": 0.0, "qalys": 0.0, "nmb": 0.0}
    if today < 1:
        return out
    collected = model.datacollector.model_vars
    wanted = [*STATES, *(k for k in collected if k.endswith(("_sessions", "_started")))]
    wide = pd.DataFrame({k: collected[k] for k in wanted})
    wide["utility_mean"] = _utility_means(model, values)
    wide.insert(0, "day", np.arange(len(wide)))
    wide.insert(0, "seed", model.seed)
    wide.insert(0, "arm", "dashboard")
    row = arm_totals(wide, {"dashboard": model.engine.scenario}, costs, today, perspective, "population").iloc[0]
    out.update(interventions=float(row["cost_interventions"]), background=float(row["cost_background"]),
               productivity=float(row["cost_productivity"]), cost=float(row["cost"]), qalys=float(row["qalys"]))
    out["nmb"] = wtp * out["qalys"] - out["cost"]
    return out
