"""The social network: a seeded small-world graph held as CSR arrays (NumPy and SciPy only).

Watts-Strogatz: a ring lattice where each person is tied to ``mean_degree // 2`` people on each
side, then each tie's far end is rewired to a random person with ``rewire_prob``. Self-ties and
duplicate ties are dropped, so the realised mean degree is slightly below the nominal one.
Everything is vectorised: 10^6 people and 10^7 ties build in seconds without networkx.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp


class Network:
    """Undirected ties as CSR: the neighbours of ``i`` are ``indices[indptr[i]:indptr[i+1]]``."""

    def __init__(self, n: int, indptr: np.ndarray, indices: np.ndarray):
        self.n = n
        self.indptr = indptr
        self.indices = indices
        self.degree = np.diff(indptr)
        weights = np.repeat(1.0 / np.maximum(self.degree, 1), self.degree)
        self._mean = sp.csr_array((weights, indices, indptr), shape=(n, n))

    @property
    def n_ties(self) -> int:
        return int(self.indices.size // 2)

    def neighbours(self, i: int) -> np.ndarray:
        return self.indices[self.indptr[i]:self.indptr[i + 1]]

    def neighbour_mean(self, values: np.ndarray) -> np.ndarray:
        """Mean of ``values`` over each person's ties (a person without ties gets their own)."""
        out = self._mean @ values
        lonely = self.degree == 0
        if lonely.any():
            out[lonely] = values[lonely]
        return out

    def edge_list(self) -> np.ndarray:
        """Each tie once, as an (m, 2) array with i < j (for drawing and networkx export)."""
        rows = np.repeat(np.arange(self.n), self.degree)
        keep = rows < self.indices
        return np.column_stack([rows[keep], self.indices[keep]])


def small_world(n: int, mean_degree: int, rewire_prob: float, rng: np.random.Generator) -> Network:
    """A Watts-Strogatz small-world network on ``n`` people, drawn from ``rng``."""
    half = min(max(mean_degree // 2, 1), (n - 1) // 2)
    if half < 1:
        return Network(n, np.zeros(n + 1, dtype=np.int64), np.zeros(0, dtype=np.int32))
    src = np.repeat(np.arange(n, dtype=np.int64), half)
    dst = (src + np.tile(np.arange(1, half + 1, dtype=np.int64), n)) % n
    rewired = rng.random(src.size) < rewire_prob
    dst[rewired] = rng.integers(0, n, size=int(rewired.sum()))
    keep = src != dst
    lo, hi = np.minimum(src[keep], dst[keep]), np.maximum(src[keep], dst[keep])
    pairs = np.unique(lo * n + hi)
    lo, hi = pairs // n, pairs % n
    rows = np.concatenate([lo, hi])
    cols = np.concatenate([hi, lo]).astype(np.int32)
    order = np.argsort(rows, kind="stable")
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=n), out=indptr[1:])
    return Network(n, indptr, cols[order])
