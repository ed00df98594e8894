"""Shaping for the Trajectories and Variation pages: intervals by value type, funnel dispatch, outliers."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from data.analysis import (
    NOT_ASSESSED,
    AnalysisError,
    area_target,
    compare_areas,
    comparison_level,
    funnel_for,
    funnel_points,
    funnel_summary,
    outlier_table,
    spc_chart_data,
    trajectory_frame,
    trajectory_table,
    with_intervals,
)
from data.stats.intervals import phe_proportion
from data.suppression import Rule, rule_for, suppress

pytestmark = pytest.mark.unit


def _areas(num, den):
    return pd.DataFrame({"area_code": [f"A{i}" for i in range(len(num))], "numerator": num, "denominator": den})


def test_proportion_intervals_are_wilson_and_rate_intervals_poisson():
    frame = _areas([8, 0], [100, 50])
    out = with_intervals(frame, "proportion", 100)
    expected = phe_proportion([8, 0], [100, 50], multiplier=100)
    assert np.allclose(out["lower"], expected.lower) and np.allclose(out["upper"], expected.upper)
    rate = with_intervals(_areas([65], [100]), "rate", 1)
    assert rate["lower"].iloc[0] == pytest.approx(0.501632, rel=1e-5)  # Byar's, PHEindicatormethods phe_rate
    assert rate["upper"].iloc[0] == pytest.approx(0.828491, rel=1e-5)


def test_stored_limits_win_over_computed_ones():
    frame = _areas([8], [100]).assign(lower_ci=[1.0], upper_ci=[None])
    out = with_intervals(frame, "proportion", 100)
    assert out["lower"].iloc[0] == 1.0 and out["upper"].iloc[0] == pytest.approx(14.9981, abs=1e-4)


def test_zero_denominator_gives_no_interval():
    out = with_intervals(_areas([0], [0]), "rate", 1000)
    assert np.isnan(out["lower"].iloc[0]) and np.isnan(out["upper"].iloc[0])


def test_funnel_method_follows_value_type():
    rng = np.random.default_rng(1)
    den = rng.integers(2000, 20000, 40).astype(float)
    rates = _areas(rng.poisson(den * 0.3).astype(float), den)
    funnel = funnel_for(rates, "rate", 1000)
    assert "pooled rate" in funnel.method and funnel.value_column == "rate"
    assert funnel.centre == pytest.approx(rates["numerator"].sum() / den.sum() * 1000)
    props = _areas(rng.binomial(200, 0.6, 40).astype(float), np.full(40, 200.0))
    assert "Proportion" in funnel_for(props, "proportion", 100).method
    with pytest.raises(AnalysisError, match="Counts"):
        funnel_for(props, "count", 1)
    with pytest.raises(AnalysisError, match="at least two"):
        funnel_for(props.head(1), "proportion", 100)


def test_outlier_table_lists_only_areas_beyond_limits_furthest_first():
    den = np.full(30, 1000.0)
    num = np.full(30, 300.0)
    num[3], num[7] = 420.0, 200.0  # one high, one low
    funnel = funnel_for(_areas(num, den), "rate", 1000, od_adjust=False)
    names = pd.DataFrame({"area_code": [f"A{i}" for i in range(30)], "name": [f"Area {i}" for i in range(30)]})
    table = outlier_table(funnel, names)
    assert set(table["area_code"]) == {"A3", "A7"}
    assert dict(zip(table["area_code"], table["direction"], strict=True)) == {"A3": "High", "A7": "Low"}
    assert (table["beyond"] == "99.8% limit").all()
    assert table["z"].abs().is_monotonic_decreasing


def test_funnel_points_highlight_the_chosen_borough():
    funnel = funnel_for(_areas([30.0, 35.0, 40.0], [100.0, 100.0, 100.0]), "proportion", 100)
    names = pd.DataFrame(
        {
            "area_code": ["A0", "A1", "A2"],
            "name": ["a", "b", "c"],
            "pcn_code": ["P1", "P1", "P2"],
            "pcn": ["p1", "p1", "p2"],
            "borough_code": ["B1", "B1", "B2"],
            "borough": ["b1", "b1", "b2"],
        }
    )
    points = funnel_points(funnel, names, "B2")
    assert points.set_index("area_code")["highlighted"].to_dict() == {"A0": False, "A1": False, "A2": True}
    assert not funnel_points(funnel, names, None)["highlighted"].any()


def test_compare_areas_labels_like_fingertips():
    frame = _areas([100.0, 300.0, 600.0], [1000.0, 1000.0, 1000.0])
    out = compare_areas(frame, 300.0, "lower_is_better", "rate", 1000)
    assert out["comparison"].tolist() == ["Better", "Similar", "Worse"]
    assert compare_areas(frame, 300.0, "no_judgement", "rate", 1000)["comparison"].tolist() == [
        "Lower",
        "Similar",
        "Higher",
    ]


def test_comparison_level():
    assert comparison_level("system", ("practice", "pcn", "borough", "system")) == "borough"
    assert comparison_level("borough", ("practice", "pcn", "borough", "system")) == "pcn"
    assert comparison_level("borough", ("borough", "system")) == "borough"
    assert comparison_level("system", ("system",)) is None


def test_trajectory_table_suppresses_small_counts():
    series = with_intervals(
        pd.DataFrame(
            {
                "kpi_code": "K",
                "period_start": [date(2024, 1, 1), date(2024, 2, 1)],
                "period_end": [date(2024, 1, 31), date(2024, 2, 29)],
                "numerator": [3.0, 30.0],
                "denominator": [50.0, 60.0],
                "value": [6.0, 50.0],
            }
        ),
        "proportion",
        100,
    )
    plans = pd.DataFrame({"kpi_code": "K", "period_start": [date(2024, 1, 1)], "value": [10.0]})
    table = trajectory_table(trajectory_frame(series, plans), Rule(7, ("numerator", "denominator")))
    assert np.isnan(table["Numerator"].tolist()[0]) and table["Numerator"].tolist()[1] == 30.0
    assert np.isnan(table["Value"].tolist()[0]) and table["Plan"].tolist()[0] == 10.0
    # a series suppressed upstream keeps its flags through the table
    upstream = trajectory_frame(suppress(series, Rule(7)), plans)
    assert trajectory_table(upstream, Rule(0))["Suppression"].tolist()[0].startswith("suppressed")


def test_area_target_prefers_the_area_plan():
    plans = pd.DataFrame({"period_start": [date(2020, 3, 1), date(2021, 3, 1)], "value": [60.0, 70.0]})
    assert area_target(plans, 65.0, date(2020, 3, 31)) == 60.0
    assert area_target(plans.iloc[:0], 65.0, date(2020, 3, 31)) == 65.0
    assert area_target(plans.iloc[:0], None, None) is None


def test_spc_needs_two_values():
    series = pd.DataFrame({"period_start": [date(2024, 1, 1)], "value": [1.0]})
    with pytest.raises(AnalysisError):
        spc_chart_data(series, "higher_is_better", None)


def test_funnel_points_leave_suppression_to_the_one_step():
    """funnel_points labels every denominator; the suppression step (not a second rule here) blanks a point whose
    proportion's denominator is a small count of people, and its label and position with it."""
    rows = _areas([2.0, 30.0, 60.0], [5.0, 100.0, 200.0])
    funnel = funnel_for(rows, "proportion", 100)
    names = pd.DataFrame(
        {"area_code": ["A0", "A1", "A2"], "name": ["a", "b", "c"], "pcn_code": None, "borough_code": None}
    )
    points = funnel_points(funnel, names, None)
    assert points.set_index("area_code")["x_label"].tolist() == ["5", "100", "200"]
    rule = rule_for("proportion", True, 7).deriving("x", "x_label")
    shown = suppress(points, rule, counts=rows).set_index("area_code")
    assert shown.loc["A0", ["x", "x_label", "value"]].isna().all()
    assert shown["x_label"].tolist()[1:] == ["100", "200"]


def _one_month_of_care_homes() -> pd.DataFrame:
    """230 homes, each about one expected admission in a month (2 bed-years at 0.5 a bed-year), 90 with none: the
    shape of the demo's single-month care-home funnel that read "0 above and 91 below the 95% limits"."""
    counts = [0] * 90 + [1] * 80 + [2] * 40 + [3] * 15 + [4] * 5
    return _areas([float(c) for c in counts], [2.0] * 230)


def _names(n: int) -> pd.DataFrame:
    return pd.DataFrame(
        {"area_code": [f"A{i}" for i in range(n)], "name": [f"Home {i}" for i in range(n)], "pcn_code": None,
         "borough_code": None}
    )


def test_zero_counts_are_not_all_below_the_limits():
    """P(no admissions | about 1 expected) = 0.37: none of the 90 zeros is low (they were all "below" before, with
    z = -inf); only the summary's true outliers remain."""
    funnel = funnel_for(_one_month_of_care_homes(), "rate", 100)
    table = outlier_table(funnel, _names(230))
    assert not table["area_code"].isin([f"A{i}" for i in range(90)]).any()
    assert np.isfinite(funnel.result.units["z"]).all() and np.isfinite(table["z"]).all()
    points = funnel_points(funnel, _names(230), None).set_index("area_code")
    assert (points.loc[[f"A{i}" for i in range(90)], "outside"] == "Within limits").all()
    text = funnel_summary(funnel, table, "care homes", "emergency admissions")
    assert text.startswith("230 care homes: none above and none below the 95% limits")
    assert text.endswith("; the 90 with no emergency admissions are judged by the exact Poisson chance of none.")


def test_zeros_the_log_scale_cannot_judge_are_labelled_and_counted():
    """With overdispersion-adjusted (log-scale) limits a home with no admissions is not assessed: labelled so on the
    chart, left out of the outliers, and said in the summary."""
    rng = np.random.default_rng(3)
    den = rng.integers(10, 60, 60).astype(float)
    num = rng.poisson(den * 0.5 * rng.gamma(4, 0.25, 60)).astype(float)
    num[0] = 0.0
    funnel = funnel_for(_areas(num, den), "rate", 100)
    assert funnel.result.adjusted and funnel.result.n_not_assessed == 1
    table = outlier_table(funnel, _names(60))
    assert "A0" not in set(table["area_code"])
    assert funnel_points(funnel, _names(60), None).set_index("area_code").loc["A0", "outside"] == NOT_ASSESSED
    text = funnel_summary(funnel, table, "care homes", "emergency admissions")
    assert "; 1 with no emergency admissions cannot be assessed on the log scale (shown at zero, not flagged)." in text


def test_funnel_summary_counts_the_outlier_table():
    den = np.full(30, 1000.0)
    num = np.full(30, 300.0)
    num[3], num[7], num[9] = 420.0, 200.0, 190.0
    funnel = funnel_for(_areas(num, den), "rate", 1000, od_adjust=False)
    text = funnel_summary(funnel, outlier_table(funnel, _names(30)), "GP practices")
    assert text == "30 GP practices: 1 above and 2 below the 95% limits."
