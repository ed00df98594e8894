"""The successors template: organisations succeeded by others (practice mergers, PCN or ICB mergers).

One row per predecessor: ``level`` (practice, pcn, borough or system), ``predecessor_code``, ``successor_code``
and ``effective_date`` (the first day the successor reports for it), optionally ``successor_name``. A successor's
series then carries its predecessors' history (``data/queries.py`` ``area_series``), and a practice
predecessor's earlier observations count as the successor's in roll-ups (``data/rollups.py``), so a merged
practice's or a merged ICB's trajectory starts before the merger. A system successor needs no areas template: it is
created (named ``successor_name``, else its code) and holds its predecessors' places and sub-ICB codes
(``data/footprint.py``), e.g. ``system,QMJ,QXX,2026-04-01,NHS West and North London`` and the same for QRV.
ODS publishes successions (epraccur close dates with a successor organisation, ICB successor records); this lookup
states them in one small file. Parse (pure; every row checked by the schema ``SUCCESSORS`` in
``template_schemas.py``) -> validate (successors exist) -> load (upsert by level and predecessor).
"""

from __future__ import annotations

import pandas as pd
from sqlmodel import Session

from data.importers.common import (
    REGISTER_HINT,
    Options,
    Parsed,
    Problem,
    Source,
    id_map,
    known_codes,
    problems_where,
    upsert,
)
from data.importers.kpi import TEMPLATE_EXTENSIONS
from data.importers.template_schemas import SUCCESSORS, read_template
from models import AreaLevel, HealthSystem, OrgSuccessor


def parse_successors(data: bytes, file_name: str, options: Options | None = None) -> Parsed:
    """Read the successors lookup through its schema (``SUCCESSORS``): levels, codes in their level's format,
    dates, a self-succession, a chain leading back to its predecessor and a predecessor given twice refused."""
    read = read_template(data, file_name, SUCCESSORS)
    if read.refused:
        return read.rejected()
    return read.parsed(read.frame)


def validate_successors(session: Session, frame: pd.DataFrame, file_name: str, options: Options) -> Parsed:
    """Every successor must be in its level's register (the predecessor may be closed or never loaded); a
    successor system may be new."""
    problems: list[Problem] = []
    for level in frame["level"].dropna().unique():
        if level == AreaLevel.SYSTEM.value:
            continue  # a successor system (a merged ICB) is created by the load
        rows = frame["level"] == level
        known = known_codes(session, level, frame.loc[rows, "successor_code"])
        problems += problems_where(rows & ~frame["successor_code"].isin(known), frame, file=file_name,
                                   column="successor_code",
                                   message=f"not a known {level}; {REGISTER_HINT[AreaLevel(level)]}")
    return Parsed(frame, problems)


def load_successors(session: Session, frame: pd.DataFrame, import_id: int, options: Options) -> dict[str, int]:
    """Upsert successions by (level, predecessor); create successor systems not yet known (named by
    ``successor_name``, else their code)."""
    counts: dict[str, int] = {}
    systems = frame[frame["level"] == AreaLevel.SYSTEM.value]
    if len(systems):
        known = set(id_map(session, HealthSystem))
        names = systems["successor_name"].where(systems["successor_name"].notna(), systems["successor_code"])
        new = pd.DataFrame({"code": systems["successor_code"], "name": names.astype(str).str.slice(0, 200)})
        new = new[~new["code"].isin(known)].drop_duplicates("code")
        if len(new):
            counts["health_system"] = upsert(session, HealthSystem, new, keys=["code"])
    rows = frame[["level", "predecessor_code", "successor_code", "effective_date"]].assign(import_id=import_id)
    counts["org_successor"] = upsert(session, OrgSuccessor, rows, keys=["level", "predecessor_code"])
    return counts


SOURCES = [
    Source("successors", "Successors (practice, PCN and ICB mergers)",
           "One row per predecessor: level, predecessor_code, successor_code, effective_date. The successor's "
           "series carries its predecessors' history.",
           TEMPLATE_EXTENSIONS, parse_successors, load_successors, validate_successors),
]
