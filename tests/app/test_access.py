"""Hosted mode: nothing but the sign-in screen before sign-in; viewers never reach the Data page; analysts do."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from components.state import ROLE_KEY
from data.access import Role
from tests.app.conftest import _app_on

pytestmark = pytest.mark.app

DATA_PAGE = str(Path(__file__).resolve().parents[2] / "pages" / "data.py")
ANALYST = {"is_logged_in": True, "name": "Ann Analyst", "email": "Ann.Analyst@nhs.net"}
VIEWER = {"is_logged_in": True, "name": "Vic Viewer", "email": "vic.viewer@nhs.net"}


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
    assert _element_types(hosted_app._tree) <= {"root", "main", "sidebar", "event", "title", "markdown", "button"}
    assert not hosted_app.sidebar.selectbox and not hosted_app.sidebar.button  # no filters, no sign-out
    assert ROLE_KEY not in hosted_app.session_state  # stopped before a role was stored


def test_sign_in_without_auth_configuration_says_what_to_fix(hosted_app):
    hosted_app.user = {"is_logged_in": False}
    hosted_app.run()
    hosted_app.button(key="auth_sign_in").click().run()
    assert not hosted_app.exception
    assert "secrets.toml" in hosted_app.error[0].value and "docs/deploy.md" in hosted_app.error[0].value
    assert not hosted_app.dataframe and not hosted_app.metric


def test_viewer_sees_the_overview_without_the_data_page(hosted_app):
    hosted_app.user = VIEWER
    hosted_app.run()
    assert not hosted_app.exception
    assert hosted_app.session_state[ROLE_KEY] == Role.VIEWER
    assert hosted_app.metric and "vega_lite_chart" in _element_types(hosted_app._tree)  # the Overview rendered
    assert hosted_app.warning  # the synthetic-data banner: the data is shown once signed in
    assert "Data" not in _nav_titles(hosted_app) and "Overview" in _nav_titles(hosted_app)
    assert any("Vic Viewer" in c.value and "viewer" in c.value for c in hosted_app.sidebar.caption)
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        hosted_app.switch_page("pages/data.py")


def test_data_page_refuses_a_viewer_server_side(demo_database, monkeypatch):
    """Run the Data page script itself (as a request that bypassed the navigation would): refused, no uploader."""
    for _ in _app_on(demo_database, monkeypatch, APP_MODE="hosted", ANALYST_EMAILS="ann.analyst@nhs.net"):
        page = AppTest.from_file(DATA_PAGE, default_timeout=90)
        page.user = VIEWER
        page.session_state[ROLE_KEY] = Role.VIEWER
        page.run()
        assert not page.exception
        assert "needs the analyst role" in page.error[0].value
        assert not page.get("file_uploader") and not page.title and not page.dataframe


def test_data_page_refuses_when_no_role_was_stored(demo_database, monkeypatch):
    """Without app.py's stored role the page works the role out itself: a signed-in non-analyst is refused."""
    for _ in _app_on(demo_database, monkeypatch, APP_MODE="hosted"):
        page = AppTest.from_file(DATA_PAGE, default_timeout=90)
        page.user = ANALYST  # not allow-listed here: no ANALYST_EMAILS
        page.run()
        assert not page.exception and "needs the analyst role" in page.error[0].value
        assert not page.get("file_uploader")


def test_analyst_reaches_the_data_page(hosted_app):
    hosted_app.user = ANALYST
    hosted_app.run()
    assert hosted_app.session_state[ROLE_KEY] == Role.ANALYST
    assert "Data" in _nav_titles(hosted_app)
    hosted_app.switch_page("pages/data.py").run()
    assert not hosted_app.exception
    assert [t.value for t in hosted_app.title] == ["Data"]
    assert hosted_app.selectbox(key="import_source").options
    assert not hosted_app.error


def test_sign_out_returns_to_the_sign_in_screen(hosted_app):
    hosted_app.user = ANALYST
    hosted_app.run()
    hosted_app.sidebar.button(key="auth_sign_out").click().run()
    assert not hosted_app.exception
    assert hosted_app.user == {"is_logged_in": False}
    hosted_app.run()
    assert [b.label for b in hosted_app.button] == ["Sign in with your organisation account"]
    assert not hosted_app.metric
