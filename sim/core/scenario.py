"""Scenarios: validated parameter values, switched-off rules and interventions, with TOML I/O.

A scenario file is flat TOML: parameter names as top-level keys, an optional ``name`` and
``description``, an optional ``disabled_rules = [...]`` and optional ``[[interventions]]``
tables. Anything else is an error that names the file, the key, the value and what is allowed.

    name = "exercise for chronic pain"
    n_agents = 5000
    disabled_rules = ["pain_to_sleep"]

    [[interventions]]
    kind = "exercise"
    coverage = 0.5
"""

from __future__ import annotations

import difflib
import tomllib
from pathlib import Path

import tomli_w

from sim.core import checks
from sim.core.errors import InputError
from sim.core.parameters import DEFAULTS, PARAMS, Param, Params
from sim.core.rules import RULES_BY_NAME, rule_names

_META_KEYS = ("name", "description", "disabled_rules", "interventions")


def _suggest(key: str, known) -> str:
    close = difflib.get_close_matches(key, list(known), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def check_value(param: Param, value, where: str = ""):
    """Return ``value`` as the parameter's type, or raise InputError naming key, value and range."""
    value = checks.number(value, f"parameter '{param.name}'", param.low, param.high, unit=param.unit,
                          where=where, whole=param.kind is int)
    return param.kind(value)


class Scenario:
    """A validated set of parameter values (defaults for the rest), rules switched off and
    interventions. Immutable: :meth:`replace` returns a changed copy.

    Every parameter of :data:`sim.core.parameters.PARAMETERS` reads as an attribute.

    Args:
        name: a short name (used for the arm it makes in a comparison).
        description: a sentence saying what the scenario is for.
        disabled_rules: names of feedback rules switched off (:func:`sim.rule_names`).
        interventions: intervention specifications (dicts with ``kind`` and delivery fields, see
            :mod:`sim.interventions`) or ready-made interventions.
        **overrides: parameter values by name; the rest keep their defaults.

    Raises:
        InputError: an unknown key (with a suggestion), a value of the wrong type or outside its
            allowed range, an unknown rule or a bad intervention; the message names the key, the
            value and what is allowed.

    Examples:
        >>> s = Scenario(n_agents=5000, disabled_rules=["pain_to_sleep"])
        >>> s.n_agents, s.disabled_rules
        (5000, ('pain_to_sleep',))
        >>> s.replace(n_agents=100).n_agents
        100
        >>> Scenario(n_agents=0)
        Traceback (most recent call last):
        ...
        sim.core.errors.InputError: parameter 'n_agents' = 0 is outside the allowed range [...] people
    """

    def __init__(self, *, name: str = "", description: str = "", disabled_rules=(),
                 interventions=(), _where: str = "", **overrides):
        values = dict(DEFAULTS)
        for key, value in overrides.items():
            if key not in PARAMS:
                raise InputError(f"{_where}unknown parameter {key!r}{_suggest(key, PARAMS)}; "
                                 f"see `painloop params` for the {len(PARAMS)} parameters")
            values[key] = check_value(PARAMS[key], value, _where)
        if isinstance(disabled_rules, str):
            disabled_rules = [disabled_rules]
        if not isinstance(disabled_rules, (list, tuple)):
            raise InputError(f"{_where}disabled_rules = {disabled_rules!r} must be a list of rule "
                             f"names; rules are: " + ", ".join(rule_names()))
        for rule in disabled_rules:
            if not isinstance(rule, str) or rule not in RULES_BY_NAME:
                raise InputError(f"{_where}unknown rule {rule!r} in disabled_rules"
                                 f"{_suggest(str(rule), RULES_BY_NAME)}; rules are: "
                                 + ", ".join(rule_names()))
        from sim.interventions import parse_interventions

        self._values = values
        self._overrides = {k: values[k] for k in overrides}
        self.name = checks.text(name, "name", where=_where)
        self.description = checks.text(description, "description", where=_where)
        self.disabled_rules = tuple(r for r in rule_names() if r in set(disabled_rules))
        self.interventions = parse_interventions(interventions, values, _where)

    def __getattr__(self, key):
        values = self.__dict__.get("_values", {})
        if key in values:
            return values[key]
        raise AttributeError(f"Scenario has no parameter '{key}'{_suggest(key, values)}")

    def __repr__(self) -> str:
        parts = [f"{k}={v!r}" for k, v in self._overrides.items()]
        if self.disabled_rules:
            parts.append(f"disabled_rules={list(self.disabled_rules)!r}")
        if self.interventions:
            parts.append(f"interventions=[{', '.join(i.name for i in self.interventions)}]")
        return f"Scenario({', '.join(parts)})"

    def __eq__(self, other) -> bool:
        return isinstance(other, Scenario) and self.to_dict() == other.to_dict()

    def __hash__(self):
        return hash(self.to_toml())

    @property
    def values(self) -> dict:
        """Every parameter's value (defaults included)."""
        return dict(self._values)

    @property
    def overrides(self) -> dict:
        """The parameters this scenario sets explicitly."""
        return dict(self._overrides)

    def params(self) -> Params:
        """The values as a :class:`sim.core.parameters.Params`, what rules and engine read."""
        return Params(self._values)

    def replace(self, **changes) -> Scenario:
        """A copy with some parameters, rules or interventions changed."""
        spec = self.to_dict()
        spec.update(changes)
        return Scenario(**spec)

    def to_dict(self) -> dict:
        """The scenario as keyword arguments that rebuild it: only what differs from the defaults."""
        spec = dict(self._overrides)
        if self.name:
            spec["name"] = self.name
        if self.description:
            spec["description"] = self.description
        if self.disabled_rules:
            spec["disabled_rules"] = list(self.disabled_rules)
        if self.interventions:
            spec["interventions"] = [i.to_dict() for i in self.interventions]
        return spec

    def to_toml(self) -> str:
        """TOML text that :meth:`from_toml` reads back to an equal scenario (interventions as
        ``[[interventions]]`` tables, the way people write them)."""
        spec = self.to_dict()
        tables = spec.pop("interventions", [])
        parts = [tomli_w.dumps(spec)] if spec else []
        parts += ["[[interventions]]\n" + tomli_w.dumps(table) for table in tables]
        return "\n".join(parts)

    @classmethod
    def from_toml(cls, path) -> Scenario:
        """Read and validate a scenario file; errors name the file, the key and the value."""
        path = Path(path)
        where = f"scenario file '{path}': "
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as err:
            raise InputError(f"{where}cannot be read ({err.strerror or err})") from None
        except UnicodeDecodeError as err:
            raise InputError(f"{where}is not UTF-8 text (byte {err.object[err.start]:#04x} at "
                             f"position {err.start}); TOML files are UTF-8") from None
        try:
            spec = tomllib.loads(text)
        except tomllib.TOMLDecodeError as err:
            raise InputError(f"{where}is not valid TOML ({err})") from None
        for key, value in spec.items():
            if isinstance(value, dict) and key not in _META_KEYS:
                raise InputError(f"{where}unexpected table [{key}]; parameters are top-level keys "
                                 f"and interventions are [[interventions]] tables")
        return cls(_where=where, **spec)
