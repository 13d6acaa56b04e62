"""Scale: blocked updates change nothing, float32 stays close to float64, the fast normals are
normal, the network is a proper simple graph, panels stream to Parquet."""

import numpy as np
import pandas as pd
import pytest

from sim.running.outputs import DailyTable
from scipy import stats

import sim.core.engine as engine_module
from conftest import small
from sim import PainLoopModel, simulate
from sim.core.engine import Engine
from sim.core.network import small_world
from sim.core.noise import standard_normal_f32
from sim.core.scales import RollingMean
from sim.core.state import STATE_NAMES
from sim.core.streams import stream


def test_block_size_changes_no_number(monkeypatch):
    scenario = small(n_agents=1000, burn_in_days=40)
    whole = Engine(scenario, seed=3)
    monkeypatch.setattr(engine_module, "BLOCK", 64)
    blocked = Engine(scenario, seed=3)
    for _ in range(5):
        whole.step()
        blocked.step()
    for name in STATE_NAMES:
        np.testing.assert_array_equal(getattr(whole.pop, name), getattr(blocked.pop, name), err_msg=name)


def test_gains_and_offsets_reach_every_block(monkeypatch):
    monkeypatch.setattr(engine_module, "BLOCK", 100)
    scenario = small(n_agents=350, burn_in_days=10)
    base, pushed = Engine(scenario, seed=1), Engine(scenario, seed=1)
    offset = np.zeros(350)
    offset[::2] = -3.0  # a per-person array: half the people get a big push down on activity
    pushed.offsets = {"activity": offset}
    pushed.gains = {"pain_to_mood": 0.0}
    for _ in range(10):
        base.step()
        pushed.step()
    lower = pushed.pop.activity < base.pop.activity
    assert lower[::2].all()
    assert not np.array_equal(pushed.pop.low_mood[1::2], base.pop.low_mood[1::2])  # the gain


@pytest.mark.parametrize("precision", ["float64", "float32"])
def test_per_agent_and_vector_paths_agree_at_each_precision(precision):
    scenario = small(n_agents=80, burn_in_days=60)
    a = PainLoopModel(scenario, seed=2, path="vector", precision=precision)
    b = PainLoopModel(scenario, seed=2, path="agents", precision=precision)
    for _ in range(8):
        a.step()
        b.step()
    # float64 agrees to rounding; float32 to a few float32 ulps of the 0-1 states.
    tol = 1e-10 if precision == "float64" else 2e-6
    for name in STATE_NAMES:
        x, y = getattr(a.engine.pop, name), getattr(b.engine.pop, name)
        assert x.dtype == y.dtype == np.dtype(precision)
        np.testing.assert_allclose(x, y, rtol=0, atol=tol, err_msg=name)


def test_float32_arithmetic_tracks_float64_given_the_same_noise(monkeypatch):
    """Isolate float32 arithmetic: feed the float32 engine the float64 engine's normals."""
    def float64_normals_as_float32(rng, out):
        out[...] = rng.standard_normal(out.shape)
        return out

    monkeypatch.setattr(engine_module, "standard_normal_f32", float64_normals_as_float32)
    # Uncached: the patched noise changes the burn-in but not its cache key (the code on disk).
    monkeypatch.setenv("PAINLOOP_CACHE", "off")
    scenario = small(n_agents=2000, burn_in_days=200, days=100)
    r64 = simulate(scenario, seed=4, precision="float64").daily
    r32 = simulate(scenario, seed=4, precision="float32").daily
    for key in ("pain_nrs_mean", "phq9_mean", "activity_min_week_mean", "crp_mg_l_mean"):
        np.testing.assert_allclose(r32[key], r64[key], rtol=1e-4, err_msg=key)
    for key in ("chronic_pain", "depression", "comorbid"):
        assert (r32[key] - r64[key]).abs().max() <= 0.002, key  # at most 4 of 2000 people


def test_float32_run_has_float32_state_and_runs_to_the_end():
    r = simulate(small(), seed=0, precision="float32")
    assert r.meta["precision"] == "float32" and len(r.daily) == 21
    assert np.isfinite(r.daily.drop(columns=["depression_ratio", "depression_if_chronic_pain"])).all().all()
    engine = Engine(small(), seed=0, precision="float32")
    assert engine.pop.pain.dtype == np.float32 and engine.pop.pain_sensitivity.dtype == np.float32


def test_bad_precision_is_an_input_error():
    with pytest.raises(ValueError, match="precision = 'float16'"):
        Engine(small(), precision="float16")
    with pytest.raises(ValueError, match="precision = 'half'"):
        simulate(small(), precision="half")


def test_box_muller_normals_are_standard_normal():
    z = np.empty((3, 100_001), dtype=np.float32)  # odd length: the last pair is cut
    standard_normal_f32(stream(1, "test"), z)
    x = z.ravel().astype(np.float64)
    assert abs(x.mean()) < 0.01 and abs(x.std() - 1.0) < 0.01
    assert abs(stats.skew(x)) < 0.02 and abs(stats.kurtosis(x)) < 0.05
    assert stats.kstest(x, "norm").pvalue > 1e-3
    assert np.abs(x).max() < 5.8  # 24-bit uniforms bound the tails (documented)


def test_box_muller_normals_do_not_depend_on_how_the_draw_is_split():
    whole = np.empty(300_000, dtype=np.float32)
    standard_normal_f32(stream(2, "test"), whole)
    rng = stream(2, "test")
    parts = [np.empty(k, dtype=np.float32) for k in (131_072, 168_928)]
    for part in parts:
        standard_normal_f32(rng, part)
    np.testing.assert_array_equal(whole, np.concatenate(parts))


def test_rolling_mean_running_sum_equals_mean_of_the_window():
    rng = np.random.default_rng(0)
    window = RollingMean(50, 14)
    history = []
    for _ in range(60):
        value = rng.random(50) * 27
        window.push(value)
        history.append(value.astype(np.float32).astype(np.float64))
        expected = np.mean(history[-14:], axis=0)
        np.testing.assert_allclose(window.mean(), expected, rtol=1e-12)


def test_network_is_simple_symmetric_and_deterministic():
    n = 5000
    a = small_world(n, 10, 0.2, stream(0, "network"))
    b = small_world(n, 10, 0.2, stream(0, "network"))
    np.testing.assert_array_equal(a.indices, b.indices)
    assert a.indices.dtype == np.int32 and a.indptr.dtype == np.int32
    rows = np.repeat(np.arange(n), a.degree)
    assert not (rows == a.indices).any()  # no self-ties
    pairs = rows.astype(np.int64) * n + a.indices
    assert np.unique(pairs).size == pairs.size  # no duplicate ties
    mirrored = np.sort(a.indices.astype(np.int64) * n + rows)
    np.testing.assert_array_equal(np.sort(pairs), mirrored)  # undirected
    assert 9.5 < a.degree.mean() <= 10
    values = np.random.default_rng(1).random(n)
    expected = np.array([values[a.neighbours(i)].mean() for i in range(n)])
    np.testing.assert_allclose(a.neighbour_mean(values), expected, rtol=1e-12)


def test_network_float32_mean_and_lonely_people():
    net = small_world(3, 10, 0.0, stream(0, "network"), np.float32)  # a triangle
    values = np.array([0.1, 0.2, 0.3], dtype=np.float32)
    out = net.neighbour_mean(values)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, [0.25, 0.2, 0.15], rtol=1e-6)
    alone = small_world(2, 10, 0.0, stream(0, "network"))
    np.testing.assert_array_equal(alone.neighbour_mean(np.array([0.3, 0.7])), [0.3, 0.7])


def test_panel_streams_to_parquet_and_equals_the_in_memory_panel(tmp_path):
    scenario = small(n_agents=120, days=12)
    in_memory = simulate(scenario, seed=5, panel_every=4)
    path = tmp_path / "panel.parquet"
    streamed = simulate(scenario, seed=5, panel_every=4, panel_path=path)
    assert streamed.panel is None and streamed.meta["panel_path"] == str(path)
    pd.testing.assert_frame_equal(pd.read_parquet(path), in_memory.panel)
    pd.testing.assert_frame_equal(streamed.daily, in_memory.daily)
    assert not list(tmp_path.glob(".*partial"))


def test_panel_sample_follows_the_same_people_and_changes_no_draw():
    scenario = small(n_agents=200, days=10)
    full = simulate(scenario, seed=6, panel_every=5)
    sampled = simulate(scenario, seed=6, panel_every=5, panel_agents=30)
    pd.testing.assert_frame_equal(full.daily, sampled.daily)
    who = sampled.panel.groupby("day")["agent"].apply(tuple)
    assert who.nunique() == 1 and len(who.iloc[0]) == 30
    merged = sampled.panel.merge(full.panel, on=["day", "agent"], suffixes=("", "_full"))
    assert len(merged) == len(sampled.panel)
    np.testing.assert_array_equal(merged["pain_nrs"], merged["pain_nrs_full"])


def test_failed_run_leaves_no_panel_file(tmp_path, monkeypatch):
    calls = {"n": 0}
    real = DailyTable.after_day

    def failing(self, engine):
        calls["n"] += 1
        if calls["n"] == 5:
            raise RuntimeError("boom")
        return real(self, engine)

    monkeypatch.setattr(DailyTable, "after_day", failing)
    with pytest.raises(RuntimeError):
        simulate(small(days=10), seed=0, panel_every=1, panel_path=tmp_path / "panel.parquet")
    assert list(tmp_path.iterdir()) == []


def test_panel_arguments_are_checked(tmp_path):
    with pytest.raises(ValueError, match="panel_agents = 0"):
        simulate(small(), panel_every=2, panel_agents=0)
    with pytest.raises(ValueError, match="need panel_every"):
        simulate(small(), panel_path=tmp_path / "p.parquet")


def test_cli_runs_float32_with_a_streamed_panel(tmp_path, capsys):
    from sim.cli import main

    out = tmp_path / "run"
    code = main(["run", "--agents", "300", "--burn-in", "30", "--days", "10", "--quiet",
                 "--precision", "float32", "--panel-every", "5", "--panel-agents", "20",
                 "--out", str(out)])
    assert code == 0
    panel = pd.read_parquet(out / "panel.parquet")
    assert len(panel) == 3 * 20
    assert "agent-days in" in capsys.readouterr().out


def _benchmark_module():
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "benchmarks" / "run.py"
    spec = importlib.util.spec_from_file_location("painloop_benchmarks", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_benchmark_workers_measure_and_tabulate():
    """The benchmark script keeps working (what it measures, not how fast: no timing asserts)."""
    bench = _benchmark_module()
    results = [bench.work({"kind": "vector", "n": 3000, "precision": p, "windows": 2, "days": 2})
               for p in ("float64", "float32")]
    results.append(bench.work({"kind": "agents", "n": 300, "precision": "float64", "windows": 1,
                               "days": 1}))
    results.append(bench.work({"kind": "days", "n": 2000, "precision": "float32", "checkpoints": [2, 4]}))
    for r in results[:2]:
        assert r["agent_days_per_s"] > 0 and r["day_bytes"] > 3000 * 100
        assert set(r["timings"]) == {"population_s", "network_s", "burn_in_s", "burn_in_source",
                                     "cache_load_s", "cache_save_s"}
    assert results[0]["day_bytes"] > results[1]["day_bytes"]  # float32 moves fewer bytes
    table = bench.tabulate(results, {"when": "now", "commit": "x", "python": "3", "numpy": "2",
                                     "cpu": "cpu", "cores": 2})
    assert "| vectorised | float64 | 3,000 |" in table and "per-agent (Mesa)" in table
    assert "| float32 | 2,000 | 4 |" in table
