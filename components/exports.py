"""Chart and table renderers with their exports: PNG, SVG and CSV built only when clicked, each with provenance.

A chart is shown with a table view beside it (accessibility: the same numbers without the picture) and three
download buttons. Files are made by callables passed to ``st.download_button`` with ``on_click="ignore"``, so
nothing is rendered until asked for and a click does not rerun the page.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import altair as alt
import pandas as pd
import streamlit as st

from components.chart_cache import Drawable, altair_of, draw
from data.export import ExportContext, as_displayed, chart_png, chart_svg, csv_bytes, file_stem
from data.suppression import suppressed_note


def export_buttons(
    chart: Drawable | Callable[[], Drawable] | None,
    rows: pd.DataFrame,
    context: ExportContext,
    *,
    key: str,
    places: Mapping[str, int] | None = None,
) -> None:
    """PNG, SVG (when there is a chart) and CSV download buttons for what is shown; the CSV holds ``rows`` as
    displayed (``data.export.as_displayed``: 1 decimal, or ``places`` by column).

    ``chart`` may be a callable that builds the chart: it is then built only when PNG or SVG is clicked (the
    Map's static map costs more to build than the page's own map, issue 14); so is a cached chart's Altair chart
    (``components.chart_cache``).
    """
    stem = file_stem(context.title, context.data_date)

    def built() -> alt.TopLevelMixin:
        return altair_of(chart)  # type: ignore[arg-type]

    formats = [
        ("PNG", "png", "image/png", ":material/image:", "Chart with title, filters and source",
         lambda: chart_png(built(), context)),
        ("SVG", "svg", "image/svg+xml", ":material/draw:", "Scalable chart for reports",
         lambda: chart_svg(built(), context)),
        ("CSV", "csv", "text/csv", ":material/table:", "Exactly the rows shown, small numbers suppressed",
         lambda: csv_bytes(rows, context, places=places)),
    ]
    for column, (label, ext, mime, icon, help_text, build) in zip(st.columns(3), formats, strict=True):
        if chart is None and ext != "csv":
            continue
        column.download_button(
            label, build, file_name=f"{stem}.{ext}", mime=mime, key=f"{key}-{ext}", on_click="ignore", icon=icon,
            help=help_text,
        )  # the callable builds the file only when clicked


def chart_with_table(
    chart: Drawable,
    table: pd.DataFrame,
    context: ExportContext,
    *,
    key: str,
    export_rows: pd.DataFrame | None = None,
    places: Mapping[str, int] | None = None,
    panels: Sequence[Drawable] = (),
) -> None:
    """The chart (with its alt text), a table view of the same numbers as displayed, and its exports.

    The chart's frames and ``table`` have been through ``data.suppression.suppress``; ``places`` as for
    ``export_buttons``. ``panels``: charts drawn instead of ``chart``, side by side in columns of the page (which
    stack on a phone), each at its column's width; the exports still carry ``chart`` (e.g. a facet of the same
    panels, which Vega cannot fit to a container).
    """
    chart_tab, table_tab = st.tabs(["Chart", "Table"])
    with chart_tab:
        if panels:
            for column, panel in zip(st.columns(len(panels)), panels, strict=True):
                draw(panel, column)
        else:
            draw(chart)
    with table_tab:
        st.dataframe(as_displayed(table, places=places), hide_index=True, width="stretch")
    export_buttons(chart, table if export_rows is None else export_rows, context, key=key, places=places)


def suppression_caption(frame: pd.DataFrame, noun: str = "periods") -> None:
    """A caption saying how many rows of ``frame`` are suppressed as small numbers (nothing when none are)."""
    note = suppressed_note(frame, noun)
    if note:
        st.caption(note)
