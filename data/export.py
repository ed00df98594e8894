"""Exports that carry their context: PNG/SVG charts (vl-convert, on the server) and CSV of the rows shown.

Every export states its title, the filters applied, the data date, the source, when it was made and, while the
demo is loaded, that the data are synthetic. Small numbers are suppressed before anything leaves the dashboard
(counts from 1 to ``SMALL_NUMBER_MAX``, default 7, following the NHS Digital / ONS disclosure-control practice
for small cells), and CSV cells that a spreadsheet would run as a formula are neutralised (OWASP "CSV
injection": a leading ``=``, ``+``, ``-``, ``@``, tab or carriage return gets a leading apostrophe).
Pure: no Streamlit; the download buttons live in ``components/exports.py``.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

import altair as alt
import pandas as pd
import vl_convert as vlc

from data.demo.spec import SYNTHETIC_LABEL

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
SUPPRESSED = "suppressed"


@dataclass(frozen=True)
class ExportContext:
    """What an exported chart or table must say about itself."""

    title: str
    filters: Mapping[str, str]
    data_date: date | None
    source: str
    synthetic: bool
    made_at: datetime = field(default_factory=lambda: datetime.now().replace(microsecond=0))

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


def suppress_small_counts(
    frame: pd.DataFrame, count_columns: Iterable[str], *, maximum: int = 7, dependent_columns: Iterable[str] = ()
) -> pd.DataFrame:
    """Blank counts from 1 to ``maximum`` (zero is not disclosive and stays), and the values derived from them.

    Returns a copy with the affected cells empty and a ``suppression`` column that says why.
    """
    out = frame.copy()
    counts = [c for c in count_columns if c in out.columns]
    small = pd.Series(False, index=out.index)
    for column in counts:
        values = pd.to_numeric(out[column], errors="coerce")
        small |= values.between(1, maximum)
    for column in [*counts, *[c for c in dependent_columns if c in out.columns]]:
        out[column] = out[column].astype(object).where(~small, None)
    out["suppression"] = small.map({True: f"{SUPPRESSED}: a count between 1 and {maximum}", False: ""})
    return out


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


def csv_bytes(frame: pd.DataFrame, context: ExportContext) -> bytes:
    """UTF-8 (with BOM, so Excel reads it) CSV: provenance lines as leading ``#`` rows, then the table."""
    buffer = io.StringIO()
    for line in context.lines():
        buffer.write(f"# {line}\n")
    neutralise_formulas(frame).to_csv(buffer, index=False, lineterminator="\n")
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def titled(chart: alt.TopLevelMixin, context: ExportContext) -> alt.TopLevelMixin:
    """The chart with its title and provenance as title and subtitle lines, for export."""
    title, *rest = context.lines()
    return chart.properties(
        title=alt.TitleParams(text=title, subtitle=rest, anchor="start", fontSize=15, subtitleFontSize=11)
    )


def chart_png(chart: alt.TopLevelMixin, context: ExportContext, *, scale: float = 2.0) -> bytes:
    """PNG of the chart with its provenance, rendered on the server (vl-convert, no browser, no network)."""
    return vlc.vegalite_to_png(titled(chart, context).to_dict(), scale=scale)


def chart_svg(chart: alt.TopLevelMixin, context: ExportContext) -> bytes:
    """SVG of the chart with its provenance, rendered on the server."""
    return vlc.vegalite_to_svg(titled(chart, context).to_dict()).encode("utf-8")


def file_stem(title: str, when: date | None = None) -> str:
    """A safe file name stem from a title and date, e.g. ``a-e-attendances-per-1-000-patients_2024-03-31``."""
    slug = "".join(ch.lower() if ch.isalnum() else "-" for ch in title).strip("-")
    while "--" in slug:
        slug = slug.replace("--", "-")
    return f"{slug[:80]}_{when:%Y-%m-%d}" if when else slug[:80]
