import os
import shutil
import tempfile

import pandas as pd
import pytest
from hypothesis import settings
from hypothesis import strategies as st

from sim import Scenario


# No per-example deadline in any property test: a deadline times the machine, not the claim, and on
# a loaded machine (CI shares its cores) a 0.1 ms call of tests/test_utility.py once took 1.5 s and
# failed the suite with DeadlineExceeded.
settings.register_profile("painloop", deadline=None)
settings.load_profile("painloop")


@st.composite
def parameter_values(draw, params, min_size=0, max_size=6) -> dict:
    """Hypothesis strategy: a few parameters from ``params``, each with a value in its range."""
    chosen = draw(st.lists(st.sampled_from(list(params)), min_size=min_size, max_size=max_size,
                           unique_by=lambda p: p.name))
    return {p.name: draw(st.integers(int(p.low), int(p.high)) if p.kind is int
                         else st.floats(p.low, p.high, allow_nan=False)) for p in chosen}


# The equilibrium cache (sim.core.equilibrium) goes to a folder of this test session, never the
# user's home; subprocesses the tests start (and pytest-xdist's workers, which keep the folder
# their controller made instead of each burning in the same towns again) inherit it.
# PAINLOOP_CACHE=off is kept (tests run uncached). $PAINLOOP_TEST_CACHE names a folder to use
# instead, kept after the session: .ci/run shares one between its stages, so a town burnt in by
# the fast tests is loaded by the slow ones and the notebooks. Sound because a cache key covers
# the code and the Python and NumPy versions (a run from the cache is the run that burns in, bit
# for bit: tests/test_equilibrium.py), and a test that patches what a burn-in does in memory
# turns the cache off for itself (tests/test_scale.py).
OWN_PREFIX = "painloop-test-cache-"
_given = os.environ.get("PAINLOOP_CACHE", "").strip()
if _given.lower() == "off":
    pass
elif os.environ.get("PAINLOOP_TEST_CACHE"):
    os.environ["PAINLOOP_CACHE"] = os.environ["PAINLOOP_TEST_CACHE"]
    os.makedirs(os.environ["PAINLOOP_CACHE"], exist_ok=True)
elif not (os.environ.get("PYTEST_XDIST_WORKER") and os.path.basename(_given).startswith(OWN_PREFIX)):
    os.environ["PAINLOOP_CACHE"] = tempfile.mkdtemp(prefix=OWN_PREFIX)


def pytest_sessionfinish(session, exitstatus):
    """Remove the session's own cache folder: in the controller (or a run without workers), never
    in a worker, whose controller's folder the other workers may still be using."""
    where = os.environ.get("PAINLOOP_CACHE", "")
    if os.path.basename(where).startswith(OWN_PREFIX) and not os.environ.get("PYTEST_XDIST_WORKER"):
        shutil.rmtree(where, ignore_errors=True)


def assert_paths_agree(scenario: Scenario, seed: int = 2, days: int = 8):
    """Step the vectorised and the per-agent (Mesa) paths of ``scenario`` side by side for ``days``
    and assert every state agrees person by person (to rounding). Returns both models, so a test can
    also check what the days did."""
    import numpy as np

    from sim.core.state import STATE_NAMES
    from sim.running.model import PainLoopModel

    a = PainLoopModel(scenario, seed=seed, path="vector")
    b = PainLoopModel(scenario, seed=seed, path="agents")
    for _ in range(days):
        a.step()
        b.step()
    for name in STATE_NAMES:
        np.testing.assert_allclose(getattr(a.engine.pop, name), getattr(b.engine.pop, name),
                                   rtol=1e-10, atol=1e-12, err_msg=name)
    return a, b


def small(**overrides) -> Scenario:
    """A quick scenario for tests: few people, short burn-in, a few reported days."""
    spec = dict(n_agents=300, burn_in_days=120, days=20)
    spec.update(overrides)
    return Scenario(**spec)


@pytest.fixture
def tiny():
    return small()


def pytest_xdist_auto_num_workers(config):
    """``-n auto`` (the README's test command): one worker per core, at most four. Each worker
    collects the whole suite on its own (importing the dashboard burns in its town) and holds about
    0.7 GB at its peak, so more workers cost more than they save on a suite of this size."""
    return max(1, min(4, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1))


ROUNDING = 1e-12
"""Tolerance for tables compared against stored ones (the golden baseline, frozen CSVs). NumPy picks
its SIMD kernels for exp, log and sums from the CPU it runs on (``numpy.show_runtime()``: an AVX-512
machine takes other kernels than an AVX2 one), and a BLAS build may round least squares differently
(seen between the Python 3.11 and 3.12 venvs): the same code then differs in the last bits of a
float, about 1e-16 relative (measured on the AVX-512 machine of session 10: at most 4e-16 in the
model's days, 2e-15 in a trial, 6e-14 absolute anywhere). A change of numbers moves them by far
more (tests/test_golden.py shows a parameter's sixth digit does)."""


def assert_same_table(table: pd.DataFrame, stored: pd.DataFrame, obj: str) -> None:
    """``table`` is ``stored``: float columns to :data:`ROUNDING`; the columns' names, order and dtypes,
    and every other column, exactly."""
    table = table.reset_index(drop=True)
    pd.testing.assert_index_equal(table.columns, stored.columns, obj=f"{obj} columns")
    floats = [c for c in stored.columns if pd.api.types.is_float_dtype(stored[c])]
    others = [c for c in stored.columns if c not in floats]
    pd.testing.assert_frame_equal(table[floats], stored[floats], check_exact=False, rtol=ROUNDING, atol=ROUNDING,
                                  check_dtype=True, obj=obj)
    pd.testing.assert_frame_equal(table[others], stored[others], check_exact=True, check_dtype=True, obj=obj)
