"""The stored KPI coverage summary: refreshed with every import, read by the pages instead of the observations.

``kpi_coverage`` holds one row per KPI, level and period with the number of observation rows (and of those with a
value) and the newest import that wrote any of them; a re-import that changes one value rewrites that KPI's rows
but adds none. Every write to ``kpi_observation`` goes through an import or the demo build, and both call
:func:`refresh_coverage` before they commit, so the summary always matches the observations it describes. It is
what makes "when was this KPI last imported", "which periods does it have" and "what is the data date" cheap at
England scale (millions of observations): the About page's first view no longer scans every observation
(issue 14).
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, func, insert, select
from sqlalchemy.engine import Connection
from sqlmodel import Session

from models import KpiCoverage, KpiObservation

COVERAGE_GROUPS = ("kpi_id", "level", "period_start", "period_end")


def coverage_select(kpi_ids: Iterable[int] | None = None) -> object:
    """The SELECT that computes coverage rows from ``kpi_observation`` (of ``kpi_ids`` only, when given)."""
    o = KpiObservation.__table__  # type: ignore[attr-defined]
    keys = [o.c[name] for name in COVERAGE_GROUPS]
    stmt = select(*keys, func.max(o.c.import_id).label("import_id"), func.count().label("observations"),
                  func.count(o.c.value).label("valued"))
    if kpi_ids is not None:
        stmt = stmt.where(o.c.kpi_id.in_(sorted(set(kpi_ids))))
    return stmt.group_by(*keys)


def refresh_coverage(connection: Session | Connection, *, kpi_ids: Iterable[int] | None = None) -> int:
    """Recompute the coverage rows of ``kpi_ids`` (default every KPI) from the observations, in the caller's
    transaction; returns the coverage rows written.

    One ``DELETE`` and one ``INSERT ... SELECT ... GROUP BY`` run inside the database (no rows pass through Python).
    """
    if kpi_ids is not None:
        kpi_ids = sorted({int(k) for k in kpi_ids})
        if not kpi_ids:
            return 0
    conn = connection.connection() if isinstance(connection, Session) else connection
    table = KpiCoverage.__table__  # type: ignore[attr-defined]
    removal = delete(table) if kpi_ids is None else delete(table).where(table.c.kpi_id.in_(kpi_ids))
    conn.execute(removal)
    columns = [*COVERAGE_GROUPS, "import_id", "observations", "valued"]
    result = conn.execute(insert(table).from_select(columns, coverage_select(kpi_ids)))
    return int(result.rowcount or 0)


def kpis_written_by(connection: Session | Connection, import_id: int) -> set[int]:
    """The KPIs with observation rows written (or rewritten) by import ``import_id``: whose coverage changed."""
    conn = connection.connection() if isinstance(connection, Session) else connection
    o = KpiObservation.__table__  # type: ignore[attr-defined]
    return set(conn.execute(select(o.c.kpi_id).where(o.c.import_id == import_id).distinct()).scalars())


__all__ = ["COVERAGE_GROUPS", "coverage_select", "kpis_written_by", "refresh_coverage"]
