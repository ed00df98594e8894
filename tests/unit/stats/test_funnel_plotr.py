"""FunnelPlotR parity (nhs-r-community/FunnelPlotR v0.6.0 tests), edge cases and properties."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from data.stats.errors import InsufficientDataError, StatsInputError
from data.stats.funnel import (
    Z95,
    Z998,
    fingertips_funnel_significance,
    flag_outliers,
    funnel_plot,
    funnel_rate_sr,
)

pytestmark = pytest.mark.unit

REL = 1e-6
DATA = Path(__file__).parent / "data"
NUM = [100, 150, 180, 80, 120, 225]
DEN = [108, 112, 165, 95, 100, 220]
GROUPS = ["a", "b", "c", "d", "e", "f"]


def test_phi_matches_funnelplotr_classes_methods_test():
    """FunnelPlotR tests/testthat/test-classes_methods.R: round(phi(a), 6) == 2.948033 (SR, SHMI)."""
    fp = funnel_plot(NUM, DEN, GROUPS)
    assert round(fp.phi, 6) == 2.948033
    assert fp.adjusted and fp.tau2 > 0
    assert fp.n_units == 6 and fp.n_dispersion == 6  # 6 units: none truncated at 10 %


def test_aggregation_matches_funnelplotr_aggregate_test():
    """FunnelPlotR tests/testthat/test-aggregate_fun.R: rr == 1.069652, 1.071795, 1.022727."""
    fp = funnel_plot([100, 150, 180, 89, 120, 225], [102, 135, 165, 95, 100, 220],
                     ["a", "a", "a", "b", "b", "c"], shmi_rounding=False)
    assert fp.units["value"].round(6).tolist() == [1.069652, 1.071795, 1.022727]


def test_unadjusted_sr_limits_match_funnelplotr_poisson_limits_test():
    """FunnelPlotR tests/testthat/test-poisson_limits.R: calculate_limits(number_seq = 15, 20, 30,
    target = 1, draw_adjusted = FALSE) -> ll95, ul95, ll99(8), ul99(8)."""
    fp = funnel_plot([15, 20, 31], [15, 20, 30], od_adjust=False)
    u = fp.units
    np.testing.assert_allclose(u["unadj_lcl95"], [0.5596924, 0.6108260, 0.6746958], rtol=REL)
    np.testing.assert_allclose(u["unadj_ucl95"], [1.649348, 1.544419, 1.427562], rtol=REL)
    np.testing.assert_allclose(u["unadj_lcl998"], [0.3862650, 0.4479107, 0.5289724], rtol=REL)
    np.testing.assert_allclose(u["unadj_ucl998"], [2.082907, 1.902094, 1.702771], rtol=REL)
    assert not fp.adjusted
    np.testing.assert_array_equal(u["lcl95"], u["unadj_lcl95"])


def test_funnelplotr_funnel_plot_test_unadjusted_lcl_above_adjusted():
    """FunnelPlotR tests/testthat/test-funnel_plot.R: expect_gt(b$LCL95[5], a$OD95LCL[5]) where
    b = unadjusted, multiplier 100, limit 95 and a = default SHMI overdispersed."""
    a = funnel_plot(NUM, DEN, GROUPS)
    b = funnel_plot(NUM, DEN, GROUPS, od_adjust=False, multiplier=100, limit=95)
    assert b.units["unadj_lcl95"].iloc[4] > 100 * a.units["od_lcl95"].iloc[4]
    # the SHMI adjusted limit itself: exp(-z sqrt(1/E + tau2))
    assert a.units["od_lcl95"].iloc[4] == pytest.approx(math.exp(-Z95 * math.sqrt(1 / 100 + a.tau2)), rel=1e-12)


def test_cqc_limits_and_funnelplotr_sqrt_scale_comparison():
    """FunnelPlotR tests/testthat/test-funnel_plot.R: expect_lt(b$OD95LCL[5], c$OD95LCL[5]) with
    c = CQC, trim_by 0.05, multiplier 100. FunnelPlotR 0.6.0 reports CQC adjusted limits on the
    square-root scale (1 - z sqrt(s^2 + tau2)); we square them back to the ratio scale, so the
    FunnelPlotR number is 100 * sqrt(our limit). tau2 is checked against a hand computation."""
    c = funnel_plot(NUM, DEN, GROUPS, sr_method="CQC", trim_by=0.05, multiplier=100, limit=95)
    # hand-derived CQC: z = 2 sqrt(E)(sqrt(O/E) - 1), Winsorised at 5 %/95 % (R type-7 quantiles)
    o, e = np.array(NUM, float), np.array(DEN, float)
    z = 2 * np.sqrt(e) * (np.sqrt(o / e) - 1)
    lz, uz = np.quantile(z, [0.05, 0.95])
    phi = np.mean(np.clip(z, lz, uz) ** 2)
    w = 4 * e
    tau2 = (6 * phi - 5) / (w.sum() - (w**2).sum() / w.sum())
    assert c.phi == pytest.approx(phi, rel=1e-12) and c.tau2 == pytest.approx(tau2, rel=1e-12)
    funnelplotr_c_od95lcl = 100 * (1 - Z95 * math.sqrt(1 / 400 + tau2))
    assert 100 * math.sqrt(c.units["od_lcl95"].iloc[4] / 100) == pytest.approx(funnelplotr_c_od95lcl, rel=REL)
    b_od95lcl = 100 * math.exp(-Z95 * math.sqrt(1 / 100))  # b: tau2 set to 0 when not adjusting
    assert b_od95lcl < funnelplotr_c_od95lcl


def test_outlier_flags_match_funnelplotr_outliers_test():
    """FunnelPlotR tests/testthat/test-outliers_func.R (limits and expected flags copied)."""
    rr = np.array([1, 0.95, 1.05, 0.8, 1.2, 0.6, 1.4, 0.4, 1.6, 0])
    assert flag_outliers(rr, 0.9, 1.1)[0].astype(int).tolist() == [0, 0, 0, 1, 1, 1, 1, 1, 1, 1]
    assert flag_outliers(rr, 0.79, 1.21)[0].astype(int).tolist() == [0, 0, 0, 0, 0, 1, 1, 1, 1, 1]
    assert flag_outliers(rr, 0.59, 1.41)[0].astype(int).tolist() == [0, 0, 0, 0, 0, 0, 0, 1, 1, 1]
    assert flag_outliers(rr, 0.38, 1.62)[0].astype(int).tolist() == [0, 0, 0, 0, 0, 0, 0, 0, 0, 1]
    # multiplier 100 applied to the values but not to the limits -> everything is out
    assert flag_outliers(rr * 100, 0.9, 1.1)[0].all()


def test_value_exactly_on_limit_is_not_an_outlier():
    flag, distance = flag_outliers([1.1, 0.9, 1.1000001], 0.9, 1.1)
    assert flag.tolist() == [False, False, True]
    assert distance[0] == 0 and distance[2] > 0


def test_constants_are_qnorm():
    """FunnelPlotR writes qnorm(0.975) and qnorm(0.999) as 1.959964 and 3.090232."""
    assert abs(Z95 - 1.959964) < 5e-7
    assert abs(Z998 - 3.090232) < 5e-7


def test_pr_limits_stay_in_unit_interval_and_target_is_pooled():
    """FunnelPlotR tests/testthat/test-build_limits_lookup.R (PR, target 0.5): ul95[1] < 1, ll95[1] > 0
    at the smallest denominator of the grid (3)."""
    fp = funnel_plot([2, 5, 10, 50], [4, 10, 20, 100], data_type="PR")
    assert fp.target == pytest.approx(0.5)
    first = fp.limits.iloc[0]
    assert first["denominator"] == 3.0
    assert first["unadj_lcl95"] > 0
    assert first["unadj_ucl95"] < 1
    assert (fp.limits[["lcl998", "ucl998"]].to_numpy() >= 0).all()
    assert (fp.limits[["lcl998", "ucl998"]].to_numpy() <= 1).all()


def test_sr_cqc_adjusted_limits_bracket_one_at_small_expected():
    """FunnelPlotR test-build_limits_lookup.R (SR, CQC, tau2 0.02, multiplier 100): ll95[1] < 100 < ul95[1]."""
    fp = funnel_plot(NUM, DEN, GROUPS, sr_method="CQC", multiplier=100)
    first = fp.limits.iloc[0]
    assert first["lcl95"] < 100 < first["ucl95"]


def test_phi_at_most_one_uses_unadjusted_limits():
    fp = funnel_plot([100, 101, 99, 100, 100], [100, 100, 100, 100, 100])
    assert fp.phi <= 1 and not fp.adjusted
    np.testing.assert_array_equal(fp.units["ucl998"], fp.units["unadj_ucl998"])


def test_switch_turns_adjustment_off():
    fp = funnel_plot(NUM, DEN, GROUPS, od_adjust=False)
    assert not fp.adjusted and fp.phi > 1
    np.testing.assert_array_equal(fp.units["lcl95"], fp.units["unadj_lcl95"])


def test_fewer_than_two_units_raises():
    with pytest.raises(InsufficientDataError):
        funnel_plot([5], [4])
    with pytest.raises(InsufficientDataError):
        funnel_plot([5, 3], [4, 0])  # one unit left after excluding the zero denominator


def test_zero_denominators_and_missing_values_are_excluded_with_reason():
    fp = funnel_plot([10, 12, 9, 3, np.nan], [10, 11, 10, 0, 5], ["a", "b", "c", "d", "e"])
    assert fp.excluded["unit"].tolist() == ["d", "e"]
    assert fp.excluded["reason"].tolist() == ["zero denominator", "missing value"]
    assert fp.units["unit"].tolist() == ["a", "b", "c"]


def test_bad_inputs_raise_named_errors():
    with pytest.raises(StatsInputError):
        funnel_plot([5, 12], [10, 10], data_type="PR", limit=90)
    with pytest.raises(StatsInputError):
        funnel_plot([11, 3], [10, 10], data_type="PR")
    with pytest.raises(StatsInputError):
        funnel_plot([-1, 3], [10, 10])


def test_proportions_of_zero_and_one_are_handled():
    fp = funnel_plot([0, 50, 100, 40], [100, 100, 100, 100], data_type="PR", od_adjust=False)
    assert fp.units["direction"].tolist()[0] == "low" and fp.units["direction"].tolist()[2] == "high"
    assert np.isfinite(fp.phi)


def test_zero_events_on_shmi_log_scale_get_the_exact_poisson_z():
    """log(0/E) is -inf (FunnelPlotR issue #17, open): a zero's z is the normal deviate of P(O=0|E) = exp(-E),
    capped at 0, so it is finite, enters the truncation and phi, and |z| > 1.96 exactly when the exact test says low."""
    fp = funnel_plot([0, 10, 12, 9, 11, 10, 8, 13, 9, 10, 11], [5, 10, 11, 10, 10, 9, 10, 12, 10, 11, 10])
    assert np.isfinite(fp.phi) and np.isfinite(fp.units["z"]).all()
    assert fp.units["z"].iloc[0] == pytest.approx(stats.norm.ppf(math.exp(-5)), rel=1e-12)  # -2.4709
    assert fp.n_zero == 1 and fp.units["zero"].tolist() == [True] + [False] * 10
    assert fp.n_dispersion == 9  # the zero (lowest) and the highest z truncated, as any other lowest unit


def test_zero_events_with_poisson_limits_are_judged_exactly_as_fingertips_does():
    """With the exact Poisson (unadjusted) limits a zero is low only when exp(-E) is below the tail: E = 1 never,
    E = 5 at 95% only (0.0067), E = 8 at both (0.00034). Fingertips' ratio significance gives the same labels;
    before, every zero was 'low' because 0 is below any positive limit line."""
    obs = [0, 0, 0, 10, 20, 30, 12, 25]
    exp_ = [1.0, 5.0, 8.0, 10.0, 20.0, 30.0, 12.0, 25.0]
    fp = funnel_plot(obs, exp_, od_adjust=False, shmi_rounding=False)
    u = fp.units
    assert u["outlier95"].tolist()[:3] == [False, True, True]
    assert u["outlier998"].tolist()[:3] == [False, False, True]
    assert u["direction"].isna().tolist()[:3] == [True, True, False] and u["direction"].iloc[2] == "low"
    assert u["assessed"].all() and np.isfinite(u["z_adjusted"]).all()
    assert u["z"].iloc[0] == pytest.approx(stats.norm.ppf(math.exp(-1)), rel=1e-12)  # -0.337: unremarkable
    labels = fingertips_funnel_significance(obs[:3], exp_[:3], statistic="ratio").tolist()
    assert labels == ["Not significant", "Low (0.025)", "Low (0.001)"]
    assert fp.n_zero == 3 and fp.n_not_assessed == 0


def test_zero_events_cannot_be_assessed_on_the_adjusted_log_scale():
    """Overdispersion-adjusted SHMI limits are normal on log(O/E): a zero has no place on that scale, so it is
    plotted at 0, not flagged, and counted in n_not_assessed with a note (before: z = -inf and always 'low')."""
    obs = [0, 100, 150, 180, 80, 120, 225, 60]
    exp_ = [20.0, 108, 112, 165, 95, 100, 220, 90]
    fp = funnel_plot(obs, exp_)
    u = fp.units
    assert fp.adjusted
    assert not u["assessed"].iloc[0] and u["assessed"].iloc[1:].all()
    assert not u["outlier"].iloc[0] and not u["outlier95"].iloc[0] and pd.isna(u["direction"].iloc[0])
    assert np.isnan(u["z_adjusted"].iloc[0]) and np.isfinite(u["z"]).all()
    assert fp.n_zero == 1 and fp.n_not_assessed == 1


def test_zero_events_on_the_cqc_square_root_scale_are_ordinary_points():
    """sqrt(0) is fine: z = 2 sqrt(E)(0 - 1), finite (FunnelPlotR's own transform), judged by the adjusted limits."""
    obs = [0, 100, 150, 180, 80, 120, 225, 60]
    exp_ = [20.0, 108, 112, 165, 95, 100, 220, 90]
    fp = funnel_plot(obs, exp_, sr_method="CQC")
    assert fp.adjusted and fp.n_not_assessed == 0
    assert fp.units["z"].iloc[0] == pytest.approx(-2 * math.sqrt(20), rel=1e-12)
    assert fp.units["outlier"].iloc[0]  # 0 is below the squared lower limit (1 - z sqrt(1/80 + tau2))^2 > 0


def test_proportion_of_zero_in_a_tiny_unit_is_not_flagged_thanks_to_the_clamp():
    """PR limits clamp the arcsine angle to [0, pi/2]. FunnelPlotR's sin(asin(sqrt(p)) - z s)^2 folds back up when
    the angle goes negative: at n = 1, p = 0.5 its 95% lower limit is 0.0376, so 0 of 1 would be 'low' though
    P(0 of 1) = 0.5; the clamp gives 0 and no flag."""
    fp = funnel_plot([0, 50, 48, 52], [1, 100, 100, 100], data_type="PR", od_adjust=False)
    assert fp.units["unadj_lcl95"].iloc[0] == 0.0 and not fp.units["outlier95"].iloc[0]
    target = fp.target
    funnelplotr_ll95 = math.sin(math.asin(math.sqrt(target)) - 1.959964 * math.sqrt(1 / 4)) ** 2
    assert funnelplotr_ll95 == pytest.approx(0.0376, abs=5e-4)


def test_winsorised_z_scores_and_cut_points_are_returned():
    """FunnelPlotR's Wuzscore and its cut points lz/uz (R type-7 quantiles) for CQC Winsorisation."""
    fp = funnel_plot(NUM, DEN, GROUPS, sr_method="CQC", trim_by=0.05)
    z = fp.units["z"].to_numpy()
    lz, uz = np.quantile(z, [0.05, 0.95])
    assert (fp.trim_lower, fp.trim_upper) == pytest.approx((lz, uz), rel=1e-12)
    np.testing.assert_allclose(fp.units["z_winsorised"], np.clip(z, lz, uz), rtol=1e-12)
    assert fp.phi == pytest.approx(np.mean(fp.units["z_winsorised"] ** 2), rel=1e-12)


def test_truncated_z_scores_are_nan_and_cut_points_are_the_range_kept():
    """SHMI truncation (FunnelPlotR ``truncation``): with 11 units and trim 0.1 the lowest and highest rank are
    dropped (rank group 0 and k - 1 = 9)."""
    obs = [80, 95, 100, 104, 110, 99, 120, 130, 90, 101, 150]
    fp = funnel_plot(obs, [100.0] * 11)
    z = fp.units["z"].to_numpy()
    wz = fp.units["z_winsorised"].to_numpy()
    assert np.isnan(wz[[0, 10]]).all() and np.isfinite(np.delete(wz, [0, 10])).all()
    assert fp.trim_lower == pytest.approx(np.sort(z)[1]) and fp.trim_upper == pytest.approx(np.sort(z)[-2])
    assert fp.n_dispersion == 9


def test_rate_sr_against_pooled_rate():
    events = np.array([30, 45, 25, 60, 41, 80, 12, 33])
    pop = np.array([10000, 12000, 9000, 15000, 11000, 14000, 8000, 10000])
    fr = funnel_rate_sr(events, pop, per=1000)
    pooled = events.sum() / pop.sum()
    np.testing.assert_allclose(fr.units["denominator"], pop * pooled)
    np.testing.assert_allclose(fr.units["rate"], events / pop * 1000)
    np.testing.assert_allclose(fr.units["rate_ucl95"], fr.units["ucl95"] * pooled * 1000)
    assert (fr.units["rate_lcl998"] <= fr.units["rate_lcl95"]).all()


@settings(max_examples=60, deadline=None)
@given(
    data=st.lists(st.tuples(st.integers(1, 400), st.floats(5, 500)), min_size=3, max_size=40),
    dtype=st.sampled_from(["SR", "PR", "RC"]),
    method=st.sampled_from(["SHMI", "CQC"]),
)
def test_property_limits_widen_as_denominators_shrink(data, dtype, method):
    num = np.array([d[0] for d in data], float)
    den = np.array([d[1] for d in data], float)
    if dtype == "PR":
        den = np.maximum(den, num)
    fp = funnel_plot(num, den, data_type=dtype, sr_method=method)
    curve = fp.limits
    width = (curve["ucl95"] - curve["lcl95"]).to_numpy()
    assert (np.diff(width) <= 1e-9).all()
    assert (curve["lcl998"] <= curve["lcl95"] + 1e-12).all() and (curve["ucl998"] >= curve["ucl95"] - 1e-12).all()


@settings(max_examples=60, deadline=None)
@given(
    data=st.lists(st.tuples(st.integers(1, 400), st.floats(5, 500)), min_size=3, max_size=40),
    dtype=st.sampled_from(["PR", "RC"]),
)
def test_property_adjusted_limits_contain_unadjusted_when_tau2_positive(data, dtype):
    """PR and RC: unadjusted limits are the same transformed-normal family with tau2 = 0."""
    num = np.array([d[0] for d in data], float)
    den = np.array([d[1] for d in data], float)
    if dtype == "PR":
        den = np.maximum(den, num)
    fp = funnel_plot(num, den, data_type=dtype)
    u = fp.units
    for k in ("95", "998"):
        assert (u[f"od_lcl{k}"] <= u[f"unadj_lcl{k}"] + 1e-12).all()
        assert (u[f"od_ucl{k}"] >= u[f"unadj_ucl{k}"] - 1e-12).all()
    if fp.tau2 > 0:
        assert (u["od_ucl95"] - u["od_lcl95"] > u["unadj_ucl95"] - u["unadj_lcl95"]).any()


@settings(max_examples=60, deadline=None)
@given(
    data=st.lists(st.tuples(st.integers(1, 400), st.floats(5, 500)), min_size=3, max_size=40),
)
def test_property_shmi_adjusted_limits_contain_the_tau2_free_ones(data):
    num = np.array([d[0] for d in data], float)
    den = np.array([d[1] for d in data], float)
    fp = funnel_plot(num, den, shmi_rounding=False)
    e = fp.units["denominator"].to_numpy()
    assert (fp.units["od_ucl998"].to_numpy() >= np.exp(Z998 / np.sqrt(e)) - 1e-12).all()
    assert (fp.units["od_lcl998"].to_numpy() <= np.exp(-Z998 / np.sqrt(e)) + 1e-12).all()


def test_cqc_ratio_scale_limits_flag_fewer_units_than_funnelplotr_sqrt_scale_ones():
    """docs/statistics.md: on the parity example (CQC, trim 5 %, x100, 95 %) FunnelPlotR's square-root-scale limits
    compared with the ratio would flag b (133.9) and e (120.0) high; the squared ones flag none."""
    c = funnel_plot(NUM, DEN, GROUPS, sr_method="CQC", trim_by=0.05, multiplier=100, limit=95)
    s2 = 1 / (4 * np.array(DEN, float))
    funnelplotr_ucl = 100 * (1 + Z95 * np.sqrt(s2 + c.tau2))
    funnelplotr_lcl = 100 * (1 - Z95 * np.sqrt(s2 + c.tau2))
    value = c.units["value"].to_numpy()
    inside = (funnelplotr_lcl <= value) & (value <= funnelplotr_ucl)
    assert [g for g, ok in zip(GROUPS, inside, strict=True) if not ok] == ["b", "e"]
    assert not c.units["outlier95"].any()


def test_pr_clamp_keeps_a_full_proportion_inside_where_funnelplotr_folds_back():
    """At p = 0.9 and n = 5 FunnelPlotR's upper angle passes pi/2 and sin^2 folds back to 0.986, so 5 of 5 would be
    'high' (P = 0.9^5 = 0.59); the clamped limit is 1."""
    fp = funnel_plot([5, 90, 180, 85], [5, 100, 200, 95], data_type="PR", od_adjust=False)
    angle = math.asin(math.sqrt(fp.target)) + 1.959964 * math.sqrt(1 / 20)
    assert angle > math.pi / 2 and math.sin(angle) ** 2 < 1
    assert fp.units["unadj_ucl95"].iloc[0] == 1.0 and not fp.units["outlier95"].iloc[0]


def test_zero_count_z_is_zero_where_no_events_is_the_likely_outcome():
    """exp(-E) >= 0.5 when E <= ln 2: a zero is then not even below the centre, so its z is 0, not positive."""
    fp = funnel_plot([0, 1, 2, 1, 0], [0.5, 1.0, 1.5, 1.2, 3.0], od_adjust=False, shmi_rounding=False)
    assert fp.units["z"].iloc[0] == 0.0
    assert fp.units["z"].iloc[4] == pytest.approx(stats.norm.ppf(math.exp(-3)), rel=1e-12)
    assert not fp.units["outlier95"].any()



def test_zero_counts_match_phe_published_significance():
    """PHEindicatormethods testdata: 0 observed against 240.6 expected is "Low (0.001)"
    (testdata_funnel_ratio_inputs.csv), and a crude rate of 0 in 297,820 people is "Low (0.001)"
    (testdata_funnel_rate_dsr_inputs.csv, crude_per_100000_with_0). The exact Poisson funnel calls both low at
    99.8 % (before, any zero was low whatever its expected count, so this alone could not tell the fix apart:
    the small-E cases above do)."""
    ratio = pd.read_csv(DATA / "phe_funnel_ratio_inputs.csv")
    fp = funnel_plot(ratio["obs"], ratio["expected"], od_adjust=False, shmi_rounding=False)
    zero = fp.units[fp.units["numerator"] == 0]
    published = ratio.loc[ratio["obs"] == 0, "significance"].tolist()
    assert published == ["Low (0.001)"] and zero["outlier998"].all() and (zero["direction"] == "low").all()
    assert np.isfinite(fp.units["z"]).all()
    rates = pd.read_csv(DATA / "phe_funnel_rate_dsr_inputs.csv")
    fr = funnel_rate_sr(rates["count"], rates["pop"], per=100_000, od_adjust=False)
    zero = fr.units[fr.units["numerator"] == 0]
    assert rates.loc[rates["count"] == 0, "crude_per_100000_with_0"].tolist() == ["Low (0.001)"]
    assert len(zero) == 1 and zero["outlier998"].all()


def test_the_written_out_normal_quantiles_are_scipys() -> None:
    from scipy import stats

    assert float(stats.norm.ppf(0.975)) == Z95
    assert float(stats.norm.ppf(0.999)) == Z998
