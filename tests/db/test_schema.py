"""The schema on SQLite and PostgreSQL: natural keys unique, foreign keys and checks enforced, hot indexes."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from data.db import create_schema, is_empty, session_scope
from models import (
    AreaLevel,
    Borough,
    HealthSystem,
    Initiative,
    Kpi,
    KpiObservation,
    Polarity,
    Risk,
    ValueType,
    Workstream,
)

pytestmark = pytest.mark.db


def _programme(session: Session) -> Kpi:
    ws = Workstream(code="EHCH", name="Enhanced Health in Care Homes")
    session.add(ws)
    session.flush()
    initiative = Initiative(code="EHCH-1", workstream_id=ws.id, name="Care home support")
    session.add(initiative)
    session.flush()
    kpi = Kpi(
        code="CH_EMADM", initiative_id=initiative.id, name="Emergency admissions per 100 beds",
        definition="...", unit="per 100 beds", value_type=ValueType.RATE, multiplier=100,
        polarity=Polarity.LOWER_IS_BETTER, source="test",
    )
    session.add(kpi)
    session.flush()
    return kpi


def _observation(kpi_id: int, **overrides: object) -> KpiObservation:
    fields = dict(
        kpi_id=kpi_id, level=AreaLevel.BOROUGH, area_code="E09000003", period_start=date(2024, 1, 1),
        period_end=date(2024, 1, 31), numerator=5, denominator=100, value=5.0,
    )
    fields.update(overrides)
    return KpiObservation(**fields)


def test_every_table_is_created_and_creation_is_idempotent(engine):
    create_schema(engine)  # second time: no error, nothing dropped
    tables = set(inspect(engine).get_table_names())
    assert {
        "health_system", "borough", "pcn", "practice", "practice_list_size", "care_home", "boundary", "workstream",
        "initiative", "kpi", "kpi_area_level", "kpi_observation", "kpi_plan", "finance_line", "activity_change",
        "milestone", "risk", "risk_review", "import_log",
    } <= tables
    assert is_empty(engine)


def test_natural_key_of_an_observation_is_unique(engine):
    with pytest.raises(IntegrityError), session_scope(engine) as session:
        kpi = _programme(session)
        session.add(_observation(kpi.id))
        session.add(_observation(kpi.id, value=6.0))
        session.flush()


def test_foreign_keys_are_enforced(engine):
    with pytest.raises(IntegrityError), session_scope(engine) as session:
        session.add(Borough(code="E09000003", name="Barnet", system_id=999))
        session.flush()


def test_a_failed_transaction_writes_nothing(engine):
    with pytest.raises(IntegrityError), session_scope(engine) as session:
        session.add(HealthSystem(code="QMJ", name="North Central London"))
        session.flush()
        session.add(HealthSystem(code="QMJ", name="duplicate"))
        session.flush()
    with Session(engine) as session:
        assert session.exec(text("SELECT COUNT(*) FROM health_system")).one()[0] == 0


def test_check_constraints_reject_impossible_values(engine):
    with pytest.raises(IntegrityError), session_scope(engine) as session:
        kpi = _programme(session)
        session.add(_observation(kpi.id, period_end=date(2023, 12, 31)))  # ends before it starts
        session.flush()
    with pytest.raises(IntegrityError), session_scope(engine) as session:
        ws = Workstream(code="W", name="W")
        session.add(ws)
        session.flush()
        session.add(Risk(
            code="R1", title="t", workstream_id=ws.id, likelihood=6, impact=3, revised_likelihood=2,
            revised_impact=2, escalation="low",
        ))
        session.flush()


def test_hot_query_indexes_exist(engine):
    indexes = {ix["name"]: ix["column_names"] for ix in inspect(engine).get_indexes("kpi_observation")}
    uniques = {u["name"]: u["column_names"] for u in inspect(engine).get_unique_constraints("kpi_observation")}
    assert indexes["ix_kpi_observation_kpi_level_period"] == ["kpi_id", "level", "period_start"]
    assert uniques["uq_kpi_observation_kpi_level_area_period"] == ["kpi_id", "level", "area_code", "period_start"]
