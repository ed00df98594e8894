"""Finance and activity: planned vs actual investment and savings, variance in words, activity shift by setting.

The page composes: each section's frames, texts and charts come from a cached view of
``components.finance_view`` keyed by the filters and this page's widget values (issue 14).
"""

from __future__ import annotations

import streamlit as st

from components import finance_view
from components.area import selected_area, system_code
from components.exports import chart_with_table
from components.filters import page_filters
from components.messages import provenance_caption
from components.page import export_context, filter_wording
from components.programme import empty_state, evidence_links, scope_note
from components.shell import require_app_shell
from data import cache
from data import programme as prog

require_app_shell()

SOURCE = "Programme finance and activity returns (finance and activity templates)"

filters = page_filters("finance")
area = selected_area(filters)
st.title("Finance and activity")
scope = finance_view.scope_view(system_code(), filters.borough, filters.workstream)
if scope.nothing_loaded:
    empty_state("finance", has_register=not cache.workstreams().empty)
    st.stop()

words = filter_wording(filters, area)
st.caption(
    "Plan to date is the plan for the initiative-years with an actual reported, so a year not yet reported is "
    "never counted as a shortfall; variance = actual - plan to date. Financial years run April to March."
)
scope_note(scope.borough_name, bool(filters.pcn), scope.shared)

st.markdown("#### Money against plan")
if not scope.has_lines:
    st.info("No finance lines for this workstream and borough. Choose *All workstreams* or another borough.")
else:
    for column, metric in zip(st.columns(3), scope.metrics, strict=True):
        column.metric(metric.label, metric.value, delta=metric.delta, delta_color=metric.delta_color, help=metric.help)
    left, right = st.columns(2)
    measure = left.radio(
        "Measure", list(prog.MEASURES), format_func=prog.MEASURES.get, horizontal=True, key="finance_measure"
    )
    view = right.radio("View", ["In-year", "Cumulative"], horizontal=True, key="finance_view")
    years = finance_view.years_view(filters.borough, filters.workstream, measure, view)
    st.markdown(f"**{years.headline}**")
    chart_with_table(
        years.chart,
        years.table,
        export_context(years.title, words, SOURCE, scope.data_date),
        key="finance_years",
        export_rows=years.rows,
    )

    st.markdown("#### Where the variance is")
    group = st.radio("Group by", ["Initiative", "Workstream", "Borough"], horizontal=True, key="finance_group")
    variance = finance_view.variance_view(filters.borough, filters.workstream, measure, group)
    if variance.chart is None:
        st.info("No actuals are reported yet, so there is no variance to show.")
    else:
        chart_with_table(
            variance.chart,
            variance.table,
            export_context(variance.title, words, SOURCE, scope.data_date),
            key="finance_variance",
            export_rows=variance.rows,
            places={"Variance (share of plan)": 2},
        )
    if variance.sentences:
        st.markdown(
            "**Largest variances by initiative and year**\n\n" + "\n".join(f"- {s}" for s in variance.sentences)
        )

    st.markdown("#### Recurrent and non-recurrent")
    recurrence = finance_view.recurrence_view(filters.borough, filters.workstream, measure)
    chart_with_table(
        recurrence.chart,
        recurrence.table,
        export_context(recurrence.title, words, SOURCE, scope.data_date),
        key="finance_recurrence",
        export_rows=recurrence.rows,
    )

st.markdown("#### Activity shift by point of delivery")
if not scope.has_activity:
    st.info("No activity plans for this workstream and borough.")
else:
    year = st.selectbox(
        "Financial year",
        list(scope.activity_years),
        index=scope.year_index,
        format_func=prog.fy_label,
        key="activity_year",
    )
    activity = finance_view.activity_view(filters.borough, filters.workstream, year)
    st.markdown(activity.sentences)
    chart_with_table(
        activity.chart,
        activity.table,
        export_context(activity.title, words, SOURCE, activity.data_date),
        key="activity_pod",
        export_rows=activity.rows,
    )
    evidence_links(activity.evidence, filters)

provenance_caption(cache.provenance(), cache.programme_data_date())
