"""Shaping KPI data for the Trajectories and Variation pages: intervals, SPC, funnels and area comparisons.

Pure (pandas + data/stats): frames from ``data/queries.py`` in, frames and result objects out. Which method
each value type gets is decided here, in one place:

- **Confidence intervals** (PHEindicatormethods): proportions → Wilson score; rates, ratios and counts → exact
  Poisson below 10 events and Byar's from 10 (rates per the KPI's multiplier; a standardised ratio's interval is
  the count interval over the expected count).
- **Funnels**: proportions → FunnelPlotR ``PR``; rates → the SR formulation against the pooled rate
  (``funnel_rate_sr``); standardised ratios → FunnelPlotR ``SR`` (SHMI method); all with the overdispersion
  adjustment on by default (switchable). Counts have no funnel (no denominator).
- **Area comparison** (Fingertips): each area's 95% interval against the value of the area above it.
- **SPC**: Making Data Count XmR on the values, improvement direction from the KPI's polarity.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from data.register import plan_at
from data.stats.benchmark import compare_to_benchmark
from data.stats.funnel import FunnelResult, funnel_plot, funnel_rate_sr
from data.stats.intervals import phe_proportion, poisson_count_ci
from data.stats.spc import (
    AssuranceIcon,
    SpcResult,
    clip_for_display,
    rules_fired,
    spc,
    sustained_shift_rebase,
)
from data.status import Status, kpi_status
from data.suppression import FLAG, Rule, rule_for, suppress
from models import Polarity, ValueType

METHODS: dict[str, str] = {
    ValueType.PROPORTION.value: "Proportion with a Wilson score 95% interval; funnel: FunnelPlotR proportion "
    "(arcsine scale) with overdispersion adjustment; comparison: Fingertips interval against the benchmark.",
    ValueType.RATE.value: "Rate with exact Poisson (under 10 events) or Byar's 95% interval; funnel: standardised "
    "ratio against the pooled rate (FunnelPlotR SR, SHMI method) with overdispersion adjustment.",
    ValueType.RATIO.value: "Ratio of counts with a Poisson interval on the numerator; funnel as for rates.",
    ValueType.STANDARDISED_RATIO.value: "Observed over expected with a Poisson interval on the observed count; "
    "funnel: FunnelPlotR SR (SHMI method) with overdispersion adjustment.",
    ValueType.COUNT.value: "Count with an exact Poisson / Byar's interval; no funnel (no denominator).",
}
POLARITY_TEXT: dict[str, str] = {
    Polarity.HIGHER_IS_BETTER.value: "Higher is better",
    Polarity.LOWER_IS_BETTER.value: "Lower is better",
    Polarity.NO_JUDGEMENT.value: "No judgement (higher or lower is not better or worse)",
}


#: ``funnel_points`` labels of a unit inside the 99.8% limits, and of one the method cannot judge.
WITHIN = "Within limits"
NOT_ASSESSED = "Not assessed (no events)"


class AnalysisError(ValueError):
    """A chart cannot be drawn for this KPI and selection; the message says why, for the user."""


def with_intervals(frame: pd.DataFrame, value_type: str, multiplier: float, confidence: float = 0.95) -> pd.DataFrame:
    """Add ``lower``/``upper`` confidence limits from numerator and denominator (stored limits win when present)."""
    out = frame.copy()
    num = pd.to_numeric(out["numerator"], errors="coerce").to_numpy(float)
    den = pd.to_numeric(out["denominator"], errors="coerce").to_numpy(float)
    vtype = ValueType(value_type)
    usable = np.isfinite(num) & np.isfinite(den) & (den > 0)
    lower = np.full(len(out), np.nan)
    upper = np.full(len(out), np.nan)
    if usable.any():
        if vtype == ValueType.PROPORTION:
            ci = phe_proportion(num[usable], den[usable], confidence, multiplier)
            lower[usable], upper[usable] = ci.lower, ci.upper
        elif vtype == ValueType.COUNT:
            lo, up, _ = poisson_count_ci(num[usable], confidence)
            lower[usable], upper[usable] = lo, up
        else:  # rates, ratios and standardised ratios: a Poisson count over its denominator
            lo, up, _ = poisson_count_ci(num[usable], confidence)
            lower[usable] = lo / den[usable] * multiplier
            upper[usable] = up / den[usable] * multiplier
    stored_lower = pd.to_numeric(out.get("lower_ci"), errors="coerce") if "lower_ci" in out else None
    stored_upper = pd.to_numeric(out.get("upper_ci"), errors="coerce") if "upper_ci" in out else None
    out["lower"] = stored_lower.fillna(pd.Series(lower, index=out.index)) if stored_lower is not None else lower
    out["upper"] = stored_upper.fillna(pd.Series(upper, index=out.index)) if stored_upper is not None else upper
    return out


def trajectory_frame(series: pd.DataFrame, plans: pd.DataFrame) -> pd.DataFrame:
    """Actuals (with limits) and plan side by side per period: period_start, value, lower, upper, plan (and the
    suppression flag of a suppressed series)."""
    columns = ["period_start", "period_end", "numerator", "denominator", "value", "lower", "upper"]
    actual = series[[*columns, *([FLAG] if FLAG in series else [])]]
    plan = plans[["period_start", "value"]].rename(columns={"value": "plan"})
    out = actual.merge(plan, on="period_start", how="outer").sort_values("period_start")
    out["period_start"] = pd.to_datetime(out["period_start"])
    return out.reset_index(drop=True)


def spc_chart_data(
    series: pd.DataFrame,
    polarity: str,
    target: float | None,
    *,
    rebase: Sequence[object] = (),
    fix_after_n_points: int | None = None,
) -> SpcResult:
    """Making Data Count XmR over the series' values (needs at least two values).

    ``rebase``: period starts at which the limits are recalculated (each segment gets its own mean and limits);
    ``fix_after_n_points``: each segment's limits from its first N points only (NHSRplotthedots' baseline).
    """
    values = series.dropna(subset=["value"])
    if len(values) < 2:
        raise AnalysisError("An SPC chart needs at least two values; this area has fewer.")
    x = pd.to_datetime(values["period_start"]).to_numpy()
    points = [pd.Timestamp(p) for p in rebase]
    return spc(
        values["value"].to_numpy(float),
        x,
        improvement_direction=polarity,
        target=target,
        rebase=points or None,
        fix_after_n_points=fix_after_n_points,
    )


def spc_value_bounds(value_type: str, multiplier: float) -> tuple[float, float | None]:
    """Where a KPI's values can lie, for drawing SPC limits: from 0, and up to the multiplier for proportions."""
    return (0.0, float(multiplier)) if ValueType(value_type) == ValueType.PROPORTION else (0.0, None)


def spc_display(result: SpcResult, value_type: str, multiplier: float) -> pd.DataFrame:
    """The SPC frame to draw: limits clipped to the values' range (``*_shown``), the rules that fired and segments.

    Flags and icons stay those of the unclipped limits. Adds ``rules`` (every rule that fired, in Making Data
    Count's words) and ``segment`` ("Limits from Aug 2020": where the segment's mean and limits start).
    """
    lower, upper = spc_value_bounds(value_type, multiplier)
    out = clip_for_display(result.data, lower=lower, upper=upper)
    out["rules"] = rules_fired(result.data)
    starts = out.groupby("rebase_group")["x"].transform("min")
    out["segment"] = "Limits from " + pd.to_datetime(starts).dt.strftime("%b %Y")
    out["limits_note"] = _limits_note(out, lower, upper)
    return out


def _limits_note(display: pd.DataFrame, lower: float, upper: float | None) -> pd.Series:
    """Per row, where a limit was clipped for display: the limits as computed and why they are shown moved."""
    bound = f"{lower:g} to {upper:g}" if upper is not None else f"at least {lower:g}"
    text = (
        "Limits computed as "
        + display["lpl"].map("{:,.2f}".format)
        + " to "
        + display["upl"].map("{:,.2f}".format)
        + f"; shown within the values' possible range ({bound}). Flags use the computed limits."
    )
    return text.where(display["limits_clipped"].to_numpy(bool), "")


def spc_table(display: pd.DataFrame) -> pd.DataFrame:
    """The SPC chart's numbers as tabled and exported: the limits as drawn (clipped to the values' range).

    ``display`` as from :func:`spc_display`. A lower process limit of -49 for a rate reads 0, as on the chart; the
    computed limits are kept in words in "Limits note" on the rows where they were moved, and the flags
    ("Variation", "Deciding rule") are those of the computed limits.
    """
    columns = {
        "x": "Period",
        "y": "Value",
        "segment": "Segment",
        "mean_shown": "Mean",
        "lpl_shown": "Lower process limit",
        "upl_shown": "Upper process limit",
        "point_label": "Variation",
        "special_cause_type": "Deciding rule",
        "rules": "Rules fired",
        "limits_note": "Limits note",
    }
    return display[list(columns)].rename(columns=columns)


def kpi_milestones(
    milestones: pd.DataFrame, initiative_code: str, borough_code: str | None, start: object, end: object
) -> pd.DataFrame:
    """Milestones of a KPI's initiative to draw on its charts, for an area, between ``start`` and ``end``.

    ``milestones`` as from ``queries.milestones``. A system-wide milestone applies everywhere; a borough's only
    to that borough (and its PCNs), so the system's charts show system-wide milestones only. Each is drawn at its
    actual date when done, else at its planned date (labelled "planned"). Columns: date (Timestamp), label,
    code, done; ordered by date.
    """
    own = milestones[milestones["initiative_code"] == initiative_code]
    borough = own["borough_code"]
    own = own[borough.isna() | (borough == borough_code) if borough_code else borough.isna()]
    actual = pd.to_datetime(own["actual_date"])
    when = actual.fillna(pd.to_datetime(own["planned_date"]))
    out = pd.DataFrame(
        {
            "date": when,
            "label": np.where(actual.notna(), own["name"], own["name"] + " (planned)"),
            "code": own["code"],
            "done": actual.notna(),
        }
    )
    out = out[(out["date"] >= pd.Timestamp(start)) & (out["date"] <= pd.Timestamp(end))]
    return out.sort_values("date").reset_index(drop=True)


def _period_of(periods: pd.Series, when: pd.Timestamp) -> pd.Timestamp | None:
    """The first period starting on or after ``when`` (where a change's effect is first seen whole)."""
    later = periods[periods >= when]
    return None if later.empty else pd.Timestamp(later.min())


def known_change_rebase(
    series: pd.DataFrame, milestones: pd.DataFrame, *, fix_after_n_points: int | None = None
) -> list[pd.Timestamp]:
    """Periods at which the limits are recalculated by default: done milestones followed by a sustained shift.

    ``milestones`` as from :func:`kpi_milestones`. Each go-live is taken at the first period starting on or
    after its date, and kept when the 7 points from there are all on one side of the mean (Making Data Count:
    a sustained change with a known cause); see ``data.stats.spc.sustained_shift_rebase``.
    """
    values = series.dropna(subset=["value"])
    done = milestones[milestones["done"]] if len(milestones) else milestones
    if len(values) < 2 or done.empty:
        return []
    x = pd.to_datetime(values["period_start"])
    found = sustained_shift_rebase(
        values["value"].to_numpy(float), x.to_numpy(), done["date"], fix_after_n_points=fix_after_n_points
    )
    return [pd.Timestamp(f) for f in found]


def rebase_options(series: pd.DataFrame, milestones: pd.DataFrame) -> dict[str, str]:
    """Every period a chart can be rebased at (ISO date → label), milestone periods named after the milestone.

    ``milestones`` as from :func:`kpi_milestones`; a milestone is placed at the first period starting on or
    after its date, e.g. ``{"2020-08-01": "Aug 2020: Online consultation in every practice", ...}``.
    """
    periods = pd.to_datetime(series.dropna(subset=["value"])["period_start"]).sort_values()
    named: dict[pd.Timestamp, list[str]] = {}
    for row in milestones.itertuples():
        period = _period_of(periods, pd.Timestamp(row.date))
        if period is not None:
            named.setdefault(period, []).append(str(row.label))
    options = {}
    for period in periods.iloc[1:]:  # a rebase at the first period changes nothing
        label = period.strftime("%b %Y")
        if period in named:
            label += ": " + "; ".join(named[period])
        options[period.date().isoformat()] = label
    return options


def latest_status(frame: pd.DataFrame, polarity: str, tolerance: float) -> Status:
    """Status against plan of the latest period with a value (``trajectory_frame`` in), as the register judges it."""
    reported = frame.dropna(subset=["value"])
    if reported.empty:
        return Status.NO_DATA
    latest = reported.iloc[-1]
    return kpi_status(float(latest["value"]), latest["plan"], polarity, tolerance)


# status against plan -> the assurance icons that contradict it (on track but the process will not reliably
# meet the target; behind plan although the process consistently meets it)
_CONTRADICTS = {
    Status.ON_TRACK: (AssuranceIcon.CONSISTENT_FAIL, AssuranceIcon.INCONSISTENT),
    Status.AT_RISK: (AssuranceIcon.CONSISTENT_PASS,),
    Status.OFF_TRACK: (AssuranceIcon.CONSISTENT_PASS,),
}
_ASSURANCE_WORDS = {
    AssuranceIcon.CONSISTENT_PASS: "will consistently meet the target",
    AssuranceIcon.CONSISTENT_FAIL: "will consistently miss the target",
    AssuranceIcon.INCONSISTENT: "will meet the target in some months and miss it in others",
}


def assurance_notes(
    cards: pd.DataFrame, series: pd.DataFrame, catalogue: pd.DataFrame, milestones: pd.DataFrame, borough: str | None
) -> list[str]:
    """Per KPI card, a short note where its SPC assurance differs from its status against plan (else "").

    ``cards`` as from ``register.kpi_cards`` (kpi_code, polarity, status, target_value), ``series`` every KPI's
    series for the area, ``catalogue`` the KPI catalogue (initiative_code), ``milestones`` as from
    ``queries.milestones`` and ``borough`` the area's borough (None for the system). The SPC is the one the
    Trajectories page draws by default: rebased at the initiative's go-lives with a sustained shift.
    """
    initiative = catalogue.set_index("kpi_code")["initiative_code"]
    notes = []
    for card in cards.itertuples(index=False):
        own = series[series["kpi_code"] == card.kpi_code].sort_values("period_start")
        target = None if pd.isna(card.target_value) else float(card.target_value)
        note = ""
        if own["value"].notna().sum() >= 2 and card.kpi_code in initiative.index:
            marks = kpi_milestones(
                milestones, initiative[card.kpi_code], borough, own["period_start"].min(), own["period_start"].max()
            )
            result = spc_chart_data(own, card.polarity, target, rebase=known_change_rebase(own, marks))
            note = assurance_note(Status(card.status), result.summary.assurance_icon, target)
        notes.append(note)
    return notes


def assurance_note(status: Status, assurance: AssuranceIcon | None, target: float | None) -> str:
    """A KPI card's short note when its SPC assurance contradicts its status against plan (see
    :func:`status_and_assurance`), else ""; the integrated summary's rows give the cards theirs
    (``data.summary.card_notes``), so the Overview runs one SPC per KPI."""
    if assurance is None or not status_and_assurance(status, assurance, target):
        return ""
    return f"SPC assurance: the process {_ASSURANCE_WORDS[assurance]}, unlike the status against plan."


def status_and_assurance(status: Status, assurance: AssuranceIcon | None, target: float | None) -> str | None:
    """One sentence explaining a status against plan and an SPC assurance that contradict each other, else None.

    They contradict when the KPI is on track but the process will not reliably meet the target (consistently
    failing, or hit and miss), or behind plan (at risk, off track) although it consistently meets the target.
    The status judges the latest month against its planned value; assurance judges whether the process, as it
    has run since its limits were last recalculated, can meet the target.
    """
    if assurance is None or assurance not in _CONTRADICTS.get(status, ()):
        return None
    goal = "the target" if target is None else f"the target ({target:,.4g})"
    return (
        f"Against plan the latest month is {status.value.lower()}; the SPC limits say the process "
        f"{_ASSURANCE_WORDS[assurance].replace('the target', goal)}. The status judges one month against its plan; "
        "assurance judges what the process, as it now runs, will deliver."
    )


@dataclass(frozen=True)
class Funnel:
    """A funnel ready to draw: the statistics plus which method produced them, in words."""

    result: FunnelResult
    method: str
    x_title: str
    value_column: str  # column of ``result.units`` holding the plotted value (value scale of the KPI)
    x_column: str  # column holding the x position (denominator or population)
    limit_columns: tuple[str, str, str, str]  # lcl95, ucl95, lcl998, ucl998 on the value scale
    centre: float


def in_areas(rows: pd.DataFrame, names: pd.DataFrame) -> pd.DataFrame:
    """Only the rows of areas in ``names`` (the system's own areas: a system's funnel compares its own units)."""
    return rows[rows["area_code"].isin(names["area_code"])]


def funnel_for(
    frame: pd.DataFrame, value_type: str, multiplier: float, *, od_adjust: bool = True, limit: float = 99.8
) -> Funnel:
    """The funnel for one KPI and period across areas (``area_code``, ``numerator``, ``denominator``)."""
    data = frame.dropna(subset=["numerator", "denominator"])
    data = data[data["denominator"] > 0]
    if len(data) < 2:
        raise AnalysisError("A funnel plot needs at least two areas with a numerator and denominator.")
    vtype = ValueType(value_type)
    units = data["area_code"].to_numpy()
    if vtype == ValueType.PROPORTION:
        result = funnel_plot(
            data["numerator"],
            data["denominator"],
            units,
            data_type="PR",
            limit=limit,
            od_adjust=od_adjust,
            multiplier=multiplier,
        )
        return Funnel(
            result,
            "Proportion (FunnelPlotR PR, Spiegelhalter 2005)",
            "Denominator",
            "value",
            "denominator",
            ("lcl95", "ucl95", "lcl998", "ucl998"),
            result.target * multiplier,
        )
    if vtype in (ValueType.RATE, ValueType.RATIO):
        result = funnel_rate_sr(
            data["numerator"].to_numpy(float),
            data["denominator"].to_numpy(float),
            units,
            per=multiplier,
            limit=limit,
            od_adjust=od_adjust,
        )
        centre = float(result.limits["rate_target"].iloc[0])
        return Funnel(
            result,
            "Rate: standardised ratio against the pooled rate (FunnelPlotR SR, SHMI method)",
            "Denominator",
            "rate",
            "population",
            ("rate_lcl95", "rate_ucl95", "rate_lcl998", "rate_ucl998"),
            centre,
        )
    if vtype == ValueType.STANDARDISED_RATIO:
        result = funnel_plot(
            data["numerator"],
            data["denominator"],
            units,
            data_type="SR",
            sr_method="SHMI",
            limit=limit,
            od_adjust=od_adjust,
            multiplier=multiplier,
        )
        return Funnel(
            result,
            "Standardised ratio (FunnelPlotR SR, SHMI method)",
            "Expected",
            "value",
            "denominator",
            ("lcl95", "ucl95", "lcl998", "ucl998"),
            multiplier,
        )
    raise AnalysisError("Counts have no denominator, so they cannot be compared in a funnel plot.")


def funnel_summary(funnel: Funnel, outliers: pd.DataFrame, units: str, events: str = "events") -> str:
    """One sentence for the funnel: how many ``units`` (a plural noun) lie above and below the 95% limits, and what
    happened to units with no ``events``, e.g. "230 care homes: 9 above and 23 below the 95% limits; 2 with no
    admissions cannot be assessed on the log scale (shown at zero, not flagged)."
    """
    result = funnel.result

    def count(n: int) -> str:
        return "none" if n == 0 else f"{n:,}"

    high = int((outliers["direction"] == "High").sum())
    low = int((outliers["direction"] == "Low").sum())
    text = f"{result.n_units:,} {units}: {count(high)} above and {count(low)} below the 95% limits"
    if result.n_not_assessed:
        n = result.n_not_assessed
        text += f"; {n:,} with no {events} cannot be assessed on the log scale (shown at zero, not flagged)"
    elif result.n_zero and not result.adjusted:
        n = result.n_zero
        which = "the one" if n == 1 else f"the {n:,}"
        text += f"; {which} with no {events} {'is' if n == 1 else 'are'} judged by the exact Poisson chance of none"
    return text + "."


def outlier_table(funnel: Funnel, names: pd.DataFrame) -> pd.DataFrame:
    """Areas beyond the 99.8% or 95% limits, furthest out first: code, name, value, limits, direction, how far.

    The flags are the funnel's own (``outlier95``/``outlier998``), so a unit the method cannot judge (no events on
    the log scale) or judged exactly (no events against Poisson limits) is listed as the statistics say, not by
    comparing its plotted zero with a limit line.
    """
    u = funnel.result.units
    _, _, lcl998, ucl998 = (u[c] for c in funnel.limit_columns)
    value = u[funnel.value_column]
    beyond998 = u["outlier998"].to_numpy(bool)
    beyond95 = u["outlier95"].to_numpy(bool) | beyond998
    high = value > funnel.centre
    table = pd.DataFrame(
        {
            "area_code": u["unit"],
            "value": value,
            "denominator": u[funnel.x_column],
            "direction": np.where(beyond95 & high, "High", np.where(beyond95, "Low", "")),
            "beyond": np.where(beyond998, "99.8% limit", np.where(beyond95, "95% limit", "")),
            "z": u["z_adjusted"] if funnel.result.adjusted else u["z"],
        }
    )
    table["distance"] = np.where(beyond998 & high, value - ucl998, np.where(beyond998, value - lcl998, np.nan))
    table = table[table["beyond"] != ""].merge(names, on="area_code", how="left")
    return table.reindex(table["z"].abs().sort_values(ascending=False).index).reset_index(drop=True)


def compare_areas(
    frame: pd.DataFrame, benchmark: float, polarity: str, value_type: str, multiplier: float
) -> pd.DataFrame:
    """Each area's value and 95% interval against the benchmark, labelled as Fingertips does."""
    out = with_intervals(frame, value_type, multiplier)
    out["comparison"] = compare_to_benchmark(out["lower"], out["upper"], benchmark, Polarity(polarity)).to_numpy()
    return out


def comparison_level(area_level: str, kpi_levels: tuple[str, ...]) -> str | None:
    """Which areas a trajectory is compared with in small multiples: PCNs of a borough (or PCN), else boroughs."""
    if area_level in ("borough", "pcn") and "pcn" in kpi_levels:
        return "pcn"
    if "borough" in kpi_levels:
        return "borough"
    return None


def trajectory_table(frame: pd.DataFrame, rule: Rule) -> pd.DataFrame:
    """The trajectory's numbers as shown and exported, with small counts suppressed (flags of ``frame`` kept)."""
    columns = ["period_start", "numerator", "denominator", "value", "lower", "upper", "plan"]
    table = frame[[*columns, *([FLAG] if FLAG in frame else [])]].copy()
    table["period_start"] = table["period_start"].dt.date
    table = suppress(table, rule)
    return table.rename(
        columns={
            "period_start": "Period",
            "numerator": "Numerator",
            "denominator": "Denominator",
            "value": "Value",
            "lower": "95% CI lower",
            "upper": "95% CI upper",
            "plan": "Plan",
            "suppression": "Suppression",
        }
    )


def funnel_points(funnel: Funnel, names: pd.DataFrame, highlight: str | None) -> pd.DataFrame:
    """The funnel's units as points to draw: x, value, names, whether highlighted, and their 99.8% position.

    ``outside`` is "High", "Low", "Within limits" or "Not assessed (no events)" (a zero the method cannot judge).

    ``x_label`` is the denominator as tooltips show it. Nothing here is suppressed: the caller passes the points
    through the one suppression step (``data.suppression.suppress`` with ``counts=`` the funnel's rows and a rule
    deriving ``x`` and ``x_label``), which blanks a point whose numerator -- or, for proportions, denominator --
    is a small count of people.
    """
    u = funnel.result.units
    value = u[funnel.value_column]
    beyond = u["outlier998"].to_numpy(bool)
    outside = np.where(beyond & (value > funnel.centre), "High", np.where(beyond, "Low", WITHIN))
    points = pd.DataFrame(
        {
            "area_code": u["unit"],
            "x": u[funnel.x_column],
            "value": value,
            "outside": np.where(u["assessed"].to_numpy(bool), outside, NOT_ASSESSED),
        }
    ).merge(names, on="area_code", how="left")
    points["name"] = points["name"].fillna(points["area_code"])
    points["x_label"] = points["x"].map("{:,.0f}".format)
    points["highlighted"] = (
        points[["area_code", "pcn_code", "borough_code"]].eq(highlight).any(axis=1) if highlight else False
    )
    return points


def area_target(plans: pd.DataFrame, target_value: float | None, target_date: object) -> float | None:
    """The area's own target: its plan at the target date; the KPI's target where the area has no plan."""
    if target_date is not None:
        planned = plan_at(plans, target_date)
        if not np.isnan(planned):
            return planned
    return None if target_value is None or pd.isna(target_value) else float(target_value)


# --------------------------------------------------------------------------- care homes (issue 6: EHCH page, map)

CARE_HOME_RATINGS = ("Outstanding", "Good", "Requires improvement", "Inadequate", "Not yet rated")


def care_home_summary(homes: pd.DataFrame, by: str) -> pd.DataFrame:
    """Homes, beds, nursing and residential homes and homes with a named GP practice, per ``by`` area.

    ``homes`` as from ``queries.care_homes``; ``by`` is "borough" or "pcn". Columns: code, name, homes, beds,
    nursing, residential, named_gp, named_gp_pct (of homes), beds_per_home; ordered by name; homes without a PCN
    are grouped under "No PCN" when ``by`` is "pcn".
    """
    code, name = f"{by}_code", by
    frame = homes.assign(
        **{
            code: homes[code].fillna("") if code in homes else "",
            name: homes[name].fillna("No PCN" if by == "pcn" else "Unknown"),
            "nursing": (homes["care_type"] == "nursing").astype(int),
            "residential": (homes["care_type"] == "residential").astype(int),
            "named_gp": homes["aligned_practice_code"].notna().astype(int),
        }
    )
    out = (
        frame.groupby([code, name], dropna=False)
        .agg(
            homes=("cqc_location_id", "count"),
            beds=("beds", "sum"),
            nursing=("nursing", "sum"),
            residential=("residential", "sum"),
            named_gp=("named_gp", "sum"),
        )
        .reset_index()
        .rename(columns={code: "code", name: "name"})
    )
    out["named_gp_pct"] = (100 * out["named_gp"] / out["homes"]).round(1)
    out["beds_per_home"] = (out["beds"] / out["homes"]).round(1)
    return out.sort_values("name").reset_index(drop=True)


def ratings_mix(homes: pd.DataFrame, by: str = "borough") -> pd.DataFrame:
    """Homes per CQC rating per ``by`` area, with each rating's share of the area's homes (long format).

    Columns: name (the area), rating, homes, share (%); every rating present for every area (zero when none),
    in CQC's order.
    """
    counts = homes.groupby([by, "cqc_rating"]).size().rename("homes").reset_index()
    areas = sorted(homes[by].dropna().unique())
    grid = pd.MultiIndex.from_product([areas, CARE_HOME_RATINGS], names=[by, "cqc_rating"]).to_frame(index=False)
    out = grid.merge(counts, on=[by, "cqc_rating"], how="left").fillna({"homes": 0})
    out["homes"] = out["homes"].astype(int)
    totals = out.groupby(by)["homes"].transform("sum")
    out["share"] = (100 * out["homes"] / totals.where(totals > 0)).round(1).fillna(0.0)
    out["order"] = out["cqc_rating"].map({r: i for i, r in enumerate(CARE_HOME_RATINGS)})
    return out.rename(columns={by: "name", "cqc_rating": "rating"})[["name", "rating", "homes", "share", "order"]]


def twelve_months_to(period_start: object) -> tuple[pd.Timestamp, pd.Timestamp]:
    """First and last period starts of the 12 months ending with the month starting ``period_start``."""
    last = pd.Timestamp(period_start).to_period("M").to_timestamp()
    return last - pd.DateOffset(months=11), last


def home_rates(window: pd.DataFrame, value_type: str, multiplier: float, small_number_max: int) -> pd.DataFrame:
    """Each home's pooled rate with a 95% interval; counts from 1 to ``small_number_max`` suppressed.

    ``window`` as from ``queries.kpi_window_across_areas``. Columns: area_code, numerator, denominator, value,
    lower, upper, suppression.
    """
    rows = window.copy()
    rows["value"] = rows["numerator"] / rows["denominator"].where(rows["denominator"] > 0) * multiplier
    rows = with_intervals(rows, value_type, multiplier)
    return suppress(
        rows[["area_code", "numerator", "denominator", "value", "lower", "upper"]],
        rule_for(value_type, True, small_number_max),
    )
