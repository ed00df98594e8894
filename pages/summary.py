"""Integrated performance summary: one row per KPI with status, Making Data Count icons, trend and narrative."""

from __future__ import annotations

import streamlit as st

from components.area import selected_area, system_code
from components.filters import page_filters
from components.messages import provenance_caption
from components.page import export_context, filter_wording
from components.shell import require_app_shell
from components.spc_controls import area_borough
from components.summary import narrative_list, summary_order, summary_section
from data import cache
from data.summary import sort_summary

require_app_shell()

filters = page_filters("summary")
area = selected_area(filters)
data_date = cache.latest_period()
st.title("Integrated performance summary")
st.caption(
    "Each KPI's latest value against its plan (status), its Making Data Count variation and assurance icons "
    "(XmR chart of the area's values, rebased at go-lives with a sustained shift, as on the Trajectories page), "
    "the change from the previous value and the special-cause rules that fired at the latest point."
)
borough = area_borough(area.level, area.code, cache.pcns(system_code()))
rows = cache.summary(area.level, area.code, area.name, filters.workstream, borough)
if rows.empty:
    st.info(f"No KPI has a value for {area.name} yet; choose another area, or import observations on the Data page.",
            icon=":material/info:")  # fmt: skip
    provenance_caption(cache.provenance(), data_date)
    st.stop()

order = summary_order()
rows = sort_summary(rows, order)
st.subheader(f"{len(rows)} KPIs: {area.name}")
context = export_context(f"Integrated summary: {area.name}", filter_wording(filters, area),
                         "KPI sources as listed per row", data_date)  # fmt: skip
summary_section(rows, context, key="summary", by=order)
st.markdown("#### Narrative")
narrative_list(rows)
provenance_caption(cache.provenance(), data_date)
