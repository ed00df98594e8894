"""Indicative PCN catchments derived from the real NCL files: LSOAs to the nearest open practice's PCN, dissolved."""

from __future__ import annotations

import pandas as pd
import pytest
import shapely
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from data import queries
from data.importers import load_upload
from data.importers.boundaries import INDICATIVE_SOURCE, run_indicative_catchments
from geo.catchments import INDICATIVE, sliver_holes
from models import Boundary
from tests.unit.importers.realdata import realdata

pytestmark = pytest.mark.db

NCL = {"E09000003": "Barnet", "E09000007": "Camden", "E09000010": "Enfield", "E09000014": "Haringey",
       "E09000019": "Islington"}


def _load(engine: Engine, source: str, *parts: str, **options: str) -> None:
    path = realdata(*parts)
    report = load_upload(engine, source, path.read_bytes(), path.name, options=options)
    assert report.status == "loaded", report.text()


@pytest.fixture
def ncl(engine: Engine) -> Engine:
    """Empty database + NCL areas, ONS borough and LSOA boundaries, epraccur, ePCN 2023 and NHS website points."""
    rows = "level,code,name,parent_code\nsystem,QMJ,North Central London,\n" + "".join(
        f"borough,{code},{name},QMJ\n" for code, name in NCL.items())
    assert load_upload(engine, "areas", rows.encode(), "areas.csv").status == "loaded"
    _load(engine, "boundaries", "ons", "lad", "ncl_lad_dissolved_from_wards.geojson", level="borough")
    for code in NCL:
        _load(engine, "boundaries", "ons", "lsoa_by_lad", f"{code}.json")
    _load(engine, "epraccur", "nhsd", "epraccur", "epraccur_blackwellrd_2023-02.csv")
    _load(engine, "epcn", "nhsd", "epcn", "ePCN_blackwellrd_2023-02.xlsx")
    _load(engine, "nhsuk_gp", "nhsuk", "2019-05", "GP.csv")
    return engine


def test_indicative_catchments_tile_ncl_without_sliver_holes(ncl: Engine) -> None:
    report = run_indicative_catchments(ncl)
    assert report.status == "loaded", report.text()
    assert report.source == INDICATIVE_SOURCE and "795 LSOAs" in report.notes[-1]
    with Session(ncl) as session:
        rows = session.execute(select(Boundary.code, Boundary.geometry_wkb, Boundary.vintage, Boundary.source)
                               .where(Boundary.level == "pcn")).all()
        lsoas = session.execute(select(Boundary.geometry_wkb).where(Boundary.level == "lsoa")).scalars().all()
        shown = queries.boundaries(session=session, level="pcn", system_code="QMJ")
    catchments = {code: shapely.from_wkb(bytes(wkb)) for code, wkb, _, _ in rows}
    assert {v for _, _, v, _ in rows} == {INDICATIVE} and all("Indicative" in s for *_, s in rows)
    assert 25 <= len(catchments) <= 33 and all(c.startswith("U") for c in catchments)
    inputs = shapely.from_wkb([bytes(w) for w in lsoas])
    assert sliver_holes(catchments, inputs) == 0  # a hand union_all of these LSOAs leaves thousands
    union, whole = shapely.union_all(list(catchments.values())), shapely.union_all(inputs)
    assert union.symmetric_difference(whole).area < 1e-4 * whole.area
    assert set(shown["code"]) <= set(catchments) and len(shown) >= 25  # the Map reads them
    again = run_indicative_catchments(ncl)  # replaces, never duplicates, the indicative rows
    with Session(ncl) as session:
        count = len(session.execute(select(Boundary.id).where(Boundary.level == "pcn")).all())
    assert again.ok and count == len(catchments)


def test_a_lookup_catchment_wins_over_the_indicative_one(ncl: Engine) -> None:
    assert run_indicative_catchments(ncl).status == "loaded"
    with Session(ncl) as session:
        before = queries.boundaries(session=session, level="pcn", system_code="QMJ")
    pcn = str(before["code"].iloc[0])
    lookup = f"LSOA11CD,PCN code\nE01000115,{pcn}\nE01000116,{pcn}\n".encode()
    assert load_upload(ncl, "pcn_catchments", lookup, "lookup.csv").status == "loaded"
    with Session(ncl) as session:
        after = queries.boundaries(session=session, level="pcn", system_code="QMJ").set_index("code")
    assert after.loc[pcn, "vintage"] == "lsoa-2011" and len(after) == len(before)


def test_registrations_by_lsoa_decide_where_given(ncl: Engine) -> None:
    with Session(ncl) as session:
        practice = session.execute(select(Boundary.code).where(Boundary.level == "lsoa")).scalars().first()
    regs = pd.DataFrame({"PRACTICE_CODE": ["E83003", "E83003"], "LSOA_CODE": [practice, "E01000116"],
                         "SEX": ["ALL", "ALL"], "NUMBER_OF_PATIENTS": [900, 12]})
    report = load_upload(ncl, INDICATIVE_SOURCE, regs.to_csv(index=False).encode(), "gp-reg-pat-prac-lsoa.csv")
    assert report.status == "loaded", report.text()
    assert "registrations by LSOA (2 LSOAs)" in report.notes[-1]
