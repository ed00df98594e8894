"""Hosted tier: deploy/nginx.conf in front of two Streamlit instances on one fresh PostgreSQL database.

Once per session: a database ``hosted_<random>`` is created on the ``TEST_DATABASE_URL`` server (dropped at the
end), the demo is loaded into it with ``python -m data.manage init``, a login role gets read access with ``python -m
data.manage grant-read`` (the instances' ``DATABASE_READ_URL``, as docs/deploy.md sets it up), two instances start
on free loopback ports (``APP_MODE=local``: sign-in is tested elsewhere; ``CACHE_CHECK_SECONDS=1`` so an instance
notices another's import within a second), and nginx starts with the repository's site file rendered for those
ports. A test may stop an instance; the ``cluster`` fixture restarts it before the next test.

Needs nginx (/usr/sbin/nginx), PostgreSQL and Chromium: where one is missing the tests skip on a developer
machine and fail in CI (``CI=true``), so the tier cannot vanish there.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.auth.conftest import app_env, check_tools, demo_names
from tests.auth.flows import ANALYST, VIEWER, HostedStack
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, IN_CI, SCREENSHOTS
from tests.deploy.cluster import (
    NGINX,
    REPO,
    ROUTE_COOKIE,
    SERVER_NAME,
    Cluster,
    Ports,
    free_port,
    make_certificate,
    read_access_log,
)
from tests.deploy.hosted_pair import HostedCluster, HostedPair, OidcProvider, Person, public_redirect_uri, write_secrets

DEFAULT_TEST_DATABASE_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0 Safari/537.36"
# Console messages that mean a header we set got in the way (a blocked resource, a malformed policy).
POLICY_WORDS = ("Content Security Policy", "Content-Security-Policy", "Permissions-Policy", "Permissions policy")


def _unavailable(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"hosted-mode tests are required in CI (CI=true) but {reason}")
    pytest.skip(f"hosted-mode tests skipped: {reason}")


@pytest.fixture(scope="session")
def hosted_tools() -> None:
    """nginx, Chromium and Playwright are installed (skip, or fail in CI, when not)."""
    if not NGINX.exists():
        _unavailable(f"{NGINX} is not installed (apt-get install nginx)")
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} is not installed (apt-get install chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        _unavailable("playwright is not installed (pip install -r requirements-dev.txt)")


@pytest.fixture(scope="session")
def hosted_database(hosted_tools: None) -> Iterator[tuple[str, str]]:
    """(owner URL, reader URL) of a new PostgreSQL database holding the demo, for this session (dropped afterwards).

    Set up as docs/deploy.md says: the owner migrates and loads; a separate login role, given SELECT only by
    ``python -m data.manage grant-read``, is the instances' DATABASE_READ_URL.
    """
    import psycopg
    from sqlalchemy.engine import make_url

    server = make_url(os.environ.get("TEST_DATABASE_URL") or DEFAULT_TEST_DATABASE_URL)
    admin = server.set(drivername="postgresql").render_as_string(hide_password=False)
    suffix = uuid.uuid4().hex[:10]
    name, reader = f"hosted_{suffix}", f"hosted_reader_{suffix}"
    try:
        with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
            conn.execute(f'CREATE ROLE "{reader}" LOGIN')
    except psycopg.Error as exc:
        _unavailable(f"cannot create a database and role on {server.render_as_string()}: {exc}")
    url = server.set(database=name).render_as_string(hide_password=False)
    read_url = server.set(database=name, username=reader, password=None).render_as_string(hide_password=False)
    try:
        for command in (["init"], ["grant-read", reader]):
            done = subprocess.run(
                [sys.executable, "-m", "data.manage", *command], cwd=REPO, capture_output=True, text=True,
                check=False, env={**os.environ, "DATABASE_URL": url, "DEMO_ON_EMPTY": "true", "DATABASE_READ_URL": ""},
            )  # fmt: skip
            assert done.returncode == 0, f"python -m data.manage {command[0]} failed:\n{done.stdout}\n{done.stderr}"
        yield url, read_url
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'DROP ROLE IF EXISTS "{reader}"')


@pytest.fixture(scope="session")
def hosted(hosted_database: tuple[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    """nginx and two instances on the session's database, for the whole session."""
    folder = tmp_path_factory.mktemp("hosted")
    cert, _key = make_certificate(folder)
    ports = Ports(https=free_port(), http=free_port(), instances={"a": free_port(), "b": free_port()})
    cluster = Cluster(folder, *hosted_database, ports, cert)
    try:
        cluster.start(os.environ)
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
def cluster(hosted: Cluster) -> Cluster:
    """The session's cluster with both instances running (restarting one a previous test stopped)."""
    hosted.ensure_running()
    return hosted


@pytest.fixture(scope="session")
def chromium(hosted_tools: None, playwright: object) -> Iterator[object]:
    """Debian's Chromium, told that the dashboard's host name is 127.0.0.1 (no DNS, nothing leaves the machine),
    through the run's one Playwright driver (tests/conftest.py)."""
    browser = playwright.chromium.launch(
        executable_path=str(CHROMIUM), args=[*CHROMIUM_ARGS, f"--host-resolver-rules=MAP {SERVER_NAME} 127.0.0.1"]
    )
    yield browser
    browser.close()


@dataclass
class Visitor:
    """One browser context (one person, one Streamlit session), recognisable in nginx's log by its user agent."""

    name: str
    marker: str
    context: object
    page: object
    errors: list[str] = field(default_factory=list)

    def route(self) -> str | None:
        """The route cookie nginx last set in this browser (None before the first response)."""
        values = [c["value"] for c in self.context.cookies() if c["name"] == ROUTE_COOKIE]
        return values[0] if values else None

    def log(self, access_log: Path) -> list[dict[str, object]]:
        """nginx's log entries for this browser's requests, oldest first."""
        return [e for e in read_access_log(access_log) if self.marker in str(e.get("user_agent", ""))]


@pytest.fixture
def visitor(chromium: object, cluster: Cluster) -> Iterator[Callable[..., Visitor]]:
    """Make browser contexts: ``visitor("name", route="a")`` starts pinned to instance a (as if nginx had set its
    route cookie earlier); without ``route`` the browser is new to nginx. Closed after the test."""
    made: list[Visitor] = []

    def make(name: str, *, route: str | None = None) -> Visitor:
        marker = f"deploy-test/{name}-{uuid.uuid4().hex[:8]}"
        context = chromium.new_context(
            viewport={"width": 1400, "height": 1000}, ignore_https_errors=True, accept_downloads=True,
            user_agent=f"{USER_AGENT} {marker}",
        )  # fmt: skip
        if route is not None:
            context.add_cookies(
                [{"name": ROUTE_COOKIE, "value": route, "url": cluster.base, "secure": True, "httpOnly": True}]
            )
        page = context.new_page()
        person = Visitor(name, marker, context, page)
        page.on(
            "console",
            lambda message: (
                person.errors.append(message.text) if any(word in message.text for word in POLICY_WORDS) else None
            ),
        )
        page.on("pageerror", lambda error: person.errors.append(f"page error: {error}"))
        made.append(person)
        return person

    yield make
    for person in made:
        person.context.close()


@pytest.fixture(scope="session")
def provider_node(hosted_tools: None) -> str:
    """The node executable, with oidc-provider installed (skip, or fail in CI, when not), checked before the
    session database is built so that a machine without them skips at once."""
    return check_tools()


@pytest.fixture(scope="module")
def hosted_pair(
    provider_node: str, hosted_database: tuple[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[HostedPair]:
    """The provider and two hosted instances behind nginx on the session's database, for this module only.

    The provider starts first and becomes ready while the instances start; everything is stopped afterwards,
    also when start-up fails half way.
    """
    owner_url, read_url = hosted_database
    folder = tmp_path_factory.mktemp("hosted-failover")
    cert, _key = make_certificate(folder)
    ports = Ports(https=free_port(), http=free_port(), instances={"a": free_port(), "b": free_port()})
    redirect_uri = public_redirect_uri(ports.https)
    provider = OidcProvider(
        provider_node, free_port(), folder, secrets.token_urlsafe(24), [redirect_uri], [VIEWER, ANALYST]
    )
    secrets_file = write_secrets(
        folder, redirect_uri=redirect_uri, issuer=provider.issuer, client_secret=provider.client_secret
    )
    cluster = HostedCluster(folder, owner_url, read_url, ports, cert, secrets_file=secrets_file)
    try:
        provider.start()
        cluster.start(app_env(owner_url, ANALYST_EMAILS=ANALYST.login))
        provider.wait_ready()
        stack = HostedStack(provider.issuer, cluster.base, cluster.base, demo_names(read_url), folder)
        yield HostedPair(provider, cluster, stack)
    finally:
        cluster.stop()
        provider.stop()


@pytest.fixture
def visit(
    chromium: object, hosted_pair: HostedPair, request: pytest.FixtureRequest
) -> Iterator[Callable[[str], Person]]:
    """Make browser contexts through nginx (``visit("name")``: new to nginx, no cookies), closed after the test.

    When the test fails, each page is saved as deploy-hosted-failover-failed-*.png and the logs are printed.
    """
    made: list[Person] = []
    failed_before = request.session.testsfailed

    def make(name: str) -> Person:
        marker = f"deploy-test/{name}-{uuid.uuid4().hex[:8]}"
        context = chromium.new_context(
            viewport={"width": 1400, "height": 1000}, ignore_https_errors=True, user_agent=f"{USER_AGENT} {marker}"
        )  # the certificate is self-signed
        page = context.new_page()
        page.set_default_timeout(30_000)
        person = Person(marker, context, page)
        page.on("websocket", lambda ws: ws.on("framereceived", person.frames.record))
        made.append(person)
        return person

    yield make
    if request.session.testsfailed > failed_before:
        for number, person in enumerate(made):
            with contextlib.suppress(Exception):  # a page that cannot be captured must not hide the failure
                SCREENSHOTS.mkdir(parents=True, exist_ok=True)
                person.page.screenshot(path=str(SCREENSHOTS / f"deploy-hosted-failover-failed-{number}.png"))
        print(hosted_pair.cluster.logs(), f"--- oidc-provider ---\n{hosted_pair.provider.log_tail()}", sep="\n")
    for person in made:
        person.context.close()
