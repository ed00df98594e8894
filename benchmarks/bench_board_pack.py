"""Benchmark: the board pack (issue 15) for NCL and for one borough on the demo database, phase by phase.

Run from the repository root:  .venv/bin/python benchmarks/bench_board_pack.py [DATABASE_URL]
(default: a fresh demo in a temporary SQLite file). Prints CPU seconds (``time.process_time``, so other
processes on a shared machine do not count) for each phase: gathering the numbers (``data.board_pack.gather``),
drawing the charts and HTML (``pack_html``: Altair specs, vl-convert SVG) and WeasyPrint's layout and PDF.
Timings are reported, never asserted.
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlmodel import Session
from weasyprint import HTML

from components.board_pack import pack_html
from data import queries
from data.board_pack import PackFilters, ViewFrames, gather
from data.db import make_engine
from data.demo import build_demo
from data.register import build_register
from data.summary import kpi_summary
from data.suppression import suppress_kpis
from settings import get_settings

ENFIELD = "E09000010"
T = TypeVar("T")


def cpu(fn: Callable[[], T]) -> tuple[T, float]:
    """(result, CPU seconds) of ``fn()``."""
    start = time.process_time()
    result = fn()
    return result, time.process_time() - start


def view_frames(session: Session, level: str, code: str, name: str, borough: str | None) -> ViewFrames:
    """What the Overview has cached for an area before its button is clicked (``data.cache`` computes the same)."""
    settings = get_settings()
    catalogue = queries.kpi_catalogue(session=session)
    codes = catalogue["kpi_code"].tolist()
    series = suppress_kpis(queries.area_series(session=session, level=level, area_code=code, kpi_codes=codes),
                           catalogue, settings.small_number_max)  # fmt: skip
    plans = queries.area_plans(session=session, level=level, area_code=code, kpi_codes=codes)
    register = build_register(catalogue, series, plans, level=level, tolerance=settings.status_tolerance)
    summary = kpi_summary(register, series, plans, catalogue, queries.milestones(session=session), area_name=name,
                          borough_code=borough, tolerance=settings.status_tolerance)  # fmt: skip
    return ViewFrames(catalogue, series, plans, register, summary)


def main() -> None:
    url = sys.argv[1] if len(sys.argv) > 1 else None
    if url is None:
        url = f"sqlite:///{Path(tempfile.mkdtemp()) / 'demo.sqlite'}"
        build_demo(make_engine(url))
    engine = make_engine(url)
    for name, filters in {"NCL": PackFilters(), "Enfield": PackFilters(borough=ENFIELD)}.items():
        for run in (1, 2):  # the first run pays for fonts and lazy imports once per process
            with Session(engine) as session:
                pack, t_gather = cpu(lambda s=session, f=filters: gather(s, f))
            markup, t_html = cpu(lambda p=pack: pack_html(p))
            pdf, t_pdf = cpu(lambda m=markup: HTML(string=m).write_pdf(pdf_variant="pdf/ua-1"))
            total = t_gather + t_html + t_pdf
            print(f"{name:8} run {run}: gather {t_gather:5.2f} s, charts+HTML {t_html:5.2f} s, "
                  f"WeasyPrint {t_pdf:5.2f} s, total {total:5.2f} s CPU ({len(pdf):,} bytes)")
        with Session(engine) as session:  # from the Overview: its cached frames reused
            view = view_frames(session, pack.area_level, pack.area_code, pack.area_name,
                               filters.borough)  # fmt: skip
            _, t_view = cpu(lambda s=session, f=filters, v=view: gather(s, f, view=v))
        print(f"{name:8} gather with the Overview's cached frames: {t_view:5.2f} s CPU")


if __name__ == "__main__":
    main()
