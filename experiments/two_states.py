"""Two stable states: the same person after a small and a large back injury.

Without noise or new shocks, each person's model is a deterministic system. For a share of
people it has two stable states -- well, and stuck in the cycle -- and which one they end in
depends on the push: a small injury heals, a large one tips them into lasting pain. The script
finds the share of people (traits drawn as in a run) with two stable states in pain and in
mood, picks the first bistable person whom a severity-1.0 injury tips and a severity-0.3 injury
does not, and plots that person's course for a range of injury sizes.
Writes two_states.csv and two_states.png.
"""

from pathlib import Path

import numpy as np
import pandas as pd
from sim.running.scripts import check_writable, main, parse_args
from matplotlib.figure import Figure

from sim import Scenario
from sim.running.files import write_into
from sim.running.plots import save
from sim.studies.stability import bistable_shares, injury_course

SEVERITIES = (0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)
DAYS = 730


def tipped_person(scenario: Scenario, shares: dict) -> dict:
    """The first bistable person whom a 1.0 injury tips and a 0.3 injury does not."""
    traits = shares["traits"]
    for i in np.flatnonzero(shares["bistable_in_pain"]):
        one = {k: float(v[i]) for k, v in traits.items()}
        end = injury_course(scenario, one, [0.3, 1.0], days=DAYS)["pain_nrs"][-1]
        if end[0] < 4 <= end[1]:
            return {"index": int(i), **one}
    raise RuntimeError("no bistable person is tipped by a single injury")


def run(argv=None):
    args = parse_args("two_states", __doc__.splitlines()[0], 1_000, 5_000, 1, 1, argv)
    out = check_writable(args.out)
    scenario = Scenario()
    shares = bistable_shares(scenario, n=args.agents, seed=0)
    person = tipped_person(scenario, shares)
    traits = {k: v for k, v in person.items() if k != "index"}
    course = injury_course(scenario, traits, SEVERITIES, days=DAYS)
    end = course["pain_nrs"][-1]
    table = pd.DataFrame({"injury_severity": SEVERITIES, "peak_nrs": course["pain_nrs"].max(axis=0),
                          "nrs_at_6_weeks": course["pain_nrs"][41], "nrs_after_2_years": end,
                          "phq9_after_2_years": course["phq9"][-1],
                          "sensitisation_after_2_years": course["sensitisation"][-1]})
    threshold = min((s for s, e in zip(SEVERITIES, end) if e >= 4), default=np.nan)

    fig = Figure(figsize=(13, 4.6), layout="constrained")
    ax1, ax2, ax3 = fig.subplots(1, 3)
    colours = [(0.15 + 0.8 * (s - 0.2) / 0.8, 0.3, 0.6 - 0.5 * (s - 0.2) / 0.8) for s in SEVERITIES]
    for k, s in enumerate(SEVERITIES):
        ax1.plot(course["pain_nrs"][:, k], color=colours[k], lw=1.5, label=f"injury {s:.1f}")
        ax2.plot(course["sensitisation"][:, k], color=colours[k], lw=1.5)
    ax1.axhline(4, color="grey", ls="--", lw=0.8)
    ax1.set(title="pain (NRS) after an injury at day 0", xlabel="day")
    ax1.legend(fontsize=7, ncol=2)
    ax2.set(title="central sensitisation (0-1)", xlabel="day")
    ax3.plot(SEVERITIES, end, "o-", color="#b2182b", label="after 2 years")
    ax3.plot(SEVERITIES, table["nrs_at_6_weeks"], "s--", color="#555555", label="at 6 weeks")
    ax3.axhline(4, color="grey", ls="--", lw=0.8)
    ax3.set(title="pain (NRS) by injury size", xlabel="injury severity (tissue input, 0-1)")
    ax3.legend(fontsize=8)
    fig.suptitle(f"One person, two stable states (no noise, no new shocks): injuries of {threshold:.1f} "
                 f"and more tip them into lasting pain.\n{100 * shares['pain']:.0f}% of people have two "
                 f"stable states in pain, {100 * shares['mood']:.1f}% in mood ({args.agents:,} drawn)",
                 fontsize=10)

    def write(tmp):
        table.to_csv(tmp / "two_states.csv", index=False)
        save(fig, tmp / "two_states.png")

    write_into(Path(out), write)
    print(f"bistable in pain: {100 * shares['pain']:.1f}%, in mood: {100 * shares['mood']:.1f}% "
          f"of {args.agents:,}; person {person['index']} traits "
          + ", ".join(f"{k} {v:+.2f}" for k, v in traits.items()))
    print(table.round(2).to_markdown(index=False))
    print(f"\nwrote {out}")
    return table, shares


if __name__ == "__main__":
    raise SystemExit(main(run))
