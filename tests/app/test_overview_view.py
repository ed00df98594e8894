"""The Overview's cached views (components/overview_view.py, issue 14): computed once per filter choice, and a
session that comes back to an area draws exactly what a fresh session draws there (nothing leaks through the
cache); the tables handed over as Arrow are the very bytes Streamlit makes of the frames."""

from __future__ import annotations

import re
from collections import Counter

import pandas as pd
import pytest
import streamlit as st
from google.protobuf import text_format
from streamlit.testing.v1 import AppTest

from components import overview_view as ov
from tests.app.conftest import APP

pytestmark = pytest.mark.app

ENFIELD, BARNET = "E09000010", "E09000003"
IDS = re.compile(r'\b(id|deferred_file_id): "[^"]*"')  # per session (widget ids are stable, file ids are not)


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """How often each view was computed: its inner builders counted (one call per computation)."""
    calls: Counter[str] = Counter()

    def counting(name: str, inner: object) -> object:
        def wrapper(*args: object, **kwargs: object) -> object:
            calls[name] += 1
            return inner(*args, **kwargs)  # type: ignore[operator]

        return wrapper

    monkeypatch.setattr(ov, "register_sections", counting("overview", ov.register_sections))
    monkeypatch.setattr(ov, "summary_tables", counting("summary", ov.summary_tables))
    monkeypatch.setattr(ov, "pack_caption", counting("caption", ov.pack_caption))
    return calls


def _elements(app: AppTest) -> list[str]:
    """Every element of the page (the main area; the sidebar is the filters') as its protobuf text, widget and file
    ids masked, in order and nesting."""
    out: list[str] = []

    def walk(node: object, depth: int) -> None:
        proto = getattr(node, "proto", None)
        text = text_format.MessageToString(proto, as_one_line=True) if hasattr(proto, "DESCRIPTOR") else ""
        out.append(f"{depth} {type(node).__name__} {IDS.sub('ID', text)}")
        for child in getattr(node, "children", {}).values():
            walk(child, depth + 1)

    walk(app.main, 0)
    return out


def _run(app: AppTest) -> AppTest:
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def test_each_view_is_computed_once_per_filter_choice(app: AppTest, counted: Counter[str]) -> None:
    _run(app)  # the whole system
    assert counted == {"overview": 1, "summary": 1, "caption": 1}
    app.selectbox(key="borough").set_value(ENFIELD)
    _run(app)
    assert counted == {"overview": 2, "summary": 2, "caption": 2}  # the caption is keyed on the pack's filters
    app.selectbox(key="borough").set_value(None)
    _run(app)
    app.selectbox(key="borough").set_value(ENFIELD)
    _run(app)
    _run(app)  # a rerun that changes nothing
    assert counted == {"overview": 2, "summary": 2, "caption": 2}  # areas seen before: nothing recomputed
    app.segmented_control(key="summary_order").set_value("attention")
    _run(app)
    assert counted == {"overview": 2, "summary": 3, "caption": 2}  # the order is in the summary's key only
    app.segmented_control(key="summary_order").set_value("workstream")
    _run(app)
    assert counted == {"overview": 2, "summary": 3, "caption": 2}
    app.selectbox(key="borough").set_value(BARNET)
    _run(app)
    assert counted == {"overview": 3, "summary": 4, "caption": 3}  # another borough: computed for it
    app.selectbox(key="workstream").set_value("PREV")
    _run(app)
    assert counted["overview"] == 4 and counted["summary"] == 5  # the workstream is in both keys


def test_coming_back_to_an_area_draws_what_a_fresh_session_draws(app: AppTest) -> None:
    _run(app)
    app.selectbox(key="borough").set_value(ENFIELD)
    first = _elements(_run(app))
    app.selectbox(key="borough").set_value(BARNET)
    barnet = _elements(_run(app))
    assert barnet != first
    app.selectbox(key="borough").set_value(ENFIELD)
    assert _elements(_run(app)) == first  # A -> B -> A: A as it was
    app.segmented_control(key="summary_order").set_value("attention")
    attention = _elements(_run(app))
    assert attention != first

    # a new session on the caches the first one filled: the same elements (nothing of a session is cached)
    warm = AppTest.from_file(APP, default_timeout=90)
    _run(warm)
    warm.selectbox(key="borough").set_value(ENFIELD)
    assert _elements(_run(warm)) == first
    warm.segmented_control(key="summary_order").set_value("attention")
    assert _elements(_run(warm)) == attention

    # and on empty caches, the areas in the other order: what was cached is what is computed (a complete key)
    st.cache_data.clear()
    cold = AppTest.from_file(APP, default_timeout=90)
    _run(cold)
    cold.selectbox(key="borough").set_value(BARNET)
    assert _elements(_run(cold)) == barnet
    cold.selectbox(key="borough").set_value(ENFIELD)
    cold.segmented_control(key="summary_order").set_value("attention")
    assert _elements(_run(cold)) == attention


def _tables_both_ways() -> None:
    import pandas as pd
    import streamlit as st

    from components.summary import grid_data

    frame = pd.DataFrame({
        "KPI": ["A&E attendances", "Flu"], "Latest": ["1,828,516", "—"], "Plan": [86.8, None],
        "Recent": [[1.0, 2.0], [3.0]], "Data to": pd.to_datetime(["2024-03-31", None]).date,
    })  # fmt: skip
    config = {"KPI": st.column_config.TextColumn("KPI", pinned=True), "Data to": None}
    st.dataframe(frame, hide_index=True, height=108, column_config=config)
    st.dataframe(grid_data(frame), hide_index=True, height=108, column_config=config)
    st.table(frame, hide_index=True)
    st.table(grid_data(frame), hide_index=True)


def test_a_table_handed_over_as_arrow_is_the_element_its_frame_makes() -> None:
    app = AppTest.from_function(_tables_both_ways)
    _run(app)
    frames, tables = app.dataframe, app.table
    assert frames[0].proto == frames[1].proto
    assert tables[0].proto == tables[1].proto
    pd.testing.assert_frame_equal(frames[1].value, frames[0].value)
