"""Test files made at test time from the real published files in ``shared/realdata`` (never committed).

A :class:`Table` is a real delimited file taken apart as it was published (encoding, BOM, line ending, delimiter,
header and records), so a test can change one thing (a value, a column, a row, the bytes) and write it back
exactly as the publisher would have, everything else kept. :data:`REAL` names, per importer, the real file and
the options it is loaded with, and a small subset of its rows that keeps database tests fast.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from tests.unit.importers.realdata import realdata

BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class Table:
    """A delimited text file as published: ``header`` (``None`` for a headerless file) and ``rows`` of strings."""

    header: list[str] | None
    rows: list[list[str]]
    encoding: str = "utf-8"
    bom: bool = False
    newline: str = "\n"
    delimiter: str = ","
    quoting: int = csv.QUOTE_MINIMAL

    @classmethod
    def parse(cls, data: bytes, *, header: bool = True) -> Table:
        """Take a real file apart (UTF-8 with or without BOM, else cp1252; CRLF or LF; ``,`` or ``¬``)."""
        bom = data.startswith(BOM)
        try:
            text, encoding = data.decode("utf-8-sig"), "utf-8"
        except UnicodeDecodeError:
            text, encoding = data.decode("cp1252"), "cp1252"
        first = text.split("\n", 1)[0]
        delimiter = "¬" if "¬" in first else ","
        newline = "\r\n" if first.endswith("\r") else "\n"
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
        stripped = first.rstrip("\r")
        if delimiter == "¬":
            quoting = csv.QUOTE_NONE
        elif stripped.startswith('"') and stripped.endswith('"') and stripped.count('"') == 2 * (
                stripped.count(f'"{delimiter}"') + 1):
            quoting = csv.QUOTE_ALL
        else:
            quoting = csv.QUOTE_MINIMAL
        head, body = (rows[0], rows[1:]) if header else (None, rows)
        return cls(head, body, encoding, bom, newline, delimiter, quoting)

    def to_bytes(self) -> bytes:
        """The file written back in its own encoding, BOM, line ending, delimiter and quoting."""
        out = io.StringIO(newline="")
        writer = csv.writer(out, delimiter=self.delimiter, lineterminator=self.newline, quoting=self.quoting,
                            escapechar="\\" if self.quoting == csv.QUOTE_NONE else None)
        if self.header is not None:
            writer.writerow(self.header)
        writer.writerows(self.rows)
        return (BOM if self.bom else b"") + out.getvalue().encode(self.encoding)

    @property
    def width(self) -> int:
        return len(self.header) if self.header is not None else max(len(r) for r in self.rows)

    def col(self, name: str) -> int:
        """Index of the header cell ``name`` (exact)."""
        assert self.header is not None, "a headerless file has no column names"
        return self.header.index(name)

    def where(self, keep: Callable[[list[str]], bool], limit: int | None = None) -> Table:
        """Only the records ``keep`` accepts (the first ``limit`` of them)."""
        rows = [r for r in self.rows if keep(r)]
        return replace(self, rows=[list(r) for r in rows[:limit]])

    def head(self, n: int) -> Table:
        return replace(self, rows=[list(r) for r in self.rows[:n]])

    def with_value(self, row: int, column: int, value: str) -> Table:
        """A copy with record ``row`` (0-based among data records) holding ``value`` in field ``column``."""
        rows = [list(r) for r in self.rows]
        while len(rows[row]) <= column:
            rows[row].append("")
        rows[row][column] = value
        return replace(self, rows=rows)

    def without_column(self, column: int) -> Table:
        header = None if self.header is None else [h for i, h in enumerate(self.header) if i != column]
        return replace(self, header=header, rows=[[v for i, v in enumerate(r) if i != column] for r in self.rows])

    def renamed(self, column: int, name: str) -> Table:
        assert self.header is not None
        return replace(self, header=[name if i == column else h for i, h in enumerate(self.header)])

    def reordered_columns(self, order: Sequence[int]) -> Table:
        """Columns in ``order`` (a permutation of the header's indices); short records padded first."""
        width = self.width
        padded = [r + [""] * (width - len(r)) for r in self.rows]
        header = None if self.header is None else [self.header[i] for i in order]
        return replace(self, header=header, rows=[[r[i] for i in order] for r in padded])

    def reordered_rows(self, order: Sequence[int]) -> Table:
        return replace(self, rows=[list(self.rows[i]) for i in order])

    def with_rows(self, rows: list[list[str]]) -> Table:
        return replace(self, rows=[list(r) for r in rows])

    def line_of(self, row: int) -> int:
        """The spreadsheet row number of data record ``row`` (0-based): the header is row 1 when there is one."""
        return row + (2 if self.header is not None else 1)


@dataclass(frozen=True)
class Real:
    """An importer's real file: where it is, how it is loaded, and the subset of its records the tests use."""

    source: str
    parts: tuple[str, ...]
    options: dict[str, str] = field(default_factory=dict)
    keep: Callable[[Table, list[str]], bool] | None = None
    limit: int | None = 60
    header: bool = True

    @property
    def name(self) -> str:
        return self.parts[-1]

    def raw(self) -> bytes:
        return realdata(*self.parts).read_bytes()

    def table(self) -> Table:
        """The real file's records (the subset), as published."""
        table = Table.parse(self.raw(), header=self.header)
        keep = self.keep
        return table.where((lambda r: keep(table, r)) if keep else (lambda r: True), self.limit)


def _ncl_epraccur(table: Table, r: list[str]) -> bool:
    return len(r) > 14 and r[14] == "93C"


def _camden_or_islington(table: Table, r: list[str]) -> bool:
    return r[table.col("ParentODSCode")] in ("07R", "08H")


def _ncl_trusts(table: Table, r: list[str]) -> bool:
    return r[table.col("org_code")] in ("RAL", "RAP", "RKE", "RRV", "RP6")


def _camden_lsoas(table: Table, r: list[str]) -> bool:
    return r[2] == "E09000007"


def _ncl_fingertips(table: Table, r: list[str]) -> bool:
    return r[table.col("Area Code")] in ("E09000003", "E09000007", "E09000010", "E09000014", "E09000019",
                                         "E12000007", "E92000001")


def _ncl_prevalence(table: Table, r: list[str]) -> bool:
    return r[0] in ncl_practice_codes()


# the NCL practices the epraccur subset registers (read once, lazily, from the real file)
EPRACCUR_NCL_CODES: set[str] = set()


REAL: dict[str, Real] = {
    "epraccur": Real("epraccur", ("nhsd", "epraccur", "epraccur_blackwellrd_2023-02.csv"), keep=_ncl_epraccur,
                     limit=80, header=False),
    "gp_list_size": Real("gp_list_size", ("nhsd", "gp_registered_patients", "gp-reg-pat-prac-all_2022-05_ncl93C.csv"),
                         limit=None),
    "qof_prevalence": Real("qof_prevalence", ("nhsd", "qof_2020-21", "PREVALENCE_2021_v2.csv"), keep=_ncl_prevalence,
                           limit=300),
    "nhsuk_gp": Real("nhsuk_gp", ("nhsuk", "2019-05", "GP.csv"), keep=_camden_or_islington, limit=None),
    "nhsuk_trust": Real("nhsuk_trust", ("nhsuk", "2019-05", "TRUST.csv"), limit=80),
    "ae_attendances": Real("ae_attendances", ("nhse", "ae_attendances_2016-04_2019-03.csv"), keep=_ncl_trusts,
                           limit=120),
    "imd2019": Real("imd2019", ("imd2019", "File_1_-_IMD2019_Index_of_Multiple_Deprivation_london.csv"),
                    keep=_camden_lsoas, limit=None),
    "fingertips": Real("fingertips", ("fingertips", "indicators-CountyUA.data.csv"), keep=_ncl_fingertips,
                       limit=None),
    "qof_indicators": Real("qof_indicators", ("nhsd", "qof_2020-21", "MAPPING_INDICATORS_2021_v2.csv"), limit=None),
}


def ncl_practice_codes() -> set[str]:
    """The practice codes of the epraccur subset (so the other practice files name registered practices)."""
    if not EPRACCUR_NCL_CODES:
        EPRACCUR_NCL_CODES.update(r[0] for r in REAL["epraccur"].table().rows)
    return EPRACCUR_NCL_CODES
