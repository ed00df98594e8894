"""Care homes (Enhanced Health in Care Homes): homes and beds, CQC ratings, admissions and ambulance call-outs per
bed with a funnel plot, homes with a named GP practice, and the list of homes.

The page composes: what it draws is computed by the cached views of ``components/care_homes_view.py``, keyed by
the filters (and the measure radio), so a rerun with filters seen before only draws (issue 14)."""

from __future__ import annotations

import streamlit as st

from components.care_homes import headline_metrics, home_list
from components.care_homes_view import RATE_KPIS, care_homes_view, rates_view
from components.exports import chart_with_table, export_buttons
from components.shell import require_app_shell
from components.state import current_filters

require_app_shell()

filters = current_filters()
view = care_homes_view(filters)
st.title("Care homes")
st.subheader(f"Enhanced Health in Care Homes: {view.area_name}")
if not view.loaded:  # nothing loaded at all (a real-data start without the CQC file): say so, not "none here"
    st.info(
        "Care homes: none loaded. No CQC care directory has been imported for this system; "
        "import the CQC care directory (the CQC's 'Care directory with filters' file) on the Data page.",
        icon=":material/upload_file:",
    )
    st.stop()
if view.homes.empty:
    st.info(f"No care homes are recorded in {view.area_name}. Choose another borough or PCN.")
    st.stop()
headline_metrics(view.homes)

st.markdown(f"#### Homes and beds by {view.by_word.lower()}")
chart_with_table(view.beds.chart, view.beds.table, view.beds.context.context(), key="ch_beds")
st.caption(view.named_gp_caption)

st.markdown("#### CQC ratings")
chart_with_table(view.ratings.chart, view.ratings.table, view.ratings.context.context(), key="ch_ratings")


@st.fragment
def rates_section() -> None:
    """The per-bed funnel of care homes with its own measure picker.

    A fragment: choosing another measure reruns only this region, not the sidebar or the rest of the page
    (issue 14); a sidebar change still reruns the whole page. What it draws is cached by filters and measure.
    """
    st.markdown("#### Emergency admissions and ambulance call-outs per bed")
    code = st.radio("Measure", list(RATE_KPIS), format_func=RATE_KPIS.get, horizontal=True, key="ch_measure")
    rates = rates_view(filters, code)
    if rates.notice:
        st.info(rates.notice)
        return
    st.caption(rates.caption)
    if rates.error:
        st.info(rates.error)
        return
    st.markdown(f"**{rates.summary}**")
    chart_with_table(rates.funnel.chart, rates.funnel.table, rates.funnel.context.context(), key="ch_funnel")
    if rates.suppressed:
        st.caption(rates.suppressed)


@st.fragment
def list_section() -> None:
    """The list of homes with its filters and CSV export; a fragment, so filtering the list reruns only it."""
    st.markdown("#### Care homes")
    listed = home_list(view.homes, key="ch_list")
    export_buttons(None, listed, view.list_context.context(), key="ch_list")


rates_section()
list_section()
