"""One place for the checks every input goes through: a whole number, a finite number in a range,
one of a few choices. Each raises :class:`~sim.core.errors.InputError` with one line naming the
key, the value and what is allowed, so a bad value never reaches arithmetic that would turn it
into a traceback (``int(nan)``) or, worse, into a silently odd result (``range(10**9)``).

Types come first and finiteness second: ``True`` is not a number here (TOML and JSON users
mean a flag, not 1), and NaN fails every range test, so it must be caught before one.

``label`` is how the message names the thing (``"parameter 'n_agents'"``, ``"--seeds"``);
``where`` is an optional prefix saying where it came from (``"scenario file 'x.toml': "``).
"""

from __future__ import annotations

import math
import numbers

from sim.core.errors import InputError


def _range_text(low, high, unit: str, low_open: bool = False) -> str:
    lo = "-inf" if low is None else f"{low:g}"
    hi = "inf" if high is None else f"{high:g}"
    text = f"{'(' if low_open else '['}{lo}, {hi}]"
    return f"{text} {unit}".rstrip()


def is_number(value) -> bool:
    """A real number that is not a bool (NumPy scalars count)."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def number(value, label: str, low=None, high=None, *, unit: str = "", where: str = "",
           low_open: bool = False, whole: bool = False):
    """``value`` if it is a finite number in ``[low, high]`` (``(low, high]`` with ``low_open``);
    as an ``int`` when ``whole`` (then it must equal a whole number). Otherwise InputError."""
    allowed = _range_text(low, high, unit, low_open)
    kind = "whole number" if whole else "number"
    if not is_number(value):
        raise InputError(f"{where}{label} = {value!r} must be a {kind} in {allowed}")
    if not math.isfinite(value):
        raise InputError(f"{where}{label} = {value!r} must be a finite {kind} in {allowed}")
    if whole and value != int(value):
        raise InputError(f"{where}{label} = {value!r} must be a whole number in {allowed}")
    too_low = low is not None and (value <= low if low_open else value < low)
    if too_low or (high is not None and value > high):
        raise InputError(f"{where}{label} = {value!r} is outside the allowed range {allowed}")
    return int(value) if whole else value


def whole(value, label: str, low=None, high=None, *, unit: str = "", where: str = "") -> int:
    """``value`` as an ``int`` if it is a whole number in ``[low, high]``; otherwise InputError."""
    return number(value, label, low, high, unit=unit, where=where, whole=True)


def choice(value, label: str, choices, *, where: str = ""):
    """``value`` if it is one of ``choices`` (compared as given: ``1`` is not ``"1"``)."""
    choices = tuple(choices)
    if not any(type(value) is type(c) and value == c for c in choices):
        raise InputError(f"{where}{label} = {value!r} must be one of "
                         + ", ".join(str(c) for c in choices))
    return value


def text(value, label: str, *, where: str = "", allow_empty: bool = True) -> str:
    """``value`` if it is a string (non-empty unless ``allow_empty``)."""
    if not isinstance(value, str) or (not allow_empty and not value):
        need = "a string" if allow_empty else "a non-empty string"
        raise InputError(f"{where}{label} = {value!r} must be {need}")
    return value


__all__ = ["choice", "is_number", "number", "text", "whole"]
