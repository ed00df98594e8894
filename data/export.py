"""Exports that carry their context: PNG/SVG charts (vl-convert, on the server) and CSV of the rows shown.

Every export states its title, the filters applied, the data date, the source, when it was made and, while the
demo is loaded, that the data are synthetic. Small numbers never reach an export: every frame has been through
``data/suppression.py`` before it is drawn or tabled. Tables are exported as displayed (rounded as the tooltips
show, headers in words), and CSV cells that a spreadsheet would run as a formula are neutralised (OWASP "CSV
injection": a leading ``=``, ``+``, ``-``, ``@``, tab or carriage return gets a leading apostrophe).
Pure: no Streamlit; the download buttons live in ``components/exports.py``.
"""

from __future__ import annotations

import io
import math
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime

import altair as alt
import numpy as np
import pandas as pd
import vl_convert as vlc

from data.demo.spec import SYNTHETIC_LABEL

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class ExportContext:
    """What an exported chart or table must say about itself."""

    title: str
    filters: Mapping[str, str]
    data_date: date | None
    source: str
    synthetic: bool
    made_at: datetime = field(default_factory=lambda: datetime.now().replace(microsecond=0))

    def made_now(self) -> ExportContext:
        """This context stamped with the present time: a context cached with a page's view (issue 14) was made when
        the view was built, and an export's "Exported:" line says when the page was drawn."""
        return replace(self, made_at=datetime.now().replace(microsecond=0))

    def lines(self) -> list[str]:
        """The provenance lines, in reading order (title first)."""
        chosen = "; ".join(f"{k}: {v}" for k, v in self.filters.items()) or "none"
        lines = [
            self.title,
            f"Filters: {chosen}",
            f"Data to: {self.data_date:%d %b %Y}" if self.data_date else "Data to: not known",
            f"Source: {self.source}",
            f"Exported: {self.made_at:%d %b %Y %H:%M}",
        ]
        if self.synthetic:
            lines.append(SYNTHETIC_LABEL)
        return lines


def in_words(column: object) -> object:
    """A snake_case header in words ("area_code" -> "Area code"); headers already in words are kept."""
    if isinstance(column, str) and column and column == column.lower() and " " not in column:
        text = column.replace("_", " ").strip()
        return text[:1].upper() + text[1:]
    return column


def as_displayed(frame: pd.DataFrame, decimals: int = 1, places: Mapping[str, int] | None = None) -> pd.DataFrame:
    """The table as the page shows it: numbers rounded as the tooltips show them (``decimals``, or ``places`` by
    column), whole-number columns as integers, dates without a time, headers in words.

    Applied to every table shown and every CSV, so a CSV never carries 58.05750350631136 where the page says 58.1.
    """
    out = frame.copy()
    places = dict(places or {})
    for column in out.columns:
        series = out[column]
        if pd.api.types.is_bool_dtype(series):
            continue
        if pd.api.types.is_datetime64_any_dtype(series):
            if (series.dropna().dt.normalize() == series.dropna()).all():
                out[column] = series.dt.date
            continue
        if pd.api.types.is_float_dtype(series):
            rounded = series.round(places.get(str(column), decimals))
            whole = rounded.dropna()
            integral = len(whole) and np.isfinite(whole).all() and (whole == whole.round()).all()
            out[column] = rounded.astype("Int64") if integral else rounded
    out.columns = [in_words(c) for c in out.columns]
    return out


def number_text(values: pd.Series, decimals: int = 1, missing: str = "—") -> pd.Series:
    """Numbers as a table cell shows them: thousands separated, rounded to ``decimals`` unless whole ("1,828,516",
    "86.8"), and a dash where there is none (a grid would print "None"). For columns that mix counts and rates."""
    numbers = pd.to_numeric(values, errors="coerce")

    def text(v: float) -> str:  # a count stays whole; a rate keeps its decimals even when they are zero
        if pd.isna(v):
            return missing
        return f"{int(v):,}" if float(v).is_integer() else f"{round(v, decimals):,.{decimals}f}"

    return numbers.map(text).astype(object)


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """Prefix an apostrophe to text cells a spreadsheet would treat as a formula (=, +, -, @, tab, CR)."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(
                lambda v: "'" + v if isinstance(v, str) and v.startswith(FORMULA_PREFIXES) else v
            )
    out.columns = ["'" + c if isinstance(c, str) and c.startswith(FORMULA_PREFIXES) else c for c in out.columns]
    return out


def csv_bytes(frame: pd.DataFrame, context: ExportContext, *, places: Mapping[str, int] | None = None) -> bytes:
    """UTF-8 (with BOM, so Excel reads it) CSV: provenance lines as leading ``#`` rows, then the table as displayed
    (``as_displayed``: 1 decimal, or ``places`` by column)."""
    buffer = io.StringIO()
    for line in context.lines():
        buffer.write(f"# {line}\n")
    neutralise_formulas(as_displayed(frame, places=places)).to_csv(buffer, index=False, lineterminator="\n")
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _json_ready(value: object) -> object:
    """``value`` with only JSON types: dates and timestamps as ISO text, numpy scalars as Python, NaN as null."""
    if isinstance(value, dict):
        return {str(k): _json_ready(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_ready(v) for v in value]
    if isinstance(value, date | datetime):  # pd.Timestamp is a datetime
        return value.isoformat()
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def vega_lite_spec(chart: alt.TopLevelMixin, *, validate: bool = True) -> dict:
    """The chart's Vega-Lite spec in JSON types only (vl-convert refuses a ``date`` that Altair leaves in a frame's
    column), so every chart the app draws can be exported. ``validate=False`` skips Altair's JSON-schema check
    (the same spec, about a third faster), for callers drawing charts the tests already validate (the board pack)."""
    return _json_ready(chart.to_dict(validate=validate))


def titled(chart: alt.TopLevelMixin, context: ExportContext) -> alt.TopLevelMixin:
    """The chart with its title and provenance as title and subtitle lines, for export."""
    title, *rest = context.lines()
    return chart.properties(
        title=alt.TitleParams(text=title, subtitle=rest, anchor="start", fontSize=15, subtitleFontSize=11)
    )


def _png_text(png: bytes, entries: Mapping[str, str]) -> bytes:
    """``png`` with ``entries`` as iTXt chunks (PNG 1.2 section 11.3.4: UTF-8 text) after the header chunk, so the
    file's provenance can be read by software as well as seen in the picture."""
    header_end = 8 + 8 + int.from_bytes(png[8:12], "big") + 4  # signature, IHDR length/type, IHDR data, CRC
    chunks = b""
    for keyword, text in entries.items():
        body = b"iTXt" + keyword.encode("latin-1") + b"\x00\x00\x00" + b"\x00" + b"\x00" + text.encode("utf-8")
        chunks += len(body[4:]).to_bytes(4, "big") + body + zlib.crc32(body).to_bytes(4, "big")
    return png[:header_end] + chunks + png[header_end:]


def chart_png(chart: alt.TopLevelMixin, context: ExportContext, *, scale: float = 2.0) -> bytes:
    """PNG of the chart with its provenance (drawn as title lines, and as the PNG's Title, Description, Source
    text), rendered on the server (vl-convert, no browser, no network)."""
    title, *rest = context.lines()
    png = vlc.vegalite_to_png(vega_lite_spec(titled(chart, context)), scale=scale)
    return _png_text(png, {"Title": title, "Description": "\n".join(rest), "Source": context.source})


def chart_svg(chart: alt.TopLevelMixin, context: ExportContext) -> bytes:
    """SVG of the chart with its provenance, rendered on the server."""
    return vlc.vegalite_to_svg(vega_lite_spec(titled(chart, context))).encode("utf-8")


def file_stem(title: str, when: date | None = None) -> str:
    """A safe file name stem from a title and date, e.g. ``a-e-attendances-per-1-000-patients_2024-03-31``."""
    slug = "".join(ch.lower() if ch.isalnum() else "-" for ch in title).strip("-")
    while "--" in slug:
        slug = slug.replace("--", "-")
    return f"{slug[:80]}_{when:%Y-%m-%d}" if when else slug[:80]
