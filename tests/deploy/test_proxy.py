"""The proxy's hardening, as deployed: security headers on every response, the upload limit, only the configured
host name answered, HTTP redirected to HTTPS, /healthz, and a Content-Security-Policy every page works under."""

from __future__ import annotations

import base64
import hashlib
import http.client
import os
import re
import ssl
import uuid
from pathlib import Path

import pytest

from tests.browser.conftest import SCREENSHOTS
from tests.browser.helpers import EXCEPTION, PAGES, open_page, screenshot, wait_until_idle
from tests.deploy.cluster import (
    SERVER_NAME,
    SITE_CONF,
    Cluster,
    Response,
    _Connection,
    answered_by,
    request,
    tls_context,
    wait_for_log,
)

pytestmark = pytest.mark.hosted

MIB = 1024 * 1024
UPLOAD_PATH = "/_stcore/upload_file/no-such-session/no-such-file"


def _csp(value: str) -> dict[str, list[str]]:
    """A Content-Security-Policy value as {directive: [sources]}."""
    directives = (part.split() for part in value.split(";") if part.strip())
    return {name: sources for name, *sources in directives}


def _site_csp() -> dict[str, list[str]]:
    found = re.search(r'add_header Content-Security-Policy "([^"]+)" always;', SITE_CONF.read_text())
    assert found, "deploy/nginx.conf sets no Content-Security-Policy"
    return _csp(found.group(1))


def _assert_hardened(response: Response, what: str) -> None:
    """The security headers are on ``response``, each once, with the values a hosted NHS service needs."""
    csp = _csp(response.header("Content-Security-Policy") or "")
    assert csp.get("default-src") == ["'self'"], what
    assert csp.get("connect-src") == ["'self'"], what  # nothing can be sent to a third party
    assert csp.get("frame-ancestors") == ["'none'"], what
    assert csp.get("object-src") == ["'none'"] and csp.get("base-uri") == ["'self'"], what
    assert not {"'unsafe-eval'", "'unsafe-inline'", "*", "data:", "https:"} & set(csp["script-src"]), what
    hsts = response.header("Strict-Transport-Security") or ""
    assert int(re.search(r"max-age=(\d+)", hsts).group(1)) >= 31_536_000, what
    assert response.header("X-Content-Type-Options") == "nosniff", what
    assert response.header("X-Frame-Options") == "DENY", what
    assert response.header("Referrer-Policy") == "same-origin", what
    permissions = response.header("Permissions-Policy") or ""
    assert {"camera=()", "microphone=()", "geolocation=()"} <= {p.strip() for p in permissions.split(",")}, what
    assert response.header("Server") == "nginx", what  # server_tokens off: no version


def test_every_response_carries_the_security_headers(cluster: Cluster):
    context = tls_context(cluster.cert)
    port = cluster.ports.https
    home = request(port, "GET", "/", context=context)
    assert home.status == 200 and b"<html" in home.body
    script = re.search(rb'src="\./(static/js/index\.[^"]+\.js)"', home.body)
    assert script, "no Streamlit bundle named in index.html"
    responses = {
        "the app's page": home,
        "a script bundle": request(port, "GET", "/" + script.group(1).decode(), context=context),
        "/healthz": request(port, "GET", "/healthz", context=context),
        "Streamlit's host config": request(port, "GET", "/_stcore/host-config", context=context),
        "a missing file (404 from the instance)": request(port, "GET", "/media/no-such-file.csv", context=context),
        "a refused upload (from the instance)": request(port, "PUT", UPLOAD_PATH, body=b"x", context=context),
        "an unpublished endpoint (404 from nginx)": request(port, "GET", "/_stcore/metrics", context=context),
    }
    assert responses["a script bundle"].status == 200
    assert responses["a missing file (404 from the instance)"].status == 404
    assert responses["an unpublished endpoint (404 from nginx)"].status == 404
    assert responses["a refused upload (from the instance)"].status in (400, 403)
    for what, response in responses.items():
        _assert_hardened(response, what)


def test_healthz_answers_while_an_instance_is_up(cluster: Cluster):
    response = request(cluster.ports.https, "GET", "/healthz", context=tls_context(cluster.cert))
    assert (response.status, response.body) == (200, b"ok")


def test_upload_limit_matches_streamlit_and_an_oversized_body_is_refused_by_nginx(cluster: Cluster):
    from streamlit import config as streamlit_config

    limit = re.search(r"client_max_body_size\s+(\d+)m;", SITE_CONF.read_text())
    assert limit, "deploy/nginx.conf sets no client_max_body_size"
    limit_mb = int(limit.group(1))
    assert limit_mb == streamlit_config.get_option("server.maxUploadSize")

    context, port = tls_context(cluster.cert), cluster.ports.https
    agent = f"deploy-test/upload-limit-{uuid.uuid4().hex[:8]}"
    # headers only: nginx answers from the Content-Length, before any of the body is sent
    oversized = {"Content-Length": str(limit_mb * MIB + 1), "User-Agent": f"{agent}-over"}
    too_big = request(port, "PUT", UPLOAD_PATH, context=context, headers=oversized)
    assert too_big.status == 413
    _assert_hardened(too_big, "the 413 page")
    passed = request(
        port, "PUT", UPLOAD_PATH, context=context, body=os.urandom(2 * MIB), headers={"User-Agent": f"{agent}-under"}
    )
    assert passed.status != 413  # over nginx's 1 MB default, under the limit: the instance answers it

    over, under = (
        wait_for_log(cluster.access_log, lambda e, s=suffix: e["user_agent"] == f"{agent}-{s}")[0]
        for suffix in ("over", "under")
    )
    assert over["upstream"] == "" and over["status"] == 413  # never reached an instance
    assert answered_by(under) in {inst.address for inst in cluster.instances.values()}


def test_only_the_configured_host_name_is_answered(cluster: Cluster):
    port, trusted, anything = cluster.ports.https, tls_context(cluster.cert), tls_context(None)
    agent = f"deploy-test/hosts-{uuid.uuid4().hex[:8]}"
    assert request(port, "GET", "/", context=trusted, headers={"User-Agent": agent}).status == 200
    # another name in TLS (SNI), or none (a bare IP address): the handshake is refused, no certificate shown
    for sni in ("attacker.example", None):
        with pytest.raises(ssl.SSLError):
            request(port, "GET", "/", context=anything, sni=sni, host=f"{sni or '127.0.0.1'}:{port}")
    # our name in TLS but another Host header (DNS rebinding, host-header attacks): connection closed, no answer
    for connection_port, tls in ((port, trusted), (cluster.ports.http, None)):
        with pytest.raises((http.client.RemoteDisconnected, ConnectionResetError)):
            request(connection_port, "GET", "/", context=tls, host="attacker.example", headers={"User-Agent": agent})
    entries = wait_for_log(cluster.access_log, lambda e: e["user_agent"] == agent, minimum=3)
    refused = [e for e in entries if e["host"] == "attacker.example"]
    assert len(refused) == 2 and all(e["status"] == 444 and e["upstream"] == "" for e in refused)


def test_the_access_log_keeps_no_sign_in_code(cluster: Cluster):
    agent = f"deploy-test/sign-in-code-{uuid.uuid4().hex[:8]}"
    secret = uuid.uuid4().hex
    request(
        cluster.ports.https,
        "GET",
        f"/oauth2callback?code={secret}&state=x",
        context=tls_context(cluster.cert),
        headers={"User-Agent": agent},
    )
    entry = wait_for_log(cluster.access_log, lambda e: e["user_agent"] == agent)[0]
    assert entry["request"] == "GET /oauth2callback?(removed) HTTP/1.1"
    assert secret not in cluster.access_log.read_text()


def _websocket_handshake(connection: http.client.HTTPConnection, host: str, origin: str) -> int:
    """Status of a WebSocket upgrade request for Streamlit's stream (101 = accepted)."""
    connection.request(
        "GET",
        "/_stcore/stream",
        headers={
            "Host": host,
            "Origin": origin,
            "Upgrade": "websocket",
            "Connection": "Upgrade",
            "Sec-WebSocket-Key": base64.b64encode(os.urandom(16)).decode(),
            "Sec-WebSocket-Version": "13",
        },
    )
    try:
        return connection.getresponse().status
    finally:
        connection.close()


def test_instances_accept_only_the_public_host_and_origin(cluster: Cluster):
    """Streamlit's own checks behind the proxy: server.allowedHosts and the WebSocket's same-origin rule."""
    direct = cluster.instances["a"].port
    public = f"{SERVER_NAME}:{direct}"
    assert _websocket_handshake(http.client.HTTPConnection("127.0.0.1", direct), public, f"http://{public}") == 101
    attacker = f"attacker.example:{direct}"
    assert _websocket_handshake(http.client.HTTPConnection("127.0.0.1", direct), attacker, f"http://{attacker}") == 403
    proxied, context = f"{SERVER_NAME}:{cluster.ports.https}", tls_context(cluster.cert)

    def through_proxy(origin: str) -> int:
        return _websocket_handshake(_Connection(cluster.ports.https, SERVER_NAME, context, 10), proxied, origin)

    assert through_proxy(cluster.base) == 101
    # a page on another site opening the dashboard's WebSocket (cross-site WebSocket hijacking) is refused
    assert through_proxy("https://attacker.example") == 403


def test_plain_http_redirects_to_https(cluster: Cluster):
    response = request(cluster.ports.http, "GET", "/variation?kpi=AE_RATE", context=None)
    assert response.status == 301
    assert response.header("Location") == f"https://{SERVER_NAME}/variation?kpi=AE_RATE"
    assert response.header("Server") == "nginx"


def test_csp_allows_the_inline_script_of_the_installed_streamlit():
    """After a Streamlit upgrade, this names the hash deploy/nginx.conf must allow (or the page would not start)."""
    import streamlit

    html = (Path(streamlit.__file__).parent / "static" / "index.html").read_text()
    inline = re.findall(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", html, flags=re.S)
    assert inline, "Streamlit's index.html has no inline script any more: remove its hash from the CSP"
    allowed = set(_site_csp()["script-src"])
    for body in inline:
        digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in allowed, f"add 'sha256-{digest}' to script-src in deploy/nginx.conf"


def test_every_page_works_through_the_proxy_under_the_csp(cluster: Cluster, visitor):
    """One session visits every page (as a person would, through the sidebar): no CSP or Permissions-Policy
    message in the console, no uncaught error, no exception, and each page's chart, map or table is drawn."""
    person = visitor("every-page")
    open_page(person.page, cluster.base, "/")
    for app_page in PAGES:
        if app_page.path != "/":
            person.page.locator(f'[data-testid="stSidebarNav"] a[href$="{app_page.path}"]').click()
            wait_until_idle(person.page)
        person.page.locator("h1", has_text=app_page.title).first.wait_for(timeout=60_000)
        person.page.wait_for_selector(app_page.main, state="visible", timeout=60_000)
        assert person.page.locator(EXCEPTION).count() == 0, app_page.name
        if app_page.name == "map":
            person.page.wait_for_timeout(1000)  # deck.gl draws (and compiles its WebAssembly) after the canvas
            screenshot(person.page, SCREENSHOTS, "deploy-map-through-proxy")
        assert person.errors == [], f"{app_page.name}: {person.errors}"
