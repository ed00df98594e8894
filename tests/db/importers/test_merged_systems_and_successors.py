"""A merged two-ICB system and successors carrying history, on the real ODS files (issue 16, items 3-4).

Realdata is national for epraccur and ePCN (so North West London's practices and PCNs, sub-ICB W2U3Z, are there)
but holds no NWL areas and no succession records. The NWL side (ICB QRV, its eight boroughs) and the successions
below are therefore small synthetic files written by this test: the ICB merger QMJ + QRV -> ``QXWNL`` (an
illustrative code for "NHS West and North London", not a published one) and the practice succession F83027 ->
F83039 from March 2022 (F83027, Drs Bowry & Bowry's Practice, Islington, is dormant in epraccur and disappears from
the monthly registration files after February 2022; F83039 is an Islington practice in another PCN, chosen so that
the attribution shows in the PCN roll-ups). Everything else is the published files as they are.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from data.db import create_schema
from data.importers.folder import FileItem, FolderReport, load_files, read_folder
from data.queries import area_series, boroughs, system_pcns, system_practices
from models import Kpi, KpiObservation
from tests.conftest import BACKENDS, backend_engine
from tests.unit.importers.realdata import REALDATA, realdata

pytestmark = pytest.mark.db

NWL_BOROUGHS = {"E09000005": "Brent", "E09000009": "Ealing", "E09000013": "Hammersmith and Fulham",
                "E09000015": "Harrow", "E09000017": "Hillingdon", "E09000018": "Hounslow",
                "E09000020": "Kensington and Chelsea", "E09000033": "Westminster"}
NCL_BOROUGHS = ("E09000003", "E09000007", "E09000010", "E09000014", "E09000019")
MERGED = "QXWNL"
NWL_AREAS = "level,code,name,parent_code,ons_code\nsystem,QRV,North West London,,E54000027\n" + "".join(
    f"borough,{c},{n},QRV,\n" for c, n in NWL_BOROUGHS.items()) + "sub_icb,W2U3Z,NHS North West London,QRV,\n"
# the same merged system defined by the areas template instead of successor records: 13 places, both sub-ICBs
TEMPLATE_MERGED = "level,code,name,parent_code,ons_code\nsystem,QTWNL,West and North London (template),,\n" + "".join(
    f"place,{c},,QTWNL,\n" for c in [*NCL_BOROUGHS, *NWL_BOROUGHS]) + \
    "sub_icb,93C,,QTWNL,\nsub_icb,W2U3Z,,QTWNL,\n"
SUCCESSORS = ("level,predecessor_code,successor_code,effective_date,successor_name\n"
              f"system,QMJ,{MERGED},2026-04-01,NHS West and North London\n"
              f"system,QRV,{MERGED},2026-04-01,NHS West and North London\n"
              "practice,F83027,F83039,2022-03-01,\n")
WANTED = ("nhsd/epraccur/", "nhsd/epcn/", "nhsuk/2019-05/GP.csv", "ons/lad/ncl_lad_dissolved_from_wards.geojson",
          "nhsd/gp_registered_patients/")


@pytest.fixture(scope="module", params=BACKENDS)
def merged(request: pytest.FixtureRequest) -> Iterator[tuple[Engine, FolderReport]]:
    """The real ODS registers, NCL borough boundaries and registrations, the NCL areas template, the synthetic NWL
    areas and the synthetic successor records."""
    realdata("README.md")
    engine = backend_engine(request.param, request, label="merged")
    create_schema(engine)
    ncl = Path(__file__).resolve().parents[3] / "docs" / "templates" / "areas.csv"
    items = [i for i in read_folder(REALDATA) if i.path.startswith(WANTED)] + [
        FileItem("areas_1_ncl.csv", ncl.read_bytes()), FileItem("areas_2_nwl.csv", NWL_AREAS.encode()),
        FileItem("areas_3_merged.csv", TEMPLATE_MERGED.encode()), FileItem("successors.csv", SUCCESSORS.encode()),
    ]
    yield engine, load_files(engine, items)
    engine.dispose()


def _system_rows(session: Session, period: date) -> dict[str, float]:
    rows = session.execute(select(KpiObservation.area_code, KpiObservation.numerator)
                           .join(Kpi, Kpi.id == KpiObservation.kpi_id)
                           .where(Kpi.code == "GP_LIST_SIZE", KpiObservation.level == "system",
                                  KpiObservation.period_start == period)).all()
    return {code: float(n) for code, n in rows}


def _practice_rows(session: Session, period: date) -> dict[str, float]:
    rows = session.execute(select(KpiObservation.area_code, KpiObservation.numerator)
                           .join(Kpi, Kpi.id == KpiObservation.kpi_id)
                           .where(Kpi.code == "GP_LIST_SIZE", KpiObservation.level == "practice",
                                  KpiObservation.period_start == period)).all()
    return {code: float(n) for code, n in rows}


def test_every_file_loads_and_no_footprint_is_derived_over_the_templates(merged) -> None:
    _engine, report = merged
    assert report.ok, report.text()
    assert "footprint_derived" not in {r.source for r in report.derived}
    assert {d.source for d in report.detected if d.path == "successors.csv"} == {"successors"}


@pytest.mark.parametrize("system", [MERGED, "QTWNL"])
def test_a_merged_two_icb_system_holds_both_icbs_places_practices_and_pcns(merged, system: str) -> None:
    """By ODS successor records (QMJ + QRV -> QXWNL) or by the areas template (13 places, two sub-ICBs)."""
    engine, _ = merged
    with Session(engine) as session:
        places = boroughs(session=session, system_code=system)
        practices = system_practices(session=session, system_code=system, open_only=True)
        ncl = system_practices(session=session, system_code="QMJ", open_only=True)
        nwl = system_practices(session=session, system_code="QRV", open_only=True)
        pcns = set(system_pcns(session=session, system_code=system, open_only=True)["code"])
        ncl_pcns = set(system_pcns(session=session, system_code="QMJ", open_only=True)["code"])
    assert set(places["code"]) == {*NCL_BOROUGHS, *NWL_BOROUGHS} and len(places) == 13
    assert len(ncl) == 184 and len(nwl) > 300
    assert set(practices["code"]) == set(ncl["code"]) | set(nwl["code"])
    assert set(practices["commissioner_code"]) == {"93C", "W2U3Z"}
    assert {"U10339", "U37086"} <= pcns and not {"U10339", "U37086"} & ncl_pcns and len(ncl_pcns) == 32


def test_roll_ups_to_the_merged_system_sum_the_practices_of_both_icbs(merged) -> None:
    """Defined by the template, the merged system rolls its practices up like any system; defined by successor
    records, it begins in April 2026 and its earlier series is its predecessors' rows summed (not rolled up twice)."""
    engine, _ = merged
    may = date(2022, 5, 1)
    with Session(engine) as session:
        totals = _system_rows(session, may)
        practice = _practice_rows(session, may)
        members = set(system_practices(session=session, system_code="QTWNL")["code"])
        series = area_series(session=session, level="system", area_code=MERGED, kpi_codes=["GP_LIST_SIZE"])
    assert totals["QTWNL"] == pytest.approx(totals["QMJ"] + totals["QRV"])
    assert totals["QTWNL"] == pytest.approx(sum(v for c, v in practice.items() if c in members))
    assert totals["QRV"] > 1_000_000 and totals["QMJ"] > 1_000_000  # both ICBs' registered patients
    assert MERGED not in totals  # no roll-up of the successor before its effective date
    assert series.set_index("period_start")["numerator"][may] == pytest.approx(totals["QMJ"] + totals["QRV"])


def test_a_successor_carries_its_predecessors_history_in_roll_ups_and_its_own_series(merged) -> None:
    """F83027's list sizes before March 2022 count as F83039's: in F83039's PCN (U02795, not F83027's U36795),
    in the successor's own series (summed, a count), and unchanged in the borough and system totals."""
    engine, _ = merged
    feb, mar = date(2022, 2, 1), date(2022, 3, 1)
    with Session(engine) as session:
        practice = _practice_rows(session, feb)
        rows = dict(session.execute(select(KpiObservation.area_code, KpiObservation.numerator)
                                    .join(Kpi, Kpi.id == KpiObservation.kpi_id)
                                    .where(Kpi.code == "GP_LIST_SIZE", KpiObservation.level == "pcn",
                                           KpiObservation.period_start == feb,
                                           KpiObservation.area_code.in_(["U02795", "U36795"]))).all())
        members = dict(session.execute(select(KpiObservation.area_code, KpiObservation.numerator)
                                       .join(Kpi, Kpi.id == KpiObservation.kpi_id)
                                       .where(Kpi.code == "GP_LIST_SIZE", KpiObservation.level == "practice",
                                              KpiObservation.period_start == feb)).all())
        series = area_series(session=session, level="practice", area_code="F83039", kpi_codes=["GP_LIST_SIZE"])
        own = area_series(session=session, level="practice", area_code="F83027", kpi_codes=["GP_LIST_SIZE"])
        system = _system_rows(session, feb)
        islington = session.execute(select(KpiObservation.numerator).join(Kpi, Kpi.id == KpiObservation.kpi_id)
                                    .where(Kpi.code == "GP_LIST_SIZE", KpiObservation.level == "borough",
                                           KpiObservation.area_code == "E09000019",
                                           KpiObservation.period_start == feb)).scalar_one()
    predecessor = practice["F83027"]
    assert predecessor > 0 and len(own) == 7  # its own rows are kept, under its own code (June 2021 to Feb 2022)
    # PCN totals: U02795 gains F83027 (its successor's PCN), U36795 (F83027's PCN in ePCN) does not count it
    u02795 = {"F83004", "F83039", "F83671", "F83674", "F83686", "Y01066"}  # ePCN 2023 members in February 2022
    assert rows["U02795"] == pytest.approx(sum(members[c] for c in u02795 if c in members) + predecessor)
    by_period = series.set_index("period_start")["numerator"]
    assert by_period[feb] == pytest.approx(members["F83039"] + predecessor)
    assert by_period[mar] == pytest.approx(_practice_rows_at(engine, mar)["F83039"])  # after: its own only
    assert system["QMJ"] == pytest.approx(sum(v for c, v in practice.items() if c in _ncl(engine)))
    assert islington > predecessor


def _practice_rows_at(engine: Engine, period: date) -> dict[str, float]:
    with Session(engine) as session:
        return _practice_rows(session, period)


def _ncl(engine: Engine) -> set[str]:
    with Session(engine) as session:
        return set(system_practices(session=session, system_code="QMJ")["code"])
