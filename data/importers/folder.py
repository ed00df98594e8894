"""Load a whole folder (or zip) of published files: recognise each file by its content, order, import each one.

``detect`` looks inside a file, not at its name: the GeoJSON ``FeatureCollection`` / GeoPackage / zipped
Shapefile signatures, the ePCN workbook's sheet names, epraccur's 27 quoted headerless fields, and otherwise the
header row (``HEADER_RULES``: the normalised headers a source's file must carry). The file name only breaks a tie
that content cannot (a plans template and an observations template with only a value column look alike).
``plan`` orders the recognised files by ``SOURCE_ORDER`` (registers before the facts that are checked against
them; within a source, by the date in the name, so monthly files load oldest first). ``load_files`` runs each
through ``run_import`` (one transaction per file, idempotent), and the ``FolderReport`` says what was loaded,
unchanged, skipped and why. When no areas template defined a system, the footprint is derived from the published
files once its inputs (``FOOTPRINT_INPUTS``: epraccur, ePCN, NHS website GP, borough boundaries) have loaded and
before the facts that roll up along it (``data/importers/derived_footprint.py``); indicative PCN areas are derived
last.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session

from data.importers import SOURCES
from data.importers.boundaries import catchments_derivable, run_indicative_catchments
from data.importers.common import ImportReport, decode_text, normalise_header, run_import, sniff_delimiter
from data.importers.derived_footprint import derivable, run_derived_footprint
from data.importers.links import StateNote

HEAD_BYTES = 65_536
SKIP_NAMES = ("readme", ".ds_store", "thumbs.db")
SOURCE_ORDER = (
    "areas", "register", "kpi_definitions", "kpi_targets",
    "epraccur", "epcn", "nhsuk_gp", "nhsuk_trust", "boundaries",
    "providers", "successors", "neighbourhoods", "pcn_catchments", "imd2019", "cqc",
    "kpi_plans", "kpi_observations", "fingertips", "qof_prevalence", "qof_indicators", "qof_achievement",
    "gp_list_size", "ae_attendances",
    "finance", "activity", "milestones", "risks", "risk_reviews",
)
# source -> header sets; a file matches a source when its headers contain every name of one of the sets
HEADER_RULES: dict[str, tuple[frozenset[str], ...]] = {
    name: tuple(frozenset(s) for s in sets)
    for name, sets in {
        "fingertips": [{"indicator id", "area code", "area type", "time period", "value"}],
        "qof_prevalence": [{"practice code", "group code", "register"}],
        "qof_indicators": [{"indicator code", "group code", "group description"}],
        "qof_achievement": [{"practice code", "indicator code", "measure", "value"},
                            {"practice code", "indicator code", "numerator", "denominator"}],
        "gp_list_size": [{"extract date", "number of patients"}, {"extract date", "list size", "code"}],
        "ae_attendances": [{"period", "org code", "attendances", "breaches"}],
        "imd2019": [{"lsoa code 2011", "local authority district code 2019"}],
        "cqc": [{"location id", "care home"}],
        "pcn_catchments": [{"lsoa code", "pcn code"}, {"lsoa11cd", "pcn code"}, {"ward code", "pcn code"}],
        "areas": [{"level", "code", "name", "parent code"}],
        "providers": [{"provider code", "system code"}],
        "successors": [{"level", "predecessor code", "successor code"}],
        "neighbourhoods": [{"neighbourhood code", "member level", "member code"}],
        "register": [{"workstream code", "initiative code", "initiative name"}],
        "kpi_definitions": [{"kpi code", "initiative code", "value type", "polarity"}],
        "kpi_targets": [{"kpi code", "target value"}, {"kpi code", "validation date"}],
        "kpi_observations": [{"kpi code", "area level", "area code", "period"}],
        "finance": [{"initiative code", "financial year", "scenario", "investment"}],
        "activity": [{"initiative code", "financial year", "point of delivery"}],
        "milestones": [{"initiative code", "milestone code", "planned date"}],
        "risks": [{"risk code", "title", "likelihood", "impact"}],
        "risk_reviews": [{"risk code", "review date", "likelihood"}],
    }.items()
}
NHSUK_TYPES = {"gp": "nhsuk_gp", "trust": "nhsuk_trust"}
FOOTPRINT_INPUTS = frozenset(SOURCE_ORDER[: SOURCE_ORDER.index("boundaries") + 1])


@dataclass(frozen=True)
class FileItem:
    """One file to consider: its path inside the folder or zip (for the report) and its bytes."""

    path: str
    data: bytes


@dataclass(frozen=True)
class Detected:
    """What a file was recognised as (``source`` None when skipped) and why."""

    path: str
    source: str | None
    reason: str


@dataclass(frozen=True)
class FolderReport:
    """The plan (every file with its source or the reason it was skipped) and one import report per loaded file."""

    detected: list[Detected]
    reports: list[ImportReport] = field(default_factory=list)
    derived: list[ImportReport] = field(default_factory=list)  # steps run on what the files loaded (catchments)

    @property
    def ok(self) -> bool:
        """True when every recognised file loaded, was unchanged, or (dry run) would load."""
        return all(r.ok for r in [*self.reports, *self.derived])

    def counts(self) -> dict[str, dict[str, int]]:
        """Per source: how many files ended in each status (loaded, unchanged, rejected, failed, validated)."""
        out: dict[str, dict[str, int]] = {}
        for r in self.reports:
            out.setdefault(r.source, {}).setdefault(r.status, 0)
            out[r.source][r.status] += 1
        return out

    def text(self) -> str:
        """A plain-text summary: each file's outcome, then the skipped files and why."""
        lines: list[str] = []
        said: set[str] = set()  # notes on the register's state (links.StateNote) are said once, where they arise

        def notes(report: ImportReport, limit: int) -> list[str]:
            fresh = [n for n in report.notes if not (isinstance(n, StateNote) and n in said)]
            said.update(n for n in fresh if isinstance(n, StateNote))
            return [f"{'':9} note: {n}" for n in fresh[:limit]]

        for d, r in zip([d for d in self.detected if d.source], self.reports, strict=False):
            written = ", ".join(f"{t} {n:,}" for t, n in r.written.items())
            lines.append(f"{r.status.upper():9} {d.source:16} {d.path}" + (f": {written}" if written else ""))
            lines += notes(r, 6)
            lines += [f"{'':9} {p}" for p in r.errors[:10]]
        for r in self.derived:
            written = ", ".join(f"{t} {n:,}" for t, n in r.written.items())
            lines.append(f"{r.status.upper():9} {r.source:16} {r.file_name}" + (f": {written}" if written else ""))
            lines += notes(r, 12)
            lines += [f"{'':9} {p}" for p in r.errors[:10]]
        skipped = [d for d in self.detected if not d.source]
        lines += [f"{'SKIPPED':9} {'':16} {d.path}: {d.reason}" for d in skipped]
        totals = {s: sum(1 for r in self.reports if r.status == s) for s in
                  ("loaded", "unchanged", "validated", "rejected", "failed")}
        lines.append(", ".join(f"{n} {s}" for s, n in totals.items() if n) + f", {len(skipped)} skipped")
        return "\n".join(lines)


def _header_cells(data: bytes) -> list[list[str]]:
    """The first rows of a delimited text file (from its first 64 KB), as cells."""
    head = data[:HEAD_BYTES]
    if len(data) > HEAD_BYTES and b"\n" in head:
        head = head[: head.rindex(b"\n")]
    text = decode_text(head)
    first = text.split("\n", 1)[0]
    reader = csv.reader(io.StringIO(text), delimiter=sniff_delimiter(first))
    rows = []
    for row in reader:
        rows.append(row)
        if len(rows) >= 15:
            break
    return rows


def _match_headers(headers: set[str]) -> list[str]:
    return [name for name, sets in HEADER_RULES.items() if any(s <= headers for s in sets)]


def _detect_table(rows: list[list[str]], name: str) -> tuple[str | None, str]:
    """Source of a table from its header row (the first of the top rows that matches a rule)."""
    for row in rows:
        headers = {normalise_header(c) for c in row}
        if "organisationcode" in headers and "organisationtype" in headers:
            at = [normalise_header(c) for c in row].index("organisationtype")
            body = rows[rows.index(row) + 1 : rows.index(row) + 2]
            kind = normalise_header(body[0][at]) if body and len(body[0]) > at else ""
            source = NHSUK_TYPES.get(kind)
            return (source, f"NHS website organisation file of type {kind or '?'}") if source else (
                None, f"NHS website organisation file of type '{kind}': no importer for it")
        found = _match_headers(headers)
        if "kpi_observations" in found and "numerator" not in headers and "plan" in name.lower():
            found = ["kpi_plans"]
        if found:
            return found[0], "header: " + ", ".join(sorted(headers & set().union(*HEADER_RULES[found[0]])))
    headers = sorted({normalise_header(c) for c in rows[0]}) if rows else []
    return None, "not a supported published file (headers: " + ", ".join(h for h in headers[:8] if h) + ")"


def detect(path: str, data: bytes) -> tuple[str | None, str]:
    """The source a file holds, judged from its content, and the reason (or why it is skipped)."""
    name = Path(path).name
    if not data.strip():
        return None, "empty file"
    start = data[:HEAD_BYTES].lstrip(b"\xef\xbb\xbf \r\n\t")
    if start.startswith(b"{") and b"FeatureCollection" in start:
        return "boundaries", "GeoJSON FeatureCollection"
    if data.startswith(b"SQLite format 3"):
        return "boundaries", "GeoPackage"
    if data.startswith(b"PK"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                members = [m.lower() for m in archive.namelist()]
        except zipfile.BadZipFile:
            return None, "looks like a zip or workbook but cannot be opened"
        if any(m.endswith(".shp") for m in members):
            return "boundaries", "zipped Shapefile"
        if any(m.startswith("xl/") for m in members):
            return _detect_workbook(data, name)
        return None, "a zip without a Shapefile (unpack it into the folder instead)"
    rows = _header_cells(data)
    if rows and len(rows[0]) == 27 and re.fullmatch(r"[A-Z0-9]{3,6}", rows[0][0] or "") and all(
        len(r) == 27 for r in rows[:5]
    ):
        return "epraccur", "27 headerless fields starting with an ODS code (ODS epraccur)"
    return _detect_table(rows, name)


def _detect_workbook(data: bytes, name: str) -> tuple[str | None, str]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # a damaged workbook: say so, never a traceback
        return None, f"a workbook that cannot be opened ({type(exc).__name__})"
    try:
        sheets = {normalise_header(s) for s in book.sheetnames}
        if {"pcndetails", "pcn core partner details"} <= sheets:
            return "epcn", "ODS ePCN workbook (PCNDetails and PCN Core Partner Details sheets)"
        sheet = book.worksheets[0]
        rows = [["" if v is None else str(v) for v in r] for r in sheet.iter_rows(max_row=15, values_only=True)]
    finally:
        book.close()
    return _detect_table(rows, name)


def _date_key(path: str) -> tuple[str, str]:
    """Sort key: the first date in the name (``2021-06``, ``2021``) so monthly files load oldest first."""
    match = re.search(r"(\d{4})[-_]?(\d{2})?(?!\d)", Path(path).name)
    return ((match[1] + (match[2] or "00")) if match else "", path)


def plan(items: Iterable[FileItem]) -> tuple[list[Detected], list[FileItem]]:
    """Detect every file and order the recognised ones; returns (all detections in load order, files to load)."""
    found = []
    for item in items:
        if Path(item.path).name.lower().startswith(SKIP_NAMES):
            found.append((Detected(item.path, None, "documentation, not data"), item))
            continue
        source, reason = detect(item.path, item.data)
        if source is not None and source not in SOURCES:
            source, reason = None, f"recognised as {source}, which this version cannot import"
        found.append((Detected(item.path, source, reason), item))
    rank = {s: i for i, s in enumerate(SOURCE_ORDER)}
    loadable = sorted((f for f in found if f[0].source), key=lambda f: (rank.get(f[0].source or "", len(rank)),
                                                                         _date_key(f[0].path)))
    skipped = sorted((f for f in found if not f[0].source), key=lambda f: f[0].path)
    return [d for d, _ in loadable + skipped], [i for _, i in loadable]


def read_folder(folder: Path) -> list[FileItem]:
    """Every file under ``folder`` (recursively, hidden files left out), with paths relative to it."""
    files = sorted(p for p in folder.rglob("*")
                   if p.is_file() and not any(x.startswith(".") for x in p.relative_to(folder).parts))
    return [FileItem(str(p.relative_to(folder)), p.read_bytes()) for p in files]


def read_zip(data: bytes) -> list[FileItem]:
    """Every file inside an uploaded zip of files (folders flattened into paths; zipped Shapefiles kept whole).

    Raises:
        ValueError: the bytes are not a readable zip.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise ValueError("the upload is not a readable zip file; zip the folder again") from exc
    with archive:
        names = [n for n in archive.namelist() if not n.endswith("/") and "__MACOSX" not in n]
        if any(n.lower().endswith(".shp") for n in names):  # a bare zipped Shapefile: one boundaries file
            return [FileItem("upload.zip", data)]
        return [FileItem(n, archive.read(n)) for n in names if not Path(n).name.startswith(".")]


def load_files(engine: Engine, items: Iterable[FileItem], *, dry_run: bool = False) -> FolderReport:
    """Import every recognised file in dependency order; a rejected file does not stop the others.

    With ``dry_run`` each file is only validated; files that depend on an earlier one may then report codes
    that the earlier file would have added.
    """
    detected, files = plan(items)
    pairs = list(zip([d for d in detected if d.source], files, strict=True))
    by_source = {s: [(d.path, i.data) for d, i in pairs if d.source == s] for s in ("epraccur", "epcn")}
    reports: list[ImportReport] = []
    derived: list[ImportReport] = []
    footprint_done = dry_run
    for d, item in pairs:
        if not footprint_done and d.source not in FOOTPRINT_INPUTS:
            derived += _derive_footprint(engine, by_source)
            footprint_done = True
        reports.append(run_import(engine, SOURCES[d.source or ""], item.data, item.path, dry_run=dry_run))
    if not footprint_done:
        derived += _derive_footprint(engine, by_source)
    if not dry_run and _needs_indicative_catchments(engine):
        derived.append(run_indicative_catchments(engine))
    return FolderReport(detected, reports, derived)


def _derive_footprint(engine: Engine, files: dict[str, list[tuple[str, bytes]]]) -> list[ImportReport]:
    """The footprint derived from the loaded files, when no system is defined yet (issue 16, item 4)."""
    with Session(engine) as session:
        if not derivable(session):
            return []
    return [run_derived_footprint(engine, files["epraccur"], files["epcn"])]


def _needs_indicative_catchments(engine: Engine) -> bool:
    """PCN areas can be derived from what the files loaded and none came from a file (issue 16, item 5)."""
    with Session(engine) as session:
        return catchments_derivable(session)


def load_folder(engine: Engine, folder: Path, *, dry_run: bool = False) -> FolderReport:
    """``load_files`` on every file under ``folder``."""
    return load_files(engine, read_folder(folder), dry_run=dry_run)
