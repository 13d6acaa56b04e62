"""Tipping points: ramp a driver up and back down, and watch the share caught in the cycle.

One town per seed burns in at the lowest level of the driver (default: the back-injury rate).
The driver then climbs level by level, holding each for HOLD days, and comes back down the same
levels; at every level the prevalences are averaged over the last MEASURE days of the hold. If
the population has two stable states, the way down stays higher than the way up at the same
level (two branches). A slow state alone (sensitisation fades over months) also makes the way
down lag, so the whole ramp is run twice, with a short and a three times longer hold, and after
the long ramp the town stays at the lowest level for three more long holds (the tail): a gap
that closes with time is lag, one that stays is a second stable state.

A control town with the same seed stays at the lowest level throughout, day for day beside the
ramp (common random numbers). Slow states keep drifting long after the burn-in (depression
creeps up by about 0.05 points a year for decades), so a ramp that lasts 60 years would show a
"gap" even with no driver at all: every gap is therefore measured against the control, i.e. the
way down minus the way up, each minus the control town on the same days, and the tail is the
ramp's town minus the control town.

A town can also be bistable only over a middle range of the driver, and come back at the lowest
level whatever happened before (a fold, as in a textbook hysteresis loop). So for each outcome
whose long-hold gap counts, two more towns meet at the level of its widest gap at the same time,
one coming up from below, one coming down from above, and both stay there for three more long
holds (the stay): a gap that closes is lag, one that stays is two branches at that level.

Changing the driver mid-run validates the new value through the scenario and rebuilds the
engine's parameters (``engine.p``), so derived rates stay consistent.

Writes ``hysteresis.csv`` (level, leg, hold, seed, prevalences), ``hysteresis_tail.csv``,
``hysteresis_stay.csv``, ``hysteresis.png`` and ``summary.md`` (the verdict, with the numbers
behind it).

    python experiments/hysteresis.py [--quick] [--out DIR] [--driver NAME --low X --high Y]

(:func:`run` is that command line: :func:`analyse` runs the study, :func:`summary` and
:func:`figure` report it.)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim import Scenario
from sim.core.engine import Engine, Observer
from sim.core.errors import InputError
from sim.running.files import write_into
from sim.core.parameters import PARAMS
from sim.running.plots import save
from sim.running.scripts import check_writable, parse_args

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
    engine.set_parameters(**{driver: float(level)})


class _Prevalences(Observer):
    """Each day's prevalences (:func:`prevalences`) from the day after it is attached."""

    def __init__(self):
        self.days: list[list[float]] = []

    def after_day(self, engine: Engine) -> None:
        self.days.append(prevalences(engine))


def side_by_side(first: Engine, second: Engine, days: int) -> list[tuple[list, list]]:
    """Run two towns (independent engines) the same ``days``; each day's prevalences of both, as
    (first, second)."""
    (a,), (b,) = first.run(days, _Prevalences()), second.run(days, _Prevalences())
    return list(zip(a.days, b.days))


def _means(pairs: list, first: str = "{}", second: str = "control_{}") -> dict:
    """Mean prevalences of both towns over ``pairs``, keyed by the outcome in each name pattern."""
    means = np.mean([p[0] for p in pairs], axis=0), np.mean([p[1] for p in pairs], axis=0)
    return {pattern.format(key): float(v) for pattern, town in zip((first, second), means)
            for (key, _), v in zip(OUTCOMES, town)}


def _windows(pairs: list) -> list[tuple[int, list]]:
    """Each whole MEASURE_DAYS window of ``pairs``: (its last day, its days)."""
    return [(end, pairs[end - MEASURE_DAYS:end]) for end in range(MEASURE_DAYS, len(pairs) + 1, MEASURE_DAYS)]


def ramp(scenario: Scenario, seed: int, driver: str, levels, hold_days: int,
         tail_days: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Hold each level going up, then each going down again (mean prevalences per level), then
    stay at the lowest level for ``tail_days`` (prevalences every MEASURE_DAYS days). A control
    town (same seed) stays at the lowest level all along; its prevalences on the same days are
    the ``control_*`` columns."""
    start = scenario.replace(**{driver: float(levels[0])})
    engine, control = Engine(start, seed), Engine(start, seed)
    path = [("up", x) for x in levels] + [("down", x) for x in levels[-2::-1]]
    rows = []
    for leg, level in path:
        set_driver(engine, driver, level)
        last_days = side_by_side(engine, control, hold_days)[-MEASURE_DAYS:]
        rows.append({"seed": seed, "hold_days": hold_days, "leg": leg, "level": float(level), **_means(last_days)})
    tail = [{"seed": seed, "days_after_ramp": day, **_means(days)}
            for day, days in _windows(side_by_side(engine, control, tail_days))]
    return pd.DataFrame(rows), pd.DataFrame(tail)


def gaps(table: pd.DataFrame, against_control: bool = True) -> pd.DataFrame:
    """Down minus up, in percentage points, per hold, level and outcome (mean over seeds). With
    ``against_control`` (and control columns in the table) each leg is first taken relative to
    the control town on the same days, which removes the drift both towns share."""
    keys = [k for k, _ in OUTCOMES]
    table = table.copy()
    if against_control and all(f"control_{k}" in table for k in keys):
        for k in keys:
            table[k] = table[k] - table[f"control_{k}"]
    mean = table.groupby(["hold_days", "leg", "level"], as_index=False)[keys].mean()
    up = mean[mean["leg"] == "up"].set_index(["hold_days", "level"])
    down = mean[mean["leg"] == "down"].set_index(["hold_days", "level"])
    both = down.index.intersection(up.index)
    out = 100 * (down.loc[both, keys] - up.loc[both, keys])
    return out.reset_index()


def tail_gaps(tail: pd.DataFrame) -> pd.DataFrame:
    """The ramp's town minus the control town in the tail, percentage points, mean over seeds."""
    out = tail[["seed", "days_after_ramp"]].copy()
    for key, _ in OUTCOMES:
        out[key] = 100 * (tail[key] - tail[f"control_{key}"])
    return out.groupby("days_after_ramp", as_index=False)[[k for k, _ in OUTCOMES]].mean()


def tail_noise_pp(tail: pd.DataFrame, outcome: str = "chronic_pain") -> float:
    """How much a 90-day mean of the outcome's gap to the control wobbles once the tail has
    settled (percentage points): the SD of those means over the second half of the tail, per
    seed, pooled, divided by the square root of the number of seeds (the tail's end is a mean
    over seeds)."""
    late = tail[tail["days_after_ramp"] > tail["days_after_ramp"].max() / 2]
    gap = late[outcome] - late[f"control_{outcome}"] if f"control_{outcome}" in late else late[outcome]
    sd = float(np.sqrt(gap.groupby(late["seed"]).var(ddof=1).mean()))
    return 100 * sd / np.sqrt(tail["seed"].nunique())


def stay(scenario: Scenario, seed: int, driver: str, levels, at: int, hold_days: int,
         stay_days: int) -> pd.DataFrame:
    """Two towns reach ``levels[at]`` on the same day, one from above (up to the top and down
    again), one from below (waiting at the lowest level first, then up), holding each level for
    ``hold_days``; then both stay at that level for ``stay_days``. Prevalences of both every
    MEASURE_DAYS days of the stay."""
    from_above = [float(x) for x in levels] + [float(levels[i]) for i in range(len(levels) - 2, at - 1, -1)]
    from_below = [float(levels[0])] * (len(from_above) - at - 1) + [float(x) for x in levels[:at + 1]]
    start = scenario.replace(**{driver: float(levels[0])})
    above, below = Engine(start, seed), Engine(start, seed)
    for up_there, down_here in zip(from_above, from_below):
        set_driver(above, driver, up_there)
        set_driver(below, driver, down_here)
        side_by_side(above, below, hold_days)
    rows = [{"seed": seed, "level": float(levels[at]), "days_at_level": day,
             **_means(days, "{}_from_above", "{}_from_below")}
            for day, days in _windows(side_by_side(above, below, stay_days))]
    return pd.DataFrame(rows)


def stay_gaps(stays: pd.DataFrame) -> pd.DataFrame:
    """From above minus from below, percentage points, per level and day of the stay (mean over seeds)."""
    out = stays[["seed", "level", "days_at_level"]].copy()
    for key, _ in OUTCOMES:
        out[key] = 100 * (stays[f"{key}_from_above"] - stays[f"{key}_from_below"])
    return out.groupby(["level", "days_at_level"], as_index=False)[[k for k, _ in OUTCOMES]].mean()


def verdict(gap: pd.DataFrame, tail_gap_pp: float, noise_pp: float, short: int,
            long: int, outcome: str = "chronic_pain") -> tuple[str, dict]:
    """Judged per outcome (chronic pain, with its slow memory sensitisation; depression, with
    rumination). A gap counts when it is at least GAP_PP points and three times the tail's
    wobble:

    * two branches: the long-hold gap counts, and the gap still counts at the end of the tail;
    * lag: there was a gap that counts, but it closes by the end of the tail;
    * none: the legs never differ by a gap that counts.
    """
    label = dict(OUTCOMES)[outcome]
    threshold = max(GAP_PP, 3 * noise_pp)
    size = {hold: float(gap.loc[gap["hold_days"] == hold, outcome].max()) for hold in (short, long)}
    mean = {hold: float(gap.loc[gap["hold_days"] == hold, outcome].mean()) for hold in (short, long)}
    numbers = {"largest_gap_pp": size, "mean_gap_pp": mean, "tail_gap_pp": tail_gap_pp,
               "threshold_pp": threshold}
    if size[long] >= threshold and tail_gap_pp >= threshold:
        return (f"two branches: on the way down {label} stays above the way up, and stays "
                "there at the lowest level"), numbers
    if max(size.values()) >= threshold:
        return ("no lasting second branch: the way down lags (slow recovery), but the gap closes "
                "when the town is given time"), numbers
    return "no hysteresis: both legs follow the same curve", numbers


JUDGED = ("chronic_pain", "depression")
"""The outcomes with a verdict: each has a slow memory that could hold a second state."""
SHORT_VERDICT = {"two branches over a middle range": "two branches over a middle range", "two": "two branches",
                 "a very slow lag": "very slow lag over a middle range", "no lasting": "lag only, no second branch", "no hysteresis": "no hysteresis"}


def short_verdict(text: str) -> str:
    """The one-word form of a verdict sentence, for tables and figure titles."""
    return next(v for k, v in SHORT_VERDICT.items() if text.startswith(k))


def figure(table: pd.DataFrame, tail: pd.DataFrame, driver: str, title: str, threshold_pp: dict,
           stays: pd.DataFrame | None = None) -> Figure:
    """The hysteresis figure: each outcome against the driver level on the way up and down,
    against the control town, and the stay at the widest level when there is one.

    Returns:
        A matplotlib Figure.
    """
    with_stay = stays is not None and len(stays) > 0
    fig = Figure(figsize=(21 if with_stay else 17, 4.9), layout="constrained")
    axes = fig.subplots(1, len(OUTCOMES) + 1 + with_stay)
    holds = sorted(table["hold_days"].unique())
    styles = {holds[0]: dict(lw=1.2, alpha=0.55, ms=4), holds[-1]: dict(lw=2.0, alpha=1.0, ms=6)}
    low = float(table["level"].min())
    for ax, (key, label) in zip(axes, OUTCOMES):
        for hold in holds:
            part = table[table["hold_days"] == hold]
            mean = part.groupby(["leg", "level"], as_index=False)[key].mean()
            for leg, colour, marker in (("up", "#c0392b", "^"), ("down", "#1f618d", "v")):
                line = mean[mean["leg"] == leg].sort_values("level")
                ax.plot(line["level"], 100 * line[key], color=colour, marker=marker,
                        label=f"{leg}, hold {hold} d", **styles[hold])
        if f"control_{key}" in table:  # the control town when the long ramp is back at the bottom
            end = table[(table["hold_days"] == holds[-1]) & (table["leg"] == "down") & (table["level"] == low)]
            ax.plot([low], [100 * end[f"control_{key}"].mean()], "X", color="grey", ms=9,
                    label="control town (never ramped), same days")
        ax.axvline(PARAMS[driver].default, color="grey", ls=":", lw=1)
        ax.set_title(label, fontsize=11)
        ax.set_xlabel(f"{driver} ({PARAMS[driver].unit}); dotted: default")
        ax.set_ylim(bottom=0)
    axes[0].set_ylabel("% of people (mean of the last 90 days of each hold)")
    axes[0].legend(fontsize=8)
    if with_stay:
        ax = axes[-1]
        for (key, level), part in stay_gaps(stays).melt(
                id_vars=["level", "days_at_level"], value_vars=list(JUDGED), var_name="outcome").groupby(
                ["outcome", "level"]):
            colour = "#d35400" if key == "chronic_pain" else "#2874a6"
            ax.plot(part["days_at_level"] / 365.25, part["value"], color=colour, marker="o", ms=3,
                    ls="-" if key == "depression" else "--", label=f"{dict(OUTCOMES)[key]} at {driver} = {level:g}")
        for key, colour in zip(JUDGED, ("#d35400", "#2874a6")):
            ax.axhspan(-threshold_pp[key], threshold_pp[key], color=colour, alpha=0.08)
        ax.axhline(0, color="black", lw=0.8)
        ax.set_xlabel("years at that level")
        ax.set_ylabel("came down from above minus came up from below, % points")
        ax.set_title("held at the widest gap: does it close?", fontsize=11)
        ax.legend(fontsize=8)
    ax = axes[-2] if with_stay else axes[-1]
    gap = tail_gaps(tail)
    for key, colour in zip(JUDGED, ("#d35400", "#2874a6")):
        ax.plot(gap["days_after_ramp"] / 365.25, gap[key], color=colour, marker="o", ms=3,
                label=dict(OUTCOMES)[key])
        ax.axhspan(-threshold_pp[key], threshold_pp[key], color=colour, alpha=0.08)
    ax.axhline(0, color="black", lw=0.8)
    top = max(2.5, 1.2 * float(np.abs(gap[list(JUDGED)]).max().max()), *(1.2 * t for t in threshold_pp.values()))
    ax.set_ylim(-top, top)
    ax.set_xlabel("years after returning to the lowest level")
    ax.set_ylabel("ramped town minus control town, % points")
    ax.set_title("does the gap close? (shaded: too small to count)", fontsize=11)
    ax.legend(fontsize=8)
    fig.suptitle(title, fontsize=11)
    return fig


@dataclass
class Hysteresis:
    """What :func:`analyse` found: the ramps, the tails and the stays, the gaps and the verdicts."""

    driver: str
    levels: np.ndarray
    holds: tuple[int, int]
    """The short and the long hold, in days."""
    n_agents: int
    seeds: int
    table: pd.DataFrame
    """Both ramps: level, leg, hold, seed and the prevalences of both towns."""
    tail: pd.DataFrame
    stays: pd.DataFrame
    gap: pd.DataFrame
    """Way down minus way up by level and hold, against the control town."""
    raw: pd.DataFrame
    """The same without the control town (its drift included)."""
    judged: dict[str, tuple[str, dict]]
    """Per judged outcome: the verdict in words and the numbers behind it (:func:`verdict`)."""
    stayed: dict[str, tuple[float, float, float, float]]
    """Per outcome with a stay: its level, the gap after the first MEASURE days, the gap late in
    the stay and its trend in points a year."""

    @property
    def thresholds(self) -> dict[str, float]:
        """Per judged outcome, the gap in percentage points below which it does not count."""
        return {key: numbers["threshold_pp"] for key, (_, numbers) in self.judged.items()}


def analyse(scenario: Scenario, driver: str, levels: np.ndarray, holds: tuple[int, int], seeds: int) -> Hysteresis:
    """Ramp ``driver`` over ``levels`` with both holds, judge each outcome, and where a long-hold
    gap counts, let two towns meet at its widest level and stay there (the module docstring)."""
    tables, tails = [], []
    for hold in holds:
        for seed in range(seeds):
            table, tail = ramp(scenario, seed, driver, levels, hold,
                               tail_days=3 * hold if hold == holds[-1] else 0)
            tables.append(table)
            tails.append(tail)
    table, tail = pd.concat(tables, ignore_index=True), pd.concat(tails, ignore_index=True)
    gap = gaps(table)
    raw = gaps(table, against_control=False)
    late = tail_gaps(tail)
    late = late[late["days_after_ramp"] > late["days_after_ramp"].max() / 2]
    judged = {key: verdict(gap, float(late[key].mean()), tail_noise_pp(tail, key), *holds, outcome=key)
              for key in JUDGED}
    # the stay: where a long-hold gap counts, two towns meet at its widest level and stay there
    chosen = {}
    long_gap = gap[gap["hold_days"] == holds[-1]]
    inner = long_gap[(long_gap["level"] > levels[0]) & (long_gap["level"] < levels[-1])]
    for key, (_, numbers) in judged.items():
        if len(inner) and numbers["largest_gap_pp"][holds[-1]] >= numbers["threshold_pp"]:
            chosen[key] = float(inner.loc[inner[key].idxmax(), "level"])
    stays = [stay(scenario, seed, driver, levels, int(np.argmin(np.abs(levels - level))), holds[-1],
                  3 * holds[-1]) for level in sorted(set(chosen.values())) for seed in range(seeds)]
    stays = pd.concat(stays, ignore_index=True) if stays else pd.DataFrame(
        columns=["seed", "level", "days_at_level", *(f"{k}_{side}" for k, _ in OUTCOMES
                                                     for side in ("from_above", "from_below"))])
    stayed = {}
    if chosen:
        sg = stay_gaps(stays)
        for key, level in chosen.items():
            part = sg[sg["level"] == level]
            second = part[part["days_at_level"] > part["days_at_level"].max() / 2]
            late_stay = float(second[key].mean())
            # still closing? the trend over the second half, in points a year
            slope = float(np.polyfit(second["days_at_level"] / 365.25, second[key], 1)[0]) if len(second) > 1 else 0.0
            first = float(part[key].iloc[0])
            stayed[key] = (level, first, late_stay, slope)
            text, numbers = judged[key]
            years = 3 * holds[-1] / 365.25
            if late_stay >= numbers["threshold_pp"]:
                side = (f"held at {driver} = {level:g}, {dict(OUTCOMES)[key]} is still {late_stay:.1f} points "
                        f"higher in a town that came down from above than in one that came up from below "
                        f"{years:.0f} years on")
                if late_stay + slope * years >= numbers["threshold_pp"]:
                    text = f"two branches over a middle range: {side}; at the lowest level the town comes back"
                else:
                    text = (f"a very slow lag over a middle range: {side}, but closing by {-slope:.2f} points a "
                            "year; at the lowest level the town comes back")
            judged[key] = (text, numbers)
    return Hysteresis(driver, levels, tuple(holds), scenario.n_agents, seeds, table, tail, stays, gap, raw,
                      judged, stayed)


def title(h: Hysteresis) -> str:
    """The figure's title: the ramp and each outcome's short verdict."""
    low, high = h.levels[0], h.levels[-1]
    return (f"Ramp {h.driver} {low:g} -> {high:g} -> {low:g}, {h.n_agents:,} people, {h.seeds} seed(s): "
            + "; ".join(f"{dict(OUTCOMES)[k]}: {short_verdict(t)}" for k, (t, _) in h.judged.items()))


def summary(h: Hysteresis) -> str:
    """``summary.md``: the set-up, each verdict with the numbers behind it, and the gap by level."""
    holds, low, high = h.holds, h.levels[0], h.levels[-1]
    lines = [
        "# Hysteresis: ramp up, ramp down",
        "",
        "(Made by `python experiments/hysteresis.py` with the settings below, the model's defaults "
        "otherwise; `python experiments/remake.py` remakes the runs the documentation shows.)",
        "",
        f"Driver `{h.driver}` from {low:g} to {high:g} and back in {len(h.levels)} levels; each level "
        f"held {holds[0]} days (short) or {holds[1]} days (long); {h.n_agents:,} people, "
        f"{h.seeds} seed(s); prevalence = mean of the last {MEASURE_DAYS} days of each hold. A control "
        "town with the same seed stays at the lowest level throughout; every gap is the way down minus "
        "the way up, each taken relative to the control town on the same days, which removes the slow "
        "drift both towns share.",
        "",
    ]
    for key, (text, numbers) in h.judged.items():
        label = dict(OUTCOMES)[key]
        lines += [
            f"**Verdict, {label}:** {text}.",
            "",
            f"Largest gap, way down minus way up ({label}, against the control): "
            f"{numbers['largest_gap_pp'][holds[0]]:.1f} points (short hold), "
            f"{numbers['largest_gap_pp'][holds[1]]:.1f} points (long hold); mean gap over levels "
            f"{numbers['mean_gap_pp'][holds[0]]:.1f} and {numbers['mean_gap_pp'][holds[1]]:.1f} points. "
            f"In the second half of the tail ({h.tail['days_after_ramp'].max()} days at the lowest level after the "
            f"long ramp) the ramped town is {numbers['tail_gap_pp']:+.1f} points from the control town. A gap "
            f"counts from {numbers['threshold_pp']:.1f} points (at least {GAP_PP:g}, and three times the "
            "wobble of a 90-day mean late in the tail).",
            "",
        ]
        if key in h.stayed:
            level, first, late_stay, slope = h.stayed[key]
            lines += [
                f"Held at the widest gap ({h.driver} = {level:g}): a town that came down from above is "
                f"{first:+.1f} points of {label} above one that came up from below after its first "
                f"{MEASURE_DAYS} days there, and {late_stay:+.1f} points in the second half of "
                f"{3 * holds[-1]} days there, changing by {slope:+.2f} points a year over that half "
                "(`hysteresis_stay.csv`).",
                "",
            ]
    long_hold = h.holds[-1]
    drift = {key: float(h.raw.loc[h.raw["hold_days"] == long_hold, key].mean() -
                        h.gap.loc[h.gap["hold_days"] == long_hold, key].mean()) for key in JUDGED}
    lines += [
        "Without the control, the long ramp's way down would sit above its way up by a further "
        + ", ".join(f"{drift[k]:+.1f} points of {dict(OUTCOMES)[k]}" for k in JUDGED)
        + " on average: the drift of a town that was never ramped over the same years.",
        "",
        "Gap by level (percentage points, way down minus way up, against the control):",
        "",
        h.gap.round(2).to_markdown(index=False),
        "",
    ]
    return "\n".join(lines)


def run(argv=None) -> Hysteresis:
    """The command line ``experiments/hysteresis.py``."""
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
    # the full burn-in, so the way up starts from the long-run state at the lowest level
    scenario = Scenario(n_agents=args.agents)
    for level in (low, high):  # fail now, not halfway up the ramp
        scenario.replace(**{own.driver: float(level)})
    out = check_writable(args.out)

    h = analyse(scenario, own.driver, levels, (short, 3 * short), args.seeds)
    text = summary(h)

    def write(tmp: Path) -> None:
        h.table.to_csv(tmp / "hysteresis.csv", index=False)
        h.tail.to_csv(tmp / "hysteresis_tail.csv", index=False)
        h.stays.to_csv(tmp / "hysteresis_stay.csv", index=False)
        (tmp / "summary.md").write_text(text, encoding="utf-8")
        save(figure(h.table, h.tail, h.driver, title(h), h.thresholds, h.stays), tmp / "hysteresis.png")

    write_into(out, write)
    print(text)
    print(f"wrote hysteresis.csv, hysteresis_tail.csv, hysteresis_stay.csv, hysteresis.png, summary.md to {out}")
    return h
