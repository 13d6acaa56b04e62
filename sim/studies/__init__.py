"""Studies on the model: calibration targets, epidemiology done the way the studies did it,
virtual trials, validation, sensitivity, stable states, hysteresis, and the standard comparison
of interventions with its analysis.

May import the model core, interventions and running; never teaching.
"""
