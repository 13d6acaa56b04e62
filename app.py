"""The teaching dashboard, started the way Mesa's examples start: ``solara run app.py``.

Run it from the repository root with the ``dashboard`` extra installed; ``painloop dashboard``
serves the same page. The page (components, sliders, the model) is built in
:mod:`sim.teaching.dashboard`; this file only hands Solara its ``page``.
"""

from sim.teaching.dashboard import page

__all__ = ["page"]
