"""Every page renders on the demo database with its charts, and reacts to the shared filters."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.app


def _charts(app) -> int:
    return len(app.get("vega_lite_chart"))


def _open(app, page: str, **params: str):
    app.query_params.update(params)
    app.switch_page(page).run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def test_trajectories_page_shows_trajectory_spc_and_small_multiples(app):
    _open(app, "pages/trajectories.py", kpi="AE_RATE")
    assert [t.value for t in app.title] == ["Trajectories"]
    assert _charts(app) == 4  # trajectory, SPC, compare boroughs (two panels: side by side, or stacked on a phone)
    texts = " ".join(m.value for m in app.markdown)
    assert "Variation:" in texts and "Assurance:" in texts
    assert {b.label for b in app.get("download_button")} == {"PNG", "SVG", "CSV"}


def test_trajectories_for_a_kpi_not_reported_at_pcn_level_says_so(app):
    _open(app, "pages/trajectories.py", pcn="U90012", kpi="UCR_2H")
    assert _charts(app) == 0
    assert "not at pcn level" in app.info[0].value


def test_trajectories_in_a_borough_compares_its_pcns(app):
    _open(app, "pages/trajectories.py", borough="E09000010", kpi="DIAB_8CP")
    assert _charts(app) == 4  # trajectory, SPC and the PCNs in two panels
    assert any(m.value == "#### Compare PCNs" for m in app.markdown)


def test_variation_page_shows_funnel_outliers_and_comparison(app):
    _open(app, "pages/variation.py", kpi="AE_RATE", borough="E09000010")
    assert _charts(app) == 2  # funnel and borough comparison
    summary = next(m.value for m in app.markdown if "GP practices:" in m.value)
    assert "(limits widened)" in summary and "Larger outlined points are in Enfield" in summary
    assert any(m.value == "#### Outliers" for m in app.markdown)
    app.toggle(key="variation_od").set_value(False).run()
    assert not app.exception
    assert any("(limits not widened)" in m.value for m in app.markdown)


def test_variation_for_a_borough_only_kpi_explains(app):
    _open(app, "pages/variation.py", kpi="UCR_2H")
    assert _charts(app) == 0 and "too few areas" in app.info[0].value


def test_variation_uses_the_chosen_period(app):
    _open(app, "pages/variation.py", kpi="FLU_ATRISK", period="2019-09-01")
    assert app.session_state["period"] == "2019-09-01"
    assert "Sep 2019" in app.subheader[0].value
    assert _charts(app) == 2


def test_about_page_documents_every_kpi(app):
    _open(app, "pages/about.py")
    assert len(app.expander) == 15
    body = " ".join(m.value for m in app.markdown)
    assert "**Numerator.**" in body and "**Method.**" in body and "**Freshness.** Data to 31 Mar 2024" in body
    # coverage from the stored summary (kpi_coverage): the first period and how many values
    assert re.search(r"Data to 31 Mar 2024 \(from \d{2} [A-Z][a-z]{2} \d{4}: [\d,]+ values\); imported", body)


def test_kpi_options_follow_the_workstream_and_unknown_kpi_is_noticed(app):
    _open(app, "pages/trajectories.py", workstream="EHCH", kpi="NOPE")
    assert set(app.selectbox(key="kpi").options) == {
        "Care homes with a named GP practice",
        "Care homes: ambulance call-outs per 100 beds",
        "Care homes: emergency admissions per 100 beds",
    }
    assert "The link's KPI 'NOPE' is not known here, so it was ignored." in [w.value for w in app.sidebar.warning]
    assert app.query_params["kpi"] == app.session_state["kpi"]


def test_filters_survive_page_switches(app):
    _open(app, "pages/overview.py", borough="E09000019", workstream="HCCH")
    app.selectbox(key="kpi").set_value("DIAB_8CP").run()
    app.switch_page("pages/trajectories.py").run()
    assert not app.exception
    assert app.session_state["borough"] == "E09000019" and app.session_state["kpi"] == "DIAB_8CP"
    assert app.subheader[0].value == "Diabetes: all 8 care processes: Islington"
    app.switch_page("pages/variation.py").run()
    assert app.query_params["borough"] == "E09000019" and app.query_params["workstream"] == "HCCH"


def test_variation_of_care_homes_in_one_month_does_not_call_every_zero_low(app):
    """Issue 13: "230 care homes: 0 above and 91 below the 95% limits" (90 homes with no admissions, z = -inf)."""
    _open(app, "pages/variation.py", kpi="CH_EMADM")
    app.radio(key="variation_level").set_value("care_home").run()
    assert not app.exception
    summary = next(m.value for m in app.markdown if "care homes:" in m.value)
    assert "0 above" not in summary and "91 below" not in summary
    assert "with no events" in summary
    outliers = [f.value for f in app.dataframe if "z-score" in f.value.columns]
    assert all(frame["z-score"].abs().lt(float("inf")).all() for frame in outliers)
