"""The dashboard without a browser: the app imports, its model runs ten steps, every plot draws,
and every control is a constructor keyword read from the parameter table."""

import inspect

import numpy as np
import pytest

pytest.importorskip("solara")

from sim import PARAMETERS, rule_names  # noqa: E402
from sim.teaching.dashboard_model import (DEFAULT_FOLLOW, FOLLOW_CHOICES, SLIDER_PARAMETERS,  # noqa: E402
                                 DashboardModel)
from sim.core.parameters import PARAMS  # noqa: E402
from sim.teaching.story import follow  # noqa: E402

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
QUICK = {"n_agents": 500, "burn_in_days": 200}
"""A small town with a short burn-in: same seed and size everywhere, so the layout is cached."""


@pytest.fixture(scope="module")
def app():
    import sim.teaching.dashboard

    return sim.teaching.dashboard


def test_app_imports_and_its_model_runs_ten_steps(app):
    assert app.page is not None
    model = DashboardModel(**QUICK)
    for _ in range(10):
        model.step()
    assert model.day == 10
    assert len(model.followed_history) == 11
    assert [h["day"] for h in model.followed_history] == list(range(11))
    assert len(model.datacollector.model_vars["chronic_pain"]) == 11


def test_every_plot_draws_a_png_and_changes_with_the_day(app):
    model = DashboardModel(**QUICK)
    plots = [cls(model) for cls in (app.NetworkPlot, app.PrevalencePlot, app.HistogramPlot,
                                    app.PersonPlot)]
    before = [plot.png(model) for plot in plots]
    for _ in range(5):
        model.step()
    after = [plot.png(model) for plot in plots]
    for plot, a, b in zip(plots, before, after):
        assert a.startswith(PNG_MAGIC) and b.startswith(PNG_MAGIC), type(plot).__name__
        assert a != b, f"{type(plot).__name__} did not change over five days"


def test_histograms_count_everyone(app):
    model = DashboardModel(**QUICK)
    plot = app.HistogramPlot(model)
    plot.update(model)
    for stairs in (plot.pain, plot.mood):
        assert stairs.get_data().values.sum() == model.engine.n


def test_network_colours_follow_categories(app):
    from sim.teaching.categories import colour_array

    model = DashboardModel(**QUICK)
    plot = app.NetworkPlot(model)
    plot.update(model)
    codes = model.category_codes()
    order = np.argsort(codes, kind="stable")
    np.testing.assert_allclose(plot.dots.get_facecolors(), colour_array(codes[order]))
    np.testing.assert_allclose(plot.dots.get_offsets(), model.layout[order])
    assert model.layout.shape == (model.engine.n, 2)


def test_sliders_read_the_parameter_table_and_name_constructor_keywords(app):
    params = app.model_params()
    signature = inspect.signature(DashboardModel).parameters
    for name, control in params.items():
        assert name in signature, name
        if hasattr(control, "step"):  # a slider snaps to its steps: its start must be on one
            positions = (control.value - control.min) / control.step
            assert abs(positions - round(positions)) < 1e-6, f"{name}: default off the slider's steps"
            assert control.value == signature[name].default or name in SLIDER_PARAMETERS
    for name in SLIDER_PARAMETERS:
        p = PARAMS[name]
        slider = params[name]
        assert (slider.value, slider.min, slider.max) == (p.default, p.low, p.high), name
        assert (p.high - p.low) / slider.step >= 100, name
    assert params["switched_off"]["values"] == ["none", *rule_names()]
    assert params["follow"]["values"] == list(FOLLOW_CHOICES)
    assert set(SLIDER_PARAMETERS) <= {p.name for p in PARAMETERS}


def test_reset_rebuilds_the_same_model_from_the_controls():
    params = {**QUICK, "follow": "someone caught in the cycle", "switched_off": "pain_to_sleep",
              "pain_to_mood_weight": 0.5}
    a = DashboardModel(**params)
    b = type(a)(**params)
    assert a.followed == b.followed
    assert a.engine.scenario == b.engine.scenario
    assert "pain_to_sleep" not in [r.name for r in b.engine.rules]
    assert b.engine.p.pain_to_mood_weight == 0.5
    np.testing.assert_array_equal(a.engine.pop.pain, b.engine.pop.pain)


def test_followed_person_matches_the_story_and_is_injured():
    seed = 1
    model = DashboardModel(seed=seed, **QUICK, follow=DEFAULT_FOLLOW)
    record = follow(model.engine.scenario, seed, weeks=1)
    assert model.followed == record.person
    assert model.engine.pop.tissue[model.followed] > 0
    # injured this morning, so still well by the case definitions
    assert model.followed_history[0]["category"] == 0


@pytest.mark.parametrize("label", [k for k, v in FOLLOW_CHOICES.items() if isinstance(v, int)])
def test_follow_picks_someone_of_that_kind(label):
    model = DashboardModel(n_agents=500, follow=label)  # full burn-in: every kind of case exists
    code = model.category_codes()[model.followed]
    if model.follow_note:
        assert not np.any(model.category_codes() == FOLLOW_CHOICES[label])
    else:
        assert code == FOLLOW_CHOICES[label]


def test_well_person_is_not_injured_when_not_asked():
    """Following 'a well person' (no story) picks someone of category 0 and leaves their back as
    the town's own shocks left it: the same tissue as in an engine without the dashboard (they may
    have had an injury of their own in the burn-in, so 'not in the story's candidates' is no
    sign of the dashboard injuring them)."""
    from sim.core.engine import Engine

    model = DashboardModel(**QUICK, follow="a well person")
    i = model.followed
    assert model.category_codes()[i] == 0 or model.follow_note
    untouched = Engine(model.engine.scenario, seed=model.seed)
    assert model.engine.pop.tissue[i] == untouched.pop.tissue[i]


def test_vulnerable_story_person_matches_the_story():
    model = DashboardModel(**QUICK, follow="a vulnerable well person, injured on day 0")
    record = follow(model.engine.scenario, 1, who="vulnerable", weeks=1)
    assert model.followed == record.person
    assert model.engine.pop.tissue[model.followed] > 0


@pytest.mark.parametrize("bad, match", [
    ({"follow": "nobody"}, "follow = 'nobody' must be one of"),
    ({"switched_off": "pain_to_slep"}, "switched_off = 'pain_to_slep' must be 'none' or a rule"),
    ({"pain_to_mood_weight": 99.0}, r"'pain_to_mood_weight' = 99.0 is outside the allowed range"),
])
def test_bad_controls_are_named(bad, match):
    from sim import InputError

    with pytest.raises(InputError, match=match):
        DashboardModel(**QUICK, **bad)


def test_intervention_controls_build_a_real_intervention(app):
    from sim.interventions import IN_TREATMENT

    model = DashboardModel(**QUICK, intervention="exercise", coverage=1.0, intervention_start_day=2,
                           eligibility="all")
    (spec,) = model.engine.scenario.interventions
    assert (spec.kind, spec.coverage, spec.start_day, spec.eligibility) == ("exercise", 1.0, 2, "all")
    plot = app.PrevalencePlot(model)
    for _ in range(6):
        model.step()
    plot.update(model)
    in_treatment = model.datacollector.model_vars["exercise_in_treatment"]
    assert in_treatment[0] == 0 and in_treatment[-1] > 0
    np.testing.assert_allclose(plot.treated["exercise"].get_ydata(),
                               100 * np.asarray(in_treatment) / model.engine.n)
    delivery = model.engine.deliveries["exercise"]
    assert model.followed_history[-1]["treated"] == (delivery.status[model.followed] == IN_TREATMENT)
    assert app.model_params()["intervention"]["values"][0] == "none"


def test_no_intervention_means_the_plain_model():
    plain = DashboardModel(**QUICK)
    zero = DashboardModel(**QUICK, intervention="cbt", coverage=0.0)
    for _ in range(5):
        plain.step()
        zero.step()
    np.testing.assert_array_equal(plain.engine.pop.low_mood, zero.engine.pop.low_mood)


def test_loop_view_shows_the_switched_off_rule(app):
    fig = app.loop_figure(("pain_to_mood",))
    assert "pain_to_mood OFF" in fig.axes[0].get_title()


def test_dashboard_command_rejects_bad_or_busy_ports(capsys):
    import socket

    from sim.cli import main

    assert main(["dashboard", "--port", "70000"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--port = 70000 is outside the allowed range [0, 65535]" in err[0]
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert main(["dashboard", "--port", str(port)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and f"cannot listen on 127.0.0.1:{port}" in err[0]


# ---- the costs section --------------------------------------------------------------------------

def _priced_town(**extra):
    model = DashboardModel(**QUICK, intervention="exercise", intervention_start_day=1, eligibility="all", **extra)
    for _ in range(8):
        model.step()
    return model


@pytest.mark.parametrize("currency", ["gbp", "usd"])
def test_costs_section_offers_the_currency_s_costs_and_every_utility_from_the_table(currency):
    from sim.core.parameters import CURRENCIES
    from sim.teaching import dashboard_costs
    from sim.teaching.dashboard import costs_slider_step

    shown = dashboard_costs.controls(currency)
    names = [c.name for c in shown]
    other = next(c for c in CURRENCIES if c != currency)
    expected = [p.name for p in PARAMETERS if p.group == "utility"
                or (p.group == "costs" and not p.name.endswith(f"_{other}"))]
    assert names[0] == "wtp" and sorted(names[1:]) == sorted(expected)
    assert f"cost_exercise_session_{currency}" in names and f"cost_exercise_session_{other}" not in names
    for c in shown:
        step = costs_slider_step(c)
        positions = (c.value - c.low) / step
        assert abs(positions - round(positions)) < 1e-6, f"{c.name}: default off the slider's steps"
        if c.name == "wtp":
            continue
        p = PARAMS[c.name]
        assert (c.value, c.low) == (p.default, p.low) and c.low < c.high <= p.high, c.name
        assert c.value <= c.high and (c.high - c.low) / step >= 100, c.name


def test_costs_readout_prices_the_town_like_the_cea_and_scales_with_every_unit_cost():
    from sim.teaching.dashboard_costs import cost_names, running_totals

    model = _priced_town()
    plain = running_totals(model, currency="gbp", perspective="societal")
    assert plain["days"] == 8 and plain["interventions"] > 0 and plain["background"] > 0
    assert plain["qalys"] == pytest.approx(sum(model.datacollector.model_vars["utility_mean"][1:]) / 365,
                                           rel=1e-12)
    money = {n: 2 * PARAMS[n].default for n in cost_names("gbp") if n.startswith("cost_")}
    doubled = running_totals(model, money, currency="gbp", perspective="societal")
    for key in ("interventions", "background", "productivity", "cost"):
        assert doubled[key] == pytest.approx(2 * plain[key], rel=1e-12), key
    assert doubled["qalys"] == plain["qalys"]
    assert plain["nmb"] == pytest.approx(20_000 * plain["qalys"] - plain["cost"])
    assert running_totals(model, currency="gbp")["productivity"] == 0.0  # health-care perspective


def test_moving_a_utility_recomputes_qalys_from_everyone_s_recorded_states():
    from sim.teaching.dashboard_costs import running_totals

    model = _priced_town()
    assert len(model.states_history) == model.day + 1
    own = running_totals(model)["qalys"]
    # a change too small to matter takes the recomputing path and lands on the model's own values
    nudged = running_totals(model, {"eq5d_any_problem_decrement": 0.081 + 1e-12})["qalys"]
    assert nudged == pytest.approx(own, rel=1e-6)
    harsher = running_totals(model, {"eq5d_pain_moderate_decrement": 0.3, "eq5d_any_problem_decrement": 0.2})
    assert harsher["qalys"] < own - 1e-5


@pytest.mark.parametrize("overrides, match", [
    ({"pain_to_mood_weight": 0.2}, "'pain_to_mood_weight' is not a cost or utility parameter"),
    ({"cost_cbt_session_gbp": -1.0}, r"'cost_cbt_session_gbp' = -1.0 is outside the allowed range \[0, 10000\]"),
])
def test_costs_readout_names_a_bad_control(overrides, match):
    from sim import InputError
    from sim.teaching.dashboard_costs import running_totals

    with pytest.raises(InputError, match=match):
        running_totals(DashboardModel(**QUICK), overrides)


def test_costs_view_renders_and_a_slider_redraws_the_readout_without_resetting_the_town(app):
    import ipyvuetify as v
    import solara

    from sim.teaching import dashboard_costs

    model = _priced_town()
    before = model.engine.pop.pain.copy()
    _, rc = solara.render(solara.component(app.CostsView)(model), handle_error=False)
    sliders = {s.label: s for s in rc.find(v.Slider).widgets}
    assert len(sliders) == len(dashboard_costs.controls("gbp"))

    def readout():  # solara.Markdown renders into a Vuetify template
        return "\n".join(w.template for w in rc.find(v.VuetifyTemplate).widgets
                         if "Costs and QALYs so far" in str(w.template))

    first = readout()
    assert "£" in first and "QALYs" in first
    assert rc.find(v.ExpansionPanels).widget.v_model is None, "the section starts collapsed"
    sliders["cost_exercise_session_gbp (GBP per session)"].v_model = 84.0
    assert readout() != first
    assert model.day == 8 and np.array_equal(model.engine.pop.pain, before)
