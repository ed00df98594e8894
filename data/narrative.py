"""Generated narrative for a KPI: two or three sentences a board paper would write, from the numbers alone.

Pure (pandas + data/stats): no Streamlit, no database. The same text appears in the integrated summary
(``data/summary.py``), on the Trajectories page for the chosen KPI and in the board pack, so it is built in one
place from the same facts the charts show:

1. **Against plan**: the latest value and period, and how many consecutive periods (ending with the latest) the
   KPI has been behind, or meeting, its plan, e.g. "Enfield's 2-hour crisis response rate has been behind plan for
   5 months: 71.2% in Mar 2024 against a plan of 75.0%." A KPI with no better direction, or no plan for the latest
   period, says so instead of guessing.
2. **Variation** (Making Data Count): where the current SPC segment starts (the rebase point, named after the
   milestone that went live there when there is one), its mean, the latest point's variation and the rule that
   decided it, and the run of points on one side of the mean when it reaches the shift rule's length (7), e.g.
   "Since the limits were recalculated in Oct 2021 (rapid-response team live), the mean is 78.4% and the last 7
   points are above it; the latest point is special cause improvement (7 Points Above CL)."
3. **Assurance**: whether the process, as it now runs, will meet the target (consistently, in some months only,
   or consistently not), with the process limits that decide it.

Wording follows NHS England's *Making Data Count* (2019): "special cause improvement / concern", "common cause",
"consistently passing / failing the target", "hit and miss". The status against plan is the register's
(``data/status.py``); SPC comes from ``data/stats/spc.py``.

Public API (stable; the board pack calls it):

``kpi_narrative(*, kpi, area, unit, polarity, periods, spc=None, milestones=None, target=None, target_date=None,
tolerance=0.05) -> str``
    ``periods``: one row per period, columns ``period_start`` and ``value`` (NaN for a missing or suppressed
    value), optionally ``plan`` (NaN where none); ``spc``: the :class:`~data.stats.spc.SpcResult` the charts draw
    (``None`` when there are too few points); ``milestones``: as from ``data.analysis.kpi_milestones`` (columns
    ``date``, ``label``, ``done``), used to name rebase points. Returns the sentences joined by spaces.

``plan_run(periods, polarity, tolerance=0.05) -> PlanRun``
    How many consecutive periods, ending with the latest value, are behind (or meeting) plan.

``side_run(data) -> tuple[int, int]``
    Length and side (+1 above, -1 below, 0 none) of the run of latest points on one side of the current
    segment's mean, from ``SpcResult.data``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from data.stats.spc import RUN_LENGTH, AssuranceIcon, PointType, SpcResult, rules_fired
from data.status import Status, kpi_status
from models import Polarity

__all__ = ["PlanRun", "format_range", "format_value", "kpi_narrative", "period_noun", "plan_run", "side_run"]

_ASSURANCE_SENTENCE = {
    AssuranceIcon.CONSISTENT_PASS: "will consistently meet the target",
    AssuranceIcon.CONSISTENT_FAIL: "will consistently miss the target unless the process changes",
    AssuranceIcon.INCONSISTENT: "will meet the target in some months and miss it in others (hit and miss)",
}
_POINT_WORDS = {
    PointType.COMMON_CAUSE: "common cause variation (no significant change)",
    PointType.SPECIAL_CAUSE_IMPROVEMENT: "special cause improvement",
    PointType.SPECIAL_CAUSE_CONCERN: "special cause concern",
    PointType.SPECIAL_CAUSE_NEUTRAL_HIGH: "special cause variation, higher (neither improvement nor concern)",
    PointType.SPECIAL_CAUSE_NEUTRAL_LOW: "special cause variation, lower (neither improvement nor concern)",
}


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or bool(pd.isna(value))


def format_value(value: float, unit: str) -> str:
    """A value as the narrative writes it: one decimal, the unit after it ("71.2%", "12.5 per 1,000 patients")."""
    number = f"{value:,.1f}"
    unit = (unit or "").strip()
    if not unit:
        return number
    if unit in ("percent", "per cent"):
        return f"{number}%"
    if unit.startswith("%"):
        return f"{number}{unit}"
    return f"{number} {unit}"


def format_range(low: float, high: float, unit: str) -> str:
    """Two values with the unit once, after the second ("56.0% to 63.2%", "64.6 to 120.8 per 100 beds")."""
    unit = (unit or "").strip()
    if unit in ("percent", "per cent") or unit.startswith("%"):
        return f"{low:,.1f}% to {format_value(high, unit)}"
    return f"{low:,.1f} to {format_value(high, unit)}"


def period_noun(starts: pd.Series, count: int) -> str:
    """ "month"/"months", "quarter(s)" or "year(s)" from the spacing of ``starts``; "period(s)" when irregular."""
    stamps = pd.to_datetime(pd.Series(starts)).dropna().sort_values()
    gaps = stamps.diff().dropna().dt.days
    noun = "period"
    if len(gaps):
        typical = float(gaps.median())
        noun = (
            "month"
            if 27 <= typical <= 32
            else "quarter"
            if 88 <= typical <= 93
            else ("year" if 364 <= typical <= 367 else "period")
        )
    return noun if count == 1 else noun + "s"


@dataclass(frozen=True)
class PlanRun:
    """The latest status against plan and how many consecutive periods (ending with the latest value) share it.

    ``behind`` is True for at risk / off track, False for on track, None when there is no judgement (no plan, no
    value, no better direction); ``length`` counts periods with a value only (a suppressed period ends the run).
    """

    status: Status
    behind: bool | None
    length: int
    value: float
    plan: float
    period_start: pd.Timestamp | None


def plan_run(periods: pd.DataFrame, polarity: Polarity | str, tolerance: float = 0.05) -> PlanRun:
    """Status of the latest value against its plan, and for how many consecutive periods it has been behind
    (or meeting) plan; see :class:`PlanRun`."""
    rows = periods.sort_values("period_start")
    plan = rows["plan"] if "plan" in rows else pd.Series(np.nan, index=rows.index)
    reported = rows["value"].notna().to_numpy()
    if not reported.any():
        return PlanRun(Status.NO_DATA, None, 0, float("nan"), float("nan"), None)
    last = int(np.flatnonzero(reported)[-1])
    statuses = [kpi_status(v, p, polarity, tolerance) for v, p in zip(rows["value"], plan, strict=True)]
    latest = statuses[last]
    value, planned = float(rows["value"].iloc[last]), float(plan.iloc[last])
    start = pd.Timestamp(rows["period_start"].iloc[last])
    judged = {Status.ON_TRACK: False, Status.AT_RISK: True, Status.OFF_TRACK: True}
    if latest not in judged:
        return PlanRun(latest, None, 0, value, planned, start)
    behind = judged[latest]
    length = 0
    for status in reversed(statuses[: last + 1]):
        if judged.get(status) is not behind:
            break
        length += 1
    return PlanRun(latest, behind, length, value, planned, start)


def side_run(data: pd.DataFrame) -> tuple[int, int]:
    """Length and side (+1 above, -1 below; 0 when the latest point is on the mean) of the run of latest points on
    one side of the mean, within the current (last) segment of an SPC frame (``SpcResult.data``).

    A missing value or a point on the mean ends the run, as in the shift rule.
    """
    if data.empty:
        return 0, 0
    segment = data[data["rebase_group"] == data["rebase_group"].iloc[-1]]
    sides = segment["relative_to_mean"].to_numpy(float)
    observed = np.flatnonzero(~np.isnan(sides))
    if not len(observed):
        return 0, 0
    sides = sides[: observed[-1] + 1]
    side = int(sides[-1])
    if side == 0:
        return 0, 0
    length = 0
    for value in sides[::-1]:
        if value != side:
            break
        length += 1
    return length, side


def _area_possessive(area: str) -> str:
    return f"{area}'" if area.endswith("s") else f"{area}'s"


def _plan_sentence(kpi: str, area: str, unit: str, polarity: str, periods: pd.DataFrame, tolerance: float) -> str:
    run = plan_run(periods, polarity, tolerance)
    subject = f"{_area_possessive(area)} {kpi}"
    if run.period_start is None:
        return f"There are no values of {kpi} for {area} yet."
    latest = f"{format_value(run.value, unit)} in {run.period_start:%b %Y}"
    if run.status == Status.NOT_ASSESSED:
        return f"{subject} was {latest}; it is not judged against a plan (neither higher nor lower is better)."
    if run.status == Status.NO_PLAN:
        return f"{subject} was {latest}; there is no plan for that period to judge it against."
    against = f"{latest} against a plan of {format_value(run.plan, unit)}"
    noun = period_noun(periods["period_start"], run.length)
    state = "behind plan" if run.behind else "meeting or beating plan"
    status = f" ({run.status.value.lower()})" if run.behind else ""
    if run.length == 1:
        return f"{subject} is {state}{status}: {against}."
    now = f" (now {run.status.value.lower()})" if run.behind else ""
    return f"{subject} has been {state} for {run.length} {noun}{now}: {against}."


def _segment_start(data: pd.DataFrame, milestones: pd.DataFrame | None) -> tuple[pd.Timestamp | None, str]:
    """The current segment's first period when the limits were recalculated (None otherwise) and the milestone(s)
    placed at it (first period on or after the milestone's date, as ``data.analysis.rebase_options`` places them)."""
    if data["rebase_group"].iloc[-1] == data["rebase_group"].iloc[0]:
        return None, ""
    group = data["rebase_group"].iloc[-1]
    start = pd.Timestamp(data.loc[data["rebase_group"] == group, "x"].min())
    if milestones is None or milestones.empty:
        return start, ""
    periods = pd.to_datetime(data["x"])
    names = []
    for row in milestones.itertuples(index=False):
        later = periods[periods >= pd.Timestamp(row.date)]
        if len(later) and pd.Timestamp(later.min()) == start:
            names.append(str(row.label))
    return start, "; ".join(names)


def _variation_sentence(spc: SpcResult | None, unit: str, milestones: pd.DataFrame | None) -> str:
    if spc is None or spc.summary.variation_icon is None or spc.data.empty:
        return "There are too few values for a Making Data Count judgement of variation."
    data = spc.data
    mean = format_value(spc.summary.mean, unit)
    start, named = _segment_start(data, milestones)
    if start is None:
        n = int(data["y"].notna().sum())
        opening = f"Over all {n} points the mean is {mean}"
    else:
        why = f" ({named})" if named else ""
        opening = f"Since the limits were recalculated in {start:%b %Y}{why}, the mean is {mean}"
    length, side = side_run(data)
    if length >= RUN_LENGTH:
        opening += f" and the last {length} points are {'above' if side > 0 else 'below'} it"
    point = spc.summary.latest_point_type
    observed = data[data["y"].notna()]
    words = _POINT_WORDS.get(point, "not judged") if point is not None else "not judged"
    rule = ""
    if point is not None and point != PointType.COMMON_CAUSE and len(observed):
        fired = str(rules_fired(observed.tail(1)).iloc[-1])
        rule = " (" + fired.replace(" (", ", ").replace(")", "") + ")"  # "Shift: 7 points ..., above"
    return f"{opening}; the latest point is {words}{rule}."


def _assurance_sentence(
    spc: SpcResult | None, unit: str, polarity: str, target: float | None, target_date: date | None
) -> str:
    if Polarity(polarity) == Polarity.NO_JUDGEMENT:
        return "With no better direction there is no assurance against a target."
    if target is None or _missing(target):
        return "There is no target to assure it against."
    by = f" (due {pd.Timestamp(target_date):%b %Y})" if target_date is not None and not _missing(target_date) else ""
    goal = f"the target of {format_value(float(target), unit)}{by}"
    if spc is None or spc.summary.assurance_icon is None:
        return f"There are too few values to say whether the process will meet {goal}."
    limits = format_range(spc.summary.lpl, spc.summary.upl, unit)
    sentence = _ASSURANCE_SENTENCE[spc.summary.assurance_icon].replace("the target", goal)
    return f"With process limits of {limits}, the process {sentence}."


def kpi_narrative(
    *,
    kpi: str,
    area: str,
    unit: str,
    polarity: Polarity | str,
    periods: pd.DataFrame,
    spc: SpcResult | None = None,
    milestones: pd.DataFrame | None = None,
    target: float | None = None,
    target_date: date | None = None,
    tolerance: float = 0.05,
) -> str:
    """Two or three sentences on a KPI in an area: against plan, variation, assurance (see the module docstring).

    Args:
        kpi: the KPI's name as the dashboard shows it ("2-hour crisis response rate").
        area: the area's name ("Enfield", "North Central London").
        unit: the KPI's unit ("%", "per 1,000 patients").
        polarity: "higher_is_better", "lower_is_better" or "no_judgement".
        periods: ``period_start``, ``value`` (NaN when missing or suppressed) and optionally ``plan``.
        spc: the SPC result drawn for the KPI (rebased as the chart is), or None with too few values.
        milestones: the KPI's milestones (``date``, ``label``, ``done``) to name the rebase point after.
        target, target_date: the area's target and when it is due (None when there is none).
        tolerance: the status tolerance (setting ``STATUS_TOLERANCE``).

    Returns:
        The sentences joined by single spaces. With no value at all, one sentence saying so.
    """
    polarity = Polarity(polarity).value
    first = _plan_sentence(kpi, area, unit, polarity, periods, tolerance)
    if periods["value"].notna().sum() == 0:
        return first
    second = _variation_sentence(spc, unit, milestones)
    third = _assurance_sentence(spc, unit, polarity, target, target_date)
    return " ".join((first, second, third))
