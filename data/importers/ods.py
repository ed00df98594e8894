"""ODS practice and PCN registers: ``epraccur`` (GP practices) and the ``ePCN`` workbook (PCNs and memberships).

epraccur is headerless with 27 positional columns (ODS specification), every field quoted, dates YYYYMMDD, and
closed practices kept with a close date. Only prescribing setting 4 (GP practice) is loaded unless the option
``all_settings=true`` is given. Practices have no borough until one is assigned (ODS gives a commissioner, not a
local authority): the status code (A/C/D/P) and commissioner are kept, and the borough is set by the links step.

The ePCN workbook has two sheets, ``PCNDetails`` and ``PCN Core Partner Details``, with header cells that contain
line breaks and parent-organisation columns renamed between releases (CCG in 2022, Sub ICB Location from 2023).
Memberships keep their start and end dates (``pcn_membership``); a practice's current PCN (no end date, or one
not yet passed) is written to ``practice.pcn_id``; a PCN keeps its ODS parent (sub-ICB code) and dates, and its
borough is set by the links step (``links.refresh_links``: the usual borough of its practices).
"""

from __future__ import annotations

from datetime import date

import pandas as pd
from sqlmodel import Session

from data.importers.common import (
    Column,
    DataImportError,
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
    text_or_none,
    to_date,
    update_changed,
    upsert,
)
from data.importers.schemas import check_source
from models import Pcn, PcnMembership, Practice

EPRACCUR_COLUMNS = [
    "code", "name", "national_grouping", "health_geography", "address_1", "address_2", "address_3", "address_4",
    "address_5", "postcode", "open_date", "close_date", "status", "sub_type", "commissioner", "join_date",
    "left_date", "telephone", "null_19", "null_20", "null_21", "amended", "null_23", "provider_purchaser",
    "null_25", "prescribing_setting", "null_27",
]
GP_PRACTICE_SETTING = "4"
STATUS_CODES = {"A": "active", "D": "dormant", "C": "closed", "P": "proposed"}  # epraccur column 13


def _truthy(value: object) -> bool:
    return str(value).strip().lower() in {"1", "true", "yes", "y"}


def _date_problems(frame: pd.DataFrame, column: str, label: str, file: str) -> list[Problem]:
    raw = frame[column].copy()
    frame[column], bad = to_date(raw)
    return problems_where(bad, frame, file=file, column=label, values=raw,
                          message="not a date; ODS files write dates as YYYYMMDD (e.g. 19740401)")


def parse_epraccur(data: bytes, file_name: str, options: Options | None = None) -> Parsed:
    """Read epraccur (headerless, 27 positional columns) into practices: code, name, postcode, open/close dates."""
    options = options or {}
    frame = read_table(data, file_name, header=False, names=EPRACCUR_COLUMNS)
    rows_read = len(frame)
    if len(frame.columns) - 1 < 13:
        raise DataImportError(Problem(file_name, 1, None, None, f"epraccur has 27 columns but this file has "
                                      f"{len(frame.columns) - 1}; choose epraccur.csv from the ODS download"))
    if len(frame) and str(frame.loc[0, "code"]).lower().startswith("organisation"):
        frame = frame.iloc[1:]  # a header row someone added
    problems: list[Problem] = check_source("epraccur", frame, file_name)  # every row, every setting
    if errors_in(problems):
        return Parsed(frame.iloc[0:0], problems, rows_read=rows_read)
    notes: list[str] = []
    if not _truthy(options.get("all_settings", "")) and "prescribing_setting" in frame.columns:
        keep = frame["prescribing_setting"] == GP_PRACTICE_SETTING
        notes.append(f"skipped {int((~keep).sum()):,} organisations that are not GP practices (prescribing "
                     "setting other than 4); use all_settings=true to load them")
        frame = frame[keep]
    frame = frame.copy()
    frame["code"] = clean_code(frame["code"])
    problems += problems_where(frame["code"].isna(), frame, file=file_name, column="1 Organisation Code",
                               message="blank practice code; the file may be damaged, download it again")
    problems += problems_where(frame["name"].isna(), frame, file=file_name, column="2 Name",
                               message="blank practice name")
    problems += _date_problems(frame, "open_date", "11 Open Date", file_name)
    problems += _date_problems(frame, "close_date", "12 Close Date", file_name)
    dup = frame.dropna(subset=["code"]).duplicated("code", keep="first").reindex(frame.index, fill_value=False)
    problems += problems_where(dup, frame, file=file_name, column="1 Organisation Code", values=frame["code"],
                               message="this practice code appears twice; the file may be damaged")
    frame["status"] = frame["status"].astype("string").str.strip().str.upper().astype(object).where(
        frame["status"].notna(), None)
    bad_status = frame["status"].notna() & ~frame["status"].isin(list(STATUS_CODES))
    problems += problems_where(bad_status, frame, file=file_name, column="13 Status Code", values=frame["status"],
                               message="not an ODS status code; epraccur uses A (active), C (closed), D (dormant) "
                                       "or P (proposed)")
    frame["commissioner"] = clean_code(frame["commissioner"])
    counts = frame["status"].value_counts()
    kept = ", ".join(f"{int(counts[c]):,} {STATUS_CODES[c]}" for c in STATUS_CODES if c in counts)
    if kept:
        notes.append(f"status kept: {kept} (only active practices count as open)")
    closed = frame["close_date"].notna().sum()
    if closed:
        notes.append(f"{int(closed):,} practices have a close date (kept, with their close date and status)")
    out = frame[["_row", "code", "name", "postcode", "open_date", "close_date", "status", "commissioner"]]
    return Parsed(out.reset_index(drop=True), problems, notes, rows_read=rows_read)


def load_epraccur(session: Session, frame: pd.DataFrame, import_id: int, options: Options) -> dict[str, int]:
    """Upsert practices by ODS code: name, postcode, open and close dates, status and commissioner (sub-ICB)
    code; borough and PCN are left to the links step (``links.refresh_links``)."""
    rows = frame[["code", "name", "postcode", "open_date", "close_date", "status"]].copy()
    rows["commissioner_code"] = text_or_none(frame["commissioner"])
    rows["name"] = rows["name"].str.slice(0, 200)
    rows["postcode"] = text_or_none(rows["postcode"])
    return {"practice": upsert(session, Practice, rows, keys=["code"])}


# --------------------------------------------------------------------------------------------------- ePCN


PCN_DETAIL_COLUMNS = [
    Column("pcn_code", ("PCN Code",)),
    Column("pcn_name", ("PCN Name",)),
    Column("parent_code", ("Current Clinical Commissioning Group Code", "Current Sub ICB Loc Code",
                           "Current Sub ICB Location Code", "Current ICB Code"), required=False),
    Column("parent_name", ("Clinical Commissioning Group Name", "Sub ICB Location", "Sub ICB Location Name"),
           required=False),
    Column("open_date", ("Open Date",), required=False),
    Column("close_date", ("Close Date",), required=False),
    Column("address_1", ("Address Line 1",), required=False),
    Column("address_2", ("Address Line 2",), required=False),
    Column("address_3", ("Address Line 3",), required=False),
    Column("address_4", ("Address Line 4",), required=False),
    Column("address_5", ("Address Line 5",), required=False),
    Column("postcode", ("Postcode",), required=False),
]
PARTNER_COLUMNS = [
    Column("practice_code", ("Partner Organisation Code",)),
    Column("practice_name", ("Partner Name",), required=False),
    Column("practice_parent_code", ("Practice Parent CCG Code", "Practice Parent Sub ICB Loc Code"), required=False),
    Column("practice_parent_name", ("Practice Parent CCG Name", "Practice Parent Sub ICB Loc Name"), required=False),
    Column("pcn_code", ("PCN Code",)),
    Column("pcn_name", ("PCN Name",), required=False),
    Column("pcn_parent_code", ("PCN Parent CCG Code", "PCN Parent Sub ICB Loc Code"), required=False),
    Column("pcn_parent_name", ("PCN Parent CCG Name", "PCN Parent Sub ICB Loc Name"), required=False),
    Column("start_date", ("Practice to PCN Relationship Start Date",)),
    Column("end_date", ("Practice to PCN Relationship End Date",), required=False),
    Column("match", ("Practice CCG and PCN CCG Match", "Practice Sub ICB Loc and PCN Sub ICB Loc Match"),
           required=False),
]
PCN_SHEET = "PCNDetails"
PARTNER_SHEET = "PCN Core Partner Details"


def parse_epcn(data: bytes, file_name: str, options: Options | None = None) -> Parsed:
    """Read both ePCN sheets into one long frame: ``record`` is ``pcn`` (a PCN) or ``member`` (a membership)."""
    pcn_file, partner_file = f"{file_name} [{PCN_SHEET}]", f"{file_name} [{PARTNER_SHEET}]"
    pcn_raw = read_table(data, file_name, sheet=PCN_SHEET, header_hint=["pcn code", "pcn name"])
    partner_raw = read_table(data, file_name, sheet=PARTNER_SHEET, header_hint=["pcn code", "partner name"])
    problems = check_source("epcn", pcn_raw, pcn_file, 0) + check_source("epcn", partner_raw, partner_file, 1)
    if errors_in(problems):
        return Parsed(pd.DataFrame(columns=["_row"]), problems, rows_read=len(pcn_raw) + len(partner_raw))
    pcns, more = match_columns(pcn_raw, PCN_DETAIL_COLUMNS, file=pcn_file)
    problems += more
    members, more = match_columns(partner_raw, PARTNER_COLUMNS, file=partner_file)
    problems += more
    rows_read = len(pcn_raw) + len(partner_raw)
    if any(p.severity == "error" for p in problems):
        return Parsed(pd.DataFrame(columns=["_row"]), problems, rows_read=rows_read)
    pcns["pcn_code"] = clean_code(pcns["pcn_code"])
    members["pcn_code"] = clean_code(members["pcn_code"])
    members["practice_code"] = clean_code(members["practice_code"])
    problems += problems_where(pcns["pcn_code"].isna(), pcns, file=pcn_file, column="PCN Code",
                               message="blank PCN code")
    problems += problems_where(pcns["pcn_name"].isna(), pcns, file=pcn_file, column="PCN Name",
                               message="blank PCN name")
    problems += _date_problems(pcns, "open_date", "Open Date", pcn_file)
    problems += _date_problems(pcns, "close_date", "Close Date", pcn_file)
    problems += problems_where(members["practice_code"].isna(), members, file=partner_file,
                               column="Partner Organisation Code", message="blank practice code")
    problems += _date_problems(members, "start_date", "Relationship Start Date", partner_file)
    problems += problems_where(members["start_date"].isna(), members, file=partner_file,
                               column="Relationship Start Date", message="blank start date; every membership starts")
    problems += _date_problems(members, "end_date", "Relationship End Date", partner_file)
    dup = pcns.dropna(subset=["pcn_code"]).duplicated("pcn_code").reindex(pcns.index, fill_value=False)
    problems += problems_where(dup, pcns, file=pcn_file, column="PCN Code", values=pcns["pcn_code"],
                               message="this PCN appears twice")
    known = set(pcns["pcn_code"].dropna())
    orphan = members["pcn_code"].notna() & ~members["pcn_code"].isin(known)
    problems += problems_where(orphan, members, file=partner_file, column="PCN Code", values=members["pcn_code"],
                               message=f"this PCN is not on the {PCN_SHEET} sheet; the workbook may be damaged")
    ended = members["end_date"].notna().sum()
    notes = [f"{len(pcns):,} PCNs ({int(pcns['close_date'].notna().sum()):,} closed); {len(members):,} "
             f"memberships ({int(ended):,} ended)"]
    frame = pd.concat([
        pcns[["_row", "pcn_code", "pcn_name", "postcode", "parent_code", "open_date", "close_date"]].assign(
            record="pcn", parent_code=clean_code(pcns["parent_code"])),
        members[["_row", "pcn_code", "practice_code", "start_date", "end_date"]].assign(record="member"),
    ], ignore_index=True)
    return Parsed(frame, problems, notes, rows_read=rows_read)


def validate_epcn(session: Session, frame: pd.DataFrame, file_name: str, options: Options) -> Parsed:
    """Nothing must exist beforehand; notes how many member practices are not (yet) in the practice register."""
    members = frame[frame["record"] == "member"]
    known = set(id_map(session, Practice))
    outside = members.loc[~members["practice_code"].isin(known), "practice_code"].nunique()
    notes = [f"{outside:,} member practices are not in the practice register (memberships kept; import epraccur "
             "to link them)"] if outside else []
    return Parsed(frame, [], notes)


def load_epcn(session: Session, frame: pd.DataFrame, import_id: int, options: Options) -> dict[str, int]:
    """Upsert PCNs (with their ODS parent sub-ICB) and memberships; set each registered practice's current PCN.
    PCN boroughs follow in the links step (``links.refresh_links``)."""
    pcns = frame[frame["record"] == "pcn"]
    members = frame[frame["record"] == "member"]
    n_pcn = upsert(session, Pcn, pd.DataFrame({
        "code": pcns["pcn_code"], "name": pcns["pcn_name"].str.slice(0, 200),
        "sub_icb_code": text_or_none(pcns["parent_code"]), "open_date": pcns["open_date"],
        "close_date": pcns["close_date"],
    }), keys=["code"])
    membership = members[["practice_code", "pcn_code", "start_date", "end_date"]].assign(import_id=import_id)
    n_members = upsert(session, PcnMembership, membership, keys=["practice_code", "pcn_code", "start_date"])
    today = date.today()
    current = members[members["end_date"].isna() | members["end_date"].map(lambda d: d is not None and d >= today)]
    current = current.sort_values("start_date").drop_duplicates("practice_code", keep="last")
    pcn_ids = id_map(session, Pcn)
    practice_ids = id_map(session, Practice)
    current = current[current["practice_code"].isin(practice_ids)]
    moved = update_changed(session, Practice, [{"code": c, "pcn_id": pcn_ids[p]} for c, p in zip(
        current["practice_code"], current["pcn_code"], strict=True)], key="code", columns=["pcn_id"])
    return {"pcn": n_pcn, "pcn_membership": n_members, "practice (current PCN)": moved}


SOURCES = [
    Source("epraccur", "ODS GP practices (epraccur.csv)",
           "The headerless ODS practice file: codes, names, postcodes, open and close dates.",
           (".csv",), parse_epraccur, load_epraccur, options=("all_settings",)),
    Source("epcn", "ODS PCNs and memberships (ePCN.xlsx)",
           "The ODS ePCN workbook: PCNDetails and PCN Core Partner Details sheets.",
           (".xlsx",), parse_epcn, load_epcn, validate_epcn),
]
