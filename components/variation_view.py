"""The Variation page's cached views: the funnel with its outliers, and the borough comparison (issue 14).

A warm rerun of the page recomputed the funnel (``funnel_for``), its points and outliers, their suppression and
the display tables from cached query frames, and hashed each chart's frames by content. Here that work sits behind
``st.cache_data`` keyed on primitives only: the filters' codes, the system code, the small-number threshold and,
for the funnel, the values of the fragment's own controls (units compared, overdispersion, deprivation
quintiles). Inputs are read through ``data.cache``, whose clearing after an import clears these too; the page
only draws what a view returns. Export contexts are re-stamped per rerun (``Provenance``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd
import streamlit as st

from components.area import selected_area, system_code
from components.chart_cache import cached
from components.charts import comparison_chart, funnel_chart
from components.page import ChartTable, Provenance, chosen_period, filter_wording, kpi_row, suppression_rule
from components.state import Filters
from data import cache
from data.analysis import (
    AnalysisError,
    compare_areas,
    funnel_for,
    funnel_points,
    funnel_summary,
    in_areas,
    outlier_table,
)
from data.export import as_displayed
from data.suppression import shown, suppress, suppressed_note
from settings import get_settings

LEVEL_NAMES = {"practice": "GP practices", "pcn": "PCNs", "care_home": "care homes", "provider": "trusts"}
OUTLIER_PLACES = {"z-score": 2}


@dataclass(frozen=True)
class Header:
    """The page's title lines for the chosen KPI and period, and the levels its funnel can compare."""

    kpi: str  # the KPI's name
    period_words: str  # "Mar 2024", or a QOF year "Apr 2020 to Mar 2021"
    reported_at: tuple[str, ...]  # the KPI's levels, as the catalogue lists them
    levels: tuple[str, ...]  # the funnel's levels, in the order offered


@dataclass(frozen=True)
class FunnelView:
    """What the funnel fragment draws: an error, or the summary, the funnel with its table, and the outliers."""

    error: str | None = None  # the funnel cannot be drawn (AnalysisError), shown instead of it
    summary: str = ""
    funnel: ChartTable | None = None
    suppressed: str = ""  # the suppression caption ("" when nothing is suppressed)
    outliers: pd.DataFrame | None = None  # the outlier list as exported (None when no area is beyond 95%)
    outliers_shown: pd.DataFrame | None = None  # the same as displayed (``as_displayed``, z-score to 2 places)
    outliers_context: Provenance | None = None


@dataclass(frozen=True)
class CompareView:
    """The borough comparison: a notice, or the chart with its table."""

    notice: str | None = None
    bars: ChartTable | None = None


@st.cache_data(ttl=3600, max_entries=256, show_spinner=False)
def header(kpi_code: str | None, period: date | None) -> Header | None:
    """The header for ``kpi_code`` in ``period``; None when no KPI and period are chosen or the KPI is unknown."""
    kpi = kpi_row(kpi_code)
    if kpi is None or period is None:
        return None
    period_words, _ = chosen_period(kpi_code, period)
    levels = tuple(lv for lv in ("practice", "pcn", "care_home", "provider") if lv in kpi["levels"])
    return Header(str(kpi["kpi"]), period_words, tuple(kpi["levels"]), levels)


def funnel_view(filters: Filters, level: str, od_adjust: bool, quintiles: tuple[int, ...] = ()) -> FunnelView:
    """The funnel of ``level`` units for the chosen KPI and period, with the fragment's control values."""
    return _funnel_view(
        system_code(), filters.borough, filters.pcn, filters.neighbourhood, filters.workstream, filters.kpi,
        filters.period, level, od_adjust, tuple(quintiles), get_settings().small_number_max,
    )  # fmt: skip


def compare_view(filters: Filters) -> CompareView:
    """The boroughs against the system for the chosen KPI and period."""
    return _compare_view(
        system_code(), filters.borough, filters.pcn, filters.neighbourhood, filters.workstream, filters.kpi,
        filters.period, get_settings().small_number_max,
    )  # fmt: skip


@st.cache_data(ttl=3600, max_entries=256, show_spinner=False)
def _funnel_view(
    system: str,
    borough: str | None,
    pcn: str | None,
    neighbourhood: str | None,
    workstream: str | None,
    kpi_code: str,
    period: date,
    level: str,
    od_adjust: bool,
    quintiles: tuple[int, ...],
    threshold: int,
) -> FunnelView:
    """The funnel, its points and outliers, each through the suppression step. ``quintiles``: deprivation quintiles
    of the practices kept (empty: all). ``threshold`` (setting SMALL_NUMBER_MAX, read again by the suppression
    rule) is in the key because it decides what is blanked."""
    filters = Filters(
        borough=borough, pcn=pcn, workstream=workstream, kpi=kpi_code, period=period, neighbourhood=neighbourhood
    )
    area = selected_area(filters)
    kpi = kpi_row(kpi_code)
    period_words, period_end = chosen_period(kpi_code, period)
    # a practice is named with the PCN it belonged to in the funnel's period (memberships change every April)
    names = cache.area_names(level, system, (period, period_end.date()))
    rows = in_areas(cache.kpi_period_across_areas(kpi_code, level, period), names)
    if quintiles:
        deprivation = cache.practice_deprivation(system)
        chosen = deprivation.loc[deprivation["imd_quintile"].isin(quintiles), "area_code"]
        rows = rows[rows["area_code"].isin(chosen)]
    try:
        funnel = funnel_for(rows, kpi["value_type"], kpi["multiplier"], od_adjust=od_adjust)
    except AnalysisError as exc:
        return FunnelView(error=str(exc))

    highlight = filters.pcn or filters.borough
    rule = suppression_rule(kpi).deriving("x", "x_label", "z", "distance", "denominator")
    # the statistics use every unit; what is drawn, tabled and exported has been through the suppression step
    points = suppress(funnel_points(funnel, names, highlight), rule, counts=rows)
    outliers = suppress(outlier_table(funnel, names), rule, counts=rows)
    summary = funnel_summary(funnel, outlier_table(funnel, names), LEVEL_NAMES[level])
    text = (
        f"**{summary}** "
        f"Method: {funnel.method}; dispersion ratio φ = {funnel.result.phi:.2f}"
        f"{' (limits widened)' if funnel.result.adjusted else ' (limits not widened)'}."
        + (f" Larger outlined points are in {area.name}." if highlight else "")
    )
    chart = cached(
        funnel_chart,
        funnel,
        shown(points),
        unit=kpi["unit"],
        x_title=f"Denominator: {kpi['denominator_definition'] or 'see About'}",
        alt_text=f"Funnel plot of {kpi['kpi']} for {len(points)} {LEVEL_NAMES[level]} in {period_words}: "
        f"each point's value against its denominator, with 95% and 99.8% control limits around the centre line "
        f"{funnel.centre:.1f}. {summary}",
    )
    table = points[["area_code", "name", "pcn", "borough", "value", "x", "outside", "suppression"]].rename(
        columns={"area_code": "Code", "name": "Area", "pcn": "PCN", "borough": "Borough", "value": kpi["unit"],
                 "x": "Denominator", "outside": "Against 99.8% limits", "suppression": "Suppression"}
    )  # fmt: skip
    words = filter_wording(filters, area, kpi)
    data_date = period_end
    funnel_table = ChartTable(chart, table, Provenance.of(f"Funnel: {kpi['kpi']}", words, kpi["source"], data_date))
    listed = shown_listed = listed_context = None
    if not outliers.empty:
        listed = outliers[["name", "area_code", "borough", "direction", "beyond", "value", "z"]].rename(
            columns={
                "name": "Area",
                "area_code": "Code",
                "borough": "Borough",
                "direction": "Direction",
                "beyond": "Beyond",
                "value": "Value",
                "z": "z-score",
            }
        )
        shown_listed = as_displayed(listed, places=OUTLIER_PLACES)
        listed_context = Provenance.of(f"Outliers: {kpi['kpi']}", words, kpi["source"], data_date)
    return FunnelView(
        summary=text,
        funnel=funnel_table,
        suppressed=suppressed_note(points, LEVEL_NAMES[level]),
        outliers=listed,
        outliers_shown=shown_listed,
        outliers_context=listed_context,
    )


@st.cache_data(ttl=3600, max_entries=256, show_spinner=False)
def _compare_view(
    system: str,
    borough: str | None,
    pcn: str | None,
    neighbourhood: str | None,
    workstream: str | None,
    kpi_code: str,
    period: date,
    threshold: int,
) -> CompareView:
    """Each borough against the system value, through the suppression step (``threshold`` as for the funnel)."""
    filters = Filters(
        borough=borough, pcn=pcn, workstream=workstream, kpi=kpi_code, period=period, neighbourhood=neighbourhood
    )
    area = selected_area(filters)
    kpi = kpi_row(kpi_code)
    boroughs = in_areas(
        cache.kpi_period_across_areas(kpi_code, "borough", period),
        cache.area_names("borough", system),
    )
    whole = cache.kpi_period_across_areas(kpi_code, "system", period)
    whole = whole[whole["area_code"] == system]
    if "borough" not in kpi["levels"] or boroughs.empty or whole.empty:
        return CompareView(notice=f"{kpi['kpi']} is not reported by borough for this period.")
    benchmark = float(whole["value"].iloc[0])
    compared = suppress(
        compare_areas(boroughs, benchmark, kpi["polarity"], kpi["value_type"], kpi["multiplier"]),
        suppression_rule(kpi).deriving("comparison"),
    )
    compared = compared.merge(cache.area_names("borough", system)[["area_code", "name"]], on="area_code")
    bars = cached(
        comparison_chart,
        shown(compared),
        unit=kpi["unit"],
        benchmark=benchmark,
        benchmark_name=area.name if area.level == "system" else "NCL",
        alt_text=f"Bar chart of {kpi['kpi']} by borough with 95% confidence intervals, compared with the system value "
        f"{benchmark:.1f}: each bar labelled better, similar or worse.",
    )
    bar_table = compared[["name", "area_code", "value", "lower", "upper", "comparison", "suppression"]].rename(
        columns={"name": "Borough", "area_code": "Code", "value": kpi["unit"], "lower": "95% CI lower",
                 "upper": "95% CI upper", "comparison": "Comparison", "suppression": "Suppression"}
    )  # fmt: skip
    words = filter_wording(filters, area, kpi)
    _, data_date = chosen_period(kpi_code, period)
    context = Provenance.of(f"{kpi['kpi']} by borough", words, kpi["source"], data_date)
    return CompareView(bars=ChartTable(bars, bar_table, context))
