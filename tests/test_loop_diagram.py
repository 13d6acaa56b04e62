"""The causal-loop diagram is generated from the rules: every edge is drawn, loops are found and
classified by the product of their signs, and switched-off rules break the loops they cut."""

import networkx as nx
import pytest

from sim import InputError, rule_names
from sim.cli import main
from sim.teaching.loop_diagram import causal_graph, find_loops, loop_diagram_figure, loop_rules
from sim.core.rules import RULES


def test_every_rule_edge_is_an_arrow_with_its_sign():
    graph = causal_graph()
    for rule in RULES:
        for cause, effect, sign in rule.edges:
            assert graph.has_edge(cause, effect), (rule.name, cause, effect)
            assert graph[cause][effect]["sign"] == sign
            assert rule.name in graph[cause][effect]["rules"]
    n_edges = len({(c, e) for r in RULES for c, e, _ in r.edges})
    assert graph.number_of_edges() == n_edges


def test_loops_are_exactly_the_simple_cycles_classified_by_sign_product():
    graph = causal_graph()
    loops = find_loops(graph)
    assert len(loops) == len(list(nx.simple_cycles(graph)))
    for loop in loops:
        links = list(zip(loop.nodes, loop.nodes[1:] + loop.nodes[:1]))
        product = 1
        for a, b in links:
            product *= graph[a][b]["sign"]
        assert loop.sign == product
        assert loop.label[0] == ("R" if product > 0 else "B")
        assert loop.active


def test_labels_are_numbered_shortest_first_and_unique():
    loops = find_loops(causal_graph())
    labels = [lp.label for lp in loops]
    assert len(labels) == len(set(labels))
    for kind in "RB":
        same = [lp for lp in loops if lp.label[0] == kind]
        assert [int(lp.label[1:]) for lp in same] == list(range(1, len(same) + 1))
        assert [len(lp.nodes) for lp in same] == sorted(len(lp.nodes) for lp in same)


def test_the_model_has_the_vicious_cycle_and_a_way_out():
    """Pain and mood each have a reinforcing loop (sensitisation; stress), they are joined by
    one, and mood recovery is balancing: the structure DESIGN.md asks for."""
    loops = {frozenset(lp.nodes): lp for lp in find_loops(causal_graph())}
    assert loops[frozenset({"pain", "sensitisation"})].kind == "reinforcing"
    assert loops[frozenset({"pain", "low_mood"})].kind == "reinforcing"
    assert loops[frozenset({"low_mood", "mood_recovery"})].kind == "balancing"


def test_switching_a_rule_off_breaks_exactly_the_loops_through_its_links():
    for name in rule_names():
        graph = causal_graph([name])
        cut = {(c, e) for c, e, _ in next(r for r in RULES if r.name == name).edges}
        for loop in find_loops(graph):
            links = set(zip(loop.nodes, loop.nodes[1:] + loop.nodes[:1]))
            only_this_rule = {link for link in links & cut if graph[link[0]][link[1]]["rules"] == [name]}
            assert loop.active == (not only_this_rule), (name, loop.text())
            if not loop.active:
                assert name in loop_rules(loop, graph)


def test_unknown_rule_is_named():
    with pytest.raises(InputError, match="unknown rule 'pain_to_slep'"):
        causal_graph(["pain_to_slep"])


def test_figure_shows_off_rules_in_grey_dashes():
    fig = loop_diagram_figure(["pain_to_mood"])
    ax = fig.axes[0]
    dashed = [p for p in ax.patches if p.get_linestyle() not in ("-", "solid")]
    assert dashed, "the switched-off arrow should be dashed"
    assert "pain_to_mood" in ax.get_title()


def test_diagram_command_writes_png_and_svg(tmp_path, capsys):
    assert main(["diagram", "--out", str(tmp_path), "--off", "pain_to_sleep"]) == 0
    png, svg = tmp_path / "causal_loops.png", tmp_path / "causal_loops.svg"
    assert png.read_bytes().startswith(b"\x89PNG")
    assert "<svg" in svg.read_text()[:500]
    out = capsys.readouterr().out
    assert "feedback loops" in out and "broken" in out
    first = svg.read_bytes()
    main(["diagram", "--out", str(tmp_path), "--off", "pain_to_sleep"])
    assert svg.read_bytes() == first, "regenerating an unchanged diagram must not change the file"


def test_diagram_command_rejects_unknown_rule(tmp_path, capsys):
    assert main(["diagram", "--out", str(tmp_path), "--off", "nope"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "unknown rule 'nope'" in err[0]
    assert not list(tmp_path.iterdir()), "nothing is written on bad input"


def test_canonical_loops_do_not_depend_on_networkx_order():
    graph = causal_graph()
    reversed_graph = nx.DiGraph()
    for c, e, d in reversed(list(graph.edges(data=True))):
        reversed_graph.add_edge(c, e, **d)
    assert [lp.nodes for lp in find_loops(graph)] == [lp.nodes for lp in find_loops(reversed_graph)]


def test_layout_places_every_state_even_without_a_hint(monkeypatch):
    import numpy as np

    import sim.teaching.loop_diagram as ld
    from sim.core.state import STATE_NAMES

    assert set(ld.LAYOUT_HINTS) <= set(STATE_NAMES), "a layout hint names no state"
    hints = dict(ld.LAYOUT_HINTS)
    unhinted = next(name for name in hints if name not in ("pain", "low_mood"))
    del hints[unhinted]
    monkeypatch.setattr(ld, "LAYOUT_HINTS", hints)
    graph = causal_graph()
    pos = ld.layout(graph)
    assert set(pos) == set(graph.nodes)
    assert np.allclose(pos["pain"], hints["pain"])
    assert all(np.isfinite(p).all() for p in pos.values())
