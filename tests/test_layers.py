"""The layers hold: the import contracts in pyproject.toml are kept, and they can fail.

    core  <-  interventions  <-  running  <-  studies  <-  teaching  (<- cli)

A layer may import the layers to its left, never those to its right; the one exception is that
the core's engine and scenario use interventions (they deliver and list them), while
interventions never import the engine or the scenario.
"""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytest.importorskip("importlinter", reason="import-linter is in the test extra")


def lint(root: Path) -> subprocess.CompletedProcess:
    """Run lint-imports on the package under ``root`` with the project's contracts."""
    return subprocess.run([sys.executable, "-c", "from importlinter.cli import lint_imports_command; "
                           "lint_imports_command()", "--config", str(ROOT / "pyproject.toml"), "--no-cache"],
                          cwd=root, env={"PYTHONPATH": str(root), "PATH": ""}, capture_output=True, text=True)


def test_every_layer_contract_is_kept():
    result = lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "5 kept, 0 broken" in result.stdout


def test_a_core_module_importing_teaching_breaks_the_contract(tmp_path):
    shutil.copytree(ROOT / "sim", tmp_path / "sim", ignore=shutil.ignore_patterns("__pycache__"))
    rules = tmp_path / "sim" / "core" / "rules.py"
    rules.write_text(rules.read_text() + "\nfrom sim.teaching import story  # noqa: E402,F401\n")
    result = lint(tmp_path)
    assert result.returncode == 1
    assert "The model core imports nothing above it BROKEN" in result.stdout
    assert "sim.core.rules -> sim.teaching.story" in result.stdout
