"""The catalogue of published indicators: KPI rows without an initiative, made from a published file's metadata.

QOF prevalence, Fingertips, GP registrations and A&E files carry what an indicator is (name, unit, period,
breakdown); their importers describe each indicator with the ``INDICATOR_FIELDS`` columns beside every
observation row, and this module turns those rows into ``Kpi`` rows of origin ``published`` (one per sex x age x
category breakdown), the levels their file reports (England and region benchmarks excepted; the roll-up levels a
practice indicator reaches are declared by ``data/rollups.py``), and the observations themselves, in the
importer's transaction.

- A code that already belongs to a register KPI (defined with the KPI definitions template) is left as defined:
  the file's observations go to it, its definition is not overwritten.
- A published indicator's metadata is refreshed by every newer file, except its name when ``keep_name`` (a QOF
  group description from MAPPING_INDICATORS outranks the prevalence file's generic name).
- Register KPIs read a published indicator by code (``Kpi.indicator_code``, read-through in ``data/queries.py``),
  so binding works before or after the data arrive and nothing is copied.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import date

import numpy as np
import pandas as pd
from sqlalchemy import Table, and_, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from data.importers.common import REGISTER_HINT, Parsed, Problem, known_codes, problems_where, records, upsert
from models import BENCHMARK_LEVELS, AreaLevel, Kpi, KpiAreaLevel, KpiObservation, KpiOrigin, ValueType

INDICATOR_FIELDS = [
    "name",
    "definition",
    "numerator_definition",
    "denominator_definition",
    "unit",
    "value_type",
    "multiplier",
    "polarity",
    "source",
    "counts_people",
    "publisher",
    "indicator_id",
    "period_type",
    "sex",
    "age",
    "category_type",
    "category",
]
OBSERVATION_FIELDS = [
    "level", "area_code", "period_start", "period_end", "numerator", "denominator", "value", "lower_ci", "upper_ci",
]
RATIO_TYPES = {ValueType.PROPORTION.value, ValueType.RATE.value, ValueType.RATIO.value,
               ValueType.STANDARDISED_RATIO.value}


def breakdown_code(base: str, *parts: object) -> str:
    """A stable code for a non-default breakdown: ``FT93356-1a2b3c4d`` (8 hex digits of the breakdown's labels)."""
    label = "|".join("" if p is None or (isinstance(p, float) and np.isnan(p)) else str(p) for p in parts)
    return f"{base}-{hashlib.sha1(label.encode()).hexdigest()[:8]}"


def breakdown_label(sex: object, age: object, category: object, category_type: object = None) -> str:
    """``'Female, 0-9 yrs, County & UA deprivation deciles: Most deprived decile'`` from the parts that are set."""
    if isinstance(category, str) and isinstance(category_type, str) and category_type.strip():
        category = f"{category_type}: {category}"
    return ", ".join(str(p) for p in (sex, age, category) if isinstance(p, str) and p.strip())


def period_type(start: date | None, end: date | None) -> str | None:
    """What a period is, judged from its dates: month, quarter, financial_year, calendar_year or ``N years``."""
    if start is None or end is None or pd.isna(start) or pd.isna(end):
        return None
    months = (end.year - start.year) * 12 + end.month - start.month + 1
    if months == 1:
        return "month"
    if months == 3:
        return "quarter"
    if months == 12:
        return "financial_year" if start.month == 4 else "calendar_year" if start.month == 1 else "year"
    return f"{months // 12} years" if months % 12 == 0 else f"{months} months"


def _existing(session: Session, codes: Sequence[str]) -> pd.DataFrame:
    rows = session.execute(
        select(Kpi.code, Kpi.id, Kpi.origin, Kpi.value_type, Kpi.multiplier).where(Kpi.code.in_(list(codes)))
    ).all()
    return pd.DataFrame(rows, columns=["kpi_code", "kpi_id", "origin", "kpi_value_type", "kpi_multiplier"])


def validate_published(session: Session, frame: pd.DataFrame, file_name: str) -> Parsed:
    """Skip areas outside the register (with a note), compute missing values, and check every row can be stored.

    ``frame`` holds ``kpi_code``, ``OBSERVATION_FIELDS``, ``INDICATOR_FIELDS`` and ``_row``. A code that is a
    register KPI's keeps that KPI's value type and multiplier for the computed values. Rows with no ``level``
    describe an indicator without observations (catalogue entries only) and pass through unchanged.
    """
    notes: list[str] = []
    problems: list[Problem] = []
    catalogue_only = frame[frame["level"].isna()] if "level" in frame.columns else frame.iloc[0:0]
    frame = frame[frame["level"].notna()] if "level" in frame.columns else frame
    if frame.empty:
        return Parsed(pd.concat([frame, catalogue_only], ignore_index=True), problems, notes)
    existing = _existing(session, sorted(frame["kpi_code"].dropna().unique()))
    register = existing[existing["origin"] == KpiOrigin.REGISTER.value]
    frame = frame.merge(register[["kpi_code", "kpi_value_type", "kpi_multiplier"]], on="kpi_code", how="left")
    own = frame["kpi_value_type"].notna()
    frame["value_type"] = frame["kpi_value_type"].astype(object).where(own, frame["value_type"].astype(object))
    frame["multiplier"] = pd.to_numeric(frame["kpi_multiplier"].where(own, frame["multiplier"]), errors="coerce")
    frame = frame.drop(columns=["kpi_value_type", "kpi_multiplier"])
    if len(register):
        notes.append("observations of " + ", ".join(sorted(register["kpi_code"])) + " go to the KPIs of the "
                     "benefits register with those codes (their definitions are kept)")
    skip = np.zeros(len(frame), dtype=bool)
    for level, group in frame.groupby("level", sort=False):
        found = known_codes(session, str(level), group["area_code"].dropna().unique())
        unknown = ~group["area_code"].isin(found)
        if unknown.any():
            skip[frame.index.get_indexer(group.index[unknown.to_numpy()])] = True
            examples = ", ".join(group.loc[unknown, "area_code"].dropna().astype(str).drop_duplicates().head(5))
            notes.append(f"skipped {int(unknown.sum()):,} rows for {level} areas outside this dashboard's register "
                         f"(e.g. {examples}); {REGISTER_HINT.get(AreaLevel(str(level)), '')} to include them")
    described = frame.drop_duplicates("kpi_code")
    frame = frame.loc[~skip].reset_index(drop=True)
    gone = described[~described["kpi_code"].isin(frame["kpi_code"])]  # every row outside the register: still
    catalogue_only = pd.concat([catalogue_only, gone.assign(level=None)], ignore_index=True)  # an indicator
    numerator = pd.to_numeric(frame["numerator"], errors="coerce")
    denominator = pd.to_numeric(frame["denominator"], errors="coerce")
    multiplier = pd.to_numeric(frame["multiplier"], errors="coerce")
    ratio = frame["value_type"].isin(RATIO_TYPES)
    with np.errstate(divide="ignore", invalid="ignore"):
        computed = np.where(ratio, numerator / denominator.where(denominator != 0) * multiplier, numerator)
    computed = pd.Series(computed, index=frame.index, dtype="Float64")
    value = pd.to_numeric(frame["value"], errors="coerce").astype("Float64")
    filled = value.isna() & computed.notna()
    if filled.any():
        notes.append(f"computed {int(filled.sum()):,} values from numerator and denominator")
    frame["value"] = value.where(value.notna(), computed)
    problems += problems_where(frame["value"].isna(), frame, file=file_name, column=None,
                               message="no value and no usable numerator and denominator (a denominator of 0?); "
                                       "correct the row or remove it")
    return Parsed(pd.concat([frame, catalogue_only], ignore_index=True), problems, notes)


def _insert(session: Session) -> object:
    dialect = session.get_bind().dialect.name
    return {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[dialect]


def upsert_indicators(session: Session, indicators: pd.DataFrame, *, keep_name: bool = False) -> dict[str, int]:
    """Create or refresh published indicators (``kpi_code`` + ``INDICATOR_FIELDS``); returns code -> KPI id.

    Rows whose code is a register KPI are not touched (the ``WHERE origin = 'published'`` of the upsert);
    ``keep_name`` keeps an existing indicator's name and definition (set by a richer file).
    """
    if indicators.empty:
        return {}
    rows = indicators.drop_duplicates("kpi_code").rename(columns={"kpi_code": "code"})
    rows = rows[["code", *INDICATOR_FIELDS]].assign(origin=KpiOrigin.PUBLISHED.value)
    rows["name"] = rows["name"].astype(str).str.slice(0, 200)
    rows["definition"] = rows["definition"].fillna(rows["name"])
    for col in ("sex", "age", "category_type", "category", "publisher", "indicator_id", "period_type"):
        rows[col] = rows[col].astype(object).where(rows[col].notna(), None)
    table: Table = Kpi.__table__  # type: ignore[attr-defined]
    insert = _insert(session)
    kept = ("code", "origin", *(("name", "definition") if keep_name else ()))
    update_cols = [c for c in rows.columns if c not in kept]
    for start in range(0, len(rows), 1_000):
        stmt = insert(table)  # type: ignore[operator]
        stmt = stmt.on_conflict_do_update(
            index_elements=["code"], set_={c: stmt.excluded[c] for c in update_cols},
            where=and_(table.c.origin == KpiOrigin.PUBLISHED.value,
                       or_(*(table.c[c].is_distinct_from(stmt.excluded[c]) for c in update_cols))),
        )
        session.connection().execute(stmt, records(rows.iloc[start : start + 1_000]))
    found = session.execute(select(Kpi.code, Kpi.id).where(Kpi.code.in_(rows["code"].tolist()))).all()
    return dict(found)


def load_published(session: Session, frame: pd.DataFrame, import_id: int, *, keep_name: bool = False) -> dict[str, int]:
    """Upsert the indicators of ``frame``, their reporting levels and the observations (by natural key)."""
    if frame.empty:
        return {"kpi (published)": 0, "kpi_observation": 0}
    ids = upsert_indicators(session, frame, keep_name=keep_name)
    frame = frame[frame["level"].notna()]
    frame = frame.assign(kpi_id=frame["kpi_code"].map(ids).astype("Int64"))
    # the levels the file reports, benchmarks (England, regions) excepted: they are comparators, not levels the
    # dashboard offers. The PCN, borough and system levels a practice indicator reaches are declared by the
    # roll-up (``data/rollups.py``: a published indicator is rolled up to every level), where they are reached.
    levels = frame.loc[~frame["level"].isin([lv.value for lv in BENCHMARK_LEVELS]), ["kpi_id", "level"]]
    upsert(session, KpiAreaLevel, levels.drop_duplicates(), keys=["kpi_id", "level"], update=[])
    rows = frame[["kpi_id", *OBSERVATION_FIELDS]].assign(import_id=import_id)
    for col in ("numerator", "denominator", "value", "lower_ci", "upper_ci"):
        rows[col] = pd.to_numeric(rows[col], errors="coerce").astype("Float64")
    n = upsert(session, KpiObservation, rows, keys=["kpi_id", "level", "area_code", "period_start"])
    return {"kpi (published)": len(ids), "kpi_observation": n}


def describe(frame: pd.DataFrame, **fields: object) -> pd.DataFrame:
    """Add the ``INDICATOR_FIELDS`` columns to an observation frame: given values, else empty."""
    out = frame.copy()
    for name in INDICATOR_FIELDS:
        if name in fields:
            out[name] = fields[name]
        elif name not in out.columns:
            out[name] = None
    return out
