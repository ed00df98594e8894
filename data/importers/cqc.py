"""CQC care directory ("HSCA Active Locations", CSV/XLSX/ODS): care homes with beds, type, rating and location.

Header names drift between releases (``Care homes beds`` / ``Care home beds``, ``Location Latest Overall Rating`` /
``Overall rating`` ...), some releases put a title block above the table, and the workbook's first sheet may not be
the data: columns are matched by alias and case-insensitively, the header row is found, and unknown and missing
columns are reported. Only care homes (``Care home? = Y``) are kept. A home is placed in a borough by its local
authority (name, e.g. ``Barnet``, or ONS code); homes in other local authorities are skipped and counted.
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import select
from sqlmodel import Session

from data.importers.common import (
    Column,
    Options,
    Parsed,
    Problem,
    Source,
    errors_in,
    match_columns,
    read_table,
    text_or_none,
    to_date,
    to_number,
    upsert,
)
from data.importers.schemas import check_source
from models import Borough, CareHome, CareType, CqcRating

COLUMNS = [
    Column("location_id", ("Location ID", "CQC Location ID", "Location Id")),
    Column("name", ("Location Name", "Name")),
    Column("care_home", ("Care home?", "Care home", "Is care home")),
    Column("beds", ("Care homes beds", "Care home beds", "Number of beds", "Beds")),
    Column("rating", ("Location Latest Overall Rating", "Latest overall rating", "Overall rating"), required=False),
    Column("rating_date", ("Publication Date", "Latest rating publication date", "Rating date"), required=False),
    Column("local_authority", ("Location Local Authority", "Local Authority", "LA")),
    Column("postcode", ("Location Postal Code", "Location Postcode", "Postcode"), required=False),
    Column("latitude", ("Location Latitude", "Latitude"), required=False),
    Column("longitude", ("Location Longitude", "Longitude"), required=False),
    Column("with_nursing", ("Service type - Care home service with nursing", "Care home service with nursing",
                            "Nursing home"), required=False),
    Column("without_nursing", ("Service type - Care home service without nursing",
                               "Care home service without nursing", "Residential home"), required=False),
    Column("primary_category", ("Location Primary Inspection Category", "Primary inspection category"),
           required=False),
]
RATINGS = {r.value.lower(): r.value for r in CqcRating} | {
    "": CqcRating.NOT_RATED.value, "not rated": CqcRating.NOT_RATED.value,
    "insufficient evidence to rate": CqcRating.NOT_RATED.value,
}


def _flag(values: pd.Series) -> pd.Series:
    return values.fillna("").astype(str).str.strip().str.lower().isin({"y", "yes", "true", "1"})


def parse_cqc(data: bytes, file_name: str, options: Options | None = None) -> Parsed:
    """Read the CQC directory and keep its care homes, with type, beds, rating and location."""
    options = options or {}
    hint = [a for c in COLUMNS for a in c.accepts()]
    raw = read_table(data, file_name, header_hint=hint, sheet=options.get("sheet"))
    problems = check_source("cqc", raw, file_name)
    if errors_in(problems):
        return Parsed(raw.iloc[0:0], problems, rows_read=len(raw))
    frame, more = match_columns(raw, COLUMNS, file=file_name)
    problems += more
    if any(p.severity == "error" for p in problems):
        return Parsed(frame.iloc[0:0], problems, rows_read=len(raw))
    homes = _flag(frame["care_home"])
    notes = [f"skipped {int((~homes).sum()):,} locations that are not care homes"] if (~homes).any() else []
    frame = frame[homes].copy()
    # the schema has refused blank or repeated IDs, bad bed counts, ratings, dates and points outside Great Britain
    frame["beds"] = to_number(frame["beds"])[0]
    frame["cqc_rating"] = frame["rating"].fillna("").astype(str).str.strip().str.lower().map(RATINGS)
    frame["rating_date"] = to_date(frame["rating_date"])[0]
    frame["latitude"], frame["longitude"] = to_number(frame["latitude"])[0], to_number(frame["longitude"])[0]
    nursing = _flag(frame["with_nursing"]) | frame["primary_category"].fillna("").str.lower().str.contains(
        "nursing")
    frame["care_type"] = [CareType.NURSING.value if n else CareType.RESIDENTIAL.value for n in nursing]
    out = frame[["_row", "location_id", "name", "beds", "care_type", "cqc_rating", "rating_date", "postcode",
                 "latitude", "longitude", "local_authority"]]
    return Parsed(out.reset_index(drop=True), problems, notes, rows_read=len(raw))


def _authority_key(name: object) -> str:
    text = str(name).lower().replace("london borough of", "").replace("royal borough of", "")
    return " ".join(text.replace("&", "and").split())


def validate_cqc(session: Session, frame: pd.DataFrame, file_name: str, options: Options) -> Parsed:
    """Place homes in boroughs by local authority name or code; skip (and count) homes elsewhere."""
    boroughs = session.execute(select(Borough.id, Borough.code, Borough.name)).all()
    by_key = {_authority_key(n): i for i, _c, n in boroughs} | {c.lower(): i for i, c, _n in boroughs}
    borough_id = frame["local_authority"].map(lambda v: by_key.get(_authority_key(v)) if isinstance(v, str) else None)
    outside = borough_id.isna()
    notes = []
    if outside.any():
        notes.append(f"skipped {int(outside.sum()):,} care homes in local authorities outside this dashboard")
    if not boroughs:
        return Parsed(frame.iloc[0:0], [Problem(file_name, None, "Location Local Authority", None, "the dashboard "
                      "has no boroughs yet; set up the system and boroughs before importing care homes")])
    return Parsed(frame[~outside].assign(borough_id=borough_id[~outside].astype("Int64")).reset_index(drop=True),
                  [], notes)


def load_cqc(session: Session, frame: pd.DataFrame, import_id: int, options: Options) -> dict[str, int]:
    """Upsert care homes by CQC location ID (PCN and aligned practice are kept as set elsewhere)."""
    rows = pd.DataFrame({
        "cqc_location_id": frame["location_id"], "name": frame["name"].fillna("").str.slice(0, 200),
        "beds": frame["beds"].astype("Int64"), "care_type": frame["care_type"], "cqc_rating": frame["cqc_rating"],
        "rating_date": frame["rating_date"], "postcode": text_or_none(frame["postcode"]),
        "latitude": frame["latitude"], "longitude": frame["longitude"], "borough_id": frame["borough_id"],
    })
    return {"care_home": upsert(session, CareHome, rows, keys=["cqc_location_id"])}


SOURCES = [
    Source("cqc", "CQC care directory (HSCA Active Locations)",
           "CQC's directory of active locations (CSV, XLSX or ODS): care homes with beds, type and rating.",
           (".csv", ".xlsx", ".ods"), parse_cqc, load_cqc, validate_cqc, options=("sheet",)),
]
