"""The cost-effectiveness study (``painloop cea``): run the standard strategies, then cost them.

The arms are those of the intervention comparison (:func:`sim.studies.compare.standard_arms`:
usual care, each intervention alone, four combinations and stepped care, offered on day 0 to
people with chronic pain), run once for the longest horizon with the experiment runner
(resumable, any executor); every shorter horizon is read from the same runs. Costs and QALYs
are per person of the followed cohort (the people with chronic pain on day 0), counted while
they live (:func:`sim.studies.economics.costs.arm_totals`). The ``lifetime`` horizon runs until
every member has died or reached the exit age (:func:`run_days`: exit minus entry age, 67 years
at the defaults) and continues those who reached it with the life table.

Files written into ``out``: ``cea.md`` (settings, the table per horizon, the frontier, the
verdict at each threshold, EVPI, budget impact, assumptions), ``cea.csv`` (the table),
``ce_plane.png``, ``ceac.png``, ``frontier.png`` (longest horizon), and the runner's store.

Uncertainty: without ``ensemble`` over seeds only (one parameter set, the defaults or the
scenario's). With ``ensemble=N`` (``painloop cea --ensemble N``) every arm runs under N parameter
sets drawn from the parameter ensemble (:mod:`sim.running.ensemble`, docs/uncertainty.md) with
the same seeds (common random numbers); each draw, its costs and QALYs averaged over the seeds, is
one probabilistic-sensitivity-analysis sample (:func:`sim.studies.economics.cea.draw_means`): the
CE plane has a dot per draw, the CEAC and EVPI are over draws, and the table gives intervals over
draws and over seeds apart (:func:`sim.studies.economics.cea.incremental_table_ensemble`). Each
draw is priced with its own parameter set (a cost parameter in the ensemble moves with the draw).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from sim.core.errors import InputError
from sim.core.parameters import CURRENCIES, PARAMS
from sim.core.scenario import Scenario
from sim.running.files import folder_lock, write_into
from sim.running.plots import save
from sim.running.runner import check_experiment, ensemble_draws, run_experiment
from sim.studies.compare import FULL, QUICK, standard_arms
from sim.studies.economics.cea import (acceptability, acceptability_frontier, draw_means, evpi, incremental_table,
                                       incremental_table_ensemble, verdicts)
from sim.studies.economics.costs import (BASES, DAYS_PER_YEAR, DEFAULT_DISCOUNT, METRICS, PERSPECTIVES,
                                         STATES, UnitCosts, arm_totals, sources_table)
from sim.studies.economics.figures import SYMBOL, ce_plane_figure, ceac_figure, frontier_figure
from sim.studies.uncertainty import evppi

DEFAULT_HORIZONS = (1, 5)
DEFAULT_WTP = {"gbp": (20_000.0, 30_000.0), "usd": (50_000.0, 100_000.0, 150_000.0)}
"""NICE: GBP 20,000-30,000 per QALY; US: the USD 50,000 / 100,000 / 150,000 benchmarks (ICER)."""
DEFAULT_POPULATION = 100_000
"""Adults in the population the budget impact and population EVPI are stated for."""
CEAC_POINTS = 61
LIFETIME = "lifetime"
BUDGET_YEARS = 5
"""Years of the budget impact when the only horizon is lifetime (ISPOR budget impact: 1-5 years)."""


@dataclass
class Settings:
    currency: str = "gbp"
    perspective: str = "health_care"
    horizons: tuple = DEFAULT_HORIZONS
    wtp: tuple = ()
    discount_costs: float | None = None
    discount_effects: float | None = None
    per: str = "cohort"
    comparator: str = "baseline"
    population: int = DEFAULT_POPULATION

    def __post_init__(self):
        if self.currency not in CURRENCIES:
            raise InputError(f"currency = {self.currency!r} must be one of {', '.join(CURRENCIES)}")
        if self.perspective not in PERSPECTIVES:
            raise InputError(f"perspective = {self.perspective!r} must be one of {', '.join(PERSPECTIVES)}")
        if self.per not in BASES:
            raise InputError(f"per = {self.per!r} must be one of {', '.join(BASES)}")
        self.wtp = tuple(float(w) for w in (self.wtp or DEFAULT_WTP[self.currency]))
        if any(not np.isfinite(w) or w < 0 for w in self.wtp):
            raise InputError(f"wtp = {list(self.wtp)} must be non-negative amounts per QALY")
        for name in ("discount_costs", "discount_effects"):
            rate = getattr(self, name)
            rate = DEFAULT_DISCOUNT[self.currency] if rate is None else float(rate)
            if not 0.0 <= rate <= 0.2:
                raise InputError(f"{name} = {rate!r} must be a yearly rate in [0, 0.2] (0.035 = 3.5%)")
            setattr(self, name, rate)
        horizons, lifetime = [], False
        for h in self.horizons:
            if h == LIFETIME:
                if self.per != "cohort":
                    raise InputError("horizon 'lifetime' follows a cohort until it has died: it needs per='cohort'")
                lifetime = True
                continue
            if isinstance(h, bool) or not isinstance(h, (int, np.integer)) or not 1 <= h <= 50:
                raise InputError(f"horizon = {h!r} must be a whole number of years in [1, 50] or '{LIFETIME}'")
            horizons.append(int(h))
        if not horizons and not lifetime:
            raise InputError(f"horizons: give at least one horizon in years (or '{LIFETIME}')")
        self.horizons = tuple(sorted(set(horizons))) + ((LIFETIME,) if lifetime else ())
        if isinstance(self.population, bool) or not isinstance(self.population, (int, np.integer)) \
                or self.population < 1:
            raise InputError(f"population = {self.population!r} must be a positive whole number of adults")

    @property
    def years(self) -> tuple[int, ...]:
        """The horizons given in years (without ``lifetime``)."""
        return tuple(h for h in self.horizons if h != LIFETIME)

    @property
    def budget_years(self) -> int:
        """Years of the budget impact table: the longest horizon in years, else 5 (ISPOR's usual)."""
        return max(self.years, default=BUDGET_YEARS)


def horizon_days(horizon) -> int | None:
    """A horizon in days (``None`` for lifetime: to the end of the run and the life table's end)."""
    return None if horizon == LIFETIME else int(horizon) * DAYS_PER_YEAR


def horizon_label(horizon) -> str:
    """How the report names a horizon: ``5-year`` or ``lifetime``."""
    return "lifetime" if horizon == LIFETIME else f"{horizon}-year"


def run_days(settings: Settings, scenario: Scenario) -> int:
    """Days to simulate: the longest horizon in years, or for ``lifetime`` until every cohort member
    has died or reached the exit age -- at most (exit age - entry age) years of ageing, since
    nobody is younger than the entry age on day 0 (ages advance 1/365.25 year a day)."""
    days = max(settings.years, default=0) * DAYS_PER_YEAR
    if LIFETIME in settings.horizons:
        from sim.core.demography import DAYS_PER_YEAR as AGEING_DAYS

        span = scenario.values["exit_age_years"] - scenario.values["entry_age_years"]
        days = max(days, int(np.ceil(span * AGEING_DAYS)) + 1)
    return days


@dataclass
class CEA:
    """What :func:`cost_effectiveness` and :func:`analyse` return."""

    table: pd.DataFrame
    """One row per (horizon, arm): costs, QALYs, differences to the comparator with 95%
    intervals, frontier status, ICER, and NMB at each threshold."""
    totals: pd.DataFrame
    """Per (horizon, arm, seed): discounted costs by component and QALYs per person."""
    verdicts: pd.DataFrame
    ceac: pd.DataFrame
    evpi: pd.DataFrame
    budget: pd.DataFrame
    settings: Settings
    costs: UnitCosts
    cohort_share: float
    folder: Path | None = None
    failed: list = field(default_factory=list)
    draws: tuple = ()
    """The parameter sets of an ensemble run (one per draw; empty: one parameter set, over seeds
    only). ``totals`` then has a ``draw`` column, and ``verdicts``, ``ceac`` and ``evpi`` are over
    draws."""
    ensemble_source: str = ""
    """Where the draws came from (the shipped ensemble or a file's name)."""
    evppi: pd.DataFrame = field(default_factory=pd.DataFrame)
    """Of an ensemble run: per horizon, threshold and varied parameter, the expected value of
    partial perfect information about that parameter for the choice of arm on net benefit
    (:func:`net_benefit_evppi`); empty without draws."""

    @property
    def samples(self) -> str:
        """What the CEAC, the probability of being best and EVPI are over: ``draws`` or ``seeds``."""
        return "draws" if self.draws else "seeds"


def _wide(long: pd.DataFrame) -> pd.DataFrame:
    """The metrics economics reads, one column each (the full pivot is many times larger)."""
    names = pd.Index(pd.unique(long["metric"]).astype(str) if long["metric"].dtype != "category"
                     else long["metric"].cat.categories.astype(str))
    wanted = names[names.str.startswith("cohort_") | names.str.endswith(("_sessions", "_started"))
                   | names.isin(["utility_mean", *STATES])]
    part = long[long["metric"].isin(wanted)]
    part = part.assign(metric=part["metric"].astype(str))
    index = ["arm", "seed", "draw", "day"] if "draw" in part else ["arm", "seed", "day"]
    wide = part.set_index([*index, "metric"])["value"].unstack("metric").reset_index()
    wide.columns.name = None
    return wide


class _Pricing:
    """How each part of a run is costed: one (arms, unit costs) for a plain run; for an ensemble
    run, per draw the arms under that draw's parameter set and their unit costs (unless ``costs``
    is given: then those price every draw)."""

    def __init__(self, arms: dict, settings: Settings, costs: UnitCosts | None, draws: tuple):
        self.costs = costs or UnitCosts.from_values(arms[settings.comparator].values, settings.currency)
        self.arms, self.by_draw = arms, []
        for d in draws:
            own = {name: scenario.replace(**d) for name, scenario in arms.items()}
            self.by_draw.append((own, costs or UnitCosts.from_values(own[settings.comparator].values,
                                                                     settings.currency)))

    def totals(self, wide: pd.DataFrame, horizon_days, perspective: str, per: str,
               discount_costs: float = 0.0, discount_effects: float = 0.0) -> pd.DataFrame:
        """:func:`arm_totals` of the run; per (arm, seed, draw) for an ensemble run."""
        if "draw" not in wide:
            return arm_totals(wide, self.arms, self.costs, horizon_days, perspective, per,
                              discount_costs, discount_effects)
        parts = []
        for d, frame in wide.groupby("draw", sort=True):
            arms, costs = self.by_draw[int(d)]
            tot = arm_totals(frame, arms, costs, horizon_days, perspective, per, discount_costs, discount_effects)
            tot.insert(2, "draw", int(d))
            parts.append(tot)
        return pd.concat(parts, ignore_index=True)


def analyse(long: pd.DataFrame, arms: dict, settings: Settings, costs: UnitCosts | None = None,
            n_agents: int | None = None, draws=None) -> CEA:
    """The whole analysis from a runner's long result table and the arms' scenarios.

    ``costs`` defaults to the comparator arm's unit costs in ``settings.currency``. An ensemble
    run's table (with a ``draw`` column, ``run_experiment(..., ensemble=N)``) needs ``draws``, the
    parameter sets it ran (:func:`sim.running.runner.ensemble_draws`): each draw is priced under
    its own set and is one sample of the CEAC and EVPI (module docstring).
    """
    if settings.comparator not in arms:
        raise InputError(f"comparator arm '{settings.comparator}' is not among the arms: {', '.join(arms)}")
    draws = tuple(draws or ())
    if ("draw" in long) != bool(draws):
        raise ValueError("an ensemble run's table (it has a 'draw' column) is analysed with draws=, the parameter "
                         "sets it ran (ensemble_draws(N, file)); a plain run's without" if "draw" in long else
                         "draws= was given but the table has no 'draw' column: it is not an ensemble run")
    if draws and int(long["draw"].max()) >= len(draws):
        raise ValueError(f"the table has draw {int(long['draw'].max())}, but only {len(draws)} parameter sets were given")
    pricing = _Pricing(arms, settings, costs, draws)
    costs = pricing.costs
    wide = _wide(long)
    last = int(wide["day"].max())
    longest = max(settings.years, default=0)
    if longest * DAYS_PER_YEAR > last:
        raise InputError(f"horizon of {longest} years needs {longest * DAYS_PER_YEAR} days; the run has {last}")
    rows, totals, verdict_rows, curves, values, partial = [], [], [], [], [], []
    grid = np.unique(np.concatenate([np.linspace(0, 3 * max(settings.wtp), CEAC_POINTS), settings.wtp]))
    cohort_share = float(wide.loc[wide["day"] == 0, "cohort_size"].mean()
                         / (n_agents or arms[settings.comparator].n_agents))
    people = settings.population * (cohort_share if settings.per == "cohort" else 1.0)
    by = "draw" if draws else "seed"
    for h in settings.horizons:
        tot = pricing.totals(wide, horizon_days(h), settings.perspective, settings.per,
                             settings.discount_costs, settings.discount_effects)
        # the samples of the CEAC and EVPI: seeds, or parameter draws each averaged over the seeds
        samples = draw_means(tot) if draws else tot
        table = incremental_table_ensemble(tot, settings.comparator) if draws else incremental_table(tot, settings.comparator)
        nmb = samples.assign(**{f"nmb_{w:.0f}": w * samples["qalys"] - samples["cost"] for w in settings.wtp})
        means = nmb.groupby("arm", sort=False)[[f"nmb_{w:.0f}" for w in settings.wtp]].mean()
        table = table.join(means, on="arm")
        table.insert(0, "horizon_years", h)
        rows.append(table)
        totals.append(tot.assign(horizon_years=h))
        verdict_rows.append(verdicts(samples, settings.wtp, by).assign(horizon_years=h))
        curve = acceptability(samples, grid, by)
        if draws:  # the acceptability frontier: the arm of largest mean NMB at each threshold
            curve = acceptability_frontier(curve, samples, by)
        curves.append(curve.assign(horizon_years=h))
        values.append(evpi(samples, settings.wtp, people, by).assign(horizon_years=h))
        if draws:
            partial.append(net_benefit_evppi(samples, draws, settings.wtp, people).assign(horizon_years=h))
    return CEA(pd.concat(rows, ignore_index=True), pd.concat(totals, ignore_index=True),
               pd.concat(verdict_rows, ignore_index=True), pd.concat(curves, ignore_index=True),
               pd.concat(values, ignore_index=True), budget_impact(wide, arms, costs, settings, cohort_share, pricing),
               settings, costs, cohort_share, draws=draws,
               evppi=pd.concat(partial, ignore_index=True) if partial else pd.DataFrame())


def net_benefit_evppi(samples: pd.DataFrame, draws: tuple, wtp, people: float = 1.0) -> pd.DataFrame:
    """Expected value of partial perfect information about each varied parameter of the draws,
    for choosing the arm of largest net monetary benefit at each threshold (Strong & Oakley's
    regression method, :func:`sim.studies.uncertainty.evppi`; docs/uncertainty.md).

    ``samples``: per (arm, draw) costs and QALYs (:func:`draw_means`); ``draws``: the parameter
    set of each draw. Returns per threshold and parameter ``evppi_per_person``,
    ``evppi_population`` (times ``people``), ``evpi_per_person`` and ``share`` (EVPPI / EVPI),
    largest first; no rows when no parameter varies. With few distinct draws (8 or fewer) each
    parameter's smoother takes one mean per value, so a parameter that tells the draws apart
    gets the whole EVPI.
    """
    params = pd.DataFrame(list(draws)).astype(float)
    params = params.loc[:, params.nunique() > 1]
    rows = []
    if params.empty:
        return pd.DataFrame(columns=["wtp", "parameter", "evppi_per_person", "evppi_population", "evpi_per_person",
                                     "share"])
    for w in wtp:
        nmb = samples.assign(nmb=float(w) * samples["qalys"] - samples["cost"])
        values = nmb.pivot_table(index="draw", columns="arm", values="nmb", observed=True).sort_index()
        found = evppi(values, params.iloc[values.index.to_numpy()].reset_index(drop=True))
        for _, r in found.iterrows():
            rows.append({"wtp": float(w), "parameter": r["parameter"], "evppi_per_person": r["evppi"],
                         "evppi_population": r["evppi"] * people, "evpi_per_person": r["evpi"],
                         "share": r["share"]})
    return pd.DataFrame(rows)


def budget_impact(wide: pd.DataFrame, arms: dict, costs: UnitCosts, settings: Settings,
                  cohort_share: float, pricing: _Pricing | None = None) -> pd.DataFrame:
    """Undiscounted health-care spending per year for ``settings.population`` adults, of whom
    the eligible share (people with chronic pain) is offered each strategy (ISPOR budget impact:
    payer's view, no discounting), and the difference to the comparator. An ensemble run
    (``pricing`` with draws): means over draws and seeds."""
    pricing = pricing or _Pricing(arms, settings, costs, ())
    eligible = settings.population * cohort_share
    by_year = []
    previous = None
    for year in range(1, min(settings.budget_years, int(wide["day"].max()) // DAYS_PER_YEAR) + 1):
        tot = pricing.totals(wide, year * DAYS_PER_YEAR, "health_care", "cohort")
        mean = tot.groupby("arm", sort=False)[["cost", "cost_interventions"]].mean()
        spend = mean if previous is None else mean - previous
        previous = mean
        ref = spend.loc[settings.comparator, "cost"]
        for arm, row in spend.iterrows():
            by_year.append({"arm": arm, "year": year, "eligible_people": eligible,
                            "spend": row["cost"] * eligible, "interventions": row["cost_interventions"] * eligible,
                            "difference": (row["cost"] - ref) * eligible})
    return pd.DataFrame(by_year)


def cost_effectiveness(base: Scenario | None = None, out="results/cea", quick: bool = False,
                       seeds: int | None = None, executor: str = "processes", progress: bool = True,
                       overwrite: bool = False, ensemble: int | None = None, ensemble_file=None,
                       **settings) -> CEA:
    """Run the standard strategies for the longest horizon and write the analysis into ``out``.

    ``settings`` are those of :class:`Settings` (currency, perspective, horizons, wtp,
    discount_costs, discount_effects, per, population). ``overwrite`` replaces a result store
    in ``out`` made with other settings (else refused). ``ensemble``: run every arm over this
    many parameter draws (module docstring), from ``ensemble_file`` or the shipped ensemble
    (refused before anything runs, with how to make it, while there is none). Returns the
    :class:`CEA`; its ``table`` is the DataFrame of ``cea.csv``.
    """
    chosen = Settings(**settings)
    base = Scenario() if base is None else base
    if quick:
        base = base.replace(n_agents=min(base.n_agents, QUICK["n_agents"]))
    n_seeds = seeds if seeds is not None else (QUICK if quick else FULL)["seeds"]
    base = base.replace(days=run_days(chosen, base))
    arms = standard_arms(base)
    check_experiment(arms, n_seeds, out, executor, cohort="chronic_pain", metrics=METRICS, ensemble=ensemble,
                     ensemble_file=ensemble_file)
    draws = ensemble_draws(ensemble, ensemble_file)
    with folder_lock(out):  # the store and the report made from it come from one run
        # Only what economics reads is kept while the runs go (the lifetime horizon is 67 years of days).
        result = run_experiment(arms, seeds=n_seeds, out=out, executor=executor, cohort="chronic_pain",
                                progress=progress, overwrite=overwrite, metrics=METRICS, ensemble=ensemble,
                                ensemble_file=ensemble_file)
        cea = analyse(result.table, arms, chosen, draws=draws)
        cea.folder, cea.failed = Path(out), result.failed
        if draws:
            cea.ensemble_source = ("the shipped ensemble" if ensemble_file is None
                                   else f"ensemble file {Path(ensemble_file).name}")
            title = (f"painloop cea --ensemble {ensemble}: {base.n_agents:,} people, {n_seeds} seeds x {ensemble} "
                     f"parameter draws ({cea.ensemble_source}); strategies offered on day 0 to people with "
                     f"chronic pain")
        else:
            title = (f"painloop cea: {base.n_agents:,} people, {n_seeds} seeds; strategies offered on day 0 to "
                     f"people with chronic pain")
        write_report(cea, Path(out), title=title)
    return cea


def _horizon_words(h) -> str:
    if h == LIFETIME:
        return "lifetime (until every member died or reached the exit age, then the life table)"
    return f"{h} year" + ("s" if h > 1 else "")


def _money(x: float, sym: str) -> str:
    """A whole amount with its symbol, the minus sign before it; blank for NaN. Rounded before the
    sign is chosen, so a tiny negative (an EVPI of -0.3 from floating-point sums) reads £0, not -£0."""
    if not np.isfinite(x):
        return ""
    whole = round(float(x)) or 0  # round() of -0.3 is 0 (int), never -0.0
    return f"-{sym}{-whole:,}" if whole < 0 else f"{sym}{whole:,}"


def _ci(mean: float, lo: float, hi: float, fmt) -> str:
    return fmt(mean) + (f" [{fmt(lo)}, {fmt(hi)}]" if np.isfinite(lo) else "")


def _ensemble_cell(r, key: str, fmt) -> str:
    """'mean [parameters lo, hi] (seeds lo, hi)' of an ensemble table's difference ``key``."""
    cell = f"{fmt(r[key])} [{fmt(r[key + '_param_lo'])}, {fmt(r[key + '_param_hi'])}]"
    if np.isfinite(r[key + "_noise_lo"]):
        cell += f" ({fmt(r[key + '_noise_lo'])}, {fmt(r[key + '_noise_hi'])})"
    return cell


def markdown_table(table: pd.DataFrame, currency: str) -> str:
    """The table of one horizon as Markdown, sorted by cost (of an ensemble run: each difference
    with its 95% interval over parameter draws in brackets and over seeds in parentheses, and the
    share of draws in which the arm is on the frontier)."""
    sym = SYMBOL[currency]
    money = lambda x: _money(x, sym)  # noqa: E731
    if "d_cost_param_lo" in table:
        lines = ["| arm | cost | QALYs | incremental cost [95% over parameters] (95% over seeds) | incremental "
                 "QALYs [95% over parameters] (95% over seeds) | status | on the frontier (share of draws) | "
                 "ICER (vs) |", "|---|---:|---:|---:|---:|---|---:|---|"]
        for _, r in table.sort_values("cost").iterrows():
            icer = f"{money(r['icer'])} per QALY (vs {r['icer_versus']})" if np.isfinite(r["icer"]) else ""
            lines.append(f"| {r['arm']} | {money(r['cost'])} | {r['qalys']:.4f} | "
                         f"{_ensemble_cell(r, 'd_cost', money)} | "
                         f"{_ensemble_cell(r, 'd_qalys', lambda x: f'{x:+.4f}')} | "
                         f"{r['status']} | {100 * r['p_frontier']:.0f}% | {icer} |")
        return "\n".join(lines)
    lines = ["| arm | cost | QALYs | incremental cost [95% CI] | incremental QALYs [95% CI] | status | ICER (vs) |",
             "|---|---:|---:|---:|---:|---|---|"]
    for _, r in table.sort_values("cost").iterrows():
        icer = f"{money(r['icer'])} per QALY (vs {r['icer_versus']})" if np.isfinite(r["icer"]) else ""
        lines.append(f"| {r['arm']} | {money(r['cost'])} | {r['qalys']:.4f} | "
                     f"{_ci(r['d_cost'], r['d_cost_lo'], r['d_cost_hi'], money)} | "
                     f"{_ci(r['d_qalys'], r['d_qalys_lo'], r['d_qalys_hi'], lambda x: f'{x:+.4f}')} | "
                     f"{r['status']} | {icer} |")
    return "\n".join(lines)


def report_lines(cea: CEA, title: str) -> list[str]:
    """The cost-effectiveness report in Markdown lines: settings, then per horizon the table,
    frontier and net-benefit verdicts, then the budget impact.
    """
    s, c = cea.settings, cea.costs
    sym = SYMBOL[s.currency]
    money = lambda x: _money(x, sym)  # noqa: E731
    seeds = int(cea.table["n_seeds"].max())
    n_draws = len(cea.draws)
    if n_draws:
        intervals = (f"each draw of the parameter ensemble ({n_draws} draws, {seeds} seeds each, common random "
                     f"numbers) is one sample: its costs and QALYs averaged over the seeds; means are over the "
                     f"draws; in brackets the 95% interval of the paired difference over the draws (parameter "
                     f"uncertainty), in parentheses its 95% t-interval over the seeds (simulation noise of the "
                     f"mean); the CE plane, acceptability curves and EVPI are over the draws.")
    else:
        intervals = f"intervals are 95% t-intervals of the paired difference over {seeds} seeds."
    lines = [f"# {title}", "",
             f"Per person with chronic pain on day 0 ({100 * cea.cohort_share:.1f}% of adults); "
             f"{s.currency.upper()}, {s.perspective.replace('_', '-')} perspective; costs discounted at "
             f"{100 * s.discount_costs:g}% and QALYs at {100 * s.discount_effects:g}% a year; "
             f"horizons {', '.join(_horizon_words(h) for h in s.horizons)}; comparator "
             f"`{s.comparator}`; {intervals}", ""]
    for h in s.horizons:
        part = cea.table[cea.table["horizon_years"] == h]
        lines += [f"## {horizon_label(h).capitalize()} horizon", "", markdown_table(part, s.currency), ""]
        if h == LIFETIME:
            tot = cea.totals[cea.totals["horizon_years"] == h]
            after = tot.groupby("arm", sort=False)[["life_years", "life_years_after_exit", "qalys_after_exit"]].mean()
            lines += [f"Undiscounted life-years per person {after['life_years'].min():.2f}-"
                      f"{after['life_years'].max():.2f} across arms, of which "
                      f"{after['life_years_after_exit'].mean():.2f} past the exit age (life table); discounted QALYs "
                      f"past the exit age {after['qalys_after_exit'].mean():.4f} per person in every arm "
                      "(survival does not depend on the interventions).", ""]
        front = part[part["status"] == "frontier"].sort_values("cost")
        lines += ["Efficiency frontier (cheapest first): " + " -> ".join(f"`{a}`" for a in front["arm"]) + "."
                  + (" Of the means; the table's last column but one says in what share of the draws each arm "
                     "is on that draw's own frontier." if n_draws else ""), ""]
        over = "parameter draws" if n_draws else "seeds"
        for _, v in cea.verdicts[cea.verdicts["horizon_years"] == h].iterrows():
            value = cea.evpi[(cea.evpi["horizon_years"] == h) & (cea.evpi["wtp"] == v["wtp"])].iloc[0]
            lines.append(f"- At {money(v['wtp'])} per QALY: **{v['best']}** has the largest net monetary "
                         f"benefit ({money(v['nmb_best'])} per person; best in {100 * v['p_best']:.0f}% of "
                         f"{cea.samples}). EVPI over {over} {money(value['evpi_per_person'])} per person, "
                         f"{money(value['evpi_population'])} for the {s.population:,}-adult population's "
                         f"eligible people.")
            if not cea.evppi.empty and value["evpi_per_person"] > 0:  # EVPI 0: no parameter is worth learning
                part_v = cea.evppi[(cea.evppi["horizon_years"] == h) & (cea.evppi["wtp"] == v["wtp"])].head(5)
                if len(part_v):
                    lines.append("  EVPPI per person (share of EVPI), the parameters worth most to learn: " + "; ".join(
                        f"`{r['parameter']}` {money(r['evppi_per_person'])}"
                        + (f" ({100 * r['share']:.0f}%)" if np.isfinite(r["share"]) else "")
                        for _, r in part_v.iterrows()) + ".")
        lines.append("")
    budget = cea.budget
    lines += ["## Budget impact", "",
              f"Undiscounted health-care spending per year for {s.population:,} adults, of whom "
              f"{budget['eligible_people'].iloc[0]:,.0f} have chronic pain and are offered the strategy "
              f"(difference to `{s.comparator}`; intervention costs in brackets).", "",
              "| arm | " + " | ".join(f"year {y}" for y in sorted(budget["year"].unique())) + " |",
              "|---|" + "---:|" * budget["year"].nunique()]
    for arm, part in budget.groupby("arm", sort=False):
        cells = [f"{money(r['difference'])} ({money(r['interventions'])})" for _, r in part.sort_values("year").iterrows()]
        lines.append(f"| {arm} | " + " | ".join(cells) + " |")
    lines += ["", "## Assumptions", "",
              "- Utility: EQ-5D-3L with the UK tariff (Dolan 1997), pain NRS mapped to the pain/discomfort "
              "dimension (Dixon 2011 anchors), PHQ-9 to anxiety/depression (Kroenke 2001 bands), high-impact "
              "pain to usual activities; each loss is counted once (`sim/core/utility.py`). Mobility and "
              "self-care are not modelled. The same utility mapping is used for the US set.",
              f"- Unit costs ({s.currency.upper()}, `painloop params --group costs`): per session "
              + ", ".join(f"{k} {money(v)}" if v >= 1 else f"{k} {sym}{v:.2f}" for k, v in c.session.items())
              + "; excess health-care cost per person-year: chronic pain only "
              f"{money(c.year['chronic_pain'])}, depression only {money(c.year['depression'])}, both "
              f"{money(c.year['comorbid'])}"
              + (f"; lost work valued at {money(c.work_day)} a day" if s.perspective == "societal" else "")
              + ". Price years are those of each source, not inflated to one year (UK set 2008/09-2009, "
              "generic duloxetine a 2020s price, Rayner 2016's year not stated; US set 2005, 2014, 2021, 2022 and 2025): no inflation index values "
              "(ONS/PSSRU, CPI-U medical care) were verified in a readable source. Every unit cost and its "
              "source is listed below.",
              _uncertainty_words(cea, seeds),
              "- Deaths: members die with the US 2011 life table by age and sex and leave at the exit age "
              "(`sim/core/demography.py`); costs and QALYs stop at death (an entrant who takes a dead "
              "member's place is not counted). Deaths do not depend on pain, depression or the "
              "interventions in this model, so every arm has the same survival and QALY gains come from "
              "quality of life only. Members who reach the exit age alive continue, until the horizon "
              "(lifetime: to the end of the life table), with the table's survival, the general-population "
              "EQ-5D of their age and sex (Ara & Brazier 2010) and a health-care cost of "
              f"{money(c.after_exit_year)} a year (`cost_after_exit_year_{s.currency}`), the same in every arm.",
              "- Everyone offered counts (intention to treat); interventions reach only the cohort in "
              "these arms; spill-overs to other people through the network are not costed or counted.",
              "", "![CE plane](ce_plane.png)", "", "![CEAC](ceac.png)", "", "![frontier](frontier.png)", "",
              "## Unit costs and their sources", "",
              "The table's defaults (a scenario or TOML file may set any of them; `painloop params --group "
              "costs`). Each intervention kind declares its own in `sim/interventions/kinds.py`.", "",
              sources_table(), ""]
    return lines


def _uncertainty_words(cea: CEA, seeds: int) -> str:
    """The assumptions' bullet on which uncertainty the report shows."""
    if not cea.draws:
        return ("- Uncertainty is over seeds only (the simulated town's history, at one parameter set); "
                "`painloop cea --ensemble N` carries parameter uncertainty through (the parameter ensemble, "
                "docs/uncertainty.md). Without it the CEAC and EVPI understate what is not known.")
    names = list(cea.draws[0])
    distinct = len({tuple(sorted(d.items())) for d in cea.draws})
    costs = [n for n in names if PARAMS[n].group == "costs"]
    return (f"- Uncertainty is over parameters and seeds: {len(cea.draws)} draws ({distinct} distinct parameter "
            f"sets of {len(names)} varied parameters) from {cea.ensemble_source or 'the parameter ensemble'}, "
            "resampled by weight, so every draw weighs the same (docs/uncertainty.md); every draw ran with the "
            f"same {seeds} seeds (common random numbers) and its costs and QALYs are averaged over them, one "
            "probabilistic-sensitivity-analysis sample per draw. The CE plane (one dot per draw), the "
            "acceptability curves and frontier, the probability of being best and EVPI are over draws. A draw's "
            "seed-average still holds some simulation noise, which widens the spread over draws and raises EVPI "
            "a little; the interval over seeds in the table shows the size of that noise. "
            + (f"Unit costs vary with the draws ({', '.join(costs)})." if costs else
               "Unit costs are not in the ensemble: they are the table's (or the scenario's) in every draw."))


def write_report(cea: CEA, out: Path, title: str) -> Path:
    """Write cea.md, cea.csv and the three figures (longest horizon) into ``out``."""
    s = cea.settings
    h = s.horizons[-1]  # the longest: years sorted, lifetime last
    longest = cea.table[cea.table["horizon_years"] == h]
    suffix = f" ({horizon_label(h)} horizon, {s.currency.upper()}, {s.perspective.replace('_', '-')})"

    def write(tmp: Path) -> None:
        cea.table.to_csv(tmp / "cea.csv", index=False)
        (tmp / "cea.md").write_text("\n".join(report_lines(cea, title)), encoding="utf-8")
        tot = cea.totals[cea.totals["horizon_years"] == h]
        if cea.draws:  # one dot per parameter draw, its seeds averaged
            save(ce_plane_figure(draw_means(tot), s.comparator, s.wtp, s.currency, "Cost-effectiveness plane over "
                                 f"{len(cea.draws)} parameter draws" + suffix, by="draw"), tmp / "ce_plane.png")
        else:
            save(ce_plane_figure(tot, s.comparator, s.wtp, s.currency, "Cost-effectiveness plane" + suffix),
                 tmp / "ce_plane.png")
        save(ceac_figure(cea.ceac[cea.ceac["horizon_years"] == h], s.currency, s.wtp,
                         "Acceptability curves" + suffix, samples=cea.samples), tmp / "ceac.png")
        save(frontier_figure(longest, s.currency, "Efficiency frontier" + suffix), tmp / "frontier.png")

    return write_into(out, write)
