"""Time every page in headless Chromium against a bare Streamlit page (the floor), and print the ratios.

    PYTHONPATH=. .venv/bin/python benchmarks/bench_pages.py                      # a fresh NCL demo on SQLite
    PYTHONPATH=. .venv/bin/python benchmarks/bench_pages.py --database-url sqlite:///var/england.sqlite
    PYTHONPATH=. .venv/bin/python benchmarks/bench_pages.py --database-url postgresql://postgres@127.0.0.1/test

Two servers run side by side: ``streamlit run app.py`` on the given database and ``benchmarks/floor_app.py`` (a
title, a sidebar selectbox and one small chart). For each page, and for the floor, the script measures in
Debian's Chromium (``/usr/bin/chromium``):

- **first ever view**: the first visit of each page after the server started (cold caches), once;
- **first view**: a new browser session opens the page; from navigation to the end of the first script run;
- **new borough**: the sidebar borough filter is changed to a borough this server has not drawn the page for; from
  the click on the option to the end of the run it starts, repeated ``--runs`` times over different boroughs;
- **warm rerun**: the same filter changed back to boroughs drawn before (caches primed: what a board member
  switching between boroughs waits for), ``--runs`` times;
- **map click** (Map page only): a click on the middle of the map, to the end of the run it starts;
- **page control**: a click on one of the page's own controls (``CONTROLS``: the Variation's overdispersion
  toggle, the Map's practices toggle, the Care homes' measure), to the end of the run it starts: these sit in
  ``st.fragment`` regions, so only the region reruns (issue 14).

A run's end is the moment Streamlit's app element reports ``notRunning`` and stays so for 0.5 s, recorded in the
page by a MutationObserver (so the settling wait is not counted); a run so quick that the element never showed
``running`` ends at its last change to the page. Medians are printed with the ratio to the
floor's median. Only figures are printed; nothing is asserted (issue 14: targets live in benchmarks, not tests).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
PAGES = ("/", "/trajectories", "/variation", "/map", "/care_homes", "/about", "/finance", "/delivery", "/risks")
# a page's own controls (labels clicked in turn) whose change reruns only their fragment
CONTROLS = {
    "/variation": ("Adjust for overdispersion",),
    "/map": ("GP practices",),
    "/care_homes": ("Ambulance call-outs", "Emergency admissions"),
}
OBSERVER = """() => {
  window.__runs = [];
  window.__changed = 0;
  const app = document.querySelector('[data-testid="stApp"]');
  const note = () => window.__runs.push([performance.now(), app.getAttribute('data-test-script-state')]);
  new MutationObserver(note).observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});
  const main = document.querySelector('[data-testid="stMain"]') || app;
  new MutationObserver(() => { window.__changed = performance.now(); })
    .observe(main, {subtree: true, childList: true, attributes: true, characterData: true});
  note();
}"""


@dataclass
class Timings:
    """Seconds measured for one page."""

    first: list[float] = field(default_factory=list)
    new: list[float] = field(default_factory=list)
    rerun: list[float] = field(default_factory=list)
    click: list[float] = field(default_factory=list)
    control: list[float] = field(default_factory=list)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def _server(script: str, env: dict[str, str], log: Path) -> Iterator[str]:
    port = _free_port()
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", script, "--server.port", str(port), "--server.address",
             "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false",
             "--server.fileWatcherType", "none"],
            cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 180
        while True:
            with contextlib.suppress(OSError), urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    break
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                sys.exit(f"{script} did not start; see {log}")
            time.sleep(0.3)
        try:
            yield base
        finally:
            process.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=15)


def _run_end(page: object, since: float, timeout_s: float = 180, *, started: bool = False) -> float:
    """Seconds from ``since`` (performance.now() ms) to the end of the script run started after it (``started``:
    the run may have begun before the observer was installed, as on a first view)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        runs = page.evaluate("() => window.__runs")
        after = [(t, s) for t, s in runs if t >= since]
        began = started or any(s == "running" for _, s in after)
        now = page.evaluate("() => performance.now()")
        if began and after[-1][1] == "notRunning" and now - after[-1][0] > 500:
            return (after[-1][0] - since) / 1000
        changed = page.evaluate("() => window.__changed")
        if not began and now - since > 3000 and changed > since and now - changed > 500:
            # a run so quick that the app's state attribute never showed "running" (React drew both states in
            # one frame): it ended with its last change to the page
            return (changed - since) / 1000
        page.wait_for_timeout(100)
    raise TimeoutError("the script run did not finish")


def _first_view(browser: object, url: str) -> tuple[object, object, float]:
    context = browser.new_context(viewport={"width": 1440, "height": 1000})
    page = context.new_page()
    start = time.perf_counter()
    page.goto(url, wait_until="domcontentloaded", timeout=180_000)
    page.wait_for_selector('[data-testid="stApp"]', state="attached", timeout=180_000)
    page.evaluate(OBSERVER)
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', state="attached",
                           timeout=180_000)
    _run_end(page, 0, started=True)
    ends = [t for t, s in page.evaluate("() => window.__runs") if s == "notRunning"]
    first = time.perf_counter() - start
    if ends:  # navigation start to the last end of a run, as the page's own clock saw it
        first = ends[-1] / 1000
    return context, page, first


def _choose_borough(page: object, index: int) -> float:
    """Open the sidebar's Borough select and pick option ``index``; returns performance.now() at the click."""
    page.locator('[data-testid="stSidebar"]').get_by_role("combobox", name="Borough", exact=True).click()
    options = page.get_by_role("option")
    options.first.wait_for(timeout=30_000)
    option = options.nth(index % options.count())
    clicked = page.evaluate("() => performance.now()")
    option.click()
    return clicked


def _map_click(page: object) -> float:
    canvas = page.locator('[data-testid="stDeckGlJsonChart"] canvas').first
    canvas.wait_for(timeout=60_000)
    box = canvas.bounding_box()
    clicked = page.evaluate("() => performance.now()")
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    return clicked


def _control_click(page: object, label: str) -> float:
    """Click the page's own control labelled ``label`` (a toggle or a radio option); returns the click's time."""
    target = page.locator('[data-testid="stMain"]').get_by_text(label, exact=True).first
    target.wait_for(timeout=60_000)
    clicked = page.evaluate("() => performance.now()")
    target.click()
    return clicked


def measure(browser: object, base: str, path: str, runs: int, *, map_click: bool = False) -> Timings:
    """First views (``runs`` new sessions), reruns after a change to a new borough and back to boroughs seen
    before (the first view's, then each new one in turn), for one page."""
    timings = Timings()
    for attempt in range(runs):
        context, page, first = _first_view(browser, f"{base}{path}")
        timings.first.append(first)
        if attempt == 0:
            for i in range(runs):
                timings.new.append(_run_end(page, _choose_borough(page, i + 1)))
            for i in range(runs):
                timings.rerun.append(_run_end(page, _choose_borough(page, i)))
            for i in range(runs if path in CONTROLS else 0):
                labels = CONTROLS[path]
                with contextlib.suppress(TimeoutError):
                    timings.control.append(_run_end(page, _control_click(page, labels[i % len(labels)]),
                                                    timeout_s=60))
            if map_click:
                for _ in range(runs):
                    with contextlib.suppress(TimeoutError):  # a click on a gap between areas starts no run
                        timings.click.append(_run_end(page, _map_click(page), timeout_s=20))
        context.close()
    return timings


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def _cell(value: float | None, floor: float | None) -> str:
    if value is None:
        return "-"
    ratio = f" ({value / floor:.1f}x)" if floor else ""
    return f"{value:.2f} s{ratio}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="the app's database (default: a fresh NCL demo on SQLite)")
    parser.add_argument("--runs", type=int, default=5, help="first views and reruns per page (default 5)")
    parser.add_argument("--pages", nargs="*", default=list(PAGES), help="URL paths to time (default: all)")
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        url = args.database_url
        if url is None:
            from data.db import make_engine
            from data.demo import build_demo

            url = f"sqlite:///{folder / 'demo.sqlite'}"
            engine = make_engine(url)
            build_demo(engine)
            engine.dispose()
        env = {**os.environ, "DATABASE_URL": url, "DEMO_ON_EMPTY": "false", "PYTHONPATH": str(REPO)}
        with (
            _server("app.py", env, folder / "app.log") as app,
            _server("benchmarks/floor_app.py", env, folder / "floor.log") as floor,
            sync_playwright() as driver,
        ):
            browser = driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            cold = {}
            for path in args.pages:  # the first ever view of each page: cold caches
                context, _page, seconds = _first_view(browser, f"{app}{path}")
                cold[path] = seconds
                context.close()
            floor_context, _page, floor_cold = _first_view(browser, f"{floor}/")
            floor_context.close()
            base_line = measure(browser, floor, "/", args.runs)
            floor_first, floor_rerun = _median(base_line.first), _median(base_line.rerun + base_line.new)
            print(f"database: {url.split('@')[-1]}; {args.runs} runs; medians (ratio to the floor)")
            print(f"{'page':16} {'first ever view':>18} {'first view':>18} {'new borough':>18} {'warm rerun':>18} "
                  f"{'map click':>18} {'page control':>18}")
            print(f"{'bare floor':16} {_cell(floor_cold, None):>18} {_cell(floor_first, None):>18} "
                  f"{_cell(floor_rerun, None):>18} {_cell(floor_rerun, None):>18} {'-':>18} {'-':>18}")
            for path in args.pages:
                t = measure(browser, app, path, args.runs, map_click=path == "/map")
                print(f"{path:16} {_cell(cold[path], floor_cold):>18} {_cell(_median(t.first), floor_first):>18} "
                      f"{_cell(_median(t.new), floor_rerun):>18} {_cell(_median(t.rerun), floor_rerun):>18} "
                      f"{_cell(_median(t.click), floor_rerun):>18} "
                      f"{_cell(_median(t.control), floor_rerun):>18}",
                      flush=True)
            browser.close()


if __name__ == "__main__":
    main()
