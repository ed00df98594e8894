"""The real-data database for the app and browser tiers: ``load-folder`` of ``shared/realdata``, built once.

Building it imports every published file in the folder (about a minute of CPU, several on a busy machine), so
the SQLite file is cached under pytest's cache directory, named by a fingerprint of the folder's files and the
code that imports and models them: a change to any of them builds a new file, and an unchanged checkout reuses
the last one. CI starts from a fresh clone, so there it is built once per run.

The folder is loaded as it is, with no template added: ``load-folder`` derives the footprint (system, boroughs,
practices, PCNs) from the published files themselves (issue 16).
"""

from __future__ import annotations

import hashlib
import os
import uuid
from pathlib import Path

import pytest
from sqlalchemy import text

from data import migrate
from data.db import make_engine
from data.importers.folder import load_files, read_folder
from tests.unit.importers.realdata import REALDATA, realdata

REPO = Path(__file__).resolve().parents[1]
# what decides the database's content: schema, importers, roll-ups, footprint, catchments (not the queries or pages,
# so a change to a page reuses the database)
CODE = ("models.py", "data/importers", "data/migrations", "data/migrate.py", "data/rollups.py",
        "data/footprint.py", "data/suppression.py", "geo")


def fingerprint() -> str:
    """SHA-256 of the real files and the Python code under ``CODE`` (paths and bytes)."""
    digest = hashlib.sha256()
    files = [(f"realdata/{p.relative_to(REALDATA)}", p) for p in sorted(REALDATA.rglob("*")) if p.is_file()]
    for root in CODE:
        path = REPO / root
        found = [path] if path.is_file() else sorted(path.rglob("*.py"))
        files += [(str(p.relative_to(REPO)), p) for p in found]
    for name, path in files:
        digest.update(name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def build(url: str) -> None:
    """Migrate an empty database at ``url`` and load the real-data folder into it, as the README's command does.

    Raises:
        AssertionError: a recognised file did not load (the report says which and why).
    """
    engine = make_engine(url)
    try:
        migrate.upgrade(engine)
        report = load_files(engine, read_folder(REALDATA))
        assert report.ok, report.text()
    finally:
        engine.dispose()


def realdata_sqlite(cache_dir: Path) -> str:
    """URL of the cached real-data SQLite database in ``cache_dir``, built first when missing.

    Skips (fails in CI) when the real-data folder is absent. The file is built under a temporary name and moved
    into place, so an interrupted build never leaves a half-loaded database to be reused.
    """
    realdata("README.md")
    cache_dir.mkdir(parents=True, exist_ok=True)
    path = cache_dir / f"realdata-{fingerprint()[:16]}.sqlite"
    if not path.exists():
        for old in cache_dir.glob("realdata-*.sqlite"):  # older code or data: never read again
            old.unlink(missing_ok=True)
        partial = cache_dir / f"building-{uuid.uuid4().hex[:8]}.sqlite"
        try:
            build(f"sqlite:///{partial}")
            os.replace(partial, path)
        finally:
            partial.unlink(missing_ok=True)
    return f"sqlite:///{path}"


def realdata_cache_dir(config: pytest.Config, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the real-data database is kept between sessions: pytest's cache, else this session's temp folder."""
    cache = getattr(config, "cache", None)
    return cache.mkdir("realdata-db") if cache is not None else tmp_path_factory.mktemp("realdata-db")


def _in_schema(base_url: str, schema: str) -> str:
    """``base_url`` with the connection's search path set to ``schema`` (so the app, which takes one URL, works
    in it)."""
    separator = "&" if "?" in base_url else "?"
    return f"{base_url}{separator}options=-csearch_path%3D{schema}"


def realdata_postgres(base_url: str) -> str:
    """URL of the real-data database in a schema of the PostgreSQL database ``base_url``, built when missing.

    The schema is named by the fingerprint and marked complete by a ``realdata_complete`` table written after the
    load, so a later session against the same server reuses it and a half-built one is rebuilt; schemas of older
    fingerprints are dropped.
    """
    realdata("README.md")
    schema = f"realdata_{fingerprint()[:16]}"
    admin = make_engine(base_url)
    try:
        with admin.begin() as connection:
            complete = connection.execute(text(
                "SELECT 1 FROM information_schema.tables WHERE table_schema = :s AND table_name = 'realdata_complete'"
            ), {"s": schema}).first()
            old = connection.execute(text(
                "SELECT schema_name FROM information_schema.schemata WHERE schema_name LIKE 'realdata\\_%' "
                "AND schema_name <> :s"), {"s": schema}).scalars().all()
            for name in old:
                connection.execute(text(f'DROP SCHEMA "{name}" CASCADE'))
        if not complete:
            with admin.begin() as connection:
                connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
                connection.execute(text(f'CREATE SCHEMA "{schema}"'))
            build(_in_schema(base_url, schema))
            with admin.begin() as connection:
                connection.execute(text(f'CREATE TABLE "{schema}".realdata_complete (built_at timestamptz)'))
    finally:
        admin.dispose()
    return _in_schema(base_url, schema)
