"""docs/ODD.md stays true to the code: every parameter and rule is in it, it names nothing that
no longer exists, and its generated tables are what the code generates now."""

import re
from pathlib import Path

import pytest

from sim import InputError, PARAMETERS, rule_names
from sim.teaching import odd
from sim.cli import main
from sim.interventions import FIELDS, KINDS
from sim.core.parameters import Param
from sim.core.state import DEMOGRAPHY_NAMES, STATE_NAMES, TRAIT_NAMES

ODD = Path(__file__).resolve().parent.parent / "docs" / "ODD.md"
OTHER_NAMES = {"disabled_rules", "tie_support", *DEMOGRAPHY_NAMES}
"""Names ODD.md may use besides parameters, rules, states, traits and intervention fields: the
scenario key for switched-off rules, the engine's per-day exposure to ties, and who a person is
(age, sex, id: sim.core.state.DEMOGRAPHY_NAMES)."""


@pytest.fixture(scope="module")
def text():
    return ODD.read_text(encoding="utf-8")


def test_generated_tables_match_the_code(text):
    assert odd.stale_blocks(text) == [], "run `painloop odd` and commit docs/ODD.md"


def test_every_parameter_and_rule_is_in_odd(text):
    for p in PARAMETERS:
        assert f"`{p.name}`" in text, p.name
    for name in rule_names():
        assert f"`{name}`" in text, name
    for name in (*STATE_NAMES, *TRAIT_NAMES, *KINDS):
        assert f"`{name}`" in text, name


def test_odd_names_nothing_that_no_longer_exists(text):
    known = ({p.name for p in PARAMETERS} | set(rule_names()) | set(STATE_NAMES) | set(TRAIT_NAMES)
             | set(FIELDS) | set(KINDS) | OTHER_NAMES)
    named = set(re.findall(r"`([a-z][a-z0-9]*(?:_[a-z0-9]+)+)`", text))
    assert named - known == set()


def test_a_new_parameter_makes_odd_stale(text, monkeypatch):
    import sim.core.parameters

    extra = Param("teaching_test_weight", 1.0, "logit/unit", 0.0, 2.0, "test", "a new parameter", "rules")
    monkeypatch.setattr(sim.core.parameters, "PARAMETERS", (*sim.core.parameters.PARAMETERS, extra))
    assert "parameters" in odd.stale_blocks(text)


def test_a_removed_rule_makes_odd_stale(text, monkeypatch):
    import sim.core.rules

    monkeypatch.setattr(sim.core.rules, "RULES", sim.core.rules.RULES[:-1])
    stale = odd.stale_blocks(text)
    assert "rules" in stale


def test_a_hand_edited_table_is_stale(text):
    edited = text.replace("| `injury_rate_per_year` |", "| `injury_rate_per_week` |", 1)
    assert edited != text
    assert odd.stale_blocks(edited) == ["parameters"]


def test_blocks_must_all_be_there_and_known(text):
    with pytest.raises(InputError, match="no generated block 'loops'"):
        odd.render(re.sub(r"<!-- generated: loops -->.*?<!-- end generated: loops -->", "", text, flags=re.S))
    with pytest.raises(InputError, match="block 'nonsense' that no generator writes"):
        odd.render(text + "\n<!-- generated: nonsense -->\n<!-- end generated: nonsense -->\n")


def test_odd_command_regenerates_and_checks(tmp_path, capsys):
    copy = tmp_path / "ODD.md"
    emptied = re.sub(r"(<!-- generated: (\w+) -->\n).*?(<!-- end generated: \2 -->)", r"\1\3",
                     ODD.read_text(encoding="utf-8"), flags=re.S)
    copy.write_text(emptied, encoding="utf-8")
    copy.chmod(0o644)
    assert main(["odd", "--path", str(copy), "--check"]) == 1
    assert "out of date in: states" in capsys.readouterr().err
    assert main(["odd", "--path", str(copy)]) == 0
    assert copy.read_text(encoding="utf-8") == ODD.read_text(encoding="utf-8")
    assert copy.stat().st_mode & 0o777 == 0o644
    assert main(["odd", "--path", str(copy), "--check"]) == 0


def test_odd_command_missing_file_is_one_line(tmp_path, capsys):
    assert main(["odd", "--path", str(tmp_path / "nope.md")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "cannot be read" in err[0]
