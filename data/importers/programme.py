"""Programme delivery templates: finance and activity plans and actuals, milestones, risks and risk reviews.

One long CSV or XLSX per source (``docs/importing.md``, ``docs/templates/{finance,activity,milestones,risks}.csv``),
headers matched by alias like every template. Each source is ``parse_*`` (pure) -> ``validate_*`` (codes against
the database) -> ``load_*`` (upsert by natural key, so re-importing a corrected file replaces rows, never
duplicates them):

- ``finance``: (initiative, financial year, scenario, recurrent) -> investment, gross and net saving (£);
- ``activity``: (initiative, financial year, point of delivery, scenario) -> change, evidencing KPI;
- ``milestones``: (initiative, milestone code) -> name, owner, borough, planned and actual dates;
- ``risks``: risk code -> the register entry (scores 1-5 before and after mitigation);
- ``risk_reviews``: (risk, review date) -> the scores at that review.
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import select
from sqlmodel import Session

from data.importers.common import (
    REGISTER_HINT,
    Options,
    Parsed,
    Problem,
    Source,
    id_map,
    known_codes,
    problems_where,
    text_or_none,
    upsert,
)
from data.importers.kpi import TEMPLATE_EXTENSIONS
from data.importers.template_schemas import (  # noqa: F401 - the programme's vocabulary, read where it is declared
    ACTIVITY,
    FINANCE,
    MILESTONES,
    POD_ALIASES,
    RECURRENT_ALIASES,
    RISK_REVIEWS,
    RISKS,
    SCENARIO_ALIASES,
    parse_financial_year,
    read_template,
)
from models import (
    ActivityChange,
    AreaLevel,
    Borough,
    Escalation,
    FinanceLine,
    Initiative,
    Kpi,
    Milestone,
    Risk,
    RiskReview,
    Workstream,
)


def _codes_exist(frame: pd.DataFrame, column: str, known: set[str], file: str, message: str,
                 *, optional: bool = False) -> list[Problem]:
    missing = ~frame[column].isin(known)
    if optional:
        missing &= frame[column].notna()
    return problems_where(missing, frame, file=file, column=column, message=message)


INITIATIVE_HINT = "no initiative has this code; import it with the benefits register (source 'register') first"


# ------------------------------------------------------------------------------------------------- finance


def parse_finance(data: bytes, file_name: str, options: Options | None = None) -> Parsed:
    """Read the finance template: planned or actual £ by initiative, financial year and recurrence.

    Every row is checked by the schema ``FINANCE``. Output columns: _row, initiative_code, financial_year (start
    year), scenario, recurrent (bool), investment, gross_saving, net_saving. Blank money is £0; a blank net saving
    is gross saving - investment.
    """
    read = read_template(data, file_name, FINANCE)
    if read.refused:
        return read.rejected()
    frame = read.frame
    frame["financial_year"] = frame["financial_year"].astype("Int64")
    investment = frame["investment"].fillna(0.0)
    gross = frame["gross_saving"].fillna(0.0)
    frame["net_saving"] = frame["net_saving"].fillna(gross - investment)
    frame["investment"], frame["gross_saving"] = investment, gross
    return read.parsed(frame)


def validate_finance(session: Session, frame: pd.DataFrame, file_name: str, options: Options) -> Parsed:
    """Initiatives must be in the benefits register."""
    known = set(id_map(session, Initiative))
    return Parsed(frame, _codes_exist(frame, "initiative_code", known, file_name, INITIATIVE_HINT))


FINANCE_FIELDS = ["initiative_id", "financial_year", "scenario", "recurrent", "investment", "gross_saving",
                  "net_saving", "import_id"]


def load_finance(session: Session, frame: pd.DataFrame, import_id: int, options: Options) -> dict[str, int]:
    """Upsert finance lines by (initiative, year, scenario, recurrent)."""
    rows = frame.assign(initiative_id=frame["initiative_code"].map(id_map(session, Initiative)),
                        import_id=import_id)[FINANCE_FIELDS]
    rows["recurrent"] = rows["recurrent"].astype(bool)
    keys = ["initiative_id", "financial_year", "scenario", "recurrent"]
    return {"finance_line": upsert(session, FinanceLine, rows, keys=keys)}


# ------------------------------------------------------------------------------------------------ activity


def parse_activity(data: bytes, file_name: str, options: Options | None = None) -> Parsed:
    """Read the activity template: planned or actual change in activity (negative = fewer) by point of delivery.

    Every row is checked by the schema ``ACTIVITY``. Output columns: _row, initiative_code, financial_year,
    point_of_delivery, scenario, change, evidence_kpi_code; ``_evidence_present`` notes whether the file has an
    evidence column (a file without one leaves existing links alone).
    """
    read = read_template(data, file_name, ACTIVITY)
    if read.refused:
        return read.rejected()
    frame = read.frame
    frame["financial_year"] = frame["financial_year"].astype("Int64")
    frame["_evidence_present"] = "evidence_kpi_code" in read.present
    return read.parsed(frame)


def validate_activity(session: Session, frame: pd.DataFrame, file_name: str, options: Options) -> Parsed:
    """Initiatives and evidencing KPIs must exist."""
    problems = _codes_exist(frame, "initiative_code", set(id_map(session, Initiative)), file_name, INITIATIVE_HINT)
    problems += _codes_exist(frame, "evidence_kpi_code", set(id_map(session, Kpi)), file_name,
                             "no KPI has this code; import it with the KPI definitions first, or leave it blank",
                             optional=True)
    return Parsed(frame, problems)


def load_activity(session: Session, frame: pd.DataFrame, import_id: int, options: Options) -> dict[str, int]:
    """Upsert activity changes by (initiative, year, point of delivery, scenario)."""
    rows = pd.DataFrame({
        "initiative_id": frame["initiative_code"].map(id_map(session, Initiative)),
        "financial_year": frame["financial_year"],
        "point_of_delivery": frame["point_of_delivery"],
        "scenario": frame["scenario"],
        "change": frame["change"],
        "evidence_kpi_id": frame["evidence_kpi_code"].map(id_map(session, Kpi)).astype("Int64"),
        "import_id": import_id,
    })
    present = bool(frame["_evidence_present"].iloc[0]) if len(frame) else True
    update = [c for c in rows.columns if present or c != "evidence_kpi_id"]
    keys = ["initiative_id", "financial_year", "point_of_delivery", "scenario"]
    return {"activity_change": upsert(session, ActivityChange, rows, keys=keys, update=update)}


# ---------------------------------------------------------------------------------------------- milestones


def parse_milestones(data: bytes, file_name: str, options: Options | None = None) -> Parsed:
    """Read the milestones template: one row per milestone with planned and (when done) actual dates.

    Every row is checked by the schema ``MILESTONES``; a blank actual date means not done yet. Output columns:
    _row, initiative_code, milestone_code, name, owner, borough_code, planned_date, actual_date.
    """
    read = read_template(data, file_name, MILESTONES)
    return read.rejected() if read.refused else read.parsed(read.frame)


def validate_milestones(session: Session, frame: pd.DataFrame, file_name: str, options: Options) -> Parsed:
    """Initiatives must exist; boroughs, when given, must be boroughs of the dashboard."""
    problems = _codes_exist(frame, "initiative_code", set(id_map(session, Initiative)), file_name, INITIATIVE_HINT)
    found = known_codes(session, AreaLevel.BOROUGH, frame["borough_code"].dropna().unique())
    problems += _codes_exist(frame, "borough_code", found, file_name,
                             f"not a borough of this dashboard; {REGISTER_HINT[AreaLevel.BOROUGH]}, or leave it blank "
                             "for a system-wide milestone", optional=True)
    return Parsed(frame, problems)


def load_milestones(session: Session, frame: pd.DataFrame, import_id: int, options: Options) -> dict[str, int]:
    """Upsert milestones by (initiative, code)."""
    rows = pd.DataFrame({
        "initiative_id": frame["initiative_code"].map(id_map(session, Initiative)),
        "code": frame["milestone_code"],
        "name": frame["name"],
        "owner": text_or_none(frame["owner"]),
        "borough_id": frame["borough_code"].map(id_map(session, Borough)).astype("Int64"),
        "planned_date": frame["planned_date"],
        "actual_date": frame["actual_date"],
        "import_id": import_id,
    })
    return {"milestone": upsert(session, Milestone, rows, keys=["initiative_id", "code"])}


# --------------------------------------------------------------------------------------------------- risks


def default_escalation(score: int) -> str:
    """Escalation potential from the score before mitigation: high from 16, medium from 9, low below."""
    return Escalation.HIGH.value if score >= 16 else Escalation.MEDIUM.value if score >= 9 else Escalation.LOW.value


def parse_risks(data: bytes, file_name: str, options: Options | None = None) -> Parsed:
    """Read the risk register template: one row per risk, scored 1-5 for likelihood and impact (schema ``RISKS``).

    Blank revised scores mean no mitigation yet (they take the scores before mitigation); a blank escalation is
    worked out from the score (high from 16, medium from 9). A risk names its workstream, its initiative, or both.
    """
    read = read_template(data, file_name, RISKS)
    if read.refused:
        return read.rejected()
    frame = read.frame
    frame["revised_likelihood"] = frame["revised_likelihood"].fillna(frame["likelihood"])
    frame["revised_impact"] = frame["revised_impact"].fillna(frame["impact"])
    score = (frame["likelihood"] * frame["impact"]).fillna(0).astype(int)
    frame["escalation"] = frame["escalation"].where(frame["escalation"].notna(), score.map(default_escalation))
    return read.parsed(frame)


def validate_risks(session: Session, frame: pd.DataFrame, file_name: str, options: Options) -> Parsed:
    """Workstreams, initiatives and KPIs must exist; an initiative must belong to the risk's workstream."""
    workstreams = set(id_map(session, Workstream))
    problems = _codes_exist(frame, "workstream_code", workstreams, file_name,
                            "no workstream has this code; import it with the benefits register first", optional=True)
    parents = dict(session.execute(select(Initiative.code, Workstream.code).join(
        Workstream, Workstream.id == Initiative.workstream_id)).all())
    problems += _codes_exist(frame, "initiative_code", set(parents), file_name, INITIATIVE_HINT, optional=True)
    problems += _codes_exist(frame, "kpi_code", set(id_map(session, Kpi)), file_name,
                             "no KPI has this code; import it with the KPI definitions first, or leave it blank",
                             optional=True)
    parent = frame["initiative_code"].map(parents)
    mismatch = frame["workstream_code"].notna() & parent.notna() & (parent != frame["workstream_code"])
    problems += problems_where(mismatch, frame, file=file_name, column="initiative_code",
                               message="this initiative belongs to another workstream; correct either code")
    frame = frame.assign(workstream_code=frame["workstream_code"].where(frame["workstream_code"].notna(), parent))
    return Parsed(frame, problems)


RISK_FIELDS = ["code", "title", "description", "workstream_id", "initiative_id", "kpi_id", "owner", "likelihood",
               "impact", "mitigation", "revised_likelihood", "revised_impact", "escalation", "raised_date",
               "import_id"]


def load_risks(session: Session, frame: pd.DataFrame, import_id: int, options: Options) -> dict[str, int]:
    """Upsert risks by code."""
    rows = frame.rename(columns={"risk_code": "code"}).assign(
        workstream_id=frame["workstream_code"].map(id_map(session, Workstream)),
        initiative_id=frame["initiative_code"].map(id_map(session, Initiative)).astype("Int64"),
        kpi_id=frame["kpi_code"].map(id_map(session, Kpi)).astype("Int64"),
        import_id=import_id,
    )
    for col in ("description", "owner", "mitigation"):
        rows[col] = text_or_none(rows[col])
    for col in ("likelihood", "impact", "revised_likelihood", "revised_impact"):
        rows[col] = rows[col].astype("Int64")
    return {"risk": upsert(session, Risk, rows[RISK_FIELDS], keys=["code"])}


def parse_risk_reviews(data: bytes, file_name: str, options: Options | None = None) -> Parsed:
    """Read the risk reviews template: the scores of a risk at each dated review (schema ``RISK_REVIEWS``)."""
    read = read_template(data, file_name, RISK_REVIEWS)
    if read.refused:
        return read.rejected()
    frame = read.frame
    frame["revised_likelihood"] = frame["revised_likelihood"].fillna(frame["likelihood"])
    frame["revised_impact"] = frame["revised_impact"].fillna(frame["impact"])
    return read.parsed(frame)


def validate_risk_reviews(session: Session, frame: pd.DataFrame, file_name: str, options: Options) -> Parsed:
    """Each review's risk must be in the register."""
    return Parsed(frame, _codes_exist(frame, "risk_code", set(id_map(session, Risk)), file_name,
                                      "no risk has this code; import it with the risks template first"))


def load_risk_reviews(session: Session, frame: pd.DataFrame, import_id: int, options: Options) -> dict[str, int]:
    """Upsert reviews by (risk, review date)."""
    rows = pd.DataFrame({
        "risk_id": frame["risk_code"].map(id_map(session, Risk)),
        "review_date": frame["review_date"],
        **{c: frame[c].astype("Int64") for c in ("likelihood", "impact", "revised_likelihood", "revised_impact")},
    })
    return {"risk_review": upsert(session, RiskReview, rows, keys=["risk_id", "review_date"])}


# ------------------------------------------------------------------------------------------------- sources


SOURCES = [
    Source("finance", "Finance plans and actuals",
           "One row per initiative, financial year (2019/20), plan or actual, recurrent or not: investment, gross "
           "and net saving in £.",
           TEMPLATE_EXTENSIONS, parse_finance, load_finance, validate_finance),
    Source("activity", "Activity plans and actuals",
           "One row per initiative, financial year, point of delivery (ae, non_elective, outpatient_first, ...) and "
           "plan or actual: the change in activity (negative = fewer) and the KPI that evidences it.",
           TEMPLATE_EXTENSIONS, parse_activity, load_activity, validate_activity),
    Source("milestones", "Delivery milestones",
           "One row per milestone: initiative, code, name, owner, borough, planned date and actual date (blank "
           "until done).",
           TEMPLATE_EXTENSIONS, parse_milestones, load_milestones, validate_milestones),
    Source("risks", "Risk register",
           "One row per risk: code, title, workstream and/or initiative, KPI threatened, owner, likelihood and "
           "impact (1-5) before and after mitigation, mitigation, escalation potential.",
           TEMPLATE_EXTENSIONS, parse_risks, load_risks, validate_risks),
    Source("risk_reviews", "Risk reviews",
           "One row per risk and review date: likelihood and impact (1-5) before and after mitigation at that "
           "review (the trend on the Risks page).",
           TEMPLATE_EXTENSIONS, parse_risk_reviews, load_risk_reviews, validate_risk_reviews),
]

