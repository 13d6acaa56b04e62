"""The logistic function, the one link between a drive (log-odds) and a 0-1 level.

Every state's target is ``ceiling * sigmoid(drive)`` (:mod:`sim.core.engine`); the rules
(:mod:`sim.core.rules`), the clinical scales (:mod:`sim.core.scales`) and intervention uptake
(:mod:`sim.interventions.delivery`) read levels the same way, so it lives below all of them.
"""

from __future__ import annotations

import numpy as np


def sigmoid(x):
    """The logistic function: a drive (log-odds) to a 0-1 level."""
    return 1.0 / (1.0 + np.exp(-x))
