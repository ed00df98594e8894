"""A system's footprint: which boroughs, sub-ICB codes, PCNs and practices belong to it (issue 16).

A system (ICB, or any group of places) is its own boroughs (``Borough.system_id``) plus the places the areas
template adds to it (``area_member`` system -> borough), and its sub-ICB (commissioner) codes: those given to the
system and those given to its boroughs (a former borough CCG such as 07M Barnet). A practice belongs to a system
when an analyst reassigned it to one of the system's places; else, when the system has sub-ICB codes and the
practice an ODS commissioner, when that commissioner is one of them; else when its borough is one of the places.
A PCN likewise, by its ODS parent sub-ICB. An analyst's ``detach`` correction takes either out of every system.

These are SQL selects (used inside queries, so they stay set-based at England scale) and frames built from them.
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Select, exists, or_, select, union
from sqlmodel import Session

from models import AreaMember, Borough, HealthSystem, LinkCorrection, Pcn, Practice

SYSTEM, BOROUGH, SUB_ICB = "system", "borough", "sub_icb"
OPEN_STATUSES = ("A",)  # ODS status codes that count as open: active (dormant D, closed C, proposed P do not)


def system_borough_codes(system_code: str) -> Select:
    """ONS codes of the system's places: its own boroughs and the places the areas template adds to it."""
    own = select(Borough.code).join(HealthSystem, HealthSystem.id == Borough.system_id).where(
        HealthSystem.code == system_code)
    added = select(AreaMember.member_code).where(
        AreaMember.parent_level == SYSTEM, AreaMember.parent_code == system_code, AreaMember.member_level == BOROUGH)
    return union(own, added).subquery().select()


def system_sub_icb_codes(system_code: str) -> Select:
    """ODS sub-ICB (commissioner) codes of the system: its own and its boroughs' (former borough CCGs)."""
    own = select(AreaMember.member_code).where(
        AreaMember.parent_level == SYSTEM, AreaMember.parent_code == system_code, AreaMember.member_level == SUB_ICB)
    places = select(AreaMember.member_code).where(
        AreaMember.parent_level == BOROUGH, AreaMember.member_level == SUB_ICB,
        AreaMember.parent_code.in_(system_borough_codes(system_code)))
    return union(own, places).subquery().select()


def detached_codes(level: str) -> Select:
    """Codes of practices or PCNs an analyst detached from every footprint."""
    return select(LinkCorrection.code).where(LinkCorrection.level == level, LinkCorrection.detach.is_(True))


def _corrected_into(level: str, system_code: str) -> Select:
    """Codes an analyst reassigned to one of the system's boroughs."""
    return select(LinkCorrection.code).where(
        LinkCorrection.level == level, LinkCorrection.borough_code.in_(system_borough_codes(system_code)))


def _members(code: object, sub_icb: object, level: str, system_code: str) -> object:
    """SQL condition for an organisation (``code``, ODS parent ``sub_icb``, joined to its ``Borough``) being in the
    system: reassigned into one of its places; else, when the system has sub-ICB codes and the organisation an ODS
    parent, by that parent; else by its borough. Detached organisations never are."""
    subs = system_sub_icb_codes(system_code)
    has_subs = exists(subs.subquery().select())
    by_parent = sub_icb.is_not(None) & has_subs  # type: ignore[attr-defined]
    return code.not_in(detached_codes(level)) & or_(  # type: ignore[attr-defined]
        code.in_(_corrected_into(level, system_code)),  # type: ignore[attr-defined]
        by_parent & sub_icb.in_(subs),  # type: ignore[attr-defined]
        ~by_parent & Borough.code.in_(system_borough_codes(system_code)),
    )


def system_practice_codes(system_code: str) -> Select:
    """Codes of the system's practices (any status): commissioned by one of its sub-ICBs (when it has them), or in
    one of its places, or reassigned into one."""
    return select(Practice.code).join(Borough, Borough.id == Practice.borough_id, isouter=True).where(
        _members(Practice.code, Practice.commissioner_code, "practice", system_code))


def system_pcn_codes(system_code: str) -> Select:
    """Codes of the system's PCNs (open or closed): parented by one of its sub-ICBs (when it has them), or in one of
    its places, or reassigned into one."""
    return select(Pcn.code).join(Borough, Borough.id == Pcn.borough_id, isouter=True).where(
        _members(Pcn.code, Pcn.sub_icb_code, "pcn", system_code))


def practice_is_open() -> object:
    """SQL condition: the practice is open (no close date and an active or unknown ODS status)."""
    return Practice.close_date.is_(None) & or_(Practice.status.is_(None), Practice.status.in_(OPEN_STATUSES))


def pcn_is_open() -> object:
    """SQL condition: the PCN has no close date."""
    return Pcn.close_date.is_(None)


def system_codes(session: Session) -> list[str]:
    """Every system's ODS code."""
    return list(session.execute(select(HealthSystem.code).order_by(HealthSystem.code)).scalars())


def practice_systems(session: Session) -> pd.DataFrame:
    """Practice -> system pairs for every system (a practice may be in two: NCL and a merged ICB).

    Columns: practice_code, system_code.
    """
    frames = [
        pd.DataFrame(session.execute(system_practice_codes(code)).scalars().all(), columns=["practice_code"])
        .assign(system_code=code)
        for code in system_codes(session)
    ]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["practice_code", "system_code"])


def borough_systems(session: Session) -> pd.DataFrame:
    """Borough -> system pairs (own system and added places). Columns: borough_code, system_code."""
    rows = []
    for code in system_codes(session):
        rows += [(b, code) for b in session.execute(system_borough_codes(code)).scalars()]
    return pd.DataFrame(rows, columns=["borough_code", "system_code"])


def system_sub_icbs(session: Session) -> pd.DataFrame:
    """System -> sub-ICB code pairs. Columns: system_code, sub_icb_code."""
    rows = []
    for code in system_codes(session):
        rows += [(code, s) for s in session.execute(system_sub_icb_codes(code)).scalars()]
    return pd.DataFrame(rows, columns=["system_code", "sub_icb_code"])


def sub_icb_boroughs(session: Session) -> dict[str, str]:
    """Sub-ICB or former CCG code -> the one borough it is given to (codes given to several boroughs are left out)."""
    rows = pd.DataFrame(session.execute(select(AreaMember.member_code, AreaMember.parent_code).where(
        AreaMember.parent_level == BOROUGH, AreaMember.member_level == SUB_ICB)).all(),
        columns=["sub_icb", "borough"])
    single = rows.groupby("sub_icb")["borough"].nunique()
    rows = rows[rows["sub_icb"].isin(single[single == 1].index)]
    return dict(zip(rows["sub_icb"], rows["borough"], strict=True))


__all__ = [
    "OPEN_STATUSES", "borough_systems", "detached_codes", "pcn_is_open", "practice_is_open",
    "practice_systems", "sub_icb_boroughs", "system_borough_codes", "system_codes", "system_pcn_codes",
    "system_practice_codes", "system_sub_icb_codes", "system_sub_icbs",
]
