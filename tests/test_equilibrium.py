"""The equilibrium cache: a run from a saved burn-in is the run that burns in, bit for bit; the
cache never fails a run, never loads a stale or foreign file, and stays where it is told."""

import os
import time
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sim
from sim.cli import main
from sim.core import equilibrium
from sim.core.engine import Engine, Observer
from sim.core.equilibrium import CacheWarning

ROOT = Path(__file__).resolve().parent.parent
WORLD = sim.Scenario(n_agents=400, burn_in_days=150, days=40,
                     interventions=[{"kind": "exercise", "eligibility": "all", "coverage": 0.3},
                                    {"kind": "cbt", "start_day": 5}])


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    where = tmp_path / "cache"
    monkeypatch.setenv("PAINLOOP_CACHE", str(where))
    return where


def _files(where: Path) -> list[Path]:
    return sorted(where.glob("*.pkl")) if where.is_dir() else []


@pytest.mark.parametrize("precision", ["float64", "float32"])
def test_a_run_from_the_cache_is_the_run_that_burns_in_bit_for_bit(cache, monkeypatch, precision):
    options = dict(seed=5, precision=precision, panel_every=10)
    monkeypatch.setenv("PAINLOOP_CACHE", "off")
    plain = sim.simulate(WORLD, **options)
    monkeypatch.setenv("PAINLOOP_CACHE", str(cache))
    first = sim.simulate(WORLD, **options)
    assert len(_files(cache)) == 1
    again = sim.simulate(WORLD, **options)
    assert [r.meta["burn_in_source"] for r in (plain, first, again)] == ["run", "run", "cache"]
    for result in (first, again):
        pd.testing.assert_frame_equal(result.daily, plain.daily, check_exact=True)
        pd.testing.assert_frame_equal(result.panel, plain.panel, check_exact=True)
    assert plain.daily["exercise_started"].iloc[-1] > 0  # interventions act after a load too


def test_one_cached_burn_in_serves_every_arm_and_run_length(cache):
    Engine(WORLD.replace(interventions=()), seed=2)
    other = Engine(WORLD.replace(days=9, name="arm"), seed=2)
    assert other.timings["burn_in_source"] == "cache" and len(_files(cache)) == 1
    fresh = Engine(WORLD.replace(days=9, name="arm"), seed=2, cache=False)
    for engine in (other, fresh):
        engine.run(9)
    for name in ("pain", "low_mood", "sensitisation", "pain_drift"):
        np.testing.assert_array_equal(getattr(other.pop, name), getattr(fresh.pop, name))
    np.testing.assert_array_equal(other.status.depressed, fresh.status.depressed)


def test_the_key_follows_the_burn_in_and_nothing_else():
    base = sim.Scenario(n_agents=300, burn_in_days=100)
    key = lambda s, seed=0, precision="float64": equilibrium.key(sim.core.engine.burn_in_key(s), seed, precision)  # noqa: E731
    same = [base.replace(days=7, name="x", interventions=[{"kind": "exercise"}]),
            base.replace(exercise_effect=2.5, cost_cbt_session_gbp=1.0)]  # nothing reads them before day 0
    different = [base.replace(burn_in_days=101), base.replace(pain_bias=base.pain_bias + 0.01),
                 base.replace(disabled_rules=["pain_to_sleep"]), base.replace(n_agents=301)]
    assert all(key(s) == key(base) for s in same)
    assert len({key(base), *(key(s) for s in different), key(base, 1), key(base, precision="float32")}) == 7


def test_runs_that_differ_only_in_an_effect_size_share_the_burn_in_bit_for_bit(cache, monkeypatch):
    stronger = WORLD.replace(exercise_effect=2.5 * WORLD.exercise_effect, cbt_effect=0.1)
    monkeypatch.setenv("PAINLOOP_CACHE", "off")
    plain = sim.simulate(stronger, seed=3)
    monkeypatch.setenv("PAINLOOP_CACHE", str(cache))
    sim.simulate(WORLD, seed=3)
    loaded = sim.simulate(stronger, seed=3)
    assert loaded.meta["burn_in_source"] == "cache" and len(_files(cache)) == 1
    pd.testing.assert_frame_equal(loaded.daily, plain.daily, check_exact=True)
    assert not sim.simulate(WORLD, seed=3).daily.equals(plain.daily)  # the effect size did act


def test_an_edit_to_the_core_changes_the_code_fingerprint(tmp_path):
    shutil.copytree(ROOT / "sim", tmp_path / "sim", ignore=shutil.ignore_patterns("__pycache__"))
    show = "from sim.core.equilibrium import code_fingerprint; print(code_fingerprint())"

    def fingerprint() -> str:
        run = subprocess.run([sys.executable, "-c", show], cwd=tmp_path, capture_output=True, text=True,
                             env={"PYTHONPATH": str(tmp_path), "PATH": ""}, check=True)
        return run.stdout.strip()

    before = fingerprint()
    assert before == equilibrium.code_fingerprint()
    rules = tmp_path / "sim" / "core" / "rules.py"
    rules.write_text(rules.read_text() + "\n# an edit\n")
    assert fingerprint() != before


def test_observers_given_at_construction_see_the_burn_in_and_bypass_the_cache(cache):
    Engine(WORLD, seed=1)

    class Days(Observer):
        def start(self, engine):
            self.days = 0

        def after_day(self, engine):
            self.days += 1

    watched = Engine(WORLD, seed=1, observers=[Days()])
    assert watched.timings["burn_in_source"] == "run" and watched.observers[0].days == WORLD.burn_in_days


def test_a_loaded_run_moves_the_progress_bar_by_the_whole_burn_in(cache):
    class Bar:
        n = 0

        def update(self, k):
            self.n += k

    bars = [Bar(), Bar()]
    for bar in bars:
        Engine(WORLD, seed=3, progress=bar).run(4)
    assert [bar.n for bar in bars] == [WORLD.burn_in_days + 4] * 2


def test_off_and_cache_false_write_nothing(cache, monkeypatch):
    engine = Engine(WORLD, seed=0, cache=False)
    assert engine.timings["burn_in_source"] == "run" and not cache.exists()
    monkeypatch.setenv("PAINLOOP_CACHE", "off")
    Engine(WORLD, seed=0)
    Engine(WORLD, seed=0)
    assert not cache.exists()


def test_a_corrupt_file_is_discarded_with_a_warning_and_rebuilt(cache):
    Engine(WORLD, seed=4)
    (path,) = _files(cache)
    path.write_bytes(path.read_bytes()[:1000])
    with pytest.warns(CacheWarning, match="discarding unreadable"):
        engine = Engine(WORLD, seed=4)
    assert engine.timings["burn_in_source"] == "run"
    assert Engine(WORLD, seed=4).timings["burn_in_source"] == "cache"


def test_a_file_others_could_have_written_is_never_unpickled(cache):
    Engine(WORLD, seed=4)
    (path,) = _files(cache)
    os.chmod(path, 0o666)
    with pytest.warns(CacheWarning, match="owned by this user"):
        assert Engine(WORLD, seed=4).timings["burn_in_source"] == "run"


def test_an_unwritable_cache_folder_is_a_warning_not_a_failure(tmp_path, monkeypatch):
    blocker = tmp_path / "a file"
    blocker.write_text("")
    monkeypatch.setenv("PAINLOOP_CACHE", str(blocker / "cache"))  # a folder cannot be made inside a file
    with pytest.warns(CacheWarning, match="not writable"):
        engine = Engine(WORLD, seed=0)
    assert engine.timings["burn_in_source"] == "run" and engine.day == 0


def test_while_another_process_builds_a_key_this_one_burns_in_and_writes_nothing(cache):
    holder = equilibrium.slot(sim.core.engine.burn_in_key(WORLD), 6, "float64")
    assert holder.claim()  # as a second process building the same key would (flock)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            engine = Engine(WORLD, seed=6)
        assert engine.timings["burn_in_source"] == "run" and not _files(cache)
    finally:
        holder.release()
    Engine(WORLD, seed=6)
    assert len(_files(cache)) == 1


def test_the_least_recently_used_states_go_beyond_the_size_limit(cache, monkeypatch):
    for seed in range(3):
        Engine(WORLD, seed=seed)
    time.sleep(0.05)  # the file system's clock ticks coarsely: a load right after a save got the same mtime
    Engine(WORLD, seed=0)  # used again: now the most recent
    paths = _files(cache)
    largest = max(p.stat().st_size for p in paths)
    killed = cache / f".{paths[0].name}.x.tmp"  # left by a write killed two hours ago
    killed.write_bytes(b"half")
    os.utime(killed, (killed.stat().st_atime - 7200,) * 2)
    equilibrium.evict(cache, limit=int(1.5 * largest))
    assert len(_files(cache)) == 1 and not killed.exists()
    assert Engine(WORLD, seed=0).timings["burn_in_source"] == "cache"


def test_the_cache_command_shows_and_clears_and_run_has_no_cache(cache, tmp_path, capsys):
    small = ["--agents", "200", "--days", "5", "--burn-in", "30", "--quiet"]
    assert main(["run", *small, "--out", str(tmp_path / "a"), "--no-cache"]) == 0
    assert not _files(cache) and os.environ["PAINLOOP_CACHE"] == str(cache)
    assert main(["run", *small, "--out", str(tmp_path / "b")]) == 0
    assert main(["run", *small, "--out", str(tmp_path / "c")]) == 0
    assert "loaded from the equilibrium cache" in capsys.readouterr().out
    assert main(["cache"]) == 0
    assert "1 saved burn-ins" in capsys.readouterr().out
    assert main(["cache", "--clear"]) == 0
    assert "removed 1 saved burn-ins" in capsys.readouterr().out
    assert not _files(cache)


def test_a_bad_size_limit_is_warned_about_and_the_default_used(monkeypatch):
    monkeypatch.setenv("PAINLOOP_CACHE_MAX_GB", "lots")
    with pytest.warns(CacheWarning, match="PAINLOOP_CACHE_MAX_GB = 'lots' must be a positive number"):
        assert equilibrium.max_bytes() == equilibrium.MAX_BYTES
    monkeypatch.setenv("PAINLOOP_CACHE_MAX_GB", "0.5")
    assert equilibrium.max_bytes() == 2**29


@pytest.mark.slow
def test_the_day0_benchmark_splits_a_cold_and_a_warm_run():
    from sim.running.benchmark import day0

    # A 60-day burn-in: the claim is how the table splits a cold run (burns in, saves) from a warm
    # one (loads), which any burn-in shows. The default 12 years was half the cold run (measured
    # under load: 21.7 s of its 43.7 s wall; 0.6 s at 60 days).
    table = day0(300, "float32", days=5, burn_in_days=60).set_index("run")
    assert list(table["burn_in_source"]) == ["run", "cache"] and (table["burn_in_days"] == 60).all()
    assert table.loc["cold", "cache_save_s"] > 0 and table.loc["warm", "cache_load_s"] > 0
    assert (table[["before_day0_s", "after_day0_s", "outside_s", "before_day0_cpu_s", "after_day0_cpu_s"]] >= 0).all().all()
    assert table.loc["cold", "before_day0_cpu_s"] > table.loc["warm", "before_day0_cpu_s"]  # burning in costs CPU
