"""The neighbourhoods template: practices or LSOAs -> neighbourhood (2025 neighbourhood health guidance).

Neighbourhoods group the population of a place (borough) for integrated neighbourhood teams; they are not always
PCNs. One row per member: ``neighbourhood_code``, ``neighbourhood_name``, ``place_code`` (the borough's ONS code),
``member_level`` (``practice`` or ``lsoa``) and ``member_code`` (an ODS practice code or an LSOA code). A practice or
an LSOA is in at most one neighbourhood; a re-import moves it. Practice values roll up to a neighbourhood by its
practice members, or by the LSOA the practice stands in for LSOA-defined neighbourhoods (``data/rollups.py``).
Parse (pure; every row checked by the schema ``NEIGHBOURHOODS`` in ``template_schemas.py``) -> validate (places,
practices and LSOAs against the database) -> load (upsert).
"""

from __future__ import annotations

import pandas as pd
from sqlmodel import Session

from data.importers.common import (
    Options,
    Parsed,
    Problem,
    Source,
    id_map,
    known_codes,
    problems_where,
    text_or_none,
    upsert,
)
from data.importers.kpi import TEMPLATE_EXTENSIONS
from data.importers.template_schemas import NEIGHBOURHOODS, read_template
from models import AreaLevel, Borough, Neighbourhood, NeighbourhoodMember, Practice


def parse_neighbourhoods(data: bytes, file_name: str, options: Options | None = None) -> Parsed:
    """Read the lookup through its schema (``NEIGHBOURHOODS``): every row checked before anything is converted.

    The schema refuses an unknown member level, a code not in its level's format, a member in two
    neighbourhoods (naming both rows) and a neighbourhood given two names or two places.
    """
    read = read_template(data, file_name, NEIGHBOURHOODS)
    if read.refused:
        return read.rejected()
    return read.parsed(read.frame)


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
    given = frame.dropna(subset=["place_code"]).drop_duplicates("neighbourhood_code")  # the place may be on any row
    areas = areas.assign(place_code=areas["neighbourhood_code"].map(
        dict(zip(given["neighbourhood_code"], given["place_code"], strict=True))))
    counts = {"neighbourhood": upsert(session, Neighbourhood, pd.DataFrame({
        "code": areas["neighbourhood_code"], "name": areas["neighbourhood_name"],
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
