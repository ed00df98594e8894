"""Malformed and tricky-valid files of the dashboard's own templates, made at test time from ``docs/templates``.

Every template is loaded, in the documented order, into one database per backend (the successors, neighbourhoods
and catchments templates need registers: the practices, PCNs and LSOA boundaries that epraccur, ePCN and the
boundaries import would have loaded are added first, ``REGISTERED``); then:

- **Malformed** (at least 40 cases): one value, row or column of a shipped template is damaged; the import is
  REJECTED with an error naming the row, the column as the template heads it and the value, the database is
  exactly as it was (every table but the import log) and the log holds one more REJECTED entry.
- **Tricky but valid** (at least 10): the same template written differently (BOM and CRLF, columns reversed,
  headers upper-cased or given by an accepted alias, values in other accepted spellings) loads the exact count
  of records and changes nothing.

A hypothesis property test damages a random record of a random template in a random way and asserts the same.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace

import pytest
import shapely
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from data.db import create_schema, session_scope
from data.importers import load_upload
from data.importers.common import ImportReport
from models import AreaLevel, Borough, Boundary, ImportLog, ImportStatus, Pcn, Practice
from tests.conftest import BACKENDS, backend_engine
from tests.db.importers.test_corpus import Bad, _points
from tests.db.importers.test_idempotence import snapshot
from tests.unit.importers.corpus import Table
from tests.unit.importers.corpus_templates import (
    ALIASES,
    KEYS,
    ORDER,
    REPEAT_ACCEPTED,
    template_file,
    template_table,
)

pytestmark = pytest.mark.db

LONG = "X" * 31  # one character more than a code column holds


@dataclass(frozen=True)
class Good:
    """A template written differently: the same records load and nothing changes."""

    source: str
    label: str
    make: Callable[[Table], Table]


# ------------------------------------------------------------------------------------------ case builders


def _set(row: int, **values: str) -> Callable[[Table], bytes]:
    """Record ``row`` (0-based) with ``values`` (template header -> new text); a column the template lacks is
    added at the end (blank in the other records)."""
    def make(t: Table) -> bytes:
        for column, value in values.items():
            if t.header is not None and column not in t.header:
                width = t.width
                t = replace(t, header=[*t.header, column], rows=[[*r, *[""] * (width - len(r)), ""] for r in t.rows])
            t = t.with_value(row, t.col(column), value)
        return t.to_bytes()
    return make


def _value(source: str, row: int, column: str, value: str, *, words: str | None = None, **also: str) -> Bad:
    """The value of ``column`` in record ``row`` set to ``value`` (and ``also``): the error names that cell."""
    t = template_table(source)
    shown = value if value.strip() else None
    return Bad(source, f"{column} = {value!r}" + (f" ({', '.join(also)})" if also else ""),
               _set(row, **{column: value}, **also), row=t.line_of(row), column=column, value=shown, words=words)


def _duplicate(source: str, row: int = 0) -> Bad:
    """Record ``row`` repeated at the end: the error is on the repeat and names a key column and its value."""
    t = template_table(source)
    copy = list(t.rows[row])
    key = tuple((c, copy[t.col(c)]) for c in KEYS[source])
    return Bad(source, "duplicated key", lambda t: t.with_rows([*t.rows, copy]).to_bytes(),
               row=t.line_of(len(t.rows)), any_of=key, words="as row")


def _without(source: str, column: str) -> Bad:
    return Bad(source, f"no {column} column", lambda t: t.without_column(t.col(column)).to_bytes(), row=1,
               column=column, words="missing")


def _register_with_two_names(t: Table) -> bytes:
    extra = list(t.rows[0])
    extra[t.col("initiative_code")] = "EHCH-2"
    extra[t.col("workstream_name")] = "Care homes (renamed)"
    return t.with_rows([*t.rows, extra]).to_bytes()


def _targets_without_targets(t: Table) -> bytes:
    return Table(["kpi_code"], [[r[0]] for r in t.rows]).to_bytes()


def _appended(source: str, record: list[str], *, column: str, value: str | None = None, words: str) -> Bad:
    """``record`` added after the template's records: the error is on it (or names it)."""
    t = template_table(source)
    return Bad(source, f"{column}: extra row {', '.join(record)}", lambda t: t.with_rows([*t.rows, record]).to_bytes(),
               row=t.line_of(len(t.rows)), column=column, value=value, words=words)


def _clash(source: str = "pcn_catchments", row: int = 0) -> Bad:
    """An area of the catchments template given again to another PCN (an exact repeat would be accepted)."""
    t = template_table(source)
    pcns = sorted({r[t.col("pcn_code")] for r in t.rows})
    record = list(t.rows[row])
    first = record[t.col("pcn_code")]
    record[t.col("pcn_code")] = next(p for p in pcns if p != first)
    return _appended(source, record, column="pcn_code", value=record[t.col("pcn_code")],
                     words=f"already given to PCN {first} in row {t.line_of(row)}")


def bad_cases() -> list[Bad]:
    """At least 40 malformed templates, each naming the row, column (as the template heads it) and value."""
    return [
        # areas
        _value("areas", 1, "level", "county", words="area level"),
        _value("areas", 1, "code", "E9000003", words="format"),
        _value("areas", 0, "name", "", words="name"),
        _value("areas", 2, "parent_code", "", words="system"),
        _value("areas", 0, "ons_code", "E5400002", words="ONS"),
        _value("areas", 6, "code", "93CXYZ", words="format"),
        _value("areas", 1, "code", "E09000003E09000003", words="characters"),
        _duplicate("areas", 1),
        _without("areas", "code"),
        # providers
        _value("providers", 0, "provider_code", "RAL!", words="ODS"),
        _value("providers", 1, "system_code", "", words="blank"),
        _value("providers", 2, "system_code", "QMJ-1", words="ODS"),
        _value("providers", 3, "name", "N" * 201, words="200 characters"),
        _duplicate("providers", 4),
        _without("providers", "system_code"),
        # register
        _value("register", 1, "end_date", "2018-03-31", words="ends before it starts"),
        _value("register", 0, "start_date", "2019-13-01", words="not a date"),
        _value("register", 1, "borough_code", "X09000003", words="ONS"),
        _value("register", 0, "initiative_code", "", words="blank"),
        _value("register", 0, "initiative_name", "I" * 201, words="200 characters"),
        _duplicate("register", 0),
        Bad("register", "one workstream, two names", _register_with_two_names, row=4, column="workstream_name",
            value="Care homes (renamed)", words="different names"),
        # KPI definitions
        _value("kpi_definitions", 0, "value_type", "percent", words="value type"),
        _value("kpi_definitions", 0, "polarity", "sideways", words="polarity"),
        _value("kpi_definitions", 1, "multiplier", "0", words="above 0"),
        _value("kpi_definitions", 0, "levels", "practice;planet", words="levels"),
        _value("kpi_definitions", 0, "baseline_period", "Q5 2019", words="period"),
        _value("kpi_definitions", 0, "target_date", "31/02/2024", words="not a date"),
        _value("kpi_definitions", 0, "indicator_code", "EXAMPLE_FLU65", words="cannot read itself"),
        _value("kpi_definitions", 1, "kpi_code", LONG, words="30 characters"),
        _value("kpi_definitions", 1, "unit", "", words="display unit"),
        # KPI targets
        _value("kpi_targets", 0, "target_value", "seventy", words="not a number"),
        _value("kpi_targets", 0, "validation_date", "2025-02-30", words="not a date"),
        _duplicate("kpi_targets", 0),
        Bad("kpi_targets", "no target columns", _targets_without_targets, row=1, words="at least one of"),
        # KPI plans
        _value("kpi_plans", 0, "area_level", "county", words="area level"),
        _value("kpi_plans", 0, "area_code", "E0900003", words="format"),
        _value("kpi_plans", 1, "period", "2024-13", words="period"),
        _value("kpi_plans", 1, "value", "", words="blank"),
        Bad("kpi_plans", "the same period start written two ways", lambda t: t.with_rows(
            [*t.rows, [*t.rows[0][:3], "2023/2024", "75"]]).to_bytes(), row=4, any_of=(("kpi_code", "EXAMPLE_FLU65"),),
            words="as row 2"),
        # KPI observations
        _value("kpi_observations", 2, "denominator", "0", words="above 0"),
        _value("kpi_observations", 0, "numerator", "-5", words="at least 0"),
        _value("kpi_observations", 1, "value", "71.5", words="confidence interval", lower_ci="72.0"),
        _value("kpi_observations", 0, "period_end", "2024-02-01", words="ends before it starts"),
        Bad("kpi_observations", "neither value nor numerator", _set(0, numerator=""), row=2, column="value",
            words="give a value"),
        _value("kpi_observations", 0, "area_code", "Y0001", words="format"),
        _value("kpi_observations", 0, "numerator", "2500", words="proportion"),
        _value("kpi_observations", 0, "kpi_code", "NO_SUCH_KPI", words="no KPI"),
        # finance
        _value("finance", 0, "financial_year", "2019/21", words="financial year"),
        _value("finance", 1, "scenario", "forecast", words="plan or actual"),
        _value("finance", 2, "recurrent", "sometimes", words="recurrent"),
        _value("finance", 3, "investment", "-100", words="negative"),
        _value("finance", 0, "investment", "", words="no money", gross_saving="", net_saving=""),
        _value("finance", 0, "initiative_code", "NOPE-1", words="benefits register"),
        _duplicate("finance", 2),
        # activity
        _value("activity", 0, "point_of_delivery", "theatre", words="point of delivery"),
        _value("activity", 1, "change", "lots", words="not a number"),
        _value("activity", 2, "financial_year", "1999/00", words="financial year"),
        _value("activity", 0, "evidence_kpi_code", "NOKPI", words="no KPI"),
        _duplicate("activity", 3),
        # milestones
        _value("milestones", 0, "planned_date", "", words="blank"),
        _value("milestones", 1, "actual_date", "2020-02-30", words="not a date"),
        _value("milestones", 2, "milestone_code", LONG, words="30 characters"),
        _value("milestones", 0, "borough_code", "Barnet", words="ONS"),
        _duplicate("milestones", 1),
        # risks
        _value("risks", 0, "likelihood", "6", words="from 1 to 5"),
        _value("risks", 1, "impact", "2.5", words="whole number"),
        _value("risks", 1, "escalation", "urgent", words="escalation"),
        _value("risks", 0, "raised_date", "yesterday", words="not a date"),
        Bad("risks", "neither workstream nor initiative", _set(0, workstream_code="", initiative_code=""), row=2,
            column="risk_code", value="EX-R1", words="workstream"),
        _duplicate("risks", 0),
        # risk reviews
        _value("risk_reviews", 0, "review_date", "", words="blank"),
        _value("risk_reviews", 1, "revised_impact", "0", words="from 1 to 5"),
        _value("risk_reviews", 0, "risk_code", "EX-R9", words="no risk"),
        _duplicate("risk_reviews", 1),
        # successors
        _value("successors", 0, "level", "", words="blank"),
        _value("successors", 0, "level", "care_home", words="succession level"),
        _value("successors", 1, "level", "county", words="succession level"),
        _value("successors", 0, "successor_code", "Y99001", words="cannot succeed itself"),
        _appended("successors", ["pcn", "U99002", "U99001", "2024-04-01"], column="successor_code", value="U99001",
                  words="leads back to the predecessor (U99002 -> U99001 -> U99002"),
        _value("successors", 0, "effective_date", "2022-02-30", words="not a date"),
        _value("successors", 1, "effective_date", "04/13/2023", words="not a date"),
        _value("successors", 1, "effective_date", "", words="blank"),
        _value("successors", 0, "predecessor_code", "Y9900", words="format"),
        _value("successors", 1, "successor_code", "X99002", words="format"),
        _value("successors", 0, "successor_name", "N" * 201, words="200 characters"),
        _value("successors", 0, "successor_code", "Y99003", words="not a known practice"),
        _duplicate("successors", 0),
        _without("successors", "effective_date"),
        # neighbourhoods
        _value("neighbourhoods", 0, "member_level", "", words="blank"),
        _value("neighbourhoods", 4, "member_level", "ward", words="write practice or lsoa"),
        _value("neighbourhoods", 0, "member_code", "E01002726", words="format"),
        _value("neighbourhoods", 4, "member_code", "F83004", words="format"),
        _value("neighbourhoods", 1, "member_code", "F8303", words="format"),
        _appended("neighbourhoods", ["ISL-SOUTH", "Islington South neighbourhood", "E09000019", "practice", "F83004"],
                  column="member_code", value="F83004 / practice", words="as row 2"),
        _value("neighbourhoods", 1, "neighbourhood_name", "Islington N", words="more than one name: row 2 gives"),
        _value("neighbourhoods", 5, "place_code", "E09000007", words="more than one place: row 6 gives"),
        _value("neighbourhoods", 0, "place_code", "Islington", words="ONS"),
        _value("neighbourhoods", 2, "neighbourhood_code", "", words="blank"),
        _value("neighbourhoods", 6, "neighbourhood_code", "N" * 21, words="20 characters"),
        _value("neighbourhoods", 0, "neighbourhood_name", "N" * 201, words="200 characters"),
        _value("neighbourhoods", 4, "place_code", "E09000033", words="not a borough of this dashboard"),
        _value("neighbourhoods", 0, "member_code", "Z99999", words="not a practice in the register"),
        _value("neighbourhoods", 4, "member_code", "E01999999", words="not a loaded LSOA"),
        _without("neighbourhoods", "member_code"),
        # PCN catchments
        _value("pcn_catchments", 0, "lsoa_code", "", words="blank"),
        _value("pcn_catchments", 1, "lsoa_code", "E0100011", words="LSOA code"),
        _value("pcn_catchments", 2, "lsoa_code", "E05000026", words="from_level=ward"),
        _value("pcn_catchments", 0, "pcn_code", "U0001", words="PCN code"),
        _value("pcn_catchments", 1, "pcn_code", "", words="blank"),
        _clash(),
        _value("pcn_catchments", 2, "lsoa_code", "E01000118", words="no lsoa boundary"),
        _value("pcn_catchments", 2, "pcn_code", "U00003", words="not a PCN of this dashboard"),
        _without("pcn_catchments", "pcn_code"),
    ]


def _bom_crlf(t: Table) -> Table:
    return replace(t, bom=True, newline="\r\n")


def _reversed(t: Table) -> Table:
    return t.reordered_columns(list(reversed(range(t.width))))


def _upper(t: Table) -> Table:
    assert t.header is not None
    return replace(t, header=[h.upper() for h in t.header])


def _aliases(source: str) -> Callable[[Table], Table]:
    def make(t: Table) -> Table:
        assert t.header is not None
        return replace(t, header=[ALIASES[source].get(h, h) for h in t.header])
    return make


def _spelled(source: str, **words: dict[str, str]) -> Callable[[Table], Table]:
    """Values of columns written in other accepted spellings (column -> {template value: other spelling})."""
    def make(t: Table) -> Table:
        for column, spelling in words.items():
            i = t.col(column)
            t = t.with_rows([[*r[:i], spelling.get(r[i], r[i]), *r[i + 1:]] for r in t.rows])
        return t
    return make


def _place_once(t: Table) -> Table:
    """Each neighbourhood's place on its last row only (blank on the others)."""
    code, place = t.col("neighbourhood_code"), t.col("place_code")
    last = {r[code]: i for i, r in enumerate(t.rows)}
    return t.with_rows([[*r[:place], r[place] if last[r[code]] == i else "", *r[place + 1:]]
                        for i, r in enumerate(t.rows)])


def good_cases() -> list[Good]:
    """At least 10 tricky-valid templates: the same records, other bytes and spellings."""
    out = [Good(s, label, make) for s in ORDER for label, make in (
        ("BOM and CRLF", _bom_crlf), ("columns reversed", _reversed), ("headers upper-cased", _upper),
        ("headers by alias", _aliases(s)))]
    out += [
        Good("areas", "levels spelled Sub-ICB, Borough", _spelled("areas", level={"sub_icb": "Sub-ICB",
                                                                              "borough": "Borough"})),
        Good("register", "dates as dd/mm/yyyy", _spelled("register", start_date={"2019-04-01": "01/04/2019"},
                                                         end_date={"2024-03-31": "31/03/2024"})),
        Good("kpi_observations", "levels gp / la / icb and a month as Mar 2024", _spelled(
            "kpi_observations", area_level={"practice": "GP", "borough": "LA", "system": "ICB"},
            period={"2024-03": "Mar 2024"})),
        Good("kpi_definitions", "polarity higher / lower", _spelled(
            "kpi_definitions", polarity={"higher_is_better": "Higher", "lower_is_better": "lower"})),
        Good("finance", "plan/actual and recurrence in words", _spelled(
            "finance", scenario={"plan": "Planned", "actual": "Outturn"}, recurrent={"yes": "Recurrent",
                                                                                     "no": "Non-recurrent"},
            financial_year={"2019/20": "FY19/20", "2020/21": "2020-21"})),
        Good("activity", "points of delivery by their NHS names", _spelled(
            "activity", point_of_delivery={"non_elective": "NEL", "ae": "A&E", "ambulance": "999"})),
        Good("risks", "escalation capitalised", _spelled("risks", escalation={"medium": "Medium"})),
        Good("providers", "codes lower case and padded", _spelled(
            "providers", provider_code={"RAL": " ral ", "RAP": "rap"}, system_code={"QMJ": "qmj"})),
        Good("successors", "levels GP practice / Primary Care Network, dates dd/mm/yyyy and YYYYMMDD", _spelled(
            "successors", level={"practice": "GP practice", "pcn": "Primary Care Network"},
            effective_date={"2022-04-01": "01/04/2022", "2023-04-01": "20230401"})),
        Good("successors", "codes lower case and padded", _spelled(
            "successors", predecessor_code={"Y99001": " y99001"}, successor_code={"U99002": "u99002 "})),
        Good("neighbourhoods", "member levels GP / LSOA, codes lower case", _spelled(
            "neighbourhoods", member_level={"practice": "GP", "lsoa": "LSOA"},
            member_code={"F83004": " f83004 ", "E01002726": "e01002726"})),
        Good("neighbourhoods", "the place given on one row of each neighbourhood only", _place_once),
        Good("neighbourhoods", "rows shuffled (a neighbourhood's rows apart)", lambda t: t.reordered_rows(
            [4, 0, 5, 1, 6, 2, 3])),
        Good("pcn_catchments", "an exact repeat of a row (accepted, loaded once)", lambda t: t.with_rows(
            [*t.rows, t.rows[0]])),
        Good("pcn_catchments", "codes lower case and padded", _spelled(
            "pcn_catchments", lsoa_code={"E01000115": " e01000115"}, pcn_code={"U00002": "u00002 "})),
    ]
    return out


BAD = bad_cases()
GOOD = good_cases()
RELOADS = itertools.count(1)
SHARED_RECORDS = {"kpi_definitions", "kpi_targets"}  # templates that write the same records (a KPI's target)


def _id(case: Bad | Good) -> str:
    return f"{case.source}: {case.label}"


# ---------------------------------------------------------------------------------------------- fixtures


@dataclass
class Prepared:
    engine: Engine
    backend: str
    accepted: dict[str, int]  # the shipped template's accepted records, per source


def _lsoa(code: str, x: float) -> Boundary:
    """A small square LSOA boundary at longitude ``x`` (as the boundaries import would store it)."""
    square = shapely.box(x, 51.5, x + 0.01, 51.51)
    wkb = shapely.to_wkb(square)
    return Boundary(level=AreaLevel.LSOA, code=code, name=code, geometry_wkb=wkb, display_wkb=wkb, min_lon=x,
                    min_lat=51.5, max_lon=x + 0.01, max_lat=51.51, vintage="2011", source="test squares")


REGISTERED = {  # what epraccur, ePCN and the LSOA boundaries would have loaded before these templates
    "successors": lambda: [Practice(code="Y99002", name="Successor practice"), Pcn(code="U99002", name="PCN B")],
    "neighbourhoods": lambda: [*(Practice(code=c, name=c) for c in ("F83004", "F83039", "F83015", "F83060")),
                               *(_lsoa(c, i / 50) for i, c in enumerate(("E01002726", "E01002795", "E01002696")))],
    "pcn_catchments": lambda: [Pcn(code="U00001", name="PCN 1"), Pcn(code="U00002", name="PCN 2"),
                               *(_lsoa(c, -0.2 + i / 100) for i, c in enumerate(("E01000115", "E01000116",
                                                                                 "E01000117")))],
}


def _load_templates(engine: Engine) -> dict[str, int]:
    accepted = {}
    for source in ORDER:
        if source == "kpi_observations":  # the template's example practice, as epraccur would register it
            with session_scope(engine) as session:
                barnet = session.execute(select(Borough.id).where(Borough.code == "E09000003")).scalar_one()
                session.add(Practice(code="Y00001", name="Example practice", borough_id=barnet))
        if source in REGISTERED:
            with session_scope(engine) as session:
                session.add_all(REGISTERED[source]())
        report = load_upload(engine, source, template_table(source).to_bytes(), template_file(source))
        assert report.status == ImportStatus.LOADED.value, report.text()
        accepted[source] = report.rows_accepted
    return accepted


@pytest.fixture(scope="module", params=BACKENDS)
def ready(request: pytest.FixtureRequest) -> Iterator[Prepared]:
    """Every template loaded, in order, into an empty database of each backend."""
    engine = backend_engine(request.param, request, label="corpus_templates")
    create_schema(engine)
    yield Prepared(engine, request.param, _load_templates(engine))
    engine.dispose()


def _rejected_count(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(ImportLog).where(
            ImportLog.status == ImportStatus.REJECTED.value)).scalar_one()


def _describe(report: ImportReport) -> str:
    return report.text(limit=8)


def _assert_refused(ready: Prepared, case: Bad, data: bytes) -> None:
    name = template_file(case.source)
    before = snapshot(ready.engine)
    logged = _rejected_count(ready.engine)
    report = load_upload(ready.engine, case.source, data, name)
    assert report.status == ImportStatus.REJECTED.value, _describe(report)
    assert report.errors and all(p.file == name and p.message for p in report.errors), _describe(report)
    assert any(_points(p, case) for p in report.errors), (
        f"no error points at row {case.row}, column {case.column!r}, value {case.value!r}"
        f"{f', saying {case.words!r}' if case.words else ''}:\n{_describe(report)}")
    assert snapshot(ready.engine) == before, "a refused template changed the database"
    assert _rejected_count(ready.engine) == logged + 1


# ------------------------------------------------------------------------------------------------- tests


@pytest.mark.parametrize("case", BAD, ids=_id)
def test_malformed_template_is_refused_precisely(case: Bad, ready: Prepared) -> None:
    _assert_refused(ready, case, case.make(template_table(case.source)))


@pytest.mark.parametrize("case", GOOD, ids=_id)
def test_tricky_valid_template_loads_every_record(case: Good, ready: Prepared) -> None:
    """A template whose records a later one changes (the targets template changes the KPI definitions' targets)
    is loaded again as shipped first; the variant must then change nothing."""
    if case.source in SHARED_RECORDS:
        _reload(ready, case.source)
    before = snapshot(ready.engine)
    report = load_upload(ready.engine, case.source, case.make(template_table(case.source)).to_bytes(),
                         template_file(case.source))
    assert report.ok and not report.errors, _describe(report)
    assert report.rows_accepted == ready.accepted[case.source], _describe(report)
    assert report.status == ImportStatus.UNCHANGED.value, _describe(report)
    assert snapshot(ready.engine) == before, "the same template written differently changed the database"


def _reload(ready: Prepared, source: str) -> None:
    fresh = b"\n" * next(RELOADS)  # trailing blank lines: the same data, bytes never imported before (a file
    # imported before is skipped by its sha256 and would not put back what a later template changed)
    plain = load_upload(ready.engine, source, template_table(source).to_bytes() + fresh, template_file(source))
    assert plain.ok, _describe(plain)


def test_the_template_corpus_is_large_enough() -> None:
    """Issue 12's share for the templates: at least 40 malformed and 10 tricky-valid files, every template."""
    assert len(BAD) >= 40 and len(GOOD) >= 10
    assert {c.source for c in BAD} == {c.source for c in GOOD} == set(ORDER)


# ---------------------------------------------------------------------------------------------- property

PROPERTY = settings(max_examples=30, deadline=None, derandomize=True, database=None,
                    phases=(Phase.explicit, Phase.reuse, Phase.generate),
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
DAMAGE = {  # template -> column -> values its schema refuses, whatever the record
    "areas": {"code": ["", "E0900000X"], "level": ["county"]},
    "providers": {"provider_code": ["R!L", ""], "system_code": ["Q-M-J"]},
    "register": {"initiative_code": ["", LONG], "start_date": ["2019-02-30"], "borough_code": ["E9"]},
    "kpi_definitions": {"value_type": ["percent"], "multiplier": ["-1", "x"], "name": [""]},
    "kpi_targets": {"target_value": ["7O"], "target_date": ["2025-13-01"]},
    "kpi_plans": {"period": ["2024-00"], "value": ["", "n/a"], "area_level": ["planet"]},
    "kpi_observations": {"denominator": ["0", "-2"], "period": ["2024 Q9"], "area_level": ["county"]},
    "finance": {"financial_year": ["2019/18", "20XX"], "scenario": ["maybe"], "investment": ["-1"]},
    "activity": {"point_of_delivery": ["theatre"], "change": ["", "many"], "scenario": [""]},
    "milestones": {"planned_date": ["", "2020-02-31"], "milestone_code": [LONG], "name": [""]},
    "risks": {"likelihood": ["0", "6", "x"], "impact": [""], "risk_code": [""]},
    "risk_reviews": {"review_date": ["31/31/2020"], "likelihood": ["9"], "revised_impact": ["1.5"]},
    "successors": {"level": ["county", ""], "effective_date": ["2022-13-01", ""], "predecessor_code": ["", LONG]},
    "neighbourhoods": {"member_level": ["ward", ""], "member_code": ["", "X1"], "neighbourhood_code": [""]},
    "pcn_catchments": {"lsoa_code": ["", "E0100011"], "pcn_code": ["U1", ""]},
}


def test_a_defect_in_any_template_record_is_refused_where_it_is(ready: Prepared) -> None:
    """Hypothesis draws the template, the record, the column and the refused value (or a repeat of the record)."""
    @PROPERTY
    @given(source=st.sampled_from(ORDER), pick=st.integers(0, 1000), repeat=st.booleans())
    def check(source: str, pick: int, repeat: bool) -> None:
        t = template_table(source)
        row = pick % len(t.rows)
        if repeat and source in REPEAT_ACCEPTED:  # an exact repeat loads: give the area to another PCN instead
            case = replace(_clash(source, row), words=None)
        elif repeat:
            case = replace(_duplicate(source, row), words=None)
        else:
            column = sorted(DAMAGE[source])[pick % len(DAMAGE[source])]
            values = DAMAGE[source][column]
            case = _value(source, row, column, values[pick % len(values)])
        _assert_refused(ready, case, case.make(t))

    check()
