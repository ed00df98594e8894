"""One function per question the UI asks. Keyword-only session; each returns a documented DataFrame.

No Streamlit here (``data/cache.py`` wraps these for the pages). Frames, not ORM objects, leave this module,
so nothing downstream holds a session or a detached instance.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import pandas as pd
import shapely
from sqlalchemy import func, select
from sqlalchemy.orm import aliased
from sqlmodel import Session

from geo.catchments import locate_points, representative_points
from models import (
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
    KpiObservation,
    KpiPlan,
    LsoaDeprivation,
    Milestone,
    Pcn,
    Practice,
    PracticeListSize,
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
    """Boroughs of a system, by name: columns code, name."""
    stmt = (
        select(Borough.code, Borough.name)
        .join(HealthSystem, HealthSystem.id == Borough.system_id)
        .where(HealthSystem.code == system_code)
        .order_by(Borough.name)
    )
    return _frame(session, stmt, ["code", "name"])


def pcns(*, session: Session, system_code: str) -> pd.DataFrame:
    """PCNs of a system, by borough then name: columns code, name, borough_code, borough."""
    stmt = (
        select(Pcn.code, Pcn.name, Borough.code, Borough.name)
        .join(Borough, Borough.id == Pcn.borough_id)
        .join(HealthSystem, HealthSystem.id == Borough.system_id)
        .where(HealthSystem.code == system_code)
        .order_by(Borough.name, Pcn.name, Pcn.code)
    )
    return _frame(session, stmt, ["code", "name", "borough_code", "borough"])


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
]


def kpi_catalogue(*, session: Session, workstream_code: str | None = None) -> pd.DataFrame:
    """KPI definitions with their workstream and initiative, ordered as the register shows them.

    Columns: ``KPI_CATALOGUE_COLUMNS`` plus ``levels`` (a tuple of the area levels the KPI is reported at).
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
        )
        .join(Initiative, Initiative.id == Kpi.initiative_id)
        .join(Workstream, Workstream.id == Initiative.workstream_id)
        .order_by(Workstream.name, Initiative.name, Kpi.name)
    )
    if workstream_code:
        stmt = stmt.where(Workstream.code == workstream_code)
    frame = _frame(session, stmt, KPI_CATALOGUE_COLUMNS)
    levels = session.execute(
        select(Kpi.code, KpiAreaLevel.level).join(KpiAreaLevel, KpiAreaLevel.kpi_id == Kpi.id)
    ).all()
    by_kpi: dict[str, list[str]] = {}
    for code, level in levels:
        by_kpi.setdefault(code, []).append(str(level))
    order = [lv.value for lv in AreaLevel]
    frame["levels"] = [tuple(sorted(by_kpi.get(c, []), key=order.index)) for c in frame["kpi_code"]]
    return frame


SERIES_COLUMNS = ["kpi_code", "period_start", "period_end", "numerator", "denominator", "value", "lower_ci", "upper_ci"]


def area_series(*, session: Session, level: AreaLevel | str, area_code: str, kpi_codes: Sequence[str]) -> pd.DataFrame:
    """Every period of the given KPIs for one area (the trajectory query), ordered by KPI and period.

    Served by the unique index (kpi_id, level, area_code, period_start). Columns: ``SERIES_COLUMNS``.
    """
    if not kpi_codes:
        return pd.DataFrame(columns=SERIES_COLUMNS)
    o = KpiObservation
    stmt = (
        select(Kpi.code, o.period_start, o.period_end, o.numerator, o.denominator, o.value, o.lower_ci, o.upper_ci)
        .join(Kpi, Kpi.id == o.kpi_id)
        .where(Kpi.code.in_(list(kpi_codes)), o.level == str(level), o.area_code == area_code)
        .order_by(Kpi.code, o.period_start)
    )
    return _frame(session, stmt, SERIES_COLUMNS)


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
        .join(Kpi, Kpi.id == o.kpi_id)
        .where(Kpi.code == kpi_code, o.level == str(level), o.period_start == period_start)
        .order_by(o.area_code)
    )
    return _frame(session, stmt, ["area_code", "numerator", "denominator", "value"])


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


def latest_period(*, session: Session) -> date | None:
    """The end of the latest period with any KPI observation (the dashboard's data date)."""
    return session.execute(select(func.max(KpiObservation.period_end))).scalar_one_or_none()


def kpi_periods(*, session: Session, kpi_code: str) -> pd.DataFrame:
    """The periods a KPI has observations for, newest first: columns period_start, period_end."""
    o = KpiObservation
    stmt = (
        select(o.period_start, o.period_end)
        .join(Kpi, Kpi.id == o.kpi_id)
        .where(Kpi.code == kpi_code)
        .distinct()
        .order_by(o.period_start.desc())
    )
    return _frame(session, stmt, ["period_start", "period_end"])


def area_names(*, session: Session, level: AreaLevel | str, system_code: str) -> pd.DataFrame:
    """Areas of a level in a system with the PCN and borough they sit in.

    Columns: area_code, name, pcn_code, pcn, borough_code, borough (PCN columns empty above PCN level).
    """
    level = AreaLevel(level)
    columns = ["area_code", "name", "pcn_code", "pcn", "borough_code", "borough"]
    in_system = HealthSystem.code == system_code
    if level == AreaLevel.PRACTICE:
        stmt = (
            select(Practice.code, Practice.name, Pcn.code, Pcn.name, Borough.code, Borough.name)
            .join(Borough, Borough.id == Practice.borough_id)
            .join(Pcn, Pcn.id == Practice.pcn_id, isouter=True)
        )
    elif level == AreaLevel.CARE_HOME:
        stmt = (
            select(CareHome.cqc_location_id, CareHome.name, Pcn.code, Pcn.name, Borough.code, Borough.name)
            .join(Borough, Borough.id == CareHome.borough_id)
            .join(Pcn, Pcn.id == CareHome.pcn_id, isouter=True)
        )
    elif level == AreaLevel.PCN:
        stmt = select(Pcn.code, Pcn.name, Pcn.code, Pcn.name, Borough.code, Borough.name).join(
            Borough, Borough.id == Pcn.borough_id
        )
    elif level == AreaLevel.BOROUGH:
        stmt = select(Borough.code, Borough.name, None, None, Borough.code, Borough.name)
    else:
        stmt = select(HealthSystem.code, HealthSystem.name, None, None, None, None).where(in_system)
        return _frame(session, stmt, columns)
    stmt = stmt.join(HealthSystem, HealthSystem.id == Borough.system_id).where(in_system)
    return _frame(session, stmt, columns)


def level_series(*, session: Session, kpi_code: str, level: AreaLevel | str) -> pd.DataFrame:
    """Every area's series of one KPI at a level (small multiples): ``SERIES_COLUMNS`` with area_code first."""
    o = KpiObservation
    stmt = (
        select(
            o.area_code,
            Kpi.code,
            o.period_start,
            o.period_end,
            o.numerator,
            o.denominator,
            o.value,
            o.lower_ci,
            o.upper_ci,
        )
        .join(Kpi, Kpi.id == o.kpi_id)
        .where(Kpi.code == kpi_code, o.level == str(level))
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


def kpi_freshness(*, session: Session) -> pd.DataFrame:
    """Per KPI: the latest period it has data for and when that data was last imported.

    Columns: kpi_code, latest_period_end, imported_at.
    """
    o = KpiObservation
    stmt = (
        select(Kpi.code, func.max(o.period_end), func.max(ImportLog.finished_at))
        .join(o, o.kpi_id == Kpi.id)
        .join(ImportLog, ImportLog.id == o.import_id, isouter=True)
        .group_by(Kpi.code)
    )
    return _frame(session, stmt, ["kpi_code", "latest_period_end", "imported_at"])


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
        codes = select(Pcn.code).join(Borough, Borough.id == Pcn.borough_id)
        codes = codes.join(HealthSystem, HealthSystem.id == Borough.system_id).where(HealthSystem.code == system_code)
    elif level == AreaLevel.BOROUGH:
        codes = select(Borough.code).join(HealthSystem, HealthSystem.id == Borough.system_id)
        codes = codes.where(HealthSystem.code == system_code)
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
    """Open practices of a system with a location, their PCN and borough and latest list size.

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
        .join(Borough, Borough.id == Practice.borough_id)
        .join(HealthSystem, HealthSystem.id == Borough.system_id)
        .join(Pcn, Pcn.id == Practice.pcn_id, isouter=True)
        .join(latest, latest.c.practice_id == Practice.id, isouter=True)
        .join(
            PracticeListSize,
            (PracticeListSize.practice_id == Practice.id) & (PracticeListSize.extract_date == latest.c.extract_date),
            isouter=True,
        )
        .where(
            HealthSystem.code == system_code,
            Practice.latitude.is_not(None),
            Practice.longitude.is_not(None),
            Practice.close_date.is_(None),
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
        .join(HealthSystem, HealthSystem.id == Borough.system_id)
        .join(Pcn, Pcn.id == CareHome.pcn_id, isouter=True)
        .join(aligned, aligned.id == CareHome.aligned_practice_id, isouter=True)
        .where(HealthSystem.code == system_code)
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
        .join(Kpi, Kpi.id == o.kpi_id)
        .where(
            Kpi.code == kpi_code,
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
