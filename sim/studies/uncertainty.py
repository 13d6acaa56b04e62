"""Which parameter uncertainty matters: a variance decomposition of outcomes over an ensemble.

Issue 14 (item 4) asks, for the headline outcomes of a comparison run over the parameter
ensemble, which parameters' uncertainty moves the comparison most. Two measures, both read off
the ensemble run itself (no extra simulations), both by regressing an outcome on one parameter
at a time with a smoother -- the "given data" approach:

* **First-order index** (:func:`first_order`): the share of the outcome's variance over the
  draws that one parameter explains on its own, ``S_i = Var(E[Y | X_i]) / Var(Y)`` (a first-order
  Sobol index; Saltelli et al. 2008, *Global Sensitivity Analysis: The Primer*, ch. 4 -- as
  recalled, check before citing). ``E[Y | X_i]`` is estimated by a cubic regression spline in
  ``X_i`` (knots at quantiles; a parameter with few distinct values gets the mean at each value),
  weighted by the draws' weights, and the share is corrected for the degrees of freedom the
  smoother spends (adjusted R^2, clipped to [0, 1]), so a parameter that does nothing scores near
  0 rather than ``df / n``. The indices need not sum to 1: what is left is interactions,
  parameters not in the table, and simulation noise.
* **EVPPI** (:func:`evppi`): the expected value of partial perfect information about one
  parameter for the choice between arms -- how much better, on average, the choice would be if
  that parameter were known, in the outcome's own units (per person). Strong & Oakley's
  regression method (Strong, Oakley & Brennan 2014, Med Decis Making 34(3):311-326 -- as
  recalled, check before citing): regress each arm's value on the parameter with the same
  smoother, then ``EVPPI = mean over draws of max_arm fitted - max_arm mean``. With costs it is
  the value of information on net benefit; on a health outcome alone, the expected gain of that
  outcome.

:func:`decompose_effects` applies both to an ensemble comparison
(:func:`sim.studies.analysis.draw_effects` of ``run_experiment(..., ensemble=N)``): per arm and
outcome, each parameter's first-order index of the arm's effect (its difference to baseline,
averaged over seeds) and the share of that effect's variance that is seed noise. docs/uncertainty.md
says how the table is made once the posterior ships.

Examples:
    >>> rng = np.random.default_rng(0)
    >>> x = pd.DataFrame({"a": rng.random(500), "b": rng.random(500)})
    >>> y = pd.DataFrame({"out": 3 * x["a"] + 0.01 * rng.standard_normal(500)})
    >>> table = first_order(y, x).set_index("parameter")
    >>> bool(table.loc["a", "index"] > 0.99), bool(table.loc["b", "index"] < 0.05)
    (True, True)
"""

from __future__ import annotations

import numpy as np
import pandas as pd

KNOTS = 4
"""Interior knots of the cubic regression spline (at quantiles of the parameter): 8 degrees of
freedom with the cubic's four; enough for the smooth, often monotone dependence of an outcome on
one parameter, few enough for ensembles of a few hundred draws."""


def _weights(weights, n: int) -> np.ndarray:
    w = np.ones(n) if weights is None else np.asarray(weights, dtype=float)
    if w.shape != (n,) or not (np.isfinite(w).all() and (w >= 0).all() and w.sum() > 0):
        raise ValueError(f"weights must be {n} finite values >= 0, not all 0")
    return w / w.sum()


def _basis(x: np.ndarray, knots: int, w: np.ndarray) -> np.ndarray:
    """Design matrix of a cubic regression spline in ``x`` (truncated power basis on [0, 1],
    knots at quantiles), or, when ``x`` takes no more distinct values than the spline has terms,
    one indicator per value. Range, knots and values come from the draws of positive weight, so
    a draw of weight 0 changes nothing."""
    seen = x[w > 0]
    values = np.unique(seen)
    if values.size <= knots + 4:
        return (x[:, None] == values[None, :]).astype(float)
    span = values[-1] - values[0]
    u = (x - values[0]) / span
    inner = np.quantile((seen - values[0]) / span, np.linspace(0, 1, knots + 2)[1:-1])
    cols = [np.ones_like(u), u, u ** 2, u ** 3] + [np.maximum(u - k, 0.0) ** 3 for k in inner]
    return np.column_stack(cols)


def smooth(y: np.ndarray, x: np.ndarray, weights=None, knots: int = KNOTS) -> tuple[np.ndarray, int]:
    """``E[y | x]`` at each draw by weighted least squares on a cubic regression spline in ``x``,
    and the degrees of freedom it spent (columns of the basis that were used).

    Args:
        y: the outcome, one value per draw.
        x: the parameter, one value per draw.
        weights: the draws' weights (default equal).
        knots: interior knots of the spline.

    Returns:
        The fitted values and the degrees of freedom.
    """
    y, x = np.asarray(y, dtype=float), np.asarray(x, dtype=float)
    w = _weights(weights, y.size)
    design = _basis(x, knots, w)
    root = np.sqrt(w)[:, None]
    coef, _, rank, _ = np.linalg.lstsq(design * root, y * root[:, 0], rcond=None)
    return design @ coef, int(rank)


def _index(y: np.ndarray, fitted: np.ndarray, df: int, w: np.ndarray) -> float:
    mean = np.sum(w * y)
    total = np.sum(w * (y - mean) ** 2)
    if total <= 0:
        return np.nan
    r2 = np.sum(w * (fitted - mean) ** 2) / total
    n_eff = 1.0 / np.sum(w ** 2)  # Kish's effective number of draws
    if n_eff <= df:
        return np.nan
    return float(np.clip(1.0 - (1.0 - r2) * (n_eff - 1.0) / (n_eff - df), 0.0, 1.0))


def first_order(outcomes: pd.DataFrame, params: pd.DataFrame, weights=None, knots: int = KNOTS) -> pd.DataFrame:
    """Each parameter's first-order index of each outcome over the draws (module docstring).

    Args:
        outcomes: one row per draw, one column per outcome.
        params: one row per draw (the same rows), one column per parameter.
        weights: the draws' weights (default equal; a resampled ensemble's draws are equal).
        knots: interior knots of the smoother.

    Returns:
        One row per (outcome, parameter): ``index`` (the share of the outcome's variance the
        parameter explains alone, adjusted for the smoother's degrees of freedom), ``df``, and
        ``rank`` (1 = largest index for that outcome). A parameter that does not vary is left out.

    Raises:
        ValueError: the tables' rows differ in number, or bad weights.
    """
    if len(outcomes) != len(params):
        raise ValueError(f"outcomes has {len(outcomes)} draws and params {len(params)}: one row per draw in both")
    w = _weights(weights, len(params))
    rows = []
    for outcome in outcomes.columns:
        y = outcomes[outcome].to_numpy(float)
        for name in params.columns:
            x = params[name].to_numpy(float)
            if np.ptp(x) == 0:
                continue
            fitted, df = smooth(y, x, w, knots)
            rows.append({"outcome": outcome, "parameter": name, "index": _index(y, fitted, df, w), "df": df})
    table = pd.DataFrame(rows, columns=["outcome", "parameter", "index", "df"])
    table["rank"] = table.groupby("outcome")["index"].rank(ascending=False, method="min").astype("Int64")
    return table.sort_values(["outcome", "rank"], ignore_index=True)


def evppi(values: pd.DataFrame, params: pd.DataFrame, weights=None, knots: int = KNOTS,
          higher_is_better: bool = True) -> pd.DataFrame:
    """Expected value of partial perfect information about each parameter, for choosing the arm
    with the best value (Strong & Oakley's regression method, module docstring).

    Args:
        values: one row per draw, one column per arm: the arm's outcome (net benefit, or a health
            outcome) in that draw.
        params: one row per draw, one column per parameter.
        weights: the draws' weights (default equal).
        knots: interior knots of the smoother.
        higher_is_better: False for outcomes where lower is better (pain, PHQ-9).

    Returns:
        One row per parameter: ``evppi`` (in the outcome's units), ``evpi`` (perfect information
        about everything, the same on every row: the upper bound) and ``share`` (evppi / evpi);
        sorted from the largest.

    Raises:
        ValueError: the tables' rows differ in number, fewer than two arms, or bad weights.
    """
    if len(values) != len(params):
        raise ValueError(f"values has {len(values)} draws and params {len(params)}: one row per draw in both")
    if values.shape[1] < 2:
        raise ValueError("evppi needs at least two arms (columns of values) to choose between")
    w = _weights(weights, len(params))
    v = values.to_numpy(float) * (1.0 if higher_is_better else -1.0)
    best_now = np.max(w @ v)
    evpi = float(w @ v.max(axis=1) - best_now)
    rows = []
    for name in params.columns:
        x = params[name].to_numpy(float)
        if np.ptp(x) == 0:
            continue
        fitted = np.column_stack([smooth(v[:, a], x, w, knots)[0] for a in range(v.shape[1])])
        value = max(float(w @ fitted.max(axis=1) - best_now), 0.0)
        rows.append({"parameter": name, "evppi": value, "evpi": evpi, "share": value / evpi if evpi > 0 else np.nan})
    return pd.DataFrame(rows).sort_values("evppi", ascending=False, ignore_index=True)


def decompose_effects(effects: pd.DataFrame, draws: list[dict], week: int = 12, outcomes=None,
                      baseline: str = "baseline", knots: int = KNOTS) -> pd.DataFrame:
    """Which parameters move each arm's effect in an ensemble comparison.

    Args:
        effects: :func:`sim.studies.analysis.draw_effects` of an ensemble run (arm, week,
            outcome, draw, seed, value, diff).
        draws: the run's parameter sets, in draw order (:func:`sim.running.ensemble.draws` with
            the run's N and file; ``ExperimentResult`` keeps them).
        week: the week of the effects.
        outcomes: the outcomes to decompose (default: all in ``effects``).
        baseline: the arm the effects are differences to (left out).
        knots: interior knots of the smoother.

    Returns:
        One row per (arm, outcome, parameter): the first-order ``index`` of the arm's effect
        (averaged over seeds per draw), ``df``, ``rank``; plus one row per (arm, outcome) with
        parameter ``(seed noise)``: the share of the effect's variance over draws that the seeds
        leave in it (mean within-draw variance / seeds, over the variance over draws).

    Raises:
        ValueError: no effects at ``week``, or fewer draws in ``draws`` than in ``effects``.
    """
    at = effects[(effects["week"] == week) & (effects["arm"] != baseline)]
    if outcomes is not None:
        at = at[at["outcome"].isin(list(outcomes))]
    if at.empty:
        raise ValueError(f"no effects at week {week} (weeks: {sorted(effects['week'].unique())})")
    n_draws = int(at["draw"].max()) + 1
    if len(draws) < n_draws:
        raise ValueError(f"effects have {n_draws} draws and draws only {len(draws)}")
    params = pd.DataFrame(list(draws)[:n_draws])
    tables = []
    for (arm, outcome), part in at.groupby(["arm", "outcome"], observed=True, sort=True):
        by_draw = part.groupby("draw")["diff"]
        y = by_draw.mean().reindex(range(n_draws))
        keep = y.notna().to_numpy()
        table = first_order(pd.DataFrame({outcome: y[keep]}), params[keep], knots=knots)
        seeds, spread = by_draw.size().mean(), y[keep].var(ddof=1)
        noise = float(by_draw.var(ddof=1).mean() / seeds / spread) if seeds > 1 and spread > 0 else np.nan
        table = pd.concat([table, pd.DataFrame([{"outcome": outcome, "parameter": "(seed noise)",
                                                 "index": noise, "df": 0}])], ignore_index=True)
        table.insert(0, "arm", arm)
        tables.append(table)
    return pd.concat(tables, ignore_index=True)


def markdown(table: pd.DataFrame, top: int = 5) -> str:
    """:func:`decompose_effects`'s table as markdown: per arm and outcome, the ``top`` parameters
    by first-order index, and the seed-noise share.

    Args:
        table: the output of :func:`decompose_effects`.
        top: parameters shown per arm and outcome.

    Returns:
        A markdown table.
    """
    lines = ["| arm | outcome | parameters by first-order index (share of variance) | seed noise |", "|---|---|---|---|"]
    for (arm, outcome), part in table.groupby(["arm", "outcome"], sort=True):
        params = part[part["parameter"] != "(seed noise)"].sort_values("index", ascending=False).head(top)
        shown = ", ".join(f"{r.parameter} {r.index:.2f}" for r in params.itertuples())
        noise = part.loc[part["parameter"] == "(seed noise)", "index"]
        lines.append(f"| {arm} | {outcome} | {shown} | {'' if noise.isna().all() else f'{noise.iloc[0]:.2f}'} |")
    return "\n".join(lines) + "\n"


__all__ = ["KNOTS", "decompose_effects", "evppi", "first_order", "markdown", "smooth"]
