"""Map: PCNs or boroughs coloured by the chosen KPI, or LSOAs by deprivation; boroughs, practices and care homes.

Works with whatever geography is loaded: borough boundaries are enough; PCN areas (imported, from a lookup, or
derived indicative catchments) and LSOAs with IMD 2019 deciles add layers. A click on an area filters every page.
The page composes: what the map region draws comes from ``components.map_view``, cached by the filters and the
region's control values, so a rerun for a borough seen before rebuilds nothing (issue 14).
"""

from __future__ import annotations

import streamlit as st

from components.area import selected_area, system_code
from components.exports import export_buttons
from components.map_view import map_setup, map_view
from components.maps import interactive_map, legend
from components.shell import require_app_shell
from components.state import current_filters
from settings import get_settings

require_app_shell()

filters = current_filters()
area = selected_area(filters)
st.title("Map")
system = system_code()
setup = map_setup(system, filters.kpi, filters.period)
if not setup.has_boundaries:
    st.info(
        "No borough boundaries are loaded yet. Import the ONS borough (local authority district) boundaries on the "
        "Data page; LSOA boundaries, IMD deprivation and PCN areas then add layers."
    )
    st.stop()


@st.fragment
def map_region() -> None:
    """The map with its own controls (shading, layers, colour against target, street map), legend, table, exports.

    A fragment: a change of its controls reruns only this region, not the sidebar (issue 14). A click on an area
    sets the sidebar filters (``components.maps``), which the rest of the app must redraw: the whole app is then
    rerun before anything is drawn here. The controls stay here; what they decide is drawn from the cached view.
    """
    if current_filters() != filters:  # a map click changed the shared filters: every part of the page follows them
        st.rerun()
    choices = dict(setup.choices)
    shade = st.radio("Shade the map by", list(choices), format_func=choices.get, horizontal=True)
    if setup.note:
        st.caption(setup.note)
    st.subheader(dict(setup.titles)[shade])

    has_target = shade == "kpi" and setup.has_target
    controls = st.columns(4)
    show_practices = controls[0].toggle("GP practices", value=True, key="map_practices")
    homes_loaded = setup.homes_loaded  # none on a real-data start without the CQC file: say so
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

    view = map_view(
        system, borough=filters.borough, pcn=filters.pcn, workstream=filters.workstream, kpi=filters.kpi,
        period=filters.period, neighbourhood=filters.neighbourhood, area_level=area.level, area_code=area.code,
        area_name=area.name, shade=shade, show_practices=show_practices, show_homes=show_homes,
        against_target=against_target, basemap=basemap,
    )  # fmt: skip
    st.caption(view.select_caption)
    # the legend beside the map on a wide screen (the view fits a phone's map, so a full-width desktop map left
    # the footprint small in a wide empty frame); the columns stack on a phone, the legend under the map
    map_column, legend_column = st.columns([2, 1]) if view.sections else (st.container(), None)
    with map_column:
        interactive_map(view.deck(), pcn_boroughs=view.pcn_boroughs, alt_text=view.alt_text)
    if legend_column is not None:
        with legend_column:
            legend(view.sections, stacked=True)
    if view.suppressed:
        st.caption(view.suppressed)
    if view.unvalued:
        st.caption(view.unvalued)
    st.caption(view.credits)
    with st.expander("Table of the mapped values", expanded=False):
        st.dataframe(view.shown_table, hide_index=True, width="stretch")
    export_buttons(view.static, view.table, view.context.made_now(), key="map")  # PNG and SVG built only when clicked


map_region()
