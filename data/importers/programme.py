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

import re

import pandas as pd
from sqlalchemy import select
from sqlmodel import Session

from data.importers.common import (
    REGISTER_HINT,
    Column,
    Options,
    Parsed,
    Problem,
    Source,
    clean_code,
    id_map,
    known_codes,
    match_columns,
    normalise_header,
    problems_where,
    read_table,
    text_or_none,
    to_number,
    upsert,
)
from data.importers.kpi import TEMPLATE_EXTENSIONS, _dates, _duplicates, _numbers, _required_text
from models import (
    ActivityChange,
    AreaLevel,
    Borough,
    Escalation,
    FinanceLine,
    Initiative,
    Kpi,
    Milestone,
    PointOfDelivery,
    Risk,
    RiskReview,
    Workstream,
)

SCENARIO_ALIASES = {"plan": "plan", "planned": "plan", "budget": "plan", "target": "plan", "actual": "actual",
                    "actuals": "actual", "outturn": "actual"}
RECURRENT_ALIASES = {"yes": True, "y": True, "true": True, "1": True, "r": True, "recurrent": True,
                     "no": False, "n": False, "false": False, "0": False, "nr": False, "non recurrent": False,
                     "nonrecurrent": False, "one off": False}
POD_ALIASES = {
    "ae": "ae", "a e": "ae", "a and e": "ae", "ed": "ae", "emergency department": "ae", "a e attendances": "ae",
    "non elective": "non_elective", "nel": "non_elective", "non elective admissions": "non_elective",
    "emergency admissions": "non_elective", "elective": "elective", "el": "elective",
    "elective admissions": "elective", "outpatient first": "outpatient_first", "op first": "outpatient_first",
    "first outpatient": "outpatient_first", "outpatient first attendances": "outpatient_first",
    "outpatient follow up": "outpatient_follow_up", "op follow up": "outpatient_follow_up",
    "op fu": "outpatient_follow_up", "outpatient follow ups": "outpatient_follow_up", "community": "community",
    "community contacts": "community", "primary care": "primary_care", "gp": "primary_care",
    "primary care appointments": "primary_care", "ambulance": "ambulance", "999": "ambulance",
    "ambulance call outs": "ambulance",
}
ESCALATION_CHOICES = [e.value for e in Escalation]


# ------------------------------------------------------------------------------------------------- helpers


def _read(data: bytes, file_name: str, columns: list[Column]) -> tuple[pd.DataFrame, list[Problem], int, set[str]]:
    """The template as canonical columns, its problems, rows read, and the canonical names present in the file."""
    hint = [a for c in columns for a in c.accepts()]
    raw = read_table(data, file_name, header_hint=hint)
    frame, problems = match_columns(raw, columns, file=file_name)
    headers = {normalise_header(h) for h in raw.columns}
    present = {c.name for c in columns if headers & set(c.accepts())}
    return frame, problems, len(raw), present


def _rejected(frame: pd.DataFrame, problems: list[Problem], n: int) -> Parsed | None:
    return Parsed(frame.iloc[0:0], problems, rows_read=n) if any(p.severity == "error" for p in problems) else None


def parse_financial_year(text: object) -> int | None:
    """A financial year to its start year: '2019/20', '2019-20', '2019/2020', 'FY19/20', '19/20' or '2019' -> 2019."""
    if text is None or pd.isna(text):
        return None
    s = re.sub(r"^fy\s*", "", str(text).strip().lower())
    if m := re.fullmatch(r"(\d{4})\s*[/-]\s*(\d{2}|\d{4})", s):
        start, end = int(m[1]), int(m[2])
        end = end if end >= 100 else (start // 100) * 100 + end
        return start if end == start + 1 else None
    if m := re.fullmatch(r"(\d{2})\s*[/-]\s*(\d{2})", s):
        start = 2000 + int(m[1])
        return start if (int(m[2]) - int(m[1])) % 100 == 1 else None
    if re.fullmatch(r"\d{4}(\.0)?", s):
        return int(float(s))
    return None


def _financial_years(frame: pd.DataFrame, file: str) -> list[Problem]:
    raw = frame["financial_year"]
    years = raw.map(parse_financial_year)
    bad = years.isna() | ~years.between(2000, 2100)
    frame["financial_year"] = years.astype("Int64")
    return problems_where(bad, frame, file=file, column="financial_year", values=raw,
                          message="not a financial year; write it as 2019/20 (or the start year, 2019)")


def _choice(frame: pd.DataFrame, column: str, aliases: dict[str, object], choices: str, file: str,
            *, required: bool = True) -> list[Problem]:
    """Map a column's words through ``aliases`` (normalised); unknown words are errors naming the choices."""
    raw = frame[column]
    mapped = raw.map(lambda v: aliases.get(normalise_header(v)) if isinstance(v, str) else None)
    frame[column] = mapped.astype(object)
    bad = mapped.isna() if required else mapped.isna() & raw.notna()
    return problems_where(bad, frame, file=file, column=column, values=raw,
                          message=f"blank or not recognised; use one of: {choices}")


def _codes_exist(frame: pd.DataFrame, column: str, known: set[str], file: str, message: str,
                 *, optional: bool = False) -> list[Problem]:
    missing = ~frame[column].isin(known)
    if optional:
        missing &= frame[column].notna()
    return problems_where(missing, frame, file=file, column=column, message=message)


def _score_columns(frame: pd.DataFrame, columns: list[str], file: str, *, required: tuple[str, ...]) -> list[Problem]:
    """Scores must be whole numbers from 1 to 5."""
    problems = []
    for col in columns:
        raw = frame[col].copy()
        numbers, bad = to_number(raw)
        frame[col] = numbers
        out_of_range = numbers.notna() & ((numbers < 1) | (numbers > 5) | (numbers % 1 != 0))
        blank = numbers.isna() & ~bad if col in required else pd.Series(False, index=frame.index)
        problems += problems_where(bad | out_of_range.fillna(False) | blank, frame, file=file, column=col,
                                   values=raw, message="a score is a whole number from 1 (lowest) to 5 (highest)")
    return problems


INITIATIVE_HINT = "no initiative has this code; import it with the benefits register (source 'register') first"


# ------------------------------------------------------------------------------------------------- finance


FINANCE_COLUMNS = [
    Column("initiative_code", ("initiative", "scheme code", "scheme")),
    Column("financial_year", ("year", "fy", "financial year")),
    Column("scenario", ("plan or actual", "type", "plan actual")),
    Column("recurrent", ("recurrent", "recurrence", "recurrent non recurrent", "recurring")),
    Column("investment", ("cost", "investment gbp", "spend"), required=False),
    Column("gross_saving", ("gross savings", "gross saving gbp", "saving", "savings"), required=False),
    Column("net_saving", ("net savings", "net saving gbp", "net"), required=False),
]


def parse_finance(data: bytes, file_name: str, options: Options | None = None) -> Parsed:
    """Read the finance template: planned or actual £ by initiative, financial year and recurrence.

    Output columns: _row, initiative_code, financial_year (start year), scenario, recurrent (bool), investment,
    gross_saving, net_saving. Blank money is £0; a blank net saving is gross saving - investment.
    """
    frame, problems, n, _present = _read(data, file_name, FINANCE_COLUMNS)
    if (rejected := _rejected(frame, problems, n)) is not None:
        return rejected
    frame["initiative_code"] = clean_code(frame["initiative_code"])
    problems += _required_text(frame, "initiative_code", file_name, "give the initiative's code")
    problems += _financial_years(frame, file_name)
    problems += _choice(frame, "scenario", SCENARIO_ALIASES, "plan, actual", file_name)
    problems += _choice(frame, "recurrent", RECURRENT_ALIASES, "yes (recurrent), no (non-recurrent)", file_name)
    problems += _numbers(frame, ["investment", "gross_saving", "net_saving"], file_name)
    none = frame[["investment", "gross_saving", "net_saving"]].isna().all(axis=1)
    problems += problems_where(none, frame, file=file_name, column="investment",
                               message="no money in this row; give investment and/or gross_saving (£)")
    problems += problems_where(frame["investment"] < 0, frame, file=file_name, column="investment",
                               message="investment cannot be negative; record a saving in gross_saving instead")
    investment = frame["investment"].fillna(0.0)
    gross = frame["gross_saving"].fillna(0.0)
    computed = gross - investment
    differs = frame["net_saving"].notna() & ((frame["net_saving"] - computed).abs() > 1)
    problems += problems_where(differs, frame, file=file_name, column="net_saving", severity="warning",
                               message="differs from gross_saving - investment by more than £1; the file's value is "
                                       "kept")
    frame["net_saving"] = frame["net_saving"].fillna(computed)
    frame["investment"], frame["gross_saving"] = investment, gross
    problems += _duplicates(frame, ["initiative_code", "financial_year", "scenario", "recurrent"], file_name,
                            "financial_year")
    return Parsed(frame, problems, rows_read=n)


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


ACTIVITY_COLUMNS = [
    Column("initiative_code", ("initiative", "scheme code", "scheme")),
    Column("financial_year", ("year", "fy", "financial year")),
    Column("point_of_delivery", ("pod", "point of delivery", "activity type", "setting")),
    Column("scenario", ("plan or actual", "type", "plan actual")),
    Column("change", ("activity change", "change in activity", "shift", "activity")),
    Column("evidence_kpi_code", ("evidence kpi", "kpi code", "kpi", "evidence"), required=False),
]
POD_CHOICES = ", ".join(p.value for p in PointOfDelivery)


def parse_activity(data: bytes, file_name: str, options: Options | None = None) -> Parsed:
    """Read the activity template: planned or actual change in activity (negative = fewer) by point of delivery.

    Output columns: _row, initiative_code, financial_year, point_of_delivery, scenario, change, evidence_kpi_code;
    ``_present`` notes whether the file has an evidence column (a file without one leaves existing links alone).
    """
    frame, problems, n, present = _read(data, file_name, ACTIVITY_COLUMNS)
    if (rejected := _rejected(frame, problems, n)) is not None:
        return rejected
    frame["initiative_code"] = clean_code(frame["initiative_code"])
    frame["evidence_kpi_code"] = clean_code(frame["evidence_kpi_code"])
    problems += _required_text(frame, "initiative_code", file_name, "give the initiative's code")
    problems += _financial_years(frame, file_name)
    aliases = {**POD_ALIASES, **{normalise_header(p.value): p.value for p in PointOfDelivery}}
    problems += _choice(frame, "point_of_delivery", aliases, POD_CHOICES, file_name)
    problems += _choice(frame, "scenario", SCENARIO_ALIASES, "plan, actual", file_name)
    problems += _numbers(frame, ["change"], file_name)
    problems += problems_where(frame["change"].isna(), frame, file=file_name, column="change",
                               message="the activity change is blank; give a number (negative for less activity)")
    problems += _duplicates(frame, ["initiative_code", "financial_year", "point_of_delivery", "scenario"], file_name,
                            "point_of_delivery")
    frame["_evidence_present"] = "evidence_kpi_code" in present
    return Parsed(frame, problems, rows_read=n)


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


MILESTONE_COLUMNS = [
    Column("initiative_code", ("initiative", "scheme code")),
    Column("milestone_code", ("code", "milestone", "milestone id")),
    Column("name", ("milestone name", "title", "description")),
    Column("owner", ("lead", "responsible"), required=False),
    Column("borough_code", ("borough", "la code"), required=False),
    Column("planned_date", ("planned", "baseline date", "due date", "due")),
    Column("actual_date", ("actual", "completed", "completion date", "live date"), required=False),
]


def parse_milestones(data: bytes, file_name: str, options: Options | None = None) -> Parsed:
    """Read the milestones template: one row per milestone with planned and (when done) actual dates.

    A blank actual date means not done yet. Output columns: _row, initiative_code, milestone_code, name, owner,
    borough_code, planned_date, actual_date.
    """
    frame, problems, n, _present = _read(data, file_name, MILESTONE_COLUMNS)
    if (rejected := _rejected(frame, problems, n)) is not None:
        return rejected
    for col in ("initiative_code", "milestone_code", "borough_code"):
        frame[col] = clean_code(frame[col])
    problems += _required_text(frame, "initiative_code", file_name, "give the initiative's code")
    problems += _required_text(frame, "milestone_code", file_name, "give the milestone a short code")
    problems += _required_text(frame, "name", file_name, "say what the milestone is")
    problems += _dates(frame, ["planned_date", "actual_date"], file_name)
    problems += problems_where(frame["planned_date"].isna(), frame, file=file_name, column="planned_date",
                               message="the planned date is blank; give it as YYYY-MM-DD")
    too_long = frame["milestone_code"].astype("string").str.len() > 30
    problems += problems_where(too_long.fillna(False), frame, file=file_name, column="milestone_code",
                               message="a milestone code has at most 30 characters; shorten it")
    problems += _duplicates(frame, ["initiative_code", "milestone_code"], file_name, "milestone_code")
    return Parsed(frame, problems, rows_read=n)


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


RISK_COLUMNS = [
    Column("risk_code", ("code", "risk", "risk id", "risk ref", "reference")),
    Column("title", ("risk title", "risk")),
    Column("description", ("risk description", "detail"), required=False),
    Column("workstream_code", ("workstream",), required=False),
    Column("initiative_code", ("initiative",), required=False),
    Column("kpi_code", ("kpi", "kpi threatened"), required=False),
    Column("owner", ("risk owner", "lead"), required=False),
    Column("likelihood", ("l", "inherent likelihood", "likelihood before")),
    Column("impact", ("i", "consequence", "inherent impact", "impact before")),
    Column("mitigation", ("mitigations", "controls", "actions"), required=False),
    Column("revised_likelihood", ("residual likelihood", "likelihood after", "target likelihood"), required=False),
    Column("revised_impact", ("residual impact", "impact after", "residual consequence"), required=False),
    Column("escalation", ("escalation potential",), required=False),
    Column("raised_date", ("date raised", "raised", "opened"), required=False),
]


def default_escalation(score: int) -> str:
    """Escalation potential from the score before mitigation: high from 16, medium from 9, low below."""
    return Escalation.HIGH.value if score >= 16 else Escalation.MEDIUM.value if score >= 9 else Escalation.LOW.value


def parse_risks(data: bytes, file_name: str, options: Options | None = None) -> Parsed:
    """Read the risk register template: one row per risk, scored 1-5 for likelihood and impact.

    Blank revised scores mean no mitigation yet (they take the scores before mitigation); a blank escalation is
    worked out from the score (high from 16, medium from 9). A risk names its workstream, its initiative, or both.
    """
    frame, problems, n, _present = _read(data, file_name, RISK_COLUMNS)
    if (rejected := _rejected(frame, problems, n)) is not None:
        return rejected
    for col in ("risk_code", "workstream_code", "initiative_code", "kpi_code"):
        frame[col] = clean_code(frame[col])
    problems += _required_text(frame, "risk_code", file_name, "give the risk a short code (e.g. R01)")
    problems += _required_text(frame, "title", file_name, "say what the risk is")
    problems += problems_where(frame["workstream_code"].isna() & frame["initiative_code"].isna(), frame,
                               file=file_name, column="workstream_code",
                               message="give the workstream (or the initiative) the risk belongs to")
    problems += _score_columns(frame, ["likelihood", "impact", "revised_likelihood", "revised_impact"], file_name,
                               required=("likelihood", "impact"))
    frame["revised_likelihood"] = frame["revised_likelihood"].fillna(frame["likelihood"])
    frame["revised_impact"] = frame["revised_impact"].fillna(frame["impact"])
    raw = frame["escalation"]
    level = raw.astype("string").str.strip().str.lower()
    bad = level.notna() & ~level.isin(ESCALATION_CHOICES)
    problems += problems_where(bad.fillna(False), frame, file=file_name, column="escalation", values=raw,
                               message=f"use one of: {', '.join(ESCALATION_CHOICES)} (or leave it blank)")
    score = (frame["likelihood"] * frame["impact"]).fillna(0).astype(int)
    frame["escalation"] = level.where(level.notna(), score.map(default_escalation)).astype(object)
    problems += _dates(frame, ["raised_date"], file_name)
    problems += _duplicates(frame, ["risk_code"], file_name, "risk_code")
    return Parsed(frame, problems, rows_read=n)


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


REVIEW_COLUMNS = [
    Column("risk_code", ("code", "risk", "risk id", "risk ref")),
    Column("review_date", ("date", "reviewed", "review")),
    Column("likelihood", ("l", "inherent likelihood", "likelihood before")),
    Column("impact", ("i", "consequence", "inherent impact", "impact before")),
    Column("revised_likelihood", ("residual likelihood", "likelihood after"), required=False),
    Column("revised_impact", ("residual impact", "impact after"), required=False),
]


def parse_risk_reviews(data: bytes, file_name: str, options: Options | None = None) -> Parsed:
    """Read the risk reviews template: the scores of a risk at each dated review (for the trend)."""
    frame, problems, n, _present = _read(data, file_name, REVIEW_COLUMNS)
    if (rejected := _rejected(frame, problems, n)) is not None:
        return rejected
    frame["risk_code"] = clean_code(frame["risk_code"])
    problems += _required_text(frame, "risk_code", file_name, "give the risk's code")
    problems += _dates(frame, ["review_date"], file_name)
    problems += problems_where(frame["review_date"].isna(), frame, file=file_name, column="review_date",
                               message="the review date is blank; give it as YYYY-MM-DD")
    problems += _score_columns(frame, ["likelihood", "impact", "revised_likelihood", "revised_impact"], file_name,
                               required=("likelihood", "impact"))
    frame["revised_likelihood"] = frame["revised_likelihood"].fillna(frame["likelihood"])
    frame["revised_impact"] = frame["revised_impact"].fillna(frame["impact"])
    problems += _duplicates(frame, ["risk_code", "review_date"], file_name, "review_date")
    return Parsed(frame, problems, rows_read=n)


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

