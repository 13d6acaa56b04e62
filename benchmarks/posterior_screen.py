"""What the posterior's screen costs: ``python benchmarks/posterior_screen.py [WAVES_CSV]``.

History matching (:mod:`sim.studies.posterior`) screens batches of 100,000 candidate points with
each wave's Gaussian-process emulators, one per stage-1 target, and keeps the points no wave rules
out. This times one batch two ways on emulators trained on the shipped waves
(``sim/core/ensemble_waves.csv``, or the file given), in one run so the ratio is fair on a shared
machine:

* :meth:`Emulators.score`: every target emulated at every candidate, then the largest
  implausibility after ignoring the worst (how the screen ran until 2026-12-02);
* :meth:`Emulators.not_ruled_out`: target by target, each emulated only at the candidates the
  earlier targets left standing (how it runs now).

It checks that both keep exactly the same candidates, and prints the best of 3 times of each.
Then it times a whole screen (every wave's emulators, candidates drawn inside the box of the last
wave's points, as the final screen draws them) in the two orders of the waves: oldest first (until
2026-12-03) and newest first (now); a candidate must pass every wave, so both keep the same ones.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from sim.studies import calibration, posterior

WAVES = Path(__file__).resolve().parents[1] / "sim" / "core" / "ensemble_waves.csv"


def _best(fn, repeats: int = 3) -> tuple[float, np.ndarray]:
    times, out = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return min(times), out


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    waves = pd.read_csv(argv[0] if argv else WAVES)
    fits, targets = calibration.STAGE1, calibration.STAGE1_TARGETS
    names, lo, hi = posterior.prior_box(fits)
    missing = [c for c in [*names, *targets] if c not in waves.columns]
    if missing:
        print(f"the waves file does not hold {', '.join(missing)}: it was made with another declaration")
        return 2
    settings = posterior.Settings()
    cutoff = settings.cutoff
    candidates = np.random.default_rng(0).random((settings.candidates, len(names)))
    for wave in sorted(w for w in waves.wave.unique() if w < waves.wave.max()):
        runs = waves[waves.wave == wave]
        unit = (runs[names].to_numpy(float) - lo) / (hi - lo)
        em = posterior.Emulators(unit, runs[list(targets)].to_numpy(float), settings, targets, seed=wave)
        t_all, kept_all = _best(lambda: em.score(candidates) <= cutoff)
        t_cascade, kept = _best(lambda: em.not_ruled_out(candidates, cutoff))
        print(f"wave {wave} emulators ({len(targets)} targets, {len(names)} coordinates), "
              f"{len(candidates):,} candidates: every target {t_all:.2f} s, target by target {t_cascade:.2f} s "
              f"({t_all / t_cascade:.1f}x); kept {kept.mean():.3%}; same candidates: {np.array_equal(kept, kept_all)}")
        if not np.array_equal(kept, kept_all):
            return 1
    return _order_of_waves(waves, names, lo, hi, settings, targets)


def _order_of_waves(waves, names, lo, hi, settings, targets) -> int:
    emulators = []
    for wave in sorted(w for w in waves.wave.unique() if w < waves.wave.max()):
        runs = waves[waves.wave == wave]
        unit = (runs[names].to_numpy(float) - lo) / (hi - lo)
        emulators.append(posterior.Emulators(unit, runs[list(targets)].to_numpy(float), settings, targets, seed=wave))
    last = (waves[waves.wave == waves.wave.max()][names].to_numpy(float) - lo) / (hi - lo)
    box_lo, box_hi = last.min(axis=0), last.max(axis=0)
    candidates = box_lo + np.random.default_rng(1).random((settings.candidates, len(names))) * (box_hi - box_lo)

    def screen(order):
        keep = np.ones(len(candidates), dtype=bool)
        for em in order:
            keep[keep] = em.not_ruled_out(candidates[keep], settings.cutoff)
        return keep

    t_old, kept_old = _best(lambda: screen(emulators))
    t_new, kept_new = _best(lambda: screen(emulators[::-1]))
    print(f"whole screen, {len(emulators)} waves, {len(candidates):,} candidates in the last wave's box: "
          f"oldest wave first {t_old:.2f} s, newest first {t_new:.2f} s ({t_old / t_new:.1f}x); "
          f"kept {kept_new.mean():.3%}; same candidates: {np.array_equal(kept_old, kept_new)}")
    return 0 if np.array_equal(kept_old, kept_new) else 1


if __name__ == "__main__":
    raise SystemExit(main())
