"""AppTest fixtures: the app on a demo SQLite database built once per session, and on the real-data database
(``tests/realdata_database.py``: ``load-folder`` of shared/realdata, cached between sessions)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1 import app_test as app_test_module

from data.db import make_engine
from data.demo import build_demo
from settings import get_settings
from tests.conftest import POSTGRES_URL, _unavailable
from tests.realdata_database import realdata_cache_dir, realdata_postgres, realdata_sqlite

APP = str(Path(__file__).resolve().parents[2] / "app.py")


class _NavigationPagesManager(PagesManager):
    """AppTest (streamlit 1.67) resets the v1 ``pages/`` flag on every run, so a rerun after a widget change
    executes the page script alone, without app.py's sidebar. The real server clears the flag for good on the
    first ``st.navigation`` call; this mirrors that so tests see what users see."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        PagesManager.uses_pages_directory = False
        super().__init__(*args, **kwargs)


@pytest.fixture(scope="session")
def demo_database(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A file-backed SQLite database holding the NCL demo dataset."""
    url = f"sqlite:///{tmp_path_factory.mktemp('app') / 'demo.sqlite'}"
    build_demo(make_engine(url))
    return url


def _app_on(database_url: str, monkeypatch: pytest.MonkeyPatch, **env: str) -> Iterator[AppTest]:
    """A fresh AppTest of app.py on ``database_url``, with caches and settings cleared around it."""
    monkeypatch.setenv("DATABASE_URL", database_url)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(app_test_module, "PagesManager", _NavigationPagesManager)
    get_settings.cache_clear()
    st.cache_resource.clear()
    st.cache_data.clear()
    yield AppTest.from_file(APP, default_timeout=90)
    get_settings.cache_clear()
    st.cache_resource.clear()


@pytest.fixture
def app(demo_database: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[AppTest]:
    """app.py on the demo database."""
    yield from _app_on(demo_database, monkeypatch)


@pytest.fixture
def empty_app(tmp_path, monkeypatch: pytest.MonkeyPatch) -> Iterator[AppTest]:
    """app.py on an empty database with the demo switched off (what an analyst starting afresh sees)."""
    yield from _app_on(f"sqlite:///{tmp_path / 'empty.sqlite'}", monkeypatch, DEMO_ON_EMPTY="false")


@pytest.fixture(scope="session")
def realdata_database(pytestconfig: pytest.Config, tmp_path_factory: pytest.TempPathFactory) -> str:
    """URL of the SQLite database holding every file of shared/realdata (skips, or fails in CI, without it)."""
    return realdata_sqlite(realdata_cache_dir(pytestconfig, tmp_path_factory))


@pytest.fixture(params=("sqlite", "postgresql"))
def realdata_app(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[AppTest]:
    """app.py on the real-data database, on SQLite and on PostgreSQL (demo off: never let it build one)."""
    fixture = "realdata_database" if request.param == "sqlite" else "realdata_postgres_database"
    yield from _app_on(request.getfixturevalue(fixture), monkeypatch, DEMO_ON_EMPTY="false")


@pytest.fixture(scope="session")
def realdata_postgres_database() -> str:
    """URL of the real-data database on PostgreSQL (TEST_DATABASE_URL), in a schema kept between sessions; skips
    without PostgreSQL, and fails when REQUIRE_POSTGRES=1 (CI)."""
    if not POSTGRES_URL:
        _unavailable("TEST_DATABASE_URL is not set")
    return realdata_postgres(POSTGRES_URL)
