"""Time the dashboard's hot queries on an existing database (build one with `python -m data.manage rebuild`).

    DATABASE_URL=sqlite:///var/england.sqlite PYTHONPATH=. .venv/bin/python benchmarks/bench_queries.py

Prints the row count and best-of-3 time of: one KPI and period across all practices (funnel and map query),
one KPI and area across all periods (trajectory query), the whole register of the system, and a funnel.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date

import pandas as pd
from sqlalchemy import func, select
from sqlmodel import Session

from data import queries
from data.analysis import funnel_for
from data.db import make_engine
from data.register import build_register
from models import KpiObservation
from settings import get_settings


def best_of(fn: Callable[[], object], repeat: int = 3) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def main() -> None:
    settings = get_settings()
    engine = make_engine(settings.resolved_database_url)
    with Session(engine) as session:
        total = session.execute(select(func.count()).select_from(KpiObservation)).scalar_one()
        print(f"database: {settings.resolved_database_url} ({total:,} KPI observations)")
        cases: dict[str, Callable[[], pd.DataFrame]] = {
            "funnel query (AE_RATE, all practices, Mar 2024)": lambda: queries.kpi_period_across_areas(
                session=session, kpi_code="AE_RATE", level="practice", period_start=date(2024, 3, 1)
            ),
            "trajectory query (AE_RATE, one borough, 96 months)": lambda: queries.area_series(
                session=session, level="borough", area_code="E09000010", kpi_codes=["AE_RATE"]
            ),
        }
        for label, fn in cases.items():
            seconds, frame = best_of(fn)
            print(f"{label:58s} {len(frame):7,d} rows {seconds * 1000:8.1f} ms")

        def register() -> pd.DataFrame:
            catalogue = queries.kpi_catalogue(session=session)
            codes = catalogue["kpi_code"].tolist()
            series = queries.area_series(session=session, level="system", area_code="QMJ", kpi_codes=codes)
            plans = queries.area_plans(session=session, level="system", area_code="QMJ", kpi_codes=codes)
            return build_register(catalogue, series, plans, level="system")

        seconds, frame = best_of(register)
        print(f"{'register of the system (all KPIs)':58s} {len(frame):7,d} rows {seconds * 1000:8.1f} ms")
        rows = cases["funnel query (AE_RATE, all practices, Mar 2024)"]()
        seconds, _ = best_of(lambda: funnel_for(rows, "rate", 1000))
        print(f"{'funnel statistics over those practices':58s} {len(rows):7,d} rows {seconds * 1000:8.1f} ms")


if __name__ == "__main__":
    main()
