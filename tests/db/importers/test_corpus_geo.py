"""Malformed and tricky-valid ePCN workbooks, boundary files and CQC directories, made from real files (issue 12).

The delimited-text corpus (``test_corpus.py``) has no case for the three container-shaped sources; these do, each
made at test time by :mod:`tests.unit.importers.corpus_geo` from ``shared/realdata`` (never committed):

- **Malformed**: the import is REJECTED; one error names the row (spreadsheet row, or feature number), the column
  as the file heads it and the value, or, for a fault with nothing to point at, says what is wrong; the database
  is exactly as before (the plain file loaded) and the import log gains one REJECTED entry.
- **Tricky but valid**: the file loads into a database holding only its prerequisites with the exact count of
  records the real data has (``written``), on SQLite and PostgreSQL.

Cases already covered elsewhere are not repeated: a damaged workbook and a formula cell in a generic workbook
(``tests/unit/importers/test_containers.py``), a bad PCN code on PCNDetails and a membership ending before it
starts (``test_schema_rules.py``), a zipped Shapefile without .shx/.dbf/.prj or CRS, in a sub-folder, a broken zip,
a bare .shp, metre coordinates declared as WGS84, a bow-tie polygon and a GeoPackage without layers
(``test_defective_files.py``), a bad CQC rating and bed count (``test_parsers.py``).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from data.db import create_schema, session_scope
from data.importers import load_upload
from data.importers.common import ImportReport, normalise_header
from models import Borough, HealthSystem, ImportLog, ImportStatus
from tests.conftest import BACKENDS, backend_engine
from tests.db.importers.test_idempotence import snapshot
from tests.unit.importers.corpus_geo import (
    EPCN_2022,
    PARTNER_SHEET,
    PCN_SHEET,
    Book,
    camden_lsoas,
    cqc_directory,
    cqc_workbook,
    epcn_book,
    geojson,
    geopackage,
    shapefile_zip,
)
from tests.unit.importers.realdata import REALDATA, realdata

pytestmark = pytest.mark.db

Made = tuple[bytes, str, dict[str, str]]  # the file's bytes, its name, the import options


@dataclass(frozen=True)
class Bad:
    """A malformed file and where its error must point (``None``: not pinned)."""

    source: str
    label: str
    make: Callable[[], Made]
    row: int | None = None
    column: str | None = None
    value: str | None = None
    words: str | None = None  # a phrase the message must hold
    sheet: str | None = None  # the sheet the error must name (ePCN: ``ePCN.xlsx [PCNDetails]``)


@dataclass(frozen=True)
class Good:
    """A valid file and the exact records it writes into a database holding only its prerequisites."""

    source: str
    label: str
    make: Callable[[], Made]
    written: dict[str, int] = field(default_factory=dict)
    note: str | None = None  # a phrase one of the report's notes must hold


# ------------------------------------------------------------------------------------------------------ ePCN

EPCN = "ePCN.xlsx"
ROW = 3  # the data record (0-based) a mutation changes


def _book(change: Callable[[Book], Book] = lambda b: b, parts: tuple[str, ...] | None = None) -> Callable[[], Made]:
    return lambda: (change(epcn_book(*(parts,) if parts else ())).to_bytes(), EPCN, {})


def _pcn(b: Book, row: int = ROW) -> str:
    return str(b.rows(PCN_SHEET)[row][0])


def _epcn_bad() -> list[Bad]:
    b = epcn_book()
    line = b.line_of(ROW)
    partners, pcns = b.rows(PARTNER_SHEET), b.rows(PCN_SHEET)
    member = partners[ROW]
    pcode = b.col(PARTNER_SHEET, "Partner Organisation Code")
    return [
        Bad("epcn", "no PCNDetails sheet", _book(lambda b: b.without_sheet(PCN_SHEET)), value=PCN_SHEET,
            words="has no sheet 'PCNDetails'"),
        Bad("epcn", "no PCN Core Partner Details sheet", _book(lambda b: b.without_sheet(PARTNER_SHEET)),
            value=PARTNER_SHEET, words="has no sheet 'PCN Core Partner Details'"),
        Bad("epcn", "PCN Code header renamed", _book(lambda b: b.renamed(PCN_SHEET, "PCN Code", "PCN Ref")),
            column="PCN Code", sheet=PCN_SHEET),
        Bad("epcn", "Partner Organisation Code header renamed",
            _book(lambda b: b.renamed(PARTNER_SHEET, "Partner Organisation Code", "Partner\nOrg")),
            column="Partner Organisation Code", sheet=PARTNER_SHEET),
        Bad("epcn", "member's PCN code malformed",
            _book(lambda b: b.with_value(PARTNER_SHEET, ROW, "PCN Code", "X12345")), row=line, column="PCN Code",
            value="X12345", words="U and 5 digits", sheet=PARTNER_SHEET),
        Bad("epcn", "PCN listed twice", _book(lambda b: b.with_rows(PCN_SHEET, [*pcns, pcns[ROW]])),
            row=b.line_of(len(pcns)), column="PCN Code", value=_pcn(b), words=f"as row {line}", sheet=PCN_SHEET),
        Bad("epcn", "member of a PCN not on PCNDetails",
            _book(lambda b: b.with_value(PARTNER_SHEET, ROW, "PCN Code", "U99999")), row=line, column="PCN Code",
            value="U99999", words="not on the PCNDetails sheet", sheet=PARTNER_SHEET),
        Bad("epcn", "PCN closes before it opens",
            _book(lambda b: b.with_value(PCN_SHEET, ROW, "Close Date", "20190901")), row=line, column="Close Date",
            value="20190901", words="ends before it starts", sheet=PCN_SHEET),
        Bad("epcn", "formula cell without a saved value",
            _book(lambda b: b.with_formula(PCN_SHEET, ROW, "PCN Name", "=UPPER(A2)")), row=line, column="PCN Name",
            value=f"B{line}", words="formula"),
        Bad("epcn", "PCNDetails header only", _book(lambda b: b.with_rows(PCN_SHEET, [])), value=PCN_SHEET,
            words="sheet 'PCNDetails' of the workbook has a header row but no data rows"),
        Bad("epcn", "partner sheet header only", _book(lambda b: b.with_rows(PARTNER_SHEET, [])),
            value=PARTNER_SHEET, words="sheet 'PCN Core Partner Details' of the workbook has a header row"),
        Bad("epcn", "blank PCN Name", _book(lambda b: b.with_value(PCN_SHEET, ROW, "PCN Name", None)), row=line,
            column="PCN Name", sheet=PCN_SHEET),
        Bad("epcn", "membership start date not a date",
            _book(lambda b: b.with_value(PARTNER_SHEET, ROW, "Practice to PCN Relationship Start Date",
                                         "20231301")), row=line, column="Relationship Start Date", value="20231301",
            words="not a date", sheet=PARTNER_SHEET),
        Bad("epcn", "membership without a start date",
            _book(lambda b: b.with_value(PARTNER_SHEET, ROW, "Practice to PCN Relationship Start Date", None)),
            row=line, column="Relationship Start Date", sheet=PARTNER_SHEET),
        Bad("epcn", "member practice code malformed",
            _book(lambda b: b.with_value(PARTNER_SHEET, ROW, "Partner Organisation Code", "E8-3003")), row=line,
            column="Partner Organisation Code", value="E8-3003", words="ODS organisation code", sheet=PARTNER_SHEET),
        Bad("epcn", "membership listed twice", _book(lambda b: b.with_rows(PARTNER_SHEET, [*partners, member])),
            row=b.line_of(len(partners)), column="Partner Organisation Code", words=f"as row {line}",
            value=f"{member[pcode]} / {member[b.col(PARTNER_SHEET, 'PCN Code')]} / "
                  f"{str(member[b.col(PARTNER_SHEET, 'Practice to PCN Relationship Start Date')])[:4]}",
            sheet=PARTNER_SHEET),
        Bad("epcn", "PCN open date not a date",
            _book(lambda b: b.with_value(PCN_SHEET, ROW, "Open Date", "2019-10-32")), row=line, column="Open Date",
            value="2019-10-32", sheet=PCN_SHEET),
        Bad("epcn", "PCN parent code malformed",
            _book(lambda b: b.with_value(PCN_SHEET, ROW, "Current Sub ICB Loc Code", "9-3C")), row=line,
            column="Current Sub ICB Loc Code", value="9-3C", words="commissioner", sheet=PCN_SHEET),
        Bad("epcn", "a CSV named .xlsx", lambda: (b"PCN Code,PCN Name\r\nU12345,A PCN\r\n", EPCN, {}),
            words="not a workbook"),
    ]


def _blank_rows(b: Book) -> Book:
    out = b
    for sheet in (PCN_SHEET, PARTNER_SHEET):
        width = len(b.header(sheet))
        out = out.with_rows(sheet, [*out.rows(sheet), *([[None] * width] * 3)])
    return out


def _one_line_headers(b: Book) -> Book:
    out = b
    for sheet in (PCN_SHEET, PARTNER_SHEET):
        for h in b.header(sheet):
            out = out.renamed(sheet, " ".join(str(h).split()), " ".join(str(h).split()))
    return out


def _reversed_columns(b: Book) -> Book:
    out = b
    for sheet in (PCN_SHEET, PARTNER_SHEET):
        out = out.reordered(sheet, list(reversed(range(len(b.header(sheet))))))
    return out


def _epcn_good() -> list[Good]:
    b, old = epcn_book(), epcn_book(EPCN_2022)
    plain = {"pcn": len(b.rows(PCN_SHEET)), "pcn_membership": len(b.rows(PARTNER_SHEET))}
    return [
        Good("epcn", "the plain NCL workbook", _book(), plain),
        Good("epcn", "2022 release: CCG headers", _book(parts=EPCN_2022),
             {"pcn": len(old.rows(PCN_SHEET)), "pcn_membership": len(old.rows(PARTNER_SHEET))}),
        Good("epcn", "columns in reverse order", _book(_reversed_columns), plain),
        Good("epcn", "blank rows after the data", _book(_blank_rows), plain),
        Good("epcn", "header cells on one line", _book(_one_line_headers), plain),
        Good("epcn", "a notes sheet in front", _book(lambda b: b.with_sheet_first("Notes", [["Read me first"]])),
             plain),
    ]


# ------------------------------------------------------------------------------------------------ boundaries

FEATURE = 6  # the feature (0-based) a mutation changes: row 7 in messages


def _collection(change: Callable[[dict[str, Any]], None], name: str = "camden.json") -> Callable[[], Made]:
    def make() -> Made:
        collection = camden_lsoas()
        change(collection)
        return geojson(collection), name, {}
    return make


def _set_property(key: str, value: object) -> Callable[[dict[str, Any]], None]:
    return lambda c: c["features"][FEATURE]["properties"].__setitem__(key, value)


def _swap(coords: Any) -> Any:
    return [coords[1], coords[0]] if isinstance(coords[0], int | float) else [_swap(c) for c in coords]


def _swapped(c: dict[str, Any]) -> None:
    for f in c["features"]:
        f["geometry"]["coordinates"] = _swap(f["geometry"]["coordinates"])


def _metres_undeclared(c: dict[str, Any]) -> None:
    import geopandas as gpd

    frame = gpd.GeoDataFrame.from_features(c["features"], crs=4326).to_crs(27700)
    c["features"] = json.loads(frame.to_json())["features"]
    c.pop("crs", None)  # RFC 7946: no crs member means longitude/latitude


def _camden_code(feature: int = FEATURE) -> str:
    return str(camden_lsoas()["features"][feature]["properties"]["LSOA11CD"])


def _boundary_bad() -> list[Bad]:
    features = len(camden_lsoas()["features"])
    row = FEATURE + 1
    return [
        Bad("boundaries", "empty FeatureCollection", _collection(lambda c: c.__setitem__("features", [])),
            words="has no features"),
        Bad("boundaries", "truncated JSON", lambda: (geojson(camden_lsoas())[:5000], "camden.json", {}),
            words="could not read boundaries"),
        Bad("boundaries", "an area in two features",
            _collection(lambda c: c["features"].append(copy.deepcopy(c["features"][FEATURE]))),
            row=features + 1, column="LSOA11CD", value=_camden_code(), words=f"feature {row}"),
        Bad("boundaries", "blank area code", _collection(_set_property("LSOA11CD", None)), row=row,
            column="LSOA11CD", words="blank area code"),
        Bad("boundaries", "an MSOA code in an LSOA file", _collection(_set_property("LSOA11CD", "E02000193")),
            row=row, column="LSOA11CD", value="E02000193", words="LSOA code"),
        Bad("boundaries", "a point, not a polygon", _collection(lambda c: c["features"][FEATURE].__setitem__(
            "geometry", {"type": "Point", "coordinates": [-0.14, 51.54]})), row=row, column="geometry",
            value=_camden_code(), words="not a polygon"),
        Bad("boundaries", "a feature without geometry",
            _collection(lambda c: c["features"][FEATURE].__setitem__("geometry", None)), row=row, column="geometry",
            value=_camden_code(), words="no geometry"),
        Bad("boundaries", "longitude and latitude swapped", _collection(_swapped), words="look swapped"),
        Bad("boundaries", "metres with no crs member (so WGS84)", _collection(_metres_undeclared),
            words="not longitude/latitude"),
        Bad("boundaries", "a zip without a Shapefile",
            lambda: (shapefile_zip(drop=(".shp", ".shx", ".dbf", ".prj", ".cpg"), extra={"README.txt": b"LSOAs"}),
                     "lsoa.zip", {}), words="holds no Shapefile"),
        Bad("boundaries", "a zip of two Shapefiles", lambda: (shapefile_zip(copies=2), "lsoa.zip", {}),
            words="holds 2 Shapefiles"),
        Bad("boundaries", "a zipped Shapefile without its .shp", lambda: (shapefile_zip(drop=(".shp",)), "lsoa.zip",
                                                                          {}), words="has no .shp"),
        Bad("boundaries", "GeoPackage layer without a CRS",
            lambda: (geopackage({"lsoa": (None, None)}), "lsoa.gpkg", {}),
            words="names no coordinate reference system"),
        Bad("boundaries", "an unknown crs option",
            lambda: (shapefile_zip(drop=(".prj",)), "lsoa.zip", {"crs": "EPSG:99999"}), column="crs",
            value="EPSG:99999", words="not a coordinate reference system"),
        Bad("boundaries", "no area code field",
            _collection(lambda c: [f.__setitem__("properties", {"label": f["properties"]["LSOA11NM"]})
                                   for f in c["features"]]), words="cannot find the area code field"),
        Bad("boundaries", "a ward code malformed",
            lambda: (_ward_file(lambda c: c["features"][2]["properties"].__setitem__("WD13CD", "E0500013")),
                     "wards.json", {}), row=3, column="WD13CD", value="E0500013", words="ONS (GSS) code"),
    ]


def _ward_file(change: Callable[[dict[str, Any]], None]) -> bytes:
    collection = json.loads(realdata("ons", "wards_by_lad", "E09000007.json").read_bytes())
    change(collection)
    return geojson(collection)


def _boundary_good() -> list[Good]:
    n = {"boundary": len(camden_lsoas()["features"])}
    return [
        Good("boundaries", "no crs member (RFC 7946 longitude/latitude)", _collection(lambda c: c.pop("crs")), n),
        Good("boundaries", "features in reverse order",
             _collection(lambda c: c.__setitem__("features", c["features"][::-1])), n),
        Good("boundaries", "GeoPackage in British National Grid",
             lambda: (geopackage({"lsoa": (None, 27700)}), "lsoa.gpkg", {}), n, note="reprojected from EPSG:27700"),
        Good("boundaries", "GeoPackage of two layers (the first read)",
             lambda: (geopackage({"lsoa": (None, 4326), "copy": (None, 27700)}), "lsoa.gpkg", {}), n,
             note="the file has 2 layers; read the first, 'lsoa'"),
        Good("boundaries", "zipped Shapefile with upper-case extensions",
             lambda: (shapefile_zip(upper=True), "LSOA.ZIP", {}), n),
        Good("boundaries", "zipped Shapefile beside a readme",
             lambda: (shapefile_zip(extra={"README.txt": b"Camden LSOAs"}), "lsoa.zip", {}), n),
    ]


# ------------------------------------------------------------------------------------------------------- CQC

CQC = "HSCA_Active_Locations.csv"


def _cqc(change: Callable[[Any], Any] = lambda t: t, name: str = CQC) -> Callable[[], Made]:
    return lambda: (change(cqc_directory()).to_bytes(), name, {})


def _cqc_set(column: str, value: str) -> Callable[[], Made]:
    return _cqc(lambda t: t.with_value(ROW, t.col(column), value))


def _cqc_swap(t: Any) -> Any:
    lat, lon = t.rows[ROW][t.col("Location Latitude")], t.rows[ROW][t.col("Location Longitude")]
    return t.with_value(ROW, t.col("Location Latitude"), lon).with_value(ROW, t.col("Location Longitude"), lat)


def _cqc_bad() -> list[Bad]:
    t = cqc_directory()
    line = t.line_of(ROW)
    location = t.rows[ROW][t.col("Location ID")]
    return [
        Bad("cqc", "location ID without 1-", _cqc_set("Location ID", "1000210669"), row=line, column="Location ID",
            value="1000210669", words="CQC location ID"),
        Bad("cqc", "location ID with letters", _cqc_set("Location ID", "1-10002A0669"), row=line,
            column="Location ID", value="1-10002A0669"),
        Bad("cqc", "a location listed twice", _cqc(lambda t: t.with_rows([*t.rows, t.rows[ROW]])),
            row=t.line_of(len(t.rows)), column="Location ID", value=location, words=f"as row {line}"),
        Bad("cqc", "postcode incomplete", _cqc_set("Location Postal Code", "NW1"), row=line,
            column="Location Postal Code", value="NW1", words="UK postcode"),
        Bad("cqc", "postcode not a postcode", _cqc_set("Location Postal Code", "LONDON"), row=line,
            column="Location Postal Code", value="LONDON", words="UK postcode"),
        Bad("cqc", "a care home with 0 beds", _cqc_set("Care homes beds", "0"), row=line, column="Care homes beds",
            value="0", words="1 or more"),
        Bad("cqc", "a care home without beds", _cqc_set("Care homes beds", ""), row=line, column="Care homes beds",
            words="number of beds"),
        Bad("cqc", "latitude and longitude swapped", _cqc(_cqc_swap), row=line, column="Location Latitude",
            words="swapped"),
        Bad("cqc", "National Grid metres", _cqc(lambda t: t.with_value(ROW, t.col("Location Latitude"), "182500")
                                                 .with_value(ROW, t.col("Location Longitude"), "529000")),
            row=line, column="Location Latitude", value="182500", words="National Grid"),
        Bad("cqc", "latitude out of range", _cqc_set("Location Latitude", "95"), row=line,
            column="Location Latitude", value="95", words="not in Great Britain"),
        Bad("cqc", "care-home flag not yes or no", _cqc_set("Care home?", "Maybe"), row=line, column="Care home?",
            value="Maybe"),
        Bad("cqc", "registration date impossible", _cqc_set("Location HSCA start date", "31/02/2011"), row=line,
            column="Location HSCA start date", value="31/02/2011", words="not a date"),
        Bad("cqc", "blank location name", _cqc_set("Location Name", ""), row=line, column="Location Name"),
        Bad("cqc", "no Location ID column", _cqc(lambda t: t.without_column(t.col("Location ID"))),
            column="Location ID"),
        Bad("cqc", "header only", _cqc(lambda t: t.with_rows([])), words="no data rows"),
    ]


def _title_block(t: Any) -> bytes:
    title = replace(t, header=None, rows=[["HSCA Active Locations"], ["Data as at 1 May 2024"], [""]])
    return title.to_bytes() + t.to_bytes()


def _alias_headers(t: Any) -> Any:
    names = {"Care homes beds": "Care home beds", "Location Latest Overall Rating": "Overall rating",
             "Location Latitude": "Latitude", "Location Longitude": "Longitude", "Publication Date": "Rating date"}
    return replace(t, header=[names.get(h, h) for h in t.header])


def _cqc_good() -> list[Good]:
    t = cqc_directory()
    homes = {"care_home": sum(1 for r in t.rows if r[t.col("Care home?")] == "Y")}
    return [
        Good("cqc", "the plain directory", _cqc(), homes, note="skipped 4 locations that are not care homes"),
        Good("cqc", "a title block above the header", lambda: (_title_block(cqc_directory()), CQC, {}), homes),
        Good("cqc", "columns in reverse order",
             _cqc(lambda t: t.reordered_columns(list(reversed(range(t.width))))), homes),
        Good("cqc", "older release's header names", _cqc(_alias_headers), homes),
        Good("cqc", "workbook with a notes sheet in front",
             lambda: (cqc_workbook(cqc_directory(), notes_first=True), "HSCA_Active_Locations.xlsx", {}), homes),
        Good("cqc", "postcodes without their space",
             _cqc(lambda t: t.with_rows([[v.replace(" ", "") if i == t.col("Location Postal Code") else v
                                          for i, v in enumerate(r)] for r in t.rows])), homes),
    ]


# ---------------------------------------------------------------------------------------------- the cases

def bad_cases() -> list[Bad]:
    return _epcn_bad() + _boundary_bad() + _cqc_bad()


def good_cases() -> list[Good]:
    return _epcn_good() + _boundary_good() + _cqc_good()


BAD = bad_cases() if REALDATA.is_dir() else []  # without the real files: the size test below skips (fails in CI)
GOOD = good_cases() if REALDATA.is_dir() else []
PLAIN = {"epcn": _book(), "boundaries": _collection(lambda c: None), "cqc": _cqc()}


def _id(case: Bad | Good) -> str:
    return f"{case.source}: {case.label}"


# ---------------------------------------------------------------------------------------------- fixtures

def _prerequisites(engine: Engine, source: str) -> None:
    """Care homes are placed in boroughs: NCL with Barnet and Camden (codes as published)."""
    if source != "cqc":
        return
    with session_scope(engine) as session:
        system = HealthSystem(code="QMJ", ons_code="E54000028", name="North Central London")
        session.add(system)
        session.flush()
        session.add_all([Borough(code="E09000003", name="Barnet", system_id=system.id),
                         Borough(code="E09000007", name="Camden", system_id=system.id)])


@dataclass
class Ready:
    engine: Engine
    before: dict[str, list[tuple]]


_READY: dict[str, Ready] = {}


@pytest.fixture(scope="module", params=BACKENDS)
def loaded(request: pytest.FixtureRequest) -> Iterator[Callable[[str], Ready]]:
    """Per backend and source, a database with its prerequisites and the plain real file loaded, then
    snapshotted (``_READY`` holds one backend's at a time)."""
    def get(source: str) -> Ready:
        if source not in _READY:
            engine = backend_engine(request.param, request, label=f"geo_{source}")
            create_schema(engine)
            _prerequisites(engine, source)
            data, name, options = PLAIN[source]()
            report = load_upload(engine, source, data, name, options=options)
            assert report.status == ImportStatus.LOADED.value, report.text()
            _READY[source] = Ready(engine, snapshot(engine))
        return _READY[source]
    yield get
    for ready in _READY.values():
        ready.engine.dispose()
    _READY.clear()


def _rejected(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(ImportLog).where(
            ImportLog.status == ImportStatus.REJECTED.value)).scalar_one()


def _points(p: Any, case: Bad, name: str) -> bool:
    if case.sheet is not None and p.file != f"{name} [{case.sheet}]":
        return False
    if case.row is not None and p.row != case.row:
        return False
    if case.column is not None and normalise_header(case.column) not in normalise_header(p.column):
        return False
    if case.value is not None and not str(p.value or "").strip().startswith(case.value.strip()):
        return False
    return case.words is None or case.words.lower() in p.message.lower()


def _describe(report: ImportReport) -> str:
    return report.text(limit=8)


@pytest.mark.parametrize("case", BAD, ids=_id)
def test_malformed_container_is_refused_precisely(case: Bad, loaded: Callable[[str], Ready]) -> None:
    """On both backends, as in ``test_corpus``: each case is refused by the parse and schema step, before anything
    is written, and the refusal is logged and leaves the database as it was."""
    ready = loaded(case.source)
    data, name, options = case.make()
    logged = _rejected(ready.engine)
    report = load_upload(ready.engine, case.source, data, name, options=options)
    if report.status != ImportStatus.REJECTED.value:
        _READY.pop(case.source).engine.dispose()  # the next case starts from the plain file again
    assert report.status == ImportStatus.REJECTED.value, _describe(report)
    assert report.errors and all(p.file.startswith(name) for p in report.errors), _describe(report)
    assert not any("Traceback" in p.message or "error id" in p.message for p in report.errors), _describe(report)
    assert any(_points(p, case, name) for p in report.errors), (
        f"no error points at row {case.row}, column {case.column!r}, value {case.value!r}"
        f"{f', saying {case.words!r}' if case.words else ''}:\n{_describe(report)}")
    assert snapshot(ready.engine) == ready.before, "a refused file changed the database"
    assert _rejected(ready.engine) == logged + 1


@pytest.fixture(params=BACKENDS)
def empty(request: pytest.FixtureRequest) -> Iterator[Engine]:
    engine = backend_engine(request.param, request, label="geo_good")
    create_schema(engine)
    yield engine
    engine.dispose()


@pytest.mark.parametrize("case", GOOD, ids=_id)
def test_tricky_valid_container_loads_every_record(case: Good, empty: Engine) -> None:
    _prerequisites(empty, case.source)
    data, name, options = case.make()
    report = load_upload(empty, case.source, data, name, options=options)
    assert report.status == ImportStatus.LOADED.value, _describe(report)
    assert not report.errors, _describe(report)
    assert {k: report.written.get(k) for k in case.written} == case.written, _describe(report)
    assert case.note is None or any(case.note in n for n in report.notes), _describe(report)
    again = load_upload(empty, case.source, data, f"again-{name}", options=options)
    assert again.status == ImportStatus.UNCHANGED.value, _describe(again)  # the same data: nothing changes


def test_the_container_corpus_covers_epcn_boundaries_and_cqc() -> None:
    """At least 30 malformed and 10 tricky-valid files across the three container-shaped sources."""
    realdata("nhsd")  # skips without the real files (fails in CI)
    assert len(BAD) >= 30 and len(GOOD) >= 10
    assert {c.source for c in BAD} == {c.source for c in GOOD} == {"epcn", "boundaries", "cqc"}
    assert len({_id(c) for c in BAD}) == len(BAD) and len({_id(c) for c in GOOD}) == len(GOOD)
