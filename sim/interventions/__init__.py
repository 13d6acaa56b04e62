"""Interventions: what each kind does (its effect), kept apart from how it is delivered.

:mod:`sim.interventions.delivery` holds the delivery fields, validation and the daily delivery
of a course to the people offered it.
"""

from sim.interventions.delivery import (DELIVERY_DEFAULTS, DROPPED_OUT, EFFECTS, ELIGIBILITY, FIELDS,
                                        IN_TREATMENT, NEVER, Delivery, Effect, Intervention, combine,
                                        intervention_names, make_intervention, parse_interventions)

__all__ = ["DELIVERY_DEFAULTS", "DROPPED_OUT", "EFFECTS", "ELIGIBILITY", "FIELDS", "IN_TREATMENT", "NEVER",
           "Delivery", "Effect", "Intervention", "combine", "intervention_names", "make_intervention",
           "parse_interventions"]
