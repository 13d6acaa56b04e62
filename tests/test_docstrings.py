"""The API reference is generated from the docstrings, so every public name must have one, in
one style (Google: ``Args:``, ``Returns:``, ``Examples:``), and the package's front door --
what ``import sim`` exports -- must show its parameters, what it returns and an example. The
examples run here as doctests, so the reference never shows one that no longer works.

A failure lists every name that falls short, so one run shows all the work to do.
"""

import doctest
import importlib
import inspect
import pkgutil
import re

import pytest

import sim

OPTIONAL = {"solara", "uvicorn", "networkx", "SALib", "cma", "dask", "distributed", "playwright"}
"""Extras a module may need; without them it is skipped here (CI installs them all)."""

NUMPY_SECTION = re.compile(r"^\s*(Parameters|Returns|Examples|Raises|Yields|Attributes)\n\s*-{3,}\s*$", re.M)
REST_FIELD = re.compile(r"^\s*:(param|type|returns?|rtype|raises)\b", re.M)


def modules():
    for info in pkgutil.walk_packages(sim.__path__, "sim."):
        try:
            yield importlib.import_module(info.name)
        except ModuleNotFoundError as err:
            if err.name.split(".")[0] not in OPTIONAL:
                raise


def members(cls):
    """Public methods and properties a class defines itself (inherited ones are documented where
    they are defined)."""
    for name, attr in vars(cls).items():
        if name.startswith("_"):
            continue
        if isinstance(attr, property) or inspect.isfunction(getattr(attr, "__func__", attr)):
            yield name, attr


def public_objects():
    """(qualified name, object) for every module, and every public function, class, method and
    property defined in the package."""
    for module in modules():
        yield module.__name__, module
        for name, obj in vars(module).items():
            if name.startswith("_") or getattr(obj, "__module__", None) != module.__name__:
                continue
            if inspect.isclass(obj):
                yield f"{module.__name__}.{name}", obj
                for member, attr in members(obj):
                    yield f"{module.__name__}.{name}.{member}", attr
            elif callable(obj) and not isinstance(obj, type):
                yield f"{module.__name__}.{name}", obj


def docstring(obj) -> str:
    if inspect.isclass(obj):
        return obj.__dict__.get("__doc__") or ""  # not the base class's
    if isinstance(obj, property):
        return obj.__doc__ or ""
    return inspect.getdoc(obj) or ""


def test_every_public_name_has_a_docstring():
    missing = [name for name, obj in public_objects() if not docstring(obj).strip()]
    assert not missing, f"{len(missing)} public names without a docstring:\n  " + "\n  ".join(missing)


def test_docstrings_use_one_style():
    other = [name for name, obj in public_objects()
             if NUMPY_SECTION.search(docstring(obj)) or REST_FIELD.search(docstring(obj))]
    assert not other, ("docstrings in NumPy or reST style (this package writes Google style: "
                       "Args:, Returns:, Examples:):\n  " + "\n  ".join(other))


def front_door():
    for name in sim.__all__:
        obj = getattr(sim, name)
        if inspect.isfunction(obj) or (inspect.isclass(obj) and not issubclass(obj, Exception)):
            yield name, obj


@pytest.mark.parametrize("name", [name for name, _ in front_door()])
def test_the_front_door_shows_arguments_returns_and_an_example(name):
    obj = getattr(sim, name)
    doc = docstring(obj) + ("\n" + (inspect.getdoc(obj.__init__) or "") if inspect.isclass(obj) else "")
    signature = inspect.signature(obj)
    wanted = ["Examples:"]
    if any(p.name != "self" for p in signature.parameters.values()):
        wanted.append("Args:")
    if inspect.isfunction(obj) and signature.return_annotation not in (None, "None"):
        wanted.append("Returns:")
    missing = [section for section in wanted if section not in doc]
    assert not missing, f"sim.{name}: its docstring lacks {', '.join(missing)}"


def doctests():
    finder = doctest.DocTestFinder(exclude_empty=True)
    for module in modules():
        for test in finder.find(module, globs={**vars(module), "sim": sim}):
            if test.examples:
                yield test


@pytest.mark.parametrize("test", list(doctests()), ids=lambda t: t.name)
def test_docstring_examples_run(test):
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    runner.run(test)
    failed, attempted = runner.summarize(verbose=False)
    assert attempted and not failed, f"{test.name}: {failed} of {attempted} examples failed (printed above)"
