"""Defective containers refused precisely, with nothing written, on SQLite and PostgreSQL (issue 12, items 3-4).

Every defect is made at test time from a real published file in ``shared/realdata``: boundaries zipped without
one of their parts, with no CRS, with metre coordinates declared as longitude/latitude, with a bow-tie polygon;
a broken zip; a GeoPackage without layers; and a crash inside an importer, which must never reach the user as a
traceback.
"""

from __future__ import annotations

import io
import json
import logging
import sqlite3
import tempfile
import zipfile
from pathlib import Path

import geopandas as gpd
import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from data.importers import SOURCES, load_upload
from data.importers.common import ImportReport, Source, run_import
from models import Boundary, ImportLog, ImportStatus
from tests.unit.importers.realdata import realdata

pytestmark = pytest.mark.db

CAMDEN_LSOA = ("ons", "lsoa_by_lad", "E09000007.json")


def _boundaries(engine: Engine) -> int:
    with Session(engine) as session:
        return session.execute(select(func.count()).select_from(Boundary)).scalar_one()


def _refused(engine: Engine, data: bytes, name: str, **options: str) -> ImportReport:
    report = load_upload(engine, "boundaries", data, name, options=options)
    assert report.status == ImportStatus.REJECTED.value, report.text()
    assert _boundaries(engine) == 0
    assert all(p.file == name for p in report.errors)
    return report


def _shapefile_zip(*, drop: str | None = None, folder: str = "", crs: bool = True) -> bytes:
    """Camden's real LSOAs as a zipped Shapefile in ``folder``, in British National Grid, missing ``drop``."""
    gdf = gpd.read_file(realdata(*CAMDEN_LSOA)).to_crs(27700)
    if not crs:
        gdf = gdf.set_crs(None, allow_override=True)
    with tempfile.TemporaryDirectory() as tmp:
        gdf.to_file(Path(tmp) / "camden.shp", engine="pyogrio")
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as book:
            for part in sorted(Path(tmp).iterdir()):
                if part.suffix.lower() != drop:
                    book.write(part, f"{folder}{part.name}")
    return buffer.getvalue()


def test_a_zipped_shapefile_in_a_sub_folder_loads(engine: Engine) -> None:
    report = load_upload(engine, "boundaries", _shapefile_zip(folder="LSOA_2011/data/"), "lsoa.zip")
    assert report.status == "loaded", report.text()
    assert _boundaries(engine) == 133  # every Camden LSOA, reprojected from EPSG:27700
    assert any("reprojected from" in n for n in report.notes)


@pytest.mark.parametrize("part", [".shx", ".dbf", ".prj"])
def test_a_missing_shapefile_part_is_named(engine: Engine, part: str) -> None:
    report = _refused(engine, _shapefile_zip(drop=part), "lsoa.zip")
    assert part in report.errors[0].message and report.errors[0].value == "camden.shp"


def test_a_shapefile_without_its_crs_is_refused_unless_declared(engine: Engine) -> None:
    data = _shapefile_zip(crs=False)
    assert "coordinate reference system" in _refused(engine, data, "lsoa.zip").errors[0].message
    report = load_upload(engine, "boundaries", data, "lsoa.zip", options={"crs": "EPSG:27700"})
    assert report.status == "loaded", report.text()
    with Session(engine) as session:
        west = session.execute(select(func.min(Boundary.min_lon))).scalar_one()
    assert -0.22 < west < -0.10  # Camden, so the declared CRS was used, not a guess


def test_a_broken_zip_and_a_bare_shp_are_refused(engine: Engine) -> None:
    data = _shapefile_zip()
    assert "not a readable zip" in _refused(engine, data[: len(data) // 3], "lsoa.zip").errors[0].message
    assert "several files" in _refused(engine, data, "camden.shp").errors[0].message


def test_metre_coordinates_in_a_lon_lat_file_are_refused(engine: Engine) -> None:
    gdf = gpd.read_file(realdata(*CAMDEN_LSOA))
    metres = gdf.to_crs(27700).set_crs(4326, allow_override=True)  # BNG numbers, declared as WGS84
    report = _refused(engine, metres.to_json().encode(), "camden.geojson")
    assert "not longitude/latitude" in report.errors[0].message


def test_a_bow_tie_polygon_is_refused_and_a_small_repair_is_reported(engine: Engine) -> None:
    barnet = json.loads(realdata("ons", "lsoa_by_lad", "E09000003.json").read_text())
    report = load_upload(engine, "boundaries", json.dumps(barnet).encode(), "barnet.json")
    assert report.status == "loaded", report.text()  # E01000285's self-touching ring: a tiny repair
    warned = [p for p in report.problems if p.severity == "warning" and p.column == "geometry"]
    assert [p.value for p in warned] == ["E01000285"] and "area changed by 0.00%" in warned[0].message

    camden = json.loads(realdata(*CAMDEN_LSOA).read_text())
    feature = camden["features"][4]
    (x0, y0, x1, y1) = gpd.GeoSeries.from_file(realdata(*CAMDEN_LSOA)).iloc[4].bounds
    feature["geometry"] = {"type": "Polygon", "coordinates": [[[x0, y0], [x1, y1], [x1, y0], [x0, y1], [x0, y0]]]}
    fresh = load_upload(engine, "boundaries", json.dumps(camden).encode(), "camden.json")
    assert fresh.status == "rejected"
    bow = fresh.errors[0]
    assert (bow.row, bow.column, bow.value) == (5, "geometry", feature["properties"]["LSOA11CD"])
    assert "bow-tie" in bow.message


def test_a_geopackage_without_layers_says_so(engine: Engine) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "empty.gpkg"
        gpd.read_file(realdata(*CAMDEN_LSOA)).head(1).to_file(path, layer="lsoa", engine="pyogrio")
        with sqlite3.connect(path) as db:  # remove the only layer, leaving a valid but empty GeoPackage
            db.execute("DELETE FROM gpkg_geometry_columns")
            db.execute("DELETE FROM gpkg_contents")
            db.execute("DROP TABLE lsoa")
        data = path.read_bytes()
    assert "no layers" in _refused(engine, data, "empty.gpkg").errors[0].message


def test_an_importer_crash_is_a_domain_error_with_an_id_and_nothing_written(
    engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    def parse(data: bytes, file_name: str, options: object) -> object:
        raise IndexError("list index out of range")  # what pyogrio raised for a Shapefile without .shx

    broken = Source("boundaries", "x", "x", (".zip",), parse, SOURCES["boundaries"].load)
    with caplog.at_level(logging.ERROR):
        report = run_import(engine, broken, b"whatever", "odd.zip")
    assert report.status == "rejected" and not report.ok
    message = report.errors[0].message
    assert report.errors[0].file == "odd.zip" and "IndexError" in message and "Traceback" not in message
    error_id = message.split("error id ")[1].split()[0]
    assert any(error_id in r.getMessage() and r.exc_info for r in caplog.records)  # the log keeps the traceback
    with Session(engine) as session:
        assert session.execute(select(ImportLog.status)).scalars().all() == [ImportStatus.REJECTED.value]


def test_a_database_rule_broken_while_writing_is_named(engine: Engine) -> None:
    def parse(data: bytes, file_name: str, options: object) -> object:
        return SOURCES["boundaries"].parse(data, file_name, options)

    def load(session: Session, frame: object, import_id: int, options: object) -> dict[str, int]:
        from models import Practice
        session.add(Practice(code="Z99999", name="x", latitude=123.0))  # breaks ck_practice_latitude
        session.flush()
        return {}

    source = Source("boundaries", "x", "x", (".json",), parse, load)
    report = run_import(engine, source, realdata(*CAMDEN_LSOA).read_bytes(), "camden.json")
    assert report.status == "failed"
    assert "latitude must be between -90 and 90" in report.errors[0].message
    assert _boundaries(engine) == 0
