"""Trajectories: a KPI's actuals (with 95% intervals) against plan and target, its SPC chart, and small multiples."""

from __future__ import annotations

import streamlit as st

from components.area import selected_area, system_code
from components.charts import small_multiples, spc_chart, trajectory_chart
from components.exports import chart_with_table
from components.filters import page_filters
from components.page import export_context, filter_wording, kpi_row, small_number_max
from components.shell import require_app_shell
from components.spc_icons import spc_icons
from data import cache
from data.analysis import (
    AnalysisError,
    area_target,
    comparison_level,
    spc_chart_data,
    trajectory_frame,
    trajectory_table,
    with_intervals,
)

require_app_shell()

filters = page_filters("trajectories")
area = selected_area(filters)
kpi = kpi_row(filters.kpi)
st.title("Trajectories")
if kpi is None:
    st.info("Choose a KPI in the sidebar to see its trajectory.")
    st.stop()
st.subheader(f"{kpi['kpi']}: {area.name}")
st.caption(f"{kpi['definition']} Unit: {kpi['unit']}.")
if area.level not in kpi["levels"]:
    st.info(
        f"{kpi['kpi']} is reported at {', '.join(kpi['levels'])} level, not at {area.level} level. "
        "Choose a borough or clear the PCN filter."
    )
    st.stop()

series = with_intervals(cache.area_series(area.level, area.code, kpi["kpi_code"]), kpi["value_type"], kpi["multiplier"])
if series["value"].notna().sum() == 0:
    st.info(f"No observations of {kpi['kpi']} for {area.name} yet. Import them on the Data page.")
    st.stop()
plans = cache.area_plans(area.level, area.code, kpi["kpi_code"])
frame = trajectory_frame(series, plans)
target = area_target(plans, kpi["target_value"], kpi["target_date"])
data_date = series["period_end"].max()
words = filter_wording(filters, area, kpi)
table = trajectory_table(frame, small_number_max(kpi))

st.markdown("#### Actual, plan and target")
chart = trajectory_chart(
    frame,
    unit=kpi["unit"],
    target=target,
    target_date=kpi["target_date"],
    alt_text=f"Line chart of {kpi['kpi']} for {area.name} by period: actual values with 95% confidence intervals, "
    f"the planned trajectory (dashed) and the target of {target} by {kpi['target_date']}.",
)
chart_with_table(
    chart, table, export_context(f"{kpi['kpi']}: {area.name}", words, kpi["source"], data_date), key="trajectory"
)

st.markdown("#### Statistical process control (Making Data Count)")
try:
    result = spc_chart_data(series, kpi["polarity"], target)
except AnalysisError as exc:
    st.info(str(exc))
else:
    spc_icons(result.summary)
    spc = spc_chart(
        result.data,
        unit=kpi["unit"],
        target=target,
        alt_text=f"XmR chart of {kpi['kpi']} for {area.name}: values with mean and process limits; "
        "points coloured and shaped by special-cause variation.",
    )
    spc_table = result.data[["x", "y", "mean", "lpl", "upl", "point_label", "special_cause_type"]].rename(
        columns={
            "x": "Period",
            "y": "Value",
            "mean": "Mean",
            "lpl": "Lower process limit",
            "upl": "Upper process limit",
            "point_label": "Variation",
            "special_cause_type": "Rule",
        }
    )
    chart_with_table(
        spc, spc_table, export_context(f"SPC: {kpi['kpi']}, {area.name}", words, kpi["source"], data_date), key="spc"
    )

level = comparison_level(area.level, kpi["levels"])
if level is not None:
    names = cache.area_names(level, system_code())[["area_code", "name", "borough_code"]]
    multiples = cache.level_series(kpi["kpi_code"], level).merge(names, on="area_code")
    if level == "pcn" and filters.borough:
        multiples = multiples[multiples["borough_code"] == filters.borough]
    plans = cache.level_plans(kpi["kpi_code"], level).rename(columns={"value": "plan"})
    multiples = multiples.merge(plans, on=["area_code", "period_start"], how="left")
    if not multiples.empty:
        st.markdown(f"#### Compare {'boroughs' if level == 'borough' else 'PCNs'}")
        grid = small_multiples(
            multiples,
            unit=kpi["unit"],
            alt_text=f"Small multiples of {kpi['kpi']}, one panel per {level}, with plans dashed.",
        )
        shown = multiples[["name", "area_code", "period_start", "value", "plan"]]
        context = export_context(f"{kpi['kpi']} by {level}", words, kpi["source"], data_date)
        chart_with_table(grid, shown, context, key="multiples")
