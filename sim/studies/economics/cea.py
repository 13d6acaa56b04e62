"""The incremental analysis a health economist expects, from per-person costs and QALYs.

For each horizon: mean cost and QALYs per person of every arm, the difference to the
comparator with a 95% interval (common random numbers make the differences paired), the
efficiency frontier with strictly and extendedly dominated options removed and each remaining
option's ICER against the next cheaper one on the frontier, the net monetary benefit at each
willingness-to-pay threshold and the verdict (the arm with the largest mean NMB), the
acceptability curve (share of samples in which each arm has the largest NMB), and the expected
value of perfect information (EVPI).

Two kinds of sample (the ``by`` argument of :func:`acceptability`, :func:`evpi`, :func:`verdicts`):

* **seeds** (``painloop cea``): one parameter set, uncertainty over seeds only (the stochastic
  history of the simulated town), so the CEAC and EVPI describe Monte Carlo and first-order
  variation, not what we do not know about the parameters;
* **parameter draws** (``painloop cea --ensemble N``; :func:`draw_means`,
  :func:`incremental_table_ensemble`): each draw of the parameter ensemble (docs/uncertainty.md)
  is one probabilistic-sensitivity-analysis sample, its costs and QALYs averaged over the seeds;
  the CE plane has a dot per draw, the CEAC is the share of draws in which each arm has the largest
  NMB, EVPI = mean over draws of the largest NMB - the largest mean NMB (draws are equally
  weighted: the ensemble's weights are in the resampling). The table gives a 95% interval over
  draws (parameters) and, apart, one over seeds (the seeds' spread of the draw-mean), and the
  share of draws in which each arm is on the efficiency frontier.
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


def net_benefit(totals: pd.DataFrame, wtp, by: str = "seed") -> pd.DataFrame:
    """Net monetary benefit ``wtp x QALYs - cost`` per arm, sample (column ``by``: ``seed`` or
    ``draw``) and threshold."""
    parts = [totals.assign(wtp=float(w), nmb=float(w) * totals["qalys"] - totals["cost"]) for w in wtp]
    return pd.concat(parts, ignore_index=True)[["arm", by, "wtp", "nmb"]]


def verdicts(totals: pd.DataFrame, wtp, by: str = "seed") -> pd.DataFrame:
    """At each threshold: every arm's mean NMB, the best arm, and its probability of being best
    (share of the samples ``by``)."""
    nmb = net_benefit(totals, wtp, by)
    mean = nmb.groupby(["wtp", "arm"], observed=True, sort=False)["nmb"].mean().unstack("arm")
    curve = acceptability(totals, wtp, by)
    rows = []
    for w, row in mean.iterrows():
        best = row.idxmax()
        rows.append({"wtp": w, "best": best, "nmb_best": row.max(),
                     "p_best": float(curve.loc[(curve["wtp"] == w) & (curve["arm"] == best), "p_best"].iloc[0]),
                     **{f"nmb_{a}": v for a, v in row.items()}})
    return pd.DataFrame(rows)


def acceptability(totals: pd.DataFrame, wtp, by: str = "seed") -> pd.DataFrame:
    """Cost-effectiveness acceptability curve: share of samples (seeds, or parameter draws with
    ``by="draw"``) in which each arm has the largest NMB (a tie goes to the arm listed first)."""
    nmb = net_benefit(totals, wtp, by)
    wide = nmb.pivot_table(index=["wtp", by], columns="arm", values="nmb", observed=True)
    best = wide.idxmax(axis=1)
    arms = list(pd.unique(totals["arm"]))
    rows = []
    for w, winners in best.groupby(level="wtp"):
        counts = winners.value_counts(normalize=True)
        rows += [{"wtp": w, "arm": a, "p_best": float(counts.get(a, 0.0))} for a in arms]
    return pd.DataFrame(rows)


def evpi(totals: pd.DataFrame, wtp, people: float = 1.0, by: str = "seed") -> pd.DataFrame:
    """Expected value of perfect information per person (and for ``people`` persons) at each
    threshold: E[max over arms of NMB] - max over arms of E[NMB], the expectation over the
    samples ``by`` (seeds, or parameter draws with ``by="draw"``)."""
    nmb = net_benefit(totals, wtp, by).pivot_table(index=["wtp", by], columns="arm", values="nmb", observed=True)
    rows = []
    for w, frame in nmb.groupby(level="wtp"):
        value = float(frame.max(axis=1).mean() - frame.mean(axis=0).max())
        rows.append({"wtp": w, "evpi_per_person": value, "evpi_population": value * people})
    return pd.DataFrame(rows)


# ------------------------------------------------------------------------------------------------
# Over a parameter ensemble (issue 15 item 4): one PSA sample per parameter draw
# ------------------------------------------------------------------------------------------------

COST_COLUMNS = ("cost", "qalys", "cost_interventions", "cost_background", "cost_productivity")


def draw_means(totals: pd.DataFrame) -> pd.DataFrame:
    """Per arm and parameter draw: costs and QALYs per person averaged over the seeds (one
    probabilistic-sensitivity-analysis sample per draw). ``totals`` has one row per (arm, seed,
    draw)."""
    columns = [c for c in totals.columns if c not in ("arm", "seed", "draw") and pd.api.types.is_numeric_dtype(totals[c])]
    means = totals.groupby(["arm", "draw"], sort=False, observed=True)[columns].mean().reset_index()
    means["n_seeds"] = totals.groupby(["arm", "draw"], sort=False, observed=True)["seed"].nunique().to_numpy()
    return means


def _central(x: np.ndarray, level: float) -> tuple[float, float]:
    if len(x) == 0:
        return (np.nan, np.nan)
    tail = (1 - level) / 2
    return (float(np.quantile(x, tail)), float(np.quantile(x, 1 - tail)))


def incremental_table_ensemble(totals: pd.DataFrame, comparator: str = "baseline",
                               level: float = 0.95) -> pd.DataFrame:
    """The incremental table over parameter draws and seeds, their uncertainty apart.

    ``totals`` has one row per (arm, seed, draw). Per arm: ``cost``, ``qalys`` and their parts,
    means over draws of the seed-means; ``d_cost``, ``d_qalys``: the paired difference to
    ``comparator`` (same draw, same seed), mean over draws; ``*_param_lo``/``*_param_hi``: the
    central ``level`` interval of the seed-averaged difference over the draws (parameter
    uncertainty; with few seeds it still holds some seed noise); ``*_noise_lo``/``*_noise_hi``:
    the ``level`` t-interval over seeds of the draw-averaged difference (how far simulation noise
    leaves the mean uncertain); ``status``, ``icer``, ``icer_versus`` of :func:`frontier` on the
    means; ``p_frontier``: the share of draws in which the arm is on the efficiency frontier of
    that draw's seed-means.
    """
    arms = list(pd.unique(totals["arm"]))
    means = draw_means(totals)
    by_draw = means.set_index(["arm", "draw"])
    paired = totals.set_index(["arm", "draw", "seed"])
    ref = paired.loc[comparator]
    on_front = {a: 0 for a in arms}
    draws = list(pd.unique(means["draw"]))
    for d in draws:
        part = means[means["draw"] == d]
        front = frontier(part["cost"], part["qalys"], part["arm"])
        for a in front.loc[front["status"] == "frontier", "option"]:
            on_front[a] += 1
    rows = []
    for arm in arms:
        mine_draws = by_draw.loc[arm]
        mine = paired.loc[arm]
        row = {"arm": arm, **{c: float(mine_draws[c].mean()) for c in COST_COLUMNS}}
        for key, column in (("d_cost", "cost"), ("d_qalys", "qalys")):
            diff = (mine[column] - ref[column].reindex(mine.index)).dropna()
            per_draw = diff.groupby(level="draw").mean().to_numpy()
            per_seed = diff.groupby(level="seed").mean().to_numpy()
            row[key] = float(per_draw.mean()) if len(per_draw) else np.nan
            row[f"{key}_param_lo"], row[f"{key}_param_hi"] = _central(per_draw, level)
            row[f"{key}_noise_lo"], row[f"{key}_noise_hi"] = _interval(per_seed)
        row["n_draws"] = int(mine_draws.shape[0])
        row["n_seeds"] = int(mine.index.get_level_values("seed").nunique())
        rows.append(row)
    table = pd.DataFrame(rows)
    front = frontier(table["cost"], table["qalys"], table["arm"])
    table["status"], table["icer"], table["icer_versus"] = front["status"], front["icer"], front["versus"]
    table["p_frontier"] = [on_front[a] / len(draws) for a in table["arm"]]
    return table


def acceptability_frontier(curve: pd.DataFrame, totals: pd.DataFrame, by: str = "seed") -> pd.DataFrame:
    """The cost-effectiveness acceptability frontier: at each threshold of ``curve`` (from
    :func:`acceptability`), the arm with the largest mean NMB and its probability of being best.
    Rows of ``curve`` with ``expected_best`` added."""
    nmb = net_benefit(totals, sorted(curve["wtp"].unique()), by)
    mean = nmb.groupby(["wtp", "arm"], observed=True, sort=False)["nmb"].mean().unstack("arm")
    best = mean.idxmax(axis=1)
    return curve.assign(expected_best=[best.loc[w] == a for w, a in zip(curve["wtp"], curve["arm"])])
