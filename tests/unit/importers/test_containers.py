"""Files as containers (issue 12, items 2 and 3): encodings, empty, header-only and truncated files, workbooks.

The defects are made at test time from the real published files in ``shared/realdata`` (never committed).
"""

from __future__ import annotations

import io

import openpyxl
import pytest

from data.importers.common import DataImportError, decode_text, line_at, read_table
from tests.unit.importers.realdata import realdata

pytestmark = pytest.mark.unit


def _refusal(data: bytes, name: str, **kwargs: object) -> DataImportError:
    with pytest.raises(DataImportError) as caught:
        read_table(data, name, **kwargs)
    assert all(p.file == name for p in caught.value.problems), caught.value.problems
    return caught.value


def test_the_real_cp1252_and_utf8_files_decode() -> None:
    gp = realdata("nhsuk", "2019-05", "GP.csv").read_bytes()
    assert "¬" in decode_text(gp)  # Windows-1252, the NHS website's delimiter
    imd = realdata("imd2019", "File_1_-_IMD2019_Index_of_Multiple_Deprivation_london.csv").read_bytes()
    assert decode_text(imd).startswith("LSOA code")  # UTF-8 with BOM: the BOM is not part of the header


@pytest.mark.parametrize("byte", [0x81, 0x8D, 0x8F, 0x90, 0x9D])
def test_a_byte_neither_utf8_nor_cp1252_is_refused_with_offset_and_line(byte: int) -> None:
    real = realdata("nhsd", "qof_2020-21", "MAPPING_INDICATORS_2021_v2.csv").read_bytes()
    offset = real.index(b"\n", real.index(b"\n") + 1) + 3  # inside the second data line
    data = real[:offset] + bytes([byte]) + real[offset:]
    problem = _refusal(data, "MAPPING.csv").problems[0]
    assert problem.line == 3 == line_at(data, offset)
    assert problem.value == f"0x{byte:02X}"
    assert f"offset {offset:,}" in problem.message and "Windows-1252" in problem.message


def test_a_utf8_file_with_one_damaged_byte_is_not_read_as_cp1252() -> None:
    real = realdata("imd2019", "File_1_-_IMD2019_Index_of_Multiple_Deprivation_london.csv").read_bytes()
    offset = len(real) // 2
    data = real[:offset] + b"\xe9" + real[offset:]  # valid cp1252 ("é"), but the file declares UTF-8 (BOM)
    problem = _refusal(data, "imd.csv").problems[0]
    assert problem.line == line_at(data, offset) and problem.value == "0xE9"
    assert "UTF-8" in problem.message


def test_utf16_and_binary_files_are_refused() -> None:
    real = realdata("nhsd", "qof_2020-21", "MAPPING_INDICATORS_2021_v2.csv").read_text(encoding="utf-8")
    assert "UTF-16" in _refusal(real.encode("utf-16"), "u16.csv").problems[0].message
    assert "NUL" in _refusal(b"PRACTICE_CODE,REGISTER\nA1\x00\x00,3\n", "bin.csv").problems[0].message


def test_empty_and_header_only_files_are_refused() -> None:
    real = realdata("nhsd", "qof_2020-21", "PREVALENCE_2021_v2.csv").read_bytes()
    header = real[: real.index(b"\n") + 1]
    assert "empty" in _refusal(b"", "p.csv").problems[0].message
    assert "empty" in _refusal(b"  \r\n\r\n", "p.csv").problems[0].message
    assert "no data rows" in _refusal(header, "p.csv").problems[0].message
    assert "no data rows" in _refusal(header + b",,,,\r\n\r\n", "p.csv").problems[0].message


def test_a_last_record_cut_short_is_refused_at_its_row_and_line() -> None:
    real = realdata("nhsd", "qof_2020-21", "PREVALENCE_2021_v2.csv").read_bytes()
    lines = real.splitlines(keepends=True)[:50]
    cut = b"".join(lines[:-1]) + lines[-1][: lines[-1].index(b",", 10)]  # the last record loses its last fields
    problem = _refusal(cut, "p.csv").problems[0]
    assert problem.row == 50 and problem.line == 50
    assert "truncated" in problem.message


def test_an_unterminated_quote_is_refused_at_the_line_it_opens() -> None:
    real = realdata("fingertips", "indicators-CountyUA.data.csv").read_bytes()
    records = real.split(b"\r\n")
    kept = b"\r\n".join(records[:6])  # the header and five records (each has a quoted, multi-line name)
    cut = kept[: kept.rindex(b'"')]  # drop the closing quote of the last record's last quoted field
    problem = _refusal(cut, "ft.csv").problems[0]
    assert "never closed" in problem.message
    assert problem.line == 1 + 2 * 5 - 1  # each record spans two lines (the embedded newline)


def test_the_real_ragged_fingertips_file_still_reads() -> None:
    frame = read_table(realdata("fingertips", "indicators-CountyUA.data.csv").read_bytes(), "ft.csv")
    assert len(frame) == 852  # every record has 25 fields under a 26-column header: not truncation


def test_a_damaged_workbook_is_a_domain_error() -> None:
    real = realdata("nhsd", "epcn", "ePCN_blackwellrd_2023-02.xlsx").read_bytes()
    problem = _refusal(real[: len(real) // 2], "ePCN.xlsx", sheet="PCNDetails").problems[0]
    assert "damaged" in problem.message


def test_a_formula_without_a_saved_value_is_refused_at_its_cell() -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Data"
    sheet.append(["Practice code", "Register", "List size"])
    sheet.append(["E83003", 120, 5000])
    sheet.append(["E83005", "=B2*2", 6000])  # openpyxl saves the formula with no cached result
    buffer = io.BytesIO()
    book.save(buffer)
    problems = _refusal(buffer.getvalue(), "qof.xlsx").problems
    assert [(p.row, p.column, p.value) for p in problems] == [(3, "Register", "B3")]
    assert "formula" in problems[0].message
