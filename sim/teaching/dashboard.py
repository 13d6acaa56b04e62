"""The browser dashboard: Mesa's SolaraViz around :class:`sim.teaching.dashboard_model.DashboardModel`.

Start it with ``painloop dashboard`` (prints the address), or ``solara run app.py`` from the
repository root (Mesa's convention; ``app.py`` imports :data:`page` from here).
What it shows, all redrawn each step:

* the town's social network, each person coloured well / chronic pain only / depressed only /
  both, the followed person ringed and their ties drawn (the layout is computed once per town);
* prevalence of chronic pain, depression and both over the days;
* histograms of pain (NRS) and PHQ-9 across people, with the clinical thresholds;
* the followed person's five core states over the days;
* the causal-loop diagram of the rules, the switched-off rule grey and dashed, with the loops it
  breaks marked -- redrawn only when the rules change;
* what the town has cost and gained so far (health-care cost, QALYs, net monetary benefit per
  person), with a collapsed "Costs and quality of life" section of sliders for the unit costs of
  the chosen currency, the utility tariff and the willingness to pay
  (:mod:`sim.teaching.dashboard_costs`) -- these redraw the readout, never reset the town.

Every control is a keyword of ``DashboardModel`` (reset rebuilds the model from them); the
parameter sliders read their default and range from :data:`sim.core.parameters.PARAMETERS`.
"""

from __future__ import annotations

import abc
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

from sim.core import scales  # noqa: E402
from sim.teaching.categories import CATEGORIES, COLOURS, LABELS, colour_array  # noqa: E402
from sim.teaching.dashboard_model import (FOLLOW_CHOICES, NO_INTERVENTION, NO_RULE_OFF,  # noqa: E402
                              SLIDER_PARAMETERS, DashboardModel)
from sim.interventions import ELIGIBILITY, FIELDS, intervention_names  # noqa: E402
from sim.teaching.loop_diagram import draw_loop_diagram  # noqa: E402
from sim.core.parameters import CURRENCIES, PARAMS  # noqa: E402
from sim.core.rules import rule_names  # noqa: E402
from sim.studies.economics.costs import PERSPECTIVES  # noqa: E402
from sim.studies.economics.figures import SYMBOL  # noqa: E402
from sim.teaching import dashboard_costs  # noqa: E402

DPI = 80
"""Low enough that one step's five PNGs render fast, high enough to read at dashboard size."""


def slider_step(low: float, high: float, default: float) -> float:
    """The coarsest of 1, 0.5, 0.2, 0.1, 0.05, ... giving at least 100 positions over the range
    with the default on one of them: a slider snaps its value to its steps, and a default off
    the grid would quietly become another value at the first reset."""
    for exponent in range(1, -7, -1):
        for mantissa in (5, 2, 1):
            step = mantissa * 10.0 ** (exponent - 1)
            positions = (default - low) / step
            if (high - low) / step >= 100 and abs(positions - round(positions)) < 1e-6:
                return float(f"{step:.10g}")
    raise ValueError(f"no slider step puts {default} on a grid from {low}")


def parameter_slider(name: str) -> Slider:
    """A slider over a parameter's allowed range, starting at its default (from the table)."""
    p = PARAMS[name]
    if p.kind is int:
        return Slider(f"{name} ({p.unit})", int(p.default), int(p.low), int(p.high), 1, dtype=int)
    step = slider_step(p.low, p.high, p.default)
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
        "coverage": Slider("coverage (share of eligible people offered it)", default["coverage"],
                           coverage.low, coverage.high, 0.05, dtype=float),
        "intervention_start_day": Slider("intervention starts on day", default["intervention_start_day"],
                                         start.low, 365, 5, dtype=int),
        "eligibility": _select("offered to", default["eligibility"], ELIGIBILITY),
    }
    params.update({name: parameter_slider(name) for name in SLIDER_PARAMETERS})
    return params


# ---- one plot per component ------------------------------------------------------------------------
#
# The dashboard must stay fluid at 1,000 people, so each plot draws as little as it can per step.
# Its figure and artists are built once per model; each step only changes their data. What does
# not change -- axes, ticks, labels, the network's ties -- is drawn once into a background and
# copied back (matplotlib's blitting); only the *animated* artists (lines, dots, bars, titles) are
# drawn on top. Axis limits grow in whole steps (NICE), so the background is redrawn only when a
# limit changes, not every day.


def nice_top(value: float, step: float) -> float:
    """``value`` rounded up to a whole number of ``step`` (at least one step)."""
    return step * max(1.0, np.ceil(value / step))


class Plot(abc.ABC):
    """A figure built once (``build``), refreshed in place (``update``) and drawn by blitting."""

    size = (5.6, 4.0)

    def __init__(self, model: DashboardModel):
        self.fig = Figure(figsize=self.size, dpi=DPI, layout="constrained")
        self.canvas = FigureCanvasAgg(self.fig)
        self.animated: list = []
        self.keyed: list = []
        self.build(model)
        self.update(model)
        # lay the figure out once, then freeze it: titles change at every step, positions need not
        self.fig.draw_without_rendering()
        self.fig.set_layout_engine("none")
        self._background = None
        self._limits = None

    @abc.abstractmethod
    def build(self, model: DashboardModel) -> None:
        """Create the figure's artists (once)."""

    @abc.abstractmethod
    def update(self, model: DashboardModel) -> None:
        """Refresh the artists' data from the model (every step)."""

    def animate(self, *artists):
        """Mark artists that change every step: they are left out of the background."""
        for artist in artists:
            artist.set_animated(True)
            self.animated.append(artist)
        return artists[0] if len(artists) == 1 else artists

    def png(self, model: DashboardModel) -> bytes:
        """The updated figure as PNG bytes: the background (redrawn only when an axis limit or a
        text in ``keyed`` has changed), the animated artists on top, lightly compressed. Text is
        the dearest thing to draw, so texts that change rarely belong in ``keyed``, not in
        ``animated``."""
        self.update(model)
        limits = (tuple(ax.get_xlim() + ax.get_ylim() for ax in self.fig.axes)
                  + tuple(text.get_text() for text in self.keyed))
        if limits != self._limits:
            self.canvas.draw()
            self._background = self.canvas.copy_from_bbox(self.fig.bbox)
            self._limits = limits
        else:
            self.canvas.restore_region(self._background)
        for artist in self.animated:
            self.fig.draw_artist(artist)
        buffer = io.BytesIO()
        rgb = np.ascontiguousarray(np.asarray(self.canvas.buffer_rgba())[..., :3])
        PIL.Image.fromarray(rgb).save(buffer, format="png", compress_level=1)
        return buffer.getvalue()


class NetworkPlot(Plot):
    """The social network coloured by category; the followed person ringed, with their ties."""

    size = (5.6, 5.6)

    def build(self, model):
        ax = self.ax = self.fig.add_subplot()
        xy = model.layout
        edges = model.engine.network.edge_list()
        ax.add_collection(LineCollection(xy[edges], colors="#e6e6e6", linewidths=0.4, zorder=0))
        self.dots = self.animate(ax.scatter(xy[:, 0], xy[:, 1], s=14, linewidths=0, zorder=1))
        # the followed person's ties and ring are animated too, so the dots do not cover them
        i = model.followed
        self.animate(ax.add_collection(LineCollection(
            [[xy[i], xy[j]] for j in model.engine.network.neighbours(i)], colors="black",
            linewidths=0.9, zorder=2)),
            ax.scatter(*xy[i], s=150, facecolors="none", edgecolors="black", linewidths=2.0, zorder=3))
        ax.set_aspect("equal")
        ax.axis("off")
        ax.legend(handles=[Patch(color=COLOURS[c], label=LABELS[c]) for c in CATEGORIES],
                  loc="upper center", bbox_to_anchor=(0.5, 0.0), ncols=2, fontsize=8, frameon=False)
        ax.set_title("Social network (ringed: the followed person and their ties)", fontsize=10, pad=18)
        self.counts = self.animate(ax.text(0.5, 1.01, "", transform=ax.transAxes, ha="center",
                                           va="bottom", fontsize=8.5))

    def update(self, model):
        codes = model.category_codes()
        order = np.argsort(codes, kind="stable")  # cases on top of the well
        self.dots.set_offsets(model.layout[order])
        self.dots.set_facecolors(colour_array(codes[order]))
        well, pain, depressed, both = np.bincount(codes, minlength=len(CATEGORIES))
        self.counts.set_text(f"day {model.day}: {well} well, {pain} chronic pain only, "
                             f"{depressed} depressed only, {both} both")


PREVALENCE_LINES = (("chronic_pain", "chronic pain", COLOURS["pain"]),
                    ("depression", "depression", COLOURS["depressed"]),
                    ("comorbid", "both", COLOURS["both"]))
DAYS_STEP = 30
"""Time axes grow a month at a time."""


class PrevalencePlot(Plot):
    """Prevalence over the days since the model was (re)built."""

    size = (5.6, 3.6)

    def build(self, model):
        ax = self.ax = self.fig.add_subplot()
        self.lines = {key: self.animate(ax.plot([], [], color=colour, lw=1.8, marker="o", markersize=2,
                                                label=label)[0])
                      for key, label, colour in PREVALENCE_LINES}
        self.treated = {}
        for spec in model.engine.scenario.interventions:
            ax.axvline(spec.start_day, color="#1e8449", ls="--", lw=1.2,
                       label=f"{spec.name} offered ({100 * spec.coverage:.0f}% of {spec.eligibility})")
            self.treated[spec.name] = self.animate(ax.plot([], [], color="#1e8449", lw=1.4,
                                                           label="in treatment")[0])
        ax.set_xlabel("day")
        ax.set_ylabel("% of people")
        ax.set_title("Prevalence", fontsize=10)
        ax.legend(fontsize=7.5, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncols=3, frameon=False)

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
        starts = [spec.start_day + 10 for spec in model.engine.scenario.interventions]
        self.ax.set_xlim(0, nice_top(max(days[-1], *starts, 1), DAYS_STEP))
        self.ax.set_ylim(0, nice_top(1.1 * top, 10.0))


class HistogramPlot(Plot):
    """Pain and PHQ-9 across people today, with the thresholds that define a case."""

    size = (5.6, 3.2)
    PAIN_BINS = np.arange(0, 10.5, 0.5)
    PHQ9_BINS = np.arange(0, 28, 1)

    def build(self, model):
        self.ax_pain, self.ax_mood = self.fig.subplots(1, 2)
        self.pain = self.animate(self.ax_pain.stairs(np.zeros(len(self.PAIN_BINS) - 1), self.PAIN_BINS,
                                                     fill=True, color=COLOURS["pain"]))
        self.mood = self.animate(self.ax_mood.stairs(np.zeros(len(self.PHQ9_BINS) - 1), self.PHQ9_BINS,
                                                     fill=True, color=COLOURS["depressed"]))
        self.animate(self.ax_pain.axvline(scales.CHRONIC_PAIN_NRS, color="black", ls="--", lw=1),
                     self.ax_mood.axvline(scales.DEPRESSION_PHQ9, color="black", ls="--", lw=1))
        self.ax_pain.set_xlabel("pain (NRS)")
        self.ax_pain.set_ylabel("people")
        self.ax_mood.set_xlabel("PHQ-9")
        self.fig.suptitle("Pain and low mood across people today (dashed: case threshold)", fontsize=10)

    def update(self, model):
        pop = model.engine.pop
        step = nice_top(model.engine.n / 20, 25.0)
        panels = ((self.pain, self.ax_pain, scales.pain_nrs(pop.pain), self.PAIN_BINS),
                  (self.mood, self.ax_mood, scales.phq9(pop.low_mood), self.PHQ9_BINS))
        for stairs, ax, values, bins in panels:
            counts, _ = np.histogram(values, bins)
            stairs.set_data(counts)
            ax.set_ylim(0, nice_top(1.05 * counts.max(), step))


class PersonPlot(Plot):
    """The followed person's five core states, one small panel each, with the case thresholds."""

    size = (5.6, 5.0)

    def build(self, model):
        self.axes = self.fig.subplots(len(scales.PANELS), 1, sharex=True)
        self.lines = {}
        for ax, panel in zip(self.axes, scales.PANELS):
            key = panel.key
            self.lines[key] = self.animate(ax.plot([], [], color="#1f3a5f", lw=1.3, marker="o",
                                                   markersize=2)[0])
            if key == "phq9":
                self.lines["phq9_14d"] = self.animate(ax.plot([], [], color="#c0392b", lw=1.3,
                                                              label="14-day mean")[0])
                ax.legend(fontsize=7, loc="upper left")
            ax.axhline(panel.threshold, color="grey", ls="--", lw=0.8)
            if panel.top is not None:
                ax.set_ylim(0, panel.top)
            ax.set_ylabel(panel.short, fontsize=8)
            ax.tick_params(labelsize=7)
            ax.yaxis.set_major_locator(MaxNLocator(3))
        self.axes[-1].set_xlabel("day")
        self.title = self.fig.suptitle("", fontsize=9)
        self.keyed.append(self.title)
        self.bands: list = []

    def update(self, model):
        history = model.followed_history
        days = np.array([h["day"] for h in history])
        treated = np.array([h["treated"] for h in history])
        for band in self.bands:
            band.remove()
            self.animated.remove(band)
        self.bands = []
        if treated.any():
            self.bands = [self.animate(ax.fill_between(
                days, 0, 1, where=treated, transform=ax.get_xaxis_transform(), color="#1e8449",
                alpha=0.15, lw=0, step="mid")) for ax in self.axes]
        for key, line in self.lines.items():
            line.set_data(days, [h[key] for h in history])
            line.set_marker("o" if len(days) < 2 else "")
        for ax, panel in zip(self.axes, scales.PANELS):
            if panel.top is None:
                top = max(panel.threshold, max(h[panel.key] for h in history))
                ax.set_ylim(0, nice_top(1.1 * top, panel.threshold))
        self.axes[-1].set_xlim(0, nice_top(days[-1], DAYS_STEP))
        category = CATEGORIES[history[-1]["category"]]
        note = f" -- {model.follow_note}" if model.follow_note else ""
        treated_note = " (green: in treatment)" if treated.any() else ""
        self.title.set_text(f"Person {model.followed}, {model.follow}{note}: now {LABELS[category]}"
                            f"{treated_note}")


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
    component.__doc__ = f"Dashboard component: {plot_class.__doc__[0].lower()}{plot_class.__doc__[1:]}"
    return component


NetworkView = _component(NetworkPlot)
"""Dashboard component: the social network (:class:`NetworkPlot`), redrawn each step."""
PrevalenceView = _component(PrevalencePlot)
"""Dashboard component: prevalence over the days (:class:`PrevalencePlot`)."""
HistogramView = _component(HistogramPlot)
"""Dashboard component: pain and PHQ-9 histograms (:class:`HistogramPlot`)."""
PersonView = _component(PersonPlot)
"""Dashboard component: the followed person's core states (:class:`PersonPlot`)."""


def LoopView(model):
    """The causal-loop diagram: drawn once per set of switched-off rules, not at every step."""
    disabled = model.engine.scenario.disabled_rules
    fig = solara.use_memo(lambda: loop_figure(disabled), dependencies=[disabled])
    solara.FigureMatplotlib(fig, format="png", dependencies=[disabled])


def costs_slider_step(c: dashboard_costs.Control) -> float:
    """The step of a costs-section slider (the willingness to pay moves in whole thousands)."""
    return dashboard_costs.WTP_STEP if c.name == "wtp" else slider_step(c.low, c.high, c.value)


def readout_text(totals: dict, currency: str, perspective: str) -> str:
    """The running readout as Markdown (one short table)."""
    sym = SYMBOL[currency]
    money = lambda x: f"-{sym}{-x:,.2f}" if x < 0 else f"{sym}{x:,.2f}"  # noqa: E731
    rows = [("interventions", money(totals["interventions"])), ("background health care", money(totals["background"]))]
    if perspective == "societal":
        rows.append(("lost work", money(totals["productivity"])))
    rows += [("**total cost**", f"**{money(totals['cost'])}**"), ("QALYs", f"{totals['qalys']:.4f}"),
             (f"net monetary benefit at {sym}{totals['wtp']:,.0f} per QALY", money(totals["nmb"]))]
    return (f"**Costs and QALYs so far**, per person of the town, days 1-{totals['days']}, undiscounted "
            f"({currency.upper()}, {perspective.replace('_', '-')} perspective)\n\n| | |\n|---|---:|\n"
            + "\n".join(f"| {a} | {b} |" for a, b in rows))


def CostsView(model):
    """The running cost and QALY readout, and the collapsed section of its controls (unit costs
    of the chosen currency, utilities, willingness to pay). The controls live in this component,
    not in the model: moving one redraws the readout and leaves the town as it is."""
    currency, set_currency = solara.use_state("gbp")
    perspective, set_perspective = solara.use_state("health_care")
    overrides, set_overrides = solara.use_state({})
    shown = dashboard_costs.controls(currency)
    wtp = overrides.get(f"wtp_{currency}", shown[0].value)
    chosen = {n: v for n, v in overrides.items() if n in PARAMS}
    totals = dashboard_costs.running_totals(model, chosen, currency, perspective, wtp)
    solara.Markdown(readout_text(totals, currency, perspective))
    with solara.Details(summary="Costs and quality of life: unit costs, utilities, willingness to pay",
                        expand=False):
        solara.Select(label="currency", values=list(CURRENCIES), value=currency, on_value=set_currency)
        solara.Select(label="perspective", values=list(PERSPECTIVES), value=perspective, on_value=set_perspective)
        for c in shown:
            key = f"wtp_{currency}" if c.name == "wtp" else c.name
            solara.SliderFloat(c.label, value=overrides.get(key, c.value), min=c.low, max=c.high,
                               step=costs_slider_step(c),
                               on_value=lambda v, key=key: set_overrides({**overrides, key: float(v)}))
        solara.Button("back to the table's defaults", on_click=lambda: set_overrides({}))


COMPONENTS = [NetworkView, PrevalenceView, PersonView, HistogramView, LoopView, CostsView]

page = SolaraViz(
    DashboardModel(),
    components=COMPONENTS,
    model_params=model_params(),
    name="painloop: the vicious cycle of back pain and depression",
)
