"""Status of a KPI against its planned trajectory: on track, at risk or off track.

The latest actual is compared with the plan for the same period, in the KPI's direction of improvement:
- **on track**: the actual meets or beats the plan;
- **at risk**: behind the plan by no more than ``tolerance`` × |plan| (default 5%, setting ``STATUS_TOLERANCE``);
- **off track**: further behind than that.
A KPI with no judgement (polarity ``no_judgement``) is "not assessed"; one without an actual or a plan for the
period says so rather than guessing. This is a delivery judgement against the agreed plan, not a statistical
test: the SPC and funnel views say whether a change or a difference is beyond chance.
"""

from __future__ import annotations

import math
from enum import StrEnum

from models import Polarity


class Status(StrEnum):
    """Delivery status of a KPI in an area; the text is what the dashboard shows beside its icon."""

    ON_TRACK = "On track"
    AT_RISK = "At risk"
    OFF_TRACK = "Off track"
    NOT_ASSESSED = "Not assessed"
    NO_PLAN = "No plan"
    NO_DATA = "No data"


STATUS_ICONS: dict[Status, str] = {
    Status.ON_TRACK: "✔",
    Status.AT_RISK: "▲",
    Status.OFF_TRACK: "✖",
    Status.NOT_ASSESSED: "–",
    Status.NO_PLAN: "?",
    Status.NO_DATA: "·",
}


def _missing(value: float | None) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def shortfall(actual: float, plan: float, polarity: Polarity | str) -> float:
    """How far ``actual`` is behind ``plan`` in the direction of improvement (negative: ahead of plan)."""
    if Polarity(polarity) == Polarity.HIGHER_IS_BETTER:
        return plan - actual
    if Polarity(polarity) == Polarity.LOWER_IS_BETTER:
        return actual - plan
    raise ValueError("a KPI with no judgement has no shortfall")


def kpi_status(actual: float | None, plan: float | None, polarity: Polarity | str, tolerance: float = 0.05) -> Status:
    """Status of ``actual`` against ``plan``; see the module docstring for the rule.

    >>> kpi_status(64.0, 65.0, "higher_is_better")
    <Status.AT_RISK: 'At risk'>
    >>> kpi_status(290.0, 300.0, "lower_is_better")
    <Status.ON_TRACK: 'On track'>
    """
    if not 0 <= tolerance <= 1:
        raise ValueError(f"tolerance must be between 0 and 1, got {tolerance}")
    if _missing(actual):
        return Status.NO_DATA
    if Polarity(polarity) == Polarity.NO_JUDGEMENT:
        return Status.NOT_ASSESSED
    if _missing(plan):
        return Status.NO_PLAN
    gap = shortfall(float(actual), float(plan), polarity)  # type: ignore[arg-type]
    if gap <= 0:
        return Status.ON_TRACK
    if gap <= tolerance * abs(float(plan)):  # type: ignore[arg-type]
        return Status.AT_RISK
    return Status.OFF_TRACK
