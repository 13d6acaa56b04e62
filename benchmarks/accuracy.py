"""What float32 changes: ``python benchmarks/accuracy.py [--agents N] [--seeds K] [--out DIR]``.

Two comparisons of ``precision="float32"`` with the float64 default, on the default scenario
(burn-in and a reported year):

1. **Arithmetic alone.** The float32 engine is fed the float64 engine's normals (rounded to
   float32) instead of its own Box-Muller draws, so the runs share every random number and differ
   only by float32 arithmetic and storage. Reported: the largest per-person state difference on
   the last day, the share of people whose chronic-pain or depression status differs, and the
   largest difference of each daily prevalence over the year.
2. **The whole float32 mode** (its own noise draws, so a different realisation of the same
   model): K seeds of each precision; the mean difference of the headline outputs with its
   standard error, next to the between-seed standard deviation. A float32 mode that changed the
   model would show differences of many standard errors.

Writes ``DIR/accuracy.json`` and ``DIR/accuracy.md`` and prints the tables; ``--update-docs``
also replaces the table in ``docs/performance.md``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

import sim.core.engine as engine_module
from sim import Scenario, simulate
from sim.core.engine import Engine
from sim.core.state import STATE_NAMES

ROOT = Path(__file__).resolve().parents[1]
DOC_START, DOC_END = "<!-- accuracy-table:start -->", "<!-- accuracy-table:end -->"
KEYS = ("chronic_pain", "high_impact_pain", "depression", "comorbid", "depression_ratio",
        "pain_nrs_mean", "phq9_mean")


def _float64_normals_as_float32(rng, out):
    out[...] = rng.standard_normal(out.shape)
    return out


def arithmetic_only(scenario: Scenario, seed: int) -> dict:
    """Same random numbers, float32 against float64 arithmetic."""
    real = engine_module.standard_normal_f32
    engine_module.standard_normal_f32 = _float64_normals_as_float32
    try:
        e32 = Engine(scenario, seed, precision="float32")
        d32 = simulate(scenario, seed, precision="float32").daily
    finally:
        engine_module.standard_normal_f32 = real
    e64 = Engine(scenario, seed, precision="float64")
    d64 = simulate(scenario, seed, precision="float64").daily
    # e32/e64 stop after the burn-in: day 0's states, after burn_in_days of divergence.
    states = {name: float(np.abs(getattr(e32.pop, name).astype(np.float64) - getattr(e64.pop, name)).max())
              for name in STATE_NAMES}
    return {
        "days_compared": int(scenario.burn_in_days),
        "max_state_difference": states,
        "status_differs_share": {
            "chronic_pain": float(np.mean(e32.status.chronic_pain != e64.status.chronic_pain)),
            "depressed": float(np.mean(e32.status.depressed != e64.status.depressed))},
        "max_daily_difference": {k: float((d32[k] - d64[k]).abs().max()) for k in KEYS},
    }


def whole_mode(scenario: Scenario, seeds: int) -> dict:
    rows = {p: [] for p in ("float64", "float32")}
    for seed in range(seeds):
        for precision in rows:
            rows[precision].append(simulate(scenario, seed, precision=precision).summary(scenario.days))
    out = {}
    for k in KEYS:
        a = np.array([r[k] for r in rows["float64"]])
        b = np.array([r[k] for r in rows["float32"]])
        diff = b - a
        out[k] = {"float64_mean": float(a.mean()), "float32_mean": float(b.mean()),
                  "mean_difference": float(diff.mean()),
                  "se_difference": float(diff.std(ddof=1) / np.sqrt(seeds)),
                  "between_seed_sd": float(a.std(ddof=1))}
    return out


def tabulate(result: dict) -> str:
    a, w = result["arithmetic_only"], result["whole_mode"]
    s = result["scenario"]
    lines = [f"float32 vs float64, {s['n_agents']:,} people, burn-in {s['burn_in_days']} days, "
             f"{s['days']} reported days", "",
             f"Arithmetic alone (same random numbers, seed 0), after {a['days_compared']} days:", "",
             "| state | largest per-person difference (0-1 scale) |", "|---|---:|"]
    lines += [f"| {k} | {v:.2e} |" for k, v in a["max_state_difference"].items()]
    lines += ["", f"- people whose chronic-pain status differs: {100 * a['status_differs_share']['chronic_pain']:.3f}%;"
              f" depression status: {100 * a['status_differs_share']['depressed']:.3f}%",
              "- largest daily difference over the reported year: " + ", ".join(
                  f"{k} {v:.2g}" for k, v in a["max_daily_difference"].items()),
              "", f"Whole float32 mode (own noise draws), {result['seeds']} seeds each, mean over the "
              "reported year:", "",
              "| output | float64 | float32 | difference +- SE | between-seed SD |", "|---|---:|---:|---:|---:|"]
    for k, v in w.items():
        lines.append(f"| {k} | {v['float64_mean']:.4f} | {v['float32_mean']:.4f} | "
                     f"{v['mean_difference']:+.4f} +- {v['se_difference']:.4f} | {v['between_seed_sd']:.4f} |")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--agents", type=int, default=20_000)
    parser.add_argument("--seeds", type=int, default=8)
    parser.add_argument("--burn-in", type=int, default=None, help="burn-in days (default: the scenario's)")
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results"))
    parser.add_argument("--update-docs", action="store_true",
                        help="replace the accuracy table in docs/performance.md")
    args = parser.parse_args(argv)
    changes = {"n_agents": args.agents}
    if args.burn_in is not None:
        changes["burn_in_days"] = args.burn_in
    scenario = Scenario(**changes)
    result = {"scenario": {"n_agents": scenario.n_agents, "burn_in_days": scenario.burn_in_days,
                           "days": scenario.days},
              "seeds": args.seeds,
              "arithmetic_only": arithmetic_only(scenario, 0),
              "whole_mode": whole_mode(scenario, args.seeds)}
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    table = tabulate(result)
    (out / "accuracy.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
    (out / "accuracy.md").write_text(table + "\n", encoding="utf-8")
    if args.update_docs:
        doc = ROOT / "docs" / "performance.md"
        text = doc.read_text(encoding="utf-8")
        start = text.index(DOC_START) + len(DOC_START)
        doc.write_text(text[:start] + "\n" + table + "\n" + text[text.index(DOC_END):], encoding="utf-8")
    print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
