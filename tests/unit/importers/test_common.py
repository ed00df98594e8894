"""Reading, header matching, value parsing and problem reporting shared by every importer."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from data.importers.common import (
    Column,
    DataImportError,
    ImportReport,
    Problem,
    decode_text,
    match_columns,
    normalise_header,
    parse_period,
    read_table,
    sniff_delimiter,
    to_date,
    to_number,
)

pytestmark = pytest.mark.unit


def test_reads_utf8_bom_crlf_quoted_commas_and_blank_trailing_columns() -> None:
    data = '\ufeff"Code","Name, full",Value,,\r\nA1,"Smith, J","1,234",,\r\n\r\n'.encode()
    frame = read_table(data, "x.csv")
    assert list(frame.columns) == ["_row", "Code", "Name, full", "Value"]
    assert frame.iloc[0].tolist() == [2, "A1", "Smith, J", "1,234"]


def test_reads_cp1252_with_the_nhs_website_delimiter() -> None:
    data = "Code¬Name\nA1¬Café Surgery\n".encode("cp1252")
    frame = read_table(data, "GP.csv")
    assert frame.loc[0, "Name"] == "Café Surgery"
    assert decode_text("é".encode("cp1252")) == "é"
    assert sniff_delimiter("a;b;c") == ";"
    assert sniff_delimiter('"a,b"\tc\td') == "\t"


def test_short_rows_are_padded_and_long_rows_are_reported_with_their_row() -> None:
    frame = read_table(b"a,b,c\n1,2\n", "short.csv")
    assert pd.isna(frame.loc[0, "c"])
    with pytest.raises(DataImportError) as exc:
        read_table(b"a,b\n1,2\n3,4,5\n", "long.csv")
    assert exc.value.problems[0].row == 3
    assert "long.csv" in str(exc.value)


def test_header_row_found_below_a_title_block() -> None:
    data = b"HSCA Active Locations\nPublished 1 May 2024\n\nLocation ID,Location Name\n1-1,Oak House\n"
    frame = read_table(data, "cqc.csv", header_hint=["location id", "location name"])
    assert frame.loc[0, "Location ID"] == "1-1"
    assert frame.loc[0, "_row"] == 5


def test_empty_file_is_a_data_import_error_naming_the_file() -> None:
    with pytest.raises(DataImportError, match="empty"):
        read_table(b"  \n", "blank.csv")


def test_reads_xlsx_with_excel_dates_and_numbers(tmp_path) -> None:
    path = tmp_path / "t.xlsx"
    pd.DataFrame({"Code": ["A1"], "When": [pd.Timestamp(2024, 3, 31)], "N": [12.0]}).to_excel(path, index=False)
    frame = read_table(path.read_bytes(), "t.xlsx")
    assert frame.loc[0, "When"] == "2024-03-31"
    assert frame.loc[0, "N"] == "12"


def test_missing_sheet_names_the_sheets(tmp_path) -> None:
    path = tmp_path / "t.xlsx"
    pd.DataFrame({"a": [1]}).to_excel(path, index=False, sheet_name="Data")
    with pytest.raises(DataImportError, match="Data"):
        read_table(path.read_bytes(), "t.xlsx", sheet="PCNDetails")


def test_alias_matching_is_case_space_and_newline_tolerant_and_reports_unknown_and_missing() -> None:
    frame = pd.DataFrame({"_row": [2], "Partner\nOrganisation\nCode ": ["A1"], "Extra": ["x"]})
    columns = [Column("practice_code", ("partner organisation code",)), Column("pcn_code", ("PCN Code",))]
    out, problems = match_columns(frame, columns, file="f.xlsx")
    assert out.loc[0, "practice_code"] == "A1"
    assert [p.severity for p in problems] == ["error", "warning"]
    assert "pcn_code" in problems[0].message and "Partner Organisation Code" in problems[0].message
    assert "Extra" in problems[1].message
    assert normalise_header("Lower CI 95.0 limit") == "lower ci 95 0 limit"


def test_numbers_tolerate_thousands_separators_and_flag_text() -> None:
    numbers, invalid = to_number(pd.Series(["1,234", " 5 ", "-7.43E-02", "12%", None, "n/a"]))
    assert numbers.iloc[:4].tolist() == [1234.0, 5.0, -0.0743, 12.0]
    assert invalid.tolist() == [False, False, False, False, False, True]


def test_dates_in_every_nhs_format() -> None:
    dates, invalid = to_date(pd.Series(["20230401", "2023-04-01", "01/04/2023", "01Apr2023", "01-Apr-23",
                                        "2023-04-01 00:00:00", "45017", "31/02/2023", None]))
    assert dates.iloc[:7].tolist() == [date(2023, 4, 1)] * 7
    assert invalid.tolist() == [False] * 7 + [True, False]


@pytest.mark.parametrize(
    ("label", "start", "end"),
    [
        ("2023", date(2023, 1, 1), date(2023, 12, 31)),
        ("2023/24", date(2023, 4, 1), date(2024, 3, 31)),
        ("2016 - 18", date(2016, 1, 1), date(2018, 12, 31)),
        ("2017/18 - 19/20", date(2017, 4, 1), date(2020, 3, 31)),
        ("2023 Q2", date(2023, 4, 1), date(2023, 6, 30)),
        ("2023/24 Q4", date(2024, 1, 1), date(2024, 3, 31)),
        ("2023-04", date(2023, 4, 1), date(2023, 4, 30)),
        ("Feb 2024", date(2024, 2, 1), date(2024, 2, 29)),
        ("2023-04-15", date(2023, 4, 1), date(2023, 4, 30)),
    ],
)
def test_periods(label: str, start: date, end: date) -> None:
    assert parse_period(label) == (start, end)


def test_unparseable_periods_are_none() -> None:
    assert parse_period("2023-13") is None
    assert parse_period("sometime") is None


def test_report_text_and_problem_table() -> None:
    problem = Problem("f.csv", 3, "value", "x", "not a number")
    report = ImportReport("kpi_observations", "f.csv", "0" * 64, "rejected", rows_read=2, rows_rejected=1,
                          problems=[problem])
    assert "REJECTED" in report.text() and "row 3" in report.text()
    assert report.problems_frame().loc[0, "row"] == 3
    assert not report.ok
    with pytest.raises(DataImportError):
        report.raise_for_status()
