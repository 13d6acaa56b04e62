"""Will a population fit? An estimate made before any work, instead of a ``MemoryError`` hours in.

The memory one engine needs grows linearly with its people (state arrays, the network's CSR
arrays, the day's temporaries). :func:`bytes_per_person` measures that slope on this machine, with
this code, by building two small engines and running a few days under :mod:`tracemalloc`
(NumPy reports its arrays to it), so the estimate follows the model as it changes instead of a
number written down once. :func:`check_memory` compares it with the memory the operating
system says is available.
"""

from __future__ import annotations

import functools
import os
import tracemalloc

from sim.core.errors import InputError

_PROBE_SIZES = (1_000, 3_000)
_PROBE_DAYS = 3
HEADROOM = 1.25
"""Safety factor on the measured peak: allocator fragmentation, Python objects tracemalloc
does not attribute per person, and the output tables."""


@functools.lru_cache(maxsize=None)
def bytes_per_person(precision: str = "float64") -> float:
    """Peak bytes one engine needs per person (construction and a few days), measured."""
    from sim.core.engine import Engine
    from sim.core.scenario import Scenario

    peaks = []
    for n in _PROBE_SIZES:
        scenario = Scenario(n_agents=n, burn_in_days=0, days=_PROBE_DAYS)
        tracemalloc.start()
        try:
            engine = Engine(scenario, 0, precision=precision)
            engine.run(_PROBE_DAYS)
            peaks.append(tracemalloc.get_traced_memory()[1])
        finally:
            tracemalloc.stop()
        del engine
    (n0, n1), (p0, p1) = _PROBE_SIZES, peaks
    return max((p1 - p0) / (n1 - n0), p1 / n1 / 2)


def available_bytes() -> int | None:
    """Memory available to new work now (Linux: MemAvailable), or None where unknown."""
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def needed_bytes(n_agents: int, engines: int = 1, precision: str = "float64") -> int:
    """Estimated peak bytes for ``engines`` engines of ``n_agents`` people alive at once."""
    return int(HEADROOM * bytes_per_person(precision) * n_agents * engines)


def check_memory(n_agents: int, engines: int = 1, precision: str = "float64",
                 hint: str = "use fewer --agents") -> None:
    """InputError saying how much is needed if ``engines`` engines of ``n_agents`` people would not
    fit in the available memory; nothing where the available memory cannot be read."""
    have = available_bytes()
    if have is None:
        return
    need = needed_bytes(n_agents, engines, precision)
    if need > have:
        many = f" ({engines} engines at once)" if engines > 1 else ""
        raise InputError(f"{n_agents:,} people need about {need / 2**30:.1f} GiB of memory{many}, "
                         f"but {have / 2**30:.1f} GiB is available; {hint}")


__all__ = ["available_bytes", "bytes_per_person", "check_memory", "needed_bytes"]
