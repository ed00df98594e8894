"""QOF achievement by practice and indicator -> KPI observations of the KPIs coded ``QOF_<INDICATOR>``.

NHS Digital publishes QOF achievement as a long file (``ACHIEVEMENT_*.csv``: PRACTICE_CODE, INDICATOR_CODE,
MEASURE, VALUE, where MEASURE is NUMERATOR, DENOMINATOR, PCAS, ACHIEVED_POINTS, ...); older releases and local
extracts are wide (one column per measure). Both are read. The KPI value is the practice's achievement,
NUMERATOR / DENOMINATOR (patients who had the intervention among those eligible after personalised care
adjustments); with the option ``include_pcas=true`` the denominator adds the PCAs back (the "intervention rate"
QOF also reports). The QOF year comes from the ``period`` option or the file name (``ACHIEVEMENT_2021`` is
2020/21). Indicators without a ``QOF_<INDICATOR>`` KPI are skipped with a note; unknown practices are warnings.

Also the published-indicator metadata of QOF prevalence (``prevalence_metadata``, used by ``gp.py``) and the
``qof_indicators`` source: ``MAPPING_INDICATORS_*.csv`` (INDICATOR_CODE, GROUP_CODE, GROUP_DESCRIPTION,
PATIENT_LIST_TYPE, ...) names the catalogue's ``QOF_<GROUP>`` prevalence indicators by their group description.
"""

from __future__ import annotations

import re

import pandas as pd
from sqlalchemy import select
from sqlmodel import Session

from data.importers.catalogue import describe, period_type
from data.importers.common import (
    Column,
    Options,
    Parsed,
    Problem,
    Source,
    clean_code,
    errors_in,
    match_columns,
    normalise_header,
    parse_period,
    problems_where,
    read_table,
    to_number,
    update_changed,
)
from data.importers.kpi import load_kpi_observations, resolve_observations
from data.importers.schemas import check_source
from models import AreaLevel, Kpi, KpiOrigin, Polarity, ValueType

QOF_PUBLISHER = "NHS Digital (NHS England)"
LIST_TYPE_AGE = {"TOTAL": "All ages", "06OV": "6+ yrs", "16OV": "16+ yrs", "17OV": "17+ yrs", "18OV": "18+ yrs",
                 "50OV": "50+ yrs"}


def list_type_age(list_type: object) -> str:
    """The age band of a QOF patient list type: ``18OV`` -> ``18+ yrs``, ``TOTAL`` -> ``All ages``."""
    text = str(list_type or "TOTAL").strip().upper()
    if text in LIST_TYPE_AGE:
        return LIST_TYPE_AGE[text]
    match = re.fullmatch(r"(\d{2})OV", text)
    return f"{int(match[1])}+ yrs" if match else text


def prevalence_metadata(frame: pd.DataFrame, period: tuple) -> pd.DataFrame:
    """Observation rows of QOF prevalence (``group_code``, ``list_type`` columns) described as published indicators.

    One indicator per disease group, coded ``QOF_<GROUP>``: register / list size x 100, no judgement of direction
    (a higher recorded prevalence may be better case finding), the list's age band as the breakdown.
    """
    years = f"{period[0].year}/{str(period[1].year)[2:]}"
    group = frame["group_code"].fillna("")
    out = describe(
        frame,
        unit="%", value_type=ValueType.PROPORTION.value, multiplier=100.0, polarity=Polarity.NO_JUDGEMENT.value,
        counts_people=True, publisher=QOF_PUBLISHER, period_type=period_type(period[0], period[1]),
        source=f"NHS Digital, Quality and Outcomes Framework {years}: prevalence (PREVALENCE file)",
        numerator_definition="patients on the practice's QOF disease register",
        denominator_definition="patients registered at the practice (of the list type's ages)",
        sex="Persons",
    )
    out["name"] = "QOF " + group + " register prevalence"
    out["definition"] = ("Recorded prevalence of QOF group " + group
                         + ": patients on the disease register as a percentage of the practice list")
    out["indicator_id"] = group
    out["age"] = frame["list_type"].map(list_type_age) if "list_type" in frame.columns else "All ages"
    return out


def qof_period(file_name: str, option: object = None) -> tuple | None:
    """The QOF year: the ``period`` option (``2020/21``), else from the name (``PREVALENCE_2021`` -> 2020/21)."""
    if option:
        return parse_period(option)
    match = re.search(r"_(\d{2})(\d{2})(?:_|\.|v)", file_name + ".")
    if match and int(match[2]) == int(match[1]) + 1:
        return parse_period(f"20{match[1]}/{match[2]}")
    return None


LONG_COLUMNS = [
    Column("practice_code", ("PRACTICE_CODE",)),
    Column("indicator_code", ("INDICATOR_CODE",)),
    Column("measure", ("MEASURE",)),
    Column("value", ("VALUE",)),
]
WIDE_COLUMNS = [
    Column("practice_code", ("PRACTICE_CODE",)),
    Column("indicator_code", ("INDICATOR_CODE",)),
    Column("numerator", ("NUMERATOR",)),
    Column("denominator", ("DENOMINATOR",)),
    Column("pcas", ("PCAS", "PCA", "EXCEPTIONS", "PERSONALISED_CARE_ADJUSTMENTS"), required=False),
]


def _truthy(value: object) -> bool:
    return str(value).strip().lower() in {"1", "true", "yes", "y"}


def _long_to_wide(frame: pd.DataFrame, file_name: str) -> tuple[pd.DataFrame, list[Problem]]:
    """One row per practice and indicator from the long MEASURE/VALUE layout (first row of each kept for errors)."""
    frame["measure"] = frame["measure"].astype("string").str.strip().str.upper()
    raw = frame["value"].copy()
    frame["value"], bad = to_number(raw)
    problems = problems_where(bad, frame, file=file_name, column="VALUE", values=raw, message="not a number")
    keys = ["practice_code", "indicator_code"]
    wanted = frame[frame["measure"].isin(["NUMERATOR", "DENOMINATOR", "PCAS"])]
    duplicated = wanted.duplicated(subset=[*keys, "measure"], keep="first")
    problems += problems_where(duplicated, wanted, file=file_name, column="MEASURE",
                               message="this practice, indicator and measure already appear above; keep one row")
    wide = wanted[~duplicated].pivot(index=keys, columns="measure", values="value").reset_index()
    rows = wanted.groupby(keys)["_row"].min().rename("_row").reset_index()
    wide = wide.merge(rows, on=keys).rename(columns={"NUMERATOR": "numerator", "DENOMINATOR": "denominator",
                                                      "PCAS": "pcas"})
    for column in ("numerator", "denominator", "pcas"):
        if column not in wide:
            wide[column] = pd.NA
    missing = wide["numerator"].isna() | wide["denominator"].isna()
    problems += problems_where(missing, wide, file=file_name, column="MEASURE",
                               message="this practice and indicator need both a NUMERATOR and a DENOMINATOR row")
    return wide[~missing], problems


def parse_qof_achievement(data: bytes, file_name: str, options: Options | None = None) -> Parsed:
    """Read QOF achievement (long or wide) into practice observations of ``QOF_<INDICATOR>``."""
    options = options or {}
    raw = read_table(data, file_name, header_hint=["practice code", "indicator code"])
    long = "measure" in {normalise_header(c) for c in raw.columns}
    problems = check_source("qof_achievement", raw, file_name, 0 if long else 1)
    if errors_in(problems):
        return Parsed(raw.iloc[0:0], problems, rows_read=len(raw))
    frame, more = match_columns(raw, LONG_COLUMNS if long else WIDE_COLUMNS, file=file_name)
    problems += more
    period = qof_period(file_name, options.get("period"))
    if period is None:
        problems.append(Problem(file_name, None, None, options.get("period"), "cannot tell the QOF year: give the "
                                "option period=2020/21 (the file name does not say it)"))
    if any(p.severity == "error" for p in problems):
        return Parsed(frame.iloc[0:0], problems, rows_read=len(raw))
    frame["practice_code"] = clean_code(frame["practice_code"])
    frame["indicator_code"] = clean_code(frame["indicator_code"])
    if long:
        frame, more = _long_to_wide(frame, file_name)
        problems += more
    else:
        for column in ("numerator", "denominator", "pcas"):
            values = frame[column].copy()
            frame[column], bad = to_number(values)
            problems += problems_where(bad, frame, file=file_name, column=column.upper(), values=values,
                                       message="not a number")
    denominator = frame["denominator"].astype(float)
    if _truthy(options.get("include_pcas", "")):
        denominator = denominator + frame["pcas"].astype(float).fillna(0.0)
    over = frame["numerator"].astype(float) > denominator
    problems += problems_where(over, frame, file=file_name, column="NUMERATOR",
                               message="the numerator is larger than the denominator; check the practice's row")
    assert period is not None
    out = pd.DataFrame({
        "_row": frame["_row"], "kpi_code": "QOF_" + frame["indicator_code"].fillna(""),
        "level": AreaLevel.PRACTICE.value, "area_code": frame["practice_code"], "period_start": period[0],
        "period_end": period[1], "numerator": frame["numerator"].astype(float), "denominator": denominator,
        "value": pd.NA, "lower_ci": pd.NA, "upper_ci": pd.NA,
    })
    out["value"] = out["value"].astype("Float64")
    return Parsed(out, problems, rows_read=len(raw))


def validate_qof_kpis(session: Session, frame: pd.DataFrame, file_name: str, *, column: str, what: str) -> Parsed:
    """Keep rows whose ``QOF_<code>`` KPI exists (an error if none does, naming the codes to define); skip codes
    without a KPI with a note; unknown practices are warnings (shared by prevalence and achievement)."""
    existing = set(session.execute(select(Kpi.code).where(Kpi.code.like("QOF\\_%", escape="\\"))).scalars())
    wanted = frame["kpi_code"].isin(existing)
    codes = sorted(frame["kpi_code"].unique())
    if not wanted.any():
        return Parsed(frame.iloc[0:0], [Problem(file_name, None, column, None, f"no KPI is defined for any QOF {what} "
                      f"in this file; add KPIs coded {', '.join(codes[:5])}... with the KPI definitions template "
                      "(value type proportion, multiplier 100)")])
    skipped = sorted(set(codes) - existing)
    notes = [f"skipped {what}s without a KPI: {', '.join(skipped)}"] if skipped else []
    checked = resolve_observations(session, frame[wanted], file_name, unknown_area="warning")
    return Parsed(checked.frame, checked.problems, notes + checked.notes)


def validate_qof_achievement(session: Session, frame: pd.DataFrame, file_name: str, options: Options) -> Parsed:
    """Keep indicators that have a ``QOF_<INDICATOR>`` KPI (an error if none has); practices must be known."""
    return validate_qof_kpis(session, frame, file_name, column="INDICATOR_CODE", what="indicator")


# ----------------------------------------------------------------------------------- indicator descriptions

MAPPING_COLUMNS = [
    Column("indicator_code", ("INDICATOR_CODE",)),
    Column("group_code", ("GROUP_CODE",)),
    Column("group_description", ("GROUP_DESCRIPTION",)),
    Column("point_value", ("INDICATOR_POINT_VALUE",), required=False),
    Column("domain_code", ("DOMAIN_CODE",), required=False),
    Column("domain_description", ("DOMAIN_DESCRIPTION",), required=False),
    Column("list_type", ("PATIENT_LIST_TYPE",), required=False),
]


def parse_qof_indicators(data: bytes, file_name: str, options: Options | None = None) -> Parsed:
    """Read MAPPING_INDICATORS: one row per QOF group with its description (groups repeat per indicator)."""
    raw = read_table(data, file_name, header_hint=["indicator code", "group code", "group description"])
    problems = check_source("qof_indicators", raw, file_name)
    if errors_in(problems):
        return Parsed(raw.iloc[0:0], problems, rows_read=len(raw))
    frame, more = match_columns(raw, MAPPING_COLUMNS, file=file_name)
    problems += more
    if any(p.severity == "error" for p in problems):
        return Parsed(frame.iloc[0:0], problems, rows_read=len(raw))
    frame["group_code"] = clean_code(frame["group_code"])
    problems += problems_where(frame["group_code"].isna(), frame, file=file_name, column="GROUP_CODE",
                               message="blank group code")
    problems += problems_where(frame["group_description"].isna(), frame, file=file_name,
                               column="GROUP_DESCRIPTION", message="blank group description")
    groups = frame.dropna(subset=["group_code", "group_description"]).drop_duplicates("group_code")
    return Parsed(groups[["_row", "group_code", "group_description"]].reset_index(drop=True), problems,
                  [f"{len(groups):,} QOF groups described"], rows_read=len(raw))


def load_qof_indicators(session: Session, frame: pd.DataFrame, import_id: int, options: Options) -> dict[str, int]:
    """Name the catalogue's ``QOF_<GROUP>`` prevalence indicators by their group description.

    Only published indicators that exist are renamed (a group without prevalence data is not an indicator yet;
    load this file again after a prevalence file, ``load-folder`` orders it so); register KPIs keep their names.
    """
    table = Kpi.__table__  # type: ignore[attr-defined]
    rows = [{"code": f"QOF_{g}", "name": f"{d} prevalence (QOF register)"[:200],
             "definition": f"Recorded prevalence of {d.lower()} (QOF group {g}): patients on the disease register "
                             "as a percentage of the practice list"}
            for g, d in zip(frame["group_code"], frame["group_description"], strict=True)]
    if not rows:
        return {"kpi (named)": 0}
    existing = set(session.execute(select(Kpi.code).where(Kpi.code.in_([r["code"] for r in rows]),
                                                          Kpi.origin == KpiOrigin.PUBLISHED.value)).scalars())
    hits = [r for r in rows if r["code"] in existing]
    named = update_changed(session, Kpi, hits, key="code", columns=["name", "definition"],
                           where=table.c.origin == KpiOrigin.PUBLISHED.value)
    return {"kpi (named)": named}


SOURCES = [
    Source("qof_indicators", "QOF indicator descriptions (MAPPING_INDICATORS_*.csv)",
           "QOF groups and their descriptions: names the catalogue's QOF prevalence indicators.",
           (".csv",), parse_qof_indicators, load_qof_indicators),
    Source("qof_achievement", "QOF achievement (ACHIEVEMENT_*.csv)",
           "QOF numerators and denominators by practice and indicator -> KPIs coded QOF_<INDICATOR>.",
           (".csv", ".xlsx"), parse_qof_achievement, load_kpi_observations, validate_qof_achievement,
           options=("period", "include_pcas")),
]
