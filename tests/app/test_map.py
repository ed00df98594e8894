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
    assert ids == ["pcns", "borough-outlines", "practices", "care-homes", "borough-names"]
    assert deck["mapStyle"] == "__MAP_STYLE__" and "mapProvider" not in deck  # offline: no basemap tiles
    pcns = deck["layers"][0]["data"]
    assert len({p["code"] for p in pcns}) == 30
    assert "95% CI" in pcns[0]["tooltip"]
    legend = _legend(app)
    assert "No data or suppressed" in legend and "Requires improvement" in legend
    assert not app.get("html")  # the legend is a chart, not HTML
    assert {b.label for b in app.get("download_button")} == {"PNG", "SVG", "CSV"}
    captions = " ".join(c.value for c in app.caption)
    assert "Office for National Statistics" in captions and "Martin Chorley" in captions  # the real ONS copy
    assert "PCN areas: synthetic" in captions and "Care homes: synthetic" in captions
    names = next(layer for layer in deck["layers"] if layer["id"] == "borough-names")
    assert {n["name"] for n in names["data"]} == {"Barnet", "Camden", "Enfield", "Haringey", "Islington"}


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
    assert ids == ["pcns", "borough-outlines", "selected-area", "borough-names"]


def test_the_demo_shades_its_real_lsoas_by_imd_decile(app):
    _open(app, kpi="AE_RATE", period="2024-03-01")
    app.radio[0].set_value("imd").run()
    assert not app.exception
    assert app.subheader[0].value == "Deprivation by LSOA: IMD 2019 decile"
    layers = _deck(app)["layers"]
    assert layers[0]["id"] == "lsoa-deprivation" and len({o["code"] for o in layers[0]["data"]}) == 795
    assert "pcn-outlines" in [layer["id"] for layer in layers]
    assert "1 (most deprived)" in _legend(app)
    assert "Indices of Deprivation 2019" in " ".join(c.value for c in app.caption)


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


NCL = {"E09000003": "Barnet", "E09000007": "Camden", "E09000010": "Enfield", "E09000014": "Haringey",
       "E09000019": "Islington"}


@pytest.fixture(scope="module")
def real_database(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A SQLite file with the real NCL files loaded: areas, ONS borough and LSOA boundaries, IMD 2019, epraccur,
    ePCN and NHS website practice points; no PCN polygons and no KPIs."""
    from data.db import make_engine
    from data.importers import load_upload
    from data.migrate import upgrade
    from tests.unit.importers.realdata import realdata

    url = f"sqlite:///{tmp_path_factory.mktemp('real') / 'real.sqlite'}"
    engine = make_engine(url)
    upgrade(engine)
    areas = "level,code,name,parent_code\nsystem,QMJ,North Central London,\n" + "".join(
        f"borough,{code},{name},QMJ\n" for code, name in NCL.items())
    files = [("areas", None, {}), ("boundaries", ("ons", "lad", "ncl_lad_dissolved_from_wards.geojson"),
                                   {"level": "borough"})]
    files += [("boundaries", ("ons", "lsoa_by_lad", f"{code}.json"), {}) for code in NCL]
    files += [("imd2019", ("imd2019", "File_1_-_IMD2019_Index_of_Multiple_Deprivation_london.csv"), {}),
              ("epraccur", ("nhsd", "epraccur", "epraccur_blackwellrd_2023-02.csv"), {}),
              ("epcn", ("nhsd", "epcn", "ePCN_blackwellrd_2023-02.xlsx"), {}),
              ("nhsuk_gp", ("nhsuk", "2019-05", "GP.csv"), {})]
    for source, parts, options in files:
        data, name = (areas.encode(), "areas.csv") if parts is None else (realdata(*parts).read_bytes(), parts[-1])
        report = load_upload(engine, source, data, name, options=options)
        assert report.status == "loaded", report.text()
    engine.dispose()
    return url


@pytest.fixture
def real_app(real_database: str, monkeypatch: pytest.MonkeyPatch):
    from tests.app.conftest import _app_on

    yield from _app_on(real_database, monkeypatch, DEMO_ON_EMPTY="false")


def test_a_real_database_with_boundaries_but_no_pcn_areas_draws_its_map(real_app):
    _open(real_app)  # no KPI yet: deprivation by LSOA is what there is to shade
    assert not any("No boundaries" in i.value for i in real_app.info)
    assert real_app.subheader[0].value == "Deprivation by LSOA: IMD 2019 decile"
    layers = _deck(real_app)["layers"]
    ids = [layer["id"] for layer in layers]
    assert ids == ["lsoa-deprivation", "borough-outlines", "practices", "borough-names"]
    assert "pcns" not in ids and "pcn-outlines" not in ids
    assert len({o["code"] for o in layers[0]["data"]}) == 795 and "IMD 2019 decile" in layers[0]["data"][0]["tooltip"]
    assert len(layers[ids.index("practices")]["data"]) >= 150
    captions = " ".join(c.value for c in real_app.caption)
    assert "Office for National Statistics" in captions and "Organisation Data Service" in captions
    assert "Indices of Deprivation 2019" in captions
    assert "Care homes: none loaded" in captions and "synthetic" not in captions.lower()
    real_app.radio[0].set_value("none").run()
    assert real_app.subheader[0].value == "Boroughs"
    assert [layer["id"] for layer in _deck(real_app)["layers"]] == ["borough-areas", "borough-outlines", "practices",
                                                                     "borough-names"]


def test_indicative_pcn_areas_are_drawn_and_labelled(real_database, tmp_path, monkeypatch):
    import shutil

    from data.db import make_engine
    from data.importers.boundaries import run_indicative_catchments
    from tests.app.conftest import _app_on

    copy = tmp_path / "copy.sqlite"
    shutil.copy(real_database.removeprefix("sqlite:///"), copy)
    assert run_indicative_catchments(make_engine(f"sqlite:///{copy}")).status == "loaded"
    app = next(_app_on(f"sqlite:///{copy}", monkeypatch, DEMO_ON_EMPTY="false"))
    _open(app)
    app.radio[0].set_value("none").run()
    assert app.subheader[0].value == "Boroughs and indicative PCN areas"
    assert "pcn-outlines" in [layer["id"] for layer in _deck(app)["layers"]]
    captions = " ".join(c.value for c in app.caption)
    assert "Indicative PCN area" in captions and "PCN areas: indicative" in captions
