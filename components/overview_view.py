"""The Overview's cached views: what the page draws, computed once per filter choice (issue 14).

A warm rerun of the Overview (e.g. back to a borough already seen) used to rebuild its display frames from the
cached query frames on every rerun: the summary's tables (``summary_table``, ``as_displayed``, ``number_text``),
the register's screen tables, the cards' texts, the status-map chart (its frame hashed by content each time) and
the tables' Arrow conversion. Here they are computed inside ``st.cache_data`` functions keyed only on the filter
values (area level, code and name, workstream, system code, the summary order), which read their inputs through
``data.cache`` themselves; the page calls them and draws. A data import clears every cache (``data.cache.clear``),
so the data need not be in the key. Nothing here creates an element: the widgets stay on the page, which passes
their values in, and export contexts (which carry the time of export) are made by the page on each rerun.
"""

from __future__ import annotations

from dataclasses import astuple, dataclass
from datetime import date

import pandas as pd
import pyarrow as pa
import streamlit as st

from components.board_pack import pack_caption
from components.chart_cache import CachedChart, cached
from components.charts import status_heatmap
from components.register import CardFace, card_faces, register_sections, register_table, status_counts
from components.spc_controls import area_borough
from components.summary import SummaryTables, summary_tables
from data import cache
from data.board_pack import PackFilters
from data.queries import PUBLISHED_HEADING
from data.register import headline
from data.summary import sort_summary

HEATMAP_ALT_TEXT = (
    "Grid of workstreams by borough; each cell is coloured by the worst status of the workstream's KPIs "
    "in the borough and says how many KPIs have that status, e.g. '2 of 6 at risk'."
)
MATRIX_COLUMNS = {
    "workstream": "Workstream",
    "area": "Borough",
    "off_track": "Off track",
    "at_risk": "At risk",
    "on_track": "On track",
    "worst": "Worst status",
}


@dataclass(frozen=True)
class OverviewView:
    """Everything the Overview draws for one area and workstream, but the integrated summary (:func:`summary_view`,
    which also depends on the page's order control). ``empty``: no KPI is loaded at all (the page says how to load
    them and stops); ``has_register``: some register KPI (not only published indicators) is reported here."""

    empty: bool
    borough: str | None = None  # the borough whose milestones apply: the summary's, cards' and board pack's
    has_register: bool = False
    headline: str = ""
    status_counts: tuple[tuple[str, int], ...] = ()
    cards: tuple[CardFace, ...] = ()  # the register KPIs' cards, worst first
    heatmap: CachedChart | None = None  # the workstream × borough status map
    matrix_table: pd.DataFrame | None = None  # its table view and CSV rows
    register_sections: tuple[tuple[str, pa.Table], ...] = ()  # (workstream, its register table as shown)
    register_rows: pd.DataFrame | None = None  # the register's CSV rows
    published_count: int = 0  # published indicators (no initiative) in the register of this area
    published_cards: tuple[CardFace, ...] | None = None  # their cards; None when the page draws no such section


@st.cache_data(ttl=3600, max_entries=256, show_spinner=False)
def overview_view(level: str, area_code: str, area_name: str, workstream: str | None, system: str) -> OverviewView:
    """The Overview of area ``area_code`` (``level``, named ``area_name``) of system ``system`` for ``workstream``
    (None for all): the register split into its KPIs and the published indicators, and what is drawn of each."""
    everything = cache.register(level, area_code, workstream)
    if everything.empty:
        return OverviewView(empty=True)
    is_published = everything["workstream"] == PUBLISHED_HEADING
    register, published = everything[~is_published], everything[is_published]
    borough = area_borough(level, area_code, cache.pcns(system))
    published_cards = None
    if register.empty or not published.empty:  # the page draws the published section
        published_cards = card_faces(cache.register_cards(level, area_code, workstream, published=True))
    if register.empty:
        return OverviewView(False, borough, published_count=len(published), published_cards=published_cards)
    matrix = cache.borough_status_matrix(system, workstream)
    cards = cache.register_cards(level, area_code, workstream, published=False, borough=borough, area_name=area_name)
    return OverviewView(
        empty=False,
        borough=borough,
        has_register=True,
        headline=headline(register, area_name),
        status_counts=status_counts(register),
        cards=card_faces(cards),
        heatmap=cached(status_heatmap, matrix, alt_text=HEATMAP_ALT_TEXT),
        matrix_table=matrix.rename(columns=MATRIX_COLUMNS).drop(columns=["label", "assessed"]),
        register_sections=register_sections(register),
        register_rows=register_table(register).assign(Workstream=register["workstream"]),
        published_count=len(published),
        published_cards=published_cards,
    )


@st.cache_data(ttl=3600, max_entries=256, show_spinner=False)
def summary_view(
    level: str, area_code: str, area_name: str, workstream: str | None, borough: str | None, order: str
) -> SummaryTables:
    """The integrated summary of the area (every KPI with a value there) in ``order`` ("workstream" or
    "attention", the page's order control), as ``components.summary.draw_summary`` draws it."""
    rows = cache.summary(level, area_code, area_name, workstream, borough)
    return summary_tables(sort_summary(rows, order), order)


def pack_caption_view(filters: PackFilters) -> str:
    """What the Overview says under the board-pack button (``components.board_pack.pack_caption``), cached by the
    pack's filters: it reads the KPI catalogue and the KPI's periods, once per choice rather than per rerun."""
    return _pack_caption(*astuple(filters))


@st.cache_data(ttl=3600, max_entries=256, show_spinner=False)
def _pack_caption(
    borough: str | None,
    pcn: str | None,
    workstream: str | None,
    kpi: str | None,
    period: date | None,
    neighbourhood: str | None,
) -> str:
    return pack_caption(PackFilters(borough, pcn, workstream, kpi, period, neighbourhood), cache.kpi_catalogue())
