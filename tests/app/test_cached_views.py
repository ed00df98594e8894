"""The cached views (issue 14: a page's derived frames, texts and charts cached by the filter values that decide
them) never show one selection's content for another: a page drawn from warm caches, after another borough
filled them, is element for element the page drawn from cold caches."""

from __future__ import annotations

import pytest
import streamlit as st

pytestmark = pytest.mark.app

PAGES = ("overview", "trajectories", "variation", "map", "care_homes", "finance", "delivery", "risks", "about")
BARNET, CAMDEN = "E09000003", "E09000007"


def _drawn(app) -> list[tuple[str, bytes]]:
    """Every element the last run drew, in order: its type and its serialised proto."""
    out: list[tuple[str, bytes]] = []

    def walk(node: object) -> None:
        proto, children = getattr(node, "proto", None), getattr(node, "children", None)
        if proto is not None and not children and hasattr(proto, "SerializeToString"):
            if proto.DESCRIPTOR.name == "DownloadButton":  # a file made on click has a fresh id each run
                proto = type(proto).FromString(proto.SerializeToString())
                proto.ClearField("deferred_file_id")
            out.append((str(getattr(node, "type", type(node).__name__)), proto.SerializeToString(deterministic=True)))
        for child in children.values() if isinstance(children, dict) else children or []:
            walk(child)

    walk(app._tree)
    return out


def _show(app, borough: str) -> list[tuple[str, bytes]]:
    app.selectbox(key="borough").set_value(borough)
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    return _drawn(app)


@pytest.mark.parametrize("page", PAGES)
def test_a_page_from_warm_caches_is_the_page_from_cold_caches(app, page: str) -> None:
    app.switch_page(f"pages/{page}.py").run()
    cold_barnet = _show(app, BARNET)
    warm_camden = _show(app, CAMDEN)  # every view Barnet filled is in the cache now
    warm_barnet = _show(app, BARNET)
    st.cache_data.clear()
    cold_camden = _show(app, CAMDEN)
    assert len(cold_barnet) > 5
    assert warm_barnet == cold_barnet
    assert warm_camden == cold_camden
    assert cold_camden != cold_barnet  # the borough changes what is drawn, so the comparison can fail
