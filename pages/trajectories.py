"""Trajectories: a KPI's actuals (with 95% intervals) against plan and target, its SPC chart, and small multiples."""

from __future__ import annotations

import streamlit as st

from components.area import Area, selected_area, system_code
from components.chart_cache import cached, cached_panels
from components.charts import small_multiple_panels, small_multiples, spc_chart, trajectory_chart
from components.exports import chart_with_table, suppression_caption
from components.filters import page_filters
from components.page import export_context, filter_wording, kpi_row, suppression_rule
from components.shell import require_app_shell
from components.spc_controls import area_borough, rebase_caption, rebase_suggestion, spc_rebase_control
from components.spc_icons import spc_icons
from components.state import KPI_KEY
from data import cache
from data.analysis import (
    AnalysisError,
    area_target,
    comparison_level,
    known_change_rebase,
    kpi_milestones,
    latest_status,
    rebase_options,
    spc_chart_data,
    spc_display,
    spc_table,
    status_and_assurance,
    trajectory_frame,
    trajectory_table,
    with_intervals,
)
from data.narrative import kpi_narrative
from data.register import kpis_with_series
from data.stats.spc import rebase_suggestions
from data.suppression import suppress
from settings import get_settings

require_app_shell()

filters = page_filters("trajectories")
area = selected_area(filters)
kpi = kpi_row(filters.kpi)
st.title("Trajectories")
if kpi is None:
    st.info("Choose a KPI in the sidebar to see its trajectory.")
    st.stop()
if "provider" in kpi["levels"] and not filters.borough and not filters.pcn:
    trusts = cache.providers(system_code())
    names = dict(zip(trusts["code"], trusts["name"], strict=True))
    trust = st.selectbox(
        "Trust", list(names), index=None, key="trajectory_trust", placeholder=f"{area.name} (sum of its trusts)",
        format_func=lambda code: f"{names[code]} ({code})", help="The system's own trusts are listed first.",
    )
    if trust:
        area = Area("provider", trust, names[trust])
st.subheader(f"{kpi['kpi']}: {area.name}")
definition = str(kpi["definition"] or "").rstrip()
st.caption(f"{definition}{'' if definition.endswith(('.', '?', '!')) or not definition else '.'} Unit: {kpi['unit']}.")
if area.level not in kpi["levels"]:
    st.info(
        f"{kpi['kpi']} is reported at {', '.join(kpi['levels'])} level, not at {area.level} level. "
        "Choose a borough or clear the PCN filter."
    )
    st.stop()

rule = suppression_rule(kpi)
series = with_intervals(cache.area_series(area.level, area.code, kpi["kpi_code"]), kpi["value_type"], kpi["multiplier"])
if series["value"].notna().sum() == 0:
    st.info(f"No observations of {kpi['kpi']} for {area.name} yet. Import them on the Data page.")
    st.stop()
if series["value"].notna().sum() < 2:  # one QOF year: a point, not a trajectory; point to the indicators with one
    names = cache.kpi_catalogue().set_index("kpi_code")["kpi"]
    longer = [c for c in kpis_with_series(cache.register_series(area.level, area.code, None)) if c in names.index]
    links = " · ".join(f"[{names[c]}](trajectories?{KPI_KEY}={c})" for c in longer[:6])
    st.info(f"{kpi['kpi']} has one period loaded for {area.name}, so there is no trajectory yet."
            + (f" Indicators with a series here: {links}." if links else ""))
series = suppress(series, rule)  # before any chart, table or statistic sees it (SPC runs on the values shown)
plans = cache.area_plans(area.level, area.code, kpi["kpi_code"])
frame = trajectory_frame(series, plans)
target = area_target(plans, kpi["target_value"], kpi["target_date"])
data_date = series["period_end"].max()
words = filter_wording(filters, area, kpi)
table = trajectory_table(frame, rule)
milestones = kpi_milestones(
    cache.milestones(),
    kpi["initiative_code"],
    area_borough(area.level, area.code, cache.pcns(system_code())),
    series["period_start"].min(),
    data_date,
)
@st.fragment
def trajectory_and_spc() -> None:
    """The KPI's narrative, trajectory chart and SPC chart with its rebase and baseline controls.

    A fragment: changing an SPC control reruns only this region (not the sidebar or the small multiples below,
    which do not depend on it); a sidebar change still reruns the whole page (issue 14).
    """
    narrative = st.empty()  # the KPI's narrative, written once its SPC (below) is computed

    # name only what is drawn: a published indicator has neither plan nor target
    drawn = ["Actual", *(["plan"] if not plans.empty else []), *(["target"] if target is not None else [])]
    st.markdown("#### " + (", ".join(drawn[:-1]) + " and " + drawn[-1] if len(drawn) > 1 else "Actual values"))
    chart = cached(
        trajectory_chart,
        frame,
        unit=kpi["unit"],
        target=target,
        target_date=kpi["target_date"],
        alt_text=f"Line chart of {kpi['kpi']} for {area.name} by period: actual values with 95% confidence intervals, "
        f"the planned trajectory (dashed) and the target of {target} by {kpi['target_date']}; "
        f"{len(milestones)} milestone(s) of the initiative marked.",
        milestones=milestones,
    )
    chart_with_table(
        chart, table, export_context(f"{kpi['kpi']}: {area.name}", words, kpi["source"], data_date), key="trajectory"
    )
    suppression_caption(series)

    st.markdown("#### Statistical process control (Making Data Count)")
    scope = f"{kpi['kpi_code']}_{area.level}_{area.code}"
    options = rebase_options(series, milestones)
    choice = spc_rebase_control(options, [d.date().isoformat() for d in known_change_rebase(series, milestones)], scope)
    rebase_caption(options, choice.rebase)
    try:
        result = spc_chart_data(
            series, kpi["polarity"], target, rebase=choice.rebase, fix_after_n_points=choice.fix_after_n_points
        )
    except AnalysisError as exc:
        st.info(str(exc))
        result = None
    else:
        spc_icons(result.summary)
        status = latest_status(frame, kpi["polarity"], get_settings().status_tolerance)
        differ = status_and_assurance(status, result.summary.assurance_icon, target)
        if differ:
            st.caption(f":material/compare_arrows: {differ}")
        rebase_suggestion(rebase_suggestions(result.data), choice.rebase, scope)
        shown = spc_display(result, kpi["value_type"], kpi["multiplier"])
        spc = cached(
            spc_chart,
            shown,
            unit=kpi["unit"],
            target=target,
            milestones=milestones,
            alt_text=f"XmR chart of {kpi['kpi']} for {area.name}: values with the mean and process limits of each "
            f"segment ({len(choice.rebase)} rebase point(s)); points coloured and shaped by special-cause variation.",
        )
        spc_rows = spc_table(shown)
        chart_with_table(
            spc, spc_rows, export_context(f"SPC: {kpi['kpi']}, {area.name}", words, kpi["source"], data_date), key="spc"
        )
    narrative.info(
        kpi_narrative(kpi=kpi["kpi"], area=area.name, unit=kpi["unit"], polarity=kpi["polarity"], periods=frame,
                      spc=result, milestones=milestones, target=target, target_date=kpi["target_date"],
                      tolerance=get_settings().status_tolerance),
        icon=":material/article:",
    )  # fmt: skip


trajectory_and_spc()

level = comparison_level(area.level, kpi["levels"])
if level is not None:
    names = cache.area_names(level, system_code())[["area_code", "name", "borough_code"]]
    multiples = suppress(cache.level_series(kpi["kpi_code"], level), rule).merge(names, on="area_code")
    if level == "pcn" and filters.borough:
        multiples = multiples[multiples["borough_code"] == filters.borough]
    plans = cache.level_plans(kpi["kpi_code"], level).rename(columns={"value": "plan"})
    multiples = multiples.merge(plans, on=["area_code", "period_start"], how="left")
    if not multiples.empty:
        st.markdown(f"#### Compare {'boroughs' if level == 'borough' else 'PCNs'}")
        grid = cached(
            small_multiples,
            multiples,
            unit=kpi["unit"],
            alt_text=f"Small multiples of {kpi['kpi']}, one panel per {level}, with plans dashed.",
        )
        shown = multiples[["name", "area_code", "period_start", "value", "plan", "suppression"]].rename(
            columns={"name": "Area", "area_code": "Code", "period_start": "Period", "value": "Value", "plan": "Plan",
                     "suppression": "Suppression"}
        )  # fmt: skip
        context = export_context(f"{kpi['kpi']} by {'PCN' if level == 'pcn' else level}", words, kpi["source"],
                                 data_date)  # fmt: skip
        panels = cached_panels(small_multiple_panels, multiples, unit=kpi["unit"], alt_text=grid.description)
        chart_with_table(grid, shown, context, key="multiples", panels=panels)
        suppression_caption(multiples, "area-periods")
