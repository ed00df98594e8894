"""Property-based and fuzz tests of every importer on real rows (issue 12, "Done when").

- **Properties** (hypothesis): per importer with a real file, a random data record of the real file (a subset,
  :mod:`tests.unit.importers.corpus`) gets a random defect (truncation, a corrupted byte, a deleted or renamed
  column, a duplicated key, an out-of-range value, a malformed code); the import must be REJECTED with an error
  naming that record's row (or file line) and the column as written in the file, and the database must be as it
  was.
- **Fuzz**: random bytes, and random prefixes of real (or template) files, fed to every importer: the outcome is a
  clean load or a domain error, never a traceback (an "unexpected error" is a defect the fuzz found).

Example counts are modest and the runs derandomised, so the suite stays fast and CI stable.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine

from data.db import create_schema, make_engine
from data.importers import SOURCES, load_upload
from models import ImportStatus
from tests.db.importers.test_corpus import (
    SPECS,
    Bad,
    _corrupt_byte,
    _index,
    _label,
    _points,
    key_values,
    prepared,
)
from tests.db.importers.test_idempotence import snapshot
from tests.unit.importers.corpus import REAL, Table
from tests.unit.importers.realdata import REALDATA, realdata

pytestmark = pytest.mark.db

NO_SHRINK = (Phase.explicit, Phase.reuse, Phase.generate)  # a failure is reported as drawn: shrinking re-imports
PROPERTY = settings(max_examples=12, deadline=None, derandomize=True, database=None, phases=NO_SHRINK,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
FUZZ = settings(max_examples=25, deadline=None, derandomize=True, database=None, phases=NO_SHRINK,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
KINDS = ("truncated", "corrupt byte", "deleted column", "renamed column", "duplicated key", "out of range",
         "bad code")


def _mutation(source: str, t: Table, kind: str, row: int, pick: int) -> Bad:
    """The defect ``kind`` made on data record ``row`` (``pick`` chooses the column and value), and where the
    error must point."""
    spec = SPECS[source]
    line = t.line_of(row)
    if kind == "truncated":
        rows = [list(r) for r in t.rows[: row + 1]]
        keep = max(1, len(rows[-1]) // 2)
        cut = rows[-1][:keep]
        return Bad(source, kind, lambda t: t.with_rows([*rows[:-1], cut]).to_bytes().rstrip(b"\r\n"), row=line,
                   words="truncated")
    if kind == "corrupt byte":
        shifted = Table(t.header, t.rows, t.encoding, t.bom, t.newline, t.delimiter, t.quoting)

        def make(_: Table) -> bytes:
            data = shifted.to_bytes()
            start = 0
            for _n in range(line - 1):
                start = data.index(b"\n", start) + 1
            return data[: start + 1] + b"\x81" + data[start + 2 :]

        return Bad(source, kind, make, line=line, value="0x81")
    if kind in ("deleted column", "renamed column") and t.header is not None and spec.required:
        column = spec.required[pick % len(spec.required)]
        if kind == "deleted column":
            return Bad(source, kind, lambda t: t.without_column(t.col(column)).to_bytes(), column=column)
        return Bad(source, kind, lambda t: t.renamed(t.col(column), f"{column}_old").to_bytes(), column=column)
    if kind == "duplicated key":
        copy = list(t.rows[row])
        return Bad(source, kind, lambda t: t.with_rows([*t.rows, copy]).to_bytes(), row=t.line_of(len(t.rows)),
                   any_of=key_values(source, t, row))
    menu = spec.numbers if kind == "out of range" and spec.numbers else (spec.codes or spec.numbers)
    column = sorted(menu)[pick % len(menu)]
    value = menu[column][pick % len(menu[column])]
    label = _label(source, t, column)
    return Bad(source, kind, lambda t: t.with_value(row, _index(t, column), value).to_bytes(), row=line,
               column=label, value=value)


def _assert_refused(engine: Engine, before: dict, case: Bad) -> None:
    real = REAL[case.source]
    report = load_upload(engine, case.source, case.make(real.table()), real.name, options=real.options)
    assert report.status == ImportStatus.REJECTED.value, report.text(limit=5)
    assert any(_points(p, case) for p in report.errors), (
        f"{case.label}: no error at row {case.row}, line {case.line}, column {case.column!r}, value "
        f"{case.value!r}:\n{report.text(limit=8)}")
    assert snapshot(engine) == before


@pytest.mark.parametrize("source", sorted(SPECS))
def test_a_defect_in_any_real_row_is_refused_where_it_is(source: str, request: pytest.FixtureRequest) -> None:
    """Hypothesis draws the record, the defect and its column; SQLite (the rules do not depend on the backend)."""
    realdata("nhsd")
    ready = prepared("sqlite", source, request)
    t = REAL[source].table()

    @PROPERTY
    @given(kind=st.sampled_from(KINDS), row=st.integers(1, len(t.rows) - 2), pick=st.integers(0, 50))
    def check(kind: str, row: int, pick: int) -> None:
        _assert_refused(ready.engine, ready.before, _mutation(source, t, kind, row, pick))

    check()


def test_corrupt_byte_helper_points_at_the_row_it_damages() -> None:
    """The corpus's corrupt-byte file damages exactly the line the case names (so its assertion is meaningful)."""
    realdata("nhsd")
    t = REAL["gp_list_size"].table()
    data = _corrupt_byte(t)
    lines = data.split(b"\n")
    assert b"\x81" in lines[t.line_of(3) - 1] and all(b"\x81" not in x for i, x in enumerate(lines)
                                                       if i != t.line_of(3) - 1)


# -------------------------------------------------------------------------------------------------------- fuzz

TEMPLATES = Path(__file__).resolve().parents[3] / "docs" / "templates"
SAMPLES: dict[str, tuple[str, ...]] = {  # a real or template file per importer (its prefixes are fuzzed)
    **{name: real.parts for name, real in REAL.items()},
    "epcn": ("nhsd", "epcn", "ePCN_blackwellrd_2023-02.xlsx"),
    "boundaries": ("ons", "lad", "ncl_lad_dissolved_from_wards.geojson"),
}
TEMPLATE_SOURCES = {"areas": "areas.csv", "register": "register.csv", "kpi_definitions": "kpi_definitions.csv",
                    "kpi_targets": "kpi_targets.csv", "kpi_plans": "kpi_plans.csv",
                    "kpi_observations": "kpi_observations.csv", "providers": "providers.csv",
                    "pcn_catchments": "pcn_catchments.csv", "finance": "finance.csv", "activity": "activity.csv",
                    "milestones": "milestones.csv", "risks": "risks.csv", "risk_reviews": "risk_reviews.csv",
                    "successors": "successors.csv", "neighbourhoods": "neighbourhoods.csv"}


def _sample(source: str) -> tuple[bytes, str]:
    if source in SAMPLES:
        path = realdata(*SAMPLES[source])
        return path.read_bytes()[:400_000], path.name
    if source in TEMPLATE_SOURCES:
        path = TEMPLATES / TEMPLATE_SOURCES[source]
        return path.read_bytes(), path.name
    path = realdata("nhsd", "qof_2020-21", "ORGANISATION_REFERENCE_2021.csv")  # any real table (cqc, QOF, ...)
    return path.read_bytes()[:20_000], f"{source}.csv"


@pytest.fixture(scope="module")
def fuzz_engine() -> Engine:
    engine = make_engine("sqlite://")
    create_schema(engine)
    return engine


def _no_traceback(engine: Engine, source: str, data: bytes, name: str) -> None:
    report = load_upload(engine, source, data, name, dry_run=True)
    assert report.status in ("validated", ImportStatus.REJECTED.value, ImportStatus.UNCHANGED.value), report.text()
    crashed = [p for p in report.problems if "unexpected error" in p.message]
    assert not crashed, f"{source} crashed on a fuzzed file:\n{report.text(limit=5)}"
    assert all(p.message and p.file == name for p in report.errors), report.text(limit=5)


def test_every_importer_is_fuzzed() -> None:
    """Every importable source has a sample to cut prefixes from (a new source must be added here)."""
    stand_in = {"cqc", "qof_achievement", "pcn_catchments_indicative", "footprint_derived"}  # no sample file
    missing = set(SOURCES) - set(SAMPLES) - set(TEMPLATE_SOURCES) - stand_in
    assert not missing


@pytest.mark.parametrize("source", sorted(SOURCES))
def test_random_bytes_and_prefixes_never_raise(source: str, fuzz_engine: Engine) -> None:
    """Random bytes (under the source's own file name and extension) and random prefixes of a sample file."""
    if not REALDATA.is_dir():
        realdata("nhsd")
    sample, name = _sample(source)

    @FUZZ
    @given(noise=st.binary(min_size=0, max_size=300), cut=st.integers(0, len(sample)), kind=st.booleans())
    def check(noise: bytes, cut: int, kind: bool) -> None:
        data = noise if kind else sample[:cut]
        _no_traceback(fuzz_engine, source, data, name)

    check()
