"""The Map page's cached views: what the map region draws, computed once per filter and control choice (issue 14).

A warm rerun of the Map (a borough seen before) used to rebuild the coloured areas (WKB decoded, values
suppressed and joined, a tooltip per area), the pydeck layers and their JSON, the legend sections, table and
attribution from the cached query frames. :func:`map_setup` (what the map's controls offer) and :func:`map_view`
(what the map draws for the controls' values) do that once per key behind ``st.cache_data``; the page keeps the
fragment and its widgets and passes their values in. Both read their inputs through ``data.cache`` (an import
clears every cache, so the data need not be in the key) and create no widgets.

The deck is kept as the JSON ``st.pydeck_chart`` sends (:class:`PreparedDeck`), not as layers of records, so a
cache hit unpickles one string. The static map of the PNG and SVG exports is still built only when one is clicked
(:func:`static_export`, from the same key), never for a rerun.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from functools import partial
from typing import Any

import altair as alt
import pandas as pd
import pydeck as pdk
import streamlit as st

from components.area import Area
from components.page import chosen_period, export_context, filter_wording, kpi_row, small_number_max, suppression_rule
from components.state import Filters
from data import cache
from data.analysis import in_areas, with_intervals
from data.export import ExportContext, as_displayed
from data.suppression import suppress, suppressed_note
from geo.colours import PRACTICE_COLOUR, LegendEntry, diverging_scale, rating_legend, sequential_scale
from geo.export import attribution, static_map
from geo.layers import (
    BASEMAP_CREDIT,
    CARTO_POSITRON,
    IMD_MEASURE,
    INDICATIVE_TEXT,
    MapModel,
    Measure,
    is_indicative,
    map_model,
    map_table,
    shown_values,
)

LEVEL_WORDS = {"pcn": "PCN", "borough": "borough"}
Section = tuple[str, list[LegendEntry], str]  # a legend section: title, entries, "square" or "circle"


# ----------------------------------------------------------------------------------------- what the controls offer


@dataclass(frozen=True)
class MapSetup:
    """What the map's controls offer for a KPI and period: shadings, their subheadings, a note, the toggles' state."""

    has_boundaries: bool  # False: no borough boundaries are loaded (the page says so and stops)
    choices: tuple[tuple[str, str], ...] = ()  # (shade, words) for the "Shade the map by" radio, in order
    titles: tuple[tuple[str, str], ...] = ()  # (shade, subheader)
    note: str | None = None  # why the KPI colours nothing, when it does not
    has_target: bool = False  # the KPI has a target (so "Colour against target" may be switched on)
    homes_loaded: bool = False  # care homes are loaded (the toggle is otherwise off and disabled)


def _kpi_level(kpi: pd.Series | None, period: date | None, pcn_bounds: pd.DataFrame) -> str | None:
    """The level the KPI colours: PCN when it has PCN values and PCN areas are loaded, else borough, else None."""
    if kpi is None or period is None:
        return None
    usable = [lv for lv in ("pcn", "borough") if lv in kpi["levels"] and not (lv == "pcn" and pcn_bounds.empty)]
    return usable[0] if usable else None


@st.cache_data(ttl=3600, max_entries=256, show_spinner=False)
def map_setup(system_code: str, kpi_code: str | None, period: date | None) -> MapSetup:
    """The map's shading choices and subheadings for KPI ``kpi_code`` in ``period`` (cached by them, issue 14)."""
    borough_bounds = cache.boundaries("borough", system_code)
    if borough_bounds.empty:
        return MapSetup(has_boundaries=False)
    kpi = kpi_row(kpi_code)
    pcn_bounds = cache.boundaries("pcn", system_code)
    lsoas = cache.lsoa_deprivation(system_code)
    has_imd = bool(lsoas["imd_decile"].notna().any()) if not lsoas.empty else False
    indicative = is_indicative(pcn_bounds)
    kpi_level = _kpi_level(kpi, period, pcn_bounds)
    choices: dict[str, str] = {}
    titles: dict[str, str] = {}
    if kpi_level:
        choices["kpi"] = f"{kpi['kpi']} by {LEVEL_WORDS[kpi_level]}"
        period_words, _ = chosen_period(kpi["kpi_code"], period)
        titles["kpi"] = f"{kpi['kpi']} by {LEVEL_WORDS[kpi_level]}, {period_words}" + (
            " (indicative PCN areas)" if kpi_level == "pcn" and indicative else "")  # fmt: skip
    if has_imd:
        choices["imd"] = "Deprivation (IMD 2019 decile by LSOA)"
        titles["imd"] = "Deprivation by LSOA: IMD 2019 decile"
    choices["none"] = "Boundaries only"
    drawn_pcns = " and indicative PCN areas" if indicative else " and PCN areas" if len(pcn_bounds) else ""
    titles["none"] = "Boroughs" + drawn_pcns
    note = None
    if kpi is None or period is None:
        note = "Choose a KPI and period in the sidebar to colour PCNs or boroughs by it."
    elif kpi_level is None:
        missing = "pcn" in kpi["levels"] and pcn_bounds.empty
        note = (
            f"{kpi['kpi']} is reported at {', '.join(kpi['levels'])} level"
            + (": no PCN areas are loaded. Derive indicative PCN catchments or import a PCN lookup on the Data page."
               if missing else ", so there is nothing to colour by it.")
        )  # fmt: skip
    return MapSetup(
        has_boundaries=True,
        choices=tuple(choices.items()),
        titles=tuple(titles.items()),
        note=note,
        has_target=kpi is not None and kpi["target_value"] is not None and not pd.isna(kpi["target_value"]),
        homes_loaded=not cache.care_homes(system_code).empty,
    )


# ------------------------------------------------------------------------------------------------ what the map draws


@dataclass(frozen=True)
class MapKey:
    """Everything that decides what the map region draws: the system, the sidebar filters, the area they select
    and the region's own controls (shading, the layer toggles, colour against target, street map)."""

    system_code: str
    borough: str | None
    pcn: str | None
    workstream: str | None
    kpi: str | None
    period: date | None
    neighbourhood: str | None
    area_level: str
    area_code: str
    area_name: str
    shade: str
    show_practices: bool
    show_homes: bool
    against_target: bool
    basemap: bool


class PreparedDeck(pdk.Deck):
    """A deck already written as JSON (``geo.layers.CompactDeck.to_json``), drawn by ``st.pydeck_chart`` as it is.

    ``st.pydeck_chart`` reads a deck's ``to_json()``, its ``layers`` and its ``_tooltip``; this carries exactly
    those, so a cached view holds one string rather than every layer's records (issue 14).
    """

    def __init__(self, spec: str, tooltip: dict[str, Any] | None) -> None:
        self.layers: list[pdk.Layer] = []  # not Deck.__init__: the layers are in the JSON already
        self._spec = spec
        self._tooltip = tooltip

    def to_json(self) -> str:
        """The deck's JSON, as written when the view was built."""
        return self._spec


@dataclass(frozen=True)
class MapView:
    """What the map region draws for one :class:`MapKey`, in the page's order."""

    select_caption: str
    sections: list[Section]  # the legend beside the map (none: the map takes the whole width)
    deck_json: str
    deck_tooltip: dict[str, Any] | None
    pcn_boroughs: Mapping[str, str]  # PCN code → borough code, for the map selection
    alt_text: str
    suppressed: str  # how many areas are suppressed ("" when none, or the map is not shaded by a KPI)
    unvalued: str | None  # PCN areas with no value for the period
    credits: str
    shown_table: pd.DataFrame  # the table as displayed (``as_displayed``)
    table: pd.DataFrame  # the CSV export's rows
    context: ExportContext
    static: partial  # builds the static map for PNG and SVG, only when clicked

    def deck(self) -> PreparedDeck:
        """The deck for ``components.maps.interactive_map``."""
        return PreparedDeck(self.deck_json, self.deck_tooltip)


@dataclass(frozen=True)
class _Parts:
    """The map's model and the inputs it was built from (shared by the view and the static export)."""

    kpi: pd.Series | None
    kpi_level: str | None
    period_words: str
    period_end: pd.Timestamp | None
    values: pd.DataFrame | None
    measure: Measure | None
    pcns: pd.DataFrame
    practices: pd.DataFrame | None
    homes: pd.DataFrame | None
    model: MapModel


def _parts(key: MapKey) -> _Parts:
    """The map model for ``key``: the KPI's values of the system's areas suppressed, their scale, the points."""
    system = key.system_code
    kpi = kpi_row(key.kpi)
    pcn_bounds = cache.boundaries("pcn", system)
    kpi_level = _kpi_level(kpi, key.period, pcn_bounds)
    shade = key.shade
    level = kpi_level if shade == "kpi" else ("lsoa" if shade == "imd" else None)
    period_words, period_end = chosen_period(kpi["kpi_code"], key.period) if shade == "kpi" else ("", None)
    has_target = shade == "kpi" and kpi["target_value"] is not None and not pd.isna(kpi["target_value"])
    values, scale, measure = None, None, None
    if shade == "kpi":
        values = suppress(
            with_intervals(
                # the system's own areas only: the national roll-ups (every PCN in England) must not set the classes
                in_areas(cache.kpi_period_across_areas(kpi["kpi_code"], kpi_level, key.period),
                         cache.area_names(kpi_level, system)),
                kpi["value_type"],
                kpi["multiplier"],
            ),
            suppression_rule(kpi),
        )  # fmt: skip
        measure = Measure(kpi["kpi"], kpi["unit"], small_number_max(kpi), period_words)
        if key.against_target and has_target:
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
    practices = cache.practice_points(system) if key.show_practices else None
    homes = cache.care_homes(system) if key.show_homes else None
    model = map_model(
        pcn_bounds=pcn_bounds,
        borough_bounds=cache.boundaries("borough", system),
        level=level,
        values=values,
        scale=scale,
        measure=measure,
        pcn_boroughs=dict(zip(pcns["code"], pcns["borough"], strict=True)),
        borough=key.borough,
        pcn=key.pcn,
        practices=practices,
        care_homes=homes,
        basemap=CARTO_POSITRON if key.basemap else None,
        lsoas=cache.lsoa_deprivation(system) if shade == "imd" else None,
    )
    return _Parts(kpi, kpi_level, period_words, period_end, values, measure, pcns, practices, homes, model)


def _alt_text(key: MapKey, parts: _Parts, choice: str) -> str:
    """The map's alt text: what is shaded, how many areas and classes, which points."""
    model, practices, homes = parts.model, parts.practices, parts.homes
    shaded = {"kpi": f"{choice} in {parts.period_words}" if key.shade == "kpi" else "",
              "imd": "LSOAs by IMD 2019 decile", "none": "boroughs, unshaded"}[key.shade]  # fmt: skip
    return (
        f"Map of {shaded}, {len(model.areas)} areas"
        + (f" in {len(model.scale.colours)} classes" if model.scale else "")
        + (", with GP practices" if key.show_practices and practices is not None and len(practices) else "")
        + (" and care homes sized by beds and coloured by CQC rating" if key.show_homes and homes is not None
           and len(homes) else "")
        + ". The same numbers are in the table below the map."
    )  # fmt: skip


def static_export(key: MapKey, alt_text: str) -> alt.LayerChart:
    """The static map (``geo.export.static_map``) of the PNG and SVG exports, built from ``key`` when clicked."""
    parts = _parts(key)
    model = parts.model
    return static_map(
        model.areas,
        model.scale,
        outlines=model.outlines,
        practices=parts.practices,
        care_homes=parts.homes,
        selected=model.selected,
        alt_text=alt_text,
    )


@st.cache_data(ttl=3600, max_entries=256, show_spinner=False)
def map_view(
    system_code: str,
    *,
    borough: str | None,
    pcn: str | None,
    workstream: str | None,
    kpi: str | None,
    period: date | None,
    neighbourhood: str | None,
    area_level: str,
    area_code: str,
    area_name: str,
    shade: str,
    show_practices: bool,
    show_homes: bool,
    against_target: bool,
    basemap: bool,
) -> MapView:
    """What the map region draws for these sidebar filters (and the area they select) and these values of its own
    controls; cached by them, so a rerun that changes none of them rebuilds nothing (issue 14)."""
    key = MapKey(system_code, borough, pcn, workstream, kpi, period, neighbourhood, area_level, area_code,
                 area_name, shade, show_practices, show_homes, against_target, basemap)  # fmt: skip
    return _view(key)


def _view(key: MapKey) -> MapView:
    """The view for ``key``, uncached (what :func:`map_view` keeps)."""
    system = key.system_code
    parts = _parts(key)
    model, practices, homes, kpi, kpi_level = parts.model, parts.practices, parts.homes, parts.kpi, parts.kpi_level
    choice = f"{kpi['kpi']} by {LEVEL_WORDS[kpi_level]}" if kpi_level else ""
    alt_text = _alt_text(key, parts, choice)
    indicative = is_indicative(cache.boundaries("pcn", system))
    select_caption = (
        "Select a borough or PCN (or a practice or care home) to filter every page to it. "
        + (f"Outlined in black: {key.area_name}. " if key.borough or key.pcn else "")
        + (f"{INDICATIVE_TEXT}." if indicative else "")
    )
    scale = model.scale
    sections: list[Section] = [(scale.title, scale.legend(), "square")] if scale else []
    if key.show_homes and homes is not None and len(homes):
        sections.append(("Care homes by CQC rating (size: beds)", rating_legend(), "circle"))
    if key.show_practices and practices is not None and len(practices):
        sections.append(("Points", [LegendEntry(PRACTICE_COLOUR, "GP practice")], "circle"))

    suppressed, unvalued = "", None
    pcn_bounds = cache.boundaries("pcn", system)
    if parts.values is not None:
        suppressed = suppressed_note(parts.values, f"{LEVEL_WORDS[kpi_level]}s")
        without = ~pcn_bounds["code"].isin(parts.values["area_code"])
        names = sorted(set(pcn_bounds.loc[without, "name"])) if kpi_level == "pcn" else []
        if names:  # the areas are today's PCNs; a PCN formed or renamed since the period has no value for it
            unvalued = (f"{len(names)} PCN area{'s' if len(names) != 1 else ''} with no value for "
                        f"{parts.period_words} (PCNs formed or changed since then; practices count towards the PCN "
                        "of the period): " + ", ".join(names[:6]) + ("…" if len(names) > 6 else "") + ".")  # fmt: skip

    lsoas = cache.lsoa_deprivation(system)
    drawn = [*cache.boundaries("borough", system)["source"], *pcn_bounds["source"],
             *(lsoas["source"] if key.shade == "imd" else [])]  # fmt: skip
    credits = attribution(
        drawn, cache.provenance()["source"].tolist(), deprivation=key.shade == "imd",
        practices=key.show_practices, care_homes=key.show_homes or cache.care_homes(system).empty,
    )  # fmt: skip
    if key.basemap:
        credits += f". {BASEMAP_CREDIT}"

    table = map_table(model, parts.measure)
    period_end = parts.period_end
    data_date = period_end.date() if period_end is not None else (
        (pd.Timestamp(key.period) + pd.offsets.MonthEnd(0)).date() if key.period else None)  # fmt: skip
    shaded_kpi = key.shade == "kpi"
    title = dict(map_setup(system, key.kpi, key.period).titles)[key.shade]
    source = kpi["source"] if shaded_kpi else credits
    heading = f"Map: {kpi['kpi']} by {LEVEL_WORDS[kpi_level]}" if shaded_kpi else f"Map: {title}"
    filters = Filters(key.borough, key.pcn, key.workstream, key.kpi, key.period, key.neighbourhood)
    area = Area(key.area_level, key.area_code, key.area_name)
    context = export_context(heading, filter_wording(filters, area, kpi if shaded_kpi else None), source, data_date)
    context = replace(context, source=f"{context.source}. {credits}" if shaded_kpi else context.source)
    return MapView(
        select_caption=select_caption,
        sections=sections,
        deck_json=model.deck.to_json(),
        deck_tooltip=getattr(model.deck, "_tooltip", None),
        pcn_boroughs=dict(zip(parts.pcns["code"], parts.pcns["borough_code"], strict=True)),
        alt_text=alt_text,
        suppressed=suppressed,
        unvalued=unvalued,
        credits=credits,
        shown_table=as_displayed(table),
        table=table,
        context=context,
        static=partial(static_export, key, alt_text),
    )
