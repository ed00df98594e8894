"""Indicative PCN catchments: every LSOA to one PCN, dissolved without sliver holes, deterministic."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import Polygon, box

from geo.catchments import (
    SNAP_GRID_DEG,
    assign_areas,
    assign_by_nearest,
    assign_by_registrations,
    dissolve,
    interior_holes,
    locate_points,
    representative_points,
    sliver_holes,
)

pytestmark = pytest.mark.unit

STEP = 0.01  # grid cell, degrees


def _cell(i: int, j: int, rng: np.random.Generator) -> Polygon:
    """A grid cell whose edges carry their own, slightly moved vertices (as generalised LSOAs do): neighbours
    overlap or leave hairline gaps of up to 2e-7 degrees, so a plain union is full of sliver holes."""
    x0, y0 = -0.2 + i * STEP, 51.5 + j * STEP
    ring = []
    for (ax, ay), (bx, by) in zip([(0, 0), (1, 0), (1, 1), (0, 1)], [(1, 0), (1, 1), (0, 1), (0, 0)], strict=True):
        for t in np.linspace(0, 1, 6)[:-1]:
            x, y = x0 + STEP * (ax + (bx - ax) * t), y0 + STEP * (ay + (by - ay) * t)
            corner = t == 0
            dx, dy = (0.0, 0.0) if corner else rng.uniform(-2e-7, 2e-7, size=2)
            ring.append((x + dx, y + dy))
    return Polygon(ring)


@pytest.fixture
def lsoas() -> pd.DataFrame:
    rng = np.random.default_rng(5)
    cells = [(i, j) for i in range(6) for j in range(6)]
    geoms = [_cell(i, j, rng) for i, j in cells]
    return pd.DataFrame({"code": [f"E01{k:06d}" for k in range(len(cells))], "geometry": geoms})


@pytest.fixture
def practices() -> pd.DataFrame:
    return pd.DataFrame({
        "code": ["P1", "P2", "P3", "P4"],
        "longitude": [-0.195, -0.145, -0.195, -0.145], "latitude": [51.505, 51.505, 51.555, 51.555],
        "pcn_code": ["U1", "U2", "U3", "U3"],
    })  # fmt: skip


def _areas(lsoas: pd.DataFrame) -> pd.DataFrame:
    points = representative_points(lsoas["geometry"].to_numpy())
    return pd.DataFrame({"code": lsoas["code"], "lon": points[:, 0], "lat": points[:, 1]})


def test_a_plain_union_of_such_areas_leaves_sliver_holes(lsoas):
    assert interior_holes(shapely.union_all(lsoas["geometry"].to_numpy())) > 0  # what the issue saw by hand


def test_every_lsoa_is_assigned_once_and_catchments_tile_without_holes(lsoas, practices):
    assigned = assign_areas(_areas(lsoas), practices)
    assert assigned["code"].tolist() == lsoas["code"].tolist() and assigned["code"].is_unique
    assert set(assigned["pcn_code"]) == {"U1", "U2", "U3"} and set(assigned["method"]) == {"nearest practice"}
    shapes = dissolve(lsoas["geometry"].to_numpy(), assigned["pcn_code"].to_numpy())
    assert sorted(shapes) == ["U1", "U2", "U3"]
    assert all(interior_holes(g) == 0 and g.is_valid for g in shapes.values())
    assert sliver_holes(shapes, lsoas["geometry"].to_numpy()) == 0
    union, whole = shapely.union_all(list(shapes.values())), shapely.union_all(lsoas["geometry"].to_numpy())
    assert union.symmetric_difference(whole).area < SNAP_GRID_DEG * whole.length  # edges moved < one grid step
    assert sum(g.area for g in shapes.values()) == pytest.approx(whole.area, rel=1e-4)  # no overlaps
    pieces = sum(len(shapely.get_parts(g)) for g in shapes.values())
    assert pieces == 3  # nearest-practice groups here are contiguous: no sliver parts either


def test_an_enclave_keeps_its_hole(lsoas):
    labels = np.where(lsoas["code"] == "E01000014", "INNER", "OUTER")  # cell (2, 2): surrounded by OUTER
    shapes = dissolve(lsoas["geometry"].to_numpy(), labels)
    assert interior_holes(shapes["OUTER"]) == 1 and sliver_holes(shapes, lsoas["geometry"].to_numpy()) == 0
    assert shapes["OUTER"].intersection(shapes["INNER"]).area < 1e-9


def test_the_derivation_is_deterministic(lsoas, practices):
    a = assign_areas(_areas(lsoas), practices, k=3)
    b = assign_areas(_areas(lsoas), practices.sample(frac=1, random_state=1), k=3)  # row order does not matter
    assert a.equals(b)
    first = dissolve(lsoas["geometry"].to_numpy(), a["pcn_code"].to_numpy())
    second = dissolve(lsoas["geometry"].to_numpy(), b["pcn_code"].to_numpy())
    assert all(first[k].equals(second[k]) for k in first)


def test_a_vote_of_the_nearest_practices_outweighs_one_close_practice():
    areas = pd.DataFrame({"code": ["A"], "lon": [0.0], "lat": [51.5]})
    practices = pd.DataFrame({"code": ["P1", "P2", "P3"], "longitude": [0.001, 0.0015, 0.0015],
                              "latitude": [51.5, 51.5005, 51.4995], "pcn_code": ["U1", "U2", "U2"]})
    assert assign_by_nearest(areas, practices, k=1).tolist() == ["U1"]
    assert assign_by_nearest(areas, practices, k=3).tolist() == ["U2"]


def test_registrations_decide_where_given_and_ties_go_to_the_lower_code(lsoas, practices):
    regs = pd.DataFrame({"lsoa_code": ["E01000000", "E01000000", "E01000001", "E01000001"],
                         "practice_code": ["P1", "P4", "P1", "P2"], "patients": [10, 900, 50, 50]})
    by_regs = assign_by_registrations(regs, practices.set_index("code")["pcn_code"])
    assert by_regs.to_dict() == {"E01000000": "U3", "E01000001": "U1"}
    assigned = assign_areas(_areas(lsoas), practices, registrations=regs).set_index("code")
    assert assigned.loc["E01000000", "pcn_code"] == "U3" and assigned.loc["E01000000", "method"] == "registrations"
    assert (assigned["method"] == "registrations").sum() == 2


def test_no_practice_to_assign_to_is_an_error(lsoas):
    with pytest.raises(ValueError, match="no open practice"):
        assign_by_nearest(_areas(lsoas), pd.DataFrame(columns=["code", "longitude", "latitude", "pcn_code"]))


def test_points_are_located_in_their_area():
    areas = pd.DataFrame({"code": ["A", "B"], "geometry": [box(0, 0, 1, 1), box(1, 0, 2, 1)]})
    points = pd.DataFrame({"longitude": [0.5, 1.5, 5.0, 1.0], "latitude": [0.5, 0.5, 5.0, 0.5]})
    assert locate_points(points, areas).tolist() == ["A", "B", pd.NA, "A"]  # on the shared edge: the first area
