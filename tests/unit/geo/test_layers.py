"""pydeck layers and the deck, asserted through their JSON: ids, offline basemap, colours, tooltips, selection."""

from __future__ import annotations

import json

import pandas as pd
import pytest
import shapely
from shapely.geometry import Polygon, box

from geo.colours import IMD_DECILE_COLOURS, NO_DATA, SEQUENTIAL, imd_scale, rgb, sequential_scale
from geo.layers import (
    CARE_HOME_LAYER,
    FIT_WIDTH,
    IMD_MEASURE,
    INDICATIVE_TEXT,
    PCN_LAYER,
    PRACTICE_LAYER,
    Measure,
    area_frame,
    care_home_radius,
    map_model,
    map_table,
    polygon_parts,
    selected_code,
    shown_values,
    view_for_bbox,
)

pytestmark = pytest.mark.unit

MEASURE = Measure("A&E attendances", "per 1,000", small_number_max=7, period="Mar 2024")


def _deck(model) -> dict:
    return json.loads(model.deck.to_json())


def _model(pcn_bounds, borough_bounds, values, practices=None, homes=None, **kw):
    scale = sequential_scale(values["value"], title="A&E") if values is not None else None
    args = dict(
        pcn_bounds=pcn_bounds, borough_bounds=borough_bounds, level="pcn", values=values, scale=scale,
        measure=MEASURE, pcn_boroughs={"U1": "Borough One", "U2": "Borough One"}, borough=None, pcn=None,
        practices=practices, care_homes=homes,
    )  # fmt: skip
    args.update(kw)
    return map_model(**args)


def test_polygon_parts_split_multipolygons_keep_holes_and_round():
    square = Polygon([(0, 0), (1, 0), (1, 1), (0, 1)], [[(0.2, 0.2), (0.4, 0.2), (0.4, 0.4)]])
    parts = polygon_parts(shapely.MultiPolygon([square, Polygon([(2, 2), (3, 2), (3, 3.123456789)])]))
    assert len(parts) == 2 and len(parts[0]) == 2  # exterior and hole
    assert parts[1][0][2] == [3.0, 3.12346]


def test_the_deck_is_offline_and_every_layer_has_an_id(pcn_bounds, borough_bounds, values, practices, homes):
    deck = _deck(_model(pcn_bounds, borough_bounds, values, practices, homes))
    assert deck["mapStyle"] == "__MAP_STYLE__"  # Streamlit draws no basemap for pydeck's placeholder
    assert "mapProvider" not in deck
    ids = [layer["id"] for layer in deck["layers"]]
    assert ids == ["pcns", "borough-outlines", "practices", "care-homes", "borough-names"]
    assert deck["layers"][0]["pickable"] is True and deck["layers"][1]["pickable"] is False


def test_the_deck_json_is_compact_and_says_what_pydecks_own_json_says(pcn_bounds, borough_bounds, values, practices,
                                                                     homes):
    import pydeck as pdk

    deck = _model(pcn_bounds, borough_bounds, values, practices, homes).deck
    compact = deck.to_json()
    indented = pdk.Deck.to_json(deck)  # pydeck's own serialisation of the same deck, indented
    assert json.loads(compact) == json.loads(indented)
    assert "\n" not in compact and len(compact) < 0.8 * len(indented)  # no indentation padding the message


def test_an_opt_in_basemap_names_its_style(pcn_bounds, borough_bounds, values):
    deck = _deck(_model(pcn_bounds, borough_bounds, values, basemap="https://example.org/style.json"))
    assert deck["mapStyle"] == "https://example.org/style.json" and deck["mapProvider"] == "carto"


def test_pcns_are_coloured_by_value_and_small_numbers_are_suppressed(pcn_bounds, borough_bounds, values):
    layer = _deck(_model(pcn_bounds, borough_bounds, values))["layers"][0]
    by_code = {}
    for obj in layer["data"]:
        by_code.setdefault(obj["code"], []).append(obj)
    assert len(by_code["U2"]) == 2  # a multipolygon becomes two pickable parts with the same code
    north = by_code["U1"][0]
    assert north["fill"][:3] == rgb(SEQUENTIAL[-1])[:3]
    assert "A&E attendances: 300.0 per 1,000 (95% CI 270.0 to 330.0), Mar 2024" in north["tooltip"]
    assert "Borough: Borough One" in north["tooltip"]
    south = by_code["U2"][0]  # numerator 5: suppressed, so no value, interval or colour
    assert south["fill"][:3] == rgb(NO_DATA)[:3]
    assert "suppressed (small numbers)" in south["tooltip"] and "250" not in south["tooltip"]


def test_points_carry_their_tooltips_sizes_and_rating_colours(pcn_bounds, borough_bounds, values, practices, homes):
    layers = {
        layer["id"]: layer for layer in _deck(_model(pcn_bounds, borough_bounds, values, practices, homes))["layers"]
    }
    practice = layers[PRACTICE_LAYER]["data"]
    assert len(practice) == 1 and practice[0]["position"] == [-0.15, 51.57]
    assert "9,500 registered patients" in practice[0]["tooltip"]
    home = {h["code"]: h for h in layers[CARE_HOME_LAYER]["data"]}
    assert home["1-2"]["radius"] > home["1-1"]["radius"] == care_home_radius(20)
    assert "CQC rating: Inadequate" in home["1-2"]["tooltip"] and "Named GP practice: none" in home["1-2"]["tooltip"]
    assert "CQC rating: Good (01 May 2023)" in home["1-1"]["tooltip"]
    assert home["1-2"]["fill"][:3] == rgb("#D55E00")[:3]


def test_the_selected_pcn_is_outlined_and_the_view_fits_the_borough(pcn_bounds, borough_bounds, values):
    model = _model(pcn_bounds, borough_bounds, values, pcn="U1", borough="E1")
    deck = _deck(model)
    selected = next(layer for layer in deck["layers"] if layer["id"] == "selected-area")
    assert selected["lineWidthMinPixels"] == 4 and deck["layers"][-1]["id"] == "borough-names"
    view = deck["initialViewState"]
    assert view["longitude"] == pytest.approx(-0.15) and view["latitude"] == pytest.approx(51.55)
    assert 9 < view["zoom"] < 13


def test_a_borough_level_kpi_colours_boroughs(pcn_bounds, borough_bounds):
    values = pd.DataFrame({"area_code": ["E1"], "numerator": [50.0], "value": [71.5], "lower": [70.0], "upper": [73.0]})
    model = _model(pcn_bounds, borough_bounds, values, level="borough")
    ids = [layer["id"] for layer in _deck(model)["layers"]]
    assert ids[:3] == ["borough-areas", "pcn-outlines", "borough-outlines"]
    assert list(map_table(model, MEASURE)["Code"]) == ["E1"]


def test_view_zoom_grows_as_the_box_shrinks():
    wide = view_for_bbox((-0.3, 51.5, 0.0, 51.7))
    narrow = view_for_bbox((-0.2, 51.55, -0.15, 51.58))
    assert narrow.zoom > wide.zoom


@pytest.mark.parametrize("bbox", [(-0.31, 51.50, -0.04, 51.69), (-0.6, 51.3, 0.3, 51.7), (-0.2, 51.5, -0.1, 51.9)])
def test_the_initial_view_fits_the_footprint_on_a_phone(bbox):
    """Issue 13: fitted to an 800 px map the footprint ran past both sides of a 390 px phone's map. The view's
    Web-Mercator extent of the bbox (512 px world at zoom 0) fits ``FIT_WIDTH`` across and the map's height."""
    import math

    view = view_for_bbox(bbox)
    scale = 512 * 2**view.zoom
    across = (bbox[2] - bbox[0]) / 360 * scale

    def merc(lat: float) -> float:
        return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))

    down = (merc(bbox[3]) - merc(bbox[1])) / (2 * math.pi) * scale
    assert across <= FIT_WIDTH and down <= 560
    assert across >= 0.8 * FIT_WIDTH or down >= 0.8 * 560  # fitted, not merely zoomed far out


def test_map_table_lists_values_and_the_suppression(pcn_bounds, borough_bounds, values):
    table = map_table(_model(pcn_bounds, borough_bounds, values), MEASURE)
    assert list(table["Code"]) == ["U1", "U2"]
    assert table.loc[1, "Note"] == "suppressed (small numbers)" and table["Value"].isna().iloc[1]
    assert table.loc[0, "Colour class"] == "290 to 300"


@pytest.mark.parametrize(
    ("selection", "expected"),
    [
        ({"objects": {"pcns": [{"code": "U1"}]}}, (PCN_LAYER, "U1")),
        ({"objects": {"borough-areas": [{"code": "E1"}]}}, ("borough-areas", "E1")),
        ({"objects": {"practices": [{"code": "P1", "pcn_code": "U2"}]}}, (PCN_LAYER, "U2")),
        ({"indices": {}, "objects": {}}, None),
        (None, None),
    ],
)
def test_selected_code(selection, expected):
    assert selected_code(selection) == expected


def test_area_frame_without_values_has_outlines_only(borough_bounds):
    frame = area_frame(borough_bounds, None, None, None)
    assert frame["fill"].tolist() == [NO_DATA] and frame["tooltip"].iloc[0].startswith("Borough One (E1)")


def test_scales_are_built_without_suppressed_values(values):
    assert shown_values(values, 7).tolist() == [300.0]
    assert shown_values(values, 0).tolist() == [300.0, 250.0]


def _lsoas() -> pd.DataFrame:
    rows = [("E01000001", "One 001A", box(-0.2, 51.5, -0.15, 51.6), 1, 150.0),
            ("E01000002", "One 001B", box(-0.15, 51.5, -0.1, 51.6), 10, 32_000.0),
            ("E01000003", "One 001C", box(-0.12, 51.5, -0.1, 51.52), None, None)]
    return pd.DataFrame([{"code": c, "name": n, "display_wkb": shapely.to_wkb(g), "borough_code": "E1",
                          "imd_decile": d, "imd_rank": r} for c, n, g, d, r in rows])


def test_the_deprivation_layer_colours_lsoas_by_imd_decile(pcn_bounds, borough_bounds):
    model = _model(pcn_bounds, borough_bounds, None, level="lsoa", lsoas=_lsoas(), scale=None, measure=None)
    layers = _deck(model)["layers"]
    assert [layer["id"] for layer in layers] == ["lsoa-deprivation", "pcn-outlines", "borough-outlines",
                                                 "borough-names"]
    fills = {o["code"]: o["fill"][:3] for o in layers[0]["data"]}
    assert fills == {"E01000001": rgb(IMD_DECILE_COLOURS[0])[:3], "E01000002": rgb(IMD_DECILE_COLOURS[9])[:3],
                     "E01000003": rgb(NO_DATA)[:3]}
    tip = {o["code"]: o["tooltip"] for o in layers[0]["data"]}
    assert "IMD 2019 decile 1 (1 = most deprived 10% in England), rank 150 of 32,844" in tip["E01000001"]
    assert "Borough: Borough One" in tip["E01000001"] and "not loaded" in tip["E01000003"]
    table = map_table(model, IMD_MEASURE)
    assert table["Value"].tolist()[:2] == [1.0, 10.0] and table["Colour class"].iloc[0] == "1 (most deprived)"
    legend = [entry.label for entry in imd_scale().legend()]
    assert legend[0] == "1 (most deprived)" and legend[9] == "10 (least deprived)"


def test_borough_names_are_drawn_inside_their_borough(pcn_bounds, borough_bounds):
    names = next(la for la in _deck(_model(pcn_bounds, borough_bounds, None))["layers"] if la["id"] == "borough-names")
    assert names["@@type"] == "TextLayer" and names["data"][0]["name"] == "Borough One"
    assert names["getText"] == "@@=name" and not any(str(v).startswith("@@=") for k, v in names.items()
                                                      if k not in ("getText", "getPosition"))
    lon, lat = names["data"][0]["position"]
    assert -0.2 < lon < -0.1 and 51.5 < lat < 51.6


def test_indicative_pcn_areas_say_so(pcn_bounds, borough_bounds, values):
    model = _model(pcn_bounds.assign(vintage="indicative"), borough_bounds, values)
    assert model.indicative
    assert all(INDICATIVE_TEXT in o["tooltip"] for o in _deck(model)["layers"][0]["data"])
    assert not _model(pcn_bounds, borough_bounds, values).indicative


def test_without_pcn_areas_the_boroughs_are_drawn_and_a_pcn_selection_outlines_its_borough(
    pcn_bounds, borough_bounds
):
    model = _model(pcn_bounds.iloc[0:0], borough_bounds, None, level=None, scale=None, measure=None, pcn="U1",
                   borough="E1")
    ids = [layer["id"] for layer in _deck(model)["layers"]]
    assert ids == ["borough-areas", "borough-outlines", "selected-area", "borough-names"]
    assert model.selected["code"].tolist() == ["E1"]
