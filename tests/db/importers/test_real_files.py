"""The published NHS and ONS sample files (shared/realdata) loaded end to end on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from data.importers import load_upload
from models import (
    Boundary,
    Kpi,
    KpiObservation,
    LsoaDeprivation,
    Pcn,
    PcnMembership,
    Practice,
    PracticeListSize,
)
from tests.unit.importers.realdata import realdata

pytestmark = pytest.mark.db


def _load(engine: Engine, source: str, *parts: str, **options: str):
    path = realdata(*parts)
    report = load_upload(engine, source, path.read_bytes(), path.name, options=options)
    assert report.status == "loaded", report.text()
    return report


def _count(engine: Engine, model: type, *where) -> int:
    with Session(engine) as session:
        return session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def _definitions(engine: Engine, rows: str) -> None:
    register = b"workstream_code,workstream_name,initiative_code,initiative_name\nPH,Public health,PH-1,Prevention\n"
    assert load_upload(engine, "register", register, "register.csv").status == "loaded"
    head = "kpi_code,initiative_code,name,definition,unit,value_type,multiplier,polarity,source,levels\n"
    report = load_upload(engine, "kpi_definitions", (head + rows).encode(), "kpis.csv")
    assert report.status == "loaded", report.text()


def test_epraccur_epcn_list_sizes_and_nhs_website_points(geography: Engine) -> None:
    report = _load(geography, "epraccur", "nhsd", "epraccur", "epraccur_blackwellrd_2023-02.csv")
    assert report.written == {"practice": 8640}
    with Session(geography) as session:
        oakleigh = session.execute(select(Practice).where(Practice.code == "E83003")).scalar_one()
        closed = session.execute(select(Practice).where(Practice.code == "A81003")).scalar_one()
    assert oakleigh.name == "OAKLEIGH ROAD HEALTH CENTRE" and oakleigh.borough_id is not None  # borough kept
    assert closed.close_date == date(2017, 10, 31)
    path = realdata("nhsd", "epraccur", "epraccur_blackwellrd_2023-02.csv")
    assert load_upload(geography, "epraccur", path.read_bytes(), "again.csv").status == "unchanged"

    _load(geography, "epcn", "nhsd", "epcn", "ePCN_psychty_2022-05.xlsx")
    older = _count(geography, PcnMembership)
    report = _load(geography, "epcn", "nhsd", "epcn", "ePCN_blackwellrd_2023-02.xlsx")  # renamed columns (Sub ICB)
    assert _count(geography, Pcn) >= 1_329 and _count(geography, PcnMembership) > older
    with Session(geography) as session:
        pcn_of = session.execute(select(Pcn.code).join(Practice, Practice.pcn_id == Pcn.id)
                                 .where(Practice.code == "E83003")).scalar_one()
        ncl_memberships = session.execute(select(func.count()).select_from(PcnMembership).where(
            PcnMembership.practice_code.like("E83%"))).scalar_one()
    assert pcn_of.startswith("U") and ncl_memberships > 0

    for month in ("2021-06", "2021-07", "2022-05"):
        _load(geography, "gp_list_size", "nhsd", "gp_registered_patients", f"gp-reg-pat-prac-all_{month}_ncl93C.csv")
    national = _load(geography, "gp_list_size", "nhsd", "gp_registered_patients",
                     "gp-reg-pat-prac-all_2022-05_england.csv")  # NCL rows of May 2022 again: upserted, not doubled
    may = _count(geography, PracticeListSize, PracticeListSize.extract_date == date(2022, 5, 1))
    assert may == national.rows_accepted > 6_000
    assert _count(geography, PracticeListSize, PracticeListSize.extract_date == date(2021, 6, 1)) >= 180
    _load(geography, "gp_list_size", "ncl_icb", "emis_list_size_2021-04-01.csv")

    located = _load(geography, "nhsuk_gp", "nhsuk", "2019-05", "GP.csv")
    assert any("branch" in n for n in located.notes)
    with Session(geography) as session:
        lat, lon = session.execute(select(Practice.latitude, Practice.longitude)
                                   .where(Practice.code == "E83003")).one()
    assert 51.5 < lat < 51.7 and -0.3 < lon < 0.0


def test_fingertips_export_loads_the_dashboards_boroughs(geography: Engine) -> None:
    _definitions(geography, "FT93356,PH-1,Campylobacter,Campylobacter incidence,per 100000,rate,100000,"
                            "lower_is_better,Fingertips,borough\n")
    report = _load(geography, "fingertips", "fingertips", "indicators-CountyUA.data.csv")
    # Barnet and Camden, 2015-2017: persons all ages (6, into the register's KPI) and 0-9 yrs (4 published); and
    # the 65 England and 27 region rows with a value, kept as benchmarks
    assert report.written["kpi_observation"] == 10 + 65 + 27
    assert any("outside this dashboard" in n for n in report.notes)
    with Session(geography) as session:
        periods = session.execute(select(KpiObservation.period_start).join(Kpi, Kpi.id == KpiObservation.kpi_id).where(
            Kpi.code == "FT93356", KpiObservation.area_code == "E09000003").order_by(KpiObservation.period_start)
        ).scalars().all()
        kept = session.execute(select(Kpi.name, Kpi.origin).where(Kpi.code == "FT93356")).one()
    assert periods == [date(2015, 1, 1), date(2016, 1, 1), date(2017, 1, 1)]
    assert tuple(kept) == ("Campylobacter", "register")  # the register's definition is not overwritten


def test_fingertips_without_a_kpi_creates_published_indicators(geography: Engine) -> None:
    path = realdata("fingertips", "indicators-CountyUA.data.csv")
    report = load_upload(geography, "fingertips", path.read_bytes(), path.name)
    assert report.status == "loaded", report.text()
    assert report.written == {"kpi (published)": 22, "kpi_observation": 10 + 65 + 27}


def test_qof_prevalence_feeds_the_qof_kpis(geography: Engine) -> None:
    _definitions(geography, "QOF_HYP,PH-1,Hypertension prevalence,QOF register / list,%,proportion,100,"
                            "no_judgement,QOF,practice\n")
    report = _load(geography, "qof_prevalence", "nhsd", "qof_2020-21", "PREVALENCE_2021_v2.csv")
    # the fixture's three practices: QOF_HYP into the register's KPI, the other 20 groups as published indicators
    assert report.written["kpi_observation"] == 3 * 21
    with Session(geography) as session:
        obs = session.execute(select(KpiObservation).join(Kpi, Kpi.id == KpiObservation.kpi_id).where(
            Kpi.code == "QOF_HYP", KpiObservation.area_code == "E83003")).scalar_one()
    assert obs.period_start == date(2020, 4, 1) and obs.value == pytest.approx(100 * obs.numerator / obs.denominator)


def test_boundaries_repair_and_catchments_dissolve(geography: Engine) -> None:
    report = _load(geography, "boundaries", "ons", "lsoa_by_lad", "E09000003.json")
    assert report.written == {"boundary": 211}
    assert [p.value for p in report.problems if p.severity == "warning" and p.column == "geometry"] == ["E01000285"]
    lookup = b"LSOA11CD,PCN code\nE01000115,U60176\nE01000116,U60176\nE01000117,U60176\n"
    catchment = load_upload(geography, "pcn_catchments", lookup, "lookup.csv")
    assert catchment.status == "loaded", catchment.text()
    with Session(geography) as session:
        pcn = session.execute(select(Boundary).where(Boundary.level == "pcn")).scalar_one()
    assert (pcn.code, pcn.name, pcn.vintage) == ("U60176", "Barnet 1 PCN", "lsoa-2011")
    bad = load_upload(geography, "pcn_catchments", b"lsoa,pcn\nE01999999,U60176\nE01000115,U00000\n", "bad.csv")
    assert bad.status == "rejected" and {p.row for p in bad.errors} == {2, 3}


def test_imd_files_fill_one_row_per_lsoa(engine: Engine) -> None:
    _load(engine, "imd2019", "imd2019", "File_1_-_IMD2019_Index_of_Multiple_Deprivation_london.csv")
    _load(engine, "imd2019", "imd2019", "File_6_-_IoD2019_Population_Denominators_london.csv")
    _load(engine, "imd2019", "imd2019", "File_2_-_IoD2019_Domains_of_Deprivation_london.csv")
    assert _count(engine, LsoaDeprivation) == 4_835
    with Session(engine) as session:
        row = session.execute(select(LsoaDeprivation).where(LsoaDeprivation.lsoa_code == "E01000001")).scalar_one()
    assert (row.imd_rank, row.imd_decile, row.population_total, row.crime_decile) == (29_199, 9, 1_296, 10)
