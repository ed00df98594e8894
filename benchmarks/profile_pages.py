"""Profile each page's warm rerun in-process (AppTest): CPU seconds per page and the top functions by cumulative time.

    PYTHONPATH=. .venv/bin/python benchmarks/profile_pages.py --database-url sqlite:////tmp/demo.sqlite [--top 25]

A warm rerun is what a user's filter change costs the server: the page is run once (caches primed), the sidebar
borough is changed, and the reruns after it are timed (``--revisit``: to boroughs already seen, so the caches
keyed by borough are filled), then one more is profiled with cProfile for the breakdown (the timed runs are not
profiled: the profiler itself multiplies the CPU of pandas-heavy code two to three times). Process CPU time (not
wall-clock) is printed, so the figures stay meaningful on a shared machine; payload is the serialised size of the
elements the last rerun drew (the protobuf deltas a browser receives); "per rerun" splits the profiled CPU by
the file that spent it (``CATEGORIES``: queries, statistics, Altair, frame shaping, serialisation, Streamlit's runtime).
``--app-dir /other/checkout`` profiles another checkout's app (before and after a change, on one database).
Nothing is asserted: it is a tool for finding where time goes.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# where a rerun's own (exclusive) CPU time is spent, by the file that spent it: first match wins
CATEGORIES = (
    ("queries (SQLAlchemy, drivers)", ("sqlalchemy", "sqlite3", "psycopg", "/data/queries.py", "/data/db.py")),
    ("statistics (data/stats, analysis, narrative)", ("/data/stats/", "/data/analysis.py", "/data/narrative.py",
                                                      "/data/summary.py", "/data/register.py", "scipy")),
    ("Altair spec building and validation", ("altair", "jsonschema", "referencing", "/components/charts.py",
                                             "/components/maps.py", "/components/programme.py")),
    ("pydeck and geometry", ("pydeck", "shapely", "/geo/")),
    ("frame shaping (pandas, numpy)", ("pandas", "numpy")),
    ("serialisation (protobuf, Arrow, JSON)", ("protobuf", "pyarrow", "json", "narwhals")),
    ("Streamlit runtime (elements, caching, hashing)", ("streamlit",)),
)
PAGES = ("overview", "trajectories", "variation", "map", "care_homes", "about", "finance", "delivery", "risks")


def _payload(node: object, sizes: dict[str, int]) -> None:
    """Add up the serialised size of every element under ``node`` by element type (what a rerun sends)."""
    proto = getattr(node, "proto", None)
    children = getattr(node, "children", None)
    if proto is not None and not children and hasattr(proto, "ByteSize"):
        kind = getattr(node, "type", type(node).__name__)
        sizes[kind] = sizes.get(kind, 0) + proto.ByteSize()
    for child in (children.values() if isinstance(children, dict) else children or []):
        _payload(child, sizes)


def breakdown(profiler: cProfile.Profile) -> list[tuple[str, float]]:
    """The profiled CPU seconds split by ``CATEGORIES`` (exclusive time of each function, by its file)."""
    totals: dict[str, float] = {}
    for (filename, _, _), (_, _, tottime, _, _) in pstats.Stats(profiler).stats.items():  # type: ignore[attr-defined]
        name = next((label for label, marks in CATEGORIES if any(m in filename for m in marks)), "other (pages, "
                    "components, the interpreter)")
        totals[name] = totals.get(name, 0.0) + tottime
    return sorted(totals.items(), key=lambda kv: -kv[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--pages", nargs="*", default=list(PAGES))
    parser.add_argument("--top", type=int, default=0, help="print the top N functions by cumulative time")
    parser.add_argument("--runs", type=int, default=3, help="warm reruns per page (the median CPU is printed)")
    parser.add_argument("--app-dir", type=Path, default=REPO, help="the checkout whose app.py is profiled")
    parser.add_argument("--revisit", action="store_true", help="profile boroughs already visited (cache hits)")
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = args.database_url
    os.environ["DEMO_ON_EMPTY"] = "false"
    repo = args.app_dir.resolve()
    sys.path.insert(0, str(repo))
    os.chdir(repo)

    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.testing.v1 import AppTest
    from streamlit.testing.v1 import app_test as app_test_module

    class _Manager(PagesManager):  # as tests/app/conftest.py: reruns keep app.py's sidebar
        def __init__(self, *a: object, **k: object) -> None:
            PagesManager.uses_pages_directory = False
            super().__init__(*a, **k)

    app_test_module.PagesManager = _Manager
    from streamlit.runtime.scriptrunner import script_runner

    profiling: dict[str, cProfile.Profile | None] = {"profiler": None}
    original = script_runner.exec_func_with_error_handling

    def profiled(func: object, ctx: object) -> object:  # the script runs in its own thread: profile it there
        profiler = profiling["profiler"]
        if profiler is None:
            return original(func, ctx)
        profiler.enable()
        try:
            return original(func, ctx)
        finally:
            profiler.disable()

    script_runner.exec_func_with_error_handling = profiled
    for name in args.pages:
        at = AppTest.from_file(str(repo / "app.py"), default_timeout=600)
        t0, c0 = time.perf_counter(), time.process_time()
        at.switch_page(f"pages/{name}.py").run()
        first = (time.perf_counter() - t0, time.process_time() - c0)
        if at.exception:
            print(name, "exception", [e.value for e in at.exception])
            continue
        from sqlmodel import Session

        from data.db import make_engine
        from data.queries import boroughs
        from settings import get_settings

        with Session(make_engine(args.database_url)) as session:
            options = boroughs(session=session, system_code=get_settings().system_code)["code"].tolist()
        cpus = []
        profiler = cProfile.Profile(time.thread_time)  # CPU of the script's thread: a busy machine adds no waits
        if args.revisit:  # visit each borough once first, so the profiled reruns find their caches filled
            for code in options:
                at.selectbox(key="borough").set_value(code)
                at.run()
        for i in range(args.runs):  # timed without the profiler (cProfile multiplies pandas-heavy code's CPU)
            at.selectbox(key="borough").set_value(options[(i + 1) % len(options)])
            c0 = time.process_time()
            at.run()
            cpus.append(time.process_time() - c0)
        # one more rerun of the same kind, profiled, for where the time goes
        at.selectbox(key="borough").set_value(options[0 if args.revisit else (args.runs + 1) % len(options)])
        profiling["profiler"] = profiler
        at.run()
        profiling["profiler"] = None
        cpus.sort()
        sizes: dict[str, int] = {}
        _payload(at._tree, sizes)
        heavy = ", ".join(f"{k} {v / 1e3:.0f} kB" for k, v in sorted(sizes.items(), key=lambda kv: -kv[1])[:4])
        print(f"{name:14s} payload {sum(sizes.values()) / 1e3:.0f} kB ({heavy})")
        print(f"{name:14s} first {first[0]:6.2f} s wall {first[1]:6.2f} s cpu | warm rerun cpu median "
              f"{cpus[len(cpus) // 2]:.3f} s {[round(c, 3) for c in cpus]}", flush=True)
        split = breakdown(profiler)
        whole = sum(seconds for _, seconds in split) or 1.0
        print(f"{name:14s} where the CPU went: " + "; ".join(f"{label} {seconds / whole:.0%}" for label, seconds
                                                             in split if seconds / whole >= 0.005), flush=True)
        if args.top:
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(args.top)
            print("\n".join(line for line in out.getvalue().splitlines() if line.strip())[:12000], flush=True)


if __name__ == "__main__":
    main()
