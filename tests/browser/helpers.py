"""Waiting for Streamlit in a real browser, and the pages the browser tier visits."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

SCRIPT_IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
EXCEPTION = '[data-testid="stException"]'
CHART = ".vega-embed svg, .vega-embed canvas"
SCROLLERS = '[data-testid="stMain"], [data-testid="stMainBlockContainer"], [data-testid="stSidebarContent"]'
MAP_CANVAS = '[data-testid="stDeckGlJsonChart"] canvas'


@dataclass(frozen=True)
class AppPage:
    """A page: its URL path (the page file's stem), title, and the element that shows it rendered."""

    name: str
    path: str
    title: str
    main: str


PAGES = (
    AppPage("overview", "/", "Benefits realisation", CHART),
    AppPage("summary", "/summary", "Integrated performance summary", '[data-testid="stDataFrame"]'),
    AppPage("trajectories", "/trajectories", "Trajectories", CHART),
    AppPage("variation", "/variation", "Variation", CHART),
    AppPage("map", "/map", "Map", MAP_CANVAS),
    AppPage("care_homes", "/care_homes", "Care homes", CHART),
    AppPage("about", "/about", "About the KPIs", '[data-testid="stExpander"]'),
    AppPage("finance", "/finance", "Finance and activity", CHART),
    AppPage("delivery", "/delivery", "Delivery", CHART),
    AppPage("risks", "/risks", "Risks", CHART),
    AppPage("data", "/data", "Data", '[data-testid="stFileUploader"], [data-testid="stTabs"], h1'),
)


def wait_until_idle(page: object, *, timeout_s: float = 90.0, settle_ms: int = 600) -> None:
    """Wait until the script run has finished (and stays finished) and the "Running..." widget is gone."""
    deadline = time.monotonic() + timeout_s
    while True:
        page.wait_for_selector(SCRIPT_IDLE, state="attached", timeout=timeout_s * 1000)
        page.wait_for_timeout(settle_ms)
        running = page.locator('[data-testid="stStatusWidget"]').filter(has_text="Running")
        if page.locator(SCRIPT_IDLE).count() == 1 and running.count() == 0:
            return
        if time.monotonic() > deadline:
            raise TimeoutError("the Streamlit script did not finish running")


def open_page(page: object, base: str, path: str, query: str = "") -> None:
    """Load ``path`` (with an optional ``?query``) and wait for the run to finish."""
    page.goto(f"{base}{path}{'?' + query if query else ''}", wait_until="domcontentloaded", timeout=90_000)
    wait_until_idle(page)


def screenshot(page: object, folder: Path, name: str) -> Path:
    """A screenshot of the whole page, as a person would see it scrolled through (the main area is tall)."""
    folder.mkdir(parents=True, exist_ok=True)
    height = page.evaluate(
        f"() => Math.max(...[...document.querySelectorAll('{SCROLLERS}')].map(e => e.scrollHeight),"
        " document.body.scrollHeight)"
    )
    size = page.viewport_size
    page.set_viewport_size({"width": size["width"], "height": min(max(int(height) + 40, size["height"]), 8000)})
    page.wait_for_timeout(800)  # charts re-lay out to the new size
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size(size)
    return path


# --------------------------------------------------------------------------- what the server sends (issue 13)


@dataclass
class Sent:
    """What the server sent a page, decoded: tables (Arrow data of charts and dataframes, inline chart values),
    JSON documents (chart specs, pydeck decks) and metrics (label, value text, sparkline numbers)."""

    tables: list = field(default_factory=list)
    documents: list = field(default_factory=list)
    metrics: list = field(default_factory=list)


def record_frames(page: object) -> list[bytes]:
    """Start recording the binary WebSocket frames the server sends ``page`` (Streamlit's ForwardMsg protobufs)."""
    frames: list[bytes] = []

    def on_socket(socket: object) -> None:
        socket.on("framereceived", lambda payload: frames.append(payload) if isinstance(payload, bytes) else None)

    page.on("websocket", on_socket)
    return frames


def _arrow_table(data: bytes) -> object:
    import pyarrow as pa

    with pa.ipc.open_stream(data) as reader:
        return reader.read_all().to_pandas()


def _walk(message: object, sent: Sent) -> None:
    """Collect every Arrow table, JSON spec and metric inside a protobuf message, however deeply nested."""
    import json

    name = message.DESCRIPTOR.name
    if name == "ArrowData" and message.data:
        sent.tables.append(_arrow_table(message.data))
        return
    if name == "Metric":
        sent.metrics.append((message.label, message.body, list(message.chart_data)))
    for field_descriptor, value in message.ListFields():
        if field_descriptor.message_type is not None:
            items = [value] if hasattr(value, "DESCRIPTOR") else value.values() if hasattr(value, "keys") else value
            for item in items:
                if hasattr(item, "DESCRIPTOR"):
                    _walk(item, sent)
        elif field_descriptor.name in ("spec", "json") and isinstance(value, str) and value.startswith("{"):
            sent.documents.append(json.loads(value))


def decode_frames(frames: list[bytes]) -> Sent:
    """Everything the recorded frames carried, decoded with Streamlit's own protobuf classes and pyarrow."""
    import pandas as pd
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    sent = Sent()
    for payload in frames:
        message = ForwardMsg()
        message.ParseFromString(payload)
        _walk(message, sent)
    for document in list(sent.documents):  # inline chart data ("values" lists of records) are tables too
        stack = [document]
        while stack:
            node = stack.pop()
            if isinstance(node, dict):
                values = node.get("values")
                if isinstance(values, list) and values and isinstance(values[0], dict):
                    sent.tables.append(pd.DataFrame(values))
                datasets = node.get("datasets")
                if isinstance(datasets, dict):
                    sent.tables.extend(pd.DataFrame(v) for v in datasets.values() if isinstance(v, list) and v)
                stack.extend(v for k, v in node.items() if k not in ("values", "datasets"))
            elif isinstance(node, list):
                stack.extend(node)
    return sent


DOWNLOADS = '[data-testid="stDownloadButton"]'


def download_all(page: object, labels: tuple[str, ...] = ("PNG", "SVG", "CSV")) -> list[tuple[str, str, bytes]]:
    """Click every download button labelled one of ``labels``, in page order; returns (label, suggested file name,
    bytes) for each. The label is the button's own word (PNG, SVG or CSV), read before it is clicked."""
    files = []
    widgets = page.locator(DOWNLOADS)
    widgets.first.wait_for(state="visible", timeout=60_000)
    wait_until_idle(page)
    page.wait_for_timeout(1000)  # elements below the first are still being laid out
    for i in range(widgets.count()):
        button = widgets.nth(i).locator("button").first
        label = next((word for word in ("PNG", "SVG", "CSV") if word in button.inner_text()), "")
        if label not in labels:
            continue
        button.scroll_into_view_if_needed()
        with page.expect_download(timeout=90_000) as info:
            button.click()
        download = info.value
        files.append((label, download.suggested_filename, Path(download.path()).read_bytes()))
    return files
