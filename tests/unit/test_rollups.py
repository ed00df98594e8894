"""Roll-up shaping (data/rollups.py): sums are preserved, values recomputed by the KPI's method, dated memberships
chosen by the period's end, and a successor's history summed only where that is valid."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from data.rollups import carry_history, group_members, pcn_for_periods, roll_up

pytestmark = pytest.mark.unit

KPIS = pd.DataFrame({"kpi_id": [1, 2], "value_type": ["proportion", "count"], "multiplier": [100.0, 1.0]})
START, END = date(2020, 4, 1), date(2021, 3, 31)

practice_rows = st.lists(
    st.tuples(st.sampled_from([1, 2]), st.sampled_from(["U1", "U2", "U3"]), st.integers(0, 500),
              st.integers(1, 1_000)),
    min_size=1, max_size=40,
)


def _members(rows: list[tuple[int, str, int, int]]) -> pd.DataFrame:
    return pd.DataFrame({
        "kpi_id": [r[0] for r in rows], "level": "pcn", "area_code": [r[1] for r in rows], "period_start": START,
        "period_end": END, "numerator": [float(r[2]) for r in rows], "denominator": [float(r[3]) for r in rows],
    })


@given(practice_rows)
@settings(max_examples=60, deadline=None)
def test_sums_are_preserved_and_values_recomputed(rows: list[tuple[int, str, int, int]]) -> None:
    members = _members(rows)
    out = roll_up(members, KPIS)
    assert out["numerator"].sum() == pytest.approx(members["numerator"].sum())
    assert out["denominator"].sum() == pytest.approx(members["denominator"].sum())
    assert out["practices"].sum() == len(members)
    proportion = out[out["kpi_id"] == 1]
    assert np.allclose(proportion["value"], 100 * proportion["numerator"] / proportion["denominator"])
    count = out[out["kpi_id"] == 2]
    assert (count["value"] == count["numerator"]).all()  # a count's value is its numerator, never an average


@given(practice_rows, st.data())
@settings(max_examples=40, deadline=None)
def test_a_group_with_a_missing_numerator_is_left_out(rows: list[tuple[int, str, int, int]], data: st.DataObject
                                                      ) -> None:
    members = _members(rows)
    hole = data.draw(st.integers(0, len(members) - 1))
    members.loc[hole, "numerator"] = np.nan
    out = roll_up(members, KPIS).set_index(["kpi_id", "area_code"])
    key = (members.loc[hole, "kpi_id"], members.loc[hole, "area_code"])
    assert key not in out.index
    complete = members.groupby(["kpi_id", "area_code"])["numerator"].apply(lambda s: s.notna().all())
    assert set(out.index) == set(complete[complete].index)


def test_averaging_would_differ_from_the_recomputed_value() -> None:
    members = _members([(1, "U1", 1, 10), (1, "U1", 90, 100)])
    value = roll_up(members, KPIS)["value"].iloc[0]
    assert value == pytest.approx(100 * 91 / 110)
    assert value != pytest.approx((10.0 + 90.0) / 2)


memberships = st.lists(
    st.tuples(st.sampled_from(["P1", "P2", "P3"]), st.sampled_from(["U1", "U2", "U3"]), st.integers(-800, 400),
              st.one_of(st.none(), st.integers(0, 900))),
    max_size=8,
)


@given(memberships)
@settings(max_examples=80, deadline=None)
def test_the_membership_in_force_at_the_period_end_wins(spells: list[tuple[str, str, int, int | None]]) -> None:
    frame = pd.DataFrame({
        "practice_code": [s[0] for s in spells], "pcn_code": [s[1] for s in spells],
        "start_date": [START + timedelta(days=s[2]) for s in spells],
        "end_date": [None if s[3] is None else START + timedelta(days=s[2] + s[3]) for s in spells],
    }, columns=["practice_code", "pcn_code", "start_date", "end_date"])
    observations = pd.DataFrame({"practice_code": ["P1", "P2", "P3", "P4"], "period_start": START,
                                 "period_end": END})
    current = pd.Series({"P4": "U9"})
    got = pcn_for_periods(observations, frame, current, pd.Series({"P3": "U7"}))
    assert got.iloc[3] == "U9"  # no history: the current PCN
    assert got.iloc[2] == "U7"  # an analyst's correction wins
    for i, code in enumerate(["P1", "P2"]):
        spells_of = frame[frame["practice_code"] == code]
        ends = spells_of["end_date"].map(lambda d: date.max if d is None else d)
        in_force = spells_of[(spells_of["start_date"] <= END) & (ends >= END)]
        overlapping = spells_of[(spells_of["start_date"] <= END) & (ends >= START)]
        if len(in_force):
            assert got.iloc[i] == in_force.sort_values("start_date")["pcn_code"].iloc[-1]
        elif len(overlapping):
            assert got.iloc[i] == overlapping.sort_values("start_date")["pcn_code"].iloc[-1]
        elif len(spells_of):
            assert pd.isna(got.iloc[i])  # a history, but no membership during the period: counted nowhere


def test_group_members_repeat_a_practice_per_level_and_system() -> None:
    observations = pd.DataFrame({"kpi_id": [1, 1], "practice_code": ["P1", "P2"], "period_start": START,
                                 "period_end": END, "numerator": [1.0, 2.0], "denominator": [10.0, 20.0]})
    systems = pd.DataFrame({"practice_code": ["P1", "P1", "P2"], "system_code": ["QMJ", "WNL", "WNL"]})
    out = group_members(observations, pd.Series(["U1", None]), pd.Series({"P1": "E09000003"}), systems,
                        {1: {"pcn", "borough", "system"}})
    assert sorted(zip(out["level"], out["area_code"], strict=True)) == [
        ("borough", "E09000003"), ("pcn", "U1"), ("system", "QMJ"), ("system", "WNL"), ("system", "WNL")]
    only_pcn = group_members(observations, pd.Series(["U1", "U1"]), pd.Series(dtype=object), systems, {1: {"pcn"}})
    assert set(only_pcn["level"]) == {"pcn"}


SERIES = ["kpi_code", "period_start", "period_end", "numerator", "denominator", "value", "lower_ci", "upper_ci"]
KINDS = pd.DataFrame({"kpi_code": ["K", "M"], "value_type": ["proportion", "proportion"], "multiplier": [100, 100],
                      "summable": [True, False]})


def _series(code: str, rows: list[tuple[date, float, float]]) -> pd.DataFrame:
    return pd.DataFrame([(code, d, d, n, den, 100 * n / den, None, None) for d, n, den in rows], columns=SERIES)


def test_a_successor_sums_its_predecessors_where_valid() -> None:
    d1, d2, d3 = date(2020, 4, 1), date(2021, 4, 1), date(2022, 4, 1)
    own = pd.concat([_series("K", [(d1, 5, 50), (d3, 20, 100)]), _series("M", [(d1, 1, 10)])])
    inherited = pd.concat([_series("K", [(d1, 15, 50), (d2, 9, 30)]), _series("M", [(d1, 3, 10)])])
    out = carry_history(own, inherited, KINDS).set_index(["kpi_code", "period_start"])
    assert out.loc[("K", d1), "numerator"] == 20 and out.loc[("K", d1), "value"] == pytest.approx(20.0)
    assert out.loc[("K", d2), "numerator"] == 9  # held by the predecessor only: kept as it was
    assert out.loc[("K", d3), "numerator"] == 20
    assert out.loc[("M", d1), "numerator"] == 1  # not summable: the successor's own row, never a sum
