"""painloop: an agent-based simulation of the vicious cycle between chronic back pain and depression.

Public API::

    import sim
    result = sim.simulate(sim.Scenario(n_agents=5000), seed=1)
    result.daily            # one row per day, clinical units (see sim.outputs)
    model = sim.PainLoopModel()   # the same engine as a mesa.Model
"""

from importlib.metadata import PackageNotFoundError, version

from sim.running.agents import Person
from sim.core.batch import BatchEngine
from sim.core.engine import Engine, Observer
from sim.core.errors import InputError
from sim.interventions import KINDS, intervention_names
from sim.running.model import PainLoopModel
from sim.running.outputs import Result
from sim.core.parameters import PARAMETERS, parameter_names
from sim.core.rules import RULES, rule_names
from sim.running.runner import run_experiment
from sim.core.scenario import Scenario
from sim.running.simulate import simulate, simulate_batch

try:
    __version__ = version("painloop")
except PackageNotFoundError:  # running from a source tree without installing
    __version__ = "0+unknown"

__all__ = ["KINDS", "PARAMETERS", "RULES", "BatchEngine", "Engine", "InputError", "Observer", "intervention_names", "PainLoopModel",
           "Person", "Result", "Scenario",
           "parameter_names", "rule_names", "run_experiment", "simulate", "simulate_batch", "__version__"]
