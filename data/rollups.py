"""Roll-ups: practice numerators and denominators summed to PCN, borough, system and neighbourhood along dated
memberships (neighbourhoods where a lookup defines them: ``practice_neighbourhoods``).

A practice counts towards the PCN it belonged to in the period (ePCN ``pcn_membership``: the membership in force
on the period's last day, else the latest one overlapping the period; a practice with no membership history uses
its current PCN; an analyst's PCN correction wins), to its borough, and to every system whose footprint holds it
(``data/footprint.py``). The rolled-up value is recomputed with the KPI's method (numerator / denominator x
multiplier; the numerator for a count), never averaged. Only KPIs marked ``summable`` are rolled up, to the
levels a register KPI declares (all of them when it declares none; neighbourhoods, where defined, whenever it
rolls up at all; a published indicator to all, its declared levels being where its file reported it), and a
group is left out when one of its practices lacks a numerator (or, except for counts, a denominator), because the
sum would be short. Roll-up rows are marked
``derived`` and never replace an imported row at the same KPI, level, area and period.

Successors carry history (``org_successor``, practice level): a predecessor practice's observations of periods
that start before the succession's effective date are attributed to its successor (followed along a chain,
A -> B -> C), so they count towards the successor's PCN in that period, its borough and its systems. Rolled-up
numerators and denominators are then the sum of successor and predecessors (summable measures only, as every
roll-up); the predecessor's own practice rows are kept as published, under its own code. A successor system (a
merged ICB) is rolled up from its effective date on; before it, its series is its predecessors' rows summed
(``carry_history``, read by ``data.queries.area_series``), never its footprint's practices counted again.

The shaping functions are pure (frames in, frames out) and set-based; :func:`refresh_rollups` is the one function
that reads and writes the database, called at the end of every import in the import's transaction.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd
import shapely
from sqlalchemy import delete, insert, select, update
from sqlmodel import Session

from data.footprint import practice_systems
from models import (
    AreaLevel,
    Borough,
    Boundary,
    Kpi,
    KpiAreaLevel,
    KpiObservation,
    KpiOrigin,
    LinkCorrection,
    NeighbourhoodMember,
    OrgSuccessor,
    Pcn,
    PcnMembership,
    Practice,
    ValueType,
)

ROLLUP_LEVELS = (AreaLevel.PCN, AreaLevel.BOROUGH, AreaLevel.SYSTEM, AreaLevel.NEIGHBOURHOOD)
KEY = ["kpi_id", "level", "area_code", "period_start"]
OUT_COLUMNS = [*KEY, "period_end", "numerator", "denominator", "value", "practices"]
INSERT_CHUNK = 5_000
# imports that change who belongs where: every summable KPI is rolled up again after them
FOOTPRINT_TABLES = frozenset({
    "practice", "pcn", "pcn_membership", "practice (current PCN)", "practice (located)", "area_member",
    "link_correction", "borough", "health_system", "org_successor", "practice borough", "pcn borough",
    "practice PCN (corrected)", "practice borough (by name)", "kpi", "kpi_area_level", "neighbourhood",
    "neighbourhood_member",
})


# ---------------------------------------------------------------------------------------------- pure shaping


def pcn_for_periods(
    observations: pd.DataFrame, memberships: pd.DataFrame, current: pd.Series, overrides: pd.Series | None = None
) -> pd.Series:
    """The PCN each practice observation counts towards, aligned with ``observations``' index.

    ``observations``: practice_code, period_start, period_end. ``memberships``: practice_code, pcn_code,
    start_date, end_date (None = open). ``current``: practice_code -> PCN for practices without any membership
    history; ``overrides``: practice_code -> PCN (analyst corrections) which win for every period.
    """
    obs = observations[["practice_code", "period_start", "period_end"]].reset_index(names="_obs")
    m = obs.merge(memberships[["practice_code", "pcn_code", "start_date", "end_date"]], on="practice_code")
    ends = m["end_date"].where(m["end_date"].notna(), pd.Timestamp.max.date())
    overlaps = (m["start_date"] <= m["period_end"]) & (ends >= m["period_start"])
    m = m.assign(at_end=(ends >= m["period_end"]).to_numpy(dtype=bool))[overlaps.to_numpy(dtype=bool)]
    m = m.sort_values(["_obs", "at_end", "start_date"]).drop_duplicates("_obs", keep="last")
    found = pd.Series(m["pcn_code"].to_numpy(), index=m["_obs"].to_numpy(), dtype=object)
    out = found.reindex(np.arange(len(obs)))
    without_history = ~obs["practice_code"].isin(set(memberships["practice_code"]))
    out[without_history.to_numpy()] = obs.loc[without_history, "practice_code"].map(current).to_numpy()
    if overrides is not None and len(overrides):
        fixed = obs["practice_code"].map(overrides)
        out[fixed.notna().to_numpy()] = fixed[fixed.notna()].to_numpy()
    out.index = observations.index
    return out


def attribute_to_successors(observations: pd.DataFrame, successions: pd.DataFrame) -> pd.Series:
    """The practice each observation counts as in roll-ups: its successor's code for periods before the
    succession (followed along chains), else its own. Aligned with ``observations``' index.

    ``observations``: practice_code, period_start; ``successions``: predecessor_code, successor_code,
    effective_date (practice level; the importer refuses cycles, and a chain is followed at most its length).
    """
    codes = observations["practice_code"].astype(object).copy()
    if successions.empty or observations.empty:
        return codes
    nxt = successions.drop_duplicates("predecessor_code").set_index("predecessor_code")
    effective = pd.to_datetime(nxt["effective_date"])
    starts = pd.to_datetime(observations["period_start"])
    for _ in range(len(nxt)):
        succ = codes.map(nxt["successor_code"])
        moves = (succ.notna() & (starts < codes.map(effective))).to_numpy(dtype=bool)
        if not moves.any():
            break
        codes[moves] = succ[moves]
    return codes


def drop_before_succession(members: pd.DataFrame, starts: pd.DataFrame) -> pd.DataFrame:
    """Leave out a successor system's groups for periods before it began (its earliest succession's effective
    date): before then its series is its predecessors' rows, summed (``carry_history``), and rolling its footprint
    up as well would count them twice. ``starts``: system_code, effective_date."""
    if starts.empty or members.empty:
        return members
    first = pd.to_datetime(starts.groupby("system_code")["effective_date"].min())
    begins = members["area_code"].map(first).where(members["level"] == AreaLevel.SYSTEM.value)
    early = (pd.to_datetime(members["period_start"]) < begins).to_numpy(dtype=bool)
    return members[~early]


def roll_up(members: pd.DataFrame, kpis: pd.DataFrame) -> pd.DataFrame:
    """Sum practice rows to their groups and recompute each group's value with its KPI's method.

    ``members``: kpi_id, level, area_code (the group), period_start, period_end, numerator, denominator (one row
    per practice and group). ``kpis``: kpi_id, value_type, multiplier. Returns ``OUT_COLUMNS`` (``practices`` is
    the number of practices summed); groups where a practice lacks a needed figure are left out.
    """
    if members.empty:
        return pd.DataFrame(columns=OUT_COLUMNS)
    kinds = kpis.set_index("kpi_id")
    is_count = members["kpi_id"].map(kinds["value_type"]).eq(ValueType.COUNT.value)
    missing = members["numerator"].isna() | (members["denominator"].isna() & ~is_count)
    work = members.assign(_missing=missing.astype(int), _has_den=members["denominator"].notna().astype(int),
                          practices=1)
    grouped = work.groupby([*KEY, "period_end"], sort=True, dropna=False)
    sums = grouped[["numerator", "denominator", "practices", "_missing", "_has_den"]].sum().reset_index()
    sums = sums[sums["_missing"] == 0]
    sums["denominator"] = sums["denominator"].where(sums["_has_den"] > 0)
    sums = sums.drop(columns=["_missing", "_has_den"])
    count = sums["kpi_id"].map(kinds["value_type"]).eq(ValueType.COUNT.value)
    multiplier = sums["kpi_id"].map(kinds["multiplier"]).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = sums["numerator"] / sums["denominator"].where(sums["denominator"] > 0) * multiplier
    sums["value"] = np.where(count, sums["numerator"], ratio)
    sums["value"] = sums["value"].astype(float)
    return sums[OUT_COLUMNS].reset_index(drop=True)


def group_members(
    observations: pd.DataFrame, pcn: pd.Series, borough: pd.Series, systems: pd.DataFrame,
    levels: dict[int, set[str]], neighbourhood: pd.Series | None = None,
) -> pd.DataFrame:
    """Practice observations repeated once per group they count towards (PCN, borough, each system, and the
    neighbourhood where one is defined).

    ``observations``: kpi_id, practice_code, period_start, period_end, numerator, denominator; ``pcn`` aligned with
    it; ``borough``: practice_code -> borough code; ``systems``: practice_code, system_code; ``levels``: kpi_id ->
    the levels to roll up to; ``neighbourhood``: practice_code -> neighbourhood code.
    """
    base = observations[["kpi_id", "practice_code", "period_start", "period_end", "numerator", "denominator"]]
    parts = [
        base.assign(level=AreaLevel.PCN.value, area_code=pcn.to_numpy()),
        base.assign(level=AreaLevel.BOROUGH.value, area_code=base["practice_code"].map(borough)),
        base.merge(systems, on="practice_code").rename(columns={"system_code": "area_code"}).assign(
            level=AreaLevel.SYSTEM.value),
    ]
    if neighbourhood is not None and len(neighbourhood):
        parts.append(base.assign(level=AreaLevel.NEIGHBOURHOOD.value,
                                 area_code=base["practice_code"].map(neighbourhood)))
    frame = pd.concat(parts, ignore_index=True).dropna(subset=["area_code"])
    allowed = pd.MultiIndex.from_tuples([(k, lv) for k, lvs in levels.items() for lv in lvs], names=["kpi_id", "level"])
    wanted = pd.MultiIndex.from_frame(frame[["kpi_id", "level"]]).isin(allowed)
    return frame[wanted].drop(columns="practice_code")


def carry_history(own: pd.DataFrame, inherited: pd.DataFrame, kpis: pd.DataFrame) -> pd.DataFrame:
    """A successor's series with its predecessors' history (rows of ``inherited``, already cut to the periods
    before each succession's effective date).

    Frames carry kpi_code, period_start, period_end, numerator, denominator, value, lower_ci, upper_ci; ``kpis``:
    kpi_code, value_type, multiplier, summable. A period held by one organisation keeps its row; a period held by
    several (a merger) is their sum, recomputed with the KPI's method, when the KPI is summable and every row has
    the figures; otherwise the successor's own row is kept (and the period is dropped when it has none).
    """
    columns = list(own.columns)
    if inherited.empty:
        return own.reset_index(drop=True)
    both = pd.concat([own.assign(_own=True), inherited.assign(_own=False)], ignore_index=True)
    keys = ["kpi_code", "period_start"]
    size = both.groupby(keys)["value"].transform("size")
    single = both[size == 1]
    many = both[size > 1]
    kinds = kpis.set_index("kpi_code")
    is_count = many["kpi_code"].map(kinds["value_type"]).eq(ValueType.COUNT.value)
    missing = many["numerator"].isna() | (many["denominator"].isna() & ~is_count)
    many = many.assign(_bad=missing | ~many["kpi_code"].map(kinds["summable"]).fillna(False).astype(bool))
    bad = many.groupby(keys)["_bad"].transform("any")
    summed = many[~bad].groupby(keys, as_index=False).agg(
        period_end=("period_end", "max"), numerator=("numerator", "sum"),
        denominator=("denominator", lambda x: x.sum(min_count=1)))
    if not summed.empty:
        count = summed["kpi_code"].map(kinds["value_type"]).eq(ValueType.COUNT.value)
        multiplier = summed["kpi_code"].map(kinds["multiplier"]).astype(float)
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = summed["numerator"] / summed["denominator"].where(summed["denominator"] > 0) * multiplier
        summed["value"] = np.where(count, summed["numerator"], ratio).astype(float)
        summed["lower_ci"] = np.nan
        summed["upper_ci"] = np.nan
    kept = many[bad & many["_own"]]
    out = pd.concat([single, kept, summed], ignore_index=True)[columns]
    return out.sort_values(keys).reset_index(drop=True)


# ------------------------------------------------------------------------------------------------- database


def _frame(session: Session, stmt: object, columns: list[str]) -> pd.DataFrame:
    result = session.connection().execute(stmt)  # type: ignore[arg-type]  # Core, not ORM: fast at England scale
    return pd.DataFrame.from_records([tuple(r) for r in result.fetchall()], columns=columns)


def _with_neighbourhood(levels: set[str]) -> set[str]:
    return levels | {AreaLevel.NEIGHBOURHOOD.value} if levels else levels


def practice_neighbourhoods(session: Session) -> pd.Series:
    """Practice code -> neighbourhood code: the practice's own membership, else the neighbourhood of the LSOA its
    point stands in (LSOA-defined neighbourhoods; the latest loaded vintage of each LSOA)."""
    members = _frame(session, select(NeighbourhoodMember.member_level, NeighbourhoodMember.member_code,
                                     NeighbourhoodMember.neighbourhood_code),
                     ["level", "code", "neighbourhood"])
    if members.empty:
        return pd.Series(dtype=object)
    direct = members[members["level"] == AreaLevel.PRACTICE.value].set_index("code")["neighbourhood"]
    by_lsoa = members[members["level"] == AreaLevel.LSOA.value].set_index("code")["neighbourhood"]
    if by_lsoa.empty:
        return direct
    shapes = _frame(session, select(Boundary.code, Boundary.vintage, Boundary.geometry_wkb).where(
        Boundary.level == AreaLevel.LSOA.value, Boundary.code.in_(list(by_lsoa.index))), ["code", "vintage", "wkb"])
    shapes = shapes.sort_values("vintage").drop_duplicates("code", keep="last")
    points = _frame(session, select(Practice.code, Practice.longitude, Practice.latitude).where(
        Practice.longitude.is_not(None), Practice.latitude.is_not(None)), ["code", "lon", "lat"])
    located = pd.Series(None, index=points["code"].to_numpy(), dtype=object)
    lon, lat = points["lon"].to_numpy(float), points["lat"].to_numpy(float)
    for code, wkb in zip(shapes["code"], shapes["wkb"], strict=True):
        inside = shapely.contains_xy(shapely.from_wkb(bytes(wkb)), lon, lat) & located.isna().to_numpy()
        located[inside] = by_lsoa[code]
    located = located.dropna()
    return pd.concat([direct, located[~located.index.isin(direct.index)]])


def _declare_rolled_levels(session: Session, rolled: pd.DataFrame) -> None:
    """Record the levels a published indicator is now reported at (``kpi_area_level``), so pages offer its
    roll-ups; a published indicator's levels never restrict its roll-ups, so this cannot feed back."""
    if rolled.empty:
        return
    pairs = rolled[["kpi_id", "level"]].drop_duplicates()
    have = _frame(session, select(KpiAreaLevel.kpi_id, KpiAreaLevel.level).where(
        KpiAreaLevel.kpi_id.in_([int(k) for k in pairs["kpi_id"].unique()])), ["kpi_id", "level"])
    known = set(zip(have["kpi_id"].astype(int), have["level"].astype(str), strict=True))
    new = pairs[[(int(k), str(lv)) not in known for k, lv in zip(pairs["kpi_id"], pairs["level"], strict=True)]]
    if len(new):
        session.connection().execute(insert(KpiAreaLevel.__table__),  # type: ignore[attr-defined]
                                     [{"kpi_id": int(k), "level": str(lv)} for k, lv in zip(
                                         new["kpi_id"], new["level"], strict=True)])


def kpis_touched(session: Session, import_id: int) -> set[int]:
    """KPIs with practice rows written by import ``import_id``; rows it overwrote on a roll-up become imported."""
    o = KpiObservation.__table__  # type: ignore[attr-defined]
    session.connection().execute(update(o).where(o.c.import_id == import_id, o.c.derived.is_(True))
                                 .values(derived=False))
    return set(session.execute(select(KpiObservation.kpi_id).where(
        KpiObservation.import_id == import_id, KpiObservation.level == AreaLevel.PRACTICE.value).distinct()
    ).scalars())


def refresh_rollups(session: Session, *, kpi_ids: Iterable[int] | None = None, import_id: int | None = None,
                    observations: pd.DataFrame | None = None) -> int:
    """Recompute the derived PCN, borough and system rows of the summable KPIs (``kpi_ids``, default all).

    Deletes those KPIs' derived rows and writes new ones (``import_id`` records the import that caused them).
    ``observations`` (kpi_id, practice_code, period_start, period_end, numerator, denominator) may give the
    practice rows the caller has just written, to save reading them back (the demo). Returns rows written.
    """
    stmt = select(Kpi.id, Kpi.value_type, Kpi.multiplier, Kpi.summable)
    if kpi_ids is not None:
        wanted = sorted(set(kpi_ids))
        if not wanted:
            return 0
        stmt = stmt.where(Kpi.id.in_(wanted))
    kpis = _frame(session, stmt, ["kpi_id", "value_type", "multiplier", "summable"])
    table = KpiObservation.__table__  # type: ignore[attr-defined]
    if not kpis.empty:  # a KPI marked not summable since its last roll-up loses its derived rows too
        every_id = [int(i) for i in kpis["kpi_id"]]
        session.connection().execute(delete(table).where(table.c.kpi_id.in_(every_id), table.c.derived.is_(True)))
    kpis = kpis[kpis["summable"].astype(bool)]
    if kpis.empty:
        return 0
    ids = [int(i) for i in kpis["kpi_id"]]
    o = KpiObservation
    if observations is None:
        observations = _frame(session, select(o.kpi_id, o.area_code, o.period_start, o.period_end, o.numerator,
                                              o.denominator).where(o.kpi_id.in_(ids),
                                                                   o.level == AreaLevel.PRACTICE.value),
                              ["kpi_id", "practice_code", "period_start", "period_end", "numerator", "denominator"])
    else:
        observations = observations[observations["kpi_id"].isin(ids)].reset_index(drop=True)
    if observations.empty:
        return 0
    successions = _frame(session, select(OrgSuccessor.predecessor_code, OrgSuccessor.successor_code,
                                         OrgSuccessor.effective_date).where(
        OrgSuccessor.level == AreaLevel.PRACTICE.value), ["predecessor_code", "successor_code", "effective_date"])
    if not successions.empty:
        observations = observations.assign(practice_code=attribute_to_successors(observations, successions))
    declared = _frame(session, select(KpiAreaLevel.kpi_id, KpiAreaLevel.level).where(KpiAreaLevel.kpi_id.in_(ids)),
                      ["kpi_id", "level"]).groupby("kpi_id")["level"].agg(set).to_dict()
    every = {lv.value for lv in ROLLUP_LEVELS}
    # a register KPI rolls up to the levels it declares (all when none), and to neighbourhoods (newer than any
    # declaration) whenever it rolls up at all; a published indicator's levels are where its file reported it
    # (practice), not a choice, so it rolls up to every level
    published = set(_frame(session, select(Kpi.id).where(Kpi.id.in_(ids), Kpi.origin == KpiOrigin.PUBLISHED.value),
                           ["kpi_id"])["kpi_id"])
    levels = {k: _with_neighbourhood(declared[k] & every) if k in declared and k not in published else every
              for k in ids}

    practices = _frame(session, select(Practice.code, Pcn.code, Borough.code)
                       .join(Pcn, Pcn.id == Practice.pcn_id, isouter=True)
                       .join(Borough, Borough.id == Practice.borough_id, isouter=True),
                       ["practice_code", "pcn_code", "borough_code"]).set_index("practice_code")
    memberships = _frame(session, select(PcnMembership.practice_code, PcnMembership.pcn_code,
                                         PcnMembership.start_date, PcnMembership.end_date),
                         ["practice_code", "pcn_code", "start_date", "end_date"])
    overrides = _frame(session, select(LinkCorrection.code, LinkCorrection.pcn_code).where(
        LinkCorrection.level == "practice", LinkCorrection.pcn_code.is_not(None)), ["code", "pcn_code"])
    pcn = pcn_for_periods(observations, memberships, practices["pcn_code"],
                          overrides.set_index("code")["pcn_code"])
    members = group_members(observations, pcn, practices["borough_code"], practice_systems(session), levels,
                            practice_neighbourhoods(session))
    starts = _frame(session, select(OrgSuccessor.successor_code, OrgSuccessor.effective_date).where(
        OrgSuccessor.level == AreaLevel.SYSTEM.value), ["system_code", "effective_date"])
    members = drop_before_succession(members, starts)
    rolled = roll_up(members, kpis)
    imported = _frame(session, select(o.kpi_id, o.level, o.area_code, o.period_start).where(
        o.kpi_id.in_(ids), o.level.in_(list(every)), o.derived.is_(False)), KEY)
    if not imported.empty:
        clash = rolled[KEY].merge(imported.assign(_imported=True), on=KEY, how="left")["_imported"]
        rolled = rolled[clash.isna().to_numpy()]
    _declare_rolled_levels(session, rolled[rolled["kpi_id"].isin(published)])
    rows = rolled.drop(columns="practices").assign(derived=True, import_id=import_id)
    columns = []
    for c in rows.columns:
        values = rows[c].to_numpy(dtype=object, copy=True)
        values[rows[c].isna().to_numpy()] = None
        columns.append(values.tolist())
    names = [str(c) for c in rows.columns]
    records = [dict(zip(names, r, strict=True)) for r in zip(*columns, strict=True)]
    for start in range(0, len(records), INSERT_CHUNK):
        session.connection().execute(insert(table), records[start : start + INSERT_CHUNK])
    return len(records)


__all__ = ["FOOTPRINT_TABLES", "attribute_to_successors", "carry_history", "drop_before_succession",
           "group_members", "kpis_touched",
           "pcn_for_periods", "practice_neighbourhoods", "refresh_rollups", "roll_up"]
