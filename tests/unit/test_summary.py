"""The integrated summary (data/summary.py) on fixed series: every variation x assurance icon combination, the
attention order, the trend, rebasing at a go-live as the Trajectories page does, and the image export."""

from __future__ import annotations

import itertools
from datetime import date

import numpy as np
import pandas as pd
import pytest

from data.export import ExportContext, chart_png
from data.queries import MILESTONE_COLUMNS, PUBLISHED_HEADING
from data.register import REGISTER_COLUMNS
from data.stats.spc import AssuranceIcon, VariationIcon
from data.summary import (
    ASSURANCE_LABELS,
    SUMMARY_COLUMNS,
    VARIATION_LABELS,
    attention,
    kpi_summary,
    sort_summary,
    summary_table,
    trend,
)

pytestmark = pytest.mark.unit

MONTHS = pd.date_range("2022-01-01", periods=13, freq="MS")
# twelve points around 10.3 (mR-bar 1.36 after screening, limits about 6.7 to 14); the 13th decides the variation
BASE = [10, 11, 9, 10, 12, 11, 10, 9, 11, 10, 10, 11]
LAST = {"high": 30.0, "low": -10.0, "common": 10.5}
TARGETS = {"above": 100.0, "below": -100.0, "inside": 10.5, "none": None}

# (polarity, last point) -> the variation icon Making Data Count gives
VARIATION = {
    ("higher_is_better", "high"): VariationIcon.IMPROVEMENT_HIGH,
    ("higher_is_better", "low"): VariationIcon.CONCERN_LOW,
    ("lower_is_better", "high"): VariationIcon.CONCERN_HIGH,
    ("lower_is_better", "low"): VariationIcon.IMPROVEMENT_LOW,
    ("no_judgement", "high"): VariationIcon.NEUTRAL_HIGH,
    ("no_judgement", "low"): VariationIcon.NEUTRAL_LOW,
    ("higher_is_better", "common"): VariationIcon.COMMON_CAUSE,
    ("lower_is_better", "common"): VariationIcon.COMMON_CAUSE,
    ("no_judgement", "common"): VariationIcon.COMMON_CAUSE,
}
# (polarity, target) -> the assurance icon: a target beyond the limits is consistently met or missed
ASSURANCE = {
    ("higher_is_better", "above"): AssuranceIcon.CONSISTENT_FAIL,
    ("higher_is_better", "below"): AssuranceIcon.CONSISTENT_PASS,
    ("higher_is_better", "inside"): AssuranceIcon.INCONSISTENT,
    ("lower_is_better", "above"): AssuranceIcon.CONSISTENT_PASS,
    ("lower_is_better", "below"): AssuranceIcon.CONSISTENT_FAIL,
    ("lower_is_better", "inside"): AssuranceIcon.INCONSISTENT,
}


def _case(code: str, polarity: str, values: list[float], target: float | None, plan: float | None,
          workstream: str = "Urgent care", initiative: str | None = None) -> dict:  # fmt: skip
    """One KPI's inputs: a register row, its series and plans, as build_register and the queries return them."""
    starts = MONTHS[: len(values)]
    series = pd.DataFrame({
        "kpi_code": code, "period_start": starts, "period_end": starts + pd.offsets.MonthEnd(0),
        "numerator": np.nan, "denominator": np.nan, "value": np.asarray(values, float),
    })  # fmt: skip
    plans = pd.DataFrame({"kpi_code": code, "period_start": starts, "value": plan}) if plan is not None else None
    reported = series.dropna(subset=["value"])
    latest = float(reported["value"].iloc[-1]) if len(reported) else np.nan
    if polarity == "no_judgement":
        status = "Not assessed"
    elif plan is None:
        status = "No plan"
    else:
        behind = plan - latest if polarity == "higher_is_better" else latest - plan
        status = "On track" if behind <= 0 else "At risk" if behind <= 0.05 * abs(plan) else "Off track"
    register = {
        "workstream": workstream, "initiative": initiative or "Initiative", "kpi_code": code, "kpi": f"KPI {code}",
        "unit": "%", "polarity": polarity, "baseline": np.nan, "latest_value": latest,
        "latest_period": reported["period_start"].iloc[-1] if len(reported) else None,
        "data_date": reported["period_end"].iloc[-1] if len(reported) else None,
        "plan_value": np.nan if plan is None else plan, "target_value": np.nan if target is None else target,
        "target_date": None, "validation_date": None, "status": status if len(reported) else "No data", "note": "",
    }  # fmt: skip
    return {"register": register, "series": series, "plans": plans, "initiative": initiative}


def _summary(cases: list[dict], milestones: pd.DataFrame | None = None, **kwargs) -> pd.DataFrame:
    register = pd.DataFrame([c["register"] for c in cases], columns=REGISTER_COLUMNS)
    series = pd.concat([c["series"] for c in cases], ignore_index=True)
    plan_frames = [c["plans"] for c in cases if c["plans"] is not None]
    plans = pd.concat(plan_frames, ignore_index=True) if plan_frames else pd.DataFrame(
        columns=["kpi_code", "period_start", "value"])  # fmt: skip
    catalogue = pd.DataFrame({
        "kpi_code": [c["register"]["kpi_code"] for c in cases],
        "initiative_code": [c["initiative"] for c in cases],
        "source": "Fixed test series",
    })  # fmt: skip
    milestones = milestones if milestones is not None else pd.DataFrame(columns=MILESTONE_COLUMNS)
    return kpi_summary(register, series, plans, catalogue, milestones, area_name="Enfield",
                       borough_code="E09000010", **kwargs)  # fmt: skip


COMBINATIONS = [
    (polarity, last, where)
    for (polarity, last), where in itertools.product(VARIATION, TARGETS)
    if polarity != "no_judgement" or where == "none"  # no assurance without a better direction
]


def test_the_combinations_cover_every_variation_and_assurance_icon():
    variations = {VARIATION[p, last] for p, last, _ in COMBINATIONS}
    assurances = {ASSURANCE.get((p, where)) for p, _, where in COMBINATIONS}
    assert variations == set(VariationIcon)
    assert assurances == {*AssuranceIcon, None}
    # every variation icon meets every assurance it can have (neutral icons have none: no better direction)
    pairs = {(VARIATION[p, last], ASSURANCE.get((p, where))) for p, last, where in COMBINATIONS}
    directional = set(VariationIcon) - {VariationIcon.NEUTRAL_HIGH, VariationIcon.NEUTRAL_LOW}
    assert set(itertools.product(directional, [*AssuranceIcon, None])) <= pairs
    assert {(VariationIcon.NEUTRAL_HIGH, None), (VariationIcon.NEUTRAL_LOW, None)} <= pairs


@pytest.mark.parametrize(("polarity", "last", "where"), COMBINATIONS)
def test_every_variation_and_assurance_combination_in_words(polarity, last, where):
    rows = _summary([_case("K", polarity, [*BASE, LAST[last]], TARGETS[where], plan=10.0)])
    row = rows.iloc[0]
    expected_variation = VARIATION[polarity, last]
    expected_assurance = ASSURANCE.get((polarity, where))
    assert row["variation"] == expected_variation.value
    assert row["variation_label"] == VARIATION_LABELS[expected_variation]
    assert row["assurance"] == (expected_assurance.value if expected_assurance else None)
    assert row["assurance_label"] == (ASSURANCE_LABELS[expected_assurance] if expected_assurance else
                                      "– No target or no judgement")  # fmt: skip
    # icons carry words, not only a symbol
    assert any(ch.isalpha() for ch in row["variation_label"]) and any(ch.isalpha() for ch in row["assurance_label"])
    if last == "common":
        assert row["rule"] == "None (common cause)"
    else:
        side = "above" if last == "high" else "below"
        assert row["rule"] == f"Single point outside the process limits ({side})"
    assert "Enfield's KPI K" in row["narrative"]


def test_columns_status_and_provenance():
    rows = _summary([_case("A", "higher_is_better", [*BASE, 8.0], 12.0, plan=10.0)])
    assert list(rows.columns) == SUMMARY_COLUMNS
    row = rows.iloc[0]
    assert row["status"] == "Off track" and row["status_label"] == "✖ Off track"  # 8 is 20% behind a plan of 10
    assert row["latest_period"] == pd.Timestamp("2023-01-01") and row["data_date"] == pd.Timestamp("2023-01-31")
    assert row["source"] == "Fixed test series"
    assert row["n_points"] == 13 and len(row["spark"]) == 13
    assert (row["trend"], row["change"]) == ("Worsening", -3.0)  # 11 -> 8, higher is better
    assert row["trend_label"] == "↘ Worsening"


def test_kpis_without_values_are_left_out_unless_asked_and_one_value_has_no_icons():
    cases = [_case("A", "higher_is_better", [np.nan] * 3, 1.0, plan=1.0),
             _case("B", "higher_is_better", [5.0], 6.0, plan=4.0)]  # fmt: skip
    rows = _summary(cases)
    assert rows["kpi_code"].tolist() == ["B"]
    single = rows.iloc[0]
    assert single["variation"] is None and single["variation_label"] == "– Too few values"
    assert single["assurance"] is None and single["trend"] == "" and single["trend_label"] == "– One value"
    everything = _summary(cases, include_unreported=True)
    assert everything["kpi_code"].tolist() == ["A", "B"] and everything.iloc[0]["status"] == "No data"


def test_published_indicators_without_plan_or_initiative():
    rows = _summary([_case("P", "higher_is_better", [*BASE, 30.0], None, plan=None, workstream=PUBLISHED_HEADING)])
    row = rows.iloc[0]
    assert row["status"] == "No plan" and row["status_label"] == "? No plan"
    assert row["variation"] == "improvement_high" and row["assurance"] is None
    assert "there is no plan for that period" in row["narrative"]


def test_rebased_at_a_go_live_with_a_sustained_shift_as_the_trajectories_page_does():
    values = [10, 11, 9, 10, 12, 11, 10, 9, 11, 10, 20, 21, 19, 20, 22, 21, 20]  # a step up at the 11th month
    starts = pd.date_range("2022-01-01", periods=len(values), freq="MS")
    case = _case("S", "higher_is_better", values[:13], 25.0, plan=20.0, initiative="INIT")
    case["series"] = pd.DataFrame({"kpi_code": "S", "period_start": starts,
                                   "period_end": starts + pd.offsets.MonthEnd(0), "numerator": np.nan,
                                   "denominator": np.nan, "value": np.asarray(values, float)})  # fmt: skip
    case["register"].update(latest_value=20.0, latest_period=starts[-1], data_date=starts[-1] + pd.offsets.MonthEnd(0))
    milestones = pd.DataFrame([{
        "workstream_code": "W", "workstream": "Urgent care", "initiative_code": "INIT", "initiative": "Initiative",
        "code": "M1", "name": "Team live", "owner": "", "borough_code": None, "borough": None,
        "planned_date": date(2022, 11, 1), "actual_date": date(2022, 11, 1),
    }])  # fmt: skip
    row = _summary([case], milestones).iloc[0]
    assert row["segment_start"] == pd.Timestamp("2022-11-01")
    # after the rebase the new process (mean about 20.4) is judged on its own: common cause, and a target of 25
    # above its upper limit is consistently failed
    assert row["variation"] == "common_cause" and row["assurance"] == "consistent_fail"
    assert "Since the limits were recalculated in Nov 2022 (Team live)" in row["narrative"]
    unrebased = _summary([{**case, "initiative": None}]).iloc[0]
    assert unrebased["segment_start"] == pd.Timestamp("2022-01-01")  # no milestone: one set of limits
    assert unrebased["variation"] == "improvement_high"  # the shift above the old mean


def test_attention_scores_and_orders():
    assert attention("Off track", "concern_low", "consistent_fail") == (
        7,
        "off track; special cause concern; consistently failing the target",
    )
    assert attention("At risk", "improvement_high", "inconsistent") == (3, "at risk; hit and miss against the target")
    assert attention("On track", "common_cause", "consistent_pass") == (0, "")
    cases = [
        _case("ON", "higher_is_better", [*BASE, 10.5], -100.0, plan=10.0, workstream="A"),
        _case("OFF", "higher_is_better", [*BASE, -10.0], 100.0, plan=10.0, workstream="B"),
        _case("RISK", "higher_is_better", [*BASE, 9.8], 10.5, plan=10.0, workstream="A"),
    ]
    rows = _summary(cases)
    assert sort_summary(rows, "attention")["kpi_code"].tolist() == ["OFF", "RISK", "ON"]
    assert sort_summary(rows, "workstream")["kpi_code"].tolist() == ["RISK", "ON", "OFF"]
    with pytest.raises(ValueError, match="sort by"):
        sort_summary(rows, "name")


def test_trend_in_the_direction_of_improvement():
    assert trend(pd.Series([3.0, np.nan, 2.0]), "lower_is_better") == ("Improving", -1.0)
    assert trend(pd.Series([3.0, 4.0]), "no_judgement") == ("Higher", 1.0)
    assert trend(pd.Series([3.0, 3.0]), "higher_is_better") == ("No change", 0.0)
    assert trend(pd.Series([3.0]), "higher_is_better")[0] == ""


def test_table_and_image_export_carry_words_and_provenance():
    from components.summary import summary_image

    rows = _summary([_case("A", "higher_is_better", [*BASE, 30.0], 100.0, plan=10.0),
                     _case("B", "lower_is_better", [*BASE, -10.0], -100.0, plan=10.0)])  # fmt: skip
    table = summary_table(rows, narrative=True)
    assert {
        "Workstream",
        "KPI",
        "Code",
        "Period",
        "Latest",
        "Plan",
        "Target",
        "Status",
        "Variation",
        "Assurance",
        "Trend",
        "Rule fired",
        "Needs attention for",
        "Data to",
        "Source",
        "Narrative",
    } == set(table.columns)
    assert table["Period"].tolist() == ["Jan 2023", "Jan 2023"]
    chart = summary_image(summary_table(rows))
    spec = str(chart.to_dict())
    for text in ("KPI A", "KPI B", "↑ Improvement (higher)", "✖ Consistently failing", "↓ Improvement (lower)"):
        assert text in spec
    context = ExportContext("Integrated summary: Enfield", {"Area": "Enfield"}, date(2023, 1, 31), "Test", True)
    png = chart_png(chart, context)
    assert png.startswith(b"\x89PNG") and b"Integrated summary: Enfield" in png


def test_cards_take_their_assurance_notes_from_the_summary_rows():
    """One SPC per KPI: the Overview's cards read the assurance the summary computed (``card_notes``)."""
    from data.summary import card_notes

    cards = pd.DataFrame({
        "kpi_code": ["A", "B", "C", "D"], "status": ["On track", "Off track", "On track", "At risk"],
        "target_value": [100.0, 50.0, float("nan"), 10.0],
    })  # fmt: skip
    rows = pd.DataFrame({"kpi_code": ["A", "B", "C"], "assurance": ["consistent_fail", "consistent_pass", None]})
    assert card_notes(cards, rows) == [
        "SPC assurance: the process will consistently miss the target, unlike the status against plan.",
        "SPC assurance: the process will consistently meet the target, unlike the status against plan.",
        "",  # no assurance judgement (no target)
        "",  # no summary row (fewer than two values)
    ]


def test_an_empty_summary_exports_its_header_as_an_image():
    """A workstream with nothing reported in an area has an empty summary: its PNG and SVG still export (the
    image sizing read the longest value of each empty column as NaN and failed)."""
    from components.summary import summary_image
    from data.export import chart_svg

    rows = _summary([_case("A", "higher_is_better", [*BASE, 30.0], 100.0, plan=10.0)])
    empty = summary_table(rows).iloc[0:0]
    chart = summary_image(empty)
    context = ExportContext("Integrated summary: Enfield", {"Area": "Enfield"}, date(2023, 1, 31), "Test", True)
    assert chart_png(chart, context).startswith(b"\x89PNG")
    assert "KPI" in chart_svg(chart, context).decode("utf-8")
