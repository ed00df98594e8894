"""CQC care homes on both backends, and the command line's report and exit codes."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session

import settings
from data.importers import load_upload
from data.importers.__main__ import main
from models import CareHome, ImportLog
from tests.unit.importers.test_parsers import CQC_CSV

pytestmark = pytest.mark.db


def test_cqc_homes_load_into_their_boroughs_and_a_newer_file_updates(geography: Engine) -> None:
    good = CQC_CSV.replace('"1,2x"', "25").replace("Brilliant", "Good")
    report = load_upload(geography, "cqc", good.encode(), "cqc.csv")
    assert report.status == "loaded", report.text()
    assert report.written == {"care_home": 2} and any("outside this dashboard" in n for n in report.notes)
    newer = good.replace("Oak House,Y,40,Good", "Oak House,Y,42,Requires improvement")
    assert load_upload(geography, "cqc", newer.encode(), "cqc-june.csv").status == "loaded"
    with Session(geography) as session:
        homes = {h.cqc_location_id: h for h in session.execute(select(CareHome)).scalars()}
    assert set(homes) == {"1-100", "1-101"}
    assert (homes["1-100"].beds, homes["1-100"].cqc_rating, homes["1-100"].care_type) == (
        42, "Requires improvement", "nursing")
    assert homes["1-101"].care_type == "residential"


def test_cqc_bad_file_is_rejected_with_nothing_written(geography: Engine) -> None:
    report = load_upload(geography, "cqc", CQC_CSV.encode(), "cqc.csv")
    assert report.status == "rejected" and {p.row for p in report.errors} == {6, 8}
    with Session(geography) as session:
        assert session.execute(select(CareHome)).first() is None


@pytest.fixture
def cli_database(tmp_path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    monkeypatch.setenv("DATABASE_URL", url)
    settings.get_settings.cache_clear()
    yield url
    settings.get_settings.cache_clear()


def test_cli_exit_codes_and_report(cli_database: str, tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    imd = tmp_path / "imd.csv"
    imd.write_text("LSOA code (2011),Index of Multiple Deprivation (IMD) Decile\nE01000001,9\n")
    assert main(["imd2019", str(imd), "--dry-run"]) == 0
    assert "VALID (dry run" in capsys.readouterr().out
    assert main(["imd2019", str(imd)]) == 0
    assert "LOADED" in capsys.readouterr().out
    assert main(["imd2019", str(imd)]) == 0
    assert "UNCHANGED" in capsys.readouterr().out
    bad = tmp_path / "bad.csv"
    bad.write_text("LSOA code (2011),Index of Multiple Deprivation (IMD) Decile\nE01000001,12\n")
    assert main(["imd2019", str(bad)]) == 1
    out = capsys.readouterr().out
    assert "REJECTED" in out and "row 2" in out and "from 1 to 10" in out
    assert main(["nonsense", str(bad)]) == 2
    assert main(["imd2019", str(tmp_path / "missing.csv")]) == 2
    assert main(["imd2019", str(imd), "--option", "colour=blue"]) == 2
    from data.db import make_engine

    with Session(make_engine(cli_database)) as session:
        statuses = session.execute(select(ImportLog.status).order_by(ImportLog.id)).scalars().all()
    assert statuses == ["loaded", "unchanged", "rejected"]
