"""One person's story: reproducible choice of person and injury, plain-language weeks that match
the recorded days, a figure, and a CLI that fails cleanly on bad input."""

import re

import numpy as np
import pytest

from conftest import small
from sim.core import scales
from sim.cli import main
from sim.core.engine import Engine
from sim.teaching.story import (BASELINE_DAYS, ONSET_NRS, candidates, watched_town, follow, onset_pain,
                                onset_severity, story_figure, story_lines, week_line)


@pytest.fixture(scope="module")
def town():
    return small(n_agents=400, burn_in_days=300)


@pytest.fixture(scope="module")
def record(town):
    return follow(town, seed=1, weeks=8)


def test_same_seed_same_story_other_seed_other_person(town, record):
    again = follow(town, seed=1, weeks=8)
    assert again.person == record.person
    assert story_lines(again) == story_lines(record)
    others = {follow(town, seed=s, weeks=1).person for s in (2, 3, 4)}
    assert others != {record.person}


def test_day_zero_is_the_plain_run_and_the_person_was_well(town, record):
    """The last four weeks of the burn-in are recorded, not added: day 0 is the day a plain run
    reaches after its burn-in, and the person chosen is well that day."""
    plain = Engine(town, seed=1)
    day0 = record.daily[record.daily["day"] == 0].iloc[0]
    i = record.person
    assert day0["pain_nrs"] == pytest.approx(scales.pain_nrs(plain.pop.pain[i]))
    assert day0["phq9"] == pytest.approx(scales.phq9(plain.pop.low_mood[i]))
    assert i in candidates(plain)
    assert record.daily["day"].min() == 1 - BASELINE_DAYS


def test_the_injury_is_an_episode_that_brings_people_to_care(town, record):
    """The story's injury is sized for its person: pain averages ONSET_NRS (Costa 2012: 52/100 at
    onset) over the first week, whatever the person's sensitivity; the same seed gives the same
    severity, and the events say what it was."""
    d = record.daily.set_index("day")
    assert 0 < record.severity <= 1
    assert d.loc[0, "injury"] == pytest.approx(record.severity)
    assert d.loc[1, "tissue"] > 0.5 * record.severity
    before, after = d.loc[-27:0, "pain_nrs"].mean(), d.loc[1:7, "pain_nrs"].mean()
    if record.severity < 1:
        assert after == pytest.approx(ONSET_NRS, abs=0.02)
    else:  # the largest injury falls short for this person, and the story says so
        assert after <= ONSET_NRS and "the largest there is" in record.events[0][1]
    assert after > before + 2
    assert record.events[0][0] == 0 and "back injury" in record.events[0][1]
    assert f"NRS {ONSET_NRS:g}" in record.events[0][1]


def test_onset_severity_follows_the_persons_sensitivity(town):
    """A less sensitive back needs a larger injury for the same first-week pain, and a named
    severity is used as given."""
    engine = Engine(town, seed=1)
    well = candidates(engine)
    order = np.argsort(engine.pop.pain_sensitivity[well])
    low, high = well[order[len(order) // 4]], well[order[-1]]
    assert onset_severity(engine, high) < onset_severity(engine, low)
    assert onset_pain(engine, high, onset_severity(engine, high)) == pytest.approx(ONSET_NRS, abs=0.02)
    assert follow(town, seed=1, person=int(high), severity=0.3, weeks=1).severity == 0.3


def test_the_story_ends_when_the_person_leaves(town):
    """A person who reaches the exit age while followed: the story ends that day and says so."""
    engine = Engine(town, seed=1)
    well = candidates(engine)
    oldest = int(well[np.argmax(engine.pop.age_years[well])])
    exit_age = float(town.params().exit_age_years)
    weeks = int((exit_age - engine.pop.age_years[oldest]) * 365.25 / 7) + 3
    record = follow(town, seed=1, person=oldest, weeks=min(max(weeks, 1), 520))
    assert record.left_day is not None
    assert record.daily["day"].max() < record.left_day
    lines = story_lines(record)
    assert lines[-1].startswith(f"On day {record.left_day} the person left the population")
    assert any("left the population" in text for _, text in record.events)


def test_forcing_the_injury_draws_no_random_number(town):
    """Life events do not depend on anyone's state, so with and without the forced injury they
    must be the same draws, day by day."""
    (forced, forced_watch), (plain, plain_watch) = watched_town(town, seed=1), watched_town(town, seed=1)
    forced.injure(candidates(forced)[0], 0.9)
    for _ in range(30):
        forced.step()
        plain.step()
        np.testing.assert_array_equal(forced_watch.shocks_today.life_event, plain_watch.shocks_today.life_event)


def test_week_lines_say_what_the_record_says(record):
    d = record.daily
    for week in range(1, 9):
        line = week_line(record, week)
        days = d[(d["day"] > 7 * (week - 1)) & (d["day"] <= 7 * week)]
        bad = int((days["sleep_psqi"] > scales.POOR_SLEEP_PSQI).sum())
        assert line.startswith(f"week {week:>2}: ")
        if bad:
            assert f"slept badly {bad} night{'s' if bad > 1 else ''} of 7" in line
        else:
            assert "slept well all week" in line
        assert f"PHQ-9 now {days['phq9_14d'].iloc[-1]:.0f}" in line
        assert f"pain {days['pain_nrs'].mean():.1f}/10" in line
        assert re.search(r"activity (up|down) \d+%|activity as before", line)


def test_story_has_an_opening_a_line_a_week_and_a_verdict(record):
    lines = story_lines(record)
    assert len(lines) == 8 + 2
    assert lines[0].startswith(f"Person {record.person}")
    assert lines[-1].startswith("After 8 weeks:")


def test_figure_has_a_column_per_arm(record):
    fig = story_figure([record, record], "t")
    columns = {ax.get_subplotspec().colspan.start for ax in fig.axes}
    assert columns == {0, 1}


@pytest.mark.parametrize("kwargs, match", [
    ({"person": 10_000}, r"person = 10000 is outside the allowed range \[0, 399\] \(a row number\)"),
    ({"severity": 1.5}, r"severity = 1.5 is outside the allowed range \(0, 1\] tissue units"),
    ({"weeks": 0}, r"weeks = 0 is outside the allowed range \[1, 520\]"),
])
def test_bad_arguments_are_named(town, kwargs, match):
    from sim import InputError

    with pytest.raises(InputError, match=match):
        follow(town, seed=1, **kwargs)


def test_story_command_prints_and_writes(tmp_path, capsys):
    out = tmp_path / "story"
    code = main(["story", "--seed", "1", "--agents", "300", "--burn-in", "200", "--weeks", "4",
                 "--out", str(out)])
    assert code == 0
    printed = capsys.readouterr().out
    assert "week  4:" in printed and "After 4 weeks" in printed
    assert (out / "story.png").read_bytes().startswith(b"\x89PNG")
    assert (out / "story.txt").read_text().splitlines()[1].startswith("week  1:")
    assert "pain_nrs" in (out / "story.csv").read_text().splitlines()[0]


def test_story_command_bad_input_is_one_line_and_writes_nothing(tmp_path, capsys):
    out = tmp_path / "story"
    code = main(["story", "--agents", "300", "--burn-in", "100", "--person", "5000", "--out", str(out)])
    assert code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "person = 5000" in err[0]
    assert not out.exists() or not list(out.iterdir())


def test_with_an_intervention_same_person_same_days_before_it(town):
    from sim.teaching.story import compare

    without, with_it = compare(town, seed=1, kind="exercise", weeks=6, who="vulnerable", severity=1.0)
    assert without.person == with_it.person
    assert without.interventions == [] and with_it.interventions == ["exercise"]
    before = [r.daily[r.daily["day"] <= 0].drop(columns=["exercise_level", "exercise_in_treatment"],
                                                errors="ignore") for r in (without, with_it)]
    assert before[0].equals(before[1])
    texts = [text for _, text in with_it.events]
    assert any(t.startswith("offered exercise") for t in texts), texts
    started = any("started it" in t for t in texts)
    assert started == bool(with_it.daily["exercise_in_treatment"].fillna(False).any())
    if started:
        assert with_it.daily["exercise_level"].max() > 0
        assert not with_it.daily[["pain_nrs", "activity_min_week"]].equals(
            without.daily[["pain_nrs", "activity_min_week"]])


def test_vulnerable_people_are_the_most_sensitive_tenth_of_the_well(town):
    engine = Engine(town, seed=1)
    well = candidates(engine)
    vulnerable = candidates(engine, "vulnerable")
    assert set(vulnerable) <= set(well) and 0 < len(vulnerable) <= 0.15 * len(well)
    score = engine.pop.pain_sensitivity + engine.pop.mood_vulnerability
    assert score[vulnerable].min() >= np.median(score[well])


def test_story_command_with_intervention(tmp_path, capsys):
    out = tmp_path / "story"
    code = main(["story", "--seed", "3", "--agents", "300", "--burn-in", "200", "--weeks", "3",
                 "--with", "exercise", "--out", str(out)])
    assert code == 0
    printed = capsys.readouterr().out
    assert "Without exercise:" in printed and "With exercise, offered to everyone" in printed
    assert "In week 3: pain" in printed
    arms = set(__import__("pandas").read_csv(out / "story.csv")["arm"])
    assert arms == {"without exercise", "with exercise"}


def test_story_command_unknown_intervention_is_one_line(tmp_path, capsys):
    code = main(["story", "--agents", "300", "--burn-in", "50", "--with", "yoga",
                 "--out", str(tmp_path / "s")])
    assert code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "'yoga' must be one of exercise" in err[0]
