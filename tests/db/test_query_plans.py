"""PostgreSQL plans the app's hot queries with their indexes, left to its own choice (issue 14).

The statements are the ones ``data.queries`` really sends (captured from the engine), not hand-written copies, so a
change to a query that loses its index fails here. The planner runs with its defaults (sequential scans allowed)
on the NCL demo (about 190,000 observations) after ``ANALYZE``: at that size a filtered query that reads one area,
or one period across areas, is answered from an index, and a sequential scan of ``kpi_observation`` means the
index no longer serves it, which at England scale (10 million rows) costs seconds per page view. SQLite has its
own planner (``tests/db/test_queries.py`` checks it), so these tests run on PostgreSQL only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date

import pytest
from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from sqlmodel import Session

from data import queries

# PostgreSQL only (no SQLite case to skip: CI allows no skips); without TEST_DATABASE_URL it skips as every
# PostgreSQL test does, and fails under REQUIRE_POSTGRES=1
pytestmark = [pytest.mark.db, pytest.mark.parametrize("demo_engine", ["postgresql"], indirect=True, scope="session")]


@pytest.fixture(scope="module")
def analysed(demo_engine: Engine) -> Iterator[Engine]:
    """The demo database on PostgreSQL with fresh planner statistics (its own schema's tables only: a bare ANALYZE
    locks every table of every test schema in the database at once and runs out of lock slots)."""
    assert demo_engine.dialect.name == "postgresql"
    with demo_engine.begin() as conn:
        tables = conn.execute(text(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")).scalars().all()
    for table in tables:
        with demo_engine.begin() as conn:
            conn.execute(text(f'ANALYZE "{table}"'))
    yield demo_engine


def _statements(engine: Engine, run: Callable[[Session], object]) -> list[tuple[str, object]]:
    """Every statement (with its parameters) that ``run`` sends and that reads ``kpi_observation``."""
    sent: list[tuple[str, object]] = []

    def note(conn: object, cursor: object, statement: str, parameters: object, context: object, many: bool) -> None:
        if "kpi_observation" in statement:
            sent.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", note)
    try:
        with Session(engine) as session:
            run(session)
    finally:
        event.remove(engine, "before_cursor_execute", note)
    assert sent, "the query read no observations"
    return sent


def _plans(engine: Engine, run: Callable[[Session], object]) -> list[str]:
    """PostgreSQL's EXPLAIN of each observation statement that ``run`` sends."""
    plans = []
    with engine.connect() as conn:
        for statement, parameters in _statements(engine, run):
            rows = conn.exec_driver_sql("EXPLAIN " + statement, parameters).all()
            plans.append("\n".join(r[0] for r in rows))
    return plans


HOT_QUERIES: dict[str, tuple[Callable[[Session], object], str]] = {
    # the register, KPI cards and trajectories: every KPI's series for one borough
    "register series": (
        lambda s: queries.area_series(
            session=s, level="borough", area_code="E09000010", kpi_codes=["AE_RATE", "DIAB_8CP", "UCR_2H"]
        ),
        "uq_kpi_observation_kpi_level_area_period",
    ),
    # Trajectories for one practice (the largest level)
    "practice trajectory": (
        lambda s: queries.area_series(session=s, level="practice", area_code="Z00001", kpi_codes=["AE_RATE"]),
        "uq_kpi_observation_kpi_level_area_period",
    ),
    # Variation's funnel and the Map's colours: one KPI and month across every practice
    "funnel": (
        lambda s: queries.kpi_period_across_areas(
            session=s, kpi_code="AE_RATE", level="practice", period_start=date(2023, 3, 1)
        ),
        "ix_kpi_observation_kpi_level_period",
    ),
    # Care homes: twelve months pooled per home
    "care-home year": (
        lambda s: queries.kpi_window_across_areas(
            session=s,
            kpi_code="CH_EMADM",
            level="care_home",
            first_period=date(2023, 4, 1),
            last_period=date(2024, 3, 1),
        ),
        "ix_kpi_observation_kpi_level_period",
    ),
}


@pytest.mark.parametrize("name", list(HOT_QUERIES))
def test_hot_query_uses_its_index_on_postgresql(analysed: Engine, name: str) -> None:
    run, index = HOT_QUERIES[name]
    for plan in _plans(analysed, run):
        assert "Seq Scan on kpi_observation" not in plan, plan
        assert index in plan, plan


def test_the_plans_read_real_rows(analysed: Engine) -> None:
    """The checked queries find data (an index on an empty result proves little)."""
    with Session(analysed) as session:
        for name, (run, _) in HOT_QUERIES.items():
            assert len(run(session)) > 0, name
