"""The painloop command: outputs, summaries and one-line errors with exit code 2."""

import subprocess
import sys

import pandas as pd
import pytest

from sim.cli import main


def test_run_writes_table_figure_and_summary(tmp_path, capsys):
    out = tmp_path / "run"
    code = main(["run", "--agents", "400", "--days", "20", "--burn-in", "100", "--out", str(out), "--quiet"])
    assert code == 0
    text = capsys.readouterr().out
    assert "chronic pain" in text and "ratio" in text
    daily = pd.read_parquet(out / "daily.parquet")
    assert len(daily) == 21
    assert pd.read_csv(out / "daily.csv").shape == daily.shape
    assert (out / "core_states.png").stat().st_size > 10_000
    assert not [p for p in out.iterdir() if p.name.startswith(".")]


@pytest.mark.parametrize("args, message", [
    (["run", "--agents", "0"], "parameter 'n_agents' = 0 is outside the allowed range [1, 1e+07]"),
    (["run", "--days", "-3"], "parameter 'days' = -3 is outside"),
    (["run", "missing.toml"], "scenario file 'missing.toml': cannot be read"),
])
def test_user_errors_are_one_line_and_exit_2(tmp_path, capsys, args, message, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code = main(args + ["--out", str(tmp_path / "out"), "--quiet"])
    err = capsys.readouterr().err
    assert code == 2
    assert message in err and "Traceback" not in err and err.count("\n") == 1
    assert not (tmp_path / "out" / "daily.parquet").exists()


def test_bad_scenario_file_writes_nothing(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text('n_agents = 100\n[[interventions]]\nkind = "exercise"\ncoverage = 1.5\n')
    out = tmp_path / "out"
    assert main(["run", str(bad), "--out", str(out), "--quiet"]) == 2
    assert "bad.toml': interventions[0] ('exercise'): field 'coverage' = 1.5" in capsys.readouterr().err
    assert not out.exists()


def test_unwritable_output_folder(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert main(["run", "--agents", "50", "--out", str(blocker / "out"), "--quiet"]) == 2
    assert "is not writable" in capsys.readouterr().err


def test_params_and_rules_listings(capsys):
    assert main(["params", "--group", "shocks"]) == 0
    assert "injury_rate_per_year" in capsys.readouterr().out
    assert main(["rules"]) == 0
    assert "pain_to_sleep" in capsys.readouterr().out


def test_console_script_is_installed_and_reports_usage_errors():
    done = subprocess.run([sys.executable, "-m", "sim.cli", "frobnicate"], capture_output=True, text=True)
    assert done.returncode == 2 and "invalid choice" in done.stderr


@pytest.mark.slow
# One Python: this is the README's main job at its real size (--quick only sets people and seeds).
# Each Python runs its code elsewhere: the fast tests run `compare` to its table and figures at
# 200-300 people (tests/test_ensemble.py, tests/test_store.py) and the process pool
# (tests/test_runner.py, tests/test_store.py), and the slow killed-and-resumed test runs the
# `compare` command through the pool to every output file (tests/test_store.py).
@pytest.mark.one_python
def test_compare_quick_writes_table_and_figures(tmp_path):
    out = tmp_path / "compare"
    assert main(["compare", "--quick", "--out", str(out), "--quiet"]) == 0
    for name in ("headline.md", "summary.csv", "forest.png", "arms_over_time.png", "results.parquet"):
        assert (out / name).exists(), name
    summary = pd.read_csv(out / "summary.csv")
    assert {"baseline", "exercise", "stepped_care", "exercise+cbt"} <= set(summary["arm"])
