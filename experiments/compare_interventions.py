"""Compare interventions and strategies for people with chronic pain (the main job).

Arms: baseline (usual care), every intervention alone, four combinations and stepped care
(exercise, then CBT for non-responders at week 6), all offered on day 0 to people with chronic
pain. Writes summary.csv, headline.md, arms_over_time.png, forest.png and the raw results.
Same as ``painloop compare``; a thin command line over :mod:`sim.studies.compare`.

    python experiments/compare_interventions.py [--quick] [--out DIR] [--seeds N] [--agents N]
"""

from sim.running.scripts import main
from sim.studies.compare import run

if __name__ == "__main__":
    raise SystemExit(main(run))
