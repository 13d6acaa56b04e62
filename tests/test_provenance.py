"""Provenance of the defaults (issue 13, item 9): a default that says it was fitted is the value the
recorded run produced, and nothing else says it was fitted."""

import json

import pytest

from sim.core.parameters import DEFAULTS, PARAMETERS, PARAMS, RECORD, RECORD_PATH


def test_every_recorded_value_is_the_default():
    record = json.loads(RECORD_PATH.read_text(encoding="utf-8"))
    assert record["parameters"], "the record lists no fitted value"
    for name, entry in record["parameters"].items():
        assert name in PARAMS, f"the record fits {name}, which is not a parameter"
        assert DEFAULTS[name] == entry["value"], (
            f"{name}: default {DEFAULTS[name]} but run {entry['run']} fitted {entry['value']} -- "
            "a hand edit must drop the 'fitted' label, a refit must rewrite the record")


@pytest.mark.parametrize("param", PARAMETERS, ids=lambda p: p.name)
def test_a_default_is_labelled_fitted_exactly_when_the_record_has_it(param):
    entry = RECORD["parameters"].get(param.name)
    if entry is None:
        assert not param.source.lower().startswith("fitted"), f"{param.name} claims a fit no run recorded"
        assert "fitted to" not in param.source, f"{param.name} claims a fit no run recorded"
    else:
        run = RECORD["runs"][entry["run"]]
        assert param.source.startswith(f"fitted (run {run['id']}, loss {run['loss']:.3g}"), param.name


def test_each_run_says_how_it_ran():
    for stage, run in RECORD["runs"].items():
        for key in ("id", "method", "command", "seeds", "people", "loss", "targets", "start"):
            assert key in run, f"run {stage} does not record its {key}"


def test_calibrate_writes_every_fitted_default_where_it_is_declared(tmp_path):
    """`calibrate.py --write` finds each recorded parameter where its default is declared (the
    table, or an intervention kind) and writes it as recorded: writing today's record back into a
    copy of those files leaves them unchanged."""
    import shutil

    from sim.studies import calibration

    for where in calibration.DEFAULT_PATTERNS:
        (tmp_path / where).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(calibration.ROOT / where, tmp_path / where)
    calibration.write_defaults({name: entry["value"] for name, entry in RECORD["parameters"].items()}, tmp_path)
    for where in calibration.DEFAULT_PATTERNS:
        assert (tmp_path / where).read_text(encoding="utf-8") == (calibration.ROOT / where).read_text(
            encoding="utf-8"), where
