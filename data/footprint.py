"""A system's footprint: which boroughs, sub-ICB codes, PCNs and practices belong to it (issue 16).

A system (ICB, or any group of places) is its own boroughs (``Borough.system_id``) plus the places the areas
template adds to it (``area_member`` system -> borough), and its sub-ICB (commissioner) codes: those given to the
system and those given to its boroughs (a former borough CCG such as 07M Barnet). A practice belongs to a system
when an analyst reassigned it to one of the system's places; else, when the system has sub-ICB codes and the
practice an ODS commissioner, when that commissioner is one of them; else when its borough is one of the places.
A PCN likewise, by its ODS parent sub-ICB. An analyst's ``detach`` correction takes either out of every system.
A system that succeeded others (``org_successor`` at level system: ICBs QMJ and QRV merged) holds their places and
sub-ICB codes too, so a merged ICB of 13 boroughs needs only its successor records.

These are SQL selects (used inside queries, so they stay set-based at England scale) and frames built from them.

With no areas template, :func:`derive_footprint` works the footprint out of the published files themselves: the
loaded borough (LAD) boundaries become the places, the sub-ICB (commissioner) codes whose located practices mostly
stand in them become the system's, the system's code is those practices' ODS High Level Health Geography (the ICB,
``QMJ``), and a former CCG code that the NHS website gives as practices' parent (``07M``) is given to the borough
where nearly all of its practices stand. It is pure (frames in, a :class:`DerivedFootprint` out).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pandas as pd
from sqlalchemy import Select, exists, or_, select, union
from sqlmodel import Session

from models import AreaMember, Borough, HealthSystem, LinkCorrection, OrgSuccessor, Pcn, Practice

SYSTEM, BOROUGH, SUB_ICB = "system", "borough", "sub_icb"
OPEN_STATUSES = ("A",)  # ODS status codes that count as open: active (dormant D, closed C, proposed P do not)


def predecessor_systems(system_code: str) -> Select:
    """Codes of the systems the system succeeded (``org_successor`` at level system: an ICB merger, QMJ + QRV ->
    the merged ICB). A successor system's footprint holds its predecessors' places and sub-ICB codes."""
    return select(OrgSuccessor.predecessor_code).where(
        OrgSuccessor.level == SYSTEM, OrgSuccessor.successor_code == system_code)


def _system_or_predecessor(system_code: str) -> object:
    return or_(AreaMember.parent_code == system_code, AreaMember.parent_code.in_(predecessor_systems(system_code)))


def system_borough_codes(system_code: str) -> Select:
    """ONS codes of the system's places: its own boroughs, the places the areas template adds to it, and those of
    the systems it succeeded (a merged ICB)."""
    codes = or_(HealthSystem.code == system_code, HealthSystem.code.in_(predecessor_systems(system_code)))
    own = select(Borough.code).join(HealthSystem, HealthSystem.id == Borough.system_id).where(codes)
    added = select(AreaMember.member_code).where(
        AreaMember.parent_level == SYSTEM, _system_or_predecessor(system_code), AreaMember.member_level == BOROUGH)
    return union(own, added).subquery().select()


def system_sub_icb_codes(system_code: str) -> Select:
    """ODS sub-ICB (commissioner) codes of the system: its own, its predecessors' and its boroughs' (former
    borough CCGs)."""
    own = select(AreaMember.member_code).where(
        AreaMember.parent_level == SYSTEM, _system_or_predecessor(system_code), AreaMember.member_level == SUB_ICB)
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


# ----------------------------------------------------------------------- the footprint derived from ODS files

SUB_ICB_SHARE = 0.5  # a sub-ICB is the footprint's when more than half its located open practices stand in it
FORMER_CCG_SHARE = 0.8  # a former CCG code goes to the borough holding at least 80% of its located practices
ACRONYMS = {"NHS", "ICB", "CCG", "PCN", "ICS", "STP", "UK", "NCL", "NWL"}


def title_name(name: str) -> str:
    """An ODS upper-case name in title case, acronyms kept (``NHS NORTH CENTRAL LONDON ICB`` -> ``NHS North
    Central London ICB``), with a trailing `` - 93C`` code removed."""
    name = re.sub(r"\s*-\s*[A-Z0-9]{3,5}$", "", str(name).strip())
    return " ".join(w if w.upper() in ACRONYMS else w.capitalize() if w.isupper() else w for w in name.split())


@dataclass
class DerivedFootprint:
    """Systems, boroughs and members worked out from the published files, and what a person should know.

    ``systems``: code, name, source; ``boroughs``: code, name, system_code; ``members``: parent_level,
    parent_code, member_level, member_code, name (as ``area_member``); ``notes``: what was derived from what, and
    the conflicts found.
    """

    systems: pd.DataFrame
    boroughs: pd.DataFrame
    members: pd.DataFrame
    notes: list[str] = field(default_factory=list)


def derive_footprint(lads: pd.DataFrame, practices: pd.DataFrame, relations: pd.DataFrame) -> DerivedFootprint:
    """Work the footprint out of ODS relationships and the loaded borough boundaries.

    Args:
        lads: the loaded borough boundaries: code, name.
        practices: one row per practice: code, commissioner (ODS sub-ICB), parent (NHS website parent code, a
            former CCG), is_open, lad_code (the boundary its point stands in, None when outside or unlocated).
        relations: sub_icb_code, icb_code (epraccur High Level Health Geography, may be blank), sub_icb_name
            (ePCN parent name, may be blank), one row per sub-ICB.

    Returns:
        A :class:`DerivedFootprint`; each borough goes to the system commissioning most of the open practices
        standing in it; a borough with none is left out (and noted).
    """
    notes: list[str] = []
    empty = DerivedFootprint(pd.DataFrame(columns=["code", "name", "source"]),
                             pd.DataFrame(columns=["code", "name", "system_code"]),
                             pd.DataFrame(columns=["parent_level", "parent_code", "member_level", "member_code",
                                                   "name"]), notes)
    lads = lads.drop_duplicates("code").sort_values("code").reset_index(drop=True)
    open_located = practices[practices["is_open"].astype(bool) & practices["commissioner"].notna()]
    if lads.empty or open_located.empty:
        notes.append("no footprint derived: it needs borough (LAD) boundaries and the epraccur practice register")
        return empty
    with_point = open_located[open_located["has_point"].astype(bool)]
    inside = with_point[with_point["lad_code"].notna()]
    share = (inside.groupby("commissioner").size() / with_point.groupby("commissioner").size()).fillna(0.0)
    subs = sorted(share[share > SUB_ICB_SHARE].index)
    if not subs:
        notes.append("no footprint derived: no sub-ICB has most of its located open practices in the loaded "
                     "borough boundaries (load the NHS website GP file for practice locations)")
        return empty
    rel = relations.drop_duplicates("sub_icb_code").set_index("sub_icb_code")
    icb = {s: (rel["icb_code"].get(s) if s in rel.index and pd.notna(rel["icb_code"].get(s)) else s) for s in subs}
    sub_names = {s: rel["sub_icb_name"].get(s) for s in subs if s in rel.index and pd.notna(rel["sub_icb_name"].get(s))}
    # each borough to the system whose sub-ICBs commission most of the open practices standing in it
    ours = inside[inside["commissioner"].isin(subs)].assign(system_code=lambda f: f["commissioner"].map(icb))
    votes = ours.groupby(["lad_code", "system_code"]).size().rename("n").reset_index()
    votes = votes.sort_values(["lad_code", "n", "system_code"], ascending=[True, False, True])
    lad_system = votes.drop_duplicates("lad_code").set_index("lad_code")["system_code"]
    boroughs = lads[lads["code"].isin(lad_system.index)].assign(system_code=lambda f: f["code"].map(lad_system))
    left = lads.loc[~lads["code"].isin(lad_system.index), "code"]
    if len(left):
        notes.append(f"{len(left)} borough boundaries hold no open practice of the derived system and were not "
                     f"made places: {', '.join(left.head(5))}")
    systems = []
    for code in sorted(set(lad_system)):
        its_subs = [s for s in subs if icb[s] == code]
        named = [title_name(sub_names[s]) for s in its_subs if s in sub_names]
        name = named[0] if named else code
        source = (f"ODS High Level Health Geography of the practices commissioned by {', '.join(its_subs)}"
                  if code not in its_subs else f"sub-ICB {code} (no High Level Health Geography given)")
        systems.append((code, name, source))
        places = boroughs.loc[boroughs["system_code"] == code, "name"]
        notes.append(f"derived system {code} '{name}' ({source}; name from "
                     f"{'the ePCN sub-ICB name' if named else 'its code'}) with sub-ICB {', '.join(its_subs)} and "
                     f"{len(places)} places from the borough boundaries: {', '.join(places)}")
    members = [("system", icb[s], "sub_icb", s, title_name(sub_names[s]) if s in sub_names else None)
               for s in subs if icb[s] in set(lad_system)]
    # former CCG codes (NHS website parent) given to the borough where nearly all their practices stand
    parents = with_point[with_point["commissioner"].isin(subs) & with_point["parent"].notna()
                         & ~with_point["parent"].isin(subs)]
    for parent, group in parents.groupby("parent"):
        counts = group["lad_code"].value_counts()
        if counts.empty:
            continue
        lad, n = counts.index[0], int(counts.iloc[0])
        if lad in set(boroughs["code"]) and n >= FORMER_CCG_SHARE * len(group):
            members.append(("borough", lad, "sub_icb", parent, None))
            off = len(group) - n
            name = boroughs.loc[boroughs["code"] == lad, "name"].iloc[0]
            notes.append(f"former CCG {parent} (NHS website parent of {len(group)} located practices) given to "
                         f"{name}: {n} stand in it" + (f", {off} elsewhere (kept in {name} by the published link)"
                                                       if off else ""))
    foreign = inside[~inside["commissioner"].isin(subs)]
    if len(foreign):
        notes.append(f"{len(foreign)} open practices stand in these boroughs but are commissioned by another "
                     f"sub-ICB ({', '.join(sorted(foreign['commissioner'].unique())[:5])}) and were left out, e.g. "
                     f"{', '.join(foreign['code'].head(5))}")
    away = with_point[with_point["commissioner"].isin(subs) & with_point["lad_code"].isna()]
    if len(away):
        notes.append(f"{len(away)} open practices of the derived system stand outside its borough boundaries (kept "
                     f"in the system by their commissioner), e.g. {', '.join(away['code'].head(5))}")
    return DerivedFootprint(
        pd.DataFrame(systems, columns=["code", "name", "source"]),
        boroughs[["code", "name", "system_code"]].reset_index(drop=True),
        pd.DataFrame(members, columns=["parent_level", "parent_code", "member_level", "member_code", "name"]),
        notes)


__all__ = [
    "OPEN_STATUSES",
    "DerivedFootprint",
    "borough_systems",
    "derive_footprint",
    "detached_codes",
    "pcn_is_open",
    "practice_is_open",
    "practice_systems",
    "predecessor_systems",
    "sub_icb_boroughs",
    "system_borough_codes",
    "system_codes",
    "system_pcn_codes",
    "system_practice_codes",
    "system_sub_icb_codes",
    "system_sub_icbs",
    "title_name",
]
