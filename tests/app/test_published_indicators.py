"""Pages show published indicators on a database without a benefits register (issue 16 item 2)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from streamlit.testing.v1 import AppTest

from data import migrate
from data.db import make_engine
from data.importers import load_upload
from tests.app.conftest import _app_on
from tests.unit.importers.realdata import realdata

pytestmark = pytest.mark.app

TEMPLATES = Path(__file__).resolve().parents[2] / "docs" / "templates"
PREVALENCE = "PRACTICE_CODE,GROUP_CODE,REGISTER,PATIENT_LIST_TYPE,PRACTICE_LIST_SIZE\n" + "".join(
    f"P{i:05d},HYP,{900 + 37 * i},TOTAL,{6000 + 250 * i}\n" for i in range(12)
)


@pytest.fixture(scope="module")
def published_database(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Areas, practices, QOF prevalence, A&E by trust and NCL's trusts; no workstream, initiative or register KPI."""
    url = f"sqlite:///{tmp_path_factory.mktemp('published') / 'published.sqlite'}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    areas = (TEMPLATES / "areas.csv").read_text() + "pcn,U00001,Test PCN,E09000003,\n"
    files = [
        ("areas", areas.encode(), "areas.csv"),
        ("epraccur", "".join(
            f'"P{i:05d}","PRACTICE {i}","Y56","QMJ","","","","","","N1 1AA","20000101","","A","B","93C",'
            '"20000101","","","","","","","","","","4",""\n' for i in range(12)).encode(), "epraccur.csv"),
        ("qof_prevalence", PREVALENCE.encode(), "PREVALENCE_2021.csv"),
        ("ae_attendances", realdata("nhse", "ae_attendances_2016-04_2019-03.csv").read_bytes(), "ae.csv"),
        ("providers", (TEMPLATES / "providers.csv").read_bytes(), "providers.csv"),
    ]
    for source, data, name in files:
        report = load_upload(engine, source, data, name)
        assert report.ok, report.text()
    with engine.begin() as connection:  # the footprint (practice -> PCN -> borough) is the areas' job, not this test's
        connection.execute(text("UPDATE practice SET pcn_id = (SELECT id FROM pcn WHERE code = 'U00001'), "
                                "borough_id = (SELECT id FROM borough WHERE code = 'E09000003')"))
    engine.dispose()
    return url


@pytest.fixture
def published_app(published_database: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[AppTest]:
    """app.py on the published-only database (demo off)."""
    yield from _app_on(published_database, monkeypatch, DEMO_ON_EMPTY="false")


def _open(app: AppTest, page: str, **params: str) -> AppTest:
    app.query_params.update(params)
    app.switch_page(page).run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def test_the_kpi_filter_offers_published_indicators(published_app) -> None:
    _open(published_app, "pages/about.py")
    options = published_app.selectbox(key="kpi").options
    assert "A&E 4-hour performance (all types)" in options and "QOF HYP register prevalence" in options
    assert any(h.value == "Published indicators" for h in published_app.header)
    assert any("AE_4HR" in e.proto.label for e in published_app.expander)
    assert any("**Published by.** NHS England; breakdown Persons, All ages; period month" in m.value
               for m in published_app.markdown)


def test_overview_groups_published_indicators_under_their_own_heading(published_app) -> None:
    _open(published_app, "pages/overview.py")
    assert any(m.value == "#### Published indicators" for m in published_app.markdown)
    assert any("A&E 4-hour performance" in m.label for m in published_app.metric)  # the system's sum of trusts


def test_trajectories_of_a_trust_and_of_the_system(published_app) -> None:
    _open(published_app, "pages/trajectories.py", kpi="AE_4HR")
    assert len(published_app.get("vega_lite_chart")) >= 2  # trajectory and SPC of NCL (sum of its trusts)
    trust = published_app.selectbox(key="trajectory_trust")
    assert trust.options[0].endswith("(RAL)") or "(R" in trust.options[0]
    trust.set_value("RAL").run()
    assert not published_app.exception, [e.value for e in published_app.exception]
    assert any("Royal Free" in s.value for s in published_app.subheader)
    assert len(published_app.get("vega_lite_chart")) >= 2


def test_variation_funnel_of_a_published_qof_indicator(published_app) -> None:
    _open(published_app, "pages/variation.py", kpi="QOF_HYP")
    assert len(published_app.get("vega_lite_chart")) >= 1, [i.value for i in published_app.info]
    assert any("12 GP practices" in m.value for m in published_app.markdown)


def test_variation_funnel_of_the_systems_trusts(published_app) -> None:
    _open(published_app, "pages/variation.py", kpi="AE_4HR", period="2018-01-01")
    assert len(published_app.get("vega_lite_chart")) >= 1, [i.value for i in published_app.info]
    assert any("5 trusts" in m.value for m in published_app.markdown)  # NCL's trusts with A&E data in the file


def test_the_integrated_summary_lists_published_indicators_without_a_plan(published_app) -> None:
    for page in ("pages/summary.py", "pages/overview.py"):
        _open(published_app, page)
        rows = [f.value for f in published_app.dataframe if "Variation" in f.value.columns]
        assert rows, page
        table = rows[0]
        ae = table[table["KPI"] == "A&E 4-hour performance (all types)"].iloc[0]
        assert ae["Status"] in ("? No plan", "– Not assessed") and ae["Variation"] != "– Too few values"
    _open(published_app, "pages/summary.py")
    assert any(m.value.startswith("- **A&E 4-hour performance (all types)**") and "no plan" in m.value
               for m in published_app.markdown)
