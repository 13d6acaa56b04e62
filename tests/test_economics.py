"""Costs, QALYs and the incremental analysis (sim.studies.economics), on made-up daily tables
whose right answers are known, so no simulation is needed."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim import InputError, Scenario
from sim.core.parameters import PARAMETERS, PARAMS
from sim.studies.economics.cea import acceptability, evpi, frontier, incremental_table
from sim.studies.economics.costs import UnitCosts, arm_totals, discount_factors
from sim.studies.economics.study import Settings, analyse

DAYS = 2 * 365
BASE = Scenario(n_agents=1000, days=DAYS)
ARMS = {"baseline": BASE,
        "exercise": BASE.replace(interventions=[{"kind": "exercise"}]),
        "both": BASE.replace(interventions=[{"kind": "exercise"}, {"kind": "medication"}])}


def made_up_metrics(arm: str, gain: float, day: np.ndarray, rng, sessions_scale: float = 1.0) -> dict:
    """One arm and seed's made-up daily metrics: utility rises by ``gain``, state shares fall with
    it, each intervention's sessions accumulate (times ``sessions_scale``)."""
    u = 0.7 + gain * (1 - np.exp(-day / 60)) + rng.normal(0, 0.002, day.size)
    cp = 0.9 - 4 * gain * (1 - np.exp(-day / 90)) + rng.normal(0, 0.005, day.size)
    dep = 0.2 - gain + rng.normal(0, 0.005, day.size)
    metrics = {"cohort_size": np.full(day.size, 200.0), "cohort_utility_mean": u,
               "cohort_alive": np.ones(day.size), "cohort_aged_out_female": np.zeros(day.size),
               "cohort_aged_out_male": np.zeros(day.size),
               "cohort_chronic_pain": cp, "cohort_depression": dep, "cohort_comorbid": 0.5 * dep,
               "utility_mean": u + 0.2, "chronic_pain": cp / 5, "depression": dep / 2,
               "comorbid": dep / 10}
    for item in ARMS[arm].interventions:
        metrics[f"{item.name}_sessions"] = np.minimum(day, 84) * 1.5 * sessions_scale
        metrics[f"{item.name}_started"] = np.where(day >= 1, 150.0, 0.0)
    return metrics


def made_up_run(seeds=4, seed=0) -> pd.DataFrame:
    """A long result table like the runner's: utility and state shares drift, sessions accumulate."""
    rng = np.random.default_rng(seed)
    rows = []
    day = np.arange(DAYS + 1)
    for arm, gain in (("baseline", 0.0), ("exercise", 0.01), ("both", 0.012)):
        for s in range(seeds):
            metrics = made_up_metrics(arm, gain, day, rng, sessions_scale=1 + s % 2)
            for name, values in metrics.items():
                rows.append(pd.DataFrame({"arm": arm, "seed": s, "day": day, "metric": name, "value": values}))
    long = pd.concat(rows, ignore_index=True)
    long["metric"] = long["metric"].astype("category")
    return long


@pytest.fixture(scope="module")
def long():
    return made_up_run()


@pytest.fixture(scope="module")
def wide(long):
    from sim.studies.economics.study import _wide

    return _wide(long)


COSTS = UnitCosts.from_values(BASE.values, "gbp")


# ---- the frontier ------------------------------------------------------------------------

OPTIONS = st.lists(st.tuples(st.floats(0, 1e4, allow_subnormal=False), st.floats(0, 10, allow_subnormal=False)),
                   min_size=1, max_size=9)


@settings(max_examples=300)
@given(OPTIONS)
def test_a_dominated_option_never_gets_an_icer(options):
    cost, effect = zip(*options)
    front = frontier(cost, effect)
    off = front[front["status"] != "frontier"]
    assert off["icer"].isna().all()
    for i, row in front.iterrows():
        beaten = any(c <= row["cost"] and e >= row["effect"] and (c < row["cost"] or e > row["effect"])
                     for j, (c, e) in enumerate(options) if j != i)
        if beaten:
            assert row["status"] == "dominated"


@settings(max_examples=300)
@given(OPTIONS)
def test_frontier_icers_rise_and_every_step_buys_health(options):
    cost, effect = zip(*options)
    front = frontier(cost, effect)
    on = front[front["status"] == "frontier"].sort_values("cost")
    assert np.isnan(on["icer"].iloc[0])
    assert (np.diff(on["cost"]) > 0).all() and (np.diff(on["effect"]) > 0).all()
    icers = on["icer"].iloc[1:].to_numpy()
    assert (np.diff(icers) >= -1e-9 * np.maximum(1, np.abs(icers[1:]))).all()


def test_extended_dominance_textbook_case():
    """B sits above the line from A to C: B's ICER vs A (200) exceeds C's vs B (50)."""
    front = frontier([0, 1000, 1500], [0, 5, 15], ["A", "B", "C"])
    assert list(front["status"]) == ["frontier", "extendedly dominated", "frontier"]
    assert front.loc[2, "icer"] == pytest.approx(100.0) and front.loc[2, "versus"] == "A"


# ---- discounting and unit costs ----------------------------------------------------------

def test_zero_discounting_equals_the_undiscounted_sum(wide):
    totals = arm_totals(wide, ARMS, COSTS, DAYS, "societal", "cohort", 0.0, 0.0)
    for _, row in totals.iterrows():
        frame = wide[(wide["arm"] == row["arm"]) & (wide["seed"] == row["seed"])].sort_values("day")
        lived = frame["day"] >= 1
        assert row["qalys"] == pytest.approx(frame.loc[lived, "cohort_utility_mean"].sum() / 365, rel=1e-12)
        both = frame["cohort_comorbid"]
        background = ((frame["cohort_chronic_pain"] - both) * COSTS.year["chronic_pain"]
                      + (frame["cohort_depression"] - both) * COSTS.year["depression"]
                      + both * COSTS.year["comorbid"])[lived].sum() / 365
        assert row["cost_background"] == pytest.approx(background, rel=1e-12)
        delivered = sum(frame[f"{i.name}_sessions"].iloc[-1] * COSTS.session[i.kind]
                        + frame[f"{i.name}_started"].iloc[-1] * COSTS.start[i.kind]
                        for i in ARMS[row["arm"]].interventions) / 200.0
        assert row["cost_interventions"] == pytest.approx(delivered, rel=1e-12)


@given(st.floats(0.001, 0.2))
def test_discounting_at_a_positive_rate_lowers_both_and_follows_the_yearly_rule(rate):
    days = np.arange(0, 3 * 365 + 1)
    f = discount_factors(days, rate)
    assert f[0] == 1.0 and (np.diff(f) < 0).all()
    # A day in the middle of year 2 is worth about 1 / (1 + r)^1.5 of a day now.
    assert f[365 + 183] == pytest.approx((1 + rate) ** -1.5, rel=1e-3)


def test_discounting_costs_and_effects_separately(wide):
    plain = arm_totals(wide, ARMS, COSTS, DAYS, "health_care", "cohort", 0.0, 0.0)
    costs_only = arm_totals(wide, ARMS, COSTS, DAYS, "health_care", "cohort", 0.035, 0.0)
    assert np.allclose(costs_only["qalys"], plain["qalys"])
    assert (costs_only["cost"] < plain["cost"]).all()


def _every_cost_doubled() -> Scenario:
    doubled = {p.name: 2 * p.default for p in PARAMETERS if p.group == "costs" and p.name.startswith("cost_")}
    return Scenario(n_agents=1000, days=DAYS, **doubled)


@pytest.mark.parametrize("perspective", ["health_care", "societal"])
def test_doubling_every_unit_cost_doubles_every_incremental_cost(long, perspective):
    chosen = Settings(perspective=perspective, horizons=(1, 2))
    plain = analyse(long, ARMS, chosen).table
    doubled = analyse(long, ARMS, chosen, UnitCosts.from_values(_every_cost_doubled().values, "gbp")).table
    assert np.allclose(doubled["d_cost"], 2 * plain["d_cost"], rtol=1e-12, atol=1e-9)
    assert np.allclose(doubled["d_qalys"], plain["d_qalys"])
    assert (plain["d_cost"].abs() > 0).sum() >= 2


def test_unit_costs_are_read_from_the_scenario():
    costs = UnitCosts.from_values(BASE.replace(cost_cbt_session_usd=12.5).values, "usd")
    assert costs.session["cbt"] == 12.5 and set(costs.session) >= {"exercise", "cbt", "medication"}


# ---- the analysis ------------------------------------------------------------------------

def test_the_table_says_what_is_on_the_frontier_and_the_comparator_differs_by_nothing(long):
    cea = analyse(long, ARMS, Settings(horizons=(1, 2)))
    table = cea.table
    assert set(table["horizon_years"]) == {1, 2}
    base = table[table["arm"] == "baseline"]
    assert np.allclose(base[["d_cost", "d_qalys"]], 0.0)
    assert table.loc[table["status"] != "frontier", "icer"].isna().all()
    # QALYs over two years exceed one year's; the exercise arm gains about 0.01 a year.
    one, two = (table[(table["arm"] == "exercise") & (table["horizon_years"] == h)].iloc[0] for h in (1, 2))
    assert two["qalys"] > one["qalys"] and 0.005 < one["d_qalys"] < 0.012


def test_acceptability_sums_to_one_and_evpi_is_never_negative(long):
    cea = analyse(long, ARMS, Settings(horizons=(1,)))
    sums = cea.ceac.groupby(["horizon_years", "wtp"])["p_best"].sum()
    assert np.allclose(sums, 1.0)
    assert (cea.evpi["evpi_per_person"] >= -1e-9).all()


def test_budget_impact_is_zero_for_the_comparator_and_counts_the_eligible(long):
    cea = analyse(long, ARMS, Settings(horizons=(1, 2), population=50_000))
    budget = cea.budget
    assert np.allclose(budget.loc[budget["arm"] == "baseline", "difference"], 0.0)
    assert budget["eligible_people"].iloc[0] == pytest.approx(50_000 * 200 / 1000)
    # Interventions are bought in year 1 only in the made-up run.
    later = budget[(budget["year"] == 2) & (budget["arm"] != "baseline")]
    assert np.allclose(later["interventions"], 0.0)


@pytest.mark.parametrize("bad, message", [
    ({"currency": "eur"}, "currency"), ({"perspective": "patient"}, "perspective"),
    ({"horizons": ("lifetime",), "per": "population"}, "needs per='cohort'"), ({"horizons": (0,)}, "horizon"),
    ({"discount_costs": 0.5}, "discount_costs"), ({"wtp": (-1,)}, "wtp"), ({"population": 0}, "population")])
def test_bad_settings_fail_with_one_clear_line(bad, message):
    with pytest.raises(InputError, match=message):
        Settings(**bad)


def test_a_horizon_longer_than_the_run_is_refused(long):
    with pytest.raises(InputError, match="needs 1095 days"):
        analyse(long, ARMS, Settings(horizons=(3,)))


def test_evpi_of_a_sure_thing_is_zero():
    totals = pd.DataFrame({"arm": ["a", "b"] * 3, "seed": [0, 0, 1, 1, 2, 2], "qalys": [1.0, 2.0] * 3,
                           "cost": [0.0, 10.0] * 3})
    assert (evpi(totals, [100.0])["evpi_per_person"] == 0.0).all()
    assert acceptability(totals, [100.0]).set_index("arm").loc["b", "p_best"] == 1.0
    table = incremental_table(totals.assign(cost_interventions=0.0, cost_background=0.0, cost_productivity=0.0),
                              comparator="a")
    assert table.set_index("arm").loc["b", "icer"] == pytest.approx(10.0)


def test_the_published_section_replaces_itself_and_keeps_the_rest(tmp_path):
    from sim.studies.economics.published import BEGIN, END, STUDIES, section, write_section

    fake = pd.DataFrame([{"study": s.key, "model_d_qalys": 0.03, "model_d_qalys_lo": 0.02, "model_d_qalys_hi": 0.04,
                          "model_d_cost": 50.0, "model_d_cost_lo": 40.0, "model_d_cost_hi": 60.0,
                          "model_interventions": 60.0, "model_icer": 50 / 0.03, "model_verdict": True,
                          "same_verdict": True, "qalys_within_ci": None if s.published_qaly_ci is None else True}
                         for s in STUDIES])
    text = section(fake, 1000, 2, "python experiments/cea_published.py --quick")
    doc, own = tmp_path / "validation.md", tmp_path / "validation_cea.md"
    doc.write_text("# Validation\n\nother engineers' text\n")
    write_section(text, doc, own)
    write_section(text.replace("1,000 people", "2,000 people"), doc, own)
    written = doc.read_text()
    assert written.count(BEGIN) == 1 and written.count(END) == 1
    assert "other engineers' text" in written and "2,000 people" in written and "1,000 people" not in written
    assert own.read_text().startswith(BEGIN)
    assert "| BeST |" in written and "| Herman2017 |" in written
    assert "### Unit costs and their sources" in written and "| `cost_cbt_session_gbp` | 66 |" in written


def test_refreshing_the_unit_costs_rewrites_only_their_part_of_the_section(tmp_path):
    """`experiments/cea_published.py --unit-costs-only`: the table follows the parameter table, the
    studies' results and everything outside the section stay as they were, without a run."""
    from sim.studies.economics.published import BEGIN, END, UNIT_COSTS, refresh_unit_costs, unit_cost_lines

    results = "| BeST | model +0.0408 | published +0.099 |"
    stale = f"{BEGIN}\n\n## Cost-effectiveness\n\n{results}\n\n{UNIT_COSTS}\n\n| `cost_x` | 0.5 | old |\n\n{END}"
    doc, own, other = tmp_path / "validation.md", tmp_path / "validation_cea.md", tmp_path / "ODD.md"
    doc.write_text(f"# Validation\n\nother engineers' text\n\n{stale}\n\n## After\n")
    own.write_text(stale + "\n")
    other.write_text("# no section here\n")
    assert refresh_unit_costs((doc, own, other)) == [doc, own]
    for path in (doc, own):
        text = path.read_text()
        assert results in text and "| `cost_x` | 0.5 | old |" not in text
        assert "\n".join(unit_cost_lines() + [END]) in text and text.count(BEGIN) == 1
    assert doc.read_text().startswith("# Validation\n\nother engineers' text") and doc.read_text().endswith("## After\n")
    assert other.read_text() == "# no section here\n"
    assert refresh_unit_costs((doc, own, other)) == []  # already current
    own.write_text(f"{BEGIN}\n{results}\n{END}\n")
    with pytest.raises(InputError, match="no '### Unit costs and their sources' part"):
        refresh_unit_costs((own,))


def test_the_sources_table_lists_every_cost_and_flags_each_unverified_figure():
    from sim.studies.economics.costs import UNVERIFIED, sources_table

    rows = {line.split("|")[1].strip(" `"): line for line in sources_table().splitlines()[2:]}
    costs = [p for p in PARAMETERS if p.group == "costs"]
    assert set(rows) == {p.name for p in costs}
    for p in costs:
        flagged = "holds an unverified figure" in rows[p.name]
        assert flagged == (UNVERIFIED in p.source), p.name
    # the last recalled figure was found: generic duloxetine's Medicare Part D spending per capsule in
    # 2022 (CMS Part D Spending by Drug, 'Duloxetine HCl', Overall), replacing the recalled USD 0.50 a day
    assert UNVERIFIED not in PARAMS["cost_medication_session_usd"].source
    assert PARAMS["cost_medication_session_usd"].default == pytest.approx(0.6691543477, abs=1e-4)
    assert "Avg_Spnd_Per_Dsg_Unt_Wghtd_2022 = 0.6691543477" in PARAMS["cost_medication_session_usd"].source
    # so no unit cost holds a figure that was not read (issue 15); one added later must be labelled
    assert "holds an unverified figure" not in sources_table()
    # what was read replaces what was recalled: the NHS generic duloxetine price (GBP 2.39 per 28, not
    # BNF 58's brand GBP 27.72) and the mean of the four 2014 BLS quarterly medians (USD 791.25 / 7)
    assert UNVERIFIED not in PARAMS["cost_medication_session_gbp"].source
    assert PARAMS["cost_medication_session_gbp"].default == pytest.approx(2.39 / 28, abs=1e-4)
    assert UNVERIFIED not in PARAMS["cost_work_day_usd"].source
    assert PARAMS["cost_work_day_usd"].default == pytest.approx((796 + 780 + 790 + 799) / 4 / 7, abs=0.05)
    # the US depression excess (MEPS 2004-2011, USD 2,654) was found; the comorbid sum follows it
    assert UNVERIFIED not in PARAMS["cost_depression_year_usd"].source
    assert UNVERIFIED not in PARAMS["cost_comorbid_year_usd"].source
    # what was found is cited without the label: the 2025 fee schedule's CPT 90834
    assert UNVERIFIED not in PARAMS["cost_exercise_session_gbp"].source
    assert UNVERIFIED not in PARAMS["cost_cbt_session_usd"].source
    # a modelling choice says so instead of claiming a source
    assert "| a stated choice |" in rows["cost_after_exit_year_gbp"]


# ---- deaths and the lifetime horizon -----------------------------------------------------

def _with_survival(long: pd.DataFrame, alive, female=None, male=None) -> pd.DataFrame:
    """The made-up run with its survival columns replaced (the same in every arm and seed), and
    the followed members' means absent on days when none is left, as a real run writes them."""
    day = np.arange(DAYS + 1)
    columns = {"cohort_alive": alive, "cohort_aged_out_female": np.zeros(day.size) if female is None else female,
               "cohort_aged_out_male": np.zeros(day.size) if male is None else male}
    long = long.assign(metric=long["metric"].astype(str))
    keep = ~long["metric"].isin(list(columns))
    empty = long["metric"].str.startswith("cohort_") & (long["metric"] != "cohort_size") \
        & (alive[long["day"].to_numpy()] == 0)
    long = long[keep & ~empty]
    extra = [pd.DataFrame({"arm": arm, "seed": seed, "day": day, "metric": name, "value": values})
             for (arm, seed) in long[["arm", "seed"]].drop_duplicates().itertuples(index=False)
             for name, values in columns.items()]
    out = pd.concat([long, *extra], ignore_index=True)
    out["metric"] = out["metric"].astype("category")
    return out


def test_a_cohort_that_has_all_died_after_day_d_accrues_nothing_after_d(long):
    from sim.studies.economics.study import _wide

    d = 400
    day = np.arange(DAYS + 1)
    alive = np.where(day < d, np.exp(-day / 2000), 0.0)  # a few die every day, the rest on day d
    wide = _wide(_with_survival(long, alive))
    at_d = arm_totals(wide, ARMS, COSTS, d, "societal", "cohort", 0.035, 0.035)
    for horizon in (d + 1, DAYS, None):
        later = arm_totals(wide, ARMS, COSTS, horizon, "societal", "cohort", 0.035, 0.035)
        for column in ("qalys", "cost_background", "cost_productivity", "life_years", "cost"):
            assert np.allclose(later[column], at_d[column], rtol=1e-12, atol=0), (horizon, column)
    # and what they lived before d counts, weighted by the share alive each day
    row = at_d.iloc[0]
    frame = wide[(wide["arm"] == row["arm"]) & (wide["seed"] == row["seed"])].sort_values("day")
    lived = (frame["day"] >= 1) & (frame["day"] <= d)
    assert row["life_years"] == pytest.approx((frame.loc[lived, "cohort_alive"]).sum() / 365, rel=1e-12)
    assert row["life_years"] < (d - 1) / 365


def test_a_lifetime_horizon_is_refused_while_members_are_still_followed(wide):
    with pytest.raises(InputError, match="still alive and under the exit age"):
        arm_totals(wide, ARMS, COSTS, None, "health_care", "cohort")


def test_members_who_reach_the_exit_age_live_on_by_the_life_table():
    """A member aging out continues with the table's survival from 85: undiscounted life-years to
    the end equal the table's life expectancy at 85 (trapezoid over whole years, beyond 99 the
    last qx held), and the QALYs are those years at the general-population utility of 85+."""
    from sim.core.demography import QX, FIRST_AGE
    from sim.studies.economics.costs import after_exit_curves, general_population_utility

    for female in (0, 1):
        curves = after_exit_curves(85, female, 0.0)
        q = np.concatenate([QX[female][85 - FIRST_AGE:], np.full(40, QX[female][-1])])
        l = np.concatenate(([1.0], np.cumprod(1 - q)))
        e85 = float(np.sum((l[:-1] + l[1:]) / 2))
        assert curves["years"][-1] == pytest.approx(e85, rel=0.01)
        assert 5.0 < curves["years"][-1] < 8.0  # men about 6, women about 7 years at 85
        mean_u = curves["utility"][-1] / curves["alive"][-1]
        assert general_population_utility(100, 1 - female) < mean_u < general_population_utility(85, 1 - female)


def test_the_exit_closure_adds_the_same_to_every_arm_up_to_the_horizon(long):
    from sim.studies.economics.study import _wide

    day = np.arange(DAYS + 1)
    out_f = np.where(day >= 100, 0.05, 0.0)  # 5% of members (women) reach 85 on day 100
    wide = _wide(_with_survival(long, 1.0 - out_f, female=out_f))
    plain = arm_totals(_wide(long), ARMS, COSTS, DAYS, "health_care", "cohort", 0.035, 0.035)
    closed = arm_totals(wide, ARMS, COSTS, DAYS, "health_care", "cohort", 0.035, 0.035)
    after = closed["qalys_after_exit"]
    assert np.allclose(after, after.iloc[0]) and after.iloc[0] > 0
    # the aged-out live days 100..DAYS after 85 (a little less: some die)
    assert 0.9 * 0.05 * (DAYS - 99) / 365 < closed["life_years_after_exit"].iloc[0] < 0.05 * (DAYS - 99) / 365
    assert (closed["life_years"] < plain["life_years"]).all()  # deaths after 85 within the horizon
    # with a yearly cost after the exit age it is costed, the same in every arm
    priced = UnitCosts.from_values(BASE.replace(cost_after_exit_year_gbp=1000.0).values, "gbp")
    costly = arm_totals(wide, ARMS, priced, DAYS, "health_care", "cohort", 0.0, 0.0)
    assert np.allclose(costly["cost_after_exit"], 1000.0 * costly["life_years_after_exit"], rtol=1e-9)


def test_lifetime_settings_sort_last_and_run_until_everyone_has_left():
    from sim.studies.economics.study import run_days

    chosen = Settings(horizons=("lifetime", 5, 1))
    assert chosen.horizons == (1, 5, "lifetime") and chosen.years == (1, 5) and chosen.budget_years == 5
    assert run_days(chosen, Scenario()) == int(np.ceil((85 - 18) * 365.25)) + 1
    assert run_days(Settings(horizons=(3,)), Scenario()) == 3 * 365
