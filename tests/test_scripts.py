"""The experiment scripts are thin command lines over the package: each one only hands its
arguments to a study in ``sim.studies`` (no logic of its own, nothing imported through
``sys.path``), every one answers ``--help``, and calibration's ``--write`` finds the one
parameter table where the package keeps it."""

import ast
import os
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from sim.core import parameters
from sim.core.parameters import DEFAULTS
from sim.studies import calibration

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = sorted((ROOT / "experiments").glob("*.py"))


def test_every_experiment_script_is_a_thin_command_line():
    assert len(SCRIPTS) == 12
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


def test_every_script_answers_help():
    # all at once: each is mostly the start-up of a Python process importing the package
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    procs = {s.name: subprocess.Popen([sys.executable, str(s), "--help"], stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE, text=True, env=env) for s in SCRIPTS}
    for name, proc in procs.items():
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, f"{name}: {err}"
        assert "--out" in out, name


def _package_copy(tmp_path) -> Path:
    shutil.copytree(calibration.ROOT / "sim", tmp_path / "sim", ignore=shutil.ignore_patterns("__pycache__"))
    return tmp_path / "sim" / "core" / "parameters.py"


def test_calibration_writes_the_parameter_table_of_the_package(tmp_path):
    assert calibration.PARAMETERS_FILE == Path(parameters.__file__).resolve()
    assert calibration.ROOT / "sim" / "core" / "parameters.py" == calibration.PARAMETERS_FILE
    _package_copy(tmp_path)
    new = {"pain_bias": DEFAULTS["pain_bias"] - 0.125, "network_mean_degree": DEFAULTS["network_mean_degree"] + 2}
    calibration.write_defaults(new, root=tmp_path)
    show = "import json; from sim.core.parameters import DEFAULTS; print(json.dumps(dict(DEFAULTS)))"
    run = subprocess.run([sys.executable, "-c", show], cwd=tmp_path, capture_output=True, text=True,
                         env={"PYTHONPATH": str(tmp_path), "PATH": ""})
    written = json.loads(run.stdout)
    assert written["pain_bias"] == pytest.approx(new["pain_bias"], abs=1e-4)
    assert written["network_mean_degree"] == new["network_mean_degree"]
    assert {k: v for k, v in written.items() if k not in new} == {k: v for k, v in DEFAULTS.items() if k not in new}


def test_calibration_writes_nothing_when_a_default_is_missing(tmp_path):
    copy = _package_copy(tmp_path)
    text = copy.read_text(encoding="utf-8").replace('"pain_bias"', '"renamed_bias"')
    copy.write_text(text, encoding="utf-8")
    with pytest.raises(RuntimeError, match="pain_bias"):
        calibration.write_defaults({"pain_noise_sd": 0.1, "pain_bias": -1.0}, root=tmp_path)
    assert copy.read_text(encoding="utf-8") == text
