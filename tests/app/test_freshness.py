"""Several instances, one database: an instance drops its cached reads when another instance has imported."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime

import pytest
from sqlalchemy.engine import make_url
from sqlmodel import Session

from components.state import WORKSTREAM_KEY
from data.db import make_engine
from models import ImportLog, ImportStatus, Workstream
from tests.app.conftest import _app_on

pytestmark = pytest.mark.app

NEW = "Workstream loaded by another instance"


def _import_elsewhere(url: str) -> None:
    """What another instance's import leaves behind: new rows and a finished import-log entry."""
    engine = make_engine(url)
    now = datetime.now(UTC)
    with Session(engine) as session:
        session.add(Workstream(code="OTHER", name=NEW))
        session.add(ImportLog(source="workstreams", file_name="other.csv", sha256="1" * 64, started_at=now,
                              finished_at=now, rows_accepted=1, status=ImportStatus.LOADED))
        session.commit()
    engine.dispose()


@pytest.mark.parametrize(("check_seconds", "seen"), [("0", True), ("3600", False)])
def test_import_by_another_instance_is_seen_after_the_cache_check(
    demo_database: str, tmp_path, monkeypatch: pytest.MonkeyPatch, check_seconds: str, seen: bool
) -> None:
    copy = tmp_path / "shared.sqlite"
    shutil.copy(make_url(demo_database).database, copy)
    url = f"sqlite:///{copy}"
    for at in _app_on(url, monkeypatch, CACHE_CHECK_SECONDS=check_seconds):
        at.run()
        assert not at.exception
        assert NEW not in at.selectbox(key=WORKSTREAM_KEY).options
        _import_elsewhere(url)
        at.run()
        assert not at.exception
        assert (NEW in at.selectbox(key=WORKSTREAM_KEY).options) is seen
