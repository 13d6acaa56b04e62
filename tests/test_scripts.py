"""The experiment scripts are thin command lines over the package: each one only hands its
arguments to a study in ``sim.studies`` (no logic of its own, nothing imported through
``sys.path``), every one answers ``--help``, and calibration's ``--write`` writes the one
calibration record the package's parameter table reads."""

import ast
import os
import runpy
import subprocess
import sys
from pathlib import Path

import pytest

from sim.core import parameters
from sim.core.errors import InputError
from sim.running.scripts import parse_args
from sim.studies import calibration

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = sorted((ROOT / "experiments").glob("*.py"))


def test_every_experiment_script_is_a_thin_command_line():
    assert len(SCRIPTS) == 17  # experiments/*.py, benchmark_batch.py, posterior.py, posterior_report.py, probe_targets.py and remake.py included
    for script in SCRIPTS:
        tree = ast.parse(script.read_text(encoding="utf-8"))
        logic = [node for node in ast.walk(tree) if isinstance(node, (ast.FunctionDef, ast.ClassDef, ast.Lambda))]
        assert not logic, f"{script.name} defines {[getattr(n, 'name', 'lambda') for n in logic]}: move it to sim.studies"
        imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
        assert imported & {"sim.running.scripts", "sim.cli"}, script.name


def test_nothing_imports_through_sys_path():
    for folder in ("sim", "experiments", "tests", "benchmarks"):
        for path in (ROOT / folder).rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            touched = [node.lineno for node in ast.walk(tree) if isinstance(node, ast.Attribute)
                       and node.attr == "path" and isinstance(node.value, ast.Name) and node.value.id == "sys"]
            assert not touched, f"{path.relative_to(ROOT)} line {touched[0]} uses sys.path"


def test_every_script_answers_help(monkeypatch, capsys):
    # Run as __main__ in this process: each script is its imports and one main() call, so a fresh
    # interpreter per script (twelve package imports) adds start-up time and proves nothing more;
    # the one subprocess below shows a script also starts on its own, as a user runs it.
    for script in SCRIPTS:
        monkeypatch.setattr(sys, "argv", [str(script), "--help"])
        with pytest.raises(SystemExit) as done:
            runpy.run_path(str(script), run_name="__main__")
        out, err = capsys.readouterr()
        assert done.value.code in (0, None), f"{script.name}: {err}"
        assert "--out" in out, script.name
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    first = subprocess.run([sys.executable, str(SCRIPTS[0]), "--help"], capture_output=True, text=True,
                           env=env, timeout=300)
    assert first.returncode == 0 and "--out" in first.stdout, first.stderr


def test_calibration_writes_the_record_the_parameter_table_reads():
    assert calibration.CHECKOUT / calibration.RECORD_RELATIVE == parameters.RECORD_PATH.resolve()


@pytest.mark.parametrize("option", ["--agents", "--seeds"])
@pytest.mark.parametrize("value", ["0", "-3"])
def test_people_and_seeds_below_one_are_errors_not_the_default(option, value):
    # before session 25, --agents 0 and --seeds 0 silently ran the full default size
    with pytest.raises(InputError, match=rf"{option} = {value} is outside the allowed range \[1, inf\]"):
        parse_args("toy", "a toy", 10, 100, 1, 3, [option, value])


def test_options_left_out_take_the_defaults():
    args = parse_args("toy", "a toy", 10, 100, 1, 3, [])
    assert (args.agents, args.seeds) == (100, 3)
    args = parse_args("toy", "a toy", 10, 100, 1, 3, ["--quick"])
    assert (args.agents, args.seeds) == (10, 1)
    args = parse_args("toy", "a toy", 10, 100, 1, 3, ["--agents", "7", "--seeds", "2"])
    assert (args.agents, args.seeds) == (7, 2)
