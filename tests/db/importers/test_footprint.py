"""The real footprint (issue 16): NCL by ODS relationships, corrections that win, merged systems, successors, and
roll-ups along dated memberships, on the published files in shared/realdata (SQLite and PostgreSQL)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from data import queries
from data.db import create_schema
from data.importers import load_upload
from models import Borough, Kpi, KpiObservation, Pcn, PcnMembership, Practice
from tests.conftest import BACKENDS, backend_engine
from tests.unit.importers.realdata import realdata

pytestmark = pytest.mark.db

TEMPLATE = (Path(__file__).resolve().parents[3] / "docs" / "templates" / "areas.csv").read_bytes()
QOF_YEAR = date(2020, 4, 1)
FOREIGN_PCNS = {"U10339", "U37086"}  # Harrow Collaborative (NWL), West End & Marylebone (NWL)
NWL_BOROUGHS = {  # ONS codes of the eight North West London boroughs
    "E09000005": "Brent", "E09000009": "Ealing", "E09000013": "Hammersmith and Fulham", "E09000015": "Harrow",
    "E09000017": "Hillingdon", "E09000018": "Hounslow", "E09000020": "Kensington and Chelsea",
    "E09000033": "Westminster",
}


def _load(engine: Engine, source: str, data: bytes, name: str, **options: str):
    report = load_upload(engine, source, data, name, options=options)
    assert report.status == "loaded", report.text()
    return report


def _file(engine: Engine, source: str, *parts: str, **options: str):
    path = realdata(*parts)
    return _load(engine, source, path.read_bytes(), path.name, **options)


def _qof_kpis(engine: Engine) -> None:
    register = b"workstream_code,workstream_name,initiative_code,initiative_name\nPH,Public health,PH-1,Prevention\n"
    _load(engine, "register", register, "register.csv")
    head = "kpi_code,initiative_code,name,definition,unit,value_type,multiplier,polarity,source,levels\n"
    rows = "".join(f"QOF_{g},PH-1,{g} prevalence,QOF register / list size,%,proportion,100,no_judgement,QOF,"
                   "practice;pcn;borough;system\n" for g in ("HYP", "DM"))
    _load(engine, "kpi_definitions", (head + rows).encode(), "kpis.csv")


def _epraccur_subset(commissioners: set[str]) -> bytes:
    """The published epraccur's rows for some commissioners (lines as published), to keep a test small."""
    text = realdata("nhsd", "epraccur", "epraccur_blackwellrd_2023-02.csv").read_text()
    keep = [line for line in text.splitlines(keepends=True) if next(csv.reader([line]))[14] in commissioners]
    return "".join(keep).encode()


def _epcn_subset(parents: set[str]) -> bytes:
    """The 2023 ePCN workbook cut to the PCNs of some sub-ICBs (both sheets, headers as published)."""
    book = openpyxl.load_workbook(realdata("nhsd", "epcn", "ePCN_blackwellrd_2023-02.xlsx"), read_only=True)
    out = openpyxl.Workbook()
    out.remove(out.active)
    for name, parent_column in (("PCNDetails", 2), ("PCN Core Partner Details", 6)):
        sheet = out.create_sheet(name)
        for i, row in enumerate(book[name].iter_rows(values_only=True)):
            if i == 0 or row[parent_column] in parents:
                sheet.append(row)
    buffer = io.BytesIO()
    out.save(buffer)
    return buffer.getvalue()


@pytest.fixture(scope="module", params=BACKENDS)
def ncl(request: pytest.FixtureRequest) -> Iterator[Engine]:
    """Real NCL set-up: areas template, national epraccur, ePCN 2022 then 2023, NHS website points, borough
    polygons, and QOF 2020/21 prevalence for two groups (tests must not change the footprint)."""
    engine = backend_engine(request.param, request, label="footprint")
    create_schema(engine)
    _load(engine, "areas", TEMPLATE, "areas.csv")
    _file(engine, "epraccur", "nhsd", "epraccur", "epraccur_blackwellrd_2023-02.csv")
    _file(engine, "epcn", "nhsd", "epcn", "ePCN_psychty_2022-05.xlsx")
    _file(engine, "epcn", "nhsd", "epcn", "ePCN_blackwellrd_2023-02.xlsx")
    _file(engine, "nhsuk_gp", "nhsuk", "2019-05", "GP.csv")
    _file(engine, "boundaries", "ons", "lad", "ncl_lad_dissolved_from_wards.geojson")
    _qof_kpis(engine)
    _file(engine, "qof_prevalence", "nhsd", "qof_2020-21", "PREVALENCE_2021_v2.csv")
    yield engine
    engine.dispose()


def _observations(engine: Engine, level: str, *, derived: bool | None = None) -> pd.DataFrame:
    """Observations of the two register QOF KPIs at ``level`` (the prevalence file also catalogues every other
    group as a published indicator; these tests reason about the two)."""
    o = KpiObservation
    ours = select(Kpi.id).where(Kpi.code.in_(["QOF_HYP", "QOF_DM"]))
    stmt = select(o.kpi_id, o.area_code, o.period_start, o.numerator, o.denominator, o.value, o.derived).where(
        o.level == level, o.kpi_id.in_(ours))
    if derived is not None:
        stmt = stmt.where(o.derived.is_(derived))
    with Session(engine) as session:
        rows = session.execute(stmt).all()
    return pd.DataFrame(rows, columns=["kpi_id", "area_code", "period_start", "numerator", "denominator", "value",
                                       "derived"])


# ------------------------------------------------------------------------------------------------ footprint


def test_footprint_counts_follow_ods_relationships(ncl: Engine) -> None:
    with Session(ncl) as session:
        boroughs = queries.boroughs(session=session, system_code="QMJ")
        practices = queries.system_practices(session=session, system_code="QMJ")
        open_pcns = queries.system_pcns(session=session, system_code="QMJ", open_only=True)
        pcn_list = queries.pcns(session=session, system_code="QMJ")
        points = queries.practice_points(session=session, system_code="QMJ")
    assert len(boroughs) == 5
    assert int(practices["open"].sum()) == 184  # active GP practices (setting 4) commissioned by 93C in epraccur
    assert len(open_pcns) == 32 and set(open_pcns["sub_icb_code"]) == {"93C"}
    assert not FOREIGN_PCNS & set(pcn_list["code"]) and not FOREIGN_PCNS & set(open_pcns["code"])
    assert set(points["code"]) <= set(practices.loc[practices["open"], "code"])
    # every open NCL practice has its borough from the former borough CCG (NHS website ParentODSCode)
    open_practices = practices[practices["open"]]
    assert open_practices["borough_code"].notna().sum() >= 180
    assert set(open_practices["borough_code"].dropna()) == set(boroughs["code"])


def test_dormant_and_closed_practices_are_kept_with_their_status(ncl: Engine) -> None:
    with Session(ncl) as session:
        practices = queries.system_practices(session=session, system_code="QMJ")
        statuses = dict(session.execute(select(Practice.status, Practice.code)).all())
    counts = practices["status"].value_counts().to_dict()
    assert counts["A"] == 184 and counts["D"] >= 1 and counts["C"] >= 1
    assert not practices.loc[practices["status"] == "D", "open"].any()  # dormant practices are not open
    assert set(statuses) <= {"A", "C", "D", "P"}


def test_location_conflicts_are_reported_not_linked(engine: Engine) -> None:
    _load(engine, "areas", TEMPLATE, "areas.csv")
    _load(engine, "epraccur", _epraccur_subset({"93C", "W2U3Z", "A3A8R"}), "epraccur.csv")
    _file(engine, "nhsuk_gp", "nhsuk", "2019-05", "GP.csv")
    report = _file(engine, "boundaries", "ons", "lad", "ncl_lad_dissolved_from_wards.geojson")
    conflict = next(n for n in report.notes if "does not commission them" in n)
    assert "E84653" in conflict  # a North West London practice inside Barnet's boundary
    with Session(engine) as session:
        borough = session.execute(select(Practice.borough_id).where(Practice.code == "E84653")).scalar_one()
        practices = queries.system_practices(session=session, system_code="QMJ")
    assert borough is None and "E84653" not in set(practices["code"])


# ------------------------------------------------------------------------------------------------ roll-ups


def test_pcn_rollups_use_the_membership_of_the_qof_year(ncl: Engine) -> None:
    practice = _observations(ncl, "practice")
    pcn = _observations(ncl, "pcn")
    assert pcn["derived"].all() and not practice["derived"].any()
    # QOF's own practice -> PCN mapping of 2020/21 (year end) must give the same PCN sums for every NCL PCN
    mapping = pd.read_csv(realdata("nhsd", "qof_2020-21", "MAPPING_NHS_GEOGRAPHIES_2021.csv"))
    mapping = mapping[mapping["CCG_ODS_CODE"] == "93C"]
    expected = (practice.merge(mapping, left_on="area_code", right_on="PRACTICE_CODE")
                .groupby(["kpi_id", "PCN_ODS_CODE"])[["numerator", "denominator"]].sum())
    got = pcn.set_index(["kpi_id", "area_code"])[["numerator", "denominator"]]
    assert len(expected) == 60  # 30 PCNs x 2 groups
    pd.testing.assert_frame_equal(got.loc[expected.index], expected, check_names=False)
    joined = got.loc[expected.index].join(pcn.set_index(["kpi_id", "area_code"])["value"])
    assert (joined["value"] - 100 * joined["numerator"] / joined["denominator"]).abs().max() < 1e-9
    # and differ from summing by the practices' current (2023) PCNs: practices changed PCN in between
    with Session(ncl) as session:
        current = dict(session.execute(select(Practice.code, Pcn.code).join(Pcn, Pcn.id == Practice.pcn_id)).all())
    moved = mapping[mapping["PRACTICE_CODE"].map(current).ne(mapping["PCN_ODS_CODE"])]
    assert len(moved) >= 20


def test_pcn_rollup_is_the_sum_of_memberships_valid_at_the_period_end(ncl: Engine) -> None:
    with Session(ncl) as session:
        members = pd.DataFrame(session.execute(select(PcnMembership.practice_code, PcnMembership.pcn_code,
                                                      PcnMembership.start_date, PcnMembership.end_date)).all(),
                               columns=["practice_code", "pcn_code", "start", "end"])
    year_start, year_end = date(2020, 4, 1), date(2021, 3, 31)
    overlapping = members[(members["start"] <= year_end) & (members["end"].isna() | (members["end"] >= year_start))]
    # the membership in force on the last day of the year, else the latest one that overlaps the year
    at_end = overlapping["end"].isna() | (overlapping["end"] >= year_end)
    valid = overlapping.assign(at_end=at_end).sort_values(["at_end", "start"])
    valid = valid.drop_duplicates("practice_code", keep="last")
    practice = _observations(ncl, "practice")
    expected = (practice.merge(valid, left_on="area_code", right_on="practice_code")
                .groupby(["kpi_id", "pcn_code"])[["numerator", "denominator"]].sum())
    pcn = _observations(ncl, "pcn").set_index(["kpi_id", "area_code"])[["numerator", "denominator"]]
    assert len(expected) > 2_000  # every PCN in England with a QOF practice, for both groups
    pd.testing.assert_frame_equal(pcn.sort_index(), expected.sort_index(), check_names=False)


def test_borough_and_system_rollups_sum_their_practices(ncl: Engine) -> None:
    with Session(ncl) as session:
        practices = queries.system_practices(session=session, system_code="QMJ")
    practice = _observations(ncl, "practice").merge(practices, left_on="area_code", right_on="code")
    by_borough = practice.groupby(["kpi_id", "borough_code"])[["numerator", "denominator"]].sum()
    borough = _observations(ncl, "borough").set_index(["kpi_id", "area_code"])[["numerator", "denominator"]]
    pd.testing.assert_frame_equal(borough.sort_index(), by_borough.sort_index(), check_names=False)
    system = _observations(ncl, "system").set_index(["kpi_id", "area_code"])
    by_system = practice.groupby("kpi_id")[["numerator", "denominator"]].sum()
    for kpi_id, row in by_system.iterrows():
        got = system.loc[(kpi_id, "QMJ")]
        assert (got["numerator"], got["denominator"]) == (row["numerator"], row["denominator"])
        assert got["value"] == pytest.approx(100 * row["numerator"] / row["denominator"])
        assert got["derived"]


def test_an_imported_row_is_never_overwritten_by_a_rollup(ncl: Engine) -> None:
    code = sorted(_observations(ncl, "pcn")["area_code"])[0]
    rows = f"kpi_code,area_level,area_code,period,numerator,denominator\nQOF_DM,pcn,{code},2020/21,1,1000\n"
    _load(ncl, "kpi_observations", rows.encode(), "pcn-dm.csv")
    with Session(ncl) as session:
        dm = session.execute(select(Kpi.id).where(Kpi.code == "QOF_DM")).scalar_one()
        hyp = session.execute(select(Kpi.id).where(Kpi.code == "QOF_HYP")).scalar_one()
    pcn = _observations(ncl, "pcn").set_index(["kpi_id", "area_code"])
    assert (pcn.loc[(dm, code), "numerator"], pcn.loc[(dm, code), "derived"]) == (1.0, False)
    assert pcn.loc[(hyp, code), "derived"]  # the other KPI's roll-up for that PCN is untouched


# ---------------------------------------------------------------------------------- corrections and systems


def _small(engine: Engine, commissioners: set[str]) -> None:
    _load(engine, "areas", TEMPLATE, "areas.csv")
    _load(engine, "epraccur", _epraccur_subset(commissioners), "epraccur.csv")
    _load(engine, "epcn", _epcn_subset(commissioners), "ePCN.xlsx")
    _file(engine, "nhsuk_gp", "nhsuk", "2019-05", "GP.csv")


def test_a_corrected_link_survives_reimport(engine: Engine) -> None:
    _small(engine, {"93C", "W2U3Z"})
    with Session(engine) as session:
        before = queries.system_pcns(session=session, system_code="QMJ", open_only=True)
        practices = queries.system_practices(session=session, system_code="QMJ", open_only=True)
    detached = before["code"].iloc[0]
    moved = practices.loc[practices["borough_code"] == "E09000003", "code"].iloc[0]
    fixes = (f"level,code,name,parent_code,detach\npcn,{detached},{before['name'].iloc[0]},,yes\n"
             f"practice,{moved},,E09000007,\npractice,E84653,,E09000003,\n")
    _load(engine, "areas", fixes.encode(), "corrections.csv")

    # the same published data again, re-encoded (CRLF) so the upsert path runs: the corrections still win
    _load(engine, "epraccur", _epraccur_subset({"93C", "W2U3Z"}).replace(b"\n", b"\r\n"), "epraccur-crlf.csv")
    _load(engine, "epcn", _epcn_subset({"93C", "W2U3Z", "A3A8R"}), "ePCN-again.xlsx")
    gp = realdata("nhsuk", "2019-05", "GP.csv").read_bytes()
    _load(engine, "nhsuk_gp", gp + b"\n", "GP-again.csv")
    with Session(engine) as session:
        pcns = queries.system_pcns(session=session, system_code="QMJ", open_only=True)
        after = queries.system_practices(session=session, system_code="QMJ", open_only=True).set_index("code")
    assert detached not in set(pcns["code"]) and len(pcns) == 31
    assert after.loc[moved, "borough_code"] == "E09000007"
    assert after.loc["E84653", "borough_code"] == "E09000003"  # a North West London practice reassigned into NCL
    assert len(after) == 185


def test_a_merged_two_icb_system_has_thirteen_places(engine: Engine) -> None:
    _small(engine, {"93C", "W2U3Z"})
    merged = ["level,code,name,parent_code,ons_code", "system,QRV,NHS North West London,,",
              "system,WNL,NHS West and North London (merged ICB; test code),,"]
    merged += [f"borough,{code},{name},QRV," for code, name in NWL_BOROUGHS.items()]
    merged += ["sub_icb,W2U3Z,NHS North West London (sub-ICB location),QRV,"]
    ncl_codes = ["E09000003", "E09000007", "E09000010", "E09000014", "E09000019"]
    merged += [f"place,{code},,WNL," for code in [*ncl_codes, *NWL_BOROUGHS]]
    merged += ["sub_icb,93C,,WNL,", "sub_icb,W2U3Z,,WNL,"]
    _load(engine, "areas", ("\n".join(merged) + "\n").encode(), "merged.csv")
    with Session(engine) as session:
        boroughs = queries.boroughs(session=session, system_code="WNL")
        both = queries.system_practices(session=session, system_code="WNL", open_only=True)
        ncl = queries.system_practices(session=session, system_code="QMJ", open_only=True)
        nwl = queries.system_practices(session=session, system_code="QRV", open_only=True)
        pcns = queries.system_pcns(session=session, system_code="WNL", open_only=True)
        ncl_pcns = queries.system_pcns(session=session, system_code="QMJ", open_only=True)
    assert len(boroughs) == 13
    assert len(ncl) == 184 and len(nwl) == 349 and len(both) == 184 + 349
    assert set(pcns["code"]) >= FOREIGN_PCNS and not FOREIGN_PCNS & set(ncl_pcns["code"])

    _qof_kpis(engine)
    _file(engine, "qof_prevalence", "nhsd", "qof_2020-21", "PREVALENCE_2021_v2.csv")
    system = _observations(engine, "system").set_index(["kpi_id", "area_code"])
    for kpi_id in system.index.get_level_values(0).unique():
        total = system.loc[(kpi_id, "QMJ"), "numerator"] + system.loc[(kpi_id, "QRV"), "numerator"]
        assert system.loc[(kpi_id, "WNL"), "numerator"] == total


def test_a_successor_carries_its_predecessors_history(engine: Engine) -> None:
    _small(engine, {"93C", "W2U3Z"})
    _qof_kpis(engine)
    _file(engine, "qof_prevalence", "nhsd", "qof_2020-21", "PREVALENCE_2021_v2.csv")
    extra = "system,WNL,NHS West and North London (merged ICB; test code),,\nborough,E09000005,Brent,WNL,\n"
    _load(engine, "areas", ("level,code,name,parent_code,ons_code\n" + extra).encode(), "wnl.csv")
    practice = _observations(engine, "practice")
    a, b = sorted(practice["area_code"].unique())[:2]
    lookup = ("level,predecessor_code,successor_code,effective_date\n"
              f"practice,{a},{b},2022-04-01\nsystem,QMJ,WNL,2026-04-01\n")
    _load(engine, "successors", lookup.encode(), "successors.csv")
    with Session(engine) as session:
        merged = queries.area_series(session=session, level="practice", area_code=b, kpi_codes=["QOF_HYP"])
        icb = queries.area_series(session=session, level="system", area_code="WNL", kpi_codes=["QOF_HYP"])
        ncl = queries.area_series(session=session, level="system", area_code="QMJ", kpi_codes=["QOF_HYP"])
        own = queries.level_series(session=session, kpi_code="QOF_HYP", level="practice")
    rows = own[own["area_code"].isin([a, b])]
    assert merged["numerator"].tolist() == [rows["numerator"].sum()]
    assert merged["denominator"].tolist() == [rows["denominator"].sum()]
    assert merged["value"].iloc[0] == pytest.approx(100 * rows["numerator"].sum() / rows["denominator"].sum())
    assert len(ncl) == 1
    pd.testing.assert_frame_equal(icb[["period_start", "numerator", "value"]], ncl[["period_start", "numerator",
                                                                                    "value"]], check_dtype=False)
    cycle = b"level,predecessor_code,successor_code,effective_date\npcn,U1,U2,2022-04-01\npcn,U2,U1,2023-04-01\n"
    refused = load_upload(engine, "successors", cycle, "cycle.csv")
    assert refused.status == "rejected" and any("leads back" in p.message for p in refused.errors)


def test_a_kpi_marked_not_summable_loses_its_rollups(engine: Engine) -> None:
    _load(engine, "areas", TEMPLATE, "areas.csv")
    _load(engine, "epraccur", _epraccur_subset({"93C"}), "epraccur.csv")
    _file(engine, "nhsuk_gp", "nhsuk", "2019-05", "GP.csv")
    _qof_kpis(engine)
    _file(engine, "qof_prevalence", "nhsd", "qof_2020-21", "PREVALENCE_2021_v2.csv")
    assert len(_observations(engine, "borough", derived=True)) == 10  # 5 boroughs x 2 groups
    head = "kpi_code,initiative_code,name,definition,unit,value_type,multiplier,polarity,source,levels,summable\n"
    row = "QOF_HYP,PH-1,HYP prevalence,QOF register / list size,%,proportion,100,no_judgement,QOF,practice;borough,no\n"
    _load(engine, "kpi_definitions", (head + row).encode(), "kpis-v2.csv")
    with Session(engine) as session:
        hyp = session.execute(select(Kpi.id).where(Kpi.code == "QOF_HYP")).scalar_one()
    boroughs = _observations(engine, "borough", derived=True)
    assert len(boroughs) == 5 and hyp not in set(boroughs["kpi_id"])


def test_an_emis_extract_gives_practices_their_borough_by_name(engine: Engine) -> None:
    _load(engine, "areas", TEMPLATE, "areas.csv")
    _load(engine, "epraccur", _epraccur_subset({"93C"}), "epraccur.csv")
    report = _file(engine, "gp_list_size", "ncl_icb", "emis_list_size_2026-02-25.csv")
    assert report.written["practice borough (by name)"] == 173
    emis = pd.read_csv(realdata("ncl_icb", "emis_list_size_2026-02-25.csv"))
    with Session(engine) as session:
        practices = queries.system_practices(session=session, system_code="QMJ").set_index("code")
        names = dict(session.execute(select(Borough.code, Borough.name)).all())
    got = practices.loc[emis["CODE"], "borough_code"].map(names).str.lower().tolist()
    assert got == emis["BOROUGH"].str.lower().tolist()
