"""Issue 15 item 4: the board pack PDF, built by ``python -m data.manage board-pack`` for NCL and for a borough.

The PDF's own text is read back (pypdf): the headline, every KPI of the integrated summary, the synthetic-data
label, the data date and the area on every page (the provenance footer), one page per off-track KPI holding both
its charts, the page count, PDF/UA tags and charts drawn as vectors (no raster image anywhere).
"""

from __future__ import annotations

import io
import re
import tempfile
from collections.abc import Iterator
from contextlib import redirect_stdout
from datetime import date
from itertools import pairwise
from pathlib import Path

import pandas as pd
import pypdf
import pytest
from sqlmodel import Session

from components.board_pack import funnel_section
from data import manage
from data.board_pack import BoardPack, PackFilters, gather
from data.db import make_engine
from data.demo.spec import KPIS, SYNTHETIC_LABEL
from data.suppression import is_suppressed
from settings import get_settings

pytestmark = pytest.mark.app

ENFIELD = "E09000010"


def _flat(text: str) -> str:
    """Text with every run of whitespace as one space, and none after a hyphen (the PDF wraps long lines between
    words and after hyphens)."""
    return re.sub(r"-\s+", "-", re.sub(r"\s+", " ", text))


class Pack:
    """A written pack: its bytes, its pages' text and what the CLI printed."""

    def __init__(self, path: Path, printed: str) -> None:
        self.bytes = path.read_bytes()
        self.reader = pypdf.PdfReader(io.BytesIO(self.bytes))
        self.pages = [_flat(p.extract_text()) for p in self.reader.pages]
        self.text = " ".join(self.pages)
        self.printed = printed


@pytest.fixture(scope="module")
def packs(demo_database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Pack]]:
    """The NCL and Enfield packs, written by the CLI on the demo database, and what was gathered for them."""
    out = tmp_path_factory.mktemp("packs")
    built = {}
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DATABASE_URL", demo_database)
        get_settings.cache_clear()
        for name, args in {"ncl": [], "enfield": ["--borough", ENFIELD]}.items():
            path = out / f"{name}.pdf"
            printed = io.StringIO()
            with redirect_stdout(printed):
                assert manage.main(["board-pack", *args, "--out", str(path)]) == 0
            built[name] = Pack(path, printed.getvalue())
    get_settings.cache_clear()
    yield built


@pytest.fixture(scope="module")
def gathered(demo_database: str) -> dict[str, BoardPack]:
    """What the packs were drawn from (``data.board_pack.gather``), to compare the PDF's text with."""
    with Session(make_engine(demo_database)) as session:
        return {
            "ncl": gather(session, PackFilters()),
            "enfield": gather(session, PackFilters(borough=ENFIELD)),
        }


@pytest.mark.parametrize(("name", "area"), [("ncl", "North Central London"), ("enfield", "Enfield")])
def test_cover_has_headline_data_date_filters_and_label(packs, gathered, name, area):
    pack, data = packs[name], gathered[name]
    cover = pack.pages[0]
    assert re.search(rf"\d+ of 15 KPIs off track in {area} \(\d+ at risk, \d+ on track\)\.", cover)
    assert data.headline in cover
    assert data.headline in pack.printed  # the CLI says what it wrote
    assert "Data to 31 March 2024" in cover
    assert SYNTHETIC_LABEL in cover
    assert f"Area {area}" in cover
    assert pack.reader.metadata.title == f"Benefits realisation board pack: {area}"


@pytest.mark.parametrize("name", ["ncl", "enfield"])
def test_every_page_carries_provenance_and_its_number(packs, name):
    pack = packs[name]
    area = "Enfield (E09000010)" if name == "enfield" else "North Central London (QMJ)"
    total = len(pack.pages)
    for number, text in enumerate(pack.pages, start=1):
        assert f"Page {number} of {total}" in text
        assert "Data to 31 Mar 2024" in text, f"page {number}"
        assert f"Filters: Area: {area}" in text, f"page {number}"
        assert SYNTHETIC_LABEL in text, f"page {number}"
        assert "Source: " in text, f"page {number}"


@pytest.mark.parametrize("name", ["ncl", "enfield"])
def test_summary_lists_every_kpi_with_icons_in_words(packs, gathered, name):
    pack, data = packs[name], gathered[name]
    assert sorted(data.summary["kpi_code"]) == sorted(k.code for k in KPIS)  # every register KPI, none left out
    # the summary runs from page 2 to the first off-track KPI's page
    first_kpi = next(i for i, p in enumerate(pack.pages) if "): off track" in p and "Actual, plan and target" in p)
    summary = " ".join(pack.pages[1:first_kpi])
    assert "Integrated summary" in summary
    for kpi in KPIS:
        assert kpi.code in summary, kpi.code
        assert _flat(kpi.name) in summary, kpi.name
    for label in data.summary["variation_label"].tolist() + data.summary["assurance_label"].tolist():
        assert _flat(label) in summary
    for status in data.summary["status"]:
        assert status in summary


@pytest.mark.parametrize("name", ["ncl", "enfield"])
def test_one_page_per_off_track_kpi_with_both_charts_and_narrative(packs, gathered, name):
    pack, data = packs[name], gathered[name]
    off = data.register.loc[data.register["status"] == "Off track", "kpi_code"].tolist()
    assert off, "the demo has off-track KPIs in every area shown here"
    assert [p.kpi["kpi_code"] for p in data.kpi_pages] == off
    for page in data.kpi_pages:
        code = page.kpi["kpi_code"]
        [text] = [t for t in pack.pages if f"({code}): off track" in t]
        assert "Actual, plan and target" in text and "Statistical process control" in text, code
        assert page.narrative and _flat(page.narrative)[:60] in text, code
    # the cover, at least one summary page, one per off-track KPI, then funnel, finance, milestones and risks
    assert len(pack.pages) >= 1 + 1 + len(off) + 4
    assert "Integrated summary" in pack.pages[1]
    for heading in ("Variation: ", "Finance against plan", "Milestones due and slipped", "Top risks"):
        assert heading in pack.text


def test_borough_pack_is_about_the_borough(packs, gathered):
    enfield, ncl = gathered["enfield"], gathered["ncl"]
    assert enfield.area_name == "Enfield" and enfield.headline != ncl.headline
    assert "Integrated summary: Enfield" in packs["enfield"].text
    assert "Larger outlined points are in Enfield." in packs["enfield"].text  # the funnel highlights it
    # finance, milestones and risks of the borough: its own and the system-wide ones only
    for frame in (enfield.delivery.slipped, enfield.risks):
        assert set(frame["scope"]) <= {"Enfield", "System-wide"}
    assert len(enfield.delivery.slipped) < len(ncl.delivery.slipped)  # other boroughs' slips are left out


def _structure(node: object, found: list[tuple[str, str | None]]) -> list[tuple[str, str | None]]:
    """Every structure element under ``node`` as (tag, alt text or None), depth first."""
    node = node.get_object()
    if isinstance(node, pypdf.generic.ArrayObject):
        for kid in node:
            _structure(kid, found)
    elif isinstance(node, pypdf.generic.DictionaryObject):
        if "/S" in node:
            found.append((str(node["/S"]), str(node["/Alt"]) if "/Alt" in node else None))
        if "/K" in node:
            _structure(node["/K"], found)
    return found


@pytest.mark.parametrize("name", ["ncl", "enfield"])
def test_pdf_is_tagged_and_charts_are_vectors(packs, gathered, name):
    pack, data = packs[name], gathered[name]
    root = pack.reader.trailer["/Root"]
    assert "/StructTreeRoot" in root  # PDF/UA: a structure tree for screen readers
    assert bool(root["/MarkInfo"]["/Marked"])
    assert str(root["/Lang"]) == "en-GB"
    tags = _structure(root["/StructTreeRoot"], [])
    names = {tag for tag, _ in tags}
    assert {"/H1", "/H2", "/Table", "/TH", "/TD", "/Figure"} <= names
    figures = [alt for tag, alt in tags if tag == "/Figure"]
    # two charts per off-track KPI, the funnel and the finance bars: each a figure with its alt text
    assert len(figures) == 2 * len(data.kpi_pages) + 2
    assert all(alt and len(alt) > 40 for alt in figures)
    assert all(len(page.images) == 0 for page in pack.reader.pages)  # every chart is drawn, none is a picture
    # the charts' own words are text in the PDF (axis titles, legends), not pixels
    assert "Special Cause" in pack.text and "Financial year" in pack.text


@pytest.mark.parametrize("name", ["ncl", "enfield"])
def test_pdf_meets_what_a_screen_reader_needs(packs, gathered, name):
    """What PDF/UA asks of a document that pypdf can check (veraPDF, the full PDF/UA-1 validator, is not
    installable here): a structure tree marked as tagged, the language, a title shown instead of the file name, the
    PDF/UA identifier, one H1 and headings that never skip a level, every section headed by an H2, and each figure
    with the chart's alt text."""
    pack, data = packs[name], gathered[name]
    root = pack.reader.trailer["/Root"]
    assert root["/StructTreeRoot"]["/Type"] == "/StructTreeRoot"
    assert bool(root["/MarkInfo"]["/Marked"])
    assert str(root["/Lang"]) == "en-GB"
    assert bool(root["/ViewerPreferences"]["/DisplayDocTitle"])  # viewers show the title, not "board-pack.pdf"
    title = f"Benefits realisation board pack: {data.area_name}"
    assert pack.reader.metadata.title == title
    xmp = root["/Metadata"].get_object().get_data().decode("utf-8")
    assert 'pdfuaid:part="1"' in xmp and f">{title}<" in xmp
    tags = [tag for tag, _ in _structure(root["/StructTreeRoot"], [])]
    headings = [int(tag[2]) for tag in tags if re.fullmatch(r"/H[1-6]", tag)]
    assert headings.count(1) == 1 and headings[0] == 1
    assert all(b <= a + 1 for a, b in pairwise(headings)), headings  # no level skipped
    # an H2 for the contents and for each section: summary, each off-track KPI, funnel, finance, delivery, risks
    assert headings.count(2) == 1 + 1 + len(data.kpi_pages) + 4
    alts = [alt for tag, alt in _structure(root["/StructTreeRoot"], []) if tag == "/Figure"]
    expected = [f"Line chart of {p.kpi['kpi']} for {data.area_name}" for p in data.kpi_pages]
    for start in expected:
        assert any(alt.startswith(start) for alt in alts), start
    assert sum(alt.startswith("XmR chart of ") for alt in alts) == sum(p.spc is not None for p in data.kpi_pages)
    assert any(alt.startswith("Funnel plot of ") for alt in alts)
    assert any(alt.startswith("Bar chart of net saving") for alt in alts)
    assert tags.count("/Table") == tags.count("/THead")  # every table has its header row tagged as such


def test_small_numbers_are_suppressed_before_the_pack_sees_them(demo_database):
    # the care-home admissions funnel across PCNs has small counts in the demo: blanked (value and position), not
    # drawn, and the figure says how many
    with Session(make_engine(demo_database)) as session:
        data = gather(session, PackFilters(kpi="CH_EMADM"))
    points = data.funnel.points
    small = is_suppressed(points)
    assert data.funnel.units == "PCNs" and small.any()
    assert points.loc[small, ["value", "x"]].isna().all().all()
    assert f"{int(small.sum())} of {len(points)} PCNs suppressed (small numbers), so not drawn." in funnel_section(
        data, data.funnel
    )
    # a suppressed PCN's own pack: its small counts are flagged and blanked before the register and charts see them
    pcn = str(points.loc[small, "area_code"].iloc[0])
    with Session(make_engine(demo_database)) as session:
        own = gather(session, PackFilters(pcn=pcn))
    people = own.catalogue.loc[own.catalogue["counts_people"].astype(bool), "kpi_code"]
    series = own.series[own.series["kpi_code"].isin(people)]
    flagged = is_suppressed(series)
    assert flagged.any()
    assert series.loc[flagged, ["value", "numerator"]].isna().all().all()
    left = pd.to_numeric(series.loc[~flagged, "numerator"], errors="coerce")
    assert not left.between(1, 7).any()  # no count of 1 to 7 people is left anywhere in the pack's series
    for page in own.kpi_pages:  # the charts' frames carry the same blanks
        assert page.trajectory.loc[is_suppressed(page.trajectory), "value"].isna().all()


def test_unknown_borough_is_refused_with_the_known_ones(demo_database, monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("DATABASE_URL", demo_database)
    get_settings.cache_clear()
    code = manage.main(["board-pack", "--borough", "E09999999", "--out", str(tmp_path / "x.pdf")])
    get_settings.cache_clear()
    assert code == 1
    error = capsys.readouterr().err
    assert "E09999999" in error and "E09000010 (Enfield)" in error
    assert not (tmp_path / "x.pdf").exists()


def test_period_must_be_a_month(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        manage.main(["board-pack", "--period", "March", "--out", str(tmp_path / "x.pdf")])
    assert exit_info.value.code == 2
    assert "YYYY-MM" in capsys.readouterr().err


def test_a_pack_for_an_earlier_month_sees_only_the_data_ending_by_that_month(demo_database, tmp_path):
    """``--period 2022-03``: the monthly pack as it would have been written at the end of March 2022."""
    with Session(make_engine(demo_database)) as session:
        latest = gather(session, PackFilters(borough=ENFIELD))
        march = gather(session, PackFilters(borough=ENFIELD, period=date(2022, 3, 1)))
    assert march.data_date == date(2022, 3, 31) < latest.data_date
    assert pd.to_datetime(march.series["period_end"]).max() <= pd.Timestamp("2022-03-31")
    assert march.funnel.period == date(2022, 3, 1)
    assert march.filters["Period"].startswith("Mar 2022")
    assert pd.to_datetime(march.summary["latest_period"]).max() <= pd.Timestamp("2022-03-31")
    path = tmp_path / "march.pdf"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DATABASE_URL", demo_database)
        get_settings.cache_clear()
        with redirect_stdout(io.StringIO()):
            assert manage.main(["board-pack", "--borough", ENFIELD, "--period", "2022-03", "--out", str(path)]) == 0
    get_settings.cache_clear()
    text = Pack(path, "").text
    assert "Mar 2022" in text and "31 March 2022" in text


@pytest.fixture
def deferred(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, object]]:
    """The deferred downloads the app registered, in order, as (file name, callable): a download button's callable
    is what the browser's click runs, so a test can run it too (``MediaFileManager.add_deferred`` recorded, then
    passed on)."""
    from streamlit.runtime.media_file_manager import MediaFileManager

    made: list[tuple[str, object]] = []
    original = MediaFileManager.add_deferred

    def record(self, data_callable, mimetype, coordinates, file_name=None, **kwargs):
        made.append((str(file_name), data_callable))
        return original(self, data_callable, mimetype, coordinates, file_name, **kwargs)

    monkeypatch.setattr(MediaFileManager, "add_deferred", record)
    return made


def _clicked_pack(app, deferred: list[tuple[str, object]]) -> tuple[str, Pack]:
    """The Overview's board pack as its button would download it after the last run: (file name, the pack read
    back)."""
    assert not app.exception
    name, build = [(n, b) for n, b in deferred if n.startswith("board-pack_")][-1]
    path = Path(tempfile.mkdtemp()) / name
    path.write_bytes(build())
    return name, Pack(path, "")


def test_overview_button_builds_the_pack_as_at_the_sidebar_period(app, deferred, demo_database):
    """The button's pack is the view as at the sidebar's period: data date, latest values and the funnel's month
    are March 2022's, and the cover says which filters apply (the Overview keeps showing everything loaded)."""
    app.run()
    app.selectbox(key="kpi").set_value("AE_RATE").run()
    app.selectbox(key="period").set_value("2022-03-01").run()
    assert any("as at Mar 2022, data ending by 31 Mar 2022" in c.value for c in app.caption)
    name, pack = _clicked_pack(app, deferred)
    assert name == "board-pack_north-central-london_2022-03.pdf"
    cover = pack.pages[0]
    assert "Data to 31 March 2022" in cover
    assert "Period Mar 2022 (data ending by 31 Mar 2022)" in cover
    assert "Variation KPI A&E attendances per 1,000 patients (AE_RATE)" in cover
    assert "Data to 31 Mar 2022" in pack.pages[-1]  # every page's provenance
    assert "Variation: A&E attendances per 1,000 patients across " in pack.text and ", Mar 2022" in pack.text
    assert "Data to 31 Mar 2024" not in pack.text and "2024" not in cover  # nothing after the pack's month
    # the latest values are March 2022's: those of the pack gathered for that month, not today's
    with Session(make_engine(demo_database)) as session:
        march = gather(session, PackFilters(kpi="AE_RATE", period=date(2022, 3, 1)))
        latest = gather(session, PackFilters(kpi="AE_RATE"))
    assert march.headline in cover and march.headline != latest.headline
    assert pd.to_datetime(march.summary["latest_period"]).max() == pd.Timestamp("2022-03-01")
    assert march.kpi_pages, "the demo has off-track KPIs in March 2022"
    for page in march.kpi_pages:
        row = page.trajectory.dropna(subset=["value"]).iloc[-1]
        assert f"Latest {row['value']:,.1f} " in pack.text
        assert pd.Timestamp(row["period_start"]) <= pd.Timestamp("2022-03-01")


def test_overview_button_builds_the_borough_pack_of_the_view(app, deferred):
    app.run()
    app.selectbox(key="borough").set_value(ENFIELD).run()
    name, pack = _clicked_pack(app, deferred)
    assert name.startswith("board-pack_enfield")
    cover = pack.pages[0]
    assert "Area Enfield (E09000010)" in cover
    assert re.search(r"\d+ of 15 KPIs off track in Enfield \(", cover)
    assert "Integrated summary: Enfield" in pack.text
    # the pack's headline is the one the page shows above the button
    assert app.subheader[0].value in cover
    for number, text in enumerate(pack.pages, start=1):
        assert "Filters: Area: Enfield (E09000010)" in text, f"page {number}"
