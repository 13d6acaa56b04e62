"""Analysis of experiment results: arm means, paired differences to baseline, cost per case averted.

Uncertainty is *between seeds*: every arm ran with the same seeds (common random numbers), so
for each seed the arm's value minus the baseline's value is a paired difference; the table gives
its mean and a 95% t-interval over seeds. Outcomes are read at chosen weeks after day 0.

Outcomes (:data:`OUTCOMES`): the followed cohort's mean pain (NRS) and PHQ-9, pain responders
(>= 30% less pain), PHQ-9 responders (>= 50% lower), remission (PHQ-9 < 5 among those depressed
on day 0), and population prevalences of chronic pain, depression and both. Delivery: people
reached (started any intervention), sessions delivered, and sessions per case averted (sessions
delivered by that week / fewer people in the condition than in the baseline arm that week).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

OUTCOMES: dict[str, str] = {
    "cohort_pain_nrs_mean": "pain, NRS (cohort mean)",
    "cohort_phq9_mean": "PHQ-9 (cohort mean)",
    "cohort_pain_responder": "pain responders (>=30% less)",
    "cohort_phq9_responder": "PHQ-9 responders (>=50% lower, of PHQ-9 >= 10 at start)",
    "cohort_remission": "remission (PHQ-9 < 5, of PHQ-9 >= 10 at start)",
    "cohort_chronic_pain": "chronic pain (cohort)",
    "cohort_depression": "depression (cohort)",
    "chronic_pain": "chronic pain (population)",
    "depression": "depression (population)",
    "comorbid": "both (population)",
}
SHARES = {k for k in OUTCOMES if not k.endswith("_mean")}
"""Outcomes that are proportions (reported in percent)."""
DEFAULT_WEEKS = (12, 26, 52)


def _delivery(wide: pd.DataFrame) -> pd.DataFrame:
    out = wide[["arm", "seed", "day"]].copy()
    for column, name in (("people_reached", "reached"), ("sessions_delivered", "sessions")):
        out[name] = wide[column].fillna(0.0) if column in wide else 0.0
    return out


def summarise(table: pd.DataFrame, baseline: str = "baseline", weeks=DEFAULT_WEEKS,
              n_agents: int | None = None) -> pd.DataFrame:
    """Per arm, week and outcome: mean over seeds and paired difference to ``baseline`` (95% CI).

    ``table`` is the long result table of :func:`sim.run_experiment`. Weeks beyond the run are
    left out. Returns a tidy DataFrame with columns ``arm, week, outcome, label, mean, diff,
    diff_lo, diff_hi, n_seeds`` plus delivery columns ``reached, sessions,
    sessions_per_case_averted`` (per arm and week, means over seeds).
    """
    if "draw" in table:
        raise ValueError("this table is of an ensemble run (it has a 'draw' column): summarise_ensemble keeps "
                         "parameter draws and seeds apart, summarise would average the draws away")
    wide = table.pivot_table(index=["arm", "seed", "day"], columns="metric", values="value",
                             observed=True).reset_index()
    wide.columns.name = None
    arms = list(pd.unique(wide["arm"]))
    if baseline not in arms:
        raise ValueError(f"baseline arm '{baseline}' is not among the arms: {', '.join(map(str, arms))}")
    last_day = int(wide["day"].max())
    days = [7 * w for w in weeks if 7 * w <= last_day]
    at = wide[wide["day"].isin(days)].copy()
    at["week"] = at["day"] // 7
    delivery = _delivery(at)
    base = at[at["arm"] == baseline].set_index(["seed", "week"])
    rows = []
    for arm in arms:
        mine = at[at["arm"] == arm].set_index(["seed", "week"])
        mine_delivery = delivery[delivery["arm"] == arm].assign(week=lambda d: d["day"] // 7)
        for week in sorted(mine.index.get_level_values("week").unique()):
            cur = mine.xs(week, level="week")
            ref = base.xs(week, level="week").reindex(cur.index)
            dl = mine_delivery[mine_delivery["week"] == week]
            sessions = float(dl["sessions"].mean())
            for outcome, label in OUTCOMES.items():
                if outcome not in cur:
                    continue
                value = cur[outcome].astype(float)
                diff = (value - ref[outcome].astype(float)).dropna()
                lo, hi = _t_interval(diff)
                row = {"arm": arm, "week": int(week), "outcome": outcome, "label": label,
                       "mean": float(value.mean()), "diff": float(diff.mean()) if len(diff) else np.nan,
                       "diff_lo": lo, "diff_hi": hi, "n_seeds": int(len(diff)),
                       "reached": float(dl["reached"].mean()), "sessions": sessions}
                if n_agents and outcome in ("chronic_pain", "depression", "comorbid"):
                    averted = -row["diff"] * n_agents
                    row["sessions_per_case_averted"] = sessions / averted if averted > 0 and sessions > 0 else np.nan
                rows.append(row)
    return pd.DataFrame(rows)


def _t_interval(diff: pd.Series, level: float = 0.95) -> tuple[float, float]:
    n = len(diff)
    if n < 2:
        return (np.nan, np.nan)
    mean, se = float(diff.mean()), float(diff.std(ddof=1)) / np.sqrt(n)
    half = stats.t.ppf(0.5 + level / 2, n - 1) * se
    return (mean - half, mean + half)


def headline(summary: pd.DataFrame, week: int = 12, outcomes=("cohort_pain_nrs_mean", "cohort_phq9_mean",
             "cohort_pain_responder", "cohort_phq9_responder", "comorbid")) -> pd.DataFrame:
    """A readable arms x outcomes table at one week: 'mean (diff [lo, hi])', shares in percent."""
    part = summary[(summary["week"] == week) & summary["outcome"].isin(outcomes)]
    table = {}
    for (arm, outcome), row in part.set_index(["arm", "outcome"]).iterrows():
        scale = 100.0 if outcome in SHARES else 1.0
        fmt = "{:.1f}" if scale == 100.0 else "{:.2f}"
        cell = fmt.format(row["mean"] * scale)
        if not np.isnan(row["diff_lo"]):
            cell += (" (" + fmt.format(row["diff"] * scale) + " [" + fmt.format(row["diff_lo"] * scale)
                     + ", " + fmt.format(row["diff_hi"] * scale) + "])")
        table.setdefault(arm, {})[OUTCOMES[outcome] + (" %" if scale == 100.0 else "")] = cell
    out = pd.DataFrame.from_dict(table, orient="index")
    reached = part.groupby("arm", observed=True)[["reached", "sessions"]].first()
    out["reached"] = reached["reached"].round().astype(int)
    out["sessions"] = reached["sessions"].round().astype(int)
    out.index.name = "arm"
    return out.loc[[a for a in pd.unique(part["arm"])]]


# ------------------------------------------------------------------------------------------------
# Over a parameter ensemble (issue 14)
# ------------------------------------------------------------------------------------------------

HIGHER_IS_BETTER = frozenset({"cohort_pain_responder", "cohort_phq9_responder", "cohort_remission"})
"""Outcomes where more is better; for every other outcome of :data:`OUTCOMES` less is better."""


def draw_effects(table: pd.DataFrame, baseline: str = "baseline", weeks=DEFAULT_WEEKS) -> pd.DataFrame:
    """Per arm, week, outcome, draw and seed of an ensemble run (a long table with a ``draw``
    column): the arm's value and its paired difference to ``baseline`` (same draw, same seed)."""
    if "draw" not in table:
        raise ValueError("draw_effects needs an ensemble run's table (run_experiment(..., ensemble=N))")
    days = [7 * week for week in weeks]
    wide = table[table["day"].isin(days)].pivot_table(index=["arm", "seed", "draw", "day"], columns="metric",
                                                     values="value", observed=True).reset_index()
    arms = list(pd.unique(wide["arm"]))
    if baseline not in arms:
        raise ValueError(f"baseline arm '{baseline}' is not among the arms: {', '.join(map(str, arms))}")
    parts = []
    for week in weeks:
        at = wide[wide["day"] == 7 * week]
        if at.empty:
            continue
        for outcome in (o for o in OUTCOMES if o in at):
            x = at.pivot_table(index=["seed", "draw"], columns="arm", values=outcome, observed=True)
            d = x.sub(x[baseline], axis=0)
            part = pd.DataFrame({"value": x.stack(), "diff": d.stack()}).reset_index()
            part["week"], part["outcome"] = week, outcome
            parts.append(part)
    out = pd.concat(parts, ignore_index=True)
    out["arm"] = pd.Categorical(out["arm"].astype(str), categories=[str(a) for a in arms])
    return out[["arm", "week", "outcome", "draw", "seed", "value", "diff"]]


def summarise_ensemble(table: pd.DataFrame, baseline: str = "baseline", weeks=DEFAULT_WEEKS,
                       level: float = 0.95) -> pd.DataFrame:
    """Per arm, week and outcome of an ensemble run, the two kinds of uncertainty apart.

    * ``mean``, ``diff``: the arm's value and its paired difference to ``baseline``, means over
      draws and seeds;
    * ``param_lo``, ``param_hi``: the central ``level`` interval of the difference over parameter
      draws (each draw's difference averaged over the seeds; with few seeds it still holds some
      seed noise, of the size of the noise interval times sqrt(seeds));
    * ``noise_lo``, ``noise_hi``: the ``level`` t-interval over seeds of the draw-averaged
      difference: how far simulation noise leaves the reported mean uncertain;
    * ``p_best``: the share of draws in which the arm is best on the outcome (lowest, or highest
      for :data:`HIGHER_IS_BETTER`; seed-averaged values; a tie goes to the arm listed first).
    """
    effects = draw_effects(table, baseline, weeks)
    tail = (1 - level) / 2
    rows = []
    for (week, outcome), part in effects.groupby(["week", "outcome"], sort=False):
        by_draw = part.pivot_table(index="draw", columns="arm", values="value", observed=True)
        best = by_draw.idxmax(axis=1) if outcome in HIGHER_IS_BETTER else by_draw.idxmin(axis=1)
        share = best.value_counts(normalize=True)
        for arm, own in part.groupby("arm", observed=True, sort=False):
            per_draw = own.groupby("draw")["diff"].mean()
            per_seed = own.groupby("seed")["diff"].mean()
            noise = _t_interval(per_seed, level)
            rows.append({"arm": arm, "week": int(week), "outcome": outcome, "label": OUTCOMES[outcome],
                         "mean": float(own["value"].mean()), "diff": float(own["diff"].mean()),
                         "param_lo": float(per_draw.quantile(tail)), "param_hi": float(per_draw.quantile(1 - tail)),
                         "noise_lo": noise[0], "noise_hi": noise[1], "p_best": float(share.get(arm, 0.0)),
                         "n_draws": int(per_draw.size), "n_seeds": int(per_seed.size)})
    return pd.DataFrame(rows)


def ensemble_headline(summary: pd.DataFrame, week: int = 12, outcomes=("cohort_pain_nrs_mean", "cohort_phq9_mean",
                      "cohort_pain_responder", "comorbid")) -> pd.DataFrame:
    """Arms x outcomes at one week: 'diff [parameters lo, hi] (seeds lo, hi) P(best)', shares in
    percent."""
    part = summary[(summary["week"] == week) & summary["outcome"].isin(outcomes)]
    table = {}
    for (arm, outcome), row in part.set_index(["arm", "outcome"]).iterrows():
        scale = 100.0 if outcome in SHARES else 1.0
        f = ("{:.1f}" if scale == 100.0 else "{:.2f}").format
        cell = (f"{f(row['diff'] * scale)} [{f(row['param_lo'] * scale)}, {f(row['param_hi'] * scale)}] "
                f"({f(row['noise_lo'] * scale)}, {f(row['noise_hi'] * scale)}) {100 * row['p_best']:.0f}%")
        table.setdefault(arm, {})[OUTCOMES[outcome] + (" %" if scale == 100.0 else "")] = cell
    out = pd.DataFrame.from_dict(table, orient="index")
    out.index.name = "arm"
    return out.loc[[a for a in pd.unique(part["arm"])]]
