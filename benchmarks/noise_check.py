"""Is the float32 mode's Box-Muller noise biased against NumPy's ziggurat, or is a difference chance?

``python benchmarks/noise_check.py [SEEDS] [PEOPLE]`` (default 16 seeds, 20,000 people): the
float64 engine run four ways per seed, differing only in the daily noise: the ziggurat and
Box-Muller, each on the ``noise`` stream and on an independent ``noise-alt`` stream (same traits,
network and shocks). Each generator against itself on the other stream shows how big a
difference chance makes; ziggurat against Box-Muller on the same stream, twice, shows whether
the generators differ by more. Prints paired differences (mean +- SE over seeds) of the headline
outputs; writes ``benchmarks/results/noise_check.json``.
"""
import json
import sys
from pathlib import Path

import numpy as np
import sim.core.engine as E
from sim import Scenario, simulate
from sim.core.noise import standard_normal_f32
from sim.core.shocks import draw_shocks
seeds = int(sys.argv[1]) if len(sys.argv) > 1 else 16
n = int(sys.argv[2]) if len(sys.argv) > 2 else 20_000
OUT = Path(__file__).resolve().parent / "results" / "noise_check.json"
OUT.parent.mkdir(exist_ok=True)
keys = ("chronic_pain", "high_impact_pain", "depression", "pain_nrs_mean", "phq9_mean")
def make(kind, stream_name):
    def draw_day(self):
        shocks = draw_shocks(self.pop, self.p, self.streams["injuries"], self.streams["life_events"])
        rng = self.streams[stream_name]
        if kind == "zig":
            rng.standard_normal(out=self._noise)
        else:
            buf = np.empty(self._noise.shape, dtype=np.float32)
            standard_normal_f32(rng, buf)
            self._noise[...] = buf
        return shocks, self._noise
    return draw_day
variants = {"zig": make("zig", "noise"), "zig_alt": make("zig", "noise-alt"),
            "bm": make("bm", "noise"), "bm_alt": make("bm", "noise-alt")}
sc = Scenario(n_agents=n)
res = {k: [] for k in variants}
for s in range(seeds):
    for k, f in variants.items():
        E.Engine.draw_day = f
        res[k].append(simulate(sc, s).summary(sc.days))
    print("seed", s, flush=True)
    json.dump(res, open(OUT, "w"))
json.dump(res, open(OUT, "w"))
def cmp(a, b):
    for k in keys:
        x = np.array([r[k] for r in res[a]]); y = np.array([r[k] for r in res[b]]); d = y - x
        print(f"  {k}: {b} - {a} = {d.mean():+.4f} +- {d.std(ddof=1)/np.sqrt(seeds):.4f}")
for a, b in (("zig", "zig_alt"), ("bm", "bm_alt"), ("zig", "bm"), ("zig_alt", "bm_alt")):
    print(a, "vs", b); cmp(a, b)
