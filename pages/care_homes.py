"""Care homes (Enhanced Health in Care Homes): homes and beds, CQC ratings, admissions and ambulance call-outs per
bed with a funnel plot, homes with a named GP practice, and the list of homes."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components.area import selected_area, system_code
from components.care_homes import headline_metrics, home_list, homes_beds_chart, homes_in_area, ratings_chart
from components.chart_cache import cached
from components.charts import funnel_chart
from components.exports import chart_with_table, export_buttons, suppression_caption
from components.page import export_context, filter_wording, kpi_row, small_number_max, suppression_rule
from components.shell import require_app_shell
from components.state import current_filters
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
from data.suppression import shown, suppress

require_app_shell()

RATE_KPIS = {"CH_EMADM": "Emergency admissions", "CH_AMB": "Ambulance call-outs"}
CQC_SOURCE = "CQC care directory"

filters = current_filters()
area = selected_area(filters)
system = system_code()
st.title("Care homes")
st.subheader(f"Enhanced Health in Care Homes: {area.name}")
all_homes = cache.care_homes(system)
homes = homes_in_area(all_homes, filters)
if all_homes.empty:  # nothing loaded at all (a real-data start without the CQC file): say so, not "none here"
    st.info("Care homes: none loaded. No CQC care directory has been imported for this system; "
            "import the CQC care directory (the CQC's 'Care directory with filters' file) on the Data page.",
            icon=":material/upload_file:")
    st.stop()
if homes.empty:
    st.info(f"No care homes are recorded in {area.name}. Choose another borough or PCN.")
    st.stop()
headline_metrics(homes)
words = filter_wording(filters, area)
data_date = cache.latest_period()

by = "pcn" if filters.borough or filters.pcn else "borough"
by_word = "PCN" if by == "pcn" else "Borough"
st.markdown(f"#### Homes and beds by {by_word.lower()}")
summary = care_home_summary(homes, by)
beds = cached(
    homes_beds_chart,
    summary,
    area_word=by_word,
    alt_text=f"Bar chart of care-home beds by {by_word.lower()} in {area.name}, each bar labelled "
    "with its number of homes and beds.",
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
chart_with_table(
    beds,
    summary_table,
    export_context(f"Care homes and beds by {by_word.lower()}", words, CQC_SOURCE, data_date),
    key="ch_beds",
)
without = int(homes["aligned_practice_code"].isna().sum())
st.caption(
    f"{len(homes) - without} of {len(homes)} homes have a named GP practice"
    + (f"; {without} have none (see the list below, filtered by “Named GP practice: Without one”)." if without else ".")
)

st.markdown("#### CQC ratings")
mix = ratings_mix(homes, by)
ratings = cached(
    ratings_chart,
    mix,
    alt_text=f"Stacked bar chart of the share of care homes by latest CQC overall rating for each "
    f"{by_word.lower()} in {area.name}: Outstanding, Good, Requires improvement, Inadequate, Not yet rated.",
)
mix_table = mix.drop(columns="order").rename(
    columns={"name": by_word, "rating": "CQC rating", "homes": "Homes", "share": "Share (%)"}
)
chart_with_table(
    ratings,
    mix_table,
    export_context(f"CQC ratings of care homes by {by_word.lower()}", words, CQC_SOURCE, data_date),
    key="ch_ratings",
)

@st.fragment
def rates_section() -> None:
    """The per-bed funnel of care homes with its own measure picker.

    A fragment: choosing another measure reruns only this region, not the sidebar or the rest of the page
    (issue 14); a sidebar change still reruns the whole page.
    """
    st.markdown("#### Emergency admissions and ambulance call-outs per bed")
    code = st.radio("Measure", list(RATE_KPIS), format_func=RATE_KPIS.get, horizontal=True, key="ch_measure")
    kpi = kpi_row(code)
    periods = cache.kpi_periods(code)
    if kpi is None or periods.empty or "care_home" not in kpi["levels"]:
        st.info(f"{RATE_KPIS[code]} are not reported by care home yet.")
    else:
        chosen = filters.period if filters.kpi == code and filters.period else periods["period_start"].iloc[0]
        first, last = twelve_months_to(chosen)
        names = cache.area_names("care_home", system)
        # the system's own homes (as every funnel compares the system's units): at England scale the level holds
        # every home in England, whose rate is not the system's and whose 15,000 points the page would draw
        rows = in_areas(cache.kpi_window_across_areas(code, "care_home", first.date(), last.date()), names)
        st.caption(
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
            st.info(str(exc))
        else:
            rule = suppression_rule(kpi).deriving("x", "x_label")
            # the statistics use every home; what is drawn, tabled and exported has been through the suppression step
            points = suppress(funnel_points(funnel, names, filters.pcn or filters.borough), rule, counts=rows)
            st.markdown(
                f"**{funnel_summary(funnel, outlier_table(funnel, names), 'care homes', RATE_KPIS[code].lower())}**"
            )
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
            period_words = {**words, "KPI": f"{kpi['kpi']} ({code})",
                            "Period": f"12 months {first:%b %Y} to {last:%b %Y}"}
            chart_with_table(
                chart,
                rate_table,
                export_context(f"Funnel: {kpi['kpi']}", period_words, kpi["source"],
                               (last + pd.offsets.MonthEnd(0)).date()),
                key="ch_funnel",
            )  # fmt: skip
            suppression_caption(points, "care homes")


@st.fragment
def list_section() -> None:
    """The list of homes with its filters and CSV export; a fragment, so filtering the list reruns only it."""
    st.markdown("#### Care homes")
    listed = home_list(homes, key="ch_list")
    context = export_context(f"Care homes in {area.name}", words, CQC_SOURCE, data_date)
    export_buttons(None, listed, context, key="ch_list")


rates_section()
list_section()
