"""Links that published files leave out, filled in after every load (in the same transaction).

ODS files say which PCN a practice belongs to but not which borough it is in, and CQC files place a care home
by point but not in a PCN. After each import:
- a practice without a borough takes the borough whose boundary contains its location (from ``nhsuk_gp``), else
  its PCN's borough;
- a PCN without a borough takes the borough most of its current member practices are in;
- a care home without a PCN takes the PCN whose boundary (e.g. a catchment from ``pcn_catchments``) contains it.
Only empty links are filled: a borough or PCN given by a file is never overwritten.
"""

from __future__ import annotations

import pandas as pd
import shapely
from sqlalchemy import bindparam, select, update
from sqlmodel import Session

from models import AreaLevel, Borough, Boundary, CareHome, Pcn, Practice


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
    values = values.dropna()
    if values.empty:
        return 0
    stmt = update(model.__table__).where(model.__table__.c.id == bindparam("row_id")).values(
        {column: bindparam("value")}
    )
    session.connection().execute(stmt, [{"row_id": int(i), "value": int(v)} for i, v in values.items()])
    return len(values)


def fill_area_links(session: Session) -> dict[str, int]:
    """Fill empty practice→borough, PCN→borough and care home→PCN links; returns counts of links made."""
    counts: dict[str, int] = {}
    practices = pd.DataFrame(
        session.execute(
            select(Practice.id, Practice.longitude, Practice.latitude, Pcn.borough_id)
            .join(Pcn, Pcn.id == Practice.pcn_id, isouter=True)
            .where(Practice.borough_id.is_(None))
        ).all(),
        columns=["id", "longitude", "latitude", "pcn_borough"],
    ).set_index("id")
    if not practices.empty:
        located = practices.dropna(subset=["longitude", "latitude"])
        by_place = _containing(session, AreaLevel.BOROUGH, Borough, located)
        borough = by_place.reindex(practices.index).fillna(practices["pcn_borough"].astype("Int64"))
        counts["practice borough (by location or PCN)"] = _set(session, Practice, "borough_id", borough)

    members = pd.DataFrame(
        session.execute(
            select(Pcn.id, Practice.borough_id)
            .join(Practice, Practice.pcn_id == Pcn.id)
            .where(Pcn.borough_id.is_(None), Practice.borough_id.is_not(None), Practice.close_date.is_(None))
        ).all(),
        columns=["id", "borough_id"],
    )
    if not members.empty:
        majority = members.groupby("id")["borough_id"].agg(lambda s: s.value_counts().index[0])
        counts["pcn borough (from member practices)"] = _set(session, Pcn, "borough_id", majority)

    homes = pd.DataFrame(
        session.execute(
            select(CareHome.id, CareHome.longitude, CareHome.latitude).where(
                CareHome.pcn_id.is_(None), CareHome.longitude.is_not(None), CareHome.latitude.is_not(None)
            )
        ).all(),
        columns=["id", "longitude", "latitude"],
    ).set_index("id")
    if not homes.empty:
        counts["care home pcn (by location)"] = _set(
            session, CareHome, "pcn_id", _containing(session, AreaLevel.PCN, Pcn, homes)
        )
    return {k: v for k, v in counts.items() if v}
