"""Synthetic registers and boundaries: systems, boroughs, PCNs, practices, care homes and their polygons.

Pure: a seed and a scale in, DataFrames out (no database). NCL keeps its real system and borough codes and
names, and its real borough and LSOA boundaries (a simplified ONS copy shipped as ``ncl_boundaries.geojson``,
with IMD 2019 deciles); its PCNs are synthetic groups of neighbouring LSOAs dissolved as indicative catchments are
(``geo.catchments.dissolve``), with synthetic practices placed in their LSOAs. Everything below borough level, and
every system beyond NCL at England scale (whose shapes are invented), is synthetic and uses code ranges that make
that visible (PCNs U9xxxx, practices Zxxxxx, care homes 1-9xxxxxxxxx).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import shapely
from shapely.geometry import Polygon, shape

from data.demo.spec import DEMO_SOURCE, ENGLAND_CARE_HOMES_PER_SYSTEM, NCL_BOROUGHS, SCALES, BoroughSpec, Scale
from geo.catchments import dissolve, representative_points
from geo.synthetic import (
    NCL_BOROUGH_SEEDS,
    Area,
    borough_tiles,
    outline,
    random_points_in,
    relaxed_seeds,
    split_into,
)
from models import AreaLevel, CareType, CqcRating

NCL_SYSTEM = {"code": "QMJ", "ons_code": "E54000028", "name": "North Central London"}
BOUNDARY_FILE = Path(__file__).with_name("ncl_boundaries.geojson")
ONS_SOURCE = (
    "ONS / OS boundaries (OGL v3; OS OpenData), GeoJSON by Martin Chorley (CC-BY 4.0), simplified for the demo"
)
IMD_SOURCE = "MHCLG English Indices of Deprivation 2019 (OGL v3)"
SYNTHETIC_PCN_SOURCE = "Synthetic PCN areas for the demo: groups of real LSOAs, dissolved"
SYNTHETIC_SHAPE_SOURCE = f"{DEMO_SOURCE}; invented shapes"
PCN_MIN, PCN_MAX = 30_000, 80_000
MIN_PRACTICE = 1_800

_POSTCODE_DISTRICTS = {
    "Barnet": ("EN5", "N3", "NW4", "HA8", "N12", "NW7", "N20", "NW9"),
    "Camden": ("NW1", "NW3", "NW5", "WC1", "NW6", "N6"),
    "Enfield": ("EN1", "EN2", "EN3", "N9", "N13", "N18", "N21"),
    "Haringey": ("N8", "N15", "N17", "N22", "N10", "N4"),
    "Islington": ("N1", "N5", "N7", "N19", "EC1"),
}
_STREETS = (
    "Oak",
    "Elm",
    "Park",
    "Station",
    "Church",
    "High",
    "Mill",
    "Grove",
    "Vale",
    "Green",
    "Manor",
    "Cedar",
    "Bridge",
    "Castle",
    "Priory",
    "Heath",
    "Orchard",
    "Meadow",
    "Lime",
    "Ash",
    "Willow",
    "Beech",
    "Holly",
)
_PRACTICE_KINDS = ("Surgery", "Medical Centre", "Health Centre", "Group Practice", "Medical Practice")
_HOME_KINDS = ("House", "Lodge", "Court", "Manor", "Gardens", "View")
_RATINGS = (
    (CqcRating.OUTSTANDING, 0.05),
    (CqcRating.GOOD, 0.71),
    (CqcRating.REQUIRES_IMPROVEMENT, 0.19),
    (CqcRating.INADEQUATE, 0.03),
    (CqcRating.NOT_RATED, 0.02),
)
BEDS_SD = 0.45  # log-scale spread of beds per home
NAMED_GP_SHARE = 0.97  # homes aligned to a named practice at the end of the series


@dataclass(frozen=True)
class Geography:
    """The synthetic registers (one row per thing) and boundaries (one row per polygon)."""

    systems: pd.DataFrame  # code, ons_code, name
    boroughs: pd.DataFrame  # code, name, system_code
    pcns: pd.DataFrame  # code, name, borough_code
    practices: pd.DataFrame  # code, name, postcode, latitude, longitude, pcn_code, borough_code, patients
    care_homes: pd.DataFrame  # cqc_location_id, name, beds, care_type, cqc_rating, rating_date, postcode,
    #                           latitude, longitude, borough_code, pcn_code, aligned_practice_code
    boundaries: pd.DataFrame  # level, code, name, geometry (shapely, EPSG:4326), vintage, source
    deprivation: pd.DataFrame  # lsoa_code, lsoa_name, lad_code, lad_name, imd_rank, imd_decile (real IMD 2019)


@lru_cache(maxsize=1)
def ncl_boundaries() -> tuple[pd.DataFrame, pd.DataFrame]:
    """The shipped NCL boundaries: (LSOAs: code, name, borough, imd_rank, imd_decile, geometry; boroughs: code,
    name, geometry). Read once per process; treat the frames as read-only."""
    features = json.loads(BOUNDARY_FILE.read_text())["features"]
    rows = [{**f["properties"], "geometry": shape(f["geometry"])} for f in features]
    frame = pd.DataFrame(rows)
    lsoas = frame[frame["level"] == "lsoa"].drop(columns="level").reset_index(drop=True)
    boroughs = frame[frame["level"] == "borough"][["code", "name", "geometry"]].reset_index(drop=True)
    return lsoas, boroughs


def lsoa_groups(points: np.ndarray, region: Polygon, n: int, rng: np.random.Generator) -> np.ndarray:
    """Label ``points`` (LSOA representative points in one borough) 0..n-1 as ``n`` compact, non-empty groups.

    Seeds spread over the borough by Lloyd relaxation, then two k-means steps on the points; a group left empty
    takes the point nearest its seed from the largest group. Deterministic for a given ``rng`` state.
    """
    seeds = relaxed_seeds(region, n, rng)
    for _ in range(3):
        labels = np.argmin(((points[:, None, :] - seeds[None, :, :]) ** 2).sum(axis=2), axis=1)
        for g in range(n):
            if not (labels == g).any():
                largest = np.bincount(labels, minlength=n).argmax()
                members = np.flatnonzero(labels == largest)
                labels[members[np.argmin(((points[members] - seeds[g]) ** 2).sum(axis=1))]] = g
        seeds = np.array([points[labels == g].mean(axis=0) for g in range(n)])
    return labels


def _split_total(total: int, parts: int, rng: np.random.Generator, *, low: int, high: int, alpha: float) -> np.ndarray:
    """Split ``total`` into ``parts`` integers between ``low`` and ``high`` (Dirichlet shares, rejection)."""
    if not parts * low <= total <= parts * high:
        raise ValueError(f"cannot split {total} into {parts} parts of {low}-{high}")
    for _ in range(10_000):
        sizes = np.round(rng.dirichlet(np.full(parts, alpha)) * total).astype(int)
        sizes[-1] += total - sizes.sum()
        if sizes.min() >= low and sizes.max() <= high:
            return sizes
    raise ValueError(f"no split of {total} into {parts} parts of {low}-{high} found")


def _allocate(counts_by_weight: np.ndarray, total: int, minimum: int) -> np.ndarray:
    """Largest-remainder allocation of ``total`` items in proportion to weights, each at least ``minimum``."""
    weights = counts_by_weight / counts_by_weight.sum()
    base = np.maximum(np.floor(weights * total).astype(int), minimum)
    while base.sum() < total:
        base[np.argmax(weights * total - base)] += 1
    while base.sum() > total:
        candidates = np.where(base > minimum)[0]
        base[candidates[np.argmin((weights * total - base)[candidates])]] -= 1
    return base


def _postcode(borough: str, rng: np.random.Generator) -> str:
    districts = _POSTCODE_DISTRICTS.get(borough, ("ZZ9",))
    letters = "ABDEFGHJLNPQRSTUWXYZ"
    return f"{rng.choice(districts)} {rng.integers(1, 10)}{rng.choice(list(letters))}{rng.choice(list(letters))}"


def _system_boroughs(index: int) -> tuple[dict[str, str], list[BoroughSpec]]:
    """System ``index`` (0 = NCL) and its borough specs; further systems reuse NCL's shape with invented codes."""
    if index == 0:
        return NCL_SYSTEM, list(NCL_BOROUGHS)
    system = {"code": f"X{index:02d}", "ons_code": f"E54{900000 + index:06d}", "name": f"Synthetic system {index:02d}"}
    specs = [
        BoroughSpec(
            code=f"E99{index:03d}{k:03d}",
            name=f"Synthetic {index:02d}-{b.name[0]}{k}",
            pcns=b.pcns,
            patients=b.patients,
            care_homes=b.care_homes,
            mean_beds=b.mean_beds,
            pcn_places=b.pcn_places,
        )
        for k, b in enumerate(NCL_BOROUGHS, start=1)
    ]
    return system, specs


def _offset(index: int) -> tuple[float, float]:
    """Lay England-scale systems on a grid beside NCL (synthetic placement, for performance work only)."""
    col, row = index % 7, index // 7
    return (0.32 * col, -0.22 * row)


def _ncl_borough(
    code: str, pcn_codes: list[str], rng: np.random.Generator
) -> tuple[Polygon, list[Area], dict[str, list[Polygon]], pd.DataFrame]:
    """A real NCL borough cut into synthetic PCNs: (borough shape, PCN areas, each PCN's LSOAs, LSOA rows)."""
    lsoas, boroughs = ncl_boundaries()
    region = boroughs.loc[boroughs["code"] == code, "geometry"].iloc[0]
    mine = lsoas[lsoas["borough"] == code]
    labels = lsoa_groups(representative_points(mine["geometry"].to_numpy()), region, len(pcn_codes), rng)
    pcn_of = np.array(pcn_codes, dtype=object)[labels]
    shapes = dissolve(mine["geometry"].to_numpy(), pcn_of, grid=1e-5)
    areas = [Area(c, shapes[c]) for c in pcn_codes]
    members = {c: mine["geometry"].to_numpy()[pcn_of == c].tolist() for c in pcn_codes}
    return region, areas, members, mine


def _points_in_lsoas(lsoas: list[Polygon], n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` points, each inside a randomly chosen LSOA of the list (distinct LSOAs while there are enough)."""
    chosen = rng.choice(len(lsoas), n, replace=n > len(lsoas))
    return np.vstack([random_points_in(lsoas[i], 1, rng, margin=0.0002) for i in chosen])


def build_geography(scale: str | Scale = "ncl", seed: int = 0) -> Geography:
    """Generate the registers and boundaries for ``scale`` ('ncl' or 'england') deterministically from ``seed``."""
    scale = SCALES[scale] if isinstance(scale, str) else scale
    rng = np.random.default_rng(seed)
    systems, boroughs, pcns, practices, homes, bounds = [], [], [], [], [], []
    deprivation: list[pd.DataFrame] = []
    pcn_serial = practice_serial = home_serial = 0
    homes_per_system = sum(b.care_homes for b in NCL_BOROUGHS)
    target_homes = homes_per_system if scale.systems == 1 else ENGLAND_CARE_HOMES_PER_SYSTEM

    def bound(level: AreaLevel, code: str, name: str, geometry: object, source: str) -> None:
        vintage = "2011" if source == ONS_SOURCE else "synthetic"
        bounds.append({"level": level, "code": code, "name": name, "geometry": geometry, "vintage": vintage,
                       "source": source})

    for s in range(scale.systems):
        system, specs = _system_boroughs(s)
        systems.append(system)
        real = s == 0  # NCL: the real ONS boroughs and LSOAs; further systems: invented shapes
        if real:
            borough_shapes = dict(zip(ncl_boundaries()[1]["code"], ncl_boundaries()[1]["geometry"], strict=True))
            region = shapely.coverage_union_all(list(borough_shapes.values()))
        else:
            dx, dy = _offset(s)
            region = outline((dx, dy))
            seeds = {  # each borough (or its synthetic copy) at the place of the NCL borough it mirrors
                b.code: (NCL_BOROUGH_SEEDS[ncl.code][0] + dx, NCL_BOROUGH_SEEDS[ncl.code][1] + dy)
                for b, ncl in zip(specs, NCL_BOROUGHS, strict=True)
            }
            borough_shapes = {a.code: a.geometry for a in borough_tiles(region, seeds)}
        shape_source = ONS_SOURCE if real else SYNTHETIC_SHAPE_SOURCE
        bound(AreaLevel.SYSTEM, system["code"], system["name"], region, shape_source)
        pcn_patients = {
            b.code: _split_total(b.patients, b.pcns, rng, low=PCN_MIN, high=PCN_MAX, alpha=40) for b in specs
        }
        all_pcn_sizes = np.concatenate(list(pcn_patients.values()))
        practice_counts = iter(_allocate(all_pcn_sizes.astype(float), scale.practices_per_system, minimum=2))
        home_counts = _allocate(np.array([b.care_homes for b in specs], float), target_homes, minimum=1)

        for b, n_homes in zip(specs, home_counts, strict=True):
            boroughs.append({"code": b.code, "name": b.name, "system_code": system["code"]})
            codes = [f"U{90001 + pcn_serial + k:05d}" for k in range(b.pcns)]
            pcn_serial += b.pcns
            members: dict[str, list[Polygon]] = {}
            if real:
                bshape, pcn_areas, members, lsoas = _ncl_borough(b.code, codes, rng)
                for row in lsoas.itertuples(index=False):
                    bound(AreaLevel.LSOA, row.code, row.name, row.geometry, ONS_SOURCE)
                deprivation.append(pd.DataFrame({
                    "lsoa_code": lsoas["code"], "lsoa_name": lsoas["name"], "lad_code": b.code, "lad_name": b.name,
                    "imd_rank": lsoas["imd_rank"].astype(int), "imd_decile": lsoas["imd_decile"].astype(int),
                }))
            else:
                bshape = borough_shapes[b.code]
                pcn_areas = split_into(bshape, codes, rng)
            bound(AreaLevel.BOROUGH, b.code, b.name, bshape, shape_source)
            borough_practices: list[dict] = []
            for k, (area, size) in enumerate(zip(pcn_areas, pcn_patients[b.code], strict=True)):
                name = f"{b.pcn_places[k % len(b.pcn_places)]} PCN"
                pcns.append({"code": area.code, "name": name, "borough_code": b.code})
                bound(AreaLevel.PCN, area.code, name, area.geometry,
                      SYNTHETIC_PCN_SOURCE if real else SYNTHETIC_SHAPE_SOURCE)
                n_prac = next(practice_counts)
                sizes = _split_total(int(size), n_prac, rng, low=MIN_PRACTICE, high=int(size), alpha=3)
                if real:
                    points = _points_in_lsoas(members[area.code], n_prac, rng)
                else:
                    points = random_points_in(area.geometry, n_prac, rng, margin=0.002)
                for size_p, (lon, lat) in zip(sizes, points, strict=True):
                    practice_serial += 1
                    street = _STREETS[rng.integers(len(_STREETS))]
                    kind = _PRACTICE_KINDS[rng.integers(len(_PRACTICE_KINDS))]
                    borough_practices.append(
                        {
                            "code": f"Z{practice_serial:05d}",
                            "name": f"{street} {kind}",
                            "postcode": _postcode(b.name, rng),
                            "latitude": round(float(lat), 6),
                            "longitude": round(float(lon), 6),
                            "pcn_code": area.code,
                            "borough_code": b.code,
                            "patients": int(size_p),
                        }
                    )
            practices.extend(borough_practices)
            homes.extend(_care_homes(b, int(n_homes), bshape, pcn_areas, borough_practices, rng, home_serial))
            home_serial += int(n_homes)

    return Geography(
        systems=pd.DataFrame(systems),
        boroughs=pd.DataFrame(boroughs),
        pcns=pd.DataFrame(pcns),
        practices=pd.DataFrame(practices),
        care_homes=pd.DataFrame(homes),
        boundaries=pd.DataFrame(bounds),
        deprivation=pd.concat(deprivation, ignore_index=True) if deprivation else pd.DataFrame(),
    )


def _care_homes(
    borough: BoroughSpec,
    count: int,
    shape: Polygon,
    pcn_areas: list,
    practices: list[dict],
    rng: np.random.Generator,
    serial: int,
) -> list[dict]:
    """Care homes placed in the borough, sized around its mean bed count, each aligned to a practice in its PCN."""
    points = random_points_in(shape, count, rng, margin=0.001)
    pcn_of_point = np.full(count, "", dtype=object)
    for area in pcn_areas:
        inside = shapely.contains_xy(area.geometry, points[:, 0], points[:, 1])
        pcn_of_point[inside] = area.code
    ratings, weights = zip(*_RATINGS, strict=True)
    homes = []
    for i, (lon, lat) in enumerate(points):
        nursing = rng.random() < 0.4
        mean = borough.mean_beds * (1.25 if nursing else 0.85)
        beds = int(np.clip(round(rng.lognormal(np.log(mean) - BEDS_SD**2 / 2, BEDS_SD)), 4, 150))
        pcn_code = pcn_of_point[i] or min(pcn_areas, key=lambda a: a.geometry.distance(shapely.Point(lon, lat))).code
        in_pcn = [p for p in practices if p["pcn_code"] == pcn_code]
        nearest = min(in_pcn, key=lambda p: (p["longitude"] - lon) ** 2 + (p["latitude"] - lat) ** 2)
        homes.append(
            {
                "cqc_location_id": f"1-9{serial + i + 1:09d}",
                "name": f"{_STREETS[rng.integers(len(_STREETS))]} {_HOME_KINDS[rng.integers(len(_HOME_KINDS))]}",
                "beds": beds,
                "care_type": CareType.NURSING if nursing else CareType.RESIDENTIAL,
                "cqc_rating": ratings[rng.choice(len(ratings), p=np.array(weights))],
                "rating_date": date(2022, 1, 1) + pd.Timedelta(days=int(rng.integers(0, 800))),
                "postcode": _postcode(borough.name, rng),
                "latitude": round(float(lat), 6),
                "longitude": round(float(lon), 6),
                "borough_code": borough.code,
                "pcn_code": pcn_code,
                "aligned_practice_code": nearest["code"] if rng.random() < NAMED_GP_SHARE else None,
            }
        )
    return homes
