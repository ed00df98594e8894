"""Hosted mode: nothing but the sign-in screen before sign-in; viewers never reach the Data page; analysts do;
a sign-in older than SESSION_MAX_AGE_MINUTES gets the "session expired" screen and nothing else."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from components.navigation import PAGES, in_menu
from components.state import BOROUGH_KEY, ROLE_KEY
from data.access import Role
from tests.app.conftest import _app_on

pytestmark = pytest.mark.app

DATA_PAGE = str(Path(__file__).resolve().parents[2] / "pages" / "data.py")
ANALYST = {"is_logged_in": True, "name": "Ann Analyst", "email": "Ann.Analyst@nhs.net"}
VIEWER = {"is_logged_in": True, "name": "Vic Viewer", "email": "vic.viewer@nhs.net"}
SIGN_IN_SCREEN = {"root", "main", "sidebar", "event", "title", "markdown", "button"}
EXPIRED = "Your session has expired — sign in again"


def signed_in(user: dict[str, object], minutes_ago: float = 0) -> dict[str, object]:
    """``user`` as st.user holds it after a sign-in ``minutes_ago``: the identity token's claims incl. ``iat``."""
    return {**user, "iat": int(time.time() - minutes_ago * 60)}


@pytest.fixture
def hosted_app(demo_database: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[AppTest]:
    """app.py in hosted mode on the demo database, with one allow-listed analyst."""
    yield from _app_on(demo_database, monkeypatch, APP_MODE="hosted", ANALYST_EMAILS="ann.analyst@nhs.net")


def _element_types(node: object) -> set[str]:
    """Every element type in the rendered tree below ``node``."""
    children = getattr(node, "children", {}).values()
    return {node.type}.union(*(_element_types(child) for child in children))


def _nav_titles(at: AppTest) -> list[str]:
    """Titles of the pages st.navigation registered on the last run (AppTest keeps them privately)."""
    return [page["page_name"] for page in at._registered_pages.values()]


@pytest.mark.parametrize("user", [{"email": "test@example.com"}, {"is_logged_in": False}])
def test_not_signed_in_sees_only_the_sign_in_screen(hosted_app, user):
    hosted_app.user = user
    hosted_app.run()
    assert not hosted_app.exception
    assert [b.label for b in hosted_app.button] == ["Sign in with your organisation account"]
    # Only the sign-in screen: no data frame, chart, metric, map, filter or synthetic-data banner (a warning).
    assert _element_types(hosted_app._tree) <= SIGN_IN_SCREEN
    assert not hosted_app.sidebar.selectbox and not hosted_app.sidebar.button  # no filters, no sign-out
    assert ROLE_KEY not in hosted_app.session_state  # stopped before a role was stored
    assert set(_nav_titles(hosted_app)) == {"Sign in"}  # no list of the app's pages either


def test_sign_in_without_auth_configuration_says_what_to_fix(hosted_app):
    hosted_app.user = {"is_logged_in": False}
    hosted_app.run()
    hosted_app.button(key="auth_sign_in").click().run()
    assert not hosted_app.exception
    assert "secrets.toml" in hosted_app.error[0].value and "docs/deploy.md" in hosted_app.error[0].value
    assert not hosted_app.dataframe and not hosted_app.metric


def test_viewer_sees_the_overview_without_the_data_page(hosted_app):
    hosted_app.user = signed_in(VIEWER)
    hosted_app.run()
    assert not hosted_app.exception
    assert hosted_app.session_state[ROLE_KEY] == Role.VIEWER
    assert hosted_app.metric and "vega_lite_chart" in _element_types(hosted_app._tree)  # the Overview rendered
    assert hosted_app.warning  # the synthetic-data banner: the data is shown once signed in
    assert "Overview" in _nav_titles(hosted_app)
    assert any("Vic Viewer" in c.value and "viewer" in c.value for c in hosted_app.sidebar.caption)
    # The Data page is not in a viewer's menu; opened anyway (a typed /data), it refuses on the server.
    hosted_app.switch_page("pages/data.py").run()
    assert not hosted_app.exception
    assert "needs the analyst role" in hosted_app.error[0].value
    assert not hosted_app.get("file_uploader")


@pytest.mark.parametrize(("role", "menu_has_data"), [(Role.VIEWER, False), (Role.ANALYST, True)])
def test_the_data_page_is_in_the_menu_only_for_analysts(role, menu_has_data):
    menu = [spec.title for spec in PAGES if in_menu(spec, role)]
    assert ("Data" in menu) is menu_has_data
    assert "Overview" in menu and "Risks" in menu


def test_data_page_refuses_a_viewer_server_side(demo_database, monkeypatch):
    """Run the Data page script itself (as a request that bypassed the navigation would): refused, no uploader."""
    for _ in _app_on(demo_database, monkeypatch, APP_MODE="hosted", ANALYST_EMAILS="ann.analyst@nhs.net"):
        page = AppTest.from_file(DATA_PAGE, default_timeout=90)
        page.user = signed_in(VIEWER)
        page.session_state[ROLE_KEY] = Role.VIEWER
        page.run()
        assert not page.exception
        assert "needs the analyst role" in page.error[0].value
        assert not page.get("file_uploader") and not page.title and not page.dataframe


def test_data_page_refuses_when_no_role_was_stored(demo_database, monkeypatch):
    """Without app.py's stored role the page works the role out itself: a signed-in non-analyst is refused."""
    for _ in _app_on(demo_database, monkeypatch, APP_MODE="hosted"):
        page = AppTest.from_file(DATA_PAGE, default_timeout=90)
        page.user = signed_in(ANALYST)  # not allow-listed here: no ANALYST_EMAILS
        page.run()
        assert not page.exception and "needs the analyst role" in page.error[0].value
        assert not page.get("file_uploader")


def test_analyst_reaches_the_data_page(hosted_app):
    hosted_app.user = signed_in(ANALYST)
    hosted_app.run()
    assert hosted_app.session_state[ROLE_KEY] == Role.ANALYST
    assert "Data" in _nav_titles(hosted_app)
    hosted_app.switch_page("pages/data.py").run()
    assert not hosted_app.exception
    assert [t.value for t in hosted_app.title] == ["Data"]
    assert hosted_app.selectbox(key="import_source").options
    assert not hosted_app.error


def test_sign_out_returns_to_the_sign_in_screen(hosted_app):
    hosted_app.user = signed_in(ANALYST)
    hosted_app.run()
    hosted_app.sidebar.button(key="auth_sign_out").click().run()
    assert not hosted_app.exception
    assert hosted_app.user == {"is_logged_in": False}
    hosted_app.run()
    assert [b.label for b in hosted_app.button] == ["Sign in with your organisation account"]
    assert not hosted_app.metric


def _assert_expired_screen(at: AppTest, *, name: str) -> None:
    """The "session expired" screen and nothing else: no data, no filters, no name, no role, no sign-out."""
    assert not at.exception
    assert [w.value for w in at.warning] == [
        f"{EXPIRED}. For security, a sign-in lasts 8 hours."
    ]  # and no synthetic-data banner: no data was read
    assert [b.label for b in at.button] == ["Sign in again"]
    assert _element_types(at._tree) <= SIGN_IN_SCREEN | {"warning"}
    assert not at.sidebar.selectbox and not at.sidebar.button and not at.sidebar.caption
    assert ROLE_KEY not in at.session_state
    assert set(_nav_titles(at)) == {"Sign in again"}
    rendered = " ".join(str(getattr(e, "value", "")) for e in [*at.title, *at.markdown, *at.warning, *at.caption])
    assert name not in rendered


@pytest.mark.parametrize("minutes_ago", [481, 60 * 24 * 29])  # past 8 hours; Streamlit keeps the cookie 30 days
def test_a_sign_in_older_than_the_max_age_sees_the_expired_screen(hosted_app, minutes_ago):
    hosted_app.user = signed_in(ANALYST, minutes_ago=minutes_ago)
    hosted_app.run()
    _assert_expired_screen(hosted_app, name="Ann Analyst")


def test_a_sign_in_without_a_usable_time_fails_closed(hosted_app):
    hosted_app.user = {**ANALYST, "iat": "not a time"}
    hosted_app.run()
    _assert_expired_screen(hosted_app, name="Ann Analyst")


def test_an_open_session_is_cut_off_at_its_next_interaction(hosted_app, monkeypatch):
    """Signed in and browsing; the max age passes; the next rerun shows the expired screen, not the data."""
    hosted_app.user = signed_in(VIEWER)
    hosted_app.run()
    assert hosted_app.metric and hosted_app.session_state[ROLE_KEY] == Role.VIEWER

    later = datetime.now(UTC) + timedelta(minutes=481)

    class _Later(datetime):
        @classmethod
        def now(cls, tz: object = None) -> datetime:
            return later.astimezone(tz) if tz else later.replace(tzinfo=None)

    monkeypatch.setattr("components.auth.datetime", _Later)
    # Choosing a borough (Camden, by ONS code) reruns app.py, as any interaction does.
    hosted_app.sidebar.selectbox(key=BOROUGH_KEY).set_value("E09000007").run()
    _assert_expired_screen(hosted_app, name="Vic Viewer")
    assert not hosted_app.metric and not hosted_app.dataframe


def test_sign_in_again_from_the_expired_screen_calls_st_login(hosted_app):
    hosted_app.user = signed_in(VIEWER, minutes_ago=500)
    hosted_app.run()
    hosted_app.button(key="auth_sign_in").click().run()
    assert not hosted_app.exception
    # No [auth] secrets in this test: st.login raising is the proof that the button called it.
    assert "secrets.toml" in hosted_app.error[0].value and not hosted_app.metric


@pytest.mark.parametrize(("max_age", "expired"), [("5", True), ("15", False)])
def test_the_max_age_comes_from_session_max_age_minutes(demo_database, monkeypatch, max_age, expired):
    for at in _app_on(demo_database, monkeypatch, APP_MODE="hosted", SESSION_MAX_AGE_MINUTES=max_age):
        at.user = signed_in(VIEWER, minutes_ago=10)
        at.run()
        assert not at.exception
        assert any(EXPIRED in w.value for w in at.warning) is expired
        assert bool(at.metric) is not expired


def test_hosted_map_offers_no_street_map(hosted_app):
    """The proxy's CSP blocks third-party tiles in hosted mode, so the toggle would fail silently: not offered."""
    hosted_app.user = signed_in(VIEWER)
    hosted_app.switch_page("pages/map.py").run()
    assert not hosted_app.exception
    assert [t.key for t in hosted_app.toggle] == ["map_practices", "map_homes", "map_target"]
