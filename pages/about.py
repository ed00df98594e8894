"""About: each KPI's definition, numerator and denominator, method, polarity, source, caveats and freshness.

Freshness and coverage come from the stored coverage summary (``data/coverage.py``), so the first view reads a few
hundred rows rather than every observation.
"""

from __future__ import annotations

import streamlit as st

from components.filters import page_filters
from components.register import kpi_about, shown
from components.shell import require_app_shell
from data import cache
from data.analysis import METHODS, POLARITY_TEXT

require_app_shell()

filters = page_filters("about")
catalogue = cache.kpi_catalogue()
if filters.workstream:
    catalogue = catalogue[catalogue["workstream_code"] == filters.workstream]
freshness = cache.kpi_freshness().set_index("kpi_code")

st.title("About the KPIs")
st.caption(
    "How each KPI is defined and judged, where it comes from and how fresh it is. Status compares the latest value "
    "with the planned trajectory; SPC charts follow NHS England's Making Data Count; funnels follow FunnelPlotR and "
    "OHID Fingertips (see docs/statistics.md)."
)
if catalogue.empty:
    st.info("No KPIs are defined yet: import KPI definitions on the Data page.", icon=":material/upload_file:")
for workstream, kpis in catalogue.groupby("workstream", sort=False):
    st.header(workstream)
    for _, kpi in kpis.iterrows():
        with st.expander(f"{kpi['kpi']} ({kpi['kpi_code']})", expanded=kpi["kpi_code"] == filters.kpi):
            fresh = freshness.loc[kpi["kpi_code"]] if kpi["kpi_code"] in freshness.index else None
            latest = shown(fresh["latest_period_end"], "no data yet") if fresh is not None else "no data yet"
            imported = f"{fresh['imported_at']:%d %b %Y %H:%M}" if fresh is not None and fresh["imported_at"] else "—"
            span = (f" (from {shown(fresh['first_period_start'])}: {fresh['values']:,} values)"
                    if fresh is not None else "")
            st.markdown(kpi_about(kpi, method=METHODS[kpi["value_type"]], polarity=POLARITY_TEXT[kpi["polarity"]],
                                  freshness=f"Data to {latest}{span}; imported {imported}."))
