"""Virtual randomised trials inside one simulated world.

:func:`virtual_trial` recruits eligible people from a burned-in population on day 0, randomises
them (from the trial's own stream) to arms of equal size, offers each arm its interventions --
only to its own members -- and follows everyone, as trials do, by intention to treat. The rest
of the population lives on unchanged around them. It reports what trials report, at each
follow-up week: mean pain on 0-100 and the mean difference to the control arm with a 95%
interval, the standardised mean difference (Hedges' g) on PHQ-9 and on log hs-CRP, responder
shares (>= 30% less pain; >= 50% lower PHQ-9) with their odds ratio, remission (PHQ-9 < 5), and
dropout from treatment. PHQ-9 response and remission count only participants with PHQ-9 >= 10 at
randomisation, as depression trials enrol them (:func:`sim.core.scales.phq9_outcomes`).

Deaths: a participant who dies or reaches the exit age is censored on that day -- their outcomes
count at the follow-ups before it and at none after (a complete-case analysis of the survivors;
``n`` at each follow-up is the number still followed). Their treatment ends with them, and the
entrant at their row is no participant (:meth:`sim.interventions.Delivery.replace`).

Trials are small, so one simulated trial has a sampling error like a real one; run several seeds
(``seeds=``) and the summary pools them (mean of the per-trial estimates, 95% interval over
trials).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from sim.core import scales
from sim.core import checks
from sim.core.engine import Engine, Observer
from sim.core.errors import InputError
from sim.studies.epi import odds_ratio
from sim.interventions import DROPPED_OUT, make_intervention
from sim.core.scenario import Scenario

ELIGIBILITY = {
    "chronic_back_pain": "chronic pain and NRS >= 4 on day 0 (trials of CLBP enrol at NRS >= 4)",
    "depressed": "14-day mean PHQ-9 >= 10 on day 0",
    "comorbid": "both of the above",
}
CONTROL = "usual_care"


def _eligible(kind: str, engine: Engine) -> np.ndarray:
    cp = engine.status.chronic_pain & (scales.pain_nrs(engine.pop.pain) >= 4.0)
    dep = engine.status.depressed
    if kind == "chronic_back_pain":
        return cp
    if kind == "depressed":
        return dep
    if kind == "comorbid":
        return cp & dep
    raise InputError(f"eligibility = {kind!r} must be one of {', '.join(ELIGIBILITY)}")


def _hedges_g(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """Hedges' g of a - b and its standard error."""
    n1, n2 = a.size, b.size
    sp = np.sqrt(((n1 - 1) * a.var(ddof=1) + (n2 - 1) * b.var(ddof=1)) / (n1 + n2 - 2))
    d = (a.mean() - b.mean()) / sp if sp > 0 else 0.0
    j = 1 - 3 / (4 * (n1 + n2) - 9)
    g = j * d
    se = np.sqrt((n1 + n2) / (n1 * n2) + g ** 2 / (2 * (n1 + n2)))
    return float(g), float(se)


class _FollowUp(Observer):
    """Reads each arm's outcomes at the follow-up weeks, as a trial's assessors would."""

    def __init__(self, groups: dict, weeks: tuple, seed: int):
        self.groups, self.weeks, self.seed = groups, weeks, seed
        self.rows: list[dict] = []

    def start(self, engine: Engine) -> None:
        self.base = {"nrs": scales.pain_nrs(engine.pop.pain), "phq9": scales.phq9(engine.pop.low_mood)}
        self.left = np.zeros(engine.n, dtype=bool)

    def replaced(self, engine: Engine, who: np.ndarray) -> None:
        self.left[who] = True

    def after_day(self, engine: Engine) -> None:
        day = engine.day
        if day % 7 or day // 7 not in self.weeks:
            return
        values = scales.clinical(engine.pop, engine.p)
        base = self.base
        for name, members in self.groups.items():
            who = members[~self.left[members]]
            mine = [d for k, d in engine.deliveries.items() if k.startswith(f"{name}:")]
            dropped = np.zeros(who.size, dtype=bool)
            for d in mine:
                dropped |= d.status[who] == DROPPED_OUT
            nrs, phq = values["pain_nrs"][who], values["phq9"][who]
            phq9_responder, remission = scales.phq9_outcomes(phq, base["phq9"][who])
            self.rows.append({"seed": self.seed, "week": day // 7, "arm": name, "randomised": int(members.size),
                              "n": int(who.size),
                              "nrs": nrs, "phq9": phq, "log_crp": np.log(values["crp_mg_l"][who]),
                              "pain_responder": nrs <= (1 - scales.PAIN_RESPONSE_SHARE) * base["nrs"][who],
                              "phq9_responder": phq9_responder, "remission": remission,
                              "dropout": float(dropped.mean()) if mine else np.nan})


def _one_trial(scenario: Scenario, arms: dict, eligibility: str, n: int, weeks: tuple, seed: int):
    engine = Engine(scenario, seed)
    pool = np.flatnonzero(_eligible(eligibility, engine))
    rng = engine.streams["trial"]
    chosen = rng.permutation(pool)[: min(n, pool.size)]
    names = list(arms)
    groups = {name: chosen[k::len(names)] for k, name in enumerate(names)}
    for name, specs in arms.items():
        for spec in specs:
            item = make_intervention({**spec, "start_day": 0, "eligibility": "all", "coverage": 1.0},
                                     f"trial arm '{name}': ")
            mask = np.zeros(engine.n, dtype=bool)
            mask[groups[name]] = True
            key = f"{name}:{item.name}"
            engine.add_delivery(item, f"trial:{key}", restrict=mask, key=key)
    (follow_up,) = engine.run(max(weeks) * 7, _FollowUp(groups, weeks, seed))
    return follow_up.rows


def virtual_trial(scenario: Scenario | None = None, arms: dict | None = None,
                  eligibility: str = "chronic_back_pain", n: int = 400, follow_up_weeks=(12, 26, 52),
                  seed: int | list = 0) -> pd.DataFrame:
    """Run a randomised trial in a simulated population; one row per (seed, week, arm).

    Args:
        scenario: the world (its own interventions, if any, run for everyone as usual care).
        arms: arm name -> list of intervention tables (``{"kind": "exercise", ...}``); the
            control arm is the one with an empty list (default: usual care vs exercise).
        eligibility: who may be recruited on day 0, one of :data:`ELIGIBILITY`.
        n: participants to randomise (all eligible people if fewer).
        follow_up_weeks: weeks after randomisation at which outcomes are read.
        seed: one seed or a list (one trial per seed).

    Columns: ``seed, week, arm, randomised`` (people randomised to the arm), ``n`` (still in the
    population at that week: people who died are censored), ``pain_100`` (mean), ``pain_md`` / ``pain_md_lo`` /
    ``pain_md_hi`` (difference to control, 0-100, 95% CI), ``phq9``, ``phq9_g`` / ``phq9_g_lo`` /
    ``phq9_g_hi`` (Hedges' g), ``pain_g`` (pain), ``crp_g`` (log CRP), ``pain_responders``, ``phq9_responders``,
    ``responder_or`` (PHQ-9), ``remission``, ``dropout``.
    """
    scenario = Scenario() if scenario is None else scenario
    arms = {CONTROL: [], "exercise": [{"kind": "exercise"}]} if arms is None else dict(arms)
    controls = [a for a, specs in arms.items() if not specs]
    if len(controls) != 1 or len(arms) < 2:
        raise InputError("arms needs exactly one control arm (an empty list of interventions) and "
                         "at least one other arm")
    weeks = tuple(sorted(int(w) for w in follow_up_weeks))
    if not weeks or weeks[0] < 1 or weeks[-1] * 7 > scenario.days:
        raise InputError(f"follow_up_weeks = {follow_up_weeks!r} must be weeks within the run "
                         f"(days = {scenario.days}, so at most {scenario.days // 7})")
    checks.whole(n, "n", 2 * len(arms), unit="participants")
    seeds = [seed] if isinstance(seed, (int, np.integer)) else list(seed)
    control = controls[0]
    out = []
    for s in seeds:
        rows = _one_trial(scenario, arms, eligibility, n, weeks, int(s))
        by = {(r["week"], r["arm"]): r for r in rows}
        for r in rows:
            c = by[(r["week"], control)]
            diff = 10 * (r["nrs"].mean() - c["nrs"].mean())
            se = 10 * np.sqrt(r["nrs"].var(ddof=1) / r["nrs"].size + c["nrs"].var(ddof=1) / c["nrs"].size)
            g, g_se = _hedges_g(r["phq9"], c["phq9"])
            pain_g, _ = _hedges_g(r["nrs"], c["nrs"])
            crp_g, _ = _hedges_g(r["log_crp"], c["log_crp"])
            resp = np.concatenate([r["phq9_responder"], c["phq9_responder"]])
            arm_flag = np.concatenate([np.ones(r["phq9_responder"].size, bool),
                                       np.zeros(c["phq9_responder"].size, bool)])
            out.append({"seed": r["seed"], "week": r["week"], "arm": r["arm"], "randomised": r["randomised"],
                        "n": r["n"],
                        "pain_100": 10 * float(r["nrs"].mean()), "pain_md": float(diff),
                        "pain_md_lo": float(diff - 1.96 * se), "pain_md_hi": float(diff + 1.96 * se),
                        "phq9": float(r["phq9"].mean()), "phq9_g": g, "phq9_g_lo": g - 1.96 * g_se,
                        "phq9_g_hi": g + 1.96 * g_se, "pain_g": pain_g, "crp_g": crp_g,
                        "pain_responders": float(r["pain_responder"].mean()),
                        "phq9_responders": float(r["phq9_responder"].mean()) if r["phq9_responder"].size
                        else np.nan,
                        "responder_or": odds_ratio(arm_flag, resp) if r["arm"] != control else 1.0,
                        "remission": float(r["remission"].mean()) if r["remission"].size else np.nan,
                        "dropout": r["dropout"]})
    return pd.DataFrame(out)


def pooled(trials: pd.DataFrame) -> pd.DataFrame:
    """Mean of each estimate over trials (seeds) with a 95% t-interval over trials."""
    cols = ["pain_100", "pain_md", "pain_g", "phq9", "phq9_g", "crp_g", "pain_responders", "phq9_responders",
            "responder_or", "remission", "dropout"]
    rows = []
    for (week, arm), g in trials.groupby(["week", "arm"], sort=False):
        row = {"week": week, "arm": arm, "trials": len(g), "n": int(g["n"].mean())}
        for c in cols:
            x = g[c].dropna()
            row[c] = float(x.mean()) if len(x) else np.nan
            if len(x) > 1:
                half = stats.t.ppf(0.975, len(x) - 1) * x.std(ddof=1) / np.sqrt(len(x))
                row[f"{c}_lo"], row[f"{c}_hi"] = row[c] - half, row[c] + half
        rows.append(row)
    return pd.DataFrame(rows)
