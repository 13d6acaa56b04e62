"""Global sensitivity analysis of the model (SALib): which parameters move comorbidity and the
exercise effect.

- :mod:`~sim.studies.sensitivity.methods`: the factors and their ranges, the model as a function
  of a parameter set (:func:`evaluate`), the resumable runner, Morris screening and Sobol' indices;
- :mod:`~sim.studies.sensitivity.report`: the figures and the markdown report;
- :mod:`~sim.studies.sensitivity.command`: the study as a command line (``run``), which
  ``experiments/sensitivity.py`` runs.
"""

from sim.studies.sensitivity.command import run
from sim.studies.sensitivity.methods import (GROUPS, OUTPUTS, WEEKS, Factor, ModelRunner, Setting, Stage,
                                             check_sizes, evaluate, factor_table, factors, morris, problem,
                                             rank_agreement, sobol, top_factors)

__all__ = ["GROUPS", "OUTPUTS", "WEEKS", "Factor", "ModelRunner", "Setting", "Stage", "check_sizes", "evaluate",
           "factor_table", "factors", "morris", "problem", "rank_agreement", "run", "sobol", "top_factors"]
