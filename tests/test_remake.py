"""The remake (sim/running/remake.py): every experiment and every documented figure is accounted
for, and a remake stops at a failing step, resumes where it stopped and copies only what succeeded."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from sim.core.errors import InputError
from sim.running import remake
from sim.running.remake import MADE_ELSEWHERE, NOT_REMADE, STEPS, Step, choose

ROOT = Path(__file__).resolve().parents[1]


def _script(step: Step) -> str:
    return step.full[0]


def test_every_experiment_script_is_remade_or_says_why_not():
    scripts = {p.stem for p in (ROOT / "experiments").glob("*.py")}
    remade = {Path(_script(s)).stem for s in STEPS if _script(s).startswith("experiments/")}
    assert scripts - remade - set(NOT_REMADE) == set(), "a new experiment: add it to STEPS or NOT_REMADE"
    assert set(NOT_REMADE) <= scripts, "NOT_REMADE names a script that does not exist"
    assert remade <= scripts


def test_every_documented_figure_has_a_maker():
    shown = {p.name for p in (ROOT / "docs" / "figures").iterdir() if p.is_file()}
    copied = {name for s in STEPS for name in s.copies.values()}
    assert shown - copied - set(MADE_ELSEWHERE) == set(), "a figure in docs/figures nothing remakes"
    assert copied <= shown and set(MADE_ELSEWHERE) <= shown


def test_every_step_names_a_real_command():
    from sim.cli import main  # noqa: F401 (the -m sim steps run it)

    for step in STEPS:
        for args in (step.full, step.quick):
            if args is None:
                continue
            if args[:2] == ("-m", "sim"):
                assert subprocess.run([sys.executable, "-m", "sim", args[2], "--help"], cwd=ROOT,
                                      capture_output=True).returncode == 0, step.name
            else:
                assert (ROOT / args[0]).is_file(), step.name
    assert len(set(remake.step_names())) == len(STEPS)


def test_choose_names_the_steps_when_given_an_unknown_one():
    with pytest.raises(InputError, match="unknown step 'nope'.*golden, odd"):
        choose(STEPS, only="nope")
    assert [s.name for s in choose(STEPS, start="lesson")] == ["lesson", "sensitivity"]
    assert [s.name for s in choose(STEPS, only="timing,drift")] == ["drift", "timing"]


WRITE = ("-c", "import pathlib, sys; p = pathlib.Path(sys.argv[1]); p.mkdir(parents=True, exist_ok=True); "
               "(p / 'f.png').write_text(sys.argv[2])")


def _repo(tmp_path: Path) -> Path:
    root = tmp_path / "checkout"
    (root / "sim").mkdir(parents=True)
    (root / "sim" / "x.py").write_text("x = 1\n")
    for args in (["init", "-q"], ["add", "."], ["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "c"]):
        subprocess.run(["git", *args], cwd=root, check=True)
    return root


def test_a_remake_stops_at_a_failure_resumes_and_copies_only_what_succeeded(tmp_path):
    root = _repo(tmp_path)
    figures, results = tmp_path / "figures", tmp_path / "results"
    good = Step("good", (*WRITE, "{out}", "one"), (*WRITE, "{out}", "one"), copies={"f.png": "good.png"})
    bad = Step("bad", ("-c", "raise SystemExit(3)"), ("-c", "raise SystemExit(3)"))
    forgetful = Step("forgetful", ("-c", "pass"), ("-c", "pass"), copies={"f.png": "forgetful.png"})
    said = []
    with pytest.raises(InputError, match=r"step bad failed \(exit status 3\).*bad\.log"):
        remake.remake([good, bad], root=root, results=results, figures=figures, say=said.append)
    manifest = remake._load(results / "manifest.json")
    assert manifest["good"]["returncode"] == 0 and manifest["bad"]["returncode"] == 3
    assert (figures / "good.png").read_text() == "one"
    remake.remake([good], root=root, results=results, figures=figures, say=said.append)
    assert "skipped" in said[-1]  # done already on this code
    with pytest.raises(InputError, match="forgetful failed .*f.png was not written"):
        remake.remake([forgetful], root=root, results=results, figures=figures, say=said.append)
    assert not (figures / "forgetful.png").exists()
    (root / "sim" / "x.py").write_text("x = 2\n")  # uncommitted code: nothing is taken as done
    remake.remake([good], root=root, results=results, figures=figures, say=said.append)
    assert "skipped" not in said[-2] and remake._load(results / "manifest.json")["good"]["code"].endswith("+dirty")


def test_the_code_a_step_ran_covers_the_scripts_as_well_as_the_package(tmp_path):
    root = _repo(tmp_path)
    (root / "experiments").mkdir()
    (root / "experiments" / "e.py").write_text("print(1)\n")
    subprocess.run(["git", "add", "."], cwd=root, check=True)
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "e"], cwd=root, check=True)
    clean = remake.code_version(root)
    assert clean.startswith("sim:") and ",experiments:" in clean and not clean.endswith("+dirty")
    (root / "experiments" / "e.py").write_text("print(2)\n")  # an edited script: its steps are not done
    assert remake.code_version(root) == clean + "+dirty"


def test_a_quick_remake_leaves_the_checkout_and_docs_alone(tmp_path):
    root = _repo(tmp_path)
    figures, results = tmp_path / "figures", tmp_path / "results"
    only_full = Step("only_full", ("-c", "raise SystemExit(5)"), None)
    good = Step("good", (*WRITE, "{out}", "one"), (*WRITE, "{out}", "quick"), copies={"f.png": "good.png"})
    said = []
    remake.remake([only_full, good], quick=True, root=root, results=results, figures=figures, say=said.append)
    assert said[0].startswith("skip only_full")
    assert (results / "good" / "f.png").read_text() == "quick" and not figures.exists()
