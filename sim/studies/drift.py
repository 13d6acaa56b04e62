"""Does the long-run state hold still? Prevalence by year after the burn-in, overall and by group.

Issue 13 asks that, after the default burn-in, the prevalence of chronic back pain and of
depression drift less than 0.3 percentage points over 20 further years, overall and in each
fifth of the coping trait (and by sex, once people have one). :class:`YearlyPrevalence` watches a
run and keeps, for each year, the mean over its days of each prevalence in each group (by sex
too when the population has a ``female`` array);
:func:`drift` runs a scenario for ``years`` years after its burn-in and returns that table;
:func:`largest_drift` is the criterion: for each outcome and group, a straight line through the
seed-mean yearly prevalences (least squares), and the change it makes from the first year to the
last, in percentage points; the largest over all outcomes and groups, with the line's standard
error (from its residuals), so a drift can be told from a group's year-to-year noise. A
difference of two single years (``single_year_points``, kept beside it) carries twice a year's
noise and overstates drift in small groups.

**How long a burn-in is enough: the convergence criterion.** :func:`convergence` starts the model
from its initial state (no burn-in) and runs it for many years (several seeds); :func:`settling`
then reads, for each outcome and group, the seed-mean prevalence by year and its long-run mean
(the mean over the last :data:`TAIL_SHARE` of the years). A burn-in of ``B`` whole years is enough
when, for every outcome and every group, every :data:`WINDOW_YEARS`-year moving mean of yearly
prevalence that starts after year ``B`` lies within :data:`TOLERANCE_POINTS` percentage points of
that long-run mean. The burn-in needed is the smallest such ``B`` over all outcomes and groups.
The tolerance is half the 0.3 points issue 13 allows over 20 years, so a run that has settled by
this criterion leaves room for the noise of a finite population; the moving mean averages the
year-to-year noise of a group of a few thousand people, and :func:`settling` reports that noise
(``window_noise_points``: the standard deviation of the moving means over the long-run part),
which must be well below the tolerance for the verdict to mean anything (more people or seeds
otherwise). docs/ODD.md (Initialization) uses this criterion.

Run it as ``python experiments/drift.py [--quick] [--seeds N] [--agents N] [--out DIR]``: 21 years
(the first and the last are 20 apart; 5 with --quick), writing drift.csv (year, group, outcome,
prevalence, seed) and drift.png, and printing the largest drift. With ``--convergence [--years Y]
[--tolerance P]`` it measures the burn-in needed instead (default 60 years, 20,000 people, 3
seeds), writing convergence.csv, settling.csv and convergence.png.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.core.engine import Engine, Observer
from sim.core.scenario import Scenario
from sim.running.pool import ordered_map
from sim.running.scripts import parse_args, write_table_and_figure

OUTCOMES = ("chronic_pain", "depressed")
FIFTHS = 5
TOLERANCE_POINTS = 0.15
"""Convergence criterion: how far (percentage points) a moving mean may sit from the long-run mean."""
WINDOW_YEARS = 5
"""Convergence criterion: years in the moving mean of yearly prevalence."""
TAIL_SHARE = 1 / 3
"""Convergence criterion: the long-run mean is the mean over this last share of the years run."""


class YearlyPrevalence(Observer):
    """Observer: each year's mean daily prevalence of :data:`OUTCOMES`, overall, by fifth of the
    coping trait (fifth 1 copes least; the fifths' edges are those of day 0's population) and,
    when the population has a ``female`` array, by sex. Memberships are read every day, so people
    who enter a living population count in their groups."""

    def __init__(self):
        self.totals: dict[tuple[int, str, str], float] = {}
        self.days: dict[int, int] = {}

    def start(self, engine: Engine) -> None:
        self.first_day = engine.day
        self.edges = np.quantile(engine.pop.coping, np.linspace(0, 1, FIFTHS + 1)[1:-1])

    def _partitions(self, engine: Engine) -> list[tuple[tuple[str, ...], np.ndarray]]:
        """Each way of splitting people into groups: (group names, each person's group number)."""
        parts = [(("all",), np.zeros(engine.n, np.intp)),
                 (tuple(f"coping fifth {k}" for k in range(1, FIFTHS + 1)),
                  np.digitize(engine.pop.coping, self.edges))]
        female = getattr(engine.pop, "female", None)
        if female is not None:
            parts.append((("male", "female"), np.asarray(female, np.intp)))
        return parts

    def after_day(self, engine: Engine) -> None:
        year = (engine.day - self.first_day - 1) // 365 + 1
        self.days[year] = self.days.get(year, 0) + 1
        status = {"chronic_pain": engine.status.chronic_pain, "depressed": engine.status.depressed}
        for names, code in self._partitions(engine):
            size = np.bincount(code, minlength=len(names))
            for outcome in OUTCOMES:
                cases = np.bincount(code, weights=status[outcome], minlength=len(names))
                for group, share in zip(names, cases / np.maximum(size, 1)):
                    key = (year, group, outcome)
                    self.totals[key] = self.totals.get(key, 0.0) + float(share)

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


def _trend(wide: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, float]:
    """Least-squares slope (points per year) of each row of a (group, outcome) x year table of
    shares, the centred years and the span in years."""
    years = wide.columns.to_numpy(float)
    x = years - years.mean()
    y = 100 * wide.to_numpy(float)
    return (y - y.mean(axis=1, keepdims=True)) @ x / (x @ x), x, years[-1] - years[0]


def trend_drift(table: pd.DataFrame) -> pd.DataFrame:
    """Per outcome and group: the change from the first year to the last along a least-squares line
    through the seed-mean yearly prevalences (``points``), its standard error from the residuals
    (``se_points``; NaN with fewer than 3 years), the difference of the two single years
    (``single_year_points``), all in percentage points, and -- with 3 seeds or more -- the standard
    error of ``points`` from the spread of the seeds' own lines (``se_seeds_points``: the seeds are
    independent replicates, so unlike the residuals it does not assume that one year's wander is
    independent of the next; episodes that last years make neighbouring years alike)."""
    wide = table.pivot_table(index=["group", "outcome"], columns="year", values="prevalence")
    slope, x, span = _trend(wide)
    y = 100 * wide.to_numpy(float)
    out = pd.DataFrame({"points": slope * span,
                        "single_year_points": y[:, -1] - y[:, 0]}, index=wide.index)
    if x.size >= 3:
        fitted = y.mean(axis=1, keepdims=True) + slope[:, None] * x[None, :]
        residual_var = ((y - fitted) ** 2).sum(axis=1) / (x.size - 2)
        out["se_points"] = np.sqrt(residual_var / (x @ x)) * span
    else:
        out["se_points"] = np.nan
    seeds = sorted(table["seed"].unique()) if "seed" in table else []
    if len(seeds) >= 3:
        per_seed = np.column_stack([
            _trend(table[table["seed"] == s].pivot_table(index=["group", "outcome"], columns="year",
                                                         values="prevalence").reindex(wide.index))[0] * span
            for s in seeds])
        out["se_seeds_points"] = per_seed.std(axis=1, ddof=1) / np.sqrt(len(seeds))
    else:
        out["se_seeds_points"] = np.nan
    return out


def largest_drift(table: pd.DataFrame) -> dict:
    """The criterion: the largest |trend change| over outcomes and groups (:func:`trend_drift`), in
    points, with its standard error, and the largest single-year difference for comparison."""
    d = trend_drift(table)
    where = d["points"].abs().idxmax()
    single = d["single_year_points"].abs().idxmax()
    first, last = table["year"].min(), table["year"].max()
    return {"points": float(abs(d.loc[where, "points"])), "se_points": float(d.loc[where, "se_points"]),
            "se_seeds_points": float(d.loc[where, "se_seeds_points"]),
            "group": where[0], "outcome": where[1], "years": int(last - first),
            "single_year_points": float(abs(d.loc[single, "single_year_points"])),
            "single_year_group": single[0], "single_year_outcome": single[1]}


def convergence(scenario: Scenario | None = None, seeds=(0, 1, 2), years: int = 60,
                progress: bool = True) -> pd.DataFrame:
    """Prevalence by year from the initial state (no burn-in) for ``years`` years, per seed: the
    table :func:`settling` reads. ``progress`` shows a bar over all seeds' days."""
    scenario = (Scenario() if scenario is None else scenario).replace(burn_in_days=0, interventions=())
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(seeds) * 365 * years, unit="day", mininterval=1.0,
                   desc=f"burn-in convergence, {scenario.n_agents:,} people x {len(seeds)} seeds")
    tables = []
    try:
        for seed in seeds:
            engine = Engine(scenario, seed, progress=bar)
            observer, = engine.run(365 * years, YearlyPrevalence())
            tables.append(observer.frame().assign(seed=seed))
    finally:
        if bar is not None:
            bar.close()
    return pd.concat(tables, ignore_index=True)


def settling(table: pd.DataFrame, tolerance: float = TOLERANCE_POINTS, window: int = WINDOW_YEARS,
             tail: float = TAIL_SHARE) -> pd.DataFrame:
    """The convergence criterion (module docstring) on a :func:`convergence` table.

    Returns:
        One row per (group, outcome): ``long_run_percent`` (the mean over the last ``tail`` of the
        years), ``settled_after_years`` (the smallest whole number of years after which every
        ``window``-year moving mean stays within ``tolerance`` points of it; NaN if even the last
        window is outside), ``window_noise_points`` (SD of the moving means over the long-run
        part: the criterion is only meaningful when this is well below ``tolerance``) and
        ``tail_trend_points`` (the least-squares trend across the long-run part: a series still
        moving there has no long-run mean yet, and the run was too short).
    """
    mean = table.groupby(["group", "outcome", "year"])["prevalence"].mean().mul(100)
    last = int(table["year"].max())
    if last * tail < window + 1:
        raise ValueError(f"{last} years are too few: the long-run part ({tail:.2f} of them) must hold "
                         f"at least two {window}-year windows")
    rows = []
    for (group, outcome), series in mean.groupby(level=["group", "outcome"], sort=False):
        series = series.droplevel(["group", "outcome"]).sort_index()
        long_run = series[series.index > last * (1 - tail)].mean()
        moving = series.rolling(window).mean().dropna()  # indexed by the window's last year
        starts = moving.index - window + 1
        outside = starts[(moving - long_run).abs().to_numpy() > tolerance]
        settled = 0 if outside.empty else int(outside.max())
        if settled > last - window:  # the last window is still outside: not settled in this run
            settled = np.nan
        end = series[series.index > last * (1 - tail)]
        slope = np.polyfit(end.index.to_numpy(float), end.to_numpy(), 1)[0]
        rows.append({"group": group, "outcome": outcome, "long_run_percent": long_run,
                     "settled_after_years": settled,
                     "window_noise_points": float(moving[starts > last * (1 - tail)].std()),
                     "tail_trend_points": float(slope * (end.index.max() - end.index.min()))})
    return pd.DataFrame(rows)


def needed_burn_in(settled: pd.DataFrame) -> dict:
    """The burn-in the criterion asks for: the largest ``settled_after_years`` over outcomes and
    groups (NaN if some group never settled), and which series set it."""
    worst = settled.sort_values("settled_after_years", na_position="last").iloc[-1]
    return {"years": float(worst["settled_after_years"]), "group": worst["group"], "outcome": worst["outcome"],
            "max_window_noise_points": float(settled["window_noise_points"].max())}


def convergence_figure(table: pd.DataFrame, settled: pd.DataFrame, tolerance: float = TOLERANCE_POINTS,
                       window: int = WINDOW_YEARS) -> Figure:
    """Prevalence by year from the initial state ({window}-year moving means, seed mean), each
    group's long-run mean with its tolerance band, and the burn-in needed."""
    fig = Figure(figsize=(10, 4), layout="constrained")
    axes = fig.subplots(1, len(OUTCOMES))
    mean = table.groupby(["group", "outcome", "year"])["prevalence"].mean().mul(100)
    for ax, outcome in zip(axes, OUTCOMES):
        for group in table["group"].unique():
            series = mean.loc[(group, outcome)].sort_index()
            style = {"color": "black", "lw": 2.5} if group == "all" else {"lw": 1}
            line, = ax.plot(series.index, series.rolling(window).mean(), label=group, **style)
            row = settled[(settled["group"] == group) & (settled["outcome"] == outcome)].iloc[0]
            ax.axhspan(row["long_run_percent"] - tolerance, row["long_run_percent"] + tolerance,
                       color=line.get_color(), alpha=0.15)
        ax.set(xlabel=f"years from the initial state (end of a {window}-year moving mean)",
               ylabel="prevalence (%)",
               title={"chronic_pain": "chronic back pain", "depressed": "depression (PHQ-9 >= 10)"}[outcome])
    axes[-1].legend(fontsize=7)
    need = needed_burn_in(settled)
    fig.suptitle(f"Burn-in needed (every {window}-year mean within {tolerance} points of the long-run "
                 f"mean): {_years(need, table)} ({need['outcome']}, {need['group']})", fontsize=10)
    return fig


def _years(need: dict, table: pd.DataFrame) -> str:
    years = int(table["year"].max())
    return f"not reached in {years} years" if np.isnan(need["years"]) else f"{need['years']:g} years"


def drift_figure(table: pd.DataFrame, people: int | None = None) -> Figure:
    """Prevalence by year after the burn-in, one panel per outcome, one line per group (``people``
    per seed, when given, named in the title)."""
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
    seeds = table["seed"].nunique() if "seed" in table else 1
    error = (f"+- {d['se_seeds_points']:.2f} (standard error over {seeds} seeds)" if np.isfinite(d["se_seeds_points"])
             else f"+- {d['se_points']:.2f} (standard error from the residuals)")
    people = f"{people:,} people, " if people is not None else ""
    fig.suptitle(f"Largest drift over {d['years']} years (least-squares line): {d['points']:.2f} {error} points\n"
                 f"({d['outcome']}, {d['group']}); {people}{seeds} seed{'s' if seeds > 1 else ''}", fontsize=10)
    return fig


def run(argv=None) -> dict:
    """The command line of ``experiments/drift.py``: how far prevalences still move after the
    burn-in; writes the table and the figure.

    Args:
        argv: command-line arguments (default: the process's own).

    Returns:
        The largest drift found: its size in points, the outcome, the group and the years.
    """
    import sys

    # --convergence runs longer from the initial state: more people and seeds by default.
    sizes = (2_000, 20_000, 1, 3) if "--convergence" in (sys.argv[1:] if argv is None else argv) \
        else (2_000, 10_000, 1, 1)
    args = parse_args("drift", __doc__.splitlines()[0], *sizes, argv, extra=_options)
    if args.convergence:
        return run_convergence(args)
    years = 5 if args.quick else 21
    seeds = range(args.seeds)
    scenarios, spans = [Scenario(n_agents=args.agents)] * args.seeds, [years] * args.seeds
    with ordered_map(1 if args.serial else min(2, args.seeds)) as mapper:  # seeds are independent runs
        tables = list(mapper(drift, scenarios, seeds, spans))
    table = pd.concat(tables, ignore_index=True)
    d = largest_drift(table)
    between = (f"; +- {d['se_seeds_points']:.2f} from the spread of the {args.seeds} seeds' lines"
               if np.isfinite(d["se_seeds_points"]) else "")
    print(f"largest drift over {d['years']} years (straight line through yearly prevalence): {d['points']:.2f} "
          f"+- {d['se_points']:.2f} points from the residuals{between} ({d['outcome']}, {d['group']}); "
          f"largest first-to-last single-year "
          f"difference {d['single_year_points']:.2f} ({d['single_year_outcome']}, {d['single_year_group']})")
    write_table_and_figure(args.out, "drift", table, drift_figure(table, args.agents))
    return d


def _options(parser) -> None:
    parser.add_argument("--convergence", action="store_true",
                        help="measure the burn-in needed instead (the module's convergence criterion): "
                             "from the initial state for --years years; default 20,000 people, 3 seeds")
    parser.add_argument("--years", type=int, default=60, help="years run with --convergence (default 60)")
    parser.add_argument("--tolerance", type=float, default=TOLERANCE_POINTS,
                        help=f"points a {WINDOW_YEARS}-year mean may sit from the long-run mean "
                             f"(default {TOLERANCE_POINTS})")


def run_convergence(args) -> dict:
    """``experiments/drift.py --convergence``: how many years of burn-in the criterion asks for."""
    from sim.core import checks
    from sim.running.files import write_into
    from sim.running.plots import save

    agents, seeds = args.agents, args.seeds
    years = checks.whole(args.years, "--years", int(np.ceil((WINDOW_YEARS + 1) / TAIL_SHARE)), 1000,
                         unit="years")
    tolerance = checks.number(args.tolerance, "--tolerance", 0.01, 5.0, unit="points")
    table = convergence(Scenario(n_agents=agents), range(seeds), years, progress=not args.quiet)
    settled = settling(table, tolerance)
    need = needed_burn_in(settled)
    print(settled.to_string(index=False, float_format=lambda x: f"{x:.3f}"))
    print(f"burn-in needed: {_years(need, table)} (set by {need['outcome']}, {need['group']}); "
          f"largest noise of a {WINDOW_YEARS}-year mean {need['max_window_noise_points']:.3f} points "
          f"({agents:,} people, {seeds} seeds, {years} years, tolerance {tolerance} points)")
    figure = convergence_figure(table, settled, tolerance)

    def write(tmp) -> None:
        table.to_csv(tmp / "convergence.csv", index=False)
        settled.to_csv(tmp / "settling.csv", index=False)
        save(figure, tmp / "convergence.png")

    write_into(args.out, write)
    return need
