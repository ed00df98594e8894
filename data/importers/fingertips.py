"""OHID Fingertips CSV exports ("indicators-*.data.csv") as KPI observations, at any area type.

The export has 26 or 27 columns (Indicator ID, Indicator Name, Parent Code, ..., Time period, Value, Lower/Upper CI
95.0 and 99.8 limits, Count, Denominator, Value note, ...). Real files have an embedded newline inside the quoted
indicator name and data rows one field shorter than the header; both are read as published.

Catalogue: every sex x age x category breakdown of an indicator becomes a published indicator (``Kpi`` with no
initiative) described from the file: name, unit and multiplier (read from value / (count / denominator)),
polarity (from the "Compared to England" judgements), period type, breakdown. The Persons / All ages breakdown
is coded ``FT<indicator id>`` (or the ``kpi`` option's code, ``93356=CAMPY``), the others ``FT<id>-<hash>``. A
register KPI with such a code receives the data. Area types map to levels (GP practices, PCNs, local
authorities, ICBs, LSOA/MSOA/ward); England, ONS region and NHS region rows are stored at the benchmark levels
(``models.BENCHMARK_LEVELS``: the comparators an area is judged against, never units of the footprint), their
codes checked against the published pattern (E92000001, E12..., E40...). CCG / sub-ICB rows (no level here) and
footprint areas outside the register are skipped and counted, so the rows loaded plus the rows reported skipped
are the file's data rows.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
from sqlmodel import Session

from data.importers.catalogue import (
    INDICATOR_FIELDS,
    breakdown_code,
    breakdown_label,
    load_published,
    period_type,
    validate_published,
)
from data.importers.common import (
    REGISTER_HINT,
    Column,
    Options,
    Parsed,
    Problem,
    Source,
    clean_code,
    errors_in,
    match_columns,
    problems_where,
    read_table,
    to_number,
    to_period,
)
from data.importers.schemas import check_source
from models import BENCHMARK_CODES, BENCHMARK_LEVELS, AreaLevel, Polarity, ValueType

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
SKIPPED_AREA_TYPES = ("ccg", "sub icb", "clinical commissioning")  # no level of this dashboard: counted, skipped
BENCHMARK_AREA_TYPES = (  # Fingertips area type (its start, normalised) -> benchmark level
    ("england", AreaLevel.ENGLAND), ("country", AreaLevel.ENGLAND), ("nhs region", AreaLevel.NHS_REGION),
    ("commissioning region", AreaLevel.NHS_REGION), ("nhs england region", AreaLevel.NHS_REGION),
    ("region", AreaLevel.REGION), ("government office region", AreaLevel.REGION),
)


def area_level(area_type: object) -> AreaLevel | None:
    """The dashboard level of a Fingertips area type (a benchmark level for England and regions), or ``None``
    for an area type this dashboard has no level for (CCG, sub-ICB, unknown)."""
    t = re.sub(r"[^a-z0-9]+", " ", str(area_type).lower()).strip()
    if any(t.startswith(s) for s in SKIPPED_AREA_TYPES):
        return None
    for prefix, benchmark in BENCHMARK_AREA_TYPES:
        if t.startswith(prefix):
            return benchmark
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
    """Read a Fingertips export into observation rows of published indicators, one per breakdown.

    Every sex x age x category breakdown of an indicator is its own catalogue entry: the Persons / All ages one
    (no category) gets the base code ``FT<id>`` (or the ``kpi`` option's code), the others ``FT<id>-<hash>``.
    The ``sex`` and ``age`` options keep only the breakdowns that match.
    """
    options = options or {}
    raw = read_table(data, file_name, header_hint=["indicator id", "area code", "time period"])
    problems = check_source("fingertips", raw, file_name)
    if errors_in(problems):
        return Parsed(raw.iloc[0:0], problems, rows_read=len(raw))
    frame, more = match_columns(raw, COLUMNS, file=file_name)
    problems += more
    if any(p.severity == "error" for p in problems):
        return Parsed(frame.iloc[0:0], problems, rows_read=len(raw))
    notes: list[str] = []
    frame["indicator_id"] = clean_code(frame["indicator_id"])
    frame["area_code"] = clean_code(frame["area_code"])
    for col in ("sex", "age", "category_type", "category"):
        frame[col] = frame[col].astype("string").str.strip().astype(object).where(frame[col].notna(), None)
    frame, chosen = _chosen_breakdowns(frame, file_name, options, problems)
    start, end, bad = to_period(frame["period"])
    frame["period_start"], frame["period_end"] = start, end
    problems += problems_where(bad, frame, file=file_name, column="Time period", values=frame["period"],
                               message="a time period this dashboard cannot place on a calendar; report it")
    for col in ("value", "lower_ci", "upper_ci", "count", "denominator"):  # the schema has refused non-numbers
        frame[col] = to_number(frame[col])[0]
    frame["kpi_code"] = _codes(frame, options)
    metadata = _metadata(frame)
    frame["level"] = frame["area_type"].map(lambda t: area_level(t).value if area_level(t) else None)
    for level, pattern in BENCHMARK_CODES.items():  # a benchmark has no register: its code must be its level's
        fits = frame["area_code"].astype("string").str.fullmatch(pattern).fillna(False).astype(bool)
        wrong = frame["level"].eq(level.value) & ~fits
        if wrong.any():
            problems += problems_where(
                wrong, frame, file=file_name, column="Area Code", values=frame["area_code"],
                message=f"not the code of an area of type {frame.loc[wrong, 'area_type'].iloc[0]} "
                        f"({REGISTER_HINT[level]}); correct the Area Code or the Area Type")
    unsupported = frame["level"].isna()
    if unsupported.any():
        kinds = ", ".join(sorted(frame.loc[unsupported, "area_type"].dropna().unique()))
        notes.append(f"skipped {int(unsupported.sum()):,} rows of area types this dashboard has no level for "
                     f"({kinds}); they inform the indicators' polarity only")
    benchmark = frame["level"].isin([lv.value for lv in BENCHMARK_LEVELS])
    if benchmark.any():
        notes.append(f"{int(benchmark.sum()):,} rows of England and regions are kept as benchmarks (the values the "
                     "dashboard's areas are compared with), not as areas of the footprint")
    frame = frame[~unsupported].copy()
    empty = frame["value"].isna() & frame["count"].isna()
    if empty.any():
        notes.append(f"skipped {int(empty.sum()):,} rows with no value (suppressed or not published)")
    frame = frame[~empty]
    keys = ["kpi_code", "level", "area_code", "period_start"]
    dup = frame.dropna(subset=keys).duplicated(subset=keys, keep="first")
    problems += problems_where(
        dup.reindex(frame.index, fill_value=False), frame, file=file_name, column="Area Code",
        values=frame["area_code"],
        message="another row has the same indicator, breakdown (sex, age, category), area and period; keep one")
    out = frame.rename(columns={"count": "numerator"})[
        ["_row", "kpi_code", "level", "area_code", "period_start", "period_end", "numerator", "denominator",
         "value", "lower_ci", "upper_ci"]]
    out = out.merge(metadata, on="kpi_code", how="left")
    unobserved = metadata[~metadata["kpi_code"].isin(out["kpi_code"])]
    if len(unobserved):  # breakdowns with no stored row at all (every row empty): catalogue entries only
        notes.append(f"{len(unobserved):,} breakdowns have no value in any row (catalogued, no observations)")
        out = pd.concat([out, unobserved.assign(_row=1, level=None)], ignore_index=True)
    notes.append(f"{len(metadata):,} indicator breakdowns in the file ({chosen})")
    return Parsed(out.reset_index(drop=True), problems, notes, rows_read=len(raw))


def _chosen_breakdowns(
    frame: pd.DataFrame, file: str, options: Options, problems: list[Problem]
) -> tuple[pd.DataFrame, str]:
    """Apply the ``sex`` / ``age`` options (all breakdowns when neither is given)."""
    if not options.get("sex") and not options.get("age"):
        return frame, "all kept"
    sex = frame["sex"].fillna("").astype(str)
    age = frame["age"].fillna("").astype(str)
    keep = pd.Series(True, index=frame.index)
    if options.get("sex"):
        keep &= sex.str.lower() == str(options["sex"]).lower()
    if options.get("age"):
        keep &= age.str.lower() == str(options["age"]).lower()
    if not keep.any():
        problems.append(Problem(file, None, "Sex", None, "no rows match the chosen sex and age options; the file "
                                f"has: {', '.join(sorted(set(sex + ' / ' + age)))}"))
    return frame[keep].copy(), "chosen by the sex and age options"


def _is_default(frame: pd.DataFrame) -> pd.Series:
    """The Persons / All ages breakdown without a category (the base code's)."""
    return (frame["sex"].fillna("Persons").str.lower().eq("persons")
            & frame["age"].fillna("All ages").str.lower().eq("all ages")
            & frame["category_type"].isna() & frame["category"].isna())


def _codes(frame: pd.DataFrame, options: Options) -> pd.Series:
    """Each row's catalogue code: the base code for the default breakdown, a hashed suffix for the others.

    An indicator with a single breakdown (whatever its sex and age) also takes the base code.
    """
    mapping = {k: v.upper() for k, v in parse_mapping(options.get("kpi", ""))}
    base = frame["indicator_id"].map(lambda i: mapping.get(i, f"FT{i}"))
    parts = frame[["sex", "age", "category_type", "category"]]
    labels = pd.Series(["|".join(map(str, p)) for p in parts.itertuples(index=False, name=None)], index=frame.index)
    single = labels.groupby(frame["indicator_id"]).transform("nunique") == 1
    default = _is_default(frame) | single
    hashed = [breakdown_code(b, *p) for b, p in zip(base, parts.itertuples(index=False, name=None), strict=True)]
    return base.where(default, pd.Series(hashed, index=frame.index))


def _metadata(frame: pd.DataFrame) -> pd.DataFrame:
    """One catalogue row per code from the file itself: name, unit, value type and multiplier, polarity, period.

    The multiplier is read from the data (value / (count / denominator), rounded to a power of ten: 100 is a
    percentage, 100,000 a rate per 100,000); the polarity from the "Compared to England" judgements (an area
    judged Better with a value above England's means higher is better); no judgement when the file makes none.
    """
    out = []
    for code, group in frame.groupby("kpi_code", sort=False):
        first = group.iloc[0]
        name = re.sub(r"\s+", " ", str(first["indicator_name"] or f"Fingertips indicator {first['indicator_id']}"))
        name = name.strip()
        label = "" if str(code).rsplit("-", 1)[0] == code else breakdown_label(
            first["sex"], first["age"], first["category"], first["category_type"])
        value_type, multiplier, unit = _scale(group, name)
        out.append({
            "kpi_code": code, "name": f"{name} ({label})" if label else name, "unit": unit,
            "definition": f"{name}. Fingertips indicator {first['indicator_id']}"
                          + (f"; breakdown: {label}" + (f" ({first['category_type']})" if first["category_type"]
                                                        else "") if label else "") + ".",
            "numerator_definition": "Count (as published)", "denominator_definition": "Denominator (as published)",
            "value_type": value_type, "multiplier": multiplier, "polarity": _polarity(frame, group),
            "source": f"OHID Fingertips, indicator {first['indicator_id']}", "counts_people": True,
            "publisher": "OHID (Fingertips)", "indicator_id": first["indicator_id"],
            "period_type": period_type(first["period_start"], first["period_end"]), "sex": first["sex"],
            "age": first["age"], "category_type": first["category_type"], "category": first["category"],
        })
    return pd.DataFrame(out, columns=["kpi_code", *INDICATOR_FIELDS])


def _scale(group: pd.DataFrame, name: str) -> tuple[str, float, str]:
    """Value type, multiplier and unit of one breakdown, judged from its numbers (else its name)."""
    usable = group[(group["count"] > 0) & (group["denominator"] > 0) & group["value"].notna()]
    if len(usable):
        ratio = (usable["value"] / (usable["count"] / usable["denominator"])).median()
        power = float(10 ** round(np.log10(ratio))) if ratio > 0 else 1.0
        if abs(ratio / power - 1) < 0.05:
            if power == 100:
                return ValueType.PROPORTION.value, 100.0, "%"
            if power == 1:
                return ValueType.RATIO.value, 1.0, "ratio"
            return ValueType.RATE.value, power, f"per {power:,.0f}"
    match = re.search(r"(?:per|/)\s*([\d,]+)", name)
    if match:
        per = float(match[1].replace(",", ""))
        return ValueType.RATE.value, per, f"per {per:,.0f}"
    if "%" in name or "percent" in name.lower() or "proportion" in name.lower():
        return ValueType.PROPORTION.value, 100.0, "%"
    return ValueType.RATIO.value, 1.0, "value"


def _polarity(frame: pd.DataFrame, group: pd.DataFrame) -> str:
    """Higher or lower is better, from areas judged Better or Worse than England in the same breakdown."""
    judged = group["compared_england"].astype("string").str.lower()
    better = judged.str.startswith("better").fillna(False)
    worse = judged.str.startswith("worse").fillna(False)
    if not (better | worse).any():
        return Polarity.NO_JUDGEMENT.value
    england = frame[(frame["kpi_code"] == group["kpi_code"].iloc[0]) & (frame["area_code"] == "E92000001")]
    benchmark = england.groupby("period_start")["value"].first()
    above = group["value"] > group["period_start"].map(benchmark)
    signs = (above & better).sum() + (~above & worse).sum() - (~above & better).sum() - (above & worse).sum()
    if signs > 0:
        return Polarity.HIGHER_IS_BETTER.value
    if signs < 0:
        return Polarity.LOWER_IS_BETTER.value
    return Polarity.NO_JUDGEMENT.value


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
    """Skip areas outside the register; a register KPI with a breakdown's code receives its data."""
    return validate_published(session, frame, file_name)


def load_fingertips(session: Session, frame: pd.DataFrame, import_id: int, options: Options) -> dict[str, int]:
    """Create or refresh each breakdown's catalogue entry and upsert the observations."""
    return load_published(session, frame, import_id)


SOURCES = [
    Source("fingertips", "OHID Fingertips export (CSV)",
           "indicators-*.data.csv downloaded from Fingertips, at any area type (GP, PCN, local authority, ICB).",
           (".csv",), parse_fingertips, load_fingertips, validate_fingertips, options=("kpi", "sex", "age")),
]
