"""The dashboard's own templates: benefits register, KPI definitions, targets, plans and KPI observations.

Templates are long CSV or XLSX files with one documented header each (``docs/importing.md``,
``docs/templates/*.csv``). Header names are matched by alias, so ``KPI code``, ``kpi_code`` and ``KPI`` all work.
Each source is ``parse_*`` (pure) -> ``validate_*`` (codes against the database) -> ``load_*`` (upsert).

Also home of the shared KPI-observation checks used by the Fingertips and QOF importers.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sqlalchemy import delete, select
from sqlmodel import Session

from data.importers.common import (
    REGISTER_HINT,
    Column,
    Options,
    Parsed,
    Problem,
    Source,
    clean_code,
    id_map,
    known_codes,
    match_columns,
    normalise_header,
    problems_where,
    read_table,
    records,
    text_or_none,
    to_date,
    to_number,
    to_period,
    update_changed,
    upsert,
)
from models import (
    FOOTPRINT_LEVELS,
    AreaLevel,
    Borough,
    Initiative,
    Kpi,
    KpiAreaLevel,
    KpiObservation,
    KpiPlan,
    Polarity,
    ValueType,
    Workstream,
)

TEMPLATE_EXTENSIONS = (".csv", ".xlsx", ".ods", ".txt")
LEVEL_ALIASES = {
    "gp": AreaLevel.PRACTICE,
    "gp practice": AreaLevel.PRACTICE,
    "practice": AreaLevel.PRACTICE,
    "pcn": AreaLevel.PCN,
    "primary care network": AreaLevel.PCN,
    "borough": AreaLevel.BOROUGH,
    "la": AreaLevel.BOROUGH,
    "local authority": AreaLevel.BOROUGH,
    "lad": AreaLevel.BOROUGH,
    "system": AreaLevel.SYSTEM,
    "icb": AreaLevel.SYSTEM,
    "ics": AreaLevel.SYSTEM,
    "stp": AreaLevel.SYSTEM,
    "care home": AreaLevel.CARE_HOME,
    "care_home": AreaLevel.CARE_HOME,
    "ward": AreaLevel.WARD,
    "lsoa": AreaLevel.LSOA,
    "msoa": AreaLevel.MSOA,
}
LEVEL_CHOICES = ", ".join(lv.value for lv in FOOTPRINT_LEVELS)


def _read(data: bytes, file_name: str, columns: list[Column]) -> tuple[pd.DataFrame, list[Problem], int]:
    hint = [a for c in columns for a in c.accepts()]
    raw = read_table(data, file_name, header_hint=hint)
    frame, problems = match_columns(raw, columns, file=file_name)
    return frame, problems, len(raw)


def _required_text(frame: pd.DataFrame, column: str, file: str, what: str) -> list[Problem]:
    return problems_where(frame[column].isna(), frame, file=file, column=column, message=f"{column} is blank; {what}")


def _numbers(frame: pd.DataFrame, columns: list[str], file: str) -> list[Problem]:
    """Convert ``columns`` to numbers in place; report non-numbers."""
    problems = []
    for col in columns:
        raw = frame[col].copy()
        frame[col], bad = to_number(raw)
        problems += problems_where(
            bad,
            frame,
            file=file,
            column=col,
            values=raw,
            message="not a number; write digits only (e.g. 1234.5), or leave it blank",
        )
    return problems


def _dates(frame: pd.DataFrame, columns: list[str], file: str) -> list[Problem]:
    problems = []
    for col in columns:
        raw = frame[col].copy()
        frame[col], bad = to_date(raw)
        problems += problems_where(
            bad,
            frame,
            file=file,
            column=col,
            values=raw,
            message="not a date; write it as YYYY-MM-DD (e.g. 2024-03-31)",
        )
    return problems


def _levels(frame: pd.DataFrame, column: str, file: str) -> list[Problem]:
    raw = frame[column]
    frame[column] = (
        raw.astype("string")
        .str.strip()
        .str.lower()
        .map(lambda v: LEVEL_ALIASES.get(v, v) if isinstance(v, str) else None)
        .map(lambda v: AreaLevel(v).value if v in {lv.value for lv in FOOTPRINT_LEVELS} else None)
        .astype(object)
    )
    return problems_where(
        frame[column].isna(),
        frame,
        file=file,
        column=column,
        values=raw,
        message=f"unknown area level; use one of: {LEVEL_CHOICES}",
    )


def _periods(frame: pd.DataFrame, file: str) -> list[Problem]:
    raw = frame["period"]
    frame["period_start"], frame["period_end_parsed"], bad = to_period(raw)
    return problems_where(
        bad | raw.isna(),
        frame,
        file=file,
        column="period",
        values=raw,
        message=(
            "not a period; write a month (2024-03), a financial year (2023/24), a quarter (2023/24 Q1) or a "
            "calendar year (2023)"
        ),
    )


def _duplicates(frame: pd.DataFrame, keys: list[str], file: str, column: str) -> list[Problem]:
    """An error for each row repeating an earlier row's natural key (which of the two should win is unknowable)."""
    usable = frame.dropna(subset=keys)
    dup = usable.duplicated(subset=keys, keep="first")
    if not dup.any():
        return []
    first = usable.drop_duplicates(subset=keys, keep="first").set_index(keys)["_row"]
    rows = usable.loc[dup]
    return [
        Problem(
            file,
            int(r["_row"]),
            column,
            str(r[column]),
            f"repeats row {int(first.loc[tuple(r[k] for k in keys)])} (same {', '.join(keys)}); keep one of them",
        )
        for _, r in rows.iterrows()
    ]


# ---------------------------------------------------------------------------------------- KPI observations


OBSERVATION_COLUMNS = [
    Column("kpi_code", ("kpi", "kpi code", "indicator code", "measure code")),
    Column("area_level", ("level", "area level", "area type", "geography level")),
    Column("area_code", ("area", "area code", "org code", "organisation code", "geography code")),
    Column("period", ("time period", "period start", "month", "date")),
    Column("period_end", ("period end", "end date"), required=False),
    Column("numerator", ("count", "num"), required=False),
    Column("denominator", ("denom", "population"), required=False),
    Column("value", ("rate", "percentage", "indicator value"), required=False),
    Column("lower_ci", ("lower ci", "lower ci 95 0 limit", "lcl"), required=False),
    Column("upper_ci", ("upper ci", "upper ci 95 0 limit", "ucl"), required=False),
]


def parse_kpi_observations(data: bytes, file_name: str, options: Options | None = None) -> Parsed:
    """Read the KPI observations template (one row per KPI, area and period) and check each cell.

    Output columns: _row, kpi_code, level, area_code, period_start, period_end, numerator, denominator, value,
    lower_ci, upper_ci. A row needs a value or a numerator (the value is then computed from the KPI's definition).
    """
    frame, problems, n = _read(data, file_name, OBSERVATION_COLUMNS)
    if any(p.severity == "error" for p in problems):
        return Parsed(frame.iloc[0:0], problems, rows_read=n)
    frame["kpi_code"] = clean_code(frame["kpi_code"])
    frame["area_code"] = clean_code(frame["area_code"])
    problems += _required_text(frame, "kpi_code", file_name, "give the code of a KPI in the KPI definitions")
    problems += _required_text(frame, "area_code", file_name, "give the area's code (ODS or ONS)")
    problems += _levels(frame, "area_level", file_name)
    problems += _periods(frame, file_name)
    problems += _numbers(frame, ["numerator", "denominator", "value", "lower_ci", "upper_ci"], file_name)
    end, bad_end = to_date(frame["period_end"])
    problems += problems_where(
        bad_end,
        frame,
        file=file_name,
        column="period_end",
        message="not a date; write it as YYYY-MM-DD or leave it blank",
    )
    frame["period_end"] = end.where(end.notna(), frame["period_end_parsed"])
    problems += problems_where(
        pd.Series([bool(s and e and e < s) for s, e in zip(frame["period_start"], frame["period_end"], strict=True)]),
        frame,
        file=file_name,
        column="period_end",
        message="ends before the period starts; correct the dates",
    )
    problems += problems_where(
        frame["denominator"] < 0,
        frame,
        file=file_name,
        column="denominator",
        message="a denominator cannot be negative",
    )
    problems += problems_where(
        frame["value"].isna() & frame["numerator"].isna(),
        frame,
        file=file_name,
        column="value",
        message="give a value, or a numerator (and denominator) to compute it",
    )
    frame = frame.rename(columns={"area_level": "level"})
    problems += _duplicates(frame, ["kpi_code", "level", "area_code", "period_start"], file_name, "period")
    out = frame[
        [
            "_row",
            "kpi_code",
            "level",
            "area_code",
            "period_start",
            "period_end",
            "numerator",
            "denominator",
            "value",
            "lower_ci",
            "upper_ci",
        ]
    ]
    return Parsed(out, problems, rows_read=n)


def resolve_observations(
    session: Session,
    frame: pd.DataFrame,
    file_name: str,
    *,
    unknown_area: str = "error",
    kpi_hint: str = "import it with the KPI definitions template first",
) -> Parsed:
    """Check observation rows against the database and attach ``kpi_id``; compute missing values.

    Unknown KPI codes and levels a KPI is not reported at are errors. Unknown area codes are errors for the
    dashboard's own template (``unknown_area="error"``) and warnings that skip the row for national publications
    (``"warning"``: a Fingertips or NHS Digital file covers all of England, the register only this system).
    """
    problems: list[Problem] = []
    notes: list[str] = []
    kpis = pd.DataFrame(
        session.execute(select(Kpi.code, Kpi.id, Kpi.value_type, Kpi.multiplier)).all(),
        columns=["kpi_code", "kpi_id", "value_type", "multiplier"],
    )
    frame = frame.merge(kpis, on="kpi_code", how="left")
    missing = frame["kpi_id"].isna()
    known_list = ", ".join(kpis["kpi_code"].head(12)) or "none yet"
    problems += problems_where(
        missing,
        frame,
        file=file_name,
        column="kpi_code",
        message=f"no KPI has this code; {kpi_hint} (known codes: {known_list})",
    )
    levels = session.execute(select(Kpi.code, KpiAreaLevel.level).join(Kpi, Kpi.id == KpiAreaLevel.kpi_id)).all()
    allowed: dict[str, set[str]] = {}
    for code, level in levels:
        allowed.setdefault(code, set()).add(str(level))
    wrong_level = np.array(
        [bool(k in allowed and lv not in allowed[k]) for k, lv in zip(frame["kpi_code"], frame["level"], strict=True)],
        dtype=bool,
    )
    problems += problems_where(
        wrong_level,
        frame,
        file=file_name,
        column="area_level",
        values=frame["level"],
        message=lambda v: (
            f"this KPI is not reported at level '{v}'; add the level to the "
            "KPI's 'levels' in the KPI definitions, or correct the level"
        ),
    )
    skip = np.zeros(len(frame), dtype=bool)
    for level, group in frame.groupby("level", sort=False):
        found = known_codes(session, str(level), group["area_code"].dropna().unique())
        unknown = ~group["area_code"].isin(found)
        if not unknown.any():
            continue
        hint = REGISTER_HINT.get(AreaLevel(str(level)), "")
        if unknown_area == "error":
            problems += problems_where(
                unknown,
                group,
                file=file_name,
                column="area_code",
                message=f"no {level} has this code in the dashboard; {hint}",
            )
        else:
            skip[frame.index.get_indexer(group.index[unknown.to_numpy()])] = True
            examples = ", ".join(group.loc[unknown, "area_code"].drop_duplicates().head(5))
            notes.append(
                f"skipped {int(unknown.sum()):,} rows for {level} areas outside this dashboard's register "
                f"(e.g. {examples}); {hint} to include them"
            )
    frame = frame.loc[~skip].copy()
    ratio = frame["value_type"].isin(
        [ValueType.PROPORTION.value, ValueType.RATE.value, ValueType.RATIO.value, ValueType.STANDARDISED_RATIO.value]
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        computed = np.where(
            ratio,
            frame["numerator"] / frame["denominator"].where(frame["denominator"] != 0) * frame["multiplier"],
            frame["numerator"],
        )
    computed = pd.Series(computed, index=frame.index, dtype="Float64")
    filled = frame["value"].isna() & computed.notna()
    if filled.any():
        notes.append(f"computed {int(filled.sum()):,} values from numerator and denominator")
    frame["value"] = frame["value"].where(frame["value"].notna(), computed)
    problems += problems_where(
        frame["value"].isna() & frame["numerator"].notna(),
        frame,
        file=file_name,
        column="denominator",
        message="cannot compute the value: the denominator is blank or zero; give the value or a positive denominator",
    )
    frame = frame.drop(columns=["kpi_code", "value_type", "multiplier"])
    frame["kpi_id"] = frame["kpi_id"].astype("Int64")
    return Parsed(frame, problems, notes)


def validate_kpi_observations(session: Session, frame: pd.DataFrame, file_name: str, options: Options) -> Parsed:
    """KPI codes, levels and area codes of the template must all exist (errors, with the fix, per row)."""
    return resolve_observations(session, frame, file_name, unknown_area="error")


OBSERVATION_FIELDS = [
    "kpi_id",
    "level",
    "area_code",
    "period_start",
    "period_end",
    "numerator",
    "denominator",
    "value",
    "lower_ci",
    "upper_ci",
]


def load_kpi_observations(session: Session, frame: pd.DataFrame, import_id: int, options: Options) -> dict[str, int]:
    """Upsert observations by (KPI, level, area, period start); a newer file's values replace older ones."""
    rows = frame[OBSERVATION_FIELDS].assign(import_id=import_id)
    n = upsert(session, KpiObservation, rows, keys=["kpi_id", "level", "area_code", "period_start"])
    return {"kpi_observation": n}


# ------------------------------------------------------------------------------------------------- plans


PLAN_COLUMNS = [
    Column("kpi_code", ("kpi", "kpi code")),
    Column("area_level", ("level", "area level", "area type")),
    Column("area_code", ("area", "area code", "org code")),
    Column("period", ("time period", "period start", "month", "date")),
    Column("value", ("planned value", "plan", "trajectory")),
]


def parse_kpi_plans(data: bytes, file_name: str, options: Options | None = None) -> Parsed:
    """Read the plans template: the value each KPI should reach for an area in each period (its trajectory)."""
    frame, problems, n = _read(data, file_name, PLAN_COLUMNS)
    if any(p.severity == "error" for p in problems):
        return Parsed(frame.iloc[0:0], problems, rows_read=n)
    frame["kpi_code"] = clean_code(frame["kpi_code"])
    frame["area_code"] = clean_code(frame["area_code"])
    problems += _required_text(frame, "kpi_code", file_name, "give the code of a KPI in the KPI definitions")
    problems += _required_text(frame, "area_code", file_name, "give the area's code (ODS or ONS)")
    problems += _levels(frame, "area_level", file_name)
    problems += _periods(frame, file_name)
    problems += _numbers(frame, ["value"], file_name)
    problems += problems_where(
        frame["value"].isna(),
        frame,
        file=file_name,
        column="value",
        message="the planned value is blank; give the value the KPI should reach",
    )
    frame = frame.rename(columns={"area_level": "level"})
    problems += _duplicates(frame, ["kpi_code", "level", "area_code", "period_start"], file_name, "period")
    return Parsed(frame[["_row", "kpi_code", "level", "area_code", "period_start", "value"]], problems, rows_read=n)


def validate_kpi_plans(session: Session, frame: pd.DataFrame, file_name: str, options: Options) -> Parsed:
    """KPI and area codes must exist."""
    checked = resolve_observations(
        session, frame.assign(numerator=pd.NA, denominator=pd.NA), file_name, unknown_area="error"
    )
    return Parsed(checked.frame.drop(columns=["numerator", "denominator"]), checked.problems)


def load_kpi_plans(session: Session, frame: pd.DataFrame, import_id: int, options: Options) -> dict[str, int]:
    """Upsert planned values by (KPI, level, area, period start)."""
    rows = frame[["kpi_id", "level", "area_code", "period_start", "value"]].assign(import_id=import_id)
    return {"kpi_plan": upsert(session, KpiPlan, rows, keys=["kpi_id", "level", "area_code", "period_start"])}


# ------------------------------------------------------------------------------------------ benefits register


REGISTER_COLUMNS = [
    Column("workstream_code", ("workstream", "workstream id")),
    Column("workstream_name", ("workstream title",), required=False),
    Column("initiative_code", ("initiative", "initiative id", "scheme code")),
    Column("initiative_name", ("initiative title", "scheme", "scheme name")),
    Column("owner", ("lead", "senior responsible owner", "sro"), required=False),
    Column("borough_code", ("borough", "la code"), required=False),
    Column("description", ("initiative description",), required=False),
    Column("start_date", ("start",), required=False),
    Column("end_date", ("end",), required=False),
]


def parse_register(data: bytes, file_name: str, options: Options | None = None) -> Parsed:
    """Read the benefits register template: one row per initiative, with its workstream."""
    frame, problems, n = _read(data, file_name, REGISTER_COLUMNS)
    if any(p.severity == "error" for p in problems):
        return Parsed(frame.iloc[0:0], problems, rows_read=n)
    frame["workstream_code"] = clean_code(frame["workstream_code"])
    frame["initiative_code"] = clean_code(frame["initiative_code"])
    frame["borough_code"] = clean_code(frame["borough_code"])
    problems += _required_text(frame, "workstream_code", file_name, "give the workstream's code")
    problems += _required_text(frame, "initiative_code", file_name, "give the initiative's code")
    problems += _required_text(frame, "initiative_name", file_name, "give the initiative's name")
    problems += _dates(frame, ["start_date", "end_date"], file_name)
    names = (
        frame.dropna(subset=["workstream_code", "workstream_name"])
        .groupby("workstream_code")["workstream_name"]
        .nunique()
    )
    for code in names[names > 1].index:
        rows = frame[frame["workstream_code"] == code]
        problems.append(
            Problem(
                file_name,
                int(rows["_row"].iloc[-1]),
                "workstream_name",
                code,
                f"workstream {code} has {names[code]} different names in this file; use one name",
            )
        )
    problems += _duplicates(frame, ["initiative_code"], file_name, "initiative_code")
    return Parsed(frame, problems, rows_read=n)


def validate_register(session: Session, frame: pd.DataFrame, file_name: str, options: Options) -> Parsed:
    """Borough codes, when given, must be boroughs of the dashboard; new workstreams need a name."""
    problems: list[Problem] = []
    found = known_codes(session, AreaLevel.BOROUGH, frame["borough_code"].dropna().unique())
    problems += problems_where(
        frame["borough_code"].notna() & ~frame["borough_code"].isin(found),
        frame,
        file=file_name,
        column="borough_code",
        message=f"not a borough of this dashboard; {REGISTER_HINT[AreaLevel.BOROUGH]}",
    )
    existing = set(id_map(session, Workstream))
    unnamed = ~frame["workstream_code"].isin(existing) & frame["workstream_name"].isna()
    unnamed &= ~frame["workstream_code"].isin(frame.loc[frame["workstream_name"].notna(), "workstream_code"])
    problems += problems_where(
        unnamed,
        frame,
        file=file_name,
        column="workstream_name",
        message="a new workstream needs a name; fill workstream_name",
    )
    return Parsed(frame, problems)


def load_register(session: Session, frame: pd.DataFrame, import_id: int, options: Options) -> dict[str, int]:
    """Upsert workstreams (by code) and initiatives (by code)."""
    ws = (
        frame.dropna(subset=["workstream_name"])
        .drop_duplicates("workstream_code")[["workstream_code", "workstream_name"]]
        .rename(columns={"workstream_code": "code", "workstream_name": "name"})
    )
    n_ws = upsert(session, Workstream, ws, keys=["code"])
    ws_ids = id_map(session, Workstream)
    boroughs = id_map(session, Borough)
    rows = pd.DataFrame(
        {
            "code": frame["initiative_code"],
            "name": frame["initiative_name"],
            "workstream_id": frame["workstream_code"].map(ws_ids),
            "owner": text_or_none(frame["owner"]),
            "description": text_or_none(frame["description"]),
            "borough_id": frame["borough_code"].map(boroughs).astype("Int64"),
            "start_date": frame["start_date"],
            "end_date": frame["end_date"],
        }
    )
    return {"workstream": n_ws, "initiative": upsert(session, Initiative, rows, keys=["code"])}


# ---------------------------------------------------------------------------------------- KPI definitions


DEFINITION_COLUMNS = [
    Column("kpi_code", ("code", "kpi")),
    Column("initiative_code", ("initiative",)),
    Column("name", ("kpi name", "title")),
    Column("definition", ("description",)),
    Column("numerator_definition", ("numerator",), required=False),
    Column("denominator_definition", ("denominator",), required=False),
    Column("unit", ("units",)),
    Column("value_type", ("type", "value type")),
    Column("multiplier", ("per",), required=False),
    Column("polarity", ("direction", "improvement direction")),
    Column("source", ("data source",)),
    Column("caveats", ("notes",), required=False),
    Column("counts_people", ("suppress small numbers", "counts people"), required=False),
    Column("summable", ("rolled up", "roll up", "additive"), required=False),
    Column("levels", ("area levels", "reported at"), required=False),
    Column("baseline_value", ("baseline",), required=False),
    Column("baseline_period", (), required=False),
    Column("target_value", ("target",), required=False),
    Column("target_date", (), required=False),
    Column("validation_date", (), required=False),
    Column("indicator_code", ("published indicator", "published indicator code", "reads indicator"), required=False),
]
POLARITY_ALIASES = {
    "higher": "higher_is_better",
    "up": "higher_is_better",
    "lower": "lower_is_better",
    "down": "lower_is_better",
    "neither": "no_judgement",
    "none": "no_judgement",
}


def _enum(frame: pd.DataFrame, column: str, choices: list[str], aliases: dict[str, str], file: str) -> list[Problem]:
    raw = frame[column]
    norm = raw.astype("string").str.strip().str.lower().str.replace(r"[\s-]+", "_", regex=True)
    # plain objects: a column that is blank throughout would otherwise become an Arrow null array, which isin refuses
    norm = pd.Series([aliases.get(v, v) if isinstance(v, str) else None for v in norm], index=norm.index, dtype=object)
    frame[column] = norm.where(norm.isin(choices), None).astype(object)
    return problems_where(
        frame[column].isna(), frame, file=file, column=column, values=raw, message=f"use one of: {', '.join(choices)}"
    )


def parse_kpi_definitions(data: bytes, file_name: str, options: Options | None = None) -> Parsed:
    """Read the KPI definitions template: what each KPI measures, how, which way is better, target and levels."""
    frame, problems, n = _read(data, file_name, DEFINITION_COLUMNS)
    if any(p.severity == "error" for p in problems):
        return Parsed(frame.iloc[0:0], problems, rows_read=n)
    frame["kpi_code"] = clean_code(frame["kpi_code"])
    frame["initiative_code"] = clean_code(frame["initiative_code"])
    for col, what in [
        ("kpi_code", "give the KPI a short code"),
        ("name", "give the KPI a name"),
        ("definition", "say what is measured"),
        ("unit", "give the display unit, e.g. %"),
        ("source", "name the data source"),
        ("initiative_code", "name the initiative it serves"),
    ]:
        problems += _required_text(frame, col, file_name, what)
    problems += _enum(frame, "value_type", [v.value for v in ValueType], {"percentage": "proportion"}, file_name)
    problems += _enum(frame, "polarity", [v.value for v in Polarity], POLARITY_ALIASES, file_name)
    problems += _numbers(frame, ["multiplier", "baseline_value", "target_value"], file_name)
    frame["multiplier"] = frame["multiplier"].fillna(1.0)
    raw_people = frame["counts_people"].astype("string").str.strip().str.lower()
    frame["counts_people"] = raw_people.map(
        lambda v: (
            True
            if pd.isna(v) or v in {"", "true", "yes", "y", "1"}
            else False
            if v in {"false", "no", "n", "0"}
            else None
        )
    ).astype(object)
    problems += problems_where(
        frame["counts_people"].isna(),
        frame,
        file=file_name,
        column="counts_people",
        values=raw_people,
        message="write yes or no (no only for counts of organisations such as practices)",
    )
    raw_summable = frame["summable"].astype("string").str.strip().str.lower()
    frame["summable"] = raw_summable.map(
        lambda v: True if pd.isna(v) or v in {"", "true", "yes", "y", "1"} else False if v in {"false", "no", "n", "0"}
        else None).astype(object)
    problems += problems_where(
        frame["summable"].isna(), frame, file=file_name, column="summable", values=raw_summable,
        message="write yes or no (no for modelled estimates, medians and ratios without expected counts: "
                "they are not rolled up from practices)",
    )
    problems += problems_where(
        frame["multiplier"] <= 0,
        frame,
        file=file_name,
        column="multiplier",
        message="the multiplier must be positive (100 for a percentage, 1000 per 1,000)",
    )
    problems += _dates(frame, ["target_date", "validation_date"], file_name)
    start, _end, bad = to_period(frame["baseline_period"])
    problems += problems_where(
        bad,
        frame,
        file=file_name,
        column="baseline_period",
        message="not a period; write a month (2019-04) or a financial year (2019/20)",
    )
    frame["baseline_period"] = start
    valid_levels = {lv.value for lv in FOOTPRINT_LEVELS}
    parsed_levels, bad_levels = [], []
    for raw in frame["levels"]:
        items = [] if pd.isna(raw) else [s.strip().lower() for s in str(raw).replace(",", ";").split(";") if s.strip()]
        items = [LEVEL_ALIASES.get(i, i) for i in items]
        items = [str(i.value) if isinstance(i, AreaLevel) else i for i in items]
        parsed_levels.append(tuple(dict.fromkeys(i for i in items if i in valid_levels)))
        bad_levels.append(any(i not in valid_levels for i in items))
    frame["levels"] = parsed_levels
    problems += problems_where(
        np.array(bad_levels),
        frame,
        file=file_name,
        column="levels",
        message=f"unknown level; list levels separated by ';' from: {LEVEL_CHOICES}",
    )
    frame["indicator_code"] = clean_code(frame["indicator_code"])
    problems += problems_where(
        frame["indicator_code"].notna() & (frame["indicator_code"] == frame["kpi_code"]),
        frame,
        file=file_name,
        column="indicator_code",
        message="a KPI cannot read itself; give the code of a published indicator (e.g. QOF_HYP) or leave it blank",
    )
    problems += _duplicates(frame, ["kpi_code"], file_name, "kpi_code")
    return Parsed(frame, problems, rows_read=n)


def validate_kpi_definitions(session: Session, frame: pd.DataFrame, file_name: str, options: Options) -> Parsed:
    """The initiative of each KPI must be in the benefits register; a bound indicator must not be a register KPI.

    A binding to an indicator that is not loaded yet is accepted with a note: the KPI reads it once it arrives.
    """
    found = set(id_map(session, Initiative))
    problems = problems_where(
        ~frame["initiative_code"].isin(found),
        frame,
        file=file_name,
        column="initiative_code",
        message="no initiative has this code; import the benefits register first",
    )
    bound = frame["indicator_code"].dropna().unique().tolist()
    origins = dict(session.execute(select(Kpi.code, Kpi.origin).where(Kpi.code.in_(bound))).all()) if bound else {}
    registered = set(frame["kpi_code"])
    problems += problems_where(
        frame["indicator_code"].map(lambda c: origins.get(c) == "register" or c in registered).fillna(False),
        frame,
        file=file_name,
        column="indicator_code",
        message="this is a KPI of the benefits register, not a published indicator; give a published indicator's "
        "code (About the KPIs lists them) or leave it blank",
    )
    waiting = sorted(set(bound) - set(origins) - registered)
    notes = (
        [f"bound to published indicators not loaded yet ({', '.join(waiting[:10])}); the KPIs show their data once "
         "the files arrive"]
        if waiting
        else []
    )
    return Parsed(frame, problems, notes)


KPI_FIELDS = [
    "code",
    "initiative_id",
    "name",
    "definition",
    "numerator_definition",
    "denominator_definition",
    "unit",
    "value_type",
    "multiplier",
    "polarity",
    "source",
    "caveats",
    "counts_people",
    "summable",
    "baseline_value",
    "baseline_period",
    "target_value",
    "target_date",
    "validation_date",
    "indicator_code",
    "origin",
]


def load_kpi_definitions(session: Session, frame: pd.DataFrame, import_id: int, options: Options) -> dict[str, int]:
    """Upsert KPIs by code; where the file lists levels, they replace the KPI's reporting levels."""
    rows = frame.rename(columns={"kpi_code": "code"}).assign(
        initiative_id=frame["initiative_code"].map(id_map(session, Initiative)), origin="register"
    )
    rows["indicator_code"] = text_or_none(rows["indicator_code"])
    for col in ("numerator_definition", "denominator_definition", "caveats"):
        rows[col] = text_or_none(rows[col])
    n = upsert(session, Kpi, rows[KPI_FIELDS], keys=["code"])
    kpi_ids = id_map(session, Kpi)
    with_levels = rows[rows["levels"].map(len) > 0]
    for code, wanted in zip(with_levels["code"], with_levels["levels"], strict=True):  # only levels dropped go
        session.execute(delete(KpiAreaLevel).where(KpiAreaLevel.kpi_id == kpi_ids[code],  # type: ignore[arg-type]
                                                   KpiAreaLevel.level.not_in(list(wanted))))  # type: ignore[union-attr]
    levels = pd.DataFrame(
        [(kpi_ids[c], lv) for c, lvs in zip(with_levels["code"], with_levels["levels"], strict=True) for lv in lvs],
        columns=["kpi_id", "level"],
    )
    n_levels = upsert(session, KpiAreaLevel, levels, keys=["kpi_id", "level"], update=[])
    return {"kpi": n, "kpi_area_level": n_levels}


# ------------------------------------------------------------------------------------------------ targets


TARGET_COLUMNS = [
    Column("kpi_code", ("code", "kpi")),
    Column("target_value", ("target",), required=False),
    Column("target_date", (), required=False),
    Column("baseline_value", ("baseline",), required=False),
    Column("baseline_period", (), required=False),
    Column("validation_date", (), required=False),
]
TARGET_FIELDS = ["target_value", "target_date", "baseline_value", "baseline_period", "validation_date"]


def parse_kpi_targets(data: bytes, file_name: str, options: Options | None = None) -> Parsed:
    """Read the targets template: new target, baseline or validation date for existing KPIs.

    Only the columns present in the file are changed; a blank cell in a present column clears the value.
    """
    hint = [a for c in TARGET_COLUMNS for a in c.accepts()]
    raw = read_table(data, file_name, header_hint=hint)
    frame, problems = match_columns(raw, TARGET_COLUMNS, file=file_name)
    headers = {normalise_header(h) for h in raw.columns}
    present = [c.name for c in TARGET_COLUMNS[1:] if headers & set(c.accepts())]
    if not present:
        problems.append(
            Problem(
                file_name, 1, None, None, "no target columns found; add at least one of: " + ", ".join(TARGET_FIELDS)
            )
        )
    if any(p.severity == "error" for p in problems):
        return Parsed(frame.iloc[0:0], problems, rows_read=len(raw))
    frame["kpi_code"] = clean_code(frame["kpi_code"])
    problems += _required_text(frame, "kpi_code", file_name, "give the KPI's code")
    problems += _numbers(frame, ["target_value", "baseline_value"], file_name)
    problems += _dates(frame, ["target_date", "validation_date"], file_name)
    start, _end, bad = to_period(frame["baseline_period"])
    problems += problems_where(
        bad,
        frame,
        file=file_name,
        column="baseline_period",
        message="not a period; write a month (2019-04) or a financial year (2019/20)",
    )
    frame["baseline_period"] = start
    problems += _duplicates(frame, ["kpi_code"], file_name, "kpi_code")
    return Parsed(frame[["_row", "kpi_code", *present]], problems, rows_read=len(raw))


def validate_kpi_targets(session: Session, frame: pd.DataFrame, file_name: str, options: Options) -> Parsed:
    """Targets can only be set on KPIs that exist."""
    found = set(id_map(session, Kpi))
    return Parsed(
        frame,
        problems_where(
            ~frame["kpi_code"].isin(found),
            frame,
            file=file_name,
            column="kpi_code",
            message="no KPI has this code; import it with the KPI definitions first",
        ),
    )


def load_kpi_targets(session: Session, frame: pd.DataFrame, import_id: int, options: Options) -> dict[str, int]:
    """Update the present target columns of each KPI (by code)."""
    present = [c for c in TARGET_FIELDS if c in frame.columns]
    rows = records(frame[["kpi_code", *present]].rename(columns={"kpi_code": "code"}))
    return {"kpi": update_changed(session, Kpi, rows, key="code", columns=present)}


# ------------------------------------------------------------------------------------------------- sources


SOURCES = [
    Source(
        "register",
        "Benefits register (workstreams and initiatives)",
        "One row per initiative: workstream code and name, initiative code and name, owner, borough, dates.",
        TEMPLATE_EXTENSIONS,
        parse_register,
        load_register,
        validate_register,
    ),
    Source(
        "kpi_definitions",
        "KPI definitions",
        "One row per KPI: code, initiative, definition, unit, value type, polarity, source, levels, target.",
        TEMPLATE_EXTENSIONS,
        parse_kpi_definitions,
        load_kpi_definitions,
        validate_kpi_definitions,
    ),
    Source(
        "kpi_targets",
        "KPI targets and baselines",
        "One row per KPI: target value and date, baseline, validation date (only columns present change).",
        TEMPLATE_EXTENSIONS,
        parse_kpi_targets,
        load_kpi_targets,
        validate_kpi_targets,
    ),
    Source(
        "kpi_plans",
        "KPI plans (trajectories)",
        "One row per KPI, area and period: the value planned for that period.",
        TEMPLATE_EXTENSIONS,
        parse_kpi_plans,
        load_kpi_plans,
        validate_kpi_plans,
    ),
    Source(
        "kpi_observations",
        "KPI observations (actuals)",
        "One row per KPI, area and period: numerator, denominator and/or value.",
        TEMPLATE_EXTENSIONS,
        parse_kpi_observations,
        load_kpi_observations,
        validate_kpi_observations,
    ),
]
