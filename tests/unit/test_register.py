"""The register frame: baseline pooled over the baseline year, plan for the latest period, levels, headline."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from data.register import area_baseline, build_register, headline, plan_at

pytestmark = pytest.mark.unit


def _catalogue(**overrides) -> pd.DataFrame:
    row = dict(
        workstream_code="W", workstream="Workstream", initiative_code="I", initiative="Initiative",
        kpi_code="K", kpi="A KPI", definition="d", unit="%", value_type="proportion", multiplier=100.0,
        polarity="higher_is_better", source="s", baseline_value=50.0, baseline_period=date(2020, 1, 1),
        target_value=80.0, target_date=date(2021, 6, 1), validation_date=date(2021, 9, 30),
        levels=("borough", "system"),
    )
    row.update(overrides)
    return pd.DataFrame([row])


def _series(values: list[tuple[str, float, float]]) -> pd.DataFrame:
    rows = []
    for start, num, den in values:
        begin = pd.Timestamp(start)
        rows.append({
            "kpi_code": "K", "period_start": begin.date(), "period_end": (begin + pd.offsets.MonthEnd(0)).date(),
            "numerator": num, "denominator": den, "value": num / den * 100, "lower_ci": None, "upper_ci": None,
        })
    return pd.DataFrame(rows)


def _plans(values: list[tuple[str, float]]) -> pd.DataFrame:
    return pd.DataFrame([{"kpi_code": "K", "period_start": pd.Timestamp(s).date(), "value": v} for s, v in values])


def test_baseline_pools_the_baseline_year():
    series = _series([("2020-01-01", 10, 100), ("2020-06-01", 30, 100), ("2021-01-01", 90, 100)])
    assert area_baseline(series, date(2020, 1, 1), 100) == pytest.approx(20.0)  # (10+30)/(100+100)


def test_plan_at_takes_the_latest_plan_not_after_the_period():
    plans = _plans([("2020-01-01", 50), ("2021-01-01", 60), ("2022-01-01", 70)])
    assert plan_at(plans, date(2021, 6, 1)) == 60
    assert pd.isna(plan_at(plans, date(2019, 1, 1)))


def test_register_row_compares_latest_actual_with_its_plan():
    series = _series([("2020-01-01", 50, 100), ("2021-03-01", 66, 100), ("2021-04-01", 62, 100)])
    plans = _plans([("2020-01-01", 50), ("2021-04-01", 70), ("2021-06-01", 78)])
    row = build_register(_catalogue(), series, plans, level="borough").iloc[0]
    assert row["latest_value"] == pytest.approx(62.0)
    assert row["plan_value"] == 70 and row["status"] == "Off track"
    assert row["target_value"] == 78  # the area's own target: its plan at the target date
    assert row["data_date"] == date(2021, 4, 30)


def test_kpi_not_reported_at_the_level_says_so():
    empty = pd.DataFrame(columns=["kpi_code", "period_start", "period_end", "numerator", "denominator", "value"])
    plans = pd.DataFrame(columns=["kpi_code", "period_start", "value"])
    row = build_register(_catalogue(levels=("system",)), empty, plans, level="pcn").iloc[0]
    assert row["status"] == "No data" and "pcn level" in row["note"]


def test_headline_counts_assessed_kpis():
    register = pd.DataFrame({"status": ["Off track", "Off track", "At risk", "On track", "No data"]})
    assert headline(register, "Enfield") == "2 of 4 KPIs off track in Enfield (1 at risk, 1 on track)."
    assert "can be assessed" in headline(pd.DataFrame({"status": ["No data"]}), "Camden")


def test_plan_at_reads_plans_in_any_order_and_an_exact_period():
    plans = _plans([("2022-01-01", 70), ("2020-01-01", 50), ("2021-01-01", 60)])
    assert plan_at(plans, date(2021, 1, 1)) == 60
    assert plan_at(plans, date(2030, 1, 1)) == 70
    assert pd.isna(plan_at(plans, date(2019, 12, 31)))
