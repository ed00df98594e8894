"""Benchmarking and Fingertips recent-trend markers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from data.stats.benchmark import (
    benchmark_proportion,
    benchmark_rate,
    compare_to_benchmark,
    recent_trend,
    trend_label,
)
from data.stats.errors import StatsInputError
from data.stats.types import Polarity, TrendMarker

pytestmark = pytest.mark.unit

# Fingertips PholioVisualisation TrendMarkerCalculatorTest.cs, GetTrendData_Set1 (years 2014-2018)
SET1 = {
    "count": [994, 1023, 1199, 1332, 1367],
    "denominator": [40299, 41527, 42811, 44064, 44701],
    "value": [24.67, 24.6, 28, 30.2, 30.6],
    "lower95": [23.16, 23.15, 26.44, 28.63, 28.98],
    "upper95": [26.25, 26.19, 29.64, 31.9, 32.25],
}


def test_trend_rate_method_chi_square_published():
    """Fingertips TrendMarkerCalculatorTest.TestIsSignificantReturnsTrue: Math.Round(chi2, 2) == 46.77."""
    r = recent_trend(method="rate", value=SET1["value"], lower95=SET1["lower95"], upper95=SET1["upper95"])
    assert round(r.chi_square, 2) == 46.77
    assert r.significant and r.marker is TrendMarker.INCREASING


def test_trend_proportion_method_chi_square_published():
    """Fingertips TrendMarkerCalculatorTest.TestIsSignificantForProportionsReturnsTrue: round(chi2, 2) == 47.9."""
    r = recent_trend(method="proportion", count=SET1["count"], denominator=SET1["denominator"],
                     periods=[2014, 2015, 2016, 2017, 2018], polarity="higher_is_better")
    assert round(r.chi_square, 2) == 47.9
    assert r.label == "Increasing and getting better"


def test_trend_not_significant_published():
    """Fingertips TrendMarkerCalculatorTest.TestIsSignificantReturnsFalse (GetTrendData_Set2)."""
    r = recent_trend(method="rate", value=[20.5506, 19.5952, 19.0349, 21.3966, 18.4372],
                     lower95=[18.1803, 17.3444, 16.8421, 19.0918, 16.2925],
                     upper95=[23.1427, 22.0602, 21.4394, 23.8975, 20.7941])
    assert not r.significant and r.label == "No significant change"


def test_trend_cannot_be_calculated_published():
    """Fingertips TrendMarkerCalculatorTest.TestIsSignificantForProportionsCannotBeCalculated:
    5/5, 3/5, 1/5, 1/4, 2/4 -> CannotBeCalculated with chi2 = 0 (a proportion of 1: logit undefined)."""
    r = recent_trend(method="proportion", count=[5, 3, 1, 1, 2], denominator=[5, 5, 5, 4, 4])
    assert r.marker is TrendMarker.CANNOT_BE_CALCULATED and r.chi_square == 0.0
    assert r.label == "Cannot be calculated"


@pytest.mark.parametrize("method", ["proportion", "rate"])
def test_trend_fingertipsnext_diabetes_increasing(method):
    """FingertipsNext TrendMarkerCalculatorTests.CheckDiabetesTrendMarkersAreCorrect (QOF diabetes
    prevalence, England 2020-2024) -> Increasing."""
    r = recent_trend(method=method, periods=[2024, 2023, 2022, 2021, 2020],
                     count=[3938080, 3774801, 3625401, 3491868, 3455176],
                     denominator=[51441896, 50649129, 49956777, 49122259, 48783947],
                     value=[7.6554, 7.4528, 7.2571, 7.1085, 7.0826] if method == "rate" else None,
                     lower95=[7.6481, 7.4456, 7.2499, 7.1013, 7.0754] if method == "rate" else None,
                     upper95=[7.6669, 7.4643, 7.2684, 7.1199, 7.094] if method == "rate" else None)
    assert r.marker is TrendMarker.INCREASING


@pytest.mark.parametrize("method", ["proportion", "rate"])
def test_trend_fingertipsnext_mmr_decreasing(method):
    """FingertipsNext GenerateYorkshireMmrCoverageTrendMarkersAreCorrect (MMR 1 dose, Yorkshire) -> Decreasing."""
    r = recent_trend(method=method, periods=[2024, 2023, 2022, 2021, 2020],
                     count=[53185, 51767, 53681, 55865, 57274], denominator=[59028, 57508, 59074, 60511, 61834],
                     value=[90.1013, 90.017, 90.8708, 92.3221, 92.6254] if method == "rate" else None,
                     lower95=[89.8578, 89.7694, 90.6358, 92.1072, 92.4168] if method == "rate" else None,
                     upper95=[90.3396, 90.2594, 91.1004, 92.5315, 92.8288] if method == "rate" else None,
                     polarity="higher_is_better")
    assert r.marker is TrendMarker.DECREASING and r.label == "Decreasing and getting worse"


def test_trend_fingertipsnext_diabetic_eye_disease_rate_increasing():
    """FingertipsNext DiabeticEyeDiseaseTrendMarkersAreCorrect (crude rate, 2020-2024) -> Increasing,
    although 2021 dips: the slope keeps its sign when any one point is dropped."""
    r = recent_trend(method="rate", periods=[2024, 2023, 2022, 2021, 2020],
                     value=[3.0121, 2.8701, 2.7567, 1.93028, 2.935],
                     lower95=[2.8616, 2.7225, 2.6113, 1.8085, 2.7841],
                     upper95=[3.1683, 3.0237, 2.9082, 2.058, 3.0919])
    assert r.marker is TrendMarker.INCREASING


def test_trend_sign_flip_when_dropping_a_point_is_not_significant():
    # steep rise carried by the last point only: dropping it reverses the slope
    r = recent_trend(method="rate", value=[10, 9.9, 9.8, 9.7, 30], lower95=[9.9, 9.8, 9.7, 9.6, 29.9],
                     upper95=[10.1, 10, 9.9, 9.8, 30.1])
    assert r.chi_square > 9.55 and not r.significant and r.marker is TrendMarker.NO_CHANGE


def test_trend_uses_last_five_and_needs_five():
    r = recent_trend(method="proportion", count=[1, 2, 3, 4], denominator=[10, 10, 10, 10])
    assert r.marker is TrendMarker.CANNOT_BE_CALCULATED
    full = recent_trend(method="proportion", count=[50, 1] + SET1["count"], denominator=[100, 2] + SET1["denominator"])
    assert round(full.chi_square, 2) == 47.9


def test_trend_threshold_99_8_vs_95():
    data = {"value": [10, 10.4, 10.8, 11.1, 11.5], "lower95": [9, 9.4, 9.8, 10.1, 10.5],
            "upper95": [11, 11.4, 11.8, 12.1, 12.5]}
    r998 = recent_trend(method="rate", **data)
    r95 = recent_trend(method="rate", confidence=0.95, **data)
    assert 3.84 < r95.chi_square < 9.55
    assert r95.significant and not r998.significant


@pytest.mark.parametrize(
    ("marker", "polarity", "label"),
    [
        ("increasing", "higher_is_better", "Increasing and getting better"),
        ("increasing", "lower_is_better", "Increasing and getting worse"),
        ("decreasing", "lower_is_better", "Decreasing and getting better"),
        ("decreasing", "higher_is_better", "Decreasing and getting worse"),
        ("increasing", "no_judgement", "Increasing"),
        ("decreasing", "no_judgement", "Decreasing"),
        ("no_change", "higher_is_better", "No significant change"),
        ("cannot_be_calculated", "lower_is_better", "Cannot be calculated"),
    ],
)
def test_trend_labels_match_fingertips(marker, polarity, label):
    """Fingertips TrendMarkerLabelProvider texts."""
    assert trend_label(marker, polarity) == label


@pytest.mark.parametrize(
    ("polarity", "expected"),
    [
        ("higher_is_better", ["Worse", "Similar", "Better", "Similar", "Not compared"]),
        ("lower_is_better", ["Better", "Similar", "Worse", "Similar", "Not compared"]),
        ("no_judgement", ["Lower", "Similar", "Higher", "Similar", "Not compared"]),
    ],
)
def test_compare_to_benchmark(polarity, expected):
    lower = [10, 18, 23, 22, np.nan]
    upper = [15, 25, 30, 26, 30]
    got = compare_to_benchmark(lower, upper, 22, polarity)
    assert got.tolist() == expected  # the 4th interval touches the benchmark -> Similar


def test_benchmark_with_99_8_is_more_conservative():
    x, n = [530, 545], [1000, 1000]
    assert benchmark_proportion(x, n, 0.5, "higher_is_better").tolist() == ["Similar", "Better"]
    assert benchmark_proportion(x, n, 0.5, "higher_is_better", confidence=99.8).tolist() == ["Similar", "Similar"]


def test_benchmark_zero_denominator_and_rate():
    assert benchmark_proportion([3, 0], [10, 0], 0.5).tolist() == ["Similar", "Not compared"]
    assert benchmark_rate([5, 60], [1000, 1000], 30, Polarity.LOWER_IS_BETTER).tolist() == ["Better", "Worse"]


def test_benchmark_bad_polarity_and_index():
    with pytest.raises(StatsInputError):
        compare_to_benchmark([1], [2], 1.5, "up_is_good")
    s = compare_to_benchmark(pd.Series([1.0], index=["x"]), pd.Series([2.0], index=["x"]), 3.0)
    assert s.index.tolist() == ["x"] and s.tolist() == ["Lower"]


@settings(max_examples=200, deadline=None)
@given(x=st.integers(0, 1000), n=st.integers(1, 1000), bench=st.floats(0, 1))
def test_property_similar_iff_interval_covers_benchmark(x, n, bench):
    x = min(x, n)
    from data.stats.intervals import phe_proportion

    ci = phe_proportion(x, n)
    label = benchmark_proportion(x, n, bench).iloc[0]
    covers = float(ci.lower) <= bench <= float(ci.upper)
    assert (label == "Similar") == covers
