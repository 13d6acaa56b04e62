"""``simulate``: one run of one scenario with one seed, returning a :class:`sim.outputs.Result`."""

from __future__ import annotations

import platform
import time

import pandas as pd

from .engine import Engine
from .outputs import Result, daily_row, panel_rows
from .errors import InputError
from .scenario import Scenario

ENGINES = ("vector", "agents")


def _version() -> str:
    from . import __version__

    return __version__


def simulate(scenario: Scenario | None = None, seed: int = 0, engine: str = "vector", precision: str = "float64",
             panel_every: int | None = None, progress: bool = False) -> Result:
    """Run ``scenario`` (default: all defaults) with ``seed`` and return its :class:`Result`.

    Args:
        engine: ``"vector"`` updates the whole arrays each day; ``"agents"`` builds a
            :class:`sim.PainLoopModel` whose Persons each apply the rules to their own scalars.
            The burn-in always runs on the arrays (both paths agree; the per-agent path is
            for teaching and checking, not speed).
        panel_every: also return ``result.panel``, every person every ``panel_every`` days.
        progress: show a progress bar over burn-in and reported days.
    """
    scenario = Scenario() if scenario is None else scenario
    if engine not in ENGINES:
        raise InputError(f"engine = {engine!r} must be one of {ENGINES}")
    if panel_every is not None and (isinstance(panel_every, bool) or not isinstance(panel_every, int)
                                    or panel_every < 1):
        raise InputError(f"panel_every = {panel_every!r} must be a whole number of days >= 1")
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=scenario.burn_in_days + scenario.days, unit="day",
                   desc=f"{scenario.n_agents:,} people", mininterval=0.5)
    started = time.perf_counter()
    try:
        if engine == "vector":
            run = Engine(scenario, seed, progress=bar, precision=precision)
            advance_day = run.step
        else:
            from .model import PainLoopModel

            model = PainLoopModel(scenario, seed, path="agents", progress=bar)
            run, advance_day = model.engine, model.step
        burn_in_seconds = time.perf_counter() - started
        rows = [daily_row(0, run.pop, run.status, run.p)]
        waves = [panel_rows(0, run.pop, run.status, run.p)] if panel_every else []
        for day in range(1, scenario.days + 1):
            advance_day()
            rows.append(daily_row(day, run.pop, run.status, run.p))
            if panel_every and day % panel_every == 0:
                waves.append(panel_rows(day, run.pop, run.status, run.p))
            if bar is not None:
                bar.update(1)
    finally:
        if bar is not None:
            bar.close()
    meta = {"seed": seed, "engine": engine, "n_agents": scenario.n_agents, "days": scenario.days,
            "burn_in_days": scenario.burn_in_days, "version": _version(),
            "python": platform.python_version(),
            "seconds_total": round(time.perf_counter() - started, 3),
            "seconds_burn_in": round(burn_in_seconds, 3)}
    panel = pd.concat(waves, ignore_index=True) if waves else None
    return Result(pd.DataFrame(rows), scenario, seed, engine, panel, meta)
