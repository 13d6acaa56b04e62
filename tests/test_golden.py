"""The golden baseline: small fixed-seed runs pinned against stored tables, to the last bits a CPU's
own rounding may change (:data:`tests.conftest.ROUNDING`).

Refactors must change no number; this test shows it. When a change of the model's numbers is
intended, regenerate the tables with ``python tests/golden/regenerate.py`` and say so in the
commit (the commit that first wrote them is named in ``tests/golden/README.md``).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import assert_same_table

GOLDEN = Path(__file__).resolve().parent / "golden"


def _load_regenerate():
    spec = importlib.util.spec_from_file_location("golden_regenerate", GOLDEN / "regenerate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def both(tmp_path_factory):
    """The golden runs twice into one fresh equilibrium cache: first every engine burns in (and
    saves its day 0), then every engine loads it. Both must give the stored tables."""
    from sim.core import equilibrium

    saved = []
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PAINLOOP_CACHE", str(tmp_path_factory.mktemp("equilibrium")))
        mp.setattr(equilibrium, "snapshot", lambda engine, real=equilibrium.snapshot: saved.append(1) or real(engine))
        burnt_in = _load_regenerate().golden_runs()
        first = len(saved)
        cached = _load_regenerate().golden_runs()
    assert first > 0 and len(saved) == first, "the second pass burnt in again instead of loading"
    return {"burnt_in": burnt_in, "cached": cached}


@pytest.fixture(scope="module", params=["burnt_in", "cached"])
def runs(request, both):
    return both[request.param]


def assert_golden(table: pd.DataFrame, stored: pd.DataFrame, stem: str) -> None:
    """Float columns to the last bits a CPU's own rounding may change (:data:`tests.conftest.ROUNDING`),
    everything else exactly."""
    assert_same_table(table, stored, f"golden {stem}")


@pytest.mark.parametrize("stem", ["daily", "panel", "agents_daily", "experiment", "trial", "survey", "story",
                                  "sensitivity", "hysteresis_legs", "hysteresis_tail"])
def test_run_matches_golden_table(runs, stem):
    assert_golden(runs[stem], pd.read_parquet(GOLDEN / f"{stem}.parquet"), stem)


def test_golden_comparison_sees_a_tiny_change_of_a_parameter():
    """The tolerance is not a hole: a change of one parameter in its sixth digit moves the daily table
    out of it."""
    import sim

    regenerate = _load_regenerate()
    scenario = regenerate.golden_scenario()
    changed = scenario.replace(pain_bias=scenario.params().pain_bias * (1 + 1e-6))
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PAINLOOP_CACHE", "off")
        daily = sim.simulate(changed, seed=7, panel_every=30, panel_agents=50).daily
    with pytest.raises(AssertionError):
        assert_golden(daily, pd.read_parquet(GOLDEN / "daily.parquet"), "daily")


def test_golden_tables_cover_every_intervention_and_a_panel(runs):
    daily = runs["daily"]
    for kind in ("exercise", "cbt", "medication", "mindfulness", "sleep", "social_support"):
        assert daily[f"{kind}_started"].iloc[-1] > 0, f"no one started {kind}: the golden run misses its code"
    assert len(runs["panel"]) == 50 * 7  # 50 people on days 0, 30, ..., 180
