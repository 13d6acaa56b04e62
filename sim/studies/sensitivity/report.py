"""The sensitivity report: the Morris and Sobol' figures and the markdown summary
(``sensitivity.md``), and the copy of both into the project's documentation (``--docs``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from sim.core.parameters import PARAMS
from sim.running.runner import git_commit
from sim.running.scripts import DOCS
from sim.studies.sensitivity.methods import OUTPUTS, WEEKS, Setting

UNITS = {"comorbid_pct": "percentage points", "exercise_effect_nrs": "NRS points"}
SHORT = {"comorbid_pct": "(a) comorbid prevalence, %",
         "exercise_effect_nrs": "(b) exercise effect at week 12, NRS (below 0: pain falls)"}
GROUP_COLOURS = {"network": "#8c564b", "time": "#1f77b4", "baseline": "#2ca02c", "noise": "#7f7f7f",
                 "shocks": "#d62728", "rules": "#9467bd", "interventions": "#ff7f0e"}
SHOWN = 20
"""Factors shown per panel of the Morris figure (the CSV has all of them)."""


def write_docs(out: Path, report: str) -> None:
    """docs/sensitivity.md is the report, its figures copied to docs/figures/sensitivity_*.png, and
    the hand-written discussion in docs/sensitivity_notes.md (if there is one) appended."""
    figures = DOCS / "figures"
    figures.mkdir(parents=True, exist_ok=True)
    for name in ("morris.png", "sobol.png"):
        if (out / name).exists():
            (figures / f"sensitivity_{name}").write_bytes((out / name).read_bytes())
            report = report.replace(f"]({name})", f"](figures/sensitivity_{name})")
    notes = DOCS / "sensitivity_notes.md"
    if notes.exists():
        report = report.rstrip("\n") + "\n\n" + notes.read_text(encoding="utf-8")
    (DOCS / "sensitivity.md").write_text(report, encoding="utf-8")


def _size(conf, setting) -> str:
    return (f"{setting.n_agents:,} people, burn-in {setting.burn_in_days:,} days, "
            f"{len(setting.seeds)} seed{'s' if len(setting.seeds) > 1 else ''} (common to every run)")


def morris_figure(table: pd.DataFrame, top: dict, conf: dict, setting: Setting) -> Figure:
    """Per output: mu* of the most influential factors (bars, 95% bootstrap interval) and sigma."""
    k = table["parameter"].nunique()
    shown = min(SHOWN, k)
    fig = Figure(figsize=(15, 0.34 * shown + 2.6), layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, len(OUTPUTS)))
    seen = set()
    for ax, output in zip(axes, OUTPUTS):
        part = table[table["output"] == output].sort_values("mu_star", ascending=False).head(shown)
        seen |= set(part["group"])
        y = np.arange(len(part))[::-1]
        colours = [GROUP_COLOURS[g] for g in part["group"]]
        ax.barh(y, part["mu_star"], color=colours, alpha=0.85)
        ax.errorbar(part["mu_star"], y, xerr=part["mu_star_conf"], fmt="none", ecolor="black", elinewidth=1,
                    capsize=2)
        ax.plot(part["sigma"], y, "D", color="black", mfc="white", ms=5,
                label="sigma: spread of the changes (interactions, non-linearity)")
        # the sign of mu says which way the output moves as the parameter rises
        labels = [f"{name} ({'+' if mu > 0 else '-' if mu < 0 else '0'})"
                  for name, mu in zip(part["parameter"], part["mu"])]
        ax.set_yticks(y, labels, fontsize=9)
        for tick, name in zip(ax.get_yticklabels(), part["parameter"]):
            if name in top[output]:
                tick.set_fontweight("bold")
        ax.set_xlabel(f"mu*, {UNITS[output]}")
        ax.set_xlim(left=0)
        ax.grid(axis="x", alpha=0.3)
        ax.set_title(f"{SHORT[output]}\n{shown} largest of {k}", fontsize=10)
    handles = [Patch(color=GROUP_COLOURS[g], label=f"group {g}") for g in GROUP_COLOURS if g in seen]
    handles.append(axes[0].get_legend_handles_labels()[0][0])
    fig.legend(handles=handles, loc="outside lower center", ncols=len(handles), fontsize=9)
    fig.suptitle(f"Morris screening: {conf['trajectories']} trajectories x {k + 1} runs, {_size(conf, setting)}\n"
                 "mu*: mean absolute change of the output as a parameter crosses its range (bars, 95% bootstrap "
                 "interval)\n(+) the output rises with the parameter, (-) it falls; bold: taken to the Sobol' stage",
                 fontsize=11)
    return fig


def sobol_figure(table: pd.DataFrame, top: dict, conf: dict, setting: Setting) -> Figure:
    """Per output: first-order (S1) and total (ST) Sobol' indices with 95% intervals."""
    names = list(dict.fromkeys(table["parameter"]))
    why = {name: ", ".join(key for key, output in zip("ab", OUTPUTS) if name in top[output]) for name in names}
    fig = Figure(figsize=(13, 0.5 * len(names) + 2.8), layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, len(OUTPUTS), sharey=True))
    y = np.arange(len(names))[::-1]
    h = 0.38
    for ax, output in zip(axes, OUTPUTS):
        part = table[table["output"] == output].set_index("parameter").reindex(names)
        ax.barh(y + h / 2, part["S1"], h, color="#4c72b0", label="S1, first order: the parameter alone")
        ax.barh(y - h / 2, part["ST"], h, color="#dd8452", label="ST, total: alone and in interactions")
        ax.errorbar(part["S1"], y + h / 2, xerr=part["S1_conf"], fmt="none", ecolor="black", elinewidth=1, capsize=2)
        ax.errorbar(part["ST"], y - h / 2, xerr=part["ST_conf"], fmt="none", ecolor="black", elinewidth=1, capsize=2)
        ax.axvline(0, color="black", lw=0.8)
        ax.set_yticks(y, [f"{n} [{why[n]}]" if why[n] else n for n in names], fontsize=9)
        ax.set_xlabel("share of the output's variance")
        ax.grid(axis="x", alpha=0.3)
        ax.set_title(f"{SHORT[output]}\nsum of S1 = {part['S1'].sum():.2f}", fontsize=10)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=2, fontsize=9)
    n_runs = conf["sobol_n"] * (len(names) + 2)
    fig.suptitle(f"Sobol' indices, N = {conf['sobol_n']} ({n_runs:,} runs), {_size(conf, setting)}\n"
                 "95% bootstrap intervals; [a], [b]: screened in by Morris for output (a), (b)", fontsize=11)
    return fig


def _zero_lines(table: pd.DataFrame) -> list[str]:
    """Parameters whose every elementary effect is exactly zero: they cannot act on that output
    (with common random numbers even a tiny effect would show as non-zero)."""
    zero = table[table["mu_star"] == 0].groupby("parameter")["output"].apply(set)
    if zero.empty:
        return []
    text = "; ".join(f"`{name}` on {' and '.join(sorted(outs))}" for name, outs in zero.items())
    return [f"Exactly zero: {text}. These cannot act on that output (the `crp_*` parameters only convert "
            "inflammation to mg/L; exercise's effect size does not reach the control arm), and with common "
            "random numbers an exact zero confirms that runs sharing seeds differ only by their parameters.", ""]


def _spread_lines(m, defaults: pd.DataFrame) -> list[str]:
    """How the outputs spread over the Morris design, where every parameter moves at once."""
    rows = []
    for j, output in enumerate(OUTPUTS):
        y = m.Y[:, j]
        centre = defaults[output].mean()
        q = np.nanpercentile(y, [10, 50, 90])
        rows.append({"output": output, "at defaults": centre, "p10": q[0], "median": q[1], "p90": q[2],
                     "max": np.nanmax(y), "min": np.nanmin(y),
                     "share beyond 2x default": float(np.mean(np.abs(y) > 2 * abs(centre)))})
    return ["Spread of the outputs over the Morris runs (all parameters move at once within their ranges). "
            "A long upper tail means that parts of the ranges tip the population into the stuck state, and "
            "mu* then mostly measures which parameters lead there:", "", _md_table(pd.DataFrame(rows)), ""]


def _md_table(frame: pd.DataFrame) -> str:
    return frame.to_markdown(index=False, floatfmt=".3g")


def markdown(args, conf, fs, defaults, m, s, top, check, times, total) -> str:
    """The sensitivity report in Markdown: set-up, outputs at the defaults, Morris and Sobol'
    tables, and the checks.
    """
    lines = ["# Global sensitivity analysis", ""]
    lines += [f"Command: `python experiments/sensitivity.py {args.command}`".rstrip(), ""]
    lines += ["Outputs, for every parameter set run with the same seeds (common random numbers):", ""]
    lines += [f"- **{k}**: {v}" for k, v in OUTPUTS.items()]
    lines += ["", "## Set-up", ""]
    relative = sum(not f.name.endswith("_bias") for f in fs)
    lines += [f"- {len(fs)} parameters of the groups {', '.join(sorted({f.group for f in fs}))} "
              f"({relative} over default +- {args.fraction:.0%}, {len(fs) - relative} `*_bias` over default "
              f"+- {args.bias_halfwidth:g} logits; clipped to the allowed range; `factors.csv`). Run size and the "
              f"scale ceilings are held fixed, and so are the effect sizes of interventions that neither output "
              f"runs.",
              f"- Population {args.agents:,} people, {args.seeds} seed(s) per parameter set, outcomes over "
              f"{WEEKS} weeks after the burn-in.",
              f"- Morris: {conf['trajectories']} trajectories, 4 levels, burn-in {conf['screen_burn_in_days']:,} days.",
              (f"- Sobol' (Saltelli, first and total order): N = {conf['sobol_n']}, the top {conf['top']} by mu* "
               f"of each output ({s.table['parameter'].nunique()} parameters), burn-in {conf['burn_in_days']:,} days."
               if s is not None else "- Sobol' stage skipped (--screen-only)."),
              f"- Design seed {args.design_seed}.", ""]
    lines += [f"Run time with {1 if args.serial else args.workers} worker process(es): wall clock (depends on "
              "what else the machine runs) and CPU time of the model runs (what they cost on free cores; "
              "rows taken from the cache of an earlier run count with what they cost then):", ""]
    lines += [f"- {stage}: {n:,} model runs, {sec:,.0f} s wall, {cpu:,.0f} s CPU"
              for stage, (sec, cpu, n) in times.items()]
    lines += [f"- total {total:,.0f} s wall", ""]
    lines += ["## Outputs at the defaults", ""]
    stats = defaults[list(OUTPUTS)].agg(["mean", "std"]).T.reset_index()
    stats.columns = ["output", "mean", "SD between seeds"]
    lines += [f"{len(defaults)} seeds, burn-in {conf['burn_in_days']:,} days. The SD between seeds is the noise of "
              "one run in a *new* random world; runs that share seeds differ by much less.", ""]
    lines += [_md_table(stats), ""]
    lines += ["## Morris screening (`morris.csv`, `morris.png`)", "", "![Morris screening](morris.png)", ""]
    lines += ["mu* is the mean absolute change of the output when a parameter moves across its whole range "
              "(in the output's unit); mu its signed mean (the direction); sigma the spread of the changes "
              "(interactions or a non-linear response). Ten largest by mu*:", ""]
    for output in OUTPUTS:
        part = m.table[m.table["output"] == output].head(10)
        lines += [f"### {OUTPUTS[output]}", ""]
        if m.dropped.get(output):
            lines += [f"{m.dropped[output]} trajectories were dropped (no chronic-pain cohort on day 0).", ""]
        lines += [_md_table(part[["rank", "parameter", "group", "low", "high", "mu_star", "mu_star_conf", "mu",
                                  "sigma"]]), ""]
    lines += _zero_lines(m.table)
    lines += _spread_lines(m, defaults)
    if check is not None:
        lines += ["### Does a shorter burn-in change the ranking?", "",
                  "The same Morris design and seeds run with both burn-ins (`burn_in_check.csv`): Spearman "
                  "correlation of mu* over all parameters, top-k parameters shared, and how many of the long "
                  "burn-in's top k the short burn-in ranks within its top 2k. The extra burn-in years also "
                  "draw new random events, so the comparison includes the model's own noise: ranks whose "
                  "mu* intervals overlap are ties, and a changed order among them is not a burn-in effect.", "",
                  _md_table(check), ""]
    if s is not None:
        lines += ["## Sobol' indices (`sobol.csv`, `sobol.png`)", "", "![Sobol' indices](sobol.png)", ""]
        lines += ["Top by mu*: " + "; ".join(f"{k}: {', '.join(v)}" for k, v in top.items()) + ". "
                  "S1 is the share of the output's variance a parameter explains alone, ST with all its "
                  "interactions (95% bootstrap intervals). Other parameters are held at their defaults, so the "
                  "shares are of the variance these parameters make. Noise left after common random numbers "
                  "counts as unexplained variance (sum of S1 below 1).", ""]
        for output in OUTPUTS:
            part = s.table[s.table["output"] == output].sort_values("ST", ascending=False)
            lines += [f"### {OUTPUTS[output]}", ""]
            if s.dropped.get(output):
                lines += [f"{s.dropped[output]} blocks were dropped (no chronic-pain cohort on day 0).", ""]
            y = s.Y[:, list(OUTPUTS).index(output)]
            lines += [f"Output over the Sobol' runs: median {np.nanmedian(y):.3g}, mean {np.nanmean(y):.3g}, "
                      f"SD {np.nanstd(y):.3g}, range {np.nanmin(y):.3g} to {np.nanmax(y):.3g}; sum of S1 "
                      f"{part['S1'].sum():.2f}.", ""]
            lines += [_md_table(part[["parameter", "S1", "S1_conf", "ST", "ST_conf"]]), ""]
    lines += ["## Caveats", "",
              f"- Ranges centre on the defaults of the model as of commit {git_commit() or 'unknown'}; "
              "rerun this script after a recalibration.",
              "- Ranges are a documented convention, not measured uncertainty: a parameter's rank depends "
              "on the width it is given.",
              "- With few trajectories the Morris intervals are wide: treat neighbouring ranks as ties."]
    package_burn_in = PARAMS["burn_in_days"].default
    if min(conf["burn_in_days"], conf["screen_burn_in_days"]) < package_burn_in:
        lines += [f"- A burn-in shorter than the package's {package_burn_in:,} days leaves prevalences still "
                  "rising slowly (at the defaults chronic pain is ~1 point short after 3 years); see the "
                  "burn-in check (`--check-burn-in`) before trusting ranks below the first few."]
    lines.append("")
    return "\n".join(lines)


