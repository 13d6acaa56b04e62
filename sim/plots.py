"""Figures (matplotlib, object API: no pyplot state, nothing leaks between calls)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
from matplotlib.figure import Figure  # noqa: E402

from . import scales  # noqa: E402

PANELS = (
    ("pain_nrs", "Pain (NRS 0-10)", scales.CHRONIC_PAIN_NRS, "chronic-pain threshold"),
    ("phq9", "Depressive symptoms (PHQ-9 0-27)", scales.DEPRESSION_PHQ9, "depression threshold"),
    ("activity_min_week", "Activity (min/week)", 150.0, "WHO minimum"),
    ("sleep_psqi", "Sleep problems (PSQI 0-21)", scales.POOR_SLEEP_PSQI, "poor-sleeper cut-off"),
    ("crp_mg_l", "Inflammation (hs-CRP mg/L)", scales.HIGH_CRP_MG_L, "high CRP"),
)
STATUS_LINES = (("chronic_pain", "chronic pain", "#c0392b"), ("depression", "depression", "#2c3e8f"),
                ("comorbid", "both", "#7d3c98"))


def core_states_figure(daily, title: str = "") -> Figure:
    """Five core states (median, 10-90% band across people) and prevalences over time."""
    fig = Figure(figsize=(13, 7.5), layout="constrained")
    axes = fig.subplots(2, 3, sharex=True)
    day = daily["day"]
    for ax, (key, label, line, line_label) in zip(axes.flat, PANELS):
        ax.fill_between(day, daily[f"{key}_p10"], daily[f"{key}_p90"], color="#5d8aa8", alpha=0.3,
                        lw=0, label="10-90% of people")
        ax.plot(day, daily[f"{key}_p50"], color="#1f4e79", lw=1.8, label="median")
        ax.plot(day, daily[f"{key}_mean"], color="#1f4e79", lw=1, ls=":", label="mean")
        ax.axhline(line, color="grey", lw=0.8, ls="--", label=line_label)
        ax.set_title(label, fontsize=11)
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
    path = Path(path)
    fig.savefig(path, dpi=120)
    return path
