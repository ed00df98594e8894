"""The PostgreSQL set-up in docs/deploy.md, run as written: roles, database, migrate, grant-read, app reads.

The SQL is read from the docs (between the ``roles-sql`` markers) with the names made unique, so the docs and
this test cannot drift apart.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from data.db import make_engine
from tests.conftest import POSTGRES_URL, _unavailable

pytestmark = pytest.mark.db

REPO = Path(__file__).resolve().parents[2]
DOC = REPO / "docs" / "deploy.md"


def _documented_sql() -> list[str]:
    block = re.search(r"<!-- roles-sql -->\s*```sql\n(.*?)```", DOC.read_text(), re.S)
    assert block, "docs/deploy.md lost its roles-sql block"
    lines = [line for line in block.group(1).splitlines() if line.strip() and not line.strip().startswith("--")]
    return [s.strip() for s in " ".join(lines).split(";") if s.strip()]


def _manage(*args: str, url: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "data.manage", *args], cwd=REPO, capture_output=True, text=True, timeout=300,
        env={**os.environ, "DATABASE_URL": url, **env},
    )  # fmt: skip


def test_documented_postgresql_setup_gives_a_read_only_app_role() -> None:
    if not POSTGRES_URL:
        _unavailable("TEST_DATABASE_URL is not set")
    suffix = uuid.uuid4().hex[:8]
    names = {"benefits_owner": f"owner_{suffix}", "benefits_reader": f"reader_{suffix}", "benefits": f"db_{suffix}"}
    statements = [re.sub(r"\b(benefits_owner|benefits_reader|benefits)\b", lambda m: names[m.group(1)], s)
                  for s in _documented_sql()]
    admin = make_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    server = make_url(POSTGRES_URL)
    owner_url = server.set(username=names["benefits_owner"], password=None, database=names["benefits"])
    reader_url = server.set(username=names["benefits_reader"], password=None, database=names["benefits"])
    try:
        with admin.connect() as connection:
            for statement in statements:
                connection.execute(text(statement))
        owner = owner_url.render_as_string(hide_password=False)
        reader = reader_url.render_as_string(hide_password=False)
        init = _manage("init", url=owner, DEMO_ON_EMPTY="false")
        assert init.returncode == 0, init.stderr
        grant = _manage("grant-read", names["benefits_reader"], url=owner)
        assert grant.returncode == 0, grant.stderr
        engine = make_engine(reader)  # the role itself, without the app's read-only guard
        with engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM kpi")).scalar_one() == 0  # allowed to read
            with pytest.raises(DBAPIError, match="permission denied"):
                connection.execute(text("DELETE FROM kpi_observation"))
        engine.dispose()
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{names["benefits"]}" WITH (FORCE)'))
            for role in (names["benefits_reader"], names["benefits_owner"]):
                connection.execute(text(f'DROP ROLE IF EXISTS "{role}"'))
        admin.dispose()
