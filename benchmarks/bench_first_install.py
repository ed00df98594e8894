"""Time the first view of a new install: an empty SQLite database, the demo built on the first visit (README).

    PYTHONPATH=. .venv/bin/python benchmarks/bench_first_install.py [--runs 2]

Each run starts ``streamlit run app.py`` on a database file that does not exist yet (``DEMO_ON_EMPTY=true``), opens
the Overview in Debian's Chromium and waits until the progress message has come and gone and the KPI cards are
drawn. It prints the wall-clock time from navigation to that moment, the server process's CPU time over the same
span (user + system, from ``/proc``), and the load average before and after: on a shared machine the wall-clock
time is mostly waiting for a core, the CPU time is what the first view costs. Only figures are printed; nothing is
asserted (targets live in benchmarks, not tests).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.bench_pages import CHROMIUM, CHROMIUM_ARGS, _free_port  # noqa: E402
from tests.browser.helpers import wait_until_idle  # noqa: E402

METRIC = '[data-testid="stMetric"]'  # a KPI card: the Overview has drawn its data


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of process ``pid`` so far (Linux ``/proc/<pid>/stat``, fields 14 and 15)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def first_view(folder: Path) -> tuple[float, float, float, float]:
    """(wall-clock s, server CPU s, load average before, after) of one new install's first view."""
    from playwright.sync_api import sync_playwright

    port = _free_port()
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{folder / 'new.sqlite'}", "DEMO_ON_EMPTY": "true"}
    with (folder / "streamlit.log").open("w") as log:
        server = subprocess.Popen(
            [
                sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
                "--server.address", "127.0.0.1", "--server.headless", "true",
                "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none",
            ],
            cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        while True:
            with contextlib.suppress(OSError), urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    break
            if server.poll() is not None:
                raise SystemExit((folder / "streamlit.log").read_text()[-2000:])
            time.sleep(0.3)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_context(viewport={"width": 1440, "height": 900}).new_page()
            load_before, cpu_before, start = os.getloadavg()[0], cpu_seconds(server.pid), time.perf_counter()
            page.goto(base, wait_until="domcontentloaded", timeout=120_000)
            page.get_by_text("Preparing the database", exact=False).wait_for(timeout=120_000)
            wait_until_idle(page, timeout_s=600)
            page.locator(METRIC).first.wait_for(timeout=120_000)
            wall, cpu = time.perf_counter() - start, cpu_seconds(server.pid) - cpu_before
            browser.close()
        return wall, cpu, load_before, os.getloadavg()[0]
    finally:
        server.terminate()
        server.wait(timeout=15)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2, help="new installs to time (default 2)")
    args = parser.parse_args()
    print(f"{'run':>4} {'wall-clock s':>13} {'server CPU s':>13} {'load before':>12} {'load after':>11}")
    for run in range(1, args.runs + 1):
        with tempfile.TemporaryDirectory() as folder:
            wall, cpu, before, after = first_view(Path(folder))
        print(f"{run:>4} {wall:>13.1f} {cpu:>13.1f} {before:>12.1f} {after:>11.1f}")


if __name__ == "__main__":
    main()
