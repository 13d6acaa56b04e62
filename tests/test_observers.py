"""The engine owns the one day loop; everything else watches it through Observer hooks."""

import numpy as np
import pytest

from conftest import small
from sim import InputError
from sim.core.engine import Engine, Observer
from sim.interventions import make_intervention


class Log(Observer):
    def __init__(self):
        self.calls = []

    def start(self, engine):
        self.calls.append(("start", engine.day))

    def before_day(self, engine):
        self.calls.append(("before", engine.day))

    def shocks(self, engine, shocks):
        self.calls.append(("shocks", engine.day, shocks.injury.shape))

    def after_day(self, engine):
        self.calls.append(("after", engine.day))


def test_hooks_run_in_schedule_order_and_run_detaches():
    engine = Engine(small(burn_in_days=5), seed=0)
    log = Log()
    assert engine.run(2, log) == (log,)
    n = engine.n
    assert log.calls == [("start", 0), ("before", 0), ("shocks", 0, (n,)), ("after", 1),
                         ("before", 1), ("shocks", 1, (n,)), ("after", 2)]
    engine.step()
    assert len(log.calls) == 7 and log not in engine.observers


def test_constructor_observers_see_the_burn_in():
    log = Log()
    engine = Engine(small(burn_in_days=4), seed=0, observers=[log])
    afters = [c[1] for c in log.calls if c[0] == "after"]
    assert log.calls[0] == ("start", -4) and afters == [-3, -2, -1, 0]
    assert log in engine.observers  # stays for the days after, until detached


def test_watching_changes_no_number():
    watched, plain = Engine(small(), seed=4, observers=[Log()]), Engine(small(), seed=4)
    watched.run(10, Log())
    plain.run(10)
    np.testing.assert_array_equal(watched.pop.pain, plain.pop.pain)


def test_a_fork_does_not_take_the_observers():
    log = Log()
    engine = Engine(small(burn_in_days=3), seed=0, observers=[log])
    twin = engine.fork(engine.scenario)
    assert twin.observers == [] and engine.observers == [log]
    twin.run(3)
    assert [c for c in log.calls if c[0] == "after"][-1] == ("after", 0)  # the twin's days unseen


def test_public_methods_are_the_only_way_in():
    engine = Engine(small(), seed=0)
    with pytest.raises(InputError, match="outside the allowed range"):
        engine.set_parameters(injury_rate_per_year=99.0)
    engine.set_parameters(tissue_healing_tau_days=40.0)
    assert engine.p.tissue_decay == pytest.approx(np.exp(-1 / 40.0))
    engine.injure([0, 1], 0.7)
    engine.injure(0, 0.7)
    assert engine.pop.tissue[0] == 1.0 and engine.pop.tissue[1] >= 0.7
    spec = make_intervention({"kind": "cbt", "eligibility": "all"})
    engine.add_delivery(spec, "trial:x", key="x")
    with pytest.raises(InputError, match="already delivered"):
        engine.add_delivery(spec, "trial:x", key="x")
