"""The schema engine (data/importers/schema.py): each kind of rule, its message, and where it points."""

from __future__ import annotations

import pandas as pd
import pytest

from data.importers.common import read_table
from data.importers.schema import (
    GSS,
    MAX_PER_CHECK,
    PCN,
    Field,
    Rule,
    Schema,
    Unique,
    ci_order,
    coordinates,
    not_above,
    ordered,
    rule_lines,
)

pytestmark = pytest.mark.unit


def _table(text: str) -> pd.DataFrame:
    return read_table(text.encode(), "f.csv")


def _found(schema: Schema, text: str) -> list[tuple]:
    return [(p.severity, p.row, p.column, p.value) for p in schema.check(_table(text), "f.csv")]


def test_codes_match_their_published_pattern_in_the_files_own_header_spelling() -> None:
    schema = Schema("s", "S", (Field("area", ("Area Code",), "code", pattern=GSS),
                               Field("pcn", ("PCN Code",), "code", pattern=PCN)))
    found = _found(schema, "AREA  CODE,pcn code\nE09000007,U12345\nE0900007,U1234\n e09000019 ,\n")
    # the column as the file heads it ('AREA  CODE' shown with one space), the value as written
    assert found == [("error", 3, "AREA CODE", "E0900007"), ("error", 3, "pcn code", "U1234")]
    message = schema.check(_table("Area Code\nE0900007\n"), "f.csv")[0].message
    assert "E, W, S, N or K and 8 digits" in message and "correct the code" in message


def test_numbers_whole_numbers_ranges_above_and_blanks() -> None:
    schema = Schema("s", "S", (
        Field("n", ("N",), "integer", blank=False, minimum=0),
        Field("d", ("D",), "number", above=0, hint="a denominator of 0 gives no rate"),
        Field("dec", ("Decile",), "integer", minimum=1, maximum=10),
    ))
    found = _found(schema, 'N,D,Decile\n"1,296",0.5,10\n-1,0,11\n2.5,x,0\n,1,1\n')
    assert found == [
        ("error", 5, "N", None), ("error", 4, "N", "2.5"), ("error", 3, "N", "-1"),
        ("error", 4, "D", "x"), ("error", 3, "D", "0"),
        ("error", 3, "Decile", "11"), ("error", 4, "Decile", "0"),
    ]
    messages = {p.value: p.message for p in schema.check(_table('N,D,Decile\n1,0,1\n'), "f.csv")}
    assert messages["0"] == "must be above 0; a denominator of 0 gives no rate"


def test_dates_choices_and_a_missing_required_column() -> None:
    schema = Schema("s", "S", (Field("open", ("Open Date",), "date", required=True),
                               Field("status", ("Status",), "code", choices=("A", "C"))))
    assert _found(schema, "Open Date,Status\n19740401,a\n1974-13-01,X\n") == [
        ("error", 3, "Open Date", "1974-13-01"), ("error", 3, "Status", "X")]
    missing = schema.check(_table("Opened,Status\n19740401,A\n"), "f.csv")
    assert [(p.row, p.column) for p in missing] == [(1, "Open Date")] and "'Opened'" in missing[0].message


def test_a_repeated_key_is_refused_naming_both_rows_and_blank_optional_key_parts_compare_equal() -> None:
    schema = Schema("s", "S", (Field("code", ("Code",), "code"), Field("cat", ("Category",))),
                    keys=(Unique(("code", "cat"), "code and category", optional=("cat",)),))
    problems = schema.check(_table("Code,Category\nA1,\nA1,x\na1 ,\nB2,\n"), "f.csv")
    assert [(p.row, p.value) for p in problems] == [(4, "A1 / ")]
    assert "as row 2" in problems[0].message
    # without the optional column the key is the code alone
    assert [p.row for p in schema.check(_table("Code\nA1\nB2\nA1\n"), "f.csv")] == [4]
    unique = Schema("s", "S", (Field("code", ("Code",), "code", unique=True),))
    assert [(p.row, "as row 2" in p.message) for p in unique.check(_table("Code\nX\nY\nX\n"), "f.csv")] == [(4, True)]


def test_cross_field_rules_dates_ordered_ratios_and_confidence_limits() -> None:
    schema = Schema("s", "S", (
        Field("start", ("Start",), "date"), Field("end", ("End",), "date"),
        Field("num", ("Register",), "integer"), Field("den", ("List",), "integer"),
        Field("lo", ("Lower",), "number"), Field("v", ("Value",), "number"), Field("hi", ("Upper",), "number"),
    ), rules=(ordered("start", "end", "membership"), not_above("num", "den", "the register", "warning"),
              ci_order("lo", "v", "hi")))
    text = ("Start,End,Register,List,Lower,Value,Upper\n"
            "20200101,20210101,5,10,1,2,3\n"
            "20200101,20191231,11,10,3,2,1\n"
            "20200101,,5,10,,2,\n")
    assert _found(schema, text) == [("error", 3, "End", "20191231"), ("warning", 3, "Register", "11"),
                                    ("error", 3, "Value", "2")]
    errors = not_above("num", "den", "the numerator")
    assert errors.severity == "error" and "cannot be" in str(errors.message)


def test_coordinates_swapped_british_national_grid_and_outside_great_britain() -> None:
    schema = Schema("s", "S", (Field("lat", ("Location Latitude",), "number"),
                               Field("lon", ("Location Longitude",), "number")), rules=coordinates("lat", "lon"))
    problems = schema.check(_table("Location Latitude,Location Longitude\n51.5,-0.1\n-0.1,51.5\n"
                                   "180000,530000\n40.7,-74.0\n51.5,12.5\n,\n"), "f.csv")
    assert [(p.row, p.column, p.value) for p in problems] == [
        (3, "Location Latitude", "-0.1"), (4, "Location Latitude", "180000"), (5, "Location Latitude", "40.7"),
        (5, "Location Longitude", "-74.0"), (6, "Location Longitude", "12.5")]  # each coordinate that is out
    assert "swapped" in problems[0].message and "National Grid" in problems[1].message
    assert "not in Great Britain" in problems[2].message


def test_a_value_of_the_wrong_type_is_not_judged_again_by_a_rule() -> None:
    schema = Schema("s", "S", (Field("beds", ("Beds",), "integer"), Field("home", ("Care home?",))),
                    rules=(Rule("a care home has beds", ("beds", "home"),
                                lambda t: t["home"].eq("Y") & t["beds"].isna(), "a care home needs beds"),))
    assert _found(schema, "Beds,Care home?\nx,Y\n,Y\n3,Y\n") == [("error", 2, "Beds", "x"), ("error", 3, "Beds", None)]


def test_problems_are_capped_per_rule_with_a_count_of_the_rest() -> None:
    schema = Schema("s", "S", (Field("n", ("N",), "integer"),))
    problems = schema.check(_table("N\n" + "x\n" * (MAX_PER_CHECK + 7)), "f.csv")
    assert len(problems) == MAX_PER_CHECK + 1
    summary = problems[-1]
    assert summary.row is None and summary.message.startswith("and 7 more rows") and "not a number" in summary.message


def test_rows_and_file_lines_differ_after_a_quoted_line_break_and_headers_with_line_breaks_are_shown_flat() -> None:
    schema = Schema("s", "S", (Field("name", ("Indicator Name",)), Field("v", ("Value",), "number")))
    problems = schema.check(_table('"Indicator\nName",Value\n"Flu\n",1\n"Flu\n",x\n'), "f.csv")
    assert [(p.row, p.line, p.column, p.value) for p in problems] == [(3, 5, "Value", "x")]


def test_a_headerless_file_names_columns_by_position() -> None:
    schema = Schema("s", "S", (Field("status", ("13 Status Code",), "code", choices=("A",)),), headerless=True)
    frame = read_table(b'"A"\n"Q"\n', "f.csv", header=False, names=["status"])
    assert [(p.row, p.column, p.value) for p in schema.check(frame, "f.csv")] == [(2, "13 Status Code", "Q")]


def test_rules_are_documented_in_words_with_the_files_headers() -> None:
    schema = Schema("s", "S", (Field("start", ("Open Date",), "date", blank=False),
                               Field("end", ("Close Date",), "date")),
                    rules=(ordered("start", "end", "opening"),))
    assert rule_lines(schema) == ["- `Open Date`: never blank; a date", "- `Close Date`: a date",
                                  "- `Close Date` is on or after `Open Date` (opening)"]


def test_a_lone_coordinate_outside_great_britain_is_refused_with_or_without_the_other() -> None:
    """A latitude with a blank longitude, or a file with a latitude column only, is judged on its own: no point
    outside Great Britain reaches an importer (which therefore has no check of its own)."""
    both = Schema("s", "S", (Field("lat", ("Latitude",), "number"), Field("lon", ("Longitude",), "number")),
                  rules=coordinates("lat", "lon"))
    assert _found(both, "Latitude,Longitude\n51.5,-0.1\n95,\n,7.5\n") == [
        ("error", 3, "Latitude", "95"), ("error", 4, "Longitude", "7.5")]
    alone = Schema("s", "S", (Field("lat", ("Latitude",), "number"), Field("lon", ("Longitude",), "number")),
                   rules=coordinates("lat", "lon"))
    assert _found(alone, "Latitude\n51.5\n530000\n") == [("error", 3, "Latitude", "530000")]


def test_converters_lengths_and_one_of_columns() -> None:
    """A field's own converter (the project's vocabulary), a length limit, and a group of columns of which the file
    needs one; ``convert`` reads what ``check`` accepted."""
    def years(raw: pd.Series) -> tuple[pd.Series, pd.Series]:
        typed = pd.Series([int(v[:4]) if isinstance(v, str) and v[:4].isdigit() else None for v in raw],
                          index=raw.index, dtype=object)
        return typed, raw.notna().to_numpy(dtype=bool) & typed.isna().to_numpy(dtype=bool)

    schema = Schema("s", "S", (Field("fy", ("Year",), convert=years, expect="a financial year (2019/20)"),
                               Field("code", ("Code",), "code", length=4), Field("a", ("A",), "number"),
                               Field("b", ("B",), "number")), one_of=(("a", "b"),))
    text = "Year,Code,A\n2019/20,ab,1\nnext,ABCDE,2\n"
    problems = schema.check(_table(text), "f.csv")
    assert [(p.row, p.column, p.value) for p in problems] == [(3, "Year", "next"), (3, "Code", "ABCDE")]
    assert "not a financial year (2019/20)" in problems[0].message and "longer than 4" in problems[1].message
    typed = schema.convert(_table(text).rename(columns={"Year": "fy", "Code": "code", "A": "a"}))
    assert typed["fy"].tolist() == [2019, None] and typed["code"].tolist() == ["AB", "ABCDE"]
    missing = schema.check(_table("Year,Code\n2019/20,ab\n"), "f.csv")
    assert [(p.row, p.column) for p in missing] == [(1, None)] and "'A', 'B'" in missing[0].message
    lines = rule_lines(schema)
    assert "- `Year`: a financial year (2019/20)" in lines and "- `Code`: at most 4 characters" in lines
    assert "- at least one of the columns `A`, `B`" in lines
