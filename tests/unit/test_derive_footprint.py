"""The footprint derived from ODS relationships and LAD boundaries, successors in roll-ups, and the neighbourhoods
lookup's parser (issue 16): pure functions on small inline frames."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from data.footprint import derive_footprint, title_name
from data.importers.derived_footprint import _with_inputs, epraccur_relations, parse_request, relations_request
from data.importers.neighbourhoods import parse_neighbourhoods
from data.rollups import attribute_to_successors, group_members

pytestmark = pytest.mark.unit

LADS = pd.DataFrame({"code": ["E09000003", "E09000007", "E09000099"], "name": ["Barnet", "Camden", "Nowhere"]})
RELATIONS = pd.DataFrame({"sub_icb_code": ["93C", "W2U3Z"], "icb_code": ["QMJ", "QRV"],
                          "sub_icb_name": ["NHS NORTH CENTRAL LONDON ICB - 93C", None], "from_file": ["a", "a"]})


def _practices(rows: list[tuple[str, str, str | None, bool, str | None]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["code", "commissioner", "parent", "is_open", "lad_code"])
    return frame.assign(has_point=True)


def test_places_system_and_sub_icbs_come_from_where_practices_stand_and_who_commissions_them() -> None:
    practices = _practices([
        ("P1", "93C", "07M", True, "E09000003"), ("P2", "93C", "07M", True, "E09000003"),
        ("P3", "93C", "07R", True, "E09000007"), ("P4", "93C", "07R", True, "E09000007"),
        ("P5", "93C", "07M", True, None),  # of the system, standing outside: kept by commissioner, noted
        ("N1", "W2U3Z", None, True, "E09000003"),  # NWL inside Barnet: left out, noted
        ("N2", "W2U3Z", None, True, None), ("N3", "W2U3Z", None, True, None),
        ("C1", "93C", "07M", False, "E09000003"),  # closed: no vote
    ])
    derived = derive_footprint(LADS, practices, RELATIONS)
    assert derived.systems[["code", "name"]].values.tolist() == [["QMJ", "NHS North Central London ICB"]]
    assert derived.boroughs.values.tolist() == [["E09000003", "Barnet", "QMJ"], ["E09000007", "Camden", "QMJ"]]
    members = sorted(map(tuple, derived.members[["parent_level", "parent_code", "member_level", "member_code"]]
                         .values.tolist()))
    # 07M: 2 of 3 located practices in Barnet (67%) is below 80%, so no published link is made for it
    assert members == [("borough", "E09000007", "sub_icb", "07R"), ("system", "QMJ", "sub_icb", "93C")]
    notes = " ".join(derived.notes)
    assert "E09000099" in notes and "W2U3Z" in notes and "N1" in notes and "P5" in notes


def test_without_a_high_level_geography_the_sub_icb_is_the_system_and_names_fall_back_to_codes() -> None:
    practices = _practices([("P1", "93C", None, True, "E09000003")])
    derived = derive_footprint(LADS, practices, pd.DataFrame(columns=["sub_icb_code", "icb_code", "sub_icb_name"]))
    assert derived.systems[["code", "name"]].values.tolist() == [["93C", "93C"]]


def test_nothing_is_derived_without_boundaries_or_located_practices() -> None:
    practices = _practices([("P1", "93C", None, True, None)])
    assert derive_footprint(LADS, practices, RELATIONS).systems.empty
    assert derive_footprint(LADS.iloc[0:0], practices, RELATIONS).systems.empty


def test_title_name_keeps_acronyms_and_drops_the_trailing_code() -> None:
    assert title_name("NHS NORTH CENTRAL LONDON ICB - 93C") == "NHS North Central London ICB"
    assert title_name("NHS North Central London CCG") == "NHS North Central London CCG"


def test_the_request_carries_epraccur_relations_and_round_trips() -> None:
    fields = [""] * 27
    fields[0], fields[3], fields[14], fields[25] = "F83001", "QMJ", "93C", "4"
    line = ",".join(f'"{f}"' for f in fields) + "\n"
    relations = epraccur_relations(line.encode(), "epraccur.csv")
    assert relations[["sub_icb_code", "icb_code"]].values.tolist() == [["93C", "QMJ"]]
    request = _with_inputs(relations_request([("epraccur.csv", line.encode())], []), "abc")
    parsed = parse_request(request, "request")
    assert parsed.frame[["sub_icb_code", "icb_code", "from_file"]].values.tolist() == [["93C", "QMJ",
                                                                                        "epraccur.csv"]]


def test_predecessors_rows_before_the_succession_count_as_the_successors_along_chains() -> None:
    obs = pd.DataFrame({"practice_code": ["A", "A", "B", "X"],
                        "period_start": [date(2019, 1, 1), date(2023, 1, 1), date(2021, 1, 1), date(2019, 1, 1)]})
    successions = pd.DataFrame({"predecessor_code": ["A", "B"], "successor_code": ["B", "C"],
                                "effective_date": [date(2020, 1, 1), date(2022, 1, 1)]})
    assert attribute_to_successors(obs, successions).tolist() == ["C", "A", "C", "X"]


def test_practice_rows_are_repeated_for_their_neighbourhood() -> None:
    obs = pd.DataFrame({"kpi_id": [1, 1], "practice_code": ["A", "B"], "period_start": [date(2022, 5, 1)] * 2,
                        "period_end": [date(2022, 5, 31)] * 2, "numerator": [10.0, 20.0], "denominator": [None] * 2})
    members = group_members(obs, pd.Series(["U1", "U1"]), pd.Series({"A": "E1", "B": "E1"}),
                            pd.DataFrame(columns=["practice_code", "system_code"]),
                            {1: {"pcn", "neighbourhood"}}, pd.Series({"A": "NB1"}))
    assert sorted(members[["level", "area_code"]].itertuples(index=False, name=None)) == [
        ("neighbourhood", "NB1"), ("pcn", "U1"), ("pcn", "U1")]


def test_the_neighbourhoods_lookup_refuses_two_names_and_unknown_member_levels() -> None:
    text = ("neighbourhood_code,neighbourhood_name,place_code,member_level,member_code\n"
            "N1,North,E09000019,practice,F83004\nN1,Nord,E09000019,lsoa,E01002726\nN2,South,,ward,E05000001\n")
    parsed = parse_neighbourhoods(text.encode(), "neighbourhoods.csv")
    messages = [p.message for p in parsed.problems]
    assert any("more than one name" in m for m in messages)
    assert any("write practice or lsoa" in m for m in messages)
