"""The synthetic geography generator: deterministic, valid, tiling, and the NCL facts it promises."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from data.demo.geography import build_geography
from geo.synthetic import outline, split_into, voronoi_tiles

pytestmark = pytest.mark.unit


def test_same_seed_same_geography():
    a, b = build_geography("ncl", 7), build_geography("ncl", 7)
    assert a.practices.equals(b.practices) and a.care_homes.equals(b.care_homes)
    assert not build_geography("ncl", 8).practices.equals(a.practices)


def test_split_tiles_exactly():
    region = outline()
    tiles = split_into(region, [f"P{i}" for i in range(8)], np.random.default_rng(1))
    union = shapely.union_all([t.geometry for t in tiles])
    assert all(t.geometry.is_valid and t.geometry.area > 0 for t in tiles)
    assert union.symmetric_difference(region).area < 1e-12
    assert sum(t.geometry.area for t in tiles) == pytest.approx(region.area, rel=1e-12)


def test_voronoi_refuses_seeds_outside_the_region():
    with pytest.raises(ValueError, match="inside the region"):
        voronoi_tiles(outline(), [(-0.2, 51.6), (5.0, 5.0)])


def test_boroughs_sit_as_the_real_ones_do():
    geo = build_geography("ncl", 1)
    centre = {
        r.code: r.geometry.centroid for r in geo.boundaries[geo.boundaries["level"] == "borough"].itertuples()
    }
    barnet, enfield, haringey, camden, islington = (
        centre[c] for c in ("E09000003", "E09000010", "E09000014", "E09000007", "E09000019")
    )
    assert enfield.y > haringey.y > islington.y  # Enfield north of Haringey north of Islington
    assert barnet.x < haringey.x and camden.x < islington.x  # Barnet west of Haringey, Camden west of Islington


@pytest.mark.parametrize("scale", ["england"])
def test_england_scale_sizes(scale):
    geo = build_geography(scale, 3)
    assert len(geo.systems) == 42
    assert 1_200 <= len(geo.pcns) <= 1_300
    assert len(geo.practices) == 6_300
    assert 14_500 <= len(geo.care_homes) <= 15_500
    assert geo.practices["code"].is_unique and geo.pcns["code"].is_unique
    assert geo.care_homes["cqc_location_id"].is_unique
