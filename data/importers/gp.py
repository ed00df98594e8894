"""GP practice publications: registered patients, QOF prevalence, and the NHS website practice file.

- **Patients Registered at a GP Practice** (``gp-reg-pat-prac-all.csv``: EXTRACT_DATE like ``01May2022``, CODE,
  NUMBER_OF_PATIENTS, SEX/AGE ``ALL``) and the EMIS list-size extract (CODE, LIST_SIZE, EXTRACT_DATE dd/mm/yyyy or
  ``01-Apr-21``) -> ``practice_list_size``.
  Each practice's list size is also an observation of the published indicator ``GP_LIST_SIZE`` (registered
  patients, one period per extract month), so list sizes can be charted like any indicator.
- **QOF prevalence** (``PREVALENCE_*.csv``: PRACTICE_CODE, GROUP_CODE, REGISTER, PRACTICE_LIST_SIZE) -> published
  indicators ``QOF_<GROUP>`` (e.g. ``QOF_HYP``; created from the file, named by ``qof_indicators``) with practice
  observations over the QOF year given by the ``period`` option or read from the file name (``_2021`` ->
  2020/21). A ``QOF_<GROUP>`` KPI of the benefits register receives the data instead. A register larger than the
  list is kept with a warning (a real published row does this).
- **NHS website GP file** (``GP.csv``: ``¬``-delimited, Windows-1252) -> practice postcode, latitude, longitude;
  branch surgeries (9-character codes) -> ``practice_site`` rows linked to their main practice by code.

Practices must be in the register (epraccur first); national files' other practices are skipped with a note.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sqlmodel import Session

from data.importers.catalogue import describe, load_published, validate_published
from data.importers.common import (
    REGISTER_HINT,
    Column,
    Options,
    Parsed,
    Problem,
    Source,
    clean_code,
    errors_in,
    id_map,
    match_columns,
    problems_where,
    read_table,
    to_date,
    to_number,
    update_changed,
    upsert,
)
from data.importers.links import boroughs_by_name
from data.importers.qof import prevalence_metadata, qof_period
from data.importers.schemas import check_source
from models import AreaLevel, Polarity, Practice, PracticeListSize, PracticeSite, ValueType

LIST_SIZE_CODE = "GP_LIST_SIZE"

# ------------------------------------------------------------------------------------------------ list sizes

LIST_COLUMNS = [
    Column("practice_code", ("CODE", "PRACTICE_CODE", "ORG_CODE")),
    Column("extract_date", ("EXTRACT_DATE", "DATE")),
    Column("patients", ("NUMBER_OF_PATIENTS", "LIST_SIZE", "PATIENTS", "REGISTERED_PATIENTS")),
    Column("sex", ("SEX",), required=False),
    Column("age", ("AGE",), required=False),
    Column("publication", ("PUBLICATION",), required=False),
    Column("type", ("TYPE", "ORG_TYPE"), required=False),
    Column("ccg_code", ("CCG_CODE", "SUB_ICB_LOCATION_CODE"), required=False),
    Column("ons_ccg_code", ("ONS_CCG_CODE", "ONS_SUB_ICB_LOCATION_CODE"), required=False),
    Column("postcode", ("POSTCODE",), required=False),
    Column("borough", ("BOROUGH",), required=False),
    Column("practice_name", ("GP_PRACTICE", "PRACTICE_NAME"), required=False),
]


def parse_list_sizes(data: bytes, file_name: str, options: Options | None = None) -> Parsed:
    """Read registered-patient counts per practice and extract date (all sexes, all ages only)."""
    raw = read_table(data, file_name, header_hint=["code", "extract date", "number of patients", "list size"])
    problems = check_source("gp_list_size", raw, file_name)
    if errors_in(problems):
        return Parsed(raw.iloc[0:0], problems, rows_read=len(raw))
    frame, more = match_columns(raw, LIST_COLUMNS, file=file_name)
    problems += more
    if any(p.severity == "error" for p in problems):
        return Parsed(frame.iloc[0:0], problems, rows_read=len(raw))
    notes = []
    totals = frame["sex"].fillna("ALL").str.upper().eq("ALL") & frame["age"].fillna("ALL").str.upper().eq("ALL")
    if (~totals).any():
        notes.append(f"skipped {int((~totals).sum()):,} breakdown rows by sex or age (totals only)")
    frame = frame[totals].copy()
    frame["practice_code"] = clean_code(frame["practice_code"])
    raw_dates = frame["extract_date"].copy()
    frame["extract_date"], bad = to_date(raw_dates)
    problems += problems_where(bad | raw_dates.isna(), frame, file=file_name, column="EXTRACT_DATE", values=raw_dates,
                               message="not a date; NHS Digital writes 01May2022, EMIS 25/02/2026")
    raw_n = frame["patients"].copy()
    frame["patients"], bad_n = to_number(raw_n)
    problems += problems_where(bad_n | raw_n.isna(), frame, file=file_name, column="NUMBER_OF_PATIENTS", values=raw_n,
                               message="not a count of patients; give a whole number")
    problems += problems_where((frame["patients"] < 0) | (frame["patients"] % 1 != 0), frame, file=file_name,
                               column="NUMBER_OF_PATIENTS", values=raw_n, message="must be a whole number, 0 or more")
    problems += problems_where(frame["practice_code"].isna(), frame, file=file_name, column="CODE",
                               message="blank practice code")
    dup = frame.dropna(subset=["practice_code"]).duplicated(["practice_code", "extract_date"]).reindex(
        frame.index, fill_value=False)
    problems += problems_where(dup, frame, file=file_name, column="CODE",
                               message="this practice appears twice for the same date; keep one row")
    out = frame[["_row", "practice_code", "extract_date", "patients", "borough"]]
    return Parsed(out.reset_index(drop=True), problems, notes, rows_read=len(raw))


def skip_unknown_practices(session: Session, frame: pd.DataFrame, column: str = "practice_code") -> Parsed:
    """Attach ``practice_id``; rows for practices outside the register are skipped with a note (national files)."""
    ids = id_map(session, Practice)
    frame = frame.assign(practice_id=frame[column].map(ids).astype("Int64"))
    unknown = frame["practice_id"].isna()
    notes = []
    if unknown.any():
        examples = ", ".join(frame.loc[unknown, column].drop_duplicates().head(5))
        notes.append(f"skipped {int(unknown.sum()):,} rows for practices not in the register (e.g. {examples}); "
                     f"{REGISTER_HINT[AreaLevel.PRACTICE]} to include them")
    return Parsed(frame[~unknown].reset_index(drop=True), [], notes)


def validate_list_sizes(session: Session, frame: pd.DataFrame, file_name: str, options: Options) -> Parsed:
    """Link rows to registered practices."""
    return skip_unknown_practices(session, frame)


def list_size_observations(frame: pd.DataFrame) -> pd.DataFrame:
    """List sizes as observations of the published indicator ``GP_LIST_SIZE`` (the extract's month)."""
    dates = pd.to_datetime(frame["extract_date"])
    start = dates.dt.to_period("M").dt.start_time.dt.date
    end = dates.dt.to_period("M").dt.end_time.dt.date
    patients = frame["patients"].astype(float)
    obs = pd.DataFrame({
        "_row": frame["_row"], "kpi_code": LIST_SIZE_CODE, "level": AreaLevel.PRACTICE.value,
        "area_code": frame["practice_code"], "period_start": start, "period_end": end, "numerator": patients,
        "denominator": None, "value": patients, "lower_ci": None, "upper_ci": None,
    })
    return describe(
        obs, name="Registered patients (list size)", unit="patients", value_type=ValueType.COUNT.value,
        multiplier=1.0, polarity=Polarity.NO_JUDGEMENT.value, counts_people=True, publisher="NHS Digital (NHS England)",
        source="NHS Digital, Patients Registered at a GP Practice (or the practice system's list-size extract)",
        definition="Patients registered at the practice on the extract date (all sexes, all ages)",
        numerator_definition="registered patients", indicator_id="gp-reg-pat-prac", period_type="month",
        sex="Persons", age="All ages",
    )


def load_list_sizes(session: Session, frame: pd.DataFrame, import_id: int, options: Options) -> dict[str, int]:
    """Upsert list sizes by (practice, extract date), and the same as ``GP_LIST_SIZE`` observations; an EMIS
    extract's BOROUGH gives practices without a borough theirs (``links.boroughs_by_name``).

    Two extracts in one month (e.g. the 1st and the 25th) keep the later one as the month's observation.
    """
    rows = frame[["practice_id", "extract_date"]].assign(patients=frame["patients"].astype("Int64"))
    written = {"practice_list_size": upsert(session, PracticeListSize, rows, keys=["practice_id", "extract_date"])}
    obs = list_size_observations(frame.sort_values("extract_date"))
    obs = obs.drop_duplicates(["area_code", "period_start"], keep="last")
    written = {**written, **load_published(session, obs, import_id)}
    linked = boroughs_by_name(session, frame["practice_id"], frame["borough"]) if "borough" in frame else 0
    return {**written, "practice borough (by name)": linked} if linked else written


# ------------------------------------------------------------------------------------------------------ QOF

QOF_COLUMNS = [
    Column("practice_code", ("PRACTICE_CODE",)),
    Column("group_code", ("GROUP_CODE", "INDICATOR_GROUP_CODE")),
    Column("register", ("REGISTER",)),
    Column("list_type", ("PATIENT_LIST_TYPE",), required=False),
    Column("list_size", ("PRACTICE_LIST_SIZE", "LIST_SIZE")),
]


def parse_qof_prevalence(data: bytes, file_name: str, options: Options | None = None) -> Parsed:
    """Read QOF prevalence into practice observations of ``QOF_<GROUP>`` (numerator register, denominator list)."""
    options = options or {}
    raw = read_table(data, file_name, header_hint=["practice code", "group code", "register"])
    problems = check_source("qof_prevalence", raw, file_name)
    if errors_in(problems):
        return Parsed(raw.iloc[0:0], problems, rows_read=len(raw))
    frame, more = match_columns(raw, QOF_COLUMNS, file=file_name)
    problems += more
    period = qof_period(file_name, options.get("period"))
    if period is None:
        problems.append(Problem(file_name, None, None, options.get("period"), "cannot tell the QOF year: give the "
                                "option period=2020/21 (the file name does not say it)"))
    if any(p.severity == "error" for p in problems):
        return Parsed(frame.iloc[0:0], problems, rows_read=len(raw))
    frame["practice_code"] = clean_code(frame["practice_code"])
    frame["group_code"] = clean_code(frame["group_code"])
    for col, label in [("register", "REGISTER"), ("list_size", "PRACTICE_LIST_SIZE")]:
        raw_values = frame[col].copy()
        frame[col], bad = to_number(raw_values)
        problems += problems_where(bad, frame, file=file_name, column=label, values=raw_values,
                                   message="not a number")
    problems += problems_where(frame["list_size"] <= 0, frame, file=file_name, column="PRACTICE_LIST_SIZE",
                               message="a list size must be above 0 (it is the prevalence's denominator)")
    assert period is not None
    out = pd.DataFrame({
        "_row": frame["_row"], "kpi_code": "QOF_" + frame["group_code"].fillna(""), "level": AreaLevel.PRACTICE.value,
        "area_code": frame["practice_code"], "period_start": period[0], "period_end": period[1],
        "numerator": frame["register"], "denominator": frame["list_size"], "value": pd.NA, "lower_ci": pd.NA,
        "upper_ci": pd.NA, "group_code": frame["group_code"], "list_type": frame["list_type"],
    })
    out["value"] = out["value"].astype("Float64")
    out = prevalence_metadata(out, period).drop(columns=["group_code", "list_type"])
    return Parsed(out, problems, [f"{out['kpi_code'].nunique():,} QOF groups in the file"], rows_read=len(raw))


def validate_qof_prevalence(session: Session, frame: pd.DataFrame, file_name: str, options: Options) -> Parsed:
    """Skip practices outside the register; compute register / list size; a ``QOF_<GROUP>`` register KPI wins."""
    return validate_published(session, frame, file_name)


def load_qof_prevalence(session: Session, frame: pd.DataFrame, import_id: int, options: Options) -> dict[str, int]:
    """Create or refresh the ``QOF_<GROUP>`` indicators (keeping names from ``qof_indicators``) and observations."""
    return load_published(session, frame, import_id, keep_name=True)


# ---------------------------------------------------------------------------------------- NHS website GP file

NHSUK_COLUMNS = [
    Column("practice_code", ("OrganisationCode",)),
    Column("organisation_type", ("OrganisationType",), required=False),
    Column("name", ("OrganisationName",), required=False),
    Column("postcode", ("Postcode",)),
    Column("latitude", ("Latitude",)),
    Column("longitude", ("Longitude",)),
    Column("parent_code", ("ParentODSCode",), required=False),
]


def parse_nhsuk_gp(data: bytes, file_name: str, options: Options | None = None) -> Parsed:
    """Read the NHS website GP file (``¬``-delimited, cp1252): practice and branch-site postcodes and WGS84 points.

    Six-character codes are practices; longer ones (``A81013001``) are branch surgeries of the practice named by
    their first six characters, kept as ``record == "site"`` rows.
    """
    raw = read_table(data, file_name, header_hint=["organisationcode", "latitude", "longitude"])
    problems = check_source("nhsuk_gp", raw, file_name)
    if errors_in(problems):
        return Parsed(raw.iloc[0:0], problems, rows_read=len(raw))
    frame, more = match_columns(raw, NHSUK_COLUMNS, file=file_name, report_unknown=False)
    problems += more
    if any(p.severity == "error" for p in problems):
        return Parsed(frame.iloc[0:0], problems, rows_read=len(raw))
    # the schema has refused blank or repeated codes, non-numbers and points outside Great Britain
    frame["practice_code"] = clean_code(frame["practice_code"])
    length = frame["practice_code"].str.len().fillna(0)
    frame["record"] = np.where(length > 6, "site", "practice")
    frame["site_code"] = frame["practice_code"].where(length > 6)
    frame["practice_code"] = frame["practice_code"].str.slice(0, 6)
    frame["latitude"], frame["longitude"] = to_number(frame["latitude"])[0], to_number(frame["longitude"])[0]
    frame["parent_code"] = clean_code(frame["parent_code"])
    sites = int((frame["record"] == "site").sum())
    notes = [f"{int((frame['record'] == 'practice').sum()):,} practices and {sites:,} branch sites in the file"]
    out = frame[["_row", "record", "practice_code", "site_code", "name", "postcode", "latitude", "longitude",
                 "parent_code"]]
    return Parsed(out.reset_index(drop=True), problems, notes, rows_read=len(raw))


def validate_nhsuk_gp(session: Session, frame: pd.DataFrame, file_name: str, options: Options) -> Parsed:
    """Only practices in the register are located; every branch site is kept (linked to its practice by code)."""
    practices = frame[frame["record"] == "practice"]
    checked = skip_unknown_practices(session, practices)
    sites = frame[frame["record"] == "site"]
    return Parsed(pd.concat([checked.frame, sites], ignore_index=True), [], checked.notes)


def load_nhsuk_gp(session: Session, frame: pd.DataFrame, import_id: int, options: Options) -> dict[str, int]:
    """Update each registered practice's postcode, point and NHS website parent (a borough CCG the areas template
    may give to a borough: ``links.refresh_links``); upsert every branch site by its code."""
    practices = frame[frame["record"] == "practice"]
    rows = [{"id": int(i), "postcode": p if isinstance(p, str) else None,
             "latitude": None if pd.isna(la) else float(la), "longitude": None if pd.isna(lo) else float(lo),
             "parent_ods_code": pa if isinstance(pa, str) else None}
            for i, p, la, lo, pa in zip(practices["practice_id"], practices["postcode"], practices["latitude"],
                                        practices["longitude"], practices["parent_code"], strict=True)]
    located = update_changed(session, Practice, rows, key="id",
                             columns=["postcode", "latitude", "longitude", "parent_ods_code"])
    sites = frame[frame["record"] == "site"]
    site_rows = pd.DataFrame({
        "code": sites["site_code"], "practice_code": sites["practice_code"],
        "name": sites["name"].fillna(sites["site_code"]).astype(str).str.slice(0, 200),
        "postcode": sites["postcode"].astype(object).where(sites["postcode"].notna(), None),
        "latitude": sites["latitude"].astype(float), "longitude": sites["longitude"].astype(float),
        "import_id": import_id,
    })
    n_sites = upsert(session, PracticeSite, site_rows, keys=["code"])
    return {"practice (located)": located, "practice_site": n_sites}


SOURCES = [
    Source("gp_list_size", "Patients registered at a GP practice",
           "NHS Digital gp-reg-pat-prac-all.csv (or an EMIS list-size extract): list size by practice and date.",
           (".csv", ".xlsx"), parse_list_sizes, load_list_sizes, validate_list_sizes),
    Source("qof_prevalence", "QOF prevalence (PREVALENCE_*.csv)",
           "QOF registers and list sizes by practice and disease group -> published indicators QOF_<GROUP>.",
           (".csv",), parse_qof_prevalence, load_qof_prevalence, validate_qof_prevalence, options=("period",)),
    Source("nhsuk_gp", "NHS website GP file (GP.csv)",
           "The NHS website's ¬-delimited practice file: postcodes and map points for registered practices.",
           (".csv",), parse_nhsuk_gp, load_nhsuk_gp, validate_nhsuk_gp),
]
