"""Behaviour, rules, edge cases and input handling of ``data.stats.spc``.

Parity with NHSRplotthedots' published expectations lives in ``test_spc_reference.py``;
property-based tests in ``test_spc_properties.py``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from data.stats.errors import StatsInputError
from data.stats.spc import (
    LIMIT,
    LIMIT_CLOSE,
    SPC_COLUMNS,
    AssuranceIcon,
    ImprovementDirection,
    PointType,
    SpcSummary,
    VariationIcon,
    assurance_type,
    normalise_direction,
    spc,
    spc_batch,
    variation_icon,
)
from data.stats.types import Polarity

pytestmark = pytest.mark.unit

# 12 alternating points with a wide spread: used as a fixed baseline (fix_after_n_points=12) so that
# later patterns are judged against limits of 50 ± 2.66 × 20 = [-3.2, 103.2], two-sigma [14.5, 85.5]
WIDE_BASELINE = [40.0, 60.0] * 6


def judged(tail: list[float], **kw: object) -> pd.DataFrame:
    """Rows after a wide fixed baseline (see WIDE_BASELINE)."""
    data = spc(WIDE_BASELINE + tail, fix_after_n_points=12, **kw).data  # type: ignore[arg-type]
    return data.iloc[12:].reset_index(drop=True)


# --- output shape ---------------------------------------------------------------------


def test_columns_and_one_row_per_point() -> None:
    res = spc([3.0, 4.0, 5.0, 4.0])
    assert tuple(res.data.columns) == SPC_COLUMNS
    assert len(res.data) == 4
    assert isinstance(res.summary, SpcSummary)


def test_summary_is_frozen() -> None:
    summary = spc([1.0, 2.0, 3.0]).summary
    with pytest.raises(AttributeError):
        summary.mean = 0.0  # type: ignore[misc]


def test_rows_sorted_by_x() -> None:
    x = pd.to_datetime(["2024-03-01", "2024-01-01", "2024-02-01"])
    d = spc([3.0, 1.0, 2.0], x).data
    assert d["y"].tolist() == [1.0, 2.0, 3.0]
    assert d["x"].is_monotonic_increasing


def test_series_index_supplies_x() -> None:
    s = pd.Series([1.0, 2.0, 4.0], index=pd.to_datetime(["2024-01-01", "2024-02-01", "2024-03-01"]))
    assert spc(s).data["x"].tolist() == list(s.index)


def test_default_x_is_position() -> None:
    assert spc([5.0, 6.0, 7.0]).data["x"].tolist() == [0, 1, 2]


# --- XmR arithmetic -----------------------------------------------------------------------


def test_limits_from_mean_and_average_moving_range() -> None:
    y = [10.0, 12.0, 11.0, 13.0, 12.0, 14.0]
    d = spc(y, screen_outliers=False).data
    mean = sum(y) / 6
    amr = (2 + 1 + 2 + 1 + 2) / 5
    row = d.iloc[0]
    assert row["mean"] == pytest.approx(mean)
    assert row["average_moving_range"] == pytest.approx(amr)
    assert row["upl"] == pytest.approx(mean + 2.66 * amr)
    assert row["lpl"] == pytest.approx(mean - 2.66 * amr)
    assert row["upper_two_sigma"] == pytest.approx(mean + 2 * 2.66 / 3 * amr)
    assert row["lower_two_sigma"] == pytest.approx(mean - 2 * 2.66 / 3 * amr)
    assert LIMIT == 2.66
    assert pytest.approx(2 * 2.66 / 3) == LIMIT_CLOSE


def test_screening_drops_large_moving_ranges_once() -> None:
    # moving ranges 1 (x10) and 30: mean MR = 40/11 = 3.64, 30 >= 3.267 * 3.64 -> screened -> mR-bar 1
    y = [*[0.0, 1.0] * 5, 0.0, 30.0]
    d = spc(y).data
    assert d["average_moving_range"].iloc[0] == pytest.approx(1.0)
    assert d["moving_range_used"].tolist() == [False] + [True] * 10 + [False]
    assert spc(y, screen_outliers=False).data["average_moving_range"].iloc[0] == pytest.approx(40 / 11)


@pytest.mark.parametrize(("jump", "screened"), [(4.1, False), (4.3, True)])
def test_screen_threshold_is_3_267_times_mean_moving_range(jump: float, screened: bool) -> None:
    # ten moving ranges of 1 and one of `jump`: it is screened iff jump >= 3.267 * (10 + jump) / 11,
    # i.e. iff jump >= 32.67 / 7.733 = 4.2247...
    y = [*[0.0, 1.0] * 5, 0.0, jump]
    d = spc(y).data
    assert d["moving_range_used"].iloc[-1] is not screened
    expected = 1.0 if screened else (10 + jump) / 11
    assert d["average_moving_range"].iloc[0] == pytest.approx(expected)


def test_fix_after_n_points_uses_only_baseline() -> None:
    y = [*np.tile([1.0, 3.0], 6), 100.0, 200.0, 300.0]
    d = spc(y, fix_after_n_points=12).data
    assert d["mean"].iloc[-1] == pytest.approx(2.0)
    assert d["average_moving_range"].iloc[-1] == pytest.approx(2.0)
    assert d["baseline"].tolist() == [True] * 12 + [False] * 3
    assert not d["moving_range_used"].iloc[12:].any()
    assert d["outside_limits"].iloc[12:].all()
    assert d["moving_range"].iloc[12] == pytest.approx(97.0)  # still reported


def test_fix_after_n_points_accepts_whole_float() -> None:
    y = np.arange(20.0) % 4
    pd.testing.assert_frame_equal(spc(y, fix_after_n_points=12.0).data, spc(y, fix_after_n_points=12).data)


def test_fix_after_n_points_counts_missing_rows() -> None:
    # plotthedots fixes on row_number(), so a missing value inside the first N rows uses up a slot
    y = [1.0, np.nan, *[1.0, 3.0] * 5, 1.0, 50.0]
    d = spc(y, fix_after_n_points=12).data
    assert d["baseline"].tolist() == [True] * 12 + [False] * 2
    assert d["mean"].iloc[0] == pytest.approx(np.nanmean(y[:12]))


def test_rebase_gives_segments_their_own_limits_and_fix() -> None:
    # issue #93 semantics: rebase splits first, fix_after_n_points applies inside each segment
    first = [1.0, 3.0] * 8  # 16 points, mean 2
    second = [11.0, 15.0] * 8  # 16 points, mean 13
    x = pd.date_range("2023-01-01", periods=32, freq="MS")
    d = spc(first + second, x, rebase=[x[16]], fix_after_n_points=12).data
    assert d["rebase_group"].tolist() == [0] * 16 + [1] * 16
    assert d["mean"].iloc[0] == pytest.approx(2.0)
    assert d["mean"].iloc[-1] == pytest.approx(13.0)
    assert d["average_moving_range"].iloc[-1] == pytest.approx(4.0)
    assert d["baseline"].tolist() == ([True] * 12 + [False] * 4) * 2
    assert np.isnan(d["moving_range"].iloc[16])  # no moving range across a rebase


def test_unmatched_rebase_date_is_ignored_with_warning() -> None:
    x = pd.date_range("2023-01-01", periods=14, freq="MS")
    res = spc(np.arange(14.0) % 3, x, rebase=["2023-02-15"])
    assert res.data["rebase_group"].eq(0).all()
    assert any("2023-02-15" in w and "ignored" in w for w in res.summary.warnings)


def test_rebase_with_numeric_x() -> None:
    d = spc(np.arange(30.0) % 4, np.arange(30) * 10, rebase=[150]).data
    assert d["rebase_group"].tolist() == [0] * 15 + [1] * 15


# --- rules ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("direction", "expected"),
    [
        ("increase", "special_cause_improvement"),
        ("higher_is_better", "special_cause_improvement"),
        ("decrease", "special_cause_concern"),
        ("lower_is_better", "special_cause_concern"),
        ("neutral", "special_cause_neutral_high"),
        ("no_judgement", "special_cause_neutral_high"),
    ],
)
def test_point_above_upper_limit(direction: str, expected: str) -> None:
    d = judged([120.0], improvement_direction=direction)
    assert d["outside_limits"].tolist() == [True]
    assert d["special_cause_type"].tolist() == ["Above UCL"]
    assert d["point_type"].tolist() == [expected]


def test_point_below_lower_limit_is_concern_when_higher_is_better() -> None:
    d = judged([-20.0])
    assert d["special_cause_type"].tolist() == ["Below LCL"]
    assert d["point_type"].tolist() == ["special_cause_concern"]
    assert d["point_label"].tolist() == ["Special Cause - Concern"]


def test_point_on_limit_is_not_outside() -> None:
    y = [0.0, 2.0] * 7
    d = spc(y, screen_outliers=False).data
    upl = d["upl"].iloc[0]
    d2 = spc([*y, upl], fix_after_n_points=14, screen_outliers=False).data
    assert not d2["outside_limits"].iloc[-1]


def test_trend_of_seven_points_is_flagged_but_six_are_not() -> None:
    seven = judged([44.0, 46.0, 48.0, 50.0, 52.0, 54.0, 56.0, 45.0])
    assert seven["seven_point_trend"].tolist() == [True] * 7 + [False]
    assert seven["special_cause_type"].iloc[0] == "7 Point Trend (Increasing)"
    assert seven["point_type"].iloc[:7].eq("special_cause_improvement").all()
    six = judged([44.0, 46.0, 48.0, 50.0, 52.0, 54.0, 45.0])
    assert not six["seven_point_trend"].any()
    assert six["point_type"].eq("common_cause").all()


def test_tie_breaks_a_trend() -> None:
    d = judged([44.0, 46.0, 48.0, 48.0, 50.0, 52.0, 54.0, 56.0])
    assert not d["seven_point_trend"].iloc[:3].any()


def test_falling_trend_above_mean_is_concern_when_higher_is_better() -> None:
    # plotthedots >= 0.2 (issue #171): the trend's direction, not the side of the mean, decides
    d = judged([62.0, 61.0, 60.0, 59.0, 58.0, 57.0, 56.0])
    assert d["special_cause_type"].eq("7 Point Trend (Decreasing)").all()
    assert d["point_type"].eq("special_cause_concern").all()
    assert (d["relative_to_mean"] == 1).all()


def test_peak_shared_by_two_trends_takes_the_right_hand_trend() -> None:
    d = judged([44.0, 46.0, 48.0, 50.0, 52.0, 54.0, 56.0, 54.0, 52.0, 50.0, 48.0, 46.0, 44.0])
    types = d["special_cause_type"].tolist()
    assert types[:6] == ["7 Point Trend (Increasing)"] * 6
    assert types[6:] == ["7 Point Trend (Decreasing)"] * 7


def test_point_ending_one_trend_keeps_its_direction_when_next_trend_starts_after_it() -> None:
    # documented deviation: plotthedots would label the 7th point by the step down to the next point
    d = judged([44.0, 46.0, 48.0, 50.0, 52.0, 54.0, 56.0, 43.0, 45.0, 47.0, 49.0, 51.0, 53.0, 55.0])
    assert d["special_cause_type"].eq("7 Point Trend (Increasing)").all()


def test_two_in_three_beyond_two_sigma_same_side() -> None:
    # points 90 and 88 are beyond 2 sigma (85.5) but inside the limit (103.2); 60 is on the same side
    d = judged([90.0, 60.0, 88.0, 40.0])
    assert d["close_to_limits"].tolist() == [True, False, True, False]
    assert d["two_in_three"].tolist() == [True, False, True, False]
    assert d["special_cause_type"].iloc[0] == "2 in 3 Above CL"
    assert d["point_type"].tolist()[:3] == ["special_cause_improvement", "common_cause", "special_cause_improvement"]


def test_two_in_three_needs_all_three_on_one_side() -> None:
    d = judged([90.0, 40.0, 88.0, 40.0])  # middle point below the mean
    assert not d["two_in_three"].any()


def test_point_outside_limits_does_not_count_towards_two_in_three() -> None:
    d = judged([110.0, 60.0, 88.0, 40.0])
    assert d["special_cause_type"].tolist()[:3] == ["Above UCL", "Common Cause", "Common Cause"]


def test_seven_points_one_side_of_mean() -> None:
    # (the baseline ends on 60, above the mean, so each run starts after a point at 45)
    seven = judged([45.0, *[55.0] * 7, 45.0])
    assert seven["seven_point_one_side"].tolist() == [False] + [True] * 7 + [False]
    assert seven["special_cause_type"].iloc[1] == "7 Points Above CL"
    six = judged([45.0, *[55.0] * 6, 45.0])
    assert not six["seven_point_one_side"].any()


def test_point_on_mean_breaks_run() -> None:
    d = judged([55.0] * 3 + [50.0] + [55.0] * 4)
    assert not d["seven_point_one_side"].any()
    assert d["relative_to_mean"].iloc[3] == 0


def test_run_below_mean_is_improvement_when_lower_is_better() -> None:
    d = judged([45.0] * 8, improvement_direction="lower_is_better")
    assert d["special_cause_type"].eq("7 Points Below CL").all()
    assert d["point_type"].eq("special_cause_improvement").all()
    assert d["point_label"].eq("Special Cause - Improvement").all()


def test_outside_limits_beats_trend_and_run() -> None:
    # a rising trend ends above the upper limit: that point is "Above UCL", the others trend
    d = judged([52.0, 55.0, 60.0, 65.0, 70.0, 80.0, 110.0])
    assert d["special_cause_type"].tolist() == ["7 Point Trend (Increasing)"] * 6 + ["Above UCL"]


def test_neutral_low_and_labels() -> None:
    d = judged([-20.0], improvement_direction="neutral")
    assert d["point_type"].tolist() == ["special_cause_neutral_low"]
    assert d["point_label"].tolist() == ["Special Cause - Neither"]


def test_special_cause_flag_matches_rules() -> None:
    d = judged([90.0, 60.0, 88.0, 40.0, 120.0, 45.0] + [55.0] * 7)
    rules = d["outside_limits"] | d["seven_point_trend"] | d["two_in_three"] | d["seven_point_one_side"]
    assert (d["special_cause_flag"] == rules).all()
    assert ((d["point_type"] == "common_cause") == ~rules).all()


# --- icons and assurance ----------------------------------------------------------------


def test_variation_icon_from_last_point() -> None:
    assert spc([*WIDE_BASELINE, 120.0], fix_after_n_points=12).summary.variation_icon is VariationIcon.IMPROVEMENT_HIGH
    low = spc([*WIDE_BASELINE, -20.0], fix_after_n_points=12, improvement_direction="decrease").summary
    assert low.variation_icon is VariationIcon.IMPROVEMENT_LOW
    assert low.latest_point_type is PointType.SPECIAL_CAUSE_IMPROVEMENT


@pytest.mark.parametrize(
    ("point_type", "direction", "icon"),
    [
        ("common_cause", "increase", VariationIcon.COMMON_CAUSE),
        ("special_cause_improvement", "increase", VariationIcon.IMPROVEMENT_HIGH),
        ("special_cause_improvement", "decrease", VariationIcon.IMPROVEMENT_LOW),
        ("special_cause_concern", "increase", VariationIcon.CONCERN_LOW),
        ("special_cause_concern", "decrease", VariationIcon.CONCERN_HIGH),
        ("special_cause_neutral_high", "neutral", VariationIcon.NEUTRAL_HIGH),
        ("special_cause_neutral_low", "neutral", VariationIcon.NEUTRAL_LOW),
        (None, "increase", None),
    ],
)
def test_variation_icon_mapping(point_type: str | None, direction: str, icon: VariationIcon | None) -> None:
    assert variation_icon(point_type, direction) is icon


def test_assurance_target_on_limit_is_inconsistent() -> None:
    assert assurance_type(1.0, 3.0, 3.0, "increase") is AssuranceIcon.INCONSISTENT
    assert assurance_type(1.0, 3.0, 1.0, "decrease") is AssuranceIcon.INCONSISTENT


def test_assurance_missing_target_or_limits() -> None:
    assert assurance_type(1.0, 3.0, float("nan"), "increase") is None
    assert assurance_type(float("nan"), float("nan"), 2.0, "increase") is None
    assert spc([1.0, 2.0, 3.0, 2.0]).summary.assurance_icon is None
    assert spc([1.0, 2.0, 3.0, 2.0], target=float("nan")).summary.target is None
    assert spc([1.0, 2.0, 3.0, 2.0], target=pd.NA).summary.assurance_icon is None
    assert spc([1.0, 2.0, 3.0, 2.0], target=10, improvement_direction="neutral").summary.assurance_icon is None


def test_assurance_from_summary_and_target_column() -> None:
    res = spc(WIDE_BASELINE, target=110.0, improvement_direction="lower_is_better")
    assert res.summary.assurance_icon is AssuranceIcon.CONSISTENT_PASS
    assert res.summary.target == 110.0
    assert res.data["target"].eq(110.0).all()


# --- edge cases -----------------------------------------------------------------------------


def test_no_points() -> None:
    res = spc([])
    assert res.data.empty
    assert tuple(res.data.columns) == SPC_COLUMNS
    assert res.summary.variation_icon is None
    assert res.summary.assurance_icon is None
    assert res.summary.n_points == 0
    assert any("No data" in w for w in res.summary.warnings)


def test_one_point_has_no_limits() -> None:
    res = spc([5.0], target=3.0)
    row = res.data.iloc[0]
    assert row["mean"] == 5.0
    assert np.isnan(row["lpl"]) and np.isnan(row["upl"])
    assert row["point_type"] == "common_cause"
    assert res.summary.variation_icon is None  # no limits: no judgement shown
    assert res.summary.assurance_icon is None
    assert any("limits cannot be calculated" in w for w in res.summary.warnings)


def test_two_points_have_limits() -> None:
    d = spc([5.0, 7.0]).data
    assert d["upl"].iloc[0] == pytest.approx(6.0 + 2.66 * 2.0)


def test_constant_series_limits_collapse_to_mean() -> None:
    for screen in (True, False):
        res = spc([3.0] * 14, screen_outliers=screen)
        d = res.data
        assert d["lpl"].eq(3.0).all() and d["upl"].eq(3.0).all()
        assert d["moving_range_used"].iloc[1:].all()  # nothing to screen when every range is 0
        assert d["point_type"].eq("common_cause").all()
        assert res.summary.variation_icon is VariationIcon.COMMON_CAUSE


@pytest.mark.parametrize("level", [0.3, 1.1, 2.3, -7.7, 1e6 / 3])
@pytest.mark.parametrize("n", [2, 13, 120])
def test_constant_series_of_awkward_floats_is_common_cause(level: float, n: int) -> None:
    # a naive one-pass mean of 0.3 repeated is not exactly 0.3, which would put every point
    # outside the zero-width limits; the two-pass mean (as R's mean()) avoids that
    d = spc([level] * n).data
    assert d["mean"].eq(level).all()
    assert d["special_cause_type"].eq("Common Cause").all()


def test_change_after_constant_baseline_is_special_cause() -> None:
    res = spc([3.0] * 12 + [3.1], fix_after_n_points=12)
    assert res.data["special_cause_type"].iloc[-1] == "Above UCL"
    assert res.summary.variation_icon is VariationIcon.IMPROVEMENT_HIGH


def test_missing_values_are_excluded_and_break_runs() -> None:
    y = [1.0, 2.0, 1.0, 2.0, np.nan, 2.0, 1.0, 2.0, 1.0, 2.0, 1.0, 2.0, 1.0, 2.0]
    res = spc(y)
    d = res.data
    observed = [v for v in y if not np.isnan(v)]
    assert d["mean"].iloc[0] == pytest.approx(np.mean(observed))
    assert np.isnan(d["moving_range"].iloc[4]) and np.isnan(d["moving_range"].iloc[5])  # gap not bridged
    assert d["average_moving_range"].iloc[0] == pytest.approx(1.0)
    assert pd.isna(d["point_type"].iloc[4]) and pd.isna(d["point_label"].iloc[4])
    assert not d.loc[4, ["outside_limits", "special_cause_flag", "seven_point_one_side"]].any()
    assert np.isnan(d["relative_to_mean"].iloc[4])
    assert any("missing" in w for w in res.summary.warnings)


def test_missing_value_breaks_a_run_of_seven() -> None:
    d = judged([55.0] * 3 + [np.nan] + [55.0] * 4)
    assert not d["seven_point_one_side"].any()
    d2 = judged([55.0] * 3 + [56.0] + [55.0] * 4)
    assert d2["seven_point_one_side"].all()


def test_missing_value_breaks_a_trend() -> None:
    d = judged([44.0, 46.0, 48.0, np.nan, 50.0, 52.0, 54.0, 56.0])
    assert not d["seven_point_trend"].any()


def test_icon_comes_from_last_observed_point() -> None:
    res = spc([*WIDE_BASELINE, 120.0, np.nan], fix_after_n_points=12)
    assert res.summary.variation_icon is VariationIcon.IMPROVEMENT_HIGH
    assert res.summary.latest_point_type is PointType.SPECIAL_CAUSE_IMPROVEMENT


def test_all_missing() -> None:
    res = spc([np.nan] * 3)
    assert res.summary.variation_icon is None
    assert res.data["point_type"].isna().all()
    assert any("All values are missing" in w for w in res.summary.warnings)


def test_summary_counts() -> None:
    s = spc([*WIDE_BASELINE, 120.0, -20.0], fix_after_n_points=12).summary
    assert (s.n_common_cause, s.n_special_cause_improvement, s.n_special_cause_concern) == (12, 1, 1)
    assert s.n_special_cause_neutral == 0
    assert s.n_points == 14


# --- polarity handling --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("increase", ImprovementDirection.INCREASE),
        ("Decrease", ImprovementDirection.DECREASE),
        ("neutral", ImprovementDirection.NEUTRAL),
        ("higher_is_better", ImprovementDirection.INCREASE),
        (Polarity.LOWER_IS_BETTER, ImprovementDirection.DECREASE),
        (Polarity.NO_JUDGEMENT, ImprovementDirection.NEUTRAL),
        (ImprovementDirection.DECREASE, ImprovementDirection.DECREASE),
    ],
)
def test_normalise_direction(value: object, expected: ImprovementDirection) -> None:
    assert normalise_direction(value) is expected  # type: ignore[arg-type]


def test_unknown_direction_raises() -> None:
    with pytest.raises(StatsInputError, match="improvement direction"):
        normalise_direction("up")


# --- input validation -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"values": ["a", "b"]}, "numeric"),
        ({"values": [1.0, np.inf]}, "finite"),
        ({"values": [[1.0, 2.0]]}, "one-dimensional"),
        ({"values": [1.0, 2.0], "x": [1]}, "x has 1 values"),
        ({"values": [1.0, 2.0], "x": ["a", "b"]}, "numeric or date-like"),
        ({"values": [1.0, 2.0], "x": [1.0, np.nan]}, "missing"),
        ({"values": [1.0, 2.0], "target": "high"}, "target"),
        ({"values": [1.0, 2.0], "screen_outliers": "yes"}, "screen_outliers"),
    ],
)
def test_invalid_inputs(kwargs: dict[str, object], message: str) -> None:
    values = kwargs.pop("values")
    with pytest.raises(StatsInputError, match=message):
        spc(values, **kwargs)  # type: ignore[arg-type]


def test_stats_input_error_is_value_error() -> None:
    with pytest.raises(ValueError):
        spc([1.0, 2.0], [1, 1])


# --- batch path -----------------------------------------------------------------------------


def test_batch_matches_single_series() -> None:
    rng = np.random.default_rng(7)
    values = rng.normal(50, 5, size=(5, 40))
    values[2, 30:] += 30
    values[3, 5] = np.nan
    x = pd.date_range("2022-01-01", periods=40, freq="MS")
    targets = [45.0, None, 60.0, 40.0, 55.0]
    directions = ["increase", "decrease", "neutral", "higher_is_better", "lower_is_better"]
    batch = spc_batch(values, x, improvement_direction=directions, targets=targets, rebase=[x[20]])
    for i in range(5):
        single = spc(values[i], x, improvement_direction=directions[i], target=targets[i], rebase=[x[20]])
        pd.testing.assert_frame_equal(batch.frame(i), single.data)
        assert batch.summary(i) == single.summary


def test_batch_long_frame_and_icons() -> None:
    values = np.vstack([np.tile([1.0, 3.0], 7), np.r_[np.tile([1.0, 3.0], 6), 30.0, 31.0]])
    batch = spc_batch(values, targets=[-5.0, None], fix_after_n_points=12)
    long = batch.to_frame()
    assert long.shape == (28, len(SPC_COLUMNS) + 1)
    assert long["series"].tolist() == [0] * 14 + [1] * 14
    assert batch.variation_icons() == [VariationIcon.COMMON_CAUSE, VariationIcon.IMPROVEMENT_HIGH]
    assert batch.assurance_icons() == [AssuranceIcon.CONSISTENT_PASS, None]
    assert batch["upl"].shape == (2, 14)


def test_batch_validates_lengths() -> None:
    with pytest.raises(StatsInputError, match="targets"):
        spc_batch(np.zeros((2, 5)), targets=[1.0])
    with pytest.raises(StatsInputError, match="improvement_direction"):
        spc_batch(np.zeros((2, 5)), improvement_direction=["increase"])
    with pytest.raises(StatsInputError, match="2-D"):
        spc_batch(np.zeros((2, 2, 2)))
    with pytest.raises(IndexError):
        spc_batch(np.zeros((2, 5))).frame(2)
