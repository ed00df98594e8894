"""Links between practices, PCNs, boroughs and care homes, refreshed after every load (in the same transaction).

ODS files say who commissions a practice (epraccur commissioner, a sub-ICB code) and which sub-ICB a PCN reports
to (ePCN parent), but not which local authority a practice is in. After each import:

1. a practice takes the borough its ODS codes are given to in the areas template (``sub_icb`` rows whose parent is
   a borough: its commissioner, else its NHS website parent, e.g. the former Barnet CCG 07M); else it keeps the
   borough it has; else the borough whose boundary contains its point; else its PCN's borough. A candidate is
   only taken when it agrees with the practice's commissioner: a borough of a system with sub-ICB codes only
   takes practices commissioned by one of them. Location is the fallback, and its conflicts are reported;
2. a PCN takes the borough most of its open member practices are in (else keeps its own), under the same rule for
   its ODS parent sub-ICB;
3. an analyst's corrections (``link_correction``, from the areas template) are applied last, so they win over
   every re-import: a practice or PCN reassigned to a borough or PCN, or detached (no borough);
4. a care home without a PCN takes the PCN whose boundary (e.g. a catchment) contains it.

An EMIS list-size extract's ``BOROUGH`` column gives a practice without a borough its borough by name
(:func:`boroughs_by_name`, called by the ``gp_list_size`` importer).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
import shapely
from sqlalchemy import bindparam, select, update
from sqlmodel import Session

from data.footprint import borough_systems, sub_icb_boroughs, system_sub_icbs
from data.register import plural
from models import AreaLevel, Borough, Boundary, CareHome, LinkCorrection, Pcn, Practice

EXAMPLES = 5


class StateNote(str):
    """A note about the register as it stands after an import (a link conflict), not about the file imported: it
    is true after every later import too, so a run of many files (``load-folder``) says it once."""

    __slots__ = ()


@dataclass
class LinkReport:
    """Links changed by one refresh (``counts``) and what a person should know (``notes``: conflicts, as
    :class:`StateNote`: they describe the register after the import, not the file imported)."""

    counts: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def _containing(session: Session, level: AreaLevel, model: type, points: pd.DataFrame) -> pd.Series:
    """For each point (longitude, latitude), the id of the ``model`` row whose ``level`` boundary contains it."""
    shapes = session.execute(
        select(model.id, Boundary.geometry_wkb).join(Boundary, Boundary.code == model.code).where(
            Boundary.level == level.value
        )
    ).all()
    found = pd.Series(pd.NA, index=points.index, dtype="Int64")
    if not shapes or points.empty:
        return found
    lon, lat = points["longitude"].to_numpy(float), points["latitude"].to_numpy(float)
    for area_id, wkb in shapes:
        inside = shapely.contains_xy(shapely.from_wkb(bytes(wkb)), lon, lat)
        found[inside & found.isna().to_numpy()] = area_id
    return found


def _set(session: Session, model: type, column: str, values: pd.Series) -> int:
    """Write ``values`` (id -> new value, NA meaning NULL) into ``column``; returns rows written."""
    if values.empty:
        return 0
    stmt = update(model.__table__).where(model.__table__.c.id == bindparam("row_id")).values(
        {column: bindparam("value")}
    )
    session.connection().execute(
        stmt, [{"row_id": int(i), "value": None if pd.isna(v) else int(v)} for i, v in values.items()]
    )
    return len(values)


def _changed(old: pd.Series, new: pd.Series) -> pd.Series:
    """The entries of ``new`` that differ from ``old`` (NA-aware)."""
    old, new = old.astype("Int64"), new.astype("Int64")
    differs = (old.isna() != new.isna()) | (old.notna() & new.notna() & (old != new))
    return new[differs.fillna(False).to_numpy(dtype=bool)]


class _Rule:
    """Whether an organisation with ODS parent ``sub_icb`` may sit in a borough (by the borough's systems)."""

    def __init__(self, session: Session, borough_codes: dict[int, str]) -> None:
        systems = borough_systems(session)
        lists = system_sub_icbs(session)
        allowed = lists.groupby("system_code")["sub_icb_code"].agg(set).to_dict()
        self.allowed: dict[int, set[str] | None] = {}
        for borough_id, code in borough_codes.items():
            of = systems.loc[systems["borough_code"] == code, "system_code"]
            constrained = [allowed[s] for s in of if s in allowed]
            self.allowed[borough_id] = set().union(*constrained) if constrained else None

    def ok(self, borough_ids: pd.Series, sub_icbs: pd.Series) -> pd.Series:
        """True where the borough is empty, unconstrained, or its systems commission ``sub_icb``."""
        out = []
        for b, s in zip(borough_ids, sub_icbs, strict=True):
            allowed = None if pd.isna(b) else self.allowed.get(int(b))
            out.append(pd.isna(b) or allowed is None or pd.isna(s) or s in allowed)
        return pd.Series(out, index=borough_ids.index, dtype=bool)


def _frame(session: Session, stmt: object, columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame(session.execute(stmt).all(), columns=columns)  # type: ignore[call-overload]


def _examples(codes: pd.Series) -> str:
    return ", ".join(map(str, codes.head(EXAMPLES)))


def refresh_links(session: Session) -> LinkReport:
    """Recompute practice -> borough and PCN -> borough links, apply corrections, fill care home -> PCN."""
    report = LinkReport()
    borough_ids = dict(session.execute(select(Borough.code, Borough.id)).all())
    borough_codes = {v: k for k, v in borough_ids.items()}
    pcn_ids = dict(session.execute(select(Pcn.code, Pcn.id)).all())
    rule = _Rule(session, borough_codes)
    corrections = _frame(session, select(LinkCorrection.level, LinkCorrection.code, LinkCorrection.borough_code,
                                         LinkCorrection.pcn_code, LinkCorrection.detach),
                         ["level", "code", "borough_code", "pcn_code", "detach"])
    fixes = {lv: corrections[corrections["level"] == lv].set_index("code") for lv in ("practice", "pcn")}

    # practices: corrected PCN first, so a reassigned practice can follow its new PCN's borough
    practices = _frame(session, select(Practice.id, Practice.code, Practice.pcn_id, Practice.borough_id,
                                       Practice.commissioner_code, Practice.parent_ods_code, Practice.longitude,
                                       Practice.latitude),
                       ["id", "code", "pcn_id", "borough_id", "commissioner", "parent", "longitude", "latitude"]
                       ).set_index("id")
    if not practices.empty:
        fix = fixes["practice"].reindex(practices["code"]).set_index(practices.index)
        new_pcn = fix["pcn_code"].map(pcn_ids).astype("Int64")
        pcn = new_pcn.where(new_pcn.notna(), practices["pcn_id"].astype("Int64"))
        report.counts["practice PCN (corrected)"] = _set(session, Practice, "pcn_id",
                                                         _changed(practices["pcn_id"], pcn))
        pcn_borough = pcn.map(dict(session.execute(select(Pcn.id, Pcn.borough_id)).all())).astype("Int64")
        by_code = sub_icb_boroughs(session)
        ods = practices["commissioner"].map(by_code).fillna(practices["parent"].map(by_code)).map(borough_ids)
        located = practices.dropna(subset=["longitude", "latitude"])
        place = _containing(session, AreaLevel.BOROUGH, Borough, located).reindex(practices.index)
        current = practices["borough_id"].astype("Int64")
        commissioner = practices["commissioner"]
        chosen = pd.Series(pd.NA, index=practices.index, dtype="Int64")
        for candidate in (ods.astype("Int64"), current, place, pcn_borough):
            usable = chosen.isna() & candidate.notna() & rule.ok(candidate, commissioner)
            chosen[usable] = candidate[usable]
        corrected_pcn = new_pcn.notna() & pcn_borough.notna()
        chosen[corrected_pcn] = pcn_borough[corrected_pcn]
        corrected = fix["borough_code"].map(borough_ids).astype("Int64")
        chosen[corrected.notna()] = corrected[corrected.notna()]
        chosen[fix["detach"].fillna(False).astype(bool)] = pd.NA
        report.counts["practice borough"] = _set(session, Practice, "borough_id", _changed(current, chosen))
        foreign = place.notna() & ~rule.ok(place, commissioner)
        if foreign.any():
            report.notes.append(StateNote(
                f"{plural(int(foreign.sum()), 'practice')} {'lies' if foreign.sum() == 1 else 'lie'} inside a borough "
                "of a system that does not commission them "
                f"(by their ODS commissioner) and were not put in it, e.g. {_examples(practices.loc[foreign, 'code'])}"
                "; to include one, reassign it in the areas template"))
        elsewhere = place.notna() & chosen.notna() & (place != chosen).fillna(False) & ~foreign
        if elsewhere.any():
            report.notes.append(StateNote(
                f"{plural(int(elsewhere.sum()), 'practice')} {'lies' if elsewhere.sum() == 1 else 'lie'} outside the "
                "borough their ODS codes or corrections give "
                f"(kept in that borough), e.g. {_examples(practices.loc[elsewhere, 'code'])}"))

    # PCNs: the borough most of their open member practices are in, if the PCN's sub-ICB allows it
    pcns = _frame(session, select(Pcn.id, Pcn.code, Pcn.borough_id, Pcn.sub_icb_code),
                  ["id", "code", "borough_id", "sub_icb"]).set_index("id")
    if not pcns.empty:
        members = _frame(session, select(Practice.pcn_id, Practice.borough_id).where(
            Practice.pcn_id.is_not(None), Practice.borough_id.is_not(None), Practice.close_date.is_(None)),
            ["id", "borough_id"])
        majority = (members.groupby("id")["borough_id"].agg(lambda s: s.value_counts().index[0])
                    if not members.empty else pd.Series(dtype="Int64"))
        current = pcns["borough_id"].astype("Int64")
        chosen = pd.Series(pd.NA, index=pcns.index, dtype="Int64")
        for candidate in (majority.reindex(pcns.index).astype("Int64"), current):
            usable = chosen.isna() & candidate.notna() & rule.ok(candidate, pcns["sub_icb"])
            chosen[usable] = candidate[usable]
        fix = fixes["pcn"].reindex(pcns["code"]).set_index(pcns.index)
        corrected = fix["borough_code"].map(borough_ids).astype("Int64")
        chosen[corrected.notna()] = corrected[corrected.notna()]
        chosen[fix["detach"].fillna(False).astype(bool)] = pd.NA
        report.counts["pcn borough"] = _set(session, Pcn, "borough_id", _changed(current, chosen))
        refused = current.notna() & chosen.isna() & fix["detach"].isna()
        if refused.any():
            report.notes.append(StateNote(
                f"{plural(int(refused.sum()), 'PCN')} {'was' if refused.sum() == 1 else 'were'} taken out of a "
                "borough whose system does not commission them "
                f"(by their ODS parent sub-ICB), e.g. {_examples(pcns.loc[refused, 'code'])}"))

    homes = _frame(session, select(CareHome.id, CareHome.longitude, CareHome.latitude).where(
        CareHome.pcn_id.is_(None), CareHome.longitude.is_not(None), CareHome.latitude.is_not(None)),
        ["id", "longitude", "latitude"]).set_index("id")
    if not homes.empty:
        found = _containing(session, AreaLevel.PCN, Pcn, homes).dropna()
        report.counts["care home pcn (by location)"] = _set(session, CareHome, "pcn_id", found)
    report.counts = {k: v for k, v in report.counts.items() if v}
    return report


def boroughs_by_name(session: Session, practice_ids: pd.Series, names: pd.Series) -> int:
    """Give practices without a borough the borough a local extract names (EMIS ``BOROUGH``: ``Barnet``), matched
    case-insensitively to the register's borough names; returns practices linked. The refresh then keeps it
    when the practice's commissioner allows it (an ODS-derived borough comes first)."""
    by_name = {str(n).strip().lower(): i for n, i in session.execute(select(Borough.name, Borough.id)).all()}
    wanted = pd.Series(names.astype("string").str.strip().str.lower().map(by_name).to_numpy(),
                       index=practice_ids.to_numpy()).dropna()
    if wanted.empty:
        return 0
    empty = set(session.execute(select(Practice.id).where(Practice.borough_id.is_(None))).scalars())
    wanted = wanted[~wanted.index.duplicated() & wanted.index.isin(list(empty))]
    return _set(session, Practice, "borough_id", wanted)

