"""`painloop cea` end to end on a small town: files, table, verdicts, costs that scale, and
one-line errors that write nothing."""

import numpy as np
import pandas as pd
import pytest

from sim import Scenario
from sim.cli import main
from sim.core.parameters import PARAMETERS
from sim.studies.economics.study import cost_effectiveness

SMALL = 'name = "small"\nn_agents = 300\nburn_in_days = 100\n'


@pytest.fixture(scope="module")
def small_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cea")
    scenario = folder / "small.toml"
    scenario.write_text(SMALL)
    out = folder / "out"
    code = main(["cea", str(scenario), "--seeds", "2", "--horizon-years", "1", "2", "--serial", "--quiet",
                 "--out", str(out)])
    return code, out


def test_cea_writes_the_report_the_table_and_three_figures(small_run):
    code, out = small_run
    assert code == 0
    for name in ("cea.md", "cea.csv", "ce_plane.png", "ceac.png", "frontier.png", "results.parquet"):
        assert (out / name).exists(), name
    assert all((out / f).stat().st_size > 10_000 for f in ("ce_plane.png", "ceac.png", "frontier.png"))
    table = pd.read_csv(out / "cea.csv")
    assert set(table["horizon_years"]) == {1, 2} and table["arm"].nunique() == 12
    assert table.loc[table["status"] != "frontier", "icer"].isna().all()
    text = (out / "cea.md").read_text()
    for phrase in ("## 1-year horizon", "## 2-year horizon", "At £20,000 per QALY", "At £30,000 per QALY",
                   "Efficiency frontier", "## Budget impact", "over seeds only", "## Unit costs and their sources"):
        assert phrase in text, phrase
    assert not [p for p in out.iterdir() if p.name.startswith(".") and p.name != ".lock"]  # the folder lock stays


def test_the_python_api_returns_the_table_of_cea_csv(small_run):
    """`cost_effectiveness(...).table` is the DataFrame `painloop cea` writes to cea.csv (the same
    settings reuse the CLI's stored runs, so nothing is simulated again)."""
    _, out = small_run
    scenario = Scenario.from_toml(out.parent / "small.toml")
    cea = cost_effectiveness(scenario, out=out, seeds=2, executor="serial", progress=False, horizons=(1, 2))
    written = pd.read_csv(out / "cea.csv")
    written["icer_versus"] = written["icer_versus"].fillna("")  # CSV reads the empty name back as missing
    assert isinstance(cea.table, pd.DataFrame) and list(cea.table.columns) == list(written.columns)
    pd.testing.assert_frame_equal(cea.table.reset_index(drop=True), written, check_dtype=False, rtol=1e-12)
    assert {"evpi_per_person", "evpi_population"} <= set(cea.evpi.columns)
    assert {"year", "spend", "difference", "eligible_people"} <= set(cea.budget.columns)


@pytest.mark.slow
@pytest.mark.one_python
def test_doubling_every_unit_cost_doubles_incremental_costs_of_a_real_run(small_run, tmp_path):
    """The same runs again (unit costs do not touch the model's randomness) with every cost
    parameter doubled: incremental costs double, incremental QALYs do not move."""
    _, out = small_run
    plain = pd.read_csv(out / "cea.csv")
    doubled_costs = {p.name: 2 * p.default for p in PARAMETERS if p.group == "costs" and p.name.startswith("cost_")}
    scenario = Scenario(name="small", n_agents=300, burn_in_days=100, **doubled_costs)
    doubled = cost_effectiveness(scenario, out=tmp_path / "doubled", seeds=2, executor="serial", progress=False,
                                 horizons=(1, 2)).table
    assert np.allclose(doubled["d_cost"], 2 * plain["d_cost"], rtol=1e-9, atol=1e-6)
    assert np.allclose(doubled["d_qalys"], plain["d_qalys"], rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("args, message", [
    (["--currency", "gbp", "--horizon-years", "0"], "horizon = 0 must be a whole number of years"),
    (["--discount-costs", "3.5"], "discount_costs = 3.5 must be a yearly rate in [0, 0.2]"),
    (["--wtp", "-5"], "wtp = [-5.0] must be non-negative"),
    (["--population", "0"], "population = 0 must be a positive whole number"),
])
def test_bad_cea_input_is_one_line_exit_2_and_writes_nothing(tmp_path, capsys, args, message):
    out = tmp_path / "out"
    code = main(["cea", "--quiet", "--out", str(out), *args])
    err = capsys.readouterr().err
    assert code == 2 and message in err and err.count("\n") == 1
    assert not out.exists()


def test_the_lean_run_gives_the_same_table_as_a_run_that_keeps_everything(tmp_path):
    """`painloop cea` keeps only what economics reads while the runs go (costs.METRICS); its
    costs, QALYs, ICERs, verdicts, EVPI and budget impact are those of a full run, bit for bit,
    at 1 and 2 years, in both perspectives."""
    from sim.running.runner import run_experiment
    from sim.studies.economics.costs import METRICS
    from sim.studies.economics.study import Settings, analyse

    base = Scenario(n_agents=300, burn_in_days=100, days=2 * 365)
    arms = {"baseline": base, "cbt": base.replace(interventions=[{"kind": "cbt"}]),
            "exercise+medication": base.replace(interventions=[{"kind": "exercise"}, {"kind": "medication"}])}
    full = run_experiment(arms, seeds=2, out=tmp_path / "full", progress=False).table
    lean = run_experiment(arms, seeds=2, out=tmp_path / "lean", progress=False, metrics=METRICS).table
    assert lean["metric"].nunique() < full["metric"].nunique() / 3 and len(lean) < len(full) / 3
    for perspective in ("health_care", "societal"):
        chosen = Settings(horizons=(1, 2), perspective=perspective)
        a, b = analyse(full, arms, chosen), analyse(lean, arms, chosen)
        for name in ("table", "totals", "verdicts", "ceac", "evpi", "budget"):
            pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), check_exact=True, obj=name)
    assert (a.table["d_cost"].abs() > 0).sum() == 4  # two arms x two horizons: it compares something


@pytest.mark.parametrize("x, shown", [(-0.3, "£0"), (-0.0, "£0"), (0.4, "£0"), (-0.6, "-£1"), (1234.4, "£1,234"),
                                      (-9453.2, "-£9,453"), (float("nan"), "")])
def test_money_is_rounded_before_its_sign_so_a_tiny_negative_is_not_minus_zero(x, shown):
    from sim.studies.economics.study import _money

    assert _money(x, "£") == shown
