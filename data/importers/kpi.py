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
    Options,
    Parsed,
    Problem,
    Source,
    id_map,
    known_codes,
    problems_where,
    records,
    text_or_none,
    to_period,
    update_changed,
    upsert,
)
from data.importers.template_schemas import (
    KPI_DEFINITIONS,
    KPI_OBSERVATIONS,
    KPI_PLANS,
    KPI_TARGETS,
    REGISTER,
    read_template,
)
from models import (
    AreaLevel,
    Borough,
    Initiative,
    Kpi,
    KpiAreaLevel,
    KpiObservation,
    KpiPlan,
    ValueType,
    Workstream,
)

TEMPLATE_EXTENSIONS = (".csv", ".xlsx", ".ods", ".txt")


# ---------------------------------------------------------------------------------------- KPI observations


def parse_kpi_observations(data: bytes, file_name: str, options: Options | None = None) -> Parsed:
    """Read the KPI observations template (one row per KPI, area and period), every row checked by its schema.

    Output columns: _row, kpi_code, level, area_code, period_start, period_end, numerator, denominator, value,
    lower_ci, upper_ci. A row needs a value or a numerator (the value is then computed from the KPI's definition);
    a blank period end is the end of the period.
    """
    read = read_template(data, file_name, KPI_OBSERVATIONS)
    if read.refused:
        return read.rejected()
    frame = read.frame.rename(columns={"area_level": "level", "period": "period_start"})
    ends = to_period(read.raw["period"].astype(object).where(read.raw["period"].notna(), None))[1]
    frame["period_end"] = frame["period_end"].where(frame["period_end"].notna(), ends)
    out = frame[["_row", "kpi_code", "level", "area_code", "period_start", "period_end", "numerator",
                 "denominator", "value", "lower_ci", "upper_ci"]]
    return read.parsed(out)


def resolve_observations(
    session: Session,
    frame: pd.DataFrame,
    file_name: str,
    *,
    unknown_area: str = "error",
    kpi_hint: str = "import it with the KPI definitions template first",
    parts: bool = False,
) -> Parsed:
    """Check observation rows against the database and attach ``kpi_id``; compute missing values.

    Unknown KPI codes and levels a KPI is not reported at are errors. Unknown area codes are errors for the
    dashboard's own template (``unknown_area="error"``) and warnings that skip the row for national publications
    (``"warning"``: a Fingertips or NHS Digital file covers all of England, the register only this system).
    With ``parts``, a proportion's numerator larger than its denominator is an error (a share cannot exceed the
    whole; the KPI's value type is only known here).
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
    if parts:
        over = (frame["value_type"] == ValueType.PROPORTION.value) & (
            frame["numerator"].astype(float) > frame["denominator"].astype(float))
        problems += problems_where(
            over.fillna(False).to_numpy(dtype=bool), frame, file=file_name, column="numerator",
            values=frame["numerator"].map(lambda v: None if pd.isna(v) else f"{v:g}"),
            message=lambda v: f"this KPI is a proportion, so its numerator ({v}) cannot be larger than its "
            "denominator; correct the numerator or the denominator")
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
    return resolve_observations(session, frame, file_name, unknown_area="error", parts=True)


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


def parse_kpi_plans(data: bytes, file_name: str, options: Options | None = None) -> Parsed:
    """Read the plans template: the value each KPI should reach for an area in each period (its trajectory)."""
    read = read_template(data, file_name, KPI_PLANS)
    if read.refused:
        return read.rejected()
    frame = read.frame.rename(columns={"area_level": "level", "period": "period_start"})
    return read.parsed(frame[["_row", "kpi_code", "level", "area_code", "period_start", "value"]])


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


def parse_register(data: bytes, file_name: str, options: Options | None = None) -> Parsed:
    """Read the benefits register template: one row per initiative, with its workstream (schema ``REGISTER``).

    One rule spans rows and so lives here: a workstream has one name in the file.
    """
    read = read_template(data, file_name, REGISTER)
    if read.refused:
        return read.rejected()
    frame, problems = read.frame, read.problems
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
                read.header("workstream_name"),
                str(rows["workstream_name"].iloc[-1]),
                f"workstream {code} has {names[code]} different names in this file (row "
                f"{int(rows['_row'].iloc[0])} calls it {rows['workstream_name'].iloc[0]!r}); use one name",
            )
        )
    return read.parsed(frame)


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


def parse_kpi_definitions(data: bytes, file_name: str, options: Options | None = None) -> Parsed:
    """Read the KPI definitions template: what each KPI measures, how, which way is better, target and levels.

    Every row is checked by the schema ``KPI_DEFINITIONS``; a blank multiplier is 1, blank yes/no columns yes.
    """
    read = read_template(data, file_name, KPI_DEFINITIONS)
    if read.refused:
        return read.rejected()
    frame = read.frame
    frame["multiplier"] = frame["multiplier"].fillna(1.0)
    return read.parsed(frame)


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


TARGET_FIELDS = ["target_value", "target_date", "baseline_value", "baseline_period", "validation_date"]


def parse_kpi_targets(data: bytes, file_name: str, options: Options | None = None) -> Parsed:
    """Read the targets template: new target, baseline or validation date for existing KPIs.

    Only the columns present in the file are changed; a blank cell in a present column clears the value.
    """
    read = read_template(data, file_name, KPI_TARGETS)
    if read.refused:
        return read.rejected()
    present = [c for c in TARGET_FIELDS if c in read.present]
    return read.parsed(read.frame[["_row", "kpi_code", *present]])


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
