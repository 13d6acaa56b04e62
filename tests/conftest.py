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


def small(**overrides) -> Scenario:
    """A quick scenario for tests: few people, short burn-in, a few reported days."""
    spec = dict(n_agents=300, burn_in_days=120, days=20)
    spec.update(overrides)
    return Scenario(**spec)


@pytest.fixture
def tiny():
    return small()
