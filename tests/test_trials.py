"""Virtual trials: randomisation inside one world, effects with the right sign, bad input."""

import numpy as np
import pytest

from sim import InputError, Scenario
from sim.studies.trials import pooled, virtual_trial

WORLD = Scenario(n_agents=4000, burn_in_days=900, days=120)


@pytest.fixture(scope="module")
def trial():
    arms = {"usual_care": [], "sham": [{"kind": "exercise", "strength": 0.0}],
            "exercise": [{"kind": "exercise"}], "medication": [{"kind": "medication"}]}
    return virtual_trial(WORLD, arms, "chronic_back_pain", n=480, follow_up_weeks=(4, 12), seed=[0, 1])


def test_one_row_per_seed_week_arm(trial):
    assert len(trial) == 2 * 2 * 4
    assert set(trial["arm"]) == {"usual_care", "sham", "exercise", "medication"}
    # arms are equal (within 1) at randomisation; deaths censor a few older participants by week 12
    per_seed = trial.groupby("seed")["n"]
    assert (per_seed.max() - per_seed.min() <= 4).all() and (trial["n"] <= 120).all() and (trial["n"] >= 60).all()
    by_arm = trial.sort_values("week").groupby(["seed", "arm"])["n"]
    assert (by_arm.diff().dropna() <= 0).all()  # censoring only removes people
    control = trial[trial["arm"] == "usual_care"]
    assert (control["pain_md"] == 0).all() and (control["phq9_g"] == 0).all()


def test_effective_arms_beat_control_and_sham_does_not(trial):
    p = pooled(trial).set_index(["week", "arm"])
    assert p.loc[(12, "exercise"), "pain_md"] < -2
    assert p.loc[(12, "medication"), "pain_md"] < -1
    assert p.loc[(12, "medication"), "pain_responders"] > p.loc[(12, "usual_care"), "pain_responders"]
    # a sham differs from control only by who was randomised: its 'effect' is sampling error
    sham = trial[(trial["arm"] == "sham") & (trial["week"] == 12)]
    se = (sham["pain_md_hi"] - sham["pain_md_lo"]) / 3.92
    assert (np.abs(sham["pain_md"]) < 3 * se).all()


def test_dropout_reported_for_treated_arms(trial):
    treated = trial[trial["arm"] == "exercise"]
    assert treated["dropout"].between(0, 0.6).all()
    assert trial[trial["arm"] == "usual_care"]["dropout"].isna().all()


def test_only_arm_members_are_treated():
    from sim.core.engine import Engine
    from sim.interventions import make_intervention

    engine = Engine(WORLD.replace(n_agents=1000, burn_in_days=100), seed=3)
    members = np.zeros(engine.n, dtype=bool)
    members[::3] = True
    spec = make_intervention({"kind": "cbt", "eligibility": "all", "uptake": 1.0})
    arm = engine.add_delivery(spec, "trial:arm", restrict=members, key="arm")
    engine.run(10)
    started = arm.start >= 0
    assert started.sum() == members.sum() and not (started & ~members).any()


@pytest.mark.parametrize("kwargs, message", [
    ({"arms": {"a": [{"kind": "cbt"}], "b": [{"kind": "exercise"}]}}, "exactly one control arm"),
    ({"follow_up_weeks": (30,)}, r"follow_up_weeks = \(30,\) must be weeks within the run"),
    ({"n": 3}, r"n = 3 is outside the allowed range \[4, inf\] participants"),
    ({"eligibility": "everyone"}, "eligibility = 'everyone' must be one of chronic_back_pain"),
])
def test_bad_trial_input(kwargs, message):
    spec = {"scenario": WORLD.replace(n_agents=300, burn_in_days=100), "n": 40, "follow_up_weeks": (2,)}
    spec.update(kwargs)
    with pytest.raises(InputError, match=message):
        virtual_trial(**spec)
