"""Finance and activity's cached views (issue 14): computed once per filter choice, and a borough revisited draws
exactly what a fresh session draws there (nothing leaks through the cache)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from components import finance_view
from data import programme as prog
from tests.app.conftest import APP

pytestmark = pytest.mark.app

PAGE = "pages/finance.py"
A, B = "E09000010", "E09000007"  # Enfield, Camden


def _counted(monkeypatch: pytest.MonkeyPatch, name: str) -> list[tuple]:
    """Count the calls of ``data.programme.<name>`` (the views call it through the module)."""
    calls: list[tuple] = []
    original: Callable = getattr(prog, name)

    def counting(*args: object, **kwargs: object) -> object:
        calls.append(args)
        return original(*args, **kwargs)

    monkeypatch.setattr(prog, name, counting)
    return calls


def _choose(app: AppTest, borough: str | None) -> AppTest:
    app.selectbox(key="borough").set_value(borough).run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def _drawn(app: AppTest) -> list[tuple[str, bytes]]:
    """Every element the page drew (the main area, not the sidebar's filters), in order, as its type and protobuf
    (a download's per-run file id blanked)."""
    out: list[tuple[str, bytes]] = []

    def walk(node: object) -> None:
        proto, children = getattr(node, "proto", None), getattr(node, "children", None)
        if proto is not None and not children and hasattr(proto, "SerializeToString"):
            if hasattr(proto, "deferred_file_id"):
                proto = type(proto).FromString(proto.SerializeToString())
                proto.deferred_file_id = ""
            out.append((str(getattr(node, "type", "")), proto.SerializeToString(deterministic=True)))
        for child in children.values() if isinstance(children, dict) else children or []:
            walk(child)

    walk(app.main)
    return out


def test_each_view_is_computed_once_per_filter_choice(app, monkeypatch):
    calls = {
        name: _counted(monkeypatch, name) for name in ("in_scope", "finance_by", "finance_by_year", "activity_by_pod")
    }

    def counts() -> dict[str, int]:
        return {name: len(c) for name, c in calls.items()}

    app.switch_page(PAGE).run()
    assert not app.exception, [e.value for e in app.exception]
    first = counts()
    assert first["finance_by_year"] == first["activity_by_pod"] == 1 and first["finance_by"] > 0

    app.run()  # a rerun with the same filters recomputes nothing
    assert counts() == first

    _choose(app, A)  # a new borough: every view once more
    after_a = counts()
    assert after_a["finance_by_year"] == after_a["activity_by_pod"] == 2
    _choose(app, B)
    after_b = counts()
    assert after_b["finance_by_year"] == after_b["activity_by_pod"] == 3
    _choose(app, A)  # back to boroughs seen: everything from the cache
    _choose(app, B)
    assert counts() == after_b

    app.radio(key="finance_view").set_value("Cumulative").run()  # the page's widget values are in the key
    assert counts()["finance_by_year"] == 4 and counts()["activity_by_pod"] == 3
    app.radio(key="finance_view").set_value("In-year").run()
    assert counts()["finance_by_year"] == 4


def test_view_results_do_not_share_state_between_calls(app):
    """A view's frames are copies (``st.cache_data`` pickles them): changing one cannot change the next rerun."""
    app.switch_page(PAGE).run()  # primes the caches with this app's database
    first = finance_view.recurrence_view(None, None, "net_saving")
    first.rows.loc[:, "plan"] = 0.0
    again = finance_view.recurrence_view(None, None, "net_saving")
    assert (again.rows["plan"] != 0).any()


@pytest.mark.parametrize("measure", ["net_saving", "investment"])
def test_a_borough_revisited_draws_what_a_fresh_session_draws(app, measure):
    app.switch_page(PAGE).run()
    app.radio(key="finance_measure").set_value(measure).run()
    _choose(app, A)
    first_visit = _drawn(app)
    _choose(app, B)
    assert _drawn(app) != first_visit  # Camden is not Enfield
    revisited = _drawn(_choose(app, A))

    st.cache_data.clear()  # a fresh session on cold caches
    fresh = AppTest.from_file(APP, default_timeout=90)
    fresh.query_params["borough"] = A  # opened on A: its views are computed for A, not found under another key
    fresh.switch_page(PAGE).run()
    fresh.radio(key="finance_measure").set_value(measure).run()
    assert revisited == first_visit
    assert _drawn(fresh) == revisited
