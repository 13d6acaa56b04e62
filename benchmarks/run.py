"""painloop benchmarks: ``python benchmarks/run.py [--quick] [--out DIR] [--update-docs]``.

Measures, in one run and on this machine:

* agent-days per second of the vectorised engine at 10k, 100k and 1M people (float64 and
  float32) and of the per-agent Mesa path at 10k and 100k, each timing exactly one day's state
  update (``Engine.step`` on both paths, the Mesa model made with ``collect=False``: no reporting);
* set-up time split into population, network and burn-in (the burn-in is simulated days, so it
  is reported per day, not as set-up);
* memory per person: RSS held after 90 burn-in days and the timed days (every case window
  written) and the peak RSS, minus the RSS of the same process after its imports;
* how the cost grows with days (one population run for a year, timed at checkpoints);
* the memory-bandwidth floor: the bytes one day must read or write at least once, and the time a
  plain NumPy streaming copy of that many bytes takes;
* what a day's output row costs next to the day's update; a 10M-tie network build;
* sweep throughput (jobs per minute) through ``sim.run_experiment`` when it exists;
* a whole simulated year of 10,000 people through ``sim.simulate`` on each path (issue 3).

Every measurement runs in a fresh process (``--worker``), so one configuration's memory does
not leak into the next. The machine is shared: each timing is the median of several windows,
the process CPU time is recorded next to wall time (a CPU/wall ratio well below 1 means the
process waited for a core) and throughput is also given per CPU-second (what the code costs,
less sensitive to other processes than wall time), and the load average is recorded before and
after. Compare ratios measured in the same run, not numbers across runs.

Writes ``DIR/latest.json`` and ``DIR/latest.md`` (default ``benchmarks/results``) and prints
the table; ``--update-docs`` also replaces the table in ``docs/performance.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "performance.md"
DOC_START, DOC_END = "<!-- benchmark-table:start -->", "<!-- benchmark-table:end -->"


# --------------------------------------------------------------------------------------------
# Worker side: one measurement in this process, JSON on the last line of stdout.
# --------------------------------------------------------------------------------------------

def _rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _peak_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux


def _timed_windows(step, windows: int, days: int) -> dict:
    """Run ``windows`` windows of ``days`` days; wall and CPU seconds of each."""
    wall, cpu = [], []
    for _ in range(windows):
        w0, c0 = time.perf_counter(), time.process_time()
        for _ in range(days):
            step()
        wall.append(time.perf_counter() - w0)
        cpu.append(time.process_time() - c0)
    return {"window_days": days, "wall_s": wall, "cpu_s": cpu,
            "median_s_per_day": statistics.median(wall) / days,
            "median_cpu_s_per_day": statistics.median(cpu) / days,
            "cpu_over_wall": sum(cpu) / sum(wall)}


def _day_bytes(engine) -> int:
    """Bytes one day's update must read or write at least once (the bandwidth floor)."""
    from sim.core.state import STATE_NAMES, STATES

    pop, net, st = engine.pop, engine.network, engine.status
    n = pop.n
    states = sum(getattr(pop, s).nbytes for s in STATE_NAMES)
    traits = sum(getattr(pop, s.trait).nbytes for s in STATES if s.trait)
    network = net.indices.nbytes + net._mean.data.nbytes + net.indptr.nbytes
    status = (2 * (2 * ((n + 7) // 8) + 2 * st.pain_days.count.nbytes)       # two day-count rings
              + 2 * st.phq9_window.ring[0].nbytes + 2 * st.phq9_window.total.nbytes
              + 2 * (st.pain_episodes.active.nbytes + st.pain_episodes.days_off.nbytes) * 2
              + 3 * n + st.phq9_14d.nbytes)                                   # status flags
    return (2 * states + traits + 2 * engine._noise.nbytes + 2 * pop.tie_support.nbytes
            + network + status)


def _copy_seconds(nbytes: int) -> float:
    """Best-of-5 time of a NumPy streaming copy that reads nbytes/2 and writes nbytes/2."""
    import numpy as np

    src = np.ones(nbytes // 16, dtype=np.float64)
    dst = np.empty_like(src)
    best = float("inf")
    for _ in range(5):
        t = time.perf_counter()
        np.copyto(dst, src)
        best = min(best, time.perf_counter() - t)
    return best


def work(spec: dict) -> dict:
    import numpy as np

    import sim  # noqa: F401  (imports counted in the baseline)
    from sim import PainLoopModel, Scenario
    from sim.core.engine import Engine

    baseline = _rss_bytes()
    out = {"spec": spec, "rss_baseline_bytes": baseline, "load_before": os.getloadavg()}
    kind = spec["kind"]
    if kind in ("vector", "agents"):
        n = spec["n"]
        scenario = Scenario(n_agents=n, burn_in_days=spec.get("burn_in_days", 0))
        t = time.perf_counter()
        if kind == "vector":
            engine = Engine(scenario, seed=1, precision=spec["precision"], cache=False)  # time the work itself
            step = engine.step
        else:
            model = PainLoopModel(scenario, seed=1, path="agents", precision=spec["precision"], collect=False)
            engine = model.engine
            step = engine.step
        # Set-up without the burn-in days (they are simulated days, timed separately).
        out["setup_s"] = time.perf_counter() - t - engine.timings["burn_in_s"]
        out["timings"] = engine.timings
        for _ in range(spec.get("warmup_days", 1)):
            step()
        out.update(_timed_windows(step, spec["windows"], spec["days"]))
        # After >= 90 simulated days every 90-day case window has been written: steady state.
        out["rss_held_bytes"] = _rss_bytes() - baseline
        out["agent_days_per_s"] = n / out["median_s_per_day"]
        out["agent_days_per_cpu_s"] = n / out["median_cpu_s_per_day"]
        out["rss_peak_bytes"] = _peak_bytes() - baseline  # before the bandwidth copy below
        if kind == "vector":
            out["day_bytes"] = _day_bytes(engine)
            out["copy_s"] = _copy_seconds(out["day_bytes"])
            out["copy_gb_per_s"] = out["day_bytes"] / out["copy_s"] / 1e9
    elif kind == "days":
        engine = Engine(Scenario(n_agents=spec["n"], burn_in_days=0), seed=1,
                        precision=spec["precision"])
        marks, done, t = [], 0, time.perf_counter()
        for mark in spec["checkpoints"]:
            while done < mark:
                engine.step()
                done += 1
            marks.append({"days": mark, "seconds": time.perf_counter() - t})
        out["checkpoints"] = marks
    elif kind == "outputs":
        from sim.running.outputs import daily_row

        engine = Engine(Scenario(n_agents=spec["n"], burn_in_days=0), seed=1,
                        precision=spec["precision"])
        engine.step()
        out["step"] = _timed_windows(engine.step, spec["windows"], spec["days"])
        out["daily_row"] = _timed_windows(
            lambda: daily_row(engine.day, engine.pop, engine.status, engine.p), spec["windows"],
            spec["days"])
        out["row_over_step"] = out["daily_row"]["median_s_per_day"] / out["step"]["median_s_per_day"]
    elif kind == "network":
        from sim.core.network import small_world
        from sim.core.streams import stream

        t = time.perf_counter()
        net = small_world(spec["n"], spec["degree"], 0.1, stream(1, "network"), np.float32)
        out["build_s"] = time.perf_counter() - t
        out["ties"] = net.n_ties
        out["rss_held_bytes"] = _rss_bytes() - baseline
    elif kind == "year":
        # A whole simulated year through sim.simulate, daily table included: what a user waits for.
        scenario = Scenario(n_agents=spec["n"], burn_in_days=0, days=spec["days"])
        c, t = time.process_time(), time.perf_counter()
        result = sim.simulate(scenario, seed=1, engine=spec["path"])
        out["seconds"], out["cpu_seconds"] = time.perf_counter() - t, time.process_time() - c
        out["agent_days_per_s"] = spec["n"] * spec["days"] / out["seconds"]
        out["rows"] = len(result.daily)
    elif kind == "sweep":
        out.update(_sweep(spec))
    else:
        raise ValueError(f"unknown benchmark kind {kind!r}")
    # Highest RSS of the process above its imports (vector/agents: measured before the copy).
    out.setdefault("rss_peak_bytes", _peak_bytes() - baseline)
    out["rss_peak_total_bytes"] = _peak_bytes()
    out["load_after"] = os.getloadavg()
    return out


def _sweep(spec: dict) -> dict:
    """Jobs per minute through the experiment runner, or why it could not be measured."""
    import tempfile

    import sim

    if not hasattr(sim, "run_experiment"):
        return {"skipped": "sim.run_experiment is not in this version (the runner lands later)"}
    from sim import Scenario

    arms = {"a": Scenario(n_agents=spec["n"], burn_in_days=spec["burn_in_days"], days=spec["days"]),
            "b": Scenario(n_agents=spec["n"], burn_in_days=spec["burn_in_days"], days=spec["days"],
                          pain_to_mood_weight=0.0)}
    seeds = list(range(spec["seeds"]))
    with tempfile.TemporaryDirectory() as folder:
        t = time.perf_counter()
        sim.run_experiment(arms, seeds, out=folder, executor=spec["executor"])
        seconds = time.perf_counter() - t
    jobs = len(arms) * len(seeds)
    return {"jobs": jobs, "seconds": seconds, "jobs_per_min": jobs / seconds * 60}


# --------------------------------------------------------------------------------------------
# Driver side: plan, run workers, tabulate.
# --------------------------------------------------------------------------------------------

def plan(quick: bool) -> list[dict]:
    specs = []
    vec_days = {10_000: (5, 40), 100_000: (5, 20), 1_000_000: (3, 10)}
    if quick:
        vec_days = {10_000: (3, 10), 100_000: (3, 5), 1_000_000: (3, 3)}
    for n, (windows, days) in vec_days.items():
        for precision in ("float64", "float32"):
            specs.append({"kind": "vector", "n": n, "precision": precision, "windows": windows,
                          "days": days, "burn_in_days": 90})
    # Per-agent path: 30 days in 3 windows (quick: 3 days); same precision as the default engine.
    agent_days = (1, 3) if quick else (3, 10)
    for n in (10_000, 100_000):
        specs.append({"kind": "agents", "n": n, "precision": "float64", "windows": agent_days[0],
                      "days": agent_days[1], "burn_in_days": 90})
    # Both paths end to end for a year at 10,000 people (quick: 30 days), in the same run.
    for path in ("vector", "agents"):
        specs.append({"kind": "year", "path": path, "n": 10_000, "days": 30 if quick else 365})
    checkpoints = [10, 30] if quick else [30, 90, 180, 365]
    for precision in ("float64", "float32"):
        specs.append({"kind": "days", "n": 100_000, "precision": precision,
                      "checkpoints": checkpoints})
    specs.append({"kind": "outputs", "n": 1_000_000, "precision": "float32",
                  "windows": 3, "days": 3 if quick else 10})
    if not quick:
        specs.append({"kind": "network", "n": 2_000_000, "degree": 10})
    specs.append({"kind": "sweep", "executor": "processes", "n": 2_000, "burn_in_days": 365,
                  "days": 90, "seeds": 2 if quick else 6})
    return specs


def run_worker(spec: dict) -> dict:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", json.dumps(spec)]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    if proc.returncode != 0:
        return {"spec": spec, "error": proc.stderr.strip().splitlines()[-1] if proc.stderr else
                f"exit {proc.returncode}"}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _environment() -> dict:
    import numpy as np
    import scipy

    try:
        import numba
        numba_version = numba.__version__
    except ImportError:
        numba_version = None
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                            cwd=ROOT).stdout.strip()
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"when": datetime.now(timezone.utc).isoformat(timespec="seconds"), "commit": commit,
            "python": platform.python_version(), "numpy": np.__version__, "scipy": scipy.__version__,
            "numba": numba_version, "cpu": cpu, "cores": os.cpu_count(),
            "openblas_env": {k: os.environ.get(k) for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}}


def _fmt_rate(x: float) -> str:
    return f"{x / 1e6:.2f} M" if x >= 1e6 else f"{x / 1e3:.1f} k"


def _per_agent(bytes_: float, n: int) -> str:
    return f"{bytes_ / n:.0f}"


def tabulate(results: list[dict], env: dict) -> str:
    from sim.core.parameters import DEFAULTS

    burn_days = DEFAULTS["burn_in_days"]
    ok = [r for r in results if "error" not in r]
    lines = [f"painloop benchmarks, {env['when']}, commit {env['commit']}, Python {env['python']}, "
             f"NumPy {env['numpy']}, {env['cpu']} ({env['cores']} cores, shared)", ""]
    lines += ["| path | precision | people | agent-days/s | agent-days per CPU-s | ms/day | CPU/wall | set-up s "
              f"(population + network) | default burn-in ({burn_days:,} days) s | held B/person | peak B/person |",
              "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    rate, cpu_rate = {}, {}
    for r in ok:
        s = r["spec"]
        if s["kind"] not in ("vector", "agents"):
            continue
        n = s["n"]
        rate[(s["kind"], s["precision"], n)] = r["agent_days_per_s"]
        cpu_rate[(s["kind"], s["precision"], n)] = r["agent_days_per_cpu_s"]
        t = r["timings"]
        setup = f"{t['population_s'] + t['network_s']:.2f} ({t['population_s']:.2f} + {t['network_s']:.2f})"
        burn_in = f"{burn_days * r['median_s_per_day']:.0f}"
        if s["kind"] == "agents":  # its burn-in runs on the arrays, like the vectorised path's
            setup = f"{r['setup_s']:.2f} (with {n:,} Mesa agents)"
            burn_in = "(vectorised)"
        lines.append(
            f"| {'vectorised' if s['kind'] == 'vector' else 'per-agent (Mesa)'} | {s['precision']} "
            f"| {n:,} | {_fmt_rate(r['agent_days_per_s'])} | {_fmt_rate(r['agent_days_per_cpu_s'])} "
            f"| {1e3 * r['median_s_per_day']:.1f} "
            f"| {r['cpu_over_wall']:.2f} | {setup} | {burn_in} "
            f"| {_per_agent(r['rss_held_bytes'], n)} | {_per_agent(r['rss_peak_bytes'], n)} |")
    lines.append("")
    for n in (10_000, 100_000):
        a, v = rate.get(("agents", "float64", n)), rate.get(("vector", "float64", n))
        v32 = rate.get(("vector", "float32", n))
        if a and v:
            ca, cv, cv32 = (cpu_rate[("agents", "float64", n)], cpu_rate[("vector", "float64", n)],
                            cpu_rate[("vector", "float32", n)])
            lines.append(f"- vectorised / per-agent at {n:,} people (same run, float64): "
                         f"**{v / a:,.0f}x** by wall time, **{cv / ca:,.0f}x** by CPU time "
                         f"(float32 vectorised: {v32 / a:,.0f}x wall, {cv32 / ca:,.0f}x CPU)")
    year = {r["spec"]["path"]: r for r in ok if r["spec"]["kind"] == "year"}
    if len(year) == 2:
        v, a = year["vector"], year["agents"]
        lines.append(f"- a whole run, {v['spec']['n']:,} people x {v['spec']['days']} days through `sim.simulate` "
                     f"(no burn-in, daily table included), same run: vectorised {v['seconds']:.2f} s "
                     f"({_fmt_rate(v['agent_days_per_s'])} agent-days/s), per-agent {a['seconds']:.0f} s "
                     f"({_fmt_rate(a['agent_days_per_s'])} agent-days/s): **{a['seconds'] / v['seconds']:,.0f}x**")
    floor = [r for r in ok if r["spec"]["kind"] == "vector"]
    if floor:
        lines += ["", "| precision | people | bytes a day must move | NumPy copy of those bytes, ms "
                  "| copy GB/s | measured ms/day | measured / floor |", "|---|---:|---:|---:|---:|---:|---:|"]
        for r in floor:
            if r["spec"]["n"] != 1_000_000:
                continue
            lines.append(f"| {r['spec']['precision']} | {r['spec']['n']:,} | {r['day_bytes'] / 1e6:.0f} MB "
                         f"({r['day_bytes'] / r['spec']['n']:.0f} B/person) | {1e3 * r['copy_s']:.1f} "
                         f"| {r['copy_gb_per_s']:.1f} | {1e3 * r['median_s_per_day']:.1f} "
                         f"| {r['median_s_per_day'] / r['copy_s']:.1f} |")
    growth = [r for r in ok if r["spec"]["kind"] == "days"]
    if growth:
        lines += ["", "| precision | people | days | seconds | ms/day |", "|---|---:|---:|---:|---:|"]
        for r in growth:
            for c in r["checkpoints"]:
                lines.append(f"| {r['spec']['precision']} | {r['spec']['n']:,} | {c['days']} "
                             f"| {c['seconds']:.2f} | {1e3 * c['seconds'] / c['days']:.1f} |")
    for r in ok:
        s = r["spec"]
        if s["kind"] == "outputs":
            lines.append(f"\n- daily output row at {s['n']:,} people ({s['precision']}): "
                         f"{1e3 * r['daily_row']['median_s_per_day']:.1f} ms against "
                         f"{1e3 * r['step']['median_s_per_day']:.1f} ms for the day's update "
                         f"({100 * r['row_over_step']:.0f}%)")
        elif s["kind"] == "network":
            lines.append(f"- network of {s['n']:,} people, mean degree {s['degree']}: {r['ties']:,} ties "
                         f"built in {r['build_s']:.1f} s, held {r['rss_held_bytes'] / 1e6:.0f} MB, "
                         f"peak {r['rss_peak_bytes'] / 1e6:.0f} MB above the imports")
        elif s["kind"] == "sweep":
            if "skipped" in r:
                lines.append(f"- sweep throughput: not measured ({r['skipped']})")
            else:
                lines.append(f"- sweep throughput ({s['executor']}, {s['n']:,} people, "
                             f"{s['burn_in_days']} + {s['days']} days a job): {r['jobs_per_min']:.1f} "
                             f"jobs/min ({r['jobs']} jobs in {r['seconds']:.1f} s)")
    for r in results:
        if "error" in r:
            lines.append(f"- FAILED {r['spec']}: {r['error']}")
    loads = [r["load_before"][0] for r in ok] + [r["load_after"][0] for r in ok]
    if loads:
        lines.append(f"- 1-minute load average during the run: {min(loads):.2f} to {max(loads):.2f} "
                     f"on {env['cores']} cores")
    return "\n".join(lines)


def update_docs(table: str) -> None:
    text = DOC.read_text(encoding="utf-8")
    start, end = text.index(DOC_START) + len(DOC_START), text.index(DOC_END)
    DOC.write_text(text[:start] + "\n" + table + "\n" + text[end:], encoding="utf-8")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer and shorter measurements (~2 min)")
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results"), help="folder for JSON and markdown")
    parser.add_argument("--update-docs", action="store_true", help="replace the table in docs/performance.md")
    parser.add_argument("--only", help="run only the measurements of this kind (vector, agents, days, ...)")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(work(json.loads(args.worker))))
        return 0
    env = _environment()
    results = []
    for spec in plan(args.quick):
        if args.only and spec["kind"] != args.only:
            continue
        print(f"  running {spec}", file=sys.stderr, flush=True)
        results.append(run_worker(spec))
    table = tabulate(results, env)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "latest.json").write_text(json.dumps({"environment": env, "quick": args.quick,
                                                 "results": results}, indent=2), encoding="utf-8")
    (out / "latest.md").write_text(table + "\n", encoding="utf-8")
    if args.update_docs:
        update_docs(table)
    print(table)
    return 1 if any("error" in r for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
