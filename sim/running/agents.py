"""People as Mesa agents: each :class:`Person` is a view of one row of the engine's arrays.

Reading ``person.pain`` reads ``engine.pop.pain[person.index]``; writing it writes that entry.
A Person is a row, not a life: when someone dies or ages out, the entrant who takes the row is
seen through the same Person (``person.person_id``, ``age_years`` and ``female`` change).
Mesa's ``model.agents``, AgentSet queries and DataCollector therefore see the same numbers the
vectorised engine updates. :meth:`Person.update` is the per-agent path: the person applies the
same shocks and the same rule functions (:func:`sim.core.engine.advance`) to its own scalars.
"""

from __future__ import annotations

import mesa
import numpy as np

from sim.core import scales
from sim.core.engine import advance
from sim.core.shocks import apply_shocks
from sim.core.state import DEMOGRAPHY_NAMES, STATE_NAMES, TRAIT_NAMES


def _row_property(name: str, doc: str):
    def get(self):
        return getattr(self.engine.pop, name)[self.index]

    def set(self, value):
        getattr(self.engine.pop, name)[self.index] = value

    return property(get, set, doc=doc)


class Person(mesa.Agent):
    """One adult, identified by ``index`` into the population arrays.

    Every state and trait reads (and writes) the person's row of the engine's arrays, so Mesa's
    AgentSet queries see the same people the vectorised update moves.

    Args:
        model: the :class:`sim.PainLoopModel` the person belongs to.
        index: the person's row in the population arrays.

    Examples:
        >>> model = sim.PainLoopModel(sim.Scenario(n_agents=200, burn_in_days=30), seed=1)
        >>> person = model.agents[0]
        >>> person.index, 0 <= person.pain_nrs <= 10, 0 <= person.phq9 <= 27
        (0, True, True)
    """

    def __init__(self, model, index: int):
        super().__init__(model)
        self.index = int(index)

    @property
    def engine(self):
        """The engine whose arrays hold this person's row."""
        return self.model.engine

    # -- clinical views (read-only) ------------------------------------------------------------
    @property
    def pain_nrs(self) -> float:
        """Today's pain on the 0-10 NRS."""
        return float(scales.pain_nrs(self.pain))

    @property
    def phq9(self) -> float:
        """Today's depressive symptoms on the PHQ-9 (0-27)."""
        return float(scales.phq9(self.low_mood))

    @property
    def chronic_pain(self) -> bool:
        """Whether this person has chronic pain today (NRS >= 4 on more than half of the last 90 days)."""
        return bool(self.engine.status.chronic_pain[self.index])

    @property
    def depressed(self) -> bool:
        """Whether this person is depressed today (mean PHQ-9 over the last 14 days >= 10)."""
        return bool(self.engine.status.depressed[self.index])

    @property
    def category(self) -> str:
        """'well', 'pain', 'depressed' or 'both' (chronic pain and/or depression)."""
        return ("well", "pain", "depressed", "both")[int(self.chronic_pain) + 2 * int(self.depressed)]

    @property
    def tie_support(self) -> float:
        """Mean social support of this person's ties (their own if they have none)."""
        ties = self.engine.network.neighbours(self.index)
        support = self.engine.pop.social_support
        return float(support[ties].mean()) if ties.size else float(support[self.index])

    def update(self, shocks, noise: np.ndarray, nxt: dict) -> None:
        """Per-agent path of one day: apply this person's shocks, then the rules, to its scalars.

        Reads start-of-day states (its own and its ties'), writes the next-day values into its
        entry of the arrays in ``nxt``; the engine swaps them in once every person has updated.
        """
        i, engine = self.index, self.engine
        apply_shocks(self, shocks.injury[i], shocks.life_event[i], self.model.engine.p.remodelling_share)
        gains = {k: (v[i] if isinstance(v, np.ndarray) else v) for k, v in engine.gains.items()}
        offsets = {k: (v[i] if isinstance(v, np.ndarray) else v) for k, v in engine.offsets.items()}
        new = advance(self, noise[:, i], engine.p, engine.rules, gains, offsets)
        for name, value in new.items():
            nxt[name][i] = value


for _name in STATE_NAMES:
    setattr(Person, _name, _row_property(_name, f"state '{_name}' (internal 0-1 scale)"))
for _name in TRAIT_NAMES:
    setattr(Person, _name, _row_property(_name, f"trait '{_name}' (standard-normal score)"))
for _name in DEMOGRAPHY_NAMES:
    setattr(Person, _name, _row_property(_name, f"'{_name}' of whoever holds this row now (sim.core.demography)"))
