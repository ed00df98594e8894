"""Browser tier: ``streamlit run app.py`` on a free port against a demo SQLite database, driven by headless Chromium.

The app is started once per session (the demo database is built first, in a temporary folder) and stopped at the
end. Chromium is Debian's (``/usr/bin/chromium``; Playwright's own browsers are not downloaded) and axe-core comes
from ``tests/browser/node_modules`` (``npm ci --prefix tests/browser``). Where either is missing the tests skip on a
developer machine and fail in CI (``CI=true``), so the gate cannot silently vanish there.

Screenshots of every page are written to ``reports/screenshots/`` (a CI artefact).
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = REPO / "reports" / "screenshots"
IN_CI = os.environ.get("CI", "").lower() == "true"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
STARTUP_SECONDS = 120


def _unavailable(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"browser tests are required in CI (CI=true) but {reason}")
    pytest.skip(f"browser tests skipped: {reason}")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def demo_database(tmp_path_factory: pytest.TempPathFactory) -> str:
    """URL of the demo SQLite database the app runs on (tests read the truth behind a page from it)."""
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} is not installed (apt-get install chromium)")
    from data.db import make_engine
    from data.demo import build_demo

    url = f"sqlite:///{tmp_path_factory.mktemp('demo') / 'demo.sqlite'}"
    engine = make_engine(url)
    build_demo(engine)
    engine.dispose()
    return url


@contextlib.contextmanager
def serve_app(database_url: str, folder: Path, *, demo_on_empty: bool = True) -> Iterator[str]:
    """``streamlit run app.py`` on ``database_url`` on a free port; yields its base URL, stops it afterwards."""
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "DEMO_ON_EMPTY": "true" if demo_on_empty else "false"}
    log = (folder / "streamlit.log").open("w")
    process = subprocess.Popen(
        [
            sys.executable, "-m", "streamlit", "run", "app.py",
            "--server.port", str(port), "--server.address", "127.0.0.1", "--server.headless", "true",
            "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none",
        ],
        cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + STARTUP_SECONDS
    while True:
        with contextlib.suppress(OSError), urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as response:
            if response.status == 200:
                break
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            log.close()
            pytest.fail(f"streamlit did not start: {(folder / 'streamlit.log').read_text()[-2000:]}")
        time.sleep(0.5)
    try:
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


@pytest.fixture(scope="session")
def app_url(tmp_path_factory: pytest.TempPathFactory, demo_database: str) -> Iterator[str]:
    """Base URL of the app running on the demo database (started for the session, stopped after it)."""
    with serve_app(demo_database, tmp_path_factory.mktemp("browser")) as base:
        yield base


@pytest.fixture(scope="module")
def realdata_app_url(pytestconfig: pytest.Config, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of the app on the real-data database (``load-folder`` of shared/realdata; cached between sessions
    by ``tests/realdata_database.py``). Module-scoped: it runs only while its tests do, beside no other."""
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} is not installed (apt-get install chromium)")
    from tests.realdata_database import realdata_cache_dir, realdata_sqlite

    url = realdata_sqlite(realdata_cache_dir(pytestconfig, tmp_path_factory))
    with serve_app(url, tmp_path_factory.mktemp("browser-realdata"), demo_on_empty=False) as base:
        yield base


@pytest.fixture(scope="session")
def browser(app_url: str, playwright: object) -> Iterator[object]:
    """Debian's Chromium, headless, through the run's one Playwright driver (tests/conftest.py)."""
    chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    yield chromium
    chromium.close()


@pytest.fixture
def page(browser: object, app_url: str) -> Iterator[object]:
    """A fresh page (own context: own Streamlit session), recording requests that leave the machine."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    page = context.new_page()
    page.external_requests = []  # type: ignore[attr-defined]
    page.on(
        "request",
        lambda request: page.external_requests.append(request.url)  # type: ignore[attr-defined]
        if not request.url.startswith((app_url, "data:", "blob:", "about:"))
        else None,
    )
    yield page
    context.close()


@pytest.fixture(scope="session")
def axe_script() -> Path:
    """Path of axe-core's browser build (installed by npm into tests/browser)."""
    if not AXE.exists():
        _unavailable(f"{AXE} is missing (npm ci --prefix tests/browser)")
    return AXE
