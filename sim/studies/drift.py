"""Does the long-run state hold still? Prevalence by year after the burn-in, overall and by group.

Issue 13 asks that, after the default burn-in, the prevalence of chronic back pain and of
depression drift less than 0.3 percentage points over 20 further years, overall and in each
fifth of the coping trait (and by sex, once people have one). :class:`YearlyPrevalence` watches a
run and keeps, for each year, the mean over its days of each prevalence in each group;
:func:`drift` runs a scenario for ``years`` years after its burn-in and returns that table;
:func:`largest_drift` is the criterion: the largest absolute difference between the last year's
and the first year's prevalence over all outcomes and groups, in percentage points.

Run it as ``python experiments/drift.py [--quick] [--seeds N] [--agents N] [--out DIR]``: 21 years
(the first and the last are 20 apart; 5 with --quick), writing drift.csv (year, group, outcome,
prevalence, seed) and drift.png, and printing the largest drift.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.core.engine import Engine, Observer
from sim.core.scenario import Scenario
from sim.running.scripts import parse_args, write_table_and_figure

OUTCOMES = ("chronic_pain", "depressed")
FIFTHS = 5


class YearlyPrevalence(Observer):
    """Observer: each year's mean daily prevalence of :data:`OUTCOMES`, overall and by fifth of
    the coping trait (fifth 1 copes least)."""

    def __init__(self):
        self.totals: dict[tuple[int, str, str], float] = {}
        self.days: dict[int, int] = {}

    def start(self, engine: Engine) -> None:
        self.first_day = engine.day
        coping = engine.pop.coping
        edges = np.quantile(coping, np.linspace(0, 1, FIFTHS + 1)[1:-1])
        self.fifth = np.digitize(coping, edges) + 1
        self.groups = {"all": np.ones(engine.n, bool),
                       **{f"coping fifth {k}": self.fifth == k for k in range(1, FIFTHS + 1)}}

    def after_day(self, engine: Engine) -> None:
        year = (engine.day - self.first_day - 1) // 365 + 1
        self.days[year] = self.days.get(year, 0) + 1
        status = {"chronic_pain": engine.status.chronic_pain, "depressed": engine.status.depressed}
        for group, members in self.groups.items():
            for outcome in OUTCOMES:
                key = (year, group, outcome)
                self.totals[key] = self.totals.get(key, 0.0) + float(status[outcome][members].mean())

    def frame(self) -> pd.DataFrame:
        """One row per (year, group, outcome): mean daily prevalence in that year (full years only)."""
        rows = [{"year": y, "group": g, "outcome": o, "prevalence": total / self.days[y]}
                for (y, g, o), total in self.totals.items() if self.days[y] == 365]
        return pd.DataFrame(rows)


def drift(scenario: Scenario | None = None, seed: int = 0, years: int = 20) -> pd.DataFrame:
    """Prevalence by year for ``years`` years after the scenario's burn-in (one seed)."""
    scenario = Scenario() if scenario is None else scenario
    engine = Engine(scenario, seed)
    observer, = engine.run(365 * years, YearlyPrevalence())
    return observer.frame().assign(seed=seed)


def largest_drift(table: pd.DataFrame) -> dict:
    """The criterion: max over outcomes and groups of |last year - first year|, in points."""
    first, last = table["year"].min(), table["year"].max()
    wide = table.pivot_table(index=["group", "outcome"], columns="year", values="prevalence")
    change = 100 * (wide[last] - wide[first])
    where = change.abs().idxmax()
    return {"points": float(abs(change[where])), "group": where[0], "outcome": where[1],
            "years": int(last - first)}


def drift_figure(table: pd.DataFrame) -> Figure:
    """Prevalence by year after the burn-in, one panel per outcome, one line per group."""
    fig = Figure(figsize=(10, 4), layout="constrained")
    axes = fig.subplots(1, len(OUTCOMES))
    mean = table.groupby(["year", "group", "outcome"], as_index=False)["prevalence"].mean()
    for ax, outcome in zip(axes, OUTCOMES):
        part = mean[mean["outcome"] == outcome]
        for group, g in part.groupby("group", sort=False):
            style = {"color": "black", "lw": 2.5} if group == "all" else {"lw": 1}
            ax.plot(g["year"], 100 * g["prevalence"], label=group, **style)
        ax.set(xlabel="year after the burn-in", ylabel="prevalence (%)",
               title={"chronic_pain": "chronic back pain", "depressed": "depression (PHQ-9 >= 10)"}[outcome])
    axes[-1].legend(fontsize=7)
    d = largest_drift(table)
    fig.suptitle(f"Largest drift over {d['years']} years: {d['points']:.2f} points ({d['outcome']}, {d['group']})",
                 fontsize=10)
    return fig


def run(argv=None) -> dict:
    """The command line of ``experiments/drift.py``: how far prevalences still move after the
    burn-in; writes the table and the figure.

    Args:
        argv: command-line arguments (default: the process's own).

    Returns:
        The largest drift found: its size in points, the outcome, the group and the years.
    """
    args = parse_args("drift", __doc__.splitlines()[0], 2_000, 10_000, 1, 1, argv)
    years = 5 if args.quick else 21
    table = pd.concat([drift(Scenario(n_agents=args.agents), seed, years) for seed in range(args.seeds)],
                      ignore_index=True)
    d = largest_drift(table)
    print(f"largest drift over {d['years']} years: {d['points']:.2f} points ({d['outcome']}, {d['group']})")
    write_table_and_figure(args.out, "drift", table, drift_figure(table))
    return d
