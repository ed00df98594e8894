"""The Care homes page's cached views: everything it draws, computed once per filter choice (issue 14).

A warm rerun of the page (a borough seen before) recomputed the beds summary, the ratings mix, the funnel of every
home, its suppression and the rates table from cached query frames, and hashed each chart's frames by content.
Here that work sits behind ``st.cache_data`` keyed on primitives only (the filters' codes, the system code, the
small-number threshold and, for the rates, the page's measure radio); the inputs are read through ``data.cache``,
whose clearing after an import clears these too. The page only draws what a view returns. An export context is
re-stamped with the rerun's time (``components.page.Provenance``), so an export's "Exported:" line is the rerun's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd
import streamlit as st

from components.area import selected_area, system_code
from components.care_homes import homes_beds_chart, homes_in_area, ratings_chart
from components.chart_cache import cached
from components.charts import funnel_chart
from components.page import ChartTable, Provenance, filter_wording, kpi_row, small_number_max, suppression_rule
from components.state import Filters
from data import cache
from data.analysis import (
    AnalysisError,
    care_home_summary,
    funnel_for,
    funnel_points,
    funnel_summary,
    home_rates,
    in_areas,
    outlier_table,
    ratings_mix,
    twelve_months_to,
)
from data.suppression import shown, suppress, suppressed_note
from settings import get_settings

RATE_KPIS = {"CH_EMADM": "Emergency admissions", "CH_AMB": "Ambulance call-outs"}
CQC_SOURCE = "CQC care directory"


@dataclass(frozen=True)
class CareHomesView:
    """What the page draws above its fragments: area, homes, the beds and ratings charts and their wording."""

    area_name: str
    loaded: bool  # any home loaded at all (False: no CQC care directory imported)
    homes: pd.DataFrame  # the homes in the chosen area
    by_word: str = "Borough"
    beds: ChartTable | None = None
    named_gp_caption: str = ""
    ratings: ChartTable | None = None
    list_context: Provenance | None = None


@dataclass(frozen=True)
class RatesView:
    """What the rates fragment draws for one measure: a notice, or the caption, summary and funnel with its table."""

    notice: str | None = None  # the measure is not reported by care home
    caption: str = ""
    error: str | None = None  # the funnel cannot be drawn (AnalysisError), shown instead of it
    summary: str = ""
    funnel: ChartTable | None = None
    suppressed: str = ""  # the suppression caption ("" when nothing is suppressed)


def _filters(
    borough: str | None,
    pcn: str | None,
    neighbourhood: str | None,
    workstream: str | None,
    kpi: str | None,
    period: date | None,
) -> Filters:
    return Filters(borough=borough, pcn=pcn, workstream=workstream, kpi=kpi, period=period,
                   neighbourhood=neighbourhood)  # fmt: skip


def care_homes_view(filters: Filters) -> CareHomesView:
    """The page's view for ``filters`` (cached by their values and the system code)."""
    return _care_homes_view(
        system_code(), filters.borough, filters.pcn, filters.neighbourhood, filters.workstream, filters.kpi,
        filters.period,
    )  # fmt: skip


def rates_view(filters: Filters, measure: str) -> RatesView:
    """The rates fragment's view for ``filters`` and the ``measure`` radio (a code of :data:`RATE_KPIS`)."""
    return _rates_view(
        system_code(), filters.borough, filters.pcn, filters.neighbourhood, filters.workstream, filters.kpi,
        filters.period, measure, get_settings().small_number_max,
    )  # fmt: skip


@st.cache_data(ttl=3600, max_entries=256, show_spinner=False)
def _care_homes_view(
    system: str,
    borough: str | None,
    pcn: str | None,
    neighbourhood: str | None,
    workstream: str | None,
    kpi: str | None,
    period: date | None,
) -> CareHomesView:
    """Homes in the area, beds and ratings by borough (or PCN within a borough), and the wording around them."""
    filters = _filters(borough, pcn, neighbourhood, workstream, kpi, period)
    area = selected_area(filters)
    all_homes = cache.care_homes(system)
    homes = homes_in_area(all_homes, filters)
    if all_homes.empty or homes.empty:
        return CareHomesView(area.name, not all_homes.empty, homes)
    words = filter_wording(filters, area)
    data_date = cache.latest_period()

    by = "pcn" if filters.borough or filters.pcn else "borough"
    by_word = "PCN" if by == "pcn" else "Borough"
    summary = care_home_summary(homes, by)
    beds = cached(
        homes_beds_chart,
        summary,
        area_word=by_word,
        alt_text=f"Bar chart of care-home beds by {by_word.lower()} in the area named above, each bar labelled "
        "with its number of homes and beds.",  # no area name: another borough's chart is then the same spec
    )
    summary_table = summary.rename(
        columns={
            "code": "Code",
            "name": by_word,
            "homes": "Homes",
            "beds": "Beds",
            "nursing": "Nursing homes",
            "residential": "Residential homes",
            "named_gp": "With a named GP",
            "named_gp_pct": "With a named GP (%)",
            "beds_per_home": "Beds per home",
        }
    )
    without = int(homes["aligned_practice_code"].isna().sum())
    named_gp_caption = f"{len(homes) - without} of {len(homes)} homes have a named GP practice" + (
        f"; {without} have none (see the list below, filtered by “Named GP practice: Without one”)." if without else "."
    )

    mix = ratings_mix(homes, by)
    ratings = cached(
        ratings_chart,
        mix,
        alt_text=f"Stacked bar chart of the share of care homes by latest CQC overall rating for each "
        f"{by_word.lower()} in the area named above: Outstanding, Good, Requires improvement, Inadequate, Not yet "
        "rated.",
    )
    mix_table = mix.drop(columns="order").rename(
        columns={"name": by_word, "rating": "CQC rating", "homes": "Homes", "share": "Share (%)"}
    )
    return CareHomesView(
        area_name=area.name,
        loaded=True,
        homes=homes,
        by_word=by_word,
        beds=ChartTable(
            beds,
            summary_table,
            Provenance.of(f"Care homes and beds by {by_word.lower()}", words, CQC_SOURCE, data_date),
        ),
        named_gp_caption=named_gp_caption,
        ratings=ChartTable(
            ratings,
            mix_table,
            Provenance.of(f"CQC ratings of care homes by {by_word.lower()}", words, CQC_SOURCE, data_date),
        ),
        list_context=Provenance.of(f"Care homes in {area.name}", words, CQC_SOURCE, data_date),
    )


@st.cache_data(ttl=3600, max_entries=256, show_spinner=False)
def _rates_view(
    system: str,
    borough: str | None,
    pcn: str | None,
    neighbourhood: str | None,
    workstream: str | None,
    kpi_code: str | None,
    period: date | None,
    code: str,
    threshold: int,
) -> RatesView:
    """The per-bed funnel of the system's homes for measure ``code``, over the 12 months to the chosen period (or
    the measure's latest). ``threshold`` (setting SMALL_NUMBER_MAX, read again by the suppression rules) is in the
    key because it decides what is blanked."""
    filters = _filters(borough, pcn, neighbourhood, workstream, kpi_code, period)
    area = selected_area(filters)
    kpi = kpi_row(code)
    periods = cache.kpi_periods(code)
    if kpi is None or periods.empty or "care_home" not in kpi["levels"]:
        return RatesView(notice=f"{RATE_KPIS[code]} are not reported by care home yet.")
    chosen = filters.period if filters.kpi == code and filters.period else periods["period_start"].iloc[0]
    first, last = twelve_months_to(chosen)
    names = cache.area_names("care_home", system)
    # the system's own homes (as every funnel compares the system's units): at England scale the level holds
    # every home in England, whose rate is not the system's and whose 15,000 points the page would draw
    rows = in_areas(cache.kpi_window_across_areas(code, "care_home", first.date(), last.date()), names)
    caption = (
        f"{kpi['kpi']}: each home's admissions or call-outs over the 12 months {first:%b %Y} to {last:%b %Y} per "
        f"bed-year ({kpi['unit']}), with funnel limits around the NCL rate. Larger outlined points are in "
        f"{area.name}."
        if filters.borough or filters.pcn
        else f"{kpi['kpi']}: each home over the 12 months {first:%b %Y} to {last:%b %Y} ({kpi['unit']}), with "
        "funnel limits around the NCL rate."
    )
    try:
        funnel = funnel_for(rows, kpi["value_type"], kpi["multiplier"])
    except AnalysisError as exc:
        return RatesView(caption=caption, error=str(exc))
    rule = suppression_rule(kpi).deriving("x", "x_label")
    # the statistics use every home; what is drawn, tabled and exported has been through the suppression step
    points = suppress(funnel_points(funnel, names, filters.pcn or filters.borough), rule, counts=rows)
    summary = funnel_summary(funnel, outlier_table(funnel, names), "care homes", RATE_KPIS[code].lower())
    chart = cached(
        funnel_chart,
        funnel,
        shown(points),
        unit=kpi["unit"],
        x_title="Bed-years",
        alt_text=f"Funnel plot of {kpi['kpi']} for {len(points)} care homes over the 12 months to "
        f"{last:%B %Y}: each home's rate against its bed-years, with 95% and 99.8% limits around "
        f"{funnel.centre:.1f}.",
    )
    rates = home_rates(rows, kpi["value_type"], kpi["multiplier"], small_number_max(kpi)).merge(
        names[["area_code", "name", "pcn", "borough"]], on="area_code", how="left"
    )
    rates = rates.merge(points[["area_code", "outside"]], on="area_code", how="left")
    rate_table = rates[
        ["name", "area_code", "pcn", "borough", "numerator", "denominator", "value", "lower", "upper",
         "outside", "suppression"]
    ].rename(
        columns={
            "name": "Care home", "area_code": "CQC location ID", "pcn": "PCN", "borough": "Borough",
            "numerator": RATE_KPIS[code], "denominator": "Bed-years", "value": kpi["unit"],
            "lower": "95% CI lower", "upper": "95% CI upper", "outside": "Against 99.8% limits",
            "suppression": "Suppression",
        }
    )  # fmt: skip
    words = filter_wording(filters, area)
    period_words = {**words, "KPI": f"{kpi['kpi']} ({code})", "Period": f"12 months {first:%b %Y} to {last:%b %Y}"}
    context = Provenance.of(
        f"Funnel: {kpi['kpi']}", period_words, kpi["source"], (last + pd.offsets.MonthEnd(0)).date()
    )
    return RatesView(
        caption=caption,
        summary=summary,
        funnel=ChartTable(chart, rate_table, context),
        suppressed=suppressed_note(points, "care homes"),
    )
