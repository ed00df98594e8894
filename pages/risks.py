"""Risks: likelihood × impact before and after mitigation, escalation, score trends and top risks per workstream."""

from __future__ import annotations

import streamlit as st

from components.area import selected_area, system_code
from components.chart_cache import cached, cached_panels
from components.exports import chart_with_table, export_buttons
from components.filters import page_filters
from components.messages import provenance_caption
from components.page import export_context, filter_wording
from components.programme import (
    empty_state,
    risk_matrix_chart,
    risk_matrix_panel,
    risk_trend_chart,
    risk_trend_panels,
    scope_note,
    top_risks_chart,
)
from components.shell import require_app_shell
from data import cache
from data import programme as prog
from data.register import plural

require_app_shell()

SOURCE = "Programme risk register and reviews (risks and risk_reviews templates)"

filters = page_filters("risks")
area = selected_area(filters)
st.title("Risks")
all_risks = cache.risks()
if all_risks.empty:
    empty_state("risks", has_register=not cache.workstreams().empty)
    st.stop()

boroughs = cache.boroughs(system_code()).set_index("code")["name"]
borough_name = boroughs.get(filters.borough) if filters.borough else None
risks = prog.in_scope(all_risks, borough=filters.borough, workstream=filters.workstream)
scope_note(borough_name, bool(filters.pcn), risks)
if risks.empty:
    st.info("No risks for this workstream and borough. Choose *All workstreams* or another borough.")
    st.stop()

all_reviews = cache.risk_reviews()
reviews = all_reviews[all_reviews["risk_code"].isin(risks["code"])]
scored = prog.risk_scores(risks)
trend = prog.escalation(risks, reviews)
scored = scored.merge(trend[["code", "trend", "trend_label", "change"]], on="code", how="left")
scored["threatens"] = scored.apply(prog.risk_links, axis=1)
data_date = max(reviews["review_date"]) if not reviews.empty else cache.programme_data_date()
words = filter_wording(filters, area)

rising = scored[scored["trend"] == "Rising"].sort_values("score", ascending=False)
cols = st.columns(4)
cols[0].metric("Risks", len(scored))
cols[1].metric("Extreme before mitigation", int((scored["band"] == "Extreme").sum()), help="Score 15 to 25.")
cols[2].metric("Extreme after mitigation", int((scored["residual_band"] == "Extreme").sum()))
cols[3].metric("Rising since last review", len(rising))
st.caption(
    "Score = likelihood × impact, each 1-5, before and after mitigation. Bands (NHS 5×5 matrix): low 1-3, moderate "
    "4-6, high 8-12, extreme 15-25. A risk is rising when its latest review scores it higher than the one before."
)

st.markdown("#### Which risks are escalating")
if rising.empty:
    st.success("No risk scored higher at its latest review than at the one before.", icon=":material/check_circle:")
else:
    st.markdown("\n".join(
        f"- **{r.code} {r.title}**: {r.trend_label.replace('▲ Rising', '▲ up')}, now {r.score} ({r.band.lower()}); "
        f"escalation potential {r.escalation}; threatens {r.threatens}."
        for r in rising.itertuples()
    ))

st.markdown("#### Likelihood × impact, before and after mitigation")
cells = prog.risk_matrix(risks)
chart = cached(
    risk_matrix_chart,
    cells,
    alt_text=f"Two 5 by 5 risk matrices, likelihood across and impact up, before and after mitigation; each cell "
    f"names the risks in it and is shaded by band. {int((scored['band'] == 'Extreme').sum())} of {len(scored)} risks "
    f"are extreme before mitigation and {int((scored['residual_band'] == 'Extreme').sum())} after.",
)
matrix_table = cells[cells["count"] > 0][["stage", "likelihood", "impact", "score", "band", "count", "codes"]].rename(
    columns=str.capitalize)
panels = [cached(risk_matrix_panel, cells, stage,
                 alt_text=f"{stage}: the 5 by 5 risk matrix; each cell names its risks.")
          for stage in (prog.BEFORE, prog.AFTER)]  # each with the band legend, so that both are the same size
chart_with_table(chart, matrix_table, export_context("Risk matrix", words, SOURCE, data_date), key="risk_matrix",
                 panels=panels)

st.markdown("#### Scores over reviews")
if reviews.empty:
    st.info("No risk reviews are loaded, so there is no trend yet. Import them with the Risk reviews template.")
else:
    long = prog.risk_trend(reviews)
    titles = dict(zip(scored["code"], scored["title"], strict=True))
    long["risk"] = long["risk_code"] + " " + long["risk_code"].map(titles)  # whole titles: the chart wraps them
    chart = cached(
        risk_trend_chart,
        long,
        alt_text=f"Small multiples, one per risk, of its score at each of {reviews['review_date'].nunique()} reviews: "
        f"before mitigation solid with circles, after mitigation dashed with squares. {plural(len(rising), 'risk')} "
        "rose at the latest review.",
    )
    chart_with_table(chart, long[["risk_code", "review_date", "stage", "score"]],
                     export_context("Risk scores over reviews", words, SOURCE, data_date), key="risk_trend",
                     panels=cached_panels(risk_trend_panels, long, alt_text=chart.description))

st.markdown("#### Top risks per workstream")
top = prog.top_risks(scored)
top = top.assign(summary=[f"{s} {b.lower()} → {r} after; {t}" for s, b, r, t in
                          zip(top["score"], top["band"], top["residual_score"], top["trend"].fillna(""), strict=True)])
chart = cached(
    top_risks_chart,
    top,
    alt_text="Bar chart of the three highest-scoring risks in each workstream: bar length is the score before "
    "mitigation (shaded by band), the black tick the score after, and each bar is labelled with both scores and "
    "the trend.",
)
columns = {"workstream": "Workstream", "code": "Risk", "title": "Title", "threatens": "Threatens", "owner": "Owner",
           "score": "Score before", "band": "Band before", "residual_score": "Score after",
           "residual_band": "Band after", "escalation": "Escalation potential", "trend_label": "Trend",
           "mitigation": "Mitigation"}
chart_with_table(chart, top[list(columns)].rename(columns=columns),
                 export_context("Top risks per workstream", words, SOURCE, data_date), key="risk_top")

st.markdown("#### Risk register")
register = scored.sort_values(["score", "residual_score"], ascending=False)[list(columns)].rename(columns=columns)
st.table(register, hide_index=True)  # a static table wraps long titles and mitigations to fit the page
export_buttons(None, register, export_context("Risk register", words, SOURCE, data_date), key="risk_register")

provenance_caption(cache.provenance(), data_date)
