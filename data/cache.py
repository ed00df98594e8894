"""The only data/ module that imports streamlit: the cached engine and cached query wrappers for the pages.

Cached functions take hashable primitives and return DataFrames (never a session or ORM object), so a cached
value is safe to share between sessions. Pages read through a read-only engine; only imports use
``writer_engine()``. ``clear()`` empties every cache after an import here; ``refresh_if_changed()`` (called by
app.py on every run) empties it when another instance has imported.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from datetime import date

import pandas as pd
import streamlit as st
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.pool import NullPool
from sqlmodel import Session

from data import queries
from data.board_pack import BoardPack, PackFilters, ViewFrames, gather
from data.db import make_engine
from data.manage import ensure_database
from data.register import build_register, kpi_cards, status_matrix
from data.summary import card_notes, kpi_summary
from data.suppression import suppress_kpis
from models import AreaLevel
from settings import get_settings


@st.cache_resource(show_spinner="Preparing the database (first run loads the synthetic demo data)…")
def writer_engine() -> Engine:
    """The engine that may write (imports, migrations): schema migrated, demo loaded when the database is empty.

    Only the Data page (analysts) and start-up use it; on PostgreSQL it holds no idle connections.
    """
    settings = get_settings()
    pooling = {"poolclass": NullPool} if make_url(settings.resolved_database_url).get_backend_name() != "sqlite" else {}
    eng = make_engine(settings.resolved_database_url, **pooling)
    ensure_database(eng, demo_on_empty=settings.demo_on_empty, scale=settings.demo_scale)
    return eng


@st.cache_resource(show_spinner=False)
def engine() -> Engine:
    """The process-wide read-only engine every page reads through (``DATABASE_READ_URL`` when set).

    Writes through it fail in the database, whoever is signed in: viewer sessions never hold a writable
    connection. The writer engine is created first, so the schema exists before the first read.
    """
    writer = writer_engine()
    url = make_url(get_settings().resolved_read_url)
    if url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"):
        return writer  # an in-memory database exists only inside the writer's one connection
    return make_engine(url.render_as_string(hide_password=False), read_only=True)


def _session() -> Session:
    return Session(engine())


@dataclass
class _Freshness:
    """What this process last saw of the import log, and when it looked (shared by every session)."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    checked_at: float = float("-inf")
    version: tuple[int, int, str] | None = None


@st.cache_resource(show_spinner=False)
def _freshness() -> _Freshness:
    return _Freshness()


def refresh_if_changed() -> bool:
    """Clear the cached query results when data was loaded since this process last looked (by any instance).

    Several app instances share one database but each has its own caches: an import through one instance is
    seen by the others at their next run after ``CACHE_CHECK_SECONDS``. Returns True when caches were cleared.
    """
    state = _freshness()
    with state.lock:
        now = time.monotonic()
        if now - state.checked_at < get_settings().cache_check_seconds:
            return False
        state.checked_at = now
        with _session() as session:
            version = queries.data_version(session=session)
        stale = state.version is not None and version != state.version
        state.version = version
    if stale:
        st.cache_data.clear()
    return stale


@st.cache_data(ttl=3600, show_spinner=False)
def system(code: str) -> pd.DataFrame:
    """See ``queries.system``."""
    with _session() as session:
        return queries.system(session=session, code=code)


@st.cache_data(ttl=3600, show_spinner=False)
def boroughs(system_code: str) -> pd.DataFrame:
    """See ``queries.boroughs``."""
    with _session() as session:
        return queries.boroughs(session=session, system_code=system_code)


@st.cache_data(ttl=3600, show_spinner=False)
def neighbourhoods(system_code: str) -> pd.DataFrame:
    """See ``queries.neighbourhoods``."""
    with _session() as session:
        return queries.neighbourhoods(session=session, system_code=system_code)


@st.cache_data(ttl=3600, show_spinner=False)
def pcns(system_code: str) -> pd.DataFrame:
    """See ``queries.pcns``."""
    with _session() as session:
        return queries.pcns(session=session, system_code=system_code)


@st.cache_data(ttl=3600, show_spinner=False)
def providers(system_code: str) -> pd.DataFrame:
    """See ``queries.providers``."""
    with _session() as session:
        return queries.providers(session=session, system_code=system_code)


@st.cache_data(ttl=3600, show_spinner=False)
def workstreams() -> pd.DataFrame:
    """See ``queries.workstreams``."""
    with _session() as session:
        return queries.workstreams(session=session)


@st.cache_data(ttl=3600, show_spinner=False)
def provenance() -> pd.DataFrame:
    """See ``queries.provenance``."""
    with _session() as session:
        return queries.provenance(session=session)


@st.cache_data(ttl=3600, show_spinner=False)
def latest_period() -> date | None:
    """See ``queries.latest_period``."""
    with _session() as session:
        return queries.latest_period(session=session)


@st.cache_data(ttl=3600, show_spinner="Building the register…")
def register(level: str, area_code: str, workstream_code: str | None) -> pd.DataFrame:
    """The benefits register for one area (see ``data.register.build_register``)."""
    catalogue, series, plans = _register_inputs(level, area_code, workstream_code)
    return build_register(catalogue, series, plans, level=AreaLevel(level), tolerance=get_settings().status_tolerance)


def register_series(level: str, area_code: str, workstream_code: str | None) -> pd.DataFrame:
    """Every KPI's series for one area (the register's inputs; sparklines), read once with the register."""
    return _register_inputs(level, area_code, workstream_code)[1]


@st.cache_data(ttl=3600, show_spinner=False)
def register_cards(
    level: str,
    area_code: str,
    workstream_code: str | None,
    *,
    published: bool,
    borough: str | None = None,
    area_name: str = "",
) -> pd.DataFrame:
    """The Overview's KPI cards for one area (``data.register.kpi_cards``): register KPIs with their SPC
    assurance note, or the published indicators (no note).

    The notes come from the integrated summary's rows (``data.summary.card_notes`` on :func:`summary` of the same
    area, ``area_name`` and ``borough``, whose milestones rebase the SPC), so the Overview runs one SPC per KPI for
    its summary and cards together. Cached by the filter values, so a rerun that changes nothing else redraws the
    cards without recomputing anything (issue 14).
    """
    everything = register(level, area_code, workstream_code)
    chosen = everything[(everything["workstream"] == queries.PUBLISHED_HEADING) == published]
    series = register_series(level, area_code, workstream_code)
    cards = kpi_cards(chosen, series)
    if published:
        return cards
    rows = summary(level, area_code, area_name, workstream_code, borough)
    return cards.assign(assurance_note=card_notes(cards, rows))


@st.cache_data(ttl=3600, show_spinner="Building the status matrix…")
def borough_status_matrix(system_code: str, workstream_code: str | None) -> pd.DataFrame:
    """The workstream × borough status matrix (``data.register.status_matrix``) of register KPIs (published
    indicators have no plan, so no status), cached once per workstream filter rather than rebuilt per rerun."""
    matrix_input = {}
    for b in boroughs(system_code).itertuples():
        r = register("borough", b.code, workstream_code)
        matrix_input[b.name] = r[r["workstream"] != queries.PUBLISHED_HEADING]
    return status_matrix(matrix_input)


@st.cache_data(ttl=3600, show_spinner="Reading the register's series…")
def _register_inputs(
    level: str, area_code: str, workstream_code: str | None
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    with _session() as session:
        catalogue = queries.kpi_catalogue(session=session, workstream_code=workstream_code)
        codes = catalogue["kpi_code"].tolist()
        series = queries.area_series(session=session, level=level, area_code=area_code, kpi_codes=codes)
        plans = queries.area_plans(session=session, level=level, area_code=area_code, kpi_codes=codes)
    # small counts are suppressed before the register, its cards and sparklines see them (data/suppression.py)
    return catalogue, suppress_kpis(series, catalogue, get_settings().small_number_max), plans


@st.cache_data(ttl=3600, show_spinner="Building the summary…")
def summary(level: str, area_code: str, area_name: str, workstream_code: str | None, borough_code: str | None
            ) -> pd.DataFrame:  # fmt: skip
    """The integrated summary for one area (see ``data.summary.kpi_summary``): the cached register and its inputs."""
    catalogue, series, plans = _register_inputs(level, area_code, workstream_code)
    return kpi_summary(
        register(level, area_code, workstream_code), series, plans, catalogue, milestones(),
        area_name=area_name, borough_code=borough_code, tolerance=get_settings().status_tolerance,
    )  # fmt: skip


@st.cache_data(ttl=3600, show_spinner=False)
def kpi_catalogue() -> pd.DataFrame:
    """See ``queries.kpi_catalogue`` (all workstreams)."""
    with _session() as session:
        return queries.kpi_catalogue(session=session)


@st.cache_data(ttl=3600, show_spinner=False)
def kpi_periods(kpi_code: str) -> pd.DataFrame:
    """See ``queries.kpi_periods``."""
    with _session() as session:
        return queries.kpi_periods(session=session, kpi_code=kpi_code)


@st.cache_data(ttl=3600, show_spinner=False)
def area_names(level: str, system_code: str, period: tuple[date, date] | None = None) -> pd.DataFrame:
    """See ``queries.area_names`` (``period``: a practice's PCN as it was then)."""
    with _session() as session:
        return queries.area_names(session=session, level=level, system_code=system_code, period=period)


@st.cache_data(ttl=3600, show_spinner=False)
def area_series(level: str, area_code: str, kpi_code: str) -> pd.DataFrame:
    """One KPI's series for one area (see ``queries.area_series``)."""
    with _session() as session:
        return queries.area_series(session=session, level=level, area_code=area_code, kpi_codes=[kpi_code])


@st.cache_data(ttl=3600, show_spinner=False)
def area_plans(level: str, area_code: str, kpi_code: str) -> pd.DataFrame:
    """One KPI's plan for one area (see ``queries.area_plans``)."""
    with _session() as session:
        return queries.area_plans(session=session, level=level, area_code=area_code, kpi_codes=[kpi_code])


@st.cache_data(ttl=3600, show_spinner=False)
def level_series(kpi_code: str, level: str) -> pd.DataFrame:
    """See ``queries.level_series``."""
    with _session() as session:
        return queries.level_series(session=session, kpi_code=kpi_code, level=level)


@st.cache_data(ttl=3600, show_spinner=False)
def level_plans(kpi_code: str, level: str) -> pd.DataFrame:
    """See ``queries.level_plans``."""
    with _session() as session:
        return queries.level_plans(session=session, kpi_code=kpi_code, level=level)


@st.cache_data(ttl=3600, show_spinner=False)
def kpi_period_across_areas(kpi_code: str, level: str, period_start: date) -> pd.DataFrame:
    """See ``queries.kpi_period_across_areas``."""
    with _session() as session:
        return queries.kpi_period_across_areas(
            session=session, kpi_code=kpi_code, level=level, period_start=period_start
        )


@st.cache_data(ttl=3600, show_spinner=False)
def kpi_freshness() -> pd.DataFrame:
    """See ``queries.kpi_freshness``."""
    with _session() as session:
        return queries.kpi_freshness(session=session)


def clear() -> None:
    """Forget every cached query result (call after an import changes the database)."""
    st.cache_data.clear()
    _freshness().checked_at = float("-inf")  # the next run records the new version without clearing again


# ------------------------------------------------------------------------------------- maps and care homes (issue 6)


@st.cache_data(ttl=3600, show_spinner=False)
def boundaries(level: str, system_code: str) -> pd.DataFrame:
    """See ``queries.boundaries``."""
    with _session() as session:
        return queries.boundaries(session=session, level=level, system_code=system_code)


@st.cache_data(ttl=3600, show_spinner=False)
def practice_points(system_code: str) -> pd.DataFrame:
    """See ``queries.practice_points``."""
    with _session() as session:
        return queries.practice_points(session=session, system_code=system_code)


@st.cache_data(ttl=3600, show_spinner=False)
def care_homes(system_code: str) -> pd.DataFrame:
    """See ``queries.care_homes``."""
    with _session() as session:
        return queries.care_homes(session=session, system_code=system_code)


@st.cache_data(ttl=3600, show_spinner=False)
def kpi_window_across_areas(kpi_code: str, level: str, first_period: date, last_period: date) -> pd.DataFrame:
    """See ``queries.kpi_window_across_areas``."""
    with _session() as session:
        return queries.kpi_window_across_areas(
            session=session, kpi_code=kpi_code, level=level, first_period=first_period, last_period=last_period
        )


# ------------------------------------------------------------------------ programme delivery (issue 8: finance, risks)


@st.cache_data(ttl=3600, show_spinner=False)
def finance_lines() -> pd.DataFrame:
    """See ``queries.finance_lines``."""
    with _session() as session:
        return queries.finance_lines(session=session)


@st.cache_data(ttl=3600, show_spinner=False)
def activity_changes() -> pd.DataFrame:
    """See ``queries.activity_changes``."""
    with _session() as session:
        return queries.activity_changes(session=session)


@st.cache_data(ttl=3600, show_spinner=False)
def milestones() -> pd.DataFrame:
    """See ``queries.milestones``."""
    with _session() as session:
        return queries.milestones(session=session)


@st.cache_data(ttl=3600, show_spinner=False)
def risks() -> pd.DataFrame:
    """See ``queries.risks``."""
    with _session() as session:
        return queries.risks(session=session)


@st.cache_data(ttl=3600, show_spinner=False)
def risk_reviews() -> pd.DataFrame:
    """See ``queries.risk_reviews``."""
    with _session() as session:
        return queries.risk_reviews(session=session)


@st.cache_data(ttl=3600, show_spinner=False)
def programme_data_date() -> date | None:
    """See ``queries.programme_data_date``."""
    with _session() as session:
        return queries.programme_data_date(session=session)


@st.cache_data(ttl=3600, show_spinner=False)
def lsoa_deprivation(system_code: str) -> pd.DataFrame:
    """See ``queries.lsoa_deprivation``."""
    with _session() as session:
        return queries.lsoa_deprivation(session=session, system_code=system_code)


@st.cache_data(ttl=3600, show_spinner=False)
def practice_deprivation(system_code: str) -> pd.DataFrame:
    """See ``queries.practice_deprivation``."""
    with _session() as session:
        return queries.practice_deprivation(session=session, system_code=system_code)


# ------------------------------------------------------------------------------------- board pack (issue 15)


def board_pack(
    level: str,
    area_code: str,
    area_name: str,
    borough_code: str | None,
    filters: PackFilters,
) -> BoardPack:
    """The board pack's contents for the Overview's view (``data.board_pack.gather``): the area the page shows
    (``level``, ``area_code``, ``area_name``; ``borough_code`` whose milestones apply) and ``filters``, the
    sidebar's choice including its KPI and period.

    Not cached: it is built only when its download button is clicked. It reuses the register inputs, register and
    integrated summary this session's Overview already cached for the same area and workstream (the same frames,
    so the same numbers), unless the pack's period cuts the series.
    """
    view = ViewFrames(
        *_register_inputs(level, area_code, filters.workstream),
        register=register(level, area_code, filters.workstream),
        summary=summary(level, area_code, area_name, filters.workstream, borough_code),
    )
    with _session() as session:
        return gather(session, filters, view=view)
