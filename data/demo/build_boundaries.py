"""Regenerate ``data/demo/ncl_boundaries.geojson``: the demo's simplified real NCL borough and LSOA boundaries.

    python -m data.demo.build_boundaries [REALDATA_DIR]   (default ../shared/realdata)

Reads the published ONS boundaries (``ons/lsoa_by_lad/*.json``, ``ons/lad/ncl_lad_dissolved_from_wards.geojson``,
converted to GeoJSON by Martin Chorley) and the IMD 2019 File 1, and writes one small GeoJSON: every NCL LSOA
(code, name, borough, IMD 2019 rank and decile) simplified as a coverage (``shapely.coverage_simplify``, so
neighbours keep one shared edge) and rounded to 5 decimals, and each borough dissolved from its simplified LSOAs
(so borough, LSOA and PCN edges line up). Attribution: ``ncl_boundaries.LICENCE.md`` beside the output.
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import mapping, shape

from geo.catchments import dissolve

OUTPUT = Path(__file__).with_name("ncl_boundaries.geojson")
NCL_LADS = ("E09000003", "E09000007", "E09000010", "E09000014", "E09000019")
SIMPLIFY_DEG = 0.0003  # about 20-30 m at London's latitude
PRECISION_DEG = 1e-5  # 5 decimals, about 1 m
IMD_FILE = "imd2019/File_1_-_IMD2019_Index_of_Multiple_Deprivation_london.csv"


def _rounded(geometry: shapely.Geometry) -> dict:
    """GeoJSON geometry with coordinates as 5-decimal floats (no trailing binary noise)."""

    def walk(value: object) -> object:
        if isinstance(value, float):
            return round(value, 5)
        if isinstance(value, list | tuple):
            return [walk(v) for v in value]
        return value

    return {k: walk(v) for k, v in mapping(geometry).items()}


def build(realdata: Path) -> dict:
    """The FeatureCollection: LSOA features (level lsoa) then borough features (level borough)."""
    with (realdata / IMD_FILE).open(encoding="utf-8-sig", newline="") as f:
        imd = {row[0]: (int(row[4].replace(",", "")), int(row[5])) for row in list(csv.reader(f))[1:]}
    lads = json.loads((realdata / "ons/lad/ncl_lad_dissolved_from_wards.geojson").read_text())
    lad_names = {f["properties"]["LAD13CD"]: f["properties"]["LAD13NM"] for f in lads["features"]}
    codes, names, lad_of, geoms = [], [], [], []
    for lad in NCL_LADS:
        for feature in json.loads((realdata / "ons/lsoa_by_lad" / f"{lad}.json").read_text())["features"]:
            codes.append(feature["properties"]["LSOA11CD"])
            names.append(feature["properties"]["LSOA11NM"])
            lad_of.append(lad)
            geoms.append(shape(feature["geometry"]))
    snapped = shapely.set_precision(shapely.make_valid(np.array(geoms, dtype=object)), 1e-6)
    simple = shapely.coverage_simplify(snapped, SIMPLIFY_DEG)
    simple = shapely.make_valid(shapely.set_precision(simple, PRECISION_DEG))
    features = [
        {
            "type": "Feature",
            "properties": {"level": "lsoa", "code": code, "name": name, "borough": lad,
                           "imd_rank": imd[code][0], "imd_decile": imd[code][1]},
            "geometry": _rounded(geometry),
        }
        for code, name, lad, geometry in zip(codes, names, lad_of, simple, strict=True)
    ]  # fmt: skip
    for lad, geometry in dissolve(simple, lad_of, grid=PRECISION_DEG).items():
        features.append({
            "type": "Feature",
            "properties": {"level": "borough", "code": lad, "name": lad_names[lad]},
            "geometry": _rounded(geometry),
        })
    return {"type": "FeatureCollection", "features": features}


def main(argv: list[str] | None = None) -> int:
    """Write the file; print its size and feature counts."""
    args = sys.argv[1:] if argv is None else argv
    realdata = Path(args[0] if args else "../shared/realdata").resolve()
    collection = build(realdata)
    OUTPUT.write_text(json.dumps(collection, separators=(",", ":")) + "\n")
    levels = [f["properties"]["level"] for f in collection["features"]]
    counts = f"{levels.count('lsoa')} LSOAs, {levels.count('borough')} boroughs"
    print(f"{OUTPUT}: {OUTPUT.stat().st_size:,} bytes, {counts}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
