"""The four teaching categories of a person -- well, chronic pain only, depressed only, both --
with the colours every teaching picture (dashboard network, story ribbon) uses for them.

The code of a category is ``chronic_pain + 2 * depressed``, the same order as
:attr:`sim.running.agents.Person.category`.
"""

from __future__ import annotations

import numpy as np

CATEGORIES = ("well", "pain", "depressed", "both")
LABELS = {"well": "well", "pain": "chronic pain only", "depressed": "depressed only",
          "both": "both (caught in the cycle)"}
COLOURS = {"well": "#a3b8cc", "pain": "#e67e22", "depressed": "#2e86de", "both": "#8e1b4e"}
"""Well is a quiet grey-blue so the three kinds of case stand out; 'both' is the darkest."""


def category_codes(chronic_pain, depressed) -> np.ndarray:
    """0 well, 1 chronic pain only, 2 depressed only, 3 both (arrays or scalars)."""
    return np.asarray(chronic_pain, dtype=np.int8) + 2 * np.asarray(depressed, dtype=np.int8)


def colour_array(codes) -> np.ndarray:
    """RGBA colours, one row per code."""
    from matplotlib.colors import to_rgba

    table = np.array([to_rgba(COLOURS[c]) for c in CATEGORIES])
    return table[np.asarray(codes, dtype=np.intp)]
