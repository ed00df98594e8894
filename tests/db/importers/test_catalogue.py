"""Published indicators without a programme: catalogue entries from the files' own metadata (issue 16 items 2, 7)."""

from __future__ import annotations

import csv
from collections import defaultdict
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from data import queries
from data.importers import load_upload
from models import AreaLevel, Kpi, KpiObservation, PracticeSite, Provider
from tests.unit.importers.realdata import realdata

pytestmark = pytest.mark.db

TEMPLATES = Path(__file__).resolve().parents[3] / "docs" / "templates"
PREVALENCE = (
    "PRACTICE_CODE,GROUP_CODE,REGISTER,PATIENT_LIST_TYPE,PRACTICE_LIST_SIZE\n"
    "E83003,HYP,1200,TOTAL,10000\nE83005,HYP,900,TOTAL,6000\nE83003,DM,700,17OV,8000\n"
    "E83005,LD,140,TOTAL,132\nZ99999,HYP,10,TOTAL,100\n"
)


def _load(engine: Engine, source: str, data: bytes, name: str):
    report = load_upload(engine, source, data, name)
    assert report.status == "loaded", report.text()
    return report


def _kpi(engine: Engine, code: str) -> Kpi:
    with Session(engine) as session:
        return session.execute(select(Kpi).where(Kpi.code == code)).scalar_one()


def _value(engine: Engine, code: str, level: str, area: str, start: date) -> KpiObservation:
    with Session(engine) as session:
        return session.execute(
            select(KpiObservation).join(Kpi, Kpi.id == KpiObservation.kpi_id).where(
                Kpi.code == code, KpiObservation.level == level, KpiObservation.area_code == area,
                KpiObservation.period_start == start)
        ).scalar_one()


def _levels_reached(engine: Engine, code: str) -> tuple[str, ...]:
    """The levels a KPI has observations at (imported or rolled up), in the catalogue's order."""
    with Session(engine) as session:
        levels = session.execute(select(KpiObservation.level).join(Kpi, Kpi.id == KpiObservation.kpi_id)
                                 .where(Kpi.code == code).distinct()).scalars().all()
    order = [lv.value for lv in AreaLevel]
    return tuple(sorted(levels, key=order.index))


def test_a_practice_indicator_offers_only_the_levels_its_roll_up_reaches(geography: Engine) -> None:
    # F83004 (Camden) has no PCN: a file of Camden's practice alone reaches Camden and the system, never a PCN
    report = _load(geography, "qof_prevalence", b"PRACTICE_CODE,GROUP_CODE,REGISTER,PATIENT_LIST_TYPE,"
                   b"PRACTICE_LIST_SIZE\nF83004,HYP,100,TOTAL,1000\n", "PREVALENCE_2021_v2.csv")
    assert report.written["kpi_observation"] == 1
    with Session(geography) as session:
        levels = queries.kpi_catalogue(session=session).set_index("kpi_code").loc["QOF_HYP", "levels"]
    assert levels == _levels_reached(geography, "QOF_HYP") == ("system", "borough", "practice")
    assert _value(geography, "QOF_HYP", "borough", "E09000007", date(2020, 4, 1)).derived


def test_qof_prevalence_needs_no_register_and_is_named_by_mapping_indicators(geography: Engine) -> None:
    report = _load(geography, "qof_prevalence", PREVALENCE.encode(), "PREVALENCE_2021_v2.csv")
    assert report.written["kpi (published)"] == 3
    assert any(p.severity == "warning" and p.column == "REGISTER" for p in report.problems)  # 140 > 132 kept
    hyp = _kpi(geography, "QOF_HYP")
    assert (hyp.initiative_id, hyp.origin, hyp.value_type, hyp.multiplier, hyp.unit) == (
        None, "published", "proportion", 100.0, "%")
    assert (hyp.period_type, hyp.age, hyp.publisher) == ("financial_year", "All ages", "NHS Digital (NHS England)")
    assert _kpi(geography, "QOF_DM").age == "17+ yrs"
    assert _value(geography, "QOF_HYP", "practice", "E83003", date(2020, 4, 1)).value == pytest.approx(12.0)

    mapping = realdata("nhsd", "qof_2020-21", "MAPPING_INDICATORS_2021_v2.csv")
    _load(geography, "qof_indicators", mapping.read_bytes(), mapping.name)
    assert _kpi(geography, "QOF_HYP").name == "Hypertension prevalence (QOF register)"
    # a newer prevalence file refreshes the data but keeps the description's name
    _load(geography, "qof_prevalence", PREVALENCE.replace("1200", "1300").encode(), "PREVALENCE_2021_v3.csv")
    assert _kpi(geography, "QOF_HYP").name == "Hypertension prevalence (QOF register)"
    assert _value(geography, "QOF_HYP", "practice", "E83003", date(2020, 4, 1)).value == pytest.approx(13.0)

    with Session(geography) as session:
        catalogue = queries.kpi_catalogue(session=session)
    hyp_row = catalogue.set_index("kpi_code").loc["QOF_HYP"]
    # reported by practice and rolled up (data/rollups.py) to every level; the levels offered are those reached
    assert hyp_row["workstream"] == queries.PUBLISHED_HEADING
    assert hyp_row["levels"] == ("system", "borough", "pcn", "practice")
    assert hyp_row["levels"] == _levels_reached(geography, "QOF_HYP")


def test_fingertips_keeps_every_breakdown_of_the_file(geography: Engine) -> None:
    path = realdata("fingertips", "indicators-CountyUA.data.csv")
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    breakdowns = {(r["Sex"], r["Age"], r["Category Type"], r["Category"]) for r in rows}
    _load(geography, "fingertips", path.read_bytes(), path.name)
    with Session(geography) as session:
        entries = session.execute(select(Kpi).where(Kpi.code.like("FT93356%"))).scalars().all()
    assert len(entries) == len(breakdowns) == 22
    assert {(k.sex, k.age, k.category_type or "", k.category or "") for k in entries} == breakdowns
    base = _kpi(geography, "FT93356")
    assert (base.sex, base.age, base.category, base.initiative_id) == ("Persons", "All ages", None, None)
    assert (base.value_type, base.multiplier, base.polarity) == ("rate", 100000.0, "lower_is_better")
    # each breakdown with rows for the dashboard's boroughs has them, valued as published
    expected = defaultdict(int)
    for r in rows:  # the register's boroughs, and the England and region benchmarks
        if (r["Area Code"] in ("E09000003", "E09000007") or r["Area Type"] in ("Country", "Region")) and r["Value"]:
            expected[(r["Sex"], r["Age"])] += 1
    with Session(geography) as session:
        stored = session.execute(
            select(Kpi.sex, Kpi.age, func.count()).join(KpiObservation, KpiObservation.kpi_id == Kpi.id)
            .where(Kpi.code.like("FT93356%")).group_by(Kpi.sex, Kpi.age)
        ).all()
    assert {(s, a): n for s, a, n in stored} == dict(expected)
    barnet = next(r for r in rows if r["Area Code"] == "E09000003" and r["Age"] == "All ages" and r["Value"])
    got = _value(geography, "FT93356", "borough", "E09000003", date(int(barnet["Time period"]), 1, 1))
    assert got.value == pytest.approx(float(barnet["Value"]))


def test_fingertips_loads_every_row_of_the_file_with_england_and_regions_as_benchmarks(geography: Engine) -> None:
    path = realdata("fingertips", "indicators-CountyUA.data.csv")
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    report = _load(geography, "fingertips", path.read_bytes(), path.name)
    # every data row is loaded or reported skipped, with its reason and count
    empty = sum(1 for r in rows if not r["Value"] and not r["Count"])
    kept = [r for r in rows if r["Value"] or r["Count"]]
    outside = sum(1 for r in kept if r["Area Type"] == "County & UA" and r["Area Code"] not in ("E09000003",
                                                                                                 "E09000007"))
    assert report.written["kpi_observation"] == len(rows) - empty - outside == 102
    assert any(f"skipped {empty:,} rows with no value" in n for n in report.notes)
    assert any(f"skipped {outside:,} rows for borough areas outside" in n for n in report.notes)
    assert any(f"{65 + 27:,} rows of England and regions are kept as benchmarks" in n for n in report.notes)
    with Session(geography) as session:
        stored = dict(session.execute(select(KpiObservation.level, func.count()).group_by(KpiObservation.level)).all())
        catalogue = queries.kpi_catalogue(session=session).set_index("kpi_code")
        england = queries.benchmark_series(session=session, kpi_code="FT93356")
        london = queries.benchmark_series(session=session, kpi_code="FT93356", level="region", area_code="E12000007")
        periods = queries.kpi_periods(session=session, kpi_code="FT93356")
        with pytest.raises(ValueError, match="not a benchmark level"):
            queries.benchmark_series(session=session, kpi_code="FT93356", level="borough", area_code="E09000003")
    assert stored == {"borough": 10, "england": 65, "region": 27}
    # benchmarks are comparators, never a level the dashboard offers (filters, funnels, maps, register)
    assert {lv for levels in catalogue["levels"] for lv in levels} == {"borough"}
    published = {int(r["Time period"]): float(r["Value"]) for r in rows if r["Area Code"] == "E92000001"
                 and r["Sex"] == "Persons" and r["Age"] == "All ages" and not r["Category"] and r["Value"]}
    assert dict(zip(england["period_start"].map(lambda d: d.year), england["value"], strict=True)) == pytest.approx(
        published)
    assert len(london) == 3 and london["value"].notna().all()
    # only the periods the dashboard's areas have are offered (England's 2001-2014 values are not)
    assert sorted(p.year for p in periods["period_start"]) == [2015, 2016, 2017]
    # an England value published ahead of the areas moves neither the data date nor the KPI's freshness
    with Session(geography) as session:
        base = session.execute(select(Kpi.id).where(Kpi.code == "FT93356")).scalar_one()
        session.add(KpiObservation(kpi_id=base, level="england", area_code="E92000001", period_start=date(2018, 1, 1),
                                   period_end=date(2018, 12, 31), value=5.0))
        session.commit()
        fresh = queries.kpi_freshness(session=session).set_index("kpi_code")
        assert queries.latest_period(session=session) == date(2017, 12, 31)
        assert fresh.loc["FT93356", "latest_period_end"] == date(2017, 12, 31)
        assert len(queries.kpi_periods(session=session, kpi_code="FT93356")) == 3
        assert queries.benchmark_series(session=session, kpi_code="FT93356")["value"].iloc[-1] == 5.0


def test_ae_per_trust_and_system_sums_of_its_trusts(engine: Engine) -> None:
    _load(engine, "areas", (TEMPLATES / "areas.csv").read_bytes(), "areas.csv")
    path = realdata("nhse", "ae_attendances_2016-04_2019-03.csv")
    _load(engine, "ae_attendances", path.read_bytes(), path.name)
    _load(engine, "providers", (TEMPLATES / "providers.csv").read_bytes(), "providers.csv")
    with path.open(newline="") as handle:
        rows = [r for r in csv.DictReader(handle) if r["period"] == "2018-01-01"]
    ncl = {"RAL", "RAP", "RKE", "RRV", "RP4", "RP6", "RRP", "TAF", "RNK"}
    ral = [r for r in rows if r["org_code"] == "RAL"]
    attendances = sum(int(r["attendances"]) for r in ral)
    breaches = sum(int(r["breaches"]) for r in ral)
    got = _value(engine, "AE_4HR", "provider", "RAL", date(2018, 1, 1))
    assert (got.numerator, got.denominator) == (attendances - breaches, attendances)
    assert got.value == pytest.approx(100 * (1 - breaches / attendances))
    system_rows = [r for r in rows if r["org_code"] in ncl]
    assert _value(engine, "AE_ATT", "system", "QMJ", date(2018, 1, 1)).value == sum(
        int(r["attendances"]) for r in system_rows)
    assert _value(engine, "AE_EMADM", "system", "QMJ", date(2018, 1, 1)).value == sum(
        int(r["admissions"]) for r in system_rows)
    system = _value(engine, "AE_4HR", "system", "QMJ", date(2018, 1, 1))
    assert system.denominator == sum(int(r["attendances"]) for r in system_rows)
    with Session(engine) as session:
        assert session.execute(select(func.count()).select_from(Provider).where(
            Provider.system_id.is_not(None))).scalar_one() == 9
        trusts = queries.providers(session=session, system_code="QMJ")
        series = queries.area_series(session=session, level="provider", area_code="RAL", kpi_codes=["AE_4HR"])
    assert trusts["in_system"].iloc[0] and "RAL" in set(trusts["code"])
    assert len(series) == 36  # the trajectory of a trust: every month April 2016 to March 2019


def test_a_register_kpi_reads_its_published_indicator_bound_before_or_after_the_data(geography: Engine) -> None:
    register = b"workstream_code,workstream_name,initiative_code,initiative_name\nLTC,Long-term conditions,LTC-1,BP\n"
    _load(geography, "register", register, "register.csv")
    head = "kpi_code,initiative_code,name,definition,unit,value_type,multiplier,polarity,source,indicator_code\n"
    before = head + "HYP_FOUND,LTC-1,Hypertension found,Recorded prevalence,%,proportion,100,higher,QOF,QOF_HYP\n"
    report = _load(geography, "kpi_definitions", before.encode(), "kpis.csv")
    assert any("not loaded yet" in n for n in report.notes)
    _load(geography, "qof_prevalence", PREVALENCE.encode(), "PREVALENCE_2021_v2.csv")
    after = before + "HYP_AFTER,LTC-1,Hypertension (after),Recorded prevalence,%,proportion,100,higher,QOF,QOF_HYP\n"
    _load(geography, "kpi_definitions", after.encode(), "kpis2.csv")
    with Session(geography) as session:
        series = queries.area_series(session=session, level="practice", area_code="E83003",
                                     kpi_codes=["HYP_FOUND", "HYP_AFTER"])
        catalogue = queries.kpi_catalogue(session=session).set_index("kpi_code")
        periods = queries.kpi_periods(session=session, kpi_code="HYP_FOUND")
    assert sorted(series["kpi_code"]) == ["HYP_AFTER", "HYP_FOUND"]
    assert series["value"].tolist() == pytest.approx([12.0, 12.0])
    # read through from the indicator (its practice level and the roll-up levels)
    assert catalogue.loc["HYP_FOUND", "levels"] == ("system", "borough", "pcn", "practice")
    assert catalogue.loc["HYP_FOUND", "workstream"] == "Long-term conditions"
    assert len(periods) == 1
    bad = head + "X,LTC-1,X,X,%,proportion,100,higher,QOF,HYP_FOUND\n"  # a register KPI is not an indicator
    assert load_upload(geography, "kpi_definitions", bad.encode(), "bad.csv").status == "rejected"


def test_nhs_website_branch_sites_are_kept_and_linked_to_their_practice(geography: Engine) -> None:
    path = realdata("nhsuk", "2019-05", "GP.csv")
    codes = [line.split("¬")[1] for line in path.read_bytes().decode("cp1252").splitlines()[1:] if line]
    sites = [c for c in codes if len(c) == 9]
    report = _load(geography, "nhsuk_gp", path.read_bytes(), path.name)
    assert report.written["practice_site"] == len(sites) == 1935
    with Session(geography) as session:
        stored = dict(session.execute(select(PracticeSite.code, PracticeSite.practice_code)).all())
    assert len(stored) == len(sites) and all(stored[c] == c[:6] for c in sites)


def test_list_sizes_are_a_published_indicator_per_practice(geography: Engine) -> None:
    text = ("PUBLICATION,EXTRACT_DATE,TYPE,CCG_CODE,ONS_CCG_CODE,CODE,POSTCODE,SEX,AGE,NUMBER_OF_PATIENTS\n"
            "GP_PRAC_PAT_LIST,01Jun2021,GP,93C,E38000240,E83003,N20 0QD,ALL,ALL,12345\n")
    _load(geography, "gp_list_size", text.encode(), "gp-reg-pat-prac-all.csv")
    assert _value(geography, "GP_LIST_SIZE", "practice", "E83003", date(2021, 6, 1)).value == 12345
    assert _kpi(geography, "GP_LIST_SIZE").period_type == "month"


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_the_migration_keeps_register_kpis_and_their_observations(backend, request, tmp_path) -> None:
    from alembic import command
    from sqlalchemy import text

    from data import migrate
    from data.db import make_engine
    from tests.conftest import backend_engine

    engine = (make_engine(f"sqlite:///{tmp_path / 'old.sqlite'}") if backend == "sqlite"
              else backend_engine(backend, request, label="mig0002"))
    with engine.begin() as connection:
        command.upgrade(migrate._config(connection), "0001")
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO workstream (code, name) VALUES ('W', 'W')"))
        connection.execute(text("INSERT INTO initiative (code, workstream_id, name) VALUES ('I', "
                                "(SELECT id FROM workstream), 'I')"))
        connection.execute(text(
            "INSERT INTO kpi (code, initiative_id, name, definition, unit, value_type, multiplier, polarity, source, "
            "counts_people) VALUES ('K', (SELECT id FROM initiative), 'K', 'd', '%', 'proportion', 100, "
            "'no_judgement', 's', true)"))
        connection.execute(text(
            "INSERT INTO kpi_observation (kpi_id, level, area_code, period_start, period_end, value) VALUES "
            "((SELECT id FROM kpi), 'system', 'QMJ', '2020-01-01', '2020-01-31', 1.0)"))
    assert migrate.upgrade(engine) == migrate.head()  # through 0002_h6_catalogue and every later revision
    with engine.begin() as connection:
        assert connection.execute(text("SELECT code, origin FROM kpi")).all() == [("K", "register")]
        assert connection.execute(text("SELECT count(*) FROM kpi_observation")).scalar_one() == 1
        if backend == "sqlite":
            assert connection.execute(text("PRAGMA foreign_keys")).scalar_one() == 1
    assert migrate.differences(engine) == []
    engine.dispose()
