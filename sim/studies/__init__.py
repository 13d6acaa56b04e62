"""Studies on the model: calibration targets and the calibration itself, epidemiology done the
way the studies did it, virtual trials, validation, sensitivity, stable states, hysteresis, the
standard comparison of interventions with its analysis, dose-response, timing, breaking the
loop rule by rule, and the drift of the long-run state after the burn-in. Each script in ``experiments/`` is a thin command line over one of them.

May import the model core, interventions and running; never teaching.
"""
