"""Chart builders, asserted through their Vega-Lite specs: alt text, layers, colour-blind-safe and labelled."""

from __future__ import annotations

import itertools
from datetime import date

import altair as alt
import numpy as np
import pandas as pd
import pytest

from components.charts import (
    COMPARISON_STYLE,
    MILESTONE_LINE,
    MIN_PLOT_WIDTH,
    comparison_chart,
    funnel_chart,
    milestone_label_layout,
    spc_chart,
    top_legend,
    trajectory_chart,
)
from data.analysis import funnel_for, funnel_points, spc_chart_data, spc_display

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


def _y_scale(spec: dict) -> dict:
    """The value scale of a layered chart (the one layer that sets it) with the range it is drawn at: the bounds
    the chart carries as data (``charts.bounds_layer``) under a scale fitted to what is drawn."""
    scale = next(layer["encoding"]["y"]["scale"] for layer in _layers(spec)
                 if "scale" in layer.get("encoding", {}).get("y", {}))
    assert "domain" not in scale and scale["nice"] is False  # the range travels as data (issue 14)
    bounds = [layer for layer in _layers(spec) if layer.get("encoding", {}).get("y", {}).get("field") == "axis_bound"]
    values = [row["axis_bound"] for row in spec["datasets"][bounds[0]["data"]["name"]]]
    return {**scale, "domain": [min(values), max(values)]}


def test_the_spc_value_axis_fits_the_data_and_limits_not_zero() -> None:
    """Making Data Count: A&E 4-hour performance of 70-80% drawn from 0 looked flat; the axis covers the points,
    the drawn limits and the target with a little padding, and never passes a proportion's possible range."""
    rng = np.random.default_rng(4)
    values = 75 + rng.normal(0, 2, 30)
    series = pd.DataFrame({"period_start": pd.date_range("2021-01-01", periods=30, freq="MS"), "value": values})
    result = spc_chart_data(series, "higher_is_better", 78.0)
    scale = _y_scale(spc_chart(spc_display(result, "proportion", 100.0), unit="%", target=78.0,
                               alt_text="SPC").to_dict())
    low, high = scale["domain"]
    data = result.data
    drawn = pd.concat([data["y"], data["lpl"], data["upl"], data["mean"]])
    assert scale["zero"] is False
    assert low <= drawn.min() and high >= max(drawn.max(), 78.0)
    assert low > 50 and high < 100  # fitted, with padding of a few percent of the range, not from zero
    assert (drawn.min() - low) < 0.1 * (drawn.max() - drawn.min())


def test_the_spc_axis_stops_at_a_clipped_limit() -> None:
    """A proportion near 100% whose upper limit was clipped at 100 has no axis above 100%, nor below 0 where a
    point lies near zero."""
    values = np.r_[np.full(10, 98.0), [60.0, 99.0, 97.0, 100.0, 2.0, 99.0, 98.0, 97.0]]
    series = pd.DataFrame({"period_start": pd.date_range("2021-01-01", periods=len(values), freq="MS"),
                           "value": values})
    result = spc_chart_data(series, "higher_is_better", None)
    shown = spc_display(result, "proportion", 100.0)
    assert (shown["upl"] > 100).any() and (shown["upl_shown"] <= 100).all()  # computed past 100, drawn at 100
    low, high = _y_scale(spc_chart(shown, unit="%", target=None, alt_text="SPC").to_dict())["domain"]
    assert low == 0.0 and high == 100.0


def test_the_trajectory_value_axis_fits_the_series() -> None:
    frame = pd.DataFrame({"period_start": pd.date_range("2022-01-01", periods=3, freq="MS"),
                          "value": [72.0, 75.0, 78.0], "lower": [70.0, 73.0, 76.0], "upper": [74.0, 77.0, 80.0],
                          "plan": [73.0, 76.0, 79.0]})
    spec = trajectory_chart(frame, unit="%", target=85.0, target_date=date(2022, 6, 30), alt_text="T").to_dict()
    scale = _y_scale(spec)
    assert scale["zero"] is False and 65 < scale["domain"][0] < 70 and 85 < scale["domain"][1] < 90


def _occupied(layout: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp, width: float) -> list[tuple[float, float]]:
    """Where each placed line of text lies across a ``width`` px plot: its anchor rule plus its shift, a line wide."""
    span = (end - start).total_seconds()
    centres = [(row.period_start - start).total_seconds() / span * width + row.shift for row in layout.itertuples()]
    return sorted((c - MILESTONE_LINE / 2, c + MILESTONE_LINE / 2) for c in centres)


@pytest.mark.parametrize("width", [MIN_PLOT_WIDTH, 480, 1000])
def test_crowded_milestone_labels_neither_overlap_nor_drop_nor_leave_the_chart(width: float) -> None:
    """Issue 13: several milestones in one month were drawn on top of each other. Every milestone is in a label,
    no two lines of text share pixels and none runs past either edge, at a phone's plot width and wider."""
    dates = pd.to_datetime(["2020-02-01", "2020-03-03", "2020-03-05", "2020-03-20", "2020-03-28", "2021-06-01",
                            "2021-06-15", "2022-01-01", "2023-11-01", "2023-12-01", "2023-12-15"])
    labels = [f"Wave {i} live" for i in range(len(dates))]
    start, end = pd.Timestamp("2019-01-01"), pd.Timestamp("2023-12-31")
    layout = milestone_label_layout(pd.DataFrame({"date": dates, "label": labels}), start, end)
    text = " ".join(layout["text"])
    assert all(label in text for label in labels)  # none dropped
    assert 1 < layout["group"].nunique() < len(dates)  # the crowded ones share labels, the rest keep their own
    spans = _occupied(layout, start, end, width)
    assert all(a[1] <= b[0] for a, b in itertools.pairwise(spans)), spans
    assert spans[0][0] >= 0 and spans[-1][1] <= width, spans


def test_each_label_stays_beside_its_own_rules() -> None:
    """A label is drawn next to the rules it names: no label sits over the rule of a milestone it does not name."""
    dates = pd.to_datetime(["2020-03-01", "2020-03-15", "2022-06-01", "2023-12-01"])
    start, end = pd.Timestamp("2020-01-01"), pd.Timestamp("2023-12-31")
    layout = milestone_label_layout(pd.DataFrame({"date": dates, "label": list("ABCD")}), start, end)
    span = (end - start).total_seconds()
    rules = {label: (d - start).total_seconds() / span * MIN_PLOT_WIDTH for d, label in zip(dates, "ABCD", strict=True)}
    for _, lines in layout.groupby("group"):
        centres = [(r.period_start - start).total_seconds() / span * MIN_PLOT_WIDTH + r.shift
                   for r in lines.itertuples()]
        named = {label for label in "ABCD" if any(line.endswith(label) for line in lines["text"])}
        low, high = min(centres) - MILESTONE_LINE / 2, max(centres) + MILESTONE_LINE / 2
        assert all(label in named for label, x in rules.items() if low <= x <= high), (named, low, high)
        assert min(abs(rules[n] - c) for n in named for c in centres) < 40  # within a few lines of its rules


def test_a_lone_milestone_keeps_its_own_label() -> None:
    layout = milestone_label_layout(pd.DataFrame({"date": pd.to_datetime(["2021-06-01"]), "label": ["Go-live"]}),
                                    pd.Timestamp("2020-01-01"), pd.Timestamp("2023-01-01"))
    assert layout[["text", "group"]].to_dict("records") == [{"text": "Go-live", "group": 0}]
    assert 0 < layout["shift"].iloc[0] < MILESTONE_LINE  # just right of its rule


def test_spc_milestone_labels_share_one_label_a_line_each() -> None:
    series = pd.DataFrame({"period_start": pd.date_range("2021-01-01", periods=24, freq="MS"),
                           "value": np.linspace(10, 12, 24)})
    result = spc_chart_data(series, "higher_is_better", None)
    milestones = pd.DataFrame({"date": pd.to_datetime(["2021-06-01", "2021-06-10", "2021-06-20"]),
                               "label": ["A", "B", "C"], "done": [True, True, False]})
    spec = spc_chart(result.data, unit="%", target=None, alt_text="S", milestones=milestones).to_dict()
    texts = [layer for layer in _layers(spec) if layer["mark"].get("type") == "text" and layer["mark"].get("angle")]
    rows = [row for layer in texts for row in spec["datasets"][layer["data"]["name"]]]
    assert [row["text"] for row in rows] == ["Jun 2021: A", "Jun 2021: B", "Jun 2021: C"]
    assert texts[0]["mark"]["dy"] == {"expr": "-datum.shift"}  # each line drawn at its placed shift
    assert len({row["shift"] for row in rows}) == 3


def test_a_long_legend_title_wraps_instead_of_being_cut() -> None:
    """Issue 13: the borough comparison's legend title read "Compared with North Centr…" (Vega's 180 px title
    limit). The title is drawn whole, on two lines where it is long, at a phone's width."""
    import vl_convert as vlc

    frame = pd.DataFrame({"name": ["Barnet", "Camden"], "value": [10.0, 12.0], "lower": [9.0, 11.0],
                          "upper": [11.0, 13.0], "comparison": ["Similar", "Higher"]})
    chart = comparison_chart(frame, unit="%", benchmark=11.0,
                             benchmark_name="NHS North Central London Integrated Care Board", alt_text="C")
    svg = vlc.vegalite_to_svg(chart.properties(width=250).to_dict())
    assert "…" not in svg
    assert "Compared with NHS North Central London" in svg and "Integrated Care Board" in svg
    assert ">%, lower<" not in svg and ">%<" in svg  # the value axis is titled with the unit alone


def test_the_funnel_axis_title_wraps_on_a_phone() -> None:
    """The Variation funnel's x-axis title ("Denominator: patients registered at the practice (of the list type's
    ages)") was clipped at 390 px: it wraps onto lines a phone's chart holds, and its key is above the plot."""
    rng = np.random.default_rng(3)
    den = rng.integers(1000, 5000, 25).astype(float)
    frame = pd.DataFrame({"area_code": [f"A{i}" for i in range(25)], "numerator": rng.poisson(den * 0.3),
                          "denominator": den})
    funnel = funnel_for(frame, "rate", 1000)
    names = frame[["area_code"]].assign(name="n", pcn_code=None, pcn=None, borough_code="B", borough="b")
    title = "Denominator: patients registered at the practice (of the list type's ages)"
    spec = funnel_chart(funnel, funnel_points(funnel, names, None), unit="per 1,000", alt_text="F",
                        x_title=title).to_dict()
    x = next(layer["encoding"]["x"] for layer in _layers(spec) if "strokeDash" in layer.get("encoding", {}))
    assert isinstance(x["title"], list) and " ".join(x["title"]) == title
    assert all(len(line) <= 48 for line in x["title"])
    dash = next(layer for layer in _layers(spec) if "strokeDash" in layer.get("encoding", {}))
    assert dash["encoding"]["strokeDash"]["legend"]["orient"] == "top"


def _without_data(spec: dict) -> str:
    """A converted spec as Streamlit's frontend keys its drawn chart: datasets out, their names by position."""
    import json

    names = {name: f"dataset_{i}" for i, name in enumerate(spec.get("datasets", {}))}
    text = json.dumps({k: v for k, v in spec.items() if k != "datasets"}, sort_keys=True)
    for name, position in names.items():
        text = text.replace(name, position)
    return text


def test_a_time_chart_of_other_numbers_is_the_same_spec_with_other_data() -> None:
    """Issue 14: the value axis's range travels as data, so the trajectory and SPC charts of another area (other
    values, limits and axis range) differ only in their datasets, and Streamlit swaps the new data into the drawn
    chart rather than compiling a new one."""
    from components.chart_cache import vega_lite

    specs = {"trajectory": [], "spc": []}
    for level in (20.0, 75.0):
        rng = np.random.default_rng(int(level))
        values = level + rng.normal(0, 3, 24)
        frame = pd.DataFrame({"period_start": pd.date_range("2022-01-01", periods=24, freq="MS"), "value": values,
                              "lower": values - 2, "upper": values + 2, "plan": level + np.arange(24) * 0.1})
        specs["trajectory"].append(vega_lite(trajectory_chart(frame, unit="%", target=level + 5,
                                                              target_date=date(2024, 3, 31), alt_text="T")))
        result = spc_chart_data(frame[["period_start", "value"]], "higher_is_better", level + 5)
        specs["spc"].append(vega_lite(spc_chart(spc_display(result, "proportion", 100.0), unit="%",
                                                target=level + 5, alt_text="SPC")))
    for first, second in specs.values():
        assert first["datasets"] != second["datasets"]
        assert _without_data(first) == _without_data(second)


def test_each_small_multiple_panel_draws_its_own_area_only() -> None:
    """The facet splits its data by area; a layer carrying data of its own would draw every area in every panel
    (it did: each panel showed all the areas' lines zigzagging). The panels' shared range travels as data too."""
    frame = pd.DataFrame({"name": np.repeat(["Alpha PCN", "Beta PCN"], 3),
                          "period_start": list(pd.date_range("2021-01-01", periods=3, freq="MS")) * 2,
                          "value": [60.0, 61, 62, 70, 71, 72], "plan": [60.0, 60, 60, 70, 70, 70]})
    from components.charts import small_multiple_panels, small_multiples

    for chart in (small_multiples(frame, unit="%", alt_text="SM"), *small_multiple_panels(frame, unit="%",
                                                                                          alt_text="SM")):
        spec = chart.to_dict()
        assert "data" not in spec["spec"] and all("data" not in layer for layer in spec["spec"]["layer"])
        rows = spec["datasets"][spec["data"]["name"]]
        assert {row["name"] for row in rows} <= {"Alpha PCN", "Beta PCN"}
    panels = small_multiple_panels(frame, unit="%", alt_text="SM")
    bounds = [{r["axis_bound"] for r in p.to_dict()["datasets"][p.to_dict()["data"]["name"]] if r.get("axis_bound")
               is not None} for p in panels]
    assert bounds[0] == bounds[1] == {0.0, 72.0}  # one value range for both panels, from zero
