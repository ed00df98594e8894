"""Synthetic but plausible geography for the demo dataset: boroughs, PCN polygons that tile them, points inside.

Nothing here is a real boundary. Borough polygons are a Voronoi tessellation of the real borough centres inside
a rough outline of North Central London (about 51.50-51.69 N, 0.30-0.02 W), so the boroughs sit as the real
ones do relative to each other. Each borough is cut into its PCNs by a Voronoi tessellation of relaxed seed
points clipped to the borough, so PCN polygons tile their borough exactly and are valid by construction.
Practices and care homes are placed by rejection sampling inside their PCN polygon.

All coordinates are WGS84 lon/lat (EPSG:4326). Pure functions: a ``numpy.random.Generator`` in, shapes out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import MultiPoint, Point, Polygon
from shapely.geometry.base import BaseGeometry

# A rough, hand-drawn outline of NCL (lon, lat): wide in the north-west (Barnet), narrow in the south.
NCL_OUTLINE: tuple[tuple[float, float], ...] = (
    (-0.300, 51.630),
    (-0.275, 51.665),
    (-0.215, 51.672),
    (-0.160, 51.660),
    (-0.120, 51.690),
    (-0.060, 51.690),
    (-0.020, 51.675),
    (-0.030, 51.630),
    (-0.045, 51.595),
    (-0.060, 51.565),
    (-0.075, 51.540),
    (-0.085, 51.515),
    (-0.110, 51.505),
    (-0.150, 51.515),
    (-0.195, 51.530),
    (-0.215, 51.550),
    (-0.245, 51.575),
    (-0.285, 51.600),
)

# Seeds near the real borough centres (lon, lat); Voronoi cells of these inside the outline.
NCL_BOROUGH_SEEDS: dict[str, tuple[float, float]] = {
    "E09000003": (-0.215, 51.620),  # Barnet
    "E09000010": (-0.085, 51.650),  # Enfield
    "E09000014": (-0.105, 51.592),  # Haringey
    "E09000007": (-0.165, 51.548),  # Camden
    "E09000019": (-0.103, 51.542),  # Islington
}


@dataclass(frozen=True)
class Area:
    """A named polygon."""

    code: str
    geometry: Polygon


def outline(offset: tuple[float, float] = (0.0, 0.0)) -> Polygon:
    """The NCL outline, optionally shifted by (dlon, dlat) to lay out further synthetic systems."""
    dx, dy = offset
    return Polygon([(x + dx, y + dy) for x, y in NCL_OUTLINE])


def voronoi_tiles(region: Polygon, seeds: Sequence[tuple[float, float]]) -> list[Polygon]:
    """Voronoi cells of ``seeds`` clipped to ``region``, in seed order; they tile the region exactly.

    Raises ValueError when a seed lies outside the region or two seeds share a cell.
    """
    if not all(region.contains(Point(seed)) for seed in seeds):
        raise ValueError("every seed must lie inside the region, one per cell")
    if len(seeds) == 1:
        return [region]
    cells = shapely.voronoi_polygons(MultiPoint(list(seeds)), extend_to=region).geoms
    tiles: list[Polygon | None] = [None] * len(seeds)
    for cell in cells:
        for i, seed in enumerate(seeds):
            if tiles[i] is None and cell.contains(Point(seed)):
                tiles[i] = _largest_polygon(cell.intersection(region))
                break
    if any(t is None for t in tiles):
        raise ValueError("every seed must lie inside the region, one per cell")
    return [t for t in tiles if t is not None]


def _largest_polygon(geometry: BaseGeometry) -> Polygon:
    """A clipped cell can only be a MultiPolygon through slivers; keep the main part."""
    if isinstance(geometry, Polygon):
        return geometry
    return max(getattr(geometry, "geoms", []), key=lambda g: g.area)


def random_points_in(polygon: Polygon, n: int, rng: np.random.Generator, *, margin: float = 0.0) -> np.ndarray:
    """``n`` uniformly random (lon, lat) points strictly inside ``polygon`` (shrunk by ``margin`` degrees)."""
    target = polygon.buffer(-margin) if margin > 0 else polygon
    if target.is_empty:
        target = polygon
    minx, miny, maxx, maxy = target.bounds
    found: list[np.ndarray] = []
    count = 0
    while count < n:
        batch = rng.uniform((minx, miny), (maxx, maxy), size=(max(4 * (n - count), 16), 2))
        inside = shapely.contains_xy(target, batch[:, 0], batch[:, 1])
        kept = batch[inside][: n - count]
        found.append(kept)
        count += len(kept)
    return np.vstack(found) if found else np.empty((0, 2))


def relaxed_seeds(polygon: Polygon, n: int, rng: np.random.Generator, *, iterations: int = 3) -> np.ndarray:
    """``n`` seed points spread evenly over ``polygon`` by Lloyd relaxation (Voronoi centroids)."""
    seeds = random_points_in(polygon, n, rng)
    for _ in range(iterations):
        tiles = voronoi_tiles(polygon, [tuple(s) for s in seeds])
        seeds = np.array([[t.centroid.x, t.centroid.y] for t in tiles])
    return seeds


def borough_tiles(region: Polygon, seeds: dict[str, tuple[float, float]]) -> list[Area]:
    """Boroughs as Voronoi cells of their seeds inside ``region``."""
    codes = list(seeds)
    return [Area(code, tile) for code, tile in zip(codes, voronoi_tiles(region, list(seeds.values())), strict=True)]


def split_into(polygon: Polygon, codes: Sequence[str], rng: np.random.Generator) -> list[Area]:
    """Cut ``polygon`` into ``len(codes)`` contiguous pieces that tile it exactly (PCNs within a borough)."""
    seeds = relaxed_seeds(polygon, len(codes), rng)
    tiles = voronoi_tiles(polygon, [tuple(s) for s in seeds])
    return [Area(code, tile) for code, tile in zip(codes, tiles, strict=True)]
