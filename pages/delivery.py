"""Delivery: milestones as a timeline (planned vs actual, slips highlighted), roll-out by borough, what is due next."""

from __future__ import annotations

from datetime import date

import streamlit as st

from components.area import selected_area, system_code
from components.chart_cache import cached
from components.exports import chart_with_table, export_buttons
from components.filters import page_filters
from components.messages import provenance_caption
from components.page import export_context, filter_wording
from components.programme import empty_state, milestone_timeline, rollout_chart, scope_note
from components.shell import require_app_shell
from data import cache
from data import programme as prog
from data.register import plural

require_app_shell()

SOURCE = "Programme delivery plan (milestones template)"
COLUMNS = {
    "code": "Code",
    "name": "Milestone",
    "initiative": "Initiative",
    "owner": "Owner",
    "scope": "Borough",
    "planned_date": "Planned",
    "actual_date": "Actual",
    "status": "Status",
    "slip_days": "Slip (days)",
}

filters = page_filters("delivery")
area = selected_area(filters)
st.title("Delivery")
all_milestones = cache.milestones()
if all_milestones.empty:
    empty_state("delivery", has_register=not cache.workstreams().empty)
    st.stop()

data_date = cache.programme_data_date() or date.today()
as_at_choices = prog.as_at_options(all_milestones, data_date)
as_at = st.selectbox(
    "As at",
    as_at_choices,
    index=as_at_choices.index(data_date),
    key="delivery_as_at",
    format_func=lambda d: f"{d:%d %b %Y}" + (" (data date)" if d == data_date else ""),
    help="Milestones are judged as at this date: done when their actual date is on or before it. It starts at the "
    "data date (the latest actual milestone, risk review or KPI observation), not today, so an old extract is not "
    "shown as overdue.",
)
boroughs = cache.boroughs(system_code()).set_index("code")["name"]
borough_name = boroughs.get(filters.borough) if filters.borough else None
milestones = prog.in_scope(all_milestones, borough=filters.borough, workstream=filters.workstream)
scope_note(borough_name, bool(filters.pcn), milestones)
if milestones.empty:
    st.info("No milestones for this workstream and borough. Choose *All workstreams* or another borough.")
    st.stop()

status = prog.milestone_status(milestones, as_at)
summary = prog.slippage_summary(status)
first, last = prog.next_quarter(as_at)
due = prog.due_between(status, first, last)
late = prog.overdue(status)
done = summary[prog.DONE_ON_TIME] + summary[prog.DONE_LATE]
cols = st.columns(4)
cols[0].metric("Done", f"{done} of {summary['total']}")
cols[1].metric("Slipped", summary["slipped"], help="Done after the planned date, or overdue.")
cols[2].metric("Overdue", summary[prog.OVERDUE], help="Planned date passed and not done.")
cols[3].metric("Due in the next 3 months", len(due), help=f"Planned {first:%d %b %Y} to {last:%d %b %Y}.")
st.markdown(
    f"**As at {as_at:%d %b %Y}: {done} of {plural(summary['total'], 'milestone')} done, {summary[prog.DONE_LATE]} "
    "of them late "
    f"(on average {summary['mean_late_days']} days), {summary[prog.OVERDUE]} overdue.**"
)
words = {**filter_wording(filters, area), "As at": f"{as_at:%d %b %Y}"}

st.markdown("#### Milestones: planned against actual")
timeline = status.assign(
    label=status["name"] + " (" + status["code"] + ")",
    borough_label=status["scope"],
    actual_text=status["actual_date"].map(lambda d: f"{d:%d %b %Y}" if d is not None and d == d else "not yet"),
)
chart = cached(
    milestone_timeline,
    timeline,
    as_at=as_at,
    alt_text=f"Timeline of {plural(summary['total'], 'milestone')}: each line runs from the planned date (black "
    f"tick) to the actual date, or to the as-at date when overdue; {plural(summary['slipped'], 'slipped item')} "
    "are orange triangles "
    "(done late) or red crosses (overdue) with the days of slippage written beside them.",
)
table = status[list(COLUMNS)].rename(columns=COLUMNS)
chart_with_table(
    chart, table, export_context("Milestones: planned against actual", words, SOURCE, as_at), key="delivery_timeline"
)

st.markdown("#### Roll-out by borough")
progress = prog.rollout(status)
if progress.empty:
    st.info("No milestone here is tied to a borough, so there is no borough roll-out to show.")
else:
    chart = cached(
        rollout_chart,
        progress,
        alt_text="Bar chart of roll-out progress per initiative and borough: filled bars count the milestones live "
        "out of all planned (outline), each labelled like '3 of 4 live'.",
    )
    table = progress[["initiative", "borough", "label", "live", "total"]].rename(
        columns={
            "initiative": "Initiative",
            "borough": "Borough",
            "label": "Progress",
            "live": "Live",
            "total": "Planned",
        }
    )
    chart_with_table(chart, table, export_context("Roll-out by borough", words, SOURCE, as_at), key="delivery_rollout")

st.markdown(f"#### Due in the next quarter ({first:%d %b %Y} to {last:%d %b %Y})")
if due.empty:
    st.success("Nothing is planned to complete in the next three months.", icon=":material/check_circle:")
else:
    shown = due[list(COLUMNS)].rename(columns=COLUMNS).drop(columns=["Actual", "Status", "Slip (days)"])
    st.dataframe(shown, hide_index=True, width="stretch")
    export_buttons(
        None, shown, export_context("Milestones due in the next quarter", words, SOURCE, as_at), key="delivery_due"
    )

st.markdown("#### Overdue")
if late.empty:
    st.success("No milestone is overdue.", icon=":material/check_circle:")
else:
    shown = late[list(COLUMNS)].rename(columns=COLUMNS).drop(columns=["Actual", "Status"])
    st.dataframe(shown, hide_index=True, width="stretch")
    export_buttons(None, shown, export_context("Overdue milestones", words, SOURCE, as_at), key="delivery_overdue")

provenance_caption(cache.provenance(), data_date)
