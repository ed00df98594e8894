"""The areas template: the system (ICS), its boroughs and PCNs, so a dashboard can start from an empty database.

One row per area: ``level`` (system, borough or pcn), ``code`` (ODS code for a system or PCN, ONS code for a
borough), ``name`` and ``parent_code`` (a borough's system, a PCN's borough). A system may give its ONS code.
Parse (pure) -> validate (parents against the database) -> load (upsert).
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
    problems_where,
    text_or_none,
    upsert,
)
from data.importers.kpi import TEMPLATE_EXTENSIONS, _duplicates, _read, _required_text
from models import Borough, HealthSystem, Pcn

AREA_LEVELS = ("system", "borough", "pcn")
PARENT_LEVEL = {"borough": "system", "pcn": "borough"}
AREA_COLUMNS = [
    Column("level", ("area level", "type", "area type")),
    Column("code", ("area code", "ods code")),
    Column("name", ("area name",)),
    Column("parent_code", ("parent", "parent code", "system code", "borough code"), required=False),
    Column("ons_code", ("ons", "ons system code"), required=False),
]


def parse_areas(data: bytes, file_name: str, options: Options | None = None) -> Parsed:
    """Read the areas template; every borough and PCN names its parent."""
    frame, problems, n = _read(data, file_name, AREA_COLUMNS)
    if any(p.severity == "error" for p in problems):
        return Parsed(frame.iloc[0:0], problems, rows_read=n)
    raw_level = frame["level"]
    frame["level"] = raw_level.astype("string").str.strip().str.lower().astype(object)
    problems += problems_where(~frame["level"].isin(AREA_LEVELS), frame, file=file_name, column="level",
                               values=raw_level, message=f"unknown level; use one of: {', '.join(AREA_LEVELS)}")
    frame["code"] = clean_code(frame["code"])
    frame["parent_code"] = clean_code(frame["parent_code"])
    frame["ons_code"] = clean_code(frame["ons_code"])
    problems += _required_text(frame, "code", file_name, "give the area's code")
    problems += _required_text(frame, "name", file_name, "give the area's name")
    needs_parent = frame["level"].isin(list(PARENT_LEVEL)) & frame["parent_code"].isna()
    problems += problems_where(needs_parent, frame, file=file_name, column="parent_code",
                               message="a borough needs its system's code and a PCN its borough's code")
    problems += _duplicates(frame, ["level", "code"], file_name, "code")
    return Parsed(frame, problems, rows_read=n)


def validate_areas(session: Session, frame: pd.DataFrame, file_name: str, options: Options) -> Parsed:
    """Each parent must be an area of the parent level, in this file or already loaded."""
    known = {
        "system": set(id_map(session, HealthSystem)) | set(frame.loc[frame["level"] == "system", "code"]),
        "borough": set(id_map(session, Borough)) | set(frame.loc[frame["level"] == "borough", "code"]),
    }
    problems: list[Problem] = []
    for level, parent in PARENT_LEVEL.items():
        rows = frame["level"] == level
        problems += problems_where(rows & ~frame["parent_code"].isin(known[parent]), frame, file=file_name,
                                   column="parent_code",
                                   message=f"not a known {parent} code; add a row for the {parent} first "
                                           f"(level {parent}) or correct the code")
    return Parsed(frame, problems)


def load_areas(session: Session, frame: pd.DataFrame, import_id: int, options: Options) -> dict[str, int]:
    """Upsert systems, then boroughs, then PCNs (each by code). Practices without a borough then take one from
    their location or PCN (``links.fill_area_links``, run after every load)."""
    counts: dict[str, int] = {}
    systems = frame[frame["level"] == "system"]
    counts["health_system"] = upsert(session, HealthSystem, pd.DataFrame({
        "code": systems["code"], "name": systems["name"], "ons_code": text_or_none(systems["ons_code"]),
    }), keys=["code"])
    system_ids = id_map(session, HealthSystem)
    boroughs = frame[frame["level"] == "borough"]
    counts["borough"] = upsert(session, Borough, pd.DataFrame({
        "code": boroughs["code"], "name": boroughs["name"], "system_id": boroughs["parent_code"].map(system_ids),
    }), keys=["code"])
    borough_ids = id_map(session, Borough)
    pcns = frame[frame["level"] == "pcn"]
    counts["pcn"] = upsert(session, Pcn, pd.DataFrame({
        "code": pcns["code"], "name": pcns["name"], "borough_id": pcns["parent_code"].map(borough_ids),
    }), keys=["code"])
    return counts


SOURCES = [
    Source("areas", "Areas (system, boroughs and PCNs)",
           "One row per area: level (system, borough, pcn), code, name and parent code. Load this first on an "
           "empty database; practices then take their PCN's borough.",
           TEMPLATE_EXTENSIONS, parse_areas, load_areas, validate_areas),
]
