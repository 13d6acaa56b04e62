"""Generated blocks in hand-written documents: text between ``<!-- generated: NAME -->`` and
``<!-- end generated: NAME -->`` is written by code (docs/ODD.md by :mod:`sim.teaching.odd`,
the lesson plan by :mod:`sim.teaching.lesson`); everything else is prose."""

from __future__ import annotations

import re
from collections.abc import Mapping

MARKER = re.compile(r"<!-- generated: (?P<name>[a-z_0-9]+) -->\n(?P<body>.*?)<!-- end generated: (?P=name) -->",
                    re.DOTALL)
"""One generated block: its name and its body (the text between the two marker lines)."""


def fill(text: str, bodies: Mapping[str, str]) -> str:
    """``text`` with the body of every generated block replaced by ``bodies[name]``."""
    return MARKER.sub(lambda m: f"<!-- generated: {m['name']} -->\n{bodies[m['name']]}"
                                f"<!-- end generated: {m['name']} -->", text)
