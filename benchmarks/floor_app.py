"""The floor for the page benchmark: a bare Streamlit page (a title, a sidebar selectbox and one small chart).

Every dashboard page is compared with this page timed in the same run on the same machine, so the ratio says how
much the dashboard adds to Streamlit's own cost of a rerun (see benchmarks/bench_pages.py).
"""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

st.title("Floor")
with st.sidebar:
    choice = st.selectbox("Borough", ["Barnet", "Camden", "Enfield", "Haringey", "Islington"], index=None,
                          placeholder="All boroughs")
frame = pd.DataFrame({"month": range(12), "value": [(i * 7 + len(choice or "")) % 11 for i in range(12)]})
st.altair_chart(alt.Chart(frame).mark_line(point=True).encode(x="month:Q", y="value:Q"), width="stretch")
