"""Running the model and turning runs into outputs: :func:`simulate` (one run),
:func:`run_experiment` (arms x seeds, resumable, serial / processes / Dask), observers that make
daily tables, panels and cohort outcomes, the Mesa model and its agents, and plots.

May import the model core and interventions; never studies or teaching.
"""
