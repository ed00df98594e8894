"""Parsers of the footprint files: epraccur status codes kept, areas-template levels and corrections, successors."""

from __future__ import annotations

import pytest

from data.importers.areas import parse_areas
from data.importers.boundaries import parse_catchment_lookup
from data.importers.neighbourhoods import parse_neighbourhoods
from data.importers.ods import parse_epraccur
from data.importers.successors import parse_successors

pytestmark = pytest.mark.unit


def _epraccur_row(code: str, status: str, commissioner: str = "93C") -> str:
    fields = [""] * 27
    fields[0], fields[1], fields[10], fields[12], fields[14], fields[25] = (
        code, f"Practice {code}", "19740401", status, commissioner, "4")
    return ",".join(f'"{f}"' for f in fields) + "\n"


def test_epraccur_keeps_every_status_and_the_commissioner() -> None:
    text = "".join(_epraccur_row(c, s) for c, s in [("F83001", "A"), ("F83002", "D"), ("F83003", "C"),
                                                   ("F83004", "P")])
    parsed = parse_epraccur(text.encode(), "epraccur.csv")
    # kept, with a warning for the closed practice the test row gives no close date (schema rule)
    assert [(p.severity, p.row, p.column) for p in parsed.problems] == [("warning", 3, "13 Status Code")]
    assert parsed.frame["status"].tolist() == ["A", "D", "C", "P"]
    assert set(parsed.frame["commissioner"]) == {"93C"}
    assert any("1 dormant" in n for n in parsed.notes)


def test_epraccur_refuses_an_unknown_status_code() -> None:
    parsed = parse_epraccur((_epraccur_row("F83001", "A") + _epraccur_row("F83002", "X")).encode(), "e.csv")
    assert [(p.row, p.column, p.value) for p in parsed.problems] == [(2, "13 Status Code", "X")]


def test_areas_template_reads_members_and_corrections() -> None:
    text = b"""level,code,name,parent_code,detach
system,QMJ,North Central London,,
sub_icb,93C,NCL,QMJ,
sub_icb,07m,Barnet CCG,E09000003,
Sub ICB,93C,NCL,WNL,
place,E09000003,,WNL,
practice,F83004,,E09000007,
pcn,U10339,Harrow Collaborative,,yes
"""
    parsed = parse_areas(text, "areas.csv")
    assert parsed.problems == []
    assert parsed.frame["level"].tolist() == ["system", "sub_icb", "sub_icb", "sub_icb", "place", "practice", "pcn"]
    assert parsed.frame["detach"].tolist() == [False] * 6 + [True]
    assert parsed.frame["code"].iloc[2] == "07M"


@pytest.mark.parametrize(("text", "column", "fragment"), [
    (b"level,code,name,parent_code,detach\nborough,E1,B,QMJ,yes\n", "detach", "only a pcn or practice"),
    (b"level,code,name,parent_code\npractice,F83004,,\n", "parent_code", "borough's ONS code or its PCN"),
    (b"level,code,name,parent_code\nplace,E09000003,,\n", "parent_code", "system it is added to"),
    (b"level,code,name,parent_code\npcn,U1,,E09000003\n", "name", "name is blank"),
])
def test_areas_template_errors_name_the_column(text: bytes, column: str, fragment: str) -> None:
    problems = parse_areas(text, "areas.csv").problems
    assert any(p.column == column and fragment in p.message for p in problems), problems


def test_successors_refuse_self_succession_cycles_and_bad_levels() -> None:
    text = b"""level,predecessor_code,successor_code,effective_date
practice,F83001,F83001,2022-04-01
pcn,U00001,U00002,2022-04-01
pcn,U00002,U00001,2023-04-01
care_home,1-1,1-2,2022-04-01
system,QMJ,WNL,2026-04-01
"""
    problems = parse_successors(text, "successors.csv").problems
    where = sorted((p.row, p.column) for p in problems)
    assert where == [(2, "successor_code"), (3, "successor_code"), (4, "successor_code"), (5, "level")]


def test_a_cp1252_neighbourhoods_file_with_crlf_reads_its_names() -> None:
    text = ("Neighbourhood,Name,Borough code,Member type,Member\r\n"
            "ISL-N,St Mary\u2019s \u2013 Islington,E09000019,GP,f83004\r\nISL-N,St Mary\u2019s \u2013 Islington,,lsoa,"
            "E01002726\r\n")
    parsed = parse_neighbourhoods(text.encode("cp1252"), "neighbourhoods.csv")
    assert not parsed.problems
    assert parsed.frame["neighbourhood_name"].tolist() == ["St Mary\u2019s \u2013 Islington"] * 2
    assert parsed.frame["member_level"].tolist() == ["practice", "lsoa"]
    assert parsed.frame["member_code"].tolist() == ["F83004", "E01002726"]
    assert parsed.frame.attrs["headers"]["member_code"] == "Member"  # the database checks name it so too


def test_a_catchment_lookup_by_ward_needs_ward_codes() -> None:
    text = b"WD13CD,PCN code\nE05000026,U00001\nE01000001,U00002\n"
    assert not parse_catchment_lookup(text.replace(b"E01000001", b"E05000027"), "w.csv",
                                      {"from_level": "ward"}).problems
    refused = parse_catchment_lookup(text, "w.csv", {"from_level": "ward"}).problems
    assert [(p.row, p.column, p.value) for p in refused] == [(3, "WD13CD", "E01000001")]
    assert "ward code" in refused[0].message
    by_lsoa = parse_catchment_lookup(text, "w.csv", {}).problems
    assert [(p.row, p.value) for p in by_lsoa] == [(2, "E05000026")] and "from_level=ward" in by_lsoa[0].message


def test_a_successor_system_code_and_name_are_checked_against_the_database_columns() -> None:
    text = ("level,predecessor_code,successor_code,effective_date,successor_name\n"
            f"ICB,QMJ,QXWNLX,2026-04-01,\nsystem,QRV,QXWNL,2026-04-01,{'N' * 201}\n")
    problems = parse_successors(text.encode(), "successors.csv").problems
    assert [(p.row, p.column) for p in problems] == [(3, "successor_name"), (2, "successor_code")]


def test_a_catchment_lookup_by_an_unknown_level_is_refused_saying_which_option() -> None:
    text = b"LSOA11CD,PCN code\nE01000001,U00001\n"
    assert not parse_catchment_lookup(text, "c.csv", {"from_level": " LSOA "}).problems
    refused = parse_catchment_lookup(text, "c.csv", {"from_level": "msoa"})
    assert refused.frame.empty
    assert [(p.row, p.column, p.value) for p in refused.problems] == [(None, "from_level", "msoa")]
    assert "lsoa or ward" in refused.problems[0].message
