"""Test-suite wiring: tier markers are required, and database fixtures cover SQLite and PostgreSQL.

Database tests run on in-memory SQLite always and on PostgreSQL when ``TEST_DATABASE_URL`` names one (each test
session works in its own PostgreSQL schema, dropped at the end). With ``REQUIRE_POSTGRES=1`` (set by CI) a
missing or unreachable PostgreSQL fails the run instead of skipping.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from data.db import create_schema, make_engine
from data.demo import build_demo

TIERS = ("unit", "db", "app", "browser", "hosted")
BACKENDS = ("sqlite", "postgresql")
POSTGRES_URL = os.environ.get("TEST_DATABASE_URL", "")
REQUIRE_POSTGRES = os.environ.get("REQUIRE_POSTGRES", "") == "1"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Refuse unmarked tests: a test without a tier cannot be selected or reasoned about."""
    unmarked = [item.nodeid for item in items if not any(item.get_closest_marker(t) for t in TIERS)]
    if unmarked:
        raise pytest.UsageError("tests without a tier marker (unit/db/app/browser/hosted): " + ", ".join(unmarked))


def _unavailable(reason: str) -> None:
    if REQUIRE_POSTGRES:
        pytest.fail(f"PostgreSQL is required here (REQUIRE_POSTGRES=1) but {reason}")
    pytest.skip(f"PostgreSQL tests skipped: {reason}")


@pytest.fixture(scope="session")
def playwright() -> Iterator[object]:
    """One Playwright driver for the whole run: the sync API allows one per thread, and the browser, auth and
    deploy tiers each launch their own Chromium from it. Missing Playwright skips here and fails in CI."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("playwright is required in CI (CI=true) but is not installed")
        pytest.skip("playwright is not installed (pip install -r requirements-dev.txt)")
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def postgres_schema() -> Iterator[tuple[str, str]]:
    """A fresh schema in the PostgreSQL test database for this session: (url, schema name)."""
    if not POSTGRES_URL:
        _unavailable("TEST_DATABASE_URL is not set")
    schema = f"test_{uuid.uuid4().hex[:12]}"
    admin = make_engine(POSTGRES_URL)
    try:
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as exc:
        _unavailable(f"cannot connect to {POSTGRES_URL}: {exc}")
    yield POSTGRES_URL, schema
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def backend_engine(backend: str, request: pytest.FixtureRequest, *, label: str) -> Engine:
    """An engine on an empty database of ``backend``: in-memory SQLite, or a fresh PostgreSQL schema."""
    if backend == "sqlite":
        return make_engine("sqlite://")
    url, schema = request.getfixturevalue("postgres_schema")
    sub = f"{schema}_{label}"[:63]
    admin = make_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{sub}" CASCADE'))
        conn.execute(text(f'CREATE SCHEMA "{sub}"'))
    admin.dispose()
    return make_engine(url, connect_args={"options": f"-csearch_path={sub}"})


@pytest.fixture(params=BACKENDS)
def engine(request: pytest.FixtureRequest) -> Iterator[Engine]:
    """An empty schema on each backend, new for every test."""
    eng = backend_engine(request.param, request, label=uuid.uuid4().hex[:8])
    create_schema(eng)
    yield eng
    eng.dispose()


@pytest.fixture(scope="session", params=BACKENDS)
def demo_engine(request: pytest.FixtureRequest) -> Iterator[Engine]:
    """The NCL demo dataset on each backend, built once per session (tests must not modify it)."""
    eng = backend_engine(request.param, request, label="demo")
    build_demo(eng)
    yield eng
    eng.dispose()
