"""What the Trajectories page draws, computed once per KPI, area and SPC choice and cached (issue 14).

A sidebar change back to a KPI and area seen before reruns the page; before, every rerun rebuilt the trajectory
frame, the SPC chart data and its rules, the small multiples and the tables from the cached query frames, and
hashed each frame again to find its cached chart. Each view here takes only what decides it (codes, the area's
name, the SPC controls' values) and reads its own inputs through ``data.cache``, so a warm rerun hashes a few
strings and draws. An import clears every cache (``data.cache.clear``), views included. The page keeps its
widgets and messages and only composes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd
import streamlit as st

from components.area import system_code
from components.chart_cache import CachedChart, cached, cached_panels
from components.charts import small_multiple_panels, small_multiples, spc_chart, trajectory_chart
from components.page import kpi_row, suppression_rule
from components.spc_controls import area_borough
from data import cache
from data.analysis import (
    AnalysisError,
    area_target,
    known_change_rebase,
    kpi_milestones,
    latest_status,
    rebase_options,
    spc_chart_data,
    spc_display,
    spc_table,
    status_and_assurance,
    trajectory_frame,
    trajectory_table,
    with_intervals,
)
from data.narrative import kpi_narrative
from data.stats.spc import RebaseSuggestion, SpcResult, rebase_suggestions
from data.suppression import suppress
from settings import get_settings

_CACHE = {"ttl": 3600, "max_entries": 256, "show_spinner": False}


def trajectory_alt_text(kpi: str, target: float | None, target_date: object, *, has_plan: bool,
                        has_milestones: bool) -> str:
    """The trajectory chart's alt text: what it draws, not its numbers (the narrative and the Table tab give them;
    an area's target can differ from another's) nor its area (the heading above names it), so a borough change
    sends new data to the same chart (issue 14)."""
    drawn = ["actual values with 95% confidence intervals"]
    if has_plan:
        drawn.append("the planned trajectory (dashed)")
    if target is not None and target_date is not None:
        drawn.append(f"the target for {target_date} (a diamond)")
    if has_milestones:
        drawn.append("the initiative's milestones (green rules)")
    listed = ", ".join(drawn[:-1]) + " and " + drawn[-1] if len(drawn) > 1 else drawn[0]
    return f"Line chart of {kpi} by period: {listed}."


@dataclass(frozen=True)
class Trajectory:
    """A KPI's series in one area (suppressed, with 95% intervals), its plan, target and milestones, the
    trajectory chart and table, and the SPC chart's rebase choices."""

    reported: int  # periods with a value before suppression (1: a point, not a trajectory)
    series: pd.DataFrame
    plans: pd.DataFrame
    frame: pd.DataFrame
    target: float | None
    data_date: date
    table: pd.DataFrame
    milestones: pd.DataFrame
    chart: CachedChart
    rebase_options: dict[str, str]
    known_rebase: tuple[str, ...]


@st.cache_data(**_CACHE)
def trajectory(kpi_code: str, level: str, code: str, name: str) -> Trajectory | None:
    """The trajectory view of KPI ``kpi_code`` in area ``code`` at ``level`` (named ``name`` in the alt text);
    None when the area has no observation of it."""
    kpi = kpi_row(kpi_code)
    raw = with_intervals(cache.area_series(level, code, kpi_code), kpi["value_type"], kpi["multiplier"])
    reported = int(raw["value"].notna().sum())
    if reported == 0:
        return None
    series = suppress(raw, suppression_rule(kpi))  # before any chart, table or statistic sees it
    plans = cache.area_plans(level, code, kpi_code)
    frame = trajectory_frame(series, plans)
    target = area_target(plans, kpi["target_value"], kpi["target_date"])
    data_date = series["period_end"].max()
    milestones = kpi_milestones(
        cache.milestones(), kpi["initiative_code"], area_borough(level, code, cache.pcns(system_code())),
        series["period_start"].min(), data_date,
    )  # fmt: skip
    chart = cached(
        trajectory_chart,
        frame,
        unit=kpi["unit"],
        target=target,
        target_date=kpi["target_date"],
        alt_text=trajectory_alt_text(kpi["kpi"], target, kpi["target_date"], has_plan=not plans.empty,
                                     has_milestones=not milestones.empty),
        milestones=milestones,
    )
    known = tuple(d.date().isoformat() for d in known_change_rebase(series, milestones))
    return Trajectory(
        reported, series, plans, frame, target, data_date, trajectory_table(frame, suppression_rule(kpi)),
        milestones, chart, rebase_options(series, milestones), known,
    )  # fmt: skip


@dataclass(frozen=True)
class Spc:
    """The SPC chart of a trajectory for one choice of rebase points and baseline, with what is said about it."""

    error: str | None  # why there is no SPC chart (too few points), else None
    result: SpcResult | None
    differ: str | None  # the status and the assurance contradict: one sentence why
    suggestions: tuple[RebaseSuggestion, ...]
    chart: CachedChart | None
    rows: pd.DataFrame | None
    narrative: str


@st.cache_data(**_CACHE)
def spc(kpi_code: str, level: str, code: str, name: str, rebase: tuple[str, ...], fix_after_n_points: int | None
        ) -> Spc:  # fmt: skip
    """The SPC view of :func:`trajectory` with limits recalculated at ``rebase`` from their first
    ``fix_after_n_points`` points (None: every point of each segment)."""
    kpi, view = kpi_row(kpi_code), trajectory(kpi_code, level, code, name)
    if view is None:
        raise ValueError(f"no observations of {kpi_code} in {level} {code}")
    tolerance = get_settings().status_tolerance
    error, result, differ, suggestions, chart, rows = None, None, None, (), None, None
    try:
        result = spc_chart_data(view.series, kpi["polarity"], view.target, rebase=rebase,
                                fix_after_n_points=fix_after_n_points)  # fmt: skip
    except AnalysisError as exc:
        error = str(exc)
    else:
        status = latest_status(view.frame, kpi["polarity"], tolerance)
        differ = status_and_assurance(status, result.summary.assurance_icon, view.target)
        suggestions = tuple(rebase_suggestions(result.data))
        shown = spc_display(result, kpi["value_type"], kpi["multiplier"])
        chart = cached(
            spc_chart,
            shown,
            unit=kpi["unit"],
            target=view.target,
            milestones=view.milestones,
            alt_text=f"XmR chart of {kpi['kpi']}: values with the mean and process limits of each segment (the caption "
            "above says where the limits were recalculated); points coloured and shaped by special-cause variation.",
        )
        rows = spc_table(shown)
    narrative = kpi_narrative(
        kpi=kpi["kpi"], area=name, unit=kpi["unit"], polarity=kpi["polarity"], periods=view.frame, spc=result,
        milestones=view.milestones, target=view.target, target_date=kpi["target_date"], tolerance=tolerance,
    )  # fmt: skip
    return Spc(error, result, differ, suggestions, chart, rows, narrative)


@dataclass(frozen=True)
class Multiples:
    """Every area of the comparison level (a borough's PCNs when a borough is chosen): frame, chart and table."""

    frame: pd.DataFrame
    grid: CachedChart
    panels: list[CachedChart]
    shown: pd.DataFrame


@st.cache_data(**_CACHE)
def multiples(kpi_code: str, level: str, borough: str | None) -> Multiples | None:
    """The small multiples of KPI ``kpi_code`` at ``level`` (PCNs within ``borough`` when given); None: no data."""
    kpi = kpi_row(kpi_code)
    names = cache.area_names(level, system_code())[["area_code", "name", "borough_code"]]
    frame = suppress(cache.level_series(kpi_code, level), suppression_rule(kpi)).merge(names, on="area_code")
    if level == "pcn" and borough:
        frame = frame[frame["borough_code"] == borough]
    plans = cache.level_plans(kpi_code, level).rename(columns={"value": "plan"})
    frame = frame.merge(plans, on=["area_code", "period_start"], how="left")
    if frame.empty:
        return None
    grid = cached(small_multiples, frame, unit=kpi["unit"],
                  alt_text=f"Small multiples of {kpi['kpi']}, one panel per {level}, with plans dashed.")  # fmt: skip
    shown = frame[["name", "area_code", "period_start", "value", "plan", "suppression"]].rename(
        columns={"name": "Area", "area_code": "Code", "period_start": "Period", "value": "Value", "plan": "Plan",
                 "suppression": "Suppression"}
    )  # fmt: skip
    panels = cached_panels(small_multiple_panels, frame, unit=kpi["unit"], alt_text=grid.description)
    return Multiples(frame, grid, panels, shown)

