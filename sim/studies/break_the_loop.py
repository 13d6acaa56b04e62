"""Break the loop: switch each feedback rule off in turn and see which links hold the cycle.

For every rule, a run with that rule off from the start (burn-in included) against the full
model, same seeds. Outcomes are averaged over the year after the burn-in: prevalence of chronic
pain, depression and both, and the depression ratio (with vs without chronic pain). Writes
break_the_loop.csv and break_the_loop.png.
"""

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from scipy import stats

from sim.core.rules import rule_names
from sim.core.scenario import Scenario
from sim.running.runner import run_experiment
from sim.running.scripts import check_writable, parse_args, write_table_and_figure

OUTCOMES = {"comorbid": "pain + depression (points)", "chronic_pain": "chronic pain (points)",
            "depression": "depression (points)", "depression_ratio": "depression ratio, CP vs no CP"}


def run(argv=None):
    """The command line of ``experiments/break_the_loop.py``: every rule switched off in turn
    against the full model; writes the table and the figure.

    Args:
        argv: command-line arguments (default: the process's own).
    """
    args = parse_args("break_the_loop", __doc__.splitlines()[0], 3_000, 10_000, 2, 4, argv)
    out = check_writable(args.out)
    base = Scenario(n_agents=args.agents, days=365)
    arms = {"full_model": base, **{f"off_{r}": base.replace(disabled_rules=[r]) for r in rule_names()}}
    result = run_experiment(arms, seeds=args.seeds, out=Path(out) / "runs", executor=args.executor,
                            progress=not args.quiet)
    t = result.table[result.table["metric"].isin(OUTCOMES)]
    per_seed = t.groupby(["arm", "seed", "metric"], observed=True)["value"].mean().unstack("metric")
    base_rows = per_seed.xs("full_model", level="arm")
    rows = []
    for arm in arms:
        mine = per_seed.xs(arm, level="arm")
        for key in OUTCOMES:
            diff = (mine[key] - base_rows[key]).to_numpy()
            n = len(diff)
            half = stats.t.ppf(0.975, n - 1) * diff.std(ddof=1) / np.sqrt(n) if n > 1 else np.nan
            rows.append({"rule_off": arm.removeprefix("off_"), "outcome": key, "value": mine[key].mean(),
                         "diff": diff.mean(), "diff_lo": diff.mean() - half, "diff_hi": diff.mean() + half})
    table = pd.DataFrame(rows)
    # With (almost) no chronic pain left the ratio is undefined: show it as missing.
    no_cp = table[(table["outcome"] == "chronic_pain") & (table["value"] < 0.01)]["rule_off"]
    undefined = (table["outcome"] == "depression_ratio") & table["rule_off"].isin(no_cp)
    table.loc[undefined, ["value", "diff", "diff_lo", "diff_hi"]] = np.nan
    order = (table[table["outcome"] == "comorbid"].set_index("rule_off")["diff"]
             .drop("full_model").sort_values().index.tolist())
    fig = Figure(figsize=(15, 0.36 * len(order) + 2), layout="constrained")
    axes = fig.subplots(1, len(OUTCOMES), sharey=True)
    y = np.arange(len(order))[::-1]
    for ax, (key, label) in zip(axes, OUTCOMES.items()):
        part = table[table["outcome"] == key].set_index("rule_off").reindex(order)
        scale = 1.0 if key == "depression_ratio" else 100.0
        colours = np.where(part["diff"] < 0, "#1b7837", "#b2182b")
        ax.barh(y, part["diff"] * scale, color=colours, alpha=0.8)
        ax.errorbar(part["diff"] * scale, y, xerr=[(part["diff"] - part["diff_lo"]) * scale,
                                                   (part["diff_hi"] - part["diff"]) * scale],
                    fmt="none", ecolor="black", elinewidth=1, capsize=2)
        ax.axvline(0, color="black", lw=0.8)
        full = table[(table["outcome"] == key) & (table["rule_off"] == "full_model")]["value"].iloc[0]
        ax.set_title(f"{label}\nfull model: {full * (1 if key == 'depression_ratio' else 100):.1f}"
                     f"{'' if key == 'depression_ratio' else '%'}", fontsize=10)
        ax.grid(axis="x", alpha=0.3)
    axes[0].set_yticks(y, order)
    fig.suptitle(f"Switching one rule off (from the start): change against the full model, mean over a year, "
                 f"95% interval over {args.seeds} seeds ({args.agents:,} people)", fontsize=11)

    write_table_and_figure(out, "break_the_loop", table, fig)
    show = table[table["outcome"] == "comorbid"].set_index("rule_off").loc[["full_model", *order]]
    print((show[["value", "diff", "diff_lo", "diff_hi"]] * 100).round(2).to_markdown())
    print(f"\nwrote {out}")
    return table

