"""Session-state and query-parameter keys, and the Filters every page reads (one place for key names).

The sidebar filters are mirrored in the URL (see ``components/filters.py``): exactly these whitelisted keys
with plain codes as values; nothing from the URL is ever deserialised beyond a string.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import streamlit as st

BOROUGH_KEY = "borough"  # ONS code, e.g. E09000010
PCN_KEY = "pcn"  # ODS code, e.g. U90001
WORKSTREAM_KEY = "workstream"  # workstream code, e.g. EHCH
KPI_KEY = "kpi"  # KPI code, e.g. AE_RATE
PERIOD_KEY = "period"  # ISO date of the period's start, e.g. 2024-03-01
NEIGHBOURHOOD_KEY = "neighbourhood"  # neighbourhood code; offered (and in the URL) only when any are loaded
URL_KEYS = (BOROUGH_KEY, PCN_KEY, WORKSTREAM_KEY, KPI_KEY, PERIOD_KEY)
NOTICES_KEY = "_url_notices"  # messages about URL values that were ignored
ROLE_KEY = "_role"  # the signed-in user's data.access.Role, set by app.py on every run (never from the URL)
SPC_REBASE_KEY = "spc_rebase"  # prefix: SPC rebase points (ISO dates) per KPI and area; session only, not in the URL
SUMMARY_ORDER_KEY = "summary_order"  # order of the integrated summary table ("workstream" or "attention"); session only
SPC_BASELINE_KEY = "spc_baseline"  # prefix: SPC baseline length (fix_after_n_points) per KPI and area; session only


@dataclass(frozen=True)
class Filters:
    """The shared filter choice; None means "all"."""

    borough: str | None = None
    pcn: str | None = None
    workstream: str | None = None
    kpi: str | None = None
    period: date | None = None  # start of the chosen period (the latest by default)
    neighbourhood: str | None = None  # a neighbourhood of the borough (2025 guidance), when any are loaded


def current_filters() -> Filters:
    """The filters as the sidebar last set them."""
    return Filters(
        borough=st.session_state.get(BOROUGH_KEY),
        pcn=st.session_state.get(PCN_KEY),
        workstream=st.session_state.get(WORKSTREAM_KEY),
        kpi=st.session_state.get(KPI_KEY),
        period=date.fromisoformat(period) if (period := st.session_state.get(PERIOD_KEY)) else None,
        neighbourhood=st.session_state.get(NEIGHBOURHOOD_KEY),
    )
