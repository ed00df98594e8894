"""SPC as the Trajectories page shows it: milestones, default rebase points, display frame, chart specs, wording."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from components.charts import milestone_layers, spc_chart, trajectory_chart
from components.spc_icons import ASSURANCE_TEXT
from data.analysis import (
    assurance_notes,
    known_change_rebase,
    kpi_milestones,
    latest_status,
    rebase_options,
    spc_chart_data,
    spc_display,
    spc_table,
    spc_value_bounds,
    status_and_assurance,
)
from data.export import ExportContext, chart_png, chart_svg
from data.stats.spc import AssuranceIcon
from data.status import Status

pytestmark = pytest.mark.unit

MILESTONES = pd.DataFrame(
    {
        "workstream_code": ["DIGI"] * 4,
        "workstream": ["Digital"] * 4,
        "initiative_code": ["DIGI-OC", "DIGI-OC", "DIGI-OC", "OTHER"],
        "initiative": ["Online consultation"] * 3 + ["Other"],
        "code": ["OC-ALL", "OC-CAM", "OC-NEXT", "X"],
        "name": ["Online consultation in every practice", "Camden pilot", "Next phase", "Elsewhere"],
        "owner": [None] * 4,
        "borough_code": [None, "E09000007", None, None],
        "borough": [None, "Camden", None, None],
        "planned_date": [date(2020, 3, 31), date(2018, 1, 1), date(2023, 6, 1), date(2020, 1, 1)],
        "actual_date": [date(2020, 8, 1), date(2018, 2, 10), None, date(2020, 1, 1)],
    }
)


def online_series() -> pd.DataFrame:
    """Shaped like the demo's online consultation: 0%, a ramp to 97%, then 100% (= target) from Aug 2020."""
    values = np.r_[np.zeros(12), np.linspace(0, 97.2, 40), np.full(44, 100.0)]
    periods = pd.date_range("2016-04-01", periods=96, freq="MS")
    return pd.DataFrame({"period_start": periods, "value": values})


def _layers(spec: dict) -> list[dict]:
    return spec.get("layer", [])


def _mark(layer: dict) -> str:
    return layer["mark"]["type"] if isinstance(layer["mark"], dict) else layer["mark"]


def _rows(spec: dict, layer: dict) -> list[dict]:
    return spec["datasets"][layer.get("data", spec.get("data", {})).get("name")]


# --- milestones and default rebase points ------------------------------------------------------


def test_kpi_milestones_are_the_initiatives_for_the_area_within_the_series() -> None:
    system = kpi_milestones(MILESTONES, "DIGI-OC", None, "2016-04-01", "2024-03-31")
    assert system["code"].tolist() == ["OC-ALL", "OC-NEXT"]  # system-wide only; not another initiative's
    assert system["label"].tolist() == ["Online consultation in every practice", "Next phase (planned)"]
    assert system["date"].tolist() == [pd.Timestamp("2020-08-01"), pd.Timestamp("2023-06-01")]  # actual, else planned
    assert system["done"].tolist() == [True, False]
    camden = kpi_milestones(MILESTONES, "DIGI-OC", "E09000007", "2016-04-01", "2021-01-01")
    assert camden["code"].tolist() == ["OC-CAM", "OC-ALL"]  # its own and the system-wide, within the range


def test_online_consultation_is_rebased_by_default_at_its_go_live() -> None:
    series = online_series()
    milestones = kpi_milestones(MILESTONES, "DIGI-OC", None, "2016-04-01", "2024-03-31")
    rebase = known_change_rebase(series, milestones)
    assert rebase == [pd.Timestamp("2020-08-01")]  # the planned "Next phase" is not a known change
    before = spc_chart_data(series, "higher_is_better", 100.0)
    after = spc_chart_data(series, "higher_is_better", 100.0, rebase=rebase)
    assert before.summary.assurance_icon is AssuranceIcon.CONSISTENT_FAIL
    assert after.summary.assurance_icon is AssuranceIcon.CONSISTENT_PASS
    assert ASSURANCE_TEXT[after.summary.assurance_icon][1] == "Consistently passing the target"


def test_rebase_options_name_the_milestone_periods() -> None:
    milestones = kpi_milestones(MILESTONES, "DIGI-OC", "E09000007", "2016-04-01", "2024-03-31")
    options = rebase_options(online_series(), milestones)
    assert "2016-04-01" not in options  # rebasing at the first period changes nothing
    assert options["2020-08-01"] == "Aug 2020: Online consultation in every practice"
    assert options["2018-03-01"] == "Mar 2018: Camden pilot"  # 10 Feb 2018 is first seen whole in March
    assert options["2019-01-01"] == "Jan 2019"
    assert len(options) == 95


def test_baseline_fixes_limits_on_the_first_points_of_each_segment() -> None:
    series = online_series()
    fixed = spc_chart_data(series, "higher_is_better", 100.0, fix_after_n_points=12).data
    assert set(fixed["upl"]) == {0.0}  # 12 months at 0%: every later month is above the fixed limits
    assert fixed["baseline"].sum() == 12


# --- display frame -------------------------------------------------------------------------------


def test_value_bounds_follow_the_value_type() -> None:
    assert spc_value_bounds("proportion", 100.0) == (0.0, 100.0)
    assert spc_value_bounds("proportion", 1.0) == (0.0, 1.0)
    assert spc_value_bounds("rate", 1000.0) == (0.0, None)


def rate_series() -> pd.DataFrame:
    """A rate per 100 beds swinging between 5 and 40: its lower process limit is far below zero."""
    return pd.DataFrame(
        {"period_start": pd.date_range("2021-01-01", periods=24, freq="MS"), "value": np.tile([5.0, 40.0], 12)}
    )


def test_display_frame_clips_a_negative_rate_limit_and_keeps_the_raw_limit_and_flags() -> None:
    result = spc_chart_data(rate_series(), "lower_is_better", None)
    shown = spc_display(result, "rate", 100.0)
    assert shown["lpl"].iloc[0] < -49  # what today's chart draws
    assert (shown["lpl_shown"] == 0.0).all()
    pd.testing.assert_frame_equal(shown[result.data.columns], result.data)
    assert set(shown["segment"]) == {"Limits from Jan 2021"}
    assert shown["rules"].iloc[0] == "None (common cause)"


def test_spc_table_and_tooltip_show_the_clipped_limits_drawn_and_say_what_was_computed() -> None:
    """The table and export showed the raw -49 while the chart drew 0 (issue 13): all three now agree."""
    result = spc_chart_data(rate_series(), "lower_is_better", None)
    shown = spc_display(result, "rate", 100.0)
    table = spc_table(shown)
    assert (table["Lower process limit"] == 0.0).all()
    assert table["Upper process limit"].equals(shown["upl"])  # an upper limit above 0 is not moved
    raw = shown["lpl"].iloc[0]
    assert table["Limits note"].iloc[0].startswith(f"Limits computed as {raw:,.2f} to ")
    assert table["Variation"].tolist() == shown["point_label"].tolist()  # flags from the computed limits
    spec = spc_chart(shown, unit="per 100 beds", target=None, alt_text="R").to_dict()
    fields = {t["field"] for layer in spec["layer"] for t in layer.get("encoding", {}).get("tooltip", [])}
    assert {"lpl_shown", "upl_shown", "limits_note"} <= fields and "lpl" not in fields


def test_spc_table_of_limits_inside_the_range_has_no_note() -> None:
    series = pd.DataFrame(
        {"period_start": pd.date_range("2021-01-01", periods=24, freq="MS"), "value": np.tile([50.0, 52.0], 12)}
    )
    table = spc_table(spc_display(spc_chart_data(series, "higher_is_better", None), "proportion", 100.0))
    assert (table["Limits note"] == "").all() and (table["Lower process limit"] > 0).all()


# --- chart specs ---------------------------------------------------------------------------------


def test_spc_chart_draws_each_segment_clipped_with_rules_in_the_tooltip_and_milestones() -> None:
    series = online_series()
    milestones = kpi_milestones(MILESTONES, "DIGI-OC", None, "2016-04-01", "2024-03-31")
    result = spc_chart_data(series, "higher_is_better", 100.0, rebase=known_change_rebase(series, milestones))
    spec = spc_chart(
        spc_display(result, "proportion", 100.0), unit="%", target=100.0, alt_text="SPC", milestones=milestones
    ).to_dict()
    layers = _layers(spec)
    lines = [layer for layer in layers if layer["encoding"].get("detail", {}).get("field") == "rebase_group"]
    assert sorted(layer["encoding"]["y"]["field"] for layer in lines) == ["lpl_shown", "mean_shown", "upl_shown"]
    rows = _rows(spec, lines[0])
    assert {r["rebase_group"] for r in rows} == {0, 1}
    assert min(r["lpl_shown"] for r in rows) >= 0.0 and max(r["upl_shown"] for r in rows) <= 100.0
    points = next(layer for layer in layers if "shape" in layer["encoding"])
    tips = {t["field"]: t.get("title") for t in points["encoding"]["tooltip"]}
    assert tips["rules"] == "Rules fired" and tips["special_cause_type"] == "Deciding rule"
    assert tips["segment"] == "Segment"
    rebase_rule = next(layer for layer in layers if _mark(layer) == "rule" and "what" in str(layer["encoding"]))
    assert [r["x"] for r in _rows(spec, rebase_rule)] == ["2020-08-01T00:00:00"]
    _assert_milestones(spec, "x")


def test_spc_chart_of_a_rate_draws_its_lower_limit_at_zero_not_minus_49() -> None:
    result = spc_chart_data(rate_series(), "lower_is_better", None)
    spec = spc_chart(spc_display(result, "rate", 100.0), unit="per 100 beds", target=None, alt_text="R").to_dict()
    lower = next(layer for layer in _layers(spec) if layer["encoding"].get("y", {}).get("field") == "lpl_shown")
    rows = _rows(spec, lower)
    assert {r["lpl_shown"] for r in rows} == {0.0} and all(r["lpl"] < -49 for r in rows)
    # today's builder fed the raw frame draws the raw limit
    raw = spc_chart(result.data, unit="per 100 beds", target=None, alt_text="R").to_dict()
    raw_lower = next(layer for layer in _layers(raw) if layer["encoding"].get("y", {}).get("field") == "lpl_shown")
    assert min(r["lpl_shown"] for r in _rows(raw, raw_lower)) < -49


def _assert_milestones(spec: dict, x_field: str) -> None:
    layers = _layers(spec)
    rule = next(layer for layer in layers if _mark(layer) == "rule" and "label" in str(layer["encoding"]))
    text = next(layer for layer in layers if _mark(layer) == "text" and layer["encoding"]["text"]["field"] == "text")
    assert rule["encoding"]["x"]["field"] == x_field and text["encoding"]["x"]["field"] == x_field
    assert text["mark"]["angle"] == 90 and text["mark"]["align"] == "left"  # reads down from the top edge
    # each label is drawn whole, wrapped onto lines beside its own rule (charts.milestone_label_layout)
    lines: dict[str, list[str]] = {}
    for r in _rows(spec, text):
        lines.setdefault(r[x_field], []).append(r["text"])
    words = sorted(sorted(" ".join(parts).split()) for parts in lines.values())
    assert words == sorted(sorted(label.split()) for label in
                           ["Online consultation in every practice", "Next phase (planned)"])
    # done milestones solid, planned ones dashed
    assert rule["encoding"]["strokeDash"]["condition"]["test"] == "datum.done"


def test_trajectory_chart_draws_the_milestones_too() -> None:
    series = online_series().assign(lower=np.nan, upper=np.nan, plan=100.0)
    milestones = kpi_milestones(MILESTONES, "DIGI-OC", None, "2016-04-01", "2024-03-31")
    spec = trajectory_chart(
        series, unit="%", target=100.0, target_date=None, alt_text="T", milestones=milestones
    ).to_dict()
    _assert_milestones(spec, "period_start")
    plain = trajectory_chart(series, unit="%", target=100.0, target_date=None, alt_text="T").to_dict()
    assert len(_layers(plain)) == len(_layers(spec)) - 2


def test_no_milestones_no_layers() -> None:
    assert milestone_layers(None) == [] and milestone_layers(MILESTONES.iloc[0:0]) == []


# --- status against plan beside assurance --------------------------------------------------------


def test_latest_status_is_the_registers_judgement_of_the_latest_month() -> None:
    frame = pd.DataFrame({"value": [50.0, 100.0, np.nan], "plan": [60.0, 100.0, 100.0]})
    assert latest_status(frame, "higher_is_better", 0.05) is Status.ON_TRACK
    assert latest_status(frame.iloc[:1], "higher_is_better", 0.05) is Status.OFF_TRACK
    assert latest_status(frame.iloc[2:], "higher_is_better", 0.05) is Status.NO_DATA


@pytest.mark.parametrize(
    ("status", "assurance", "differs"),
    [
        (Status.ON_TRACK, AssuranceIcon.CONSISTENT_PASS, False),
        (Status.OFF_TRACK, AssuranceIcon.CONSISTENT_FAIL, False),
        (Status.AT_RISK, AssuranceIcon.INCONSISTENT, False),
        (Status.AT_RISK, AssuranceIcon.CONSISTENT_FAIL, False),
        (Status.OFF_TRACK, AssuranceIcon.INCONSISTENT, False),
        (Status.ON_TRACK, AssuranceIcon.CONSISTENT_FAIL, True),
        (Status.ON_TRACK, AssuranceIcon.INCONSISTENT, True),
        (Status.OFF_TRACK, AssuranceIcon.CONSISTENT_PASS, True),
        (Status.AT_RISK, AssuranceIcon.CONSISTENT_PASS, True),
        (Status.NO_PLAN, AssuranceIcon.CONSISTENT_FAIL, False),
        (Status.ON_TRACK, None, False),
    ],
)
def test_status_and_assurance_are_explained_only_where_they_contradict(
    status: Status, assurance: AssuranceIcon | None, differs: bool
) -> None:
    sentence = status_and_assurance(status, assurance, 100.0)
    assert (sentence is not None) is differs
    if sentence:
        assert sentence.startswith(f"Against plan the latest month is {status.value.lower()};")
        assert "the target (100)" in sentence


def test_the_online_consultation_sentence() -> None:
    assert status_and_assurance(Status.ON_TRACK, AssuranceIcon.CONSISTENT_FAIL, 100.0) == (
        "Against plan the latest month is on track; the SPC limits say the process will consistently miss the "
        "target (100). The status judges one month against its plan; assurance judges what the process, as it "
        "now runs, will deliver."
    )


def test_assurance_notes_for_the_overview_cards_use_the_default_rebase() -> None:
    series = online_series().assign(kpi_code="ONLINE_CONSULT")
    catalogue = pd.DataFrame({"kpi_code": ["ONLINE_CONSULT"], "initiative_code": ["DIGI-OC"]})
    cards = pd.DataFrame(
        {
            "kpi_code": ["ONLINE_CONSULT"],
            "polarity": ["higher_is_better"],
            "status": ["On track"],
            "target_value": [100.0],
        }
    )
    # rebased at the go-live: consistently passing, as the status says: no note
    assert assurance_notes(cards, series, catalogue, MILESTONES, None) == [""]
    # without the go-live the whole-series limits contradict the status, and the card says so
    assert assurance_notes(cards, series, catalogue, MILESTONES.iloc[0:0], None) == [
        "SPC assurance: the process will consistently miss the target, unlike the status against plan."
    ]


def test_the_spc_chart_with_segments_and_milestones_exports_as_png_and_svg() -> None:
    series = online_series()
    milestones = kpi_milestones(MILESTONES, "DIGI-OC", None, "2016-04-01", "2024-03-31")
    result = spc_chart_data(series, "higher_is_better", 100.0, rebase=known_change_rebase(series, milestones))
    chart = spc_chart(
        spc_display(result, "proportion", 100.0), unit="%", target=100.0, alt_text="SPC", milestones=milestones
    )
    context = ExportContext("SPC: online consultation", {"Area": "NCL"}, date(2024, 3, 31), "Synthetic", True)
    assert chart_png(chart, context).startswith(b"\x89PNG")
    svg = chart_svg(chart, context).decode()
    assert "Online consultation in every practice" in svg and "SPC: online consultation" in svg
