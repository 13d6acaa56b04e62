"""The tutorial notebooks in docs/notebooks run top to bottom (nbclient, a real Jupyter kernel).

Marked ``notebooks``: deselected in the default run, run by .ci/run with the slow tests (its
``--durations`` list prints each notebook's run time). The site executes them again when it is built, so it always
shows what the code does today; the committed notebooks therefore carry no outputs.
``$PAINLOOP_NOTEBOOKS_OUT``, if set, is a folder the executed notebooks are written to: .ci/run
builds the site from them (``PAINLOOP_DOCS_EXECUTE=false``) so that CI runs each notebook once.
"""

import os
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "docs" / "notebooks").glob("*.ipynb"))
CELL_TIMEOUT_S = 600
"""Generous per cell: the limit is there to stop a hung kernel, not to time the notebook."""


def test_there_are_notebooks_and_the_site_lists_each_one():
    names = {nb.name for nb in NOTEBOOKS}
    assert {"scenario_script.ipynb", "vicious_cycle.ipynb", "comparing_strategies.ipynb"} <= names
    site = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    missing = [name for name in sorted(names) if f"notebooks/{name}" not in site]
    assert not missing, f"notebooks not in the site's nav (mkdocs.yml): {missing}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_committed_notebook_has_no_outputs(path):
    nb = nbformat.read(path, as_version=4)
    with_outputs = [k for k, cell in enumerate(nb.cells)
                    if cell.cell_type == "code" and (cell.outputs or cell.execution_count)]
    assert not with_outputs, (f"{path.name}: cells {with_outputs} carry outputs; clear them "
                              f"(the site runs the notebook when it is built)")


@pytest.mark.notebooks
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_top_to_bottom(path):
    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=CELL_TIMEOUT_S, kernel_name="python3",
                                     resources={"metadata": {"path": str(path.parent)}})
    client.execute()  # raises CellExecutionError, with the cell and traceback, on any error
    outputs = [out for cell in nb.cells if cell.cell_type == "code" for out in cell.outputs]
    figures = [out for out in outputs if "image/png" in out.get("data", {})]
    assert figures, f"{path.name} ran but showed no figure"
    errors = [out for out in outputs if out.output_type == "error"]
    assert not errors
    keep = os.environ.get("PAINLOOP_NOTEBOOKS_OUT")
    if keep:  # .ci/run builds the site from these runs instead of running every notebook again
        Path(keep).mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, Path(keep) / path.name)
