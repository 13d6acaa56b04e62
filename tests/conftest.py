import pytest

from sim import Scenario


def small(**overrides) -> Scenario:
    """A quick scenario for tests: few people, short burn-in, a few reported days."""
    spec = dict(n_agents=300, burn_in_days=120, days=20)
    spec.update(overrides)
    return Scenario(**spec)


@pytest.fixture
def tiny():
    return small()
