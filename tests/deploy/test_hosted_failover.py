"""Sign-in survives failover: hosted mode behind deploy/nginx.conf, two instances sharing one ``[auth]`` secrets file.

A browser signs in through the real OpenID Connect provider of tests/auth, via nginx, so the identity cookie is
minted and signed by the instance its route cookie names. That instance is then stopped. The page reconnects
through nginx to the other instance, which has never seen this browser: it can only know who the user is by
verifying the identity cookie with the ``cookie_secret`` both instances share. The test proves it did: the user's
name arrives on the new WebSocket, no sign-in screen appears, and a filter change renders data; nginx's access log
shows the callback was answered by the stopped instance and everything after the stop by the survivor. A second
browser without the cookie sees only the sign-in screen, and no KPI data reaches it.

The module gets its own provider and pair of instances (the ``hosted_pair`` fixture in tests/deploy/conftest.py,
module scope, so they are gone before the rest of the tier starts its local-mode cluster) on the tier's session
database. Screenshot: reports/screenshots/deploy-hosted-failover.png (on failure, deploy-hosted-failover-failed-*.png
and the logs).
"""

from __future__ import annotations

import time

import pytest

from tests.auth.flows import (
    ANALYST,
    METRIC,
    SIGN_IN,
    SIGN_IN_AGAIN,
    assert_sign_in_screen,
    open_app,
    sign_in_at_provider,
)
from tests.browser.conftest import SCREENSHOTS
from tests.browser.helpers import EXCEPTION, screenshot, wait_until_idle
from tests.deploy.cluster import answered_by, read_access_log, wait_for_log
from tests.deploy.hosted_pair import CALLBACK_PATH, HostedPair

pytestmark = pytest.mark.hosted

STREAM = "/_stcore/stream"
RECONNECT_SECONDS = 30
SIGNED_IN = f"Signed in as {ANALYST.name} {ANALYST.login} (analyst)"  # the analyst role: ANALYST_EMAILS


def _choose(page: object, label: str, option: str) -> None:
    """Pick ``option`` in the sidebar selectbox ``label`` and wait for the rerun."""
    page.locator('[data-testid="stSidebar"]').get_by_role("combobox", name=label, exact=True).click()
    page.get_by_role("option", name=option, exact=True).click()
    wait_until_idle(page)


def _headline(page: object) -> str:
    """The Overview's headline ("4 of 15 KPIs off track in Camden (...).")."""
    return page.locator('[data-testid="stHeadingWithActionElements"] h3').first.inner_text()


def test_a_signed_in_user_stays_signed_in_when_their_instance_stops(hosted_pair: HostedPair, visit):
    cluster, stack = hosted_pair.cluster, hosted_pair.stack
    names = stack.names
    person = visit("hosted-failover")
    page = person.page
    open_app(page, cluster.base)
    assert_sign_in_screen(page)
    sign_in_at_provider(page, stack, cluster.base, ANALYST)
    page.get_by_text(SIGNED_IN).wait_for()
    page.locator(METRIC).first.wait_for()
    wait_until_idle(page)
    assert names.kpis[0] in page.locator("body").inner_text() and page.get_by_text(names.banner).count() > 0
    assert any(c["name"] == "_streamlit_user" for c in person.context.cookies())

    route = person.route()
    assert route in cluster.instances
    (other,) = set(cluster.instances) - {route}
    stopped, survivor = cluster.instances[route], cluster.instances[other]
    # The sign-in came back to the instance the route cookie names: that instance set the identity cookie.
    callbacks = [e for e in person.log(cluster.access_log) if str(e["request"]).startswith(f"GET {CALLBACK_PATH}")]
    assert [answered_by(e) for e in callbacks] == [stopped.address], callbacks

    sockets: list[str] = []
    page.on("websocket", lambda ws: sockets.append(ws.url))
    log_length = len(read_access_log(cluster.access_log))
    after_stop = person.frames.mark()
    stopped.stop()  # SIGTERM, as a service manager would
    deadline = time.monotonic() + RECONNECT_SECONDS
    while not sockets:  # Streamlit's client polls health through nginx and reconnects by itself
        assert time.monotonic() < deadline, f"the page did not reconnect its WebSocket\n{cluster.logs()}"
        page.wait_for_timeout(200)
    wait_until_idle(page)

    # Still signed in on the survivor, which only has the identity cookie to go by. Streamlit's client reconnects
    # without a rerun (the tab shows what it had), so the survivor first runs the script, with a new session, on
    # the next interaction; had it not accepted the cookie, that run would be the sign-in screen.
    assert person.route() == other
    _choose(page, "Borough", "Camden")  # an interaction: a rerun on the survivor, with data
    sign_in_buttons = page.get_by_role("button", name=SIGN_IN, exact=True).or_(
        page.get_by_role("button", name=SIGN_IN_AGAIN, exact=True)
    )
    assert sign_in_buttons.count() == 0, "the survivor did not accept the identity cookie (the [auth] cookie_secret)"
    assert page.get_by_text(SIGNED_IN).count() == 1
    assert ANALYST.name in person.frames.names_in((ANALYST.name,), since=after_stop), "the survivor sent no name"
    assert " off track in Camden (" in _headline(page)
    assert page.locator(METRIC).count() > 0
    assert page.locator(EXCEPTION).count() == 0
    assert page.get_by_text("Connection error", exact=False).count() == 0
    assert person.frames.names_in(names.kpis, since=after_stop), "no KPI data from the survivor"
    screenshot(page, SCREENSHOTS, "deploy-hosted-failover")

    # A browser without the identity cookie, through nginx to the survivor: the sign-in screen and nothing else.
    stranger = visit("hosted-not-signed-in")
    for path in ("/", "/data"):
        open_app(stranger.page, f"{cluster.base}{path}")
        assert_sign_in_screen(stranger.page, absent_name=ANALYST.name)
    assert stranger.route() == other
    assert len(stranger.frames.frames) > 5, "no WebSocket frames were recorded: the check would prove nothing"
    assert stranger.frames.names_in(names.all) == set()

    # nginx's log: after the stop, only the WebSocket the stop cut off was the stopped instance's.
    person.context.close()  # nginx logs a WebSocket when it closes
    wait_for_log(
        cluster.access_log,
        lambda e: person.marker in str(e["user_agent"]) and STREAM in str(e["request"])
        and answered_by(e) == survivor.address,
    )  # fmt: skip
    entries = person.log(cluster.access_log, since=log_length)
    cut = [e for e in entries if answered_by(e) == stopped.address]
    assert len(cut) == 1 and STREAM in str(cut[0]["request"]), cut
    assert any(str(e["upstream"]).startswith(f"{stopped.address}, {survivor.address}") for e in entries)
    on_survivor = [e for e in entries if answered_by(e) == survivor.address]
    assert len(on_survivor) == len(entries) - 1
    assert any(STREAM in str(e["request"]) and int(e["bytes"]) > 0 for e in on_survivor)  # it drew the reruns
