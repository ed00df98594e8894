"""The Risks page's cached view: everything the page draws, computed once per filter choice (issue 14).

A warm rerun of the Risks page (a borough seen before) used to rescore the risks, rebuild the 5×5 matrices,
escalation, trend and top risks from the cached query frames, and hash each chart's frames by content to find
its cached spec. :func:`risks_view` does that work once per (system, borough, workstream, filter wording),
behind ``st.cache_data``; the page then only draws what it returns. It reads its inputs through ``data.cache``
(an import clears every cache, so the data need not be in the key) and creates no widgets.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd
import streamlit as st

from components.chart_cache import CachedChart, cached, cached_panels
from components.page import export_context
from components.programme import (
    risk_matrix_chart,
    risk_matrix_panel,
    risk_trend_chart,
    risk_trend_panels,
    top_risks_chart,
)
from data import cache
from data import programme as prog
from data.export import ExportContext
from data.register import plural

SOURCE = "Programme risk register and reviews (risks and risk_reviews templates)"
COLUMNS = {"workstream": "Workstream", "code": "Risk", "title": "Title", "threatens": "Threatens", "owner": "Owner",
           "score": "Score before", "band": "Band before", "residual_score": "Score after",
           "residual_band": "Band after", "escalation": "Escalation potential", "trend_label": "Trend",
           "mitigation": "Mitigation"}  # fmt: skip


@dataclass(frozen=True)
class ChartPart:
    """One chart section: the chart, its table view, its export context and the panels drawn instead of it."""

    chart: CachedChart
    table: pd.DataFrame
    context: ExportContext
    panels: tuple[CachedChart, ...] = ()


@dataclass(frozen=True)
class RisksView:
    """What the Risks page draws for one filter choice; ``loaded`` False: no risks at all, ``scope`` empty: none
    for this borough and workstream (the fields after ``scope`` are then None)."""

    loaded: bool
    has_register: bool
    borough_name: str | None = None
    scope: pd.DataFrame | None = None  # the risks in scope (scope, initiative_code): for the scope note
    metrics: tuple[int, int, int, int] = (0, 0, 0, 0)  # risks, extreme before, extreme after, rising
    rising: str | None = None  # the escalating risks as a markdown list (None: none rose)
    matrix: ChartPart | None = None
    trend: ChartPart | None = None  # None: no reviews loaded
    top: ChartPart | None = None
    register: pd.DataFrame | None = None
    register_context: ExportContext | None = None
    data_date: date | None = None


@st.cache_data(ttl=3600, max_entries=256, show_spinner=False)
def risks_view(
    system_code: str, borough: str | None, workstream: str | None, words: tuple[tuple[str, str], ...]
) -> RisksView:
    """The Risks page for ``borough`` and ``workstream`` of system ``system_code``; ``words`` are the filters in
    words (``components.page.filter_wording``) that head its exports. Cached by these values (issue 14)."""
    return _build(system_code, borough, workstream, dict(words))


def _build(system_code: str, borough: str | None, workstream: str | None, words: dict[str, str]) -> RisksView:
    """The view, uncached (what :func:`risks_view` keeps): the page's former computations in the same order."""
    all_risks = cache.risks()
    if all_risks.empty:
        return RisksView(loaded=False, has_register=not cache.workstreams().empty)
    boroughs = cache.boroughs(system_code).set_index("code")["name"]
    borough_name = boroughs.get(borough) if borough else None
    risks = prog.in_scope(all_risks, borough=borough, workstream=workstream)
    scope = risks[[c for c in ("scope", "initiative_code") if c in risks.columns]]
    if risks.empty:
        return RisksView(loaded=True, has_register=True, borough_name=borough_name, scope=scope)

    all_reviews = cache.risk_reviews()
    reviews = all_reviews[all_reviews["risk_code"].isin(risks["code"])]
    scored = prog.risk_scores(risks)
    trend = prog.escalation(risks, reviews)
    scored = scored.merge(trend[["code", "trend", "trend_label", "change"]], on="code", how="left")
    scored["threatens"] = scored.apply(prog.risk_links, axis=1)
    data_date = max(reviews["review_date"]) if not reviews.empty else cache.programme_data_date()

    rising = scored[scored["trend"] == "Rising"].sort_values("score", ascending=False)
    extreme_before = int((scored["band"] == "Extreme").sum())
    extreme_after = int((scored["residual_band"] == "Extreme").sum())
    rising_text = None if rising.empty else "\n".join(
        f"- **{r.code} {r.title}**: {r.trend_label.replace('▲ Rising', '▲ up')}, now {r.score} ({r.band.lower()}); "
        f"escalation potential {r.escalation}; threatens {r.threatens}."
        for r in rising.itertuples()
    )  # fmt: skip

    cells = prog.risk_matrix(risks)
    chart = cached(
        risk_matrix_chart,
        cells,
        alt_text=f"Two 5 by 5 risk matrices, likelihood across and impact up, before and after mitigation; each cell "
        f"names the risks in it and is shaded by band. {extreme_before} of {len(scored)} risks are extreme before "
        f"mitigation and {extreme_after} after.",
    )
    matrix_table = cells[cells["count"] > 0][["stage", "likelihood", "impact", "score", "band", "count", "codes"]]
    panels = tuple(cached(risk_matrix_panel, cells, stage,
                          alt_text=f"{stage}: the 5 by 5 risk matrix; each cell names its risks.")
                   for stage in (prog.BEFORE, prog.AFTER))  # fmt: skip  # each with the band legend: the same size
    matrix = ChartPart(chart, matrix_table.rename(columns=str.capitalize),
                       export_context("Risk matrix", words, SOURCE, data_date), panels)  # fmt: skip

    trend_part = None
    if not reviews.empty:
        long = prog.risk_trend(reviews)
        titles = dict(zip(scored["code"], scored["title"], strict=True))
        long["risk"] = long["risk_code"] + " " + long["risk_code"].map(titles)  # whole titles: the chart wraps them
        chart = cached(
            risk_trend_chart,
            long,
            alt_text=f"Small multiples, one per risk, of its score at each of {reviews['review_date'].nunique()} "
            f"reviews: before mitigation solid with circles, after mitigation dashed with squares. "
            f"{plural(len(rising), 'risk')} rose at the latest review.",
        )
        trend_part = ChartPart(chart, long[["risk_code", "review_date", "stage", "score"]],
                               export_context("Risk scores over reviews", words, SOURCE, data_date),
                               tuple(cached_panels(risk_trend_panels, long, alt_text=chart.description)))  # fmt: skip

    top = prog.top_risks(scored)
    top = top.assign(summary=[f"{s} {b.lower()} → {r} after; {t}" for s, b, r, t in
                              zip(top["score"], top["band"], top["residual_score"], top["trend"].fillna(""),
                                  strict=True)])  # fmt: skip
    chart = cached(
        top_risks_chart,
        top,
        alt_text="Bar chart of the three highest-scoring risks in each workstream: bar length is the score before "
        "mitigation (shaded by band), the black tick the score after, and each bar is labelled with both scores and "
        "the trend.",
    )
    top_part = ChartPart(chart, top[list(COLUMNS)].rename(columns=COLUMNS),
                         export_context("Top risks per workstream", words, SOURCE, data_date))  # fmt: skip

    register = scored.sort_values(["score", "residual_score"], ascending=False)[list(COLUMNS)].rename(columns=COLUMNS)
    return RisksView(
        loaded=True,
        has_register=True,
        borough_name=borough_name,
        scope=scope,
        metrics=(len(scored), extreme_before, extreme_after, len(rising)),
        rising=rising_text,
        matrix=matrix,
        trend=trend_part,
        top=top_part,
        register=register,
        register_context=export_context("Risk register", words, SOURCE, data_date),
        data_date=data_date,
    )
