"""The neighbourhoods template: practices or LSOAs -> neighbourhood (2025 neighbourhood health guidance).

Neighbourhoods group the population of a place (borough) for integrated neighbourhood teams; they are not always
PCNs. One row per member: ``neighbourhood_code``, ``neighbourhood_name``, ``place_code`` (the borough's ONS code),
``member_level`` (``practice`` or ``lsoa``) and ``member_code`` (an ODS practice code or an LSOA code). A practice or
an LSOA is in at most one neighbourhood; a re-import moves it. Practice values roll up to a neighbourhood by its
practice members, or by the LSOA the practice stands in for LSOA-defined neighbourhoods (``data/rollups.py``).
Parse (pure) -> validate (places, practices and LSOAs against the database) -> load (upsert).
"""

from __future__ import annotations

import pandas as pd
from sqlmodel import Session

from data.importers.common import (
    Column,
    Options,
    Parsed,
    Problem,
    Source,
    clean_code,
    id_map,
    known_codes,
    problems_where,
    text_or_none,
    upsert,
)
from data.importers.kpi import TEMPLATE_EXTENSIONS, _duplicates, _read, _required_text
from models import AreaLevel, Borough, Neighbourhood, NeighbourhoodMember, Practice

MEMBER_LEVELS = (AreaLevel.PRACTICE.value, AreaLevel.LSOA.value)
NEIGHBOURHOOD_COLUMNS = [
    Column("neighbourhood_code", ("neighbourhood", "code")),
    Column("neighbourhood_name", ("name",)),
    Column("place_code", ("place", "borough code", "borough"), required=False),
    Column("member_level", ("level", "member type")),
    Column("member_code", ("member", "practice code", "lsoa code")),
]


def parse_neighbourhoods(data: bytes, file_name: str, options: Options | None = None) -> Parsed:
    """Read the lookup; codes cleaned, member levels checked, a member in two neighbourhoods refused."""
    frame, problems, n = _read(data, file_name, NEIGHBOURHOOD_COLUMNS)
    if any(p.severity == "error" for p in problems):
        return Parsed(frame.iloc[0:0], problems, rows_read=n)
    for column in ("neighbourhood_code", "place_code", "member_code"):
        frame[column] = clean_code(frame[column])
    raw = frame["member_level"]
    frame["member_level"] = raw.astype("string").str.strip().str.lower().astype(object)
    problems += problems_where(~frame["member_level"].isin(MEMBER_LEVELS), frame, file=file_name,
                               column="member_level", values=raw,
                               message="a neighbourhood's members are practices or LSOAs: write practice or lsoa")
    problems += _required_text(frame, "neighbourhood_code", file_name, "give the neighbourhood's code")
    problems += _required_text(frame, "neighbourhood_name", file_name, "give the neighbourhood's name")
    problems += _required_text(frame, "member_code", file_name, "give the practice's ODS code or the LSOA code")
    problems += _duplicates(frame, ["member_level", "member_code"], file_name, "member_code")
    names = frame.dropna(subset=["neighbourhood_code"]).groupby("neighbourhood_code")
    for column, what in (("neighbourhood_name", "name"), ("place_code", "place")):
        clash = names[column].nunique() > 1
        bad = frame["neighbourhood_code"].isin(clash[clash].index)
        problems += problems_where(bad, frame, file=file_name, column=column,
                                   message=f"this neighbourhood is given more than one {what}; use one")
    return Parsed(frame, problems, rows_read=n)


def validate_neighbourhoods(session: Session, frame: pd.DataFrame, file_name: str, options: Options) -> Parsed:
    """Places must be boroughs, practices in the register and LSOAs among the loaded LSOA boundaries."""
    problems: list[Problem] = []
    places = set(id_map(session, Borough))
    problems += problems_where(frame["place_code"].notna() & ~frame["place_code"].isin(places), frame,
                               file=file_name, column="place_code",
                               message="not a borough of this dashboard; use its ONS code (E09...)")
    practices = frame["member_level"] == AreaLevel.PRACTICE.value
    known = set(id_map(session, Practice))
    problems += problems_where(practices & ~frame["member_code"].isin(known), frame, file=file_name,
                               column="member_code",
                               message="not a practice in the register; import epraccur first, or correct the code")
    lsoas = frame["member_level"] == AreaLevel.LSOA.value
    found = known_codes(session, AreaLevel.LSOA, frame.loc[lsoas, "member_code"])
    problems += problems_where(lsoas & ~frame["member_code"].isin(found), frame, file=file_name,
                               column="member_code",
                               message="not a loaded LSOA; import the LSOA boundaries first, or correct the code")
    return Parsed(frame, problems)


def load_neighbourhoods(session: Session, frame: pd.DataFrame, import_id: int, options: Options) -> dict[str, int]:
    """Upsert neighbourhoods by code and members by (level, code), so a re-import moves a member."""
    areas = frame.drop_duplicates("neighbourhood_code")
    counts = {"neighbourhood": upsert(session, Neighbourhood, pd.DataFrame({
        "code": areas["neighbourhood_code"], "name": areas["neighbourhood_name"].str.slice(0, 200),
        "borough_code": text_or_none(areas["place_code"]), "import_id": import_id}), keys=["code"])}
    counts["neighbourhood_member"] = upsert(session, NeighbourhoodMember, pd.DataFrame({
        "neighbourhood_code": frame["neighbourhood_code"], "member_level": frame["member_level"],
        "member_code": frame["member_code"], "import_id": import_id}), keys=["member_level", "member_code"])
    return counts


SOURCES = [
    Source("neighbourhoods", "Neighbourhoods (practices or LSOAs -> neighbourhood)",
           "One row per member: neighbourhood_code, neighbourhood_name, place_code (borough ONS code), member_level "
           "(practice or lsoa), member_code. Practice values roll up to each neighbourhood.",
           TEMPLATE_EXTENSIONS, parse_neighbourhoods, load_neighbourhoods, validate_neighbourhoods),
]
