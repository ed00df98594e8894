"""Exports: provenance on every file, small numbers suppressed, spreadsheet formulas neutralised."""

from __future__ import annotations

import io
from datetime import date, datetime

import altair as alt
import pandas as pd
import pytest

from data.export import (
    ExportContext,
    chart_png,
    chart_svg,
    csv_bytes,
    file_stem,
    neutralise_formulas,
    suppress_small_counts,
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


def test_small_counts_suppressed_with_their_derived_values():
    frame = pd.DataFrame({"area": ["a", "b", "c", "d"], "numerator": [0, 1, 7, 8], "value": [0.0, 1.5, 9.0, 12.0]})
    out = suppress_small_counts(frame, ["numerator"], maximum=7, dependent_columns=["value"])
    assert out["numerator"].tolist() == [0, None, None, 8]  # zero is not disclosive
    assert out["value"].tolist() == [0.0, None, None, 12.0]
    assert out["suppression"].tolist()[1].startswith("suppressed")
    assert out["suppression"].tolist()[3] == ""
    assert suppress_small_counts(frame, ["numerator"], maximum=0)["numerator"].tolist() == [0, 1, 7, 8]


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
    assert table["area"].tolist() == ["'=cmd()", "Barnet"] and table["value"].tolist() == [1.5, 2.25]


def test_png_and_svg_carry_title_and_provenance():
    chart = alt.Chart(pd.DataFrame({"x": [1, 2], "y": [3, 4]})).mark_line().encode(x="x", y="y")
    svg = chart_svg(chart, CONTEXT).decode()
    assert "A&amp;E attendances per 1,000 patients" in svg and "Data to: 31 Mar 2024" in svg
    assert "Synthetic demo data" in svg
    png = chart_png(chart, CONTEXT, scale=1)
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 1000


def test_file_stem_is_safe():
    assert file_stem("A&E / attendances: 1,000", date(2024, 3, 31)) == "a-e-attendances-1-000_2024-03-31"
