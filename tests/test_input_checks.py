"""Every bad input gets one clear line (InputError; exit code 2 in the CLI) before any work."""

import errno
import math
import os

import pytest
import tomli_w
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from sim import InputError, Scenario
from sim.cli import main
from sim.core.parameters import PARAMS
from sim.interventions import FIELDS, KINDS

# ---- the property: arbitrary TOML values for every scenario key and intervention field -------

_SCALARS = (st.booleans() | st.integers(-2**63, 2**63 - 1) | st.floats(allow_nan=True, allow_infinity=True)
            | st.text(max_size=12) | st.sampled_from(list(KINDS) + ["all", "chronic_pain", "once"])
            | st.dates())
_VALUES = st.recursive(_SCALARS, lambda inner: st.lists(inner, max_size=3)
                       | st.dictionaries(st.text(max_size=6), inner, max_size=3), max_leaves=6)


def _near_range(key):
    """Values in and around a parameter's range, so the property also reaches valid scenarios."""
    p = PARAMS[key]
    return st.floats(p.low - 1, p.high + 1) | st.integers(int(p.low) - 1, int(p.high) + 1)


_INTERVENTION = st.dictionaries(st.sampled_from(list(FIELDS) + ["nonsense"]), _VALUES, max_size=5) | \
    st.fixed_dictionaries({"kind": st.sampled_from(list(KINDS))},
                          optional={f: _VALUES for f in FIELDS if f != "kind"})
_SCENARIO = st.dictionaries(
    st.sampled_from(list(PARAMS) + ["name", "description", "disabled_rules", "interventions", "bogus"]),
    _VALUES, max_size=6).flatmap(lambda spec: st.fixed_dictionaries({
        **{k: st.just(v) for k, v in spec.items()},
        **({"interventions": st.lists(_INTERVENTION, max_size=3) | _VALUES} if "interventions" in spec else {}),
    }, optional={k: _near_range(k) for k in ("n_agents", "days", "pain_bias") if k not in spec}))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=_SCENARIO)
@example(spec={"disabled_rules": "\n"})  # found by CI: a rule name with a newline was echoed raw
@example(spec={"pain\nbias": 1.0})
def test_any_toml_scenario_loads_or_raises_only_input_error(tmp_path_factory, spec):
    path = tmp_path_factory.mktemp("toml") / "scenario.toml"
    path.write_text(tomli_w.dumps(spec), encoding="utf-8")
    try:
        scenario = Scenario.from_toml(path)
    except InputError as err:
        message = str(err)
        assert "\n" not in message and message.startswith(f"scenario file '{path}'")
        return
    # accepted: every value is of its parameter's type, finite and in range, and it round-trips
    for key, value in scenario.overrides.items():
        p = PARAMS[key]
        assert type(value) is p.kind and math.isfinite(value) and p.low <= value <= p.high
    assert isinstance(scenario.name, str)
    again = tmp_path_factory.mktemp("toml") / "again.toml"
    again.write_text(scenario.to_toml(), encoding="utf-8")
    assert Scenario.from_toml(again) == scenario


@pytest.mark.parametrize("text, message", [
    ("n_agents = nan", "parameter 'n_agents' = nan must be a finite whole number in [1, 1e+07]"),
    ("n_agents = inf", "parameter 'n_agents' = inf must be a finite whole number"),
    ("n_agents = 1e400", "parameter 'n_agents' = inf must be a finite whole number"),
    ("[[interventions]]\nkind = 'exercise'\nstart_day = inf", "field 'start_day' = inf must be a finite"),
    ("disabled_rules = 5", "disabled_rules = 5 must be a list of rule names"),
    ("interventions = 5", "interventions = 5 must be a list of [[interventions]] tables"),
    ('interventions = ["x"]', "interventions[0] ('?'): must be a table of fields, not 'x'"),
    ('name = ["a"]', "name = ['a'] must be a string"),
    ("n_agents = true", "parameter 'n_agents' = True must be a whole number"),
])
def test_values_that_slipped_past_validation(tmp_path, text, message):
    path = tmp_path / "s.toml"
    path.write_text(text + "\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        Scenario.from_toml(path)
    assert message in str(caught.value)


def test_a_file_that_is_not_utf8(tmp_path):
    path = tmp_path / "latin1.toml"
    path.write_bytes('name = "Müller"\n'.encode("latin-1"))
    with pytest.raises(InputError, match="is not UTF-8 text"):
        Scenario.from_toml(path)


@given(st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(), st.booleans(),
                 st.text(max_size=3), st.none()))
def test_checks_number_accepts_exactly_finite_in_range_numbers(value):
    from sim.core import checks

    ok = (isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
          and 0 <= value <= 10)
    try:
        got = checks.number(value, "x", 0, 10)
    except InputError as err:
        assert not ok and str(err).startswith(f"x = {value!r} ")
    else:
        assert ok and got == value


# ---- the command line -----------------------------------------------------------------------

def _one_line(capsys) -> str:
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.count("\n") == 1, err
    return err


def test_a_scenario_named_like_a_standard_arm_is_refused(tmp_path, capsys):
    toml = tmp_path / "baseline.toml"
    toml.write_text('name = "baseline"\nn_agents = 200\n[[interventions]]\nkind = "exercise"\n')
    assert main(["compare", str(toml), "--out", str(tmp_path / "out"), "--quiet"]) == 2
    err = _one_line(capsys)
    assert "scenario name 'baseline'" in err and "standard arm 'baseline'" in err
    assert not (tmp_path / "out").exists()


def test_compare_days_shorter_than_the_first_reported_week(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["compare", "--days", "30", "--agents", "200", "--seeds", "1", "--serial",
                 "--out", str(out), "--quiet"]) == 2
    assert "days must be at least 84 (week 12)" in _one_line(capsys)
    assert not out.exists()  # refused before any job ran or any folder was made


@pytest.mark.parametrize("args, message", [
    (["compare", "--seeds", "1000000000"], "seeds (a count) = 1000000000 is outside the allowed range [1, 10000]"),
    (["compare", "--seeds", "0"], "seeds (a count) = 0 is outside"),
    (["params", "--group", "bogus"], "--group = 'bogus' must be one of run, "),
    (["diagram", "--name", "../../x"], "--name = '../../x' must be a plain file name"),
    (["run", "--panel-every", "0", "--agents", "50"], "--panel-every = 0 is outside"),
])
def test_bad_arguments_are_one_line_and_write_nothing(tmp_path, capsys, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    out = ["--out", str(tmp_path / "out")] if args[0] != "params" else []
    assert main(args + out) == 2
    assert message in _one_line(capsys)
    assert not (tmp_path / "out").exists() and not (tmp_path.parent / "x.png").exists()


def test_a_population_that_will_not_fit_is_refused_with_an_estimate(tmp_path, capsys, monkeypatch):
    from sim.running import memory

    monkeypatch.setattr(memory, "available_bytes", lambda: 2**30)
    assert main(["run", "--agents", "5000000", "--out", str(tmp_path / "out"), "--quiet"]) == 2
    err = _one_line(capsys)
    need = memory.needed_bytes(5_000_000) / 2**30
    assert f"5,000,000 people need about {need:.1f} GiB of memory, but 1.0 GiB is available" in err
    assert need > 1 and not (tmp_path / "out").exists()


def test_dashboard_host_that_does_not_resolve_is_one_line(capsys):
    from sim.teaching.dashboard_server import _check_port, is_loopback

    with pytest.raises(InputError, match="--host 'bad.invalid' is not an address of this computer"):
        _check_port("bad.invalid", 0)
    assert is_loopback("127.0.0.1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0")


def test_run_into_a_used_folder_holds_only_the_new_run(tmp_path, capsys):
    out = tmp_path / "run"
    common = ["run", "--agents", "200", "--days", "10", "--burn-in", "20", "--out", str(out), "--quiet"]
    assert main(common + ["--panel-every", "5"]) == 0
    assert (out / "panel.parquet").exists()
    assert main(common) == 0
    assert not (out / "panel.parquet").exists()
    assert "panel" not in capsys.readouterr().out.splitlines()[-1]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]  # no staging folder left


def test_run_refuses_a_folder_of_other_files(tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("mine")
    assert main(["run", "--agents", "50", "--days", "5", "--burn-in", "0", "--out", str(tmp_path), "--quiet"]) == 2
    assert "holds files that are not a painloop result" in _one_line(capsys)
    assert (tmp_path / "notes.txt").read_text() == "mine"


def test_a_full_disk_is_one_line_and_keeps_the_old_file(tmp_path):
    from sim.running import files

    target = tmp_path / "kept.txt"
    target.write_text("finished")

    def full(tmp):
        with open(tmp, "w") as f:
            f.write("half")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    with pytest.raises(InputError, match="no space left on the device writing '.*kept.txt'"):
        files.write_file(target, full)
    assert target.read_text() == "finished" and sorted(os.listdir(tmp_path)) == ["kept.txt"]
