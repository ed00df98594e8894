"""Indicative PCN catchments: small areas (LSOAs) assigned to PCNs and dissolved into one polygon per PCN.

No official PCN boundary exists; a catchment is *indicative*. Each LSOA goes to one PCN:
- by registrations when a registrations-by-LSOA table is given (NHS Digital "Patients registered at a GP practice
  by LSOA"): the PCN whose practices register most of the LSOA's patients;
- otherwise by proximity: the PCN of the nearest open practice to the LSOA's representative point (``k=1``), or a
  vote of the ``k`` nearest practices weighted by inverse distance.

Dissolving by hand (``union_all`` of the published generalised LSOAs) leaves thousands of sliver holes, because
neighbouring LSOAs do not share bit-identical vertices. ``dissolve`` snaps every vertex to a fine grid first
(``shapely.set_precision``, 1e-6 degrees, about 0.1 m), so shared edges coincide and the union is clean; holes
left that are gaps of the input (not covered by any other input area) are filled, and slivers of no area dropped.

Pure: shapely, numpy, pandas and scipy; geometries in EPSG:4326 lon/lat.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
import shapely
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

SNAP_GRID_DEG = 1e-6  # about 0.1 m: closes the gaps between published LSOAs without moving edges visibly
MIN_PART_AREA_DEG2 = 2.5e-9  # about 20 m² at London's latitude: smaller polygon parts are slivers
INDICATIVE = "indicative"


def representative_points(geoms: Sequence[BaseGeometry] | np.ndarray) -> np.ndarray:
    """(lon, lat) of a point guaranteed inside each area (``point_on_surface``; a centroid can fall outside)."""
    points = shapely.point_on_surface(np.asarray(geoms, dtype=object))
    return np.column_stack([shapely.get_x(points), shapely.get_y(points)])


def _local_xy(lon: np.ndarray, lat: np.ndarray, lat0: float) -> np.ndarray:
    """Equirectangular metres around ``lat0``: good enough to rank distances within a region."""
    metres = 111_320.0
    return np.column_stack([lon * metres * math.cos(math.radians(lat0)), lat * metres])


def assign_by_nearest(areas: pd.DataFrame, practices: pd.DataFrame, *, k: int = 1) -> pd.Series:
    """Each area's PCN from the nearest practices: the nearest one's (``k=1``) or an inverse-distance vote.

    ``areas``: code, lon, lat (a representative point). ``practices``: code, longitude, latitude, pcn_code (open
    practices with a location). Returns a Series area code -> PCN code, in the order of ``areas``. Ties in a vote
    go to the PCN of the nearest practice among the tied ones, so the result is deterministic.
    """
    practices = practices.dropna(subset=["longitude", "latitude", "pcn_code"]).sort_values("code")
    if practices.empty:
        raise ValueError("no open practice with a location and a PCN to assign areas to")
    lat0 = float(np.mean(areas["lat"])) if len(areas) else 51.5
    from scipy.spatial import cKDTree  # imported when first used, not on every server's first page view

    tree = cKDTree(_local_xy(practices["longitude"].to_numpy(float), practices["latitude"].to_numpy(float), lat0))
    k = max(1, min(int(k), len(practices)))
    dist, idx = tree.query(_local_xy(areas["lon"].to_numpy(float), areas["lat"].to_numpy(float), lat0), k=k)
    pcn = practices["pcn_code"].to_numpy(dtype=object)
    if k == 1:
        return pd.Series(pcn[np.asarray(idx).ravel()], index=areas["code"].to_numpy(), name="pcn_code")
    dist, idx = np.atleast_2d(dist), np.atleast_2d(idx)
    chosen = []
    for d_row, i_row in zip(dist, idx, strict=True):
        weights: dict[str, float] = {}
        for d, i in zip(d_row, i_row, strict=True):
            weights[pcn[i]] = weights.get(pcn[i], 0.0) + 1.0 / max(float(d), 1.0)
        best = max(weights.values())
        chosen.append(next(pcn[i] for i in i_row if weights[pcn[i]] >= best - 1e-12))
    return pd.Series(chosen, index=areas["code"].to_numpy(), name="pcn_code")


def assign_by_registrations(registrations: pd.DataFrame, practice_pcn: pd.Series) -> pd.Series:
    """Each LSOA's PCN: the one whose practices register most of its patients (ties: the lower PCN code).

    ``registrations``: lsoa_code, practice_code, patients. ``practice_pcn``: practice code -> PCN code. Rows of
    practices without a PCN are ignored. Returns a Series LSOA code -> PCN code.
    """
    rows = registrations.assign(pcn_code=registrations["practice_code"].map(practice_pcn)).dropna(subset=["pcn_code"])
    if rows.empty:
        return pd.Series(dtype=object, name="pcn_code")
    totals = rows.groupby(["lsoa_code", "pcn_code"], sort=True)["patients"].sum().reset_index()
    totals = totals.sort_values(["lsoa_code", "patients", "pcn_code"], ascending=[True, False, True])
    best = totals.drop_duplicates("lsoa_code")
    return pd.Series(best["pcn_code"].to_numpy(), index=best["lsoa_code"].to_numpy(), name="pcn_code")


def assign_areas(
    areas: pd.DataFrame,
    practices: pd.DataFrame,
    *,
    registrations: pd.DataFrame | None = None,
    k: int = 1,
) -> pd.DataFrame:
    """Every area to exactly one PCN: by registrations where given, else by the nearest practices.

    Returns code, pcn_code, method ("registrations" or "nearest practice") in the order of ``areas``.
    """
    nearest = assign_by_nearest(areas, practices, k=k)
    method = pd.Series("nearest practice" if k == 1 else f"nearest {k} practices", index=nearest.index)
    if registrations is not None and not registrations.empty:
        by_regs = assign_by_registrations(registrations, practices.set_index("code")["pcn_code"])
        by_regs = by_regs[by_regs.index.isin(nearest.index)]
        nearest.loc[by_regs.index] = by_regs.to_numpy()
        method.loc[by_regs.index] = "registrations"
    return pd.DataFrame({"code": nearest.index, "pcn_code": nearest.to_numpy(), "method": method.to_numpy()})


def _polygons(geometry: BaseGeometry) -> list[Polygon]:
    return [g for g in shapely.get_parts(geometry) if g.geom_type == "Polygon" and not g.is_empty]


def _clean(geometry: BaseGeometry, *, keep_holes: BaseGeometry | None, min_area: float) -> BaseGeometry:
    """Drop parts smaller than ``min_area``; fill holes that ``keep_holes`` (other areas, input gaps) does not cover."""
    kept = []
    for polygon in _polygons(shapely.make_valid(geometry)):
        if polygon.area < min_area:
            continue
        rings = []
        for ring in polygon.interiors:
            hole = Polygon(ring)
            covered = hole.intersection(keep_holes).area if keep_holes is not None else 0.0
            if covered >= 0.5 * hole.area:  # another area (an enclave) or a real gap of the input: keep it
                rings.append(ring)
        kept.append(Polygon(polygon.exterior, rings))
    if not kept:
        return Polygon()
    return kept[0] if len(kept) == 1 else MultiPolygon(kept)


def dissolve(
    geoms: Sequence[BaseGeometry] | np.ndarray,
    labels: Sequence[str] | np.ndarray,
    *,
    grid: float = SNAP_GRID_DEG,
    min_area: float = MIN_PART_AREA_DEG2,
) -> dict[str, BaseGeometry]:
    """One polygon per label from the areas carrying it, without sliver holes or sliver parts.

    Vertices are snapped to ``grid`` so neighbours' shared edges coincide; a hole in a label's union is kept only
    when it is mostly covered by other labels' areas (an enclave) or is a hole of the whole input (a real gap).
    Returns label -> (Multi)Polygon, labels sorted.
    """
    snapped = shapely.set_precision(shapely.make_valid(np.asarray(geoms, dtype=object)), grid)
    labels = np.asarray(labels, dtype=object)
    # snapped neighbours usually form a valid coverage (edges shared exactly): its union is far faster
    union = shapely.coverage_union_all if shapely.coverage_is_valid(snapped) else shapely.union_all
    unions = {label: union(snapped[labels == label]) for label in sorted(set(labels))}
    whole = union(list(unions.values()))
    input_gaps = shapely.union_all([Polygon(r) for p in _polygons(whole) for r in p.interiors])
    out: dict[str, BaseGeometry] = {}
    for label, merged in unions.items():
        keep = None
        if interior_holes(merged):  # only then is the rest of the input needed
            keep = shapely.union_all([g for k, g in unions.items() if k != label] + [input_gaps])
        out[label] = _clean(merged, keep_holes=keep, min_area=min_area)
    return out


def interior_holes(geometry: BaseGeometry) -> int:
    """How many interior rings a (multi)polygon has."""
    return sum(len(p.interiors) for p in _polygons(geometry))


def sliver_holes(catchments: dict[str, BaseGeometry], inputs: Sequence[BaseGeometry] | np.ndarray,
                 *, grid: float = SNAP_GRID_DEG) -> int:
    """Holes of the catchments that neither another catchment nor a hole of the input union fills (should be 0)."""
    whole = shapely.union_all(shapely.set_precision(np.asarray(inputs, dtype=object), grid))
    gaps = shapely.union_all([Polygon(r) for p in _polygons(whole) for r in p.interiors])
    count = 0
    for label, geometry in catchments.items():
        if not interior_holes(geometry):
            continue
        others = shapely.union_all([g for k, g in catchments.items() if k != label] + [gaps])
        for polygon in _polygons(geometry):
            for ring in polygon.interiors:
                hole = Polygon(ring)
                if hole.intersection(others).area < 0.5 * hole.area:
                    count += 1
    return count


def locate_points(points: pd.DataFrame, areas: pd.DataFrame) -> pd.Series:
    """For each point (longitude, latitude), the code of the area (code, geometry) containing it, else NA.

    Used to give a practice the LSOA (and so the deprivation) of the place it stands.
    """
    found = pd.Series(pd.NA, index=points.index, dtype=object)
    if points.empty or areas.empty:
        return found
    lon, lat = points["longitude"].to_numpy(float), points["latitude"].to_numpy(float)
    tree = shapely.STRtree(np.asarray(areas["geometry"].to_list(), dtype=object))
    pts = shapely.points(lon, lat)
    point_idx, area_idx = tree.query(pts, predicate="intersects")
    codes = areas["code"].to_numpy(dtype=object)
    taken: dict[int, str] = {}
    for p, a in sorted(zip(point_idx.tolist(), area_idx.tolist(), strict=True)):
        taken.setdefault(p, codes[a])  # a point on a shared edge takes the first area in ``areas`` order
    for p, code in taken.items():
        found.iloc[p] = code
    return found
