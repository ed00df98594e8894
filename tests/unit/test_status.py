"""Status against the plan: direction-aware, tolerance at the boundary, missing inputs said plainly."""

from __future__ import annotations

import math

import pytest

from data.status import Status, kpi_status, shortfall

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("actual", "plan", "polarity", "expected"),
    [
        (70.0, 70.0, "higher_is_better", Status.ON_TRACK),  # meeting the plan exactly is on track
        (71.0, 70.0, "higher_is_better", Status.ON_TRACK),
        (66.5, 70.0, "higher_is_better", Status.AT_RISK),  # 3.5 behind = exactly 5% of 70
        (66.4, 70.0, "higher_is_better", Status.OFF_TRACK),
        (290.0, 300.0, "lower_is_better", Status.ON_TRACK),
        (315.0, 300.0, "lower_is_better", Status.AT_RISK),
        (316.0, 300.0, "lower_is_better", Status.OFF_TRACK),
        (50.0, 70.0, "no_judgement", Status.NOT_ASSESSED),
        (None, 70.0, "higher_is_better", Status.NO_DATA),
        (math.nan, 70.0, "higher_is_better", Status.NO_DATA),
        (60.0, None, "higher_is_better", Status.NO_PLAN),
        (60.0, math.nan, "lower_is_better", Status.NO_PLAN),
    ],
)
def test_status(actual, plan, polarity, expected):
    assert kpi_status(actual, plan, polarity) == expected


def test_tolerance_is_configurable_and_checked():
    assert kpi_status(66.0, 70.0, "higher_is_better", tolerance=0.1) == Status.AT_RISK
    assert kpi_status(69.9, 70.0, "higher_is_better", tolerance=0.0) == Status.OFF_TRACK
    with pytest.raises(ValueError, match="tolerance"):
        kpi_status(1.0, 1.0, "higher_is_better", tolerance=1.5)


def test_shortfall_direction():
    assert shortfall(60, 70, "higher_is_better") == 10
    assert shortfall(60, 70, "lower_is_better") == -10
    with pytest.raises(ValueError):
        shortfall(60, 70, "no_judgement")
    with pytest.raises(ValueError):
        kpi_status(1.0, 1.0, "sideways")
