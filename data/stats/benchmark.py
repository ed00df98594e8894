"""Benchmarking and recent-trend markers as OHID Fingertips does them.

* :func:`compare_to_benchmark` -- an area's confidence interval against the benchmark's value
  (Fingertips "compared with benchmark"): the interval entirely above the benchmark is
  *higher*, entirely below is *lower*, otherwise *similar* (an interval touching the benchmark
  is similar). With a polarity, higher/lower become better/worse; missing inputs give
  "Not compared". :func:`benchmark_proportion` and :func:`benchmark_rate` compute the interval
  (Wilson / Byar-exact, :mod:`data.stats.intervals`) at 95 % or 99.8 % first.
* :func:`recent_trend` -- the Fingertips *recent trend* marker over the 5 most recent points,
  as implemented in Fingertips' ``TrendMarkerCalculator`` (PholioVisualisation):

  - proportions (``method="proportion"``, Fingertips "SPC for proportions" comparator): the
    chi-square test for linear trend in proportions (Cochran-Armitage), with time scored 1..5:
    ``chi2 = N (N sum(r t) - R sum(n t))^2 / (R (N - R) (N sum(n t^2) - (sum(n t))^2))``;
    the direction comes from the least-squares slope of logit(r / n) on t;
  - rates and other values (``method="rate"``): weighted least-squares regression of the value
    on t with weights 1 / SE^2, SE = (upper95 - lower95) / 3.92; ``chi2 = (slope / se(slope))^2``;
  - significant when ``chi2 > 9.5495`` (chi-square, 1 df, 99.8 %; ``confidence=0.95`` gives
    3.8415) **and** the slope keeps its sign in all six fits: all five points and each set of
    four with one point dropped;
  - labels: "Increasing/Decreasing and getting better/worse" by polarity, "Increasing" /
    "Decreasing" for no-judgement indicators, "No significant change", "Cannot be calculated"
    (fewer than 5 valid points, or a proportion of 0 or 1 whose logit is undefined).

Reference: Fingertips Public Health Technical Guidance ("Recent trends" and "Benchmarking");
Armitage P, Berry G, Matthews JNS (2002) *Statistical methods in medical research*, 4th edn.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from data.stats.errors import StatsInputError
from data.stats.intervals import normalise_confidence, phe_proportion, phe_rate
from data.stats.lazy import stats
from data.stats.types import BenchmarkLabel, Polarity, TrendMarker, coerce_polarity

__all__ = [
    "TREND_POINTS",
    "TrendResult",
    "benchmark_proportion",
    "benchmark_rate",
    "compare_to_benchmark",
    "recent_trend",
    "trend_label",
]

#: Number of most recent points used by the recent-trend marker.
TREND_POINTS = 5

ArrayLike = float | Sequence[float] | np.ndarray | pd.Series


def compare_to_benchmark(
    lower: ArrayLike,
    upper: ArrayLike,
    benchmark: ArrayLike,
    polarity: Polarity | str = Polarity.NO_JUDGEMENT,
) -> pd.Series:
    """Fingertips comparison of each area's confidence interval with the benchmark value.

    ``upper < benchmark`` -> lower; ``lower > benchmark`` -> higher; otherwise similar.
    ``higher_is_better`` maps higher/lower to Better/Worse, ``lower_is_better`` to Worse/Better,
    ``no_judgement`` keeps Higher/Lower. Any missing value gives "Not compared".

    >>> compare_to_benchmark([10, 20, 30], [15, 25, 35], 22, "lower_is_better").tolist()
    ['Better', 'Similar', 'Worse']
    """
    pol = coerce_polarity(polarity)
    lo = np.asarray(lower, dtype=float)
    up = np.asarray(upper, dtype=float)
    bm = np.asarray(benchmark, dtype=float)
    lo, up, bm = np.broadcast_arrays(lo, up, bm)
    if np.any(lo > up):
        raise StatsInputError("lower confidence limits must not exceed upper limits")
    high_label, low_label = {
        Polarity.HIGHER_IS_BETTER: (BenchmarkLabel.BETTER, BenchmarkLabel.WORSE),
        Polarity.LOWER_IS_BETTER: (BenchmarkLabel.WORSE, BenchmarkLabel.BETTER),
        Polarity.NO_JUDGEMENT: (BenchmarkLabel.HIGHER, BenchmarkLabel.LOWER),
    }[pol]
    missing = np.isnan(lo) | np.isnan(up) | np.isnan(bm)
    out = np.where(
        missing,
        BenchmarkLabel.NOT_COMPARED.value,
        np.where(up < bm, low_label.value, np.where(lo > bm, high_label.value, BenchmarkLabel.SIMILAR.value)),
    )
    index = next((a.index for a in (lower, upper, benchmark) if isinstance(a, pd.Series)), None)
    return pd.Series(np.atleast_1d(out), index=index, name="comparison", dtype=object)


def benchmark_proportion(
    x: ArrayLike,
    n: ArrayLike,
    benchmark: ArrayLike,
    polarity: Polarity | str = Polarity.NO_JUDGEMENT,
    confidence: float = 0.95,
) -> pd.Series:
    """Compare proportions ``x / n`` (Wilson interval at ``confidence``) with a benchmark proportion.

    The benchmark is on the 0-1 scale. Zero denominators give "Not compared".

    >>> benchmark_proportion([30, 50], [100, 100], 0.4, "higher_is_better").tolist()
    ['Worse', 'Better']
    """
    ci = phe_proportion(x, n, confidence)
    return compare_to_benchmark(ci.lower, ci.upper, benchmark, polarity)


def benchmark_rate(
    x: ArrayLike,
    n: ArrayLike,
    benchmark: ArrayLike,
    polarity: Polarity | str = Polarity.NO_JUDGEMENT,
    confidence: float = 0.95,
    multiplier: float = 1000,
) -> pd.Series:
    """Compare crude rates (exact < 10 events, Byar's >= 10) with a benchmark rate per ``multiplier``.

    >>> benchmark_rate([5, 60], [1000, 1000], 30, "lower_is_better").tolist()
    ['Better', 'Worse']
    """
    ci = phe_rate(x, n, confidence, multiplier)
    return compare_to_benchmark(ci.lower, ci.upper, benchmark, polarity)


@dataclass(frozen=True)
class TrendResult:
    """Recent-trend result.

    Attributes:
        marker: direction before polarity (:class:`~data.stats.types.TrendMarker`).
        label: Fingertips text, e.g. "Increasing and getting better", "No significant change".
        chi_square: test statistic over the 5 points (0.0 when it cannot be calculated).
        slope: slope over the 5 points (logit per period for proportions, value per period for rates).
        significant: chi-square above the threshold *and* the slope sign stable when any one
            point is dropped.
        points_used: number of points used (5, or 0 when it cannot be calculated).
        message: why it cannot be calculated (empty otherwise).
    """

    marker: TrendMarker
    label: str
    chi_square: float
    slope: float
    significant: bool
    points_used: int
    message: str = ""


def trend_label(marker: TrendMarker | str, polarity: Polarity | str) -> str:
    """Fingertips label for a trend marker under an indicator polarity.

    >>> trend_label("increasing", "lower_is_better")
    'Increasing and getting worse'
    """
    m = TrendMarker(marker)
    pol = coerce_polarity(polarity)
    if m is TrendMarker.CANNOT_BE_CALCULATED:
        return "Cannot be calculated"
    if m is TrendMarker.NO_CHANGE:
        return "No significant change"
    word = "Increasing" if m is TrendMarker.INCREASING else "Decreasing"
    if pol is Polarity.NO_JUDGEMENT:
        return word
    better = (m is TrendMarker.INCREASING) == (pol is Polarity.HIGHER_IS_BETTER)
    return f"{word} and getting {'better' if better else 'worse'}"


def _ols_slope(t: np.ndarray, y: np.ndarray) -> float:
    n = len(t)
    return float((n * np.sum(t * y) - np.sum(y) * np.sum(t)) / (n * np.sum(t * t) - np.sum(t) ** 2))


def _weighted_fit(t: np.ndarray, y: np.ndarray, w: np.ndarray) -> tuple[float, float]:
    s1, s2, s3, s4, s5 = w.sum(), (w * y * t).sum(), (w * t).sum(), (w * y).sum(), (w * t * t).sum()
    det = s1 * s5 - s3 * s3
    slope = (s1 * s2 - s3 * s4) / det
    se = np.sqrt(s1 / det)
    return float(slope), float(se)


def _cannot(polarity: Polarity, message: str) -> TrendResult:
    marker = TrendMarker.CANNOT_BE_CALCULATED
    return TrendResult(marker, trend_label(marker, polarity), 0.0, float("nan"), False, 0, message)


def recent_trend(
    *,
    method: str,
    periods: ArrayLike | None = None,
    count: ArrayLike | None = None,
    denominator: ArrayLike | None = None,
    value: ArrayLike | None = None,
    lower95: ArrayLike | None = None,
    upper95: ArrayLike | None = None,
    polarity: Polarity | str = Polarity.NO_JUDGEMENT,
    confidence: float = 0.998,
) -> TrendResult:
    """Fingertips recent-trend marker over the 5 most recent valid points.

    Args:
        method: ``"proportion"`` (needs ``count`` and ``denominator``) or ``"rate"`` (needs
            ``value``, ``lower95`` and ``upper95`` -- or ``count`` and ``denominator``, from which
            the value and Byar/exact 95 % limits are computed per 1,000).
        periods: sortable period keys (years...); rows are put in period order. Default: input order.
        polarity: indicator polarity for the label.
        confidence: 0.998 (Fingertips default, chi-square 9.5495) or 0.95 (3.8415).

    Missing points are dropped before taking the last five.

    >>> r = recent_trend(method="proportion", count=[994, 1023, 1199, 1332, 1367],
    ...                  denominator=[40299, 41527, 42811, 44064, 44701], polarity="higher_is_better")
    >>> r.label, round(r.chi_square, 2)
    ('Increasing and getting better', 47.9)
    """
    pol = coerce_polarity(polarity)
    conf = normalise_confidence(confidence)
    threshold = float(stats.chi2.ppf(conf, 1))
    kind = method.lower()
    if kind not in ("proportion", "rate"):
        raise StatsInputError("method must be 'proportion' or 'rate'")

    def arr(x: ArrayLike | None) -> np.ndarray | None:
        return None if x is None else np.atleast_1d(np.asarray(x, dtype=float))

    c, d, v, lo, up = arr(count), arr(denominator), arr(value), arr(lower95), arr(upper95)
    if kind == "proportion":
        if c is None or d is None:
            raise StatsInputError("the proportion trend needs count and denominator")
        cols = {"c": c, "d": d}
    else:
        if v is None and c is not None and d is not None:
            ci = phe_rate(c, d, 0.95, 1000)
            v, lo, up = ci.value, ci.lower, ci.upper
        if v is None or lo is None or up is None:
            raise StatsInputError("the rate trend needs value, lower95 and upper95 (or count and denominator)")
        cols = {"v": v, "lo": lo, "up": up}
    lengths = {len(a) for a in cols.values()}
    if len(lengths) != 1:
        raise StatsInputError("trend inputs must all have the same length")
    frame = pd.DataFrame(cols)
    if periods is not None:
        per = np.atleast_1d(np.asarray(periods))
        if len(per) != len(frame):
            raise StatsInputError("periods must have the same length as the data")
        frame["period"] = per
        frame = frame.sort_values("period", kind="stable")
    frame = frame.dropna()
    if kind == "proportion":
        frame = frame[(frame["d"] > 0) & (frame["c"] >= 0) & (frame["c"] <= frame["d"])]
    else:
        frame = frame[frame["up"] > frame["lo"]]
    if len(frame) < TREND_POINTS:
        return _cannot(pol, f"fewer than {TREND_POINTS} valid data points")
    frame = frame.iloc[-TREND_POINTS:]
    t = np.arange(1, TREND_POINTS + 1, dtype=float)

    if kind == "proportion":
        r = frame["c"].to_numpy(float)
        n = frame["d"].to_numpy(float)
        if np.any(r <= 0) or np.any(r >= n):
            return _cannot(pol, "a proportion of 0 or 1 in the last five points (logit undefined)")
        big_n, big_r = n.sum(), r.sum()
        num = big_n * (big_n * np.sum(r * t) - big_r * np.sum(n * t)) ** 2
        den = big_r * (big_n - big_r) * (big_n * np.sum(n * t * t) - np.sum(n * t) ** 2)
        chi2 = float(num / den)
        logit = np.log(r / (n - r))
        slopes = [_ols_slope(t, logit)] + [
            _ols_slope(np.delete(t, i), np.delete(logit, i)) for i in range(TREND_POINTS)
        ]
    else:
        y = frame["v"].to_numpy(float)
        w = 1 / ((frame["up"].to_numpy(float) - frame["lo"].to_numpy(float)) / 3.92) ** 2
        slope, se = _weighted_fit(t, y, w)
        chi2 = float((slope / se) ** 2)
        slopes = [slope] + [
            _weighted_fit(np.delete(t, i), np.delete(y, i), np.delete(w, i))[0] for i in range(TREND_POINTS)
        ]
    # Fingertips counts a zero slope as positive when checking sign stability
    signs = [(-1 if s < 0 else 1) for s in slopes]
    stable = abs(sum(signs)) == len(signs)
    significant = bool(stable and chi2 > threshold)
    if significant:
        marker = TrendMarker.INCREASING if slopes[0] > 0 else TrendMarker.DECREASING
    else:
        marker = TrendMarker.NO_CHANGE
    return TrendResult(marker, trend_label(marker, pol), chi2, float(slopes[0]), significant, TREND_POINTS)
