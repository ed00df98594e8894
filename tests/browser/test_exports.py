"""Issue 13 item 2: every PNG, SVG and CSV button on every page downloads a file that opens and says what it is.

On a desktop viewport, with one filter set naming a PCN and one without, each page's download buttons are clicked
in turn. Each file must open (PNG: signature and a full decode; SVG: well-formed XML; CSV: parses) and carry its
title, the filters, the data date, the source and the synthetic-data label (PNG: drawn and in its text chunks; SVG:
as text; CSV: as leading ``#`` lines). CSV numbers are rounded as the page shows them and headers are in words.
"""

from __future__ import annotations

import html
import io
import re
import xml.etree.ElementTree as ET

import pandas as pd
import pytest
from PIL import Image

from data.demo.spec import SYNTHETIC_LABEL
from tests.browser.conftest import REPO
from tests.browser.helpers import EXCEPTION, PAGES, download_all, open_page

pytestmark = pytest.mark.browser

FILTER_SETS = {
    "with a PCN": ("borough=E09000007&pcn=U90010&kpi=AE_RATE", "Camden Town PCN (U90010)"),
    "without a PCN": ("borough=E09000010&kpi=AE_RATE", "Enfield (E09000010)"),
}
# pages whose figures are for the chosen area, so their exports must name it
AREA_PAGES = {"overview", "summary", "trajectories", "variation", "map", "care_homes"}
DATA_TO = re.compile(r"Data to: \d{2} [A-Z][a-z]{2} \d{4}")
EXPORTS = REPO / "reports" / "exports"  # every downloaded file is kept here (a CI artefact, for reading by eye)


def _provenance(lines: list[str], where: str, area: str | None) -> None:
    """The provenance lines in reading order: title, filters, data date, source, export time, synthetic label."""
    assert len(lines) >= 6, f"{where}: {lines}"
    title, filters, data_to, source = lines[:4]
    assert title and not title.startswith(("Filters", "Data to")), f"{where}: title {title!r}"
    assert filters.startswith("Filters: "), f"{where}: {filters!r}"
    if area:
        assert f"Area: {area}" in filters, f"{where}: {filters!r} does not name {area}"
    assert DATA_TO.fullmatch(data_to), f"{where}: {data_to!r}"
    assert source.startswith("Source: ") and len(source) > len("Source: "), f"{where}: {source!r}"
    assert SYNTHETIC_LABEL in lines, f"{where}: no synthetic label in {lines}"


def _check_png(content: bytes, where: str, area: str | None) -> None:
    assert content[:8] == b"\x89PNG\r\n\x1a\n", where
    image = Image.open(io.BytesIO(content))
    image.load()  # a full decode: every chunk's CRC and the image data
    assert image.width > 300 and image.height > 200, f"{where}: {image.size}"
    _provenance([image.text["Title"], *image.text["Description"].splitlines()], where, area)


def _check_svg(content: bytes, where: str, area: str | None) -> None:
    root = ET.fromstring(content.decode("utf-8"))
    assert root.tag.endswith("svg"), where
    texts = []  # the drawn lines: a <text>, or each <tspan> of a multi-line one (the subtitle)
    for element in root.iter():
        if element.tag.endswith("}text"):
            spans = [s.text for s in element if s.tag.endswith("}tspan") and s.text]
            texts.extend(spans or ([element.text] if element.text else []))
    start = next(i for i, t in enumerate(texts) if t.startswith("Filters: ")) - 1  # the title is drawn above
    _provenance(texts[start : start + 6], where, area)


def _decimals(cell: str) -> int:
    match = re.fullmatch(r"-?\d+(?:\.(\d+))?", cell)
    return len(match.group(1) or "") if match else 0


def _check_csv(content: bytes, where: str, area: str | None) -> None:
    text = content.decode("utf-8-sig")
    lines = text.splitlines()
    head = [line[2:] for line in lines if line.startswith("# ")]
    _provenance(head, where, area)
    table = pd.read_csv(io.StringIO(text), comment="#", dtype=str, keep_default_na=False)
    assert len(table.columns) >= 2, f"{where}: {list(table.columns)}"
    snake = [c for c in table.columns if "_" in c or re.fullmatch(r"[a-z]+", c)]
    assert not snake, f"{where}: headers not in words: {snake}"
    long = {c: v for c in table.columns for v in table[c] if _decimals(v) > 2}
    assert not long, f"{where}: numbers not rounded as displayed: {long}"


@pytest.mark.parametrize("filter_set", list(FILTER_SETS))
def test_every_download_on_every_page_opens_with_its_provenance(page, app_url, filter_set):
    query, area = FILTER_SETS[filter_set]
    counts: dict[str, dict[str, int]] = {}
    for app_page in PAGES:
        open_page(page, app_url, app_page.path, query)
        assert page.locator(EXCEPTION).count() == 0, app_page.name
        if page.locator('[data-testid="stDownloadButton"]').count() == 0 and app_page.name in ("about", "data"):
            continue  # these pages have nothing to export
        files = download_all(page)
        counts[app_page.name] = {kind: sum(1 for f in files if f[0] == kind) for kind in ("PNG", "SVG", "CSV")}
        folder = EXPORTS / filter_set.replace(" ", "-") / app_page.name
        folder.mkdir(parents=True, exist_ok=True)
        for label, name, content in files:
            (folder / name).write_bytes(content)
            where = f"{app_page.name} ({filter_set}) {name}"
            assert name.endswith(f".{label.lower()}"), where
            check = {"PNG": _check_png, "SVG": _check_svg, "CSV": _check_csv}[label]
            check(content, where, area if app_page.name in AREA_PAGES else None)
    for name in ("overview", "trajectories", "variation", "map", "care_homes", "finance", "delivery", "risks"):
        assert counts.get(name, {}).get("CSV"), f"{name}: no CSV download ({counts})"
        assert counts[name]["PNG"] == counts[name]["SVG"], f"{name}: {counts[name]}"
    assert counts["trajectories"]["PNG"] == 3  # the main chart, SPC and the small multiples


def test_integrated_summary_downloads_carry_provenance_and_every_kpi(page, app_url):
    """Issue 15: the summary's PNG and SVG (the table drawn as an image) and CSV (with each KPI's narrative)."""
    query, area = FILTER_SETS["without a PCN"]
    open_page(page, app_url, "/summary", query)
    assert page.locator(EXCEPTION).count() == 0
    files = download_all(page)
    assert sorted(label for label, _, _ in files) == ["CSV", "PNG", "SVG"]
    folder = EXPORTS / "summary"
    folder.mkdir(parents=True, exist_ok=True)
    for label, name, content in files:
        (folder / name).write_bytes(content)
        {"PNG": _check_png, "SVG": _check_svg, "CSV": _check_csv}[label](content, f"summary {name}", area)
    csv = next(content for label, _, content in files if label == "CSV").decode("utf-8-sig")
    table = pd.read_csv(io.StringIO(csv), comment="#")
    assert len(table) == 15 and table["Narrative"].str.startswith("Enfield's").all()
    assert table["Variation"].notna().all() and table["Assurance"].notna().all()
    svg = next(content for label, _, content in files if label == "SVG").decode("utf-8")
    assert all(html.escape(kpi, quote=False) in svg for kpi in table["KPI"])  # the image shows every KPI's row
