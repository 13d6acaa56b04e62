"""The social network: a seeded small-world graph held as CSR arrays (NumPy and SciPy only).

Watts-Strogatz: a ring lattice where each person is tied to ``mean_degree // 2`` people on each
side, then each tie's far end is rewired to a random person with ``rewire_prob``. Self-ties and
duplicate ties are dropped, so the realised mean degree is slightly below the nominal one.
Everything is vectorised: 10^6 people and 10^7 ties build in about 2 s without networkx
(``benchmarks/run.py`` measures it).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp


def _index_dtype(n: int, nnz: int):
    # int32 indices halve the memory of a 10^7-tie network; SciPy keeps them only when indptr
    # has the same dtype (it upcasts both otherwise).
    return np.int32 if max(n, nnz) < np.iinfo(np.int32).max else np.int64


class Network:
    """Undirected ties as CSR: the neighbours of ``i`` are ``indices[indptr[i]:indptr[i+1]]``.

    ``dtype`` is the float type of the values :meth:`neighbour_mean` averages (the engine's
    precision); the averaging weights are held in it, so the daily product reads 8 bytes per
    tie in float32 instead of 12.
    """

    def __init__(self, n: int, indptr: np.ndarray, indices: np.ndarray, dtype=np.float64):
        self.n = n
        itype = _index_dtype(n, indices.size)
        self.indptr = np.asarray(indptr, dtype=itype)
        self.indices = np.asarray(indices, dtype=itype)
        self.degree = np.diff(self.indptr)
        weights = np.repeat((1.0 / np.maximum(self.degree, 1)).astype(dtype), self.degree)
        self._mean = sp.csr_array((weights, self.indices, self.indptr), shape=(n, n))
        self._lonely = np.flatnonzero(self.degree == 0)

    @classmethod
    def disjoint(cls, networks: list[Network]) -> Network:
        """The networks side by side as one, with no ties between them (person ``i`` of the
        ``k``-th is row ``i + sum of the earlier sizes``): a batch of runs (:mod:`sim.core.batch`)
        averages every run's ties in one product. Each row holds its network's ties in the same
        order, so :meth:`neighbour_mean` gives each network's numbers exactly."""
        offsets = np.cumsum([0] + [net.n for net in networks])
        ties = np.cumsum([0] + [net.indices.size for net in networks])
        indptr = np.concatenate([[0]] + [net.indptr[1:].astype(np.int64) + start
                                         for net, start in zip(networks, ties[:-1])])
        indices = np.concatenate([net.indices.astype(np.int64) + start for net, start in zip(networks, offsets[:-1])])
        return cls(int(offsets[-1]), indptr, indices, networks[0]._mean.dtype)

    @property
    def n_ties(self) -> int:
        """Number of ties (each undirected tie counted once)."""
        return int(self.indices.size // 2)

    def neighbours(self, i: int) -> np.ndarray:
        """The people tied to person ``i`` (row numbers)."""
        return self.indices[self.indptr[i]:self.indptr[i + 1]]

    def neighbour_mean(self, values: np.ndarray) -> np.ndarray:
        """Mean of ``values`` over each person's ties (a person without ties gets their own)."""
        out = self._mean @ values
        if self._lonely.size:
            out[self._lonely] = values[self._lonely]
        return out

    def edge_list(self) -> np.ndarray:
        """Each tie once, as an (m, 2) array with i < j (for drawing and networkx export)."""
        rows = np.repeat(np.arange(self.n), self.degree)
        keep = rows < self.indices
        return np.column_stack([rows[keep], self.indices[keep]])


def small_world(n: int, mean_degree: int, rewire_prob: float, rng: np.random.Generator,
                dtype=np.float64) -> Network:
    """A Watts-Strogatz small-world network on ``n`` people, drawn from ``rng``."""
    half = min(max(mean_degree // 2, 1), (n - 1) // 2)
    if half < 1:
        return Network(n, np.zeros(n + 1, dtype=np.int64), np.zeros(0, dtype=np.int32), dtype)
    src = np.repeat(np.arange(n, dtype=np.int64), half)
    dst = (src + np.tile(np.arange(1, half + 1, dtype=np.int64), n)) % n
    rewired = rng.random(src.size) < rewire_prob
    dst[rewired] = rng.integers(0, n, size=int(rewired.sum()))
    keep = src != dst
    src, dst = src[keep], dst[keep]
    pairs = np.minimum(src, dst) * n + np.maximum(src, dst)
    del src, dst, keep, rewired
    # Sort and drop repeats: np.unique's hash table takes ~5 s for 10^7 ties, a sort 0.3 s.
    pairs.sort()
    pairs = pairs[np.concatenate(([True], pairs[1:] != pairs[:-1]))]
    # Both directions of each tie, sorted in place by (row, (col - row) mod n): the CSR order
    # (ties to higher rows first, each side ascending) without an argsort index array, which
    # kept the peak memory of building 10^7 ties at ~0.5 GB.
    lo, hi = pairs // n, pairs % n
    del pairs
    keys = np.concatenate([lo * n + (hi - lo), hi * n + (lo - hi + n)])
    del lo, hi
    keys.sort()
    itype = _index_dtype(n, keys.size)
    rows = (keys // n).astype(itype)
    keys %= n
    keys += rows
    keys %= n
    cols = keys.astype(itype)
    del keys
    indptr = np.zeros(n + 1, dtype=itype)
    np.cumsum(np.bincount(rows, minlength=n), out=indptr[1:])
    return Network(n, indptr, cols, dtype)
