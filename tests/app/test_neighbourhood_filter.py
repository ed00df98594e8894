"""The sidebar offers neighbourhoods once a lookup is loaded, and a page reports on the chosen one (issue 16)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select
from sqlmodel import Session
from streamlit.testing.v1 import AppTest

from data.db import make_engine
from data.demo import build_demo
from data.importers import load_upload
from models import Borough, KpiObservation, Practice
from tests.app.conftest import _app_on

pytestmark = pytest.mark.app


@pytest.fixture(scope="module")
def neighbourhood_database(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str, str]:
    """The demo plus two neighbourhoods splitting its first borough's practices: (url, borough, neighbourhood)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('nbhd') / 'demo.sqlite'}"
    engine = make_engine(url)
    build_demo(engine)
    with Session(engine) as session:
        borough = session.execute(select(Borough.code).order_by(Borough.code)).scalars().first()
        codes = session.execute(select(Practice.code).join(Borough, Borough.id == Practice.borough_id)
                                .where(Borough.code == borough).order_by(Practice.code)).scalars().all()
    half = len(codes) // 2
    rows = [f"NB-A,Neighbourhood A,{borough},practice,{c}" for c in codes[:half]]
    rows += [f"NB-B,Neighbourhood B,{borough},practice,{c}" for c in codes[half:]]
    text = "neighbourhood_code,neighbourhood_name,place_code,member_level,member_code\n" + "\n".join(rows) + "\n"
    report = load_upload(engine, "neighbourhoods", text.encode(), "neighbourhoods.csv")
    assert report.status == "loaded", report.problems
    with Session(engine) as session:
        rolled = session.execute(select(KpiObservation.id).where(KpiObservation.level == "neighbourhood")
                                 .limit(1)).first()
    assert rolled is not None  # the demo's summable KPIs rolled up to the neighbourhoods
    engine.dispose()
    return url, borough, "NB-A"


@pytest.fixture
def neighbourhood_app(neighbourhood_database, monkeypatch: pytest.MonkeyPatch) -> Iterator[AppTest]:
    yield from _app_on(neighbourhood_database[0], monkeypatch)


def test_the_neighbourhood_filter_follows_the_borough_and_selects_the_area(neighbourhood_app,
                                                                            neighbourhood_database) -> None:
    _url, borough, code = neighbourhood_database
    app = neighbourhood_app
    app.query_params.update({"borough": borough, "neighbourhood": code})
    app.switch_page("pages/trajectories.py").run()
    assert not app.exception, [e.value for e in app.exception]
    box = next(s for s in app.sidebar.selectbox if s.label == "Neighbourhood")
    assert box.value == code and set(box.options) == {"Neighbourhood A", "Neighbourhood B"}
    texts = " ".join(m.value for m in [*app.markdown, *app.caption, *app.subheader, *app.header, *app.title])
    assert "Neighbourhood A" in texts
    assert app.query_params.get("neighbourhood") == code


def test_no_neighbourhood_filter_without_a_lookup(app) -> None:
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    assert "Neighbourhood" not in [s.label for s in app.sidebar.selectbox]
