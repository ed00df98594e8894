"""About: each KPI's definition, numerator and denominator, method, polarity, source, caveats and freshness."""

from __future__ import annotations

import streamlit as st

from components.shell import require_app_shell
from components.state import current_filters
from data import cache
from data.analysis import METHODS, POLARITY_TEXT

require_app_shell()

filters = current_filters()
catalogue = cache.kpi_catalogue()
if filters.workstream:
    catalogue = catalogue[catalogue["workstream_code"] == filters.workstream]
freshness = cache.kpi_freshness().set_index("kpi_code")

st.title("About the KPIs")
st.caption(
    "How each KPI is defined and judged, where it comes from and how fresh it is. Status compares the latest value "
    "with the planned trajectory; SPC charts follow NHS England's Making Data Count; funnels follow FunnelPlotR and "
    "OHID Fingertips (see docs/statistics.md)."
)
if catalogue.empty:
    st.info("No KPIs are defined yet: import KPI definitions on the Data page.", icon=":material/upload_file:")
for workstream, kpis in catalogue.groupby("workstream", sort=False):
    st.header(workstream)
    for kpi in kpis.itertuples():
        with st.expander(f"{kpi.kpi} ({kpi.kpi_code})", expanded=kpi.kpi_code == filters.kpi):
            fresh = freshness.loc[kpi.kpi_code] if kpi.kpi_code in freshness.index else None
            latest = f"{fresh['latest_period_end']:%d %b %Y}" if fresh is not None else "no data yet"
            imported = f"{fresh['imported_at']:%d %b %Y %H:%M}" if fresh is not None and fresh["imported_at"] else "—"
            breakdown = ", ".join(str(p) for p in (kpi.sex, kpi.age, kpi.category_type, kpi.category) if p) or "—"
            belongs = (
                f"**Published by.** {kpi.publisher or '—'}; breakdown {breakdown}; period {kpi.period_type or '—'}; "
                "no initiative (a register KPI can read it through its indicator_code)."
                if kpi.origin == "published"
                else f"**Initiative.** {kpi.initiative}."
                + (f" **Reads the published indicator** {kpi.indicator_code}." if kpi.indicator_code else "")
            )
            st.markdown(
                f"**Definition.** {kpi.definition}\n\n"
                f"**Numerator.** {kpi.numerator_definition or '—'}\n\n"
                f"**Denominator.** {kpi.denominator_definition or '—'}\n\n"
                f"**Unit.** {kpi.unit}. **Polarity.** {POLARITY_TEXT[kpi.polarity]}.\n\n"
                f"**Method.** {METHODS[kpi.value_type]}\n\n"
                f"{belongs} **Reported at.** {', '.join(kpi.levels)}.\n\n"
                f"**Baseline.** {kpi.baseline_value} (from {kpi.baseline_period}). "
                f"**Target.** {kpi.target_value} by {kpi.target_date}. **Validation.** {kpi.validation_date}.\n\n"
                f"**Source.** {kpi.source}\n\n"
                f"**Caveats.** {kpi.caveats or 'None recorded.'}\n\n"
                f"**Freshness.** Data to {latest}; imported {imported}."
            )
