"""Hosted sessions behind deploy/nginx.conf: sign-out, downloads, uploads and what a visitor learns before sign-in.

Two ``APP_MODE=hosted`` instances (``streamlit run serve.py``) behind nginx, signed in through the OpenID Connect
provider of tests/auth (the ``hosted_pair`` fixture). A copy of a user's identity cookie works on either instance
until the user signs out, and on neither afterwards (the revocation is in the shared database); the identity
cookie reaches the browser Secure, HttpOnly and with the session's lifetime; a download's ``/media/`` URL is
refused by nginx without the owner's valid cookie (none, a forged one, a signed-out one) and its path is not in
the access log; before sign-in an upload is refused by nginx and no frame names the server's pages, paths or
versions.
"""

from __future__ import annotations

import json
import time
from urllib.parse import urlsplit

import pytest

from tests.auth.flows import (
    IDENTITY_COOKIE,
    METRIC,
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
from tests.deploy.cluster import ROUTE_COOKIE, read_access_log
from tests.deploy.hosted_pair import HostedPair, Person

pytestmark = pytest.mark.hosted

NGINX_REFUSAL = "401 Authorization Required"  # nginx's own 401 page: auth_request refused, nothing was forwarded
DEFAULT_SESSION_MINUTES = 480  # SESSION_MAX_AGE_MINUTES's default (the pair does not set it)


def _signed_in(hosted_pair: HostedPair, visit, name: str) -> tuple[Person, float]:
    """A viewer signed in through nginx, and the time just before the sign-in started."""
    person = visit(name)
    open_app(person.page, hosted_pair.cluster.base)
    started = time.time()
    sign_in_at_provider(person.page, hosted_pair.stack, hosted_pair.cluster.base, VIEWER)
    person.page.locator(METRIC).first.wait_for()
    return person, started


def _replay(visit, base: str, cookies: list[dict[str, object]], route: str) -> Person:
    """A new browser holding ``cookies``, pinned by the route cookie to instance ``route``, on the dashboard."""
    person = visit(f"replay-{route}")
    pin = {"name": ROUTE_COOKIE, "value": route, "url": base, "secure": True, "httpOnly": True}
    person.context.add_cookies([*cookies, pin])
    open_app(person.page, base)
    return person


def test_a_copied_cookie_is_refused_on_both_instances_after_sign_out(hosted_pair: HostedPair, visit):
    cluster, names = hosted_pair.cluster, hosted_pair.stack.names
    person, started = _signed_in(hosted_pair, visit, "signs-out")
    copied = identity_cookies(person.context)
    identity = next(c for c in copied if c["name"] == IDENTITY_COOKIE)
    assert identity["secure"] and identity["httpOnly"] and identity["sameSite"] == "Lax", identity
    assert identity["expires"] <= started + DEFAULT_SESSION_MINUTES * 60 + 60, "the cookie outlives the session"

    for route in cluster.instances:  # the copy works on either instance while the user is signed in
        replay = _replay(visit, cluster.base, copied, route)
        replay.page.get_by_text(f"Signed in as {VIEWER.name}").wait_for()
        assert replay.route() == route

    sign_out(person.page, hosted_pair.stack, cluster.base)
    assert_sign_in_screen(person.page, absent_name=VIEWER.name)
    for route in cluster.instances:
        replay = _replay(visit, cluster.base, copied, route)
        assert_sign_in_screen(replay.page, absent_name=VIEWER.name)
        assert replay.route() == route, "the replay did not reach the instance it was pinned to"
        assert len(replay.frames.frames) > 2 and replay.frames.names_in(names.all) == set()


def test_a_download_needs_the_owners_cookie_at_the_proxy_and_its_path_is_not_logged(hosted_pair: HostedPair, visit):
    cluster = hosted_pair.cluster
    person, _ = _signed_in(hosted_pair, visit, "downloads")
    url = download_url(person.page)
    path = urlsplit(url).path
    assert path.startswith("/media/") and path.endswith(".csv"), url
    assert fetch(person.page, url)[0] == 200  # positive control: the owner gets the file

    stranger = visit("no-cookie")  # while the file exists (Streamlit drops it at the owner's next rerun)
    forged = visit("forged-cookie")
    claims = {"is_logged_in": True, "origin": cluster.base, "email": VIEWER.login, "iat": int(time.time())}
    forged.context.add_cookies([{"name": IDENTITY_COOKIE, "value": forged_identity(claims), "url": cluster.base}])
    signed_out = visit("signed-out-cookie")
    for number, visitor in enumerate((stranger, forged, signed_out)):
        if visitor is signed_out:
            signed_out.context.add_cookies(identity_cookies(person.context))
            sign_out(person.page, hosted_pair.stack, cluster.base)
        open_app(visitor.page, cluster.base)  # on the dashboard's origin, not signed in
        status, text = fetch(visitor.page, url)
        assert status == 401 and NGINX_REFUSAL in text, (number, visitor.marker, status, text)

    entries = read_access_log(cluster.access_log)
    media = [e for e in entries if str(e["request"]).split(" ")[1].startswith("/media/")]
    assert len(media) >= 5, media  # the browser's download, the owner's fetch and the three refusals
    assert {str(e["request"]).split(" ")[1] for e in media} == {"/media/(removed)"}
    assert not [e for e in entries if path.rsplit("/", 1)[-1].split(".")[0] in json.dumps(e)]


def test_before_sign_in_an_upload_is_refused_and_the_server_is_not_described(hosted_pair: HostedPair, visit):
    cluster = hosted_pair.cluster
    person = visit("not-signed-in")
    open_app(person.page, cluster.base)
    assert_sign_in_screen(person.page)
    assert len(person.frames.frames) > 2, "no WebSocket frames were recorded: the check would prove nothing"
    assert server_details(person.frames) == {"pages": {""}, "fields": set(), "tokens": set()}

    status, text = upload(person.page, cluster.base, session_id(person.frames))
    assert status == 401 and NGINX_REFUSAL in text, (status, text)
    uploads = [e for e in person.log(cluster.access_log) if "/_stcore/upload_file/" in str(e["request"])]
    assert [(e["request"].split(" ")[1], e["status"]) for e in uploads] == [("/_stcore/upload_file/(removed)", 401)]
