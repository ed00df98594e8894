"""The stored KPI coverage summary (``kpi_coverage``) matches the observations after every import, demo build and
migration, and the queries that read it answer as a scan of the observations would (issue 14)."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session

from data import queries
from data.importers import load_upload

pytestmark = pytest.mark.db

PREVALENCE = (
    "PRACTICE_CODE,GROUP_CODE,REGISTER,PATIENT_LIST_TYPE,PRACTICE_LIST_SIZE\n"
    "E83003,HYP,1200,TOTAL,10000\nE83005,HYP,900,TOTAL,6000\nE83003,DM,700,17OV,8000\n"
)
LATER = "PRACTICE_CODE,GROUP_CODE,REGISTER,PATIENT_LIST_TYPE,PRACTICE_LIST_SIZE\nE83003,HYP,1300,TOTAL,10100\n"

STORED = ("SELECT kpi_id, level, period_start, period_end, import_id, observations, valued FROM kpi_coverage "
          "ORDER BY kpi_id, level, period_start")
SCANNED = ("SELECT kpi_id, level, period_start, period_end, max(import_id), count(*) AS observations, count(value) "
           "AS valued FROM kpi_observation GROUP BY kpi_id, level, period_start, period_end "
           "ORDER BY kpi_id, level, period_start")


def _rows(engine: Engine, sql: str) -> list[tuple]:
    with engine.connect() as connection:
        return [tuple(str(v) for v in row) for row in connection.execute(text(sql))]


def _load(engine: Engine, data: str, name: str) -> int:
    report = load_upload(engine, "qof_prevalence", data.encode(), name)
    assert report.status == "loaded", report.text()
    return int(report.import_id)


def test_coverage_follows_every_import_and_answers_freshness_and_periods(geography: Engine) -> None:
    first = _load(geography, PREVALENCE, "PREVALENCE_2021_v2.csv")
    assert _rows(geography, STORED) == _rows(geography, SCANNED) != []
    second = _load(geography, LATER, "PREVALENCE_2122.csv")  # a later year for one practice, rolled up again
    stored = _rows(geography, STORED)
    assert stored == _rows(geography, SCANNED)
    assert {int(r[4]) for r in stored} >= {first, second}
    with Session(geography) as session:
        fresh = queries.kpi_freshness(session=session).set_index("kpi_code")
        periods = queries.kpi_periods(session=session, kpi_code="QOF_HYP")
        latest = queries.latest_period(session=session)
        finished = session.execute(text("SELECT max(finished_at) FROM import_log WHERE id = :i"),
                                   {"i": second}).scalar_one()
    assert list(periods["period_start"]) == [date(2021, 4, 1), date(2020, 4, 1)]  # newest first, one row each
    assert latest == date(2022, 3, 31)
    hyp = fresh.loc["QOF_HYP"]
    assert (hyp["first_period_start"], hyp["latest_period_end"]) == (date(2020, 4, 1), date(2022, 3, 31))
    assert pd.Timestamp(hyp["imported_at"]).tz_localize(None) == pd.Timestamp(finished).tz_localize(None)
    assert hyp["levels_with_data"][0] == "system" and "practice" in hyp["levels_with_data"]
    with geography.connect() as connection:
        hyp_values = connection.execute(text(
            "SELECT count(value) FROM kpi_observation o JOIN kpi k ON k.id = o.kpi_id WHERE k.code = 'QOF_HYP'"
        )).scalar_one()
    assert hyp["values"] == hyp_values
    assert fresh.loc["QOF_DM", "latest_period_end"] == date(2021, 3, 31)  # untouched by the second import


def test_the_demo_build_stores_its_coverage(demo_engine: Engine) -> None:
    stored = _rows(demo_engine, STORED)
    assert len(stored) > 100 and stored == _rows(demo_engine, SCANNED)
    with Session(demo_engine) as session:
        assert queries.latest_period(session=session) == date(2024, 3, 31)
        fresh = queries.kpi_freshness(session=session)
    assert fresh["imported_at"].notna().all() and (fresh["values"] > 0).all()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_the_migration_fills_coverage_from_the_observations_loaded(backend, request, tmp_path) -> None:
    from alembic import command

    from data import migrate
    from data.db import make_engine
    from tests.conftest import backend_engine

    engine = (make_engine(f"sqlite:///{tmp_path / 'old.sqlite'}") if backend == "sqlite"
              else backend_engine(backend, request, label="mig0004"))
    with engine.begin() as connection:
        command.upgrade(migrate._config(connection), "0003_h16_footprint")
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO workstream (code, name) VALUES ('W', 'W')"))
        connection.execute(text("INSERT INTO initiative (code, workstream_id, name) VALUES ('I', "
                                "(SELECT id FROM workstream), 'I')"))
        connection.execute(text(
            "INSERT INTO kpi (code, initiative_id, name, definition, unit, value_type, multiplier, polarity, source, "
            "counts_people, origin) VALUES ('K', (SELECT id FROM initiative), 'K', 'd', '%', 'proportion', 100, "
            "'no_judgement', 's', true, 'register')"))
        connection.execute(text(
            "INSERT INTO kpi_observation (kpi_id, level, area_code, period_start, period_end, value) VALUES "
            "((SELECT id FROM kpi), 'system', 'QMJ', '2020-01-01', '2020-01-31', 1.0), "
            "((SELECT id FROM kpi), 'system', 'QMJ', '2020-02-01', '2020-02-29', NULL)"))
    assert migrate.upgrade(engine) == migrate.head()
    assert _rows(engine, STORED) == _rows(engine, SCANNED)
    assert [r[-2:] for r in _rows(engine, STORED)] == [("1", "1"), ("1", "0")]
    assert migrate.differences(engine) == []
    engine.dispose()
