"""Surveys over a batch: every parameter set of a :class:`sim.core.batch.BatchEngine` measured at once.

A posterior (issue 14) scores many parameter sets against the calibration targets. A batch runs
them as one population; :class:`BatchSurvey` then measures each set exactly as a
:class:`sim.studies.epi.Survey` measures a solo run. It gives each set a :class:`SetView` -- an
engine-like object whose ``pop``, ``p``, ``status``, ``n`` and ``day`` are that set's (its
member engine's views into the batch's rows, and its own :class:`sim.core.parameters.Params`) --
and an ordinary :class:`Survey` watching that view. Watching the batch, it hands each view's
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

from sim.core.engine import Observer
from sim.studies.epi import Survey


class SetView:
    """Set ``k`` of a batch as the engine an observer expects: ``n``, ``day``, ``pop``, ``p``,
    ``status``, ``scenario`` and ``attach``/``detach``. Observers attached here are called by the
    :class:`BatchSurvey` that made the view, with the set's own hook arguments."""

    def __init__(self, batch, k: int):
        self.batch, self.k = batch, k
        self.member = batch.members[k]
        self.observers: list[Observer] = []

    @property
    def n(self) -> int:
        """People per set."""
        return self.batch.n

    @property
    def day(self) -> int:
        """The batch's day (every set's)."""
        return self.batch.day

    @property
    def pop(self):
        """The set's people: views into the batch's rows."""
        return self.member.pop

    @property
    def p(self):
        """The set's own parameters (:class:`sim.core.parameters.Params`)."""
        return self.member.p

    @property
    def status(self):
        """The set's rows of the batch's clinical status."""
        return self.member.status

    @property
    def scenario(self):
        """The set's scenario (the batch's, with the set's parameter values)."""
        return self.member.scenario

    def attach(self, observer: Observer) -> Observer:
        """Let ``observer`` watch this set from now on; calls its ``start`` now."""
        self.observers.append(observer)
        observer.start(self)
        return observer

    def detach(self, observer: Observer) -> None:
        """Stop ``observer`` watching this set."""
        self.observers.remove(observer)

    def run(self, days: int) -> None:
        """Refused: a set cannot advance alone; advance the batch (:meth:`BatchSurvey.run`)."""
        raise RuntimeError("a set of a batch advances with the whole batch: call BatchSurvey.run(days) "
                           "(or batch.run(days)), not the set's survey's run")


class BatchSurvey(Observer):
    """A :class:`sim.studies.epi.Survey` of every set of ``batch``, from the day it is made.

    ``surveys[k]`` is set ``k``'s survey: pass it to :func:`sim.studies.targets.survey_measures`
    as a solo survey. Attaches itself to the batch (already burnt in).

    Args:
        batch: a :class:`sim.core.batch.BatchEngine`.
        every_days: days between waves, as :class:`Survey`.
    """

    def __init__(self, batch, every_days: int = 7):
        self.batch = batch
        self.views = [SetView(batch, k) for k in range(batch.k)]
        self.surveys = [Survey(view, every_days) for view in self.views]
        batch.attach(self)

    def run(self, days: int) -> BatchSurvey:
        """Advance the batch ``days`` days with every set's survey watching; returns itself."""
        self.batch.run(days)
        return self

    def before_day(self, batch) -> None:
        for view in self.views:
            for observer in view.observers:
                observer.before_day(view)

    def shocks(self, batch, shocks: list) -> None:
        for view, own in zip(self.views, shocks):
            for observer in view.observers:
                observer.shocks(view, own)

    def replaced(self, batch, who: list) -> None:
        self._left = who  # handed on in after_day, per observer, in the solo engine's order

    def after_day(self, batch) -> None:
        left, self._left = getattr(self, "_left", None), None
        for k, view in enumerate(self.views):
            own = None if left is None else left[k]
            for observer in view.observers:
                if own is not None and own.size:
                    observer.replaced(view, own)
                observer.after_day(view)
