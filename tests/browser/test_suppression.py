"""Issue 13 item 1: with a filter that produces small counts, no suppressed cell reaches the browser.

Camden Town PCN (U90010) and care-home emergency admissions (CH_EMADM, a rate: numerator counts people) give many
monthly numerators from 1 to 7 in the demo. For each page the test records every WebSocket frame the server sends,
decodes it with Streamlit's own protobuf classes and pyarrow (chart data, dataframes, chart specs, pydeck decks,
metrics), downloads every CSV and SVG, and checks each row that belongs to a cell with a small count: its value,
interval, numerator and position must be empty. The truth comes from the database the app runs on, by the rule the
dashboard promises (numerator from 1 to 7; for proportions the denominator too), not from the app's code.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from datetime import date, datetime

import pandas as pd
import pytest
from sqlalchemy import create_engine, text

from tests.browser.helpers import EXCEPTION, decode_frames, download_all, open_page, record_frames, wait_until_idle

pytestmark = pytest.mark.browser

PCN, BOROUGH, KPI = "U90010", "E09000007", "CH_EMADM"  # Camden Town PCN, Camden, care-home emergency admissions
PERIOD = date(2024, 3, 1)
QUERY = f"borough={BOROUGH}&pcn={PCN}&kpi={KPI}&period={PERIOD:%Y-%m-%d}"
SMALL = (1, 7)
AREA_COLUMNS = ("area_code", "code", "Code", "CQC location ID")
PERIOD_COLUMNS = ("period_start", "Period", "x")
# numbers a suppressed row may still carry: its plan and target, the process's mean and limits (not the cell's
# own number), a rate's denominator (bed-years are not people) and a home's beds (capacity, not people)
ALLOWED = {"plan", "Plan", "target", "mean", "lpl", "upl", "Mean", "Lower process limit", "Upper process limit",
           "denominator", "Denominator", "Bed-years", "periods", "Beds", "beds"}  # fmt: skip


def _small(values: pd.Series) -> pd.Series:
    return pd.to_numeric(values, errors="coerce").between(*SMALL)


@pytest.fixture(scope="module")
def truth(demo_database: str) -> dict[str, pd.DataFrame]:
    """The cells behind the pages: monthly observations of the KPI, each home's 12 months, Camden Town's KPIs."""
    engine = create_engine(demo_database)
    with engine.connect() as connection:
        monthly = pd.read_sql(
            text(
                "select o.level, o.area_code, o.period_start, o.numerator, o.denominator, o.value"
                " from kpi_observation o"
                " join kpi k on k.id = o.kpi_id where k.code = :kpi"
            ),
            connection,
            params={"kpi": KPI},
        )
        window = pd.read_sql(
            text(
                "select o.area_code, sum(o.numerator) as numerator from kpi_observation o join kpi k on k.id = o.kpi_id"
                " where k.code = :kpi and o.level = 'care_home' and o.period_start between :first and :last"
                " group by o.area_code"
            ),
            connection,
            params={"kpi": KPI, "first": date(PERIOD.year - 1, PERIOD.month + 1, 1), "last": PERIOD},
        )
        pcn_kpis = pd.read_sql(
            text(
                "select k.code, k.value_type, k.counts_people, o.period_start, o.numerator, o.denominator, o.value"
                " from kpi_observation o join kpi k on k.id = o.kpi_id where o.level = 'pcn' and o.area_code = :pcn"
            ),
            connection,
            params={"pcn": PCN},
        )
    engine.dispose()
    monthly["period_start"] = pd.to_datetime(monthly["period_start"]).dt.date
    pcn_kpis["suppressed"] = pcn_kpis["counts_people"].astype(bool) & (
        _small(pcn_kpis["numerator"]) | ((pcn_kpis["value_type"] == "proportion") & _small(pcn_kpis["denominator"]))
    )
    return {"monthly": monthly[_small(monthly["numerator"])], "window": window[_small(window["numerator"])],
            "pcn_kpis": pcn_kpis}  # fmt: skip


def _periods(column: pd.Series) -> pd.Series | None:
    """The column as month-start dates, or None when it does not hold periods."""
    if not (pd.api.types.is_datetime64_any_dtype(column) or column.dtype == object):
        return None
    parsed = pd.to_datetime(column, errors="coerce", utc=False, format="mixed")
    if parsed.notna().sum() == 0:
        return None
    return parsed.dt.to_period("M").dt.to_timestamp().dt.date


def _leaks(
    tables: Iterable[pd.DataFrame], secret: set[tuple[str | None, date | None]], area: str | None,
    period: date | None, where: str,
) -> list[str]:  # fmt: skip
    """Rows of ``tables`` keyed (area, period) to a secret cell that still carry a number (or a position label)."""
    found = []
    for table in tables:
        area_column = next((c for c in AREA_COLUMNS if c in table), None)
        period_column = next((c for c in PERIOD_COLUMNS if c in table and _periods(table[c]) is not None), None)
        if area_column is None and period_column is None:
            continue
        default = pd.Series([(area, period)] * len(table), index=table.index)  # not Series(None): that is NaN
        areas = table[area_column].astype(str) if area_column else default.str[0]
        periods = _periods(table[period_column]) if period_column else default.str[1]
        hit = pd.Series([(a, p) in secret for a, p in zip(areas, periods, strict=True)], index=table.index)
        numeric = [
            c for c in table.columns
            if c not in ALLOWED and c != period_column and pd.api.types.is_numeric_dtype(table[c])
            and not pd.api.types.is_bool_dtype(table[c])
        ]  # fmt: skip
        for index in table.index[hit]:
            carried = {c: table.at[index, c] for c in numeric if pd.notna(table.at[index, c])}
            if "x_label" in table and isinstance(table.at[index, "x_label"], str):
                carried["x_label"] = table.at[index, "x_label"]
            if carried:
                found.append(f"{where}: {areas[index]} {periods[index]}: {carried}")
    return found


def _deck_leaks(documents: Iterable[dict], secret: set, period: date) -> list[str]:
    """Map areas with a small count whose tooltip shows anything but "suppressed"."""
    found = []
    for document in documents:
        for layer in document.get("layers", []) if isinstance(document, dict) else []:
            for record in layer.get("data", []) if isinstance(layer.get("data"), list) else []:
                if isinstance(record, dict) and (record.get("code"), period) in secret:
                    tip = str(record.get("tooltip", ""))
                    if "suppressed" not in tip or re.search(r"\d+\.\d", tip.split("\n", 2)[-1]):
                        found.append(f"map tooltip of {record['code']}: {tip!r}")
    return found


def _download_tables(files: list[tuple[str, str, bytes]]) -> tuple[list[pd.DataFrame], list[str]]:
    tables, svgs = [], []
    for label, _, content in files:
        if label == "CSV":
            tables.append(pd.read_csv(io.StringIO(content.decode("utf-8-sig")), comment="#"))
        elif label == "SVG":
            svgs.append(content.decode("utf-8"))
    return tables, svgs


def _svg_leaks(svgs: list[str], secret: set, area: str | None, period: date | None, where: str) -> list[str]:
    """Marks of an exported SVG (their aria labels repeat the tooltip: "Period: Mar 2024; Actual: 2.9; ...") that
    draw a secret cell's value."""
    found = []
    for svg in svgs:
        for label in re.findall(r'aria-label="([^"]*)"', svg):
            month = re.match(r"Period: (\w{3} \d{4});", label)
            code = re.search(r"Code: ([^;]+)", label)
            key = (
                code.group(1).strip() if code else area,
                datetime.strptime(month.group(1), "%b %Y").date() if month else period,
            )
            if key in secret and re.search(r"(Actual|Value|95% CI lower|95% CI upper): -?\d", label):
                found.append(f"{where}: SVG mark {label!r}")
    return found


def _visit(page, app_url: str, frames: list[bytes], path: str) -> None:
    frames.clear()
    open_page(page, app_url, path, QUERY)
    assert page.locator(EXCEPTION).count() == 0


def test_no_small_count_reaches_the_browser(page, app_url, truth):
    frames = record_frames(page)
    monthly = truth["monthly"]
    cells = {(a, p) for a, p in zip(monthly["area_code"], monthly["period_start"], strict=True)}
    pcns = monthly[monthly["level"] == "pcn"]
    pcn_cells = {(a, p) for a, p in zip(pcns["area_code"], pcns["period_start"], strict=True)}
    at_period = {(a, p) for a, p in cells if p == PERIOD}  # PCNs and care homes (the Variation page shows both)
    assert len({c for c in pcn_cells if c[0] == PCN}) > 24  # the filter does produce small counts (years of them)
    leaks: list[str] = []

    # Trajectories: main chart, SPC, small multiples of Camden's PCNs, their tables and downloads
    _visit(page, app_url, frames, "/trajectories")
    files = download_all(page, ("CSV", "SVG"))
    sent = decode_frames(frames)
    csvs, svgs = _download_tables(files)
    assert sent.tables and csvs and svgs
    leaks += _leaks(sent.tables, pcn_cells, PCN, None, "trajectories frames")
    leaks += _leaks(csvs, pcn_cells, PCN, None, "trajectories CSV")
    leaks += _svg_leaks(svgs, pcn_cells, PCN, None, "trajectories")

    # Variation: the PCN funnel, then the care-home funnel, outliers and the borough comparison
    _visit(page, app_url, frames, "/variation")
    files = download_all(page, ("CSV", "SVG"))
    page.locator('[data-testid="stRadio"] label').filter(has_text="care homes").first.click()
    wait_until_idle(page)
    assert page.locator(EXCEPTION).count() == 0
    files += download_all(page, ("CSV", "SVG"))
    sent = decode_frames(frames)
    csvs, svgs = _download_tables(files)
    leaks += _leaks(sent.tables, at_period, None, PERIOD, "variation frames")
    leaks += _svg_leaks(svgs, at_period, None, PERIOD, "variation")
    leaks += _leaks(csvs, at_period, None, PERIOD, "variation CSV")

    # Care homes: each home's 12 months in the funnel and its table
    window = {(a, None) for a in truth["window"]["area_code"]}
    assert window  # some homes have 1 to 7 admissions in the 12 months
    _visit(page, app_url, frames, "/care_homes")
    files = download_all(page, ("CSV", "SVG"))
    sent = decode_frames(frames)
    csvs, svgs = _download_tables(files)
    leaks += _leaks(sent.tables, window, None, None, "care homes frames")
    leaks += _svg_leaks(svgs, window, None, None, "care homes")
    leaks += _leaks(csvs, window, None, None, "care homes CSV")

    # Map: PCN colours and tooltips (deck JSON) and the table of mapped values
    _visit(page, app_url, frames, "/map")
    files = download_all(page, ("CSV",))
    sent = decode_frames(frames)
    csvs, _ = _download_tables(files)
    assert any("layers" in d for d in sent.documents if isinstance(d, dict))
    pcns_at_period = {c for c in pcn_cells if c[1] == PERIOD}
    leaks += _deck_leaks(sent.documents, pcns_at_period, PERIOD)
    leaks += _leaks(sent.tables, pcns_at_period, None, PERIOD, "map frames")
    leaks += _leaks(csvs, pcns_at_period, None, PERIOD, "map CSV")

    # Overview: Camden Town's KPI cards: every number on a card is one that may be shown
    _visit(page, app_url, frames, "/")
    sent = decode_frames(frames)
    kpis = truth["pcn_kpis"]
    allowed = kpis.loc[~kpis["suppressed"], "value"].dropna()
    sparks, bodies = set(allowed.round(2)), {f"{v:,.1f}" for v in allowed}
    assert sent.metrics
    for label, body, spark in sent.metrics:
        leaks += [f"overview card {label!r}: sparkline {v}" for v in spark if round(v, 2) not in sparks]
        if body and re.match(r"^-?[\d,]+\.\d", body) and body.rstrip("%") not in bodies:
            leaks.append(f"overview card {label!r}: {body}")
    if leaks:
        tally = pd.Series([leak.split(":")[0] for leak in leaks]).value_counts().to_dict()
        pytest.fail("\n".join(leaks[:30]) + f"\n({len(leaks)} leaks: {tally})", pytrace=False)
