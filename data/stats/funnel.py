"""Funnel plots: FunnelPlotR (Spiegelhalter) and OHID Fingertips methods.

Two families are implemented from their published methods (not translated code):

1. **FunnelPlotR** (NHS-R Community, Mainey et al.; v0.6.0 is the parity reference) --
   :func:`funnel_plot`. Spiegelhalter DJ (2005) "Funnel plots for comparing institutional
   performance", Stat Med 24:1185-1202, and "Handling over-dispersion of performance indicators",
   Qual Saf Health Care 14:347-351; DerSimonian & Laird (1986); NHS Digital SHMI methodology.

   * data types: ``"PR"`` proportion (arcsine-square-root scale, target = pooled proportion),
     ``"RC"`` ratio of counts (log scale, target = pooled ratio) and ``"SR"`` indirectly
     standardised ratio (target 1) with ``sr_method="SHMI"`` (log scale, expected values rounded
     to 2 dp, truncation of the outer ``trim_by`` of z-scores at each end) or ``"CQC"``
     (square-root scale, Winsorisation);
   * z-scores on the transformed scale, Winsorised (or truncated) at ``trim_by`` (10 %) each end,
     dispersion ratio ``phi = mean(z_w^2)``, DerSimonian-Laird between-unit variance
     ``tau2 = max(0, (n phi - (n - 1)) / (sum w - sum w^2 / sum w))`` with ``w = 1 / s^2``;
   * limits at 95 % and 99.8 % using ``qnorm(0.975)`` and ``qnorm(0.999)`` (FunnelPlotR writes
     them as the literals 1.959964 and 3.090232; the difference is below 3e-7 relative);
   * overdispersion-adjusted limits ``target +/- z sqrt(s^2 + tau2)`` back-transformed; when
     ``phi <= 1`` (no overdispersion) or ``od_adjust=False`` the unadjusted limits apply:
     exact Poisson (chi-square) limits for SR, the transformed-normal limits with ``tau2 = 0``
     for PR and RC.
   * outliers are points **strictly** beyond the active limit (a unit exactly on a limit is not
     an outlier), with direction ``"high"``/``"low"``;
   * **zero counts** (FunnelPlotR leaves them unhandled -- its issue #17 -- so a zero's SHMI z is
     ``-Inf`` and phi becomes infinite unless truncation drops it). Here, for SR, a unit with no
     events has, on the SHMI scale, the z-score ``min(0, qnorm(exp(-E)))``, the normal deviate of
     the exact Poisson probability of no events (finite; it takes part in truncation and phi
     like any unit; on the CQC scale z = -2 sqrt(E) as usual). Against the exact Poisson
     (unadjusted) limits it is low exactly when ``exp(-E)`` is below the tail (0.025 / 0.001),
     the same call as Fingertips' exact significance, instead of always (a plotted 0 lies under
     any positive limit line). The SHMI overdispersion-adjusted limits are normal on log(O/E),
     which has no value at 0: such units are plotted at zero, not flagged and counted in
     ``n_not_assessed``. On the CQC square-root scale and for PR (arcsine) and RC (log with +0.5)
     a zero is an ordinary point.

2. **Fingertips** (PHEindicatormethods ``calculate_funnel_limits`` / ``assign_funnel_significance``
   / ``calculate_funnel_points``) -- :func:`fingertips_funnel_limits`,
   :func:`fingertips_funnel_significance`, :func:`fingertips_funnel_points`: proportions with
   Wilson-based limits, ratios and rates with exact Poisson limits (chi-square; Byar's from 10
   events for significance), no overdispersion adjustment, labels ``"High (0.001)"`` ...
   ``"Not significant"``.

Which funnel the dashboard uses
-------------------------------
* **Proportions** (e.g. % of patients seen within 4 hours): :func:`funnel_plot` with
  ``data_type="PR"`` and overdispersion adjustment.
* **Standardised ratios** (observed / expected from a case-mix model): ``data_type="SR"``,
  ``sr_method="SHMI"`` with overdispersion adjustment.
* **Rates per 1,000 patients** (e.g. practice A&E attendances per 1,000 registered patients):
  :func:`funnel_rate_sr` -- the *SR formulation against the pooled rate* (expected = list size x
  pooled rate, so the ratio O/E is the practice rate relative to the ICS rate) with SHMI-style
  log-scale overdispersion adjustment. Why: FunnelPlotR's ``"RC"`` limits use the within-unit
  variance ``1/(4n)`` of the *denominator* (list sizes of thousands), giving limits far too
  narrow for an event rate, and pure Poisson limits (Fingertips rate funnel) assume every
  practice shares one true rate. Practice A&E attendance rates are strongly overdispersed
  (deprivation, age mix, distance to an emergency department vary between practices), so
  unadjusted Poisson limits flag a large share of practices; the random-effects (tau2) limits
  flag only practices that are unusual *given* the real between-practice spread. The Fingertips
  rate funnel (:func:`fingertips_funnel_limits` with ``statistic="rate"``) is offered for parity
  with OHID publications.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np
import pandas as pd

from data.stats.errors import InsufficientDataError, StatsInputError
from data.stats.intervals import poisson_count_ci
from data.stats.lazy import stats

__all__ = [
    "Z95",
    "Z998",
    "DataType",
    "FingertipsSignificance",
    "FunnelResult",
    "SRMethod",
    "fingertips_funnel_limits",
    "fingertips_funnel_points",
    "fingertips_funnel_significance",
    "flag_outliers",
    "funnel_plot",
    "funnel_rate_sr",
]

#: qnorm(0.975): the 95 % two-sided normal quantile (as scipy's ``norm.ppf`` gives it; a test holds them equal,
#: written out so that importing this module does not load scipy.stats).
Z95: float = 1.959963984540054
#: qnorm(0.999): the 99.8 % two-sided normal quantile.
Z998: float = 3.090232306167813

_LEVELS: dict[str, tuple[float, float, float]] = {
    # level: (z, lower-tail probability, upper-tail probability) for exact Poisson limits
    "95": (Z95, 0.025, 0.975),
    "998": (Z998, 0.001, 0.999),
}

ArrayLike = Sequence[float] | np.ndarray | pd.Series


class DataType(StrEnum):
    """FunnelPlotR data types."""

    PR = "PR"  #: proportion
    RC = "RC"  #: ratio of counts
    SR = "SR"  #: indirectly standardised ratio


class SRMethod(StrEnum):
    """Transformation/trimming method for standardised ratios."""

    SHMI = "SHMI"  #: log scale, truncation, expected rounded to 2 dp (NHS Digital SHMI)
    CQC = "CQC"  #: square-root scale, Winsorisation (Spiegelhalter / CQC)


class FingertipsSignificance(StrEnum):
    """Labels of PHEindicatormethods ``assign_funnel_significance``."""

    HIGH_0001 = "High (0.001)"
    HIGH_0025 = "High (0.025)"
    LOW_0001 = "Low (0.001)"
    LOW_0025 = "Low (0.025)"
    NOT_SIGNIFICANT = "Not significant"
    NOT_APPLICABLE_DSR = "Not applicable for events less than 10 for dsrs"


def _level_key(limit: float | str) -> str:
    """Map 95 / 0.95 / "95" -> "95" and 99 / 99.8 / 0.998 -> "998" (FunnelPlotR's ``limit=99``)."""
    try:
        value = float(limit)
    except (TypeError, ValueError) as exc:
        raise StatsInputError(f"limit must be 95 or 99.8, got {limit!r}") from exc
    if value in (95.0, 0.95):
        return "95"
    if value in (99.0, 99.8, 0.998):
        return "998"
    raise StatsInputError(f"limit must be 95 or 99.8 (FunnelPlotR also accepts 99), got {limit!r}")


@dataclass(frozen=True)
class FunnelResult:
    """Result of :func:`funnel_plot` / :func:`funnel_rate_sr`.

    Attributes:
        data_type: ``"PR"``, ``"RC"`` or ``"SR"``.
        sr_method: ``"SHMI"`` or ``"CQC"`` (meaningful for SR only).
        target: centre line on the ratio/proportion scale (before ``multiplier``): 1 for SR,
            the pooled value sum(numerator)/sum(denominator) for PR and RC.
        multiplier: scale applied to ``value`` and all limits (e.g. 100 for percentages).
        limit: the level used for the ``outlier``/``direction``/``distance`` columns, ``"95"`` or ``"99.8"``.
        phi: dispersion ratio from the trimmed z-scores (reported even when adjustment is off).
        tau2: DerSimonian-Laird between-unit variance on the transformed scale.
        adjusted: True when the overdispersion-adjusted limits are the active ones
            (``od_adjust`` requested and ``phi > 1``).
        trim_by: Winsorisation/truncation fraction at each end.
        n_units: units plotted; ``n_dispersion``: z-scores used to estimate phi and tau2.
        trim_lower, trim_upper: the Winsorisation cut points on the z scale (the ``trim_by`` and
            ``1 - trim_by`` R type-7 quantiles of ``z``; FunnelPlotR's ``lz``/``uz``); for SHMI
            truncation, the smallest and largest z-score kept. NaN when ``trim_by`` is 0.
        n_zero: units with no events (SR only; PR and RC zeros need no special handling).
        n_not_assessed: units that cannot be judged by the active limits (zero events on the
            SHMI log scale with overdispersion-adjusted limits); plotted, never flagged.
        units: one row per unit -- columns ``unit``, ``numerator``, ``denominator``, ``value``
            (= numerator/denominator x multiplier), ``y`` and ``s`` (FunnelPlotR's ``Y`` and ``s``: the
            value on the transformed scale, NaN for a zero on the log scale, and its standard error),
            ``z`` (transformed-scale z-score, unadjusted; always finite), ``z_winsorised``
            (FunnelPlotR's ``Wuzscore``: z clipped to the cut points, or NaN where SHMI truncation
            dropped it), ``z_adjusted`` (= (Y - target) / sqrt(s^2 + tau2); NaN where not
            assessed), ``trimmed`` (Winsorised/truncated),
            ``zero`` (no events, SR), ``assessed`` (judged against the active limits),
            active limits ``lcl95, ucl95, lcl998, ucl998``, unadjusted limits ``unadj_*``,
            overdispersion limits ``od_*``, ``outlier95``, ``outlier998``, ``outlier`` (at
            ``limit``), ``direction`` (``"high"``, ``"low"`` or None) and ``distance`` (value minus
            the crossed limit: > 0 above the upper, < 0 below the lower, 0 inside).
        limits: smooth curve for plotting: ``denominator``, ``target``, active ``lcl95, ucl95,
            lcl998, ucl998`` and the ``unadj_*``/``od_*`` sets, over an increasing denominator grid.
        excluded: input rows left out (missing values or zero/negative denominators) with ``reason``.
    """

    data_type: str
    sr_method: str
    target: float
    multiplier: float
    limit: str
    phi: float
    tau2: float
    adjusted: bool
    trim_by: float
    n_units: int
    n_dispersion: int
    units: pd.DataFrame
    limits: pd.DataFrame
    excluded: pd.DataFrame = field(default_factory=pd.DataFrame)
    trim_lower: float = math.nan
    trim_upper: float = math.nan
    n_zero: int = 0
    n_not_assessed: int = 0

    def outliers(self) -> pd.DataFrame:
        """Rows of :attr:`units` flagged as outliers at :attr:`limit`, furthest out first."""
        out = self.units[self.units["outlier"]]
        return out.reindex(out["distance"].abs().sort_values(ascending=False).index)


# ----------------------------------------------------------------------------------------------
# FunnelPlotR-style funnel
# ----------------------------------------------------------------------------------------------


def _prepare(
    numerator: ArrayLike, denominator: ArrayLike, unit_id: ArrayLike | None, data_type: DataType
) -> tuple[pd.DataFrame, pd.DataFrame]:
    num = np.asarray(numerator, dtype=float)
    den = np.asarray(denominator, dtype=float)
    if num.shape != den.shape or num.ndim != 1:
        raise StatsInputError("numerator and denominator must be 1-D and the same length")
    if unit_id is None:
        unit_id = (
            numerator.index if isinstance(numerator, pd.Series) else pd.RangeIndex(len(num))
        )
    units = np.asarray(unit_id, dtype=object)
    if units.shape != num.shape:
        raise StatsInputError("unit_id must have the same length as numerator")
    if np.any(num < 0):
        raise StatsInputError("numerators must be greater than or equal to zero")
    if np.any(den < 0):
        raise StatsInputError("denominators must be greater than or equal to zero")
    if data_type is DataType.PR and np.any(num > den):
        raise StatsInputError("numerators must be less than or equal to denominators for proportions")
    frame = pd.DataFrame({"unit": units, "numerator": num, "denominator": den})
    reason = np.where(
        np.isnan(num) | np.isnan(den), "missing value", np.where(den == 0, "zero denominator", "")
    )
    excluded = frame[reason != ""].assign(reason=reason[reason != ""]).reset_index(drop=True)
    frame = frame[reason == ""]
    # aggregate repeated unit ids (FunnelPlotR aggregates record-level data by group)
    agg = frame.groupby("unit", sort=True, dropna=False)[["numerator", "denominator"]].sum().reset_index()
    return agg, excluded


def _transform(
    num: np.ndarray, den: np.ndarray, data_type: DataType, sr_method: SRMethod, target: float
) -> tuple[np.ndarray, np.ndarray, float, np.ndarray]:
    """Return (Y, s, target on transformed scale, unadjusted z) for each unit."""
    with np.errstate(divide="ignore", invalid="ignore"):
        if data_type is DataType.SR and sr_method is SRMethod.SHMI:
            y = np.log(num / den)
            s = 1 / np.sqrt(den)
            t = 0.0
        elif data_type is DataType.SR:
            y = np.sqrt(num / den)
            s = 1 / (2 * np.sqrt(den))
            t = 1.0
        elif data_type is DataType.PR:
            y = np.arcsin(np.sqrt(num / den))
            s = 1 / (2 * np.sqrt(den))
            t = math.asin(math.sqrt(target))
        else:  # RC
            y = np.log((num + 0.5) / (den + 0.5))
            s = np.sqrt(num / (num + 0.5) ** 2 + den / (den + 0.5) ** 2)
            t = math.log(target) if target > 0 else -math.inf
        z = (y - t) / s
    return y, s, t, z


def _winsorise(z: np.ndarray, trim_by: float) -> tuple[np.ndarray, np.ndarray, float, float]:
    """Winsorised z-scores, which were moved, and the cut points (FunnelPlotR ``winsorisation``)."""
    finite = np.isfinite(z)
    if not finite.any():
        return np.full_like(z, np.nan), np.ones_like(z, dtype=bool), math.nan, math.nan
    lz, uz = np.quantile(z[finite], [trim_by, 1 - trim_by])  # R quantile type 7 == numpy "linear"
    trimmed = ~((z > lz) & (z < uz))
    return np.clip(z, lz, uz), trimmed, float(lz), float(uz)


def _truncate(z: np.ndarray, trim_by: float) -> tuple[np.ndarray, np.ndarray, float, float]:
    """SHMI truncation by rank group (FunnelPlotR ``truncation``) and the range of z-scores kept."""
    k = 1 / trim_by
    ranks = stats.rankdata(z, method="average")
    group = np.floor(ranks * k / (len(z) + 1))
    keep = (group > 0) & (group < k - 1)
    kept = z[keep & np.isfinite(z)]
    low, high = (float(kept.min()), float(kept.max())) if kept.size else (math.nan, math.nan)
    return np.where(keep, z, np.nan), ~keep, low, high


def _zero_count_z(expected: np.ndarray) -> np.ndarray:
    """z-score of a unit with no events: the normal deviate of P(no events | expected), capped at 0.

    Under Poisson, P(O = 0 | E) = exp(-E); the deviate is below ``-z`` exactly when that
    probability is below the one-sided tail, i.e. when the exact test calls the zero low. It is
    finite for every E > 0, unlike log(0 / E) on the SHMI scale, and 0 where a zero is the likely
    outcome (E <= ln 2).
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.minimum(0.0, stats.norm.ppf(np.exp(-expected)))


def _dispersion(wz: np.ndarray, s: np.ndarray) -> tuple[float, float, int]:
    """phi and DerSimonian-Laird tau2 from trimmed z-scores (NaN/inf z-scores left out)."""
    use = np.isfinite(wz) & np.isfinite(s) & (s > 0)
    n = int(use.sum())
    if n == 0:
        return math.nan, 0.0, 0
    phi = float(np.sum(wz[use] ** 2) / n)
    if n * phi < n - 1:
        return phi, 0.0, n
    w = 1 / s[use] ** 2
    denom = w.sum() - (w**2).sum() / w.sum()
    tau2 = max(0.0, (n * phi - (n - 1)) / denom) if denom > 0 else 0.0
    return phi, float(tau2), n


def _od_limits(
    den: np.ndarray, data_type: DataType, sr_method: SRMethod, target: float, tau2: float, key: str
) -> tuple[np.ndarray, np.ndarray]:
    """Transformed-normal limits with between-unit variance tau2 (tau2 = 0 gives the plain ones)."""
    z = _LEVELS[key][0]
    with np.errstate(divide="ignore", invalid="ignore"):
        if data_type is DataType.SR and sr_method is SRMethod.SHMI:
            sd = np.sqrt(1 / den + tau2)
            return np.exp(-z * sd), np.exp(z * sd)
        if data_type is DataType.SR:
            # CQC: square-root scale, squared back to the ratio scale. NB FunnelPlotR 0.6.0 returns
            # 1 -/+ z sd without squaring (i.e. on the square-root scale); see the module tests.
            sd = np.sqrt(1 / (4 * den) + tau2)
            return np.clip(1 - z * sd, 0, None) ** 2, (1 + z * sd) ** 2
        sd = np.sqrt(1 / (4 * den) + tau2)
        if data_type is DataType.RC:
            # FunnelPlotR uses s = 1/(2 sqrt(n)) for RC limits (narrow for event rates; see module doc)
            return target * np.exp(-z * sd), target * np.exp(z * sd)
        # PR: arcsine scale; clamp the angle to [0, pi/2] so the back-transform stays monotone
        centre = math.asin(math.sqrt(target))
        lo = np.clip(centre - z * sd, 0, math.pi / 2)
        hi = np.clip(centre + z * sd, 0, math.pi / 2)
        return np.sin(lo) ** 2, np.sin(hi) ** 2


def _unadjusted_limits(
    den: np.ndarray, data_type: DataType, sr_method: SRMethod, target: float, key: str
) -> tuple[np.ndarray, np.ndarray]:
    if data_type is DataType.SR:
        _, p_lo, p_hi = _LEVELS[key]
        with np.errstate(divide="ignore", invalid="ignore"):
            lower = stats.chi2.ppf(p_lo, 2 * den) / 2 / den
            upper = stats.chi2.ppf(p_hi, 2 * (den + 1)) / 2 / den
        return target * lower, target * upper
    return _od_limits(den, data_type, sr_method, target, 0.0, key)


def _limit_columns(
    den: np.ndarray, data_type: DataType, sr_method: SRMethod, target: float, tau2: float,
    adjusted: bool, multiplier: float,
) -> dict[str, np.ndarray]:
    cols: dict[str, np.ndarray] = {}
    for key in ("95", "998"):
        ulo, uhi = _unadjusted_limits(den, data_type, sr_method, target, key)
        olo, ohi = _od_limits(den, data_type, sr_method, target, tau2, key)
        cols[f"unadj_lcl{key}"] = ulo * multiplier
        cols[f"unadj_ucl{key}"] = uhi * multiplier
        cols[f"od_lcl{key}"] = olo * multiplier
        cols[f"od_ucl{key}"] = ohi * multiplier
    for key in ("95", "998"):
        src = "od" if adjusted else "unadj"
        cols[f"lcl{key}"] = cols[f"{src}_lcl{key}"]
        cols[f"ucl{key}"] = cols[f"{src}_ucl{key}"]
    return cols


def flag_outliers(
    value: ArrayLike, lower: ArrayLike, upper: ArrayLike
) -> tuple[np.ndarray, np.ndarray]:
    """Flag values strictly beyond their limits (a value exactly on a limit is **not** an outlier).

    Returns ``(outlier, distance)``: distance is value - upper above, value - lower below, else 0.

    >>> flag_outliers([0.8, 0.9, 1.2], 0.9, 1.1)[0].tolist()
    [True, False, True]
    """
    value = np.asarray(value, dtype=float)
    lower = np.asarray(lower, dtype=float)
    upper = np.asarray(upper, dtype=float)
    high = value > upper
    low = value < lower
    distance = np.where(high, value - upper, np.where(low, value - lower, 0.0))
    return high | low, distance


def funnel_plot(
    numerator: ArrayLike,
    denominator: ArrayLike,
    unit_id: ArrayLike | None = None,
    *,
    data_type: DataType | str = DataType.SR,
    sr_method: SRMethod | str = SRMethod.SHMI,
    limit: float | str = 99.8,
    od_adjust: bool = True,
    trim_by: float = 0.1,
    multiplier: float = 1.0,
    shmi_rounding: bool = True,
    grid_points: int = 1000,
) -> FunnelResult:
    """Funnel plot statistics with parity to FunnelPlotR ``funnel_plot()`` (v0.6.0).

    Args:
        numerator: observed events (SR, RC) or successes (PR) per unit (or per record).
        denominator: expected events (SR), comparison counts (RC) or trials (PR).
        unit_id: unit labels; repeated labels are summed (record-level input). Defaults to the
            Series index or 0..n-1.
        data_type: ``"SR"`` (default), ``"PR"`` or ``"RC"``.
        sr_method: ``"SHMI"`` (default) or ``"CQC"``; SR only.
        limit: level for the ``outlier`` columns: 95 or 99.8 (FunnelPlotR's ``99`` accepted).
        od_adjust: use overdispersion-adjusted limits when phi > 1 (FunnelPlotR ``draw_adjusted``).
        trim_by: fraction Winsorised (CQC/PR/RC) or truncated (SHMI) at *each* end (default 0.1).
        multiplier: scale for values and limits (e.g. 100).
        shmi_rounding: round expected values to 2 dp for SR/SHMI, as NHS Digital does.
        grid_points: points in the smooth limit curve (plus each unit's own denominator).

    Returns:
        :class:`FunnelResult`.

    Raises:
        StatsInputError: negative counts, numerator > denominator for PR, bad arguments.
        InsufficientDataError: fewer than two units with usable data.

    Rows with missing values or zero denominators are excluded and listed in ``excluded``.
    Standardised-ratio units with no events (see the module docstring, "Zero counts") get a
    finite z-score, are judged exactly against the Poisson limits and are not assessed against
    the SHMI log-scale adjusted limits; PR and RC zeros need nothing special.

    >>> fp = funnel_plot([100, 150, 180, 80, 120, 225], [108, 112, 165, 95, 100, 220],
    ...                  ["a", "b", "c", "d", "e", "f"])
    >>> round(fp.phi, 6), fp.adjusted
    (2.948033, True)
    """
    dtype = DataType(str(data_type).upper())
    method = SRMethod(str(sr_method).upper())
    key = _level_key(limit)
    if not 0 <= trim_by < 0.5:
        raise StatsInputError("trim_by must be in [0, 0.5)")
    if grid_points < 2:
        raise StatsInputError("grid_points must be at least 2")
    agg, excluded = _prepare(numerator, denominator, unit_id, dtype)
    if len(agg) < 2:
        raise InsufficientDataError(f"a funnel plot needs at least two units with data, got {len(agg)}")
    num = agg["numerator"].to_numpy(float)
    den = agg["denominator"].to_numpy(float)
    if dtype is DataType.SR and method is SRMethod.SHMI and shmi_rounding:
        den = np.round(den, 2)
        if np.any(den <= 0):
            raise StatsInputError("expected values round to 0.00; cannot use SHMI rounding")
        agg["denominator"] = den
    target = 1.0 if dtype is DataType.SR else float(num.sum() / den.sum())

    y, s, t, z = _transform(num, den, dtype, method, target)
    shmi = dtype is DataType.SR and method is SRMethod.SHMI
    zero = (num == 0) if dtype is DataType.SR else np.zeros(len(num), dtype=bool)
    if shmi:  # log(0) has no z-score; use the exact Poisson one (finite, enters phi like any other)
        z = np.where(zero, _zero_count_z(den), z)
    if trim_by == 0:
        wz, trimmed, trim_lo, trim_hi = z.copy(), np.zeros(len(z), dtype=bool), math.nan, math.nan
    elif shmi:
        wz, trimmed, trim_lo, trim_hi = _truncate(z, trim_by)
    else:
        wz, trimmed, trim_lo, trim_hi = _winsorise(z, trim_by)
    phi, tau2, n_disp = _dispersion(wz, s)
    adjusted = bool(od_adjust and np.isfinite(phi) and phi > 1)
    tau2_active = tau2 if adjusted else 0.0
    with np.errstate(divide="ignore", invalid="ignore"):
        z_adj = (y - t) / np.sqrt(s**2 + tau2_active)
        value = num / den * multiplier
    # Zero events under SR: with the exact Poisson (unadjusted) limits a zero is judged exactly,
    # low when P(O = 0 | E) = exp(-E) is below the tail; with the log-scale adjusted limits it
    # cannot be judged (log 0); on the CQC square-root scale it is an ordinary point.
    not_assessed = zero & shmi & adjusted
    exact_zero = zero & ~adjusted
    if shmi:
        z_adj = np.where(zero, np.nan if adjusted else z, z_adj)

    unit_cols = _limit_columns(den, dtype, method, target, tau2, adjusted, multiplier)
    units = pd.DataFrame(
        {
            "unit": agg["unit"].to_numpy(),
            "numerator": num,
            "denominator": den,
            "value": value,
            "y": np.where(zero & shmi, np.nan, y),
            "s": s,
            "z": z,
            "z_winsorised": wz,
            "z_adjusted": z_adj,
            "trimmed": trimmed,
            "zero": zero,
            "assessed": ~not_assessed,
            **unit_cols,
        }
    )
    p_zero = np.exp(-den)
    for k in ("95", "998", "active"):
        level = key if k == "active" else k
        flag, distance = flag_outliers(value, unit_cols[f"lcl{level}"], unit_cols[f"ucl{level}"])
        exact_low = exact_zero & (p_zero < _LEVELS[level][1])
        flag = np.where(exact_zero, exact_low, flag) & ~not_assessed
        distance = np.where(flag, distance, 0.0)
        if k == "active":
            units["outlier"] = flag
            units["direction"] = np.where(distance > 0, "high", np.where(distance < 0, "low", None))
            units["distance"] = distance
        else:
            units[f"outlier{k}"] = flag

    start = 1.1 if dtype is DataType.SR else 3.0
    max_x = math.ceil(float(den.max()))
    start = min(start, float(den.min()))
    grid = np.unique(np.concatenate([np.linspace(start, max(max_x, start), grid_points), den]))
    curve_cols = _limit_columns(grid, dtype, method, target, tau2, adjusted, multiplier)
    curve = pd.DataFrame({"denominator": grid, "target": target * multiplier, **curve_cols})

    return FunnelResult(
        data_type=dtype.value,
        sr_method=method.value,
        target=target,
        multiplier=float(multiplier),
        limit="95" if key == "95" else "99.8",
        phi=phi,
        tau2=tau2,
        adjusted=adjusted,
        trim_by=float(trim_by),
        n_units=len(units),
        n_dispersion=n_disp,
        units=units,
        limits=curve,
        excluded=excluded,
        trim_lower=trim_lo,
        trim_upper=trim_hi,
        n_zero=int(zero.sum()),
        n_not_assessed=int(not_assessed.sum()),
    )


def funnel_rate_sr(
    events: ArrayLike,
    population: ArrayLike,
    unit_id: ArrayLike | None = None,
    *,
    per: float = 1000.0,
    sr_method: SRMethod | str = SRMethod.SHMI,
    limit: float | str = 99.8,
    od_adjust: bool = True,
    trim_by: float = 0.1,
    grid_points: int = 1000,
) -> FunnelResult:
    """Funnel for event rates (e.g. A&E attendances per 1,000 patients): SR against the pooled rate.

    Expected events for each unit = population x pooled rate (sum events / sum population), and
    the unit's indirectly standardised ratio O/E is assessed with :func:`funnel_plot`
    (``data_type="SR"``, SHMI log scale, overdispersion-adjusted by default; expected values are
    not rounded). This is the dashboard default for rates -- see the module docstring for why.

    The returned ``units`` and ``limits`` frames carry extra columns on the **rate scale**
    (per ``per`` population): ``population``, ``rate``, ``rate_lcl95``, ``rate_ucl95``,
    ``rate_lcl998``, ``rate_ucl998`` (limit ratio x pooled rate x per); ``limits`` gets
    ``population`` (= expected / pooled rate) for the x-axis. ``target`` stays 1 (the ratio scale).

    >>> fr = funnel_rate_sr([30, 45, 25, 60, 41], [10000, 12000, 9000, 15000, 11000], list("abcde"))
    >>> float(fr.units["rate"].iloc[0]), round(float(fr.units["rate_lcl95"].iloc[0]), 4)
    (3.0, 2.4598)
    """
    ev = np.asarray(events, dtype=float)
    pop = np.asarray(population, dtype=float)
    if ev.shape != pop.shape:
        raise StatsInputError("events and population must be the same length")
    usable = np.isfinite(ev) & np.isfinite(pop) & (pop > 0)
    if usable.sum() < 2:
        raise InsufficientDataError("a funnel plot needs at least two units with data")
    pooled = float(ev[usable].sum() / pop[usable].sum())
    if pooled <= 0:
        raise StatsInputError("no events in any unit: the pooled rate is 0, so expected counts are 0")
    if unit_id is None and isinstance(events, pd.Series):
        unit_id = events.index
    result = funnel_plot(
        ev, pop * pooled, unit_id, data_type=DataType.SR, sr_method=sr_method, limit=limit,
        od_adjust=od_adjust, trim_by=trim_by, multiplier=1.0, shmi_rounding=False,
        grid_points=grid_points,
    )
    scale = pooled * per
    for frame in (result.units, result.limits):
        frame["population"] = frame["denominator"] / pooled
        for k in ("lcl95", "ucl95", "lcl998", "ucl998"):
            frame[f"rate_{k}"] = frame[k] * scale
    result.units["rate"] = result.units["value"] * scale
    result.limits["rate_target"] = scale
    return result


# ----------------------------------------------------------------------------------------------
# Fingertips (PHEindicatormethods) funnels
# ----------------------------------------------------------------------------------------------


def _r_nchar(value: float) -> int:
    """Number of characters R's ``as.character`` gives a whole number (fixed vs scientific)."""
    v = int(value)
    if v == 0:
        return 1
    fixed = len(str(abs(v))) + (v < 0)
    digits = str(abs(v)).rstrip("0")
    exponent = len(str(abs(v))) - 1
    sci = (1 if len(digits) == 1 else len(digits) + 1) + 2 + max(2, len(str(exponent))) + (v < 0)
    return sci if sci < fixed else fixed


def _signif_floor(x: float, percentage_down: float = 0.95) -> float:
    if x == 0:
        return 0.0
    n = _r_nchar(math.floor(x * percentage_down)) - 1
    return math.floor(x * percentage_down / 10**n) * 10**n


def _signif_ceiling(x: float, percentage_up: float = 1.05) -> float:
    if x == 0:
        return 0.0
    n = _r_nchar(math.ceil(x * percentage_up)) - 2
    return math.ceil(x * percentage_up / 10**n) * 10**n


def _funnel_grid(axis_min: float, axis_max: float, offset_shift: int) -> np.ndarray:
    """Fingertips' 100-point x-axis: geometric spacing, at least +1 each step, R rounding."""
    col = [max(1.0, axis_min)]
    for j in range(2, 101):
        offset = j - offset_shift
        prev = col[-1]
        col.append(max(float(np.round((axis_max / prev) ** (1 / (101 - offset)) * prev)), prev + 1))
    return np.asarray(col)


def _fingertips_poisson_search(obs: np.ndarray, tail: float, side: str) -> np.ndarray:
    """Poisson mean found by Fingertips' interval-halving search (its Excel macro / R port).

    Searches ``v`` in (0, 1) with ``mean = (1 + obs) v / (1 - v)``, halving the step from 0.25
    down to 2**-24. ``side="low"``: P(X >= obs | mean) = tail; ``side="high"``: P(X <= obs | mean)
    = tail. The answer agrees with the chi-square form to the search tolerance (about 1e-4
    relative at one event), so it is used where parity with published Fingertips figures matters.
    """
    v = np.full(obs.shape, 0.5)
    dv = 0.5
    while dv > 1e-7:
        dv /= 2
        mean = (1 + obs) * v / (1 - v)
        tail_now = stats.poisson.sf(obs - 1, mean) if side == "low" else stats.poisson.cdf(obs, mean)
        go_down = tail_now > tail if side == "low" else tail_now < tail
        v = np.where(go_down, v - dv, v + dv)
    return (1 + obs) * v / (1 - v)


def _exp_events_lower_limit(obs: np.ndarray, tail: float, exact: bool) -> np.ndarray:
    """Poisson mean with P(X <= obs) = tail (the 'high' expected count giving the lower limit)."""
    if exact:
        return stats.chi2.ppf(1 - tail, 2 * (obs + 1)) / 2
    return _fingertips_poisson_search(obs, tail, "high")


def _exp_events_upper_limit(obs: np.ndarray, tail: float, exact: bool) -> np.ndarray:
    """Poisson mean with P(X >= obs) = tail (the 'low' expected count giving the upper limit)."""
    if exact:
        with np.errstate(invalid="ignore"):
            return stats.chi2.ppf(tail, 2 * obs) / 2
    return _fingertips_poisson_search(obs, tail, "low")


def _derived_denominator(
    numerator: np.ndarray, rate: np.ndarray, denominator: np.ndarray | None, rate_type: str,
    multiplier: float,
) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        derived = multiplier * numerator / rate
    if rate_type == "dsr":
        return np.where(numerator == 0, np.nan, derived)
    if denominator is not None:
        return np.where(numerator == 0, denominator, derived)
    return derived


def _as_optional(x: ArrayLike | None) -> np.ndarray | None:
    return None if x is None else np.asarray(x, dtype=float)


def fingertips_funnel_limits(
    numerator: ArrayLike,
    denominator: ArrayLike | None = None,
    *,
    statistic: str,
    multiplier: float,
    ratio_type: str | None = None,
    rate: ArrayLike | None = None,
    rate_type: str | None = None,
    years_of_data: float | None = None,
    exact: bool = False,
) -> pd.DataFrame:
    """Fingertips funnel control limits (PHEindicatormethods ``calculate_funnel_limits``).

    Returns 100 rows over Fingertips' x-axis (spacing, axis rounding and labels as the R package):

    * ``statistic="proportion"``: columns ``Population``, ``lower_2s_limit``, ``upper_2s_limit``,
      ``lower_3s_limit``, ``upper_3s_limit``, ``baseline``. The limits are the observed proportions
      whose Wilson 95 % / 99.8 % interval just reaches the pooled average ``p``, which reduces to
      ``p -/+ z sqrt(p (1 - p) / n)``, clipped to [0, 1] x multiplier.
    * ``statistic="ratio"`` (``ratio_type`` ``"count"`` -> ratio - 1, ``"isr"`` -> ratio x 100):
      ``Observed_events`` with, per limit, the expected events at which the exact Poisson
      interval of the observed count reaches 1 (``*_exp_events``) and the limit ``O / E``.
    * ``statistic="rate"`` (``rate_type`` ``"dsr"`` or ``"crude"``, needs ``rate`` and
      ``years_of_data``): ``Events`` with ``*_population_1_year`` and the rate limits, ``baseline``.

    ``2s`` = 95 % (0.025 each tail), ``3s`` = 99.8 % (0.001 each tail). For ratios and rates the
    Poisson means come from Fingertips' interval-halving search (parity with published figures);
    ``exact=True`` uses the closed chi-square form instead (differs by < 1e-4 relative).
    """
    stat = statistic.lower()
    num = np.asarray(numerator, dtype=float)
    den = _as_optional(denominator)
    if stat == "proportion":
        if den is None:
            raise StatsInputError("proportions need a denominator")
        av = num.sum() / den.sum()
        dmin, dmax = float(np.nanmin(den)), float(np.nanmax(den))
        axis_min = 0.0 if dmax > 2 * dmin else _signif_floor(dmin)
        pop = _funnel_grid(axis_min, _signif_ceiling(dmax), 0)
        out = {"Population": pop}
        for name, z in (("2s", Z95), ("3s", Z998)):
            half = z * np.sqrt(av * (1 - av) / pop)
            out[f"lower_{name}_limit"] = np.maximum(0.0, (av - half) * multiplier)
            out[f"upper_{name}_limit"] = np.minimum(1.0 * multiplier, (av + half) * multiplier)
        out["baseline"] = np.full(len(pop), av * multiplier)
        frame = pd.DataFrame(out)
        return frame[["Population", "lower_2s_limit", "upper_2s_limit", "lower_3s_limit",
                      "upper_3s_limit", "baseline"]]
    if stat == "ratio":
        if den is None or ratio_type not in ("count", "isr"):
            raise StatsInputError("ratios need a denominator (expected) and ratio_type 'count' or 'isr'")
        dmin, dmax = float(np.nanmin(den)), float(np.nanmax(den))
        axis_min = 0.0 if dmax > 2 * dmin else _signif_floor(dmin)
        obs = _funnel_grid(axis_min, _signif_ceiling(dmax), 1)
        out = {"Observed_events": obs}
        for name, tail in (("2s", 0.025), ("3s", 0.001)):
            lo_e = _exp_events_lower_limit(obs, tail, exact)
            up_e = _exp_events_upper_limit(obs, tail, exact)
            lo, up = obs / lo_e, obs / up_e
            if ratio_type == "count":
                lo, up = lo - 1, up - 1
            else:
                lo, up = lo * 100, up * 100
            out[f"lower_{name}_exp_events"] = lo_e
            out[f"lower_{name}_limit"] = lo
            out[f"upper_{name}_exp_events"] = up_e
            out[f"upper_{name}_limit"] = up
        return pd.DataFrame(out)
    if stat == "rate":
        if rate is None or rate_type not in ("dsr", "crude") or not years_of_data:
            raise StatsInputError("rates need rate, rate_type ('dsr' or 'crude') and years_of_data")
        if np.any(num == 0) and den is None:
            raise StatsInputError("for rates with 0 events the denominator must be provided")
        derived = _derived_denominator(num, np.asarray(rate, dtype=float), den, rate_type, multiplier)
        av = num.sum() / np.nansum(derived)
        dmin, dmax = float(np.nanmin(derived)), float(np.nanmax(derived))
        axis_min = 0.0 if dmax > 2 * dmin else _signif_floor(dmin / years_of_data) * years_of_data
        axis_max = _signif_ceiling(dmax / years_of_data) * years_of_data
        events = _funnel_grid(math.floor(axis_min * av), math.ceil(axis_max * av), 0)
        out = {"Events": events}
        for name, tail in (("2s", 0.025), ("3s", 0.001)):
            lo_pop = _exp_events_lower_limit(events, tail, exact) / av
            up_pop = _exp_events_upper_limit(events, tail, exact) / av
            out[f"lower_{name}_population_1_year"] = lo_pop / years_of_data
            out[f"lower_{name}_limit"] = events / lo_pop * multiplier
            out[f"upper_{name}_population_1_year"] = up_pop / years_of_data
            out[f"upper_{name}_limit"] = events / up_pop * multiplier
        out["baseline"] = np.full(len(events), av * multiplier)
        frame = pd.DataFrame(out)
        frame["statistic"] = f"rate ({rate_type} per {int(multiplier):,})"
        return frame
    raise StatsInputError("statistic must be 'proportion', 'ratio' or 'rate'")


def _ratio_significance_bound(obs: np.ndarray, expected: np.ndarray, p: float, side: str) -> np.ndarray:
    """Lower/upper limit of obs/expected as PHEindicatormethods funnel_ratio_significance."""
    lower, upper, _ = poisson_count_ci(obs, p)
    bound = lower if side == "low" else upper
    with np.errstate(divide="ignore", invalid="ignore"):
        return bound / expected


def fingertips_funnel_significance(
    numerator: ArrayLike,
    denominator: ArrayLike | None,
    *,
    statistic: str,
    rate: ArrayLike | None = None,
    rate_type: str | None = None,
    multiplier: float | None = None,
) -> pd.Series:
    """Fingertips funnel significance labels (PHEindicatormethods ``assign_funnel_significance``).

    * proportion: the observed proportion against the Wilson-based limits around the pooled
      average (strictly below/above the 99.8 % limit -> ``"Low (0.001)"``/``"High (0.001)"``,
      else against the 95 % limit -> ``"(0.025)"``, else ``"Not significant"``);
    * ratio: the exact (< 10) / Byar's (>= 10) interval of observed/expected against 1;
    * rate: the same interval of events / derived denominator against the pooled rate;
      DSRs with fewer than 10 events are ``"Not applicable for events less than 10 for dsrs"``.

    Returns a Series of :class:`FingertipsSignificance` values (strings).

    >>> fingertips_funnel_significance([8, 151], [6.239860227, 106.4429719], statistic="ratio").tolist()
    ['Not significant', 'High (0.001)']
    """
    stat = statistic.lower()
    num = np.asarray(numerator, dtype=float)
    den = _as_optional(denominator)
    index = numerator.index if isinstance(numerator, pd.Series) else None
    if np.any(num < 0):
        raise StatsInputError("numerators must be greater than or equal to zero")
    if den is not None and np.any(den <= 0):
        raise StatsInputError("denominators must be greater than zero")
    labels = np.full(num.shape, FingertipsSignificance.NOT_SIGNIFICANT.value, dtype=object)
    if stat == "proportion":
        if den is None:
            raise StatsInputError("proportions need a denominator")
        if np.any(num > den):
            raise StatsInputError("numerators must be less than or equal to denominator for a proportion")
        av = num.sum() / den.sum()
        p = num / den
        h95 = Z95 * np.sqrt(av * (1 - av) / den)
        h998 = Z998 * np.sqrt(av * (1 - av) / den)
        conds = [(p < av - h998, "LOW_0001"), (p < av - h95, "LOW_0025"),
                 (p > av + h998, "HIGH_0001"), (p > av + h95, "HIGH_0025")]
    elif stat in ("ratio", "rate"):
        if stat == "ratio":
            if den is None:
                raise StatsInputError("ratios need a denominator (expected counts)")
            expected, reference = den, 1.0
        else:
            if rate is None or rate_type not in ("dsr", "crude") or multiplier is None:
                raise StatsInputError("rates need rate, rate_type ('dsr' or 'crude') and multiplier")
            if np.any(num == 0) and den is None:
                raise StatsInputError("for rates with 0 events the denominator must be provided")
            expected = _derived_denominator(num, np.asarray(rate, dtype=float), den, rate_type, multiplier)
            reference = num.sum() / np.nansum(expected)
        lo998 = np.where(num == 0, 0.0, _ratio_significance_bound(num, expected, 0.998, "low"))
        lo95 = np.where(num == 0, 0.0, _ratio_significance_bound(num, expected, 0.95, "low"))
        up998 = _ratio_significance_bound(num, expected, 0.998, "high")
        up95 = _ratio_significance_bound(num, expected, 0.95, "high")
        conds = [(reference < lo998, "HIGH_0001"), (reference < lo95, "HIGH_0025"),
                 (reference > up998, "LOW_0001"), (reference > up95, "LOW_0025")]
    else:
        raise StatsInputError("statistic must be 'proportion', 'ratio' or 'rate'")
    decided = np.zeros(num.shape, dtype=bool)
    for cond, name in conds:
        hit = np.asarray(cond, dtype=bool) & ~decided
        labels[hit] = FingertipsSignificance[name].value
        decided |= hit
    if stat == "rate" and rate_type == "dsr":
        labels[num < 10] = FingertipsSignificance.NOT_APPLICABLE_DSR.value
    return pd.Series(labels, index=index, name="significance", dtype=object)


def fingertips_funnel_points(
    numerator: ArrayLike,
    rate: ArrayLike,
    denominator: ArrayLike | None = None,
    *,
    rate_type: str,
    years_of_data: float,
    multiplier: float,
) -> pd.DataFrame:
    """Chart points for a Fingertips rate funnel (PHEindicatormethods ``calculate_funnel_points``).

    Returns ``rate_chart`` (the rate; NaN for DSRs with < 10 events) and ``denominator_derived``
    (annual population implied by the rate: multiplier x events / rate / years; for crude rates with
    0 events the supplied denominator / years).

    >>> pts = fingertips_funnel_points([414], [184], rate_type="dsr", years_of_data=3, multiplier=1e5)
    >>> pts.round(2).values.tolist()
    [[184.0, 75000.0]]
    """
    num = np.asarray(numerator, dtype=float)
    rt = np.asarray(rate, dtype=float)
    den = _as_optional(denominator)
    if rate_type not in ("dsr", "crude"):
        raise StatsInputError("rate_type must be 'dsr' or 'crude'")
    if rate_type == "crude" and np.any(num == 0) and den is None:
        raise StatsInputError("for rates with 0 events the denominator must be provided")
    with np.errstate(divide="ignore", invalid="ignore"):
        derived = multiplier * num / rt / years_of_data
    if rate_type == "dsr":
        chart = np.where(num < 10, np.nan, rt)
        derived = np.where(num < 10, np.nan, derived)
    else:
        chart = rt
        if den is not None:
            derived = np.where(num == 0, den / years_of_data, derived)
    return pd.DataFrame({"rate_chart": chart, "denominator_derived": derived})


