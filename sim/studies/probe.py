"""What would this parameter change do to the targets? A paired what-if over the survey targets.

Tuning the natural history is a tug of war: most parameters move several targets at once, and
many targets sit near an edge of their band (``docs/validation_notes.md``, "What one parameter
moves"). :func:`probe` runs the epidemiological survey of ``painloop validate`` (no virtual trials)
twice with the same seeds -- at the defaults and with the changes -- so the difference between the
two columns is the change's effect, with far less seed noise than either column alone, and says
which targets enter or leave their bands.

Run it as::

    python experiments/probe_targets.py --set sleep_to_sensitivity_weight=2.4 --set pain_bias=-4.75
        [--agents N] [--seeds N] [--quick] [--out DIR]

``--set`` takes a parameter of the table (``painloop params``) or a group scale of the stage-1
calibration (:data:`sim.studies.calibration.STAGE1`, e.g. ``mood_loop_scale=1.2``: each member is
its base times the scale). It writes ``probe.csv`` (one row per survey target: band, default,
probe, both in-band flags, the paired difference and its 95% interval over seeds) and
``probe.png`` into ``--out`` (default ``results/probe_targets``), and prints the targets that
changed side. ``--grid NAME=V1,V2,...`` (repeat for more names) probes every combination of the
values -- the defaults run once, every point is paired with them -- and writes ``grid.csv``,
``grid_ranking.csv`` (targets in band per point, best first) and ``grid.png`` (targets x points);
session 10 searched the rumination switch this way. ``--summarise DIR`` gathers the probes saved in DIR's subfolders into one table and a
targets x probes figure (``probe_summary.csv``, ``probe_summary.png``). Defaults: 10,000 people and 3 seeds, the size validation uses per seed (about 3
minutes on 2 cores; ``--quick``: 4,000 people, 2 seeds). A probe is not a calibration: a value it
suggests becomes a default only through ``experiments/calibrate.py`` (a start set by hand, with its
reason) or as a parameter set by hand with its source.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.core.errors import InputError
from sim.core.parameters import PARAMS
from sim.core.scenario import Scenario
from sim.running.files import write_into
from sim.running.plots import save
from sim.running.pool import ordered_map
from sim.running.scripts import parse_args, write_table_and_figure
from sim.studies import calibration
from sim.studies.targets import TARGETS_BY_ID, _mean_interval, evaluate, measure


def parse_changes(items: list[str]) -> dict[str, float]:
    """``["NAME=VALUE", ...]`` -> parameter values, group scales applied to their members' bases.

    Raises:
        InputError: an item without ``=``, an unknown name, a value that is not a number, a name
            given twice, or a group scale given together with one of its members. Values outside a
            parameter's range are refused by :class:`Scenario`, which names the range.
    """
    groups = {f.name: f for f in calibration.STAGE1 if f.members}  # the stage-1 group scales
    changes: dict[str, float] = {}
    set_by: dict[str, str] = {}
    for item in items:
        name, sep, text = item.partition("=")
        name = name.strip()
        if not sep:
            raise InputError(f"--set {item!r}: expected NAME=VALUE, e.g. --set pain_bias=-4.8")
        if name not in PARAMS and name not in groups:
            raise InputError(f"--set {item!r}: unknown parameter {name!r}; a parameter of the table "
                             f"(painloop params) or a group scale ({', '.join(groups)})")
        try:
            value = float(text)
        except ValueError:
            raise InputError(f"--set {item!r}: value {text!r} is not a number") from None
        # a group scale sets its members as the calibration does (each member's base times the scale)
        values = calibration.values_at({name: value}, (groups[name],)) if name in groups else {name: value}
        for member in values:
            if member in set_by:
                raise InputError(f"--set {name}: {member} is already set by --set {set_by[member]}; "
                                 "give each parameter once (directly or through its group scale)")
            set_by[member] = name
        changes.update(values)
    return {k: round(v) if PARAMS[k].kind is int else v for k, v in changes.items()}


def _survey(job) -> pd.DataFrame:
    scenario, seed, n_agents = job
    return measure(scenario, seeds=(seed,), n_agents=n_agents, trials=False)


def probe(changes: dict[str, float], seeds=(0, 1, 2), n_agents: int = 10_000, mapper=map) -> pd.DataFrame:
    """Every survey target at the defaults and with ``changes``, the same seeds for both.

    Args:
        changes: parameter -> value (table names; see :func:`parse_changes`).
        seeds: the seeds, shared by both columns (common random numbers).
        n_agents: people per survey.
        mapper: ``map`` or a pool's ``map`` over (scenario, seed, people) jobs.

    Returns:
        One row per survey target: id, target, band_low, band_high, default, probe, in_default,
        in_probe, difference (probe - default, mean over seeds) and its 95% interval over seeds.
    """
    return probe_many([changes], seeds, n_agents, mapper)[0]


def probe_many(change_sets: list[dict[str, float]], seeds=(0, 1, 2), n_agents: int = 10_000,
               mapper=map) -> list[pd.DataFrame]:
    """:func:`probe` for several sets of changes: the defaults run once, each set is paired with them."""
    changed = [Scenario(**c) for c in change_sets]  # refuses an out-of-range value before running
    jobs = [(s, seed, n_agents) for s in (Scenario(), *changed) for seed in seeds]
    tables = list(mapper(_survey, jobs))
    k = len(seeds)
    default = pd.concat(tables[:k], ignore_index=True)
    return [_paired(default, pd.concat(tables[(i + 1) * k:(i + 2) * k], ignore_index=True), changes)
            for i, changes in enumerate(change_sets)]


def _paired(default: pd.DataFrame, altered: pd.DataFrame, changes: dict[str, float]) -> pd.DataFrame:
    e0, e1 = evaluate(default), evaluate(altered)
    said = describe(changes)
    rows = []
    for (_, a), (_, b) in zip(e0.iterrows(), e1.iterrows()):
        key = TARGETS_BY_ID[a["id"]].key
        diff, lo, hi = _mean_interval(altered[key] - default[key])
        rows.append({"changes": said, "id": a["id"], "target": a["target"], "scale": a["scale"],
                     "band_low": a["band_low"],
                     "band_high": a["band_high"], "default": a["model"], "probe": b["model"],
                     "in_default": bool(a["within"]), "in_probe": bool(b["within"]),
                     "difference": diff, "difference_lo": lo, "difference_hi": hi})
    return pd.DataFrame(rows)


MAX_GRID_POINTS = 64
"""The most points ``--grid`` runs (each costs one survey per seed)."""


def parse_grid(items: list[str], fixed: dict[str, float]) -> list[dict[str, float]]:
    """``["NAME=V1,V2,...", ...]`` -> one change set per combination of values (the last name varies
    fastest), each with the ``fixed`` changes of ``--set`` added.

    Raises:
        InputError: an item without ``=`` or with fewer than two values, a name given twice (also
            through ``--set`` or a group scale), a value that is not a number, or more than
            :data:`MAX_GRID_POINTS` combinations.
    """
    axes = []
    for item in items:
        name, sep, text = item.partition("=")
        values = [v.strip() for v in text.split(",") if v.strip()]
        if not sep or len(values) < 2:
            raise InputError(f"--grid {item!r}: expected NAME=V1,V2,... with two or more values")
        axes.append([f"{name.strip()}={v}" for v in values])
    points = 1
    for axis in axes:
        points *= len(axis)
    if points > MAX_GRID_POINTS:
        raise InputError(f"--grid: {points} combinations; at most {MAX_GRID_POINTS} (each costs one survey "
                         "per seed): give fewer values")
    fixed_items = [f"{k}={v!r}" for k, v in fixed.items()]
    return [parse_changes([*combination, *fixed_items]) for combination in itertools.product(*axes)]


def describe(changes: dict[str, float]) -> str:
    """The changes as one line, ``name=value`` joined by commas."""
    return ", ".join(f"{k}={v:.4g}" for k, v in changes.items())


def summary(folder) -> pd.DataFrame:
    """Every ``probe.csv`` under ``folder`` (one probe per subfolder) as one table: one row per
    target and probe, with the difference in band widths (``shift``: (probe - default) / (band_high -
    band_low)) and whether the target entered or left its band."""
    tables = [pd.read_csv(path) for path in sorted(Path(folder).glob("*/probe.csv"))]
    if not tables:
        raise InputError(f"--summarise {folder}: no probe.csv in its subfolders; run probes with "
                         f"--out {folder}/NAME first")
    return with_shift(pd.concat(tables, ignore_index=True))


def with_shift(table: pd.DataFrame) -> pd.DataFrame:
    """Probe tables with ``shift`` ((probe - default) / band width) and ``moved`` (``enters``,
    ``leaves`` or empty) added."""
    table = table.copy()
    table["shift"] = (table["probe"] - table["default"]) / (table["band_high"] - table["band_low"])
    table["moved"] = np.select([~table["in_default"] & table["in_probe"], table["in_default"] & ~table["in_probe"]],
                               ["enters", "leaves"], "")
    return table


def grid_ranking(table: pd.DataFrame) -> pd.DataFrame:
    """One row per grid point: targets in band with the changes (and at the defaults), how many enter
    and leave, best first."""
    rows = table.groupby("changes", sort=False).agg(in_band=("in_probe", "sum"), at_defaults=("in_default", "sum"),
                                                    enter=("moved", lambda m: int((m == "enters").sum())),
                                                    leave=("moved", lambda m: int((m == "leaves").sum())))
    return rows.sort_values(["in_band", "leave"], ascending=[False, True], kind="stable").reset_index()


def summary_figure(table: pd.DataFrame, title: str = "what one change moves (+ enters its band, x leaves it)") -> Figure:
    """Targets x probes: how far each probe moves each target, in band widths (blue down, red up);
    a cell is marked + where the target enters its band and x where it leaves it."""
    ids = list(dict.fromkeys(table["id"]))
    probes = list(dict.fromkeys(table["changes"]))
    grid = table.pivot(index="id", columns="changes", values="shift").loc[ids, probes]
    moved = table.pivot(index="id", columns="changes", values="moved").loc[ids, probes]
    fig = Figure(figsize=(2.2 + 1.1 * len(probes), 0.24 * len(ids) + 2.4), layout="constrained")
    ax = fig.subplots()
    image = ax.imshow(grid.to_numpy(float), cmap="RdBu_r", vmin=-0.5, vmax=0.5, aspect="auto")
    for (i, j), mark in np.ndenumerate(moved.to_numpy(str)):
        if mark in ("enters", "leaves"):
            ax.text(j, i, "+" if mark == "enters" else "x", ha="center", va="center", fontsize=9, weight="bold")
    ax.set_yticks(range(len(ids)), ids, fontsize=7)
    ax.set_xticks(range(len(probes)), [p.replace(", ", "\n") for p in probes], fontsize=7, rotation=30, ha="right")
    fig.colorbar(image, ax=ax, label="probe - default, in band widths", shrink=0.5)
    ax.set_title(title, fontsize=9)
    return fig


def probe_figure(table: pd.DataFrame, changes: dict[str, float]) -> Figure:
    """Each target's position in its band (0 = low edge, 1 = high edge) at the defaults (grey) and
    with the changes (blue; red when outside the band), joined by an arrow."""

    def position(x, r):
        return (x - r["band_low"]) / (r["band_high"] - r["band_low"])

    fig = Figure(figsize=(7.5, 0.26 * len(table) + 1.4), layout="constrained")
    ax = fig.subplots()
    ax.axvspan(0, 1, color="#e5f2e5")
    for y, (_, r) in enumerate(table.iloc[::-1].iterrows()):
        x0, x1 = np.clip([position(r["default"], r), position(r["probe"], r)], -1.5, 2.5)
        ax.annotate("", (x1, y), (x0, y), arrowprops={"arrowstyle": "->", "color": "#777777", "lw": 0.8})
        ax.plot(x0, y, "o", color="#999999", ms=4)
        ax.plot(x1, y, "o", color="#2166ac" if r["in_probe"] else "#b2182b", ms=5)
    ax.set_yticks(range(len(table)), table["id"].iloc[::-1], fontsize=7)
    ax.set_xlim(-1.6, 2.6)
    ax.set_xlabel("position in the band (0 = low edge, 1 = high edge; clipped at -1.5 and 2.5)")
    ax.set_title(f"survey targets: defaults (grey) -> {describe(changes)} (blue in band, red out)", fontsize=8)
    return fig


def run(argv=None) -> pd.DataFrame:
    """The command line of ``experiments/probe_targets.py``."""
    args = parse_args("probe_targets", __doc__.splitlines()[0], 4_000, 10_000, 2, 3, argv, extra=_options)
    if args.summarise:
        table = summary(args.summarise)
        write_table_and_figure(args.out, "probe_summary", table, summary_figure(table))
        return table
    changes = parse_changes(args.set)
    seeds = tuple(range(args.seeds))
    if args.grid:
        return _run_grid(args, changes, seeds)
    if not changes:
        raise InputError("give at least one change: --set NAME=VALUE (or a --grid)")
    with ordered_map(1 if args.serial else 2) as mapper:
        table = probe(changes, seeds, args.agents, mapper=mapper)
    write_table_and_figure(args.out, "probe", table, probe_figure(table, changes))
    n0, n1 = int(table["in_default"].sum()), int(table["in_probe"].sum())
    print(f"survey targets in band: {n0} of {len(table)} at the defaults, {n1} with the changes "
          f"({args.agents:,} people, seeds {list(seeds)})")
    for _, r in table[table["in_default"] != table["in_probe"]].iterrows():
        print(f"  {'enters' if r['in_probe'] else 'leaves'} its band: {r['id']} {r['default']:.4g} -> "
              f"{r['probe']:.4g} (band {r['band_low']:.4g} to {r['band_high']:.4g}; difference "
              f"{r['difference']:+.3g} [{r['difference_lo']:+.3g}, {r['difference_hi']:+.3g}])")
    return table


def _run_grid(args, fixed: dict[str, float], seeds: tuple[int, ...]) -> pd.DataFrame:
    """``--grid``: every combination, paired with one run of the defaults; ``grid.csv`` (the probe
    tables of every point, with ``shift`` and ``moved``), ``grid_ranking.csv`` and ``grid.png``."""
    sets = parse_grid(args.grid, fixed)
    with ordered_map(1 if args.serial else 2) as mapper:
        table = with_shift(pd.concat(probe_many(sets, seeds, args.agents, mapper), ignore_index=True))
    ranking = grid_ranking(table)
    rank = {changes: i for i, changes in enumerate(ranking["changes"])}
    shown = table.sort_values("changes", key=lambda c: c.map(rank), kind="stable")  # best point first
    fig = summary_figure(shown, f"grid of {len(sets)} points, best first ({args.agents:,} people, seeds "
                                f"{list(seeds)}; + enters its band, x leaves it)")

    def write(tmp: Path) -> None:  # the three files together, or none
        table.to_csv(tmp / "grid.csv", index=False)
        ranking.to_csv(tmp / "grid_ranking.csv", index=False)
        save(fig, tmp / "grid.png")

    write_into(Path(args.out), write)
    print(f"survey targets in band at the defaults: {int(ranking['at_defaults'].iloc[0])} of "
          f"{table['id'].nunique()} ({args.agents:,} people, seeds {list(seeds)}); by grid point, best first:")
    for _, r in ranking.iterrows():
        print(f"  {int(r['in_band']):3d} in band ({int(r['enter'])} enter, {int(r['leave'])} leave): {r['changes']}")
    return table


def _options(parser) -> None:
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                        help="a parameter of the table or a stage-1 group scale (repeat for more)")
    parser.add_argument("--grid", action="append", default=[], metavar="NAME=V1,V2,...",
                        help="probe every combination of these values (repeat for more names; --set changes "
                             f"apply to every point; at most {MAX_GRID_POINTS} points): grid.csv, "
                             "grid_ranking.csv and grid.png")
    parser.add_argument("--summarise", metavar="DIR",
                        help="instead of probing: gather DIR/*/probe.csv into probe_summary.csv and "
                             "probe_summary.png (targets x probes) in --out")
