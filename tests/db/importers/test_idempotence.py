"""A re-import of the same data, whatever its bytes, changes nothing and says so (issue 12, item 6).

Each real file (a subset of its records, made at test time from ``shared/realdata``) is loaded once, the
database is snapshotted (every table but the import log), and the same data is imported again as different
bytes: with the BOM toggled, CRLF and LF swapped, the columns and the rows in another order, re-encoded between
cp1252 and UTF-8. The bytes differ, so the sha256 shortcut does not apply and the upsert path runs; it must
leave every row as it was (not even its ``import_id``) and report UNCHANGED with "no changes: N rows identical".
A file with one value changed then changes exactly that row.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

from data.importers import load_upload
from data.importers.common import sha256_of
from models import ImportLog, ImportStatus
from tests.unit.importers.corpus import REAL, Real, Table, ncl_practice_codes

pytestmark = pytest.mark.db

Variant = Callable[[Table], Table]


def snapshot(engine: Engine) -> dict[str, list[tuple]]:
    """Every row of every table except the import log, sorted: the database's whole state."""
    out: dict[str, list[tuple]] = {}
    with engine.connect() as conn:
        for name, table in SQLModel.metadata.tables.items():
            if name in ("import_log", "alembic_version"):
                continue
            out[name] = sorted((tuple(r) for r in conn.execute(select(table))), key=repr)
    return out


def _bom(t: Table) -> Table:
    return replace(t, bom=not t.bom, encoding="utf-8")


def _newline(t: Table) -> Table:
    return replace(t, newline="\n" if t.newline == "\r\n" else "\r\n")


def _columns(t: Table) -> Table:
    """Columns reversed; a headerless (positional) file cannot reorder columns, so its rows are sorted instead."""
    if t.header is None:
        return t.with_rows(sorted(t.rows, key=lambda r: r[1:]))
    return t.reordered_columns(list(reversed(range(t.width))))


def _rows(t: Table) -> Table:
    return t.reordered_rows(list(reversed(range(len(t.rows)))))


def _encoding(t: Table) -> Table:
    return replace(t, encoding="utf-8" if t.encoding == "cp1252" else "cp1252", bom=False)


def _everything(t: Table) -> Table:
    return _encoding(_rows(_columns(_newline(t))))


VARIANTS: dict[str, Variant] = {"bom": _bom, "newline": _newline, "columns": _columns, "rows": _rows,
                                "encoding": _encoding, "all at once": _everything}
SOURCES = ["epraccur", "gp_list_size", "qof_prevalence", "nhsuk_gp", "nhsuk_trust", "ae_attendances", "imd2019",
           "fingertips", "qof_indicators"]


NEEDS = {"qof_indicators": ("qof_prevalence",)}  # a file that describes what another file created


def prepare(engine: Engine, source: str) -> None:
    """What ``source`` builds on: the NCL practices of the real epraccur file (so practice-level files name
    registered practices), and any file it describes."""
    if source == "epraccur":
        return
    ncl_practice_codes()
    for before in ("epraccur", *NEEDS.get(source, ())):
        real = REAL[before]
        report = load_upload(engine, before, real.table().to_bytes(), real.name, options=real.options)
        assert report.status == "loaded", report.text()


def _import(engine: Engine, real: Real, table: Table):
    return load_upload(engine, real.source, table.to_bytes(), real.name, options=real.options)


@pytest.mark.parametrize("source", SOURCES)
def test_the_same_data_in_other_bytes_changes_nothing(geography: Engine, source: str) -> None:
    prepare(geography, source)
    real = REAL[source]
    table = real.table()
    first = _import(geography, real, table)
    assert first.status == ImportStatus.LOADED.value, first.text()
    before = snapshot(geography)
    digests = {sha256_of(table.to_bytes())}
    for name, variant in VARIANTS.items():
        data = variant(table).to_bytes()
        if sha256_of(data) in digests:  # an ASCII file is the same bytes in cp1252 and UTF-8
            continue
        digests.add(sha256_of(data))
        report = load_upload(geography, real.source, data, real.name, options=real.options)
        assert report.status == ImportStatus.UNCHANGED.value, f"{name}: {report.text()}"
        assert f"no changes: {first.rows_accepted:,} rows identical" in " ".join(report.notes), report.notes
        assert snapshot(geography) == before, f"variant {name} changed the database"
    with geography.connect() as conn:
        statuses = [s for (s,) in conn.execute(select(ImportLog.status).where(ImportLog.source == real.source))]
    assert statuses.count(ImportStatus.LOADED.value) == 1
    assert statuses.count(ImportStatus.UNCHANGED.value) == len(digests) - 1 >= len(VARIANTS) - 1


CHANGES = {  # source -> (column as written in the file, or field index, new value)
    "gp_list_size": ("NUMBER_OF_PATIENTS", "12345"),
    "imd2019": ("Index of Multiple Deprivation (IMD) Decile", "3"),
    "nhsuk_trust": ("OrganisationName", "RENAMED TRUST"),
    "ae_attendances": ("admissions", "7777"),
}


def _changed_rows(before: dict[str, list[tuple]], after: dict[str, list[tuple]]) -> dict[str, int]:
    return {t: len(set(after[t]) - set(before[t])) for t in after if set(after[t]) != set(before.get(t, []))}


@pytest.mark.parametrize("source", sorted(CHANGES))
def test_one_changed_value_changes_only_its_rows(geography: Engine, source: str) -> None:
    prepare(geography, source)
    real = REAL[source]
    table = real.table()
    assert _import(geography, real, table).status == ImportStatus.LOADED.value
    before = snapshot(geography)
    column, value = CHANGES[source]
    changed = _newline(table).with_value(0, table.col(column), value)
    report = _import(geography, real, changed)
    assert report.status == ImportStatus.LOADED.value, report.text()
    after = snapshot(geography)
    rows = _changed_rows(before, after)
    assert rows, "the changed value was not written"
    assert sum(report.written.values()) >= 1
    # that row, and what it derives: roll-ups of the same period (PCN, boroughs, system) are refreshed together
    # (kpi_coverage, the stored summary of the observations, is rebuilt for the KPI the import wrote)
    imported = {t: n for t, n in rows.items() if t not in ("kpi_observation", "kpi_coverage")}
    assert all(n <= 4 for n in imported.values()), rows
    if "kpi_observation" in rows:
        changed_obs = sorted(set(after["kpi_observation"]) - set(before["kpi_observation"]))
        own = [r for r in changed_obs if not r[-1]]  # the derived flag is the last column
        assert len(own) <= 4, changed_obs
        assert {r[4] for r in changed_obs} == {r[4] for r in own} or not own, changed_obs  # only that period
    total = {t: len(v) for t, v in after.items()}
    assert total == {t: len(v) for t, v in before.items()}, "a changed value must update, never add rows"


def test_an_import_that_changes_nothing_keeps_atomicity(geography: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """A failure after the upserts of an unchanged import still rolls back and leaves the state as it was."""
    import data.importers.common as common

    real = REAL["epraccur"]
    table = real.table()
    assert _import(geography, real, table).status == ImportStatus.LOADED.value
    before = snapshot(geography)

    def broken(*args: object, **kwargs: object) -> int:
        raise RuntimeError("disk full")

    monkeypatch.setattr(common, "refresh_rollups", broken)
    report = _import(geography, real, _newline(table).with_value(0, 1, "A NEW NAME"))
    assert report.status == ImportStatus.FAILED.value
    assert snapshot(geography) == before
