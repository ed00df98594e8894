"""Parity of ``data.stats.spc`` with the published expectations of NHSRplotthedots.

Every test cites the NHSRplotthedots file (https://github.com/nhs-r-community/NHSRplotthedots)
whose expectation it reproduces. Figures are facts taken from those files; the code under test
is our own implementation of the documented method.

Many plotthedots tests build their data with ``set.seed(123); rnorm(...)``. R's generator is
reproduced below (``RNormR``) and checked against the values the snapshots print, so those
vectors are used exactly rather than re-typed.

Not reproducible here: the integration tests and vignettes (``test-integration_tests.R``,
``vignettes/intro.Rmd``, ``vignettes/deviations.Rmd`` rebasing example, README) use
``NHSRdatasets::ae_attendances``, which is only distributed as binary ``.rda`` data, and their
expectations are SVG/PNG snapshots rather than numbers.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy.special import ndtri

from data.stats.errors import StatsInputError
from data.stats.spc import (
    _SC_TYPES,
    AssuranceIcon,
    ImprovementDirection,
    VariationIcon,
    _one_side_ends,
    _part_of_run,
    _special_cause_codes,
    _trend_ends,
    _two_in_three_windows,
    assurance_type,
    short_group_message,
    spc,
)

pytestmark = pytest.mark.unit

REL = 1e-6


class RNormR:
    """R's default RNG (``set.seed`` + Mersenne-Twister + Inversion normals), for R test fixtures.

    ``set.seed(s)``: the seed is scrambled by 50 steps of the LCG ``s = 69069 s + 1 (mod 2^32)``,
    the next 625 LCG values fill the MT state (the first is the position, reset to 624), and
    uniforms are 32-bit MT19937 outputs × 2.3283064365386963e-10. ``rnorm`` uses inversion with
    two uniforms: ``u = floor(2^27 u1) + u2``; ``qnorm(u / 2^27)``.
    """

    def __init__(self, seed: int) -> None:
        s = seed & 0xFFFFFFFF
        for _ in range(50):
            s = (69069 * s + 1) & 0xFFFFFFFF
        state = []
        for _ in range(625):
            s = (69069 * s + 1) & 0xFFFFFFFF
            state.append(s)
        self._bits = np.random.MT19937(0)
        self._bits.state = {
            "bit_generator": "MT19937",
            "state": {"key": np.array(state[1:], dtype=np.uint32), "pos": 624},
        }

    def _unif(self) -> float:
        u = float(self._bits.random_raw()) * 2.3283064365386963e-10
        return min(max(u, 0.5 * 2.328306437080797e-10), 1.0 - 0.5 * 2.328306437080797e-10)

    def rnorm(self, n: int, mean: float = 0.0) -> np.ndarray:
        big = 134217728.0
        out = np.empty(n)
        for i in range(n):
            u = math.floor(big * self._unif()) + self._unif()
            out[i] = mean + float(ndtri(u / big))
        return out


def assert_printed(value: float, printed: str) -> None:
    """``value`` rounds to the figure R printed (tolerance: half a unit in the last printed digit)."""
    decimals = len(printed.split(".")[1]) if "." in printed else 0
    assert abs(value - float(printed)) <= 0.5 * 10.0**-decimals + 1e-12, (value, printed)


def dates(n: int, start: str = "2020-01-02") -> pd.DatetimeIndex:
    # plotthedots tests use x = as.Date("2020-01-01") + 1:n
    return pd.date_range(start, periods=n, freq="D")


@pytest.fixture(scope="module")
def rnorm20() -> np.ndarray:
    return RNormR(123).rnorm(20)


# --- the R fixture itself ---------------------------------------------------------------


def test_r_generator_reproduces_published_rnorm_values(rnorm20: np.ndarray) -> None:
    # tests/testthat/_snaps/ptd_spc_standard.md (glimpse of y): -0.56047565, -0.23017749, 1.55870831, 0.07050839
    for value, printed in zip(rnorm20[:4], ["-0.56047565", "-0.23017749", "1.55870831", "0.07050839"], strict=True):
        assert_printed(value, printed)
    # tests/testthat/_snaps/spcStandard.md (y column, 3 significant figures, all 20 values)
    printed = (
        "-0.560 -0.230 1.56 0.0705 0.129 1.72 0.461 -1.27 -0.687 -0.446 "
        "1.22 0.360 0.401 0.111 -0.556 1.79 0.498 -1.97 0.701 -0.473"
    )
    for value, p in zip(rnorm20, printed.split(), strict=True):
        assert_printed(value, p)


# --- ptd_spc_standard: mean, limits, screening ------------------------------------------


def test_mean_and_limits_rnorm20(rnorm20: np.ndarray) -> None:
    # tests/testthat/test-ptd_spc_standard.R "it returns expected values" (r1), values from
    # tests/testthat/_snaps/ptd_spc_standard.md: mean_col 0.1416238, lpl -3.01138, upl 3.294627
    d = spc(rnorm20, dates(20)).data
    assert d["mean"].to_numpy() == pytest.approx(np.full(20, 0.1416238), rel=REL)
    assert d["lpl"].to_numpy() == pytest.approx(np.full(20, -3.01138), rel=REL)
    assert d["upl"].to_numpy() == pytest.approx(np.full(20, 3.294627), rel=REL)
    # relative_to_mean as printed: -1, -1, 1, -1, -1, 1, 1, -1, -1, -1, 1, 1, 1, -1, -1
    assert d["relative_to_mean"].tolist()[:15] == [-1, -1, 1, -1, -1, 1, 1, -1, -1, -1, 1, 1, 1, -1, -1]
    # outside_limits / close_to_limits printed FALSE for the first 7 rows
    assert not d["outside_limits"].iloc[:7].any()
    assert not d["close_to_limits"].iloc[:7].any()


def test_screened_limits_with_outlier(rnorm20: np.ndarray) -> None:
    # tests/testthat/test-ptd_spc_standard.R (r2: data$y[15] <- 10, screen_outliers = TRUE);
    # tests/testthat/_snaps/ptd_spc_standard.md: mean_col 0.6694159, lpl -2.383666, upl 3.722497
    y = rnorm20.copy()
    y[14] = 10
    d = spc(y, dates(20)).data
    assert d["mean"].iloc[0] == pytest.approx(0.6694159, rel=REL)
    assert d["lpl"].iloc[0] == pytest.approx(-2.383666, rel=REL)
    assert d["upl"].iloc[0] == pytest.approx(3.722497, rel=REL)
    # relative_to_mean as printed: -1, -1, 1, -1, -1, 1, -1, -1, -1, -1, 1, -1, -1, -1
    assert d["relative_to_mean"].tolist()[:14] == [-1, -1, 1, -1, -1, 1, -1, -1, -1, -1, 1, -1, -1, -1]
    assert not d["outside_limits"].iloc[:7].any()
    assert not d["close_to_limits"].iloc[:7].any()


def test_unscreened_limits_with_outlier(rnorm20: np.ndarray) -> None:
    # tests/testthat/test-ptd_spc_standard.R (r3: screen_outliers = FALSE);
    # tests/testthat/_snaps/ptd_spc_standard.md: mean_col 0.6694159, lpl -4.596625, upl 5.935457
    y = rnorm20.copy()
    y[14] = 10
    d = spc(y, dates(20), screen_outliers=False).data
    assert d["mean"].iloc[0] == pytest.approx(0.6694159, rel=REL)
    assert d["lpl"].iloc[0] == pytest.approx(-4.596625, rel=REL)
    assert d["upl"].iloc[0] == pytest.approx(5.935457, rel=REL)


def test_screening_changes_limits_and_unscreened_range_is_wider(rnorm20: np.ndarray) -> None:
    # tests/testthat/test-ptd_spc_standard.R: r1, r2, r3 limits all differ; r3 range > r2 range
    y = rnorm20.copy()
    y[14] = 10
    r1 = spc(rnorm20, dates(20)).data.iloc[0]
    r2 = spc(y, dates(20)).data.iloc[0]
    r3 = spc(y, dates(20), screen_outliers=False).data.iloc[0]
    assert len({r1.lpl, r2.lpl, r3.lpl}) == 3
    assert len({r1.upl, r2.upl, r3.upl}) == 3
    assert r3.upl - r3.lpl > r2.upl - r2.lpl


def test_moving_ranges_rnorm20(rnorm20: np.ndarray) -> None:
    # tests/testthat/_snaps/spcStandard.md (movingrange column, 3 significant figures)
    printed = "0.330 1.79 1.49 0.0588 1.59 1.25 1.73 0.578 0.241 1.67 0.864 0.0410 0.290 0.667 2.34 1.29 2.46 2.67 1.17"
    mr = spc(rnorm20, dates(20)).data["moving_range"].to_numpy()
    assert np.isnan(mr[0])
    for value, p in zip(mr[1:], printed.split(), strict=True):
        assert_printed(value, p)


def test_rebase_group_after_ten_points(rnorm20: np.ndarray) -> None:
    # tests/testthat/test-ptd_spc_standard.R "it sets the rebase_group field":
    # no rebase -> all 0; rebase flag on the 11th row -> c(rep(0, 10), rep(1, 10))
    x = dates(20)
    assert spc(rnorm20, x).data["rebase_group"].tolist() == [0] * 20
    assert spc(rnorm20, x, rebase=[x[10]]).data["rebase_group"].tolist() == [0] * 10 + [1] * 10


def test_fix_after_12_points_changes_limits(rnorm20: np.ndarray) -> None:
    # tests/testthat/test-ptd_spc_standard.R "setting fix_after_n_points changes the calculations"
    s0 = spc(rnorm20, dates(20)).data.iloc[0]
    s1 = spc(rnorm20, dates(20), fix_after_n_points=12).data.iloc[0]
    assert s1.lpl != s0.lpl
    assert s1.upl != s0.upl


def test_fix_after_12_points_widens_unscreened_limits(rnorm20: np.ndarray) -> None:
    # tests/testthat/test-spcStandard.R (v0.0.x, before screening existed) "setting fixAfterNPoints
    # changes the calculations": data.frame(x = 1:20, y = rnorm(20)) with spcOptions("x", "y"), i.e.
    # value field x (1:20) charted against "dates" y; with fixAfterNPoints = 12 the moving-range
    # average is larger, lpl lower and upl higher.
    values = np.arange(1.0, 21.0)
    s0 = spc(values, rnorm20, screen_outliers=False).data.iloc[0]
    s1 = spc(values, rnorm20, screen_outliers=False, fix_after_n_points=12).data.iloc[0]
    assert s1.average_moving_range > s0.average_moving_range
    assert s1.lpl < s0.lpl
    assert s1.upl > s0.upl


def test_two_in_three_needs_same_side_of_mean() -> None:
    # tests/testthat/test-ptd_spc_standard.R "it only reports special cause for 2of3 points close to
    # limits when they are on the same side of the mean" (issue #143)
    y = np.tile([1.0, -1.0], 8)
    y[14], y[15] = 5.5, -5.5
    d = spc(y, dates(16)).data
    assert d["close_to_limits"].iloc[-2:].all()  # both are beyond 2 sigma ...
    assert d["point_type"].iloc[-2:].tolist() == ["common_cause", "common_cause"]  # ... but opposite sides


# --- summary() snapshot -----------------------------------------------------------------


def test_summary_values(rnorm20: np.ndarray) -> None:
    # tests/testthat/test-ptd_spc.R "it outputs expected content", tests/testthat/_snaps/ptd_spc.md:
    # mean_col 0.142, lpl -3.01, upl 3.29, n 20, common_cause 20, special_cause_improvement 0
    s = spc(rnorm20, dates(20)).summary
    assert_printed(s.mean, "0.142")
    assert_printed(s.lpl, "-3.01")
    assert_printed(s.upl, "3.29")
    assert s.n_points == 20
    assert s.n_common_cause == 20
    assert s.n_special_cause_improvement == 0
    # same snapshot with target = 0.5 and with rebase = as.Date("2020-01-01") (before the data): unchanged
    for result in (spc(rnorm20, dates(20), target=0.5), spc(rnorm20, dates(20), rebase=["2020-01-01"])):
        assert_printed(result.summary.mean, "0.142")
        assert_printed(result.summary.lpl, "-3.01")
        assert_printed(result.summary.upl, "3.29")
        assert result.data["rebase_group"].eq(0).all()


def test_summary_values_per_facet(rnorm20: np.ndarray) -> None:
    # tests/testthat/_snaps/ptd_spc.md, facet = rep(c(0, 1), each = 10):
    # f 0: mean_col 0.0746, lpl -2.60, upl 2.75, n 10, common_cause 10
    # f 1: mean_col 0.209,  lpl -3.28, upl 3.70, n 10, common_cause 10
    x = dates(20)
    for part, printed in ((slice(0, 10), ("0.0746", "-2.60", "2.75")), (slice(10, 20), ("0.209", "-3.28", "3.70"))):
        s = spc(rnorm20[part], x[part]).summary
        assert_printed(s.mean, printed[0])
        assert_printed(s.lpl, printed[1])
        assert_printed(s.upl, printed[2])
        assert (s.n_points, s.n_common_cause, s.n_special_cause_improvement) == (10, 10, 0)


# --- ptd_get_icons ----------------------------------------------------------------------


def test_icons_for_published_scenarios() -> None:
    # tests/testthat/test-geom_ptd_icon.R "ptd_get_icons transforms the data correctly"
    rng = RNormR(123)
    y = rng.rnorm(24)
    x = dates(24)
    facet = np.repeat([0, 1], 12)

    def icons(values: np.ndarray, xx: pd.DatetimeIndex = x, **kw: object) -> tuple[object, object]:
        s = spc(values, xx, **kw).summary  # type: ignore[arg-type]
        return s.variation_icon, s.assurance_icon

    assert icons(y) == (VariationIcon.COMMON_CAUSE, None)  # s1
    assert icons(y, target=0.5) == (VariationIcon.COMMON_CAUSE, AssuranceIcon.INCONSISTENT)  # s2
    for f in (0, 1):  # s3, s4 (facet = "f")
        part = facet == f
        assert icons(y[part], x[part]) == (VariationIcon.COMMON_CAUSE, None)
        assert icons(y[part], x[part], target=0.5) == (VariationIcon.COMMON_CAUSE, AssuranceIcon.INCONSISTENT)

    y[facet == 1] = rng.rnorm(12, mean=5)  # d$y[d$f == 1] <- rnorm(12, 5)
    assert icons(y, target=-3) == (VariationIcon.IMPROVEMENT_HIGH, AssuranceIcon.CONSISTENT_PASS)  # s5
    assert icons(y, target=-3, improvement_direction="decrease") == (  # s6
        VariationIcon.CONCERN_HIGH,
        AssuranceIcon.CONSISTENT_FAIL,
    )

    y[facet == 1] = rng.rnorm(12, mean=-5)  # d$y[d$f == 1] <- rnorm(12, -5)
    assert icons(y, target=3) == (VariationIcon.CONCERN_LOW, AssuranceIcon.CONSISTENT_FAIL)  # s7
    assert icons(y, target=3, improvement_direction="decrease") == (  # s8
        VariationIcon.IMPROVEMENT_LOW,
        AssuranceIcon.CONSISTENT_PASS,
    )
    assert icons(y, target=3, improvement_direction="neutral") == (VariationIcon.NEUTRAL_LOW, None)  # s9


# --- ptd_calculate_assurance_type -------------------------------------------------------

# tests/testthat/test-ptd_calculate_assurance_type.R: facets a, b, c with lpl/upl and target 4
LIMITS = {"a": (1.0, 3.0), "b": (5.0, 7.0), "c": (1.0, 5.0)}


@pytest.mark.parametrize(
    ("direction", "expected"),
    [
        ("increase", ["consistent_fail", "consistent_pass", "inconsistent"]),
        ("decrease", ["consistent_pass", "consistent_fail", "inconsistent"]),
        ("neutral", [None, None, None]),
    ],
)
def test_assurance_type_published_cases(direction: str, expected: list[str | None]) -> None:
    got = [assurance_type(lpl, upl, 4.0, direction) for lpl, upl in LIMITS.values()]
    assert [None if g is None else g.value for g in got] == expected


def test_assurance_type_without_target_is_none() -> None:
    # tests/testthat/test-ptd_calculate_assurance_type.R "it returns a column of NA's if there is no target"
    assert assurance_type(1.0, 3.0, None, "increase") is None


def _three_segment_series(levels: list[tuple[float, float]]) -> tuple[np.ndarray, pd.DatetimeIndex, list]:
    """12 points per segment alternating so that mean ± 2.66 × mR-bar equals each (lpl, upl)."""
    y: list[float] = []
    for lpl, upl in levels:
        mean = (lpl + upl) / 2
        half_width = (upl - lpl) / 2  # = 2.66 × mR-bar, and mR-bar = 2 × amplitude
        amp = half_width / 2.66 / 2
        y += [mean + amp if i % 2 else mean - amp for i in range(12)]
    x = dates(len(y))
    return np.array(y), x, [x[12], x[24]]


@pytest.mark.parametrize(
    ("order", "expected"),
    [(["a", "b", "c"], "inconsistent"), (["b", "c", "a"], "consistent_pass"), (["c", "a", "b"], "consistent_fail")],
)
def test_assurance_uses_latest_rebase_segment(order: list[str], expected: str) -> None:
    # tests/testthat/test-ptd_calculate_assurance_type.R "it returns correct values for assurance when
    # rebase" (target 4, improvement_direction "decrease"): only the last segment's limits count
    y, x, rebase = _three_segment_series([LIMITS[k] for k in order])
    res = spc(y, x, rebase=rebase, target=4.0, improvement_direction="decrease")
    assert res.summary.lpl == pytest.approx(LIMITS[order[-1]][0], rel=REL)
    assert res.summary.upl == pytest.approx(LIMITS[order[-1]][1], rel=REL)
    assert res.summary.assurance_icon == AssuranceIcon(expected)


# --- ptd_add_short_group_warnings -------------------------------------------------------

# tests/testthat/test-ptd_add_short_group_warnings.R
WARNING_MESSAGE = (
    "Some groups have 'n < 12' observations. "
    "These have trial limits, which will be revised with each additional observation "
    "until 'n = fix_after_n_points' has been reached."
)


def test_short_group_message_text() -> None:
    assert short_group_message() == WARNING_MESSAGE


def test_warns_when_group_shorter_than_threshold() -> None:
    # "it warns when a group is shorter than the warning_threshold": 11 rows -> warning, all TRUE
    res = spc(np.arange(11.0) % 3)
    assert WARNING_MESSAGE in res.summary.warnings
    assert res.data["short_group_warning"].tolist() == [True] * 11


def test_no_warning_when_group_equals_threshold() -> None:
    # "it does not warn when a group is equal to the warning_threshold": 12 rows -> all FALSE
    res = spc(np.arange(12.0) % 3)
    assert WARNING_MESSAGE not in res.summary.warnings
    assert res.data["short_group_warning"].tolist() == [False] * 12


def test_threshold_can_be_overridden() -> None:
    # "it chooses warning_threshold from options if no value provided": 10 rows, threshold 10 -> no
    # warning; threshold 12 -> warning
    y = np.arange(10.0) % 3
    assert not any("observations" in w for w in spc(y, short_group_threshold=10).summary.warnings)
    assert WARNING_MESSAGE in spc(y, short_group_threshold=12).summary.warnings


def test_short_group_flags_per_rebase_group() -> None:
    # "it handles facets and rebase groups": facet a = groups of 35 and 5 rows (5 flagged);
    # facet b = two groups of 20 (none flagged)
    y = np.arange(40.0) % 5
    x = dates(40)
    a = spc(y, x, rebase=[x[35]])
    assert a.data["short_group_warning"].tolist() == [False] * 35 + [True] * 5
    assert WARNING_MESSAGE in a.summary.warnings
    b = spc(y, x, rebase=[x[20]])
    assert not b.data["short_group_warning"].any()
    assert WARNING_MESSAGE not in b.summary.warnings


# --- ptd_add_rebase_column / options ----------------------------------------------------


def test_rebase_dates_mark_new_groups() -> None:
    # tests/testthat/test-ptd_add_rebase_column.R: dates 2020-01-02..2020-01-11, rebase at
    # 2020-01-03 and 2020-01-08 -> rebase = c(0, 1, 0, 0, 0, 0, 1, 0, 0, 0)
    x = dates(10)
    y = np.arange(10.0)
    assert spc(y, x).data["rebase_group"].tolist() == [0] * 10
    groups = spc(y, x, rebase=pd.to_datetime(["2020-01-03", "2020-01-08"])).data["rebase_group"]
    assert np.diff(np.r_[0, groups]).tolist() == [0, 1, 0, 0, 0, 0, 1, 0, 0, 0]


@pytest.mark.parametrize("bad", [11, "a", (15, 20), 11.5])
def test_fix_after_n_points_must_be_at_least_12(bad: object) -> None:
    # tests/testthat/test-ptd_spc_options.R "fix_after_n_points must be a single numeric that is
    # greater than or equal to 12." (11, "a" and c(15, 20) are rejected; 12 is accepted)
    with pytest.raises(StatsInputError, match="greater than or equal to 12"):
        spc(np.arange(20.0), fix_after_n_points=bad)  # type: ignore[arg-type]
    spc(np.arange(20.0), fix_after_n_points=12)


def test_duplicate_dates_are_rejected() -> None:
    # tests/testthat/test-ptd_spc_options.R "date_field can only appear once per facet"
    x = pd.to_datetime(["2021-01-01", "2021-01-01"])
    with pytest.raises(StatsInputError, match="duplicate"):
        spc([1.0, 2.0], x)


def test_improvement_direction_values() -> None:
    # tests/testthat/test-ptd_spc_options.R: defaults to "increase", "a" is rejected;
    # tests/testthat/test-ptd_spc.R: increase -> 1, decrease -> -1 passed to ptd_calculate_point_type
    assert spc([1.0, 2.0, 3.0]).summary.improvement_direction is ImprovementDirection.INCREASE
    assert ImprovementDirection.INCREASE.sign == 1
    assert ImprovementDirection.DECREASE.sign == -1
    assert ImprovementDirection.NEUTRAL.sign == 0
    with pytest.raises(StatsInputError):
        spc([1.0, 2.0, 3.0], improvement_direction="a")


# --- ptd_calculate_point_type helpers (tests/testthat/test-ptd_calculate_point_type.R) ---


def row(values: list[float]) -> np.ndarray:
    return np.array([values], dtype=float)


@pytest.mark.parametrize(
    ("rtm", "expected"),
    [
        ([], []),
        ([1] * 6, [0] * 6),
        ([1] * 6 + [-1], [0] * 7),
        ([1] * 8 + [-1], [0] * 6 + [1, 1, 0]),
        ([-1] * 8 + [1], [0] * 6 + [1, 1, 0]),
    ],
)
def test_seven_point_one_side_mean(rtm: list[int], expected: list[int]) -> None:
    # "ptd_seven_point_one_side_mean works as expected"
    got = _one_side_ends(np.array([rtm], dtype=np.int8).reshape(1, len(rtm)))
    assert got[0].astype(int).tolist() == expected


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        ([], []),
        ([0] * 6, [0] * 6),
        ([0] * 6 + [1, 0], [1] * 7 + [0]),
        ([0] * 7 + [1, 0], [0] + [1] * 7 + [0]),
        ([0] * 6 + [-1, 0], [1] * 7 + [0]),
        ([0] * 7 + [-1, 0], [0] + [1] * 7 + [0]),
    ],
)
def test_part_of_seven_trend(flags: list[int], expected: list[int]) -> None:
    # "ptd_part_of_seven_trend works as expected"
    got = _part_of_run(np.array([flags], dtype=np.int8).reshape(1, len(flags)))
    assert got[0].astype(int).tolist() == expected


@pytest.mark.parametrize(
    ("y", "expected"),
    [
        ([], []),
        (list(range(1, 7)), [0] * 6),
        ([1, 2, 3, 3, 4, 5, 6], [0] * 7),  # c(1:3, 3:6): a tie breaks the trend
        (list(range(1, 8)), [0] * 6 + [1]),
        ([2, *range(1, 8), 3], [0] * 7 + [1, 0]),
        (list(range(7, 0, -1)), [0] * 6 + [-1]),
        ([2, *range(7, 0, -1), 3], [0] * 7 + [-1, 0]),
    ],
)
def test_seven_point_trend(y: list[float], expected: list[int]) -> None:
    # "ptd_seven_point_trend works as expected": 7 points = 6 consecutive strict increases
    assert _trend_ends(row(y).reshape(1, len(y)))[0].tolist() == expected


@pytest.mark.parametrize(
    ("close", "rtm", "expected"),
    [
        ([1, 0, 1], [1, 1, 1], [1, 1, 1]),
        ([0, 1, 1], [1, 1, 1], [1, 1, 1]),
        ([1, 1, 0], [1, 1, 1], [1, 1, 1]),
        ([0, 0, 1, 0, 1, 0, 0], [1] * 7, [0, 0, 1, 1, 1, 0, 0]),
        ([0, 0, 1, 1, 0, 0, 0], [1] * 7, [0, 1, 1, 1, 1, 0, 0]),
        # "... when points are on opposite sides of the mean"
        ([1, 0, 1], [1, -1, 1], [0, 0, 0]),
        ([0, 1, 1], [1, -1, 1], [0, 0, 0]),
        ([1, 1, 0], [1, -1, 1], [0, 0, 0]),
        ([0, 0, 1, 0, 1, 0, 0], [1, -1, 1, -1, 1, -1, 1], [0] * 7),
        ([0, 0, 1, 1, 0, 0, 0], [-1, 1, -1, 1, -1, 1, -1], [0] * 7),
    ],
)
def test_two_in_three(close: list[int], rtm: list[int], expected: list[int]) -> None:
    # "ptd_two_in_three works as expected" (+ "... on opposite sides of the mean")
    got = _two_in_three_windows(np.array([close], dtype=bool), np.array([rtm], dtype=np.int8))
    assert got[0].astype(int).tolist() == expected


@pytest.mark.parametrize(
    ("close", "expected"),
    [
        ([1, 0, 1], [1, 0, 1]),
        ([0, 1, 1], [0, 1, 1]),
        ([1, 1, 0], [1, 1, 0]),
        ([0, 0, 1, 0, 1, 0, 0], [0, 0, 1, 0, 1, 0, 0]),
        ([1, 0, 0, 1], [0, 0, 0, 0]),
        ([1, 0, 0, 1, 1], [0, 0, 0, 1, 1]),
    ],
)
def test_part_of_two_in_three(close: list[int], expected: list[int]) -> None:
    # "ptd_part_of_two_in_three works as expected" (all points on the same side of the mean)
    c = np.array([close], dtype=bool)
    got = _two_in_three_windows(c, np.ones_like(c, dtype=np.int8)) & c
    assert got[0].astype(int).tolist() == expected


def test_special_cause_type_priority() -> None:
    # "ptd_special_cause_type works as expected": y = 1:8 (so the trend points are increasing),
    # relative_to_mean = c(1,1,1,1,-1,-1,-1,-1), outside_limits = c(0,0,0,0,0,1,-1,0),
    # part of trend = c(1,-1,0,...), part of 7 one side = c(0,0,1,-1,0,...), part of 2 in 3 = c(0,0,0,0,1,0,0,0)
    rtm = np.array([[1, 1, 1, 1, -1, -1, -1, -1]], dtype=np.int8)
    outside = np.array([[0, 0, 0, 0, 0, 1, -1, 0]]) != 0
    trend = np.array([[1, 1, 0, 0, 0, 0, 0, 0]], dtype=np.int8)  # both trend points rise (y = 1:8)
    one_side = np.array([[0, 0, 1, -1, 0, 0, 0, 0]]) != 0
    two3 = np.array([[0, 0, 0, 0, 1, 0, 0, 0]]) != 0
    codes = _special_cause_codes(rtm, outside, trend, two3, one_side)[0]
    assert [_SC_TYPES[c] for c in codes] == [
        "7 Point Trend (Increasing)",
        "7 Point Trend (Increasing)",
        "7 Points Above CL",
        "7 Points Above CL",
        "2 in 3 Below CL",
        "Below LCL",
        "Below LCL",
        "Common Cause",
    ]


# --- vignettes/deviations.Rmd: screen_outliers example ----------------------------------


def test_deviations_vignette_screening_example() -> None:
    # vignettes/deviations.Rmd "Treatment of outlying points": the vignette prints UPL / mean / LPL
    # only inside its figures, so the expected values here are worked by hand from its data:
    # mean = 35/18; the 17 moving ranges sum to 32 (15 ones, 8 and 9); 8 and 9 are >= 3.267 × 32/17
    # so the screened mR-bar is 15/15 = 1; Excel (unscreened) mR-bar is 32/17.
    data = [1, 2, 1, 2, 10, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1]
    x = pd.date_range("2021-03-22", periods=18, freq="D")
    screened = spc(data, x).summary
    excel = spc(data, x, screen_outliers=False).summary
    assert screened.mean == pytest.approx(35 / 18, rel=REL)
    assert screened.upl == pytest.approx(35 / 18 + 2.66 * 1.0, rel=REL)
    assert screened.lpl == pytest.approx(35 / 18 - 2.66 * 1.0, rel=REL)
    assert excel.upl == pytest.approx(35 / 18 + 2.66 * 32 / 17, rel=REL)
    assert excel.lpl == pytest.approx(35 / 18 - 2.66 * 32 / 17, rel=REL)
    # "If outlying points exist, the process limits on the Excel tools will therefore be wider"
    assert excel.upl - excel.lpl > screened.upl - screened.lpl
