"""Variation: a funnel plot of practices or PCNs for the chosen KPI and period, outliers, and area comparison.

The page composes: the funnel and the borough comparison are computed by the cached views of
``components/variation_view.py``, keyed by the filters and the funnel's own control values (issue 14)."""

from __future__ import annotations

import streamlit as st

from components.area import system_code
from components.exports import chart_with_table, export_buttons
from components.shell import require_app_shell
from components.state import current_filters
from components.variation_view import LEVEL_NAMES, OUTLIER_PLACES, compare_view, funnel_view, header
from data import cache

require_app_shell()

filters = current_filters()
top = header(filters.kpi, filters.period)
st.title("Variation")
if top is None:
    st.info("Choose a KPI and period in the sidebar.")
    st.stop()
st.subheader(f"{top.kpi}, {top.period_words}")  # a QOF year: "Apr 2020 to Mar 2021"

levels = list(top.levels)
if not levels:
    st.info(f"{top.kpi} is reported only at {', '.join(top.reported_at)} level: there are too few areas for a funnel.")
    st.stop()


@st.fragment
def funnel_section() -> None:
    """The funnel with its own controls (units compared, overdispersion, deprivation) and its outliers.

    A fragment: changing one of its controls reruns only this region (not the sidebar or the borough comparison
    below, which do not depend on them); a sidebar change still reruns the whole page (issue 14). What it draws is
    cached by the filters and the control values.
    """
    left, right = st.columns(2)
    level = left.radio("Compare", levels, format_func=LEVEL_NAMES.get, horizontal=True, key="variation_level")
    od_adjust = right.toggle(
        "Adjust for overdispersion",
        value=True,
        key="variation_od",
        help="Widen the limits for real between-area variation (Spiegelhalter 2005), so only unusual areas stand out.",
    )
    quintiles: list[int] = []
    deprivation = cache.practice_deprivation(system_code()) if level == "practice" else None
    if deprivation is not None and not deprivation.empty:
        quintiles = st.multiselect(
            "Deprivation quintile of the practice's LSOA (IMD 2019; 1 = most deprived fifth in England)",
            [1, 2, 3, 4, 5], default=[], key="variation_imd", placeholder="All practices",
            help="A practice's deprivation is that of the LSOA it stands in (IMD 2019 decile, paired into quintiles).",
        )  # fmt: skip
    view = funnel_view(filters, level, od_adjust, tuple(quintiles))
    if view.error:
        st.info(view.error)
        st.stop()

    st.markdown(view.summary)
    chart_with_table(view.funnel.chart, view.funnel.table, view.funnel.context.context(), key="funnel")
    if view.suppressed:
        st.caption(view.suppressed)

    st.markdown("#### Outliers")
    if view.outliers is None:
        st.success("No area lies beyond the 95% limits.", icon=":material/check_circle:")
    else:
        st.dataframe(view.outliers_shown, hide_index=True, width="stretch")
        export_buttons(None, view.outliers, view.outliers_context.context(), key="outliers", places=OUTLIER_PLACES)


funnel_section()

st.markdown("#### Compare boroughs")
compared = compare_view(filters)
if compared.bars is None:
    st.info(compared.notice)
else:
    chart_with_table(compared.bars.chart, compared.bars.table, compared.bars.context.context(), key="compare")
