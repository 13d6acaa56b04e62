"""The causal-loop diagram, generated from the rule list: never drawn by hand.

Every edge ``(cause, effect, sign)`` of every rule in :data:`sim.core.rules.RULES` becomes a signed
arrow between two states. The feedback loops are the simple cycles of that graph; a loop whose
signs multiply to ``+`` is *reinforcing* (R: a push goes round and comes back larger -- the
vicious cycle), one whose signs multiply to ``-`` is *balancing* (B: it pulls back toward where
it started). Loops are numbered shortest first (R1, R2, ..., B1, ...), so the tight two-link
loops a student should see first get the small numbers.

A rule that is switched off (``Scenario(disabled_rules=[...])``) keeps its arrows on the picture,
grey and dashed, and every loop that runs through one of them is marked as broken: switching a
link off is a teaching experiment, and the picture should show what was cut, not hide it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import matplotlib
import networkx as nx
import numpy as np

matplotlib.use("Agg")
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Arc, Circle, FancyArrowPatch, Rectangle  # noqa: E402

from sim.core.errors import InputError  # noqa: E402
from sim.core.rules import RULES, RULES_BY_NAME, rule_names  # noqa: E402
from sim.core.state import STATES  # noqa: E402

LABELLED_LOOP_LENGTH = 2
"""Loops of at most this many links are marked on the picture; longer ones are counted."""

POSITIVE, NEGATIVE, SWITCHED_OFF = "#b03a2e", "#1f618d", "#9a9a9a"
_STATE_ORDER = {s.name: k for k, s in enumerate(STATES)}
_CORE = {s.name for s in STATES if s.core}


@dataclass(frozen=True)
class Loop:
    """One feedback loop: its states in order (the first is the earliest in ``STATES``)."""

    label: str
    """``R1``, ``B1``, ...: kind and rank (shortest loops first)."""
    nodes: tuple[str, ...]
    sign: int
    active: bool
    """False when a switched-off rule cuts one of its links."""

    @property
    def kind(self) -> str:
        """``"reinforcing"`` (an even number of negative links) or ``"balancing"``."""
        return "reinforcing" if self.sign > 0 else "balancing"

    def text(self) -> str:
        """The loop as a chain that returns to its start: ``pain -> poor sleep -> pain``."""
        names = [n.replace("_", " ") for n in (*self.nodes, self.nodes[0])]
        return " -> ".join(names)


def _check_rules(disabled_rules) -> frozenset[str]:
    disabled = frozenset(disabled_rules)
    unknown = sorted(disabled - set(RULES_BY_NAME))
    if unknown:
        raise InputError(f"unknown rule '{unknown[0]}' in disabled_rules; rules are: "
                         + ", ".join(rule_names()))
    return disabled


def causal_graph(disabled_rules=()) -> nx.DiGraph:
    """States as nodes, one arrow per (cause, effect) with its sign and the rules that make it.

    An arrow is ``active`` while at least one of its rules is switched on.
    """
    disabled = _check_rules(disabled_rules)
    graph = nx.DiGraph()
    for rule in RULES:
        for cause, effect, sign in rule.edges:
            if graph.has_edge(cause, effect):
                data = graph[cause][effect]
                if data["sign"] != sign:
                    raise ValueError(f"rules give {cause} -> {effect} both signs "
                                     f"({data['rules']} and {rule.name}); a diagram needs one")
                data["rules"].append(rule.name)
            else:
                graph.add_edge(cause, effect, sign=sign, rules=[rule.name])
    for _, _, data in graph.edges(data=True):
        data["active"] = any(r not in disabled for r in data["rules"])
    return graph


def _canonical(cycle: list[str]) -> tuple[str, ...]:
    start = min(range(len(cycle)), key=lambda k: _STATE_ORDER[cycle[k]])
    return tuple(cycle[start:] + cycle[:start])


def find_loops(graph: nx.DiGraph) -> list[Loop]:
    """Every simple cycle of ``graph``, classified and numbered (R1.. then B1.., shortest first)."""
    cycles = sorted({_canonical(c) for c in nx.simple_cycles(graph)},
                    key=lambda c: (len(c), [_STATE_ORDER[n] for n in c]))
    loops, counts = [], {1: 0, -1: 0}
    for nodes in cycles:
        links = list(zip(nodes, nodes[1:] + nodes[:1]))
        sign = int(np.prod([graph[a][b]["sign"] for a, b in links]))
        counts[sign] += 1
        label = f"{'R' if sign > 0 else 'B'}{counts[sign]}"
        active = all(graph[a][b]["active"] for a, b in links)
        loops.append(Loop(label, nodes, sign, active))
    return loops


LAYOUT_HINTS = {
    "pain": (-1.1, 0.0), "low_mood": (1.1, 0.0),
    "tissue": (-2.5, 0.5), "remodelling": (-2.5, -0.35), "sensitisation": (-0.75, 1.45), "poor_sleep": (0.75, 1.45),
    "deconditioning": (-2.2, -1.25), "activity": (-0.85, -1.55), "inflammation": (0.2, -2.1),
    "stress": (1.25, -1.65), "social_support": (2.45, -0.85), "mood_recovery": (2.6, 0.35),
    "rumination": (2.05, 1.5),
}
"""Where each state goes, so the pain side sits left and the mood side right. Positions only:
nodes, arrows, signs and loops all come from the rules. A state without a hint (one added to
the model later) is placed by a seeded spring layout around the hinted ones."""


def layout(graph: nx.DiGraph) -> dict[str, np.ndarray]:
    """Node positions: the hints above, and a seeded spring layout for any state without one."""
    nodes = sorted(graph.nodes, key=_STATE_ORDER.get)
    fixed = [n for n in nodes if n in LAYOUT_HINTS]
    pos = {n: np.asarray(LAYOUT_HINTS[n], dtype=float) for n in fixed}
    if len(fixed) < len(nodes):
        undirected = nx.Graph(graph.to_undirected())
        start = dict(pos)
        ring = nx.circular_layout([n for n in nodes if n not in pos], scale=3.0)
        start.update(ring)
        placed = nx.spring_layout(undirected, pos=start, fixed=fixed or None, seed=1, k=1.2)
        pos = {n: np.asarray(placed[n], dtype=float) for n in nodes}
    return pos


def _bezier(p0, p2, rad, t):
    """Point at ``t`` on matplotlib's ``arc3`` curve from p0 to p2 (equal-aspect data units)."""
    p0, p2 = np.asarray(p0), np.asarray(p2)
    mid = (p0 + p2) / 2.0
    d = p2 - p0
    control = mid + rad * np.array([d[1], -d[0]])
    return (1 - t) ** 2 * p0 + 2 * (1 - t) * t * control + t ** 2 * p2


NODE_RADIUS = 0.36
ARROW_RAD = 0.16


def draw_loop_diagram(ax, disabled_rules=(), *, title: str | None = None, legend_ax=None) -> list[Loop]:
    """Draw the diagram on ``ax`` (and the list of labelled loops on ``legend_ax``, if given);
    returns the loops, numbered as on the picture."""
    graph = causal_graph(disabled_rules)
    loops = find_loops(graph)
    pos = layout(graph)
    ax.set_aspect("equal")
    ax.axis("off")
    circles = {}
    for node, (x, y) in pos.items():
        core = node in _CORE
        circles[node] = Circle((x, y), NODE_RADIUS, fc="#fdf2e9" if core else "#f4f6f7",
                               ec="#34495e", lw=1.8 if core else 0.9, zorder=2)
        ax.add_patch(circles[node])
        ax.text(x, y, node.replace("_", "\n"), ha="center", va="center", fontsize=8.5,
                fontweight="bold" if core else "normal", zorder=3)
    for cause, effect, data in graph.edges(data=True):
        colour = _edge_colour(data)
        if cause == effect:
            _self_loop(ax, pos[cause], colour, data)
            continue
        # clipped to the two circles, so the arrow head touches the rim of its effect
        ax.add_patch(FancyArrowPatch(pos[cause], pos[effect], patchA=circles[cause],
                                     patchB=circles[effect], connectionstyle=f"arc3,rad={ARROW_RAD}",
                                     arrowstyle="-|>", mutation_scale=14, shrinkA=0, shrinkB=1,
                                     lw=1.6 if data["active"] else 1.2, color=colour,
                                     linestyle="-" if data["active"] else (0, (4, 3)), zorder=1))
        x, y = _bezier(pos[cause], pos[effect], ARROW_RAD, _sign_position(pos[cause], pos[effect]))
        _sign(ax, x, y, data["sign"], colour)
    for loop in loops:
        if len(loop.nodes) <= LABELLED_LOOP_LENGTH:
            _loop_marker(ax, loop, pos)
    xy = np.array(list(pos.values()))
    lo, hi = xy.min(axis=0) - NODE_RADIUS, xy.max(axis=0) + NODE_RADIUS
    for node in nx.nodes_with_selfloops(graph):
        centre = _self_loop_centre(pos[node])
        lo = np.minimum(lo, centre - SELF_LOOP_RADIUS)
        hi = np.maximum(hi, centre + SELF_LOOP_RADIUS)
    pad = 0.15
    ax.set_xlim(lo[0] - pad, hi[0] + pad)
    ax.set_ylim(lo[1] - pad, hi[1] + pad)
    if legend_ax is not None:
        legend_ax.axis("off")
        legend_ax.text(0.0, 1.0, _legend_text(loops, graph), transform=legend_ax.transAxes,
                       fontsize=7.5, va="top", ha="left", family="monospace")
    if title:
        ax.set_title(title, fontsize=12)
    return loops


def _edge_colour(data) -> str:
    if not data["active"]:
        return SWITCHED_OFF
    return POSITIVE if data["sign"] > 0 else NEGATIVE


def _sign_position(a, b) -> float:
    """Where along an arrow its sign sits: just before the head, clear of the effect's circle."""
    length = float(np.linalg.norm(np.asarray(b) - np.asarray(a)))
    return min(0.8, 1.0 - (NODE_RADIUS + 0.2) / length)


def _sign(ax, x, y, sign, colour):
    ax.text(x, y, "+" if sign > 0 else "\u2212", color=colour, fontsize=9, fontweight="bold",
            ha="center", va="center", zorder=4,
            bbox=dict(boxstyle="circle,pad=0.12", fc="white", ec=colour, lw=0.8))


SELF_LOOP_RADIUS = NODE_RADIUS * 0.6


def _self_loop_centre(centre) -> np.ndarray:
    """Centre of a self-loop's circle: below-right of its node, overlapping the rim a little."""
    angle = np.radians(-45)
    offset = (NODE_RADIUS + SELF_LOOP_RADIUS * 0.5) * np.array([np.cos(angle), np.sin(angle)])
    return np.asarray(centre) + offset


def _self_loop(ax, centre, colour, data):
    """A loop from a state back to itself (support spreading through ties), below-right of it:
    an arc that leaves the node's rim and comes back to it, with the head at its end."""
    r = SELF_LOOP_RADIUS
    cx, cy = _self_loop_centre(centre)
    towards_node = 135.0
    start, end = towards_node + 45.0, towards_node - 45.0 + 360.0
    ax.add_patch(Arc((cx, cy), 2 * r, 2 * r, theta1=start, theta2=end, color=colour, lw=1.6,
                     linestyle="-" if data["active"] else "--", zorder=1))
    theta = np.radians(end)
    tip = np.array([cx + r * np.cos(theta), cy + r * np.sin(theta)])
    tangent = np.array([-np.sin(theta), np.cos(theta)])
    ax.add_patch(FancyArrowPatch(tip - 0.06 * tangent, tip, arrowstyle="-|>", mutation_scale=12,
                                 color=colour, lw=1.2, zorder=1))
    away = np.radians(towards_node + 180.0)
    _sign(ax, cx + r * np.cos(away), cy + r * np.sin(away), data["sign"], colour)


def _loop_marker(ax, loop: Loop, pos):
    points = np.array([pos[n] for n in loop.nodes])
    if len(loop.nodes) == 1:
        x, y = _self_loop_centre(points[0])
    else:
        x, y = points.mean(axis=0)
    colour = "#1e8449" if loop.sign > 0 else "#7d3c98"
    if not loop.active:
        colour = SWITCHED_OFF
    ax.text(x, y, loop.label, fontsize=8, fontweight="bold", color=colour, ha="center",
            va="center", zorder=5,
            bbox=dict(boxstyle="round,pad=0.2", fc="white", ec=colour, lw=1.0,
                      ls="-" if loop.active else "--"))


def loop_rules(loop: Loop, graph: nx.DiGraph) -> list[str]:
    """The rules that make the links of ``loop`` (switching any one off breaks the loop, unless
    another rule makes the same link)."""
    links = zip(loop.nodes, loop.nodes[1:] + loop.nodes[:1])
    return list(dict.fromkeys(r for a, b in links for r in graph[a][b]["rules"]))


def _legend_text(loops: list[Loop], graph: nx.DiGraph) -> str:
    shown = [lp for lp in loops if len(lp.nodes) <= LABELLED_LOOP_LENGTH]
    width = max(len(lp.text()) for lp in shown)
    lines = [f"{lp.label:>3}  {lp.text():{width}}  [{', '.join(loop_rules(lp, graph))}]"
             f"{'' if lp.active else '  BROKEN'}" for lp in shown]
    longer = [lp for lp in loops if len(lp.nodes) > LABELLED_LOOP_LENGTH]
    n_r = sum(lp.sign > 0 for lp in longer)
    tail = (f"     plus {len(longer)} longer loops ({LABELLED_LOOP_LENGTH + 1}-"
            f"{max((len(lp.nodes) for lp in longer), default=0)} links): "
            f"{n_r} reinforcing, {len(longer) - n_r} balancing")
    broken = sum(not lp.active for lp in longer)
    if broken:
        tail += f"; {broken} of them broken"
    return "\n".join(lines + [tail])


def loop_diagram_figure(disabled_rules=(), *, title: str | None = None,
                        figsize=(10.0, 9.6)) -> Figure:
    """The whole diagram as a stand-alone figure, with a key to colours and loop labels."""
    fig = Figure(figsize=figsize, layout="constrained")
    ax, legend_ax = fig.subplots(2, 1, height_ratios=[6.0, 1.25])
    if title is None:
        title = "The vicious cycle: causal-loop diagram generated from sim.core.rules.RULES"
        if disabled_rules:
            title += "\nswitched off: " + ", ".join(sorted(disabled_rules))
    loops = draw_loop_diagram(ax, disabled_rules, title=title, legend_ax=legend_ax)
    _key(fig, loops)
    return fig


def _key(fig, loops):
    handles = [
        Line2D([], [], color=POSITIVE, lw=1.6),
        Line2D([], [], color=NEGATIVE, lw=1.6),
        Line2D([], [], color=SWITCHED_OFF, lw=1.2, ls="--"),
        Rectangle((0, 0), 1, 1, fc="#fdf2e9", ec="#34495e", lw=1.8),
    ]
    n_r = sum(lp.sign > 0 for lp in loops)
    labels = ["+  more cause, more effect", "\u2212  more cause, less effect", "rule switched off",
              f"core state (the five in the outputs)   |   {n_r} reinforcing (R) and "
              f"{len(loops) - n_r} balancing (B) loops in all"]
    fig.legend(handles, labels, loc="outside lower center", ncols=2, fontsize=8, frameon=False)


_STEM = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")


def check_stem(stem) -> str:
    """A file name without extension and without any folder part: the diagram stays in its folder."""
    if not isinstance(stem, str) or not _STEM.fullmatch(stem) or len(stem) > 100:
        raise InputError(f"--name = {stem!r} must be a plain file name (letters, digits, _ . -; no "
                         f"folder part; at most 100 characters): the folder is --out")
    return stem


def write_loop_diagram(folder, disabled_rules=(), stem: str = "causal_loops") -> list[Path]:
    """Save the diagram as ``<stem>.png`` and ``<stem>.svg`` in ``folder`` (atomically)."""
    from sim.running.files import write_into

    check_stem(stem)
    fig = loop_diagram_figure(disabled_rules)
    names = [f"{stem}.png", f"{stem}.svg"]

    def write(tmp: Path) -> None:
        # fixed metadata and SVG ids, so regenerating an unchanged diagram changes no bytes
        with matplotlib.rc_context({"svg.hashsalt": "painloop"}):
            fig.savefig(tmp / names[0], dpi=130, metadata={"Software": None})
            fig.savefig(tmp / names[1], metadata={"Date": None, "Creator": None})

    folder = write_into(Path(folder), write)
    return [folder / n for n in names]
