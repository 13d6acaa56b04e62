"""Map a function over independent jobs in worker processes, results in submission order.

Calibration, the posterior, the drift check and the probe each run many independent simulations
and read the results in the order they were submitted, so their output does not depend on which
worker finishes first. They share this one pool. (Sweeps that must survive a killed worker use
:func:`sim.running.runner.run_in_processes` instead.)
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager


@contextmanager
def ordered_map(workers: int) -> Iterator[Callable]:
    """A ``map(fn, *iterables)`` whose results come back in submission order.

    With ``workers`` > 1 it is a process pool's ``map`` (the pool is shut down on leaving the
    ``with``); with ``workers`` <= 1 it is the built-in ``map`` in this process (``--serial``:
    easier to debug, and what the tests use).
    """
    if workers <= 1:
        yield map
        return
    with ProcessPoolExecutor(max_workers=workers) as pool:
        yield pool.map
