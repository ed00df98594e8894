"""Every page on the real-data database (``load-folder`` of shared/realdata): real content, no empty state where
data exist (issue 16, "Done when"). The database is built once and cached (``tests/realdata_database.py``).

The expectations come from the published files themselves: QOF 2020-21 has 185 NCL practices in 30 PCNs
(``MAPPING_NHS_GEOGRAPHIES_2021.csv``, CCG 93C); the A&E file has five NCL trusts; there is no CQC file.
"""

from __future__ import annotations

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from tests.unit.importers.realdata import realdata

pytestmark = pytest.mark.app

QOF_YEAR = "2020-04-01"
NCL_BOROUGHS = {"Barnet", "Camden", "Enfield", "Haringey", "Islington"}
NCL_AE_TRUSTS = {"RAL", "RAP", "RKE", "RRV", "RP6"}  # the NCL trusts with rows in the A&E file
FOREIGN_PCNS = {"U10339", "U37086"}  # Harrow Collaborative and West End & Marylebone: North West London PCNs


def _open(app: AppTest, page: str, **params: str) -> AppTest:
    app.query_params.update(params)
    app.switch_page(page).run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def _charts(app: AppTest) -> int:
    return len(app.get("vega_lite_chart")) + len(app.get("arrow_vega_lite_chart"))


def _frames(app: AppTest) -> list[pd.DataFrame]:
    return [d.value for d in app.dataframe]


def _qof_2021_ncl() -> pd.DataFrame:
    """QOF's own practice -> PCN mapping of 2020-21 for NCL (CCG 93C), as published."""
    mapping = pd.read_csv(realdata("nhsd", "qof_2020-21", "MAPPING_NHS_GEOGRAPHIES_2021.csv"), dtype=str)
    return mapping[mapping["CCG_ODS_CODE"] == "93C"]


def test_overview_shows_published_indicators_for_the_system(realdata_app) -> None:
    _open(realdata_app, "pages/overview.py")
    assert any(m.value == "#### Published indicators" for m in realdata_app.markdown)
    labels = [m.label for m in realdata_app.metric]
    assert any(label.startswith("A&E 4-hour performance") for label in labels), labels
    # practice-level QOF rolled up to NCL (the sum of its practices), so it has a card for the system too
    assert any(label.startswith("Hypertension prevalence") for label in labels), labels
    assert not realdata_app.info, [i.value for i in realdata_app.info]


def test_practice_funnel_of_qof_2020_21_covers_the_ncl_practices_of_that_year(realdata_app) -> None:
    _open(realdata_app, "pages/variation.py", kpi="QOF_HYP", period=QOF_YEAR)
    assert _charts(realdata_app) >= 1, [i.value for i in realdata_app.info]
    expected = set(_qof_2021_ncl()["PRACTICE_CODE"])
    assert any(f"{len(expected)} GP practices" in m.value for m in realdata_app.markdown)
    table = next(f for f in _frames(realdata_app) if "Denominator" in f.columns)
    assert set(table["Code"]) == expected
    assert set(table["Borough"].dropna()) == NCL_BOROUGHS
    # each practice is named with its PCN of 2020-21 (ePCN's dated membership) as QOF's own mapping has it, under
    # the PCN's current name (the newest ePCN's; 16 of them renamed since): not with the PCN it is in today
    names = pd.read_excel(realdata("nhsd", "epcn", "ePCN_blackwellrd_2023-02.xlsx"), "PCNDetails", dtype=str)
    mapping = _qof_2021_ncl().set_index("PRACTICE_CODE")["PCN_ODS_CODE"]
    published = mapping.map(names.set_index("PCN Code")["PCN Name"])
    shown = table.set_index("Code")["PCN"].reindex(published.index)
    differ = shown.str.upper().ne(published.str.upper())
    assert differ.sum() == 0, pd.concat([shown, published, mapping], axis=1, keys=["shown", "QOF", "code"])[differ]


def test_pcn_funnel_uses_the_pcns_of_the_qof_year_and_no_foreign_ones(realdata_app) -> None:
    _open(realdata_app, "pages/variation.py", kpi="QOF_HYP", period=QOF_YEAR)
    compare = realdata_app.radio(key="variation_level")
    assert "PCNs" in compare.options
    compare.set_value("pcn").run()
    assert not realdata_app.exception, [e.value for e in realdata_app.exception]
    assert _charts(realdata_app) >= 1, [i.value for i in realdata_app.info]
    expected = set(_qof_2021_ncl()["PCN_ODS_CODE"])  # 30 PCNs: the membership valid in 2020-21, not 2023's 32
    assert any(f"{len(expected)} PCNs" in m.value for m in realdata_app.markdown)
    table = next(f for f in _frames(realdata_app) if "Denominator" in f.columns)
    assert set(table["Code"]) == expected and not set(table["Code"]) & FOREIGN_PCNS


def test_borough_comparison_of_a_qof_indicator(realdata_app) -> None:
    _open(realdata_app, "pages/variation.py", kpi="QOF_HYP", period=QOF_YEAR)
    assert not any("not reported by borough" in i.value for i in realdata_app.info)
    compared = next(f for f in _frames(realdata_app) if "Comparison" in f.columns)
    assert set(compared["Borough"]) == NCL_BOROUGHS
    assert set(compared["Comparison"]) <= {"Better", "Similar", "Worse", "Higher", "Lower", "Not compared"}


def test_deprivation_filter_narrows_the_practice_funnel(realdata_app) -> None:
    _open(realdata_app, "pages/variation.py", kpi="QOF_HYP", period=QOF_YEAR)
    everyone = len(next(f for f in _frames(realdata_app) if "Denominator" in f.columns))
    realdata_app.multiselect(key="variation_imd").set_value([1, 2]).run()
    assert not realdata_app.exception, [e.value for e in realdata_app.exception]
    deprived = len(next(f for f in _frames(realdata_app) if "Denominator" in f.columns))
    assert 0 < deprived < everyone


@pytest.mark.parametrize("kpi", ["AE_4HR", "AE_ATT", "AE_EMADM"])
def test_trajectories_of_real_ae_for_the_system_and_a_trust(realdata_app, kpi: str) -> None:
    _open(realdata_app, "pages/trajectories.py", kpi=kpi)
    assert _charts(realdata_app) >= 2, [i.value for i in realdata_app.info]  # trajectory and SPC of NCL
    trust = realdata_app.selectbox(key="trajectory_trust")
    codes = [option.rsplit("(", 1)[-1].rstrip(")") for option in trust.options]  # "Name (CODE)"
    assert set(codes[: len(NCL_AE_TRUSTS)]) == NCL_AE_TRUSTS  # the system's own trusts first, then the rest
    trust.set_value("RAP").run()
    assert not realdata_app.exception, [e.value for e in realdata_app.exception]
    assert any("North Middlesex" in s.value for s in realdata_app.subheader)
    assert _charts(realdata_app) >= 2


def test_map_draws_real_boundaries_indicative_pcn_areas_practices_and_imd(realdata_app) -> None:
    _open(realdata_app, "pages/map.py", kpi="QOF_HYP", period=QOF_YEAR)
    assert len(realdata_app.get("deck_gl_json_chart")) == 1
    captions = " ".join(c.value for c in realdata_app.caption)
    assert "Office for National Statistics" in captions and "OS data" in captions
    assert "Organisation Data Service" in captions
    assert "indicative" in captions.lower() and "Care homes: none loaded" in captions
    assert "synthetic" not in captions.lower()
    shading = realdata_app.radio[0]
    assert any("IMD" in str(o) for o in shading.options)
    # the areas are 2023's PCNs, the values 2020-21's: the PCNs formed since are named, not left unexplained
    assert "PCN areas with no value for Apr 2020 to Mar 2021" in captions
    assert any(s.value.endswith("Apr 2020 to Mar 2021 (indicative PCN areas)") for s in realdata_app.subheader)
    assert realdata_app.toggle(key="map_homes").disabled  # no CQC file: nothing to switch on


def test_care_homes_says_none_are_loaded(realdata_app) -> None:
    _open(realdata_app, "pages/care_homes.py")
    assert any("Care homes: none loaded" in i.value and "CQC care directory" in i.value for i in realdata_app.info)


@pytest.mark.parametrize("page", ["pages/finance.py", "pages/delivery.py", "pages/risks.py"])
def test_programme_pages_say_no_register_is_loaded_and_how_to_add_one(realdata_app, page: str) -> None:
    _open(realdata_app, page)
    hint = realdata_app.info[0].value
    assert "No benefits register is loaded" in hint and "docs/templates/register.csv" in hint
    assert "template docs/templates/" in hint.split("register.csv", 1)[1]  # then the page's own template
    assert _charts(realdata_app) == 0


def test_about_lists_the_published_indicators(realdata_app) -> None:
    _open(realdata_app, "pages/about.py")
    assert any(h.value == "Published indicators" for h in realdata_app.header)
    labels = " ".join(e.proto.label for e in realdata_app.expander)
    for code in ("QOF_HYP", "GP_LIST_SIZE", "AE_4HR", "FT93356"):
        assert f"({code})" in labels, code
    entries = [m.value for m in realdata_app.markdown if "**Published by.**" in m.value]
    assert entries and not any("**Baseline.**" in e for e in entries)  # no plan: no row of dashes for one
