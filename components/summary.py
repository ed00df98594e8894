"""Renders the integrated performance summary (``data/summary.py``): the table with its icons in words, its
exports (CSV, and the table as a PNG/SVG image), the order control and the per-KPI narrative. Opens no database.
"""

from __future__ import annotations

from dataclasses import dataclass

import altair as alt
import pandas as pd
import pyarrow as pa
import streamlit as st
from streamlit.dataframe_util import convert_pandas_df_to_arrow_table

from components.exports import export_buttons
from components.state import SUMMARY_ORDER_KEY
from data.export import ExportContext, as_displayed, number_text
from data.summary import summary_table

ORDERS = {"workstream": "By workstream", "attention": "What needs attention first"}
#: Columns drawn in the exported image (the CSV carries every column of the table).
IMAGE_COLUMNS = (
    "Workstream", "KPI", "Period", "Latest", "Plan", "Target", "Status", "Variation", "Assurance", "Trend",
    "Needs attention for", "Source",
)  # fmt: skip
_CHAR_PX = 6.0  # average width of a character of the image's 11 px font, for sizing its columns
_MAX_CHARS = {"KPI": 60, "Needs attention for": 70, "Source": 70}  # longer text is cut with an ellipsis
_ROW_PX = 18
_ROW_HEIGHT = 35  # st.dataframe row height in px
NUMBER_COLUMNS = ("Latest", "Plan", "Target")
KPI_COLUMN_PX = 240  # wide enough for "Hypertension prevalence (QOF register)" at the grid's font
NUMBER_COLUMN_PX = 88  # "1,828,516" whole (a narrower cell cut it to "828,516")


def summary_order() -> str:
    """The order chosen for the table: "workstream" (grouped, most attention first in each) or "attention"."""
    choice = st.segmented_control(
        "Order", list(ORDERS), format_func=ORDERS.get, default="workstream", key=SUMMARY_ORDER_KEY,
        help="Attention scores off track 3, at risk 2, special cause concern 2, consistently failing the target 2 "
        "and hit and miss 1; the highest come first.",
    )  # fmt: skip
    return choice or "workstream"


def summary_image(table: pd.DataFrame) -> alt.HConcatChart:
    """The summary table drawn as an image (one text column per field, a header row, row rules), so it can be
    exported as PNG or SVG with its provenance; icons are drawn as their symbols and words (never colour)."""
    shown = as_displayed(table[[c for c in IMAGE_COLUMNS if c in table]]).astype(object)
    shown = shown.where(shown.notna(), "—").astype(str)
    shown["row"] = range(len(shown))
    height = max(_ROW_PX * len(shown), _ROW_PX)
    columns = []
    for column in (c for c in IMAGE_COLUMNS if c in shown):
        limit = _MAX_CHARS.get(column, 40)
        longest = int(shown[column].str.len().max()) if len(shown) else 0  # an empty summary: its header alone
        width = int(_CHAR_PX * min(max(longest, len(column)), limit)) + 12
        text = shown[column].map(lambda v, n=limit: v if len(v) <= n else v[: n - 1] + "…")  # the CSV keeps it whole
        frame = pd.DataFrame({"row": shown["row"], "text": text})
        columns.append(
            alt.Chart(frame, title=alt.TitleParams(column, anchor="start", fontSize=11, fontWeight="bold"))
            .mark_text(align="left", baseline="middle", fontSize=11, dx=-width / 2 + 4)
            .encode(y=alt.Y("row:O", axis=None), text="text:N")
            .properties(width=width, height=height)
        )
    return alt.hconcat(*columns, spacing=0).configure_view(stroke=None)


def grid_data(frame: pd.DataFrame) -> pa.Table:
    """``frame`` as the Arrow table ``st.dataframe``/``st.table`` would make of it (Streamlit's own conversion), so a
    cached view converts a table once and a rerun only sends it: the element's bytes are the same (issue 14)."""
    return convert_pandas_df_to_arrow_table(frame)


@dataclass(frozen=True)
class SummaryTables:
    """What the summary section draws, computed from its rows without Streamlit (so a cached view can hold it):
    the tables (a heading per workstream, or one table with no heading), their exports' rows."""

    tables: tuple[tuple[str | None, pa.Table], ...]  # (workstream heading or None, the table as shown)
    workstream: bool  # the tables carry a Workstream column (one table ordered by attention)
    image_rows: pd.DataFrame  # summary_table(rows): drawn as the PNG/SVG image, only when clicked
    export_rows: pd.DataFrame  # summary_table(rows, narrative=True): the CSV


def _shown(rows: pd.DataFrame) -> pa.Table:
    """One table of summary rows as shown: icons in words, numbers as text, the sparkline as a list."""
    table = summary_table(rows)
    shown = as_displayed(table).assign(Recent=rows["spark"].to_numpy())
    for column in NUMBER_COLUMNS:  # counts and rates in one column: "1,828,516" and "86.8", a dash for none
        shown[column] = number_text(table[column]).to_numpy()
    return grid_data(shown)


def summary_tables(rows: pd.DataFrame, by: str = "workstream") -> SummaryTables:
    """The summary of ``rows`` (in the order given) as :func:`draw_summary` draws it: ``by="workstream"`` one table
    per workstream under its name, ``by="attention"`` one table with a Workstream column."""
    if by == "workstream":
        tables = tuple((str(w), _shown(group)) for w, group in rows.groupby("workstream", sort=False))
    else:
        tables = ((None, _shown(rows)),)
    return SummaryTables(tables, by != "workstream", summary_table(rows), summary_table(rows, narrative=True))


def _table(shown: pa.Table, *, workstream: bool) -> None:
    """One st.dataframe of summary rows, tall enough to show them all (no inner scrolling)."""
    hidden = {"Source": None, "Code": None, "Data to": None, **({} if workstream else {"Workstream": None})}
    st.dataframe(
        shown,
        hide_index=True,
        width="stretch",
        height=_ROW_HEIGHT * (shown.num_rows + 1) + 3,
        column_config={
            "KPI": st.column_config.TextColumn("KPI", width=KPI_COLUMN_PX, pinned=True),
            **{c: st.column_config.TextColumn(c, alignment="right", width=NUMBER_COLUMN_PX) for c in NUMBER_COLUMNS},
            "Rule fired": st.column_config.TextColumn("Rule fired", width="medium"),
            "Recent": st.column_config.LineChartColumn("Recent", help="The last 24 values", width="small"),
            **hidden,
        },
    )


def draw_summary(parts: SummaryTables, context: ExportContext, *, key: str) -> None:
    """The summary's tables (see :func:`summary_tables`), then the exports of the whole summary: PNG and SVG of
    the table as an image, CSV of the rows with their narrative.

    The tables sit in a container keyed ``<key>_wide_tables``: an IPR row has a dozen columns, so on a narrow
    screen or beside the sidebar they scroll sideways with the KPI column pinned (the layout test allows that
    scroll here and nowhere else)."""
    with st.container(key=f"{key}_wide_tables"):
        for heading, shown in parts.tables:
            if heading is not None:
                st.markdown(f"**{heading}**")
            _table(shown, workstream=parts.workstream)
    image_rows = parts.image_rows
    # the image is built only when PNG or SVG is clicked: drawing it cost a third of an Overview rerun (issue 14)
    export_buttons(lambda: summary_image(image_rows), parts.export_rows, context, key=key)


def summary_section(rows: pd.DataFrame, context: ExportContext, *, key: str, by: str = "workstream") -> None:
    """The summary (rows in the order given), drawn by :func:`draw_summary`: ``by="workstream"`` one table per
    workstream under its name, ``by="attention"`` one table with a Workstream column; then its exports."""
    draw_summary(summary_tables(rows, by), context, key=key)


def narrative_list(rows: pd.DataFrame) -> None:
    """Each KPI's narrative under its workstream's heading, in the order given."""
    for workstream, group in rows.groupby("workstream", sort=False):
        st.markdown(f"**{workstream}**")
        for row in group.itertuples(index=False):
            st.markdown(f"- **{row.kpi}** ({row.status_label}; {row.variation_label}; {row.assurance_label}). "
                        f"{row.narrative}")  # fmt: skip
