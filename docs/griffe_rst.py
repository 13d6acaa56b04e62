"""Griffe extension: the docstrings' reStructuredText cross-references become reference links.

The docstrings name other objects the Sphinx way (:func:`run_experiment`,
:class:`sim.core.scenario.Scenario`, :data:`~sim.core.rules.RULES`) and end a line with ``::``
before a literal block. This turns each role into a link to the object's reference entry where the
reference shows that object, and into plain code where it does not (a private helper, an
attribute without a docstring, something outside the package), so that strict mode never meets a
dangling link; ``::`` becomes ``:`` (the indented block after it already renders as code).
"""

from __future__ import annotations

import re

import griffe

ROLE = re.compile(r":(?:py:)?(?:func|class|meth|mod|data|attr|obj|exc|const):`(~?)([\w.]+)`")
LITERAL_BLOCK = re.compile(r"(\S)::$", re.M)


def _lookup(pkg: griffe.Module, path: str):
    try:
        return pkg if path == pkg.path else pkg[path[len(pkg.path) + 1:]]
    except (KeyError, ValueError):
        return None


def _shown(obj) -> bool:
    """Whether the reference renders ``obj``: public all the way down, and documented unless it
    is a module (undocumented members are not rendered)."""
    if any(part.startswith("_") for part in obj.path.split(".")):
        return False
    return obj.is_module or obj.has_docstring


def _target(name: str, obj, pkg: griffe.Module):
    head = name.split(".")[0]
    if head == pkg.name:
        candidates = [name]
    else:
        scopes, scope = [], obj
        while scope is not None:
            scopes.append(scope)
            scope = scope.parent
        candidates = [f"{s.path}.{name}" for s in scopes if head in s.members]
    for path in candidates:
        target = _lookup(pkg, path)
        try:
            while target is not None and target.is_alias:
                target = target.final_target
        except (griffe.AliasResolutionError, griffe.CyclicAliasError):
            return None
        if target is not None and target.path.startswith(pkg.name) and _shown(target):
            return target
    return None


def markdown(text: str, obj, pkg: griffe.Module) -> str:
    """``text`` with reST roles as links (or code) and ``::`` as ``:``."""
    def link(m: re.Match) -> str:
        short, name = m[1], m[2]
        label = name.rsplit(".", 1)[-1] if short else name
        target = _target(name, obj, pkg)
        return f"[`{label}`][{target.path}]" if target is not None else f"`{label}`"

    return LITERAL_BLOCK.sub(r"\1:", ROLE.sub(link, text))


class RstRoles(griffe.Extension):
    def on_package(self, *, pkg: griffe.Module, **kwargs) -> None:
        stack = [pkg]
        while stack:
            obj = stack.pop()
            if obj.docstring is not None:
                obj.docstring.value = markdown(obj.docstring.value, obj, pkg)
            stack.extend(m for m in obj.members.values() if not m.is_alias)
