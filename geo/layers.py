"""The map's data and pydeck layers: boundaries decoded from WKB, KPI values joined and coloured, points, the deck.

Pure (shapely, pandas, pydeck; no Streamlit): frames from ``data/queries.py`` in, pydeck objects and plain frames
out, so every layer can be asserted through its JSON. Offline by default: ``build_deck`` sets no basemap (pydeck's
``map_provider=None``; Streamlit then draws no tiles) unless a basemap style URL is given.

Tooltips are plain text (Streamlit escapes what it interpolates), one ``tooltip`` field per object whatever its
layer, so a single template serves every layer. Small numbers (counts from 1 to the suppression threshold) never
reach a tooltip: the area shows as "suppressed" and takes the no-data colour.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pandas as pd
import pydeck as pdk
import shapely
from pydeck.bindings.json_tools import default_serialize
from shapely.geometry import mapping
from shapely.geometry.base import BaseGeometry

from data.suppression import FLAG, Rule, is_suppressed, shown, suppress
from geo.catchments import INDICATIVE, representative_points
from geo.colours import (
    BOROUGH_LINE,
    NO_DATA,
    PRACTICE_COLOUR,
    SELECTED_LINE,
    ClassedScale,
    imd_scale,
    rating_colour,
    rgb,
)

PRECISION = 5  # decimal places kept in coordinates: about 1 m, plenty for display
PCN_LAYER = "pcns"
BOROUGH_FILL_LAYER = "borough-areas"
BOROUGH_LINE_LAYER = "borough-outlines"
SELECTED_LAYER = "selected-area"
PRACTICE_LAYER = "practices"
CARE_HOME_LAYER = "care-homes"
IMD_LAYER = "lsoa-deprivation"
PCN_OUTLINE_LAYER = "pcn-outlines"
BOROUGH_NAME_LAYER = "borough-names"
INDICATIVE_TEXT = "Indicative PCN area: LSOAs given to the PCN of the nearest practices (not an official boundary)"
SUPPRESSED_TEXT = "suppressed (small numbers)"
CARTO_POSITRON = "https://basemaps.cartocdn.com/gl/positron-gl-style/style.json"  # opt-in street map
BASEMAP_CREDIT = "Street map © OpenStreetMap contributors © CARTO"
TOOLTIP = {
    "text": "{tooltip}",
    "style": {
        "backgroundColor": "#FFFFFF",
        "color": "#212B32",
        "border": "1px solid #425563",
        "fontSize": "13px",
        "whiteSpace": "pre-line",
        "maxWidth": "320px",
    },
}


def decode(wkb: bytes) -> BaseGeometry:
    """Shapely geometry from WKB bytes."""
    return shapely.from_wkb(bytes(wkb))


def polygon_parts(geometry: BaseGeometry, precision: int = PRECISION) -> list[list[list[list[float]]]]:
    """Each polygon of a (multi)polygon as deck.gl wants it: a list of rings of [lon, lat], rounded."""
    polygons = getattr(geometry, "geoms", [geometry])
    parts = []
    for polygon in polygons:
        if polygon.is_empty or polygon.geom_type != "Polygon":
            continue
        rings = [polygon.exterior, *polygon.interiors]
        parts.append([[[round(x, precision), round(y, precision)] for x, y in ring.coords] for ring in rings])
    return parts


def geojson(geometry: BaseGeometry, precision: int = PRECISION) -> dict:
    """A GeoJSON geometry dict with rounded coordinates."""
    return mapping(shapely.set_precision(geometry, 10**-precision, mode="pointwise"))


def bbox_of(boundaries: pd.DataFrame) -> tuple[float, float, float, float]:
    """(min_lon, min_lat, max_lon, max_lat) around every boundary's bbox columns."""
    return (
        float(boundaries["min_lon"].min()),
        float(boundaries["min_lat"].min()),
        float(boundaries["max_lon"].max()),
        float(boundaries["max_lat"].max()),
    )


FIT_WIDTH = 330  # px: the narrowest map the view must fit (a 360 px phone less the page's margins)


def view_for_bbox(
    bbox: tuple[float, float, float, float], *, width: int = FIT_WIDTH, height: int = 560, padding: float = 0.1
) -> pdk.ViewState:
    """A Web-Mercator view that fits the bbox in a ``width`` × ``height`` pixel map (zoom lowered by ``padding``).

    The server cannot know the screen's width and deck.gl's JSON has no "fit these bounds", so the view fits the
    narrowest map by default: fitted to an 800 px map, the footprint ran past both sides of a phone's 358 px map
    (issue 13). On a desktop the whole footprint shows with room around it, and the map zooms as usual.
    """
    min_lon, min_lat, max_lon, max_lat = bbox
    dlon = max(max_lon - min_lon, 1e-6)

    def merc(lat: float) -> float:
        return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))

    dy = max(merc(max_lat) - merc(min_lat), 1e-6)
    zoom_x = math.log2(width * 360 / (512 * dlon))
    zoom_y = math.log2(height * 2 * math.pi / (512 * dy))
    zoom = round(max(min(zoom_x, zoom_y) - padding, 1.0), 2)
    return pdk.ViewState(
        longitude=round((min_lon + max_lon) / 2, PRECISION),
        latitude=round((min_lat + max_lat) / 2, PRECISION),
        zoom=zoom,
        min_zoom=7,
        max_zoom=16,
        pitch=0,
        bearing=0,
    )


@dataclass(frozen=True)
class Measure:
    """What the colours show: the KPI's name and unit, and the small-number threshold for its counts."""

    name: str
    unit: str
    small_number_max: int
    period: str


IMD_MEASURE = Measure("IMD 2019 decile", "(1 = most deprived 10% in England)", 0, "IoD 2019")


def value_text(row: pd.Series | dict, measure: Measure) -> str:
    """``"312.4 per 1,000 patients (95% CI 301.0 to 324.1)"``, or why there is no value."""
    if row.get("suppressed"):
        return f"{measure.name}: {SUPPRESSED_TEXT}"
    value = row.get("value")
    if value is None or pd.isna(value):
        return f"{measure.name}: no data for {measure.period}"
    text = f"{measure.name}: {value:,.1f} {measure.unit}"
    lower, upper = row.get("lower"), row.get("upper")
    if lower is not None and upper is not None and not pd.isna(lower) and not pd.isna(upper):
        text += f" (95% CI {lower:,.1f} to {upper:,.1f})"
    return text + f", {measure.period}"


def shown_values(values: pd.DataFrame, small_number_max: int) -> pd.Series:
    """The values a colour scale may be built on: those not suppressed (``data.suppression``) as small counts."""
    return shown(suppress(values, Rule(small_number_max)))["value"]


def area_frame(
    boundaries: pd.DataFrame,
    values: pd.DataFrame | None,
    scale: ClassedScale | None,
    measure: Measure | None,
    *,
    context: dict[str, str] | None = None,
) -> pd.DataFrame:
    """One row per area: code, name, value, lower, upper, suppressed, fill (hex), tooltip, geometry (shapely).

    ``boundaries`` as from ``queries.boundaries``; ``values`` has area_code, numerator, value, lower, upper (or is
    None for outlines only). A numerator from 1 to ``measure.small_number_max`` suppresses the value, its interval
    and its colour. ``context`` maps an area code to a line added to its tooltip (e.g. its borough).
    """
    out = boundaries[["code", "name"]].copy()
    out["geometry"] = [decode(w) for w in boundaries["display_wkb"]]
    if values is not None and not values.empty:
        cols = [c for c in ("area_code", "numerator", "denominator", "value", "lower", "upper", FLAG) if c in values]
        out = out.merge(values[cols].rename(columns={"area_code": "code"}), on="code", how="left")
    for column in ("numerator", "denominator", "value", "lower", "upper"):
        if column not in out:
            out[column] = float("nan")
    out = suppress(out, Rule(measure.small_number_max if measure else 0))  # keeps the flags ``values`` came with
    out["suppressed"] = is_suppressed(out)
    out["fill"] = [scale.colour(v) if scale else NO_DATA for v in out["value"]]
    context = context or {}
    tips = []
    for row in out.to_dict("records"):
        lines = [f"{row['name']} ({row['code']})"]
        if row["code"] in context:
            lines.append(context[row["code"]])
        if measure is not None:
            lines.append(value_text(row, measure))
        lines.append("Select to filter every page to this area")
        tips.append("\n".join(lines))
    out["tooltip"] = tips
    return out


def _polygon_records(areas: pd.DataFrame, *, alpha: int = 230) -> list[dict]:
    records = []
    for row in areas.itertuples(index=False):
        for part in polygon_parts(row.geometry):
            records.append(
                {
                    "code": row.code,
                    "name": row.name,
                    "polygon": part,
                    "fill": rgb(row.fill, alpha),
                    "tooltip": row.tooltip,
                }
            )
    return records


def area_layer(
    layer_id: str, areas: pd.DataFrame, *, pickable: bool = True, line: Sequence[int] = (255, 255, 255, 255)
) -> pdk.Layer:
    """Filled, outlined polygons of the areas (each part of a multipolygon is its own object with the code)."""
    return pdk.Layer(
        "PolygonLayer",
        data=_polygon_records(areas),
        id=layer_id,
        get_polygon="polygon",
        get_fill_color="fill",
        get_line_color=list(line),
        line_width_min_pixels=1,
        stroked=True,
        filled=True,
        pickable=pickable,
        auto_highlight=pickable,
        highlight_color=[0, 0, 0, 60],
    )


def outline_layer(
    layer_id: str, geometries: Iterable[BaseGeometry], *, colour: str = BOROUGH_LINE, width_px: float = 2.0
) -> pdk.Layer:
    """Unfilled outlines (borough boundaries, the selected area); not pickable so clicks reach the areas below."""
    data = [{"polygon": part} for geometry in geometries for part in polygon_parts(geometry)]
    return pdk.Layer(
        "PolygonLayer",
        data=data,
        id=layer_id,
        get_polygon="polygon",
        filled=False,
        stroked=True,
        get_line_color=rgb(colour),
        line_width_min_pixels=width_px,
        pickable=False,
    )


def _text(value: object, default: str = "none") -> str:
    """A cell as text, with ``default`` for None/NaN/empty."""
    return default if value is None or (not isinstance(value, str) and pd.isna(value)) or value == "" else str(value)


def practice_records(practices: pd.DataFrame) -> list[dict]:
    """Practice points with their tooltip."""
    records = []
    for row in practices.dropna(subset=["latitude", "longitude"]).to_dict("records"):
        lines = [f"{row['name']} ({row['code']})", "GP practice"]
        lines.append(f"PCN: {_text(row.get('pcn'))}")
        if row.get("patients") is not None and not pd.isna(row.get("patients")):
            lines.append(f"{int(row['patients']):,} registered patients")
        records.append(
            {
                "code": row["code"],
                "name": row["name"],
                "pcn_code": row.get("pcn_code"),
                "position": [round(float(row["longitude"]), PRECISION), round(float(row["latitude"]), PRECISION)],
                "tooltip": "\n".join(lines),
            }
        )
    return records


def practice_layer(practices: pd.DataFrame) -> pdk.Layer:
    """GP practices as small purple points with a white rim."""
    return pdk.Layer(
        "ScatterplotLayer",
        data=practice_records(practices),
        id=PRACTICE_LAYER,
        get_position="position",
        get_fill_color=rgb(PRACTICE_COLOUR),
        get_line_color=[255, 255, 255, 255],
        stroked=True,
        line_width_min_pixels=1,
        get_radius=60,
        radius_min_pixels=3,
        radius_max_pixels=8,
        pickable=True,
    )


def care_home_radius(beds: float) -> float:
    """Circle radius in metres: area proportional to beds (about 140 m for a 20-bed home)."""
    return round(31.3 * math.sqrt(max(float(beds), 0.0)), 1)


def care_home_records(homes: pd.DataFrame) -> list[dict]:
    """Care-home points with radius, rating colour and tooltip."""
    records = []
    for row in homes.dropna(subset=["latitude", "longitude"]).to_dict("records"):
        rated = f"CQC rating: {row['cqc_rating']}"
        if row.get("rating_date") is not None and not pd.isna(row.get("rating_date")):
            rated += f" ({pd.Timestamp(row['rating_date']):%d %b %Y})"
        lines = [
            f"{row['name']} ({row['cqc_location_id']})",
            f"Care home ({row['care_type']}), {int(row['beds'])} beds",
            rated,
            f"PCN: {_text(row.get('pcn'))}",
            f"Named GP practice: {_text(row.get('aligned_practice'))}",
        ]
        records.append(
            {
                "code": row["cqc_location_id"],
                "name": row["name"],
                "pcn_code": row.get("pcn_code"),
                "position": [round(float(row["longitude"]), PRECISION), round(float(row["latitude"]), PRECISION)],
                "radius": care_home_radius(row["beds"]),
                "fill": rgb(rating_colour(row["cqc_rating"]), 235),
                "tooltip": "\n".join(lines),
            }
        )
    return records


def care_home_layer(homes: pd.DataFrame) -> pdk.Layer:
    """Care homes sized by beds (area ∝ beds) and coloured by CQC rating, with a dark rim."""
    return pdk.Layer(
        "ScatterplotLayer",
        data=care_home_records(homes),
        id=CARE_HOME_LAYER,
        get_position="position",
        get_radius="radius",
        get_fill_color="fill",
        get_line_color=rgb(BOROUGH_LINE),
        stroked=True,
        line_width_min_pixels=1,
        radius_min_pixels=3,
        pickable=True,
    )


class CompactDeck(pdk.Deck):
    """A pydeck ``Deck`` whose JSON is written without indentation.

    pydeck indents its JSON by two spaces, which makes ``json`` use its pure-Python encoder (the C encoder
    serves only compact output) and pads the message with whitespace: on the NCL Map that was nearly half of a
    rerun's server time (issue 14). The same keys and values, sorted as pydeck sorts them, in compact form.
    """

    def to_json(self) -> str:
        """The deck as compact JSON (what ``st.pydeck_chart`` sends to the browser)."""
        return json.dumps(self, sort_keys=True, default=default_serialize, separators=(",", ":"))


def build_deck(layers: Sequence[pdk.Layer], view: pdk.ViewState, *, basemap: str | None = None) -> pdk.Deck:
    """The deck: no basemap (no network) unless ``basemap`` names a MapLibre/CARTO style URL."""
    if basemap:
        return CompactDeck(
            layers=list(layers), initial_view_state=view, tooltip=TOOLTIP, map_provider="carto", map_style=basemap
        )
    # map_provider=None keeps pydeck's "__MAP_STYLE__" placeholder, which Streamlit reads as "no basemap";
    # map_style=None would make Streamlit fall back to CARTO tiles from the internet.
    return CompactDeck(layers=list(layers), initial_view_state=view, tooltip=TOOLTIP, map_provider=None)


def selected_code(selection: dict | None) -> tuple[str, str] | None:
    """(layer id, code) of the object a map selection picked: the area itself, or a point's PCN."""
    if not selection:
        return None
    objects = selection.get("objects") or {}
    for layer_id in (PCN_LAYER, BOROUGH_FILL_LAYER):
        picked = objects.get(layer_id) or []
        if picked and picked[0].get("code"):
            return layer_id, str(picked[0]["code"])
    for layer_id in (PRACTICE_LAYER, CARE_HOME_LAYER):
        picked = objects.get(layer_id) or []
        if picked and picked[0].get("pcn_code"):
            return PCN_LAYER, str(picked[0]["pcn_code"])
    return None


def is_indicative(bounds: pd.DataFrame) -> bool:
    """True when any of these PCN areas is an indicative (derived) catchment."""
    return bool(not bounds.empty and bounds["vintage"].eq(INDICATIVE).any())


def deprivation_frame(lsoas: pd.DataFrame, borough_names: dict[str, str] | None = None) -> pd.DataFrame:
    """LSOAs as area_frame rows coloured by IMD decile (``value`` = decile), with a deprivation tooltip.

    ``lsoas`` as from ``queries.lsoa_deprivation`` (code, name, display_wkb, borough_code, imd_decile, imd_rank).
    """
    values = lsoas[["code", "imd_decile"]].rename(columns={"code": "area_code", "imd_decile": "value"})
    areas = area_frame(lsoas, values.assign(value=pd.to_numeric(values["value"], errors="coerce")), imd_scale(),
                       None)
    ranks = dict(zip(lsoas["code"], lsoas["imd_rank"], strict=True))
    boroughs = dict(zip(lsoas["code"], lsoas["borough_code"], strict=True))
    names = borough_names or {}
    tips = []
    for row in areas.itertuples(index=False):
        lines = [f"{row.name} ({row.code})", f"Borough: {names.get(boroughs.get(row.code), boroughs.get(row.code))}"]
        if pd.isna(row.value):
            lines.append("IMD 2019: not loaded for this LSOA")
        else:
            rank = ranks.get(row.code)
            lines.append(f"IMD 2019 decile {int(row.value)} (1 = most deprived 10% in England)"
                         + (f", rank {int(rank):,} of 32,844" if rank is not None and not pd.isna(rank) else ""))
        tips.append("\n".join(lines))
    return areas.assign(tooltip=tips)


def name_layer(boroughs: pd.DataFrame) -> pdk.Layer:
    """Borough names at a point inside each borough (dark text on a white box), not pickable."""
    points = representative_points(boroughs["geometry"].to_numpy()) if not boroughs.empty else []
    data = [
        {"name": name, "position": [round(float(x), PRECISION), round(float(y), PRECISION)]}
        for name, (x, y) in zip(boroughs["name"], points, strict=True)
    ]
    return pdk.Layer(
        "TextLayer",
        data=data,
        id=BOROUGH_NAME_LAYER,
        get_position="position",
        get_text="name",
        get_size=12,  # 14 px names of Camden and Islington overprinted at the view that fits a phone
        get_color=rgb(BOROUGH_LINE),
        font_weight=700,  # a string would be read by pydeck as an accessor expression
        background=True,
        get_background_color=[255, 255, 255, 200],
        pickable=False,
    )


@dataclass(frozen=True)
class MapModel:
    """Everything the map page draws, built from frames: areas coloured, outlines, selection, points, the deck."""

    level: str  # "pcn", "borough" or "lsoa": which areas carry the colours
    areas: pd.DataFrame  # area_frame rows of the coloured level
    outlines: pd.DataFrame  # borough area_frame rows (outlines)
    selected: pd.DataFrame  # the selected area's rows (empty when none)
    scale: ClassedScale | None
    practices: pd.DataFrame | None
    care_homes: pd.DataFrame | None
    deck: pdk.Deck
    indicative: bool = False  # the PCN areas drawn are indicative catchments


def map_model(
    *,
    pcn_bounds: pd.DataFrame,
    borough_bounds: pd.DataFrame,
    level: str | None,
    values: pd.DataFrame | None,
    scale: ClassedScale | None,
    measure: Measure | None,
    pcn_boroughs: dict[str, str],
    borough: str | None,
    pcn: str | None,
    practices: pd.DataFrame | None,
    care_homes: pd.DataFrame | None,
    basemap: str | None = None,
    lsoas: pd.DataFrame | None = None,
) -> MapModel:
    """Build the map: areas coloured, borough outlines and names, the selected PCN or borough outlined in black,
    optional practice and care-home points, fitted to the selected borough (or all).

    ``level`` "pcn" or "borough" colours those areas by ``values`` on ``scale``; "lsoa" colours ``lsoas`` (from
    ``queries.lsoa_deprivation``) by IMD decile on ``imd_scale`` (``scale`` is then ignored); None draws the
    boroughs unshaded. PCN areas, when any are given, are outlined under every other level; indicative ones say so
    in their tooltips. ``pcn_boroughs`` maps a PCN code to its borough's name. ``practices`` and ``care_homes``
    are already filtered (None or empty: no layer).
    """
    indicative = is_indicative(pcn_bounds)
    borough_names = dict(zip(borough_bounds["code"], borough_bounds["name"], strict=True))
    boroughs = area_frame(borough_bounds, values if level == "borough" else None, scale, measure)
    pcn_outlines = area_frame(pcn_bounds, None, None, None) if not pcn_bounds.empty else None
    if level == "pcn":
        vintages = dict(zip(pcn_bounds["code"], pcn_bounds["vintage"], strict=True))
        context = {
            k: f"Borough: {v}" + (f"\n{INDICATIVE_TEXT}" if vintages.get(k) == INDICATIVE else "")
            for k, v in pcn_boroughs.items()
        }
        areas = area_frame(pcn_bounds, values, scale, measure, context=context)
        layers = [area_layer(PCN_LAYER, areas)]
    elif level == "lsoa" and lsoas is not None:
        scale = imd_scale()
        areas = deprivation_frame(lsoas, borough_names)
        layers = [area_layer(IMD_LAYER, areas, line=(255, 255, 255, 70))]  # faint: PCN outlines must stand out
    else:
        areas = boroughs
        layers = [area_layer(BOROUGH_FILL_LAYER, areas)]
    if level != "pcn" and pcn_outlines is not None:
        layers.append(outline_layer(PCN_OUTLINE_LAYER, pcn_outlines["geometry"], colour="#FFFFFF",
                                    width_px=2 if level == "lsoa" else 1))
    layers.append(outline_layer(BOROUGH_LINE_LAYER, boroughs["geometry"]))
    chosen = pcn if pcn and not pcn_bounds.empty else borough
    source = pcn_bounds if chosen and chosen == pcn else borough_bounds
    selected = area_frame(source[source["code"] == chosen], None, None, None) if chosen else boroughs.iloc[0:0]
    if not selected.empty:
        layers.append(outline_layer(SELECTED_LAYER, selected["geometry"], colour=SELECTED_LINE, width_px=4))
    if practices is not None and not practices.empty:
        layers.append(practice_layer(practices))
    if care_homes is not None and not care_homes.empty:
        layers.append(care_home_layer(care_homes))
    layers.append(name_layer(boroughs))  # on top, so points never hide a borough's name
    focus = borough_bounds[borough_bounds["code"] == borough] if borough else borough_bounds
    view = view_for_bbox(bbox_of(focus if not focus.empty else borough_bounds))
    return MapModel(
        level or "borough", areas, boroughs, selected, scale, practices, care_homes,
        build_deck(layers, view, basemap=basemap), indicative,
    )


def map_table(model: MapModel, measure: Measure | None) -> pd.DataFrame:
    """The coloured areas' numbers as a table (the map's text alternative and its CSV export)."""
    frame = model.areas
    table = pd.DataFrame(
        {
            "Code": frame["code"],
            "Name": frame["name"],
            "Value": frame["value"].round(2),
            "95% CI lower": frame["lower"].round(2),
            "95% CI upper": frame["upper"].round(2),
            "Colour class": [
                dict(zip(model.scale.colours, model.scale.labels, strict=True)).get(c, model.scale.no_data_label)
                if model.scale
                else ""
                for c in frame["fill"]
            ],
            "Note": frame["suppressed"].map({True: SUPPRESSED_TEXT, False: ""}),
        }
    )
    if measure is not None:
        table.insert(2, "Unit", measure.unit)
    return table.sort_values("Name").reset_index(drop=True)
