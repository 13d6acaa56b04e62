"""Calibration and validation targets: every item of evidence.md's "Calibration targets" as data.

A :class:`Target` says what is measured (a key of :func:`measure`'s output, computed by a study
design in :mod:`sim.studies.epi` or a virtual trial in :mod:`sim.studies.trials`), the published value, the
acceptance band and the source. ``fit=True`` marks the targets ``experiments/calibrate.py``
fits; the others are only checked. Items that are inputs rather than targets (evidence item 12,
adherence) are not here: they set intervention delivery defaults.

:func:`measure` runs, per seed, one population survey (3 years after the burn-in) and the virtual
trials; :func:`evaluate` gives each target's model value with a 95% interval over seeds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from sim.studies import epi
from sim.core import scales
from sim.core.engine import Engine
from sim.core.scenario import Scenario
from sim.studies.trials import virtual_trial


@dataclass(frozen=True)
class Target:
    id: str
    item: int
    """Number of the item in evidence.md's "Calibration targets"."""
    name: str
    key: str
    published: str
    value: float
    low: float
    high: float
    source: str
    fit: bool = False
    scale: float = 1.0
    """Factor for display (100 for shares shown in percent)."""

    def within(self, x: float) -> bool:
        """Whether ``x`` lies inside the target's band (NaN never does)."""
        return bool(np.isfinite(x) and self.low <= x <= self.high)


INF = np.inf
TARGETS: tuple[Target, ...] = (
    # 1 chronic pain prevalence
    Target("cp_prevalence", 1, "chronic pain prevalence", "cp_prevalence", "20% (15-21%)", 0.20, 0.15, 0.22,
           "NHIS 2016-2021 (Dahlhamer 2018; Rikard 2023)", fit=True, scale=100),
    Target("hicp_prevalence", 1, "high-impact chronic pain prevalence", "hicp_prevalence", "7-8%", 0.075, 0.06, 0.09,
           "NHIS 2016-2021", fit=True, scale=100),
    # 2 depression prevalence
    Target("dep_point", 2, "depression point prevalence (PHQ-9 >= 10)", "dep_prevalence", "about 4-5%", 0.05, 0.04, 0.06,
           "WHO 2023; NCS-R (Kessler 2003)", fit=True, scale=100),
    Target("dep_12m", 2, "depression 12-month prevalence", "dep_12_month", "6.6% (5.9-7.3%)", 0.066, 0.05, 0.085,
           "NCS-R (Kessler 2003)", fit=True, scale=100),
    # 3 comorbidity
    Target("dep_if_cp", 3, "depression among people with chronic pain", "dep_if_cp", "about 20% (Currie & Wang 19.8%)",
           0.198, 0.10, 0.25, "Currie & Wang 2004", scale=100),
    Target("dep_or_cp", 3, "odds ratio of depression, chronic pain vs none", "dep_or_cp", "3.4 (2.3-4.0)", 3.4, 2.3, 4.0,
           "Currie & Wang 2004; Demyttenaere 2007; Ohayon 2003", fit=True),
    # 4 incidence
    Target("dep_first_incidence", 4, "first-onset depression per 100 person-years", "dep_first_incidence", "1.58",
           1.58, 1.1, 2.1, "NEMESIS-2 (de Graaf 2013)", fit=True),
    Target("cp_to_dep_or", 4, "chronic pain -> incident depression, odds ratio over 3 years", "cp_to_dep_or",
           "2.0 (1.3-4)", 2.0, 1.3, 4.0, "HUNT (Glette 2021); NESDA (Gerrits 2014)"),
    # 5 episodes
    Target("dep_episode_median", 5, "median length of a depressive episode (days)", "dep_episode_median_days",
           "remit within months", 120, 30, 270, "population cohorts (evidence 2, qualitative)"),
    Target("dep_episode_chronic", 5, "share of episodes lasting > 2 years", "dep_episode_over_2y",
           "a minority becomes chronic", 0.15, 0.03, 0.30, "evidence 2 (qualitative)", scale=100),
    Target("dep_bimodal", 5, "share of new episodes with a bimodal weekly PHQ-9 series (2 years)", "dep_bimodal",
           "66%", 0.66, 0.50, 0.85, "Hosenfeld 2015", scale=100),
    # 6 pain incidence and course
    Target("cp_incidence", 6, "chronic pain incidence per year (people without it)", "cp_incidence", "about 5%/y",
           0.05, 0.035, 0.07, "Nahin 2023 (52.4/1000 PY)", fit=True, scale=100),
    Target("dep_to_cp_rr", 6, "depression -> later chronic back pain, relative risk", "dep_to_cp_rr",
           "raised (direction)", 1.5, 1.1, INF, "prospective cohorts (evidence 1)"),
    Target("acute_week6", 6, "acute LBP mean pain at 6 weeks (0-100)", "acute_pain_week_6", "23", 23, 16, 30,
           "Costa 2012", fit=True),
    Target("acute_week26", 6, "acute LBP mean pain at 26 weeks (0-100)", "acute_pain_week_26", "12", 12, 8, 16,
           "Costa 2012", fit=True),
    Target("acute_week52", 6, "acute LBP mean pain at 52 weeks (0-100)", "acute_pain_week_52", "6", 6, 3, 10,
           "Costa 2012", fit=True),
    Target("acute_not_recovered", 6, "acute LBP not recovered at 1 year", "acute_not_recovered", "28-35%", 0.31,
           0.25, 0.40, "Henschke 2008; Itz 2013", scale=100),
    Target("persistent_week52", 6, "persistent LBP mean pain at 52 weeks (0-100)", "persistent_pain_week_52",
           "23-26", 24.5, 18, 32, "Costa 2012"),
    Target("cp_pain_free", 6, "chronic pain cases pain-free a year later", "cp_to_pain_free", "about 10%/y", 0.10,
           0.05, 0.20, "Nahin 2023 (10.4%)", scale=100),
    # 7 exercise
    Target("exercise_pain", 7, "exercise vs usual care, pain at 12 weeks (0-100)", "exercise_pain_md",
           "-15 (-12 to -18)", -15, -18, -12, "Hayden 2021", fit=True),
    Target("exercise_phq_depressed", 7, "exercise in depressed people, PHQ-9 SMD at 12 weeks", "exercise_phq9_g",
           "-0.4 to -0.6", -0.5, -0.7, -0.3, "Noetel 2024"),
    Target("activity_rr", 7, "active >= 150 min/week -> incident depression, RR adjusted for baseline "
           "PHQ-9 and chronic pain", "active_dep_rr",
           "0.75", 0.75, 0.6, 0.9, "Pearce 2022"),
    # 8 psychological therapy
    Target("cbt_pain", 8, "CBT vs usual care, pain SMD at end of treatment", "cbt_pain_g", "-0.21", -0.21, -0.35,
           -0.10, "Williams 2012/2020"),
    Target("cbt_mood", 8, "CBT vs usual care, PHQ-9 SMD at end of treatment", "cbt_phq9_g", "-0.38 (-0.3 to -0.4)",
           -0.38, -0.50, -0.25, "Williams 2012", fit=True),
    Target("cbt_pain_fades", 8, "CBT pain SMD at 52 weeks (fades)", "cbt_pain_g_52", "about 0", 0.0, -0.12, 0.05,
           "Williams 2012 (only mood persists)"),
    # 9 SNRI
    Target("snri_pain", 9, "SNRI vs control, pain at 12 weeks (0-100)", "snri_pain_md", "-5.3 (-7.3 to -3.3)", -5.3,
           -7.3, -3.3, "Ferreira 2021", fit=True),
    Target("snri_responders", 9, "SNRI minus control, pain responders (>= 30%) at 12 weeks", "snri_responder_diff",
           "60% vs 48% (+12 points)", 0.12, 0.05, 0.20, "duloxetine pooled post hoc 2017", scale=100),
    Target("snri_depression_or", 9, "SNRI in depressed people, response odds ratio at 12 weeks", "snri_response_or",
           "1.4-2.1", 1.7, 1.4, 2.1, "Cipriani 2018"),
    # 10 sleep and inflammation
    Target("poor_sleep_cp", 10, "poor sleepers (PSQI > 5) among people with chronic pain", "poor_sleep_if_cp",
           "very common", 0.65, 0.50, 0.90, "evidence 3c (qualitative)", scale=100),
    Target("insomnia_rr", 10, "poor sleep -> incident depression within a year, relative risk", "poor_sleep_dep_rr",
           "raised (direction)", 2.0, 1.2, INF, "meta-analyses of cohorts (evidence 3c)"),
    Target("crp_depressed", 10, "CRP > 3 mg/L among the depressed", "crp_high_if_dep", "27% (21-34%)", 0.27, 0.21,
           0.34, "Osimo 2019", scale=100),
    Target("crp_or", 10, "odds ratio of CRP > 3, depressed vs not", "crp_or_dep", "1.46", 1.46, 1.2, 1.8, "Osimo 2019"),
    Target("exercise_crp", 10, "exercise vs usual care, log CRP SMD at 12 weeks", "exercise_crp_g", "-0.26", -0.26,
           -0.34, -0.18, "Fedewa 2017"),
    # 11 social and stress
    Target("loneliness_or", 11, "lonely (lowest fifth of support) -> incident depression in a year, OR "
           "adjusted for baseline PHQ-9 and chronic pain",
           "lonely_dep_or", "2.33 (1.62-3.34)", 2.33, 1.6, 3.3, "Mann 2022"),
    Target("life_event_or", 11, "depression onset in a month with a life event, odds ratio", "life_event_or",
           "5.6 (3.6 within twins)", 5.6, 3.5, 8.0, "Kendler 1999", fit=True),
    Target("peer_support", 11, "peer support in depressed people, PHQ-9 SMD at 12 weeks", "peer_phq9_g",
           "-0.59 (-0.98 to -0.21)", -0.59, -0.98, -0.21, "Pfeiffer 2011", fit=True),
)
TARGETS_BY_ID = {t.id: t for t in TARGETS}

TRIALS = {
    "clbp": ("chronic_back_pain", {"usual_care": [], "exercise": [{"kind": "exercise"}],
                                   "cbt": [{"kind": "cbt"}], "medication": [{"kind": "medication"}]}),
    "depressed": ("depressed", {"usual_care": [], "exercise": [{"kind": "exercise"}],
                                "medication": [{"kind": "medication"}],
                                "peer": [{"kind": "social_support"}]}),
}


def survey_measures(s: epi.Survey) -> dict[str, float]:
    """Every survey-based statistic the targets need."""
    out = {"cp_prevalence": epi.prevalence(s, "chronic_pain"), "dep_prevalence": epi.prevalence(s, "depressed"),
           "dep_12_month": epi.period_prevalence(s, "depressed", 52),
           "dep_if_cp": epi.conditional_prevalence(s, "depressed", "chronic_pain"),
           "dep_or_cp": epi.pooled_odds_ratio(s, "chronic_pain", "depressed"),
           "dep_first_incidence": epi.first_incidence(s)}
    out["hicp_prevalence"] = epi.prevalence(s, "high_impact_pain")
    cp0, dep0, nrs0 = s.wave("chronic_pain")[0], s.wave("depressed")[0], s.wave("pain_nrs")[0]
    follow = s.days
    out["cp_to_dep_or"] = epi.cohort_risk(s, cp0, "depression_onset", ~dep0, follow).odds_ratio
    out["dep_to_cp_rr"] = epi.cohort_risk(s, dep0, "chronic_pain_onset", ~cp0 & (nrs0 < 2), follow).rr
    t = epi.annual_transitions(s)
    out["cp_incidence"], out["cp_to_pain_free"] = t["chronic_pain_incidence"], t["chronic_pain_to_pain_free"]
    a = epi.acute_course(s)
    out.update({"acute_pain_week_6": a.get("pain_100_week_6", np.nan),
                "acute_pain_week_26": a.get("pain_100_week_26", np.nan),
                "acute_pain_week_52": a.get("pain_100_week_52", np.nan),
                "acute_not_recovered": a.get("not_recovered_week_52", np.nan),
                "persistent_pain_week_52": a.get("persistent_pain_100_week_52", np.nan)})
    e = epi.episode_durations(s)
    out["dep_episode_median_days"] = e.get("median_days", np.nan)
    out["dep_episode_over_2y"] = e.get("share_over_2_years", np.nan)
    out["dep_bimodal"] = epi.bimodality(s)
    out["life_event_or"] = epi.life_event_onsets(s)["odds_ratio"]
    # Mann 2022 and Pearce 2022 report estimates adjusted for baseline symptoms and health.
    strata = epi.baseline_strata(s)
    sup0 = s.wave("social_support")[0]
    out["lonely_dep_or"] = epi.cohort_risk(s, sup0 <= np.quantile(sup0, 0.2), "depression_onset", ~dep0, 365,
                                           strata).odds_ratio
    out["active_dep_rr"] = epi.cohort_risk(s, s.wave("activity_min_week")[0] >= scales.ACTIVE_MIN_WEEK, "depression_onset", ~dep0,
                                           follow, strata).rr
    out["poor_sleep_dep_rr"] = epi.cohort_risk(s, s.wave("sleep_psqi")[0] > 5, "depression_onset", ~dep0, 365).rr
    cp, psqi, crp, dep = s.wave("chronic_pain"), s.wave("sleep_psqi"), s.wave("crp_mg_l"), s.wave("depressed")
    out["poor_sleep_if_cp"] = float((psqi[cp] > 5).mean())
    out["crp_high_if_dep"] = float((crp[dep] > 3).mean())
    out["crp_or_dep"] = epi.odds_ratio(dep.ravel(), (crp > 3).ravel())
    return out


def trial_measures(scenario: Scenario, seed: int, n: int) -> dict[str, float]:
    """Virtual-trial statistics the targets need (one trial of each design)."""
    world = scenario.replace(days=max(scenario.days, 364))
    out = {}
    eligibility, arms = TRIALS["clbp"]
    t = virtual_trial(world, arms, eligibility, n=n, follow_up_weeks=(8, 12, 52), seed=seed).set_index(["week", "arm"])
    out["exercise_pain_md"] = t.loc[(12, "exercise"), "pain_md"]
    out["exercise_crp_g"] = t.loc[(12, "exercise"), "crp_g"]
    out["snri_pain_md"] = t.loc[(12, "medication"), "pain_md"]
    out["snri_responder_diff"] = t.loc[(12, "medication"), "pain_responders"] - t.loc[(12, "usual_care"), "pain_responders"]
    out["cbt_phq9_g"] = t.loc[(8, "cbt"), "phq9_g"]
    out["cbt_pain_g"] = _pain_g(t, 8, "cbt")
    out["cbt_pain_g_52"] = _pain_g(t, 52, "cbt")
    eligibility, arms = TRIALS["depressed"]
    t = virtual_trial(world, arms, eligibility, n=n, follow_up_weeks=(12,), seed=seed).set_index(["week", "arm"])
    out["exercise_phq9_g"] = t.loc[(12, "exercise"), "phq9_g"]
    out["snri_response_or"] = t.loc[(12, "medication"), "responder_or"]
    out["peer_phq9_g"] = t.loc[(12, "peer"), "phq9_g"]
    return out


def _pain_g(t: pd.DataFrame, week: int, arm: str) -> float:
    """Pain SMD from a trial row: mean difference over the pooled SD carried in the table."""
    return float(t.loc[(week, arm), "pain_g"])


def measure(scenario: Scenario | None = None, seeds=(0, 1, 2), n_agents: int = 10_000, trial_n: int = 600,
            survey_years: int = 3, trials: bool = True) -> pd.DataFrame:
    """One row per seed, one column per statistic (survey and, with ``trials``, virtual trials)."""
    scenario = Scenario() if scenario is None else scenario
    world = scenario.replace(n_agents=n_agents)
    rows = []
    for seed in seeds:
        s = epi.Survey(Engine(world, seed)).run(survey_years * 365)
        row = {"seed": seed, **survey_measures(s)}
        if trials:
            row.update(trial_measures(world, seed, trial_n))
        rows.append(row)
    return pd.DataFrame(rows)


def evaluate(measured: pd.DataFrame, targets=TARGETS) -> pd.DataFrame:
    """Each target's model value (mean over seeds, 95% interval) and whether it is in its band."""
    rows = []
    for t in targets:
        if t.key not in measured:
            continue
        x = measured[t.key].astype(float).dropna()
        mean = float(x.mean()) if len(x) else np.nan
        if len(x) > 1:
            half = stats.t.ppf(0.975, len(x) - 1) * x.std(ddof=1) / np.sqrt(len(x))
        else:
            half = np.nan
        rows.append({"id": t.id, "item": t.item, "target": t.name, "published": t.published,
                     "source": t.source, "band_low": t.low, "band_high": t.high, "model": mean,
                     "model_lo": mean - half, "model_hi": mean + half, "within": t.within(mean),
                     "fit": t.fit, "scale": t.scale})
    return pd.DataFrame(rows)
