"""Overview: headline, KPI cards, the workstream × borough status map and the benefits register."""

from __future__ import annotations

import streamlit as st

from components.area import selected_area, system_code
from components.board_pack import board_pack_button, pack_caption, pack_filters_of
from components.chart_cache import cached
from components.charts import status_heatmap
from components.exports import chart_with_table, export_buttons
from components.filters import page_filters
from components.messages import provenance_caption
from components.page import export_context, filter_wording
from components.register import kpi_card_grid, register_table, render_register, status_summary
from components.shell import require_app_shell
from components.spc_controls import area_borough
from components.state import current_filters
from components.summary import summary_order, summary_section
from data import cache
from data.queries import PUBLISHED_HEADING
from data.register import headline
from data.summary import sort_summary

require_app_shell()

filters = page_filters("overview")
area = selected_area(filters)
everything = cache.register(area.level, area.code, filters.workstream)
is_published = everything["workstream"] == PUBLISHED_HEADING
register, published = everything[~is_published], everything[is_published]
data_date = cache.latest_period()
words = filter_wording(filters, area)

st.title("Benefits realisation")
if everything.empty:
    st.info(
        "No KPIs are loaded yet. On the Data page, import the areas, the benefits register and the KPI definitions, "
        "then plans and observations (docs/importing.md gives the order and templates).",
        icon=":material/upload_file:",
    )
    st.stop()


def published_section() -> None:
    """Published indicators (no initiative) under their own heading: a card for each with data for this area."""
    st.markdown(f"#### {PUBLISHED_HEADING}")
    st.caption("Indicators loaded from published files (QOF, Fingertips, GP registrations, A&E) that belong to no "
               "initiative: no plan, so no status; bind a register KPI to one with indicator_code.")
    cards = cache.register_cards(area.level, area.code, filters.workstream, published=True)
    if cards.empty:
        st.info(f"None of the {len(published)} published indicators is reported for {area.name}; choose a borough "
                "or PCN, or see them on the Trajectories and Variation pages.")
    else:
        kpi_card_grid(cards)


def summary_section_of_area() -> None:
    """The integrated summary of every KPI with a value here (register and published), ordered as chosen."""
    st.markdown("#### Integrated summary")
    order = summary_order()
    summary_section(
        sort_summary(cache.summary(area.level, area.code, area.name, filters.workstream, borough), order),
        export_context(f"Integrated summary: {area.name}", words, "KPI sources as listed per row", data_date),
        key="summary",
        by=order,
    )


borough = area_borough(area.level, area.code, cache.pcns(system_code()))
if register.empty:
    summary_section_of_area()
    published_section()
    provenance_caption(cache.provenance(), data_date)
    st.stop()
st.subheader(headline(register, area.name))
# the pack is this view (area, workstream) as at the sidebar's period, with the funnel of the sidebar's KPI
pack_filters = pack_filters_of(current_filters())
board_pack_button(lambda: cache.board_pack(area.level, area.code, area.name, borough, pack_filters), area.name,
                  pack_filters.period)  # fmt: skip
st.caption(pack_caption(pack_filters, cache.kpi_catalogue()))
status_summary(register)
st.caption(
    "Status compares the latest value with the planned trajectory for the same period: on track when it meets "
    "the plan, at risk when behind by up to 5% of the plan, off track beyond that."
)

summary_section_of_area()

st.markdown("#### KPIs")
kpi_card_grid(cache.register_cards(area.level, area.code, filters.workstream, published=False, borough=borough,
                                   area_name=area.name))  # fmt: skip

st.markdown("#### Status by workstream and borough")
matrix = cache.borough_status_matrix(system_code(), filters.workstream)
heatmap = cached(
    status_heatmap,
    matrix,
    alt_text="Grid of workstreams by borough; each cell is coloured by the worst status of the workstream's KPIs "
    "in the borough and says how many KPIs have that status, e.g. '2 of 6 at risk'.",
)
matrix_table = matrix.rename(
    columns={
        "workstream": "Workstream",
        "area": "Borough",
        "off_track": "Off track",
        "at_risk": "At risk",
        "on_track": "On track",
        "worst": "Worst status",
    }
)
chart_with_table(
    heatmap,
    matrix_table.drop(columns=["label", "assessed"]),
    export_context("KPI status by workstream and borough", words, "Benefits register", data_date),
    key="heatmap",
)

st.markdown("#### Benefits register")
render_register(register)
export_buttons(
    None,
    register_table(register).assign(Workstream=register["workstream"]),
    export_context(f"Benefits register: {area.name}", words, "Benefits register", data_date),
    key="register",
)
if not published.empty:
    published_section()
provenance_caption(cache.provenance(), data_date)
