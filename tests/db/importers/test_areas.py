"""The areas template starts an empty database: system, boroughs, PCNs; practices inherit their PCN's borough."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from sqlmodel import Session

from data.importers import load_upload
from data.importers.areas import parse_areas
from models import Borough, HealthSystem, Pcn, Practice

pytestmark = pytest.mark.db

TEMPLATE = (Path(__file__).resolve().parents[3] / "docs" / "templates" / "areas.csv").read_bytes()
PCNS = b"""level,code,name,parent_code
pcn,U60176,Barnet 1 PCN,E09000003
PCN,u60177,Barnet 2 PCN,e09000003
"""


def test_template_loads_ncl_and_reimport_changes_nothing(engine):
    first = load_upload(engine, "areas", TEMPLATE, "areas.csv")
    assert first.status == "loaded", first.problems
    again = load_upload(engine, "areas", TEMPLATE, "areas.csv")
    assert again.status == "unchanged"
    with Session(engine) as session:
        system = session.exec(select(HealthSystem)).scalars().one()
        assert (system.code, system.ons_code) == ("QMJ", "E54000028")
        names = set(session.exec(select(Borough.name)).scalars())
    assert names == {"Barnet", "Camden", "Enfield", "Haringey", "Islington"}


def test_pcns_link_to_boroughs_and_practices_take_their_borough(engine):
    assert load_upload(engine, "areas", TEMPLATE, "areas.csv").status == "loaded"
    assert load_upload(engine, "areas", PCNS, "pcns.csv").status == "loaded"
    with Session(engine) as session:
        pcn = session.exec(select(Pcn).where(Pcn.code == "U60177")).scalars().one()
        session.add(Practice(code="E83003", name="Oakleigh Road", pcn_id=pcn.id, borough_id=None))
        session.commit()
    renamed = PCNS.replace(b"Barnet 2 PCN", b"Barnet Two PCN")
    assert load_upload(engine, "areas", renamed, "pcns-v2.csv").status == "loaded"
    with Session(engine) as session:
        practice = session.exec(select(Practice)).scalars().one()
        borough = session.get(Borough, practice.borough_id)
        assert borough.code == "E09000003"
        assert session.exec(select(Pcn.name).where(Pcn.code == "U60177")).scalars().one() == "Barnet Two PCN"


def test_unknown_parent_is_rejected_with_row_and_fix(engine):
    report = load_upload(engine, "areas", b"level,code,name,parent_code\npcn,U60177,X PCN,E09999999\n", "bad.csv")
    assert report.status == "rejected"
    problem = report.problems[0]
    assert (problem.row, problem.column, problem.value) == (2, "parent_code", "E09999999")
    assert "add a row for the borough first" in problem.message
    with Session(engine) as session:
        assert session.exec(select(Pcn)).scalars().all() == []


@pytest.mark.parametrize(
    ("text", "column", "fragment"),
    [
        (b"level,code,name,parent_code\nward,X,Y,\n", "level", "not an area level"),
        (b"level,code,name,parent_code\nborough,E09000003,Barnet,\n", "parent_code", "needs its system"),
        (b"level,code,name,parent_code\nsystem,QMJ,A,\nsystem,QMJ,B,\n", "code", "as row 2"),
    ],
)
def test_parse_errors_name_the_column(text, column, fragment):
    problems = parse_areas(text, "f.csv").problems
    assert any(p.column == column and fragment in p.message for p in problems), problems
