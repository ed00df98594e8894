"""The footprint derived from the published files when no areas template was loaded (issue 16, item 4).

``load-folder`` on a folder of published files alone (no ``areas.csv``) would otherwise leave the dashboard with no
system and no borough. After the practice register (epraccur), PCNs (ePCN), practice locations (NHS website
``GP.csv``) and borough (LAD) boundaries have loaded, :func:`run_derived_footprint` writes a small request holding
the ODS relationships the files carry but the tables do not keep (each sub-ICB's High Level Health Geography from
epraccur column 4, its name from the ePCN ``PCNDetails`` sheet) and imports it like any file:

- parse: the request's sub-ICB -> ICB -> name rows;
- validate: :func:`data.footprint.derive_footprint` on the loaded boundaries and practices (the places, the
  system and its sub-ICBs, former CCG codes -> boroughs, and the conflicts);
- load: upsert ``health_system``, ``borough`` and ``area_member`` (the links step then places practices and PCNs
  by those ODS relationships, and the roll-ups refresh), and give the system the NHS trusts (ODS code ``R..`` or
  ``T..``) whose headquarters (NHS website ``TRUST.csv`` point) stand in its boroughs and that no template has
  placed, so its A&E totals are its trusts' sums. The note names them: a trust based in the footprint but
  serving another system (e.g. CNWL's head office in Camden) is corrected with the providers template.

An areas template wins: the derivation only runs on a database without any system, and a template loaded later
upserts over the derived rows (same codes). Link corrections are applied after it like after any import.
"""

from __future__ import annotations

import io
from collections.abc import Iterable

import pandas as pd
import shapely
from sqlalchemy import bindparam, select, update
from sqlalchemy.engine import Engine
from sqlmodel import Session

from data.footprint import OPEN_STATUSES, derive_footprint
from data.importers.ae import system_totals
from data.importers.common import (
    DataImportError,
    ImportReport,
    Options,
    Parsed,
    Problem,
    Source,
    clean_code,
    id_map,
    read_table,
    run_import,
    sha256_of,
    text_or_none,
    upsert,
)
from data.importers.ods import EPRACCUR_COLUMNS, GP_PRACTICE_SETTING
from models import AreaLevel, AreaMember, Borough, Boundary, HealthSystem, Practice, Provider

SOURCE = "footprint_derived"
REQUEST_HEADER = b"derived footprint request"
RELATION_COLUMNS = ["sub_icb_code", "icb_code", "sub_icb_name", "from_file"]
NHS_TRUST_CODE = r"^[RT][A-Z0-9]{2}$"  # ODS NHS trusts (R..) and care trusts (T..); independent providers differ


# ------------------------------------------------------------------------- relations read from the folder's files


def epraccur_relations(data: bytes, file_name: str) -> pd.DataFrame:
    """Sub-ICB (column 15 Commissioner) -> ICB (column 4 High Level Health Geography) of the GP practices in an
    epraccur file: the usual ICB of each commissioner's practices. Columns: ``RELATION_COLUMNS``."""
    frame = read_table(data, file_name, header=False, names=EPRACCUR_COLUMNS)
    if "prescribing_setting" in frame.columns:
        frame = frame[frame["prescribing_setting"] == GP_PRACTICE_SETTING]
    frame = frame.assign(sub_icb_code=clean_code(frame["commissioner"]), icb_code=clean_code(frame["health_geography"]))
    frame = frame.dropna(subset=["sub_icb_code", "icb_code"])
    usual = frame.groupby(["sub_icb_code", "icb_code"]).size().rename("n").reset_index()
    usual = usual.sort_values(["sub_icb_code", "n"], ascending=[True, False]).drop_duplicates("sub_icb_code")
    return usual.assign(sub_icb_name=None, from_file=file_name)[RELATION_COLUMNS]


def epcn_relations(data: bytes, file_name: str) -> pd.DataFrame:
    """Sub-ICB (or, before 2022, CCG) code -> name from an ePCN workbook's ``PCNDetails`` sheet (the PCNs' parent
    columns, whose headers changed between releases: read by position, columns 3 and 4)."""
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        rows = list(book["PCNDetails"].iter_rows(min_row=2, max_col=4, values_only=True))
    finally:
        book.close()
    frame = pd.DataFrame([(r[2], r[3]) for r in rows if len(r) >= 4 and r[2]], columns=["code", "name"])
    frame = frame.assign(sub_icb_code=clean_code(frame["code"].astype(str)), sub_icb_name=frame["name"])
    frame = frame.dropna(subset=["sub_icb_code"]).drop_duplicates("sub_icb_code")
    return frame.assign(icb_code=None, from_file=file_name)[RELATION_COLUMNS]


def relations_request(epraccur: Iterable[tuple[str, bytes]], epcn: Iterable[tuple[str, bytes]]) -> bytes:
    """The request file: sub-ICB -> ICB from the epraccur files, names from the ePCN files (later files win)."""
    icbs = [epraccur_relations(d, n) for n, d in epraccur]
    names = [epcn_relations(d, n) for n, d in epcn]
    icb = pd.concat(icbs, ignore_index=True).drop_duplicates("sub_icb_code", keep="last") if icbs else None
    named = pd.concat(names, ignore_index=True).drop_duplicates("sub_icb_code", keep="last") if names else None
    if icb is None and named is None:
        rel = pd.DataFrame(columns=RELATION_COLUMNS)
    elif icb is None or named is None:
        rel = icb if icb is not None else named
    else:
        rel = icb.merge(named[["sub_icb_code", "sub_icb_name", "from_file"]], on="sub_icb_code", how="outer",
                        suffixes=("", "_name"))
        rel["sub_icb_name"] = rel["sub_icb_name_name"]
        both = rel["from_file"].fillna("").str.cat(rel["from_file_name"].fillna(""), sep="; ")
        rel["from_file"] = both.str.strip("; ")
        rel = rel[RELATION_COLUMNS]
    body = rel.sort_values("sub_icb_code").to_csv(index=False).encode()  # type: ignore[union-attr]
    return REQUEST_HEADER + b"\n" + body


def _with_inputs(request: bytes, digest: str) -> bytes:
    """The request with the digest of the loaded inputs on its first line (same inputs, same bytes: unchanged)."""
    head, _, body = request.partition(b"\n")
    return head + b" " + digest.encode() + b"\n" + body


# ------------------------------------------------------------------------------------- parse, validate, load


def parse_request(data: bytes, file_name: str, options: Options | None = None) -> Parsed:
    """Read a derived footprint request (written by :func:`relations_request`)."""
    if not data.startswith(REQUEST_HEADER):
        raise DataImportError(Problem(file_name, 1, None, None, "not a derived footprint request; the footprint is "
                                      "derived by load-folder (or give an areas template instead)"))
    body = data.split(b"\n", 1)[1] if b"\n" in data else b""
    frame = pd.read_csv(io.BytesIO(body), dtype=str, keep_default_na=False) if body.strip() else pd.DataFrame()
    frame = frame.replace({"": None}).reindex(columns=RELATION_COLUMNS)
    return Parsed(frame.assign(_row=range(2, len(frame) + 2)), [], rows_read=len(frame))


def loaded_inputs(session: Session) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(borough boundaries: code, name; practices: code, commissioner, parent, is_open, has_point, lad_code)."""
    lads = pd.DataFrame(session.execute(
        select(Boundary.code, Boundary.name, Boundary.geometry_wkb).where(Boundary.level == AreaLevel.BOROUGH.value)
        .order_by(Boundary.code, Boundary.id)).all(), columns=["code", "name", "wkb"]).drop_duplicates("code")
    practices = pd.DataFrame(session.execute(select(
        Practice.code, Practice.commissioner_code, Practice.parent_ods_code, Practice.status, Practice.close_date,
        Practice.longitude, Practice.latitude)).all(),
        columns=["code", "commissioner", "parent", "status", "close_date", "longitude", "latitude"])
    practices["is_open"] = practices["close_date"].isna() & (
        practices["status"].isna() | practices["status"].isin(OPEN_STATUSES))
    practices["has_point"] = practices["longitude"].notna() & practices["latitude"].notna()
    practices["lad_code"] = None
    lon = practices["longitude"].astype(float).to_numpy()
    lat = practices["latitude"].astype(float).to_numpy()
    for code, wkb in zip(lads["code"], lads["wkb"], strict=True):
        inside = shapely.contains_xy(shapely.from_wkb(bytes(wkb)), lon, lat) & practices["lad_code"].isna()
        practices.loc[inside, "lad_code"] = code
    return lads.reset_index(drop=True), practices


def trusts_in_boroughs(session: Session, lads: pd.DataFrame, boroughs: pd.DataFrame) -> pd.DataFrame:
    """NHS trusts with no system whose headquarters point stands in one of ``boroughs`` (code, system_code):
    columns code, name, system_code."""
    providers = pd.DataFrame(session.execute(
        select(Provider.code, Provider.name, Provider.longitude, Provider.latitude).where(
            Provider.system_id.is_(None), Provider.longitude.is_not(None), Provider.latitude.is_not(None))).all(),
        columns=["code", "name", "longitude", "latitude"])
    providers = providers[providers["code"].str.match(NHS_TRUST_CODE)].reset_index(drop=True)
    providers["system_code"] = None
    shapes = lads.set_index("code")["wkb"]
    for code, system in zip(boroughs["code"], boroughs["system_code"], strict=True):
        if code not in shapes.index:
            continue
        inside = shapely.contains_xy(shapely.from_wkb(bytes(shapes[code])), providers["longitude"].astype(float),
                                     providers["latitude"].astype(float)) & providers["system_code"].isna()
        providers.loc[inside, "system_code"] = system
    return providers.dropna(subset=["system_code"])[["code", "name", "system_code"]].reset_index(drop=True)


def derivable(session: Session) -> bool:
    """True when no system exists yet and borough boundaries and practices are loaded."""
    if session.execute(select(HealthSystem.id).limit(1)).first() is not None:
        return False
    lads = session.execute(select(Boundary.id).where(Boundary.level == AreaLevel.BOROUGH.value).limit(1)).first()
    return lads is not None and session.execute(select(Practice.id).limit(1)).first() is not None


def validate_request(session: Session, frame: pd.DataFrame, file_name: str, options: Options) -> Parsed:
    """Derive the footprint from the loaded boundaries and practices and the request's relations."""
    if session.execute(select(HealthSystem.id).limit(1)).first() is not None:
        raise DataImportError(Problem(file_name, None, None, None, "a system is already defined (areas template "
                                      "or an earlier derivation); the footprint is only derived on a database "
                                      "without one. Correct it in the areas template instead"))
    lads, practices = loaded_inputs(session)
    derived = derive_footprint(lads[["code", "name"]], practices, frame)
    if derived.systems.empty:
        raise DataImportError(Problem(file_name, None, None, None, "; ".join(derived.notes)))
    used = frame[frame["sub_icb_code"].isin(derived.members["member_code"])]
    files = sorted({f for f in used["from_file"].dropna() for f in str(f).split("; ") if f})
    notes = [*derived.notes, "relations read from: " + (", ".join(files) if files else "the loaded register only")]
    trusts = trusts_in_boroughs(session, lads, derived.boroughs)
    if not trusts.empty:
        notes.append(f"{len(trusts)} NHS trusts with headquarters in the boroughs count towards the system's A&E "
                     "totals: " + ", ".join(f"{c} {n}" for c, n in zip(trusts["code"], trusts["name"], strict=True))
                     + "; correct any with the providers template")
    out = pd.concat([
        derived.systems.assign(record="system"),
        derived.boroughs.assign(record="borough"),
        derived.members.assign(record="member"),
        trusts.assign(record="provider"),
    ], ignore_index=True)
    return Parsed(out.assign(_row=0), [], notes)


def load_request(session: Session, frame: pd.DataFrame, import_id: int, options: Options) -> dict[str, int]:
    """Upsert the derived systems, boroughs (places) and area members."""
    systems = frame[frame["record"] == "system"]
    counts = {"health_system": upsert(session, HealthSystem, systems[["code", "name"]], keys=["code"])}
    ids = id_map(session, HealthSystem)
    boroughs = frame[frame["record"] == "borough"]
    counts["borough"] = upsert(session, Borough, pd.DataFrame({
        "code": boroughs["code"], "name": boroughs["name"], "system_id": boroughs["system_code"].map(ids)}),
        keys=["code"])
    members = frame[frame["record"] == "member"]
    counts["area_member"] = upsert(session, AreaMember, pd.DataFrame({
        "parent_level": members["parent_level"], "parent_code": members["parent_code"],
        "member_level": members["member_level"], "member_code": members["member_code"],
        "name": text_or_none(members["name"]), "import_id": import_id,
    }), keys=["parent_level", "parent_code", "member_level", "member_code"])
    trusts = frame[frame["record"] == "provider"]
    if not trusts.empty:
        table = Provider.__table__  # type: ignore[attr-defined]
        session.connection().execute(
            update(table).where(table.c.code == bindparam("b_code")).values(system_id=bindparam("b_system")),
            [{"b_code": c, "b_system": ids[s]} for c, s in zip(trusts["code"], trusts["system_code"], strict=True)])
        counts["provider (system by headquarters)"] = len(trusts)
        counts.update(system_totals(session, import_id))
    return counts


def run_derived_footprint(engine: Engine, epraccur: Iterable[tuple[str, bytes]],
                          epcn: Iterable[tuple[str, bytes]]) -> ImportReport:
    """Derive and load the footprint (logged as an import of the request; the same inputs again are unchanged)."""
    request = relations_request(list(epraccur), list(epcn))
    with Session(engine) as session:
        lads, practices = loaded_inputs(session)
    digest = (lads.to_csv(index=False) + practices.to_csv(index=False)).encode()
    request = _with_inputs(request, sha256_of(digest))
    return run_import(engine, SOURCES[0], request, "footprint derived from ODS relationships and LAD boundaries")


SOURCES = [
    Source(SOURCE, "Footprint derived from the published files (no areas template)",
           "Written by load-folder: the loaded borough boundaries become the places, the system and its sub-ICB "
           "codes come from epraccur's commissioner and High Level Health Geography, named from ePCN.",
           (".csv",), parse_request, load_request, validate_request),
]
