"""docs/teaching.md, kept true to the model: whom the lesson follows, the commands that follow
them, what those commands print and the town's numbers are generated here, between markers::

    <!-- generated: NAME -->
    ...written by `painloop lesson`...
    <!-- end generated: NAME -->

as docs/ODD.md's tables are (:mod:`sim.teaching.odd`). The prose around the blocks says only
what holds whatever the numbers: the people are *chosen* by what the model does to them, so a
recalibration that changes who closes the loop changes the people and the quoted days, not the
truth of the prose. ``painloop lesson`` rewrites every block (several minutes: it runs every
story of the lesson and a survey of the town); ``painloop lesson --check`` fails when a block is
stale.

**Whom the lesson follows.** In the dashboard's town (``SEED``, 1,000 people) every well person
in the most vulnerable tenth (:func:`sim.teaching.story.candidates`) is given the story's
injury on day 0 (the severity that lifts their pain to NRS 5.2 in the first week, as people
coming to care report: :func:`sim.teaching.story.onset_severity`) and lives 26 weeks, each on a
copy of the town. The lesson follows the first of them, in row order, whose pain is chronic at
week 26 and whose back was not sensitised before (``UNSENSITISED``: "the pain loop"), and the
first who is depressed without chronic pain at week 26 ("the mood loop"), each among those
with no further injury in the 26 weeks (a second injury would muddle whose loop it is); the
next seeds are tried if the town has none.

**The injury route.** The town's block reports, from a survey of ``SURVEY_AGENTS`` people over
``SURVEY_DAYS`` days (:func:`sim.studies.epi.onsets_after_injury`), the share of new chronic
back pain that followed an acute episode (injury) in the 6 months before its onset, and chronic
back pain on day 0 with the injury route (``injury_to_pain``) or the sensitisation loop switched
off: the lesson says "an injury *can* start the loop" only as far as the model shows it does.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


from sim.core import scales
from sim.core.engine import Engine
from sim.core.errors import InputError
from sim.core.scenario import Scenario
from sim.running.files import write_text
from sim.teaching.blocks import MARKER, fill
from sim.teaching.categories import CATEGORIES, category_codes

ROOT = Path(__file__).resolve().parents[2]
"""The checkout: the lesson's scenario files are relative to it, as its commands are."""
DEFAULT_PATH = Path("docs/teaching.md")
SEED = 1
"""The town of the lesson: the dashboard's (seed 1, 1,000 people)."""
SEEDS_TRIED = 5
"""Towns tried in turn (SEED, SEED + 1, ...) until one has both a pain loop and a mood loop."""
WEEKS = 26
UNSENSITISED = 0.5
"""The pain loop is shown closing in a back whose sensitisation is below half its maximum on day 0
(a person barely out of chronic pain, still sensitised, would show it held, not closing)."""
SURVEY_AGENTS = 4_000
SURVEY_DAYS = 730
SWITCH_OFF = {"no_sensitisation": "experiments/teaching/no_sensitisation.toml",
              "no_pain_to_mood": "experiments/teaching/no_pain_to_mood.toml"}
FIGURE = Path("docs/figures/story_lesson_exercise.png")


def town(path: str | None = None) -> Scenario:
    """The story's town as ``painloop story`` builds it (1,000 people unless the scenario says)."""
    from sim.teaching.story import DEFAULT_AGENTS

    scenario = Scenario.from_toml(ROOT / path) if path else Scenario()
    return scenario if "n_agents" in scenario.overrides else scenario.replace(n_agents=DEFAULT_AGENTS)


# ---- whom to follow -------------------------------------------------------------------------------


@dataclass
class Cast:
    """The lesson's two people and what became of everyone they were chosen from."""

    seed: int
    pain_person: int
    mood_person: int
    tried: int
    """Vulnerable well people given the injury."""
    outcomes: dict
    """Category at week 26 ("well", "pain", "depressed", "both", "left") -> count."""


def outcome(engine: Engine, person: int, weeks: int = WEEKS) -> str:
    """What becomes of ``person`` in ``weeks`` weeks after the story's injury on day 0, lived on
    a copy of the town: a category of :data:`sim.teaching.categories.CATEGORIES` (with
    ``"+injured again"`` when a random injury followed), or "left"."""
    from sim.core.engine import Observer
    from sim.teaching.story import onset_severity

    class _Watch(Observer):
        left = injured_again = False

        def shocks(self, engine, shocks):
            self.injured_again = self.injured_again or bool(shocks.injury[person] > 0)

        def replaced(self, engine, who):
            self.left = self.left or person in who

    twin = engine.fork(engine.scenario)
    twin.injure(person, onset_severity(engine, person))
    (watch,) = twin.run(7 * weeks, _Watch())
    if watch.left:
        return "left"
    category = CATEGORIES[int(category_codes(twin.status.chronic_pain[person], twin.status.depressed[person]))]
    return category + ("+injured again" if watch.injured_again else "")


def cast(seed: int = SEED, tries: int = SEEDS_TRIED) -> Cast:
    """The people the lesson follows (see the module docstring)."""
    from sim.teaching.story import candidates

    for s in range(seed, seed + tries):
        engine = Engine(town(), s)
        found = {name: [] for name in (*CATEGORIES, "left")}
        again = set()
        pool = candidates(engine, "vulnerable")
        for person in pool:
            category, _, more = outcome(engine, int(person)).partition("+")
            found[category].append(int(person))
            if more:
                again.add(int(person))
        # the teaching cases: one injury only (a second would muddle whose loop it is)
        pain = sorted(p for p in found["pain"] + found["both"]
                      if engine.pop.sensitisation[p] < UNSENSITISED and p not in again)
        mood = [p for p in found["depressed"] if p not in again]
        if pain and mood:
            return Cast(s, pain[0], mood[0], len(pool), {name: len(people) for name, people in found.items()})
    raise InputError(f"in towns of seeds {seed} to {seed + tries - 1} no vulnerable well person both "
                     f"ends in chronic pain and another depressed 26 weeks after the story's injury; the "
                     f"lesson's exercise 1 needs both: rewrite its prose for what the model now shows")


# ---- the town's numbers ---------------------------------------------------------------------------


def town_facts(seed: int = SEED) -> dict:
    """The injury route and the comorbidity the lesson quotes, measured on the defaults."""
    from sim.studies import epi

    scenario = Scenario(n_agents=SURVEY_AGENTS, days=SURVEY_DAYS)
    engine = Engine(scenario, seed)
    day0 = float(engine.status.chronic_pain.mean())
    survey = epi.Survey(engine)
    survey.run(SURVEY_DAYS)
    route = epi.onsets_after_injury(survey)
    ratio = epi.period_prevalence_ratio(survey)
    cp, dep = survey.wave("chronic_pain"), survey.wave("depressed")
    facts = {"onsets": route["onsets"], "share_after_injury": route["share_after_injury"],
             "cp_day0": day0, "dep_if_cp": float(dep[cp].mean()), "dep_if_no_cp": float(dep[~cp].mean()),
             "dep_12m_ratio": ratio["ratio"]}
    no_injury = Engine(scenario.replace(disabled_rules=["injury_to_pain"]), seed)
    facts["cp_day0_no_injury"] = float(no_injury.status.chronic_pain.mean())
    small = town()
    facts["town_cp_day0"] = float(Engine(small, seed).status.chronic_pain.mean())
    facts["town_cp_day0_no_sensitisation"] = float(
        Engine(town(SWITCH_OFF["no_sensitisation"]), seed).status.chronic_pain.mean())
    return facts


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def town_block(f: dict) -> str:
    """The town's block: the injury route and the comorbidity, from :func:`town_facts`."""
    share = f["share_after_injury"]
    route = "most of them" if share >= 0.6 else "a minority" if share < 0.4 else "about half"
    return (
        f"In a survey of the default town ({SURVEY_AGENTS:,} people, seed {SEED}, {SURVEY_DAYS // 365} years "
        f"after day 0; `sim.studies.epi.onsets_after_injury`), {f['onsets']} people developed chronic back "
        f"pain after the first six months, and {_pct(share)} of them -- {route} -- had an acute episode (an "
        f"injury) in the six months before. The rest came to chronic pain along the other routes of the "
        f"diagram: a sensitive back, the slow wandering of pain, sensitisation, poor sleep, low mood and "
        f"inactivity. Switching the injury route (`injury_to_pain`) off for the whole town moves chronic "
        f"back pain on day 0 from {_pct(f['cp_day0'])} to {_pct(f['cp_day0_no_injury'])}. Depression is "
        f"{f['dep_if_cp'] / f['dep_if_no_cp']:.1f} times as common among people with chronic back pain as "
        f"among people without ({_pct(f['dep_if_cp'])} against {_pct(f['dep_if_no_cp'])}, over the "
        f"survey's weekly waves).\n")


# ---- the stories ----------------------------------------------------------------------------------


def _story(seed: int, person: int, scenario: str | None = None, severity: float | None = None,
           kind: str | None = None):
    from sim.teaching.story import compare, comparison_lines, follow, story_lines

    scen = town(scenario)
    if kind:
        records = compare(scen, seed, kind, person=person, severity=severity, weeks=WEEKS)
        return records, comparison_lines(records)
    record = follow(scen, seed, person=person, severity=severity, weeks=WEEKS)
    return [record], story_lines(record)


def _command(seed: int, person: int, out: str, scenario: str | None = None, severity: float | None = None,
             kind: str | None = None) -> str:
    cmd = f"painloop story --seed {seed} --person {person}"
    cmd += f" --severity {severity:g}" if severity is not None else ""
    cmd += f" --with {kind}" if kind else ""
    cmd += f" \\\n    --scenario {scenario}" if scenario else ""
    return cmd + f" --out results/lesson/{out}"


def _quote(lines: list[str], weeks: tuple = ()) -> str:
    """What a story printed, abridged: the opening line, the given weeks and the last line; or,
    without ``weeks``, the last line only (``...`` marks what is left out)."""
    if not weeks:
        return "```text\n" + lines[-1] + "\n```\n"
    picked = [line for line in lines if any(line.startswith(f"week {w:>2}:") for w in weeks)]
    return "```text\n" + "\n".join([lines[0], "...", *picked, "...", lines[-1]]) + "\n```\n"


def _bash(*commands: str) -> str:
    return "```bash\n" + "\n".join(commands) + "\n```\n"


def _week26(record) -> tuple[float, float, float]:
    d = record.daily
    end = d.iloc[-1]
    return float(d["pain_nrs"].tail(7).mean()), float(end["phq9_14d"]), float(end["sensitisation"])


def _which_helps_more(p: int, q: int, week26: dict) -> str:
    """Exercise 3's comparison in one sentence: for the pain person, which intervention leaves less
    pain at week 26; for the mood person, which leaves a lower PHQ-9 (as the story lines round
    them: pain to 0.1, PHQ-9 to whole points)."""
    def sentence(person: int, what: str, fewer: str, exercise: float, cbt: float, fmt: str) -> str:
        if exercise == cbt:
            return (f"person {person} ends week 26 with the same {what} after exercise and after CBT "
                    f"({exercise:{fmt}})")
        (best, b), (other, o) = sorted((("exercise", exercise), ("CBT", cbt)), key=lambda t: t[1])
        return f"person {person} ends week 26 with {fewer} {what} after {best} ({b:{fmt}}) than after {other} ({o:{fmt}})"

    pain = (round(week26[p, kind][0], 1) for kind in ("exercise", "cbt"))
    phq9 = (round(week26[q, kind][1]) for kind in ("exercise", "cbt"))
    return (f"Side by side: {sentence(p, 'pain', 'less', *pain, '.1f')}; "
            f"{sentence(q, 'PHQ-9', 'a lower', *phq9, '.0f')}.\n")


def story_blocks(c: Cast) -> dict[str, str]:
    """Every block that quotes a story, and the exercise figure (returned under "figure")."""
    s, p, q = c.seed, c.pain_person, c.mood_person
    blocks = {}
    o = c.outcomes
    (rp,), lines_p = _story(s, p)
    (rq,), lines_q = _story(s, q)
    blocks["ex1"] = (
        f"In the dashboard's town (seed {s}, 1,000 people) {c.tried} people are well on day 0 and among the "
        f"tenth with the most sensitive back and mood. Each was given the story's injury on day 0, each "
        f"in a copy of the town. Twenty-six weeks later {o['pain']} had chronic back pain, {o['depressed']} "
        f"were depressed, {o['both']} both and {o['well']} neither"
        + (f" ({o['left']} had left the population)" if o["left"] else "")
        + f". The lesson follows person {p}, the first whose pain became chronic from a back not "
          f"sensitised before (below half its maximum), and person {q}, the first who became depressed "
          f"while the pain settled, each among those with no second injury in the 26 weeks.\n\n"
        + _bash(_command(s, p, "ex1"), _command(s, q, "ex1b"))
        + f"\nPerson {p}:\n\n" + _quote(lines_p, (1, 2, 8, 13, 20, 26))
        + f"\nPerson {q}:\n\n" + _quote(lines_q, (1, 2, 4, 8, 13, 26)))
    pain_p, phq_p, z_p = _week26(rp)
    pain_q, phq_q, _ = _week26(rq)

    (rq_small,), lines_small = _story(s, q, severity=0.01)
    _, phq_small, _ = _week26(rq_small)
    verdict = ("still" if phq_small >= scales.DEPRESSION_PHQ9 else "only")
    meaning = ("the injury did not start this person's low mood: something else did (look for the "
               "life events and the bad nights in the story), and it held on by itself (rumination, "
               "poor sleep, withdrawal)" if phq_small >= scales.DEPRESSION_PHQ9 else
               "without the injury this person's low mood did not take hold: here the injury's pain "
               "was what tipped mood over")
    blocks["ex1c"] = (_bash(_command(s, q, "ex1c", severity=0.01)) + "\n" + _quote(lines_small)
                      + f"\nPHQ-9 at week 26 is {verdict} {phq_small:.0f} (against {phq_q:.0f} after the "
                        f"full injury): {meaning}.\n")

    ex2 = [_bash(_command(s, p, "ex2", SWITCH_OFF["no_sensitisation"]))]
    (r_ns,), lines_ns = _story(s, p, SWITCH_OFF["no_sensitisation"])
    (r_nm,), lines_nm = _story(s, p, SWITCH_OFF["no_pain_to_mood"])
    ex2.append("\n" + _quote(lines_ns))
    ex2.append("\nNow cut a different link:\n\n" + _bash(_command(s, p, "ex2b", SWITCH_OFF["no_pain_to_mood"])))
    ex2.append("\n" + _quote(lines_nm))
    a, b = _week26(r_ns), _week26(r_nm)
    ex2.append(f"\nAt week 26 person {p}'s pain is {pain_p:.1f}/10 in the town as it is, {a[0]:.1f} without "
               f"sensitisation and {b[0]:.1f} without `pain_to_mood` (sensitisation "
               f"{100 * z_p:.0f}%, {100 * a[2]:.0f}% and {100 * b[2]:.0f}% of its maximum).\n")
    blocks["ex2"] = "".join(ex2)

    ex3 = []
    figure = None
    week26 = {}
    for person, out in ((p, "ex3"), (q, "ex3c")):
        for kind, suffix in (("exercise", "a"), ("cbt", "b")):
            records, lines = _story(s, person, kind=kind)
            ex3.append(_bash(_command(s, person, out + suffix, kind=kind)) + "\n" + _quote(lines))
            week26[person, kind] = _week26(records[1])
            if person == p and kind == "exercise":
                figure = records
    blocks["ex3"] = ("\n".join(ex3[:2]) + f"\nNow person {q}, whose loop is low mood:\n\n" + "\n".join(ex3[2:])
                     + "\n" + _which_helps_more(p, q, week26))
    blocks["figure"], blocks["seed"] = figure, s
    return blocks


# ---- the document ---------------------------------------------------------------------------------


def blocks(seed: int = SEED) -> dict:
    """Every generated block of the lesson by name, and the exercise figure's records ("figure")
    and town seed ("seed"): runs every story of the lesson and the town survey (minutes)."""
    c = cast(seed)
    out = story_blocks(c)
    facts = town_facts(seed)
    out["town"] = town_block(facts)
    out["switch"] = (f"(chronic back pain in {_pct(facts['town_cp_day0'])} of the town on day 0 without the "
                     f"switch-off, {_pct(facts['town_cp_day0_no_sensitisation'])} with it, seed {seed})\n")
    return out


def read(path=DEFAULT_PATH) -> str:
    """The lesson plan's text; a missing file is an InputError naming the path."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"path = {str(path)!r} is not a file (the lesson plan, docs/teaching.md)")
    return path.read_text(encoding="utf-8")


def render(text: str, made: dict) -> str:
    """``text`` with every generated block replaced by ``made[name]``."""
    names = [m["name"] for m in MARKER.finditer(text)]
    unknown = sorted(set(names) - set(made))
    if unknown:
        raise InputError(f"generated block(s) {', '.join(unknown)} in the lesson are not ones "
                         f"`painloop lesson` makes ({', '.join(sorted(k for k in made if k != 'figure'))})")
    return fill(text, made)


def stale_blocks(text: str, made: dict) -> list[str]:
    """Names of the generated blocks of ``text`` that differ from ``made``."""
    current = {m["name"]: m["body"] for m in MARKER.finditer(text)}
    return [name for name, body in current.items() if body != made[name]]


def write(path, text: str) -> None:
    """Write the lesson plan (atomically)."""
    write_text(Path(path), text)


def save_figure(records, seed: int, path=FIGURE) -> None:
    """Exercise 3's figure: the pain-loop person without and with exercise."""
    from sim.running.plots import save
    from sim.teaching.story import story_figure

    person = records[0].person
    save(story_figure(records, f"Exercise 3: person {person} of 1,000, seed {seed}, without and with exercise"),
         Path(path))


__all__ = ["Cast", "blocks", "cast", "outcome", "read", "render", "stale_blocks", "story_blocks",
           "town_block", "town_facts"]
