"""The interactive map (pydeck) with its legend, and the map selection that drives the shared filters.

A click on a PCN (or on a practice or care home, meaning its PCN) sets the sidebar's PCN filter, with the borough
that contains it, for every page. The sidebar is drawn by app.py before the page, so the filter keys are set in
the map's ``on_select`` callback, which Streamlit runs before the next run draws the widgets.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, MutableMapping, Sequence
from functools import lru_cache
from typing import Any

import pydeck as pdk
import streamlit as st

from components.charts import legend_chart
from components.state import BOROUGH_KEY, NOTICES_KEY, PCN_KEY
from geo.colours import LegendEntry
from geo.layers import BOROUGH_FILL_LAYER, PCN_LAYER, selected_code

MAP_KEY = "map_selection"


def apply_selection(
    state: MutableMapping[str, Any], selection: Mapping | None, pcn_boroughs: Mapping[str, str]
) -> None:
    """Set the PCN (with its borough) or the borough in ``state`` from a map selection; ignore an empty click.

    ``pcn_boroughs`` maps PCN code to borough code. ``state`` is ``st.session_state`` in the app.
    """
    picked = selected_code(dict(selection) if selection else None)
    if picked is None:
        return
    layer, code = picked
    if layer == PCN_LAYER and code in pcn_boroughs:
        state[BOROUGH_KEY] = pcn_boroughs[code]
        state[PCN_KEY] = code
    elif layer == BOROUGH_FILL_LAYER:
        state[BOROUGH_KEY] = code
        state[PCN_KEY] = None
    else:
        return
    state[NOTICES_KEY] = []


def _on_select(pcn_boroughs: Mapping[str, str]) -> None:
    event = st.session_state.get(MAP_KEY)
    apply_selection(st.session_state, event["selection"] if event else None, pcn_boroughs)


def interactive_map(deck: pdk.Deck, *, pcn_boroughs: Mapping[str, str], alt_text: str, height: int = 560) -> None:
    """Draw the deck; selecting an area or point sets the PCN/borough filters (``pcn_boroughs``: PCN → borough code)."""
    mapping = dict(pcn_boroughs)
    st.pydeck_chart(
        deck,
        on_select=lambda: _on_select(mapping),
        selection_mode="single-object",
        key=MAP_KEY,
        height=height,
        alt=alt_text,
    )


def legend(sections: Sequence[tuple[str, Sequence[LegendEntry], str]], *, stacked: bool = False) -> None:
    """The map's legend: for each section a heading and colour swatches with their words, side by side (or one
    under another, ``stacked``, for a legend in a column of its own).

    ``sections`` holds (title, entries, shape) with shape "square" or "circle". Drawn as charts, not HTML.
    """
    places = [st.container() for _ in sections] if stacked else st.columns(len(sections))
    for place, (title, entries, shape) in zip(places, sections, strict=True):
        with place:
            spec = _legend_spec(title, tuple((e.colour, e.label) for e in entries), shape)
            st.vega_lite_chart(copy.deepcopy(spec), width="stretch")


@lru_cache(maxsize=256)
def _legend_spec(title: str, entries: tuple[tuple[str, str], ...], shape: str) -> dict[str, Any]:
    """The legend chart's Vega-Lite spec, built and validated once per (title, entries, shape): Altair's schema
    validation of three small layered charts cost a third of a Map rerun (issue 14). Altair's default theme adds
    a 300 px view size that Streamlit's own Altair path leaves out, so it is left out here too."""
    spec = legend_chart(title, list(entries), shape=shape).to_dict()
    view = spec.get("config", {}).get("view", {})
    for key in ("continuousWidth", "continuousHeight"):
        view.pop(key, None)
    return spec
