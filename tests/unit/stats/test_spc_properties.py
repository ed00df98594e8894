"""Property-based tests of ``data.stats.spc`` (hypothesis)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from data.stats.spc import SCREEN_FACTOR, spc, spc_batch

pytestmark = pytest.mark.unit

LINES = ("mean", "lpl", "upl", "lower_two_sigma", "upper_two_sigma")
SWAP = {
    "special_cause_improvement": "special_cause_concern",
    "special_cause_concern": "special_cause_improvement",
    "special_cause_neutral_high": "special_cause_neutral_low",
    "special_cause_neutral_low": "special_cause_neutral_high",
    "common_cause": "common_cause",
}
FLIP = {
    "Above UCL": "Below LCL",
    "Below LCL": "Above UCL",
    "7 Point Trend (Increasing)": "7 Point Trend (Decreasing)",
    "7 Point Trend (Decreasing)": "7 Point Trend (Increasing)",
    "2 in 3 Above CL": "2 in 3 Below CL",
    "2 in 3 Below CL": "2 in 3 Above CL",
    "7 Points Above CL": "7 Points Below CL",
    "7 Points Below CL": "7 Points Above CL",
    "Common Cause": "Common Cause",
}

finite = st.floats(min_value=-100, max_value=100, allow_nan=False, allow_infinity=False)
# values on a 0.001 grid: changing units cannot underflow or swamp the spread of such a series
# (with arbitrary floats, 5e-324 * 0.5 == 0 would turn a special cause into a constant series)
grid = st.integers(min_value=-100_000, max_value=100_000).map(lambda k: k / 1000)


def series_of(element: st.SearchStrategy[float]) -> st.SearchStrategy[list[float]]:
    """Random series, series with a shift, and series with a trend (so special causes occur)."""
    value = st.one_of(*[element] * 9, st.just(float("nan")))
    plain_series = st.lists(value, min_size=0, max_size=60)
    shifted = st.builds(
        lambda base, shift, at: [v + (shift if i >= at else 0.0) for i, v in enumerate(base)],
        st.lists(value, min_size=14, max_size=50),
        st.integers(min_value=-300, max_value=300),
        st.integers(min_value=0, max_value=50),
    )
    trending = st.builds(
        lambda base, slope, start, length: [
            v + (slope * (i - start) if start <= i < start + length else 0.0) for i, v in enumerate(base)
        ],
        st.lists(value, min_size=14, max_size=50),
        st.integers(min_value=-50, max_value=50),
        st.integers(min_value=0, max_value=40),
        st.integers(min_value=6, max_value=12),
    )
    return st.one_of(plain_series, shifted, trending)


value = st.one_of(*[finite] * 9, st.just(float("nan")))
any_series = series_of(finite)
grid_series = series_of(grid)
directions = st.sampled_from(["increase", "decrease", "neutral", "higher_is_better", "lower_is_better"])


def plain(column: pd.Series) -> list[str | None]:
    return [None if pd.isna(v) else v for v in column]


def same_summary(a: object, b: object) -> bool:
    fa, fb = dataclasses.astuple(a), dataclasses.astuple(b)  # type: ignore[call-overload]
    return all(
        (isinstance(u, float) and isinstance(v, float) and np.isnan(u) and np.isnan(v)) or u == v
        for u, v in zip(fa, fb, strict=True)
    )


def clear_of_boundaries(y: list[float], screen: bool = True) -> bool:
    """No point sits (numerically) on a line and no moving range on the screening threshold.

    Rule outcomes at exact ties depend on the last bit of floating-point rounding, so the
    invariance properties are asserted only away from them.
    """
    arr = np.asarray(y, dtype=float)
    if not np.isfinite(arr).any() or np.nanmax(arr) == np.nanmin(arr):
        return True  # empty or constant: the transformed series is constant too, exactly
    d = spc(arr, screen_outliers=screen).data
    tol = 1e-7 * (np.nanmax(arr) - np.nanmin(arr))
    for line in LINES:
        gap = np.abs(d["y"] - d[line]).to_numpy()
        if np.nanmin(gap, initial=np.inf) < tol:
            return False
    mr = np.abs(np.diff(arr))
    if np.isfinite(mr).any():
        amr = np.nanmean(mr)
        if amr > 0 and np.nanmin(np.abs(mr - SCREEN_FACTOR * amr)) < tol:
            return False
    # a tie stays a tie (equal inputs give equal outputs); only tiny non-zero steps are fragile
    return not ((mr > 0) & (mr < tol)).any()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(y=grid_series, scale=st.floats(min_value=0.01, max_value=100), offset=st.floats(-1000, 1000), d=directions)
def test_point_types_do_not_depend_on_units(y: list[float], scale: float, offset: float, d: str) -> None:
    assume(clear_of_boundaries(y))
    a = spc(y, improvement_direction=d).data
    b = spc([scale * v + offset for v in y], improvement_direction=d).data
    pd.testing.assert_series_equal(a["special_cause_type"], b["special_cause_type"])
    pd.testing.assert_series_equal(a["point_type"], b["point_type"])
    for line in LINES:
        np.testing.assert_allclose(b[line], scale * a[line] + offset, rtol=1e-9, atol=1e-9 * (abs(offset) + 1))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(y=grid_series, scale=st.floats(min_value=0.01, max_value=100), d=directions)
def test_negative_scale_swaps_improvement_and_concern(y: list[float], scale: float, d: str) -> None:
    assume(clear_of_boundaries(y))
    a = spc(y, improvement_direction=d).data
    b = spc([-scale * v for v in y], improvement_direction=d).data
    assert plain(b["point_type"]) == [None if p is None else SWAP[p] for p in plain(a["point_type"])]
    assert plain(b["special_cause_type"]) == [None if t is None else FLIP[t] for t in plain(a["special_cause_type"])]


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(y=any_series)
def test_exact_negation_mirrors_everything(y: list[float]) -> None:
    # negation is exact in floating point, so no boundary caveat is needed
    a = spc(y, improvement_direction="increase").data
    b = spc([-v for v in y], improvement_direction="decrease").data
    pd.testing.assert_series_equal(a["point_type"], b["point_type"])
    np.testing.assert_array_equal(a["upl"], -b["lpl"])
    np.testing.assert_array_equal(a["mean"], -b["mean"])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(y=any_series, screen=st.booleans())
def test_limits_contain_the_mean(y: list[float], screen: bool) -> None:
    d = spc(y, screen_outliers=screen).data
    ok = d["upl"].notna()
    assert (d.loc[ok, "lpl"] <= d.loc[ok, "lower_two_sigma"]).all()
    assert (d.loc[ok, "lower_two_sigma"] <= d.loc[ok, "mean"]).all()
    assert (d.loc[ok, "mean"] <= d.loc[ok, "upper_two_sigma"]).all()
    assert (d.loc[ok, "upper_two_sigma"] <= d.loc[ok, "upl"]).all()
    upper, lower = d.loc[ok, "upl"] - d.loc[ok, "mean"], d.loc[ok, "mean"] - d.loc[ok, "lpl"]
    np.testing.assert_allclose(upper, lower, rtol=1e-9, atol=1e-9)
    assert (d.loc[ok, "average_moving_range"] >= 0).all()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(y=any_series, d=directions)
def test_flags_are_consistent(y: list[float], d: str) -> None:
    data = spc(y, improvement_direction=d).data
    observed = data["y"].notna()
    outside = (data["y"] > data["upl"]) | (data["y"] < data["lpl"])
    assert (data["outside_limits"] == outside).all()
    assert not (data["close_to_limits"] & data["outside_limits"]).any()
    assert not (data["two_in_three"] & ~data["close_to_limits"]).any()
    rules = data["outside_limits"] | data["seven_point_trend"] | data["two_in_three"] | data["seven_point_one_side"]
    assert (data["special_cause_flag"] == rules).all()
    assert ((data["point_type"] == "common_cause") == (observed & ~rules)).all()
    assert data["point_type"].isna().tolist() == (~observed).tolist()
    if d in ("neutral", "no_judgement"):
        assert not data["point_type"].isin(["special_cause_improvement", "special_cause_concern"]).any()
    else:
        assert not data["point_type"].str.startswith("special_cause_neutral").fillna(False).any()


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(y=st.lists(value, min_size=2, max_size=60), cut=st.integers(min_value=1, max_value=59), d=directions)
def test_rebased_segments_are_independent(y: list[float], cut: int, d: str) -> None:
    assume(cut < len(y))
    whole = spc(y, improvement_direction=d, rebase=[cut]).data
    left = spc(y[:cut], improvement_direction=d).data
    right = spc(y[cut:], list(range(cut, len(y))), improvement_direction=d).data
    cols = ["mean", "lpl", "upl", "moving_range", "special_cause_type", "point_type"]
    pd.testing.assert_frame_equal(whole[cols].iloc[:cut].reset_index(drop=True), left[cols])
    pd.testing.assert_frame_equal(whole[cols].iloc[cut:].reset_index(drop=True), right[cols])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(y=st.lists(value, min_size=1, max_size=40), seed=st.integers(0, 2**32 - 1))
def test_input_order_does_not_matter(y: list[float], seed: int) -> None:
    x = np.arange(len(y))
    perm = np.random.default_rng(seed).permutation(len(y))
    a = spc(y, x).data
    b = spc(np.asarray(y)[perm], x[perm]).data
    pd.testing.assert_frame_equal(a, b)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=st.lists(st.lists(value, min_size=20, max_size=20), min_size=1, max_size=5),
    target=st.one_of(st.none(), finite),
    fix=st.one_of(st.none(), st.integers(12, 20)),
)
def test_batch_equals_single(rows: list[list[float]], target: float | None, fix: int | None) -> None:
    batch = spc_batch(np.array(rows), targets=target, fix_after_n_points=fix)
    for i, y in enumerate(rows):
        single = spc(y, target=target, fix_after_n_points=fix)
        pd.testing.assert_frame_equal(batch.frame(i), single.data)
        assert same_summary(batch.summary(i), single.summary)
