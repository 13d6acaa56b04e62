"""The parameter ensemble a comparison runs over (issue 14; docs/uncertainty.md).

The ensemble file holds one row per parameter set: the value of every varied parameter, its
``weight`` and its fit (columns :data:`META_COLUMNS`). It is made by ``python
experiments/posterior.py --write`` (:mod:`sim.studies.posterior`) into :data:`ENSEMBLE_PATH`;
the default parameter set stays the point estimate. :func:`draws` turns it into ``N`` parameter
sets for :func:`sim.running.runner.run_experiment` (``ensemble=N``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from sim.core import checks
from sim.core.errors import InputError
from sim.core.parameters import PARAMS

ENSEMBLE_PATH = Path(__file__).resolve().parent.parent / "core" / "ensemble.csv"
"""The shipped ensemble (absent until the posterior has been run with ``--write``)."""
META_COLUMNS = ("set", "wave", "weight", "log_likelihood", "loss", "within", "ess")
"""Columns of the ensemble file that are not parameters."""
MAX_DRAWS = 10_000
HOW_TO_MAKE = ("make it with `python experiments/posterior.py --write` (hours: docs/uncertainty.md), or pass "
               "--ensemble-file PATH (ensemble_file=PATH) to use another ensemble")


def load(path=None) -> pd.DataFrame:
    """The ensemble table at ``path`` (default: the shipped one), checked.

    Raises:
        InputError: no such file (with how to make the shipped one), no ``weight`` column or no
            parameter, a column that is no parameter, a value outside its parameter's range, or
            weights that are negative or sum to 0.
    """
    where = ENSEMBLE_PATH if path is None else Path(path)
    if not where.is_file():
        if path is None:
            raise InputError(f"no parameter ensemble is shipped yet ({ENSEMBLE_PATH.name} is missing): {HOW_TO_MAKE}")
        raise InputError(f"ensemble file '{where}' does not exist")
    try:
        table = pd.read_csv(where)
    except (ValueError, UnicodeDecodeError) as err:
        raise InputError(f"ensemble file '{where}' is not a readable CSV ({err})") from None
    names = parameters(table)
    if "weight" not in table or not names:
        raise InputError(f"ensemble file '{where}' needs a 'weight' column and at least one parameter column")
    unknown = [c for c in names if c not in PARAMS]
    if unknown:
        raise InputError(f"ensemble file '{where}': {', '.join(map(repr, unknown))} is not a parameter (columns "
                         f"are parameters and {', '.join(META_COLUMNS)})")
    for name in names:
        p = PARAMS[name]
        bad = ~table[name].between(p.low, p.high)
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            raise InputError(f"ensemble file '{where}', row {row}: {name} = {float(table[name].iloc[row])!r} is outside "
                             f"its range {p.range_text()}")
    w = table["weight"].to_numpy(float)
    if not (np.isfinite(w).all() and (w >= 0).all() and w.sum() > 0):
        raise InputError(f"ensemble file '{where}': weights must be finite, >= 0 and not all 0")
    return table


def parameters(table: pd.DataFrame) -> list[str]:
    """The parameter columns of an ensemble table."""
    return [c for c in table.columns if c not in META_COLUMNS]


def draws(n: int, path=None, seed: int = 0) -> list[dict]:
    """``n`` parameter sets from the ensemble by weighted systematic resampling (seeded: the same
    ``n``, file and seed give the same sets, in order of the file's rows). A set of high weight
    can come more than once."""
    n = checks.whole(n, "ensemble (draws)", 1, MAX_DRAWS)
    table = load(path)
    w = table["weight"].to_numpy(float)
    edges = np.cumsum(w / w.sum())
    edges[-1] = 1.0
    u = (np.random.default_rng(seed).random() + np.arange(n)) / n
    rows = np.searchsorted(edges, u, side="right")
    names = parameters(table)
    out = []
    for r in rows:
        values = {}
        for name in names:
            x = table[name].iloc[r]
            values[name] = int(x) if PARAMS[name].kind is int else float(x)
        out.append(values)
    return out
