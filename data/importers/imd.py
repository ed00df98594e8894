"""English Indices of Deprivation 2019 by LSOA: File 1 (IMD rank and decile), File 2 (domains), File 6 (population).

The three files share their first four columns and fill different columns of one ``lsoa_deprivation`` row each,
so they can be loaded in any order. Headers are matched with their bracketed notes removed
(``Income Rank (where 1 is most deprived)`` -> ``income rank``); numbers may carry thousands separators
(``"29,199"``); files are UTF-8 with BOM and CRLF. Ranks run 1..32,844 (1 = most deprived), deciles 1..10.
"""

from __future__ import annotations

import re

import pandas as pd
from sqlmodel import Session

from data.importers.common import (
    Column,
    DataImportError,
    Options,
    Parsed,
    Problem,
    Source,
    clean_code,
    errors_in,
    match_columns,
    normalise_header,
    problems_where,
    read_table,
    to_number,
    upsert,
)
from models import LsoaDeprivation

LSOA_COUNT_2011 = 32_844
DOMAINS = {
    "imd": ("index of multiple deprivation", "imd"),
    "income": ("income",),
    "employment": ("employment",),
    "education": ("education skills and training", "education"),
    "health": ("health deprivation and disability", "health"),
    "crime": ("crime",),
    "housing": ("barriers to housing and services", "housing"),
    "living_environment": ("living environment",),
}
POPULATION = {
    "population_total": ("total population mid 2015", "total population"),
    "population_0_15": ("dependent children aged 0 15 mid 2015", "dependent children aged 0 15"),
    "population_16_59": ("population aged 16 59 mid 2015", "population aged 16 59"),
    "population_60_plus": ("older population aged 60 and over mid 2015", "older population aged 60 and over"),
    "population_working_age": ("working age population 18 59 64 for use with employment deprivation domain",
                               "working age population 18 59 64"),
}
COLUMNS = [
    Column("lsoa_code", ("LSOA code", "LSOA11CD", "lsoa code 2011")),
    Column("lsoa_name", ("LSOA name", "LSOA11NM"), required=False),
    Column("lad_code", ("Local Authority District code", "LAD19CD"), required=False),
    Column("lad_name", ("Local Authority District name", "LAD19NM"), required=False),
    *[Column(f"{d}_{kind}", tuple(f"{a} {kind}" for a in aliases), required=False)
      for d, aliases in DOMAINS.items() for kind in ("rank", "decile")],
    *[Column(name, aliases, required=False) for name, aliases in POPULATION.items()],
]
MEASURES = [c.name for c in COLUMNS[4:]]


def _strip_notes(header: object) -> str:
    """Remove bracketed notes: ``'Index of Multiple Deprivation (IMD) Rank (where 1 is most deprived)'`` ->
    ``'Index of Multiple Deprivation Rank'``."""
    return re.sub(r"\s*\([^)]*\)", "", str(header)).strip()


def parse_imd(data: bytes, file_name: str, options: Options | None = None) -> Parsed:
    """Read an IoD2019 file (1, 2 or 6, or any file with an LSOA code and some of its columns)."""
    options = options or {}
    raw = read_table(data, file_name, header_hint=["lsoa code", "lsoa name", "lsoa code 2011", "lsoa name 2011"])
    from data.importers.schemas import check_source  # schemas reads this module's column lists

    problems = check_source("imd2019", raw, file_name)
    if errors_in(problems):
        return Parsed(raw.iloc[0:0], problems, rows_read=len(raw))
    raw = raw.rename(columns={c: _strip_notes(c) for c in raw.columns if c != "_row"})
    frame, more = match_columns(raw, COLUMNS, file=file_name)
    problems += more
    present = [m for m in MEASURES if raw.columns.map(normalise_header).isin(
        next(c for c in COLUMNS if c.name == m).accepts()).any()]
    if not present:
        raise DataImportError(Problem(file_name, 1, None, None, "no deprivation ranks, deciles or populations "
                                      "found; choose IoD2019 File 1, 2 or 6 (CSV or XLSX)"))
    if any(p.severity == "error" for p in problems):
        return Parsed(frame.iloc[0:0], problems, rows_read=len(raw))
    frame["lsoa_code"] = clean_code(frame["lsoa_code"])
    bad_code = ~frame["lsoa_code"].fillna("").str.fullmatch(r"[EW]01\d{6}")
    problems += problems_where(bad_code, frame, file=file_name, column="LSOA code", values=frame["lsoa_code"],
                               message="not an LSOA code (E01 and six digits)")
    for col in present:
        raw_values = frame[col].copy()
        frame[col], bad = to_number(raw_values)
        limit = 10 if col.endswith("decile") else (LSOA_COUNT_2011 if col.endswith("rank") else None)
        bad |= frame[col].notna() & (frame[col] % 1 != 0).fillna(False)
        if limit:
            bad |= (frame[col].notna() & ~frame[col].between(1, limit)).fillna(False)
        problems += problems_where(bad, frame, file=file_name, column=col, values=raw_values,
                                   message=f"must be a whole number{f' from 1 to {limit:,}' if limit else ''}")
        frame[col] = frame[col].round().astype("Int64")
    dup = frame["lsoa_code"].duplicated() & frame["lsoa_code"].notna()
    problems += problems_where(dup, frame, file=file_name, column="LSOA code", values=frame["lsoa_code"],
                               message="this LSOA appears twice")
    frame["vintage"] = str(options.get("vintage") or "IMD2019")
    keep = ["_row", "lsoa_code", "vintage"] + [c for c in ("lsoa_name", "lad_code", "lad_name")
                                                 if frame[c].notna().any()] + present
    notes = [f"columns loaded: {', '.join(present)}"]
    return Parsed(frame[keep], problems, notes, rows_read=len(raw))


def load_imd(session: Session, frame: pd.DataFrame, import_id: int, options: Options) -> dict[str, int]:
    """Upsert by (LSOA, vintage), touching only the columns this file carries."""
    rows = frame.drop(columns="_row").assign(import_id=import_id)
    return {"lsoa_deprivation": upsert(session, LsoaDeprivation, rows, keys=["lsoa_code", "vintage"])}


SOURCES = [
    Source("imd2019", "Indices of Deprivation 2019 by LSOA (Files 1, 2, 6)",
           "MHCLG IoD2019 files: IMD rank and decile, domain ranks and deciles, population denominators.",
           (".csv", ".xlsx"), parse_imd, load_imd, options=("vintage",)),
]
