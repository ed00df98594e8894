"""Overview: headline, KPI cards, the workstream × borough status map and the benefits register.

Drawn from cached views (``components/overview_view.py``) keyed on the filters and the summary order, so a rerun
for an area already seen only draws (issue 14); the widgets and the export contexts stay here."""

from __future__ import annotations

import streamlit as st

from components.area import selected_area, system_code
from components.board_pack import board_pack_button, pack_filters_of
from components.exports import chart_with_table, export_buttons
from components.filters import page_filters
from components.messages import provenance_caption
from components.overview_view import overview_view, pack_caption_view, summary_view
from components.page import export_context, filter_wording
from components.register import draw_cards, draw_register, draw_status_counts
from components.shell import require_app_shell
from components.state import current_filters
from components.summary import draw_summary, summary_order
from data import cache
from data.queries import PUBLISHED_HEADING

require_app_shell()

filters = page_filters("overview")
area = selected_area(filters)
# everything drawn below but the summary, computed once per area and workstream (issue 14)
view = overview_view(area.level, area.code, area.name, filters.workstream, system_code())
data_date = cache.latest_period()
words = filter_wording(filters, area)

st.title("Benefits realisation")
if view.empty:
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
               "initiative: no plan, so no status; bind a register KPI to one with indicator_code.")  # fmt: skip
    if not view.published_cards:
        st.info(f"None of the {view.published_count} published indicators is reported for {area.name}; choose a "
                "borough or PCN, or see them on the Trajectories and Variation pages.")  # fmt: skip
    else:
        draw_cards(view.published_cards)


def summary_section_of_area() -> None:
    """The integrated summary of every KPI with a value here (register and published), ordered as chosen."""
    st.markdown("#### Integrated summary")
    order = summary_order()
    draw_summary(
        summary_view(area.level, area.code, area.name, filters.workstream, borough, order),
        export_context(f"Integrated summary: {area.name}", words, "KPI sources as listed per row", data_date),
        key="summary",
    )


borough = view.borough
if not view.has_register:
    summary_section_of_area()
    published_section()
    provenance_caption(cache.provenance(), data_date)
    st.stop()
st.subheader(view.headline)
# the pack is this view (area, workstream) as at the sidebar's period, with the funnel of the sidebar's KPI
pack_filters = pack_filters_of(current_filters())
board_pack_button(lambda: cache.board_pack(area.level, area.code, area.name, borough, pack_filters), area.name,
                  pack_filters.period)  # fmt: skip
st.caption(pack_caption_view(pack_filters))
draw_status_counts(view.status_counts)
st.caption(
    "Status compares the latest value with the planned trajectory for the same period: on track when it meets "
    "the plan, at risk when behind by up to 5% of the plan, off track beyond that."
)

summary_section_of_area()

st.markdown("#### KPIs")
draw_cards(view.cards)

st.markdown("#### Status by workstream and borough")
chart_with_table(
    view.heatmap,
    view.matrix_table,
    export_context("KPI status by workstream and borough", words, "Benefits register", data_date),
    key="heatmap",
)

st.markdown("#### Benefits register")
draw_register(view.register_sections)
export_buttons(
    None,
    view.register_rows,
    export_context(f"Benefits register: {area.name}", words, "Benefits register", data_date),
    key="register",
)
if view.published_cards is not None:
    published_section()
provenance_caption(cache.provenance(), data_date)
