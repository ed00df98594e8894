"""The areas template: systems, their places and sub-ICB codes, PCNs, and corrections of practice and PCN links.

One row per area or link: ``level``, ``code``, ``name``, ``parent_code``, ``ons_code`` (a system's) and ``detach``:

- ``system`` (ODS code; ``ons_code`` optional) and ``borough`` (ONS code; parent: its system);
- ``sub_icb``: an ODS sub-ICB / CCG code whose practices and PCNs belong to the parent, a system (``93C`` -> QMJ)
  or a borough (a former borough CCG, ``07M`` -> Barnet E09000003: practices commissioned by or parented to it
  are in Barnet);
- ``place``: a borough (ONS code) added to a further system, so a system can be any group of places (a merged
  ICB of 13 boroughs);
- ``pcn``: creates or renames a PCN; its parent (a borough) is a correction of the PCN's link;
- ``practice``: a correction of a practice's link, parent a borough (ONS) or a PCN (``U`` + 5 digits).
A ``pcn`` or ``practice`` row with ``detach`` = yes takes it out of every system's footprint. Corrections are kept
apart from imported links (``link_correction``) and applied after every import, so they win over re-imports.
Parse (pure) -> validate (parents against the database) -> load (upsert).
"""

from __future__ import annotations

import pandas as pd
from sqlmodel import Session

from data.importers.common import Options, Parsed, Problem, Source, id_map, problems_where, text_or_none, upsert
from data.importers.kpi import TEMPLATE_EXTENSIONS
from data.importers.template_schemas import AREAS, read_template
from models import AreaMember, Borough, HealthSystem, LinkCorrection, Pcn, Practice

PARENT_LEVEL = {"borough": ("system",), "pcn": ("borough",), "sub_icb": ("system", "borough"), "place": ("system",),
                "practice": ("borough", "pcn")}


def parse_areas(data: bytes, file_name: str, options: Options | None = None) -> Parsed:
    """Read the areas template, every row checked by the schema ``AREAS`` (levels, code formats, names, parents,
    detach, one row per area); a blank ``detach`` is no."""
    read = read_template(data, file_name, AREAS)
    if read.refused:
        return read.rejected()
    frame = read.frame
    frame["detach"] = frame["detach"].fillna(False).astype(bool)
    return read.parsed(frame)


def validate_areas(session: Session, frame: pd.DataFrame, file_name: str, options: Options) -> Parsed:
    """Each parent must be an area of the parent level, in this file or already loaded."""
    known = {
        level: set(id_map(session, model)) | set(frame.loc[frame["level"] == level, "code"])
        for level, model in (("system", HealthSystem), ("borough", Borough), ("pcn", Pcn))
    }
    problems: list[Problem] = []
    for level, parents in PARENT_LEVEL.items():
        rows = (frame["level"] == level) & frame["parent_code"].notna()
        allowed = set().union(*(known[p] for p in parents))
        names = " or ".join(parents)
        problems += problems_where(rows & ~frame["parent_code"].isin(allowed), frame, file=file_name,
                                   column="parent_code",
                                   message=f"not a known {names} code; add a row for the {parents[0]} first "
                                           f"(level {parents[0]}) or correct the code")
    problems += problems_where((frame["level"] == "place") & ~frame["code"].isin(known["borough"]), frame,
                               file=file_name, column="code",
                               message="not a known borough; add it first (level borough, ONS code)")
    practices = set(id_map(session, Practice))
    problems += problems_where((frame["level"] == "practice") & ~frame["code"].isin(practices), frame,
                               file=file_name, column="code",
                               message="not a practice in the register; import epraccur first, or correct the code")
    return Parsed(frame, problems)


def load_areas(session: Session, frame: pd.DataFrame, import_id: int, options: Options) -> dict[str, int]:
    """Upsert systems, boroughs, PCNs (by code), system and borough members, and link corrections; the links
    themselves are then refreshed (``links.refresh_links``, run after every load)."""
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
    }), keys=["code"], update=["name"])
    members = frame[frame["level"].isin(["sub_icb", "place"])]
    counts["area_member"] = upsert(session, AreaMember, pd.DataFrame({
        "parent_level": members["parent_code"].map(lambda c: "system" if c in system_ids else "borough"),
        "parent_code": members["parent_code"],
        "member_level": members["level"].map({"sub_icb": "sub_icb", "place": "borough"}),
        "member_code": members["code"], "name": text_or_none(members["name"]), "import_id": import_id,
    }), keys=["parent_level", "parent_code", "member_level", "member_code"])
    fixes = frame[frame["level"].isin(["pcn", "practice"])]
    is_pcn = fixes["parent_code"].fillna("").str.match(r"U\d{5}$") & (fixes["level"] == "practice")
    counts["link_correction"] = upsert(session, LinkCorrection, pd.DataFrame({
        "level": fixes["level"], "code": fixes["code"],
        "borough_code": text_or_none(fixes["parent_code"].where(~is_pcn & ~fixes["detach"])),
        "pcn_code": text_or_none(fixes["parent_code"].where(is_pcn & ~fixes["detach"])),
        "detach": fixes["detach"], "import_id": import_id,
    }), keys=["level", "code"])
    return counts


SOURCES = [
    Source("areas", "Areas (systems, boroughs, sub-ICB codes, PCNs) and link corrections",
           "One row per area: level (system, borough, sub_icb, place, pcn, practice), code, name, parent code and "
           "detach. Load this first on an empty database; pcn and practice rows correct links and win over "
           "re-imports.",
           TEMPLATE_EXTENSIONS, parse_areas, load_areas, validate_areas),
]
