"""Small synthetic boundaries, points and values for the map builders (no database)."""

from __future__ import annotations

import pandas as pd
import pytest
import shapely
from shapely.geometry import MultiPolygon, box


def _bounds(rows: list[tuple[str, str, object]]) -> pd.DataFrame:
    records = []
    for code, name, geometry in rows:
        minx, miny, maxx, maxy = geometry.bounds
        records.append(
            {
                "code": code, "name": name, "display_wkb": shapely.to_wkb(geometry), "min_lon": minx,
                "min_lat": miny, "max_lon": maxx, "max_lat": maxy, "vintage": "synthetic",
                "source": "Synthetic demo dataset (data/demo, fixed seed)",
            }
        )  # fmt: skip
    return pd.DataFrame(records)


@pytest.fixture
def pcn_bounds() -> pd.DataFrame:
    two_parts = MultiPolygon([box(-0.2, 51.5, -0.15, 51.55), box(-0.14, 51.5, -0.1, 51.52)])
    return _bounds([("U1", "North PCN", box(-0.2, 51.55, -0.1, 51.6)), ("U2", "South PCN", two_parts)])


@pytest.fixture
def borough_bounds() -> pd.DataFrame:
    return _bounds([("E1", "Borough One", box(-0.2, 51.5, -0.1, 51.6))])


@pytest.fixture
def values() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "area_code": ["U1", "U2"],
            "numerator": [120.0, 5.0],
            "denominator": [400.0, 20.0],
            "value": [300.0, 250.0],
            "lower": [270.0, 80.0],
            "upper": [330.0, 580.0],
        }
    )


@pytest.fixture
def practices() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "code": ["P1", "P2"], "name": ["Elm Surgery", "No Place"], "latitude": [51.57, None],
            "longitude": [-0.15, None], "pcn_code": ["U1", "U1"], "pcn": ["North PCN", "North PCN"],
            "borough_code": ["E1", "E1"], "borough": ["Borough One", "Borough One"], "patients": [9500, None],
        }
    )  # fmt: skip


@pytest.fixture
def homes() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "cqc_location_id": ["1-1", "1-2"], "name": ["Oak House", "Ash Court"], "beds": [20, 45],
            "care_type": ["nursing", "residential"], "cqc_rating": ["Good", "Inadequate"],
            "rating_date": [pd.Timestamp("2023-05-01").date(), None], "postcode": ["N1 1AA", None],
            "latitude": [51.51, 51.58], "longitude": [-0.18, -0.12], "pcn_code": ["U2", "U1"],
            "pcn": ["South PCN", "North PCN"], "borough_code": ["E1", "E1"], "borough": ["Borough One"] * 2,
            "aligned_practice_code": ["P1", None], "aligned_practice": ["Elm Surgery", None],
        }
    )  # fmt: skip
