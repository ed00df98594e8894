"""The board pack as a PDF: ``data.board_pack.BoardPack`` in, PDF bytes out.

Layout is HTML and CSS rendered by WeasyPrint (pure Python on Debian's Pango), which tags the PDF for screen
readers (``pdf_variant="pdf/ua-1"``: headings, tables with header cells, figures with their alt text, document
language and title; not validated with veraPDF, which is not installable here, and header cells carry no
``/Scope``: see the README) and draws SVG as vectors. Charts are the dashboard's own Altair builders
(``components/charts.py``, ``components/programme.py``) converted to SVG by vl-convert on the server, then embedded
as SVG images, so they stay vectors and carry the chart's alt text. Every page's footer carries the provenance
(source, data date, filters and, while the demo is loaded, the synthetic-data label) and its page number.

This module draws only: the numbers were gathered, and small counts suppressed, by ``data/board_pack.py``.
``board_pack_button`` is the Overview's one-click download; ``python -m data.manage board-pack`` the CLI.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Callable, Iterable, Sequence
from datetime import date

import altair as alt
import pandas as pd
import streamlit as st
import vl_convert as vlc

from components.charts import funnel_chart, spc_chart, trajectory_chart
from components.programme import plan_actual_bars
from components.state import Filters
from data import programme as prog
from data.board_pack import (
    DELIVERY_SOURCE,
    FINANCE_SOURCE,
    RISK_SOURCE,
    BoardPack,
    FunnelSection,
    KpiPage,
    PackFilters,
)
from data.export import vega_lite_spec
from data.summary import ASSURANCE_LABELS, NO_ASSURANCE, NO_VARIATION, VARIATION_LABELS, summary_table
from data.suppression import shown

TITLE = "Benefits realisation board pack"
# The README's one required font (fonts-dejavu-core): the pack's text, and the charts' (see ``svg_figure``)
CHART_FONT = "DejaVu Sans"
CHART_HEIGHT = 210  # px: a KPI's trajectory and SPC chart share one A4 page with its facts and narrative
# the integrated summary's columns (% of a landscape page): the same in every workstream's table
SUMMARY_WIDTHS = {"KPI": 11.5, "Code": 12.0, "Period": 5.5, "Latest": 5.5, "Plan": 5.0, "Target": 6.0, "Status": 6.5,
                  "Variation": 8.5, "Assurance": 8.5, "Trend": 8.0, "Rule fired": 13.0,
                  "Needs attention for": 10.0}  # fmt: skip
CSS = """
@page {
  size: A4 portrait; margin: 18mm 15mm 24mm 15mm;
  @top-left { content: string(pack-title); font-size: 8pt; color: #425563; }
  @bottom-left { content: string(provenance); font-size: 7pt; color: #425563; width: 80%; vertical-align: top; }
  @bottom-right { content: "Page " counter(page) " of " counter(pages); font-size: 8pt; color: #425563;
                  vertical-align: top; }
}
html { font-family: "DejaVu Sans", "Liberation Sans", sans-serif; font-size: 9.5pt; color: #0B0C0C; }
.running-title { string-set: pack-title content(); position: absolute; left: -9999px; }
.running-provenance { string-set: provenance content(); position: absolute; left: -9999px; }
h1 { font-size: 22pt; margin: 0 0 6mm 0; color: #005EB8; }
h2 { font-size: 14pt; margin: 0 0 3mm 0; color: #005EB8; break-after: avoid; }
h3, h2.minor { font-size: 11pt; margin: 4mm 0 2mm 0; break-after: avoid; color: #0B0C0C; }
section { break-before: page; }
section.cover { break-before: auto; }
section.wide { page: wide; }
@page wide { size: A4 landscape; }
.headline { font-size: 15pt; font-weight: bold; margin: 8mm 0; }
.label { border: 2px solid #DA291C; padding: 3mm; font-weight: bold; margin: 6mm 0; }
.provenance { font-size: 8pt; color: #425563; margin: 1mm 0 3mm 0; }
.facts { margin: 2mm 0; }
.narrative { font-style: italic; margin: 2mm 0 3mm 0; }
table { border-collapse: collapse; width: 100%; font-size: 8pt; margin: 2mm 0 4mm 0; }
th, td { border-bottom: 0.5pt solid #AEB7BD; padding: 1.2mm 1.5mm; text-align: left; vertical-align: top; }
th { background: #E8EDEE; }
td.num { text-align: right; }
table.fixed { table-layout: fixed; }
td, th { overflow-wrap: break-word; }
.group { break-inside: avoid; }
tr { break-inside: avoid; }
figure { margin: 2mm 0 4mm 0; break-inside: avoid; }
figure img { width: 100%; }
figcaption { font-size: 7.5pt; color: #425563; margin-top: 1mm; }
dl { display: grid; }
dt { font-weight: bold; margin-top: 2mm; }
dd { margin: 0 0 0 0; }
"""


def esc(value: object) -> str:
    """Text for HTML: escaped; missing values as an en dash."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return "–"
    return html.escape(str(value))


def number(value: object, places: int = 1) -> str:
    """A number as the pages show it (thousands separators, ``places`` decimals); missing as an en dash."""
    if value is None or pd.isna(value):
        return "–"
    return f"{float(value):,.{places}f}"


def _fit_vertical_labels(spec: dict) -> dict:
    """``spec`` with each vertical text mark (a milestone's label beside its rule) ending, with an ellipsis, inside
    the plot: the pack's charts are shorter than the screen's, for which the marks' ``limit`` was chosen."""
    height = spec.get("height")
    if not isinstance(height, int | float):
        return spec

    def fit(node: object) -> None:
        if isinstance(node, dict):
            mark = node.get("mark")
            if isinstance(mark, dict) and mark.get("type") == "text" and mark.get("angle") in (90, 270) and \
                    isinstance(mark.get("limit", height), int | float):  # an expression ("height - 6") fits already
                mark["limit"] = min(float(mark.get("limit", height)), height - 8)
            for value in node.values():
                fit(value)
        elif isinstance(node, list):
            for value in node:
                fit(value)

    fit(spec.get("layer", []))
    return spec


def svg_figure(chart: alt.TopLevelMixin, alt_text: str, caption: str = "") -> str:
    """The chart as an SVG image (vector) with its alt text, in a figure with an optional caption.

    Altair's schema check is skipped here (the same spec; tests/unit validate every builder's charts). The text is
    set in ``CHART_FONT``, the font WeasyPrint draws it in: vl-convert places legend entries and labels by its
    measure of the text, so a chart measured in one font and drawn in a wider one overlaps its own legend."""
    spec = _fit_vertical_labels(vega_lite_spec(chart, validate=False))
    spec.setdefault("config", {})["font"] = CHART_FONT
    svg = vlc.vegalite_to_svg(spec)
    data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
    cap = f"<figcaption>{esc(caption)}</figcaption>" if caption else ""
    return f'<figure><img src="data:image/svg+xml;base64,{data}" alt="{esc(alt_text)}">{cap}</figure>'


def table(
    frame: pd.DataFrame, caption: str = "", numeric: Sequence[str] = (), widths: dict[str, float] | None = None
) -> str:
    """An HTML table with header cells (tagged as such in the PDF); ``numeric`` columns right-aligned; ``widths``
    (column -> % of the page width) fixes the layout, so tables of the same columns line up."""
    head = "".join(f'<th scope="col">{esc(c)}</th>' for c in frame.columns)
    cols = ""
    if widths:
        cols = "<colgroup>" + "".join(f'<col style="width: {widths[c]}%">' for c in frame.columns) + "</colgroup>"
    rows = []
    for values in frame.itertuples(index=False):
        cells = "".join(
            f'<td class="num">{esc(v)}</td>' if c in numeric else f"<td>{esc(v)}</td>"
            for c, v in zip(frame.columns, values, strict=True)
        )
        rows.append(f"<tr>{cells}</tr>")
    cap = f"<caption>{esc(caption)}</caption>" if caption else ""
    fixed = ' class="fixed"' if widths else ""
    return f"<table{fixed}>{cap}{cols}<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def provenance_line(source: str, pack: BoardPack, data_date: object = None) -> str:
    """A section's own provenance: its source, data date and the filters."""
    when = data_date if data_date is not None else pack.data_date
    chosen = "; ".join(f"{k}: {v}" for k, v in pack.filters.items())
    text = f"Source: {source}. Data to {pd.Timestamp(when):%d %b %Y}. " if when is not None else f"Source: {source}. "
    return f'<p class="provenance">{esc(text + "Filters: " + chosen + ".")}</p>'


def variation_words(page: KpiPage) -> str:
    """The Making Data Count variation icon in words."""
    icon = page.spc_summary.variation_icon if page.spc_summary else None
    return VARIATION_LABELS[icon] if icon is not None else NO_VARIATION


def assurance_words(page: KpiPage) -> str:
    """The Making Data Count assurance icon in words."""
    icon = page.spc_summary.assurance_icon if page.spc_summary else None
    return ASSURANCE_LABELS[icon] if icon is not None else NO_ASSURANCE


def milestone_words(milestones: pd.DataFrame) -> str:
    """The milestones drawn on a chart in words, for its caption (a long label is cut short on the chart)."""
    if milestones.empty:
        return ""
    marks = "; ".join(f"{m.label} ({pd.Timestamp(m.date):%b %Y})" for m in milestones.itertuples())
    return f"Milestones marked: {marks}."


def cover(pack: BoardPack) -> str:
    """Title, area, headline, data date, filters, the synthetic label and the contents."""
    filters = "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in pack.filters.items())
    when = f"{pack.data_date:%d %B %Y}" if pack.data_date else "not known"
    label = f'<p class="label" role="note">{esc(pack.label)}</p>' if pack.synthetic else ""
    contents = [
        "Integrated summary",
        *(f"{p.kpi['kpi']}: off track" for p in pack.kpi_pages),
        "Variation across areas",
        "Finance against plan",
        "Milestones due and slipped",
        "Top risks",
    ]
    return (
        f'<section class="cover"><h1>{esc(TITLE)}</h1><p><strong>{esc(pack.area_name)}</strong></p>'
        f'<p class="headline">{esc(pack.headline)}</p>{label}'
        f"<dl><dt>Data date</dt><dd>Data to {esc(when)}</dd>{filters}"
        f"<dt>Made</dt><dd>{pack.made_at:%d %B %Y %H:%M}</dd><dt>Source</dt><dd>{esc(pack.source)}</dd></dl>"
        '<h2 class="minor">Contents</h2><ol>' + "".join(f"<li>{esc(c)}</li>" for c in contents) + "</ol>"
        "<p>Status compares the latest value with the planned trajectory for the same period: on track when it meets "
        "the plan, at risk when behind by up to the tolerance, off track beyond that. Variation and assurance are "
        "NHS England's Making Data Count icons, written in words. Counts of people from 1 to the small-number "
        "threshold, and what derives from them, are suppressed.</p></section>"
    )


def summary_section(pack: BoardPack) -> str:
    """The integrated summary (``data.summary``): one row per KPI, grouped by workstream, what needs attention
    first; status, variation and assurance icons in words. On a landscape page, so every column fits."""
    rows = summary_table(pack.summary).drop(columns=["Workstream", "Data to", "Source"])
    for column in ("Latest", "Plan", "Target"):
        rows[column] = rows[column].map(number)
    parts = [
        f'<section class="wide"><h2>Integrated summary: {esc(pack.area_name)}</h2>',
        provenance_line(pack.source, pack),
        f"<p><strong>{esc(pack.headline)}</strong> Variation and assurance: Making Data Count XmR on the area's "
        "values after small-number suppression, rebased at go-lives followed by a sustained shift.</p>",
    ]
    for workstream, group in rows.groupby(pack.summary["workstream"].to_numpy(), sort=False):
        parts.append(f'<div class="group"><h3>{esc(workstream)}</h3>')
        parts.append(table(group, numeric=("Latest", "Plan", "Target"), widths=SUMMARY_WIDTHS) + "</div>")
    parts.append("</section>")
    return "".join(parts)


def kpi_section(pack: BoardPack, page: KpiPage) -> str:
    """A page for one off-track KPI: facts, its trajectory and SPC chart, icons in words."""
    kpi = page.kpi
    name = f"{kpi['kpi']} ({kpi['kpi_code']})"
    frame = page.trajectory
    latest = frame.dropna(subset=["value"]).iloc[-1] if frame["value"].notna().any() else None
    facts = (
        f"Latest {number(latest['value'])} {esc(kpi['unit'])} in {pd.Timestamp(latest['period_start']):%b %Y} "
        f"against a plan of {number(latest['plan'])}; target {number(page.target)}"
        + (f" by {pd.Timestamp(kpi['target_date']):%b %Y}" if kpi.get("target_date") is not None else "")
        + "."
        if latest is not None
        else "No reported value."
    )
    marks = page.milestones  # crowded labels share dated lines (components.charts.milestone_label_layout)
    trajectory_alt = (
        f"Line chart of {kpi['kpi']} for {pack.area_name} by period: actual values with 95% confidence intervals, "
        f"the planned trajectory (dashed) and the target; {len(page.milestones)} milestone(s) of the initiative marked."
    )
    body = [
        f"<section><h2>{esc(name)}: {esc(page.status.lower())}</h2>",
        provenance_line(str(kpi.get("source") or pack.source) if not pack.synthetic else pack.source, pack,
                        frame["period_end"].max() if "period_end" in frame else None),
        f'<p class="facts">{esc(kpi.get("definition") or "")} Unit: {esc(kpi["unit"])}.</p>',
        f'<p class="facts"><strong>{facts}</strong></p>',
        f'<p class="narrative">{esc(page.narrative)}</p>' if page.narrative else "",
        f'<p class="facts">Variation: {esc(variation_words(page))}. Assurance: {esc(assurance_words(page))}.</p>',
        "<h3>Actual, plan and target</h3>",
        svg_figure(
            trajectory_chart(shown(frame) if "suppression" in frame else frame, unit=str(kpi["unit"]),
                             target=page.target, target_date=kpi.get("target_date"), alt_text=trajectory_alt,
                             milestones=marks).properties(height=CHART_HEIGHT),
            trajectory_alt,
            " ".join(filter(None, [milestone_words(page.milestones), page.suppressed])),
        ),
        "<h3>Statistical process control (Making Data Count)</h3>",
    ]  # fmt: skip
    if page.spc is None:
        body.append(f"<p>{esc(page.note)}</p>")
    else:
        rebased = ", ".join(f"{p:%b %Y}" for p in page.rebase)
        spc_alt = (
            f"XmR chart of {kpi['kpi']} for {pack.area_name}: values with the mean and process limits of each segment "
            f"({len(page.rebase)} rebase point(s)); points coloured and shaped by special-cause variation."
        )
        caption = (f"Limits recalculated at {rebased} (go-lives followed by a sustained shift)." if rebased
                   else "Limits from the whole series.")  # fmt: skip
        spc = spc_chart(page.spc, unit=str(kpi["unit"]), target=page.target, alt_text=spc_alt,
                        milestones=marks)  # fmt: skip
        body.append(svg_figure(spc.properties(height=CHART_HEIGHT), spc_alt, caption))
    body.append("</section>")
    return "".join(body)


def funnel_section(pack: BoardPack, section: FunnelSection) -> str:
    """The variation funnel of the chosen KPI across practices (or PCNs, care homes, trusts)."""
    if section.funnel is None or section.kpi is None:
        head = f"<section><h2>Variation across areas</h2>{provenance_line(pack.source, pack)}"
        return f"{head}<p>{esc(section.note)}</p></section>"
    kpi, funnel = section.kpi, section.funnel
    title = f"Variation: {kpi['kpi']} across {section.units}, {section.period:%b %Y}"
    points = shown(section.points)
    alt_text = (
        f"Funnel plot of {kpi['kpi']} for {len(section.points)} {section.units} in {section.period:%B %Y}: each "
        f"point's value against its denominator, with 95% and 99.8% control limits around the centre line "
        f"{funnel.centre:.1f}. {section.summary}"
    )
    chart = funnel_chart(
        funnel,
        points,
        unit=str(kpi["unit"]),
        x_title=f"Denominator: {kpi.get('denominator_definition') or 'see About'}",
        alt_text=alt_text,
    )
    method = (f"Method: {funnel.method}; dispersion ratio φ = {funnel.result.phi:.2f}"
              f"{' (limits widened)' if funnel.result.adjusted else ' (limits not widened)'}.")  # fmt: skip
    highlight = f" Larger outlined points are in {pack.area_name}." if section.highlight else ""
    suppressed = int((~section.points.index.isin(points.index)).sum())
    note = (
        f"{suppressed} of {len(section.points)} {section.units} suppressed (small numbers), so not drawn."
        if suppressed
        else ""
    )
    return (
        f"<section><h2>{esc(title)}</h2>"
        + provenance_line(pack.source, pack, pd.Timestamp(section.period) + pd.offsets.MonthEnd(0))
        + f"<p><strong>{esc(section.summary)}</strong> {esc(method)}{esc(highlight)}</p>"
        + svg_figure(chart, alt_text, note)
        + "</section>"
    )


def finance_section(pack: BoardPack) -> str:
    """Money against plan: totals for the three measures, net saving by year (table and chart)."""
    finance = pack.finance
    head = "<section><h2>Finance against plan</h2>" + provenance_line(FINANCE_SOURCE, pack, finance.data_date)
    if not finance.totals:
        return head + "<p>No finance lines for this workstream and borough.</p></section>"
    totals = pd.DataFrame(
        [{"Measure": name, "Whole plan": prog.money(finance.totals[m]["plan"]),
          "Plan to date": prog.money(finance.totals[m]["plan_to_date"]),
          "Actual to date": prog.money(finance.totals[m]["actual"]),
          "Variance": prog.money(finance.totals[m]["variance"])} for m, name in prog.MEASURES.items()]
    )  # fmt: skip
    years = finance.by_year
    alt_text = (f"Bar chart of net saving by financial year, plan as outlined bars beside actual as filled bars. "
                f"{finance.headline}")  # fmt: skip
    chart = plan_actual_bars(years, category="year", category_title="Financial year", value_title="Net saving (£)",
                             alt_text=alt_text)  # fmt: skip
    by_year = pd.DataFrame({
        "Financial year": years["year"],
        "Plan": years["plan"].map(prog.money),
        "Actual": years["actual"].map(prog.money),
        "Plan to date": years["plan_to_date"].map(prog.money),
        "Variance": years["variance"].map(prog.money),
    })  # fmt: skip
    return (
        head + f"<p><strong>{esc(finance.headline)}</strong></p>"
        "<p>Plan to date is the plan for the initiative-years with an actual reported, so a year not yet reported is "
        "never counted as a shortfall; variance = actual - plan to date.</p>"
        + table(totals, numeric=("Whole plan", "Plan to date", "Actual to date", "Variance"))
        + svg_figure(chart, alt_text)
        + table(by_year, caption="Net saving by financial year", numeric=("Plan", "Actual", "Plan to date", "Variance"))
        + "</section>"
    )


MILESTONE_COLUMNS = {"code": "Code", "name": "Milestone", "initiative": "Initiative", "scope": "Borough",
                     "owner": "Owner", "planned_date": "Planned"}  # fmt: skip


def _dates(frame: pd.DataFrame, columns: Iterable[str]) -> pd.DataFrame:
    out = frame.copy()
    for c in columns:
        out[c] = pd.to_datetime(out[c]).dt.strftime("%d %b %Y").fillna("not yet")
    return out


def delivery_section(pack: BoardPack) -> str:
    """Milestones due in the next three months and those slipped (done late or overdue)."""
    d = pack.delivery
    head = '<section class="wide"><h2>Milestones due and slipped</h2>' + provenance_line(DELIVERY_SOURCE, pack, d.as_at)
    if not d.summary:
        return head + "<p>No milestones for this workstream and borough.</p></section>"
    s = d.summary
    done = s[prog.DONE_ON_TIME] + s[prog.DONE_LATE]
    parts = [
        head,
        f"<p><strong>As at {d.as_at:%d %b %Y}: {done} of {s['total']} milestones done, {s[prog.DONE_LATE]} of them "
        f"late (on average {s['mean_late_days']} days), {s[prog.OVERDUE]} overdue.</strong></p>",
    ]
    first, last = d.window
    parts.append(f"<h3>Due {first:%d %b %Y} to {last:%d %b %Y}</h3>")
    if d.due.empty:
        parts.append("<p>Nothing is planned to complete in the next three months.</p>")
    else:
        due = _dates(d.due, ["planned_date"])[list(MILESTONE_COLUMNS)].rename(columns=MILESTONE_COLUMNS)
        parts.append(table(due))
    parts.append("<h3>Slipped (done late or overdue)</h3>")
    if d.slipped.empty:
        parts.append("<p>No milestone has slipped.</p>")
    else:
        columns = {**MILESTONE_COLUMNS, "actual_date": "Actual", "status": "Status", "slip_days": "Slip (days)"}
        slipped = _dates(d.slipped, ["planned_date", "actual_date"])[list(columns)].rename(columns=columns)
        parts.append(table(slipped, numeric=("Slip (days)",)))
    parts.append("</section>")
    return "".join(parts)


def risk_section(pack: BoardPack) -> str:
    """The three highest-scoring risks per workstream, before and after mitigation, with their trend."""
    head = '<section class="wide"><h2>Top risks</h2>' + provenance_line(RISK_SOURCE, pack)
    if pack.risks.empty:
        return head + "<p>No risks for this workstream and borough.</p></section>"
    columns = {"workstream": "Workstream", "code": "Risk", "title": "Title", "threatens": "Threatens",
               "score": "Score before", "band": "Band before", "residual_score": "Score after",
               "residual_band": "Band after", "trend_label": "Trend", "owner": "Owner"}  # fmt: skip
    return (
        head + "<p>Score = likelihood × impact, each 1-5, before and after mitigation; bands follow the NHS 5×5 "
        "matrix: low 1-3, moderate 4-6, high 8-12, extreme 15-25.</p>"
        + table(pack.risks[list(columns)].rename(columns=columns), numeric=("Score before", "Score after"))
        + "</section>"
    )


def pack_html(pack: BoardPack) -> str:
    """The whole pack as one HTML document (print CSS included)."""
    title = f"{TITLE}: {pack.area_name}"
    sections = [
        cover(pack),
        summary_section(pack),
        *(kpi_section(pack, page) for page in pack.kpi_pages),
        funnel_section(pack, pack.funnel),
        finance_section(pack),
        delivery_section(pack),
        risk_section(pack),
    ]
    return (
        f'<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8"><title>{esc(title)}</title>'
        f'<meta name="description" content="{esc(pack.headline)}"><style>{CSS}</style></head><body>'
        f'<div class="running-title" aria-hidden="true">{esc(title)}</div>'
        f'<div class="running-provenance" aria-hidden="true">{esc(pack.provenance())}</div>'
        + "".join(sections)
        + "</body></html>"
    )


def pack_pdf(pack: BoardPack) -> bytes:
    """The board pack as a tagged PDF (PDF/UA-1: structure tags, language, title; charts as vector SVG)."""
    from weasyprint import HTML  # imported when a pack is built: 0.6 s of every new server's first page view

    return HTML(string=pack_html(pack)).write_pdf(pdf_variant="pdf/ua-1")


def pack_filters_of(filters: Filters) -> PackFilters:
    """The pack of the Overview's view: its area (borough, PCN, neighbourhood) and workstream, as at the sidebar's
    period, with the variation funnel of the sidebar's KPI (the Overview itself ignores those two, the pack does
    not: a board pack is as at a month and shows one KPI's funnel)."""
    return PackFilters(borough=filters.borough, pcn=filters.pcn, workstream=filters.workstream, kpi=filters.kpi,
                       period=filters.period, neighbourhood=filters.neighbourhood)  # fmt: skip


def pack_caption(filters: PackFilters, catalogue: pd.DataFrame) -> str:
    """What the Overview says under the button: the period and KPI the pack takes from the sidebar."""
    from components.page import chosen_period  # reads the cache: only on the page, never for the CLI

    names = dict(zip(catalogue["kpi_code"], catalogue["kpi"], strict=True))
    parts = []
    if filters.period is not None:
        label, end = chosen_period(filters.kpi, filters.period) if filters.kpi else (f"{filters.period:%b %Y}", None)
        ending = f", data ending by {end:%d %b %Y}" if end is not None else ""
        parts.append(f"as at {label}{ending}")
    if filters.kpi:
        parts.append(f"with the variation funnel of {names.get(filters.kpi, filters.kpi)}")
    if not parts:
        return "The board pack is this view with everything loaded."
    return f"The board pack is this view {' and '.join(parts)}: the sidebar's period and KPI, which it uses."


def board_pack_button(contents: Callable[[], BoardPack], area_name: str, period: date | None = None) -> None:
    """The Overview's download button: the pack of the current view, gathered (``contents``) and drawn only when
    clicked, without a rerun. ``contents`` is e.g. ``lambda: cache.board_pack(...)`` of the page's view."""
    slug = "".join(ch.lower() if ch.isalnum() else "-" for ch in area_name).strip("-")
    when = f"_{period:%Y-%m}" if period is not None else ""
    st.download_button(
        "Board pack (PDF)", lambda: pack_pdf(contents()), file_name=f"board-pack_{slug}{when}.pdf",
        mime="application/pdf", key="board_pack", on_click="ignore", icon=":material/picture_as_pdf:",
        type="primary",
        help="A PDF of this view for the board, as at the sidebar's period: headline, integrated summary, a page "
        "per off-track KPI with its trajectory, SPC chart and narrative, the variation funnel of the sidebar's "
        "KPI, finance, milestones and top risks. Takes up to a minute to build.",
    )  # fmt: skip
