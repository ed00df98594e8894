"""The declared schema of every tabular source: columns as the publisher heads them, types, codes, ranges, keys.

Each importer's parse step calls ``SCHEMAS[<source>].check(raw, file_name)`` on the raw table before it converts
anything, and stops there if the schema finds an error (nothing is written). ``docs/importing.md`` lists every
rule below (``tests/unit/importers/test_schema_docs.py`` fails when one is not documented).

Code patterns are the published ones: ONS GSS codes ``[EWSNK]\\d{8}``, LSOA ``E01\\d{6}``, ODS GP practice
``[A-Z]\\d{5}`` (a branch surgery adds three digits), PCN ``U\\d{5}``, CQC location ``1-\\d+``, ODS trusts and
CCGs three characters. Numerator above denominator is a warning for QOF registers (practice Y05750's learning
disability register, 137 on a list of 132, is in the published 2020-21 file) and an error where it cannot be
(A&E breaches above attendances, QOF achievement).
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from data.importers.common import Problem
from data.importers.imd import DOMAINS, LSOA_COUNT_2011, POPULATION
from data.importers.schema import (
    CQC_LOCATION,
    GSS,
    LSOA,
    ODS_COMMISSIONER,
    ODS_ORGANISATION,
    ODS_PRACTICE,
    ODS_PRACTICE_OR_BRANCH,
    ODS_TRUST,
    PCN,
    POSTCODE,
    Field,
    Rule,
    Schema,
    Unique,
    ci_order,
    coordinates,
    not_above,
    ordered,
    rules_markdown,
)
from data.importers.template_schemas import TEMPLATE_SCHEMAS

ODS_DATE = "write dates as YYYYMMDD, as ODS does (e.g. 19740401)"
QOF_GROUP = r"[A-Z][A-Z0-9]{1,5}"
QOF_INDICATOR = r"[A-Z][A-Z0-9]{1,5}\d{3}"
LIST_TYPE = r"TOTAL|\d{2}OV"
FINGERTIPS_AREA = rf"{GSS}|{ODS_PRACTICE}|{PCN}|[A-Z0-9]{{3,5}}"


def _is(column: str, *values: str):  # noqa: ANN202 - a row filter for rules and keys
    wanted = {v.upper() for v in values}
    return lambda t: t[column].fillna("").astype(str).str.strip().str.upper().isin(wanted).to_numpy(dtype=bool)


def _practice_code_where_setting_4(t: pd.DataFrame) -> pd.Series:
    setting = t["prescribing_setting"].astype(float) == 4
    return setting & ~t["code"].fillna("").astype(str).str.fullmatch(ODS_PRACTICE)


def _closed_without_date(t: pd.DataFrame) -> pd.Series:
    return t["status"].fillna("").eq("C") & t["close_date"].isna()


EPRACCUR = Schema(
    "epraccur", "ODS GP practices (epraccur, headerless)",
    (
        Field("code", ("1 Organisation Code",), "code", required=True, blank=False, pattern=ODS_ORGANISATION,
              unique=True),
        Field("name", ("2 Name",), blank=False),
        Field("national_grouping", ("3 National Grouping",), "code", pattern=ODS_COMMISSIONER),
        Field("health_geography", ("4 High Level Health Geography",), "code", pattern=ODS_COMMISSIONER),
        Field("open_date", ("11 Open Date",), "date", blank=False, hint=ODS_DATE),
        Field("close_date", ("12 Close Date",), "date", hint=ODS_DATE),
        Field("status", ("13 Status Code",), "code", required=True, blank=False, choices=("A", "C", "D", "P"),
              hint="epraccur uses A (active), C (closed), D (dormant) or P (proposed)"),
        Field("commissioner", ("15 Commissioner",), "code", pattern=ODS_COMMISSIONER),
        Field("join_date", ("16 Join Provider/Purchaser Date",), "date", hint=ODS_DATE),
        Field("left_date", ("17 Left Provider/Purchaser Date",), "date", hint=ODS_DATE),
        Field("prescribing_setting", ("26 Prescribing Setting",), "integer", minimum=0, maximum=99),
    ),
    rules=(
        ordered("open_date", "close_date", "practice's opening"),
        ordered("join_date", "left_date", "commissioner relationship"),
        Rule("a GP practice (`26 Prescribing Setting` 4) has an ODS practice code (`[A-Z]\\d{5}`)",
             ("code", "prescribing_setting"), _practice_code_where_setting_4,
             "a GP practice (prescribing setting 4) has an ODS practice code: a letter and 5 digits (e.g. F83004); "
             "the code is damaged, download epraccur again"),
        Rule("a closed practice (`13 Status Code` C) has a `12 Close Date`", ("status", "close_date"),
             _closed_without_date, "a closed practice (status C) has no close date; the file may be damaged",
             "warning"),
    ),
    notes=("columns are by position (epraccur has no header row); a file with fewer than 13 columns is refused",),
    headerless=True,
)

EPCN_PCNS = Schema(
    "epcn", "ODS ePCN workbook, sheet PCNDetails",
    (
        Field("pcn_code", ("PCN Code",), "code", required=True, blank=False, pattern=PCN, unique=True),
        Field("pcn_name", ("PCN Name",), required=True, blank=False),
        Field("parent_code", ("Current Sub ICB Loc Code", "Current Clinical Commissioning Group Code",
                              "Current Sub ICB Location Code", "Current ICB Code"), "code", pattern=ODS_COMMISSIONER),
        Field("open_date", ("Open Date",), "date", hint=ODS_DATE),
        Field("close_date", ("Close Date",), "date", hint=ODS_DATE),
    ),
    rules=(ordered("open_date", "close_date", "PCN's opening"),),
)

EPCN_MEMBERS = Schema(
    "epcn", "ODS ePCN workbook, sheet PCN Core Partner Details",
    (
        Field("practice_code", ("Partner Organisation Code",), "code", required=True, blank=False,
              pattern=ODS_ORGANISATION),
        Field("practice_parent_code", ("Practice Parent Sub ICB Loc Code", "Practice Parent CCG Code"), "code",
              pattern=ODS_COMMISSIONER),
        Field("pcn_code", ("PCN Code",), "code", required=True, blank=False, pattern=PCN),
        Field("pcn_parent_code", ("PCN Parent Sub ICB Loc Code", "PCN Parent CCG Code"), "code",
              pattern=ODS_COMMISSIONER),
        Field("start_date", ("Practice to PCN Relationship Start Date",), "date", required=True, blank=False,
              hint=ODS_DATE),
        Field("end_date", ("Practice to PCN Relationship End Date",), "date", hint=ODS_DATE),
    ),
    rules=(ordered("start_date", "end_date", "membership"),),
    keys=(Unique(("practice_code", "pcn_code", "start_date"), "practice, PCN and start date"),),
)

GP_LIST_SIZE = Schema(
    "gp_list_size", "Patients registered at a GP practice (gp-reg-pat-prac-all, EMIS list-size extract)",
    (
        Field("practice_code", ("CODE", "PRACTICE_CODE", "ORG_CODE"), "code", required=True, blank=False,
              pattern=ODS_PRACTICE),
        Field("extract_date", ("EXTRACT_DATE", "DATE"), "date", required=True, blank=False,
              hint="NHS Digital writes 01May2022, EMIS 25/02/2026"),
        Field("patients", ("NUMBER_OF_PATIENTS", "LIST_SIZE", "PATIENTS", "REGISTERED_PATIENTS"), "integer",
              required=True, blank=False, minimum=0),
        Field("ccg_code", ("CCG_CODE", "SUB_ICB_LOCATION_CODE"), "code", pattern=ODS_COMMISSIONER),
        Field("ons_ccg_code", ("ONS_CCG_CODE", "ONS_SUB_ICB_LOCATION_CODE"), "code", pattern=GSS),
        Field("sex", ("SEX",), "code", choices=("ALL", "MALE", "FEMALE", "MALES", "FEMALES", "M", "F")),
        Field("age", ("AGE",), "code"),
    ),
    keys=(Unique(("practice_code", "extract_date", "sex", "age"), "practice, date, sex and age",
                 optional=("sex", "age")),),
)

QOF_PREVALENCE = Schema(
    "qof_prevalence", "QOF prevalence (PREVALENCE_*.csv)",
    (
        Field("practice_code", ("PRACTICE_CODE",), "code", required=True, blank=False, pattern=ODS_PRACTICE),
        Field("group_code", ("GROUP_CODE", "INDICATOR_GROUP_CODE"), "code", required=True, blank=False,
              pattern=QOF_GROUP),
        Field("register", ("REGISTER",), "integer", required=True, blank=False, minimum=0),
        Field("list_type", ("PATIENT_LIST_TYPE",), "code", pattern=LIST_TYPE),
        Field("list_size", ("PRACTICE_LIST_SIZE", "LIST_SIZE"), "integer", required=True, blank=False, above=0,
              hint="the list size is the prevalence's denominator"),
    ),
    rules=(not_above("register", "list_size", "the register", severity="warning", than="the list size"),),
    keys=(Unique(("practice_code", "group_code"), "practice and disease group"),),
)

QOF_ACHIEVEMENT_LONG = Schema(
    "qof_achievement", "QOF achievement, long layout (MEASURE / VALUE)",
    (
        Field("practice_code", ("PRACTICE_CODE",), "code", required=True, blank=False, pattern=ODS_PRACTICE),
        Field("indicator_code", ("INDICATOR_CODE",), "code", required=True, blank=False, pattern=QOF_INDICATOR),
        Field("measure", ("MEASURE",), "code", required=True, blank=False),
        Field("value", ("VALUE",), "number", required=True),
    ),
    rules=(Rule("a `VALUE` of a NUMERATOR, DENOMINATOR or PCAS row is a count, 0 or more", ("value", "measure"),
                lambda t: _is("measure", "NUMERATOR", "DENOMINATOR", "PCAS")(t) & (t["value"].astype(float) < 0),
                "a count cannot be negative; check the row"),),
    keys=(Unique(("practice_code", "indicator_code", "measure"), "practice, indicator and measure"),),
    notes=("each practice and indicator needs both a NUMERATOR and a DENOMINATOR row; the NUMERATOR is not larger "
           "than the DENOMINATOR (an error: achievement cannot exceed the eligible patients)",),
)

QOF_ACHIEVEMENT_WIDE = Schema(
    "qof_achievement", "QOF achievement, wide layout (NUMERATOR, DENOMINATOR columns)",
    (
        Field("practice_code", ("PRACTICE_CODE",), "code", required=True, blank=False, pattern=ODS_PRACTICE),
        Field("indicator_code", ("INDICATOR_CODE",), "code", required=True, blank=False, pattern=QOF_INDICATOR),
        Field("numerator", ("NUMERATOR",), "integer", required=True, minimum=0),
        Field("denominator", ("DENOMINATOR",), "integer", required=True, minimum=0),
        Field("pcas", ("PCAS", "PCA", "EXCEPTIONS", "PERSONALISED_CARE_ADJUSTMENTS"), "integer", minimum=0),
    ),
    rules=(not_above("numerator", "denominator", "the numerator"),),
    keys=(Unique(("practice_code", "indicator_code"), "practice and indicator"),),
)

QOF_INDICATORS = Schema(
    "qof_indicators", "QOF indicator descriptions (MAPPING_INDICATORS_*.csv)",
    (
        Field("indicator_code", ("INDICATOR_CODE",), "code", required=True, blank=False, pattern=QOF_INDICATOR,
              unique=True),
        Field("point_value", ("INDICATOR_POINT_VALUE",), "number", minimum=0),
        Field("group_code", ("GROUP_CODE",), "code", required=True, blank=False, pattern=QOF_GROUP),
        Field("group_description", ("GROUP_DESCRIPTION",), required=True, blank=False),
        Field("list_type", ("PATIENT_LIST_TYPE",), "code", pattern=LIST_TYPE),
    ),
)

NHSUK_GP = Schema(
    "nhsuk_gp", "NHS website GP file (GP.csv)",
    (
        Field("practice_code", ("OrganisationCode",), "code", required=True, blank=False,
              pattern=ODS_PRACTICE_OR_BRANCH, unique=True),
        Field("postcode", ("Postcode",), required=True),
        Field("latitude", ("Latitude",), "number", required=True),
        Field("longitude", ("Longitude",), "number", required=True),
        Field("parent_code", ("ParentODSCode",), "code", pattern=ODS_COMMISSIONER),
    ),
    rules=coordinates("latitude", "longitude"),
    notes=("a 9-character code is a branch surgery, kept and linked to the practice named by its first six "
           "characters",),
)

NHSUK_TRUST = Schema(
    "nhsuk_trust", "NHS website trust file (TRUST.csv)",
    (
        Field("code", ("OrganisationCode",), "code", required=True, blank=False, pattern=ODS_TRUST,
              unique=True),
        Field("name", ("OrganisationName",), required=True, blank=False),
        Field("latitude", ("Latitude",), "number"),
        Field("longitude", ("Longitude",), "number"),
    ),
    rules=coordinates("latitude", "longitude"),
)

AE = Schema(
    "ae_attendances", "A&E attendances and emergency admissions (monthly, by provider)",
    (
        Field("period", ("period", "month", "period start"), "date", required=True, blank=False,
              hint="give the month's first day (YYYY-MM-DD)"),
        Field("org_code", ("org_code", "org code", "organisation code", "provider code", "code"), "code",
              required=True, blank=False, pattern=ODS_ORGANISATION),
        Field("type", ("type", "department type", "ae type"), required=True, blank=False),
        Field("attendances", ("attendances", "total attendances"), "integer", required=True, blank=False,
              minimum=0),
        Field("breaches", ("breaches", "attendances over 4hrs", "over 4 hours"), "integer", required=True,
              blank=False, minimum=0),
        Field("admissions", ("admissions", "emergency admissions"), "integer", required=True, blank=False,
              minimum=0),
    ),
    rules=(not_above("breaches", "attendances", "the number of 4-hour breaches", than="the attendances"),),
    keys=(Unique(("period", "org_code", "type"), "provider, month and department type"),),
)

FINGERTIPS = Schema(
    "fingertips", "OHID Fingertips export (indicators-*.data.csv)",
    (
        Field("indicator_id", ("Indicator ID",), "integer", required=True, blank=False, minimum=1),
        Field("area_code", ("Area Code",), "code", required=True, blank=False, pattern=FINGERTIPS_AREA,
              hint="Fingertips area codes are ONS codes (E09000007), ODS practice (F83004), PCN (U12345) or "
                   "other ODS codes"),
        Field("area_type", ("Area Type",), required=True, blank=False),
        Field("period", ("Time period",), required=True, blank=False),
        Field("value", ("Value",), "number", required=True),
        Field("lower_ci", ("Lower CI 95.0 limit",), "number"),
        Field("upper_ci", ("Upper CI 95.0 limit",), "number"),
        Field("lower_ci_998", ("Lower CI 99.8 limit",), "number"),
        Field("upper_ci_998", ("Upper CI 99.8 limit",), "number"),
        Field("count", ("Count",), "number", minimum=0),
        Field("denominator", ("Denominator",), "number", above=0,
              hint="a denominator of 0 gives no value; re-export the data from Fingertips"),
        Field("period_sortable", ("Time period Sortable",), "integer"),
        Field("sex", ("Sex",)),
        Field("age", ("Age",)),
        Field("category_type", ("Category Type",)),
        Field("category", ("Category",)),
    ),
    rules=(ci_order("lower_ci", "value", "upper_ci"), ci_order("lower_ci_998", "value", "upper_ci_998")),
    keys=(Unique(("indicator_id", "area_code", "sex", "age", "category_type", "category", "period"),
                 "indicator, area, sex, age, category and period",
                 optional=("sex", "age", "category_type", "category")),),
)
IMD_TITLES = {  # the headings of IoD2019 Files 1 and 2, as published
    "imd": "Index of Multiple Deprivation (IMD)", "income": "Income", "employment": "Employment",
    "education": "Education, Skills and Training", "health": "Health Deprivation and Disability", "crime": "Crime",
    "housing": "Barriers to Housing and Services", "living_environment": "Living Environment",
}
POPULATION_TITLES = {  # the headings of IoD2019 File 6
    "population_total": "Total population: mid 2015 (excluding prisoners)",
    "population_0_15": "Dependent Children aged 0-15: mid 2015 (excluding prisoners)",
    "population_16_59": "Population aged 16-59: mid 2015 (excluding prisoners)",
    "population_60_plus": "Older population aged 60 and over: mid 2015 (excluding prisoners)",
    "population_working_age": "Working age population 18-59/64: for use with Employment Deprivation Domain "
                              "(excluding prisoners)",
}

IMD = Schema(
    "imd2019", "English Indices of Deprivation 2019 (Files 1, 2 and 6)",
    (
        Field("lsoa_code", ("LSOA code (2011)", "LSOA code", "LSOA11CD", "lsoa code 2011"), "code", required=True,
              blank=False, pattern=LSOA, unique=True),
        Field("lad_code", ("Local Authority District code (2019)", "Local Authority District code", "LAD19CD"),
              "code", pattern=GSS),
        *[Field(f"{d}_rank", (f"{IMD_TITLES[d]} Rank (where 1 is most deprived)", *(f"{a} rank" for a in aliases)),
                "integer", minimum=1, maximum=LSOA_COUNT_2011) for d, aliases in DOMAINS.items()],
        *[Field(f"{d}_decile", (f"{IMD_TITLES[d]} Decile (where 1 is most deprived 10% of LSOAs)",
                                *(f"{a} decile" for a in aliases)), "integer", minimum=1, maximum=10)
          for d, aliases in DOMAINS.items()],
        Field("population_total", (POPULATION_TITLES["population_total"], *POPULATION["population_total"]),
              "integer", above=0),
        *[Field(name, (POPULATION_TITLES[name], *aliases), "integer", minimum=0) for name, aliases in POPULATION.items()
          if name != "population_total"],
    ),
    notes=("header notes in brackets are ignored when matching columns (`Index of Multiple Deprivation (IMD) Rank "
           "(where 1 is most deprived)` is the IMD rank)",),
)

CQC_RATINGS = ("Outstanding", "Good", "Requires improvement", "Inadequate", "Not rated",
               "Insufficient evidence to rate")


def _care_home_without_beds(t: pd.DataFrame) -> pd.Series:
    """A care home whose bed count is blank or 0 (a registered care home has at least one bed; other locations
    publish 0)."""
    beds = pd.to_numeric(t["beds"], errors="coerce")
    return _is("care_home", "Y", "YES", "TRUE", "1")(t) & (t["beds"].isna() | (beds < 1)).to_numpy(dtype=bool)


CQC = Schema(
    "cqc", "CQC care directory (HSCA Active Locations)",
    (
        Field("location_id", ("Location ID", "CQC Location ID", "Location Id"), "code", required=True, blank=False,
              pattern=CQC_LOCATION, unique=True),
        Field("name", ("Location Name", "Name"), required=True, blank=False),
        Field("care_home", ("Care home?", "Care home", "Is care home"), "code", required=True, blank=False,
              choices=("Y", "N", "YES", "NO", "TRUE", "FALSE", "1", "0")),
        Field("beds", ("Care homes beds", "Care home beds", "Number of beds", "Beds"), "integer", required=True,
              minimum=0),
        Field("rating", ("Location Latest Overall Rating", "Latest overall rating", "Overall rating"),
              choices=CQC_RATINGS),
        Field("rating_date", ("Publication Date", "Latest rating publication date", "Rating date"), "date"),
        Field("start_date", ("Location HSCA start date", "HSCA start date", "Registration date"), "date"),
        Field("local_authority", ("Location Local Authority", "Local Authority", "LA"), required=True),
        Field("postcode", ("Location Postal Code", "Location Postcode", "Postcode"), "code", pattern=POSTCODE),
        Field("latitude", ("Location Latitude", "Latitude"), "number"),
        Field("longitude", ("Location Longitude", "Longitude"), "number"),
    ),
    rules=(
        Rule("a care home (`Care home?` Y) has `Care homes beds`, at least 1", ("beds", "care_home"),
             _care_home_without_beds, "a care home needs its number of beds (a whole number, 1 or more)"),
        ordered("start_date", "rating_date", "registration and its latest rating", severity="warning"),
        *coordinates("latitude", "longitude"),
    ),
)

BOUNDARY_CODES = {  # level -> the published pattern of its area codes
    "lsoa": LSOA, "msoa": r"[EW]02\d{6}", "ward": GSS, "borough": GSS, "pcn": PCN,
}
BOUNDARIES = tuple(
    Schema("boundaries", f"Boundaries, level {level} (GeoJSON, GeoPackage, zipped Shapefile)",
           (Field("code", ("area code field (e.g. LSOA11CD, WD22CD)",), "code", blank=False, pattern=pattern),),
           notes=("one feature per code (a repeat is refused); every feature a Polygon or MultiPolygon",)
           if level == "lsoa" else ())
    for level, pattern in BOUNDARY_CODES.items()
)


def check_boundary_codes(codes: pd.DataFrame, level: str, code_field: str, file_name: str) -> list[Problem]:
    """Problems of a boundary file's area codes (a ``_row`` and ``code`` frame) against its level's pattern."""
    schema = next((s for s, lv in zip(BOUNDARIES, BOUNDARY_CODES, strict=True) if lv == level), None)
    if schema is None:
        return []
    return [replace(p, column=code_field) if p.column else p for p in schema.check(codes, file_name)]


SCHEMAS: dict[str, tuple[Schema, ...]] = {
    "epraccur": (EPRACCUR,),
    "epcn": (EPCN_PCNS, EPCN_MEMBERS),
    "gp_list_size": (GP_LIST_SIZE,),
    "qof_prevalence": (QOF_PREVALENCE,),
    "qof_achievement": (QOF_ACHIEVEMENT_LONG, QOF_ACHIEVEMENT_WIDE),
    "qof_indicators": (QOF_INDICATORS,),
    "nhsuk_gp": (NHSUK_GP,),
    "nhsuk_trust": (NHSUK_TRUST,),
    "ae_attendances": (AE,),
    "fingertips": (FINGERTIPS,),
    "imd2019": (IMD,),
    "cqc": (CQC,),
    "boundaries": BOUNDARIES,
    **TEMPLATE_SCHEMAS,  # the dashboard's own templates (data/importers/template_schemas.py)
}


def check_source(source: str, raw: pd.DataFrame, file_name: str, which: int = 0) -> list[Problem]:
    """Problems of a source's raw table (``read_table`` output) against its declared schema."""
    return SCHEMAS[source][which].check(raw, file_name)


def all_schemas() -> list[Schema]:
    """Every schema, in the order the documentation lists them."""
    return [s for group in SCHEMAS.values() for s in group]


DOCS_START = "<!-- schema rules: generated by `python -m data.importers.schema_docs`; do not edit by hand -->"
DOCS_END = "<!-- end of schema rules -->"


def docs_section() -> str:
    """The Markdown that ``docs/importing.md`` carries between ``DOCS_START`` and ``DOCS_END``."""
    return f"{DOCS_START}\n\n{rules_markdown(all_schemas())}\n{DOCS_END}"
