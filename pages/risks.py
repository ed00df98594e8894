"""Risks: likelihood × impact before and after mitigation, escalation, score trends and top risks per workstream.

The page composes: what it draws comes from ``components.risks_view.risks_view``, cached by the filter values, so
a rerun for a borough seen before recomputes nothing (issue 14).
"""

from __future__ import annotations

import streamlit as st

from components.area import selected_area, system_code
from components.exports import chart_with_table, export_buttons
from components.filters import page_filters
from components.messages import provenance_caption
from components.page import filter_wording
from components.programme import empty_state, scope_note
from components.risks_view import risks_view
from components.shell import require_app_shell
from data import cache

require_app_shell()

filters = page_filters("risks")
area = selected_area(filters)
st.title("Risks")
view = risks_view(system_code(), filters.borough, filters.workstream, tuple(filter_wording(filters, area).items()))
if not view.loaded:
    empty_state("risks", has_register=view.has_register)
    st.stop()

scope_note(view.borough_name, bool(filters.pcn), view.scope)
if view.register is None:
    st.info("No risks for this workstream and borough. Choose *All workstreams* or another borough.")
    st.stop()

risks, extreme_before, extreme_after, rising = view.metrics
cols = st.columns(4)
cols[0].metric("Risks", risks)
cols[1].metric("Extreme before mitigation", extreme_before, help="Score 15 to 25.")
cols[2].metric("Extreme after mitigation", extreme_after)
cols[3].metric("Rising since last review", rising)
st.caption(
    "Score = likelihood × impact, each 1-5, before and after mitigation. Bands (NHS 5×5 matrix): low 1-3, moderate "
    "4-6, high 8-12, extreme 15-25. A risk is rising when its latest review scores it higher than the one before."
)

st.markdown("#### Which risks are escalating")
if view.rising is None:
    st.success("No risk scored higher at its latest review than at the one before.", icon=":material/check_circle:")
else:
    st.markdown(view.rising)

st.markdown("#### Likelihood × impact, before and after mitigation")
matrix = view.matrix
chart_with_table(matrix.chart, matrix.table, matrix.context.made_now(), key="risk_matrix", panels=matrix.panels)

st.markdown("#### Scores over reviews")
if view.trend is None:
    st.info("No risk reviews are loaded, so there is no trend yet. Import them with the Risk reviews template.")
else:
    trend = view.trend
    chart_with_table(trend.chart, trend.table, trend.context.made_now(), key="risk_trend", panels=trend.panels)

st.markdown("#### Top risks per workstream")
top = view.top
chart_with_table(top.chart, top.table, top.context.made_now(), key="risk_top")

st.markdown("#### Risk register")
st.table(view.register, hide_index=True)  # a static table wraps long titles and mitigations to fit the page
export_buttons(None, view.register, view.register_context.made_now(), key="risk_register")

provenance_caption(cache.provenance(), view.data_date)
