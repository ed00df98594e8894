"""How close the app's write paths come to a raw bulk insert of the same observation rows (issue 14).

    PYTHONPATH=. .venv/bin/python benchmarks/bench_bulk_insert.py                     # a fresh SQLite file
    PYTHONPATH=. .venv/bin/python benchmarks/bench_bulk_insert.py --database-url postgresql+psycopg://...

The database must be empty (or hold only a demo this script built): the NCL demo is built into it (timed), every
``kpi_observation`` row is read back, and the same rows are written again three ways, each inside a transaction
that first empties the table (TRUNCATE on PostgreSQL) and is rolled back afterwards, so each starts from the same
state, indexes and constraints in place:

- **demo loader**: ``data.demo.load._insert``, the demo's bulk path (COPY through psycopg on PostgreSQL, the
  driver's executemany on SQLite);
- **importer upsert**: ``data.importers.common.upsert``, what a KPI import does (INSERT ... ON CONFLICT);
- **raw bulk insert**: the driver alone with the rows already serialised (PostgreSQL: COPY of a text buffer;
  SQLite: sqlite3 ``executemany`` of tuples), the floor no Python-side path can beat.

Prints seconds, rows per second and the ratio to the raw insert. Figures only; nothing is asserted.
"""

from __future__ import annotations

import argparse
import csv
import io
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd
from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session

from data.db import make_engine
from data.demo import build_demo
from data.demo.load import _insert
from data.importers.common import upsert
from models import KpiObservation

COLUMNS = ["kpi_id", "level", "area_code", "period_start", "period_end", "numerator", "denominator", "value",
           "lower_ci", "upper_ci", "import_id", "derived"]  # fmt: skip
KEYS = ["kpi_id", "level", "area_code", "period_start"]


def _timed(engine: Engine, write: Callable[[Session], None]) -> float:
    """Seconds ``write`` takes on an emptied ``kpi_observation``, inside a transaction that is rolled back."""
    with Session(engine) as session:
        emptied = "TRUNCATE kpi_observation" if engine.dialect.name == "postgresql" else "DELETE FROM kpi_observation"
        session.execute(text(emptied))  # TRUNCATE: no dead index entries for the unique checks to step over
        start = time.perf_counter()
        write(session)
        session.flush()
        seconds = time.perf_counter() - start
        session.rollback()
    return seconds


def _raw(rows: pd.DataFrame) -> Callable[[Session], None]:
    """The driver alone, with the rows serialised before the clock starts."""
    tuples = list(rows[COLUMNS].astype(object).where(rows[COLUMNS].notna(), None).itertuples(index=False, name=None))
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(tuples)
    payload = buffer.getvalue().encode()
    names = ", ".join(COLUMNS)

    def write(session: Session) -> None:
        connection: Connection = session.connection()
        raw = connection.connection.driver_connection
        if connection.dialect.name == "postgresql":
            with raw.cursor() as cursor, cursor.copy(f"COPY kpi_observation ({names}) FROM STDIN (FORMAT csv)") as cp:
                cp.write(payload)
        else:
            marks = ", ".join("?" for _ in COLUMNS)
            raw.executemany(f"INSERT INTO kpi_observation ({names}) VALUES ({marks})",
                            [tuple(v.isoformat() if hasattr(v, "isoformat") else v for v in t) for t in tuples])

    return write


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="an empty database (default: a new SQLite file)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'bulk.sqlite'}"
        engine = make_engine(url)
        summary = build_demo(engine)
        with engine.connect() as conn:
            rows = pd.read_sql(text(f"SELECT {', '.join(COLUMNS)} FROM kpi_observation"), conn)
        rows["period_start"] = pd.to_datetime(rows["period_start"]).dt.date
        rows["period_end"] = pd.to_datetime(rows["period_end"]).dt.date
        rows["derived"] = rows["derived"].astype(bool)
        paths = {
            "demo loader": lambda s: _insert(s, KpiObservation, rows, {}),
            "importer upsert": lambda s: upsert(s, KpiObservation, rows, keys=KEYS) and None,
            "raw bulk insert": _raw(rows),
        }
        seconds = {name: _timed(engine, write) for name, write in paths.items()}
        engine.dispose()
    floor = seconds["raw bulk insert"]
    print(f"database: {url.split('@')[-1]}; NCL demo built in {summary.seconds:.1f} s; "
          f"{len(rows):,} kpi_observation rows rewritten")
    print(f"{'path':18} {'seconds':>9} {'rows/s':>10} {'vs raw':>8}")
    for name, value in seconds.items():
        print(f"{name:18} {value:9.2f} {len(rows) / value:10,.0f} {value / floor:7.1f}x")


if __name__ == "__main__":
    main()
