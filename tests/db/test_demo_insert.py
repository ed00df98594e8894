"""The demo's bulk insert: SQLite's direct driver path stores exactly what SQLAlchemy's path stores, on each backend
(the direct path is what makes a new install's first build fast)."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
from sqlmodel import Session, select

from data.demo.load import _insert, _sqlite_rows
from models import HealthSystem, Milestone

pytestmark = pytest.mark.db


def test_rows_round_trip_with_dates_nulls_and_numbers(engine):
    rows: dict[str, int] = {}
    with Session(engine) as session:
        _insert(session, HealthSystem, pd.DataFrame({"code": ["QMJ"], "name": ["NCL"], "ons_code": [None]}), rows)
        system = session.exec(select(HealthSystem)).one()
        assert (system.code, system.name, system.ons_code) == ("QMJ", "NCL", None)
        session.commit()
    assert rows == {"health_system": 1}


def test_milestone_dates_read_back_as_dates(engine):
    from data.demo.load import build_demo

    summary = build_demo(engine)
    assert summary.rows["milestone"] > 0
    with Session(engine) as session:
        milestones = session.exec(select(Milestone)).all()
    assert all(isinstance(m.planned_date, date) for m in milestones)
    assert any(m.actual_date is None for m in milestones) and any(isinstance(m.actual_date, date) for m in milestones)


def test_sqlite_rows_write_dates_as_sqlalchemy_does_and_refuse_datetimes():
    frame = pd.DataFrame({"d": [date(2024, 3, 31), None], "x": [1.5, float("nan")], "b": [True, False]})
    assert _sqlite_rows(frame) == [("2024-03-31", 1.5, True), (None, None, False)]
    with pytest.raises(TypeError, match="datetimes"):
        _sqlite_rows(pd.DataFrame({"t": [pd.Timestamp(2024, 3, 31, 12)]}))
