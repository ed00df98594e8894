"""Each schema rule fires on a minimally mutated real row, pointing at it, with nothing written (issue 12, item 1).

Every case takes the first rows of a real published file from ``shared/realdata``, changes one field of one row
(or repeats a row) and imports it: the report must name the row, the column as the file heads it and the value,
and the database must hold exactly what it held before. Real rows that break no rule but are odd (practice
Y05750's learning disability register above its list size) load with a warning. Also: every real file's record
count is what the importer reads, and every NHS website branch surgery is stored.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from dataclasses import dataclass

import openpyxl
import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel

from data.importers import load_upload
from models import PracticeSite
from tests.unit.importers.realdata import realdata

pytestmark = pytest.mark.db


@dataclass(frozen=True)
class Real:
    """A real file read as records: its source, path, delimiter, encoding and quoting."""

    source: str
    parts: tuple[str, ...]
    delimiter: str = ","
    encoding: str = "utf-8-sig"
    quote_all: bool = False
    header: bool = True

    def records(self) -> list[list[str]]:
        text = realdata(*self.parts).read_bytes().decode(self.encoding)
        return list(csv.reader(io.StringIO(text, newline=""), delimiter=self.delimiter))

    def write(self, records: list[list[str]]) -> bytes:
        out = io.StringIO(newline="")
        writer = csv.writer(out, delimiter=self.delimiter, lineterminator="\r\n",
                            quoting=csv.QUOTE_ALL if self.quote_all else csv.QUOTE_MINIMAL)
        writer.writerows(records)
        return out.getvalue().encode(self.encoding.replace("-sig", ""))


EPRACCUR = Real("epraccur", ("nhsd", "epraccur", "epraccur_blackwellrd_2023-02.csv"), quote_all=True, header=False)
LIST_SIZE = Real("gp_list_size", ("nhsd", "gp_registered_patients", "gp-reg-pat-prac-all_2022-05_ncl93C.csv"))
EMIS = Real("gp_list_size", ("ncl_icb", "emis_list_size_2026-02-25.csv"))
PREVALENCE = Real("qof_prevalence", ("nhsd", "qof_2020-21", "PREVALENCE_2021_v2.csv"))
INDICATORS = Real("qof_indicators", ("nhsd", "qof_2020-21", "MAPPING_INDICATORS_2021_v2.csv"))
AE = Real("ae_attendances", ("nhse", "ae_attendances_2016-04_2019-03.csv"))
NHSUK_GP = Real("nhsuk_gp", ("nhsuk", "2019-05", "GP.csv"), delimiter="¬", encoding="cp1252")
TRUST = Real("nhsuk_trust", ("nhsuk", "2019-05", "TRUST.csv"), delimiter="¬", encoding="cp1252")
FINGERTIPS = Real("fingertips", ("fingertips", "indicators-CountyUA.data.csv"))
IMD1 = Real("imd2019", ("imd2019", "File_1_-_IMD2019_Index_of_Multiple_Deprivation_london.csv"))
IMD6 = Real("imd2019", ("imd2019", "File_6_-_IoD2019_Population_Denominators_london.csv"))

Mutation = Callable[[list[list[str]]], None]


def setting(row: int, column: int, value: str) -> Mutation:
    """Set field ``column`` (0-based) of data record ``row`` (0-based, after the header)."""
    def mutate(records: list[list[str]], *, _r: int = row) -> None:
        records[_r][column] = value
    return mutate


def repeat(row: int, onto: int) -> Mutation:
    """Make data record ``onto`` a copy of record ``row`` (a duplicated key)."""
    def mutate(records: list[list[str]]) -> None:
        records[onto] = list(records[row])
    return mutate


def _table_counts(engine: Engine) -> dict[str, int]:
    with Session(engine) as session:
        return {t.name: session.execute(select(func.count()).select_from(t)).scalar_one()
                for t in SQLModel.metadata.sorted_tables if t.name != "import_log"}


def _mutated(real: Real, mutate: Mutation, rows: int = 6) -> bytes:
    records = real.records()
    head = 1 if real.header else 0
    subset = [list(r) for r in records[: head + rows]]
    body = subset[head:]
    mutate(body)
    return real.write(subset[:head] + body)


# (id, file, mutation, expected row as a spreadsheet shows it, column as the file heads it, value, words)
CASES = [
    ("epraccur-code", EPRACCUR, setting(0, 0, "A8100"), 1, "1 Organisation Code", "A8100", "ODS"),
    ("epraccur-status", EPRACCUR, setting(1, 12, "X"), 2, "13 Status Code", "X", "A (active)"),
    ("epraccur-open-date", EPRACCUR, setting(2, 10, "19741301"), 3, "11 Open Date", "19741301", "YYYYMMDD"),
    ("epraccur-closed-before-open", EPRACCUR, setting(2, 11, "19700101"), 3, "12 Close Date", "19700101",
     "ends before it starts"),
    ("epraccur-left-before-join", EPRACCUR, setting(0, 16, "20000101"), 1, "17 Left Provider/Purchaser Date",
     "20000101", "ends before it starts"),
    ("epraccur-duplicate", EPRACCUR, repeat(0, 3), 4, "1 Organisation Code", "A81001", "as row 1"),
    ("epraccur-practice-code-setting-4", EPRACCUR, setting(1, 0, "ALD200"), 2, "1 Organisation Code", "ALD200",
     "prescribing setting 4"),
    ("epraccur-commissioner", EPRACCUR, setting(1, 14, "16-C"), 2, "15 Commissioner", "16-C", "commissioner"),
    ("list-size-code", LIST_SIZE, setting(0, 5, "E8300"), 2, "CODE", "E8300", "practice code"),
    ("list-size-negative", LIST_SIZE, setting(1, 9, "-5"), 3, "NUMBER_OF_PATIENTS", "-5", "at least 0"),
    ("list-size-date", LIST_SIZE, setting(2, 1, "31Feb2022"), 4, "EXTRACT_DATE", "31Feb2022", "01May2022"),
    ("list-size-ons-code", LIST_SIZE, setting(3, 4, "E3800024"), 5, "ONS_CCG_CODE", "E3800024", "GSS"),
    ("list-size-duplicate", LIST_SIZE, repeat(0, 4), 6, "CODE", "E83003 / 2022-05-01 / ALL / ALL", "as row 2"),
    ("emis-list-size-not-a-number", EMIS, setting(2, 3, "12,34x"), 4, "LIST_SIZE", "12,34x", "not a number"),
    ("prevalence-zero-list", PREVALENCE, setting(0, 4, "0"), 2, "PRACTICE_LIST_SIZE", "0", "above 0"),
    ("prevalence-register", PREVALENCE, setting(1, 2, "3.5"), 3, "REGISTER", "3.5", "whole number"),
    ("prevalence-practice", PREVALENCE, setting(2, 0, "81001"), 4, "PRACTICE_CODE", "81001", "practice code"),
    ("prevalence-list-type", PREVALENCE, setting(3, 3, "6OVER"), 5, "PATIENT_LIST_TYPE", "6OVER", "published"),
    ("prevalence-duplicate", PREVALENCE, repeat(0, 5), 7, "PRACTICE_CODE", "A81001 / AF", "as row 2"),
    ("indicators-code", INDICATORS, setting(0, 0, "AF01"), 2, "INDICATOR_CODE", "AF01", "published"),
    ("indicators-duplicate", INDICATORS, repeat(0, 2), 4, "INDICATOR_CODE", "AF001", "as row 2"),
    ("ae-breaches-above-attendances", AE, setting(1, 4, "5000"), 3, "breaches", "5000", "cannot be"),
    ("ae-attendances", AE, setting(2, 3, "many"), 4, "attendances", "many", "not a number"),
    ("ae-org-code", AE, setting(0, 1, "R-L"), 2, "org_code", "R-L", "ODS"),
    ("ae-period", AE, setting(3, 0, "2016-13-01"), 5, "period", "2016-13-01", "first day"),
    ("ae-duplicate", AE, repeat(0, 5), 7, "period", "2016-04-01 / AAH / other", "as row 2"),
    ("nhsuk-gp-swapped", NHSUK_GP, lambda r: r[0].__setitem__(slice(14, 16), [r[0][15], r[0][14]]), 2,
     "Latitude", None, "swapped"),
    ("nhsuk-gp-grid-metres", NHSUK_GP, lambda r: r[1].__setitem__(slice(14, 16), ["455932", "520390"]), 3,
     "Latitude", "455932", "National Grid"),
    ("nhsuk-gp-outside-gb", NHSUK_GP, setting(2, 14, "40.7"), 4, "Latitude", "40.7", "not in Great Britain"),
    ("nhsuk-gp-code", NHSUK_GP, setting(3, 1, "A8101"), 5, "OrganisationCode", "A8101", "branch surgery"),
    ("nhsuk-gp-duplicate", NHSUK_GP, repeat(0, 4), 6, "OrganisationCode", None, "as row 2"),
    ("trust-swapped", TRUST, lambda r: r[0].__setitem__(slice(13, 15), [r[0][14], r[0][13]]), 2, "Latitude", None,
     "swapped"),
    ("trust-code", TRUST, setting(1, 1, "NAAX"), 3, "OrganisationCode", "NAAX", "trust"),
    ("fingertips-ci", FINGERTIPS, setting(0, 13, "99.5"), 2, "Value", None, "confidence interval"),
    ("fingertips-denominator", FINGERTIPS, setting(1, 18, "0"), 3, "Denominator", "0", "above 0"),
    ("fingertips-area-code", FINGERTIPS, setting(2, 4, "E0900003"), 4, "Area Code", "E0900003", "Fingertips area"),
    ("fingertips-indicator", FINGERTIPS, setting(3, 0, "93356a"), 5, "Indicator ID", "93356a", "not a number"),
    ("fingertips-duplicate", FINGERTIPS, repeat(0, 4), 6, "Indicator ID", None, "as row 2"),
    ("imd-decile", IMD1, setting(0, 5, "11"), 2, "Index of Multiple Deprivation (IMD) Decile", "11", "1 to 10"),
    ("imd-rank", IMD1, setting(1, 4, "40000"), 3, "Index of Multiple Deprivation (IMD) Rank", "40000", "32844"),
    ("imd-lsoa", IMD1, setting(2, 0, "E0100003"), 4, "LSOA code (2011)", "E0100003", "LSOA"),
    ("imd-lad", IMD1, setting(2, 2, "E0900001"), 4, "Local Authority District code (2019)", "E0900001", "GSS"),
    ("imd-duplicate", IMD1, repeat(0, 3), 5, "LSOA code (2011)", "E01000001", "as row 2"),
    ("imd-population", IMD6, setting(1, 4, "0"), 3, "Total population: mid 2015 (excluding prisoners)", "0",
     "above 0"),
]


@pytest.mark.parametrize(("real", "mutate", "row", "column", "value", "words"),
                         [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_a_rule_fires_on_a_mutated_real_row_and_nothing_is_written(
    geography: Engine, real: Real, mutate: Mutation, row: int, column: str, value: str | None, words: str
) -> None:
    data = _mutated(real, mutate)
    before = _table_counts(geography)
    name = real.parts[-1]
    report = load_upload(geography, real.source, data, name)
    assert report.status == "rejected", report.text()
    hits = [p for p in report.errors if p.row == row and p.column == column]
    assert hits, report.text()
    if value is not None:
        assert hits[0].value == value, report.text()
    assert words.lower() in hits[0].message.lower(), hits[0].message
    assert all(p.file == name for p in report.errors)
    assert _table_counts(geography) == before


def test_unmutated_real_rows_pass_every_case_file(geography: Engine) -> None:
    """The cases' unmutated subsets are valid, so each failure above is the mutation's alone."""
    for real in {c[1] for c in CASES}:
        report = load_upload(geography, real.source, _mutated(real, lambda r: None), real.parts[-1], dry_run=True)
        assert not report.errors, report.text()


def test_a_register_above_its_list_size_is_a_warning_and_the_real_row_loads(geography: Engine) -> None:
    records = PREVALENCE.records()
    kept = [records[0]] + [r for r in records[1:] if r[0] == "E83003"] + [
        r for r in records[1:] if r[:2] == ["Y05750", "LD"]]
    report = load_upload(geography, "qof_prevalence", PREVALENCE.write(kept), "PREVALENCE_2021_v2.csv")
    assert report.status == "loaded", report.text()
    warned = [p for p in report.problems if p.severity == "warning" and p.column == "REGISTER"]
    assert [(p.row, p.value) for p in warned] == [(len(kept), "137")]


def _epcn_mutated(sheet: str, row: int, column: str, value: str) -> bytes:
    book = openpyxl.load_workbook(realdata("nhsd", "epcn", "ePCN_blackwellrd_2023-02.xlsx"))
    ws = book[sheet]
    header = [str(c.value) for c in ws[1]]
    ws.cell(row=row, column=header.index(column) + 1, value=value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.mark.parametrize(("sheet", "row", "column", "value", "shown", "words"), [
    ("PCNDetails", 3, "PCN Code", "U1234", "PCN Code", "U and 5 digits"),
    ("PCN Core Partner Details", 4, "Practice to PCN\nRelationship\nEnd Date", "20000101",
     "Practice to PCN Relationship End Date", "ends before it starts"),
], ids=["pcn-code", "membership-ends-before-it-starts"])
def test_epcn_rules_fire_on_the_real_workbook(
    geography: Engine, sheet: str, row: int, column: str, value: str, shown: str, words: str
) -> None:
    try:
        data = _epcn_mutated(sheet, row, column, value)
    except ValueError:
        pytest.skip(f"the workbook's {sheet} sheet has no column {column!r}")
    before = _table_counts(geography)
    report = load_upload(geography, "epcn", data, "ePCN.xlsx")
    assert report.status == "rejected", report.text()
    hit = next(p for p in report.errors if p.row == row)
    assert (hit.file, hit.column, hit.value) == (f"ePCN.xlsx [{sheet}]", shown, value)
    assert words in hit.message and _table_counts(geography) == before


@pytest.mark.parametrize(("real", "records"), [
    (EPRACCUR, 15_536), (LIST_SIZE, 181), (EMIS, 173), (PREVALENCE, 137_991), (INDICATORS, 68), (AE, 12_765),
    (NHSUK_GP, 8_883), (TRUST, 1_848), (FINGERTIPS, 852), (IMD1, 4_835), (IMD6, 4_835),
], ids=lambda v: v.parts[-1] if isinstance(v, Real) else str(v))
def test_every_real_file_is_read_whole(geography: Engine, real: Real, records: int) -> None:
    path = realdata(*real.parts)
    report = load_upload(geography, real.source, path.read_bytes(), path.name, dry_run=True)
    assert report.ok, report.text()
    assert report.rows_read == records
    assert not report.errors


def test_every_nhs_website_branch_surgery_is_stored(geography: Engine) -> None:
    path = realdata(*NHSUK_GP.parts)
    report = load_upload(geography, "nhsuk_gp", path.read_bytes(), path.name)
    assert report.status == "loaded", report.text()
    branches = sum(1 for r in NHSUK_GP.records()[1:] if len(r[1]) == 9)
    with Session(geography) as session:
        stored = session.execute(select(func.count()).select_from(PracticeSite)).scalar_one()
    assert stored == branches == 1_935


def test_a_malformed_area_code_in_a_real_boundary_file_is_refused(geography: Engine) -> None:
    collection = json.loads(realdata("ons", "lsoa_by_lad", "E09000007.json").read_bytes())
    collection["features"][4]["properties"]["LSOA11CD"] = "E0100090"
    before = _table_counts(geography)
    report = load_upload(geography, "boundaries", json.dumps(collection).encode(), "camden.json")
    assert report.status == "rejected", report.text()
    assert [(p.row, p.column, p.value) for p in report.errors] == [(5, "LSOA11CD", "E0100090")]
    assert "LSOA code" in report.errors[0].message and _table_counts(geography) == before
