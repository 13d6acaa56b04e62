"""Surveys over a batch: every parameter set of a :class:`sim.core.batch.BatchEngine` measured at once.

A posterior (issue 14) scores many parameter sets against the calibration targets. A batch runs
them as one population; :class:`BatchSurvey` then measures each set exactly as a
:class:`sim.studies.epi.Survey` measures a solo run. It gives each set a :class:`SetView` -- an
engine-like object whose ``pop``, ``p``, ``status``, ``n`` and ``day`` are that set's (its
member engine's views into the batch's rows, and its own :class:`sim.core.parameters.Params`) --
and an ordinary :class:`Survey` watching that view (:class:`sim.core.batch.SetView`,
:class:`sim.core.batch.PerSet`). Watching the batch, it hands each view's
observers the set's own share of every hook: the set's shocks, the set's replaced rows (in the
set's own row numbers).

**Same numbers as the solo survey.** A set's states, status and events are its solo run's bit
for bit (:mod:`sim.core.batch`), the survey's arithmetic reads them through the set's own
parameters, and the hooks come in the solo engine's order; so
``survey_measures(BatchSurvey(batch).surveys[k])`` equals ``survey_measures`` of
``Survey(Engine(scenario.replace(**sets[k]), seed))`` exactly (``tests/test_batch_survey.py``).

Examples:
    >>> batch = sim.BatchEngine(sim.Scenario(n_agents=300, burn_in_days=30),
    ...                         [{}, {"low_mood_bias": -2.4}], seed=1, cache=False)
    >>> surveys = BatchSurvey(batch).run(28).surveys
    >>> len(surveys), surveys[1].days, len(surveys[1].wave_days)
    (2, 28, 5)
"""

from __future__ import annotations

from sim.core.batch import PerSet
from sim.studies.epi import Survey


class BatchSurvey(PerSet):
    """A :class:`sim.studies.epi.Survey` of every set of ``batch``, from the day it is made.

    ``surveys[k]`` is set ``k``'s survey: pass it to :func:`sim.studies.targets.survey_measures`
    as a solo survey. Attaches itself to the batch (already burnt in).

    Args:
        batch: a :class:`sim.core.batch.BatchEngine`.
        every_days: days between waves, as :class:`Survey`.
    """

    def __init__(self, batch, every_days: int = 7):
        super().__init__(batch)
        self.surveys = [Survey(view, every_days) for view in self.views]

    def run(self, days: int) -> BatchSurvey:
        """Advance the batch ``days`` days with every set's survey watching; returns itself."""
        self.batch.run(days)
        return self
