"""The incremental analysis a health economist expects, from per-person costs and QALYs.

For each horizon: mean cost and QALYs per person of every arm, the difference to the
comparator with a 95% interval over seeds (common random numbers make them paired), the
efficiency frontier with strictly and extendedly dominated options removed and each remaining
option's ICER against the next cheaper one on the frontier, the net monetary benefit at each
willingness-to-pay threshold and the verdict (the arm with the largest mean NMB), the
acceptability curve (share of seeds in which each arm has the largest NMB), and the expected
value of perfect information.

**Uncertainty is over seeds only** (the stochastic history of the simulated town); parameter
uncertainty waits for the parameter ensemble. So the CEAC and the EVPI here describe Monte
Carlo and first-order variation, not what we do not know about the parameters.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

STATUS = ("frontier", "dominated", "extendedly dominated")


def frontier(cost, effect, names=None) -> pd.DataFrame:
    """Efficiency frontier of options with mean ``cost`` and ``effect`` (e.g. QALYs).

    Returns one row per option (in the order given) with ``status`` (``frontier``,
    ``dominated``: another option costs no more and gains at least as much, one of them strictly;
    ``extendedly dominated``: a mix of two frontier options beats it) and ``icer`` against the
    next cheaper frontier option (NaN for the cheapest and for every dominated option), with
    ``versus`` naming that option.
    """
    cost, effect = np.asarray(cost, dtype=float), np.asarray(effect, dtype=float)
    names = list(names) if names is not None else list(range(len(cost)))
    status = ["frontier"] * len(cost)
    for i in range(len(cost)):
        for j in range(len(cost)):
            if i != j and cost[j] <= cost[i] and effect[j] >= effect[i] and (cost[j] < cost[i] or effect[j] > effect[i]):
                status[i] = "dominated"
                break
    # Identical options: keep the first, the others add nothing.
    for i in range(len(cost)):
        if status[i] == "frontier" and any(status[j] == "frontier" and cost[j] == cost[i] and effect[j] == effect[i]
                                           for j in range(i)):
            status[i] = "dominated"
    on = sorted((i for i in range(len(cost)) if status[i] == "frontier"), key=lambda i: (cost[i], -effect[i]))
    changed = True
    while changed:
        changed = False
        for k in range(1, len(on) - 1):
            a, b, c = on[k - 1], on[k], on[k + 1]
            # b is extendedly dominated when its ICER against a exceeds c's ICER against b.
            if (cost[b] - cost[a]) * (effect[c] - effect[b]) > (cost[c] - cost[b]) * (effect[b] - effect[a]):
                status[b] = "extendedly dominated"
                on.pop(k)
                changed = True
                break
    icer = np.full(len(cost), np.nan)
    versus = [""] * len(cost)
    for prev, cur in zip(on, on[1:]):
        icer[cur] = (cost[cur] - cost[prev]) / (effect[cur] - effect[prev])
        versus[cur] = str(names[prev])
    return pd.DataFrame({"option": names, "cost": cost, "effect": effect, "status": status,
                         "icer": icer, "versus": versus})


def _interval(x: np.ndarray) -> tuple[float, float]:
    if len(x) < 2:
        return (np.nan, np.nan)
    half = stats.t.ppf(0.975, len(x) - 1) * x.std(ddof=1) / np.sqrt(len(x))
    return (float(x.mean() - half), float(x.mean() + half))


def incremental_table(totals: pd.DataFrame, comparator: str = "baseline") -> pd.DataFrame:
    """Per arm: mean cost and QALYs per person, paired differences to ``comparator`` with 95%
    intervals over seeds, and the frontier status and ICER (:func:`frontier`)."""
    arms = list(pd.unique(totals["arm"]))
    by = totals.set_index(["arm", "seed"])
    ref = by.loc[comparator]
    rows = []
    for arm in arms:
        mine = by.loc[arm]
        d_cost = (mine["cost"] - ref["cost"].reindex(mine.index)).dropna().to_numpy()
        d_qaly = (mine["qalys"] - ref["qalys"].reindex(mine.index)).dropna().to_numpy()
        rows.append({"arm": arm, "cost": mine["cost"].mean(), "qalys": mine["qalys"].mean(),
                     "cost_interventions": mine["cost_interventions"].mean(),
                     "cost_background": mine["cost_background"].mean(),
                     "cost_productivity": mine["cost_productivity"].mean(),
                     "d_cost": d_cost.mean(), "d_cost_lo": _interval(d_cost)[0], "d_cost_hi": _interval(d_cost)[1],
                     "d_qalys": d_qaly.mean(), "d_qalys_lo": _interval(d_qaly)[0], "d_qalys_hi": _interval(d_qaly)[1],
                     "n_seeds": len(d_cost)})
    table = pd.DataFrame(rows)
    front = frontier(table["cost"], table["qalys"], table["arm"])
    table["status"], table["icer"], table["icer_versus"] = front["status"], front["icer"], front["versus"]
    return table


def net_benefit(totals: pd.DataFrame, wtp) -> pd.DataFrame:
    """Net monetary benefit ``wtp x QALYs - cost`` per arm, seed and threshold."""
    parts = [totals.assign(wtp=float(w), nmb=float(w) * totals["qalys"] - totals["cost"]) for w in wtp]
    return pd.concat(parts, ignore_index=True)[["arm", "seed", "wtp", "nmb"]]


def verdicts(totals: pd.DataFrame, wtp) -> pd.DataFrame:
    """At each threshold: every arm's mean NMB, the best arm, and its probability of being best."""
    nmb = net_benefit(totals, wtp)
    mean = nmb.groupby(["wtp", "arm"], observed=True, sort=False)["nmb"].mean().unstack("arm")
    curve = acceptability(totals, wtp)
    rows = []
    for w, row in mean.iterrows():
        best = row.idxmax()
        rows.append({"wtp": w, "best": best, "nmb_best": row.max(),
                     "p_best": float(curve.loc[(curve["wtp"] == w) & (curve["arm"] == best), "p_best"].iloc[0]),
                     **{f"nmb_{a}": v for a, v in row.items()}})
    return pd.DataFrame(rows)


def acceptability(totals: pd.DataFrame, wtp) -> pd.DataFrame:
    """Cost-effectiveness acceptability curve: share of seeds in which each arm has the largest NMB."""
    nmb = net_benefit(totals, wtp)
    wide = nmb.pivot_table(index=["wtp", "seed"], columns="arm", values="nmb", observed=True)
    best = wide.idxmax(axis=1)
    arms = list(pd.unique(totals["arm"]))
    rows = []
    for w, winners in best.groupby(level="wtp"):
        counts = winners.value_counts(normalize=True)
        rows += [{"wtp": w, "arm": a, "p_best": float(counts.get(a, 0.0))} for a in arms]
    return pd.DataFrame(rows)


def evpi(totals: pd.DataFrame, wtp, people: float = 1.0) -> pd.DataFrame:
    """Expected value of perfect information per person (and for ``people`` persons) at each
    threshold: E[max over arms of NMB] - max over arms of E[NMB], the expectation over seeds."""
    nmb = net_benefit(totals, wtp).pivot_table(index=["wtp", "seed"], columns="arm", values="nmb", observed=True)
    rows = []
    for w, frame in nmb.groupby(level="wtp"):
        value = float(frame.max(axis=1).mean() - frame.mean(axis=0).max())
        rows.append({"wtp": w, "evpi_per_person": value, "evpi_population": value * people})
    return pd.DataFrame(rows)
