import os
import shutil
import tempfile

import pytest
from hypothesis import strategies as st

from sim import Scenario


@st.composite
def parameter_values(draw, params, min_size=0, max_size=6) -> dict:
    """Hypothesis strategy: a few parameters from ``params``, each with a value in its range."""
    chosen = draw(st.lists(st.sampled_from(list(params)), min_size=min_size, max_size=max_size,
                           unique_by=lambda p: p.name))
    return {p.name: draw(st.integers(int(p.low), int(p.high)) if p.kind is int
                         else st.floats(p.low, p.high, allow_nan=False)) for p in chosen}


# The equilibrium cache (sim.core.equilibrium) goes to a folder of this test session, never the
# user's home; subprocesses the tests start inherit it. PAINLOOP_CACHE=off is kept (tests run uncached).
if os.environ.get("PAINLOOP_CACHE", "").strip().lower() != "off":
    os.environ["PAINLOOP_CACHE"] = tempfile.mkdtemp(prefix="painloop-test-cache-")


def pytest_sessionfinish(session, exitstatus):
    where = os.environ.get("PAINLOOP_CACHE", "")
    if os.path.basename(where).startswith("painloop-test-cache-"):
        shutil.rmtree(where, ignore_errors=True)


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
