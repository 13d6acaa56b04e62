"""The lesson plan (docs/teaching.md) is a tested tutorial: every `painloop` command in its code
blocks runs and prints what the lesson quotes under it, and the people, commands, quotes and
numbers that `painloop lesson` generates are the model's.

When a recalibration changes the model, `painloop lesson` regenerates the marked passages (it
chooses the people by what the model does to them); the prose outside them names no person and
quotes no number the model produces.
"""

import re
import shlex
from pathlib import Path

import pytest

from sim.cli import main
from sim.teaching import lesson

ROOT = Path(__file__).resolve().parent.parent
LESSON = ROOT / "docs" / "teaching.md"


def _commands(block: str) -> list[str]:
    commands = []
    for code in re.findall(r"```bash\n(.*?)```", block, flags=re.S):
        for command in re.sub(r"\\\n\s*", " ", code).splitlines():
            command = command.split("#")[0].strip()
            if command.startswith("painloop "):
                commands.append(command)
    return commands


def lesson_commands() -> list[str]:
    """Every `painloop ...` command in the lesson's bash blocks (continuation lines joined)."""
    return _commands(LESSON.read_text(encoding="utf-8"))


def quoted() -> dict[str, list[str]]:
    """Story command -> the lines the lesson quotes from its output: in each generated block the
    n-th story command's output is the n-th text block."""
    out = {}
    for m in lesson.MARKER.finditer(LESSON.read_text(encoding="utf-8")):
        stories = [c for c in _commands(m["body"]) if c.startswith("painloop story")]
        texts = re.findall(r"```text\n(.*?)```", m["body"], flags=re.S)
        assert len(stories) == len(texts), f"block {m['name']}: {len(stories)} stories, {len(texts)} quotes"
        for command, text in zip(stories, texts):
            out[command] = [line for line in text.splitlines() if line and line != "..."]
    return out


def test_the_lesson_has_its_commands_and_quotes():
    commands = lesson_commands()
    assert sum(c.startswith("painloop story") for c in commands) >= 9
    assert any(c.startswith("painloop diagram") for c in commands)
    said = quoted()
    assert all(c in said for c in commands if c.startswith("painloop story")), "a story outside a generated block"
    assert all(lines for lines in said.values())


def test_the_prose_names_no_person_and_quotes_no_story():
    """Outside the generated blocks the lesson names nobody by row number and quotes no story
    line: those change with the model."""
    prose = lesson.MARKER.sub("", LESSON.read_text(encoding="utf-8"))
    assert not re.search(r"\b[Pp]erson \d+", prose)
    assert not re.search(r"--person \d+", prose)
    assert not re.search(r"PHQ-9 \d+ (without|with)|pain \d+\.\d/10", prose)


def test_render_replaces_only_the_blocks_and_names_unknown_ones():
    from sim import InputError

    text = "a\n<!-- generated: town -->\nold\n<!-- end generated: town -->\nb\n"
    assert lesson.render(text, {"town": "new\n"}) == text.replace("old", "new")
    assert lesson.stale_blocks(text, {"town": "new\n"}) == ["town"]
    with pytest.raises(InputError, match="generated block.s. town"):
        lesson.render(text, {"ex1": ""})


@pytest.mark.slow
@pytest.mark.one_python
# First in the file: the longest slow test, so .ci/run starts it before the lesson's commands.
def test_the_lessons_people_and_numbers_are_the_models(capsys):
    """`painloop lesson --check`: every generated block is what the model gives today."""
    assert main(["lesson", "--check", "--path", str(LESSON)]) == 0, capsys.readouterr().err


@pytest.mark.slow
@pytest.mark.one_python
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
    out = capsys.readouterr().out.splitlines()
    for line in quoted().get(command, []):
        assert line in out, f"{command!r}: the lesson quotes {line!r}"

