"""Hosted mode end to end: a real OpenID Connect provider, two hosted app instances, and Debian's Chromium.

Started once per test session, all on loopback ports chosen at run time:

* the identity provider: ``node tests/auth/oidc_provider.mjs`` (panva's oidc-provider, installed by
  ``npm ci --prefix tests/browser``), with a viewer and an analyst account and one confidential client;
* ``streamlit run app.py`` with ``APP_MODE=hosted`` on a demo SQLite database, its ``[auth]`` secrets in a
  temporary file (``--secrets.files``; the repository's ``.streamlit/`` is not touched), the analyst allow-listed
  by ``ANALYST_EMAILS`` and the default ``SESSION_MAX_AGE_MINUTES``;
* a second instance whose sessions last :data:`SHORT_SESSION_MINUTES` and whose analysts come from the ``roles``
  claim (``ANALYST_CLAIM``), for the expiry test.

Where node, oidc-provider, Chromium or Playwright is missing the tests skip on a developer machine and fail in CI
(``CI=true``). Logs of every process are in the session's temporary folder; when a test fails, their last lines
are printed with its report and a screenshot of each of its pages is saved as reports/screenshots/hosted-failed-*.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import text

from settings import Settings
from tests.auth.flows import (
    ANALYST,
    ANALYST_ROLE,
    SHORT_SESSION_MINUTES,
    VIEWER,
    DemoNames,
    FrameLog,
    HostedStack,
)
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, IN_CI, REPO, SCREENSHOTS, _free_port

PROVIDER_SCRIPT = Path(__file__).resolve().parent / "oidc_provider.mjs"
NODE_MODULES = REPO / "tests" / "browser" / "node_modules"
OIDC_PACKAGE = NODE_MODULES / "oidc-provider" / "package.json"
STARTUP_SECONDS = 120
CLIENT_ID = "ncl-benefits-dashboard"


@dataclass
class _Process:
    name: str
    process: subprocess.Popen[bytes]
    log: Path
    ready_url: str
    handle: object = field(repr=False, default=None)

    def tail(self) -> str:
        return f"--- {self.name} ({self.log}) ---\n{self.log.read_text(errors='replace')[-3000:]}"


def _unavailable(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"hosted-mode tests are required in CI (CI=true) but {reason}")
    pytest.skip(f"hosted-mode tests skipped: {reason}")


def check_tools() -> str:
    """The node executable; skip (or fail in CI) when anything the tier needs is missing."""
    node = shutil.which("node")
    if node is None:
        _unavailable("node is not on PATH (apt-get install nodejs)")
    if not OIDC_PACKAGE.exists():
        _unavailable(f"{OIDC_PACKAGE.parent} is missing (npm ci --prefix tests/browser)")
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} is not installed (apt-get install chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        _unavailable("playwright is not installed (pip install -r requirements-dev.txt)")
    return str(node)


def demo_names(database_url: str) -> DemoNames:
    from data.db import make_engine
    from data.demo.spec import SYNTHETIC_LABEL

    engine = make_engine(database_url)
    with engine.connect() as conn:

        def names(table: str) -> tuple[str, ...]:
            return tuple(row[0] for row in conn.execute(text(f"SELECT name FROM {table} ORDER BY name")))

        found = DemoNames(names("kpi"), names("borough") + names("pcn"), names("workstream"), SYNTHETIC_LABEL)
    engine.dispose()
    assert found.kpis and found.places and found.workstreams, "the demo database has no names to look for"
    return found


def app_env(database_url: str, **settings: str) -> dict[str, str]:
    """The environment of a hosted instance: nothing inherited that could change the settings under test."""
    env = {k: v for k, v in os.environ.items() if k.lower() not in Settings.model_fields}
    no_proxy = ",".join(filter(None, [os.environ.get("NO_PROXY", ""), "127.0.0.1", "localhost"]))
    env.update(
        NO_PROXY=no_proxy,  # the token request goes to the provider on loopback, never through a proxy
        no_proxy=no_proxy,
        APP_MODE="hosted",
        DATABASE_URL=database_url,
        DEMO_ON_EMPTY="false",
        **settings,
    )
    return env


def _secrets(folder: Path, app_port: int, provider_port: int, client_secret: str) -> Path:
    """A secrets.toml with the [auth] section Streamlit's st.login reads (Streamlit's default prompt is kept)."""
    path = folder / f"secrets-{app_port}.toml"
    path.write_text(
        "[auth]\n"
        f'redirect_uri = "http://127.0.0.1:{app_port}/oauth2callback"\n'
        f'cookie_secret = "{secrets.token_hex(32)}"\n'
        f'client_id = "{CLIENT_ID}"\n'
        f'client_secret = "{client_secret}"\n'
        f'server_metadata_url = "http://127.0.0.1:{provider_port}/.well-known/openid-configuration"\n'
    )
    return path


def _streamlit(name: str, folder: Path, port: int, secrets_file: Path, env: dict[str, str]) -> _Process:
    log = folder / f"{name}.log"
    handle = log.open("w")
    process = subprocess.Popen(
        [
            sys.executable, "-m", "streamlit", "run", "serve.py",
            "--server.port", str(port), "--server.address", "127.0.0.1", "--server.headless", "true",
            "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none",
            "--secrets.files", str(secrets_file),
        ],
        cwd=REPO, env=env, stdout=handle, stderr=subprocess.STDOUT,
    )  # fmt: skip
    return _Process(name, process, log, f"http://127.0.0.1:{port}/_stcore/health", handle)


def _wait_until_ready(processes: list[_Process]) -> None:
    """Wait for every process's readiness URL to answer 200; fail with all logs if one dies or time runs out."""
    waiting = list(processes)
    deadline = time.monotonic() + STARTUP_SECONDS
    while waiting:
        for proc in list(waiting):
            with contextlib.suppress(OSError), urllib.request.urlopen(proc.ready_url, timeout=2) as response:
                if response.status == 200:
                    waiting.remove(proc)
                    continue
            if proc.process.poll() is not None:
                pytest.fail(f"{proc.name} exited with {proc.process.returncode}\n{proc.tail()}")
        if waiting and time.monotonic() > deadline:
            pytest.fail("not ready in time: " + "\n".join(p.tail() for p in waiting))
        if waiting:
            time.sleep(0.3)


def _stop(processes: list[_Process]) -> None:
    for proc in processes:
        if proc.process.poll() is None:
            proc.process.terminate()
    for proc in processes:
        try:
            proc.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.process.kill()
            proc.process.wait(timeout=5)
        if proc.handle is not None:
            proc.handle.close()  # type: ignore[attr-defined]


@pytest.fixture(scope="session")
def hosted_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HostedStack]:
    """The demo database (built and migrated first), then the provider and both hosted instances, started together."""
    node = check_tools()
    folder = tmp_path_factory.mktemp("hosted")
    database_url = f"sqlite:///{folder / 'demo.sqlite'}"
    provider_port, app_port, expiring_port = _free_port(), _free_port(), _free_port()
    client_secret = secrets.token_urlsafe(24)
    accounts = folder / "accounts.json"
    accounts.write_text(json.dumps([VIEWER.provider_entry(), ANALYST.provider_entry()]))
    issuer = f"http://127.0.0.1:{provider_port}"

    # The demo database first: serve.py migrates it when an instance starts (one writer at a time on SQLite).
    from data.db import make_engine
    from data.manage import ensure_database

    engine = make_engine(database_url)
    ensure_database(engine, demo_on_empty=True)  # migrated first, as an instance would make it
    engine.dispose()

    provider_log = folder / "oidc-provider.log"
    provider_handle = provider_log.open("w")
    provider = _Process(
        "oidc-provider",
        subprocess.Popen(
            [
                node, str(PROVIDER_SCRIPT), "--port", str(provider_port), "--client-id", CLIENT_ID,
                "--redirect-uri", f"http://127.0.0.1:{app_port}/oauth2callback",
                "--redirect-uri", f"http://127.0.0.1:{expiring_port}/oauth2callback",
                "--accounts", str(accounts), "--id-token-ttl", "600", "--modules", str(NODE_MODULES.parent),
            ],
            env={**os.environ, "OIDC_CLIENT_SECRET": client_secret},
            stdout=provider_handle, stderr=subprocess.STDOUT,
        ),
        provider_log,
        f"{issuer}/.well-known/openid-configuration",
        provider_handle,
    )  # fmt: skip
    app = _streamlit(
        "app", folder, app_port, _secrets(folder, app_port, provider_port, client_secret),
        app_env(database_url, ANALYST_EMAILS=ANALYST.login),
    )  # fmt: skip
    expiring = _streamlit(
        "expiring-app", folder, expiring_port, _secrets(folder, expiring_port, provider_port, client_secret),
        app_env(
            database_url, SESSION_MAX_AGE_MINUTES=str(SHORT_SESSION_MINUTES),
            ANALYST_CLAIM="roles", ANALYST_CLAIM_VALUE=ANALYST_ROLE,
        ),
    )  # fmt: skip
    processes = [provider, app, expiring]
    try:
        names = demo_names(database_url)
        _wait_until_ready(processes)
        yield HostedStack(issuer, f"http://127.0.0.1:{app_port}", f"http://127.0.0.1:{expiring_port}", names, folder)
    finally:
        _stop(processes)


@pytest.fixture(scope="session")
def chromium(hosted_stack: HostedStack, playwright: object) -> Iterator[object]:
    """Debian's Chromium, headless, through the run's one Playwright driver (started after the stack)."""
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[pytest.TestReport]:
    """Keep each phase's report on the test item, so fixtures can tell in teardown whether the test failed."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def new_page(
    chromium: object, hosted_stack: HostedStack, request: pytest.FixtureRequest
) -> Iterator[Callable[[], object]]:
    """Make fresh pages, each in its own browser context (own cookies: a new visitor), recording WebSocket frames
    in ``page.frame_log`` and requests that leave the machine in ``page.external_requests``."""
    contexts: list[object] = []

    def make() -> object:
        context = chromium.new_context(viewport={"width": 1400, "height": 1000})
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(60_000)
        page.frame_log = FrameLog()  # type: ignore[attr-defined]
        page.external_requests = []  # type: ignore[attr-defined]
        page.on("websocket", lambda ws: ws.on("framereceived", page.frame_log.record))  # type: ignore[attr-defined]
        page.on(
            "request",
            lambda request: None
            if request.url.startswith(("http://127.0.0.1:", "data:", "blob:", "about:"))
            else page.external_requests.append(request.url),  # type: ignore[attr-defined]
        )
        return page

    yield make
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        for number, context in enumerate(contexts):
            for page in context.pages:
                with contextlib.suppress(Exception):  # a page that cannot be captured must not hide the failure
                    page.screenshot(path=str(SCREENSHOTS / f"hosted-failed-{request.node.name}-{number}.png"))
        for log in sorted(hosted_stack.logs.glob("*.log")):
            print(f"--- {log.name} ---\n{log.read_text(errors='replace')[-3000:]}")
    for context in contexts:
        context.close()
