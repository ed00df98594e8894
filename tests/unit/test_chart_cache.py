"""Charts drawn from a cached spec (components/chart_cache.py): built once per distinct input, the same spec as
Streamlit's own conversion, and the Altair chart rebuilt for exports."""

from __future__ import annotations

import threading

import altair as alt
import pandas as pd
import pytest

from components import chart_cache
from components.chart_cache import CachedChart, altair_of, cached, cached_panels
from components.charts import trajectory_chart

pytestmark = pytest.mark.unit
calls: list[str] = []


def _bars(frame: pd.DataFrame, *, title: str) -> alt.Chart:
    calls.append(title)
    return alt.Chart(frame, description=f"Bars of {title}").mark_bar().encode(x="area:N", y="value:Q")


def _panels(frame: pd.DataFrame, *, n: int) -> list[alt.Chart]:
    calls.append(f"panels {n}")
    return [alt.Chart(frame.iloc[i::n]).mark_point().encode(x="area:N", y="value:Q") for i in range(n)]


def _lock_taking(lock: threading.Lock, frame: pd.DataFrame) -> alt.Chart:  # a lock: nothing Streamlit can hash
    calls.append("unhashable")
    return alt.Chart(frame).mark_line().encode(x="area:N", y="value:Q")


@pytest.fixture(autouse=True)
def _fresh() -> None:
    chart_cache._spec.clear()
    calls.clear()


def _frame(values: list[float]) -> pd.DataFrame:
    return pd.DataFrame({"area": [f"A{i}" for i in range(len(values))], "value": values})


def test_the_same_inputs_build_the_chart_once_and_new_values_build_it_again() -> None:
    first = cached(_bars, _frame([1.0, 2.0]), title="rates")
    again = cached(_bars, _frame([1.0, 2.0]), title="rates")  # an equal frame, not the same object
    assert calls == ["rates"]
    assert again.spec == first.spec
    cached(_bars, _frame([1.0, 3.0]), title="rates")  # one value differs
    cached(_bars, _frame([1.0, 2.0]), title="counts")  # a keyword differs
    assert calls == ["rates", "rates", "counts"]


def test_the_spec_is_the_one_streamlit_sends_for_the_altair_chart() -> None:
    frame = pd.DataFrame({
        "period_start": pd.date_range("2024-04-01", periods=6, freq="MS"), "value": [3.0, 4, 5, 4, 6, 7],
        "lower": [2.0, 3, 4, 3, 5, 6], "upper": [4.0, 5, 6, 5, 7, 8], "plan": [3.0, 3.5, 4, 4.5, 5, 5.5],
    })  # fmt: skip
    kwargs = {"unit": "%", "target": 8.0, "target_date": "2025-03-31", "alt_text": "Trajectory"}
    chart = cached(trajectory_chart, frame, **kwargs)
    assert chart.spec == chart_cache.vega_lite(trajectory_chart(frame, **kwargs))
    assert chart.description == "Trajectory"
    assert all(isinstance(data, bytes) for data in chart.spec["datasets"].values())  # Arrow, as st.altair_chart


def test_an_export_rebuilds_the_altair_chart_of_the_same_inputs() -> None:
    chart = cached(_bars, _frame([5.0, 6.0]), title="exported")
    rebuilt = altair_of(chart)
    assert isinstance(rebuilt, alt.Chart)
    assert rebuilt.to_dict()["description"] == "Bars of exported"
    assert altair_of(lambda: chart).to_dict() == rebuilt.to_dict()  # a lazily built chart is built then
    assert calls == ["exported", "exported", "exported"]


def test_panels_are_cached_together_and_each_rebuilt_alone() -> None:
    panels = cached_panels(_panels, _frame([1.0, 2.0, 3.0, 4.0]), n=2)
    cached_panels(_panels, _frame([1.0, 2.0, 3.0, 4.0]), n=2)
    assert calls == ["panels 2"] and len(panels) == 2 and all(isinstance(p, CachedChart) for p in panels)
    assert len(altair_of(panels[1]).to_dict()["datasets"]) == 1


def test_inputs_streamlit_cannot_hash_still_draw_the_chart_uncached() -> None:
    lock = threading.Lock()
    first = cached(_lock_taking, lock, _frame([1.0]))
    cached(_lock_taking, lock, _frame([1.0]))
    assert calls == ["unhashable", "unhashable"]
    assert first.spec["mark"]["type"] == "line"


def test_a_cached_chart_pickles_with_its_rebuild_so_a_cached_view_can_hold_it() -> None:
    import pickle

    chart = pickle.loads(pickle.dumps(cached(trajectory_chart, _trajectory(), unit="%", target=None,
                                             target_date=None, alt_text="T")))
    panels = pickle.loads(pickle.dumps(cached_panels(_panels, _frame([1.0, 2.0, 3.0, 4.0]), n=2)))
    assert chart.description == "T" and isinstance(altair_of(chart), alt.LayerChart)
    assert altair_of(panels[1]).to_dict()["datasets"] == altair_of(
        cached_panels(_panels, _frame([1.0, 2.0, 3.0, 4.0]), n=2)[1]).to_dict()["datasets"]


def _trajectory() -> pd.DataFrame:
    return pd.DataFrame({
        "period_start": pd.date_range("2024-04-01", periods=3, freq="MS"), "value": [3.0, 4, 5],
        "lower": [2.0, 3, 4], "upper": [4.0, 5, 6], "plan": [3.0, 3.5, 4],
    })  # fmt: skip
