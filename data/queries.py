"""One function per question the UI asks. Keyword-only session; each returns a documented DataFrame.

No Streamlit here (``data/cache.py`` wraps these for the pages). Frames, not ORM objects, leave this module,
so nothing downstream holds a session or a detached instance.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import pandas as pd
import shapely
from sqlalchemy import func, literal, select
from sqlalchemy.orm import aliased
from sqlmodel import Session

from data.footprint import (
    pcn_is_open,
    practice_is_open,
    system_borough_codes,
    system_pcn_codes,
    system_practice_codes,
    system_sub_icb_codes,
)
from data.rollups import carry_history, pcn_for_periods
from geo.catchments import locate_points, representative_points
from models import (
    BENCHMARK_LEVELS,
    ActivityChange,
    AreaLevel,
    Borough,
    Boundary,
    CareHome,
    FinanceLine,
    HealthSystem,
    ImportLog,
    ImportStatus,
    Initiative,
    Kpi,
    KpiAreaLevel,
    KpiCoverage,
    KpiObservation,
    KpiPlan,
    LinkCorrection,
    LsoaDeprivation,
    Milestone,
    Neighbourhood,
    OrgSuccessor,
    Pcn,
    PcnMembership,
    Practice,
    PracticeListSize,
    Provider,
    Risk,
    RiskReview,
    Workstream,
)


def _frame(session: Session, statement: object, columns: Sequence[str]) -> pd.DataFrame:
    rows = session.execute(statement).all()  # type: ignore[call-overload]
    return pd.DataFrame([tuple(r) for r in rows], columns=list(columns))


def system(*, session: Session, code: str) -> pd.DataFrame:
    """The health system with ODS ``code``: columns code, ons_code, name (empty when unknown)."""
    stmt = select(HealthSystem.code, HealthSystem.ons_code, HealthSystem.name).where(HealthSystem.code == code)
    return _frame(session, stmt, ["code", "ons_code", "name"])


def boroughs(*, session: Session, system_code: str) -> pd.DataFrame:
    """Boroughs (places) of a system, by name: its own and those the areas template adds. Columns: code, name."""
    stmt = select(Borough.code, Borough.name).where(Borough.code.in_(system_borough_codes(system_code))).order_by(
        Borough.name
    )
    return _frame(session, stmt, ["code", "name"])


def neighbourhoods(*, session: Session, system_code: str) -> pd.DataFrame:
    """Neighbourhoods (2025 guidance) of the system's places, by name. Columns: code, name, borough_code."""
    stmt = select(Neighbourhood.code, Neighbourhood.name, Neighbourhood.borough_code).where(
        Neighbourhood.borough_code.in_(system_borough_codes(system_code))).order_by(Neighbourhood.name)
    return _frame(session, stmt, ["code", "name", "borough_code"])


def pcns(*, session: Session, system_code: str) -> pd.DataFrame:
    """PCNs of a system's footprint (``data/footprint.py``: ODS parent sub-ICB or borough, corrections applied),
    by borough then name: columns code, name, borough_code, borough (empty when the PCN has no borough yet)."""
    stmt = (
        select(Pcn.code, Pcn.name, Borough.code, Borough.name)
        .join(Borough, Borough.id == Pcn.borough_id, isouter=True)
        .where(Pcn.code.in_(system_pcn_codes(system_code)))
        .order_by(Borough.name, Pcn.name, Pcn.code)
    )
    return _frame(session, stmt, ["code", "name", "borough_code", "borough"])


def providers(*, session: Session, system_code: str) -> pd.DataFrame:
    """Providers (trusts) with any observation, the system's own first, then by name.

    Columns: code, name, in_system (True for a trust that counts towards ``system_code``'s totals).
    """
    with_data = select(KpiObservation.area_code).where(KpiObservation.level == AreaLevel.PROVIDER.value).distinct()
    stmt = (
        select(Provider.code, Provider.name, HealthSystem.code)
        .join(HealthSystem, HealthSystem.id == Provider.system_id, isouter=True)
        .where(Provider.code.in_(with_data))
        .order_by(Provider.name)
    )
    frame = _frame(session, stmt, ["code", "name", "system_code"])
    frame["in_system"] = frame["system_code"] == system_code
    return frame.sort_values("in_system", ascending=False, kind="stable")[["code", "name", "in_system"]].reset_index(
        drop=True
    )


FOOTPRINT_PRACTICE_COLUMNS = ["code", "name", "status", "open", "pcn_code", "borough_code", "commissioner_code"]


def system_practices(*, session: Session, system_code: str, open_only: bool = False) -> pd.DataFrame:
    """Practices of a system's footprint, any ODS status unless ``open_only`` (active, no close date; dormant
    practices are not open), by code. Columns: ``FOOTPRINT_PRACTICE_COLUMNS`` (``open`` is a bool)."""
    stmt = (
        select(Practice.code, Practice.name, Practice.status, practice_is_open(), Pcn.code, Borough.code,
               Practice.commissioner_code)
        .join(Pcn, Pcn.id == Practice.pcn_id, isouter=True)
        .join(Borough, Borough.id == Practice.borough_id, isouter=True)
        .where(Practice.code.in_(system_practice_codes(system_code)))
        .order_by(Practice.code)
    )
    if open_only:
        stmt = stmt.where(practice_is_open())
    frame = _frame(session, stmt, FOOTPRINT_PRACTICE_COLUMNS)
    frame["open"] = frame["open"].astype(bool)
    return frame


def system_pcns(*, session: Session, system_code: str, open_only: bool = False) -> pd.DataFrame:
    """PCNs of a system's footprint with their ODS parent and status: columns code, name, sub_icb_code, open,
    borough_code, by code."""
    stmt = (
        select(Pcn.code, Pcn.name, Pcn.sub_icb_code, pcn_is_open(), Borough.code)
        .join(Borough, Borough.id == Pcn.borough_id, isouter=True)
        .where(Pcn.code.in_(system_pcn_codes(system_code)))
        .order_by(Pcn.code)
    )
    if open_only:
        stmt = stmt.where(pcn_is_open())
    frame = _frame(session, stmt, ["code", "name", "sub_icb_code", "open", "borough_code"])
    frame["open"] = frame["open"].astype(bool)
    return frame


def system_footprint(*, session: Session, system_code: str) -> pd.DataFrame:
    """What a system is made of: one row per member (kind ``borough`` or ``sub_icb``, code), by kind and code."""
    places = [("borough", c) for c in session.execute(system_borough_codes(system_code)).scalars()]
    subs = [("sub_icb", c) for c in session.execute(system_sub_icb_codes(system_code)).scalars()]
    return pd.DataFrame(sorted(places + subs), columns=["kind", "code"])


def workstreams(*, session: Session) -> pd.DataFrame:
    """All workstreams, by name: columns code, name, description."""
    stmt = select(Workstream.code, Workstream.name, Workstream.description).order_by(Workstream.name)
    return _frame(session, stmt, ["code", "name", "description"])


KPI_CATALOGUE_COLUMNS = [
    "workstream_code",
    "workstream",
    "initiative_code",
    "initiative",
    "kpi_code",
    "kpi",
    "definition",
    "unit",
    "value_type",
    "multiplier",
    "polarity",
    "source",
    "baseline_value",
    "baseline_period",
    "target_value",
    "target_date",
    "validation_date",
    "numerator_definition",
    "denominator_definition",
    "caveats",
    "counts_people",
    "origin",
    "indicator_code",
    "publisher",
    "period_type",
    "sex",
    "age",
    "category_type",
    "category",
]
PUBLISHED_HEADING = "Published indicators"  # the workstream column of indicators that belong to no initiative


def _reads() -> Any:
    """KPI code -> the KPI id whose observations it shows (a subquery with columns code, data_id).

    A register KPI bound to a published indicator (``indicator_code``) reads that indicator's observations once
    it exists (read-through: nothing is copied, so a newer file is seen at once); every other KPI reads its own.
    """
    src = aliased(Kpi)
    return (
        select(Kpi.code.label("code"), func.coalesce(src.id, Kpi.id).label("data_id"))
        .join(src, src.code == Kpi.indicator_code, isouter=True)
        .subquery()
    )


def _data_ids(session: Session, kpi_codes: Sequence[str]) -> pd.DataFrame:
    """Columns code, data_id: the KPI id whose observations each of ``kpi_codes`` shows (``_reads``).

    Looked up first, so the observation queries filter ``kpi_observation.kpi_id`` by value and both planners
    seek the leading column of its indexes: joined to the ``_reads`` subquery instead, SQLite scanned the whole
    index (every observation) for a list of KPIs.
    """
    r = _reads()
    return _frame(session, select(r.c.code, r.c.data_id).where(r.c.code.in_(list(kpi_codes))), ["code", "data_id"])


def _data_id(session: Session, kpi_code: str) -> int | None:
    """The KPI id whose observations ``kpi_code`` shows, or None for an unknown code."""
    ids = _data_ids(session, [kpi_code])["data_id"]
    return int(ids.iloc[0]) if len(ids) else None


def kpi_catalogue(*, session: Session, workstream_code: str | None = None) -> pd.DataFrame:
    """KPI definitions with their workstream and initiative, ordered as the register shows them; then the
    published indicators (no initiative) under ``PUBLISHED_HEADING`` with their publisher as the initiative.

    Columns: ``KPI_CATALOGUE_COLUMNS`` plus ``levels`` (a tuple of the area levels the KPI is reported at; a
    bound register KPI without levels of its own takes its indicator's). A workstream filter keeps only that
    workstream's KPIs.
    """
    stmt = (
        select(
            Workstream.code,
            Workstream.name,
            Initiative.code,
            Initiative.name,
            Kpi.code,
            Kpi.name,
            Kpi.definition,
            Kpi.unit,
            Kpi.value_type,
            Kpi.multiplier,
            Kpi.polarity,
            Kpi.source,
            Kpi.baseline_value,
            Kpi.baseline_period,
            Kpi.target_value,
            Kpi.target_date,
            Kpi.validation_date,
            Kpi.numerator_definition,
            Kpi.denominator_definition,
            Kpi.caveats,
            Kpi.counts_people,
            Kpi.origin,
            Kpi.indicator_code,
            Kpi.publisher,
            Kpi.period_type,
            Kpi.sex,
            Kpi.age,
            Kpi.category_type,
            Kpi.category,
        )
        .join(Initiative, Initiative.id == Kpi.initiative_id, isouter=True)
        .join(Workstream, Workstream.id == Initiative.workstream_id, isouter=True)
        .order_by(Workstream.name.is_(None), Workstream.name, Initiative.name, Kpi.publisher, Kpi.name, Kpi.code)
    )
    if workstream_code:
        stmt = stmt.where(Workstream.code == workstream_code)
    frame = _frame(session, stmt, KPI_CATALOGUE_COLUMNS)
    published = frame["initiative_code"].isna()
    frame.loc[published, "workstream"] = PUBLISHED_HEADING
    frame.loc[published, "initiative"] = frame.loc[published, "publisher"].fillna("Published")
    frame["origin"] = frame["origin"].fillna("register")
    levels = session.execute(
        select(Kpi.code, KpiAreaLevel.level).join(KpiAreaLevel, KpiAreaLevel.kpi_id == Kpi.id)
    ).all()
    by_kpi: dict[str, list[str]] = {}
    for code, level in levels:
        by_kpi.setdefault(code, []).append(str(level))
    order = [lv.value for lv in AreaLevel]
    own = [by_kpi.get(c) or by_kpi.get(b or "", []) for c, b in zip(frame["kpi_code"], frame["indicator_code"],
                                                                    strict=True)]
    frame["levels"] = [tuple(sorted(lv, key=order.index)) for lv in own]
    return frame


SERIES_COLUMNS = ["kpi_code", "period_start", "period_end", "numerator", "denominator", "value", "lower_ci", "upper_ci"]


def _own_series(session: Session, level: str, area_code: str, kpi_codes: Sequence[str]) -> pd.DataFrame:
    o, ids = KpiObservation, _data_ids(session, kpi_codes)
    stmt = (
        select(o.kpi_id, o.period_start, o.period_end, o.numerator, o.denominator, o.value, o.lower_ci, o.upper_ci)
        .where(o.kpi_id.in_([int(i) for i in ids["data_id"].unique()]), o.level == level, o.area_code == area_code)
    )
    rows = _frame(session, stmt, ["data_id", *SERIES_COLUMNS[1:]])
    frame = ids.rename(columns={"code": "kpi_code"}).merge(rows, on="data_id").drop(columns="data_id")
    return frame.sort_values(["kpi_code", "period_start"], kind="stable").reset_index(drop=True)[SERIES_COLUMNS]


def _series_with_history(
    session: Session, level: str, area_code: str, kpi_codes: Sequence[str], seen: frozenset[str]
) -> pd.DataFrame:
    own = _own_series(session, level, area_code, kpi_codes)
    predecessors = session.execute(
        select(OrgSuccessor.predecessor_code, OrgSuccessor.effective_date).where(
            OrgSuccessor.level == level, OrgSuccessor.successor_code == area_code)
    ).all()
    parts = []
    for code, effective in predecessors:
        if code in seen:
            continue  # a cycle in the lookup: never follow it twice
        earlier = _series_with_history(session, level, code, kpi_codes, seen | {code})
        parts.append(earlier[earlier["period_start"] < effective])
    if not parts:
        return own
    kinds = _frame(session, select(Kpi.code, Kpi.value_type, Kpi.multiplier, Kpi.summable).where(
        Kpi.code.in_(list(kpi_codes))), ["kpi_code", "value_type", "multiplier", "summable"])
    return carry_history(own, pd.concat(parts, ignore_index=True), kinds)


def area_series(*, session: Session, level: AreaLevel | str, area_code: str, kpi_codes: Sequence[str]) -> pd.DataFrame:
    """Every period of the given KPIs for one area (the trajectory query), ordered by KPI and period.

    A successor (``org_successor``: practice, PCN or ICB mergers) carries its predecessors' history: before the
    succession's date its series is its own and its predecessors' rows, summed by the KPI's method where several
    hold a period (``data.rollups.carry_history``). Served by the unique index (kpi_id, level, area_code,
    period_start). Columns: ``SERIES_COLUMNS``.
    """
    if not kpi_codes:
        return pd.DataFrame(columns=SERIES_COLUMNS)
    return _series_with_history(session, str(level), area_code, kpi_codes, frozenset({area_code}))


def area_plans(*, session: Session, level: AreaLevel | str, area_code: str, kpi_codes: Sequence[str]) -> pd.DataFrame:
    """Planned trajectory values of the given KPIs for one area: columns kpi_code, period_start, value."""
    if not kpi_codes:
        return pd.DataFrame(columns=["kpi_code", "period_start", "value"])
    stmt = (
        select(Kpi.code, KpiPlan.period_start, KpiPlan.value)
        .join(Kpi, Kpi.id == KpiPlan.kpi_id)
        .where(Kpi.code.in_(list(kpi_codes)), KpiPlan.level == str(level), KpiPlan.area_code == area_code)
        .order_by(Kpi.code, KpiPlan.period_start)
    )
    return _frame(session, stmt, ["kpi_code", "period_start", "value"])


def kpi_period_across_areas(
    *, session: Session, kpi_code: str, level: AreaLevel | str, period_start: date
) -> pd.DataFrame:
    """One KPI and period across every area of a level (the funnel and map query).

    Served by the index (kpi_id, level, period_start). Columns: area_code, numerator, denominator, value.
    """
    o = KpiObservation
    stmt = (
        select(o.area_code, o.numerator, o.denominator, o.value)
        .where(o.kpi_id == _data_id(session, kpi_code), o.level == str(level), o.period_start == period_start)
        .order_by(o.area_code)
    )
    return _frame(session, stmt, ["area_code", "numerator", "denominator", "value"])


BENCHMARK_COLUMNS = ["period_start", "period_end", "value", "lower_ci", "upper_ci"]


def benchmark_series(
    *, session: Session, kpi_code: str, level: AreaLevel | str = AreaLevel.ENGLAND, area_code: str = "E92000001"
) -> pd.DataFrame:
    """The comparator a published indicator is judged against: its England value per period (or a region's, with
    ``level`` and ``area_code``), as the file published it, oldest first. Columns ``BENCHMARK_COLUMNS``; empty when
    the file had no such rows. A register KPI bound to an indicator reads the indicator's (``_reads``).
    """
    if AreaLevel(level) not in BENCHMARK_LEVELS:
        raise ValueError(f"{level!r} is not a benchmark level; use one of {', '.join(BENCHMARKS)}")
    o = KpiObservation
    stmt = (
        select(o.period_start, o.period_end, o.value, o.lower_ci, o.upper_ci)
        .where(o.kpi_id == _data_id(session, kpi_code), o.level == str(AreaLevel(level)), o.area_code == area_code)
        .order_by(o.period_start)
    )
    return _frame(session, stmt, BENCHMARK_COLUMNS)


def provenance(*, session: Session) -> pd.DataFrame:
    """What the database was loaded from: one row per successful import, newest first.

    Columns: source, file_name, finished_at, synthetic. The dashboard labels every page "synthetic demo data"
    while any loaded import is synthetic.
    """
    stmt = (
        select(ImportLog.source, ImportLog.file_name, ImportLog.finished_at, ImportLog.synthetic)
        .where(ImportLog.status == ImportStatus.LOADED.value)
        .order_by(ImportLog.finished_at.desc())
    )
    return _frame(session, stmt, ["source", "file_name", "finished_at", "synthetic"])


def data_version(*, session: Session) -> tuple[int, int, str]:
    """A fingerprint of what has been loaded: (number of imports, newest import id, newest finish time).

    It changes when any process finishes an import (or the database is rebuilt), so an instance can tell that
    its cached query results are stale. One aggregate over the import log's primary key: cheap to ask often.
    """
    count, newest, finished = session.execute(
        select(func.count(), func.max(ImportLog.id), func.max(ImportLog.finished_at))
    ).one()
    return int(count), int(newest or 0), str(finished or "")


BENCHMARKS = [lv.value for lv in BENCHMARK_LEVELS]


def latest_period(*, session: Session) -> date | None:
    """The end of the latest period with any KPI observation of the footprint's areas (the dashboard's data date;
    England and region benchmarks, which may be published ahead of the areas, do not count).

    Read from the stored coverage summary (``kpi_coverage``, refreshed with every import: ``data/coverage.py``),
    not by scanning every observation.
    """
    return session.execute(select(func.max(KpiCoverage.period_end)).where(
        KpiCoverage.level.not_in(BENCHMARKS))).scalar_one_or_none()


def kpi_periods(*, session: Session, kpi_code: str) -> pd.DataFrame:
    """The periods a KPI has observations of areas for (benchmark-only periods left out), newest first: columns
    period_start, period_end (from the stored coverage summary, ``kpi_coverage``)."""
    o, r = KpiCoverage, _reads()
    stmt = (
        select(o.period_start, o.period_end)
        .join(r, r.c.data_id == o.kpi_id)
        .where(r.c.code == kpi_code, o.level.not_in(BENCHMARKS))
        .distinct()
        .order_by(o.period_start.desc())
    )
    return _frame(session, stmt, ["period_start", "period_end"])


def area_names(
    *, session: Session, level: AreaLevel | str, system_code: str, period: tuple[date, date] | None = None
) -> pd.DataFrame:
    """Areas of a level in a system with the PCN and borough they sit in.

    Columns: area_code, name, pcn_code, pcn, borough_code, borough (PCN columns empty above PCN level). With
    ``period`` (start, end) a practice's PCN is the one it belonged to then (the dated ePCN membership in force at
    the period's end, as roll-ups count it), not today's: a 2020-21 funnel names 2020-21's PCNs.
    """
    names = _area_names(session=session, level=level, system_code=system_code)
    if period is None or AreaLevel(level) != AreaLevel.PRACTICE or names.empty:
        return names
    dated = practice_pcns_in(session=session, practice_codes=names["area_code"].tolist(), period=period)
    return names.drop(columns=["pcn_code", "pcn"]).merge(dated, on="area_code", how="left")[names.columns]


def practice_pcns_in(*, session: Session, practice_codes: Sequence[str], period: tuple[date, date]) -> pd.DataFrame:
    """The PCN each practice counted towards in ``period``: columns area_code, pcn_code, pcn (name).

    The same rule as roll-ups (``data.rollups.pcn_for_periods``): analyst corrections win, then the dated
    membership in force at the period's end, then today's PCN for a practice with no membership history.
    """
    codes = list(practice_codes)
    current = _frame(session, select(Practice.code, Pcn.code).join(Pcn, Pcn.id == Practice.pcn_id, isouter=True)
                     .where(Practice.code.in_(codes)), ["practice_code", "pcn_code"]).set_index("practice_code")
    memberships = _frame(session, select(PcnMembership.practice_code, PcnMembership.pcn_code,
                                         PcnMembership.start_date, PcnMembership.end_date)
                         .where(PcnMembership.practice_code.in_(codes)),
                         ["practice_code", "pcn_code", "start_date", "end_date"])
    overrides = _frame(session, select(LinkCorrection.code, LinkCorrection.pcn_code).where(
        LinkCorrection.level == "practice", LinkCorrection.pcn_code.is_not(None), LinkCorrection.code.in_(codes)),
        ["code", "pcn_code"]).set_index("code")["pcn_code"]
    asked = pd.DataFrame({"practice_code": codes, "period_start": period[0], "period_end": period[1]})
    asked["pcn_code"] = pcn_for_periods(asked, memberships, current["pcn_code"], overrides)
    pcn_names = _frame(session, select(Pcn.code, Pcn.name).where(Pcn.code.in_(asked["pcn_code"].dropna().unique()
                                                                               .tolist())), ["pcn_code", "pcn"])
    return asked[["practice_code", "pcn_code"]].rename(columns={"practice_code": "area_code"}).merge(
        pcn_names, on="pcn_code", how="left")


def _area_names(*, session: Session, level: AreaLevel | str, system_code: str) -> pd.DataFrame:
    """``area_names`` as the register holds them today."""
    level = AreaLevel(level)
    columns = ["area_code", "name", "pcn_code", "pcn", "borough_code", "borough"]
    places = system_borough_codes(system_code)
    in_system = HealthSystem.code == system_code
    if level == AreaLevel.PRACTICE:
        stmt = (
            select(Practice.code, Practice.name, Pcn.code, Pcn.name, Borough.code, Borough.name)
            .join(Borough, Borough.id == Practice.borough_id, isouter=True)
            .join(Pcn, Pcn.id == Practice.pcn_id, isouter=True)
            .where(Practice.code.in_(system_practice_codes(system_code)))
        )
    elif level == AreaLevel.CARE_HOME:
        stmt = (
            select(CareHome.cqc_location_id, CareHome.name, Pcn.code, Pcn.name, Borough.code, Borough.name)
            .join(Borough, Borough.id == CareHome.borough_id)
            .join(Pcn, Pcn.id == CareHome.pcn_id, isouter=True)
            .where(Borough.code.in_(places))
        )
    elif level == AreaLevel.PCN:
        stmt = (
            select(Pcn.code, Pcn.name, Pcn.code, Pcn.name, Borough.code, Borough.name)
            .join(Borough, Borough.id == Pcn.borough_id, isouter=True)
            .where(Pcn.code.in_(system_pcn_codes(system_code)))
        )
    elif level == AreaLevel.BOROUGH:
        stmt = select(Borough.code, Borough.name, None, None, Borough.code, Borough.name).where(
            Borough.code.in_(places))
    elif level == AreaLevel.NEIGHBOURHOOD:
        stmt = (
            select(Neighbourhood.code, Neighbourhood.name, None, None, Borough.code, Borough.name)
            .join(Borough, Borough.code == Neighbourhood.borough_code)
            .where(Borough.code.in_(places))
        )
    elif level == AreaLevel.PROVIDER:  # the trusts counted towards the system's totals (providers template)
        stmt = (
            select(Provider.code, Provider.name, None, None, None, None)
            .join(HealthSystem, HealthSystem.id == Provider.system_id)
            .where(in_system)
        )
        return _frame(session, stmt, columns)
    else:
        stmt = select(HealthSystem.code, HealthSystem.name, None, None, None, None).where(
            HealthSystem.code == system_code)
    return _frame(session, stmt, columns)


def level_series(*, session: Session, kpi_code: str, level: AreaLevel | str) -> pd.DataFrame:
    """Every area's series of one KPI at a level (small multiples): ``SERIES_COLUMNS`` with area_code first."""
    o = KpiObservation
    stmt = (
        select(
            o.area_code,
            literal(kpi_code),
            o.period_start,
            o.period_end,
            o.numerator,
            o.denominator,
            o.value,
            o.lower_ci,
            o.upper_ci,
        )
        .where(o.kpi_id == _data_id(session, kpi_code), o.level == str(level))
        .order_by(o.area_code, o.period_start)
    )
    return _frame(session, stmt, ["area_code", *SERIES_COLUMNS])


def level_plans(*, session: Session, kpi_code: str, level: AreaLevel | str) -> pd.DataFrame:
    """Every area's planned trajectory of one KPI at a level: columns area_code, period_start, value."""
    stmt = (
        select(KpiPlan.area_code, KpiPlan.period_start, KpiPlan.value)
        .join(Kpi, Kpi.id == KpiPlan.kpi_id)
        .where(Kpi.code == kpi_code, KpiPlan.level == str(level))
        .order_by(KpiPlan.area_code, KpiPlan.period_start)
    )
    return _frame(session, stmt, ["area_code", "period_start", "value"])


KPI_FRESHNESS_COLUMNS = ["kpi_code", "latest_period_end", "imported_at", "first_period_start", "values",
                         "levels_with_data"]


def kpi_freshness(*, session: Session) -> pd.DataFrame:
    """Per KPI with data: its coverage and freshness, from the stored coverage summary (``kpi_coverage``,
    refreshed with every import), so this never scans the observations (issue 14: About's first view).

    Columns: ``KPI_FRESHNESS_COLUMNS``: the latest period end, when its data was last imported (the newest finish
    of an import that wrote its rows), the first period start, the number of values (rows with a value, at every
    level) and ``levels_with_data`` (a tuple of the levels it has rows at, in ``AreaLevel`` order).
    """
    c, r = KpiCoverage, _reads()
    stmt = (
        select(r.c.code, func.max(c.period_end), func.max(ImportLog.finished_at), func.min(c.period_start),
               func.sum(c.valued))
        .join(c, c.kpi_id == r.c.data_id)
        .join(ImportLog, ImportLog.id == c.import_id, isouter=True)
        .where(c.level.not_in(BENCHMARKS))
        .group_by(r.c.code)
    )
    frame = _frame(session, stmt, KPI_FRESHNESS_COLUMNS[:-1])
    levels = _frame(session, select(r.c.code, c.level).join(c, c.kpi_id == r.c.data_id)
                    .where(c.level.not_in(BENCHMARKS)).distinct(), ["kpi_code", "level"])
    order = {level.value: rank for rank, level in enumerate(AreaLevel)}
    by_kpi = levels.groupby("kpi_code")["level"].agg(lambda ls: tuple(sorted(set(ls), key=order.get)))
    frame["values"] = frame["values"].fillna(0).astype(int)
    frame["levels_with_data"] = [by_kpi.get(code, ()) for code in frame["kpi_code"]]
    return frame[KPI_FRESHNESS_COLUMNS]


# ------------------------------------------------------------------------------------- maps and care homes (issue 6)

BOUNDARY_COLUMNS = ["code", "name", "display_wkb", "min_lon", "min_lat", "max_lon", "max_lat", "vintage", "source"]


def boundaries(*, session: Session, level: AreaLevel | str, system_code: str) -> pd.DataFrame:
    """Display-simplified boundaries of the boroughs, PCNs or the system itself, newest vintage per area.

    Columns: ``BOUNDARY_COLUMNS`` (``display_wkb`` is WKB in EPSG:4326; decode it with ``geo.layers``).
    """

    level = AreaLevel(level)
    b = Boundary
    stmt = select(b.code, b.name, b.display_wkb, b.min_lon, b.min_lat, b.max_lon, b.max_lat, b.vintage, b.source)
    if level == AreaLevel.PCN:
        codes = system_pcn_codes(system_code)
    elif level == AreaLevel.BOROUGH:
        codes = system_borough_codes(system_code)
    else:
        codes = select(HealthSystem.code).where(HealthSystem.code == system_code)
    stmt = stmt.where(b.level == level.value, b.code.in_(codes)).order_by(b.code, b.vintage)
    frame = _frame(session, stmt, BOUNDARY_COLUMNS)
    indicative = frame["vintage"].eq("indicative")  # a derived catchment yields to any other boundary of the PCN
    frame = frame.assign(_derived=indicative).sort_values(["code", "_derived", "vintage"],
                                                          ascending=[True, False, True])
    return frame.drop_duplicates("code", keep="last").drop(columns="_derived").reset_index(drop=True)


PRACTICE_POINT_COLUMNS = [
    "code",
    "name",
    "latitude",
    "longitude",
    "pcn_code",
    "pcn",
    "borough_code",
    "borough",
    "patients",
]


def practice_points(*, session: Session, system_code: str) -> pd.DataFrame:
    """Open practices (active, no close date) of a system's footprint with a location, their PCN and borough
    and latest list size.

    Columns: ``PRACTICE_POINT_COLUMNS`` (``patients`` empty when no list size is loaded).
    """

    latest = (
        select(PracticeListSize.practice_id, func.max(PracticeListSize.extract_date).label("extract_date"))
        .group_by(PracticeListSize.practice_id)
        .subquery()
    )
    stmt = (
        select(
            Practice.code,
            Practice.name,
            Practice.latitude,
            Practice.longitude,
            Pcn.code,
            Pcn.name,
            Borough.code,
            Borough.name,
            PracticeListSize.patients,
        )
        .join(Borough, Borough.id == Practice.borough_id, isouter=True)
        .join(Pcn, Pcn.id == Practice.pcn_id, isouter=True)
        .join(latest, latest.c.practice_id == Practice.id, isouter=True)
        .join(
            PracticeListSize,
            (PracticeListSize.practice_id == Practice.id) & (PracticeListSize.extract_date == latest.c.extract_date),
            isouter=True,
        )
        .where(
            Practice.code.in_(system_practice_codes(system_code)),
            Practice.latitude.is_not(None),
            Practice.longitude.is_not(None),
            practice_is_open(),
        )
        .order_by(Practice.code)
    )
    return _frame(session, stmt, PRACTICE_POINT_COLUMNS)


CARE_HOME_COLUMNS = [
    "cqc_location_id",
    "name",
    "beds",
    "care_type",
    "cqc_rating",
    "rating_date",
    "postcode",
    "latitude",
    "longitude",
    "pcn_code",
    "pcn",
    "borough_code",
    "borough",
    "aligned_practice_code",
    "aligned_practice",
]


def care_homes(*, session: Session, system_code: str) -> pd.DataFrame:
    """Care homes of a system with beds, type, CQC rating, location, PCN, borough and named GP practice.

    Columns: ``CARE_HOME_COLUMNS``; ``aligned_practice_code`` is empty for a home without a named GP practice
    (Enhanced Health in Care Homes alignment). Ordered by borough, PCN and name.
    """
    aligned = aliased(Practice)
    stmt = (
        select(
            CareHome.cqc_location_id,
            CareHome.name,
            CareHome.beds,
            CareHome.care_type,
            CareHome.cqc_rating,
            CareHome.rating_date,
            CareHome.postcode,
            CareHome.latitude,
            CareHome.longitude,
            Pcn.code,
            Pcn.name,
            Borough.code,
            Borough.name,
            aligned.code,
            aligned.name,
        )
        .join(Borough, Borough.id == CareHome.borough_id)
        .join(Pcn, Pcn.id == CareHome.pcn_id, isouter=True)
        .join(aligned, aligned.id == CareHome.aligned_practice_id, isouter=True)
        .where(Borough.code.in_(system_borough_codes(system_code)))
        .order_by(Borough.name, Pcn.name, CareHome.name)
    )
    return _frame(session, stmt, CARE_HOME_COLUMNS)


def kpi_window_across_areas(
    *, session: Session, kpi_code: str, level: AreaLevel | str, first_period: date, last_period: date
) -> pd.DataFrame:
    """One KPI summed over the periods starting from ``first_period`` to ``last_period`` (inclusive), per area.

    For pooling months into a year (e.g. care-home admissions per bed over 12 months). Columns: area_code,
    numerator, denominator (sums), periods (how many periods were summed).
    """
    o = KpiObservation
    stmt = (
        select(o.area_code, func.sum(o.numerator), func.sum(o.denominator), func.count(o.id))
        .where(
            o.kpi_id == _data_id(session, kpi_code),
            o.level == str(level),
            o.period_start >= first_period,
            o.period_start <= last_period,
        )
        .group_by(o.area_code)
        .order_by(o.area_code)
    )
    return _frame(session, stmt, ["area_code", "numerator", "denominator", "periods"])


# ------------------------------------------------------------------------ programme delivery (issue 8: finance, risks)

FINANCE_LINE_COLUMNS = [
    "workstream_code",
    "workstream",
    "initiative_code",
    "initiative",
    "borough_code",
    "borough",
    "financial_year",
    "scenario",
    "recurrent",
    "investment",
    "gross_saving",
    "net_saving",
]


def finance_lines(*, session: Session) -> pd.DataFrame:
    """Every finance line (plan and actual £) with its initiative, workstream and the initiative's borough.

    Columns: ``FINANCE_LINE_COLUMNS``; ``financial_year`` is the start year (2019 means 2019/20); ``borough_code``
    is empty for a system-wide initiative. Ordered by workstream, initiative, year, scenario.
    """

    f = FinanceLine
    stmt = (
        select(
            Workstream.code,
            Workstream.name,
            Initiative.code,
            Initiative.name,
            Borough.code,
            Borough.name,
            f.financial_year,
            f.scenario,
            f.recurrent,
            f.investment,
            f.gross_saving,
            f.net_saving,
        )
        .join(Initiative, Initiative.id == f.initiative_id)
        .join(Workstream, Workstream.id == Initiative.workstream_id)
        .join(Borough, Borough.id == Initiative.borough_id, isouter=True)
        .order_by(Workstream.code, Initiative.code, f.financial_year, f.scenario, f.recurrent)
    )
    frame = _frame(session, stmt, FINANCE_LINE_COLUMNS)
    frame["recurrent"] = frame["recurrent"].astype(bool)
    return frame


ACTIVITY_COLUMNS = [
    "workstream_code",
    "workstream",
    "initiative_code",
    "initiative",
    "borough_code",
    "borough",
    "financial_year",
    "point_of_delivery",
    "scenario",
    "change",
    "evidence_kpi_code",
    "evidence_kpi",
]


def activity_changes(*, session: Session) -> pd.DataFrame:
    """Planned and actual activity change by initiative, year and point of delivery, with the evidencing KPI.

    Columns: ``ACTIVITY_COLUMNS`` (``change`` negative = less activity; evidence columns empty when no KPI is
    linked; ``borough_code`` empty for a system-wide initiative).
    """

    a = ActivityChange
    stmt = (
        select(
            Workstream.code,
            Workstream.name,
            Initiative.code,
            Initiative.name,
            Borough.code,
            Borough.name,
            a.financial_year,
            a.point_of_delivery,
            a.scenario,
            a.change,
            Kpi.code,
            Kpi.name,
        )
        .join(Initiative, Initiative.id == a.initiative_id)
        .join(Workstream, Workstream.id == Initiative.workstream_id)
        .join(Borough, Borough.id == Initiative.borough_id, isouter=True)
        .join(Kpi, Kpi.id == a.evidence_kpi_id, isouter=True)
        .order_by(Workstream.code, Initiative.code, a.financial_year, a.point_of_delivery, a.scenario)
    )
    return _frame(session, stmt, ACTIVITY_COLUMNS)


MILESTONE_COLUMNS = [
    "workstream_code",
    "workstream",
    "initiative_code",
    "initiative",
    "code",
    "name",
    "owner",
    "borough_code",
    "borough",
    "planned_date",
    "actual_date",
]


def milestones(*, session: Session) -> pd.DataFrame:
    """Delivery milestones with planned and actual dates, owner, initiative and workstream.

    Columns: ``MILESTONE_COLUMNS``; the borough is the milestone's own, else its initiative's (empty for a
    system-wide milestone). Ordered by planned date.
    """

    m = Milestone
    own, parent = aliased(Borough), aliased(Borough)
    stmt = (
        select(
            Workstream.code,
            Workstream.name,
            Initiative.code,
            Initiative.name,
            m.code,
            m.name,
            m.owner,
            own.code,
            own.name,
            parent.code,
            parent.name,
            m.planned_date,
            m.actual_date,
        )
        .join(Initiative, Initiative.id == m.initiative_id)
        .join(Workstream, Workstream.id == Initiative.workstream_id)
        .join(own, own.id == m.borough_id, isouter=True)
        .join(parent, parent.id == Initiative.borough_id, isouter=True)
        .order_by(m.planned_date, Initiative.code, m.code)
    )
    raw = _frame(
        session,
        stmt,
        [*MILESTONE_COLUMNS[:7], "own_code", "own_name", "parent_code", "parent_name", "planned_date", "actual_date"],
    )
    raw["borough_code"] = raw["own_code"].where(raw["own_code"].notna(), raw["parent_code"])
    raw["borough"] = raw["own_name"].where(raw["own_code"].notna(), raw["parent_name"])
    return raw[MILESTONE_COLUMNS]


RISK_COLUMNS = [
    "code",
    "title",
    "description",
    "workstream_code",
    "workstream",
    "initiative_code",
    "initiative",
    "borough_code",
    "borough",
    "kpi_code",
    "kpi",
    "owner",
    "likelihood",
    "impact",
    "mitigation",
    "revised_likelihood",
    "revised_impact",
    "escalation",
    "raised_date",
]


def risks(*, session: Session) -> pd.DataFrame:
    """The risk register with what each risk threatens (initiative, its borough, KPI). Columns: ``RISK_COLUMNS``."""

    r = Risk
    stmt = (
        select(
            r.code,
            r.title,
            r.description,
            Workstream.code,
            Workstream.name,
            Initiative.code,
            Initiative.name,
            Borough.code,
            Borough.name,
            Kpi.code,
            Kpi.name,
            r.owner,
            r.likelihood,
            r.impact,
            r.mitigation,
            r.revised_likelihood,
            r.revised_impact,
            r.escalation,
            r.raised_date,
        )
        .join(Workstream, Workstream.id == r.workstream_id)
        .join(Initiative, Initiative.id == r.initiative_id, isouter=True)
        .join(Borough, Borough.id == Initiative.borough_id, isouter=True)
        .join(Kpi, Kpi.id == r.kpi_id, isouter=True)
        .order_by(r.code)
    )
    return _frame(session, stmt, RISK_COLUMNS)


def risk_reviews(*, session: Session) -> pd.DataFrame:
    """Every dated re-scoring of every risk, oldest first.

    Columns: risk_code, review_date, likelihood, impact, revised_likelihood, revised_impact.
    """

    v = RiskReview
    stmt = (
        select(Risk.code, v.review_date, v.likelihood, v.impact, v.revised_likelihood, v.revised_impact)
        .join(Risk, Risk.id == v.risk_id)
        .order_by(Risk.code, v.review_date)
    )
    return _frame(
        session, stmt, ["risk_code", "review_date", "likelihood", "impact", "revised_likelihood", "revised_impact"]
    )


def programme_data_date(*, session: Session) -> date | None:
    """The programme pages' data date: the latest actual milestone, risk review or KPI observation period end."""

    found = [
        session.execute(select(func.max(Milestone.actual_date))).scalar_one_or_none(),
        session.execute(select(func.max(RiskReview.review_date))).scalar_one_or_none(),
        latest_period(session=session),
    ]
    known = [d for d in found if d is not None]
    return max(known) if known else None


LSOA_COLUMNS = [*BOUNDARY_COLUMNS, "borough_code", "imd_decile", "imd_rank", "imd_vintage"]


def lsoa_deprivation(*, session: Session, system_code: str) -> pd.DataFrame:
    """LSOAs lying in the system's boroughs (newest boundary vintage) with their IMD decile and rank when loaded.

    Columns: ``LSOA_COLUMNS``; ``borough_code`` is the borough holding the LSOA's representative point, and
    ``imd_decile`` is empty where no deprivation row matches (1 = most deprived 10% of LSOAs in England).
    """
    boroughs = _frame(session, select(Boundary.code, Boundary.display_wkb, Boundary.vintage)
                      .join(Borough, Borough.code == Boundary.code)
                      .join(HealthSystem, HealthSystem.id == Borough.system_id)
                      .where(Boundary.level == AreaLevel.BOROUGH.value, HealthSystem.code == system_code)
                      .order_by(Boundary.code, Boundary.vintage), ["code", "wkb", "vintage"])
    boroughs = boroughs.drop_duplicates("code", keep="last")
    if boroughs.empty:
        return pd.DataFrame(columns=LSOA_COLUMNS)
    shapes = shapely.from_wkb(boroughs["wkb"].map(bytes).to_numpy())
    min_lon, min_lat, max_lon, max_lat = shapely.total_bounds(shapes)
    b = Boundary
    stmt = (select(b.code, b.name, b.display_wkb, b.min_lon, b.min_lat, b.max_lon, b.max_lat, b.vintage, b.source)
            .where(b.level == AreaLevel.LSOA.value, b.max_lon >= min_lon, b.min_lon <= max_lon,
                   b.max_lat >= min_lat, b.min_lat <= max_lat).order_by(b.code, b.vintage))
    lsoas = _frame(session, stmt, BOUNDARY_COLUMNS).drop_duplicates("code", keep="last").reset_index(drop=True)
    if lsoas.empty:
        return pd.DataFrame(columns=LSOA_COLUMNS)
    points = representative_points(shapely.from_wkb(lsoas["display_wkb"].map(bytes).to_numpy()))
    lsoas["borough_code"] = None
    for code, shape in zip(boroughs["code"], shapes, strict=True):
        inside = shapely.contains_xy(shape, points[:, 0], points[:, 1]) & lsoas["borough_code"].isna().to_numpy()
        lsoas.loc[inside, "borough_code"] = code
    lsoas = lsoas.dropna(subset=["borough_code"])
    imd = _frame(session, select(LsoaDeprivation.lsoa_code, LsoaDeprivation.imd_decile, LsoaDeprivation.imd_rank,
                                 LsoaDeprivation.vintage)
                 .where(LsoaDeprivation.lsoa_code.in_(lsoas["code"].tolist()), LsoaDeprivation.imd_decile.is_not(None))
                 .order_by(LsoaDeprivation.lsoa_code, LsoaDeprivation.vintage),
                 ["code", "imd_decile", "imd_rank", "imd_vintage"]).drop_duplicates("code", keep="last")
    return lsoas.merge(imd, on="code", how="left")[LSOA_COLUMNS].reset_index(drop=True)


PRACTICE_DEPRIVATION_COLUMNS = ["area_code", "lsoa_code", "imd_decile", "imd_quintile"]


def practice_deprivation(*, session: Session, system_code: str) -> pd.DataFrame:
    """Each located open practice's deprivation from the LSOA its point falls in (IMD decile, quintile 1-5).

    Quintile 1 is the most deprived fifth of LSOAs in England (deciles 1-2). A registration-weighted practice
    IMD needs registrations by LSOA, which the database does not hold; the practice's own LSOA is the proxy.
    Columns: ``PRACTICE_DEPRIVATION_COLUMNS`` (practices without a matched LSOA are left out).
    """
    lsoas = lsoa_deprivation(session=session, system_code=system_code).dropna(subset=["imd_decile"])
    practices = practice_points(session=session, system_code=system_code)
    if lsoas.empty or practices.empty:
        return pd.DataFrame(columns=PRACTICE_DEPRIVATION_COLUMNS)
    areas = pd.DataFrame({"code": lsoas["code"], "geometry": shapely.from_wkb(lsoas["display_wkb"].map(bytes))})
    practices["lsoa_code"] = locate_points(practices, areas).to_numpy()
    out = practices.dropna(subset=["lsoa_code"]).merge(lsoas[["code", "imd_decile"]], left_on="lsoa_code",
                                                        right_on="code")
    out["imd_decile"] = out["imd_decile"].astype(int)
    out["imd_quintile"] = (out["imd_decile"] + 1) // 2
    return out.rename(columns={"code_x": "area_code"})[PRACTICE_DEPRIVATION_COLUMNS].reset_index(drop=True)
