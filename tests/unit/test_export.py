"""Exports: provenance on every file, small numbers suppressed, spreadsheet formulas neutralised."""

from __future__ import annotations

import io
from datetime import date, datetime

import altair as alt
import pandas as pd
import pytest
from PIL import Image

from components.charts import small_multiples, trajectory_chart
from data.export import (
    ExportContext,
    as_displayed,
    chart_png,
    chart_svg,
    csv_bytes,
    file_stem,
    in_words,
    neutralise_formulas,
    vega_lite_spec,
)

pytestmark = pytest.mark.unit

CONTEXT = ExportContext(
    title="A&E attendances per 1,000 patients",
    filters={"Area": "Enfield (E09000010)", "Period": "Mar 2024"},
    data_date=date(2024, 3, 31),
    source="SUS+",
    synthetic=True,
    made_at=datetime(2026, 11, 23, 9, 30),
)


def test_provenance_lines_name_title_filters_date_source_and_synthetic():
    assert CONTEXT.lines() == [
        "A&E attendances per 1,000 patients",
        "Filters: Area: Enfield (E09000010); Period: Mar 2024",
        "Data to: 31 Mar 2024",
        "Source: SUS+",
        "Exported: 23 Nov 2026 09:30",
        "Synthetic demo data: generated, not real patients, practices or care homes.",
    ]
    real = ExportContext("T", {}, None, "ONS", synthetic=False, made_at=datetime(2026, 1, 1))
    assert "Filters: none" in real.lines() and "Data to: not known" in real.lines()
    assert not any("Synthetic" in line for line in real.lines())


def test_tables_are_exported_as_displayed_rounded_with_headers_in_words():
    frame = pd.DataFrame(
        {
            "area_code": ["A", "B"],
            "value": [58.05750350631136, None],
            "numerator": [12.0, None],
            "z": [1.23456, -2.5],
            "period_start": pd.to_datetime(["2024-03-01", "2024-04-01"]),
            "95% CI lower": [1.25, 2.0],
        }
    )
    out = as_displayed(frame, places={"z": 2})
    assert list(out.columns) == ["Area code", "Value", "Numerator", "Z", "Period start", "95% CI lower"]
    assert out["Value"].tolist()[0] == 58.1 and pd.isna(out["Value"].tolist()[1])
    assert out["Numerator"].tolist()[0] == 12 and str(out["Numerator"].dtype) == "Int64"  # counts as integers
    assert out["Z"].tolist() == [1.23, -2.5]
    assert out["Period start"].tolist() == [date(2024, 3, 1), date(2024, 4, 1)]
    text = csv_bytes(frame, CONTEXT).decode("utf-8-sig")
    assert "58.1," in text and "58.05750350631136" not in text and "A,58.1,12,1.2,2024-03-01,1.2" in text
    assert "A,58.1,12,1.23," in csv_bytes(frame, CONTEXT, places={"z": 2}).decode("utf-8-sig")  # as displayed
    assert in_words("95% CI lower") == "95% CI lower" and in_words("Care home") == "Care home"


@pytest.mark.parametrize("cell", ["=HYPERLINK(\"x\")", "+1", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd"])
def test_formula_cells_are_neutralised(cell):
    out = neutralise_formulas(pd.DataFrame({"name": [cell, "Edgware PCN"], "n": [1, 2]}))
    assert out["name"].tolist() == ["'" + cell, "Edgware PCN"]
    assert out["n"].tolist() == [1, 2]


def test_csv_starts_with_provenance_then_exact_rows():
    frame = pd.DataFrame({"area": ["=cmd()", "Barnet"], "value": [1.5, 2.25]})
    text = csv_bytes(frame, CONTEXT).decode("utf-8-sig")
    lines = text.splitlines()
    assert lines[:6] == [f"# {line}" for line in CONTEXT.lines()]
    table = pd.read_csv(io.StringIO(text), comment="#")
    assert table["Area"].tolist() == ["'=cmd()", "Barnet"] and table["Value"].tolist() == [1.5, 2.2]  # as displayed


def test_png_and_svg_carry_title_and_provenance():
    chart = alt.Chart(pd.DataFrame({"x": [1, 2], "y": [3, 4]})).mark_line().encode(x="x", y="y")
    svg = chart_svg(chart, CONTEXT).decode()
    assert "A&amp;E attendances per 1,000 patients" in svg and "Data to: 31 Mar 2024" in svg
    assert "Synthetic demo data" in svg
    png = chart_png(chart, CONTEXT, scale=1)
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 1000
    image = Image.open(io.BytesIO(png))
    image.load()  # decodes: the text chunks kept the file valid (CRCs checked)
    assert image.text["Title"] == CONTEXT.title and image.text["Source"] == "SUS+"
    assert image.text["Description"].splitlines() == CONTEXT.lines()[1:]


def test_file_stem_is_safe():
    assert file_stem("A&E / attendances: 1,000", date(2024, 3, 31)) == "a-e-attendances-1-000_2024-03-31"


def test_charts_with_date_objects_in_their_data_export():
    """Issue 13: the Trajectories charts hold ``datetime.date`` columns (period_end), which vl-convert refused
    ("unsupported type date"); the spec is made JSON at the source, so PNG and SVG work for every chart."""
    frame = pd.DataFrame(
        {
            "period_start": pd.to_datetime(["2024-01-01", "2024-02-01"]),
            "period_end": [date(2024, 1, 31), date(2024, 2, 29)],
            "value": [1.5, float("nan")],
            "lower": [1.0, 2.0],
            "upper": [2.0, 3.0],
            "plan": [1.4, 1.6],
        }
    )
    chart = trajectory_chart(frame, unit="%", target=2.0, target_date=date(2025, 3, 31), alt_text="T")
    spec = vega_lite_spec(chart)
    values = next(iter(spec["datasets"].values()))
    assert values[0]["period_end"] == "2024-01-31" and values[1]["value"] is None
    assert chart_png(chart, CONTEXT, scale=1)[:8] == b"\x89PNG\r\n\x1a\n"
    assert b"Data to: 31 Mar 2024" in chart_svg(chart, CONTEXT)
    grid = small_multiples(frame.assign(name="Barnet"), unit="%", alt_text="G")
    assert b"<svg" in chart_svg(grid, CONTEXT)


def test_numbers_in_a_mixed_column_read_as_displayed_with_a_dash_for_none():
    """The integrated summary's Latest/Plan/Target mix counts and rates: a count whole with separators (a narrow
    grid cut "1828516" to "828516"), a rate to one decimal, none as a dash (a grid prints "None")."""
    from data.export import number_text

    values = pd.Series([1828516.0, 86.8123, None, 0.0, float("nan"), 12.04, 12.0], dtype=object)
    assert number_text(values).tolist() == ["1,828,516", "86.8", "—", "0", "—", "12.0", "12"]
