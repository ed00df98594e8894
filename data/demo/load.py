"""Write the synthetic demo dataset into the database in one transaction, recorded in the import log."""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import Enum
from typing import Any

import numpy as np
import pandas as pd
import shapely
from sqlalchemy import Integer, Table, select, update
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session, SQLModel

from data.coverage import refresh_coverage
from data.db import create_schema, session_scope
from data.demo.delivery import build_delivery
from data.demo.facts import LIST_GROWTH, observations_for, plans_for
from data.demo.geography import NCL_SYSTEM, SYNTHETIC_SHAPE_SOURCE, build_geography
from data.demo.spec import (
    BOROUGH_INITIATIVES,
    DEMO_SEED,
    FIRST_MONTH,
    INITIATIVES,
    KPIS,
    LAST_MONTH,
    SCALES,
    WORKSTREAMS,
)
from data.rollups import refresh_rollups
from models import (
    ActivityChange,
    AreaLevel,
    Borough,
    Boundary,
    CareHome,
    FinanceLine,
    HealthSystem,
    ImportLog,
    ImportStatus,
    Initiative,
    Kpi,
    KpiAreaLevel,
    KpiObservation,
    KpiPlan,
    LsoaDeprivation,
    Milestone,
    Pcn,
    Practice,
    PracticeListSize,
    Risk,
    RiskReview,
    Workstream,
)

DEMO_VERSION = 1  # bump when the generator changes, so a rebuilt demo is a new import
INSERT_CHUNK = 50_000
DISPLAY_TOLERANCE_DEG = 0.0004  # about 30 m: boundaries drawn on maps are simplified to this


@dataclass(frozen=True)
class DemoSummary:
    """What a demo build wrote: rows per table and how long it took."""

    scale: str
    seed: int
    rows: dict[str, int]
    seconds: float


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as dicts of plain Python values, NaN as None (drivers do not adapt numpy scalars or NaN)."""
    names = frame.columns.tolist()  # plain strings: zipping the (Arrow-backed) Index itself per row is slow
    columns = [frame[c].astype(object).where(frame[c].notna(), None).tolist() for c in names]
    return [dict(zip(names, row, strict=True)) for row in zip(*columns, strict=True)]


def _sqlite_rows(frame: pd.DataFrame) -> list[tuple[Any, ...]]:
    """Rows as tuples the sqlite3 driver takes as they are: dates as the ISO text SQLAlchemy stores for a SQLite
    ``Date`` (the demo's frames hold no datetimes), NaN as None; strings, numbers, booleans and bytes unchanged."""
    columns = []
    for name in frame.columns:
        values = frame[name].astype(object).where(frame[name].notna(), None).tolist()
        if any(isinstance(v, datetime) for v in values):
            raise TypeError(f"column {name!r} holds datetimes; the SQLite fast path writes dates only")
        columns.append([v.isoformat() if isinstance(v, date) else v for v in values])
    return list(zip(*columns, strict=True))


def _insert(session: Session, model: type[SQLModel], frame: pd.DataFrame, rows: dict[str, int]) -> None:
    """Insert ``frame`` in chunks, so memory stays bounded at England scale (millions of fact rows).

    On SQLite the rows go to the driver's ``executemany`` directly: SQLAlchemy's per-row parameter processing was
    most of a new install's first build. The demo's column types (text, numbers, booleans, bytes, dates) need no
    processing there beyond the dates ``_sqlite_rows`` writes as SQLAlchemy would. Other databases keep the
    SQLAlchemy path.
    """
    connection = session.connection()
    table = model.__table__
    if connection.dialect.name == "postgresql" and connection.dialect.driver == "psycopg":
        _copy(connection, table, frame)
        rows[model.__tablename__] = rows.get(model.__tablename__, 0) + len(frame)
        return
    direct = connection.dialect.name == "sqlite"
    if direct:
        compiled = table.insert().compile(dialect=connection.dialect, column_keys=list(frame.columns))
        order = list(compiled.positiontup)
        # columns the frame leaves out but the model gives a Python-side default (e.g. Kpi.summable): SQLAlchemy
        # would fill them; the direct path must too
        defaults = {c: table.c[c].default.arg for c in order if c not in frame.columns}
        if any(callable(v) for v in defaults.values()):
            raise TypeError(f"{model.__tablename__}: the SQLite fast path cannot compute defaults {sorted(defaults)}")
        frame = frame.assign(**defaults)
    for start in range(0, len(frame), INSERT_CHUNK):
        chunk = frame.iloc[start : start + INSERT_CHUNK]
        if direct:
            connection.exec_driver_sql(str(compiled), _sqlite_rows(chunk[order]))
        else:
            connection.execute(table.insert(), _records(chunk))
    rows[model.__tablename__] = rows.get(model.__tablename__, 0) + len(frame)


def _copy(connection: Connection, table: Table, frame: pd.DataFrame) -> None:
    """PostgreSQL's bulk path: ``COPY ... FROM STDIN`` through psycopg, in chunks (issue 14: the England demo's
    10 million rows). Columns the frame leaves out get the model's Python-side default, as SQLAlchemy would give
    them; server-side defaults (the ``id`` sequence, ``derived``) apply because COPY names only these columns."""
    defaults = {
        c.name: c.default.arg
        for c in table.columns
        if c.name not in frame.columns and c.default is not None and not c.primary_key
    }
    if any(callable(v) for v in defaults.values()):
        raise TypeError(f"{table.name}: the COPY path cannot compute defaults {sorted(defaults)}")
    frame = frame.assign(**defaults)
    names = ", ".join(f'"{name}"' for name in frame.columns)
    raw = connection.connection.driver_connection
    with raw.cursor() as cursor, cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
        for start in range(0, len(frame), INSERT_CHUNK):
            for row in _copy_rows(table, frame.iloc[start : start + INSERT_CHUNK]):
                copy.write_row(row)


def _copy_rows(table: Table, frame: pd.DataFrame) -> list[tuple[Any, ...]]:
    """Rows for COPY: plain Python values (psycopg adapts dates, numbers, booleans, bytes), NaN as None, enums
    as their values, and whole floats as integers in integer columns (a column of ids with gaps is float in
    pandas; COPY would refuse "24.0")."""
    columns = []
    for name in frame.columns:
        values = frame[name].astype(object).where(frame[name].notna(), None).tolist()
        integer = isinstance(table.c[name].type, Integer)
        columns.append([
            v.value if isinstance(v, Enum) else int(v) if integer and isinstance(v, float) else v for v in values
        ])
    return list(zip(*columns, strict=True))


def _ids(session: Session, model: type[SQLModel], key: str = "code") -> dict[str, int]:
    column = getattr(model, key)
    return dict(session.execute(select(column, model.id)).all())


def _list_sizes(practices: pd.DataFrame) -> pd.DataFrame:
    """Quarterly registered-list extracts, growing towards each practice's latest size."""
    quarters = pd.date_range(FIRST_MONTH, LAST_MONTH, freq="QS-JAN")
    years_back = ((quarters.max() - quarters).days / 365.25).to_numpy()
    factor = (1 + LIST_GROWTH) ** (-years_back)
    sizes = np.round(practices["patients"].to_numpy()[:, None] * factor[None, :]).astype(int)
    return pd.DataFrame({
        "practice_code": np.repeat(practices["code"].to_numpy(), len(quarters)),
        "extract_date": np.tile(quarters.date, len(practices)),
        "patients": sizes.ravel(),
    })


def _boundaries(frame: pd.DataFrame) -> pd.DataFrame:
    """Boundary rows; invented shapes are simplified for display, the shipped real ones are simplified already."""
    geoms = frame["geometry"].to_numpy()
    bounds = shapely.bounds(geoms)
    invented = (frame["source"] == SYNTHETIC_SHAPE_SOURCE).to_numpy()
    display = geoms.copy()
    display[invented] = shapely.simplify(geoms[invented], DISPLAY_TOLERANCE_DEG, preserve_topology=True)
    return pd.DataFrame({
        "level": frame["level"].astype(str),
        "code": frame["code"],
        "name": frame["name"],
        "geometry_wkb": shapely.to_wkb(geoms),
        "display_wkb": shapely.to_wkb(display),
        "min_lon": bounds[:, 0],
        "min_lat": bounds[:, 1],
        "max_lon": bounds[:, 2],
        "max_lat": bounds[:, 3],
        "vintage": frame["vintage"],
        "source": frame["source"],
    })


def build_demo(engine: Engine, *, scale: str = "ncl", seed: int = DEMO_SEED) -> DemoSummary:
    """Generate the demo dataset and write it to ``engine`` in one transaction (the schema must be empty).

    Deterministic: the same scale and seed give the same rows.
    """
    started = time.perf_counter()
    create_schema(engine)
    rng = np.random.default_rng(seed)
    geo = build_geography(SCALES[scale], seed)
    rows: dict[str, int] = {}
    digest = hashlib.sha256(f"demo:{scale}:{seed}:v{DEMO_VERSION}".encode()).hexdigest()

    with session_scope(engine) as session:
        log = ImportLog(
            source="demo", file_name=f"synthetic demo ({scale}, seed {seed})", sha256=digest,
            started_at=datetime.now(UTC), status=ImportStatus.LOADED, synthetic=True,
        )
        session.add(log)
        session.flush()

        _insert(session, HealthSystem, geo.systems, rows)
        system_ids = _ids(session, HealthSystem)
        boroughs = geo.boroughs.assign(system_id=geo.boroughs["system_code"].map(system_ids))
        _insert(session, Borough, boroughs.drop(columns="system_code"), rows)
        borough_ids = _ids(session, Borough)
        pcns = geo.pcns.assign(borough_id=geo.pcns["borough_code"].map(borough_ids))
        _insert(session, Pcn, pcns.drop(columns="borough_code"), rows)
        pcn_ids = _ids(session, Pcn)
        practices = geo.practices.assign(
            pcn_id=geo.practices["pcn_code"].map(pcn_ids),
            borough_id=geo.practices["borough_code"].map(borough_ids),
            open_date=pd.Timestamp(1990, 4, 1).date(),
        )
        _insert(session, Practice, practices.drop(columns=["pcn_code", "borough_code", "patients"]), rows)
        practice_ids = _ids(session, Practice)
        sizes = _list_sizes(geo.practices)
        sizes = sizes.assign(practice_id=sizes.pop("practice_code").map(practice_ids))
        _insert(session, PracticeListSize, sizes, rows)
        homes = geo.care_homes.assign(
            borough_id=geo.care_homes["borough_code"].map(borough_ids),
            pcn_id=geo.care_homes["pcn_code"].map(pcn_ids),
            aligned_practice_id=geo.care_homes["aligned_practice_code"].map(practice_ids),
            care_type=geo.care_homes["care_type"].astype(str),
            cqc_rating=geo.care_homes["cqc_rating"].astype(str),
        )
        _insert(session, CareHome, homes.drop(columns=["borough_code", "pcn_code", "aligned_practice_code"]), rows)
        _insert(session, Boundary, _boundaries(geo.boundaries), rows)
        if not geo.deprivation.empty:  # real IMD 2019 deciles of the shipped NCL LSOAs (not synthetic)
            _insert(session, LsoaDeprivation, geo.deprivation.assign(vintage="IMD2019", import_id=log.id), rows)

        _insert(session, Workstream, pd.DataFrame([w.__dict__ for w in WORKSTREAMS]), rows)
        workstream_ids = _ids(session, Workstream)
        initiatives = pd.DataFrame([
            {
                "code": i.code, "workstream_id": workstream_ids[i.workstream], "name": i.name, "owner": i.owner,
                "description": i.description, "start_date": i.start, "end_date": i.end,
                "borough_id": borough_ids.get(i.borough) if i.borough else None,
            }
            for i in (*INITIATIVES, *BOROUGH_INITIATIVES)
        ])
        _insert(session, Initiative, initiatives, rows)
        initiative_ids = _ids(session, Initiative)

        kpi_rows, level_rows = [], []
        for spec in KPIS:
            kpi_rows.append({
                "code": spec.code, "initiative_id": initiative_ids[spec.initiative], "name": spec.name,
                "definition": spec.definition, "numerator_definition": spec.numerator,
                "denominator_definition": spec.denominator, "unit": spec.unit, "value_type": spec.value_type.value,
                "multiplier": spec.multiplier, "polarity": spec.polarity.value, "source": spec.source,
                "caveats": spec.caveats or None,
                    "counts_people": spec.counts_people, "baseline_value": None, "baseline_period": FIRST_MONTH,
                "target_value": spec.target, "target_date": spec.target_date,
                "validation_date": spec.validation_date,
            })
        _insert(session, Kpi, pd.DataFrame(kpi_rows), rows)
        kpi_ids = _ids(session, Kpi)
        for spec in KPIS:
            level_rows.extend({"kpi_id": kpi_ids[spec.code], "level": level.value} for level in spec.levels)
        _insert(session, KpiAreaLevel, pd.DataFrame(level_rows), rows)

        for spec in KPIS:  # one KPI at a time: England scale holds millions of rows
            actuals = observations_for(spec, geo, rng)
            planned, baseline = plans_for(spec, actuals, NCL_SYSTEM["code"])
            by_practice = spec.unit_level == AreaLevel.PRACTICE and AreaLevel.PRACTICE in spec.levels
            if by_practice:  # practice values only: higher levels come from the roll-ups (data/rollups.py)
                actuals = actuals[actuals["level"] == AreaLevel.PRACTICE.value]
            actuals = actuals.assign(kpi_id=kpi_ids[spec.code], import_id=log.id).drop(columns="kpi_code")
            _insert(session, KpiObservation, actuals, rows)
            if by_practice:
                rows["kpi_observation"] += refresh_rollups(
                    session, kpi_ids=[kpi_ids[spec.code]], import_id=log.id,
                    observations=actuals.rename(columns={"area_code": "practice_code"}))
            planned = planned.assign(kpi_id=kpi_ids[spec.code], import_id=log.id).drop(columns="kpi_code")
            _insert(session, KpiPlan, planned, rows)
            session.connection().execute(
                update(Kpi.__table__).where(Kpi.__table__.c.id == kpi_ids[spec.code]).values(baseline_value=baseline)
            )

        _load_delivery(session, rng, initiative_ids, kpi_ids, workstream_ids, log.id, rows)
        refresh_coverage(session)  # the stored summary the pages read (data/coverage.py), in the same transaction

        log.rows_accepted = sum(rows.values())
        log.finished_at = datetime.now(UTC)
        session.add(log)

    return DemoSummary(scale=scale, seed=seed, rows=rows, seconds=round(time.perf_counter() - started, 2))


def _load_delivery(
    session: Session,
    rng: np.random.Generator,
    initiative_ids: dict[str, int],
    kpi_ids: dict[str, int],
    workstream_ids: dict[str, int],
    import_id: int | None,
    rows: dict[str, int],
) -> None:
    delivery = build_delivery(rng)
    borough_ids = _ids(session, Borough)
    finance = delivery.finance.assign(
        initiative_id=delivery.finance.pop("initiative_code").map(initiative_ids), import_id=import_id
    )
    _insert(session, FinanceLine, finance, rows)
    activity = delivery.activity
    activity = activity.assign(
        initiative_id=activity.pop("initiative_code").map(initiative_ids),
        evidence_kpi_id=activity.pop("evidence_kpi_code").map(kpi_ids),
        import_id=import_id,
    )
    _insert(session, ActivityChange, activity, rows)
    milestones = delivery.milestones
    milestones = milestones.assign(
        initiative_id=milestones.pop("initiative_code").map(initiative_ids),
        borough_id=milestones.pop("borough_code").map(borough_ids),
        import_id=import_id,
    )
    _insert(session, Milestone, milestones, rows)
    risks = delivery.risks
    risks = risks.assign(
        workstream_id=risks.pop("workstream_code").map(workstream_ids),
        initiative_id=risks.pop("initiative_code").map(initiative_ids),
        kpi_id=risks.pop("kpi_code").map(kpi_ids),
        import_id=import_id,
    )
    _insert(session, Risk, risks, rows)
    risk_ids = _ids(session, Risk)
    reviews = delivery.risk_reviews
    reviews = reviews.assign(risk_id=reviews.pop("risk_code").map(risk_ids))
    _insert(session, RiskReview, reviews, rows)


