"""The static map: the current map view as a Vega-Lite geoshape chart, rendered to PNG/SVG on the server.

No browser and no matplotlib: the same areas, colour classes, borough outlines, practices and care homes as the
interactive map, drawn by Altair and converted by vl-convert (``data.export.chart_png``), with a legend for each
encoding and the provenance lines (title, filters, data date, source and attribution) as the chart's title.
Pure: no Streamlit.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from geo.colours import BOROUGH_LINE, CQC_RATING_COLOURS, NO_DATA, PRACTICE_COLOUR, ClassedScale
from geo.layers import geojson

OS_ONS_ATTRIBUTION = (
    "Boundaries: Source: Office for National Statistics licensed under the Open Government Licence v3.0; "
    "Contains OS data © Crown copyright and database right"
)
CHORLEY_ATTRIBUTION = "GeoJSON conversion by Martin Chorley (github.com/martinjc/UK-GeoJson, CC-BY 4.0)"
CQC_ATTRIBUTION = "Care homes: Care Quality Commission (CQC) care directory, Open Government Licence v3.0"
IMD_ATTRIBUTION = (
    "Deprivation: MHCLG English Indices of Deprivation 2019, Open Government Licence v3.0"
)
ODS_ATTRIBUTION = "GP practices: NHS England Organisation Data Service, Open Government Licence v3.0"
NHSUK_ATTRIBUTION = "practice locations: NHS website (NHS.UK) organisation data, Open Government Licence v3.0"
SYNTHETIC_BOUNDARIES = "Boundaries: synthetic (generated for the demo; not ONS/OS geography)"
SYNTHETIC_PCNS = "PCN areas: synthetic (groups of real LSOAs generated for the demo)"
INDICATIVE_PCNS = "PCN areas: indicative (LSOAs given to the PCN of the nearest practices; not official boundaries)"
SYNTHETIC_CARE_HOMES = "Care homes: synthetic (generated for the demo; not CQC data)"
SYNTHETIC_PRACTICES = "GP practices: synthetic (generated for the demo)"
NO_CARE_HOMES = "Care homes: none loaded"
NO_PRACTICES = "GP practices: none loaded"
PRACTICE_SOURCES = ("epraccur", "epcn", "nhsuk_gp", "gp_list_size")


def _is_ons(source: str) -> bool:
    return any(word in source for word in ("ONS", "OS ", "OS/", "Ordnance", "Office for National Statistics"))


def attribution(
    boundary_sources: list[str],
    import_sources: list[str],
    *,
    deprivation: bool = False,
    practices: bool = False,
    care_homes: bool = True,
) -> str:
    """The attribution line for a map, from what is loaded: the drawn boundaries' ``source`` texts and the import
    log's sources (``"demo"`` for the synthetic demo).

    Boundaries get the ONS/OS licence line when any is ONS/OS (and Martin Chorley's CC-BY credit when his GeoJSON
    conversion is named); synthetic and indicative PCN areas say so; other publishers are named as given. The
    deprivation, practice and care-home parts appear when those layers are drawn: from their importers' sources,
    "synthetic" only when the demo supplied them, "none loaded" when nothing did.
    """
    named = [s for s in dict.fromkeys(boundary_sources) if s]
    synthetic = [s for s in named if s.lower().startswith("synthetic")]
    indicative = [s for s in named if s.lower().startswith("indicative")]
    other = [s for s in named if s not in synthetic and s not in indicative]
    parts = []
    if any(_is_ons(s) for s in other + indicative):
        parts.append(OS_ONS_ATTRIBUTION + (f"; {CHORLEY_ATTRIBUTION}" if any("Chorley" in s for s in other) else ""))
    elif other:
        parts.append("Boundaries: " + "; ".join(other))
    elif synthetic or not named:
        parts.append(SYNTHETIC_BOUNDARIES if synthetic else "Boundaries: none loaded")
    if synthetic and (other or indicative):
        parts.append(SYNTHETIC_PCNS)
    if indicative:
        parts.append(INDICATIVE_PCNS)
    if deprivation:
        parts.append(IMD_ATTRIBUTION)
    if practices:
        real = [s for s in PRACTICE_SOURCES if s in import_sources]
        if real:
            located = "nhsuk_gp" in real
            parts.append(ODS_ATTRIBUTION + (f"; {NHSUK_ATTRIBUTION}" if located else ""))
        else:
            parts.append(SYNTHETIC_PRACTICES if "demo" in import_sources else NO_PRACTICES)
    if care_homes:
        if "cqc" in import_sources:
            parts.append(CQC_ATTRIBUTION)
        else:
            parts.append(SYNTHETIC_CARE_HOMES if "demo" in import_sources else NO_CARE_HOMES)
    return ". ".join(parts)


def _features(areas: pd.DataFrame, scale: ClassedScale | None) -> list[dict]:
    labels = dict(zip(scale.colours, scale.labels, strict=True)) if scale else {}
    no_data = scale.no_data_label if scale else "Area"
    return [
        {
            "type": "Feature",
            "geometry": geojson(row.geometry),
            "properties": {"code": row.code, "name": row.name, "class": labels.get(row.fill, no_data)},
        }
        for row in areas.itertuples(index=False)
    ]


def static_map(
    areas: pd.DataFrame,
    scale: ClassedScale | None,
    *,
    outlines: pd.DataFrame,
    practices: pd.DataFrame | None,
    care_homes: pd.DataFrame | None,
    selected: pd.DataFrame | None = None,
    alt_text: str,
    width: int = 640,
    height: int = 560,
) -> alt.LayerChart:
    """The map as layers: coloured areas (legend in words), borough outlines, practices, care homes by rating.

    ``areas`` and ``outlines`` as from ``geo.layers.area_frame``; ``selected`` (same shape) is outlined in black.
    """
    projection = "mercator"
    if scale is not None:
        domain = [*reversed(scale.labels), scale.no_data_label]
        colours = [*reversed(scale.colours), NO_DATA]
        title = scale.title
    else:
        domain, colours, title = ["Area"], [NO_DATA], "Areas"
    fills = (
        alt.Chart(alt.Data(values=_features(areas, scale)))
        .mark_geoshape(stroke="white", strokeWidth=0.7)
        .encode(
            color=alt.Color(
                "properties.class:N",
                scale=alt.Scale(domain=domain, range=colours),
                title=title,
                legend=alt.Legend(orient="right", labelLimit=260, titleLimit=260, symbolType="square"),
            ),
        )
        .project(projection)
    )
    layers: list[alt.Chart] = [fills]
    layers.append(
        alt.Chart(alt.Data(values=_features(outlines, None)))
        .mark_geoshape(filled=False, stroke=BOROUGH_LINE, strokeWidth=1.8)
        .project(projection)
    )
    if selected is not None and not selected.empty:
        layers.append(
            alt.Chart(alt.Data(values=_features(selected, None)))
            .mark_geoshape(filled=False, stroke="black", strokeWidth=3)
            .project(projection)
        )
    if practices is not None and not practices.empty:
        points = practices.dropna(subset=["latitude", "longitude"]).assign(kind="GP practice")
        layers.append(
            alt.Chart(points[["longitude", "latitude", "kind"]])
            .mark_point(shape="diamond", filled=True, size=22, color=PRACTICE_COLOUR, opacity=0.9)
            .encode(
                longitude="longitude:Q",
                latitude="latitude:Q",
                shape=alt.Shape("kind:N", scale=alt.Scale(domain=["GP practice"], range=["diamond"]), title="Points"),
            )
            .project(projection)
        )
    if care_homes is not None and not care_homes.empty:
        homes = care_homes.dropna(subset=["latitude", "longitude"])[["longitude", "latitude", "beds", "cqc_rating"]]
        ratings = list(CQC_RATING_COLOURS)
        layers.append(
            alt.Chart(homes)
            .mark_circle(stroke=BOROUGH_LINE, strokeWidth=0.6, opacity=0.9)
            .encode(
                longitude="longitude:Q",
                latitude="latitude:Q",
                size=alt.Size("beds:Q", title="Care home beds", scale=alt.Scale(range=[10, 220])),
                color=alt.Color(
                    "cqc_rating:N",
                    title="CQC rating",
                    scale=alt.Scale(domain=ratings, range=[CQC_RATING_COLOURS[r] for r in ratings]),
                ),
            )
            .project(projection)
        )
    return (
        alt.layer(*layers)
        .resolve_scale(color="independent", size="independent", shape="independent")
        .properties(width=width, height=height, description=alt_text)
        .configure_view(stroke=None)
    )
