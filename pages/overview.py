"""Overview: the benefits register for the area and workstream chosen in the sidebar."""

from __future__ import annotations

import streamlit as st

from components.area import selected_area
from components.messages import provenance_caption
from components.register import render_register, status_summary
from components.shell import require_app_shell
from components.state import current_filters
from data import cache
from data.register import headline

require_app_shell()

filters = current_filters()
area = selected_area(filters)

st.title("Benefits register")
register = cache.register(area.level, area.code, filters.workstream)
st.subheader(headline(register, area.name))
status_summary(register)
st.caption(
    "Status compares the latest value with the planned trajectory for the same period: on track when it meets "
    "the plan, at risk when behind by up to 5% of the plan, off track beyond that."
)
render_register(register)
provenance_caption(cache.provenance(), cache.latest_period())
