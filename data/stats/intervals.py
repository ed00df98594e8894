"""Confidence intervals with parity to PHEindicatormethods (OHID/UKHSA, R package).

Methods (as documented in the Fingertips *Public Health Technical Guidance* and the
PHEindicatormethods help pages; implemented here from the formulas, not translated code):

* proportions: Wilson score interval (Wilson 1927; Newcombe & Altman 2000) -- :func:`phe_proportion`;
* counts and crude rates: exact Poisson limits from the chi-square distribution below 10 events
  and Byar's approximation (Breslow & Day 1987) from 10 events -- :func:`poisson_count_ci`,
  :func:`phe_rate`;
* indirectly standardised ratios and rates (SMR / ISR): observed / expected with the same count
  limits divided by the expected count -- :func:`calculate_isratio` (alias :func:`phe_smr`,
  :func:`phe_isr`), :func:`calculate_israte`;
* directly standardised rates: Dobson et al. (1991) method on Byar's limits for the total count;
  not given when the total count is below 10 -- :func:`phe_dsr`.

Conventions shared by every function here
-----------------------------------------
* Inputs are scalars, sequences, numpy arrays or pandas Series (vectorised; broadcasting applies).
  Results are :class:`Interval` objects holding numpy arrays; ``Interval.to_frame()`` gives a
  DataFrame (``value``, ``lowercl``, ``uppercl``) keeping a Series' index.
* ``confidence`` is a fraction (0.95, 0.998) or a percentage (95, 99.8), as in PHEindicatormethods:
  it must lie in [0.9, 1] or [90, 100], otherwise :class:`~data.stats.errors.InvalidConfidenceError`.
* Missing values (NaN) propagate to NaN results; they never raise.
* **Zero denominators give NaN** (value and both limits) rather than raising: a unit with no
  population/sample has no rate, and a dashboard table must still render the other units.
  Negative numerators or denominators, and proportions whose numerator exceeds the denominator,
  raise :class:`~data.stats.errors.StatsInputError` (they are data errors, not edge cases).
* Limits are clipped to the possible range: never below 0, and proportions never above 1
  (times the multiplier).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from data.stats.errors import InvalidConfidenceError, StatsInputError
from data.stats.lazy import stats

__all__ = [
    "EXACT_THRESHOLD",
    "DirectlyStandardised",
    "IndirectlyStandardised",
    "Interval",
    "byars_lower",
    "byars_upper",
    "calculate_israte",
    "calculate_isratio",
    "exact_poisson_lower",
    "exact_poisson_upper",
    "expected_events",
    "normalise_confidence",
    "phe_dsr",
    "phe_isr",
    "phe_proportion",
    "phe_rate",
    "phe_smr",
    "poisson_count_ci",
    "wilson_lower",
    "wilson_upper",
    "z_value",
]

#: Counts below this use exact Poisson limits; from this count Byar's approximation is used.
EXACT_THRESHOLD = 10

ArrayLike = float | int | Sequence[float] | np.ndarray | pd.Series


@dataclass(frozen=True)
class Interval:
    """A point estimate with a two-sided confidence interval (arrays of equal shape).

    Attributes:
        value: the point estimate (proportion, rate, ratio...) times the multiplier.
        lower: lower confidence limit (``lowercl``), clipped at 0.
        upper: upper confidence limit (``uppercl``).
        confidence: two-sided confidence level as a fraction (0.95, 0.998).
        method: short name of the method per element, e.g. ``"Wilson"``, ``"Exact"``, ``"Byars"``.
        index: the pandas index of the first Series input, if any (used by :meth:`to_frame`).
    """

    value: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    confidence: float
    method: np.ndarray
    index: pd.Index | None = None

    def to_frame(self) -> pd.DataFrame:
        """Return a DataFrame with columns ``value``, ``lowercl``, ``uppercl``, ``confidence``, ``method``."""
        value = np.atleast_1d(self.value)
        frame = pd.DataFrame(
            {
                "value": value,
                "lowercl": np.atleast_1d(self.lower),
                "uppercl": np.atleast_1d(self.upper),
                "confidence": self.confidence,
                "method": np.broadcast_to(np.atleast_1d(self.method), value.shape),
            }
        )
        if self.index is not None and len(self.index) == len(frame):
            frame.index = self.index
        return frame


def _lead(frame: pd.DataFrame, columns: dict[str, Any]) -> pd.DataFrame:
    """``frame`` with ``columns`` (broadcast to its length) inserted first, in order."""
    for pos, (name, values) in enumerate(columns.items()):
        frame.insert(pos, name, np.broadcast_to(np.atleast_1d(values), (len(frame),)))
    return frame


@dataclass(frozen=True, kw_only=True)
class IndirectlyStandardised(Interval):
    """An indirectly standardised ratio or rate with the counts it came from.

    The columns PHEindicatormethods ``calculate_ISRatio`` / ``calculate_ISRate`` return with
    ``type = "full"``: ``observed`` (total events), ``expected`` (expected events) and, for a rate,
    ``ref_rate`` (the reference population's crude rate times the multiplier, which scales the
    ratio into a rate); ``None`` for a ratio.
    """

    observed: np.ndarray
    expected: np.ndarray
    ref_rate: float | None = None

    def to_frame(self) -> pd.DataFrame:
        """``observed``, ``expected`` (and ``ref_rate`` for a rate) before the :class:`Interval` columns."""
        lead: dict[str, Any] = {"observed": self.observed, "expected": self.expected}
        if self.ref_rate is not None:
            lead["ref_rate"] = self.ref_rate
        return _lead(super().to_frame(), lead)


@dataclass(frozen=True, kw_only=True)
class DirectlyStandardised(Interval):
    """A directly standardised rate with the totals and variance behind its Dobson limits.

    ``total_count`` and ``total_pop`` are PHEindicatormethods ``calculate_dsr``'s columns (given
    even where the DSR itself is not, below 10 events); ``variance`` is its ``vardsr``,
    sum(w^2 x / n^2) / sum(w)^2 on the per-person scale (times ``multiplier ** 2`` for the
    rate's scale), the quantity the non-independent-events method replaces.
    """

    total_count: np.ndarray
    total_pop: np.ndarray
    variance: np.ndarray

    def to_frame(self) -> pd.DataFrame:
        """``total_count``, ``total_pop`` before the :class:`Interval` columns, ``variance`` after them."""
        frame = _lead(super().to_frame(), {"total_count": self.total_count, "total_pop": self.total_pop})
        frame["variance"] = np.broadcast_to(np.atleast_1d(self.variance), (len(frame),))
        return frame


# ----------------------------------------------------------------------------------------------
# helpers
# ----------------------------------------------------------------------------------------------


def normalise_confidence(confidence: float) -> float:
    """Return a two-sided confidence level as a fraction, accepting PHE's two notations.

    PHEindicatormethods accepts 0.9-1 or 90-100 ("95" and "0.95" are the same).

    >>> normalise_confidence(99.8)
    0.998
    >>> normalise_confidence(0.95)
    0.95
    """
    try:
        conf = float(confidence)
    except (TypeError, ValueError) as exc:
        raise InvalidConfidenceError(f"confidence must be a number, got {confidence!r}") from exc
    if np.isnan(conf) or conf < 0.9 or (1 < conf < 90) or conf > 100:
        raise InvalidConfidenceError("confidence level must be between 90 and 100 or between 0.9 and 1")
    return round(conf / 100, 12) if conf >= 90 else conf


def z_value(confidence: float) -> float:
    """Two-sided standard normal quantile for ``confidence`` (qnorm(1 - alpha/2)).

    >>> round(z_value(0.95), 6), round(z_value(99.8), 6)
    (1.959964, 3.090232)
    """
    conf = normalise_confidence(confidence)
    return float(stats.norm.ppf(conf + (1 - conf) / 2))


def _as_float_array(x: ArrayLike, name: str) -> np.ndarray:
    arr = np.asarray(x.to_numpy() if isinstance(x, pd.Series) else x, dtype=float)
    return arr


def _first_index(*args: Any) -> pd.Index | None:
    for arg in args:
        if isinstance(arg, pd.Series):
            return arg.index
    return None


def _check_non_negative(arr: np.ndarray, what: str) -> None:
    if np.any(arr < 0):  # NaN compares False: missing values are allowed
        raise StatsInputError(f"{what} must all be greater than or equal to zero")


def _method(use_exact: np.ndarray) -> np.ndarray:
    return np.where(use_exact, "Exact", "Byars")


# ----------------------------------------------------------------------------------------------
# building blocks
# ----------------------------------------------------------------------------------------------


def wilson_lower(x: ArrayLike, n: ArrayLike, confidence: float = 0.95) -> np.ndarray:
    """Lower Wilson score limit for ``x`` successes out of ``n`` (as a fraction, 0-1).

    Wilson EB (1927), J Am Stat Assoc 22:209-212; Newcombe & Altman (2000) in *Statistics
    with confidence*. NaN where ``n`` is 0 or missing; exactly 0 when ``x`` is 0.

    >>> round(float(wilson_lower(8, 100)), 6)
    0.041093
    """
    return _wilson(x, n, confidence, -1.0)


def wilson_upper(x: ArrayLike, n: ArrayLike, confidence: float = 0.95) -> np.ndarray:
    """Upper Wilson score limit for ``x`` successes out of ``n`` (as a fraction, 0-1).

    >>> round(float(wilson_upper(8, 100)), 6)
    0.149981
    """
    return _wilson(x, n, confidence, +1.0)


def _wilson(x: ArrayLike, n: ArrayLike, confidence: float, sign: float) -> np.ndarray:
    xa = _as_float_array(x, "x")
    na = _as_float_array(n, "n")
    _check_non_negative(xa, "observed events")
    _check_non_negative(na, "sample sizes")
    if np.any(xa > na):
        raise StatsInputError("numerators must be less than or equal to denominator for a Wilson score")
    conf = normalise_confidence(confidence)
    if conf == 1:
        bound = np.zeros(np.broadcast(xa, na).shape) if sign < 0 else np.ones(np.broadcast(xa, na).shape)
        return np.where(na > 0, bound, np.nan)
    z = z_value(conf)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = xa / na
        centre = p + z * z / (2 * na)
        half = z * np.sqrt(p * (1 - p) / na + z * z / (4 * na * na))
        bound = (centre + sign * half) / (1 + z * z / na)
    # At the boundaries the exact limit is 1 (x = n, upper) or 0 (x = 0, lower); the formula can miss by one
    # rounding step, which would call a 100% area "worse" than a 100% benchmark.
    bound = np.where((sign > 0) & (xa == na), 1.0, np.where((sign < 0) & (xa == 0), 0.0, bound))
    bound = np.where(na > 0, np.clip(bound, 0.0, 1.0), np.nan)
    return bound


def exact_poisson_lower(x: ArrayLike, confidence: float = 0.95) -> np.ndarray:
    """Exact (Garwood) lower limit for a Poisson count: chi2(alpha/2, 2x) / 2; 0 when x is 0.

    Armitage & Berry (2002), *Statistical methods in medical research*.

    >>> round(float(exact_poisson_lower(5)), 6)
    1.623486
    """
    xa = _as_float_array(x, "x")
    _check_non_negative(xa, "observed events")
    conf = normalise_confidence(confidence)
    with np.errstate(invalid="ignore"):
        lower = stats.chi2.ppf((1 - conf) / 2, 2 * xa) / 2
    return np.where(xa == 0, 0.0, lower)


def exact_poisson_upper(x: ArrayLike, confidence: float = 0.95) -> np.ndarray:
    """Exact (Garwood) upper limit for a Poisson count: chi2(1 - alpha/2, 2x + 2) / 2.

    >>> round(float(exact_poisson_upper(0)), 6)
    3.688879
    """
    xa = _as_float_array(x, "x")
    _check_non_negative(xa, "observed events")
    conf = normalise_confidence(confidence)
    return stats.chi2.ppf(conf + (1 - conf) / 2, 2 * xa + 2) / 2


def byars_lower(x: ArrayLike, confidence: float = 0.95) -> np.ndarray:
    """Byar's approximation to the lower Poisson limit: x (1 - 1/(9x) - z/(3 sqrt x))^3.

    Breslow NE, Day NE (1987), *Statistical methods in cancer research* vol. II, IARC.
    Returns NaN where the approximation goes negative (very small counts), as PHEindicatormethods.

    >>> round(float(byars_lower(65)), 4)
    50.1632
    """
    xa = _as_float_array(x, "x")
    _check_non_negative(xa, "observed events")
    z = z_value(confidence)
    with np.errstate(divide="ignore", invalid="ignore"):
        lower = xa * (1 - 1 / (9 * xa) - z / (3 * np.sqrt(xa))) ** 3
    return np.where(lower < 0, np.nan, lower)


def byars_upper(x: ArrayLike, confidence: float = 0.95) -> np.ndarray:
    """Byar's approximation to the upper Poisson limit: (x+1)(1 - 1/(9(x+1)) + z/(3 sqrt(x+1)))^3.

    >>> round(float(byars_upper(65)), 4)
    82.8491
    """
    xa = _as_float_array(x, "x")
    _check_non_negative(xa, "observed events")
    z = z_value(confidence)
    x1 = xa + 1
    return x1 * (1 - 1 / (9 * x1) + z / (3 * np.sqrt(x1))) ** 3


def poisson_count_ci(x: ArrayLike, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Confidence limits for a count as Fingertips does: exact below 10 events, Byar's from 10.

    Returns ``(lower, upper, method)`` where method is ``"Exact"`` or ``"Byars"`` per element.

    >>> lo, up, m = poisson_count_ci([5, 65])
    >>> lo.round(4).tolist(), up.round(4).tolist(), m.tolist()
    ([1.6235, 50.1632], [11.6683, 82.8491], ['Exact', 'Byars'])
    """
    xa = _as_float_array(x, "x")
    _check_non_negative(xa, "observed events")
    exact = xa < EXACT_THRESHOLD
    lower = np.where(exact, exact_poisson_lower(xa, confidence), byars_lower(np.maximum(xa, 1), confidence))
    upper = np.where(exact, exact_poisson_upper(xa, confidence), byars_upper(xa, confidence))
    lower = np.where(np.isnan(xa), np.nan, lower)
    upper = np.where(np.isnan(xa), np.nan, upper)
    return lower, upper, _method(exact)


# ----------------------------------------------------------------------------------------------
# PHE-style statistics
# ----------------------------------------------------------------------------------------------


def phe_proportion(
    x: ArrayLike, n: ArrayLike, confidence: float = 0.95, multiplier: float = 1.0
) -> Interval:
    """Proportion ``x / n`` with a Wilson score interval (PHEindicatormethods ``phe_proportion``).

    Proportions of 0 and 1 are valid (the interval is one-sided at the boundary). A zero
    denominator gives NaN; ``x > n`` raises :class:`StatsInputError`.

    Reference: Wilson (1927); Newcombe (1998) Stat Med 17:857-872, method 3.

    >>> ci = phe_proportion(8, 100, multiplier=100)
    >>> round(float(ci.value), 1), round(float(ci.lower), 4), round(float(ci.upper), 4)
    (8.0, 4.1093, 14.9981)
    """
    xa = _as_float_array(x, "x")
    na = _as_float_array(n, "n")
    _check_non_negative(xa, "numerators")
    _check_non_negative(na, "denominators")
    conf = normalise_confidence(confidence)
    with np.errstate(divide="ignore", invalid="ignore"):
        value = np.where(na > 0, xa / na, np.nan) * multiplier
    lower = wilson_lower(xa, na, conf) * multiplier
    upper = wilson_upper(xa, na, conf) * multiplier
    shape = np.broadcast(xa, na).shape
    return Interval(value, lower, upper, conf, np.full(shape, "Wilson"), _first_index(x, n))


def phe_rate(
    x: ArrayLike, n: ArrayLike, confidence: float = 0.95, multiplier: float = 100_000
) -> Interval:
    """Crude rate ``x / n * multiplier`` with exact (< 10 events) or Byar's (>= 10) limits.

    PHEindicatormethods ``phe_rate`` / ``calculate_rate``. Zero denominators give NaN.

    >>> ci = phe_rate(65, 100, multiplier=1)
    >>> round(float(ci.value), 2), round(float(ci.lower), 6), round(float(ci.upper), 6), str(ci.method)
    (0.65, 0.501632, 0.828491, 'Byars')
    """
    xa = _as_float_array(x, "x")
    na = _as_float_array(n, "n")
    _check_non_negative(xa, "numerators")
    _check_non_negative(na, "denominators")
    conf = normalise_confidence(confidence)
    lo, up, method = poisson_count_ci(xa, conf)
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(na > 0, multiplier / na, np.nan)
    return Interval(xa * scale, lo * scale, up * scale, conf, method, _first_index(x, n))


def expected_events(n: ArrayLike, x_ref: ArrayLike, n_ref: ArrayLike) -> np.ndarray:
    """Expected events for indirect standardisation: sum over strata of n * x_ref / n_ref.

    The last axis is the standardisation stratum (e.g. age band); missing strata count as 0.

    >>> float(expected_events([1000, 2000], [10, 40], [10000, 20000]))
    5.0
    """
    na = np.nan_to_num(_as_float_array(n, "n"))
    xr = np.nan_to_num(_as_float_array(x_ref, "x_ref"))
    nr = _as_float_array(n_ref, "n_ref")
    _check_non_negative(na, "denominators")
    if np.any(nr <= 0):
        raise StatsInputError("reference populations must all be greater than zero")
    return np.sum(na * xr / nr, axis=-1)


def calculate_isratio(
    observed: ArrayLike,
    expected: ArrayLike,
    confidence: float = 0.95,
    refvalue: float = 1.0,
) -> IndirectlyStandardised:
    """Indirectly standardised ratio (SMR) = observed / expected * refvalue, with count limits.

    PHEindicatormethods ``calculate_ISRatio`` (formerly ``phe_smr``/``phe_isr``): exact Poisson
    limits below 10 observed events, Byar's from 10, divided by the expected count. Use
    :func:`expected_events` to build ``expected`` from age-specific data. Zero expected gives NaN.

    >>> r = calculate_isratio(8, 6.239860227, refvalue=100)
    >>> round(float(r.value), 4), round(float(r.lower), 4), round(float(r.upper), 4)
    (128.208, 55.3511, 252.6209)
    """
    oa = _as_float_array(observed, "observed")
    ea = _as_float_array(expected, "expected")
    _check_non_negative(oa, "numerators")
    _check_non_negative(ea, "expected counts")
    conf = normalise_confidence(confidence)
    lo, up, method = poisson_count_ci(oa, conf)
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(ea > 0, refvalue / ea, np.nan)
    oa, ea = np.broadcast_arrays(oa, ea)
    return IndirectlyStandardised(
        oa * scale, lo * scale, up * scale, conf, method, _first_index(observed, expected), observed=oa, expected=ea
    )


#: Aliases matching PHEindicatormethods' older names.
phe_smr = calculate_isratio
phe_isr = calculate_isratio


def calculate_israte(
    observed: ArrayLike,
    expected: ArrayLike,
    reference_rate: float,
    confidence: float = 0.95,
    multiplier: float = 100_000,
) -> IndirectlyStandardised:
    """Indirectly standardised rate = (observed / expected) * reference rate * multiplier.

    PHEindicatormethods ``calculate_ISRate``: the ISR's limits scaled by the reference
    population's crude rate (``sum(x_ref) / sum(n_ref)``, passed as ``reference_rate``). The
    result carries ``observed``, ``expected`` and ``ref_rate`` (= reference_rate x multiplier, as
    PHEindicatormethods reports it).

    >>> r = calculate_israte(20, 10, reference_rate=0.001, multiplier=1000)
    >>> round(float(r.value), 3), r.ref_rate
    (2.0, 1.0)
    """
    if not np.isfinite(reference_rate) or reference_rate < 0:
        raise StatsInputError("reference_rate must be a finite number >= 0")
    ratio = calculate_isratio(observed, expected, confidence)
    factor = reference_rate * multiplier
    return IndirectlyStandardised(
        ratio.value * factor, ratio.lower * factor, ratio.upper * factor, ratio.confidence,
        ratio.method, ratio.index, observed=ratio.observed, expected=ratio.expected, ref_rate=float(factor),
    )


def phe_dsr(
    x: ArrayLike,
    n: ArrayLike,
    stdpop: ArrayLike,
    confidence: float = 0.95,
    multiplier: float = 100_000,
    min_count: int = EXACT_THRESHOLD,
) -> DirectlyStandardised:
    """Directly standardised rate with Dobson et al. (1991) limits (PHEindicatormethods ``calculate_dsr``).

    ``x``, ``n`` and ``stdpop`` hold age-specific events, populations and standard population
    (e.g. European Standard Population 2013); the **last axis is the age band**, so a 2-D array
    gives one DSR per row (area). DSR = sum(w x / n) / sum(w); var = sum(w^2 x / n^2) / sum(w)^2;
    the result (:class:`DirectlyStandardised`) also carries ``total_count``, ``total_pop`` and
    ``variance`` (var) as PHEindicatormethods returns them;
    limits = DSR + sqrt(var / X) (Byar(X) - X) with X the total count. Where X < 10 the DSR is
    **not given** (value and limits NaN, method ``"NA: total count < 10"``). Missing counts in a
    band count as 0; populations must be > 0.

    Reference: Dobson AJ et al. (1991) Stat Med 10:457-462; Fingertips technical guidance, DSR chapter.

    >>> d = phe_dsr([10, 20, 30], [1000, 1000, 1000], [1, 1, 1], multiplier=1000)
    >>> round(float(d.value), 4)
    20.0
    """
    xa = np.nan_to_num(_as_float_array(x, "x"))
    na = _as_float_array(n, "n")
    wa = _as_float_array(stdpop, "stdpop")
    _check_non_negative(xa, "numerators")
    if np.any(~(na > 0)):
        raise StatsInputError("denominators must all be greater than zero (and not missing)")
    if np.any(~(wa >= 0)):
        raise StatsInputError("standard populations must all be >= 0 (and not missing)")
    conf = normalise_confidence(confidence)
    xa, na, wa = np.broadcast_arrays(xa, na, wa)
    total = xa.sum(axis=-1)
    wsum = wa.sum(axis=-1)
    value = (wa * xa / na).sum(axis=-1) / wsum
    var = (wa * wa * xa / (na * na)).sum(axis=-1) / (wsum * wsum)
    safe_total = np.where(total > 0, total, 1.0)
    factor = np.sqrt(var / safe_total)
    lower = value + factor * (byars_lower(safe_total, conf) - safe_total)
    upper = value + factor * (byars_upper(safe_total, conf) - safe_total)
    suppressed = total < min_count
    value = np.where(suppressed, np.nan, value * multiplier)
    lower = np.where(suppressed, np.nan, np.maximum(lower, 0.0) * multiplier)
    upper = np.where(suppressed, np.nan, upper * multiplier)
    method = np.where(suppressed, "NA: total count < 10", "Dobson")
    return DirectlyStandardised(
        value, lower, upper, conf, method, None, total_count=total, total_pop=na.sum(axis=-1), variance=var
    )
