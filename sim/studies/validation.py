"""The validation report: every target, the model's value with its interval, and figures.

``painloop validate [--quick] [--out DIR]`` (and ``experiments/validate.py``) measures all
:data:`sim.studies.targets.TARGETS` over several seeds and writes ``validation.md``: the share
within band counted apart for fitted targets (the defaults were tuned on them, or a structure or
estimator was chosen against them) and for targets only checked; a table (target / source /
published / band and where it comes from / model with 95% interval over seeds / within / how
it was used); prevalence by sex and age band beside the published figures ("Age and sex",
:func:`age_sex_table`); each target's case definition; the statistics reported without a band;
figures of model vs data; and the hand-written discussion of misses kept in ``docs/validation_notes.md``.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.running.files import write_into
from sim.running.plots import save
from sim.running.scripts import DOCS
from sim.core.scenario import Scenario
from sim.core import scales
from sim.studies.targets import (AGE_SEX_BANDS, AGE_SEX_PUBLISHED, NHANES_PHQ9_BANDS, PHQ9_SCORE_KEYS, TARGETS,
                                 TARGETS_BY_ID, TOMITAKA_2018, _mean_interval, conflicting_targets, evaluate,
                                 measure, reported)

QUICK = {"seeds": (0, 1), "n_agents": 4_000, "trial_n": 400, "trial_agents": 6_000}
FULL = {"seeds": (0, 1, 2, 3, 4), "n_agents": 10_000, "trial_n": 1_200, "trial_agents": 20_000}
"""Validation's sizes. The trials' town (``trial_agents``) is large enough to recruit ``trial_n``
(until session 8 they ran in the survey's town of 10,000, which recruited about 1,000 with chronic
back pain and 720 depressed)."""
SHOWN = (-1.5, 2.5)
"""Range of the targets figure, in band widths; model values beyond it are drawn at its edge."""
NOTES = DOCS / "validation_notes.md"
"""Hand-written discussion appended to the generated report."""
CEA_SECTION = DOCS / "validation_cea.md"
"""Cost-effectiveness section (experiments/cea_published.py), appended likewise."""


def _fmt(x: float, scale: float) -> str:
    if not np.isfinite(x):
        return "n/a"
    v = x * scale
    return f"{v:.3g}" if abs(v) < 100 else f"{v:.0f}"


def table_markdown(ev: pd.DataFrame) -> str:
    """The validation table in Markdown: each target, published value, band, model with its
    interval over seeds, within or not, and whether calibration used it.
    """
    lines = ["| # | target | published | band (basis) | model [95% interval over seeds] | within | used |",
             "|---|---|---|---|---|---|---|"]
    for _, r in ev.iterrows():
        s = r["scale"]
        unit = "%" if s == 100 else ""
        band = f"{_fmt(r['band_low'], s)} to {_fmt(r['band_high'], s)}{unit} ({r['band_basis']})"
        model = f"{_fmt(r['model'], s)}{unit} [{_fmt(r['model_lo'], s)}, {_fmt(r['model_hi'], s)}]"
        used = f"fit: {r['used']}" if r["fit"] else "check"
        lines.append(f"| {r['item']} | {r['target']} ({r['source']}) | {r['published']} | {band} | {model} | "
                     f"{'yes' if r['within'] else '**no**'} | {used} |")
    return "\n".join(lines)


def definitions_markdown(ev: pd.DataFrame) -> str:
    """Each target's definition as the model measures it, one Markdown bullet per target."""
    return "\n".join(f"* **{r['target']}** -- {r['definition']}" for _, r in ev.iterrows())


def reported_markdown(rep: pd.DataFrame) -> str:
    """The statistics reported without a band, in Markdown: the model with its interval over
    seeds, and what was published and why it has no band.
    """
    lines = ["| statistic | model [95% interval over seeds] | published, and why it has no band |", "|---|---|---|"]
    for _, r in rep.iterrows():
        lines.append(f"| `{r['key']}` | {_fmt(r['model'], 1)} [{_fmt(r['model_lo'], 1)}, {_fmt(r['model_hi'], 1)}] "
                     f"| {r['meaning']} |")
    return "\n".join(lines)


def targets_figure(ev: pd.DataFrame) -> Figure:
    """Each target on its own scale: band from 0 to 1, the published value and the model."""
    fig = Figure(figsize=(10, 0.32 * len(ev) + 1.6), layout="constrained")
    ax = fig.subplots()
    y = np.arange(len(ev))[::-1]
    for yi, (_, r) in zip(y, ev.iterrows()):
        lo, hi = r["band_low"], r["band_high"]
        width = hi - lo
        norm = lambda v: (v - lo) / width  # noqa: E731
        ax.barh(yi, 1.0, left=0.0, height=0.6, color="#dddddd")
        target = next(t for t in TARGETS if t.id == r["id"])
        ax.plot(norm(target.value), yi, "D", color="#444444", ms=5)
        colour = "#1b7837" if r["within"] else "#b2182b"
        if np.isfinite(r["model_lo"]):
            ax.plot(np.clip([norm(r["model_lo"]), norm(r["model_hi"])], *SHOWN), [yi, yi], color=colour, lw=2)
        x = norm(r["model"])
        marker = "o" if SHOWN[0] <= x <= SHOWN[1] else ("<" if x < SHOWN[0] else ">")
        ax.plot(np.clip(x, *SHOWN), yi, marker, color=colour, ms=6)
    ax.set_yticks(y, [f"{r['item']}. {r['target'][:70]}" for _, r in ev.iterrows()], fontsize=7)
    ax.set_xlim(SHOWN[0] - 0.1, SHOWN[1] + 0.1)
    ax.axvline(0, color="grey", lw=0.5)
    ax.axvline(1, color="grey", lw=0.5)
    ax.set_xlabel("position in the band (0 = lower edge, 1 = upper edge; triangle: further out that way)")
    ax.set_title("painloop vs published figures: grey band = acceptance band, diamond = published value,\n"
                 "dot = model (mean over seeds) with 95% interval; green within band, red outside", fontsize=9)
    return fig


def acute_course_figure(measured: pd.DataFrame) -> Figure:
    """The acute back-pain course of the model's inception cohort (weeks 6, 26 and 52) against
    Costa 2012's pooled cohorts.

    Returns:
        A matplotlib Figure.
    """
    fig = Figure(figsize=(6, 4), layout="constrained")
    ax = fig.subplots()
    weeks = [6, 26, 52]
    model = [measured[f"acute_pain_week_{w}"].mean() for w in weeks]
    costa = [23, 12, 6]
    ax.plot(weeks, costa, "D--", color="#444444", label="Costa 2012 (33 cohorts)")
    ax.plot(weeks, model, "o-", color="#2166ac", label="painloop inception cohort")
    ax.set(xlabel="weeks after onset", ylabel="mean pain (0-100)", ylim=(0, None),
           title="Course of acute low back pain")
    ax.legend()
    return fig


def phq9_distribution_figure(measured: pd.DataFrame) -> Figure | None:
    """The share of adults at each PHQ-9 total (model: mean and range over seeds) on a log axis,
    beside NHANES 2013-16's four severity bands with each band's share spread evenly over its
    scores (:data:`sim.studies.targets.NHANES_PHQ9_BANDS`). An exponential fall, as Tomitaka 2018
    found in NHANES, is a straight line here. None if the run did not measure the distribution.
    """
    shares = _phq9_shares(measured)
    if shares is None:
        return None
    fig = Figure(figsize=(7, 4.2), layout="constrained")
    ax = fig.subplots()
    scores = np.arange(shares.shape[1])
    ax.fill_between(scores, shares.min(axis=0), shares.max(axis=0), color="#2166ac", alpha=0.25, lw=0,
                    label="painloop, range over seeds")
    ax.plot(scores, shares.mean(axis=0), "o-", ms=3.5, color="#2166ac", label="painloop, mean over seeds")
    for i, (first, last, share) in enumerate(NHANES_PHQ9_BANDS):
        per_point = share / (last - first + 1)
        ax.hlines(per_point, first - 0.5, last + 0.5, color="#444444", lw=2.2,
                  label="NHANES 2013-16 (Brody 2018), each band's share\nspread evenly over its scores"
                  if i == 0 else None)
    for _, last, _ in NHANES_PHQ9_BANDS[:-1]:
        ax.axvline(last + 0.5, color="#999999", lw=0.8, ls=":")
    ax.set_yscale("log")
    ax.set(xlabel="PHQ-9 total (14-day)", ylabel="share of adults >= 20 (log axis)",
           xlim=(-0.7, 27.7), ylim=(1e-4, 0.6),
           title="PHQ-9 totals: the model's distribution and NHANES's bands")
    ax.legend(fontsize=8, loc="upper right")
    return fig


def phq9_distribution_markdown(measured: pd.DataFrame) -> list[str]:
    """The report's lines on the PHQ-9 distribution (none if the run did not measure it)."""
    shares = _phq9_shares(measured)
    if shares is None:
        return []
    case, severe = int(scales.DEPRESSION_PHQ9), int(scales.PHQ9_SEVERE)
    mean = shares.mean(axis=0)
    severe_of_cases = mean[severe:].sum() / mean[case:].sum()
    published = (sum(share for first, _, share in NHANES_PHQ9_BANDS if first >= severe)
                 / sum(share for first, _, share in NHANES_PHQ9_BANDS if first >= case))
    return ["## The PHQ-9 distribution", "",
            "The share of adults >= 20 at each PHQ-9 total (the 14-day PHQ-9 of the survey's weekly waves, "
            "rounded to whole points), not scored. NHANES's totals fall exponentially above the low end, "
            f"a straight line on the log axis below ({TOMITAKA_2018}; shares below 1 in 10,000 fall off "
            f"its bottom). Of the model's adults at PHQ-9 >= "
            f"{case}, {100 * severe_of_cases:.0f}% score {severe} or more (NHANES 2013-16: {100 * published:.0f}%).", "",
            "![PHQ-9 distribution](figures/validation_phq9_distribution.png)", ""]


def _phq9_shares(measured: pd.DataFrame) -> np.ndarray | None:
    """(seeds, scores): the share of adults at each PHQ-9 total, or None if the run did not
    measure the distribution."""
    if not set(PHQ9_SCORE_KEYS) <= set(measured.columns):
        return None
    return measured[list(PHQ9_SCORE_KEYS)].to_numpy()


def age_sex_table(measured: pd.DataFrame) -> pd.DataFrame:
    """Model prevalence per sex and age band (mean over seeds, 95% interval) beside the published
    figure (:data:`sim.studies.targets.AGE_SEX_PUBLISHED`), one row per study and group."""
    rows = []
    for key, (study, group, published) in AGE_SEX_PUBLISHED.items():
        if key not in measured:
            continue
        mean, lo, hi = _mean_interval(measured[key])
        rows.append({"key": key, "study": study, "group": group, "published": published,
                     "model": mean, "model_lo": lo, "model_hi": hi})
    return pd.DataFrame(rows)


def age_sex_markdown(table: pd.DataFrame) -> str:
    """The age and sex table in Markdown, with each study's measure and age range."""
    if table.empty:
        return "Not measured in this run (the measurements predate the age and sex statistics).\n"
    lines = []
    for study, rows in table.groupby("study", sort=False):
        (lo_age, hi_age), _, _, what = AGE_SEX_BANDS[study]
        ages = f"{lo_age:.0f}+" if not np.isfinite(hi_age) else f"{lo_age:.0f}-{hi_age - 1:.0f}"
        lines += [f"**{study}** (model measured at ages {ages}; the model has nobody over 85): {what}.", "",
                  "| group | published | model [95% interval over seeds] |", "|---|---|---|"]
        for _, r in rows.iterrows():
            pub = "not read" if not np.isfinite(r["published"]) else f"{100 * r['published']:.1f}%"
            lines.append(f"| {r['group']} | {pub} | {_fmt(r['model'], 100)}% [{_fmt(r['model_lo'], 100)}, "
                         f"{_fmt(r['model_hi'], 100)}] |")
        lines.append("")
    return "\n".join(lines)


AGE_SEX_TITLES = {"dep": ("depression (PHQ-9 >= 10)", "dep_point", False),
                  "cbp": ("chronic back pain", "cbp_prevalence", False),
                  "back_pain_3m": ("any back pain, past 3 months", "no_back_pain_3m", True)}
"""Per model statistic of the age and sex figure: its title, the target holding the study's overall
figure (drawn as a dashed line) and whether that target is the complement (no back pain)."""


def age_sex_figure(table: pd.DataFrame) -> Figure:
    """Grouped bars per study: the model's prevalence per sex and age band (bar, 95% interval over
    seeds) beside the published figure (grey bar; absent where none was read); the dashed line is
    the study's published overall prevalence."""
    studies = list(dict.fromkeys(table["study"]))
    fig = Figure(figsize=(4 * len(studies), 3.4), layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, len(studies)))
    for ax, study in zip(axes, studies):
        rows = table[table["study"] == study]
        x = np.arange(len(rows))
        pub = 100 * rows["published"].to_numpy(float)
        model = 100 * rows["model"].to_numpy(float)
        err = 100 * np.vstack([rows["model"] - rows["model_lo"], rows["model_hi"] - rows["model"]])
        err = np.where(np.isfinite(err), err, 0.0)
        ax.bar(x - 0.2, np.nan_to_num(pub), 0.4, color="#bbbbbb", label="published")
        ax.bar(x + 0.2, model, 0.4, color="#2166ac", yerr=err, capsize=3, label="painloop")
        for xi in x[~np.isfinite(pub)]:
            ax.text(xi - 0.2, 0.5, "n/a", ha="center", va="bottom", fontsize=7, rotation=90)
        ax.set_xticks(x, rows["group"], fontsize=8)
        title, overall_id, complement = AGE_SEX_TITLES[AGE_SEX_BANDS[study][2]]
        overall = TARGETS_BY_ID[overall_id].value
        ax.axhline(100 * (1 - overall if complement else overall), color="#444444", ls="--", lw=0.8)
        ax.set_title(f"{study}: {title}", fontsize=9)
        ax.set_ylabel("prevalence (%)")
    axes[0].legend(fontsize=8, title="dashed: study overall", title_fontsize=7)
    return fig


def validate(scenario: Scenario | None = None, out="docs", quick: bool = False, progress: bool = True) -> pd.DataFrame:
    """Measure every target and write ``validation.md`` and its figures into ``out``."""
    settings = QUICK if quick else FULL
    started = time.time()
    measured = measure(scenario, seeds=settings["seeds"], n_agents=settings["n_agents"],
                       trial_n=settings["trial_n"], trial_agents=settings["trial_agents"])
    return write_report(measured, out, quick, (time.time() - started) / 60)


def _recruited(measured: pd.DataFrame) -> str:
    """The smallest number any trial recruited, as a phrase for the report ('' for a measured table
    older than the ``*_trial_recruited`` columns)."""
    cols = [c for c in ("clbp_trial_recruited", "depressed_trial_recruited") if c in measured]
    if not cols:
        return ""
    return f"(smallest recruited: {int(measured[cols].min().min()):,}) "


def write_report(measured: pd.DataFrame, out="docs", quick: bool = False, minutes: float = np.nan) -> pd.DataFrame:
    """Write ``validation.md``, its figures and the measured table into ``out`` from the per-seed
    statistics of :func:`sim.studies.targets.measure` (so a report can be remade from
    ``validation_measured.csv`` after the notes change, without measuring again)."""
    settings = QUICK if quick else FULL
    ev = evaluate(measured)
    rep = reported(measured)
    age_sex = age_sex_table(measured)
    share = ev["within"].mean()
    fit, check = ev[ev["fit"]], ev[~ev["fit"]]
    text = ["# Validation against published figures", "",
            (f"Generated by `painloop validate{' --quick' if quick else ''}` in {minutes:.1f} minutes: "
             if np.isfinite(minutes) else
             f"Measured by `painloop validate{' --quick' if quick else ''}`, remade from its "
             f"`validation_measured.csv` after the notes or sources changed (nothing measured again): ") +
            f"{settings['n_agents']:,} people and virtual trials of {settings['trial_n']:,} participants "
            f"{_recruited(measured)}in a town of {settings['trial_agents']:,}, "
            f"seeds {list(settings['seeds'])}; each model value is the mean over seeds with a 95% "
            f"t-interval over seeds.", "",
            f"**{int(ev['within'].sum())} of {len(ev)} targets ({100 * share:.0f}%) are within their "
            f"bands**, counted apart: {int(fit['within'].sum())} of {len(fit)} fitted targets (the defaults "
            f"were tuned on them, or a structure or an estimator was chosen against them) and "
            f"{int(check['within'].sum())} of {len(check)} targets only checked.{_ceiling(ev)}", "",
            "Targets are the items of `../shared/evidence.md` \"Calibration targets\" (numbered as there), "
            "measured the way each study measured them by the study designs of `sim/studies/epi.py` and the "
            "virtual trials of `sim/studies/trials.py` (`sim/studies/targets.py` holds each one's statistic, "
            "case definition, band and source). A band is the study's published 95% interval, or an "
            "interval derived from its own counts where it published none; the basis is given with each "
            "band.", "",
            table_markdown(ev), "",
            "![targets](figures/validation_targets.png)", "",
            "![acute course](figures/validation_acute_course.png)", "",
            *phq9_distribution_markdown(measured),
            "## Age and sex", "",
            "Prevalence by sex and by age band, measured as each study did (point prevalence at weekly "
            "waves, pooled over waves, in the study's own age range and bands); checks, not scored (the "
            "sources read give no intervals for the groups). Two contrasts are targets above: the "
            "depression odds ratio women vs men (Brody 2018; low_mood_female_logit was set by hand to it) "
            "and the back pain prevalence ratio 65+ vs 18-29 (Lucas 2021; pain_age_logit_per_decade was set by "
            "hand to it).", "",
            age_sex_markdown(age_sex), "![age and sex](figures/validation_age_sex.png)", "",
            "## Case definitions: the study's and the model's", "", definitions_markdown(ev), "",
            "## Reported without a band", "",
            "No published interval or sample size was found for these in the sources read, or no published "
            "figure yet; they are shown, not scored.", "", reported_markdown(rep), ""]
    if NOTES.exists():
        text += [NOTES.read_text(encoding="utf-8")]
    if CEA_SECTION.exists():  # written by experiments/cea_published.py, kept across regenerations
        text += ["", CEA_SECTION.read_text(encoding="utf-8")]

    def write(tmp: Path) -> None:
        (tmp / "figures").mkdir()
        save(targets_figure(ev), tmp / "figures" / "validation_targets.png")
        save(acute_course_figure(measured), tmp / "figures" / "validation_acute_course.png")
        if len(age_sex):
            save(age_sex_figure(age_sex), tmp / "figures" / "validation_age_sex.png")
        phq9_figure = phq9_distribution_figure(measured)
        if phq9_figure is not None:
            save(phq9_figure, tmp / "figures" / "validation_phq9_distribution.png")
        (tmp / "validation.md").write_text("\n".join(text), encoding="utf-8")
        measured.to_csv(tmp / "validation_measured.csv", index=False)

    _write_merging_figures(Path(out), write)
    return ev


def _ceiling(ev: pd.DataFrame) -> str:
    """A sentence on the targets that cannot all be in band (:func:`conflicting_targets`), or ''."""
    pairs = [(a, b) for a, b in conflicting_targets() if {a.id, b.id} <= set(ev["id"])]
    if not pairs:
        return ""
    said = "; ".join(f"{a.name} ({a.low * a.scale:g}-{a.high * a.scale:g}) and {b.name} "
                     f"({b.low * b.scale:g}-{b.high * b.scale:g})" for a, b in pairs)
    which = "one pair of targets reads" if len(pairs) == 1 else f"{len(pairs)} pairs of targets read"
    return (f" At most {len(ev) - len(pairs)} of {len(ev)} can be, because {which} the same model statistic "
            f"with bands that do not overlap (one of a pair misses whatever the model does): {said}.")


def _write_merging_figures(out: Path, write) -> None:
    """Like write_into, but the figures join an existing ``figures/`` folder."""
    def staged(tmp: Path) -> None:
        write(tmp)
        figures = out / "figures"
        figures.mkdir(parents=True, exist_ok=True)
        for item in (tmp / "figures").iterdir():
            item.replace(figures / item.name)
        (tmp / "figures").rmdir()

    write_into(out, staged)
