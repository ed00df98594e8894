"""QOF achievement by practice and indicator -> KPI observations of the KPIs coded ``QOF_<INDICATOR>``.

NHS Digital publishes QOF achievement as a long file (``ACHIEVEMENT_*.csv``: PRACTICE_CODE, INDICATOR_CODE,
MEASURE, VALUE, where MEASURE is NUMERATOR, DENOMINATOR, PCAS, ACHIEVED_POINTS, ...); older releases and local
extracts are wide (one column per measure). Both are read. The KPI value is the practice's achievement,
NUMERATOR / DENOMINATOR (patients who had the intervention among those eligible after personalised care
adjustments); with the option ``include_pcas=true`` the denominator adds the PCAs back (the "intervention rate"
QOF also reports). The QOF year comes from the ``period`` option or the file name (``ACHIEVEMENT_2021`` is
2020/21). Indicators without a ``QOF_<INDICATOR>`` KPI are skipped with a note; unknown practices are warnings.
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
    normalise_header,
    parse_period,
    problems_where,
    read_table,
    to_number,
)
from data.importers.kpi import load_kpi_observations, resolve_observations
from models import AreaLevel, Kpi


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
    frame, problems = match_columns(raw, LONG_COLUMNS if long else WIDE_COLUMNS, file=file_name)
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


SOURCES = [
    Source("qof_achievement", "QOF achievement (ACHIEVEMENT_*.csv)",
           "QOF numerators and denominators by practice and indicator -> KPIs coded QOF_<INDICATOR>.",
           (".csv", ".xlsx"), parse_qof_achievement, load_kpi_observations, validate_qof_achievement,
           options=("period", "include_pcas")),
]
