"""Hosted mode end to end, in Chromium, through a real OpenID Connect provider's sign-in form.

Nothing but the sign-in screen reaches a visitor who is not signed in (checked on the WebSocket itself, frame by
frame, with a positive control after sign-in); viewers have no Data page, analysts do; signing out removes the
identity cookie and revokes it (a copy is refused from then on, also in a tab that is already open); a sign-in
older than SESSION_MAX_AGE_MINUTES shows the "session expired" screen and no data. serve.py's gate: media
downloads and uploads need a valid signed-in identity cookie, and no frame before sign-in names the server's
pages, paths or versions. Screenshots go to reports/screenshots/hosted-*.png.
"""

from __future__ import annotations

import time

import pytest

from tests.auth.flows import (
    ANALYST,
    IDENTITY_COOKIE,
    METRIC,
    SHORT_SESSION_MINUTES,
    UPLOADER,
    VIEWER,
    assert_sign_in_screen,
    download_url,
    fetch,
    forged_identity,
    identity_cookies,
    open_app,
    server_details,
    session_id,
    sign_in_at_provider,
    sign_out,
    upload,
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

    # The browser has dropped the identity cookie by now: serve.py gives it the session's lifetime (Max-Age),
    # not Streamlit's 30 days, so a reload is a visitor who is not signed in.
    assert identity_cookies(page.context) == []
    page.reload(wait_until="domcontentloaded")
    wait_until_idle(page)
    assert_sign_in_screen(page, absent_name=ANALYST.name)
    assert page.frame_log.names_in(names.all, since=after) == set()

    sign_in_at_provider(page, hosted_stack, app, ANALYST)
    page.locator(METRIC).first.wait_for()
    assert not page.external_requests


def test_nothing_about_the_server_reaches_a_browser_before_sign_in(hosted_stack, new_page):
    """No page list, script path or version in any frame; a deep link is answered under the path it asked for."""
    page = new_page()
    open_app(page, hosted_stack.app)
    assert_sign_in_screen(page)
    assert len(page.frame_log.frames) > 2, "no WebSocket frames were recorded: the check would prove nothing"
    assert server_details(page.frame_log) == {"pages": {""}, "fields": set(), "tokens": set()}
    for path in ("trajectories", "data"):
        since = page.frame_log.mark()
        open_app(page, f"{hosted_stack.app}/{path}")
        assert_sign_in_screen(page)
        assert server_details(page.frame_log, since) == {"pages": {"", path}, "fields": set(), "tokens": set()}

    # Positive control: signed in, the same reading finds the app's pages (and still no server details).
    since = page.frame_log.mark()
    sign_in_at_provider(page, hosted_stack, hosted_stack.app, VIEWER)
    details = server_details(page.frame_log, since)
    assert {"trajectories", "variation"} <= details["pages"]
    assert details["fields"] == set() and details["tokens"] == set()


def test_an_upload_before_sign_in_is_refused(hosted_stack, new_page):
    page = new_page()
    open_app(page, hosted_stack.app)
    assert_sign_in_screen(page)
    assert upload(page, hosted_stack.app, session_id(page.frame_log)) == (401, "Sign in first.")  # serve.py
    assert page.frame_log.names_in(("probe.csv",)) == set()

    # The same request from a signed-in session is accepted: the refusal above was the sign-in's doing.
    sign_in_at_provider(page, hosted_stack, hosted_stack.app, ANALYST)
    assert upload(page, hosted_stack.app, session_id(page.frame_log))[0] in (200, 204)


def test_a_copied_identity_cookie_is_refused_after_sign_out(hosted_stack, new_page):
    """A copy of the identity cookie works until sign-out, then is refused: in an open tab and a new one."""
    names, app = hosted_stack.names, hosted_stack.app
    page = new_page()
    open_app(page, app)
    signed_in_at = time.time()
    sign_in_at_provider(page, hosted_stack, app, VIEWER)
    copied = identity_cookies(page.context)
    identity = next(c for c in copied if c["name"] == IDENTITY_COOKIE)
    # The cookie lives a session (SESSION_MAX_AGE_MINUTES, 480 by default), not Streamlit's 30 days.
    assert identity["expires"] <= signed_in_at + 480 * 60 + 60, identity

    thief = new_page()
    thief.context.add_cookies(copied)
    open_app(thief, app)
    thief.get_by_text(f"Signed in as {VIEWER.name}").wait_for()  # the copy works while the user is signed in
    thief.locator(METRIC).first.wait_for()

    sign_out(page, hosted_stack, app)
    assert_sign_in_screen(page, absent_name=VIEWER.name)

    after = thief.frame_log.mark()
    _nav_link(thief, "About the KPIs").click()  # the open tab's next interaction
    assert_sign_in_screen(thief, absent_name=VIEWER.name)
    thief.reload(wait_until="domcontentloaded")  # a new session from the copied cookie
    wait_until_idle(thief)
    assert_sign_in_screen(thief, absent_name=VIEWER.name)
    assert thief.frame_log.names_in(names.all, since=after) == set()

    replay = new_page()  # a browser that never saw the original session
    replay.context.add_cookies(copied)
    open_app(replay, app)
    assert_sign_in_screen(replay, absent_name=VIEWER.name)
    assert replay.frame_log.names_in(names.all) == set()
    screenshot(replay, SCREENSHOTS, "hosted-replayed-cookie-refused")


def test_a_download_needs_the_signed_in_cookie(hosted_stack, new_page):
    """A CSV export's /media/ URL: 200 for its signed-in owner; 401 with no cookie, a forged one, or after sign-out."""
    app = hosted_stack.app
    page = new_page()
    open_app(page, app)
    sign_in_at_provider(page, hosted_stack, app, VIEWER)
    page.locator(METRIC).first.wait_for()
    url = download_url(page)
    assert "/media/" in url and url.endswith(".csv"), url
    assert fetch(page, url)[0] == 200  # positive control: the owner gets the file

    stranger = new_page()  # while the file exists (Streamlit drops it at the owner's next rerun)
    forged = new_page()
    claims = {"is_logged_in": True, "origin": app, "email": VIEWER.login, "name": VIEWER.name, "iat": int(time.time())}
    forged.context.add_cookies([{"name": IDENTITY_COOKIE, "value": forged_identity(claims), "url": app}])
    for visitor in (stranger, forged):
        open_app(visitor, app)  # on the dashboard's origin, not signed in
        assert fetch(visitor, url) == (401, "Sign in first.")

    copied = identity_cookies(page.context)
    sign_out(page, hosted_stack, app)
    signed_out = new_page()
    signed_out.context.add_cookies(copied)
    open_app(signed_out, app)
    assert fetch(signed_out, url) == (401, "Sign in first.")  # refused before the file is looked up
