"""docs/ODD.md, kept true to the code: its tables are generated here and written between markers.

ODD.md is prose (the ODD protocol of Grimm et al. 2006, 2020) with generated blocks::

    <!-- generated: parameters -->
    ...table written by `painloop odd`...
    <!-- end generated: parameters -->

``painloop odd`` rewrites every block from the code (the prose around them is left as written);
``painloop odd --check`` fails when a block is stale, so a parameter, rule, state, intervention
or schedule step that changed in the code without ODD.md following is caught by a test.
"""

from __future__ import annotations

import re
from pathlib import Path

from sim.core.errors import InputError
from sim.running.files import write_text
from sim.teaching.blocks import MARKER, fill

DEFAULT_PATH = Path("docs/ODD.md")


def rst_to_markdown(text: str) -> str:
    """The reStructuredText of docstrings as Markdown: ``x`` -> `x`, :role:`x` -> `x`."""
    text = re.sub(r":[a-z]+:`~?([^`]+)`", r"`\1`", text)
    return text.replace("``", "`")


def _cell(text: str) -> str:
    return rst_to_markdown(" ".join(str(text).split())).replace("|", "\\|")


def _table(header: list[str], rows: list[list]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def state_table() -> str:
    """The ODD table of states: kind, meaning, time constant, noise, baseline and trait."""
    from sim.core.state import STATES

    rows = [[f"`{s.name}`", "core" if s.core else "latent", s.meaning,
             f"`{s.tau}`" if s.tau else "own update", f"`{s.noise}`" if s.noise else "",
             f"`{s.bias}`" if s.bias else "", f"`{s.trait}`" if s.trait else ""]
            for s in STATES]
    return _table(["state", "kind", "meaning (internal scale 0-1)", "time constant", "daily noise",
                   "baseline", "trait"], rows)


def trait_table() -> str:
    """The ODD table of traits: meaning and spread between people."""
    from sim.core.state import TRAITS

    return _table(["trait", "meaning", "spread"],
                  [[f"`{t.name}`", t.meaning, f"`{t.spread}`"] for t in TRAITS])


def parameter_table() -> str:
    """The ODD parameter tables, one per group: default, unit, range, meaning, source."""
    from sim.core.parameters import PARAMETERS

    blocks = []
    for group in dict.fromkeys(p.group for p in PARAMETERS):
        rows = [[f"`{p.name}`", f"{p.default:g}", p.unit, p.range_text(), p.meaning, p.source]
                for p in PARAMETERS if p.group == group]
        blocks.append(f"**{group}**\n\n" + _table(["parameter", "default", "unit", "range", "meaning",
                                                    "source"], rows))
    return "\n\n".join(blocks)


def schedule() -> str:
    """The daily schedule, as the engine's docstring states it."""
    from sim.core import engine

    doc = engine.__doc__
    start = doc.index("1. **")
    end = doc.index("\n\n", start)
    return rst_to_markdown(doc[start:end].rstrip())


def rule_list() -> str:
    """The ODD list of feedback rules in schedule order: links, mechanism and parameters."""
    from sim.core.parameters import PARAMS
    from sim.core.rules import RULES

    items = []
    for k, rule in enumerate(RULES, start=1):
        links = ", ".join(f"{c} &rarr; {e} ({'+' if s > 0 else '&minus;'})" for c, e, s in rule.edges)
        params = ", ".join(f"`{name}` = {PARAMS[name].default:g} {PARAMS[name].unit}" for name in rule.params)
        items.append(f"{k}. **`{rule.name}`** ({links}). {_cell(rule.mechanism)} Parameters: {params}.")
    return "\n".join(items)


def loop_list() -> str:
    """The ODD table of feedback loops: kind, length, path and the rules that make it."""
    from sim.teaching.loop_diagram import causal_graph, find_loops, loop_rules

    graph = causal_graph()
    loops = find_loops(graph)
    n_r = sum(lp.sign > 0 for lp in loops)
    rows = [[lp.label, lp.kind, len(lp.nodes), lp.text().replace(" -> ", " &rarr; "),
             ", ".join(f"`{r}`" for r in loop_rules(lp, graph))] for lp in loops]
    return (f"{len(loops)} feedback loops: {n_r} reinforcing, {len(loops) - n_r} balancing "
            f"(picture: `docs/causal_loops.png`, drawn by `painloop diagram`).\n\n"
            + _table(["loop", "kind", "links", "path", "rules"], rows))


def intervention_table() -> str:
    """The ODD table of intervention kinds: what each does, its rule gains and offsets, default
    delivery and source.
    """
    from sim.interventions import KINDS

    rows = []
    for kind in KINDS.values():
        effect = kind.effect
        gains = ", ".join(f"`{r}` x{g:g}" for r, g in effect.gains.items()) or "-"
        offsets = ", ".join(f"`{s}` {o:+g}" for s, o in effect.offsets.items()) or "-"
        d = kind.delivery
        delivery = (f"{d['duration_days']} days, {d['sessions_per_week']:g}/week, uptake {d['uptake']:g}, "
                    f"adherence {d['adherence']:g}, dropout {d['dropout']:g}")
        rows.append([f"`{kind.name}`", effect.summary, gains, offsets, delivery, effect.source])
    return _table(["kind", "what it does", "rule gains", "drive offsets (logit)", "default delivery",
                   "source"], rows)


def intervention_fields() -> str:
    """The ODD table of delivery fields: allowed values and meaning."""
    from sim.interventions import FIELDS

    rows = []
    for f in FIELDS.values():
        allowed = (", ".join(f.kind) if f.choices
                   else f"[{f.low:g}, {f.high:g}] {f.unit}" if f.low is not None else "text")
        rows.append([f"`{f.name}`", allowed, f.meaning])
    return _table(["field", "allowed", "meaning"], rows)


GENERATORS = {
    "states": state_table,
    "traits": trait_table,
    "schedule": schedule,
    "rules": rule_list,
    "loops": loop_list,
    "parameters": parameter_table,
    "interventions": intervention_table,
    "intervention_fields": intervention_fields,
}
"""Every generated block of ODD.md, by the name in its markers."""


def render(text: str) -> str:
    """``text`` with every generated block rewritten from the code."""
    found = [m.group("name") for m in MARKER.finditer(text)]
    unknown = sorted(set(found) - set(GENERATORS))
    if unknown:
        raise InputError(f"ODD.md has a generated block '{unknown[0]}' that no generator writes; "
                         f"blocks are: {', '.join(GENERATORS)}")
    missing = [name for name in GENERATORS if name not in found]
    if missing:
        raise InputError(f"ODD.md has no generated block '{missing[0]}'; add "
                         f"<!-- generated: {missing[0]} --> ... <!-- end generated: {missing[0]} -->")
    return fill(text, {name: GENERATORS[name]() + "\n" for name in found})


def stale_blocks(text: str) -> list[str]:
    """Names of the blocks whose text differs from what the code generates now."""
    fresh = {m["name"]: m["body"] for m in MARKER.finditer(render(text))}
    return [m["name"] for m in MARKER.finditer(text) if m["body"] != fresh[m["name"]]]


def read(path) -> str:
    """The ODD document's text; an unreadable file is an `InputError` naming it."""
    path = Path(path)
    try:
        return path.read_text(encoding="utf-8")
    except OSError as err:
        raise InputError(f"ODD file '{path}' cannot be read ({err.strerror or err})") from None


def write(path, text: str) -> None:
    """Replace ``path`` by ``text`` all at once (a temporary file beside it, then a rename)."""
    write_text(path, text)
