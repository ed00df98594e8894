"""Trajectories' SPC section: limits recalculated at a go-live, the rebase control, suggestions and annotations."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from streamlit.dataframe_util import convert_arrow_bytes_to_pandas_df

pytestmark = pytest.mark.app

REBASE = "spc_rebase_ONLINE_CONSULT_system_QMJ"
BASELINE = "spc_baseline_ONLINE_CONSULT_system_QMJ"


def _open(app, **params: str):
    app.query_params.update(params)
    app.switch_page("pages/trajectories.py").run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def _texts(app) -> str:
    return " ".join(m.value for m in app.markdown) + " " + " ".join(c.value for c in app.caption)


def _spc_spec(app) -> dict:
    charts = app.get("vega_lite_chart")
    return next(
        spec for c in charts if "XmR chart" in (spec := json.loads(c.proto.spec)).get("description", "")
    )


def _datasets(chart) -> list[pd.DataFrame]:
    """The chart's data as Streamlit sent it (datasets travel as Arrow tables beside the spec)."""
    return [convert_arrow_bytes_to_pandas_df(d.data.data) for d in chart.proto.datasets]


def _spc_chart(app):
    return next(c for c in app.get("vega_lite_chart") if "XmR chart" in json.loads(c.proto.spec)["description"])


def test_online_consultation_is_rebased_at_its_go_live_and_consistently_passes(app):
    _open(app, kpi="ONLINE_CONSULT")
    assert app.session_state[REBASE] == ["2020-08-01"]  # the go-live, followed by a sustained shift
    texts = _texts(app)
    assert "Assurance: Consistently passing the target" in texts
    assert "Consistently failing" not in texts
    assert "Limits recalculated from Aug 2020: Online consultation in every practice." in texts
    # the ramp's run above the mean lies in the earlier segment: nothing is suggested for the current one
    assert not any("suggests a new process" in i.value for i in app.info)
    spec = _spc_spec(app)  # the rebase is drawn as a dotted rule (the caption above names it, not the alt text)
    rebase_rules = [layer for layer in spec["layer"] if any(t.get("title") == "Rebase" for t in
                                                            layer.get("encoding", {}).get("tooltip", []))]
    assert len(rebase_rules) == 1


def test_removing_the_rebase_brings_back_whole_series_limits_and_explains_the_difference(app):
    _open(app, kpi="ONLINE_CONSULT")
    app.multiselect(key=REBASE).set_value([]).run()
    assert not app.exception
    texts = _texts(app)
    assert "One set of limits over every point (no rebase)." in texts
    assert "Assurance: Consistently failing the target" in texts
    # status against plan (on track) and assurance (failing) differ: one sentence says why
    assert "Against plan the latest month is on track; the SPC limits say the process will consistently miss" in texts
    # a run on one side of the mean is offered as a rebase point, and the button applies it
    info = " ".join(i.value for i in app.info)
    assert "suggests a new process; rebase here?" in info
    button = next(b for b in app.button if b.label.startswith("Rebase at "))
    when = button.label.removeprefix("Rebase at ")
    button.click().run()
    assert not app.exception
    assert len(app.session_state[REBASE]) == 1
    assert f"Limits recalculated from {when}." in _texts(app)


def test_baseline_choice_fixes_the_limits_on_the_first_points(app):
    _open(app, kpi="ONLINE_CONSULT")
    app.multiselect(key=REBASE).set_value([]).run()
    app.selectbox(key=BASELINE).set_value(12).run()
    assert not app.exception
    data = next(d for d in _datasets(_spc_chart(app)) if "upl" in d)
    # the first 12 months are all 0%: limits of 0, against which every later point is judged
    assert set(data["upl"]) == {0.0} and set(data["lpl_shown"]) == {0.0}


def test_milestones_are_drawn_on_both_charts(app):
    _open(app, kpi="ONLINE_CONSULT")
    charts = app.get("vega_lite_chart")[:2]
    assert "milestone" in json.loads(charts[0].proto.spec)["description"]
    for chart in charts:
        labels = {label for d in _datasets(chart) if "label" in d for label in d["label"]}
        assert "Online consultation in every practice" in labels


def test_a_rate_never_draws_a_negative_lower_limit(app):
    # Camden Town PCN, care-home emergency admissions per 100 beds: today's chart draws a lower limit of -49
    _open(app, borough="E09000007", pcn="U90010", kpi="CH_EMADM")
    # (the months with counts of 1-7 are suppressed before SPC runs, so the limits come from the months shown;
    # tests/unit/stats/test_spc_rebase.py holds the clipping of a negative limit itself)
    data = next(d for d in _datasets(_spc_chart(app)) if "lpl_shown" in d)
    assert data["lpl_shown"].min() >= 0.0  # the drawn limit
    assert (data["lpl_shown"] >= data["lpl"]).all()  # drawn limits only ever clip the real ones


def test_overview_cards_note_an_assurance_that_contradicts_the_status(app):
    app.switch_page("pages/overview.py").run()
    assert not app.exception, [e.value for e in app.exception]
    # each card's name is a wrapping heading that carries the card's help (status, data date, plan, note)
    help_of = {m.value.strip("*"): m.proto.help for m in app.markdown if m.proto.help}
    # on track and, rebased at its go-live, consistently passing: nothing to explain
    assert "SPC assurance" not in help_of["Practices offering online consultation"]
    # on track this month, but the process sits below the target
    note = "SPC assurance: the process will consistently miss the target, unlike the status against plan."
    assert help_of["Hypertension: recorded to expected prevalence"].endswith(note)
    assert note in [c.value for c in app.caption]  # and visible on the card, not only in its tooltip
