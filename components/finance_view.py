"""The Finance and activity page's cached views: what each section draws, computed once per filter choice (issue 14).

A warm rerun of the page (a borough seen before) spent ~0.26 s of CPU re-deriving the same frames from the cached
query frames (``data.programme``: scoping, ``finance_by`` sums, variance sentences, activity by point of
delivery, display formatting) and hashing each chart's frames by content for ``components.chart_cache``. Each
view here takes only primitives (the sidebar filters and the values of the page's own widgets), reads its inputs
through ``data.cache`` and returns a frozen dataclass of display frames, texts and :class:`CachedChart` charts;
the page only draws them. One view per section, keyed by what that section depends on, so changing a widget
recomputes only the section it changes. An import clears every cache (``data.cache.clear``), so the data need
not be in the keys. Widgets stay in the page: a cached function must not create them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd
import streamlit as st

from components.chart_cache import CachedChart, cached
from components.programme import cumulative_chart, plan_actual_bars, variance_chart
from data import cache
from data import programme as prog

GROUP_KEYS = {"Initiative": ["initiative", "scope"], "Workstream": ["workstream"], "Borough": ["scope"]}
VARIANCE_NAMES = {
    "what": "",
    "plan_to_date": "Plan to date",
    "actual": "Actual",
    "variance": "Variance",
    "variance_share": "Variance (share of plan)",
    "direction": "Against plan",
}
POD_NAMES = {
    "label": "Point of delivery",
    "plan": "Plan",
    "plan_to_date": "Plan to date",
    "actual": "Actual",
    "variance": "Variance",
    "delivered": "Share of planned shift",
    "evidence": "Evidenced by KPI",
}


@dataclass(frozen=True)
class Metric:
    """One headline ``st.metric``: a measure's actual to date against plan."""

    label: str
    value: str
    delta: str
    delta_color: str
    help: str


@dataclass(frozen=True)
class Scope:
    """What the page needs before its widgets: whether anything is loaded, the scope note, the headline metrics,
    the money sections' data date and the activity years offered (newest first, with the default's index)."""

    nothing_loaded: bool
    borough_name: str | None
    shared: pd.DataFrame  # the rows the scope note counts (scope, initiative_code; duplicates dropped)
    has_lines: bool
    metrics: tuple[Metric, ...]
    data_date: date | None
    has_activity: bool
    activity_years: tuple[int, ...]
    year_index: int


@dataclass(frozen=True)
class Years:
    """Money against plan by year for one measure, in-year or cumulative."""

    headline: str
    title: str
    chart: CachedChart
    table: pd.DataFrame
    rows: pd.DataFrame


@dataclass(frozen=True)
class Variance:
    """Where the variance is, grouped one way (``chart`` None when no actual is reported), and the sentences on
    the largest initiative-year variances."""

    title: str
    chart: CachedChart | None
    table: pd.DataFrame
    rows: pd.DataFrame
    sentences: tuple[str, ...]


@dataclass(frozen=True)
class Recurrence:
    """Recurrent and non-recurrent money by year for one measure."""

    title: str
    chart: CachedChart
    table: pd.DataFrame
    rows: pd.DataFrame


@dataclass(frozen=True)
class Activity:
    """Activity shift by point of delivery in one year: chart, sentences, table and the evidencing KPIs."""

    title: str
    data_date: date
    chart: CachedChart
    sentences: str
    table: pd.DataFrame
    rows: pd.DataFrame
    evidence: pd.DataFrame  # evidence_codes, evidence: what ``components.programme.evidence_links`` reads


def _lines(borough: str | None, workstream: str | None) -> pd.DataFrame:
    """The finance lines of the chosen borough and workstream (system-wide lines in every borough)."""
    return prog.in_scope(cache.finance_lines(), borough=borough, workstream=workstream)


def _activity(borough: str | None, workstream: str | None) -> pd.DataFrame:
    """The activity changes of the chosen borough and workstream."""
    return prog.in_scope(cache.activity_changes(), borough=borough, workstream=workstream)


@st.cache_data(ttl=3600, max_entries=256, show_spinner=False)
def _totals(borough: str | None, workstream: str | None) -> dict[str, dict[str, float]]:
    """``prog.finance_totals`` of the scoped lines (the metrics and every section's headline use them)."""
    return prog.finance_totals(_lines(borough, workstream))


@st.cache_data(ttl=3600, max_entries=256, show_spinner=False)
def scope_view(system: str, borough: str | None, workstream: str | None) -> Scope:
    """The page's frame before its widgets for the system, borough and workstream chosen."""
    lines_all, activity_all = cache.finance_lines(), cache.activity_changes()
    if lines_all.empty and activity_all.empty:
        return Scope(True, None, pd.DataFrame(), False, (), None, False, (), 0)
    names = cache.boroughs(system).set_index("code")["name"]
    borough_name = names.get(borough) if borough else None
    lines = prog.in_scope(lines_all, borough=borough, workstream=workstream)
    activity = prog.in_scope(activity_all, borough=borough, workstream=workstream)
    shown = lines if not lines.empty else activity
    shared = shown[["scope", "initiative_code"]].drop_duplicates() if "scope" in shown.columns else shown
    metrics: tuple[Metric, ...] = ()
    data_date = None
    if not lines.empty:
        year = prog.latest_reported_year(lines)
        data_date = prog.fy_end(year) if year is not None else None
        totals = _totals(borough, workstream)
        metrics = tuple(
            Metric(
                label=f"{name} to date (actual)",
                value=prog.money(totals[measure]["actual"]),
                delta=f"{prog.money(totals[measure]['variance'])} against plan",
                delta_color="inverse" if measure == "investment" else "normal",
                help=f"Plan to date {prog.money(totals[measure]['plan_to_date'])}; whole plan "
                f"{prog.money(totals[measure]['plan'])}.",
            )
            for measure, name in prog.MEASURES.items()
        )
    years: list[int] = prog.activity_years(activity) if not activity.empty else []
    latest = prog.latest_reported_year(activity) if not activity.empty else None
    return Scope(
        nothing_loaded=False,
        borough_name=None if borough_name is None else str(borough_name),
        shared=shared,
        has_lines=not lines.empty,
        metrics=metrics,
        data_date=data_date,
        has_activity=not activity.empty,
        activity_years=tuple(years),
        year_index=years.index(latest) if latest in years else 0,
    )


@st.cache_data(ttl=3600, max_entries=256, show_spinner=False)
def years_view(borough: str | None, workstream: str | None, measure: str, view: str) -> Years:
    """Money against plan by year: ``measure`` (a key of ``prog.MEASURES``), ``view`` 'In-year' or 'Cumulative'."""
    totals = _totals(borough, workstream)
    name = prog.MEASURES[measure]
    by_year = prog.finance_by_year(_lines(borough, workstream), measure)
    headline = prog.headline(totals, measure)
    if view == "Cumulative":
        chart = cached(
            cumulative_chart,
            by_year,
            value_title=f"Cumulative {name.lower()} (£)",
            alt_text=f"Line chart of cumulative {name.lower()} by financial year: plan dashed, actual solid. "
            f"{headline}",
        )
    else:
        chart = cached(
            plan_actual_bars,
            by_year,
            category="year",
            category_title="Financial year",
            value_title=f"{name} (£)",
            alt_text=f"Bar chart of {name.lower()} by financial year, plan as outlined bars beside actual as filled "
            f"bars. {headline}",
        )
    raw = by_year.drop(columns="financial_year")
    amounts = [c for c in raw.columns if c != "year"]
    table = prog.formatted(raw, money_columns=amounts).rename(columns=lambda c: c.replace("_", " ").capitalize())
    return Years(headline, f"{name} against plan by year ({view.lower()})", chart, table, raw)


@st.cache_data(ttl=3600, max_entries=256, show_spinner=False)
def variance_view(borough: str | None, workstream: str | None, measure: str, group: str) -> Variance:
    """Where the variance is, by ``group`` ('Initiative', 'Workstream' or 'Borough'), for ``measure``."""
    lines = _lines(borough, workstream)
    name = prog.MEASURES[measure]
    keys = GROUP_KEYS[group]
    sentences = tuple(prog.variance_sentences(lines, measure=measure))
    title = f"{name} variance by {group.lower()}"
    variance = prog.finance_by(lines, keys, measure)
    variance = variance[variance["reported"]].copy()
    if variance.empty:
        return Variance(title, None, pd.DataFrame(), pd.DataFrame(), sentences)
    what = (
        variance["initiative"].combine(variance["scope"], prog.subject) if group == "Initiative" else variance[keys[0]]
    )
    variance["direction"] = variance["variance"].map(lambda v: prog.variance_direction(v, measure))
    variance["label"] = [
        f"{w}: {prog.money_short(v)} {prog.direction_word(v, measure)}"
        for w, v in zip(what, variance["variance"], strict=True)
    ]
    chart = cached(
        variance_chart,
        variance,
        category="label",
        value_title=f"{name}: actual - plan to date (£)",
        alt_text=f"Bar chart of the {name.lower()} variance against plan to date by {group.lower()}; each bar is "
        "labelled with the amount and whether it is ahead of or behind plan.",
    )
    names = {**VARIANCE_NAMES, "what": group}
    raw = variance.assign(what=what)[list(names)]
    shown = prog.formatted(
        raw, money_columns=["plan_to_date", "actual", "variance"], share_columns=["variance_share"]
    ).rename(columns=names)
    return Variance(title, chart, shown, raw.rename(columns=names), sentences)


@st.cache_data(ttl=3600, max_entries=256, show_spinner=False)
def recurrence_view(borough: str | None, workstream: str | None, measure: str) -> Recurrence:
    """Recurrent and non-recurrent ``measure`` by financial year."""
    name = prog.MEASURES[measure]
    recurrence = prog.recurrence_by_year(_lines(borough, workstream), measure)
    recurrence["label"] = recurrence["year"] + " " + recurrence["recurrence"].str.lower()
    chart = cached(
        plan_actual_bars,
        recurrence,
        category="label",
        category_title="Financial year and recurrence",
        value_title=f"{name} (£)",
        horizontal=True,
        alt_text=f"Bar chart of {name.lower()} by financial year split into recurrent and non-recurrent, plan "
        "outlined beside actual filled.",
    )
    raw = recurrence[["year", "recurrence", "plan", "actual", "variance"]]
    table = prog.formatted(raw, money_columns=["plan", "actual", "variance"])
    return Recurrence(f"{name}: recurrent and non-recurrent", chart, table, raw)


@st.cache_data(ttl=3600, max_entries=256, show_spinner=False)
def activity_view(borough: str | None, workstream: str | None, year: int) -> Activity:
    """Planned and actual activity change by point of delivery in financial year ``year``."""
    pods = prog.activity_by_pod(_activity(borough, workstream), year)
    chart = cached(
        plan_actual_bars,
        pods,
        category="label",
        category_title="Point of delivery",
        value_title="Change in activity (negative = fewer)",
        money=False,
        horizontal=True,
        alt_text=f"Bar chart of the planned and actual change in activity by point of delivery in "
        f"{prog.fy_label(year)}, plan outlined and actual filled; negative values are less hospital activity.",
    )
    sentences = "\n".join(f"- {prog.activity_sentence(row, year)}" for _, row in pods.iterrows())
    raw = pods[list(POD_NAMES)]
    table = prog.formatted(
        raw, count_columns=["plan", "plan_to_date", "actual", "variance"], share_columns=["delivered"]
    ).rename(columns=POD_NAMES)
    return Activity(
        title=f"Activity change by point of delivery, {prog.fy_label(year)}",
        data_date=prog.fy_end(year),
        chart=chart,
        sentences=sentences,
        table=table,
        rows=raw.rename(columns=POD_NAMES),
        evidence=pods[["evidence_codes", "evidence"]],
    )


def clear() -> None:
    """Forget every view of this page (tests; an import clears them all through ``data.cache.clear``)."""
    for view in (_totals, scope_view, years_view, variance_view, recurrence_view, activity_view):
        view.clear()
