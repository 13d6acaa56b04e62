"""Costs, quality of life and cost-effectiveness of intervention strategies (issue 15).

:mod:`~sim.studies.economics.costs` turns a run's daily table into per-person costs and QALYs;
:mod:`~sim.studies.economics.cea` does the incremental analysis; :mod:`~sim.studies.economics.study`
runs the standard strategies and writes the report (``painloop cea``);
:mod:`~sim.studies.economics.published` reproduces published cost-effectiveness results as
virtual trials. The utility mapping itself is a clinical scale: :mod:`sim.core.utility`.
"""
