"""Providers (NHS trusts) and NHS England's monthly A&E attendances and emergency admissions by provider.

- ``ae_attendances``: one row per month, provider and department type (``period``, ``org_code``, ``type`` 1, 2 or
  other, ``attendances``, ``breaches`` of the 4-hour standard, ``admissions`` via A&E), the layout of the
  NHS-R ``ae_attendances`` dataset and of NHS England's monthly CSVs. Types are summed per provider and month, as
  NHS England reports "all types", into three published indicators at provider level: ``AE_4HR`` (4-hour
  performance = 1 - breaches / attendances, as a %), ``AE_ATT`` (attendances) and ``AE_EMADM`` (emergency
  admissions via A&E). Providers not yet in the register are added with their code as name.
- ``nhsuk_trust``: the NHS website ``TRUST.csv`` (``¬``-delimited, cp1252) -> provider names and HQ points.
- ``providers``: the providers template (provider_code, name, system_code) says which system's totals a trust
  counts towards (NCL's main trusts are in ``docs/templates/providers.csv``).

System totals are the sums of the system's providers' numerators and denominators, recomputed after either an
A&E file or the providers template is loaded, so the order of the two does not matter.
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import select
from sqlmodel import Session

from data.importers.catalogue import describe, load_published
from data.importers.common import (
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
    text_or_none,
    to_date,
    to_number,
    update_changed,
    upsert,
)
from data.importers.schemas import check_source
from data.importers.template_schemas import PROVIDERS, read_template
from models import AreaLevel, HealthSystem, Kpi, KpiObservation, Polarity, Provider, ValueType

AE_SOURCE = "NHS England, A&E Attendances and Emergency Admissions (monthly, by provider; all types summed)"
AE_INDICATORS = {
    "AE_4HR": dict(
        name="A&E 4-hour performance (all types)", unit="%", value_type=ValueType.PROPORTION.value, multiplier=100.0,
        polarity=Polarity.HIGHER_IS_BETTER.value,
        definition="Share of A&E attendances (all department types) admitted, transferred or discharged within 4 "
        "hours of arrival: 1 - breaches / attendances",
        numerator_definition="attendances within 4 hours (attendances - breaches)",
        denominator_definition="A&E attendances, all types",
    ),
    "AE_ATT": dict(
        name="A&E attendances (all types)", unit="attendances", value_type=ValueType.COUNT.value, multiplier=1.0,
        polarity=Polarity.NO_JUDGEMENT.value, definition="A&E attendances in the month, all department types",
        numerator_definition="A&E attendances, all types", denominator_definition=None,
    ),
    "AE_EMADM": dict(
        name="Emergency admissions via A&E", unit="admissions", value_type=ValueType.COUNT.value, multiplier=1.0,
        polarity=Polarity.NO_JUDGEMENT.value, definition="Emergency admissions via A&E in the month, all types",
        numerator_definition="emergency admissions via A&E", denominator_definition=None,
    ),
}

AE_COLUMNS = [
    Column("period", ("period", "month", "period start")),
    Column("org_code", ("org code", "organisation code", "provider code", "code")),
    Column("type", ("type", "department type", "ae type")),
    Column("attendances", ("attendances", "total attendances")),
    Column("breaches", ("breaches", "attendances over 4hrs", "over 4 hours")),
    Column("admissions", ("admissions", "emergency admissions")),
]


def parse_ae(data: bytes, file_name: str, options: Options | None = None) -> Parsed:
    """Read monthly A&E rows; sum department types per provider and month into the three indicators."""
    raw = read_table(data, file_name, header_hint=["period", "org code", "attendances", "breaches"])
    problems = check_source("ae_attendances", raw, file_name)
    if errors_in(problems):
        return Parsed(raw.iloc[0:0], problems, rows_read=len(raw))
    frame, more = match_columns(raw, AE_COLUMNS, file=file_name)
    problems += more
    if any(p.severity == "error" for p in problems):
        return Parsed(frame.iloc[0:0], problems, rows_read=len(raw))
    # the schema has refused blank codes, bad dates and counts, breaches above attendances and repeated rows
    frame["org_code"] = clean_code(frame["org_code"])
    frame["period_start"] = to_date(frame["period"])[0]
    for col in ("attendances", "breaches", "admissions"):
        frame[col] = to_number(frame[col])[0]
    frame["month"] = frame["period_start"].map(lambda d: d.replace(day=1))
    totals = frame.groupby(["org_code", "month"], as_index=False).agg(
        _row=("_row", "min"), attendances=("attendances", "sum"), breaches=("breaches", "sum"),
        admissions=("admissions", "sum"))
    obs = ae_observations(totals.rename(columns={"org_code": "area_code"}), AreaLevel.PROVIDER.value)
    notes = [f"{totals['org_code'].nunique():,} providers, {totals['month'].nunique():,} months "
             f"({min(totals['month']):%b %Y} to {max(totals['month']):%b %Y}); department types summed"]
    return Parsed(obs, problems, notes, rows_read=len(raw))


def ae_observations(totals: pd.DataFrame, level: str) -> pd.DataFrame:
    """Observation rows of ``AE_INDICATORS`` from per-area monthly sums (area_code, month, attendances, ...)."""
    end = totals["month"].map(lambda d: (pd.Timestamp(d) + pd.offsets.MonthEnd(0)).date())
    base = {"_row": totals.get("_row", 1), "level": level, "area_code": totals["area_code"],
            "period_start": totals["month"], "period_end": end, "lower_ci": None, "upper_ci": None}
    attendances = totals["attendances"].astype(float)
    within = attendances - totals["breaches"].astype(float)
    parts = []
    for code, numerator, denominator in [("AE_4HR", within, attendances), ("AE_ATT", attendances, None),
                                         ("AE_EMADM", totals["admissions"].astype(float), None)]:
        part = pd.DataFrame({**base, "kpi_code": code, "numerator": numerator, "denominator": denominator})
        if denominator is None:
            part["value"] = numerator
        else:
            part = part[attendances > 0]  # no attendances: no performance to report
            part["value"] = part["numerator"] / part["denominator"] * 100.0
        meta = AE_INDICATORS[code]
        parts.append(describe(part, **meta, source=AE_SOURCE, publisher="NHS England", indicator_id=code,
                              period_type="month", counts_people=True, sex="Persons", age="All ages"))
    return pd.concat(parts, ignore_index=True)


def validate_ae(session: Session, frame: pd.DataFrame, file_name: str, options: Options) -> Parsed:
    """Nothing must exist beforehand: unknown providers are added to the register (code as name)."""
    known = set(id_map(session, Provider))
    new = sorted(set(frame["area_code"]) - known)
    notes = [f"{len(new):,} providers are new to the register (named by code until TRUST.csv or the providers "
             "template names them)"] if new else []
    return Parsed(frame, [], notes)


def load_ae(session: Session, frame: pd.DataFrame, import_id: int, options: Options) -> dict[str, int]:
    """Add unknown providers, upsert the provider observations, then recompute the systems' totals."""
    codes = pd.DataFrame({"code": sorted(set(frame["area_code"]))})
    upsert(session, Provider, codes.assign(name=codes["code"]), keys=["code"], update=[])
    written = load_published(session, frame, import_id)
    return {**written, **system_totals(session, import_id)}


def system_totals(session: Session, import_id: int) -> dict[str, int]:
    """Each system's A&E indicators as the sums of its providers' numerators and denominators, per month.

    Only months where at least one of the system's providers reported are written; a system without providers
    gets nothing. Values are recomputed from the sums (never averaged).
    """
    codes = list(AE_INDICATORS)
    rows = session.execute(
        select(HealthSystem.code, Kpi.code, KpiObservation.period_start, KpiObservation.numerator,
               KpiObservation.denominator)
        .join(Kpi, Kpi.id == KpiObservation.kpi_id)
        .join(Provider, Provider.code == KpiObservation.area_code)
        .join(HealthSystem, HealthSystem.id == Provider.system_id)
        .where(KpiObservation.level == AreaLevel.PROVIDER.value, Kpi.code.in_(codes))
    ).all()
    if not rows:
        return {}
    obs = pd.DataFrame(rows, columns=["system", "kpi", "month", "numerator", "denominator"])
    sums = obs.pivot_table(index=["system", "month"], columns="kpi", values=["numerator", "denominator"],
                           aggfunc="sum").reset_index()
    totals = pd.DataFrame({
        "area_code": sums["system"], "month": sums["month"],
        "attendances": sums.get(("numerator", "AE_ATT"), 0.0),
        "admissions": sums.get(("numerator", "AE_EMADM"), 0.0),
    })
    within = sums.get(("numerator", "AE_4HR"), totals["attendances"])
    totals["breaches"] = totals["attendances"] - within.fillna(0)
    written = load_published(session, ae_observations(totals, AreaLevel.SYSTEM.value), import_id)
    return {"kpi_observation (system totals of providers)": written["kpi_observation"]}


# ------------------------------------------------------------------------------------------ provider registers

TRUST_COLUMNS = [
    Column("code", ("OrganisationCode",)),
    Column("organisation_type", ("OrganisationType",), required=False),
    Column("name", ("OrganisationName",)),
    Column("postcode", ("Postcode",), required=False),
    Column("latitude", ("Latitude",), required=False),
    Column("longitude", ("Longitude",), required=False),
]


def parse_nhsuk_trust(data: bytes, file_name: str, options: Options | None = None) -> Parsed:
    """Read the NHS website trust file: codes, names, postcodes and HQ points of trusts."""
    raw = read_table(data, file_name, header_hint=["organisationcode", "organisationname", "latitude"])
    problems = check_source("nhsuk_trust", raw, file_name)
    if errors_in(problems):
        return Parsed(raw.iloc[0:0], problems, rows_read=len(raw))
    frame, more = match_columns(raw, TRUST_COLUMNS, file=file_name, report_unknown=False)
    problems += more
    if any(p.severity == "error" for p in problems):
        return Parsed(frame.iloc[0:0], problems, rows_read=len(raw))
    # the schema has refused blank or repeated codes, blank names, non-numbers and points outside Great Britain
    frame["code"] = clean_code(frame["code"])
    frame["latitude"], frame["longitude"] = to_number(frame["latitude"])[0], to_number(frame["longitude"])[0]
    out = frame[["_row", "code", "name", "postcode", "latitude", "longitude"]]
    return Parsed(out.reset_index(drop=True), problems, rows_read=len(raw))


def load_nhsuk_trust(session: Session, frame: pd.DataFrame, import_id: int, options: Options) -> dict[str, int]:
    """Upsert providers by code (names and points; a provider's system is left as it is)."""
    rows = pd.DataFrame({
        "code": frame["code"], "name": frame["name"].astype(str).str.slice(0, 200),
        "postcode": text_or_none(frame["postcode"]), "latitude": frame["latitude"].astype(float),
        "longitude": frame["longitude"].astype(float),
    })
    return {"provider": upsert(session, Provider, rows, keys=["code"])}


def parse_providers(data: bytes, file_name: str, options: Options | None = None) -> Parsed:
    """Read the providers template: which system each trust counts towards (and, optionally, its name); every
    row is checked by the schema ``PROVIDERS``."""
    read = read_template(data, file_name, PROVIDERS)
    if read.refused:
        return read.rejected()
    return read.parsed(read.frame[["_row", "provider_code", "name", "system_code"]])


def validate_providers(session: Session, frame: pd.DataFrame, file_name: str, options: Options) -> Parsed:
    """Each system must be loaded (areas template); a new provider needs a name."""
    systems = set(id_map(session, HealthSystem))
    problems: list[Problem] = problems_where(
        ~frame["system_code"].isin(systems), frame, file=file_name, column="system_code",
        message="no system has this code; load the areas template (level system) first")
    known = set(id_map(session, Provider))
    problems += problems_where(~frame["provider_code"].isin(known) & frame["name"].isna(), frame, file=file_name,
                               column="name", message="a provider new to the register needs a name")
    return Parsed(frame, problems)


def load_providers(session: Session, frame: pd.DataFrame, import_id: int, options: Options) -> dict[str, int]:
    """Upsert providers with their system; recompute the systems' A&E totals."""
    systems = id_map(session, HealthSystem)
    known = set(id_map(session, Provider))
    new = frame[~frame["provider_code"].isin(known)]
    upsert(session, Provider, pd.DataFrame({"code": new["provider_code"], "name": new["name"].str.slice(0, 200)}),
           keys=["code"], update=[])
    named = frame[frame["name"].notna()]
    changed = update_changed(session, Provider, [{"code": c, "system_id": systems[s]} for c, s in zip(
        frame["provider_code"], frame["system_code"], strict=True)], key="code", columns=["system_id"])
    changed += update_changed(session, Provider, [{"code": c, "name": n[:200]} for c, n in zip(
        named["provider_code"], named["name"], strict=True)], key="code", columns=["name"])
    return {"provider": changed, **system_totals(session, import_id)}


SOURCES = [
    Source("nhsuk_trust", "NHS website trust file (TRUST.csv)",
           "The NHS website's ¬-delimited trust file: provider codes, names and HQ points.",
           (".csv",), parse_nhsuk_trust, load_nhsuk_trust),
    Source("providers", "Providers (trusts) of a system",
           "One row per trust: provider_code, name, system_code. The system's A&E totals sum these trusts.",
           (".csv", ".xlsx"), parse_providers, load_providers, validate_providers),
    Source("ae_attendances", "A&E attendances and emergency admissions (monthly, by provider)",
           "NHS England's monthly A&E file (period, org_code, type, attendances, breaches, admissions): 4-hour "
           "performance, attendances and emergency admissions per trust and for the system.",
           (".csv", ".xlsx"), parse_ae, load_ae, validate_ae),
]
