"""Targets: every evidence item is there with a band and a source, and can be measured."""

import numpy as np
import pytest

from sim.studies.targets import REPORTED, TARGETS, Target, conflicting_targets, evaluate, measure


def test_targets_cover_the_evidence_items():
    items = {t.item for t in TARGETS}
    assert items == set(range(1, 12))  # item 12 (adherence) is an input, not a target
    assert len({t.id for t in TARGETS}) == len(TARGETS)


def test_every_band_is_closed_and_says_where_it_comes_from():
    for t in TARGETS:
        assert np.isfinite(t.low) and np.isfinite(t.high) and t.low < t.high, t.id
        assert t.low <= t.value <= t.high, t.id
        assert t.source and t.published and t.definition, t.id
        assert t.band_basis == "published 95% CI" or t.band_basis.startswith(("derived", "binomial", "the ")), t.id


def test_within_band():
    t = TARGETS[0]
    assert t.within(t.value) and not t.within(t.high + 1) and not t.within(np.nan)


@pytest.mark.slow
@pytest.mark.one_python
def test_every_target_is_measured():
    m = measure(seeds=(0,), n_agents=2500, trial_n=120, survey_years=3)
    missing = [t.key for t in TARGETS if t.key not in m]
    assert not missing
    ev = evaluate(m)
    assert len(ev) == len(TARGETS)
    assert ev["model"].notna().sum() >= len(TARGETS) - 3
    assert set(REPORTED) <= set(m.columns)


def test_conflicting_targets_are_same_statistic_pairs_with_disjoint_bands():
    # the shipped list: NEMESIS-2's and NEMESIS-1's 6-month recovery, 44.2-55.8% against 57-69%
    assert [(a.id, b.id) for a, b in conflicting_targets()] == [("dep_recovered_6m", "dep_spijker_6m")]

    def target(id, key, low, high):
        return Target(id, 0, id, key, "", (low + high) / 2, low, high, "", "", "")
    made_up = [target("a", "x", 0.1, 0.2), target("b", "x", 0.15, 0.3), target("c", "x", 0.25, 0.4),
               target("d", "y", 0.5, 0.6)]
    # a-b and b-c overlap; a and c do not; d reads another statistic
    assert [(a.id, b.id) for a, b in conflicting_targets(made_up)] == [("a", "c")]
