"""The dashboard's templates loaded on SQLite and PostgreSQL: atomic, idempotent, upserting, logged."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from data.importers import load_upload
from models import ImportLog, Initiative, Kpi, KpiAreaLevel, KpiObservation, KpiPlan, Workstream

pytestmark = pytest.mark.db

REGISTER = b"""workstream_code,workstream_name,initiative_code,initiative_name,owner,borough_code,start_date,end_date
EHCH,Enhanced Health in Care Homes,EHCH-1,Care home support,A Lead,E09000003,2019-04-01,
PC,Primary care,PC-1,Extended access,,,01/04/2019,31/03/2024
"""
DEFINITIONS = b"kpi_code,initiative_code,name,definition,unit,value_type,multiplier,polarity,source,levels," \
    b"""target_value,target_date
FLU65,PC-1,Flu 65+,Flu vaccinations in over-65s,%,proportion,100,higher,GP extract,practice;pcn;borough,75,2024-03-31
ADM,EHCH-1,Admissions,Emergency admissions from care homes,per 100 beds,rate,100,lower_is_better,SUS,borough,,
"""
OBS = b"""KPI Code,Area Level,Area Code,Period,Numerator,Denominator,Value
FLU65,practice,E83003,2023-04,"1,200",2000,
FLU65,practice,e83005,2023-04,300,500,
FLU65,borough,E09000003,2023-04,,,71.5
"""


def _count(engine: Engine, model: type) -> int:
    with Session(engine) as session:
        return session.execute(select(func.count()).select_from(model)).scalar_one()


def _programme(engine: Engine) -> None:
    for source, data in [("register", REGISTER), ("kpi_definitions", DEFINITIONS)]:
        report = load_upload(engine, source, data, f"{source}.csv")
        assert report.status == "loaded", report.text()


def test_register_and_definitions_load(geography: Engine) -> None:
    _programme(geography)
    with Session(geography) as session:
        assert session.execute(select(Workstream.name).where(Workstream.code == "EHCH")).scalar_one() == \
            "Enhanced Health in Care Homes"
        initiative = session.execute(select(Initiative).where(Initiative.code == "PC-1")).scalar_one()
        assert initiative.end_date == date(2024, 3, 31)
        kpi = session.execute(select(Kpi).where(Kpi.code == "FLU65")).scalar_one()
        assert (kpi.polarity, kpi.multiplier, kpi.target_value) == ("higher_is_better", 100, 75)
        levels = session.execute(select(KpiAreaLevel.level).where(KpiAreaLevel.kpi_id == kpi.id)).scalars()
        assert sorted(levels) == ["borough", "pcn", "practice"]


def test_observations_load_compute_values_and_reimport_is_unchanged(geography: Engine) -> None:
    _programme(geography)
    first = load_upload(geography, "kpi_observations", OBS, "obs.csv")
    assert first.status == "loaded", first.text()
    assert first.written == {"kpi_observation": 3}
    with Session(geography) as session:
        values = dict(session.execute(select(KpiObservation.area_code, KpiObservation.value).where(
            KpiObservation.derived.is_(False))).all())
        rolled = session.execute(select(KpiObservation.area_code, KpiObservation.numerator, KpiObservation.value)
                                 .where(KpiObservation.derived.is_(True))).all()
        row = session.execute(select(KpiObservation).where(KpiObservation.area_code == "E83003")).scalar_one()
    assert values == {"E83003": 60.0, "E83005": 60.0, "E09000003": 71.5}
    assert rolled == [("U60176", 1500.0, 60.0)]  # the PCN is rolled up; the imported borough row is kept
    assert (row.period_start, row.period_end, row.import_id) == (date(2023, 4, 1), date(2023, 4, 30), first.import_id)

    again = load_upload(geography, "kpi_observations", OBS, "obs-copy.csv")
    assert again.status == "unchanged"
    assert _count(geography, KpiObservation) == 4

    newer = OBS.replace(b"FLU65,practice,e83005,2023-04,300,500,", b"FLU65,practice,E83005,2023-04,400,500,")
    updated = load_upload(geography, "kpi_observations", newer + b"FLU65,practice,E83005,2023-05,1,2,\n", "obs2.csv")
    assert updated.status == "loaded", updated.text()
    with Session(geography) as session:
        value = session.execute(select(KpiObservation.value).where(
            KpiObservation.area_code == "E83005", KpiObservation.period_start == date(2023, 4, 1))).scalar_one()
        statuses = session.execute(select(ImportLog.status).order_by(ImportLog.id)).scalars().all()
    assert value == 80.0
    assert _count(geography, KpiObservation) == 7  # 4 imported; PCN April and May, borough May (April imported)
    assert statuses[-3:] == ["loaded", "unchanged", "loaded"]


def test_bad_rows_reject_the_whole_file_with_row_level_reasons(geography: Engine) -> None:
    _programme(geography)
    bad = OBS + b"""NOPE,practice,E83003,2023-04,1,2,
FLU65,practice,Z99999,2023-04,1,2,
ADM,practice,E83003,2023-04,1,2,
FLU65,pcn,U60176,2023-13,1,2,
"""
    report = load_upload(geography, "kpi_observations", bad, "bad.csv")
    assert report.status == "rejected"
    where = {(p.row, p.column) for p in report.errors}
    # every column as the file heads it (KPI Code, ...), in the database checks as in the schema's
    assert where == {(5, "KPI Code"), (6, "Area Code"), (7, "Area Level"), (8, "Period")}
    by_row = {p.row: p.message for p in report.errors}
    assert "KPI definitions" in by_row[5] and "epraccur" in by_row[6] and "levels" in by_row[7]
    assert _count(geography, KpiObservation) == 0  # nothing written, not even the three good rows
    with Session(geography) as session:
        entry = session.execute(select(ImportLog).where(ImportLog.id == report.import_id)).scalar_one()
    assert entry.status == "rejected" and entry.rows_rejected == 4 and len(entry.sha256) == 64
    assert json.loads(entry.error_report)["total"] == 4


def test_dry_run_validates_without_writing(geography: Engine) -> None:
    _programme(geography)
    before = _count(geography, ImportLog)
    report = load_upload(geography, "kpi_observations", OBS, "obs.csv", dry_run=True)
    assert report.status == "validated" and report.rows_accepted == 3
    assert _count(geography, KpiObservation) == 0 and _count(geography, ImportLog) == before


def test_plans_and_targets(geography: Engine) -> None:
    _programme(geography)
    plans = b"kpi_code,area_level,area_code,period,value\nFLU65,borough,E09000003,2023/24,72\n"
    assert load_upload(geography, "kpi_plans", plans, "plans.csv").status == "loaded"
    targets = b"KPI,Target,Target date\nFLU65,80,2025-03-31\n"
    report = load_upload(geography, "kpi_targets", targets, "targets.csv")
    assert report.status == "loaded", report.text()
    with Session(geography) as session:
        kpi = session.execute(select(Kpi).where(Kpi.code == "FLU65")).scalar_one()
        plan = session.execute(select(KpiPlan)).scalar_one()
    assert (kpi.target_value, kpi.target_date, kpi.unit) == (80, date(2025, 3, 31), "%")
    assert (plan.period_start, plan.value) == (date(2023, 4, 1), 72)
    unknown = load_upload(geography, "kpi_targets", b"kpi_code,target_value\nXX,1\n", "t2.csv")
    assert unknown.status == "rejected" and unknown.errors[0].row == 2
