"""Engine, sessions and schema creation for SQLite and PostgreSQL (one schema, no PostGIS).

SQLite needs two things PostgreSQL does by default: foreign keys switched on for every connection, and a
folder for the database file. Schema creation is idempotent (``create_all`` only adds missing tables).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event, func, inspect, select
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.pool import StaticPool
from sqlmodel import Session, SQLModel, create_engine

import models
from settings import get_settings


def _enable_sqlite_foreign_keys(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def make_engine(url: str | None = None, **kwargs: Any) -> Engine:
    """Create an engine for ``url`` (default: the configured database), ready for this schema.

    In-memory SQLite uses a ``StaticPool`` so every session sees the same database (SQLModel testing guide).
    """
    url = url or get_settings().resolved_database_url
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database in ("", ":memory:"):
            kwargs.setdefault("poolclass", StaticPool)
        else:
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        kwargs.setdefault("connect_args", {"check_same_thread": False})
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _enable_sqlite_foreign_keys)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def create_schema(engine: Engine) -> None:
    """Create any missing tables and indexes (idempotent)."""
    SQLModel.metadata.create_all(engine)


def drop_schema(engine: Engine) -> None:
    """Drop every table of this schema (used by the reset command and tests)."""
    SQLModel.metadata.drop_all(engine)


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One transaction: commit on success, roll back on any error, always close."""
    session = Session(engine)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def is_empty(engine: Engine) -> bool:
    """True when the schema is missing or holds no KPI definitions (nothing to show yet)."""
    if not inspect(engine).has_table(models.Kpi.__tablename__):
        return True
    with Session(engine) as session:
        return session.execute(select(func.count()).select_from(models.Kpi)).scalar_one() == 0
