"""Care homes and Variation draw from cached views (issue 14): computed once per key, and a revisit draws exactly
what a fresh session draws (nothing leaks through the cache from the borough shown in between)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

import pytest
import streamlit as st
from google.protobuf import text_format
from streamlit.testing.v1 import AppTest

import components.care_homes_view as care_homes_view
import components.variation_view as variation_view
from tests.app.conftest import APP

pytestmark = pytest.mark.app

ISLINGTON, HARINGEY = "E09000019", "E09000014"


def _counting(monkeypatch: pytest.MonkeyPatch, module: object, name: str, calls: Counter) -> None:
    """Count the calls of ``module.name`` (a pure function the view runs when it computes)."""
    inner: Callable = getattr(module, name)

    def counted(*args, **kwargs):
        calls[name] += 1
        return inner(*args, **kwargs)

    monkeypatch.setattr(module, name, counted)


def _elements(app) -> list[str]:
    """Every element of the page's main area as (type, protobuf text); a download's random file id left out."""
    out: list[str] = []

    def walk(node) -> None:
        children = getattr(node, "children", None)
        proto = getattr(node, "proto", None)
        text = text_format.MessageToString(proto) if proto is not None and not children else ""
        lines = [line for line in text.splitlines() if not line.startswith("deferred_file_id")]
        out.append(f"{getattr(node, 'type', type(node).__name__)}: " + "\n".join(lines))
        for child in children.values() if isinstance(children, dict) else children or []:
            walk(child)

    assert not app.exception, [e.value for e in app.exception]
    walk(app.main)
    return out


def _borough(app, code: str | None):
    app.selectbox(key="borough").set_value(code).run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def test_care_homes_views_are_computed_once_per_key(app, monkeypatch):
    calls: Counter = Counter()
    _counting(monkeypatch, care_homes_view, "care_home_summary", calls)
    _counting(monkeypatch, care_homes_view, "funnel_for", calls)
    app.switch_page("pages/care_homes.py").run()
    assert not app.exception
    assert calls == {"care_home_summary": 1, "funnel_for": 1}
    _borough(app, ISLINGTON)
    assert calls == {"care_home_summary": 2, "funnel_for": 2}  # a new key: the borough decides both
    _borough(app, None)
    _borough(app, ISLINGTON)
    assert calls == {"care_home_summary": 2, "funnel_for": 2}  # seen before: nothing recomputed
    app.radio(key="ch_measure").set_value("CH_AMB").run()  # the fragment's control is in the rates view's key
    assert calls == {"care_home_summary": 2, "funnel_for": 3}
    app.radio(key="ch_measure").set_value("CH_EMADM").run()
    assert calls == {"care_home_summary": 2, "funnel_for": 3}


def test_variation_views_are_computed_once_per_key(app, monkeypatch):
    calls: Counter = Counter()
    _counting(monkeypatch, variation_view, "funnel_for", calls)
    _counting(monkeypatch, variation_view, "compare_areas", calls)
    app.query_params.update(kpi="AE_RATE")
    app.switch_page("pages/variation.py").run()
    assert not app.exception
    assert calls == {"funnel_for": 1, "compare_areas": 1}
    app.toggle(key="variation_od").set_value(False).run()  # a fragment rerun: only the funnel's key changed
    assert calls == {"funnel_for": 2, "compare_areas": 1}
    app.toggle(key="variation_od").set_value(True).run()
    app.multiselect(key="variation_imd").set_value([1]).run()
    assert calls == {"funnel_for": 3, "compare_areas": 1}
    app.multiselect(key="variation_imd").set_value([]).run()
    _borough(app, ISLINGTON)
    assert calls == {"funnel_for": 4, "compare_areas": 2}
    _borough(app, None)
    _borough(app, ISLINGTON)
    assert calls == {"funnel_for": 4, "compare_areas": 2}


def _fresh(page: str, params: dict, borough: str, control: tuple) -> list[str]:
    """The elements a fresh session draws on ``borough`` with the page's control set, the caches emptied first."""
    kind, key, value = control
    st.cache_data.clear()
    fresh = AppTest.from_file(APP, default_timeout=90)
    fresh.query_params.update(params, borough=borough)
    fresh.run()
    fresh.switch_page(f"pages/{page}.py").run()
    getattr(fresh, kind)(key=key).set_value(value).run()
    return _elements(fresh)


@pytest.mark.parametrize(
    ("page", "params", "control"),
    [
        ("care_homes", {}, ("radio", "ch_measure", "CH_AMB")),
        ("variation", {"kpi": "AE_RATE"}, ("toggle", "variation_od", False)),
        ("variation", {"kpi": "AF_ANTICOAG"}, ("multiselect", "variation_imd", [1, 2])),
    ],
)
def test_a_revisited_borough_draws_what_a_fresh_session_draws(app, page, params, control):
    """Islington -> Haringey -> Islington (with the page's own control changed) in one session: each borough
    draws the same elements, in order, as a fresh session on it with the same control (caches emptied first), so
    nothing leaks through a cache key that misses an input."""
    kind, key, value = control
    app.query_params.update(params, borough=ISLINGTON)
    app.switch_page(f"pages/{page}.py").run()
    getattr(app, kind)(key=key).set_value(value).run()
    first = _elements(app)
    haringey = _elements(_borough(app, HARINGEY))
    revisited = _elements(_borough(app, ISLINGTON))
    assert revisited == first
    assert haringey == _fresh(page, params, HARINGEY, control)
    assert first == _fresh(page, params, ISLINGTON, control)
    assert haringey != first
