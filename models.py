"""SQLModel tables: geography, boundaries, the programme, KPI facts, delivery and the import log.

One schema for SQLite (local analyst default) and PostgreSQL (hosted): no PostGIS, geometry is stored as
WKB bytes with a bounding box beside it, enums are stored as their string values, and every natural key
carries a unique constraint so importers can upsert by it. No behaviour lives here and nothing imports
streamlit.

Hot queries (see ``data/queries.py``) and the indexes that serve them:
- one KPI and period across all areas (funnels, maps): ``ix_kpi_observation_kpi_level_period``;
- one KPI and area across all periods (trajectories): the unique key
  ``uq_kpi_observation_kpi_level_area_period`` (kpi, level, area, period) serves it as a covering prefix.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, Column, Index, LargeBinary, String, Text, UniqueConstraint, false, true
from sqlmodel import Field, SQLModel


def _enum_column(enum: type[StrEnum], *, nullable: bool = False) -> Column:
    """A portable enum column: the value stored as plain text (no native ENUM type, same on both engines)."""
    return Column(String(max(len(m.value) for m in enum)), nullable=nullable)


# --------------------------------------------------------------------------------------------- enumerations


class AreaLevel(StrEnum):
    """Geographic level an area code belongs to; KPI facts and boundaries are keyed by (level, code)."""

    SYSTEM = "system"  # STP / ICS, e.g. NCL (ODS QMJ)
    BOROUGH = "borough"  # local authority district, ONS E09...
    PCN = "pcn"  # Primary Care Network, ODS U...
    PRACTICE = "practice"  # GP practice, ODS code
    CARE_HOME = "care_home"  # CQC location ID
    WARD = "ward"
    LSOA = "lsoa"
    MSOA = "msoa"
    PROVIDER = "provider"  # NHS trust (provider of hospital services), ODS code, e.g. RAL Royal Free
    NEIGHBOURHOOD = "neighbourhood"  # 2025 neighbourhood health guidance: practices or LSOAs of a place
    ENGLAND = "england"  # benchmark: England as a whole, ONS E92000001 (Fingertips "England" / "Country")
    REGION = "region"  # benchmark: ONS region (former GOR), E12..., e.g. E12000007 London
    NHS_REGION = "nhs_region"  # benchmark: NHS England region, ONS E40..., e.g. E40000003 London


# Levels a published value is judged against, never a unit of the dashboard's footprint: stored as observations so
# a file's rows are all kept (and an indicator's England value can be shown as its comparator), but never declared
# as a KPI's reporting level, rolled up to, offered as a filter, mapped or counted in the register.
BENCHMARK_LEVELS = (AreaLevel.ENGLAND, AreaLevel.REGION, AreaLevel.NHS_REGION)
# The levels of the footprint's own units: what a KPI may be reported at, a template may name, a boundary may be
FOOTPRINT_LEVELS = tuple(lv for lv in AreaLevel if lv not in BENCHMARK_LEVELS)
# The published pattern of each benchmark level's area codes (ONS Code History Database)
BENCHMARK_CODES = {AreaLevel.ENGLAND: r"E92000001", AreaLevel.REGION: r"E12\d{6}", AreaLevel.NHS_REGION: r"E40\d{6}"}


class ValueType(StrEnum):
    """How a KPI's value is formed from numerator and denominator; decides which statistics apply."""

    PROPORTION = "proportion"  # numerator / denominator x multiplier (100 for a percentage)
    RATE = "rate"  # numerator / denominator x multiplier (e.g. per 1,000 patients)
    COUNT = "count"  # numerator only
    RATIO = "ratio"  # numerator / denominator (mean, ratio of counts)
    STANDARDISED_RATIO = "standardised_ratio"  # observed / expected (x 100 when multiplier is 100)


class KpiOrigin(StrEnum):
    """Where a KPI row comes from: the programme's own definitions, or a publisher's indicator catalogue."""

    REGISTER = "register"  # defined by the benefits register (kpi_definitions); belongs to an initiative
    PUBLISHED = "published"  # created from a published file's own metadata (QOF, Fingertips, registrations, A&E)


class Polarity(StrEnum):
    """Which direction is an improvement (Fingertips "polarity", Making Data Count "improvement direction")."""

    HIGHER_IS_BETTER = "higher_is_better"
    LOWER_IS_BETTER = "lower_is_better"
    NO_JUDGEMENT = "no_judgement"


class CareType(StrEnum):
    """CQC service type of a care home."""

    NURSING = "nursing"
    RESIDENTIAL = "residential"


class CqcRating(StrEnum):
    """CQC overall rating (latest published)."""

    OUTSTANDING = "Outstanding"
    GOOD = "Good"
    REQUIRES_IMPROVEMENT = "Requires improvement"
    INADEQUATE = "Inadequate"
    NOT_RATED = "Not yet rated"


class Scenario(StrEnum):
    """Plan or actual, for finance and activity rows."""

    PLAN = "plan"
    ACTUAL = "actual"


class PointOfDelivery(StrEnum):
    """Hospital and community points of delivery whose activity an initiative is expected to shift."""

    AE = "ae"  # A&E attendances
    NON_ELECTIVE = "non_elective"  # non-elective (emergency) admissions
    ELECTIVE = "elective"
    OUTPATIENT_FIRST = "outpatient_first"
    OUTPATIENT_FOLLOW_UP = "outpatient_follow_up"
    COMMUNITY = "community"
    PRIMARY_CARE = "primary_care"
    AMBULANCE = "ambulance"


class Escalation(StrEnum):
    """Escalation potential of a risk."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class ImportStatus(StrEnum):
    """Outcome of one import attempt."""

    LOADED = "loaded"  # validated and written
    UNCHANGED = "unchanged"  # same file (sha256) already loaded; nothing written
    REJECTED = "rejected"  # validation failed; nothing written
    FAILED = "failed"  # unexpected error; transaction rolled back


# ------------------------------------------------------------------------------------------------ geography


class HealthSystem(SQLModel, table=True):
    """An STP / Integrated Care System, e.g. North Central London (ODS QMJ, ONS E54000028)."""

    __tablename__ = "health_system"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=10, unique=True, description="ODS code, e.g. QMJ")
    ons_code: str | None = Field(default=None, max_length=9, unique=True, description="e.g. E54000028")
    name: str = Field(max_length=200)


class Borough(SQLModel, table=True):
    """A local authority district (London borough), keyed by its ONS code (e.g. E09000003 Barnet)."""

    __tablename__ = "borough"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=9, unique=True, description="ONS LAD code")
    name: str = Field(max_length=100)
    system_id: int = Field(foreign_key="health_system.id", index=True)


class Pcn(SQLModel, table=True):
    """A Primary Care Network, keyed by its ODS code (U + 5 digits)."""

    __tablename__ = "pcn"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=10, unique=True)
    name: str = Field(max_length=200)
    borough_id: int | None = Field(default=None, foreign_key="borough.id", index=True)
    sub_icb_code: str | None = Field(
        default=None, max_length=10, description="ODS parent (ePCN current CCG / sub-ICB location), e.g. 93C"
    )
    open_date: date | None = None
    close_date: date | None = None


class Practice(SQLModel, table=True):
    """A GP practice, keyed by its ODS code; located by postcode and WGS84 point."""

    __tablename__ = "practice"
    __table_args__ = (
        CheckConstraint("latitude IS NULL OR (latitude BETWEEN -90 AND 90)", name="ck_practice_latitude"),
        CheckConstraint("longitude IS NULL OR (longitude BETWEEN -180 AND 180)", name="ck_practice_longitude"),
    )

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=10, unique=True)
    name: str = Field(max_length=200)
    postcode: str | None = Field(default=None, max_length=8)
    latitude: float | None = None
    longitude: float | None = None
    pcn_id: int | None = Field(default=None, foreign_key="pcn.id", index=True)
    borough_id: int | None = Field(default=None, foreign_key="borough.id", index=True)
    open_date: date | None = None
    close_date: date | None = None
    status: str | None = Field(
        default=None, max_length=1, description="ODS status code: A active, D dormant, C closed, P proposed"
    )
    commissioner_code: str | None = Field(
        default=None, max_length=10, description="ODS commissioner (epraccur column 15: CCG / sub-ICB), e.g. 93C"
    )
    parent_ods_code: str | None = Field(
        default=None, max_length=10, description="NHS website ParentODSCode (e.g. a former borough CCG, 07M)"
    )


class PracticeSite(SQLModel, table=True):
    """A branch surgery of a GP practice (NHS website GP file: 9-character codes such as ``A81013001``).

    Keyed by the site's own code and linked to its main practice by code (the national file names practices a
    regional database may not hold), so every site in the file is kept.
    """

    __tablename__ = "practice_site"
    __table_args__ = (
        CheckConstraint("latitude IS NULL OR (latitude BETWEEN -90 AND 90)", name="ck_practice_site_latitude"),
        CheckConstraint("longitude IS NULL OR (longitude BETWEEN -180 AND 180)", name="ck_practice_site_longitude"),
        Index("ix_practice_site_practice", "practice_code"),
    )

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=12, unique=True)
    practice_code: str = Field(max_length=10, description="the main practice's ODS code (the first six characters)")
    name: str = Field(max_length=200)
    postcode: str | None = Field(default=None, max_length=8)
    latitude: float | None = None
    longitude: float | None = None
    import_id: int | None = Field(default=None, foreign_key="import_log.id")


class Provider(SQLModel, table=True):
    """An NHS trust or other provider of hospital services, keyed by its ODS code (e.g. RAL Royal Free).

    ``system_id`` says which system's totals the provider counts towards (the providers template); a provider
    without one is reported on its own only.
    """

    __tablename__ = "provider"
    __table_args__ = (
        CheckConstraint("latitude IS NULL OR (latitude BETWEEN -90 AND 90)", name="ck_provider_latitude"),
        CheckConstraint("longitude IS NULL OR (longitude BETWEEN -180 AND 180)", name="ck_provider_longitude"),
    )

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=10, unique=True)
    name: str = Field(max_length=200)
    postcode: str | None = Field(default=None, max_length=8)
    latitude: float | None = None
    longitude: float | None = None
    system_id: int | None = Field(default=None, foreign_key="health_system.id", index=True)


class PracticeListSize(SQLModel, table=True):
    """Registered patients at a practice on a date (NHS Digital "Patients Registered at a GP Practice")."""

    __tablename__ = "practice_list_size"
    __table_args__ = (
        UniqueConstraint("practice_id", "extract_date", name="uq_practice_list_size_practice_date"),
        CheckConstraint("patients >= 0", name="ck_practice_list_size_patients"),
    )

    id: int | None = Field(default=None, primary_key=True)
    practice_id: int = Field(foreign_key="practice.id")
    extract_date: date
    patients: int


class CareHome(SQLModel, table=True):
    """A care home, keyed by its CQC location ID, with beds, type, latest rating and aligned GP practice."""

    __tablename__ = "care_home"
    __table_args__ = (CheckConstraint("beds >= 0", name="ck_care_home_beds"),)

    id: int | None = Field(default=None, primary_key=True)
    cqc_location_id: str = Field(max_length=20, unique=True, description="e.g. 1-1000210669")
    name: str = Field(max_length=200)
    beds: int
    care_type: CareType = Field(sa_column=_enum_column(CareType))
    cqc_rating: CqcRating = Field(sa_column=_enum_column(CqcRating))
    rating_date: date | None = None
    postcode: str | None = Field(default=None, max_length=8)
    latitude: float | None = None
    longitude: float | None = None
    borough_id: int = Field(foreign_key="borough.id", index=True)
    pcn_id: int | None = Field(default=None, foreign_key="pcn.id", index=True)
    aligned_practice_id: int | None = Field(
        default=None, foreign_key="practice.id", description="named GP practice (Enhanced Health in Care Homes)"
    )


# ----------------------------------------------------------------------------------------------- boundaries


class Boundary(SQLModel, table=True):
    """An area's polygon in EPSG:4326, stored portably as WKB with a display-simplified copy and a bbox.

    The bbox columns let a map query select by extent on any engine without PostGIS.
    """

    __tablename__ = "boundary"
    __table_args__ = (
        UniqueConstraint("level", "code", "vintage", name="uq_boundary_level_code_vintage"),
        Index("ix_boundary_level_vintage", "level", "vintage"),
    )

    id: int | None = Field(default=None, primary_key=True)
    level: AreaLevel = Field(sa_column=_enum_column(AreaLevel))
    code: str = Field(max_length=20)
    name: str = Field(max_length=200)
    geometry_wkb: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    display_wkb: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    min_lon: float
    min_lat: float
    max_lon: float
    max_lat: float
    vintage: str = Field(max_length=20, description="e.g. 2011, 2021, 2023-04")
    source: str = Field(max_length=300, description="publisher and licence / attribution line")


# ---------------------------------------------------------------------------------------------- programme


class Workstream(SQLModel, table=True):
    """A programme workstream, e.g. Enhanced Health in Care Homes."""

    __tablename__ = "workstream"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=30, unique=True)
    name: str = Field(max_length=200)
    description: str | None = Field(default=None, sa_column=Column(Text))


class Initiative(SQLModel, table=True):
    """An initiative within a workstream; its benefits are tracked as KPIs, money, activity and milestones."""

    __tablename__ = "initiative"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=30, unique=True)
    workstream_id: int = Field(foreign_key="workstream.id", index=True)
    name: str = Field(max_length=200)
    borough_id: int | None = Field(
        default=None, foreign_key="borough.id", index=True, description="set for a borough-level initiative"
    )
    owner: str | None = Field(default=None, max_length=200)
    description: str | None = Field(default=None, sa_column=Column(Text))
    start_date: date | None = None
    end_date: date | None = None


class Kpi(SQLModel, table=True):
    """A KPI definition: what is measured, how, which way is better, and the benefit it should reach.

    Two kinds share the table (``origin``): a register KPI belongs to an initiative; a published indicator
    (``initiative_id`` NULL) is created from a published file's metadata, one row per sex x age x category
    breakdown. A register KPI with ``indicator_code`` reads the observations of that published indicator.
    """

    __tablename__ = "kpi"
    __table_args__ = (CheckConstraint("multiplier > 0", name="ck_kpi_multiplier"),)

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=30, unique=True)
    initiative_id: int | None = Field(default=None, foreign_key="initiative.id", index=True)
    origin: KpiOrigin = Field(
        default=KpiOrigin.REGISTER, sa_column=Column(String(9), nullable=False, server_default="register")
    )
    indicator_code: str | None = Field(
        default=None, max_length=30, description="register KPI: code of the published indicator it reads"
    )
    publisher: str | None = Field(default=None, max_length=100, description="published: e.g. NHS England, OHID")
    indicator_id: str | None = Field(default=None, max_length=30, description="the publisher's own indicator ID")
    period_type: str | None = Field(default=None, max_length=20, description="month, quarter, financial_year, ...")
    sex: str | None = Field(default=None, max_length=30)
    age: str | None = Field(default=None, max_length=50)
    category_type: str | None = Field(default=None, max_length=200)
    category: str | None = Field(default=None, max_length=200)
    name: str = Field(max_length=200)
    definition: str = Field(sa_column=Column(Text, nullable=False))
    numerator_definition: str | None = Field(default=None, sa_column=Column(Text))
    denominator_definition: str | None = Field(default=None, sa_column=Column(Text))
    unit: str = Field(max_length=50, description="display unit, e.g. '%' or 'per 1,000 patients'")
    value_type: ValueType = Field(sa_column=_enum_column(ValueType))
    multiplier: float = Field(default=1.0, description="value = numerator / denominator x multiplier")
    polarity: Polarity = Field(sa_column=_enum_column(Polarity))
    source: str = Field(max_length=300)
    counts_people: bool = Field(
        default=True,
        description="numerator and denominator count people or events, so counts of 1-7 are suppressed; "
        "false for counts of organisations (practices, care homes), which are not disclosive",
    )
    caveats: str | None = Field(default=None, sa_column=Column(Text))
    baseline_value: float | None = None
    baseline_period: date | None = None
    target_value: float | None = None
    target_date: date | None = None
    validation_date: date | None = Field(default=None, description="when the benefit is to be validated")
    summable: bool = Field(
        default=True,
        sa_column_kwargs={"server_default": true()},
        description="numerators and denominators add up across practices, so the KPI is rolled up to PCN, "
        "borough and system; false for modelled estimates, medians and ratios without expected counts",
    )


class KpiAreaLevel(SQLModel, table=True):
    """The area levels at which a KPI is reported (a KPI may exist at practice, PCN, borough and system)."""

    __tablename__ = "kpi_area_level"

    kpi_id: int = Field(foreign_key="kpi.id", primary_key=True)
    level: AreaLevel = Field(sa_column=Column(String(13), primary_key=True))


# -------------------------------------------------------------------------------------------------- facts


class KpiObservation(SQLModel, table=True):
    """One measured value of a KPI for an area and period, with its numerator and denominator.

    ``area_code`` is keyed with ``level`` rather than a foreign key because areas live in several tables
    (and LSOA/ward areas only as boundaries); importers validate codes against the register of their level.
    """

    __tablename__ = "kpi_observation"
    __table_args__ = (
        UniqueConstraint(
            "kpi_id", "level", "area_code", "period_start", name="uq_kpi_observation_kpi_level_area_period"
        ),
        Index("ix_kpi_observation_kpi_level_period", "kpi_id", "level", "period_start"),
        CheckConstraint("period_end >= period_start", name="ck_kpi_observation_period"),
        CheckConstraint("denominator IS NULL OR denominator >= 0", name="ck_kpi_observation_denominator"),
    )

    id: int | None = Field(default=None, primary_key=True)
    kpi_id: int = Field(foreign_key="kpi.id")
    level: AreaLevel = Field(sa_column=_enum_column(AreaLevel))
    area_code: str = Field(max_length=20)
    period_start: date
    period_end: date
    numerator: float | None = None
    denominator: float | None = None
    value: float | None = None
    lower_ci: float | None = None
    upper_ci: float | None = None
    import_id: int | None = Field(default=None, foreign_key="import_log.id", index=True)
    derived: bool = Field(
        default=False,
        sa_column_kwargs={"server_default": false()},
        description="a roll-up of practice rows (data/rollups.py), never an imported value",
    )


class KpiPlan(SQLModel, table=True):
    """The planned trajectory of a KPI for an area: the value it should have reached in each period."""

    __tablename__ = "kpi_plan"
    __table_args__ = (
        UniqueConstraint("kpi_id", "level", "area_code", "period_start", name="uq_kpi_plan_kpi_level_area_period"),
    )

    id: int | None = Field(default=None, primary_key=True)
    kpi_id: int = Field(foreign_key="kpi.id")
    level: AreaLevel = Field(sa_column=_enum_column(AreaLevel))
    area_code: str = Field(max_length=20)
    period_start: date
    value: float
    import_id: int | None = Field(default=None, foreign_key="import_log.id", index=True)


class KpiCoverage(SQLModel, table=True):
    """A stored summary of ``kpi_observation``: how many values each KPI has per level and period, and the newest
    import that wrote any of them (``import_id``).

    Written by ``data.coverage.refresh_coverage`` in the same transaction as every import and demo build, so the
    pages' freshness, data date, period lists and the About page's coverage read a few hundred rows instead of
    scanning every observation (issue 14). Never edited by hand; rebuilt from the observations when in doubt.
    """

    __tablename__ = "kpi_coverage"
    __table_args__ = (Index("ix_kpi_coverage_kpi_level_period", "kpi_id", "level", "period_start"),)

    id: int | None = Field(default=None, primary_key=True)
    kpi_id: int = Field(foreign_key="kpi.id")
    level: AreaLevel = Field(sa_column=_enum_column(AreaLevel))
    period_start: date
    period_end: date
    observations: int = Field(description="observation rows of the KPI, level and period from this import")
    valued: int = Field(description="of those, the rows with a value (not missing)")
    import_id: int | None = Field(default=None, foreign_key="import_log.id", index=True)


# --------------------------------------------------------------------------------------- programme delivery


class FinanceLine(SQLModel, table=True):
    """Planned or actual money for an initiative in a financial year (£), recurrent or non-recurrent."""

    __tablename__ = "finance_line"
    __table_args__ = (
        UniqueConstraint("initiative_id", "financial_year", "scenario", "recurrent", name="uq_finance_line_natural"),
        CheckConstraint("financial_year BETWEEN 2000 AND 2100", name="ck_finance_line_year"),
    )

    id: int | None = Field(default=None, primary_key=True)
    initiative_id: int = Field(foreign_key="initiative.id", index=True)
    financial_year: int = Field(description="start year: 2019 means 2019/20")
    scenario: Scenario = Field(sa_column=_enum_column(Scenario))
    recurrent: bool
    investment: float = 0.0
    gross_saving: float = 0.0
    net_saving: float = 0.0
    import_id: int | None = Field(default=None, foreign_key="import_log.id")


class ActivityChange(SQLModel, table=True):
    """Planned or actual change in activity at a point of delivery for an initiative and year (negative = fewer)."""

    __tablename__ = "activity_change"
    __table_args__ = (
        UniqueConstraint(
            "initiative_id", "financial_year", "point_of_delivery", "scenario", name="uq_activity_change_natural"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    initiative_id: int = Field(foreign_key="initiative.id", index=True)
    financial_year: int
    point_of_delivery: PointOfDelivery = Field(sa_column=_enum_column(PointOfDelivery))
    scenario: Scenario = Field(sa_column=_enum_column(Scenario))
    change: float
    evidence_kpi_id: int | None = Field(default=None, foreign_key="kpi.id", description="KPI that evidences it")
    import_id: int | None = Field(default=None, foreign_key="import_log.id")


class Milestone(SQLModel, table=True):
    """A delivery milestone with owner and planned and actual dates (e.g. CHIN live in a borough)."""

    __tablename__ = "milestone"
    __table_args__ = (UniqueConstraint("initiative_id", "code", name="uq_milestone_initiative_code"),)

    id: int | None = Field(default=None, primary_key=True)
    initiative_id: int = Field(foreign_key="initiative.id", index=True)
    code: str = Field(max_length=30)
    name: str = Field(max_length=200)
    owner: str | None = Field(default=None, max_length=200)
    borough_id: int | None = Field(default=None, foreign_key="borough.id", index=True)
    planned_date: date
    actual_date: date | None = None
    import_id: int | None = Field(default=None, foreign_key="import_log.id")


class Risk(SQLModel, table=True):
    """A risk-register entry: likelihood × impact (each 1-5) before and after mitigation."""

    __tablename__ = "risk"
    __table_args__ = (
        CheckConstraint("likelihood BETWEEN 1 AND 5", name="ck_risk_likelihood"),
        CheckConstraint("impact BETWEEN 1 AND 5", name="ck_risk_impact"),
        CheckConstraint("revised_likelihood BETWEEN 1 AND 5", name="ck_risk_revised_likelihood"),
        CheckConstraint("revised_impact BETWEEN 1 AND 5", name="ck_risk_revised_impact"),
    )

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=30, unique=True)
    title: str = Field(max_length=300)
    description: str | None = Field(default=None, sa_column=Column(Text))
    workstream_id: int = Field(foreign_key="workstream.id", index=True)
    initiative_id: int | None = Field(default=None, foreign_key="initiative.id", index=True)
    kpi_id: int | None = Field(default=None, foreign_key="kpi.id", description="KPI the risk threatens")
    owner: str | None = Field(default=None, max_length=200)
    likelihood: int
    impact: int
    mitigation: str | None = Field(default=None, sa_column=Column(Text))
    revised_likelihood: int
    revised_impact: int
    escalation: Escalation = Field(sa_column=_enum_column(Escalation))
    raised_date: date | None = None
    import_id: int | None = Field(default=None, foreign_key="import_log.id")


class RiskReview(SQLModel, table=True):
    """A dated re-scoring of a risk, so the trend of its score over reviews can be shown."""

    __tablename__ = "risk_review"
    __table_args__ = (
        UniqueConstraint("risk_id", "review_date", name="uq_risk_review_risk_date"),
        CheckConstraint("likelihood BETWEEN 1 AND 5", name="ck_risk_review_likelihood"),
        CheckConstraint("impact BETWEEN 1 AND 5", name="ck_risk_review_impact"),
        CheckConstraint("revised_likelihood BETWEEN 1 AND 5", name="ck_risk_review_revised_likelihood"),
        CheckConstraint("revised_impact BETWEEN 1 AND 5", name="ck_risk_review_revised_impact"),
    )

    id: int | None = Field(default=None, primary_key=True)
    risk_id: int = Field(foreign_key="risk.id")
    review_date: date
    likelihood: int
    impact: int
    revised_likelihood: int
    revised_impact: int


# ------------------------------------------------------------------------------------------------ imports


class ImportLog(SQLModel, table=True):
    """Every import attempt: what, which file (name and sha256), when, how many rows, outcome, error report."""

    __tablename__ = "import_log"
    __table_args__ = (Index("ix_import_log_source_sha256", "source", "sha256"),)

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=50, description="importer name, e.g. kpi_observations, cqc, demo")
    file_name: str = Field(max_length=300)
    sha256: str = Field(max_length=64)
    started_at: datetime
    finished_at: datetime | None = None
    rows_accepted: int = 0
    rows_rejected: int = 0
    status: ImportStatus = Field(sa_column=_enum_column(ImportStatus))
    synthetic: bool = Field(default=False, description="true for the generated demo dataset")
    error_report: str | None = Field(default=None, sa_column=Column(Text), description="JSON list of row errors")


# ---------------------------------------------------------------------------- imported reference data (issue 4)


class PcnMembership(SQLModel, table=True):
    """A practice's membership of a PCN over time (ODS ePCN "PCN Core Partner Details"), keyed by codes.

    Codes rather than foreign keys, because the national file names practices that a regional database may not
    hold; ``Practice.pcn_id`` carries the current membership for practices that are in the register.
    """

    __tablename__ = "pcn_membership"
    __table_args__ = (
        UniqueConstraint("practice_code", "pcn_code", "start_date", name="uq_pcn_membership_practice_pcn_start"),
        Index("ix_pcn_membership_pcn", "pcn_code"),
    )

    id: int | None = Field(default=None, primary_key=True)
    practice_code: str = Field(max_length=10)
    pcn_code: str = Field(max_length=10)
    start_date: date
    end_date: date | None = None
    import_id: int | None = Field(default=None, foreign_key="import_log.id", index=True)


class LsoaDeprivation(SQLModel, table=True):
    """English Indices of Deprivation by LSOA (IMD 2019: ranks and deciles, domains, population denominators).

    Rank 1 is the most deprived; decile 1 the most deprived 10%. Files 1, 2 and 6 fill different columns of the
    same row (natural key: LSOA code and vintage), so every measure is nullable.
    """

    __tablename__ = "lsoa_deprivation"
    __table_args__ = (
        UniqueConstraint("lsoa_code", "vintage", name="uq_lsoa_deprivation_lsoa_vintage"),
        Index("ix_lsoa_deprivation_lad", "lad_code"),
    )

    id: int | None = Field(default=None, primary_key=True)
    lsoa_code: str = Field(max_length=9)
    vintage: str = Field(max_length=20, description="e.g. IMD2019")
    lsoa_name: str | None = Field(default=None, max_length=100)
    lad_code: str | None = Field(default=None, max_length=9)
    lad_name: str | None = Field(default=None, max_length=100)
    imd_rank: int | None = None
    imd_decile: int | None = None
    income_rank: int | None = None
    income_decile: int | None = None
    employment_rank: int | None = None
    employment_decile: int | None = None
    education_rank: int | None = None
    education_decile: int | None = None
    health_rank: int | None = None
    health_decile: int | None = None
    crime_rank: int | None = None
    crime_decile: int | None = None
    housing_rank: int | None = None
    housing_decile: int | None = None
    living_environment_rank: int | None = None
    living_environment_decile: int | None = None
    population_total: int | None = None
    population_0_15: int | None = None
    population_16_59: int | None = None
    population_60_plus: int | None = None
    population_working_age: int | None = None
    import_id: int | None = Field(default=None, foreign_key="import_log.id", index=True)


# ------------------------------------------------------------------------------------- footprint (issue 16)


class AreaMember(SQLModel, table=True):
    """A member of a system or borough, by code, so a system can be any group of places and sub-ICB codes.

    ``(system, QMJ, sub_icb, 93C)``: practices commissioned by, and PCNs parented by, 93C are in NCL;
    ``(system, X, borough, E09000003)``: Barnet is one of system X's places (beside ``Borough.system_id``);
    ``(borough, E09000003, sub_icb, 07M)``: practices whose commissioner or NHS website parent is 07M (the former
    Barnet CCG) are in Barnet. Loaded from the areas template (levels ``sub_icb`` and ``place``).
    """

    __tablename__ = "area_member"
    __table_args__ = (
        UniqueConstraint("parent_level", "parent_code", "member_level", "member_code", name="uq_area_member"),
    )

    id: int | None = Field(default=None, primary_key=True)
    parent_level: str = Field(max_length=10, description="system or borough")
    parent_code: str = Field(max_length=10)
    member_level: str = Field(max_length=10, description="sub_icb or borough")
    member_code: str = Field(max_length=10)
    name: str | None = Field(default=None, max_length=200)
    import_id: int | None = Field(default=None, foreign_key="import_log.id", index=True)


class LinkCorrection(SQLModel, table=True):
    """An analyst's correction of a practice's or PCN's link (areas template), kept apart from imported links.

    Applied after every import (``data/importers/links.py``), so it wins over a re-imported ODS file:
    ``borough_code`` / ``pcn_code`` reassign, ``detach`` takes the organisation out of every system's footprint.
    """

    __tablename__ = "link_correction"
    __table_args__ = (UniqueConstraint("level", "code", name="uq_link_correction_level_code"),)

    id: int | None = Field(default=None, primary_key=True)
    level: str = Field(max_length=10, description="practice or pcn")
    code: str = Field(max_length=10)
    borough_code: str | None = Field(default=None, max_length=9)
    pcn_code: str | None = Field(default=None, max_length=10)
    detach: bool = False
    import_id: int | None = Field(default=None, foreign_key="import_log.id", index=True)


class OrgSuccessor(SQLModel, table=True):
    """An organisation succeeded by another from a date (practice merger, PCN or ICB merger), so the successor's
    series carries its predecessor's history (``data/queries.py`` ``area_series``)."""

    __tablename__ = "org_successor"
    __table_args__ = (
        UniqueConstraint("level", "predecessor_code", name="uq_org_successor_level_predecessor"),
        Index("ix_org_successor_successor", "level", "successor_code"),
    )

    id: int | None = Field(default=None, primary_key=True)
    level: AreaLevel = Field(sa_column=_enum_column(AreaLevel))
    predecessor_code: str = Field(max_length=20)
    successor_code: str = Field(max_length=20)
    effective_date: date = Field(description="first day the successor reports for the predecessor")
    import_id: int | None = Field(default=None, foreign_key="import_log.id", index=True)


class Neighbourhood(SQLModel, table=True):
    """A neighbourhood (2025 neighbourhood health guidance): a group of practices or LSOAs within a place, not
    always a PCN. Loaded from the neighbourhoods template (``data/importers/neighbourhoods.py``)."""

    __tablename__ = "neighbourhood"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=20, unique=True)
    name: str = Field(max_length=200)
    borough_code: str | None = Field(default=None, max_length=9, description="the place (borough ONS code)")
    import_id: int | None = Field(default=None, foreign_key="import_log.id", index=True)


class NeighbourhoodMember(SQLModel, table=True):
    """A practice (ODS code) or an LSOA (ONS code) in a neighbourhood; each is in at most one."""

    __tablename__ = "neighbourhood_member"
    __table_args__ = (UniqueConstraint("member_level", "member_code", name="uq_neighbourhood_member"),)

    id: int | None = Field(default=None, primary_key=True)
    neighbourhood_code: str = Field(max_length=20, index=True)
    member_level: str = Field(max_length=10, description="practice or lsoa")
    member_code: str = Field(max_length=20)
    import_id: int | None = Field(default=None, foreign_key="import_log.id", index=True)


# ------------------------------------------------------------------------------------ hosted sign-outs (issue 13)


class RevokedSignIn(SQLModel, table=True):
    """A sign-in that was signed out: its identity cookie is refused by every instance from then on.

    Streamlit's identity cookie holds the whole session and is not checked with the identity provider again, so
    without this record a copied cookie would keep working after sign-out until it expired. Keyed by
    ``data.access.sign_in_id`` (a hash of the ID token's issuer, subject, audience, ``iat``, ``nonce`` and
    ``sid``: one sign-in, never the token itself). A row is useless after ``expires_at`` (the sign-in would have
    expired by then anyway) and is deleted at a later sign-out.
    """

    __tablename__ = "revoked_sign_in"

    sign_in: str = Field(primary_key=True, max_length=64, description="sha256 hex of the sign-in's identity claims")
    revoked_at: datetime
    expires_at: datetime = Field(index=True, description="when the sign-in expires anyway (iat + session max age)")
