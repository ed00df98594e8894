"""OHID Fingertips CSV exports ("indicators-*.data.csv") as KPI observations, at any area type.

The export has 26 or 27 columns (Indicator ID, Indicator Name, Parent Code, ..., Time period, Value, Lower/Upper CI
95.0 and 99.8 limits, Count, Denominator, Value note, ...). Real files have an embedded newline inside the quoted
indicator name and data rows one field shorter than the header; both are read as published.

Mapping: each indicator feeds the KPI whose code is given by the ``kpi`` option (``93356=CAMPY``), else the KPI
coded ``FT<indicator id>`` (e.g. ``FT93356``), else the KPI coded with the bare ID. Area types map to levels (GP
practices, PCNs, local authorities, ICBs, LSOA/MSOA/ward); England, region and other benchmark rows and
inequality breakdowns (rows with a Category Type) are skipped and counted, as are areas outside the register.
"""

from __future__ import annotations

import re

import pandas as pd
from sqlalchemy import select
from sqlmodel import Session

from data.importers.common import (
    Column,
    Options,
    Parsed,
    Problem,
    Source,
    clean_code,
    match_columns,
    problems_where,
    read_table,
    to_number,
    to_period,
)
from data.importers.kpi import load_kpi_observations, resolve_observations
from models import AreaLevel, Kpi

COLUMNS = [
    Column("indicator_id", ("Indicator ID",)),
    Column("indicator_name", ("Indicator Name",), required=False),
    Column("parent_code", ("Parent Code",), required=False),
    Column("parent_name", ("Parent Name",), required=False),
    Column("area_code", ("Area Code",)),
    Column("area_name", ("Area Name",), required=False),
    Column("area_type", ("Area Type",)),
    Column("sex", ("Sex",), required=False),
    Column("age", ("Age",), required=False),
    Column("category_type", ("Category Type",), required=False),
    Column("category", ("Category",), required=False),
    Column("period", ("Time period",)),
    Column("value", ("Value",)),
    Column("lower_ci", ("Lower CI 95.0 limit",), required=False),
    Column("upper_ci", ("Upper CI 95.0 limit",), required=False),
    Column("lower_ci_998", ("Lower CI 99.8 limit",), required=False),
    Column("upper_ci_998", ("Upper CI 99.8 limit",), required=False),
    Column("count", ("Count",), required=False),
    Column("denominator", ("Denominator",), required=False),
    Column("value_note", ("Value note",), required=False),
    Column("recent_trend", ("Recent Trend",), required=False),
    Column("compared_england", ("Compared to England value or percentiles",), required=False),
    Column("compared_region", ("Compared to Region value or percentiles",), required=False),
    Column("compared_parent", ("Compared to parent value or percentiles",), required=False),
    Column("period_sortable", ("Time period Sortable",), required=False),
    Column("new_data", ("New data",), required=False),
    Column("compared_goal", ("Compared to goal",), required=False),
    Column("period_range", ("Time period range",), required=False),
]
SKIPPED_AREA_TYPES = ("england", "country", "region", "nhs region", "commissioning region", "ccg", "sub icb")


def area_level(area_type: object) -> AreaLevel | None:
    """The dashboard level of a Fingertips area type, or ``None`` for benchmark and unsupported types."""
    t = re.sub(r"[^a-z0-9]+", " ", str(area_type).lower()).strip()
    if any(t.startswith(s) for s in SKIPPED_AREA_TYPES):
        return None
    rules = [("gp", AreaLevel.PRACTICE), ("practice", AreaLevel.PRACTICE), ("pcn", AreaLevel.PCN),
             ("primary care network", AreaLevel.PCN), ("lsoa", AreaLevel.LSOA), ("msoa", AreaLevel.MSOA),
             ("ward", AreaLevel.WARD), ("county", AreaLevel.BOROUGH), ("district", AreaLevel.BOROUGH),
             ("ua", AreaLevel.BOROUGH), ("upper tier", AreaLevel.BOROUGH), ("lower tier", AreaLevel.BOROUGH),
             ("icb", AreaLevel.SYSTEM), ("stp", AreaLevel.SYSTEM), ("ics", AreaLevel.SYSTEM)]
    for prefix, level in rules:
        if re.search(rf"\b{prefix}s?\b", t):
            return level
    return None


def parse_fingertips(data: bytes, file_name: str, options: Options | None = None) -> Parsed:
    """Read a Fingertips export into observation rows (kpi_code holds the indicator ID until validation)."""
    raw = read_table(data, file_name, header_hint=["indicator id", "area code", "time period"])
    frame, problems = match_columns(raw, COLUMNS, file=file_name)
    if any(p.severity == "error" for p in problems):
        return Parsed(frame.iloc[0:0], problems, rows_read=len(raw))
    notes: list[str] = []
    category = frame["category_type"].notna()
    if category.any():
        notes.append(f"skipped {int(category.sum()):,} inequality breakdown rows (Category Type set)")
    frame = frame[~category].copy()
    frame["level"] = frame["area_type"].map(lambda t: area_level(t).value if area_level(t) else None)
    unsupported = frame["level"].isna()
    if unsupported.any():
        kinds = ", ".join(sorted(frame.loc[unsupported, "area_type"].dropna().unique()))
        notes.append(f"skipped {int(unsupported.sum()):,} rows of benchmark or unsupported area types ({kinds})")
    frame = frame[~unsupported].copy()
    frame["indicator_id"] = clean_code(frame["indicator_id"])
    frame["area_code"] = clean_code(frame["area_code"])
    frame, breakdown_problems, breakdown_notes = _one_breakdown(frame, file_name, options or {})
    problems += breakdown_problems
    notes += breakdown_notes
    problems += problems_where(frame["indicator_id"].isna(), frame, file=file_name, column="Indicator ID",
                               message="blank indicator ID; re-export the data from Fingertips")
    start, end, bad = to_period(frame["period"])
    frame["period_start"], frame["period_end"] = start, end
    problems += problems_where(bad, frame, file=file_name, column="Time period", values=frame["period"],
                               message="a time period this dashboard cannot place on a calendar; report it")
    for col, label in [("value", "Value"), ("lower_ci", "Lower CI 95.0 limit"), ("upper_ci", "Upper CI 95.0 limit"),
                       ("count", "Count"), ("denominator", "Denominator")]:
        raw_values = frame[col].copy()
        frame[col], bad_number = to_number(raw_values)
        problems += problems_where(bad_number, frame, file=file_name, column=label, values=raw_values,
                                   message="not a number; re-export the data from Fingertips")
    empty = frame["value"].isna() & frame["count"].isna()
    if empty.any():
        notes.append(f"skipped {int(empty.sum()):,} rows with no value (suppressed or not published)")
    frame = frame[~empty]
    keys = ["indicator_id", "level", "area_code", "period_start"]
    dup = frame.dropna(subset=keys).duplicated(subset=keys, keep="first")
    problems += problems_where(
        dup.reindex(frame.index, fill_value=False), frame, file=file_name, column="Sex", values=frame["sex"],
        message="another row has the same indicator, area and period (a different sex or age band); export one "
                "sex and age band per indicator")
    out = frame.rename(columns={"indicator_id": "kpi_code", "count": "numerator"})[
        ["_row", "kpi_code", "level", "area_code", "period_start", "period_end", "numerator", "denominator",
         "value", "lower_ci", "upper_ci"]]
    return Parsed(out.reset_index(drop=True), problems, notes, rows_read=len(raw))


def _one_breakdown(frame: pd.DataFrame, file: str, options: Options) -> tuple[pd.DataFrame, list[Problem], list[str]]:
    """Keep one sex and age band per indicator: the ``sex``/``age`` options, else Persons / All ages when present.

    A KPI is one series per area; mixing age bands would give several values for one area and period.
    """
    sex = frame["sex"].fillna("").astype(str)
    age = frame["age"].fillna("").astype(str)
    keep = pd.Series(True, index=frame.index)
    if options.get("sex"):
        keep &= sex.str.lower() == str(options["sex"]).lower()
    if options.get("age"):
        keep &= age.str.lower() == str(options["age"]).lower()
    problems: list[Problem] = []
    notes: list[str] = []
    if not options.get("sex") and not options.get("age"):
        for indicator, group in frame.groupby("indicator_id", sort=False):
            combos = set(zip(sex[group.index], age[group.index], strict=True))
            if len(combos) <= 1:
                continue
            default = next((c for c in combos if c[0].lower() == "persons" and c[1].lower() == "all ages"), None)
            if default is None:
                listed = "; ".join(f"{a} / {b}" for a, b in sorted(combos))
                problems.append(Problem(file, None, "Sex", None, f"indicator {indicator} has several sex and age "
                                        f"bands ({listed}); choose one with the options sex=... and age=..."))
                continue
            other = (sex[group.index] != default[0]) | (age[group.index] != default[1])
            keep[other[other].index] = False
            notes.append(f"indicator {indicator}: kept {default[0]} / {default[1]}; skipped {int(other.sum()):,} "
                         "rows of other sex or age bands (choose another with the options sex= and age=)")
    elif not keep.any():
        problems.append(Problem(file, None, "Sex", None, "no rows match the chosen sex and age options; the file "
                                f"has: {', '.join(sorted(set(sex + ' / ' + age)))}"))
    return frame[keep].copy(), problems, notes


def kpi_codes_for(session: Session, indicator_ids: list[str], options: Options) -> dict[str, str]:
    """Indicator ID -> KPI code: the ``kpi`` option first, then ``FT<id>``, then the bare ID."""
    mapping = dict(parse_mapping(options.get("kpi", "")))
    existing = set(session.execute(select(Kpi.code)).scalars())
    out = {}
    for ind in indicator_ids:
        if ind in mapping:
            out[ind] = mapping[ind].upper()
        elif f"FT{ind}" in existing:
            out[ind] = f"FT{ind}"
        else:
            out[ind] = ind if ind in existing else f"FT{ind}"
    return out


def parse_mapping(text: object) -> list[tuple[str, str]]:
    """``"93356=CAMPY, 90366=LE"`` (or a dict) -> pairs; used by the ``kpi`` option."""
    if isinstance(text, dict):
        return [(str(k), str(v)) for k, v in text.items()]
    pairs = []
    for item in str(text or "").replace(";", ",").split(","):
        if "=" in item:
            key, value = item.split("=", 1)
            pairs.append((key.strip(), value.strip()))
    return pairs


def validate_fingertips(session: Session, frame: pd.DataFrame, file_name: str, options: Options) -> Parsed:
    """Map indicators to KPIs (an unknown indicator is an error naming the code to create); skip foreign areas."""
    codes = kpi_codes_for(session, sorted(frame["kpi_code"].dropna().unique()), options)
    frame = frame.assign(kpi_code=frame["kpi_code"].map(codes))
    hint = ("add a KPI coded FT<indicator id> (e.g. " + (next(iter(codes.values()), "FT93356"))
            + ") with the KPI definitions template, or map it with the option kpi=<indicator id>=<KPI code>")
    checked = resolve_observations(session, frame, file_name, unknown_area="warning", kpi_hint=hint)
    problems = _one_per_kpi(checked.problems)
    return Parsed(checked.frame, problems, checked.notes)


def _one_per_kpi(problems: list[Problem]) -> list[Problem]:
    """An unknown indicator is one problem with a row count, not one per row of a national export."""
    out, seen = [], {}
    for p in problems:
        if p.column == "kpi_code":
            if p.value in seen:
                seen[p.value] += 1
                continue
            seen[p.value] = 1
        out.append(p)
    return [Problem(p.file, p.row, "Indicator ID", p.value, f"{p.message} ({seen[p.value]:,} rows)", p.severity)
            if p.column == "kpi_code" else p for p in out]


SOURCES = [
    Source("fingertips", "OHID Fingertips export (CSV)",
           "indicators-*.data.csv downloaded from Fingertips, at any area type (GP, PCN, local authority, ICB).",
           (".csv",), parse_fingertips, load_kpi_observations, validate_fingertips, options=("kpi", "sex", "age")),
]
