"""Map: PCNs coloured by the chosen KPI and period, borough outlines, practices and care homes; a click filters."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import streamlit as st

from components.area import selected_area, system_code
from components.exports import export_buttons, suppression_caption
from components.maps import interactive_map, legend
from components.page import export_context, filter_wording, kpi_row, small_number_max, suppression_rule
from components.shell import require_app_shell
from components.state import current_filters
from data import cache
from data.analysis import with_intervals
from data.export import as_displayed
from data.suppression import suppress
from geo.colours import PRACTICE_COLOUR, LegendEntry, diverging_scale, rating_legend, sequential_scale
from geo.export import attribution, static_map
from geo.layers import BASEMAP_CREDIT, CARTO_POSITRON, Measure, map_model, map_table, shown_values
from settings import get_settings

require_app_shell()

LEVEL_WORDS = {"pcn": "PCN", "borough": "borough"}

filters = current_filters()
area = selected_area(filters)
kpi = kpi_row(filters.kpi)
st.title("Map")
if kpi is None or filters.period is None:
    st.info("Choose a KPI and period in the sidebar.")
    st.stop()
level = next((lv for lv in ("pcn", "borough") if lv in kpi["levels"]), None)
if level is None:
    st.info(f"{kpi['kpi']} is reported only at {', '.join(kpi['levels'])} level, so there is nothing to map.")
    st.stop()
st.subheader(f"{kpi['kpi']} by {LEVEL_WORDS[level]}, {filters.period:%b %Y}")

has_target = kpi["target_value"] is not None and not pd.isna(kpi["target_value"])
controls = st.columns(4)
show_practices = controls[0].toggle("GP practices", value=True, key="map_practices")
show_homes = controls[1].toggle("Care homes", value=True, key="map_homes", help="Sized by beds, coloured by rating")
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

system = system_code()
pcn_bounds = cache.boundaries("pcn", system)
borough_bounds = cache.boundaries("borough", system)
if pcn_bounds.empty or borough_bounds.empty:
    st.info("No boundaries are loaded yet. Import borough and PCN boundaries on the Data page.")
    st.stop()
values = suppress(
    with_intervals(
        cache.kpi_period_across_areas(kpi["kpi_code"], level, filters.period), kpi["value_type"], kpi["multiplier"]
    ),
    suppression_rule(kpi),
)
measure = Measure(kpi["kpi"], kpi["unit"], small_number_max(kpi), f"{filters.period:%b %Y}")
if against_target and has_target:
    scale = diverging_scale(
        shown_values(values, measure.small_number_max),
        target=float(kpi["target_value"]),
        higher_is_better=kpi["polarity"] == "higher_is_better",
        title=f"{kpi['kpi']} against target {kpi['target_value']:g}",
    )
else:
    scale = sequential_scale(shown_values(values, measure.small_number_max), title=f"{kpi['kpi']} ({kpi['unit']})")
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
)
alt_text = (
    f"Map of {kpi['kpi']} by {LEVEL_WORDS[level]} in {filters.period:%B %Y}, {len(model.areas)} areas shaded in "
    f"{len(scale.colours)} classes"
    + (", with GP practices" if show_practices else "")
    + (" and care homes sized by beds and coloured by CQC rating" if show_homes else "")
    + ". The same numbers are in the table below the map."
)
st.caption(
    f"Select a {LEVEL_WORDS[level]} (or a practice or care home) to filter every page to it. "
    + (f"Outlined in black: {area.name}." if filters.borough or filters.pcn else "")
)
interactive_map(model.deck, pcn_boroughs=dict(zip(pcns["code"], pcns["borough_code"], strict=True)), alt_text=alt_text)
sections = [(scale.title, scale.legend(), "square")]
if show_homes:
    sections.append(("Care homes by CQC rating (size: beds)", rating_legend(), "circle"))
if show_practices:
    sections.append(("Points", [LegendEntry(PRACTICE_COLOUR, "GP practice")], "circle"))
legend(sections)
suppression_caption(values, f"{LEVEL_WORDS[level]}s")

credits = attribution(pcn_bounds["source"].tolist(), cache.provenance()["source"].tolist())
if basemap:
    credits += f". {BASEMAP_CREDIT}"
st.caption(credits)

table = map_table(model, measure)
with st.expander("Table of the mapped values", expanded=False):
    st.dataframe(as_displayed(table), hide_index=True, width="stretch")
data_date = pd.Timestamp(filters.period) + pd.offsets.MonthEnd(0)
context = export_context(
    f"Map: {kpi['kpi']} by {LEVEL_WORDS[level]}", filter_wording(filters, area, kpi), kpi["source"], data_date.date()
)
context = replace(context, source=f"{context.source}. {credits}")
static = static_map(
    model.areas,
    scale,
    outlines=model.outlines,
    practices=practices,
    care_homes=homes,
    selected=model.selected,
    alt_text=alt_text,
)
export_buttons(static, table, context, key="map")
