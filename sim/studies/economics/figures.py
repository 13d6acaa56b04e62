"""Figures of a cost-effectiveness analysis: CE plane, acceptability curves, frontier."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from sim.running.plots import ARM_COLOURS

SYMBOL = {"gbp": "£", "usd": "$"}


def _colours(arms) -> dict:
    return {a: ARM_COLOURS[i % len(ARM_COLOURS)] for i, a in enumerate(arms)}


def ce_plane_figure(totals, comparator: str, wtp, currency: str, title: str = "", by: str = "seed") -> Figure:
    """Incremental cost vs incremental QALYs per person against ``comparator``: one dot per sample
    (column ``by``: a seed, or a parameter draw averaged over its seeds), a cross at each arm's
    mean, and lines at the willingness-to-pay thresholds."""
    sym = SYMBOL[currency]
    ref = totals[totals["arm"] == comparator].set_index(by)
    arms = [a for a in dict.fromkeys(totals["arm"]) if a != comparator]
    colours = _colours(dict.fromkeys(totals["arm"]))
    fig = Figure(figsize=(10, 7), layout="constrained")
    ax = fig.subplots()
    dq_all, dc_all = [0.0], [0.0]
    for arm in arms:
        mine = totals[totals["arm"] == arm].set_index(by)
        dq = mine["qalys"] - ref["qalys"].reindex(mine.index)
        dc = mine["cost"] - ref["cost"].reindex(mine.index)
        dq_all += list(dq)
        dc_all += list(dc)
        ax.scatter(dq, dc, s=14, alpha=0.45, color=colours[arm])
        ax.scatter([dq.mean()], [dc.mean()], s=90, marker="X", color=colours[arm], edgecolor="black",
                   linewidth=0.6, label=arm, zorder=3)
    # Limits from the points (the threshold lines are clipped), so the arms do not shrink into a corner.
    (q_lo, q_hi), (c_lo, c_hi) = (min(dq_all), max(dq_all)), (min(dc_all), max(dc_all))
    q_pad, c_pad = 0.08 * max(q_hi - q_lo, 1e-4), 0.08 * max(c_hi - c_lo, 1.0)
    q = np.array([q_lo - q_pad, q_hi + q_pad])
    for w, style in zip(wtp, ("--", ":", "-.", (0, (1, 3)))):
        ax.plot(q, w * q, color="grey", lw=1, ls=style, label=f"{sym}{w:,.0f} per QALY")
    ax.axhline(0, color="black", lw=0.6)
    ax.axvline(0, color="black", lw=0.6)
    ax.set_xlim(*q)
    ax.set_ylim(c_lo - c_pad, c_hi + c_pad)
    ax.set_xlabel(f"incremental QALYs per person vs {comparator}")
    ax.set_ylabel(f"incremental cost per person vs {comparator} ({sym})")
    ax.set_title(title or f"Cost-effectiveness plane (dots: {by}s; crosses: means)", fontsize=11)
    ax.legend(fontsize=7, loc="best", ncol=2)
    return fig


def ceac_figure(curve, currency: str, marks=(), title: str = "", samples: str = "seeds") -> Figure:
    """Probability that each arm has the largest net monetary benefit (share of ``samples``: seeds
    or parameter draws), against the threshold; with an ``expected_best`` column
    (:func:`sim.studies.economics.cea.acceptability_frontier`) the acceptability frontier too."""
    sym = SYMBOL[currency]
    arms = list(dict.fromkeys(curve["arm"]))
    colours = _colours(arms)
    fig = Figure(figsize=(10, 6), layout="constrained")
    ax = fig.subplots()
    for arm in arms:
        part = curve[curve["arm"] == arm].sort_values("wtp")
        if part["p_best"].max() > 0:
            ax.plot(part["wtp"], part["p_best"], color=colours[arm], lw=1.8, label=arm)
    if "expected_best" in curve:
        front = curve[curve["expected_best"]].sort_values("wtp")
        ax.plot(front["wtp"], front["p_best"], color="black", lw=3.5, alpha=0.25, zorder=0,
                label="acceptability frontier (arm of largest mean net benefit)")
    for w in marks:
        ax.axvline(w, color="grey", lw=0.8, ls="--")
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel(f"willingness to pay per QALY ({sym})")
    ax.set_ylabel(f"probability of the largest net benefit (share of {samples})")
    ax.set_title(title or "Cost-effectiveness acceptability curves (arms never best are not drawn)",
                 fontsize=11)
    ax.legend(fontsize=8, loc="best")
    return fig


def frontier_figure(table, currency: str, title: str = "") -> Figure:
    """Mean cost against mean QALYs per person, with the efficiency frontier joined up."""
    sym = SYMBOL[currency]
    colours = _colours(table["arm"])
    fig = Figure(figsize=(10, 7), layout="constrained")
    ax = fig.subplots()
    on = table[table["status"] == "frontier"].sort_values("cost")
    ax.plot(on["qalys"], on["cost"], color="black", lw=1.2, zorder=1, label="efficiency frontier")
    marker = {"frontier": "o", "dominated": "x", "extendedly dominated": "s"}
    for _, row in table.iterrows():
        ax.scatter([row["qalys"]], [row["cost"]], s=60, marker=marker[row["status"]], color=colours[row["arm"]],
                   zorder=2, label=f"{row['arm']} ({row['status']})")
    ax.set_xlabel("QALYs per person (discounted)")
    ax.set_ylabel(f"cost per person ({sym}, discounted)")
    ax.set_title(title or "Efficiency frontier", fontsize=11)
    # outside the axes: inside, twelve entries hid an arm's point (seen in the --quick report)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return fig
