"""Fingertips funnels: parity with PHEindicatormethods tests/testthat/testFunnels.R and its CSV data
(copied into tests/unit/stats/data, see data/README.md)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from data.stats.errors import StatsInputError
from data.stats.funnel import (
    fingertips_funnel_limits,
    fingertips_funnel_points,
    fingertips_funnel_significance,
)

pytestmark = pytest.mark.unit

DATA = Path(__file__).parent / "data"
REL = 1e-6


def _csv(name: str) -> pd.DataFrame:
    return pd.read_csv(DATA / name)


def _assert_close(actual: np.ndarray, expected: np.ndarray, rel: float = REL, abs_: float = 0.0) -> None:
    np.testing.assert_allclose(actual, expected, rtol=rel, atol=abs_)


def test_proportion_limits_default():
    """testFunnels.R 'confidence limits calculate correctly for proportions' ->
    testdata_funnel_prop_outputs.csv (printed to 6 dp, hence atol 5e-7 on 0-100 values)."""
    inputs = _csv("phe_funnel_prop_inputs.csv")
    expected = _csv("phe_funnel_prop_outputs.csv")
    got = fingertips_funnel_limits(inputs["numerator"], inputs["denominator"], statistic="proportion",
                                   multiplier=100)
    _assert_close(got.to_numpy(), expected.to_numpy(), rel=REL, abs_=5e-7)


def test_proportion_limits_axis_variation():
    """testFunnels.R 'confidence limits calculate correctly with axis variation' (denominator < 31000)."""
    inputs = _csv("phe_funnel_prop_inputs.csv")
    inputs = inputs[inputs["denominator"] < 31000]
    expected = _csv("phe_funnel_prop_outputs_axis_variation.csv")
    got = fingertips_funnel_limits(inputs["numerator"], inputs["denominator"], statistic="proportion",
                                   multiplier=100)
    _assert_close(got.to_numpy(), expected.to_numpy())


def test_proportion_significance():
    """testFunnels.R 'Significance for proportions calculates correctly' (all 303 PCT labels)."""
    inputs = _csv("phe_funnel_prop_inputs.csv")
    got = fingertips_funnel_significance(inputs["numerator"], inputs["denominator"], statistic="proportion")
    assert got.tolist() == inputs["significance"].tolist()


@pytest.mark.parametrize("ratio_type", ["count", "isr"])
def test_ratio_limits(ratio_type):
    """testFunnels.R 'confidence limits calculate correctly for ratios (count)/(isr)' ->
    testdata_funnel_ratio_outputs.csv (first 40 of 100 rows copied)."""
    inputs = _csv("phe_funnel_ratio_inputs.csv")
    expected = _csv("phe_funnel_ratio_outputs.csv")
    got = fingertips_funnel_limits(inputs["obs"], inputs["expected"], statistic="ratio", multiplier=100,
                                   ratio_type=ratio_type)
    assert len(got) == 100 and got["Observed_events"].iloc[-1] == 716
    n = len(expected)
    for col in got.columns:
        src = col.replace("limit", ratio_type)
        _assert_close(got[col].to_numpy()[:n], expected[src].to_numpy())


def test_ratio_limits_exact_option_is_close_to_search():
    inputs = _csv("phe_funnel_ratio_inputs.csv")
    a = fingertips_funnel_limits(inputs["obs"], inputs["expected"], statistic="ratio", multiplier=100,
                                 ratio_type="isr")
    b = fingertips_funnel_limits(inputs["obs"], inputs["expected"], statistic="ratio", multiplier=100,
                                 ratio_type="isr", exact=True)
    _assert_close(a.to_numpy(), b.to_numpy(), rel=2e-4)


def test_ratio_significance():
    """testFunnels.R 'Significance for ratios calculates correctly' (includes a 0-event area)."""
    inputs = _csv("phe_funnel_ratio_inputs.csv")
    got = fingertips_funnel_significance(inputs["obs"], inputs["expected"], statistic="ratio")
    assert got.tolist() == inputs["significance"].tolist()


def test_rate_limits_dsr():
    """testFunnels.R 'confidence limits calculate correctly for rates (dsr)' (multiplier 1e5,
    3 years) -> testdata_funnel_rate_outputs.csv (first 40 of 100 rows copied)."""
    inputs = _csv("phe_funnel_rate_input_funnels.csv")
    expected = _csv("phe_funnel_rate_outputs.csv")
    got = fingertips_funnel_limits(inputs["ev"], statistic="rate", rate=inputs["rate"], rate_type="dsr",
                                   multiplier=1e5, years_of_data=3)
    assert list(got.columns) == list(expected.columns)
    assert got["Events"].iloc[-1] == 1360
    numeric = [c for c in expected.columns if c != "statistic"]
    _assert_close(got[numeric].to_numpy()[: len(expected)], expected[numeric].to_numpy())
    assert (got["statistic"].iloc[: len(expected)] == expected["statistic"]).all()


@pytest.mark.parametrize(
    ("label_col", "rate_col", "rate_type", "multiplier", "with_zero"),
    [
        ("dsr_per_100000_with_0", "rate_dsr", "dsr", 1e5, True),
        ("dsr_per_100_with_0", "rate_dsr", "dsr", 100, True),
        ("dsr_per_100000_without_0", "rate_dsr", "dsr", 1e5, False),
        ("dsr_per_100_without_0", "rate_dsr", "dsr", 100, False),
        ("crude_per_100000_with_0", "rate_crude_per_100000", "crude", 1e5, True),
        ("crude_per_100_with_0", "rate_crude_per_100", "crude", 100, True),
        ("crude_per_100000_without_0", "rate_crude_per_100000", "crude", 1e5, False),
        ("crude_per_100_without_0", "rate_crude_per_100", "crude", 100, False),
    ],
)
def test_rate_significance(label_col, rate_col, rate_type, multiplier, with_zero):
    """testFunnels.R 'Significance for rates calculates correctly; ...' (all eight variants)."""
    data = _csv("phe_funnel_rate_dsr_inputs.csv")
    if not with_zero:
        data = data[data["count"] != 0]
    got = fingertips_funnel_significance(data["count"], data["pop"], statistic="rate", rate=data[rate_col],
                                         rate_type=rate_type, multiplier=multiplier)
    assert got.tolist() == data[label_col].tolist()


def test_funnel_points_dsr_and_crude():
    """testFunnels.R 'calculate_funnel_points works for dsrs with events less than 5' and for crude rates,
    including the 0-event record with denominators supplied (5 years)."""
    data = _csv("phe_funnel_rate_input_funnels.csv")
    ev5 = data["ev"].where(data["ev"] != data["ev"].max(), 5)
    dsr = fingertips_funnel_points(ev5, data["rate"], rate_type="dsr", years_of_data=3, multiplier=1e5)
    _assert_close(dsr["rate_chart"], data["rate_chart"], rel=1e-9)
    _assert_close(dsr["denominator_derived"], data["denominator_derived"], rel=1e-9)
    crude = fingertips_funnel_points(data["ev"], data["rate"], rate_type="crude", years_of_data=3, multiplier=1e5)
    _assert_close(crude["denominator_derived"], data["denominator_derived_crude"], rel=1e-9)
    ev0 = data["ev"].where(data["ev"] != data["ev"].max(), 0)
    with_denom = fingertips_funnel_points(ev0, data["rate"], data["pop"], rate_type="crude", years_of_data=5,
                                          multiplier=1e5)
    _assert_close(with_denom["denominator_derived"], data["denominator_derived_crude_with_denom"], rel=1e-9)


def test_errors_match_phe_validation():
    """testFunnels.R error-handling tests: zero denominators, negative numerators, numerator > denominator."""
    with pytest.raises(StatsInputError, match="denominators must be greater than zero"):
        fingertips_funnel_significance([65, 80, 30], [100, 100, 0], statistic="proportion")
    with pytest.raises(StatsInputError, match="greater than or equal to zero"):
        fingertips_funnel_significance([65, -80, 30], [100, 100, 200], statistic="proportion")
    with pytest.raises(StatsInputError, match="less than or equal to denominator"):
        fingertips_funnel_significance([65, 80, 30], [100, 100, 20], statistic="proportion")
    with pytest.raises(StatsInputError):
        fingertips_funnel_limits([1, 2], [3, 4], statistic="pop", multiplier=100)
