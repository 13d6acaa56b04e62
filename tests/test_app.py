"""`solara run app.py` (Mesa's convention) and `painloop dashboard` serve the same page: both
modules import, hold a `page`, and the model the page builds runs ten steps from the page's own
controls, as Mesa's example tests do.

(Mesa's example tests also check that a dropped model is garbage-collected; under Mesa 3.3 no
model is, since ``mesa.Agent._ids`` keeps every model that ever made an agent as a dict key.)"""

import importlib
import importlib.util
from pathlib import Path

import pytest

pytest.importorskip("solara")

from mesa.visualization import Slider  # noqa: E402

from sim.teaching.dashboard_server import APP  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SMALL = {"n_agents": 500, "burn_in_days": 200}
"""A small town with a short burn-in: this checks wiring, not numbers."""


@pytest.fixture(scope="module")
def app():
    spec = importlib.util.spec_from_file_location("painloop_app", ROOT / "app.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def control_values(page) -> dict:
    """What the dashboard's reset passes the model class: each control's current value."""
    values = {}
    for name, control in page.kwargs["model_params"].items():
        if isinstance(control, Slider):
            values[name] = control.value
        elif isinstance(control, dict):
            values[name] = control["value"]
        else:
            values[name] = control
    return values


def test_the_server_serves_the_module_app_py_serves(app):
    served = importlib.import_module(APP)
    assert served.page is app.page


def test_app_model_runs_ten_steps_from_the_page_controls(app):
    model_class = type(app.page.args[0])
    model = model_class(**{**control_values(app.page), **SMALL})
    for _ in range(10):
        model.step()
    assert model.day == 10
    assert len(model.datacollector.model_vars["chronic_pain"]) == 11

