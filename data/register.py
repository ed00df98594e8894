"""The benefits register: workstream → initiative → KPI with baseline, latest value, plan, target and status.

Pure data shaping: takes the KPI catalogue, one area's series and plans (from ``data/queries.py``) and returns
the register frame the Overview shows. The baseline is the area's pooled value over the twelve months from the
KPI's baseline period (sum of numerators over sum of denominators), so one noisy month does not set it.
"""

from __future__ import annotations

from collections import Counter
from datetime import date

import numpy as np
import pandas as pd

from data.status import Status, kpi_status
from models import AreaLevel

REGISTER_COLUMNS = [
    "workstream",
    "initiative",
    "kpi_code",
    "kpi",
    "unit",
    "polarity",
    "baseline",
    "latest_value",
    "latest_period",
    "data_date",
    "plan_value",
    "target_value",
    "target_date",
    "validation_date",
    "status",
    "note",
]


def pooled_value(rows: pd.DataFrame, multiplier: float) -> float:
    """Sum of numerators over sum of denominators × multiplier; the mean value when counts are missing."""
    if rows.empty:
        return float("nan")
    if rows["numerator"].notna().all() and rows["denominator"].notna().all() and rows["denominator"].sum() > 0:
        return float(rows["numerator"].sum() / rows["denominator"].sum() * multiplier)
    return float(rows["value"].mean())


def area_baseline(series: pd.DataFrame, baseline_period: date | None, multiplier: float) -> float:
    """The area's value over the year from ``baseline_period`` (or its first period when none is set)."""
    if series.empty:
        return float("nan")
    starts = pd.to_datetime(series["period_start"])
    first = pd.Timestamp(baseline_period) if baseline_period is not None else starts.min()
    in_year = (starts >= first) & (starts < first + pd.DateOffset(years=1))
    return pooled_value(series[in_year.to_numpy()], multiplier)


def plan_at(plans: pd.DataFrame, period_start: date) -> float:
    """The plan for ``period_start``, or the latest plan before it; NaN when there is none.

    A binary search over the plan's periods in order (the register asks twice per KPI and area: the frame
    filtering and sorting it replaced was a fifth of the Overview's first view, issue 14).
    """
    if plans.empty:
        return float("nan")
    starts = pd.to_datetime(plans["period_start"]).to_numpy()
    order = np.argsort(starts, kind="stable")
    at = int(np.searchsorted(starts[order], np.datetime64(pd.Timestamp(period_start)), side="right"))
    return float(plans["value"].to_numpy(dtype=float)[order][at - 1]) if at else float("nan")


def _by_kpi(frame: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """``frame``'s rows per KPI code, each in period order (grouped once instead of filtered per KPI)."""
    if frame.empty:
        return {}
    return {str(code): rows.sort_values("period_start") for code, rows in frame.groupby("kpi_code", sort=False)}


def build_register(
    catalogue: pd.DataFrame,
    series: pd.DataFrame,
    plans: pd.DataFrame,
    *,
    level: AreaLevel | str,
    tolerance: float = 0.05,
) -> pd.DataFrame:
    """One register row per KPI of ``catalogue`` for the area whose ``series`` and ``plans`` are given.

    A KPI not reported at ``level`` gets status "No data" and a note that says so.
    """
    level = AreaLevel(level)
    rows = []
    series_of, plans_of = _by_kpi(series), _by_kpi(plans)
    for kpi in catalogue.itertuples(index=False):
        own = series_of.get(kpi.kpi_code, series.iloc[0:0])
        own_plans = plans_of.get(kpi.kpi_code, plans.iloc[0:0])
        row = {
            "workstream": kpi.workstream,
            "initiative": kpi.initiative,
            "kpi_code": kpi.kpi_code,
            "kpi": kpi.kpi,
            "unit": kpi.unit,
            "polarity": kpi.polarity,
            "baseline": np.nan,
            "latest_value": np.nan,
            "latest_period": None,
            "data_date": None,
            "plan_value": np.nan,
            "target_value": kpi.target_value,
            "target_date": kpi.target_date,
            "validation_date": kpi.validation_date,
            "note": "",
        }
        reported = own[own["value"].notna()]
        if level.value not in kpi.levels:
            row["note"] = f"Not reported at {level.value.replace('_', ' ')} level."
        elif reported.empty:
            row["note"] = "No observations for this area yet."
        else:
            latest = reported.iloc[-1]
            row.update(
                baseline=area_baseline(own, kpi.baseline_period, kpi.multiplier),
                latest_value=float(latest["value"]),
                latest_period=latest["period_start"],
                data_date=latest["period_end"],
                plan_value=plan_at(own_plans, latest["period_start"]),
            )
        if kpi.target_date is not None:  # the area's own target: its plan at the target date
            planned = plan_at(own_plans, kpi.target_date)
            row["target_value"] = planned if not np.isnan(planned) else kpi.target_value
        row["status"] = kpi_status(row["latest_value"], row["plan_value"], kpi.polarity, tolerance).value
        rows.append(row)
    return pd.DataFrame(rows, columns=REGISTER_COLUMNS)


def plural(count: int, word: str, many: str | None = None) -> str:
    """``count`` and the noun in the right number: "1 KPI", "2 KPIs", "0 KPIs" (``many`` for irregular plurals)."""
    return f"{count} {word if count == 1 else (many or word + 's')}"


def headline(register: pd.DataFrame, area_name: str) -> str:
    """One sentence for the board, e.g. "4 of 12 KPIs off track in Enfield (3 at risk, 5 on track)."."""
    counts = Counter(register["status"])
    assessed = sum(counts[s.value] for s in (Status.ON_TRACK, Status.AT_RISK, Status.OFF_TRACK))
    if assessed == 0:
        return f"No KPI in {area_name} can be assessed against a plan yet."
    return (
        f"{counts[Status.OFF_TRACK.value]} of {plural(assessed, 'KPI')} off track in {area_name} "
        f"({counts[Status.AT_RISK.value]} at risk, {counts[Status.ON_TRACK.value]} on track)."
    )


STATUS_ORDER = (Status.OFF_TRACK, Status.AT_RISK, Status.ON_TRACK)
SEVERITY = {status.value: rank for rank, status in enumerate((*STATUS_ORDER, Status.NO_PLAN, Status.NOT_ASSESSED,
                                                              Status.NO_DATA))}


def by_severity(register: pd.DataFrame) -> pd.DataFrame:
    """The rows worst first (off track, at risk, on track, then those without a judgement), stable within."""
    return register.iloc[register["status"].map(SEVERITY).argsort(kind="stable")]


def cell_label(counts: Counter[str], assessed: int) -> str:
    """A status-grid cell in words, naming the worst status it is coloured by: "2 of 6 at risk"."""
    worst = next((s for s in STATUS_ORDER if counts[s.value]), None)
    if worst is None:
        return "no data"
    return f"{counts[worst.value]} of {assessed} {worst.value.lower()}"


def status_matrix(registers: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Workstream × area summary of several registers (e.g. one per borough) for the status heat map.

    Columns: workstream, area, off_track, at_risk, on_track, assessed, worst (the worst status present, or
    "No data"), label (the count of that worst status, e.g. "2 of 3 off track" or "1 of 6 at risk").
    """
    rows = []
    for area, register in registers.items():
        for workstream, group in register.groupby("workstream", sort=False):
            counts = Counter(group["status"])
            assessed = sum(counts[s.value] for s in STATUS_ORDER)
            worst = next((s.value for s in STATUS_ORDER if counts[s.value]), Status.NO_DATA.value)
            rows.append(
                {
                    "workstream": workstream,
                    "area": area,
                    "off_track": counts[Status.OFF_TRACK.value],
                    "at_risk": counts[Status.AT_RISK.value],
                    "on_track": counts[Status.ON_TRACK.value],
                    "assessed": assessed,
                    "worst": worst,
                    "label": cell_label(counts, assessed),
                }
            )
    columns = ["workstream", "area", "off_track", "at_risk", "on_track", "assessed", "worst", "label"]
    return pd.DataFrame(rows, columns=columns)


def kpi_cards(register: pd.DataFrame, series: pd.DataFrame, months: int = 24) -> pd.DataFrame:
    """One card per reported KPI, worst status first: the register row plus ``delta`` (latest minus plan) and
    ``spark`` (recent values)."""
    cards = by_severity(register[register["latest_value"].notna()]).copy()
    cards["delta"] = cards["latest_value"] - cards["plan_value"]
    sparks = {
        code: group.sort_values("period_start")["value"].dropna().tail(months).round(2).tolist()
        for code, group in series.groupby("kpi_code")
    }
    # one value is no trend: a single-point "sparkline" would draw as a flat line that reads as "no change"
    cards["spark"] = [v if len(v := sparks.get(code, [])) >= 2 else [] for code in cards["kpi_code"]]
    return cards.reset_index(drop=True)


def kpis_with_series(series: pd.DataFrame, *, min_periods: int = 2) -> list[str]:
    """Codes of the KPIs with at least ``min_periods`` values in ``series`` (kpi_code, period_start, value),
    most periods first: what to suggest when the chosen KPI has a single period (a QOF year), so no trajectory."""
    counts = series.dropna(subset=["value"]).groupby("kpi_code")["period_start"].nunique()
    return counts[counts >= min_periods].sort_values(ascending=False, kind="stable").index.tolist()
