"""Variation: a funnel plot of practices or PCNs for the chosen KPI and period, outliers, and area comparison."""

from __future__ import annotations

import streamlit as st

from components.area import selected_area, system_code
from components.chart_cache import cached
from components.charts import comparison_chart, funnel_chart
from components.exports import chart_with_table, export_buttons, suppression_caption
from components.page import chosen_period, export_context, filter_wording, kpi_row, suppression_rule
from components.shell import require_app_shell
from components.state import current_filters
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
from data.suppression import shown, suppress

require_app_shell()

LEVEL_NAMES = {"practice": "GP practices", "pcn": "PCNs", "care_home": "care homes", "provider": "trusts"}

filters = current_filters()
area = selected_area(filters)
kpi = kpi_row(filters.kpi)
st.title("Variation")
if kpi is None or filters.period is None:
    st.info("Choose a KPI and period in the sidebar.")
    st.stop()
period_words, period_end = chosen_period(kpi["kpi_code"], filters.period)  # a QOF year: "Apr 2020 to Mar 2021"
st.subheader(f"{kpi['kpi']}, {period_words}")

levels = [lv for lv in ("practice", "pcn", "care_home", "provider") if lv in kpi["levels"]]
if not levels:
    st.info(f"{kpi['kpi']} is reported only at {', '.join(kpi['levels'])} level: there are too few areas for a funnel.")
    st.stop()
words = filter_wording(filters, area, kpi)
data_date = period_end


@st.fragment
def funnel_section() -> None:
    """The funnel with its own controls (units compared, overdispersion, deprivation) and its outliers.

    A fragment: changing one of its controls reruns only this region (not the sidebar or the borough comparison
    below, which do not depend on them); a sidebar change still reruns the whole page (issue 14).
    """
    left, right = st.columns(2)
    level = left.radio("Compare", levels, format_func=LEVEL_NAMES.get, horizontal=True, key="variation_level")
    od_adjust = right.toggle(
        "Adjust for overdispersion",
        value=True,
        key="variation_od",
        help="Widen the limits for real between-area variation (Spiegelhalter 2005), so only unusual areas stand out.",
    )
    # a practice is named with the PCN it belonged to in the funnel's period (memberships change every April)
    names = cache.area_names(level, system_code(), (filters.period, period_end.date()))
    rows = in_areas(cache.kpi_period_across_areas(kpi["kpi_code"], level, filters.period), names)
    deprivation = cache.practice_deprivation(system_code()) if level == "practice" else None
    if deprivation is not None and not deprivation.empty:
        quintiles = st.multiselect(
            "Deprivation quintile of the practice's LSOA (IMD 2019; 1 = most deprived fifth in England)",
            [1, 2, 3, 4, 5], default=[], key="variation_imd", placeholder="All practices",
            help="A practice's deprivation is that of the LSOA it stands in (IMD 2019 decile, paired into quintiles).",
        )  # fmt: skip
        if quintiles:
            chosen = deprivation.loc[deprivation["imd_quintile"].isin(quintiles), "area_code"]
            rows = rows[rows["area_code"].isin(chosen)]
    try:
        funnel = funnel_for(rows, kpi["value_type"], kpi["multiplier"], od_adjust=od_adjust)
    except AnalysisError as exc:
        st.info(str(exc))
        st.stop()

    highlight = filters.pcn or filters.borough
    rule = suppression_rule(kpi).deriving("x", "x_label", "z", "distance", "denominator")
    # the statistics use every unit; what is drawn, tabled and exported has been through the suppression step
    points = suppress(funnel_points(funnel, names, highlight), rule, counts=rows)
    outliers = suppress(outlier_table(funnel, names), rule, counts=rows)
    summary = funnel_summary(funnel, outlier_table(funnel, names), LEVEL_NAMES[level])
    st.markdown(
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
    context = export_context(f"Funnel: {kpi['kpi']}", words, kpi["source"], data_date)
    chart_with_table(chart, table, context, key="funnel")
    suppression_caption(points, LEVEL_NAMES[level])

    st.markdown("#### Outliers")
    if outliers.empty:
        st.success("No area lies beyond the 95% limits.", icon=":material/check_circle:")
    else:
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
        st.dataframe(as_displayed(listed, places={"z-score": 2}), hide_index=True, width="stretch")
        export_buttons(
            None, listed, export_context(f"Outliers: {kpi['kpi']}", words, kpi["source"], data_date), key="outliers",
            places={"z-score": 2},
        )


funnel_section()

st.markdown("#### Compare boroughs")
boroughs = in_areas(
    cache.kpi_period_across_areas(kpi["kpi_code"], "borough", filters.period),
    cache.area_names("borough", system_code()),
)
system = cache.kpi_period_across_areas(kpi["kpi_code"], "system", filters.period)
system = system[system["area_code"] == system_code()]
if "borough" in kpi["levels"] and not boroughs.empty and not system.empty:
    benchmark = float(system["value"].iloc[0])
    compared = suppress(
        compare_areas(boroughs, benchmark, kpi["polarity"], kpi["value_type"], kpi["multiplier"]),
        suppression_rule(kpi).deriving("comparison"),
    )
    compared = compared.merge(cache.area_names("borough", system_code())[["area_code", "name"]], on="area_code")
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
    chart_with_table(
        bars, bar_table, export_context(f"{kpi['kpi']} by borough", words, kpi["source"], data_date), key="compare"
    )
else:
    st.info(f"{kpi['kpi']} is not reported by borough for this period.")
