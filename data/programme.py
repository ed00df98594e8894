"""Programme delivery shaping: money and activity against plan, milestone slippage and roll-out, risk scores.

Pure pandas (no Streamlit, no database): the frames from ``data/queries.py`` (``finance_lines``,
``activity_changes``, ``milestones``, ``risks``, ``risk_reviews``) in, tidy frames and sentences out.

Definitions used throughout (and stated on the pages):

- **Plan to date** is the plan for the initiative-years that have an actual reported, so a year not yet reported
  never counts as a shortfall. **Variance** = actual - plan to date (positive: more than planned).
- A **system-wide** initiative (no borough) is shown for every borough and labelled ``System-wide``.
- A milestone is **done** when its actual date is on or before the as-at date; it **slipped** when it was done
  after its planned date, or is not done and its planned date has passed (**overdue**). Slippage is in days.
- A risk's **score** is likelihood × impact (1-25) before mitigation, its **residual score** the same after
  mitigation; bands follow the NHS 5×5 matrix: 1-3 low, 4-6 moderate, 8-12 high, 15-25 extreme.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

import numpy as np
import pandas as pd

SYSTEM_WIDE = "System-wide"
PLAN, ACTUAL = "plan", "actual"
MEASURES = {"net_saving": "Net saving", "gross_saving": "Gross saving", "investment": "Investment"}
POD_LABELS = {
    "ae": "A&E attendances",
    "non_elective": "Non-elective admissions",
    "elective": "Elective admissions",
    "outpatient_first": "Outpatient first attendances",
    "outpatient_follow_up": "Outpatient follow-ups",
    "community": "Community contacts",
    "primary_care": "Primary care appointments",
    "ambulance": "Ambulance call-outs",
}
DONE_ON_TIME, DONE_LATE, OVERDUE, NOT_DUE = "Done on time", "Done late", "Overdue", "Not yet due"
MILESTONE_STATUSES = (DONE_ON_TIME, DONE_LATE, OVERDUE, NOT_DUE)
RISK_BANDS = (("Low", 1, 3), ("Moderate", 4, 6), ("High", 8, 12), ("Extreme", 15, 25))
BEFORE, AFTER = "Before mitigation", "After mitigation"


# ------------------------------------------------------------------------------------------------- wording


def fy_label(year: int) -> str:
    """A financial year by its start year, as the NHS writes it: 2019 -> '2019/20'."""
    year = int(year)
    return f"{year}/{(year + 1) % 100:02d}"


def fy_end(year: int) -> date:
    """The last day of financial year ``year`` (31 March of the next calendar year)."""
    return date(int(year) + 1, 3, 31)


def money(value: float | None) -> str:
    """Pounds with thousands separators: -1234.5 -> '-£1,235'; missing -> '–'."""
    if value is None or pd.isna(value):
        return "–"
    return f"{'-' if value < 0 else ''}£{abs(value):,.0f}"


def money_short(value: float) -> str:
    """An amount for a sentence, unsigned: 412_000 -> '£0.4m', 35_000 -> '£35k', 900 -> '£900'."""
    amount = abs(float(value))
    if amount >= 100_000:
        return f"£{amount / 1e6:,.1f}m"
    if amount >= 1_000:
        return f"£{amount / 1e3:,.0f}k"
    return f"£{amount:,.0f}"


def count_text(value: float) -> str:
    """A whole number with thousands separators."""
    return f"{value:,.0f}"


# ------------------------------------------------------------------------------------------------- scoping


def in_scope(
    frame: pd.DataFrame,
    *,
    borough: str | None = None,
    workstream: str | None = None,
    borough_column: str = "borough_code",
    name_column: str = "borough",
) -> pd.DataFrame:
    """Rows of the chosen workstream and borough, with a ``scope`` column (borough name or 'System-wide').

    A row without a borough (a system-wide initiative) matches every borough: it is shared by all of them.
    """
    keep = pd.Series(True, index=frame.index)
    if workstream:
        keep &= frame["workstream_code"] == workstream
    if borough:
        keep &= frame[borough_column].isna() | (frame[borough_column] == borough)
    out = frame.loc[keep].copy()
    out["scope"] = out[name_column].where(out[borough_column].notna(), SYSTEM_WIDE).astype(object)
    return out.reset_index(drop=True)


# ------------------------------------------------------------------------------------------------- finance


def _reported_pairs(frame: pd.DataFrame, keys: Sequence[str]) -> pd.Series:
    """True for rows whose ``keys`` (e.g. initiative and year) also have an actual row."""
    actual = frame.loc[frame["scenario"] == ACTUAL, list(keys)].drop_duplicates()
    marker = actual.assign(_reported=True)
    merged = frame[list(keys)].merge(marker, on=list(keys), how="left")
    return merged["_reported"].fillna(False).astype(bool).set_axis(frame.index)


def finance_by(lines: pd.DataFrame, by: Sequence[str], measure: str = "net_saving") -> pd.DataFrame:
    """One measure's plan, plan to date, actual and variance summed by ``by`` (any finance-line columns).

    Columns: *by, plan (the whole plan), plan_to_date (initiative-years with an actual), actual, variance
    (actual - plan_to_date), variance_share (variance / |plan_to_date|), reported (bool: any actual in the group).
    """
    by = list(by)
    columns = [*by, "plan", "plan_to_date", "actual", "variance", "variance_share", "reported"]
    if lines.empty:
        return pd.DataFrame(columns=columns)
    frame = lines.assign(_reported=_reported_pairs(lines, ["initiative_code", "financial_year"]))
    value = frame[measure].astype(float)
    frame = frame.assign(
        plan=value.where(frame["scenario"] == PLAN, 0.0),
        plan_to_date=value.where((frame["scenario"] == PLAN) & frame["_reported"], 0.0),
        actual=value.where(frame["scenario"] == ACTUAL, 0.0),
        reported=frame["scenario"] == ACTUAL,
    )
    out = (
        frame.groupby(by, dropna=False, sort=True)
        .agg(
            plan=("plan", "sum"),
            plan_to_date=("plan_to_date", "sum"),
            actual=("actual", "sum"),
            reported=("reported", "any"),
        )
        .reset_index()
    )
    out["actual"] = out["actual"].where(out["reported"])
    out["variance"] = out["actual"] - out["plan_to_date"]
    denominator = out["plan_to_date"].abs().replace(0, np.nan)
    out["variance_share"] = out["variance"] / denominator
    return out[columns]


def finance_totals(lines: pd.DataFrame) -> dict[str, dict[str, float]]:
    """Every measure's whole plan, plan to date, actual and variance (the page's headline figures).

    These are plain sums of the rows (``actual`` of the actual rows, ``plan`` of the plan rows), so they reconcile
    with the imported file. Keys: measure -> {'plan', 'plan_to_date', 'actual', 'variance'}.
    """
    totals: dict[str, dict[str, float]] = {}
    for measure in MEASURES:
        row = finance_by(lines.assign(_all=1), ["_all"], measure)
        if row.empty:
            totals[measure] = {"plan": 0.0, "plan_to_date": 0.0, "actual": 0.0, "variance": 0.0}
            continue
        r = row.iloc[0]
        actual = 0.0 if pd.isna(r["actual"]) else float(r["actual"])
        totals[measure] = {
            "plan": float(r["plan"]),
            "plan_to_date": float(r["plan_to_date"]),
            "actual": actual,
            "variance": actual - float(r["plan_to_date"]),
        }
    return totals


def finance_by_year(lines: pd.DataFrame, measure: str = "net_saving") -> pd.DataFrame:
    """Plan and actual of one measure per financial year, in-year and cumulative.

    Columns: financial_year, year (label), plan, actual (NA for a year with no actual), plan_to_date, variance,
    cumulative_plan, cumulative_actual (NA after the last reported year), cumulative_variance.
    """
    out = finance_by(lines, ["financial_year"], measure)
    if out.empty:
        return pd.DataFrame(
            columns=[
                "financial_year",
                "year",
                "plan",
                "actual",
                "plan_to_date",
                "variance",
                "cumulative_plan",
                "cumulative_actual",
                "cumulative_variance",
            ]
        )
    out = out.sort_values("financial_year").reset_index(drop=True)
    out.insert(1, "year", out["financial_year"].map(fy_label))
    out["cumulative_plan"] = out["plan"].cumsum()
    last = out.loc[out["reported"], "financial_year"].max()
    running = out["actual"].fillna(0.0).cumsum()
    out["cumulative_actual"] = running.where(out["financial_year"] <= last) if pd.notna(last) else np.nan
    out["cumulative_variance"] = out["cumulative_actual"] - out["plan_to_date"].cumsum()
    return out[
        [
            "financial_year",
            "year",
            "plan",
            "actual",
            "plan_to_date",
            "variance",
            "cumulative_plan",
            "cumulative_actual",
            "cumulative_variance",
        ]
    ]


def recurrence_by_year(lines: pd.DataFrame, measure: str = "gross_saving") -> pd.DataFrame:
    """Plan and actual of one measure per year, split recurrent and non-recurrent.

    Columns: financial_year, year, recurrence ('Recurrent'/'Non-recurrent'), plan, actual, variance.
    """
    if lines.empty:
        return pd.DataFrame(columns=["financial_year", "year", "recurrence", "plan", "actual", "variance"])
    out = finance_by(lines, ["financial_year", "recurrent"], measure)
    out["recurrence"] = out["recurrent"].map({True: "Recurrent", False: "Non-recurrent"})
    out.insert(1, "year", out["financial_year"].map(fy_label))
    return out[["financial_year", "year", "recurrence", "plan", "actual", "variance"]]


def direction_word(variance: float, measure: str) -> str:
    """'behind plan' / 'ahead of plan' for savings; 'over plan' / 'under plan' for investment."""
    if measure == "investment":
        return "over plan" if variance > 0 else "under plan"
    return "ahead of plan" if variance > 0 else "behind plan"


WORSE, BETTER, ON_PLAN = "Worse than plan", "Better than plan", "On plan"


def variance_direction(variance: float, measure: str) -> str:
    """'Worse than plan' (savings short, or investment over), 'Better than plan' or 'On plan'."""
    if pd.isna(variance) or variance == 0:
        return ON_PLAN
    worse = variance > 0 if measure == "investment" else variance < 0
    return WORSE if worse else BETTER


def formatted(
    frame: pd.DataFrame,
    *,
    money_columns: Sequence[str] = (),
    count_columns: Sequence[str] = (),
    share_columns: Sequence[str] = (),
) -> pd.DataFrame:
    """A copy for display: money as '£1,234', counts as '1,234', shares as '87%' (missing as '–')."""
    out = frame.copy()
    for c in money_columns:
        out[c] = out[c].map(money)
    for c in count_columns:
        out[c] = out[c].map(lambda v: "–" if pd.isna(v) else count_text(v))
    for c in share_columns:
        out[c] = out[c].map(lambda v: "–" if pd.isna(v) else f"{v:.0%}")
    return out


def subject(initiative: str, scope: str) -> str:
    """'Enfield: Crisis response' for a borough's initiative; 'Crisis response (system-wide)' otherwise."""
    return f"{initiative} (system-wide)" if scope == SYSTEM_WIDE else f"{scope}: {initiative}"


def variance_sentences(
    lines: pd.DataFrame,
    *,
    measure: str = "net_saving",
    limit: int = 5,
    share: float = 0.05,
    minimum: float = 50_000,
) -> list[str]:
    """The largest initiative-year variances in words, worst first ('… £0.4m behind plan in 2019/20 …').

    A variance is worth a sentence when it is at least ``minimum`` pounds and ``share`` of the plan to date.
    ``lines`` needs a ``scope`` column (see :func:`in_scope`).
    """
    if lines.empty:
        return []
    table = finance_by(lines, ["initiative", "scope", "financial_year"], measure)
    table = table[table["reported"]]
    big = table["variance"].abs() >= np.maximum(minimum, share * table["plan_to_date"].abs())
    table = table[big]
    worse = -table["variance"] if measure != "investment" else table["variance"]
    table = table.assign(_worse=worse).sort_values("_worse", ascending=False).head(limit)
    name = MEASURES[measure].lower()
    return [
        f"{subject(r.initiative, r.scope)} {money_short(r.variance)} {direction_word(r.variance, measure)} in "
        f"{fy_label(r.financial_year)} ({name} {money(r.actual)} against {money(r.plan_to_date)} planned)."
        for r in table.itertuples()
    ]


def headline(totals: dict[str, dict[str, float]], measure: str = "net_saving") -> str:
    """One sentence for a measure to date: actual against plan and the variance."""
    t = totals[measure]
    name = MEASURES[measure]
    if t["plan_to_date"] == 0 and t["actual"] == 0:
        return f"{name}: no actuals reported yet; the whole plan is {money(t['plan'])}."
    share = f" ({t['actual'] / t['plan_to_date']:.0%} of plan)" if t["plan_to_date"] else ""
    return (
        f"{name} to date {money(t['actual'])} against {money(t['plan_to_date'])} planned{share}: "
        f"{money_short(t['variance'])} {direction_word(t['variance'], measure)}."
    )


# ------------------------------------------------------------------------------------------------ activity


def activity_years(activity: pd.DataFrame) -> list[int]:
    """Financial years with any activity row, newest first."""
    return sorted({int(y) for y in activity["financial_year"].dropna()}, reverse=True)


def latest_reported_year(frame: pd.DataFrame) -> int | None:
    """The newest financial year with an actual row (None when nothing is reported)."""
    years = frame.loc[frame["scenario"] == ACTUAL, "financial_year"]
    return int(years.max()) if len(years) else None


def activity_by_pod(activity: pd.DataFrame, year: int | None = None) -> pd.DataFrame:
    """Planned and actual activity change by point of delivery (for one year, or summed over all years).

    Negative means less activity (fewer attendances). Columns: point_of_delivery, label, plan, plan_to_date,
    actual (NA when not reported), variance, delivered (actual / plan_to_date: the share of the planned shift),
    evidence (the KPIs that evidence it, ``name (CODE)`` joined by '; '), evidence_codes (tuple).
    """
    columns = [
        "point_of_delivery",
        "label",
        "plan",
        "plan_to_date",
        "actual",
        "variance",
        "delivered",
        "evidence",
        "evidence_codes",
    ]
    frame = activity if year is None else activity[activity["financial_year"] == year]
    if frame.empty:
        return pd.DataFrame(columns=columns)
    keys = ["initiative_code", "financial_year", "point_of_delivery"]
    frame = frame.assign(_reported=_reported_pairs(frame, keys))
    change = frame["change"].astype(float)
    frame = frame.assign(
        plan=change.where(frame["scenario"] == PLAN, 0.0),
        plan_to_date=change.where((frame["scenario"] == PLAN) & frame["_reported"], 0.0),
        actual=change.where(frame["scenario"] == ACTUAL, 0.0),
        reported=frame["scenario"] == ACTUAL,
    )
    out = (
        frame.groupby("point_of_delivery", sort=False)
        .agg(
            plan=("plan", "sum"),
            plan_to_date=("plan_to_date", "sum"),
            actual=("actual", "sum"),
            reported=("reported", "any"),
        )
        .reset_index()
    )
    evidence = (
        frame.dropna(subset=["evidence_kpi_code"])
        .drop_duplicates(["point_of_delivery", "evidence_kpi_code"])
        .groupby("point_of_delivery")
        .agg(evidence=("evidence_kpi", lambda s: "; ".join(s)), evidence_codes=("evidence_kpi_code", tuple))
    )
    labels = frame.drop_duplicates(["point_of_delivery", "evidence_kpi_code"])
    names = dict(zip(labels["evidence_kpi_code"], labels["evidence_kpi"], strict=False))
    out = out.merge(evidence, left_on="point_of_delivery", right_index=True, how="left")
    out["evidence"] = [
        "; ".join(f"{names.get(c, c)} ({c})" for c in codes) if isinstance(codes, tuple) else ""
        for codes in out["evidence_codes"]
    ]
    out["evidence_codes"] = out["evidence_codes"].map(lambda v: v if isinstance(v, tuple) else ())
    out["actual"] = out["actual"].where(out["reported"])
    out["variance"] = out["actual"] - out["plan_to_date"]
    out["delivered"] = out["actual"] / out["plan_to_date"].replace(0, np.nan)
    out["label"] = out["point_of_delivery"].map(lambda p: POD_LABELS.get(p, str(p)))
    order = {p: i for i, p in enumerate(POD_LABELS)}
    out = out.sort_values("point_of_delivery", key=lambda s: s.map(order)).reset_index(drop=True)
    return out[columns]


def activity_sentence(row: pd.Series, year: int | None) -> str:
    """'Non-elective admissions: 3,120 fewer against 4,070 fewer planned in 2023/24 (77% of the planned shift).'"""
    when = f" in {fy_label(year)}" if year is not None else " over all years"

    def amount(v: float) -> str:
        return f"{count_text(abs(v))} {'fewer' if v < 0 else 'more'}"

    if pd.isna(row["actual"]):
        return f"{row['label']}: {amount(row['plan'])} planned{when}; no actual reported yet."
    share = f" ({row['delivered']:.0%} of the planned shift)" if pd.notna(row["delivered"]) else ""
    return f"{row['label']}: {amount(row['actual'])} against {amount(row['plan_to_date'])} planned{when}{share}."


# ---------------------------------------------------------------------------------------------- milestones


def data_date(*dates: date | None) -> date | None:
    """The programme's data date: the latest of the given dates (latest actual milestone, review, observation)."""
    known = [pd.Timestamp(d).date() for d in dates if d is not None and not pd.isna(d)]
    return max(known) if known else None


def milestone_status(milestones: pd.DataFrame, as_at: date, *, tolerance_days: int = 0) -> pd.DataFrame:
    """Each milestone's status as at a date, with its slippage in days.

    Adds: done (actual on or before ``as_at``), status (Done on time, Done late, Overdue, Not yet due),
    slip_days (done: actual - planned; overdue: as_at - planned; otherwise 0), slipped (done late or overdue),
    end_date (actual when done, ``as_at`` when overdue, else planned: where the timeline's bar ends).
    A milestone done up to ``tolerance_days`` after its planned date counts as on time.
    """
    out = milestones.copy()
    as_at_ts = pd.Timestamp(as_at)
    planned = pd.to_datetime(out["planned_date"])
    actual = pd.to_datetime(out["actual_date"])
    done = actual.notna() & (actual <= as_at_ts)
    slip_done = (actual - planned).dt.days
    slip_open = (as_at_ts - planned).dt.days
    overdue = ~done & (planned < as_at_ts)
    late = done & (slip_done > tolerance_days)
    out["done"] = done.to_numpy()
    out["status"] = np.select([late, done, overdue], [DONE_LATE, DONE_ON_TIME, OVERDUE], NOT_DUE)
    out["slip_days"] = np.where(done, slip_done.fillna(0), np.where(overdue, slip_open, 0)).astype(int)
    out["slipped"] = (late | overdue).to_numpy()
    out["end_date"] = np.where(done, actual, np.where(overdue, as_at_ts, planned))
    out["end_date"] = pd.to_datetime(out["end_date"]).dt.date
    return out


def slippage_summary(status: pd.DataFrame) -> dict[str, int]:
    """Counts by status plus total, slipped and the mean slip (days) of milestones done late."""
    counts = {s: int((status["status"] == s).sum()) for s in MILESTONE_STATUSES}
    late = status.loc[status["status"] == DONE_LATE, "slip_days"]
    return {
        **counts,
        "total": len(status),
        "slipped": int(status["slipped"].sum()),
        "mean_late_days": round(float(late.mean())) if len(late) else 0,
    }


def rollout(status: pd.DataFrame) -> pd.DataFrame:
    """Roll-out progress per initiative and borough: how many of its borough milestones are live (done).

    Only milestones with a borough count (system-wide milestones are listed on their own). Columns:
    initiative_code, initiative, borough_code, borough, live, total, share, label ('3 of 4 live').
    """
    columns = ["initiative_code", "initiative", "borough_code", "borough", "live", "total", "share", "label"]
    rows = status.dropna(subset=["borough_code"])
    if rows.empty:
        return pd.DataFrame(columns=columns)
    out = (
        rows.groupby(["initiative_code", "initiative", "borough_code", "borough"], sort=True)
        .agg(live=("done", "sum"), total=("done", "size"))
        .reset_index()
    )
    out["live"] = out["live"].astype(int)
    out["share"] = out["live"] / out["total"]
    out["label"] = [f"{live} of {total} live" for live, total in zip(out["live"], out["total"], strict=True)]
    return out[columns]


def next_quarter(as_at: date) -> tuple[date, date]:
    """The three months after ``as_at``: (the next day, the same day three months on)."""
    start = pd.Timestamp(as_at) + pd.Timedelta(days=1)
    end = pd.Timestamp(as_at) + pd.DateOffset(months=3)
    return start.date(), end.date()


def due_between(status: pd.DataFrame, first: date, last: date) -> pd.DataFrame:
    """Milestones not done whose planned date falls from ``first`` to ``last`` (inclusive), soonest first."""
    planned = pd.to_datetime(status["planned_date"])
    due = ~status["done"] & (planned >= pd.Timestamp(first)) & (planned <= pd.Timestamp(last))
    return status.loc[due].sort_values("planned_date").reset_index(drop=True)


def overdue(status: pd.DataFrame) -> pd.DataFrame:
    """Milestones past their planned date and not done, the longest overdue first."""
    return status.loc[status["status"] == OVERDUE].sort_values("slip_days", ascending=False).reset_index(drop=True)


# ---------------------------------------------------------------------------------------------------- risks


def risk_band(score: float) -> str:
    """NHS 5×5 matrix band of a likelihood × impact score: Low (1-3), Moderate (4-6), High (8-12), Extreme (15+)."""
    for name, low, high in RISK_BANDS:
        if low <= score <= high:
            return name
    return "Extreme" if score > 12 else "Moderate" if score > 3 else "Low"


def risk_scores(risks: pd.DataFrame) -> pd.DataFrame:
    """Adds score, residual_score, band, residual_band and reduction (score - residual_score)."""
    out = risks.copy()
    out["score"] = (out["likelihood"] * out["impact"]).astype(int)
    out["residual_score"] = (out["revised_likelihood"] * out["revised_impact"]).astype(int)
    out["band"] = out["score"].map(risk_band)
    out["residual_band"] = out["residual_score"].map(risk_band)
    out["reduction"] = out["score"] - out["residual_score"]
    return out


def risk_matrix(risks: pd.DataFrame) -> pd.DataFrame:
    """The 5×5 likelihood × impact grid before and after mitigation, with the risks in each cell.

    Columns: stage (Before/After mitigation), likelihood, impact, score, band, count, codes ('R05, R09'),
    label (codes, or the score for an empty cell). Every one of the 50 cells is present.
    """
    grid = pd.DataFrame(
        [(s, lik, imp) for s in (BEFORE, AFTER) for lik in range(1, 6) for imp in range(1, 6)],
        columns=["stage", "likelihood", "impact"],
    )
    parts = []
    if not risks.empty:
        parts.append(risks[["code", "likelihood", "impact"]].assign(stage=BEFORE))
        parts.append(
            risks[["code", "revised_likelihood", "revised_impact"]]
            .rename(columns={"revised_likelihood": "likelihood", "revised_impact": "impact"})
            .assign(stage=AFTER)
        )
    placed = pd.concat(parts) if parts else pd.DataFrame(columns=["code", "likelihood", "impact", "stage"])
    cells = (
        placed.groupby(["stage", "likelihood", "impact"])
        .agg(count=("code", "size"), codes=("code", lambda s: ", ".join(sorted(s))))
        .reset_index()
    )
    out = grid.merge(cells, on=["stage", "likelihood", "impact"], how="left")
    out["count"] = out["count"].fillna(0).astype(int)
    out["codes"] = out["codes"].fillna("")
    out["score"] = out["likelihood"] * out["impact"]
    out["band"] = out["score"].map(risk_band)
    out["label"] = out["codes"]
    return out


def risk_trend(reviews: pd.DataFrame) -> pd.DataFrame:
    """Reviews in long form for the trend chart: risk_code, review_date, stage, score (likelihood × impact)."""
    if reviews.empty:
        return pd.DataFrame(columns=["risk_code", "review_date", "stage", "score"])
    before = reviews.assign(stage=BEFORE, score=reviews["likelihood"] * reviews["impact"])
    after = reviews.assign(stage=AFTER, score=reviews["revised_likelihood"] * reviews["revised_impact"])
    out = pd.concat([before, after])[["risk_code", "review_date", "stage", "score"]]
    return out.sort_values(["risk_code", "review_date", "stage"]).reset_index(drop=True)


def escalation(risks: pd.DataFrame, reviews: pd.DataFrame) -> pd.DataFrame:
    """Each risk's movement over its reviews: is it escalating?

    Columns: code, reviews (how many), first_score, previous_score, latest_score, change (latest - previous),
    change_since_first, trend ('Rising', 'Falling', 'Steady' or 'No reviews'), trend_label (with an arrow).
    A risk is rising when its latest (pre-mitigation) score is above the previous review's.
    """
    columns = [
        "code",
        "reviews",
        "first_score",
        "previous_score",
        "latest_score",
        "change",
        "change_since_first",
        "trend",
        "trend_label",
    ]
    base = pd.DataFrame({"code": risks["code"].to_numpy()}) if not risks.empty else pd.DataFrame(columns=["code"])
    if reviews.empty:
        out = base.assign(
            reviews=0,
            first_score=np.nan,
            previous_score=np.nan,
            latest_score=np.nan,
            change=np.nan,
            change_since_first=np.nan,
            trend="No reviews",
            trend_label="No reviews",
        )
        return out[columns]
    scored = reviews.assign(score=reviews["likelihood"] * reviews["impact"]).sort_values(["risk_code", "review_date"])
    grouped = scored.groupby("risk_code")["score"]
    stats = pd.DataFrame(
        {
            "reviews": grouped.size(),
            "first_score": grouped.first(),
            "previous_score": grouped.apply(lambda s: s.iloc[-2] if len(s) > 1 else np.nan),
            "latest_score": grouped.last(),
        }
    )
    out = base.merge(stats, left_on="code", right_index=True, how="left")
    out["reviews"] = out["reviews"].fillna(0).astype(int)
    out["change"] = out["latest_score"] - out["previous_score"]
    out["change_since_first"] = out["latest_score"] - out["first_score"]
    out["trend"] = np.select(
        [out["reviews"] == 0, out["change"] > 0, out["change"] < 0], ["No reviews", "Rising", "Falling"], "Steady"
    )
    arrows = {"Rising": "▲ Rising", "Falling": "▼ Falling", "Steady": "▶ Steady", "No reviews": "No reviews"}
    out["trend_label"] = [
        arrows[t] + (f" ({c:+.0f} since last review)" if t in ("Rising", "Falling") else "")
        for t, c in zip(out["trend"], out["change"], strict=True)
    ]
    return out[columns]


def top_risks(risks: pd.DataFrame, *, per_workstream: int = 3) -> pd.DataFrame:
    """The highest-scoring risks in each workstream (score, then residual score), workstreams by their worst risk."""
    if risks.empty:
        return risks.assign(rank=pd.Series(dtype=int))
    scored = risks if "score" in risks.columns else risk_scores(risks)
    ranked = scored.sort_values(["workstream", "score", "residual_score", "code"], ascending=[True, False, False, True])
    ranked = ranked.assign(rank=ranked.groupby("workstream").cumcount() + 1)
    top = ranked[ranked["rank"] <= per_workstream]
    worst = top.groupby("workstream")["score"].transform("max")
    return (
        top.assign(_worst=worst)
        .sort_values(["_worst", "workstream", "rank"], ascending=[False, True, True])
        .drop(columns="_worst")
        .reset_index(drop=True)
    )


def risk_links(row: pd.Series) -> str:
    """What a risk threatens, in words: 'initiative X; KPI Y (CODE)' (or the workstream when neither)."""
    parts: list[str] = []
    if isinstance(row.get("initiative"), str):
        parts.append(f"initiative {row['initiative']}")
    if isinstance(row.get("kpi"), str):
        parts.append(f"KPI {row['kpi']} ({row['kpi_code']})")
    return "; ".join(parts) or f"{row.get('workstream', '')} workstream"


def codes_text(codes: Iterable[str]) -> str:
    """Codes joined for a sentence."""
    return ", ".join(codes)


def as_at_options(milestones: pd.DataFrame, data_date: date) -> list[date]:
    """Dates a delivery view can be judged "as at": month ends from the first planned milestone to a year after
    the data date, and the data date itself (a select box of these is keyboard- and touch-friendly)."""
    planned = pd.to_datetime(milestones["planned_date"]).dropna() if not milestones.empty else pd.Series(dtype=object)
    first = min(planned.min(), pd.Timestamp(data_date)) if len(planned) else pd.Timestamp(data_date)
    ends = pd.date_range(first, pd.Timestamp(data_date) + pd.DateOffset(years=1), freq="ME").date
    return sorted({*ends, data_date})
