"""Figures (matplotlib, object API: no pyplot state, nothing leaks between calls)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from sim.core import scales  # noqa: E402

STATUS_LINES = (("chronic_pain", "chronic pain", "#c0392b"), ("depression", "depression", "#2c3e8f"),
                ("comorbid", "both", "#7d3c98"))


def core_states_figure(daily, title: str = "") -> Figure:
    """Five core states (median, 10-90% band across people) and prevalences over time."""
    fig = Figure(figsize=(13, 7.5), layout="constrained")
    axes = fig.subplots(2, 3, sharex=True)
    day = daily["day"]
    for ax, panel in zip(axes.flat, scales.PANELS):
        key = panel.key
        ax.fill_between(day, daily[f"{key}_p10"], daily[f"{key}_p90"], color="#5d8aa8", alpha=0.3,
                        lw=0, label="10-90% of people")
        ax.plot(day, daily[f"{key}_p50"], color="#1f4e79", lw=1.8, label="median")
        ax.plot(day, daily[f"{key}_mean"], color="#1f4e79", lw=1, ls=":", label="mean")
        ax.axhline(panel.threshold, color="grey", lw=0.8, ls="--", label=panel.threshold_name)
        ax.set_title(panel.label[0].upper() + panel.label[1:], fontsize=11)
        ax.legend(fontsize=7, loc="upper right")
    axes[1, 1].set_yscale("log")
    ax = axes[1, 2]
    for key, label, colour in STATUS_LINES:
        ax.plot(day, 100 * daily[key], color=colour, lw=1.8, label=label)
    ax.set_title("Prevalence (% of people)", fontsize=11)
    ax.set_ylim(bottom=0)
    ax.legend(fontsize=8, loc="upper right")
    for ax in axes[1]:
        ax.set_xlabel("day")
    if title:
        fig.suptitle(title, fontsize=13)
    return fig


def save(fig: Figure, path) -> Path:
    """Write ``fig`` to ``path`` as a PNG at 120 dpi.

    Returns:
        The path written.
    """
    path = Path(path)
    fig.savefig(path, dpi=120)
    return path


ARM_COLOURS = ("#222222", "#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02",
               "#a6761d", "#1f78b4", "#b2df8a", "#fb9a99", "#cab2d6", "#fdbf6f", "#6a3d9a")


def _arm_colour(i: int) -> str:
    return ARM_COLOURS[i % len(ARM_COLOURS)]


def arms_over_time_figure(wide, outcomes: dict[str, str], windows=(), title: str = "",
                          percent=()) -> Figure:
    """Each arm over time: median across seeds with a 10-90% band; intervention courses marked.

    ``wide`` has columns arm, seed, day and the outcomes; ``windows`` is a list of
    (start_day, end_day) of the interventions' courses: a solid line marks each start, a dotted
    line each end, and the span from the first start to the last end is shaded.
    """
    n = len(outcomes)
    cols = min(n, 3)
    rows = -(-n // cols)
    fig = Figure(figsize=(5.2 * cols, 3.8 * rows + 1.0), layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    arms = list(dict.fromkeys(wide["arm"]))
    for ax, (key, label) in zip(axes, outcomes.items()):
        scale = 100.0 if key in percent else 1.0
        if windows:
            ax.axvspan(min(w[0] for w in windows), max(w[1] for w in windows), color="#f2e6c9",
                       alpha=0.5, lw=0)
        for start in sorted({w[0] for w in windows}):
            ax.axvline(start, color="#b08d3c", lw=1.0)
        for end in sorted({w[1] for w in windows}):
            ax.axvline(end, color="#b08d3c", lw=0.8, ls=":")
        for i, arm in enumerate(arms):
            g = wide[wide["arm"] == arm].groupby("day")[key]
            q = g.quantile([0.1, 0.5, 0.9]).unstack() * scale
            ax.fill_between(q.index, q[0.1], q[0.9], color=_arm_colour(i), alpha=0.15, lw=0)
            ax.plot(q.index, q[0.5], color=_arm_colour(i), lw=2.2 if arm == "baseline" else 1.4,
                    ls="--" if arm == "baseline" else "-", label=arm)
        ax.set_title(label + (" (%)" if scale == 100.0 else ""), fontsize=10)
        ax.set_xlabel("day")
    for ax in axes[n:]:
        ax.set_visible(False)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncol=min(len(arms), 7), fontsize=8)
    fig.suptitle((title + "\n" if title else "") + "median across seeds, band 10-90%; "
                 "shaded: intervention courses (solid line: start, dotted: course ends)", fontsize=11)
    return fig


def forest_figure(summary, week: int, outcomes: dict[str, str], baseline: str = "baseline",
                  title: str = "", percent=()) -> Figure:
    """Paired difference to baseline with its 95% interval over seeds, one panel per outcome."""
    part = summary[(summary["week"] == week) & (summary["arm"] != baseline)]
    arms = list(dict.fromkeys(part["arm"]))
    fig = Figure(figsize=(3.6 * len(outcomes), 0.42 * len(arms) + 1.8), layout="constrained")
    axes = fig.subplots(1, len(outcomes), sharey=True, squeeze=False).ravel()
    y = np.arange(len(arms))[::-1]
    for ax, (key, label) in zip(axes, outcomes.items()):
        scale = 100.0 if key in percent else 1.0
        rows = part[part["outcome"] == key].set_index("arm").reindex(arms)
        d = rows["diff"] * scale
        lo, hi = rows["diff_lo"] * scale, rows["diff_hi"] * scale
        better = (hi < 0) if key.endswith("_mean") or key in ("chronic_pain", "depression", "comorbid",
                                                               "cohort_chronic_pain", "cohort_depression") else (lo > 0)
        for yi, di, l, h, b in zip(y, d, lo, hi, better):
            colour = "#1b7837" if b else "#555555"
            ax.plot([l, h], [yi, yi], color=colour, lw=1.8, solid_capstyle="butt")
            ax.plot(di, yi, "o", color=colour, ms=5, zorder=3)
        ax.axvline(0, color="black", lw=0.8)
        ax.set_title(label + (" (points)" if scale == 100.0 else ""), fontsize=9)
        ax.grid(axis="x", alpha=0.3)
    axes[0].set_yticks(y, arms)
    fig.suptitle((title + "\n" if title else "") + f"difference to {baseline} at week {week}, "
                 "mean and 95% interval over seeds (green: interval excludes no effect, in the good direction)",
                 fontsize=10)
    return fig


def ensemble_effects_figure(effects, week: int, outcomes: dict[str, str], baseline: str = "baseline",
                            title: str = "", percent=()) -> Figure:
    """Each arm's paired difference to baseline over the parameter draws (each draw averaged over
    seeds), one panel per outcome: a box of the middle half, whiskers to the 2.5th and 97.5th
    percentiles, the mean as a dot."""
    part = effects[(effects["week"] == week) & (effects["arm"] != baseline)]
    arms = [a for a in dict.fromkeys(part["arm"].astype(str))]
    fig = Figure(figsize=(3.6 * len(outcomes), 0.42 * len(arms) + 1.8), layout="constrained")
    axes = fig.subplots(1, len(outcomes), sharey=True, squeeze=False).ravel()
    y = np.arange(len(arms))[::-1]
    for ax, (key, label) in zip(axes, outcomes.items()):
        scale = 100.0 if key in percent else 1.0
        rows = part[part["outcome"] == key]
        data = [rows[rows["arm"].astype(str) == a].groupby("draw")["diff"].mean().to_numpy() * scale for a in arms]
        ax.boxplot(data, positions=y, orientation="horizontal", whis=(2.5, 97.5), showfliers=False, widths=0.6)
        ax.plot([d.mean() if d.size else np.nan for d in data], y, "o", color="#d95f02", markersize=4)
        ax.axvline(0, color="#888888", lw=0.8)
        ax.set_title(label + (" (points)" if scale == 100.0 else ""), fontsize=9)
        ax.set_yticks(y, arms)
        ax.tick_params(labelsize=8)
    fig.suptitle(title or f"effect over parameter draws, week {week}", fontsize=10)
    return fig
