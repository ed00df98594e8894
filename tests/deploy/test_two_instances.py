"""Two instances behind nginx on one database: same data, sticky sessions, an import seen by both, and failover.

Which instance served a request is read from nginx's access log (``$upstream_addr``), never from a response header.
Browsers are told apart in the log by a marker in their user agent. This module's last test stops instance a;
the ``cluster`` fixture restarts it for whatever runs next.
"""

from __future__ import annotations

import time
from pathlib import Path

import pandas as pd
import pytest
from sqlmodel import Session

from data import queries
from data.db import make_engine
from tests.browser.conftest import SCREENSHOTS
from tests.browser.helpers import EXCEPTION, open_page, screenshot, wait_until_idle
from tests.deploy.cluster import (
    CACHE_CHECK_SECONDS,
    Cluster,
    answered_by,
    read_access_log,
    request,
    tls_context,
    wait_for_log,
)

pytestmark = pytest.mark.hosted

SYSTEM = "North Central London"
RENAMED = "NCL renamed through instance A"
RENAME_FILE = f"level,code,name,parent_code,ons_code\nsystem,QMJ,{RENAMED},,E54000028\n".encode()
STREAM = "/_stcore/stream"


def _headline(page) -> str:
    return page.locator('[data-testid="stHeadingWithActionElements"] h3').first.inner_text()


def _last_loaded(page) -> str:
    return page.locator('[data-testid="stCaptionContainer"]').filter(has_text="Last loaded").last.inner_text()


def _register_csv(page) -> str:
    """The Overview's benefits register, as its CSV download (the grid itself is drawn on a canvas)."""
    with page.expect_download(timeout=60_000) as info:
        page.locator('[data-testid="stDownloadButton"] button').filter(has_text="CSV", visible=True).last.click()
    text = Path(info.value.path()).read_text(encoding="utf-8-sig")
    return "\n".join(line for line in text.splitlines() if not line.startswith("# Exported:"))


def _choose(page, label: str, option: str) -> None:
    """Pick ``option`` in the sidebar selectbox ``label`` and wait for the rerun."""
    page.locator('[data-testid="stSidebar"]').get_by_role("combobox", name=label, exact=True).click()
    page.get_by_role("option", name=option, exact=True).click()
    wait_until_idle(page)


def _in_area(page) -> str:
    """The area the Overview's headline is about ("4 of 15 KPIs off track in Camden (...)." -> "Camden")."""
    return _headline(page).split(" off track in ", 1)[1].rsplit(" (", 1)[0]


def _requests_of(entries: list[dict[str, object]]) -> list[str]:
    return [str(e["request"]).split()[1].split("?")[0] for e in entries]


def test_both_instances_serve_the_same_data_from_this_database(cluster: Cluster, visitor):
    engine = make_engine(cluster.database_url)
    with Session(engine) as session:
        newest = queries.provenance(session=session).iloc[0]
    engine.dispose()
    expected_caption = f"Last loaded {pd.Timestamp(newest['finished_at']):%d %b %Y %H:%M} from {newest['file_name']}"
    people = {label: visitor(f"direct-{label}") for label in ("a", "b")}
    for label, person in people.items():  # straight to each instance, not through nginx; both load at once
        person.page.goto(f"{cluster.direct(label)}/", wait_until="commit")
    seen = {}
    for label, person in people.items():
        wait_until_idle(person.page)
        assert person.page.locator(EXCEPTION).count() == 0
        seen[label] = (_headline(person.page), _last_loaded(person.page), _register_csv(person.page))
    assert seen["a"] == seen["b"]
    headline, caption, register = seen["a"]
    assert "KPIs off track in" in headline
    assert expected_caption in caption  # the newest import in *this* database, with its time to the minute
    assert len(register.splitlines()) > 10 and "Workstream" in register


def test_a_browser_sticks_to_one_instance_for_pages_and_websocket(cluster: Cluster, visitor):
    person = visitor("sticky")  # new to nginx: no route cookie yet
    open_page(person.page, cluster.base, "/")
    route = person.route()
    assert route in cluster.instances
    _choose(person.page, "Borough", "Camden")
    open_page(person.page, cluster.base, "/trajectories")  # a second page load: new HTTP requests, new WebSocket
    person.context.close()  # nginx logs a WebSocket when it closes
    wait_for_log(
        cluster.access_log,
        lambda e: person.marker in str(e["user_agent"]) and STREAM in str(e["request"]),
        minimum=2,
    )
    entries = person.log(cluster.access_log)
    paths = _requests_of(entries)
    assert paths.count(STREAM) == 2 and "/" in paths and any(p.startswith("/static/js/") for p in paths)
    assert {answered_by(e) for e in entries} == {cluster.instances[route].address}, entries
    without_cookie = [e for e in entries if e["route"] != route]
    assert _requests_of(without_cookie) == ["/"]  # the first request chose the instance; the rest carried the cookie
    # without the cookie nginx spreads requests over both instances, so the stickiness above is the cookie's
    spread = set()
    for _ in range(4):
        spread.add(cluster.label_of(answered_by(_health_via_proxy(cluster))))
    assert spread == {"a", "b"}


def _health_via_proxy(cluster: Cluster) -> dict[str, object]:
    """Ask nginx for /_stcore/health without a route cookie; the log entry says which instance answered."""
    marker = f"deploy-test/no-cookie-{time.monotonic_ns()}"
    request(
        cluster.ports.https, "GET", "/_stcore/health", context=tls_context(cluster.cert), headers={"User-Agent": marker}
    )
    return wait_for_log(cluster.access_log, lambda e: e["user_agent"] == marker)[0]


def test_an_import_through_one_instance_is_seen_through_the_other(cluster: Cluster, visitor):
    on_b = visitor("reader-on-b", route="b")
    open_page(on_b.page, cluster.base, "/")
    assert f"in {SYSTEM} (" in _headline(on_b.page)  # instance b has cached the name before the import

    on_a = visitor("importer-on-a", route="a")
    open_page(on_a.page, cluster.base, "/data")
    on_a.page.locator('[data-testid="stSelectbox"]').filter(has_text="What are you importing?").click()
    on_a.page.get_by_role("option", name="Areas (systems, boroughs, sub-ICB codes, PCNs) and link corrections").click()
    wait_until_idle(on_a.page)
    on_a.page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(
        {"name": "rename-system.csv", "mimeType": "text/csv", "buffer": RENAME_FILE}
    )
    wait_until_idle(on_a.page)
    on_a.page.get_by_role("button", name="Load into the database").click()
    wait_until_idle(on_a.page)
    assert on_a.page.locator(EXCEPTION).count() == 0
    assert on_a.page.get_by_text("rename-system.csv: Loaded.", exact=False).count() >= 1

    imported = [e for e in on_a.log(cluster.access_log) if "/_stcore/upload_file/" in str(e["request"])]
    assert imported and {answered_by(e) for e in imported} == {cluster.instances["a"].address}

    # instance b: a new page view after its cache check interval shows the new name (its cache was cleared)
    deadline = time.monotonic() + 10 * CACHE_CHECK_SECONDS + 20
    while True:
        on_b.page.wait_for_timeout(CACHE_CHECK_SECONDS * 1000 + 200)
        open_page(on_b.page, cluster.base, "/")
        if RENAMED in _headline(on_b.page) or time.monotonic() > deadline:
            break
    screenshot(on_b.page, SCREENSHOTS, "deploy-import-seen-on-b")
    assert f"in {RENAMED} (" in _headline(on_b.page)
    assert "rename-system.csv" in _last_loaded(on_b.page)
    assert on_b.errors == [] and on_a.errors == []
    addresses = {answered_by(e) for e in on_b.log(cluster.access_log)}
    assert addresses == {cluster.instances["b"].address}


def test_stopping_an_instance_moves_its_sessions_to_the_other_which_keep_working(cluster: Cluster, visitor):
    person = visitor("failover", route="a")
    open_page(person.page, cluster.base, "/")
    bystander = visitor("bystander-on-b", route="b")
    open_page(bystander.page, cluster.base, "/")
    sockets: list[str] = []
    person.page.on("websocket", lambda ws: sockets.append(ws.url))
    bystander_sockets: list[str] = []
    bystander.page.on("websocket", lambda ws: bystander_sockets.append(ws.url))
    log_length = len(read_access_log(cluster.access_log))

    cluster.instances["a"].stop()  # as a service manager would: SIGTERM
    deadline = time.monotonic() + 30
    while not sockets:  # Streamlit's client notices, polls health through nginx, and reconnects by itself
        assert time.monotonic() < deadline, "the page did not reconnect its WebSocket"
        person.page.wait_for_timeout(200)
    wait_until_idle(person.page)
    assert person.route() == "b"
    _choose(person.page, "Borough", "Camden")  # an interaction: a rerun on instance b
    assert _in_area(person.page) == "Camden"
    assert person.page.locator(EXCEPTION).count() == 0
    assert person.page.get_by_text("Connection error", exact=False).count() == 0
    screenshot(person.page, SCREENSHOTS, "deploy-failover")

    # a session that was on b all along kept its connection and works as before
    _choose(bystander.page, "Borough", "Enfield")
    assert _in_area(bystander.page) == "Enfield" and bystander.page.locator(EXCEPTION).count() == 0
    assert bystander_sockets == [] and bystander.route() == "b"

    cluster.ensure_running()  # instance a is back: the session stays on b all the same
    _choose(person.page, "Borough", "Islington")
    assert _in_area(person.page) == "Islington"
    open_page(person.page, cluster.base, "/variation")
    assert person.page.locator(EXCEPTION).count() == 0 and person.errors == []
    assert person.route() == "b"
    person.context.close()

    a, b = cluster.instances["a"].address, cluster.instances["b"].address
    wait_for_log(
        cluster.access_log,
        lambda e: person.marker in str(e["user_agent"]) and STREAM in str(e["request"]) and answered_by(e) == b,
        minimum=2,
    )
    after_stop = [e for e in read_access_log(cluster.access_log)[log_length:] if person.marker in str(e["user_agent"])]
    cut = [e for e in after_stop if answered_by(e) == a]
    assert len(cut) == 1 and STREAM in str(cut[0]["request"])  # only the WebSocket the stop cut off
    assert any(str(e["upstream"]).startswith(f"{a}, {b}") for e in after_stop)  # nginx retried on b
    on_b = [e for e in after_stop if answered_by(e) == b]
    assert len(on_b) == len(after_stop) - 1
    assert any(STREAM in str(e["request"]) and int(e["bytes"]) > 0 for e in on_b)  # b drew the reruns
