"""Boundaries (GeoJSON, GeoPackage, zipped Shapefile; any CRS) and PCN catchments dissolved from small areas.

Boundaries: read with pyogrio, reprojected to EPSG:4326 (British National Grid EPSG:27700 is the usual source CRS;
a file without a CRS is refused unless the option ``crs`` declares one: coordinates are never guessed), invalid
polygons repaired with ``make_valid`` and reported (refused when the repair changes the area by more than 1%), and
stored exactly (``geometry_wkb``) beside a display-simplified copy
(``display_wkb``, about 30 m) with a bounding box. The level and code/name fields are inferred from ONS field names
(``LSOA11CD``/``LSOA11NM``, ``WD13CD``, ``LAD13CD`` ...) or given as options (``level``, ``code_field``,
``name_field``, ``vintage``, ``source``).

Catchments: a lookup file (area code -> PCN code) and small-area boundaries already loaded (LSOA by default, or
``from_level=ward``) give each PCN's catchment polygon by dissolving its areas (``boundary`` level ``pcn``).
Without a lookup, *indicative* catchments (vintage ``indicative``) are derived from what is loaded: every LSOA
inside the dashboard's boroughs goes to the PCN registering most of its patients (given a registrations-by-LSOA
file) or else of its nearest open practice (``geo.catchments``), and each PCN's LSOAs are dissolved without
slivers. ``run_indicative_catchments`` does this with no file, once practices, PCN memberships and LSOA
boundaries are loaded; a lookup-dissolved or imported PCN boundary always wins over an indicative one.

The geometry steps sit here rather than in ``geo/`` because they are part of validating an import; they are pure
functions (frames and shapely arrays in and out) and can move to ``geo/`` unchanged.
"""

from __future__ import annotations

import io
import re
import sqlite3
import tempfile
import zipfile
from contextlib import closing
from pathlib import Path

import numpy as np
import pandas as pd
import shapely
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from data.importers.common import (
    REGISTER_HINT,
    Column,
    DataImportError,
    ImportReport,
    Options,
    Parsed,
    Problem,
    Source,
    clean_code,
    known_codes,
    match_columns,
    problems_where,
    read_table,
    run_import,
    sha256_of,
    to_number,
    upsert,
)
from data.importers.template_schemas import PCN_CATCHMENTS, PCN_CATCHMENTS_WARD, read_template
from geo.catchments import INDICATIVE, assign_areas, dissolve, representative_points
from models import FOOTPRINT_LEVELS, AreaLevel, Borough, Boundary, Pcn, Practice

DISPLAY_TOLERANCE_DEG = 0.0004  # about 30 m at London's latitude: enough for maps, far smaller payloads
GEO_EXTENSIONS = (".geojson", ".json", ".gpkg", ".zip", ".shp")
LEVEL_PREFIXES = {"LSOA": AreaLevel.LSOA, "MSOA": AreaLevel.MSOA, "WD": AreaLevel.WARD, "LAD": AreaLevel.BOROUGH,
                  "CTYUA": AreaLevel.BOROUGH, "UTLA": AreaLevel.BOROUGH, "LTLA": AreaLevel.BOROUGH,
                  "PCN": AreaLevel.PCN, "ICB": AreaLevel.SYSTEM, "STP": AreaLevel.SYSTEM}
DEFAULT_SOURCE = "ONS / OS boundaries; Contains OS data © Crown copyright and database right (OGL v3)"


SHAPEFILE_PARTS = (".shp", ".shx", ".dbf", ".prj")
MAX_UNZIPPED_BYTES = 2_000_000_000  # a zip that would unpack to more than this is refused (zip bomb)
REPAIR_MAX_AREA_CHANGE = 0.01  # a repair that changes a polygon's area by more than 1% is refused


def _geo_problem(file_name: str, message: str, value: str | None = None) -> DataImportError:
    return DataImportError(Problem(file_name, None, None, value, message))


def _unzip_shapefile(data: bytes, file_name: str, folder: Path, *, need_prj: bool = True) -> Path:
    """Extract the one Shapefile of a zip (found in any sub-folder) safely; returns its ``.shp`` path.

    Member names are never used as paths (no zip-slip): the parts are written under fixed names. A missing part
    (``.shx``, ``.dbf``, ``.prj``) is named; a damaged zip, a zip of several Shapefiles or one too big are refused.
    """
    try:
        book = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise _geo_problem(file_name, "this is not a readable zip file (damaged or partly downloaded); download it "
                           "again, or zip the Shapefile's .shp, .shx, .dbf and .prj together") from None
    with book:
        members = [m for m in book.infolist() if not m.is_dir() and not Path(m.filename).name.startswith((".", "__"))]
        if sum(m.file_size for m in members) > MAX_UNZIPPED_BYTES:
            raise _geo_problem(file_name, "the zip unpacks to more than 2 GB; give the boundaries on their own")
        stems: dict[str, dict[str, zipfile.ZipInfo]] = {}
        for m in members:
            path = Path(m.filename)
            if path.suffix.lower() in SHAPEFILE_PARTS:
                stems.setdefault(str(path.with_suffix("")).lower(), {})[path.suffix.lower()] = m
        shapefiles = {stem: parts for stem, parts in stems.items() if ".shp" in parts}
        if not shapefiles:
            found = ", ".join(m.filename for m in members[:10]) or "nothing"
            orphans = [parts for parts in stems.values() if {".shx", ".dbf"} & set(parts)]
            if orphans:  # the other parts of a Shapefile are there, its .shp is not
                part = sorted(orphans[0].values(), key=lambda m: m.filename)[0].filename
                raise _geo_problem(file_name, f"the Shapefile beside {part} has no .shp (the shapes themselves); add "
                                   "the .shp to the zip, in the same folder", part)
            geo = [m for m in members if Path(m.filename).suffix.lower() in (".geojson", ".json", ".gpkg")]
            if len(geo) == 1:
                target = folder / f"upload{Path(geo[0].filename).suffix.lower()}"
                target.write_bytes(book.read(geo[0]))
                return target
            raise _geo_problem(file_name, f"the zip holds no Shapefile (.shp) or single GeoJSON/GeoPackage (it holds: "
                               f"{found}); zip the Shapefile's .shp, .shx, .dbf and .prj together")
        if len(shapefiles) > 1:
            names = ", ".join(parts[".shp"].filename for parts in shapefiles.values())
            raise _geo_problem(file_name, f"the zip holds {len(shapefiles)} Shapefiles ({names}); import one at a time")
        ((_stem, parts),) = shapefiles.items()
        missing = [ext for ext in SHAPEFILE_PARTS if ext not in parts and (need_prj or ext != ".prj")]
        if missing:
            shp = parts[".shp"].filename
            what = {".shx": "the index", ".dbf": "the attributes (area codes and names)",
                    ".prj": "the coordinate reference system, or give the option crs=, e.g. crs=EPSG:27700"}
            raise _geo_problem(file_name, f"the Shapefile {shp} has no {', '.join(missing)} beside it ("
                               + "; ".join(f"{ext}: {what[ext]}" for ext in missing)
                               + "); add the missing file(s) to the zip, in the same folder", shp)
        for ext, member in parts.items():
            (folder / f"upload{ext}").write_bytes(book.read(member))
    return folder / "upload.shp"


def _geopackage_layers(path: Path) -> int | None:
    """How many feature layers a GeoPackage lists (GDAL will not open one with none); None if not a GeoPackage."""
    if path.read_bytes()[:16] != b"SQLite format 3\x00":
        return None
    try:
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
            return int(db.execute("SELECT count(*) FROM gpkg_contents WHERE data_type = 'features'").fetchone()[0])
    except sqlite3.Error:
        return None


def _read_geo(data: bytes, file_name: str, *, need_prj: bool = True):  # noqa: ANN202 - geopandas is slow to import
    """The file's first layer as a GeoDataFrame; every way it cannot be read becomes a ``DataImportError``."""
    import geopandas as gpd
    import pyogrio

    suffix = Path(file_name).suffix.lower() or ".geojson"
    if suffix == ".shp":
        raise _geo_problem(file_name, "a Shapefile is several files (.shp, .shx, .dbf, .prj); zip them together and "
                           "import the zip")
    if not data.strip():
        raise _geo_problem(file_name, "the file is empty; choose the boundary file")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        if suffix == ".zip" or data[:4] == b"PK\x03\x04":
            path = _unzip_shapefile(data, file_name, folder, need_prj=need_prj)
        else:
            path = folder / f"upload{suffix}"
            path.write_bytes(data)
        try:
            layers = pyogrio.list_layers(path)
        except Exception:  # GDAL cannot open it at all
            layers = None
        if (layers is not None and len(layers) == 0) or (layers is None and _geopackage_layers(path) == 0):
            raise _geo_problem(file_name, "the file has no layers (an empty GeoPackage or collection); export the "
                               "boundaries layer into it")
        try:
            gdf = gpd.read_file(path, engine="pyogrio", layer=str(layers[0][0]) if layers is not None else None)
        except Exception as exc:  # pyogrio's DataSourceError/DataLayerError, IndexError, ValueError ...
            reason = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
            reason = reason.replace(str(path), file_name)  # never show the server's temporary path
            raise _geo_problem(file_name, f"could not read boundaries ({reason}); give a GeoJSON, a GeoPackage or a "
                               "zipped Shapefile (.shp, .shx, .dbf, .prj)") from None
    if layers is not None and len(layers) > 1:
        gdf.attrs["note"] = f"the file has {len(layers)} layers; read the first, '{layers[0][0]}'"
    return gdf


def _field(columns: list[str], wanted: str | None, pattern: str, fallbacks: tuple[str, ...]) -> str | None:
    if wanted:
        return next((c for c in columns if c.lower() == str(wanted).lower()), None)
    match = next((c for c in columns if re.fullmatch(pattern, c, flags=re.IGNORECASE)), None)
    return match or next((c for c in columns if c.lower() in fallbacks), None)


def repair(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Make polygons valid: returns (polygonal geometries, repaired mask, shapely's reason for each repair).

    ``make_valid`` can return a collection holding lines or points where a ring touched itself; only the
    polygonal parts are kept (an area boundary has no area in a line).
    """
    valid = shapely.is_valid(geoms)
    reasons = [shapely.is_valid_reason(g) for g in geoms[~valid]]
    fixed = geoms.copy()
    for i in np.flatnonzero(~valid):
        g = shapely.make_valid(geoms[i])
        if g.geom_type == "GeometryCollection":
            parts = [p for p in shapely.get_parts(g) if p.geom_type in ("Polygon", "MultiPolygon")]
            g = shapely.union_all(parts) if parts else shapely.Polygon()
        fixed[i] = g
    return fixed, ~valid, reasons


def boundary_frame(geoms: np.ndarray, *, level: str, codes: pd.Series, names: pd.Series, vintage: str,
                   source: str) -> pd.DataFrame:
    """Boundary rows: exact and display WKB, bounding box, level, code, name, vintage and source."""
    simplified = shapely.simplify(geoms, DISPLAY_TOLERANCE_DEG, preserve_topology=True)
    bounds = shapely.bounds(geoms)
    return pd.DataFrame({
        "level": level, "code": codes.to_numpy(), "name": names.astype(str).str.slice(0, 200).to_numpy(),
        "geometry_wkb": shapely.to_wkb(geoms), "display_wkb": shapely.to_wkb(simplified),
        "min_lon": bounds[:, 0], "min_lat": bounds[:, 1], "max_lon": bounds[:, 2], "max_lat": bounds[:, 3],
        "vintage": vintage, "source": source[:300],
    })


def parse_boundaries(data: bytes, file_name: str, options: Options | None = None) -> Parsed:
    """Read, reproject, repair and simplify boundary polygons into ``boundary`` rows (one per feature)."""
    options = options or {}
    gdf = _read_geo(data, file_name, need_prj=not options.get("crs"))
    problems: list[Problem] = []
    notes: list[str] = []
    if gdf.empty:
        raise DataImportError(Problem(file_name, None, None, None, "the file has no features (an empty "
                                      "FeatureCollection or layer); export the boundaries with their features"))
    columns = [c for c in gdf.columns if c != gdf.geometry.name]
    code_field = _field(columns, options.get("code_field"), r"[A-Z]+\d{2}CD", ("code", "areacode", "area_code"))
    name_field = _field(columns, options.get("name_field"), r"[A-Z]+\d{2}NM", ("name", "areaname", "area_name"))
    if code_field is None:
        raise DataImportError(Problem(file_name, None, options.get("code_field"), None, "cannot find the area code "
                              f"field among: {', '.join(columns)}; give it with the option code_field=..."))
    prefix = re.match(r"([A-Z]+?)(\d{2})CD$", code_field.upper())
    level = options.get("level") or (LEVEL_PREFIXES.get(prefix[1]) if prefix else None)
    vintage = options.get("vintage") or (f"20{prefix[2]}" if prefix else None)
    if level is None or str(level) not in {lv.value for lv in FOOTPRINT_LEVELS}:
        raise DataImportError(Problem(file_name, None, "level", level, "cannot tell the area level; give the option "
                              "level= one of: " + ", ".join(lv.value for lv in FOOTPRINT_LEVELS)))
    if not vintage:
        raise DataImportError(Problem(file_name, None, "vintage", None, "cannot tell the boundaries' year; give the "
                                      "option vintage=... (e.g. 2021)"))
    if gdf.attrs.get("note"):
        notes.append(gdf.attrs["note"])
    declared = options.get("crs")
    if gdf.crs is None and not declared:
        raise DataImportError(Problem(
            file_name, None, None, None, "the file names no coordinate reference system (a Shapefile without its "
            ".prj, or a GeoPackage layer without one), and coordinates are never guessed; add the .prj, or give the "
            "option crs= (e.g. crs=EPSG:27700 for British National Grid, crs=EPSG:4326 for longitude/latitude)"))
    if declared:
        try:
            gdf = gdf.set_crs(str(declared), allow_override=True)
        except Exception:  # pyproj's CRSError for a name it does not know
            raise DataImportError(Problem(file_name, None, "crs", str(declared), "not a coordinate reference system "
                                          "pyproj knows; give an EPSG code such as EPSG:27700")) from None
    if gdf.crs.to_epsg() != 4326:
        notes.append(f"reprojected from {gdf.crs.to_string()} to EPSG:4326")
        gdf = gdf.to_crs(4326)
    minx, miny, maxx, maxy = gdf.total_bounds if len(gdf) else (0, 0, 0, 0)
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        raise DataImportError(Problem(
            file_name, None, None, f"{minx:.0f}, {miny:.0f} .. {maxx:.0f}, {maxy:.0f}", "the coordinates are not "
            "longitude/latitude although the file says they are (they look like metres, e.g. British National Grid); "
            "fix the file's CRS, or give the option crs=EPSG:27700"))
    if -9.0 <= miny <= maxy <= 2.5 and 49.0 <= minx <= maxx <= 61.0:  # Great Britain with x and y exchanged
        raise DataImportError(Problem(
            file_name, None, None, f"{minx:.2f}, {miny:.2f} .. {maxx:.2f}, {maxy:.2f}", "longitude and latitude "
            "look swapped: every x is a latitude in Great Britain and every y a longitude; write coordinates as "
            "[longitude, latitude] (RFC 7946) and import again"))
    frame = pd.DataFrame({"_row": np.arange(len(gdf)) + 1,
                          "code": clean_code(gdf[code_field].astype("string")),
                          "name": gdf[name_field] if name_field else gdf[code_field]})
    geoms = gdf.geometry.to_numpy()
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    problems += problems_where(missing, frame, file=file_name, column="geometry", values=frame["code"],
                               message="this feature has no geometry; fix or remove it")
    types = shapely.get_type_id(geoms)
    not_polygon = ~missing & ~np.isin(types, [3, 6])
    problems += problems_where(not_polygon, frame, file=file_name, column="geometry", values=frame["code"],
                               message="not a polygon; boundaries must be Polygon or MultiPolygon features")
    problems += problems_where(frame["code"].isna(), frame, file=file_name, column=code_field,
                               message="blank area code")
    from data.importers.schemas import check_boundary_codes  # schemas imports the importers' column lists

    problems += [p for p in check_boundary_codes(frame[["_row", "code"]], str(level), code_field, file_name)
                 if p.value is not None]  # a blank code is reported just above
    dup = frame["code"].duplicated() & frame["code"].notna()
    first = frame.drop_duplicates("code").set_index("code")["_row"]
    for i in np.flatnonzero(dup.to_numpy(dtype=bool)):  # both features named: the repeat and the first
        code = str(frame["code"].iloc[i])
        problems.append(Problem(file_name, int(frame["_row"].iloc[i]), code_field, code, f"this code is also "
                                f"feature {int(first[code])}'s; one feature per area: merge them or fix the code"))
    ok = ~missing & ~not_polygon
    fixed, repaired, reasons = repair(geoms[ok])
    geoms_in = geoms
    geoms = geoms.copy()
    geoms[ok] = fixed
    idx = np.flatnonzero(ok)[repaired]
    before = shapely.area(geoms_in[idx]) if len(idx) else np.array([])
    after = shapely.area(geoms[idx]) if len(idx) else np.array([])
    change = np.abs(after - before) / np.maximum(np.maximum(before, after), 1e-300)
    for i, reason, changed in zip(idx, reasons, change, strict=True):
        row, code = int(frame["_row"].iloc[i]), str(frame["code"].iloc[i])
        if changed > REPAIR_MAX_AREA_CHANGE:
            problems.append(Problem(file_name, row, "geometry", code, f"invalid polygon ({reason}) whose repair would "
                                    f"change its area by {changed:.0%}: the shape is wrong (e.g. a self-crossing "
                                    "'bow-tie' ring), not just untidy; fix the polygon in a GIS and import again"))
        else:
            problems.append(Problem(file_name, row, "geometry", code, f"invalid polygon repaired ({reason}; area "
                                    f"changed by {changed:.2%}); check the area looks right", "warning"))
    if len(idx):
        notes.append(f"repaired {len(idx):,} invalid polygons")
    rows = boundary_frame(geoms[ok], level=str(level), codes=frame["code"][ok], names=frame["name"][ok],
                          vintage=str(vintage), source=str(options.get("source") or DEFAULT_SOURCE))
    rows.insert(0, "_row", frame["_row"][ok].to_numpy())
    return Parsed(rows, problems, notes, rows_read=len(gdf))


def load_boundaries(session: Session, frame: pd.DataFrame, import_id: int, options: Options) -> dict[str, int]:
    """Upsert boundaries by (level, code, vintage)."""
    return {"boundary": upsert(session, Boundary, frame.drop(columns="_row"), keys=["level", "code", "vintage"])}


# ----------------------------------------------------------------------------------------------- catchments


CATCHMENT_LEVELS = (AreaLevel.LSOA.value, AreaLevel.WARD.value)


def _catchment_level(options: Options | None) -> str:
    """The small-area level a lookup is by: the ``from_level`` option (``lsoa`` when not given)."""
    return str((options or {}).get("from_level") or AreaLevel.LSOA.value).strip().lower()


def parse_catchment_lookup(data: bytes, file_name: str, options: Options | None = None) -> Parsed:
    """Read an area -> PCN lookup (one row per LSOA, or ward with ``from_level=ward``) through its schema
    (``PCN_CATCHMENTS``): codes in their published format and an area in one PCN only. An exact repeat of a row
    is accepted and kept once. A ``from_level`` other than lsoa or ward refuses the file, saying so."""
    level = _catchment_level(options)
    if level not in CATCHMENT_LEVELS:
        return Parsed(pd.DataFrame(), [Problem(
            file_name, None, "from_level", str((options or {}).get("from_level")),
            "catchments are dissolved from LSOAs or wards: set the option from_level to lsoa or ward")])
    read = read_template(data, file_name, PCN_CATCHMENTS_WARD if level == AreaLevel.WARD.value else PCN_CATCHMENTS)
    if read.refused:
        return read.rejected()
    frame = read.frame[["_row", "area_code", "pcn_code"]]
    return read.parsed(frame.drop_duplicates(["area_code", "pcn_code"]).reset_index(drop=True))


def validate_catchments(session: Session, frame: pd.DataFrame, file_name: str, options: Options) -> Parsed:
    """Areas must have boundaries and PCNs must be registered; then dissolve each PCN's areas into its catchment."""
    level = AreaLevel(_catchment_level(options))
    problems: list[Problem] = []
    found = known_codes(session, level, frame["area_code"].unique())
    problems += problems_where(~frame["area_code"].isin(found), frame, file=file_name, column="area_code",
                               message=f"no {level.value} boundary has this code; {REGISTER_HINT[level]}")
    pcn_names = dict(session.execute(select(Pcn.code, Pcn.name)).all())
    problems += problems_where(~frame["pcn_code"].isin(pcn_names), frame, file=file_name, column="pcn_code",
                               message=f"not a PCN of this dashboard; {REGISTER_HINT[AreaLevel.PCN]}")
    if problems:
        return Parsed(frame, problems)
    stmt = select(Boundary.code, Boundary.vintage, Boundary.geometry_wkb).where(
        Boundary.level == level.value, Boundary.code.in_(list(found)))
    if options.get("vintage"):
        stmt = stmt.where(Boundary.vintage == str(options["vintage"]))
    areas = pd.DataFrame(session.execute(stmt).all(), columns=["code", "vintage", "wkb"])
    vintage = str(options.get("vintage") or areas["vintage"].max())
    areas = areas[areas["vintage"] == vintage].set_index("code")
    joined = frame[frame["area_code"].isin(areas.index)]
    geoms, codes = [], []
    for pcn, group in joined.groupby("pcn_code", sort=True):
        parts = shapely.from_wkb(areas.loc[group["area_code"], "wkb"].to_numpy())
        geoms.append(shapely.make_valid(shapely.union_all(parts)))
        codes.append(pcn)
    rows = boundary_frame(np.array(geoms, dtype=object), level=AreaLevel.PCN.value, codes=pd.Series(codes),
                          names=pd.Series([pcn_names[c] for c in codes]), vintage=f"{level.value}-{vintage}",
                          source=f"dissolved from {level.value} boundaries ({vintage}) with {file_name}")
    notes = [f"{len(rows):,} PCN catchments from {len(joined):,} {level.value} areas ({vintage} boundaries)"]
    return Parsed(rows.assign(_row=0), [], notes)


# ------------------------------------------------------------------------------------- indicative catchments


REGISTRATION_COLUMNS = [
    Column("practice_code", ("PRACTICE_CODE", "practice", "org code")),
    Column("lsoa_code", ("LSOA_CODE", "LSOA11CD", "lsoa", "lsoa code")),
    Column("patients", ("NUMBER_OF_PATIENTS", "patients", "registered patients")),
    Column("sex", ("SEX",), required=False),
]
REQUEST_HEADER = b"indicative catchments request"
INDICATIVE_SOURCE = "pcn_catchments_indicative"


def parse_registrations(data: bytes, file_name: str, options: Options | None = None) -> Parsed:
    """Patients registered at a GP practice by LSOA (NHS Digital ``gp-reg-pat-prac-lsoa``), or a no-file request.

    Rows split by sex are summed (``SEX`` ALL rows are used alone when present). A request written by
    ``run_indicative_catchments`` carries no registrations: every LSOA then goes by its nearest practice.
    """
    if data.startswith(REQUEST_HEADER):
        return Parsed(pd.DataFrame(columns=["_row", "practice_code", "lsoa_code", "patients"]), [], rows_read=0)
    raw = read_table(data, file_name, header_hint=[a for c in REGISTRATION_COLUMNS for a in c.accepts()])
    frame, problems = match_columns(raw, REGISTRATION_COLUMNS, file=file_name)
    if any(p.severity == "error" for p in problems):
        return Parsed(frame.iloc[0:0], problems, rows_read=len(raw))
    frame["practice_code"] = clean_code(frame["practice_code"])
    frame["lsoa_code"] = clean_code(frame["lsoa_code"])
    raw_patients = frame["patients"].copy()
    frame["patients"], bad = to_number(raw_patients)
    problems += problems_where(bad | (frame["patients"] < 0).fillna(False), frame, file=file_name, column="patients",
                               values=raw_patients, message="must be a number of patients (0 or more)")
    if frame["sex"].notna().any():
        sex = frame["sex"].astype("string").str.strip().str.upper()
        frame = frame[sex == "ALL"] if (sex == "ALL").any() else frame
    frame = frame.dropna(subset=["practice_code", "lsoa_code", "patients"])
    return Parsed(frame[["_row", "practice_code", "lsoa_code", "patients"]], problems, rows_read=len(raw))


def _loaded_inputs(session: Session) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, str], str]:
    """(LSOAs inside the dashboard's boroughs: code, geometry; open practices standing in them with a PCN; PCN
    names; the LSOA vintage used)."""
    practices = pd.DataFrame(session.execute(
        select(Practice.code, Practice.longitude, Practice.latitude, Pcn.code)
        .join(Pcn, Pcn.id == Practice.pcn_id)
        .where(Practice.borough_id.is_not(None), Practice.close_date.is_(None), Practice.latitude.is_not(None),
               Practice.longitude.is_not(None))
        .order_by(Practice.code)
    ).all(), columns=["code", "longitude", "latitude", "pcn_code"])
    pcn_names = dict(session.execute(select(Pcn.code, Pcn.name)).all())
    boroughs = session.execute(
        select(Boundary.geometry_wkb).join(Borough, Borough.code == Boundary.code)
        .where(Boundary.level == AreaLevel.BOROUGH.value)
    ).scalars().all()
    lsoas = pd.DataFrame(session.execute(
        select(Boundary.code, Boundary.vintage, Boundary.geometry_wkb).where(Boundary.level == AreaLevel.LSOA.value)
    ).all(), columns=["code", "vintage", "wkb"])
    if lsoas.empty or not boroughs:
        return lsoas.iloc[0:0].assign(geometry=None), practices, pcn_names, ""
    vintage = str(lsoas["vintage"].max())
    lsoas = lsoas[lsoas["vintage"] == vintage].sort_values("code").reset_index(drop=True)
    lsoas["geometry"] = shapely.from_wkb(lsoas["wkb"].map(bytes).to_numpy())
    region = shapely.union_all(shapely.from_wkb([bytes(w) for w in boroughs]))
    points = representative_points(lsoas["geometry"].to_numpy())
    inside = shapely.contains_xy(region, points[:, 0], points[:, 1])
    # only practices standing in the dashboard's boroughs: a foreign PCN linked by location must not take LSOAs
    placed = shapely.contains_xy(region, practices["longitude"].to_numpy(float), practices["latitude"].to_numpy(float))
    return lsoas[inside].reset_index(drop=True), practices[placed].reset_index(drop=True), pcn_names, vintage


def catchments_derivable(session: Session) -> bool:
    """True when indicative catchments can be derived and no PCN boundary came from a file or a lookup."""
    lsoas, practices, _, _ = _loaded_inputs(session)
    official = session.execute(select(Boundary.id).where(Boundary.level == AreaLevel.PCN.value,
                                                         Boundary.vintage != INDICATIVE).limit(1)).first()
    return not lsoas.empty and not practices.empty and official is None


def validate_indicative(session: Session, frame: pd.DataFrame, file_name: str, options: Options) -> Parsed:
    """Derive the indicative catchments from the loaded LSOAs, practices and PCNs (and the registrations given)."""
    lsoas, practices, pcn_names, vintage = _loaded_inputs(session)
    missing = [what for what, empty in (("LSOA boundaries inside the dashboard's borough boundaries", lsoas.empty),
                                        ("open practices with a location and a PCN", practices.empty)) if empty]
    if missing:
        raise DataImportError(Problem(file_name, None, None, None, "cannot derive indicative PCN catchments: no "
                                      + " and no ".join(missing) + " are loaded; import ONS LSOA and borough "
                                      "boundaries, epraccur, ePCN and the NHS website GP file first"))
    k = int(options.get("k") or 1)
    points = representative_points(lsoas["geometry"].to_numpy())
    areas = pd.DataFrame({"code": lsoas["code"], "lon": points[:, 0], "lat": points[:, 1]})
    assigned = assign_areas(areas, practices, registrations=frame if not frame.empty else None, k=k)
    shapes = dissolve(lsoas["geometry"].to_numpy(), assigned["pcn_code"].to_numpy())
    codes = list(shapes)
    by_regs = int((assigned["method"] == "registrations").sum())
    method = (f"registrations by LSOA ({by_regs:,} LSOAs), else the nearest open practice" if by_regs else
              "the PCN of its nearest open practice" if k == 1 else f"a vote of its {k} nearest open practices")
    rows = boundary_frame(np.array([shapes[c] for c in codes], dtype=object), level=AreaLevel.PCN.value,
                          codes=pd.Series(codes), names=pd.Series([pcn_names.get(c, c) for c in codes]),
                          vintage=INDICATIVE, source=f"Indicative PCN catchment (not an official boundary): each "
                          f"LSOA ({vintage}) to {method}; dissolved from ONS/OS LSOA boundaries")
    notes = [f"{len(rows):,} indicative PCN catchments from {len(lsoas):,} LSOAs and {len(practices):,} practices "
             f"(each LSOA to {method})"]
    return Parsed(rows.assign(_row=0), [], notes)


def load_indicative(session: Session, frame: pd.DataFrame, import_id: int, options: Options) -> dict[str, int]:
    """Replace every indicative PCN catchment (a PCN that no longer gets an LSOA loses its old one)."""
    session.execute(Boundary.__table__.delete().where(Boundary.level == AreaLevel.PCN.value,
                                                      Boundary.vintage == INDICATIVE))
    return load_boundaries(session, frame, import_id, options)


def run_indicative_catchments(engine: Engine, *, k: int = 1) -> ImportReport:
    """Derive indicative PCN catchments from what is loaded (no file), logged as an import of its inputs' digest.

    Run after practices (epraccur, NHS website points), PCN memberships (ePCN) and LSOA and borough boundaries;
    the same inputs again are reported unchanged.
    """
    with Session(engine) as session:
        lsoas, practices, _, vintage = _loaded_inputs(session)
    digest = sha256_of(practices.to_csv(index=False).encode() + ",".join(lsoas["code"]).encode() + vintage.encode())
    request = REQUEST_HEADER + f"\nmethod,nearest\nk,{k}\ninputs,{digest}\n".encode()
    return run_import(engine, SOURCES_BY_NAME[INDICATIVE_SOURCE], request,
                      f"indicative catchments (nearest practice, k={k})", options={"k": str(k)})


SOURCES = [
    Source("boundaries", "Boundaries (GeoJSON, GeoPackage, zipped Shapefile)",
           "Area polygons in any CRS (reprojected to EPSG:4326); options level, code_field, name_field, vintage.",
           GEO_EXTENSIONS, parse_boundaries, load_boundaries,
           options=("level", "code_field", "name_field", "vintage", "source", "crs")),
    Source("pcn_catchments", "PCN catchments (area -> PCN lookup)",
           "A CSV of LSOA (or ward) codes and PCN codes; dissolves the loaded area boundaries into PCN polygons.",
           (".csv", ".xlsx"), parse_catchment_lookup, load_boundaries, validate_catchments,
           options=("from_level", "vintage")),
    Source(INDICATIVE_SOURCE, "Indicative PCN catchments (derived; optional registrations by LSOA)",
           "Derives a PCN area from the loaded LSOAs and practices: each LSOA to the PCN registering most of its "
           "patients (NHS Digital registrations by LSOA, this file) or else of its nearest open practice.",
           (".csv", ".zip"), parse_registrations, load_indicative, validate_indicative, options=("k",)),
]
SOURCES_BY_NAME = {s.name: s for s in SOURCES}
