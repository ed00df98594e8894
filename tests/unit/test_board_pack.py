"""The board pack's drawing pieces on fixed inputs: charts embedded as SVG vectors with alt text, tables with
header cells, escaping, and the provenance line every page carries."""

from __future__ import annotations

import base64
import io
import re
from datetime import date

import altair as alt
import pandas as pd
import pypdf
import pytest
from weasyprint import HTML

from components.board_pack import esc, number, svg_figure, table
from data.board_pack import BoardPack, DeliverySection, FinanceSection, FunnelSection
from data.demo.spec import SYNTHETIC_LABEL

pytestmark = pytest.mark.unit


def _pack(synthetic: bool) -> BoardPack:
    empty = pd.DataFrame()
    return BoardPack(
        area_level="borough", area_code="E09000010", area_name="Enfield",
        filters={"Area": "Enfield (E09000010)", "Workstream": "Prevention"}, data_date=date(2024, 3, 31),
        synthetic=synthetic, source="Somewhere", headline="1 of 2 KPIs off track in Enfield (0 at risk, 1 on track).",
        register=empty, summary=empty, kpi_pages=(), funnel=FunnelSection(None, None, "", None, empty, "", "", None),
        finance=FinanceSection({}, empty, "", None), delivery=DeliverySection(None, {}, empty, empty, None),
        risks=empty, series=empty, catalogue=empty,
    )  # fmt: skip


def test_provenance_names_source_date_filters_and_label_only_for_the_demo():
    demo = _pack(synthetic=True).provenance()
    assert demo == (
        "Source: Somewhere. Data to 31 Mar 2024. Filters: Area: Enfield (E09000010); Workstream: Prevention. "
        + SYNTHETIC_LABEL
    )
    real = _pack(synthetic=False)
    assert SYNTHETIC_LABEL not in real.provenance() and real.label == ""


def test_chart_is_embedded_as_svg_with_its_alt_text():
    chart = alt.Chart(pd.DataFrame({"a": [1, 2]})).mark_bar().encode(x="a:Q")
    figure = svg_figure(chart, 'Bars of "a" <one>', "Caption & note")
    assert 'alt="Bars of &quot;a&quot; &lt;one&gt;"' in figure
    assert "<figcaption>Caption &amp; note</figcaption>" in figure
    payload = re.search(r'src="data:image/svg\+xml;base64,([^"]+)"', figure).group(1)
    svg = base64.b64decode(payload).decode("utf-8")
    assert svg.startswith("<svg") and "<path" in svg  # vector marks, no embedded raster
    assert "data:image/png" not in svg


def test_svg_chart_stays_vector_in_the_pdf():
    chart = alt.Chart(pd.DataFrame({"a": [1, 2]})).mark_bar().encode(x=alt.X("a:Q", title="Axis words"))
    pdf = HTML(string=f"<html lang='en'><title>t</title><body>{svg_figure(chart, 'alt')}</body></html>").write_pdf(
        pdf_variant="pdf/ua-1"
    )
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    assert len(reader.pages[0].images) == 0  # drawn as paths and text, not a picture
    assert "Axis words" in reader.pages[0].extract_text()


def test_table_has_header_cells_escapes_and_aligns_numbers():
    html = table(pd.DataFrame({"KPI": ["A&E <rate>"], "Latest": ["1.5"]}), caption="Cap", numeric=("Latest",))
    assert '<th scope="col">KPI</th>' in html and "<caption>Cap</caption>" in html
    assert "<td>A&amp;E &lt;rate&gt;</td>" in html
    assert '<td class="num">1.5</td>' in html


@pytest.mark.parametrize(("value", "text"), [(None, "–"), (float("nan"), "–"), (1234.56, "1,234.6"), (0, "0.0")])
def test_number_and_missing_values(value, text):
    assert number(value) == text
    assert esc(None) == "–"
