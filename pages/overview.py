"""Overview: headline, KPI cards, the workstream × borough status map and the benefits register."""

from __future__ import annotations

import streamlit as st

from components.area import selected_area, system_code
from components.charts import status_heatmap
from components.exports import chart_with_table, export_buttons
from components.filters import page_filters
from components.messages import provenance_caption
from components.page import export_context, filter_wording
from components.register import kpi_card_grid, register_table, render_register, status_summary
from components.shell import require_app_shell
from data import cache
from data.register import headline, kpi_cards, status_matrix

require_app_shell()

filters = page_filters("overview")
area = selected_area(filters)
register = cache.register(area.level, area.code, filters.workstream)
data_date = cache.latest_period()
words = filter_wording(filters, area)

st.title("Benefits realisation")
if register.empty:
    st.info(
        "No KPIs are loaded yet. On the Data page, import the areas, the benefits register and the KPI definitions, "
        "then plans and observations (docs/importing.md gives the order and templates).",
        icon=":material/upload_file:",
    )
    st.stop()
st.subheader(headline(register, area.name))
status_summary(register)
st.caption(
    "Status compares the latest value with the planned trajectory for the same period: on track when it meets "
    "the plan, at risk when behind by up to 5% of the plan, off track beyond that."
)

st.markdown("#### KPIs")
kpi_card_grid(kpi_cards(register, cache.register_series(area.level, area.code, filters.workstream)))

st.markdown("#### Status by workstream and borough")
boroughs = cache.boroughs(system_code())
matrix = status_matrix({b.name: cache.register("borough", b.code, filters.workstream) for b in boroughs.itertuples()})
heatmap = status_heatmap(
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
provenance_caption(cache.provenance(), data_date)
