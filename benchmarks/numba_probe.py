"""Does numba pay here? ``python benchmarks/numba_probe.py`` (needs ``pip install numba``).

The measurement behind *not* shipping a numba kernel (docs/performance.md). It times, at 10^6
people and in one process, the two loops a fused kernel would replace:

* the transcendental floor of one day's update: 10 of the 11 sigmoids a person needs (10
  relaxing states and sensitisation), as a compiled per-person loop, against the whole blocked NumPy
  :func:`sim.core.engine.advance` (which also does every rule's arithmetic);
* the network mean over ~10 ties a person, as a compiled CSR loop without weights, against
  SciPy's CSR product that the engine uses.

A fused kernel cannot be faster than its sigmoids; if those alone cost about as much as
NumPy's whole update, numba does not pay for the update. NumPy's ``exp`` is SIMD (AVX2/AVX-512)
while numba calls the scalar libm ``exp`` unless LLVM is given a vector math library (SVML
from conda's llvmlite; PyPI's llvmlite has none).
"""

from __future__ import annotations

import statistics
import sys
import time

import numpy as np


def _best(fn, repeats: int = 7) -> float:
    fn()
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> int:
    try:
        import numba
        from numba import njit
    except ImportError:
        print("numba is not installed: pip install numba")
        return 1
    from sim import Scenario
    from sim.core.engine import BLOCK, Engine, advance

    def make_ten_sigmoids(dtype):
        one, step = dtype(1.0), dtype(0.1)  # frozen as constants of the kernel's own float type

        @njit(cache=False)
        def ten_sigmoids(drive, out):
            for i in range(drive.size):
                acc = drive[i] - drive[i]
                x = drive[i]
                for j in range(10):
                    acc += one / (one + np.exp(-(x + step * j)))
                out[i] = acc
        return ten_sigmoids

    @njit(cache=False)
    def csr_mean(indptr, indices, values, out):
        for i in range(out.size):
            a, b = indptr[i], indptr[i + 1]
            acc = values[i] - values[i]
            for k in range(a, b):
                acc += values[indices[k]]
            out[i] = acc / (b - a) if b > a else values[i]

    n = 1_000_000
    print(f"numba {numba.__version__}, NumPy {np.__version__}, {n:,} people; median of 7 (ms)")
    print("| precision | numba: 10 sigmoids | NumPy: whole advance() | numba: network mean | "
          "SciPy: network mean |")
    print("|---|---:|---:|---:|---:|")
    for precision in ("float64", "float32"):
        engine = Engine(Scenario(n_agents=n, burn_in_days=0), seed=1, precision=precision)
        _, noise = engine.draw_day()
        pop, net = engine.pop, engine.network
        drive = pop.pain * 8 - 4
        out = np.empty_like(drive)

        def numpy_advance():
            for start in range(0, n, BLOCK):
                rows = slice(start, start + BLOCK)
                advance(pop.rows(rows), noise[:, rows], engine.p, engine.rules)

        values = pop.social_support
        mean_out = np.empty_like(values)
        ten_sigmoids = make_ten_sigmoids(pop.dtype.type)
        t_sig = _best(lambda: ten_sigmoids(drive, out))
        t_adv = _best(numpy_advance)
        t_nb = _best(lambda: csr_mean(net.indptr, net.indices, values, mean_out))
        t_sp = _best(lambda: net.neighbour_mean(values))
        np.testing.assert_allclose(mean_out, net.neighbour_mean(values), rtol=1e-5)
        print(f"| {precision} | {1e3 * t_sig:.1f} | {1e3 * t_adv:.1f} | {1e3 * t_nb:.1f} | "
              f"{1e3 * t_sp:.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
