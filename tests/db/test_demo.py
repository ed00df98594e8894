"""The synthetic NCL demo dataset, as loaded into each database: the facts the issue and the NCL plans give."""

from __future__ import annotations

import pandas as pd
import pytest
import shapely
from sqlalchemy import text
from sqlmodel import Session

from data import queries
from data.db import make_engine
from data.demo.spec import KPIS, WORKSTREAMS
from data.manage import ensure_database
from data.register import build_register, plan_at

pytestmark = pytest.mark.db

NCL_BOROUGHS = {"E09000003": 7, "E09000007": 7, "E09000010": 4, "E09000014": 8, "E09000019": 4}


def _sql(engine, sql: str) -> pd.DataFrame:
    with engine.connect() as conn:
        return pd.read_sql(text(sql), conn)


def test_boroughs_and_pcns_match_ncl(demo_engine):
    counts = _sql(
        demo_engine,
        """
        SELECT b.code, COUNT(p.id) AS pcns FROM borough b JOIN pcn p ON p.borough_id = b.id GROUP BY b.code
    """,
    )
    assert dict(zip(counts["code"], counts["pcns"], strict=True)) == NCL_BOROUGHS


def test_practices_and_list_sizes(demo_engine):
    practices = _sql(demo_engine, "SELECT COUNT(*) AS n FROM practice")["n"].iloc[0]
    assert practices == 180
    latest = _sql(
        demo_engine,
        """
        SELECT p.code AS practice, pc.code AS pcn, ls.patients FROM practice_list_size ls
        JOIN practice p ON p.id = ls.practice_id JOIN pcn pc ON pc.id = p.pcn_id
        WHERE ls.extract_date = (SELECT MAX(extract_date) FROM practice_list_size)
    """,
    )
    assert len(latest) == 180
    assert 1_400_000 <= latest["patients"].sum() <= 1_600_000
    per_pcn = latest.groupby("pcn")["patients"].sum()
    assert per_pcn.between(30_000, 80_000).all(), per_pcn.describe()


def test_care_homes_and_beds(demo_engine):
    homes = _sql(
        demo_engine,
        """
        SELECT b.name AS borough, c.beds, c.care_type, c.cqc_rating, c.pcn_id, c.aligned_practice_id
        FROM care_home c JOIN borough b ON b.id = c.borough_id
    """,
    )
    assert len(homes) == 230
    assert 5_500 <= homes["beds"].sum() <= 6_500
    by_borough = homes.groupby("borough").agg(n=("beds", "size"), beds=("beds", "sum"))
    assert 85 <= by_borough.loc["Barnet", "n"] <= 95
    assert by_borough.loc["Islington", "n"] == 8
    assert by_borough.loc[["Barnet", "Enfield"], "beds"].sum() / homes["beds"].sum() > 0.70
    assert set(homes["care_type"]) == {"nursing", "residential"}
    assert (
        homes["cqc_rating"].isin(["Outstanding", "Good", "Requires improvement", "Inadequate", "Not yet rated"]).all()
    )
    assert homes["pcn_id"].notna().all()
    assert 0.9 < homes["aligned_practice_id"].notna().mean() < 1.0  # a few homes still lack a named practice


def test_boundaries_valid_and_pcns_tile_their_borough(demo_engine):
    rows = _sql(demo_engine, "SELECT level, code, geometry_wkb, display_wkb FROM boundary")
    rows["geometry"] = shapely.from_wkb(rows["geometry_wkb"].map(bytes))
    rows["display"] = shapely.from_wkb(rows["display_wkb"].map(bytes))
    assert shapely.is_valid(rows["geometry"]).all() and shapely.is_valid(rows["display"]).all()
    assert set(rows.loc[rows["level"] == "borough", "code"]) == set(NCL_BOROUGHS)
    pcns = _sql(demo_engine, "SELECT p.code, b.code AS borough FROM pcn p JOIN borough b ON b.id = p.borough_id")
    assert set(rows.loc[rows["level"] == "pcn", "code"]) == set(pcns["code"])
    shapes = rows.set_index(["level", "code"])["geometry"]
    for borough, group in pcns.groupby("borough"):
        outline = shapes[("borough", borough)]
        union = shapely.union_all([shapes[("pcn", c)] for c in group["code"]])
        assert union.symmetric_difference(outline).area < 1e-9 * outline.area  # no gaps, nothing outside
        assert sum(shapes[("pcn", c)].area for c in group["code"]) == pytest.approx(
            outline.area, rel=1e-9
        )  # no overlaps
    lon_lat = shapely.bounds(shapes[("system", "QMJ")])  # the real NCL (ONS boundaries shipped with the demo)
    assert lon_lat[0] >= -0.31 and lon_lat[2] <= 0.0 and lon_lat[1] >= 51.50 and lon_lat[3] <= 51.70
    lsoas = rows[rows["level"] == "lsoa"]
    assert len(lsoas) == 795 and shapely.coverage_is_valid(lsoas["geometry"].to_numpy())
    imd = _sql(demo_engine, "SELECT imd_decile FROM lsoa_deprivation")
    assert len(imd) == 795 and set(imd["imd_decile"]) == set(range(1, 11))


def test_practices_and_care_homes_lie_in_their_pcn(demo_engine):
    shapes = _sql(demo_engine, "SELECT code, geometry_wkb FROM boundary WHERE level = 'pcn'")
    polygons = dict(zip(shapes["code"], shapely.from_wkb(shapes["geometry_wkb"].map(bytes)), strict=True))
    points = _sql(
        demo_engine,
        """
        SELECT pc.code AS pcn, p.longitude, p.latitude FROM practice p JOIN pcn pc ON pc.id = p.pcn_id
        UNION ALL
        SELECT pc.code, c.longitude, c.latitude FROM care_home c JOIN pcn pc ON pc.id = c.pcn_id
    """,
    )
    inside = [polygons[r.pcn].contains(shapely.Point(r.longitude, r.latitude)) for r in points.itertuples()]
    assert all(inside)


def test_every_workstream_has_kpis_with_actuals_plans_and_targets(demo_engine):
    with Session(demo_engine) as session:
        catalogue = queries.kpi_catalogue(session=session)
    assert set(catalogue["workstream_code"]) == {w.code for w in WORKSTREAMS}
    assert catalogue["target_value"].notna().all() and catalogue["target_date"].notna().all()
    assert catalogue["validation_date"].notna().all() and catalogue["baseline_value"].notna().all()
    facts = _sql(
        demo_engine,
        """
        SELECT k.code, o.level, MIN(o.period_start) AS first, MAX(o.period_start) AS last, COUNT(*) AS n
        FROM kpi_observation o JOIN kpi k ON k.id = o.kpi_id GROUP BY k.code, o.level
    """,
    )
    plans = _sql(demo_engine, "SELECT DISTINCT k.code FROM kpi_plan p JOIN kpi k ON k.id = p.kpi_id")
    assert set(plans["code"]) == {k.code for k in KPIS}
    for spec in KPIS:
        stored = facts[facts["code"] == spec.code]
        assert set(stored["level"]) == {lv.value for lv in spec.levels}, spec.code
    monthly = facts[facts["code"] == "AE_RATE"]
    assert (pd.to_datetime(monthly["first"]) == "2016-04-01").all()
    assert (pd.to_datetime(monthly["last"]) == "2024-03-01").all()


def test_levels_add_up(demo_engine):
    sums = _sql(
        demo_engine,
        """
        SELECT o.level, SUM(o.numerator) AS num, SUM(o.denominator) AS den
        FROM kpi_observation o JOIN kpi k ON k.id = o.kpi_id
        WHERE k.code = 'AE_RATE' AND o.period_start = '2019-01-01' GROUP BY o.level
    """,
    ).set_index("level")
    assert (
        sums.loc["practice", "num"] == sums.loc["pcn", "num"] == sums.loc["borough", "num"] == sums.loc["system", "num"]
    )
    assert sums.loc["practice", "den"] == pytest.approx(sums.loc["system", "den"])


def test_ae_rate_spread_matches_the_plans(demo_engine):
    """NCL plans: practices from about 180 to 440 A&E attendances per 1,000 patients, average near 316."""
    rates = _sql(
        demo_engine,
        """
        SELECT o.area_code, SUM(o.numerator) * 1000.0 / SUM(o.denominator) AS rate
        FROM kpi_observation o JOIN kpi k ON k.id = o.kpi_id
        WHERE k.code = 'AE_RATE' AND o.level = 'practice' AND o.period_start BETWEEN '2016-04-01' AND '2017-03-01'
        GROUP BY o.area_code
    """,
    )["rate"]
    assert 290 <= rates.median() <= 340
    assert rates.quantile(0.05) < 250 and rates.quantile(0.95) > 400


def test_register_mixes_statuses(demo_engine):
    with Session(demo_engine) as session:
        catalogue = queries.kpi_catalogue(session=session)
        codes = catalogue["kpi_code"].tolist()
        statuses = set()
        for code in NCL_BOROUGHS:
            series = queries.area_series(session=session, level="borough", area_code=code, kpi_codes=codes)
            plans = queries.area_plans(session=session, level="borough", area_code=code, kpi_codes=codes)
            statuses |= set(build_register(catalogue, series, plans, level="borough")["status"])
    assert {"On track", "At risk", "Off track"} <= statuses


def test_demo_is_labelled_synthetic(demo_engine):
    with Session(demo_engine) as session:
        loaded = queries.provenance(session=session)
    assert len(loaded) == 1 and bool(loaded["synthetic"].iloc[0])


def test_ensure_database_loads_once(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'fresh.sqlite'}")
    first = ensure_database(engine)
    second = ensure_database(engine)
    assert first is not None and first.rows["kpi_observation"] > 100_000
    assert second is None
    assert _sql(engine, "SELECT COUNT(*) AS n FROM import_log")["n"].iloc[0] == 1


def test_system_plans_reach_each_target_by_its_date(demo_engine):
    with Session(demo_engine) as session:
        catalogue = queries.kpi_catalogue(session=session)
        plans = queries.area_plans(
            session=session, level="system", area_code="QMJ", kpi_codes=list(catalogue["kpi_code"])
        )
    for kpi in catalogue.itertuples():
        own = plans[plans["kpi_code"] == kpi.kpi_code]
        assert plan_at(own, kpi.target_date) == pytest.approx(kpi.target_value, abs=1e-3), kpi.kpi_code
