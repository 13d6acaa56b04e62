"""Every model parameter, declared once.

Validation (:mod:`sim.core.scenario`), TOML loading, the dashboard sliders and the ODD parameter
tables all read :data:`PARAMETERS`. Nothing else in the package may hold a default value. The
one exception is by design: each intervention kind declares its effect-size parameter
(``KIND_effect``) and its unit costs (``cost_KIND_session_CUR``, ``cost_KIND_start_CUR``) beside its
effect in :mod:`sim.interventions.kinds`, which adds them to this table through
:func:`add_parameter`, so the table stays the one place every reader looks.

Conventions
-----------
* Internal states run from 0 (none) to 1 (scale maximum); :mod:`sim.core.scales` maps them to
  clinical units. A rule *weight* is in log-odds of the effect's target per unit of the
  cause on that 0-1 scale ("logit/unit"). A *bias* is the log-odds of a state's target when
  every cause sits at its reference level.
* Units are in the names where a name can carry them (``_days``, ``_per_year``, ``_nrs``,
  ``_phq9``, ``_mg_l``, ``_min_week``).
* ``source`` says where the default comes from, and starts with its provenance when it was
  fitted: ``fitted (run ..., loss ...)`` names the calibration run in
  ``sim/core/calibration_record.json`` that produced the value, and the default itself is read
  from that record (:func:`fitted_value`; ``tests/test_provenance.py`` fails when a default and
  the record disagree). Every other default was set by hand, and its source
  gives the reason and the evidence (``../shared/evidence.md``) -- including values first fitted
  and later changed by hand, which say so.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from sim.core.scales import NRS_MAX, PHQ9_MAX
from sim.core.state import RELAXING

GROUPS = ("run", "network", "time", "baseline", "demography", "noise", "shocks", "rules", "interventions", "scales", "utility",
          "costs")
"""Parameter groups, in the order tables list them."""


@dataclass(frozen=True)
class Param:
    """One parameter: its default, unit, allowed range, source and meaning."""

    name: str
    default: float | int
    unit: str
    low: float
    high: float
    source: str
    meaning: str
    group: str

    def __post_init__(self):
        # A parameter declared wrongly must fail when the table is built, not when a run reads it.
        if self.group not in GROUPS:
            raise ValueError(f"parameter '{self.name}': group '{self.group}' is not one of {', '.join(GROUPS)}")
        if not self.low <= self.default <= self.high:
            raise ValueError(f"parameter '{self.name}': default {self.default!r} is outside its range "
                             f"{self.range_text()} {self.unit}")

    @property
    def kind(self) -> type:
        """The parameter's type, ``int`` or ``float``, read off its default."""
        return int if isinstance(self.default, int) else float

    def range_text(self) -> str:
        """The allowed range as text, ``[low, high]``, for messages and tables."""
        return f"[{self.low:g}, {self.high:g}]"


RECORD_PATH = Path(__file__).with_name("calibration_record.json")
RECORD = json.loads(RECORD_PATH.read_text(encoding="utf-8"))
"""The calibration record: the runs that produced the fitted defaults, and each fitted value
(written by ``experiments/calibrate.py --write``; ``tests/test_provenance.py`` holds the defaults
below to it)."""


FROM_RECORD: dict[str, tuple[str, str]] = {}
"""Every parameter whose default is read from the record: name -> (run, recorded name). The
calibration sets each of them itself, so that what it computes never depends on the record it
replaces (sim.studies.calibration)."""


def fitted_value(stage: str, name: str, parameter: str | None = None) -> float | int:
    """The default of a fitted parameter, as the calibration run ``stage`` recorded it.

    Every fitted default is written once, in the record, by ``experiments/calibrate.py --write``;
    the table reads it from there (no value is copied by hand).

    Args:
        stage: the run that fitted it (``stage1`` or ``stage2``).
        name: the recorded parameter.
        parameter: the parameter whose default this is, when it is not ``name`` itself (a value
            set by hand equal to a fitted one, e.g. mindfulness_effect = cbt_effect).
    """
    entry = RECORD["parameters"].get(name)
    if entry is None or entry.get("run") != stage:
        raise ValueError(f"the calibration record {RECORD_PATH.name} has no value of '{name}' fitted by "
                         f"run '{stage}': run experiments/calibrate.py --write, or set '{name}' by hand")
    FROM_RECORD[parameter or name] = (stage, name)
    return entry["value"]


def fitted(stage: str, evidence: str = "") -> str:
    """Source text of a default fitted by a recorded run: its run, loss and method first."""
    run = RECORD["runs"][stage]
    text = f"fitted (run {run['id']}, loss {run['loss']:.3g}: {run['method']})"
    return f"{text}; {evidence}" if evidence else text


STAGE1 = fitted("stage1")
"""Natural-history defaults fitted by stage 1 of experiments/calibrate.py; a weight in one of its
group scales (sim.studies.calibration.STAGE1: the mood loop, pain's effects on support and stress,
mood -> pain) was fitted through that scale."""
HELD = ("set by hand: the value the 2026-11-28 stage-1 fit found (run stage1-2026-11-28, loss 6.4), held "
        "fixed by the issue-13 refit, whose evaluation budget covers the pain, sleep and mood-course "
        "coordinates (sim/studies/calibration.py STAGE1)")
"""Source of former stage-1 values the current calibration does not fit."""
HAND = "set by hand (not fitted by any recorded run)"
"""Start of the source of rule constants that earlier said 'fitted' but that no calibration run
fitted: switch steepnesses and weights chosen when the rules were built."""


def _p(group, name, default, unit, low, high, source, meaning):
    return Param(name, default, unit, low, high, source, meaning, group)


DOLAN = ("Dolan 1997 (Med Care 35:1095), UK EQ-5D-3L time trade-off tariff (MVH); the tariff values "
         "each dimension apart, so pain and low mood lose utility once each")

PSSRU08 = ("PSSRU Unit Costs of Health and Social Care 2008 (GBP, 2008/09 prices), as tabulated in "
           "BMC Health Serv Res 2011;11:33 (cost-effectiveness of CBT for depressed older people in primary "
           "care), Table 1 'Unit Costs (GBP 2008)' "
           "(https://bmchealthservres.biomedcentral.com/articles/10.1186/1472-6963-11-33/tables/1)")
"""The UK unit costs of staff time: one PSSRU volume, read from a published table that quotes it."""
MPFS2021 = ("Medicare Physician Fee Schedule 2021, national non-facility payment after the Consolidated "
            "Appropriations Act 2021 (conversion factor USD 34.8931), as summarised by the Texas Physical "
            "Therapy Association from APTA's analysis ('Update to CMS payment calculations further eases impact "
            "of cut', https://tpta.memberclicks.net/index.php?option=com_content&view=article&id=285)")
"""Where the US physiotherapy fees were read (a professional body's summary of the 2021 fee schedule,
not the CMS look-up tool itself)."""
CURRENCIES = ("gbp", "usd")
"""Currency suffixes of the cost parameters: the UK set (GBP) and the US set (USD). Price years are
NOT one per set: each source states its own (UK 2008/09-2009 except Rayner 2016 and generic duloxetine,
a 2020s NHS price; US 2005, 2014, 2021, 2022 and 2025), and no inflation index values were found in a source that could be read to put them on one
year (docs/validation_cea.md, 'Unit costs and their sources', made by
:func:`sim.studies.economics.costs.sources_table`). Each intervention kind's session and
start costs live with the kind (:mod:`sim.interventions.kinds`), which adds them to this table."""

# Annual health-care cost *in excess of* people with neither condition, by state; and the
# share of working days lost (societal perspective). {name: (gbp, usd, unit tail, source, meaning)}
_STATE_COSTS = {
    "cost_chronic_pain_year": (
        558.0, 2_580.0, "per person-year",
        "UK: Hong 2013 (Spine 38:75-82, abstract), UK GPRD 2007-2009, 12-month health-care cost of chronic low "
        "back pain GBP 1,074 vs GBP 516 in matched controls (2009 values); US: Martin 2008 (JAMA "
        "299:656-664, abstract), MEPS 2005, age- and sex-adjusted expenditure with spine problems USD 6,096 "
        "vs USD 3,516 without (2005 USD); both verified against the abstracts",
        "health-care cost of chronic pain (without depression) above people with neither"),
    "cost_depression_year": (
        1_132.0, 2_654.0, "per person-year",
        "UK: Rayner 2016 (Pain 157:1472-1479, abstract, verified), chronic pain patients of a tertiary pain "
        "centre: mean health-care cost per 3 months GBP 731 with depression vs GBP 448 without, x4 = GBP "
        "1,132 a year (price year not given in the abstract; no UK population figure found, used with or "
        "without pain); US: MEPS 2004-2011 pooled (147,095 adults), two-part model adjusted for "
        "socio-demographics, comorbidities and time trend, incremental cost of depression only USD 2,654 "
        "(95% CI 2,343-2,966) over neither, expenditures in 2014 USD -- figure verified in the abstract as "
        "reproduced by scite.ai (https://staging.scite.ai/reports/differential-impact-of-longitudinal-"
        "medication-1mJalM); that page does not show the paper's title or journal, which are Egede, Bishu, "
        "Walker & Dismuke 2016 (J Affect Disord 195:119-126) by memory: check the reference before citing",
        "health-care cost of depression (without chronic pain) above people with neither"),
    "cost_comorbid_year": (
        1_690.0, 5_234.0, "per person-year",
        "sum of the two rows above (UK: Rayner 2016 measured the depression increment inside chronic "
        "pain, so the sum is that measurement; US: no joint MEPS estimate of pain with depression found, "
        "additive)",
        "health-care cost of chronic pain with depression above people with neither"),
    "cost_work_day": (
        70.7, 113.0, "per working day lost",
        "UK: ONS ASHE 2009 statistical bulletin (12 Nov 2009): median gross annual earnings of full-time "
        "employees GBP 25,800 (verified) / 365; US: BLS Current Population Survey 2014, median usual weekly "
        "earnings of full-time wage and salary workers (not seasonally adjusted), the mean of the four 2014 "
        "quarterly medians, USD 791.25 / 7 = USD 113.04, used as 113 (2014 USD): Q1 USD 796 (BLS 'Usual "
        "Weekly Earnings' release USDL-14-0605, 17 Apr 2014), Q3 USD 790 and Q4 USD 799 (the BLS releases "
        "for those quarters, Q4 of 21 Jan 2015), all three read in the releases; Q2 USD 780 read in "
        "unemploymentdata.com's report of the BLS second-quarter release, not in the release itself. The "
        "BLS 2014 annual average (computed from the pooled months, so close to but not the same as the "
        "mean of the quarters) was not found; the three quarters read at BLS average USD 795 (USD 113.6 a "
        "day). BLS TED 30 Nov 2015 ('Women's earnings compared to men's earnings in 2014') gives the 2014 "
        "annual averages by sex, women USD 719 and men USD 871, which bracket it; human-capital method, "
        "everyone counted as employed",
        "value of one day of lost work (societal perspective only)"),
    "cost_after_exit_year": (
        0.0, 0.0, "per person-year",
        "stated choice, not a measurement: the state costs above are costs in excess of people with "
        "neither condition, and past the exit age the model follows neither condition, so it attributes "
        "no excess cost to the life-years there (the closure of the lifetime horizon, "
        "sim/studies/economics/costs.py). Survival past the exit age is the same in every arm (deaths "
        "do not depend on the interventions), so any value here adds the same amount to every arm "
        "and moves no incremental cost",
        "health-care cost per person-year after a cohort member reaches the exit age alive"),
}


def _cost_parameters() -> list[Param]:
    """The background cost rows of the table: excess health-care costs by state in both currencies,
    and the shares of work lost (each intervention kind adds its own session and start costs)."""
    rows = []
    for name, (gbp, usd, tail, source, meaning) in _STATE_COSTS.items():
        for cur, value in zip(CURRENCIES, (gbp, usd)):
            rows.append(_p("costs", f"{name}_{cur}", value, f"{cur.upper()} {tail}", 0.0, 1_000_000.0,
                           source, meaning))
    for name, value, source, meaning in (
            ("lost_work_share_chronic_pain", 0.201,
             "Bair 2008 (Psychosom Med 70:890-897, abstract, verified): 18.1 disability days in the past 3 "
             "months with chronic musculoskeletal pain only / 90 days",
             "share of days lost from work with chronic pain only"),
            ("lost_work_share_depression", 0.109,
             "Kessler 2006 (Am J Psychiatry 163:1561-1568, abstract, verified): major depressive disorder "
             "27.2 lost workdays per ill worker per year (NCS-R, absence plus presenteeism) / 250 working "
             "days",
             "share of days lost from work with depression only"),
            ("lost_work_share_comorbid", 0.422,
             "Bair 2008 (abstract, verified): 38.0 disability days in the past 3 months with pain and "
             "depression / 90 days",
             "share of days lost from work with chronic pain and depression")):
        rows.append(_p("costs", name, value, "share of days", 0.0, 1.0, source, meaning))
    return rows


_MODEL_PARAMETERS = (
    # ---- run --------------------------------------------------------------------------
    _p("run", "n_agents", 20_000, "people", 1, 10_000_000,
       "choice: 20k gives prevalences to +-0.3 percentage points",
       "number of adults simulated"),
    _p("run", "days", 365, "days", 1, 36_500,
       "choice: one year covers the 12/26/52-week outcomes trials report",
       "simulated days reported after the burn-in (day 0 is the first reported day)"),
    _p("run", "burn_in_days", 4_383, "days", 0, 36_500,
       "measured by the convergence criterion of sim.studies.drift (every 5-year mean of yearly "
       "prevalence within 0.15 points of the long-run mean), from the initial state for 30 years at the "
       "calibration's start values (10,000 people, 2 seeds, 2026-11-30): depression settles after 2 "
       "years overall (3 women, 6 men), chronic back pain after 7 (9 women, 6 men); 12 years leaves a "
       "margin. Coping fifths (2,000 people each) are noise-limited at that size (noise of a 5-year "
       "mean up to 0.27 points). The calibration runs at this burn-in (tests/test_calibration_run.py)",
"days simulated before day 0 so day 0 is the long-run state, not the initial guess"),
    # ---- social network -----------------------------------------------------------------
    _p("network", "network_mean_degree", 10, "ties", 2, 100,
       "Dunbar's 'sympathy group' of 12-15 close ties; 10 keeps the network sparse",
       "mean number of close social ties per person (small-world network)"),
    _p("network", "network_rewire_prob", 0.1, "probability", 0.0, 1.0,
       "Watts & Strogatz 1998: 0.01-0.1 gives short paths with high clustering",
       "share of ring-lattice ties rewired to a random person"),
    # ---- time constants ------------------------------------------------------------------
    _p("time", "pain_tau_days", 2.0, "days", 0.5, 30.0,
       "Edwards 2008: sleep and mood move next-day pain; pain follows its drivers within days",
       "time constant of pain relaxing to its target"),
    _p("time", "tissue_healing_tau_days", fitted_value("stage1", "tissue_healing_tau_days"), "days", 5.0, 120.0,
       STAGE1 + "; start set by hand (issue 13): was 19.77 (stage 1); 28 days gives about 22/100 at 6 weeks (Costa 2012: 23, 21-25) but only about 7 at 26 weeks (Costa: 12, 9-15): one exponential cannot follow Costa's slower second phase (a structural miss)",
       "time constant of healing of the nociceptive input of an acute back injury"),
    _p("time", "remodelling_tau_days", fitted_value("stage1", "remodelling_tau_days"), "days", 30.0, 730.0,
       STAGE1 + "; start set by hand (for calibration, issue 13): acute low back pain improves fast for about 6 weeks and "
       "slowly after (Costa 2012: 52/100 at onset, 23 at 6 weeks, 12 at 26, 6 at 52); a second, slow phase of "
       "healing over months carries the part of an injury still felt at 26 weeks",
       "time constant of the slow phase of healing of an acute back injury (remodelling)"),
    _p("time", "sensitisation_up_tau_days", 90.0, "days", 10.0, 720.0,
       "DESIGN feasibility note: ~90 days up; chronic pain is defined at 3 months",
       "time constant of central sensitisation building up while pain persists"),
    _p("time", "sensitisation_down_tau_days", 90.0, "days", 10.0, 1_440.0,
       'set by hand (start for calibration, issue 13): was 150; sensitisation fades within months once pain stops, so about 10% of chronic cases can be pain-free a year later (Nahin 2023)',
       "time constant of central sensitisation fading once pain stops"),
    _p("time", "low_mood_tau_days", 14.0, "days", 1.0, 120.0,
       "PHQ-9 asks about the last 2 weeks; SSRI effects separate from placebo in week 1-2 (Taylor 2006)",
       "time constant of depressive symptom load relaxing to its target"),
    _p("time", "activity_tau_days", 7.0, "days", 1.0, 60.0,
       "activity is reported per week (WHO 2020)",
       "time constant of physical activity relaxing to its target"),
    _p("time", "poor_sleep_tau_days", 3.0, "days", 1.0, 30.0,
       "Edwards 2008: sleep responds to the previous day's pain",
       "time constant of sleep quality relaxing to its target"),
    _p("time", "inflammation_tau_days", 21.0, "days", 2.0, 180.0,
       "CRP half-life is ~19 h but low-grade inflammation tracks weeks of exposure (Fedewa 2017: trials of 8+ weeks)",
       "time constant of low-grade inflammation relaxing to its target"),
    _p("time", "stress_tau_days", 30.0, "days", 3.0, 365.0,
       "Kendler 1998: a life event acts most in the month it happens",
       "time constant of stress (HPA activation) relaxing after a life event"),
    _p("time", "deconditioning_tau_days", 60.0, "days", 7.0, 365.0,
       "detraining takes weeks; Hayden 2021 exercise effects measured at ~12 weeks",
       "time constant of deconditioning (muscle weakness) following activity"),
    _p("time", "social_support_tau_days", 30.0, "days", 3.0, 365.0,
       "choice: relationships change over weeks to months, not days",
       "time constant of perceived social support"),
    _p("time", "rumination_tau_days", 21.0, "days", 3.0, 365.0,
       "Nolen-Hoeksema 2000: rumination prolongs depressive episodes over weeks; a slower memory "
       "than mood (14 days) so episodes outlast their trigger",
       "time constant of rumination following low mood"),
    _p("time", "mood_recovery_tau_days", fitted_value("stage1", "mood_recovery_tau_days"), "days", 10.0, 720.0,
       STAGE1 + '; start set by hand (issue 13): was 81.4 (stage 1, under the old strength structure); with coping setting the speed, 60 days at the median person gives a median episode near 3.5 months (Spijker 2002: 3.0)',
       "time constant of the slow recovery (coping, help-seeking) that builds during low mood"),
    _p("time", "mood_recovery_slowness_max", 30.0, "ratio", 1.0, 100.0,
       'set by hand (start for calibration, issue 13): the slowest copers build recovery at most 30 times slower than the median, so their episodes still end at a rate (the tail of NEMESIS-2: 12% not recovered at 3 years) and no near-absorbing state builds up over decades',
       "cap on how many times slower than the median recovery builds in the people who cope least"),
    # ---- baselines and traits ----------------------------------------------------------------
    _p("baseline", "pain_bias", fitted_value("stage1", "pain_bias"), "logit", -10.0, 5.0,
       STAGE1 + "; start set by hand (issue 13): was -3.496 (stage 1); with a perception threshold, most people's pain drive must sit well below it for NHIS's 61% without back pain in 3 months (Lucas 2021) -- at -4.5 about 59%; chronic back pain is then carried by the trait spread and sensitisation (12-13%, Shmagel 2016: 13.7%)",
       "log-odds of the pain target with no injury, sensitisation or other driver"),
    _p("baseline", "pain_threshold_nrs", fitted_value("stage1", "pain_threshold_nrs"), "NRS", 0.0, 3.0,
       STAGE1 + "; start set by hand (issue 13): a nociceptive signal below half an NRS point is not "
       "felt, so people whose pain drive sits low feel no pain at all (NHIS 2019: 61% of adults had no back "
       "pain in the past 3 months, Lucas 2021 NCHS Data Brief 415)",
       "perception threshold: the nociceptive signal (NRS, before the threshold) below which no pain is felt"),
    _p("baseline", "pain_sensitivity_sd", fitted_value("stage1", "pain_sensitivity_sd"), "logit", 0.0, 3.0,
       STAGE1 + '; start set by hand (issue 13): was 0.7375 (stage 1); a wider spread of pain sensitivity lets a pain-free majority and a chronic minority coexist under one threshold (NHIS: 61% no back pain in 3 months; NHANES 13.7% chronic LBP)',
       "between-person SD of pain sensitivity (trait), added to the pain drive"),
    _p("baseline", "low_mood_bias", fitted_value("stage1", "low_mood_bias"), "logit", -10.0, 5.0,
       STAGE1 + "; start set by hand (issue 13): was -3.0614 (stage 1); raised so point prevalence of PHQ-9 >= 10 is near NHANES's 8.1% (Brody 2018) with the new recovery structure",
       "log-odds of the low-mood target with every driver at its reference level"),
    _p("baseline", "mood_vulnerability_sd", 0.6941, "logit", 0.0, 3.0, HELD,
       "between-person SD of vulnerability to low mood (trait)"),
    _p("baseline", "activity_bias", -0.85, "logit", -6.0, 6.0,
       "Bull 2020: 27.5% of adults below 150 min/week; median near 200 min/week",
       "log-odds of the activity target (share of 600 min/week) with no pain or low mood"),
    _p("baseline", "habitual_activity_sd", 0.8, "logit", 0.0, 3.0,
       "Bull 2020: 27.5% insufficiently active at the population median used above",
       "between-person SD of habitual activity (trait)"),
    _p("baseline", "poor_sleep_bias", -1.9, "logit", -6.0, 6.0,
       "Buysse 1989: PSQI > 5 in roughly a third of community adults",
       "log-odds of the poor-sleep target (share of PSQI 21) with no pain or low mood"),
    _p("baseline", "inflammation_bias", -1.5, "logit", -6.0, 6.0,
       "choice: inflammation is low (0.18 of its range) at rest",
       "log-odds of the inflammation target at reference stress and activity"),
    _p("baseline", "stress_bias", -2.5, "logit", -6.0, 6.0,
       "choice: baseline HPA activation is low (0.08 of its range)",
       "log-odds of the stress target between life events"),
    _p("baseline", "deconditioning_bias", -1.5, "logit", -6.0, 6.0,
       "choice: deconditioning is low (0.18) at the WHO reference activity",
       "log-odds of the deconditioning target at the reference activity level"),
    _p("baseline", "social_support_bias", 1.0, "logit", -6.0, 6.0,
       "choice: most adults report adequate support (UCLA-3 short form below cut-off)",
       "log-odds of the social-support target with engaged ties and no pain or low mood"),
    _p("baseline", "sociability_sd", 0.7, "logit", 0.0, 3.0,
       "choice: loneliness varies widely between people (Hughes 2004 3-9 scale)",
       "between-person SD of sociability (trait)"),
    _p("baseline", "coping_sd", fitted_value("stage1", "coping_sd"), "log units", 0.0, 3.0,
       STAGE1 + "; start set by hand (issue 13): coping now sets the speed of recovery (sim.core.engine.recovery_rate); a wide spread gives NEMESIS's long tail (Spijker 2002: 50% recovered by 3 months, nearly 20% not by 24; ten Have 2018: 12% not by 36)",
       "between-person SD of the log of how fast each person's recovery builds during low mood (trait 'coping')"),
    _p("baseline", "crp_median_mg_l", 1.2, "mg/L", 0.1, 10.0,
       "Pearson 2003: 1-3 mg/L is average; population median ~1.2-1.5 mg/L",
       "median personal baseline hs-CRP"),
    _p("baseline", "crp_log_sd", 0.9, "ln(mg/L)", 0.0, 3.0,
       "Osimo 2019: CRP > 3 mg/L in ~20% of controls needs a wide log-normal baseline",
       "between-person SD of log baseline hs-CRP"),
    _p("baseline", "crp_inflammation_fold", 3.0, "fold", 1.0, 20.0,
       "Dowlati 2010 / Haapakoski 2015: CRP d 0.47 in depression; a full inflammatory load triples CRP",
       "factor by which CRP rises from its personal baseline at inflammation 1"),
    # ---- demography (sim.core.demography) -----------------------------------------------------
    _p("demography", "entry_age_years", 18, "years", 15, 60,
       "stated reason: NHIS counts adults from 18 (Dahlhamer 2018, the chronic-pain evidence); NHANES' "
       "PHQ-9 from 20 (Brody 2018) -- two of 67 years apart",
       "age at which adults enter the population (each leaver is replaced by one entrant of this age)"),
    _p("demography", "exit_age_years", 85, "years", 16, 100,
       "stated reason: NHIS top-codes age at 85 and the model's pain and depression evidence rarely "
       "covers the oldest old (85+ hold 4.3% of US adult person-years, US life table 2011)",
       "age at which people leave the population (deaths before it follow the US 2011 life table)"),
    _p("demography", "pain_age_logit_per_decade", 0.16, "logit/decade", -2.0, 2.0,
       "set by hand to the target back_pain_age_pr (so it counts as fitted): any back pain in 3 months, "
       "65+ vs 18-29, 1.61, band 1.50-1.72 (NHIS 2019, Lucas 2021): 0.16 gave 1.60 [1.54, 1.66] and 0.10 "
       "gave 1.34 (3,000 people, seeds 1-3, before the issue-13 refit); set before the refit "
       "(stage1 of docs/calibration.md ran with it). Consistent with Shmagel 2016's adjusted OR >= 2 for "
       "chronic LBP at 50-69 vs 20-34 years (Arthritis Care Res 68:1688, abstract)",
       "addition to the pain drive per decade of age above 50 (sim.core.demography.REFERENCE_AGE_YEARS)"),
    _p("demography", "low_mood_female_logit", 0.3, "logit", -3.0, 3.0,
       "set by hand to the target dep_sex_or (sim.studies.targets): PHQ-9 >= 10 in 10.4% of women vs "
       "5.5% of men, odds ratio 1.99, band 1.61-2.47 derived (Brody, Pratt & Hughes 2018, NCHS Data "
       "Brief 303, NHANES 2013-16, key findings; the same pattern in each age group 20-39, 40-59, 60+, "
       "and no difference by age, Fig. 1). Measured (3,000 people, 2-year survey after the 12-year "
       "burn-in, before the 2026-11-30 refit): 0.30 gave 1.77 (seeds 1-3), 0.35 gave 1.94 [1.72, 2.16], "
       "0.45 gave 2.53. Kept at 0.3, the value the shipped calibration (stage1-2026-11-30) ran with",
       "addition to the low-mood drive for women minus that for men (centred: +half for women, "
       "-half for men, so the overall level stays where it was fitted)"),
    # ---- daily noise -------------------------------------------------------------------------
    _p("noise", "pain_noise_sd", 0.5921, "logit/day", 0.0, 3.0,
       HELD + "; " + "Edwards 2008: day-to-day pain varies by about 1 NRS point in chronic pain",
       "SD of the daily random push on the pain target"),
    _p("noise", "low_mood_noise_sd", 0.3, "logit/day", 0.0, 3.0,
       "van de Leemput 2014: daily emotions fluctuate around each person's state",
       "SD of the daily random push on the low-mood target"),
    _p("noise", "poor_sleep_noise_sd", 0.8, "logit/day", 0.0, 3.0,
       "Edwards 2008: 78% of nights 6-9 h, the rest outside",
       "SD of the daily random push on the poor-sleep target"),
    _p("noise", "activity_noise_sd", 0.5, "logit/day", 0.0, 3.0,
       "choice: activity varies from week to week",
       "SD of the daily random push on the activity target"),
    _p("noise", "pain_drift_sd", fitted_value("stage1", "pain_drift_sd"), "logit", 0.0, 3.0,
       STAGE1 + '; start set by hand (issue 13): was 0.492 (stage 1), then 0.8; at 0.6 the slow drift turns chronic pain over (about 75% still chronic a year later; Nahin 2023: 61.4%) without putting everyone in mild pain',
       "stationary SD of the slow drift added to the pain drive"),
    _p("noise", "pain_drift_tau_days", fitted_value("stage1", "pain_drift_tau_days"), "days", 7.0, 1_825.0,
       STAGE1 + '; start set by hand (for calibration, issue 13): was 90, then 195 before; a drift that waxes and wanes over about a year turns chronic back pain over at the yearly rates of Nahin 2023 (about 10% of chronic cases pain-free a year later, 15% of non-chronic cases chronic), which a 90-day drift averaged away within the 3-month window of chronic pain',
       "correlation time of the slow pain drift"),
    _p("noise", "mood_drift_sd", 0.0, "logit", 0.0, 3.0,
       "set by hand: off (0) in the shipped defaults, a structure under study for issue 13. Between-"
       "person differences in the PHQ-9 that last months to years without an episode's switch (NHANES "
       "2013-16 has more adults at PHQ-9 10-14 than at 15+, 5.1% vs 2.9%, Brody 2018; the model without "
       "it has 2.4% vs 5.4%) need a source of slow variation besides the rumination switch; session "
       "10's scratch runs (docs/validation_notes.md) "
       "found SD 0.5 logit at 730 days moved PHQ-9's mild and moderate shares toward NHANES's. Until a "
       "calibration fits it, it adds nothing and the model's numbers are those without it",
       "stationary SD of the slow drift added to the low-mood drive"),
    _p("noise", "mood_drift_tau_days", 730.0, "days", 7.0, 1_825.0,
       "set by hand: 2 years, the time scale of session 10's scratch runs (a drift slower than an "
       "episode, so it shifts who is near the threshold for years, not the course of one episode); "
       "acts only when mood_drift_sd > 0",
       "correlation time of the slow low-mood drift"),
    # ---- shocks ----------------------------------------------------------------------------------
    _p("shocks", "injury_rate_per_year", 0.4527, "1/year", 0.0, 5.0,
       HELD + "; " + "Hoy 2012: 1-month LBP prevalence 23%; Pengel 2003: 73% recur within a year",
       "rate of new acute back-pain episodes (injury or strain) per person with a well-conditioned back"),
    _p("shocks", "remodelling_share", fitted_value("stage1", "remodelling_share"), "ratio", 0.0, 1.0,
       STAGE1 + "; start set by hand (for calibration, issue 13): the share of an injury's nociceptive input that "
       "heals in the slow phase; with it Costa 2012's two phases (fast to 6 weeks, slow to a year) can both "
       "be met, which one exponential could not (28.9/100 at 6 weeks vs 23, 8.0 at 26 weeks vs 12)",
       "share of an injury's input that also enters the slow-healing remodelling state"),
    _p("shocks", "injury_severity_mean", 0.4989, "tissue units", 0.05, 1.0,
       HELD + "; " + "Costa 2012: mean pain 52/100 at onset of acute LBP",
       "mean nociceptive input of an acute episode (exponential, capped at 1)"),
    _p("shocks", "injury_hazard_ratio_deconditioned", 2.5, "ratio", 1.0, 10.0,
       "weak muscles and poor posture (seed); depression predicts later onset of back pain (evidence 1)",
       "injury hazard at full deconditioning relative to none (log-linear in between)"),
    _p("shocks", "life_event_rate_per_year", 1.0, "1/year", 0.0, 12.0,
       "Kendler 1999: about one month in twelve holds a stressful life event",
       "rate of stressful life events (loss, conflict, job, money, illness) per person"),
    _p("shocks", "life_event_severity_mean", 0.1882, "stress units", 0.01, 1.0,
       HELD + "; " + "Kendler 1999: monthly MDD onset 0.9% with no event vs 3.4% with one",
       "mean rise in stress from one life event (exponential, stress capped at 1)"),
    # ---- feedback rules ------------------------------------------------------------------------
    _p("rules", "injury_to_pain_weight", fitted_value("stage1", "injury_to_pain_weight"), "logit/unit", 0.0, 20.0,
       STAGE1 + '; start set by hand (issue 13): was 7.0; with pain_bias lowered to -4.5 a typical injury (severity 0.5) still lifts pain to NRS 4-6 at onset (Costa 2012: 52/100)',
       "pain drive per unit of nociceptive input from an acute injury"),
    _p("rules", "pain_to_sensitisation_per_nrs", 2.5, "logit/NRS", 0.0, 5.0,
       'set by hand (start for calibration, issue 13): was 1.95; a steeper switch at about NRS 2 (-sensitisation_bias / steepness) so mild pain does not sensitise and the pain-free majority stays pain-free',
       "steepness of the sensitisation switch: drive per NRS point of current pain"),
    _p("rules", "sensitisation_bias", fitted_value("stage1", "sensitisation_bias"), "logit", -20.0, 0.0,
       STAGE1 + '; start set by hand (issue 13): was -4.4009 (stage 1); with the steepness above the switch sits near NRS 2',
       "log-odds of the sensitisation target with no pain (switch point = -bias / steepness NRS)"),
    _p("rules", "sensitisation_to_pain_weight", fitted_value("stage1", "sensitisation_to_pain_weight"), "logit/unit", 0.0, 10.0,
       STAGE1 + '; start set by hand (issue 13): was 2.1862 (stage 1), then 1.5; with the lower pain baseline a little more sensitisation feedback keeps chronic back pain near 13%',
       "pain drive per unit of central sensitisation (nociplastic pain)"),
    _p("rules", "mood_to_sensitivity_weight", fitted_value("stage1", "mood_to_sensitivity_weight"), "logit/unit", 0.0, 10.0,
       STAGE1 + "; " + "Pinheiro 2016 / Wong 2022: depression predicts chronicity of LBP (sign); via the mood -> pain scale",
       "sensitisation drive per unit of low mood (serotonin/norepinephrine)"),
    _p("rules", "mood_to_muscle_tension_weight", fitted_value("stage1", "mood_to_muscle_tension_weight"), "logit/unit", 0.0, 10.0,
       STAGE1 + "; " + "seed: depression increases muscle tension; Wong 2022 pain beta 0.11 (sign); via the mood -> pain scale",
       "pain drive per unit of low mood through muscle tension"),
    _p("rules", "mood_to_activity_weight", fitted_value("stage1", "mood_to_activity_weight"), "logit/unit", 0.0, 10.0,
       STAGE1 + "; " + "Pearce 2022 and behavioural activation theory (sign); via the mood-loop scale",
       "activity drive lost per unit of low mood (low motivation)"),
    _p("rules", "inactivity_to_deconditioning_weight", 4.0, "logit/unit", 0.0, 20.0,
       "choice: deconditioning doubles when activity falls from 150 to 50 min/week",
       "deconditioning drive per unit of activity below the reference level"),
    _p("rules", "deconditioning_to_pain_weight", 1.2, "logit/unit", 0.0, 10.0,
       HAND + ": Hayden 2021, exercise lowers CLBP pain 15/100, part of it through strength (sign)",
       "pain drive per unit of deconditioning"),
    _p("rules", "activity_reference", 0.25, "share of 600 min/week", 0.0, 1.0,
       "Bull 2020: WHO minimum 150 min/week = 0.25",
       "activity level at which activity rules contribute nothing (switching them off holds this level)"),
    _p("rules", "pain_to_activity_weight", fitted_value("stage1", "pain_to_activity_weight"), "logit/unit", 0.0, 10.0,
       STAGE1 + '; start set by hand (issue 13): was 2.5; with activity limitation defining high-impact pain (NHIS), 2.5 made 97% of chronic pain high-impact; at 1.0 about 35-45% is (NHIS 2016-21: 33-39%); start 0.92 since session 21: in probe runs of session 20 with pain -> mood at 0.25, 1.0 made 41% of chronic pain high-impact and 0.85 31%; Vlaeyen 2016 fear-avoidance (sign)',
       "activity drive lost per unit of pain (limitation and avoidance)"),
    _p("rules", "pain_to_sleep_weight", 1.0, "logit/unit", 0.0, 10.0,
       "set by hand (start for calibration, issue 13): kept at 1.0 while sleep -> pain rose tenfold: the diary's pain -> sleep Z is then about 1.5-3 (Edwards 2008: 3.1, band 1.1-5.1), weaker than sleep -> pain as published; poor sleepers among chronic pain about 75-85% (Sun 2021: 75.3%)",
       "poor-sleep drive per unit of pain"),
    _p("rules", "mood_to_sleep_weight", fitted_value("stage1", "mood_to_sleep_weight"), "logit/unit", 0.0, 10.0,
       STAGE1 + "; " + "PHQ-9 item 3 (sleep) is a depressive symptom; bridge symptom in Yang 2022; via the mood-loop scale",
       "poor-sleep drive per unit of low mood"),
    _p("rules", "sleep_to_sensitivity_weight", fitted_value("stage1", "sleep_to_sensitivity_weight"), "logit/unit", 0.0, 10.0,
       STAGE1 + "; start set by hand (issue 13): was 0.2 (stage 1); sized to the daily diary: last night's sleep -> today's pain Z about 7 (Edwards 2008: 7.9, band 5.9-9.9); Schrimpf 2015 partial sleep loss raises pain ES 0.30",
       "pain drive per unit of poor sleep (lower next-day pain thresholds)"),
    _p("rules", "sleep_to_mood_weight", fitted_value("stage1", "sleep_to_mood_weight"), "logit/unit", 0.0, 10.0,
       STAGE1 + "; " + "insomnia predicts later depression (evidence 3c, direction); via the mood-loop scale",
       "low-mood drive per unit of poor sleep"),
    _p("rules", "pain_to_social_support_weight", fitted_value("stage1", "pain_to_social_support_weight"), "logit/unit", 0.0, 10.0,
       STAGE1 + "; " + "seed: pain strains relationships and makes people miss out (sign); via the scale of pain's effects on support and stress",
       "social-support drive lost per unit of pain"),
    _p("rules", "mood_to_social_support_weight", fitted_value("stage1", "mood_to_social_support_weight"), "logit/unit", 0.0, 10.0,
       STAGE1 + "; " + "DESIGN: support shrinks as low mood withdraws a person (sign); via the mood-loop scale",
       "social-support drive lost per unit of low mood (withdrawal)"),
    _p("rules", "ties_to_social_support_weight", 1.5, "logit/unit", 0.0, 10.0,
       HAND + ": Cacioppo 2009, loneliness spreads through ties (sign)",
       "social-support drive per unit of mean support among one's ties"),
    _p("rules", "support_reference", 0.7, "share", 0.0, 1.0,
       "choice: typical support level of a well adult in this model",
       "support level at which support rules contribute nothing"),
    _p("rules", "support_to_mood_weight", fitted_value("stage1", "support_to_mood_weight"), "logit/unit", 0.0, 10.0,
       STAGE1 + "; " + "Mann 2022: loneliness -> new depression aOR 2.3 (sign); via the mood-loop scale",
       "low-mood drive lost per unit of social support above the reference"),
    _p("rules", "support_to_stress_weight", 1.5, "logit/unit", 0.0, 10.0,
       "seed: support buffers stress; Pfeiffer 2011 peer support SMD -0.59",
       "stress drive lost per unit of social support above the reference"),
    _p("rules", "pain_to_mood_weight", fitted_value("stage1", "pain_to_mood_weight"), "logit/unit", 0.0, 10.0,
       STAGE1 + "; start 0.25 set by hand (session 21): 0.1 by hand since commit 382e38c, after stage 1 had fitted 0.1931; session 20's probe grids put the most targets in band at 0.2-0.3 (docs/validation_notes.md); Glette 2021 OR 2.0 and Gerrits 2014 HR 1.3-4 for incident depression (sign)",
       "low-mood drive per unit of pain (frustration, hopelessness)"),
    _p("rules", "pain_to_stress_weight", fitted_value("stage1", "pain_to_stress_weight"), "logit/unit", 0.0, 10.0,
       STAGE1 + "; " + "seed: living with constant pain is draining (sign); via the scale of pain's effects on support and stress",
       "stress drive per unit of pain"),
    _p("rules", "mood_to_stress_weight", fitted_value("stage1", "mood_to_stress_weight"), "logit/unit", 0.0, 10.0,
       STAGE1 + "; " + "seed: chronic stress is common in depression (sign); via the mood-loop scale",
       "stress drive per unit of low mood"),
    _p("rules", "stress_to_mood_weight", 2.6717, "logit/unit", 0.0, 10.0,
       HELD + "; " + "Kendler 1999: OR 5.6 for MDD onset in the month of a severe event",
       "low-mood drive per unit of stress (HPA activation)"),
    _p("rules", "stress_to_inflammation_weight", 3.0, "logit/unit", 0.0, 10.0,
       "seed: chronic stress raises inflammation; Osimo 2019 CRP > 3 in 27% of depressed",
       "inflammation drive per unit of stress"),
    _p("rules", "inflammation_to_pain_weight", 0.8, "logit/unit", 0.0, 10.0,
       "Lim 2020 / Morris 2020: CRP tracks pain in acute LBP (beta 0.17)",
       "pain drive per unit of inflammation"),
    _p("rules", "inflammation_to_mood_weight", 0.8, "logit/unit", 0.0, 10.0,
       "Haapakoski 2015: CRP d 0.47 in depression (sickness behaviour)",
       "low-mood drive per unit of inflammation"),
    _p("rules", "activity_to_inflammation_weight", 1.5, "logit/unit", 0.0, 10.0,
       "Fedewa 2017: exercise lowers CRP, ES 0.26",
       "inflammation drive lost per unit of activity above the reference"),
    _p("rules", "activity_to_mood_weight", fitted_value("stage1", "activity_to_mood_weight"), "logit/unit", 0.0, 10.0,
       STAGE1 + "; " + "Pearce 2022: 150 min/week -> incident depression RR 0.75; Noetel 2024 g -0.4 to -0.6 (sign); via the mood-loop scale",
       "low-mood drive lost per unit of activity above the reference"),
    _p("rules", "mood_to_rumination_per_phq9", 0.6, "logit/PHQ-9 point", 0.0, 5.0, HAND + ": the switch sits near PHQ-9 12 (rumination_bias / steepness)",
       "steepness of the rumination switch: drive per PHQ-9 point of current low mood"),
    _p("rules", "rumination_bias", -7.4224, "logit", -20.0, 0.0, HELD,
       "log-odds of the rumination target at PHQ-9 0 (switch point = -bias / steepness points)"),
    _p("rules", "rumination_to_mood_weight", 3.246, "logit/unit", 0.0, 10.0,
       HELD + "; " + "Hosenfeld 2015: depressed mood has two states in most people (needs a reinforcing loop)",
       "low-mood drive per unit of rumination"),
    _p("rules", "mood_switch_follows_resting", 0.0, "share", 0.0, 1.0,
       "set by hand: off (0) in the shipped defaults, a structure under study for issue 13 (session 15). "
       "NHANES 2013-16 has more adults at PHQ-9 10-14 than at 15+ (5.1% vs 2.9%, Brody 2018) and its "
       "totals fall exponentially (Tomitaka 2018): moderate symptoms that last without an episode's "
       "switch. With one switch point for everyone, a person whose resting mood is high is tipped into "
       "an episode by their usual level, so the model has no stable moderate course (2.4% at 10-14 vs "
       "5.4% at 15+). 1 moves each person's switch with their own resting mood (an episode is a "
       "departure from one's usual state, as in 'double depression', episodes on a chronic low mood: "
       "Keller & Shapiro 1982, Am J Psychiatry 139:438). "
       "Until a calibration fits it, it adds nothing and the model's numbers are those without it",
       "share of a person's resting low-mood offset (trait and sex, against the typical person) by "
       "which the rumination and recovery switch points move"),
    _p("rules", "mood_to_recovery_per_phq9", 0.6, "logit/PHQ-9 point", 0.0, 5.0, HAND + ": with mood_recovery_bias the switch sits near PHQ-9 12, so recovery builds during an episode",
       "steepness of the slow recovery switch: drive per PHQ-9 point of current low mood"),
    _p("rules", "mood_recovery_bias", -7.0, "logit", -20.0, 0.0, HAND + ": with the steepness above, recovery builds from PHQ-9 ~12",
       "log-odds of the recovery target at PHQ-9 0 (switch point = -bias / steepness points)"),
    _p("rules", "recovery_to_mood_weight", 3.7851, "logit/unit", 0.0, 10.0,
       HELD + "; " + "evidence 2: untreated episodes often remit within months",
       "low-mood drive lost per unit of built-up recovery"),
    # ---- scales ----------------------------------------------------------------------------------
    _p("scales", "pain_max_nrs", 9.0, "NRS", 5.0, 10.0,
       "DESIGN feasibility note: without a ceiling the stuck state runs to NRS 10",
       "ceiling of the pain target (NRS)"),
    _p("scales", "low_mood_max_phq9", 24.0, "PHQ-9", 10.0, 27.0,
       "DESIGN feasibility note: without a ceiling the stuck state runs to PHQ-9 27",
       "ceiling of the low-mood target (PHQ-9)"),
    _p("scales", "activity_max_min_week", 600.0, "min/week", 300.0, 1_500.0,
       "Bull 2020: 150-300 min/week recommended; 600 is twice the upper recommendation",
       "minutes of moderate activity per week at activity state 1"),
    # ---- health-related quality of life (EQ-5D-3L, sim.core.utility) ------------------------
    _p("utility", "eq5d_any_problem_decrement", 0.081, "utility", 0.0, 0.5, DOLAN,
       "utility lost once if any EQ-5D dimension is at level 2 or 3 (the tariff's constant)"),
    _p("utility", "eq5d_pain_moderate_decrement", 0.123, "utility", 0.0, 1.0, DOLAN,
       "utility lost at EQ-5D pain/discomfort level 2 (moderate)"),
    _p("utility", "eq5d_pain_extreme_decrement", 0.386, "utility", 0.0, 1.0, DOLAN,
       "utility lost at EQ-5D pain/discomfort level 3 (extreme)"),
    _p("utility", "eq5d_mood_moderate_decrement", 0.071, "utility", 0.0, 1.0, DOLAN,
       "utility lost at EQ-5D anxiety/depression level 2 (moderate)"),
    _p("utility", "eq5d_mood_extreme_decrement", 0.236, "utility", 0.0, 1.0, DOLAN,
       "utility lost at EQ-5D anxiety/depression level 3 (extreme)"),
    _p("utility", "eq5d_usual_activities_decrement", 0.036, "utility", 0.0, 1.0,
       DOLAN + "; high-impact chronic pain is pain that limits life or work activities on most "
       "days (Dahlhamer 2018), i.e. usual activities at level 2",
       "utility lost at EQ-5D usual activities level 2, taken by people with high-impact pain"),
    _p("utility", "eq5d_n3_decrement", 0.269, "utility", 0.0, 1.0, DOLAN,
       "utility lost once if any EQ-5D dimension is at level 3 (the tariff's N3 term)"),
    _p("utility", "eq5d_pain_moderate_nrs", 4.0, "NRS", 0.0, 10.0,
       "Dixon 2011 (Health Qual Life Outcomes 9:96): the public placed EQ-5D 'moderate pain' at "
       "NRS 4 (median)",
       "NRS at which half of people report EQ-5D pain/discomfort level 2 or worse"),
    _p("utility", "eq5d_pain_extreme_nrs", 8.0, "NRS", 0.0, 10.0,
       "Dixon 2011: 'extreme pain' placed at NRS 8 (median)",
       "NRS at which half of people report EQ-5D pain/discomfort level 3"),
    _p("utility", "eq5d_nrs_spread", 1.0, "NRS", 0.05, 5.0,
       "stated reason: people at one NRS answer the 3-level item differently (Dixon 2011 gives "
       "medians only); one point is the day-to-day NRS variation in chronic pain (Edwards 2008)",
       "logistic scale of the NRS -> EQ-5D pain level switch"),
    _p("utility", "eq5d_mood_moderate_phq9", 10.0, "PHQ-9", 0.0, 27.0,
       "Kroenke 2001: PHQ-9 >= 10 is moderate depression",
       "PHQ-9 at which half of people report EQ-5D anxiety/depression level 2 or worse"),
    _p("utility", "eq5d_mood_extreme_phq9", 20.0, "PHQ-9", 0.0, 27.0,
       "Kroenke 2001: PHQ-9 >= 20 is severe depression",
       "PHQ-9 at which half of people report EQ-5D anxiety/depression level 3"),
    _p("utility", "eq5d_phq9_spread", 2.5, "PHQ-9", 0.05, 10.0,
       "stated reason: half the individual PHQ-9 MCID of 5 points (Lowe 2004), so the switch "
       "spreads over about one MCID either side",
       "logistic scale of the PHQ-9 -> EQ-5D anxiety/depression level switch"),
    # ---- costs (sim.studies.economics): a UK set (GBP) and a US set (USD) ----------------------
    *_cost_parameters(),
)

_TABLE: dict[str, Param] = {}
_DEFAULTS: dict[str, float | int] = {}
_ORDER: list[Param] = []


class _Table(Sequence):
    """Every parameter in group order; a live read-only view, so no reader holds a stale copy
    when an intervention kind is added or removed."""

    def __getitem__(self, i):
        return _ORDER[i]

    def __len__(self) -> int:
        return len(_ORDER)

    def __repr__(self) -> str:
        return f"PARAMETERS({len(self)} parameters)"


PARAMETERS: Sequence[Param] = _Table()
"""Every parameter, grouped in :data:`GROUPS` order (read-only)."""

PARAMS: MappingProxyType = MappingProxyType(_TABLE)
"""Parameters by name (read-only)."""

DEFAULTS: MappingProxyType = MappingProxyType(_DEFAULTS)
"""Default value of every parameter by name (read-only)."""


def _reorder() -> None:
    _ORDER[:] = sorted(_TABLE.values(), key=lambda p: GROUPS.index(p.group))


def add_parameter(param: Param) -> None:
    """Add a parameter to the table (intervention kinds add their effect sizes this way)."""
    if param.name in _TABLE:
        raise ValueError(f"parameter '{param.name}' is declared twice")
    _TABLE[param.name] = param
    _DEFAULTS[param.name] = param.default
    _reorder()


def remove_parameter(name: str) -> None:
    """Take a parameter out of the table again (when its intervention kind is removed)."""
    del _TABLE[name], _DEFAULTS[name]
    _reorder()


for _param in _MODEL_PARAMETERS:
    add_parameter(_param)


def parameter_names() -> list[str]:
    """Names of all parameters, in table order.

    Returns:
        The names, as in :data:`PARAMETERS` (``painloop params`` prints the whole table).

    Examples:
        >>> "pain_to_mood_weight" in sim.parameter_names()
        True
    """
    return [p.name for p in PARAMETERS]


def _daily_ou(sd: float, tau_days: float) -> tuple[float, float]:
    """An Ornstein-Uhlenbeck process of stationary SD ``sd`` and correlation time ``tau_days``,
    stepped daily: the day's decay factor and the SD of the day's innovation (exact)."""
    return math.exp(-1.0 / tau_days), sd * math.sqrt(-math.expm1(-2.0 / tau_days))


class Params:
    """A run's parameter values as attributes (what the rules read), plus derived kinetics.

    ``rate[state]`` is the share of the gap to its target a state closes in one day,
    ``1 - exp(-1 / tau)`` (exact for a target held constant over the day); ``ceiling[state]`` is
    the top of its target on the internal 0-1 scale.
    """

    def __init__(self, values):
        self.__dict__.update(values)
        self.rate = {s.name: -math.expm1(-1.0 / values[s.tau]) for s in RELAXING}
        self.rate_sensitisation_up = -math.expm1(-1.0 / values["sensitisation_up_tau_days"])
        self.rate_sensitisation_down = -math.expm1(-1.0 / values["sensitisation_down_tau_days"])
        self.pain_threshold = values["pain_threshold_nrs"] / values["pain_max_nrs"]
        self.tissue_decay = math.exp(-1.0 / values["tissue_healing_tau_days"])
        self.remodelling_decay = math.exp(-1.0 / values["remodelling_tau_days"])
        self.drift_decay, self.drift_innovation_sd = _daily_ou(values["pain_drift_sd"], values["pain_drift_tau_days"])
        self.mood_drift_decay, self.mood_drift_innovation_sd = _daily_ou(values["mood_drift_sd"],
                                                                         values["mood_drift_tau_days"])
        self.ceiling = {"pain": values["pain_max_nrs"] / NRS_MAX, "low_mood": values["low_mood_max_phq9"] / PHQ9_MAX}

    def values(self) -> dict:
        """Every parameter's value, by name, in table order."""
        return {name: self.__dict__[name] for name in PARAMS}
