"""Programme views (finance and activity, delivery, risks): Altair chart builders and small renderers.

Builders are pure (frames in, charts out; tested through ``to_dict()``). Colours are Okabe-Ito and never the
only cue: plan is an outlined bar or a dashed line, actual a filled bar or solid line; slipped milestones are
triangles with the slip written beside them; risk-matrix cells name their risks and bands are also in words.
Renderers take frames and return nothing or the user's choice; no database access here.
"""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from components.charts import (
    BLUE,
    GREY,
    LINES,
    ORANGE,
    SKY,
    VERMILLION,
    WIDTH,
    YELLOW,
    title_lines,
    top_legend,
    wrapped,
)  # fmt: skip
from components.state import BOROUGH_KEY, KPI_KEY, WORKSTREAM_KEY, Filters
from data.programme import (
    AFTER,
    BEFORE,
    BETTER,
    DONE_LATE,
    DONE_ON_TIME,
    NOT_DUE,
    ON_PLAN,
    OVERDUE,
    SYSTEM_WIDE,
    WORSE,
)

PLAN_LABEL, ACTUAL_LABEL = "Plan (outlined)", "Actual (filled)"
VARIANCE_STYLE = {WORSE: VERMILLION, BETTER: BLUE, ON_PLAN: GREY}
MILESTONE_STYLE = {  # status -> (colour, shape)
    DONE_ON_TIME: (BLUE, "circle"),
    DONE_LATE: (ORANGE, "triangle-up"),
    OVERDUE: (VERMILLION, "cross"),
    NOT_DUE: (GREY, "diamond"),
}
BAND_STYLE = {"Low": SKY, "Moderate": YELLOW, "High": ORANGE, "Extreme": VERMILLION}
STAGE_STYLE = {BEFORE: (VERMILLION, "circle", []), AFTER: (BLUE, "square", [5, 3])}

POUND_AXIS = "(datum.value < 0 ? '-£' : '£') + format(abs(datum.value), ',.2s')"  # d3-format has no £ prefix

EMPTY_HINTS = {
    "finance": "No finance or activity plans are loaded yet. On the Data page import **Finance plans and actuals** "
    "(template docs/templates/finance.csv) and **Activity plans and actuals** (docs/templates/activity.csv), after "
    "the benefits register; docs/importing.md gives the columns.",
    "delivery": "No delivery milestones are loaded yet. On the Data page import **Delivery milestones** (template "
    "docs/templates/milestones.csv: initiative, code, name, owner, borough, planned and actual dates), after the "
    "benefits register.",
    "risks": "No risks are loaded yet. On the Data page import the **Risk register** (template "
    "docs/templates/risks.csv) and then **Risk reviews** for the trend; docs/importing.md gives the columns.",
}


# ------------------------------------------------------------------------------------------------ renderers


NO_REGISTER = (
    "No benefits register is loaded, so there are no programme {things} to show (the published indicators on the "
    "other pages need none). To add one, import the **Benefits register** on the Data page (template "
    "docs/templates/register.csv: workstreams and initiatives), then:"
)
NO_REGISTER_THINGS = {"finance": "finances", "delivery": "milestones", "risks": "risks"}


def empty_state(view: str, *, has_register: bool = True) -> None:
    """Say what to import when a programme view has nothing to show; first the benefits register when there is
    none (a database started from published files alone), since every programme template names its initiatives."""
    first = NO_REGISTER.format(things=NO_REGISTER_THINGS[view]) + "\n\n" if not has_register else ""
    st.info(first + EMPTY_HINTS[view], icon=":material/upload_file:")


def scope_note(borough_name: str | None, pcn_chosen: bool, shown: pd.DataFrame) -> None:
    """Explain how the borough filter applies (PCNs have no programme data; system-wide rows are shared)."""
    notes = []
    if pcn_chosen:
        notes.append("Programme data are held by initiative and borough, not by PCN: the PCN's borough is shown.")
    if borough_name and "scope" in shown.columns and (shown["scope"] == SYSTEM_WIDE).any():
        n = shown.loc[shown["scope"] == SYSTEM_WIDE, "initiative_code"].nunique()
        notes.append(f"{n} system-wide initiative{'s' if n != 1 else ''} shown for {borough_name} (and every other "
                     "borough) are labelled *System-wide*: their figures are for the whole system, not the borough.")
    for note in notes:
        st.caption(note)


def evidence_links(pods: pd.DataFrame, filters: Filters) -> None:
    """Links to the Trajectories page of each KPI that evidences an activity shift (opens with that KPI chosen)."""
    codes = {c: e for codes, evidence in zip(pods["evidence_codes"], pods["evidence"], strict=True)
             for c, e in zip(codes, evidence.split("; "), strict=False)}
    if not codes:
        st.caption("No KPI is linked to these activity shifts (give evidence_kpi_code in the activity template).")
        return
    keep = {BOROUGH_KEY: filters.borough, WORKSTREAM_KEY: filters.workstream}
    extra = "".join(f"&{k}={v}" for k, v in keep.items() if v)
    links = [f"[{text}](trajectories?{KPI_KEY}={code}{extra})" for code, text in codes.items()]
    st.markdown("**Evidence in the KPIs** (opens the KPI's trajectory): " + " · ".join(links))


# --------------------------------------------------------------------------------------------------- charts

LABEL_WIDTH = 30  # characters a category label's line holds before it wraps (keeps the axis narrow on a phone)


def _label_axis(**kwargs: object) -> alt.Axis:
    """A category axis whose labels (wrapped by ``wrapped``) are all drawn, on as many lines as they need."""
    return alt.Axis(labelExpr=LINES, labelOverlap=False, labelLimit=0, labelLineHeight=12, **kwargs)


def _row_height(labels: pd.Series, floor: int = 22) -> int:
    """A row height (px) that holds the tallest wrapped label: 12 px a line, plus a gap."""
    lines = int(labels.astype(str).str.count("\n").max()) + 1 if len(labels) else 1
    return max(floor, 12 * lines + 8)


def _row_step(labels: pd.Series, floor: int = 22) -> alt.Step:
    """The chart height as a step per row, each row as tall as ``_row_height``."""
    return alt.Step(_row_height(labels, floor))


def _plan_actual_long(frame: pd.DataFrame, category: str, plan: str, actual: str) -> pd.DataFrame:
    long = frame[[category, plan, actual]].rename(columns={plan: PLAN_LABEL, actual: ACTUAL_LABEL})
    long = long.melt(category, var_name="series", value_name="amount").dropna(subset=["amount"])
    return long


def plan_actual_bars(
    frame: pd.DataFrame,
    *,
    category: str,
    category_title: str,
    value_title: str,
    alt_text: str,
    plan: str = "plan",
    actual: str = "actual",
    money: bool = True,
    horizontal: bool = False,
) -> alt.Chart:
    """Plan (outlined bar) beside actual (filled bar) for each category; tooltips carry both values."""
    if horizontal:  # category names on the left, wrapped; vertical bars keep short names, turned to fit a phone
        frame = frame.assign(**{category: [wrapped(c, LABEL_WIDTH) for c in frame[category]]})
    long = _plan_actual_long(frame, category, plan, actual)
    order = list(dict.fromkeys(frame[category]))
    fmt = ",.0f"
    cat = alt.X if not horizontal else alt.Y
    val = alt.Y if not horizontal else alt.X
    offset = alt.XOffset if not horizontal else alt.YOffset
    axis = alt.Axis(labelExpr=POUND_AXIS) if money else alt.Axis(format=",.0f")
    encodings = {
        ("x" if not horizontal else "y"): cat(f"{category}:N", sort=order, title=category_title,
                                               axis=_label_axis(labelAngle=0) if horizontal else
                                               alt.Axis(labelAngle=-45, labelOverlap=False, labelLimit=0)),
        ("y" if not horizontal else "x"): val("amount:Q", title=value_title, axis=axis),
        ("xOffset" if not horizontal else "yOffset"): offset("series:N", sort=[PLAN_LABEL, ACTUAL_LABEL]),
    }
    return (
        alt.Chart(long)
        .mark_bar(strokeWidth=2)
        .encode(
            **encodings,
            color=alt.Color("series:N", scale=alt.Scale(domain=[PLAN_LABEL, ACTUAL_LABEL], range=[ORANGE, BLUE]),
                            title=None, legend=top_legend()),
            fillOpacity=alt.FillOpacity("series:N", scale=alt.Scale(domain=[PLAN_LABEL, ACTUAL_LABEL],
                                                                    range=[0.0, 0.9]), legend=None),
            stroke=alt.Stroke("series:N", scale=alt.Scale(domain=[PLAN_LABEL, ACTUAL_LABEL], range=[ORANGE, BLUE]),
                              legend=None),
            tooltip=[alt.Tooltip(f"{category}:N", title=category_title), alt.Tooltip("series:N", title="Series"),
                     alt.Tooltip("amount:Q", title=value_title, format=fmt)],
        )
        .properties(width=WIDTH if not horizontal else WIDTH - 200,
                    height=320 if not horizontal else alt.Step(max(16, _row_height(frame[category]) // 2)),
                    description=alt_text)
    )


def cumulative_chart(frame: pd.DataFrame, *, value_title: str, alt_text: str) -> alt.Chart:
    """Cumulative plan (dashed, squares) and actual (solid, circles) by financial year."""
    long = frame[["year", "cumulative_plan", "cumulative_actual"]].rename(
        columns={"cumulative_plan": "Plan (dashed)", "cumulative_actual": "Actual (solid)"})
    long = long.melt("year", var_name="series", value_name="amount").dropna(subset=["amount"])
    domain = ["Plan (dashed)", "Actual (solid)"]
    return (
        alt.Chart(long)
        .mark_line(point=alt.OverlayMarkDef(filled=True, size=70))
        .encode(
            x=alt.X("year:N", title="Financial year", sort=list(frame["year"]), axis=alt.Axis(labelAngle=0)),
            y=alt.Y("amount:Q", title=value_title, axis=alt.Axis(labelExpr=POUND_AXIS)),
            color=alt.Color("series:N", scale=alt.Scale(domain=domain, range=[ORANGE, BLUE]), title=None,
                            legend=top_legend()),
            strokeDash=alt.StrokeDash("series:N", scale=alt.Scale(domain=domain, range=[[6, 4], [1, 0]]),
                                      legend=None),
            shape=alt.Shape("series:N", scale=alt.Scale(domain=domain, range=["square", "circle"]), legend=None),
            tooltip=[alt.Tooltip("year:N", title="Financial year"), alt.Tooltip("series:N", title="Series"),
                     alt.Tooltip("amount:Q", title=value_title, format=",.0f")],
        )
        .properties(width=WIDTH, height=320, description=alt_text)
    )


def variance_chart(frame: pd.DataFrame, *, category: str, value_title: str, alt_text: str) -> alt.LayerChart:
    """Diverging bars of variance against plan, coloured by direction; ``category`` should say it in words
    (e.g. 'Care home support: £0.4m behind plan'), so colour is never the only cue."""
    frame = frame.assign(**{category: [wrapped(c, LABEL_WIDTH) for c in frame[category]]})
    y = alt.Y(f"{category}:N", sort=alt.SortField("variance", order="ascending"), title=None, axis=_label_axis())
    domain = [d for d in VARIANCE_STYLE if d in set(frame["direction"])] or list(VARIANCE_STYLE)
    bars = alt.Chart(frame).mark_bar().encode(
        x=alt.X("variance:Q", title=title_lines(value_title, 26), axis=alt.Axis(labelExpr=POUND_AXIS)),
        y=y,
        color=alt.Color("direction:N", scale=alt.Scale(domain=domain, range=[VARIANCE_STYLE[d] for d in domain]),
                        title=None, legend=top_legend()),
        tooltip=[alt.Tooltip(f"{category}:N", title="What"), alt.Tooltip("variance:Q", title="Variance",
                                                                         format=",.0f"),
                 alt.Tooltip("direction:N", title="Against plan")],
    )
    zero = alt.Chart(pd.DataFrame({"x": [0]})).mark_rule(color="black").encode(x="x:Q")
    return alt.layer(bars, zero).properties(width=WIDTH - 250, height=_row_step(frame[category], 24),
                                            description=alt_text)


def milestone_timeline(frame: pd.DataFrame, *, as_at: object, alt_text: str) -> alt.LayerChart:
    """Each milestone as a line from planned date to actual (or as-at when overdue), its status by colour and
    shape, the planned date as a hollow tick, slips written beside ('+75 days'), and the as-at date as a rule."""
    data = frame.assign(
        label=[wrapped(label, LABEL_WIDTH) for label in frame["label"]],
        planned=pd.to_datetime(frame["planned_date"]), end=pd.to_datetime(frame["end_date"]),
        slip_label=[f"+{d} days" if s else "" for d, s in zip(frame["slip_days"], frame["slipped"], strict=True)],
        owner=frame["owner"].fillna("not named"),
    )[["label", "name", "owner", "borough_label", "planned", "end", "actual_text", "status", "slip_days",
       "slip_label"]]
    present = [s for s in MILESTONE_STYLE if s in set(data["status"])] or list(MILESTONE_STYLE)
    colour = alt.Scale(domain=present, range=[MILESTONE_STYLE[s][0] for s in present])
    shape = alt.Scale(domain=present, range=[MILESTONE_STYLE[s][1] for s in present])
    y = alt.Y("label:N", sort=list(data["label"]), title=None, axis=_label_axis())
    first = min(data["planned"].min(), data["end"].min(), pd.Timestamp(as_at))
    last = max(data["end"].max(), pd.Timestamp(as_at))
    span = max(last - first, pd.Timedelta(days=30))
    domain = [first - span * 0.02, last + span * 0.02]
    near_end = data["end"] > first + span * 0.75  # their slip is written to the left, above the line, in the chart
    tooltip = [
        alt.Tooltip("name:N", title="Milestone"), alt.Tooltip("owner:N", title="Owner"),
        alt.Tooltip("borough_label:N", title="Borough"), alt.Tooltip("planned:T", title="Planned", format="%d %b %Y"),
        alt.Tooltip("actual_text:N", title="Actual"), alt.Tooltip("status:N", title="Status"),
        alt.Tooltip("slip_days:Q", title="Slip (days)"),
    ]
    base = alt.Chart(data)
    span = base.mark_rule(strokeWidth=3).encode(
        x=alt.X("planned:T", title="Date", axis=alt.Axis(format="%b %Y"), scale=alt.Scale(domain=domain)),
        x2="end:T", y=y,
        color=alt.Color("status:N", scale=colour, title="Status",
                        legend=alt.Legend(orient="top", columns=alt.ExprRef("width < 420 ? 2 : 4"))),
        tooltip=tooltip,
    )
    planned = base.mark_tick(thickness=2, size=14, color="black").encode(x="planned:T", y=y, tooltip=tooltip)
    points = base.mark_point(filled=True, size=90).encode(
        x="end:T", y=y, color=alt.Color("status:N", scale=colour, title="Status"),
        shape=alt.Shape("status:N", scale=shape, title="Status"), tooltip=tooltip,
    )
    slips = alt.layer(*(
        alt.Chart(data[rows]).mark_text(align=align, dx=dx, dy=0 if align == "left" else -9, fontSize=11)
        .encode(x="end:T", y=y, text="slip_label:N")
        for rows, align, dx in ((~near_end, "left", 8), (near_end, "right", -6))
    ))
    rule = alt.Chart(pd.DataFrame({"as_at": [pd.Timestamp(as_at)], "text": [f"As at {as_at:%d %b %Y}"]}))
    as_at_rule = rule.mark_rule(strokeDash=[4, 4], color="black").encode(x="as_at:T")
    as_at_text = rule.mark_text(align="right", dx=-4, dy=-6, baseline="bottom", fontSize=11).encode(
        x="as_at:T", y=alt.value(0), text="text:N")
    return alt.layer(span, planned, points, slips, as_at_rule, as_at_text).properties(
        width=WIDTH, height=_row_step(data["label"], 20), description=alt_text)


def rollout_chart(frame: pd.DataFrame, *, alt_text: str) -> alt.LayerChart:
    """Per borough and initiative: the share of its milestones live (filled) within the whole (outline, 100%),
    so "1 of 1 live" is a full bar like "4 of 4 live"; each row's label ends with its progress ("3 of 4 live")."""
    data = frame.assign(
        row=[wrapped(f"{i} – {b}", LABEL_WIDTH) + f"\n{label}"
             for i, b, label in zip(frame["initiative"], frame["borough"], frame["label"], strict=True)],
        share=frame["live"] / frame["total"], whole=1.0,
    )[["row", "live", "total", "label", "share", "whole"]]
    y = alt.Y("row:N", sort=list(data["row"]), title=None, axis=_label_axis())
    tooltip = [alt.Tooltip("row:N", title="Roll-out"), alt.Tooltip("label:N", title="Progress"),
               alt.Tooltip("share:Q", title="Share live", format=".0%")]
    total = alt.Chart(data).mark_bar(fill="white", stroke=GREY, strokeWidth=1.5).encode(
        x=alt.X("whole:Q", title=title_lines("Share of planned milestones live (filled) of all planned (outline)", 34),
                scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format=".0%", values=[0, 0.5, 1], labelFlush=True)),
        y=y, tooltip=tooltip,
    )
    live = alt.Chart(data).mark_bar(color=BLUE).encode(x="share:Q", y=y, tooltip=tooltip)
    return alt.layer(total, live).properties(width=WIDTH - 250, height=_row_step(data["row"], 22),
                                             description=alt_text)


def _matrix_layers(cells: pd.DataFrame, *, legend: bool = True) -> alt.LayerChart:
    """One stage's (or both stages') 5×5 cells: rect by band, the score in the corner, the codes two to a line (a
    cell of three or more risks wraps instead of running out of its square)."""
    domain = list(BAND_STYLE)
    codes = cells["codes"].fillna("").map(lambda c: [x for x in c.split(", ") if x])
    lines = ["\n".join(", ".join(parts[i : i + 2]) for i in range(0, len(parts), 2)) for parts in codes]
    data = cells.assign(label=[text or label for text, label in zip(lines, cells["label"], strict=True)])
    base = alt.Chart(data).encode(
        x=alt.X("likelihood:O", title="Likelihood (1 rare – 5 almost certain)", axis=alt.Axis(labelAngle=0)),
        y=alt.Y("impact:O", title=["Impact", "(1 negligible – 5 catastrophic)"], sort="descending"),
    )
    rect = base.mark_rect(stroke="white", strokeWidth=2).encode(
        color=alt.Color("band:N", scale=alt.Scale(domain=domain, range=[BAND_STYLE[d] for d in domain]),
                        title="Risk band (score)", legend=top_legend() if legend else None),
        tooltip=[alt.Tooltip("stage:N", title="Stage"), alt.Tooltip("likelihood:O", title="Likelihood"),
                 alt.Tooltip("impact:O", title="Impact"), alt.Tooltip("score:Q", title="Score"),
                 alt.Tooltip("band:N", title="Band"), alt.Tooltip("codes:N", title="Risks")],
    )
    score = alt.Chart(data).mark_text(align="left", baseline="top", dx=3, dy=3, fontSize=9, color="black").encode(
        x=alt.X("likelihood:O", bandPosition=0), y=alt.Y("impact:O", bandPosition=0, sort="descending"),
        text="score:Q")  # in each cell's top-left corner, whatever the cell's size
    names = base.mark_text(fontSize=11, fontWeight="bold", color="black", lineBreak="\n", dy=4).encode(
        text="label:N")
    return alt.layer(rect, score, names)


def risk_matrix_chart(cells: pd.DataFrame, *, alt_text: str) -> alt.FacetChart:
    """The 5×5 likelihood × impact matrix before and after mitigation, one above the other, for the exports (PNG,
    SVG): cells by band (in words in the legend and tooltip), each cell naming its risks and showing its score.
    The page draws :func:`risk_matrix_panel` twice instead, side by side on a desktop and stacked on a phone."""
    return (
        _matrix_layers(cells)
        .properties(width=270, height=250)
        .facet(row=alt.Row("stage:N", title=None, sort=[BEFORE, AFTER],
                           header=alt.Header(labelOrient="top", labelAngle=0, labelAlign="left")))
        .properties(description=alt_text)
    )


def risk_matrix_panel(cells: pd.DataFrame, stage: str, *, alt_text: str, legend: bool = True) -> alt.LayerChart:
    """One stage's matrix at its container's width (a facet cannot fit a container, a single chart can), so that
    two columns of the page hold both matrices at a readable size on a desktop and stack on a phone."""
    return (
        _matrix_layers(cells[cells["stage"] == stage], legend=legend)
        .properties(width="container", height=alt.Step(46), title=alt.Title(stage, anchor="start", fontSize=13),
                    description=alt_text)
    )


def risk_trend_chart(trend: pd.DataFrame, *, alt_text: str, columns: int = 2, width: int = 135) -> alt.FacetChart:
    """Small multiples, one per risk: score before mitigation (solid, circles) and after (dashed, squares).

    ``columns`` × ``width`` sets the facet's width (Vega cannot fit a facet to its container): two of 135 px fit a
    phone; the page draws :func:`risk_trend_panels` instead, and exports this."""
    data = trend.assign(review_date=pd.to_datetime(trend["review_date"]),
                        risk=[wrapped(r, max(28, width // 6)) for r in trend["risk"]])
    domain = [BEFORE, AFTER]
    lines = alt.Chart().mark_line(point=alt.OverlayMarkDef(filled=True, size=30)).encode(
        x=alt.X("review_date:T", title=None, axis=alt.Axis(format="%b %y", labelAngle=0, tickCount=4)),
        y=alt.Y("score:Q", title="Score (1-25)", scale=alt.Scale(domain=[0, 25])),
        color=alt.Color("stage:N", scale=alt.Scale(domain=domain, range=[STAGE_STYLE[d][0] for d in domain]),
                        title=None, legend=top_legend()),
        strokeDash=alt.StrokeDash("stage:N", scale=alt.Scale(domain=domain, range=[STAGE_STYLE[d][2]
                                                                                   for d in domain]), legend=None),
        shape=alt.Shape("stage:N", scale=alt.Scale(domain=domain, range=[STAGE_STYLE[d][1] for d in domain]),
                        legend=None),
        tooltip=[alt.Tooltip("risk:N", title="Risk"), alt.Tooltip("review_date:T", title="Review",
                                                                  format="%d %b %Y"),
                 alt.Tooltip("stage:N", title="Stage"), alt.Tooltip("score:Q", title="Score")],
    )
    return (
        alt.layer(lines, data=data)
        .properties(width=width, height=90)
        .facet(facet=alt.Facet("risk:N", title=None, header=alt.Header(labelExpr=LINES, labelLimit=0,
                                                                           labelFontSize=10)),
               columns=min(columns, max(int(data["risk"].nunique()), 1)))
        .properties(description=alt_text)
    )


def risk_trend_panels(trend: pd.DataFrame, *, alt_text: str, panels: int = 2) -> list[alt.FacetChart]:
    """The small multiples split into ``panels`` one-column facets of 290 px, for columns of the page: side by side
    on a desktop (each twice the width of a phone's two-column multiple), stacked on a phone, where 290 px and
    the axis fit 390 px. Risks keep their order, the first half in the first panel."""
    risks = list(dict.fromkeys(trend["risk"]))
    size = -(-len(risks) // panels)
    parts = [risks[i : i + size] for i in range(0, len(risks), size)]
    return [risk_trend_chart(trend[trend["risk"].isin(part)], alt_text=alt_text, columns=1, width=290)
            for part in parts]


def top_risks_chart(frame: pd.DataFrame, *, alt_text: str) -> alt.LayerChart:
    """Top risks per workstream: score before mitigation (filled bar, band colour) and after (black tick)."""
    rows = [wrapped(f"{w}: {c} {t}", LABEL_WIDTH + 6) + "\n" + summary
            for w, c, t, summary in zip(frame["workstream"], frame["code"], frame["title"], frame["summary"],
                                        strict=True)]
    data = frame.assign(row=rows)[
        ["row", "code", "title", "workstream", "score", "band", "residual_score", "threatens", "summary"]]
    y = alt.Y("row:N", sort=list(data["row"]), title=None, axis=_label_axis())
    domain = list(BAND_STYLE)
    tooltip = [alt.Tooltip("code:N", title="Risk"), alt.Tooltip("title:N", title="Title"),
               alt.Tooltip("workstream:N", title="Workstream"), alt.Tooltip("score:Q", title="Score before"),
               alt.Tooltip("band:N", title="Band before"), alt.Tooltip("residual_score:Q", title="Score after"),
               alt.Tooltip("threatens:N", title="Threatens")]
    bars = alt.Chart(data).mark_bar().encode(
        x=alt.X("score:Q", title=["Score before mitigation (bar)", "and after (tick)"],
                scale=alt.Scale(domain=[0, 25]), axis=alt.Axis(titleAnchor="end")),  # never past the right edge
        y=y, color=alt.Color("band:N", scale=alt.Scale(domain=domain, range=[BAND_STYLE[d] for d in domain]),
                             title="Band before mitigation", legend=top_legend()),
        tooltip=tooltip,
    )
    ticks = alt.Chart(data).mark_tick(color="black", thickness=3, size=18).encode(x="residual_score:Q", y=y,
                                                                                   tooltip=tooltip)
    return alt.layer(bars, ticks).properties(width=WIDTH - 300, height=_row_step(data["row"], 22),
                                             description=alt_text)
