"""Map: PCNs or boroughs coloured by the chosen KPI, or LSOAs by deprivation; boroughs, practices and care homes.

Works with whatever geography is loaded: borough boundaries are enough; PCN areas (imported, from a lookup, or
derived indicative catchments) and LSOAs with IMD 2019 deciles add layers. A click on an area filters every page.
"""

from __future__ import annotations

from dataclasses import replace
from functools import partial

import pandas as pd
import streamlit as st

from components.area import selected_area, system_code
from components.exports import export_buttons, suppression_caption
from components.maps import interactive_map, legend
from components.page import chosen_period, export_context, filter_wording, kpi_row, small_number_max, suppression_rule
from components.shell import require_app_shell
from components.state import current_filters
from data import cache
from data.analysis import in_areas, with_intervals
from data.export import as_displayed
from data.suppression import suppress
from geo.colours import PRACTICE_COLOUR, LegendEntry, diverging_scale, rating_legend, sequential_scale
from geo.export import attribution, static_map
from geo.layers import (
    BASEMAP_CREDIT,
    CARTO_POSITRON,
    IMD_MEASURE,
    INDICATIVE_TEXT,
    Measure,
    is_indicative,
    map_model,
    map_table,
    shown_values,
)
from settings import get_settings

require_app_shell()

LEVEL_WORDS = {"pcn": "PCN", "borough": "borough"}

filters = current_filters()
area = selected_area(filters)
kpi = kpi_row(filters.kpi)
st.title("Map")
system = system_code()
borough_bounds = cache.boundaries("borough", system)
if borough_bounds.empty:
    st.info(
        "No borough boundaries are loaded yet. Import the ONS borough (local authority district) boundaries on the "
        "Data page; LSOA boundaries, IMD deprivation and PCN areas then add layers."
    )
    st.stop()
pcn_bounds = cache.boundaries("pcn", system)
lsoas = cache.lsoa_deprivation(system)
has_imd = bool(lsoas["imd_decile"].notna().any()) if not lsoas.empty else False
indicative = is_indicative(pcn_bounds)

@st.fragment
def map_region() -> None:
    """The map with its own controls (shading, layers, colour against target, street map), legend, table, exports.

    A fragment: a change of its controls reruns only this region, not the sidebar (issue 14). A click on an area
    sets the sidebar filters (``components.maps``), which the rest of the app must redraw: the whole app is then
    rerun before anything is drawn here.
    """
    if current_filters() != filters:  # a map click changed the shared filters: every part of the page follows them
        st.rerun()
    kpi_level = None
    if kpi is not None and filters.period is not None:
        usable = [lv for lv in ("pcn", "borough") if lv in kpi["levels"] and not (lv == "pcn" and pcn_bounds.empty)]
        kpi_level = usable[0] if usable else None
    choices: dict[str, str] = {}
    if kpi_level:
        choices["kpi"] = f"{kpi['kpi']} by {LEVEL_WORDS[kpi_level]}"
    if has_imd:
        choices["imd"] = "Deprivation (IMD 2019 decile by LSOA)"
    choices["none"] = "Boundaries only"
    shade = st.radio("Shade the map by", list(choices), format_func=choices.get, horizontal=True)
    if kpi is None or filters.period is None:
        st.caption("Choose a KPI and period in the sidebar to colour PCNs or boroughs by it.")
    elif kpi_level is None:
        missing = "pcn" in kpi["levels"] and pcn_bounds.empty
        st.caption(
            f"{kpi['kpi']} is reported at {', '.join(kpi['levels'])} level"
            + (": no PCN areas are loaded. Derive indicative PCN catchments or import a PCN lookup on the Data page."
               if missing else ", so there is nothing to colour by it.")
        )  # fmt: skip

    level = kpi_level if shade == "kpi" else ("lsoa" if shade == "imd" else None)
    period_words, period_end = chosen_period(kpi["kpi_code"], filters.period) if shade == "kpi" else ("", None)
    if shade == "kpi":
        title = f"{kpi['kpi']} by {LEVEL_WORDS[kpi_level]}, {period_words}"
        title += " (indicative PCN areas)" if kpi_level == "pcn" and indicative else ""
    elif shade == "imd":
        title = "Deprivation by LSOA: IMD 2019 decile"
    else:
        drawn_pcns = " and indicative PCN areas" if indicative else " and PCN areas" if len(pcn_bounds) else ""
        title = "Boroughs" + drawn_pcns
    st.subheader(title)

    has_target = shade == "kpi" and kpi["target_value"] is not None and not pd.isna(kpi["target_value"])
    controls = st.columns(4)
    show_practices = controls[0].toggle("GP practices", value=True, key="map_practices")
    homes_loaded = not cache.care_homes(system).empty  # none on a real-data start without the CQC file: say so
    show_homes = controls[1].toggle(
        "Care homes", value=homes_loaded, key="map_homes", disabled=not homes_loaded,
        help="Sized by beds, coloured by rating" if homes_loaded else "None loaded: import the CQC care directory on "
        "the Data page.",
    )  # fmt: skip
    against_target = controls[2].toggle(
        "Colour against target",
        value=False,
        key="map_target",
        disabled=not has_target,
        help="A diverging scale centred on the KPI's target instead of the sequential scale of values.",
    )
    # Hosted: the proxy's Content-Security-Policy lets nothing load from a third party, so no street map is offered.
    basemap = get_settings().app_mode == "local" and controls[3].toggle(
        "Street map", value=False, key="map_basemap", help="Loads map tiles from CARTO over the internet."
    )

    values, scale, measure = None, None, None
    if shade == "kpi":
        values = suppress(
            with_intervals(
                # the system's own areas only: the national roll-ups (every PCN in England) must not set the classes
                in_areas(cache.kpi_period_across_areas(kpi["kpi_code"], kpi_level, filters.period),
                         cache.area_names(kpi_level, system)),
                kpi["value_type"],
                kpi["multiplier"],
            ),
            suppression_rule(kpi),
        )
        measure = Measure(kpi["kpi"], kpi["unit"], small_number_max(kpi), period_words)
        if against_target and has_target:
            scale = diverging_scale(
                shown_values(values, measure.small_number_max),
                target=float(kpi["target_value"]),
                higher_is_better=kpi["polarity"] == "higher_is_better",
                title=f"{kpi['kpi']} against target {kpi['target_value']:g}",
            )
        else:
            scale = sequential_scale(
                shown_values(values, measure.small_number_max), title=f"{kpi['kpi']} ({kpi['unit']})"
            )
    elif shade == "imd":
        measure = IMD_MEASURE
    pcns = cache.pcns(system)
    practices = cache.practice_points(system) if show_practices else None
    homes = cache.care_homes(system) if show_homes else None
    model = map_model(
        pcn_bounds=pcn_bounds,
        borough_bounds=borough_bounds,
        level=level,
        values=values,
        scale=scale,
        measure=measure,
        pcn_boroughs=dict(zip(pcns["code"], pcns["borough"], strict=True)),
        borough=filters.borough,
        pcn=filters.pcn,
        practices=practices,
        care_homes=homes,
        basemap=CARTO_POSITRON if basemap else None,
        lsoas=lsoas if shade == "imd" else None,
    )
    scale = model.scale
    shaded = {"kpi": f"{choices.get('kpi', '')} in {period_words}" if shade == "kpi" else "",
              "imd": "LSOAs by IMD 2019 decile", "none": "boroughs, unshaded"}[shade]  # fmt: skip
    alt_text = (
        f"Map of {shaded}, {len(model.areas)} areas"
        + (f" in {len(scale.colours)} classes" if scale else "")
        + (", with GP practices" if show_practices and practices is not None and len(practices) else "")
        + (" and care homes sized by beds and coloured by CQC rating" if show_homes and homes is not None and len(homes)
           else "")
        + ". The same numbers are in the table below the map."
    )  # fmt: skip
    st.caption(
        "Select a borough or PCN (or a practice or care home) to filter every page to it. "
        + (f"Outlined in black: {area.name}. " if filters.borough or filters.pcn else "")
        + (f"{INDICATIVE_TEXT}." if indicative else "")
    )
    sections = [(scale.title, scale.legend(), "square")] if scale else []
    if show_homes and homes is not None and len(homes):
        sections.append(("Care homes by CQC rating (size: beds)", rating_legend(), "circle"))
    if show_practices and practices is not None and len(practices):
        sections.append(("Points", [LegendEntry(PRACTICE_COLOUR, "GP practice")], "circle"))
    # the legend beside the map on a wide screen (the view fits a phone's map, so a full-width desktop map left
    # the footprint small in a wide empty frame); the columns stack on a phone, the legend under the map
    map_column, legend_column = st.columns([2, 1]) if sections else (st.container(), None)
    with map_column:
        interactive_map(model.deck, pcn_boroughs=dict(zip(pcns["code"], pcns["borough_code"], strict=True)),
                        alt_text=alt_text)
    if legend_column is not None:
        with legend_column:
            legend(sections, stacked=True)
    if values is not None:
        suppression_caption(values, f"{LEVEL_WORDS[kpi_level]}s")
        without = ~pcn_bounds["code"].isin(values["area_code"])
        unvalued = sorted(set(pcn_bounds.loc[without, "name"])) if kpi_level == "pcn" else []
        if unvalued:  # the areas are today's PCNs; a PCN formed or renamed since the period has no value for it
            st.caption(f"{len(unvalued)} PCN area{'s' if len(unvalued) != 1 else ''} with no value for {period_words} "
                       f"(PCNs formed or changed since then; practices count towards the PCN of the period): "
                       + ", ".join(unvalued[:6]) + ("…" if len(unvalued) > 6 else "") + ".")

    drawn = [*borough_bounds["source"], *pcn_bounds["source"], *(lsoas["source"] if shade == "imd" else [])]
    credits = attribution(
        drawn, cache.provenance()["source"].tolist(), deprivation=shade == "imd", practices=show_practices,
        care_homes=show_homes or not homes_loaded,
    )  # fmt: skip
    if basemap:
        credits += f". {BASEMAP_CREDIT}"
    st.caption(credits)

    table = map_table(model, measure)
    with st.expander("Table of the mapped values", expanded=False):
        st.dataframe(as_displayed(table), hide_index=True, width="stretch")
    data_date = period_end.date() if period_end is not None else (
        (pd.Timestamp(filters.period) + pd.offsets.MonthEnd(0)).date() if filters.period else None)
    source = kpi["source"] if shade == "kpi" else credits
    heading = f"Map: {kpi['kpi']} by {LEVEL_WORDS[kpi_level]}" if shade == "kpi" else f"Map: {title}"
    context = export_context(heading, filter_wording(filters, area, kpi if shade == "kpi" else None), source,
                             data_date)  # fmt: skip
    context = replace(context, source=f"{context.source}. {credits}" if shade == "kpi" else context.source)
    static = partial(  # built only when PNG or SVG is clicked
        static_map,
        model.areas,
        scale,
        outlines=model.outlines,
        practices=practices,
        care_homes=homes,
        selected=model.selected,
        alt_text=alt_text,
    )
    export_buttons(static, table, context, key="map")


map_region()
