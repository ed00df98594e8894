"""The successors template: organisations succeeded by others (practice mergers, PCN or ICB mergers).

One row per predecessor: ``level`` (practice, pcn, borough or system), ``predecessor_code``, ``successor_code``
and ``effective_date`` (the first day the successor reports for it), optionally ``successor_name``. A successor's
series then carries its predecessors' history (``data/queries.py`` ``area_series``), and a practice
predecessor's earlier observations count as the successor's in roll-ups (``data/rollups.py``), so a merged
practice's or a merged ICB's trajectory starts before the merger. A system successor needs no areas template: it is
created (named ``successor_name``, else its code) and holds its predecessors' places and sub-ICB codes
(``data/footprint.py``), e.g. ``system,QMJ,QXX,2026-04-01,NHS West and North London`` and the same for QRV.
ODS publishes successions (epraccur close dates with a successor organisation, ICB successor records); this lookup
states them in one small file. Parse (pure) -> validate (successors exist) -> load (upsert by level and
predecessor).
"""

from __future__ import annotations

import pandas as pd
from sqlmodel import Session

from data.importers.common import (
    REGISTER_HINT,
    Column,
    Options,
    Parsed,
    Problem,
    Source,
    clean_code,
    id_map,
    known_codes,
    problems_where,
    upsert,
)
from data.importers.kpi import TEMPLATE_EXTENSIONS, _dates, _duplicates, _levels, _read, _required_text
from models import AreaLevel, HealthSystem, OrgSuccessor

SUCCESSION_LEVELS = (AreaLevel.PRACTICE.value, AreaLevel.PCN.value, AreaLevel.BOROUGH.value, AreaLevel.SYSTEM.value)
SUCCESSOR_COLUMNS = [
    Column("level", ("area level", "area_level", "organisation type")),
    Column("predecessor_code", ("predecessor", "old code", "from code", "closed code")),
    Column("successor_code", ("successor", "new code", "to code")),
    Column("effective_date", ("effective", "date", "merger date", "succession date")),
    Column("successor_name", ("name", "new name"), required=False),
]


def _cycles(frame: pd.DataFrame) -> set[int]:
    """Rows whose chain of successors leads back to their predecessor (A -> B -> A)."""
    nxt = dict(zip(zip(frame["level"], frame["predecessor_code"], strict=True), frame["successor_code"], strict=True))
    bad = set()
    for i, (level, start) in enumerate(zip(frame["level"], frame["predecessor_code"], strict=True)):
        code, steps = nxt.get((level, start)), 0
        while code is not None and steps <= len(nxt):
            if code == start:
                bad.add(i)
                break
            code, steps = nxt.get((level, code)), steps + 1
    return bad


def parse_successors(data: bytes, file_name: str, options: Options | None = None) -> Parsed:
    """Read the successors lookup; codes cleaned, dates read, a self-succession or a cycle refused."""
    frame, problems, n = _read(data, file_name, SUCCESSOR_COLUMNS)
    if any(p.severity == "error" for p in problems):
        return Parsed(frame.iloc[0:0], problems, rows_read=n)
    problems += _levels(frame, "level", file_name)
    wrong = frame["level"].notna() & ~frame["level"].isin(SUCCESSION_LEVELS)
    problems += problems_where(wrong, frame, file=file_name, column="level",
                               message=f"successions are recorded for {', '.join(SUCCESSION_LEVELS)} only")
    for column in ("predecessor_code", "successor_code"):
        frame[column] = clean_code(frame[column])
        problems += _required_text(frame, column, file_name, "give the organisation's ODS (or ONS) code")
    problems += _dates(frame, ["effective_date"], file_name)
    problems += _required_text(frame, "effective_date", file_name, "give the first day the successor reports")
    same = frame["predecessor_code"].notna() & (frame["predecessor_code"] == frame["successor_code"])
    problems += problems_where(same, frame, file=file_name, column="successor_code",
                               message="an organisation cannot succeed itself")
    usable = frame.dropna(subset=["level", "predecessor_code", "successor_code"])
    usable = usable[usable["predecessor_code"] != usable["successor_code"]].reset_index(drop=True)
    looped = usable.iloc[sorted(_cycles(usable))] if len(usable) else usable
    problems += problems_where(pd.Series(True, index=looped.index), looped, file=file_name,
                               column="successor_code", values=looped["successor_code"],
                               message="this chain of successors leads back to the predecessor; remove one row")
    problems += _duplicates(frame, ["level", "predecessor_code"], file_name, "predecessor_code")
    return Parsed(frame[["_row", *(c.name for c in SUCCESSOR_COLUMNS)]], problems, rows_read=n)


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
