"""When SPC limits are recalculated (rebase at known changes, suggestions), which rule fired, display clipping.

Hand-derived numbers: XmR limits are mean ± 2.66 × mean moving range (NHSRplotthedots ``ptd_spc_standard``),
so a segment alternating a, a + 2 has mR-bar 2 and limits mean ± 5.32.
"""

from __future__ import annotations

import doctest
import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import data.stats.spc as spc_module
from data.stats.spc import (
    RULE_NAMES,
    RUN_LENGTH,
    AssuranceIcon,
    assurance_type,
    clip_for_display,
    rebase_suggestions,
    rules_fired,
    spc,
    sustained_shift_rebase,
)

pytestmark = pytest.mark.unit

LINES = ["mean", "lpl", "upl", "lower_two_sigma", "upper_two_sigma", "special_cause_type", "point_type"]


def months(n: int, start: str = "2020-01-01") -> pd.DatetimeIndex:
    return pd.date_range(start, periods=n, freq="MS")


def step_series() -> np.ndarray:
    """12 points alternating 10/12 (mean 11, mR-bar 2), then 12 alternating 20/22 (mean 21, mR-bar 2)."""
    return np.r_[np.tile([10.0, 12.0], 6), np.tile([20.0, 22.0], 6)]


def test_docstring_examples() -> None:
    result = doctest.testmod(spc_module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0


def test_rebased_step_has_hand_derived_limits_per_segment() -> None:
    x = months(24)
    res = spc(step_series(), x, rebase=[x[12]])
    first, second = res.data.iloc[0], res.data.iloc[-1]
    assert (first["mean"], first["lpl"], first["upl"]) == pytest.approx((11.0, 11 - 5.32, 11 + 5.32))
    assert (second["mean"], second["lpl"], second["upl"]) == pytest.approx((21.0, 21 - 5.32, 21 + 5.32))
    assert res.data["rebase_group"].tolist() == [0] * 12 + [1] * 12
    assert res.summary.variation_icon.value == "common_cause"  # icons from the current segment
    # without the rebase: mean 16; moving ranges 22 × 2 and one 8, which is screened out (8 >= 3.267 × 52 / 23)
    whole = spc(step_series(), x).data
    assert (whole["mean"].iloc[0], whole["upl"].iloc[0]) == pytest.approx((16.0, 16 + 5.32))
    assert not whole["moving_range_used"].iloc[12]


def test_rebase_and_fix_after_n_points_together_follow_plotthedots_issue_93() -> None:
    # NHSRplotthedots #93: rebase groups first; within each, limits from its first fix_after_n_points rows,
    # the later rows of the group judged against them.
    rng = np.random.default_rng(7)
    y = np.r_[rng.normal(10, 1, 20), rng.normal(20, 1, 20)]
    x = months(40)
    res = spc(y, x, rebase=[x[20]], fix_after_n_points=12).data
    alone_first = spc(y[:12], x[:12]).data.iloc[0]
    alone_second = spc(y[20:32], x[20:32]).data.iloc[0]
    assert res["baseline"].tolist() == [True] * 12 + [False] * 8 + [True] * 12 + [False] * 8
    for row, alone in ((res.iloc[0], alone_first), (res.iloc[-1], alone_second)):
        assert (row["mean"], row["lpl"], row["upl"]) == pytest.approx((alone["mean"], alone["lpl"], alone["upl"]))


def test_rebase_at_no_points_is_todays_result() -> None:
    y, x = step_series(), months(24)
    pd.testing.assert_frame_equal(spc(y, x, rebase=[]).data, spc(y, x).data)


grid = st.integers(min_value=-5000, max_value=5000).map(lambda k: k / 100)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    y=st.lists(grid, min_size=4, max_size=60),
    cuts=st.lists(st.integers(min_value=1, max_value=59), min_size=0, max_size=3, unique=True),
    fix=st.sampled_from([None, 12]),
)
def test_each_segment_equals_the_segment_computed_alone(y: list[float], cuts: list[int], fix: int | None) -> None:
    cuts = sorted(c for c in cuts if c < len(y))
    whole = spc(y, rebase=cuts, fix_after_n_points=fix).data
    bounds = [0, *cuts, len(y)]
    for a, b in itertools.pairwise(bounds):
        alone = spc(y[a:b], list(range(a, b)), fix_after_n_points=fix).data
        pd.testing.assert_frame_equal(whole[LINES].iloc[a:b].reset_index(drop=True), alone[LINES])
    if not cuts:
        pd.testing.assert_frame_equal(whole, spc(y, fix_after_n_points=fix).data)


# --- known changes with a sustained shift ------------------------------------------------------


def test_a_go_live_followed_by_a_sustained_shift_is_a_rebase_point() -> None:
    x = months(24)
    # the go-live on 20 Dec 2020 is first seen whole in the period starting 1 Jan 2021 (row 12)
    assert sustained_shift_rebase(step_series(), x, ["2020-12-20"]) == [x[12].to_datetime64()]


def test_a_go_live_without_a_shift_is_not() -> None:
    x = months(24)
    flat = np.tile([10.0, 12.0], 12)
    assert sustained_shift_rebase(flat, x, [x[12]]) == []


def test_a_go_live_too_close_to_the_start_or_end_is_not() -> None:
    x = months(24)
    y = step_series()
    assert sustained_shift_rebase(y, x, [x[RUN_LENGTH - 1]]) == []  # fewer than 7 points before it
    assert sustained_shift_rebase(y, x, [x[24 - RUN_LENGTH + 1]]) == []  # fewer than 7 points from it
    assert sustained_shift_rebase(y, x, ["2030-01-01"]) == []  # after the data


def test_go_lives_are_judged_in_turn_against_the_segments_so_far() -> None:
    x = months(36)
    y = np.r_[np.tile([10.0, 12.0], 6), np.tile([20.0, 22.0], 6), np.tile([30.0, 32.0], 6)]
    # the second change is judged against the segment that starts at the first
    assert sustained_shift_rebase(y, x, [x[24], x[12]]) == [x[12].to_datetime64(), x[24].to_datetime64()]
    # a change only two points after an accepted one would leave a 2-point segment: refused
    assert sustained_shift_rebase(y, x, [x[12], x[14]]) == [x[12].to_datetime64()]
    # a rebase the user already chose counts as a segment start
    assert sustained_shift_rebase(y, x, [x[24]], rebase=[x[12]]) == [x[24].to_datetime64()]


def online_consultation() -> tuple[np.ndarray, pd.DatetimeIndex]:
    """The demo's shape: 0% for a year, a ramp to 100% by mid-2020, then 100% (= target) for 44 months."""
    ramp = np.r_[np.zeros(12), np.linspace(0, 97.2, 40), np.full(44, 100.0)]
    return ramp, months(96, "2016-04-01")


def test_online_consultation_at_target_for_four_years_consistently_passes_once_rebased_at_go_live() -> None:
    y, x = online_consultation()
    whole = spc(y, x, improvement_direction="higher_is_better", target=100.0)
    assert whole.summary.assurance_icon is AssuranceIcon.CONSISTENT_FAIL  # today's misleading reading
    rebase = sustained_shift_rebase(y, x, ["2020-08-01"])
    assert rebase == [pd.Timestamp("2020-08-01").to_datetime64()]
    res = spc(y, x, improvement_direction="higher_is_better", target=100.0, rebase=rebase)
    assert res.summary.assurance_icon is AssuranceIcon.CONSISTENT_PASS
    assert res.summary.variation_icon.value == "common_cause"
    assert (res.summary.mean, res.summary.lpl, res.summary.upl) == (100.0, 100.0, 100.0)


def test_zero_width_limits_on_the_target_pass_but_a_wide_process_on_a_limit_is_hit_and_miss() -> None:
    assert assurance_type(100.0, 100.0, 100.0, "increase") is AssuranceIcon.CONSISTENT_PASS
    assert assurance_type(0.0, 0.0, 0.0, "decrease") is AssuranceIcon.CONSISTENT_PASS
    assert assurance_type(99.0, 100.0, 100.0, "increase") is AssuranceIcon.INCONSISTENT  # plotthedots
    assert assurance_type(100.0, 100.0, 101.0, "increase") is AssuranceIcon.CONSISTENT_FAIL


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(y=st.lists(grid, min_size=2, max_size=50), changes=st.lists(st.integers(0, 60), max_size=4))
def test_every_accepted_change_starts_a_run_beyond_the_mean_before_it(y: list[float], changes: list[int]) -> None:
    assert sustained_shift_rebase(y, None, []) == []
    found = sustained_shift_rebase(y, None, changes)
    assert found == sorted(found) and set(found) <= set(changes)
    for i, point in enumerate(found):
        idx = int(point)
        before = spc(y, rebase=[*found[:i], point]).data
        assert idx - before.index[before["rebase_group"] == before["rebase_group"].iloc[idx - 1]][0] >= RUN_LENGTH
        ahead = np.asarray(y[idx : idx + RUN_LENGTH]) - before["mean"].iloc[idx - 1]
        assert len(ahead) == RUN_LENGTH and ((ahead > 0).all() or (ahead < 0).all())


# --- suggestions ------------------------------------------------------------------------------


def test_a_run_on_one_side_of_the_mean_is_suggested_from_its_first_point() -> None:
    x = months(24)
    suggestions = rebase_suggestions(spc(step_series(), x).data)
    # whole-series mean 16: the first 12 points are below it, the last 12 above; the first run starts the
    # segment (nothing to rebase), the second is offered
    assert [(s.x, s.n_points, s.side, s.ongoing) for s in suggestions] == [(x[12].to_datetime64(), 12, "above", True)]
    assert suggestions[0].sentence("Jan 2021") == (
        "A run of 12 points above the mean since Jan 2021 suggests a new process; rebase here?"
    )
    assert rebase_suggestions(spc(step_series(), x, rebase=[x[12]]).data) == ()  # applied: none left


def test_a_missing_value_or_a_point_on_the_mean_ends_a_run() -> None:
    y = np.r_[np.tile([10.0, 12.0], 6), [21.0, 22.0, 21.0], [np.nan], [21.0, 22.0, 21.0, 22.0, 21.0, 22.0]]
    assert rebase_suggestions(spc(y).data) == ()  # neither piece above the mean reaches 7 points
    y_on_mean = np.r_[[0.0] * 7, [2.0] * 3, [1.0], [2.0] * 4]  # mean exactly 15 / 15 = 1
    data = spc(y_on_mean).data
    assert data["relative_to_mean"].iloc[10] == 0
    assert rebase_suggestions(data) == ()


# --- which rule fired -------------------------------------------------------------------------


def test_rules_fired_names_every_rule_in_making_data_counts_words() -> None:
    base = np.tile([10.0, 12.0], 6)  # mean 11, mR-bar 2: limits 5.68 to 16.32, fixed on these 12 points
    assert set(rules_fired(spc(base).data)) == {"None (common cause)"}
    rules = rules_fired(spc(np.r_[base, 30.0], fix_after_n_points=12).data)
    assert rules.iloc[-1] == RULE_NAMES["outside_limits"] + " (above)"
    trend = rules_fired(spc(np.r_[base, 6.0, 7.0, 8.0, 9.0, 10.0, 10.5, 10.8], fix_after_n_points=12).data)
    assert trend.iloc[-3] == "Trend: 7 points in a row all increasing or all decreasing (increasing); " + (
        "Shift: 7 points in a row on one side of the mean (below)"
    )
    # mean 10.75, mR-bar 0.5: two-sigma lines 9.86 and 11.64, so only the shift fires
    shift = rules_fired(spc(np.r_[np.tile([10.0, 10.5], 6), np.tile([11.0, 11.5], 6)]).data)
    assert set(shift.iloc[:12]) == {"Shift: 7 points in a row on one side of the mean (below)"}
    assert set(shift.iloc[12:]) == {"Shift: 7 points in a row on one side of the mean (above)"}
    steps = rules_fired(spc(step_series()).data)  # whole-series limits 10.68 to 21.32 around a mean of 16
    assert steps.iloc[0] == RULE_NAMES["outside_limits"] + " (below); " + (
        "Shift: 7 points in a row on one side of the mean (below)"
    )
    both = rules_fired(spc(np.r_[np.tile([10.0, 11.0], 8), np.full(7, 10.6), 30.0]).data)
    assert RULE_NAMES["outside_limits"] in both.iloc[-1]
    missing = rules_fired(spc([1.0, 2.0, np.nan, 1.0]).data)
    assert pd.isna(missing.iloc[2])


def test_two_in_three_is_named() -> None:
    base = np.tile([10.0, 12.0], 8)  # baseline: mean 11, mR-bar 2: two-sigma line 14.55, limit 16.32
    y = np.r_[base, 15.0, 11.5, 15.5]
    res = spc(y, fix_after_n_points=16).data
    rules = rules_fired(res)
    assert res["special_cause_type"].iloc[-1] == "2 in 3 Above CL"
    assert rules.iloc[-1] == "Two out of three points beyond the two-sigma line (above)"


# --- clipping for display ---------------------------------------------------------------------


def test_a_rate_lower_limit_of_minus_49_is_drawn_at_zero_and_flags_are_unchanged() -> None:
    # a rate alternating 5 and 40 per 100: mean 22.5, mR-bar 35, lower limit 22.5 - 93.1 = -70.6 -> 0
    y = np.tile([5.0, 40.0], 8)
    data = spc(y).data
    shown = clip_for_display(data, lower=0.0)
    assert data["lpl"].iloc[0] == pytest.approx(22.5 - 2.66 * 35)
    assert (shown["lpl_shown"] == 0.0).all() and shown["limits_clipped"].all()
    assert (shown["upl_shown"] == data["upl"]).all()
    pd.testing.assert_frame_equal(shown[data.columns], data)  # flags and raw limits untouched


def test_a_percentage_upper_limit_is_capped_at_100_while_flags_use_the_unclipped_limit() -> None:
    y = np.r_[np.tile([94.0, 98.0], 6), 100.0]  # baseline: mean 96, mR-bar 4 -> upper limit 106.64
    data = spc(y, fix_after_n_points=12).data
    shown = clip_for_display(data, lower=0.0, upper=100.0)
    assert data["upl"].iloc[0] == pytest.approx(96 + 2.66 * 4)
    assert shown["upl_shown"].max() == 100.0
    assert not data["outside_limits"].iloc[-1]  # 100 is on the drawn line but inside the real limit


@given(
    y=st.lists(grid, min_size=2, max_size=40),
    lo=st.sampled_from([None, 0.0, -1.0]),
    hi=st.sampled_from([None, 1.0, 50.0]),
)
@settings(max_examples=60, deadline=None)
def test_clipped_lines_stay_in_bounds_and_equal_the_raw_lines_inside_them(
    y: list[float], lo: float | None, hi: float | None
) -> None:
    data = spc(y).data
    shown = clip_for_display(data, lower=lo, upper=hi)
    for name in ("mean", "lpl", "upl", "lower_two_sigma", "upper_two_sigma"):
        raw, drawn = data[name].to_numpy(float), shown[f"{name}_shown"].to_numpy(float)
        assume(not np.isnan(raw).all())
        inside = np.ones(len(raw), bool)
        if lo is not None:
            assert (drawn[~np.isnan(drawn)] >= lo).all()
            inside &= raw >= lo
        if hi is not None:
            assert (drawn[~np.isnan(drawn)] <= hi).all()
            inside &= raw <= hi
        assert np.array_equal(drawn[inside], raw[inside])
