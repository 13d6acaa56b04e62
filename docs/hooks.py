"""MkDocs hook: the pages' lists of commands, rules, parameters and interventions are written from
the code at build time, so none of them can drift from it.

A marker ``<!-- painloop: NAME -->`` in a page is replaced by: ``commands``, the ``--help`` of
every ``painloop`` subcommand (from :func:`sim.cli.build_parser`); ``experiments``, a table of
the experiment scripts, each described by the first paragraph of its own docstring; or any
generated block of the ODD document (``rules``, ``loops``, ``parameters``, ...,
:data:`sim.teaching.odd.GENERATORS`), the same text ``painloop odd`` writes there.
"""

from __future__ import annotations

import ast
import os
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HELP_COLUMNS = "100"
"""argparse wraps help to the terminal width; a fixed width makes the page the same everywhere."""


def commands() -> str:
    os.environ["COLUMNS"] = HELP_COLUMNS
    from sim.cli import build_parser

    parser = build_parser()
    (sub,) = [a for a in parser._actions if a.dest == "command"]  # argparse keeps subparsers here
    helps = {choice.dest: choice.help for choice in sub._choices_actions}
    parts = [f"```text\n{parser.format_help()}```\n"]
    for name, command in sub.choices.items():
        parts.append(f"## `painloop {name}`\n\n{helps[name].capitalize()}.\n\n"
                     f"```text\n{command.format_help()}```\n")
    return "\n".join(parts)


def experiments() -> str:
    rows = ["| script | what it does |", "|---|---|"]
    for path in sorted((ROOT / "experiments").glob("*.py")):
        doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
        summary = doc.split("\n\n", 1)[0].replace("\n", " ").replace("|", "\\|")
        rows.append(f"| `python experiments/{path.name}` | {summary} |")
    return "\n".join(rows) + "\n"


MARKER = re.compile(r"<!-- painloop: ([a-z_]+) -->")


def generate(name: str, page) -> str:
    from sim.teaching.odd import GENERATORS

    generators = {**GENERATORS, "commands": commands, "experiments": experiments}
    if name not in generators:
        raise ValueError(f"{page.file.src_path}: no generator for <!-- painloop: {name} -->; "
                         f"known: {', '.join(sorted(generators))}")
    return generators[name]()


def on_page_markdown(markdown: str, page, config, files) -> str:
    return MARKER.sub(lambda m: generate(m[1], page), markdown)
