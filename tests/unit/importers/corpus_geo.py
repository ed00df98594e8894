"""Test files for the workbook, boundary and care-home importers, made at test time from ``shared/realdata``.

Kept apart from :mod:`tests.unit.importers.corpus` (delimited text files) because these sources are containers of
another kind: the ODS ePCN workbook (two sheets, header cells with line breaks), ONS boundaries (GeoJSON,
GeoPackage, zipped Shapefile) and the CQC care directory. Nothing is committed: every builder reads a real file
and returns bytes.

- :class:`Book` is an ePCN workbook taken apart sheet by sheet (header cells exactly as published, values as
  published: YYYYMMDD text dates, a boolean match flag), cut to North Central London's PCNs (sub-ICB 93C) and
  their member practices so a database test stays fast; :meth:`Book.to_bytes` writes it back as an ``.xlsx``.
- :func:`camden_lsoas` is the real Camden LSOA FeatureCollection (133 features, CRS84); :func:`geopackage` and
  :func:`shapefile_zip` write real features into the other two containers.
- :func:`cqc_directory` is a CQC "HSCA Active Locations" table. ``shared/realdata`` holds no CQC file, so the
  rows are derived from the real NHS website GP sites of Barnet (07M) and Camden (07R): their real names,
  postcodes, coordinates and borough, under the directory's published headers, with a location ID, bed count and
  rating made from the ODS code (the same format the importer's unit tests use).
"""

from __future__ import annotations

import copy
import hashlib
import io
import json
import sqlite3
import tempfile
import zipfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import openpyxl

from tests.unit.importers.corpus import Table
from tests.unit.importers.realdata import realdata

PCN_SHEET = "PCNDetails"
PARTNER_SHEET = "PCN Core Partner Details"
EPCN_2023 = ("nhsd", "epcn", "ePCN_blackwellrd_2023-02.xlsx")
EPCN_2022 = ("nhsd", "epcn", "ePCN_psychty_2022-05.xlsx")
NCL_SUB_ICB = "93C"
CAMDEN_LSOA = ("ons", "lsoa_by_lad", "E09000007.json")


# ------------------------------------------------------------------------------------------------------ ePCN


@dataclass(frozen=True)
class Book:
    """A workbook as sheets of rows (the first row the header, cells as published); ``formulas`` are cells
    ``(sheet, row, column)`` (1-based, as a spreadsheet counts) written as a formula with no saved value."""

    sheets: dict[str, list[list[Any]]]
    formulas: dict[tuple[str, int, int], str] = field(default_factory=dict)

    def header(self, sheet: str) -> list[Any]:
        return self.sheets[sheet][0]

    def col(self, sheet: str, name: str) -> int:
        """0-based index of the header cell whose words (line breaks as spaces) are ``name``."""
        words = [" ".join(str(h).split()) for h in self.header(sheet)]
        return words.index(name)

    def rows(self, sheet: str) -> list[list[Any]]:
        return self.sheets[sheet][1:]

    def _with(self, sheet: str, rows: list[list[Any]]) -> Book:
        sheets = {k: [list(r) for r in v] for k, v in self.sheets.items()}
        sheets[sheet] = rows
        return replace(self, sheets=sheets)

    def with_value(self, sheet: str, row: int, column: str, value: Any) -> Book:
        """Data record ``row`` (0-based, after the header) of ``sheet`` holding ``value`` under ``column``."""
        rows = [list(r) for r in self.sheets[sheet]]
        rows[row + 1][self.col(sheet, column)] = value
        return self._with(sheet, rows)

    def with_rows(self, sheet: str, records: list[list[Any]]) -> Book:
        return self._with(sheet, [list(self.header(sheet)), *records])

    def renamed(self, sheet: str, column: str, name: str) -> Book:
        rows = [list(r) for r in self.sheets[sheet]]
        rows[0][self.col(sheet, column)] = name
        return self._with(sheet, rows)

    def reordered(self, sheet: str, order: list[int]) -> Book:
        return self._with(sheet, [[r[i] for i in order] for r in self.sheets[sheet]])

    def without_sheet(self, sheet: str) -> Book:
        return replace(self, sheets={k: v for k, v in self.sheets.items() if k != sheet})

    def with_sheet_first(self, sheet: str, rows: list[list[Any]]) -> Book:
        return replace(self, sheets={sheet: rows, **self.sheets})

    def with_formula(self, sheet: str, row: int, column: str, formula: str) -> Book:
        """Data record ``row`` (0-based) holding a formula that Excel never calculated (no saved value)."""
        return replace(self, formulas={**self.formulas, (sheet, row + 2, self.col(sheet, column) + 1): formula})

    def line_of(self, row: int) -> int:
        """The spreadsheet row of data record ``row`` (0-based): the header is row 1."""
        return row + 2

    def to_bytes(self) -> bytes:
        book = openpyxl.Workbook()
        book.remove(book.active)
        for name, rows in self.sheets.items():
            sheet = book.create_sheet(name)
            for r in rows:
                sheet.append(list(r))
        for (name, row, column), formula in self.formulas.items():
            book[name].cell(row=row, column=column, value=formula)
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()


def _read_book(parts: tuple[str, ...]) -> dict[str, list[list[Any]]]:
    book = openpyxl.load_workbook(realdata(*parts), read_only=True)
    try:
        return {name: [list(r) for r in book[name].iter_rows(values_only=True)] for name in book.sheetnames}
    finally:
        book.close()


_BOOKS: dict[tuple[str, ...], Book] = {}


def epcn_book(parts: tuple[str, ...] = EPCN_2023, *, pcns: int = 12) -> Book:
    """The real ePCN workbook cut to its first ``pcns`` North Central London PCNs and their memberships."""
    if parts not in _BOOKS:
        sheets = _read_book(parts)
        details, partners = sheets[PCN_SHEET], sheets[PARTNER_SHEET]
        parent = next(i for i, h in enumerate(details[0]) if "code" in str(h).lower() and i > 0)
        ncl = [r for r in details[1:] if str(r[parent]).strip() == NCL_SUB_ICB][:pcns]
        codes = {r[0] for r in ncl}
        pcn_col = next(i for i, h in enumerate(partners[0]) if " ".join(str(h).split()) == "PCN Code")
        members = [r for r in partners[1:] if r[pcn_col] in codes]
        _BOOKS[parts] = Book({PCN_SHEET: [details[0], *ncl], PARTNER_SHEET: [partners[0], *members]})
    return _BOOKS[parts]


# ------------------------------------------------------------------------------------------------ boundaries


def camden_lsoas() -> dict[str, Any]:
    """Camden's 133 LSOAs as published: a GeoJSON FeatureCollection in CRS84 (a fresh copy each call)."""
    return copy.deepcopy(_camden())


_CAMDEN: list[dict[str, Any]] = []


def _camden() -> dict[str, Any]:
    if not _CAMDEN:
        _CAMDEN.append(json.loads(realdata(*CAMDEN_LSOA).read_bytes()))
    return _CAMDEN[0]


def geojson(collection: dict[str, Any]) -> bytes:
    return json.dumps(collection).encode()


def _frame(collection: dict[str, Any] | None = None, crs: int | None = 4326):
    import geopandas as gpd

    frame = gpd.GeoDataFrame.from_features((collection or _camden())["features"], crs=4326)
    return frame.to_crs(crs) if crs and crs != 4326 else frame


def geopackage(layers: dict[str, tuple[dict[str, Any] | None, int | None]]) -> bytes:
    """A GeoPackage holding one layer per name: (collection, EPSG code the features are written in, or ``None``
    for a layer without a CRS); ``None`` as the collection means Camden's LSOAs."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "boundaries.gpkg"
        for name, (collection, epsg) in layers.items():  # epsg None: a layer that names no CRS
            frame = _frame(collection, epsg) if epsg else _frame(collection).set_crs(None, allow_override=True)
            frame.to_file(path, layer=name, engine="pyogrio")
        return path.read_bytes()


def empty_geopackage() -> bytes:
    """A valid GeoPackage whose one layer was deleted: GDAL lists no layers."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "empty.gpkg"
        _frame().head(1).to_file(path, layer="lsoa", engine="pyogrio")
        with sqlite3.connect(path) as db:
            db.execute("DELETE FROM gpkg_geometry_columns")
            db.execute("DELETE FROM gpkg_contents")
            db.execute("DROP TABLE lsoa")
        return path.read_bytes()


def shapefile_zip(*, epsg: int = 27700, folder: str = "", drop: tuple[str, ...] = (), upper: bool = False,
                  extra: dict[str, bytes] | None = None, copies: int = 1) -> bytes:
    """Camden's real LSOAs as a zipped Shapefile in ``folder`` (EPSG ``epsg``), without the parts in ``drop``;
    ``upper`` writes the extensions in capitals (as some GIS exports do); ``copies`` puts that many Shapefiles in
    the zip; ``extra`` adds other members (a readme)."""
    frame = _frame(crs=epsg)
    buffer = io.BytesIO()
    with tempfile.TemporaryDirectory() as tmp, zipfile.ZipFile(buffer, "w") as book:
        for n in range(copies):
            stem = "camden" if n == 0 else f"camden_{n}"
            frame.to_file(Path(tmp) / f"{stem}.shp", engine="pyogrio")
            for part in sorted(Path(tmp).glob(f"{stem}.*")):
                if part.suffix.lower() in drop:
                    continue
                name = part.stem + (part.suffix.upper() if upper else part.suffix)
                book.write(part, f"{folder}{name}")
        for name, data in (extra or {}).items():
            book.writestr(name, data)
    return buffer.getvalue()


# ------------------------------------------------------------------------------------------------------- CQC

CQC_HEADER = [
    "Location ID", "Location Name", "Care home?", "Care homes beds", "Location Latest Overall Rating",
    "Publication Date", "Location HSCA start date", "Location Local Authority", "Location Postal Code",
    "Location Latitude", "Location Longitude", "Service type - Care home service with nursing",
    "Location Primary Inspection Category",
]
CQC_AUTHORITY = {"07M": "Barnet", "07R": "Camden"}
RATING_CYCLE = ("Good", "Outstanding", "Requires improvement", "Good", "Inadequate", "")


def cqc_directory(*, homes: int = 24, others: int = 4) -> Table:
    """A CQC directory of ``homes`` care homes and ``others`` other locations (not care homes) in Barnet and
    Camden, derived from the real NHS website GP sites of those boroughs (names, postcodes, coordinates)."""
    gp = Table.parse(realdata("nhsuk", "2019-05", "GP.csv").read_bytes())
    col = gp.col
    sites = [r for r in gp.rows if r[col("ParentODSCode")] in CQC_AUTHORITY and r[col("Latitude")]
             and r[col("Postcode")]][: homes + others]
    rows = []
    for n, r in enumerate(sites):
        code = r[col("OrganisationCode")]
        digest = int(hashlib.sha1(code.encode()).hexdigest(), 16)
        home = n < homes
        rating = RATING_CYCLE[n % len(RATING_CYCLE)]
        rows.append([
            f"1-{1_000_000_000 + digest % 999_999_999}", r[col("OrganisationName")].strip(), "Y" if home else "N",
            str(10 + digest % 80) if home else "0", rating, f"{1 + digest % 28:02d}/0{1 + digest % 9}/2023"
            if rating else "", f"{1 + digest % 28:02d}/0{1 + digest % 9}/2011",
            CQC_AUTHORITY[r[col("ParentODSCode")]], r[col("Postcode")].strip(), f"{float(r[col('Latitude')]):.6f}",
            f"{float(r[col('Longitude')]):.6f}", "Y" if home and digest % 3 == 0 else "",
            "Residential social care" if home else "GP Practices",
        ])
    return Table(list(CQC_HEADER), rows, newline="\r\n")


def cqc_workbook(table: Table, *, notes_first: bool = False) -> bytes:
    """The directory as an ``.xlsx`` (as CQC publishes it), with a notes sheet in front when ``notes_first``."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    if notes_first:
        book.create_sheet("Notes").append(["HSCA Active Locations: read the guidance before use"])
    sheet = book.create_sheet("HSCA_Active_Locations")
    for r in [table.header, *table.rows]:
        sheet.append(r)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
