"""What every page needs about the current selection: the KPI row, filter wording and the export context."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date

import pandas as pd
import streamlit as st

from components.area import Area
from components.chart_cache import CachedChart
from components.filters import period_label
from components.messages import is_synthetic
from components.state import Filters
from data import cache
from data.demo.spec import DEMO_SOURCE
from data.export import ExportContext
from data.suppression import Rule, rule_for
from settings import get_settings


def kpi_row(code: str | None) -> pd.Series | None:
    """The catalogue row of KPI ``code`` (None when no KPI is chosen or it is unknown)."""
    catalogue = cache.kpi_catalogue()
    rows = catalogue[catalogue["kpi_code"] == code]
    return rows.iloc[0] if len(rows) else None


def filter_wording(filters: Filters, area: Area, kpi: pd.Series | None = None) -> dict[str, str]:
    """The filters in words, for export headers: area, workstream, KPI and period."""
    words = {"Area": f"{area.name} ({area.code})"}
    if filters.workstream:
        names = cache.workstreams().set_index("code")["name"]
        words["Workstream"] = str(names.get(filters.workstream, filters.workstream))
    if kpi is not None:
        words["KPI"] = f"{kpi['kpi']} ({kpi['kpi_code']})"
    if filters.period:
        words["Period"] = f"{filters.period:%b %Y}"
    return words


def export_context(title: str, words: dict[str, str], source: str, data_date: date | None) -> ExportContext:
    """Provenance for an export; the demo's source line is used while the demo is loaded."""
    synthetic = is_synthetic(cache.provenance())
    return ExportContext(
        title=title,
        filters=words,
        data_date=data_date,
        source=DEMO_SOURCE if synthetic else source,
        synthetic=synthetic,
    )


def small_number_max(kpi: pd.Series | None = None) -> int:
    """The suppression threshold for counts (setting SMALL_NUMBER_MAX); 0 (nothing suppressed) for a KPI that
    counts organisations rather than people."""
    if kpi is not None and not bool(kpi.get("counts_people", True)):
        return 0
    return get_settings().small_number_max


def suppression_rule(kpi: pd.Series | None) -> Rule:
    """The small-number rule for KPI ``kpi``'s rows (``data/suppression.py``; nothing suppressed without a KPI)."""
    if kpi is None:
        return Rule(0)
    return rule_for(str(kpi["value_type"]), bool(kpi.get("counts_people", True)), get_settings().small_number_max)


def chosen_period(kpi_code: str, period: date) -> tuple[str, pd.Timestamp]:
    """The chosen period of a KPI in words and its last day: "Mar 2024" for a month, "Apr 2020 to Mar 2021" for
    a QOF year (from the KPI's own period end; a month's end when the period is not among its observations)."""
    periods = cache.kpi_periods(kpi_code)
    ends = periods.loc[pd.to_datetime(periods["period_start"]) == pd.Timestamp(period), "period_end"]
    end = pd.Timestamp(ends.iloc[0] if len(ends) else pd.Timestamp(period) + pd.offsets.MonthEnd(0))
    return period_label(period, end), end


@contextmanager
def slot() -> Iterator[None]:
    """A fixed place in the page for what is drawn only sometimes (a suppression note, a rebase suggestion).

    Streamlit places each element by its index in its container; an element drawn for one borough and not for
    another shifts every element after it, and the browser then mounts those afresh (each chart compiled and drawn
    again) instead of updating them. Drawn inside a slot, the optional element always occupies one index, empty or
    not, so a borough change updates the charts below in place (issue 14).
    """
    with st.empty().container():
        yield


@dataclass(frozen=True)
class Provenance:
    """An export's context as ``components.page.export_context`` made it, stamped afresh on every rerun."""

    template: ExportContext

    @classmethod
    def of(cls, title: str, words: dict[str, str], source: str, data_date: date | None) -> Provenance:
        """The context of ``export_context(title, words, source, data_date)``."""
        return cls(export_context(title, words, source, data_date))

    def context(self) -> ExportContext:
        """The export context for this rerun: the cached one with its "Exported:" time set now, as when built."""
        return self.template.made_now()


@dataclass(frozen=True)
class ChartTable:
    """A chart with its table view and export context, as ``components.exports.chart_with_table`` draws them."""

    chart: CachedChart
    table: pd.DataFrame
    context: Provenance
