"""``load-folder`` on the whole real-data folder, into an empty SQLite and PostgreSQL database (issue 16 item 1)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from data.db import create_schema
from data.importers.folder import FolderReport, load_folder
from data.manage import main as manage_main
from models import Kpi, KpiOrigin, Practice, PracticeSite, Provider
from tests.conftest import BACKENDS, backend_engine
from tests.unit.importers.realdata import REALDATA, realdata

pytestmark = pytest.mark.db

EXPECTED_FILES = {  # source -> files of the real-data folder it must recognise
    "epraccur": 1, "epcn": 2, "nhsuk_gp": 1, "nhsuk_trust": 1, "boundaries": 17, "imd2019": 3, "fingertips": 1,
    "qof_prevalence": 1, "qof_indicators": 1, "gp_list_size": 14, "ae_attendances": 1,
}


@pytest.fixture(scope="module", params=BACKENDS)
def loaded(request: pytest.FixtureRequest) -> Iterator[tuple[Engine, FolderReport]]:
    """The real-data folder loaded once per backend into an empty schema."""
    realdata("README.md")
    engine = backend_engine(request.param, request, label="folder")
    create_schema(engine)
    yield engine, load_folder(engine, REALDATA)
    engine.dispose()


def test_every_supported_file_is_recognised_by_content_and_loaded(loaded) -> None:
    _engine, report = loaded
    assert report.ok, report.text()
    counts = report.counts()
    # every file is read and loaded; one changes nothing (NCL's May 2022 list sizes, already in the national file)
    done = {source: c.get("loaded", 0) + c.get("unchanged", 0) for source, c in counts.items()}
    assert done == EXPECTED_FILES, report.text()
    assert [r.file_name for r in report.reports if r.status == "unchanged"] == [
        "nhsd/gp_registered_patients/gp-reg-pat-prac-all_2022-05_ncl93C.csv"], report.text()
    skipped = {d.path: d.reason for d in report.detected if d.source is None}
    assert set(skipped) == {
        "README.md", "derived_thirdparty/pcn_imd_ncl93C.csv", "derived_thirdparty/practice_imd_ncl93C.csv",
        "nhsd/qof_2020-21/MAPPING_NHS_GEOGRAPHIES_2021.csv", "nhsd/qof_2020-21/ORGANISATION_REFERENCE_2021.csv",
        "nhsuk/2019-05/CCG.csv", "nhsuk/hospitals/Hospitals.csv",
    }
    assert "no importer" in skipped["nhsuk/2019-05/CCG.csv"]
    order = [d.source for d in report.detected if d.source]
    assert order.index("epraccur") < order.index("qof_prevalence") < order.index("qof_indicators")
    text = report.text()
    assert "SKIPPED" in text and "42 loaded, 1 unchanged" in text


def test_the_catalogue_is_built_from_the_files_metadata(loaded) -> None:
    engine, _ = loaded
    with Session(engine) as session:
        published = dict(session.execute(
            select(Kpi.publisher, func.count())
            .where(Kpi.origin == KpiOrigin.PUBLISHED.value, Kpi.initiative_id.is_(None))
            .group_by(Kpi.publisher)).all())
        hyp = session.execute(select(Kpi.name).where(Kpi.code == "QOF_HYP")).scalar_one()
        sites = session.execute(select(func.count()).select_from(PracticeSite)).scalar_one()
        providers = session.execute(select(func.count()).select_from(Provider)).scalar_one()
    # 21 QOF groups + GP_LIST_SIZE; 22 Fingertips breakdowns; 3 A&E indicators
    assert published == {"NHS Digital (NHS England)": 22, "OHID (Fingertips)": 22, "NHS England": 3}
    assert hyp == "Hypertension prevalence (QOF register)"
    assert sites == 1935 and providers == 1848 + 104  # TRUST.csv plus A&E organisations not in it


def test_a_second_run_changes_nothing(loaded) -> None:
    engine, _ = loaded
    again = load_folder(engine, REALDATA)
    assert {r.status for r in again.reports} == {"unchanged"}
    assert len(again.reports) == sum(EXPECTED_FILES.values())


def test_the_command_line_prints_what_it_loaded_and_skipped(tmp_path, monkeypatch, capsys) -> None:
    folder = tmp_path / "files"
    folder.mkdir()
    mapping = realdata("nhsd", "qof_2020-21", "MAPPING_INDICATORS_2021_v2.csv")
    (folder / "renamed.csv").write_bytes(mapping.read_bytes())  # recognised by content, not by name
    (folder / "notes.txt").write_text("not data\n")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'db.sqlite'}")
    from settings import get_settings

    get_settings.cache_clear()
    try:
        assert manage_main(["load-folder", str(folder)]) == 0
    finally:
        get_settings.cache_clear()
    out = capsys.readouterr().out
    # recognised by content; on an empty database it has no indicator to name, so it changes nothing and says so
    assert "UNCHANGED qof_indicators   renamed.csv" in out and "no changes" in out
    assert "SKIPPED" in out and "notes.txt" in out
    assert manage_main(["load-folder", str(tmp_path / "missing")]) == 2


def test_with_the_areas_template_the_folder_reaches_the_real_footprint_and_indicative_pcn_areas(engine) -> None:
    """The README's command: the real files plus the NCL areas and providers templates give the ODS footprint and,
    with no PCN boundary file, indicative PCN areas derived from the LSOAs and practices (issue 16, items 4-5)."""
    from data.importers.folder import FileItem, load_files, read_folder
    from data.queries import boroughs, system_pcns, system_practices
    from models import Boundary

    templates = Path(__file__).resolve().parents[3] / "docs" / "templates"
    extra = [FileItem(n, (templates / n).read_bytes()) for n in ("areas.csv", "providers.csv")]
    items = [*read_folder(REALDATA), *extra]
    report = load_files(engine, items)
    assert report.ok, report.text()
    assert [(r.source, r.status) for r in report.derived] == [("pcn_catchments_indicative", "loaded")]
    with Session(engine) as session:
        assert len(boroughs(session=session, system_code="QMJ")) == 5
        assert len(system_practices(session=session, system_code="QMJ", open_only=True)) == 184
        open_pcns = set(system_pcns(session=session, system_code="QMJ", open_only=True)["code"])
        areas = set(session.execute(select(Boundary.code).where(
            Boundary.level == "pcn", Boundary.vintage == "indicative")).scalars())
    assert len(open_pcns) == 32 and not {"U10339", "U37086"} & open_pcns
    assert areas and areas <= open_pcns  # every indicative area belongs to one of NCL's own open PCNs


def test_the_folder_alone_derives_the_real_footprint_from_ods_relationships(loaded) -> None:
    """No areas template: the LAD boundaries become the five boroughs, the system and its sub-ICB come from
    epraccur (commissioner 93C, High Level Health Geography QMJ), practices and PCNs belong by ODS relationship and
    the former borough CCGs (NHS website parent) place practices in their borough (issue 16, item 4)."""
    from data.queries import boroughs, system_pcns, system_practices
    from models import AreaMember, HealthSystem

    engine, report = loaded
    derived = {r.source: r for r in report.derived}
    assert derived["footprint_derived"].status == "loaded", report.text()
    notes = " ".join(derived["footprint_derived"].notes)
    assert "derived system QMJ 'NHS North Central London ICB'" in notes and "sub-ICB 93C" in notes
    assert "nhsd/epraccur/epraccur_blackwellrd_2023-02.csv" in notes and "ePCN" in notes
    assert "derived system QMJ" in report.text()  # load-folder's output says what was derived and from what
    with Session(engine) as session:
        assert session.execute(select(HealthSystem.code, HealthSystem.name)).all() == [
            ("QMJ", "NHS North Central London ICB")]
        places = boroughs(session=session, system_code="QMJ")
        practices = system_practices(session=session, system_code="QMJ", open_only=True)
        pcns = system_pcns(session=session, system_code="QMJ", open_only=True)
        former = dict(session.execute(select(AreaMember.member_code, AreaMember.parent_code).where(
            AreaMember.parent_level == "borough")).all())
        parents = dict(session.execute(select(Practice.code, Practice.parent_ods_code)).all())
    assert list(places["name"]) == ["Barnet", "Camden", "Enfield", "Haringey", "Islington"]
    assert len(practices) == 184 and set(practices["commissioner_code"]) == {"93C"}
    assert len(pcns) == 32 and not {"U10339", "U37086"} & set(pcns["code"])
    assert former == {"07M": "E09000003", "07R": "E09000007", "07X": "E09000010", "08D": "E09000014",
                      "08H": "E09000019"}
    # a published link wins over location: every practice with a former borough CCG parent is in that borough
    linked = practices[practices["code"].map(parents).isin(former)]
    assert len(linked) > 150
    assert (linked["borough_code"] == linked["code"].map(parents).map(former)).all()
    assert practices["borough_code"].notna().sum() >= len(linked)


def test_the_derived_system_gets_the_nhs_trusts_based_in_its_boroughs_and_their_ae_totals(loaded) -> None:
    """The trusts whose NHS website headquarters stand in the five boroughs count towards QMJ's A&E totals, and
    only NHS trusts (R../T.. codes): the independent providers with a London office do not."""
    from models import HealthSystem, KpiObservation

    engine, report = loaded
    notes = " ".join({r.source: r for r in report.derived}["footprint_derived"].notes)
    with Session(engine) as session:
        trusts = set(session.execute(select(Provider.code).join(
            HealthSystem, HealthSystem.id == Provider.system_id).where(HealthSystem.code == "QMJ")).scalars())
        system_rows = session.execute(select(func.count()).select_from(KpiObservation).join(
            Kpi, Kpi.id == KpiObservation.kpi_id).where(
            KpiObservation.level == "system", KpiObservation.area_code == "QMJ", Kpi.code.like("AE_%"))).scalar()
        provider_rows = session.execute(select(func.count()).select_from(KpiObservation).where(
            KpiObservation.level == "provider", KpiObservation.area_code == "RAL")).scalar()
    # the template's nine NCL trusts, and CNWL, whose head office is in Camden (named in the note to correct)
    assert trusts == {"RAL", "RAP", "RKE", "RNK", "RP4", "RP6", "RRP", "RRV", "TAF", "RV3"}
    assert "10 NHS trusts with headquarters in the boroughs" in notes and "RV3 Central and North West" in notes
    assert provider_rows > 0 and system_rows == 3 * 36  # three A&E indicators, Apr 2016 to Mar 2019


def test_an_analysts_correction_wins_over_the_derived_footprint(loaded) -> None:
    """Last in this module (it changes the database): a practice correction in the areas template applies to the
    derived footprint: E84653 (North West London's commissioner, standing inside Barnet) reassigned to Barnet."""
    from data.importers import load_upload
    from data.queries import system_practices

    engine, _ = loaded
    fix = b"level,code,name,parent_code,ons_code,detach\npractice,E84653,,E09000003,,\n"
    report = load_upload(engine, "areas", fix, "correction.csv")
    assert report.status == "loaded", report.problems
    with Session(engine) as session:
        practices = system_practices(session=session, system_code="QMJ", open_only=True).set_index("code")
    assert len(practices) == 185 and practices.loc["E84653", "borough_code"] == "E09000003"


LINK_NOTES = ("inside a borough of a system", "outside the borough their", "taken out of a borough")


def test_the_link_steps_notes_are_said_once_not_after_every_import(loaded) -> None:
    """A conflict in the practice/PCN -> borough links is true after every import that follows the one where it
    arose; each file's own report keeps it (an import on its own says it), but the folder's output says it once,
    not after each of the 40 files."""
    _engine, report = loaded
    lines = [line.strip() for line in report.text().splitlines() if any(k in line for k in LINK_NOTES)]
    assert lines, "the real folder has link conflicts (practices outside their ODS borough): the note must be said"
    assert len(lines) == len(set(lines)), lines
    steps = [*report.reports, *report.derived]
    said_by_reports = [n for r in steps for n in r.notes if any(k in n for k in LINK_NOTES)]
    assert len(said_by_reports) > len(lines)  # repeated in the reports, said once in the output
