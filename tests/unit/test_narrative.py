"""The KPI narrative (data/narrative.py) on fixed series: every sentence's wording, worked out by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from data.narrative import format_range, format_value, kpi_narrative, period_noun, plan_run, side_run
from data.stats.spc import spc
from data.status import Status

pytestmark = pytest.mark.unit

MONTHS = pd.date_range("2021-01-01", periods=24, freq="MS")
# first year around 60; a go-live in Jan 2022, then five points around 68.5 and seven just above the new mean
VALUES = [60, 61, 59, 60, 62, 61, 60, 59, 61, 60, 60, 61, 68, 69, 68, 69, 68, 71, 70.5, 71, 70.5, 71, 70.5, 71]
# plan 60 for 19 months, then 72: the last five values (70.5-71) are behind it by less than 5% (at risk)
PLANS = [60.0] * 19 + [72.0] * 5
GO_LIVE = pd.DataFrame({"date": [pd.Timestamp("2022-01-01")], "label": ["Rapid-response team live"], "done": [True]})


def _periods(values=VALUES, plans=PLANS, starts=MONTHS) -> pd.DataFrame:
    return pd.DataFrame({"period_start": starts, "value": np.asarray(values, float), "plan": plans})


def _crisis_spc(target: float = 75.0):
    return spc(VALUES, MONTHS, improvement_direction="higher_is_better", target=target,
               rebase=[pd.Timestamp("2022-01-01")])  # fmt: skip


def test_the_worked_example_reads_as_a_board_paper_would():
    # Segment from Jan 2022: mean 837.5 / 12 = 69.79; moving ranges 1,1,1,1,3,0.5 x6: the 3 is screened
    # (not below 3.267 x 10/11), so mR-bar = 7/10 = 0.7 and the limits are 69.79 -/+ 2.66 x 0.7 = 67.93 to 71.65;
    # the last seven points (70.5-71) are above the mean and inside the two-sigma line (71.03): the shift decides.
    text = kpi_narrative(
        kpi="2-hour crisis response rate", area="Enfield", unit="%", polarity="higher_is_better",
        periods=_periods(), spc=_crisis_spc(), milestones=GO_LIVE, target=75.0,
        target_date=pd.Timestamp("2023-03-31").date(),
    )  # fmt: skip
    assert text == (
        "Enfield's 2-hour crisis response rate has been behind plan for 5 months (now at risk): 71.0% in Dec 2022 "
        "against a plan of 72.0%. "
        "Since the limits were recalculated in Jan 2022 (Rapid-response team live), the mean is 69.8% and the last "
        "7 points are above it; the latest point is special cause improvement (Shift: 7 points in a row on one "
        "side of the mean, above). "
        "With process limits of 67.9% to 71.7%, the process will consistently miss the target of 75.0% "
        "(due Mar 2023) unless the process changes."
    )


def test_rebase_without_a_milestone_names_only_the_period_and_one_behind_period_is_not_a_run():
    periods = _periods(plans=[60.0] * 23 + [72.0])
    text = kpi_narrative(kpi="Crisis response", area="Barnet", unit="%", polarity="higher_is_better",
                         periods=periods, spc=_crisis_spc(70.0), target=70.0)  # fmt: skip
    assert text.startswith("Barnet's Crisis response is behind plan (at risk): 71.0% in Dec 2022 against a plan "
                           "of 72.0%. Since the limits were recalculated in Jan 2022, the mean is 69.8%")  # fmt: skip
    # target 70 lies inside the limits 67.93-71.65
    assert text.endswith("the process will meet the target of 70.0% in some months and miss it in others "
                         "(hit and miss).")  # fmt: skip


def test_meeting_plan_for_years_with_a_lower_is_better_kpi_and_one_set_of_limits():
    starts = pd.date_range("2016-04-01", periods=8, freq="12MS")
    values = [300, 296, 305, 298, 301, 299, 302, 300]  # common cause around 300.125
    result = spc(values, starts, improvement_direction="lower_is_better", target=200.0)
    text = kpi_narrative(kpi="A&E attendances", area="Camden", unit="per 1,000 patients",
                         polarity="lower_is_better", periods=_periods(values, [310.0] * 8, starts), spc=result,
                         target=200.0)  # fmt: skip
    assert text.startswith("Camden's A&E attendances has been meeting or beating plan for 8 years: 300.0 per 1,000 "
                           "patients in Apr 2023 against a plan of 310.0 per 1,000 patients. Over all 8 points the "
                           "mean is 300.1 per 1,000 patients; the latest point is common cause variation (no "
                           "significant change).")  # fmt: skip
    # a lower-is-better target below the lower limit is consistently missed
    assert "the process will consistently miss the target of 200.0 per 1,000 patients unless" in text


def test_no_judgement_no_plan_and_too_few_values():
    one = pd.DataFrame({"period_start": [pd.Timestamp("2024-03-01")], "value": [5.0]})
    text = kpi_narrative(kpi="Registrations", area="Islington", unit="", polarity="no_judgement", periods=one)
    assert text == ("Islington's Registrations was 5.0 in Mar 2024; it is not judged against a plan (neither higher "
                    "nor lower is better). There are too few values for a Making Data Count judgement of variation. "
                    "With no better direction there is no assurance against a target.")  # fmt: skip
    text = kpi_narrative(kpi="Uptake", area="Haringey", unit="%", polarity="higher_is_better", periods=one,
                         target=80.0)  # fmt: skip
    assert text == ("Haringey's Uptake was 5.0% in Mar 2024; there is no plan for that period to judge it against. "
                    "There are too few values for a Making Data Count judgement of variation. There are too few "
                    "values to say whether the process will meet the target of 80.0%.")  # fmt: skip


def test_no_values_says_so_in_one_sentence():
    empty = pd.DataFrame({"period_start": MONTHS[:3], "value": [np.nan] * 3, "plan": [1.0] * 3})
    assert kpi_narrative(kpi="Uptake", area="Barnet", unit="%", polarity="higher_is_better", periods=empty) == (
        "There are no values of Uptake for Barnet yet."
    )


def test_plan_run_counts_back_to_the_first_change_and_a_gap_ends_it():
    run = plan_run(_periods(), "higher_is_better")
    assert (run.status, run.behind, run.length, run.value, run.plan) == (Status.AT_RISK, True, 5, 71.0, 72.0)
    gap = _periods()
    gap.loc[21, "value"] = np.nan  # a suppressed month: the run is the two months after it
    assert plan_run(gap, "higher_is_better").length == 2


def test_side_run_is_within_the_current_segment():
    assert side_run(_crisis_spc().data) == (7, 1)
    unrebased = spc([1, 2, 1, 2, 1, 2, 5, 5, 5], improvement_direction="increase").data
    assert side_run(unrebased) == (3, 1)


def test_value_formats_and_period_nouns():
    assert format_value(71.04, "%") == "71.0%"
    assert format_value(78.75, "% of expected") == "78.8% of expected"
    assert format_value(1234.5, "per 1,000 patients") == "1,234.5 per 1,000 patients"
    assert format_range(54.8, 66.44, "%") == "54.8% to 66.4%"
    assert format_range(64.6, 120.8, "per 100 beds") == "64.6 to 120.8 per 100 beds"
    assert period_noun(MONTHS, 5) == "months"
    assert period_noun(pd.date_range("2020-01-01", periods=4, freq="QS"), 1) == "quarter"
    assert period_noun(pd.Series([pd.Timestamp("2020-01-01"), pd.Timestamp("2020-01-10")]), 2) == "periods"
