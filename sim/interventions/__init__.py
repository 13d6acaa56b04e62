"""Interventions: what each kind does (its effect), kept apart from how it is delivered.

:mod:`sim.interventions.kinds` declares each kind in one place (effect, default delivery,
effect-size parameter, unit costs) and the delivery fields every kind shares; :mod:`sim.interventions.delivery`
validates a scenario's interventions and delivers a course, day by day, to the people offered it.
"""

from sim.interventions.delivery import (DROPPED_OUT, IN_TREATMENT, NEVER, Delivery, Intervention, combine,
                                        make_intervention, parse_interventions)
from sim.interventions.kinds import (ELIGIBILITY, FIELDS, KINDS, Effect, InterventionKind, UnitCost, add_kind,
                                     intervention_names, remove_kind)

__all__ = ["DROPPED_OUT", "ELIGIBILITY", "FIELDS", "IN_TREATMENT", "KINDS", "NEVER", "Delivery", "Effect",
           "Intervention", "InterventionKind", "add_kind", "combine", "intervention_names", "make_intervention",
           "parse_interventions", "remove_kind", "UnitCost"]
