"""The hosted store: migrations on start-up, read-only page reads, a read-only role, pool sizing, data version."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from data import migrate, queries
from data.db import create_schema, drop_schema, make_engine
from data.manage import ensure_database, grant_read, main
from models import ImportLog, ImportStatus, Workstream
from settings import get_settings
from tests.conftest import BACKENDS, backend_engine

pytestmark = pytest.mark.db


@pytest.fixture(params=BACKENDS)
def bare_engine(request: pytest.FixtureRequest):
    """An engine on a database with no tables at all (what a new hosted deployment starts from)."""
    eng = backend_engine(request.param, request, label=f"bare_{uuid.uuid4().hex[:6]}")
    yield eng
    eng.dispose()


def _search_path(engine: Engine) -> str:
    with engine.connect() as connection:
        return f"-csearch_path={connection.execute(text('SHOW search_path')).scalar_one()}"


def test_upgrade_creates_the_schema_the_models_describe(bare_engine: Engine) -> None:
    assert migrate.current(bare_engine) is None
    assert migrate.upgrade(bare_engine) == migrate.head()
    assert migrate.differences(bare_engine) == []  # a model change without a migration fails here


def test_upgrade_twice_changes_nothing(bare_engine: Engine) -> None:
    migrate.upgrade(bare_engine)
    tables = sorted(inspect(bare_engine).get_table_names())
    assert migrate.upgrade(bare_engine) == migrate.head()
    assert sorted(inspect(bare_engine).get_table_names()) == tables


def test_a_database_made_before_migrations_is_stamped_then_upgraded(bare_engine: Engine) -> None:
    create_schema(bare_engine)  # what earlier versions of the app did
    with Session(bare_engine) as session:
        session.add(Workstream(code="KEEP", name="Kept through the upgrade"))
        session.commit()
    assert migrate.upgrade(bare_engine) == migrate.head()
    assert migrate.differences(bare_engine) == []
    with Session(bare_engine) as session:
        assert session.get(Workstream, 1).code == "KEEP"  # nothing dropped or recreated


def test_reset_forgets_the_migration_record(bare_engine: Engine) -> None:
    migrate.upgrade(bare_engine)
    drop_schema(bare_engine)
    assert migrate.current(bare_engine) is None
    assert migrate.upgrade(bare_engine) == migrate.head()


def test_instances_starting_together_migrate_once(request: pytest.FixtureRequest) -> None:
    """Two start-ups on one empty PostgreSQL schema: the advisory lock serialises them; both succeed."""
    engine = backend_engine("postgresql", request, label=f"race_{uuid.uuid4().hex[:6]}")
    errors: list[BaseException] = []

    def start() -> None:
        try:
            migrate.upgrade(engine)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=start) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert migrate.current(engine) == migrate.head()
    engine.dispose()


def test_read_only_engine_reads_but_cannot_write_sqlite(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'ro.sqlite'}"
    writer = make_engine(url)
    ensure_database(writer, demo_on_empty=False)
    reader = make_engine(url, read_only=True)
    with Session(reader) as session:
        assert queries.workstreams(session=session).empty
        session.add(Workstream(code="NOPE", name="Refused"))
        with pytest.raises(DBAPIError, match=r"readonly|read-only|attempt to write"):
            session.commit()
    writer.dispose()
    reader.dispose()


def test_read_only_engine_reads_but_cannot_write_postgresql(request: pytest.FixtureRequest) -> None:
    writer = backend_engine("postgresql", request, label=f"ro_{uuid.uuid4().hex[:6]}")
    ensure_database(writer, demo_on_empty=False)
    reader = make_engine(writer.url.render_as_string(hide_password=False), read_only=True,
                         connect_args={"options": _search_path(writer)})
    with Session(reader) as session:
        assert queries.workstreams(session=session).empty
        session.add(Workstream(code="NOPE", name="Refused"))
        with pytest.raises(DBAPIError, match="read-only transaction"):
            session.commit()
    writer.dispose()
    reader.dispose()


def test_grant_read_gives_a_role_select_and_nothing_else(request: pytest.FixtureRequest) -> None:
    owner = backend_engine("postgresql", request, label=f"grant_{uuid.uuid4().hex[:6]}")
    ensure_database(owner, demo_on_empty=False)
    role = f"viewer_{uuid.uuid4().hex[:8]}"
    with owner.begin() as connection:
        connection.execute(text(f'CREATE ROLE "{role}" NOLOGIN'))
        # a careless earlier grant that the command must take back
        connection.execute(text(f'GRANT INSERT ON workstream TO "{role}"'))
    try:
        statements = grant_read(owner, role)
        assert any(s.startswith("GRANT SELECT ON") and "kpi_observation" in s for s in statements)
        with owner.connect() as connection:
            connection.execute(text(f'SET ROLE "{role}"'))
            assert connection.execute(text("SELECT count(*) FROM kpi_observation")).scalar_one() == 0
            with pytest.raises(DBAPIError, match="permission denied"):
                connection.execute(text("INSERT INTO workstream (code, name) VALUES ('X', 'x')"))
            connection.rollback()
    finally:
        with owner.begin() as connection:
            connection.execute(text(f'DROP OWNED BY "{role}"'))
            connection.execute(text(f'DROP ROLE "{role}"'))
        owner.dispose()


def test_grant_read_refuses_sqlite_and_unknown_roles(bare_engine: Engine) -> None:
    ensure_database(bare_engine, demo_on_empty=False)
    expected = "need PostgreSQL" if bare_engine.dialect.name == "sqlite" else "does not exist"
    with pytest.raises(ValueError, match=expected):
        grant_read(bare_engine, f"nobody_{uuid.uuid4().hex[:6]}")


def test_pool_is_sized_by_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DB_POOL_SIZE", "3")
    monkeypatch.setenv("DB_MAX_OVERFLOW", "4")
    monkeypatch.setenv("DB_POOL_TIMEOUT", "7.5")
    get_settings.cache_clear()
    try:
        engine = make_engine("postgresql+psycopg://nobody@127.0.0.1:1/none")  # no connection is opened
        assert (engine.pool.size(), engine.pool._max_overflow, engine.pool._timeout) == (3, 4, 7.5)
    finally:
        get_settings.cache_clear()


def test_data_version_moves_when_an_import_finishes(bare_engine: Engine) -> None:
    ensure_database(bare_engine, demo_on_empty=False)
    with Session(bare_engine) as session:
        before = queries.data_version(session=session)
        log = ImportLog(source="kpi_observations", file_name="a.csv", sha256="0" * 64,
                        started_at=datetime.now(UTC), status=ImportStatus.LOADED)
        session.add(log)
        session.commit()
        started = queries.data_version(session=session)
        log.finished_at = datetime.now(UTC)
        session.add(log)
        session.commit()
        finished = queries.data_version(session=session)
    assert before != started != finished


def test_manage_migrate_command(tmp_path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.sqlite'}")
    get_settings.cache_clear()
    try:
        assert main(["migrate"]) == 0
        assert f"schema at revision {migrate.head()}" in capsys.readouterr().out
        assert main(["grant-read", "viewer"]) == 1
        assert "need PostgreSQL" in capsys.readouterr().err
    finally:
        get_settings.cache_clear()
