"""The browser dashboard: Mesa's SolaraViz around :class:`sim.dashboard_model.DashboardModel`.

Start it with ``painloop dashboard`` (prints the address), or ``solara run sim/dashboard.py``.
What it shows, all redrawn each step:

* the town's social network, each person coloured well / chronic pain only / depressed only /
  both, the followed person ringed and their ties drawn (the layout is computed once per town);
* prevalence of chronic pain, depression and both over the days;
* histograms of pain (NRS) and PHQ-9 across people, with the clinical thresholds;
* the followed person's five core states over the days;
* the causal-loop diagram of the rules, the switched-off rule grey and dashed, with the loops it
  breaks marked -- redrawn only when the rules change.

Every control is a keyword of ``DashboardModel`` (reset rebuilds the model from them); the
parameter sliders read their default and range from :data:`sim.parameters.PARAMETERS`.
"""

from __future__ import annotations

import inspect
import io
import warnings

import matplotlib

matplotlib.use("Agg")
# Mesa 3.3's ComponentsView calls a hook after an early return (fixed in Mesa 3.4); Solara warns
# about it at every start. Known and harmless here.
warnings.filterwarnings("ignore", message=r".*ComponentsView: `use_state` found despite early return")
import numpy as np  # noqa: E402
import PIL.Image  # noqa: E402
import solara  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.collections import LineCollection  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402
from mesa.visualization import Slider, SolaraViz  # noqa: E402

from . import scales  # noqa: E402
from .categories import CATEGORIES, COLOURS, LABELS, colour_array  # noqa: E402
from .dashboard_model import (FOLLOW_CHOICES, NO_INTERVENTION, NO_RULE_OFF,  # noqa: E402
                              SLIDER_PARAMETERS, DashboardModel)
from .interventions import ELIGIBILITY, FIELDS, intervention_names  # noqa: E402
from .loop_diagram import draw_loop_diagram  # noqa: E402
from .parameters import PARAMS  # noqa: E402
from .rules import rule_names  # noqa: E402

DPI = 80
"""Low enough that one step's five PNGs render fast, high enough to read at dashboard size."""


def parameter_slider(name: str) -> Slider:
    """A slider over a parameter's allowed range, starting at its default (from the table)."""
    p = PARAMS[name]
    if p.kind is int:
        return Slider(f"{name} ({p.unit})", int(p.default), int(p.low), int(p.high), 1, dtype=int)
    step = float(f"{(p.high - p.low) / 100:.1g}")
    return Slider(f"{name} ({p.unit})", float(p.default), float(p.low), float(p.high), step, dtype=float)


def _select(label: str, default, values) -> dict:
    return {"type": "Select", "value": default, "values": list(values), "label": label}


def model_params() -> dict:
    """The controls, each a keyword of DashboardModel starting at that keyword's default."""
    default = {name: arg.default for name, arg in inspect.signature(DashboardModel).parameters.items()}
    coverage, start = FIELDS["coverage"], FIELDS["start_day"]
    params = {
        "seed": Slider("seed", default["seed"], 0, 99, 1, dtype=int),
        "n_agents": Slider("people in the town", default["n_agents"], 500, 2_000, 100, dtype=int),
        "follow": _select("follow", default["follow"], FOLLOW_CHOICES),
        "switched_off": _select("switch a rule off", default["switched_off"], [NO_RULE_OFF, *rule_names()]),
        "intervention": _select("intervention", default["intervention"],
                                [NO_INTERVENTION, *intervention_names()]),
        "coverage": Slider(f"coverage (share of eligible people offered it)", default["coverage"],
                           coverage.low, coverage.high, 0.05, dtype=float),
        "intervention_start_day": Slider("intervention starts on day", default["intervention_start_day"],
                                         start.low, 365, 5, dtype=int),
        "eligibility": _select("offered to", default["eligibility"], ELIGIBILITY),
    }
    params.update({name: parameter_slider(name) for name in SLIDER_PARAMETERS})
    return params


# ---- one plot per component ------------------------------------------------------------------------
#
# Each plot builds its figure and artists once per model and then only changes their data at
# each step: re-creating figures (and re-running the layout engine) costs several times more
# than drawing them, and the dashboard has to stay fluid at 1,000 people.


class Plot:
    """A figure whose artists are built once (``build``) and refreshed in place (``update``)."""

    size = (5.6, 4.0)

    def __init__(self, model: DashboardModel):
        self.fig = Figure(figsize=self.size, dpi=DPI, layout="constrained")
        self.canvas = FigureCanvasAgg(self.fig)
        self.build(model)
        self.update(model)
        # lay the figure out once, then freeze it: titles change at every step, positions need not
        self.fig.draw_without_rendering()
        self.fig.set_layout_engine("none")

    def build(self, model: DashboardModel) -> None:
        raise NotImplementedError

    def png(self, model: DashboardModel) -> bytes:
        """The updated figure as PNG bytes.

        One draw on the figure's own Agg canvas, encoded with light compression: ``savefig``
        drew the figure twice, and encoding is part of every step too.
        """
        self.update(model)
        self.canvas.draw()
        buffer = io.BytesIO()
        PIL.Image.fromarray(np.asarray(self.canvas.buffer_rgba())).save(buffer, format="png",
                                                                         compress_level=1)
        return buffer.getvalue()

    def update(self, model: DashboardModel) -> Figure:
        raise NotImplementedError


class NetworkPlot(Plot):
    """The social network coloured by category; the followed person ringed, with their ties."""

    size = (5.6, 5.6)

    def build(self, model):
        ax = self.ax = self.fig.add_subplot()
        xy = model.layout
        edges = model.engine.network.edge_list()
        # not antialiased: thousands of faint hairlines look the same and draw several times faster
        ax.add_collection(LineCollection(xy[edges], colors="#e6e6e6", linewidths=0.4,
                                         antialiaseds=False, zorder=0))
        self.dots = ax.scatter(xy[:, 0], xy[:, 1], s=14, linewidths=0, zorder=1)
        i = model.followed
        ax.add_collection(LineCollection([[xy[i], xy[j]] for j in model.engine.network.neighbours(i)],
                                         colors="black", linewidths=0.9, zorder=2))
        ax.scatter(*xy[i], s=150, facecolors="none", edgecolors="black", linewidths=2.0, zorder=3)
        ax.set_aspect("equal")
        ax.axis("off")
        self.handles = [Patch(color=COLOURS[c]) for c in CATEGORIES]
        self.legend = ax.legend(handles=self.handles, labels=list(CATEGORIES), loc="upper center",
                                bbox_to_anchor=(0.5, 0.0), ncols=2, fontsize=8, frameon=False)
        self.title = ax.set_title("", fontsize=10)

    def update(self, model):
        codes = model.category_codes()
        self.dots.set_facecolors(colour_array(codes))
        counts = np.bincount(codes, minlength=len(CATEGORIES))
        for text, c, k in zip(self.legend.get_texts(), CATEGORIES, counts):
            text.set_text(f"{LABELS[c]}: {k}")
        self.title.set_text(f"Social network, day {model.day} (ringed: the followed person)")
        return self.fig


PREVALENCE_LINES = (("chronic_pain", "chronic pain", COLOURS["pain"]),
                    ("depression", "depression", COLOURS["depressed"]),
                    ("comorbid", "both", COLOURS["both"]))


class PrevalencePlot(Plot):
    """Prevalence over the days since the model was (re)built."""

    size = (5.6, 3.6)

    def build(self, model):
        ax = self.ax = self.fig.add_subplot()
        self.lines = {key: ax.plot([], [], color=colour, lw=1.8, marker="o", markersize=2,
                                   label=label)[0] for key, label, colour in PREVALENCE_LINES}
        self.treated = {}
        for spec in model.engine.scenario.interventions:
            ax.axvline(spec.start_day, color="#1e8449", ls="--", lw=1.2,
                       label=f"{spec.name} offered ({100 * spec.coverage:.0f}% of {spec.eligibility})")
            self.treated[spec.name] = ax.plot([], [], color="#1e8449", lw=1.4, label="in treatment")[0]
        ax.set_xlabel("day")
        ax.set_ylabel("% of people")
        ax.set_title("Prevalence", fontsize=10)
        ax.legend(fontsize=8, loc="lower right")

    def update(self, model):
        data = model.datacollector.model_vars
        days = np.arange(len(data["chronic_pain"]))
        top = 0.0
        for key, line in self.lines.items():
            values = 100 * np.asarray(data[key])
            line.set_data(days, values)
            line.set_marker("o" if len(days) < 2 else "")
            top = max(top, values.max())
        for name, line in self.treated.items():
            values = 100 * np.asarray(data[f"{name}_in_treatment"]) / model.engine.n
            line.set_data(days, values)
            top = max(top, values.max())
        starts = [spec.start_day for spec in model.engine.scenario.interventions]
        self.ax.set_xlim(0, max(30, days[-1], *(d + 10 for d in starts)))
        self.ax.set_ylim(0, max(10.0, 1.15 * top))
        return self.fig


class HistogramPlot(Plot):
    """Pain and PHQ-9 across people today, with the thresholds that define a case."""

    size = (5.6, 3.2)
    PAIN_BINS = np.arange(0, 10.5, 0.5)
    PHQ9_BINS = np.arange(0, 28, 1)

    def build(self, model):
        self.ax_pain, self.ax_mood = self.fig.subplots(1, 2)
        n = model.engine.n
        self.pain = self.ax_pain.stairs(np.zeros(len(self.PAIN_BINS) - 1), self.PAIN_BINS, fill=True,
                                        color=COLOURS["pain"])
        self.mood = self.ax_mood.stairs(np.zeros(len(self.PHQ9_BINS) - 1), self.PHQ9_BINS, fill=True,
                                        color=COLOURS["depressed"])
        self.ax_pain.axvline(scales.CHRONIC_PAIN_NRS, color="black", ls="--", lw=1)
        self.ax_mood.axvline(scales.DEPRESSION_PHQ9, color="black", ls="--", lw=1)
        self.ax_pain.set_xlabel("pain (NRS)")
        self.ax_pain.set_ylabel("people")
        self.ax_mood.set_xlabel("PHQ-9")
        for ax in (self.ax_pain, self.ax_mood):
            ax.set_ylim(0, n / 2)
        self.title = self.fig.suptitle("", fontsize=10)

    def update(self, model):
        pop = model.engine.pop
        for stairs, ax, values, bins in ((self.pain, self.ax_pain, scales.pain_nrs(pop.pain), self.PAIN_BINS),
                                         (self.mood, self.ax_mood, scales.phq9(pop.low_mood), self.PHQ9_BINS)):
            counts, _ = np.histogram(values, bins)
            stairs.set_data(counts)
            ax.set_ylim(0, max(10, 1.15 * counts.max()))
        self.title.set_text(f"Pain and low mood across people, day {model.day} (dashed: case threshold)")
        return self.fig


PERSON_PANELS = (
    ("pain_nrs", "pain NRS", scales.CHRONIC_PAIN_NRS, (0, 10)),
    ("phq9", "PHQ-9", scales.DEPRESSION_PHQ9, (0, 27)),
    ("activity_min_week", "activity\nmin/week", 150.0, None),
    ("sleep_psqi", "sleep\nPSQI", scales.POOR_SLEEP_PSQI, (0, 21)),
    ("crp_mg_l", "CRP mg/L", scales.HIGH_CRP_MG_L, None),
)


class PersonPlot(Plot):
    """The followed person's five core states, one small panel each, with the case thresholds."""

    size = (5.6, 5.0)

    def build(self, model):
        self.axes = self.fig.subplots(len(PERSON_PANELS), 1, sharex=True)
        self.lines = {}
        for ax, (key, label, threshold, ylim) in zip(self.axes, PERSON_PANELS):
            self.lines[key] = ax.plot([], [], color="#1f3a5f", lw=1.3, marker="o", markersize=2)[0]
            if key == "phq9":
                self.lines["phq9_14d"] = ax.plot([], [], color="#c0392b", lw=1.3, label="14-day mean")[0]
                ax.legend(fontsize=7, loc="upper left")
            ax.axhline(threshold, color="grey", ls="--", lw=0.8)
            if ylim:
                ax.set_ylim(*ylim)
            ax.set_ylabel(label, fontsize=8)
            ax.tick_params(labelsize=7)
            ax.yaxis.set_major_locator(MaxNLocator(3))
        self.axes[-1].set_xlabel("day")
        self.title = self.fig.suptitle("", fontsize=9)
        self.treatment = None

    def update(self, model):
        history = model.followed_history
        days = np.array([h["day"] for h in history])
        treated = np.array([h["treated"] for h in history])
        if treated.any():
            if self.treatment is not None:
                for band in self.treatment:
                    band.remove()
            self.treatment = [ax.fill_between(days, 0, 1, where=treated, transform=ax.get_xaxis_transform(),
                                              color="#1e8449", alpha=0.15, lw=0, step="mid")
                              for ax in self.axes]
        for key, line in self.lines.items():
            line.set_data(days, [h[key] for h in history])
            line.set_marker("o" if len(days) < 2 else "")
        for ax, (key, _, threshold, ylim) in zip(self.axes, PERSON_PANELS):
            if ylim is None:
                values = [h[key] for h in history]
                ax.set_ylim(0, 1.15 * max(threshold, max(values)))
        self.axes[-1].set_xlim(0, max(30, days[-1]))
        category = CATEGORIES[history[-1]["category"]]
        note = f" -- {model.follow_note}" if model.follow_note else ""
        treated_note = " (green: in treatment)" if treated.any() else ""
        self.title.set_text(f"Person {model.followed}, {model.follow}{note}: now {LABELS[category]}"
                            f"{treated_note}")
        return self.fig


def loop_figure(disabled_rules: tuple[str, ...]) -> Figure:
    """The causal-loop diagram for the dashboard (no loop list: the page has no room for it)."""
    fig = Figure(figsize=(6.4, 5.4), dpi=DPI, layout="constrained")
    ax = fig.add_subplot()
    title = "Causal loops" + (f": {', '.join(disabled_rules)} OFF" if disabled_rules else "")
    draw_loop_diagram(ax, disabled_rules, title=title)
    return fig


# ---- Solara components ------------------------------------------------------------------------------


def _component(plot_class):
    """A dashboard component that keeps one ``plot_class`` per model and redraws it each step."""

    def component(model):
        plot = solara.use_memo(lambda: plot_class(model), dependencies=[id(model)])
        image = solara.use_memo(lambda: plot.png(model), dependencies=[id(model), model.day])
        solara.Image(image, format="png")

    component.__name__ = plot_class.__name__.replace("Plot", "View")
    return component


NetworkView = _component(NetworkPlot)
PrevalenceView = _component(PrevalencePlot)
HistogramView = _component(HistogramPlot)
PersonView = _component(PersonPlot)


def LoopView(model):
    """The causal-loop diagram: drawn once per set of switched-off rules, not at every step."""
    disabled = model.engine.scenario.disabled_rules
    fig = solara.use_memo(lambda: loop_figure(disabled), dependencies=[disabled])
    solara.FigureMatplotlib(fig, format="png", dependencies=[disabled])


COMPONENTS = [NetworkView, PrevalenceView, PersonView, HistogramView, LoopView]

page = SolaraViz(
    DashboardModel(),
    components=COMPONENTS,
    model_params=model_params(),
    name="painloop: the vicious cycle of back pain and depression",
)
