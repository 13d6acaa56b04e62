"""Tipping points: ramp a driver up and back down, and watch the share caught in the cycle.

One town per seed burns in at the lowest level of the driver (default: the back-injury rate).
The driver then climbs level by level, holding each for HOLD days, and comes back down the same
levels; at every level the prevalences are averaged over the last MEASURE days of the hold. If
the population has two stable states, the way down stays higher than the way up at the same
level (two branches). A slow state alone (sensitisation fades over months) also makes the way
down lag, so the whole ramp is run twice, with a short and a three times longer hold, and after
the long ramp the town stays at the lowest level for three more long holds (the tail): a gap
that closes with time is lag, one that stays is a second stable state.

Changing the driver mid-run validates the new value through the scenario and rebuilds the
engine's parameters (``engine.p``), so derived rates stay consistent.

Writes ``hysteresis.csv`` (level, leg, hold, seed, prevalences), ``hysteresis_tail.csv``,
``hysteresis.png`` and ``summary.md`` (the verdict, with the numbers behind it).

    python experiments/hysteresis.py [--quick] [--out DIR] [--driver NAME --low X --high Y]
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from common import check_writable, main, parse_args
from matplotlib.figure import Figure

from sim import Scenario
from sim.engine import Engine
from sim.errors import InputError
from sim.outputs import write_atomically
from sim.parameters import PARAMS
from sim.plots import save

DRIVERS = {
    # driver: (low, high) of the default ramp
    "injury_rate_per_year": (0.0, 1.5),
    "life_event_rate_per_year": (0.0, 6.0),
    "stress_bias": (-4.0, 0.0),
}
"""Drivers with a default ramp: how often backs are injured, how often life deals a blow, and
chronic stress (the baseline log-odds of HPA activation). Any parameter works with --low/--high."""
OUTCOMES = (("chronic_pain", "chronic pain"), ("depression", "depression"),
            ("comorbid", "both: caught in the cycle"))
MEASURE_DAYS = 90
HOLD_DAYS = {"quick": 180, "full": 365}
"""The short hold; the long hold is three times as long, and the tail three long holds."""
GAP_PP = 1.0
"""A gap between the legs counts only if it is at least this many percentage points."""


def prevalences(engine: Engine) -> list[float]:
    """Today's shares in each of OUTCOMES."""
    status = engine.status
    return [status.chronic_pain.mean(), status.depressed.mean(),
            (status.chronic_pain & status.depressed).mean()]


def set_driver(engine: Engine, driver: str, level: float) -> None:
    """Change one parameter of a running engine: validated by the scenario, Params rebuilt."""
    engine.scenario = engine.scenario.replace(**{driver: float(level)})
    engine.p = engine.scenario.params()


def ramp(scenario: Scenario, seed: int, driver: str, levels, hold_days: int,
         tail_days: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Hold each level going up, then each going down again (mean prevalences per level), then
    stay at the lowest level for ``tail_days`` (prevalences every MEASURE_DAYS days)."""
    engine = Engine(scenario.replace(**{driver: float(levels[0])}), seed)
    path = [("up", x) for x in levels] + [("down", x) for x in levels[-2::-1]]
    rows = []
    for leg, level in path:
        set_driver(engine, driver, level)
        measured = []
        for day in range(hold_days):
            engine.step()
            if day >= hold_days - MEASURE_DAYS:
                measured.append(prevalences(engine))
        rows.append({"seed": seed, "hold_days": hold_days, "leg": leg, "level": float(level),
                     **{key: float(v) for (key, _), v in zip(OUTCOMES, np.mean(measured, axis=0))}})
    tail, measured = [], []
    for day in range(1, tail_days + 1):
        engine.step()
        measured.append(prevalences(engine))
        if day % MEASURE_DAYS == 0:
            tail.append({"seed": seed, "days_after_ramp": day,
                         **{key: float(v) for (key, _), v in zip(OUTCOMES, np.mean(measured, axis=0))}})
            measured = []
    return pd.DataFrame(rows), pd.DataFrame(tail)


def gaps(table: pd.DataFrame) -> pd.DataFrame:
    """Down minus up, in percentage points, per hold, level and outcome (mean over seeds)."""
    mean = table.groupby(["hold_days", "leg", "level"], as_index=False)[[k for k, _ in OUTCOMES]].mean()
    up = mean[mean["leg"] == "up"].set_index(["hold_days", "level"])
    down = mean[mean["leg"] == "down"].set_index(["hold_days", "level"])
    both = down.index.intersection(up.index)
    out = 100 * (down.loc[both, [k for k, _ in OUTCOMES]] - up.loc[both, [k for k, _ in OUTCOMES]])
    return out.reset_index()


def tail_noise_pp(tail: pd.DataFrame) -> float:
    """How much a 90-day mean of chronic pain wobbles once the tail has settled (percentage
    points): the SD of those means over the second half of the tail, per seed, pooled, divided
    by the square root of the number of seeds (the tail's end is a mean over seeds)."""
    late = tail[tail["days_after_ramp"] > tail["days_after_ramp"].max() / 2]
    sd = float(np.sqrt(late.groupby("seed")["chronic_pain"].var(ddof=1).mean()))
    return 100 * sd / np.sqrt(tail["seed"].nunique())


def verdict(gap: pd.DataFrame, tail_gap_pp: float, noise_pp: float, short: int,
            long: int) -> tuple[str, dict]:
    """Judged on chronic pain, the outcome with the slow memory (sensitisation). A gap counts
    when it is at least GAP_PP points and three times the tail's wobble:

    * two branches: the long-hold gap counts, and the gap still counts at the end of the tail;
    * lag: there was a gap that counts, but it closes by the end of the tail;
    * none: the legs never differ by a gap that counts.
    """
    threshold = max(GAP_PP, 3 * noise_pp)
    size = {hold: float(gap.loc[gap["hold_days"] == hold, "chronic_pain"].max()) for hold in (short, long)}
    mean = {hold: float(gap.loc[gap["hold_days"] == hold, "chronic_pain"].mean()) for hold in (short, long)}
    numbers = {"largest_gap_pp": size, "mean_gap_pp": mean, "tail_gap_pp": tail_gap_pp,
               "threshold_pp": threshold}
    if size[long] >= threshold and tail_gap_pp >= threshold:
        return ("two branches: on the way down chronic pain stays above the way up, and stays "
                "there at the lowest level"), numbers
    if max(size.values()) >= threshold:
        return ("no lasting second branch: the way down lags (slow recovery), but the gap closes "
                "when the town is given time"), numbers
    return "no hysteresis: both legs follow the same curve", numbers


def figure(table: pd.DataFrame, tail: pd.DataFrame, bottom_up: float, driver: str, title: str) -> Figure:
    fig = Figure(figsize=(17, 4.9), layout="constrained")
    axes = fig.subplots(1, len(OUTCOMES) + 1)
    holds = sorted(table["hold_days"].unique())
    styles = {holds[0]: dict(lw=1.2, alpha=0.55, ms=4), holds[-1]: dict(lw=2.0, alpha=1.0, ms=6)}
    for ax, (key, label) in zip(axes, OUTCOMES):
        for hold in holds:
            part = table[table["hold_days"] == hold]
            mean = part.groupby(["leg", "level"], as_index=False)[key].mean()
            for leg, colour, marker in (("up", "#c0392b", "^"), ("down", "#1f618d", "v")):
                line = mean[mean["leg"] == leg].sort_values("level")
                ax.plot(line["level"], 100 * line[key], color=colour, marker=marker,
                        label=f"{leg}, hold {hold} d", **styles[hold])
        ax.axvline(PARAMS[driver].default, color="grey", ls=":", lw=1)
        ax.set_title(label, fontsize=11)
        ax.set_xlabel(f"{driver} ({PARAMS[driver].unit}); dotted: default")
        ax.set_ylim(bottom=0)
    axes[0].set_ylabel("% of people (mean of the last 90 days of each hold)")
    axes[0].legend(fontsize=8)
    ax = axes[-1]
    mean = tail.groupby("days_after_ramp", as_index=False)["chronic_pain"].mean()
    ax.plot(mean["days_after_ramp"] / 365.25, 100 * mean["chronic_pain"], color="#1f618d", marker="v",
            label="after the ramp, at the lowest level")
    ax.axhline(100 * bottom_up, color="#c0392b", ls="--", label="same level on the way up")
    ax.set_ylim(0, 1.15 * 100 * max(bottom_up, mean["chronic_pain"].max()))
    ax.set_xlabel("years after returning to the lowest level")
    ax.set_title("chronic pain: does the gap close?", fontsize=11)
    ax.legend(fontsize=8)
    fig.suptitle(title, fontsize=11)
    return fig


def run(argv=None):
    import argparse

    extra = argparse.ArgumentParser(add_help=False)
    extra.add_argument("--driver", default="injury_rate_per_year")
    extra.add_argument("--low", type=float)
    extra.add_argument("--high", type=float)
    extra.add_argument("--levels", type=int)
    own, rest = extra.parse_known_args(argv)
    args = parse_args("hysteresis", __doc__.splitlines()[0], 2_000, 10_000, 1, 2, rest)
    if own.driver not in PARAMS:
        raise InputError(f"--driver {own.driver!r} is not a parameter; try one of {', '.join(DRIVERS)}")
    low, high = DRIVERS.get(own.driver, (None, None))
    low = own.low if own.low is not None else low
    high = own.high if own.high is not None else high
    if low is None or high is None or not low < high:
        raise InputError(f"--low {low} and --high {high} must give a ramp with low < high for {own.driver}")
    n_levels = own.levels or (6 if args.quick else 11)
    if n_levels < 3:
        raise InputError(f"--levels {n_levels} must be at least 3")
    levels = np.linspace(low, high, n_levels)
    short = HOLD_DAYS["quick" if args.quick else "full"]
    holds = (short, 3 * short)
    # the full burn-in, so the way up starts from the long-run state at the lowest level
    scenario = Scenario(n_agents=args.agents)
    for level in (low, high):  # fail now, not halfway up the ramp
        scenario.replace(**{own.driver: float(level)})
    out = check_writable(args.out)

    tables, tails = [], []
    for hold in holds:
        for seed in range(args.seeds):
            table, tail = ramp(scenario, seed, own.driver, levels, hold,
                               tail_days=3 * hold if hold == holds[-1] else 0)
            tables.append(table)
            tails.append(tail)
    table, tail = pd.concat(tables, ignore_index=True), pd.concat(tails, ignore_index=True)
    gap = gaps(table)
    long_up = table[(table["hold_days"] == holds[-1]) & (table["leg"] == "up")]
    bottom_up = float(long_up.loc[long_up["level"] == levels[0], "chronic_pain"].mean())
    last = tail["days_after_ramp"].max()
    tail_end = float(tail.loc[tail["days_after_ramp"] == last, "chronic_pain"].mean())
    text, numbers = verdict(gap, 100 * (tail_end - bottom_up), tail_noise_pp(tail), *holds)
    title = (f"Ramp {own.driver} {low:g} -> {high:g} -> {low:g}, {args.agents:,} people, "
             f"{args.seeds} seed(s): {text}")
    summary = "\n".join([
        "# Hysteresis: ramp up, ramp down",
        "",
        f"Driver `{own.driver}` from {low:g} to {high:g} and back in {n_levels} levels; each level "
        f"held {holds[0]} days (short) or {holds[1]} days (long); {args.agents:,} people, "
        f"{args.seeds} seed(s); prevalence = mean of the last {MEASURE_DAYS} days of each hold.",
        "",
        f"**Verdict:** {text}.",
        "",
        "Largest gap, way down minus way up, chronic pain: "
        f"{numbers['largest_gap_pp'][holds[0]]:.1f} points (short hold), "
        f"{numbers['largest_gap_pp'][holds[1]]:.1f} points (long hold); mean gap over levels "
        f"{numbers['mean_gap_pp'][holds[0]]:.1f} and {numbers['mean_gap_pp'][holds[1]]:.1f} points. "
        f"At the lowest level ({low:g}) chronic pain was {100 * bottom_up:.1f}% on the way up and "
        f"{100 * tail_end:.1f}% {last} days after the long ramp came back down "
        f"(gap {numbers['tail_gap_pp']:.1f} points). A gap counts from "
        f"{numbers['threshold_pp']:.1f} points (at least {GAP_PP:g}, and three times the wobble of "
        f"a 90-day mean late in the tail).",
        "",
        "Gap by level (percentage points, way down minus way up):",
        "",
        gap.round(2).to_markdown(index=False),
        "",
    ])

    def write(tmp: Path) -> None:
        table.to_csv(tmp / "hysteresis.csv", index=False)
        tail.to_csv(tmp / "hysteresis_tail.csv", index=False)
        (tmp / "summary.md").write_text(summary, encoding="utf-8")
        save(figure(table, tail, bottom_up, own.driver, title), tmp / "hysteresis.png")

    write_atomically(out, write)
    print(summary)
    print(f"wrote hysteresis.csv, hysteresis_tail.csv, hysteresis.png, summary.md to {out}")


if __name__ == "__main__":
    raise SystemExit(main(run))
