"""Hosted mode end to end, in Chromium, through a real OpenID Connect provider's sign-in form.

Nothing but the sign-in screen reaches a visitor who is not signed in (checked on the WebSocket itself, frame by
frame, with a positive control after sign-in); viewers have no Data page, analysts do; signing out removes the
identity cookie; a sign-in older than SESSION_MAX_AGE_MINUTES shows the "session expired" screen and no data.
Screenshots go to reports/screenshots/hosted-*.png.
"""

from __future__ import annotations

import time

import pytest

from tests.auth.flows import (
    ANALYST,
    METRIC,
    SHORT_SESSION_MINUTES,
    SIGN_IN_AGAIN,
    UPLOADER,
    VIEWER,
    assert_sign_in_screen,
    open_app,
    sign_in_at_provider,
)
from tests.browser.conftest import SCREENSHOTS
from tests.browser.helpers import screenshot, wait_until_idle

pytestmark = pytest.mark.hosted

DEEP_LINKS = ("/trajectories", "/data", "/")  # first in the file: on a new server, before any st.navigation


def _nav_link(page: object, title: str) -> object:
    return page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name=title, exact=True)


def test_no_data_reaches_a_browser_that_is_not_signed_in(hosted_stack, new_page):
    """Read the WebSocket itself: no KPI, place or workstream name and no banner in any frame before sign-in."""
    names = hosted_stack.names
    page = new_page()
    for path in DEEP_LINKS:
        open_app(page, f"{hosted_stack.app}{path}")
        assert_sign_in_screen(page)
    frames = page.frame_log
    assert len(frames.frames) > 5, "no WebSocket frames were recorded: the check would prove nothing"
    assert frames.names_in(names.all) == set()

    # Positive control: the same check on the same socket finds the names once the user is signed in.
    signed_in = frames.mark()
    sign_in_at_provider(page, hosted_stack, hosted_stack.app, VIEWER)
    assert frames.names_in(names.kpis, since=signed_in), "KPI names not found after sign-in: the check is blind"
    assert names.banner in frames.names_in(names.all, since=signed_in)


def test_sign_in_through_the_provider_lands_on_the_dashboard(hosted_stack, new_page):
    page = new_page()
    open_app(page, hosted_stack.app)
    assert_sign_in_screen(page)
    screenshot(page, SCREENSHOTS, "hosted-sign-in")

    sign_in_at_provider(
        page, hosted_stack, hosted_stack.app, VIEWER,
        before_submit=lambda p: screenshot(p, SCREENSHOTS, "hosted-provider-sign-in"),
    )  # fmt: skip
    page.get_by_text(f"Signed in as {VIEWER.name} {VIEWER.login} (viewer)").wait_for()
    page.get_by_text(hosted_stack.names.banner).wait_for()
    wait_until_idle(page)  # the Overview has finished drawing its KPI cards
    assert page.locator(METRIC).count() > 0
    assert hosted_stack.names.kpis[0] in page.locator("body").inner_text()
    screenshot(page, SCREENSHOTS, "hosted-signed-in")
    assert not page.external_requests


def test_a_viewer_has_no_data_page_and_a_deep_link_is_refused(hosted_stack, new_page):
    page = new_page()
    open_app(page, hosted_stack.app)
    sign_in_at_provider(page, hosted_stack, hosted_stack.app, VIEWER)
    assert _nav_link(page, "Overview").count() == 1
    assert _nav_link(page, "Data").count() == 0

    open_app(page, f"{hosted_stack.app}/data")
    page.get_by_text(f"Signed in as {VIEWER.name}").wait_for()
    # The page exists (hidden from viewers' menus), and pages/data.py refuses on the server.
    page.get_by_text("This page needs the analyst role").wait_for()
    wait_until_idle(page)
    assert page.locator(UPLOADER).count() == 0
    assert page.get_by_role("heading", name="Data", exact=True).count() == 0
    screenshot(page, SCREENSHOTS, "hosted-viewer-data-refused")


def test_an_analyst_reaches_the_data_page(hosted_stack, new_page):
    page = new_page()
    open_app(page, hosted_stack.app)
    sign_in_at_provider(page, hosted_stack, hosted_stack.app, ANALYST)
    page.get_by_text(f"Signed in as {ANALYST.name} {ANALYST.login} (analyst)").wait_for()
    _nav_link(page, "Data").click()
    page.wait_for_selector(UPLOADER)
    wait_until_idle(page)
    page.get_by_role("heading", name="Data", exact=True).wait_for()
    screenshot(page, SCREENSHOTS, "hosted-analyst-data")


def test_sign_out_ends_the_session_at_the_app_and_the_provider(hosted_stack, new_page):
    names = hosted_stack.names
    page = new_page()
    open_app(page, hosted_stack.app)
    sign_in_at_provider(page, hosted_stack, hosted_stack.app, ANALYST)
    assert any(c["name"] == "_streamlit_user" for c in page.context.cookies())

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{hosted_stack.issuer}/session/end**")  # the provider's own sign-out (end_session_endpoint)
    page.get_by_role("button", name="Yes, sign me out").click()
    page.wait_for_url(lambda url: url.startswith(hosted_stack.app) and "/oauth2callback" not in url)
    wait_until_idle(page)
    assert_sign_in_screen(page, absent_name=ANALYST.name)
    assert not [c["name"] for c in page.context.cookies() if c["name"].startswith("_streamlit_user")]
    screenshot(page, SCREENSHOTS, "hosted-signed-out")

    after = page.frame_log.mark()
    page.reload(wait_until="domcontentloaded")
    wait_until_idle(page)
    assert_sign_in_screen(page, absent_name=ANALYST.name)
    assert page.frame_log.names_in(names.all, since=after) == set()


def test_an_expired_session_shows_the_expired_screen_and_no_data(hosted_stack, new_page):
    """On the instance whose sessions last SHORT_SESSION_MINUTES (analysts from the roles claim there)."""
    names, app = hosted_stack.names, hosted_stack.expiring_app
    page = new_page()
    open_app(page, app)
    issued_by = sign_in_at_provider(page, hosted_stack, app, ANALYST)
    page.get_by_text(f"Signed in as {ANALYST.name} {ANALYST.login} (analyst)").wait_for()  # from the roles claim
    page.locator(METRIC).first.wait_for()  # the Overview draws its KPI cards

    expired_at = issued_by + SHORT_SESSION_MINUTES * 60 + 1  # iat is earlier than issued_by
    page.wait_for_timeout(max(0.0, expired_at - time.time()) * 1000)
    after = page.frame_log.mark()
    _nav_link(page, "About the KPIs").click()  # the open tab's next interaction
    assert_sign_in_screen(page, expired=True, absent_name=ANALYST.name)
    screenshot(page, SCREENSHOTS, "hosted-session-expired")

    page.reload(wait_until="domcontentloaded")  # a new session from the same (30-day) identity cookie
    wait_until_idle(page)
    assert_sign_in_screen(page, expired=True, absent_name=ANALYST.name)
    assert page.frame_log.names_in(names.all, since=after) == set()

    sign_in_at_provider(page, hosted_stack, app, ANALYST, button=SIGN_IN_AGAIN)
    page.locator(METRIC).first.wait_for()
    assert not page.external_requests
