"""The one suppression step (data/suppression.py): small counts and what derives from them never pass it."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from data.suppression import (
    FLAG,
    Rule,
    is_suppressed,
    rule_for,
    shown,
    suppress,
    suppress_kpis,
    suppressed_note,
)

pytestmark = pytest.mark.unit

RULE = Rule(7, ("numerator", "denominator"))

counts = st.one_of(st.none(), st.integers(0, 40).map(float), st.floats(0, 40, allow_nan=False))
rows = st.lists(st.tuples(counts, counts, st.floats(0, 1000, allow_nan=False)), min_size=0, max_size=30)


def _frame(data: list[tuple]) -> pd.DataFrame:
    frame = pd.DataFrame(data, columns=["numerator", "denominator", "value"], dtype=float)
    frame["lower"] = frame["value"] * 0.9
    frame["upper"] = frame["value"] * 1.1
    frame["plan"] = 5.0
    frame["area_code"] = [f"A{i}" for i in range(len(frame))]
    return frame


def _small(value: object) -> bool:
    return value is not None and not (isinstance(value, float) and math.isnan(value)) and 1 <= float(value) <= 7


@settings(max_examples=200, deadline=None)
@given(rows)
def test_no_small_count_or_derived_value_passes(data):
    frame = _frame(data)
    out = suppress(frame, RULE)
    for i, (num, den, _) in enumerate(data):
        flagged = _small(num) or _small(den)
        assert bool(is_suppressed(out).iloc[i]) == flagged
        if flagged:
            assert out.loc[i, ["numerator", "denominator", "value", "lower", "upper"]].isna().all()
            assert out.loc[i, FLAG] == "suppressed: a count between 1 and 7"
        else:  # untouched, and not flagged
            pd.testing.assert_series_equal(out.loc[i, frame.columns], frame.loc[i], check_names=False)
            assert out.loc[i, FLAG] == ""
    assert out["plan"].eq(5.0).all()  # a plan is not derived from the counts
    for column in ("numerator", "denominator"):
        assert not out[column].dropna().between(1, 7).any()


@settings(max_examples=100, deadline=None)
@given(rows)
def test_the_step_is_idempotent_and_keeps_earlier_flags(data):
    once = suppress(_frame(data), RULE)
    pd.testing.assert_frame_equal(suppress(once, RULE), once)
    pd.testing.assert_frame_equal(suppress(once, Rule(0)), once)  # a later, weaker rule cannot un-suppress
    assert len(shown(once)) == int((~is_suppressed(once)).sum())


@settings(max_examples=100, deadline=None)
@given(rows)
def test_counts_from_another_frame_decide_as_if_they_were_its_own(data):
    frame = _frame(data)
    points = frame[["area_code", "value", "lower", "upper"]].assign(x=frame["denominator"])
    out = suppress(points, RULE.deriving("x"), counts=frame)
    direct = suppress(frame.assign(x=frame["denominator"]), RULE.deriving("x"))
    assert list(out.columns) == [*points.columns, FLAG]  # the counts are not added
    pd.testing.assert_series_equal(is_suppressed(out), is_suppressed(direct))
    assert out.loc[is_suppressed(out), ["value", "x"]].isna().all().all()


def test_zero_stays_and_threshold_zero_suppresses_nothing():
    frame = _frame([(0.0, 0.0, 0.0), (3.0, 100.0, 3.0), (8.0, 100.0, 8.0)])
    out = suppress(frame, Rule(7))
    assert out["numerator"].tolist()[0] == 0.0 and math.isnan(out["numerator"].tolist()[1])
    assert out[FLAG].tolist() == ["", "suppressed: a count between 1 and 7", ""]
    off = suppress(frame, Rule(0))
    assert off["numerator"].tolist() == [0.0, 3.0, 8.0] and not is_suppressed(off).any()


def test_integer_and_text_columns_are_blanked_too():
    frame = pd.DataFrame({"numerator": [2, 9], "x_label": ["41", "90"], "when": pd.to_datetime(["2024-01-01"] * 2)})
    out = suppress(frame, Rule(7).deriving("x_label"))
    assert math.isnan(out["numerator"].iloc[0]) and out["numerator"].iloc[1] == 9
    assert out["x_label"].tolist() == [None, "90"]
    assert out["when"].notna().all()


@pytest.mark.parametrize(
    ("value_type", "counts_people", "expected"),
    [
        ("proportion", True, Rule(7, ("numerator", "denominator"))),
        ("rate", True, Rule(7, ("numerator",))),  # patient-years and bed-years are not people
        ("standardised_ratio", True, Rule(7, ("numerator",))),  # expected counts are not people
        ("count", True, Rule(7, ("numerator", "value"))),
        ("proportion", False, Rule(0)),  # counts of organisations
    ],
)
def test_rule_for_a_kpi(value_type, counts_people, expected):
    assert rule_for(value_type, counts_people, 7) == expected
    assert rule_for(value_type, counts_people, 0).maximum == 0


def test_each_kpi_by_its_own_rule_in_its_own_order():
    catalogue = pd.DataFrame(
        {"kpi_code": ["P", "R", "O"], "value_type": ["proportion", "rate", "proportion"], "counts_people": [1, 1, 0]}
    )
    frame = pd.DataFrame(
        {
            "kpi_code": ["R", "P", "O", "R", "P"],
            "numerator": [20.0, 20.0, 3.0, 4.0, 30.0],
            "denominator": [5.0, 5.0, 5.0, 50.0, 300.0],
            "value": [4.0, 0.4, 0.6, 0.08, 0.1],
        },
        index=[10, 11, 12, 13, 14],
    )
    out = suppress_kpis(frame, catalogue, 7)
    assert out.index.tolist() == [10, 11, 12, 13, 14] and out["kpi_code"].tolist() == frame["kpi_code"].tolist()
    # rate: a small denominator (bed-years) is not a count; proportion: it is; organisations: never
    assert is_suppressed(out).tolist() == [False, True, False, True, False]
    assert np.isnan(out.loc[13, "value"]) and out.loc[12, "numerator"] == 3.0


def test_note_says_how_many_and_why():
    out = suppress(_frame([(2.0, 50.0, 4.0), (20.0, 50.0, 40.0)]), RULE)
    assert suppressed_note(out) == "1 of 2 periods suppressed (a count between 1 and 7), so not shown."
    assert suppressed_note(suppress(_frame([(20.0, 50.0, 40.0)]), RULE)) == ""


KPI_RULES = st.lists(st.tuples(st.sampled_from(["A", "B", "C", "D", "E"]), counts, counts), min_size=1, max_size=40)


@settings(max_examples=100, deadline=None)
@given(KPI_RULES)
def test_several_kpis_at_once_are_each_suppressed_as_alone(data):
    """Suppressing KPIs that share a rule together (issue 14) gives what suppressing each KPI alone gives."""
    catalogue = pd.DataFrame({
        "kpi_code": ["A", "B", "C", "D"], "value_type": ["proportion", "rate", "proportion", "count"],
        "counts_people": [1, 1, 0, 1],
    })  # fmt: skip  (E is not in the catalogue: the default rule)
    frame = pd.DataFrame(data, columns=["kpi_code", "numerator", "denominator"])
    frame["value"] = frame["numerator"] / frame["denominator"].where(frame["denominator"] > 0)
    frame.index = [i * 3 + 1 for i in range(len(frame))]
    rules = {r.kpi_code: rule_for(r.value_type, bool(r.counts_people), 7) for r in catalogue.itertuples()}
    alone = pd.concat(
        suppress(frame[frame["kpi_code"] == code], rules.get(code, Rule(7))) for code in frame["kpi_code"].unique()
    ).loc[frame.index]
    pd.testing.assert_frame_equal(suppress_kpis(frame, catalogue, 7), alone)
