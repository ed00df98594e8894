"""Finance and activity: planned vs actual investment and savings, variance in words, activity shift by setting."""

from __future__ import annotations

import streamlit as st

from components.area import selected_area, system_code
from components.chart_cache import cached
from components.exports import chart_with_table
from components.filters import page_filters
from components.messages import provenance_caption
from components.page import export_context, filter_wording
from components.programme import (
    cumulative_chart,
    empty_state,
    evidence_links,
    plan_actual_bars,
    scope_note,
    variance_chart,
)
from components.shell import require_app_shell
from data import cache
from data import programme as prog

require_app_shell()

SOURCE = "Programme finance and activity returns (finance and activity templates)"

filters = page_filters("finance")
area = selected_area(filters)
st.title("Finance and activity")
lines_all, activity_all = cache.finance_lines(), cache.activity_changes()
if lines_all.empty and activity_all.empty:
    empty_state("finance", has_register=not cache.workstreams().empty)
    st.stop()

boroughs = cache.boroughs(system_code()).set_index("code")["name"]
borough_name = boroughs.get(filters.borough) if filters.borough else None
lines = prog.in_scope(lines_all, borough=filters.borough, workstream=filters.workstream)
activity = prog.in_scope(activity_all, borough=filters.borough, workstream=filters.workstream)
words = filter_wording(filters, area)
st.caption(
    "Plan to date is the plan for the initiative-years with an actual reported, so a year not yet reported is "
    "never counted as a shortfall; variance = actual - plan to date. Financial years run April to March."
)
scope_note(borough_name, bool(filters.pcn), lines if not lines.empty else activity)

st.markdown("#### Money against plan")
if lines.empty:
    st.info("No finance lines for this workstream and borough. Choose *All workstreams* or another borough.")
else:
    year = prog.latest_reported_year(lines)
    data_date = prog.fy_end(year) if year is not None else None
    totals = prog.finance_totals(lines)
    for column, (measure, name) in zip(st.columns(3), prog.MEASURES.items(), strict=True):
        t = totals[measure]
        column.metric(
            f"{name} to date (actual)",
            prog.money(t["actual"]),
            delta=f"{prog.money(t['variance'])} against plan",
            delta_color="inverse" if measure == "investment" else "normal",
            help=f"Plan to date {prog.money(t['plan_to_date'])}; whole plan {prog.money(t['plan'])}.",
        )
    left, right = st.columns(2)
    measure = left.radio(
        "Measure", list(prog.MEASURES), format_func=prog.MEASURES.get, horizontal=True, key="finance_measure"
    )
    view = right.radio("View", ["In-year", "Cumulative"], horizontal=True, key="finance_view")
    name = prog.MEASURES[measure]
    by_year = prog.finance_by_year(lines, measure)
    if view == "Cumulative":
        chart = cached(
            cumulative_chart,
            by_year,
            value_title=f"Cumulative {name.lower()} (£)",
            alt_text=f"Line chart of cumulative {name.lower()} by financial year: plan dashed, actual solid. "
            f"{prog.headline(totals, measure)}",
        )
    else:
        chart = cached(
            plan_actual_bars,
            by_year,
            category="year",
            category_title="Financial year",
            value_title=f"{name} (£)",
            alt_text=f"Bar chart of {name.lower()} by financial year, plan as outlined bars beside actual as filled "
            f"bars. {prog.headline(totals, measure)}",
        )
    raw = by_year.drop(columns="financial_year")
    amounts = [c for c in raw.columns if c != "year"]
    table = prog.formatted(raw, money_columns=amounts).rename(columns=lambda c: c.replace("_", " ").capitalize())
    st.markdown(f"**{prog.headline(totals, measure)}**")
    chart_with_table(
        chart, table, export_context(f"{name} against plan by year ({view.lower()})", words, SOURCE, data_date),
        key="finance_years", export_rows=raw,
    )

    st.markdown("#### Where the variance is")
    group = st.radio("Group by", ["Initiative", "Workstream", "Borough"], horizontal=True, key="finance_group")
    keys = {"Initiative": ["initiative", "scope"], "Workstream": ["workstream"], "Borough": ["scope"]}[group]
    variance = prog.finance_by(lines, keys, measure)
    variance = variance[variance["reported"]].copy()
    if variance.empty:
        st.info("No actuals are reported yet, so there is no variance to show.")
    else:
        what = (variance["initiative"].combine(variance["scope"], prog.subject) if group == "Initiative"
                else variance[keys[0]])
        variance["direction"] = variance["variance"].map(lambda v: prog.variance_direction(v, measure))
        variance["label"] = [
            f"{w}: {prog.money_short(v)} {prog.direction_word(v, measure)}"
            for w, v in zip(what, variance["variance"], strict=True)
        ]
        chart = cached(
            variance_chart,
            variance, category="label", value_title=f"{name}: actual - plan to date (£)",
            alt_text=f"Bar chart of the {name.lower()} variance against plan to date by {group.lower()}; each bar is "
            "labelled with the amount and whether it is ahead of or behind plan.",
        )
        names = {"what": group, "plan_to_date": "Plan to date", "actual": "Actual", "variance": "Variance",
                 "variance_share": "Variance (share of plan)", "direction": "Against plan"}
        raw = variance.assign(what=what)[list(names)]
        shown = prog.formatted(raw, money_columns=["plan_to_date", "actual", "variance"],
                               share_columns=["variance_share"]).rename(columns=names)
        chart_with_table(chart, shown, export_context(f"{name} variance by {group.lower()}", words, SOURCE,
                                                      data_date), key="finance_variance",
                         export_rows=raw.rename(columns=names), places={"Variance (share of plan)": 2})
    sentences = prog.variance_sentences(lines, measure=measure)
    if sentences:
        st.markdown("**Largest variances by initiative and year**\n\n" + "\n".join(f"- {s}" for s in sentences))

    st.markdown("#### Recurrent and non-recurrent")
    recurrence = prog.recurrence_by_year(lines, measure)
    recurrence["label"] = recurrence["year"] + " " + recurrence["recurrence"].str.lower()
    chart = cached(
        plan_actual_bars,
        recurrence, category="label", category_title="Financial year and recurrence", value_title=f"{name} (£)",
        horizontal=True,
        alt_text=f"Bar chart of {name.lower()} by financial year split into recurrent and non-recurrent, plan "
        "outlined beside actual filled.",
    )
    raw = recurrence[["year", "recurrence", "plan", "actual", "variance"]]
    chart_with_table(
        chart, prog.formatted(raw, money_columns=["plan", "actual", "variance"]),
        export_context(f"{name}: recurrent and non-recurrent", words, SOURCE, data_date), key="finance_recurrence",
        export_rows=raw,
    )

st.markdown("#### Activity shift by point of delivery")
if activity.empty:
    st.info("No activity plans for this workstream and borough.")
else:
    years = prog.activity_years(activity)
    latest = prog.latest_reported_year(activity)
    year = st.selectbox(
        "Financial year", years, index=years.index(latest) if latest in years else 0, format_func=prog.fy_label,
        key="activity_year",
    )
    pods = prog.activity_by_pod(activity, year)
    chart = cached(
        plan_actual_bars,
        pods, category="label", category_title="Point of delivery",
        value_title="Change in activity (negative = fewer)", money=False, horizontal=True,
        alt_text=f"Bar chart of the planned and actual change in activity by point of delivery in "
        f"{prog.fy_label(year)}, plan outlined and actual filled; negative values are less hospital activity.",
    )
    st.markdown("\n".join(f"- {prog.activity_sentence(row, year)}" for _, row in pods.iterrows()))
    names = {"label": "Point of delivery", "plan": "Plan", "plan_to_date": "Plan to date", "actual": "Actual",
             "variance": "Variance", "delivered": "Share of planned shift", "evidence": "Evidenced by KPI"}
    raw = pods[list(names)]
    table = prog.formatted(raw, count_columns=["plan", "plan_to_date", "actual", "variance"],
                           share_columns=["delivered"]).rename(columns=names)
    chart_with_table(
        chart, table,
        export_context(f"Activity change by point of delivery, {prog.fy_label(year)}", words, SOURCE,
                       prog.fy_end(year)),
        key="activity_pod", export_rows=raw.rename(columns=names),
    )
    evidence_links(pods, filters)

provenance_caption(cache.provenance(), cache.programme_data_date())
