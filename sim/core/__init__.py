"""The model core: parameters, states, rules, shocks, network, random streams, clinical scales,
scenarios and the engine with its one day loop.

Nothing here imports the running, studies or teaching layers (``tests/test_layers.py`` holds the
contract). Start reading at :mod:`sim.core.engine` (the daily schedule) and
:mod:`sim.core.rules` (one function per feedback mechanism).
"""
