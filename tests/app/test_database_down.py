"""The app fails closed when its database goes away: no data, one clear error, no traceback; in hosted mode the
error names no host or driver message, and a sign-in whose sign-out record cannot be read is refused."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.exc import OperationalError

from components import auth
from data import cache
from tests.app.conftest import _app_on
from tests.app.test_access import VIEWER, signed_in

pytestmark = pytest.mark.app

DRIVER_MESSAGE = 'connection to server at "db.internal" (10.1.2.3), port 5432 failed: Connection refused'


def _down(*_args: object, **_kwargs: object) -> object:
    raise OperationalError("SELECT code, name FROM workstream", {}, Exception(DRIVER_MESSAGE))


def _shows_no_data(at: object) -> None:
    assert not at.exception, [e.value for e in at.exception]  # no traceback (nor an exception type)
    assert not at.metric and not at.dataframe and not at.get("vega_lite_chart") and not at.warning
    assert not at.sidebar.selectbox  # no filters either: nothing was read


def test_a_database_lost_while_running_shows_a_clear_error(app, monkeypatch):
    monkeypatch.setattr(cache, "workstreams", _down)
    app.run()
    _shows_no_data(app)
    assert [e.value for e in app.error] == [
        f"Cannot reach the database ({DRIVER_MESSAGE}). Check DATABASE_URL, or unset it to use the local default."
    ]


@pytest.fixture
def hosted_app(demo_database: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    yield from _app_on(demo_database, monkeypatch, APP_MODE="hosted")


def test_hosted_mode_names_no_host_when_the_database_is_lost(hosted_app, monkeypatch):
    monkeypatch.setattr(cache, "workstreams", _down)
    hosted_app.user = signed_in(VIEWER)
    hosted_app.run()
    _shows_no_data(hosted_app)
    text = " ".join(e.value for e in hosted_app.error)
    assert "not reachable" in text and "db.internal" not in text and "5432" not in text


def test_a_sign_in_that_cannot_be_checked_is_refused_with_a_clear_error(hosted_app, monkeypatch):
    def uncheckable(_user: object) -> bool:
        raise auth.SignInUncheckable("revoked_sign_in unreadable")

    monkeypatch.setattr(auth, "_identity_check", [uncheckable])
    hosted_app.user = signed_in(VIEWER)
    hosted_app.run()
    _shows_no_data(hosted_app)
    assert [e.value for e in hosted_app.error] == [auth.UNCHECKABLE]
    assert not hosted_app.button  # neither the sign-in screen (it would only loop) nor a sign-out
