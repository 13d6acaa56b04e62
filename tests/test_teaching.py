"""The lesson plan (docs/teaching.md) is a tested tutorial: every `painloop` command in its code
blocks runs, and the outcomes the lesson tells students to expect are what the model gives.

When a recalibration changes the model, this test fails on the stale sentence: rerun the
commands, then update the lesson and the expectations below together.
"""

import re
import shlex
from pathlib import Path

import pytest

from sim.cli import main

ROOT = Path(__file__).resolve().parent.parent
LESSON = ROOT / "docs" / "teaching.md"

# command fragment -> what the lesson says students will read in its output
EXPECTED = {
    "--seed 35 --who vulnerable --severity 1 --out": ["Person 130", "the pain became chronic, but mood held",
                                                       "pain 5.1/10", "82% of its maximum"],
    "--seed 40 --who vulnerable --severity 1 --out": ["Person 741", "the pain settled, but low mood took hold",
                                                       "PHQ-9 19"],
    "--seed 40 --person 741 --severity 0.01": ["PHQ-9 18;"],
    "no_sensitisation.toml": ["the loop did not close", "pain 1.7/10", "1% of its maximum"],
    "--seed 35 --person 130 --severity 1 \\\n    --scenario experiments/teaching/no_pain_to_mood.toml":
        ["the pain became chronic", "pain 5.1/10", "82% of its maximum"],
    "--seed 35 --who vulnerable --severity 1 --with exercise": ["In week 26: pain 5.1 without and 1.6 with exercise"],
    "--seed 35 --who vulnerable --severity 1 --with cbt": ["In week 26: pain 5.1 without and 3.7 with cbt; "
                                                          "PHQ-9 7 without and 4 with"],
    "--seed 40 --who vulnerable --severity 1 --with exercise": ["PHQ-9 19 without and 3 with"],
    "--seed 40 --who vulnerable --severity 1 --with cbt": ["PHQ-9 19 without and 4 with"],
}


def lesson_commands() -> list[str]:
    """Every `painloop ...` command in the lesson's bash blocks (continuation lines joined)."""
    text = LESSON.read_text(encoding="utf-8")
    commands = []
    for block in re.findall(r"```bash\n(.*?)```", text, flags=re.S):
        for command in re.sub(r"\\\n\s*", " ", block).splitlines():
            command = command.split("#")[0].strip()
            if command.startswith("painloop "):
                commands.append(command)
    return commands


def test_the_lesson_has_its_commands():
    commands = lesson_commands()
    assert sum(c.startswith("painloop story") for c in commands) >= 9
    assert any(c.startswith("painloop diagram") for c in commands)
    text = LESSON.read_text(encoding="utf-8")
    for fragment in EXPECTED:  # every expectation points at a command the lesson really shows
        assert fragment in text, fragment


@pytest.mark.slow
@pytest.mark.parametrize("command", lesson_commands(),
                         ids=lambda c: re.sub(r"[^\w.]+", "_", c.removeprefix("painloop ")))
def test_lesson_command_runs_and_says_what_the_lesson_says(command, tmp_path, capsys, monkeypatch):
    if command.startswith("painloop dashboard"):
        pytest.skip("the dashboard has its own browser test")
    monkeypatch.chdir(ROOT)  # scenario paths in the lesson are relative to the checkout
    argv = shlex.split(command)[1:]
    if "--out" in argv:
        argv[argv.index("--out") + 1] = str(tmp_path / "out")
    assert main(argv) == 0
    # the lines a lesson quotes: who the person is, the verdict, and the side-by-side summary
    said = [line for line in capsys.readouterr().out.splitlines()
            if line.startswith(("Person ", "After ", "In week "))]
    out = "\n".join(said)
    flat = LESSON.read_text(encoding="utf-8")
    for fragment, phrases in EXPECTED.items():
        if re.sub(r"\\\n\s*", " ", fragment) in command and fragment in flat:
            for phrase in phrases:
                assert phrase in out, f"{command!r}: the lesson promises {phrase!r}"
