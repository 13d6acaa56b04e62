"""One person's story: a back injury, and the weeks after it, in plain language.

How the story is set up (reproducible, and fair to compare):

1. A town of ``n_agents`` people (1,000 -- the dashboard's default -- unless the scenario or
   ``--agents`` says otherwise) runs its burn-in as any run does, so day 0 is the long-run
   state.
2. The storyteller picks one person who is *well* on day 0 -- no chronic pain, not depressed,
   pain below NRS 2 and no injury healing -- at random from the ``story`` stream of the seed
   (its own stream: picking the person draws nothing from injuries, life events or noise);
   ``who="vulnerable"`` picks among the tenth of them with the most sensitive backs and moods.
   Or the caller names the person.
3. That person gets a back injury on day 0: ``tissue`` rises by ``severity`` (capped at 1; its
   ``remodelling_share`` enters ``remodelling``),
   exactly what a random injury does in :func:`sim.core.shocks.apply_shocks`. The story tells the
   kind of episode that brings people to care: by default the severity is the one that lifts
   *this person's* pain to an average of ``ONSET_NRS`` (5.2) over the first week after the
   injury -- the mean pain at onset of the inception cohorts of acute low back pain (Costa 2012:
   52/100). A fixed severity would not do: pain has a perception threshold, and injuries vary
   (exponential, mean ``injury_severity_mean``), so an injury of the mean size is not felt at
   all by a person with an insensitive back and hurts a sensitive one badly. The severity is
   found by bisection (:func:`onset_severity`) on copies of the town (:meth:`Engine.fork`)
   that live the same first week; if even the largest injury (1) leaves the person below
   ``ONSET_NRS``, the story uses it and says so. ``--severity`` overrides. The forced injury
   draws no random number: every draw of injuries, life events and noise is the one the run
   without it makes (only the person, and through their ties their friends, live differently).
4. The town then lives ``weeks`` weeks; the person's states are recorded every day, with the
   random injuries and life events that happen to them and the days their case status changes.

If the person dies or reaches the exit age while followed, the story ends that day (their row
then holds an entrant, who is never followed): the last line says so instead of a verdict.

With an intervention the same seed gives the same town, the same person and the same injury,
and every random draw they share is the same (common random numbers), so the two columns of
the figure differ only by what the intervention does.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from types import SimpleNamespace

import numpy as np
import pandas as pd

from sim.core import scales
from sim.teaching.categories import CATEGORIES, COLOURS, LABELS, category_codes
from sim.core import checks
from sim.core.engine import Engine, Observer
from sim.core.errors import InputError
from sim.interventions import DROPPED_OUT, IN_TREATMENT, NEVER
from sim.core.scenario import Scenario
from sim.core.state import STATE_NAMES, TRAIT_NAMES
from sim.core.streams import stream

STORY_STREAM = "story"
DEFAULT_AGENTS = 1_000
DEFAULT_WEEKS = 26
WELL_PAIN_NRS = 2.0
"""A person counts as well enough to start a story below this pain (and with no case status)."""
HEALED_TISSUE = 0.05
BASELINE_DAYS = 28
"""Days before the injury recorded as the person's usual (the end of the burn-in)."""
ONSET_NRS = 5.2
"""Mean pain in the first week of the story's injury: the mean pain at onset of acute low back
pain in inception cohorts of people who came to care (da C Menezes Costa 2012, CMAJ 184:E613:
52/100, 33 cohorts)."""
ONSET_DAYS = 7
SEVERITY_STEPS = 14
"""Bisection steps of :func:`onset_severity`: the severity to 1/16,000 of a tissue unit."""
LATENT = ("sensitisation", "stress", "deconditioning", "social_support", "tissue", "remodelling")


class _Watch(Observer):
    """Keeps the day's shocks, so the story can tell what happened, and everyone's recorded values
    on the last ``BASELINE_DAYS`` days of the burn-in."""

    def __init__(self):
        self.shocks_today = None
        self.recent: deque = deque(maxlen=BASELINE_DAYS)

    def shocks(self, engine: Engine, shocks) -> None:
        self.shocks_today = shocks

    def after_day(self, engine: Engine) -> None:
        if -BASELINE_DAYS < engine.day <= 0:
            self.recent.append((engine.day, _values(engine, np.arange(engine.n), self.shocks_today)))


def watched_town(scenario: Scenario, seed: int) -> tuple[Engine, _Watch]:
    """A town burned in under a :class:`_Watch` (which stays attached for the days after)."""
    watch = _Watch()
    engine = Engine(scenario, seed, observers=[watch])
    if not watch.recent:  # no burn-in: day 0 is all there is
        watch.recent.append((0, _values(engine, np.arange(engine.n), None)))
    return engine, watch


@dataclass
class PersonRecord:
    """One person's days in one arm: ``daily`` has a row per day, day 0 the day of the injury
    (states as they were that morning, before it)."""

    person: int
    severity: float
    label: str
    daily: pd.DataFrame
    events: list[tuple[int, str]] = field(default_factory=list)
    """(day, plain-language event) in day order."""
    interventions: list[str] = field(default_factory=list)
    """Names of the interventions of the run (``daily`` has ``NAME_level``, the effect's level as a
    share of a full dose at the calibrated effect scale, and ``NAME_in_treatment`` for each)."""
    left_day: int | None = None
    """The day the person died or reached the exit age (the story ends there), or None."""


WHO = ("anyone", "vulnerable")
VULNERABLE_SHARE = 0.1
"""``who="vulnerable"`` picks among the well people whose pain sensitivity plus mood vulnerability
(trait scores) is in the top tenth of the well: people in whom the loop closes more often."""


def candidates(engine: Engine, who: str = "anyone") -> np.ndarray:
    """Rows of the people who are well on the engine's current day (see the module docstring),
    or only the most vulnerable tenth of them."""
    if who not in WHO:
        raise InputError(f"who = {who!r} must be one of {', '.join(WHO)}")
    status, pop = engine.status, engine.pop
    well = np.flatnonzero(~status.chronic_pain & ~status.depressed
                          & (scales.pain_nrs(pop.pain) < WELL_PAIN_NRS) & (pop.tissue < HEALED_TISSUE))
    if who == "vulnerable" and well.size:
        score = pop.pain_sensitivity[well] + pop.mood_vulnerability[well]
        well = well[score >= np.quantile(score, 1.0 - VULNERABLE_SHARE)]
    return well


def choose_person(engine: Engine, seed: int, pool: np.ndarray | None = None) -> int:
    """One of ``pool`` (default: the well people), drawn from the ``story`` stream of ``seed``."""
    pool = candidates(engine) if pool is None else pool
    if pool.size == 0:
        raise InputError(f"nobody in this town of {engine.n:,} people is well on day 0, so there is "
                         f"no one to follow; use a larger --agents or a milder scenario")
    return int(pool[stream(seed, STORY_STREAM).integers(pool.size)])


def onset_pain(engine: Engine, person: int, severity: float, days: int = ONSET_DAYS) -> float:
    """Mean pain (NRS) of ``person`` over the first ``days`` days after an injury of ``severity``
    on the engine's day 0, lived on a copy of the town without interventions (the engine itself
    is not changed)."""
    twin = engine.fork(engine.scenario.replace(interventions=()))
    twin.injure(person, severity)
    (watch,) = twin.run(days, _PainOf(person))
    return float(np.mean(watch.nrs))


class _PainOf(Observer):
    """One person's pain (NRS) at the end of each day."""

    def __init__(self, person: int):
        self.person, self.nrs = person, []

    def after_day(self, engine: Engine) -> None:
        self.nrs.append(float(scales.pain_nrs(engine.pop.pain[self.person])))


def onset_severity(engine: Engine, person: int, target_nrs: float = ONSET_NRS) -> float:
    """The injury (tissue units) that lifts ``person``'s pain to ``target_nrs`` on average over
    the first week, by bisection on copies of the town that live the same days (pain rises with
    the injury, and every copy draws the same random numbers). 1 when even that falls short."""
    if onset_pain(engine, person, 1.0) <= target_nrs:
        return 1.0
    low, high = 0.0, 1.0
    for _ in range(SEVERITY_STEPS):
        mid = 0.5 * (low + high)
        low, high = (mid, high) if onset_pain(engine, person, mid) < target_nrs else (low, mid)
    return high


def _values(engine: Engine, rows: np.ndarray, shocks) -> dict[str, np.ndarray]:
    """The recorded values of the people at ``rows`` on the engine's current day (copies), with
    the day's ``shocks`` (None: none)."""
    pop, status = engine.pop, engine.status
    people = SimpleNamespace(**{name: getattr(pop, name)[rows] for name in (*STATE_NAMES, *TRAIT_NAMES)})
    values = dict(scales.clinical(people, engine.p))
    values["phq9_14d"] = status.phq9_14d[rows]
    values.update({name: getattr(people, name) for name in LATENT})
    values["chronic_pain"] = status.chronic_pain[rows]
    values["depressed"] = status.depressed[rows]
    for name in ("injury", "life_event"):
        values[name] = getattr(shocks, name)[rows] if shocks is not None else np.zeros(len(rows))
    return values


def _row(values: dict, k: int, day: int) -> dict:
    row = {"day": day}
    for key, column in values.items():
        row[key] = bool(column[k]) if column.dtype == bool else float(column[k])
    return row


_STATUS_EVENTS = (
    ("chronic_pain_onsets", "chronic pain now: NRS 4 or more on most of the last 90 days"),
    ("chronic_pain_remissions", "chronic pain has ended (90 days without it)"),
    ("depression_onsets", "depressed now: PHQ-9 has averaged 10 or more over two weeks"),
    ("depression_remissions", "the depressive episode has ended (8 weeks without it)"),
)


def follow(scenario: Scenario, seed: int, *, person: int | None = None, who: str = "anyone",
           severity: float | None = None, weeks: int = DEFAULT_WEEKS, label: str = "") -> PersonRecord:
    """Run the town, injure one person on day 0 and record their next ``weeks`` weeks.

    The last ``BASELINE_DAYS`` days of the burn-in are recorded too (days -27 to 0), to show
    the person's usual days before the injury: the burn-in is the plain run's, watched.
    """
    checks.whole(weeks, "weeks", 1, 520)
    if severity is not None:
        checks.number(severity, "severity", 0, 1, low_open=True, unit="tissue units")
    engine, watch = watched_town(scenario, seed)
    if person is None:
        person = choose_person(engine, seed, candidates(engine, who))
    person = checks.whole(person, "person", 0, engine.n - 1, unit="(a row number)")
    if severity is None:
        severity = onset_severity(engine, person)
        short = onset_pain(engine, person, severity) < ONSET_NRS - 0.05
        told = (f"back injury (severity {severity:.2f}, the largest there is: this person's back is not "
                f"sensitive enough to reach NRS {ONSET_NRS:g})" if short else
                f"back injury (severity {severity:.2f}: for this person an episode of NRS {ONSET_NRS:g} "
                f"in its first week, as people coming to care report): pain flares")
    else:
        severity = float(severity)
        told = f"back injury (severity {severity:.2f}): pain flares"
    rows = [_row(values, person, day) for day, values in watch.recent]
    rows[-1]["injury"] = severity
    events = [(0, told)]
    engine.injure(person, severity)
    diary = _Diary(watch, person, {name: _Care(delivery, person) for name, delivery in engine.deliveries.items()})
    engine.run(7 * weeks, diary)
    return PersonRecord(person, severity, label, pd.DataFrame(rows + diary.rows), events + diary.events,
                        [spec.name for spec in engine.scenario.interventions], diary.left_day)


class _Diary(Observer):
    """One person's days and what happened to them, told as it happens."""

    def __init__(self, watch: _Watch, person: int, care: dict):
        self.watch, self.person, self.care = watch, person, care
        self.rows: list[dict] = []
        self.events: list[tuple[int, str]] = []
        self.ended = False
        self.left_day: int | None = None

    def replaced(self, engine: Engine, who: np.ndarray) -> None:
        # The person died or reached the exit age: their row now holds someone else, so the story
        # ends there (it never follows the entrant).
        if not self.ended and self.person in who:
            self.ended, self.left_day = True, engine.day
            self.events.append((engine.day, "left the population (died or reached the exit age); the story ends"))

    def after_day(self, engine: Engine) -> None:
        if self.ended:
            return
        day, person, events = engine.day, self.person, self.events
        row = _row(_values(engine, np.array([person]), self.watch.shocks_today), 0, day)
        if row["injury"] > 0:
            events.append((day, "another back injury"))
        if row["life_event"] > 0:
            events.append((day, "a stressful life event"))
        for key, text in _STATUS_EVENTS:
            if engine.status.events[key][person]:
                events.append((day, text))
        for name, followed in self.care.items():
            scale = followed.delivery.effect_scale  # level in units of the calibrated effect
            row[f"{name}_level"] = float(followed.delivery.level[person]) / scale if scale > 0 else 0.0
            row[f"{name}_in_treatment"] = bool(followed.delivery.status[person] == IN_TREATMENT)
            events += [(day, text) for text in followed.news()]
        self.rows.append(row)


class _Care:
    """What happens to one person in one intervention, told as it happens."""

    def __init__(self, delivery, person: int):
        self.delivery, self.person = delivery, person
        self.offered, self.status = False, NEVER

    def news(self) -> list[str]:
        d, i, name = self.delivery, self.person, self.delivery.spec.name
        said = []
        if d.offered[i] and not self.offered:
            said.append(f"offered {name}" + (", and started it" if d.status[i] == IN_TREATMENT
                                             else ", but did not take it up"))
        if d.status[i] != self.status and self.status == IN_TREATMENT:
            sessions = int(d.sessions[i])
            said.append(f"dropped out of {name} after {sessions} sessions" if d.status[i] == DROPPED_OUT
                        else f"finished the {name} course ({sessions} sessions)")
        self.offered, self.status = bool(d.offered[i]), int(d.status[i])
        return said


def early_care(kind: str) -> dict:
    """The intervention a story adds with ``--with KIND``: offered to everyone in an acute
    back-pain episode from the day of the injury on (rolling enrolment), so the followed person
    is offered it as soon as their pain makes them eligible; the rest of its delivery (course
    length, sessions, uptake, adherence, dropout, fading) is the intervention's default."""
    return {"kind": kind, "eligibility": "acute_episode", "enrolment": "rolling", "start_day": 0}


def compare(scenario: Scenario, seed: int, kind: str, **kwargs) -> list[PersonRecord]:
    """The same person, injury and randomness without and with ``early_care(kind)``.

    Both arms burn in identically (interventions draw only from their own streams, and act
    from day 0); this is checked on the recorded days before the injury.
    """
    weeks = kwargs.get("weeks", DEFAULT_WEEKS)
    base = scenario.replace(days=max(scenario.days, 7 * weeks))
    treated = base.replace(interventions=[*(i.to_dict() for i in base.interventions), early_care(kind)])
    without = follow(base, seed, label="without " + kind, **kwargs)
    kwargs["person"], kwargs["severity"] = without.person, without.severity
    with_it = follow(treated, seed, label="with " + kind, **kwargs)
    before = [r.daily.loc[r.daily["day"] <= 0, ["pain_nrs", "phq9", "activity_min_week"]]
              for r in (without, with_it)]
    if not before[0].equals(before[1]):
        raise RuntimeError("the two arms differ before the injury: an intervention touched a "
                           "shared random stream")
    return [without, with_it]


# ---- the story in words ---------------------------------------------------------------------------


def _nights(k) -> str:
    return f"{k:.0f} night" if k == 1 else f"{k:.0f} nights"


def _change(now: float, before: float) -> str:
    if before <= 0:
        return "as before"
    pct = 100.0 * (now - before) / before
    if abs(pct) < 5:
        return "as before"
    return f"{'up' if pct > 0 else 'down'} {abs(pct):.0f}%"


def week_line(record: PersonRecord, week: int) -> str:
    """``week 6: pain 4.2/10; slept badly 5 nights of 7; activity down 40%; PHQ-9 now 11``."""
    d = record.daily
    before = usual(record)
    days = d[(d["day"] > 7 * (week - 1)) & (d["day"] <= 7 * week)]
    end = days.iloc[-1]
    bad_nights = int((days["sleep_psqi"] > scales.POOR_SLEEP_PSQI).sum())
    sleep = f"slept badly {_nights(bad_nights)} of {len(days)}" if bad_nights else "slept well all week"
    activity = days["activity_min_week"].mean()
    parts = [
        f"pain {days['pain_nrs'].mean():.1f}/10",
        sleep,
        f"activity {_change(activity, before['activity_min_week'])} ({activity:.0f} min/week)",
        f"PHQ-9 now {end['phq9_14d']:.0f}",
    ]
    line = f"week {week:>2}: " + "; ".join(parts)
    happened = [text for day, text in record.events if 7 * (week - 1) < day <= 7 * week]
    if happened:
        text = "; ".join(dict.fromkeys(happened))
        line += ". " + text[0].upper() + text[1:]
    return line + "."


def usual(record: PersonRecord) -> pd.Series:
    """The person's usual day: means over the recorded days before the injury (day <= 0)."""
    d = record.daily[record.daily["day"] <= 0]
    out = d.mean(numeric_only=True)
    out["bad_nights_per_week"] = round(7.0 * float((d["sleep_psqi"] > scales.POOR_SLEEP_PSQI).mean()))
    out["phq9_14d"] = d["phq9_14d"].iloc[-1]
    return out


def opening_line(record: PersonRecord) -> str:
    """The story's first line: the person's usual pain, PHQ-9, activity and sleep before the injury."""
    b = usual(record)
    return (f"Person {record.person}, in the four weeks before the injury: pain {b['pain_nrs']:.1f}/10, "
            f"PHQ-9 {b['phq9_14d']:.0f}, {b['activity_min_week']:.0f} min of activity a week, slept "
            f"badly (sleep score above {scales.POOR_SLEEP_PSQI:.0f}/21) "
            f"{_nights(b['bad_nights_per_week'])} a week.")


def closing_line(record: PersonRecord) -> str:
    """The story's last line: where the person stands after the weeks followed, against the
    case definitions and their own usual days.
    """
    d = record.daily
    end, before = d.iloc[-1], usual(record)
    weeks = int(end["day"]) // 7
    if record.left_day is not None:
        return (f"On day {record.left_day} the person left the population (died or reached the exit "
                f"age), so the story ends there (pain {d['pain_nrs'].tail(7).mean():.1f}/10 and PHQ-9 "
                f"{end['phq9_14d']:.0f} in their last days).")
    category = CATEGORIES[int(category_codes(end["chronic_pain"], end["depressed"]))]
    pain = d["pain_nrs"].tail(7).mean()
    # settled: pain below an acute episode's NRS 3, not merely below the chronic-pain threshold
    settled = pain < scales.ACUTE_NRS and end["phq9_14d"] < scales.DEPRESSION_PHQ9
    verdict = {
        "well": "the loop did not close: the back healed and mood held" if settled else
                "not chronic pain or depression by the definitions, but not over either",
        "pain": "the pain became chronic, but mood held",
        "depressed": "the pain settled, but low mood took hold",
        "both": "the loop closed: chronic pain and depression, each feeding the other",
    }[category]
    return (f"After {weeks} weeks: {verdict} (pain {pain:.1f}/10, PHQ-9 "
            f"{end['phq9_14d']:.0f}; central sensitisation {100 * end['sensitisation']:.0f}% of its "
            f"maximum, {100 * before['sensitisation']:.0f}% before the injury).")


def story_lines(record: PersonRecord) -> list[str]:
    """The whole story of one arm: an opening line, one line a week, a closing line."""
    weeks = int(record.daily["day"].iloc[-1]) // 7
    return [opening_line(record), *(week_line(record, w) for w in range(1, weeks + 1)),
            closing_line(record)]


def comparison_lines(records: list[PersonRecord]) -> list[str]:
    """Both arms of :func:`compare`, one after the other, then the difference in one line."""
    without, with_it = records
    kind = with_it.interventions[-1]
    weeks = int(without.daily["day"].iloc[-1]) // 7
    lines = [opening_line(without), "", f"Without {kind}:"]
    lines += [*(week_line(without, w) for w in range(1, weeks + 1)), closing_line(without)]
    lines += ["", f"With {kind}, offered to everyone in an acute back-pain episode from the day of "
                  f"the injury (the same person, injury and random days):"]
    lines += [*(week_line(with_it, w) for w in range(1, weeks + 1)), closing_line(with_it)]
    end = [r.daily.tail(7) for r in records]
    lines += ["", f"In week {weeks}: pain {end[0]['pain_nrs'].mean():.1f} without and "
                  f"{end[1]['pain_nrs'].mean():.1f} with {kind}; PHQ-9 {end[0]['phq9_14d'].iloc[-1]:.0f} "
                  f"without and {end[1]['phq9_14d'].iloc[-1]:.0f} with."]
    return lines


# ---- the story as a figure --------------------------------------------------------------------------

TREATMENT_COLOUR = "#1e8449"
LATENT_COLOURS = {"sensitisation": "#8e44ad", "stress": "#d35400", "deconditioning": "#7f8c8d",
                  "social_support": "#27ae60"}


def story_figure(records: list[PersonRecord], title: str = ""):
    """One column per arm: the five core states, the slow hidden states, and a status ribbon;
    the injury, later injuries, life events and status changes marked on every panel."""
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    n_rows = len(scales.PANELS) + 2
    fig = Figure(figsize=(6.2 * len(records) + 0.8, 13.5), layout="constrained")
    axes = fig.subplots(n_rows, len(records), sharex=True, sharey="row", squeeze=False,
                        height_ratios=[0.35] + [1.0] * (n_rows - 1))
    for col, record in enumerate(records):
        d = record.daily
        week = d["day"] / 7.0
        ribbon = axes[0, col]
        codes = category_codes(d["chronic_pain"], d["depressed"])
        for code, name in enumerate(CATEGORIES):
            ribbon.fill_between(week, 0, 1, where=codes == code, step="mid", color=COLOURS[name], lw=0)
        ribbon.set_yticks([])
        ribbon.set_ylim(0, 1)
        ribbon.set_title(record.label or f"person {record.person}", fontsize=12)
        if col == 0:
            ribbon.set_ylabel("status", fontsize=9, rotation=0, ha="right", va="center")
        for row, panel in enumerate(scales.PANELS, start=1):
            ax = axes[row, col]
            ax.plot(week, d[panel.key], color="#1f3a5f", lw=1.2)
            if panel.key == "phq9":
                ax.plot(week, d["phq9_14d"], color="#c0392b", lw=1.6, label="14-day mean")
                ax.legend(loc="upper right", fontsize=7)
            ax.axhline(panel.threshold, color="grey", lw=0.8, ls="--")
            top = panel.top or 1.08 * max(max(r.daily[panel.key].max() for r in records), panel.threshold)
            ax.set_ylim(0, top)
            if col == 0:
                ax.set_ylabel(panel.label, fontsize=9)
        ax = axes[-1, col]
        for name, colour in LATENT_COLOURS.items():
            ax.plot(week, d[name], color=colour, lw=1.4, label=name.replace("_", " "))
        for name in record.interventions:
            ax.plot(week, d[f"{name}_level"], color=TREATMENT_COLOUR, lw=1.6, ls="--",
                    label=f"{name} effect (1 = full dose, fitted size)")
            treated = d[f"{name}_in_treatment"].fillna(False).astype(bool).to_numpy()
            for row_ax in axes[1:, col]:
                row_ax.fill_between(week, 0, 1, where=treated, transform=row_ax.get_xaxis_transform(),
                                    color=TREATMENT_COLOUR, alpha=0.12, lw=0, step="mid")
        top = max([1.0, *(r.daily[f"{name}_level"].max() for r in records for name in r.interventions)])
        ax.set_ylim(0, 1.25 * top)
        ax.set_yticks([0, 0.5, 1])
        ax.legend(loc="upper center", fontsize=7, ncols=5, frameon=False)
        if col == 0:
            ax.set_ylabel("hidden states (0-1)\nand effect level", fontsize=9)
        ax.set_xlabel("weeks after the back injury")
        _mark_events(axes[:, col], record)
    handles = [Patch(color=COLOURS[c], label=LABELS[c]) for c in CATEGORIES]
    handles += [Line2D([], [], color="#c0392b", lw=2, label="back injury"),
                Line2D([], [], color="#e67e22", lw=1.2, ls=":", label="life event"),
                Line2D([], [], color="grey", lw=0.8, ls="--", label="clinical threshold")]
    if any(r.interventions for r in records):
        handles.append(Patch(color=TREATMENT_COLOUR, alpha=0.25, label="in treatment"))
    fig.legend(handles=handles, loc="outside lower center", ncols=4, fontsize=8, frameon=False)
    if title:
        fig.suptitle(title, fontsize=13)
    return fig


STATUS_MARKS = (("chronic pain now", 1, "chronic pain"), ("chronic pain has ended", 1, "ended"),
                ("depressed now", 2, "depressed"), ("the depressive episode", 2, "ended"))
"""Event text prefix, the panel row it is written on (1 pain, 2 PHQ-9) and the word written."""


def _mark_events(axes, record: PersonRecord) -> None:
    d = record.daily
    injuries = d.loc[d["injury"] > 0, "day"] / 7.0
    life = d.loc[d["life_event"] > 0, "day"] / 7.0
    for ax in axes:
        for x in injuries:
            ax.axvline(x, color="#c0392b", lw=2 if x == 0 else 1.2, alpha=0.8)
        for x in life:
            ax.axvline(x, color="#e67e22", lw=1.2, ls=":")
    for day, text in record.events:
        for prefix, row, word in STATUS_MARKS:
            if text.startswith(prefix):
                ax = axes[row]
                ax.axvline(day / 7.0, color="#444444", lw=0.8, ls="-.")
                ax.annotate(word, (day / 7.0, 0.97), xycoords=("data", "axes fraction"), fontsize=7,
                            rotation=90, va="top", ha="right", color="#444444")
