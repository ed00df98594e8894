"""Statistical process control (SPC) for KPI trajectories: XmR charts in the NHS "plot the dots" style.

Pure module (numpy + pandas only: no Streamlit, no database). It reproduces the method of
**NHSRplotthedots** (NHS-R Community's R implementation of NHS England's *Making Data Count*, MDC)
so that a chart drawn by the dashboard agrees with one drawn by ``ptd_spc()``.

Method (per rebase segment, all constants as in NHSRplotthedots ``ptd_spc_standard()``)
--------------------------------------------------------------------------------------
* **Baseline**: the first ``fix_after_n_points`` rows of the segment (all rows if not set;
  rows with a missing value count, as plotthedots' ``row_number()`` does).
* **Mean**: mean of the non-missing baseline values (two-pass, like R's ``mean()``).
* **Moving ranges**: ``|y[i] - y[i-1]|`` between consecutive rows of the segment; a moving range
  next to a missing value is missing (gaps are not bridged). The average moving range (mR-bar)
  is the mean of the baseline moving ranges.
* **Outlier screening** (``screen_outliers=True``, the plotthedots default, after Nelson 1982):
  moving ranges that are not strictly below ``3.267 × mR-bar`` are dropped and mR-bar is
  recomputed once. ``screen_outliers=False`` reproduces the MDC Excel tool.
* **Process limits**: ``mean ± 2.66 × mR-bar``; **two-sigma lines**: ``mean ± 2 × (2.66 / 3) × mR-bar``.

Special-cause rules (evaluated within each segment; priority as plotthedots, highest first)
-------------------------------------------------------------------------------------------
1. ``outside_limits`` — a point strictly above the upper or below the lower process limit.
2. ``seven_point_trend`` — the point is one of 7 consecutive points each strictly higher (or
   lower) than the one before, i.e. 6 consecutive increases; a tie breaks the trend. The
   trend's direction, not the side of the mean, says high/low. A point shared by a rising and
   a falling trend takes the later (right-hand) trend.
3. ``two_in_three`` — the point lies between a two-sigma line and the process limit (beyond
   2σ but not outside the limits) and is one of at least two such points in some window of
   three consecutive points that are *all three* on the same side of the mean.
4. ``seven_point_one_side`` — the point is one of 7 or more consecutive points on the same
   side of the mean; a point exactly on the mean breaks the run.

When several rules fire, the highest-priority rule decides the label and the direction
(``special_cause_type``: "Above UCL", "Below LCL", "7 Point Trend (Increasing)",
"7 Point Trend (Decreasing)", "2 in 3 Above CL", "2 in 3 Below CL", "7 Points Above CL",
"7 Points Below CL", "Common Cause" — plotthedots' strings). The direction is combined with
the improvement direction into plotthedots' ``point_type`` (``common_cause``,
``special_cause_improvement``, ``special_cause_concern``, ``special_cause_neutral_high``,
``special_cause_neutral_low``) and a display label ("Common Cause", "Special Cause -
Improvement", "Special Cause - Concern", "Special Cause - Neither").

Icons and assurance
-------------------
* **Variation icon**: from the point type of the last (non-missing) point, as plotthedots'
  ``ptd_get_icons()``: common cause; improvement high/low (high when "increase" is better);
  concern high/low; neutral high/low.
* **Assurance icon** (needs a target and a directional polarity): from the process limits of
  the latest segment: target above the upper limit → consistently failing if higher is better
  (passing if lower is better); target below the lower limit → the reverse; otherwise
  (including a target exactly on a limit) hit-and-miss ("inconsistent").

Decisions where plotthedots is undefined or has known problems (documented, tested)
-----------------------------------------------------------------------------------
* **Missing values (NaN)** keep their row. As in plotthedots' arithmetic they are excluded from
  the mean (``na.rm``), the moving ranges on both sides of them are missing, and — because an
  ``NA`` comparison is never true — a window containing one never satisfies a run, trend or
  two-in-three rule (a gap breaks runs). plotthedots then labels the NaN row "common_cause"
  or mis-flags neighbours (NHSRplotthedots issue #156); here the row gets a missing
  ``point_type`` / ``point_label`` / ``special_cause_type`` (NaN in the string columns), no
  rule flag, and the variation icon comes from the last non-missing point.
* **Constant baseline** (mR-bar = 0): plotthedots' strict ``<`` screen would drop every moving
  range and give undefined (NA) limits; here screening is skipped when mR-bar is 0, so the
  limits collapse onto the mean (points on the mean are common cause).
* **Too few points**: a segment with no pair of consecutive non-missing baseline values has no
  moving range, so its limits are NaN (a warning says so); no rule that needs limits can fire,
  and neither icon is given for it.
* **Short segments**: each row carries ``short_group_warning`` (segment has fewer than 12 rows,
  the threshold in plotthedots' documentation, vignette, tests and message — one stored version
  of ``ptd_add_short_group_warnings()`` defaults to 13 while still printing "n < 12") and the
  summary repeats plotthedots' warning text.
* **Zero-width limits on the target** (a constant segment sitting on its target) give the
  ``consistent_pass`` assurance: every point meets the target (plotthedots has no limits there, and
  would call a target *on* a limit hit-and-miss, as this module still does for wider limits).
* A point that ends one trend and whose right-hand neighbour starts a *different* trend
  (e.g. ``1..7`` then ``0..6``) keeps its own trend's direction; plotthedots would take the
  sign of the step to the neighbour there.

When to recalculate, which rule fired, what is drawn
----------------------------------------------------
* :func:`sustained_shift_rebase`: known changes (go-lives) followed by a sustained shift (the shift
  rule's 7 points on one side of the mean of the process before the change) become rebase points;
  Making Data Count recalculates only at a sustained change with a known cause.
* :func:`rebase_suggestions`: runs of 7+ points on one side of the mean that do not start a segment,
  offered to the user (never applied automatically, as plotthedots' maintainers advise).
* :func:`rules_fired`: every rule that fired at a point, in Making Data Count's words.
* :func:`clip_for_display`: lines clipped to the values' range for drawing; flags use unclipped limits.

Reference: NHS England, *Making Data Count* (2019) and its "plot the dots" Excel tools;
NHS-R Community, NHSRplotthedots (https://github.com/nhs-r-community/NHSRplotthedots).

Example
-------
>>> import numpy as np
>>> result = spc([10, 11, 9, 10, 12, 11, 10, 9, 11, 10, 10, 11, 30],
...              improvement_direction="higher_is_better", target=5)
>>> result.data["point_type"].iloc[-1]
'special_cause_improvement'
>>> str(result.summary.variation_icon), str(result.summary.assurance_icon)
('improvement_high', 'consistent_pass')
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view

from data.stats.errors import StatsInputError
from data.stats.types import Polarity, coerce_polarity

__all__ = [
    "LIMIT",
    "LIMIT_CLOSE",
    "MIN_FIX_AFTER_N_POINTS",
    "RULE_NAMES",
    "RUN_LENGTH",
    "SCREEN_FACTOR",
    "SHORT_GROUP_THRESHOLD",
    "SPC_COLUMNS",
    "AssuranceIcon",
    "ImprovementDirection",
    "PointType",
    "RebaseSuggestion",
    "SpcBatch",
    "SpcResult",
    "SpcSummary",
    "VariationIcon",
    "assurance_type",
    "clip_for_display",
    "normalise_direction",
    "rebase_suggestions",
    "rules_fired",
    "short_group_message",
    "spc",
    "spc_batch",
    "sustained_shift_rebase",
    "variation_icon",
]

#: Scaling factor from the average moving range to the 3-sigma process limits (plotthedots ``limit``).
LIMIT = 2.66
#: Scaling factor to the two-sigma lines, computed as plotthedots does: ``2 * (2.66 / 3)``.
LIMIT_CLOSE = 2 * (LIMIT / 3)
#: Moving ranges not strictly below ``SCREEN_FACTOR * mR-bar`` are screened out (Nelson 1982).
SCREEN_FACTOR = 3.267
#: Number of points that make a trend or a run on one side of the mean.
RUN_LENGTH = 7
#: A segment with fewer rows than this carries ``short_group_warning`` ("trial limits").
SHORT_GROUP_THRESHOLD = 12
#: plotthedots rejects ``fix_after_n_points`` below this value.
MIN_FIX_AFTER_N_POINTS = 12

#: Columns of :attr:`SpcResult.data`, in order (see :func:`spc` for their meaning).
SPC_COLUMNS: tuple[str, ...] = (
    "x",
    "y",
    "rebase_group",
    "baseline",
    "moving_range",
    "moving_range_used",
    "average_moving_range",
    "mean",
    "lpl",
    "upl",
    "lower_two_sigma",
    "upper_two_sigma",
    "target",
    "relative_to_mean",
    "outside_limits",
    "close_to_limits",
    "seven_point_trend",
    "two_in_three",
    "seven_point_one_side",
    "special_cause_flag",
    "special_cause_type",
    "point_type",
    "point_label",
    "short_group_warning",
)


class ImprovementDirection(StrEnum):
    """plotthedots' ``improvement_direction`` values."""

    INCREASE = "increase"
    DECREASE = "decrease"
    NEUTRAL = "neutral"

    @property
    def sign(self) -> int:
        """+1 when higher is better, -1 when lower is better, 0 when neither."""
        return {"increase": 1, "decrease": -1, "neutral": 0}[self.value]


class PointType(StrEnum):
    """plotthedots' ``point_type`` of one point; :attr:`label` is the display text."""

    COMMON_CAUSE = "common_cause"
    SPECIAL_CAUSE_IMPROVEMENT = "special_cause_improvement"
    SPECIAL_CAUSE_CONCERN = "special_cause_concern"
    SPECIAL_CAUSE_NEUTRAL_HIGH = "special_cause_neutral_high"
    SPECIAL_CAUSE_NEUTRAL_LOW = "special_cause_neutral_low"

    @property
    def label(self) -> str:
        """Display label: "Common Cause", "Special Cause - Improvement" / "- Concern" / "- Neither"."""
        return _POINT_LABELS[self.value]


class VariationIcon(StrEnum):
    """Making Data Count variation icon (values are plotthedots' icon file names, without ``.svg``)."""

    COMMON_CAUSE = "common_cause"
    IMPROVEMENT_HIGH = "improvement_high"
    IMPROVEMENT_LOW = "improvement_low"
    CONCERN_HIGH = "concern_high"
    CONCERN_LOW = "concern_low"
    NEUTRAL_HIGH = "neutral_high"
    NEUTRAL_LOW = "neutral_low"


class AssuranceIcon(StrEnum):
    """Making Data Count assurance icon (values are plotthedots' ``assurance_type``)."""

    CONSISTENT_PASS = "consistent_pass"
    CONSISTENT_FAIL = "consistent_fail"
    INCONSISTENT = "inconsistent"


_POINT_LABELS = {
    "common_cause": "Common Cause",
    "special_cause_improvement": "Special Cause - Improvement",
    "special_cause_concern": "Special Cause - Concern",
    "special_cause_neutral_high": "Special Cause - Neither",
    "special_cause_neutral_low": "Special Cause - Neither",
}

# special-cause rule codes (int8) -> plotthedots' ``special_cause_type`` strings
_SC_COMMON, _SC_MISSING = 0, 9
_SC_TYPES: tuple[str | None, ...] = (
    "Common Cause",
    "Above UCL",
    "Below LCL",
    "7 Point Trend (Increasing)",
    "7 Point Trend (Decreasing)",
    "2 in 3 Above CL",
    "2 in 3 Below CL",
    "7 Points Above CL",
    "7 Points Below CL",
    None,  # missing value
)
_SC_TYPE_VALUES = np.array(_SC_TYPES, dtype=object)
# direction (+1 high / -1 low) carried by each rule code
_SC_SIGN = np.array([0, 1, -1, 1, -1, 1, -1, 1, -1, 0], dtype=np.int8)

# point-type codes: 0 common, 1 improvement, -1 concern, 2 neutral high, -2 neutral low, 9 missing
_PT_MISSING = 9
_PT_BY_CODE: dict[int, PointType | None] = {
    0: PointType.COMMON_CAUSE,
    1: PointType.SPECIAL_CAUSE_IMPROVEMENT,
    -1: PointType.SPECIAL_CAUSE_CONCERN,
    2: PointType.SPECIAL_CAUSE_NEUTRAL_HIGH,
    -2: PointType.SPECIAL_CAUSE_NEUTRAL_LOW,
    _PT_MISSING: None,
}

# lookup tables indexed by point-type code + 2 (codes -2..2 -> 0..4, missing 9 -> 11)
_PT_VALUES = np.full(_PT_MISSING + 3, None, dtype=object)
_PT_LABELS = np.full(_PT_MISSING + 3, None, dtype=object)
for _code, _pt in _PT_BY_CODE.items():
    if _pt is not None:
        _PT_VALUES[_code + 2] = _pt.value
        _PT_LABELS[_code + 2] = _pt.label

_PLOTTHEDOTS_DIRECTIONS = {d.value: d for d in ImprovementDirection}
_POLARITY_TO_DIRECTION = {
    Polarity.HIGHER_IS_BETTER: ImprovementDirection.INCREASE,
    Polarity.LOWER_IS_BETTER: ImprovementDirection.DECREASE,
    Polarity.NO_JUDGEMENT: ImprovementDirection.NEUTRAL,
}


def short_group_message(threshold: int = SHORT_GROUP_THRESHOLD) -> str:
    """Return plotthedots' warning for segments shorter than ``threshold`` rows.

    The text is that of NHSRplotthedots ``ptd_add_short_group_warnings()`` (with the threshold
    substituted, so it is identical at the default of 12).

    >>> short_group_message()[:40]
    "Some groups have 'n < 12' observations. "
    """
    return (
        f"Some groups have 'n < {threshold}' observations. "
        "These have trial limits, which will be revised with each additional observation "
        "until 'n = fix_after_n_points' has been reached."
    )


def normalise_direction(value: ImprovementDirection | Polarity | str) -> ImprovementDirection:
    """Map an improvement direction or app polarity to plotthedots' ``improvement_direction``.

    Accepts plotthedots' "increase" / "decrease" / "neutral" and the app's
    "higher_is_better" / "lower_is_better" / "no_judgement" (or :class:`Polarity` members).

    >>> normalise_direction("lower_is_better")
    <ImprovementDirection.DECREASE: 'decrease'>
    >>> normalise_direction("increase")
    <ImprovementDirection.INCREASE: 'increase'>
    """
    if isinstance(value, ImprovementDirection):
        return value
    if isinstance(value, str) and not isinstance(value, Polarity):
        key = value.strip().lower()
        if key in _PLOTTHEDOTS_DIRECTIONS:
            return _PLOTTHEDOTS_DIRECTIONS[key]
    try:
        return _POLARITY_TO_DIRECTION[coerce_polarity(value)]
    except StatsInputError as exc:
        raise StatsInputError(
            f"unknown improvement direction {value!r}; expected increase, decrease, neutral, "
            "higher_is_better, lower_is_better or no_judgement"
        ) from exc


def assurance_type(
    lpl: float, upl: float, target: float | None, improvement_direction: ImprovementDirection | Polarity | str
) -> AssuranceIcon | None:
    """Assurance of meeting ``target`` given process limits (plotthedots ``ptd_calculate_assurance_type``).

    Target strictly above the upper process limit: the process will consistently fail a
    "higher is better" target (consistently pass a "lower is better" one); strictly below the
    lower limit: the reverse; otherwise hit-and-miss (``INCONSISTENT``). Zero-width limits
    (a constant segment) equal to the target consistently pass: every point meets it (a
    documented deviation; plotthedots gives no limits there). Returns ``None`` when
    there is no target, the direction is neutral, or the limits are undefined (NaN).

    >>> assurance_type(1.0, 3.0, 4.0, "increase")
    <AssuranceIcon.CONSISTENT_FAIL: 'consistent_fail'>
    >>> assurance_type(1.0, 5.0, 4.0, "lower_is_better")
    <AssuranceIcon.INCONSISTENT: 'inconsistent'>
    """
    direction = normalise_direction(improvement_direction)
    if target is None or direction is ImprovementDirection.NEUTRAL:
        return None
    target, lpl, upl = float(target), float(lpl), float(upl)
    if np.isnan(target) or np.isnan(lpl) or np.isnan(upl):
        return None
    increasing = direction is ImprovementDirection.INCREASE
    if lpl == upl == target:
        # deviation: a zero-width process sitting on its target meets it at every point (plotthedots has no
        # limits for a constant series; "on a limit" would otherwise read hit-and-miss)
        return AssuranceIcon.CONSISTENT_PASS
    if target > upl:
        return AssuranceIcon.CONSISTENT_FAIL if increasing else AssuranceIcon.CONSISTENT_PASS
    if target < lpl:
        return AssuranceIcon.CONSISTENT_PASS if increasing else AssuranceIcon.CONSISTENT_FAIL
    return AssuranceIcon.INCONSISTENT


def variation_icon(
    point_type: PointType | str | None, improvement_direction: ImprovementDirection | Polarity | str
) -> VariationIcon | None:
    """Variation icon for the latest point's ``point_type`` (plotthedots ``ptd_get_icons``).

    Improvement shows "high" when higher is better and "low" when lower is better; concern the
    opposite; neutral special cause keeps its own high/low. ``None`` for a missing point.

    >>> variation_icon("special_cause_concern", "increase")
    <VariationIcon.CONCERN_LOW: 'concern_low'>
    >>> variation_icon("special_cause_improvement", "lower_is_better")
    <VariationIcon.IMPROVEMENT_LOW: 'improvement_low'>
    """
    if point_type is None:
        return None
    direction = normalise_direction(improvement_direction)
    pt = PointType(point_type)
    increasing = direction is ImprovementDirection.INCREASE
    return {
        PointType.COMMON_CAUSE: VariationIcon.COMMON_CAUSE,
        PointType.SPECIAL_CAUSE_NEUTRAL_HIGH: VariationIcon.NEUTRAL_HIGH,
        PointType.SPECIAL_CAUSE_NEUTRAL_LOW: VariationIcon.NEUTRAL_LOW,
        PointType.SPECIAL_CAUSE_IMPROVEMENT: (
            VariationIcon.IMPROVEMENT_HIGH if increasing else VariationIcon.IMPROVEMENT_LOW
        ),
        PointType.SPECIAL_CAUSE_CONCERN: VariationIcon.CONCERN_LOW if increasing else VariationIcon.CONCERN_HIGH,
    }[pt]


@dataclass(frozen=True)
class SpcSummary:
    """Headline of one SPC chart, as the dashboard's icons show it.

    Attributes:
        variation_icon: icon for the last non-missing point, or ``None`` if it has no limits / no data.
        assurance_icon: assurance against ``target`` from the latest segment's limits, or ``None``
            (no target, neutral direction, or no limits).
        warnings: human-readable warnings (short segments, no limits, missing values, unmatched rebase dates).
        improvement_direction: the plotthedots direction used.
        n_points: number of rows (missing values included).
        latest_point_type: point type of the last non-missing point (``None`` if there is none).
        mean, lpl, upl, lower_two_sigma, upper_two_sigma: lines of the latest segment (NaN if undefined).
        target: the target, or ``None``.
        n_common_cause, n_special_cause_improvement, n_special_cause_concern, n_special_cause_neutral:
            counts of point types over all segments.
    """

    variation_icon: VariationIcon | None
    assurance_icon: AssuranceIcon | None
    warnings: tuple[str, ...]
    improvement_direction: ImprovementDirection
    n_points: int
    latest_point_type: PointType | None
    mean: float
    lpl: float
    upl: float
    lower_two_sigma: float
    upper_two_sigma: float
    target: float | None
    n_common_cause: int
    n_special_cause_improvement: int
    n_special_cause_concern: int
    n_special_cause_neutral: int


class SpcResult(NamedTuple):
    """Return value of :func:`spc`: ``data`` (one row per point, columns :data:`SPC_COLUMNS`) and ``summary``."""

    data: pd.DataFrame
    summary: SpcSummary


# --------------------------------------------------------------------------------------------
# vectorised kernel: operates on an (m series × n points) float array sharing x / segments
# --------------------------------------------------------------------------------------------


def _masked_mean(a: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Row means of ``a`` over ``mask`` (NaN where the mask is empty), without RuntimeWarnings.

    Two passes, as R's ``mean()``: ``m = s / n`` then ``m += sum(x - m) / n``, so that e.g. the
    mean of a constant series is exactly that constant (a one-ulp error would put every point
    "above the mean" or outside zero-width limits). Sums are sequential (cumulative), so a
    series gets the same result whatever batch it is computed in.
    """
    m, n = a.shape
    out = np.full(m, np.nan)
    if n == 0:
        return out
    count = mask.sum(axis=1)
    has = count > 0
    total = np.cumsum(np.where(mask, a, 0.0), axis=1)[:, -1]
    np.divide(total, count, out=out, where=has)
    centre = np.where(has, out, 0.0)[:, None]
    correction = np.cumsum(np.where(mask, a - centre, 0.0), axis=1)[:, -1]
    return np.where(has, out + correction / np.maximum(count, 1), np.nan)


def _part_of_run(end_flags: np.ndarray, length: int = RUN_LENGTH) -> np.ndarray:
    """Mark every point of a run of ``length`` given flags on each run's last point.

    Same role as plotthedots ``ptd_part_of_seven_trend``: a point belongs to a run if a run ends
    on it or on one of the next ``length - 1`` points.
    """
    m, n = end_flags.shape
    if n == 0:
        return np.zeros((m, 0), dtype=bool)
    padded = np.zeros((m, n + length - 1), dtype=bool)
    padded[:, :n] = end_flags != 0
    return sliding_window_view(padded, length, axis=1).any(axis=2)


def _one_side_ends(rtm: np.ndarray) -> np.ndarray:
    """Flag the 7th and later points of runs on one side of the mean (``rtm`` in -1/0/+1; 0 breaks).

    Same role as plotthedots ``ptd_seven_point_one_side_mean``.
    """
    m, n = rtm.shape
    ends = np.zeros((m, n), dtype=bool)
    if n >= RUN_LENGTH:
        w = sliding_window_view(rtm, RUN_LENGTH, axis=1)
        ends[:, RUN_LENGTH - 1 :] = (w[..., 0] != 0) & (w == w[..., :1]).all(axis=2)
    return ends


def _steps(y: np.ndarray) -> np.ndarray:
    """Sign of each step ``y[i+1] - y[i]`` as int8 (0 for a tie or a step to/from a missing value)."""
    with np.errstate(invalid="ignore"):
        return np.nan_to_num(np.sign(np.diff(y, axis=1)), nan=0.0).astype(np.int8)


def _trend_ends(y: np.ndarray) -> np.ndarray:
    """+1 / -1 on the 7th and later points of rising / falling trends (6 strict steps in a row), else 0.

    Same role as plotthedots ``ptd_seven_point_trend``; a tie or a missing value breaks a trend.
    """
    m, n = y.shape
    ends = np.zeros((m, n), dtype=np.int8)
    if n >= RUN_LENGTH:
        w = sliding_window_view(_steps(y), RUN_LENGTH - 1, axis=1)
        ends[:, RUN_LENGTH - 1 :] = (w == 1).all(axis=2).astype(np.int8) - (w == -1).all(axis=2)
    return ends


def _trend_directions(y: np.ndarray) -> np.ndarray:
    """Per point: +1 if part of a rising trend, -1 if part of a falling one, else 0.

    A point shared by a rising and a falling trend (a peak or trough) takes the right-hand
    trend, i.e. the direction of its next step (plotthedots: "use right side").
    """
    m, n = y.shape
    ends = _trend_ends(y)
    up = _part_of_run(ends == 1)
    down = _part_of_run(ends == -1)
    out = up.astype(np.int8) - down.astype(np.int8)
    both = up & down
    if both.any():
        right = np.zeros((m, n), dtype=np.int8)
        right[:, : n - 1] = _steps(y)
        out[both] = right[both]
    return out


def _two_in_three_windows(close: np.ndarray, rtm: np.ndarray) -> np.ndarray:
    """Points inside some window of 3 with >= 2 points beyond 2σ and all 3 on the same side of the mean.

    Same role as plotthedots ``ptd_two_in_three`` (windows that run off either end never count).
    """
    m, n = close.shape
    if n < 3:
        return np.zeros((m, n), dtype=bool)
    c = close.astype(np.int8)
    r = rtm.astype(np.int8)
    csum = c[:, :-2] + c[:, 1:-1] + c[:, 2:]
    rsum = r[:, :-2] + r[:, 1:-1] + r[:, 2:]
    window = (csum >= 2) & (np.abs(rsum) == 3)
    padded = np.zeros((m, n + 2), dtype=bool)
    padded[:, 2:n] = window
    return padded[:, 0:n] | padded[:, 1 : n + 1] | padded[:, 2 : n + 2]


def _special_cause_codes(
    rtm: np.ndarray, outside: np.ndarray, trend: np.ndarray, two_in_three: np.ndarray, one_side: np.ndarray
) -> np.ndarray:
    """Deciding rule per point as an index into ``_SC_TYPES`` (plotthedots ``ptd_special_cause_type``).

    Priority: outside the limits ("Above UCL" if above the mean, else "Below LCL"), then trend
    (by its direction), then two-in-three, then 7 on one side ("Above" if above the mean, else
    "Below"); otherwise common cause.
    """
    code = np.zeros(rtm.shape, dtype=np.int8)
    above = rtm > 0
    # lowest priority first, so that higher priorities overwrite
    code[one_side] = np.where(above, 7, 8)[one_side]
    code[two_in_three] = np.where(above, 5, 6)[two_in_three]
    has_trend = trend != 0
    code[has_trend] = np.where(trend > 0, 3, 4)[has_trend]
    code[outside] = np.where(rtm == 1, 1, 2)[outside]
    return code


@dataclass(frozen=True, eq=False)
class _Segment:
    start: int
    stop: int
    group: int


def _kernel(
    y: np.ndarray,
    segments: Sequence[_Segment],
    fix_after_n_points: int | None,
    screen_outliers: bool,
) -> dict[str, np.ndarray]:
    """All per-point SPC arrays for ``y`` (m × n); see :func:`spc_batch` for the fields."""
    m, n = y.shape
    missing = np.isnan(y)
    out: dict[str, np.ndarray] = {
        name: np.full((m, n), np.nan)
        for name in ("mean", "lpl", "upl", "lower_two_sigma", "upper_two_sigma", "average_moving_range")
    }
    moving_range = np.full((m, n), np.nan)
    mr_used = np.zeros((m, n), dtype=bool)
    baseline = np.zeros(n, dtype=bool)
    rtm = np.zeros((m, n), dtype=np.int8)
    outside = np.zeros((m, n), dtype=bool)
    close = np.zeros((m, n), dtype=bool)
    trend = np.zeros((m, n), dtype=np.int8)
    two3 = np.zeros((m, n), dtype=bool)
    one_side = np.zeros((m, n), dtype=bool)

    for seg in segments:
        a, b = seg.start, seg.stop
        length = b - a
        base = length if fix_after_n_points is None else min(fix_after_n_points, length)
        baseline[a : a + base] = True
        ys = y[:, a:b]
        ok = ~missing[:, a:b]

        mean = _masked_mean(ys[:, :base], ok[:, :base])
        mr = np.full((m, length), np.nan)
        mr[:, 1:] = np.abs(np.diff(ys, axis=1))
        moving_range[:, a:b] = mr
        mr_base = mr[:, 1:base]
        valid = ~np.isnan(mr_base)
        amr = _masked_mean(mr_base, valid)
        if screen_outliers:
            with np.errstate(invalid="ignore"):
                keep = valid & (mr_base < SCREEN_FACTOR * amr[:, None])
            screened = _masked_mean(mr_base, keep)
            # deviation: with mR-bar == 0 nothing can be an outlier (plotthedots would give NA limits)
            constant = amr == 0
            keep[constant] = valid[constant]
            amr = np.where(constant, 0.0, screened)
        else:
            keep = valid
        mr_used[:, a + 1 : a + base] = keep

        mean_c = mean[:, None]
        amr_c = amr[:, None]
        lpl = mean_c - LIMIT * amr_c
        upl = mean_c + LIMIT * amr_c
        nlpl = mean_c - LIMIT_CLOSE * amr_c
        nupl = mean_c + LIMIT_CLOSE * amr_c
        shape = (m, length)
        out["mean"][:, a:b] = np.broadcast_to(mean_c, shape)
        out["average_moving_range"][:, a:b] = np.broadcast_to(amr_c, shape)
        out["lpl"][:, a:b] = np.broadcast_to(lpl, shape)
        out["upl"][:, a:b] = np.broadcast_to(upl, shape)
        out["lower_two_sigma"][:, a:b] = np.broadcast_to(nlpl, shape)
        out["upper_two_sigma"][:, a:b] = np.broadcast_to(nupl, shape)

        with np.errstate(invalid="ignore"):
            seg_rtm = np.sign(np.where(ok, ys - mean_c, 0.0))
            seg_rtm = np.nan_to_num(seg_rtm, nan=0.0).astype(np.int8)
            seg_out = (ys > upl) | (ys < lpl)
            seg_close = ~seg_out & ((ys < nlpl) | (ys > nupl))
        rtm[:, a:b] = seg_rtm
        outside[:, a:b] = seg_out
        close[:, a:b] = seg_close
        trend[:, a:b] = _trend_directions(ys)
        two3[:, a:b] = _two_in_three_windows(seg_close, seg_rtm) & seg_close
        one_side[:, a:b] = _part_of_run(_one_side_ends(seg_rtm))

    code = _special_cause_codes(rtm, outside, trend, two3, one_side)
    code[missing] = _SC_MISSING
    has_trend = trend != 0

    out.update(
        moving_range=moving_range,
        moving_range_used=mr_used,
        baseline=baseline,
        relative_to_mean=np.where(missing, np.nan, rtm.astype(float)),
        outside_limits=outside,
        close_to_limits=close,
        seven_point_trend=has_trend,
        two_in_three=two3,
        seven_point_one_side=one_side,
        special_cause_code=code,
        missing=missing,
    )
    return out


def _point_type_codes(sc_code: np.ndarray, direction: np.ndarray) -> np.ndarray:
    """Point-type codes from rule codes and per-series direction signs (+1 / -1 / 0)."""
    v = _SC_SIGN[sc_code]
    d = direction[:, None]
    codes = np.where(d == 0, 2 * v, v * d).astype(np.int8)
    codes[sc_code == _SC_MISSING] = _PT_MISSING
    return codes


# --------------------------------------------------------------------------------------------
# input handling
# --------------------------------------------------------------------------------------------


def _as_x(x: Any, n: int) -> np.ndarray:
    """Coerce x to a sortable 1-D array (datetime64[ns] for date-likes, numbers otherwise)."""
    if x is None:
        return np.arange(n)
    idx = pd.Index(x)
    if len(idx) != n:
        raise StatsInputError(f"x has {len(idx)} values but there are {n} points")
    if pd.api.types.is_numeric_dtype(idx.dtype) and not pd.api.types.is_bool_dtype(idx.dtype):
        arr = idx.to_numpy()
        if arr.dtype.kind == "f" and np.isnan(arr).any():
            raise StatsInputError("x contains missing values")
        return arr
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # "could not infer format" for odd strings
            dates = pd.to_datetime(idx)
    except (TypeError, ValueError) as exc:
        raise StatsInputError("x must be numeric or date-like") from exc
    if dates.isna().any():
        raise StatsInputError("x contains missing values")
    if dates.tz is not None:
        dates = dates.tz_convert("UTC").tz_localize(None)
    return dates.to_numpy(dtype="datetime64[ns]")


def _as_rebase(rebase: Any, x_sorted: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """Rebase flags (1 at rows whose x equals a rebase value) plus warnings for unmatched values."""
    flags = np.zeros(len(x_sorted), dtype=np.int64)
    if rebase is None:
        return flags, []
    values = [rebase] if isinstance(rebase, str) or not isinstance(rebase, Iterable) else list(rebase)
    if not values:
        return flags, []
    if x_sorted.dtype.kind == "M":
        try:
            rb = pd.to_datetime(pd.Index(values))
        except (TypeError, ValueError) as exc:
            raise StatsInputError("rebase must contain date-like values matching x") from exc
        if rb.tz is not None:
            rb = rb.tz_convert("UTC").tz_localize(None)
        rb_arr = rb.to_numpy(dtype="datetime64[ns]")
    else:
        try:
            rb_arr = np.asarray(values, dtype=float)
        except (TypeError, ValueError) as exc:
            raise StatsInputError("rebase must contain numeric values matching x") from exc
    flags = np.isin(x_sorted, rb_arr).astype(np.int64)
    unmatched = rb_arr[~np.isin(rb_arr, x_sorted)]
    messages = [
        f"Rebase point {pd.Timestamp(u).date() if rb_arr.dtype.kind == 'M' else u} does not match any x value "
        "and was ignored."
        for u in unmatched
    ]
    return flags, messages


def _segments(flags: np.ndarray) -> tuple[list[_Segment], np.ndarray]:
    """Contiguous segments and per-row rebase group (plotthedots: ``cumsum(rebase)``)."""
    groups = np.cumsum(flags)
    n = len(flags)
    if n == 0:
        return [], groups
    starts = [0, *[int(i) for i in np.flatnonzero(flags) if i > 0]]
    stops = [*starts[1:], n]
    return [_Segment(a, b, int(groups[a])) for a, b in zip(starts, stops, strict=True)], groups


def _check_fix(fix_after_n_points: float | None) -> int | None:
    """Validate ``fix_after_n_points`` as plotthedots does (a single whole number >= 12)."""
    if fix_after_n_points is None:
        return None
    integral = isinstance(fix_after_n_points, int | np.integer) or (
        isinstance(fix_after_n_points, float | np.floating) and float(fix_after_n_points).is_integer()
    )
    if isinstance(fix_after_n_points, bool) or not integral or fix_after_n_points < MIN_FIX_AFTER_N_POINTS:
        raise StatsInputError(
            "fix_after_n_points must be a single numeric that is greater than or equal to 12."
        )
    return int(fix_after_n_points)


def _as_values(values: Any) -> np.ndarray:
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as exc:
        raise StatsInputError("values must be numeric (use NaN for missing values)") from exc
    if np.isinf(arr).any():
        raise StatsInputError("values must be finite (use NaN for missing values)")
    return arr


# --------------------------------------------------------------------------------------------
# public API
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class SpcBatch:
    """SPC for many series sharing the same x, rebase points and baseline (the fast path).

    Every 2-D array has shape ``(n_series, n_points)``; rows follow the input order of the
    series, columns follow ascending ``x``. Fields named as in :data:`SPC_COLUMNS`; in addition
    ``special_cause_code`` (int8 index into plotthedots' ``special_cause_type`` strings, 9 =
    missing) and ``point_type_code`` (0 common cause, 1 improvement, -1 concern, 2 / -2 neutral
    high / low, 9 missing). Use :meth:`frame` / :meth:`summary` for one series, or
    :meth:`to_frame` for a long table of all of them.
    """

    x: np.ndarray
    y: np.ndarray
    rebase_group: np.ndarray
    baseline: np.ndarray
    arrays: dict[str, np.ndarray]
    directions: tuple[ImprovementDirection, ...]
    targets: np.ndarray
    short_group_warning: np.ndarray
    common_warnings: tuple[str, ...]
    segment_warnings: tuple[tuple[str, ...], ...]
    short_group_threshold: int

    @property
    def n_series(self) -> int:
        """Number of series."""
        return int(self.y.shape[0])

    def __getitem__(self, name: str) -> np.ndarray:
        """The (n_series × n_points) array ``name`` (e.g. ``batch["upl"]``)."""
        return self.arrays[name]

    def _last_observed(self, rows: np.ndarray) -> np.ndarray:
        """Column of the last non-missing point of each series in ``rows`` (-1 if none)."""
        observed = ~self.arrays["missing"][rows]
        n = observed.shape[1]
        if n == 0:
            return np.full(len(rows), -1)
        has = observed.any(axis=1)
        last = n - 1 - np.argmax(observed[:, ::-1], axis=1)
        return np.where(has, last, -1)

    def _variation_icon(self, i: int, last: int) -> VariationIcon | None:
        if last < 0 or np.isnan(self.arrays["upl"][i, last]):
            return None
        return variation_icon(_PT_BY_CODE[int(self.arrays["point_type_code"][i, last])], self.directions[i])

    def _assurance_icon(self, i: int) -> AssuranceIcon | None:
        if self.y.shape[1] == 0 or np.isnan(self.targets[i]):
            return None
        lpl, upl = self.arrays["lpl"][i, -1], self.arrays["upl"][i, -1]
        return assurance_type(lpl, upl, float(self.targets[i]), self.directions[i])

    def variation_icons(self) -> list[VariationIcon | None]:
        """Variation icon of each series (from its last non-missing point; ``None`` without limits)."""
        last = self._last_observed(np.arange(self.n_series))
        return [self._variation_icon(i, int(j)) for i, j in enumerate(last)]

    def assurance_icons(self) -> list[AssuranceIcon | None]:
        """Assurance icon of each series from the latest segment's limits and its target."""
        return [self._assurance_icon(i) for i in range(self.n_series)]

    def _columns(self, rows: np.ndarray) -> dict[str, Any]:
        """Columns of :data:`SPC_COLUMNS` for the series ``rows``, stacked series after series."""
        a = self.arrays
        k, n = len(rows), self.y.shape[1]

        def per_point(arr: np.ndarray) -> np.ndarray:
            return arr[rows].reshape(k * n)

        def shared(arr: np.ndarray) -> np.ndarray:
            return np.tile(arr, k)

        sc = per_point(a["special_cause_code"])
        pt = per_point(a["point_type_code"]) + 2
        return {
            "x": shared(self.x),
            "y": per_point(self.y),
            "rebase_group": shared(self.rebase_group),
            "baseline": shared(self.baseline),
            "moving_range": per_point(a["moving_range"]),
            "moving_range_used": per_point(a["moving_range_used"]),
            "average_moving_range": per_point(a["average_moving_range"]),
            "mean": per_point(a["mean"]),
            "lpl": per_point(a["lpl"]),
            "upl": per_point(a["upl"]),
            "lower_two_sigma": per_point(a["lower_two_sigma"]),
            "upper_two_sigma": per_point(a["upper_two_sigma"]),
            "target": np.repeat(self.targets[rows], n),
            "relative_to_mean": per_point(a["relative_to_mean"]),
            "outside_limits": per_point(a["outside_limits"]),
            "close_to_limits": per_point(a["close_to_limits"]),
            "seven_point_trend": per_point(a["seven_point_trend"]),
            "two_in_three": per_point(a["two_in_three"]),
            "seven_point_one_side": per_point(a["seven_point_one_side"]),
            "special_cause_flag": (sc != _SC_COMMON) & (sc != _SC_MISSING),
            "special_cause_type": pd.array(_SC_TYPE_VALUES[sc], dtype="str"),
            "point_type": pd.array(_PT_VALUES[pt], dtype="str"),
            "point_label": pd.array(_PT_LABELS[pt], dtype="str"),
            "short_group_warning": shared(self.short_group_warning),
        }

    def frame(self, i: int = 0) -> pd.DataFrame:
        """One row per point for series ``i`` with the columns :data:`SPC_COLUMNS`."""
        if not -self.n_series <= i < self.n_series:
            raise IndexError(f"series {i} out of range for {self.n_series} series")
        return pd.DataFrame(self._columns(np.array([i])))

    def to_frame(self) -> pd.DataFrame:
        """Long table of all series: a ``series`` column (0-based) followed by :data:`SPC_COLUMNS`."""
        rows = np.arange(self.n_series)
        data = {"series": np.repeat(rows, self.y.shape[1]), **self._columns(rows)}
        return pd.DataFrame(data)

    def summary(self, i: int = 0) -> SpcSummary:
        """The :class:`SpcSummary` (icons, warnings, latest lines, counts) of series ``i``."""
        a = self.arrays
        n = self.y.shape[1]
        if not -self.n_series <= i < self.n_series:
            raise IndexError(f"series {i} out of range for {self.n_series} series")
        i %= self.n_series
        last = int(self._last_observed(np.array([i]))[0])
        pt = a["point_type_code"][i]
        latest_pt = _PT_BY_CODE[int(pt[last])] if last >= 0 else None
        messages = list(self.common_warnings) + list(self.segment_warnings[i])
        n_missing = int(a["missing"][i].sum())
        if n == 0:
            messages.append("No data points: nothing to chart.")
        elif n_missing == n:
            messages.append("All values are missing: nothing to chart.")
        elif n_missing:
            messages.append(
                f"{n_missing} missing value(s) (NaN): excluded from the mean and moving ranges; "
                "a missing value breaks runs, trends and two-in-three windows."
            )

        def latest(name: str) -> float:
            return float(a[name][i, -1]) if n else float("nan")

        target = float(self.targets[i])
        return SpcSummary(
            variation_icon=self._variation_icon(i, last),
            assurance_icon=self._assurance_icon(i),
            warnings=tuple(messages),
            improvement_direction=self.directions[i],
            n_points=n,
            latest_point_type=latest_pt,
            mean=latest("mean"),
            lpl=latest("lpl"),
            upl=latest("upl"),
            lower_two_sigma=latest("lower_two_sigma"),
            upper_two_sigma=latest("upper_two_sigma"),
            target=None if np.isnan(target) else target,
            n_common_cause=int((pt == 0).sum()),
            n_special_cause_improvement=int((pt == 1).sum()),
            n_special_cause_concern=int((pt == -1).sum()),
            n_special_cause_neutral=int(((pt == 2) | (pt == -2)).sum()),
        )


def spc_batch(
    values: Any,
    x: Any = None,
    *,
    improvement_direction: ImprovementDirection | Polarity | str | Sequence[ImprovementDirection | Polarity | str] = (
        "increase"
    ),
    targets: float | Sequence[float | None] | np.ndarray | None = None,
    rebase: Any = None,
    fix_after_n_points: int | None = None,
    screen_outliers: bool = True,
    short_group_threshold: int = SHORT_GROUP_THRESHOLD,
) -> SpcBatch:
    """XmR / plot-the-dots SPC for many equal-length series at once (vectorised over series).

    Same method as :func:`spc` (NHS England Making Data Count; NHSRplotthedots ``ptd_spc``),
    applied to each row of ``values`` (shape ``(n_series, n_points)``; NaN = missing). All
    series share ``x``, the rebase points and ``fix_after_n_points``; ``improvement_direction``
    and ``targets`` may be one value or one per series (``None`` / NaN = no target). 1,000
    series of 120 points take a few tens of milliseconds (see ``benchmarks/bench_spc.py``).

    Example:
        >>> import numpy as np
        >>> rng = np.random.default_rng(1)
        >>> batch = spc_batch(rng.normal(size=(3, 24)), targets=[0.5, None, -9.0])
        >>> batch["upl"].shape
        (3, 24)
        >>> [None if a is None else str(a) for a in batch.assurance_icons()]
        ['inconsistent', None, 'consistent_pass']
    """
    y = _as_values(values)
    if y.ndim == 1:
        y = y[None, :]
    if y.ndim != 2:
        raise StatsInputError("values must be a 2-D array of shape (n_series, n_points)")
    m, n = y.shape
    fix = _check_fix(fix_after_n_points)
    if not isinstance(screen_outliers, bool | np.bool_):
        raise StatsInputError("screen_outliers must either `True` or `False`.")

    if isinstance(improvement_direction, str | ImprovementDirection | Polarity):
        directions = (normalise_direction(improvement_direction),) * m
    else:
        directions = tuple(normalise_direction(d) for d in improvement_direction)
        if len(directions) != m:
            raise StatsInputError(f"improvement_direction has {len(directions)} values for {m} series")

    if targets is None:
        target_arr = np.full(m, np.nan)
    elif np.ndim(targets) == 0:
        target_arr = np.full(m, np.nan if targets is None else float(targets))  # type: ignore[arg-type]
    else:
        try:
            target_arr = np.array([np.nan if t is None else float(t) for t in targets], dtype=float)  # type: ignore[union-attr]
        except (TypeError, ValueError) as exc:
            raise StatsInputError("targets must be numbers (or None)") from exc
        if len(target_arr) != m:
            raise StatsInputError(f"targets has {len(target_arr)} values for {m} series")
    if np.isinf(target_arr).any():
        raise StatsInputError("targets must be finite")

    xs = _as_x(x, n)
    order = np.argsort(xs, kind="stable")
    xs = xs[order]
    if n > 1 and (xs[1:] == xs[:-1]).any():
        raise StatsInputError("duplicate x values found: each x must appear once per series")
    y = y[:, order]
    flags, rebase_warnings = _as_rebase(rebase, xs)
    segments, groups = _segments(flags)

    arrays = _kernel(y, segments, fix, bool(screen_outliers))
    sign = np.array([d.sign for d in directions], dtype=np.int8)
    arrays["point_type_code"] = _point_type_codes(arrays["special_cause_code"], sign)

    short = np.zeros(n, dtype=bool)
    common: list[str] = list(rebase_warnings)
    for seg in segments:
        if seg.stop - seg.start < short_group_threshold:
            short[seg.start : seg.stop] = True
    if short.any():
        common.append(short_group_message(short_group_threshold))

    per_series: list[tuple[str, ...]] = []
    upl = arrays["upl"]
    for i in range(m):
        msgs = [
            f"Rebase group {seg.group} (rows {seg.start + 1}-{seg.stop}): fewer than two consecutive "
            "non-missing values in its baseline, so there is no moving range and the process limits "
            "cannot be calculated."
            for seg in segments
            if np.isnan(upl[i, seg.start])
        ]
        per_series.append(tuple(msgs))

    return SpcBatch(
        x=xs,
        y=y,
        rebase_group=groups,
        baseline=arrays.pop("baseline"),
        arrays=arrays,
        directions=directions,
        targets=target_arr,
        short_group_warning=short,
        common_warnings=tuple(common),
        segment_warnings=tuple(per_series),
        short_group_threshold=short_group_threshold,
    )


def spc(
    values: Any,
    x: Any = None,
    *,
    improvement_direction: ImprovementDirection | Polarity | str = "increase",
    target: float | None = None,
    rebase: Any = None,
    fix_after_n_points: int | None = None,
    screen_outliers: bool = True,
    short_group_threshold: int = SHORT_GROUP_THRESHOLD,
) -> SpcResult:
    """XmR chart with Making Data Count special-cause rules, icons and assurance for one KPI series.

    Method: see the module docstring (mean ± 2.66 × average moving range, moving ranges screened
    at 3.267 × mR-bar by default, two-sigma lines at ± 2 × 2.66 / 3 × mR-bar; rules, in priority
    order: outside the limits, 7-point trend, 2 of 3 beyond 2σ on one side, 7 points on one side
    of the mean). Parity target: NHSRplotthedots ``ptd_spc()`` (NHS England Making Data Count).

    Args:
        values: the KPI values (NaN = missing). A :class:`pandas.Series` with a non-default index
            supplies ``x`` from its index when ``x`` is not given.
        x: dates or numbers, one per value (default ``0..n-1``); rows are sorted by ``x``;
            duplicates are an error.
        improvement_direction: "increase" / "decrease" / "neutral" or the app's "higher_is_better" /
            "lower_is_better" / "no_judgement".
        target: a single target value (``None`` = no target, so no assurance icon).
        rebase: x values at which a new segment (own mean and limits) starts; values not in ``x``
            are ignored with a warning (plotthedots matches rebase dates exactly).
        fix_after_n_points: compute each segment's mean and limits from its first N rows only
            (N >= 12, as plotthedots requires); later points are judged against them.
        screen_outliers: screen moving ranges at 3.267 × mR-bar (plotthedots default); ``False``
            matches the MDC Excel tool.
        short_group_threshold: segments with fewer rows get ``short_group_warning`` (default 12).

    Returns:
        :class:`SpcResult` ``(data, summary)``. ``data`` has one row per point, columns
        :data:`SPC_COLUMNS`: ``x``, ``y``; ``rebase_group`` (0-based count of rebase points so
        far); ``baseline`` (row used for the limits); ``moving_range`` (``|y - previous y|``
        within the segment) and ``moving_range_used`` (it entered mR-bar after screening);
        ``average_moving_range``; ``mean``, ``lpl``, ``upl``, ``lower_two_sigma``,
        ``upper_two_sigma``; ``target``; ``relative_to_mean`` (-1/0/+1, NaN if missing);
        ``outside_limits``, ``close_to_limits`` (between 2σ and the limit); the rule flags
        ``seven_point_trend``, ``two_in_three``, ``seven_point_one_side``;
        ``special_cause_flag``; ``special_cause_type`` (deciding rule, plotthedots strings);
        ``point_type`` (plotthedots codes, ``None`` for missing); ``point_label`` (display text);
        ``short_group_warning``.

    Raises:
        StatsInputError: non-numeric or infinite values, bad x, duplicate x, bad options.

    Example:
        >>> res = spc([5, 6, 5, 7, 6, 5, 6, 7, 5, 6, 6, 5], improvement_direction="decrease")
        >>> round(res.summary.mean, 4), str(res.summary.variation_icon)
        (5.75, 'common_cause')
        >>> list(res.data.columns[:4])
        ['x', 'y', 'rebase_group', 'baseline']
    """
    if x is None and isinstance(values, pd.Series) and not isinstance(values.index, pd.RangeIndex):
        x = values.index
    y = _as_values(values)
    if y.ndim != 1:
        raise StatsInputError("values must be one-dimensional; use spc_batch for many series")
    if target is not None and not isinstance(target, str) and pd.isna(target):
        target = None  # NaN / pd.NA / None: no target
    if target is not None:
        try:
            target = float(target)
        except (TypeError, ValueError) as exc:
            raise StatsInputError("target must be a number or None") from exc
    batch = spc_batch(
        y[None, :],
        x,
        improvement_direction=improvement_direction,
        targets=None if target is None else [target],
        rebase=rebase,
        fix_after_n_points=fix_after_n_points,
        screen_outliers=screen_outliers,
        short_group_threshold=short_group_threshold,
    )
    return SpcResult(batch.frame(0), batch.summary(0))


# --------------------------------------------------------------------------------------------
# when to recalculate limits, which rule fired, and display-only clipping
# --------------------------------------------------------------------------------------------

#: Making Data Count's names for the four special-cause rules, keyed by the rule-flag column.
RULE_NAMES: dict[str, str] = {
    "outside_limits": "Single point outside the process limits",
    "seven_point_trend": "Trend: 7 points in a row all increasing or all decreasing",
    "two_in_three": "Two out of three points beyond the two-sigma line",
    "seven_point_one_side": "Shift: 7 points in a row on one side of the mean",
}


def rules_fired(data: pd.DataFrame) -> pd.Series:
    """Every special-cause rule that fired at each point, in Making Data Count's words (``SpcResult.data`` in).

    ``special_cause_type`` names only the deciding rule (plotthedots' priority); this lists all of them, with
    the side of the mean (or the trend's direction when the trend decides), e.g. "Single point outside the
    process limits (above); Shift: 7 points in a row on one side of the mean (above)". Common cause reads
    "None (common cause)"; a missing value is missing.

    >>> res = spc([10, 11, 9, 10, 12, 11, 10, 9, 11, 10, 10, 11, 30])
    >>> rules_fired(res.data).iloc[-1]
    'Single point outside the process limits (above)'
    """
    side = np.where(data["relative_to_mean"] > 0, "above", "below")
    kind = data["special_cause_type"].astype(object)
    trend_dir = np.where(
        kind == "7 Point Trend (Increasing)",
        " (increasing)",
        np.where(kind == "7 Point Trend (Decreasing)", " (decreasing)", ""),
    )
    out: list[str | None] = []
    for i in range(len(data)):
        if pd.isna(data["y"].iloc[i]):
            out.append(None)
            continue
        names = []
        for column, name in RULE_NAMES.items():
            if bool(data[column].iloc[i]):
                suffix = trend_dir[i] if column == "seven_point_trend" else f" ({side[i]})"
                names.append(name + suffix)
        out.append("; ".join(names) if names else "None (common cause)")
    return pd.Series(out, index=data.index, dtype="str")


def clip_for_display(data: pd.DataFrame, *, lower: float | None = 0.0, upper: float | None = None) -> pd.DataFrame:
    """A copy of ``SpcResult.data`` with ``*_shown`` lines clipped to ``[lower, upper]``, for drawing only.

    A rate cannot fall below 0 nor a percentage rise above 100%, so a lower process limit of -49 is drawn at 0.
    The special-cause flags and icons stay those of the unclipped limits (they were computed before this).
    Adds ``mean_shown``, ``lpl_shown``, ``upl_shown``, ``lower_two_sigma_shown``, ``upper_two_sigma_shown`` and
    ``limits_clipped`` (True where a limit was moved).

    >>> res = spc([0, 5, 0, 6, 0, 5, 1, 6, 0, 5, 0, 6])
    >>> float(round(res.data["lpl"].iloc[0], 2)), float(clip_for_display(res.data)["lpl_shown"].iloc[0])
    (-11.19, 0.0)
    """
    out = data.copy()
    clipped = np.zeros(len(out), dtype=bool)
    for name in ("mean", "lpl", "upl", "lower_two_sigma", "upper_two_sigma"):
        raw = out[name].to_numpy(float)
        shown = np.clip(raw, lower, upper) if lower is not None or upper is not None else raw.copy()
        with np.errstate(invalid="ignore"):
            clipped |= ~np.isnan(raw) & (shown != raw)
        out[f"{name}_shown"] = shown
    out["limits_clipped"] = clipped
    return out


@dataclass(frozen=True)
class RebaseSuggestion:
    """A run on one side of the mean long enough to suggest a new process (a rebase candidate).

    Attributes:
        x: the x value (period) of the run's first point: where a rebase would start the new segment.
        n_points: length of the run so far.
        side: "above" or "below" the segment's mean.
        rebase_group: the segment the run lies in.
        ongoing: the run reaches the segment's last point.
    """

    x: Any
    n_points: int
    side: str
    rebase_group: int
    ongoing: bool

    def sentence(self, period: str) -> str:
        """The suggestion in words, with the run's start written as ``period`` (e.g. "Aug 2020")."""
        return (
            f"A run of {self.n_points} points {self.side} the mean since {period} suggests a new process; "
            "rebase here?"
        )


def rebase_suggestions(data: pd.DataFrame, run_length: int = RUN_LENGTH) -> tuple[RebaseSuggestion, ...]:
    """Runs of at least ``run_length`` points on one side of their segment's mean (``SpcResult.data`` in).

    These are the "shift" rule's runs; Making Data Count advises recalculating the limits only when such a
    change is sustained and its cause is known, so they are offered to the user, never applied. A run that
    starts a segment is not offered (the limits already start there). A missing value or a point on the mean
    ends a run. In order of x.

    >>> res = spc([5, 6, 5, 6, 5, 6, 5, 6, 9, 10, 9, 10, 9, 10, 9])
    >>> [(s.x, s.n_points, s.side) for s in rebase_suggestions(res.data)]
    [(np.int64(8), 7, 'above')]
    """
    x = data["x"].to_numpy()
    rtm = data["relative_to_mean"].to_numpy(float)
    group = data["rebase_group"].to_numpy()
    out: list[RebaseSuggestion] = []
    n = len(data)
    i = 0
    while i < n:
        if np.isnan(rtm[i]) or rtm[i] == 0:
            i += 1
            continue
        j = i
        while j + 1 < n and group[j + 1] == group[i] and rtm[j + 1] == rtm[i]:
            j += 1
        length = j - i + 1
        segment_start = i == 0 or group[i - 1] != group[i]
        if length >= run_length and not segment_start:
            ongoing = bool(j == n - 1 or group[j + 1] != group[i])
            side = "above" if rtm[i] > 0 else "below"
            out.append(RebaseSuggestion(x[i], length, side, int(group[i]), ongoing))
        i = j + 1
    return tuple(out)


def sustained_shift_rebase(
    values: Any,
    x: Any,
    changes: Iterable[Any],
    *,
    rebase: Iterable[Any] = (),
    fix_after_n_points: int | None = None,
    screen_outliers: bool = True,
    run_length: int = RUN_LENGTH,
) -> list[Any]:
    """Known changes (e.g. go-live dates) at which the process shifted for good: where to recalculate limits.

    Making Data Count: recalculate only when a change is sustained and explained. Each change is taken at the
    first x on or after it; it is accepted when the ``run_length`` points from there on (the shift rule's run)
    are all on the same side of the mean of the process before it (the segment ending there, given the rebase
    points accepted so far: ``rebase`` and earlier changes, in time order), at least ``run_length`` points of
    that segment precede it and no other rebase point falls within the run (so no segment is shorter than a
    run). Returns
    the accepted x values (rows of ``x``), sorted; ``rebase`` itself is not repeated.

    >>> sustained_shift_rebase([5, 6, 5, 6, 5, 6, 5, 6, 9, 10, 9, 10, 9, 10, 9], None, [8, 3])
    [np.int64(8)]
    """
    y = _as_values(values)
    xs = _as_x(x, len(y))
    order = np.argsort(xs, kind="stable")
    xs, y = xs[order], y[order]
    accepted = list(rebase)
    found: list[Any] = []
    if xs.dtype.kind == "M":
        points = sorted(pd.Timestamp(c).to_datetime64() for c in changes)
    else:
        points = sorted(float(c) for c in changes)
    for change in points:
        idx = int(np.searchsorted(xs, change, side="left"))
        if idx <= 0 or idx + run_length > len(xs) or xs[idx] in accepted:
            continue
        batch = spc_batch(
            y, xs, rebase=[*accepted, xs[idx]], fix_after_n_points=fix_after_n_points, screen_outliers=screen_outliers
        )
        groups = batch.rebase_group
        window = slice(idx, idx + run_length)
        before_start = int(np.flatnonzero(groups == groups[idx - 1])[0])
        if idx - before_start < run_length or (groups[window] != groups[idx]).any():
            continue  # the process before it would be shorter than a run, or another rebase inside the run
        ahead = y[window] - batch["mean"][0, idx - 1]
        if np.isnan(ahead).any():
            continue
        if (ahead > 0).all() or (ahead < 0).all():
            accepted.append(xs[idx])
            found.append(xs[idx])
    return found
