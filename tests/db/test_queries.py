"""The two hot queries return the right rows and use their indexes."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import text
from sqlmodel import Session

from data import queries

pytestmark = pytest.mark.db


def test_trajectory_query_returns_one_area_in_period_order(demo_engine):
    with Session(demo_engine) as session:
        series = queries.area_series(session=session, level="borough", area_code="E09000010", kpi_codes=["AE_RATE"])
    assert len(series) == 96
    assert series["period_start"].is_monotonic_increasing
    assert (series["value"] - series["numerator"] / series["denominator"] * 1000).abs().max() < 1e-9


def test_funnel_query_returns_every_practice_for_a_period(demo_engine):
    with Session(demo_engine) as session:
        rows = queries.kpi_period_across_areas(
            session=session, kpi_code="AE_RATE", level="practice", period_start=date(2023, 3, 1)
        )
    assert len(rows) == 180 and rows["area_code"].is_unique


def _plan(engine, sql: str) -> str:
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            return " ".join(str(r[-1]) for r in conn.execute(text("EXPLAIN QUERY PLAN " + sql)))
        conn.execute(text("SET enable_seqscan = off"))  # small tables: ask whether the index CAN serve it
        return " ".join(r[0] for r in conn.execute(text("EXPLAIN " + sql)))


def test_hot_queries_use_their_indexes(demo_engine):
    funnel = _plan(demo_engine, "SELECT area_code, value FROM kpi_observation "
                                "WHERE kpi_id = 1 AND level = 'practice' AND period_start = '2023-03-01'")
    trajectory = _plan(demo_engine, "SELECT period_start, value FROM kpi_observation "
                                    "WHERE kpi_id = 1 AND level = 'borough' AND area_code = 'E09000010' "
                                    "ORDER BY period_start")
    assert "ix_kpi_observation_kpi_level_period" in funnel, funnel
    if demo_engine.dialect.name == "sqlite":  # SQLite names a unique constraint's index sqlite_autoindex_*
        assert "USING INDEX sqlite_autoindex_kpi_observation" in trajectory, trajectory
        assert "area_code=?" in trajectory, trajectory
    else:
        assert "uq_kpi_observation_kpi_level_area_period" in trajectory, trajectory
