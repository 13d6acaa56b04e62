"""The shipped parameter ensemble (sim/core/ensemble.csv, issue 14) is what its record says it is."""

import json

import numpy as np
import pandas as pd
import pytest

from sim.core.parameters import PARAMS
from sim.running import ensemble
from sim.studies import calibration, posterior

RECORD = ensemble.ENSEMBLE_PATH.with_name("ensemble_record.json")
STATISTICS = ensemble.ENSEMBLE_PATH.with_name("ensemble_statistics.csv")


def test_the_shipped_ensemble_has_at_least_200_weighted_sets_of_every_calibrated_parameter():
    table = ensemble.load()  # refuses a value outside its parameter's range
    assert len(table) >= posterior.MIN_SHIPPED
    assert table["weight"].sum() == pytest.approx(1.0)
    varied = set(ensemble.parameters(table))
    assert set(calibration.fitted_parameters()) <= varied  # every stage-1 parameter moves
    assert {f"{k}_effect" for k in (*calibration.STAGE2, *calibration.STAGE2_SAME_AS)} <= varied
    assert varied <= set(PARAMS)


def test_its_effect_sizes_are_drawn_at_the_current_stage2_fit():
    """After a stage-2 refit the effect columns must follow (python experiments/posterior.py
    --refresh-effects): each is the seeded draw times the current fit / the published effect."""
    table = pd.read_csv(ensemble.ENSEMBLE_PATH)
    record = json.loads(RECORD.read_text())
    fresh = posterior.effects_for(table, record["settings"]["design_seed"])
    for kind in (*calibration.STAGE2, *calibration.STAGE2_SAME_AS):
        column = f"{kind}_effect"
        np.testing.assert_allclose(table[column], fresh[column], rtol=1e-12, atol=0, err_msg=(
            f"{column} in sim/core/ensemble.csv is not drawn at the current default "
            f"{PARAMS[column].default}: run python experiments/posterior.py --refresh-effects"))


def test_its_record_and_statistics_agree_with_it():
    table = ensemble.load()
    record = json.loads(RECORD.read_text())
    assert record["ess"] == pytest.approx(1.0 / np.sum(table["weight"] ** 2), rel=1e-9)
    assert record["calls"] == posterior.calls(posterior.Settings(**{**record["settings"],
                                                                    "seeds": tuple(record["settings"]["seeds"])}))
    statistics = pd.read_csv(STATISTICS)
    assert statistics["set"].tolist() == table["set"].tolist()
    assert set(calibration.STAGE1_TARGETS) <= set(statistics)
    # the weights are the record's weighting of the statistics: remaking them gives the same weights
    means = statistics[list(calibration.STAGE1_TARGETS)].to_numpy(float)
    noise = [record["noise_sd"][t] ** 2 for t in calibration.STAGE1_TARGETS]
    s = record["settings"]
    settings = posterior.Settings(discrepancy=s["discrepancy"], cutoff=s["cutoff"], ignore_worst=s["ignore_worst"])
    if s["weighting"] == "abc":
        w, ess = posterior.abc_weights(means, settings, noise_var=noise)
        assert ess == record["ess"] == np.count_nonzero(table["weight"])
    else:
        w, _ = posterior.importance_weights(posterior.log_likelihood(means, settings, noise_var=noise))
    assert np.allclose(w, table["weight"], rtol=1e-6, atol=1e-12)
    # the Gaussian weights it did not ship with, as the record keeps them
    ll = posterior.log_likelihood(means, settings, noise_var=noise)
    assert np.allclose(ll, table["log_likelihood"], rtol=1e-9)
    assert posterior.importance_weights(ll)[1] == pytest.approx(record["ess_gaussian"], rel=1e-6)


def test_the_uncertainty_page_holds_the_shipped_ensembles_report(tmp_path):
    """docs/uncertainty.md's generated block is what the shipped ensemble gives now (a stale block fails)."""
    from sim.core.errors import InputError
    from sim.running.scripts import ROOT
    from sim.teaching import posterior_page

    (tmp_path / "uncertainty.md").write_text((ROOT / "docs" / "uncertainty.md").read_text(encoding="utf-8"))
    block = posterior_page.run(["--out", str(tmp_path)])
    assert (tmp_path / "figures" / "posterior_pairs.png").stat().st_size > 10_000
    assert (tmp_path / "uncertainty.md").read_text(encoding="utf-8") == (ROOT / "docs" / "uncertainty.md").read_text(encoding="utf-8")
    assert f"{len(ensemble.load())} weighted sets" in block
    with pytest.raises(InputError, match="no uncertainty.md there"):
        posterior_page.run(["--out", str(tmp_path / "elsewhere")])
