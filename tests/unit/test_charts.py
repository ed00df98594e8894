"""Chart builders, asserted through their Vega-Lite specs: alt text, layers, colour-blind-safe and labelled."""

from __future__ import annotations

from datetime import date

import altair as alt
import numpy as np
import pandas as pd
import pytest

from components.charts import (
    COMPARISON_STYLE,
    comparison_chart,
    funnel_chart,
    spc_chart,
    top_legend,
    trajectory_chart,
)
from data.analysis import funnel_for, funnel_points, spc_chart_data

pytestmark = pytest.mark.unit


def _layers(spec: dict) -> list[dict]:
    return spec.get("layer", [])


def test_trajectory_chart_has_actual_plan_target_and_alt_text():
    frame = pd.DataFrame({
        "period_start": pd.date_range("2020-01-01", periods=3, freq="MS"), "value": [1.0, 2.0, 3.0],
        "lower": [0.5, 1.5, 2.5], "upper": [1.5, 2.5, 3.5], "plan": [1.0, 1.5, 2.0],
    })
    spec = trajectory_chart(frame, unit="%", target=4.0, target_date=date(2020, 6, 30), alt_text="ALT").to_dict()
    assert spec["description"] == "ALT"
    marks = [layer["mark"]["type"] if isinstance(layer["mark"], dict) else layer["mark"] for layer in _layers(spec)]
    assert marks.count("line") == 2 and "area" in marks and "point" in marks


def test_spc_chart_shapes_and_colours_point_types():
    values = np.r_[np.full(12, 10.0) + np.tile([0.1, -0.1], 6), np.full(8, 13.0)]
    series = pd.DataFrame({"period_start": pd.date_range("2022-01-01", periods=20, freq="MS"), "value": values})
    result = spc_chart_data(series, "higher_is_better", 12.0)
    spec = spc_chart(result.data, unit="%", target=12.0, alt_text="SPC").to_dict()
    points = next(layer for layer in _layers(spec) if "shape" in layer.get("encoding", {}))
    domain = points["encoding"]["color"]["scale"]["domain"]
    assert "Special Cause - Improvement" in domain
    assert points["encoding"]["shape"]["scale"]["domain"] == domain  # shape doubles the colour cue


def test_funnel_chart_draws_both_limit_levels_and_highlights():
    rng = np.random.default_rng(3)
    den = rng.integers(1000, 5000, 25).astype(float)
    frame = pd.DataFrame({"area_code": [f"A{i}" for i in range(25)], "numerator": rng.poisson(den * 0.3),
                          "denominator": den})
    funnel = funnel_for(frame, "rate", 1000)
    names = frame[["area_code"]].assign(name="n", pcn_code=None, pcn=None, borough_code="B", borough="b")
    spec = funnel_chart(funnel, funnel_points(funnel, names, "B"), unit="per 1,000", alt_text="F").to_dict()
    dash = next(layer for layer in _layers(spec) if "strokeDash" in layer.get("encoding", {}))
    assert dash["encoding"]["strokeDash"]["scale"]["domain"] == ["95% limits", "99.8% limits"]
    assert spec["description"] == "F"


def test_comparison_chart_labels_each_bar_in_words():
    frame = pd.DataFrame({"name": ["a", "b"], "value": [1.0, 2.0], "lower": [0.5, 1.5], "upper": [1.5, 2.5],
                          "comparison": ["Better", "Worse"]})
    spec = comparison_chart(frame, unit="%", benchmark=1.5, benchmark_name="NCL", alt_text="C").to_dict()
    text = next(layer for layer in _layers(spec) if layer["mark"]["type"] == "text")
    assert text["encoding"]["text"]["field"] == "comparison"
    bars = next(layer for layer in _layers(spec) if layer["mark"]["type"] == "bar")
    assert bars["encoding"]["color"]["scale"]["range"] == [COMPARISON_STYLE["Better"][0], COMPARISON_STYLE["Worse"][0]]


def test_funnel_chart_gives_zeros_it_cannot_judge_their_own_legend_entry():
    rng = np.random.default_rng(3)
    den = rng.integers(10, 60, 60).astype(float)
    num = rng.poisson(den * 0.5 * rng.gamma(4, 0.25, 60)).astype(float)
    num[0] = 0.0
    frame = pd.DataFrame({"area_code": [f"A{i}" for i in range(60)], "numerator": num, "denominator": den})
    funnel = funnel_for(frame, "rate", 100)
    names = frame[["area_code"]].assign(name="n", pcn_code=None, pcn=None, borough_code="B", borough="b")
    spec = funnel_chart(funnel, funnel_points(funnel, names, None), unit="per 100", alt_text="F").to_dict()
    dots = next(layer for layer in _layers(spec) if "shape" in layer.get("encoding", {}))
    domain = dots["encoding"]["shape"]["scale"]["domain"]
    assert "Not assessed (no events)" in domain
    assert dots["encoding"]["shape"]["scale"]["range"][domain.index("Not assessed (no events)")] == "square"


def test_top_legends_never_cut_their_labels_and_wrap_on_a_phone() -> None:
    """Issue 13: the SPC legend's "Special Cause - Improvement" was cut at 390 px (Vega's 160 px label limit)."""
    import vl_convert as vlc

    frame = pd.DataFrame({"x": [1, 2, 3], "y": [1, 2, 3],
                          "c": ["Special Cause - Improvement", "Special Cause - Concern", "Common Cause"]})
    chart = alt.Chart(frame).mark_point().encode(x="x", y="y", color=alt.Color("c:N", legend=top_legend()))
    legend = chart.to_dict()["encoding"]["color"]["legend"]
    assert legend["labelLimit"] == 0 and legend["orient"] == "top" and "width" in legend["columns"]["expr"]
    svg = vlc.vegalite_to_svg(chart.properties(width=300).to_dict())
    assert "Special Cause - Improvement" in svg and "…" not in svg


def test_the_trajectory_key_names_only_what_is_drawn() -> None:
    """A published indicator (no plan, no target) was keyed "Plan (dashed)" and "Target (diamond)" regardless."""
    frame = pd.DataFrame({"period_start": pd.date_range("2018-04-01", periods=3, freq="MS"), "value": [1.0, 2.0, 3.0],
                          "lower": [0.5, 1.5, 2.5], "upper": [1.5, 2.5, 3.5], "plan": [np.nan] * 3})

    def keyed(chart: alt.LayerChart) -> list[str]:
        return next(layer["encoding"]["color"]["scale"]["domain"] for layer in chart.to_dict()["layer"]
                    if "color" in layer.get("encoding", {}) and layer["encoding"]["color"]["field"] == "series")

    assert keyed(trajectory_chart(frame, unit="%", target=None, target_date=None, alt_text="T")) == [
        "Actual (95% CI shaded)"]
    planned = frame.assign(plan=[1.0, 2.0, 3.0])
    assert keyed(trajectory_chart(planned, unit="%", target=4.0, target_date=date(2019, 3, 31), alt_text="T")) == [
        "Actual (95% CI shaded)", "Plan (dashed)", "Target (diamond)"]
