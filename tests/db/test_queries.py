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


def test_a_practice_is_named_with_the_pcn_it_belonged_to_in_the_period(engine):
    """Memberships change every April: a 2020-21 funnel names the practice's 2020-21 PCN, not today's; analyst
    corrections win; a practice without membership history keeps today's PCN."""
    from models import LinkCorrection, Pcn, PcnMembership, Practice

    with Session(engine) as session:
        old, new, fixed = Pcn(code="U00001", name="Old PCN"), Pcn(code="U00002", name="New PCN"), Pcn(
            code="U00003", name="Corrected PCN")
        session.add_all([old, new, fixed])
        session.flush()
        session.add_all([
            Practice(code="A00001", name="Moved practice", pcn_id=new.id),
            Practice(code="A00002", name="No history", pcn_id=old.id),
            Practice(code="A00003", name="Corrected", pcn_id=new.id),
            PcnMembership(practice_code="A00001", pcn_code="U00001", start_date=date(2019, 7, 1),
                          end_date=date(2022, 3, 31)),
            PcnMembership(practice_code="A00001", pcn_code="U00002", start_date=date(2022, 4, 1)),
            PcnMembership(practice_code="A00003", pcn_code="U00002", start_date=date(2019, 7, 1)),
            LinkCorrection(level="practice", code="A00003", pcn_code="U00003"),
        ])
        session.commit()
        codes = ["A00001", "A00002", "A00003"]
        then = queries.practice_pcns_in(session=session, practice_codes=codes,
                                        period=(date(2020, 4, 1), date(2021, 3, 31))).set_index("area_code")
        now = queries.practice_pcns_in(session=session, practice_codes=codes,
                                       period=(date(2024, 4, 1), date(2025, 3, 31))).set_index("area_code")
    assert then.loc["A00001", ["pcn_code", "pcn"]].tolist() == ["U00001", "Old PCN"]
    assert now.loc["A00001", ["pcn_code", "pcn"]].tolist() == ["U00002", "New PCN"]
    assert then.loc["A00002", "pcn_code"] == now.loc["A00002", "pcn_code"] == "U00001"
    assert then.loc["A00003", "pcn"] == now.loc["A00003", "pcn"] == "Corrected PCN"


def test_the_queries_the_app_sends_seek_their_index(demo_engine):
    """The statements ``data.queries`` really sends (captured, as in test_query_plans.py) seek kpi_observation's
    indexes by KPI id on both planners: joined to the KPI-code subquery, SQLite had scanned the whole index (every
    observation) for the register's list of KPIs, 0.17 s per borough on the NCL demo and seconds at England scale."""
    from tests.db.test_query_plans import HOT_QUERIES, _statements

    with demo_engine.connect() as conn:
        for name, (run, index) in HOT_QUERIES.items():
            for statement, parameters in _statements(demo_engine, run):
                if demo_engine.dialect.name == "sqlite":
                    plan = " ".join(str(r[-1]) for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement,
                                                                              parameters))
                    assert "SEARCH kpi_observation USING" in plan and "SCAN kpi_observation" not in plan, (name, plan)
                else:
                    conn.execute(text("SET enable_seqscan = off"))
                    plan = " ".join(r[0] for r in conn.exec_driver_sql("EXPLAIN " + statement, parameters))
                    assert index in plan, (name, plan)
