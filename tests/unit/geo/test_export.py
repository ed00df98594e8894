"""The static map: a Vega-Lite geoshape chart with legends, rendered to PNG on the server, with attribution."""

from __future__ import annotations

from datetime import date

import pytest

from data.export import ExportContext, chart_png
from geo.colours import sequential_scale
from geo.export import (
    CHORLEY_ATTRIBUTION,
    CQC_ATTRIBUTION,
    IMD_ATTRIBUTION,
    INDICATIVE_PCNS,
    NO_CARE_HOMES,
    NO_PRACTICES,
    ODS_ATTRIBUTION,
    OS_ONS_ATTRIBUTION,
    SYNTHETIC_BOUNDARIES,
    SYNTHETIC_CARE_HOMES,
    SYNTHETIC_PCNS,
    SYNTHETIC_PRACTICES,
    attribution,
    static_map,
)
from geo.layers import Measure, area_frame

pytestmark = pytest.mark.unit


DEMO_ONS = "ONS / OS boundaries (OGL v3; OS OpenData), GeoJSON by Martin Chorley (CC-BY 4.0), simplified for the demo"
DEMO_PCNS = "Synthetic PCN areas for the demo: groups of real LSOAs, dissolved"
INDICATIVE = "Indicative PCN catchment (not an official boundary): each LSOA (2011) to the PCN of its nearest practice"


@pytest.mark.parametrize(
    ("boundaries", "imports", "expected", "absent"),
    [
        (["Synthetic demo dataset (data/demo, fixed seed); invented shapes"], ["demo"],
         [SYNTHETIC_BOUNDARIES, SYNTHETIC_CARE_HOMES], [OS_ONS_ATTRIBUTION, CQC_ATTRIBUTION]),
        ([DEMO_ONS, DEMO_PCNS], ["demo"], [OS_ONS_ATTRIBUTION, CHORLEY_ATTRIBUTION, SYNTHETIC_PCNS,
                                           SYNTHETIC_CARE_HOMES], [SYNTHETIC_BOUNDARIES, INDICATIVE_PCNS]),
        (["ONS / OS boundaries; Contains OS data © Crown copyright"], ["boundaries", "cqc"],
         [OS_ONS_ATTRIBUTION, CQC_ATTRIBUTION], [SYNTHETIC_BOUNDARIES, "synthetic"]),
        (["ONS / OS boundaries; Contains OS data © Crown copyright", INDICATIVE], ["boundaries", "epraccur"],
         [OS_ONS_ATTRIBUTION, INDICATIVE_PCNS, NO_CARE_HOMES], ["synthetic", CHORLEY_ATTRIBUTION]),
        (["Greater London Authority, OGL"], ["boundaries"], ["Boundaries: Greater London Authority, OGL"],
         [OS_ONS_ATTRIBUTION]),
    ],
)  # fmt: skip
def test_attribution_names_real_sources_and_says_when_synthetic(boundaries, imports, expected, absent):
    text = attribution(boundaries, imports)
    assert all(e in text for e in expected) and not any(a in text for a in absent)


def test_attribution_of_deprivation_and_practices_follows_what_is_loaded():
    real = attribution(["ONS / OS boundaries"], ["epraccur", "nhsuk_gp", "imd2019"], deprivation=True,
                       practices=True, care_homes=False)
    assert IMD_ATTRIBUTION in real and ODS_ATTRIBUTION in real and "NHS website" in real
    assert "Care homes" not in real and "synthetic" not in real
    demo = attribution([DEMO_ONS, DEMO_PCNS], ["demo"], practices=True)
    assert SYNTHETIC_PRACTICES in demo and SYNTHETIC_CARE_HOMES in demo
    assert NO_PRACTICES in attribution(["ONS / OS boundaries"], ["boundaries"], practices=True)


def _chart(pcn_bounds, borough_bounds, values, practices, homes):
    scale = sequential_scale(values["value"], title="A&E (per 1,000)")
    measure = Measure("A&E", "per 1,000", 7, "Mar 2024")
    areas = area_frame(pcn_bounds, values, scale, measure)
    outlines = area_frame(borough_bounds, None, None, None)
    chart = static_map(
        areas, scale, outlines=outlines, practices=practices, care_homes=homes, selected=outlines, alt_text="A map"
    )
    return chart, scale


def test_static_map_layers_and_legends(pcn_bounds, borough_bounds, values, practices, homes):
    chart, scale = _chart(pcn_bounds, borough_bounds, values, practices, homes)
    spec = chart.to_dict()
    assert spec["description"] == "A map"
    assert len(spec["layer"]) == 5  # areas, borough outlines, selection, practices, care homes
    fills = spec["layer"][0]
    colour = fills["encoding"]["color"]
    assert colour["scale"]["domain"][0] == scale.labels[-1]  # legend lists high values first
    assert colour["scale"]["domain"][-1].startswith("No data or suppressed")
    features = fills["data"]["values"]
    assert {f["properties"]["class"] for f in features} == {scale.labels[-1], scale.no_data_label}
    ratings = spec["layer"][4]["encoding"]["color"]["scale"]["domain"]
    assert ratings[0] == "Outstanding" and "Not yet rated" in ratings
    assert spec["resolve"]["scale"]["color"] == "independent"


def test_static_map_renders_to_png_with_provenance(pcn_bounds, borough_bounds, values, practices, homes):
    chart, _ = _chart(pcn_bounds, borough_bounds, values, practices, homes)
    context = ExportContext(
        title="Map: A&E by PCN", filters={"Area": "Borough One (E1)"}, data_date=date(2024, 3, 31),
        source=f"Demo. {SYNTHETIC_BOUNDARIES}", synthetic=True,
    )  # fmt: skip
    png = chart_png(chart, context, scale=1.0)
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 5_000
