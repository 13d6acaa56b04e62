"""Targets: every evidence item is there with a band and a source, and can be measured."""

import numpy as np
import pytest

from sim.studies.targets import TARGETS, evaluate, measure


def test_targets_cover_the_evidence_items():
    items = {t.item for t in TARGETS}
    assert items == set(range(1, 12))  # item 12 (adherence) is an input, not a target
    for t in TARGETS:
        assert t.low < t.high and t.source and t.published
        assert t.low <= t.value <= t.high or np.isinf(t.high)
    assert len({t.id for t in TARGETS}) == len(TARGETS)


def test_within_band():
    t = TARGETS[0]
    assert t.within(t.value) and not t.within(t.high + 1) and not t.within(np.nan)


@pytest.mark.slow
def test_every_target_is_measured():
    m = measure(seeds=(0,), n_agents=2500, trial_n=120, survey_years=3)
    missing = [t.key for t in TARGETS if t.key not in m]
    assert not missing
    ev = evaluate(m)
    assert len(ev) == len(TARGETS)
    assert ev["model"].notna().sum() >= len(TARGETS) - 3
