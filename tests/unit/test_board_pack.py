"""The board pack's drawing pieces on fixed inputs: charts embedded as SVG vectors with alt text, tables with
header cells, escaping, and the provenance line every page carries."""

from __future__ import annotations

import base64
import io
import re
from datetime import date

import altair as alt
import numpy as np
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


def test_the_caption_names_every_milestone():
    from components.board_pack import milestone_words

    marks = pd.DataFrame({
        "date": pd.to_datetime(["2018-05-01", "2017-12-01", "2018-06-01", "2018-09-01"]),
        "label": ["Wave 2", "Wave 1", "Wave 3", "Wave 4"], "done": [True] * 4, "code": ["B", "A", "C", "D"],
    })  # fmt: skip
    assert milestone_words(marks) == (
        "Milestones marked: Wave 2 (May 2018); Wave 1 (Dec 2017); Wave 3 (Jun 2018); Wave 4 (Sep 2018)."
    )
    assert milestone_words(marks.iloc[0:0]) == ""


def test_a_time_chart_with_crowded_milestones_draws_in_the_pack_with_every_label_inside_the_plot():
    """The screen's milestone layout (labels sharing dated lines, each line's length an expression of the plot's
    height) is drawn as it is in the pack's shorter charts: no error, and every label word is in the SVG."""
    from components.charts import trajectory_chart

    months = pd.date_range("2016-04-01", "2024-03-01", freq="MS")
    series = pd.DataFrame({"period_start": months, "value": 50.0, "lower": np.nan, "upper": np.nan, "plan": 55.0})
    marks = pd.DataFrame({"date": pd.to_datetime(["2017-12-01", "2018-05-01", "2018-06-01", "2018-09-01"]),
                          "label": ["Wave 1 live", "Wave 2 live", "Wave 3 live", "Wave 4 live"], "done": True})
    chart = trajectory_chart(series, unit="%", target=60.0, target_date=None, alt_text="T", milestones=marks)
    html = svg_figure(chart.properties(height=170), "Alt text")
    svg = base64.b64decode(re.search(r"base64,([^\"]+)\"", html).group(1)).decode("utf-8")
    drawn = " ".join(re.findall(r"<text[^>]*>([^<]*)</text>", svg))
    for wave in ("1", "2", "3", "4"):
        assert f"Wave {wave}" in drawn, drawn


def test_chart_text_is_measured_in_the_font_the_pdf_draws_and_vertical_labels_fit_the_plot():
    from components.board_pack import CHART_FONT

    frame = pd.DataFrame({"x": [1, 2], "y": [3, 4], "t": ["A very long milestone label " * 5] * 2})
    points = alt.Chart(frame).mark_point().encode(x="x:Q", y="y:Q")
    labels = alt.Chart(frame).mark_text(angle=90, limit=280).encode(x="x:Q", y=alt.value(0), text="t:N")
    html = svg_figure(alt.layer(points, labels).properties(height=150, width=300), "Alt text here")
    svg = base64.b64decode(re.search(r"base64,([^\"]+)\"", html).group(1)).decode("utf-8")
    fonts = set(re.findall(r'font-family="([^"]+)"', svg))
    assert fonts == {CHART_FONT}
    drawn = re.findall(r"<text[^>]*>([^<]*)</text>", svg)
    label = next(t for t in drawn if t.startswith("A very long"))
    assert label.endswith("…") and len(label) < len("A very long milestone label " * 5)  # cut short to the plot


def test_the_overview_pack_takes_every_sidebar_filter():
    from components.board_pack import pack_filters_of
    from components.state import Filters
    from data.board_pack import PackFilters

    chosen = Filters(borough="E09000010", pcn="U1", workstream="EHCH", kpi="AE_RATE", period=date(2022, 3, 1),
                     neighbourhood="N1")  # fmt: skip
    assert pack_filters_of(chosen) == PackFilters(borough="E09000010", pcn="U1", workstream="EHCH", kpi="AE_RATE",
                                                  period=date(2022, 3, 1), neighbourhood="N1")  # fmt: skip
