"""The declared schema of each of the dashboard's own templates (``docs/templates/*.csv``), in the same engine as
the published sources (:mod:`data.importers.schema`).

Each template's parse step reads the file, runs its schema over every row (nothing is converted or written
before), then converts the values with :meth:`Schema.convert`, so what the schema accepts is exactly what the
template loads. Headers are matched by alias (``KPI code``, ``kpi_code`` and ``KPI`` name one column); messages
name the column as the file heads it. Codes whose format is published are checked against it per area level
(ODS practice ``[A-Z]\\d{5}``, PCN ``U\\d{5}``, ONS ``[EWSNK]\\d{8}``, LSOA, MSOA, CQC location); text is never
longer than its database column (PostgreSQL would refuse it on write). Checks that need the database (does the
KPI, initiative, borough exist; is the KPI reported at this level) stay in each template's ``validate_*`` step.

The template vocabularies (area levels, scenarios, recurrence, points of delivery, financial years) live here
with their converters, so the importers and the schemas share one reading of each word.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from data.importers.common import Parsed, Problem, normalise_header, read_table, to_period
from data.importers.schema import (
    CQC_LOCATION,
    GSS,
    LSOA,
    ODS_COMMISSIONER,
    ODS_ORGANISATION,
    ODS_PRACTICE,
    PCN,
    WARD,
    Converter,
    Field,
    Rule,
    Schema,
    Unique,
    ci_order,
    ordered,
    shown,
)
from models import FOOTPRINT_LEVELS, AreaLevel, Escalation, PointOfDelivery, Polarity, ValueType

# ------------------------------------------------------------------------------------------- vocabularies

LEVEL_ALIASES: dict[str, str] = {
    "gp": AreaLevel.PRACTICE, "gp practice": AreaLevel.PRACTICE, "practice": AreaLevel.PRACTICE,
    "pcn": AreaLevel.PCN, "primary care network": AreaLevel.PCN, "borough": AreaLevel.BOROUGH,
    "la": AreaLevel.BOROUGH, "local authority": AreaLevel.BOROUGH, "lad": AreaLevel.BOROUGH,
    "system": AreaLevel.SYSTEM, "icb": AreaLevel.SYSTEM, "ics": AreaLevel.SYSTEM, "stp": AreaLevel.SYSTEM,
    "care home": AreaLevel.CARE_HOME, "care_home": AreaLevel.CARE_HOME, "ward": AreaLevel.WARD,
    "lsoa": AreaLevel.LSOA, "msoa": AreaLevel.MSOA,
}
LEVEL_CHOICES = ", ".join(lv.value for lv in FOOTPRINT_LEVELS)  # England/region: benchmarks, not template levels
LEVEL_PATTERNS = {  # area level -> the published format of its codes (levels without one are not checked)
    AreaLevel.PRACTICE.value: ODS_PRACTICE, AreaLevel.PCN.value: PCN, AreaLevel.BOROUGH.value: GSS,
    AreaLevel.WARD.value: GSS, AreaLevel.LSOA.value: LSOA, AreaLevel.MSOA.value: r"[EW]02\d{6}",
    AreaLevel.CARE_HOME.value: CQC_LOCATION,
}
LEVEL_FORMATS = ("practice an ODS practice code (F83004), pcn U and 5 digits (U12345), borough and ward an ONS code "
                 "(E09000007), lsoa E01 and 6 digits, msoa E02 and 6 digits, care_home a CQC location ID (1-123)")
POLARITY_ALIASES = {"higher": "higher_is_better", "up": "higher_is_better", "lower": "lower_is_better",
                    "down": "lower_is_better", "neither": "no_judgement", "none": "no_judgement"}
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
    **{normalise_header(p.value): p.value for p in PointOfDelivery},
}
POD_CHOICES = ", ".join(p.value for p in PointOfDelivery)
YES_NO = {"true": True, "yes": True, "y": True, "1": True, "false": False, "no": False, "n": False, "0": False}
AREA_LEVELS = ("system", "borough", "pcn", "sub_icb", "place", "practice")
AREA_PATTERNS = {"system": ODS_COMMISSIONER, "borough": GSS, "pcn": PCN, "sub_icb": ODS_COMMISSIONER,
                 "place": GSS, "practice": ODS_PRACTICE}
PARENT_HINT = {
    "borough": "a borough needs its system's code",
    "place": "a place needs the code of the system it is added to",
    "sub_icb": "a sub-ICB code needs its system's code (or a borough's ONS code for a former borough CCG)",
    "pcn": "a PCN needs its borough's code (or detach=yes)",
    "practice": "a practice correction needs its borough's ONS code or its PCN's code (or detach=yes)",
}
NAMED_LEVELS = ("system", "borough", "pcn")
DETACH = {"yes": True, "y": True, "true": True, "1": True, "detach": True, "no": False, "n": False, "false": False,
          "0": False}
SCORE = dict(kind="integer", minimum=1, maximum=5, hint="a score is a whole number from 1 (lowest) to 5 (highest)")


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


# ---------------------------------------------------------------------------------------------- converters


def _mapped(raw: pd.Series, read: Mapping[str, object] | None = None, *, key=None,  # noqa: ANN001 - a str -> str
            default: object = None) -> tuple[pd.Series, pd.Series]:
    """Each value's reading through ``read`` (after ``key`` normalises it); blanks take ``default``."""
    key = key or normalise_header
    values, bad = [], []
    for v in raw.astype(object):
        if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)):
            values.append(default)
            bad.append(False)
            continue
        got = read.get(key(v)) if read is not None else None
        values.append(got)
        bad.append(got is None)
    return pd.Series(values, index=raw.index, dtype=object), pd.Series(bad, index=raw.index, dtype=bool)


def choice(read: Mapping[str, object], *, default: object = None, key=None) -> Converter:  # noqa: ANN001
    """A converter of words read through ``read`` (keys normalised like headers unless ``key`` says otherwise)."""
    return lambda raw: _mapped(raw, read, key=key, default=default)


def _level_key(v: object) -> str:
    return str(v).strip().lower()


AREA_LEVEL_READ = {**{k: str(AreaLevel(v).value) for k, v in LEVEL_ALIASES.items()},
                   **{lv.value: lv.value for lv in FOOTPRINT_LEVELS}}
to_level = choice(AREA_LEVEL_READ, key=_level_key)


def to_level_list(raw: pd.Series) -> tuple[pd.Series, pd.Series]:
    """``practice;pcn;borough`` (``;`` or ``,``) to a tuple of levels; any unknown level marks the value invalid."""
    out, bad = [], []
    for v in raw.astype(object):
        items = [] if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)) else \
            [s.strip().lower() for s in str(v).replace(",", ";").split(";") if s.strip()]
        levels = [AREA_LEVEL_READ.get(i) for i in items]
        out.append(tuple(dict.fromkeys(lv for lv in levels if lv)))
        bad.append(any(lv is None for lv in levels))
    return pd.Series(out, index=raw.index, dtype=object), pd.Series(bad, index=raw.index, dtype=bool)


def to_period_start(raw: pd.Series) -> tuple[pd.Series, pd.Series]:
    """A period label to the first day of the period (``to_period``)."""
    start, _end, bad = to_period(raw.astype(object).where(raw.notna(), None))
    return start.where(start.notna(), None).astype(object), bad


def to_financial_year(raw: pd.Series) -> tuple[pd.Series, pd.Series]:
    """A financial year (2019/20, 2019-20, FY19/20, 2019) to its start year, 2000 to 2100."""
    years = raw.astype(object).map(lambda v: None if v is None or v is pd.NA else parse_financial_year(v))
    years = years.map(lambda y: y if y is not None and 2000 <= y <= 2100 else None)
    return years.astype(object), raw.notna().to_numpy(dtype=bool) & years.isna().to_numpy(dtype=bool)


def _enum_key(v: object) -> str:
    return re.sub(r"[\s-]+", "_", str(v).strip().lower())


PERIOD = "a period: a month (2024-03), a financial year (2023/24), a quarter (2023/24 Q1) or a calendar year (2023)"
FINANCIAL_YEAR = "a financial year from 2000/01 to 2100/01, written 2019/20 (or the start year, 2019)"


# ----------------------------------------------------------------------------------------------- rule helpers


def _col(t: pd.DataFrame, name: str) -> pd.Series:
    """Column ``name`` of the typed frame, or all blank when the file does not have it."""
    return t[name] if name in t.columns else pd.Series([None] * len(t), index=t.index, dtype=object)


def _blank(s: pd.Series) -> np.ndarray:
    return s.isna().to_numpy(dtype=bool)


def code_of_level(level: str, code: str, patterns: Mapping[str, str], formats: str) -> Rule:
    """``code`` matches the published format of its row's ``level`` (levels without a format pass)."""
    def check(t: pd.DataFrame) -> np.ndarray:
        return np.array([isinstance(lv, str) and isinstance(c, str) and lv in patterns
                         and re.fullmatch(patterns[lv], c) is None for lv, c in zip(t[level], t[code], strict=True)],
                        dtype=bool)
    return Rule(f"`{code}` is in the format of its `{level}`: {formats}", (code, level), check,
                f"this code is not in the format of the row's level ({formats}); correct the code or the level")


def not_same(column: str, other: str, message: str, text: str) -> Rule:
    """``column`` differs from ``other`` where both are given."""
    def check(t: pd.DataFrame) -> np.ndarray:
        return np.array([isinstance(a, str) and a == b for a, b in zip(t[column], t[other], strict=True)], dtype=bool)
    return Rule(text, (column, other), check, message)


@dataclass(frozen=True)
class Template:
    """A template file as read through its schema: ``raw`` (canonical column names, text as written), ``frame``
    (the same rows converted by the schema), every problem, rows read and the canonical columns the file has."""

    raw: pd.DataFrame
    frame: pd.DataFrame
    problems: list[Problem]
    rows_read: int
    present: set[str]
    refused: bool  # a file-level error (a missing column): no row can be read
    headers: dict[str, str]  # canonical name -> the column as the file heads it

    def header(self, name: str) -> str:
        """The file's own header of column ``name`` (the canonical name when the file does not have it)."""
        return self.headers.get(name, name)

    def parsed(self, frame: pd.DataFrame, notes: list[str] | None = None) -> Parsed:
        """``frame`` as the parse step's result, carrying the file's headers (``attrs["headers"]``) so the checks
        against the database name columns as the file does too (``run_import``)."""
        frame.attrs["headers"] = dict(self.headers)
        return Parsed(frame, self.problems, notes or [], rows_read=self.rows_read)

    def rejected(self) -> Parsed:
        """The refusal, nothing read."""
        return Parsed(self.frame.iloc[0:0], self.problems, rows_read=self.rows_read)


def read_template(data: bytes, file_name: str, schema: Schema) -> Template:
    """Read a template and check every row against ``schema`` before anything is converted.

    Headers are renamed to the schema's canonical names (aliases as declared in its fields; unknown columns are
    ignored with one warning); absent optional columns are added blank. Row problems do not stop the reading:
    the rows that passed are converted too, so ``run_import`` can still check them against the database and one
    report lists every problem of the file.
    """
    hint = [normalise_header(h) for f in schema.fields for h in (f.name, *f.headers)]
    raw = read_table(data, file_name, header_hint=hint)
    problems = schema.check(raw, file_name)
    found = schema.columns_of(raw)
    refused = any(p.severity == "error" and (p.row is None or p.row <= 1) for p in problems)
    unknown = [shown(str(h)) for h in raw.columns if h != "_row" and h not in found.values()]
    if unknown:
        problems.append(Problem(file_name, 1, None, None, "ignored unknown columns: " + ", ".join(unknown),
                                "warning"))
    named = raw.rename(columns={v: k for k, v in found.items()})[["_row", *found]]
    for f in schema.fields:
        if f.name not in named.columns:
            named[f.name] = pd.NA
    named = named[["_row", *(f.name for f in schema.fields)]].reset_index(drop=True)
    return Template(named, schema.convert(named), problems, len(raw), set(found), refused, schema.resolve(raw))


# ------------------------------------------------------------------------------------------------ KPI templates

KPI_CODE = dict(kind="code", length=30)
AREA_LEVEL = Field("area_level", ("level", "area level", "area type", "geography level"), required=True,
                   blank=False, convert=to_level, expect=f"an area level: one of {LEVEL_CHOICES} (or gp, pcn, la, "
                   "icb, ...)", hint=f"use one of: {LEVEL_CHOICES}")
AREA_CODE = Field("area_code", ("area", "area code", "org code", "organisation code", "geography code"), "code",
                  required=True, blank=False, length=20, hint="give the area's code (ODS or ONS)")
PERIOD_FIELD = Field("period", ("time period", "period start", "month", "date"), required=True, blank=False,
                     convert=to_period_start, expect=PERIOD)


def _value_or_numerator(t: pd.DataFrame) -> np.ndarray:
    return _blank(_col(t, "value")) & _blank(_col(t, "numerator"))


def _numerator_without_value_column(t: pd.DataFrame) -> np.ndarray:
    return _blank(t["numerator"]) & ("value" not in t.columns)


KPI_OBSERVATIONS = Schema(
    "kpi_observations", "KPI observations template (kpi_observations.csv)",
    (
        Field("kpi_code", ("kpi", "kpi code", "indicator code", "measure code"), required=True, blank=False,
              hint="give the code of a KPI in the KPI definitions", **KPI_CODE),
        AREA_LEVEL, AREA_CODE, PERIOD_FIELD,
        Field("period_end", ("period end", "end date"), "date", hint="write it as YYYY-MM-DD or leave it blank"),
        Field("numerator", ("count", "num"), "number", minimum=0),
        Field("denominator", ("denom", "population"), "number", above=0,
              hint="a denominator of 0 gives no value; give the true denominator or leave it blank"),
        Field("value", ("rate", "percentage", "indicator value"), "number"),
        Field("lower_ci", ("lower ci", "lower ci 95 0 limit", "lcl"), "number"),
        Field("upper_ci", ("upper ci", "upper ci 95 0 limit", "ucl"), "number"),
    ),
    rules=(
        code_of_level("area_level", "area_code", LEVEL_PATTERNS, LEVEL_FORMATS),
        ordered("period", "period_end", "period"),
        Rule("a row has a `value` or a `numerator`", ("value",), _value_or_numerator,
             "give a value, or a numerator (and denominator) to compute it"),
        Rule("a row has a `numerator` where the file has no `value` column", ("numerator",),
             _numerator_without_value_column, "give a numerator (and denominator) to compute the value"),
        ci_order("lower_ci", "value", "upper_ci"),
    ),
    keys=(Unique(("kpi_code", "area_level", "area_code", "period"), "KPI, area and period start"),),
    one_of=(("value", "numerator"),),
    notes=("a blank `period_end` is the end of the `period`",
           "the KPI exists, is reported at the row's level and the area is in the dashboard (checked against the "
           "database)",
           "a proportion's `numerator` is not larger than its `denominator` (the KPI's value type is in the "
           "database)"),
)

KPI_PLANS = Schema(
    "kpi_plans", "KPI plans template (kpi_plans.csv)",
    (
        Field("kpi_code", ("kpi", "kpi code"), required=True, blank=False,
              hint="give the code of a KPI in the KPI definitions", **KPI_CODE),
        AREA_LEVEL, AREA_CODE, PERIOD_FIELD,
        Field("value", ("planned value", "plan", "trajectory"), "number", required=True, blank=False,
              hint="give the value the KPI should reach"),
    ),
    rules=(code_of_level("area_level", "area_code", LEVEL_PATTERNS, LEVEL_FORMATS),),
    keys=(Unique(("kpi_code", "area_level", "area_code", "period"), "KPI, area and period start"),),
)

REGISTER = Schema(
    "register", "Benefits register template (register.csv)",
    (
        Field("workstream_code", ("workstream", "workstream id"), "code", required=True, blank=False, length=30,
              hint="give the workstream's code"),
        Field("workstream_name", ("workstream title",), length=200),
        Field("initiative_code", ("initiative", "initiative id", "scheme code"), "code", required=True,
              blank=False, length=30, unique=True, hint="give the initiative's code"),
        Field("initiative_name", ("initiative title", "scheme", "scheme name"), required=True, blank=False,
              length=200, hint="give the initiative's name"),
        Field("owner", ("lead", "senior responsible owner", "sro"), length=200),
        Field("borough_code", ("borough", "la code"), "code", pattern=GSS),
        Field("description", ("initiative description",)),
        Field("start_date", ("start",), "date", hint="write it as YYYY-MM-DD (e.g. 2024-03-31)"),
        Field("end_date", ("end",), "date", hint="write it as YYYY-MM-DD (e.g. 2024-03-31)"),
    ),
    rules=(ordered("start_date", "end_date", "initiative"),),
    notes=("a workstream has one name in the file (rows of one workstream naming it differently are refused)",
           "a new workstream has a `workstream_name`; a `borough_code` is a borough of the dashboard (checked "
           "against the database)"),
)

KPI_DEFINITIONS = Schema(
    "kpi_definitions", "KPI definitions template (kpi_definitions.csv)",
    (
        Field("kpi_code", ("code", "kpi"), required=True, blank=False, unique=True, hint="give the KPI a short code",
              **KPI_CODE),
        Field("initiative_code", ("initiative",), "code", required=True, blank=False, length=30,
              hint="name the initiative it serves"),
        Field("name", ("kpi name", "title"), required=True, blank=False, length=200, hint="give the KPI a name"),
        Field("definition", ("description",), required=True, blank=False, hint="say what is measured"),
        Field("numerator_definition", ("numerator",)),
        Field("denominator_definition", ("denominator",)),
        Field("unit", ("units",), required=True, blank=False, length=50, hint="give the display unit, e.g. %"),
        Field("value_type", ("type", "value type"), required=True, blank=False,
              convert=choice({**{v.value: v.value for v in ValueType}, "percentage": "proportion"}, key=_enum_key),
              expect="a value type: one of " + ", ".join(v.value for v in ValueType) + " (percentage is proportion)",
              hint="use one of: " + ", ".join(v.value for v in ValueType)),
        Field("multiplier", ("per",), "number", above=0,
              hint="the multiplier must be positive (100 for a percentage, 1000 per 1,000); blank is 1"),
        Field("polarity", ("direction", "improvement direction"), required=True, blank=False,
              convert=choice({**{v.value: v.value for v in Polarity}, **POLARITY_ALIASES}, key=_enum_key),
              expect="a polarity: one of " + ", ".join(v.value for v in Polarity) + " (or higher, lower, neither)",
              hint="use one of: " + ", ".join(v.value for v in Polarity)),
        Field("source", ("data source",), required=True, blank=False, length=300, hint="name the data source"),
        Field("caveats", ("notes",)),
        Field("counts_people", ("suppress small numbers", "counts people"), convert=choice(YES_NO, default=True),
              expect="yes or no (blank is yes)",
              hint="write yes or no (no only for counts of organisations such as practices)"),
        Field("summable", ("rolled up", "roll up", "additive"), convert=choice(YES_NO, default=True),
              expect="yes or no (blank is yes)",
              hint="write yes or no (no for modelled estimates, medians and ratios without expected counts: they "
                   "are not rolled up from practices)"),
        Field("levels", ("area levels", "reported at"), convert=to_level_list,
              expect=f"area levels separated by `;` from: {LEVEL_CHOICES}",
              hint=f"list levels separated by ';' from: {LEVEL_CHOICES}"),
        Field("baseline_value", ("baseline",), "number"),
        Field("baseline_period", (), convert=to_period_start, expect=PERIOD),
        Field("target_value", ("target",), "number"),
        Field("target_date", (), "date", hint="write it as YYYY-MM-DD (e.g. 2024-03-31)"),
        Field("validation_date", (), "date", hint="write it as YYYY-MM-DD (e.g. 2024-03-31)"),
        Field("indicator_code", ("published indicator", "published indicator code", "reads indicator"),
              **KPI_CODE),
    ),
    rules=(not_same("indicator_code", "kpi_code", "a KPI cannot read itself; give the code of a published "
                    "indicator (e.g. QOF_HYP) or leave it blank", "`indicator_code` is not the row's own `kpi_code`"),),
    notes=("the initiative is in the benefits register and a bound indicator is not a register KPI (checked "
           "against the database)",),
)

KPI_TARGETS = Schema(
    "kpi_targets", "KPI targets template (kpi_targets.csv)",
    (
        Field("kpi_code", ("code", "kpi"), required=True, blank=False, unique=True, hint="give the KPI's code",
              **KPI_CODE),
        Field("target_value", ("target",), "number"),
        Field("target_date", (), "date", hint="write it as YYYY-MM-DD (e.g. 2024-03-31)"),
        Field("baseline_value", ("baseline",), "number"),
        Field("baseline_period", (), convert=to_period_start, expect=PERIOD),
        Field("validation_date", (), "date", hint="write it as YYYY-MM-DD (e.g. 2024-03-31)"),
    ),
    one_of=(("target_value", "target_date", "baseline_value", "baseline_period", "validation_date"),),
    notes=("only the columns present change; a blank cell in a present column clears the value",),
)

# ------------------------------------------------------------------------------------------ programme templates

INITIATIVE = Field("initiative_code", ("initiative", "scheme code", "scheme"), "code", required=True, blank=False,
                   length=30, hint="give the initiative's code")
FY = Field("financial_year", ("year", "fy", "financial year"), required=True, blank=False,
           convert=to_financial_year, expect=FINANCIAL_YEAR)
SCENARIO = Field("scenario", ("plan or actual", "type", "plan actual"), required=True, blank=False,
                 convert=choice(SCENARIO_ALIASES), expect="plan or actual (or planned, budget, outturn, ...)",
                 hint="use one of: plan, actual")
MONEY = ("investment", "gross_saving", "net_saving")


def _no_money(t: pd.DataFrame) -> np.ndarray:
    return np.logical_and.reduce([_blank(_col(t, c)) for c in MONEY])


def _net_differs(t: pd.DataFrame) -> np.ndarray:
    investment = _col(t, "investment").astype(float).fillna(0.0)
    gross = _col(t, "gross_saving").astype(float).fillna(0.0)
    net = t["net_saving"].astype(float)
    return (net.notna() & ((net - (gross - investment)).abs() > 1)).to_numpy(dtype=bool)


FINANCE = Schema(
    "finance", "Finance template (finance.csv)",
    (
        INITIATIVE, FY, SCENARIO,
        Field("recurrent", ("recurrent", "recurrence", "recurrent non recurrent", "recurring"), required=True,
              blank=False, convert=choice(RECURRENT_ALIASES),
              expect="yes (recurrent) or no (non-recurrent)", hint="use one of: yes (recurrent), no (non-recurrent)"),
        Field("investment", ("cost", "investment gbp", "spend"), "number", minimum=0,
              hint="investment cannot be negative; record a saving in gross_saving instead"),
        Field("gross_saving", ("gross savings", "gross saving gbp", "saving", "savings"), "number"),
        Field("net_saving", ("net savings", "net saving gbp", "net"), "number"),
    ),
    rules=(
        Rule("a row has an `investment`, a `gross_saving` or a `net_saving`", ("investment",), _no_money,
             "no money in this row; give investment and/or gross_saving (£)"),
        Rule("`net_saving` is `gross_saving` - `investment` within £1 (a warning: the file's value is kept)",
             ("net_saving",), _net_differs, "differs from gross_saving - investment by more than £1; the file's "
             "value is kept", "warning"),
    ),
    keys=(Unique(("initiative_code", "financial_year", "scenario", "recurrent"),
                 "initiative, financial year, scenario and recurrence"),),
    one_of=(("investment", "gross_saving"),),
    notes=("blank money is £0; a blank `net_saving` is `gross_saving` - `investment`",),
)

ACTIVITY = Schema(
    "activity", "Activity template (activity.csv)",
    (
        INITIATIVE, FY,
        Field("point_of_delivery", ("pod", "point of delivery", "activity type", "setting"), required=True,
              blank=False, convert=choice(POD_ALIASES), expect=f"a point of delivery: one of {POD_CHOICES} (or A&E, "
              "NEL, OP first, ...)", hint=f"use one of: {POD_CHOICES}"),
        SCENARIO,
        Field("change", ("activity change", "change in activity", "shift", "activity"), "number", required=True,
              blank=False, hint="give a number (negative for less activity)"),
        Field("evidence_kpi_code", ("evidence kpi", "kpi code", "kpi", "evidence"), "code", length=30),
    ),
    keys=(Unique(("initiative_code", "financial_year", "point_of_delivery", "scenario"),
                 "initiative, financial year, point of delivery and scenario"),),
    notes=("a file without an `evidence_kpi_code` column leaves existing evidence links alone",),
)

MILESTONES = Schema(
    "milestones", "Milestones template (milestones.csv)",
    (
        Field("initiative_code", ("initiative", "scheme code"), "code", required=True, blank=False, length=30,
              hint="give the initiative's code"),
        Field("milestone_code", ("code", "milestone", "milestone id"), "code", required=True, blank=False, length=30,
              hint="give the milestone a short code (at most 30 characters)"),
        Field("name", ("milestone name", "title", "description"), required=True, blank=False, length=200,
              hint="say what the milestone is"),
        Field("owner", ("lead", "responsible"), length=200),
        Field("borough_code", ("borough", "la code"), "code", pattern=GSS,
              hint="give the borough's ONS code, or leave it blank for a system-wide milestone"),
        Field("planned_date", ("planned", "baseline date", "due date", "due"), "date", required=True, blank=False,
              hint="give it as YYYY-MM-DD"),
        Field("actual_date", ("actual", "completed", "completion date", "live date"), "date",
              hint="give it as YYYY-MM-DD, or leave it blank until done"),
    ),
    keys=(Unique(("initiative_code", "milestone_code"), "initiative and milestone code"),),
)


def _no_owner(t: pd.DataFrame) -> np.ndarray:
    return _blank(_col(t, "workstream_code")) & _blank(_col(t, "initiative_code"))


RISK_CODE = Field("risk_code", ("code", "risk", "risk id", "risk ref", "reference"), "code", required=True,
                  blank=False, length=30, hint="give the risk a short code (e.g. R01)")
RISKS = Schema(
    "risks", "Risk register template (risks.csv)",
    (
        replace(RISK_CODE, unique=True),
        Field("title", ("risk title", "risk"), required=True, blank=False, length=300, hint="say what the risk is"),
        Field("description", ("risk description", "detail")),
        Field("workstream_code", ("workstream",), "code", length=30),
        Field("initiative_code", ("initiative",), "code", length=30),
        Field("kpi_code", ("kpi", "kpi threatened"), "code", length=30),
        Field("owner", ("risk owner", "lead"), length=200),
        Field("likelihood", ("l", "inherent likelihood", "likelihood before"), required=True, blank=False, **SCORE),
        Field("impact", ("i", "consequence", "inherent impact", "impact before"), required=True, blank=False,
              **SCORE),
        Field("mitigation", ("mitigations", "controls", "actions")),
        Field("revised_likelihood", ("residual likelihood", "likelihood after", "target likelihood"), **SCORE),
        Field("revised_impact", ("residual impact", "impact after", "residual consequence"), **SCORE),
        Field("escalation", ("escalation potential",), convert=choice({e.value: e.value for e in Escalation},
                                                                      key=_enum_key),
              expect="an escalation potential: " + ", ".join(e.value for e in Escalation) + " (blank: from the score)",
              hint="use one of: " + ", ".join(e.value for e in Escalation) + " (or leave it blank)"),
        Field("raised_date", ("date raised", "raised", "opened"), "date", hint="write it as YYYY-MM-DD"),
    ),
    rules=(Rule("a risk names its `workstream_code` or its `initiative_code` (or both)", ("risk_code",), _no_owner,
                "give the workstream (or the initiative) the risk belongs to"),),
    notes=("blank revised scores take the scores before mitigation; a blank escalation is high from a score of 16, "
           "medium from 9, else low",
           "workstream, initiative and KPI exist and the initiative belongs to the workstream (checked against the "
           "database)"),
)

RISK_REVIEWS = Schema(
    "risk_reviews", "Risk reviews template (risk_reviews.csv)",
    (
        replace(RISK_CODE, headers=("code", "risk", "risk id", "risk ref"), hint="give the risk's code"),
        Field("review_date", ("date", "reviewed", "review"), "date", required=True, blank=False,
              hint="give it as YYYY-MM-DD"),
        Field("likelihood", ("l", "inherent likelihood", "likelihood before"), required=True, blank=False, **SCORE),
        Field("impact", ("i", "consequence", "inherent impact", "impact before"), required=True, blank=False,
              **SCORE),
        Field("revised_likelihood", ("residual likelihood", "likelihood after"), **SCORE),
        Field("revised_impact", ("residual impact", "impact after"), **SCORE),
    ),
    keys=(Unique(("risk_code", "review_date"), "risk and review date"),),
)

# -------------------------------------------------------------------------------------- areas and providers


def _is_level(*levels: str):  # noqa: ANN202 - a row filter
    return lambda t: t["level"].isin(levels).to_numpy(dtype=bool)


def _unnamed(t: pd.DataFrame) -> np.ndarray:
    return _is_level(*NAMED_LEVELS)(t) & _blank(_col(t, "name"))


def _detached(t: pd.DataFrame) -> np.ndarray:
    return (_col(t, "detach").fillna(False).astype(bool).to_numpy(dtype=bool)
            & ~_is_level("pcn", "practice")(t))


def _orphan(level: str):  # noqa: ANN202 - a rule check
    def check(t: pd.DataFrame) -> np.ndarray:
        detached = _col(t, "detach").fillna(False).astype(bool).to_numpy(dtype=bool)
        return (t["level"] == level).to_numpy(dtype=bool) & _blank(_col(t, "parent_code")) & ~detached
    return check


AREAS = Schema(
    "areas", "Areas template (areas.csv)",
    (
        Field("level", ("area level", "type", "area type"), required=True, blank=False,
              convert=choice({lv: lv for lv in AREA_LEVELS}, key=_enum_key),
              expect="an area level of this template: one of " + ", ".join(AREA_LEVELS),
              hint="use one of: " + ", ".join(AREA_LEVELS)),
        Field("code", ("area code", "ods code"), "code", required=True, blank=False, length=10,
              hint="give the area's code"),
        Field("name", ("area name",), required=True, length=200),
        Field("parent_code", ("parent", "parent code", "system code", "borough code"), "code", length=10),
        Field("ons_code", ("ons", "ons system code"), "code", pattern=GSS),
        Field("detach", ("detached", "remove"), convert=choice(DETACH, default=False),
              expect="yes or no (blank is no)", hint="write yes to take the pcn or practice out of every footprint"),
    ),
    rules=(
        code_of_level("level", "code", AREA_PATTERNS, "system and sub_icb an ODS code of 3 to 5 characters (QMJ, "
                      "93C), borough and place an ONS code (E09000007), pcn U and 5 digits, practice an ODS practice "
                      "code (F83004)"),
        Rule("a system, borough or pcn row has a `name`", ("name",), _unnamed, "name is blank; give the area's name"),
        Rule("only a pcn or practice row has `detach` yes", ("detach",), _detached,
             "only a pcn or practice row can be detached"),
        *[Rule(f"a {level} row has a `parent_code` ({what})", ("parent_code",), _orphan(level), what)
          for level, what in PARENT_HINT.items()],
    ),
    keys=(
        Unique(("code", "level"), "code and level (a system, borough, pcn or practice)",
               where=lambda t: ~_is_level("sub_icb", "place")(t)),
        Unique(("code", "level", "parent_code"), "code, level and parent (a sub_icb or place)",
               where=_is_level("sub_icb", "place")),
    ),
    notes=("each parent is an area of the parent level, in this file or already loaded (checked against the "
           "database)",),
)

PROVIDERS = Schema(
    "providers", "Providers template (providers.csv)",
    (
        Field("provider_code", ("provider", "trust code", "org code", "code"), "code", required=True, blank=False,
              pattern=ODS_ORGANISATION, unique=True, hint="give the trust's ODS code (e.g. RAL)"),
        Field("name", ("provider name", "trust name"), length=200),
        Field("system_code", ("system", "icb", "icb code", "parent code"), "code", required=True, blank=False,
              pattern=ODS_COMMISSIONER, hint="give the system's ODS code (e.g. QMJ)"),
    ),
    notes=("the system is loaded (areas template) and a provider new to the register has a `name` (checked "
           "against the database)",),
)


# ------------------------------------------------------------------------- neighbourhoods, successors, catchments


def _first(t: pd.DataFrame, column: str, key: str) -> tuple[pd.Series, pd.Series]:
    """For each row, the first non-blank ``column`` value given for its ``key`` in the file, and that row."""
    given = t[[key, column, "_row"]].dropna(subset=[key, column]).drop_duplicates(key)
    first = t[key].map(dict(zip(given[key], given[column], strict=True)))
    row = t[key].map(dict(zip(given[key], given["_row"], strict=True)))
    return first, row


def one_per(column: str, key: str, what: str, whose: str) -> Rule:
    """Every row of one ``key`` gives the same ``column`` (blanks pass): a second value names the first's row."""
    def check(t: pd.DataFrame) -> np.ndarray:
        first, _row = _first(t, column, key)
        return (t[column].notna() & t[key].notna() & first.notna() & (t[column] != first)).to_numpy(dtype=bool)

    def explain(t: pd.DataFrame) -> list[str]:
        first, row = _first(t, column, key)
        return [f"this {whose} ({k}) is given more than one {what}: row {int(r) if pd.notna(r) else '?'} gives "
                f"{f!r}; use one {what} in every row of the {whose}" for k, f, r in zip(t[key], first, row,
                                                                                          strict=True)]
    return Rule(f"one `{column}` per `{key}`: a row giving another is refused, naming the first row", (column, key),
                check, f"this {whose} is given more than one {what}; use one", explain=explain)


MEMBER_LEVELS = (AreaLevel.PRACTICE.value, AreaLevel.LSOA.value)
MEMBER_READ = {k: v for k, v in AREA_LEVEL_READ.items() if v in MEMBER_LEVELS}
MEMBER_PATTERNS = {AreaLevel.PRACTICE.value: ODS_PRACTICE, AreaLevel.LSOA.value: LSOA}

NEIGHBOURHOODS = Schema(
    "neighbourhoods", "Neighbourhoods template (neighbourhoods.csv)",
    (
        Field("neighbourhood_code", ("neighbourhood", "code"), "code", required=True, blank=False, length=20,
              hint="give the neighbourhood's code (at most 20 characters)"),
        Field("neighbourhood_name", ("name",), required=True, blank=False, length=200,
              hint="give the neighbourhood's name"),
        Field("place_code", ("place", "borough code", "borough"), "code", pattern=GSS,
              hint="give the place's (borough's) ONS code, e.g. E09000019, or leave it blank"),
        Field("member_level", ("level", "member type"), required=True, blank=False, convert=choice(
            MEMBER_READ, key=_level_key), expect="a member level: practice or lsoa (or gp)",
              hint="a neighbourhood's members are practices or LSOAs: write practice or lsoa"),
        Field("member_code", ("member", "practice code", "lsoa code"), "code", required=True, blank=False,
              length=20, hint="give the practice's ODS code or the LSOA code"),
    ),
    rules=(
        code_of_level("member_level", "member_code", MEMBER_PATTERNS, "practice an ODS practice code (F83004), "
                      "lsoa E01 (or W01) and 6 digits (E01002726)"),
        one_per("neighbourhood_name", "neighbourhood_code", "name", "neighbourhood"),
        one_per("place_code", "neighbourhood_code", "place", "neighbourhood"),
    ),
    keys=(Unique(("member_code", "member_level"), "practice or LSOA member"),),
    notes=("a practice or an LSOA is in one neighbourhood: a member given to two is a repeat, refused naming both "
           "rows; a re-import moves a practice or LSOA to the neighbourhood the new file gives it",
           "the place is a borough of the dashboard, a practice is in the register and an LSOA's boundary is loaded "
           "(checked against the database)"),
)

SUCCESSION_LEVELS = (AreaLevel.PRACTICE.value, AreaLevel.PCN.value, AreaLevel.BOROUGH.value, AreaLevel.SYSTEM.value)
SUCCESSION_READ = {k: v for k, v in AREA_LEVEL_READ.items() if v in SUCCESSION_LEVELS}
SUCCESSION_PATTERNS = {AreaLevel.PRACTICE.value: ODS_PRACTICE, AreaLevel.PCN.value: PCN,
                       AreaLevel.BOROUGH.value: GSS, AreaLevel.SYSTEM.value: ODS_COMMISSIONER}
SUCCESSION_FORMATS = ("practice an ODS practice code (F83004), pcn U and 5 digits (U12345), borough an ONS code "
                      "(E09000007), system an ODS code of 3 to 5 characters (QMJ)")


def _chains(t: pd.DataFrame) -> dict[int, list[tuple[str, int]]]:
    """Rows (positions) whose chain of successors leads back to their predecessor (A -> B -> A): the chain as
    (code, row) steps. Rows without a level or a code, and self-successions, take no part."""
    usable = [(i, lv, p, s, r) for i, (lv, p, s, r) in enumerate(zip(t["level"], t["predecessor_code"],
                                                                     t["successor_code"], t["_row"], strict=True))
              if isinstance(lv, str) and isinstance(p, str) and isinstance(s, str) and p != s]
    nxt = {(lv, p): (s, int(r)) for _i, lv, p, s, r in usable}
    out = {}
    for i, lv, start, _s, _r in usable:
        steps, (code, row) = [], nxt[(lv, start)]
        while len(steps) <= len(nxt):
            steps.append((code, row))
            if code == start:
                out[i] = steps
                break
            if (lv, code) not in nxt:
                break
            code, row = nxt[(lv, code)]
    return out


def _cyclic(t: pd.DataFrame) -> np.ndarray:
    bad = _chains(t)
    return np.array([i in bad for i in range(len(t))], dtype=bool)


def _cycle_message(t: pd.DataFrame) -> list[str]:
    chains = _chains(t)
    out = []
    for i, start in enumerate(t["predecessor_code"]):
        steps = chains.get(i, [])
        path = " -> ".join([str(start), *(c for c, _r in steps)])
        rows = ", ".join(str(r) for _c, r in steps)
        out.append(f"this chain of successors leads back to the predecessor ({path}; rows {rows}); an organisation "
                   "cannot succeed its own successor: remove one row")
    return out


SUCCESSORS = Schema(
    "successors", "Successors template (successors.csv)",
    (
        Field("level", ("area level", "area_level", "organisation type"), required=True, blank=False,
              convert=choice(SUCCESSION_READ, key=_level_key),
              expect="a succession level: one of " + ", ".join(SUCCESSION_LEVELS) + " (or gp, la, icb, ...)",
              hint="successions are recorded for " + ", ".join(SUCCESSION_LEVELS) + " only"),
        Field("predecessor_code", ("predecessor", "old code", "from code", "closed code"), "code", required=True,
              blank=False, length=20, hint="give the organisation's ODS (or ONS) code"),
        Field("successor_code", ("successor", "new code", "to code"), "code", required=True, blank=False,
              length=20, hint="give the organisation's ODS (or ONS) code"),
        Field("effective_date", ("effective", "date", "merger date", "succession date"), "date", required=True,
              blank=False, hint="give the first day the successor reports, as YYYY-MM-DD (e.g. 2024-04-01)"),
        Field("successor_name", ("name", "new name"), length=200,
              hint="a successor system new to the dashboard is named by it (at most 200 characters)"),
    ),
    rules=(
        code_of_level("level", "predecessor_code", SUCCESSION_PATTERNS, SUCCESSION_FORMATS),
        code_of_level("level", "successor_code", SUCCESSION_PATTERNS, SUCCESSION_FORMATS),
        not_same("successor_code", "predecessor_code", "an organisation cannot succeed itself; give the code of the "
                 "organisation that took it over, or remove the row", "`successor_code` is not the row's own "
                 "`predecessor_code` (an organisation cannot succeed itself)"),
        Rule("no chain of successors leads back to its predecessor (A -> B -> A is refused, naming the rows)",
             ("successor_code", "level", "predecessor_code"), _cyclic,
             "this chain of successors leads back to the predecessor; remove one row", explain=_cycle_message),
    ),
    keys=(Unique(("predecessor_code", "level"), "predecessor and level"),),
    notes=("a successor is in its level's register (a successor system may be new: it is created, named by "
           "`successor_name`); the predecessor may be closed or never loaded (checked against the database)",),
)


def _reassigned(t: pd.DataFrame) -> np.ndarray:
    first, _row = _first(t, "pcn_code", "area_code")
    return (t["pcn_code"].notna() & first.notna() & (t["pcn_code"] != first)).to_numpy(dtype=bool)


def _reassigned_message(t: pd.DataFrame) -> list[str]:
    first, row = _first(t, "pcn_code", "area_code")
    return [f"area {a} is already given to PCN {f} in row {int(r) if pd.notna(r) else '?'}; a catchment needs "
            "each area in one PCN: keep the right row and remove the other" for a, f, r in zip(t["area_code"], first,
                                                                                               row, strict=True)]


AREA_HEADERS = ("area code", "area", "LSOA11CD", "LSOA21CD", "lsoa", "WD13CD", "WD22CD", "ward")
PCN_CATCHMENTS = Schema(
    "pcn_catchments", "PCN catchments lookup (pcn_catchments.csv): LSOA -> PCN",
    (
        Field("area_code", ("lsoa_code", *AREA_HEADERS, "ward_code"), "code", required=True, blank=False, pattern=LSOA,
              hint="give the LSOA's code (E01...); for a lookup by ward import with the option from_level=ward"),
        Field("pcn_code", ("pcn_code", "pcn", "PCN_ODS_CODE"), "code", required=True, blank=False, pattern=PCN,
              hint="give the PCN's ODS code (U and 5 digits)"),
    ),
    rules=(Rule("an area is in one PCN: a row giving an area already given to another PCN is refused, naming the "
                "first row", ("pcn_code", "area_code"), _reassigned, "this area is already given to another PCN "
                "above; a catchment needs each area in one PCN", explain=_reassigned_message),),
    notes=("an exact repeat of a row (the same area and the same PCN) is accepted and loaded once",
           "each area's boundary is loaded and each PCN is in the register (checked against the database)"),
)
PCN_CATCHMENTS_WARD = replace(
    PCN_CATCHMENTS, title="PCN catchments lookup by ward (option from_level=ward): ward -> PCN",
    fields=(replace(PCN_CATCHMENTS.fields[0], headers=("ward_code", *AREA_HEADERS, "lsoa_code"), pattern=WARD,
                    hint="give the ward's ONS code (E05...); for a lookup by LSOA import without from_level=ward"),
            PCN_CATCHMENTS.fields[1]))



def _headed_as_templates(schema: Schema) -> Schema:
    """The schema with each column's template header (its canonical name, as ``docs/templates`` head it) first:
    messages about a missing column and the documentation name it so; the aliases follow."""
    return replace(schema, fields=tuple(replace(f, headers=(f.name, *[h for h in f.headers if h != f.name]))
                                        for f in schema.fields))


AREAS, PROVIDERS, REGISTER, KPI_DEFINITIONS, KPI_TARGETS, KPI_PLANS, KPI_OBSERVATIONS = map(
    _headed_as_templates, (AREAS, PROVIDERS, REGISTER, KPI_DEFINITIONS, KPI_TARGETS, KPI_PLANS, KPI_OBSERVATIONS))
FINANCE, ACTIVITY, MILESTONES, RISKS, RISK_REVIEWS = map(
    _headed_as_templates, (FINANCE, ACTIVITY, MILESTONES, RISKS, RISK_REVIEWS))
NEIGHBOURHOODS, SUCCESSORS = map(_headed_as_templates, (NEIGHBOURHOODS, SUCCESSORS))
TEMPLATE_SCHEMAS: dict[str, tuple[Schema, ...]] = {
    "areas": (AREAS,), "providers": (PROVIDERS,), "register": (REGISTER,), "kpi_definitions": (KPI_DEFINITIONS,),
    "kpi_targets": (KPI_TARGETS,), "kpi_plans": (KPI_PLANS,), "kpi_observations": (KPI_OBSERVATIONS,),
    "finance": (FINANCE,), "activity": (ACTIVITY,), "milestones": (MILESTONES,), "risks": (RISKS,),
    "risk_reviews": (RISK_REVIEWS,), "neighbourhoods": (NEIGHBOURHOODS,), "successors": (SUCCESSORS,),
    "pcn_catchments": (PCN_CATCHMENTS, PCN_CATCHMENTS_WARD),
}
