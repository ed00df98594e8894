"""QOF achievement (long and wide layouts) into practice observations of QOF_<INDICATOR> KPIs."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select
from sqlmodel import Session

from data.db import session_scope
from data.importers import load_upload
from data.importers.qof import parse_qof_achievement
from models import Initiative, Kpi, KpiObservation, Polarity, ValueType, Workstream

pytestmark = pytest.mark.db

LONG = b"""PRACTICE_CODE,INDICATOR_CODE,MEASURE,VALUE
E83003,AF006,NUMERATOR,80
E83003,AF006,DENOMINATOR,100
E83003,AF006,PCAS,10
E83003,AF006,ACHIEVED_POINTS,12
E83005,AF006,NUMERATOR,45
E83005,AF006,DENOMINATOR,50
E83005,AF006,PCAS,0
E83005,DM012,NUMERATOR,10
E83005,DM012,DENOMINATOR,20
"""


def _qof_kpi(engine) -> None:
    with session_scope(engine) as session:
        ws = Workstream(code="CL", name="Clinical")
        session.add(ws)
        session.flush()
        initiative = Initiative(code="CL-1", workstream_id=ws.id, name="QOF")
        session.add(initiative)
        session.flush()
        session.add(Kpi(code="QOF_AF006", initiative_id=initiative.id, name="AF anticoagulation", definition="d",
                        unit="%", value_type=ValueType.PROPORTION, multiplier=100,
                        polarity=Polarity.HIGHER_IS_BETTER, source="QOF"))


def _observations(engine) -> dict[str, tuple[float, float, float, date]]:
    with Session(engine) as session:
        rows = session.execute(select(KpiObservation.area_code, KpiObservation.numerator, KpiObservation.denominator,
                                      KpiObservation.value, KpiObservation.period_start)
                               .where(KpiObservation.derived.is_(False))).all()  # imported rows, not roll-ups
    return {code: (num, den, value, start) for code, num, den, value, start in rows}


def test_long_file_loads_achievement_net_of_pcas_and_skips_indicators_without_a_kpi(geography):
    _qof_kpi(geography)
    report = load_upload(geography, "qof_achievement", LONG, "ACHIEVEMENT_2021.csv")
    assert report.status == "loaded", report.problems
    assert any("DM012" in note for note in report.notes)
    assert _observations(geography) == {
        "E83003": (80.0, 100.0, 80.0, date(2020, 4, 1)),
        "E83005": (45.0, 50.0, 90.0, date(2020, 4, 1)),
    }
    assert load_upload(geography, "qof_achievement", LONG, "ACHIEVEMENT_2021.csv").status == "unchanged"


def test_include_pcas_adds_them_to_the_denominator(geography):
    _qof_kpi(geography)
    report = load_upload(geography, "qof_achievement", LONG, "ACHIEVEMENT_2021.csv", options={"include_pcas": "true"})
    assert report.status == "loaded", report.problems
    assert _observations(geography)["E83003"][1:3] == (110.0, pytest.approx(80 / 110 * 100))


def test_wide_layout_and_year_option():
    wide = b"PRACTICE_CODE,INDICATOR_CODE,NUMERATOR,DENOMINATOR,PCAS\nE83003,AF006,8,10,1\n"
    parsed = parse_qof_achievement(wide, "qof_extract.csv", {"period": "2019/20"})
    assert not [p for p in parsed.problems if p.severity == "error"]
    row = parsed.frame.iloc[0]
    assert (row["kpi_code"], row["numerator"], row["denominator"]) == ("QOF_AF006", 8.0, 10.0)
    assert row["period_start"] == date(2019, 4, 1)


@pytest.mark.parametrize(
    ("text", "name", "fragment"),
    [
        (b"PRACTICE_CODE,INDICATOR_CODE,MEASURE,VALUE\nE83003,AF006,NUMERATOR,8\n", "ACHIEVEMENT_2021.csv",
         "need both a NUMERATOR and a DENOMINATOR"),
        (b"PRACTICE_CODE,INDICATOR_CODE,MEASURE,VALUE\nE83003,AF006,NUMERATOR,x\n", "ACHIEVEMENT_2021.csv",
         "not a number"),
        (b"PRACTICE_CODE,INDICATOR_CODE,NUMERATOR,DENOMINATOR\nE83003,AF006,12,10\n", "ACHIEVEMENT_2021.csv",
         "larger than the denominator"),
        (b"PRACTICE_CODE,INDICATOR_CODE,NUMERATOR,DENOMINATOR\nE83003,AF006,1,10\n", "qof.csv",
         "cannot tell the QOF year"),
    ],
)
def test_problems_say_what_to_fix(text, name, fragment):
    problems = parse_qof_achievement(text, name).problems
    assert any(fragment in p.message for p in problems), problems
