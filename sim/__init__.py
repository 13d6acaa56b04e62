"""painloop: an agent-based simulation of the vicious cycle between chronic back pain and depression.

Public API::

    import sim
    result = sim.simulate(sim.Scenario(n_agents=5000), seed=1)
    result.daily            # one row per day, clinical units (see sim.outputs)
    model = sim.PainLoopModel()   # the same engine as a mesa.Model
"""

from importlib.metadata import PackageNotFoundError, version

from .agents import Person
from .errors import InputError
from .model import PainLoopModel
from .outputs import Result
from .parameters import PARAMETERS, parameter_names
from .rules import RULES, rule_names
from .scenario import Scenario
from .simulate import simulate

try:
    __version__ = version("painloop")
except PackageNotFoundError:  # running from a source tree without installing
    __version__ = "0+unknown"

__all__ = ["PARAMETERS", "RULES", "InputError", "PainLoopModel", "Person", "Result", "Scenario",
           "parameter_names", "rule_names", "simulate", "__version__"]
