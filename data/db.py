"""Engines, sessions and schema creation for SQLite and PostgreSQL (one schema, no PostGIS).

SQLite needs two things PostgreSQL does by default: foreign keys switched on for every connection, and a
folder for the database file. A *read-only* engine (page reads) refuses writes on both engines: SQLite with
``PRAGMA query_only``, PostgreSQL with ``default_transaction_read_only`` (defence in depth beside a read-only
database role, see docs/deploy.md). PostgreSQL pools are sized by settings (``DB_POOL_SIZE`` and friends).
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
from data.migrate import drop_version_table
from settings import Settings, get_settings

READ_ONLY_OPTION = "-c default_transaction_read_only=on"


def _enable_sqlite_foreign_keys(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _sqlite_query_only(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA query_only=ON")
    cursor.close()


def pool_options(settings: Settings) -> dict[str, Any]:
    """SQLAlchemy pool arguments for a PostgreSQL engine, from settings (pre-ping: survive database restarts)."""
    return {
        "pool_size": settings.db_pool_size,
        "max_overflow": settings.db_max_overflow,
        "pool_timeout": settings.db_pool_timeout,
        "pool_recycle": settings.db_pool_recycle,
        "pool_pre_ping": True,
    }


def make_engine(url: str | None = None, *, read_only: bool = False, **kwargs: Any) -> Engine:
    """Create an engine for ``url`` (default: the configured database), ready for this schema.

    In-memory SQLite uses a ``StaticPool`` so every session sees the same database (SQLModel testing guide).
    With ``read_only``, every connection refuses writes (an INSERT fails with a database error).
    """
    settings = get_settings()
    url = url or settings.resolved_database_url
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
        if read_only:
            event.listen(engine, "connect", _sqlite_query_only)
        return engine
    if "poolclass" not in kwargs:
        for key, value in pool_options(settings).items():
            kwargs.setdefault(key, value)
    if read_only:  # connect_args' options replace the URL's (e.g. ?options=-csearch_path=...): keep both
        connect_args = dict(kwargs.get("connect_args", {}))
        from_url = parsed.query.get("options", "")
        from_url = " ".join(from_url) if isinstance(from_url, tuple) else from_url
        connect_args["options"] = " ".join(
            part for part in (from_url, connect_args.get("options", ""), READ_ONLY_OPTION) if part)
        kwargs["connect_args"] = connect_args
    return create_engine(url, **kwargs)


def create_schema(engine: Engine) -> None:
    """Create any missing tables and indexes (idempotent). The app migrates instead: see data/migrate.py."""
    SQLModel.metadata.create_all(engine)


def drop_schema(engine: Engine) -> None:
    """Drop every table of this schema and the migration record (used by the reset command and tests)."""
    SQLModel.metadata.drop_all(engine)
    drop_version_table(engine)


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
