"""The README's Python API example runs as written (slow: 5,000 people for a year in 2 arms x 3 seeds, and a
2,000-person one-year cost-effectiveness analysis of the standard strategies over 2 seeds)."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _python_api_block() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Python API", 1)[1].split("\n## ", 1)[0]
    (block,) = re.findall(r"```python\n(.*?)```", section, re.S)
    return block


@pytest.mark.slow
@pytest.mark.one_python
def test_python_api_example_runs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # it writes results/ where it runs
    namespace: dict = {}
    exec(compile(_python_api_block(), "README.md (Python API)", "exec"), namespace)
    assert len(namespace["result"].daily) == 366
    assert len(namespace["poor_sleep"].share) == 90
    assert set(namespace["experiment"].table["arm"].unique()) == {"baseline", "exercise"}
    assert (tmp_path / "results" / "my_run" / "daily.parquet").exists()
