"""Confidence intervals: parity with PHEindicatormethods / published figures, edge cases, properties."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from data.stats.errors import InvalidConfidenceError, StatsInputError
from data.stats.intervals import (
    byars_lower,
    byars_upper,
    calculate_israte,
    calculate_isratio,
    expected_events,
    phe_dsr,
    phe_proportion,
    phe_rate,
    phe_smr,
    poisson_count_ci,
    wilson_lower,
    wilson_upper,
    z_value,
)

pytestmark = pytest.mark.unit

REL = 1e-6


def textbook_wilson(x: float, n: float, z: float) -> tuple[float, float]:
    """Wilson (1927) in its textbook form (centre +/- half width), independent of the PHE form."""
    p = x / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return centre - half, centre + half


@pytest.mark.parametrize(("x", "n"), [(65, 100), (1045, 5000), (0.445, 1)])
@pytest.mark.parametrize("confidence", [0.95, 99.8])
def test_wilson_matches_hand_formula_on_phe_test_inputs(x, n, confidence):
    """Inputs are those of PHEindicatormethods tests/testthat/testWilson.R (65/100, 1045/5000,
    0.445/1 at 95 % and 99.8 %). Its expected values live in testdata_Byars_Wilson.xlsx, which is
    not available as text, so the expectation is the hand-derived Wilson formula."""
    z = stats.norm.ppf(1 - (1 - (confidence / 100 if confidence > 1 else confidence)) / 2)
    lo, hi = textbook_wilson(x, n, z)
    assert float(wilson_lower(x, n, confidence)) == pytest.approx(lo, rel=REL)
    assert float(wilson_upper(x, n, confidence)) == pytest.approx(hi, rel=REL)


def test_wilson_confidence_one_gives_zero_and_one():
    """PHEindicatormethods testWilson.R: confidence = 1 gives lower 0 and upper 1."""
    assert wilson_lower([65, 1045], [100, 5000], 1).tolist() == [0.0, 0.0]
    assert wilson_upper([65, 1045], [100, 5000], 1).tolist() == [1.0, 1.0]


@pytest.mark.parametrize(
    ("x", "n", "lo", "hi"),
    [(81, 263, 0.2553, 0.3662), (15, 148, 0.0624, 0.1605), (0, 20, 0.0, 0.1611), (1, 29, 0.0061, 0.1718)],
)
def test_wilson_newcombe_1998_table(x, n, lo, hi):
    """Newcombe RG (1998) Stat Med 17:857-872, worked examples for method 3 (Wilson score), printed to 4 dp."""
    ci = phe_proportion(x, n)
    assert float(ci.lower) == pytest.approx(lo, abs=5e-5)
    assert float(ci.upper) == pytest.approx(hi, abs=5e-5)


def test_wilson_8_of_100_by_hand():
    """Hand-derived: 8/100 at 95 %: (2x + z^2 -/+ z sqrt(z^2 + 4x(1 - x/n))) / 2 / (n + z^2)."""
    z = 1.959963984540054
    root = math.sqrt(z * z + 4 * 8 * (1 - 8 / 100))
    ci = phe_proportion(8, 100, multiplier=100)
    assert float(ci.lower) == pytest.approx(100 * (16 + z * z - z * root) / 2 / (100 + z * z), rel=REL)
    assert float(ci.upper) == pytest.approx(100 * (16 + z * z + z * root) / 2 / (100 + z * z), rel=REL)
    assert float(ci.value) == pytest.approx(8.0)


@pytest.mark.parametrize(("x", "confidence"), [(65, 0.95), (1045, 0.95), (1, 0.95), (65, 99.8), (10, 0.998)])
def test_byars_matches_breslow_day_formula(x, confidence):
    """Inputs of PHEindicatormethods tests/testthat/testByars.R (65, 1045, 1 at 95 %; 65, 1045, 10 at
    99.8 %). Expected values (testdata_Byars_Wilson.xlsx) are not available as text: hand formula."""
    conf = confidence / 100 if confidence > 1 else confidence
    z = stats.norm.ppf(1 - (1 - conf) / 2)
    assert float(byars_lower(x, confidence)) == pytest.approx(x * (1 - 1 / (9 * x) - z / (3 * math.sqrt(x))) ** 3,
                                                              rel=REL)
    assert float(byars_upper(x, confidence)) == pytest.approx(
        (x + 1) * (1 - 1 / (9 * (x + 1)) + z / (3 * math.sqrt(x + 1))) ** 3, rel=REL)


def test_exact_poisson_limits_are_the_garwood_tail_solutions():
    """Below 10 events: P(X >= x | lower) = P(X <= x | upper) = 2.5 % (definition of the exact limit)."""
    lower, upper, method = poisson_count_ci(np.arange(1, 10))
    assert (method == "Exact").all()
    x = np.arange(1, 10)
    np.testing.assert_allclose(stats.poisson.sf(x - 1, lower), 0.025, rtol=1e-8)
    np.testing.assert_allclose(stats.poisson.cdf(x, upper), 0.025, rtol=1e-8)


def test_count_ci_switches_to_byars_at_ten():
    _lo, up, method = poisson_count_ci([9, 10])
    assert method.tolist() == ["Exact", "Byars"]
    assert up[1] == pytest.approx(float(byars_upper(10)))


def test_phe_rate_and_isratio_parity_with_phe_funnel_ratio_data():
    """PHEindicatormethods testdata_funnel_ratio_outputs.csv row Observed_events = 1 at 95 %:
    the exact upper limit of 1 event is 5.571644585 expected events (so 1/5.5716 is the lower ratio)."""
    ratio = calculate_isratio(1, 5.571644585)
    assert float(ratio.upper) == pytest.approx(stats.chi2.ppf(0.975, 4) / 2 / 5.571644585, rel=REL)
    assert float(ratio.upper) == pytest.approx(1.0, rel=REL)  # Fingertips searched to ~1e-7


def test_isratio_smr_and_israte():
    r = phe_smr([8, 120], [6.0, 100.0], refvalue=100)
    assert r.method.tolist() == ["Exact", "Byars"]
    assert r.value.tolist() == pytest.approx([800 / 6, 120.0])
    rate = calculate_israte(120, 100.0, reference_rate=0.002, multiplier=1000)
    assert float(rate.value) == pytest.approx(2.4)
    assert float(rate.lower) == pytest.approx(float(byars_lower(120)) / 100 * 2, rel=REL)
    assert float(expected_events([[100, 200]], [5, 10], [1000, 1000])[0]) == pytest.approx(2.5)


def test_dsr_dobson_by_hand_and_suppressed_below_ten():
    """Hand-derived Dobson limits: DSR + sqrt(var/X) (Byar(X) - X), var = sum(w^2 x/n^2)/sum(w)^2."""
    x = np.array([20.0, 30.0, 50.0])
    n = np.array([10000.0, 8000.0, 5000.0])
    w = np.array([5000.0, 6000.0, 4000.0])
    dsr = (w * x / n).sum() / w.sum()
    var = (w**2 * x / n**2).sum() / w.sum() ** 2
    total = x.sum()
    z = stats.norm.ppf(0.975)
    lo = dsr + math.sqrt(var / total) * (total * (1 - 1 / (9 * total) - z / (3 * math.sqrt(total))) ** 3 - total)
    d = phe_dsr(x, n, w, multiplier=100_000)
    assert float(d.value) == pytest.approx(dsr * 1e5, rel=REL)
    assert float(d.lower) == pytest.approx(lo * 1e5, rel=REL)
    two = phe_dsr([[20, 30, 50], [1, 2, 3]], [n, n], w)
    assert np.isnan(two.value[1]) and np.isnan(two.lower[1]) and two.method[1].startswith("NA")


# Fleiss (1981) Table 14.4 (Stark and Mantell 1966): Down syndrome cases and live births by maternal age (rows:
# under 20, 20-24, 25-29, 30-34, 35-39, 40 and over) for birth order 5+, standardised to the mean births of birth
# orders 1-5 per age band -- the published example of Fay and Feuer (1997) and of the dsrTest and epitools packages.
FLEISS_CASES_B5 = [0, 8, 63, 112, 262, 295]
FLEISS_BIRTHS_B5 = [327, 30666, 123419, 149919, 104088, 34392]
FLEISS_STANDARD = [63986.6, 186263.6, 157302.2, 97647.0, 47572.6, 12262.6]


def test_dsr_matches_the_published_fleiss_example():
    """The DSR per 100,000 is 75.52901 in the dsrTest vignette (dsrTest(Cases, Births, Standard, mult = 1e5)).

    The vignette's interval is the gamma method's (67.70212 to 188.30017); Fingertips and PHEindicatormethods use
    Dobson's: the lower limits agree to 0.1; the gamma upper limit is far higher because a band of 327 births
    with no cases carries a large weight per birth and the gamma method covers such cells conservatively
    (docs/statistics.md). The Dobson limits are
    checked against their closed form on the published DSR and total count."""
    d = phe_dsr(FLEISS_CASES_B5, FLEISS_BIRTHS_B5, FLEISS_STANDARD, multiplier=1e5)
    assert float(d.value) == pytest.approx(75.52901, abs=5e-6)
    assert float(d.total_count) == 740.0 and float(d.total_pop) == sum(FLEISS_BIRTHS_B5)
    total, z = 740.0, stats.norm.ppf(0.975)
    upper_count = (total + 1) * (1 - 1 / (9 * (total + 1)) + z / (3 * math.sqrt(total + 1))) ** 3
    expected_upper = 75.52901 + math.sqrt(float(d.variance) / total) * (upper_count - total) * 1e5
    assert float(d.upper) == pytest.approx(expected_upper, rel=1e-6)
    # the two methods agree on the lower limit (67.63 against 67.70); the gamma upper limit is 188.30, Dobson's 83.87
    assert float(d.lower) == pytest.approx(67.70212, abs=0.1) and float(d.upper) < 188.30017 / 2


def test_standardised_ratios_and_rates_carry_observed_expected_and_reference_rate():
    """PHEindicatormethods calculate_ISRatio / calculate_ISRate (type = "full") return observed, expected and, for
    the rate, ref_rate = sum(x_ref) / sum(n_ref) x multiplier; ratio row from testdata_funnel_ratio_inputs.csv."""
    ratio = calculate_isratio([8, 151], [6.239860227, 106.4429719], refvalue=100)
    assert ratio.observed.tolist() == [8, 151] and ratio.expected.tolist() == [6.239860227, 106.4429719]
    assert ratio.ref_rate is None
    frame = ratio.to_frame()
    assert frame.columns.tolist() == ["observed", "expected", "value", "lowercl", "uppercl", "confidence", "method"]
    assert frame["value"].iloc[0] == pytest.approx(128.208, abs=5e-4)
    x_ref, n_ref = np.array([30.0, 90.0]), np.array([20000.0, 40000.0])
    rate = calculate_israte(120, 100.0, reference_rate=x_ref.sum() / n_ref.sum(), multiplier=1000)
    assert rate.ref_rate == pytest.approx(2.0) and float(rate.value) == pytest.approx(120 / 100 * 2.0)
    assert rate.to_frame().columns.tolist()[:3] == ["observed", "expected", "ref_rate"]
    assert rate.to_frame()["ref_rate"].iloc[0] == pytest.approx(2.0)


def test_dsr_carries_total_count_population_and_variance():
    """calculate_dsr's total_count and total_pop (given even when the DSR is not, below 10 events) and its vardsr;
    the Dobson limits are rebuilt from exactly these three numbers."""
    x = np.array([20.0, 30.0, 50.0])
    n = np.array([10000.0, 8000.0, 5000.0])
    w = np.array([5000.0, 6000.0, 4000.0])
    d = phe_dsr(x, n, w, multiplier=100_000)
    assert float(d.total_count) == 100.0 and float(d.total_pop) == 23000.0
    var = (w**2 * x / n**2).sum() / w.sum() ** 2
    assert float(d.variance) == pytest.approx(var, rel=1e-12)
    total = float(d.total_count)
    rebuilt_upper = float(d.value) + math.sqrt(float(d.variance) / total) * (float(byars_upper(total)) - total) * 1e5
    assert float(d.upper) == pytest.approx(rebuilt_upper, rel=REL)
    two = phe_dsr([[20, 30, 50], [1, 2, 3]], [n, n], w)
    assert two.total_count.tolist() == [100.0, 6.0] and two.total_pop.tolist() == [23000.0, 23000.0]
    frame = two.to_frame()
    assert frame.columns.tolist()[:2] == ["total_count", "total_pop"] and frame.columns[-1] == "variance"
    assert np.isnan(frame["value"].iloc[1]) and frame["variance"].iloc[1] > 0


def test_zero_denominator_gives_nan_not_error():
    ci = phe_proportion([5, 0], [10, 0])
    assert np.isnan(ci.value[1]) and np.isnan(ci.lower[1]) and np.isnan(ci.upper[1])
    rate = phe_rate([3, 3], [1000, 0])
    assert np.isnan(rate.value[1]) and not np.isnan(rate.value[0])


def test_proportions_of_zero_and_one():
    ci = phe_proportion([0, 20], [20, 20])
    assert ci.lower[0] == 0.0 and ci.upper[1] == 1.0
    assert 0 < ci.upper[0] < 1 and 0 < ci.lower[1] < 1


def test_missing_values_propagate_and_series_index_is_kept():
    x = pd.Series([1.0, np.nan], index=["a", "b"])
    frame = phe_proportion(x, pd.Series([10, 10], index=["a", "b"])).to_frame()
    assert list(frame.index) == ["a", "b"]
    assert np.isnan(frame.loc["b", "value"])


@pytest.mark.parametrize("bad", [0.7, 14, 125, float("nan")])
def test_invalid_confidence_raises(bad):
    """PHEindicatormethods: confidence must be between 0.9 and 1 or between 90 and 100."""
    with pytest.raises(InvalidConfidenceError):
        phe_proportion(1, 10, bad)


def test_invalid_counts_raise_named_error():
    with pytest.raises(StatsInputError):
        phe_proportion(11, 10)
    with pytest.raises(StatsInputError):
        phe_rate(-1, 10)
    with pytest.raises(StatsInputError):
        phe_dsr([1, 2], [0, 10], [1, 1])


def test_z_values_match_qnorm():
    assert z_value(95) == pytest.approx(1.959963984540054, rel=1e-12)
    assert z_value(0.998) == pytest.approx(3.090232306167813, rel=1e-12)


@settings(max_examples=200, deadline=None)
@given(n=st.integers(1, 100_000), frac=st.floats(0, 1), conf=st.sampled_from([0.95, 0.998]))
def test_property_wilson_contains_estimate_and_stays_in_unit_interval(n, frac, conf):
    x = round(frac * n)
    ci = phe_proportion(x, n, conf)
    assert 0.0 <= float(ci.lower) <= float(ci.value) + 1e-12
    assert float(ci.value) - 1e-12 <= float(ci.upper) <= 1.0


@settings(max_examples=200, deadline=None)
@given(x=st.integers(0, 5000), n=st.integers(1, 10**7))
def test_property_rate_ci_contains_rate_and_998_is_wider(x, n):
    ci95 = phe_rate(x, n, 0.95)
    ci998 = phe_rate(x, n, 0.998)
    assert float(ci95.lower) <= float(ci95.value) <= float(ci95.upper)
    assert float(ci998.lower) <= float(ci95.lower) + 1e-9
    assert float(ci998.upper) >= float(ci95.upper) - 1e-9


def test_wilson_limits_are_exact_at_the_boundaries():
    """x = n gives an upper limit of exactly 1 and x = 0 a lower limit of exactly 0, for any n (no rounding step
    may make a 100% area look worse than a 100% benchmark)."""
    from data.stats.benchmark import benchmark_proportion
    from data.stats.intervals import wilson_lower, wilson_upper

    n = np.arange(1, 2000, dtype=float)
    assert (wilson_upper(n, n) == 1.0).all() and (wilson_lower(np.zeros_like(n), n) == 0.0).all()
    assert benchmark_proportion(n, n, 1.0, "higher_is_better").eq("Similar").all()
