"""What a monthly board pack holds, gathered from the database for one filter choice (no Streamlit, no drawing).

The pack is the Overview's current view made portable: the area the filters select (a PCN, else a borough, else
the system), its headline and register, a page for each off-track KPI (trajectory against plan, the Making Data
Count SPC chart the Trajectories page draws by default, i.e. rebased at the initiative's go-lives that were
followed by a sustained shift), the funnel of one KPI across practices or PCNs, finance against plan, milestones
due and slipped, and the top risks. ``gather`` returns plain frames and frozen dataclasses; ``reports/board_pack.py``
draws them into a PDF. Every KPI frame passes through ``data/suppression.py`` before it reaches the pack, exactly
as on the pages, so a printed pack cannot show a count the screen hides.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

import pandas as pd
from sqlmodel import Session

from data import programme as prog
from data import queries
from data.analysis import (
    AnalysisError,
    Funnel,
    area_target,
    funnel_for,
    funnel_points,
    funnel_summary,
    in_areas,
    known_change_rebase,
    kpi_milestones,
    outlier_table,
    spc_chart_data,
    spc_display,
    trajectory_frame,
    with_intervals,
)
from data.demo.spec import DEMO_SOURCE, SYNTHETIC_LABEL
from data.register import build_register, by_severity, headline
from data.stats.spc import SpcSummary
from data.status import Status
from data.summary import kpi_summary, sort_summary
from data.suppression import rule_for, suppress, suppress_kpis, suppressed_note
from models import AreaLevel
from settings import get_settings

FUNNEL_LEVELS = {"practice": "GP practices", "pcn": "PCNs", "care_home": "care homes", "provider": "trusts"}
KPI_SOURCE = "Benefits register KPI observations and plans"
FINANCE_SOURCE = "Programme finance returns (finance template)"
DELIVERY_SOURCE = "Programme delivery plan (milestones template)"
RISK_SOURCE = "Programme risk register and reviews (risks and risk_reviews templates)"


@dataclass(frozen=True)
class PackFilters:
    """The filters a pack is built for: the sidebar's (codes, None for "all"); ``period`` the start of the period
    the pack is as at (a monthly pack for an earlier month: data that end by its last day, the funnel of that
    month). With a ``kpi`` whose observations include that period, the period is the KPI's own (a QOF year ends
    in March, a flu season in February); otherwise it is the calendar month. ``neighbourhood`` is an area like
    the borough and PCN: PCN over neighbourhood over borough over the system, as the Overview chooses."""

    borough: str | None = None
    pcn: str | None = None
    workstream: str | None = None
    kpi: str | None = None
    period: date | None = None
    neighbourhood: str | None = None


@dataclass(frozen=True)
class ViewFrames:
    """What the Overview already computed for its area and workstream: the register's inputs after suppression
    (``catalogue``, ``series``, ``plans``), the register with published indicators (``register``) and the
    integrated summary (``summary``, ``data.summary.kpi_summary``).

    A pack built from the page hands them to :func:`gather`, which uses them instead of reading and computing them
    again whenever the pack's period leaves the series unchanged (no period, or one ending at or after every
    value); they must be for the same area, workstream, settings and borough milestones as the pack.
    """

    catalogue: pd.DataFrame
    series: pd.DataFrame
    plans: pd.DataFrame
    register: pd.DataFrame
    summary: pd.DataFrame


@dataclass(frozen=True)
class KpiPage:
    """One off-track KPI: its catalogue row, trajectory against plan, SPC chart data and icons."""

    kpi: dict[str, object]
    status: str
    trajectory: pd.DataFrame  # analysis.trajectory_frame of the suppressed series
    target: float | None
    milestones: pd.DataFrame  # analysis.kpi_milestones
    spc: pd.DataFrame | None  # analysis.spc_display, None when there are too few values
    spc_summary: SpcSummary | None
    rebase: tuple[pd.Timestamp, ...]
    note: str  # why there is no SPC chart, or ""
    narrative: str  # data.narrative.kpi_narrative, via the integrated summary
    suppressed: str  # data.suppression.suppressed_note of the series, or ""


@dataclass(frozen=True)
class FunnelSection:
    """The variation funnel of one KPI and period across the system's practices (or PCNs, care homes, trusts)."""

    kpi: dict[str, object] | None
    period: date | None
    units: str
    funnel: Funnel | None
    points: pd.DataFrame  # suppressed funnel points (analysis.funnel_points)
    summary: str
    note: str  # why there is no funnel, or ""
    highlight: str | None


@dataclass(frozen=True)
class FinanceSection:
    """Money against plan for the chosen borough and workstream (plan to date: years with an actual)."""

    totals: dict[str, dict[str, float]]
    by_year: pd.DataFrame  # programme.finance_by_year of net saving
    headline: str
    data_date: date | None


@dataclass(frozen=True)
class DeliverySection:
    """Milestones as at the programme's data date: counts, due in the next three months, and slipped."""

    as_at: date | None
    summary: dict[str, int]
    due: pd.DataFrame
    slipped: pd.DataFrame
    window: tuple[date, date] | None


@dataclass(frozen=True)
class BoardPack:
    """Everything a board pack prints, for one filter choice."""

    area_level: str
    area_code: str
    area_name: str
    filters: dict[str, str]  # the filters in words (Area, Workstream, KPI, Period)
    data_date: date | None
    synthetic: bool
    source: str
    headline: str
    register: pd.DataFrame  # data.register.build_register, worst first, published indicators left out
    summary: pd.DataFrame  # data.summary.kpi_summary as the Overview shows it: by workstream, attention first
    kpi_pages: tuple[KpiPage, ...]
    funnel: FunnelSection
    finance: FinanceSection
    delivery: DeliverySection
    risks: pd.DataFrame  # programme.top_risks of the risks in scope
    series: pd.DataFrame  # every register KPI's suppressed series for the area (for the integrated summary)
    catalogue: pd.DataFrame
    made_at: datetime = field(default_factory=lambda: datetime.now().replace(microsecond=0))

    @property
    def label(self) -> str:
        """The synthetic-data label while the demo is loaded, else ""."""
        return SYNTHETIC_LABEL if self.synthetic else ""

    def provenance(self) -> str:
        """One line for every page: source, data date, filters and (demo) the synthetic label."""
        chosen = "; ".join(f"{k}: {v}" for k, v in self.filters.items())
        when = f"{self.data_date:%d %b %Y}" if self.data_date else "not known"
        parts = [f"Source: {self.source}", f"Data to {when}", f"Filters: {chosen}"]
        if self.synthetic:
            parts.append(SYNTHETIC_LABEL)
        return ". ".join(p.rstrip(".") for p in parts) + "."


def _area(session: Session, filters: PackFilters, system_code: str) -> tuple[str, str, str]:
    """(level, code, name) of the most specific area chosen: PCN over neighbourhood over borough over the system."""
    if filters.pcn:
        pcns = queries.pcns(session=session, system_code=system_code)
        name = pcns.loc[pcns["code"] == filters.pcn, "name"]
        if name.empty:
            raise ValueError(f"PCN {filters.pcn!r} is not in system {system_code}; see `python -m data.manage status`")
        return AreaLevel.PCN.value, filters.pcn, str(name.iloc[0])
    if filters.neighbourhood:
        found = queries.neighbourhoods(session=session, system_code=system_code)
        name = found.loc[found["code"] == filters.neighbourhood, "name"]
        if name.empty:
            raise ValueError(f"neighbourhood {filters.neighbourhood!r} is not in system {system_code}")
        return AreaLevel.NEIGHBOURHOOD.value, filters.neighbourhood, str(name.iloc[0])
    if filters.borough:
        boroughs = queries.boroughs(session=session, system_code=system_code)
        name = boroughs.loc[boroughs["code"] == filters.borough, "name"]
        if name.empty:
            known = ", ".join(f"{c} ({n})" for c, n in zip(boroughs["code"], boroughs["name"], strict=True))
            raise ValueError(f"borough {filters.borough!r} is not in system {system_code}; known: {known}")
        return AreaLevel.BOROUGH.value, filters.borough, str(name.iloc[0])
    system = queries.system(session=session, code=system_code)
    return AreaLevel.SYSTEM.value, system_code, str(system["name"].iloc[0]) if len(system) else system_code


def _borough_of(session: Session, level: str, code: str, system_code: str) -> str | None:
    """The borough whose milestones apply to an area: itself, a PCN's borough, or None for the system."""
    if level == AreaLevel.BOROUGH.value:
        return code
    if level == AreaLevel.PCN.value:
        pcns = queries.pcns(session=session, system_code=system_code)
        match = pcns.loc[pcns["code"] == code, "borough_code"]
        return str(match.iloc[0]) if len(match) and pd.notna(match.iloc[0]) else None
    return None


def _kpi_page(
    kpi: pd.Series,
    status: str,
    series: pd.DataFrame,
    plans: pd.DataFrame,
    milestones: pd.DataFrame,
    borough: str | None,
    small_number_max: int,
    narrative: str,
) -> KpiPage:
    """The Trajectories page's two charts for one KPI and area, as data (suppressed first, SPC on what is shown)."""
    rule = rule_for(str(kpi["value_type"]), bool(kpi["counts_people"]), small_number_max)
    own = series[series["kpi_code"] == kpi["kpi_code"]].sort_values("period_start")
    own = suppress(with_intervals(own, str(kpi["value_type"]), float(kpi["multiplier"])), rule)
    own_plans = plans[plans["kpi_code"] == kpi["kpi_code"]]
    frame = trajectory_frame(own, own_plans)
    target = area_target(own_plans, kpi["target_value"], kpi["target_date"])
    reported = own.dropna(subset=["value"])
    marks = (
        kpi_milestones(milestones, str(kpi["initiative_code"]), borough, own["period_start"].min(),
                       own["period_end"].max())
        if not reported.empty else milestones.iloc[0:0]
    )  # fmt: skip
    spc = summary = None
    rebase: tuple[pd.Timestamp, ...] = ()
    note = ""
    try:
        rebase = tuple(known_change_rebase(own, marks))
        result = spc_chart_data(own, str(kpi["polarity"]), target, rebase=rebase)
    except AnalysisError as exc:
        note = str(exc)
    else:
        spc = spc_display(result, str(kpi["value_type"]), float(kpi["multiplier"]))
        summary = result.summary
    return KpiPage(
        kpi=kpi.to_dict(), status=status, trajectory=frame, target=target, milestones=marks, spc=spc,
        spc_summary=summary, rebase=rebase, note=note, narrative=narrative, suppressed=suppressed_note(own),
    )  # fmt: skip


def _funnel(
    session: Session,
    filters: PackFilters,
    register: pd.DataFrame,
    catalogue: pd.DataFrame,
    system_code: str,
    small_number_max: int,
) -> FunnelSection:
    """The funnel of the chosen KPI (else the worst register KPI that has one) for the chosen (else latest) period."""
    by_code = catalogue.set_index("kpi_code")
    candidates = [filters.kpi] if filters.kpi else list(register["kpi_code"])
    levels = {c: by_code.loc[c, "levels"] for c in candidates if c in by_code.index}
    # most units first: a practice funnel over a PCN one, the worst KPI first within each
    chosen = next((c for lv in FUNNEL_LEVELS for c, own in levels.items() if lv in own), None)
    empty = pd.DataFrame()
    highlight = filters.pcn or filters.borough
    if chosen is None:
        why = (
            f"{filters.kpi} is not reported for practices, PCNs, care homes or trusts, so it has no funnel."
            if filters.kpi
            else "No KPI in this view is reported for practices, PCNs, care homes or trusts."
        )
        return FunnelSection(None, None, "", None, empty, "", why, highlight)
    kpi = by_code.loc[chosen].copy()
    kpi["kpi_code"] = chosen
    level = next(lv for lv in FUNNEL_LEVELS if lv in kpi["levels"])
    periods = queries.kpi_periods(session=session, kpi_code=chosen)
    period = filters.period or (periods["period_start"].iloc[0] if len(periods) else None)
    if period is None:
        return FunnelSection(kpi.to_dict(), None, FUNNEL_LEVELS[level], None, empty, "",
                             f"No observations of {kpi['kpi']} yet.", highlight)  # fmt: skip
    period = pd.Timestamp(period).date()
    names = queries.area_names(session=session, level=level, system_code=system_code)
    rows = in_areas(
        queries.kpi_period_across_areas(session=session, kpi_code=chosen, level=level, period_start=period), names
    )
    try:
        funnel = funnel_for(rows, str(kpi["value_type"]), float(kpi["multiplier"]), od_adjust=True)
    except AnalysisError as exc:
        return FunnelSection(kpi.to_dict(), period, FUNNEL_LEVELS[level], None, empty, "", str(exc), highlight)
    rule = rule_for(str(kpi["value_type"]), bool(kpi["counts_people"]), small_number_max).deriving(
        "x", "x_label", "z", "distance", "denominator"
    )
    points = suppress(funnel_points(funnel, names, highlight), rule, counts=rows)
    summary = funnel_summary(funnel, outlier_table(funnel, names), FUNNEL_LEVELS[level])
    return FunnelSection(kpi.to_dict(), period, FUNNEL_LEVELS[level], funnel, points, summary, "", highlight)


def _finance(session: Session, filters: PackFilters, as_at: date | None) -> FinanceSection:
    """Finance of the pack's borough and workstream; a pack for an earlier period (``as_at``) counts only the
    actuals of financial years that had ended by then (the plan is the whole plan either way)."""
    lines = prog.in_scope(queries.finance_lines(session=session), borough=filters.borough,
                          workstream=filters.workstream)  # fmt: skip
    if as_at is not None and not lines.empty:
        later = (lines["scenario"] == prog.ACTUAL) & (lines["financial_year"].map(prog.fy_end) > as_at)
        lines = lines[~later].reset_index(drop=True)
    if lines.empty:
        return FinanceSection({}, pd.DataFrame(), "", None)
    year = prog.latest_reported_year(lines)
    totals = prog.finance_totals(lines)
    return FinanceSection(
        totals=totals,
        by_year=prog.finance_by_year(lines, "net_saving"),
        headline=prog.headline(totals, "net_saving"),
        data_date=prog.fy_end(year) if year is not None else None,
    )


def _as_at(session: Session, filters: PackFilters) -> date | None:
    """The last day of the pack's period (``filters.period``): the chosen KPI's own period end when it has that
    period (``components.page.chosen_period`` reads it the same way), else the month's; None for a pack of
    everything loaded."""
    if not filters.period:
        return None
    if filters.kpi:
        periods = queries.kpi_periods(session=session, kpi_code=filters.kpi)
        ends = periods.loc[pd.to_datetime(periods["period_start"]) == pd.Timestamp(filters.period), "period_end"]
        if len(ends):
            return pd.Timestamp(ends.iloc[0]).date()
    return (pd.Timestamp(filters.period) + pd.offsets.MonthEnd(0)).date()


def _period_words(period: date, as_at: date) -> str:
    """"Mar 2024 (data ending by 31 Mar 2024)"; "Apr 2023 to Mar 2024 (...)" for a longer period."""
    first, last = pd.Timestamp(period), pd.Timestamp(as_at)
    same_month = (first.year, first.month) == (last.year, last.month)
    span = f"{first:%b %Y}" if same_month else f"{first:%b %Y} to {last:%b %Y}"
    return f"{span} (data ending by {as_at:%d %b %Y})"


def _delivery(session: Session, filters: PackFilters, pack_as_at: date | None) -> DeliverySection:
    milestones = prog.in_scope(queries.milestones(session=session), borough=filters.borough,
                               workstream=filters.workstream)  # fmt: skip
    as_at = queries.programme_data_date(session=session)
    if as_at is not None and pack_as_at is not None:
        as_at = min(as_at, pack_as_at)
    if milestones.empty or as_at is None:
        return DeliverySection(as_at, {}, pd.DataFrame(), pd.DataFrame(), None)
    status = prog.milestone_status(milestones, as_at)
    first, last = prog.next_quarter(as_at)
    slipped = status[status["slipped"]].sort_values("slip_days", ascending=False).reset_index(drop=True)
    return DeliverySection(as_at, prog.slippage_summary(status), prog.due_between(status, first, last), slipped,
                           (first, last))  # fmt: skip


def _risks(session: Session, filters: PackFilters) -> pd.DataFrame:
    risks = prog.in_scope(queries.risks(session=session), borough=filters.borough, workstream=filters.workstream)
    if risks.empty:
        return risks
    scored = prog.risk_scores(risks)
    trend = prog.escalation(risks, queries.risk_reviews(session=session))
    scored = scored.merge(trend[["code", "trend", "trend_label"]], on="code", how="left")
    scored["threatens"] = scored.apply(prog.risk_links, axis=1)
    return prog.top_risks(scored)


def _data_date(latest: date | None, as_at: date | None) -> date | None:
    """The pack's data date: the latest loaded, or the pack's month end when that is earlier."""
    if latest is None or as_at is None:
        return latest
    return min(pd.Timestamp(latest).date(), as_at)


def _unchanged_by(series: pd.DataFrame, as_at: date | None) -> bool:
    """Whether cutting ``series`` at ``as_at`` (a pack for an earlier period) would leave every row."""
    if as_at is None or series.empty:
        return True
    return bool((pd.to_datetime(series["period_end"]) <= pd.Timestamp(as_at)).all())


def gather(
    session: Session,
    filters: PackFilters,
    *,
    system_code: str | None = None,
    small_number_max: int | None = None,
    tolerance: float | None = None,
    view: ViewFrames | None = None,
) -> BoardPack:
    """The board pack for ``filters``, read through ``session`` (settings supply the defaults).

    ``view``: the frames the Overview already computed for the same area and workstream (see
    :class:`ViewFrames`), used instead of reading and computing them again when the pack's period leaves their
    series unchanged; the pack is the same either way, only faster.

    Raises:
        ValueError: a borough, PCN, neighbourhood or workstream code that the database does not know (the message
        lists them).
    """
    settings = get_settings()
    system_code = system_code or settings.system_code
    maximum = settings.small_number_max if small_number_max is None else small_number_max
    tolerance = settings.status_tolerance if tolerance is None else tolerance
    level, code, name = _area(session, filters, system_code)
    words = {"Area": f"{name} ({code})"}
    if filters.workstream:
        streams = queries.workstreams(session=session).set_index("code")["name"]
        if filters.workstream not in streams.index:
            raise ValueError(f"workstream {filters.workstream!r} is unknown; known: {', '.join(streams.index)}")
        words["Workstream"] = str(streams[filters.workstream])
    if filters.kpi:
        chosen = queries.kpi_catalogue(session=session)
        chosen = chosen[chosen["kpi_code"] == filters.kpi]
        if chosen.empty:
            raise ValueError(f"KPI {filters.kpi!r} is unknown")
        words["Variation KPI"] = f"{chosen['kpi'].iloc[0]} ({filters.kpi})"
    as_at = _as_at(session, filters)
    if as_at is not None and filters.period is not None:
        words["Period"] = _period_words(filters.period, as_at)
    milestones = queries.milestones(session=session)
    borough = _borough_of(session, level, code, system_code)
    if view is not None and _unchanged_by(view.series, as_at):
        catalogue, series, plans, everything = view.catalogue, view.series, view.plans, view.register
        summary = sort_summary(view.summary, by="workstream")
    else:
        catalogue = queries.kpi_catalogue(session=session, workstream_code=filters.workstream)
        codes = catalogue["kpi_code"].tolist()
        raw = queries.area_series(session=session, level=level, area_code=code, kpi_codes=codes)
        if as_at is not None:  # a pack for an earlier month sees only what had happened by its end
            raw = raw[pd.to_datetime(raw["period_end"]) <= pd.Timestamp(as_at)].reset_index(drop=True)
        series = suppress_kpis(raw, catalogue, maximum)  # before the register, its charts and statistics see it
        plans = queries.area_plans(session=session, level=level, area_code=code, kpi_codes=codes)
        everything = build_register(catalogue, series, plans, level=level, tolerance=tolerance)
        # the Overview's integrated summary: every KPI with a value here, published indicators included
        summary = sort_summary(
            kpi_summary(everything, series, plans, catalogue, milestones, area_name=name, borough_code=borough,
                        tolerance=tolerance),
            by="workstream",
        )  # fmt: skip
    published = everything["workstream"] == queries.PUBLISHED_HEADING  # no initiative, no plan: no status
    register = by_severity(everything[~published]).reset_index(drop=True)
    loaded = queries.provenance(session=session)
    synthetic = bool(loaded["synthetic"].any()) if not loaded.empty else False
    narratives = dict(zip(summary["kpi_code"], summary["narrative"], strict=True))
    pages = tuple(
        _kpi_page(catalogue[catalogue["kpi_code"] == row.kpi_code].iloc[0], row.status, series, plans, milestones,
                  borough, maximum, narratives.get(row.kpi_code, ""))
        for row in register.itertuples() if row.status == Status.OFF_TRACK.value
    )  # fmt: skip
    return BoardPack(
        area_level=level,
        area_code=code,
        area_name=name,
        filters=words,
        data_date=_data_date(queries.latest_period(session=session), as_at),
        synthetic=synthetic,
        source=DEMO_SOURCE if synthetic else KPI_SOURCE,
        headline=headline(register, name),
        register=register,
        summary=summary,
        kpi_pages=pages,
        funnel=_funnel(session, filters, register, catalogue, system_code, maximum),
        finance=_finance(session, filters, as_at),
        delivery=_delivery(session, filters, as_at),
        risks=_risks(session, filters),
        series=series,
        catalogue=catalogue,
    )
