"""Random streams: one seed -> a SeedSequence -> one named, independent stream per process.

A stream's key is derived from its *name*, not from the order streams are created in, so adding
a process (an intervention, say) never reshuffles the draws of another. Two runs with the same
seed therefore share every draw of every process they have in common (common random numbers):
two arms of an experiment differ only by what the arm changes.
"""

from __future__ import annotations

import zlib

import numpy as np

from sim.core import checks

PROCESSES = ("traits", "network", "injuries", "life_events", "noise", "demography", "entrants", "mood_drift")
"""The stochastic processes of the core model (interventions add their own named streams).
``demography`` draws the initial ages and sexes and each day's deaths; ``entrants`` the traits,
sex and start of the people who replace them. Both are new streams, so the others draw exactly
as they did before there was a demography. ``mood_drift`` draws the slow mood drift (start and
daily innovations) and is drawn only while ``mood_drift_sd > 0``, so runs without the drift draw
exactly as before it existed."""


def stream(seed: int, name: str) -> np.random.Generator:
    """The generator of process ``name`` for ``seed``; the same arguments give the same stream."""
    key = zlib.crc32(name.encode("utf-8"))
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(int(seed), spawn_key=(key,))))


class Streams:
    """The named generators of one run, created on first use."""

    def __init__(self, seed: int):
        self.seed = checks.whole(seed, "seed", 0)
        self._streams: dict[str, np.random.Generator] = {}

    def __getitem__(self, name: str) -> np.random.Generator:
        if name not in self._streams:
            self._streams[name] = stream(self.seed, name)
        return self._streams[name]

    def without(self, names) -> Streams:
        """These streams but those named in ``names`` (the generators themselves, not copies)."""
        other = Streams(self.seed)
        other._streams = {k: g for k, g in self._streams.items() if k not in set(names)}
        return other


def state_key(rng: np.random.Generator):
    """A hashable key of ``rng``'s bit-generator state: two generators with equal keys give the same
    draws for the same calls (a batch of runs shares draws this way, :mod:`sim.core.batch`)."""
    state = rng.bit_generator.state
    inner = state.get("state")
    if isinstance(inner, dict):
        inner = tuple(sorted(inner.items()))
    key = (state.get("bit_generator"), inner, state.get("has_uint32"), state.get("uinteger"))
    try:
        hash(key)
    except TypeError:  # a bit generator whose state holds arrays: compare its text
        key = repr(state)
    return key
