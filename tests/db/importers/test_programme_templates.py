"""Programme templates (finance, activity, milestones, risks, risk reviews) on SQLite and PostgreSQL.

Loaded in the documented order on an empty database (areas -> register -> KPI definitions -> programme files);
atomic, idempotent, upserting by natural key, and the shaped totals reconcile with the rows of the files.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from data import programme, queries
from data.importers import load_upload
from data.importers.programme import parse_activity, parse_finance, parse_financial_year, parse_risks
from models import ActivityChange, FinanceLine, Milestone, Risk, RiskReview

pytestmark = pytest.mark.db

TEMPLATES = Path(__file__).resolve().parents[3] / "docs" / "templates"
REVIEWS = b"""risk_code,review_date,likelihood,impact,revised_likelihood,revised_impact
EX-R1,2019-09-30,3,3,2,3
EX-R1,2019-12-31,4,3,3,3
EX-R2,2019-09-30,3,3,,
"""


def _template(name: str) -> bytes:
    return (TEMPLATES / name).read_bytes()


def _load(engine: Engine, source: str, data: bytes, name: str) -> None:
    report = load_upload(engine, source, data, name)
    assert report.status == "loaded", report.text()


def _count(engine: Engine, model: type) -> int:
    with Session(engine) as session:
        return session.execute(select(func.count()).select_from(model)).scalar_one()


@pytest.fixture
def programme_db(engine: Engine) -> Engine:
    """An empty database with the example areas, register and KPI definitions loaded from docs/templates."""
    for source, name in [("areas", "areas.csv"), ("register", "register.csv"),
                         ("kpi_definitions", "kpi_definitions.csv")]:
        _load(engine, source, _template(name), name)
    return engine


def _csv_rows(name: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(_template(name).decode())))


def test_finance_template_totals_reconcile_with_its_rows(programme_db: Engine) -> None:
    _load(programme_db, "finance", _template("finance.csv"), "finance.csv")
    with Session(programme_db) as session:
        lines = queries.finance_lines(session=session)
    rows = _csv_rows("finance.csv")
    assert len(lines) == len(rows)
    totals = programme.finance_totals(programme.in_scope(lines))
    for measure in programme.MEASURES:
        for scenario in ("plan", "actual"):
            expected = sum(float(r[measure]) for r in rows if r["scenario"] == scenario)
            assert totals[measure][scenario] == pytest.approx(expected), (measure, scenario)
    # PC-1 2020/21 has a plan and no actual yet: it is in the whole plan, not in the plan to date
    unreported = sum(float(r["net_saving"]) for r in rows if r["initiative_code"] == "PC-1"
                     and r["financial_year"] == "2020/21")
    assert totals["net_saving"]["plan_to_date"] == pytest.approx(totals["net_saving"]["plan"] - unreported)
    # Barnet sees its own initiative and the system-wide one; the by-year table adds up to the same totals
    barnet = programme.in_scope(lines, borough="E09000003")
    assert set(barnet["scope"]) == {"Barnet", programme.SYSTEM_WIDE}
    by_year = programme.finance_by_year(barnet)
    assert by_year["plan"].sum() == pytest.approx(totals["net_saving"]["plan"])
    assert list(by_year["year"]) == ["2019/20", "2020/21"]
    camden = programme.in_scope(lines, borough="E09000007")
    assert set(camden["initiative_code"]) == {"EHCH-1"}


def test_activity_template_links_evidence_kpis_and_sums(programme_db: Engine) -> None:
    _load(programme_db, "activity", _template("activity.csv"), "activity.csv")
    with Session(programme_db) as session:
        activity = queries.activity_changes(session=session)
    by_pod = programme.activity_by_pod(activity, 2019).set_index("point_of_delivery")
    rows = _csv_rows("activity.csv")
    for pod in ("non_elective", "ae", "ambulance", "primary_care"):
        plan = sum(float(r["change"]) for r in rows if r["point_of_delivery"] == pod and r["scenario"] == "plan")
        actual = sum(float(r["change"]) for r in rows if r["point_of_delivery"] == pod and r["scenario"] == "actual")
        assert (by_pod.loc[pod, "plan"], by_pod.loc[pod, "actual"]) == (plan, actual)
    assert by_pod.loc["non_elective", "evidence_codes"] == ("EXAMPLE_CHADM",)
    assert by_pod.loc["non_elective", "evidence"] == "Care home emergency admissions (EXAMPLE_CHADM)"


def test_activity_file_without_evidence_column_keeps_existing_links(programme_db: Engine) -> None:
    _load(programme_db, "activity", _template("activity.csv"), "activity.csv")
    update = b"initiative_code,financial_year,point_of_delivery,scenario,change\nEHCH-1,2019,NEL,actual,-300\n"
    _load(programme_db, "activity", update, "actuals.csv")
    with Session(programme_db) as session:
        row = session.execute(select(ActivityChange).where(
            ActivityChange.scenario == "actual", ActivityChange.point_of_delivery == "non_elective")).scalar_one()
        assert (row.change, row.evidence_kpi_id is not None) == (-300, True)
    assert _count(programme_db, ActivityChange) == 8


def test_milestones_risks_and_reviews_load_and_shape(programme_db: Engine) -> None:
    _load(programme_db, "milestones", _template("milestones.csv"), "milestones.csv")
    _load(programme_db, "risks", _template("risks.csv"), "risks.csv")
    _load(programme_db, "risk_reviews", REVIEWS, "reviews.csv")
    with Session(programme_db) as session:
        ms = queries.milestones(session=session)
        risks = queries.risks(session=session)
        reviews = queries.risk_reviews(session=session)
        assert queries.programme_data_date(session=session) == date(2020, 1, 20)
        r1 = session.execute(select(Risk).where(Risk.code == "EX-R1")).scalar_one()
        assert (r1.escalation, r1.revised_likelihood) == ("medium", 3)  # 4 x 3 = 12: medium by default
    status = programme.milestone_status(ms, date(2020, 1, 20)).set_index("code")
    assert status.loc["MDT-CAM", "status"] == programme.DONE_LATE and status.loc["MDT-CAM", "slip_days"] == 111
    assert status.loc["MDT-ALL", "status"] == programme.NOT_DUE
    assert status.loc["HUB-1", "status"] == programme.DONE_ON_TIME
    # a milestone without a borough takes its initiative's (PC-1 is Barnet's); EHCH-1's is system-wide
    assert status.loc["HUB-2", "borough"] == "Barnet" and pd.isna(status.loc["MDT-ALL", "borough_code"])
    roll = programme.rollout(programme.milestone_status(ms, date(2020, 1, 20)))
    assert "1 of 2 live" in set(roll["label"])
    assert risks.set_index("code").loc["EX-R2", "kpi"] == "Flu vaccination 65+"
    trend = programme.escalation(risks, reviews).set_index("code")
    assert trend.loc["EX-R1", "trend"] == "Rising" and trend.loc["EX-R2", "trend"] == "Steady"
    assert _count(programme_db, RiskReview) == 3


def test_reimport_is_unchanged_and_corrected_file_upserts(programme_db: Engine) -> None:
    data = _template("finance.csv")
    _load(programme_db, "finance", data, "finance.csv")
    assert load_upload(programme_db, "finance", data, "finance.csv").status == "unchanged"
    corrected = data.replace(b"PC-1,2020/21,plan,yes,250000,450000,200000",
                             b"PC-1,2020/21,plan,yes,250000,500000,250000")
    _load(programme_db, "finance", corrected, "finance-v2.csv")
    assert _count(programme_db, FinanceLine) == 9
    with Session(programme_db) as session:
        lines = queries.finance_lines(session=session)
    row = lines[(lines["initiative_code"] == "PC-1") & (lines["financial_year"] == 2020)].iloc[0]
    assert row["gross_saving"] == 500000


def test_a_bad_row_rejects_the_whole_file_with_row_column_value_and_fix(programme_db: Engine) -> None:
    bad = b"""initiative_code,financial_year,scenario,recurrent,investment,gross_saving
EHCH-1,2019/20,plan,yes,100,200
NOPE-1,2019/20,plan,yes,100,200
EHCH-1,2019/21,actual,maybe,abc,200
"""
    report = load_upload(programme_db, "finance", bad, "finance-bad.csv")
    assert report.status == "rejected"
    found = {(p.row, p.column, p.value) for p in report.errors}
    assert (3, "initiative_code", "NOPE-1") in found
    assert {(4, "financial_year", "2019/21"), (4, "recurrent", "maybe"), (4, "investment", "abc")} <= found
    assert any("import it with the benefits register" in p.message for p in report.errors)
    assert _count(programme_db, FinanceLine) == 0


def test_risk_and_milestone_codes_are_checked(programme_db: Engine) -> None:
    risks = b"risk_code,title,initiative_code,kpi_code,likelihood,impact\nX1,Thing,EHCH-1,NOKPI,2,3\n" \
        b"X2,Other,EHCH-1,,6,3\nX3,Third,EHCH-1,,2,3\n"
    report = load_upload(programme_db, "risks", risks, "risks.csv")
    assert report.status == "rejected"
    assert {(p.row, p.column) for p in report.errors} == {(2, "kpi_code"), (3, "likelihood")}
    assert _count(programme_db, Risk) == 0
    milestones = b"initiative_code,milestone_code,name,borough_code,planned_date\nPC-1,M1,Hub,E09999999,2020-01-01\n"
    report = load_upload(programme_db, "milestones", milestones, "m.csv")
    assert [(p.column, p.value) for p in report.errors] == [("borough_code", "E09999999")]
    reviews = b"risk_code,review_date,likelihood,impact\nNOPE,2020-01-01,2,2\n"
    assert load_upload(programme_db, "risk_reviews", reviews, "r.csv").errors[0].column == "risk_code"
    assert _count(programme_db, Milestone) == 0


@pytest.mark.parametrize(("text", "year"), [("2019/20", 2019), ("2019-20", 2019), ("2019/2020", 2019),
                                            ("FY19/20", 2019), ("2019", 2019), ("2019/21", None), ("abc", None)])
def test_financial_years(text, year):
    assert parse_financial_year(text) == year


def test_parsers_accept_aliases_and_fill_net_saving():
    parsed = parse_finance(b"Initiative,Year,Plan or actual,Recurrence,Cost,Gross savings\n"
                           b"A-1,2019/20,Planned,Non-recurrent,\"1,000\",\"\xc2\xa32,500\"\n", "f.csv")
    assert not parsed.problems, parsed.problems
    row = parsed.frame.iloc[0]
    assert (row["scenario"], row["recurrent"], row["net_saving"]) == ("plan", False, 1500)
    activity = parse_activity(b"initiative_code,year,pod,scenario,change\nA-1,2019,A&E,actual,-5\n", "a.csv")
    assert activity.frame.iloc[0]["point_of_delivery"] == "ae" and not activity.problems
    risks = parse_risks(b"risk_code,title,workstream_code,likelihood,impact\nR1,T,WS,4,4\n", "r.csv")
    row = risks.frame.iloc[0]
    assert (row["escalation"], row["revised_likelihood"]) == ("high", 4)
