"""Shared machinery for every importer: reading real files, naming columns, reporting problems, logging, upserting.

Every source module follows the same shape (``parse -> validate -> load``):

- ``parse(data, file_name, options) -> Parsed`` is pure: bytes in, a tidy frame and row-level problems out. It
  tolerates what published files do (UTF-8 with BOM or cp1252, CRLF, ``¬`` or ``;`` delimiters, thousands
  separators, quoted headers with commas or line breaks, ragged or blank trailing columns, Excel dates, extra or
  reordered columns, header rows below a title block).
- ``validate(session, frame, file_name, options) -> Parsed`` checks the frame against the database (codes that
  must exist) without writing.
- ``load(session, frame, import_id, options) -> dict[table, rows]`` writes with an upsert by natural key.

``run_import`` wraps the three in one transaction with the ``ImportLog`` bookkeeping: the same file (sha256)
already loaded is UNCHANGED and writes nothing; the same data in other bytes (BOM or not, CRLF or LF, columns or
rows reordered, cp1252 or UTF-8) goes through the load, whose upserts rewrite only rows whose values differ, and
is UNCHANGED too when no row changed ("no changes: N rows identical"); any error-level problem REJECTS the file
and writes nothing but the log entry; an unexpected exception rolls everything back and is logged as FAILED.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import json
import logging
import re
import uuid
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from typing import Any, Literal
from xml.etree import ElementTree

import numpy as np
import pandas as pd
from sqlalchemy import Integer, Table, bindparam, event, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel

from data.coverage import kpis_written_by, refresh_coverage
from data.db import session_scope
from data.importers.links import refresh_links
from data.rollups import FOOTPRINT_TABLES, kpis_touched, refresh_rollups
from models import (
    BENCHMARK_CODES,
    AreaLevel,
    Borough,
    Boundary,
    CareHome,
    HealthSystem,
    ImportLog,
    ImportStatus,
    Neighbourhood,
    Pcn,
    Practice,
    Provider,
)

log = logging.getLogger(__name__)

Severity = Literal["error", "warning"]
UPSERT_CHUNK = 5_000  # rows per statement: well under PostgreSQL's 65,535 bind parameters for our widest tables
MAX_LOGGED_PROBLEMS = 1_000  # the import log keeps the first problems (and the total), not millions
EXCEL_EXTENSIONS = (".xlsx", ".xlsm", ".xls", ".ods")
DELIMITERS = (",", "\t", ";", "|", "¬")


# ------------------------------------------------------------------------------------------------ problems


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input, located as precisely as the file allows, with what to do about it.

    ``row`` is the row number a person sees when opening the file in a spreadsheet (the header is row 1 when the
    file has one); ``None`` for a file-level problem. ``severity="warning"`` rows are skipped or accepted with a
    note and never block a load; any ``"error"`` rejects the whole file.
    """

    file: str
    row: int | None
    column: str | None
    value: str | None
    message: str
    severity: Severity = "error"
    line: int | None = None  # the file's own line number, where it differs from the row or there is no row

    def __str__(self) -> str:
        where = self.file + (f", row {self.row}" if self.row is not None else "")
        where += f", line {self.line}" if self.line is not None else ""
        where += f", column '{self.column}'" if self.column else ""
        shown = f" (value {self.value!r})" if self.value not in (None, "") else ""
        return f"{self.severity.upper()} {where}{shown}: {self.message}"


class DataImportError(Exception):
    """A file cannot be imported as it stands; ``problems`` says where and what to do (never ``ImportError``)."""

    def __init__(self, problems: Sequence[Problem] | Problem) -> None:
        self.problems: list[Problem] = [problems] if isinstance(problems, Problem) else list(problems)
        errors = [p for p in self.problems if p.severity == "error"] or self.problems
        head = str(errors[0]) if errors else "the file could not be imported"
        more = f" (and {len(errors) - 1} more problems)" if len(errors) > 1 else ""
        super().__init__(head + more)


def problems_where(
    mask: pd.Series | np.ndarray,
    frame: pd.DataFrame,
    *,
    file: str,
    column: str | None,
    message: str | Callable[[Any], str],
    values: pd.Series | None = None,
    severity: Severity = "error",
) -> list[Problem]:
    """Problems for the rows of ``frame`` where ``mask`` is true (vectorised check, loop only over failures).

    ``frame`` must carry the ``_row`` column added by :func:`read_table`; ``values`` defaults to ``frame[column]``.
    ``message`` may be a callable of the offending value, to say something specific.
    """
    if isinstance(mask, pd.Series):
        mask = mask.astype("boolean").fillna(False).to_numpy(dtype=bool)
    mask = np.asarray(mask, dtype=bool)
    if not mask.any():
        return []
    rows = frame["_row"].to_numpy()[mask]
    source = values if values is not None else (frame[column] if column in frame.columns else None)
    shown = source.to_numpy()[mask] if source is not None else [None] * int(mask.sum())
    out = []
    for row, value in zip(rows, shown, strict=True):
        text = None if value is None or (isinstance(value, float) and np.isnan(value)) else str(value)
        msg = message(value) if callable(message) else message
        out.append(Problem(file, int(row), column, text, msg, severity))
    return out


def errors_in(problems: Iterable[Problem]) -> list[Problem]:
    """Only the error-level problems (those that reject a file)."""
    return [p for p in problems if p.severity == "error"]


# ------------------------------------------------------------------------------------------------- reading


def sha256_of(data: bytes) -> str:
    """Hex sha256 of the file's bytes: the import log's identity for "the same file again"."""
    return hashlib.sha256(data).hexdigest()


UTF8_MULTIBYTE = re.compile(rb"[\xC2-\xDF][\x80-\xBF]|[\xE0-\xEF][\x80-\xBF]{2}|[\xF0-\xF4][\x80-\xBF]{3}")
SAVE_AS_UTF8 = "save it again as CSV UTF-8 (in Excel: Save As > CSV UTF-8) and import that file"


def line_at(data: bytes, offset: int) -> int:
    """The 1-based line of the file that holds byte ``offset``."""
    return data.count(b"\n", 0, offset) + 1


def _encoding_problem(data: bytes, file_name: str, offset: int, message: str) -> DataImportError:
    value = f"0x{data[offset]:02X}" if offset < len(data) else None
    return DataImportError(Problem(file_name, None, None, value, message, line=line_at(data, offset)))


def decode_text(data: bytes, file_name: str = "") -> str:
    """Bytes to text: UTF-8 (with or without BOM), else Windows-1252 (NHS website files); nothing else.

    There is no Latin-1 fallback, so a file is never "decoded" into the wrong characters silently. Refused, with
    the byte's offset and line: a byte that neither encoding defines; a file that is UTF-8 in one place and not
    in another (a UTF-8 BOM or UTF-8 characters elsewhere in it, so Windows-1252 would garble them); NUL bytes
    (UTF-16 "Unicode text" or a binary file).

    Raises:
        DataImportError: the bytes are not UTF-8 or Windows-1252 text.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise _encoding_problem(data, file_name, 0, "the file is UTF-16 (Excel's 'Unicode text'), not UTF-8 or "
                                f"Windows-1252; {SAVE_AS_UTF8}")
    nul = data.find(b"\x00")
    if nul >= 0:
        raise _encoding_problem(data, file_name, nul, f"a NUL byte at offset {nul:,}: this is a binary file (or "
                                f"UTF-16), not a text table; choose the CSV export, or {SAVE_AS_UTF8}")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as not_utf8:
        bad = not_utf8.start + (3 if data.startswith(b"\xef\xbb\xbf") else 0)  # utf-8-sig counts after the BOM
        if data.startswith(b"\xef\xbb\xbf") or UTF8_MULTIBYTE.search(data):
            raise _encoding_problem(
                data, file_name, bad, f"the file is UTF-8 but byte 0x{data[bad]:02X} at offset {bad:,} is not valid "
                f"UTF-8 (the file is damaged there, or mixes two encodings); fix that line, or {SAVE_AS_UTF8}"
            ) from None
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError as neither:
            bad = neither.start
            raise _encoding_problem(
                data, file_name, bad, f"byte 0x{data[bad]:02X} at offset {bad:,} is not a character in UTF-8 or "
                f"Windows-1252, the encodings published files use; the file is damaged or in another encoding: "
                f"{SAVE_AS_UTF8}"
            ) from None


def sniff_delimiter(first_line: str) -> str:
    """The delimiter of a delimited text file, judged from its first line (outside quotes)."""
    unquoted = re.sub(r'"[^"]*"', "", first_line)
    counts = {d: unquoted.count(d) for d in DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","


def normalise_header(name: object) -> str:
    """A header cell as lower-case words: ``'Partner\\nOrganisation\\nCode '`` -> ``'partner organisation code'``."""
    text = "" if name is None or (isinstance(name, float) and np.isnan(name)) else str(name)
    return re.sub(r"[^a-z0-9]+", " ", text.replace("\ufeff", "").lower()).strip()


def _rows_to_frame(rows: list[list[str]], *, header: bool, names: Sequence[str] | None) -> pd.DataFrame:
    """Records to a frame of strings; ragged rows padded, blank trailing fields beyond the header trimmed."""
    if header:
        if not rows:
            return pd.DataFrame()
        columns, body = [str(c) for c in rows[0]], rows[1:]
    else:
        width = max((len(r) for r in rows), default=0)
        columns = list(names or [])
        columns += [f"column_{i + 1}" for i in range(len(columns), width)]
        body = rows
    width = len(columns)
    fixed = []
    for r in body:
        if len(r) > width and not any(v.strip() for v in r[width:]):
            r = r[:width]
        fixed.append(r + [""] * (width - len(r)) if len(r) < width else r)
    overlong = [i for i, r in enumerate(fixed) if len(r) > width]
    if overlong:
        first = overlong[0] + (2 if header else 1)
        raise DataImportError(
            Problem("", first, None, None, f"this row has {len(fixed[overlong[0]])} fields but the header has "
                    f"{width}; check for an unquoted delimiter in a value, or add the missing header cells")
        )
    return pd.DataFrame(fixed, columns=columns, dtype=object)


def _read_delimited(text: str, file_name: str) -> tuple[list[list[str]], list[int]]:
    """Records of a delimited text file and the file line each record starts on.

    Refuses an unterminated quote (a record that runs to the end of the file, as a truncated download leaves it):
    Python's tolerant reader would otherwise swallow the rest of the file into one field.
    """
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sniff_delimiter(text.split("\n", 1)[0]))
    rows: list[list[str]] = []
    lines: list[int] = []
    start = 1
    try:
        for row in reader:
            rows.append(row)
            lines.append(start)
            start = reader.line_num + 1
    except csv.Error as exc:
        raise DataImportError(Problem(file_name, None, None, None, f"cannot read this line as delimited text ({exc}); "
                                      "check the quoting on it", line=start)) from None
    if text.count('"') % 2 and lines:
        try:
            for _ in csv.reader(io.StringIO(text, newline=""), delimiter=reader.dialect.delimiter, strict=True):
                pass
        except csv.Error as exc:
            if "unexpected end of data" in str(exc):
                raise DataImportError(Problem(
                    file_name, len(rows), None, None, "a quoted value opened on this line is never closed, so the "
                    "file ends inside it: the file is truncated or a quote is missing; download it again",
                    line=lines[-1])) from None
    return rows, lines


def _truncated_last_record(rows: list[list[str]], lines: list[int], *, header: bool, skipped: int,
                           file_name: str) -> None:
    """Refuse a last record with fewer fields than every record before it (a file cut off mid-record)."""
    body = rows[1:] if header else rows
    if len(body) < 2:
        return
    shortest_before = min(len(r) for r in body[:-1])
    if len(body[-1]) < shortest_before:
        raise DataImportError(Problem(
            file_name, len(rows) + skipped, None, None, f"the last record has {len(body[-1])} fields where every "
            f"record before it has at least {shortest_before}: the file looks cut off (truncated); download or "
            "export it again",
            line=lines[len(rows) - 1] if lines else None))


def read_table(
    data: bytes,
    file_name: str,
    *,
    header: bool = True,
    names: Sequence[str] | None = None,
    sheet: str | int | None = None,
    header_hint: Sequence[str] = (),
) -> pd.DataFrame:
    """Read a CSV/TSV/XLSX/ODS file into a frame of stripped strings (``NA`` for blanks) with a ``_row`` column.

    Strings throughout, so codes keep their leading zeros and nothing is guessed; columns are converted by the
    source modules with :func:`to_number` and :func:`to_date`. ``header_hint`` lists normalised header names one
    expects: when given, the header row is the first of the top 15 rows holding two or more of them (files with a
    title block above the table). ``_row`` is the row number as seen in a spreadsheet.

    Raises:
        DataImportError: the file is empty, holds a header but no data rows, is truncated (a last record with fewer
            fields, an unterminated quote), is not UTF-8/Windows-1252 text, is a damaged workbook, has formula
            cells without saved values, is not a table, or an Excel sheet is missing.
    """
    lower = file_name.lower()
    lines: list[int] = []
    try:
        if lower.endswith(EXCEL_EXTENSIONS):
            raw = _read_excel(data, file_name, sheet=sheet, header_hint=header_hint if header else ())
            rows = [["" if _blank(v) else _cell_text(v) for v in r] for r in raw.itertuples(index=False)]
        else:
            text = decode_text(data, file_name)
            if not text.strip():
                raise DataImportError(Problem(file_name, None, None, None, "the file is empty; choose the export file"))
            rows, lines = _read_delimited(text, file_name)
    except DataImportError as exc:
        raise DataImportError([_with_file(p, file_name) for p in exc.problems]) from None
    except (ValueError, KeyError, OSError, csv.Error) as exc:
        raise DataImportError(
            Problem(file_name, None, None, None, f"could not read the file as a table ({exc}); save it as CSV "
                    "(UTF-8) or XLSX and try again")
        ) from None
    skipped = 0
    if header and header_hint:
        wanted = set(header_hint)
        for i, r in enumerate(rows[:15]):
            if sum(normalise_header(v) in wanted for v in r) >= 2:
                skipped = i
                break
        rows, lines = rows[skipped:], lines[skipped:]
    while rows and not any(str(v).strip() for v in rows[-1]):
        rows.pop()  # blank trailing lines
    if lines:
        _truncated_last_record(rows, lines, header=header, skipped=skipped, file_name=file_name)
    try:
        frame = _rows_to_frame(rows, header=header, names=names)
    except DataImportError as exc:
        p = exc.problems[0]
        line = lines[p.row - 1] if lines and p.row and p.row <= len(lines) else None
        raise DataImportError(Problem(file_name, (p.row or 0) + skipped, None, None, p.message, line=line)) from None
    keep = [c for c in frame.columns if normalise_header(c) and not normalise_header(c).startswith("unnamed ")]
    frame = frame.loc[:, ~frame.columns.duplicated()][list(dict.fromkeys(keep))]
    frame = frame.apply(lambda s: s.str.strip()).replace("", pd.NA) if len(frame) else frame
    blank = frame.isna().all(axis=1) if len(frame.columns) else pd.Series(False, index=frame.index)
    if not len(frame) or bool(blank.all()):
        what = "a header row but no data rows" if header and rows else "no data rows"
        where = f"sheet '{sheet}' of the workbook" if isinstance(sheet, str) and lower.endswith(
            EXCEL_EXTENSIONS) else "the file"  # a workbook of several sheets: say which one is empty
        raise DataImportError(Problem(file_name, None, None, sheet if where != "the file" else None,
                                      f"{where} has {what}; export it again with its data, or choose the right file"))
    frame.insert(0, "_row", np.arange(len(frame)) + (2 if header else 1) + skipped)
    out = frame.loc[~blank].reset_index(drop=True)
    # the file line of each row where the two differ (a quoted value with a line break moves the lines on)
    start = 1 if header else 0
    out.attrs["lines"] = {int(r): int(lines[i + start]) for i, r in enumerate(frame["_row"])
                          if i + start < len(lines) and lines[i + start] != r} if lines else {}
    return out


def _blank(v: object) -> bool:
    return v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NaT


def _cell_text(v: object) -> str:
    """An Excel cell as text: dates as ISO, whole floats without ``.0`` (so codes and counts read back cleanly)."""
    if isinstance(v, datetime | pd.Timestamp):
        return v.date().isoformat() if v == pd.Timestamp(v).normalize() else pd.Timestamp(v).isoformat()
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _sheet_parts(book: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> worksheet XML member of an .xlsx (from workbook.xml and its relationships)."""
    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
          "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
          "p": "http://schemas.openxmlformats.org/package/2006/relationships"}
    rels = ElementTree.fromstring(book.read("xl/_rels/workbook.xml.rels"))
    targets = {r.get("Id"): r.get("Target", "") for r in rels.findall("p:Relationship", ns)}
    workbook = ElementTree.fromstring(book.read("xl/workbook.xml"))
    parts = {}
    for sheet in workbook.findall("m:sheets/m:sheet", ns):
        target = targets.get(sheet.get(f"{{{ns['r']}}}id"), "")
        parts[sheet.get("name", "")] = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    return parts


def formula_cells_without_values(data: bytes, sheet_name: str) -> list[str]:
    """Cells of an .xlsx sheet that hold a formula but no saved result (written by a program, never recalculated).

    pandas/openpyxl read such a cell as blank, which would silently lose the value; the file must be opened and
    saved in a spreadsheet (or the values pasted) first.
    """
    main = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        member = _sheet_parts(book).get(sheet_name)
        if member is None or member not in book.namelist():
            return []
        xml = book.read(member)
    if b"<f" not in xml:
        return []
    missing = []
    for cell in ElementTree.fromstring(xml).iter(f"{main}c"):
        if cell.find(f"{main}f") is not None:
            value = cell.find(f"{main}v")
            if (value is None or not (value.text or "").strip()) and cell.get("t") != "inlineStr":
                missing.append(cell.get("r", "?"))
    return missing


def _column_index(ref: str) -> int:
    letters = re.match(r"[A-Z]+", ref)
    index = 0
    for ch in letters[0] if letters else "A":
        index = index * 26 + ord(ch) - 64
    return index - 1


def _sheet_with_header(book: pd.ExcelFile, hint: Sequence[str]) -> int:
    """The first sheet whose top 15 rows hold two or more of the expected headers (a notes or cover sheet in front
    of the data is passed over); the first sheet when none does."""
    wanted = set(hint)
    for i, name in enumerate(book.sheet_names):
        top = pd.read_excel(book, sheet_name=name, header=None, dtype=object, nrows=15)
        if any(sum(normalise_header(v) in wanted for v in r if not _blank(v)) >= 2
               for r in top.itertuples(index=False)):
            return i
    return 0


def _read_excel(data: bytes, file_name: str, *, sheet: str | int | None, header_hint: Sequence[str] = ()
                ) -> pd.DataFrame:
    engine = "odf" if file_name.lower().endswith(".ods") else None
    try:
        book = pd.ExcelFile(io.BytesIO(data), engine=engine)
    except zipfile.BadZipFile:
        raise DataImportError(Problem(file_name, None, None, None, "the workbook is damaged: its zip container cannot "
                                      "be opened (a broken or partial download, or not really an .xlsx/.ods); "
                                      "download it again or save it from the spreadsheet")) from None
    except Exception as exc:  # openpyxl/odfpy raise their own types for files that are not workbooks
        raise DataImportError(Problem(file_name, None, None, None, f"this is not a workbook that can be read "
                                      f"({type(exc).__name__}); save it again as .xlsx or CSV")) from None
    names = book.sheet_names
    if sheet is None:
        chosen: str | int = _sheet_with_header(book, header_hint) if header_hint and len(names) > 1 else 0
    elif isinstance(sheet, int):
        chosen = sheet
    else:
        matches = [n for n in names if normalise_header(n) == normalise_header(sheet)]
        if not matches:
            raise DataImportError(
                Problem(file_name, None, None, sheet, f"the workbook has no sheet '{sheet}' (sheets: "
                        f"{', '.join(map(str, names))}); choose the published workbook, or rename the sheet")
            )
        chosen = matches[0]
    frame = pd.read_excel(book, sheet_name=chosen, header=None, dtype=object)
    if file_name.lower().endswith((".xlsx", ".xlsm")):
        sheet_name = names[chosen] if isinstance(chosen, int) else chosen
        missing = formula_cells_without_values(data, str(sheet_name))
        if missing:
            header = [str(v) for v in frame.iloc[0]] if len(frame) else []
            raise DataImportError([
                Problem(file_name, int(re.sub(r"[A-Z]+", "", ref) or 0) or None,
                        header[_column_index(ref)] if _column_index(ref) < len(header) else ref, ref,
                        f"cell {ref} of sheet '{sheet_name}' holds a formula with no saved result, so its value "
                        "cannot be read; open the workbook in a spreadsheet and save it (or paste values), then "
                        "import it again")
                for ref in missing[:MAX_LOGGED_PROBLEMS]
            ])
    return frame


def _with_file(p: Problem, file_name: str) -> Problem:
    return Problem(file_name, p.row, p.column, p.value, p.message, p.severity, p.line)


# ----------------------------------------------------------------------------------------- column matching


@dataclass(frozen=True)
class Column:
    """An expected column: canonical name, accepted header aliases (any case, spacing, punctuation), required?"""

    name: str
    aliases: tuple[str, ...] = ()
    required: bool = True

    def accepts(self) -> list[str]:
        """Normalised headers that name this column."""
        return [normalise_header(a) for a in (self.name, *self.aliases)]


def match_columns(
    frame: pd.DataFrame, columns: Sequence[Column], *, file: str, report_unknown: bool = True
) -> tuple[pd.DataFrame, list[Problem]]:
    """Rename a frame's headers to canonical names by alias, tolerant of case, spacing and line breaks.

    Returns the frame with only the known columns (plus ``_row``) and problems: an error for each required column
    that is missing (naming what was found), and one warning listing unknown columns (they are ignored).
    """
    by_alias: dict[str, str] = {}
    for col in columns:
        for alias in col.accepts():
            by_alias.setdefault(alias, col.name)
    rename: dict[str, str] = {}
    unknown: list[str] = []
    for header in frame.columns:
        if header == "_row":
            continue
        canonical = by_alias.get(normalise_header(header))
        if canonical and canonical not in rename.values():
            rename[header] = canonical
        else:
            unknown.append(str(header).replace("\n", " "))
    problems = []
    found = ", ".join(repr(str(h).replace("\n", " ")) for h in frame.columns if h != "_row")
    for col in columns:
        if col.required and col.name not in rename.values():
            also = f" (also accepted: {', '.join(repr(a) for a in col.aliases)})" if col.aliases else ""
            problems.append(Problem(file, 1, col.name, None, f"required column '{col.name}'{also} is missing; "
                                    f"the file's columns are: {found}. Rename the header or choose the right file"))
    if unknown and report_unknown:
        problems.append(Problem(file, 1, None, None, "ignored unknown columns: " + ", ".join(unknown), "warning"))
    out = frame.rename(columns=rename)[["_row", *rename.values()]]
    for col in columns:
        if col.name not in out.columns:
            out[col.name] = pd.NA
    return out, problems


def require(problems: list[Problem]) -> None:
    """Raise ``DataImportError`` when ``problems`` hold an error (used where later steps cannot run without it)."""
    if errors_in(problems):
        raise DataImportError(problems)


# ------------------------------------------------------------------------------------------ value parsing


def to_number(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Text to float, tolerant of thousands separators, spaces, ``%`` and scientific notation.

    Returns (numbers, invalid): ``invalid`` marks non-blank cells that are not numbers (blanks are NA, not invalid).
    """
    text = values.astype("string").str.replace(r"[,\s%£]", "", regex=True)
    numbers = pd.to_numeric(text, errors="coerce").astype("Float64")
    invalid = text.notna() & (text != "") & numbers.isna()
    return numbers, invalid.fillna(False).astype(bool)


_MONTHS = {m: i for i, m in enumerate(["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct",
                                        "nov", "dec"], start=1)}
_DATE_FORMATS = ("%Y%m%d", "%Y-%m-%d", "%d/%m/%Y", "%d%b%Y", "%d-%b-%y", "%d-%b-%Y", "%d %b %Y", "%d/%m/%y",
                 "%Y/%m/%d", "%d.%m.%Y")


def to_date(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Text to ``datetime.date`` in any of the formats NHS files use, or an Excel serial day number.

    Formats: YYYYMMDD (ODS), ISO, dd/mm/yyyy, ``01May2022`` (NHS Digital), ``01-Apr-21``, and ISO date-times as
    written by Excel. Day-first is assumed for slashed dates (UK). Returns (dates as object series, invalid).
    """
    text = values.astype("string").str.strip()
    text = text.str.replace(r"[T ]00:00:00(\.0+)?$", "", regex=True)
    result = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
    remaining = (text.notna() & (text != "")).fillna(False).astype(bool)
    for fmt in _DATE_FORMATS:
        if not remaining.any():
            break
        parsed = pd.to_datetime(text.where(remaining), format=fmt, errors="coerce")
        hit = parsed.notna().to_numpy(dtype=bool) & remaining
        result = result.where(~hit, parsed)
        remaining &= ~hit
    if remaining.any():  # Excel serial day numbers (1900 date system), e.g. 45017 = 2023-04-01
        serial = pd.to_numeric(text.where(remaining), errors="coerce")
        ok = serial.between(20_000, 80_000).fillna(False).astype(bool) & remaining
        parsed = pd.Timestamp("1899-12-30") + pd.to_timedelta(serial.where(ok), unit="D")
        result = result.where(~ok, parsed)
        remaining &= ~ok
    dates = pd.Series([t.date() if not pd.isna(t) else None for t in result], index=values.index, dtype=object)
    return dates, remaining


_FY = r"(\d{4})\s*/\s*(\d{2}|\d{4})"


def _fy_start(year: str) -> date:
    return date(int(year), 4, 1)


def _end_of_month(year: int, month: int) -> date:
    return (pd.Timestamp(year, month, 1) + pd.offsets.MonthEnd(0)).date()


def parse_period(text: object) -> tuple[date, date] | None:
    """One period label to (start, end) dates, or ``None`` when it is not a period this dashboard understands.

    Accepts what NHS and OHID files write: ``2023`` (calendar year), ``2023/24`` (financial year), ``2016 - 18``
    (three calendar years), ``2017/18 - 19/20`` (financial years), ``2023 Q1`` (calendar quarter), ``2023/24 Q1``
    (financial quarter, Q1 = April-June), ``2023-04`` / ``Apr 2023`` / ``April 2023`` (month), and a date
    (``2023-04-01``, ``01/04/2023``) meaning the month that contains it.
    """
    if text is None or (isinstance(text, float) and np.isnan(text)) or pd.isna(text):
        return None
    if isinstance(text, date):
        return date(text.year, text.month, 1), _end_of_month(text.year, text.month)
    s = re.sub(r"\s+", " ", str(text).strip())
    if m := re.fullmatch(r"(\d{4})", s):
        y = int(m[1])
        return date(y, 1, 1), date(y, 12, 31)
    if m := re.fullmatch(_FY, s):
        return _fy_start(m[1]), date(int(m[1]) + 1, 3, 31)
    if (m := re.fullmatch(r"(\d{4})-(\d{2})", s)) and 1 <= int(m[2]) <= 12:
        return date(int(m[1]), int(m[2]), 1), _end_of_month(int(m[1]), int(m[2]))
    if m := re.fullmatch(r"(\d{4}) ?- ?(\d{2}|\d{4})", s):
        end = int(m[2]) if len(m[2]) == 4 else int(m[1][:2] + m[2])
        return (date(int(m[1]), 1, 1), date(end, 12, 31)) if end >= int(m[1]) else None
    if m := re.fullmatch(_FY + r" ?- ?(\d{2,4})\s*/\s*(\d{2,4})", s):
        last = int(m[3]) if len(m[3]) == 4 else int(m[1][:2] + m[3])
        return _fy_start(m[1]), date(last + 1, 3, 31)
    if m := re.fullmatch(r"(\d{4}) ?Q([1-4])", s, flags=re.IGNORECASE):
        y, q = int(m[1]), int(m[2])
        return date(y, 3 * q - 2, 1), _end_of_month(y, 3 * q)
    if m := re.fullmatch(_FY + r" ?Q([1-4])", s, flags=re.IGNORECASE):
        start = pd.Timestamp(int(m[1]), 4, 1) + pd.DateOffset(months=3 * (int(m[3]) - 1))
        end = start + pd.DateOffset(months=3) - pd.Timedelta(days=1)
        return start.date(), end.date()
    if m := re.fullmatch(r"(\d{4})-(\d{1,2})", s):
        y, mo = int(m[1]), int(m[2])
        return (date(y, mo, 1), _end_of_month(y, mo)) if 1 <= mo <= 12 else None
    if m := re.fullmatch(r"([A-Za-z]{3})[a-z]* (\d{4})", s):
        mo = _MONTHS.get(m[1].lower())
        return (date(int(m[2]), mo, 1), _end_of_month(int(m[2]), mo)) if mo else None
    dates, invalid = to_date(pd.Series([s]))
    if not invalid.iloc[0] and dates.iloc[0] is not None:
        d = dates.iloc[0]
        return date(d.year, d.month, 1), _end_of_month(d.year, d.month)
    return None


def to_period(values: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Period labels to (start, end, invalid); parses each distinct label once (files repeat a few labels)."""
    labels = values.astype(object)
    parsed = {v: parse_period(v) for v in pd.unique(labels.dropna())}
    start = labels.map(lambda v: parsed.get(v, (None, None))[0] if parsed.get(v) else None)
    end = labels.map(lambda v: parsed.get(v, (None, None))[1] if parsed.get(v) else None)
    invalid = labels.notna() & start.isna()
    return start.astype(object), end.astype(object), invalid.astype(bool)


def text_or_none(values: pd.Series) -> pd.Series:
    """Strings with NA as ``None`` (what the database drivers expect)."""
    return values.astype(object).where(values.notna(), None)


def clean_code(values: pd.Series) -> pd.Series:
    """Codes upper-cased with spaces removed (``' e09000003 '`` -> ``'E09000003'``); NA stays NA."""
    return values.astype("string").str.replace(r"\s+", "", regex=True).str.upper().astype(object).where(
        values.notna(), None
    )


# ------------------------------------------------------------------------------------------------- registers


AREA_REGISTERS: dict[AreaLevel, Any] = {
    AreaLevel.SYSTEM: HealthSystem.code,
    AreaLevel.BOROUGH: Borough.code,
    AreaLevel.PCN: Pcn.code,
    AreaLevel.PRACTICE: Practice.code,
    AreaLevel.CARE_HOME: CareHome.cqc_location_id,
    AreaLevel.PROVIDER: Provider.code,
    AreaLevel.NEIGHBOURHOOD: Neighbourhood.code,
}
REGISTER_HINT = {
    AreaLevel.SYSTEM: "add the system to the database first (it comes with the demo or the system set-up)",
    AreaLevel.BOROUGH: "use the ONS local authority code (E09...) of a borough in this dashboard",
    AreaLevel.PCN: "import the ePCN workbook first, or correct the PCN code (U + 5 digits)",
    AreaLevel.PRACTICE: "import epraccur first, or correct the ODS practice code",
    AreaLevel.CARE_HOME: "import the CQC care directory first, or correct the CQC location ID",
    AreaLevel.PROVIDER: "import the NHS website TRUST.csv, an A&E file or the providers template first",
    AreaLevel.LSOA: "import the LSOA boundaries first (Boundaries, level lsoa)",
    AreaLevel.MSOA: "import the MSOA boundaries first (Boundaries, level msoa)",
    AreaLevel.WARD: "import the ward boundaries first (Boundaries, level ward)",
    AreaLevel.NEIGHBOURHOOD: "import the neighbourhoods template first, or correct the neighbourhood code",
    AreaLevel.ENGLAND: "England's ONS code is E92000001",
    AreaLevel.REGION: "an ONS region code is E12 and 6 digits (E12000007 London)",
    AreaLevel.NHS_REGION: "an NHS region's ONS code is E40 and 6 digits (E40000003 London)",
}


def known_codes(session: Session, level: AreaLevel | str, codes: Iterable[str]) -> set[str]:
    """Which of ``codes`` exist in the register of ``level`` (tables for organisations, boundaries for areas).

    A benchmark level (England, regions) has no register: its codes are known when they have the level's
    published pattern (``models.BENCHMARK_CODES``).
    """
    level = AreaLevel(level)
    wanted = sorted({c for c in codes if c})
    if level in BENCHMARK_CODES:
        return {c for c in wanted if re.fullmatch(BENCHMARK_CODES[level], str(c))}
    found: set[str] = set()
    for start in range(0, len(wanted), 1_000):
        chunk = wanted[start : start + 1_000]
        if level in AREA_REGISTERS:
            column = AREA_REGISTERS[level]
            stmt = select(column).where(column.in_(chunk))
            if level is AreaLevel.SYSTEM:  # an ICB may be named by ODS or ONS code
                found |= set(session.execute(select(HealthSystem.ons_code).where(HealthSystem.ons_code.in_(chunk)))
                             .scalars())
        else:
            stmt = select(Boundary.code).where(Boundary.level == level.value, Boundary.code.in_(chunk)).distinct()
        found |= set(session.execute(stmt).scalars())
    return found


def id_map(session: Session, model: type[SQLModel], key: str = "code") -> dict[str, int]:
    """Natural key -> id for every row of ``model`` (registers are thousands of rows, not millions)."""
    column = getattr(model, key)
    return dict(session.execute(select(column, model.id)).all())  # type: ignore[attr-defined]


# -------------------------------------------------------------------------------------------------- upsert


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as dicts of plain Python values, NA/NaN as ``None`` (drivers do not adapt numpy scalars or NA)."""
    names = list(frame.columns)
    return [dict(zip(names, row, strict=True)) for row in zip(*(_plain_values(frame[c]) for c in names), strict=True)]


def _plain_values(s: pd.Series) -> list[Any]:
    """One column as plain Python values, NA/NaN as ``None``; the dtype is decided once per column (deciding it per
    value made this the slowest step of a large import)."""
    missing = s.isna().to_numpy(dtype=bool)
    if pd.api.types.is_integer_dtype(s):
        return [None if m else int(v) for v, m in zip(s.tolist(), missing, strict=True)]
    if pd.api.types.is_float_dtype(s):
        return [None if m else float(v) for v, m in zip(s.to_numpy(dtype=float, na_value=np.nan).tolist(), missing,
                                                        strict=True)]
    if pd.api.types.is_string_dtype(s) and not pd.api.types.is_object_dtype(s):  # Arrow/NumPy-backed strings
        return [None if m else v for v, m in zip(s.astype(object).tolist(), missing, strict=True)]
    return [None if m else _plain(v) for v, m in zip(s.to_numpy(dtype=object), missing, strict=True)]


def _plain(v: object) -> object:
    if isinstance(v, np.generic):
        return v.item()
    if isinstance(v, pd.Timestamp):
        return v.to_pydatetime()
    return v


PROVENANCE_COLUMNS = ("import_id",)  # which import wrote a row: not part of its data, so never a "change"


class ChangeCounter:
    """Rows an import's statements actually inserted, updated or deleted (the DBAPI's ``rowcount`` per statement).

    ``run_import`` attaches one to the import's connection; the upserts and updates of the loaders only touch rows
    whose values differ (see :func:`upsert` and :func:`update_changed`), so a re-import of the same data counts
    zero and can say so. A statement whose driver cannot count (``rowcount`` -1) counts as one change, so "no
    changes" is never claimed without proof.
    """

    KEY = "import_change_counter"

    def __init__(self) -> None:
        self.rows = 0

    def attach(self, session: Session) -> None:
        """Count the data-changing statements run on ``session``'s connection from now on."""
        session.connection().info[self.KEY] = self

    @classmethod
    def detach(cls, session: Session) -> None:
        """Stop counting on ``session``'s connection (the connection goes back to the pool)."""
        with contextlib.suppress(Exception):  # a connection already invalidated has nothing to detach
            session.connection().info.pop(cls.KEY, None)


@event.listens_for(Engine, "after_cursor_execute")
def _count_changes(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any,
                   executemany: bool) -> None:
    counter = conn.info.get(ChangeCounter.KEY)
    if counter is None or context is None or not (context.isinsert or context.isupdate or context.isdelete):
        return
    rowcount = cursor.rowcount
    counter.rows += rowcount if rowcount is not None and rowcount >= 0 else 1


def upsert(
    session: Session,
    model: type[SQLModel],
    frame: pd.DataFrame,
    *,
    keys: Sequence[str],
    update: Sequence[str] | None = None,
) -> int:
    """Insert ``frame`` into ``model``'s table, updating the existing rows (by natural ``keys``) whose values differ.

    Uses ``INSERT ... ON CONFLICT (keys) DO UPDATE SET ... WHERE <any updated column> IS DISTINCT FROM <new
    value>`` from the SQLite or PostgreSQL dialect (chosen by the session's engine), in chunks: a row the file
    repeats unchanged is not rewritten, not even its ``import_id`` (provenance), so importing the same data again
    changes nothing. ``update`` lists the columns a newer file overwrites (default: every column of the frame
    except the keys); columns absent from the frame are left as they are on existing rows, so two files that fill
    different columns of one row (IMD Files 1 and 6) can both be loaded. Returns the rows inserted or changed.
    """
    if frame.empty:
        return 0
    table: Table = model.__table__  # type: ignore[attr-defined]
    dialect = session.get_bind().dialect.name
    insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}.get(dialect)
    if insert is None:
        raise NotImplementedError(f"upsert supports SQLite and PostgreSQL, not {dialect}")
    update_cols = [c for c in (update if update is not None else frame.columns) if c not in keys]
    compared = [c for c in update_cols if c not in PROVENANCE_COLUMNS]
    connection = session.connection()
    if len(frame) > UPSERT_CHUNK:
        staged = (_copy_upsert if dialect == "postgresql" else _sqlite_staged_upsert)(
            connection, table, frame, list(keys), update_cols, compared)
        if staged is not None:
            return staged
    stmt = insert(table)
    if compared:
        stmt = stmt.on_conflict_do_update(
            index_elements=list(keys), set_={c: stmt.excluded[c] for c in update_cols},
            where=or_(*(table.c[c].is_distinct_from(stmt.excluded[c]) for c in compared)),
        )
    else:
        stmt = stmt.on_conflict_do_nothing(index_elements=list(keys))
    with _counting(connection) as counted:
        for start in range(0, len(frame), UPSERT_CHUNK):
            connection.execute(stmt, records(frame.iloc[start : start + UPSERT_CHUNK]))
    return counted.rows


@contextlib.contextmanager
def _counting(connection: Connection) -> Iterator[ChangeCounter]:
    """Count the rows the statements run inside change, per DBAPI statement (an executemany's own ``rowcount`` is
    not reliable: SQLAlchemy batches it), and add them to the import's counter if one is attached."""
    outer, inner = connection.info.get(ChangeCounter.KEY), ChangeCounter()
    connection.info[ChangeCounter.KEY] = inner
    try:
        yield inner
    finally:
        if outer is None:
            connection.info.pop(ChangeCounter.KEY, None)
        else:
            connection.info[ChangeCounter.KEY] = outer
            outer.rows += inner.rows


def update_changed(session: Session, model: type[SQLModel], rows: Sequence[Mapping[str, Any]], *, key: str,
                   columns: Sequence[str], where: Any = None) -> int:
    """``UPDATE`` each row of ``model`` found by ``key`` with ``columns`` from ``rows``, only where a value differs.

    ``rows`` are dicts holding ``key`` and ``columns``; ``where`` adds a condition (for example "published
    indicators only"). Returns the rows changed, so loaders that set columns on existing rows stay idempotent.
    """
    if not rows or not columns:
        return 0
    table: Table = model.__table__  # type: ignore[attr-defined]
    new = {c: bindparam(f"b_{c}", type_=table.c[c].type) for c in columns}
    stmt = update(table).where(
        table.c[key] == bindparam(f"b_{key}", type_=table.c[key].type),
        or_(*(table.c[c].is_distinct_from(new[c]) for c in columns)),
        *([where] if where is not None else []),
    ).values(new)
    connection = session.connection()
    with _counting(connection) as counted:
        connection.execute(stmt, [{f"b_{k}": v for k, v in r.items()} for r in rows])
    return counted.rows


def _copy_upsert(
    connection: Connection, table: Table, frame: pd.DataFrame, keys: list[str], update_cols: list[str],
    compared: list[str],
) -> int | None:
    """A large upsert on PostgreSQL (psycopg): COPY the rows into a temporary table, then one
    ``INSERT ... SELECT ... ON CONFLICT`` into ``table`` (issue 14: chunked INSERTs ran 4x to 7x a raw bulk insert).

    Same result as the chunked path: columns the frame leaves out get the model's Python-side default on insert and
    are left alone on update; where a key appears twice the later row wins; an existing row is only rewritten when
    one of the ``compared`` columns differs, and the rows inserted or changed are returned and added to the
    import's :class:`ChangeCounter` (textual SQL is not counted by its listener). Returns None (nothing written)
    where this path does not apply: another database or driver, or a default that must be computed per row.
    """
    if connection.dialect.name != "postgresql" or connection.dialect.driver != "psycopg":
        return None
    defaults = _scalar_defaults(table, frame)
    if defaults is None:
        return None
    frame = frame.assign(**defaults)
    names = list(frame.columns)
    quoted = ", ".join(f'"{n}"' for n in names)
    integers = {n for n in names if isinstance(table.c[n].type, Integer)}  # ids with gaps are float in pandas
    staging = f"upsert_{uuid.uuid4().hex[:12]}"
    connection.exec_driver_sql(
        f'CREATE TEMPORARY TABLE "{staging}" ON COMMIT DROP AS SELECT {quoted} FROM "{table.name}" WITH NO DATA'
    )
    connection.exec_driver_sql(f'ALTER TABLE "{staging}" ADD COLUMN "_row" bigserial')
    raw = connection.connection.driver_connection
    with raw.cursor() as cursor, cursor.copy(f'COPY "{staging}" ({quoted}) FROM STDIN') as copy:
        for start in range(0, len(frame), UPSERT_CHUNK):
            for row in records(frame.iloc[start : start + UPSERT_CHUNK]):
                copy.write_row([int(row[n]) if n in integers and isinstance(row[n], float) else row[n] for n in names])
    key_list = ", ".join(f'"{k}"' for k in keys)
    if compared:
        action = "DO UPDATE SET " + ", ".join(f'"{c}" = EXCLUDED."{c}"' for c in update_cols) + (
            " WHERE (" + ", ".join(f'"{table.name}"."{c}"' for c in compared) + ") IS DISTINCT FROM ("
            + ", ".join(f'EXCLUDED."{c}"' for c in compared) + ")")
    else:
        action = "DO NOTHING"
    return _merge_staged(connection, staging, len(frame),
                         f'INSERT INTO "{table.name}" ({quoted}) SELECT DISTINCT ON ({key_list}) {quoted} FROM '
                         f'"{staging}" ORDER BY {key_list}, "_row" DESC ON CONFLICT ({key_list}) {action}')


def _merge_staged(connection: Connection, staging: str, rows: int, merge: str) -> int:
    """Run the staged paths' one merging statement, drop the staging table and count the rows inserted or changed
    (also into the import's :class:`ChangeCounter`: textual SQL is not counted by its listener)."""
    result = connection.exec_driver_sql(merge)
    changed = result.rowcount if result.rowcount is not None and result.rowcount >= 0 else rows
    connection.exec_driver_sql(f'DROP TABLE "{staging}"')
    counter = connection.info.get(ChangeCounter.KEY)
    if counter is not None:
        counter.rows += changed
    return changed


def _scalar_defaults(table: Table, frame: pd.DataFrame) -> dict[str, Any] | None:
    """The model's Python-side defaults of the columns ``frame`` leaves out (None when one must be computed per
    row, which only the chunked path applies)."""
    defaults = {c.name: c.default.arg for c in table.columns
                if c.name not in frame.columns and c.default is not None and not c.primary_key}
    return None if any(callable(v) for v in defaults.values()) else defaults


def _sqlite_staged_upsert(
    connection: Connection, table: Table, frame: pd.DataFrame, keys: list[str], update_cols: list[str],
    compared: list[str],
) -> int | None:
    """A large upsert on SQLite: the rows go into a temporary table with the sqlite3 driver's ``executemany`` (values
    converted by the columns' own SQLAlchemy bind processors, so they are stored exactly as the ORM stores them),
    then one ``INSERT ... SELECT ... ON CONFLICT`` merges them (issue 14: the chunked SQLAlchemy path ran 7x a raw
    bulk insert). Same result as the chunked path, the later of two rows with one key winning; changes are added to
    the import's :class:`ChangeCounter`. Returns None where this path does not apply (another driver, a default
    computed per row)."""
    if connection.dialect.driver != "pysqlite":
        return None
    defaults = _scalar_defaults(table, frame)
    if defaults is None:
        return None
    frame = frame.assign(**defaults)
    names = list(frame.columns)
    quoted = ", ".join(f'"{n}"' for n in names)
    processors = [table.c[n].type.bind_processor(connection.dialect) for n in names]
    integers = [isinstance(table.c[n].type, Integer) for n in names]

    def column(values: list[Any], process: Callable[[Any], Any] | None, integer: bool) -> list[Any]:
        if integer:  # ids with gaps arrive as floats in pandas
            values = [int(v) if isinstance(v, float) else v for v in values]
        return [None if v is None else process(v) for v in values] if process else values
    staging = f"upsert_{uuid.uuid4().hex[:12]}"
    connection.exec_driver_sql(f'CREATE TEMPORARY TABLE "{staging}" AS SELECT {quoted} FROM "{table.name}" WHERE 0')
    raw = connection.connection.driver_connection
    placeholders = ", ".join("?" for _ in names)
    cursor = raw.cursor()
    try:
        for start in range(0, len(frame), UPSERT_CHUNK):
            chunk = frame.iloc[start : start + UPSERT_CHUNK]
            columns = [column(_plain_values(chunk[n]), p, i) for n, p, i in zip(names, processors, integers,
                                                                               strict=True)]
            cursor.executemany(f'INSERT INTO "{staging}" ({quoted}) VALUES ({placeholders})', zip(*columns,
                                                                                                 strict=True))
    finally:
        cursor.close()
    key_list = ", ".join(f'"{k}"' for k in keys)
    if compared:
        action = "DO UPDATE SET " + ", ".join(f'"{c}" = excluded."{c}"' for c in update_cols) + " WHERE " + " OR ".join(
            f'"{table.name}"."{c}" IS NOT excluded."{c}"' for c in compared)
    else:
        action = "DO NOTHING"
    # the last row of each key wins, as with the chunked path; the WHERE also parts SELECT from ON CONFLICT
    return _merge_staged(connection, staging, len(frame),
                         f'INSERT INTO "{table.name}" ({quoted}) SELECT {quoted} FROM "{staging}" WHERE rowid IN '
                         f'(SELECT max(rowid) FROM "{staging}" GROUP BY {key_list}) ORDER BY rowid '
                         f'ON CONFLICT ({key_list}) {action}')


# --------------------------------------------------------------------------------------------- the pipeline


Options = Mapping[str, Any]


@dataclass(frozen=True)
class Parsed:
    """A parse or validate step's output: the tidy frame, its problems, and notes for the report."""

    frame: pd.DataFrame
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    rows_read: int | None = None


@dataclass(frozen=True)
class Source:
    """One importable source: its name (CLI and import log), a label and help for the Data page, and its steps."""

    name: str
    label: str
    description: str
    extensions: tuple[str, ...]
    parse: Callable[[bytes, str, Options], Parsed]
    load: Callable[[Session, pd.DataFrame, int, Options], dict[str, int]]
    validate: Callable[[Session, pd.DataFrame, str, Options], Parsed] | None = None
    options: tuple[str, ...] = ()  # option names the source understands (CLI --option name=value)


@dataclass(frozen=True)
class ImportReport:
    """What happened to one file: outcome, counts, problems and notes; ``text()`` prints it for a person."""

    source: str
    file_name: str
    sha256: str
    status: str  # an ImportStatus value, or "validated" for a dry run that passed
    rows_read: int = 0
    rows_accepted: int = 0
    rows_rejected: int = 0
    written: dict[str, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    import_id: int | None = None

    @property
    def ok(self) -> bool:
        """True when the file loaded, was already loaded, or (dry run) would load."""
        return self.status in (ImportStatus.LOADED.value, ImportStatus.UNCHANGED.value, "validated")

    @property
    def errors(self) -> list[Problem]:
        """Error-level problems only."""
        return errors_in(self.problems)

    def problems_frame(self) -> pd.DataFrame:
        """Problems as a table (severity, file, row, line, column, value, message) for the Data page and exports."""
        return pd.DataFrame(
            [(p.severity, p.file, p.row, p.line, p.column, p.value, p.message) for p in self.problems],
            columns=["severity", "file", "row", "line", "column", "value", "message"],
        ).astype({"row": "Int64", "line": "Int64"})

    def raise_for_status(self) -> None:
        """Raise ``DataImportError`` with the problems unless the import succeeded."""
        if not self.ok:
            raise DataImportError(self.problems or [Problem(self.file_name, None, None, None, self.status)])

    def text(self, *, limit: int = 50) -> str:
        """A plain-text report: outcome line, counts, notes and up to ``limit`` problems (errors first)."""
        headline = {
            "loaded": "LOADED", "unchanged": "UNCHANGED (the data is already loaded; nothing written)",
            "rejected": "REJECTED (nothing written)", "failed": "FAILED (rolled back; nothing written)",
            "validated": "VALID (dry run; nothing written)",
        }.get(self.status, self.status.upper())
        lines = [f"{self.source}: {self.file_name}: {headline}",
                 f"rows read {self.rows_read:,}, accepted {self.rows_accepted:,}, rejected {self.rows_rejected:,}"]
        if self.written:
            lines.append("written: " + ", ".join(f"{t} {n:,}" for t, n in self.written.items()))
        lines += [f"note: {n}" for n in self.notes]
        ordered = sorted(self.problems, key=lambda p: (p.severity != "error", p.row or 0))
        lines += [str(p) for p in ordered[:limit]]
        if len(ordered) > limit:
            lines.append(f"... and {len(ordered) - limit:,} more problems")
        return "\n".join(lines)


def _rejected_rows(problems: Sequence[Problem]) -> int:
    return len({p.row for p in errors_in(problems) if p.row is not None and p.row > 1})


def _error_report(problems: Sequence[Problem]) -> str | None:
    if not problems:
        return None
    kept = [p.__dict__ for p in problems[:MAX_LOGGED_PROBLEMS]]
    return json.dumps({"total": len(problems), "problems": kept}, default=str)


def _log(engine: Engine, **values: Any) -> int:
    with session_scope(engine) as session:
        entry = ImportLog(started_at=values.pop("started_at"), finished_at=datetime.now(UTC), **values)
        session.add(entry)
        session.flush()
        return int(entry.id)  # type: ignore[arg-type]


def run_import(
    engine: Engine,
    source: Source,
    data: bytes,
    file_name: str,
    *,
    options: Options | None = None,
    dry_run: bool = False,
) -> ImportReport:
    """Parse, validate and (unless ``dry_run``) load one file in one transaction, logging the attempt.

    Never raises for a bad file: the report's ``status`` says what happened (``raise_for_status`` turns a failure
    into ``DataImportError``). The import log gets one row per attempt (LOADED, UNCHANGED, REJECTED or FAILED);
    a dry run writes nothing, not even the log.
    """
    options = dict(options or {})
    started = datetime.now(UTC)
    digest = sha256_of(data)
    base = {"source": source.name, "file_name": file_name[:300], "sha256": digest}

    with session_scope(engine) as session:
        already = session.execute(
            select(ImportLog.id).where(
                ImportLog.source == source.name, ImportLog.sha256 == digest,
                ImportLog.status == ImportStatus.LOADED.value,
            )
        ).first()
    if already is not None:
        report = ImportReport(**base, status=ImportStatus.UNCHANGED.value,
                              notes=[f"no changes: this exact file (sha256) is import #{already[0]}; nothing "
                                     "written"])
        if not dry_run:
            report = _replace(report, import_id=_log(engine, **base, started_at=started,
                                                      status=ImportStatus.UNCHANGED))
        return report

    problems: list[Problem] = []
    notes: list[str] = []
    rows_read = 0
    try:
        parsed = source.parse(data, file_name, options)
        problems += parsed.problems
        notes += parsed.notes
        rows_read = parsed.rows_read if parsed.rows_read is not None else len(parsed.frame)
        frame = parsed.frame
        file_level = any(p.row is None or p.row <= 1 for p in errors_in(problems))
        refused = bool(errors_in(problems)) and frame.empty  # the schema refused the file before any conversion
        if not file_level and not refused and source.validate is not None:
            # check the rows that parsed cleanly too, so one report lists every problem in the file
            bad_rows = {p.row for p in errors_in(problems)}
            clean = frame[~frame["_row"].isin(bad_rows)] if "_row" in frame.columns else frame
            with session_scope(engine) as session:
                checked = source.validate(session, clean.reset_index(drop=True), file_name, options)
            shown = parsed.frame.attrs.get("headers", {})  # canonical name -> the file's header (templates)
            problems += [replace(p, column=shown.get(p.column, p.column)) if p.column else p
                         for p in checked.problems]
            notes += checked.notes
            frame = checked.frame
    except DataImportError as exc:
        problems += exc.problems
        frame = pd.DataFrame()
    except Exception as exc:  # a defect here, or a library's own error on a strange file: never a traceback
        problems.append(unexpected_problem(exc, file_name, source.name, "reading"))
        frame = pd.DataFrame()

    errors = errors_in(problems)
    if errors:
        rejected = _rejected_rows(problems)
        report = ImportReport(**base, status=ImportStatus.REJECTED.value, rows_read=rows_read,
                              rows_rejected=rejected, problems=problems, notes=notes)
        if not dry_run:
            report = _replace(report, import_id=_log(
                engine, **base, started_at=started, status=ImportStatus.REJECTED, rows_rejected=rejected,
                error_report=_error_report(problems)))
        return report
    if dry_run:
        return ImportReport(**base, status="validated", rows_read=rows_read, rows_accepted=len(frame),
                            problems=problems, notes=notes)

    try:
        with session_scope(engine) as session:
            entry = ImportLog(**base, started_at=started, status=ImportStatus.LOADED,
                              rows_accepted=len(frame), error_report=_error_report(problems))
            session.add(entry)
            session.flush()
            import_id = int(entry.id)  # type: ignore[arg-type]
            counter = ChangeCounter()
            counter.attach(session)
            try:
                written = _load_and_refresh(session, source, frame, import_id, options, notes)
                changed = counter.rows
            finally:
                ChangeCounter.detach(session)
            if changed == 0:
                entry.status = ImportStatus.UNCHANGED
                notes.append(f"no changes: {len(frame):,} rows identical to the data already loaded; nothing "
                             "written")
            entry.finished_at = datetime.now(UTC)
            session.add(entry)
    except Exception as exc:  # unexpected: roll back (done by session_scope), log it, report it
        problem = (constraint_problem(exc, file_name) if isinstance(exc, IntegrityError) else None) or \
            unexpected_problem(exc, file_name, source.name, "writing")
        import_id = _log(engine, **base, started_at=started, status=ImportStatus.FAILED,
                         error_report=_error_report([*problems, problem]))
        return ImportReport(**base, status=ImportStatus.FAILED.value, rows_read=rows_read,
                            problems=[*problems, problem], notes=notes, import_id=import_id)
    status = ImportStatus.LOADED if changed else ImportStatus.UNCHANGED
    return ImportReport(**base, status=status.value, rows_read=rows_read, rows_accepted=len(frame),
                        written=written, problems=problems, notes=notes, import_id=import_id)


def _load_and_refresh(session: Session, source: Source, frame: pd.DataFrame, import_id: int, options: Options,
                      notes: list[str]) -> dict[str, int]:
    """The source's load, then the links and roll-ups it may affect; returns the rows written by table."""
    written = source.load(session, frame, import_id, options)
    links = refresh_links(session)
    written = {**written, **links.counts}
    notes += links.notes  # StateNotes: ``load-folder`` says each once, not after every file
    # roll practice values up (data/rollups.py): the KPIs this import wrote, or all after a footprint change
    touched = kpis_touched(session, import_id)
    footprint = any(n and t in FOOTPRINT_TABLES for t, n in written.items())
    rolled = refresh_rollups(session, kpi_ids=None if footprint else touched, import_id=import_id)
    if rolled:
        notes.append(f"rolled up {rolled:,} derived rows (practice sums to PCN, borough and system)")
    # the stored coverage summary (data/coverage.py) of every KPI whose observations this import wrote or rolled
    refresh_coverage(session, kpi_ids=None if footprint else touched | kpis_written_by(session, import_id))
    return written


CONSTRAINT_MEANING = {  # database rules (models.py) in words, for the rare value a validator let through
    "ck_practice_latitude": "latitude must be between -90 and 90",
    "ck_practice_longitude": "longitude must be between -180 and 180",
    "ck_practice_list_size_patients": "a list size cannot be negative",
    "ck_care_home_beds": "beds cannot be negative",
    "ck_kpi_multiplier": "a KPI's multiplier must be above zero",
    "ck_kpi_observation_period": "a period cannot end before it starts",
    "ck_kpi_observation_denominator": "a denominator cannot be negative",
    "ck_finance_line_year": "a financial year must be between 2000 and 2100",
}


def unexpected_problem(exc: BaseException, file_name: str, source: str, stage: str) -> Problem:
    """A domain problem for an unexpected error: logged in full under a short id, shown without a traceback."""
    error_id = uuid.uuid4().hex[:8]
    log.error("import of %s (%s) failed while %s [error id %s]", file_name, source, stage, error_id,
              exc_info=(type(exc), exc, exc.__traceback__))
    return Problem(file_name, None, None, None, f"unexpected error while {stage} the file ({type(exc).__name__}); "
                   f"nothing was written. Check it is the published {source} file; if it is, report error id "
                   f"{error_id} with the file")


def constraint_problem(exc: IntegrityError, file_name: str) -> Problem | None:
    """The database rule a value broke, in words (CHECK, NOT NULL or UNIQUE), or None when it cannot be named."""
    orig = getattr(exc, "orig", None)
    diag = getattr(orig, "diag", None)
    text = str(orig or exc)
    name = getattr(diag, "constraint_name", None) or next(
        (n for n in CONSTRAINT_MEANING if n in text), None)
    if name is None:
        match = re.search(r"(UNIQUE|NOT NULL|CHECK) constraint failed: ([\w.]+)", text)
        if match is None:
            return None
        name = match[2]
    meaning = CONSTRAINT_MEANING.get(name, f"the database rule '{name}'")
    return Problem(file_name, None, None, None, f"a value in the file breaks a rule of the database ({meaning}); "
                   "nothing was written. Find the row with that value, correct it and import again")


def _replace(report: ImportReport, **changes: Any) -> ImportReport:
    from dataclasses import replace

    return replace(report, **changes)
