"""The Map page renders the pydeck map with its legend, table and exports, and a selection sets the filters."""

from __future__ import annotations

import json

import pytest

from components.maps import apply_selection

pytestmark = pytest.mark.app


def _open(app, **params: str):
    app.query_params.update(params)
    app.switch_page("pages/map.py").run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def _deck(app) -> dict:
    charts = app.get("deck_gl_json_chart")
    assert len(charts) == 1
    return json.loads(charts[0].proto.json)


def _legend(app) -> str:
    """The words of the map legend (charts whose description starts "Legend:")."""
    specs = [json.loads(c.proto.spec) for c in app.get("vega_lite_chart")]
    return " ".join(s["description"] for s in specs if s.get("description", "").startswith("Legend:"))


def test_map_shows_pcns_coloured_by_the_kpi_with_points_legend_and_exports(app):
    _open(app, kpi="AE_RATE", period="2024-03-01")
    assert [t.value for t in app.title] == ["Map"]
    assert app.subheader[0].value == "A&E attendances per 1,000 patients by PCN, Mar 2024"
    deck = _deck(app)
    ids = [layer["id"] for layer in deck["layers"]]
    assert ids == ["pcns", "borough-outlines", "practices", "care-homes"]
    assert deck["mapStyle"] == "__MAP_STYLE__" and "mapProvider" not in deck  # offline: no basemap tiles
    pcns = deck["layers"][0]["data"]
    assert len({p["code"] for p in pcns}) == 30
    assert "95% CI" in pcns[0]["tooltip"]
    legend = _legend(app)
    assert "No data or suppressed" in legend and "Requires improvement" in legend
    assert not app.get("html")  # the legend is a chart, not HTML
    assert {b.label for b in app.get("download_button")} == {"PNG", "SVG", "CSV"}
    assert "Boundaries: synthetic" in " ".join(c.value for c in app.caption)


def test_a_borough_only_kpi_colours_boroughs(app):
    _open(app, kpi="UCR_2H")
    assert "by borough" in app.subheader[0].value
    ids = [layer["id"] for layer in _deck(app)["layers"]]
    assert ids[0] == "borough-areas"


def test_the_selected_pcn_is_outlined_and_layers_can_be_hidden(app):
    _open(app, pcn="U90012", kpi="DIAB_8CP")
    assert app.session_state["borough"]  # inferred from the PCN
    app.toggle(key="map_practices").set_value(False)
    app.toggle(key="map_homes").set_value(False).run()
    ids = [layer["id"] for layer in _deck(app)["layers"]]
    assert ids == ["pcns", "borough-outlines", "selected-area"]


def test_colour_against_target_uses_a_diverging_scale(app):
    _open(app, kpi="AE_RATE")
    app.toggle(key="map_target").set_value(True).run()
    assert not app.exception
    legend = _legend(app)
    assert "below target" in legend and "above target" in legend


def test_selecting_a_pcn_sets_the_pcn_and_its_borough():
    state = {"borough": "E09000003", "pcn": None, "_url_notices": ["old"]}
    selection = {"indices": {"pcns": [3]}, "objects": {"pcns": [{"code": "U90012", "name": "X"}]}}
    apply_selection(state, selection, {"U90012": "E09000010"})
    assert state == {"borough": "E09000010", "pcn": "U90012", "_url_notices": []}


def test_selecting_a_care_home_means_its_pcn_and_an_empty_click_changes_nothing():
    state: dict = {}
    apply_selection(state, {"objects": {"care-homes": [{"code": "1-9", "pcn_code": "U90001"}]}}, {"U90001": "B"})
    assert state["pcn"] == "U90001" and state["borough"] == "B"
    before = dict(state)
    apply_selection(state, {"indices": {}, "objects": {}}, {"U90001": "B"})
    apply_selection(state, None, {"U90001": "B"})
    assert state == before


def test_selecting_a_borough_area_clears_the_pcn():
    state = {"pcn": "U90001", "borough": "B"}
    apply_selection(state, {"objects": {"borough-areas": [{"code": "E09000007"}]}}, {})
    assert state["borough"] == "E09000007" and state["pcn"] is None
